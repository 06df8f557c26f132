/*
 * fleet.c: finding the bundles, their keys, and the worker pool that analyses them.
 *
 * Workers take bundles from a shared index, hash and analyse them, and hand a finished
 * result to the calling thread through a queue; only the calling thread touches the history,
 * committing one bundle per transaction, so the database needs no locking of its own and an
 * interrupted run keeps every bundle it reported.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "fleet/fleet.h"
#include "model/kind.h"
#include "report/json_out.h"
#include "util/buf.h"
#include "bundle/recognize.h"
#include "util/sha256.h"
#include "util/strutil.h"

/* --- rows ---------------------------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

void updx_fleet_row_clear(updx_fleet_row *r)
{
    char **fields[] = {&r->key, &r->path, &r->name, &r->status, &r->error, &r->signature, &r->rule,
                       &r->culprit, &r->codes, &r->title_en, &r->title_zh, &r->remediation,
                       &r->first_time, &r->last_time, &r->analysed_at};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        free(*fields[i]);
        *fields[i] = NULL;
    }
    r->confidence = 0;
    r->seconds = 0;
}

int updx_fleet_rows_push(updx_fleet_rows *rows, const updx_fleet_row *r)
{
    if (rows->len == rows->cap) {
        size_t cap = rows->cap ? rows->cap * 2 : 64;
        updx_fleet_row *v = realloc(rows->v, cap * sizeof *v);
        if (!v)
            return UPDX_ERR_NOMEM;
        rows->v = v;
        rows->cap = cap;
    }
    updx_fleet_row *d = &rows->v[rows->len];
    memset(d, 0, sizeof *d);
    d->key = dup_or_null(r->key);
    d->path = dup_or_null(r->path);
    d->name = dup_or_null(r->name);
    d->status = dup_or_null(r->status);
    d->error = dup_or_null(r->error);
    d->signature = dup_or_null(r->signature);
    d->rule = dup_or_null(r->rule);
    d->culprit = dup_or_null(r->culprit);
    d->codes = dup_or_null(r->codes);
    d->title_en = dup_or_null(r->title_en);
    d->title_zh = dup_or_null(r->title_zh);
    d->remediation = dup_or_null(r->remediation);
    d->first_time = dup_or_null(r->first_time);
    d->last_time = dup_or_null(r->last_time);
    d->analysed_at = dup_or_null(r->analysed_at);
    d->confidence = r->confidence;
    d->seconds = r->seconds;
    rows->len++;
    return UPDX_OK;
}

void updx_fleet_rows_free(updx_fleet_rows *rows)
{
    for (size_t i = 0; i < rows->len; i++)
        updx_fleet_row_clear(&rows->v[i]);
    free(rows->v);
    memset(rows, 0, sizeof *rows);
}

static const char *jstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* "2022-05-06 10:31:44" out of the time shapes the report carries, or false */
static bool norm_time(const char *s, char out[20])
{
    if (!s || strlen(s) < 19)
        return false;
    for (int i = 0; i < 19; i++) {
        char c = s[i];
        bool ok = (i == 4 || i == 7) ? c == '-'
                  : i == 10         ? (c == ' ' || c == 'T')
                  : (i == 13 || i == 16) ? c == ':'
                                         : (c >= '0' && c <= '9');
        if (!ok)
            return false;
        out[i] = i == 10 ? ' ' : c;
    }
    out[19] = '\0';
    return true;
}

static void widen(char lo[20], char hi[20], const char *t)
{
    char n[20];
    if (!norm_time(t, n))
        return;
    if (!lo[0] || strcmp(n, lo) < 0)
        memcpy(lo, n, 20);
    if (!hi[0] || strcmp(n, hi) > 0)
        memcpy(hi, n, 20);
}

/* The names a collector may give the computer in its manifest's machine object. */
static const char *const computer_keys[] = {"ComputerName", "computer_name", "computerName",
                                            "Computer", "computer", "hostname", "HostName", "name"};

