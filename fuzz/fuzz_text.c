/* fuzz_text.c: the text layer over arbitrary bytes, from memory and as a stream; and a
 * differential check of the streamed reader with the block prefilter (fed in small pieces of
 * a size the input picks) against the memory reader and a plain per-line search: every line
 * must come out the same (text, flags, offset, a NUL after it), and any line the prefilter
 * vouches for must carry exactly the literals the line holds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "text/text.h"
#include "util/source.h"
#include "util/strutil.h"

static const char *const lits[] = {"Error", "abc", "0x", "Service", "ab", "\xE4\xB8\xAD", ">>>  "};
static const bool nocase[] = {false, false, true, true, false, false, false};
enum { NLITS = sizeof lits / sizeof lits[0] };

static void check_prefilter(const uint8_t *data, size_t size, const updx_text_opts *opts)
{
    size_t len[NLITS];
    for (size_t i = 0; i < NLITS; i++)
        len[i] = strlen(lits[i]);
    updx_litset *set = updx_litset_new(lits, len, nocase, NLITS);
    updx_text *a = NULL, *b = NULL;
    updx_mem_source ms;
    updx_source src = updx_source_mem_pieces(&ms, data, size, size > 1 ? 1 + data[1] % 61 : 1);
    if (!set || updx_text_open_mem(&a, data, size, opts) != 0 || updx_text_open(&b, &src, opts) != 0) {
        updx_text_close(a);
        updx_litset_free(set);
        return;
    }
    updx_text_prefilter(b, set, 0);
    updx_line la, lb;
    while (updx_text_next(a, &la) > 0) {
        if (updx_text_next(b, &lb) != 1 || la.len != lb.len || memcmp(la.text, lb.text, la.len) != 0 ||
            la.number != lb.number || la.offset != lb.offset || la.flags != lb.flags || lb.text[lb.len] != '\0')
            __builtin_trap();
        if (!lb.filtered)
            continue;
        unsigned want = 0, got = 0;
        for (unsigned i = 0; i < NLITS; i++)
            if (nocase[i] ? updx_memcasemem(la.text, la.len, lits[i], len[i]) != NULL
                          : memmem(la.text, la.len, lits[i], len[i]) != NULL)
                want |= 1u << i;
        for (uint32_t h = 0; h < lb.nhits; h++)
            got |= 1u << lb.hits[h];
        if (want != got)
            __builtin_trap();
    }
    if (updx_text_next(b, &lb) != 0)
        __builtin_trap();
    updx_text_close(a);
    updx_text_close(b);
    updx_litset_free(set);
}

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
    check_prefilter(data, size, &opts);
    (void)updx_encoding_sniff(data, size);
    (void)updx_codepage_guess(data, size);
    return 0;
}
