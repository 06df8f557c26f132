/* blockers.c: lookups in the embedded data/known_blockers.tsv (see blockers.h). The table is
 * small (tens of rows), so each lookup scans the embedded text: no global state, no cache. */
#include "rules/blockers.h"

#include <stdio.h>
#include <string.h>

#include "util/embedded.h"
#include "util/strutil.h"

enum { BLOCKER_COLUMNS = 11, BLOCKER_MAX_FIELD = 512 };

/* Splits one TSV line into fields (pointers into buf). */
static int split(char *buf, char **fields)
{
    int n = 0;
    fields[n++] = buf;
    for (char *p = buf; *p && n < BLOCKER_COLUMNS; p++)
        if (*p == '\t') {
            *p = '\0';
            fields[n++] = p + 1;
        }
    return n;
}

static bool find(updx_arena *a, const char *key, int column, updx_blocker *out)
{
    const struct updx_embedded_file *f = updx_embedded_find("known_blockers.tsv");
    if (!f || !key || !*key)
        return false;
    char name[256];
    const char *base = updx_path_basename(key);
    snprintf(name, sizeof name, "%s", base);
    bool has_ext = strchr(name, '.') != NULL;
    const char *p = (const char *)f->data, *end = p + f->size;
    bool header = true;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char line[BLOCKER_COLUMNS * BLOCKER_MAX_FIELD];
        if (len && p[len - 1] == '\r')
            len--;
        if (len && len < sizeof line && p[0] != '#') {
            memcpy(line, p, len);
            line[len] = '\0';
            char *fl[BLOCKER_COLUMNS];
            if (header)
                header = false;
            else if (split(line, fl) == BLOCKER_COLUMNS) {
                bool hit = false;
                if (column == 0) {
                    char with_sys[270];
                    snprintf(with_sys, sizeof with_sys, "%s.sys", name);
                    hit = updx_glob_ci(fl[0], name) || (!has_ext && updx_glob_ci(fl[0], with_sys));
                } else {
                    /* ';'-separated ids */
                    for (char *t = fl[column]; t && *t && !hit;) {
                        char *semi = strchr(t, ';');
                        size_t tl = semi ? (size_t)(semi - t) : strlen(t);
                        hit = tl == strlen(key) && strncmp(t, key, tl) == 0;
                        t = semi ? semi + 1 : NULL;
                    }
                }
                if (hit) {
                    const char **dst[BLOCKER_COLUMNS] = {&out->file, &out->vendor, &out->product,
                                                         &out->driver_class, &out->affected, &out->fixed,
                                                         &out->safeguard_ids, &out->target, &out->symptom,
                                                         &out->shows_as, &out->source};
                    for (int i = 0; i < BLOCKER_COLUMNS; i++)
                        *dst[i] = updx_arena_strdup(a, fl[i]);
                    return true;
                }
            }
        }
        if (!nl)
            break;
        p = nl + 1;
    }
    return false;
}

bool updx_blocker_find(updx_arena *a, const char *file_or_name, updx_blocker *out)
{
    return find(a, file_or_name, 0, out);
}

bool updx_blocker_find_safeguard(updx_arena *a, const char *id, updx_blocker *out)
{
    return find(a, id, 6, out);
}
