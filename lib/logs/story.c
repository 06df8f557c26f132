/*
 * story.c: builds the upgrade's story from the setup facts (see story.h, docs/setup-logs.md).
 */
#include "logs/story.h"

#include <stdio.h>
#include <string.h>

#include "util/strutil.h"

enum {
    STORY_MAX_ATTEMPTS = 256,
    STORY_CONTEXT_SECONDS = 60,  /* lines this close before the fatal error belong to its cause */
    STORY_CONTEXT_EVENTS = 6,    /* at most this many of them */
};

/* How much we trust the line a result code came from; higher wins, later wins ties. */
enum {
    PRIO_NONE = 0,
    PRIO_WEAK = 1,      /* sysprep hr, BlueBox, SetupDiag results, a failing execution phase */
    PRIO_TRACE = 2,     /* Setup360Result/Extended tracing, "Specifying extended data" */
    PRIO_IMAGEEXIT = 3, /* ImageExit: Initializing SetupResult/Extended */
    PRIO_REPORT = 4,    /* SetupHost: Reporting error / post reboot event */
};

const char *updx_outcome_name(updx_outcome outcome)
{
    switch (outcome) {
    case UPDX_OUTCOME_SUCCEEDED: return "succeeded";
    case UPDX_OUTCOME_ROLLED_BACK: return "rolled_back";
    case UPDX_OUTCOME_FAILED: return "failed";
    case UPDX_OUTCOME_BLOCKED: return "blocked";
    default: return "unknown";
    }
}

static bool is_failure_level(const updx_setup_event *e)
{
    return e->level == UPDX_SETUP_ERROR || e->level == UPDX_SETUP_FATAL;
}

/* Which attempt an event belongs to: the last start at or before it in time. Events before
 * the first start go with the first attempt; events without a time (SetupDiag's results,
 * written after everything else) with the last. */
static size_t attempt_of(const updx_setup_event *e, const updx_setup_event *const *starts,
                         size_t nstarts)
{
    size_t idx = 0;
    if (!e->time && nstarts)
        return nstarts - 1;
    for (size_t i = 0; i < nstarts; i++) {
        if (e == starts[i])
            return i;
        if (e->time && starts[i]->time && starts[i]->time <= e->time)
            idx = i;
    }
    return idx;
}

static updx_upgrade_phase exec_phase(const char *name)
{
    if (!name)
        return UPDX_PHASE_NONE;
    if (updx_memcasemem(name, strlen(name), "downlevel", 9))
        return UPDX_PHASE_DOWNLEVEL;
    if (updx_memcasemem(name, strlen(name), "safe", 4))
        return UPDX_PHASE_SAFE_OS;
    if (updx_memcasemem(name, strlen(name), "first boot", 10) ||
        updx_memcasemem(name, strlen(name), "sysprep", 7))
        return UPDX_PHASE_FIRST_BOOT;
    if (updx_memcasemem(name, strlen(name), "oobe", 4))
        return UPDX_PHASE_OOBE_BOOT;
    return UPDX_PHASE_NONE;
}

static void enter(updx_attempt *a, updx_upgrade_phase p, const updx_setup_event *e)
{
    if (p < 0 || p >= UPDX_STORY_PHASES)
        return;
    if (!a->entered[p]) {
        a->entered[p] = true;
        a->phase_evidence[p] = e;
    }
}

typedef struct pick {
    int result_prio, ext_prio;
    uint64_t rollback_phase, rollback_op;
    bool has_rollback_phase, has_rollback_op;
    const updx_setup_event *rollback_phase_event, *rollback_op_event, *crash_event, *no_crash_event,
        *cancel_event;
    bool post_reboot_failure;
    bool success_exit;
} pick;

static void set_result(updx_attempt *a, pick *pk, int prio, uint64_t v, const updx_setup_event *e)
{
    if (prio < pk->result_prio || v > UINT32_MAX)
        return;
    pk->result_prio = prio;
    a->has_result = true;
    a->result = (uint32_t)v;
    a->result_event = e;
}

static void set_ext(updx_attempt *a, pick *pk, int prio, uint64_t v, const updx_setup_event *e)
{
    if (prio < pk->ext_prio || v > 0xFFFFFu)
        return;
    pk->ext_prio = prio;
    a->has_extended = true;
    a->extended = (uint32_t)v;
    a->extended_event = e;
}