int updx_fleet_row_from_report(updx_fleet_row *r, const json_t *report, const char *fallback_name,
                               const char *fallback_time)
{
    const json_t *machine = json_object_get(report, "machine");
    const char *name = NULL;
    for (size_t i = 0; !name && i < sizeof computer_keys / sizeof computer_keys[0]; i++) {
        name = jstr(machine, computer_keys[i]);
        if (name && !*name)
            name = NULL;
    }
    free(r->name);
    r->name = dup_or_null(name ? name : fallback_name);

    const json_t *top = json_array_get(json_object_get(report, "findings"), 0);
    if (json_is_object(top)) {
        const char *sig = jstr(top, "signature");
        r->signature = dup_or_null(sig);
        r->rule = dup_or_null(jstr(top, "rule"));
        r->culprit = dup_or_null(jstr(json_object_get(top, "culprit"), "name"));
        const char *bar = sig ? strchr(sig, '|') : NULL;
        bar = bar ? strchr(bar + 1, '|') : NULL;
        r->codes = dup_or_null(bar && bar[1] ? bar + 1 : NULL);
        r->confidence = json_real_value(json_object_get(top, "confidence"));
        const json_t *title = json_object_get(top, "title");
        r->title_en = dup_or_null(jstr(title, "en"));
        r->title_zh = dup_or_null(jstr(title, "zh"));
        const json_t *rem = json_object_get(top, "remediation");
        if (json_is_object(rem))
            r->remediation = json_dumps(rem, JSON_COMPACT | JSON_ENSURE_ASCII);
    }

    char lo[20] = "", hi[20] = "";
    const json_t *up = json_object_get(report, "upgrade");
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(up, "chain"), i, v) widen(lo, hi, jstr(v, "time"));
    widen(lo, hi, jstr(json_object_get(up, "fatal_error"), "time"));
    json_array_foreach(json_object_get(report, "crashes"), i, v) widen(lo, hi, jstr(v, "time"));
    if (!lo[0])
        widen(lo, hi, fallback_time);
    r->first_time = lo[0] ? strdup(lo) : NULL;
    r->last_time = hi[0] ? strdup(hi) : NULL;
    return UPDX_OK;
}

/* --- finding the bundles ------------------------------------------------------------------- */

static bool is_hidden(const char *name)
{
    return name[0] == '.';
}

static char *join_path(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    size_t n = a;
    if (n && p[n - 1] != '/')
        p[n++] = '/';
    memcpy(p + n, name, b + 1);
    return p;
}

/* true when the file's first bytes are those of an archive (zip, 7z, cab, tar, gzip, ...) */
static bool is_archive_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    uint8_t head[4096];
    ssize_t got = read(fd, head, sizeof head);
    close(fd);
    if (got <= 0)
        return false;
    const char *detail = NULL;
    return updx_recognize(updx_path_basename(path), head, (size_t)got, &detail) == UPDX_KIND_ARCHIVE;
}

/* The top-level names a collected bundle folder holds: Windows' own folders and files. */
static const char *const bundle_markers[] = {"manifest.json", "$windows.~bt", "$windows.~ws", "windows",
                                             "panther", "sources", "rollback", "minidump", "inf",
                                             "memory.dmp"};

static bool has_bundle_marker(const char *name)
{
    for (size_t i = 0; i < sizeof bundle_markers / sizeof bundle_markers[0]; i++)
        if (updx_strcasecmp(name, bundle_markers[i]) == 0)
            return true;
    static const char *const exts[] = {".log", ".dmp", ".evtx", ".xml", ".txt", ".etl", ".hve"};
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (updx_str_ends_with_ci(name, exts[i]))
            return true;
    return false;
}

/* a folder looks like one bundle when it holds a manifest, Windows' folders or log/dump files */
static bool looks_like_bundle_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool yes = false;
    struct dirent *e;
    while (!yes && (e = readdir(d)) != NULL)
        if (!is_hidden(e->d_name) && has_bundle_marker(e->d_name))
            yes = true;
    closedir(d);
    return yes;
}

