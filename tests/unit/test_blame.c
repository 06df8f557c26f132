/* test_blame.c: the blame rules one by one, driver classes, boot-load detection, and the
 * bug-check table (data/bugchecks.tsv). */
#include "harness.h"

#include "dumps/blame.h"
#include "dumps/bugcheck.h"

static void push_frame(updx_case *c, updx_crash *cr, const char *module, const char *symbol, uint64_t off)
{
    updx_frame *f = updx_avec_push(&cr->frames, &c->arena);
    f->module = module;
    f->symbol = symbol;
    f->offset = off;
}

static void test_bugcheck_table(void)
{
    CHECK(updx_bugcheck_count() >= 40);
    static const uint32_t required[] = {0x7E, 0x3B, 0xD1, 0x50, 0x9F, 0x116, 0x133, 0xD4, 0x7B, 0xEF,
                                        0x1E, 0xC2, 0x139, 0x1A, 0x0A, 0xF4, 0x124, 0x101, 0x7F, 0xC4,
                                        0xC9, 0x1C8, 0xC000021A};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
        const struct updx_bugcheck_info *b = updx_bugcheck_find(required[i]);
        CHECK(b != NULL);
        if (b) {
            CHECK(b->name && *b->name && b->en && *b->en && b->zh && *b->zh);
            CHECK(b->param[0] && b->param[3]);
        }
    }
    const struct updx_bugcheck_info *b = updx_bugcheck_find(0x7E);
    CHECK_STR(b->name, "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED");
    CHECK_INT(b->fault_param, 2);
    CHECK(updx_bugcheck_find(0x1000007E) == b);
    char buf[96];
    CHECK_STR(updx_bugcheck_name(0x1000007E, buf, sizeof buf), "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED_M");
    CHECK_INT(updx_bugcheck_find(0xD1)->fault_param, 4);
    CHECK_INT(updx_bugcheck_find(0x50)->fault_param, 3);
    CHECK_INT(updx_bugcheck_find(0x124)->blame, UPDX_BC_BLAME_HARDWARE);
    CHECK(updx_bugcheck_find(0x12345) == NULL);
    CHECK(updx_bugcheck_find(0x10012345) == NULL);
    CHECK(strstr(updx_bugcheck_find(0x7B)->zh, "存储") != NULL);
}

static void test_names(void)
{
    updx_case *c = updx_case_new("t", NULL);
    updx_crash *cr = updx_case_add_crash(c, "x", UPDX_CRASH_DEBUGGER_TEXT);
    CHECK_STR(updx_blame_image_name(c, cr, "nt"), "ntoskrnl.exe");
    CHECK_STR(updx_blame_image_name(c, cr, "lwfmgr"), "lwfmgr.sys");
    CHECK_STR(updx_blame_image_name(c, cr, "\\SystemRoot\\system32\\hal.dll"), "hal.dll");
    updx_module *m = updx_avec_push(&cr->modules, &c->arena);
    m->name = "kbase.dll";
    m->base = 0x1000;
    m->size = 0x100;
    CHECK_STR(updx_blame_image_name(c, cr, "kbase"), "kbase.dll");
    CHECK(updx_blame_resolve(&cr->modules, 0x10ff) == m);
    CHECK(updx_blame_resolve(&cr->modules, 0x1100) == NULL);
    CHECK(updx_blame_is_core("NDIS.SYS") && updx_blame_is_core("ndis") && updx_blame_is_core("ntoskrnl"));
    CHECK(!updx_blame_is_core("lwfmgr.sys"));
    CHECK_STR(updx_driver_class_of("NVLDDMKM.SYS"), "display");
    updx_frame f = {"ndis", "NdisFDeregisterFilterDriver", 0x47, 0};
    char buf[128];
    CHECK_STR(updx_frame_format(&f, buf, sizeof buf), "ndis!NdisFDeregisterFilterDriver+0x47");
    updx_case_free(c);
}

