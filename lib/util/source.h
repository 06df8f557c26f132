/*
 * source.h: a pull-based byte source, the one I/O seam between readers and where bytes live.
 *
 * Readers take bytes from a source (a file descriptor, memory, an archive member being
 * decompressed) without knowing which. Pure parsers take (data, len) instead; a source is
 * for streaming readers such as the text layer.
 */
#ifndef UPDX_UTIL_SOURCE_H
#define UPDX_UTIL_SOURCE_H

#include <stddef.h>
#include <stdint.h>

typedef struct updx_source {
    /* Reads up to n bytes into buf: the count, 0 at the end, or a negative updx_status. */
    ptrdiff_t (*read)(void *ctx, void *buf, size_t n);
    void *ctx;
} updx_source;

/* A source over memory; `state` holds the position and must outlive the source. */
typedef struct updx_mem_source {
    const uint8_t *data;
    size_t len;
    size_t pos;
    size_t step;  /* at most this many bytes per read; 0 = no limit */
} updx_mem_source;

updx_source updx_source_mem(updx_mem_source *state, const void *data, size_t len);
/* The same, handing out at most `step` bytes per read (step 0 = no limit): tests and fuzzers
 * use it to make lines straddle the readers' refills, as a slow network or archive does. */
updx_source updx_source_mem_pieces(updx_mem_source *state, const void *data, size_t len, size_t step);
/* A source over an open file descriptor (not closed by the source). */
updx_source updx_source_fd(int *fd);

/* Reads until `n` bytes or the end; returns the count or a negative updx_status. */
ptrdiff_t updx_source_read_full(updx_source *src, void *buf, size_t n);

#endif
