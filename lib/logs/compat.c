/*
 * compat.c: the CompatData / ScanResult / APPRAISER_HumanReadable reader (see compat.h).
 *
 * Elements are matched by local name whatever their namespace prefix, because the files
 * seen in documentation use a default namespace and tools re-serialise them with prefixes.
 * An element is judged when it carries a <CompatibilityInfo> child (CompatData/ScanResult),
 * is a <DriverPackage>, or is an appraiser <Asset> with property lists.
 */
#include "logs/compat.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>

#include "util/strutil.h"

enum {
    /* Real CompatData files are tens of KiB and appraiser dumps a few MiB. */
    COMPAT_MAX_BYTES = 64u << 20,
    /* Element depth walked; the formats are five levels deep. */
    COMPAT_MAX_DEPTH = 64,
    /* Elements visited per file, items and indicators kept per bundle. */
    COMPAT_MAX_NODES = 2000000,
    COMPAT_MAX_ITEMS = 20000,
    COMPAT_MAX_INDICATORS = 4096,
    COMPAT_MAX_FILES = 1024,
    /* Properties read per appraiser asset. */
    COMPAT_MAX_PROPS = 4096,
    /* Attribute values kept are cut here. */
    COMPAT_MAX_VALUE = 1024,
};

typedef struct cx {
    updx_case *c;
    struct updx_compat_facts *f;
    updx_compat_file *file;
    uint64_t nodes;
    bool stopped;
} cx;

static bool is_named(const xmlNode *n, const char *local)
{
    return n && n->type == XML_ELEMENT_NODE && n->name && updx_strcasecmp((const char *)n->name, local) == 0;
}

/* An attribute's value by local name (any namespace), copied into the arena, or NULL. Only
 * text children are read: entity references are never expanded. */
static const char *attr(cx *x, const xmlNode *n, const char *name)
{
    for (const xmlAttr *a = n->properties; a; a = a->next) {
        if (!a->name || updx_strcasecmp((const char *)a->name, name) != 0)
            continue;
        for (const xmlNode *t = a->children; t; t = t->next)
            if (t->type == XML_TEXT_NODE && t->content) {
                size_t len = strlen((const char *)t->content);
                if (len > COMPAT_MAX_VALUE) {
                    len = COMPAT_MAX_VALUE; /* cut, but not inside a UTF-8 sequence */
                    while (len > 0 && ((unsigned char)t->content[len] & 0xC0) == 0x80)
                        len--;
                }
                return updx_arena_strndup(&x->c->arena, (const char *)t->content, len);
            }
        return updx_arena_strdup(&x->c->arena, "");
    }
    return NULL;
}

