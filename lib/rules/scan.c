/*
 * scan.c: matching lines against a ruleset and turning matches into findings.
 *
 * Per line, only the patterns of the line's member kind are tried; each pattern's literal
 * prefilter (memmem) runs before its regex, and a literal shared by several patterns is
 * searched once per line. Matches become "hits" (evidence lines plus named captures);
 * `after` chains, opener/closer pairs and `absent` patterns are resolved here. At the end,
 * conditions are checked through the fact callback and hits are grouped by culprit into
 * findings.
 */
#include "rules/rules_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "knowledge/codes.h"
#include "util/strutil.h"

/* Backtracking budget per regex call: a bad user pattern must not hang a 1 GiB scan. */
#define RULE_MATCH_LIMIT 100000u
enum { HIT_MAX_EV = 4, HIT_MAX_CAPS = 16, FINDING_MAX_CITED = 32 };
/* the pending-hit arena is first compacted at this size (see pat_state) */
enum { PEND_COMPACT_MIN = 8 << 20 };

typedef struct hit {
    uint32_t pat;
    size_t nev;
    updx_evref ev[HIT_MAX_EV];
    const char *kind[HIT_MAX_EV];
    size_t ncaps;
    const char *cap_name[HIT_MAX_CAPS];
    const char *cap_val[HIT_MAX_CAPS];
    const char *culprit;   /* rendered at evaluation */
    bool used;
} hit;

/* Pending hits (the last match of an anchor, unclosed openers) live in one arena of the
 * scan. Every match of an anchor replaces its pending hit but the old strings stay in the
 * arena, so the arena is compacted (the live hits copied into a fresh one) whenever it has
 * doubled since the last compaction: memory stays bounded on a 1 GiB log. */
typedef struct pat_state {
    size_t matches;
    bool has_last;
    hit last;
    hit *open;          /* RULE_MAX_OPEN slots, allocated on first use */
    size_t nopen;
} pat_state;

typedef struct rule_state {
    pat_state *pats;
    hit *hits;          /* UPDX_RULES_MAX_HITS slots */
    size_t nhits;
    size_t dropped;
} rule_state;

struct updx_rule_scan {
    const updx_ruleset *rs;
    updx_case *c;
    updx_fact_source_fn fact_sources; /* lines behind facts, or NULL */
    updx_arena pend;    /* pending-hit strings; freed with the scan */
    uint64_t pend_compact_at; /* pend.used that triggers the next compaction */
    rule_state *rules;
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    uint64_t *lit_gen;  /* per literal: line generation it was last searched in */
    bool *lit_found;
    uint64_t *lit_bits;   /* LIT_HASH_SIZE bits: hashes of the literals' first three bytes */
    uint64_t *lit_pairs;  /* 65536 bits: the literals' first two bytes (case folded) */
    uint32_t *lit_hash;   /* per literal: that hash */
    uint64_t gen;
    const char *member_src;  /* caller's pointer, to notice a new member cheaply */
    const char *member;      /* our copy in the case arena */
    const char *kind_name;
    bool prefilter;
    /* block-level hits (updx_rules_scan_use_hits) */
    const updx_litset *hit_set;
    uint32_t hit_base;
    bool *lit_in_set;          /* per literal: the set finds it */
    bool kind_all_in_set[UPDX_KIND_COUNT]; /* every pattern of the kind has such a literal */
};

/* Every literal of a line is looked for in one pass: a bitmap of the literals' first two
 * bytes (ASCII case folded), then one of the hashes of their first three, say where one may
 * start, and only there are they compared. One memmem per literal and line took two thirds
 * of the time on big logs. */
#define LIT_HASH_BITS 16
#define LIT_HASH_SIZE (1u << LIT_HASH_BITS)

static inline uint32_t lit_hash3(const unsigned char *t)
{
    uint32_t v = (uint32_t)(unsigned char)updx_ascii_lower((char)t[0]) << 16 |
                 (uint32_t)(unsigned char)updx_ascii_lower((char)t[1]) << 8 |
                 (uint32_t)(unsigned char)updx_ascii_lower((char)t[2]);
    return (v * 0x9E3779B1u) >> (32 - LIT_HASH_BITS);
}

