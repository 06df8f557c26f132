/*
 * collect_posix.c: see collect_posix.h.
 */
#include "collect/collect_posix.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libregf.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle/bundle.h"
#include "util/sha256.h"
#include "util/strutil.h"

/* Longest path built from the root and a plan path. */
#define POSIX_PATH_MAX 4096

typedef struct posix_fs {
    const char *root;
} posix_fs;

/* Resolves a '/'-separated relative path under root, each component case-insensitively. */
static int resolve(const posix_fs *fs, const char *rel, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "%s", fs->root);
    if (n < 0 || (size_t)n >= outlen)
        return -1;
    size_t len = (size_t)n;
    while (*rel) {
        const char *slash = strchr(rel, '/');
        size_t clen = slash ? (size_t)(slash - rel) : strlen(rel);
        char comp[256];
        if (clen == 0 || clen >= sizeof comp)
            return -1;
        memcpy(comp, rel, clen);
        comp[clen] = '\0';
        DIR *d = opendir(out);
        if (!d)
            return -1;
        const char *found = NULL;
        struct dirent *de;
        char name[256];
        while ((de = readdir(d)) != NULL) {
            if (updx_strcasecmp(de->d_name, comp) == 0) {
                snprintf(name, sizeof name, "%s", de->d_name);
                found = name;
                if (strcmp(de->d_name, comp) == 0)
                    break;
            }
        }
        closedir(d);
        if (!found)
            return -1;
        n = snprintf(out + len, outlen - len, "/%s", found);
        if (n < 0 || (size_t)n >= outlen - len)
            return -1;
        len += (size_t)n;
        rel += clen + (slash ? 1 : 0);
    }
    return 0;
}

static int pfs_list(void *ud, const char *dir, updx_collect_dirent_fn fn, void *fn_ud, char *err,
                    size_t errlen)
{
    char path[POSIX_PATH_MAX];
    if (resolve(ud, dir, path, sizeof path) != 0) {
        snprintf(err, errlen, "not found");
        return -1;
    }
    DIR *d = opendir(path);
    if (!d) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        char full[POSIX_PATH_MAX];
        struct stat st;
        if (snprintf(full, sizeof full, "%s/%s", path, de->d_name) >= (int)sizeof full ||
            lstat(full, &st) != 0 || S_ISLNK(st.st_mode))
            continue;
        if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
            continue;
        updx_collect_dirent e = {de->d_name, S_ISDIR(st.st_mode), (uint64_t)st.st_size,
                                 (int64_t)st.st_mtime};
        if (fn(fn_ud, &e) != 0)
            break;
    }
    closedir(d);
    return 0;
}

static void *pfs_open(void *ud, const char *path, bool absolute, uint64_t *size, int64_t *mtime,
                      char *err, size_t errlen)
{
    char full[POSIX_PATH_MAX];
    if (absolute)
        snprintf(full, sizeof full, "%s", path);
    else if (resolve(ud, path, full, sizeof full) != 0) {
        snprintf(err, errlen, "not found");
        return NULL;
    }
    int fd = open(full, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    *size = (uint64_t)st.st_size;
    *mtime = (int64_t)st.st_mtime;
    int *h = malloc(sizeof *h);
    if (!h) {
        close(fd);
        return NULL;
    }
    *h = fd;
    return h;
}

static long pfs_read(void *fh, void *buf, size_t len, char *err, size_t errlen)
{
    ssize_t n;
    do
        n = read(*(int *)fh, buf, len);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        snprintf(err, errlen, "%s", strerror(errno));
    return (long)n;
}

static void pfs_close(void *fh)
{
    close(*(int *)fh);
    free(fh);
}

static void pfs_display(void *ud, const char *path, char *buf, size_t buflen)
{
    const posix_fs *fs = ud;
    snprintf(buf, buflen, "%s/%s", fs->root, path);
}

/* ---- the libarchive zip sink ---- */

static int asink_begin(void *ud, const char *member, int64_t mtime, uint64_t size_hint)
{
    (void)size_hint; /* unknown sizes use a data descriptor; ZIP64 as needed */
    struct archive_entry *e = archive_entry_new();
    if (!e)
        return -1;
    archive_entry_set_pathname_utf8(e, member);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, mtime >= 0 ? (time_t)mtime : time(NULL), 0);
    int rc = archive_write_header(ud, e);
    archive_entry_free(e);
    return rc == ARCHIVE_OK ? 0 : -1;
}

