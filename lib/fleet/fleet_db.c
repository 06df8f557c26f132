/*
 * fleet_db.c: the fleet's history, one SQLite file in WAL mode (docs/fleet.md has the schema).
 *
 * One row per bundle, keyed by its SHA-256, written in its own transaction together with the
 * run's counters: a run killed at any point leaves every reported bundle stored exactly once,
 * and the next run skips them.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fleet/fleet.h"

struct updx_fleet_db {
    sqlite3 *db;
    sqlite3_stmt *has, *put, *drop_unreadable, *count_put, *count_skip;
};

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    "  version INTEGER NOT NULL,"
    "  applied_at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS runs ("
    "  id INTEGER PRIMARY KEY,"
    "  started_at TEXT NOT NULL,"
    "  finished_at TEXT,"
    "  tool_version TEXT NOT NULL,"
    "  paths TEXT,"
    "  analysed INTEGER NOT NULL DEFAULT 0,"
    "  failed INTEGER NOT NULL DEFAULT 0,"
    "  skipped INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE IF NOT EXISTS bundles ("
    "  key TEXT PRIMARY KEY,"
    "  path TEXT NOT NULL,"
    "  machine TEXT,"
    "  status TEXT NOT NULL CHECK (status IN ('ok', 'partial', 'error')),"
    "  error TEXT,"
    "  signature TEXT,"
    "  rule TEXT,"
    "  culprit TEXT,"
    "  codes TEXT,"
    "  confidence REAL,"
    "  title_en TEXT,"
    "  title_zh TEXT,"
    "  remediation TEXT,"
    "  first_time TEXT,"
    "  last_time TEXT,"
    "  analysed_at TEXT NOT NULL,"
    "  seconds REAL,"
    "  run_id INTEGER REFERENCES runs(id),"
    "  report TEXT);"
    "CREATE INDEX IF NOT EXISTS bundles_signature ON bundles(signature);"
    "CREATE INDEX IF NOT EXISTS bundles_path ON bundles(path);";

static void set_err(char *err, size_t size, const char *what, sqlite3 *db)
{
    if (err && size)
        snprintf(err, size, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

static void now_utc(char out[20])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

static int schema_check(sqlite3 *db, char *err, size_t size)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT max(version) FROM schema_version", -1, &st, NULL) != SQLITE_OK) {
        set_err(err, size, "cannot read the schema version", db);
        return UPDX_ERR_FORMAT;
    }
    int version = 0;
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version == 0) {
        char now[20], sql[160];
        now_utc(now);
        snprintf(sql, sizeof sql, "INSERT INTO schema_version VALUES (%d, '%s')", UPDX_FLEET_DB_SCHEMA, now);
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) {
            set_err(err, size, "cannot write the schema version", db);
            return UPDX_ERR_IO;
        }
    } else if (version > UPDX_FLEET_DB_SCHEMA) {
        if (err && size)
            snprintf(err, size, "history schema %d is newer than this updx understands (%d)", version,
                     UPDX_FLEET_DB_SCHEMA);
        return UPDX_ERR_UNSUPPORTED;
    }
    return UPDX_OK;
}

int updx_fleet_db_open(const char *file, updx_fleet_db **out, char *err, size_t err_size)
{
    *out = NULL;
    updx_fleet_db *h = calloc(1, sizeof *h);
    if (!h) {
        set_err(err, err_size, "cannot open the history", NULL);
        return UPDX_ERR_NOMEM;
    }
    int rc = UPDX_ERR_IO;
    if (sqlite3_open_v2(file, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        set_err(err, err_size, "cannot open the history", h->db);
        goto fail;
    }
    /* a second updx on the same file waits for the writer instead of failing at once */
    sqlite3_busy_timeout(h->db, 10000);
    char *msg = NULL;
    if (sqlite3_exec(h->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
                     NULL, NULL, &msg) != SQLITE_OK) {
        if (err && err_size)
            snprintf(err, err_size, "not a usable history file: %s", msg ? msg : "unknown error");
        sqlite3_free(msg);
        rc = UPDX_ERR_FORMAT;
        goto fail;
    }
    if (sqlite3_exec(h->db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
        if (err && err_size)
            snprintf(err, err_size, "not a usable history file: %s", msg ? msg : "unknown error");
        sqlite3_free(msg);
        rc = UPDX_ERR_FORMAT;
        goto fail;
    }
    rc = schema_check(h->db, err, err_size);
    if (rc != UPDX_OK)
        goto fail;
    rc = UPDX_ERR_IO;
    if (sqlite3_prepare_v2(h->db, "SELECT 1 FROM bundles WHERE key = ?1", -1, &h->has, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h->db,
                           "INSERT OR REPLACE INTO bundles (key, path, machine, status, error, signature,"
                           " rule, culprit, codes, confidence, title_en, title_zh, remediation,"
                           " first_time, last_time, analysed_at, seconds, run_id, report)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
                           " ?16, ?17, ?18, ?19)",
                           -1, &h->put, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h->db, "DELETE FROM bundles WHERE key = 'unreadable:' || ?1", -1,
                           &h->drop_unreadable, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h->db,
                           "UPDATE runs SET analysed = analysed + ?2, failed = failed + ?3 WHERE id = ?1",
                           -1, &h->count_put, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h->db, "UPDATE runs SET skipped = skipped + 1 WHERE id = ?1", -1, &h->count_skip,
                           NULL) != SQLITE_OK) {
        set_err(err, err_size, "cannot prepare the history statements", h->db);
        goto fail;
    }
    *out = h;
    return UPDX_OK;
fail:
    updx_fleet_db_close(h);
    return rc;
}

