/*
 * wer.c: Windows Error Reporting's upgrade result (Application event 1001, WinSetupDiag02,
 * P1-P10: scenario, mode, ..., result code, extended code, builds) joins the setup story as
 * a weak source: when no setup log says how the upgrade ended, the event log still does.
 */
#include <string.h>

#include "analyze/analyze.h"
#include "logs/setup_facts.h"
#include "sys/sys_facts.h"
#include "util/strutil.h"

static bool hex_field(const updx_sys_event *ev, const char *name, uint64_t *out)
{
    const char *v = updx_sys_event_get(ev, name);
    size_t used = 0;
    return v && updx_parse_hex(v, strlen(v), out, &used) && used == strlen(v);
}

void updx_feed_wer_results(updx_case *c)
{
    const struct updx_sys_facts *sys = c->sys;
    if (!sys)
        return;
    for (size_t i = 0; i < sys->events.len; i++) {
        const updx_sys_event *ev = updx_avec_at(&sys->events, i);
        uint64_t result = 0, ext = 0;
        if (ev->kind != UPDX_EVENT_SETUP_DIAG || !hex_field(ev, "ResultCode", &result) || result == 0)
            continue;
        bool has_ext = hex_field(ev, "ExtendCode", &ext);
        uint32_t index;
        updx_setup_file *f = updx_setup_facts_add_file(c, ev->file, UPDX_SETUP_SRC_SETUPDIAG, &index);
        updx_setup_event *e = f ? updx_setup_facts_add_event(c, f, index) : NULL;
        if (!e)
            return;
        e->file = ev->file;
        e->offset = ev->offset;
        e->level = UPDX_SETUP_ERROR;
        e->component = "";
        e->message = updx_arena_printf(&c->arena, "WER %s: result 0x%08llX, extended 0x%llX (event %u, record %llu)",
                                       updx_sys_event_get(ev, "EventName") ? updx_sys_event_get(ev, "EventName") : "WinSetupDiag",
                                       (unsigned long long)result, (unsigned long long)ext, ev->event_id,
                                       (unsigned long long)ev->record_id);
        e->raw = e->message;
        e->mark = UPDX_MARK_SETUPDIAG;
        e->a = result;
        e->b = has_ext ? ext : 0;
    }
}
