/* source.c: the memory and file-descriptor sources (see source.h). */
#include "util/source.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "updx/updx.h"

static ptrdiff_t mem_read(void *ctx, void *buf, size_t n)
{
    updx_mem_source *m = ctx;
    size_t left = m->len - m->pos;
    if (n > left)
        n = left;
    if (m->step && n > m->step)
        n = m->step;
    if (n > PTRDIFF_MAX)
        n = PTRDIFF_MAX;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return (ptrdiff_t)n;
}

updx_source updx_source_mem(updx_mem_source *state, const void *data, size_t len)
{
    return updx_source_mem_pieces(state, data, len, 0);
}

updx_source updx_source_mem_pieces(updx_mem_source *state, const void *data, size_t len, size_t step)
{
    state->data = data;
    state->len = len;
    state->pos = 0;
    state->step = step;
    return (updx_source){.read = mem_read, .ctx = state};
}

static ptrdiff_t fd_read(void *ctx, void *buf, size_t n)
{
    int fd = *(int *)ctx;
    for (;;) {
        ssize_t r = read(fd, buf, n);
        if (r >= 0)
            return r;
        if (errno != EINTR)
            return UPDX_ERR_IO;
    }
}

updx_source updx_source_fd(int *fd)
{
    return (updx_source){.read = fd_read, .ctx = fd};
}

ptrdiff_t updx_source_read_full(updx_source *src, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ptrdiff_t r = src->read(src->ctx, (char *)buf + got, n - got);
        if (r < 0)
            return r;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ptrdiff_t)got;
}