static bool is_true(const char *v)
{
    return v && (updx_strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

static bool is_none(const char *v)
{
    return !v || !*v || updx_strcasecmp(v, "None") == 0;
}

static void add_indicator(cx *x, const char *name, const char *value, uint64_t line)
{
    if (is_none(value))
        return;
    updx_compat_indicator *ind = updx_avec_push(&x->f->indicators, &x->c->arena);
    if (!ind)
        return;
    ind->file = x->file->name;
    ind->name = updx_arena_strdup(&x->c->arena, name);
    ind->value = value;
    ind->line = line;
}

static const char *const indicator_names[] = {"GatedBlockId", "RedReason", "UpgEx", "UpgExU", "FailedPrereqs",
                                              "GStatus"};

static bool is_indicator(const char *name)
{
    for (size_t i = 0; i < sizeof indicator_names / sizeof indicator_names[0]; i++)
        if (updx_strcasecmp(name, indicator_names[i]) == 0 ||
            updx_str_ends_with_ci(name, "_GatedBlockId"))
            return true;
    return false;
}

static updx_compat_item *new_item(cx *x, const xmlNode *n, updx_compat_kind kind)
{
    if (x->f->items.len >= COMPAT_MAX_ITEMS) {
        if (x->f->items.len == COMPAT_MAX_ITEMS && !x->stopped) {
            updx_note_add(&x->c->notes, UPDX_NOTE_LIMIT, x->file->name, UPDX_NO_OFFSET, (uint64_t)xmlGetLineNo(n),
                          "too many compatibility items; the rest are counted only");
            x->stopped = true;
        }
        return NULL;
    }
    updx_compat_item *it = updx_arena_alloc(&x->c->arena, sizeof *it);
    updx_compat_item **slot = it ? updx_avec_push(&x->f->items, &x->c->arena) : NULL;
    if (!slot)
        return NULL;
    *slot = it;
    it->file = x->file->name;
    it->kind = kind;
    it->element = updx_arena_strdup(&x->c->arena, (const char *)n->name);
    long line = xmlGetLineNo(n);
    it->line = line > 0 ? (uint64_t)line : 0;
    return it;
}

static void count_block(cx *x, const updx_compat_item *it)
{
    switch (it->block) {
    case UPDX_COMPAT_HARD: x->file->hard++; break;
    case UPDX_COMPAT_SOFT: x->file->soft++; break;
    case UPDX_COMPAT_NO_MIGRATION: x->file->no_migration++; break;
    case UPDX_COMPAT_NONE: break;
    }
    if (it->safeguard)
        x->file->safeguards++;
}

static updx_compat_kind kind_of(const xmlNode *n)
{
    const char *name = (const char *)n->name;
    if (updx_strcasecmp(name, "Program") == 0 || updx_strcasecmp(name, "Application") == 0)
        return UPDX_COMPAT_PROGRAM;
    if (updx_strcasecmp(name, "Device") == 0 || updx_strcasecmp(name, "HardwareItem") == 0)
        return UPDX_COMPAT_DEVICE;
    if (updx_strcasecmp(name, "DriverPackage") == 0)
        return UPDX_COMPAT_DRIVER_PACKAGE;
    if (updx_strcasecmp(name, "SystemInfo") == 0 || updx_strcasecmp(name, "Hardware") == 0)
        return UPDX_COMPAT_SYSTEM;
    return UPDX_COMPAT_OTHER;
}

static const char *first_attr(cx *x, const xmlNode *n, const char *const *names, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const char *v = attr(x, n, names[i]);
        if (v && *v)
            return v;
    }
    return NULL;
}

/* A <Program>/<Device>/<HardwareItem>/<DriverPackage>/... with its CompatibilityInfo. */
static void judge_element(cx *x, const xmlNode *n, const xmlNode *info)
{
    updx_compat_kind kind = kind_of(n);
    const char *block_migration = kind == UPDX_COMPAT_DRIVER_PACKAGE ? attr(x, n, "BlockMigration") : NULL;
    const char *blocking = info ? attr(x, info, "BlockingType") : NULL;
    x->file->items_seen++;
    updx_compat_block block = UPDX_COMPAT_NONE;
    if (blocking && updx_strcasecmp(blocking, "Hard") == 0)
        block = UPDX_COMPAT_HARD;
    else if (blocking && updx_strcasecmp(blocking, "Soft") == 0)
        block = UPDX_COMPAT_SOFT;
    else if (is_true(block_migration))
        block = UPDX_COMPAT_NO_MIGRATION;
    if (block == UPDX_COMPAT_NONE)
        return;
    updx_compat_item *it = new_item(x, n, kind);
    if (!it)
        return;
    static const char *const names[] = {"Name", "Inf", "DeviceName", "Model", "DisplayName", "HardwareType"};
    static const char *const ids[] = {"Id", "DeviceInstanceId", "ProgramId", "PnpId", "HardwareId"};
    it->block = block;
    it->name = first_attr(x, n, names, sizeof names / sizeof names[0]);
    it->version = attr(x, n, "Version");
    it->id = first_attr(x, n, ids, sizeof ids / sizeof ids[0]);
    it->hardware_type = attr(x, n, "HardwareType");
    it->blocking_type = blocking;
    if (info) {
        it->status_detail = attr(x, info, "StatusDetail");
        it->message = attr(x, info, "Message");
        if (!it->message)
            it->message = attr(x, info, "Title");
    }
    const char *sig = kind == UPDX_COMPAT_DRIVER_PACKAGE ? attr(x, n, "HasSignedBinaries") : NULL;
    if (sig) {
        it->signed_known = true;
        it->has_signed_binaries = is_true(sig);
    }
    it->text = updx_arena_printf(&x->c->arena, "<%s%s%s%s%s%s%s%s%s>", (const char *)n->name,
                                 it->name ? " " : "", it->name ? it->name : "",
                                 block_migration ? " BlockMigration=" : "", block_migration ? block_migration : "",
                                 blocking ? " BlockingType=" : "", blocking ? blocking : "",
                                 it->status_detail ? " StatusDetail=" : "",
                                 it->status_detail ? it->status_detail : "");
    count_block(x, it);
}

/* An appraiser <Asset>: <PropertyList Type=...><Property Name= Value=/>... */
static void judge_asset(cx *x, const xmlNode *asset)
{
    const char *name = NULL, *version = NULL, *id = NULL, *gated = NULL, *red = NULL, *app_name = NULL;
    bool safeguard = false, blocking = false, device = false;
    const char *blocking_prop = NULL;
    size_t props = 0;
    x->file->items_seen++;
    for (const xmlNode *pl = asset->children; pl; pl = pl->next) {
        if (!is_named(pl, "PropertyList"))
            continue;
        for (const xmlNode *pr = pl->children; pr && props < COMPAT_MAX_PROPS; pr = pr->next) {
            if (!is_named(pr, "Property"))
                continue;
            props++;
            const char *pn = attr(x, pr, "Name"), *pv = attr(x, pr, "Value");
            if (!pn || !pv)
                continue;
            long line = xmlGetLineNo(pr);
            if (is_indicator(pn))
                add_indicator(x, pn, pv, line > 0 ? (uint64_t)line : 0);
            if (updx_str_ends_with_ci(pn, "GatedBlockId") && !is_none(pv))
                gated = pv;
            else if (updx_strcasecmp(pn, "SdbAppraiserData") == 0 && updx_strcasecmp(pv, "GatedBlock") == 0)
                safeguard = true;
            else if (updx_strcasecmp(pn, "RedReason") == 0 && !is_none(pv))
                red = pv;
            else if (updx_str_starts_with_ci(pn, "DT_") && updx_memcasemem(pn, strlen(pn), "Blocking", 8) &&
                     is_true(pv)) {
                blocking = true;
                blocking_prop = pn;
                if (updx_memcasemem(pn, strlen(pn), "Device", 6) || updx_memcasemem(pn, strlen(pn), "Driver", 6))
                    device = true;
            } else if (!name && (updx_strcasecmp(pn, "LowerCaseLongPathUnexpanded") == 0 ||
                                 updx_strcasecmp(pn, "LowerCaseLongPath") == 0 ||
                                 updx_strcasecmp(pn, "DriverName") == 0))
                name = pv;
            else if (updx_strcasecmp(pn, "SdbAppName") == 0 || updx_strcasecmp(pn, "AppName") == 0 ||
                     updx_strcasecmp(pn, "Name") == 0)
                app_name = app_name ? app_name : pv;
            else if (!version && (updx_strcasecmp(pn, "Version") == 0 || updx_strcasecmp(pn, "BinProductVersion") == 0 ||
                                  updx_strcasecmp(pn, "DriverVersion") == 0 || updx_strcasecmp(pn, "BinFileVersion") == 0))
                version = pv;
            else if (!id && (updx_strcasecmp(pn, "SdbEntryGuid") == 0 || updx_strcasecmp(pn, "PnpId") == 0 ||
                             updx_strcasecmp(pn, "DeviceInstanceId") == 0))
                id = pv;
        }
    }
    if (gated)
        safeguard = true;
    if (!safeguard && !blocking && !red)
        return;
    updx_compat_item *it = new_item(x, asset, device ? UPDX_COMPAT_DEVICE : UPDX_COMPAT_PROGRAM);
    if (!it)
        return;
    it->block = blocking || red ? UPDX_COMPAT_HARD : UPDX_COMPAT_NONE;
    it->name = name ? name : app_name;
    it->version = version;
    it->id = id;
    it->safeguard = safeguard;
    it->gated_block_id = gated;
    it->red_reason = red;
    it->message = app_name && name ? app_name : NULL;
    it->text = updx_arena_printf(&x->c->arena, "<Asset %s%s%s%s%s%s%s>", it->name ? it->name : "",
                                 blocking_prop ? " " : "", blocking_prop ? blocking_prop : "",
                                 gated ? " GatedBlockId=" : "", gated ? gated : "",
                                 red ? " RedReason=" : "", red ? red : "");
    count_block(x, it);
}

static void walk(cx *x, const xmlNode *n, unsigned depth)
{
    for (; n && !x->stopped; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (++x->nodes > COMPAT_MAX_NODES) {
            updx_note_add(&x->c->notes, UPDX_NOTE_LIMIT, x->file->name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "too many XML elements; the rest of the compatibility report is not read");
            x->stopped = true;
            return;
        }
        /* indicators written as attributes or as elements with text */
        for (const xmlAttr *a = n->properties; a; a = a->next)
            if (a->name && is_indicator((const char *)a->name)) {
                long line = xmlGetLineNo(n);
                add_indicator(x, (const char *)a->name, attr(x, n, (const char *)a->name), line > 0 ? (uint64_t)line : 0);
            }
        if (is_indicator((const char *)n->name) && n->children && n->children->type == XML_TEXT_NODE &&
            !n->children->next && n->children->content) {
            long line = xmlGetLineNo(n);
            size_t len = strlen((const char *)n->children->content);
            add_indicator(x, (const char *)n->name,
                          updx_arena_strndup(&x->c->arena, (const char *)n->children->content,
                                             len > COMPAT_MAX_VALUE ? COMPAT_MAX_VALUE : len),
                          line > 0 ? (uint64_t)line : 0);
        }
        if (is_named(n, "Asset")) {
            judge_asset(x, n);
            continue;
        }
        const xmlNode *info = NULL;
        for (const xmlNode *ch = n->children; ch; ch = ch->next)
            if (is_named(ch, "CompatibilityInfo")) {
                info = ch;
                break;
            }
        if (info || is_named(n, "DriverPackage"))
            judge_element(x, n, info);
        if (depth + 1 >= COMPAT_MAX_DEPTH) {
            if (n->children)
                updx_note_add(&x->c->notes, UPDX_NOTE_DAMAGED, x->file->name, UPDX_NO_OFFSET,
                              (uint64_t)xmlGetLineNo(n), "XML nested too deeply; the inner part is not read");
            continue;
        }
        walk(x, n->children, depth + 1);
    }
}

/* Entity declarations (ASCII or UTF-16) are refused outright: no expansion, no bombs. */
static bool declares_entities(const unsigned char *d, size_t len)
{
    static const char ascii[] = "<!ENTITY";
    static const char u16[] = "<\0!\0E\0N\0T\0I\0T\0Y\0";
    return updx_memcasemem((const char *)d, len, ascii, 8) ||
           (len >= 16 && (memmem(d, len, u16, 16) || memmem(d, len, u16 + 1, 15)));
}

static const char *report_kind_of(const char *member, const char *root)
{
    const char *b = updx_path_basename(member);
    if (updx_memcasemem(b, strlen(b), "APPRAISER", 9))
        return "appraiser";
    if (updx_str_starts_with_ci(b, "CompatData"))
        return "compatdata";
    if (updx_str_starts_with_ci(b, "ScanResult"))
        return "scanresult";
    if (root && updx_strcasecmp(root, "CompatReport") == 0)
        return "compatdata";
    return "unknown";
}

static void silent_error(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

int updx_compat_parse_mem(updx_case *c, const char *member, const void *data, size_t len)
{
    if (!c || (!data && len))
        return UPDX_ERR_ARG;
    if (!c->compat) {
        struct updx_compat_facts *f = updx_arena_alloc(&c->arena, sizeof *f);
        if (!f)
            return UPDX_ERR_NOMEM;
        updx_avec_init(&f->files, sizeof(updx_compat_file *), COMPAT_MAX_FILES);
        updx_avec_init(&f->items, sizeof(updx_compat_item *), COMPAT_MAX_ITEMS);
        updx_avec_init(&f->indicators, sizeof(updx_compat_indicator), COMPAT_MAX_INDICATORS);
        c->compat = f;
    }
    updx_compat_file *file = updx_arena_alloc(&c->arena, sizeof *file);
    updx_compat_file **slot = file ? updx_avec_push(&c->compat->files, &c->arena) : NULL;
    if (!slot)
        return UPDX_ERR_NOMEM;
    *slot = file;
    file->name = updx_arena_strdup(&c->arena, member ? member : "");
    if (len > COMPAT_MAX_BYTES || len > INT32_MAX) {
        updx_note_add(&c->notes, UPDX_NOTE_LIMIT, file->name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "compatibility report larger than %u MiB is not read", COMPAT_MAX_BYTES >> 20);
        file->report_kind = report_kind_of(file->name, NULL);
        return UPDX_ERR_LIMIT;
    }
    if (declares_entities(data, len)) {
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, file->name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "XML declares entities, which setup never writes; not read");
        file->report_kind = report_kind_of(file->name, NULL);
        return UPDX_ERR_FORMAT;
    }
    /* libxml2 reports encoding errors through its (per-thread) generic handler, which prints
     * to stderr; the library never prints, so it is silenced for this call and restored */
    xmlGenericErrorFunc saved_handler = xmlGenericError;
    void *saved_context = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, silent_error);
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        xmlSetGenericErrorFunc(saved_context, saved_handler);
        return UPDX_ERR_NOMEM;
    }
    /* no network, no DTD, no entity substitution, quiet (errors stay in ctxt), recover what
     * a truncated file still holds */
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA |
               XML_PARSE_RECOVER | XML_PARSE_BIG_LINES | XML_PARSE_COMPACT;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, data, (int)len, file->name, NULL, opts);
    int rc = UPDX_OK;
    if (!ctxt->wellFormed) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, file->name, UPDX_NO_OFFSET,
                      e && e->line > 0 ? (uint64_t)e->line : UPDX_NO_LINE,
                      "XML is not well-formed%s; what could be read is used", doc ? "" : " and nothing could be read");
        rc = doc ? UPDX_PARTIAL : UPDX_ERR_FORMAT;
    }
    const xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (root) {
        file->root = updx_arena_strdup(&c->arena, (const char *)root->name);
        if (root->ns && root->ns->href)
            file->ns = updx_arena_strdup(&c->arena, (const char *)root->ns->href);
        cx x = {.c = c, .f = c->compat, .file = file};
        walk(&x, root, 0);
        if (x.stopped && rc == UPDX_OK)
            rc = UPDX_PARTIAL;
    }
    file->report_kind = report_kind_of(file->name, file->root);
    if (doc)
        xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    xmlSetGenericErrorFunc(saved_context, saved_handler);
    return rc;
}

