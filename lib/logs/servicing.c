/*
 * servicing.c: the CBS.log / dism.log reader (see servicing.h).
 *
 * Both logs use the Panther line layout: "YYYY-MM-DD HH:MM:SS, Level  [msgid] Component  message"
 * at fixed columns, with untimed continuation lines (CBS summary blocks, dism "Msg:[...]").
 * A line is a failure when it is at Error level, is a CSI "(F)" line, says it failed with a
 * non-zero HRESULT (or at Warning level), or reports store corruption. Failures are merged
 * by component, level and message with digit runs ignored (session ids, checksums and
 * sequence numbers differ between repeats), so memory grows with distinct failures only.
 */
#include "logs/servicing.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/strutil.h"

enum {
    /* Distinct failures and HRESULTs kept per file; real logs have a few hundred at most. */
    SV_MAX_FAILURES = 4096,
    SV_MAX_HRESULTS = 1024,
    SV_MAX_FILES = 4096,
    /* Stored evidence text is cut here (CSI lines run to a few hundred bytes). */
    SV_MAX_TEXT = 2048,
    /* Hash table slots for merging (a power of two, twice SV_MAX_FAILURES). */
    SV_HASH_SLOTS = 8192,
    /* Failures listed in the JSON report per file. */
    SV_JSON_MAX_FAILURES = 100,
};

typedef struct sv_parser {
    updx_case *c;
    updx_servicing_file *file;
    uint64_t hash[SV_HASH_SLOTS];  /* key hash + 1, 0 = empty */
    uint32_t index[SV_HASH_SLOTS]; /* into file->failures */
    int result;
} sv_parser;

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static size_t text_cut(const char *s, size_t len)
{
    if (len <= SV_MAX_TEXT)
        return len;
    size_t n = SV_MAX_TEXT;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static updx_evref evref(sv_parser *p, const updx_line *ln)
{
    size_t n = ln->len;
    while (n && (ln->text[n - 1] == ' ' || ln->text[n - 1] == '\r'))
        n--;
    return (updx_evref){p->file->name, ln->number, ln->offset,
                        updx_arena_strndup(&p->c->arena, ln->text, text_cut(ln->text, n))};
}

/* "2020-02-04 17:15:08, " */
static bool has_timestamp(const char *s, size_t len)
{
    return len >= 21 && is_digit(s[0]) && is_digit(s[3]) && s[4] == '-' && s[7] == '-' && s[10] == ' ' &&
           s[13] == ':' && s[16] == ':' && s[19] == ',';
}

/* The HRESULT a failure line reports: "[HRESULT = 0x800f081f - NAME]", "HRESULT=0x...",
 * "(hr:0x...)", "hr = 0x...", "Error: 0x...". The GetLastError suffix "[gle=0x...]" is not one. */
static bool find_hresult(const char *m, size_t len, uint32_t *code, const char **name, size_t *name_len)
{
    static const char *const keys[] = {"HRESULT = ", "HRESULT=", "(hr:", "hr = ", "hr:", "Error: ", "error 0x", "Error = "};
    *name = NULL;
    *name_len = 0;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        size_t kl = strlen(keys[k]);
        const char *hit = updx_memcasemem(m, len, keys[k], kl);
        if (!hit)
            continue;
        const char *v = hit + kl;
        if (keys[k][kl - 1] == 'x')
            v -= 2; /* "error 0x": the key ends inside the number */
        size_t rest = (size_t)(m + len - v);
        uint64_t x;
        size_t used;
        if (rest < 3 || v[0] != '0' || (v[1] != 'x' && v[1] != 'X') || !updx_parse_hex(v, rest, &x, &used) ||
            x > UINT32_MAX)
            continue;
        *code = (uint32_t)x;
        /* " - CBS_E_SOURCE_MISSING]" */
        const char *q = v + used;
        if ((size_t)(m + len - q) > 3 && memcmp(q, " - ", 3) == 0) {
            const char *n = q + 3, *e = n;
            while (e < m + len && *e != ']' && *e != ' ' && e - n < 64)
                e++;
            if (e > n) {
                *name = n;
                *name_len = (size_t)(e - n);
            }
        }
        return true;
    }
    /* CSI: "... with NTSTATUS -1073283059" (decimal, signed) */
    const char *nt = updx_memcasemem(m, len, "NTSTATUS -", 10);
    if (nt) {
        uint64_t x;
        size_t used;
        if (updx_parse_dec(nt + 10, (size_t)(m + len - nt - 10), &x, &used) && x > 0 && x <= 0x80000000u) {
            *code = (uint32_t)(0x100000000ULL - x);
            return true;
        }
    }
    return false;
}

