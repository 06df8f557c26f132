/*
 * fleet_view.c: the fleet view. Folds machine rows into groups by root-cause signature
 * (the top finding's rule|culprit|codes) and renders the view as text, CSV, JSON or Markdown.
 *
 * The view is built once as JSON (schema "updx.fleet/1"); every renderer reads only that, so
 * all formats say the same thing. Output is deterministic for the same rows.
 */
#include <stdlib.h>
#include <string.h>

#include "fleet/fleet.h"

/* Group keys of machines without a diagnosis, and of bundles that could not be analysed. */
#define GROUP_NONE "(no finding)"
#define GROUP_ERROR "(not analysed)"

static const char *row_group(const updx_fleet_row *r)
{
    if (!r->status || strcmp(r->status, "error") == 0)
        return GROUP_ERROR;
    return r->signature ? r->signature : GROUP_NONE;
}

/* row order: by group key, then machine name, then bundle key (stable for equal names) */
static int cmp_row(const void *a, const void *b)
{
    const updx_fleet_row *x = *(const updx_fleet_row *const *)a, *y = *(const updx_fleet_row *const *)b;
    int c = strcmp(row_group(x), row_group(y));
    if (c == 0)
        c = strcmp(x->name ? x->name : "", y->name ? y->name : "");
    if (c == 0)
        c = strcmp(x->key ? x->key : "", y->key ? y->key : "");
    return c;
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *machine_json(const updx_fleet_row *r)
{
    json_t *m = json_object();
    json_object_set_new(m, "machine", str_or_null(r->name));
    json_object_set_new(m, "bundle", str_or_null(r->path));
    json_object_set_new(m, "key", str_or_null(r->key));
    json_object_set_new(m, "status", str_or_null(r->status));
    json_object_set_new(m, "error", str_or_null(r->error));
    json_object_set_new(m, "signature", str_or_null(r->signature));
    json_object_set_new(m, "rule", str_or_null(r->rule));
    json_object_set_new(m, "culprit", str_or_null(r->culprit));
    json_object_set_new(m, "codes", str_or_null(r->codes));
    json_object_set_new(m, "confidence", r->signature ? json_real(r->confidence) : json_null());
    json_object_set_new(m, "first_seen", str_or_null(r->first_time));
    json_object_set_new(m, "last_seen", str_or_null(r->last_time));
    json_object_set_new(m, "analysed_at", str_or_null(r->analysed_at));
    return m;
}

static int cmp_group(const void *a, const void *b)
{
    const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
    json_int_t cx = json_integer_value(json_object_get(x, "count"));
    json_int_t cy = json_integer_value(json_object_get(y, "count"));
    if (cx != cy)
        return cx > cy ? -1 : 1;
    return strcmp(json_string_value(json_object_get(x, "signature")),
                  json_string_value(json_object_get(y, "signature")));
}

static void set_min_max(json_t *g, const char *lo, const char *hi)
{
    const char *first = json_string_value(json_object_get(g, "first_seen"));
    const char *last = json_string_value(json_object_get(g, "last_seen"));
    if (lo && (!first || strcmp(lo, first) < 0))
        json_object_set_new(g, "first_seen", json_string(lo));
    if (hi && (!last || strcmp(hi, last) > 0))
        json_object_set_new(g, "last_seen", json_string(hi));
}

json_t *updx_fleet_view(const updx_fleet_rows *rows)
{
    const updx_fleet_row **order = malloc((rows->len ? rows->len : 1) * sizeof *order);
    if (!order)
        return NULL;
    for (size_t i = 0; i < rows->len; i++)
        order[i] = &rows->v[i];
    qsort(order, rows->len, sizeof *order, cmp_row);

    size_t total = rows->len, analysed = 0, failed = 0, diagnosed = 0;
    json_t *groups = json_array(), *machines = json_array();
    json_t *g = NULL;
    const char *gkey = NULL;
    for (size_t i = 0; i < total; i++) {
        const updx_fleet_row *r = order[i];
        const char *key = row_group(r);
        if (strcmp(key, GROUP_ERROR) == 0)
            failed++;
        else
            analysed++;
        if (r->signature && strcmp(key, GROUP_ERROR) != 0)
            diagnosed++;
        if (!gkey || strcmp(gkey, key) != 0) {
            g = json_object();
            gkey = key;
            json_object_set_new(g, "signature", json_string(key));
            json_object_set_new(g, "kind", json_string(strcmp(key, GROUP_ERROR) == 0  ? "error"
                                                       : strcmp(key, GROUP_NONE) == 0 ? "no_finding"
                                                                                      : "finding"));
            json_object_set_new(g, "rule", str_or_null(r->signature ? r->rule : NULL));
            json_object_set_new(g, "culprit", str_or_null(r->signature ? r->culprit : NULL));
            json_object_set_new(g, "codes", str_or_null(r->signature ? r->codes : NULL));
            json_t *title = json_object();
            if (r->signature && strcmp(key, GROUP_ERROR) != 0) {
                json_object_set_new(title, "en", str_or_null(r->title_en));
                json_object_set_new(title, "zh", str_or_null(r->title_zh));
            }
            json_object_set_new(g, "title", title);
            json_object_set_new(g, "count", json_integer(0));
            json_object_set_new(g, "examples", json_array());
            json_object_set_new(g, "first_seen", json_null());
            json_object_set_new(g, "last_seen", json_null());
            json_object_set_new(g, "remediation", json_null());
            json_array_append_new(groups, g);
        }
        json_object_set_new(g, "count", json_integer(json_integer_value(json_object_get(g, "count")) + 1));
        json_t *ex = json_object_get(g, "examples");
        if (json_array_size(ex) < UPDX_FLEET_MAX_EXAMPLES && r->name)
            json_array_append_new(ex, json_string(r->name));
        set_min_max(g, r->first_time, r->last_time);
        if (json_is_null(json_object_get(g, "remediation")) && r->remediation && strcmp(key, GROUP_ERROR) != 0) {
            json_t *rem = json_loads(r->remediation, 0, NULL);
            if (rem)
                json_object_set_new(g, "remediation", rem);
        }
        if (strcmp(key, GROUP_ERROR) == 0 && r->error && !json_object_get(g, "error"))
            json_object_set_new(g, "error", json_string(r->error));
    }

    size_t ng = json_array_size(groups);
    json_t **gs = malloc((ng ? ng : 1) * sizeof *gs);
    json_t *sorted = json_array();
    if (gs) {
        for (size_t i = 0; i < ng; i++) {
            gs[i] = json_array_get(groups, i);
            json_int_t cnt = json_integer_value(json_object_get(gs[i], "count"));
            json_object_set_new(gs[i], "share", json_real(total ? (double)cnt / (double)total : 0.0));
        }
        qsort(gs, ng, sizeof *gs, cmp_group);
        for (size_t i = 0; i < ng; i++)
            json_array_append(sorted, gs[i]);
        free(gs);
    }
    json_decref(groups);

    /* machines follow the groups' order (largest first); rows within a group stay sorted by
     * name: the rows of one group are contiguous in `order` */
    for (size_t gi = 0; gi < json_array_size(sorted); gi++) {
        const char *key = json_string_value(json_object_get(json_array_get(sorted, gi), "signature"));
        for (size_t i = 0; i < total; i++)
            if (strcmp(row_group(order[i]), key) == 0)
                json_array_append_new(machines, machine_json(order[i]));
    }
    free(order);

    json_t *v = json_object();
    json_object_set_new(v, "schema", json_string("updx.fleet/1"));
    json_object_set_new(v, "tool", json_pack("{s:s, s:s}", "name", "updx", "version", updx_version()));
    json_object_set_new(v, "machines_total", json_integer((json_int_t)total));
    json_object_set_new(v, "analysed", json_integer((json_int_t)analysed));
    json_object_set_new(v, "diagnosed", json_integer((json_int_t)diagnosed));
    json_object_set_new(v, "failed", json_integer((json_int_t)failed));
    json_object_set_new(v, "groups", sorted);
    json_object_set_new(v, "machines", machines);
    return v;
}

/* --- rendering ----------------------------------------------------------------------------- */

bool updx_fleet_format_parse(const char *name, updx_fleet_format *out)
{
    static const struct {
        const char *name;
        updx_fleet_format f;
    } names[] = {{"text", UPDX_FLEET_TEXT}, {"csv", UPDX_FLEET_CSV}, {"json", UPDX_FLEET_JSON},
                 {"md", UPDX_FLEET_MD},     {"markdown", UPDX_FLEET_MD}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0) {
            *out = names[i].f;
            return true;
        }
    return false;
}

/* the labels of the text and Markdown views */
typedef struct labels {
    const char *heading, *groups, *machines, *count, *count1, *sep, *examples, *first, *last, *fix,
        *culprit, *codes, *no_finding, *not_analysed, *error, *status, *machine, *cause, *time;
} labels;

static const labels labels_en = {
    "updx fleet",
    "Root causes", "Machines", "machines", "machine", ": ", "Examples", "First seen", "Last seen",
    "What to do", "Culprit", "Codes", "No finding", "Not analysed", "Error", "Status", "Machine", "Cause",
    "Seen"};
static const labels labels_zh = {
    "updx 批量分析",
    "根本原因分组", "各台机器", "台", "台", "：", "示例机器", "最早出现", "最近出现",
    "处理步骤", "问题组件", "错误代码", "未找到原因", "无法分析", "错误", "状态", "机器", "原因", "时间"};

static const char *vstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static const char *pick(const json_t *i18n, updx_lang lang)
{
    const char *en = vstr(i18n, "en"), *zh = vstr(i18n, "zh");
    if (lang == UPDX_LANG_ZH)
        return zh ? zh : en;
    return en ? en : zh;
}

static const char *group_title(const json_t *g, const labels *L, updx_lang lang)
{
    const char *kind = vstr(g, "kind");
    if (kind && strcmp(kind, "error") == 0)
        return L->not_analysed;
    if (kind && strcmp(kind, "no_finding") == 0)
        return L->no_finding;
    const char *t = pick(json_object_get(g, "title"), lang);
    return t ? t : vstr(g, "signature");
}

static void text_group(updx_buf *o, size_t idx, const json_t *g, const labels *L, updx_lang lang, bool md)
{
    json_int_t count = json_integer_value(json_object_get(g, "count"));
    double share = json_real_value(json_object_get(g, "share")) * 100.0;
    if (md)
        updx_buf_printf(o, "### %zu. %s\n\n", idx, group_title(g, L, lang));
    else
        updx_buf_printf(o, "  %zu. %s\n", idx, group_title(g, L, lang));
    const char *ind = md ? "- " : "     ";
    if (lang == UPDX_LANG_ZH)
        updx_buf_printf(o, "%s%lld 台，占全部的 %.1f%%", ind, (long long)count, share);
    else
        updx_buf_printf(o, "%s%lld %s, %.1f%% of the fleet", ind, (long long)count,
                        count == 1 ? L->count1 : L->count, share);
    const char *sig = vstr(g, "signature");
    if (sig && strcmp(vstr(g, "kind"), "finding") == 0)
        updx_buf_printf(o, md ? " (`%s`)\n" : "  [%s]\n", sig);
    else
        updx_buf_addc(o, '\n');
    if (vstr(g, "culprit"))
        updx_buf_printf(o, "%s%s%s%s\n", ind, L->culprit, L->sep, vstr(g, "culprit"));
    if (vstr(g, "codes"))
        updx_buf_printf(o, "%s%s%s%s\n", ind, L->codes, L->sep, vstr(g, "codes"));
    updx_buf_printf(o, "%s%s%s", ind, L->examples, L->sep);
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(g, "examples"), i, v) updx_buf_printf(o, "%s%s", i ? ", " : "",
                                                                              json_string_value(v));
    if ((json_int_t)json_array_size(json_object_get(g, "examples")) < count)
        updx_buf_adds(o, ", ...");
    updx_buf_addc(o, '\n');
    const char *first = vstr(g, "first_seen"), *last = vstr(g, "last_seen");
    if (first)
        updx_buf_printf(o, "%s%s%s%s    %s%s%s\n", ind, L->first, L->sep, first, L->last, L->sep, last ? last : "-");
    if (vstr(g, "error"))
        updx_buf_printf(o, "%s%s%s%s\n", ind, L->error, L->sep, vstr(g, "error"));
    const json_t *steps = json_object_get(json_object_get(g, "remediation"), "steps");
    if (json_array_size(steps)) {
        updx_buf_printf(o, "%s%s%s\n", ind, L->fix, lang == UPDX_LANG_ZH ? "：" : ":");
        json_array_foreach(steps, i, v) updx_buf_printf(o, md ? "  %zu. %s\n" : "       %zu. %s\n", i + 1,
                                                         pick(v, lang) ? pick(v, lang) : "");
    }
    updx_buf_addc(o, '\n');
}

