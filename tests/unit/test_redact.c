/* test_redact.c: the redactor: every kind of secret, consistency, what must stay (versions,
 * times, GUIDs, built-in names, placeholders), UTF-16LE round trips and hostile input. */
#include "harness.h"

#include "collect/redact.h"

static char *red(updx_redactor *r, const char *in)
{
    static char out[4096];
    char *o = NULL;
    size_t n = 0;
    if (updx_redact_text(r, in, strlen(in), &o, &n) != 0)
        return "(failed)";
    snprintf(out, sizeof out, "%.*s", (int)n, o);
    free(o);
    return out;
}

static void test_addresses(void)
{
    updx_redactor *r = updx_redactor_new();
    CHECK_STR(red(r, "ip 10.20.30.40, again 10.20.30.40; other 172.16.0.9"),
              "ip 192.0.2.1, again 192.0.2.1; other 192.0.2.2");
    CHECK_STR(red(r, "loopback 127.0.0.1 any 0.0.0.0 mask 255.255.255.0"),
              "loopback 127.0.0.1 any 0.0.0.0 mask 255.255.255.0");
    CHECK_STR(red(r, "DriverVer = 06/21/2006,10.0.1.2 Version 1.2.3.4 build 6.1.7601.2"),
              "DriverVer = 06/21/2006,10.0.1.2 Version 1.2.3.4 build 6.1.7601.2");
    CHECK_STR(red(r, "10.0.19041.1 1.2.3.4.5 a10.1.1.1"), "10.0.19041.1 1.2.3.4.5 a10.1.1.1");
    CHECK_STR(red(r, "mac 00-1A-2B-3C-4D-5E and 00:1a:2b:3c:4d:5e"),
              "mac 00-00-5E-00-53-01 and 00:00:5E:00:53:01");
    CHECK_STR(red(r, "guid {4d36e972-e325-11ce-bfc1-08002be10318}"),
              "guid {4d36e972-e325-11ce-bfc1-08002be10318}");
    CHECK_STR(red(r, "v6 fe80::1c2d:3e4f:5a6b:7c8d%12 and ::1"),
              "v6 2001:db8::1%12 and ::1");
    CHECK_STR(red(r, "time 2022-05-05 16:18:32.182, code 0xC1900101-0x30017"),
              "time 2022-05-05 16:18:32.182, code 0xC1900101-0x30017");
    CHECK_STR(red(r, "sid S-1-5-21-1111111111-2222222222-3333333333-1001 and -500 "
                     "S-1-5-21-1111111111-2222222222-3333333333-500, system S-1-5-18"),
              "sid S-1-5-21-0-0-1-1001 and -500 S-1-5-21-0-0-1-500, system S-1-5-18");
    /* placeholders are never redacted again */
    CHECK_STR(red(r, "192.0.2.7 00-00-5E-00-53-09 S-1-5-21-0-0-4-1001 2001:db8::5"),
              "192.0.2.7 00-00-5E-00-53-09 S-1-5-21-0-0-4-1001 2001:db8::5");
    CHECK_INT(updx_redactor_distinct(r, UPDX_REDACT_IPV4), 2);
    CHECK_INT(updx_redactor_replacements(r, UPDX_REDACT_IPV4), 3);
    CHECK_INT(updx_redactor_distinct(r, UPDX_REDACT_MAC), 1);
    CHECK_INT(updx_redactor_distinct(r, UPDX_REDACT_SID), 1);
    CHECK_INT(updx_redactor_replacements(r, UPDX_REDACT_SID), 2);
    CHECK_INT(updx_redactor_distinct(r, UPDX_REDACT_IPV6), 1);
    updx_redactor_free(r);
}

