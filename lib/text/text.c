/* text.c: the text layer (see text.h for the contract). */
#include "text/text.h"

#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "updx/updx.h"
#include "util/buf.h"

enum {
    TEXT_BLOCK = 1 << 20,          /* streaming window */
    PF_REGION = 1 << 20,           /* bytes a prefilter scan covers at most */
    PF_MAX_HITS = 1 << 18,         /* hits kept per region (a region with more is cut short) */
    PF_MAX_LINE_HITS = 4096,       /* hit ids handed out with one line */
    TEXT_DEFAULT_MAX_LINE = 1 << 20,
    TEXT_SNIFF_BYTES = 64 << 10,   /* sample used to guess a code page */
};

typedef enum { UNIT_BYTE, UNIT_UTF16LE, UNIT_UTF16BE } unit_mode;

struct updx_text {
    updx_source *src;       /* NULL when reading memory */
    uint8_t *block;         /* streaming window storage */
    const uint8_t *win;     /* bytes being split: block, or the caller's memory */
    size_t pos, end;
    bool eof;
    uint64_t base_offset;   /* file offset of win[0] */
    bool started;
    unit_mode mode;
    uint32_t max_line;
    updx_buf raw;           /* a line that spans windows */
    updx_buf out;           /* the decoded line handed out */
    uint64_t lineno;
    /* encoding bookkeeping */
    bool bom, any_nonascii, any_utf8_multi, any_legacy;
    const char *codepage;   /* chosen fallback (static name) */
    bool codepage_forced;
    iconv_t cd;
    bool cd_open, cd_failed;
    uint64_t n_cut, n_legacy, n_replaced;
    updx_line_observer observer;
    void *observer_ud;
    bool carried;           /* the last raw line was assembled in `raw` */
    unsigned scan_classes;  /* byte_classes of the bytes find_eol passed over last */
    bool line_classes_known;
    unsigned line_classes;  /* byte_classes of the raw line handed out, when known */
    /* prefilter: hits of the covered region [pf_from, pf_to) of the file, by end offset */
    updx_litset *pf;
    uint64_t pf_after;
    uint64_t pf_from, pf_to;
    updx_lithit *hits;
    size_t nhits, hits_cap, hit_pos;
    bool hits_overflow;
    uint32_t *line_hits;
};

