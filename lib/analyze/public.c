/* public.c: the public analysis API of include/updx/updx.h, over the internal pipeline. */
#include <stdlib.h>

#include "analyze/analyze.h"
#include "report/json_out.h"
#include "report/render.h"
#include "updx/updx.h"

struct updx_report {
    updx_case *c;
    json_t *json;
};

int updx_report_analyze(const char *path, const updx_limits *limits, const char *codepage, updx_report **out)
{
    *out = NULL;
    updx_report *r = calloc(1, sizeof *r);
    if (!r)
        return UPDX_ERR_NOMEM;
    updx_analyze_opts opts;
    updx_analyze_opts_default(&opts);
    if (limits)
        opts.limits = *limits;
    opts.codepage = codepage;
    int rc = updx_analyze_path(path, &opts, &r->c);
    if (!r->c) {
        free(r);
        return UPDX_ERR_NOMEM;
    }
    r->json = updx_report_build_ex(r->c, false);  /* members are listed as JSON is written */
    *out = r;
    return rc;
}

char *updx_report_json(const updx_report *r)
{
    if (!r || !r->json)
        return NULL;
    updx_buf b;
    updx_buf_init(&b, (size_t)1 << 30);
    if (updx_report_json_write(r->json, r->c, false, &b) != UPDX_OK) {
        updx_buf_free(&b);
        return NULL;
    }
    if (b.len && b.data[b.len - 1] == '\n')
        b.data[--b.len] = '\0';  /* as json_dumps gives it */
    return updx_buf_take(&b);
}

char *updx_report_render(const updx_report *r, const char *format, const char *lang)
{
    updx_format f;
    updx_render_opts o = {.lang = UPDX_LANG_EN};
    if (!r || !r->json || !updx_format_parse(format, &f) || (lang && !updx_lang_parse(lang, &o.lang)))
        return NULL;
    updx_buf b;
    updx_buf_init(&b, (size_t)1 << 30);
    int rc = f == UPDX_FORMAT_JSON ? updx_report_json_write(r->json, r->c, false, &b)
                                   : updx_render(r->json, f, &o, &b);
    if (rc != UPDX_OK) {
        updx_buf_free(&b);
        return NULL;
    }
    return updx_buf_take(&b);
}

void updx_report_free(updx_report *r)
{
    if (!r)
        return;
    json_decref(r->json);
    updx_case_free(r->c);
    free(r);
}