static bool token_char(char ch)
{
    return ch && ch != ' ' && ch != '\t' && ch != ',' && ch != '[' && ch != ']' && ch != '(' && ch != ')' &&
           ch != '\'' && ch != '"' && ch != '{' && ch != '}';
}

/* A servicing package identity: a token with at least three '~' (name~pkt~arch~lang~version). */
static bool find_package(const char *m, size_t len, const char **out, size_t *olen)
{
    const char *end = m + len;
    for (const char *q = m; q < end; q++) {
        if (*q != '~')
            continue;
        const char *b = q, *e = q;
        while (b > m && token_char(b[-1]))
            b--;
        while (e < end && token_char(*e))
            e++;
        int tildes = 0;
        for (const char *t = b; t < e; t++)
            tildes += *t == '~';
        /* a trailing ':' or '.' ends a sentence, not the identity */
        while (e > b && (e[-1] == ':' || e[-1] == '.'))
            e--;
        if (tildes >= 3 && e - b > 4) {
            *out = b;
            *olen = (size_t)(e - b);
            return true;
        }
        q = e;
    }
    return false;
}

static uint64_t hash_key(const char *comp, updx_servicing_level level, const char *m, size_t len)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *q = comp; *q; q++)
        h = (h ^ (unsigned char)*q) * 1099511628211ULL;
    h = (h ^ (unsigned)level) * 1099511628211ULL;
    bool in_digits = false;
    for (size_t i = 0; i < len; i++) {
        if (is_digit(m[i])) {
            if (in_digits)
                continue;
            in_digits = true;
            h = (h ^ '#') * 1099511628211ULL;
            continue;
        }
        in_digits = false;
        h = (h ^ (unsigned char)m[i]) * 1099511628211ULL;
    }
    return h ? h : 1;
}

static void count_hresult(sv_parser *p, uint32_t code, const char *name, size_t nlen, bool error,
                          const updx_line *ln)
{
    updx_servicing_file *f = p->file;
    for (size_t i = 0; i < f->hresults.len; i++) {
        updx_servicing_hresult *h = *(updx_servicing_hresult **)updx_avec_at(&f->hresults, i);
        if (h->code == code) {
            h->count++;
            h->errors += error;
            if (!h->name && name)
                h->name = updx_arena_strndup(&p->c->arena, name, nlen);
            return;
        }
    }
    updx_servicing_hresult **slot = updx_avec_push(&f->hresults, &p->c->arena);
    updx_servicing_hresult *h = slot ? updx_arena_alloc(&p->c->arena, sizeof *h) : NULL;
    if (!h) {
        if (slot)
            f->hresults.len--;
        return;
    }
    *slot = h;
    h->code = code;
    h->name = name ? updx_arena_strndup(&p->c->arena, name, nlen) : NULL;
    h->count = 1;
    h->errors = error;
    h->first = evref(p, ln);
}

