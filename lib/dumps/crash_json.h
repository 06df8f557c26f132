/*
 * crash_json.h: one crash record as the report contract's crashes[] entry (jansson).
 */
#ifndef UPDX_DUMPS_CRASH_JSON_H
#define UPDX_DUMPS_CRASH_JSON_H

#include <jansson.h>

#include "model/case.h"

/* A new JSON object (caller owns the reference), or NULL when out of memory. Fields:
 * source, origin, bugcheck ("0x0000007E" or null), name, parameters (4 hex strings),
 * blamed_module, blame_reason, confidence, driver_class, boot_driver_load, os_build,
 * machine, time (ISO 8601 UTC or null), failure_bucket, exception_code, process,
 * frames[] ("module!symbol+0xoff"), module_count, evidence {file, line|offset, text}. */
json_t *updx_crash_to_json(const updx_case *c, const updx_crash *cr);

/* "kernel_dump", "minidump", "rollback_log", "debugger_text", "tool_export", "event_log". */
const char *updx_crash_origin_name(updx_crash_origin origin);

#endif
