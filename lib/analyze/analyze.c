/*
 * analyze.c: the pipeline. The bundle walker hands each member to `visit`, which sends text
 * members through the text layer to their reader while the rule scanner observes the same
 * lines (one pass, streaming), and binary members (dumps, hives, event logs, XML) to their
 * readers from memory, read up to a per-kind cap. Then the story, the correlation, the rule
 * findings and the ranking.
 */
#include "analyze/analyze.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/bundle.h"
#include "diagnose/correlate.h"
#include "dumps/dbgtext.h"
#include "dumps/kdmp.h"
#include "dumps/minidump.h"
#include "logs/bluebox.h"
#include "logs/compat.h"
#include "logs/diagxml.h"
#include "logs/servicing.h"
#include "logs/setupact.h"
#include "logs/setupapi.h"
#include "logs/setupdiag_results.h"
#include "logs/story.h"
#include "rules/rules.h"
#include "sys/evtx.h"
#include "sys/hive.h"
#include "sys/regfile.h"
#include "text/text.h"
#include "util/strutil.h"

/* What is read into memory for readers that need random access. A kernel dump's header,
 * triage data and module list sit in its first part; the rest of a full dump is pages. */
#define CAP_DUMP (512ull << 20)
#define CAP_HIVE (512ull << 20)
#define CAP_EVTX (512ull << 20)
#define CAP_XML (64ull << 20)
#define CAP_REG (64ull << 20)

/* Literal sets for the block-level prefilter, one per reader family (its literals first,
 * then the rules' literals), built when a big text member of that family first shows up. */
enum { PF_SETUPACT, PF_SETUPAPI, PF_OTHER, PF_COUNT };
#define PREFILTER_AFTER_DEFAULT (1ull << 20)

/* The built-in rules load on a thread of their own while the walk reads the first members
 * (1.2 ms of a small bundle's 2.3 ms); the first text member or the diagnosis waits for it. */
typedef struct rules_loader {
    pthread_t thread;
    updx_arena arena;        /* the loader's notes live here until they are copied */
    updx_notes notes;
    updx_ruleset *rules;
} rules_loader;

typedef struct pipeline {
    const updx_analyze_opts *opts;
    const updx_ruleset *rules;
    updx_ruleset *own_rules;  /* the built-in set, freed with the pipeline */
    rules_loader *loader;     /* while the built-in set is loading */
    updx_case *c;
    updx_rule_scan *scan;
    updx_kind kind;          /* of the member being read */
    const char *member;
    updx_litset *pf[PF_COUNT];
    uint32_t pf_rule_base[PF_COUNT];
    bool pf_failed[PF_COUNT];
} pipeline;

void updx_analyze_opts_default(updx_analyze_opts *opts)
{
    memset(opts, 0, sizeof *opts);
    updx_limits_default(&opts->limits);
}

static void *load_rules_thread(void *arg)
{
    rules_loader *l = arg;
    l->rules = updx_rules_load_builtin(&l->notes);
    return NULL;
}

/* Starts loading the built-in rules beside the walk; false when no thread could start. */
static bool rules_load_start(pipeline *p)
{
    rules_loader *l = calloc(1, sizeof *l);
    if (!l)
        return false;
    updx_arena_init(&l->arena, 0);
    updx_notes_init(&l->notes, &l->arena, 0);
    if (pthread_create(&l->thread, NULL, load_rules_thread, l) != 0) {
        updx_notes_free(&l->notes);
        updx_arena_free(&l->arena);
        free(l);
        return false;
    }
    p->loader = l;
    return true;
}

/* Makes the rules (and their line scanner) ready: waits for the loader when there is one. */
static void rules_ready(pipeline *p)
{
    rules_loader *l = p->loader;
    if (!l)
        return;
    pthread_join(l->thread, NULL);
    p->loader = NULL;
    for (size_t i = 0; i < l->notes.items.len; i++) {
        const updx_note *n = updx_note_at(&l->notes, i);
        updx_note_add(&p->c->notes, n->kind, n->file, n->offset, n->line, "%s", n->message);
    }
    p->rules = p->own_rules = l->rules;
    p->scan = p->rules ? updx_rules_scan_new(p->rules, p->c) : NULL;
    updx_rules_scan_fact_sources(p->scan, updx_case_fact_source);
    updx_notes_free(&l->notes);
    updx_arena_free(&l->arena);
    free(l);
}

