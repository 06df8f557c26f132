/* buf.c: see buf.h. */
#include "util/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "updx/updx.h"

void updx_buf_init(updx_buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
}

void updx_buf_free(updx_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->alloc = 0;
}

void updx_buf_reset(updx_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static int buf_reserve(updx_buf *b, size_t extra)
{
    if (extra > b->cap || b->len > b->cap - extra)
        return UPDX_ERR_LIMIT;
    size_t need = b->len + extra + 1;
    if (need <= b->alloc)
        return UPDX_OK;
    size_t n = b->alloc ? b->alloc : 256;
    while (n < need)
        n = n > SIZE_MAX / 2 ? need : n * 2;
    if (n > b->cap + 1)
        n = b->cap + 1;
    char *p = realloc(b->data, n);
    if (!p)
        return UPDX_ERR_NOMEM;
    b->data = p;
    b->alloc = n;
    return UPDX_OK;
}

int updx_buf_add(updx_buf *b, const void *data, size_t len)
{
    int rc = buf_reserve(b, len);
    if (rc != UPDX_OK)
        return rc;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return UPDX_OK;
}

int updx_buf_adds(updx_buf *b, const char *s)
{
    return updx_buf_add(b, s, strlen(s));
}

int updx_buf_addc(updx_buf *b, char c)
{
    return updx_buf_add(b, &c, 1);
}

int updx_buf_vprintf(updx_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return UPDX_ERR_ARG;
    int rc = buf_reserve(b, (size_t)n);
    if (rc != UPDX_OK)
        return rc;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return UPDX_OK;
}

int updx_buf_printf(updx_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = updx_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *updx_buf_take(updx_buf *b)
{
    char *p = b->data;
    if (!p)
        p = calloc(1, 1);
    b->data = NULL;
    b->len = b->alloc = 0;
    return p;
}