static void record_failure(sv_parser *p, const updx_line *ln, const char *comp, size_t clen,
                           updx_servicing_level level, const char *m, size_t mlen, bool csi_f, bool store)
{
    updx_servicing_file *f = p->file;
    f->failure_lines++;
    char compbuf[16];
    size_t cl = clen < sizeof compbuf - 1 ? clen : sizeof compbuf - 1;
    memcpy(compbuf, comp, cl);
    compbuf[cl] = '\0';

    uint32_t code = 0;
    const char *name;
    size_t nlen;
    bool has = find_hresult(m, mlen, &code, &name, &nlen);
    bool error = level == UPDX_SV_ERROR || csi_f;
    if (has)
        count_hresult(p, code, name, nlen, error, ln);
    if (has && error && code != 0) {
        f->last_error = evref(p, ln);
        f->last_error_hresult = code;
        f->last_error_name = name ? updx_arena_strndup(&p->c->arena, name, nlen) : NULL;
    }
    if (store && !f->store_corrupt) {
        f->store_corrupt = true;
        f->store_corruption = evref(p, ln);
    }

    uint64_t h = hash_key(compbuf, level, m, mlen);
    size_t slot = (size_t)(h & (SV_HASH_SLOTS - 1));
    while (p->hash[slot] && p->hash[slot] != h)
        slot = (slot + 1) & (SV_HASH_SLOTS - 1);
    if (p->hash[slot] == h) {
        updx_servicing_failure *fl = *(updx_servicing_failure **)updx_avec_at(&f->failures, p->index[slot]);
        fl->count++;
        fl->last_line = ln->number;
        return;
    }
    if (f->failures.len >= SV_MAX_FAILURES) {
        if (f->failures_dropped++ == 0)
            updx_note_add(&p->c->notes, UPDX_NOTE_LIMIT, f->name, ln->offset, ln->number,
                          "too many distinct servicing failures; the rest are counted only");
        return;
    }
    updx_servicing_failure **fs = updx_avec_push(&f->failures, &p->c->arena);
    updx_servicing_failure *fl = fs ? updx_arena_alloc(&p->c->arena, sizeof *fl) : NULL;
    if (!fl) {
        if (fs)
            f->failures.len--;
        p->result = UPDX_PARTIAL;
        return;
    }
    *fs = fl;
    p->hash[slot] = h;
    p->index[slot] = (uint32_t)(f->failures.len - 1);
    fl->component = updx_arena_strdup(&p->c->arena, compbuf);
    fl->level = level;
    fl->csi_failure = csi_f;
    fl->store_corruption = store;
    fl->has_hresult = has;
    fl->hresult = code;
    fl->hresult_name = name ? updx_arena_strndup(&p->c->arena, name, nlen) : NULL;
    const char *pkg;
    size_t plen;
    if (find_package(m, mlen, &pkg, &plen))
        fl->package = updx_arena_strndup(&p->c->arena, pkg, text_cut(pkg, plen));
    /* CSI: "Hydration failed for component dual_helloface.inf, version ..." */
    const char *fc = updx_memcasemem(m, mlen, "for component ", 14);
    if (fc) {
        const char *b = fc + 14, *e = b;
        while (e < m + mlen && *e != ',' && *e != ' ')
            e++;
        if (e > b)
            fl->servicing_component = updx_arena_strndup(&p->c->arena, b, text_cut(b, (size_t)(e - b)));
    }
    /* "(p)\tCSI Payload Corrupt\t\t\tamd64_..." */
    if (store && !fl->servicing_component) {
        const char *pc = updx_memcasemem(m, mlen, "Payload Corrupt", 15);
        if (pc) {
            const char *b = pc + 15;
            /* skip the "(w)" / "(n)" marker columns */
            for (;;) {
                while (b < m + mlen && (*b == '\t' || *b == ' '))
                    b++;
                if (b < m + mlen && *b == '(') {
                    const char *cp = memchr(b, ')', (size_t)(m + mlen - b));
                    if (cp && cp - b < 12) {
                        b = cp + 1;
                        continue;
                    }
                }
                break;
            }
            const char *e = b;
            while (e < m + mlen && *e != '\t' && *e != ' ')
                e++;
            if (e > b)
                fl->servicing_component = updx_arena_strndup(&p->c->arena, b, text_cut(b, (size_t)(e - b)));
        }
    }
    fl->count = 1;
    fl->first = evref(p, ln);
    fl->last_line = ln->number;
    if (has_timestamp(ln->text, ln->len))
        fl->first_time = updx_arena_strndup(&p->c->arena, ln->text, 19);
}

