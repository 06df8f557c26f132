/*
 * fleet.h: many bundles at once. Finds the bundles under the given paths, analyses them in
 * parallel with a pool of worker threads (one case per analysis, a shared immutable ruleset),
 * keeps a history in SQLite keyed by each bundle's SHA-256, and folds the results into the
 * fleet view: failures grouped by root-cause signature, then one row per machine.
 *
 * The library never prints: progress goes to a callback, the view is a JSON object that the
 * renderers turn into text, CSV or Markdown (docs/fleet.md).
 */
#ifndef UPDX_FLEET_FLEET_H
#define UPDX_FLEET_FLEET_H

#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/analyze.h"
#include "report/render.h"
#include "util/buf.h"

/* Caps (fleets come from file shares anyone can write to). */
enum {
    UPDX_FLEET_MAX_BUNDLES = 1000000,   /* bundles in one run; a large bank has ~100k terminals */
    UPDX_FLEET_MAX_JOBS = 256,          /* worker threads */
    UPDX_FLEET_MAX_EXAMPLES = 5,        /* example machines listed per group */
    UPDX_FLEET_MAX_DIR_DEPTH = 16,      /* folder levels walked to hash a folder bundle */
    UPDX_FLEET_MAX_DIR_FILES = 200000,  /* files hashed in one folder bundle (as --max-members) */
};

/* One machine: what the history keeps of one bundle (all strings malloc'd, NULL = none). */
typedef struct updx_fleet_row {
    char *key;          /* SHA-256 hex of the bundle, or "unreadable:PATH" when it could not be read */
    char *path;         /* the bundle as given on the command line */
    char *name;         /* the machine: the manifest's computer name, else the bundle's file name */
    char *status;       /* "ok", "partial" (something damaged or cut short), "error" (not analysed) */
    char *error;        /* why the analysis failed (status "error") */
    char *signature;    /* the top finding's signature (rule|culprit|codes); NULL: no finding */
    char *rule;         /* the top finding's rule id */
    char *culprit;      /* its culprit's name (e.g. "lwfmgr.sys") */
    char *codes;        /* the codes part of the signature (e.g. "0xC1900101-0x30017") */
    char *title_en, *title_zh;
    char *remediation;  /* JSON text of the top finding's remediation ({plan, steps[]}) */
    char *first_time;   /* earliest failure time seen in the bundle (crash, setup log) */
    char *last_time;    /* latest; both fall back to the bundle file's time */
    char *analysed_at;  /* UTC, "YYYY-MM-DD HH:MM:SS" */
    double confidence;
    double seconds;     /* how long the analysis took */
} updx_fleet_row;

typedef struct updx_fleet_rows {
    updx_fleet_row *v;
    size_t len, cap;
} updx_fleet_rows;

void updx_fleet_row_clear(updx_fleet_row *r);
/* Appends a copy of r (strings duplicated). Returns UPDX_OK or UPDX_ERR_NOMEM. */
int updx_fleet_rows_push(updx_fleet_rows *rows, const updx_fleet_row *r);
void updx_fleet_rows_free(updx_fleet_rows *rows);

/* Fills r (its key, path and status untouched) from a JSON report: the top finding, the
 * manifest's computer name, the failure times. `fallback_name` names the machine when the
 * manifest does not, `fallback_time` dates it when the logs do not. */
int updx_fleet_row_from_report(updx_fleet_row *r, const json_t *report, const char *fallback_name,
                               const char *fallback_time);

/* --- finding the bundles ------------------------------------------------------------------ */

/* True when `dir` is a folder of bundles rather than one bundle (docs/fleet.md has the rule). */
bool updx_fleet_is_bundle_folder(const char *dir);

/* Expands the paths into bundle paths: a file is a bundle; a folder is a folder of bundles
 * (its entries, sorted by name) or one bundle. A path that does not exist is kept (its
 * analysis records the error). *out is a malloc'd array of malloc'd strings. */
int updx_fleet_expand(const char *const *paths, size_t n, char ***out, size_t *count);
void updx_fleet_paths_free(char **paths, size_t count);

/* The bundle's key: SHA-256 of an archive or file's bytes; for a folder, SHA-256 over its
 * files' SHA-256 hex digests sorted and joined by '\n'. Returns UPDX_OK or a negative status
 * with errno-style text in err. */
int updx_fleet_bundle_key(const char *path, char hex[65], char *err, size_t err_size);

/* --- history (SQLite) --------------------------------------------------------------------- */

