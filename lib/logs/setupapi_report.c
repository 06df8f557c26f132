/*
 * setupapi_report.c: what the setupapi reader's facts answer (failed and open sections,
 * services) and the `device_installs` part of the JSON report (docs/report-schema.md).
 * The parser is setupapi.c.
 */
#include "logs/setupapi.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/strutil.h"

/* Entries of each list in the JSON report. */
enum {
    SA_JSON_MAX_SECTIONS = 200,
    SA_JSON_MAX_LINES = 40,
    SA_JSON_MAX_SERVICES = 500,
};

/* ---------------------------------------------------------------------------------------- */
/* lookups */

static const updx_setupapi_section *next_with(const struct updx_setupapi_facts *f, size_t *cursor,
                                              bool open)
{
    if (!f || !cursor)
        return NULL;
    while (*cursor < f->sections.len) {
        const updx_setupapi_section *s = *(updx_setupapi_section **)updx_avec_at(&f->sections, (*cursor)++);
        bool failed = s->status == UPDX_SA_FAILURE || s->status == UPDX_SA_OTHER;
        if (open ? s->status == UPDX_SA_OPEN : failed)
            return s;
    }
    return NULL;
}

const updx_setupapi_section *updx_setupapi_next_failed(const struct updx_setupapi_facts *f, size_t *cursor)
{
    return next_with(f, cursor, false);
}

const updx_setupapi_section *updx_setupapi_next_open(const struct updx_setupapi_facts *f, size_t *cursor)
{
    return next_with(f, cursor, true);
}

const updx_setupapi_service *updx_setupapi_find_service(const struct updx_setupapi_facts *f,
                                                        const char *service, size_t *cursor)
{
    if (!f || !service || !cursor)
        return NULL;
    while (*cursor < f->services.len) {
        const updx_setupapi_service *sv = *(updx_setupapi_service **)updx_avec_at(&f->services, (*cursor)++);
        if (updx_strcasecmp(sv->name, service) == 0)
            return sv;
    }
    return NULL;
}

const char *updx_setupapi_status_name(updx_setupapi_status status)
{
    switch (status) {
    case UPDX_SA_OPEN: return "open";
    case UPDX_SA_SUCCESS: return "success";
    case UPDX_SA_FAILURE: return "failure";
    case UPDX_SA_NO_STATUS: return "no_status";
    case UPDX_SA_OTHER: return "other";
    }
    return "unknown";
}

/* ---------------------------------------------------------------------------------------- */
/* report */

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *jhex(bool has, uint32_t v)
{
    if (!has)
        return json_null();
    char b[16];
    snprintf(b, sizeof b, "0x%08" PRIx32, v);
    return json_string(b);
}

static json_t *evidence(const char *file, uint64_t line, const char *text)
{
    json_t *e = json_object();
    json_object_set_new(e, "file", jstr(file));
    json_object_set_new(e, "line", json_integer((json_int_t)line));
    json_object_set_new(e, "text", jstr(text));
    return e;
}

static json_t *names_json(const updx_avec *v)
{
    json_t *a = json_array();
    for (size_t i = 0; i < v->len; i++)
        json_array_append_new(a, json_string(*(const char **)updx_avec_at(v, i)));
    return a;
}

static const char *op_name(updx_setupapi_service_op op)
{
    return op == UPDX_SA_ADD_SERVICE ? "add" : "delete";
}

