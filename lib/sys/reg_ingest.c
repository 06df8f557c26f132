/* reg_ingest.c: registry values to system facts (see reg_ingest.h). */
#include "sys/reg_ingest.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sys/sys_facts.h"
#include "util/strutil.h"

/* List entries kept per filter list or Owners value: real ones hold a handful. */
enum { SYS_MAX_LIST_ITEMS = 64 };

typedef struct path_parts {
    const char *part[UPDX_REG_MAX_PATH_PARTS];
    size_t len[UPDX_REG_MAX_PATH_PARTS];
    size_t n;
} path_parts;

/* Splits on '\'; false when deeper than we ever look. Empty parts are dropped. */
static bool split_path(const char *path, path_parts *pp)
{
    pp->n = 0;
    const char *s = path;
    while (*s) {
        const char *e = strchr(s, '\\');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        if (l) {
            if (pp->n == UPDX_REG_MAX_PATH_PARTS)
                return false;
            pp->part[pp->n] = s;
            pp->len[pp->n] = l;
            pp->n++;
        }
        s += l;
        if (*s == '\\')
            s++;
    }
    return true;
}

static bool part_is(const path_parts *pp, size_t i, const char *want)
{
    return i < pp->n && pp->len[i] == strlen(want) &&
           updx_strncasecmp(pp->part[i], want, pp->len[i]) == 0;
}

/* "ControlSet001" -> 1, "CurrentControlSet" -> 0; -1 when neither. */
static int control_set_of(const path_parts *pp)
{
    if (part_is(pp, 0, "CurrentControlSet"))
        return 0;
    if (pp->n && pp->len[0] == 13 && updx_strncasecmp(pp->part[0], "ControlSet", 10) == 0) {
        uint64_t n;
        size_t used;
        if (updx_parse_dec(pp->part[0] + 10, 3, &n, &used) && used == 3 && n > 0)
            return (int)n;
    }
    return -1;
}

static bool is_name(const updx_reg_value *v, const char *name)
{
    return updx_strcasecmp(v->name, name) == 0;
}

static const char *dup_part(updx_case *c, const path_parts *pp, size_t i)
{
    return updx_arena_strndup(&c->arena, pp->part[i], pp->len[i]);
}

/* Up to `upto` parts joined with '\'. */
static const char *dup_prefix(updx_case *c, const path_parts *pp, size_t upto)
{
    if (!upto)
        return updx_arena_strdup(&c->arena, "");
    const char *start = pp->part[0];
    const char *end = pp->part[upto - 1] + pp->len[upto - 1];
    return updx_arena_strndup(&c->arena, start, (size_t)(end - start));
}

static const char *value_text(updx_case *c, const updx_reg_value *v)
{
    if (v->str)
        return updx_arena_strdup(&c->arena, v->str);
    if (v->has_num)
        return updx_arena_printf(&c->arena, "%" PRIu64 " (0x%" PRIx64 ")", v->num, v->num);
    if (v->multi) {
        /* joined with "; " for display only */
        size_t total = 1;
        for (size_t i = 0; i < v->nmulti; i++)
            total += strlen(v->multi[i]) + 2;
        char *out = updx_arena_alloc(&c->arena, total);
        if (!out)
            return NULL;
        for (size_t i = 0; i < v->nmulti; i++) {
            if (i)
                strcat(out, "; ");
            strcat(out, v->multi[i]);
        }
        return out;
    }
    return updx_arena_strdup(&c->arena, "");
}

static const char *str_of(updx_case *c, const updx_reg_value *v)
{
    return v->str ? updx_arena_strdup(&c->arena, v->str) : NULL;
}

static void set_list(updx_case *c, updx_avec *list, const updx_reg_value *v, const char *member)
{
    updx_avec_init(list, sizeof(const char *), SYS_MAX_LIST_ITEMS);
    const char *const *items = v->multi;
    size_t n = v->nmulti;
    const char *single[1];
    if (!items && v->str && *v->str) {  /* a REG_SZ where REG_MULTI_SZ was expected */
        single[0] = v->str;
        items = single;
        n = 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (!*items[i])
            continue;
        const char **slot = updx_avec_push(list, &c->arena);
        if (!slot) {
            updx_note_add(&c->notes, UPDX_NOTE_LIMIT, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "list value %s has more than %d entries; the rest are ignored", v->name,
                          SYS_MAX_LIST_ITEMS);
            return;
        }
        *slot = updx_arena_strdup(&c->arena, items[i]);
        if (!*slot) {  /* the memory cap: leave no NULL name in the list */
            list->len--;
            return;
        }
    }
}

static void limit_note(updx_case *c, const char *member, const char *what)
{
    updx_note_add(&c->notes, UPDX_NOTE_LIMIT, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                  "too many %s; the rest are not kept", what);
}

