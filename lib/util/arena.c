/* arena.c: see arena.h. Blocks grow geometrically up to 1 MiB; big requests get their own block. */
#include "util/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct updx_arena_block {
    updx_arena_block *next;
    size_t size;
    size_t used;
    max_align_t data[];
};

enum { ARENA_MIN_BLOCK = 4096, ARENA_MAX_BLOCK = 1 << 20 };

void updx_arena_init(updx_arena *a, uint64_t cap)
{
    a->head = NULL;
    a->used = 0;
    a->cap = cap;
}

void updx_arena_free(updx_arena *a)
{
    updx_arena_block *b = a->head;
    while (b) {
        updx_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used = 0;
}

void *updx_arena_alloc(updx_arena *a, size_t size)
{
    const size_t align = _Alignof(max_align_t);
    if (size == 0)
        size = 1;
    if (size > SIZE_MAX - align)
        return NULL;
    size = (size + align - 1) & ~(align - 1);
    updx_arena_block *b = a->head;
    if (!b || b->size - b->used < size) {
        size_t want = b ? b->size * 2 : ARENA_MIN_BLOCK;
        if (want > ARENA_MAX_BLOCK)
            want = ARENA_MAX_BLOCK;
        if (want < size)
            want = size;
        if (a->cap && a->used + want > a->cap)
            return NULL;
        updx_arena_block *nb = malloc(sizeof *nb + want);
        if (!nb)
            return NULL;
        nb->size = want;
        nb->used = 0;
        a->used += want;
        /* A block made for one big request goes behind the current one so the current
         * block's free space stays usable. */
        if (b && want == size && b->size - b->used >= ARENA_MIN_BLOCK) {
            nb->next = b->next;
            b->next = nb;
            nb->used = size;
            memset(nb->data, 0, size);
            return nb->data;
        }
        nb->next = b;
        a->head = b = nb;
    }
    void *p = (char *)b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

char *updx_arena_strndup(updx_arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *d = updx_arena_alloc(a, n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *updx_arena_strdup(updx_arena *a, const char *s)
{
    return s ? updx_arena_strndup(a, s, strlen(s)) : NULL;
}

char *updx_arena_vprintf(updx_arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return NULL;
    char *d = updx_arena_alloc(a, (size_t)n + 1);
    if (d)
        vsnprintf(d, (size_t)n + 1, fmt, ap);
    return d;
}

char *updx_arena_printf(updx_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *d = updx_arena_vprintf(a, fmt, ap);
    va_end(ap);
    return d;
}