static json_t *service_json(const updx_setupapi_service *sv, bool with_section)
{
    json_t *o = json_object();
    json_object_set_new(o, "service", json_string(sv->name));
    json_object_set_new(o, "operation", json_string(op_name(sv->op)));
    json_object_set_new(o, "flags", jhex(sv->has_flags, sv->flags));
    json_object_set_new(o, "inf", jstr(sv->inf));
    json_object_set_new(o, "inf_line", sv->inf_line ? json_integer(sv->inf_line) : json_null());
    json_object_set_new(o, "result", jstr(sv->result));
    json_object_set_new(o, "image_path", jstr(sv->image_path));
    if (with_section && sv->section) {
        const updx_setupapi_section *s = sv->section;
        json_object_set_new(o, "section", json_string(s->title));
        json_object_set_new(o, "section_status", json_string(updx_setupapi_status_name(s->status)));
        json_object_set_new(o, "exit_code", jhex(s->has_exit_code, s->exit_code));
        json_object_set_new(o, "section_end", jstr(s->end.text));
    }
    json_t *ev = json_array();
    json_array_append_new(ev, evidence(sv->directive.file, sv->directive.line, sv->directive.text));
    if (sv->outcome.line && sv->outcome.line != sv->directive.line)
        json_array_append_new(ev, evidence(sv->outcome.file, sv->outcome.line, sv->outcome.text));
    if (with_section && sv->section && sv->section->status_line)
        json_array_append_new(ev, evidence(sv->section->file->name, sv->section->status_line,
                                           sv->section->exit_text));
    json_object_set_new(o, "evidence", ev);
    return o;
}

static json_t *section_json(const updx_setupapi_section *s)
{
    json_t *o = json_object();
    const char *file = s->file->name;
    json_object_set_new(o, "file", json_string(file));
    json_object_set_new(o, "title", jstr(s->title));
    json_object_set_new(o, "kind", jstr(s->kind));
    json_object_set_new(o, "subject", jstr(s->subject));
    json_object_set_new(o, "start", jstr(s->start.text));
    json_object_set_new(o, "end", jstr(s->end.text));
    json_object_set_new(o, "status", json_string(updx_setupapi_status_name(s->status)));
    json_object_set_new(o, "exit_code", jhex(s->has_exit_code, s->exit_code));
    json_object_set_new(o, "body_lines", json_integer((json_int_t)s->body_lines));
    json_object_set_new(o, "errors", json_integer((json_int_t)s->errors));
    json_object_set_new(o, "warnings", json_integer((json_int_t)s->warnings));
    json_object_set_new(o, "interrupted", json_boolean(s->interrupted));
    json_t *sv = json_array();
    for (size_t i = 0; i < s->services.len; i++)
        json_array_append_new(sv, service_json(*(updx_setupapi_service **)updx_avec_at(&s->services, i), false));
    json_object_set_new(o, "services", sv);
    json_object_set_new(o, "drivers", names_json(&s->drivers));
    json_object_set_new(o, "infs", names_json(&s->infs));
    json_object_set_new(o, "device_ids", names_json(&s->device_ids));
    json_object_set_new(o, "first_error", s->first_error.line
                                              ? evidence(file, s->first_error.line, s->first_error.text)
                                              : json_null());
    json_object_set_new(o, "last_line", s->last_line.line ? evidence(file, s->last_line.line, s->last_line.text)
                                                          : json_null());
    /* evidence: the header, error and warning lines (capped), the exit status */
    json_t *ev = json_array();
    char *hdr = NULL;
    size_t tl = s->title ? strlen(s->title) : 0;
    hdr = malloc(tl + 8);
    if (hdr)
        snprintf(hdr, tl + 8, ">>>  [%s]", s->title ? s->title : "");
    json_array_append_new(ev, evidence(file, s->header_line, hdr));
    free(hdr);
    size_t shown = 0;
    for (size_t i = 0; i < s->lines.len && shown < SA_JSON_MAX_LINES; i++) {
        const updx_setupapi_line *l = updx_avec_at(&s->lines, i);
        if (l->severity == UPDX_SA_INFO && !(s->status == UPDX_SA_OPEN && l->line == s->last_line.line))
            continue;
        json_array_append_new(ev, evidence(file, l->line, l->text));
        shown++;
    }
    if (s->status == UPDX_SA_OPEN && s->last_line.line && s->last_line.severity != UPDX_SA_INFO &&
        shown == SA_JSON_MAX_LINES)
        json_array_append_new(ev, evidence(file, s->last_line.line, s->last_line.text));
    if (s->status_line)
        json_array_append_new(ev, evidence(file, s->status_line, s->exit_text));
    json_object_set_new(o, "evidence", ev);
    return o;
}

