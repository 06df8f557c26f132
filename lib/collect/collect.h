/*
 * collect.h: the collection engine shared by the Windows collector (collector/, built with
 * mingw-w64) and `updx collect --root` on Linux.
 *
 * What to take from a Windows volume is one table (updx_collect_plan); the engine walks it
 * through a small file-system interface (Win32 on Windows, POSIX on Linux), applies the
 * exclusions (never SAM, SECURITY or NTUSER.DAT; never the .esd/.wim payloads) and size caps,
 * hashes every file (portable SHA-256), optionally redacts text members, hands the bytes to
 * a zip sink, and records everything in the manifest (docs/collector.md, docs/bundle.md).
 * Plain C17 and the C library only: it must build with mingw-w64 as well.
 */
#ifndef UPDX_COLLECT_COLLECT_H
#define UPDX_COLLECT_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collect/redact.h"

#define UPDX_COLLECTOR_NAME "updx-collect"
#define UPDX_COLLECTOR_VERSION "0.1.0"

/* Categories (bit flags; --categories takes their names, comma-separated). */
enum {
    UPDX_CAT_UPGRADE = 1u << 0,   /* Panther, Rollback, BlueBox, setupapi, CompatData */
    UPDX_CAT_DUMPS = 1u << 1,     /* setupmem.dmp, Minidump */
    UPDX_CAT_SERVICING = 1u << 2, /* CBS, DISM */
    UPDX_CAT_REGISTRY = 1u << 3,  /* SYSTEM and SOFTWARE hives, Services export */
    UPDX_CAT_EVENTS = 1u << 4,    /* System, Application, Setup event logs */
    UPDX_CAT_SYSTEM = 1u << 5,    /* OS version, drivers, services, programs, processes */
    UPDX_CAT_NETWORK = 1u << 6,   /* network configuration */
    UPDX_CAT_POLICY = 1u << 7,    /* group policy (gpresult) */
    UPDX_CAT_MEMORY = 1u << 8,    /* MEMORY.DMP: opt-in only, RAM-sized and full of secrets */
};
#define UPDX_CAT_DEFAULT 0xffu /* everything but MEMORY */

/* Name of one category bit ("upgrade"), NULL for none. */
const char *updx_collect_category_name(unsigned bit);
/* Parses "upgrade,dumps" or "all"/"default"; false on an unknown name (*bad gets it). */
bool updx_collect_parse_categories(const char *list, unsigned *out, const char **bad);

/* One line of the plan: files under `dir` (relative to the volume root, '/'-separated)
 * whose names match `pattern` ('*' and '?', ASCII case-insensitive), `depth` folder levels
 * down (0 = only dir itself). */
typedef struct updx_collect_rule {
    const char *dir;
    const char *pattern;
    unsigned depth;
    unsigned category;
    bool offline_only; /* live Windows saves hives and exports logs instead of copying */
} updx_collect_rule;

/* The plan, terminated by a rule with dir == NULL. */
extern const updx_collect_rule updx_collect_plan[];

/* ASCII case-insensitive glob with '*' and '?'. */
bool updx_collect_glob(const char *pattern, const char *name);
/* Why a file must never be taken or is skipped by policy (a static sentence), or NULL. */
const char *updx_collect_excluded(const char *name);

/* Folder entry as the file system reports it. */
typedef struct updx_collect_dirent {
    const char *name;
    bool is_dir;
    uint64_t size;
    int64_t mtime; /* Unix seconds, -1 when unknown */
} updx_collect_dirent;

typedef int (*updx_collect_dirent_fn)(void *ud, const updx_collect_dirent *e);

/* The file system the engine reads. Paths are UTF-8, '/'-separated, relative to the root
 * the implementation was opened on (an absolute path when `absolute`). */
typedef struct updx_collect_fs {
    void *ud;
    /* Calls fn for every entry of dir; returns 0, or -1 with err filled (dir missing...). */
    int (*list)(void *ud, const char *dir, updx_collect_dirent_fn fn, void *fn_ud, char *err,
                size_t errlen);
    /* Opens a file for reading; NULL with err filled. */
    void *(*open)(void *ud, const char *path, bool absolute, uint64_t *size, int64_t *mtime,
                  char *err, size_t errlen);
    /* Reads up to len bytes; returns the count, 0 at the end, -1 on error (err filled). */
    long (*read)(void *fh, void *buf, size_t len, char *err, size_t errlen);
    void (*close)(void *fh);
    /* How a relative path is shown as "original path" ("C:\\Windows\\..."); buf gets it. */
    void (*display)(void *ud, const char *path, char *buf, size_t buflen);
} updx_collect_fs;

