/* test_rules.c: the rule engine: loader errors, literal prefilter, examples of every built-in
 * rule, user directories, and all built-in rules over the real corpus logs. */
#include "harness.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rules/blockers.h"
#include "rules/rules.h"
#include "updx/updx.h"

static updx_arena g_arena;

/* Loads yaml into a fresh ruleset; returns the first note's "line:message" in buf. */
static int load_one(const char *yaml, char *buf, size_t size, updx_ruleset **out)
{
    updx_notes notes;
    updx_notes_init(&notes, &g_arena, 100);
    updx_ruleset *rs = updx_rules_new();
    int rc = updx_rules_load_mem(rs, "t.yaml", yaml, strlen(yaml), &notes);
    buf[0] = '\0';
    if (notes.items.len) {
        const updx_note *n = updx_note_at(&notes, 0);
        snprintf(buf, size, "%s:%llu: %s", n->file, (unsigned long long)n->line, n->message);
    }
    updx_notes_free(&notes);
    if (out)
        *out = rs;
    else
        updx_rules_free(rs);
    return rc;
}

#define GOOD_RULE                                                    \
    "- id: demo\n"                                                   \
    "  category: driver\n"                                           \
    "  title: {en: \"Demo ${drv}\", zh: \"演示 ${drv}\"}\n"         \
    "  explanation: {en: E, zh: 说明}\n"                             \
    "  match:\n"                                                     \
    "    - kinds: [setupact]\n"                                      \
    "      regex: 'Loading driver (?<drv>\\w+\\.sys) failed'\n"      \
    "  culprit: {kind: driver, name: '${drv}', service: '${drv|noext}'}\n" \
    "  confidence: 0.7\n"                                            \
    "  remediation: {plan: update-driver, params: {driver: '${drv}'}}\n" \
    "  examples:\n"                                                  \
    "    fire:\n"                                                    \
    "      - kind: setupact\n"                                       \
    "        lines: 'Loading driver abc.sys failed'\n"

static void test_loader_errors(void)
{
    char msg[512];
    CHECK_INT(load_one(GOOD_RULE, msg, sizeof msg, NULL), 1);
    CHECK_STR(msg, "");
    /* bad YAML: file and line */
    CHECK(load_one("- id: x\n  title: [unclosed\n", msg, sizeof msg, NULL) < 0);
    CHECK(strncmp(msg, "t.yaml:", 7) == 0 && strstr(msg, "bad YAML"));
    /* bad regex: the regex's line */
    char y[2048];
    snprintf(y, sizeof y, "%s", GOOD_RULE);
    char *p = strstr(y, "(?<drv>");
    memcpy(p, "(?<drv ", 7);
    CHECK_INT(load_one(y, msg, sizeof msg, NULL), 0);
    CHECK(strncmp(msg, "t.yaml:7: bad regular expression", 32) == 0);
    /* unknown category: its line */
    snprintf(y, sizeof y, "%s", GOOD_RULE);
    p = strstr(y, "driver\n");
    memcpy(p, "drivrr", 6);
    CHECK_INT(load_one(y, msg, sizeof msg, NULL), 0);
    CHECK(strncmp(msg, "t.yaml:2: rule 'demo': unknown or missing category 'drivrr'", 59) == 0);
    /* unknown field, unknown kind, missing zh, bad condition op */
    snprintf(y, sizeof y, "%s  colour: red\n", GOOD_RULE);
    CHECK_INT(load_one(y, msg, sizeof msg, NULL), 0);
    CHECK(strstr(msg, "unknown field 'colour'") != NULL);
    snprintf(y, sizeof y, "%s", GOOD_RULE);
    p = strstr(y, "[setupact]");
    memcpy(p, "[setupaxt]", 10);
    CHECK_INT(load_one(y, msg, sizeof msg, NULL), 0);
    CHECK(strstr(msg, "unknown member kind 'setupaxt'") != NULL);
    snprintf(y, sizeof y, "%s  when: ['upgrade.phase like x']\n", GOOD_RULE);
    CHECK_INT(load_one(y, msg, sizeof msg, NULL), 0);
    CHECK(strstr(msg, "unknown condition operator 'like'") != NULL);
    /* a bad rule does not stop the good one after it */
    snprintf(y, sizeof y, "- id: Bad Id\n  category: driver\n%s", GOOD_RULE);
    CHECK_INT(load_one(y, msg, sizeof msg, NULL), 1);
    CHECK(strstr(msg, "t.yaml:1:") != NULL);
    /* depth cap, aliases, empty input */
    char deep[400];
    size_t n = 0;
    for (int i = 0; i < 40; i++)
        deep[n++] = '[';
    deep[n] = 0;
    CHECK(load_one(deep, msg, sizeof msg, NULL) < 0);
    CHECK(load_one("- &a {id: x}\n- *a\n", msg, sizeof msg, NULL) < 0);
    CHECK(strstr(msg, "aliases") != NULL);
    CHECK_INT(load_one("", msg, sizeof msg, NULL), 0);
    /* a list as a key of an example's facts or of the params (a flow mapping allows it):
     * an error on its line, not a NULL fact path (fuzz_rules found the crash) */
    snprintf(y, sizeof y, "%s        facts: {[1x1, 0x3]: x}\n", GOOD_RULE);
    CHECK_INT(load_one(y, msg, sizeof msg, NULL), 0);
    CHECK(strstr(msg, "fact path must be a plain value") != NULL);
    snprintf(y, sizeof y, "%s", GOOD_RULE);
    p = strstr(y, "params: {driver:");
    memcpy(p, "params: {[dr]:  ", 16);
    CHECK_INT(load_one(y, msg, sizeof msg, NULL), 0);
    CHECK(strstr(msg, "param name must be a plain value") != NULL);
}