static void test_names(void)
{
    updx_redactor *r = updx_redactor_new();
    CHECK(updx_redactor_add_name(r, UPDX_REDACT_COMPUTER, "PC-01"));
    CHECK(updx_redactor_add_name(r, UPDX_REDACT_DOMAIN, "corp.example.com"));
    CHECK(updx_redactor_add_name(r, UPDX_REDACT_DOMAIN, "CORP"));
    CHECK(!updx_redactor_add_name(r, UPDX_REDACT_USER, "Administrator"));
    CHECK(!updx_redactor_add_name(r, UPDX_REDACT_USER, "Public"));
    CHECK(!updx_redactor_add_name(r, UPDX_REDACT_USER, "x"));
    CHECK(!updx_redactor_add_name(r, UPDX_REDACT_USER, "1234"));
    CHECK(!updx_redactor_add_name(r, UPDX_REDACT_USER, "USER7"));
    const char *log = "user C:\\Users\\Zhang.San\\AppData and /Users/bob/x and \\Users\\Public\\y";
    updx_redactor_learn(r, log, strlen(log));
    CHECK_STR(red(r, log), "user C:\\Users\\USER1\\AppData and /Users/USER2/x and \\Users\\Public\\y");
    CHECK_STR(red(r, "pc-01.corp.example.com CORP\\zhang.san PC-010 MyPC-01"),
              "COMPUTER1.DOMAIN1 DOMAIN2\\USER1 PC-010 MyPC-01");
    CHECK_STR(red(r, "bobby bob"), "bobby USER2");
    CHECK_INT(updx_redactor_distinct(r, UPDX_REDACT_USER), 2);
    /* a non-ASCII user name (zh-CN machines) */
    const char *zh = "C:\\Users\\\xe5\xbc\xa0\xe4\xb8\x89\\Desktop \xe5\xbc\xa0\xe4\xb8\x89";
    updx_redactor_learn(r, zh, strlen(zh));
    CHECK_STR(red(r, zh), "C:\\Users\\USER3\\Desktop USER3");
    updx_redactor_free(r);
}

static void test_utf16(void)
{
    updx_redactor *r = updx_redactor_new();
    updx_redactor_add_name(r, UPDX_REDACT_COMPUTER, "PC-01");
    /* BOM + "PC-01 10.1.2.3 \u00e9" + a lone surrogate, which must survive */
    const char *ascii = "PC-01 10.1.2.3 ";
    unsigned char in[64];
    size_t n = 0;
    in[n++] = 0xff;
    in[n++] = 0xfe;
    for (const char *p = ascii; *p; p++) {
        in[n++] = (unsigned char)*p;
        in[n++] = 0;
    }
    in[n++] = 0xe9;
    in[n++] = 0;
    in[n++] = 0x00;
    in[n++] = 0xd8;
    void *out = NULL;
    size_t outlen = 0;
    CHECK_INT(updx_redact_buffer(r, in, n, &out, &outlen), 0);
    const char *want_ascii = "COMPUTER1 192.0.2.1 ";
    size_t want = 2 + 2 * strlen(want_ascii) + 4;
    CHECK_INT(outlen, want);
    if (outlen == want) {
        const unsigned char *o = out;
        CHECK(o[0] == 0xff && o[1] == 0xfe);
        int same = 1;
        for (size_t i = 0; want_ascii[i]; i++)
            same &= o[2 + 2 * i] == (unsigned char)want_ascii[i] && o[3 + 2 * i] == 0;
        CHECK(same);
        CHECK(o[outlen - 4] == 0xe9 && o[outlen - 3] == 0 && o[outlen - 2] == 0 && o[outlen - 1] == 0xd8);
    }
    free(out);
    CHECK(updx_redact_is_text("plain", 5));
    CHECK(!updx_redact_is_text("MDMP\0\0x", 7));
    CHECK(updx_redact_is_text(in, n));
    updx_redactor_free(r);
}

static void test_hostile(void)
{
    updx_redactor *r = updx_redactor_new();
    updx_redactor_add_name(r, UPDX_REDACT_USER, "alice");
    /* truncated patterns at the very end, long digit runs, colons everywhere */
    static const char *const inputs[] = {
        "S-1-5-21-", "S-1-5-21-1-2", "00-1A-2B-3C-4D-5", "10.1.2.", "fe80::", ":::::::::::",
        "1.1.1.1.1.1.1.1.1.1.1", "alic", "\\Users\\", "\\Users\\alice", "S-1-5-21-99999999999999999-1-1",
    };
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        char *o = NULL;
        size_t n = 0;
        CHECK_INT(updx_redact_text(r, inputs[i], strlen(inputs[i]), &o, &n), 0);
        free(o);
        updx_redactor_learn(r, inputs[i], strlen(inputs[i]));
    }
    char *o = NULL;
    size_t n = 7;
    CHECK_INT(updx_redact_text(r, "", 0, &o, &n), 0);
    CHECK_INT(n, 0);
    free(o);
    updx_redactor_free(r);
}

int main(void)
{
    RUN(test_addresses);
    RUN(test_names);
    RUN(test_utf16);
    RUN(test_hostile);
    return harness_exit();
}