static void test_rules(void)
{
    updx_case *c = updx_case_new("t", NULL);
    /* rule 2: a non-core verdict wins over the stack */
    updx_crash *cr = updx_case_add_crash(c, "a", UPDX_CRASH_DEBUGGER_TEXT);
    cr->has_bugcheck = true;
    cr->bugcheck = 0x3B;
    push_frame(c, cr, "other", "F", 1);
    updx_blame_hint h = {.verdict = "verdict.sys", .verdict_source = "test"};
    updx_blame_apply(c, cr, &h);
    CHECK_STR(cr->blamed_module, "verdict.sys");
    CHECK(cr->blame_confidence == UPDX_CONF_VERDICT);

    /* rule 3: the faulting address in a non-core module beats the stack */
    cr = updx_case_add_crash(c, "b", UPDX_CRASH_KERNEL_DUMP);
    push_frame(c, cr, "stackdrv.sys", NULL, 1);
    updx_blame_hint h3 = {.has_fault = true, .fault = {"faultdrv.sys", NULL, 0x10, 0}, .fault_source = "P2"};
    updx_blame_apply(c, cr, &h3);
    CHECK_STR(cr->blamed_module, "faultdrv.sys");
    CHECK(strstr(cr->blame_reason, "faultdrv.sys+0x10") != NULL);

    /* rule 4: innermost non-core frame; NdisF* callee makes it an NDIS filter */
    cr = updx_case_add_crash(c, "c", UPDX_CRASH_DEBUGGER_TEXT);
    push_frame(c, cr, "nt", "KeBugCheckEx", 0);
    push_frame(c, cr, "ndis", "NdisFRegisterFilterDriver", 0x10);
    push_frame(c, cr, "mydrv", NULL, 0x20);
    push_frame(c, cr, "nt", "IopInitializeSystemDrivers", 0x30);
    updx_blame_hint h4 = {.has_fault = true, .fault = {"ndis", NULL, 0x10, 0}};
    updx_blame_apply(c, cr, &h4);
    CHECK_STR(cr->blamed_module, "mydrv.sys");
    CHECK_STR(cr->driver_class, "ndis_filter");
    CHECK(cr->boot_driver_load);
    CHECK(cr->blame_confidence == UPDX_CONF_STACK);

    /* Flt* callee: a minifilter */
    cr = updx_case_add_crash(c, "d", UPDX_CRASH_DEBUGGER_TEXT);
    push_frame(c, cr, "FLTMGR", "FltGetFileNameInformation", 0x10);
    push_frame(c, cr, "mini", "PreCreate", 0x20);
    updx_blame_apply(c, cr, NULL);
    CHECK_STR(cr->blamed_module, "mini.sys");
    CHECK_STR(cr->driver_class, "fs_minifilter");
    CHECK(!cr->boot_driver_load);

    /* rule 5: only core modules: low confidence fallback */
    cr = updx_case_add_crash(c, "e", UPDX_CRASH_DEBUGGER_TEXT);
    push_frame(c, cr, "nt", "KiPageFault", 0x10);
    push_frame(c, cr, "hal", "X", 0x20);
    updx_blame_apply(c, cr, NULL);
    CHECK_STR(cr->blamed_module, "ntoskrnl.exe");
    CHECK(cr->blame_confidence == UPDX_CONF_CORE_FALLBACK);

    /* rule 1: hardware bug check: nobody, even with a stack */
    cr = updx_case_add_crash(c, "f", UPDX_CRASH_KERNEL_DUMP);
    cr->has_bugcheck = true;
    cr->bugcheck = 0x124;
    push_frame(c, cr, "somedrv.sys", NULL, 1);
    updx_blame_apply(c, cr, NULL);
    CHECK(cr->blamed_module == NULL);
    CHECK(strstr(cr->blame_reason, "hardware") != NULL);

    /* untrusted verdict, nothing else */
    cr = updx_case_add_crash(c, "g", UPDX_CRASH_DEBUGGER_TEXT);
    updx_blame_hint hg = {.verdict = "ntoskrnl.wrong.symbols.exe", .verdict_untrusted = true};
    updx_blame_apply(c, cr, &hg);
    CHECK(cr->blamed_module == NULL && strstr(cr->blame_reason, "wrong symbols"));

    /* empty */
    cr = updx_case_add_crash(c, "h", UPDX_CRASH_DEBUGGER_TEXT);
    updx_blame_apply(c, cr, NULL);
    CHECK(cr->blamed_module == NULL && cr->blame_reason && cr->blame_confidence == 0);
    updx_case_free(c);
}

int main(void)
{
    RUN(test_bugcheck_table);
    RUN(test_names);
    RUN(test_rules);
    return harness_exit();
}
