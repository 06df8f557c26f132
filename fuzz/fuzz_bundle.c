/* fuzz_bundle.c: the bundle walker over arbitrary bytes (an archive or a single artefact),
 * with small limits so that bombs and deep nesting are reached quickly, and a visitor
 * that reads part of each member through the replayed stream. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/bundle.h"
#include "bundle/bundle_json.h"
#include "bundle/recognize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int partial_visitor(void *ud, updx_case *c, updx_member_info *m, const uint8_t *head,
                           size_t head_len, updx_source *src)
{
    (void)ud;
    (void)c;
    (void)m;
    uint8_t buf[512];
    ptrdiff_t n = updx_source_read_full(src, buf, sizeof buf);
    /* the stream starts with the head it was given */
    if (n > 0 && memcmp(buf, head, (size_t)n < head_len ? (size_t)n : head_len) != 0)
        __builtin_trap();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    updx_limits lim;
    updx_limits_default(&lim);
    lim.max_member_bytes = 4u << 20;
    lim.max_total_bytes = 16u << 20;
    lim.max_members = 1000;
    lim.max_depth = 3;
    lim.max_memory_bytes = 64u << 20;
    updx_case *c = updx_case_new("fuzz.bin", &lim);
    if (!c)
        return 0;
    int rc = updx_bundle_walk_mem(c, "fuzz.bin", data, size, partial_visitor, NULL);
    if (rc == UPDX_OK || rc == UPDX_PARTIAL) {
        json_t *j = updx_bundle_to_json(c);
        char *s = j ? json_dumps(j, 0) : NULL;
        free(s);
        json_decref(j);
    }
    updx_case_free(c);
    const char *detail;
    (void)updx_recognize("Windows/Panther/setupact.log", data, size < 65536 ? size : 65536, &detail);
    return 0;
}
