/* test_codes.c: the error-code tables under data/codes/ and their lookups. */
#include "harness.h"

#include "knowledge/codes.h"
#include "util/embedded.h"

/* The code tables a support engineer edits by hand (the extended-code halves are separate). */
static const char *const code_tables[] = {"codes/mosetup.tsv", "codes/hresult.tsv",
                                          "codes/win32.tsv", "codes/ntstatus.tsv",
                                          "codes/extend_phase.tsv", "codes/extend_op.tsv"};

/* Rows per table we check for duplicates; far above what any table holds. */
enum { MAX_TABLE_ROWS = 4096 };

/* The numeric codes of a table's data rows, in file order; returns the count, -1 when the
 * table is missing or too long. Reads the embedded copy the lookups use. */
static int table_codes(const char *path, uint32_t *codes, int cap)
{
    const struct updx_embedded_file *ef = updx_embedded_find(path);
    if (!ef)
        return -1;
    const char *p = (const char *)ef->data, *end = p + ef->size;
    int n = 0;
    int header_seen = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (le > p && *p != '#' && *p != '\r') {
            if (!header_seen) {
                header_seen = 1;
            } else {
                char buf[32];
                size_t len = 0;
                while (p + len < le && p[len] != '\t' && len < sizeof buf - 1)
                    len++;
                memcpy(buf, p, len);
                buf[len] = '\0';
                if (n >= cap)
                    return -1;
                codes[n++] = (uint32_t)strtoul(buf, NULL, 0);
            }
        }
        p = nl ? nl + 1 : end;
    }
    return n;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void test_tables_well_formed(void)
{
    for (size_t i = 0; i < sizeof code_tables / sizeof code_tables[0]; i++) {
        size_t bad = 0;
        int rows = updx_code_table_check(code_tables[i], &bad);
        if (rows < 0)
            fprintf(stderr, "%s: bad line %zu\n", code_tables[i], bad);
        CHECK(rows > 5);
    }
    size_t bad;
    CHECK_INT(updx_code_table_check("codes/none.tsv", &bad), -1);
    /* the widened tables: a lower bound, so a lost block of rows is noticed */
    CHECK(updx_code_table_check("codes/win32.tsv", &bad) >= 110);
    CHECK(updx_code_table_check("codes/hresult.tsv", &bad) >= 85);
    CHECK(updx_code_table_check("codes/ntstatus.tsv", &bad) >= 40);
}

/* A code listed twice would make the second row dead text: lookups stop at the first. */
static void test_tables_no_duplicates(void)
{
    static uint32_t codes[MAX_TABLE_ROWS];
    for (size_t i = 0; i < sizeof code_tables / sizeof code_tables[0]; i++) {
        int n = table_codes(code_tables[i], codes, MAX_TABLE_ROWS);
        CHECK(n > 0);
        if (n <= 0)
            continue;
        qsort(codes, (size_t)n, sizeof codes[0], cmp_u32);
        for (int k = 1; k < n; k++) {
            if (codes[k] == codes[k - 1]) {
                fprintf(stderr, "%s: code 0x%08" PRIX32 " appears twice\n", code_tables[i],
                        codes[k]);
                CHECK(codes[k] != codes[k - 1]);
            }
        }
    }
    /* 0x8007xxxx rows in hresult.tsv would hide the win32.tsv row (and its fix) */
    int n = table_codes("codes/hresult.tsv", codes, MAX_TABLE_ROWS);
    for (int k = 0; k < n; k++)
        CHECK((codes[k] & 0xFFFF0000u) != 0x80070000u);
}

/* One sample row: found through the public lookup, with its name, table and zh text. */
static void check_row(uint32_t code, const char *name, const char *table)
{
    updx_code_info i;
    bool found = updx_code_lookup(code, &i);
    if (!found)
        fprintf(stderr, "0x%08" PRIX32 ": not found\n", code);
    CHECK(found);
    CHECK_STR(i.name, name);
    CHECK_STR(i.table, table);
    CHECK(i.en[0] != '\0' && i.zh[0] != '\0');
    /* a fix is written in both languages or in neither */
    CHECK((i.fix_en[0] != '\0') == (i.fix_zh[0] != '\0'));
}