bool updx_fleet_is_bundle_folder(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    size_t entries = 0;
    bool all_bundles = true;
    struct dirent *e;
    while (all_bundles && (e = readdir(d)) != NULL) {
        if (is_hidden(e->d_name))
            continue;
        if (updx_strcasecmp(e->d_name, "manifest.json") == 0) {
            all_bundles = false;  /* the folder is itself a collected bundle */
            break;
        }
        char *p = join_path(dir, e->d_name);
        struct stat st;
        if (!p || stat(p, &st) != 0) {
            free(p);
            continue;  /* vanished or unreadable entries decide nothing */
        }
        if (S_ISDIR(st.st_mode))
            all_bundles = looks_like_bundle_dir(p);
        else if (S_ISREG(st.st_mode))
            all_bundles = is_archive_file(p) ||
                          /* an unreadable file among archives is a broken bundle, not a log */
                          (access(p, R_OK) != 0);
        entries++;
        free(p);
    }
    closedir(d);
    return all_bundles && entries > 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct strlist {
    char **v;
    size_t len, cap;
} strlist;

static int strlist_push(strlist *l, char *s)
{
    if (!s)
        return UPDX_ERR_NOMEM;
    if (l->len >= UPDX_FLEET_MAX_BUNDLES) {
        free(s);
        return UPDX_ERR_LIMIT;
    }
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v) {
            free(s);
            return UPDX_ERR_NOMEM;
        }
        l->v = v;
        l->cap = cap;
    }
    l->v[l->len++] = s;
    return UPDX_OK;
}

static int expand_folder(const char *dir, strlist *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return strlist_push(out, strdup(dir));
    strlist names = {0};
    int rc = UPDX_OK;
    struct dirent *e;
    while (rc == UPDX_OK && (e = readdir(d)) != NULL)
        if (!is_hidden(e->d_name))
            rc = strlist_push(&names, join_path(dir, e->d_name));
    closedir(d);
    if (names.len)
        qsort(names.v, names.len, sizeof *names.v, cmp_str);
    for (size_t i = 0; i < names.len; i++) {
        if (rc == UPDX_OK)
            rc = strlist_push(out, names.v[i]);
        else
            free(names.v[i]);
    }
    free(names.v);
    return rc;
}

int updx_fleet_expand(const char *const *paths, size_t n, char ***out, size_t *count)
{
    strlist l = {0};
    int rc = UPDX_OK;
    for (size_t i = 0; rc == UPDX_OK && i < n; i++) {
        struct stat st;
        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode) && updx_fleet_is_bundle_folder(paths[i]))
            rc = expand_folder(paths[i], &l);
        else
            rc = strlist_push(&l, strdup(paths[i]));
    }
    if (rc != UPDX_OK) {
        updx_fleet_paths_free(l.v, l.len);
        *out = NULL;
        *count = 0;
        return rc;
    }
    *out = l.v;
    *count = l.len;
    return UPDX_OK;
}

void updx_fleet_paths_free(char **paths, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(paths[i]);
    free(paths);
}

/* --- keys ---------------------------------------------------------------------------------- */

/* reads in blocks: the hash of a multi-GiB archive costs no memory */
#define HASH_BLOCK (1u << 20)

static int hash_file(const char *path, char hex[65], char *err, size_t err_size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, err_size, "cannot open: %s", strerror(errno));
        return UPDX_ERR_IO;
    }
    uint8_t *block = malloc(HASH_BLOCK);
    updx_sha256 *h = updx_sha256_new();
    if (!block || !h) {
        free(block);
        if (h)
            updx_sha256_finish(h, hex);
        close(fd);
        snprintf(err, err_size, "out of memory");
        return UPDX_ERR_NOMEM;
    }
    int rc = UPDX_OK;
    for (;;) {
        ssize_t got = read(fd, block, HASH_BLOCK);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            snprintf(err, err_size, "cannot read: %s", strerror(errno));
            rc = UPDX_ERR_IO;
            break;
        }
        if (got == 0)
            break;
        updx_sha256_update(h, block, (size_t)got);
    }
    updx_sha256_finish(h, hex);
    free(block);
    close(fd);
    return rc;
}

