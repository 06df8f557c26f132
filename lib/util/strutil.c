/* strutil.c: see strutil.h. */
#include "util/strutil.h"

#include <string.h>

int updx_strncasecmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ca = (unsigned char)updx_ascii_lower(a[i]);
        unsigned char cb = (unsigned char)updx_ascii_lower(b[i]);
        if (ca != cb)
            return ca - cb;
        if (!ca)
            return 0;
    }
    return 0;
}

int updx_strcasecmp(const char *a, const char *b)
{
    return updx_strncasecmp(a, b, SIZE_MAX);
}

bool updx_str_ends_with_ci(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return lx <= ls && updx_strncasecmp(s + ls - lx, suffix, lx) == 0;
}

bool updx_str_starts_with_ci(const char *s, const char *prefix)
{
    size_t lp = strlen(prefix);
    return strlen(s) >= lp && updx_strncasecmp(s, prefix, lp) == 0;
}

const char *updx_memcasemem(const char *hay, size_t len, const char *needle, size_t nlen)
{
    if (nlen == 0)
        return hay;
    if (nlen > len)
        return NULL;
    /* memchr (vectorised) finds candidates for the first character in either case; only
     * those are compared in full. This is a hot path of the setupapi and setupact readers. */
    char lo = updx_ascii_lower(needle[0]);
    char up = (lo >= 'a' && lo <= 'z') ? (char)(lo - 32) : lo;
    const char *end = hay + (len - nlen) + 1; /* candidates start before end */
    const char *p = hay;
    while (p < end) {
        const char *a = memchr(p, lo, (size_t)(end - p));
        const char *b = up != lo ? memchr(p, up, (size_t)((a ? a : end) - p)) : NULL;
        const char *c = b ? b : a;
        if (!c)
            return NULL;
        size_t i = 1;
        while (i < nlen && updx_ascii_lower(c[i]) == updx_ascii_lower(needle[i]))
            i++;
        if (i == nlen)
            return c;
        p = c + 1;
    }
    return NULL;
}

const char *updx_path_basename(const char *s)
{
    const char *base = s;
    for (const char *p = s; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    return base;
}

const char *updx_trim(const char *s, size_t *len)
{
    size_t n = *len;
    while (n && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
        s++;
        n--;
    }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    *len = n;
    return s;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = updx_ascii_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

bool updx_parse_hex(const char *s, size_t len, uint64_t *value, size_t *used)
{
    size_t i = 0;
    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        i = 2;
    size_t start = i;
    uint64_t v = 0;
    for (; i < len; i++) {
        int d = hex_digit(s[i]);
        if (d < 0)
            break;
        if (v > (UINT64_MAX >> 4))
            return false;
        v = v << 4 | (uint64_t)d;
    }
    if (i == start)
        return false;
    *value = v;
    if (used)
        *used = i;
    return true;
}

bool updx_parse_dec(const char *s, size_t len, uint64_t *value, size_t *used)
{
    size_t i = 0;
    uint64_t v = 0;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        uint64_t d = (uint64_t)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (i == 0)
        return false;
    *value = v;
    if (used)
        *used = i;
    return true;
}

bool updx_glob_ci(const char *g, const char *s)
{
    const char *star = NULL, *ss = NULL;
    while (*s) {
        if (*g == '*') {
            star = g++;
            ss = s;
        } else if (*g == '?' || (*g && updx_ascii_lower(*g) == updx_ascii_lower(*s))) {
            g++;
            s++;
        } else if (star) {
            g = star + 1;
            s = ++ss;
        } else
            return false;
    }
    while (*g == '*')
        g++;
    return !*g;
}
