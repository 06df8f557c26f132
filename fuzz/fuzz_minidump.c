/* fuzz_minidump.c: the user-mode minidump reader over arbitrary bytes. */
#include <stdint.h>

#include "dumps/minidump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    updx_case *c = updx_case_new("fuzz", NULL);
    if (!c)
        return 0;
    updx_crash *cr;
    (void)updx_minidump_parse(c, "a.dmp", data, size, &cr);
    updx_case_free(c);
    return 0;
}