static void find_literals(updx_rule_scan *s, const updx_line *line)
{
    const updx_ruleset *rs = s->rs;
    for (size_t id = 0; id < rs->nliterals; id++) {
        s->lit_found[id] = false;
        s->lit_gen[id] = rs->literals[id].len >= 3 ? s->gen : 0;
    }
    const unsigned char *t = (const unsigned char *)line->text;
    size_t len = line->len;
    if (len < 3)
        return;
    /* the pair of bytes is a direct bit lookup, carried from one position to the next */
    unsigned prev = (unsigned char)updx_ascii_lower((char)t[0]);
    for (size_t i = 0; i + 3 <= len; i++) {
        unsigned next = (unsigned char)updx_ascii_lower((char)t[i + 1]);
        unsigned pair = prev << 8 | next;
        prev = next;
        if (!(s->lit_pairs[pair / 64] & ((uint64_t)1 << (pair % 64))))
            continue;
        uint32_t h = lit_hash3(t + i);
        if (!(s->lit_bits[h / 64] & ((uint64_t)1 << (h % 64))))
            continue;
        for (size_t id = 0; id < rs->nliterals; id++) {
            const rule_literal *lit = &rs->literals[id];
            if (s->lit_hash[id] != h || s->lit_found[id] || lit->len < 3 || lit->len > len - i)
                continue;
            s->lit_found[id] = lit->nocase ? updx_strncasecmp(line->text + i, lit->text, lit->len) == 0
                                           : memcmp(t + i, lit->text, lit->len) == 0;
        }
    }
}

updx_rule_scan *updx_rules_scan_new(const updx_ruleset *rs, updx_case *c)
{
    if (!rs || !c)
        return NULL;
    updx_rule_scan *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->rs = rs;
    s->c = c;
    s->prefilter = true;
    /* pending state can never exceed its caps; 256 MiB only guards against bugs */
    updx_arena_init(&s->pend, 256u << 20);
    s->pend_compact_at = PEND_COMPACT_MIN;
    s->rules = calloc(rs->nrules ? rs->nrules : 1, sizeof *s->rules);
    s->md = pcre2_match_data_create(64, NULL);
    s->mctx = pcre2_match_context_create(NULL);
    s->lit_gen = calloc(rs->nliterals ? rs->nliterals : 1, sizeof *s->lit_gen);
    s->lit_found = calloc(rs->nliterals ? rs->nliterals : 1, sizeof *s->lit_found);
    s->lit_bits = calloc(LIT_HASH_SIZE / 64, sizeof *s->lit_bits);
    s->lit_pairs = calloc(65536 / 64, sizeof *s->lit_pairs);
    s->lit_hash = calloc(rs->nliterals ? rs->nliterals : 1, sizeof *s->lit_hash);
    if (!s->rules || !s->md || !s->mctx || !s->lit_gen || !s->lit_found || !s->lit_bits || !s->lit_hash ||
        !s->lit_pairs) {
        updx_rules_scan_free(s);
        return NULL;
    }
    for (size_t i = 0; i < rs->nliterals; i++) {
        const unsigned char *t = (const unsigned char *)rs->literals[i].text;
        if (rs->literals[i].len < 3)
            continue;  /* the loader derives none shorter; such a literal is never cached */
        s->lit_hash[i] = lit_hash3(t);
        s->lit_bits[s->lit_hash[i] / 64] |= (uint64_t)1 << (s->lit_hash[i] % 64);
        unsigned pair = (unsigned)(unsigned char)updx_ascii_lower((char)t[0]) << 8 |
                        (unsigned char)updx_ascii_lower((char)t[1]);
        s->lit_pairs[pair / 64] |= (uint64_t)1 << (pair % 64);
    }
    pcre2_set_match_limit(s->mctx, RULE_MATCH_LIMIT);
    for (size_t i = 0; i < rs->nrules; i++) {
        s->rules[i].pats = calloc(rs->rules[i]->npats ? rs->rules[i]->npats : 1, sizeof(pat_state));
        if (!s->rules[i].pats) {
            updx_rules_scan_free(s);
            return NULL;
        }
    }
    return s;
}

void updx_rules_scan_free(updx_rule_scan *s)
{
    if (!s)
        return;
    if (s->rules)
        for (size_t i = 0; i < s->rs->nrules; i++) {
            if (s->rules[i].pats)
                for (size_t p = 0; p < s->rs->rules[i]->npats; p++)
                    free(s->rules[i].pats[p].open);
            free(s->rules[i].pats);
            free(s->rules[i].hits);
        }
    free(s->rules);
    pcre2_match_data_free(s->md);
    pcre2_match_context_free(s->mctx);
    free(s->lit_gen);
    free(s->lit_found);
    free(s->lit_bits);
    free(s->lit_pairs);
    free(s->lit_hash);
    free(s->lit_in_set);
    updx_arena_free(&s->pend);
    free(s);
}

void updx_rules_scan_set_prefilter(updx_rule_scan *s, bool on)
{
    s->prefilter = on;
}

size_t updx_ruleset_literal_count(const updx_ruleset *rs)
{
    return rs ? rs->nliterals : 0;
}

