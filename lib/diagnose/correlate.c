/* correlate.c: the driver diagnosis and the final ranking (see correlate.h). */
#include "diagnose/correlate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dumps/blame.h"
#include "dumps/bugcheck.h"
#include "knowledge/codes.h"
#include "logs/setupapi.h"
#include "logs/story.h"
#include "model/finding.h"
#include "remedy/plan.h"
#include "report/report_json.h"
#include "rules/blockers.h"
#include "sys/sys_facts.h"
#include "util/buf.h"
#include "util/strutil.h"

enum {
    MAX_CANDIDATES = 64,       /* drivers considered in one case */
    MAX_NAME = 128,            /* a driver/service key */
    MAX_FILTER_REFS = 16,      /* class filter lists naming one service */
    TEXT_MAX = 1024,
};

/* Weights of the evidence. A crash that blames the driver is the strongest single source;
 * a crash at boot-time driver load in a first-boot rollback explains the rollback itself;
 * setupapi showing the driver's migration failing corroborates it. The sum is capped so
 * that nothing short of certainty reads as certain. */
#define W_CRASH 0.45
#define W_MORE_CRASH 0.08
#define W_BOOT_LOAD_ROLLBACK 0.17
#define W_SETUPAPI 0.22
#define W_SETUPAPI_OPEN 0.08
#define W_ROLLBACK_CODE 0.08
#define W_CLASS_MATCH 0.05
#define W_KNOWN_BLOCKER 0.08
#define CONFIDENCE_CAP 0.97
#define CORE_MODULE_FACTOR 0.5

typedef struct candidate {
    char key[MAX_NAME];                 /* lowercase, no path, no ".sys" */
    char driver[MAX_NAME + 4];          /* "lwfmgr.sys" */
    const updx_crash *crashes[8];       /* crashes that blame it */
    unsigned ncrashes;
    unsigned crash_origins;             /* bit set of updx_crash_origin */
    bool boot_load;                     /* a blaming crash was in boot-time driver load */
    const char *driver_class;
    const updx_setupapi_service *sa_failed[8];
    unsigned nsa_failed;
    const updx_setupapi_section *sa_open[4];
    unsigned nsa_open;
    double score;
    size_t order;                       /* first seen, for a stable tie-break */
} candidate;

typedef struct cand_list {
    candidate items[MAX_CANDIDATES];
    size_t len;
} cand_list;

static void name_key(const char *name, char *key, size_t size)
{
    const char *base = updx_path_basename(name);
    size_t n = 0;
    for (; base[n] && n + 1 < size; n++)
        key[n] = updx_ascii_lower(base[n]);
    key[n] = '\0';
    if (n > 4 && strcmp(key + n - 4, ".sys") == 0)
        key[n - 4] = '\0';
}

static candidate *cand_get(cand_list *l, const char *name)
{
    char key[MAX_NAME];
    name_key(name, key, sizeof key);
    if (!key[0])
        return NULL;
    for (size_t i = 0; i < l->len; i++)
        if (strcmp(l->items[i].key, key) == 0)
            return &l->items[i];
    if (l->len >= MAX_CANDIDATES)
        return NULL;
    candidate *c = &l->items[l->len];
    memset(c, 0, sizeof *c);
    snprintf(c->key, sizeof c->key, "%s", key);
    snprintf(c->driver, sizeof c->driver, "%s.sys", key);
    c->order = l->len++;
    return c;
}

static bool rollback_after_reboot(const updx_case *c, uint32_t *result, uint32_t *ext, bool *has_ext)
{
    *has_ext = false;
    if (!updx_story_result(c, result, has_ext, ext))
        return false;
    updx_upgrade_phase ph = updx_story_phase(c);
    return updx_story_rolled_back(c) && (ph == UPDX_PHASE_FIRST_BOOT || ph == UPDX_PHASE_SAFE_OS ||
                                         ph == UPDX_PHASE_OOBE_BOOT);
}

/* Setup logs carry local wall-clock times with no zone; dumps and event logs carry UTC. A
 * crash belongs to an attempt when its UTC time lies within the span of that attempt's log
 * lines widened by the largest zone offsets (UTC-12 to UTC+14) and an hour of slack. A crash
 * far from every attempt (an old minidump) is not evidence about this upgrade. */
#define ZONE_SLACK_SECONDS ((14 + 12 + 1) * 3600LL)