void updx_fleet_db_close(updx_fleet_db *h)
{
    if (!h)
        return;
    sqlite3_finalize(h->has);
    sqlite3_finalize(h->put);
    sqlite3_finalize(h->drop_unreadable);
    sqlite3_finalize(h->count_put);
    sqlite3_finalize(h->count_skip);
    sqlite3_close(h->db);
    free(h);
}

int updx_fleet_db_run_begin(updx_fleet_db *h, const char *paths, int64_t *run_id)
{
    sqlite3_stmt *st = NULL;
    char now[20];
    now_utc(now);
    if (sqlite3_prepare_v2(h->db, "INSERT INTO runs (started_at, tool_version, paths) VALUES (?1, ?2, ?3)", -1,
                           &st, NULL) != SQLITE_OK)
        return UPDX_ERR_IO;
    sqlite3_bind_text(st, 1, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, updx_version(), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, paths, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st) == SQLITE_DONE ? UPDX_OK : UPDX_ERR_IO;
    sqlite3_finalize(st);
    *run_id = sqlite3_last_insert_rowid(h->db);
    return rc;
}

int updx_fleet_db_run_end(updx_fleet_db *h, int64_t run_id)
{
    sqlite3_stmt *st = NULL;
    char now[20];
    now_utc(now);
    if (sqlite3_prepare_v2(h->db, "UPDATE runs SET finished_at = ?2 WHERE id = ?1", -1, &st, NULL) != SQLITE_OK)
        return UPDX_ERR_IO;
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st) == SQLITE_DONE ? UPDX_OK : UPDX_ERR_IO;
    sqlite3_finalize(st);
    return rc;
}

bool updx_fleet_db_has(updx_fleet_db *h, const char *key)
{
    sqlite3_reset(h->has);
    sqlite3_bind_text(h->has, 1, key, -1, SQLITE_TRANSIENT);
    bool yes = sqlite3_step(h->has) == SQLITE_ROW;
    sqlite3_reset(h->has);
    return yes;
}

int updx_fleet_db_keys(updx_fleet_db *h, char ***keys, size_t *count)
{
    *keys = NULL;
    *count = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h->db, "SELECT key FROM bundles WHERE key NOT LIKE 'unreadable:%'", -1, &st, NULL) !=
        SQLITE_OK)
        return UPDX_ERR_IO;
    size_t cap = 0;
    int rc = UPDX_OK;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*count == cap) {
            cap = cap ? cap * 2 : 256;
            char **v = realloc(*keys, cap * sizeof *v);
            if (!v) {
                rc = UPDX_ERR_NOMEM;
                break;
            }
            *keys = v;
        }
        char *k = strdup((const char *)sqlite3_column_text(st, 0));
        if (!k) {
            rc = UPDX_ERR_NOMEM;
            break;
        }
        (*keys)[(*count)++] = k;
    }
    sqlite3_finalize(st);
    if (rc != UPDX_OK) {
        updx_fleet_paths_free(*keys, *count);
        *keys = NULL;
        *count = 0;
    }
    return rc;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

