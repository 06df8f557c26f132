/*
 * render.h: turns the JSON report (the one source of truth) into what people read.
 *
 * The report is built once as a JSON object (docs/report-schema.md); the text, Markdown and
 * case-summary renderers read only that object, so every format says the same things. Output
 * is deterministic for the same report. English and Chinese (zh-CN) are supported.
 */
#ifndef UPDX_REPORT_RENDER_H
#define UPDX_REPORT_RENDER_H

#include <jansson.h>
#include <stdbool.h>

#include "util/buf.h"

typedef enum updx_format {
    UPDX_FORMAT_TEXT,
    UPDX_FORMAT_JSON,
    UPDX_FORMAT_MD,
    UPDX_FORMAT_SUMMARY,  /* the support desk's case summary (问题描述 / 分析过程 / 结论 / 建议操作) */
} updx_format;

typedef enum updx_lang { UPDX_LANG_EN, UPDX_LANG_ZH } updx_lang;

typedef struct updx_render_opts {
    updx_lang lang;
    bool color;      /* ANSI colours (text only; the CLI turns it on for a TTY) */
    bool verbose;    /* list every member and every note, not just the damaged ones */
} updx_render_opts;

/* Appends the rendering of `report` to out. Returns UPDX_OK or a negative updx_status. */
int updx_render(const json_t *report, updx_format format, const updx_render_opts *opts, updx_buf *out);

/* Parses "text", "json", "md"/"markdown", "summary"; false when unknown. */
bool updx_format_parse(const char *name, updx_format *out);
bool updx_lang_parse(const char *name, updx_lang *out);

#endif
