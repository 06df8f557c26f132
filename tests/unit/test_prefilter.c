/* test_prefilter.c: the block-level literal prefilter (lib/text/litset.c, the text layer's
 * updx_text_prefilter) must be invisible in results. Lines it covers carry exactly the
 * literals a per-line search finds; lines it cannot vouch for (code-page lines, dropped
 * NULs and BOMs, lines longer than a region) are not covered; and whole analyses give the
 * same report with the prefilter on every line as with it off. */
#include "harness.h"

#include <dirent.h>
#include <ftw.h>
#include <strings.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/analyze.h"
#include "logs/setupact.h"
#include "text/litset.h"
#include "text/text.h"
#include "util/strutil.h"

static const char *const lits[] = {"Error", "phase change", "abc", "0x", "\xE4\xB8\xAD", "a\nb", "Service"};
static const bool nocase[] = {false, false, false, true, false, false, true};
enum { NLITS = sizeof lits / sizeof lits[0] };

static updx_litset *demo_set(void)
{
    size_t len[NLITS];
    for (size_t i = 0; i < NLITS; i++)
        len[i] = strlen(lits[i]);
    return updx_litset_new(lits, len, nocase, NLITS);
}

typedef struct found {
    uint32_t ids[64];
    uint64_t ends[64];
    size_t n;
} found;

static bool collect(void *ud, uint32_t id, uint64_t end)
{
    found *f = ud;
    if (f->n < 64) {
        f->ids[f->n] = id;
        f->ends[f->n] = end;
        f->n++;
    }
    return true;
}

static void test_litset_scan(void)
{
    updx_litset *s = demo_set();
    CHECK(s != NULL);
    CHECK(updx_litset_has(s, 0));
    CHECK(!updx_litset_has(s, 5)); /* holds a newline: refused */
    CHECK(!updx_litset_has(s, NLITS));
    CHECK_INT(updx_litset_compile(s), UPDX_OK);
    static const char text[] = "xx Error 0X1f abc SERVICE Errorabc";
    found f = {0};
    CHECK_INT(updx_litset_scan(s, text, sizeof text - 1, 100, collect, &f), UPDX_OK);
    /* in order of end offset, the base added */
    CHECK_INT(f.n, 6);
    CHECK_INT(f.ids[0], 0);
    CHECK_INT(f.ends[0], 108);
    CHECK_INT(f.ids[1], 3);
    CHECK_INT(f.ids[2], 2);
    CHECK_INT(f.ids[3], 6);
    CHECK_INT(f.ids[4], 0);
    CHECK_INT(f.ids[5], 2);
    for (size_t i = 1; i < f.n; i++)
        CHECK(f.ends[i] >= f.ends[i - 1]);
    updx_litset_free(s);

    /* an empty set compiles and finds nothing */
    updx_litset *e = updx_litset_new(NULL, NULL, NULL, 0);
    found g = {0};
    CHECK_INT(updx_litset_scan(e, text, sizeof text - 1, 0, collect, &g), UPDX_OK);
    CHECK_INT(g.n, 0);
    updx_litset_free(e);
}

/* The ids of usable literals a plain search finds in the decoded line. */
static uint64_t naive_mask(const updx_line *ln)
{
    uint64_t m = 0;
    for (uint32_t i = 0; i < NLITS; i++) {
        if (i == 5)
            continue;
        size_t n = strlen(lits[i]);
        bool hit = nocase[i] ? updx_memcasemem(ln->text, ln->len, lits[i], n) != NULL
                             : memmem(ln->text, ln->len, lits[i], n) != NULL;
        if (hit)
            m |= 1ull << i;
    }
    return m;
}

typedef struct chunky {
    const uint8_t *data;
    size_t len, pos, step;
} chunky;

/* A source that hands out odd-sized pieces, so that lines straddle the text layer's window. */
static ptrdiff_t chunky_read(void *ctx, void *buf, size_t n)
{
    chunky *c = ctx;
    size_t k = c->len - c->pos;
    if (k > n)
        k = n;
    if (k > c->step)
        k = c->step;
    memcpy(buf, c->data + c->pos, k);
    c->pos += k;
    c->step = c->step * 7 % 100003 + 1;
    return (ptrdiff_t)k;
}