static int asink_write(void *ud, const void *data, size_t len)
{
    return archive_write_data(ud, data, len) == (la_ssize_t)len ? 0 : -1;
}

static int asink_end(void *ud)
{
    return archive_write_finish_entry(ud) == ARCHIVE_OK ? 0 : -1;
}

static struct archive *zip_writer(const char *path, char *err, size_t errlen)
{
    struct archive *a = archive_write_new();
    if (!a || archive_write_set_format_zip(a) != ARCHIVE_OK ||
        archive_write_set_format_option(a, "zip", "compression", "deflate") != ARCHIVE_OK ||
        archive_write_open_filename(a, path) != ARCHIVE_OK) {
        snprintf(err, errlen, "cannot create '%s': %s", path, a ? archive_error_string(a) : "no memory");
        if (a)
            archive_write_free(a);
        return NULL;
    }
    return a;
}

static void log_progress(void *ud, const char *what, uint64_t files, uint64_t bytes)
{
    if (ud)
        fprintf(ud, "  [%4llu files, %8.1f MB] %s\n", (unsigned long long)files,
                (double)bytes / 1e6, what);
}

long updx_collect_verify(const char *zip_path, char hex[65], char *err, size_t errlen)
{
    updx_case *c = updx_case_new(zip_path, NULL);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = updx_bundle_walk(c, zip_path, NULL, NULL);
    long result = -1;
    if (rc < 0)
        snprintf(err, errlen, "cannot read the zip back: %s", updx_status_str(rc));
    else if (!c->bundle)
        snprintf(err, errlen, "no manifest.json in the zip");
    else if (c->bundle->files_missing || c->bundle->files_differing)
        snprintf(err, errlen, "%u files missing, %u differ from the manifest",
                 c->bundle->files_missing, c->bundle->files_differing);
    else
        result = (long)c->bundle->files.len;
    updx_case_free(c);
    int fd = open(zip_path, O_RDONLY | O_CLOEXEC);
    updx_sha256 *h = updx_sha256_new();
    char buf[65536];
    ssize_t n;
    while (fd >= 0 && (n = read(fd, buf, sizeof buf)) > 0)
        updx_sha256_update(h, buf, (size_t)n);
    if (fd >= 0)
        close(fd);
    updx_sha256_finish(h, hex);
    return result;
}

/* ---- machine facts of an offline volume, from its SYSTEM and SOFTWARE hives ---- */

/* A string or DWORD value of the key at `path` (below the hive root), as text. */
static bool hive_value(libregf_file_t *f, const char *path, const char *name, char *out,
                       size_t outlen)
{
    libregf_key_t *key = NULL;
    libregf_value_t *val = NULL;
    bool ok = false;
    if (libregf_file_get_key_by_utf8_path(f, (const uint8_t *)path, strlen(path), &key, NULL) != 1)
        return false;
    if (libregf_key_get_value_by_utf8_name(key, (const uint8_t *)name, strlen(name), &val, NULL) == 1) {
        uint32_t type = 0;
        uint32_t dword = 0;
        size_t size = 0;
        libregf_value_get_value_type(val, &type, NULL);
        if ((type == LIBREGF_VALUE_TYPE_STRING || type == LIBREGF_VALUE_TYPE_EXPANDABLE_STRING) &&
            libregf_value_get_value_utf8_string_size(val, &size, NULL) == 1 && size > 0 &&
            size <= outlen) {
            ok = libregf_value_get_value_utf8_string(val, (uint8_t *)out, size, NULL) == 1;
        } else if (type == LIBREGF_VALUE_TYPE_INTEGER_32BIT_LITTLE_ENDIAN &&
                   libregf_value_get_value_32bit(val, &dword, NULL) == 1) {
            snprintf(out, outlen, "%" PRIu32, dword);
            ok = true;
        }
        libregf_value_free(&val, NULL);
    }
    libregf_key_free(&key, NULL);
    return ok && out[0];
}

