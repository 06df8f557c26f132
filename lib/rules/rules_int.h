/*
 * rules_int.h: the rule engine's internal types, shared by the loader (load.c), the matcher
 * (scan.c) and the example runner (examples.c). Not part of the API.
 */
#ifndef UPDX_RULES_RULES_INT_H
#define UPDX_RULES_RULES_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "rules/rules.h"

enum {
    RULE_MAX_GROUPS = 16,      /* named groups kept per pattern */
    RULE_MAX_VALUES = 64,      /* values of one `in` condition */
    RULE_MAX_PARAMS = 16,
    RULE_MAX_STEPS = 32,
    RULE_MAX_REFS = 32,
    RULE_MAX_EXAMPLES = 64,
    RULE_MAX_EX_MEMBERS = 8,
    RULE_MAX_EX_FACTS = 32,
    RULE_MAX_OPEN = 64,        /* unclosed openers remembered per pattern */
    RULE_MAX_LITERAL = 256,    /* bytes of a prefilter literal */
};

typedef enum cond_op {
    OP_EQ, OP_NE, OP_IN, OP_PREFIX, OP_GLOB, OP_REGEX, OP_EXISTS, OP_ABSENT
} cond_op;

typedef struct rule_pattern {
    const char *name;          /* label, "p1", "p2"... when not given */
    const char *regex;
    pcre2_code *code;
    atomic_bool jit_done;      /* JIT compiled (or tried) on its first candidate line */
    uint32_t kinds;            /* bit per updx_kind */
    const char *literal;       /* prefilter, or NULL */
    size_t literal_len;
    bool literal_nocase;
    int literal_id;            /* index in the ruleset's literal table */
    int after;                 /* pattern that must come before in the same member, or -1 */
    unsigned within;           /* ... at most this many lines before; 0 = anywhere before */
    int closed_by;             /* opener: the pattern that closes it, or -1 */
    bool closer;               /* only closes openers, proves nothing itself */
    bool anchor;               /* another pattern's `after` names it */
    bool absent;               /* the rule needs this pattern never to match */
    size_t ngroups;
    const char *group_name[RULE_MAX_GROUPS];
    uint32_t group_num[RULE_MAX_GROUPS];
    unsigned line;
} rule_pattern;

typedef struct rule_cond {
    const char *path;
    cond_op op;
    const char **values;
    size_t nvalues;
    pcre2_code *re;
    unsigned line;
} rule_cond;

typedef struct rule_kv {
    const char *key;
    const char *value;
} rule_kv;

typedef struct rule_ex_member {
    updx_kind kind;
    const char *name;
    const char *text;
} rule_ex_member;

typedef struct rule_example {
    bool fire;
    rule_ex_member members[RULE_MAX_EX_MEMBERS];
    size_t nmembers;
    rule_kv facts[RULE_MAX_EX_FACTS];
    size_t nfacts;
    unsigned line;
} rule_example;

struct updx_rule {
    const char *id;
    unsigned load;             /* which load call added it (a duplicate id within one load is an error) */
    updx_category category;
    updx_i18n title, explanation;
    rule_pattern *pats;
    size_t npats;
    bool any;                  /* `any` combination, else `all` */
    rule_cond *conds;
    size_t nconds;
    const char *culprit_kind, *culprit_name, *culprit_service;
    double confidence;
    const char *plan;
    rule_kv params[RULE_MAX_PARAMS];
    size_t nparams;
    updx_i18n *steps;
    size_t nsteps;
    const char **refs;
    size_t nrefs;
    rule_example *examples;
    size_t nexamples;
    const char *source;
    unsigned line;
};

typedef struct rule_literal {
    const char *text;
    size_t len;
    bool nocase;
} rule_literal;

typedef struct kind_entry {
    uint32_t rule;
    uint32_t pat;
} kind_entry;

struct updx_ruleset {
    updx_arena arena;
    updx_rule **rules;
    size_t nrules, alloc;
    pcre2_code **codes;        /* every compiled regex, for freeing */
    size_t ncodes, codes_alloc;
    /* index rebuilt after every load: which patterns apply to each kind */
    kind_entry *by_kind[UPDX_KIND_COUNT];
    size_t by_kind_len[UPDX_KIND_COUNT];
    rule_literal *literals;
    size_t nliterals;
    unsigned loads;            /* load calls so far */
    /* JIT compiles happen lazily during scans, which may run in several threads (fleet) */
    pthread_mutex_t jit_lock;
};

/* load.c: JIT-compiles p's regex once, on first use; safe from several threads. */
void rules_pattern_jit(const updx_ruleset *rs, const rule_pattern *p);

/* scan.c */
const char *rules_expand(updx_arena *a, const char *tmpl, const char *const *names,
                         const char *const *values, size_t n, updx_fact_fn facts, void *ud,
                         bool *unresolved);

#endif
