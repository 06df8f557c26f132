/*
 * render.c: text, Markdown and case-summary renderings of the JSON report (see render.h).
 *
 * One walker serves text and Markdown: a small style table says how headings, list items and
 * quoted evidence look in each. Labels come in English and Chinese; the Chinese is written for
 * Chinese-speaking support engineers (the words a support desk uses), not word for word.
 */
#include "report/render.h"

#include <stdlib.h>
#include <string.h>

#include "updx/updx.h"

typedef struct label {
    const char *key, *en, *zh;
} label;

static const label labels[] = {
    {"title", "updx report", "updx 分析报告"},
    {"bundle", "Bundle", "日志包"},
    {"members", "members", "个文件"},
    {"damaged", "damaged", "个损坏"},
    {"upgrade", "Upgrade", "升级结果"},
    {"outcome", "Outcome", "结果"},
    {"error", "Error", "错误代码"},
    {"phase", "Phase", "失败阶段"},
    {"operation", "Operation", "失败操作"},
    {"attempts", "Attempts", "尝试次数"},
    {"usually", "Usually", "常见原因"},
    {"builds", "Builds", "版本"},
    {"chain", "How it failed", "失败过程"},
    {"diagnosis", "Diagnosis", "诊断结论"},
    {"no_findings", "No cause was found in the evidence.", "在现有证据中没有找到失败原因。"},
    {"confidence", "confidence", "可信度"},
    {"why", "Why", "判断依据"},
    {"evidence", "Evidence", "证据"},
    {"against", "Evidence against", "相反的证据"},
    {"culprit", "Culprit", "问题组件"},
    {"owner", "Installed by", "所属软件"},
    {"todo", "What to do", "建议操作"},
    {"registry", "Registry changes", "注册表修改"},
    {"restore", "restore", "恢复为"},
    {"unknown_restore", "unknown: back it up first", "原值未知，请先备份"},
    {"caution", "Caution", "注意"},
    {"references", "References", "参考"},
    {"crashes", "Crashes", "蓝屏 / 崩溃记录"},
    {"blamed", "blamed", "疑似原因"},
    {"missing", "Missing evidence", "缺少的证据"},
    {"damaged_input", "Damaged or unreadable input", "损坏或无法读取的文件"},
    {"limits", "Limits reached", "触及的处理上限"},
    {"not_collected", "Not collected (the collector's own list)", "未能收集的内容（收集工具记录）"},
    {"machine", "Machine", "计算机"},
    {"summary_problem", "Problem description", "问题描述"},
    {"summary_analysis", "Analysis", "分析过程"},
    {"summary_conclusion", "Conclusion", "结论"},
    {"summary_actions", "Recommended actions", "建议操作"},
    {"none", "none", "无"},
    {"succeeded", "succeeded", "升级成功"},
    {"rolled_back", "rolled back", "升级失败并已回滚"},
    {"failed", "failed", "升级失败"},
    {"blocked", "blocked by a compatibility check", "被兼容性检查阻止"},
    {"unknown", "unknown (no conclusive setup log)", "未知（没有可判断结果的安装日志）"},
};

static const char *L(const updx_render_opts *o, const char *key)
{
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
        if (strcmp(labels[i].key, key) == 0)
            return o->lang == UPDX_LANG_ZH ? labels[i].zh : labels[i].en;
    return key;
}

/* ---- JSON access that tolerates missing or mistyped fields ---------------------------- */

