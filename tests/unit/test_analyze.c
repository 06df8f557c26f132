/* test_analyze.c: the pipeline's joins that no reader does alone: WER's upgrade result
 * feeding the story, rule conditions answered from facts, and analysis of a bundle in memory. */
#include "harness.h"

#include "analyze/analyze.h"
#include "logs/story.h"
#include "report/json_out.h"
#include "sys/evtx.h"
#include "support/fixture_archive.h"
#include "support/synth_dump.h"

/* WER event 1001 WinSetupDiag02 as `wevtutil qe Application /f:xml` renders it: P1..P10 =
 * scenario, mode, arch, result, result code, extended code, builds and branches */
static const char wer_xml[] =
    "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
    "<Provider Name='Windows Error Reporting'/><EventID>1001</EventID><Level>4</Level>"
    "<TimeCreated SystemTime='2022-05-06T02:40:00Z'/><Channel>Application</Channel></System>"
    "<EventData><Data></Data><Data>0</Data><Data>WinSetupDiag02</Data><Data>Not available</Data>"
    "<Data>0</Data><Data>1</Data><Data>5</Data><Data>9</Data><Data>1</Data>"
    "<Data>0xC1900101</Data><Data>0x30017</Data><Data>17763</Data><Data>rs5_release</Data>"
    "<Data>19044</Data><Data>vb_release</Data></EventData></Event>\n";

static void test_wer_result_feeds_story(void)
{
    updx_case *c = updx_case_new("wer", NULL);
    CHECK_INT(updx_evtx_read_xml(c, "Application.xml", wer_xml, sizeof wer_xml - 1), UPDX_OK);
    updx_feed_wer_results(c);
    updx_story_build(c);
    uint32_t result = 0, ext = 0;
    bool has_ext = false;
    CHECK(updx_story_result(c, &result, &has_ext, &ext));
    CHECK_INT(result, 0xC1900101u);
    CHECK(has_ext);
    CHECK_INT(ext, 0x30017u);
    const char *v[4];
    CHECK_INT(updx_case_fact(c, "upgrade.result_code", v, 4), 1);
    CHECK_STR(v[0], "0xC1900101");
    CHECK_INT(updx_case_fact(c, "upgrade.extended_code", v, 4), 1);
    CHECK_STR(v[0], "0x30017");
    /* the chain cites the event log record, by offset: it has no lines */
    json_t *up = updx_story_to_json(c);
    json_t *chain = json_object_get(up, "chain");
    CHECK(json_array_size(chain) >= 1);
    CHECK(json_object_get(json_array_get(chain, 0), "line") == NULL);
    json_decref(up);
    updx_case_free(c);
}

static void test_facts_without_evidence(void)
{
    updx_case *c = updx_case_new("empty", NULL);
    updx_story_build(c);
    const char *v[4];
    CHECK_INT(updx_case_fact(c, "upgrade.result_code", v, 4), 0);
    CHECK_INT(updx_case_fact(c, "crash.blamed_module", v, 4), 0);
    CHECK_INT(updx_case_fact(c, "no.such.path", v, 4), 0);
    CHECK_INT(updx_case_fact(c, "nodot", v, 4), 0);
    updx_case_free(c);
}

static void test_analyze_mem_single_log(void)
{
    static const char log[] =
        "2023-03-14 09:14:40, Info                  MOUPG  SetupNotify::Remapping disk full error [0x80070070] -> [0xC19001DF]\r\n"
        "2023-03-14 09:14:40, Info                  MOUPG  SetupHost: Reporting error event -> [0x80070070, 0xC19001DF]\r\n";
    updx_analyze_opts opts;
    updx_analyze_opts_default(&opts);
    updx_case *c = NULL;
    int rc = updx_analyze_mem("setupact.log", log, sizeof log - 1, &opts, &c);
    CHECK(rc >= 0);
    CHECK(c != NULL);
    CHECK(c->findings.len >= 1);
    json_t *r = updx_report_build(c);
    CHECK_STR(json_string_value(json_object_get(r, "schema")), "updx.report/1");
    json_t *f0 = json_array_get(json_object_get(r, "findings"), 0);
    CHECK_STR(json_string_value(json_object_get(f0, "category")), "disk_space");
    json_decref(r);
    updx_case_free(c);
}

/* The JSON writer lists bundle.members from the case while it writes (the report tree holds
 * none): its output must be byte for byte json_dumps of the whole tree, indented and compact,
 * whatever the names hold (quotes, backslashes, the very text it looks for, CJK). */
