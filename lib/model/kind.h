/*
 * kind.h: what a bundle member is recognised as. Recognition goes by content first and by
 * path second (lib/bundle/recognize.c), so a renamed file is still found. The names are the
 * `kind` strings of bundle.members[] in the JSON report; never rename one.
 */
#ifndef UPDX_MODEL_KIND_H
#define UPDX_MODEL_KIND_H

typedef enum updx_kind {
    UPDX_KIND_UNKNOWN = 0,
    UPDX_KIND_SETUPACT,          /* Panther-style setupact.log (any phase folder) */
    UPDX_KIND_SETUPERR,          /* setuperr.log */
    UPDX_KIND_SETUPAPI,          /* setupapi.{dev,upgrade,offline,app,setup}.log */
    UPDX_KIND_COMPATDATA,        /* CompatData*.xml */
    UPDX_KIND_APPRAISER,         /* *_APPRAISER_HumanReadable.xml */
    UPDX_KIND_SCANRESULT,        /* ScanResult.xml */
    UPDX_KIND_DIAGXML,           /* diagerr.xml / diagwrn.xml */
    UPDX_KIND_BLUEBOX,           /* BlueBox.log */
    UPDX_KIND_CBS,               /* CBS.log */
    UPDX_KIND_DISM,              /* dism.log */
    UPDX_KIND_SETUPDIAG,         /* SetupDiagResults.{log,xml,json} */
    UPDX_KIND_OLDSETUPACT,       /* C:\Windows\setupact.log (co-installer log, no common layout) */
    UPDX_KIND_KERNEL_DUMP,       /* PAGE + DU64/DUMP */
    UPDX_KIND_MINIDUMP,          /* user-mode MDMP */
    UPDX_KIND_HIVE,              /* regf */
    UPDX_KIND_HIVE_LOG,          /* .LOG1/.LOG2 transaction logs (noted, not replayed) */
    UPDX_KIND_EVTX,              /* ElfFile */
    UPDX_KIND_REG_EXPORT,        /* .reg export or `reg query` output */
    UPDX_KIND_DEBUGGER_TEXT,     /* pasted WinDbg/kd text, BlueScreenView/WhoCrashed exports */
    UPDX_KIND_MANIFEST,          /* the collector's manifest.json */
    UPDX_KIND_ARCHIVE,           /* an archive inside the bundle (its members are listed too) */
    UPDX_KIND_TEXT,              /* other text */
    UPDX_KIND_BINARY,            /* other binary */
    UPDX_KIND_COUNT
} updx_kind;

/* The stable name, e.g. "setupact", "kernel_dump". */
const char *updx_kind_name(updx_kind kind);

#endif