static void test_derive_literal(void)
{
    char lit[256];
    bool nc;
    CHECK(updx_rules_derive_literal("SetupHost: Reporting error event -> \\[(?<r>0x[0-9A-F]+)", lit, sizeof lit, &nc));
    CHECK_STR(lit, "SetupHost: Reporting error event -> [");
    CHECK(!nc);
    CHECK(updx_rules_derive_literal("abcd?efg", lit, sizeof lit, &nc));
    CHECK_STR(lit, "abc"); /* ties keep the first run */
    CHECK(updx_rules_derive_literal("x{0,3}yz\\.sys+", lit, sizeof lit, &nc));
    CHECK_STR(lit, "yz.sys");
    CHECK(!updx_rules_derive_literal("foo|barbaz", lit, sizeof lit, &nc));
    CHECK(!updx_rules_derive_literal("\\w+\\d", lit, sizeof lit, &nc));
    CHECK(updx_rules_derive_literal("(?i)Crash (?:0x)?detected", lit, sizeof lit, &nc));
    CHECK(nc);
    CHECK_STR(lit, "detected");
    CHECK(updx_rules_derive_literal("[abc]+ Section end", lit, sizeof lit, &nc));
    CHECK_STR(lit, " Section end");
}

static int demo_facts(void *ud, const char *path, const char **values, size_t max)
{
    (void)ud;
    if (strcmp(path, "upgrade.result_code") == 0 && max) {
        values[0] = "0xC1900101";
        return 1;
    }
    return 0;
}

