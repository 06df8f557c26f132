/* core.c: version, default limits and status strings (see include/updx/updx.h). */
#include "updx/updx.h"

void updx_limits_default(updx_limits *limits)
{
    /* Sized so that a real bundle (a few GiB of logs and a MEMORY.DMP at most) fits while
     * a zip bomb or an endless member list stops early. docs/limits.md explains each. */
    *limits = (updx_limits){
        .max_member_bytes = 8ULL << 30,
        .max_total_bytes = 32ULL << 30,
        .max_ratio = 1000,
        .max_members = 200000,
        .max_depth = 4,
        .max_line_bytes = 1u << 20,
        .max_seconds = 0,
        .max_memory_bytes = 2ULL << 30,
    };
}

const char *updx_version(void)
{
    return UPDX_VERSION;
}

const char *updx_status_str(updx_status status)
{
    switch (status) {
    case UPDX_OK: return "success";
    case UPDX_PARTIAL: return "partly read: some input was damaged or cut short";
    case UPDX_ERR_NOMEM: return "out of memory";
    case UPDX_ERR_IO: return "input/output error";
    case UPDX_ERR_FORMAT: return "the input is damaged or not in the expected format";
    case UPDX_ERR_LIMIT: return "a resource limit was reached";
    case UPDX_ERR_ARG: return "invalid argument";
    case UPDX_ERR_UNSUPPORTED: return "not supported";
    }
    return "unknown status";
}
