/* fuzz_setupact.c: the Panther-side readers and the story over arbitrary bytes. The first byte
 * picks the reader (setupact/setuperr, BlueBox, SetupDiag results, diag xml); every input is
 * also told as a story and rendered as JSON. setupact inputs are also read as a stream handed
 * out in small pieces (the second byte picks their size), and must tell the same story. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/bluebox.h"
#include "logs/diagxml.h"
#include "logs/setupact.h"
#include "logs/setupdiag_results.h"
#include "logs/story.h"
#include "text/text.h"
#include "util/source.h"

static char *story_json(updx_case *c)
{
    updx_story_build(c);
    json_t *j = updx_story_to_json(c);
    if (!j)
        __builtin_trap();
    char *s = json_dumps(j, JSON_SORT_KEYS);
    if (!s)
        __builtin_trap();
    json_decref(j);
    return s;
}

/* The same bytes read as a stream in pieces must give the same story as from memory. */
static void check_streamed(const uint8_t *body, size_t blen, const char *want)
{
    updx_case *c = updx_case_new("fuzz", NULL);
    if (!c)
        return;
    updx_mem_source ms;
    updx_source src = updx_source_mem_pieces(&ms, body, blen, blen ? 1 + body[0] % 97 : 1);
    updx_text_opts opts = {.max_line_bytes = c->limits.max_line_bytes};
    updx_text *t = NULL;
    if (updx_text_open(&t, &src, &opts) == UPDX_OK) {
        updx_setupact_read(c, "setupact.log", t, UPDX_SETUP_SRC_SETUPACT);
        updx_text_close(t);
        char *got = story_json(c);
        if (strcmp(got, want) != 0)
            __builtin_trap();
        free(got);
    }
    updx_case_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    updx_case *c = updx_case_new("fuzz", NULL);
    if (!c)
        return 0;
    unsigned pick = size ? data[0] % 8 : 0;
    const uint8_t *body = size ? data + 1 : data;
    size_t blen = size ? size - 1 : 0;
    switch (pick) {
    case 5:
        updx_bluebox_read_mem(c, "BlueBox.log", body, blen);
        break;
    case 6:
        updx_setupdiag_read_mem(c, "SetupDiagResults.xml", body, blen);
        break;
    case 7:
        updx_diagxml_read_mem(c, "diagerr.xml", body, blen, true);
        break;
    default:
        /* the same bytes twice, as setupact and setuperr of one attempt */
        updx_setupact_read_mem(c, "setupact.log", body, blen, UPDX_SETUP_SRC_SETUPACT);
        if (pick & 1)
            updx_setupact_read_mem(c, "setuperr.log", body, blen, UPDX_SETUP_SRC_SETUPERR);
        break;
    }
    char *s = story_json(c);
    if (pick < 5 && !(pick & 1))
        check_streamed(body, blen, s);
    free(s);
    updx_case_free(c);
    return 0;
}
