/*
 * case.h: the fact model. Everything learned from one bundle lives in one updx_case.
 *
 * Readers add facts; the diagnosis reads facts and never bytes; reporters read facts and
 * findings. All strings and arrays in a case come from its arena and die with it. Each area
 * of facts that one module owns is an incomplete type here, defined in that module's header
 * (lib/logs/, lib/sys/), so modules grow without touching this file.
 */
#ifndef UPDX_MODEL_CASE_H
#define UPDX_MODEL_CASE_H

#include <stdbool.h>
#include <stdint.h>

#include "model/kind.h"
#include "updx/updx.h"
#include "util/arena.h"
#include "util/avec.h"
#include "util/notes.h"

/* A pointer into the evidence: a line of a text member or a byte offset of a binary one. */
typedef struct updx_evref {
    const char *file;    /* member name */
    uint64_t line;       /* 1-based, or UPDX_NO_LINE */
    uint64_t offset;     /* byte offset, or UPDX_NO_OFFSET */
    const char *text;    /* the line, or a description of the binary evidence */
} updx_evref;

/* One member of the bundle, as bundle.members[] shows it. */
typedef struct updx_member_info {
    const char *name;      /* path inside the bundle, '/'-separated; nested: "a.zip/b/c.log" */
    updx_kind kind;
    uint64_t size;         /* expanded bytes actually read */
    char sha256[65];       /* of the bytes read; empty when not hashed */
    const char *encoding;  /* "utf-8", "utf-8+cp1252", "utf-16le", "binary", ... */
    const char *detail;    /* what recognition adds: phase folder, dump type, hive name... */
    uint32_t depth;        /* 0 = top level */
    bool damaged;          /* could not be read whole (a note says why) */
} updx_member_info;

/* One frame of a call stack (from a dump, a debugger paste or a tool export). */
typedef struct updx_frame {
    const char *module;    /* as written: "nt", "ndis", "lwfmgr", "lwfmgr.sys" */
    const char *symbol;    /* "NdisFDeregisterFilterDriver", or NULL */
    uint64_t offset;       /* displacement from symbol, or from module base when no symbol */
    uint64_t address;      /* absolute address, 0 when unknown */
} updx_frame;

typedef enum updx_crash_origin {
    UPDX_CRASH_KERNEL_DUMP,
    UPDX_CRASH_MINIDUMP,      /* user-mode MDMP, e.g. SetupHost.exe */
    UPDX_CRASH_ROLLBACK_LOG,  /* "Crash 0x0000007E detected" block in a setupact.log */
    UPDX_CRASH_DEBUGGER_TEXT, /* pasted `k` / `!analyze -v` / kd output */
    UPDX_CRASH_TOOL_EXPORT,   /* BlueScreenView / WhoCrashed text */
    UPDX_CRASH_EVENT_LOG,     /* System 1001 BugCheck, WER text */
} updx_crash_origin;

/* A loaded (or unloaded) module seen in a dump. */
typedef struct updx_module {
    const char *name;      /* "lwfmgr.sys" */
    uint64_t base;
    uint32_t size;
    uint32_t timestamp;    /* PE TimeDateStamp, 0 when unknown */
    bool unloaded;
} updx_module;

/* crashes[] of the report. */
typedef struct updx_crash {
    const char *source;          /* member name */
    updx_crash_origin origin;
    bool has_bugcheck;
    uint32_t bugcheck;
    uint64_t params[4];
    const char *blamed_module;   /* normalised "name.sys", or NULL */
    const char *blame_reason;    /* the blame rule that chose it, in one sentence */
    double blame_confidence;     /* 0..1 */
    const char *failure_bucket;  /* FAILURE_BUCKET_ID when a paste has one */
    const char *os_build;        /* "19041", or NULL */
    const char *machine;         /* "x64", "arm64", "x86", or NULL */
    int64_t time;                /* crash time, Unix seconds UTC; 0 when unknown */
    const char *driver_class;    /* "ndis_filter", "fs_minifilter", "storage", "display",
                                    "security", or NULL */
    bool boot_driver_load;       /* IopLoadDriver/IopInitializeSystemDrivers on the stack */
    uint32_t exception_code;     /* user-mode dumps */
    const char *process;         /* user-mode dumps: the process image */
    updx_avec frames;            /* updx_frame, innermost first */
    updx_avec modules;           /* updx_module, dumps only */
    updx_evref where;            /* the evidence for this crash */
} updx_crash;

struct updx_bundle_facts;     /* lib/bundle/: the collector's manifest, machine facts */
struct updx_setup_facts;      /* lib/logs/: setupact/setuperr, BlueBox, diag XML, SetupDiag
                                 results, and the upgrade's story built from them */
struct updx_setupapi_facts;   /* lib/logs/: setupapi.*.log sections */
struct updx_compat_facts;     /* lib/logs/: CompatData, Appraiser, ScanResult blocks */
struct updx_servicing_facts;  /* lib/logs/: CBS.log and dism.log failures */
struct updx_sys_facts;        /* lib/sys/: hives, .reg exports, event logs */

typedef struct updx_case {
    updx_arena arena;
    updx_notes notes;
    updx_limits limits;
    const char *bundle_name;       /* what the user gave */
    updx_avec members;             /* updx_member_info */
    updx_avec crashes;             /* updx_crash */
    struct updx_bundle_facts *bundle;
    struct updx_setup_facts *setup;
    struct updx_setupapi_facts *setupapi;
    struct updx_compat_facts *compat;
    struct updx_servicing_facts *servicing;
    struct updx_sys_facts *sys;
    updx_avec findings;            /* updx_finding (model/finding.h), most likely first */
} updx_case;

struct updx_text;
/* A reader of one text member: parses the lines of t into c. */
typedef int (*updx_text_reader)(updx_case *c, const char *member, struct updx_text *t);
/* Runs a text reader over bytes in memory with the case's line limit (c may be NULL): the
 * pure entry point that every text reader's _mem variant, test and fuzzer uses. */
int updx_case_read_text_mem(updx_case *c, const char *member, const void *data, size_t len,
                            updx_text_reader read);

/* limits may be NULL (defaults). Returns NULL when out of memory. Free with updx_case_free. */
updx_case *updx_case_new(const char *bundle_name, const updx_limits *limits);
void updx_case_free(updx_case *c);

/* A new zeroed crash record from `source`, or NULL (a limit note is added). */
updx_crash *updx_case_add_crash(updx_case *c, const char *source, updx_crash_origin origin);

#endif
