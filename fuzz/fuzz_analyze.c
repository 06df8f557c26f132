/* fuzz_analyze.c: the whole `updx analyze` pipeline on a bundle given as bytes (a zip, as a
 * customer would upload it): the walk, every reader, the rules, the correlation, the JSON
 * report and its text rendering in English and Chinese. Small limits so that bombs, deep
 * nesting and long lines are reached quickly. The JSON written with members listed as it
 * goes (json_out.h) must be byte for byte json_dumps of the whole report. */
#include <stdint.h>
#include <stdlib.h>

#include "analyze/analyze.h"
#include <string.h>

#include "report/json_out.h"
#include "report/render.h"
#include "util/buf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libregf 20201007 leaks its key item when a damaged key fails to load (docs/system-state.md,
 * tests/hostile/lsan.supp); LeakSanitizer is told so instead of stopping on a bug not ours. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libregf_key_item_initialize\n";
}

/* Every rendering of the report; the output itself is thrown away. */
static void render_all(const json_t *report)
{
    static const updx_format formats[] = {UPDX_FORMAT_TEXT, UPDX_FORMAT_MD, UPDX_FORMAT_SUMMARY};
    static const updx_lang langs[] = {UPDX_LANG_EN, UPDX_LANG_ZH};
    for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
        for (size_t l = 0; l < sizeof langs / sizeof langs[0]; l++) {
            updx_render_opts ro = {.lang = langs[l], .verbose = f == 0};
            updx_buf out;
            updx_buf_init(&out, (size_t)64 << 20);
            (void)updx_render(report, formats[f], &ro, &out);
            updx_buf_free(&out);
        }
    }
    char *s = json_dumps(report, JSON_COMPACT);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    updx_analyze_opts opts;
    updx_analyze_opts_default(&opts);
    opts.limits.max_member_bytes = 4u << 20;
    opts.limits.max_total_bytes = 16u << 20;
    opts.limits.max_members = 500;
    opts.limits.max_depth = 3;
    opts.limits.max_line_bytes = 64u << 10;
    opts.limits.max_memory_bytes = 128u << 20;
    /* half of the inputs run with the block prefilter on every line (it starts at 1 MiB by
     * default, beyond fuzz inputs) */
    opts.prefilter_after = size & 1 ? 1 : 0;
    updx_case *c = NULL;
    int rc = updx_analyze_mem("fuzz.zip", data, size, &opts, &c);
    if (c && (rc >= 0 || c->members.len > 0)) {
        json_t *report = updx_report_build(c);
        json_t *lean = updx_report_build_ex(c, false);
        if (report)
            render_all(report);
        if (report && lean) {
            char *want = json_dumps(report, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
            updx_buf out;
            updx_buf_init(&out, (size_t)256 << 20);
            if (want && updx_report_json_write(lean, c, false, &out) == UPDX_OK &&
                (out.len != strlen(want) + 1 || memcmp(out.data, want, out.len - 1) != 0))
                __builtin_trap();
            updx_buf_free(&out);
            free(want);
        }
        json_decref(lean);
        json_decref(report);
    }
    updx_case_free(c);
    return 0;
}