int updx_fleet_db_put(updx_fleet_db *h, int64_t run_id, const updx_fleet_row *r, const char *report_json)
{
    if (!r->key || !r->path || !r->status || !r->analysed_at)
        return UPDX_ERR_ARG;
    if (sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return UPDX_ERR_IO;
    sqlite3_stmt *st = h->put;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    bind_text(st, 1, r->key);
    bind_text(st, 2, r->path);
    bind_text(st, 3, r->name);
    bind_text(st, 4, r->status);
    bind_text(st, 5, r->error);
    bind_text(st, 6, r->signature);
    bind_text(st, 7, r->rule);
    bind_text(st, 8, r->culprit);
    bind_text(st, 9, r->codes);
    sqlite3_bind_double(st, 10, r->confidence);
    bind_text(st, 11, r->title_en);
    bind_text(st, 12, r->title_zh);
    bind_text(st, 13, r->remediation);
    bind_text(st, 14, r->first_time);
    bind_text(st, 15, r->last_time);
    bind_text(st, 16, r->analysed_at);
    sqlite3_bind_double(st, 17, r->seconds);
    if (run_id > 0)
        sqlite3_bind_int64(st, 18, run_id);
    else
        sqlite3_bind_null(st, 18);
    bind_text(st, 19, report_json);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    sqlite3_reset(st);
    if (ok && strncmp(r->key, "unreadable:", 11) != 0) {
        /* the bundle reads now: forget its earlier failure to open */
        sqlite3_reset(h->drop_unreadable);
        bind_text(h->drop_unreadable, 1, r->path);
        ok = sqlite3_step(h->drop_unreadable) == SQLITE_DONE;
        sqlite3_reset(h->drop_unreadable);
    }
    if (ok && run_id > 0) {
        bool failed = strcmp(r->status, "error") == 0;
        sqlite3_reset(h->count_put);
        sqlite3_bind_int64(h->count_put, 1, run_id);
        sqlite3_bind_int(h->count_put, 2, failed ? 0 : 1);
        sqlite3_bind_int(h->count_put, 3, failed ? 1 : 0);
        ok = sqlite3_step(h->count_put) == SQLITE_DONE;
        sqlite3_reset(h->count_put);
    }
    if (!ok || sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
        return UPDX_ERR_IO;
    }
    return UPDX_OK;
}

int updx_fleet_db_count_skip(updx_fleet_db *h, int64_t run_id)
{
    if (run_id <= 0)
        return UPDX_OK;
    sqlite3_reset(h->count_skip);
    sqlite3_bind_int64(h->count_skip, 1, run_id);
    int rc = sqlite3_step(h->count_skip) == SQLITE_DONE ? UPDX_OK : UPDX_ERR_IO;
    sqlite3_reset(h->count_skip);
    return rc;
}

static char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

int updx_fleet_db_load(updx_fleet_db *h, updx_fleet_rows *out)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h->db,
                           "SELECT key, path, machine, status, error, signature, rule, culprit, codes,"
                           " confidence, title_en, title_zh, remediation, first_time, last_time,"
                           " analysed_at, seconds FROM bundles"
                           /* a bundle that changed since (same path, new key) counts once: its
                            * latest record (INSERT OR REPLACE gives every write a new rowid) */
                           " WHERE rowid IN (SELECT max(rowid) FROM bundles GROUP BY path) ORDER BY key",
                           -1, &st, NULL) != SQLITE_OK)
        return UPDX_ERR_IO;
    int rc = UPDX_OK;
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        updx_fleet_row r = {
            .key = col(st, 0), .path = col(st, 1), .name = col(st, 2), .status = col(st, 3),
            .error = col(st, 4), .signature = col(st, 5), .rule = col(st, 6), .culprit = col(st, 7),
            .codes = col(st, 8), .confidence = sqlite3_column_double(st, 9), .title_en = col(st, 10),
            .title_zh = col(st, 11), .remediation = col(st, 12), .first_time = col(st, 13),
            .last_time = col(st, 14), .analysed_at = col(st, 15), .seconds = sqlite3_column_double(st, 16),
        };
        rc = updx_fleet_rows_push(out, &r);
        updx_fleet_row_clear(&r);
        if (rc != UPDX_OK)
            break;
    }
    if (rc == UPDX_OK && step != SQLITE_DONE)
        rc = UPDX_ERR_IO;
    sqlite3_finalize(st);
    return rc;
}

char *updx_fleet_db_report(updx_fleet_db *h, const char *key)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(h->db, "SELECT report FROM bundles WHERE key = ?1", -1, &st, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    char *rep = sqlite3_step(st) == SQLITE_ROW ? col(st, 0) : NULL;
    sqlite3_finalize(st);
    return rep;
}