/* Where members go (a zip). Each member: begin, write..., end. Return 0 or -1. */
typedef struct updx_collect_sink {
    void *ud;
    int (*begin)(void *ud, const char *member, int64_t mtime, uint64_t size_hint);
    int (*write)(void *ud, const void *data, size_t len);
    int (*end)(void *ud);
} updx_collect_sink;

typedef struct updx_collect_opts {
    unsigned categories;       /* UPDX_CAT_* */
    uint64_t max_file_bytes;   /* larger files are listed as skipped */
    uint64_t max_total_bytes;  /* stop taking files after this many bytes */
    uint64_t max_memory_dump;  /* cap for MEMORY.DMP when UPDX_CAT_MEMORY is on */
    bool redact;
    bool live; /* collecting the running Windows: skip the plan's offline_only rules */
    /* progress: called before each file (may be NULL) */
    void (*progress)(void *ud, const char *what, uint64_t done_files, uint64_t done_bytes);
    void *progress_ud;
} updx_collect_opts;

/* Defaults: see docs/collector.md. */
#define UPDX_COLLECT_MAX_FILE (2ull << 30)
#define UPDX_COLLECT_MAX_TOTAL (16ull << 30)
#define UPDX_COLLECT_MAX_MEMORY_DUMP (8ull << 30)
/* Text members are redacted in memory; bigger ones are taken unredacted and say so. */
#define UPDX_COLLECT_MAX_REDACT_BYTES (512ull << 20)
/* Files one collection takes at most (the manifest reader's cap is 200000). */
#define UPDX_COLLECT_MAX_FILES 100000
/* Folder recursion bound, independent of the plan's depth (reparse loops). */
#define UPDX_COLLECT_MAX_DEPTH 8

void updx_collect_default_opts(updx_collect_opts *o);

typedef struct updx_collector updx_collector;

/* A collection in progress. fs may be NULL when only buffers are added. */
updx_collector *updx_collector_new(const updx_collect_opts *o, const updx_collect_fs *fs,
                                   const updx_collect_sink *sink, const char *platform);
void updx_collector_free(updx_collector *col);
/* The redactor used with opts.redact (to add known names before collecting); or NULL. */
updx_redactor *updx_collector_redactor(updx_collector *col);

/* A machine fact for the manifest ("ComputerName", "PC-01"). Later values replace. */
void updx_collector_machine(updx_collector *col, const char *key, const char *value);
/* Something that could not be collected. */
void updx_collector_error(updx_collector *col, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Learns user-profile names from `Users/` (for redaction), then walks the plan. */
int updx_collector_run_plan(updx_collector *col);
/* Takes one file (fs path) as `member`; category names the reason. Returns 0 or -1. */
int updx_collector_add_file(updx_collector *col, const char *path, bool absolute,
                            const char *member, const char *original, unsigned category);
/* Takes bytes produced by the collector itself (command output, a registry export). */
int updx_collector_add_buffer(updx_collector *col, const char *member, const char *original,
                              const void *data, size_t len, unsigned category);
/* Writes manifest.json as the last member. Returns 0 or -1. */
int updx_collector_finish(updx_collector *col);

/* After finish: the manifest text (NUL-terminated, owned by col) and counts. */
const char *updx_collector_manifest(const updx_collector *col, size_t *len);
size_t updx_collector_file_count(const updx_collector *col);
size_t updx_collector_error_count(const updx_collector *col);
uint64_t updx_collector_bytes(const updx_collector *col);
/* The i-th file entry's member name and SHA-256 (hex), for verification. */
bool updx_collector_file_at(const updx_collector *col, size_t i, const char **member,
                            const char **sha256, uint64_t *size);

/* JSON string escaping into a growing buffer; exposed for tests. Returns 0 or -1. */
typedef struct updx_jbuf {
    char *data;
    size_t len, cap;
    bool failed;
} updx_jbuf;
void updx_jbuf_puts(updx_jbuf *b, const char *s);
void updx_jbuf_putn(updx_jbuf *b, const char *s, size_t n);
void updx_jbuf_string(updx_jbuf *b, const char *s); /* quoted and escaped */
void updx_jbuf_free(updx_jbuf *b);

#endif
