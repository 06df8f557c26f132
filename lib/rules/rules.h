/*
 * rules.h: the rule engine. Diagnosis knowledge that a support engineer can write without C.
 *
 * A rule (YAML, docs/rule-authoring.md) names line patterns (PCRE2, JIT-compiled) limited to
 * member kinds, conditions over facts, a culprit template, a confidence, a remediation plan
 * id and texts in English and zh-CN. The engine never sees the parsers' structs: it gets
 * (a) every line of every text member, and (b) facts through a query callback. So it can run
 * beside the parsers in the same pass.
 *
 * A ruleset is built once (built-in rules embedded from data/rules/NAME.yaml, plus --rules DIR)
 * and is immutable afterwards: several threads may scan cases with the same ruleset. All
 * per-case state lives in the updx_rule_scan object.
 */
#ifndef UPDX_RULES_RULES_H
#define UPDX_RULES_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "model/case.h"
#include "model/finding.h"
#include "text/text.h"
#include "util/notes.h"

/* Caps on what a rule file can make the loader build (rule files may come from anyone). */
enum {
    UPDX_RULES_MAX_RULES = 4096,          /* rules in one ruleset */
    UPDX_RULES_MAX_FILE_BYTES = 1 << 20,  /* one YAML file; real rule files are a few KiB */
    UPDX_RULES_MAX_DEPTH = 16,            /* YAML nesting; the format needs 5 */
    UPDX_RULES_MAX_NODES = 200000,        /* YAML nodes in one file */
    UPDX_RULES_MAX_PATTERN = 4096,        /* bytes of one regex */
    UPDX_RULES_MAX_PATTERNS = 16,         /* patterns in one rule */
    UPDX_RULES_MAX_CONDITIONS = 16,       /* `when` conditions in one rule */
    UPDX_RULES_MAX_HITS = 64,             /* matches kept per rule and case */
    UPDX_RULES_MAX_FILES = 1024,          /* files read from one --rules directory */
};

typedef struct updx_ruleset updx_ruleset;
typedef struct updx_rule updx_rule;
typedef struct updx_rule_scan updx_rule_scan;

/* Answers a fact query: fills up to max_values pointers (they must stay valid until the
 * evaluation returns) and returns how many values the fact has (0 = absent). A path may
 * have several values, e.g. one per crash. */
typedef int (*updx_fact_fn)(void *ud, const char *path, const char **values, size_t max_values);
/* Where a fact's value was read (a registry value's line, the log line of a result code),
 * so that a finding resting on it cites that line; false when it is not known. Called with
 * the same ud as the fact function. */
typedef bool (*updx_fact_source_fn)(void *ud, const char *path, const char *value, updx_evref *out);

/* --- loading ---------------------------------------------------------------------------- */

/* An empty ruleset, or NULL when out of memory. */
updx_ruleset *updx_rules_new(void);
/* A ruleset holding the built-in rules (data/rules/NAME.yaml); problems go to errors (may be
 * NULL). NULL only when out of memory. */
updx_ruleset *updx_rules_load_builtin(updx_notes *errors);
/* Adds the rules of one YAML text. `name` is used in messages and as the rules' source.
 * Returns the number of rules added, or a negative updx_status. A bad rule is skipped with a
 * note naming name:line (column in the message); the others still load. A rule whose id is
 * already loaded replaces it (so a user directory can override a built-in rule). */
int updx_rules_load_mem(updx_ruleset *rs, const char *name, const char *yaml, size_t len,
                        updx_notes *errors);
/* Adds every *.yaml / *.yml file of `dir` (not recursive, sorted by name). */
int updx_rules_load_dir(updx_ruleset *rs, const char *dir, updx_notes *errors);
/* Adds one file. */
int updx_rules_load_file(updx_ruleset *rs, const char *path, updx_notes *errors);
void updx_rules_free(updx_ruleset *rs);

/* --- inspection ------------------------------------------------------------------------- */

