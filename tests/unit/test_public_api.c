/* test_public_api.c: the public API (include/updx/updx.h) on the seed example, as a program
 * linking libupdx through pkg-config would use it. */
#include "harness.h"

#include "updx/updx.h"

static void test_analyze_seed(void)
{
    updx_report *r = NULL;
    int rc = updx_report_analyze(UPDX_SOURCE_DIR "/examples/seed-case", NULL, NULL, &r);
    CHECK_INT(rc, UPDX_OK);
    CHECK(r != NULL);
    char *json = updx_report_json(r);
    CHECK(json && strstr(json, "\"schema\": \"updx.report/1\""));
    CHECK(json && strstr(json, "\"blamed_module\": \"lwfmgr.sys\""));
    free(json);
    char *zh = updx_report_render(r, "summary", "zh");
    CHECK(zh && strstr(zh, "问题描述"));
    free(zh);
    CHECK(updx_report_render(r, "pdf", "en") == NULL);
    CHECK(updx_report_render(r, "text", "fr") == NULL);
    updx_report_free(r);
}

static void test_unreadable(void)
{
    updx_report *r = NULL;
    int rc = updx_report_analyze(UPDX_SOURCE_DIR "/no/such/bundle", NULL, NULL, &r);
    CHECK(rc < 0);
    CHECK(r != NULL);
    updx_report_free(r);
    updx_report_free(NULL);
}

int main(void)
{
    RUN(test_analyze_seed);
    RUN(test_unreadable);
    return harness_exit();
}
