/*
 * collect.c: see collect.h. The plan, the exclusions, the engine and the manifest writer.
 */
#include "collect/collect.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/sha256_portable.h"

/* Read size for copying a file into the sink. */
#define COPY_CHUNK (256u * 1024u)

static const char *const category_names[] = {
    "upgrade", "dumps", "servicing", "registry", "events", "system", "network", "policy",
    "memory",
};
#define CATEGORY_COUNT (sizeof category_names / sizeof category_names[0])

const updx_collect_rule updx_collect_plan[] = {
    /* the upgrade's own folders: downlevel, rollback, media-creation-tool copies */
    {"$WINDOWS.~BT/Sources/Panther", "*", 4, UPDX_CAT_UPGRADE, false},
    {"$WINDOWS.~BT/Sources/Rollback", "*", 4, UPDX_CAT_UPGRADE, false},
    {"$WINDOWS.~WS/Sources/Panther", "*", 4, UPDX_CAT_UPGRADE, false},
    {"$WINDOWS.~WS/Sources/Rollback", "*", 4, UPDX_CAT_UPGRADE, false},
    {"$WINDOWS.~BT/Sources", "*.xml", 0, UPDX_CAT_UPGRADE, false},
    /* the new OS (NewOS, UnattendGC) and the Windows folder */
    {"Windows/Panther", "*", 4, UPDX_CAT_UPGRADE, false},
    {"Windows/System32/Sysprep/Panther", "*", 2, UPDX_CAT_UPGRADE, false},
    {"Windows", "setupact.log", 0, UPDX_CAT_UPGRADE, false},
    {"Windows", "setuperr.log", 0, UPDX_CAT_UPGRADE, false},
    {"Windows/INF", "setupapi.*.log", 0, UPDX_CAT_UPGRADE, false},
    {"Windows/Logs/MoSetup", "*.log", 0, UPDX_CAT_UPGRADE, false},
    {"Windows/appcompat/appraiser", "*.xml", 1, UPDX_CAT_UPGRADE, false},
    {"Windows/Logs/CBS", "*.log", 0, UPDX_CAT_SERVICING, false},
    {"Windows/Logs/DISM", "*.log", 0, UPDX_CAT_SERVICING, false},
    /* crash dumps (setupmem.dmp comes with the Rollback/NewOS folders) */
    {"Windows/Minidump", "*.dmp", 0, UPDX_CAT_DUMPS, false},
    {"Windows/LiveKernelReports", "*.dmp", 1, UPDX_CAT_DUMPS, false},
    {"Windows", "MEMORY.DMP", 0, UPDX_CAT_MEMORY, false},
    /* offline volume only: the live collector saves hives and exports logs instead */
    {"Windows/System32/config", "SYSTEM", 0, UPDX_CAT_REGISTRY, true},
    {"Windows/System32/config", "SOFTWARE", 0, UPDX_CAT_REGISTRY, true},
    {"Windows/System32/winevt/Logs", "System.evtx", 0, UPDX_CAT_EVENTS, true},
    {"Windows/System32/winevt/Logs", "Application.evtx", 0, UPDX_CAT_EVENTS, true},
    {"Windows/System32/winevt/Logs", "Setup.evtx", 0, UPDX_CAT_EVENTS, true},
    {NULL, NULL, 0, 0, false},
};

const char *updx_collect_category_name(unsigned bit)
{
    for (size_t i = 0; i < CATEGORY_COUNT; i++)
        if (bit == 1u << i)
            return category_names[i];
    return NULL;
}

bool updx_collect_parse_categories(const char *list, unsigned *out, const char **bad)
{
    unsigned cats = 0;
    const char *p = list;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        bool found = false;
        if (n == 3 && strncmp(p, "all", 3) == 0) {
            cats |= UPDX_CAT_DEFAULT | UPDX_CAT_MEMORY;
            found = true;
        } else if (n == 7 && strncmp(p, "default", 7) == 0) {
            cats |= UPDX_CAT_DEFAULT;
            found = true;
        }
        for (size_t i = 0; !found && i < CATEGORY_COUNT; i++)
            if (strlen(category_names[i]) == n && strncmp(p, category_names[i], n) == 0) {
                cats |= 1u << i;
                found = true;
            }
        if (!found) {
            if (bad)
                *bad = p;
            return false;
        }
        p = e ? e + 1 : NULL;
    }
    *out = cats;
    return cats != 0;
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