static const char *jstr(const json_t *o, const char *key)
{
    const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static const json_t *jarr(const json_t *o, const char *key)
{
    const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    return json_is_array(v) ? v : NULL;
}

static const json_t *jobj(const json_t *o, const char *key)
{
    const json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;
    return json_is_object(v) ? v : NULL;
}

/* {"en": ..., "zh": ...} in the wanted language, falling back to the other one */
static const char *jtext(const json_t *o, const updx_render_opts *opts)
{
    if (json_is_string(o))
        return json_string_value(o);
    const char *zh = jstr(o, "zh"), *en = jstr(o, "en");
    if (opts->lang == UPDX_LANG_ZH)
        return zh ? zh : en;
    return en ? en : zh;
}

/* ---- styles --------------------------------------------------------------------------- */

typedef struct writer {
    updx_buf *out;
    const updx_render_opts *opts;
    bool md;
} writer;

static const char *color(const writer *w, const char *code)
{
    return w->opts->color && !w->md ? code : "";
}
#define C_BOLD "\033[1m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_DIM "\033[2m"
#define C_OFF "\033[0m"

static void heading(writer *w, const char *text)
{
    if (w->md)
        updx_buf_printf(w->out, "\n## %s\n\n", text);
    else
        updx_buf_printf(w->out, "\n%s%s%s\n", color(w, C_BOLD), text, color(w, C_OFF));
}

/* Terminal columns a UTF-8 string takes: CJK and full-width characters take two. */
static size_t display_width(const char *s)
{
    size_t w = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) == 0x80)
            continue;
        /* lead bytes 0xE2-0xEF start U+2000..U+FFFF: CJK, kana, full-width forms */
        w += (*p >= 0xE3 && *p <= 0xEF) ? 2 : 1;
    }
    return w;
}

static void field(writer *w, const char *name, const char *value)
{
    if (!value)
        return;
    if (w->md) {
        updx_buf_printf(w->out, "- **%s**: %s\n", name, value);
        return;
    }
    updx_buf_printf(w->out, "  %s", name);
    for (size_t n = display_width(name); n < 15; n++)
        updx_buf_addc(w->out, ' ');
    updx_buf_printf(w->out, "%s\n", value);
}

/* Markdown code spans must not break on backticks in the quoted text */
static void quote_line(writer *w, const char *indent, const char *where, const char *text)
{
    if (w->md) {
        updx_buf_printf(w->out, "%s- `%s`", indent, where);
        if (text && *text) {
            updx_buf_adds(w->out, ": `");
            for (const char *p = text; *p; p++)
                updx_buf_addc(w->out, *p == '`' ? '\'' : *p);
            updx_buf_addc(w->out, '`');
        }
        updx_buf_addc(w->out, '\n');
    } else {
        updx_buf_printf(w->out, "%s%s%s%s  %s\n", indent, color(w, C_DIM), where, color(w, C_OFF),
                        text ? text : "");
    }
}

static void evidence_where(const json_t *ev, char *buf, size_t size)
{
    const char *file = jstr(ev, "file");
    const json_t *line = json_object_get(ev, "line");
    const json_t *off = json_object_get(ev, "offset");
    if (json_is_integer(line))
        snprintf(buf, size, "%s:%lld", file ? file : "?", (long long)json_integer_value(line));
    else if (json_is_integer(off))
        snprintf(buf, size, "%s@0x%llx", file ? file : "?", (unsigned long long)json_integer_value(off));
    else
        snprintf(buf, size, "%s", file ? file : "?");
}

/* ---- sections ------------------------------------------------------------------------- */

