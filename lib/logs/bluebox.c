/*
 * bluebox.c: BlueBox.log reader (see bluebox.h).
 */
#include "logs/bluebox.h"

#include <string.h>

#include "logs/setup_facts.h"
#include "logs/setupact.h"
#include "util/strutil.h"

enum { BLUEBOX_MAX_KEPT = 5000, BLUEBOX_MAX_TEXT = 2048 };

static bool has_ci(const char *s, size_t len, const char *needle)
{
    return updx_memcasemem(s, len, needle, strlen(needle)) != NULL;
}

/* The hex number in the "[...]" after "Result", or false. */
static bool result_value(const char *s, size_t len, uint64_t *v)
{
    const char *r = updx_memcasemem(s, len, "result", 6);
    if (!r)
        return false;
    const char *end = s + len;
    const char *b = memchr(r, '[', (size_t)(end - r));
    size_t used;
    return b && updx_parse_hex(b + 1, (size_t)(end - b - 1), v, &used);
}

int updx_bluebox_read(updx_case *c, const char *member, updx_text *t)
{
    if (!c || !t)
        return UPDX_ERR_ARG;
    if (!updx_setup_facts_get(c))
        return UPDX_ERR_NOMEM;
    uint32_t index;
    updx_setup_file *f = updx_setup_facts_add_file(c, member, UPDX_SETUP_SRC_BLUEBOX, &index);
    if (!f)
        return UPDX_ERR_LIMIT;
    updx_line ln;
    int rc;
    uint64_t kept = 0;
    while ((rc = updx_text_next(t, &ln)) > 0) {
        f->lines++;
        int64_t when = updx_setup_time_parse(ln.text, ln.len);
        if (!when || ln.len < 21 || ln.text[19] != ':') {
            f->untyped_lines++;
            continue;
        }
        f->typed_lines++;
        const char *msg = ln.text + 21;
        size_t mlen = ln.len - 21;
        msg = updx_trim(msg, &mlen);
        updx_setup_mark mark = UPDX_MARK_NONE;
        updx_setup_level level = UPDX_SETUP_INFO;
        uint64_t v = 0;
        const char *arg = NULL;
        size_t arg_len = 0;
        if (result_value(msg, mlen, &v) && v != 0 && v <= UINT32_MAX) {
            mark = UPDX_MARK_BLUEBOX_RESULT;
            level = UPDX_SETUP_ERROR;
        } else if (has_ci(msg, mlen, "fail") || has_ci(msg, mlen, "error")) {
            level = UPDX_SETUP_ERROR;
        } else if (mlen > 12 && memcmp(msg, "BuildInfo: [", 12) == 0) {
            mark = UPDX_MARK_TARGET_VERSION;
            arg = msg + 12;
            while (arg_len < mlen - 12 && arg[arg_len] != ' ' && arg[arg_len] != ']')
                arg_len++;
        }
        f->count_by_level[level]++;
        if (mark == UPDX_MARK_NONE && level != UPDX_SETUP_ERROR)
            continue;
        if (kept >= BLUEBOX_MAX_KEPT) {
            f->events_dropped++;
            continue;
        }
        updx_setup_event *e = updx_setup_facts_add_event(c, f, index);
        if (!e)
            continue;
        kept++;
        e->line = ln.number;
        e->offset = ln.offset;
        e->time_text = updx_arena_strndup(&c->arena, ln.text, 19);
        e->time = when;
        e->level = level;
        e->component = "";
        size_t n = mlen < BLUEBOX_MAX_TEXT ? mlen : BLUEBOX_MAX_TEXT;
        while (n < mlen && n > 0 && ((unsigned char)msg[n] & 0xC0) == 0x80)
            n--;
        e->message = updx_arena_strndup(&c->arena, msg, n);
        size_t rn = ln.len < BLUEBOX_MAX_TEXT ? ln.len : BLUEBOX_MAX_TEXT;
        while (rn < ln.len && rn > 0 && ((unsigned char)ln.text[rn] & 0xC0) == 0x80)
            rn--;
        e->raw = updx_arena_strndup(&c->arena, ln.text, rn);
        e->mark = mark;
        e->a = v;
        e->arg = arg ? updx_arena_strndup(&c->arena, arg, arg_len) : NULL;
    }
    if (rc < 0) {
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, f->name, UPDX_NO_OFFSET, f->lines,
                      "read error after line %llu", (unsigned long long)f->lines);
        return UPDX_PARTIAL;
    }
    return UPDX_OK;
}

int updx_bluebox_read_mem(updx_case *c, const char *member, const void *data, size_t len)
{
    return updx_case_read_text_mem(c, member, data, len, updx_bluebox_read);
}
