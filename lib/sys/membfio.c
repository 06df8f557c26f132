/* membfio.c: a bounded, read-only libbfio memory handle (see membfio.h). */
#include "sys/membfio.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct membfio {
    const uint8_t *data;
    size_t size;
    size_t off;
    int open;
} membfio;

static int mb_free(intptr_t **io, libbfio_error_t **error)
{
    (void)error;
    if (io && *io) {
        free(*io);
        *io = NULL;
    }
    return 1;
}

static int mb_clone(intptr_t **dst, intptr_t *src, libbfio_error_t **error)
{
    (void)error;
    if (!dst || *dst)
        return -1;
    if (!src) {
        *dst = NULL;
        return 1;
    }
    membfio *m = malloc(sizeof *m);
    if (!m)
        return -1;
    *m = *(const membfio *)src;
    m->open = 0;
    m->off = 0;
    *dst = (intptr_t *)m;
    return 1;
}

static int mb_open(intptr_t *io, int flags, libbfio_error_t **error)
{
    (void)error;
    membfio *m = (membfio *)io;
    if (!m || (flags & LIBBFIO_ACCESS_FLAG_WRITE))
        return -1;
    m->open = 1;
    m->off = 0;
    return 1;
}

static int mb_close(intptr_t *io, libbfio_error_t **error)
{
    (void)error;
    membfio *m = (membfio *)io;
    if (!m)
        return -1;
    m->open = 0;
    return 0;
}

static ssize_t mb_read(intptr_t *io, uint8_t *buf, size_t size, libbfio_error_t **error)
{
    (void)error;
    membfio *m = (membfio *)io;
    if (!m || !m->open || !buf || size > SSIZE_MAX)
        return -1;
    size_t left = m->off < m->size ? m->size - m->off : 0;
    size_t n = size < left ? size : left;
    if (n)
        memcpy(buf, m->data + m->off, n);
    m->off += n;
    return (ssize_t)n;
}

static ssize_t mb_write(intptr_t *io, const uint8_t *buf, size_t size, libbfio_error_t **error)
{
    (void)io;
    (void)buf;
    (void)size;
    (void)error;
    return -1;
}

static off64_t mb_seek(intptr_t *io, off64_t offset, int whence, libbfio_error_t **error)
{
    (void)error;
    membfio *m = (membfio *)io;
    if (!m || !m->open)
        return -1;
    int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)m->off
                 : whence == SEEK_END ? (int64_t)m->size : -1;
    if (base < 0 || offset < -base || offset > INT64_MAX - base)
        return -1;
    int64_t to = base + offset;
    if ((uint64_t)to > SIZE_MAX)
        return -1;
    m->off = (size_t)to;  /* past the end is allowed; reads then give 0 bytes */
    return (off64_t)to;
}

static int mb_exists(intptr_t *io, libbfio_error_t **error)
{
    (void)error;
    return io ? 1 : 0;
}

static int mb_is_open(intptr_t *io, libbfio_error_t **error)
{
    (void)error;
    return io && ((membfio *)io)->open ? 1 : 0;
}

static int mb_get_size(intptr_t *io, size64_t *size, libbfio_error_t **error)
{
    (void)error;
    if (!io || !size)
        return -1;
    *size = ((membfio *)io)->size;
    return 1;
}

int updx_membfio_open(libbfio_handle_t **handle, const uint8_t *data, size_t len)
{
    if (!handle || (!data && len))
        return -1;
    membfio *m = calloc(1, sizeof *m);
    if (!m)
        return -1;
    m->data = data;
    m->size = len;
    if (libbfio_handle_initialize(handle, (intptr_t *)m, mb_free, mb_clone, mb_open, mb_close,
                                  mb_read, mb_write, mb_seek, mb_exists, mb_is_open, mb_get_size,
                                  LIBBFIO_FLAG_IO_HANDLE_MANAGED | LIBBFIO_FLAG_IO_HANDLE_CLONE_BY_FUNCTION,
                                  NULL) != 1) {
        free(m);
        return -1;
    }
    return 1;
}