json_t *updx_setupapi_to_json(const updx_case *c)
{
    if (!c || !c->setupapi)
        return NULL;
    const struct updx_setupapi_facts *f = c->setupapi;
    json_t *root = json_object();
    json_t *files = json_array();
    for (size_t i = 0; i < f->files.len; i++) {
        const updx_setupapi_file *file = *(updx_setupapi_file **)updx_avec_at(&f->files, i);
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(file->name));
        json_object_set_new(o, "log", json_string(file->log_kind));
        json_object_set_new(o, "os_version", jstr(file->os_version));
        json_object_set_new(o, "architecture", jstr(file->architecture));
        json_object_set_new(o, "encoding", jstr(file->encoding));
        json_t *boots = json_array();
        for (size_t b = 0; b < file->boot_sessions.len; b++)
            json_array_append_new(boots, json_string(((updx_setupapi_time *)updx_avec_at(&file->boot_sessions, b))->text));
        json_object_set_new(o, "boot_sessions", boots);
        json_object_set_new(o, "sections", json_integer((json_int_t)file->sections));
        json_object_set_new(o, "succeeded", json_integer((json_int_t)file->succeeded));
        json_object_set_new(o, "failed", json_integer((json_int_t)file->failed));
        json_object_set_new(o, "left_open", json_integer((json_int_t)file->left_open));
        json_object_set_new(o, "without_status", json_integer((json_int_t)file->no_status));
        json_object_set_new(o, "errors", json_integer((json_int_t)file->errors));
        json_object_set_new(o, "warnings", json_integer((json_int_t)file->warnings));
        json_object_set_new(o, "cut_off", json_boolean(file->nul_bytes));
        json_object_set_new(o, "last_body_line", file->last_body_line.line
                                                     ? evidence(file->name, file->last_body_line.line,
                                                                file->last_body_line.text)
                                                     : json_null());
        json_array_append_new(files, o);
    }
    json_object_set_new(root, "files", files);

    json_t *failed = json_array(), *open = json_array();
    size_t nf = 0, no = 0, cur = 0;
    const updx_setupapi_section *s;
    while ((s = updx_setupapi_next_failed(f, &cur)) != NULL)
        if (nf++ < SA_JSON_MAX_SECTIONS)
            json_array_append_new(failed, section_json(s));
    cur = 0;
    while ((s = updx_setupapi_next_open(f, &cur)) != NULL)
        if (no++ < SA_JSON_MAX_SECTIONS)
            json_array_append_new(open, section_json(s));
    json_object_set_new(root, "failed_sections", failed);
    json_object_set_new(root, "open_sections", open);
    if (nf > SA_JSON_MAX_SECTIONS || no > SA_JSON_MAX_SECTIONS)
        json_object_set_new(root, "sections_not_listed",
                            json_integer((json_int_t)((nf > SA_JSON_MAX_SECTIONS ? nf - SA_JSON_MAX_SECTIONS : 0) +
                                                      (no > SA_JSON_MAX_SECTIONS ? no - SA_JSON_MAX_SECTIONS : 0))));

    /* service deletions anywhere, and any service operation in a section that did not succeed */
    json_t *ops = json_array();
    size_t nops = 0;
    for (size_t i = 0; i < f->services.len; i++) {
        const updx_setupapi_service *sv = *(updx_setupapi_service **)updx_avec_at(&f->services, i);
        if (sv->op != UPDX_SA_DELETE_SERVICE && sv->section->status == UPDX_SA_SUCCESS)
            continue;
        if (nops++ < SA_JSON_MAX_SERVICES)
            json_array_append_new(ops, service_json(sv, true));
    }
    json_object_set_new(root, "service_operations", ops);
    if (f->sections_dropped)
        json_object_set_new(root, "sections_dropped", json_integer((json_int_t)f->sections_dropped));
    return root;
}