static int hash_dir(const char *dir, unsigned depth, strlist *hashes, char *err, size_t err_size)
{
    if (depth > UPDX_FLEET_MAX_DIR_DEPTH)
        return UPDX_OK;  /* deeper than any collected bundle: not part of the key */
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, err_size, "cannot open folder %s: %s", dir, strerror(errno));
        return UPDX_ERR_IO;
    }
    int rc = UPDX_OK;
    struct dirent *e;
    while (rc == UPDX_OK && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *p = join_path(dir, e->d_name);
        struct stat st;
        if (!p) {
            rc = UPDX_ERR_NOMEM;
        } else if (lstat(p, &st) != 0) {
            /* vanished while walking: not part of the key */
        } else if (S_ISDIR(st.st_mode)) {
            rc = hash_dir(p, depth + 1, hashes, err, err_size);
        } else if (S_ISREG(st.st_mode)) {
            if (hashes->len >= UPDX_FLEET_MAX_DIR_FILES) {
                free(p);
                break;
            }
            char hex[65];
            rc = hash_file(p, hex, err, err_size);
            if (rc == UPDX_OK)
                rc = strlist_push(hashes, strdup(hex));
        }
        free(p);
    }
    closedir(d);
    return rc;
}

int updx_fleet_bundle_key(const char *path, char hex[65], char *err, size_t err_size)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(err, err_size, "cannot open: %s", strerror(errno));
        return UPDX_ERR_IO;
    }
    if (!S_ISDIR(st.st_mode))
        return hash_file(path, hex, err, err_size);
    strlist hashes = {0};
    int rc = hash_dir(path, 0, &hashes, err, err_size);
    if (rc == UPDX_OK) {
        if (hashes.len)
            qsort(hashes.v, hashes.len, sizeof *hashes.v, cmp_str);
        updx_sha256 *h = updx_sha256_new();
        if (!h) {
            rc = UPDX_ERR_NOMEM;
        } else {
            for (size_t i = 0; i < hashes.len; i++) {
                updx_sha256_update(h, hashes.v[i], 64);
                updx_sha256_update(h, "\n", 1);
            }
            updx_sha256_finish(h, hex);
        }
    }
    updx_fleet_paths_free(hashes.v, hashes.len);
    return rc;
}

/* --- the run ------------------------------------------------------------------------------- */

void updx_fleet_opts_default(updx_fleet_opts *o)
{
    memset(o, 0, sizeof *o);
    updx_analyze_opts_default(&o->analyze);
}

static void utc_now(char out[20])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

static double mono_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct result {
    updx_fleet_row row;
    char *report;      /* JSON text, or NULL */
    bool skipped;      /* already in the history */
    struct result *next;
} result;

typedef struct pool {
    char *const *bundles;
    size_t n;
    const updx_fleet_opts *o;
    char **known;         /* keys in the history before the run, sorted; read-only */
    size_t nknown;
    pthread_mutex_t mu;
    pthread_cond_t ready;
    pthread_cond_t space;
    size_t queued;        /* finished results not yet committed */
    size_t max_queued;    /* workers wait beyond this: bounded memory, prompt cancel */
    size_t next;          /* next bundle to take */
    unsigned alive;       /* workers still running */
    result *head, *tail;  /* finished, in order of finishing */
} pool;

static const char *first_damage(const updx_case *c)
{
    for (size_t i = 0; i < c->notes.items.len; i++) {
        const updx_note *nt = updx_note_at(&c->notes, i);
        if (nt->kind == UPDX_NOTE_DAMAGED || nt->kind == UPDX_NOTE_LIMIT)
            return nt->message;
    }
    return NULL;
}