static bool same_part(const char *s, const path_parts *pp, size_t i)
{
    return s && strlen(s) == pp->len[i] && updx_strncasecmp(s, pp->part[i], pp->len[i]) == 0;
}

static updx_sys_service *service_for(updx_case *c, updx_sys_facts *f, const char *member,
                                     const path_parts *pp, size_t name_i, uint32_t cs)
{
    /* values arrive grouped by key, so a recent service is the one; searching all of
     * thousands for every value would be quadratic */
    size_t stop = f->services.len > 8 ? f->services.len - 8 : 0;
    for (size_t k = f->services.len; k-- > stop;) {
        updx_sys_service *s = updx_avec_at(&f->services, k);
        if (s->control_set == cs && same_part(s->name, pp, name_i) &&
            updx_strcasecmp(s->source.file, member) == 0)
            return s;
    }
    updx_sys_service *s = updx_avec_push(&f->services, &c->arena);
    if (!s) {
        if (f->services.len == f->services.max_len)
            limit_note(c, member, "services");
        return NULL;
    }
    s->name = dup_part(c, pp, name_i);
    s->control_set = cs;
    s->source.file = updx_arena_strdup(&c->arena, member);
    s->source.key = dup_prefix(c, pp, name_i + 1);
    s->source.offset = UPDX_NO_OFFSET;
    updx_avec_init(&s->owners, sizeof(const char *), SYS_MAX_LIST_ITEMS);
    return s;
}

static void ingest_service(updx_case *c, updx_sys_facts *f, const char *member,
                           const path_parts *pp, size_t name_i, uint32_t cs,
                           const updx_reg_value *v)
{
    updx_sys_service *s = service_for(c, f, member, pp, name_i, cs);
    if (!s)
        return;
    if (is_name(v, "Start") && v->has_num) {
        s->has_start = true;
        s->start = (uint32_t)v->num;
        /* the Start value is what a plan changes and restores: cite where it was read */
        s->source.line = v->line;
        s->source.offset = v->offset;
    } else if (is_name(v, "Type") && v->has_num) {
        s->has_type = true;
        s->type = (uint32_t)v->num;
    } else if (is_name(v, "ErrorControl") && v->has_num) {
        s->has_error_control = true;
        s->error_control = (uint32_t)v->num;
    } else if (is_name(v, "ImagePath")) {
        s->image_path = str_of(c, v);
    } else if (is_name(v, "Group")) {
        s->group = str_of(c, v);
    } else if (is_name(v, "DisplayName")) {
        s->display_name = str_of(c, v);
    } else if (is_name(v, "Description")) {
        s->description = str_of(c, v);
    } else if (is_name(v, "Owners")) {
        set_list(c, &s->owners, v, member);
    }
}

static void ingest_class(updx_case *c, updx_sys_facts *f, const char *member,
                         const path_parts *pp, uint32_t cs, const updx_reg_value *v)
{
    /* only the values that matter create a record: thousands of classes have none */
    if (!is_name(v, "Class") && !is_name(v, "UpperFilters") && !is_name(v, "LowerFilters"))
        return;
    updx_sys_class_filter *cf = NULL;
    for (size_t k = f->class_filters.len; k-- > 0;) {
        updx_sys_class_filter *x = updx_avec_at(&f->class_filters, k);
        if (x->control_set == cs && same_part(x->class_guid, pp, 3) &&
            updx_strcasecmp(x->source.file, member) == 0) {
            cf = x;
            break;
        }
    }
    if (!cf) {
        cf = updx_avec_push(&f->class_filters, &c->arena);
        if (!cf) {
            if (f->class_filters.len == f->class_filters.max_len)
                limit_note(c, member, "device classes");
            return;
        }
        cf->class_guid = dup_part(c, pp, 3);
        cf->control_set = cs;
        cf->source.file = updx_arena_strdup(&c->arena, member);
        cf->source.key = dup_prefix(c, pp, 4);
        cf->source.line = v->line;
        cf->source.offset = v->offset;
        updx_avec_init(&cf->upper, sizeof(const char *), SYS_MAX_LIST_ITEMS);
        updx_avec_init(&cf->lower, sizeof(const char *), SYS_MAX_LIST_ITEMS);
    }
    if (is_name(v, "Class"))
        cf->class_name = str_of(c, v);
    else if (is_name(v, "UpperFilters"))
        set_list(c, &cf->upper, v, member);
    else
        set_list(c, &cf->lower, v, member);
}

