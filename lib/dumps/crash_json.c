/* crash_json.c: crashes[] entries for the JSON report (see crash_json.h). */
#include "dumps/crash_json.h"

#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "dumps/blame.h"
#include "dumps/bugcheck.h"

const char *updx_crash_origin_name(updx_crash_origin origin)
{
    switch (origin) {
    case UPDX_CRASH_KERNEL_DUMP: return "kernel_dump";
    case UPDX_CRASH_MINIDUMP: return "minidump";
    case UPDX_CRASH_ROLLBACK_LOG: return "rollback_log";
    case UPDX_CRASH_DEBUGGER_TEXT: return "debugger_text";
    case UPDX_CRASH_TOOL_EXPORT: return "tool_export";
    case UPDX_CRASH_EVENT_LOG: return "event_log";
    }
    return "unknown";
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *updx_crash_to_json(const updx_case *c, const updx_crash *cr)
{
    (void)c;
    json_t *o = json_object();
    if (!o)
        return NULL;
    char buf[320];
    json_object_set_new(o, "source", str_or_null(cr->source));
    json_object_set_new(o, "origin", json_string(updx_crash_origin_name(cr->origin)));
    if (cr->has_bugcheck) {
        snprintf(buf, sizeof buf, "0x%08" PRIX32, cr->bugcheck);
        json_object_set_new(o, "bugcheck", json_string(buf));
        json_object_set_new(o, "name", str_or_null(updx_bugcheck_name(cr->bugcheck, buf, sizeof buf)));
        json_t *params = json_array();
        for (int i = 0; i < 4; i++) {
            snprintf(buf, sizeof buf, "0x%016" PRIX64, cr->params[i]);
            json_array_append_new(params, json_string(buf));
        }
        json_object_set_new(o, "parameters", params);
    } else {
        json_object_set_new(o, "bugcheck", json_null());
        json_object_set_new(o, "name", json_null());
        json_object_set_new(o, "parameters", json_array());
    }
    json_object_set_new(o, "blamed_module", str_or_null(cr->blamed_module));
    json_object_set_new(o, "blame_reason", str_or_null(cr->blame_reason));
    json_object_set_new(o, "confidence", json_real(cr->blame_confidence));
    json_object_set_new(o, "driver_class", str_or_null(cr->driver_class));
    json_object_set_new(o, "boot_driver_load", json_boolean(cr->boot_driver_load));
    json_object_set_new(o, "os_build", str_or_null(cr->os_build));
    json_object_set_new(o, "machine", str_or_null(cr->machine));
    if (cr->time > 0) {
        time_t t = (time_t)cr->time;
        struct tm tm;
        if (gmtime_r(&t, &tm) && strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
            json_object_set_new(o, "time", json_string(buf));
        else
            json_object_set_new(o, "time", json_null());
    } else {
        json_object_set_new(o, "time", json_null());
    }
    json_object_set_new(o, "failure_bucket", str_or_null(cr->failure_bucket));
    if (cr->origin == UPDX_CRASH_MINIDUMP) {
        snprintf(buf, sizeof buf, "0x%08" PRIX32, cr->exception_code);
        json_object_set_new(o, "exception_code", json_string(buf));
        json_object_set_new(o, "process", str_or_null(cr->process));
    }
    json_t *frames = json_array();
    for (size_t i = 0; i < cr->frames.len; i++)
        json_array_append_new(frames, json_string(updx_frame_format(updx_avec_at(&cr->frames, i), buf, sizeof buf)));
    json_object_set_new(o, "frames", frames);
    json_object_set_new(o, "module_count", json_integer((json_int_t)cr->modules.len));
    json_t *ev = json_object();
    json_object_set_new(ev, "file", str_or_null(cr->where.file ? cr->where.file : cr->source));
    if (cr->where.line != UPDX_NO_LINE)
        json_object_set_new(ev, "line", json_integer((json_int_t)cr->where.line));
    if (cr->where.offset != UPDX_NO_OFFSET)
        json_object_set_new(ev, "offset", json_integer((json_int_t)cr->where.offset));
    json_object_set_new(ev, "text", str_or_null(cr->where.text));
    json_object_set_new(o, "evidence", ev);
    return o;
}