bool updx_collect_glob(const char *pattern, const char *name)
{
    const char *star = NULL, *resume = NULL;
    while (*name) {
        if (*pattern == '*') {
            star = pattern++;
            resume = name;
        } else if (*pattern == '?' || (*pattern && lower(*pattern) == lower(*name))) {
            pattern++;
            name++;
        } else if (star) {
            pattern = star + 1;
            name = ++resume;
        } else {
            return false;
        }
    }
    while (*pattern == '*')
        pattern++;
    return *pattern == '\0';
}

const char *updx_collect_excluded(const char *name)
{
    static const char *const never[] = {"SAM", "SECURITY", "NTUSER.DAT", "UsrClass.dat",
                                        "SAM.LOG*", "SECURITY.LOG*", "ntuser.dat.LOG*",
                                        "DataStore.edb", "tokens.dat", NULL};
    for (int i = 0; never[i]; i++)
        if (updx_collect_glob(never[i], name))
            return "never collected: holds credentials or personal data";
    static const char *const payload[] = {"*.esd", "*.wim", "*.swm", "*.dll", "*.sdi", "*.mui",
                                          "*.png", "*.ttf", "*.cab", "*.exe", "*.sys", NULL};
    for (int i = 0; payload[i]; i++)
        if (updx_collect_glob(payload[i], name))
            return "skipped: setup payload, not a log";
    return NULL;
}

void updx_collect_default_opts(updx_collect_opts *o)
{
    memset(o, 0, sizeof *o);
    o->categories = UPDX_CAT_DEFAULT;
    o->max_file_bytes = UPDX_COLLECT_MAX_FILE;
    o->max_total_bytes = UPDX_COLLECT_MAX_TOTAL;
    o->max_memory_dump = UPDX_COLLECT_MAX_MEMORY_DUMP;
}

/* ---- JSON text ---- */

void updx_jbuf_putn(updx_jbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) {
            b->failed = true;
            return;
        }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void updx_jbuf_puts(updx_jbuf *b, const char *s)
{
    updx_jbuf_putn(b, s, strlen(s));
}

void updx_jbuf_string(updx_jbuf *b, const char *s)
{
    updx_jbuf_putn(b, "\"", 1);
    if (!s)
        s = "";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            updx_jbuf_putn(b, esc, 2);
        } else if (*p < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", *p);
            updx_jbuf_puts(b, esc);
        } else {
            updx_jbuf_putn(b, (const char *)p, 1);
        }
    }
    updx_jbuf_putn(b, "\"", 1);
}

