/*
 * evtx.c: event logs through libevtx, and rendered event XML (see evtx.h).
 *
 * libevtx gives provider, event id, level, time and the record's XML as UTF-8; it has no
 * API for named data fields, so the XML of each candidate record (picked by provider and
 * id first, to keep the XML work small) is parsed with libxml2. The file is opened from
 * memory through a bounded libbfio handle (membfio.h). libevtx (a 2018 snapshot) reads
 * around a bad chunk without saying so, so chunk signatures are checked here as notes.
 */
#include "sys/evtx.h"

#include <libevtx.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sys/membfio.h"
#include "sys/sys_facts.h"
#include "util/bytes.h"
#include "util/strutil.h"

enum {
    EVTX_HEADER_SIZE = 4096,
    EVTX_CHUNK_SIZE = 65536,
    EVTX_MAX_RECORDS = 2000000,   /* records visited per file (a 1 GiB log holds ~2M) */
    EVTX_MAX_XML = 256 * 1024,    /* bytes of one record's XML (real ones: 1-8 KiB) */
    EVTX_MAX_FIELDS = 64,         /* data fields kept per event (WER 1001 has 23) */
    EVTX_MAX_VALUE = 4096,        /* bytes kept of one field value */
    EVTX_MAX_NOTES = 50,          /* notes per file about damage */
    EVTX_MAX_SECONDS = 60,        /* wall-clock budget per file when the case sets none */
    EVTX_MAX_XML_INPUT = 64 << 20, /* a rendered-XML member */
    EVTX_MAX_XML_EVENTS = 200000, /* <Event> elements visited in rendered XML */
};

typedef struct evtx_ctx {
    updx_case *c;
    const char *member;
    uint32_t notes;
    bool partial;
    bool limit_noted;
    struct timespec deadline;
} evtx_ctx;

static void ctx_note(evtx_ctx *x, updx_note_kind kind, uint64_t offset, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void ctx_note(evtx_ctx *x, updx_note_kind kind, uint64_t offset, const char *fmt, ...)
{
    if (kind == UPDX_NOTE_DAMAGED || kind == UPDX_NOTE_LIMIT)
        x->partial = true;
    if (x->notes++ >= EVTX_MAX_NOTES)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = updx_arena_vprintf(&x->c->arena, fmt, ap);
    va_end(ap);
    updx_note_add(&x->c->notes, kind, x->member, offset, UPDX_NO_LINE, "%s",
                  msg ? msg : "unreadable event log part");
}

static bool out_of_time(evtx_ctx *x)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > x->deadline.tv_sec ||
           (now.tv_sec == x->deadline.tv_sec && now.tv_nsec >= x->deadline.tv_nsec);
}

bool updx_evtx_sniff(const uint8_t *data, size_t len)
{
    return data && len >= 8 && memcmp(data, "ElfFile", 8) == 0;
}

/* ---- which events are kept ---- */

static bool is_setup_diag_name(const char *s)
{
    return s && (strcmp(s, "WinSetupDiag02") == 0 || strcmp(s, "WinSetupDiag01") == 0);
}

/* The kind for (provider, id), or -1. WER 1001 is a candidate only: its event name decides. */
static int classify(const char *provider, uint32_t id)
{
    if (!provider)
        return -1;
    if (id == 1001 && (strcmp(provider, "Microsoft-Windows-WER-SystemErrorReporting") == 0 ||
                       strcmp(provider, "BugCheck") == 0))
        return UPDX_EVENT_BUGCHECK;
    if (id == 41 && strcmp(provider, "Microsoft-Windows-Kernel-Power") == 0)
        return UPDX_EVENT_KERNEL_POWER_41;
    if (id == 6008 && strcmp(provider, "EventLog") == 0)
        return UPDX_EVENT_UNEXPECTED_SHUTDOWN;
    if ((id == 7000 || id == 7001 || id == 7026 || id == 7034) &&
        strcmp(provider, "Service Control Manager") == 0)
        return UPDX_EVENT_SERVICE_FAILURE;
    if (id == 1001 && strcmp(provider, "Windows Error Reporting") == 0)
        return UPDX_EVENT_SETUP_DIAG;
    if (strcmp(provider, "Microsoft-Windows-Servicing") == 0 ||
        strcmp(provider, "Microsoft-Windows-Setup") == 0)
        return UPDX_EVENT_SETUP;
    if ((id == 19 || id == 20 || id == 43 || id == 44) &&
        strcmp(provider, "Microsoft-Windows-WindowsUpdateClient") == 0)
        return UPDX_EVENT_WINDOWS_UPDATE;
    return -1;
}

