/*
 * load.c: rule files (YAML) to compiled rules. Every field is checked; a bad rule is skipped
 * with a note naming file:line (the column is in the message) and the other rules load.
 * The format is documented in docs/rule-authoring.md.
 */
#include "rules/rules_int.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define UPDX_RUNNING_ON_VALGRIND RUNNING_ON_VALGRIND
#endif
#endif
#ifndef UPDX_RUNNING_ON_VALGRIND
#define UPDX_RUNNING_ON_VALGRIND 0
#endif
#include "rules/yamltree.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/embedded.h"
#include "util/strutil.h"

/* The ruleset's arena holds compiled rules; 64 MiB is far beyond thousands of rules. */
#define RULESET_ARENA_CAP (64u << 20)
/* Regex work per line is bounded so a pathological pattern cannot hang a scan. */

typedef struct loader {
    updx_ruleset *rs;
    const char *file;
    updx_notes *errors;
    int failed;               /* an error was reported for the current rule */
} loader;

__attribute__((format(printf, 3, 4)))
static void lerr(loader *L, const ytree *at, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    L->failed = 1;
    if (L->errors)
        updx_note_add(L->errors, UPDX_NOTE_WARNING, L->file, UPDX_NO_OFFSET, at ? at->line : 0,
                      "%s (column %u)", msg, at ? at->col : 0);
}

updx_ruleset *updx_rules_new(void)
{
    updx_ruleset *rs = calloc(1, sizeof *rs);
    if (!rs)
        return NULL;
    updx_arena_init(&rs->arena, RULESET_ARENA_CAP);
    if (pthread_mutex_init(&rs->jit_lock, NULL) != 0) {
        updx_arena_free(&rs->arena);
        free(rs);
        return NULL;
    }
    return rs;
}

/* JIT makes matching several times faster, but compiling all patterns at load took about
 * 2 ms per process, most of the whole analysis of a small bundle; most patterns never see a
 * candidate line, so each is compiled on its first. Without JIT (unsupported CPU) we still
 * work. Under valgrind the JIT's generated code reads bytes valgrind thinks uninitialised (a
 * known false alarm, PCRE2 has no valgrind annotations in Debian's build): interpret. */
void rules_pattern_jit(const updx_ruleset *rs, const rule_pattern *p)
{
    if (atomic_load_explicit(&p->jit_done, memory_order_acquire))
        return;
    updx_ruleset *mrs = (updx_ruleset *)rs;  /* the lock and the flag are the only state touched */
    rule_pattern *mp = (rule_pattern *)p;
    pthread_mutex_lock(&mrs->jit_lock);
    if (!atomic_load_explicit(&mp->jit_done, memory_order_relaxed)) {
        if (!UPDX_RUNNING_ON_VALGRIND)
            (void)pcre2_jit_compile(mp->code, PCRE2_JIT_COMPLETE);
        atomic_store_explicit(&mp->jit_done, true, memory_order_release);
    }
    pthread_mutex_unlock(&mrs->jit_lock);
}

void updx_rules_free(updx_ruleset *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->ncodes; i++)
        pcre2_code_free(rs->codes[i]);
    free(rs->codes);
    free(rs->rules);
    for (int k = 0; k < UPDX_KIND_COUNT; k++)
        free(rs->by_kind[k]);
    free(rs->literals);
    pthread_mutex_destroy(&rs->jit_lock);
    updx_arena_free(&rs->arena);
    free(rs);
}

static bool keep_code(updx_ruleset *rs, pcre2_code *code)
{
    if (rs->ncodes == rs->codes_alloc) {
        size_t na = rs->codes_alloc ? rs->codes_alloc * 2 : 64;
        pcre2_code **nc = realloc(rs->codes, na * sizeof *nc);
        if (!nc)
            return false;
        rs->codes = nc;
        rs->codes_alloc = na;
    }
    rs->codes[rs->ncodes++] = code;
    return true;
}

/* --- literal prefilter ----------------------------------------------------------------- */

typedef struct litrun {
    char buf[RULE_MAX_LITERAL];
    size_t len, last;          /* last = start of the last character in buf */
    char best[RULE_MAX_LITERAL];
    size_t best_len;
} litrun;

static void run_end(litrun *r)
{
    if (r->len > r->best_len) {
        memcpy(r->best, r->buf, r->len);
        r->best_len = r->len;
    }
    r->len = 0;
    r->last = 0;
}

static void run_add(litrun *r, const char *c, size_t n)
{
    if (r->len + n >= sizeof r->buf) {
        run_end(r);
        return;
    }
    r->last = r->len;
    memcpy(r->buf + r->len, c, n);
    r->len += n;
}

static void run_drop_last(litrun *r)
{
    r->len = r->last;
    run_end(r);
}

/* Skips a group or class starting at p[i] ('(' or '['); returns the index after it, or 0
 * when it never closes. */
static size_t skip_class(const char *p, size_t i)
{
    i++;
    if (p[i] == '^')
        i++;
    if (p[i] == ']')
        i++;
    while (p[i] && p[i] != ']') {
        if (p[i] == '\\' && p[i + 1])
            i++;
        else if (p[i] == '[' && p[i + 1] == ':') {
            const char *e = strstr(p + i, ":]");
            if (e)
                i = (size_t)(e - p) + 1;
        }
        i++;
    }
    return p[i] ? i + 1 : 0;
}