void updx_jbuf_free(updx_jbuf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

/* ---- the engine ---- */

typedef struct file_entry {
    char *member, *original, *error;
    uint64_t size;
    int64_t mtime;
    char sha256[65];
    unsigned category;
    int redacted; /* -1 not asked, 0 binary (passed through), 1 redacted */
} file_entry;

typedef struct kv {
    char *key, *value;
} kv;

struct updx_collector {
    updx_collect_opts opts;
    const updx_collect_fs *fs;
    const updx_collect_sink *sink;
    const char *platform;
    updx_redactor *redactor;
    file_entry *files;
    size_t nfiles, capfiles;
    kv *machine;
    size_t nmachine, capmachine;
    kv *errors; /* key = path, value = error */
    size_t nerrors, caperrors;
    uint64_t bytes;
    time_t started;
    updx_jbuf manifest;
    bool sink_failed;
    unsigned not_redacted;
};

static char *xstrdup(const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

static bool grow(void **items, size_t *cap, size_t len, size_t size)
{
    if (len < *cap)
        return true;
    size_t n = *cap ? *cap * 2 : 64;
    void *p = realloc(*items, n * size);
    if (!p)
        return false;
    *items = p;
    *cap = n;
    return true;
}

updx_collector *updx_collector_new(const updx_collect_opts *o, const updx_collect_fs *fs,
                                   const updx_collect_sink *sink, const char *platform)
{
    updx_collector *col = calloc(1, sizeof *col);
    if (!col)
        return NULL;
    col->opts = *o;
    col->fs = fs;
    col->sink = sink;
    col->platform = platform;
    col->started = time(NULL);
    if (o->redact && !(col->redactor = updx_redactor_new())) {
        free(col);
        return NULL;
    }
    return col;
}

void updx_collector_free(updx_collector *col)
{
    if (!col)
        return;
    for (size_t i = 0; i < col->nfiles; i++) {
        free(col->files[i].member);
        free(col->files[i].original);
        free(col->files[i].error);
    }
    for (size_t i = 0; i < col->nmachine; i++) {
        free(col->machine[i].key);
        free(col->machine[i].value);
    }
    for (size_t i = 0; i < col->nerrors; i++) {
        free(col->errors[i].key);
        free(col->errors[i].value);
    }
    free(col->files);
    free(col->machine);
    free(col->errors);
    updx_redactor_free(col->redactor);
    updx_jbuf_free(&col->manifest);
    free(col);
}

updx_redactor *updx_collector_redactor(updx_collector *col)
{
    return col->redactor;
}

void updx_collector_machine(updx_collector *col, const char *key, const char *value)
{
    if (!key || !value)
        return;
    if (col->redactor) {
        if (strcmp(key, "ComputerName") == 0 || strcmp(key, "DnsHostName") == 0)
            updx_redactor_add_name(col->redactor, UPDX_REDACT_COMPUTER, value);
        else if (strcmp(key, "Domain") == 0 || strcmp(key, "DnsDomain") == 0)
            updx_redactor_add_name(col->redactor, UPDX_REDACT_DOMAIN, value);
        else if (strcmp(key, "UserName") == 0)
            updx_redactor_add_name(col->redactor, UPDX_REDACT_USER, value);
    }
    for (size_t i = 0; i < col->nmachine; i++)
        if (strcmp(col->machine[i].key, key) == 0) {
            char *v = xstrdup(value);
            if (v) {
                free(col->machine[i].value);
                col->machine[i].value = v;
            }
            return;
        }
    if (!grow((void **)&col->machine, &col->capmachine, col->nmachine, sizeof(kv)))
        return;
    kv *e = &col->machine[col->nmachine];
    e->key = xstrdup(key);
    e->value = xstrdup(value);
    if (e->key && e->value)
        col->nmachine++;
    else {
        free(e->key);
        free(e->value);
    }
}

void updx_collector_error(updx_collector *col, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!grow((void **)&col->errors, &col->caperrors, col->nerrors, sizeof(kv)))
        return;
    kv *e = &col->errors[col->nerrors];
    e->key = xstrdup(path ? path : "");
    e->value = xstrdup(msg);
    if (e->key && e->value)
        col->nerrors++;
    else {
        free(e->key);
        free(e->value);
    }
}

static file_entry *new_entry(updx_collector *col, const char *member, const char *original,
                             unsigned category)
{
    if (col->nfiles >= UPDX_COLLECT_MAX_FILES) {
        updx_collector_error(col, original, "not collected: more than %d files",
                             UPDX_COLLECT_MAX_FILES);
        return NULL;
    }
    if (!grow((void **)&col->files, &col->capfiles, col->nfiles, sizeof(file_entry)))
        return NULL;
    file_entry *f = &col->files[col->nfiles];
    memset(f, 0, sizeof *f);
    f->member = xstrdup(member);
    f->original = xstrdup(original);
    f->category = category;
    f->mtime = -1;
    f->redacted = -1;
    if (!f->member || !f->original) {
        free(f->member);
        free(f->original);
        return NULL;
    }
    col->nfiles++;
    return f;
}

static bool has_suffix_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    if (m > n)
        return false;
    for (size_t i = 0; i < m; i++)
        if (lower(s[n - m + i]) != lower(suffix[i]))
            return false;
    return true;
}