/* Random text of lines that hold the literals, with the awkward cases mixed in. */
static char *make_text(size_t want, size_t *len_out, uint32_t seed)
{
    static const char *const pieces[] = {
        "2019-01-01 10:00:00, Info                  SP     Setup phase change: [a] -> [b]",
        "2019-01-01 10:00:00, Error                 MOUPG  Operation failed 0x80070005",
        "     dvi: AddService=lwfmgr,0x2 (lwfmgr.inf line 3) service",
        "plain line without anything",
        "line with a code-page byte \xC0\xE1\xE2 and Error",  /* not UTF-8: legacy */
        "line with a NUL Er\0ror inside",                     /* NUL dropped: joins the literal */
        "line with a BOM Err\xEF\xBB\xBFor inside",            /* BOM dropped likewise */
        "utf-8 \xE4\xB8\xAD\xE6\x96\x87 abcabc",
        "CR-ended line abc",
        "",
    };
    char *buf = malloc(want + 4096);
    size_t n = 0;
    while (n < want) {
        seed = seed * 1103515245u + 12345u;
        unsigned k = (seed >> 16) % (sizeof pieces / sizeof pieces[0]);
        const char *p = pieces[k];
        size_t pl = k == 5 ? 28 : strlen(p);
        memcpy(buf + n, p, pl);
        n += pl;
        if (k == 8)
            buf[n++] = '\r';
        else if ((seed >> 8) % 3 == 0)
            buf[n++] = '\r', buf[n++] = '\n';
        else
            buf[n++] = '\n';
    }
    *len_out = n;
    return buf;
}

/* Reads `data` twice, with and without the prefilter, and compares line by line. */
static void compare_readers(const char *data, size_t len, bool streaming, uint64_t after, size_t *covered)
{
    updx_litset *set = demo_set();
    updx_text *a = NULL, *b = NULL;
    chunky ca = {(const uint8_t *)data, len, 0, 4093}, cb = ca;
    updx_source sa = {chunky_read, &ca}, sb = {chunky_read, &cb};
    if (streaming) {
        CHECK_INT(updx_text_open(&a, &sa, NULL), UPDX_OK);
        CHECK_INT(updx_text_open(&b, &sb, NULL), UPDX_OK);
    } else {
        CHECK_INT(updx_text_open_mem(&a, data, len, NULL), UPDX_OK);
        CHECK_INT(updx_text_open_mem(&b, data, len, NULL), UPDX_OK);
    }
    updx_text_prefilter(b, set, after);
    updx_line la, lb;
    int ra, rb;
    size_t bad = 0;
    while ((ra = updx_text_next(a, &la)) > 0) {
        rb = updx_text_next(b, &lb);
        if (rb != 1 || la.len != lb.len || memcmp(la.text, lb.text, la.len) != 0 || la.number != lb.number ||
            la.offset != lb.offset || la.flags != lb.flags) {
            bad++;
            break;
        }
        CHECK(!la.filtered);
        if (lb.filtered) {
            (*covered)++;
            uint64_t m = 0;
            for (uint32_t i = 0; i < lb.nhits; i++)
                m |= 1ull << lb.hits[i];
            if (m != naive_mask(&la)) {
                if (bad++ < 3)
                    fprintf(stderr, "  line %llu: hits %llx, search %llx: %.*s\n", (unsigned long long)la.number,
                            (unsigned long long)m, (unsigned long long)naive_mask(&la), (int)la.len, la.text);
            }
            CHECK(lb.offset >= after);
        }
    }
    CHECK_INT(ra, 0);
    CHECK_INT(updx_text_next(b, &lb), 0);
    CHECK_INT(bad, 0);
    updx_text_close(a);
    updx_text_close(b);
    updx_litset_free(set);
}

static void test_text_lines_carry_exact_hits(void)
{
    size_t len;
    char *text = make_text(3u << 20, &len, 7);
    size_t covered = 0;
    compare_readers(text, len, false, 0, &covered);
    CHECK(covered > 10000);
    covered = 0;
    compare_readers(text, len, true, 0, &covered);
    CHECK(covered > 10000);
    /* the prefilter starts only after `after` bytes */
    covered = 0;
    compare_readers(text, len, true, 2u << 20, &covered);
    CHECK(covered > 1000);
    /* no final newline */
    covered = 0;
    compare_readers(text, len - 1, true, 0, &covered);
    free(text);
}

static void test_text_uncoverable_lines(void)
{
    /* a line longer than a region (1 MiB), then normal lines: the long one is not covered,
     * the rest are */
    size_t n = (3u << 20) / 2;
    char *text = malloc(n + 64);
    memset(text, 'x', n);
    memcpy(text + 100, "Error", 5);
    size_t len = n;
    len += (size_t)sprintf(text + len, "\nError here\nabc\n");
    size_t covered = 0;
    compare_readers(text, len, true, 0, &covered);
    CHECK_INT(covered, 2);
    covered = 0;
    compare_readers(text, len, false, 0, &covered);
    CHECK_INT(covered, 2);
    /* a region with more hits than the prefilter keeps: still exact, line by line */
    memset(text, 0, n);
    len = 0;
    while (len + 32 < n)
        len += (size_t)sprintf(text + len, "0x0x0x0x0x0x0x0x0x0x0x0x0x\n");
    covered = 0;
    compare_readers(text, len, true, 0, &covered);
    CHECK(covered > 1000);
    free(text);
}

