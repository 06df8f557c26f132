/* vec.c: see vec.h. */
#include "util/vec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void updx_vec_init(updx_vec *v, size_t elem, size_t max_len)
{
    v->items = NULL;
    v->len = v->alloc = 0;
    v->elem = elem;
    v->max_len = max_len;
}

void updx_vec_free(updx_vec *v)
{
    free(v->items);
    v->items = NULL;
    v->len = v->alloc = 0;
}

void *updx_vec_push(updx_vec *v)
{
    if (v->len >= v->max_len)
        return NULL;
    if (v->len == v->alloc) {
        size_t n = v->alloc ? v->alloc * 2 : 16;
        if (n > v->max_len)
            n = v->max_len;
        if (n > SIZE_MAX / v->elem)
            return NULL;
        void *p = realloc(v->items, n * v->elem);
        if (!p)
            return NULL;
        v->items = p;
        v->alloc = n;
    }
    void *slot = (char *)v->items + v->len * v->elem;
    memset(slot, 0, v->elem);
    v->len++;
    return slot;
}
