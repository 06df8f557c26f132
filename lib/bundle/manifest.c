/*
 * manifest.c: the collector's manifest.json and the check of the bundle against it.
 *
 * The collector writes, inside its zip, a JSON object naming itself, the machine, what it
 * could not collect, and every file with its size and SHA-256 (docs/bundle.md has the
 * layout). A file whose bytes no longer match was damaged after collection (the seed case
 * lost a day to a corrupt upload); a listed file that is absent was lost on the way.
 */
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/bundle.h"
#include "util/strutil.h"

/* Caps on what a manifest may make us keep. */
#define MANIFEST_MAX_MACHINE 1000
#define MANIFEST_MAX_ERRORS 10000
#define MANIFEST_MAX_FILES 200000
#define MANIFEST_MAX_STRING 4096

/* The comparison key of a path: lowercased, '/'-separated, no leading "./" or '/'. */
static char *path_key(updx_arena *a, const char *prefix, const char *path)
{
    while (*path == '/' || *path == '\\' || (path[0] == '.' && (path[1] == '/' || path[1] == '\\')))
        path += path[0] == '.' ? 2 : 1;
    char *k = updx_arena_printf(a, "%s%s", prefix, path);
    if (!k)
        return NULL;
    for (char *p = k; *p; p++)
        *p = *p == '\\' ? '/' : updx_ascii_lower(*p);
    return k;
}

static const char *json_text(updx_arena *a, json_t *v)
{
    char buf[64];
    if (json_is_string(v))
        return updx_arena_strndup(a, json_string_value(v),
                                  json_string_length(v) < MANIFEST_MAX_STRING
                                      ? json_string_length(v) : MANIFEST_MAX_STRING);
    if (json_is_integer(v)) {
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return updx_arena_strdup(a, buf);
    }
    if (json_is_real(v)) {
        snprintf(buf, sizeof buf, "%g", json_real_value(v));
        return updx_arena_strdup(a, buf);
    }
    if (json_is_boolean(v))
        return json_is_true(v) ? "true" : "false";
    return NULL;
}

static bool is_hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return false;
    for (int i = 0; i < 64; i++)
        if (!strchr("0123456789abcdefABCDEF", s[i]))
            return false;
    return true;
}

static int cmp_files(const void *a, const void *b)
{
    return strcmp(((const updx_manifest_file *)a)->key, ((const updx_manifest_file *)b)->key);
}

