/* finding.c: building findings (see finding.h). */
#include "model/finding.h"

#include <string.h>

enum { FINDING_MAX_EVIDENCE = 256, FINDING_MAX_STEPS = 64, FINDING_MAX_REASONS = 64,
       FINDING_MAX_MISC = 64 };

static const char *const category_names[UPDX_CAT_COUNT] = {
    [UPDX_CAT_DRIVER] = "driver",         [UPDX_CAT_APPLICATION] = "application",
    [UPDX_CAT_DEVICE] = "device",         [UPDX_CAT_DISK_SPACE] = "disk_space",
    [UPDX_CAT_MIGRATION] = "migration",   [UPDX_CAT_COMPAT_BLOCK] = "compat_block",
    [UPDX_CAT_MEDIA] = "media",           [UPDX_CAT_SERVICING] = "servicing",
    [UPDX_CAT_HARDWARE] = "hardware",     [UPDX_CAT_CONFIGURATION] = "configuration",
    [UPDX_CAT_UNKNOWN] = "unknown",
};

const char *updx_category_name(updx_category cat)
{
    return (unsigned)cat < UPDX_CAT_COUNT ? category_names[cat] : "unknown";
}

updx_category updx_category_from_name(const char *name)
{
    for (int i = 0; i < UPDX_CAT_COUNT; i++)
        if (name && strcmp(category_names[i], name) == 0)
            return (updx_category)i;
    return UPDX_CAT_COUNT;
}

updx_finding *updx_finding_new(updx_arena *a, updx_avec *list, const char *rule)
{
    updx_finding *f = updx_avec_push(list, a);
    if (!f)
        return NULL;
    f->rule = updx_arena_strdup(a, rule);
    f->category = UPDX_CAT_UNKNOWN;
    updx_avec_init(&f->reasoning, sizeof(updx_i18n), FINDING_MAX_REASONS);
    updx_avec_init(&f->evidence, sizeof(updx_evref), FINDING_MAX_EVIDENCE);
    updx_avec_init(&f->contradicting, sizeof(updx_evref), FINDING_MAX_EVIDENCE);
    updx_avec_init(&f->sources, sizeof(const char *), FINDING_MAX_MISC);
    updx_avec_init(&f->references, sizeof(const char *), FINDING_MAX_MISC);
    updx_avec_init(&f->remediation.steps, sizeof(updx_i18n), FINDING_MAX_STEPS);
    updx_avec_init(&f->remediation.registry, sizeof(updx_reg_change), FINDING_MAX_STEPS);
    updx_avec_init(&f->remediation.warnings, sizeof(updx_i18n), FINDING_MAX_STEPS);
    updx_avec_init(&f->remediation.params, sizeof(updx_param), FINDING_MAX_MISC);
    return f;
}

bool updx_finding_add_evidence(updx_arena *a, updx_finding *f, const updx_evref *ev)
{
    /* the same line cited twice adds nothing */
    for (size_t i = 0; i < f->evidence.len; i++) {
        const updx_evref *e = updx_avec_at(&f->evidence, i);
        bool same_place = ev->line != UPDX_NO_LINE ? e->line == ev->line : e->offset == ev->offset;
        if (e->file && ev->file && strcmp(e->file, ev->file) == 0 && same_place &&
            (ev->line != UPDX_NO_LINE || ev->offset != UPDX_NO_OFFSET || strcmp(e->text ? e->text : "", ev->text ? ev->text : "") == 0))
            return true;
    }
    updx_evref *slot = updx_avec_push(&f->evidence, a);
    if (!slot)
        return false;
    *slot = *ev;
    return true;
}

bool updx_finding_add_reason(updx_arena *a, updx_finding *f, const char *en, const char *zh)
{
    updx_i18n *slot = updx_avec_push(&f->reasoning, a);
    if (!slot)
        return false;
    slot->en = updx_arena_strdup(a, en);
    slot->zh = updx_arena_strdup(a, zh);
    return true;
}

bool updx_finding_add_step(updx_arena *a, updx_remediation *r, const char *en, const char *zh)
{
    updx_i18n *slot = updx_avec_push(&r->steps, a);
    if (!slot)
        return false;
    slot->en = updx_arena_strdup(a, en);
    slot->zh = updx_arena_strdup(a, zh);
    return true;
}

bool updx_finding_add_source(updx_arena *a, updx_finding *f, const char *source)
{
    for (size_t i = 0; i < f->sources.len; i++)
        if (strcmp(*(const char **)updx_avec_at(&f->sources, i), source) == 0)
            return true;
    const char **slot = updx_avec_push(&f->sources, a);
    if (!slot)
        return false;
    *slot = updx_arena_strdup(a, source);
    if (!*slot) {  /* the memory cap: no NULL source left behind for the next comparison */
        f->sources.len--;
        return false;
    }
    return true;
}