typedef struct updx_fleet_db updx_fleet_db;

#define UPDX_FLEET_DB_SCHEMA 1

/* Opens or creates the history file (WAL mode), creating or checking its schema. On failure
 * returns a negative status and writes why into err. */
int updx_fleet_db_open(const char *file, updx_fleet_db **out, char *err, size_t err_size);
void updx_fleet_db_close(updx_fleet_db *db);
/* Starts a run record; *run_id gets its id. */
int updx_fleet_db_run_begin(updx_fleet_db *db, const char *paths, int64_t *run_id);
int updx_fleet_db_run_end(updx_fleet_db *db, int64_t run_id);
/* Every key in the history (malloc'd array of malloc'd strings, free with
 * updx_fleet_paths_free). */
int updx_fleet_db_keys(updx_fleet_db *db, char ***keys, size_t *count);
/* Whether a bundle with this key is in the history. */
bool updx_fleet_db_has(updx_fleet_db *db, const char *key);
/* Stores one bundle's row and report in one transaction (replacing an older record with the
 * same key) and counts it in the run. `report_json` may be NULL (analysis failed). */
int updx_fleet_db_put(updx_fleet_db *db, int64_t run_id, const updx_fleet_row *row, const char *report_json);
/* Counts a skipped bundle in the run. */
int updx_fleet_db_count_skip(updx_fleet_db *db, int64_t run_id);
/* Every bundle of the history, ordered by key; of several records with the same path (the
 * bundle changed between runs) only the latest. */
int updx_fleet_db_load(updx_fleet_db *db, updx_fleet_rows *out);
/* The stored report of one bundle (malloc'd) or NULL. */
char *updx_fleet_db_report(updx_fleet_db *db, const char *key);

/* --- the run ------------------------------------------------------------------------------ */

typedef struct updx_fleet_progress {
    size_t done, total;     /* bundles finished (analysed, skipped or failed) and in all */
    size_t analysed, skipped, failed;
    const char *current;    /* the bundle just finished */
} updx_fleet_progress;

typedef struct updx_fleet_opts {
    unsigned jobs;                        /* worker threads; 0 = one per online CPU */
    updx_analyze_opts analyze;            /* .rules should point to one shared ruleset */
    updx_fleet_db *db;                    /* history, or NULL */
    int64_t run_id;                       /* from updx_fleet_db_run_begin when db is set */
    const volatile sig_atomic_t *cancel;  /* nonzero: take no new bundle (finished ones are kept) */
    /* called on the calling thread after each bundle (may be NULL) */
    void (*progress)(void *ud, const updx_fleet_progress *p);
    void *progress_ud;
} updx_fleet_opts;

void updx_fleet_opts_default(updx_fleet_opts *o);

/*
 * Analyses the bundles with a worker pool. Bundles whose key is already in the history are
 * skipped; a bundle present twice in the list counts once. Each finished bundle is committed
 * to the history before the next is reported, so an interrupted run loses nothing and a
 * re-run does not count anything twice. rows (may be NULL) gets the rows of the bundles
 * analysed in this run. *final (may be NULL) gets the last progress counts. Returns UPDX_OK,
 * UPDX_PARTIAL when cancelled, or a negative status when the run itself could not go on
 * (out of memory, the history cannot be written).
 */
int updx_fleet_run(char *const *bundles, size_t n, const updx_fleet_opts *o, updx_fleet_rows *rows,
                   updx_fleet_progress *final);

/* --- the view ----------------------------------------------------------------------------- */

typedef enum updx_fleet_format {
    UPDX_FLEET_TEXT,
    UPDX_FLEET_CSV,
    UPDX_FLEET_JSON,
    UPDX_FLEET_MD,
} updx_fleet_format;

bool updx_fleet_format_parse(const char *name, updx_fleet_format *out);

/* The fleet view (schema "updx.fleet/1", docs/fleet.md): groups by signature, largest first,
 * then the machines. A new reference, NULL when out of memory. */
json_t *updx_fleet_view(const updx_fleet_rows *rows);

/* Appends the view rendered as `format` to out. */
int updx_fleet_render(const json_t *view, updx_fleet_format format, updx_lang lang, updx_buf *out);

/* Appends one CSV field (RFC 4180: quoted when it holds a comma, quote, CR or LF, or starts
 * with a character a spreadsheet would run as a formula). */
int updx_fleet_csv_field(updx_buf *out, const char *s);

#endif
