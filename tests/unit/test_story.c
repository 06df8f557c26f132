/* test_story.c: the upgrade's story from real Panther logs (read from the shared corpus at test
 * time; never copied) and from small inline logs. Expectations were checked by reading the
 * files by hand; see docs/setup-logs.md. */
#include "harness.h"

#include <time.h>

#include "logs/setupact.h"
#include "logs/story.h"
#include "updx/updx.h"

/* Reads corpus files (paths relative to <corpus>/logs/) into one case and builds the story.
 * Returns NULL when a file is missing. */
static updx_case *load_case(const char *corpus, const char *const *files)
{
    updx_case *c = updx_case_new("test", NULL);
    for (size_t i = 0; files[i]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/logs/%s", corpus, files[i]);
        size_t len = 0;
        unsigned char *data = harness_read_file(path, &len);
        if (!data) {
            fprintf(stderr, "missing %s\n", path);
            updx_case_free(c);
            return NULL;
        }
        updx_setup_source src = strstr(files[i], "setuperr") ? UPDX_SETUP_SRC_SETUPERR
                                                             : UPDX_SETUP_SRC_SETUPACT;
        int rc = updx_setupact_read_mem(c, files[i], data, len, src);
        CHECK(rc == UPDX_OK);
        free(data);
    }
    updx_story_build(c);
    if (getenv("UPDX_TEST_VERBOSE")) {
        json_t *j = updx_story_to_json(c);
        char *s = json_dumps(j, JSON_INDENT(2));
        fprintf(stderr, "== %s\n%s\n", files[0], s);
        free(s);
        json_decref(j);
    }
    return c;
}

static const char *code_str(const updx_case *c, char *buf, size_t n)
{
    uint32_t r, x;
    bool has_x;
    if (!updx_story_result(c, &r, &has_x, &x))
        return "none";
    if (has_x)
        snprintf(buf, n, "0x%08X-0x%X", r, x);
    else
        snprintf(buf, n, "0x%08X", r);
    return buf;
}

/* True when some chain line of the final attempt contains `needle`. */
static bool chain_has(const updx_case *c, const char *needle)
{
    const updx_attempt *a = updx_story_final(c);
    for (uint32_t i = 0; a && i < a->chain_len; i++)
        if (strstr(a->chain[i]->raw, needle))
            return true;
    return false;
}

static const char *corpus;

static void test_baslr_rollback(void)
{
    const char *files[] = {"baslr-w10-rollback/Panther/setuperr.log",
                           "baslr-w10-rollback/Rollback/setupact.log",
                           "baslr-w10-rollback/Rollback/setuperr.log", NULL};
    updx_case *c = load_case(corpus, files);
    if (!c)
        return;
    char buf[64];
    CHECK_STR(updx_outcome_name(updx_story_outcome(c)), "rolled_back");
    CHECK_STR(code_str(c, buf, sizeof buf), "0xC1900101-0x30018");
    CHECK_STR(updx_upgrade_phase_name(updx_story_phase(c)), "FIRST_BOOT");
    CHECK(updx_story_rolled_back(c));
    CHECK(updx_story_is_telemetry_remap(c, 0xC1900108u));
    CHECK_INT(updx_story_attempt_count(c), 1);
    const updx_attempt *a = updx_story_final(c);
    CHECK(a && a->source_version && strncmp(a->source_version, "10.0.18363", 10) == 0);
    CHECK(chain_has(c, "Current phase : 3"));
    CHECK(chain_has(c, "Reporting post reboot event -> [0xC1900101, 0x30018]"));
    /* "No crash detected": no crash record */
    CHECK_INT(c->crashes.len, 0);
    updx_case_free(c);
}

static void test_ricka_downlevel(void)
{
    const char *files[] = {"ricka-diskprov-50013/setupact.log", NULL};
    updx_case *c = load_case(corpus, files);
    if (!c)
        return;
    char buf[64];
    CHECK_STR(updx_outcome_name(updx_story_outcome(c)), "failed");
    CHECK_STR(code_str(c, buf, sizeof buf), "0x80070032-0x50013");
    CHECK_STR(updx_upgrade_phase_name(updx_story_phase(c)), "DOWNLEVEL");
    CHECK(!updx_story_rolled_back(c));
    const updx_attempt *a = updx_story_final(c);
    CHECK(a && a->fatal && strstr(a->fatal->raw, "Disk provisioning is not available"));
    CHECK(a && a->fatal && a->fatal->line == 5904);
    CHECK(chain_has(c, "Failed to enumerate MSFT_PartitionToVolume"));
    /* the earlier, harmless SP errors are not in the chain */
    CHECK(!chain_has(c, "Set boot command"));
    CHECK(a && a->source_version && strcmp(a->source_version, "10.0.17134.0") == 0);
    CHECK(a && a->target_version && strcmp(a->target_version, "10.0.19041.1253") == 0);
    CHECK(a && a->source_edition && strcmp(a->source_edition, "Professional") == 0);
    CHECK(a && a->entered[UPDX_PHASE_DOWNLEVEL]);
    CHECK(updx_story_is_telemetry_remap(c, 0xC1900108u));
    updx_case_free(c);
}