/* ---- pure helpers ------------------------------------------------------------------ */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not valid. */
static size_t utf8_seq_len(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return n >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && s[1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && s[1] >= 0xA0)
            return 0; /* surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && s[1] < 0x90)
            return 0;
        if (c == 0xF4 && s[1] >= 0x90)
            return 0;
        return 4;
    }
    return 0;
}

bool updx_utf8_valid(const void *data, size_t len)
{
    const uint8_t *s = data;
    size_t i = 0;
    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_seq_len(s + i, len - i);
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
     * comes in even-length runs (lead+trail pairs, trails sometimes below 0x80 in Big5);
     * Cyrillic words make long runs of mixed parity; Western text has isolated bytes. */
    uint64_t runs = 0, even_runs = 0, run_bytes = 0, pairs = 0, low_trail_pairs = 0;
    size_t i = 0;
    while (i < len) {
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_seq_len(s + i, len - i);
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
        size_t k = utf8_seq_len(s + i, off + check - i);
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

/* ---- reader ------------------------------------------------------------------------ */

static int text_init(updx_text **out, const updx_text_opts *opts)
{
    updx_text *t = calloc(1, sizeof *t);
    if (!t)
        return UPDX_ERR_NOMEM;
    t->max_line = opts && opts->max_line_bytes ? opts->max_line_bytes : TEXT_DEFAULT_MAX_LINE;
    if (opts && opts->codepage) {
        t->codepage = opts->codepage;
        t->codepage_forced = true;
    }
    updx_buf_init(&t->raw, t->max_line);
    /* decoding grows a byte into at most 3 UTF-8 bytes; a UTF-16 unit likewise */
    updx_buf_init(&t->out, (size_t)t->max_line * 3 + 16);
    *out = t;
    return UPDX_OK;
}

int updx_text_open_mem(updx_text **out, const void *data, size_t len, const updx_text_opts *opts)
{
    int rc = text_init(out, opts);
    if (rc != UPDX_OK)
        return rc;
    (*out)->win = data;
    (*out)->end = len;
    (*out)->eof = true;
    return UPDX_OK;
}

int updx_text_open(updx_text **out, updx_source *src, const updx_text_opts *opts)
{
    int rc = text_init(out, opts);
    if (rc != UPDX_OK)
        return rc;
    updx_text *t = *out;
    t->src = src;
    t->block = malloc(TEXT_BLOCK);
    if (!t->block) {
        updx_text_close(t);
        *out = NULL;
        return UPDX_ERR_NOMEM;
    }
    t->win = t->block;
    return UPDX_OK;
}

void updx_text_close(updx_text *t)
{
    if (!t)
        return;
    if (t->cd_open)
        iconv_close(t->cd);
    updx_buf_free(&t->raw);
    updx_buf_free(&t->out);
    free(t->hits);
    free(t->line_hits);
    free(t->block);
    free(t);
}

/* Moves unread bytes to the front of the block and reads more. */
static int refill(updx_text *t)
{
    if (!t->src || t->eof)
        return UPDX_OK;
    size_t keep = t->end - t->pos;
    if (t->pos) {
        memmove(t->block, t->block + t->pos, keep);
        t->base_offset += t->pos;
        t->pos = 0;
        t->end = keep;
    }
    while (t->end < TEXT_BLOCK && !t->eof) {
        ptrdiff_t r = t->src->read(t->src->ctx, t->block + t->end, TEXT_BLOCK - t->end);
        if (r < 0)
            return (int)r;
        if (r == 0)
            t->eof = true;
        t->end += (size_t)r;
        if (r > 0)
            break;
    }
    return UPDX_OK;
}

static size_t unit_size(const updx_text *t)
{
    return t->mode == UNIT_BYTE ? 1 : 2;
}

static unsigned unit_at(const updx_text *t, const uint8_t *p)
{
    if (t->mode == UNIT_BYTE)
        return p[0];
    return t->mode == UNIT_UTF16LE ? (unsigned)(p[0] | p[1] << 8) : (unsigned)(p[0] << 8 | p[1]);
}

enum { BYTES_HIGH = 1, BYTES_NUL = 2 };

/* Whether any byte is above 0x7F (BYTES_HIGH) or NUL (BYTES_NUL), eight bytes at a time:
 * most log lines are neither, and are then handed out as they are. */
static unsigned byte_classes(const uint8_t *p, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t high = 0, zero = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        high |= w & highs;
        zero |= (w - ones) & ~w & highs;  /* exact for "some byte is zero" */
    }
    unsigned f = (high ? BYTES_HIGH : 0) | (zero ? BYTES_NUL : 0);
    for (; i < n; i++)
        f |= (p[i] >= 0x80 ? BYTES_HIGH : 0) | (p[i] == 0 ? BYTES_NUL : 0);
    return f;
}

/* Index of the first CR or LF byte in [p, p+n), or n; *classes gets the byte_classes of the
 * bytes before it. One pass does both: a log line is split and judged in the same sweep. */
static size_t eol_and_classes(const uint8_t *p, size_t n, unsigned *classes)
{
    size_t i = 0;
    unsigned cls = 0;
#if defined(__SSE2__)
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'), zero = _mm_setzero_si128();
    unsigned high_seen = 0, nul_seen = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        unsigned eol = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
        unsigned high = (unsigned)_mm_movemask_epi8(v);
        unsigned nul = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, zero));
        if (eol) {
            unsigned before = (1u << __builtin_ctz(eol)) - 1;
            high_seen |= high & before;
            nul_seen |= nul & before;
            *classes = (high_seen ? BYTES_HIGH : 0) | (nul_seen ? BYTES_NUL : 0);
            return i + (size_t)__builtin_ctz(eol);
        }
        high_seen |= high;
        nul_seen |= nul;
    }
    cls = (high_seen ? BYTES_HIGH : 0) | (nul_seen ? BYTES_NUL : 0);
#endif
    for (; i < n && p[i] != '\n' && p[i] != '\r'; i++)
        cls |= (p[i] >= 0x80 ? BYTES_HIGH : 0) | (p[i] == 0 ? BYTES_NUL : 0);
    *classes = cls;
    return i;
}

/* Index (in bytes, from p) of the first CR or LF unit in [p, p+n), or n. */
static size_t find_eol(updx_text *t, const uint8_t *p, size_t n)
{
    if (t->mode == UNIT_BYTE)
        return eol_and_classes(p, n, &t->scan_classes);
    size_t i = 0;
    for (; i + 1 < n; i += 2) {
        unsigned u = unit_at(t, p + i);
        if (u == '\n' || u == '\r')
            return i;
    }
    return n;
}