static size_t skip_group(const char *p, size_t i)
{
    int depth = 0;
    while (p[i]) {
        if (p[i] == '\\' && p[i + 1])
            i += 2;
        else if (p[i] == '[') {
            i = skip_class(p, i);
            if (!i)
                return 0;
        } else if (p[i] == '(') {
            depth++;
            i++;
        } else if (p[i] == ')') {
            i++;
            if (--depth == 0)
                return i;
        } else
            i++;
    }
    return 0;
}

bool updx_rules_derive_literal(const char *p, char *out, size_t size, bool *nocase)
{
    litrun r = {0};
    *nocase = strstr(p, "(?i") != NULL;
    /* extended mode changes what whitespace means; \Q..\E quoting: not worth the code */
    if (strstr(p, "(?x") || strstr(p, "\\Q") || strstr(p, "(?-i"))
        return false;
    for (size_t i = 0; p[i];) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\\') {
            unsigned char n = (unsigned char)p[i + 1];
            if (!n)
                return false;
            if ((n >= '0' && n <= '9') || (n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z')) {
                run_end(&r);   /* \d \w \s \b \x.. \p{..} \1: not literal */
                i += 2;
                if ((n == 'x' || n == 'p' || n == 'P' || n == 'g' || n == 'k' || n == 'N' || n == 'o') &&
                    p[i] == '{') {
                    const char *e = strchr(p + i, '}');
                    if (!e)
                        return false;
                    i = (size_t)(e - p) + 1;
                }
                continue;
            }
            if (n >= 0x80)
                return false;
            char ch = (char)n;
            run_add(&r, &ch, 1);
            i += 2;
            continue;
        }
        if (c == '[' || c == '(') {
            run_end(&r);
            i = c == '[' ? skip_class(p, i) : skip_group(p, i);
            if (!i)
                return false;
            continue;
        }
        if (c == '|' || c == ')')
            return false;  /* top-level alternation: no single required literal */
        if (c == '*' || c == '?') {
            run_drop_last(&r);
            i++;
            continue;
        }
        if (c == '{') {
            /* {n}, {n,}, {n,m}: the previous character may repeat zero times when n = 0 */
            size_t j = i + 1;
            while (p[j] >= '0' && p[j] <= '9')
                j++;
            if (j > i + 1 && (p[j] == '}' || p[j] == ',')) {
                if (p[i + 1] == '0' && j == i + 2)
                    run_drop_last(&r);
                else
                    run_end(&r);
                const char *e = strchr(p + j, '}');
                if (!e)
                    return false;
                i = (size_t)(e - p) + 1;
                continue;
            }
            run_end(&r);
            i++;
            continue;
        }
        if (c == '+' || c == '.' || c == '^' || c == '$') {
            run_end(&r);
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t n = 1;
            while (n < 4 && ((unsigned char)p[i + n] & 0xC0) == 0x80)
                n++;
            if (*nocase)
                run_end(&r);  /* non-ASCII case folding is not ours to guess */
            else
                run_add(&r, p + i, n);
            i += n;
            continue;
        }
        char ch = (char)c;
        run_add(&r, &ch, 1);
        i++;
    }
    run_end(&r);
    if (r.best_len < 3 || r.best_len + 1 > size)
        return false;
    memcpy(out, r.best, r.best_len);
    out[r.best_len] = '\0';
    return true;
}

/* --- field helpers --------------------------------------------------------------------- */

static const char *scalar(loader *L, const ytree *n, const char *what)
{
    if (!n)
        return NULL;
    if (n->type != YT_SCALAR) {
        lerr(L, n, "%s must be a plain value", what);
        return NULL;
    }
    return n->value;
}

static const char *adup(loader *L, const char *s)
{
    return s ? updx_arena_strdup(&L->rs->arena, s) : NULL;
}

static bool check_keys(loader *L, const ytree *m, const char *what, const char *const *allowed)
{
    if (!m || m->type != YT_MAP) {
        lerr(L, m, "%s must be a mapping", what);
        return false;
    }
    bool ok = true;
    for (const ytree *k = m->first; k && k->next; k = k->next->next) {
        bool found = false;
        for (size_t i = 0; allowed[i]; i++)
            if (k->type == YT_SCALAR && strcmp(k->value, allowed[i]) == 0)
                found = true;
        if (!found) {
            lerr(L, k, "unknown field '%s' in %s", k->type == YT_SCALAR ? k->value : "?", what);
            ok = false;
        }
    }
    return ok;
}

/* en/zh pair; both required when `required`. */
static bool i18n(loader *L, const ytree *n, const char *what, updx_i18n *out, bool required)
{
    static const char *const keys[] = {"en", "zh", NULL};
    out->en = out->zh = NULL;
    if (!n) {
        if (required)
            return false;
        return true;
    }
    if (!check_keys(L, n, what, keys))
        return false;
    out->en = adup(L, scalar(L, ytree_get(n, "en"), what));
    out->zh = adup(L, scalar(L, ytree_get(n, "zh"), what));
    if (!out->en || !out->zh || !*out->en || !*out->zh) {
        lerr(L, n, "%s needs both 'en' and 'zh' text", what);
        return false;
    }
    return true;
}

static int kind_from_name(const char *name)
{
    for (int k = 0; k < UPDX_KIND_COUNT; k++)
        if (strcmp(updx_kind_name((updx_kind)k), name) == 0)
            return k;
    return -1;
}