static libregf_file_t *open_hive(const posix_fs *fs, const char *rel)
{
    char path[POSIX_PATH_MAX];
    libregf_file_t *f = NULL;
    if (resolve(fs, rel, path, sizeof path) != 0 || libregf_file_initialize(&f, NULL) != 1)
        return NULL;
    if (libregf_file_open(f, path, LIBREGF_OPEN_READ, NULL) != 1) {
        libregf_file_free(&f, NULL);
        return NULL;
    }
    return f;
}

static void close_hive(libregf_file_t *f)
{
    libregf_file_close(f, NULL);
    libregf_file_free(&f, NULL);
}

/* ComputerName, Domain and the OS version, so the manifest says which machine this was and
 * --redact knows the names. A missing or damaged hive just leaves the facts out. */
static void offline_facts(updx_collector *col, const posix_fs *fs)
{
    char v[512], key[256];
    libregf_file_t *f = open_hive(fs, "Windows/System32/config/SYSTEM");
    if (f) {
        unsigned long current = 1;
        if (hive_value(f, "\\Select", "Current", v, sizeof v))
            current = strtoul(v, NULL, 10);
        if (current == 0 || current > 999)
            current = 1;
        snprintf(key, sizeof key, "\\ControlSet%03lu\\Control\\ComputerName\\ComputerName", current);
        if (hive_value(f, key, "ComputerName", v, sizeof v))
            updx_collector_machine(col, "ComputerName", v);
        snprintf(key, sizeof key, "\\ControlSet%03lu\\Services\\Tcpip\\Parameters", current);
        if (hive_value(f, key, "Hostname", v, sizeof v))
            updx_collector_machine(col, "DnsHostName", v);
        if (hive_value(f, key, "Domain", v, sizeof v) || hive_value(f, key, "NV Domain", v, sizeof v))
            updx_collector_machine(col, "Domain", v);
        close_hive(f);
    }
    f = open_hive(fs, "Windows/System32/config/SOFTWARE");
    if (f) {
        static const char *const names[] = {"ProductName", "EditionID", "DisplayVersion",
                                            "ReleaseId", "CurrentBuild", "BuildLabEx",
                                            "InstallationType", NULL};
        static const char cv[] = "\\Microsoft\\Windows NT\\CurrentVersion";
        for (int i = 0; names[i]; i++)
            if (hive_value(f, cv, names[i], v, sizeof v))
                updx_collector_machine(col, names[i], v);
        char build[64], ubr[32];
        if (hive_value(f, cv, "CurrentBuild", build, sizeof build)) {
            if (hive_value(f, cv, "UBR", ubr, sizeof ubr))
                snprintf(v, sizeof v, "%s.%s", build, ubr);
            else
                snprintf(v, sizeof v, "%s", build);
            updx_collector_machine(col, "OSBuild", v);
        }
        close_hive(f);
    }
}

