/* test_dbgtext.c: crashes from pasted debugger output and tool exports: every file of
 * corpus/windbg with the culprit verified by reading it, the seed mail's stack, and
 * hand-written shapes (x86 kb/kv, BugCheck lines, event 1001, several crashes in one text). */
#include "harness.h"

#include "dumps/blame.h"
#include "dumps/dbgtext.h"

static updx_case *parse_text(const char *text, int expect_crashes)
{
    updx_case *c = updx_case_new("t", NULL);
    int n = updx_dbgtext_parse_mem(c, "paste.txt", text, strlen(text));
    CHECK_INT(n, expect_crashes);
    return c;
}

static const updx_crash *crash_at(const updx_case *c, size_t i)
{
    return i < c->crashes.len ? updx_avec_at(&c->crashes, i) : NULL;
}

static const char *s_or(const char *s)
{
    return s ? s : "(null)";
}

/* Expected results, verified by reading each file. blamed NULL: the excerpt names no module
 * (only an address with no module list, or a verdict resting on wrong symbols). */
static const struct {
    const char *file;
    int has_bugcheck;
    uint32_t bugcheck;
    const char *blamed;
    const char *klass;
    const char *build;
    int origin;
} corpus_cases[] = {
    {"issue_KoenZomers-KeePassOneDriveSync-115_whocrashed_0x3B_EXCERPT.txt", 1, 0x3B, "cldflt.sys", "fs_minifilter", NULL, UPDX_CRASH_TOOL_EXPORT},
    {"issue_MartinDrab-IRPMon-116_0x7E_EXCERPT.txt", 1, 0x7E, NULL, NULL, NULL, UPDX_CRASH_DEBUGGER_TEXT},
    {"issue_MicrosoftDocs-sysinternals-223_0xD4_psav3cld_EXCERPT.txt", 1, 0xD4, "psav3cld.sys", "security", "17763", UPDX_CRASH_DEBUGGER_TEXT},
    {"issue_dokan-dev-dokany-396_kd_minidump_header_win7x86_EXCERPT.txt", 0, 0, NULL, NULL, "7601", UPDX_CRASH_DEBUGGER_TEXT},
    {"issue_maharmstone-btrfs-80_bluescreenview_style_0x1000007e.txt", 1, 0x1000007E, "btrfs.sys", NULL, "7601", UPDX_CRASH_TOOL_EXPORT},
    {"issue_openzfsonwindows-openzfs-88_tail_FAILURE_BUCKET_EXCERPT.txt", 0, 0, NULL, NULL, "22000", UPDX_CRASH_DEBUGGER_TEXT},
    {"issue_winsiderss-systeminformer-2300_0x3B_EXCERPT.txt", 1, 0x3B, NULL, NULL, NULL, UPDX_CRASH_DEBUGGER_TEXT},
    {"msdocs_bugcheck-0x116_video-tdr_nvlddmkm_analyze_lm_k.txt", 1, 0x116, "nvlddmkm.sys", "display", NULL, UPDX_CRASH_DEBUGGER_TEXT},
    {"msdocs_bugcheck-0x133_dpc-watchdog_analyze.txt", 1, 0x133, "BthA2DP.sys", "audio", NULL, UPDX_CRASH_DEBUGGER_TEXT},
    {"msdocs_bugcheck-0x50_analyze_address_r.txt", 1, 0x50, "ntoskrnl.exe", NULL, NULL, UPDX_CRASH_DEBUGGER_TEXT},
    {"msdocs_bugcheck-0x9f_power-state_analyze.txt", 1, 0x9F, NULL, NULL, NULL, UPDX_CRASH_DEBUGGER_TEXT},
    {"msdocs_using-analyze-extension_kernel_0xD1_usbport.txt", 1, 0xD1, "USBPORT.SYS", "usb", NULL, UPDX_CRASH_DEBUGGER_TEXT},
};