void updx_ruleset_literal(const updx_ruleset *rs, size_t i, const char **text, size_t *len, bool *nocase)
{
    *text = rs->literals[i].text;
    *len = rs->literals[i].len;
    *nocase = rs->literals[i].nocase;
}

void updx_rules_scan_use_hits(updx_rule_scan *s, const updx_litset *set, uint32_t base)
{
    if (!s)
        return;
    const updx_ruleset *rs = s->rs;
    s->hit_set = NULL;
    if (!set)
        return;
    if (!s->lit_in_set) {
        s->lit_in_set = calloc(rs->nliterals ? rs->nliterals : 1, sizeof *s->lit_in_set);
        if (!s->lit_in_set)
            return;
    }
    for (size_t i = 0; i < rs->nliterals; i++)
        s->lit_in_set[i] = updx_litset_has(set, base + (uint32_t)i);
    for (size_t k = 0; k < UPDX_KIND_COUNT; k++) {
        bool all = true;
        for (size_t i = 0; i < rs->by_kind_len[k] && all; i++) {
            const rule_pattern *p = &rs->rules[rs->by_kind[k][i].rule]->pats[rs->by_kind[k][i].pat];
            all = p->literal_id >= 0 && s->lit_in_set[p->literal_id];
        }
        s->kind_all_in_set[k] = all;
    }
    s->hit_set = set;
    s->hit_base = base;
}

void updx_rules_scan_fact_sources(updx_rule_scan *s, updx_fact_source_fn sources)
{
    if (s)
        s->fact_sources = sources;
}

size_t updx_rules_scan_matches(const updx_rule_scan *s, const updx_rule *r, size_t pattern)
{
    for (size_t i = 0; i < s->rs->nrules; i++)
        if (s->rs->rules[i] == r && pattern < r->npats)
            return s->rules[i].pats[pattern].matches;
    return 0;
}

static bool literal_present(updx_rule_scan *s, const rule_literal *lit, int id, const updx_line *line)
{
    if (s->lit_gen[id] == s->gen)
        return s->lit_found[id];
    if (line->filtered && s->hit_set && s->lit_in_set[id])
        return false;  /* the block scan would have reported it */
    bool found = lit->nocase ? updx_memcasemem(line->text, line->len, lit->text, lit->len) != NULL
                             : memmem(line->text, line->len, lit->text, lit->len) != NULL;
    s->lit_gen[id] = s->gen;
    s->lit_found[id] = found;
    return found;
}

/* Fills a hit from the current match; strings go to arena `a`. */
static void hit_from_match(updx_rule_scan *s, updx_arena *a, hit *h, const rule_pattern *p, uint32_t pat,
                           const updx_line *line)
{
    memset(h, 0, sizeof *h);
    h->pat = pat;
    h->nev = 1;
    h->ev[0].file = s->member;
    h->ev[0].line = line->number;
    h->ev[0].offset = line->offset;
    h->ev[0].text = updx_arena_strndup(a, line->text, line->len);
    h->kind[0] = s->kind_name;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
    uint32_t npairs = pcre2_get_ovector_count(s->md);
    for (size_t g = 0; g < p->ngroups && h->ncaps < HIT_MAX_CAPS; g++) {
        uint32_t n = p->group_num[g];
        if (n >= npairs || ov[2 * n] == PCRE2_UNSET)
            continue;
        h->cap_name[h->ncaps] = p->group_name[g];
        h->cap_val[h->ncaps] = updx_arena_strndup(a, line->text + ov[2 * n], ov[2 * n + 1] - ov[2 * n]);
        h->ncaps++;
    }
}

/* Copies pending hit `src` (pending arena) into `dst` (case arena), appending its evidence and
 * captures after what dst already has. */
static void hit_merge(updx_arena *a, hit *dst, const hit *src)
{
    for (size_t i = 0; i < src->nev && dst->nev < HIT_MAX_EV; i++) {
        /* keep the older line first: move dst's evidence up */
        memmove(&dst->ev[1], &dst->ev[0], dst->nev * sizeof dst->ev[0]);
        memmove(&dst->kind[1], &dst->kind[0], dst->nev * sizeof dst->kind[0]);
        dst->ev[0] = src->ev[src->nev - 1 - i];
        dst->ev[0].text = updx_arena_strdup(a, dst->ev[0].text);
        dst->kind[0] = src->kind[src->nev - 1 - i];
        dst->nev++;
    }
    for (size_t i = 0; i < src->ncaps && dst->ncaps < HIT_MAX_CAPS; i++) {
        dst->cap_name[dst->ncaps] = src->cap_name[i];
        dst->cap_val[dst->ncaps] = updx_arena_strdup(a, src->cap_val[i]);
        dst->ncaps++;
    }
}

