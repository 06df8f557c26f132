/* test_hive.c: the libregf hive reader on hives built by fixture_hive.c, the lookups the
 * diagnosis uses, the JSON, and damaged input. */
#include "harness.h"

#include "support/fixture_hive.h"
#include "model/case.h"
#include "sys/hive.h"
#include "sys/sys_facts.h"
#include "updx/updx.h"

/* libregf 20201007 leaks its key item when a damaged key fails to load (docs/system-state.md);
 * LeakSanitizer is told so here instead of failing on a bug that is not ours. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libregf_key_item_initialize\n";
}

static const char *corpus;
static unsigned char *system_hive, *software_hive, *services_hive;
static size_t system_len, software_len, services_len;

static void test_system_hive(void)
{
    updx_case *c = updx_case_new("t", NULL);
    CHECK_INT(updx_hive_read(c, "SYSTEM", system_hive, system_len), UPDX_OK);
    CHECK(c->sys != NULL);
    CHECK_INT(c->sys->hives_read, 1);
    CHECK_INT(updx_sys_os_facts(c)->current_control_set, 1);
    /* only the current set (ControlSet001) is walked: lwfmgr, vwifimf, Tcpip */
    CHECK_INT(c->sys->services.len, 3);

    const updx_sys_service *s = updx_sys_find_service(c, "lwfmgr");
    CHECK(s != NULL);
    if (s) {
        CHECK_STR(s->name, "lwfmgr");
        CHECK_INT(s->control_set, 1);
        CHECK(s->has_start && s->start == 1);
        CHECK(s->has_type && s->type == 1);
        CHECK(s->has_error_control && s->error_control == 1);
        CHECK_STR(s->image_path, "\\SystemRoot\\System32\\drivers\\lwfmgr.sys");
        CHECK_STR(s->group, "NDIS");
        CHECK_STR(s->display_name, "TMS Lightweight Filter Manager");
        CHECK_STR(s->description, "Network traffic control for terminals");
        CHECK_INT(s->owners.len, 1);
        if (s->owners.len)
            CHECK_STR(*(const char **)updx_avec_at(&s->owners, 0), "oem42.inf");
        CHECK_STR(s->source.file, "SYSTEM");
        CHECK_STR(s->source.key, "ControlSet001\\Services\\lwfmgr");
        CHECK(updx_sys_service_third_party(s));
    }
    /* found by driver file name and by ImagePath basename, case-insensitively */
    CHECK(updx_sys_find_service(c, "LWFMGR.SYS") == s);
    const updx_sys_service *v = updx_sys_find_service(c, "vwifimf.sys");
    CHECK(v && v->start == 3 && !updx_sys_service_third_party(v));
    const updx_sys_service *t = updx_sys_find_service(c, "tcpip");
    CHECK(t && !updx_sys_service_third_party(t));
    CHECK(updx_sys_find_service(c, "nosuch") == NULL);

    /* lwfmgr is the Net class's UpperFilter; the device-level 0000 entry is not a class filter */
    updx_sys_filter_ref refs[4];
    CHECK_INT(updx_sys_filter_refs(c, "lwfmgr.sys", refs, 4), 1);
    CHECK(refs[0].upper);
    CHECK_STR(refs[0].cls->class_name, "Net");
    CHECK_STR(refs[0].cls->class_guid, "{4d36e972-e325-11ce-bfc1-08002be10318}");
    CHECK_INT(updx_sys_filter_refs(c, "devonly", refs, 4), 0);
    CHECK_INT(updx_sys_filter_refs(c, "EhStorClass", refs, 4), 1);
    CHECK(!refs[0].upper);
    CHECK_INT(updx_sys_filter_refs(c, "vwifimf", refs, 4), 0);

    const updx_sys_ndis_filter *nf[2];
    CHECK_INT(updx_sys_ndis_refs(c, "lwfmgr", nf, 2), 1);
    CHECK_STR(nf[0]->component_id, "ms_lwfmgr");
    CHECK_STR(nf[0]->filter_class, "ms_firewall_upper");
    CHECK(nf[0]->has_filter_type && nf[0]->filter_type == 2);
    CHECK(nf[0]->has_filter_run_type && nf[0]->filter_run_type == 1);

    /* Setup\MoSetup (and Volatile below it) and Setup\SetupDiag\Results */
    CHECK_INT(c->sys->settings.len, 3);
    int found = 0;
    for (size_t i = 0; i < c->sys->settings.len; i++) {
        const updx_sys_setting *st = updx_avec_at(&c->sys->settings, i);
        if (strcmp(st->name, "ProfileName") == 0) {
            CHECK_STR(st->value, "FindRollbackFailure");
            CHECK_STR(st->source.key, "Setup\\SetupDiag\\Results");
            found++;
        }
        if (strcmp(st->name, "SetupProgress") == 0) {
            CHECK_STR(st->value, "23 (0x17)");
            found++;
        }
    }
    CHECK_INT(found, 2);
    updx_case_free(c);
}

