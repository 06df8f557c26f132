/* fuzz_rules.c: the rule loader on arbitrary bytes, then the loaded rules over the same bytes
 * as log lines, and their examples. */
#include <stdint.h>
#include <string.h>

#include "rules/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    updx_arena a;
    updx_arena_init(&a, 0);
    updx_notes notes;
    updx_notes_init(&notes, &a, 1000);
    updx_ruleset *rs = updx_rules_new();
    if (!rs)
        return 0;
    int n = updx_rules_load_mem(rs, "fuzz.yaml", (const char *)data, size, &notes);
    if (n > 0) {
        updx_case *c = updx_case_new("fuzz", NULL);
        updx_rule_scan *s = c ? updx_rules_scan_new(rs, c) : NULL;
        updx_text *t;
        if (s && updx_text_open_mem(&t, data, size, NULL) == 0) {
            updx_line l;
            while (updx_text_next(t, &l) > 0)
                for (int k = 1; k < UPDX_KIND_COUNT; k++)
                    updx_rules_scan_line(s, (updx_kind)k, "fuzz.log", &l);
            updx_text_close(t);
            updx_rules_evaluate(s, c, NULL, NULL);
        }
        updx_rules_scan_free(s);
        updx_case_free(c);
        (void)updx_rules_run_examples(rs, NULL, NULL);
    }
    updx_rules_free(rs);
    updx_notes_free(&notes);
    updx_arena_free(&a);
    return 0;
}
