/* fuzz_setupact.c: the Panther-side readers and the story over arbitrary bytes. The first byte
 * picks the reader (setupact/setuperr, BlueBox, SetupDiag results, diag xml); every input is
 * also told as a story and rendered as JSON. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/bluebox.h"
#include "logs/diagxml.h"
#include "logs/setupact.h"
#include "logs/setupdiag_results.h"
#include "logs/story.h"

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
    updx_story_build(c);
    json_t *j = updx_story_to_json(c);
    if (!j)
        __builtin_trap();
    char *s = json_dumps(j, 0);
    if (!s)
        __builtin_trap();
    free(s);
    json_decref(j);
    updx_case_free(c);
    return 0;
}
