/* text.c: the text layer (see text.h for the contract). */
#include "text/text.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "text/text_internal.h"
#include "updx/updx.h"

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
        size_t k = updx_utf8_seq_len(p + i, n - i);
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
    /* the encoding is judged on the same sample however the source hands out its bytes:
     * a first read of one byte must not make a UTF-16 file look like bytes */
    while (t->src && !t->eof && t->end - t->pos < TEXT_SNIFF_START) {
        int rc = refill(t);
        if (rc < 0)
            return rc;
    }
    const uint8_t *p = t->win + t->pos;
    size_t n = t->end - t->pos;
    updx_encoding_info info = updx_encoding_sniff(p, n > TEXT_SNIFF_START ? TEXT_SNIFF_START : n);
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
    bool covered = t->pf && updx_text_pf_line(t, offset, t->base_offset + t->pos, len, line);
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
