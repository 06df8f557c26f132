/* test_setupact.c: Panther line shapes, marker classification and the reader's bounds. */
#include "harness.h"

#include "logs/setupact.h"
#include "logs/story.h"
#include "util/buf.h"
#include "updx/updx.h"

static bool field_is(const char *p, size_t n, const char *want)
{
    return p && strlen(want) == n && memcmp(p, want, n) == 0;
}

static void test_fixed_columns(void)
{
    updx_setupact_line l;
    const char *s = "2022-07-06 08:18:24, Error                 SP     CSetupPlatform::Initialize: Disk provisioning is not available; hr = 0x80070032";
    CHECK(updx_setupact_parse_line(s, strlen(s), &l));
    CHECK(l.typed);
    CHECK_INT(l.level, UPDX_SETUP_ERROR);
    CHECK(field_is(l.component, l.component_len, "SP"));
    CHECK(l.msgid == NULL);
    CHECK(field_is(l.message, l.message_len,
                   "CSetupPlatform::Initialize: Disk provisioning is not available; hr = 0x80070032"));
    CHECK(l.time == updx_setup_time_parse("2022-07-06 08:18:24", 19));
    CHECK(l.time > 0);
}

static void test_blank_component_and_gle(void)
{
    updx_setupact_line l;
    const char *s = "2022-07-06 08:18:24, Error                        SmPlatform::ComputeHostInfo: Failed (0x80080005)[gle=0x000036b7]";
    CHECK(updx_setupact_parse_line(s, strlen(s), &l));
    CHECK_INT(l.component_len, 0);
    CHECK(l.has_gle);
    CHECK_INT(l.gle, 0x36b7);
    CHECK(field_is(l.message, l.message_len, "SmPlatform::ComputeHostInfo: Failed (0x80080005)"));
    /* a blank component whose message starts with an upper-case word */
    s = "2021-05-18 03:11:02, Info                         WMI Helper Library: started";
    CHECK(updx_setupact_parse_line(s, strlen(s), &l));
    CHECK_INT(l.component_len, 0);
    CHECK(field_is(l.message, l.message_len, "WMI Helper Library: started"));
}

static void test_msgid_and_fatal(void)
{
    updx_setupact_line l;
    const char *s = "2020-07-31 02:39:03, Error      [0x0f00d8] SYSPRP WinMain:Hit failure while pre-validate sysprep generalize internal providers; hr = 0x80073cf2";
    CHECK(updx_setupact_parse_line(s, strlen(s), &l));
    CHECK(field_is(l.msgid, l.msgid_len, "0x0f00d8"));
    CHECK(field_is(l.component, l.component_len, "SYSPRP"));
    updx_setupact_mark m;
    updx_setupact_classify(l.message, l.message_len, &m);
    CHECK_INT(m.mark, UPDX_MARK_SYSPREP_FAILED);
    CHECK(m.a == 0x80073cf2u);
    s = "2023-01-01 00:00:00, Fatal Error           SP     Something fatal";
    CHECK(updx_setupact_parse_line(s, strlen(s), &l));
    CHECK_INT(l.level, UPDX_SETUP_FATAL);
    CHECK(field_is(l.component, l.component_len, "SP"));
    s = "2023-01-01 00:00:00, Perf                  SP     timing";
    CHECK(updx_setupact_parse_line(s, strlen(s), &l));
    CHECK_INT(l.level, UPDX_SETUP_PERF);
}

static void test_collapsed_and_process(void)
{
    updx_setupact_line l;
    /* spacing collapsed as in Microsoft's articles */
    const char *s = "2025-01-01 10:00:00, Info MOUPG ImageExit: Initializing SetupResult: [0x800f0818]";
    CHECK(updx_setupact_parse_line(s, strlen(s), &l));
    CHECK(field_is(l.component, l.component_len, "MOUPG"));
    updx_setupact_mark m;
    updx_setupact_classify(l.message, l.message_len, &m);
    CHECK_INT(m.mark, UPDX_MARK_IMAGEEXIT_RESULT);
    CHECK(m.a == 0x800f0818u);
    s = "2026-02-19 10:38:42, Info                         [windeploy.exe] Waiting for essential OOBE services to start...";
    CHECK(updx_setupact_parse_line(s, strlen(s), &l));
    CHECK(field_is(l.process, l.process_len, "windeploy.exe"));
    CHECK_INT(l.component_len, 0);
}

