/*
 * setupapi.h: facts from setupapi.{dev,upgrade,offline,app,setup}.log (device installs).
 *
 * These logs say which device and driver installs ran, when, and how each ended. During an
 * in-place upgrade they record driver migration (setupapi.upgrade.log) and the specialize
 * phase's device installs (the Rollback copy of setupapi.dev.log); a section ending
 * FAILURE(...) or a section never closed (a hang or a crash) is often the trail to the driver
 * behind a rollback. See docs/device-logs.md for the format and what is extracted.
 *
 * Memory stays bounded whatever the log's size: every section gets a small record with its
 * counts; body lines are kept only for sections that failed or were left open; service
 * operations (AddService/DelService) and driver files are kept for every section because the
 * diagnosis asks for them by name.
 */
#ifndef UPDX_LOGS_SETUPAPI_H
#define UPDX_LOGS_SETUPAPI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/case.h"
#include "text/text.h"

typedef enum updx_setupapi_status {
    UPDX_SA_OPEN,       /* never closed: the log ends (or a new boot begins) inside it */
    UPDX_SA_SUCCESS,    /* [Exit status: SUCCESS] or Exit Status(0x00000000) */
    UPDX_SA_FAILURE,    /* [Exit status: FAILURE(0x...)] or a non-zero Exit Status(0x...) */
    UPDX_SA_NO_STATUS,  /* "Section end" with no exit status line after it */
    UPDX_SA_OTHER,      /* an exit status line in a form not understood (exit_text has it) */
} updx_setupapi_status;

typedef enum updx_setupapi_severity {
    UPDX_SA_INFO = 0,
    UPDX_SA_WARNING = 1,  /* "!    " */
    UPDX_SA_ERROR = 2,    /* "!!!  " */
} updx_setupapi_severity;

/* A time as the log writes it (local time of the machine, no zone). */
typedef struct updx_setupapi_time {
    const char *text;  /* "2022-05-05 16:18:32.182", or NULL when absent */
    int64_t ms;        /* milliseconds since 1970-01-01 00:00 of that local clock; 0 if absent */
} updx_setupapi_time;

/* One body line of a kept section. */
typedef struct updx_setupapi_line {
    uint64_t line;
    uint64_t offset;
    updx_setupapi_severity severity;
    char category[8];  /* "dvi", "inf", "ndv", ... or "" */
    uint32_t code;     /* first 0x... code on the line, when has_code */
    bool has_code;
    const char *text;  /* the whole line as written (trailing blanks removed) */
} updx_setupapi_line;

typedef enum updx_setupapi_service_op {
    UPDX_SA_ADD_SERVICE,     /* AddService=, {Add Service: x}, Created/Updated service 'x' */
    UPDX_SA_DELETE_SERVICE,  /* DelService=, Deleted service 'x', legacy DelService */
} updx_setupapi_service_op;

struct updx_setupapi_section;

/* One service operation in one section (the directive and its result, merged by name). */
typedef struct updx_setupapi_service {
    const char *name;                  /* service key name as written: "lwfmgr" */
    updx_setupapi_service_op op;
    uint32_t flags;                    /* the directive's flags (0x200 = SPSVCINST_STOPSERVICE) */
    bool has_flags;
    const char *inf;                   /* "lwfmgr.inf" from "(lwfmgr.inf line 82)", or NULL */
    uint32_t inf_line;                 /* 82, or 0 */
    const char *result;                /* "created", "updated", "deleted", "absent", or NULL */
    const char *image_path;            /* Image Path = ...\x.sys (AddService), or NULL */
    updx_evref directive;              /* the AddService=/DelService= line (or the first seen) */
    updx_evref outcome;                /* the result line ("Deleted service 'x'."), line 0 if none */
    const struct updx_setupapi_section *section;
} updx_setupapi_service;

typedef struct updx_setupapi_file {
    const char *name;         /* member name */
    const char *log_kind;     /* "dev", "upgrade", "offline", "app", "setup", or "unknown" */
    const char *header;       /* "Device Install Log", or NULL when the header is missing */
    const char *os_version;   /* "10.0.19042" */
    const char *architecture; /* "amd64" */
    const char *encoding;     /* "ascii", "cp1251", ... */
    updx_avec boot_sessions;  /* updx_setupapi_time, in file order */
    uint64_t lines;
    uint64_t sections, succeeded, failed, left_open, no_status;
    uint64_t body_lines, errors, warnings;
    uint64_t unparsed_lines; /* lines that are neither markers nor body lines (garbage) */
    uint64_t insert_markers; /* "<ins>" lines: a section interrupted by another one */
    bool nul_bytes;          /* NUL bytes or undecodable data were found (a cut-off write) */
    uint64_t first_damaged_line;
    updx_setupapi_line last_body_line; /* the file's last body line (line 0 when none) */
} updx_setupapi_file;

