/* test_minidump.c: user-mode minidumps (SetupHost.exe-style crashes) built by the synth
 * builder: exception and faulting module, system-library fallback, damage. */
#include "harness.h"

#include "dumps/crash_json.h"
#include "dumps/minidump.h"
#include "support/synth_dump.h"

static const synth_mdmp_module setup_modules[] = {
    {"C:\\$WINDOWS.~BT\\Sources\\SetupHost.exe", 0x7ff700000000ull, 0x80000},
    {"C:\\Windows\\System32\\ntdll.dll", 0x7ffa50000000ull, 0x1f0000},
    {"C:\\$WINDOWS.~BT\\Sources\\SetupCore.dll", 0x7ffa40000000ull, 0x400000},
};

static void test_setuphost(void)
{
    synth_mdmp s = {.exception_code = 0xC0000005, .exception_address = 0x7ffa40012345ull,
                    .modules = setup_modules, .n_modules = 3, .build = 19045};
    size_t len;
    uint8_t *d = synth_mdmp_build(&s, &len);
    updx_case *c = updx_case_new("t", NULL);
    updx_crash *cr;
    CHECK_INT(updx_minidump_parse(c, "SetupHost.exe.dmp", d, len, &cr), UPDX_OK);
    CHECK(cr && cr->origin == UPDX_CRASH_MINIDUMP);
    if (cr) {
        CHECK(cr->exception_code == 0xC0000005);
        CHECK_STR(cr->process, "SetupHost.exe");
        CHECK_STR(cr->blamed_module, "SetupCore.dll");
        CHECK_STR(cr->os_build, "19045");
        CHECK_STR(cr->machine, "x64");
        CHECK_INT(cr->modules.len, 3);
        json_t *j = updx_crash_to_json(c, cr);
        CHECK(j != NULL);
        CHECK_STR(json_string_value(json_object_get(j, "exception_code")), "0xC0000005");
        CHECK_STR(json_string_value(json_object_get(j, "origin")), "minidump");
        CHECK(json_is_null(json_object_get(j, "bugcheck")));
        json_decref(j);
    }
    updx_case_free(c);

    /* in ntdll: named, low confidence */
    s.exception_address = 0x7ffa50001000ull;
    free(d);
    d = synth_mdmp_build(&s, &len);
    c = updx_case_new("t", NULL);
    CHECK_INT(updx_minidump_parse(c, "x.dmp", d, len, &cr), UPDX_OK);
    CHECK_STR(cr->blamed_module, "ntdll.dll");
    CHECK(cr->blame_confidence < 0.5);
    updx_case_free(c);

    /* every prefix parses */
    int bad = 0;
    for (size_t cut = 0; cut < len; cut++) {
        c = updx_case_new("t", NULL);
        int rc = updx_minidump_parse(c, "cut.dmp", d, cut, &cr);
        bad += cut < 4 ? rc != UPDX_ERR_FORMAT : (rc != UPDX_OK && rc != UPDX_PARTIAL);
        updx_case_free(c);
    }
    CHECK_INT(bad, 0);
    free(d);
}

static void test_no_exception(void)
{
    synth_mdmp s = {.modules = setup_modules, .n_modules = 1, .no_exception = true, .no_sysinfo = true};
    size_t len;
    uint8_t *d = synth_mdmp_build(&s, &len);
    updx_case *c = updx_case_new("t", NULL);
    updx_crash *cr;
    CHECK_INT(updx_minidump_parse(c, "x.dmp", d, len, &cr), UPDX_OK);
    CHECK(cr && cr->blamed_module == NULL && cr->machine == NULL);
    updx_case_free(c);
    /* a module count far above what the stream holds (directory entry 0 is the module list) */
    uint32_t rva = (uint32_t)d[40] | (uint32_t)d[41] << 8;
    d[rva] = 0xFF;
    d[rva + 1] = 0xFF;
    c = updx_case_new("t", NULL);
    CHECK_INT(updx_minidump_parse(c, "x.dmp", d, len, &cr), UPDX_PARTIAL);
    CHECK_INT(cr->modules.len, 1);
    CHECK(updx_notes_count(&c->notes, UPDX_NOTE_DAMAGED) == 1);
    updx_case_free(c);
    free(d);
    c = updx_case_new("t", NULL);
    CHECK_INT(updx_minidump_parse(c, "x", (const uint8_t *)"PAGEDU64", 8, &cr), UPDX_ERR_FORMAT);
    updx_case_free(c);
}

int main(void)
{
    RUN(test_setuphost);
    RUN(test_no_exception);
    return harness_exit();
}
