/*
 * text.h: the text layer. Any text member comes out as numbered UTF-8 lines.
 *
 * Real setup logs mix encodings inside one file: a UTF-8 BOM, a second BOM mid-file, most
 * lines UTF-8 and some in the machine's ANSI code page; setupapi logs are pure ANSI; .reg
 * exports are UTF-16LE. So the 8-bit path decodes per line: valid UTF-8 stays as it is, an
 * invalid line is decoded with a fallback code page (detected from the file, or forced).
 * UTF-16 (with or without BOM) is split on its own code units and converted line by line.
 *
 * Lines end at LF, CRLF or a lone CR; a missing last newline is fine. NUL bytes and U+FEFF
 * are dropped from the text (and flagged). A line longer than max_line_bytes is cut there
 * and the rest of it skipped, never buffered. Reading is streaming: memory use is one block
 * plus one line, whatever the file's size.
 *
 * updx_text_open_mem is the pure entry point that unit tests and fuzzers call.
 */
#ifndef UPDX_TEXT_TEXT_H
#define UPDX_TEXT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "text/litset.h"
#include "util/source.h"

typedef enum updx_encoding {
    UPDX_ENC_EMPTY,
    UPDX_ENC_ASCII,
    UPDX_ENC_UTF8,      /* valid UTF-8 throughout (BOM or not) */
    UPDX_ENC_MIXED,     /* UTF-8 lines mixed with lines in a legacy code page */
    UPDX_ENC_LEGACY,    /* one legacy code page (codepage names it) */
    UPDX_ENC_UTF16LE,
    UPDX_ENC_UTF16BE,
    UPDX_ENC_BINARY,    /* not text */
} updx_encoding;

/* What a sniff of a file's first bytes found. */
typedef struct updx_encoding_info {
    updx_encoding encoding;
    bool bom;              /* starts with a UTF-8 or UTF-16 BOM */
    const char *codepage;  /* iconv name of the legacy code page (static), or NULL */
} updx_encoding_info;

/* Line flags. */
enum {
    UPDX_LINE_CUT = 1u << 0,      /* longer than max_line_bytes; the rest was skipped */
    UPDX_LINE_LEGACY = 1u << 1,   /* decoded from the fallback code page */
    UPDX_LINE_REPLACED = 1u << 2, /* undecodable bytes became U+FFFD */
    UPDX_LINE_NUL = 1u << 3,      /* NUL bytes were dropped */
};

typedef struct updx_line {
    const char *text;  /* UTF-8, NUL-terminated, no line terminator; valid until the next call */
    size_t len;
    uint64_t number;   /* 1-based */
    uint64_t offset;   /* byte offset of the line's first byte in the raw file */
    unsigned flags;
    /* With a prefilter (updx_text_prefilter): when `filtered`, hits[0..nhits) are the ids of
     * the set's literals that occur in the line (in order, maybe repeated) and no other
     * literal of the set does, so a consumer may skip its own search. When not filtered
     * (no prefilter, UTF-16, a line decoded from a code page or with bytes dropped, a line
     * longer than a window), the consumer searches the line itself. */
    bool filtered;
    uint32_t nhits;
    const uint32_t *hits;
} updx_line;

typedef struct updx_text_opts {
    const char *codepage;     /* force this fallback code page (iconv name); NULL = detect */
    uint32_t max_line_bytes;  /* 0 = default (1 MiB) */
} updx_text_opts;

typedef struct updx_text updx_text;

/* Opens a reader over bytes in memory; `data` must outlive the reader. */
int updx_text_open_mem(updx_text **out, const void *data, size_t len, const updx_text_opts *opts);
/* Opens a streaming reader over a source; the source must outlive the reader. */
int updx_text_open(updx_text **out, updx_source *src, const updx_text_opts *opts);
/* Next line: 1 and *line filled, 0 at the end, or a negative updx_status (read error). */
int updx_text_next(updx_text *t, updx_line *line);
/* Calls fn for every line this reader hands out, just before the caller sees it, so that
 * a second consumer (the rule scanner) reads the same lines in the same pass. */
typedef void (*updx_line_observer)(void *ud, const updx_line *line);
void updx_text_observe(updx_text *t, updx_line_observer fn, void *ud);

/* Finds the literals of `set` in whole windows rather than per line, once `after` bytes of
 * the file have gone by (small files are not worth the set's compile): lines then carry their
 * hits (updx_line.filtered). The set is borrowed and must outlive the reader. */
void updx_text_prefilter(updx_text *t, updx_litset *set, uint64_t after);

/* The encoding seen so far (final once updx_text_next returned 0). */
updx_encoding_info updx_text_encoding(const updx_text *t);
/* Lines cut for length, lines decoded from the fallback, lines with replacements, so far. */
void updx_text_counts(const updx_text *t, uint64_t *cut, uint64_t *legacy, uint64_t *replaced);
void updx_text_close(updx_text *t);

/* Sniffs encoding from a sample (typically the first 64 KiB). Pure. */
updx_encoding_info updx_encoding_sniff(const void *sample, size_t len);
/* Picks a legacy code page for bytes that are not valid UTF-8 (static iconv name). Pure. */
const char *updx_codepage_guess(const void *sample, size_t len);
/* "utf-8", "utf-8+cp1252", "gb18030", "utf-16le", ... into buf; returns buf. */
const char *updx_encoding_describe(updx_encoding_info info, char *buf, size_t size);
/* True when [s, s+len) is valid UTF-8 (no overlongs, no surrogates). Pure. */
bool updx_utf8_valid(const void *s, size_t len);

#endif
