/* cmd_explain.c: `updx explain CODE [EXTENDED]`: what an error code means and what usually fixes it. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "dumps/bugcheck.h"
#include "knowledge/codes.h"

static const char explain_usage[] =
    "usage: updx explain [--lang en|zh] [--format text|json] CODE [EXTENDED]\n"
    "\n"
    "Explains an upgrade error code: its name, what it means and what usually fixes it.\n"
    "CODE may carry the extended code: 0xC1900101-0x30017, \"0xC1900101 - 0x30017\", or\n"
    "the two as separate arguments. Codes may be hex (0x80070070, 80070070) or the negative\n"
    "decimal some tools print (-1047526904). Win32 codes are found from 0x8007xxxx too.\n"
    "\n"
    "  --lang en|zh        language of the text output (JSON has both)\n"
    "  --format text|json  output format (default text)\n";

/* One source of explanations. Each explainer fills `out` (fields kind, table, name, en, zh,
 * fix_en, fix_zh) and returns true when it knows the code. New sources of knowledge are
 * added as one more entry in `explainers` below. */
typedef struct explainer {
    const char *kind;
    bool (*explain)(uint32_t code, json_t *out);
} explainer;

static void set_text(json_t *o, const char *key, const char *s)
{
    if (s && *s)
        json_object_set_new(o, key, json_string(s));
}

static bool explain_error(uint32_t code, json_t *out)
{
    updx_code_info info;
    if (!updx_code_lookup(code, &info))
        return false;
    json_object_set_new(out, "table", json_string(info.table));
    if (info.via_win32) {
        char w[32];
        snprintf(w, sizeof w, "%u", info.table_code);
        json_object_set_new(out, "win32", json_string(w));
    }
    set_text(out, "name", info.name);
    set_text(out, "en", info.en);
    set_text(out, "zh", info.zh);
    set_text(out, "fix_en", info.fix_en);
    set_text(out, "fix_zh", info.fix_zh);
    if (updx_code_is_telemetry_remap(code)) {
        json_object_set_new(out, "telemetry_remap", json_true());
    }
    return true;
}

/* A bug check: its name, what it means, and what each parameter holds. Small values such as
 * 0x7E are also shown as a Win32 code when one is known. */
static bool explain_bugcheck(uint32_t code, json_t *out)
{
    const struct updx_bugcheck_info *bc = updx_bugcheck_find(code);
    if (!bc)
        return false;
    char name[96];
    json_object_set_new(out, "table", json_string("bugcheck"));
    set_text(out, "name", updx_bugcheck_name(code, name, sizeof name));
    set_text(out, "en", bc->en);
    set_text(out, "zh", bc->zh);
    json_t *params = json_array();
    for (int i = 0; i < 4; i++)
        json_array_append_new(params, json_string(bc->param[i] ? bc->param[i] : "-"));
    json_object_set_new(out, "parameters", params);
    if (bc->fault_param)
        json_object_set_new(out, "faulting_address_parameter", json_integer(bc->fault_param));
    return true;
}

/* A value that is both (0x7E: a bug check, and Win32 126) is shown as a bug check first:
 * that is what a support engineer typing a small code usually has in hand. */
static const explainer explainers[] = {
    {"bugcheck", explain_bugcheck},
    {"error", explain_error},
};

static json_t *explain_code(uint32_t code)
{
    json_t *list = json_array();
    for (size_t i = 0; i < sizeof explainers / sizeof explainers[0]; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "kind", json_string(explainers[i].kind));
        if (explainers[i].explain(code, o))
            json_array_append_new(list, o);
        else
            json_decref(o);
    }
    return list;
}

static json_t *explain_extended(uint32_t ext)
{
    updx_extend_info xi;
    if (!updx_extend_decode(ext, &xi))
        return json_null();
    json_t *o = json_object();
    char buf[32];
    snprintf(buf, sizeof buf, "0x%X", ext);
    json_object_set_new(o, "code", json_string(buf));
    json_object_set_new(o, "phase", json_integer(xi.phase));
    snprintf(buf, sizeof buf, "0x%X", xi.operation);
    json_object_set_new(o, "operation", json_string(buf));
    const char *contract = updx_upgrade_phase_name((updx_upgrade_phase)xi.phase);
    json_object_set_new(o, "phase_id", contract ? json_string(contract) : json_null());
    if (xi.phase_known) {
        json_t *p = json_object();
        set_text(p, "name", xi.phase_info.name);
        set_text(p, "en", xi.phase_info.en);
        set_text(p, "zh", xi.phase_info.zh);
        set_text(p, "fix_en", xi.phase_info.fix_en);
        set_text(p, "fix_zh", xi.phase_info.fix_zh);
        json_object_set_new(o, "phase_info", p);
    }
    if (xi.operation_known) {
        json_t *p = json_object();
        set_text(p, "name", xi.operation_info.name);
        set_text(p, "en", xi.operation_info.en);
        set_text(p, "zh", xi.operation_info.zh);
        set_text(p, "fix_en", xi.operation_info.fix_en);
        set_text(p, "fix_zh", xi.operation_info.fix_zh);
        json_object_set_new(o, "operation_info", p);
    }
    return o;
}