static void analyse_one(const pool *p, const char *path, result *res)
{
    updx_fleet_row *r = &res->row;
    char hex[65], err[512] = "";
    char now[20];
    utc_now(now);
    r->path = strdup(path);
    r->analysed_at = strdup(now);
    const char *base = updx_path_basename(path);
    size_t blen = strlen(base);
    while (blen > 1 && base[blen - 1] == '/')
        blen--;
    r->name = strndup(base[0] ? base : path, base[0] ? blen : strlen(path));

    if (updx_fleet_bundle_key(path, hex, err, sizeof err) != UPDX_OK) {
        size_t klen = strlen(path) + 12;
        r->key = malloc(klen);
        if (r->key)
            snprintf(r->key, klen, "unreadable:%s", path);
        r->status = strdup("error");
        r->error = strdup(err);
        return;
    }
    r->key = strdup(hex);
    const char *needle = hex;
    if (p->nknown && bsearch(&needle, p->known, p->nknown, sizeof *p->known, cmp_str)) {
        res->skipped = true;
        return;
    }

    char ftime[20] = "";
    struct stat st;
    if (stat(path, &st) == 0) {
        struct tm tm;
        gmtime_r(&st.st_mtime, &tm);
        strftime(ftime, sizeof ftime, "%Y-%m-%d %H:%M:%S", &tm);
    }
    double t0 = mono_seconds();
    updx_case *c = NULL;
    int rc = updx_analyze_path(path, &p->o->analyze, &c);
    if (rc < 0 || !c) {
        const char *why = c ? first_damage(c) : NULL;
        snprintf(err, sizeof err, "%s%s%s", updx_status_str(rc), why ? ": " : "", why ? why : "");
        r->status = strdup("error");
        r->error = strdup(err);
        r->first_time = ftime[0] ? strdup(ftime) : NULL;
        r->last_time = ftime[0] ? strdup(ftime) : NULL;
    } else {
        json_t *report = updx_report_build_ex(c, false);  /* members listed as it is written */
        if (!report) {
            r->status = strdup("error");
            r->error = strdup("out of memory building the report");
        } else {
            char *name = r->name;
            r->name = NULL;
            updx_fleet_row_from_report(r, report, name, ftime[0] ? ftime : NULL);
            free(name);
            r->status = strdup(rc == UPDX_PARTIAL ? "partial" : "ok");
            updx_buf b;
            updx_buf_init(&b, (size_t)1 << 30);
            if (updx_report_json_write(report, c, true, &b) == UPDX_OK)
                res->report = updx_buf_take(&b);
            else
                updx_buf_free(&b);
            json_decref(report);
        }
    }
    r->seconds = mono_seconds() - t0;
    updx_case_free(c);
}

static void *worker(void *arg)
{
    pool *p = arg;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (p->queued >= p->max_queued && p->next < p->n && !(p->o->cancel && *p->o->cancel))
            pthread_cond_wait(&p->space, &p->mu);
        bool stop = p->next >= p->n || (p->o->cancel && *p->o->cancel);
        size_t i = p->next;
        if (!stop)
            p->next++;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        result *res = calloc(1, sizeof *res);
        if (res)
            analyse_one(p, p->bundles[i], res);
        pthread_mutex_lock(&p->mu);
        if (res) {
            if (p->tail)
                p->tail->next = res;
            else
                p->head = res;
            p->tail = res;
            p->queued++;
        }
        pthread_cond_signal(&p->ready);
        pthread_mutex_unlock(&p->mu);
    }
    pthread_mutex_lock(&p->mu);
    p->alive--;
    pthread_cond_signal(&p->ready);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

static unsigned online_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1u : n > UPDX_FLEET_MAX_JOBS ? UPDX_FLEET_MAX_JOBS : (unsigned)n;
}

/* keys committed in this run, to count a bundle given twice only once */
typedef struct keyset {
    char **v;
    size_t len, cap;
} keyset;

static bool keyset_has(const keyset *k, const char *key)
{
    for (size_t i = 0; i < k->len; i++)  /* linear: only consulted without a database */
        if (strcmp(k->v[i], key) == 0)
            return true;
    return false;
}

