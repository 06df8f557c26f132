/* avec.c: see avec.h. */
#include "util/avec.h"

#include <stdint.h>
#include <string.h>

void updx_avec_init(updx_avec *v, size_t elem, size_t max_len)
{
    v->items = NULL;
    v->len = v->alloc = 0;
    v->elem = elem;
    v->max_len = max_len;
}

void *updx_avec_push(updx_avec *v, updx_arena *a)
{
    if (v->len >= v->max_len)
        return NULL;
    if (v->len == v->alloc) {
        size_t n = v->alloc ? v->alloc * 2 : 8;
        if (n > v->max_len)
            n = v->max_len;
        if (n > SIZE_MAX / v->elem)
            return NULL;
        void *p = updx_arena_alloc(a, n * v->elem);
        if (!p)
            return NULL;
        if (v->len)
            memcpy(p, v->items, v->len * v->elem);
        v->items = p;
        v->alloc = n;
    }
    void *slot = (char *)v->items + v->len * v->elem;
    memset(slot, 0, v->elem);
    v->len++;
    return slot;
}