/* Copies the strings a pending hit owns into arena a. */
static void hit_rehome(updx_arena *a, hit *h)
{
    for (size_t e = 0; e < h->nev; e++)
        if (h->ev[e].text)
            h->ev[e].text = updx_arena_strdup(a, h->ev[e].text);
    for (size_t k = 0; k < h->ncaps; k++)
        if (h->cap_val[k])
            h->cap_val[k] = updx_arena_strdup(a, h->cap_val[k]);
}

/* Moves every live pending hit into a fresh arena and drops the old one. */
static void pend_compact(updx_rule_scan *s)
{
    updx_arena fresh;
    updx_arena_init(&fresh, s->pend.cap);
    for (size_t i = 0; i < s->rs->nrules; i++) {
        for (size_t j = 0; j < s->rs->rules[i]->npats; j++) {
            pat_state *ps = &s->rules[i].pats[j];
            if (ps->has_last)
                hit_rehome(&fresh, &ps->last);
            for (size_t o = 0; o < ps->nopen; o++)
                hit_rehome(&fresh, &ps->open[o]);
        }
    }
    updx_arena_free(&s->pend);
    s->pend = fresh;
    s->pend_compact_at = s->pend.used * 2 > PEND_COMPACT_MIN ? s->pend.used * 2 : PEND_COMPACT_MIN;
}

static void add_hit(updx_rule_scan *s, rule_state *st, const hit *h)
{
    if (!st->hits) {
        st->hits = calloc(UPDX_RULES_MAX_HITS, sizeof *st->hits);
        if (!st->hits)
            return;
    }
    if (st->nhits == UPDX_RULES_MAX_HITS) {
        st->dropped++;
        return;
    }
    st->hits[st->nhits++] = *h;
    (void)s;
}

static void on_match(updx_rule_scan *s, uint32_t ri, uint32_t pi, const updx_line *line)
{
    const updx_rule *r = s->rs->rules[ri];
    const rule_pattern *p = &r->pats[pi];
    rule_state *rst = &s->rules[ri];
    pat_state *ps = &rst->pats[pi];
    ps->matches++;
    if (p->absent)
        return;
    if (p->closer) {
        /* closes the most recent open opener of this member (sections nest or follow) */
        for (size_t o = 0; o < r->npats; o++) {
            pat_state *os = &rst->pats[o];
            if (r->pats[o].closed_by != (int)pi || os->nopen == 0)
                continue;
            if (strcmp(os->open[os->nopen - 1].ev[0].file, s->member) == 0)
                os->nopen--;
        }
        return;
    }
    if (p->closed_by >= 0) {
        if (!ps->open) {
            ps->open = calloc(RULE_MAX_OPEN, sizeof *ps->open);
            if (!ps->open)
                return;
        }
        if (ps->nopen == RULE_MAX_OPEN) {  /* keep the latest: drop the oldest */
            memmove(ps->open, ps->open + 1, (RULE_MAX_OPEN - 1) * sizeof *ps->open);
            ps->nopen--;
        }
        hit_from_match(s, &s->pend, &ps->open[ps->nopen++], p, pi, line);
        if (s->pend.used > s->pend_compact_at)
            pend_compact(s);
        return;
    }
    hit h;
    if (p->anchor) {
        hit_from_match(s, &s->pend, &ps->last, p, pi, line);
        ps->has_last = true;
        if (s->pend.used > s->pend_compact_at)
            pend_compact(s);
        if (p->after < 0)
            return;  /* an anchor only proves something through the pattern that follows it */
    }
    if (p->after >= 0) {
        pat_state *as = &rst->pats[p->after];
        if (!as->has_last || strcmp(as->last.ev[0].file, s->member) != 0 ||
            as->last.ev[0].line >= line->number ||
            (p->within && line->number - as->last.ev[0].line > p->within))
            return;
        if (rst->nhits == UPDX_RULES_MAX_HITS) {
            rst->dropped++;
            return;
        }
        hit_from_match(s, &s->c->arena, &h, p, pi, line);
        hit_merge(&s->c->arena, &h, &as->last);
        if (p->anchor) {  /* a middle link: carry the chain on */
            ps->last = h;
        }
        add_hit(s, rst, &h);
        return;
    }
    if (rst->nhits == UPDX_RULES_MAX_HITS) {
        rst->dropped++;
        return;
    }
    hit_from_match(s, &s->c->arena, &h, p, pi, line);
    add_hit(s, rst, &h);
}

