/*
 * yamltree.h: a small YAML document tree built from libyaml events, with hard caps.
 *
 * libyaml's own document loader recurses without a depth limit, so hostile rule files could
 * exhaust the stack; this builder counts depth and nodes itself and keeps each node's line
 * and column for error messages. Aliases are refused (rules never need them and they allow
 * "billion laughs" expansion). Everything lives in the arena given.
 */
#ifndef UPDX_RULES_YAMLTREE_H
#define UPDX_RULES_YAMLTREE_H

#include <stddef.h>

#include "util/arena.h"

typedef enum ytree_type { YT_SCALAR, YT_SEQ, YT_MAP } ytree_type;

typedef struct ytree ytree;
struct ytree {
    ytree_type type;
    const char *value;     /* scalars: the text (NUL-terminated) */
    size_t len;
    int quoted;            /* scalar was quoted (so "yes" stays a string) */
    unsigned line, col;    /* 1-based */
    ytree *first, *next;   /* children; maps alternate key, value */
    ytree *last;
    size_t count;          /* children */
};

/* Parses a YAML stream. Returns the list of documents (a YT_SEQ node whose children are the
 * documents' roots), or NULL with *err_line, *err_col and err (size errsize) filled. */
ytree *ytree_parse(updx_arena *a, const char *data, size_t len, size_t max_depth, size_t max_nodes,
                   unsigned *err_line, unsigned *err_col, char *err, size_t errsize);

/* The value of key `key` in map `m`, or NULL. */
const ytree *ytree_get(const ytree *m, const char *key);

#endif
