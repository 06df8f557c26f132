/* encoding.c: pure guesses about bytes: is it UTF-8, UTF-16 or a legacy code page, and which. */
#include <stdio.h>
#include <string.h>

#include "text/text_internal.h"

bool updx_utf8_valid(const void *data, size_t len)
{
    const uint8_t *s = data;
    size_t i = 0;
    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = updx_utf8_seq_len(s + i, len - i);
        if (!k)
            return false;
        i += k;
    }
    return true;
}

const char *updx_codepage_guess(const void *sample, size_t len)
{
    const uint8_t *s = sample;
    /* Statistics over runs of high bytes that are not valid UTF-8. CJK double-byte text
     * comes in even-length runs (lead+trail pairs, trails sometimes below 0x80 in Big5 and
     * Shift-JIS, whose kana pairs tell Japanese apart);
     * Cyrillic words make long runs of mixed parity; Western text has isolated bytes. */
    uint64_t runs = 0, even_runs = 0, run_bytes = 0, pairs = 0, low_trail_pairs = 0, kana_pairs = 0;
    size_t i = 0;
    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = updx_utf8_seq_len(s + i, len - i);
        if (k > 1) {
            i += k;
            continue;
        }
        /* an invalid run: count bytes >= 0x80, letting a DBCS trail below 0x80 join */
        size_t start = i, high = 0;
        while (i < len) {
            if (s[i] >= 0x81 && s[i] != 0xFF && i + 1 < len && s[i + 1] >= 0x40 && s[i + 1] != 0x7F &&
                s[i + 1] != 0xFF) {
                pairs++;
                if (s[i + 1] < 0x80)
                    low_trail_pairs++;
                /* Shift-JIS hiragana (82 9F-F1) and katakana (83 40-96): GBK has next to no
                 * characters there and Big5 none, while Japanese text is half kana */
                if ((s[i] == 0x82 && s[i + 1] >= 0x9F && s[i + 1] <= 0xF1) ||
                    (s[i] == 0x83 && s[i + 1] >= 0x40 && s[i + 1] <= 0x96))
                    kana_pairs++;
                high += 2;
                i += 2;
                if (i < len && s[i] >= 0x80)
                    continue;
                break;
            }
            if (s[i] >= 0x80) {
                high++;
                i++;
                continue;
            }
            break;
        }
        runs++;
        run_bytes += i - start;
        if (high % 2 == 0)
            even_runs++;
    }
    if (runs == 0)
        return "CP1252";
    bool cjk = even_runs * 10 >= runs * 9 && run_bytes >= 2 * runs + (runs > 2 ? runs : 0);
    if (cjk) {
        if (pairs && kana_pairs * 4 >= pairs)
            return "CP932";
        if (pairs && low_trail_pairs * 5 >= pairs)
            return "CP950";
        return "GB18030";
    }
    if (run_bytes * 2 >= runs * 5)
        return "CP1251";
    return "CP1252";
}

static bool looks_utf16(const uint8_t *s, size_t len, bool *big_endian)
{
    size_t n = len & ~(size_t)1;
    if (n < 4)
        return false;
    size_t zero_even = 0, zero_odd = 0;
    for (size_t i = 0; i < n; i += 2) {
        zero_even += s[i] == 0;
        zero_odd += s[i + 1] == 0;
    }
    size_t units = n / 2;
    if (zero_odd * 10 >= units * 4 && zero_even * 20 <= units) {
        *big_endian = false;
        return true;
    }
    if (zero_even * 10 >= units * 4 && zero_odd * 20 <= units) {
        *big_endian = true;
        return true;
    }
    return false;
}

updx_encoding_info updx_encoding_sniff(const void *sample, size_t len)
{
    const uint8_t *s = sample;
    updx_encoding_info info = {.encoding = UPDX_ENC_EMPTY};
    if (len == 0)
        return info;
    if (len >= 2 && s[0] == 0xFF && s[1] == 0xFE) {
        info.encoding = UPDX_ENC_UTF16LE;
        info.bom = true;
        return info;
    }
    if (len >= 2 && s[0] == 0xFE && s[1] == 0xFF) {
        info.encoding = UPDX_ENC_UTF16BE;
        info.bom = true;
        return info;
    }
    bool be;
    if (looks_utf16(s, len, &be)) {
        info.encoding = be ? UPDX_ENC_UTF16BE : UPDX_ENC_UTF16LE;
        return info;
    }
    size_t off = 0;
    if (len >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF) {
        info.bom = true;
        off = 3;
    }
    size_t ctrl = 0, nul = 0, high = 0;
    for (size_t i = off; i < len; i++) {
        uint8_t c = s[i];
        if (c == 0)
            nul++;
        else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1A &&
                 c != 0x1B && c != '\v')
            ctrl++;
        else if (c >= 0x80)
            high++;
    }
    size_t body = len - off;
    if (body && (ctrl * 20 > body || nul * 10 > body * 3)) {
        info.encoding = UPDX_ENC_BINARY;
        return info;
    }
    if (high == 0) {
        info.encoding = body ? UPDX_ENC_ASCII : UPDX_ENC_EMPTY;
        if (info.bom)
            info.encoding = UPDX_ENC_UTF8;
        return info;
    }
    /* A sample may end inside a UTF-8 sequence: ignore up to 3 trailing bytes. */
    size_t check = body;
    for (int k = 0; k < 3 && check && (s[off + check - 1] & 0xC0) == 0x80; k++)
        check--;
    if (check && s[off + check - 1] >= 0xC0)
        check--;
    bool any_invalid = false, any_multi = false;
    for (size_t i = off; i < off + check;) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = updx_utf8_seq_len(s + i, off + check - i);
        if (k) {
            any_multi = true;
            i += k;
        } else {
            any_invalid = true;
            i++;
        }
    }
    if (!any_invalid) {
        info.encoding = UPDX_ENC_UTF8;
        return info;
    }
    info.codepage = updx_codepage_guess(s + off, body);
    info.encoding = any_multi || info.bom ? UPDX_ENC_MIXED : UPDX_ENC_LEGACY; /* as the reader says */
    return info;
}

const char *updx_encoding_describe(updx_encoding_info info, char *buf, size_t size)
{
    const char *cp = info.codepage ? info.codepage : "cp1252";
    char lower[32];
    size_t i = 0;
    for (; cp[i] && i + 1 < sizeof lower; i++)
        lower[i] = (cp[i] >= 'A' && cp[i] <= 'Z') ? (char)(cp[i] + 32) : cp[i];
    lower[i] = '\0';
    switch (info.encoding) {
    case UPDX_ENC_EMPTY: snprintf(buf, size, "empty"); break;
    case UPDX_ENC_ASCII: snprintf(buf, size, "ascii"); break;
    case UPDX_ENC_UTF8: snprintf(buf, size, info.bom ? "utf-8-bom" : "utf-8"); break;
    case UPDX_ENC_MIXED: snprintf(buf, size, "utf-8+%s", lower); break;
    case UPDX_ENC_LEGACY: snprintf(buf, size, "%s", lower); break;
    case UPDX_ENC_UTF16LE: snprintf(buf, size, "utf-16le"); break;
    case UPDX_ENC_UTF16BE: snprintf(buf, size, "utf-16be"); break;
    case UPDX_ENC_BINARY: snprintf(buf, size, "binary"); break;
    }
    return buf;
}