void updx_rules_scan_line(updx_rule_scan *s, updx_kind kind, const char *member, const updx_line *line)
{
    if (!s || !line || (unsigned)kind >= UPDX_KIND_COUNT)
        return;
    const updx_ruleset *rs = s->rs;
    size_t n = rs->by_kind_len[kind];
    if (!n)
        return;
    s->gen++;
    if (s->prefilter && line->filtered && s->hit_set) {
        /* the text layer found the literals in whole blocks: take its hits */
        bool any = false;
        for (uint32_t h = 0; h < line->nhits; h++) {
            uint32_t id = line->hits[h] - s->hit_base;
            if (line->hits[h] >= s->hit_base && id < rs->nliterals) {
                s->lit_gen[id] = s->gen;
                s->lit_found[id] = true;
                any = true;
            }
        }
        if (!any && s->kind_all_in_set[kind])
            return;
    } else if (s->prefilter) {
        find_literals(s, line);
    }
    const kind_entry *e = rs->by_kind[kind];
    for (size_t i = 0; i < n; i++) {
        const rule_pattern *p = &rs->rules[e[i].rule]->pats[e[i].pat];
        if (s->prefilter && p->literal_id >= 0 &&
            !literal_present(s, &rs->literals[p->literal_id], p->literal_id, line))
            continue;
        rules_pattern_jit(rs, p);
        int rc = pcre2_match(p->code, (PCRE2_SPTR)line->text, line->len, 0, 0, s->md, s->mctx);
        if (rc < 0)
            continue;
        if (member != s->member_src || !s->member || strcmp(member ? member : "", s->member) != 0) {
            s->member_src = member;
            s->member = updx_arena_strdup(&s->c->arena, member ? member : "");
            s->kind_name = updx_kind_name(kind);
        }
        on_match(s, e[i].rule, e[i].pat, line);
    }
}

/* --- evaluation ------------------------------------------------------------------------ */

static const char *lookup(const char *name, size_t nlen, const char *const *names, const char *const *values,
                          size_t n, updx_fact_fn facts, void *ud)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(names[i]) == nlen && strncmp(names[i], name, nlen) == 0)
            return values[i];
    if (facts && memchr(name, '.', nlen) && nlen < 256) {
        char path[256];
        memcpy(path, name, nlen);
        path[nlen] = '\0';
        const char *v[1] = {NULL};
        if (facts(ud, path, v, 1) > 0 && v[0])
            return v[0];
    }
    return NULL;
}

/* The |code filter: "0x80070570" or "HRESULT_FROM_WIN32(1392)" followed by the code's name
 * from the knowledge tables ("... = ERROR_FILE_CORRUPT"); false when it is neither or unknown. */
static bool code_named(const char *v, char *out, size_t size)
{
    uint64_t value = 0;
    size_t used = 0, len = strlen(v);
    static const char wrap[] = "HRESULT_FROM_WIN32(";
    if (len > sizeof wrap && updx_strncasecmp(v, wrap, sizeof wrap - 1) == 0) {
        if (!updx_parse_dec(v + sizeof wrap - 1, len - sizeof wrap + 1, &value, &used) || value > 0xFFFF)
            return false;
        value = 0x80070000u | value;
    } else if (!updx_parse_hex(v, len, &value, &used) || used != len || value > UINT32_MAX) {
        return false;
    }
    updx_code_info ci;
    if (!updx_code_lookup((uint32_t)value, &ci) || strcmp(ci.name, "-") == 0)
        return false;
    snprintf(out, size, "%s = %s", v, ci.name);
    return true;
}

const char *rules_expand(updx_arena *a, const char *tmpl, const char *const *names,
                         const char *const *values, size_t n, updx_fact_fn facts, void *ud,
                         bool *unresolved)
{
    if (!tmpl)
        return NULL;
    if (!strstr(tmpl, "${"))
        return updx_arena_strdup(a, tmpl);
    char out[4096];
    size_t o = 0;
    for (const char *p = tmpl; *p && o < sizeof out - 1;) {
        const char *end;
        if (p[0] == '$' && p[1] == '{' && (end = strchr(p + 2, '}')) != NULL) {
            const char *name = p + 2;
            const char *bar = memchr(name, '|', (size_t)(end - name));
            size_t nlen = (size_t)((bar ? bar : end) - name);
            const char *v = lookup(name, nlen, names, values, n, facts, ud);
            if (!v) {
                if (unresolved)
                    *unresolved = true;
                v = "?";
            }
            size_t vlen = strlen(v);
            bool lower = false, noext = false, code = false;
            for (const char *f = bar; f && f < end; f = memchr(f + 1, '|', (size_t)(end - f - 1))) {
                if (strncmp(f + 1, "lower", 5) == 0)
                    lower = true;
                else if (strncmp(f + 1, "noext", 5) == 0)
                    noext = true;
                else if (strncmp(f + 1, "code", 4) == 0)
                    code = true;
            }
            char named[160];
            if (code && code_named(v, named, sizeof named)) {
                v = named;
                vlen = strlen(v);
            }
            if (noext) {
                const char *dot = strrchr(v, '.');
                if (dot && dot != v)
                    vlen = (size_t)(dot - v);
            }
            for (size_t i = 0; i < vlen && o < sizeof out - 1; i++)
                out[o++] = lower ? updx_ascii_lower(v[i]) : v[i];
            p = end + 1;
        } else
            out[o++] = *p++;
    }
    out[o] = '\0';
    return updx_arena_strdup(a, out);
}