static void add_remap(updx_attempt *a, uint64_t from, uint64_t to, bool telemetry,
                      const updx_setup_event *e)
{
    if (from > UINT32_MAX || to > UINT32_MAX)
        return;
    for (uint32_t i = 0; i < a->remap_count; i++)
        if (a->remaps[i].from == from && a->remaps[i].to == to)
            return;
    if (a->remap_count >= sizeof a->remaps / sizeof a->remaps[0])
        return;
    updx_story_remap *r = &a->remaps[a->remap_count++];
    r->from = (uint32_t)from;
    r->to = (uint32_t)to;
    r->telemetry = telemetry;
    r->event = e;
}

static void take(updx_attempt *a, pick *pk, const updx_setup_event *e)
{
    switch (e->mark) {
    case UPDX_MARK_HOST_VERSION:
        if (!a->source_version)
            a->source_version = e->arg;
        break;
    case UPDX_MARK_HOST_BUILD:
        if (!a->source_build)
            a->source_build = e->arg;
        break;
    case UPDX_MARK_HOST_EDITION:
        if (!a->source_edition)
            a->source_edition = e->arg;
        break;
    case UPDX_MARK_TARGET_VERSION:
        if (!a->target_version)
            a->target_version = e->arg;
        break;
    case UPDX_MARK_TARGET_EDITION:
        if (!a->target_edition)
            a->target_edition = e->arg;
        break;
    case UPDX_MARK_TARGET_BUILD:
        if (!a->target_build && e->a <= UINT32_MAX)
            a->target_build = (uint32_t)e->a;
        break;
    case UPDX_MARK_NO_CRASH:
        if (!pk->no_crash_event)
            pk->no_crash_event = e;
        break;
    case UPDX_MARK_ATTEMPT_START:
        enter(a, UPDX_PHASE_DOWNLEVEL, e);
        break;
    case UPDX_MARK_SETUP_PHASE:
        if (e->arg && strcmp(e->arg, "SetupPhaseError") != 0)
            enter(a, UPDX_PHASE_DOWNLEVEL, e);
        break;
    case UPDX_MARK_EXEC_PHASE_START:
        enter(a, exec_phase(e->arg), e);
        break;
    case UPDX_MARK_EXEC_PHASE_EXIT:
        if (e->a != 0) {
            set_result(a, pk, PRIO_WEAK, e->a, e);
        } else if (e->arg && updx_strcasecmp(e->arg, "Post OOBE") == 0) {
            pk->success_exit = true;
            a->success_event = e;
        }
        break;
    case UPDX_MARK_ROLLBACK_BEGIN:
        a->rolled_back = true;
        if (!a->rollback_start)
            a->rollback_start = e;
        enter(a, UPDX_PHASE_UNINSTALL, e);
        break;
    case UPDX_MARK_CURRENT_PHASE:
        /* the first block of the rollback log is where setup wrote it down first */
        if (!pk->has_rollback_phase)
            pk->rollback_phase_event = e;
        pk->has_rollback_phase = true;
        pk->rollback_phase = e->a;
        if (e->a >= 1 && e->a <= 4)
            enter(a, (updx_upgrade_phase)e->a, e);
        break;
    case UPDX_MARK_CURRENT_OP:
        if (!pk->has_rollback_op)
            pk->rollback_op_event = e;
        pk->has_rollback_op = true;
        pk->rollback_op = e->a;
        break;
    case UPDX_MARK_IMAGEEXIT_RESULT:
        set_result(a, pk, PRIO_IMAGEEXIT, e->a, e);
        break;
    case UPDX_MARK_IMAGEEXIT_EXTENDED:
        set_ext(a, pk, PRIO_IMAGEEXIT, e->a, e);
        break;
    case UPDX_MARK_REPORT_EVENT:
    case UPDX_MARK_REPORT_POST_REBOOT:
        if (e->b > 0xFFFFFu) {
            /* "[internal, reported]" pairs (disk full, cancellation): the second is reported */
            set_result(a, pk, PRIO_REPORT, e->b, e);
            add_remap(a, e->a, e->b, false, e);
        } else {
            set_result(a, pk, PRIO_REPORT, e->a, e);
            set_ext(a, pk, PRIO_REPORT, e->b, e);
        }
        if (e->mark == UPDX_MARK_REPORT_POST_REBOOT && e->a != 0)
            pk->post_reboot_failure = true;
        break;
    case UPDX_MARK_SPECIFY_EXTENDED:
        set_result(a, pk, PRIO_TRACE, e->a, e);
        set_ext(a, pk, PRIO_TRACE, e->b, e);
        break;
    case UPDX_MARK_RESULT_360:
        set_result(a, pk, PRIO_TRACE, e->a, e);
        break;
    case UPDX_MARK_EXTENDED_360:
        set_ext(a, pk, PRIO_TRACE, e->a, e);
        break;
    case UPDX_MARK_REMAP_TELEMETRY:
        add_remap(a, e->a, e->b, true, e);
        break;
    case UPDX_MARK_REMAP:
        add_remap(a, e->a, e->b, false, e);
        break;
    case UPDX_MARK_USER_CANCEL:
        a->cancelled = true;
        if (!pk->cancel_event)
            pk->cancel_event = e;
        break;
    case UPDX_MARK_SYSPREP_FAILED:
        set_result(a, pk, PRIO_WEAK, e->a, e);
        break;
    case UPDX_MARK_BLUEBOX_RESULT:
    case UPDX_MARK_SETUPDIAG:
        /* only failures: a zero here says nothing about the upgrade's success */
        if (e->a != 0)
            set_result(a, pk, PRIO_WEAK, e->a, e);
        if (e->a != 0 && e->b)
            set_ext(a, pk, PRIO_WEAK, e->b, e);
        break;
    case UPDX_MARK_CRASH:
        pk->crash_event = e;
        break;
    default:
        break;
    }
}

