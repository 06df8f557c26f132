/* fuzz_setupapi.c: the setupapi log parser and its JSON over arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "logs/setupapi.h"

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
    json_t *j = updx_setupapi_to_json(c);
    if (j) {
        char *s = json_dumps(j, JSON_COMPACT);
        free(s);
        json_decref(j);
    }
    size_t cur = 0;
    while (updx_setupapi_find_service(c->setupapi, "lwfmgr", &cur)) {
    }
    updx_case_free(c);
    return 0;
}
