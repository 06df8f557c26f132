/* sys_facts.c: the system-state facts, their lookups and their JSON (see sys_facts.h). */
#include "sys/sys_facts.h"

#include <string.h>

#include "util/strutil.h"

/* Caps on what one case keeps: a SYSTEM hive has ~600-1500 services, a SOFTWARE hive a few
 * hundred programs; event logs are filtered to a few kinds, but a boot loop repeats them. */
enum {
    SYS_MAX_SERVICES = 20000,
    SYS_MAX_CLASSES = 4000,
    SYS_MAX_NDIS = 4000,
    SYS_MAX_SETTINGS = 4000,
    SYS_MAX_PROGRAMS = 20000,
    SYS_MAX_EVENTS = 5000,
    SYS_JSON_ALL_SERVICES = 64,   /* list every service when there are at most this many */
    SYS_JSON_MAX_SERVICES = 500,
    SYS_JSON_MAX_EVENTS = 1000,
};

updx_sys_facts *updx_sys_get(updx_case *c)
{
    if (c->sys)
        return c->sys;
    updx_sys_facts *f = updx_arena_alloc(&c->arena, sizeof *f);
    if (!f)
        return NULL;
    updx_avec_init(&f->services, sizeof(updx_sys_service), SYS_MAX_SERVICES);
    updx_avec_init(&f->class_filters, sizeof(updx_sys_class_filter), SYS_MAX_CLASSES);
    updx_avec_init(&f->ndis_filters, sizeof(updx_sys_ndis_filter), SYS_MAX_NDIS);
    updx_avec_init(&f->settings, sizeof(updx_sys_setting), SYS_MAX_SETTINGS);
    updx_avec_init(&f->programs, sizeof(updx_sys_program), SYS_MAX_PROGRAMS);
    updx_avec_init(&f->events, sizeof(updx_sys_event), SYS_MAX_EVENTS);
    c->sys = f;
    return f;
}

/* Compares a name given by the diagnosis ("lwfmgr", "lwfmgr.sys", "LWFMGR.SYS") with a
 * service or filter name, ignoring case and a ".sys" suffix on either side. */
static bool driver_name_eq(const char *a, const char *b)
{
    if (!a || !b)
        return false;
    size_t la = strlen(a), lb = strlen(b);
    if (updx_str_ends_with_ci(a, ".sys"))
        la -= 4;
    if (updx_str_ends_with_ci(b, ".sys"))
        lb -= 4;
    return la == lb && la && updx_strncasecmp(a, b, la) == 0;
}

/* The control set whose facts count: Select\Current when it is present, else 0
 * (CurrentControlSet exports), else whatever was read. */
static bool preferred_set(const updx_sys_facts *f, uint32_t cs)
{
    return cs == 0 || cs == f->os.current_control_set || !f->os.current_control_set;
}

const updx_sys_service *updx_sys_find_service(const updx_case *c, const char *name)
{
    const updx_sys_facts *f = c ? c->sys : NULL;
    if (!f || !name || !*name)
        return NULL;
    const updx_sys_service *best = NULL;
    int best_rank = 0;
    for (size_t i = 0; i < f->services.len; i++) {
        const updx_sys_service *s = updx_avec_at(&f->services, i);
        int rank = 0;
        if (driver_name_eq(s->name, name))
            rank = 2;
        else if (s->image_path && driver_name_eq(updx_path_basename(s->image_path), name))
            rank = 1;
        if (!rank)
            continue;
        rank = rank * 2 + (preferred_set(f, s->control_set) ? 1 : 0);
        if (rank > best_rank) {
            best = s;
            best_rank = rank;
        }
    }
    return best;
}

static bool list_has(const updx_avec *list, const char *service)
{
    for (size_t i = 0; i < list->len; i++)
        if (driver_name_eq(*(const char **)updx_avec_at(list, i), service))
            return true;
    return false;
}

size_t updx_sys_filter_refs(const updx_case *c, const char *service, updx_sys_filter_ref *out,
                            size_t max)
{
    const updx_sys_facts *f = c ? c->sys : NULL;
    if (!f || !service)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < f->class_filters.len; i++) {
        const updx_sys_class_filter *cf = updx_avec_at(&f->class_filters, i);
        if (!preferred_set(f, cf->control_set))
            continue;
        for (int upper = 1; upper >= 0; upper--) {
            if (!list_has(upper ? &cf->upper : &cf->lower, service))
                continue;
            if (out && n < max) {
                out[n].cls = cf;
                out[n].upper = upper;
            }
            n++;
        }
    }
    return n;
}