static bool parse_kinds(loader *L, const ytree *n, uint32_t *mask)
{
    *mask = 0;
    if (!n) {
        lerr(L, n, "a pattern needs 'kinds' (member kinds such as setupact, setupapi)");
        return false;
    }
    const ytree *one = n->type == YT_SCALAR ? n : n->first;
    for (; one; one = n->type == YT_SCALAR ? NULL : one->next) {
        const char *name = scalar(L, one, "kinds");
        if (!name)
            return false;
        if (strcmp(name, "any") == 0) {
            *mask = UINT32_MAX;
            continue;
        }
        int k = kind_from_name(name);
        if (k <= 0) {
            lerr(L, one, "unknown member kind '%s'", name);
            return false;
        }
        *mask |= 1u << k;
    }
    if (!*mask) {
        lerr(L, n, "'kinds' is empty");
        return false;
    }
    return true;
}

static pcre2_code *compile_regex(loader *L, const ytree *at, const char *re, bool nocase)
{
    int errcode;
    PCRE2_SIZE erroff;
    if (strlen(re) > UPDX_RULES_MAX_PATTERN) {
        lerr(L, at, "pattern longer than %d bytes", UPDX_RULES_MAX_PATTERN);
        return NULL;
    }
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (nocase ? PCRE2_CASELESS : 0);
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, opts, &errcode, &erroff, NULL);
    if (!code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(errcode, msg, sizeof msg);
        lerr(L, at, "bad regular expression at offset %zu: %s", (size_t)erroff, (const char *)msg);
        return NULL;
    }
    /* line patterns are JIT-compiled on first use (rules_pattern_jit) */
    if (!keep_code(L->rs, code)) {
        pcre2_code_free(code);
        lerr(L, at, "out of memory");
        return NULL;
    }
    return code;
}

static bool parse_pattern(loader *L, const ytree *n, rule_pattern *p, size_t index, bool nocase,
                          const char **after_name, const char **closed_by_name)
{
    static const char *const keys[] = {"name", "kinds", "kind", "regex", "literal", "after", "within",
                                       "closed_by", "absent", NULL};
    memset(p, 0, sizeof *p);
    p->after = p->closed_by = -1;
    p->line = n->line;
    if (!check_keys(L, n, "a pattern", keys))
        return false;
    const char *name = scalar(L, ytree_get(n, "name"), "name");
    p->name = name ? adup(L, name) : updx_arena_printf(&L->rs->arena, "p%zu", index + 1);
    const ytree *kinds = ytree_get(n, "kinds");
    if (!kinds)
        kinds = ytree_get(n, "kind");
    if (!parse_kinds(L, kinds, &p->kinds))
        return false;
    const ytree *ren = ytree_get(n, "regex");
    const char *re = scalar(L, ren, "regex");
    if (!re || !*re) {
        lerr(L, n, "a pattern needs a non-empty 'regex'");
        return false;
    }
    p->regex = adup(L, re);
    p->code = compile_regex(L, ren, re, nocase);
    if (!p->code)
        return false;
    /* named groups, in the order pcre2 lists them */
    uint32_t count = 0, entry = 0;
    PCRE2_SPTR table = NULL;
    pcre2_pattern_info(p->code, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(p->code, PCRE2_INFO_NAMEENTRYSIZE, &entry);
    pcre2_pattern_info(p->code, PCRE2_INFO_NAMETABLE, &table);
    for (uint32_t i = 0; i < count && p->ngroups < RULE_MAX_GROUPS; i++) {
        PCRE2_SPTR e = table + (size_t)i * entry;
        p->group_num[p->ngroups] = ((uint32_t)e[0] << 8) | e[1];
        p->group_name[p->ngroups] = adup(L, (const char *)e + 2);
        p->ngroups++;
    }
    const ytree *litn = ytree_get(n, "literal");
    char lit[RULE_MAX_LITERAL];
    bool lit_nocase = nocase;
    if (litn) {
        const char *l = scalar(L, litn, "literal");
        if (!l)
            return false;
        if (*l) {  /* literal: "" turns the prefilter off */
            if (strlen(l) >= sizeof lit) {
                lerr(L, litn, "literal longer than %d bytes", RULE_MAX_LITERAL - 1);
                return false;
            }
            p->literal = adup(L, l);
        }
    } else if (updx_rules_derive_literal(re, lit, sizeof lit, &lit_nocase)) {
        p->literal = adup(L, lit);
    }
    if (p->literal) {
        p->literal_len = strlen(p->literal);
        p->literal_nocase = nocase || lit_nocase;
    }
    *after_name = scalar(L, ytree_get(n, "after"), "after");
    *closed_by_name = scalar(L, ytree_get(n, "closed_by"), "closed_by");
    const char *within = scalar(L, ytree_get(n, "within"), "within");
    if (within) {
        char *end;
        unsigned long w = strtoul(within, &end, 10);
        if (*end || w > 1000000) {
            lerr(L, ytree_get(n, "within"), "'within' must be a number of lines (0..1000000)");
            return false;
        }
        p->within = (unsigned)w;
    }
    const char *absent = scalar(L, ytree_get(n, "absent"), "absent");
    if (absent)
        p->absent = strcmp(absent, "true") == 0 || strcmp(absent, "yes") == 0;
    return !L->failed;
}

static int pattern_index(const rule_pattern *pats, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(pats[i].name, name) == 0)
            return (int)i;
    return -1;
}