static void test_sysprep(void)
{
    const char *w[] = {"weiyang-sysprep-lxp-zhcn-fail/setupact.log", NULL};
    const char *k[] = {"aka18angel-sysprep-appx-fail/setuperr.log", NULL};
    const char *const *sets[] = {w, k};
    for (int i = 0; i < 2; i++) {
        updx_case *c = load_case(corpus, sets[i]);
        if (!c)
            continue;
        char buf[64];
        CHECK_STR(updx_outcome_name(updx_story_outcome(c)), "failed");
        CHECK_STR(code_str(c, buf, sizeof buf), "0x80073CF2");
        CHECK(chain_has(c, "was installed for a user, but not provisioned for all users"));
        const updx_attempt *a = updx_story_final(c);
        CHECK(a && a->fatal && strstr(a->fatal->raw, "Failed to remove apps for the current user"));
        updx_case_free(c);
    }
}

static void test_silvermaz_success(void)
{
    const char *files[] = {"silvermaz-24h2-upgrade/SetupAct.log", "silvermaz-24h2-upgrade/setuperr.log",
                           NULL};
    clock_t t0 = clock();
    updx_case *c = load_case(corpus, files);
    if (!c)
        return;
    fprintf(stderr, "silvermaz (2 files) parsed and told in %.0f ms\n",
            (double)(clock() - t0) * 1000.0 / CLOCKS_PER_SEC);
    CHECK_STR(updx_outcome_name(updx_story_outcome(c)), "succeeded");
    uint32_t r, x;
    bool has_x;
    CHECK(!updx_story_result(c, &r, &has_x, &x));
    CHECK(updx_story_phase(c) == UPDX_PHASE_NONE);
    CHECK(updx_story_attempt(c, 0)->entered[UPDX_PHASE_OOBE_BOOT]);
    CHECK(updx_story_attempt(c, 0)->entered[UPDX_PHASE_FIRST_BOOT]);
    /* the ~580 errors of setuperr.log were read and kept, but give no failure */
    const struct updx_setup_file *err = updx_avec_at(&c->setup->files, 1);
    CHECK(err->count_by_level[UPDX_SETUP_ERROR] >= 570);
    updx_case_free(c);
}

static void test_copyleft_cancel(void)
{
    const char *files[] = {"copyleft21-setuphost-cancel/setupact.log",
                           "copyleft21-setuphost-cancel/setuperr.log", NULL};
    updx_case *c = load_case(corpus, files);
    if (!c)
        return;
    CHECK(updx_story_cancelled(c));
    CHECK_STR(updx_outcome_name(updx_story_outcome(c)), "failed");
    uint32_t r, x;
    bool has_x;
    CHECK(updx_story_result(c, &r, &has_x, &x) && r == 0x800704C7u);
    CHECK_STR(updx_upgrade_phase_name(updx_story_phase(c)), "DOWNLEVEL");
    CHECK(!updx_story_rolled_back(c));
    CHECK(chain_has(c, "User cancel confirmed"));
    CHECK(chain_has(c, "Remapping internal cancellation request [0x800704D3] -> [0x800704C7]"));
    updx_case_free(c);
}