static void attempt_span(const updx_attempt *a, int64_t *lo, int64_t *hi)
{
    const updx_setup_event *evs[4 + UPDX_STORY_PHASES] = {a->start, a->rollback_start, a->result_event,
                                                         a->extended_event};
    size_t n = 4;
    for (int p = 0; p < UPDX_STORY_PHASES; p++)
        evs[n++] = a->phase_evidence[p];
    *lo = INT64_MAX;
    *hi = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        if (!evs[i] || !evs[i]->time)
            continue;
        if (evs[i]->time < *lo)
            *lo = evs[i]->time;
        if (evs[i]->time > *hi)
            *hi = evs[i]->time;
    }
}

/* -1: unknown (no times to compare), 0: outside every attempt, 1 + index: in that attempt */
static int crash_attempt(const updx_case *c, const updx_crash *cr)
{
    if (!cr->time)
        return -1;
    size_t n = updx_story_attempt_count(c);
    bool any_time = false;
    int best = 0;
    int64_t best_gap = INT64_MAX;
    for (size_t i = 0; i < n; i++) {
        int64_t lo, hi;
        attempt_span(updx_story_attempt(c, i), &lo, &hi);
        if (lo > hi)
            continue;
        any_time = true;
        /* the nearest attempt wins: attempts a day apart overlap once widened by the zones */
        int64_t gap = cr->time < lo ? lo - cr->time : cr->time > hi ? cr->time - hi : 0;
        if (gap <= ZONE_SLACK_SECONDS && gap < best_gap) {
            best_gap = gap;
            best = 1 + (int)i;
        }
    }
    return any_time ? best : -1;
}

static void gather(const updx_case *c, cand_list *l)
{
    for (size_t i = 0; i < c->crashes.len; i++) {
        const updx_crash *cr = updx_avec_at(&c->crashes, i);
        if (!cr->blamed_module || crash_attempt(c, cr) == 0)
            continue;
        candidate *k = cand_get(l, cr->blamed_module);
        if (!k)
            continue;
        if (k->ncrashes < sizeof k->crashes / sizeof k->crashes[0])
            k->crashes[k->ncrashes++] = cr;
        k->crash_origins |= 1u << cr->origin;
        k->boot_load |= cr->boot_driver_load;
        if (cr->driver_class && !k->driver_class)
            k->driver_class = cr->driver_class;
    }
    const struct updx_setupapi_facts *sa = c->setupapi;
    if (!sa)
        return;
    for (size_t i = 0; i < sa->services.len; i++) {
        const updx_setupapi_service *s = *(updx_setupapi_service *const *)updx_avec_at(&sa->services, i);
        if (!s->section || s->section->status != UPDX_SA_FAILURE)
            continue;
        candidate *k = cand_get(l, s->name);
        if (k && k->nsa_failed < sizeof k->sa_failed / sizeof k->sa_failed[0])
            k->sa_failed[k->nsa_failed++] = s;
    }
    /* a device install left open when setup rolled back names the drivers it was installing;
     * only drivers some other source already suspects are counted (open sections are many) */
    size_t cursor = 0;
    const updx_setupapi_section *sec;
    while ((sec = updx_setupapi_next_open(sa, &cursor))) {
        for (size_t j = 0; j < sec->drivers.len; j++) {
            const char *drv = *(const char *const *)updx_avec_at(&sec->drivers, j);
            char key[MAX_NAME];
            name_key(drv, key, sizeof key);
            for (size_t n = 0; n < l->len; n++)
                if (strcmp(l->items[n].key, key) == 0 && l->items[n].nsa_open < 4)
                    l->items[n].sa_open[l->items[n].nsa_open++] = sec;
        }
    }
}

static void score(const updx_case *c, cand_list *l)
{
    uint32_t result, ext;
    bool has_ext;
    bool after_reboot = rollback_after_reboot(c, &result, &ext, &has_ext);
    for (size_t i = 0; i < l->len; i++) {
        candidate *k = &l->items[i];
        double s = 0;
        if (k->ncrashes) {
            double best = 0;
            for (unsigned j = 0; j < k->ncrashes; j++) {
                double b = k->crashes[j]->blame_confidence > 0 ? k->crashes[j]->blame_confidence : 0.7;
                if (b > best)
                    best = b;
            }
            s += W_CRASH * (0.6 + 0.4 * best);
            unsigned origins = (unsigned)__builtin_popcount(k->crash_origins);
            s += W_MORE_CRASH * (origins > 1 ? origins - 1 : 0);
            /* setup writes the bug-check block into the rollback log when that crash is why it
             * rolled back; a crash at boot-time driver load after the reboot explains it too */
            bool rollback_crash = (k->crash_origins & (1u << UPDX_CRASH_ROLLBACK_LOG)) != 0;
            if ((k->boot_load || rollback_crash) && after_reboot)
                s += W_BOOT_LOAD_ROLLBACK;
        }
        if (k->nsa_failed)
            s += W_SETUPAPI;
        if (k->nsa_open)
            s += W_SETUPAPI_OPEN;
        if ((k->ncrashes || k->nsa_failed) && after_reboot && result == 0xC1900101u)
            s += W_ROLLBACK_CODE;
        if (k->driver_class && strcmp(k->driver_class, "ndis_filter") == 0 && k->nsa_failed)
            s += W_CLASS_MATCH;
        if (updx_blame_is_core(k->driver))
            s *= CORE_MODULE_FACTOR;
        k->score = s;
    }
}