/* Numbers written differently ("0x30018", "0x00030018", "196632") are the same value. */
static bool values_equal(const char *a, const char *b)
{
    if (updx_strcasecmp(a, b) == 0)
        return true;
    uint64_t va, vb;
    size_t ua, ub;
    size_t la = strlen(a), lb = strlen(b);
    bool ha = (la > 2 && a[0] == '0' && (a[1] == 'x' || a[1] == 'X'));
    bool hb = (lb > 2 && b[0] == '0' && (b[1] == 'x' || b[1] == 'X'));
    if (!ha && !hb)
        return false;
    bool oka = ha ? updx_parse_hex(a, la, &va, &ua) : updx_parse_dec(a, la, &va, &ua);
    bool okb = hb ? updx_parse_hex(b, lb, &vb, &ub) : updx_parse_dec(b, lb, &vb, &ub);
    return oka && okb && ua == la && ub == lb && va == vb;
}

enum { COND_MAX_FACT_VALUES = 64 };

static bool cond_holds(updx_rule_scan *s, const rule_cond *c, const hit *caps, updx_fact_fn facts, void *ud,
                       const char **seen)
{
    const char *vals[COND_MAX_FACT_VALUES];
    int nv = facts ? facts(ud, c->path, vals, COND_MAX_FACT_VALUES) : 0;
    if (nv < 0)
        nv = 0;
    if (nv > COND_MAX_FACT_VALUES)
        nv = COND_MAX_FACT_VALUES;
    *seen = nv > 0 ? vals[0] : NULL;
    if (c->op == OP_EXISTS)
        return nv > 0;
    if (c->op == OP_ABSENT)
        return nv == 0;
    const char *want[RULE_MAX_VALUES];
    for (size_t i = 0; i < c->nvalues; i++)
        want[i] = caps ? rules_expand(&s->c->arena, c->values[i], caps->cap_name, caps->cap_val, caps->ncaps,
                                      facts, ud, NULL)
                       : c->values[i];
    bool any = false;
    for (int v = 0; v < nv && !any; v++) {
        const char *x = vals[v];
        if (!x)
            continue;
        switch (c->op) {
        case OP_EQ:
        case OP_NE:
        case OP_IN:
            for (size_t i = 0; i < c->nvalues; i++)
                if (want[i] && values_equal(x, want[i]))
                    any = true;
            break;
        case OP_PREFIX:
            any = want[0] && updx_str_starts_with_ci(x, want[0]);
            break;
        case OP_GLOB:
            any = want[0] && updx_glob_ci(want[0], x);
            break;
        case OP_REGEX:
            any = pcre2_match(c->re, (PCRE2_SPTR)x, strlen(x), 0, 0, s->md, s->mctx) >= 0;
            break;
        default:
            break;
        }
        if (any)
            *seen = x;
    }
    return c->op == OP_NE ? !any : any;
}

static const char *const op_names[] = {"eq", "ne", "in", "prefix", "glob", "regex", "exists", "absent"};

