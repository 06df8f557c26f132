/*
 * avec.h: a growable array whose storage comes from an arena (see arena.h).
 *
 * Facts are kept in arenas so that a whole analysis is freed at once; this is the array
 * type for them. Growth copies into a new arena block (the old one is simply abandoned), so
 * at most about twice the final size is used. max_len caps what input can make it hold.
 */
#ifndef UPDX_UTIL_AVEC_H
#define UPDX_UTIL_AVEC_H

#include <stddef.h>

#include "util/arena.h"

typedef struct updx_avec {
    void *items;
    size_t len, alloc, elem, max_len;
} updx_avec;

void updx_avec_init(updx_avec *v, size_t elem, size_t max_len);
/* A zeroed new slot, or NULL when max_len is reached or the arena is exhausted. */
void *updx_avec_push(updx_avec *v, updx_arena *a);
static inline void *updx_avec_at(const updx_avec *v, size_t i)
{
    return (char *)v->items + i * v->elem;
}

#endif