static void test_not_panther(void)
{
    updx_setupact_line l;
    const char *bad[] = {
        "[04/10/2020 20:20.04.633] WudfCoInstaller: Final status: error(0)",
        "dispci.dll:  ======BEGIN DisplayClassInstaller====",
        "2021-05-18 03:11:02 Info no comma",
        "2021-13-18 03:11:02, Info bad month",
        "2021-05-18 03:11:02, Verbose unknown level",
        "",
        "                                   Host system information:",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!updx_setupact_parse_line(bad[i], strlen(bad[i]), &l));
    CHECK_INT(updx_setup_time_parse("1969-12-31 23:59:59", 19), 0);
    CHECK(updx_setup_time_parse("1970-01-01 00:00:01", 19) == 1);
    CHECK(updx_setup_time_parse("2021-05-18 03:11:02", 19) == 1621307462);
}

static void test_classify(void)
{
    static const struct {
        const char *msg;
        updx_setup_mark mark;
        uint64_t a, b;
    } cases[] = {
        {"*************** SetupHost Logging Begin ***************", UPDX_MARK_SESSION_BEGIN, 0, 0},
        {"Setup phase change: [SetupPhaseUnknown] -> [SetupPhaseUnpack]", UPDX_MARK_ATTEMPT_START, 0, 0},
        {"Setup phase change: [SetupPhaseInstall] -> [SetupPhaseError]", UPDX_MARK_SETUP_PHASE, 0, 0},
        {"OPERATIONTRACK ExecuteOperations: Start execution phase Pre First Boot", UPDX_MARK_EXEC_PHASE_START, 0, 0},
        {"Execution phase [Post OOBE] exiting with HRESULT [0x00000000]", UPDX_MARK_EXEC_PHASE_EXIT, 0, 0},
        {"Initiating rollback/uninstall, phase = 2", UPDX_MARK_ROLLBACK_BEGIN, 2, 0},
        {"Current phase : 3", UPDX_MARK_CURRENT_PHASE, 3, 0},
        {"Current op    : 24", UPDX_MARK_CURRENT_OP, 24, 0},
        {"Current phase string     : FirstBoot,Start", UPDX_MARK_NONE, 0, 0},
        {"ImageExit: Initializing Extended:    [0x30018]", UPDX_MARK_IMAGEEXIT_EXTENDED, 0x30018, 0},
        {"SetupHost: Reporting error event -> [0x80070032, 0x50013]", UPDX_MARK_REPORT_EVENT, 0x80070032, 0x50013},
        {"SetupHost: Reporting post reboot event -> [0xC1900101, 0x30018]", UPDX_MARK_REPORT_POST_REBOOT, 0xC1900101, 0x30018},
        {"SetupNotify: Specifying extended data [0x50013] for error [0x80070032].", UPDX_MARK_SPECIFY_EXTENDED, 0x80070032, 0x50013},
        {"CSetupDiagnostics: Tracing Data [DWORD] -> [Setup360Result]=[0xC1900101] [x][y][][0x1]", UPDX_MARK_RESULT_360, 0xC1900101, 0},
        {"CSetupDiagnostics: Tracing Data [DWORD] -> [Setup360Extended]=[0x30018] [x]", UPDX_MARK_EXTENDED_360, 0x30018, 0},
        {"Finalize: Remapping install error [0xC1900101] -> [0xC1900108] for telemetry.", UPDX_MARK_REMAP_TELEMETRY, 0xC1900101, 0xC1900108},
        {"SetupNotify::Remapping disk full error [0x80070070] -> [0xC19001DF]", UPDX_MARK_REMAP, 0x80070070, 0xC19001DF},
        {"Operation failed: Migrate framework (Full). Error: 0x8007042B", UPDX_MARK_OPERATION_FAILED, 0x8007042B, 0},
        {"Error 1392 while gathering object C:\\x. Shell application requested abort!", UPDX_MARK_ABORT, 0, 0},
        {"SPDoFrameworkGather: Gather operation failed. Error: 0x0000002C", UPDX_MARK_GATHER_FAILED, 0, 0},
        {"CInstallUI::ConfirmCanceled: User cancel confirmed", UPDX_MARK_USER_CANCEL, 0, 0},
        {"Crash 0x0000007E detected", UPDX_MARK_CRASH, 0x7E, 0},
        {"No crash detected. Try to get the binary info of last crash dump.", UPDX_MARK_NO_CRASH, 0, 0},
        {"Host OS version: 10.0.17134.0  (0.0) Platform 0x2", UPDX_MARK_HOST_VERSION, 0, 0},
        {"Host OS Build String    [ 17134.1.amd64fre.rs4_release.180410-1804 ]", UPDX_MARK_HOST_BUILD, 0, 0},
        {"Target OS version: 10.0.19041.1253", UPDX_MARK_TARGET_VERSION, 0, 0},
        {"Target OS: Edition = [Professional]", UPDX_MARK_TARGET_EDITION, 0, 0},
        {"Reporting error event -> [garbage", UPDX_MARK_NONE, 0, 0},
        {"Remapping [0x1]", UPDX_MARK_NONE, 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        updx_setupact_mark m;
        updx_setupact_classify(cases[i].msg, strlen(cases[i].msg), &m);
        if (m.mark != cases[i].mark)
            fprintf(stderr, "case %zu: %s\n", i, cases[i].msg);
        CHECK_INT(m.mark, cases[i].mark);
        CHECK(m.a == cases[i].a);
        CHECK(m.b == cases[i].b);
    }
    updx_setupact_mark m;
    const char *s = "Host OS Build String    [ 17134.1.amd64fre ]";
    updx_setupact_classify(s, strlen(s), &m);
    CHECK(field_is(m.arg, m.arg_len, "17134.1.amd64fre"));
    s = "Execution phase [Post OOBE] exiting with HRESULT [0x80070005]";
    updx_setupact_classify(s, strlen(s), &m);
    CHECK(field_is(m.arg, m.arg_len, "Post OOBE"));
    CHECK(m.a == 0x80070005u);
}

/* Continuation lines attach to the event before; old-style files keep untyped lines. */
static void test_reader(void)
{
    static const char log[] =
        "\xEF\xBB\xBF" "2024-01-01 10:00:00, Warning               SP     Host system information:\r\n"
        "                                   Manufacturer: HP\r\n"
        "                                   Model: 14\r\n"
        "2024-01-01 10:00:01, Info                  SP     boring info line\r\n"
        "                                   boring continuation\r\n"
        "\xEF\xBB\xBF" "2024-01-01 10:00:02, Error                 SP     second writer after a BOM[gle=0x00000005]\r\n";
    updx_case *c = updx_case_new("r", NULL);
    CHECK_INT(updx_setupact_read_mem(c, "setupact.log", log, sizeof log - 1, UPDX_SETUP_SRC_SETUPACT), UPDX_OK);
    CHECK_INT(c->setup->events.len, 2);
    const updx_setup_event *e = updx_avec_at(&c->setup->events, 0);
    CHECK_INT(e->continuation_lines, 2);
    CHECK(strstr(e->message, "Model: 14") != NULL);
    CHECK_INT(e->line, 1);
    const updx_setup_event *e2 = updx_avec_at(&c->setup->events, 1);
    CHECK_INT(e2->line, 6);
    CHECK(e2->has_gle && e2->gle == 5);
    CHECK_STR(e2->message, "second writer after a BOM");
    const updx_setup_file *f = updx_avec_at(&c->setup->files, 0);
    CHECK_INT(f->typed_lines, 3);
    CHECK_INT(f->continuation_lines, 3);
    CHECK_STR(f->first_time, "2024-01-01 10:00:00");
    CHECK_STR(f->last_time, "2024-01-01 10:00:02");

    static const char old[] = "AudMig: start\r\n[04/10/2020 20:20.04.633] WudfCoInstaller: x\r\n";
    CHECK_INT(updx_setupact_read_mem(c, "C/Windows/setupact.log", old, sizeof old - 1, UPDX_SETUP_SRC_SETUPACT), UPDX_OK);
    const updx_setup_file *f2 = updx_avec_at(&c->setup->files, 1);
    CHECK(f2->source == UPDX_SETUP_SRC_OLDSTYLE);
    CHECK_INT(f2->untyped_lines, 2);
    CHECK_INT(c->setup->events.len, 4);
    updx_case_free(c);
}

/* A long log of errors keeps at most the per-file cap and says so in a note. */
static void test_bounded(void)
{
    const char *line = "2024-01-01 10:00:00, Error                 SP     repeated error 0x80070005\n";
    size_t ll = strlen(line), n = 50000;
    char *buf = malloc(ll * n);
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * ll, line, ll);
    updx_case *c = updx_case_new("b", NULL);
    CHECK_INT(updx_setupact_read_mem(c, "big.log", buf, ll * n, UPDX_SETUP_SRC_SETUPERR), UPDX_PARTIAL);
    CHECK(c->setup->events.len < n);
    const updx_setup_file *f = updx_avec_at(&c->setup->files, 0);
    CHECK_INT(f->typed_lines, n);
    CHECK(f->events_dropped > 0);
    CHECK(updx_notes_count(&c->notes, UPDX_NOTE_LIMIT) >= 1);
    updx_story_build(c);
    CHECK_STR(updx_outcome_name(updx_story_outcome(c)), "unknown");
    updx_case_free(c);
    free(buf);
}