/* Appends [p, p+n) to the raw carry buffer, keeping at most max_line bytes. */
static void carry(updx_text *t, const uint8_t *p, size_t n, bool *cut)
{
    size_t room = t->max_line - t->raw.len;
    if (n > room) {
        n = room - room % unit_size(t);
        *cut = true;
    }
    updx_buf_add(&t->raw, p, n);
}

/* The next raw line: [*line, *line+*len) plus its start offset. 0 at the end. */
static int next_raw(updx_text *t, const uint8_t **line, size_t *len, uint64_t *offset, bool *cut)
{
    size_t us = unit_size(t);
    updx_buf_reset(&t->raw);
    bool carrying = false;
    *cut = false;
    t->carried = false;
    t->line_classes_known = false;
    for (;;) {
        size_t avail = t->end - t->pos;
        avail -= avail % us;
        if (avail == 0) {
            if (!t->eof) {
                int rc = refill(t);
                if (rc < 0)
                    return rc;
                continue;
            }
            if (!carrying)
                return 0; /* a stray odd byte at the end of UTF-16 is dropped */
            t->carried = true;
            *line = (const uint8_t *)t->raw.data;
            *len = t->raw.len;
            return 1;
        }
        if (!carrying)
            *offset = t->base_offset + t->pos;
        const uint8_t *p = t->win + t->pos;
        size_t k = find_eol(t, p, avail);
        size_t body = avail, consume = avail;
        bool found = k < avail;
        if (found) {
            body = k;
            consume = k + us;
            if (unit_at(t, p + k) == '\r') {
                if (k + us >= avail && !t->eof)
                    found = false; /* a CR ending the window may be half of a CRLF */
                else if (k + 2 * us <= avail && unit_at(t, p + k + us) == '\n')
                    consume += us;
            }
        }
        if (found || t->eof) {
            t->pos += consume;
            if (carrying) {
                t->carried = true;
                carry(t, p, body, cut);
                *line = (const uint8_t *)t->raw.data;
                *len = t->raw.len;
            } else {
                *line = p;
                *len = body;
                /* find_eol judged exactly these bytes unless a CR at the end was re-read */
                t->line_classes_known = t->mode == UNIT_BYTE && k == body;
                t->line_classes = t->scan_classes;
                if (body > t->max_line) {
                    *len = t->max_line - t->max_line % us;
                    *cut = true;
                }
            }
            return 1;
        }
        /* No end of line in the window. Make room and read on; when the window is full
         * already, the line is longer than a block: carry it over. */
        if (t->pos == 0 && t->end == TEXT_BLOCK) {
            size_t take = k < avail ? k : avail; /* leave a trailing CR for the next round */
            carry(t, p, take, cut);
            carrying = true;
            t->pos += take;
        }
        int rc = refill(t);
        if (rc < 0)
            return rc;
    }
}

static void put_replacement(updx_buf *b)
{
    updx_buf_add(b, "\xEF\xBF\xBD", 3);
}

static void put_codepoint(updx_buf *b, uint32_t c)
{
    char u[4];
    if (c < 0x80) {
        updx_buf_addc(b, (char)c);
    } else if (c < 0x800) {
        u[0] = (char)(0xC0 | c >> 6);
        u[1] = (char)(0x80 | (c & 0x3F));
        updx_buf_add(b, u, 2);
    } else if (c < 0x10000) {
        u[0] = (char)(0xE0 | c >> 12);
        u[1] = (char)(0x80 | (c >> 6 & 0x3F));
        u[2] = (char)(0x80 | (c & 0x3F));
        updx_buf_add(b, u, 3);
    } else {
        u[0] = (char)(0xF0 | c >> 18);
        u[1] = (char)(0x80 | (c >> 12 & 0x3F));
        u[2] = (char)(0x80 | (c >> 6 & 0x3F));
        u[3] = (char)(0x80 | (c & 0x3F));
        updx_buf_add(b, u, 4);
    }
}

static unsigned decode_utf16(updx_text *t, const uint8_t *p, size_t n)
{
    unsigned flags = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        uint32_t u = unit_at(t, p + i);
        if (u == 0) {
            flags |= UPDX_LINE_NUL;
            continue;
        }
        if (u == 0xFEFF)
            continue;
        if (u >= 0xD800 && u <= 0xDBFF && i + 3 < n) {
            uint32_t lo = unit_at(t, p + i + 2);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                put_codepoint(&t->out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
                i += 2;
                continue;
            }
        }
        if (u >= 0xD800 && u <= 0xDFFF) {
            put_replacement(&t->out);
            flags |= UPDX_LINE_REPLACED;
            continue;
        }
        if (u >= 0x80)
            t->any_nonascii = true;
        put_codepoint(&t->out, u);
    }
    return flags;
}

