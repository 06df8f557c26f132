/* report.c: assembles the JSON report from the sections each area builds (schema:
 * docs/report-schema.json; contract: the fields scripts rely on). Deterministic: no clock,
 * members in walk order (sorted), findings ranked with stable tie-breaks. */
#include "analyze/analyze.h"

#include "bundle/bundle.h"
#include "bundle/bundle_json.h"
#include "diagnose/correlate.h"
#include "dumps/crash_json.h"
#include "logs/compat.h"
#include "logs/servicing.h"
#include "logs/setupapi.h"
#include "logs/story.h"
#include "report/report_json.h"
#include "sys/sys_facts.h"

static json_t *or_empty(json_t *v)
{
    return v ? v : json_object();
}

static json_t *upgrade_json(const updx_case *c)
{
    json_t *up = updx_story_to_json(c);
    if (json_is_object(up))
        return up;
    json_decref(up);
    up = json_object();
    json_object_set_new(up, "outcome", json_string("unknown"));
    json_object_set_new(up, "result_code", json_null());
    json_object_set_new(up, "extended_code", json_null());
    json_object_set_new(up, "phase", json_null());
    return up;
}

/* what is known of the machine: the collector's facts, then the registry's */
static json_t *machine_json(const updx_case *c)
{
    json_t *m = json_object();
    const struct updx_bundle_facts *bf = c->bundle;
    if (bf) {
        for (size_t i = 0; i < bf->machine.len; i++) {
            const updx_kv *kv = updx_avec_at(&bf->machine, i);
            if (kv->key && kv->value)
                json_object_set_new(m, kv->key, json_string(kv->value));
        }
    }
    if (c->sys) {
        const updx_sys_os *os = updx_sys_os_facts(c);
        if (os->product_name && !json_object_get(m, "product"))
            json_object_set_new(m, "product", json_string(os->product_name));
        if (os->edition_id)
            json_object_set_new(m, "edition", json_string(os->edition_id));
        if (os->current_build)
            json_object_set_new(m, "build", json_string(os->current_build));
        if (os->has_ubr)
            json_object_set_new(m, "ubr", json_integer(os->ubr));
        if (os->display_version)
            json_object_set_new(m, "display_version", json_string(os->display_version));
    }
    return m;
}

json_t *updx_report_build(const updx_case *c)
{
    return updx_report_build_ex(c, true);
}

json_t *updx_report_build_ex(const updx_case *c, bool list_members)
{
    json_t *r = json_object();
    json_object_set_new(r, "schema", json_string(UPDX_REPORT_SCHEMA));
    json_t *tool = json_object();
    json_object_set_new(tool, "name", json_string("updx"));
    json_object_set_new(tool, "version", json_string(updx_version()));
    json_object_set_new(r, "tool", tool);
    json_object_set_new(r, "bundle", or_empty(updx_bundle_to_json_ex(c, list_members)));
    json_object_set_new(r, "machine", machine_json(c));
    json_object_set_new(r, "upgrade", upgrade_json(c));
    json_object_set_new(r, "findings", updx_findings_to_json(c));
    json_t *crashes = json_array();
    for (size_t i = 0; i < c->crashes.len; i++)
        json_array_append_new(crashes, updx_crash_to_json(c, updx_avec_at(&c->crashes, i)));
    json_object_set_new(r, "crashes", crashes);
    json_object_set_new(r, "missing_evidence", updx_missing_evidence_json(c));
    json_object_set_new(r, "device_installs", or_empty(updx_setupapi_to_json(c)));
    json_object_set_new(r, "compat", or_empty(updx_compat_to_json(c)));
    json_object_set_new(r, "servicing", or_empty(updx_servicing_to_json(c)));
    json_object_set_new(r, "system", or_empty(updx_sys_to_json(c)));
    json_object_set_new(r, "notes", updx_notes_to_json(c));
    return r;
}