/* Binary formats are passed through unredacted whatever their bytes look like. */
static bool binary_by_name(const char *member)
{
    static const char *const binary[] = {".dmp", ".evtx", ".evt", ".etl", ".hiv", ".dat",
                                         ".sdb", ".cab", ".zip", ".bin", NULL};
    for (int i = 0; binary[i]; i++)
        if (has_suffix_ci(member, binary[i]))
            return true;
    const char *base = strrchr(member, '/');
    base = base ? base + 1 : member;
    return updx_collect_glob("SYSTEM", base) || updx_collect_glob("SOFTWARE", base);
}

static int emit(updx_collector *col, file_entry *f, const void *data, size_t len)
{
    if (col->sink->begin(col->sink->ud, f->member, f->mtime, len) != 0 ||
        (len && col->sink->write(col->sink->ud, data, len) != 0) ||
        col->sink->end(col->sink->ud) != 0) {
        col->sink_failed = true;
        return -1;
    }
    updx_sha256p h;
    updx_sha256p_init(&h);
    updx_sha256p_update(&h, data, len);
    updx_sha256p_final_hex(&h, f->sha256);
    f->size = len;
    col->bytes += len;
    return 0;
}

/* Takes bytes already in memory, redacting them when asked. */
static int take_buffer(updx_collector *col, file_entry *f, const void *data, size_t len)
{
    if (col->redactor) {
        if (!binary_by_name(f->member) && updx_redact_is_text(data, len)) {
            void *red = NULL;
            size_t redlen = 0;
            if (updx_redact_buffer(col->redactor, data, len, &red, &redlen) == 0) {
                f->redacted = 1;
                int rc = emit(col, f, red, redlen);
                free(red);
                return rc;
            }
        }
        f->redacted = 0;
        col->not_redacted++;
    }
    return emit(col, f, data, len);
}

int updx_collector_add_buffer(updx_collector *col, const char *member, const char *original,
                              const void *data, size_t len, unsigned category)
{
    if (col->sink_failed)
        return -1;
    file_entry *f = new_entry(col, member, original ? original : member, category);
    if (!f)
        return -1;
    f->mtime = (int64_t)time(NULL);
    return take_buffer(col, f, data, len);
}