int updx_collect_root(const char *root, const char *zip_path, const updx_collect_opts *opts,
                      FILE *log, char *err, size_t errlen)
{
    struct stat st;
    if (stat(root, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "'%s' is not a folder", root);
        return -1;
    }
    posix_fs pfs = {root};
    updx_collect_fs fs = {&pfs, pfs_list, pfs_open, pfs_read, pfs_close, pfs_display};
    struct archive *a = zip_writer(zip_path, err, errlen);
    if (!a)
        return -1;
    updx_collect_sink sink = {a, asink_begin, asink_write, asink_end};
    updx_collect_opts o = *opts;
    o.live = false;
    o.progress = log_progress;
    o.progress_ud = log;
    updx_collector *col = updx_collector_new(&o, &fs, &sink, "linux");
    if (!col) {
        archive_write_free(a);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    updx_collector_machine(col, "CollectedFrom", "offline volume");
    updx_collector_machine(col, "Root", root);
    offline_facts(col, &pfs);
    int rc = updx_collector_run_plan(col);
    if (rc == 0)
        rc = updx_collector_finish(col);
    if (archive_write_close(a) != ARCHIVE_OK)
        rc = -1;
    archive_write_free(a);
    if (rc != 0) {
        snprintf(err, errlen, "writing '%s' failed", zip_path);
        updx_collector_free(col);
        return -1;
    }
    if (log)
        fprintf(log, "%zu files, %.1f MB, %zu could not be collected (manifest.json \"errors\")\n",
                updx_collector_file_count(col), (double)updx_collector_bytes(col) / 1e6,
                updx_collector_error_count(col));
    updx_collector_free(col);
    return 0;
}

/* ---- redaction of an existing bundle ---- */

/* The "file system" of a redaction: the archive's current entry. */
typedef struct entry_fs {
    struct archive *a;
    struct archive_entry *e;
} entry_fs;

static void *efs_open(void *ud, const char *path, bool absolute, uint64_t *size, int64_t *mtime,
                      char *err, size_t errlen)
{
    (void)path;
    (void)absolute;
    (void)err;
    (void)errlen;
    entry_fs *fs = ud;
    *size = archive_entry_size_is_set(fs->e) ? (uint64_t)archive_entry_size(fs->e) : 0;
    *mtime = (int64_t)archive_entry_mtime(fs->e);
    return fs;
}

static long efs_read(void *fh, void *buf, size_t len, char *err, size_t errlen)
{
    entry_fs *fs = fh;
    la_ssize_t n = archive_read_data(fs->a, buf, len);
    if (n < 0)
        snprintf(err, errlen, "%s", archive_error_string(fs->a));
    return (long)n;
}

static void efs_close(void *fh)
{
    (void)fh;
}

static struct archive *open_reader(const char *path, char *err, size_t errlen)
{
    struct archive *a = archive_read_new();
    if (!a)
        return NULL;
    archive_read_support_format_all(a);
    archive_read_support_filter_all(a);
    if (archive_read_open_filename(a, path, 65536) != ARCHIVE_OK) {
        snprintf(err, errlen, "cannot open '%s': %s", path, archive_error_string(a));
        archive_read_free(a);
        return NULL;
    }
    return a;
}

static bool is_manifest(const char *name)
{
    return strcmp(name, "manifest.json") == 0;
}

int updx_redact_bundle(const char *in, const char *out, FILE *log, char *err, size_t errlen)
{
    /* pass 1: the old manifest and every text member teach the redactor the names */
    struct archive *a = open_reader(in, err, errlen);
    if (!a)
        return -1;
    updx_collect_opts o;
    updx_collect_default_opts(&o);
    o.redact = true;
    o.max_file_bytes = o.max_total_bytes = UINT64_MAX; /* a redaction drops nothing */
    entry_fs efs = {0};
    updx_collect_fs fs = {&efs, NULL, efs_open, efs_read, efs_close, NULL};
    struct archive *w = zip_writer(out, err, errlen);
    if (!w) {
        archive_read_free(a);
        return -1;
    }
    updx_collect_sink sink = {w, asink_begin, asink_write, asink_end};
    updx_collector *col = updx_collector_new(&o, &fs, &sink, "updx redact");
    if (!col) {
        archive_read_free(a);
        archive_write_free(w);
        return -1;
    }
    updx_redactor *r = updx_collector_redactor(col);
    json_t *manifest = NULL;
    struct archive_entry *e;
    char *buf = malloc(UPDX_COLLECT_MAX_REDACT_BYTES < (64u << 20) ? UPDX_COLLECT_MAX_REDACT_BYTES : (64u << 20));
    size_t bufcap = UPDX_COLLECT_MAX_REDACT_BYTES < (64u << 20) ? UPDX_COLLECT_MAX_REDACT_BYTES : (64u << 20);
    while (buf && archive_read_next_header(a, &e) == ARCHIVE_OK) {
        if (archive_entry_filetype(e) != AE_IFREG)
            continue;
        const char *name = archive_entry_pathname(e);
        la_ssize_t n = archive_read_data(a, buf, bufcap);
        if (n <= 0)
            continue;
        if (is_manifest(name)) {
            json_decref(manifest);
            manifest = json_loadb(buf, (size_t)n, 0, NULL);
        } else if (updx_redact_is_text(buf, (size_t)n)) {
            updx_redactor_learn(r, buf, (size_t)n);
        }
    }
    free(buf);
    archive_read_free(a);
    /* the old manifest's machine facts and errors carry over (redacted when written) */
    const char *key;
    json_t *val, *item;
    size_t i;
    json_object_foreach(json_object_get(manifest, "machine"), key, val)
        if (json_is_string(val))
            updx_collector_machine(col, key, json_string_value(val));
    json_array_foreach(json_object_get(manifest, "errors"), i, item) {
        if (json_is_string(item))
            updx_collector_error(col, "", "%s", json_string_value(item));
        else
            updx_collector_error(col, json_string_value(json_object_get(item, "path")), "%s",
                                 json_string_value(json_object_get(item, "error"))
                                     ? json_string_value(json_object_get(item, "error")) : "");
    }
    updx_collector_machine(col, "RedactedFrom", updx_path_basename(in));

    /* pass 2: every member through the collector, which redacts text and hashes */
    a = open_reader(in, err, errlen);
    int rc = a ? 0 : -1;
    size_t members = 0;
    while (rc == 0 && archive_read_next_header(a, &e) == ARCHIVE_OK) {
        if (archive_entry_filetype(e) != AE_IFREG)
            continue;
        const char *name = archive_entry_pathname(e);
        if (is_manifest(name))
            continue;
        const char *original = name;
        json_array_foreach(json_object_get(manifest, "files"), i, item) {
            const char *p = json_string_value(json_object_get(item, "path"));
            const char *op = json_string_value(json_object_get(item, "original_path"));
            if (p && op && strcmp(p, name) == 0) {
                original = op;
                break;
            }
        }
        efs.a = a;
        efs.e = e;
        if (updx_collector_add_file(col, name, true, name, original, 0) != 0 &&
            updx_collector_file_count(col) == members) {
            rc = -1;
            break;
        }
        members++;
    }
    if (a)
        archive_read_free(a);
    json_decref(manifest);
    if (rc == 0)
        rc = updx_collector_finish(col);
    if (archive_write_close(w) != ARCHIVE_OK)
        rc = -1;
    archive_write_free(w);
    if (rc != 0 && !err[0])
        snprintf(err, errlen, "writing '%s' failed", out);
    if (rc == 0 && log) {
        fprintf(log, "%zu members written to %s; replaced:", members, out);
        for (int k = 0; k < UPDX_REDACT_KINDS; k++)
            fprintf(log, " %s %zu (%llu times)%s", updx_redact_kind_name((updx_redact_kind)k),
                    updx_redactor_distinct(r, (updx_redact_kind)k),
                    (unsigned long long)updx_redactor_replacements(r, (updx_redact_kind)k),
                    k + 1 < UPDX_REDACT_KINDS ? "," : "\n");
    }
    updx_collector_free(col);
    return rc;
}