/* a Markdown table cell: pipes escaped, line breaks flattened */
static void md_cell(updx_buf *o, const char *s)
{
    updx_buf_adds(o, " ");
    for (; s && *s; s++) {
        if (*s == '|')
            updx_buf_adds(o, "\\|");
        else if (*s == '\n' || *s == '\r')
            updx_buf_addc(o, ' ');
        else
            updx_buf_addc(o, *s);
    }
    updx_buf_adds(o, " |");
}

static const char *machine_cause(const json_t *m, const labels *L)
{
    const char *status = vstr(m, "status");
    if (status && strcmp(status, "error") == 0)
        return vstr(m, "error") ? vstr(m, "error") : L->not_analysed;
    return vstr(m, "signature") ? vstr(m, "signature") : L->no_finding;
}

static int render_text(const json_t *view, updx_lang lang, bool md, updx_buf *o)
{
    const labels *L = lang == UPDX_LANG_ZH ? &labels_zh : &labels_en;
    updx_buf_printf(o, md ? "# %s\n\n" : "%s\n", L->heading);
    size_t total = (size_t)json_integer_value(json_object_get(view, "machines_total"));
    size_t analysed = (size_t)json_integer_value(json_object_get(view, "analysed"));
    size_t diagnosed = (size_t)json_integer_value(json_object_get(view, "diagnosed"));
    size_t failed = (size_t)json_integer_value(json_object_get(view, "failed"));
    if (lang == UPDX_LANG_ZH)
        updx_buf_printf(o, "共 %zu 台：已分析 %zu 台（%zu 台找到原因），%zu 台无法分析", total, analysed,
                        diagnosed, failed);
    else
        updx_buf_printf(o, "%zu machines: %zu analysed (%zu with a diagnosis), %zu not analysed", total,
                        analysed, diagnosed, failed);
    updx_buf_adds(o, md ? "\n\n" : "\n\n");
    updx_buf_printf(o, md ? "## %s\n\n" : "%s\n\n", L->groups);
    size_t i;
    const json_t *v;
    json_array_foreach(json_object_get(view, "groups"), i, v) text_group(o, i + 1, v, L, lang, md);

    updx_buf_printf(o, md ? "## %s\n\n" : "%s\n", L->machines);
    if (md) {
        updx_buf_printf(o, "| %s | %s | %s | %s |\n|---|---|---|---|\n", L->machine, L->status, L->cause, L->time);
        json_array_foreach(json_object_get(view, "machines"), i, v) {
            updx_buf_adds(o, "|");
            md_cell(o, vstr(v, "machine"));
            md_cell(o, vstr(v, "status"));
            md_cell(o, machine_cause(v, L));
            md_cell(o, vstr(v, "last_seen") ? vstr(v, "last_seen") : "");
            updx_buf_addc(o, '\n');
        }
    } else {
        json_array_foreach(json_object_get(view, "machines"), i, v) {
            updx_buf_printf(o, "  %-24s %-8s %-19s  %s\n", vstr(v, "machine") ? vstr(v, "machine") : "-",
                            vstr(v, "status") ? vstr(v, "status") : "-",
                            vstr(v, "last_seen") ? vstr(v, "last_seen") : "-", machine_cause(v, L));
        }
    }
    return UPDX_OK;
}