static void test_scan_and_finding(void)
{
    char msg[256];
    updx_ruleset *rs;
    CHECK_INT(load_one(GOOD_RULE, msg, sizeof msg, &rs), 1);
    updx_case *c = updx_case_new("t", NULL);
    updx_rule_scan *s = updx_rules_scan_new(rs, c);
    updx_line l = {.text = "Loading driver abc.sys failed", .len = 29, .number = 12, .offset = 400};
    updx_rules_scan_line(s, UPDX_KIND_SETUPERR, "x/setuperr.log", &l); /* wrong kind */
    updx_rules_scan_line(s, UPDX_KIND_SETUPACT, "x/setupact.log", &l);
    updx_line l2 = {.text = "Loading driver def.sys failed", .len = 29, .number = 13, .offset = 450};
    updx_rules_scan_line(s, UPDX_KIND_SETUPACT, "x/setupact.log", &l2);
    CHECK_INT(updx_rules_evaluate(s, c, demo_facts, NULL), 2);
    CHECK_INT(c->findings.len, 2);
    const updx_finding *f = updx_avec_at(&c->findings, 0);
    CHECK_STR(f->rule, "demo");
    CHECK_STR(f->culprit.name, "abc.sys");
    CHECK_STR(f->culprit.service, "abc");
    CHECK_STR(f->title.en, "Demo abc.sys");
    CHECK_STR(f->title.zh, "演示 abc.sys");
    CHECK_INT(f->evidence.len, 1);
    const updx_evref *ev = updx_avec_at(&f->evidence, 0);
    CHECK_STR(ev->file, "x/setupact.log");
    CHECK_INT(ev->line, 12);
    CHECK_INT(ev->offset, 400);
    CHECK_STR(f->remediation.plan, "update-driver");
    CHECK_INT(f->remediation.params.len, 1);
    CHECK_STR(((updx_param *)updx_avec_at(&f->remediation.params, 0))->value, "abc.sys");
    CHECK_STR(f->signature, "demo|abc.sys|0xc1900101-");
    CHECK(f->confidence > 0.69 && f->confidence < 0.71);
    updx_rules_scan_free(s);
    updx_case_free(c);
    updx_rules_free(rs);
}

/* ${x|code} names a known error code, whatever way the log writes it, and leaves the rest */
static void test_code_filter(void)
{
    static const char yaml[] =
        "- id: demo-code\n"
        "  category: servicing\n"
        "  title: {en: \"Failed (${hr|code})\", zh: \"失败（${hr|code}）\"}\n"
        "  explanation: {en: E, zh: 说明}\n"
        "  match:\n"
        "    - kinds: [cbs]\n"
        "      regex: 'with HRESULT (?<hr>\\S+)\\.'\n"
        "  confidence: 0.5\n"
        "  remediation: {plan: update-driver}\n"
        "  examples:\n"
        "    fire:\n"
        "      - kind: cbs\n"
        "        lines: 'with HRESULT 0x80070005.'\n";
    char msg[512];
    updx_ruleset *rs = NULL;
    CHECK_INT(load_one(yaml, msg, sizeof msg, &rs), 1);
    static const char *const lines[] = {"with HRESULT HRESULT_FROM_WIN32(1392).", "with HRESULT 0x800F0922.",
                                        "with HRESULT 0x12345678.", "with HRESULT whatever."};
    static const char *const want[] = {"Failed (HRESULT_FROM_WIN32(1392) = ERROR_FILE_CORRUPT)",
                                       "Failed (0x800F0922 = CBS_E_INSTALLERS_FAILED)", "Failed (0x12345678)",
                                       "Failed (whatever)"};
    for (size_t i = 0; i < 4; i++) {
        updx_case *c = updx_case_new("t", NULL);
        updx_rule_scan *s = updx_rules_scan_new(rs, c);
        updx_line l = {.text = lines[i], .len = strlen(lines[i]), .number = 1};
        updx_rules_scan_line(s, UPDX_KIND_CBS, "CBS.log", &l);
        CHECK_INT(updx_rules_evaluate(s, c, NULL, NULL), 1);
        const updx_finding *f = c->findings.len ? updx_avec_at(&c->findings, 0) : NULL;
        CHECK_STR(f ? f->title.en : "", want[i]);
        updx_rules_scan_free(s);
        updx_case_free(c);
    }
    updx_rules_free(rs);
}