size_t updx_rules_count(const updx_ruleset *rs);
const updx_rule *updx_rules_at(const updx_ruleset *rs, size_t i);
const updx_rule *updx_rules_find(const updx_ruleset *rs, const char *id);

const char *updx_rule_id(const updx_rule *r);
updx_category updx_rule_category(const updx_rule *r);
updx_i18n updx_rule_title(const updx_rule *r);
const char *updx_rule_source(const updx_rule *r);   /* file name it came from */
unsigned updx_rule_line(const updx_rule *r);        /* line of its `id` */
const char *updx_rule_plan(const updx_rule *r);     /* remediation plan id or NULL */
size_t updx_rule_pattern_count(const updx_rule *r);
/* The pattern's regex and its literal prefilter (NULL when none could be derived). */
const char *updx_rule_pattern(const updx_rule *r, size_t i, const char **literal);

/* The literal a pattern can be prefiltered with (the longest run of characters every match
 * must contain), written to out; false when none of at least 3 bytes exists. *nocase is set
 * when the pattern is case-insensitive. Pure; exposed for tests. */
bool updx_rules_derive_literal(const char *pattern, char *out, size_t size, bool *nocase);

/* --- scanning --------------------------------------------------------------------------- */

/* Per-case match state. Captured text and evidence go into c's arena. NULL on no memory. */
updx_rule_scan *updx_rules_scan_new(const updx_ruleset *rs, updx_case *c);
/* Turns the literal prefilter off (for tests that prove the prefilter changes nothing). */
void updx_rules_scan_set_prefilter(updx_rule_scan *s, bool on);
/* The ruleset's prefilter literals (ids 0..n-1), to put in a block-level literal set. */
size_t updx_ruleset_literal_count(const updx_ruleset *rs);
void updx_ruleset_literal(const updx_ruleset *rs, size_t i, const char **text, size_t *len, bool *nocase);
/* Lines that come with prefilter hits (updx_line.filtered) from `set`, in which literal i of
 * the ruleset has id base + i, need no literal search of their own. NULL turns it off. */
void updx_rules_scan_use_hits(updx_rule_scan *s, const updx_litset *set, uint32_t base);
/* Feeds one line of text member `member` of kind `kind`. Call for every line of every text
 * member, members one after another. Cheap for lines no rule can match. */
void updx_rules_scan_line(updx_rule_scan *s, updx_kind kind, const char *member, const updx_line *line);
/* Checks the conditions through `facts` (may be NULL: no facts) and appends one finding per
 * rule and culprit to c->findings. Returns the number of findings added, or a negative
 * updx_status. Call once, after the last line. */
int updx_rules_evaluate(updx_rule_scan *s, updx_case *c, updx_fact_fn facts, void *ud);
/* Sets where updx_rules_evaluate asks for the lines behind the facts a finding rests on. */
void updx_rules_scan_fact_sources(updx_rule_scan *s, updx_fact_source_fn sources);
/* How many lines matched pattern i of rule r so far (tests, statistics). */
size_t updx_rules_scan_matches(const updx_rule_scan *s, const updx_rule *r, size_t pattern);
void updx_rules_scan_free(updx_rule_scan *s);

/* --- examples --------------------------------------------------------------------------- */

/* The outcome of running a ruleset over one rule's examples. */
typedef struct updx_example_result {
    const updx_rule *rule;   /* the rule whose example it is */
    size_t example;          /* index among that rule's examples */
    bool must_fire;          /* a `fire` example (else a `quiet` one) */
    bool fired;              /* the rule itself fired */
    const char *others;      /* other rules that fired, comma-separated, or NULL */
    unsigned line;           /* line of the example in its rule file */
} updx_example_result;

/* Runs every example of every rule in rs against the whole ruleset and calls `cb` for each.
 * Returns the number of failed examples (a `fire` example that does not fire its rule or
 * fires another, a `quiet` one that fires its rule), or a negative updx_status. */
int updx_rules_run_examples(const updx_ruleset *rs,
                            void (*cb)(void *ud, const updx_example_result *res), void *ud);

#endif
