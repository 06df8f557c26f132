/*
 * setup_facts.h: what the Panther-family logs told us, stored in the case (c->setup).
 *
 * setupact.log / setuperr.log of every phase folder, BlueBox.log, diagerr/diagwrn.xml and
 * SetupDiag's own results all add events here; story.c then builds the upgrade's story from
 * them. A 1 GiB setupact.log holds millions of Info lines that say nothing about a failure,
 * so only errors, warnings and "marker" lines (results, phases, remaps, crash blocks, host and
 * target versions) are kept, each list capped; everything else is only counted. Memory stays
 * bounded whatever the size of the logs.
 */
#ifndef UPDX_LOGS_SETUP_FACTS_H
#define UPDX_LOGS_SETUP_FACTS_H

#include <stdbool.h>
#include <stdint.h>

#include "model/case.h"
#include "util/avec.h"

typedef enum updx_setup_level {
    UPDX_SETUP_UNTYPED = 0, /* old-style or foreign line: no level */
    UPDX_SETUP_INFO,
    UPDX_SETUP_WARNING,
    UPDX_SETUP_ERROR,
    UPDX_SETUP_FATAL,       /* "Fatal Error" */
    UPDX_SETUP_PERF,
} updx_setup_level;

/* What a kept line means to the story. Values a/b of the event carry the numbers. */
typedef enum updx_setup_mark {
    UPDX_MARK_NONE = 0,
    UPDX_MARK_SESSION_BEGIN,     /* "SetupHost Logging Begin" */
    UPDX_MARK_ATTEMPT_START,     /* "Setup phase change: [SetupPhaseUnknown] -> [..]" */
    UPDX_MARK_SETUP_PHASE,       /* any other MOUPG "Setup phase change"; arg = new phase */
    UPDX_MARK_EXEC_PHASE_START,  /* SP "Start execution phase X"; a = updx_upgrade_phase */
    UPDX_MARK_EXEC_PHASE_EXIT,   /* SP "Execution phase [X] exiting with HRESULT [hr]"; a = hr */
    UPDX_MARK_ROLLBACK_BEGIN,    /* "Initiating rollback/uninstall, phase = N"; a = N */
    UPDX_MARK_CURRENT_PHASE,     /* rollback log "Current phase : N"; a = N */
    UPDX_MARK_CURRENT_OP,        /* rollback log "Current op    : N"; a = N */
    UPDX_MARK_IMAGEEXIT_RESULT,  /* "ImageExit: Initializing SetupResult: [hr]"; a = hr */
    UPDX_MARK_IMAGEEXIT_EXTENDED,/* "ImageExit: Initializing Extended: [x]"; a = x */
    UPDX_MARK_REPORT_EVENT,      /* "Reporting error event -> [a, b]" */
    UPDX_MARK_REPORT_POST_REBOOT,/* "Reporting post reboot event -> [a, b]" */
    UPDX_MARK_SPECIFY_EXTENDED,  /* "Specifying extended data [b] for error [a]" */
    UPDX_MARK_RESULT_360,        /* "[Setup360Result]=[a]" */
    UPDX_MARK_EXTENDED_360,      /* "[Setup360Extended]=[a]" */
    UPDX_MARK_REMAP_TELEMETRY,   /* "Remapping install error [a] -> [b] for telemetry" */
    UPDX_MARK_REMAP,             /* other "Remapping ... [a] -> [b]" (disk full, cancellation) */
    UPDX_MARK_OPERATION_FAILED,  /* "Operation failed: ..." ; a = hr when given */
    UPDX_MARK_ABORT,             /* "Shell application requested abort", "Abandoning apply" */
    UPDX_MARK_GATHER_FAILED,     /* Gather/Apply failures of the migration engine */
    UPDX_MARK_USER_CANCEL,       /* "User cancel confirmed", "Cancel is requested" */
    UPDX_MARK_SYSPREP_FAILED,    /* SYSPRP "WinMain:Hit failure ...; hr = a" */
    UPDX_MARK_HOST_VERSION,      /* arg = "10.0.17134" */
    UPDX_MARK_HOST_BUILD,        /* arg = "17134.1.amd64fre..." */
    UPDX_MARK_HOST_EDITION,      /* arg = "Professional" */
    UPDX_MARK_TARGET_VERSION,    /* arg = "10.0.19041.1253" */
    UPDX_MARK_TARGET_EDITION,    /* arg = "Professional" */
    UPDX_MARK_TARGET_BUILD,      /* "[TargetOsVersionBuildNumber]=[0x4A61]"; a = 19041 */
    UPDX_MARK_CRASH,             /* "Crash 0x... detected"; a = bug-check code */
    UPDX_MARK_NO_CRASH,          /* "No crash detected" */
    UPDX_MARK_BLUEBOX_RESULT,    /* BlueBox.log result; a = hr */
    UPDX_MARK_SETUPDIAG,         /* SetupDiag results; a = error, b = extended when known */
    UPDX_MARK_COUNT
} updx_setup_mark;

