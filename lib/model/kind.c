/* kind.c: stable names of member kinds (see kind.h). */
#include "model/kind.h"

const char *updx_kind_name(updx_kind kind)
{
    static const char *const names[UPDX_KIND_COUNT] = {
        [UPDX_KIND_UNKNOWN] = "unknown",
        [UPDX_KIND_SETUPACT] = "setupact",
        [UPDX_KIND_SETUPERR] = "setuperr",
        [UPDX_KIND_SETUPAPI] = "setupapi",
        [UPDX_KIND_COMPATDATA] = "compatdata",
        [UPDX_KIND_APPRAISER] = "appraiser",
        [UPDX_KIND_SCANRESULT] = "scanresult",
        [UPDX_KIND_DIAGXML] = "diag_xml",
        [UPDX_KIND_BLUEBOX] = "bluebox",
        [UPDX_KIND_CBS] = "cbs",
        [UPDX_KIND_DISM] = "dism",
        [UPDX_KIND_SETUPDIAG] = "setupdiag_results",
        [UPDX_KIND_OLDSETUPACT] = "windows_setupact",
        [UPDX_KIND_KERNEL_DUMP] = "kernel_dump",
        [UPDX_KIND_MINIDUMP] = "minidump",
        [UPDX_KIND_HIVE] = "registry_hive",
        [UPDX_KIND_HIVE_LOG] = "hive_log",
        [UPDX_KIND_EVTX] = "evtx",
        [UPDX_KIND_REG_EXPORT] = "reg_export",
        [UPDX_KIND_DEBUGGER_TEXT] = "debugger_text",
        [UPDX_KIND_MANIFEST] = "manifest",
        [UPDX_KIND_ARCHIVE] = "archive",
        [UPDX_KIND_TEXT] = "text",
        [UPDX_KIND_BINARY] = "binary",
    };
    if ((unsigned)kind >= UPDX_KIND_COUNT || !names[kind])
        return "unknown";
    return names[kind];
}
