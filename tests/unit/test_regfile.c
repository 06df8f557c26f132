/* test_regfile.c: .reg exports (UTF-16LE version 5 and ANSI REGEDIT4) and `reg query`
 * output, all generated here, give the same service/class/OS/program facts as a hive. */
#include "harness.h"

#include "model/case.h"
#include "sys/regfile.h"
#include "sys/sys_facts.h"
#include "updx/updx.h"
#include "util/buf.h"

/* Appends `s` as a .reg hex list of UTF-16LE (wide) or ANSI bytes with the terminating
 * NUL(s), wrapped like regedit: ",\" then two spaces on the next line. `multi` separates
 * strings at '|' and adds the final empty string. */
static void add_hex_string(updx_buf *b, const char *s, int wide, int multi)
{
    int col = 0, first = 1;
    unsigned char bytes[4096];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p && n < sizeof bytes - 8;) {
        unsigned cp = *p++;
        if (cp == '|' && multi)
            cp = 0;
        else if (cp >= 0xE0 && p[0] && p[1]) {  /* three-byte UTF-8 (the zh-CN text) */
            cp = (cp & 0x0F) << 12 | (p[0] & 0x3Fu) << 6 | (p[1] & 0x3Fu);
            p += 2;
        }
        bytes[n++] = (unsigned char)cp;
        if (wide)
            bytes[n++] = (unsigned char)(cp >> 8);
    }
    size_t term = (size_t)(wide ? 2 : 1) * (multi ? 2 : 1);
    for (size_t i = 0; i < term; i++)
        bytes[n++] = 0;
    for (size_t i = 0; i < n; i++) {
        if (!first)
            updx_buf_addc(b, ',');
        if (col > 70) {
            updx_buf_adds(b, "\\\r\n  ");
            col = 2;
        }
        updx_buf_printf(b, "%02x", bytes[i]);
        col += 3;
        first = 0;
    }
    updx_buf_adds(b, "\r\n");
}

/* The export's text (UTF-8); `wide` picks version 5 (hex(2) as UTF-16LE) or REGEDIT4. */
static void build_export(updx_buf *b, int wide)
{
    updx_buf_adds(b, wide ? "Windows Registry Editor Version 5.00\r\n\r\n" : "REGEDIT4\r\n\r\n");
    updx_buf_adds(b, "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\lwfmgr]\r\n"
                     "\"Type\"=dword:00000001\r\n"
                     "\"Start\"=dword:00000001\r\n"
                     "\"ErrorControl\"=dword:00000001\r\n"
                     "\"ImagePath\"=hex(2):");
    add_hex_string(b, "\\SystemRoot\\System32\\drivers\\lwfmgr.sys", wide, 0);
    updx_buf_adds(b, "\"DisplayName\"=\"TMS \\\"Lightweight\\\" Filter Manager\"\r\n"
                     "\"Group\"=\"NDIS\"\r\n"
                     "\"Owners\"=hex(7):");
    add_hex_string(b, "oem42.inf|oem43.inf", wide, 1);
    if (wide) {
        updx_buf_adds(b, "\"Description\"=hex(2):");
        add_hex_string(b, "\xE7\xBB\x88\xE7\xAB\xAF\xE7\xBD\x91\xE7\xBB\x9C", wide, 0);  /* 终端网络 */
    }
    updx_buf_adds(b, "\r\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\lwfmgr\\Parameters]\r\n"
                     "\"Start\"=dword:00000004\r\n"
                     "\r\n[-HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\gone]\r\n"
                     "\"Start\"=dword:00000002\r\n"
                     "\r\n; a comment\r\n"
                     "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\Class\\{4d36e972-e325-11ce-bfc1-08002be10318}]\r\n"
                     "\"Class\"=\"Net\"\r\n"
                     "\"UpperFilters\"=hex(7):");
    add_hex_string(b, "lwfmgr", wide, 1);
    updx_buf_adds(b, "\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion]\r\n"
                     "\"CurrentBuild\"=\"19044\"\r\n"
                     "\"UBR\"=dword:000006aa\r\n"
                     "\"InstallTime\"=hex(b):01,02,00,00,00,00,00,00\r\n"
                     "\"DigitalProductId\"=hex:a4,00,00,00\r\n"
                     "@=\"default\"\r\n"
                     "\"Deleted\"=-\r\n"
                     "\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\TMS]\r\n"
                     "\"DisplayName\"=\"TMS Terminal Management Agent\"\r\n"
                     "\"Publisher\"=\"Example Terminal Software Co., Ltd.\"\r\n"
                     "\r\n[HKEY_CURRENT_USER\\Software\\Ignored]\r\n"
                     "\"Start\"=dword:00000003\r\n");
}