static void test_corpus(void)
{
    const char *dir = harness_corpus();
    if (!dir) {
        fprintf(stderr, "skip: corpus absent\n");
        return;
    }
    for (size_t i = 0; i < sizeof corpus_cases / sizeof *corpus_cases; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/windbg/%s", dir, corpus_cases[i].file);
        size_t len;
        unsigned char *d = harness_read_file(path, &len);
        if (!d) {
            fprintf(stderr, "skip: %s\n", corpus_cases[i].file);
            continue;
        }
        updx_case *c = updx_case_new("t", NULL);
        int n = updx_dbgtext_parse_mem(c, corpus_cases[i].file, d, len);
        const updx_crash *cr = crash_at(c, 0);
        if (n != 1 || !cr) {
            fprintf(stderr, "%s: %d crashes\n", corpus_cases[i].file, n);
            CHECK_INT(n, 1);
        } else {
            int ok = cr->has_bugcheck == corpus_cases[i].has_bugcheck &&
                     cr->bugcheck == corpus_cases[i].bugcheck &&
                     strcmp(s_or(cr->blamed_module), s_or(corpus_cases[i].blamed)) == 0 &&
                     strcmp(s_or(cr->driver_class), s_or(corpus_cases[i].klass)) == 0 &&
                     strcmp(s_or(cr->os_build), s_or(corpus_cases[i].build)) == 0 &&
                     (int)cr->origin == corpus_cases[i].origin && cr->blame_reason != NULL;
            if (!ok)
                fprintf(stderr, "%s: bugcheck %d/0x%X blamed %s class %s build %s origin %d\n",
                        corpus_cases[i].file, cr->has_bugcheck, cr->bugcheck, s_or(cr->blamed_module),
                        s_or(cr->driver_class), s_or(cr->os_build), (int)cr->origin);
            CHECK(ok);
        }
        updx_case_free(c);
        free(d);
    }
    /* details worth pinning */
    char path[4096];
    snprintf(path, sizeof path, "%s/windbg/msdocs_bugcheck-0x116_video-tdr_nvlddmkm_analyze_lm_k.txt", dir);
    size_t len;
    unsigned char *d = harness_read_file(path, &len);
    if (d) {
        updx_case *c = updx_case_new("t", NULL);
        updx_dbgtext_parse_mem(c, "116.txt", d, len);
        const updx_crash *cr = crash_at(c, 0);
        CHECK(cr && cr->frames.len == 9 && cr->modules.len == 1);
        if (cr && cr->frames.len == 9) {
            const updx_frame *f = updx_avec_at(&cr->frames, 2);
            CHECK_STR(f->module, "dxgkrnl");
            CHECK_STR(f->symbol, "ADAPTER_RENDER::Reset");
            CHECK(f->offset == 0x15e);
        }
        CHECK(cr && cr->params[1] == 0xfffff8016470c14cull);
        updx_case_free(c);
        free(d);
    }
    snprintf(path, sizeof path, "%s/windbg/msdocs_using-analyze-extension_kernel_0xD1_usbport.txt", dir);
    d = harness_read_file(path, &len);
    if (d) {
        updx_case *c = updx_case_new("t", NULL);
        updx_dbgtext_parse_mem(c, "d1.txt", d, len);
        const updx_crash *cr = crash_at(c, 0);
        CHECK(cr && cr->frames.len == 5);
        CHECK(cr && cr->params[3] == 0xf832035c);
        CHECK_STR(cr ? cr->failure_bucket : NULL, "0xD1_W_USBPORT!USBPORT_BadRequestFlush+7c");
        updx_case_free(c);
        free(d);
    }
}