/* The code as it appears in the logs: "0x80070032" in any case. */
static bool mentions(const updx_setup_event *e, uint32_t code)
{
    char hex[16];
    snprintf(hex, sizeof hex, "0x%08X", code);
    const char *s = e->raw ? e->raw : e->message;
    return s && updx_memcasemem(s, strlen(s), hex, 10) != NULL;
}

static void chain_add(updx_attempt *a, const updx_setup_event *e)
{
    if (!e)
        return;
    for (uint32_t i = 0; i < a->chain_len; i++)
        if (a->chain[i] == e)
            return;
    if (a->chain_len < UPDX_STORY_MAX_CHAIN)
        a->chain[a->chain_len++] = e;
}

static void chain_sort(updx_attempt *a)
{
    for (uint32_t i = 1; i < a->chain_len; i++) {
        const updx_setup_event *x = a->chain[i];
        uint32_t j = i;
        while (j > 0 && a->chain[j - 1]->seq > x->seq) {
            a->chain[j] = a->chain[j - 1];
            j--;
        }
        a->chain[j] = x;
    }
}

/* Follows the final code back to its first appearance and reads what precedes it. */
static void trace_fatal(updx_attempt *a, pick *pk, const updx_setup_event *ev, size_t nev,
                        const size_t *owner)
{
    if (a->has_result && a->result != 0) {
        /* a remapped code (disk full -> 0xC19001DF) first appears as what it was remapped from */
        uint32_t code = a->result;
        for (uint32_t i = 0; i < a->remap_count; i++)
            if (!a->remaps[i].telemetry && a->remaps[i].to == a->result)
                code = a->remaps[i].from;
        uint64_t from_seq = 0;
        /* sysprep is run again and again in one log: search this run only */
        if (a->result_event && a->result_event->mark == UPDX_MARK_SYSPREP_FAILED) {
            for (size_t i = 0; i < nev; i++) {
                const updx_setup_event *e = &ev[i];
                if (owner[i] == a->index && e != a->result_event &&
                    e->mark == UPDX_MARK_SYSPREP_FAILED && e->seq < a->result_event->seq &&
                    e->file_index == a->result_event->file_index)
                    from_seq = e->seq + 1;
            }
        }
        const updx_setup_event *best_err = NULL, *best_any = NULL;
        for (size_t i = 0; i < nev; i++) {
            const updx_setup_event *e = &ev[i];
            if (owner[i] != a->index || e->seq < from_seq || !mentions(e, code))
                continue;
            const updx_setup_event **slot = is_failure_level(e) ? &best_err : &best_any;
            /* earliest in time; ties go to reading order, which puts setupact before
             * setuperr when both were read in that order */
            if (!*slot || (e->time && (*slot)->time && e->time < (*slot)->time))
                *slot = e;
        }
        a->fatal = best_err ? best_err : best_any;
    }
    if (a->fatal) {
        /* what precedes it in the same file: errors, aborts and failed operations close by */
        size_t fi = (size_t)(a->fatal - ev);
        unsigned taken = 0;
        for (size_t k = fi; k-- > 0 && taken < STORY_CONTEXT_EVENTS;) {
            const updx_setup_event *e = &ev[k];
            if (e->file_index != a->fatal->file_index)
                continue;
            if (e->time && a->fatal->time && a->fatal->time - e->time > STORY_CONTEXT_SECONDS)
                break;
            if (is_failure_level(e) || e->mark == UPDX_MARK_ABORT ||
                e->mark == UPDX_MARK_GATHER_FAILED || e->mark == UPDX_MARK_OPERATION_FAILED ||
                e->mark == UPDX_MARK_CRASH) {
                chain_add(a, e);
                taken++;
            }
        }
        chain_add(a, a->fatal);
    }
    chain_add(a, a->rollback_start);
    chain_add(a, pk->rollback_phase_event);
    chain_add(a, pk->rollback_op_event);
    chain_add(a, pk->crash_event);
    chain_add(a, pk->no_crash_event);
    chain_add(a, pk->cancel_event);
    for (uint32_t i = 0; i < a->remap_count; i++)
        chain_add(a, a->remaps[i].event);
    chain_add(a, a->extended_event);
    chain_add(a, a->result_event);
    if (a->outcome == UPDX_OUTCOME_SUCCEEDED)
        chain_add(a, a->success_event);
    chain_sort(a);
}