/* UTF-8 (BMP only) to UTF-16LE with a BOM, as regedit writes version 5 files. */
static unsigned char *to_utf16le(const char *s, size_t *out_len)
{
    size_t n = strlen(s);
    unsigned char *o = malloc(2 * n + 2), *w = o;
    *w++ = 0xFF;
    *w++ = 0xFE;
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        unsigned cp = *p++;
        if (cp >= 0xE0) {
            cp = (cp & 0x0F) << 12 | (p[0] & 0x3Fu) << 6 | (p[1] & 0x3Fu);
            p += 2;
        } else if (cp >= 0xC0) {
            cp = (cp & 0x1F) << 6 | (p[0] & 0x3Fu);
            p += 1;
        }
        *w++ = (unsigned char)cp;
        *w++ = (unsigned char)(cp >> 8);
    }
    *out_len = (size_t)(w - o);
    return o;
}

static void check_export_facts(updx_case *c, int wide)
{
    const updx_sys_service *s = updx_sys_find_service(c, "lwfmgr.sys");
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_INT(s->control_set, 0);  /* CurrentControlSet */
    CHECK(s->has_start && s->start == 1);   /* Parameters\Start=4 is not the service's */
    CHECK(s->has_type && s->type == 1);
    CHECK(s->has_error_control && s->error_control == 1);
    CHECK_STR(s->image_path, "\\SystemRoot\\System32\\drivers\\lwfmgr.sys");  /* wrapped hex(2) */
    CHECK_STR(s->display_name, "TMS \"Lightweight\" Filter Manager");        /* escapes */
    CHECK_STR(s->group, "NDIS");
    CHECK_INT(s->owners.len, 2);
    if (s->owners.len == 2)
        CHECK_STR(*(const char **)updx_avec_at(&s->owners, 1), "oem43.inf");
    if (wide)
        CHECK_STR(s->description, "\xE7\xBB\x88\xE7\xAB\xAF\xE7\xBD\x91\xE7\xBB\x9C");
    CHECK_STR(s->source.key, "CurrentControlSet\\Services\\lwfmgr");
    CHECK(updx_sys_find_service(c, "gone") == NULL);  /* deleted key */
    CHECK_INT(c->sys->services.len, 1);
    updx_sys_filter_ref refs[2];
    CHECK_INT(updx_sys_filter_refs(c, "LWFMGR", refs, 2), 1);
    CHECK_STR(refs[0].cls->class_name, "Net");
    const updx_sys_os *os = updx_sys_os_facts(c);
    CHECK_STR(os->current_build, "19044");
    CHECK(os->has_ubr && os->ubr == 0x6aa);
    CHECK_INT(c->sys->programs.len, 1);
    const updx_sys_program *p = updx_sys_program_for_driver(c, s, NULL);
    CHECK(p && p->wow64);
    CHECK_STR(p ? p->publisher : NULL, "Example Terminal Software Co., Ltd.");
    CHECK_INT(c->sys->reg_exports_read, 1);
}

static void test_utf16_export(void)
{
    updx_buf b;
    updx_buf_init(&b, 1 << 20);
    build_export(&b, 1);
    size_t len;
    unsigned char *w = to_utf16le(b.data, &len);
    CHECK(updx_regfile_sniff(w, len));
    updx_case *c = updx_case_new("t", NULL);
    CHECK_INT(updx_regfile_read(c, "services.reg", w, len), UPDX_OK);
    check_export_facts(c, 1);
    CHECK_INT(c->notes.items.len, 0);
    updx_case_free(c);
    free(w);
    updx_buf_free(&b);
}

static void test_ansi_regedit4(void)
{
    updx_buf b;
    updx_buf_init(&b, 1 << 20);
    build_export(&b, 0);
    CHECK(updx_regfile_sniff((const uint8_t *)b.data, b.len));
    updx_case *c = updx_case_new("t", NULL);
    CHECK_INT(updx_regfile_read(c, "old.reg", (const uint8_t *)b.data, b.len), UPDX_OK);
    check_export_facts(c, 0);
    updx_case_free(c);
    updx_buf_free(&b);
}