static void ingest_network(updx_case *c, updx_sys_facts *f, const char *member,
                           const path_parts *pp, uint32_t cs, const updx_reg_value *v)
{
    /* ControlSet\Control\Network\{class}\{instance}[\Ndi] */
    bool ndi = pp->n == 6 && part_is(pp, 5, "Ndi");
    if (!(pp->n == 5 || ndi) || pp->len[3] != 38 || pp->len[4] != 38 ||
        pp->part[3][0] != '{' || pp->part[4][0] != '{')
        return;
    static const char *const wanted[] = {"ComponentId", "Description", "Service", "FilterClass",
                                         "FilterType", "FilterRunType", "HelpText"};
    bool want = false;
    for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++)
        want |= is_name(v, wanted[i]);
    if (!want)
        return;
    updx_sys_ndis_filter *nf = NULL;
    for (size_t k = f->ndis_filters.len; k-- > 0;) {
        updx_sys_ndis_filter *x = updx_avec_at(&f->ndis_filters, k);
        if (x->control_set == cs && same_part(x->instance_guid, pp, 4) &&
            same_part(x->net_class_guid, pp, 3) && updx_strcasecmp(x->source.file, member) == 0) {
            nf = x;
            break;
        }
    }
    if (!nf) {
        nf = updx_avec_push(&f->ndis_filters, &c->arena);
        if (!nf) {
            if (f->ndis_filters.len == f->ndis_filters.max_len)
                limit_note(c, member, "network component registrations");
            return;
        }
        nf->net_class_guid = dup_part(c, pp, 3);
        nf->instance_guid = dup_part(c, pp, 4);
        nf->control_set = cs;
        nf->source.file = updx_arena_strdup(&c->arena, member);
        nf->source.key = dup_prefix(c, pp, 5);
        nf->source.line = v->line;
        nf->source.offset = v->offset;
    }
    if (!ndi && is_name(v, "ComponentId"))
        nf->component_id = str_of(c, v);
    else if (!ndi && is_name(v, "Description"))
        nf->description = str_of(c, v);
    else if (ndi && is_name(v, "Service"))
        nf->service = str_of(c, v);
    else if (ndi && is_name(v, "FilterClass"))
        nf->filter_class = str_of(c, v);
    else if (ndi && is_name(v, "HelpText"))
        nf->help_text = str_of(c, v);
    else if (ndi && is_name(v, "FilterType") && v->has_num) {
        nf->has_filter_type = true;
        nf->filter_type = (uint32_t)v->num;
    } else if (ndi && is_name(v, "FilterRunType") && v->has_num) {
        nf->has_filter_run_type = true;
        nf->filter_run_type = (uint32_t)v->num;
    }
}

static void ingest_setting(updx_case *c, updx_sys_facts *f, const char *member,
                           const path_parts *pp, const updx_reg_value *v)
{
    updx_sys_setting *s = updx_avec_push(&f->settings, &c->arena);
    if (!s) {
        if (f->settings.len == f->settings.max_len)
            limit_note(c, member, "setup values");
        return;
    }
    s->name = updx_arena_strdup(&c->arena, v->name);
    s->value = value_text(c, v);
    s->source.file = updx_arena_strdup(&c->arena, member);
    s->source.key = dup_prefix(c, pp, pp->n);
    s->source.line = v->line;
    s->source.offset = v->offset;
}

static void ingest_current_version(updx_case *c, updx_sys_facts *f, const char *member,
                                   const updx_reg_value *v)
{
    updx_sys_os *os = &f->os;
    const char **slot = NULL;
    if (is_name(v, "ProductName"))
        slot = &os->product_name;
    else if (is_name(v, "EditionID"))
        slot = &os->edition_id;
    else if (is_name(v, "CurrentBuild") || (is_name(v, "CurrentBuildNumber") && !os->current_build))
        slot = &os->current_build;
    else if (is_name(v, "DisplayVersion"))
        slot = &os->display_version;
    else if (is_name(v, "InstallationType"))
        slot = &os->installation_type;
    else if (is_name(v, "ReleaseId"))
        slot = &os->release_id;
    else if (is_name(v, "BuildLabEx"))
        slot = &os->build_lab_ex;
    else if (is_name(v, "UBR") && v->has_num) {
        os->has_ubr = true;
        os->ubr = (uint32_t)v->num;
    }
    if (slot && v->str)
        *slot = updx_arena_strdup(&c->arena, v->str);
    if (slot || is_name(v, "UBR"))
        os->source = updx_arena_strdup(&c->arena, member);
}

