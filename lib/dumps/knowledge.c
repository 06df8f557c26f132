/*
 * knowledge.c: loads the crash-dump tables from the embedded data files (see knowledge.h).
 *
 * The tables are small and looked up per frame, so they are parsed once into fixed-size
 * static storage guarded by pthread_once: write-once at first use, read-only afterwards.
 */
#include "dumps/knowledge.h"

#include <pthread.h>
#include <string.h>

#include "util/embedded.h"
#include "util/strutil.h"

/* Caps for the static tables: far above today's rows, and what a support engineer would add. */
enum { MAX_BUGCHECKS = 512, MAX_CORE = 256, MAX_CLASSES = 1024, POOL_BYTES = 256 * 1024,
       MAX_COLS = 12 };

typedef struct tables {
    struct updx_bugcheck_info bugchecks[MAX_BUGCHECKS];
    updx_core_module core[MAX_CORE];
    updx_driver_class_rule classes[MAX_CLASSES];
    char pool[POOL_BYTES];
    size_t pool_used;
    updx_dumps_knowledge k;
} tables;

static tables g_tables;  /* written only inside load_once (pthread_once), then read-only */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static const char *pool_dup(tables *t, const char *s, size_t n)
{
    if (n + 1 > POOL_BYTES - t->pool_used)
        return "";
    char *p = t->pool + t->pool_used;
    memcpy(p, s, n);
    p[n] = '\0';
    t->pool_used += n + 1;
    return p;
}

/* Splits the next data row of a TSV file (skipping '#' comments, blank lines and the header
 * line, recognised by `header_first`) into at most MAX_COLS columns. */
static size_t next_row(const char **pos, const char *end, const char *header_first,
                       const char **cols, size_t *lens)
{
    while (*pos < end) {
        const char *line = *pos;
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *le = nl ? nl : end;
        *pos = nl ? nl + 1 : end;
        if (le > line && le[-1] == '\r')
            le--;
        if (le == line || *line == '#')
            continue;
        size_t n = 0;
        const char *s = line;
        while (n < MAX_COLS) {
            const char *tab = memchr(s, '\t', (size_t)(le - s));
            const char *ce = tab ? tab : le;
            cols[n] = s;
            lens[n] = (size_t)(ce - s);
            n++;
            if (!tab)
                break;
            s = tab + 1;
        }
        if (lens[0] == strlen(header_first) && memcmp(cols[0], header_first, lens[0]) == 0)
            continue;
        return n;
    }
    return 0;
}

static void load_bugchecks(tables *t)
{
    const struct updx_embedded_file *f = updx_embedded_find("bugchecks.tsv");
    if (!f)
        return;
    const char *pos = (const char *)f->data, *end = pos + f->size;
    const char *cols[MAX_COLS];
    size_t lens[MAX_COLS], n;
    while ((n = next_row(&pos, end, "code", cols, lens)) > 0 && t->k.n_bugchecks < MAX_BUGCHECKS) {
        uint64_t code;
        size_t used;
        if (n < 10 || !updx_parse_hex(cols[0], lens[0], &code, &used) || code > UINT32_MAX)
            continue;
        struct updx_bugcheck_info *b = &t->bugchecks[t->k.n_bugchecks++];
        b->code = (uint32_t)code;
        b->name = pool_dup(t, cols[1], lens[1]);
        for (int i = 0; i < 4; i++)
            b->param[i] = pool_dup(t, cols[2 + i], lens[2 + i]);
        b->fault_param = (lens[6] == 1 && cols[6][0] >= '1' && cols[6][0] <= '4') ? cols[6][0] - '0' : 0;
        static const char *const blames[] = {"driver", "hardware", "manual", "process", "boot"};
        b->blame = UPDX_BC_BLAME_DRIVER;
        for (int i = 0; i < 5; i++)
            if (lens[7] == strlen(blames[i]) && memcmp(cols[7], blames[i], lens[7]) == 0)
                b->blame = (updx_bugcheck_blame)i;
        b->en = pool_dup(t, cols[8], lens[8]);
        b->zh = pool_dup(t, cols[9], lens[9]);
    }
}

static void load_core(tables *t)
{
    const struct updx_embedded_file *f = updx_embedded_find("core_modules.tsv");
    if (!f)
        return;
    const char *pos = (const char *)f->data, *end = pos + f->size;
    const char *cols[MAX_COLS];
    size_t lens[MAX_COLS], n;
    while ((n = next_row(&pos, end, "image", cols, lens)) > 0 && t->k.n_core < MAX_CORE) {
        if (n < 3 || lens[0] == 0)
            continue;
        updx_core_module *m = &t->core[t->k.n_core++];
        m->image = pool_dup(t, cols[0], lens[0]);
        m->debugger = (lens[1] == 1 && cols[1][0] == '-') ? NULL : pool_dup(t, cols[1], lens[1]);
        m->user_mode = lens[2] == 4 && memcmp(cols[2], "user", 4) == 0;
    }
}

static void load_classes(tables *t)
{
    const struct updx_embedded_file *f = updx_embedded_find("driver_classes.tsv");
    if (!f)
        return;
    const char *pos = (const char *)f->data, *end = pos + f->size;
    const char *cols[MAX_COLS];
    size_t lens[MAX_COLS], n;
    while ((n = next_row(&pos, end, "match", cols, lens)) > 0 && t->k.n_classes < MAX_CLASSES) {
        if (n < 3 || lens[1] == 0 || lens[2] == 0)
            continue;
        updx_driver_class_rule *r = &t->classes[t->k.n_classes++];
        r->by_symbol = lens[0] == 6 && memcmp(cols[0], "symbol", 6) == 0;
        r->pattern = pool_dup(t, cols[1], lens[1]);
        r->klass = pool_dup(t, cols[2], lens[2]);
    }
}

static void load_once(void)
{
    tables *t = &g_tables;
    load_bugchecks(t);
    load_core(t);
    load_classes(t);
    t->k.bugchecks = t->bugchecks;
    t->k.core = t->core;
    t->k.classes = t->classes;
}

const updx_dumps_knowledge *updx_dumps_knowledge_get(void)
{
    pthread_once(&g_once, load_once);
    return &g_tables.k;
}

static bool eq_ci(const char *a, size_t alen, const char *b)
{
    return b && strlen(b) == alen && updx_strncasecmp(a, b, alen) == 0;
}

const updx_core_module *updx_core_module_find(const char *name, size_t len)
{
    const updx_dumps_knowledge *k = updx_dumps_knowledge_get();
    for (unsigned i = 0; i < k->n_core; i++) {
        const updx_core_module *m = &k->core[i];
        if (eq_ci(name, len, m->image) || eq_ci(name, len, m->debugger))
            return m;
        /* "ntoskrnl" without extension */
        const char *dot = strrchr(m->image, '.');
        if (dot && (size_t)(dot - m->image) == len && updx_strncasecmp(name, m->image, len) == 0)
            return m;
    }
    return NULL;
}
