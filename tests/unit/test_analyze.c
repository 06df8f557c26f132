/* test_analyze.c: the pipeline's joins that no reader does alone: WER's upgrade result
 * feeding the story, rule conditions answered from facts, and analysis of a bundle in memory. */
#include "harness.h"

#include "analyze/analyze.h"
#include "logs/story.h"
#include "sys/evtx.h"

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

int main(void)
{
    RUN(test_wer_result_feeds_story);
    RUN(test_facts_without_evidence);
    RUN(test_analyze_mem_single_log);
    return harness_exit();
}