static void test_software_hive_and_join(void)
{
    updx_case *c = updx_case_new("t", NULL);
    CHECK_INT(updx_hive_read(c, "SOFTWARE", software_hive, software_len), UPDX_OK);
    const updx_sys_os *os = updx_sys_os_facts(c);
    CHECK_STR(os->product_name, "Windows 10 Enterprise");
    CHECK_STR(os->edition_id, "Enterprise");
    CHECK_STR(os->current_build, "19044");
    CHECK(os->has_ubr && os->ubr == 1706);
    CHECK_STR(os->display_version, "21H2");
    CHECK_STR(os->installation_type, "Client");
    CHECK_INT(c->sys->programs.len, 3);
    int wow = 0;
    for (size_t i = 0; i < c->sys->programs.len; i++) {
        const updx_sys_program *p = updx_avec_at(&c->sys->programs, i);
        if (p->wow64) {
            wow++;
            CHECK_STR(p->display_name, "Notepad++ (32-bit x86)");
            CHECK_STR(p->display_version, "8.4.2");
        }
    }
    CHECK_INT(wow, 1);

    /* with the SYSTEM hive too, lwfmgr's owner is the TMS product */
    CHECK_INT(updx_hive_read(c, "SYSTEM", system_hive, system_len), UPDX_OK);
    const updx_sys_service *s = updx_sys_find_service(c, "lwfmgr");
    const char *why = NULL;
    const updx_sys_program *p = updx_sys_program_for_driver(c, s, &why);
    CHECK(p != NULL);
    if (p) {
        CHECK_STR(p->display_name, "TMS Terminal Management Agent");
        CHECK_STR(p->publisher, "Example Terminal Software Co., Ltd.");
        CHECK_STR(p->display_version, "3.2.1");
        CHECK(why != NULL);
    }
    /* no program shares a word with "Virtual WiFi Filter Driver" */
    CHECK(updx_sys_program_for_driver(c, updx_sys_find_service(c, "vwifimf"), NULL) == NULL);

    json_t *j = updx_sys_to_json(c);
    CHECK(j != NULL);
    if (j) {
        CHECK_STR(json_string_value(json_object_get(json_object_get(j, "os"), "current_build")),
                  "19044");
        CHECK_INT(json_integer_value(json_object_get(j, "programs_count")), 3);
        CHECK_INT(json_array_size(json_object_get(j, "services")), 3);
        CHECK_INT(json_array_size(json_object_get(j, "class_filters")), 2);
        CHECK_INT(json_array_size(json_object_get(j, "ndis_filters")), 1);
        json_t *svc = json_array_get(json_object_get(j, "services"), 0);
        CHECK_STR(json_string_value(json_object_get(svc, "name")), "lwfmgr");
        CHECK_INT(json_integer_value(json_object_get(svc, "class_filter_refs")), 1);
        CHECK_STR(json_string_value(json_object_get(json_object_get(svc, "program"), "name")),
                  "TMS Terminal Management Agent");
        json_decref(j);
    }
    updx_case_free(c);
}

