/* bundle_json.c: the report's `bundle` object (see bundle_json.h). */
#include "bundle/bundle_json.h"

#include <string.h>

#include "bundle/bundle.h"

/* json_string rejects invalid UTF-8; names are made valid by the walker, but a NULL or a
 * surprise must not drop the whole report. */
static json_t *str_or_null(const char *s)
{
    json_t *v = s ? json_string(s) : NULL;
    return v ? v : json_null();
}

/* Values most members share (kind, encoding, detail, depth) are made once and referenced
 * from every member that has them: a bundle of 200,000 members held about 1.5 KB of JSON
 * per member, and the report must stay small for the biggest bundle the limits allow. */
enum { SHARED_STRINGS = 64, SHARED_DEPTHS = 8 };
typedef struct shared_values {
    const char *text[SHARED_STRINGS];  /* the strings are the walker's, alive as long as c */
    json_t *value[SHARED_STRINGS];
    size_t n;
    json_t *depth[SHARED_DEPTHS];
} shared_values;

/* A reference to the shared JSON string for s (NULL: json null), made on first use. */
static json_t *shared_string(shared_values *sv, const char *s)
{
    if (!s)
        return json_null();
    for (size_t i = 0; i < sv->n; i++)
        if (sv->text[i] == s || strcmp(sv->text[i], s) == 0)
            return json_incref(sv->value[i]);
    json_t *v = str_or_null(s);
    if (sv->n < SHARED_STRINGS && json_is_string(v)) {
        sv->text[sv->n] = s;
        sv->value[sv->n++] = json_incref(v);
    }
    return v;
}

static json_t *shared_depth(shared_values *sv, uint32_t depth)
{
    if (depth >= SHARED_DEPTHS)
        return json_integer(depth);
    if (!sv->depth[depth])
        sv->depth[depth] = json_integer(depth);
    return json_incref(sv->depth[depth]);
}

static void shared_free(shared_values *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        json_decref(sv->value[i]);
    for (size_t i = 0; i < SHARED_DEPTHS; i++)
        json_decref(sv->depth[i]);
}

static json_t *member_json(const updx_member_info *m, shared_values *sv)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", str_or_null(m->name));
    json_object_set_new(o, "kind", shared_string(sv, updx_kind_name(m->kind)));
    json_object_set_new(o, "size", json_integer((json_int_t)m->size));
    json_object_set_new(o, "sha256", m->sha256[0] ? json_stringn_nocheck(m->sha256, 64) : json_null());
    json_object_set_new(o, "encoding", shared_string(sv, m->encoding));
    json_object_set_new(o, "detail", shared_string(sv, m->detail));
    json_object_set_new(o, "depth", shared_depth(sv, m->depth));
    json_object_set_new(o, "damaged", json_boolean(m->damaged));
    return o;
}

static json_t *manifest_json(const struct updx_bundle_facts *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "member", str_or_null(f->manifest));
    json_object_set_new(o, "collector", str_or_null(f->collector_name));
    json_object_set_new(o, "collector_version", str_or_null(f->collector_version));
    json_t *machine = json_object();
    for (size_t i = 0; i < f->machine.len; i++) {
        const updx_kv *kv = updx_avec_at(&f->machine, i);
        json_object_set_new(machine, kv->key, str_or_null(kv->value));
    }
    json_object_set_new(o, "machine", machine);
    json_t *errors = json_array();
    for (size_t i = 0; i < f->errors.len; i++)
        json_array_append_new(errors, str_or_null(*(const char **)updx_avec_at(&f->errors, i)));
    json_object_set_new(o, "errors", errors);
    json_object_set_new(o, "files_listed", json_integer((json_int_t)f->files.len));
    json_object_set_new(o, "files_missing", json_integer(f->files_missing));
    json_object_set_new(o, "files_differing", json_integer(f->files_differing));
    return o;
}

json_t *updx_member_to_json(const updx_member_info *m)
{
    shared_values sv = {0};
    json_t *o = member_json(m, &sv);
    shared_free(&sv);
    return o;
}

json_t *updx_bundle_to_json(const updx_case *c)
{
    return updx_bundle_to_json_ex(c, true);
}

json_t *updx_bundle_to_json_ex(const updx_case *c, bool list_members)
{
    json_t *b = json_object();
    if (!b)
        return NULL;
    json_object_set_new(b, "name", str_or_null(c->bundle_name));
    json_t *members = json_array();
    uint64_t bytes = 0, damaged_members = 0;
    shared_values sv = {0};
    for (size_t i = 0; i < c->members.len; i++) {
        const updx_member_info *m = updx_avec_at(&c->members, i);
        if (list_members)
            json_array_append_new(members, member_json(m, &sv));
        bytes += m->size;
        damaged_members += m->damaged;
    }
    shared_free(&sv);
    json_object_set_new(b, "members", members);
    json_t *damaged = json_array(), *limits = json_array(), *warnings = json_array();
    for (size_t i = 0; i < c->notes.items.len; i++) {
        const updx_note *n = updx_note_at(&c->notes, i);
        json_t *o = json_object();
        json_object_set_new(o, "name", str_or_null(n->file));
        switch (n->kind) {
        case UPDX_NOTE_DAMAGED:
            json_object_set_new(o, "error", str_or_null(n->message));
            if (n->offset != UPDX_NO_OFFSET)
                json_object_set_new(o, "offset", json_integer((json_int_t)n->offset));
            json_array_append_new(damaged, o);
            break;
        case UPDX_NOTE_LIMIT:
            json_object_set_new(o, "message", str_or_null(n->message));
            json_array_append_new(limits, o);
            break;
        default:
            json_object_set_new(o, "message", str_or_null(n->message));
            json_array_append_new(warnings, o);
            break;
        }
    }
    json_object_set_new(b, "damaged", damaged);
    json_object_set_new(b, "limits", limits);
    json_object_set_new(b, "warnings", warnings);
    json_t *summary = json_object();
    json_object_set_new(summary, "members", json_integer((json_int_t)c->members.len));
    json_object_set_new(summary, "bytes", json_integer((json_int_t)bytes));
    json_object_set_new(summary, "damaged_members", json_integer((json_int_t)damaged_members));
    json_object_set_new(summary, "notes_dropped", json_integer(c->notes.dropped));
    json_object_set_new(b, "summary", summary);
    if (c->bundle)
        json_object_set_new(b, "manifest", manifest_json(c->bundle));
    return b;
}