/* ---- XML ---- */

static bool name_is(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
    for (const xmlNode *k = n ? n->children : NULL; k; k = k->next)
        if (name_is(k, name))
            return k;
    return NULL;
}

/* The text of an element, cut to EVTX_MAX_VALUE, in the arena. */
static const char *node_text(updx_case *c, const xmlNode *n)
{
    xmlChar *t = xmlNodeGetContent(n);
    const char *out = NULL;
    if (t) {
        size_t l = strlen((const char *)t);
        out = updx_arena_strndup(&c->arena, (const char *)t, l > EVTX_MAX_VALUE ? EVTX_MAX_VALUE : l);
        xmlFree(t);
    }
    return out ? out : "";
}

static const char *attr(updx_case *c, const xmlNode *n, const char *name)
{
    xmlChar *v = n ? xmlGetProp(n, (const xmlChar *)name) : NULL;
    const char *out = v ? updx_arena_strndup(&c->arena, (const char *)v, strnlen((const char *)v, 1024))
                        : NULL;
    xmlFree(v);
    return out;
}

static void add_field(evtx_ctx *x, updx_sys_event *ev, const char *name, const char *value)
{
    updx_sys_event_field *f = updx_avec_push(&ev->fields, &x->c->arena);
    if (!f)
        return;
    f->name = name;
    f->value = value;
}

static void collect_fields(evtx_ctx *x, updx_sys_event *ev, const xmlNode *event)
{
    const xmlNode *ed = child(event, "EventData");
    unsigned pos = 0;
    for (const xmlNode *d = ed ? ed->children : NULL; d; d = d->next) {
        if (d->type != XML_ELEMENT_NODE)
            continue;
        pos++;
        const char *name = name_is(d, "Data") ? attr(x->c, d, "Name") : NULL;
        if (!name || !*name)
            name = name_is(d, "Data") ? updx_arena_printf(&x->c->arena, "Data%u", pos)
                                      : updx_arena_strdup(&x->c->arena, (const char *)d->name);
        add_field(x, ev, name, node_text(x->c, d));
    }
    /* UserData holds one provider-defined element whose children are the fields */
    const xmlNode *ud = child(event, "UserData");
    for (const xmlNode *w = ud ? ud->children : NULL; w; w = w->next) {
        if (w->type != XML_ELEMENT_NODE)
            continue;
        for (const xmlNode *d = w->children; d; d = d->next)
            if (d->type == XML_ELEMENT_NODE)
                add_field(x, ev, updx_arena_strdup(&x->c->arena, (const char *)d->name),
                          node_text(x->c, d));
        break;
    }
}

/* WER 1001: EventName is a positional field; P1..P10 follow Response and CabId. The
 * WinSetupDiag meanings are added as named fields (docs/system-state.md). */
static bool decode_setup_diag(evtx_ctx *x, updx_sys_event *ev)
{
    size_t at = ev->fields.len;
    for (size_t i = 0; i < ev->fields.len; i++) {
        const updx_sys_event_field *f = updx_avec_at(&ev->fields, i);
        if (is_setup_diag_name(f->value)) {
            at = i;
            break;
        }
    }
    if (at == ev->fields.len)
        return false;
    static const char *const meaning[10] = {"Scenario", "Mode", "Arch", "Result", "ResultCode",
                                            "ExtendCode", "SourceBuild", "SourceBranch",
                                            "TargetBuild", "TargetBranch"};
    const char *event_name = ((const updx_sys_event_field *)updx_avec_at(&ev->fields, at))->value;
    size_t first = at + 3;  /* EventName, Response, CabId, then P1 */
    add_field(x, ev, "EventName", event_name);
    for (size_t k = 0; k < 10 && first + k < ev->fields.len; k++) {
        const updx_sys_event_field *f = updx_avec_at(&ev->fields, first + k);
        const char *value = f->value;
        add_field(x, ev, updx_arena_printf(&x->c->arena, "P%zu", k + 1), value);
        add_field(x, ev, meaning[k], value);
    }
    return true;
}

