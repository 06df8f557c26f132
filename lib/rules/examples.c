/*
 * examples.c: runs every rule's own examples against the whole ruleset, so a rule author
 * (and the test suite) learns at once whether a rule fires where it must, stays quiet where
 * it must, and does not steal another rule's examples.
 */
#include "rules/rules_int.h"

#include <stdio.h>
#include <string.h>

#include "model/finding.h"

typedef struct ex_facts {
    const rule_example *ex;
} ex_facts;

static int example_fact(void *ud, const char *path, const char **values, size_t max_values)
{
    const rule_example *ex = ((ex_facts *)ud)->ex;
    size_t n = 0;
    for (size_t i = 0; i < ex->nfacts; i++)
        if (strcmp(ex->facts[i].key, path) == 0) {
            if (n < max_values)
                values[n] = ex->facts[i].value;
            n++;
        }
    return (int)n;
}

int updx_rules_run_examples(const updx_ruleset *rs, void (*cb)(void *ud, const updx_example_result *res),
                            void *ud)
{
    int failed = 0;
    for (size_t ri = 0; ri < rs->nrules; ri++) {
        const updx_rule *r = rs->rules[ri];
        for (size_t ei = 0; ei < r->nexamples; ei++) {
            const rule_example *ex = &r->examples[ei];
            updx_case *c = updx_case_new("example", NULL);
            if (!c)
                return UPDX_ERR_NOMEM;
            updx_rule_scan *s = updx_rules_scan_new(rs, c);
            if (!s) {
                updx_case_free(c);
                return UPDX_ERR_NOMEM;
            }
            for (size_t m = 0; m < ex->nmembers; m++) {
                updx_text *t;
                if (updx_text_open_mem(&t, ex->members[m].text, strlen(ex->members[m].text), NULL) != UPDX_OK)
                    continue;
                updx_line line;
                while (updx_text_next(t, &line) > 0)
                    updx_rules_scan_line(s, ex->members[m].kind, ex->members[m].name, &line);
                updx_text_close(t);
            }
            ex_facts ef = {ex};
            int rc = updx_rules_evaluate(s, c, example_fact, &ef);
            updx_example_result res = {r, ei, ex->fire, false, NULL, ex->line};
            char others[1024];
            size_t o = 0;
            others[0] = '\0';
            for (size_t f = 0; rc >= 0 && f < c->findings.len; f++) {
                const updx_finding *fd = updx_avec_at(&c->findings, f);
                if (strcmp(fd->rule, r->id) == 0) {
                    res.fired = true;
                    continue;
                }
                if (strstr(others, fd->rule))
                    continue;
                if (o + strlen(fd->rule) + 3 < sizeof others)
                    o += (size_t)snprintf(others + o, sizeof others - o, "%s%s", o ? ", " : "", fd->rule);
            }
            res.others = o ? others : NULL;
            bool bad = rc < 0 || (ex->fire ? (!res.fired || res.others) : res.fired);
            if (bad)
                failed++;
            if (cb)
                cb(ud, &res);
            updx_rules_scan_free(s);
            updx_case_free(c);
        }
    }
    return failed;
}
