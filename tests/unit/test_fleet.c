/* test_fleet.c: the fleet: grouping, CSV quoting, bundle keys and folder rule, the history
 * (skip unchanged bundles, resume an interrupted run without counting anything twice). */
#include "harness.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleet/fleet.h"
#include "rules/rules.h"
#include "support/fixture_archive.h"
#include "updx/updx.h"

static updx_fleet_row mkrow(const char *key, const char *name, const char *status, const char *sig,
                            const char *first, const char *last)
{
    updx_fleet_row r = {0};
    r.key = (char *)key;
    r.path = (char *)name;
    r.name = (char *)name;
    r.status = (char *)status;
    r.signature = (char *)sig;
    r.first_time = (char *)first;
    r.last_time = (char *)last;
    r.analysed_at = (char *)"2024-01-01 00:00:00";
    return r;
}

static const char *gstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void test_grouping(void)
{
    updx_fleet_rows rows = {0};
    char key[16], name[16];
    /* six machines of cause A (one carries the remediation), two of B, one without finding,
     * one that could not be analysed */
    for (int i = 0; i < 6; i++) {
        snprintf(key, sizeof key, "a%d", i);
        snprintf(name, sizeof name, "PC-A%d", 5 - i);
        char first[20], last[20];
        snprintf(first, sizeof first, "2024-03-0%d 10:00:00", i + 1);
        snprintf(last, sizeof last, "2024-03-0%d 12:00:00", i + 2);
        updx_fleet_row r = mkrow(key, name, "ok", "rule-a|drv|0xC1900101-0x30017", first, last);
        r.rule = (char *)"rule-a";
        r.culprit = (char *)"drv.sys";
        r.codes = (char *)"0xC1900101-0x30017";
        r.title_en = (char *)"drv.sys crashed";
        if (i == 3)
            r.remediation = (char *)"{\"plan\":\"p\",\"steps\":[{\"en\":\"disable drv\",\"zh\":\"禁用 drv\"}]}";
        CHECK_INT(updx_fleet_rows_push(&rows, &r), UPDX_OK);
    }
    for (int i = 0; i < 2; i++) {
        snprintf(key, sizeof key, "b%d", i);
        snprintf(name, sizeof name, "PC-B%d", i);
        updx_fleet_row r = mkrow(key, name, "partial", "rule-b|other|0xC1900208", NULL, NULL);
        CHECK_INT(updx_fleet_rows_push(&rows, &r), UPDX_OK);
    }
    updx_fleet_row none = mkrow("n", "PC-N", "ok", NULL, NULL, NULL);
    updx_fleet_row bad = mkrow("unreadable:x", "PC-X", "error", NULL, NULL, NULL);
    bad.error = (char *)"cannot open: Permission denied";
    updx_fleet_rows_push(&rows, &none);
    updx_fleet_rows_push(&rows, &bad);

    json_t *v = updx_fleet_view(&rows);
    CHECK(v != NULL);
    CHECK_INT(json_integer_value(json_object_get(v, "machines_total")), 10);
    CHECK_INT(json_integer_value(json_object_get(v, "analysed")), 9);
    CHECK_INT(json_integer_value(json_object_get(v, "diagnosed")), 8);
    CHECK_INT(json_integer_value(json_object_get(v, "failed")), 1);
    const json_t *groups = json_object_get(v, "groups");
    CHECK_INT(json_array_size(groups), 4);
    const json_t *a = json_array_get(groups, 0), *b = json_array_get(groups, 1);
    CHECK_STR(gstr(a, "signature"), "rule-a|drv|0xC1900101-0x30017");
    CHECK_INT(json_integer_value(json_object_get(a, "count")), 6);
    CHECK(json_real_value(json_object_get(a, "share")) > 0.599 && json_real_value(json_object_get(a, "share")) < 0.601);
    CHECK_INT(json_array_size(json_object_get(a, "examples")), UPDX_FLEET_MAX_EXAMPLES);
    CHECK_STR(json_string_value(json_array_get(json_object_get(a, "examples"), 0)), "PC-A0");
    CHECK_STR(gstr(a, "first_seen"), "2024-03-01 10:00:00");
    CHECK_STR(gstr(a, "last_seen"), "2024-03-07 12:00:00");
    CHECK_STR(gstr(a, "culprit"), "drv.sys");
    const json_t *steps = json_object_get(json_object_get(a, "remediation"), "steps");
    CHECK_INT(json_array_size(steps), 1);
    CHECK_STR(gstr(json_array_get(steps, 0), "en"), "disable drv");
    CHECK_STR(gstr(b, "signature"), "rule-b|other|0xC1900208");
    CHECK_INT(json_integer_value(json_object_get(b, "count")), 2);
    CHECK(json_is_null(json_object_get(b, "first_seen")));
    CHECK_STR(gstr(json_array_get(groups, 2), "kind"), "no_finding");
    CHECK_STR(gstr(json_array_get(groups, 3), "kind"), "error");
    CHECK_STR(gstr(json_array_get(groups, 3), "error"), "cannot open: Permission denied");
    /* machines follow the groups: A's first (by name), the failed one last */
    const json_t *machines = json_object_get(v, "machines");
    CHECK_INT(json_array_size(machines), 10);
    CHECK_STR(gstr(json_array_get(machines, 0), "machine"), "PC-A0");
    CHECK_STR(gstr(json_array_get(machines, 6), "machine"), "PC-B0");
    CHECK_STR(gstr(json_array_get(machines, 9), "machine"), "PC-X");

    /* every format renders; text and Markdown name the group and its step */
    updx_buf out;
    updx_buf_init(&out, (size_t)1 << 24);
    CHECK_INT(updx_fleet_render(v, UPDX_FLEET_TEXT, UPDX_LANG_EN, &out), UPDX_OK);
    updx_buf_addc(&out, '\0');
    CHECK(strstr(out.data, "6 machines, 60.0% of the fleet") != NULL);
    CHECK(strstr(out.data, "1. disable drv") != NULL);
    updx_buf_reset(&out);
    CHECK_INT(updx_fleet_render(v, UPDX_FLEET_MD, UPDX_LANG_ZH, &out), UPDX_OK);
    updx_buf_addc(&out, '\0');
    CHECK(strstr(out.data, "禁用 drv") != NULL);
    CHECK(strstr(out.data, "rule-a\\|drv") != NULL);  /* pipes escaped in table cells */
    updx_buf_reset(&out);
    CHECK_INT(updx_fleet_render(v, UPDX_FLEET_CSV, UPDX_LANG_EN, &out), UPDX_OK);
    updx_buf_addc(&out, '\0');
    size_t lines = 0;
    for (const char *p = out.data; (p = strstr(p, "\r\n")) != NULL; p += 2)
        lines++;
    CHECK_INT(lines, 11);  /* header and ten machines */
    CHECK(strstr(out.data, "PC-A0,PC-A0,a5,ok,,1,6,0.6000,rule-a|drv|0xC1900101-0x30017,rule-a,drv.sys,") != NULL);
    updx_buf_reset(&out);
    CHECK_INT(updx_fleet_render(v, UPDX_FLEET_JSON, UPDX_LANG_EN, &out), UPDX_OK);
    updx_buf_addc(&out, '\0');
    json_t *back = json_loads(out.data, 0, NULL);
    CHECK(back && json_equal(back, v));
    json_decref(back);
    updx_buf_free(&out);
    json_decref(v);

    /* no rows: an empty view, not a crash */
    updx_fleet_rows empty = {0};
    v = updx_fleet_view(&empty);
    CHECK(v && json_array_size(json_object_get(v, "groups")) == 0);
    json_decref(v);
    updx_fleet_rows_free(&rows);
}