static void test_widened_tables(void)
{
    /* win32.tsv, as plain Win32 values and as HRESULT_FROM_WIN32 */
    check_row(1, "ERROR_INVALID_FUNCTION", "win32");
    check_row(0x80070008u, "ERROR_NOT_ENOUGH_MEMORY", "win32");
    check_row(0x8007045Bu, "ERROR_SHUTDOWN_IN_PROGRESS", "win32");
    check_row(0x80070BC2u, "ERROR_SUCCESS_REBOOT_REQUIRED", "win32");
    check_row(0x80070BC9u, "ERROR_FAIL_REBOOT_REQUIRED", "win32");
    check_row(0x80072EE2u, "ERROR_INTERNET_TIMEOUT", "win32");
    check_row(0x80073701u, "ERROR_SXS_ASSEMBLY_MISSING", "win32");
    check_row(0x80073712u, "ERROR_SXS_COMPONENT_STORE_CORRUPT", "win32");
    check_row(0x8007371Bu, "ERROR_SXS_TRANSACTION_CLOSURE_INCOMPLETE", "win32");
    check_row(6801, "ERROR_RM_NOT_ACTIVE", "win32");
    updx_code_info i;
    CHECK(updx_code_lookup(0x80073712u, &i) && i.via_win32 && i.table_code == 14098);
    CHECK(i.fix_en[0] != '\0');

    /* hresult.tsv: Windows Update, CBS/PSFX, COM and trust, SetupAPI */
    check_row(0x8024200Du, "WU_E_UH_NEEDANOTHERDOWNLOAD", "hresult");
    check_row(0x80240034u, "WU_E_DOWNLOAD_FAILED", "hresult");
    check_row(0x8024402Cu, "WU_E_PT_WINHTTP_NAME_NOT_RESOLVED", "hresult");
    check_row(0x80244018u, "WU_E_PT_HTTP_STATUS_FORBIDDEN", "hresult");
    check_row(0x80240020u, "WU_E_NO_INTERACTIVE_USER", "hresult");
    check_row(0x8024000Bu, "WU_E_CALL_CANCELLED", "hresult");
    check_row(0x80246007u, "WU_E_DM_NOTDOWNLOADED", "hresult");
    check_row(0x800F0906u, "CBS_E_DOWNLOAD_FAILURE", "hresult");
    check_row(0x800F0907u, "CBS_E_GROUPPOLICY_DISALLOWED", "hresult");
    check_row(0x800F0984u, "PSFX_E_MATCHING_BINARY_MISSING", "hresult");
    check_row(0x800B0100u, "TRUST_E_NOSIGNATURE", "hresult");
    check_row(0xE000022Fu, "ERROR_NO_CATALOG_FOR_OEM_INF", "hresult");
    check_row(0xE0000249u, "ERROR_DRIVER_INSTALL_BLOCKED", "hresult");
    /* the rows that were there before still win */
    check_row(0x800F081Fu, "CBS_E_SOURCE_MISSING", "hresult");
    check_row(0x80070005u, "ERROR_ACCESS_DENIED", "win32");

    /* ntstatus.tsv: bug-check parameters and CBS/setup log values */
    check_row(0xC0000006u, "STATUS_IN_PAGE_ERROR", "ntstatus");
    check_row(0xC000001Du, "STATUS_ILLEGAL_INSTRUCTION", "ntstatus");
    check_row(0xC0000135u, "STATUS_DLL_NOT_FOUND", "ntstatus");
    check_row(0xC000014Cu, "STATUS_REGISTRY_CORRUPT", "ntstatus");
    check_row(0xC0000409u, "STATUS_STACK_BUFFER_OVERRUN", "ntstatus");
    check_row(0xC0000420u, "STATUS_ASSERTION_FAILURE", "ntstatus");

    /* mosetup.tsv: the SetupDiag reference list, end to end */
    check_row(0xC1900216u, "MOSETUP_E_ROLLBACK_PENDING", "mosetup");
    check_row(0xC1900405u, "MOSETUP_E_UA_BOX_CRASHED", "mosetup");
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
    RUN(test_tables_no_duplicates);
    RUN(test_widened_tables);
    RUN(test_lookup);
    RUN(test_extend);
    RUN(test_parse);
    return harness_exit();
}
