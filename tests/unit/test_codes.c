/* test_codes.c: the error-code tables under data/codes/ and their lookups. */
#include "harness.h"

#include "knowledge/codes.h"

static void test_tables_well_formed(void)
{
    static const char *const tables[] = {"codes/mosetup.tsv", "codes/hresult.tsv", "codes/win32.tsv",
                                         "codes/ntstatus.tsv", "codes/extend_phase.tsv",
                                         "codes/extend_op.tsv"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        size_t bad = 0;
        int rows = updx_code_table_check(tables[i], &bad);
        if (rows < 0)
            fprintf(stderr, "%s: bad line %zu\n", tables[i], bad);
        CHECK(rows > 5);
    }
    size_t bad;
    CHECK_INT(updx_code_table_check("codes/none.tsv", &bad), -1);
}

static void test_lookup(void)
{
    updx_code_info i;
    CHECK(updx_code_lookup(0xC1900101u, &i));
    CHECK_STR(i.name, "MOSETUP_E_SETUP_PLATFORM");
    CHECK_STR(i.table, "mosetup");
    CHECK(i.zh[0] && i.fix_en[0] && i.fix_zh[0]);
    /* HRESULT_FROM_WIN32 finds the Win32 row */
    CHECK(updx_code_lookup(0x80071A2Du, &i));
    CHECK_STR(i.name, "ERROR_TRANSACTION_NOT_ACTIVE");
    CHECK(i.via_win32);
    CHECK_INT(i.table_code, 6701);
    CHECK(updx_code_lookup(6701, &i));
    CHECK_STR(i.name, "ERROR_TRANSACTION_NOT_ACTIVE");
    CHECK(!i.via_win32);
    CHECK(updx_code_lookup(0x800F0922u, &i));
    CHECK_STR(i.name, "CBS_E_INSTALLERS_FAILED");
    CHECK(updx_code_lookup(0xC0000005u, &i));
    CHECK_STR(i.name, "STATUS_ACCESS_VIOLATION");
    CHECK(updx_code_lookup(0x80070070u, &i));
    CHECK_STR(i.name, "ERROR_DISK_FULL");
    CHECK(updx_code_lookup(0xC19001DFu, &i));
    CHECK_STR(i.name, "MOSETUP_E_DISK_FULL");
    CHECK(!updx_code_lookup(0x12345678u, &i));
    CHECK_STR(i.name, "");
    CHECK(!updx_code_lookup(0x8007FFFFu, &i));
    CHECK(updx_code_is_telemetry_remap(0xC1900108u));
    CHECK(!updx_code_is_telemetry_remap(0xC1900101u));
}

static void test_extend(void)
{
    updx_extend_info x;
    CHECK(updx_extend_decode(0x30018, &x));
    CHECK_INT(x.phase, 3);
    CHECK_INT(x.operation, 0x18);
    CHECK(x.phase_known && x.operation_known);
    CHECK_STR(x.phase_info.name, "SP_EXECUTION_FIRST_BOOT");
    CHECK_STR(x.operation_info.name, "SP_EXECUTION_OP_SYSPREP");
    CHECK(updx_extend_decode(0x4000D, &x));
    CHECK_STR(x.operation_info.name, "SP_EXECUTION_OP_MIGRATE_DATA");
    CHECK(updx_extend_decode(0x20, &x));
    CHECK_STR(x.operation_info.name, "SP_EXECUTION_OP_ADD_PROVISIONING_PACKAGE");
    CHECK(updx_extend_decode(0x60000, &x));
    CHECK(!x.phase_known); /* 0x60000 appears in Microsoft's docs, phase 6 in no table */
    CHECK(!updx_extend_decode(0x100000, &x));
    CHECK_STR(updx_upgrade_phase_name(UPDX_PHASE_SAFE_OS), "SAFE_OS");
    CHECK(updx_upgrade_phase_name(UPDX_PHASE_NONE) == NULL);
}

static void test_parse(void)
{
    uint32_t r, x;
    bool has;
    CHECK(updx_code_parse("0xC1900101-0x30017", &r, &x, &has) && has && r == 0xC1900101u && x == 0x30017);
    CHECK(updx_code_parse("0xC1900101 - 0x30017", &r, &x, &has) && has && r == 0xC1900101u && x == 0x30017);
    CHECK(updx_code_parse("80070070", &r, &x, &has) && !has && r == 0x80070070u);
    CHECK(updx_code_parse("-1047526904", &r, &x, &has) && !has && r == 0xC1900208u);
    CHECK(updx_code_parse("0x7E", &r, &x, &has) && r == 0x7E);
    CHECK(updx_code_parse("1392", &r, &x, &has) && r == 1392);
    CHECK(!updx_code_parse("", &r, &x, &has));
    CHECK(!updx_code_parse("hello", &r, &x, &has));
    CHECK(!updx_code_parse("0x123456789", &r, &x, &has));
    CHECK(!updx_code_parse("0x1-", &r, &x, &has));
    CHECK(!updx_code_parse(NULL, &r, &x, &has));
}

int main(void)
{
    RUN(test_tables_well_formed);
    RUN(test_lookup);
    RUN(test_extend);
    RUN(test_parse);
    return harness_exit();
}
