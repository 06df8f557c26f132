/* test_strutil.c: the locale-free string helpers, against simple reference versions. */
#include "harness.h"

#include "util/strutil.h"

/* the obvious quadratic search, to compare the fast one with */
static const char *ref_memcasemem(const char *h, size_t len, const char *n, size_t nlen)
{
    for (size_t i = 0; i + nlen <= len; i++)
        if (updx_strncasecmp(h + i, n, nlen) == 0)
            return h + i;
    return nlen == 0 ? h : NULL;
}

static void test_memcasemem(void)
{
    const char hay[] = "inf: DelService=LWFMGR,0x200  (lwfmgr.inf line 82) dVi: Deleted";
    CHECK(updx_memcasemem(hay, sizeof hay - 1, "delservice=", 11) == hay + 5);
    CHECK(updx_memcasemem(hay, sizeof hay - 1, "lwfmgr.INF", 10) == hay + 31);
    CHECK(updx_memcasemem(hay, sizeof hay - 1, "DVI:", 4) == hay + 51);
    CHECK(updx_memcasemem(hay, sizeof hay - 1, "Deleted", 7) == hay + sizeof hay - 8);
    CHECK(updx_memcasemem(hay, sizeof hay - 1, "deletedx", 8) == NULL);
    CHECK(updx_memcasemem(hay, 3, "inf:", 4) == NULL);
    CHECK(updx_memcasemem("0x80", 4, "0X8", 3) != NULL);
    /* a pseudo-random sweep against the reference, including non-letters and high bytes */
    unsigned seed = 12345;
    char h[64], n[6];
    for (int round = 0; round < 20000; round++) {
        size_t hl = (seed = seed * 1103515245 + 12345) % sizeof h;
        size_t nl = 1 + (seed = seed * 1103515245 + 12345) % 4;
        static const char alphabet[] = "aAbB:0\xe4\xc4";
        for (size_t i = 0; i < hl; i++)
            h[i] = alphabet[(seed = seed * 1103515245 + 12345) >> 16 & 7];
        for (size_t i = 0; i < nl; i++)
            n[i] = alphabet[(seed = seed * 1103515245 + 12345) >> 16 & 7];
        if (updx_memcasemem(h, hl, n, nl) != ref_memcasemem(h, hl, n, nl)) {
            CHECK(!"memcasemem differs from the reference");
            break;
        }
    }
}

static void test_glob_and_numbers(void)
{
    CHECK(updx_glob_ci("IntcAudio*.sys", "intcaudiobus.SYS"));
    CHECK(updx_glob_ci("*", ""));
    CHECK(!updx_glob_ci("a?c", "ac"));
    CHECK(updx_glob_ci("*lwf*", "C:\\drivers\\LWFMGR.sys"));
    uint64_t v;
    size_t used;
    CHECK(updx_parse_hex("0x80071a2d)", 11, &v, &used) && v == 0x80071a2d && used == 10);
    CHECK(!updx_parse_hex("0x", 2, &v, &used));
    CHECK(!updx_parse_hex("0x1ffffffffffffffff", 19, &v, &used)); /* does not fit */
    CHECK(updx_parse_dec("18446744073709551615", 20, &v, &used) && v == UINT64_MAX);
    CHECK(!updx_parse_dec("18446744073709551616", 20, &v, &used));
    CHECK_STR(updx_path_basename("C:\\Windows\\INF/setupapi.dev.log"), "setupapi.dev.log");
    size_t n = 8;
    const char *t = updx_trim(" \tab c\r\n", &n);
    CHECK(n == 4 && memcmp(t, "ab c", 4) == 0);
}

int main(void)
{
    RUN(test_memcasemem);
    RUN(test_glob_and_numbers);
    return harness_exit();
}