static int cand_cmp(const void *a, const void *b)
{
    const candidate *x = a, *y = b;
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* ---- writing a finding ------------------------------------------------------------------ */

typedef struct fctx {
    updx_case *c;
    updx_finding *f;
    char en[TEXT_MAX], zh[TEXT_MAX];
} fctx;

static void reason(fctx *x)
{
    updx_finding_add_reason(&x->c->arena, x->f, x->en, x->zh);
}

static void evidence(fctx *x, const char *file, uint64_t line, uint64_t offset, const char *text)
{
    updx_evref e = {.file = file, .line = line, .offset = offset, .text = text};
    updx_finding_add_evidence(&x->c->arena, x->f, &e);
}

static const char *class_en(const char *cls)
{
    if (!cls)
        return NULL;
    if (strcmp(cls, "ndis_filter") == 0)
        return "an NDIS lightweight filter (network filter) driver";
    if (strcmp(cls, "fs_minifilter") == 0)
        return "a file-system minifilter driver";
    if (strcmp(cls, "storage") == 0)
        return "a storage driver";
    if (strcmp(cls, "display") == 0)
        return "a display driver";
    if (strcmp(cls, "security") == 0)
        return "a security product's driver";
    return NULL;
}

static const char *class_zh(const char *cls)
{
    if (!cls)
        return NULL;
    if (strcmp(cls, "ndis_filter") == 0)
        return "NDIS 轻量级筛选（网络过滤）驱动";
    if (strcmp(cls, "fs_minifilter") == 0)
        return "文件系统微筛选驱动";
    if (strcmp(cls, "storage") == 0)
        return "存储驱动";
    if (strcmp(cls, "display") == 0)
        return "显卡驱动";
    if (strcmp(cls, "security") == 0)
        return "安全软件驱动";
    return NULL;
}

static const char *crash_origin_en(updx_crash_origin o)
{
    switch (o) {
    case UPDX_CRASH_KERNEL_DUMP: return "kernel crash dump";
    case UPDX_CRASH_MINIDUMP: return "user-mode dump";
    case UPDX_CRASH_ROLLBACK_LOG: return "rollback log";
    case UPDX_CRASH_DEBUGGER_TEXT: return "debugger output";
    case UPDX_CRASH_TOOL_EXPORT: return "crash tool export";
    case UPDX_CRASH_EVENT_LOG: return "event log";
    }
    return "crash record";
}

static const char *crash_origin_zh(updx_crash_origin o)
{
    switch (o) {
    case UPDX_CRASH_KERNEL_DUMP: return "内核转储文件";
    case UPDX_CRASH_MINIDUMP: return "用户态转储文件";
    case UPDX_CRASH_ROLLBACK_LOG: return "回滚日志";
    case UPDX_CRASH_DEBUGGER_TEXT: return "调试器输出";
    case UPDX_CRASH_TOOL_EXPORT: return "蓝屏分析工具导出";
    case UPDX_CRASH_EVENT_LOG: return "事件日志";
    }
    return "崩溃记录";
}

static const char *crash_source_kind(updx_crash_origin o)
{
    switch (o) {
    case UPDX_CRASH_KERNEL_DUMP: return "crash_dump";
    case UPDX_CRASH_MINIDUMP: return "minidump";
    case UPDX_CRASH_ROLLBACK_LOG: return "rollback_log";
    case UPDX_CRASH_DEBUGGER_TEXT: return "debugger_text";
    case UPDX_CRASH_TOOL_EXPORT: return "crash_tool_export";
    case UPDX_CRASH_EVENT_LOG: return "event_log";
    }
    return "crash";
}

/* "ndis!NdisFDeregisterFilterDriver" when a frame of a core module sits right above the
 * driver's frames on the stack (what the driver called when it crashed) */
static const char *called_into(const updx_crash *cr, const char *key, char *buf, size_t size)
{
    for (size_t i = 0; i + 1 < cr->frames.len; i++) {
        const updx_frame *f = updx_avec_at(&cr->frames, i);
        const updx_frame *next = updx_avec_at(&cr->frames, i + 1);
        char k[MAX_NAME];
        name_key(next->module ? next->module : "", k, sizeof k);
        if (strcmp(k, key) == 0 && f->module && f->symbol) {
            snprintf(buf, size, "%s!%s", f->module, f->symbol);
            return buf;
        }
    }
    return NULL;
}

static void story_reason(fctx *x, uint32_t result, bool has_ext, uint32_t ext)
{
    char code[64];
    if (has_ext)
        snprintf(code, sizeof code, "0x%08X-0x%X", result, ext);
    else
        snprintf(code, sizeof code, "0x%08X", result);
    const char *phase = updx_upgrade_phase_name(updx_story_phase(x->c));
    snprintf(x->en, sizeof x->en, "The upgrade rolled back with %s in %s.", code, phase ? phase : "an unknown phase");
    snprintf(x->zh, sizeof x->zh, "升级在 %s 阶段失败并回滚，错误代码 %s。", phase ? phase : "未知", code);
    reason(x);
    const updx_attempt *fin = updx_story_final(x->c);
    if (fin && fin->result_event)
        evidence(x, fin->result_event->file, fin->result_event->line, UPDX_NO_OFFSET, fin->result_event->raw);
    if (fin && fin->rollback_start)
        evidence(x, fin->rollback_start->file, fin->rollback_start->line, UPDX_NO_OFFSET, fin->rollback_start->raw);
}

static void attempts_reason(fctx *x)
{
    size_t n = updx_story_attempt_count(x->c);
    if (n < 2)
        return;
    size_t same = 0;
    const updx_attempt *fin = updx_story_final(x->c);
    if (!fin || !fin->has_result)
        return;
    for (size_t i = 0; i < n; i++) {
        const updx_attempt *a = updx_story_attempt(x->c, i);
        if (a->has_result && a->result == fin->result && a->has_extended == fin->has_extended &&
            (!a->has_extended || a->extended == fin->extended))
            same++;
    }
    if (same >= 2) {
        snprintf(x->en, sizeof x->en, "%zu of %zu attempts failed the same way.", same, n);
        snprintf(x->zh, sizeof x->zh, "%zu 次升级尝试中有 %zu 次以相同方式失败。", n, same);
        reason(x);
    }
}

static void crash_reasons(fctx *x, const candidate *k)
{
    /* one reason per kind of source, citing each crash as evidence */
    for (unsigned o = 0; o <= UPDX_CRASH_EVENT_LOG; o++) {
        if (!(k->crash_origins & (1u << o)))
            continue;
        const updx_crash *first = NULL;
        unsigned count = 0;
        for (unsigned j = 0; j < k->ncrashes; j++) {
            if (k->crashes[j]->origin != o)
                continue;
            if (!first)
                first = k->crashes[j];
            count++;
            const updx_crash *cr = k->crashes[j];
            evidence(x, cr->where.file ? cr->where.file : cr->source, cr->where.line, cr->where.offset,
                     cr->where.text);
            updx_finding_add_source(&x->c->arena, x->f, crash_source_kind(cr->origin));
        }
        char bcname[96] = "";
        if (first->has_bugcheck)
            updx_bugcheck_name(first->bugcheck, bcname, sizeof bcname);
        char via[160];
        const char *callee = called_into(first, k->key, via, sizeof via);
        char extra_en[256] = "", extra_zh[256] = "";
        if (first->boot_driver_load) {
            snprintf(extra_en, sizeof extra_en, " while Windows loaded boot drivers (IopLoadDriver on the stack)");
            snprintf(extra_zh, sizeof extra_zh, "，发生在系统启动加载驱动时（调用栈中有 IopLoadDriver）");
        }
        char via_en[200] = "", via_zh[200] = "";
        if (callee) {
            snprintf(via_en, sizeof via_en, ", in a call to %s", callee);
            snprintf(via_zh, sizeof via_zh, "，出错位置在其调用的 %s 中", callee);
        }
        if (first->has_bugcheck) {
            snprintf(x->en, sizeof x->en, "The %s%s shows bug check 0x%08X %s in %s%s%s.", crash_origin_en(first->origin),
                     count > 1 ? "s" : "", first->bugcheck, bcname, k->driver, via_en, extra_en);
            snprintf(x->zh, sizeof x->zh, "%s显示蓝屏 0x%08X %s，出错驱动为 %s%s%s。", crash_origin_zh(first->origin),
                     first->bugcheck, bcname, k->driver, via_zh, extra_zh);
        } else {
            snprintf(x->en, sizeof x->en, "The %s blames %s%s%s.", crash_origin_en(first->origin), k->driver, via_en,
                     extra_en);
            snprintf(x->zh, sizeof x->zh, "%s指向 %s%s%s。", crash_origin_zh(first->origin), k->driver, via_zh, extra_zh);
        }
        reason(x);
    }
}

static void setupapi_reasons(fctx *x, const candidate *k)
{
    for (unsigned j = 0; j < k->nsa_failed; j++) {
        const updx_setupapi_service *s = k->sa_failed[j];
        const updx_setupapi_section *sec = s->section;
        updx_code_info ci;
        bool named = sec->has_exit_code && updx_code_lookup(sec->exit_code, &ci) && strcmp(ci.name, "-") != 0;
        const char *when = sec->end.text ? sec->end.text : "";
        snprintf(x->en, sizeof x->en, "setupapi: the section that %s the service %s%s%s%s ended with 0x%08X%s%s%s%s%s.",
                 s->op == UPDX_SA_DELETE_SERVICE ? "deleted" : "added", s->name, s->inf ? " (" : "",
                 s->inf ? s->inf : "", s->inf ? ")" : "", sec->exit_code, named ? " " : "", named ? ci.name : "",
                 *when ? " at " : "", when, "");
        snprintf(x->zh, sizeof x->zh, "setupapi 日志：%s服务 %s%s%s%s的安装节以 0x%08X%s%s 结束%s%s。",
                 s->op == UPDX_SA_DELETE_SERVICE ? "删除" : "添加", s->name, s->inf ? "（" : "", s->inf ? s->inf : "",
                 s->inf ? "）" : "", sec->exit_code, named ? " " : "", named ? ci.name : "", *when ? "，时间 " : "",
                 when);
        reason(x);
        const char *file = sec->file ? sec->file->name : s->directive.file;
        evidence(x, s->directive.file, s->directive.line, UPDX_NO_OFFSET, s->directive.text);
        if (s->outcome.line)
            evidence(x, s->outcome.file, s->outcome.line, UPDX_NO_OFFSET, s->outcome.text);
        if (sec->status_line)
            evidence(x, file, sec->status_line, UPDX_NO_OFFSET,
                     sec->exit_text ? updx_arena_printf(&x->c->arena, "<<<  %s", sec->exit_text) : NULL);
        updx_finding_add_source(&x->c->arena, x->f, "setupapi");
    }
    for (unsigned j = 0; j < k->nsa_open; j++) {
        const updx_setupapi_section *sec = k->sa_open[j];
        snprintf(x->en, sizeof x->en, "setupapi: a device install naming %s never finished (\"%s\").", k->driver,
                 sec->title ? sec->title : "?");
        snprintf(x->zh, sizeof x->zh, "setupapi 日志：涉及 %s 的设备安装没有完成（“%s”）。", k->driver,
                 sec->title ? sec->title : "?");
        reason(x);
        if (sec->file)
            evidence(x, sec->file->name, sec->header_line, UPDX_NO_OFFSET, sec->title);
        updx_finding_add_source(&x->c->arena, x->f, "setupapi");
    }
}

/* Device setup classes of storage controllers (Microsoft's system-defined device setup
 * classes SCSIAdapter and HDC). The driver of the controller Windows boots from must never
 * be disabled: with Start=4 the new Windows cannot find its disk (0x7B). */
static const char *const storage_controller_classes[] = {
    "{4d36e97b-e325-11ce-bfc1-08002be10318}", /* SCSIAdapter: SCSI, RAID and SATA controllers */
    "{4d36e96a-e325-11ce-bfc1-08002be10318}", /* HDC: IDE/ATA and AHCI controllers */
};

static bool names_storage_class(const updx_setupapi_section *sec)
{
    for (size_t i = 0; sec && i < sec->lines.len; i++) {
        const updx_setupapi_line *l = updx_avec_at(&sec->lines, i);
        size_t n = l->text ? strlen(l->text) : 0;
        if (!n || !updx_memcasemem(l->text, n, "Class GUID", 10))
            continue;
        for (size_t g = 0; g < sizeof storage_controller_classes / sizeof storage_controller_classes[0]; g++)
            if (updx_memcasemem(l->text, n, storage_controller_classes[g], 38))
                return true;
    }
    return false;
}

/* A setupapi section about this driver installed it for a storage controller. */
static bool setupapi_says_storage_controller(const candidate *k)
{
    for (unsigned j = 0; j < k->nsa_open; j++)
        if (names_storage_class(k->sa_open[j]))
            return true;
    for (unsigned j = 0; j < k->nsa_failed; j++)
        if (names_storage_class(k->sa_failed[j]->section))
            return true;
    return false;
}

/* What the registry says about the service; fills the plan context. */
static void service_reasons(fctx *x, const candidate *k, const updx_sys_service **svc_out, char *start_buf,
                            size_t start_size, updx_filter_ref *refs, size_t *nrefs)
{
    *nrefs = 0;
    *svc_out = NULL;
    if (!x->c->sys)
        return;
    const updx_sys_service *svc = updx_sys_find_service(x->c, k->key);
    if (!svc)
        return;
    *svc_out = svc;
    x->f->culprit.service = svc->name;
    if (svc->has_start) {
        snprintf(start_buf, start_size, "%u", svc->start);
        static const char *const start_en[] = {"boot", "system", "automatic", "manual", "disabled"};
        static const char *const start_zh[] = {"引导启动", "系统启动", "自动", "手动", "禁用"};
        const char *sen = svc->start <= 4 ? start_en[svc->start] : "?";
        const char *szh = svc->start <= 4 ? start_zh[svc->start] : "?";
        snprintf(x->en, sizeof x->en, "The registry has service %s with Start=%u (%s)%s%s%s%s.", svc->name, svc->start,
                 sen, svc->group ? ", group " : "", svc->group ? svc->group : "", svc->image_path ? ", image " : "",
                 svc->image_path ? svc->image_path : "");
        snprintf(x->zh, sizeof x->zh, "注册表中服务 %s 的 Start=%u（%s）%s%s%s%s。", svc->name, svc->start, szh,
                 svc->group ? "，组 " : "", svc->group ? svc->group : "", svc->image_path ? "，映像 " : "",
                 svc->image_path ? svc->image_path : "");
        reason(x);
        char where[512];
        snprintf(where, sizeof where, "%s: Start=%u", svc->source.key ? svc->source.key : svc->name, svc->start);
        evidence(x, svc->source.file, svc->source.line, svc->source.line ? UPDX_NO_OFFSET : svc->source.offset,
                 updx_arena_strdup(&x->c->arena, where));
        updx_finding_add_source(&x->c->arena, x->f, "registry");
    }
    const char *why = NULL;
    const updx_sys_program *prog = updx_sys_program_for_driver(x->c, svc, &why);
    if (prog && prog->display_name) {
        x->f->culprit.owner = prog->publisher
                                  ? updx_arena_printf(&x->c->arena, "%s (%s)", prog->display_name, prog->publisher)
                                  : prog->display_name;
        if (prog->display_version)
            x->f->culprit.version = prog->display_version;
    }
    updx_sys_filter_ref found[MAX_FILTER_REFS];
    size_t n = updx_sys_filter_refs(x->c, svc->name, found, MAX_FILTER_REFS);
    if (n > MAX_FILTER_REFS)
        n = MAX_FILTER_REFS;
    for (size_t i = 0; i < n; i++) {
        const updx_sys_class_filter *cls = found[i].cls;
        const updx_avec *list = found[i].upper ? &cls->upper : &cls->lower;
        updx_buf cur, without;
        updx_buf_init(&cur, 4096);
        updx_buf_init(&without, 4096);
        for (size_t j = 0; j < list->len; j++) {
            const char *e = *(const char *const *)updx_avec_at(list, j);
            char ek[MAX_NAME];
            name_key(e, ek, sizeof ek);
            updx_buf_printf(&cur, "%s%s", cur.len ? "\n" : "", e);
            if (strcmp(ek, k->key) != 0)
                updx_buf_printf(&without, "%s%s", without.len ? "\n" : "", e);
        }
        refs[*nrefs] = (updx_filter_ref){
            .class_key = updx_arena_printf(&x->c->arena, "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Class\\%s",
                                           cls->class_guid ? cls->class_guid : "?"),
            .class_name = cls->class_name,
            .value = found[i].upper ? "UpperFilters" : "LowerFilters",
            .current = updx_arena_strdup(&x->c->arena, cur.data ? cur.data : ""),
            .without = updx_arena_strdup(&x->c->arena, without.data ? without.data : ""),
        };
        (*nrefs)++;
        updx_buf_free(&cur);
        updx_buf_free(&without);
    }
}

/* Not one of Windows' own modules (data/core_modules.tsv). The registry's hints (an oemNN.inf
 * owner, an image outside the Windows folder) are not needed: many third-party drivers live
 * in System32\drivers and the bundle may hold no hive. */
static bool is_third_party(const candidate *k)
{
    return !updx_blame_is_core(k->driver);
}

static void write_finding(updx_case *c, const candidate *k, const candidate *next)
{
    bool crash = k->ncrashes > 0;
    const char *rule = crash ? (k->boot_load ? "boot-driver-crash" : "driver-crash") : "driver-migration-failure";
    updx_finding *f = updx_finding_new(&c->arena, &c->findings, rule);
    if (!f)
        return;
    fctx x = {.c = c, .f = f};
    f->category = UPDX_CAT_DRIVER;
    f->culprit.kind = "driver";
    f->culprit.name = updx_arena_strdup(&c->arena, k->driver);
    f->culprit.service = updx_arena_strdup(&c->arena, k->key);
    f->confidence = k->score > CONFIDENCE_CAP ? CONFIDENCE_CAP : k->score;
    updx_finding_add_source(&c->arena, f, "correlation");

    uint32_t result = 0, ext = 0;
    bool has_ext = false;
    if (rollback_after_reboot(c, &result, &ext, &has_ext))
        story_reason(&x, result, has_ext, ext);
    crash_reasons(&x, k);
    setupapi_reasons(&x, k);

    const updx_sys_service *svc = NULL;
    char start[16] = "";
    updx_filter_ref refs[MAX_FILTER_REFS];
    size_t nrefs = 0;
    service_reasons(&x, k, &svc, start, sizeof start, refs, &nrefs);

    const char *cls = k->driver_class;
    if (!cls && svc && svc->group && updx_strcasecmp(svc->group, "NDIS") == 0)
        cls = "ndis_filter";
    if (!cls && c->sys && updx_sys_ndis_refs(c, k->key, NULL, 0) > 0)
        cls = "ndis_filter";
    if (!cls && svc && svc->group && updx_str_starts_with_ci(svc->group, "FSFilter"))
        cls = "fs_minifilter";
    if (!cls && svc && svc->has_start && svc->start <= UPDX_START_SYSTEM && nrefs > 0)
        cls = "storage"; /* a boot driver that is a device-class filter: the storage stack */
    bool third = is_third_party(k);
    /* the function driver of a storage controller (a storport miniport, or installed for a
     * SCSIAdapter/HDC device), not a filter that can be taken out of the stack */
    bool controller = third && nrefs == 0 &&
                      ((k->driver_class && strcmp(k->driver_class, "storage") == 0) ||
                       setupapi_says_storage_controller(k));
    if (controller)
        cls = "storage";
    if (class_en(cls) || third) {
        snprintf(x.en, sizeof x.en, "%s is %s%s%s.", k->driver, third ? "a third-party driver" : "a Windows driver",
                 class_en(cls) ? ": " : "", class_en(cls) ? class_en(cls) : "");
        snprintf(x.zh, sizeof x.zh, "%s 是%s%s%s。", k->driver, third ? "第三方驱动" : "Windows 自带驱动",
                 class_zh(cls) ? "，属于 " : "", class_zh(cls) ? class_zh(cls) : "");
        reason(&x);
    }
    updx_blocker known;
    bool is_known = updx_blocker_find(&c->arena, k->driver, &known);
    /* "-" in the table means no fixed version is known */
    const char *fixed = is_known && known.fixed && strcmp(known.fixed, "-") != 0 ? known.fixed : NULL;
    /* a known blocker of the storage class (a RAID or SATA controller driver) is one too */
    if (!controller && third && nrefs == 0 && is_known && known.driver_class &&
        strcmp(known.driver_class, "storage") == 0)
        controller = true;
    if (is_known) {
        f->confidence += W_KNOWN_BLOCKER;
        if (f->confidence > CONFIDENCE_CAP)
            f->confidence = CONFIDENCE_CAP;
        snprintf(x.en, sizeof x.en, "%s is a known upgrade blocker (%s%s%s)%s%s.", k->driver,
                 known.vendor ? known.vendor : "", known.product ? " " : "", known.product ? known.product : "",
                 fixed ? "; fixed in: " : "", fixed ? fixed : "");
        snprintf(x.zh, sizeof x.zh, "%s 是已知的升级阻止项（%s%s%s）%s%s。", k->driver, known.vendor ? known.vendor : "",
                 known.product ? " " : "", known.product ? known.product : "", fixed ? "，修复版本：" : "",
                 fixed ? fixed : "");
        reason(&x);
        updx_finding_add_source(&c->arena, f, "known_blockers");
    }
    attempts_reason(&x);

    /* contradicting: crashes that blame another module, and crashes of this driver that
     * happened outside every upgrade attempt (not counted above) */
    for (size_t i = 0; i < c->crashes.len; i++) {
        const updx_crash *cr = updx_avec_at(&c->crashes, i);
        char key[MAX_NAME];
        name_key(cr->blamed_module ? cr->blamed_module : "", key, sizeof key);
        int when = crash_attempt(c, cr);
        if (cr->blamed_module && when == 0) {
            updx_evref *e = updx_avec_push(&f->contradicting, &c->arena);
            if (e) {
                *e = cr->where;
                if (!e->file)
                    e->file = cr->source;
                e->text = updx_arena_printf(&c->arena, "a crash in %s long before or after every upgrade attempt: "
                                                       "not counted as evidence about this upgrade",
                                            cr->blamed_module);
            }
            continue;
        }
        if (when > 0 && strcmp(key, k->key) == 0 && updx_story_attempt_count(c) > 1) {
            snprintf(x.en, sizeof x.en, "The crash in %s (%s) happened during attempt %d.", k->driver, cr->source, when);
            snprintf(x.zh, sizeof x.zh, "%s 的蓝屏（%s）发生在第 %d 次升级尝试期间。", k->driver, cr->source, when);
            reason(&x);
        }
        if (cr->blamed_module && strcmp(key, k->key) != 0 && crash) {
            updx_evref *e = updx_avec_push(&f->contradicting, &c->arena);
            if (e) {
                *e = cr->where;
                if (!e->file)
                    e->file = cr->source;
                e->text = updx_arena_printf(&c->arena, "this crash blames %s instead", cr->blamed_module);
            }
        }
    }

    const char *cen = class_en(cls), *czh = class_zh(cls);
    if (crash && k->boot_load) {
        f->title.en = updx_arena_printf(&c->arena, "%s crashed the new Windows while it loaded boot drivers", k->driver);
        f->title.zh = updx_arena_printf(&c->arena, "%s 在新系统启动加载驱动时导致蓝屏", k->driver);
    } else if (crash) {
        f->title.en = updx_arena_printf(&c->arena, "%s caused a bug check", k->driver);
        f->title.zh = updx_arena_printf(&c->arena, "%s 导致系统蓝屏", k->driver);
    } else {
        f->title.en = updx_arena_printf(&c->arena, "Driver migration of %s failed", k->key);
        f->title.zh = updx_arena_printf(&c->arena, "驱动 %s 迁移失败", k->key);
    }
    f->explanation.en = updx_arena_printf(
        &c->arena, "%s%s%s%s is the most likely reason the upgrade failed%s.", k->driver, cen ? " (" : "",
        cen ? cen : "", cen ? ")" : "",
        crash && k->boot_load ? ": Windows crashed loading it at first boot, so setup rolled back" : "");
    f->explanation.zh = updx_arena_printf(&c->arena, "%s%s%s%s最可能是这次升级失败的原因%s。", k->driver, czh ? "（" : "",
                                          czh ? czh : "", czh ? "）" : "",
                                          crash && k->boot_load ? "：新系统首次启动加载它时蓝屏，安装程序因此回滚" : "");

    /* the plan: disabling a third-party boot/system driver is the seed expert's remedy; a
     * core Windows module is never disabled */
    if (controller) {
        /* never disable it: update it (the plan says why) */
        f->remediation.plan = "update-storage-driver";
        updx_plan_context ctx = {.fixed_version = fixed};
        updx_plan_apply(&c->arena, f, &ctx);
    } else if (third) {
        f->remediation.plan = "disable-boot-driver";
        updx_plan_context ctx = {.start_value = start[0] ? updx_arena_strdup(&c->arena, start) : NULL,
                                 .fixed_version = fixed,
                                 .second_service = next ? updx_arena_strdup(&c->arena, next->key) : NULL,
                                 .filters = refs,
                                 .nfilters = nrefs};
        updx_plan_apply(&c->arena, f, &ctx);
    } else {
        f->remediation.plan = "investigate-bugcheck";
        updx_plan_apply(&c->arena, f, NULL);
    }
}

void updx_correlate_drivers(updx_case *c)
{
    cand_list *l = calloc(1, sizeof *l);
    if (!l)
        return;
    gather(c, l);
    score(c, l);
    qsort(l->items, l->len, sizeof l->items[0], cand_cmp);
    /* the drivers worth a finding: some source beyond an open section supports them */
    size_t kept = 0;
    for (size_t i = 0; i < l->len; i++)
        if (l->items[i].ncrashes || l->items[i].nsa_failed)
            l->items[kept++] = l->items[i];
    for (size_t i = 0; i < kept; i++) {
        const candidate *next = NULL;
        for (size_t j = i + 1; j < kept && !next; j++)
            if (!updx_blame_is_core(l->items[j].driver))
                next = &l->items[j];
        write_finding(c, &l->items[i], next);
    }
    free(l);
}