static const char *outcome_label(const writer *w, const char *outcome)
{
    static const char *const known[] = {"succeeded", "rolled_back", "failed", "blocked", "unknown"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (outcome && strcmp(outcome, known[i]) == 0)
            return L(w->opts, known[i]);
    return outcome ? outcome : L(w->opts, "unknown");
}

static void error_code_text(const json_t *up, char *buf, size_t size)
{
    const char *rc = jstr(up, "result_code"), *ext = jstr(up, "extended_code");
    if (rc && ext)
        snprintf(buf, size, "%s-%s", rc, ext);
    else if (rc)
        snprintf(buf, size, "%s", rc);
    else
        buf[0] = '\0';
}

static void render_upgrade(writer *w, const json_t *report)
{
    const json_t *up = jobj(report, "upgrade");
    heading(w, L(w->opts, "upgrade"));
    if (!up) {
        field(w, L(w->opts, "outcome"), L(w->opts, "unknown"));
        return;
    }
    const char *outcome = jstr(up, "outcome");
    const char *col = outcome && strcmp(outcome, "succeeded") == 0 ? C_GREEN : C_RED;
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s%s%s", color(w, col), outcome_label(w, outcome), color(w, C_OFF));
    field(w, L(w->opts, "outcome"), tmp);
    char code[128];
    error_code_text(up, code, sizeof code);
    const json_t *result = jobj(up, "result"), *ext = jobj(up, "extended");
    if (code[0]) {
        const char *meaning = jtext(result, w->opts);
        const char *name = jstr(result, "name");
        if (name && meaning)
            snprintf(tmp, sizeof tmp, "%s %s: %s", code, name, meaning);
        else
            snprintf(tmp, sizeof tmp, "%s", code);
        field(w, L(w->opts, "error"), tmp);
    }
    const char *phase = jstr(up, "phase");
    if (phase) {
        const char *pname = jstr(ext, "phase_name");
        if (pname)
            snprintf(tmp, sizeof tmp, "%s (%s)", phase, pname);
        else
            snprintf(tmp, sizeof tmp, "%s", phase);
        field(w, L(w->opts, "phase"), tmp);
    }
    const char *oname = jstr(ext, "operation_name");
    const char *otext = jstr(ext, w->opts->lang == UPDX_LANG_ZH ? "operation_zh" : "operation_en");
    if (oname) {
        snprintf(tmp, sizeof tmp, "%s%s%s%s", oname, otext ? " (" : "", otext ? otext : "", otext ? ")" : "");
        field(w, L(w->opts, "operation"), tmp);
    }
    const char *fix = jstr(result, w->opts->lang == UPDX_LANG_ZH ? "fix_zh" : "fix_en");
    if (fix)
        field(w, L(w->opts, "usually"), fix);
    const json_t *attempts = jarr(up, "attempts");
    if (attempts && json_array_size(attempts)) {
        snprintf(tmp, sizeof tmp, "%zu", json_array_size(attempts));
        field(w, L(w->opts, "attempts"), tmp);
    }
    const json_t *chain = jarr(up, "chain");
    if (chain && json_array_size(chain)) {
        updx_buf_printf(w->out, w->md ? "\n**%s**\n\n" : "  %s:\n", L(w->opts, "chain"));
        size_t i;
        const json_t *ev;
        json_array_foreach(chain, i, ev) {
            char where[600];
            evidence_where(ev, where, sizeof where);
            quote_line(w, w->md ? "" : "    ", where, jstr(ev, "text"));
        }
    }
}

static void render_remediation(writer *w, const json_t *rem, const char *indent)
{
    const json_t *steps = jarr(rem, "steps");
    size_t i;
    const json_t *s;
    if (steps && json_array_size(steps)) {
        updx_buf_printf(w->out, w->md ? "\n**%s**\n\n" : "%s%s:\n", w->md ? L(w->opts, "todo") : indent,
                        L(w->opts, "todo"));
        json_array_foreach(steps, i, s) {
            const char *t = jtext(s, w->opts);
            if (w->md)
                updx_buf_printf(w->out, "%zu. %s\n", i + 1, t ? t : "");
            else
                updx_buf_printf(w->out, "%s  %zu. %s\n", indent, i + 1, t ? t : "");
        }
    }
    const json_t *reg = jarr(rem, "registry");
    if (reg && json_array_size(reg)) {
        updx_buf_printf(w->out, w->md ? "\n**%s**\n\n" : "%s%s:\n", w->md ? L(w->opts, "registry") : indent,
                        L(w->opts, "registry"));
        json_array_foreach(reg, i, s) {
            const char *set = jstr(s, "set"), *restore = jstr(s, "restore");
            char line[1024];
            snprintf(line, sizeof line, "%s\\%s = %s (%s; %s %s)", jstr(s, "key") ? jstr(s, "key") : "?",
                     jstr(s, "value") ? jstr(s, "value") : "", set ? set : "(delete)",
                     jstr(s, "type") ? jstr(s, "type") : "", L(w->opts, "restore"),
                     restore ? restore : L(w->opts, "unknown_restore"));
            /* multi-string data is '\n'-separated in the JSON: show it as a list */
            for (char *p = line; *p; p++)
                if (*p == '\n')
                    *p = ',';
            if (w->md)
                updx_buf_printf(w->out, "- `%s`\n", line);
            else
                updx_buf_printf(w->out, "%s  %s\n", indent, line);
        }
    }
    const json_t *warn = jarr(rem, "warnings");
    json_array_foreach(warn, i, s) {
        const char *t = jtext(s, w->opts);
        if (w->md)
            updx_buf_printf(w->out, "\n> **%s**: %s\n", L(w->opts, "caution"), t ? t : "");
        else
            updx_buf_printf(w->out, "%s%s%s: %s%s\n", indent, color(w, C_YELLOW), L(w->opts, "caution"),
                            t ? t : "", color(w, C_OFF));
    }
}

static void render_finding(writer *w, size_t index, const json_t *f)
{
    const json_t *conf = json_object_get(f, "confidence");
    int pct = json_is_number(conf) ? (int)(json_number_value(conf) * 100 + 0.5) : 0;
    const char *title = jtext(json_object_get(f, "title"), w->opts);
    const json_t *culprit = jobj(f, "culprit");
    const char *cname = jstr(culprit, "name");
    if (w->md)
        updx_buf_printf(w->out, "\n### %zu. %s\n\n- **%s**: %d%% · `%s`\n", index + 1, title ? title : "?",
                        L(w->opts, "confidence"), pct, jstr(f, "rule") ? jstr(f, "rule") : "?");
    else
        updx_buf_printf(w->out, "\n  %s%zu. %s%s  [%s %d%%, %s]\n", color(w, C_BOLD), index + 1,
                        title ? title : "?", color(w, C_OFF), L(w->opts, "confidence"), pct,
                        jstr(f, "rule") ? jstr(f, "rule") : "?");
    const char *indent = w->md ? "" : "     ";
    if (cname) {
        char tmp[512];
        const char *svc = jstr(culprit, "service");
        if (svc && strcmp(svc, cname) != 0)
            snprintf(tmp, sizeof tmp, w->opts->lang == UPDX_LANG_ZH ? "%s（服务 %s）" : "%s (service %s)", cname, svc);
        else
            snprintf(tmp, sizeof tmp, "%s", cname);
        if (w->md)
            updx_buf_printf(w->out, "- **%s**: `%s`\n", L(w->opts, "culprit"), tmp);
        else
            updx_buf_printf(w->out, "%s%s: %s\n", indent, L(w->opts, "culprit"), tmp);
        const char *owner = jstr(culprit, "owner");
        if (owner) {
            if (w->md)
                updx_buf_printf(w->out, "- **%s**: %s\n", L(w->opts, "owner"), owner);
            else
                updx_buf_printf(w->out, "%s%s: %s\n", indent, L(w->opts, "owner"), owner);
        }
    }
    const char *expl = jtext(json_object_get(f, "explanation"), w->opts);
    if (expl)
        updx_buf_printf(w->out, w->md ? "\n%s\n" : "%s%s\n", w->md ? expl : indent, expl);
    const json_t *reasons = jarr(f, "reasoning");
    size_t i;
    const json_t *r;
    if (reasons && json_array_size(reasons)) {
        updx_buf_printf(w->out, w->md ? "\n**%s**\n\n" : "%s%s:\n", w->md ? L(w->opts, "why") : indent,
                        L(w->opts, "why"));
        json_array_foreach(reasons, i, r) {
            const char *t = jtext(r, w->opts);
            updx_buf_printf(w->out, "%s- %s\n", w->md ? "" : "       ", t ? t : "");
        }
    }
    static const char *const lists[][2] = {{"evidence", "evidence"}, {"contradicting", "against"}};
    for (size_t k = 0; k < 2; k++) {
        const json_t *ev = jarr(f, lists[k][0]);
        if (!ev || !json_array_size(ev))
            continue;
        updx_buf_printf(w->out, w->md ? "\n**%s**\n\n" : "%s%s:\n", w->md ? L(w->opts, lists[k][1]) : indent,
                        L(w->opts, lists[k][1]));
        json_array_foreach(ev, i, r) {
            char where[600];
            evidence_where(r, where, sizeof where);
            quote_line(w, w->md ? "" : "       ", where, jstr(r, "text"));
        }
    }
    render_remediation(w, jobj(f, "remediation"), indent);
}

static void render_findings(writer *w, const json_t *report)
{
    heading(w, L(w->opts, "diagnosis"));
    const json_t *findings = jarr(report, "findings");
    if (!findings || !json_array_size(findings)) {
        updx_buf_printf(w->out, "%s%s\n", w->md ? "" : "  ", L(w->opts, "no_findings"));
        return;
    }
    size_t i;
    const json_t *f;
    json_array_foreach(findings, i, f) render_finding(w, i, f);
}

static void render_crashes(writer *w, const json_t *report)
{
    const json_t *crashes = jarr(report, "crashes");
    if (!crashes || !json_array_size(crashes))
        return;
    heading(w, L(w->opts, "crashes"));
    size_t i;
    const json_t *c;
    json_array_foreach(crashes, i, c) {
        const char *bc = jstr(c, "bugcheck"), *name = jstr(c, "name"), *mod = jstr(c, "blamed_module");
        char line[1024];
        snprintf(line, sizeof line, "%s %s%s%s%s%s", bc ? bc : "-", name ? name : "",
                 mod ? ", " : "", mod ? L(w->opts, "blamed") : "", mod ? " " : "", mod ? mod : "");
        quote_line(w, w->md ? "" : "  ", jstr(c, "source") ? jstr(c, "source") : "?", line);
    }
}

static void render_list_i18n(writer *w, const json_t *report, const char *key, const char *label_key)
{
    const json_t *list = jarr(report, key);
    if (!list || !json_array_size(list))
        return;
    heading(w, L(w->opts, label_key));
    size_t i;
    const json_t *m;
    json_array_foreach(list, i, m) {
        const char *t = jtext(m, w->opts);
        updx_buf_printf(w->out, "%s- %s\n", w->md ? "" : "  ", t ? t : "");
    }
}

static void render_damage(writer *w, const json_t *report)
{
    const json_t *bundle = jobj(report, "bundle");
    const json_t *damaged = jarr(bundle, "damaged");
    const json_t *limits = jarr(bundle, "limits");
    size_t i;
    const json_t *d;
    if (damaged && json_array_size(damaged)) {
        heading(w, L(w->opts, "damaged_input"));
        json_array_foreach(damaged, i, d) quote_line(w, w->md ? "" : "  ", jstr(d, "name") ? jstr(d, "name") : "?",
                                                    jstr(d, "error"));
    }
    const json_t *not_collected = jarr(jobj(bundle, "manifest"), "errors");
    if (not_collected && json_array_size(not_collected)) {
        heading(w, L(w->opts, "not_collected"));
        json_array_foreach(not_collected, i, d) {
            const char *t = json_is_string(d) ? json_string_value(d) : jstr(d, "error");
            const char *path = jstr(d, "path");
            if (path)
                quote_line(w, w->md ? "" : "  ", path, t);
            else
                updx_buf_printf(w->out, "%s- %s\n", w->md ? "" : "  ", t ? t : "");
        }
    }
    if (limits && json_array_size(limits)) {
        heading(w, L(w->opts, "limits"));
        json_array_foreach(limits, i, d) quote_line(w, w->md ? "" : "  ", jstr(d, "name") ? jstr(d, "name") : "?",
                                                   jstr(d, "error") ? jstr(d, "error") : jstr(d, "message"));
    }
}

static void render_header(writer *w, const json_t *report)
{
    const json_t *bundle = jobj(report, "bundle");
    const json_t *members = jarr(bundle, "members");
    const json_t *damaged = jarr(bundle, "damaged");
    const json_t *tool = jobj(report, "tool");
    const char *name = jstr(bundle, "name");
    if (w->md)
        updx_buf_printf(w->out, "# %s: %s\n\n", L(w->opts, "title"), name ? name : "?");
    else
        updx_buf_printf(w->out, "%s%s%s %s: %s\n", color(w, C_BOLD), L(w->opts, "title"), color(w, C_OFF),
                        jstr(tool, "version") ? jstr(tool, "version") : "", name ? name : "?");
    /* the summary counts the members: the report may be built without listing them */
    const json_t *count = json_object_get(jobj(bundle, "summary"), "members");
    size_t n_members = json_is_integer(count) ? (size_t)json_integer_value(count)
                                              : members ? json_array_size(members) : 0;
    updx_buf_printf(w->out, "%s%s: %zu %s, %zu %s\n", w->md ? "" : "  ", L(w->opts, "bundle"),
                    n_members, L(w->opts, "members"),
                    damaged ? json_array_size(damaged) : 0, L(w->opts, "damaged"));
    const json_t *machine = jobj(report, "machine");
    /* the registry's names, or the collector's */
    const char *computer = jstr(machine, "computer") ? jstr(machine, "computer") : jstr(machine, "ComputerName");
    const char *product = jstr(machine, "product") ? jstr(machine, "product") : jstr(machine, "ProductName");
    if (computer || product)
        updx_buf_printf(w->out, "%s%s: %s%s%s\n", w->md ? "\n" : "  ", L(w->opts, "machine"),
                        computer ? computer : "", computer && product ? ", " : "", product ? product : "");
}

static void render_report(writer *w, const json_t *report)
{
    render_header(w, report);
    render_upgrade(w, report);
    render_findings(w, report);
    render_crashes(w, report);
    render_list_i18n(w, report, "missing_evidence", "missing");
    render_damage(w, report);
}

/* ---- case summary --------------------------------------------------------------------- */

static void render_summary(writer *w, const json_t *report)
{
    const updx_render_opts *o = w->opts;
    const bool zh = o->lang == UPDX_LANG_ZH;
    const json_t *up = jobj(report, "upgrade");
    const json_t *findings = jarr(report, "findings");
    const json_t *top = findings && json_array_size(findings) ? json_array_get(findings, 0) : NULL;
    char code[128];
    error_code_text(up, code, sizeof code);
    const char *phase = jstr(up, "phase");
    const json_t *attempts = jarr(up, "attempts");
    size_t nattempts = attempts ? json_array_size(attempts) : 0;
    const char *sep = zh ? "：" : ": ";

    updx_buf_printf(w->out, "%s%s", L(o, "summary_problem"), sep);
    updx_buf_printf(w->out, zh ? "Windows 功能更新%s" : "The Windows feature update %s",
                    outcome_label(w, jstr(up, "outcome")));
    if (code[0])
        updx_buf_printf(w->out, zh ? "，错误代码 %s" : ", error %s", code);
    if (phase)
        updx_buf_printf(w->out, zh ? "，失败阶段 %s" : ", in phase %s", phase);
    if (nattempts > 1)
        updx_buf_printf(w->out, zh ? "，共尝试 %zu 次均失败" : ", %zu attempts", nattempts);
    updx_buf_adds(w->out, zh ? "。\n\n" : ".\n\n");

    updx_buf_printf(w->out, "%s%s\n", L(o, "summary_analysis"), sep);
    size_t n = 0;
    if (top) {
        const json_t *reasons = jarr(top, "reasoning");
        size_t i;
        const json_t *r;
        json_array_foreach(reasons, i, r) {
            const char *t = jtext(r, o);
            updx_buf_printf(w->out, "%zu. %s\n", ++n, t ? t : "");
        }
        const json_t *ev = jarr(top, "evidence");
        if (ev && json_array_size(ev)) {
            updx_buf_printf(w->out, "%zu. %s%s\n", ++n, L(o, "evidence"), sep);
            json_array_foreach(ev, i, r) {
                char where[600];
                evidence_where(r, where, sizeof where);
                updx_buf_printf(w->out, "   %s  %s\n", where, jstr(r, "text") ? jstr(r, "text") : "");
            }
        }
    }
    if (n == 0)
        updx_buf_printf(w->out, "%s\n", L(o, "no_findings"));
    updx_buf_adds(w->out, "\n");

    updx_buf_printf(w->out, "%s%s", L(o, "summary_conclusion"), sep);
    if (top) {
        const char *title = jtext(json_object_get(top, "title"), o);
        const char *expl = jtext(json_object_get(top, "explanation"), o);
        updx_buf_printf(w->out, "%s", title ? title : "");
        if (expl)
            updx_buf_printf(w->out, zh ? "。%s" : ". %s", expl);
        size_t more = json_array_size(findings) - 1;
        for (size_t i = 1; i <= more && i < 3; i++) {
            const char *t = jtext(json_object_get(json_array_get(findings, i), "title"), o);
            updx_buf_printf(w->out, zh ? "\n另一可能原因：%s" : "\nAlso possible: %s", t ? t : "");
        }
        updx_buf_adds(w->out, "\n\n");
    } else {
        updx_buf_printf(w->out, "%s\n\n", L(o, "no_findings"));
    }

    updx_buf_printf(w->out, "%s%s\n", L(o, "summary_actions"), sep);
    const json_t *rem = jobj(top, "remediation");
    const json_t *steps = jarr(rem, "steps");
    size_t i;
    const json_t *s;
    json_array_foreach(steps, i, s) {
        const char *t = jtext(s, o);
        updx_buf_printf(w->out, "%zu. %s\n", i + 1, t ? t : "");
    }
    const json_t *missing = jarr(report, "missing_evidence");
    if ((!steps || !json_array_size(steps)) && missing) {
        json_array_foreach(missing, i, s) {
            const char *t = jtext(s, o);
            updx_buf_printf(w->out, "%zu. %s\n", i + 1, t ? t : "");
        }
    }
}

int updx_render(const json_t *report, updx_format format, const updx_render_opts *opts, updx_buf *out)
{
    updx_render_opts defaults = {0};
    if (!opts)
        opts = &defaults;
    if (!json_is_object(report))
        return UPDX_ERR_ARG;
    if (format == UPDX_FORMAT_JSON) {
        char *s = json_dumps(report, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!s)
            return UPDX_ERR_NOMEM;
        int rc = updx_buf_adds(out, s);
        if (rc == UPDX_OK)
            rc = updx_buf_addc(out, '\n');
        free(s);
        return rc;
    }
    writer w = {.out = out, .opts = opts, .md = format == UPDX_FORMAT_MD};
    if (format == UPDX_FORMAT_SUMMARY)
        render_summary(&w, report);
    else
        render_report(&w, report);
    return UPDX_OK;
}

bool updx_format_parse(const char *name, updx_format *out)
{
    static const struct {
        const char *name;
        updx_format f;
    } names[] = {{"text", UPDX_FORMAT_TEXT}, {"json", UPDX_FORMAT_JSON}, {"md", UPDX_FORMAT_MD},
                 {"markdown", UPDX_FORMAT_MD}, {"summary", UPDX_FORMAT_SUMMARY}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(names[i].name, name) == 0) {
            *out = names[i].f;
            return true;
        }
    return false;
}

bool updx_lang_parse(const char *name, updx_lang *out)
{
    if (strcmp(name, "en") == 0) {
        *out = UPDX_LANG_EN;
        return true;
    }
    if (strcmp(name, "zh") == 0 || strcmp(name, "zh-CN") == 0 || strcmp(name, "cn") == 0) {
        *out = UPDX_LANG_ZH;
        return true;
    }
    return false;
}