static const char *get(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void print_text(json_t *doc, bool zh)
{
    const char *mean_key = zh ? "zh" : "en", *fix_key = zh ? "fix_zh" : "fix_en";
    const char *fix_label = zh ? "常见解决办法" : "usually fixed by";
    json_t *list = json_object_get(doc, "explanations");
    size_t i;
    json_t *e;
    printf("%s\n", get(doc, "code"));
    if (json_array_size(list) == 0)
        printf("  %s\n", zh ? "未知代码（知识表中没有此代码）" : "unknown code (not in the knowledge tables)");
    json_array_foreach(list, i, e) {
        const char *name = get(e, "name");
        printf("  %s  [%s%s%s]\n", name ? name : "-", get(e, "table"),
               get(e, "win32") ? ", Win32 " : "", get(e, "win32") ? get(e, "win32") : "");
        if (get(e, mean_key))
            printf("  %s\n", get(e, mean_key));
        if (json_is_true(json_object_get(e, "telemetry_remap")))
            printf("  %s\n", zh ? "注意：这是遥测用的重新映射代码，不是真正的错误；请查找原始结果代码"
                                : "note: a telemetry remap, not the error itself; look for the original result code");
        if (get(e, fix_key))
            printf("  %s: %s\n", fix_label, get(e, fix_key));
        json_t *params = json_object_get(e, "parameters");
        json_int_t fault = json_integer_value(json_object_get(e, "faulting_address_parameter"));
        for (size_t k = 0; k < json_array_size(params); k++)
            printf("  %s %zu: %s%s\n", zh ? "参数" : "parameter", k + 1, json_string_value(json_array_get(params, k)),
                   (json_int_t)k + 1 == fault ? (zh ? "（出错指令地址）" : " (the faulting address)") : "");
    }
    json_t *x = json_object_get(doc, "extended");
    if (json_is_object(x)) {
        printf("%s  (%s)\n", get(x, "code"), zh ? "扩展代码" : "extended code");
        json_t *p = json_object_get(x, "phase_info");
        printf("  %s %lld: %s", zh ? "阶段" : "phase", (long long)json_integer_value(json_object_get(x, "phase")),
               p ? get(p, "name") : (zh ? "未知" : "unknown"));
        if (p && get(p, mean_key))
            printf(" (%s)", get(p, mean_key));
        printf("\n");
        json_t *op = json_object_get(x, "operation_info");
        printf("  %s %s: %s", zh ? "操作" : "operation", get(x, "operation"),
               op ? get(op, "name") : (zh ? "未知" : "unknown"));
        if (op && get(op, mean_key))
            printf(" (%s)", get(op, mean_key));
        printf("\n");
        if (op && get(op, fix_key))
            printf("  %s: %s\n", fix_label, get(op, fix_key));
        else if (p && get(p, fix_key))
            printf("  %s: %s\n", fix_label, get(p, fix_key));
    }
}

static int explain_run(int argc, char **argv)
{
    bool zh = false, json = false;
    const char *args[2] = {NULL, NULL};
    int nargs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc) {
            const char *l = argv[++i];
            if (strcmp(l, "zh") == 0 || strcmp(l, "zh-CN") == 0)
                zh = true;
            else if (strcmp(l, "en") != 0)
                return cli_usage_error("explain", "unknown language '%s' (en or zh)", l);
        } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            const char *f = argv[++i];
            if (strcmp(f, "json") == 0)
                json = true;
            else if (strcmp(f, "text") != 0)
                return cli_usage_error("explain", "unknown format '%s' (text or json)", f);
        } else if (strcmp(argv[i], "-") == 0 && nargs == 1) {
            continue; /* "0xC1900101 - 0x30017" as three words */
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            return cli_usage_error("explain", "unknown option '%s'", argv[i]);
        } else if (nargs < 2) {
            args[nargs++] = argv[i];
        } else {
            return cli_usage_error("explain", "too many codes");
        }
    }
    if (nargs == 0)
        return cli_usage_error("explain", "no CODE given");
    uint32_t code, ext = 0;
    bool has_ext = false;
    if (!updx_code_parse(args[0], &code, &ext, &has_ext))
        return cli_usage_error("explain", "'%s' is not an error code", args[0]);
    if (nargs == 2) {
        bool dummy;
        uint32_t second;
        if (has_ext || !updx_code_parse(args[1], &ext, &second, &dummy) || dummy)
            return cli_usage_error("explain", "'%s' is not an extended code", args[1]);
        has_ext = true;
    }
    if (has_ext && ext > 0xFFFFFu)
        return cli_usage_error("explain", "extended code 0x%X is out of range (at most 0xFFFFF)", ext);

    json_t *doc = json_object();
    char buf[32];
    snprintf(buf, sizeof buf, "0x%08X", code);
    json_object_set_new(doc, "code", json_string(buf));
    json_t *list = explain_code(code);
    bool known = json_array_size(list) > 0;
    json_object_set_new(doc, "known", json_boolean(known));
    json_object_set_new(doc, "explanations", list);
    json_object_set_new(doc, "extended", has_ext ? explain_extended(ext) : json_null());
    if (json) {
        char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s)
            puts(s);
        free(s);
    } else {
        print_text(doc, zh);
    }
    json_decref(doc);
    return known || has_ext ? CLI_OK : CLI_FAIL;
}

const cli_command cmd_explain = {
    .name = "explain",
    .summary = "explain an upgrade error code (0xC1900101-0x30017) and what usually fixes it",
    .usage = explain_usage,
    .run = explain_run,
};
