/*
 * vec.h: a growable array of fixed-size elements with a cap on the element count.
 *
 * Used for lists whose length comes from the input (members, lines of a section, drivers).
 * updx_vec_push returns a zeroed slot or NULL when the cap is reached or memory runs out;
 * the caller then records a limit note. The vector owns its storage.
 */
#ifndef UPDX_UTIL_VEC_H
#define UPDX_UTIL_VEC_H

#include <stddef.h>

typedef struct updx_vec {
    void *items;
    size_t len;
    size_t alloc;
    size_t elem;     /* element size in bytes */
    size_t max_len;  /* hard cap on len */
} updx_vec;

void updx_vec_init(updx_vec *v, size_t elem, size_t max_len);
void updx_vec_free(updx_vec *v);
void *updx_vec_push(updx_vec *v);
static inline void *updx_vec_at(const updx_vec *v, size_t i)
{
    return (char *)v->items + i * v->elem;
}

#endif