static void on_example(void *ud, const updx_example_result *res)
{
    int *bad = ud;
    bool fail = res->must_fire ? (!res->fired || res->others) : res->fired;
    if (fail) {
        (*bad)++;
        fprintf(stderr, "example %zu of %s (%s:%u): must_fire=%d fired=%d others=%s\n", res->example + 1,
                updx_rule_id(res->rule), updx_rule_source(res->rule), res->line, res->must_fire, res->fired,
                res->others ? res->others : "-");
    }
}

static void test_builtin_examples(void)
{
    updx_notes notes;
    updx_notes_init(&notes, &g_arena, 100);
    updx_ruleset *rs = updx_rules_load_builtin(&notes);
    CHECK(rs != NULL);
    for (size_t i = 0; i < notes.items.len; i++)
        fprintf(stderr, "builtin note: %s:%llu: %s\n", updx_note_at(&notes, i)->file,
                (unsigned long long)updx_note_at(&notes, i)->line, updx_note_at(&notes, i)->message);
    CHECK_INT(notes.items.len, 0);
    CHECK(updx_rules_count(rs) >= 30);
    int bad = 0;
    CHECK_INT(updx_rules_run_examples(rs, on_example, &bad), 0);
    CHECK_INT(bad, 0);
    /* every pattern of a built-in rule has a prefilter literal: speed matters */
    for (size_t i = 0; i < updx_rules_count(rs); i++) {
        const updx_rule *r = updx_rules_at(rs, i);
        for (size_t p = 0; p < updx_rule_pattern_count(r); p++) {
            const char *lit = NULL;
            updx_rule_pattern(r, p, &lit);
            if (!lit)
                fprintf(stderr, "no literal: %s pattern %zu\n", updx_rule_id(r), p);
            CHECK(lit != NULL);
        }
    }
    updx_notes_free(&notes);
    updx_rules_free(rs);
}

static void test_example_runner_catches_bad_rules(void)
{
    char msg[256];
    updx_ruleset *rs;
    char y[4096];
    /* the fire example does not match the regex */
    snprintf(y, sizeof y, "%s", GOOD_RULE);
    char *p = strstr(y, "lines: 'Loading driver abc.sys failed'");
    memcpy(p, "lines: 'Loading driver abc.sys worked'", 38);
    CHECK_INT(load_one(y, msg, sizeof msg, &rs), 1);
    CHECK_INT(updx_rules_run_examples(rs, NULL, NULL), 1);
    updx_rules_free(rs);
}

static void test_user_dir(void)
{
    char dir[] = "/tmp/updx-rules-XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    char path[512];
    snprintf(path, sizeof path, "%s/a.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs(GOOD_RULE, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/b.yml", dir);
    f = fopen(path, "w");
    fputs("- id: broken\n  category: nonsense\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/ignored.txt", dir);
    f = fopen(path, "w");
    fputs("not a rule", f);
    fclose(f);
    updx_notes notes;
    updx_notes_init(&notes, &g_arena, 100);
    updx_ruleset *rs = updx_rules_load_builtin(&notes);
    size_t builtin = updx_rules_count(rs);
    CHECK_INT(updx_rules_load_dir(rs, dir, &notes), 1);
    CHECK_INT(updx_rules_count(rs), builtin + 1);
    CHECK(updx_rules_find(rs, "demo") != NULL);
    CHECK_INT(notes.items.len, 1);
    const updx_note *n = updx_note_at(&notes, 0);
    CHECK(strstr(n->file, "/b.yml") != NULL);
    CHECK_INT(n->line, 2);
    updx_notes_free(&notes);
    updx_rules_free(rs);
    snprintf(path, sizeof path, "%s/a.yaml", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/b.yml", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/ignored.txt", dir);
    unlink(path);
    rmdir(dir);
}

/* --- corpus ------------------------------------------------------------------------------ */

typedef struct corpus_log {
    const char *path;
    updx_kind kind;
    const char *expect;  /* rules that fire with no facts, sorted, comma-separated */
} corpus_log;

