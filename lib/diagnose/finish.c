/* finish.c: merging rule findings into correlated ones, plans, ranking, signatures and the
 * list of missing evidence (see correlate.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diagnose/correlate.h"
#include "logs/setup_facts.h"
#include "logs/story.h"
#include "model/finding.h"
#include "remedy/plan.h"
#include "util/strutil.h"

static void culprit_key(const updx_finding *f, char *key, size_t size)
{
    const char *name = f->culprit.service ? f->culprit.service : f->culprit.name;
    key[0] = '\0';
    if (!name)
        return;
    const char *base = updx_path_basename(name);
    size_t n = 0;
    for (; base[n] && n + 1 < size; n++)
        key[n] = updx_ascii_lower(base[n]);
    key[n] = '\0';
    if (n > 4 && strcmp(key + n - 4, ".sys") == 0)
        key[n - 4] = '\0';
}

static bool from_correlation(const updx_finding *f)
{
    for (size_t i = 0; i < f->sources.len; i++)
        if (strcmp(*(const char *const *)updx_avec_at(&f->sources, i), "correlation") == 0)
            return true;
    return false;
}

/* A rule finding about a culprit the correlator already explains adds its evidence (and a
 * little confidence: one more independent pattern agrees) instead of standing alone. */
static void merge_into(updx_case *c, updx_finding *into, const updx_finding *rule)
{
    for (size_t i = 0; i < rule->evidence.len; i++)
        updx_finding_add_evidence(&c->arena, into, updx_avec_at(&rule->evidence, i));
    char src[160];
    snprintf(src, sizeof src, "rule:%s", rule->rule);
    updx_finding_add_source(&c->arena, into, src);
    for (size_t i = 0; i < rule->references.len; i++) {
        const char **r = updx_avec_push(&into->references, &c->arena);
        if (r)
            *r = *(const char *const *)updx_avec_at(&rule->references, i);
    }
}

/* A finding that only describes the failure (category unknown, no culprit) or only says
 * "investigate further": it supports a specific finding rather than competing with it. */
static bool is_investigation(const updx_finding *f)
{
    if (f->remediation.plan && strncmp(f->remediation.plan, "investigate-", 12) == 0)
        return true;
    return f->category == UPDX_CAT_UNKNOWN && !f->culprit.name;
}

static int finding_cmp(const void *a, const void *b)
{
    const updx_finding *x = a, *y = b;
    if (x->confidence != y->confidence)
        return x->confidence > y->confidence ? -1 : 1;
    int r = strcmp(x->rule ? x->rule : "", y->rule ? y->rule : "");
    if (r)
        return r;
    return strcmp(x->culprit.name ? x->culprit.name : "", y->culprit.name ? y->culprit.name : "");
}

static const char *signature(updx_case *c, const updx_finding *f)
{
    char key[128];
    culprit_key(f, key, sizeof key);
    uint32_t result = 0, ext = 0;
    bool has_ext = false;
    char codes[48] = "";
    if (updx_story_result(c, &result, &has_ext, &ext)) {
        if (has_ext)
            snprintf(codes, sizeof codes, "0x%08X-0x%X", result, ext);
        else
            snprintf(codes, sizeof codes, "0x%08X", result);
    }
    return updx_arena_printf(&c->arena, "%s|%s|%s", f->rule ? f->rule : "", key, codes);
}