size_t updx_sys_ndis_refs(const updx_case *c, const char *service,
                          const updx_sys_ndis_filter **out, size_t max)
{
    const updx_sys_facts *f = c ? c->sys : NULL;
    if (!f || !service)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < f->ndis_filters.len; i++) {
        const updx_sys_ndis_filter *nf = updx_avec_at(&f->ndis_filters, i);
        if (!preferred_set(f, nf->control_set) || !driver_name_eq(nf->service, service))
            continue;
        if (out && n < max)
            out[n] = nf;
        n++;
    }
    return n;
}

/* Words too common in driver and product names to tie one to the other. */
static bool generic_word(const char *w, size_t n)
{
    static const char *const words[] = {
        "microsoft", "windows", "driver", "drivers", "filter", "service", "services", "network",
        "manager", "management", "system", "device", "software", "the", "and", "for", "corporation",
        "inc", "ltd", "co", "version", "update", "lightweight", "virtual", "adapter", "client",
        "agent", "support", "tool", "tools", "program", "files", "x64", "x86", "kernel", "mode"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strlen(words[i]) == n && updx_strncasecmp(w, words[i], n) == 0)
            return true;
    return false;
}

/* True when `hay` and `text` share a distinctive word of 3+ letters. */
static bool share_word(const char *text, const char *hay)
{
    if (!text || !hay)
        return false;
    const char *s = text;
    while (*s) {
        while (*s && !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
            s++;
        const char *w = s;
        while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))
            s++;
        size_t n = (size_t)(s - w);
        if (n < 3 || generic_word(w, n))
            continue;
        /* whole-word match in hay */
        size_t hl = strlen(hay);
        const char *p = hay;
        while ((p = updx_memcasemem(p, hl - (size_t)(p - hay), w, n)) != NULL) {
            bool left = p == hay || !((p[-1] | 32) >= 'a' && (p[-1] | 32) <= 'z');
            char r = p[n];
            bool right = !((r | 32) >= 'a' && (r | 32) <= 'z');
            if (left && right)
                return true;
            p += 1;
        }
    }
    return false;
}

/* The ImagePath as a Windows path for comparison: "\SystemRoot\" and "\??\" stripped. */
static const char *image_tail(const char *p)
{
    if (updx_str_starts_with_ci(p, "\\??\\"))
        return p + 4;
    return p;
}

const updx_sys_program *updx_sys_program_for_driver(const updx_case *c,
                                                    const updx_sys_service *svc,
                                                    const char **why)
{
    const updx_sys_facts *f = c ? c->sys : NULL;
    if (why)
        *why = NULL;
    if (!f || !svc)
        return NULL;
    const updx_sys_program *best = NULL;
    int best_score = 0;
    const char *best_why = NULL;
    for (size_t i = 0; i < f->programs.len; i++) {
        const updx_sys_program *p = updx_avec_at(&f->programs, i);
        int score = 0;
        const char *reason = NULL;
        const char *loc = p->install_location;
        if (loc && strlen(loc) >= 4 && svc->image_path) {
            size_t ll = strlen(loc);
            while (ll && (loc[ll - 1] == '\\' || loc[ll - 1] == '/'))
                ll--;
            const char *img = image_tail(svc->image_path);
            if (ll >= 4 && updx_strncasecmp(img, loc, ll) == 0 && (img[ll] == '\\' || img[ll] == '/')) {
                score = 3;
                reason = "the driver's ImagePath lies in the program's InstallLocation";
            }
        }
        if (!score && p->uninstall_string && svc->name && strlen(svc->name) >= 4 &&
            updx_memcasemem(p->uninstall_string, strlen(p->uninstall_string), svc->name,
                            strlen(svc->name))) {
            score = 2;
            reason = "the program's uninstall command names the service";
        }
        if (!score && p->display_name &&
            (share_word(p->display_name, svc->display_name) ||
             share_word(p->display_name, svc->description))) {
            score = 1;
            reason = "the program's name shares a word with the service's display name";
        }
        if (!score && p->publisher && share_word(p->publisher, svc->description)) {
            score = 1;
            reason = "the service's description names the program's publisher";
        }
        if (score > best_score) {
            best = p;
            best_score = score;
            best_why = reason;
        }
    }
    if (why)
        *why = best_why;
    return best;
}

const updx_sys_os *updx_sys_os_facts(const updx_case *c)
{
    static const updx_sys_os empty;
    return c && c->sys ? &c->sys->os : &empty;
}

const char *updx_sys_event_get(const updx_sys_event *ev, const char *name)
{
    for (size_t i = 0; ev && i < ev->fields.len; i++) {
        const updx_sys_event_field *fl = updx_avec_at(&ev->fields, i);
        if (updx_strcasecmp(fl->name, name) == 0)
            return fl->value;
    }
    return NULL;
}

