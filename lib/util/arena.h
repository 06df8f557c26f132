/*
 * arena.h: a bump allocator with a hard cap, used for every fact an analysis extracts.
 *
 * Readers allocate records and strings from the case's arena and never free them one by one;
 * updx_arena_free releases everything at once. The cap bounds what hostile input can make us
 * allocate: once reached, allocations return NULL and the caller records a limit note.
 */
#ifndef UPDX_UTIL_ARENA_H
#define UPDX_UTIL_ARENA_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct updx_arena_block updx_arena_block;

typedef struct updx_arena {
    updx_arena_block *head;
    uint64_t used;  /* bytes handed out, blocks' slack included */
    uint64_t cap;   /* 0 = no cap */
} updx_arena;

void updx_arena_init(updx_arena *a, uint64_t cap);
void updx_arena_free(updx_arena *a);

/* Zeroed memory aligned for any type, or NULL when the cap is reached or malloc fails. */
void *updx_arena_alloc(updx_arena *a, size_t size);
/* Copies; the result is NUL-terminated. NULL input gives NULL. strndup copies exactly n
 * bytes (unlike libc strndup it does not stop at a NUL): s must hold n bytes. */
char *updx_arena_strdup(updx_arena *a, const char *s);
char *updx_arena_strndup(updx_arena *a, const char *s, size_t n);
char *updx_arena_printf(updx_arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *updx_arena_vprintf(updx_arena *a, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif
