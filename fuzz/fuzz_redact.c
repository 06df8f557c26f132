/* fuzz_redact.c: the redactor over arbitrary bytes (8-bit and UTF-16LE text): learning names
 * from profile paths, then replacing names, SIDs, MACs and addresses. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "collect/redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    updx_redactor *r = updx_redactor_new();
    if (!r)
        return 0;
    updx_redactor_add_name(r, UPDX_REDACT_COMPUTER, "PC-01");
    updx_redactor_add_name(r, UPDX_REDACT_DOMAIN, "corp.example.com");
    updx_redactor_learn(r, (const char *)data, size);
    void *out = NULL;
    size_t n = 0;
    if (updx_redact_buffer(r, data, size, &out, &n) == 0) {
        /* redacting the result again must work too (placeholders stay) */
        void *again = NULL;
        size_t m = 0;
        if (updx_redact_buffer(r, out, n, &again, &m) == 0)
            free(again);
        free(out);
    }
    updx_redactor_free(r);
    return 0;
}
