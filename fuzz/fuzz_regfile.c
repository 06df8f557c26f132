/* fuzz_regfile.c: the .reg export / `reg query` parser over arbitrary bytes, with the facts
 * it produces read back through the lookups and the JSON. */
#include <jansson.h>
#include <stdint.h>

#include "model/case.h"
#include "sys/regfile.h"
#include "sys/sys_facts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    updx_limits lim;
    updx_limits_default(&lim);
    lim.max_memory_bytes = 256u << 20;  /* a fuzz input must not need more */
    updx_case *c = updx_case_new("fuzz", &lim);
    if (!c)
        return 0;
    (void)updx_regfile_sniff(data, size);
    (void)updx_regfile_read(c, "fuzz.reg", data, size);
    const updx_sys_service *s = updx_sys_find_service(c, "lwfmgr.sys");
    updx_sys_filter_ref refs[4];
    (void)updx_sys_filter_refs(c, "lwfmgr", refs, 4);
    if (s)
        (void)updx_sys_program_for_driver(c, s, NULL);
    json_t *j = updx_sys_to_json(c);
    json_decref(j);
    updx_case_free(c);
    return 0;
}
