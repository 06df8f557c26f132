/*
 * notes.h: what went wrong while reading the input, kept as data rather than printed.
 *
 * Every reader that meets a bad record, a damaged member or a limit adds a note naming the
 * member and where in it (byte offset and/or line). Notes of kind DAMAGED become
 * bundle.damaged[] in the report; LIMIT notes say what a limit cut short. Strings are
 * copied into the arena given at init.
 */
#ifndef UPDX_UTIL_NOTES_H
#define UPDX_UTIL_NOTES_H

#include <stdint.h>

#include "util/arena.h"
#include "util/vec.h"

typedef enum updx_note_kind {
    UPDX_NOTE_INFO,
    UPDX_NOTE_WARNING,  /* readable, but something looks off */
    UPDX_NOTE_DAMAGED,  /* part of a member or archive could not be read */
    UPDX_NOTE_LIMIT,    /* a resource limit cut something short */
} updx_note_kind;

#define UPDX_NO_OFFSET UINT64_MAX
#define UPDX_NO_LINE 0

typedef struct updx_note {
    updx_note_kind kind;
    const char *file;    /* member name, or the bundle's own name */
    uint64_t offset;     /* byte offset in that file, or UPDX_NO_OFFSET */
    uint64_t line;       /* 1-based line, or UPDX_NO_LINE */
    const char *message; /* one sentence, lowercase start, no final full stop */
} updx_note;

typedef struct updx_notes {
    updx_arena *arena;
    updx_vec items;  /* of updx_note */
    uint32_t dropped; /* notes not kept because the list was full */
} updx_notes;

void updx_notes_init(updx_notes *n, updx_arena *arena, uint32_t max_notes);
void updx_notes_free(updx_notes *n);
void updx_note_add(updx_notes *n, updx_note_kind kind, const char *file, uint64_t offset,
                   uint64_t line, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static inline const updx_note *updx_note_at(const updx_notes *n, size_t i)
{
    return (const updx_note *)updx_vec_at(&n->items, i);
}
size_t updx_notes_count(const updx_notes *n, updx_note_kind kind);
const char *updx_note_kind_name(updx_note_kind kind);

#endif