const updx_compat_item *updx_compat_next_block(const struct updx_compat_facts *f, updx_compat_block block,
                                               size_t *cursor)
{
    if (!f || !cursor)
        return NULL;
    while (*cursor < f->items.len) {
        const updx_compat_item *it = *(updx_compat_item **)updx_avec_at(&f->items, (*cursor)++);
        if (it->block == block)
            return it;
    }
    return NULL;
}

/* ---------------------------------------------------------------------------------------- */

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static const char *kind_name(updx_compat_kind k)
{
    switch (k) {
    case UPDX_COMPAT_PROGRAM: return "program";
    case UPDX_COMPAT_DEVICE: return "device";
    case UPDX_COMPAT_DRIVER_PACKAGE: return "driver_package";
    case UPDX_COMPAT_SYSTEM: return "system";
    case UPDX_COMPAT_OTHER: return "other";
    }
    return "other";
}

static const char *block_name(updx_compat_block b)
{
    switch (b) {
    case UPDX_COMPAT_NONE: return "none";
    case UPDX_COMPAT_SOFT: return "soft";
    case UPDX_COMPAT_HARD: return "hard";
    case UPDX_COMPAT_NO_MIGRATION: return "no_migration";
    }
    return "none";
}

json_t *updx_compat_to_json(const updx_case *c)
{
    if (!c || !c->compat)
        return NULL;
    const struct updx_compat_facts *f = c->compat;
    json_t *root = json_object(), *files = json_array(), *items = json_array(), *inds = json_array();
    for (size_t i = 0; i < f->files.len; i++) {
        const updx_compat_file *file = *(updx_compat_file **)updx_avec_at(&f->files, i);
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(file->name));
        json_object_set_new(o, "report", jstr(file->report_kind));
        json_object_set_new(o, "root", jstr(file->root));
        json_object_set_new(o, "namespace", jstr(file->ns));
        json_object_set_new(o, "items", json_integer((json_int_t)file->items_seen));
        json_object_set_new(o, "hard_blocks", json_integer((json_int_t)file->hard));
        json_object_set_new(o, "soft_blocks", json_integer((json_int_t)file->soft));
        json_object_set_new(o, "drivers_not_migrated", json_integer((json_int_t)file->no_migration));
        json_object_set_new(o, "safeguard_holds", json_integer((json_int_t)file->safeguards));
        json_array_append_new(files, o);
    }
    for (size_t i = 0; i < f->items.len; i++) {
        const updx_compat_item *it = *(updx_compat_item **)updx_avec_at(&f->items, i);
        json_t *o = json_object();
        json_object_set_new(o, "kind", json_string(kind_name(it->kind)));
        json_object_set_new(o, "block", json_string(block_name(it->block)));
        json_object_set_new(o, "name", jstr(it->name));
        json_object_set_new(o, "version", jstr(it->version));
        json_object_set_new(o, "id", jstr(it->id));
        json_object_set_new(o, "blocking_type", jstr(it->blocking_type));
        json_object_set_new(o, "status_detail", jstr(it->status_detail));
        json_object_set_new(o, "message", jstr(it->message));
        json_object_set_new(o, "hardware_type", jstr(it->hardware_type));
        json_object_set_new(o, "safeguard", json_boolean(it->safeguard));
        json_object_set_new(o, "gated_block_id", jstr(it->gated_block_id));
        json_object_set_new(o, "red_reason", jstr(it->red_reason));
        if (it->signed_known)
            json_object_set_new(o, "has_signed_binaries", json_boolean(it->has_signed_binaries));
        json_t *ev = json_object();
        json_object_set_new(ev, "file", json_string(it->file));
        json_object_set_new(ev, "line", json_integer((json_int_t)it->line));
        json_object_set_new(ev, "text", jstr(it->text));
        json_t *eva = json_array();
        json_array_append_new(eva, ev);
        json_object_set_new(o, "evidence", eva);
        json_array_append_new(items, o);
    }
    for (size_t i = 0; i < f->indicators.len; i++) {
        const updx_compat_indicator *ind = updx_avec_at(&f->indicators, i);
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(ind->name));
        json_object_set_new(o, "value", jstr(ind->value));
        json_object_set_new(o, "file", json_string(ind->file));
        json_object_set_new(o, "line", json_integer((json_int_t)ind->line));
        json_array_append_new(inds, o);
    }
    json_object_set_new(root, "files", files);
    json_object_set_new(root, "blocks", items);
    json_object_set_new(root, "indicators", inds);
    return root;
}