/* Every setupact/setuperr in the corpus parses without error and without crashing the story. */
static void test_every_corpus_log(void)
{
    static const char *const all[] = {
        "baslr-w10-rollback/Panther/setuperr.log", "baslr-w10-rollback/Rollback/setupact.log",
        "baslr-w10-rollback/Rollback/setuperr.log", "ricka-diskprov-50013/setupact.log",
        "silvermaz-24h2-upgrade/SetupAct.log", "silvermaz-24h2-upgrade/setuperr.log",
        "vitalskib-w11-2026/e16819b/setuperr.log", "vitalskib-w11-2026/b2dc252/setuperr.log",
        "vitalskib-w11-2026/b2dc252/setupact.log", "copyleft21-setuphost-cancel/setupact.log",
        "copyleft21-setuphost-cancel/setuperr.log", "bitbtrust-winpe-ibs/setupact.log",
        "bitbtrust-winpe-ibs/setuperr.log", "shekhar-pbr-reset/setupact.log",
        "shekhar-pbr-reset/setuperr.log", "kayky-hp-sp-start/setupact.log",
        "cralborn-azure-panther/Panther/setupact.log",
        "cralborn-azure-panther/Panther/UnattendGC/setupact.log",
        "cralborn-azure-panther/Panther/UnattendGC/setuperr.log",
        "weiyang-sysprep-lxp-zhcn-fail/setupact.log", "aka18angel-sysprep-appx-fail/setuperr.log",
        "wybzdjsa-mighost/setupact.log", "chinte8688-windir-big5/setupact.log",
        "kaifangliu-windir-dispci/setupact.log", "t007tim-windir-audmig/setupact.log",
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        const char *files[] = {all[i], NULL};
        updx_case *c = load_case(corpus, files);
        if (!c) {
            CHECK(!"corpus file missing");
            continue;
        }
        const updx_setup_file *f = updx_avec_at(&c->setup->files, 0);
        bool old_style = strstr(all[i], "windir") != NULL;
        /* Panther logs: (almost) every line has the layout; old-style: none */
        if (old_style) {
            CHECK(!f->panther);
            CHECK(f->source == UPDX_SETUP_SRC_OLDSTYLE);
        } else {
            CHECK(f->panther);
            CHECK(f->typed_lines + f->continuation_lines == f->lines);
            CHECK(f->typed_lines * 2 >= f->lines);
        }
        CHECK_INT(updx_notes_count(&c->notes, UPDX_NOTE_DAMAGED), 0);
        json_t *j = updx_story_to_json(c);
        CHECK(j && json_is_string(json_object_get(j, "outcome")));
        if (getenv("UPDX_TEST_VERBOSE")) {
            char buf[64];
            fprintf(stderr, "%-55s lines=%llu typed=%llu cont=%llu kept=%zu outcome=%s code=%s phase=%s\n",
                    all[i], (unsigned long long)f->lines, (unsigned long long)f->typed_lines,
                    (unsigned long long)f->continuation_lines, c->setup->events.len,
                    updx_outcome_name(updx_story_outcome(c)), code_str(c, buf, sizeof buf),
                    updx_upgrade_phase_name(updx_story_phase(c)) ? updx_upgrade_phase_name(updx_story_phase(c)) : "-");
        }
        json_decref(j);
        updx_case_free(c);
    }
}

/* A small synthetic log, written here: gather abort -> operation failed -> report. */
static void test_inline_story(void)
{
    static const char log[] =
        "2023-10-05 23:26:00, Info                  MOUPG  Setup phase change: [SetupPhaseUnknown] -> [SetupPhasePrepare]\r\n"
        "2023-10-05 23:26:01, Info                  MOUPG      Host OS Version         [ 10.0.19045 ]\r\n"
        "2023-10-05 23:26:01, Error                 SP     Operation failed: Set boot command x. Error: 0x80040154\r\n"
        "2023-10-05 23:27:00, Info                  SP     OPERATIONTRACK ExecuteOperations: Start execution phase Downlevel\r\n"
        "2023-10-05 23:27:08, Error      [0x080831] MIG    Error 1392 while gathering object C:\\x. Shell application requested abort![gle=0x00000570]\r\n"
        "2023-10-05 23:27:08, Error                 SP     SPDoFrameworkGather: Gather operation failed. Error: 0x0000002C\r\n"
        "2023-10-05 23:27:09, Error                 SP     Operation failed: Migrate framework (Full). Error: 0x8007042B[gle=0x000000b7]\r\n"
        "2023-10-05 23:27:09, Error                 SP     CSetupPlatformPrivate::Execute: Execution of operations queue failed, abandoning. Error: 0x8007042B[gle=0x000000b7]\r\n"
        "2023-10-05 23:28:00, Info                  MOUPG  ImageExit: Initializing SetupResult: [0x8007042b]\r\n"
        "2023-10-05 23:28:00, Info                  MOUPG  ImageExit: Initializing Extended:    [0x2000d]\r\n"
        "2023-10-05 23:28:01, Info                  MOUPG  Finalize: Remapping install error [0x8007042B] -> [0xC1900108] for telemetry.\r\n"
        "2023-10-05 23:28:02, Error                 SP     Some unrelated last error line 0x80004005\r\n";
    updx_case *c = updx_case_new("inline", NULL);
    CHECK_INT(updx_setupact_read_mem(c, "setupact.log", log, sizeof log - 1, UPDX_SETUP_SRC_SETUPACT), UPDX_OK);
    updx_story_build(c);
    char buf[64];
    CHECK_STR(code_str(c, buf, sizeof buf), "0x8007042B-0x2000D");
    CHECK_STR(updx_outcome_name(updx_story_outcome(c)), "failed");
    /* the attempt entered down-level only, so 0x2xxxx (SAFE_OS) is not believed */
    CHECK_STR(updx_upgrade_phase_name(updx_story_phase(c)), "DOWNLEVEL");
    const updx_attempt *a = updx_story_final(c);
    CHECK(a && a->fatal && a->fatal->line == 7);
    CHECK(chain_has(c, "Shell application requested abort"));
    CHECK(chain_has(c, "Gather operation failed"));
    CHECK(!chain_has(c, "unrelated last error"));
    CHECK(!chain_has(c, "Set boot command"));
    CHECK(updx_story_is_telemetry_remap(c, 0xC1900108u));
    json_t *j = updx_story_to_json(c);
    CHECK_STR(json_string_value(json_object_get(j, "result_code")), "0x8007042B");
    CHECK_STR(json_string_value(json_object_get(j, "extended_code")), "0x2000D");
    CHECK_STR(json_string_value(json_object_get(j, "outcome")), "failed");
    CHECK(json_array_size(json_object_get(j, "chain")) >= 4);
    json_decref(j);
    updx_case_free(c);
}