const char *updx_sys_event_kind_name(updx_sys_event_kind kind)
{
    switch (kind) {
    case UPDX_EVENT_BUGCHECK: return "bugcheck";
    case UPDX_EVENT_KERNEL_POWER_41: return "kernel_power_41";
    case UPDX_EVENT_UNEXPECTED_SHUTDOWN: return "unexpected_shutdown";
    case UPDX_EVENT_SERVICE_FAILURE: return "service_failure";
    case UPDX_EVENT_SETUP_DIAG: return "setup_diag";
    case UPDX_EVENT_SETUP: return "setup";
    case UPDX_EVENT_WINDOWS_UPDATE: return "windows_update";
    }
    return "unknown";
}

/* "oem12.inf" (a third-party package staged by pnputil/setupapi). */
static bool oem_inf(const char *s)
{
    if (!updx_str_starts_with_ci(s, "oem") || !updx_str_ends_with_ci(s, ".inf"))
        return false;
    size_t n = strlen(s);
    if (n <= 7)
        return false;
    for (size_t i = 3; i < n - 4; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool updx_sys_service_third_party(const updx_sys_service *svc)
{
    for (size_t i = 0; i < svc->owners.len; i++)
        if (oem_inf(*(const char **)updx_avec_at(&svc->owners, i)))
            return true;
    if (!svc->image_path || !*svc->image_path)
        return false;
    const char *p = image_tail(svc->image_path);
    if (*p == '"')
        p++;
    /* relative paths ("system32\drivers\x.sys") and \SystemRoot are under Windows */
    if (updx_str_starts_with_ci(p, "\\SystemRoot\\") || updx_str_starts_with_ci(p, "System32\\") ||
        updx_str_starts_with_ci(p, "%SystemRoot%\\") || updx_str_starts_with_ci(p, "%windir%\\"))
        return false;
    if (((p[0] | 32) >= 'a' && (p[0] | 32) <= 'z') && p[1] == ':' && p[2] == '\\')
        return !updx_str_starts_with_ci(p + 3, "Windows\\");
    return false;
}

static void set_str(json_t *o, const char *key, const char *v)
{
    if (v)
        json_object_set_new(o, key, json_string(v));
}

static json_t *list_json(const updx_avec *list)
{
    json_t *a = json_array();
    for (size_t i = 0; i < list->len; i++)
        json_array_append_new(a, json_string(*(const char **)updx_avec_at(list, i)));
    return a;
}

static json_t *source_json(const updx_sys_source *s)
{
    json_t *o = json_object();
    set_str(o, "file", s->file);
    set_str(o, "key", s->key);
    return o;
}

static json_t *service_json(const updx_case *c, const updx_sys_service *s)
{
    json_t *o = json_object();
    set_str(o, "name", s->name);
    if (s->has_start)
        json_object_set_new(o, "start", json_integer(s->start));
    if (s->has_type)
        json_object_set_new(o, "type", json_integer(s->type));
    if (s->has_error_control)
        json_object_set_new(o, "error_control", json_integer(s->error_control));
    set_str(o, "image_path", s->image_path);
    set_str(o, "group", s->group);
    set_str(o, "display_name", s->display_name);
    set_str(o, "description", s->description);
    if (s->owners.len)
        json_object_set_new(o, "owners", list_json(&s->owners));
    json_object_set_new(o, "third_party", json_boolean(updx_sys_service_third_party(s)));
    json_object_set_new(o, "class_filter_refs",
                        json_integer((json_int_t)updx_sys_filter_refs(c, s->name, NULL, 0)));
    const char *why;
    const updx_sys_program *p = updx_sys_program_for_driver(c, s, &why);
    if (p) {
        json_t *po = json_object();
        set_str(po, "name", p->display_name ? p->display_name : p->key);
        set_str(po, "publisher", p->publisher);
        set_str(po, "version", p->display_version);
        set_str(po, "why", why);
        json_object_set_new(o, "program", po);
    }
    json_object_set_new(o, "source", source_json(&s->source));
    return o;
}

static bool service_of_interest(const updx_case *c, const updx_sys_facts *f,
                                const updx_sys_service *s)
{
    if (!preferred_set(f, s->control_set))
        return false;
    if (f->services.len <= SYS_JSON_ALL_SERVICES)
        return true;
    if (updx_sys_service_third_party(s) || updx_sys_filter_refs(c, s->name, NULL, 0) ||
        updx_sys_ndis_refs(c, s->name, NULL, 0))
        return true;
    return false;
}

static json_t *event_json(const updx_sys_event *ev)
{
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(updx_sys_event_kind_name(ev->kind)));
    set_str(o, "file", ev->file);
    if (ev->offset != UPDX_NO_OFFSET)
        json_object_set_new(o, "offset", json_integer((json_int_t)ev->offset));
    json_object_set_new(o, "record_id", json_integer((json_int_t)ev->record_id));
    json_object_set_new(o, "time", json_integer(ev->time));
    set_str(o, "provider", ev->provider);
    set_str(o, "channel", ev->channel);
    json_object_set_new(o, "event_id", json_integer(ev->event_id));
    json_object_set_new(o, "level", json_integer(ev->level));
    if (ev->recovered)
        json_object_set_new(o, "recovered", json_true());
    json_t *fields = json_object();
    for (size_t i = 0; i < ev->fields.len; i++) {
        const updx_sys_event_field *fl = updx_avec_at(&ev->fields, i);
        json_object_set_new(fields, fl->name, json_string(fl->value));
    }
    json_object_set_new(o, "data", fields);
    return o;
}

json_t *updx_sys_to_json(const updx_case *c)
{
    const updx_sys_facts *f = c ? c->sys : NULL;
    if (!f)
        return NULL;
    json_t *root = json_object();
    json_t *os = json_object();
    set_str(os, "product_name", f->os.product_name);
    set_str(os, "edition_id", f->os.edition_id);
    set_str(os, "current_build", f->os.current_build);
    if (f->os.has_ubr)
        json_object_set_new(os, "ubr", json_integer(f->os.ubr));
    set_str(os, "display_version", f->os.display_version);
    set_str(os, "release_id", f->os.release_id);
    set_str(os, "installation_type", f->os.installation_type);
    if (f->os.current_control_set)
        json_object_set_new(os, "current_control_set", json_integer(f->os.current_control_set));
    set_str(os, "source", f->os.source);
    json_object_set_new(root, "os", os);

    json_t *services = json_array();
    size_t listed = 0;
    for (size_t i = 0; i < f->services.len && listed < SYS_JSON_MAX_SERVICES; i++) {
        const updx_sys_service *s = updx_avec_at(&f->services, i);
        if (service_of_interest(c, f, s)) {
            json_array_append_new(services, service_json(c, s));
            listed++;
        }
    }
    json_object_set_new(root, "services_total", json_integer((json_int_t)f->services.len));
    json_object_set_new(root, "services", services);

    json_t *classes = json_array();
    for (size_t i = 0; i < f->class_filters.len; i++) {
        const updx_sys_class_filter *cf = updx_avec_at(&f->class_filters, i);
        if (!preferred_set(f, cf->control_set) || (!cf->upper.len && !cf->lower.len))
            continue;
        json_t *o = json_object();
        set_str(o, "class_guid", cf->class_guid);
        set_str(o, "class_name", cf->class_name);
        json_object_set_new(o, "upper", list_json(&cf->upper));
        json_object_set_new(o, "lower", list_json(&cf->lower));
        json_object_set_new(o, "source", source_json(&cf->source));
        json_array_append_new(classes, o);
    }
    json_object_set_new(root, "class_filters", classes);

    json_t *ndis = json_array();
    for (size_t i = 0; i < f->ndis_filters.len; i++) {
        const updx_sys_ndis_filter *nf = updx_avec_at(&f->ndis_filters, i);
        if (!preferred_set(f, nf->control_set) || !nf->filter_class)
            continue;  /* only filters, not every protocol and service */
        json_t *o = json_object();
        set_str(o, "component_id", nf->component_id);
        set_str(o, "service", nf->service);
        set_str(o, "filter_class", nf->filter_class);
        set_str(o, "description", nf->description);
        if (nf->has_filter_type)
            json_object_set_new(o, "filter_type", json_integer(nf->filter_type));
        if (nf->has_filter_run_type)
            json_object_set_new(o, "filter_run_type", json_integer(nf->filter_run_type));
        json_object_set_new(o, "source", source_json(&nf->source));
        json_array_append_new(ndis, o);
    }
    json_object_set_new(root, "ndis_filters", ndis);

    json_t *settings = json_array();
    for (size_t i = 0; i < f->settings.len; i++) {
        const updx_sys_setting *s = updx_avec_at(&f->settings, i);
        json_t *o = json_object();
        set_str(o, "key", s->source.key);
        set_str(o, "name", s->name);
        set_str(o, "value", s->value);
        json_array_append_new(settings, o);
    }
    json_object_set_new(root, "setup_values", settings);
    json_object_set_new(root, "programs_count", json_integer((json_int_t)f->programs.len));

    json_t *events = json_array();
    for (size_t i = 0; i < f->events.len && i < SYS_JSON_MAX_EVENTS; i++)
        json_array_append_new(events, event_json(updx_avec_at(&f->events, i)));
    json_object_set_new(root, "events", events);
    json_object_set_new(root, "event_records_seen", json_integer((json_int_t)f->event_records_seen));
    return root;
}