static void test_json_writer_lists_members(void)
{
    static const char log[] = "2023-03-14 09:14:40, Error                 MOUPG  x [0x80070070]\r\n";
    fixture_member m[] = {
        {"a/\"members\": []/x.txt", "x\n", 2, false},
        {"b\\\"members\":[]\\.log", "y\n", 2, false},
        {"c/\xE4\xB8\xAD\xE6\x96\x87.txt", "z\n", 2, false},
        {"$WINDOWS.~BT/Sources/Panther/setupact.log", log, sizeof log - 1, false},
    };
    size_t zlen;
    unsigned char *zip = fixture_archive_build("zip", m, 4, &zlen);
    CHECK(zip != NULL);
    updx_case *c = NULL;
    updx_analyze_mem("\"bundle\": \"members\": [].zip", zip, zlen, NULL, &c);
    CHECK(c && c->members.len == 4);
    json_t *full = updx_report_build(c), *lean = updx_report_build_ex(c, false);
    CHECK_INT(json_array_size(json_object_get(json_object_get(lean, "bundle"), "members")), 0);
    for (int compact = 0; compact < 2; compact++) {
        char *want = json_dumps(full, compact ? JSON_COMPACT : JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        updx_buf b;
        updx_buf_init(&b, 1u << 24);
        CHECK_INT(updx_report_json_write(lean, c, compact, &b), UPDX_OK);
        if (compact) {
            json_t *got = json_loadb(b.data, b.len, 0, NULL);
            CHECK(got && json_equal(got, full));
            json_decref(got);
        } else {
            CHECK(want && b.len == strlen(want) + 1 && memcmp(b.data, want, b.len - 1) == 0);
        }
        free(want);
        updx_buf_free(&b);
    }
    json_decref(full);
    json_decref(lean);
    updx_case_free(c);
    free(zip);
}

/* A rollback in 2023 with a dump written in May 2022 (the seed dump) that blames the same
 * driver: the dump is from another time and is shown as contradicting evidence, not counted;
 * the rollback log's own bug-check block still is. */
static void test_stale_dump_is_not_counted(void)
{
    static const char rollback[] =
        "2023-09-01 10:02:17, Info                  SP     Initiating rollback/uninstall, phase = 0\r\n"
        "2023-09-01 10:02:17, Info                  SP     Current phase : 3\r\n"
        "2023-09-01 10:02:17, Info                  SP     Current op    : 23\r\n"
        "2023-09-01 10:02:18, Info                  SP     Crash 0x0000007E detected\r\n"
        "2023-09-01 10:02:18, Info                  SP       Module name           : lwfmgr.sys\r\n"
        "2023-09-01 10:31:44, Info                  MOUPG  SetupHost: Reporting post reboot event -> [0xC1900101, 0x30017]\r\n";
    size_t dlen = 0, zlen = 0;
    unsigned char *dump = synth_seed_dump(&dlen);
    CHECK(dump != NULL);
    fixture_member members[] = {
        {.name = "$WINDOWS.~BT/Sources/Rollback/setupact.log", .data = rollback, .len = sizeof rollback - 1},
        {.name = "Windows/Minidump/old.dmp", .data = dump, .len = dlen},
    };
    unsigned char *zip = fixture_archive_build("zip", members, 2, &zlen);
    CHECK(zip != NULL);
    updx_analyze_opts opts;
    updx_analyze_opts_default(&opts);
    updx_case *c = NULL;
    CHECK(updx_analyze_mem("stale.zip", zip, zlen, &opts, &c) >= 0);
    json_t *r = updx_report_build(c);
    json_t *f0 = json_array_get(json_object_get(r, "findings"), 0);
    CHECK_STR(json_string_value(json_object_get(json_object_get(f0, "culprit"), "name")), "lwfmgr.sys");
    bool dump_counted = false;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(f0, "sources"), i, v) dump_counted |= strcmp(json_string_value(v), "crash_dump") == 0;
    CHECK(!dump_counted);
    json_t *against = json_object_get(f0, "contradicting");
    CHECK(json_array_size(against) == 1);
    CHECK_STR(json_string_value(json_object_get(json_array_get(against, 0), "file")), "Windows/Minidump/old.dmp");
    json_decref(r);
    updx_case_free(c);
    free(zip);
    free(dump);
}

int main(void)
{
    RUN(test_stale_dump_is_not_counted);
    RUN(test_wer_result_feeds_story);
    RUN(test_facts_without_evidence);
    RUN(test_analyze_mem_single_log);
    RUN(test_json_writer_lists_members);
    return harness_exit();
}
