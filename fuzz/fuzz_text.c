/* fuzz_text.c: the text layer over arbitrary bytes, from memory and as a stream. */
#include <stdint.h>
#include <string.h>

#include "text/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the first byte picks a small line cap and a forced code page, to reach those paths */
    static const char *const codepages[] = {NULL, "GB18030", "CP950", "CP1251", "CP1252", "UTF-8"};
    updx_text_opts opts = {0};
    if (size) {
        opts.codepage = codepages[data[0] % 6];
        opts.max_line_bytes = data[0] & 0x80 ? 16 : 0;
    }
    updx_text *t;
    if (updx_text_open_mem(&t, data, size, &opts) == 0) {
        updx_line l;
        while (updx_text_next(t, &l) > 0)
            if (strlen(l.text) > l.len)
                __builtin_trap();
        updx_text_close(t);
    }
    updx_mem_source ms;
    updx_source src = updx_source_mem(&ms, data, size);
    if (updx_text_open(&t, &src, &opts) == 0) {
        updx_line l;
        while (updx_text_next(t, &l) > 0) {
        }
        updx_text_close(t);
    }
    (void)updx_encoding_sniff(data, size);
    (void)updx_codepage_guess(data, size);
    return 0;
}
