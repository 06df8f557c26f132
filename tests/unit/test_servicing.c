/* test_servicing.c: the CBS.log / dism.log reader on hand-made lines and the corpus logs. */
#include "harness.h"

#include "logs/servicing.h"

static const updx_servicing_file *file_at(const updx_case *c, size_t i)
{
    return *(updx_servicing_file **)updx_avec_at(&c->servicing->files, i);
}

static void test_lines(void)
{
    const char log[] =
        "\xEF\xBB\xBF" "2023-10-01 10:00:00, Info                  CBS    Exec: Processing package Package_for_RollupFix~31bf3856ad364e35~amd64~~22621.2428.1.6\r\n"
        "2023-10-01 10:00:01, Info                  CBS    SQM: Failed to start upload. [HRESULT = 0x80004005 - E_FAIL]\r\n"
        "2023-10-01 10:00:02, Info                  CBS    SQM: Failed to start upload. [HRESULT = 0x80004005 - E_FAIL]\r\n"
        "2023-10-01 10:00:03, Error                 CBS    Failed to resolve package 'Package_for_RollupFix~31bf3856ad364e35~amd64~~22621.2428.1.6' [HRESULT = 0x800f081f - CBS_E_SOURCE_MISSING]\r\n"
        "2023-10-01 10:00:04, Error                 CSI    00000001@2023/10/1:08:00:04.000 (F) Attempting to mark store corrupt with category [l:18 ml:19]'CorruptPayloadFile'[gle=0x80004005]\r\n"
        "2023-10-01 10:00:05, Info                  CBS    Session: 1_2 finalized. Reboot required: no [HRESULT = 0x00000000 - S_OK]\r\n"
        "(p)\tCSI Payload Corrupt\t\t\tamd64_x.inf_31bf3856ad364e35_10.0.1.1_none_0\\x.sys\r\n"
        "Repair failed: Missing replacement payload.\r\n";
    updx_case *c = updx_case_new("t", NULL);
    CHECK_INT(updx_servicing_parse_mem(c, "Windows/Logs/CBS/CBS.log", log, sizeof log - 1), UPDX_OK);
    const updx_servicing_file *f = file_at(c, 0);
    CHECK_STR(f->log_kind, "cbs");
    CHECK_INT(f->entries, 6);
    CHECK_INT(f->errors, 2);
    CHECK_INT(f->csi_failures, 1);
    CHECK(f->store_corrupt);
    CHECK_INT(f->store_corruption.line, 5);
    CHECK_INT(f->last_error_hresult, 0x800f081f);
    CHECK_STR(f->last_error_name, "CBS_E_SOURCE_MISSING");
    /* the SQM pair is merged; S_OK is no failure; payload and repair lines are */
    CHECK_INT(f->failures.len, 5);
    const updx_servicing_failure *fl = updx_servicing_find(c->servicing, 0x800f081f, "RollupFix");
    CHECK(fl != NULL);
    if (fl) {
        CHECK_STR(fl->package, "Package_for_RollupFix~31bf3856ad364e35~amd64~~22621.2428.1.6");
        CHECK_STR(fl->hresult_name, "CBS_E_SOURCE_MISSING");
        CHECK_INT(fl->first.line, 4);
        CHECK_STR(fl->first_time, "2023-10-01 10:00:03");
    }
    fl = updx_servicing_find(c->servicing, 0x80004005, NULL);
    CHECK(fl && fl->count == 2 && fl->last_line == 3);
    json_t *j = updx_servicing_to_json(c);
    char *s = json_dumps(j, JSON_SORT_KEYS);
    CHECK(s && strstr(s, "\"hresult_name\": \"CBS_E_SOURCE_MISSING\""));
    free(s);
    json_decref(j);
    updx_case_free(c);
}

static void test_corpus(void)
{
    const char *corpus = harness_corpus();
    if (!corpus) {
        fprintf(stderr, "skip: corpus files (../shared/corpus absent)\n");
        return;
    }
    /* what each real file yields, checked by reading it */
    static const struct {
        const char *path;
        uint64_t errors, csi_failures;
        int store_corrupt;
        uint32_t last_error; /* 0 = none */
        uint64_t last_error_line;
    } files[] = {
        {"alborz25-cbs-source-missing/CBS.log", 6, 0, 1, 0x800f081f, 570},
        {"appostarsi-cbs-hydration/CBS.log", 24, 24, 1, 0xc007000d, 12118},
        {"appostarsi-cbs-hydration/dism.log", 22, 0, 0, 0x800f081f, 680},
        {"romi1996-cbs-store-corrupt/CBS.log", 1, 1, 1, 0, 0},
        {"infinito-cbs-win7/CBS.log", 12, 0, 0, 0x80070490, 7008},
        {"michampr-panther-winpe/cbs.log", 0, 0, 0, 0, 0},
    };
    char path[4096];
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/logs/%s", corpus, files[i].path);
        size_t len;
        unsigned char *data = harness_read_file(path, &len);
        CHECK(data != NULL);
        if (!data)
            continue;
        updx_case *c = updx_case_new("corpus", NULL);
        fprintf(stderr, "  %s\n", files[i].path);
        CHECK_INT(updx_servicing_parse_mem(c, files[i].path, data, len), UPDX_OK);
        free(data);
        const updx_servicing_file *f = file_at(c, 0);
        CHECK_INT(f->errors, files[i].errors);
        CHECK_INT(f->csi_failures, files[i].csi_failures);
        CHECK_INT(f->store_corrupt, files[i].store_corrupt);
        CHECK_INT(f->last_error_hresult, files[i].last_error);
        CHECK_INT(f->last_error.line, files[i].last_error_line);
        updx_case_free(c);
    }
    /* the named failures the diagnosis asks for */
    static const struct {
        const char *path, *name;
        uint32_t code;
        uint64_t line;
    } named[] = {
        {"appostarsi-cbs-hydration/CBS.log", "dual_helloface.inf", 0xc007000d, 4417},
        {"alborz25-cbs-source-missing/CBS.log", NULL, 0x800f081f, 365},
        {"infinito-cbs-win7/CBS.log", "KB976933", 0x80070490, 1161},
    };
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        snprintf(path, sizeof path, "%s/logs/%s", corpus, named[i].path);
        size_t len;
        unsigned char *data = harness_read_file(path, &len);
        if (!data)
            continue;
        updx_case *c = updx_case_new("corpus", NULL);
        updx_servicing_parse_mem(c, named[i].path, data, len);
        free(data);
        const updx_servicing_failure *fl = updx_servicing_find(c->servicing, named[i].code, named[i].name);
        CHECK(fl != NULL);
        if (fl)
            CHECK_INT(fl->first.line, named[i].line);
        updx_case_free(c);
    }
}

int main(void)
{
    RUN(test_lines);
    RUN(test_corpus);
    return harness_exit();
}
