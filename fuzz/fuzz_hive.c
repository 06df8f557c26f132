/* fuzz_hive.c: the libregf hive wrapper over arbitrary bytes (libregf is a 2020 snapshot:
 * what it gets wrong is recorded in docs/system-state.md). */
#include <jansson.h>
#include <stdint.h>

#include "model/case.h"
#include "sys/hive.h"
#include "sys/sys_facts.h"

/* libregf 20201007 leaks its key item when a damaged key fails to load (docs/system-state.md);
 * LeakSanitizer is told so here instead of failing on a bug that is not ours. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libregf_key_item_initialize\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > (4u << 20))
        return 0;  /* real hives are bigger, but fuzz speed needs small ones */
    updx_limits lim;
    updx_limits_default(&lim);
    lim.max_memory_bytes = 256u << 20;
    lim.max_seconds = 5;
    updx_case *c = updx_case_new("fuzz", &lim);
    if (!c)
        return 0;
    (void)updx_hive_read(c, "SYSTEM", data, size);
    (void)updx_sys_find_service(c, "x");
    json_t *j = updx_sys_to_json(c);
    json_decref(j);
    updx_case_free(c);
    return 0;
}
