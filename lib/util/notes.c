/* notes.c: see notes.h. */
#include "util/notes.h"

#include <stdarg.h>

void updx_notes_init(updx_notes *n, updx_arena *arena, uint32_t max_notes)
{
    n->arena = arena;
    n->dropped = 0;
    updx_vec_init(&n->items, sizeof(updx_note), max_notes);
}

void updx_notes_free(updx_notes *n)
{
    updx_vec_free(&n->items);
}

void updx_note_add(updx_notes *n, updx_note_kind kind, const char *file, uint64_t offset,
                   uint64_t line, const char *fmt, ...)
{
    updx_note *note = updx_vec_push(&n->items);
    if (!note) {
        n->dropped++;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    note->kind = kind;
    note->file = updx_arena_strdup(n->arena, file ? file : "");
    note->offset = offset;
    note->line = line;
    note->message = updx_arena_vprintf(n->arena, fmt, ap);
    va_end(ap);
    if (!note->file || !note->message) {
        n->items.len--;
        n->dropped++;
    }
}

size_t updx_notes_count(const updx_notes *n, updx_note_kind kind)
{
    size_t c = 0;
    for (size_t i = 0; i < n->items.len; i++)
        c += updx_note_at(n, i)->kind == kind;
    return c;
}

const char *updx_note_kind_name(updx_note_kind kind)
{
    switch (kind) {
    case UPDX_NOTE_INFO: return "info";
    case UPDX_NOTE_WARNING: return "warning";
    case UPDX_NOTE_DAMAGED: return "damaged";
    case UPDX_NOTE_LIMIT: return "limit";
    }
    return "unknown";
}