int updx_fleet_run(char *const *bundles, size_t n, const updx_fleet_opts *o, updx_fleet_rows *rows,
                   updx_fleet_progress *final)
{
    /* libxml2 wants its global setup done once before threads parse */
    xmlInitParser();
    unsigned jobs = o->jobs ? o->jobs : online_cpus();
    if (jobs > UPDX_FLEET_MAX_JOBS)
        jobs = UPDX_FLEET_MAX_JOBS;
    if (jobs > n && n > 0)
        jobs = (unsigned)n;
    pool p = {.bundles = bundles, .n = n, .o = o, .max_queued = jobs};
    if (o->db) {
        int k = updx_fleet_db_keys(o->db, &p.known, &p.nknown);
        if (k < 0)
            return k;
        if (p.nknown)
            qsort(p.known, p.nknown, sizeof *p.known, cmp_str);
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.ready, NULL);
    pthread_cond_init(&p.space, NULL);
    pthread_t *threads = calloc(jobs ? jobs : 1, sizeof *threads);
    if (!threads) {
        updx_fleet_paths_free(p.known, p.nknown);
        return UPDX_ERR_NOMEM;
    }
    /* held while starting: a worker that finishes at once must not count itself out before
     * it was counted in */
    pthread_mutex_lock(&p.mu);
    for (unsigned i = 0; i < jobs; i++) {
        if (pthread_create(&threads[i], NULL, worker, &p) != 0)
            break;
        p.alive++;
    }
    unsigned started = p.alive;
    pthread_mutex_unlock(&p.mu);
    if (started == 0 && n > 0) {
        free(threads);
        updx_fleet_paths_free(p.known, p.nknown);
        return UPDX_ERR_NOMEM;
    }

    updx_fleet_progress prog = {.total = n};
    keyset seen = {0};
    int rc = UPDX_OK;
    pthread_mutex_lock(&p.mu);
    for (;;) {
        while (!p.head && p.alive > 0)
            pthread_cond_wait(&p.ready, &p.mu);
        result *res = p.head;
        if (!res)
            break;
        p.head = res->next;
        if (!p.head)
            p.tail = NULL;
        p.queued--;
        pthread_cond_broadcast(&p.space);
        pthread_mutex_unlock(&p.mu);

        updx_fleet_row *r = &res->row;
        bool dup = !res->skipped && r->key && strncmp(r->key, "unreadable:", 11) != 0 &&
                   (o->db ? updx_fleet_db_has(o->db, r->key) : keyset_has(&seen, r->key));
        if (res->skipped || dup) {
            prog.skipped++;
            if (o->db && rc == UPDX_OK)
                updx_fleet_db_count_skip(o->db, o->run_id);
        } else {
            if (strcmp(r->status ? r->status : "error", "error") == 0)
                prog.failed++;
            else
                prog.analysed++;
            if (o->db && rc == UPDX_OK) {
                int w = updx_fleet_db_put(o->db, o->run_id, r, res->report);
                if (w < 0) {
                    rc = w;  /* cannot record: stop taking bundles, finish what runs */
                    pthread_mutex_lock(&p.mu);
                    p.next = p.n;
                    pthread_mutex_unlock(&p.mu);
                }
            }
            if (!o->db && r->key) {
                if (seen.len == seen.cap) {
                    size_t cap = seen.cap ? seen.cap * 2 : 64;
                    char **v = realloc(seen.v, cap * sizeof *v);
                    if (v) {
                        seen.v = v;
                        seen.cap = cap;
                    }
                }
                if (seen.len < seen.cap)
                    seen.v[seen.len++] = strdup(r->key);
            }
            if (rows && rc == UPDX_OK && updx_fleet_rows_push(rows, r) != UPDX_OK)
                rc = UPDX_ERR_NOMEM;
        }
        prog.done++;
        prog.current = r->path;
        if (o->progress)
            o->progress(o->progress_ud, &prog);
        prog.current = NULL;
        updx_fleet_row_clear(r);
        free(res->report);
        free(res);
        pthread_mutex_lock(&p.mu);
    }
    bool cancelled = p.next < p.n;
    pthread_mutex_unlock(&p.mu);
    for (unsigned i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    updx_fleet_paths_free(seen.v, seen.len);
    updx_fleet_paths_free(p.known, p.nknown);
    pthread_cond_destroy(&p.ready);
    pthread_cond_destroy(&p.space);
    pthread_mutex_destroy(&p.mu);
    if (final)
        *final = prog;
    if (rc == UPDX_OK && cancelled)
        rc = UPDX_PARTIAL;
    return rc;
}