/* Kept lines are budgeted over all setup logs of a case, not per log: eight big logs of long
 * marker lines, and blocks of continuation lines (each join copies the message so far),
 * must not make memory grow with their number. */
static void test_bounded_across_logs(void)
{
    char line[2000];
    int k = snprintf(line, sizeof line, "2024-01-01 10:00:00, Info                  SP     "
                                        "Execution phase [Post OOBE] exiting with HRESULT [0x00000000] ");
    memset(line + k, 'x', sizeof line - (size_t)k - 2);
    line[sizeof line - 2] = '\n';
    line[sizeof line - 1] = '\0';
    size_t ll = strlen(line), n = 12000;
    char *buf = malloc(ll * n);
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * ll, line, ll);
    updx_case *c = updx_case_new("b", NULL);
    for (int f = 0; f < 8; f++) {
        char name[32];
        snprintf(name, sizeof name, "P%d/setupact.log", f);
        updx_setupact_read_mem(c, name, buf, ll * n, UPDX_SETUP_SRC_SETUPACT);
    }
    CHECK(c->setup->kept_bytes <= (10u << 20));
    CHECK(c->setup->events_dropped > 0);
    CHECK(c->setup->events.len > 0 && c->setup->events.len < 8 * n);
    CHECK(c->arena.used < (32u << 20));
    /* the last log still says what it could not keep */
    size_t notes = 0;
    for (size_t i = 0; i < c->notes.items.len; i++) {
        const updx_note *note = updx_note_at(&c->notes, i);
        notes += note->kind == UPDX_NOTE_LIMIT && strcmp(note->file, "P7/setupact.log") == 0 &&
                 strstr(note->message, "MiB for kept setup-log lines") != NULL;
    }
    CHECK_INT(notes, 1);
    updx_case_free(c);
    free(buf);

    /* 4000 warnings, each followed by 100 continuation lines: joined once per block (linear),
     * each block's text is capped, and together they pass the budget */
    updx_buf b;
    updx_buf_init(&b, 64u << 20);
    for (int i = 0; i < 4000; i++) {
        updx_buf_add(&b, "2024-01-01 10:00:00, Warning               SP     block\n", 56);
        for (int j = 0; j < 100; j++)
            updx_buf_add(&b, "                                   continuation line of a host information block\n", 81);
    }
    c = updx_case_new("b", NULL);
    updx_setupact_read_mem(c, "setupact.log", b.data, b.len, UPDX_SETUP_SRC_SETUPACT);
    CHECK(c->setup->kept_bytes <= (10u << 20));
    CHECK(c->setup->continuation_dropped + c->setup->events_dropped > 0);
    CHECK(c->arena.used < (32u << 20));
    CHECK(updx_notes_count(&c->notes, UPDX_NOTE_LIMIT) >= 1);
    updx_case_free(c);
    updx_buf_free(&b);
}

int main(void)
{
    RUN(test_fixed_columns);
    RUN(test_blank_component_and_gle);
    RUN(test_msgid_and_fatal);
    RUN(test_collapsed_and_process);
    RUN(test_not_panther);
    RUN(test_classify);
    RUN(test_reader);
    RUN(test_bounded);
    RUN(test_bounded_across_logs);
    return harness_exit();
}