static const corpus_log corpus_logs[] = {
    {"baslr-w10-rollback/Panther/setuperr.log", UPDX_KIND_SETUPERR, ""},
    {"baslr-w10-rollback/Rollback/setupact.log", UPDX_KIND_SETUPACT, "rollback-initiated,rollback-reported"},
    {"baslr-w10-rollback/Rollback/setuperr.log", UPDX_KIND_SETUPERR, ""},
    {"baslr-w10-rollback/Rollback/setupapi/setupapi.dev.log", UPDX_KIND_SETUPAPI, ""},
    {"ricka-diskprov-50013/setupact.log", UPDX_KIND_SETUPACT,
     "downlevel-disk-provisioning-unavailable,setuphost-reported-failure"},
    {"silvermaz-24h2-upgrade/SetupAct.log", UPDX_KIND_SETUPACT, ""},
    {"silvermaz-24h2-upgrade/setuperr.log", UPDX_KIND_SETUPERR, ""},
    {"vitalskib-w11-2026/e16819b/setuperr.log", UPDX_KIND_SETUPERR, ""},
    {"vitalskib-w11-2026/b2dc252/setuperr.log", UPDX_KIND_SETUPERR, ""},
    {"vitalskib-w11-2026/b2dc252/setupact.log", UPDX_KIND_SETUPACT, ""},
    {"copyleft21-setuphost-cancel/setupact.log", UPDX_KIND_SETUPACT, "user-cancel"},
    {"copyleft21-setuphost-cancel/setuperr.log", UPDX_KIND_SETUPERR, "user-cancel"},
    {"bitbtrust-winpe-ibs/setupact.log", UPDX_KIND_SETUPACT, ""},
    {"shekhar-pbr-reset/setupact.log", UPDX_KIND_SETUPACT, ""},
    {"kayky-hp-sp-start/setupact.log", UPDX_KIND_SETUPACT, ""},
    {"cralborn-azure-panther/Panther/setupact.log", UPDX_KIND_SETUPACT, ""},
    {"cralborn-azure-panther/Panther/UnattendGC/setupact.log", UPDX_KIND_SETUPACT, ""},
    {"weiyang-sysprep-lxp-zhcn-fail/setupact.log", UPDX_KIND_SETUPACT,
     "sysprep-generalize-prevalidate-failed,sysprep-language-pack-not-provisioned"},
    /* Adobe XD, AdobeNotificationClient, Python per-user packages and an es-ES LXP */
    {"aka18angel-sysprep-appx-fail/setuperr.log", UPDX_KIND_SETUPERR,
     "sysprep-app-not-provisioned,sysprep-generalize-prevalidate-failed,sysprep-language-pack-not-provisioned"},
    {"wybzdjsa-mighost/setupact.log", UPDX_KIND_SETUPACT, ""},
    {"plaso-setupapi-10240/setupapi.dev.log", UPDX_KIND_SETUPAPI, ""},
    {"plaso-setupapi-10240/setupapi.setup.log", UPDX_KIND_SETUPAPI, ""},
    {"ttx-setupapi-cp1251/setupapi.dev.log", UPDX_KIND_SETUPAPI, ""},
    {"alborz25-cbs-source-missing/CBS.log", UPDX_KIND_CBS, "cbs-source-missing"},
    {"romi1996-cbs-store-corrupt/CBS.log", UPDX_KIND_CBS, "cbs-store-marked-corrupt"},
    {"appostarsi-cbs-hydration/CBS.log", UPDX_KIND_CBS, "cbs-hydration-failed,cbs-store-marked-corrupt"},
    {"appostarsi-cbs-hydration/dism.log", UPDX_KIND_DISM, ""},
    {"infinito-cbs-win7/CBS.log", UPDX_KIND_CBS, ""},
    {"asus-mosetup-bluebox/BlueBox.log", UPDX_KIND_BLUEBOX, ""},
};