static bool ensure_iconv(updx_text *t, const uint8_t *line, size_t len)
{
    if (t->cd_open)
        return true;
    if (t->cd_failed)
        return false;
    if (!t->codepage) {
        /* guess from this line and what follows it in the window */
        const uint8_t *sample = line;
        size_t n = len;
        if (line >= t->win && line < t->win + t->end) {
            size_t from = (size_t)(line - t->win);
            n = t->end - from;
            if (n > TEXT_SNIFF_BYTES)
                n = TEXT_SNIFF_BYTES;
        }
        t->codepage = updx_codepage_guess(sample, n);
    }
    t->cd = iconv_open("UTF-8", t->codepage);
    if (t->cd == (iconv_t)-1) {
        t->cd_failed = true;
        return false;
    }
    t->cd_open = true;
    return true;
}

static unsigned decode_legacy(updx_text *t, const uint8_t *p, size_t n)
{
    unsigned flags = UPDX_LINE_LEGACY;
    if (!ensure_iconv(t, p, n)) {
        for (size_t i = 0; i < n; i++) {
            if (p[i] < 0x80)
                updx_buf_addc(&t->out, (char)p[i]);
            else
                put_replacement(&t->out);
        }
        return flags | UPDX_LINE_REPLACED;
    }
    iconv(t->cd, NULL, NULL, NULL, NULL);
    char tmp[1024];
    char *in = (char *)p;
    size_t inleft = n;
    while (inleft) {
        char *outp = tmp;
        size_t outleft = sizeof tmp;
        size_t r = iconv(t->cd, &in, &inleft, &outp, &outleft);
        updx_buf_add(&t->out, tmp, (size_t)(outp - tmp));
        if (r == (size_t)-1) {
            if (errno == E2BIG)
                continue;
            /* EILSEQ or EINVAL: replace one byte and go on */
            put_replacement(&t->out);
            flags |= UPDX_LINE_REPLACED;
            in++;
            inleft--;
            iconv(t->cd, NULL, NULL, NULL, NULL);
        }
    }
    return flags;
}

/* Copies a line that may hold NULs and BOMs, dropping both. */
static unsigned copy_clean(updx_buf *out, const uint8_t *p, size_t n)
{
    unsigned flags = 0;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && p[j] != 0 && p[j] != 0xEF)
            j++;
        updx_buf_add(out, p + i, j - i);
        if (j >= n)
            break;
        if (p[j] == 0) {
            flags |= UPDX_LINE_NUL;
            j++;
        } else if (j + 2 < n && p[j + 1] == 0xBB && p[j + 2] == 0xBF) {
            j += 3;
        } else {
            updx_buf_addc(out, (char)p[j]);
            j++;
        }
        i = j;
    }
    return flags;
}

static unsigned decode_bytes(updx_text *t, const uint8_t *p, size_t n)
{
    unsigned classes = byte_classes(p, n);
    bool ascii = !(classes & BYTES_HIGH), nul = classes & BYTES_NUL;
    if (ascii && !nul) {
        updx_buf_add(&t->out, p, n);
        return 0;
    }
    t->any_nonascii |= !ascii;
    /* NULs do not make a line invalid UTF-8; judge the rest */
    bool valid = true, multi = false;
    for (size_t i = 0; i < n;) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_seq_len(p + i, n - i);
        if (!k) {
            valid = false;
            break;
        }
        if (!(k == 3 && p[i] == 0xEF && p[i + 1] == 0xBB && p[i + 2] == 0xBF))
            multi = true;
        i += k;
    }
    if (valid || t->mode != UNIT_BYTE) {
        t->any_utf8_multi |= multi;
        return copy_clean(&t->out, p, n);
    }
    t->any_legacy = true;
    if (!nul)
        return decode_legacy(t, p, n);
    /* drop NULs first so that the code page decoder sees real text */
    updx_buf tmp;
    updx_buf_init(&tmp, n);
    for (size_t i = 0; i < n; i++)
        if (p[i])
            updx_buf_addc(&tmp, (char)p[i]);
    unsigned f = decode_legacy(t, (const uint8_t *)(tmp.data ? tmp.data : ""), tmp.len);
    updx_buf_free(&tmp);
    return f | UPDX_LINE_NUL;
}