static const char *csv(const char *s)
{
    static char text[256];
    updx_buf b;
    updx_buf_init(&b, 4096);
    updx_fleet_csv_field(&b, s);
    snprintf(text, sizeof text, "%.*s", (int)b.len, b.data ? b.data : "");
    updx_buf_free(&b);
    return text;
}

static void test_csv_quoting(void)
{
    CHECK_STR(csv("plain"), "plain");
    CHECK_STR(csv(""), "");
    CHECK_STR(csv(NULL), "");
    CHECK_STR(csv("a,b"), "\"a,b\"");
    CHECK_STR(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
    CHECK_STR(csv("two\nlines"), "\"two\nlines\"");
    CHECK_STR(csv("cr\rhere"), "\"cr\rhere\"");
    CHECK_STR(csv("=cmd|' /C calc'!A0"), "\"'=cmd|' /C calc'!A0\"");
    CHECK_STR(csv("+1"), "\"'+1\"");
    CHECK_STR(csv("@SUM(A1)"), "\"'@SUM(A1)\"");
    CHECK_STR(csv("中文,逗号"), "\"中文,逗号\"");
}

static void test_row_from_report(void)
{
    const char *js =
        "{\"machine\": {\"ComputerName\": \"BANK-PC-7\"},"
        " \"upgrade\": {\"chain\": [{\"time\": \"2022-05-06 10:31:44\"}, {\"time\": \"bogus\"}],"
        "               \"fatal_error\": {\"time\": \"2022-05-06 10:31:45\"}},"
        " \"crashes\": [{\"time\": \"2022-05-05T09:00:00Z\"}],"
        " \"findings\": [{\"rule\": \"boot-driver-crash\", \"signature\": \"boot-driver-crash|lwfmgr|0xC1900101-0x30017\","
        "   \"culprit\": {\"name\": \"lwfmgr.sys\"}, \"confidence\": 0.97, \"title\": {\"en\": \"t\", \"zh\": \"标题\"},"
        "   \"remediation\": {\"plan\": \"disable-boot-driver\", \"steps\": []}}]}";
    json_t *rep = json_loads(js, 0, NULL);
    CHECK(rep != NULL);
    updx_fleet_row r = {0};
    CHECK_INT(updx_fleet_row_from_report(&r, rep, "bundle.zip", "2030-01-01 00:00:00"), UPDX_OK);
    CHECK_STR(r.name, "BANK-PC-7");
    CHECK_STR(r.signature, "boot-driver-crash|lwfmgr|0xC1900101-0x30017");
    CHECK_STR(r.codes, "0xC1900101-0x30017");
    CHECK_STR(r.culprit, "lwfmgr.sys");
    CHECK_STR(r.title_zh, "标题");
    CHECK_STR(r.first_time, "2022-05-05 09:00:00");
    CHECK_STR(r.last_time, "2022-05-06 10:31:45");
    CHECK(r.remediation && strstr(r.remediation, "disable-boot-driver"));
    CHECK(r.confidence > 0.96);
    updx_fleet_row_clear(&r);
    json_decref(rep);

    /* no manifest, no finding, no times: the fallbacks */
    rep = json_loads("{\"machine\": {}, \"findings\": []}", 0, NULL);
    CHECK_INT(updx_fleet_row_from_report(&r, rep, "bundle.zip", "2030-01-01 00:00:00"), UPDX_OK);
    CHECK_STR(r.name, "bundle.zip");
    CHECK(r.signature == NULL);
    CHECK_STR(r.first_time, "2030-01-01 00:00:00");
    updx_fleet_row_clear(&r);
    json_decref(rep);
}

/* --- on-disk tests: a scratch folder of small bundles ------------------------------------- */

static char scratch[256];

static int make_scratch(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/updx-fleet-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    return mkdtemp(scratch) ? 0 : -1;
}

static void rm_scratch(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", scratch);
}

/* writes bundle i as a zip holding a setuperr.log; `variant` changes its bytes */
static void write_bundle(const char *dir, int i, int variant)
{
    char path[512], text[256];
    snprintf(path, sizeof path, "%s/pc-%03d.zip", dir, i);
    int n = snprintf(text, sizeof text,
                     "2024-01-0%d 10:00:%02d, Error                 MOUPG  CSetupHost::Execute(370): Result = 0xC1900101\r\n"
                     "2024-01-01 10:00:00, Info                  SP     machine %d variant %d\r\n",
                     1 + i % 9, i % 60, i, variant);
    fixture_member m[] = {{"$WINDOWS.~BT/Sources/Panther/setuperr.log", text, (size_t)n, false}};
    size_t len = 0;
    unsigned char *zip = fixture_archive_build("zip", m, 1, &len);
    if (zip)
        fixture_write_file(path, zip, len);
    free(zip);
}

static volatile sig_atomic_t stop_flag;
static size_t stop_after;

static void stop_progress(void *ud, const updx_fleet_progress *p)
{
    (void)ud;
    if (stop_after && p->done >= stop_after)
        stop_flag = 1;
}

static int run_fleet(updx_fleet_db *db, const char *dir, const updx_ruleset *rules, unsigned jobs,
                     size_t cancel_after, updx_fleet_progress *fin)
{
    const char *paths[] = {dir};
    char **bundles = NULL;
    size_t n = 0;
    if (updx_fleet_expand(paths, 1, &bundles, &n) != UPDX_OK)
        return -100;
    updx_fleet_opts o;
    updx_fleet_opts_default(&o);
    o.analyze.rules = rules;
    o.jobs = jobs;
    o.db = db;
    stop_flag = 0;
    stop_after = cancel_after;
    o.cancel = &stop_flag;
    o.progress = stop_progress;
    updx_fleet_db_run_begin(db, dir, &o.run_id);
    int rc = updx_fleet_run(bundles, n, &o, NULL, fin);
    if (rc == UPDX_OK)
        updx_fleet_db_run_end(db, o.run_id);
    updx_fleet_paths_free(bundles, n);
    return rc;
}

static size_t history_rows(updx_fleet_db *db)
{
    updx_fleet_rows rows = {0};
    if (updx_fleet_db_load(db, &rows) != UPDX_OK)
        return (size_t)-1;
    size_t n = rows.len;
    updx_fleet_rows_free(&rows);
    return n;
}

enum { NBUNDLES = 24 };

static void test_db_resume_and_skip(void)
{
    if (make_scratch() != 0) {
        CHECK(!"mkdtemp");
        return;
    }
    char dir[400], dbfile[400];
    snprintf(dir, sizeof dir, "%s/fleet", scratch);
    snprintf(dbfile, sizeof dbfile, "%s/history.db", scratch);
    mkdir(dir, 0755);
    for (int i = 0; i < NBUNDLES; i++)
        write_bundle(dir, i, 0);
    updx_ruleset *rules = updx_rules_load_builtin(NULL);
    CHECK(rules != NULL);

    /* an interrupted run: cancelled after 5 bundles (as Ctrl-C does), the handle closed
     * without ending the run (as a kill leaves it) */
    updx_fleet_db *db = NULL;
    char err[256];
    CHECK_INT(updx_fleet_db_open(dbfile, &db, err, sizeof err), UPDX_OK);
    updx_fleet_progress fin;
    CHECK_INT(run_fleet(db, dir, rules, 2, 5, &fin), UPDX_PARTIAL);
    size_t first = fin.analysed + fin.failed;
    CHECK(first >= 5 && first < NBUNDLES);
    CHECK_INT(history_rows(db), first);
    updx_fleet_db_close(db);

    /* the resumed run analyses exactly the rest */
    CHECK_INT(updx_fleet_db_open(dbfile, &db, err, sizeof err), UPDX_OK);
    CHECK_INT(run_fleet(db, dir, rules, 2, 0, &fin), UPDX_OK);
    CHECK_INT(fin.analysed + fin.failed, NBUNDLES - first);
    CHECK_INT(fin.skipped, first);
    CHECK_INT(history_rows(db), NBUNDLES);

    /* unchanged: everything skipped */
    CHECK_INT(run_fleet(db, dir, rules, 2, 0, &fin), UPDX_OK);
    CHECK_INT(fin.analysed + fin.failed, 0);
    CHECK_INT(fin.skipped, NBUNDLES);

    /* one bundle changed, one new: two analysed, and the changed one still counts once */
    write_bundle(dir, 3, 1);
    write_bundle(dir, NBUNDLES, 0);
    CHECK_INT(run_fleet(db, dir, rules, 1, 0, &fin), UPDX_OK);
    CHECK_INT(fin.analysed + fin.failed, 2);
    CHECK_INT(fin.skipped, NBUNDLES - 1);
    CHECK_INT(history_rows(db), NBUNDLES + 1);

    /* the stored report comes back */
    char key[65];
    char path[512];
    snprintf(path, sizeof path, "%s/pc-%03d.zip", dir, 7);
    CHECK_INT(updx_fleet_bundle_key(path, key, err, sizeof err), UPDX_OK);
    char *rep = updx_fleet_db_report(db, key);
    CHECK(rep && strstr(rep, "updx.report/1"));
    free(rep);
    updx_fleet_db_close(db);

    /* not a history file: an error, not a crash */
    char junk[400];
    snprintf(junk, sizeof junk, "%s/junk.db", scratch);
    fixture_write_file(junk, "this is not sqlite, just some text that is long enough to matter.........", 74);
    CHECK(updx_fleet_db_open(junk, &db, err, sizeof err) < 0);
    CHECK(db == NULL);

    updx_rules_free(rules);
    rm_scratch();
}

static void test_keys_and_folders(void)
{
    if (make_scratch() != 0) {
        CHECK(!"mkdtemp");
        return;
    }
    char a[400], b[400], p[512], ka[65], kb[65], err[256];
    snprintf(a, sizeof a, "%s/a", scratch);
    snprintf(b, sizeof b, "%s/b", scratch);
    mkdir(a, 0755);
    mkdir(b, 0755);
    snprintf(p, sizeof p, "%s/x.log", a);
    fixture_write_file(p, "one", 3);
    snprintf(p, sizeof p, "%s/y.log", a);
    fixture_write_file(p, "two", 3);
    /* the same files in another order of creation and names: the same key (sorted hashes) */
    snprintf(p, sizeof p, "%s/second.log", b);
    fixture_write_file(p, "two", 3);
    snprintf(p, sizeof p, "%s/first.log", b);
    fixture_write_file(p, "one", 3);
    CHECK_INT(updx_fleet_bundle_key(a, ka, err, sizeof err), UPDX_OK);
    CHECK_INT(updx_fleet_bundle_key(b, kb, err, sizeof err), UPDX_OK);
    CHECK_STR(ka, kb);
    /* a file's key is the SHA-256 of its bytes */
    snprintf(p, sizeof p, "%s/x.log", a);
    CHECK_INT(updx_fleet_bundle_key(p, ka, err, sizeof err), UPDX_OK);
    CHECK_STR(ka, "7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed");
    snprintf(p, sizeof p, "%s/missing", scratch);
    CHECK(updx_fleet_bundle_key(p, ka, err, sizeof err) < 0);
    CHECK(strstr(err, "No such file") != NULL);

    /* a folder of log files is one bundle; a folder of bundle folders and archives is a fleet */
    CHECK(!updx_fleet_is_bundle_folder(a));
    CHECK(updx_fleet_is_bundle_folder(scratch));  /* a/ and b/ hold .log files */
    fixture_member m[] = {{"Panther/setupact.log", "x\r\n", 3, false}};
    size_t zlen = 0;
    unsigned char *zip = fixture_archive_build("zip", m, 1, &zlen);
    snprintf(p, sizeof p, "%s/c.zip", scratch);
    fixture_write_file(p, zip, zlen);
    free(zip);
    CHECK(updx_fleet_is_bundle_folder(scratch));
    const char *paths[] = {scratch};
    char **list = NULL;
    size_t n = 0;
    CHECK_INT(updx_fleet_expand(paths, 1, &list, &n), UPDX_OK);
    CHECK_INT(n, 3);
    if (n == 3)
        CHECK(strstr(list[2], "/c.zip") != NULL);
    updx_fleet_paths_free(list, n);
    /* a loose log beside them makes the folder one bundle */
    snprintf(p, sizeof p, "%s/setupact.log", scratch);
    fixture_write_file(p, "x\r\n", 3);
    CHECK(!updx_fleet_is_bundle_folder(scratch));
    rm_scratch();
}

int main(void)
{
    RUN(test_grouping);
    RUN(test_csv_quoting);
    RUN(test_row_from_report);
    RUN(test_keys_and_folders);
    RUN(test_db_resume_and_skip);
    return harness_exit();
}