static bool is_block(uint32_t code)
{
    return (code >= 0xC1900200u && code <= 0xC190020Fu) || code == 0xC1900211u ||
           code == 0xC1900212u;
}

static void finish(updx_attempt *a, pick *pk)
{
    /* the rollback log's Current phase/op give the extended code when nothing else does */
    if (!a->has_extended && pk->has_rollback_phase && pk->has_rollback_op &&
        pk->rollback_phase <= 0xF && pk->rollback_op <= 0xFFFF) {
        a->has_extended = true;
        a->extended = (uint32_t)(pk->rollback_phase << 16 | pk->rollback_op);
        a->extended_event = pk->rollback_phase_event;
        a->extended_from_rollback = true;
    }
    /* a result reported as the telemetry remap is not the error: take what was remapped */
    if (a->has_result && updx_code_is_telemetry_remap(a->result)) {
        for (uint32_t i = 0; i < a->remap_count; i++)
            if (a->remaps[i].telemetry && a->remaps[i].to == a->result)
                a->result = a->remaps[i].from;
    }
    if (a->has_result && (a->result == 0x800704C7u || a->result == 0x800704D3u))
        a->cancelled = true;

    bool failure = a->has_result && a->result != 0;
    if (failure) {
        if (a->cancelled)
            a->outcome = UPDX_OUTCOME_FAILED;
        else if (is_block(a->result) && !a->rolled_back)
            a->outcome = UPDX_OUTCOME_BLOCKED;
        else if (a->rolled_back || pk->post_reboot_failure)
            a->outcome = UPDX_OUTCOME_ROLLED_BACK;
        else
            a->outcome = UPDX_OUTCOME_FAILED;
        if (pk->post_reboot_failure)
            a->rolled_back = true;
    } else if (pk->success_exit || (a->has_result && a->result == 0)) {
        a->outcome = a->rolled_back ? UPDX_OUTCOME_ROLLED_BACK : UPDX_OUTCOME_SUCCEEDED;
        a->succeeded = !a->rolled_back;
    } else if (a->rolled_back) {
        a->outcome = UPDX_OUTCOME_ROLLED_BACK;
    }

    /* phase: the extended code's digit when this attempt did enter that phase (setup also
     * reports 0x5xxxx for down-level failures and odd digits for cancels), else the latest
     * phase it entered */
    a->phase = UPDX_PHASE_NONE;
    bool any_entered = false;
    for (int p = 1; p < UPDX_STORY_PHASES; p++)
        any_entered = any_entered || a->entered[p];
    if (a->outcome == UPDX_OUTCOME_SUCCEEDED)
        return;
    if (a->has_extended) {
        uint32_t p = (a->extended >> 16) & 0xF;
        if (p >= 1 && p <= 5 && (!any_entered || a->entered[p]))
            a->phase = (updx_upgrade_phase)p;
    }
    if (a->phase == UPDX_PHASE_NONE && (failure || a->rolled_back)) {
        for (int p = UPDX_PHASE_OOBE_BOOT; p >= UPDX_PHASE_DOWNLEVEL; p--)
            if (a->entered[p]) {
                a->phase = (updx_upgrade_phase)p;
                break;
            }
        if (a->phase == UPDX_PHASE_NONE && a->entered[UPDX_PHASE_UNINSTALL])
            a->phase = UPDX_PHASE_UNINSTALL;
    }
}

