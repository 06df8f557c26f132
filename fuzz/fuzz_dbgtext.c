/* fuzz_dbgtext.c: the debugger/tool text parser and blame over arbitrary text. */
#include <stdint.h>
#include <stdlib.h>

#include "dumps/crash_json.h"
#include "dumps/dbgtext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    updx_case *c = updx_case_new("fuzz", NULL);
    if (!c)
        return 0;
    (void)updx_dbgtext_parse_mem(c, "paste.txt", data, size);
    for (size_t i = 0; i < c->crashes.len; i++) {
        json_t *j = updx_crash_to_json(c, updx_avec_at(&c->crashes, i));
        char *s = j ? json_dumps(j, 0) : NULL;
        free(s);
        json_decref(j);
    }
    updx_case_free(c);
    return 0;
}