/* Scans a file; fills `fired` with the sorted rule ids; returns lines or -1. */
static long scan_file(const updx_ruleset *rs, const char *path, updx_kind kind, bool prefilter, char *fired,
                      size_t size, size_t *matches, double *seconds, size_t *bytes)
{
    size_t len;
    unsigned char *data = harness_read_file(path, &len);
    if (!data)
        return -1;
    updx_case *c = updx_case_new("corpus", NULL);
    updx_rule_scan *s = updx_rules_scan_new(rs, c);
    updx_rules_scan_set_prefilter(s, prefilter);
    updx_text *t;
    long lines = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (updx_text_open_mem(&t, data, len, NULL) == UPDX_OK) {
        updx_line line;
        while (updx_text_next(t, &line) > 0) {
            updx_rules_scan_line(s, kind, path, &line);
            lines++;
        }
        updx_text_close(t);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (seconds)
        *seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (bytes)
        *bytes = len;
    *matches = 0;
    for (size_t i = 0; i < updx_rules_count(rs); i++)
        for (size_t p = 0; p < updx_rule_pattern_count(updx_rules_at(rs, i)); p++)
            *matches += updx_rules_scan_matches(s, updx_rules_at(rs, i), p) * (i * 31 + p + 1);
    updx_rules_evaluate(s, c, NULL, NULL);
    /* sorted, unique rule ids */
    const char *ids[256];
    size_t n = 0;
    for (size_t i = 0; i < c->findings.len && n < 256; i++) {
        const char *id = ((updx_finding *)updx_avec_at(&c->findings, i))->rule;
        size_t k = 0;
        while (k < n && strcmp(ids[k], id) < 0)
            k++;
        if (k < n && strcmp(ids[k], id) == 0)
            continue;
        memmove(ids + k + 1, ids + k, (n - k) * sizeof *ids);
        ids[k] = id;
        n++;
    }
    size_t o = 0;
    fired[0] = '\0';
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(fired + o, size - o, "%s%s", i ? "," : "", ids[i]);
    updx_rules_scan_free(s);
    updx_case_free(c);
    free(data);
    return lines;
}

static void test_corpus(void)
{
    const char *corpus = harness_corpus();
    if (!corpus) {
        fprintf(stderr, "skip: corpus absent\n");
        return;
    }
    updx_ruleset *rs = updx_rules_load_builtin(NULL);
    for (size_t i = 0; i < sizeof corpus_logs / sizeof corpus_logs[0]; i++) {
        char path[1024], fired[4096], fired2[4096];
        snprintf(path, sizeof path, "%s/logs/%s", corpus, corpus_logs[i].path);
        size_t m1, m2, bytes;
        double secs;
        long n1 = scan_file(rs, path, corpus_logs[i].kind, true, fired, sizeof fired, &m1, &secs, &bytes);
        if (n1 < 0) {
            fprintf(stderr, "skip: %s absent\n", path);
            continue;
        }
        long n2 = scan_file(rs, path, corpus_logs[i].kind, false, fired2, sizeof fired2, &m2, NULL, NULL);
        /* the prefilter changes nothing but speed */
        CHECK_INT(n1, n2);
        CHECK_INT(m1, m2);
        CHECK_STR(fired, fired2);
        if (strcmp(fired, corpus_logs[i].expect) != 0)
            fprintf(stderr, "corpus %s fired [%s]\n", corpus_logs[i].path, fired);
        CHECK_STR(fired, corpus_logs[i].expect);
        if (bytes > (512u << 10))
            fprintf(stderr, "speed: %s: %.1f MB in %.3f s = %.1f MB/s (text layer + all rules)\n",
                    corpus_logs[i].path, (double)bytes / 1e6, secs, (double)bytes / 1e6 / secs);
    }
    updx_rules_free(rs);
}

/* Answers upgrade.extended_code with the string passed as `ud`. */
static int extended_fact(void *ud, const char *path, const char **values, size_t max)
{
    if (strcmp(path, "upgrade.extended_code") == 0 && max) {
        values[0] = ud;
        return 1;
    }
    return 0;
}

/* baslr's down-level setuperr.log logs a MIG plug-in failure (adammigrate.dll) that did not
 * cause its 0x30018 rollback: the plug-in rule must stay quiet there and speak only when the
 * upgrade failed in MIGRATE_DATA. */
static void test_corpus_plugin_failure(void)
{
    const char *corpus = harness_corpus();
    if (!corpus) {
        fprintf(stderr, "skip: corpus absent\n");
        return;
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/logs/baslr-w10-rollback/Panther/setuperr.log", corpus);
    size_t len;
    unsigned char *data = harness_read_file(path, &len);
    if (!data) {
        fprintf(stderr, "skip: %s absent\n", path);
        return;
    }
    updx_ruleset *rs = updx_rules_load_builtin(NULL);
    CHECK(updx_rules_count(rs) >= 50);
    static const char *const ext[] = {"0x30018", "0x4000D"};
    for (size_t k = 0; k < 2; k++) {
        updx_case *c = updx_case_new("corpus", NULL);
        updx_rule_scan *s = updx_rules_scan_new(rs, c);
        updx_text *t;
        if (updx_text_open_mem(&t, data, len, NULL) == UPDX_OK) {
            updx_line line;
            while (updx_text_next(t, &line) > 0)
                updx_rules_scan_line(s, UPDX_KIND_SETUPERR, path, &line);
            updx_text_close(t);
        }
        updx_rules_evaluate(s, c, extended_fact, (void *)ext[k]);
        const updx_finding *hit = NULL;
        for (size_t i = 0; i < c->findings.len; i++) {
            const updx_finding *f = updx_avec_at(&c->findings, i);
            if (strcmp(f->rule, "mig-plugin-apply-failure") == 0)
                hit = f;
        }
        if (k == 0) {
            CHECK(hit == NULL);
        } else {
            CHECK(hit != NULL);
            if (hit) {
                CHECK_STR(hit->culprit.name, "Microsoft-Windows-DirectoryServices-ADAM-Client\\adammigrate.dll");
                CHECK_INT(hit->evidence.len, 1);
                CHECK_INT(((const updx_evref *)updx_avec_at(&hit->evidence, 0))->line, 54);
            }
        }
        updx_rules_scan_free(s);
        updx_case_free(c);
    }
    updx_rules_free(rs);
    free(data);
}

static void test_blockers(void)
{
    updx_blocker b;
    CHECK(updx_blocker_find(&g_arena, "C:\\Windows\\System32\\drivers\\intcaudiobus.sys", &b));
    CHECK_STR(b.vendor, "Intel");
    CHECK_STR(b.fixed, "10.29.0.5714 / 10.30.0.5714");
    CHECK(strstr(b.safeguard_ids, "51876952") != NULL);
    CHECK(updx_blocker_find(&g_arena, "sprotect", &b));        /* a service name */
    CHECK_STR(b.driver_class, "security");
    CHECK(updx_blocker_find(&g_arena, "uci64a96.dll", &b));    /* a wildcard row */
    CHECK(!updx_blocker_find(&g_arena, "lwfmgr.sys", &b));     /* no public information */
    CHECK(!updx_blocker_find(&g_arena, "", &b));
    CHECK(updx_blocker_find_safeguard(&g_arena, "56318982", &b));
    CHECK_STR(b.file, "sprotect.sys");
    CHECK(!updx_blocker_find_safeguard(&g_arena, "5631898", &b));
}

int main(void)
{
    updx_arena_init(&g_arena, 0);
    RUN(test_loader_errors);
    RUN(test_derive_literal);
    RUN(test_scan_and_finding);
    RUN(test_code_filter);
    RUN(test_builtin_examples);
    RUN(test_example_runner_catches_bad_rules);
    RUN(test_user_dir);
    RUN(test_corpus);
    RUN(test_corpus_plugin_failure);
    RUN(test_blockers);
    updx_arena_free(&g_arena);
    return harness_exit();
}