static int start(updx_text *t)
{
    t->started = true;
    if (t->src) {
        int rc = refill(t);
        if (rc < 0)
            return rc;
    }
    const uint8_t *p = t->win + t->pos;
    size_t n = t->end - t->pos;
    updx_encoding_info info = updx_encoding_sniff(p, n > 4096 ? 4096 : n);
    if (info.encoding == UPDX_ENC_UTF16LE)
        t->mode = UNIT_UTF16LE;
    else if (info.encoding == UPDX_ENC_UTF16BE)
        t->mode = UNIT_UTF16BE;
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        t->bom = true;
        t->pos += 3;
    } else if (t->mode != UNIT_BYTE && info.bom) {
        t->bom = true;
        t->pos += 2;
    }
    return UPDX_OK;
}

/* ---- prefilter ---- */

static bool pf_collect(void *ud, uint32_t id, uint64_t end)
{
    updx_text *t = ud;
    if (t->nhits == t->hits_cap) {
        size_t nc = t->hits_cap ? t->hits_cap * 2 : 1024;
        updx_lithit *nh = nc <= PF_MAX_HITS ? realloc(t->hits, nc * sizeof *nh) : NULL;
        if (!nh) {
            t->hits_overflow = true;
            t->pf_to = end;  /* where the scan stopped: the region is cut before this line */
            return false;
        }
        t->hits = nh;
        t->hits_cap = nc;
    }
    t->hits[t->nhits].end = end;
    t->hits[t->nhits].id = id;
    t->nhits++;
    return true;
}

static int cmp_hits(const void *a, const void *b)
{
    const updx_lithit *x = a, *y = b;
    return x->end < y->end ? -1 : x->end > y->end;
}

/*
 * Scans the window from the line at `start` (absolute offset) to the last line end within
 * PF_REGION bytes, so that the lines there carry their hits. False when no whole line fits
 * (a line longer than the region, or a file ending in lone CRs): that line goes unfiltered.
 */
static bool pf_cover(updx_text *t, uint64_t start)
{
    t->nhits = t->hit_pos = 0;
    t->pf_from = t->pf_to = start;
    t->hits_overflow = false;
    if (start < t->base_offset)
        return false;
    size_t from = (size_t)(start - t->base_offset);
    if (from >= t->end)
        return false;
    size_t lim = t->end - from > PF_REGION ? from + PF_REGION : t->end;
    size_t to;
    if (lim == t->end && t->eof) {
        to = lim;  /* the last line may lack its newline */
    } else {
        const uint8_t *nl = memrchr(t->win + from, '\n', lim - from);
        if (!nl)
            return false;
        to = (size_t)(nl - t->win) + 1;
    }
    t->pf_to = t->base_offset + to;
    if (updx_litset_scan(t->pf, t->win + from, to - from, start, pf_collect, t) != UPDX_OK) {
        t->pf_to = start;
        return false;
    }
    for (size_t i = 1; i < t->nhits; i++) {
        if (t->hits[i].end < t->hits[i - 1].end) {  /* the engine promises order; make sure */
            qsort(t->hits, t->nhits, sizeof *t->hits, cmp_hits);
            break;
        }
    }
    if (t->hits_overflow) {
        /* keep the lines that end before the line of the first hit not kept */
        uint64_t stop = t->pf_to;
        size_t k = (size_t)(stop - t->base_offset);
        const uint8_t *nl = k > from ? memrchr(t->win + from, '\n', k - from - 1) : NULL;
        t->pf_to = nl ? t->base_offset + (size_t)(nl - t->win) + 1 : start;
        while (t->nhits && t->hits[t->nhits - 1].end > t->pf_to)
            t->nhits--;
    }
    return t->pf_to > start;
}

/* Fills the line's hits; false when the line is not covered by a prefilter scan. The line
 * handed out is [start, start + len) (shorter than the raw line when cut for length); hits
 * in the part cut off are passed over. */