typedef struct updx_setupapi_section {
    const updx_setupapi_file *file;
    const char *title;    /* the text between >>>  [ and ], e.g. "Device Install (Hardware ...) - X" */
    const char *kind;     /* the part before " - ": "Device Install (Hardware initiated)" */
    const char *subject;  /* the part after " - ": instance id, INF path or GUID; or NULL */
    uint32_t boot_session; /* index into file->boot_sessions, or UINT32_MAX before any */
    updx_setupapi_time start, end;
    updx_setupapi_status status;
    uint32_t exit_code;    /* FAILURE(0x80071a2d) -> 0x80071a2d; 0 for SUCCESS */
    bool has_exit_code;
    const char *exit_text; /* the status line's text, e.g. "[Exit status: FAILURE(0x80071a2d)]" */
    uint64_t header_line, header_offset;
    uint64_t end_line;     /* "Section end" line, 0 when none */
    uint64_t status_line;  /* exit status line, 0 when none */
    uint64_t body_lines, errors, warnings;
    bool interrupted;      /* an "<ins>" marker follows its body: another section cut in */
    bool lines_truncated;  /* more body lines than kept (see lines) */
    updx_setupapi_line last_line;   /* the last body line written (line 0 when none) */
    updx_setupapi_line first_error; /* the first "!!!" line (line 0 when none) */
    updx_avec lines;       /* updx_setupapi_line: only for failed and open sections */
    updx_avec services;    /* updx_setupapi_service * */
    updx_avec drivers;     /* const char *: driver files (.sys) named in the body, deduplicated */
    updx_avec infs;        /* const char *: INF file names, deduplicated */
    updx_avec device_ids;  /* const char *: hardware/instance ids named in the body */
} updx_setupapi_section;

struct updx_setupapi_facts {
    updx_avec files;       /* updx_setupapi_file * */
    updx_avec sections;    /* updx_setupapi_section *, in file order (file by file) */
    updx_avec services;    /* updx_setupapi_service *, every section's, in file order */
    uint64_t sections_dropped; /* sections counted but not recorded (limit) */
    uint64_t kept_bytes;       /* body lines kept for failed and open sections, all logs */
    uint64_t failed_recorded;  /* failed and open sections recorded, all logs */
};

/* Parses one setupapi log, read line by line from `t`, into c->setupapi (created on first
 * use). `member` names the file (its base name tells dev/upgrade/offline/app/setup).
 * Returns UPDX_OK, UPDX_PARTIAL (damaged or cut short; notes say where), or a negative status. */
int updx_setupapi_parse(updx_case *c, const char *member, updx_text *t);
/* The literals the reader's per-line searches look for: when the text layer's prefilter set
 * starts with them (ids 0..n-1), covered lines skip the searches they cannot satisfy. */
const updx_literal *updx_setupapi_literals(size_t *n);
/* The same over bytes in memory (pure). */
int updx_setupapi_parse_mem(updx_case *c, const char *member, const void *data, size_t len);

/* Lookups for the diagnosis. Each walks the sections (or services) in file order from
 * *cursor (start at 0) and returns the next match, or NULL at the end. */
const updx_setupapi_section *updx_setupapi_next_failed(const struct updx_setupapi_facts *f,
                                                       size_t *cursor);
const updx_setupapi_section *updx_setupapi_next_open(const struct updx_setupapi_facts *f,
                                                     size_t *cursor);
/* Service operations on `service` (ASCII case-insensitive), each with its section. */
const updx_setupapi_service *updx_setupapi_find_service(const struct updx_setupapi_facts *f,
                                                        const char *service, size_t *cursor);

const char *updx_setupapi_status_name(updx_setupapi_status status);

/* The report section "device_installs": per file counts, failed and open sections with
 * their evidence, service operations. Deterministic. NULL when there are no facts. */
json_t *updx_setupapi_to_json(const updx_case *c);

#endif