static void ingest_program(updx_case *c, updx_sys_facts *f, const char *member,
                           const path_parts *pp, size_t key_i, bool wow64,
                           const updx_reg_value *v)
{
    static const char *const wanted[] = {"DisplayName", "Publisher", "DisplayVersion",
                                         "InstallLocation", "UninstallString", "InstallDate"};
    size_t which = sizeof wanted / sizeof *wanted;
    for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++)
        if (is_name(v, wanted[i]))
            which = i;
    if (which == sizeof wanted / sizeof *wanted || !v->str)
        return;
    updx_sys_program *p = NULL;
    if (f->programs.len) {
        updx_sys_program *last = updx_avec_at(&f->programs, f->programs.len - 1);
        if (last->wow64 == wow64 && same_part(last->key, pp, key_i) &&
            updx_strcasecmp(last->source.file, member) == 0)
            p = last;
    }
    if (!p) {
        p = updx_avec_push(&f->programs, &c->arena);
        if (!p) {
            if (f->programs.len == f->programs.max_len)
                limit_note(c, member, "installed programs");
            return;
        }
        p->key = dup_part(c, pp, key_i);
        p->wow64 = wow64;
        p->source.file = updx_arena_strdup(&c->arena, member);
        p->source.key = dup_prefix(c, pp, key_i + 1);
        p->source.line = v->line;
        p->source.offset = v->offset;
    }
    const char *s = updx_arena_strdup(&c->arena, v->str);
    switch (which) {
    case 0: p->display_name = s; break;
    case 1: p->publisher = s; break;
    case 2: p->display_version = s; break;
    case 3: p->install_location = s; break;
    case 4: p->uninstall_string = s; break;
    default: p->install_date = s; break;
    }
}

static void ingest_system(updx_case *c, updx_sys_facts *f, const char *member,
                          const path_parts *pp, const updx_reg_value *v)
{
    if (pp->n == 1 && part_is(pp, 0, "Select")) {
        if (is_name(v, "Current") && v->has_num && v->num > 0 && v->num < 1000)
            f->os.current_control_set = (uint32_t)v->num;
        return;
    }
    if (part_is(pp, 0, "Setup") && (part_is(pp, 1, "MoSetup") || part_is(pp, 1, "SetupDiag"))) {
        ingest_setting(c, f, member, pp, v);
        return;
    }
    int cs = control_set_of(pp);
    if (cs < 0)
        return;
    if (pp->n == 3 && part_is(pp, 1, "Services"))
        ingest_service(c, f, member, pp, 2, (uint32_t)cs, v);
    else if (pp->n == 4 && part_is(pp, 1, "Control") && part_is(pp, 2, "Class"))
        ingest_class(c, f, member, pp, (uint32_t)cs, v);
    else if (pp->n >= 5 && part_is(pp, 1, "Control") && part_is(pp, 2, "Network"))
        ingest_network(c, f, member, pp, (uint32_t)cs, v);
}

static void ingest_software(updx_case *c, updx_sys_facts *f, const char *member,
                            const path_parts *pp, const updx_reg_value *v)
{
    size_t base = part_is(pp, 0, "WOW6432Node") ? 1 : 0;
    if (!part_is(pp, base, "Microsoft"))
        return;
    if (!base && pp->n == 3 && part_is(pp, 1, "Windows NT") && part_is(pp, 2, "CurrentVersion"))
        ingest_current_version(c, f, member, v);
    /* the appraiser's verdict per target release: GatedBlockId (a safeguard hold), RedReason,
     * UpgEx... (known-blockers.md); the rules read them as appraiser.* facts */
    else if (!base && pp->n == 6 && part_is(pp, 1, "Windows NT") && part_is(pp, 2, "CurrentVersion") &&
             part_is(pp, 3, "AppCompatFlags") && part_is(pp, 4, "TargetVersionUpgradeExperienceIndicators"))
        ingest_setting(c, f, member, pp, v);
    else if (pp->n == base + 5 && part_is(pp, base + 1, "Windows") &&
             part_is(pp, base + 2, "CurrentVersion") && part_is(pp, base + 3, "Uninstall"))
        ingest_program(c, f, member, pp, base + 4, base == 1, v);
}

void updx_sys_ingest_value(updx_case *c, const char *member, updx_hive_kind hive,
                           const char *path, const updx_reg_value *v)
{
    if (!c || !path || !v || !v->name)
        return;
    path_parts pp;
    if (!split_path(path, &pp) || !pp.n)
        return;
    updx_sys_facts *f = updx_sys_get(c);
    if (!f)
        return;
    switch (hive) {
    case UPDX_HIVE_SYSTEM:
        ingest_system(c, f, member, &pp, v);
        break;
    case UPDX_HIVE_SOFTWARE:
        ingest_software(c, f, member, &pp, v);
        break;
    case UPDX_HIVE_SERVICES:
        if (pp.n == 1)
            ingest_service(c, f, member, &pp, 0, 0, v);
        break;
    default:
        break;
    }
}