static bool parse_match(loader *L, const ytree *m, updx_rule *r, bool nocase)
{
    const ytree *list = m;
    r->any = false;
    if (m->type == YT_MAP) {
        static const char *const keys[] = {"all", "any", NULL};
        if (!check_keys(L, m, "match", keys))
            return false;
        const ytree *all = ytree_get(m, "all"), *any = ytree_get(m, "any");
        if ((all && any) || (!all && !any)) {
            lerr(L, m, "match takes one of 'all' or 'any'");
            return false;
        }
        list = all ? all : any;
        r->any = any != NULL;
    }
    if (list->type != YT_SEQ || list->count == 0) {
        lerr(L, list, "match needs a list of patterns");
        return false;
    }
    if (list->count > UPDX_RULES_MAX_PATTERNS) {
        lerr(L, list, "more than %d patterns in one rule", UPDX_RULES_MAX_PATTERNS);
        return false;
    }
    r->pats = updx_arena_alloc(&L->rs->arena, list->count * sizeof *r->pats);
    const char *after[UPDX_RULES_MAX_PATTERNS], *closer[UPDX_RULES_MAX_PATTERNS];
    const ytree *nodes[UPDX_RULES_MAX_PATTERNS];
    if (!r->pats)
        return false;
    size_t i = 0;
    for (const ytree *p = list->first; p; p = p->next, i++) {
        nodes[i] = p;
        if (!parse_pattern(L, p, &r->pats[i], i, nocase, &after[i], &closer[i]))
            return false;
    }
    r->npats = i;
    for (i = 0; i < r->npats; i++) {
        if (after[i]) {
            int a = pattern_index(r->pats, r->npats, after[i]);
            if (a < 0 || a == (int)i) {
                lerr(L, nodes[i], "'after' names no other pattern of this rule: '%s'", after[i]);
                return false;
            }
            r->pats[i].after = a;
            r->pats[a].anchor = true;
        }
        if (closer[i]) {
            int c = pattern_index(r->pats, r->npats, closer[i]);
            if (c < 0 || c == (int)i) {
                lerr(L, nodes[i], "'closed_by' names no other pattern of this rule: '%s'", closer[i]);
                return false;
            }
            r->pats[i].closed_by = c;
            r->pats[c].closer = true;
        }
    }
    return true;
}

static bool parse_op(const char *s, cond_op *op)
{
    static const char *const names[] = {"eq", "ne", "in", "prefix", "glob", "regex", "exists", "absent"};
    for (int i = 0; i < 8; i++)
        if (strcmp(s, names[i]) == 0) {
            *op = (cond_op)i;
            return true;
        }
    return false;
}

static bool parse_cond(loader *L, const ytree *n, rule_cond *c)
{
    memset(c, 0, sizeof *c);
    c->line = n->line;
    const char *path = NULL, *opname = NULL;
    const ytree *valn = NULL;
    char buf[1024];
    const char *inline_value = NULL;
    if (n->type == YT_SCALAR) {
        /* "path op value" */
        if (n->len >= sizeof buf) {
            lerr(L, n, "condition too long");
            return false;
        }
        memcpy(buf, n->value, n->len + 1);
        char *save = NULL;
        path = strtok_r(buf, " \t", &save);
        opname = strtok_r(NULL, " \t", &save);
        inline_value = save && *save ? save : NULL;
        if (inline_value)
            while (*inline_value == ' ' || *inline_value == '\t')
                inline_value++;
        if (inline_value && !*inline_value)
            inline_value = NULL;
    } else {
        static const char *const keys[] = {"fact", "op", "value", "values", NULL};
        if (!check_keys(L, n, "a condition", keys))
            return false;
        path = scalar(L, ytree_get(n, "fact"), "fact");
        opname = scalar(L, ytree_get(n, "op"), "op");
        valn = ytree_get(n, "value");
        if (!valn)
            valn = ytree_get(n, "values");
    }
    if (!path || !opname) {
        lerr(L, n, "a condition is 'FACT OP VALUE' (e.g. 'upgrade.extended_code eq 0x30018')");
        return false;
    }
    if (!parse_op(opname, &c->op)) {
        lerr(L, n, "unknown condition operator '%s' (eq ne in prefix glob regex exists absent)", opname);
        return false;
    }
    c->path = adup(L, path);
    const char *vals[RULE_MAX_VALUES];
    size_t nv = 0;
    if (inline_value) {
        /* inline lists are comma-separated: "upgrade.extended_code in 0x30018, 0x3000D" */
        char *save = NULL;
        char vb[1024];
        snprintf(vb, sizeof vb, "%s", inline_value);
        if (c->op == OP_IN) {
            for (char *t = strtok_r(vb, ",", &save); t && nv < RULE_MAX_VALUES; t = strtok_r(NULL, ",", &save)) {
                size_t tl = strlen(t);
                const char *ts = updx_trim(t, &tl);
                vals[nv++] = updx_arena_strndup(&L->rs->arena, ts, tl);
            }
        } else
            vals[nv++] = adup(L, inline_value);
    } else if (valn) {
        if (valn->type == YT_SCALAR)
            vals[nv++] = adup(L, valn->value);
        else if (valn->type == YT_SEQ) {
            for (const ytree *v = valn->first; v; v = v->next) {
                if (nv == RULE_MAX_VALUES) {
                    lerr(L, v, "more than %d values", RULE_MAX_VALUES);
                    return false;
                }
                const char *s = scalar(L, v, "value");
                if (!s)
                    return false;
                vals[nv++] = adup(L, s);
            }
        } else {
            lerr(L, valn, "a condition's value must be a value or a list");
            return false;
        }
    }
    bool needs_value = c->op != OP_EXISTS && c->op != OP_ABSENT;
    if (needs_value && nv == 0) {
        lerr(L, n, "condition '%s %s' needs a value", path, opname);
        return false;
    }
    c->values = updx_arena_alloc(&L->rs->arena, (nv ? nv : 1) * sizeof *c->values);
    if (!c->values)
        return false;
    memcpy(c->values, vals, nv * sizeof *vals);
    c->nvalues = nv;
    if (c->op == OP_REGEX) {
        c->re = compile_regex(L, n, vals[0], false);
        if (!c->re)
            return false;
    }
    return true;
}