/* "0x0000007e (0xffffffffc0000005, 0xfffff8000..., 0x..., 0x...)" */
static void parse_bugcheck_text(updx_crash *cr, const char *s)
{
    uint64_t v;
    size_t used;
    while (*s == ' ')
        s++;
    if (!updx_parse_hex(s, strlen(s), &v, &used) || v > UINT32_MAX)
        return;
    cr->has_bugcheck = true;
    cr->bugcheck = (uint32_t)v;
    const char *p = strchr(s + used, '(');
    for (int i = 0; p && i < 4; i++) {
        p++;
        while (*p == ' ')
            p++;
        if (!updx_parse_hex(p, strlen(p), &cr->params[i], &used))
            break;
        p = strchr(p + used, ',');
    }
}

static void add_bugcheck_crash(evtx_ctx *x, const updx_sys_event *ev)
{
    const char *p1 = updx_sys_event_get(ev, "param1");
    if (!p1 && ev->fields.len)
        p1 = ((const updx_sys_event_field *)updx_avec_at(&ev->fields, 0))->value;
    updx_crash *cr = updx_case_add_crash(x->c, x->member, UPDX_CRASH_EVENT_LOG);
    if (!cr)
        return;
    if (p1)
        parse_bugcheck_text(cr, p1);
    cr->time = ev->time;
    cr->where.file = cr->source;
    cr->where.offset = ev->offset;
    cr->where.line = UPDX_NO_LINE;
    cr->where.text = updx_arena_printf(&x->c->arena, "System event 1001 (BugCheck), record %llu: %s",
                                       (unsigned long long)ev->record_id, p1 ? p1 : "");
}

/* "2016-03-02T18:04:56.1234567Z" to Unix seconds; 0 when unreadable. */
static int64_t parse_system_time(const char *s)
{
    int y, mo, d, h, mi, se;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &se) != 6 || mo < 1 ||
        mo > 12 || d < 1 || d > 31 || y < 1601 || y > 9999)
        return 0;
    /* days from civil (proleptic Gregorian) */
    int64_t yy = y - (mo <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;
    int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + h * 3600 + mi * 60 + se;
}

/* Builds and keeps an event from a parsed <Event>; header fields come from libevtx when
 * `known` (they are then trusted over the XML). Returns true when kept. */
typedef struct event_head {
    bool known;
    const char *provider;
    uint32_t id;
    uint8_t level;
    int64_t time;
    uint64_t record_id;
    uint64_t offset;
    bool recovered;
} event_head;

static bool keep_event(evtx_ctx *x, const xmlNode *event, event_head *h)
{
    updx_sys_facts *f = updx_sys_get(x->c);
    if (!f)
        return false;
    const xmlNode *sys = child(event, "System");
    if (!h->known) {
        h->provider = attr(x->c, child(sys, "Provider"), "Name");
        uint64_t v = 0;
        size_t used;
        const xmlNode *n;
        const char *t;
        if ((n = child(sys, "EventID")) && (t = node_text(x->c, n)) &&
            updx_parse_dec(t, strlen(t), &v, &used))
            h->id = (uint32_t)(v & 0xffff);
        if ((n = child(sys, "Level")) && (t = node_text(x->c, n)) &&
            updx_parse_dec(t, strlen(t), &v, &used))
            h->level = (uint8_t)v;
        if ((n = child(sys, "EventRecordID")) && (t = node_text(x->c, n)) &&
            updx_parse_dec(t, strlen(t), &v, &used))
            h->record_id = v;
        h->time = parse_system_time(attr(x->c, child(sys, "TimeCreated"), "SystemTime"));
    }
    int kind = classify(h->provider, h->id);
    if (kind < 0)
        return false;
    updx_sys_event tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.kind = (updx_sys_event_kind)kind;
    updx_avec_init(&tmp.fields, sizeof(updx_sys_event_field), EVTX_MAX_FIELDS);
    collect_fields(x, &tmp, event);
    if (kind == UPDX_EVENT_SETUP_DIAG && !decode_setup_diag(x, &tmp))
        return false;  /* an ordinary WER report */
    updx_sys_event *ev = updx_avec_push(&f->events, &x->c->arena);
    if (!ev) {
        if (!x->limit_noted) {
            x->limit_noted = true;
            ctx_note(x, UPDX_NOTE_LIMIT, UPDX_NO_OFFSET,
                     "too many kept events; later ones from this log are not kept");
        }
        return false;
    }
    *ev = tmp;
    ev->file = updx_arena_strdup(&x->c->arena, x->member);
    ev->offset = h->offset;
    ev->record_id = h->record_id;
    ev->time = h->time;
    ev->provider = updx_arena_strdup(&x->c->arena, h->provider);
    const xmlNode *ch = child(sys, "Channel");
    ev->channel = ch ? node_text(x->c, ch) : NULL;
    ev->event_id = h->id;
    ev->level = h->level;
    ev->recovered = h->recovered;
    if (kind == UPDX_EVENT_BUGCHECK)
        add_bugcheck_crash(x, ev);
    return true;
}

