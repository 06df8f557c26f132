/*
 * anchors.c: prints the literal anchors of the built-in rules, one per line, for the `rg`
 * side of the benchmark (rg -F -f FILE searches the same files for the same literals the
 * rule engine prefilters with).
 *
 *   anchors [-i]     without -i the case-sensitive anchors, with -i the case-insensitive ones
 *
 * Built by bench/run.sh against the build tree's libupdx.a.
 */
#include <stdio.h>
#include <string.h>

#include "rules/rules.h"

int main(int argc, char **argv)
{
    int want_nocase = argc > 1 && strcmp(argv[1], "-i") == 0;
    updx_ruleset *rs = updx_rules_load_builtin(NULL);
    if (!rs)
        return 1;
    for (size_t i = 0; i < updx_rules_count(rs); i++) {
        const updx_rule *r = updx_rules_at(rs, i);
        for (size_t p = 0; p < updx_rule_pattern_count(r); p++) {
            const char *literal = NULL;
            const char *re = updx_rule_pattern(r, p, &literal);
            char buf[4096];
            bool nocase = false;
            /* the pattern's case flag comes from deriving its literal again */
            if (!re || !literal || !updx_rules_derive_literal(re, buf, sizeof buf, &nocase))
                continue;
            if (nocase == (want_nocase != 0))
                printf("%s\n", literal);
        }
    }
    updx_rules_free(rs);
    return 0;
}