int updx_fleet_csv_field(updx_buf *out, const char *s)
{
    if (!s)
        return UPDX_OK;
    /* a leading =, +, - or @ makes spreadsheets evaluate the cell: prefix a quote mark */
    bool formula = s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@';
    bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
    if (!quote)
        return updx_buf_adds(out, s);
    int rc = updx_buf_addc(out, '"');
    if (formula)
        rc |= updx_buf_addc(out, '\'');
    for (; *s; s++) {
        if (*s == '"')
            rc |= updx_buf_addc(out, '"');
        rc |= updx_buf_addc(out, *s);
    }
    rc |= updx_buf_addc(out, '"');
    return rc ? UPDX_ERR_NOMEM : UPDX_OK;
}

static int render_csv(const json_t *view, updx_lang lang, updx_buf *o)
{
    updx_buf_adds(o, "machine,bundle,key,status,error,group,group_count,group_share,signature,rule,"
                     "culprit,codes,confidence,first_seen,last_seen,title,remediation\r\n");
    /* the group of each machine: its rank in the view, its size and its share */
    const json_t *groups = json_object_get(view, "groups");
    size_t i;
    const json_t *m;
    json_array_foreach(json_object_get(view, "machines"), i, m) {
        const char *status = vstr(m, "status");
        const char *key = status && strcmp(status, "error") == 0 ? GROUP_ERROR
                          : vstr(m, "signature")                 ? vstr(m, "signature")
                                                                 : GROUP_NONE;
        const json_t *g = NULL;
        size_t rank = 0;
        for (size_t k = 0; k < json_array_size(groups); k++)
            if (strcmp(vstr(json_array_get(groups, k), "signature"), key) == 0) {
                g = json_array_get(groups, k);
                rank = k + 1;
                break;
            }
        char num[64];
        const char *fields_a[] = {vstr(m, "machine"), vstr(m, "bundle"), vstr(m, "key"), status, vstr(m, "error")};
        for (size_t k = 0; k < 5; k++) {
            updx_fleet_csv_field(o, fields_a[k]);
            updx_buf_addc(o, ',');
        }
        updx_buf_printf(o, "%zu,%lld,%.4f,", rank, g ? (long long)json_integer_value(json_object_get(g, "count")) : 0LL,
                        g ? json_real_value(json_object_get(g, "share")) : 0.0);
        const char *fields_b[] = {vstr(m, "signature"), vstr(m, "rule"), vstr(m, "culprit"), vstr(m, "codes")};
        for (size_t k = 0; k < 4; k++) {
            updx_fleet_csv_field(o, fields_b[k]);
            updx_buf_addc(o, ',');
        }
        if (json_is_real(json_object_get(m, "confidence"))) {
            snprintf(num, sizeof num, "%.2f", json_real_value(json_object_get(m, "confidence")));
            updx_buf_adds(o, num);
        }
        updx_buf_addc(o, ',');
        updx_fleet_csv_field(o, vstr(m, "first_seen"));
        updx_buf_addc(o, ',');
        updx_fleet_csv_field(o, vstr(m, "last_seen"));
        updx_buf_addc(o, ',');
        if (g && vstr(g, "kind") && strcmp(vstr(g, "kind"), "finding") == 0)
            updx_fleet_csv_field(o, pick(json_object_get(g, "title"), lang));
        updx_buf_addc(o, ',');
        /* the steps, numbered, one per line inside the quoted cell */
        updx_buf steps;
        updx_buf_init(&steps, (size_t)1 << 20);  /* a plan is a few KiB */
        const json_t *list = g ? json_object_get(json_object_get(g, "remediation"), "steps") : NULL;
        size_t k;
        const json_t *s;
        json_array_foreach(list, k, s) updx_buf_printf(&steps, "%s%zu. %s", k ? "\n" : "", k + 1,
                                                        pick(s, lang) ? pick(s, lang) : "");
        updx_buf_addc(&steps, '\0');
        updx_fleet_csv_field(o, steps.data);
        updx_buf_free(&steps);
        updx_buf_adds(o, "\r\n");
    }
    return UPDX_OK;
}

int updx_fleet_render(const json_t *view, updx_fleet_format format, updx_lang lang, updx_buf *out)
{
    switch (format) {
    case UPDX_FLEET_JSON: {
        char *s = json_dumps(view, JSON_INDENT(2) | JSON_SORT_KEYS);
        if (!s)
            return UPDX_ERR_NOMEM;
        int rc = updx_buf_adds(out, s);
        updx_buf_addc(out, '\n');
        free(s);
        return rc ? UPDX_ERR_NOMEM : UPDX_OK;
    }
    case UPDX_FLEET_CSV:
        return render_csv(view, lang, out);
    case UPDX_FLEET_MD:
        return render_text(view, lang, true, out);
    case UPDX_FLEET_TEXT:
    default:
        return render_text(view, lang, false, out);
    }
}
