/* fuzz_evtx.c: the libevtx wrapper and the rendered-XML reader over arbitrary bytes. The
 * first byte picks the path: odd = rendered XML, even = .evtx (libevtx, a 2018 snapshot). */
#include <jansson.h>
#include <stdint.h>

#include "model/case.h"
#include "sys/evtx.h"
#include "sys/sys_facts.h"

/* libevtx 20181227 leaks a list when opening a damaged log fails (docs/system-state.md).
 * Full malloc stacks let LeakSanitizer see the libevtx frame the suppression names. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libevtx_file_open_read\n";
}
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "fast_unwind_on_malloc=0";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > (4u << 20))
        return 0;
    updx_limits lim;
    updx_limits_default(&lim);
    lim.max_memory_bytes = 256u << 20;
    lim.max_seconds = 5;
    updx_case *c = updx_case_new("fuzz", &lim);
    if (!c)
        return 0;
    if (data[0] & 1)
        (void)updx_evtx_read_xml(c, "fuzz.xml", (const char *)data + 1, size - 1);
    else
        (void)updx_evtx_read(c, "fuzz.evtx", data + 1, size - 1);
    json_t *j = updx_sys_to_json(c);
    json_decref(j);
    updx_case_free(c);
    return 0;
}