/* The rollback log's bug-check block becomes a crash record. */
static void test_inline_crash(void)
{
    static const char log[] =
        "2023-01-01 10:00:00, Info                  SP     Initiating rollback/uninstall, phase = 0\n"
        "2023-01-01 10:00:00, Info                  SP     Current phase : 4\n"
        "2023-01-01 10:00:00, Info                  SP     Current op    : 13\n"
        "2023-01-01 10:00:01, Info                  SP     Crash 0x0000007E detected\n"
        "2023-01-01 10:00:01, Info                  SP       Module name           : lwfmgr.sys\n"
        "2023-01-01 10:00:01, Info                  SP       Bugcheck parameter 1  : 0xFFFFFFFFC0000005\n"
        "2023-01-01 10:00:01, Info                  SP       Bugcheck parameter 2  : 0xFFFFF8001234ABCD\n"
        "2023-01-01 10:00:01, Info                  SP       Bugcheck parameter 3  : 0x0\n"
        "2023-01-01 10:00:01, Info                  SP       Bugcheck parameter 4  : 0x0\n"
        "2023-01-01 10:00:01, Info                  SP     Cannot recover the system.\n";
    updx_case *c = updx_case_new("inline", NULL);
    CHECK_INT(updx_setupact_read_mem(c, "Rollback/setupact.log", log, sizeof log - 1, UPDX_SETUP_SRC_SETUPACT), UPDX_OK);
    updx_story_build(c);
    CHECK_INT(c->crashes.len, 1);
    if (c->crashes.len == 1) {
        const updx_crash *cr = updx_avec_at(&c->crashes, 0);
        CHECK_INT(cr->bugcheck, 0x7E);
        CHECK(cr->has_bugcheck);
        CHECK_STR(cr->blamed_module, "lwfmgr.sys");
        CHECK(cr->params[0] == 0xFFFFFFFFC0000005ull);
        CHECK(cr->params[1] == 0xFFFFF8001234ABCDull);
        CHECK_INT(cr->where.line, 4);
        CHECK(cr->origin == UPDX_CRASH_ROLLBACK_LOG);
    }
    char buf[64];
    CHECK_STR(updx_outcome_name(updx_story_outcome(c)), "rolled_back");
    CHECK(updx_story_rolled_back(c));
    /* no result line: the extended code comes from Current phase / op (13 = 0x0D) */
    const updx_attempt *a = updx_story_final(c);
    CHECK(a && a->has_extended && a->extended == 0x4000D && a->extended_from_rollback);
    CHECK_STR(updx_upgrade_phase_name(updx_story_phase(c)), "OOBE_BOOT");
    CHECK(chain_has(c, "Crash 0x0000007E detected"));
    (void)buf;
    updx_case_free(c);
}

static void test_empty_and_no_story(void)
{
    updx_case *c = updx_case_new("empty", NULL);
    CHECK_STR(updx_outcome_name(updx_story_outcome(c)), "unknown");
    json_t *j = updx_story_to_json(c);
    CHECK_STR(json_string_value(json_object_get(j, "outcome")), "unknown");
    CHECK(json_is_null(json_object_get(j, "result_code")));
    json_decref(j);
    CHECK_INT(updx_setupact_read_mem(c, "x.log", "", 0, UPDX_SETUP_SRC_SETUPACT), UPDX_OK);
    updx_story_build(c);
    CHECK_STR(updx_outcome_name(updx_story_outcome(c)), "unknown");
    updx_case_free(c);
}

int main(void)
{
    RUN(test_inline_story);
    RUN(test_inline_crash);
    RUN(test_empty_and_no_story);
    corpus = harness_corpus();
    if (!corpus) {
        fprintf(stderr, "skip: corpus not found; corpus tests not run\n");
        return harness_exit();
    }
    RUN(test_every_corpus_log);
    RUN(test_baslr_rollback);
    RUN(test_ricka_downlevel);
    RUN(test_sysprep);
    RUN(test_silvermaz_success);
    RUN(test_copyleft_cancel);
    return harness_exit();
}
