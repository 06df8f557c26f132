/*
 * servicing.h: facts from CBS.log and dism.log (component servicing).
 *
 * Upgrade results in the 0x800F0xxx family (SAFE_OS 0x800F0818, 0x800F081F source missing,
 * 0x800F0922...) are explained by the servicing stack's own logs: which package or component
 * failed, with which HRESULT, and whether the component store is corrupt. These logs are
 * large (hundreds of thousands of lines, the same failure repeated a thousand times), so
 * failures are merged by message: one record per distinct failure, with a count and the
 * first and last line. See docs/device-logs.md.
 */
#ifndef UPDX_LOGS_SERVICING_H
#define UPDX_LOGS_SERVICING_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/case.h"
#include "text/text.h"

typedef enum updx_servicing_level {
    UPDX_SV_INFO,
    UPDX_SV_WARNING,
    UPDX_SV_ERROR,
} updx_servicing_level;

/* One distinct failure (merged by component and message). */
typedef struct updx_servicing_failure {
    const char *component;   /* "CBS", "CSI", "DISM", or "" */
    updx_servicing_level level;
    bool csi_failure;        /* a CSI "(F)" line */
    bool store_corruption;   /* the line says the component store is corrupt */
    uint32_t hresult;        /* 0x800f081f, when has_hresult */
    bool has_hresult;
    const char *hresult_name;/* "CBS_E_SOURCE_MISSING" as the log names it, or NULL */
    const char *package;     /* "Package_for_KB976932~31bf3856ad364e35~x86~~6.1.1.17514", or NULL */
    const char *servicing_component; /* "dual_helloface.inf" (CSI), or NULL */
    uint64_t count;          /* lines with this failure */
    const char *first_time;  /* "2020-02-04 17:51:01" of the first line, or NULL */
    updx_evref first;        /* first line with it */
    uint64_t last_line;      /* last line with it */
} updx_servicing_failure;

/* An HRESULT seen in failure lines, with how often. */
typedef struct updx_servicing_hresult {
    uint32_t code;
    const char *name;        /* as the log names it, or NULL */
    uint64_t count, errors;  /* lines, and of them Error-level or (F) lines */
    updx_evref first;
} updx_servicing_hresult;

typedef struct updx_servicing_file {
    const char *name;
    const char *log_kind;    /* "cbs", "dism", or "unknown" */
    const char *encoding;
    uint64_t lines, entries, errors, warnings, csi_failures;
    uint64_t failure_lines;  /* lines recorded as failures (merged into failures[]) */
    bool store_corrupt;      /* "mark store corrupt", "CSI Payload Corrupt", "Repair failed" */
    updx_evref store_corruption; /* the first line that says so */
    updx_evref last_error;   /* the last Error-level line with an HRESULT that is a failure */
    uint32_t last_error_hresult;
    const char *last_error_name;
    updx_avec failures;      /* updx_servicing_failure *, in order of first appearance */
    updx_avec hresults;      /* updx_servicing_hresult *, in order of first appearance */
    uint64_t failures_dropped;
} updx_servicing_file;

struct updx_servicing_facts {
    updx_avec files;         /* updx_servicing_file * */
};

/* Parses one CBS.log or dism.log from `t` into c->servicing (created on first use). */
int updx_servicing_parse(updx_case *c, const char *member, updx_text *t);
int updx_servicing_parse_mem(updx_case *c, const char *member, const void *data, size_t len);

/* The first failure, over all files in order, whose HRESULT is `code` (and, when `name` is
 * not NULL, whose package or component contains `name`, ASCII case-insensitive). */
const updx_servicing_failure *updx_servicing_find(const struct updx_servicing_facts *f, uint32_t code,
                                                  const char *name);

/* The report section "servicing". Deterministic. NULL when there are no facts. */
json_t *updx_servicing_to_json(const updx_case *c);

#endif