static bool parse_example(loader *L, const ytree *n, bool fire, rule_example *ex)
{
    static const char *const keys[] = {"kind", "member", "lines", "members", "facts", NULL};
    memset(ex, 0, sizeof *ex);
    ex->fire = fire;
    ex->line = n->line;
    if (!check_keys(L, n, "an example", keys))
        return false;
    const ytree *members = ytree_get(n, "members");
    const ytree *one[1] = {n};
    const ytree *it = members ? (members->type == YT_SEQ ? members->first : NULL) : one[0];
    if (members && members->type != YT_SEQ) {
        lerr(L, members, "'members' must be a list");
        return false;
    }
    for (; it; it = members ? it->next : NULL) {
        if (ex->nmembers == RULE_MAX_EX_MEMBERS) {
            lerr(L, it, "more than %d members in one example", RULE_MAX_EX_MEMBERS);
            return false;
        }
        if (members && !check_keys(L, it, "an example member", keys))
            return false;
        const char *kind = scalar(L, ytree_get(it, "kind"), "kind");
        const char *lines = scalar(L, ytree_get(it, "lines"), "lines");
        const char *member = scalar(L, ytree_get(it, "member"), "member");
        if (!kind && !lines && ytree_get(n, "facts") && !members)
            break;  /* a facts-only example */
        if (!kind || !lines) {
            lerr(L, it, "an example needs 'kind' and 'lines'");
            return false;
        }
        int k = kind_from_name(kind);
        if (k <= 0) {
            lerr(L, ytree_get(it, "kind"), "unknown member kind '%s'", kind);
            return false;
        }
        rule_ex_member *m = &ex->members[ex->nmembers++];
        m->kind = (updx_kind)k;
        m->text = adup(L, lines);
        m->name = member ? adup(L, member) : updx_arena_printf(&L->rs->arena, "example.%s.log", kind);
    }
    const ytree *facts = ytree_get(n, "facts");
    if (facts) {
        if (facts->type != YT_MAP) {
            lerr(L, facts, "'facts' must be a mapping of fact path to value (or list of values)");
            return false;
        }
        for (const ytree *k = facts->first; k && k->next; k = k->next->next) {
            const ytree *v = k->next;
            /* a flow mapping may have a list or a mapping as a key: not a fact path */
            const char *path = scalar(L, k, "fact path");
            if (!path)
                return false;
            const ytree *vi = v->type == YT_SEQ ? v->first : v;
            for (; vi; vi = v->type == YT_SEQ ? vi->next : NULL) {
                if (ex->nfacts == RULE_MAX_EX_FACTS) {
                    lerr(L, vi, "more than %d facts in one example", RULE_MAX_EX_FACTS);
                    return false;
                }
                const char *val = scalar(L, vi, "fact value");
                if (!val)
                    return false;
                ex->facts[ex->nfacts].key = adup(L, path);
                ex->facts[ex->nfacts].value = adup(L, val);
                ex->nfacts++;
            }
        }
    }
    if (ex->nmembers == 0 && ex->nfacts == 0) {
        lerr(L, n, "an example needs lines or facts");
        return false;
    }
    return true;
}

static bool parse_examples(loader *L, const ytree *n, updx_rule *r)
{
    static const char *const keys[] = {"fire", "quiet", NULL};
    if (!check_keys(L, n, "examples", keys))
        return false;
    const ytree *fire = ytree_get(n, "fire"), *quiet = ytree_get(n, "quiet");
    size_t total = (fire && fire->type == YT_SEQ ? fire->count : 0) +
                   (quiet && quiet->type == YT_SEQ ? quiet->count : 0);
    if (!fire || fire->type != YT_SEQ || fire->count == 0) {
        lerr(L, n, "examples need a non-empty 'fire' list (lines that must fire the rule)");
        return false;
    }
    if (quiet && quiet->type != YT_SEQ) {
        lerr(L, quiet, "'quiet' must be a list");
        return false;
    }
    if (total > RULE_MAX_EXAMPLES) {
        lerr(L, n, "more than %d examples", RULE_MAX_EXAMPLES);
        return false;
    }
    r->examples = updx_arena_alloc(&L->rs->arena, total * sizeof *r->examples);
    if (!r->examples)
        return false;
    for (int pass = 0; pass < 2; pass++) {
        const ytree *list = pass == 0 ? fire : quiet;
        if (!list)
            continue;
        for (const ytree *e = list->first; e; e = e->next)
            if (!parse_example(L, e, pass == 0, &r->examples[r->nexamples++]))
                return false;
    }
    return true;
}