static bool says_store_corrupt(const char *m, size_t len)
{
    if (updx_memcasemem(m, len, "mark store corrupt", 18) || updx_memcasemem(m, len, "Repair failed", 13))
        return true;
    const char *pc = updx_memcasemem(m, len, "CSI Payload Corrupt", 19);
    /* "CSI Payload Corruption:\t0" is a summary count, not a finding, and a "(Fixed)"
     * entry was repaired */
    return pc && (size_t)(m + len - pc) > 19 && pc[19] != 'i' && !updx_memcasemem(m, len, "(Fixed)", 7);
}

static void on_line(sv_parser *p, const updx_line *ln)
{
    const char *s = ln->text;
    size_t len = ln->len;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\r' || s[len - 1] == '\t'))
        len--;
    if (!len)
        return;
    updx_servicing_file *f = p->file;
    if (!has_timestamp(s, len)) {
        /* untimed continuation and summary lines: only store corruption matters here */
        if (says_store_corrupt(s, len))
            record_failure(p, ln, "CSI", 3, UPDX_SV_ERROR, s, len, false, true);
        return;
    }
    f->entries++;
    /* level from column 21, then the message id (col 32) and component (col 43) columns when
     * the line has the usual padding, else the words that follow */
    const char *q = s + 21, *end = s + len;
    while (q < end && *q == ' ')
        q++;
    updx_servicing_level level = UPDX_SV_INFO;
    if (updx_str_starts_with_ci(q, "Error") || updx_str_starts_with_ci(q, "Fatal"))
        level = UPDX_SV_ERROR;
    else if (updx_str_starts_with_ci(q, "Warning"))
        level = UPDX_SV_WARNING;
    const char *comp = "", *m;
    size_t clen = 0;
    if (len > 50 && s[42] == ' ' && s[49] == ' ' && s[50] != ' ') {
        size_t cl = 7;
        comp = updx_trim(s + 43, &cl);
        clen = cl;
        m = s + 50;
    } else {
        while (q < end && *q != ' ')
            q++; /* the level word */
        if (level == UPDX_SV_ERROR && updx_str_starts_with_ci(q, " Error"))
            q += 6; /* "Fatal Error" */
        while (q < end && *q == ' ')
            q++;
        if (q < end && *q == '[') {
            while (q < end && *q != ']')
                q++;
            if (q < end)
                q++;
            while (q < end && *q == ' ')
                q++;
        }
        m = q;
    }
    size_t mlen = (size_t)(end - m);
    if (level == UPDX_SV_ERROR)
        f->errors++;
    else if (level == UPDX_SV_WARNING)
        f->warnings++;
    bool csi_f = updx_memcasemem(m, mlen < 40 ? mlen : 40, "(F) ", 4) != NULL;
    if (csi_f)
        f->csi_failures++;
    bool store = says_store_corrupt(m, mlen);
    bool failed = level == UPDX_SV_ERROR || csi_f || store;
    if (!failed && updx_memcasemem(m, mlen, "(Fixed)", 7))
        return; /* SFC/DISM repaired it */
    if (!failed && updx_memcasemem(m, mlen, "fail", 4)) {
        uint32_t code;
        const char *n;
        size_t nl;
        if (find_hresult(m, mlen, &code, &n, &nl))
            failed = code != 0;
        else
            failed = level == UPDX_SV_WARNING;
    }
    if (failed)
        record_failure(p, ln, comp, clen, level, m, mlen, csi_f, store);
}

static const char *log_kind_of(const char *member)
{
    const char *b = updx_path_basename(member);
    if (updx_str_starts_with_ci(b, "cbs"))
        return "cbs";
    if (updx_str_starts_with_ci(b, "dism"))
        return "dism";
    return "unknown";
}