static xmlDoc *parse_xml(const char *xml, size_t len)
{
    if (len > INT32_MAX)
        return NULL;
    return xmlReadMemory(xml, (int)len, NULL, "UTF-8",
                         XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* ---- .evtx ---- */

/* Reports chunks whose signature is wrong (libevtx silently skips them). */
static void check_chunks(evtx_ctx *x, const uint8_t *data, size_t len)
{
    if (len < EVTX_HEADER_SIZE) {
        ctx_note(x, UPDX_NOTE_DAMAGED, 0, "event log shorter than its 4096-byte header");
        return;
    }
    uint32_t bad = 0;
    for (uint64_t off = EVTX_HEADER_SIZE; updx_span_fits(len, off, 8); off += EVTX_CHUNK_SIZE) {
        if (memcmp(data + off, "ElfChnk", 8) == 0)
            continue;
        bool zero = true;
        size_t end = len - off < EVTX_CHUNK_SIZE ? len - off : EVTX_CHUNK_SIZE;
        for (size_t i = 0; i < end && zero; i++)
            zero = data[off + i] == 0;
        if (zero)
            continue;  /* preallocated, never used */
        bad++;
        ctx_note(x, UPDX_NOTE_DAMAGED, off,
                 "chunk %llu has a bad signature; its records are not read",
                 (unsigned long long)((off - EVTX_HEADER_SIZE) / EVTX_CHUNK_SIZE));
    }
    if ((len - EVTX_HEADER_SIZE) % EVTX_CHUNK_SIZE)
        ctx_note(x, UPDX_NOTE_WARNING, len, "event log ends inside a chunk (%zu stray bytes)",
                 (size_t)((len - EVTX_HEADER_SIZE) % EVTX_CHUNK_SIZE));
    (void)bad;
}

static void read_record(evtx_ctx *x, libevtx_record_t *r, bool recovered, char *xmlbuf)
{
    updx_sys_facts *f = x->c->sys;
    f->event_records_seen++;
    event_head h;
    memset(&h, 0, sizeof h);
    h.known = true;
    h.recovered = recovered;
    h.offset = UPDX_NO_OFFSET;
    char provider[256];
    size_t sz = 0;
    if (libevtx_record_get_utf8_source_name_size(r, &sz, NULL) != 1 || sz == 0 ||
        sz > sizeof provider ||
        libevtx_record_get_utf8_source_name(r, (uint8_t *)provider, sz, NULL) != 1)
        return;  /* no provider: nothing we keep */
    provider[sz - 1] = '\0';
    uint32_t id = 0;
    if (libevtx_record_get_event_identifier(r, &id, NULL) != 1)
        return;
    h.id = id & 0xffff;
    h.provider = provider;
    if (classify(h.provider, h.id) < 0)
        return;
    off64_t off = 0;
    if (libevtx_record_get_offset(r, &off, NULL) == 1 && off >= 0)
        h.offset = (uint64_t)off;
    uint64_t ft = 0, rid = 0;
    if (libevtx_record_get_written_time(r, &ft, NULL) == 1 && ft >= 116444736000000000ULL)
        h.time = (int64_t)(ft / 10000000ULL - 11644473600ULL);
    if (libevtx_record_get_identifier(r, &rid, NULL) == 1)
        h.record_id = rid;
    (void)libevtx_record_get_event_level(r, &h.level, NULL);
    sz = 0;
    if (libevtx_record_get_utf8_xml_string_size(r, &sz, NULL) != 1 || sz < 2) {
        ctx_note(x, UPDX_NOTE_DAMAGED, h.offset, "record %llu has no readable XML",
                 (unsigned long long)h.record_id);
        return;
    }
    if (sz > EVTX_MAX_XML) {
        ctx_note(x, UPDX_NOTE_LIMIT, h.offset, "record %llu has over 256 KiB of XML; skipped",
                 (unsigned long long)h.record_id);
        return;
    }
    if (libevtx_record_get_utf8_xml_string(r, (uint8_t *)xmlbuf, sz, NULL) != 1) {
        ctx_note(x, UPDX_NOTE_DAMAGED, h.offset, "record %llu has no readable XML",
                 (unsigned long long)h.record_id);
        return;
    }
    xmlbuf[sz - 1] = '\0';
    xmlDoc *doc = parse_xml(xmlbuf, strlen(xmlbuf));
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (name_is(root, "Event"))
        keep_event(x, root, &h);
    else
        ctx_note(x, UPDX_NOTE_DAMAGED, h.offset, "record %llu XML is not well-formed",
                 (unsigned long long)h.record_id);
    xmlFreeDoc(doc);
}

int updx_evtx_read(updx_case *c, const char *member, const uint8_t *data, size_t len)
{
    if (!c || !member || (!data && len))
        return UPDX_ERR_ARG;
    evtx_ctx x = {.c = c, .member = member};
    if (!updx_evtx_sniff(data, len)) {
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, member, 0, UPDX_NO_LINE,
                      "not an event log (no ElfFile signature)");
        return UPDX_ERR_FORMAT;
    }
    updx_sys_facts *f = updx_sys_get(c);
    if (!f)
        return UPDX_ERR_NOMEM;
    clock_gettime(CLOCK_MONOTONIC, &x.deadline);
    x.deadline.tv_sec += c->limits.max_seconds ? (time_t)c->limits.max_seconds : EVTX_MAX_SECONDS;
    check_chunks(&x, data, len);

    libbfio_handle_t *io = NULL;
    libevtx_file_t *ef = NULL;
    char *xmlbuf = malloc(EVTX_MAX_XML);
    int rc;
    if (!xmlbuf || updx_membfio_open(&io, data, len) != 1 ||
        libevtx_file_initialize(&ef, NULL) != 1) {
        rc = UPDX_ERR_NOMEM;
        goto done;
    }
    if (libevtx_file_open_file_io_handle(ef, io, LIBEVTX_OPEN_READ, NULL) != 1) {
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, member, 0, UPDX_NO_LINE,
                      "libevtx cannot open the event log (damaged header)");
        libevtx_file_free(&ef, NULL);
        rc = UPDX_ERR_FORMAT;
        goto done;
    }
    uint32_t flags = 0;
    if (libevtx_file_get_flags(ef, &flags, NULL) == 1 && (flags & LIBEVTX_FILE_FLAG_IS_DIRTY))
        ctx_note(&x, UPDX_NOTE_INFO, 0, "event log was not closed cleanly (dirty flag set)");
    int n = 0, nr = 0;
    if (libevtx_file_get_number_of_records(ef, &n, NULL) != 1)
        n = 0;
    if (libevtx_file_get_number_of_recovered_records(ef, &nr, NULL) != 1)
        nr = 0;
    if ((uint64_t)n + (uint64_t)nr > EVTX_MAX_RECORDS) {
        ctx_note(&x, UPDX_NOTE_LIMIT, UPDX_NO_OFFSET, "more than %d records; the rest are not read",
                 EVTX_MAX_RECORDS);
        if (n > EVTX_MAX_RECORDS)
            n = EVTX_MAX_RECORDS;
        nr = EVTX_MAX_RECORDS - n;
    }
    uint32_t unreadable = 0, unrecovered = 0;
    for (int pass = 0; pass < 2; pass++) {
        int count = pass ? nr : n;
        for (int i = 0; i < count; i++) {
            if ((i & 255) == 0 && out_of_time(&x)) {
                ctx_note(&x, UPDX_NOTE_LIMIT, UPDX_NO_OFFSET,
                         "time budget for the event log used up after %d records", i);
                pass = 2;
                break;
            }
            libevtx_record_t *r = NULL;
            int ok = pass ? libevtx_file_get_recovered_record_by_index(ef, i, &r, NULL)
                          : libevtx_file_get_record_by_index(ef, i, &r, NULL);
            if (ok != 1) {
                /* recovered records are fragments from chunk slack; this libevtx lists them
                 * but usually cannot decode their truncated binary XML: counted, not damage */
                if (pass)
                    unrecovered++;
                else if (unreadable++ < 5)
                    ctx_note(&x, UPDX_NOTE_DAMAGED, UPDX_NO_OFFSET, "record %d cannot be read", i);
                libevtx_record_free(&r, NULL);
                continue;
            }
            read_record(&x, r, pass == 1, xmlbuf);
            libevtx_record_free(&r, NULL);
        }
    }
    if (unrecovered)
        ctx_note(&x, UPDX_NOTE_INFO, UPDX_NO_OFFSET,
                 "%u of %d records recovered from slack space could not be decoded", unrecovered, nr);
    if (unreadable > 5)
        ctx_note(&x, UPDX_NOTE_DAMAGED, UPDX_NO_OFFSET, "%u records could not be read in all",
                 unreadable);
    f->event_logs_read++;
    libevtx_file_close(ef, NULL);
    libevtx_file_free(&ef, NULL);
    rc = x.partial ? UPDX_PARTIAL : UPDX_OK;
done:
    if (io)
        libbfio_handle_free(&io, NULL);
    free(xmlbuf);
    if (x.notes > EVTX_MAX_NOTES)
        updx_note_add(&c->notes, UPDX_NOTE_LIMIT, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "%u more problems in the event log were not listed", x.notes - EVTX_MAX_NOTES);
    return rc;
}