/* Where a setup event came from. */
typedef enum updx_setup_source {
    UPDX_SETUP_SRC_SETUPACT,
    UPDX_SETUP_SRC_SETUPERR,
    UPDX_SETUP_SRC_OLDSTYLE,
    UPDX_SETUP_SRC_BLUEBOX,
    UPDX_SETUP_SRC_DIAGXML,
    UPDX_SETUP_SRC_SETUPDIAG,
} updx_setup_source;

/* One kept line. Strings live in the case arena. */
typedef struct updx_setup_event {
    const char *file;        /* member name */
    uint32_t file_index;     /* index into updx_setup_facts.files */
    uint64_t line;           /* 1-based */
    uint64_t offset;         /* byte offset of the line */
    uint64_t seq;            /* global reading order: file order, then line order */
    const char *time_text;   /* "2021-05-18 03:11:02" as written, or NULL */
    int64_t time;            /* local wall-clock seconds since 1970 (no zone); 0 = none */
    updx_setup_level level;
    const char *msgid;       /* "0x080489" or NULL */
    const char *component;   /* "SP", "MOUPG", ...; "" when blank */
    const char *process;     /* "windeploy.exe" from "[windeploy.exe] ...", or NULL */
    const char *message;     /* without the [gle=] suffix; continuation lines appended */
    const char *raw;         /* the whole line as written (decoded to UTF-8, maybe capped) */
    bool has_gle;
    uint32_t gle;
    updx_setup_mark mark;
    uint64_t a, b;           /* the mark's numbers (see updx_setup_mark) */
    const char *arg;         /* the mark's text, or NULL */
    uint32_t continuation_lines; /* timestamp-less lines that followed */
} updx_setup_event;

/* One file read. */
typedef struct updx_setup_file {
    const char *name;
    updx_setup_source source;
    bool panther;            /* had Panther-layout lines */
    uint64_t lines;
    uint64_t typed_lines;    /* lines with a timestamp and level */
    uint64_t untyped_lines;  /* lines without the Panther layout (old-style, garbage) */
    uint64_t continuation_lines;
    uint64_t count_by_level[6];
    uint64_t events_dropped; /* kept-worthy lines not kept because a cap was reached */
    const char *first_time, *last_time;
} updx_setup_file;

/* diagerr.xml / diagwrn.xml row. */
typedef struct updx_diag_row {
    const char *file;
    uint64_t line;
    bool error_file;         /* from diagerr.xml (else diagwrn.xml) */
    const char *time_text;   /* DT attribute */
    const char *function, *module, *exe, *message, *source_file;
    uint32_t err;            /* Err attribute (Win32) */
    bool has_err;
} updx_diag_row;

/* SetupDiag's own result (text, XML or JSON). */
typedef struct updx_setupdiag_result {
    const char *file;
    const char *profile_name;   /* "FindRollbackFailure", "FindSuccessfulUpgrade" ... */
    const char *profile_guid;
    const char *last_phase;
    const char *last_operation;
    const char *failure_details;/* "Err = 0x..., LastOperation = ..., LastPhase = ..." */
    const char *host_os_build, *target_os_build;
    bool has_error, has_extended;
    uint32_t error, extended;
    bool no_match;              /* "SetupDiag was unable to match ..." */
} updx_setupdiag_result;

struct updx_setup_facts {
    updx_avec files;            /* updx_setup_file */
    updx_avec events;           /* updx_setup_event, in reading order */
    updx_avec diag_rows;        /* updx_diag_row */
    updx_avec setupdiag;        /* updx_setupdiag_result */
    uint64_t next_seq;
    uint64_t events_dropped;    /* over all files */
    uint64_t kept_bytes;        /* what kept events and their text cost, over all files */
    uint64_t continuation_dropped; /* continuation lines not joined to their event (budget) */
    struct updx_story *story;   /* built by updx_story_build, or NULL */
};

/* The facts slot of a case, created on first use; NULL when out of memory. */
struct updx_setup_facts *updx_setup_facts_get(updx_case *c);

/* A new file record in the facts, or NULL (a note is added). */
updx_setup_file *updx_setup_facts_add_file(updx_case *c, const char *member, updx_setup_source src,
                                           uint32_t *index);
/* A new zeroed event (seq set), or NULL when the cap is reached (counted as dropped). */
updx_setup_event *updx_setup_facts_add_event(updx_case *c, updx_setup_file *f, uint32_t index);

/* Level names "Info", "Warning", "Error", "Fatal Error", "Perf", "" (untyped). */
const char *updx_setup_level_name(updx_setup_level level);

#endif