void updx_story_build(updx_case *c)
{
    struct updx_setup_facts *s = updx_setup_facts_get(c);
    if (!s)
        return;
    updx_story *st = updx_arena_alloc(&c->arena, sizeof *st);
    if (!st)
        return;
    updx_avec_init(&st->attempts, sizeof(updx_attempt), STORY_MAX_ATTEMPTS);
    s->story = st;

    const updx_setup_event *ev = s->events.items;
    size_t nev = s->events.len;

    /* attempt starts, without duplicates (one start seen in two copies of a log) */
    const updx_setup_event *starts[STORY_MAX_ATTEMPTS];
    size_t nstarts = 0;
    for (size_t i = 0; i < nev && nstarts < STORY_MAX_ATTEMPTS; i++) {
        if (ev[i].mark != UPDX_MARK_ATTEMPT_START)
            continue;
        bool dup = false;
        for (size_t k = 0; k < nstarts; k++)
            if (starts[k]->time == ev[i].time && ev[i].time)
                dup = true;
        if (!dup)
            starts[nstarts++] = &ev[i];
    }
    /* in time order (insertion sort: few starts) */
    for (size_t i = 1; i < nstarts; i++) {
        const updx_setup_event *x = starts[i];
        size_t j = i;
        while (j > 0 && starts[j - 1]->time > x->time) {
            starts[j] = starts[j - 1];
            j--;
        }
        starts[j] = x;
    }
    size_t nattempts = nstarts ? nstarts : 1;
    pick pk[STORY_MAX_ATTEMPTS];
    memset(pk, 0, sizeof pk);
    for (size_t i = 0; i < nattempts; i++) {
        updx_attempt *a = updx_avec_push(&st->attempts, &c->arena);
        if (!a)
            return;
        a->index = (uint32_t)i;
        a->start = nstarts ? starts[i] : NULL;
        a->phase = UPDX_PHASE_NONE;
    }
    size_t *owner = nev ? updx_arena_alloc(&c->arena, nev * sizeof *owner) : NULL;
    if (nev && !owner)
        return;
    bool any_fact = false;
    for (size_t i = 0; i < nev; i++) {
        owner[i] = attempt_of(&ev[i], starts, nstarts);
        updx_attempt *a = updx_avec_at(&st->attempts, owner[i]);
        if (ev[i].mark != UPDX_MARK_NONE)
            any_fact = true;
        take(a, &pk[owner[i]], &ev[i]);
    }
    const updx_attempt *final = NULL;
    for (size_t i = 0; i < nattempts; i++) {
        updx_attempt *a = updx_avec_at(&st->attempts, i);
        finish(a, &pk[i]);
        trace_fatal(a, &pk[i], ev, nev, owner);
        if (a->has_result || a->outcome != UPDX_OUTCOME_UNKNOWN || !final)
            final = a;
    }
    st->final = any_fact || nev ? final : NULL;
}

/* ---- accessors ---- */

const updx_story *updx_story_get(const updx_case *c)
{
    return c && c->setup ? c->setup->story : NULL;
}

const updx_attempt *updx_story_final(const updx_case *c)
{
    const updx_story *st = updx_story_get(c);
    return st ? st->final : NULL;
}

size_t updx_story_attempt_count(const updx_case *c)
{
    const updx_story *st = updx_story_get(c);
    return st ? st->attempts.len : 0;
}

const updx_attempt *updx_story_attempt(const updx_case *c, size_t i)
{
    const updx_story *st = updx_story_get(c);
    return st && i < st->attempts.len ? updx_avec_at(&st->attempts, i) : NULL;
}

