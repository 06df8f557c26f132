/*
 * litset.h: a set of literal strings found in whole blocks of text at once.
 *
 * Big logs are mostly lines that no reader marker and no rule anchor mentions. Looking for
 * each literal in each line costs far more than reading the file; a multi-literal search
 * over whole blocks (Vectorscan, SIMD) finds the few lines that matter at memory speed, and
 * only those get the per-line parsers and regexes (docs/performance.md).
 *
 * A set is described cheaply (updx_litset_new copies the literals) and compiled on first
 * use, so that small bundles never pay for it. Ids are the literals' positions in the list
 * given. A literal holding CR or LF can never sit inside one line, so it is refused
 * (updx_litset_has() says false) and callers look for it themselves.
 */
#ifndef UPDX_TEXT_LITSET_H
#define UPDX_TEXT_LITSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct updx_litset updx_litset;

/* A literal a reader looks for; readers publish theirs so that a set can hold them. */
typedef struct updx_literal {
    const char *text;
    bool nocase;
} updx_literal;

/* True when line hits (updx_line.hits) hold an id below n: a literal of the reader whose
 * literals come first in the set. */
bool updx_hits_below(const uint32_t *hits, uint32_t nhits, uint32_t n);
/* True when line hits hold id. */
bool updx_hits_have(const uint32_t *hits, uint32_t nhits, uint32_t id);

/* One literal match: the literal's id and the offset just past its last byte. */
typedef struct updx_lithit {
    uint64_t end;
    uint32_t id;
} updx_lithit;

/* Called for each match, in order of end offset; return false to stop the scan. */
typedef bool (*updx_lithit_fn)(void *ud, uint32_t id, uint64_t end);

/* A set of n literals (len 0 entries and ones with CR/LF are kept as never found). NULL when
 * out of memory. */
updx_litset *updx_litset_new(const char *const *text, const size_t *len, const bool *nocase, size_t n);
void updx_litset_free(updx_litset *s);
size_t updx_litset_count(const updx_litset *s);
/* True when literal `id` can be found by the set (false for refused ones). */
bool updx_litset_has(const updx_litset *s, uint32_t id);
/* Compiles now (otherwise the first scan does). UPDX_OK, or UPDX_ERR_NOMEM / UPDX_ERR_FORMAT
 * when the engine refused; a set that failed to compile never matches and says so here. */
int updx_litset_compile(updx_litset *s);
/* Reports every match in [data, data+len); `base` is added to the end offsets. Returns
 * UPDX_OK, or an error when the set could not be compiled (nothing is reported then). Not
 * for two threads at once: the set holds one scratch space. */
int updx_litset_scan(updx_litset *s, const void *data, size_t len, uint64_t base,
                     updx_lithit_fn fn, void *ud);

#endif