void updx_diagnose_finish(updx_case *c)
{
    updx_avec *list = &c->findings;
    /* merge rule findings into correlated findings about the same culprit */
    for (size_t i = 0; i < list->len; i++) {
        updx_finding *rf = updx_avec_at(list, i);
        char k[128];
        culprit_key(rf, k, sizeof k);
        if (from_correlation(rf) || !k[0])
            continue;
        for (size_t j = 0; j < list->len; j++) {
            updx_finding *cf = updx_avec_at(list, j);
            char k2[128];
            culprit_key(cf, k2, sizeof k2);
            if (j == i || !from_correlation(cf) || strcmp(k, k2) != 0)
                continue;
            merge_into(c, cf, rf);
            rf->rule = NULL; /* marks it merged */
            break;
        }
    }
    /* Findings without a culprit that say the same thing (one category: two disk-space rules)
     * stand as one: the strongest keeps the others' evidence. */
    for (size_t i = 0; i < list->len; i++) {
        updx_finding *f = updx_avec_at(list, i);
        if (!f->rule || f->culprit.name || f->category == UPDX_CAT_UNKNOWN)
            continue;
        for (size_t j = 0; j < list->len; j++) {
            updx_finding *g = updx_avec_at(list, j);
            if (j == i || !g->rule || g->culprit.name || g->category != f->category ||
                g->confidence < f->confidence || (g->confidence == f->confidence && j > i))
                continue;
            merge_into(c, g, f);
            f->rule = NULL;
            break;
        }
    }
    /* A finding without a culprit whose plan is only "investigate further" is answered by a
     * finding with a specific plan (a correlated one first): it becomes supporting evidence. */
    updx_finding *top = NULL;
    for (size_t j = 0; j < list->len; j++) {
        updx_finding *cf = updx_avec_at(list, j);
        if (!cf->rule || is_investigation(cf))
            continue;
        bool better = !top || (from_correlation(cf) && !from_correlation(top)) ||
                      (from_correlation(cf) == from_correlation(top) && cf->confidence > top->confidence);
        if (better)
            top = cf;
    }
    for (size_t i = 0; top && i < list->len; i++) {
        updx_finding *rf = updx_avec_at(list, i);
        if (!rf->rule || rf == top || rf->culprit.name || !is_investigation(rf))
            continue;
        merge_into(c, top, rf);
        rf->rule = NULL;
    }
    /* A successful upgrade has no cause to report: pattern hits in its logs (harmless errors,
     * warnings) are counted in a note rather than shown as findings. */
    if (updx_story_outcome(c) == UPDX_OUTCOME_SUCCEEDED) {
        size_t dropped = 0;
        for (size_t i = 0; i < list->len; i++) {
            updx_finding *f = updx_avec_at(list, i);
            if (f->rule && !from_correlation(f)) {
                f->rule = NULL;
                dropped++;
            }
        }
        if (dropped)
            updx_note_add(&c->notes, UPDX_NOTE_INFO, c->bundle_name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "the upgrade succeeded: %zu rule matches in its logs are not reported as causes", dropped);
    }
    size_t kept = 0;
    for (size_t i = 0; i < list->len; i++) {
        updx_finding *f = updx_avec_at(list, i);
        if (!f->rule)
            continue;
        if (kept != i)
            memcpy(updx_avec_at(list, kept), f, sizeof *f);
        kept++;
    }
    list->len = kept;
    /* rule findings get their plan's steps (the correlator filled its own) */
    for (size_t i = 0; i < list->len; i++) {
        updx_finding *f = updx_avec_at(list, i);
        if (f->remediation.plan && f->remediation.steps.len == 0)
            updx_plan_apply(&c->arena, f, NULL);
    }
    if (list->len > 1)
        qsort(list->items, list->len, list->elem, finding_cmp);
    for (size_t i = 0; i < list->len; i++) {
        updx_finding *f = updx_avec_at(list, i);
        f->signature = signature(c, f);
    }
}

static void missing(json_t *a, const char *en, const char *zh)
{
    json_t *o = json_object();
    json_object_set_new(o, "en", json_string(en));
    json_object_set_new(o, "zh", json_string(zh));
    json_array_append_new(a, o);
}