static void test_reg_query(void)
{
    const char *q =
        "\r\n"
        "HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\lwfmgr\r\n"
        "    Type    REG_DWORD    0x1\r\n"
        "    Start    REG_DWORD    0x1\r\n"
        "    ErrorControl    REG_DWORD    0x1\r\n"
        "    ImagePath    REG_EXPAND_SZ    \\SystemRoot\\System32\\drivers\\lwfmgr.sys\r\n"
        "    DisplayName    REG_SZ    TMS Lightweight Filter Manager\r\n"
        "    Owners    REG_MULTI_SZ    oem42.inf\\0oem43.inf\r\n"
        "    Group    REG_SZ    NDIS\r\n"
        "    (Default)    REG_SZ    \r\n"
        "    Broken\r\n"
        "\r\n"
        "HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\lwfmgr\\Parameters\r\n"
        "    Start    REG_DWORD    0x4\r\n"
        "\r\n"
        "HKEY_LOCAL_MACHINE\\SYSTEM\\Select\r\n"
        "    Current    REG_DWORD    0x1\r\n"
        "\r\n"
        "HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\r\n"
        "    EditionID    REG_SZ    Enterprise\r\n"
        "    UBR    REG_DWORD    0x6aa\r\n"
        "    InstallTime    REG_QWORD    0x1d7b1a2b3c4d5e6\r\n"
        "\r\n"
        "End of search: 12 match(es) found.\r\n";
    CHECK(updx_regfile_sniff((const uint8_t *)q, strlen(q)));
    updx_case *c = updx_case_new("t", NULL);
    CHECK_INT(updx_regfile_read(c, "lwfmgr.txt", (const uint8_t *)q, strlen(q)), UPDX_PARTIAL);
    CHECK_INT(updx_notes_count(&c->notes, UPDX_NOTE_DAMAGED), 1);  /* "    Broken" */
    const updx_sys_service *s = updx_sys_find_service(c, "lwfmgr");
    CHECK(s && s->control_set == 1 && s->start == 1 && s->type == 1);
    CHECK_STR(s ? s->image_path : NULL, "\\SystemRoot\\System32\\drivers\\lwfmgr.sys");
    CHECK_STR(s ? s->display_name : NULL, "TMS Lightweight Filter Manager");
    CHECK_INT(s ? s->owners.len : 0, 2);
    CHECK_INT(updx_sys_os_facts(c)->current_control_set, 1);
    CHECK_STR(updx_sys_os_facts(c)->edition_id, "Enterprise");
    CHECK_INT(updx_sys_os_facts(c)->ubr, 0x6aa);
    updx_case_free(c);
}

static void test_not_an_export(void)
{
    updx_case *c = updx_case_new("t", NULL);
    CHECK(!updx_regfile_sniff((const uint8_t *)"hello", 5));
    CHECK_INT(updx_regfile_read(c, "x", (const uint8_t *)"hello\nworld\n", 12), UPDX_ERR_FORMAT);
    CHECK_INT(updx_regfile_read(c, "x", NULL, 0), UPDX_ERR_FORMAT);
    /* bad lines become notes; reading goes on */
    const char *bad = "REGEDIT4\n[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\a\n"
                      "[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\b]\n"
                      "\"Start\"=dword:zz\n\"Type\"=hex(4):01,00,00,00\n\"X\"=hex(q):00\n"
                      "\"Y\"=hex:0g\n\"Z\"=\"open\nnonsense\n\"ImagePath\"=hex(2):41,\\\n 42,00\n";
    CHECK_INT(updx_regfile_read(c, "bad.reg", (const uint8_t *)bad, strlen(bad)), UPDX_PARTIAL);
    CHECK_INT(updx_notes_count(&c->notes, UPDX_NOTE_DAMAGED), 6);
    const updx_sys_service *s = updx_sys_find_service(c, "b");
    CHECK(s && s->has_type && s->type == 1 && !s->has_start);
    CHECK_STR(s ? s->image_path : NULL, "AB");  /* REGEDIT4: hex(2) is ANSI, wrapped */
    updx_case_free(c);
}

/* The appraiser's verdict per target release (a safeguard hold shows as GatedBlockId) is kept
 * as a setting, which the rules read as the fact appraiser.gated_block_id. */
static void test_upgrade_indicators(void)
{
    static const char reg[] =
        "Windows Registry Editor Version 5.00\r\n\r\n"
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\AppCompatFlags\\"
        "TargetVersionUpgradeExperienceIndicators\\GE24H2]\r\n"
        "\"GatedBlockId\"=\"56318982\"\r\n\"RedReason\"=\"None\"\r\n\"UpgEx\"=\"Red\"\r\n";
    updx_case *c = updx_case_new("r", NULL);
    CHECK_INT(updx_regfile_read(c, "indicators.reg", (const uint8_t *)reg, sizeof reg - 1), UPDX_OK);
    bool gated = false;
    for (size_t i = 0; c->sys && i < c->sys->settings.len; i++) {
        const updx_sys_setting *st = updx_avec_at(&c->sys->settings, i);
        gated |= strcmp(st->name, "GatedBlockId") == 0 && strcmp(st->value, "56318982") == 0 &&
                 strstr(st->source.key, "GE24H2") != NULL;
    }
    CHECK(gated);
    updx_case_free(c);
}

int main(void)
{
    RUN(test_utf16_export);
    RUN(test_ansi_regedit4);
    RUN(test_reg_query);
    RUN(test_not_an_export);
    RUN(test_upgrade_indicators);
    return harness_exit();
}
