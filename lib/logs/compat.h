/*
 * compat.h: facts from Windows Setup's compatibility reports.
 *
 * CompatData_<date>.xml and ScanResult.xml (namespace .../UpgradeAdvisor/01012009) list the
 * programs, devices and driver packages that setup's compatibility scan judged: a "Hard"
 * BlockingType stops the upgrade, "Soft" warns, and a DriverPackage with
 * BlockMigration="True" is a driver that will not be carried into the new OS.
 * *_APPRAISER_HumanReadable.xml holds the appraiser's assets; a property
 * SdbAppraiserData=GatedBlock with SdbAppraiserData_GatedBlockId marks a safeguard hold, and
 * DT_ANY_FMC_Blocking*=TRUE a blocking application or device. See docs/device-logs.md.
 *
 * Parsing is from memory with libxml2, no network, no DTD loading, no entity expansion
 * (documents that declare entities are refused) and a size cap.
 */
#ifndef UPDX_LOGS_COMPAT_H
#define UPDX_LOGS_COMPAT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/case.h"

typedef enum updx_compat_kind {
    UPDX_COMPAT_PROGRAM,
    UPDX_COMPAT_DEVICE,          /* <Device>, <HardwareItem>, appraiser device assets */
    UPDX_COMPAT_DRIVER_PACKAGE,  /* <DriverPackage Inf=...> */
    UPDX_COMPAT_SYSTEM,          /* <SystemInfo>, TPM, CPU, disk... */
    UPDX_COMPAT_OTHER,
} updx_compat_kind;

typedef enum updx_compat_block {
    UPDX_COMPAT_NONE,
    UPDX_COMPAT_SOFT,            /* BlockingType="Soft": a warning, upgrade can go on */
    UPDX_COMPAT_HARD,            /* BlockingType="Hard" or DT_ANY_FMC_Blocking*=TRUE */
    UPDX_COMPAT_NO_MIGRATION,    /* DriverPackage BlockMigration="True" */
} updx_compat_block;

typedef struct updx_compat_item {
    const char *file;            /* member name */
    updx_compat_kind kind;
    updx_compat_block block;
    const char *element;         /* local name of the element: "Program", "DriverPackage", "Asset" */
    const char *name;            /* Name=, Inf=, LowerCaseLongPathUnexpanded, SdbAppName... */
    const char *version;
    const char *id;              /* Id= / DeviceInstanceId / SdbEntryGuid */
    const char *blocking_type;   /* as written: "Hard", "Soft", "None" */
    const char *status_detail;   /* "WarnUpgrade", "UpgradeBlock", ... */
    const char *message;
    const char *hardware_type;   /* "Setup_HardwareIncompatibilityDetected" */
    bool safeguard;              /* a safeguard hold (GatedBlock) */
    const char *gated_block_id;  /* "25178825", or NULL */
    const char *red_reason;      /* RedReason other than "None", or NULL */
    bool has_signed_binaries, signed_known;
    uint64_t line;               /* line of the element in the XML */
    const char *text;            /* a short rendering of the element, for evidence */
} updx_compat_item;

/* A safeguard or upgrade-experience indicator found anywhere (GatedBlockId, RedReason, UpgEx,
 * UpgExU, FailedPrereqs, GStatus), as attribute, property or element. "None" is skipped. */
typedef struct updx_compat_indicator {
    const char *file;
    const char *name;
    const char *value;
    uint64_t line;
} updx_compat_indicator;

typedef struct updx_compat_file {
    const char *name;
    const char *report_kind;     /* "compatdata", "scanresult", "appraiser", or "unknown" */
    const char *root;            /* the root element's local name */
    const char *ns;              /* the root element's namespace, or NULL */
    uint64_t items_seen;         /* elements judged (blocking or not) */
    uint64_t hard, soft, no_migration, safeguards;
} updx_compat_file;

struct updx_compat_facts {
    updx_avec files;             /* updx_compat_file * */
    updx_avec items;             /* updx_compat_item *: the ones that block or warn */
    updx_avec indicators;        /* updx_compat_indicator */
};

/* Parses one compatibility XML (UTF-8 or UTF-16, as declared) into c->compat. */
int updx_compat_parse_mem(updx_case *c, const char *member, const void *data, size_t len);

/* The next item (from *cursor, start at 0) whose block is `block`. */
const updx_compat_item *updx_compat_next_block(const struct updx_compat_facts *f, updx_compat_block block,
                                               size_t *cursor);

/* The report section "compat". Deterministic. NULL when there are no facts. */
json_t *updx_compat_to_json(const updx_case *c);

#endif
