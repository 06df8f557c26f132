/* fuzz_compat.c: the compatibility-report XML reader, and its JSON, over arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>

#include "logs/compat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    updx_case *c = updx_case_new("fuzz", NULL);
    if (!c)
        return 0;
    /* the first byte picks the file name, which decides the report kind */
    static const char *const names[] = {"CompatData_1.xml", "ScanResult.xml", "x_APPRAISER_HumanReadable.xml"};
    const char *name = names[size ? data[0] % 3 : 0];
    updx_compat_parse_mem(c, name, data, size);
    json_t *j = updx_compat_to_json(c);
    if (j) {
        char *s = json_dumps(j, JSON_COMPACT);
        free(s);
        json_decref(j);
    }
    updx_case_free(c);
    return 0;
}