int updx_bundle_parse_manifest(updx_case *c, const char *member, const void *data, size_t len)
{
    json_error_t err;
    json_t *root = json_loadb(data, len, JSON_DISABLE_EOF_CHECK, &err);
    if (!root || !json_is_object(root)) {
        updx_note_add(&c->notes, UPDX_NOTE_WARNING, member, UPDX_NO_OFFSET,
                      root ? UPDX_NO_LINE : (uint64_t)(err.line > 0 ? err.line : 0),
                      "manifest is not a json object and was ignored%s%s", root ? "" : ": ",
                      root ? "" : err.text);
        json_decref(root);
        return UPDX_ERR_FORMAT;
    }
    updx_arena *a = &c->arena;
    struct updx_bundle_facts *f = updx_arena_alloc(a, sizeof *f);
    if (!f) {
        json_decref(root);
        return UPDX_ERR_NOMEM;
    }
    f->manifest = updx_arena_strdup(a, member);
    updx_avec_init(&f->machine, sizeof(updx_kv), MANIFEST_MAX_MACHINE);
    updx_avec_init(&f->errors, sizeof(const char *), MANIFEST_MAX_ERRORS);
    updx_avec_init(&f->files, sizeof(updx_manifest_file), MANIFEST_MAX_FILES);

    json_t *col = json_object_get(root, "collector");
    if (json_is_string(col)) {
        f->collector_name = json_text(a, col);
    } else if (json_is_object(col)) {
        f->collector_name = json_text(a, json_object_get(col, "name"));
        f->collector_version = json_text(a, json_object_get(col, "version"));
    }
    if (!f->collector_version)
        f->collector_version = json_text(a, json_object_get(root, "collector_version"));

    json_t *machine = json_object_get(root, "machine");
    const char *key;
    json_t *val;
    if (json_is_object(machine)) {
        json_object_foreach(machine, key, val) {
            const char *text = json_text(a, val);
            if (!text)
                continue;
            updx_kv *kv = updx_avec_push(&f->machine, a);
            if (!kv)
                break;
            kv->key = updx_arena_strndup(a, key, strnlen(key, MANIFEST_MAX_STRING));
            kv->value = text;
        }
    }

    json_t *errors = json_object_get(root, "errors");
    if (!errors)
        errors = json_object_get(root, "collection_errors");
    size_t i;
    json_t *item;
    if (json_is_array(errors)) {
        json_array_foreach(errors, i, item) {
            const char *text = json_text(a, item);
            if (!text && json_is_object(item)) {
                const char *p = json_text(a, json_object_get(item, "path"));
                const char *e = json_text(a, json_object_get(item, "error"));
                if (!e)
                    e = json_text(a, json_object_get(item, "message"));
                text = p && e ? updx_arena_printf(a, "%s: %s", p, e) : e ? e : p;
            }
            const char **slot = text ? updx_avec_push(&f->errors, a) : NULL;
            if (slot)
                *slot = text;
        }
    }

    /* manifest paths are relative to the manifest's folder */
    const char *slash = strrchr(member, '/');
    const char *prefix = slash ? updx_arena_strndup(a, member, (size_t)(slash - member + 1)) : "";
    json_t *files = json_object_get(root, "files");
    uint32_t bad = 0;
    if (json_is_array(files)) {
        json_array_foreach(files, i, item) {
            json_t *p = json_object_get(item, "path");
            if (!p)
                p = json_object_get(item, "name");
            if (!json_is_string(p)) {
                bad++;
                continue;
            }
            updx_manifest_file *mf = updx_avec_push(&f->files, a);
            if (!mf) {
                updx_note_add(&c->notes, UPDX_NOTE_LIMIT, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                              "manifest lists more than %d files; the rest are not checked",
                              MANIFEST_MAX_FILES);
                break;
            }
            mf->path = json_text(a, p);
            mf->key = path_key(a, prefix, mf->path ? mf->path : "");
            if (!mf->key) {
                f->files.len--;
                break;
            }
            json_t *size = json_object_get(item, "size");
            if (json_is_integer(size) && json_integer_value(size) >= 0) {
                mf->size = (uint64_t)json_integer_value(size);
                mf->has_size = true;
            }
            const char *sha = json_string_value(json_object_get(item, "sha256"));
            if (is_hex64(sha))
                for (int k = 0; k < 65; k++)
                    mf->sha256[k] = updx_ascii_lower(sha[k]);
            else if (sha)
                bad++;
        }
        if (f->files.len)
            qsort(f->files.items, f->files.len, sizeof(updx_manifest_file), cmp_files);
    }
    if (bad)
        updx_note_add(&c->notes, UPDX_NOTE_WARNING, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "%u manifest file entries have no path or a malformed sha256", bad);
    json_decref(root);
    c->bundle = f;
    return UPDX_OK;
}

void updx_bundle_check_manifest(updx_case *c)
{
    struct updx_bundle_facts *f = c->bundle;
    if (!f || !f->files.len)
        return;
    f->files_missing = f->files_differing = 0;
    for (size_t i = 0; i < c->members.len; i++) {
        updx_member_info *m = updx_avec_at(&c->members, i);
        if (strcmp(m->name, f->manifest) == 0)
            continue;
        updx_manifest_file probe = {.key = path_key(&c->arena, "", m->name)};
        if (!probe.key)
            return;
        updx_manifest_file *mf = bsearch(&probe, f->files.items, f->files.len,
                                         sizeof(updx_manifest_file), cmp_files);
        if (!mf)
            continue;
        mf->seen = true;
        if (mf->sha256[0] && m->sha256[0] && strcmp(mf->sha256, m->sha256) != 0) {
            m->damaged = true;
            f->files_differing++;
            updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, m->name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "sha-256 differs from the manifest: the file changed or was damaged "
                          "after collection");
        } else if (mf->has_size && mf->size != m->size) {
            m->damaged = true;
            f->files_differing++;
            updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, m->name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "size differs from the manifest (%" PRIu64 " bytes listed, %" PRIu64
                          " read): the file changed or was damaged after collection",
                          mf->size, m->size);
        }
    }
    for (size_t i = 0; i < f->files.len; i++) {
        updx_manifest_file *mf = updx_avec_at(&f->files, i);
        if (mf->seen)
            continue;
        f->files_missing++;
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, mf->key, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "listed in the collector's manifest but missing from the bundle");
    }
}