int updx_collector_add_file(updx_collector *col, const char *path, bool absolute,
                            const char *member, const char *original, unsigned category)
{
    if (col->sink_failed || !col->fs)
        return -1;
    char err[256] = "";
    uint64_t size = 0;
    int64_t mtime = -1;
    uint64_t cap = category == UPDX_CAT_MEMORY ? col->opts.max_memory_dump : col->opts.max_file_bytes;
    void *fh = col->fs->open(col->fs->ud, path, absolute, &size, &mtime, err, sizeof err);
    if (!fh) {
        updx_collector_error(col, original, "%s", err[0] ? err : "cannot open");
        return -1;
    }
    if (size > cap) {
        col->fs->close(fh);
        updx_collector_error(col, original, "skipped: %llu bytes, over the size cap of %llu",
                             (unsigned long long)size, (unsigned long long)cap);
        return -1;
    }
    if (col->bytes + size > col->opts.max_total_bytes) {
        col->fs->close(fh);
        updx_collector_error(col, original, "skipped: the bundle would exceed %llu bytes",
                             (unsigned long long)col->opts.max_total_bytes);
        return -1;
    }
    if (col->opts.progress)
        col->opts.progress(col->opts.progress_ud, original, col->nfiles, col->bytes);
    file_entry *f = new_entry(col, member, original, category);
    if (!f) {
        col->fs->close(fh);
        return -1;
    }
    f->mtime = mtime;
    int rc = 0;
    if (col->redactor && size <= UPDX_COLLECT_MAX_REDACT_BYTES && !binary_by_name(member)) {
        /* read whole, then redact */
        size_t cap_bytes = (size_t)size + 1;
        char *buf = malloc(cap_bytes);
        size_t got = 0;
        long n = 0;
        if (!buf) {
            col->fs->close(fh);
            f->error = xstrdup("out of memory");
            return emit(col, f, "", 0);
        }
        while (got < cap_bytes && (n = col->fs->read(fh, buf + got, cap_bytes - got, err, sizeof err)) > 0)
            got += (size_t)n;
        if (n < 0)
            f->error = xstrdup(err);
        col->fs->close(fh);
        rc = take_buffer(col, f, buf, got);
        free(buf);
        return rc;
    }
    if (col->redactor) {
        f->redacted = 0;
        col->not_redacted++;
    }
    if (col->sink->begin(col->sink->ud, member, mtime, size) != 0) {
        col->fs->close(fh);
        col->sink_failed = true;
        return -1;
    }
    char *buf = malloc(COPY_CHUNK);
    updx_sha256p h;
    updx_sha256p_init(&h);
    uint64_t total = 0;
    long n = 0;
    while (buf && (n = col->fs->read(fh, buf, COPY_CHUNK, err, sizeof err)) > 0) {
        if (col->sink->write(col->sink->ud, buf, (size_t)n) != 0) {
            rc = -1;
            col->sink_failed = true;
            break;
        }
        updx_sha256p_update(&h, buf, (size_t)n);
        total += (uint64_t)n;
    }
    if (!buf)
        f->error = xstrdup("out of memory");
    else if (n < 0)
        f->error = xstrdup(err[0] ? err : "read error");
    free(buf);
    col->fs->close(fh);
    if (col->sink->end(col->sink->ud) != 0) {
        col->sink_failed = true;
        rc = -1;
    }
    updx_sha256p_final_hex(&h, f->sha256);
    f->size = total;
    col->bytes += total;
    return rc;
}

/* ---- walking the plan ---- */

typedef struct walk_ctx {
    updx_collector *col;
    const updx_collect_rule *rule;
    const char *dir;
    unsigned depth;
    /* entries gathered first, so no callback recursion holds a directory handle open */
    char **subdirs;
    size_t nsub, capsub;
    char **files;
    size_t nfile, capfile;
} walk_ctx;

static int walk_entry(void *ud, const updx_collect_dirent *e)
{
    walk_ctx *w = ud;
    if (strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0)
        return 0;
    size_t n = strlen(w->dir) + strlen(e->name) + 2;
    char *path = malloc(n);
    if (!path)
        return -1;
    snprintf(path, n, "%s/%s", w->dir, e->name);
    if (e->is_dir) {
        if (w->depth < w->rule->depth && w->depth < UPDX_COLLECT_MAX_DEPTH &&
            grow((void **)&w->subdirs, &w->capsub, w->nsub, sizeof(char *)))
            w->subdirs[w->nsub++] = path;
        else
            free(path);
        return 0;
    }
    if (!updx_collect_glob(w->rule->pattern, e->name)) {
        free(path);
        return 0;
    }
    const char *why = updx_collect_excluded(e->name);
    if (why) {
        char shown[1024];
        w->col->fs->display(w->col->fs->ud, path, shown, sizeof shown);
        /* payload skips are expected and many: list only the never-collected ones */
        if (strncmp(why, "never", 5) == 0)
            updx_collector_error(w->col, shown, "%s", why);
        free(path);
        return 0;
    }
    if (grow((void **)&w->files, &w->capfile, w->nfile, sizeof(char *)))
        w->files[w->nfile++] = path;
    else
        free(path);
    return 0;
}

static bool already_taken(const updx_collector *col, const char *member)
{
    for (size_t i = 0; i < col->nfiles; i++)
        if (strcmp(col->files[i].member, member) == 0)
            return true;
    return false;
}

