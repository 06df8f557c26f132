/*
 * updx.h: the public API of libupdx.
 *
 * libupdx reads a bundle collected on a PC whose Windows feature upgrade failed (an archive,
 * a folder or a single file), parses every artefact in it and reports why the upgrade failed.
 * The library never prints, never exits and keeps no global state: every call works on the
 * objects it is given. Strings are UTF-8. Ownership is stated per function.
 */
#ifndef UPDX_UPDX_H
#define UPDX_UPDX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UPDX_REPORT_SCHEMA "updx.report/1"

/* Status codes. Negative values are failures of the call; UPDX_PARTIAL means the call
 * produced a result but some input could not be read (the notes say what and where). */
typedef enum updx_status {
    UPDX_OK = 0,
    UPDX_PARTIAL = 1,
    UPDX_ERR_NOMEM = -1,
    UPDX_ERR_IO = -2,
    UPDX_ERR_FORMAT = -3, /* input is not what it claims, or is damaged beyond use */
    UPDX_ERR_LIMIT = -4,  /* a resource limit stopped the work */
    UPDX_ERR_ARG = -5,    /* the caller passed something invalid */
    UPDX_ERR_UNSUPPORTED = -6,
} updx_status;

/* Resource limits applied to everything read from a bundle. Every field has a default
 * (updx_limits_default) and a command-line flag; docs/limits.md lists them. */
typedef struct updx_limits {
    uint64_t max_member_bytes;   /* one member's expanded size */
    uint64_t max_total_bytes;    /* all members' expanded size together */
    uint32_t max_ratio;          /* expanded / compressed, per member (zip bombs) */
    uint32_t max_members;        /* members in one bundle, nested ones included */
    uint32_t max_depth;          /* archives inside archives */
    uint32_t max_line_bytes;     /* longer lines are cut and flagged */
    uint32_t max_seconds;        /* wall-clock budget for one bundle; 0 = none */
    uint64_t max_memory_bytes;   /* what one analysis may allocate for its facts */
} updx_limits;

void updx_limits_default(updx_limits *limits);

/* ---- analysing a bundle -------------------------------------------------------------
 * The whole job in four calls. A report owns everything it refers to; free it with
 * updx_report_free. The returned strings are malloc'd: the caller frees them with free(). */
typedef struct updx_report updx_report;

/* Analyses the bundle at `path` (an archive, a folder or one file). limits may be NULL
 * (defaults); codepage may be NULL (guess the code page of non-UTF-8 lines). *out gets the
 * report even when the status is negative (its notes say why). Returns UPDX_OK, UPDX_PARTIAL
 * (something was damaged or cut short) or a negative updx_status when nothing could be read. */
int updx_report_analyze(const char *path, const updx_limits *limits, const char *codepage, updx_report **out);

/* The report as JSON text (docs/report-schema.json), or NULL when out of memory. */
char *updx_report_json(const updx_report *r);

/* The report for people: format "text", "md" or "summary"; lang "en" or "zh". NULL when a
 * name is unknown or memory runs out. */
char *updx_report_render(const updx_report *r, const char *format, const char *lang);

void updx_report_free(updx_report *r);

/* The library's version, e.g. "0.1.0". */
const char *updx_version(void);

/* A short English sentence for a status code. Static storage. */
const char *updx_status_str(updx_status status);

#ifdef __cplusplus
}
#endif
#endif /* UPDX_UPDX_H */