json_t *updx_missing_evidence_json(const updx_case *c)
{
    bool setup_logs = false, setupapi = false, dumps = false, hive = false;
    for (size_t i = 0; i < c->members.len; i++) {
        const updx_member_info *m = updx_avec_at(&c->members, i);
        switch (m->kind) {
        case UPDX_KIND_SETUPACT:
        case UPDX_KIND_SETUPERR:
            setup_logs = true;
            break;
        case UPDX_KIND_SETUPAPI:
            setupapi = true;
            break;
        case UPDX_KIND_KERNEL_DUMP:
        case UPDX_KIND_MINIDUMP:
            dumps = true;
            break;
        case UPDX_KIND_HIVE:
        case UPDX_KIND_REG_EXPORT:
            hive = true;
            break;
        default:
            break;
        }
    }
    bool crash_known = false;
    for (size_t i = 0; i < c->crashes.len; i++)
        crash_known |= ((const updx_crash *)updx_avec_at(&c->crashes, i))->has_bugcheck;
    json_t *a = json_array();
    if (!setup_logs)
        missing(a, "No setup log was found: collect C:\\$WINDOWS.~BT\\Sources\\Panther, C:\\$WINDOWS.~BT\\Sources\\Rollback and C:\\Windows\\Panther.",
                "没有找到安装日志：请收集 C:\\$WINDOWS.~BT\\Sources\\Panther、C:\\$WINDOWS.~BT\\Sources\\Rollback 和 C:\\Windows\\Panther。");
    updx_outcome outcome = updx_story_outcome(c);
    updx_upgrade_phase phase = updx_story_phase(c);
    bool after_reboot = outcome == UPDX_OUTCOME_ROLLED_BACK &&
                        (phase == UPDX_PHASE_FIRST_BOOT || phase == UPDX_PHASE_SAFE_OS || phase == UPDX_PHASE_OOBE_BOOT);
    /* the rollback log said "No crash detected": setup found no bug check, so there is no
     * dump to ask for */
    bool no_crash = false;
    for (size_t i = 0; c->setup && !no_crash && i < c->setup->events.len; i++)
        no_crash = ((const updx_setup_event *)updx_avec_at(&c->setup->events, i))->mark == UPDX_MARK_NO_CRASH;
    if (after_reboot && !dumps && !crash_known && !no_crash)
        missing(a, "No crash dump was collected: collect C:\\Windows\\Minidump, C:\\Windows\\MEMORY.DMP and C:\\$WINDOWS.~BT\\Sources\\Rollback (setupmem.dmp).",
                "没有收集到蓝屏转储：请收集 C:\\Windows\\Minidump、C:\\Windows\\MEMORY.DMP 和 C:\\$WINDOWS.~BT\\Sources\\Rollback（其中的 setupmem.dmp）。");
    if (after_reboot && !setupapi)
        missing(a, "No setupapi log was found: collect C:\\Windows\\INF\\setupapi.*.log and C:\\$WINDOWS.~BT\\Sources\\Rollback\\setupapi.",
                "没有找到 setupapi 日志：请收集 C:\\Windows\\INF\\setupapi.*.log 和 C:\\$WINDOWS.~BT\\Sources\\Rollback\\setupapi。");
    bool driver_finding = false;
    for (size_t i = 0; i < c->findings.len; i++)
        driver_finding |= ((const updx_finding *)updx_avec_at(&c->findings, i))->remediation.registry.len > 0;
    if (driver_finding && !hive)
        missing(a, "The driver's current registry values are not in the bundle: collect the SYSTEM hive or \"reg export HKLM\\SYSTEM\\CurrentControlSet\\Services services.reg\", so the plan can say what to restore.",
                "日志包中没有驱动当前的注册表值：请收集 SYSTEM 配置单元，或运行“reg export HKLM\\SYSTEM\\CurrentControlSet\\Services services.reg”，以便方案给出恢复值。");
    if (setup_logs && outcome == UPDX_OUTCOME_UNKNOWN)
        missing(a, "The setup logs do not say how the upgrade ended: collect the logs of the latest attempt ($WINDOWS.~BT\\Sources\\Panther and Rollback) right after it fails.",
                "安装日志中看不出升级的最终结果：请在升级失败后立即收集最近一次尝试的日志（$WINDOWS.~BT\\Sources\\Panther 和 Rollback）。");
    if (outcome != UPDX_OUTCOME_SUCCEEDED && outcome != UPDX_OUTCOME_UNKNOWN && c->findings.len == 0)
        missing(a, "No known cause matched: send this report with the bundle to the next support tier.",
                "没有匹配到已知原因：请将本报告和日志包提交给上一级支持。");
    return a;
}