static void walk_dir(updx_collector *col, const updx_collect_rule *rule, const char *dir,
                     unsigned depth)
{
    walk_ctx w = {.col = col, .rule = rule, .dir = dir, .depth = depth};
    char err[256] = "";
    if (col->fs->list(col->fs->ud, dir, walk_entry, &w, err, sizeof err) != 0 && depth > 0) {
        char shown[1024];
        col->fs->display(col->fs->ud, dir, shown, sizeof shown);
        updx_collector_error(col, shown, "%s", err[0] ? err : "cannot list the folder");
    }
    for (size_t i = 0; i < w.nfile; i++) {
        if (!already_taken(col, w.files[i])) {
            char shown[1024];
            col->fs->display(col->fs->ud, w.files[i], shown, sizeof shown);
            updx_collector_add_file(col, w.files[i], false, w.files[i], shown, rule->category);
        }
        free(w.files[i]);
    }
    for (size_t i = 0; i < w.nsub; i++) {
        walk_dir(col, rule, w.subdirs[i], depth + 1);
        free(w.subdirs[i]);
    }
    free(w.files);
    free(w.subdirs);
}

static int learn_user(void *ud, const updx_collect_dirent *e)
{
    updx_collector *col = ud;
    if (e->is_dir && e->name[0] != '.')
        updx_redactor_add_name(col->redactor, UPDX_REDACT_USER, e->name);
    return 0;
}

int updx_collector_run_plan(updx_collector *col)
{
    if (!col->fs)
        return -1;
    char err[256];
    if (col->redactor)
        col->fs->list(col->fs->ud, "Users", learn_user, col, err, sizeof err);
    for (const updx_collect_rule *r = updx_collect_plan; r->dir && !col->sink_failed; r++)
        if ((col->opts.categories & r->category) && !(col->opts.live && r->offline_only))
            walk_dir(col, r, r->dir, 0);
    return col->sink_failed ? -1 : 0;
}

/* ---- manifest ---- */

