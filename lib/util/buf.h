/*
 * buf.h: a growable byte buffer with a required size cap (after curl's dynbuf).
 *
 * Every report writer and every reader that accumulates bytes appends here. When an append
 * would pass the cap, the append fails with UPDX_ERR_LIMIT and the buffer keeps what it had.
 * The buffer owns its memory; updx_buf_free releases it. The content is always NUL-terminated.
 */
#ifndef UPDX_UTIL_BUF_H
#define UPDX_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct updx_buf {
    char *data;
    size_t len;
    size_t alloc;
    size_t cap;
} updx_buf;

void updx_buf_init(updx_buf *b, size_t cap);
void updx_buf_free(updx_buf *b);
void updx_buf_reset(updx_buf *b);
int updx_buf_add(updx_buf *b, const void *data, size_t len);
int updx_buf_adds(updx_buf *b, const char *s);
int updx_buf_addc(updx_buf *b, char c);
int updx_buf_printf(updx_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int updx_buf_vprintf(updx_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Hands the memory to the caller (free() it) and leaves the buffer empty. */
char *updx_buf_take(updx_buf *b);

#endif