/* Every line of the corpus that the classifier marks holds one of its published literals,
 * so skipping the classifier on lines without one changes nothing. */
static size_t cover_marked, cover_missing;

static void check_marks_of(const char *path)
{
    size_t nlit;
    const updx_literal *cl = updx_setupact_literals(&nlit);
    size_t len;
    unsigned char *data = harness_read_file(path, &len);
    if (!data)
        return;
    updx_text *t = NULL;
    CHECK_INT(updx_text_open_mem(&t, data, len, NULL), UPDX_OK);
    updx_line ln;
    while (updx_text_next(t, &ln) > 0) {
        updx_setupact_line pl;
        if (!updx_setupact_parse_line(ln.text, ln.len, &pl))
            continue;
        updx_setupact_mark m;
        updx_setupact_classify(pl.message, pl.message_len, &m);
        if (m.mark == UPDX_MARK_NONE)
            continue;
        cover_marked++;
        bool any = false;
        for (size_t i = 0; i < nlit && !any; i++)
            any = cl[i].nocase ? updx_memcasemem(ln.text, ln.len, cl[i].text, strlen(cl[i].text)) != NULL
                               : memmem(ln.text, ln.len, cl[i].text, strlen(cl[i].text)) != NULL;
        if (!any && cover_missing++ < 3)
            fprintf(stderr, "  no literal in %s:%llu\n", path, (unsigned long long)ln.number);
    }
    updx_text_close(t);
    free(data);
}

static int visit_log(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    const char *b = path + ftw->base;
    if (type == FTW_F && (strncasecmp(b, "setupact", 8) == 0 || strncasecmp(b, "setuperr", 8) == 0))
        check_marks_of(path);
    return 0;
}

static void test_classifier_literals_cover_marks(void)
{
    const char *corpus = harness_corpus();
    if (!corpus) {
        fprintf(stderr, "  skipped: no corpus\n");
        return;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/logs", corpus);
    CHECK_INT(nftw(path, visit_log, 16, FTW_PHYS), 0);
    fprintf(stderr, "  %zu marked lines\n", cover_marked);
    CHECK(cover_marked >= 100);
    CHECK_INT(cover_missing, 0);
}

/* The report of `path` analysed with the prefilter on every line equals the one without. */
static void same_report(const char *path)
{
    char *out[2] = {NULL, NULL};
    for (int k = 0; k < 2; k++) {
        updx_analyze_opts opts;
        updx_analyze_opts_default(&opts);
        opts.prefilter_after = k ? 1 : UINT64_MAX;
        updx_case *c = NULL;
        updx_analyze_path(path, &opts, &c);
        json_t *r = c ? updx_report_build(c) : NULL;
        out[k] = r ? json_dumps(r, JSON_SORT_KEYS) : NULL;
        json_decref(r);
        updx_case_free(c);
    }
    CHECK(out[0] != NULL);
    if (out[0] && out[1] && strcmp(out[0], out[1]) != 0)
        fprintf(stderr, "  reports differ for %s\n", path);
    CHECK(out[0] && out[1] && strcmp(out[0], out[1]) == 0);
    free(out[0]);
    free(out[1]);
}

static void test_reports_unchanged(void)
{
    char path[4096];
    static const char *const own[] = {"examples/seed-case", "tests/golden/disk-full/bundle",
                                      "tests/golden/filter-safety/bundle", "tests/golden/success/bundle"};
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", UPDX_SOURCE_DIR, own[i]);
        same_report(path);
    }
    const char *corpus = harness_corpus();
    if (!corpus) {
        fprintf(stderr, "  corpus part skipped: no corpus\n");
        return;
    }
    snprintf(path, sizeof path, "%s/logs", corpus);
    DIR *d = opendir(path);
    struct dirent *e;
    size_t n = 0;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.' || strchr(e->d_name, '.'))
            continue;
        snprintf(path, sizeof path, "%s/logs/%s", corpus, e->d_name);
        same_report(path);
        n++;
    }
    if (d)
        closedir(d);
    CHECK(n > 10);
}

int main(void)
{
    RUN(test_litset_scan);
    RUN(test_text_lines_carry_exact_hits);
    RUN(test_text_uncoverable_lines);
    RUN(test_classifier_literals_cover_marks);
    RUN(test_reports_unchanged);
    return harness_exit();
}