updx_outcome updx_story_outcome(const updx_case *c)
{
    const updx_attempt *a = updx_story_final(c);
    return a ? a->outcome : UPDX_OUTCOME_UNKNOWN;
}

bool updx_story_result(const updx_case *c, uint32_t *result, bool *has_extended, uint32_t *extended)
{
    const updx_attempt *a = updx_story_final(c);
    if (!a || !a->has_result)
        return false;
    *result = a->result;
    *has_extended = a->has_extended;
    *extended = a->extended;
    return true;
}

updx_upgrade_phase updx_story_phase(const updx_case *c)
{
    const updx_attempt *a = updx_story_final(c);
    return a ? a->phase : UPDX_PHASE_NONE;
}

bool updx_story_rolled_back(const updx_case *c)
{
    const updx_attempt *a = updx_story_final(c);
    return a && a->rolled_back;
}

bool updx_story_cancelled(const updx_case *c)
{
    const updx_attempt *a = updx_story_final(c);
    return a && a->cancelled;
}

bool updx_story_is_telemetry_remap(const updx_case *c, uint32_t code)
{
    const updx_attempt *a = updx_story_final(c);
    if (updx_code_is_telemetry_remap(code))
        return true;
    if (!a)
        return false;
    for (uint32_t i = 0; i < a->remap_count; i++)
        if (a->remaps[i].telemetry && a->remaps[i].to == code)
            return true;
    return false;
}

/* ---- JSON ---- */

static json_t *hex_or_null(bool has, uint32_t v, bool ext)
{
    char buf[16];
    if (!has)
        return json_null();
    snprintf(buf, sizeof buf, ext ? "0x%X" : "0x%08X", v);
    return json_string(buf);
}

static json_t *evref_json(const updx_setup_event *e)
{
    if (!e)
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "file", json_string(e->file ? e->file : ""));
    if (e->line)
        json_object_set_new(o, "line", json_integer((json_int_t)e->line));
    else /* a fact from a binary source (an event log record): its byte offset */
        json_object_set_new(o, "offset", json_integer((json_int_t)e->offset));
    const char *text = e->raw ? e->raw : e->message;
    json_t *t = text ? json_string(text) : NULL;
    json_object_set_new(o, "text", t ? t : json_string("(text not valid UTF-8)"));
    if (e->time_text)
        json_object_set_new(o, "time", json_string(e->time_text));
    return o;
}

static json_t *code_json(uint32_t code)
{
    updx_code_info info;
    if (!updx_code_lookup(code, &info))
        return json_null();
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(info.name));
    json_object_set_new(o, "en", json_string(info.en));
    json_object_set_new(o, "zh", json_string(info.zh));
    if (info.fix_en[0])
        json_object_set_new(o, "fix_en", json_string(info.fix_en));
    if (info.fix_zh[0])
        json_object_set_new(o, "fix_zh", json_string(info.fix_zh));
    return o;
}

static json_t *str_or_null(const char *s)
{
    json_t *j = s ? json_string(s) : NULL;
    return j ? j : json_null();
}