static void test_services_only_hive(void)
{
    updx_case *c = updx_case_new("t", NULL);
    CHECK_INT(updx_hive_read(c, "reg_services.hiv", services_hive, services_len), UPDX_OK);
    CHECK_INT(c->sys->services.len, 3);
    const updx_sys_service *s = updx_sys_find_service(c, "lwfmgr");
    CHECK(s && s->control_set == 0 && s->start == 1);
    CHECK_STR(s ? s->source.key : NULL, "lwfmgr");
    updx_case_free(c);
}

static void test_damaged(void)
{
    updx_case *c = updx_case_new("t", NULL);
    /* not a hive at all */
    CHECK_INT(updx_hive_read(c, "x", (const uint8_t *)"hello", 5), UPDX_ERR_FORMAT);
    CHECK_INT(updx_notes_count(&c->notes, UPDX_NOTE_DAMAGED), 1);
    /* a regf signature and nothing else */
    CHECK_INT(updx_hive_read(c, "y", (const uint8_t *)"regf", 4), UPDX_ERR_FORMAT);
    CHECK_INT(updx_hive_read(c, "z", NULL, 0), UPDX_ERR_FORMAT);
    /* truncated real hive: the header survives, the bins do not */
    if (system_hive) {
        int r = updx_hive_read(c, "cut", system_hive, 4096 + 100);
        CHECK(r == UPDX_ERR_FORMAT || r == UPDX_PARTIAL || r == UPDX_OK);
        /* flipping bytes all over the hive must never crash */
        unsigned char *copy = malloc(system_len);
        for (size_t step = 0; copy && step < 64; step++) {
            memcpy(copy, system_hive, system_len);
            for (size_t i = 4096 + step * 7; i < system_len; i += 61 + step)
                copy[i] ^= (unsigned char)(0x5a + step);
            (void)updx_hive_read(c, "flipped", copy, system_len);
        }
        free(copy);
    }
    updx_case_free(c);
}

/* The corpus templates: a bare root (minimal) and XP-edited names with NUL and non-ASCII
 * characters (special). Both open; neither is SYSTEM or SOFTWARE, so only an INFO note. */
static void test_corpus_templates(void)
{
    static const char *const names[] = {"hivex-minimal", "hivex-special"};
    for (size_t i = 0; i < 2; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/hives/%s", corpus, names[i]);
        size_t len;
        unsigned char *d = harness_read_file(path, &len);
        CHECK(d != NULL);
        if (!d)
            continue;
        updx_case *c = updx_case_new("t", NULL);
        CHECK_INT(updx_hive_read(c, names[i], d, len), UPDX_OK);
        CHECK_INT(c->sys->hives_read, 0);
        CHECK_INT(updx_notes_count(&c->notes, UPDX_NOTE_INFO), 1);
        updx_case_free(c);
        free(d);
    }
}

int main(void)
{
    corpus = harness_corpus();
    const char *why = NULL;
    system_hive = fixture_hive_build(corpus, FIXTURE_HIVE_SYSTEM, &system_len, &why);
    if (!system_hive) {
        printf("skip: %s\n", why);
        return HARNESS_SKIP;
    }
    software_hive = fixture_hive_build(corpus, FIXTURE_HIVE_SOFTWARE, &software_len, &why);
    services_hive = fixture_hive_build(corpus, FIXTURE_HIVE_SERVICES, &services_len, &why);
    CHECK(software_hive != NULL);
    CHECK(services_hive != NULL);
    RUN(test_system_hive);
    if (software_hive)
        RUN(test_software_hive_and_join);
    if (services_hive)
        RUN(test_services_only_hive);
    RUN(test_damaged);
    RUN(test_corpus_templates);
    free(system_hive);
    free(software_hive);
    free(services_hive);
    return harness_exit();
}
