/* fuzz_kdmp.c: the kernel dump reader and blame over arbitrary bytes, whole and as a
 * prefix of a larger file, plus the crashes[] JSON of what it found. */
#include <stdint.h>
#include <stdlib.h>

#include "dumps/crash_json.h"
#include "dumps/kdmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    updx_case *c = updx_case_new("fuzz", NULL);
    if (!c)
        return 0;
    (void)updx_kdmp_parse(c, "a.dmp", data, size, size);
    (void)updx_kdmp_parse(c, "b.dmp", data, size / 2, size);
    for (size_t i = 0; i < c->crashes.len; i++) {
        json_t *j = updx_crash_to_json(c, updx_avec_at(&c->crashes, i));
        char *s = j ? json_dumps(j, 0) : NULL;
        free(s);
        json_decref(j);
    }
    updx_case_free(c);
    return 0;
}
