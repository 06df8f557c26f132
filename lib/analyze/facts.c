/*
 * facts.c: the fact paths rule conditions may ask about (docs/rule-authoring.md lists them),
 * answered from the case. Values are strings in the case arena; numbers are hex as the logs
 * write them.
 */
#include <stdio.h>
#include <string.h>

#include "analyze/analyze.h"
#include "logs/compat.h"
#include "logs/setupapi.h"
#include "logs/story.h"
#include "rules/blockers.h"
#include "sys/sys_facts.h"

typedef struct answer {
    updx_case *c;
    const char **values;
    size_t max, n;
} answer;

static void add(answer *a, const char *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < a->n && i < a->max; i++)
        if (strcmp(a->values[i], v) == 0)
            return; /* a set of values: the same one twice adds nothing */
    if (a->n < a->max)
        a->values[a->n] = v;
    a->n++;
}

/* hex ("0x%llX"), hex padded to 8 digits, or decimal */
typedef enum { NUM_HEX, NUM_HEX8, NUM_DEC } num_form;

static void addn(answer *a, num_form form, unsigned long long v)
{
    const char *s = form == NUM_HEX    ? updx_arena_printf(&a->c->arena, "0x%llX", v)
                    : form == NUM_HEX8 ? updx_arena_printf(&a->c->arena, "0x%08llX", v)
                                       : updx_arena_printf(&a->c->arena, "%llu", v);
    add(a, s);
}

static void upgrade_fact(answer *a, const char *what)
{
    updx_case *c = a->c;
    const updx_attempt *fin = updx_story_final(c);
    if (strcmp(what, "outcome") == 0)
        add(a, updx_outcome_name(updx_story_outcome(c)));
    else if (strcmp(what, "rolled_back") == 0)
        add(a, updx_story_rolled_back(c) ? "true" : "false");
    else if (strcmp(what, "cancelled") == 0)
        add(a, updx_story_cancelled(c) ? "true" : "false");
    else if (strcmp(what, "result_code") == 0 || strcmp(what, "extended_code") == 0) {
        uint32_t result, ext;
        bool has_ext = false;
        if (updx_story_result(c, &result, &has_ext, &ext)) {
            if (what[0] == 'r')
                addn(a, NUM_HEX8, result);
            else if (has_ext)
                addn(a, NUM_HEX, ext);
        }
    } else if (strcmp(what, "phase") == 0) {
        updx_upgrade_phase ph = updx_story_phase(c);
        if (ph > UPDX_PHASE_UNKNOWN)
            add(a, updx_upgrade_phase_name(ph));
    } else if (strcmp(what, "attempts") == 0) {
        addn(a, NUM_DEC, updx_story_attempt_count(c));
    } else if (fin && strcmp(what, "source_build") == 0) {
        add(a, fin->source_build);
    } else if (fin && strcmp(what, "target_build") == 0) {
        if (fin->target_build)
            addn(a, NUM_DEC, fin->target_build);
    }
}

static void crash_fact(answer *a, const char *what)
{
    for (size_t i = 0; i < a->c->crashes.len; i++) {
        const updx_crash *cr = updx_avec_at(&a->c->crashes, i);
        if (strcmp(what, "bugcheck") == 0 && cr->has_bugcheck)
            addn(a, NUM_HEX, cr->bugcheck);
        else if (strcmp(what, "blamed_module") == 0)
            add(a, cr->blamed_module);
        else if (strcmp(what, "driver_class") == 0)
            add(a, cr->driver_class);
        else if (strcmp(what, "boot_driver_load") == 0)
            add(a, cr->boot_driver_load ? "true" : "false");
    }
}

static void setupapi_fact(answer *a, const char *what)
{
    const struct updx_setupapi_facts *sa = a->c->setupapi;
    if (!sa)
        return;
    size_t cursor = 0;
    const updx_setupapi_section *sec;
    if (strcmp(what, "open_section") == 0) {
        while ((sec = updx_setupapi_next_open(sa, &cursor)))
            add(a, sec->title);
        return;
    }
    while ((sec = updx_setupapi_next_failed(sa, &cursor))) {
        if (strcmp(what, "failed_service") == 0) {
            for (size_t i = 0; i < sec->services.len; i++)
                add(a, (*(updx_setupapi_service *const *)updx_avec_at(&sec->services, i))->name);
        } else if (strcmp(what, "failed_inf") == 0) {
            for (size_t i = 0; i < sec->infs.len; i++)
                add(a, *(const char *const *)updx_avec_at(&sec->infs, i));
        }
    }
}

static void appraiser_fact(answer *a, const char *what)
{
    const struct updx_compat_facts *cf = a->c->compat;
    const char *want = strcmp(what, "gated_block_id") == 0 ? "GatedBlockId"
                       : strcmp(what, "red_reason") == 0    ? "RedReason"
                                                            : NULL;
    if (cf && want) {
        for (size_t i = 0; i < cf->indicators.len; i++) {
            const updx_compat_indicator *ind = updx_avec_at(&cf->indicators, i);
            if (ind->name && strcmp(ind->name, want) == 0)
                add(a, ind->value);
        }
        for (size_t i = 0; i < cf->items.len; i++) {
            const updx_compat_item *it = *(updx_compat_item *const *)updx_avec_at(&cf->items, i);
            add(a, want[0] == 'G' ? it->gated_block_id : it->red_reason);
        }
    }
    /* the registry copy: AppCompatFlags\TargetVersionUpgradeExperienceIndicators\<target> */
    const struct updx_sys_facts *sys = a->c->sys;
    if (sys && want) {
        for (size_t i = 0; i < sys->settings.len; i++) {
            const updx_sys_setting *s = updx_avec_at(&sys->settings, i);
            if (s->name && strcmp(s->name, want) == 0 && s->value && strcmp(s->value, "None") != 0)
                add(a, s->value);
        }
    }
}