int updx_servicing_parse(updx_case *c, const char *member, updx_text *t)
{
    if (!c || !t)
        return UPDX_ERR_ARG;
    if (!c->servicing) {
        struct updx_servicing_facts *sf = updx_arena_alloc(&c->arena, sizeof *sf);
        if (!sf)
            return UPDX_ERR_NOMEM;
        updx_avec_init(&sf->files, sizeof(updx_servicing_file *), SV_MAX_FILES);
        c->servicing = sf;
    }
    updx_servicing_file *file = updx_arena_alloc(&c->arena, sizeof *file);
    updx_servicing_file **slot = file ? updx_avec_push(&c->servicing->files, &c->arena) : NULL;
    if (!slot)
        return UPDX_ERR_NOMEM;
    *slot = file;
    file->name = updx_arena_strdup(&c->arena, member ? member : "");
    file->log_kind = log_kind_of(file->name);
    updx_avec_init(&file->failures, sizeof(updx_servicing_failure *), SV_MAX_FAILURES);
    updx_avec_init(&file->hresults, sizeof(updx_servicing_hresult *), SV_MAX_HRESULTS);
    sv_parser *p = calloc(1, sizeof *p);
    if (!p)
        return UPDX_ERR_NOMEM;
    p->c = c;
    p->file = file;
    p->result = UPDX_OK;
    updx_line ln;
    int rc;
    while ((rc = updx_text_next(t, &ln)) > 0) {
        file->lines = ln.number;
        on_line(p, &ln);
    }
    if (rc < 0) {
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, file->name, UPDX_NO_OFFSET, file->lines,
                      "read error after this line: %s", updx_status_str(rc));
        p->result = UPDX_PARTIAL;
    }
    char enc[64];
    file->encoding = updx_arena_strdup(&c->arena, updx_encoding_describe(updx_text_encoding(t), enc, sizeof enc));
    if (file->entries == 0 && file->lines > 0)
        updx_note_add(&c->notes, UPDX_NOTE_WARNING, file->name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "no timestamped lines: not a CBS or DISM log");
    int result = p->result;
    free(p);
    return result;
}

int updx_servicing_parse_mem(updx_case *c, const char *member, const void *data, size_t len)
{
    return updx_case_read_text_mem(c, member, data, len, updx_servicing_parse);
}

const updx_servicing_failure *updx_servicing_find(const struct updx_servicing_facts *f, uint32_t code,
                                                  const char *name)
{
    if (!f)
        return NULL;
    size_t nl = name ? strlen(name) : 0;
    for (size_t i = 0; i < f->files.len; i++) {
        const updx_servicing_file *file = *(updx_servicing_file **)updx_avec_at(&f->files, i);
        for (size_t k = 0; k < file->failures.len; k++) {
            const updx_servicing_failure *fl = *(updx_servicing_failure **)updx_avec_at(&file->failures, k);
            if (!fl->has_hresult || fl->hresult != code)
                continue;
            if (!name)
                return fl;
            if ((fl->package && updx_memcasemem(fl->package, strlen(fl->package), name, nl)) ||
                (fl->servicing_component &&
                 updx_memcasemem(fl->servicing_component, strlen(fl->servicing_component), name, nl)))
                return fl;
        }
    }
    return NULL;
}

/* ---------------------------------------------------------------------------------------- */

static json_t *jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *jhex(uint32_t v)
{
    char b[16];
    snprintf(b, sizeof b, "0x%08" PRIx32, v);
    return json_string(b);
}

static json_t *ev_json(const updx_evref *e)
{
    json_t *o = json_object();
    json_object_set_new(o, "file", jstr(e->file));
    json_object_set_new(o, "line", json_integer((json_int_t)e->line));
    json_object_set_new(o, "text", jstr(e->text));
    return o;
}

static const char *level_name(updx_servicing_level l)
{
    return l == UPDX_SV_ERROR ? "error" : l == UPDX_SV_WARNING ? "warning" : "info";
}

