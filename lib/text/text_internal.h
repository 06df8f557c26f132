/*
 * text_internal.h: the text reader's state, shared by text.c (splitting and decoding lines)
 * and text_prefilter.c (the block-level literal scan that hands each line its hits).
 * Not part of the library's interface.
 */
#ifndef UPDX_TEXT_INTERNAL_H
#define UPDX_TEXT_INTERNAL_H

#include <iconv.h>
#include <stdbool.h>
#include <stdint.h>

#include "text/text.h"
#include "util/buf.h"

enum {
    TEXT_BLOCK = 1 << 20,          /* streaming window */
    PF_REGION = 1 << 20,           /* bytes a prefilter scan covers at most */
    PF_MAX_HITS = 1 << 18,         /* hits kept per region (a region with more is cut short) */
    PF_MAX_LINE_HITS = 4096,       /* hit ids handed out with one line */
    TEXT_DEFAULT_MAX_LINE = 1 << 20,
    TEXT_SNIFF_BYTES = 64 << 10,   /* sample used to guess a code page */
    TEXT_SNIFF_START = 4096,       /* sample used to tell UTF-16 from bytes, and find a BOM */
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


/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not valid. */
static inline size_t updx_utf8_seq_len(const uint8_t *s, size_t n)
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

/* Covers the line [start, start + len) (the next starts at next_start) with the prefilter's
 * hits when it can; false when the line must be searched on its own (text_prefilter.c). */
bool updx_text_pf_line(updx_text *t, uint64_t start, uint64_t next_start, size_t len, updx_line *line);

#endif