static void put_time(updx_jbuf *b, int64_t t)
{
    if (t < 0) {
        updx_jbuf_puts(b, "null");
        return;
    }
    time_t tt = (time_t)t;
    struct tm tm;
#if defined(_WIN32)
    if (gmtime_s(&tm, &tt) != 0) {
#else
    if (!gmtime_r(&tt, &tm)) {
#endif
        updx_jbuf_puts(b, "null");
        return;
    }
    char s[40];
    strftime(s, sizeof s, "\"%Y-%m-%dT%H:%M:%SZ\"", &tm);
    updx_jbuf_puts(b, s);
}

/* Manifest strings are redacted too (paths carry user and computer names). */
static void put_str(updx_collector *col, updx_jbuf *b, const char *s)
{
    if (col->redactor && s) {
        char *red = NULL;
        size_t n = 0;
        if (updx_redact_text(col->redactor, s, strlen(s), &red, &n) == 0) {
            updx_jbuf_string(b, red);
            free(red);
            return;
        }
    }
    updx_jbuf_string(b, s);
}

int updx_collector_finish(updx_collector *col)
{
    updx_jbuf *b = &col->manifest;
    char num[64];
    updx_jbuf_puts(b, "{\n  \"collector\": {\"name\": \"" UPDX_COLLECTOR_NAME
                      "\", \"version\": \"" UPDX_COLLECTOR_VERSION "\", \"platform\": ");
    updx_jbuf_string(b, col->platform ? col->platform : "");
    updx_jbuf_puts(b, ", \"started\": ");
    put_time(b, (int64_t)col->started);
    updx_jbuf_puts(b, ", \"finished\": ");
    put_time(b, (int64_t)time(NULL));
    updx_jbuf_puts(b, "},\n  \"machine\": {");
    for (size_t i = 0; i < col->nmachine; i++) {
        updx_jbuf_puts(b, i ? ",\n    " : "\n    ");
        updx_jbuf_string(b, col->machine[i].key);
        updx_jbuf_puts(b, ": ");
        put_str(col, b, col->machine[i].value);
    }
    updx_jbuf_puts(b, col->nmachine ? "\n  },\n  \"errors\": [" : "},\n  \"errors\": [");
    for (size_t i = 0; i < col->nerrors; i++) {
        updx_jbuf_puts(b, i ? ",\n    {\"path\": " : "\n    {\"path\": ");
        put_str(col, b, col->errors[i].key);
        updx_jbuf_puts(b, ", \"error\": ");
        put_str(col, b, col->errors[i].value);
        updx_jbuf_puts(b, "}");
    }
    updx_jbuf_puts(b, col->nerrors ? "\n  ],\n  \"files\": [" : "],\n  \"files\": [");
    for (size_t i = 0; i < col->nfiles; i++) {
        const file_entry *f = &col->files[i];
        updx_jbuf_puts(b, i ? ",\n    {\"path\": " : "\n    {\"path\": ");
        updx_jbuf_string(b, f->member);
        updx_jbuf_puts(b, ", \"original_path\": ");
        put_str(col, b, f->original);
        snprintf(num, sizeof num, ", \"size\": %llu, \"sha256\": \"", (unsigned long long)f->size);
        updx_jbuf_puts(b, num);
        updx_jbuf_puts(b, f->sha256);
        updx_jbuf_puts(b, "\", \"mtime\": ");
        put_time(b, f->mtime);
        updx_jbuf_puts(b, ", \"category\": ");
        const char *cat = updx_collect_category_name(f->category);
        updx_jbuf_string(b, cat ? cat : "other");
        if (f->redacted >= 0)
            updx_jbuf_puts(b, f->redacted ? ", \"redacted\": true" : ", \"redacted\": false");
        updx_jbuf_puts(b, ", \"error\": ");
        if (f->error)
            put_str(col, b, f->error);
        else
            updx_jbuf_puts(b, "null");
        updx_jbuf_puts(b, "}");
    }
    updx_jbuf_puts(b, col->nfiles ? "\n  ]" : "]");
    if (col->redactor) {
        updx_jbuf_puts(b, ",\n  \"redaction\": {\"applied\": true, \"replaced\": {");
        for (int k = 0; k < UPDX_REDACT_KINDS; k++) {
            snprintf(num, sizeof num, "%s\"%s\": {\"distinct\": %zu, \"replacements\": %llu}",
                     k ? ", " : "", updx_redact_kind_name((updx_redact_kind)k),
                     updx_redactor_distinct(col->redactor, (updx_redact_kind)k),
                     (unsigned long long)updx_redactor_replacements(col->redactor,
                                                                    (updx_redact_kind)k));
            updx_jbuf_puts(b, num);
        }
        snprintf(num, sizeof num, "}, \"members_not_redacted\": %u", col->not_redacted);
        updx_jbuf_puts(b, num);
        updx_jbuf_puts(b, ", \"note\": \"binary members (dumps, hives, event logs) are passed "
                          "through unchanged and may contain the replaced names\"}");
    }
    updx_jbuf_puts(b, "\n}\n");
    if (b->failed)
        return -1;
    if (col->sink->begin(col->sink->ud, "manifest.json", (int64_t)time(NULL), b->len) != 0 ||
        col->sink->write(col->sink->ud, b->data, b->len) != 0 || col->sink->end(col->sink->ud) != 0)
        return -1;
    return 0;
}

const char *updx_collector_manifest(const updx_collector *col, size_t *len)
{
    if (len)
        *len = col->manifest.len;
    return col->manifest.data;
}

size_t updx_collector_file_count(const updx_collector *col)
{
    return col->nfiles;
}

size_t updx_collector_error_count(const updx_collector *col)
{
    return col->nerrors;
}

uint64_t updx_collector_bytes(const updx_collector *col)
{
    return col->bytes;
}

bool updx_collector_file_at(const updx_collector *col, size_t i, const char **member,
                            const char **sha256, uint64_t *size)
{
    if (i >= col->nfiles)
        return false;
    *member = col->files[i].member;
    *sha256 = col->files[i].sha256;
    *size = col->files[i].size;
    return true;
}