json_t *updx_servicing_to_json(const updx_case *c)
{
    if (!c || !c->servicing)
        return NULL;
    json_t *files = json_array();
    for (size_t i = 0; i < c->servicing->files.len; i++) {
        const updx_servicing_file *f = *(updx_servicing_file **)updx_avec_at(&c->servicing->files, i);
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(f->name));
        json_object_set_new(o, "log", json_string(f->log_kind));
        json_object_set_new(o, "encoding", jstr(f->encoding));
        json_object_set_new(o, "lines", json_integer((json_int_t)f->lines));
        json_object_set_new(o, "errors", json_integer((json_int_t)f->errors));
        json_object_set_new(o, "warnings", json_integer((json_int_t)f->warnings));
        json_object_set_new(o, "csi_failures", json_integer((json_int_t)f->csi_failures));
        json_object_set_new(o, "store_corrupt", json_boolean(f->store_corrupt));
        json_object_set_new(o, "store_corruption", f->store_corrupt ? ev_json(&f->store_corruption) : json_null());
        if (f->last_error.line) {
            json_t *le = json_object();
            json_object_set_new(le, "hresult", jhex(f->last_error_hresult));
            json_object_set_new(le, "name", jstr(f->last_error_name));
            json_object_set_new(le, "evidence", ev_json(&f->last_error));
            json_object_set_new(o, "last_error", le);
        } else {
            json_object_set_new(o, "last_error", json_null());
        }
        json_t *hr = json_array();
        for (size_t k = 0; k < f->hresults.len; k++) {
            const updx_servicing_hresult *h = *(updx_servicing_hresult **)updx_avec_at(&f->hresults, k);
            json_t *ho = json_object();
            json_object_set_new(ho, "hresult", jhex(h->code));
            json_object_set_new(ho, "name", jstr(h->name));
            json_object_set_new(ho, "count", json_integer((json_int_t)h->count));
            json_object_set_new(ho, "errors", json_integer((json_int_t)h->errors));
            json_object_set_new(ho, "first", ev_json(&h->first));
            json_array_append_new(hr, ho);
        }
        json_object_set_new(o, "hresults", hr);
        /* errors and CSI failures first (in file order), then the rest, up to the cap */
        json_t *fa = json_array();
        size_t shown = 0;
        for (int pass = 0; pass < 2; pass++)
            for (size_t k = 0; k < f->failures.len && shown < SV_JSON_MAX_FAILURES; k++) {
                const updx_servicing_failure *fl = *(updx_servicing_failure **)updx_avec_at(&f->failures, k);
                bool major = fl->level == UPDX_SV_ERROR || fl->csi_failure || fl->store_corruption;
                if (major != (pass == 0))
                    continue;
                json_t *fo = json_object();
                json_object_set_new(fo, "component", json_string(fl->component));
                json_object_set_new(fo, "level", json_string(level_name(fl->level)));
                json_object_set_new(fo, "csi_failure", json_boolean(fl->csi_failure));
                json_object_set_new(fo, "store_corruption", json_boolean(fl->store_corruption));
                json_object_set_new(fo, "hresult", fl->has_hresult ? jhex(fl->hresult) : json_null());
                json_object_set_new(fo, "hresult_name", jstr(fl->hresult_name));
                json_object_set_new(fo, "package", jstr(fl->package));
                json_object_set_new(fo, "servicing_component", jstr(fl->servicing_component));
                json_object_set_new(fo, "count", json_integer((json_int_t)fl->count));
                json_object_set_new(fo, "time", jstr(fl->first_time));
                json_object_set_new(fo, "last_line", json_integer((json_int_t)fl->last_line));
                json_t *ev = json_array();
                json_array_append_new(ev, ev_json(&fl->first));
                json_object_set_new(fo, "evidence", ev);
                json_array_append_new(fa, fo);
                shown++;
            }
        json_object_set_new(o, "failures", fa);
        json_object_set_new(o, "failures_not_listed",
                            json_integer((json_int_t)(f->failures.len - shown + f->failures_dropped)));
        json_array_append_new(files, o);
    }
    json_t *root = json_object();
    json_object_set_new(root, "files", files);
    return root;
}
