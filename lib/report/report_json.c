/* report_json.c: JSON for evidence, findings and notes (see report_json.h). */
#include "report/report_json.h"

#include <stdio.h>

json_t *updx_evref_to_json(const updx_evref *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "file", json_string(e->file ? e->file : ""));
    if (e->line != UPDX_NO_LINE)
        json_object_set_new(o, "line", json_integer((json_int_t)e->line));
    if (e->offset != UPDX_NO_OFFSET && e->line == UPDX_NO_LINE)
        json_object_set_new(o, "offset", json_integer((json_int_t)e->offset));
    json_object_set_new(o, "text", json_string(e->text ? e->text : ""));
    return o;
}

json_t *updx_i18n_to_json(const updx_i18n *t)
{
    json_t *o = json_object();
    json_object_set_new(o, "en", json_string(t->en ? t->en : ""));
    json_object_set_new(o, "zh", json_string(t->zh ? t->zh : (t->en ? t->en : "")));
    return o;
}

json_t *updx_hex_to_json(uint64_t value, int digits)
{
    char buf[32];
    if (value > 0xFFFFFFFFu && digits < 16)
        digits = 16;
    snprintf(buf, sizeof buf, "0x%0*llX", digits, (unsigned long long)value);
    return json_string(buf);
}

static json_t *i18n_list(const updx_avec *v)
{
    json_t *a = json_array();
    for (size_t i = 0; i < v->len; i++)
        json_array_append_new(a, updx_i18n_to_json(updx_avec_at(v, i)));
    return a;
}

static json_t *evidence_list(const updx_avec *v)
{
    json_t *a = json_array();
    for (size_t i = 0; i < v->len; i++)
        json_array_append_new(a, updx_evref_to_json(updx_avec_at(v, i)));
    return a;
}

static json_t *string_list(const updx_avec *v)
{
    json_t *a = json_array();
    for (size_t i = 0; i < v->len; i++)
        json_array_append_new(a, json_string(*(const char **)updx_avec_at(v, i)));
    return a;
}

static json_t *opt_string(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *updx_finding_to_json(const updx_finding *f)
{
    json_t *o = json_object();
    json_object_set_new(o, "rule", json_string(f->rule ? f->rule : ""));
    json_object_set_new(o, "category", json_string(updx_category_name(f->category)));
    if (f->culprit.name) {
        json_t *cu = json_object();
        json_object_set_new(cu, "kind", json_string(f->culprit.kind ? f->culprit.kind : "file"));
        json_object_set_new(cu, "name", json_string(f->culprit.name));
        json_object_set_new(cu, "service", opt_string(f->culprit.service));
        if (f->culprit.owner)
            json_object_set_new(cu, "owner", json_string(f->culprit.owner));
        if (f->culprit.version)
            json_object_set_new(cu, "version", json_string(f->culprit.version));
        json_object_set_new(o, "culprit", cu);
    } else {
        json_object_set_new(o, "culprit", json_null());
    }
    /* two decimals: stable across platforms and enough for people */
    json_object_set_new(o, "confidence", json_real((double)(long)(f->confidence * 100 + 0.5) / 100.0));
    json_object_set_new(o, "title", updx_i18n_to_json(&f->title));
    json_object_set_new(o, "explanation", updx_i18n_to_json(&f->explanation));
    json_object_set_new(o, "reasoning", i18n_list(&f->reasoning));
    json_object_set_new(o, "evidence", evidence_list(&f->evidence));
    json_object_set_new(o, "contradicting", evidence_list(&f->contradicting));
    json_object_set_new(o, "sources", string_list(&f->sources));
    json_object_set_new(o, "references", string_list(&f->references));
    json_t *rem = json_object();
    json_object_set_new(rem, "plan", opt_string(f->remediation.plan));
    json_object_set_new(rem, "steps", i18n_list(&f->remediation.steps));
    json_t *reg = json_array();
    for (size_t i = 0; i < f->remediation.registry.len; i++) {
        const updx_reg_change *r = updx_avec_at(&f->remediation.registry, i);
        json_t *ro = json_object();
        json_object_set_new(ro, "key", json_string(r->key ? r->key : ""));
        json_object_set_new(ro, "value", json_string(r->value ? r->value : ""));
        json_object_set_new(ro, "type", json_string(r->type ? r->type : ""));
        json_object_set_new(ro, "set", opt_string(r->set));
        json_object_set_new(ro, "restore", opt_string(r->restore));
        json_array_append_new(reg, ro);
    }
    json_object_set_new(rem, "registry", reg);
    json_object_set_new(rem, "warnings", i18n_list(&f->remediation.warnings));
    json_object_set_new(o, "remediation", rem);
    json_object_set_new(o, "signature", opt_string(f->signature));
    return o;
}

json_t *updx_findings_to_json(const updx_case *c)
{
    json_t *a = json_array();
    for (size_t i = 0; i < c->findings.len; i++)
        json_array_append_new(a, updx_finding_to_json(updx_avec_at(&c->findings, i)));
    return a;
}

json_t *updx_notes_to_json(const updx_case *c)
{
    json_t *a = json_array();
    for (size_t i = 0; i < c->notes.items.len; i++) {
        const updx_note *n = updx_note_at(&c->notes, i);
        json_t *o = json_object();
        json_object_set_new(o, "kind", json_string(updx_note_kind_name(n->kind)));
        json_object_set_new(o, "file", json_string(n->file ? n->file : ""));
        if (n->line != UPDX_NO_LINE)
            json_object_set_new(o, "line", json_integer((json_int_t)n->line));
        if (n->offset != UPDX_NO_OFFSET)
            json_object_set_new(o, "offset", json_integer((json_int_t)n->offset));
        json_object_set_new(o, "message", json_string(n->message ? n->message : ""));
        json_array_append_new(a, o);
    }
    if (c->notes.dropped) {
        json_t *o = json_object();
        char msg[128];
        snprintf(msg, sizeof msg, "%u more notes were not kept", c->notes.dropped);
        json_object_set_new(o, "kind", json_string("limit"));
        json_object_set_new(o, "file", json_string(""));
        json_object_set_new(o, "message", json_string(msg));
        json_array_append_new(a, o);
    }
    return a;
}