static bool parse_remediation(loader *L, const ytree *n, updx_rule *r)
{
    static const char *const keys[] = {"plan", "params", "steps", NULL};
    if (!check_keys(L, n, "remediation", keys))
        return false;
    r->plan = adup(L, scalar(L, ytree_get(n, "plan"), "plan"));
    const ytree *params = ytree_get(n, "params");
    if (params) {
        if (params->type != YT_MAP) {
            lerr(L, params, "'params' must be a mapping");
            return false;
        }
        for (const ytree *k = params->first; k && k->next; k = k->next->next) {
            if (r->nparams == RULE_MAX_PARAMS) {
                lerr(L, k, "more than %d params", RULE_MAX_PARAMS);
                return false;
            }
            const char *name = scalar(L, k, "param name");
            const char *v = name ? scalar(L, k->next, "param") : NULL;
            if (!v)
                return false;
            r->params[r->nparams].key = adup(L, name);
            r->params[r->nparams].value = adup(L, v);
            r->nparams++;
        }
    }
    const ytree *steps = ytree_get(n, "steps");
    if (steps) {
        if (steps->type != YT_SEQ || steps->count > RULE_MAX_STEPS) {
            lerr(L, steps, "'steps' must be a list of at most %d {en, zh} items", RULE_MAX_STEPS);
            return false;
        }
        r->steps = updx_arena_alloc(&L->rs->arena, (steps->count ? steps->count : 1) * sizeof *r->steps);
        if (!r->steps)
            return false;
        for (const ytree *s = steps->first; s; s = s->next)
            if (!i18n(L, s, "a step", &r->steps[r->nsteps++], true))
                return false;
    }
    if (!r->plan && !r->nsteps) {
        lerr(L, n, "remediation needs a 'plan' id or 'steps'");
        return false;
    }
    return true;
}

static bool valid_id(const char *id)
{
    if (!*id || strlen(id) > 80)
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
            return false;
    return true;
}

static void add_rule(loader *L, updx_rule *r)
{
    updx_ruleset *rs = L->rs;
    for (size_t i = 0; i < rs->nrules; i++)
        if (strcmp(rs->rules[i]->id, r->id) == 0) {
            if (L->errors && rs->rules[i]->load == r->load)
                updx_note_add(L->errors, UPDX_NOTE_WARNING, L->file, UPDX_NO_OFFSET, r->line,
                              "rule id '%s' is used twice in this file; the later one wins", r->id);
            else if (L->errors)
                updx_note_add(L->errors, UPDX_NOTE_INFO, L->file, UPDX_NO_OFFSET, r->line,
                              "rule '%s' replaces the one from %s", r->id, rs->rules[i]->source);
            rs->rules[i] = r;
            return;
        }
    if (rs->nrules == rs->alloc) {
        size_t na = rs->alloc ? rs->alloc * 2 : 128;
        updx_rule **nr = realloc(rs->rules, na * sizeof *nr);
        if (!nr) {
            lerr(L, NULL, "out of memory");
            return;
        }
        rs->rules = nr;
        rs->alloc = na;
    }
    rs->rules[rs->nrules++] = r;
}

static bool parse_rule(loader *L, const ytree *n)
{
    static const char *const keys[] = {"id", "category", "title", "explanation", "match", "ignore_case",
                                       "when", "culprit", "confidence", "remediation", "references",
                                       "examples", "setupdiag", NULL};
    L->failed = 0;
    if (!check_keys(L, n, "a rule", keys))
        return false;
    updx_rule *r = updx_arena_alloc(&L->rs->arena, sizeof *r);
    if (!r)
        return false;
    r->line = n->line;
    r->source = adup(L, L->file);
    r->load = L->rs->loads;
    const char *id = scalar(L, ytree_get(n, "id"), "id");
    if (!id || !valid_id(id)) {
        lerr(L, ytree_get(n, "id") ? ytree_get(n, "id") : n,
             "a rule needs an 'id' of lowercase letters, digits, '-', '_' or '.' (at most 80)");
        return false;
    }
    r->id = adup(L, id);
    const ytree *catn = ytree_get(n, "category");
    const char *cat = scalar(L, catn, "category");
    r->category = cat ? updx_category_from_name(cat) : UPDX_CAT_COUNT;
    if (r->category == UPDX_CAT_COUNT) {
        lerr(L, catn ? catn : n, "rule '%s': unknown or missing category '%s'", id, cat ? cat : "");
        return false;
    }
    if (!i18n(L, ytree_get(n, "title"), "title", &r->title, true) ||
        !i18n(L, ytree_get(n, "explanation"), "explanation", &r->explanation, true)) {
        if (!L->failed)
            lerr(L, n, "rule '%s' needs 'title' and 'explanation' with 'en' and 'zh'", id);
        return false;
    }
    const char *ic = scalar(L, ytree_get(n, "ignore_case"), "ignore_case");
    bool nocase = ic && (strcmp(ic, "true") == 0 || strcmp(ic, "yes") == 0);
    const ytree *match = ytree_get(n, "match");
    if (match && !parse_match(L, match, r, nocase))
        return false;
    const ytree *when = ytree_get(n, "when");
    if (when) {
        const ytree *first = when->type == YT_SEQ ? when->first : when;
        size_t count = when->type == YT_SEQ ? when->count : 1;
        if (count > UPDX_RULES_MAX_CONDITIONS) {
            lerr(L, when, "more than %d conditions", UPDX_RULES_MAX_CONDITIONS);
            return false;
        }
        r->conds = updx_arena_alloc(&L->rs->arena, (count ? count : 1) * sizeof *r->conds);
        if (!r->conds)
            return false;
        for (const ytree *c = first; c; c = when->type == YT_SEQ ? c->next : NULL)
            if (!parse_cond(L, c, &r->conds[r->nconds++]))
                return false;
    }
    if (!r->npats && !r->nconds) {
        lerr(L, n, "rule '%s' needs 'match' patterns or 'when' conditions", id);
        return false;
    }
    const ytree *cul = ytree_get(n, "culprit");
    if (cul) {
        static const char *const ckeys[] = {"kind", "name", "service", NULL};
        if (!check_keys(L, cul, "culprit", ckeys))
            return false;
        r->culprit_kind = adup(L, scalar(L, ytree_get(cul, "kind"), "culprit kind"));
        r->culprit_name = adup(L, scalar(L, ytree_get(cul, "name"), "culprit name"));
        r->culprit_service = adup(L, scalar(L, ytree_get(cul, "service"), "culprit service"));
        if (!r->culprit_kind || !r->culprit_name) {
            lerr(L, cul, "culprit needs 'kind' and 'name'");
            return false;
        }
    }
    const ytree *confn = ytree_get(n, "confidence");
    const char *conf = scalar(L, confn, "confidence");
    r->confidence = 0.5;
    if (conf) {
        char *end;
        r->confidence = strtod(conf, &end);
        if (*end || !(r->confidence >= 0.0 && r->confidence <= 1.0)) {
            lerr(L, confn, "confidence must be a number from 0 to 1");
            return false;
        }
    }
    const ytree *rem = ytree_get(n, "remediation");
    if (rem && !parse_remediation(L, rem, r))
        return false;
    const ytree *refs = ytree_get(n, "references");
    if (refs) {
        if (refs->type != YT_SEQ || refs->count > RULE_MAX_REFS) {
            lerr(L, refs, "'references' must be a list of at most %d items", RULE_MAX_REFS);
            return false;
        }
        r->refs = updx_arena_alloc(&L->rs->arena, (refs->count ? refs->count : 1) * sizeof *r->refs);
        if (!r->refs)
            return false;
        for (const ytree *x = refs->first; x; x = x->next) {
            const char *s = scalar(L, x, "reference");
            if (!s)
                return false;
            r->refs[r->nrefs++] = adup(L, s);
        }
    }
    const ytree *ex = ytree_get(n, "examples");
    if (!ex) {
        lerr(L, n, "rule '%s' needs 'examples' (lines that must fire it)", id);
        return false;
    }
    if (!parse_examples(L, ex, r))
        return false;
    if (L->failed)
        return false;
    if (L->rs->nrules >= UPDX_RULES_MAX_RULES) {
        lerr(L, n, "more than %d rules", UPDX_RULES_MAX_RULES);
        return false;
    }
    add_rule(L, r);
    return !L->failed;
}