static bool pf_line(updx_text *t, uint64_t start, uint64_t next_start, size_t len, updx_line *line)
{
    if (!t->pf || t->mode != UNIT_BYTE || t->carried || start < t->pf_after)
        return false;
    if ((start < t->pf_from || next_start > t->pf_to) && (!pf_cover(t, start) || next_start > t->pf_to))
        return false;
    if (!t->line_hits) {
        t->line_hits = malloc(PF_MAX_LINE_HITS * sizeof *t->line_hits);
        if (!t->line_hits)
            return false;
    }
    uint32_t n = 0;
    while (t->hit_pos < t->nhits && t->hits[t->hit_pos].end <= next_start) {
        if (t->hits[t->hit_pos].end > start && t->hits[t->hit_pos].end <= start + len) {
            if (n == PF_MAX_LINE_HITS)
                return false;  /* too many to hand out: let the consumer search */
            t->line_hits[n++] = t->hits[t->hit_pos].id;
        }
        t->hit_pos++;
    }
    line->hits = t->line_hits;
    line->nhits = n;
    return true;
}

void updx_text_prefilter(updx_text *t, updx_litset *set, uint64_t after)
{
    t->pf = set;
    t->pf_after = after;
    t->pf_from = t->pf_to = 0;
    t->nhits = t->hit_pos = 0;
}

int updx_text_next(updx_text *t, updx_line *line)
{
    if (!t->started) {
        int rc = start(t);
        if (rc < 0)
            return rc;
    }
    const uint8_t *raw;
    size_t len;
    uint64_t offset = 0;
    bool cut;
    int rc = next_raw(t, &raw, &len, &offset, &cut);
    if (rc <= 0)
        return rc;
    line->filtered = false;
    line->hits = NULL;
    line->nhits = 0;
    bool covered = t->pf && pf_line(t, offset, t->base_offset + t->pos, len, line);
    updx_buf_reset(&t->out);
    unsigned flags = 0;
    const char *text;
    size_t text_len;
    /* A plain ASCII line in our own window is handed out where it lies, its terminator
     * (already consumed, never scanned again) overwritten by the NUL: no copy. */
    if (t->mode == UNIT_BYTE && t->src && !t->carried && !cut && raw >= t->block &&
        raw + len < t->block + t->end && (raw[len] == '\n' || raw[len] == '\r') &&
        (t->line_classes_known ? t->line_classes : byte_classes(raw, len)) == 0) {
        t->block[raw + len - t->block] = '\0';
        text = (const char *)raw;
        text_len = len;
    } else {
        flags = t->mode == UNIT_BYTE ? decode_bytes(t, raw, len) : decode_utf16(t, raw, len);
        text = t->out.data ? t->out.data : "";
        text_len = t->out.len;
    }
    /* the hits were found in the raw bytes: they stand for the text only when it is them */
    if (covered && !(flags & (UPDX_LINE_LEGACY | UPDX_LINE_REPLACED | UPDX_LINE_NUL)) && text_len == len)
        line->filtered = true;
    else {
        line->hits = NULL;
        line->nhits = 0;
    }
    if (cut) {
        flags |= UPDX_LINE_CUT;
        t->n_cut++;
    }
    t->n_legacy += (flags & UPDX_LINE_LEGACY) != 0;
    t->n_replaced += (flags & UPDX_LINE_REPLACED) != 0;
    line->text = text;
    line->len = text_len;
    line->number = ++t->lineno;
    line->offset = offset;
    line->flags = flags;
    if (t->observer)
        t->observer(t->observer_ud, line);
    return 1;
}

void updx_text_observe(updx_text *t, updx_line_observer fn, void *ud)
{
    t->observer = fn;
    t->observer_ud = ud;
}

updx_encoding_info updx_text_encoding(const updx_text *t)
{
    updx_encoding_info info = {.bom = t->bom};
    if (t->mode == UNIT_UTF16LE)
        info.encoding = UPDX_ENC_UTF16LE;
    else if (t->mode == UNIT_UTF16BE)
        info.encoding = UPDX_ENC_UTF16BE;
    else if (t->any_legacy) {
        info.encoding = t->any_utf8_multi || t->bom ? UPDX_ENC_MIXED : UPDX_ENC_LEGACY;
        info.codepage = t->codepage;
    } else if (t->any_utf8_multi || t->bom)
        info.encoding = UPDX_ENC_UTF8;
    else if (t->lineno == 0)
        info.encoding = UPDX_ENC_EMPTY;
    else
        info.encoding = UPDX_ENC_ASCII;
    return info;
}

void updx_text_counts(const updx_text *t, uint64_t *cut, uint64_t *legacy, uint64_t *replaced)
{
    if (cut)
        *cut = t->n_cut;
    if (legacy)
        *legacy = t->n_legacy;
    if (replaced)
        *replaced = t->n_replaced;
}