static int make_finding(updx_rule_scan *s, const updx_rule *r, rule_state *st, const char *culprit,
                        const hit *first, updx_fact_fn facts, void *ud)
{
    updx_case *c = s->c;
    updx_arena *a = &c->arena;
    /* the captures of every hit of this group, the first hit's first: a title may name
     * values that different patterns captured (phase from one line, operation from another) */
    enum { MAX_GROUP_CAPS = 32 };
    const char *cn[MAX_GROUP_CAPS], *cv[MAX_GROUP_CAPS];
    size_t nc = 0;
    for (size_t i = 0; first && i < first->ncaps && nc < MAX_GROUP_CAPS; i++, nc++) {
        cn[nc] = first->cap_name[i];
        cv[nc] = first->cap_val[i];
    }
    for (size_t i = 0; i < st->nhits; i++) {
        const hit *h = &st->hits[i];
        if (h == first || (h->culprit && (!culprit || strcmp(h->culprit, culprit) != 0)))
            continue;
        for (size_t k = 0; k < h->ncaps && nc < MAX_GROUP_CAPS; k++, nc++) {
            cn[nc] = h->cap_name[k];
            cv[nc] = h->cap_val[k];
        }
    }
    /* conditions, with this group's captures substituted */
    const char *seen[UPDX_RULES_MAX_CONDITIONS];
    for (size_t i = 0; i < r->nconds; i++)
        if (!cond_holds(s, &r->conds[i], first, facts, ud, &seen[i]))
            return 0;
    updx_finding *f = updx_finding_new(a, &c->findings, r->id);
    if (!f) {
        updx_note_add(&c->notes, UPDX_NOTE_LIMIT, c->bundle_name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "too many findings; rule %s was not reported", r->id);
        return UPDX_ERR_LIMIT;
    }
    f->category = r->category;
    f->confidence = r->confidence;
    f->title.en = rules_expand(a, r->title.en, cn, cv, nc, facts, ud, NULL);
    f->title.zh = rules_expand(a, r->title.zh, cn, cv, nc, facts, ud, NULL);
    f->explanation.en = rules_expand(a, r->explanation.en, cn, cv, nc, facts, ud, NULL);
    f->explanation.zh = rules_expand(a, r->explanation.zh, cn, cv, nc, facts, ud, NULL);
    if (r->culprit_name && culprit) {
        f->culprit.kind = updx_arena_strdup(a, r->culprit_kind);
        f->culprit.name = culprit;
        bool unres = false;
        f->culprit.service = rules_expand(a, r->culprit_service, cn, cv, nc, facts, ud, &unres);
        if (unres)
            f->culprit.service = NULL;
    }
    /* evidence and reasoning: this group's hits, plus hits that name no culprit */
    size_t cited = 0;
    for (size_t i = 0; i < st->nhits; i++) {
        const hit *h = &st->hits[i];
        if (h->culprit && (!culprit || strcmp(h->culprit, culprit) != 0))
            continue;
        for (size_t e = 0; e < h->nev && cited < FINDING_MAX_CITED; e++, cited++) {
            updx_finding_add_evidence(a, f, &h->ev[e]);
            updx_finding_add_source(a, f, h->kind[e]);
        }
        if (cited <= 4) {
            char en[512], zh[512];
            const updx_evref *ev = &h->ev[h->nev - 1];
            snprintf(en, sizeof en, "%s line %llu matches pattern '%s' of rule %s", ev->file,
                     (unsigned long long)ev->line, r->pats[h->pat].name, r->id);
            snprintf(zh, sizeof zh, "%s 第 %llu 行符合规则 %s 的模式“%s”", ev->file,
                     (unsigned long long)ev->line, r->id, r->pats[h->pat].name);
            updx_finding_add_reason(a, f, en, zh);
        }
    }
    for (size_t i = 0; i < r->npats; i++)
        if (r->pats[i].closed_by >= 0 && st->pats[i].nopen) {
            updx_finding_add_reason(a, f, "the section that the lines above open is never closed in that log: "
                                          "the process stopped or hung inside it",
                                    "上述行开始的节在该日志中始终没有结束：进程在该节内停止或挂起");
            break;
        }
    for (size_t i = 0; i < r->nconds; i++) {
        const rule_cond *cd = &r->conds[i];
        updx_evref ev = {0};
        if (cd->op != OP_ABSENT && seen[i] && s->fact_sources && s->fact_sources(ud, cd->path, seen[i], &ev))
            updx_finding_add_evidence(a, f, &ev);
        char en[512], zh[512];
        if (cd->op == OP_ABSENT) {
            snprintf(en, sizeof en, "fact %s is absent, as the rule requires", cd->path);
            snprintf(zh, sizeof zh, "事实 %s 不存在，符合规则条件", cd->path);
        } else {
            snprintf(en, sizeof en, "fact %s = %s satisfies '%s %s%s'", cd->path, seen[i] ? seen[i] : "-",
                     op_names[cd->op], cd->nvalues ? cd->values[0] : "", cd->nvalues > 1 ? ", ..." : "");
            snprintf(zh, sizeof zh, "事实 %s = %s，满足条件“%s %s%s”", cd->path, seen[i] ? seen[i] : "-",
                     op_names[cd->op], cd->nvalues ? cd->values[0] : "", cd->nvalues > 1 ? ", ..." : "");
        }
        updx_finding_add_reason(a, f, en, zh);
    }
    for (size_t i = 0; i < r->nrefs; i++) {
        const char **slot = updx_avec_push(&f->references, a);
        if (slot) /* copied: findings outlive a ruleset loaded for one analysis */
            *slot = updx_arena_strdup(a, r->refs[i]);
    }
    f->remediation.plan = r->plan ? updx_arena_strdup(a, r->plan) : NULL;
    for (size_t i = 0; i < r->nparams; i++) {
        updx_param *pm = updx_avec_push(&f->remediation.params, a);
        if (!pm)
            break;
        pm->key = updx_arena_strdup(a, r->params[i].key);
        pm->value = rules_expand(a, r->params[i].value, cn, cv, nc, facts, ud, NULL);
    }
    for (size_t i = 0; i < r->nsteps; i++)
        updx_finding_add_step(a, &f->remediation,
                              rules_expand(a, r->steps[i].en, cn, cv, nc, facts, ud, NULL),
                              rules_expand(a, r->steps[i].zh, cn, cv, nc, facts, ud, NULL));
    /* signature: rule + culprit + the upgrade's codes, stable across machines for fleet grouping */
    const char *rc[1] = {NULL}, *xc[1] = {NULL};
    if (facts) {
        facts(ud, "upgrade.result_code", rc, 1);
        facts(ud, "upgrade.extended_code", xc, 1);
    }
    char sig[512];
    snprintf(sig, sizeof sig, "%s|%s|%s-%s", r->id, culprit ? culprit : "", rc[0] ? rc[0] : "",
             xc[0] ? xc[0] : "");
    for (char *p = sig; *p; p++)
        *p = updx_ascii_lower(*p);
    f->signature = updx_arena_strdup(a, sig);
    return 1;
}

