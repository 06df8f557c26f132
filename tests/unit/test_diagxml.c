/* test_diagxml.c: the smaller Panther-side formats: diagerr/diagwrn.xml rows, BlueBox.log and
 * SetupDiag's own results (inline samples written here, and the corpus files when present). */
#include "harness.h"

#include "logs/bluebox.h"
#include "logs/diagxml.h"
#include "logs/setup_facts.h"
#include "logs/setupdiag_results.h"
#include "logs/story.h"
#include "updx/updx.h"

static const char diag_sample[] =
    "\xEF\xBB\xBF<xml xmlns:s=\"uuid:BDC6E3F0-6DA3-11d1-A2A3-00AA00C14882\"\n"
    " xmlns:rs=\"urn:schemas-microsoft-com:rowset\"\n xmlns:z=\"#RowsetSchema\">\n"
    "<s:Schema id=\"RowsetSchema\"></s:Schema>\n<rs:data>\n"
    "<z:row Cls=\"D\" Sev=\"33554432\" LN=\"1454\" Fil=\"\" Fun=\"CRecoveryEnvironment::ChooseOs\" "
    "Msg=\"Failed to check OS architecture. 0x00000490\" Exe=\"X:\\sources\\recovery\\recenv.exe\" "
    "Mod=\"recenv.exe\" Err=\"2\" MD=\"\" DT=\"2021-06-09T12:08:20\"/>\n"
    "<z:row Fun=\"F2\" Msg=\"caf&#233; &amp; more\" Mod=\"m.dll\" Err=\"x\" DT=\"2021-06-09T12:08:21\"/>\n"
    "</rs:data>\n</xml>\n";

static void test_diag_inline(void)
{
    updx_case *c = updx_case_new("d", NULL);
    CHECK_INT(updx_diagxml_read_mem(c, "diagerr.xml", diag_sample, sizeof diag_sample - 1, true), UPDX_OK);
    CHECK_INT(c->setup->diag_rows.len, 2);
    const updx_diag_row *r = updx_avec_at(&c->setup->diag_rows, 0);
    CHECK_STR(r->function, "CRecoveryEnvironment::ChooseOs");
    CHECK_STR(r->module, "recenv.exe");
    CHECK_STR(r->exe, "X:\\sources\\recovery\\recenv.exe");
    CHECK_STR(r->time_text, "2021-06-09T12:08:20");
    CHECK(r->has_err && r->err == 2);
    CHECK(r->error_file);
    CHECK_INT(r->line, 6);
    const updx_diag_row *r2 = updx_avec_at(&c->setup->diag_rows, 1);
    CHECK_STR(r2->message, "caf\xC3\xA9 & more");
    CHECK(!r2->has_err);
    /* damaged input: a note, never a crash */
    /* cut off mid-row, as when copied while setup writes it: a warning, reading goes on */
    CHECK_INT(updx_diagxml_read_mem(c, "diagwrn.xml", "<xml><rs:data><z:row Fun=\"a", 27, false), UPDX_OK);
    CHECK(updx_notes_count(&c->notes, UPDX_NOTE_WARNING) >= 1);
    CHECK(updx_diagxml_read_mem(c, "empty.xml", "", 0, false) == UPDX_PARTIAL);
    CHECK(updx_diagxml_read_mem(c, "junk.xml", "\x01\x02not xml", 9, false) == UPDX_PARTIAL);
    CHECK(updx_notes_count(&c->notes, UPDX_NOTE_DAMAGED) >= 2);
    updx_case_free(c);
}

static void test_bluebox(void)
{
    static const char log[] =
        "\xEF\xBB\xBF" "2025-04-26 05:07:00: BuildInfo: [10.0.26100.1 (ge_release.240331-1435)]\r\n"
        "2025-04-26 05:07:00: Opening Box Result: [0x0]\r\n"
        "2025-04-26 05:07:01: Launching process: [V:\\Sources\\SetupHost.exe]\r\n"
        "2025-04-26 05:09:00: Box Result: [0xC1900107]\r\n"
        "not a bluebox line\r\n";
    updx_case *c = updx_case_new("b", NULL);
    CHECK_INT(updx_bluebox_read_mem(c, "Logs/MoSetup/BlueBox.log", log, sizeof log - 1), UPDX_OK);
    CHECK_INT(c->setup->events.len, 2);
    const updx_setup_event *e = updx_avec_at(&c->setup->events, 0);
    CHECK_INT(e->mark, UPDX_MARK_TARGET_VERSION);
    CHECK_STR(e->arg, "10.0.26100.1");
    e = updx_avec_at(&c->setup->events, 1);
    CHECK_INT(e->mark, UPDX_MARK_BLUEBOX_RESULT);
    CHECK(e->a == 0xC1900107u);
    CHECK_INT(e->line, 4);
    updx_story_build(c);
    uint32_t r, x;
    bool hx;
    CHECK(updx_story_result(c, &r, &hx, &x) && r == 0xC1900107u && !hx);
    CHECK_STR(updx_outcome_name(updx_story_outcome(c)), "failed");
    updx_case_free(c);
}