/* ---- rendered XML ---- */

int updx_evtx_read_xml(updx_case *c, const char *member, const char *xml, size_t len)
{
    if (!c || !member || (!xml && len))
        return UPDX_ERR_ARG;
    if (len > EVTX_MAX_XML_INPUT) {
        updx_note_add(&c->notes, UPDX_NOTE_LIMIT, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "rendered event XML over 64 MiB is not read");
        return UPDX_ERR_LIMIT;
    }
    updx_sys_facts *f = updx_sys_get(c);
    if (!f)
        return UPDX_ERR_NOMEM;
    evtx_ctx x = {.c = c, .member = member};
    clock_gettime(CLOCK_MONOTONIC, &x.deadline);
    x.deadline.tv_sec += c->limits.max_seconds ? (time_t)c->limits.max_seconds : EVTX_MAX_SECONDS;
    /* wevtutil writes bare <Event> elements one after another: wrap them in a root */
    const char *body = xml ? xml : "";
    size_t blen = len;
    if (blen >= 3 && memcmp(body, "\xEF\xBB\xBF", 3) == 0) {
        body += 3;
        blen -= 3;
    }
    if (blen >= 5 && memcmp(body, "<?xml", 5) == 0) {
        const char *e = memchr(body, '>', blen);
        if (e) {
            blen -= (size_t)(e + 1 - body);
            body = e + 1;
        }
    }
    static const char open[] = "<updx-events>", close[] = "</updx-events>";
    char *wrapped = malloc(sizeof open + blen + sizeof close);
    if (!wrapped)
        return UPDX_ERR_NOMEM;
    memcpy(wrapped, open, sizeof open - 1);
    memcpy(wrapped + sizeof open - 1, body, blen);
    memcpy(wrapped + sizeof open - 1 + blen, close, sizeof close);
    xmlDoc *doc = parse_xml(wrapped, strlen(wrapped));
    free(wrapped);
    if (!doc) {
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "rendered event XML is not well-formed");
        return UPDX_ERR_FORMAT;
    }
    /* <updx-events><Event/>...</updx-events> or <updx-events><Events><Event/>... */
    const xmlNode *top = xmlDocGetRootElement(doc);
    const xmlNode *events = child(top, "Events");
    const xmlNode *parent = events ? events : top;
    uint32_t seen = 0;
    for (const xmlNode *e = parent->children; e; e = e->next) {
        if (!name_is(e, "Event"))
            continue;
        if (++seen > EVTX_MAX_XML_EVENTS || ((seen & 255) == 0 && out_of_time(&x))) {
            ctx_note(&x, UPDX_NOTE_LIMIT, UPDX_NO_OFFSET, "too many events; the rest are not read");
            break;
        }
        f->event_records_seen++;
        event_head h;
        memset(&h, 0, sizeof h);
        h.offset = UPDX_NO_OFFSET;
        keep_event(&x, e, &h);
    }
    xmlFreeDoc(doc);
    f->event_logs_read++;
    return x.partial ? UPDX_PARTIAL : UPDX_OK;
}
