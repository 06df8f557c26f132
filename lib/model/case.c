/* case.c: lifetime of a case (see case.h). */
#include "model/case.h"

#include "model/finding.h"
#include "text/text.h"

#include <stdlib.h>

enum { CASE_MAX_NOTES = 100000, CASE_MAX_CRASHES = 10000, CRASH_MAX_FRAMES = 1024,
       CRASH_MAX_MODULES = 65536, CASE_MAX_FINDINGS = 4096 };

updx_case *updx_case_new(const char *bundle_name, const updx_limits *limits)
{
    updx_case *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    if (limits)
        c->limits = *limits;
    else
        updx_limits_default(&c->limits);
    updx_arena_init(&c->arena, c->limits.max_memory_bytes);
    updx_notes_init(&c->notes, &c->arena, CASE_MAX_NOTES);
    c->bundle_name = updx_arena_strdup(&c->arena, bundle_name ? bundle_name : "");
    if (!c->bundle_name)
        c->bundle_name = ""; /* a --max-memory too small for even the name: never NULL */
    updx_avec_init(&c->members, sizeof(updx_member_info), c->limits.max_members);
    updx_avec_init(&c->crashes, sizeof(updx_crash), CASE_MAX_CRASHES);
    updx_avec_init(&c->findings, sizeof(updx_finding), CASE_MAX_FINDINGS);
    return c;
}

void updx_case_free(updx_case *c)
{
    if (!c)
        return;
    updx_notes_free(&c->notes);
    updx_arena_free(&c->arena);
    free(c);
}

updx_crash *updx_case_add_crash(updx_case *c, const char *source, updx_crash_origin origin)
{
    updx_crash *cr = updx_avec_push(&c->crashes, &c->arena);
    if (!cr) {
        updx_note_add(&c->notes, UPDX_NOTE_LIMIT, source, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "too many crashes in one bundle; the rest are not listed");
        return NULL;
    }
    cr->source = updx_arena_strdup(&c->arena, source);
    cr->origin = origin;
    cr->where.offset = UPDX_NO_OFFSET;
    updx_avec_init(&cr->frames, sizeof(updx_frame), CRASH_MAX_FRAMES);
    updx_avec_init(&cr->modules, sizeof(updx_module), CRASH_MAX_MODULES);
    return cr;
}

int updx_case_read_text_mem(updx_case *c, const char *member, const void *data, size_t len,
                            updx_text_reader read)
{
    updx_text *t = NULL;
    updx_text_opts opts = {.max_line_bytes = c ? c->limits.max_line_bytes : 0};
    int rc = updx_text_open_mem(&t, data, len, &opts);
    if (rc != UPDX_OK)
        return rc;
    rc = read(c, member, t);
    updx_text_close(t);
    return rc;
}
