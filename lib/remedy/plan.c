/* plan.c: fills a finding's remediation from the plan table (see plan.h). */
#include "remedy/plan.h"

#include <stdbool.h>
#include <string.h>

#include "util/buf.h"
#include "util/embedded.h"

enum { PLAN_MAX_TEXT = 8192 };

typedef struct plan_row {
    const char *plan, *when, *en, *zh;
    size_t plan_len, when_len, en_len, zh_len;
} plan_row;

/* Splits the next data row of the TSV at *pos; false at the end. Comment and header rows
 * are skipped. Fields point into the embedded text (not NUL-terminated). */
static bool next_row(const char *text, size_t size, size_t *pos, plan_row *row)
{
    while (*pos < size) {
        const char *line = text + *pos;
        const char *nl = memchr(line, '\n', size - *pos);
        size_t len = nl ? (size_t)(nl - line) : size - *pos;
        *pos += len + (nl != NULL);
        if (len && line[len - 1] == '\r')
            len--;
        if (len == 0 || line[0] == '#' || (len >= 5 && memcmp(line, "plan\t", 5) == 0))
            continue;
        const char *f[4];
        size_t fl[4];
        size_t n = 0, start = 0;
        for (size_t i = 0; i <= len && n < 4; i++) {
            if (i == len || line[i] == '\t') {
                f[n] = line + start;
                fl[n] = i - start;
                n++;
                start = i + 1;
            }
        }
        if (n < 4)
            continue;
        *row = (plan_row){f[0], f[1], f[2], f[3], fl[0], fl[1], fl[2], fl[3]};
        return true;
    }
    return false;
}