static void test_seed_mail(void)
{
    const char *dir = harness_corpus();
    if (!dir) {
        fprintf(stderr, "skip: corpus absent\n");
        return;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/../mission/seed-case-thread.en.md", dir);
    size_t len;
    unsigned char *d = harness_read_file(path, &len);
    if (!d) {
        fprintf(stderr, "skip: seed mail absent\n");
        return;
    }
    updx_case *c = updx_case_new("t", NULL);
    CHECK_INT(updx_dbgtext_parse_mem(c, "seed.md", d, len), 1);
    const updx_crash *cr = crash_at(c, 0);
    if (cr) {
        CHECK_INT(cr->frames.len, 17);
        CHECK_STR(cr->blamed_module, "lwfmgr.sys");
        CHECK_STR(cr->driver_class, "ndis_filter");
        CHECK(cr->boot_driver_load);
        CHECK(cr->blame_confidence >= UPDX_CONF_STACK);
    }
    updx_case_free(c);
    free(d);
}

/* The seed stack as written in the mail, inside a larger text with a BugCheck line. */
static void test_seed_inline(void)
{
    const char *text =
        "Hello, the dump shows:\n"
        "BugCheck 7E, {ffffffffc0000005, fffff8066e9e1c47, ffffa1800e4b0300, ffffa1800e4b0200}\n"
        "\n"
        "  # Call Site\n"
        "      07 nt!KiPageFault+0x42e\n"
        "      08 ndis!NdisFDeregisterFilterDriver+0x47\n"
        "      09 lwfmgr+0x5167\n"
        "      0a lwfmgr+0xb49a\n"
        "      0b nt!IopLoadDriver+0x4bd\n"
        "      0c nt!IopInitializeSystemDrivers+0x134\n"
        "Probably caused by : lwfmgr.sys ( lwfmgr+5167 )\n";
    updx_case *c = parse_text(text, 1);
    const updx_crash *cr = crash_at(c, 0);
    CHECK(cr && cr->bugcheck == 0x7E && cr->params[1] == 0xfffff8066e9e1c47ull);
    CHECK(cr && cr->frames.len == 6);
    CHECK_STR(cr ? cr->blamed_module : NULL, "lwfmgr.sys");
    CHECK_STR(cr ? cr->driver_class : NULL, "ndis_filter");
    CHECK(cr && cr->boot_driver_load);
    updx_case_free(c);
}

static void test_x86_kb_kv(void)
{
    const char *text =
        "kd> kv\n"
        "ChildEBP RetAddr  Args to Child\n"
        "f8950e90 f83206e0 024c7262 00000000 f8950edc nt!KeBugCheckEx+0x1b (FPO: [5,0,0])\n"
        "f8950eb0 804f5561 81cc8644 81cc8028 6d9a2f30 myfilt!Dispatch+0x10c (CONV: stdcall)\n"
        "f8950fb4 804f5644 6e4be98e 00000000 ffdff000 nt!KiTimerListExpire+0xf3\n"
        "\n"
        "kd> kn\n"
        " # ChildEBP RetAddr\n"
        "00 f8950e90 f83206e0 other!Foo+0x1\n";
    updx_case *c = parse_text(text, 1);
    const updx_crash *cr = crash_at(c, 0);
    CHECK(cr && cr->frames.len == 3); /* the second stack of the same crash is ignored */
    CHECK_STR(cr ? cr->blamed_module : NULL, "myfilt.sys");
    CHECK(cr && cr->blame_confidence == UPDX_CONF_STACK);
    updx_case_free(c);

    /* x64 STACK_TEXT with args and the core-only fallback */
    text = "STACK_TEXT:  \n"
           "fffff800`4876aa10 fffff800`0213572f : 00000000`00000000 00000000`00000000 00000000`00000000 00000000`00000000 : nt!KiPageFault+0x23a\n"
           "fffff800`4876aa90 fffff800`0213572f : 00000000`00000000 00000000`00000000 00000000`00000000 00000000`00000000 : hal!HalpFoo+0x10\n"
           "\n";
    c = parse_text(text, 1);
    cr = crash_at(c, 0);
    CHECK(cr && cr->frames.len == 2);
    CHECK_STR(cr ? cr->blamed_module : NULL, "ntoskrnl.exe");
    CHECK(cr && cr->blame_confidence == UPDX_CONF_CORE_FALLBACK);
    updx_case_free(c);
}

static void test_several_and_events(void)
{
    const char *text =
        "Log Name: System\n"
        "The computer has rebooted from a bugcheck.  The bugcheck was: 0x0000007e (0xffffffffc0000005, "
        "0xfffff80270d61c47, 0xffffa1800e4b0300, 0xffffa1800e4b0200). A dump was saved in: "
        "C:\\Windows\\MEMORY.DMP. Report Id: 1.\n"
        "The computer has rebooted from a bugcheck.  The bugcheck was: 0x00000116 (0xffffc08e5cac74a0, "
        "0xfffff801a7567880, 0x0000000000000000, 0x000000000000000d).\n"
        "==================================================\n"
        "Dump File         : 080813-18142-01.dmp\n"
        "Crash Time        : 8/8/2013 1:17:33 PM\n"
        "Bug Check String  : SYSTEM_SERVICE_EXCEPTION\n"
        "Bug Check Code    : 0x0000003b\n"
        "Parameter 1       : 00000000`c0000005\n"
        "Parameter 2       : fffff800`02e8c440\n"
        "Parameter 3       : fffff880`0a34ffc0\n"
        "Parameter 4       : 00000000`00000000\n"
        "Caused By Driver  : ndis.sys\n"
        "Caused By Address : ndis.sys+aee0f\n"
        "Processor         : x64\n"
        "Crash Address     : ntoskrnl.exe+5a440\n"
        "Minor Version     : 7601\n"
        "==================================================\n"
        "Dump File         : 080913-1-01.dmp\n"
        "Bug Check Code    : 0x000000d1\n"
        "Caused By Driver  : vwifimf.sys\n"
        "==================================================\n";
    updx_case *c = parse_text(text, 4);
    const updx_crash *a = crash_at(c, 0), *b = crash_at(c, 1), *d = crash_at(c, 2), *e = crash_at(c, 3);
    CHECK(a && a->origin == UPDX_CRASH_EVENT_LOG && a->bugcheck == 0x7E && a->params[3] == 0xffffa1800e4b0200ull);
    CHECK(b && b->bugcheck == 0x116 && b->params[3] == 0xd);
    CHECK(d && d->origin == UPDX_CRASH_TOOL_EXPORT && d->bugcheck == 0x3B && d->params[1] == 0xfffff80002e8c440ull);
    /* BlueScreenView blamed ndis.sys, a core module, and nothing else is in evidence */
    CHECK_STR(d ? d->blamed_module : NULL, "ndis.sys");
    CHECK(d && d->blame_confidence == UPDX_CONF_CORE_FALLBACK);
    CHECK_STR(d ? d->os_build : NULL, "7601");
    CHECK_STR(e ? e->blamed_module : NULL, "vwifimf.sys");
    CHECK_STR(e ? e->driver_class : NULL, "ndis_filter");
    updx_case_free(c);

    /* two !analyze runs in one mail */
    text = "*** Bugcheck Analysis ***\n"
           "DRIVER_IRQL_NOT_LESS_OR_EQUAL (d1)\n"
           "Arg4: fffff80112345678, address which referenced memory\n"
           "IMAGE_NAME:  foo.sys\n"
           "\n"
           "*** Bugcheck Analysis ***\n"
           "SYSTEM_SERVICE_EXCEPTION (3b)\n"
           "MODULE_NAME: bar\n";
    c = parse_text(text, 2);
    CHECK_STR(crash_at(c, 0) ? crash_at(c, 0)->blamed_module : NULL, "foo.sys");
    CHECK_STR(crash_at(c, 1) ? crash_at(c, 1)->blamed_module : NULL, "bar.sys");
    updx_case_free(c);
}

static void test_rollback_log_and_zh_event(void)
{
    const char *text =
        "2022-05-05 16:30:01, Info                  SP     Initiating rollback/uninstall, phase = 0\n"
        "2022-05-05 16:30:01, Info                  SP     Crash 0x0000007E detected\n"
        "2022-05-05 16:30:01, Info                  SP       Module name           : lwfmgr.sys\n"
        "2022-05-05 16:30:01, Info                  SP       Bugcheck parameter 1  : 0xFFFFFFFFC0000005\n"
        "2022-05-05 16:30:01, Info                  SP       Bugcheck parameter 2  : 0xFFFFF8066E9E1C47\n"
        "2022-05-05 16:30:01, Info                  SP     Cannot recover the system.\n"
        "2022-05-05 16:31:00, Info                  SP       Module name           : later.sys\n"
        "计算机已经从检测错误后重新启动。检测错误: 0x0000009f (0x0000000000000003, 0xffffe000f38c06a0, "
        "0xfffff8000386c3d8, 0xffffe000fd2b6b10)。已将转储的数据保存在: C:\\Windows\\MEMORY.DMP。\n";
    updx_case *c = updx_case_new("t", NULL);
    updx_dbgtext *d = updx_dbgtext_begin(c, "Rollback/setupact.log");
    updx_text *t;
    CHECK_INT(updx_text_open_mem(&t, text, strlen(text), NULL), UPDX_OK);
    updx_line l;
    while (updx_text_next(t, &l) > 0)
        updx_dbgtext_line(d, &l);
    updx_text_close(t);
    CHECK_INT(updx_dbgtext_end(d), 2);
    const updx_crash *cr = crash_at(c, 0);
    CHECK(cr && cr->origin == UPDX_CRASH_ROLLBACK_LOG && cr->bugcheck == 0x7E);
    CHECK(cr && cr->params[1] == 0xFFFFF8066E9E1C47ull && cr->where.line == 2);
    CHECK_STR(cr ? cr->blamed_module : NULL, "lwfmgr.sys");
    CHECK_STR(cr ? cr->driver_class : NULL, "ndis_filter");
    cr = crash_at(c, 1);
    CHECK(cr && cr->origin == UPDX_CRASH_EVENT_LOG && cr->bugcheck == 0x9F && cr->params[0] == 3 &&
          cr->params[3] == 0xffffe000fd2b6b10ull);
    updx_case_free(c);
}

static void test_no_crash(void)
{
    const char *text = "2022-05-05 16:18:32, Info  SP  Operation completed successfully\n"
                       "Error: nothing to see\n"
                       "  01 is not a frame\n"
                       "KEY: value\n"
                       "FLAG_X (1)\n";
    updx_case *c = parse_text(text, 0);
    updx_case_free(c);
    c = parse_text("", 0);
    updx_case_free(c);
}

int main(void)
{
    RUN(test_corpus);
    RUN(test_seed_mail);
    RUN(test_seed_inline);
    RUN(test_x86_kb_kv);
    RUN(test_several_and_events);
    RUN(test_rollback_log_and_zh_event);
    RUN(test_no_crash);
    return harness_exit();
}