static void test_setupdiag_formats(void)
{
    static const char text[] =
        "Matching Profile found: OptionalComponentOpenPackageFailed - 22952520-EC89-4FBD-94E0-B67DF88347F6\r\n"
        "System Information:\r\n\tHostOSBuildString = 15063.0.amd64fre.rs2_release.170317-1834\r\n"
        "\tTargetOSBuildString = 10.0.16299.15 (rs3_release.170928-1534)\r\n\r\n"
        "Error: SetupDiag reports Optional Component installation failed to open OC Package. Package Name: Foundation, Error: 0x8007001F\r\n"
        "Error: SetupDiag reports down-level failure, Operation: Finalize, Error: 0x8007001F - 0x50015\r\n";
    static const char xml[] =
        "<?xml version=\"1.0\" encoding=\"utf-16\"?>\n<SetupDiag xmlns=\"https://docs.microsoft.com/windows/deployment/upgrade/setupdiag\">\n"
        "  <ProfileName>FindSPFatalError</ProfileName>\n  <ProfileGuid>A4028172-1B09-48F8-AD3B-86CDD7D55852</ProfileGuid>\n"
        "  <FailureData>LogEntry: 2019-06-06 21:47:11, Error SP x Error: 0x00000001</FailureData>\n"
        "  <FailureDetails>Err = 0x00000057, LastOperation = Gather data, scope: EVERYTHING, LastPhase = Downlevel</FailureDetails>\n"
        "</SetupDiag>\n";
    static const char json[] =
        "{\n \"ProfileName\":\"FindSuccessfulUpgrade\",\n \"ProfileGuid\":\"X\",\n"
        " \"FailureDetails\":\"LastOperation = OOBEBoot\"\n}\n";
    updx_case *c = updx_case_new("s", NULL);
    CHECK_INT(updx_setupdiag_read_mem(c, "SetupDiagResults.log", text, sizeof text - 1), UPDX_OK);
    CHECK_INT(updx_setupdiag_read_mem(c, "SetupDiagResults.xml", xml, sizeof xml - 1), UPDX_OK);
    CHECK_INT(updx_setupdiag_read_mem(c, "SetupDiagResults.json", json, sizeof json - 1), UPDX_OK);
    CHECK_INT(c->setup->setupdiag.len, 3);
    const updx_setupdiag_result *r = updx_avec_at(&c->setup->setupdiag, 0);
    CHECK_STR(r->profile_name, "OptionalComponentOpenPackageFailed");
    CHECK_STR(r->profile_guid, "22952520-EC89-4FBD-94E0-B67DF88347F6");
    CHECK(r->has_error && r->error == 0x8007001Fu && r->has_extended && r->extended == 0x50015);
    CHECK_STR(r->target_os_build, "10.0.16299.15 (rs3_release.170928-1534)");
    r = updx_avec_at(&c->setup->setupdiag, 1);
    CHECK_STR(r->profile_name, "FindSPFatalError");
    CHECK_STR(r->last_phase, "Downlevel");
    CHECK_STR(r->last_operation, "Gather data, scope: EVERYTHING");
    CHECK(r->has_error && r->error == 0x57);
    r = updx_avec_at(&c->setup->setupdiag, 2);
    CHECK_STR(r->profile_name, "FindSuccessfulUpgrade");
    CHECK_STR(r->last_operation, "OOBEBoot");
    CHECK(!r->has_error);
    updx_case_free(c);
}

static void test_corpus(void)
{
    const char *corpus = harness_corpus();
    if (!corpus) {
        fprintf(stderr, "skip: corpus not found\n");
        return;
    }
    static const struct {
        const char *path;
        bool err;
        size_t rows;
    } files[] = {
        {"shekhar-pbr-reset/diagerr.xml", true, 8},  {"shekhar-pbr-reset/diagwrn.xml", false, 14},
        {"kayky-hp-sp-start/diagerr.xml", true, 0},  {"kayky-hp-sp-start/diagwrn.xml", false, 10},
        {"michampr-panther-winpe/diagerr.xml", true, 2},
        {"cralborn-azure-panther/Panther/diagwrn.xml", false, 11},
    };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/logs/%s", corpus, files[i].path);
        size_t len;
        unsigned char *data = harness_read_file(path, &len);
        CHECK(data != NULL);
        if (!data)
            continue;
        updx_case *c = updx_case_new("x", NULL);
        CHECK_INT(updx_diagxml_read_mem(c, files[i].path, data, len, files[i].err), UPDX_OK);
        CHECK_INT(c->setup->diag_rows.len, files[i].rows);
        for (size_t k = 0; k < c->setup->diag_rows.len; k++) {
            const updx_diag_row *r = updx_avec_at(&c->setup->diag_rows, k);
            CHECK(r->function && r->time_text && r->message);
        }
        updx_case_free(c);
        free(data);
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/logs/asus-mosetup-bluebox/BlueBox.log", corpus);
    size_t len;
    unsigned char *data = harness_read_file(path, &len);
    CHECK(data != NULL);
    if (data) {
        updx_case *c = updx_case_new("x", NULL);
        CHECK_INT(updx_bluebox_read_mem(c, "BlueBox.log", data, len), UPDX_OK);
        const updx_setup_file *f = updx_avec_at(&c->setup->files, 0);
        CHECK_INT(f->typed_lines, f->lines);
        updx_story_build(c);
        CHECK_STR(updx_outcome_name(updx_story_outcome(c)), "unknown");
        updx_case_free(c);
        free(data);
    }
    /* Microsoft's sample page: text, XML and (not quite valid) JSON in one file */
    snprintf(path, sizeof path, "%s/logs/excerpts/ms-docs-setupdiag-samples.excerpt.txt", corpus);
    data = harness_read_file(path, &len);
    if (data) {
        updx_case *c = updx_case_new("x", NULL);
        CHECK_INT(updx_setupdiag_read_mem(c, "samples", data, len), UPDX_OK);
        const updx_setupdiag_result *r = updx_avec_at(&c->setup->setupdiag, 0);
        CHECK_STR(r->profile_name, "OptionalComponentOpenPackageFailed");
        CHECK(r->has_error);
        updx_case_free(c);
        free(data);
    }
}

int main(void)
{
    RUN(test_diag_inline);
    RUN(test_bluebox);
    RUN(test_setupdiag_formats);
    RUN(test_corpus);
    return harness_exit();
}