/* Rebuilds the per-kind index and the literal table after a load. */
static int build_index(updx_ruleset *rs)
{
    for (int k = 0; k < UPDX_KIND_COUNT; k++) {
        free(rs->by_kind[k]);
        rs->by_kind[k] = NULL;
        rs->by_kind_len[k] = 0;
    }
    free(rs->literals);
    rs->literals = NULL;
    rs->nliterals = 0;
    size_t total = 0;
    for (size_t i = 0; i < rs->nrules; i++)
        total += rs->rules[i]->npats;
    if (!total)
        return UPDX_OK;
    rs->literals = calloc(total, sizeof *rs->literals);
    if (!rs->literals)
        return UPDX_ERR_NOMEM;
    for (size_t i = 0; i < rs->nrules; i++) {
        updx_rule *r = rs->rules[i];
        for (size_t p = 0; p < r->npats; p++) {
            rule_pattern *pt = &r->pats[p];
            pt->literal_id = -1;
            if (!pt->literal)
                continue;
            for (size_t l = 0; l < rs->nliterals; l++)
                if (rs->literals[l].nocase == pt->literal_nocase && rs->literals[l].len == pt->literal_len &&
                    memcmp(rs->literals[l].text, pt->literal, pt->literal_len) == 0) {
                    pt->literal_id = (int)l;
                    break;
                }
            if (pt->literal_id < 0) {
                rs->literals[rs->nliterals] = (rule_literal){pt->literal, pt->literal_len, pt->literal_nocase};
                pt->literal_id = (int)rs->nliterals++;
            }
        }
    }
    for (int k = 0; k < UPDX_KIND_COUNT; k++) {
        size_t n = 0;
        for (size_t i = 0; i < rs->nrules; i++)
            for (size_t p = 0; p < rs->rules[i]->npats; p++)
                if (rs->rules[i]->pats[p].kinds & (1u << k))
                    n++;
        if (!n)
            continue;
        rs->by_kind[k] = malloc(n * sizeof *rs->by_kind[k]);
        if (!rs->by_kind[k])
            return UPDX_ERR_NOMEM;
        for (size_t i = 0; i < rs->nrules; i++)
            for (size_t p = 0; p < rs->rules[i]->npats; p++)
                if (rs->rules[i]->pats[p].kinds & (1u << k))
                    rs->by_kind[k][rs->by_kind_len[k]++] = (kind_entry){(uint32_t)i, (uint32_t)p};
    }
    return UPDX_OK;
}