static bool eq(const char *s, size_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

static const char *param(const updx_finding *f, const char *key, size_t key_len)
{
    for (size_t i = 0; i < f->remediation.params.len; i++) {
        const updx_param *p = updx_avec_at(&f->remediation.params, i);
        if (p->key && strlen(p->key) == key_len && memcmp(p->key, key, key_len) == 0)
            return p->value;
    }
    return NULL;
}

typedef struct plan_vars {
    const updx_finding *f;
    const updx_plan_context *ctx;
    const char *service, *driver, *filters;
} plan_vars;

static const char *var(const plan_vars *v, const char *name, size_t len, bool zh)
{
    /* the culprit's own names first; a rule's `driver:`/`service:` parameter when it has none */
    if (eq(name, len, "service"))
        return v->service ? v->service : param(v->f, name, len);
    if (eq(name, len, "driver"))
        return v->driver ? v->driver : param(v->f, name, len);
    if (eq(name, len, "restore"))
        return v->ctx->start_value;
    if (eq(name, len, "fixed_version"))
        return v->ctx->fixed_version;
    if (eq(name, len, "second"))
        return v->ctx->second_service;
    if (eq(name, len, "filters"))
        return v->filters;
    if (eq(name, len, "owner")) {
        if (v->f->culprit.owner)
            return v->f->culprit.owner;
        return zh ? "安装该驱动的软件" : "the software that installed the driver";
    }
    const char *p = param(v->f, name, len);
    if (p)
        return p;
    if (eq(name, len, "app") && v->f->culprit.name)
        return v->f->culprit.name;
    return NULL;
}

/* Expands ${name} placeholders; false when one has no value (the step is then dropped). */
static bool expand(const plan_vars *v, const char *s, size_t len, bool zh, updx_buf *out)
{
    updx_buf_reset(out);
    for (size_t i = 0; i < len;) {
        if (s[i] == '$' && i + 1 < len && s[i + 1] == '{') {
            const char *end = memchr(s + i + 2, '}', len - i - 2);
            if (end) {
                const char *val = var(v, s + i + 2, (size_t)(end - s - i - 2), zh);
                if (!val)
                    return false;
                updx_buf_adds(out, val);
                i = (size_t)(end - s) + 1;
                continue;
            }
        }
        updx_buf_addc(out, s[i++]);
    }
    return true;
}

static bool when_holds(const plan_vars *v, const char *w, size_t len)
{
    const updx_plan_context *ctx = v->ctx;
    if (eq(w, len, "always"))
        return true;
    if (eq(w, len, "restore_known"))
        return ctx->start_value != NULL;
    if (eq(w, len, "restore_unknown"))
        return ctx->start_value == NULL;
    if (eq(w, len, "filter_listed"))
        return ctx->nfilters > 0;
    if (eq(w, len, "no_filter"))
        return ctx->nfilters == 0;
    if (eq(w, len, "fixed_version"))
        return ctx->fixed_version != NULL;
    if (eq(w, len, "owner"))
        return v->f->culprit.owner != NULL;
    if (eq(w, len, "second"))
        return ctx->second_service != NULL;
    if (len > 6 && memcmp(w, "param:", 6) == 0)
        return param(v->f, w + 6, len - 6) != NULL;
    if (len > 8 && memcmp(w, "noparam:", 8) == 0)
        return param(v->f, w + 8, len - 8) == NULL;
    return false;
}

int updx_plan_exists(const char *plan)
{
    const struct updx_embedded_file *tsv = updx_embedded_find("remedies/plans.tsv");
    if (!tsv || !plan)
        return 0;
    size_t pos = 0;
    plan_row row;
    while (next_row((const char *)tsv->data, tsv->size, &pos, &row))
        if (eq(row.plan, row.plan_len, plan))
            return 1;
    return 0;
}

/* The filter lists as one readable phrase: "UpperFilters of class Net ({4d36...})". */
static const char *describe_filters(updx_arena *a, const updx_plan_context *ctx)
{
    if (!ctx->nfilters)
        return NULL;
    updx_buf b;
    updx_buf_init(&b, PLAN_MAX_TEXT);
    for (size_t i = 0; i < ctx->nfilters; i++) {
        const updx_filter_ref *r = &ctx->filters[i];
        updx_buf_printf(&b, "%s%s\\%s", i ? ", " : "", r->class_key ? r->class_key : "?", r->value ? r->value : "?");
    }
    const char *s = updx_arena_strdup(a, b.data ? b.data : "");
    updx_buf_free(&b);
    return s;
}

static bool add_change(updx_arena *a, updx_finding *f, const char *key, const char *value, const char *type,
                       const char *set, const char *restore)
{
    updx_reg_change *r = updx_avec_push(&f->remediation.registry, a);
    if (!r)
        return false;
    r->key = updx_arena_strdup(a, key);
    r->value = updx_arena_strdup(a, value);
    r->type = updx_arena_strdup(a, type);
    r->set = updx_arena_strdup(a, set);
    r->restore = updx_arena_strdup(a, restore);
    return r->key && r->value;
}

int updx_plan_apply(updx_arena *a, updx_finding *f, const updx_plan_context *ctx)
{
    updx_plan_context none = {0};
    if (!ctx)
        ctx = &none;
    const char *plan = f->remediation.plan;
    if (!plan || !updx_plan_exists(plan))
        return UPDX_ERR_FORMAT;
    const struct updx_embedded_file *tsv = updx_embedded_find("remedies/plans.tsv");
    plan_vars v = {.f = f, .ctx = ctx, .service = f->culprit.service, .driver = f->culprit.name,
                   .filters = describe_filters(a, ctx)};
    if (!v.service)
        v.service = param(f, "service", 7);
    if (!v.driver)
        v.driver = v.service;

    updx_buf en, zh;
    updx_buf_init(&en, PLAN_MAX_TEXT);
    updx_buf_init(&zh, PLAN_MAX_TEXT);
    size_t pos = 0;
    plan_row row;
    int rc = UPDX_OK;
    while (next_row((const char *)tsv->data, tsv->size, &pos, &row)) {
        if (!eq(row.plan, row.plan_len, plan) || !when_holds(&v, row.when, row.when_len))
            continue;
        if (!expand(&v, row.en, row.en_len, false, &en) || !expand(&v, row.zh, row.zh_len, true, &zh))
            continue;
        if (!updx_finding_add_step(a, &f->remediation, en.data, zh.data)) {
            rc = UPDX_ERR_NOMEM;
            break;
        }
    }
    updx_buf_free(&en);
    updx_buf_free(&zh);

    if (rc == UPDX_OK && strcmp(plan, "disable-boot-driver") == 0 && v.service) {
        const char *key = updx_arena_printf(a, "HKLM\\SYSTEM\\CurrentControlSet\\Services\\%s", v.service);
        /* filter entries go first: removing them before disabling keeps the machine bootable */
        for (size_t i = 0; i < ctx->nfilters; i++) {
            const updx_filter_ref *r = &ctx->filters[i];
            if (!add_change(a, f, r->class_key, r->value, "REG_MULTI_SZ", r->without, r->current))
                return UPDX_ERR_NOMEM;
        }
        if (!key || !add_change(a, f, key, "Start", "REG_DWORD", "4", ctx->start_value))
            return UPDX_ERR_NOMEM;
        if (ctx->nfilters) {
            updx_i18n *w = updx_avec_push(&f->remediation.warnings, a);
            if (w) {
                w->en = updx_arena_printf(a, "%s is listed as a device-class filter (%s). Never set Start=4 "
                                             "without removing that entry too: Windows would not boot (0x7B).",
                                          v.service, v.filters);
                w->zh = updx_arena_printf(a, "%s 已登记为设备类筛选器（%s）。只改 Start=4 而不移除该项会导致"
                                             "系统无法启动（0x7B）。",
                                          v.service, v.filters);
            }
        }
        if (!ctx->start_value) {
            updx_i18n *w = updx_avec_push(&f->remediation.warnings, a);
            if (w) {
                w->en = "The original Start value is not in the bundle: the scripts back it up before changing it.";
                w->zh = "日志包中没有 Start 的原值：脚本会在修改前先备份。";
            }
        }
    }
    return rc;
}