int updx_rules_evaluate(updx_rule_scan *s, updx_case *c, updx_fact_fn facts, void *ud)
{
    if (!s || !c || c != s->c)
        return UPDX_ERR_ARG;
    int added = 0;
    for (size_t ri = 0; ri < s->rs->nrules; ri++) {
        const updx_rule *r = s->rs->rules[ri];
        rule_state *st = &s->rules[ri];
        /* openers never closed become hits */
        for (size_t p = 0; p < r->npats; p++) {
            pat_state *ps = &st->pats[p];
            for (size_t o = 0; o < ps->nopen; o++) {
                hit h;
                memset(&h, 0, sizeof h);
                h.pat = (uint32_t)p;
                hit_merge(&c->arena, &h, &ps->open[o]);
                add_hit(s, st, &h);
            }
        }
        /* does the combination hold? */
        bool ok = !r->any, any_positive = false;
        for (size_t p = 0; p < r->npats; p++) {
            const rule_pattern *pt = &r->pats[p];
            if (pt->absent) {
                if (st->pats[p].matches)
                    ok = false, any_positive = true;  /* an absent pattern matched: never fire */
                continue;
            }
            if (pt->closer || (pt->anchor && pt->after < 0))
                continue;
            bool have = false;
            for (size_t h = 0; h < st->nhits && !have; h++)
                have = st->hits[h].pat == p;
            any_positive = true;
            if (r->any && have)
                ok = true;
            if (!r->any && !have)
                ok = false;
        }
        if (r->npats && !any_positive)
            ok = false;
        for (size_t p = 0; p < r->npats; p++)
            if (r->pats[p].absent && st->pats[p].matches)
                ok = false;
        if (!ok)
            continue;
        /* group by culprit */
        for (size_t h = 0; h < st->nhits; h++) {
            hit *x = &st->hits[h];
            x->culprit = NULL;
            if (!r->culprit_name)
                continue;
            bool unres = false;
            const char *name = rules_expand(&c->arena, r->culprit_name, x->cap_name, x->cap_val, x->ncaps,
                                            facts, ud, &unres);
            x->culprit = unres ? NULL : name;
        }
        bool made_any = false;
        for (size_t h = 0; h < st->nhits; h++) {
            hit *x = &st->hits[h];
            if (!x->culprit)
                continue;
            bool dup = false;
            for (size_t k = 0; k < h && !dup; k++)
                dup = st->hits[k].culprit && updx_strcasecmp(st->hits[k].culprit, x->culprit) == 0;
            if (dup)
                continue;
            int rc = make_finding(s, r, st, x->culprit, x, facts, ud);
            if (rc < 0)
                return rc;
            if (rc > 0)
                made_any = true;
            added += rc;
        }
        if (!made_any) {
            const char *culprit = NULL;
            if (r->culprit_name && !st->nhits) {
                /* fact-only rules: the culprit may come from facts */
                bool unres = false;
                culprit = rules_expand(&c->arena, r->culprit_name, NULL, NULL, 0, facts, ud, &unres);
                if (unres)
                    culprit = NULL;
            }
            int rc = make_finding(s, r, st, culprit, st->nhits ? &st->hits[0] : NULL, facts, ud);
            if (rc < 0)
                return rc;
            added += rc;
        }
    }
    return added;
}