static void observe(void *ud, const updx_line *line)
{
    pipeline *p = ud;
    updx_rules_scan_line(p->scan, p->kind, p->member, line);
}

/* Reads a member into memory, up to cap bytes; *total gets its full size (the rest is
 * drained so that the walker's hash stays complete). NULL on error (a note says why). */
static uint8_t *read_member(updx_case *c, updx_member_info *m, updx_source *src, uint64_t cap, size_t *len,
                            uint64_t *total)
{
    size_t alloc = 1 << 16, n = 0;
    uint8_t *buf = malloc(alloc);
    if (!buf)
        return NULL;
    bool full = false; /* the buffer cannot grow: the cap, or malloc said no */
    for (;;) {
        if (n == alloc) {
            if (alloc >= cap) {
                full = true;
                break;
            }
            size_t next = alloc * 2 > cap ? (size_t)cap : alloc * 2;
            uint8_t *nb = realloc(buf, next);
            if (!nb) {
                full = true;
                break;
            }
            buf = nb;
            alloc = next;
        }
        ptrdiff_t r = src->read(src->ctx, buf + n, alloc - n);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    uint64_t rest = 0;
    if (full) {
        /* count the rest so that the reader knows the real size and the report says so */
        uint8_t sink[1 << 14];
        ptrdiff_t r;
        while ((r = src->read(src->ctx, sink, sizeof sink)) > 0)
            rest += (uint64_t)r;
        if (rest)
            updx_note_add(&c->notes, UPDX_NOTE_LIMIT, m->name, n, UPDX_NO_LINE,
                          "only the first %llu MiB were analysed (%llu more bytes not read into memory%s)",
                          (unsigned long long)(n >> 20), (unsigned long long)rest,
                          alloc >= cap ? "" : ": not enough memory");
    }
    *len = n;
    *total = n + rest;
    return buf;
}

static int pf_family(updx_kind kind)
{
    switch (kind) {
    case UPDX_KIND_SETUPACT:
    case UPDX_KIND_OLDSETUPACT:
    case UPDX_KIND_SETUPERR:
        return PF_SETUPACT;
    case UPDX_KIND_SETUPAPI:
        return PF_SETUPAPI;
    default:
        return PF_OTHER;
    }
}

/* The family's literal set (described now, compiled by its first scan); NULL when none. */
static updx_litset *pf_set(pipeline *p, int fam)
{
    if (p->pf[fam] || p->pf_failed[fam])
        return p->pf[fam];
    size_t nreader = 0;
    const updx_literal *own = fam == PF_SETUPACT ? updx_setupact_literals(&nreader)
                            : fam == PF_SETUPAPI ? updx_setupapi_literals(&nreader) : NULL;
    size_t nrules = p->scan ? updx_ruleset_literal_count(p->rules) : 0;
    size_t n = nreader + nrules;
    const char **text = calloc(n ? n : 1, sizeof *text);
    size_t *len = calloc(n ? n : 1, sizeof *len);
    bool *nocase = calloc(n ? n : 1, sizeof *nocase);
    if (text && len && nocase) {
        for (size_t i = 0; i < nreader; i++) {
            text[i] = own[i].text;
            len[i] = strlen(own[i].text);
            nocase[i] = own[i].nocase;
        }
        for (size_t i = 0; i < nrules; i++)
            updx_ruleset_literal(p->rules, i, &text[nreader + i], &len[nreader + i], &nocase[nreader + i]);
        p->pf[fam] = updx_litset_new(text, len, nocase, n);
        p->pf_rule_base[fam] = (uint32_t)nreader;
    }
    free(text);
    free(len);
    free(nocase);
    p->pf_failed[fam] = !p->pf[fam];
    return p->pf[fam];
}

static int read_text_member(pipeline *p, updx_case *c, updx_member_info *m, updx_source *src)
{
    rules_ready(p);
    updx_text_opts topts = {.codepage = p->opts->codepage, .max_line_bytes = p->opts->limits.max_line_bytes};
    updx_text *t = NULL;
    int rc = updx_text_open(&t, src, &topts);
    if (rc != UPDX_OK)
        return rc;
    uint64_t pf_after = p->opts->prefilter_after ? p->opts->prefilter_after : PREFILTER_AFTER_DEFAULT;
    int fam = pf_family(m->kind);
    updx_litset *set = pf_after != UINT64_MAX ? pf_set(p, fam) : NULL;
    if (set)
        updx_text_prefilter(t, set, pf_after);
    if (p->scan) {
        updx_rules_scan_use_hits(p->scan, set, p->pf_rule_base[fam]);
        updx_text_observe(t, observe, p);
    }
    switch (m->kind) {
    case UPDX_KIND_SETUPACT:
    case UPDX_KIND_OLDSETUPACT:
        rc = updx_setupact_read(c, m->name, t, UPDX_SETUP_SRC_SETUPACT);
        break;
    case UPDX_KIND_SETUPERR:
        rc = updx_setupact_read(c, m->name, t, UPDX_SETUP_SRC_SETUPERR);
        break;
    case UPDX_KIND_SETUPAPI:
        rc = updx_setupapi_parse(c, m->name, t);
        break;
    case UPDX_KIND_CBS:
    case UPDX_KIND_DISM:
        rc = updx_servicing_parse(c, m->name, t);
        break;
    case UPDX_KIND_BLUEBOX:
        rc = updx_bluebox_read(c, m->name, t);
        break;
    case UPDX_KIND_SETUPDIAG:
        rc = updx_setupdiag_read(c, m->name, t);
        break;
    default:
        /* debugger text, and any other text: pasted stacks hide in mail text and notes */
        rc = updx_dbgtext_parse(c, m->name, t);
        break;
    }
    /* the rules see every line even when a reader stopped early */
    updx_line line;
    int r;
    while ((r = updx_text_next(t, &line)) > 0) {
    }
    if (r < 0 && rc >= 0)
        rc = r;
    uint64_t cut = 0;
    updx_text_counts(t, &cut, NULL, NULL);
    if (cut)
        updx_note_add(&c->notes, UPDX_NOTE_LIMIT, m->name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "%llu lines were longer than %u bytes and were cut", (unsigned long long)cut,
                      topts.max_line_bytes ? topts.max_line_bytes : 1u << 20);
    updx_text_close(t);
    return rc;
}

static uint64_t memory_cap(updx_kind kind)
{
    switch (kind) {
    case UPDX_KIND_KERNEL_DUMP:
    case UPDX_KIND_MINIDUMP:
        return CAP_DUMP;
    case UPDX_KIND_HIVE:
        return CAP_HIVE;
    case UPDX_KIND_EVTX:
        return CAP_EVTX;
    case UPDX_KIND_COMPATDATA:
    case UPDX_KIND_APPRAISER:
    case UPDX_KIND_SCANRESULT:
    case UPDX_KIND_DIAGXML:
        return CAP_XML;
    case UPDX_KIND_REG_EXPORT:
        return CAP_REG;
    default:
        return 0;
    }
}

/* The rules see the lines of a text member read into memory for its structured reader
 * (CompatData, ScanResult and Appraiser XML, diag XML, .reg exports): their line rules
 * (compat-program-hard-block ...) look at those lines as they do at any log's. */
static void scan_lines_mem(pipeline *p, const uint8_t *data, size_t len)
{
    rules_ready(p);
    if (!p->scan)
        return;
    updx_text_opts topts = {.codepage = p->opts->codepage, .max_line_bytes = p->opts->limits.max_line_bytes};
    updx_text *t = NULL;
    if (updx_text_open_mem(&t, data, len, &topts) != UPDX_OK)
        return;
    updx_rules_scan_use_hits(p->scan, NULL, 0);
    updx_line line;
    while (updx_text_next(t, &line) > 0)
        updx_rules_scan_line(p->scan, p->kind, p->member, &line);
    updx_text_close(t);
}

static int visit(void *ud, updx_case *c, updx_member_info *m, const uint8_t *head, size_t head_len,
                 updx_source *src)
{
    (void)head;
    (void)head_len;
    pipeline *p = ud;
    p->kind = m->kind;
    p->member = m->name;
    uint64_t cap = memory_cap(m->kind);
    if (cap) {
        size_t len = 0;
        uint64_t total = 0;
        uint8_t *data = read_member(c, m, src, cap, &len, &total);
        if (!data) {
            updx_note_add(&c->notes, UPDX_NOTE_LIMIT, m->name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "not enough memory to read it");
            return 0;
        }
        switch (m->kind) {
        case UPDX_KIND_KERNEL_DUMP:
            updx_kdmp_parse(c, m->name, data, len, total);
            break;
        case UPDX_KIND_MINIDUMP:
            updx_minidump_parse(c, m->name, data, len, NULL);
            break;
        case UPDX_KIND_HIVE:
            updx_hive_read(c, m->name, data, len);
            break;
        case UPDX_KIND_EVTX:
            updx_evtx_read(c, m->name, data, len);
            break;
        case UPDX_KIND_DIAGXML:
            updx_diagxml_read_mem(c, m->name, data, len, updx_memcasemem(m->name, strlen(m->name), "diagerr", 7) != NULL);
            break;
        case UPDX_KIND_REG_EXPORT:
            updx_regfile_read(c, m->name, data, len);
            break;
        default:
            updx_compat_parse_mem(c, m->name, data, len);
            break;
        }
        if (m->kind != UPDX_KIND_KERNEL_DUMP && m->kind != UPDX_KIND_MINIDUMP && m->kind != UPDX_KIND_HIVE &&
            m->kind != UPDX_KIND_EVTX)
            scan_lines_mem(p, data, len);
        free(data);
        return 0;
    }
    switch (m->kind) {
    case UPDX_KIND_BINARY:
    case UPDX_KIND_UNKNOWN:
    case UPDX_KIND_HIVE_LOG:
    case UPDX_KIND_MANIFEST:
    case UPDX_KIND_ARCHIVE:
        return 0; /* listed by the walker; nothing to read */
    default:
        break;
    }
    int rc = read_text_member(p, c, m, src);
    return rc == UPDX_ERR_NOMEM ? rc : 0;
}

typedef int (*walk_fn)(updx_case *c, void *arg, updx_member_visitor visit, void *ud);

static int run(updx_case *c, const updx_analyze_opts *opts, walk_fn walk, void *arg)
{
    updx_analyze_opts defaults;
    if (!opts) {
        updx_analyze_opts_default(&defaults);
        opts = &defaults;
    }
    pipeline p = {.opts = opts, .rules = opts->rules, .c = c};
    if (!p.rules && !rules_load_start(&p))
        p.rules = p.own_rules = updx_rules_load_builtin(&c->notes);
    if (p.rules && !p.loader) {
        p.scan = updx_rules_scan_new(p.rules, c);
        updx_rules_scan_fact_sources(p.scan, updx_case_fact_source);
    }
    int rc = walk(c, arg, visit, &p);
    rules_ready(&p);
    if (rc >= 0 || c->members.len > 0) {
        updx_feed_wer_results(c);
        updx_story_build(c);
        updx_correlate_drivers(c);
        if (p.scan)
            updx_rules_evaluate(p.scan, c, updx_case_fact, c);
        updx_diagnose_finish(c);
    }
    updx_rules_scan_free(p.scan);
    for (int i = 0; i < PF_COUNT; i++)
        updx_litset_free(p.pf[i]);
    updx_rules_free(p.own_rules);
    return rc;
}

static int walk_path(updx_case *c, void *arg, updx_member_visitor v, void *ud)
{
    return updx_bundle_walk(c, arg, v, ud);
}

typedef struct mem_arg {
    const char *name;
    const void *data;
    size_t len;
} mem_arg;

static int walk_mem(updx_case *c, void *arg, updx_member_visitor v, void *ud)
{
    const mem_arg *m = arg;
    return updx_bundle_walk_mem(c, m->name, m->data, m->len, v, ud);
}

int updx_analyze_path(const char *path, const updx_analyze_opts *opts, updx_case **out)
{
    *out = updx_case_new(path, opts ? &opts->limits : NULL);
    if (!*out)
        return UPDX_ERR_NOMEM;
    return run(*out, opts, walk_path, (void *)path);
}

int updx_analyze_mem(const char *name, const void *data, size_t len, const updx_analyze_opts *opts,
                     updx_case **out)
{
    *out = updx_case_new(name, opts ? &opts->limits : NULL);
    if (!*out)
        return UPDX_ERR_NOMEM;
    mem_arg m = {name, data, len};
    return run(*out, opts, walk_mem, &m);
}