static json_t *attempt_json(const updx_attempt *a)
{
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer(a->index));
    json_object_set_new(o, "outcome", json_string(updx_outcome_name(a->outcome)));
    json_object_set_new(o, "result_code", hex_or_null(a->has_result, a->result, false));
    json_object_set_new(o, "extended_code", hex_or_null(a->has_extended, a->extended, true));
    json_object_set_new(o, "phase", str_or_null(updx_upgrade_phase_name(a->phase)));
    json_object_set_new(o, "rolled_back", json_boolean(a->rolled_back));
    json_object_set_new(o, "cancelled", json_boolean(a->cancelled));
    json_t *src = json_object();
    json_object_set_new(src, "version", str_or_null(a->source_version));
    json_object_set_new(src, "build", str_or_null(a->source_build));
    json_object_set_new(src, "edition", str_or_null(a->source_edition));
    json_object_set_new(o, "source", src);
    json_t *tgt = json_object();
    json_object_set_new(tgt, "version", str_or_null(a->target_version));
    json_object_set_new(tgt, "edition", str_or_null(a->target_edition));
    json_object_set_new(tgt, "build_number", a->target_build ? json_integer(a->target_build) : json_null());
    json_object_set_new(o, "target", tgt);
    json_t *phases = json_array();
    for (int p = 1; p < UPDX_STORY_PHASES; p++) {
        if (!a->entered[p])
            continue;
        json_t *ph = json_object();
        json_object_set_new(ph, "phase", json_string(updx_upgrade_phase_name((updx_upgrade_phase)p)));
        const updx_setup_event *e = a->phase_evidence[p];
        json_object_set_new(ph, "time", str_or_null(e ? e->time_text : NULL));
        json_object_set_new(ph, "evidence", evref_json(e));
        json_array_append_new(phases, ph);
    }
    json_object_set_new(o, "phases", phases);
    json_object_set_new(o, "result_from", evref_json(a->result_event));
    json_object_set_new(o, "extended_from", evref_json(a->extended_event));
    json_t *remaps = json_array();
    for (uint32_t i = 0; i < a->remap_count; i++) {
        json_t *r = json_object();
        json_object_set_new(r, "from", hex_or_null(true, a->remaps[i].from, false));
        json_object_set_new(r, "to", hex_or_null(true, a->remaps[i].to, false));
        json_object_set_new(r, "telemetry", json_boolean(a->remaps[i].telemetry));
        json_object_set_new(r, "evidence", evref_json(a->remaps[i].event));
        json_array_append_new(remaps, r);
    }
    json_object_set_new(o, "remaps", remaps);
    json_object_set_new(o, "fatal_error", evref_json(a->fatal));
    json_t *chain = json_array();
    for (uint32_t i = 0; i < a->chain_len; i++)
        json_array_append_new(chain, evref_json(a->chain[i]));
    json_object_set_new(o, "chain", chain);
    return o;
}

json_t *updx_story_to_json(const updx_case *c)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    const updx_story *st = updx_story_get(c);
    const updx_attempt *a = st ? st->final : NULL;
    json_object_set_new(o, "outcome", json_string(updx_outcome_name(a ? a->outcome : UPDX_OUTCOME_UNKNOWN)));
    json_object_set_new(o, "result_code", hex_or_null(a && a->has_result, a ? a->result : 0, false));
    json_object_set_new(o, "extended_code",
                        hex_or_null(a && a->has_extended, a ? a->extended : 0, true));
    json_object_set_new(o, "phase", str_or_null(a ? updx_upgrade_phase_name(a->phase) : NULL));
    json_object_set_new(o, "rolled_back", json_boolean(a && a->rolled_back));
    json_object_set_new(o, "cancelled", json_boolean(a && a->cancelled));
    json_object_set_new(o, "result", a && a->has_result ? code_json(a->result) : json_null());
    json_t *ext = json_null();
    updx_extend_info xi;
    if (a && a->has_extended && updx_extend_decode(a->extended, &xi)) {
        json_decref(ext);
        ext = json_object();
        json_object_set_new(ext, "phase_name", xi.phase_known ? json_string(xi.phase_info.name) : json_null());
        json_object_set_new(ext, "operation_name",
                            xi.operation_known ? json_string(xi.operation_info.name) : json_null());
        json_object_set_new(ext, "operation_en", xi.operation_known ? json_string(xi.operation_info.en) : json_null());
        json_object_set_new(ext, "operation_zh", xi.operation_known ? json_string(xi.operation_info.zh) : json_null());
        json_object_set_new(ext, "from_rollback_log", json_boolean(a->extended_from_rollback));
    }
    json_object_set_new(o, "extended", ext);
    json_t *tele = json_array();
    if (a)
        for (uint32_t i = 0; i < a->remap_count; i++)
            if (a->remaps[i].telemetry)
                json_array_append_new(tele, hex_or_null(true, a->remaps[i].to, false));
    json_object_set_new(o, "telemetry_remaps", tele);
    json_object_set_new(o, "fatal_error", evref_json(a ? a->fatal : NULL));
    json_t *chain = json_array();
    if (a)
        for (uint32_t i = 0; i < a->chain_len; i++)
            json_array_append_new(chain, evref_json(a->chain[i]));
    json_object_set_new(o, "chain", chain);
    json_t *attempts = json_array();
    if (st)
        for (size_t i = 0; i < st->attempts.len; i++)
            json_array_append_new(attempts, attempt_json(updx_avec_at(&st->attempts, i)));
    json_object_set_new(o, "attempts", attempts);
    return o;
}