int updx_rules_load_mem(updx_ruleset *rs, const char *name, const char *yaml, size_t len, updx_notes *errors)
{
    if (!rs || !name || (!yaml && len))
        return UPDX_ERR_ARG;
    loader L = {rs, name, errors, 0};
    rs->loads++;
    if (len > UPDX_RULES_MAX_FILE_BYTES) {
        if (errors)
            updx_note_add(errors, UPDX_NOTE_WARNING, name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "rule file larger than %d bytes; not loaded", UPDX_RULES_MAX_FILE_BYTES);
        return UPDX_ERR_LIMIT;
    }
    /* the tree is temporary: it lives in its own arena */
    updx_arena tmp;
    updx_arena_init(&tmp, (uint64_t)len * 16 + (1u << 20));
    unsigned el, ec;
    char err[256];
    ytree *docs = ytree_parse(&tmp, yaml ? yaml : "", len, UPDX_RULES_MAX_DEPTH, UPDX_RULES_MAX_NODES,
                              &el, &ec, err, sizeof err);
    if (!docs) {
        if (errors)
            updx_note_add(errors, UPDX_NOTE_WARNING, name, UPDX_NO_OFFSET, el, "%s (column %u)", err, ec);
        updx_arena_free(&tmp);
        return UPDX_ERR_FORMAT;
    }
    int added = 0;
    for (const ytree *doc = docs->first; doc; doc = doc->next) {
        const ytree *list = doc;
        if (doc->type == YT_MAP && ytree_get(doc, "rules"))
            list = ytree_get(doc, "rules");
        if (list->type == YT_MAP) {
            if (parse_rule(&L, list))
                added++;
            continue;
        }
        if (list->type != YT_SEQ) {
            lerr(&L, list, "a rule file holds a list of rules");
            continue;
        }
        for (const ytree *r = list->first; r; r = r->next)
            if (parse_rule(&L, r))
                added++;
    }
    updx_arena_free(&tmp);
    int rc = build_index(rs);
    return rc < 0 ? rc : added;
}

int updx_rules_load_file(updx_ruleset *rs, const char *path, updx_notes *errors)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        if (errors)
            updx_note_add(errors, UPDX_NOTE_WARNING, path, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "cannot read rule file: %s", strerror(errno ? errno : EINVAL));
        return UPDX_ERR_IO;
    }
    if (st.st_size > UPDX_RULES_MAX_FILE_BYTES) {
        close(fd);
        if (errors)
            updx_note_add(errors, UPDX_NOTE_WARNING, path, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "rule file larger than %d bytes; not loaded", UPDX_RULES_MAX_FILE_BYTES);
        return UPDX_ERR_LIMIT;
    }
    size_t size = (size_t)st.st_size, got = 0;
    char *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        return UPDX_ERR_NOMEM;
    }
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    int rc = updx_rules_load_mem(rs, path, buf, got, errors);
    free(buf);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int updx_rules_load_dir(updx_ruleset *rs, const char *dir, updx_notes *errors)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errors)
            updx_note_add(errors, UPDX_NOTE_WARNING, dir, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "cannot open rule directory: %s", strerror(errno));
        return UPDX_ERR_IO;
    }
    char *names[UPDX_RULES_MAX_FILES];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' ||
            !(updx_str_ends_with_ci(e->d_name, ".yaml") || updx_str_ends_with_ci(e->d_name, ".yml")))
            continue;
        if (n == UPDX_RULES_MAX_FILES) {
            if (errors)
                updx_note_add(errors, UPDX_NOTE_LIMIT, dir, UPDX_NO_OFFSET, UPDX_NO_LINE,
                              "more than %d rule files; the rest are not read", UPDX_RULES_MAX_FILES);
            break;
        }
        size_t need = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(need);
        if (!names[n])
            break;
        snprintf(names[n], need, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_str);
    int total = 0;
    for (size_t i = 0; i < n; i++) {
        int rc = updx_rules_load_file(rs, names[i], errors);
        if (rc > 0)
            total += rc;
        free(names[i]);
    }
    return total;
}

updx_ruleset *updx_rules_load_builtin(updx_notes *errors)
{
    updx_ruleset *rs = updx_rules_new();
    if (!rs)
        return NULL;
    for (const struct updx_embedded_file *f = updx_embedded_files; f->path; f++) {
        if (strncmp(f->path, "rules/", 6) != 0 || !updx_str_ends_with_ci(f->path, ".yaml"))
            continue;
        char name[512];
        snprintf(name, sizeof name, "data/%s", f->path);
        (void)updx_rules_load_mem(rs, name, (const char *)f->data, f->size, errors);
    }
    return rs;
}

/* --- inspection ------------------------------------------------------------------------ */

size_t updx_rules_count(const updx_ruleset *rs) { return rs ? rs->nrules : 0; }
const updx_rule *updx_rules_at(const updx_ruleset *rs, size_t i) { return i < rs->nrules ? rs->rules[i] : NULL; }
const updx_rule *updx_rules_find(const updx_ruleset *rs, const char *id)
{
    for (size_t i = 0; i < rs->nrules; i++)
        if (strcmp(rs->rules[i]->id, id) == 0)
            return rs->rules[i];
    return NULL;
}
const char *updx_rule_id(const updx_rule *r) { return r->id; }
updx_category updx_rule_category(const updx_rule *r) { return r->category; }
updx_i18n updx_rule_title(const updx_rule *r) { return r->title; }
const char *updx_rule_source(const updx_rule *r) { return r->source; }
unsigned updx_rule_line(const updx_rule *r) { return r->line; }
const char *updx_rule_plan(const updx_rule *r) { return r->plan; }
size_t updx_rule_pattern_count(const updx_rule *r) { return r->npats; }
const char *updx_rule_pattern(const updx_rule *r, size_t i, const char **literal)
{
    if (i >= r->npats)
        return NULL;
    if (literal)
        *literal = r->pats[i].literal;
    return r->pats[i].regex;
}
