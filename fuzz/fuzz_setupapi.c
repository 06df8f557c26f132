/* fuzz_setupapi.c: the setupapi log parser and its JSON over arbitrary bytes; and the same
 * bytes read as a stream handed out in small pieces (the first byte picks their size), with
 * the block prefilter on every line, which must give the same JSON (a differential check of
 * the text layer's streaming and of the prefilter's hits against the parser's own searches). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/setupapi.h"
#include "text/litset.h"
#include "text/text.h"
#include "util/source.h"

static char *facts_json(updx_case *c)
{
    json_t *j = updx_setupapi_to_json(c);
    char *s = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    return s;
}

static void check_streamed(const uint8_t *data, size_t size, const updx_limits *lim, const char *want)
{
    size_t nlit = 0;
    const updx_literal *lits = updx_setupapi_literals(&nlit);
    const char *text[16];
    size_t len[16];
    bool nocase[16];
    if (nlit > 16)
        return;
    for (size_t i = 0; i < nlit; i++) {
        text[i] = lits[i].text;
        len[i] = strlen(lits[i].text);
        nocase[i] = lits[i].nocase;
    }
    updx_litset *set = updx_litset_new(text, len, nocase, nlit);
    updx_case *c = updx_case_new("fuzz", lim);
    updx_mem_source ms;
    updx_source src = updx_source_mem_pieces(&ms, data, size, size ? 1 + data[0] % 89 : 1);
    updx_text_opts opts = {.max_line_bytes = lim->max_line_bytes};
    updx_text *t = NULL;
    if (set && c && updx_text_open(&t, &src, &opts) == UPDX_OK) {
        updx_text_prefilter(t, set, 1);
        updx_setupapi_parse(c, "setupapi.upgrade.log", t);
        updx_text_close(t);
        char *got = facts_json(c);
        if (!got || strcmp(got, want) != 0)
            __builtin_trap();
        free(got);
    }
    updx_case_free(c);
    updx_litset_free(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    updx_limits lim;
    updx_limits_default(&lim);
    lim.max_memory_bytes = 64u << 20; /* a low cap reaches the out-of-memory paths */
    updx_case *c = updx_case_new("fuzz", &lim);
    if (!c)
        return 0;
    updx_setupapi_parse_mem(c, "setupapi.upgrade.log", data, size);
    char *want = facts_json(c);
    size_t cur = 0;
    while (updx_setupapi_find_service(c->setupapi, "lwfmgr", &cur)) {
    }
    /* the comparison needs the same facts: not when the memory cap cut them short */
    if (want && c->arena.used < lim.max_memory_bytes / 2)
        check_streamed(data, size, &lim, want);
    free(want);
    updx_case_free(c);
    return 0;
}