/* safeguard.file / vendor / product / fixed: the known blocker (data/known_blockers.tsv)
 * whose published safeguard IDs hold a GatedBlockId this device carries (one value may list
 * several IDs), so that a hold names what to update. */
static void safeguard_fact(answer *a, const char *what)
{
    enum { MAX_IDS = 16 };
    const char *held[MAX_IDS];
    answer ids = {.c = a->c, .values = held, .max = MAX_IDS};
    appraiser_fact(&ids, "gated_block_id");
    for (size_t i = 0; i < ids.n && i < MAX_IDS; i++) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", held[i]);
        for (char *save = NULL, *id = strtok_r(buf, ",; ", &save); id; id = strtok_r(NULL, ",; ", &save)) {
            updx_blocker b;
            if (!updx_blocker_find_safeguard(&a->c->arena, id, &b))
                continue;
            if (strcmp(what, "file") == 0)
                add(a, b.file);
            else if (strcmp(what, "vendor") == 0)
                add(a, b.vendor);
            else if (strcmp(what, "product") == 0)
                add(a, b.product);
            else if (strcmp(what, "fixed") == 0 && b.fixed && strcmp(b.fixed, "-") != 0)
                add(a, b.fixed);
        }
    }
}

int updx_case_fact(void *ud, const char *path, const char **values, size_t max_values)
{
    answer a = {.c = ud, .values = values, .max = max_values};
    const char *dot = strchr(path, '.');
    if (!dot)
        return 0;
    size_t area = (size_t)(dot - path);
    const char *what = dot + 1;
    if (area == 7 && memcmp(path, "upgrade", 7) == 0)
        upgrade_fact(&a, what);
    else if (area == 5 && memcmp(path, "crash", 5) == 0)
        crash_fact(&a, what);
    else if (area == 8 && memcmp(path, "setupapi", 8) == 0)
        setupapi_fact(&a, what);
    else if (area == 9 && memcmp(path, "appraiser", 9) == 0)
        appraiser_fact(&a, what);
    else if (area == 9 && memcmp(path, "safeguard", 9) == 0)
        safeguard_fact(&a, what);
    return (int)(a.n > max_values ? max_values : a.n);
}

/* The registry value or XML indicator a GatedBlockId/RedReason value was read from. */
static bool indicator_source(const updx_case *c, const char *name, const char *value, updx_evref *out)
{
    const struct updx_sys_facts *sys = c->sys;
    for (size_t i = 0; sys && i < sys->settings.len; i++) {
        const updx_sys_setting *st = updx_avec_at(&sys->settings, i);
        if (!st->name || !st->value || strcmp(st->name, name) != 0 || (value && strcmp(st->value, value) != 0))
            continue;
        *out = (updx_evref){.file = st->source.file, .line = st->source.line,
                            .offset = st->source.line ? UPDX_NO_OFFSET : st->source.offset,
                            .text = updx_arena_printf(&((updx_case *)c)->arena, "%s: %s = %s",
                                                      st->source.key ? st->source.key : "", st->name, st->value)};
        return out->file != NULL;
    }
    const struct updx_compat_facts *cf = c->compat;
    for (size_t i = 0; cf && i < cf->indicators.len; i++) {
        const updx_compat_indicator *ind = updx_avec_at(&cf->indicators, i);
        if (ind->name && ind->value && strcmp(ind->name, name) == 0 && (!value || strcmp(ind->value, value) == 0)) {
            *out = (updx_evref){.file = ind->file, .line = ind->line, .offset = UPDX_NO_OFFSET,
                                .text = updx_arena_printf(&((updx_case *)c)->arena, "%s = %s", ind->name, ind->value)};
            return out->file != NULL;
        }
    }
    return false;
}

bool updx_case_fact_source(void *ud, const char *path, const char *value, updx_evref *out)
{
    const updx_case *c = ud;
    if (strcmp(path, "appraiser.gated_block_id") == 0)
        return indicator_source(c, "GatedBlockId", value, out);
    if (strcmp(path, "appraiser.red_reason") == 0)
        return indicator_source(c, "RedReason", value, out);
    /* the line that gave the story its result code (or extended code) */
    if (strcmp(path, "upgrade.result_code") == 0 || strcmp(path, "upgrade.extended_code") == 0) {
        const updx_attempt *fin = updx_story_final((updx_case *)c);
        const updx_setup_event *e = !fin ? NULL : path[8] == 'r' ? fin->result_event : fin->extended_event;
        if (!e || !e->file || !e->line)
            return false;
        *out = (updx_evref){.file = e->file, .line = e->line, .offset = UPDX_NO_OFFSET, .text = e->raw};
        return true;
    }
    /* a known blocker found through a safeguard ID rests on the GatedBlockId value */
    if (strncmp(path, "safeguard.", 10) == 0)
        return indicator_source(c, "GatedBlockId", NULL, out);
    return false;
}
