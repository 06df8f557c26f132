/*
 * setupapi.c: the setupapi.*.log parser (see setupapi.h and docs/device-logs.md).
 *
 * The log is a header, boot-session markers and sections:
 *     >>>  [Title - subject]
 *     >>>  Section start 2022/05/05 16:18:31.906
 *     <sev><cat>: body...
 *     <<<  Section end 2022/05/05 16:18:32.182
 *     <<<  [Exit status: FAILURE(0x80071a2d)]
 * Sections may be written inside one another (a long "Sysprep Specialize" section holds
 * device installs), and an interrupted section is followed by an "<ins>" line. So open
 * sections are kept in a small table; body lines go to the section being written, "Section
 * end" closes it, and whatever is still open at a new boot session or at the end of the file
 * was left open by a hang or a crash.
 *
 * Body lines of an open section wait in a temporary buffer until its exit status is known:
 * failed and open sections keep them (in the case's arena), successful ones drop them.
 * Lookups over the facts and the JSON report are in setupapi_report.c.
 */
#include "logs/setupapi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/strutil.h"
#include "util/vec.h"

enum {
    /* Sections in flight at once. Real logs nest two or three and a crash leaves about ten
     * open; more means garbage, and the oldest is then given up as left open. */
    SA_MAX_OPEN = 256,
    /* Body lines and bytes kept per failed or open section. Real sections have up to a few
     * hundred lines; past this only error and warning lines are kept, up to SA_MAX_EXTRA. */
    SA_MAX_LINES = 4096,
    SA_MAX_EXTRA = 1024,
    SA_MAX_PENDING_BYTES = 2u << 20,
    /* Body-line bytes kept over all failed and open sections of all the bundle's setupapi
     * logs. A real log's failures keep tens of KiB; a log that repeats itself, or many big
     * logs, must not grow memory without end. Past this, such sections keep their first
     * error and last line only. */
    SA_MAX_KEPT_BYTES = 4u << 20,
    /* Failed and open sections recorded per bundle (about 1 KiB each). Past this, one that
     * deleted no service is counted only, as successful ones are past SA_ALL_SECTIONS. */
    SA_MAX_FAILED_RECORDS = 5000,
    SA_SPARE_SECTIONS = 8,
    SA_SPARE_SERVICES = 256,
    SA_ALL_SECTIONS = 2000,       /* sections recorded whatever they did (then see finish()) */
    /* A stored line is cut here: the longest real body line is a few hundred bytes. */
    SA_MAX_TEXT = 2048,
    /* Named things kept per section (deduplicated). */
    SA_MAX_NAMES = 16,
    SA_MAX_SERVICES_PER_SECTION = 256,
    /* Per bundle: sections and service operations recorded (counts go on beyond). */
    SA_MAX_SECTIONS = 500000,
    SA_MAX_SERVICES = 200000,
    SA_MAX_FILES = 4096,
    SA_MAX_BOOTS = 65536,
};

typedef struct pending_line {
    uint64_t line, offset;
    size_t text_off, text_len; /* into the open section's text buffer */
    updx_setupapi_severity severity;
    char category[8];
    uint32_t code;
    bool has_code;
} pending_line;

/* A line copied aside (the last body line, the first error) until the section ends. */
typedef struct saved_line {
    updx_setupapi_line l;  /* l.text unused */
    char text[SA_MAX_TEXT + 1];
} saved_line;

typedef struct open_section {
    updx_setupapi_section *s;
    updx_buf text;
    updx_vec lines;        /* pending_line */
    size_t extra;          /* lines kept past SA_MAX_LINES */
    bool suspended;        /* "<ins>": no more body lines come to it here */
    bool ended;            /* "Section end" seen, exit status awaited */
    saved_line *last, *first_error;
} open_section;

typedef struct sa_parser {
    updx_case *c;
    struct updx_setupapi_facts *f;
    updx_setupapi_file *file;
    open_section open[SA_MAX_OPEN];
    size_t n_open;
    int current;           /* index in open[] receiving body lines, or -1 */
    bool in_header;        /* before the first section or boot session */
    saved_line file_last;
    uint64_t sections_unkept;    /* sections whose lines the budget did not keep */
    uint64_t failed_unrecorded;  /* failed or open sections only counted (SA_MAX_FAILED_RECORDS) */
    updx_setupapi_section *spare[SA_SPARE_SECTIONS]; /* records taken back, for reuse */
    size_t n_spare;
    updx_setupapi_service *spare_sv[SA_SPARE_SERVICES];
    size_t n_spare_sv;
    /* Strings of the sections in flight (title, times, exit text, names). A section kept at
     * its end copies them into the case arena; whenever no section is open this arena is
     * emptied, so the sections that are only counted leave nothing behind. */
    updx_arena sec;
    int result;
} sa_parser;

/* ---------------------------------------------------------------------------------------- */
/* small helpers */

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool is_alnum(char ch)
{
    return is_digit(ch) || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static unsigned digits(const char *s, size_t n)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (unsigned)(s[i] - '0');
    return v;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* proleptic Gregorian day count (after H. Hinnant's public-domain algorithm) */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* Finds "YYYY/MM/DD HH:MM:SS[.mmm]" in [s, s+len). */
static bool find_time(updx_arena *a, const char *s, size_t len, updx_setupapi_time *out)
{
    for (size_t i = 0; i + 19 <= len; i++) {
        const char *p = s + i;
        if (!(is_digit(p[0]) && is_digit(p[1]) && is_digit(p[2]) && is_digit(p[3]) && p[4] == '/' &&
              is_digit(p[5]) && is_digit(p[6]) && p[7] == '/' && is_digit(p[8]) && is_digit(p[9]) &&
              p[10] == ' ' && is_digit(p[11]) && is_digit(p[12]) && p[13] == ':' && is_digit(p[14]) &&
              is_digit(p[15]) && p[16] == ':' && is_digit(p[17]) && is_digit(p[18])))
            continue;
        unsigned y = digits(p, 4), mo = digits(p + 5, 2), d = digits(p + 8, 2);
        unsigned h = digits(p + 11, 2), mi = digits(p + 14, 2), sec = digits(p + 17, 2), ms = 0;
        if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
            continue;
        if (i + 23 <= len && p[19] == '.' && is_digit(p[20]) && is_digit(p[21]) && is_digit(p[22]))
            ms = digits(p + 20, 3);
        out->ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + (int64_t)sec * 1000 + ms;
        /* "YYYY-MM-DD HH:MM:SS.mmm" by hand: printf was 1.5 % of a big log (one per section) */
        char *t = updx_arena_alloc(a, 24);
        if (t) {
            memcpy(t, p, 19);
            t[4] = t[7] = '-';
            t[19] = '.';
            t[20] = (char)('0' + ms / 100);
            t[21] = (char)('0' + ms / 10 % 10);
            t[22] = (char)('0' + ms % 10);
            t[23] = '\0';
        }
        out->text = t;
        return true;
    }
    return false;
}

/* The first "0x" hex number in [s, s+len), 32 bits at most. */
/* The literals the per-line searches below look for, in this order (the prefilter ids). A
 * line the prefilter covered skips each search whose literal it does not hold. */
enum { LIT_OPEN_MARK, LIT_CLOSE_MARK, LIT_SERVICE, LIT_IMAGE_PATH, LIT_SYS, LIT_INF, LIT_COUNT };
static const updx_literal setupapi_literals[LIT_COUNT] = {
    [LIT_OPEN_MARK] = {">>>  ", false}, [LIT_CLOSE_MARK] = {"<<<  ", false},
    [LIT_SERVICE] = {"Service", true}, [LIT_IMAGE_PATH] = {"Image Path", true},
    [LIT_SYS] = {".sys", true}, [LIT_INF] = {".inf", true},
};

const updx_literal *updx_setupapi_literals(size_t *n)
{
    *n = LIT_COUNT;
    return setupapi_literals;
}

/* False only when the prefilter says the line lacks literal `id`. */
static bool may_hold(const updx_line *ln, unsigned id)
{
    return !ln->filtered || updx_hits_have(ln->hits, ln->nhits, id);
}

/* The first "0x..." number standing alone (8 hex digits at most). A two-byte literal costs the
 * block scan more than memchr for its '0' costs here. */
static bool find_code(const char *s, size_t len, uint32_t *code)
{
    if (len < 3)
        return false;
    const char *end = s + len - 2;  /* a candidate needs "0x" and one more byte */
    for (const char *z = s; (z = memchr(z, '0', (size_t)(end - z))) != NULL; z++) {
        size_t i = (size_t)(z - s);
        if ((s[i + 1] == 'x' || s[i + 1] == 'X') && (i == 0 || !is_alnum(s[i - 1]))) {
            uint64_t v;
            size_t used;
            if (updx_parse_hex(s + i, len - i, &v, &used) && used > 2 && used <= 10 &&
                (i + used == len || !is_alnum(s[i + used]))) {
                *code = (uint32_t)v;
                return true;
            }
        }
    }
    return false;
}

/* Copies at most SA_MAX_TEXT bytes, not cutting a UTF-8 sequence. */
static size_t text_cut(const char *s, size_t len)
{
    if (len <= SA_MAX_TEXT)
        return len;
    size_t n = SA_MAX_TEXT;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static char *adup(sa_parser *p, const char *s, size_t len)
{
    return updx_arena_strndup(&p->c->arena, s, text_cut(s, len));
}

/* The same in the in-flight arena (strings of an open section and of its services). */
static char *sdup(sa_parser *p, const char *s, size_t len)
{
    return updx_arena_strndup(&p->sec, s, text_cut(s, len));
}

static void limit_note(sa_parser *p, uint64_t line, const char *what)
{
    updx_note_add(&p->c->notes, UPDX_NOTE_LIMIT, p->file->name, UPDX_NO_OFFSET, line, "%s", what);
    if (p->result == UPDX_OK)
        p->result = UPDX_PARTIAL;
}

static void nomem(sa_parser *p, uint64_t line)
{
    if (p->result != UPDX_ERR_NOMEM)
        updx_note_add(&p->c->notes, UPDX_NOTE_LIMIT, p->file->name, UPDX_NO_OFFSET, line,
                      "memory limit reached while reading device-install sections; the rest is counted only");
    p->result = UPDX_ERR_NOMEM;
}

/* Adds a name to a deduplicated list (ASCII case-insensitive). */
static void add_name(sa_parser *p, updx_avec *v, const char *s, size_t len)
{
    if (len == 0 || len > 512)
        return;
    for (size_t i = 0; i < v->len; i++) {
        const char *have = *(const char **)updx_avec_at(v, i);
        if (updx_ascii_lower(have[0]) == updx_ascii_lower(s[0]) && strlen(have) == len &&
            updx_strncasecmp(have, s, len) == 0)
            return;
    }
    const char **slot = updx_avec_push(v, &p->sec);
    if (slot && !(*slot = updx_arena_strndup(&p->sec, s, len)))
        v->len--;  /* the memory cap: leave no NULL name behind for the next comparison */
}

/* ---------------------------------------------------------------------------------------- */
/* what body lines name */

static bool name_char(char ch)
{
    return ch && ch != ' ' && ch != '\t' && ch != '\'' && ch != '"' && ch != '\\' && ch != '/' &&
           ch != '(' && ch != ')' && ch != '[' && ch != ']' && ch != '=' && ch != ',' && ch != ':' &&
           ch != '{' && ch != '}' && ch != '<' && ch != '>' && ch != '|';
}

/* Every "name.sys" (into drivers) and "name.inf" (into infs) in the message, as base names:
 * one pass over the dots for both. */
static void collect_files(sa_parser *p, updx_setupapi_section *sec, const char *s, size_t len,
                          bool want_sys, bool want_inf)
{
    const char *end = s + len;
    const char *q = s;
    while (q + 4 <= end) {
        const char *hit = memchr(q, '.', (size_t)(end - q) - 3);
        if (!hit)
            break;
        char e[3] = {updx_ascii_lower(hit[1]), updx_ascii_lower(hit[2]), updx_ascii_lower(hit[3])};
        bool sys = want_sys && e[0] == 's' && e[1] == 'y' && e[2] == 's';
        bool inf = want_inf && e[0] == 'i' && e[1] == 'n' && e[2] == 'f';
        const char *after = hit + 4;
        if ((sys || inf) && (after == end || !is_alnum(*after)) && hit > s) {
            const char *b = hit;
            while (b > s && name_char(b[-1]))
                b--;
            if (b < hit)
                add_name(p, sys ? &sec->drivers : &sec->infs, b, (size_t)(after - b));
        }
        q = (sys || inf) ? after : hit + 1;
    }
}

static updx_setupapi_service *service_get(sa_parser *p, updx_setupapi_section *s, const char *name,
                                          size_t nlen, updx_setupapi_service_op op,
                                          const updx_line *ln)
{
    if (nlen == 0 || nlen > 256)
        return NULL;
    for (size_t i = s->services.len; i-- > 0;) {
        updx_setupapi_service *sv = *(updx_setupapi_service **)updx_avec_at(&s->services, i);
        if (sv->op == op && strlen(sv->name) == nlen && updx_strncasecmp(sv->name, name, nlen) == 0)
            return sv;
    }
    updx_setupapi_service **slot = updx_avec_push(&s->services, &p->c->arena);
    if (!slot)
        return NULL;
    updx_setupapi_service **gslot = updx_avec_push(&p->f->services, &p->c->arena);
    updx_setupapi_service *sv = p->n_spare_sv ? p->spare_sv[--p->n_spare_sv]
                                              : updx_arena_alloc(&p->c->arena, sizeof *sv);
    if (!gslot || !sv) {
        s->services.len--;
        if (gslot)
            p->f->services.len--;
        if (!sv)
            nomem(p, ln->number);
        return NULL;
    }
    memset(sv, 0, sizeof *sv);
    sv->name = updx_arena_strndup(&p->sec, name, nlen);
    sv->op = op;
    sv->section = s;
    sv->directive = (updx_evref){p->file->name, ln->number, ln->offset, sdup(p, ln->text, ln->len)};
    sv->outcome = (updx_evref){p->file->name, UPDX_NO_LINE, UPDX_NO_OFFSET, NULL};
    *slot = sv;
    *gslot = sv;
    return sv;
}

/* "AddService=name,0x00000002,section  (x.inf line 59)" / "DelService=name,0x200  (...)" */
static void parse_service_directive(sa_parser *p, updx_setupapi_section *s, const char *m, size_t mlen,
                                    const updx_line *ln)
{
    static const struct {
        const char *key;
        updx_setupapi_service_op op;
    } keys[] = {{"AddService=", UPDX_SA_ADD_SERVICE}, {"DelService=", UPDX_SA_DELETE_SERVICE}};
    for (size_t k = 0; k < 2; k++) {
        const char *hit = updx_memcasemem(m, mlen, keys[k].key, 11);
        if (!hit)
            continue;
        const char *q = hit + 11, *end = m + mlen;
        const char *n = q;
        while (q < end && *q != ',' && *q != ' ' && *q != '\t')
            q++;
        updx_setupapi_service *sv = service_get(p, s, n, (size_t)(q - n), keys[k].op, ln);
        if (!sv)
            return;
        /* the directive line is the best evidence, even when a result line came first */
        sv->directive = (updx_evref){p->file->name, ln->number, ln->offset, sdup(p, ln->text, ln->len)};
        if (q < end && *q == ',') {
            uint64_t v;
            size_t used;
            if (updx_parse_hex(q + 1, (size_t)(end - q - 1), &v, &used) && v <= UINT32_MAX) {
                sv->flags = (uint32_t)v;
                sv->has_flags = true;
            }
        }
        /* "(lwfmgr.inf line 82)" */
        const char *lp = updx_memcasemem(q, (size_t)(end - q), " line ", 6);
        if (lp) {
            const char *open = lp;
            while (open > q && *open != '(')
                open--;
            if (*open == '(' && open < lp) {
                sv->inf = updx_arena_strndup(&p->sec, open + 1, (size_t)(lp - open - 1));
                uint64_t v;
                size_t used;
                if (updx_parse_dec(lp + 6, (size_t)(end - lp - 6), &v, &used) && v <= UINT32_MAX)
                    sv->inf_line = (uint32_t)v;
            }
        }
        return;
    }
}

/* Result and block forms: "Deleted service 'x'.", "Created new service 'x'.", ... */
static void parse_service_result(sa_parser *p, updx_setupapi_section *s, const char *m, size_t mlen,
                                 const updx_line *ln)
{
    static const struct {
        const char *phrase;
        updx_setupapi_service_op op;
        const char *result;  /* NULL: names the service without saying how it ended */
        char close;          /* what ends the name */
    } forms[] = {
        {"Deleted service '", UPDX_SA_DELETE_SERVICE, "deleted", '\''},
        {"Found legacy DelService operation for '", UPDX_SA_DELETE_SERVICE, NULL, '\''},
        {"Delete Services: Service '", UPDX_SA_DELETE_SERVICE, "absent", '\''},
        {"{Delete Service: ", UPDX_SA_DELETE_SERVICE, NULL, '}'},
        {"Created new service '", UPDX_SA_ADD_SERVICE, "created", '\''},
        {"Created service '", UPDX_SA_ADD_SERVICE, "created", '\''},
        {"Updated service '", UPDX_SA_ADD_SERVICE, "updated", '\''},
        {"Modified existing service '", UPDX_SA_ADD_SERVICE, "updated", '\''},
        {"{Add Service: ", UPDX_SA_ADD_SERVICE, NULL, '}'},
    };
    for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++) {
        size_t plen = strlen(forms[k].phrase);
        const char *hit = updx_memcasemem(m, mlen, forms[k].phrase, plen);
        if (!hit)
            continue;
        const char *n = hit + plen, *end = m + mlen, *q = n;
        while (q < end && *q != forms[k].close)
            q++;
        if (q == end || q == n)
            return;
        if (forms[k].close == '}' && updx_str_starts_with_ci(n, "exit("))
            return;
        updx_setupapi_service *sv = service_get(p, s, n, (size_t)(q - n), forms[k].op, ln);
        if (!sv)
            return;
        const char *result = forms[k].result;
        if (result && strcmp(result, "absent") == 0 && !updx_memcasemem(q, (size_t)(end - q), "does not exist", 14))
            result = NULL;
        if (result) {
            sv->result = result;
            sv->outcome = (updx_evref){p->file->name, ln->number, ln->offset, sdup(p, ln->text, ln->len)};
        }
        return;
    }
}

static void parse_names(sa_parser *p, updx_setupapi_section *s, const char *m, size_t mlen,
                        const updx_line *ln)
{
    if (s->services.len < SA_MAX_SERVICES_PER_SECTION && p->f->services.len < SA_MAX_SERVICES) {
        if (may_hold(ln, LIT_SERVICE) && updx_memcasemem(m, mlen, "Service", 7)) {
            parse_service_directive(p, s, m, mlen, ln);
            parse_service_result(p, s, m, mlen, ln);
        }
    }
    /* "Image Path    = \SystemRoot\System32\drivers\tunnel.sys" belongs to the service block */
    const char *ip = may_hold(ln, LIT_IMAGE_PATH) ? updx_memcasemem(m, mlen, "Image Path", 10) : NULL;
    if (ip && s->services.len) {
        const char *eq = memchr(ip, '=', (size_t)(m + mlen - ip));
        if (eq) {
            size_t vlen = (size_t)(m + mlen - eq - 1);
            const char *v = updx_trim(eq + 1, &vlen);
            updx_setupapi_service *sv =
                *(updx_setupapi_service **)updx_avec_at(&s->services, s->services.len - 1);
            if (sv->op == UPDX_SA_ADD_SERVICE && !sv->image_path && vlen)
                sv->image_path = sdup(p, v, vlen);
        }
    }
    bool sys = may_hold(ln, LIT_SYS), inf = may_hold(ln, LIT_INF);
    if (sys || inf)
        collect_files(p, s, m, mlen, sys, inf);
}

/* Device-instance and hardware ids: ENUMERATOR\rest, for the enumerators Windows uses. */
static void collect_device_ids(sa_parser *p, updx_setupapi_section *s, const char *m)
{
#define ENUMERATOR(x) {x, sizeof x - 1}
    static const struct {
        const char *name;
        size_t len;
    } enums[] = {ENUMERATOR("PCI\\"), ENUMERATOR("USB\\"), ENUMERATOR("ACPI\\"), ENUMERATOR("HDAUDIO\\"),
                 ENUMERATOR("HID\\"), ENUMERATOR("ROOT\\"), ENUMERATOR("SWD\\"), ENUMERATOR("BTH\\"),
                 ENUMERATOR("BTHENUM\\"), ENUMERATOR("USBSTOR\\"), ENUMERATOR("SCSI\\"), ENUMERATOR("STORAGE\\"),
                 ENUMERATOR("DISPLAY\\"), ENUMERATOR("MONITOR\\"), ENUMERATOR("UMB\\"), ENUMERATOR("SW\\"),
                 ENUMERATOR("BTHLE\\"), ENUMERATOR("INTELAUDIO\\"), ENUMERATOR("ACPI_HAL\\"), ENUMERATOR("HTREE\\"),
                 ENUMERATOR("NDIS\\"), ENUMERATOR("VMBUS\\"), ENUMERATOR("UEFI\\"), ENUMERATOR("WPDBUSENUMROOT\\")};
#undef ENUMERATOR
    if (!strchr(m, '\\'))
        return;  /* every id has one; most lines have none */
    for (const char *q = m; *q; q++) {
        if (q != m && (is_alnum(q[-1]) || q[-1] == '_' || q[-1] == '\\'))
            continue;
        char first = updx_ascii_lower(*q);
        for (size_t k = 0; k < sizeof enums / sizeof enums[0]; k++) {
            size_t kl = enums[k].len;
            if (updx_ascii_lower(enums[k].name[0]) != first || updx_strncasecmp(q, enums[k].name, kl) != 0)
                continue;
            const char *e = q + kl;
            while (*e && *e != ' ' && *e != '\t' && *e != '\'' && *e != '"' && *e != ']' && *e != ')' &&
                   *e != ',' && *e != '}')
                e++;
            /* a trailing full stop ends the sentence, not the id */
            while (e > q + kl && e[-1] == '.')
                e--;
            if (e > q + kl && s->device_ids.len < SA_MAX_NAMES)
                add_name(p, &s->device_ids, q, (size_t)(e - q));
            q = e - 1;
            break;
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* sections */

static updx_setupapi_line commit_saved(sa_parser *p, const saved_line *sl)
{
    updx_setupapi_line l = sl->l;
    l.text = updx_arena_strdup(&p->c->arena, sl->text);
    return l;
}

static void save_line(saved_line *sl, const updx_setupapi_line *l, const char *text, size_t len)
{
    sl->l = *l;
    size_t n = text_cut(text, len);
    memcpy(sl->text, text, n);
    sl->text[n] = '\0';
}

static void count_status(updx_setupapi_file *file, updx_setupapi_status st)
{
    switch (st) {
    case UPDX_SA_OPEN: file->left_open++; break;
    case UPDX_SA_SUCCESS: file->succeeded++; break;
    case UPDX_SA_FAILURE: file->failed++; break;
    case UPDX_SA_NO_STATUS: file->no_status++; break;
    case UPDX_SA_OTHER: file->failed++; break;
    }
}

static const char *rehome_str(sa_parser *p, const char *s)
{
    return s ? updx_arena_strdup(&p->c->arena, s) : NULL;
}

static void rehome_names(sa_parser *p, updx_avec *v)
{
    updx_avec nv;
    updx_avec_init(&nv, sizeof(const char *), v->max_len);
    for (size_t i = 0; i < v->len; i++) {
        const char **slot = updx_avec_push(&nv, &p->c->arena);
        if (slot)
            *slot = rehome_str(p, *(const char **)updx_avec_at(v, i));
    }
    *v = nv;
}

/* Copies a kept section's strings out of the in-flight arena into the case's. */
static void rehome(sa_parser *p, updx_setupapi_section *s)
{
    bool kind_is_title = s->kind == s->title;
    s->title = rehome_str(p, s->title);
    s->kind = kind_is_title ? s->title : rehome_str(p, s->kind);
    s->subject = rehome_str(p, s->subject);
    s->start.text = rehome_str(p, s->start.text);
    s->end.text = rehome_str(p, s->end.text);
    s->exit_text = rehome_str(p, s->exit_text);
    rehome_names(p, &s->drivers);
    rehome_names(p, &s->infs);
    rehome_names(p, &s->device_ids);
    for (size_t i = 0; i < s->services.len; i++) {
        updx_setupapi_service *sv = *(updx_setupapi_service **)updx_avec_at(&s->services, i);
        sv->name = rehome_str(p, sv->name);
        sv->inf = rehome_str(p, sv->inf);
        sv->image_path = rehome_str(p, sv->image_path);
        sv->directive.text = rehome_str(p, sv->directive.text);
        sv->outcome.text = rehome_str(p, sv->outcome.text);
    }
}

/* True when the section's services can be taken back with it: none deletes a service (every
 * deletion is reported) and they are the last ones recorded for the bundle, in order. */
static bool services_reusable(const struct updx_setupapi_facts *f, const updx_setupapi_section *s)
{
    size_t k = s->services.len;
    if (k > f->services.len)
        return false;
    for (size_t i = 0; i < k; i++) {
        const updx_setupapi_service *sv = *(updx_setupapi_service **)updx_avec_at(&s->services, i);
        if (sv->op == UPDX_SA_DELETE_SERVICE ||
            *(updx_setupapi_service **)updx_avec_at(&f->services, f->services.len - k + i) != sv)
            return false;
    }
    return true;
}

/* The section at open[i] is done (ended, given up or left open): keep what it deserves. */
static void finish(sa_parser *p, size_t i, updx_setupapi_status st)
{
    open_section *o = &p->open[i];
    updx_setupapi_section *s = o->s;
    s->status = st;
    count_status(p->file, st);
    struct updx_setupapi_facts *f = p->f;
    bool over = st != UPDX_SA_SUCCESS && f->failed_recorded >= SA_MAX_FAILED_RECORDS;
    bool keep = st != UPDX_SA_SUCCESS && !over;
    /* what keeping the lines costs: their text and their records */
    uint64_t cost = o->text.len + o->lines.len * (sizeof(updx_setupapi_line) + 16);
    if (keep && o->lines.len && f->kept_bytes + cost > SA_MAX_KEPT_BYTES) {
        keep = false;
        s->lines_truncated = true;
        p->sections_unkept++;
    }
    if (keep)
        f->kept_bytes += cost;
    if (keep && p->result != UPDX_ERR_NOMEM) {
        for (size_t k = 0; k < o->lines.len; k++) {
            const pending_line *pl = updx_vec_at(&o->lines, k);
            updx_setupapi_line *l = updx_avec_push(&s->lines, &p->c->arena);
            if (!l) {
                nomem(p, pl->line);
                break;
            }
            l->line = pl->line;
            l->offset = pl->offset;
            l->severity = pl->severity;
            memcpy(l->category, pl->category, sizeof l->category);
            l->code = pl->code;
            l->has_code = pl->has_code;
            l->text = updx_arena_strndup(&p->c->arena, o->text.data + pl->text_off, pl->text_len);
            if (!l->text) {
                /* the case's memory cap (--max-memory) is reached */
                nomem(p, pl->line);
                break;
            }
            collect_device_ids(p, s, l->text);
        }
    }
    /* past the first SA_ALL_SECTIONS records, a successful section that deleted no service is
     * only counted: nothing downstream looks at it (the correlator reads failed sections, the
     * report failed and open ones and every deletion), so when it is the latest recorded its
     * record and its services' records are taken back for the next section (a big log is
     * mostly such sections; their records would grow memory with the log) */
    bool recycle = (st == UPDX_SA_SUCCESS || over) && p->n_spare < SA_SPARE_SECTIONS &&
                   f->sections.len > SA_ALL_SECTIONS && services_reusable(f, s) &&
                   p->n_spare_sv + s->services.len <= SA_SPARE_SERVICES &&
                   f->sections.len && *(updx_setupapi_section **)updx_avec_at(&f->sections, f->sections.len - 1) == s;
    if (recycle && over) {
        f->sections_dropped++;
        p->failed_unrecorded++;
    } else if (!recycle && st != UPDX_SA_SUCCESS) {
        f->failed_recorded++;
        if (over)
            s->lines_truncated = true;  /* recorded for its service deletions, without lines */
    }
    if (recycle) {
        f->sections.len--;
        p->spare[p->n_spare++] = s;
        for (size_t k = 0; k < s->services.len; k++)
            p->spare_sv[p->n_spare_sv++] = *(updx_setupapi_service **)updx_avec_at(&s->services, k);
        f->services.len -= s->services.len;
    } else {
        if (o->last)
            s->last_line = commit_saved(p, o->last);
        if (o->first_error)
            s->first_error = commit_saved(p, o->first_error);
        rehome(p, s);
    }
    updx_buf_free(&o->text);
    updx_vec_free(&o->lines);
    free(o->last);
    free(o->first_error);
    memmove(&p->open[i], &p->open[i + 1], (p->n_open - i - 1) * sizeof p->open[0]);
    p->n_open--;
    if (p->n_open == 0) {
        uint64_t cap = p->sec.cap;
        updx_arena_free(&p->sec);
        updx_arena_init(&p->sec, cap);
    }
    if (p->current == (int)i)
        p->current = -1;
    else if (p->current > (int)i)
        p->current--;
}

/* An ended section whose exit status never came (another line arrived first). */
static void finish_awaiting(sa_parser *p)
{
    for (size_t i = p->n_open; i-- > 0;)
        if (p->open[i].ended)
            finish(p, i, UPDX_SA_NO_STATUS);
}

static void finish_all_open(sa_parser *p)
{
    finish_awaiting(p);
    while (p->n_open)
        finish(p, 0, UPDX_SA_OPEN);
    p->current = -1;
}

static void split_title(sa_parser *p, updx_setupapi_section *s, const char *t, size_t len)
{
    s->title = updx_arena_strndup(&p->sec, t, len);
    const char *dash = updx_memcasemem(t, len, " - ", 3);
    if (dash) {
        s->kind = updx_arena_strndup(&p->sec, t, (size_t)(dash - t));
        size_t sl = len - (size_t)(dash + 3 - t);
        const char *sub = updx_trim(dash + 3, &sl);
        s->subject = sl ? updx_arena_strndup(&p->sec, sub, sl) : NULL;
    } else {
        s->kind = s->title;
    }
}

static void open_new(sa_parser *p, const char *title, size_t tlen, const updx_line *ln)
{
    finish_awaiting(p);
    updx_setupapi_file *file = p->file;
    file->sections++;
    p->in_header = false;
    if (p->n_open == SA_MAX_OPEN) {
        limit_note(p, ln->number, "too many device-install sections open at once; the oldest is reported as left open");
        finish(p, 0, UPDX_SA_OPEN);
    }
    updx_setupapi_section *s = NULL;
    updx_setupapi_section **slot = NULL;
    if (p->result != UPDX_ERR_NOMEM && p->f->sections.len < SA_MAX_SECTIONS) {
        if (p->n_spare) {
            s = p->spare[--p->n_spare];
            memset(s, 0, sizeof *s);
        } else {
            s = updx_arena_alloc(&p->c->arena, sizeof *s);
        }
        slot = s ? updx_avec_push(&p->f->sections, &p->c->arena) : NULL;
    }
    if (!s || !slot) {
        /* counted in file->sections, nothing else */
        if (p->f->sections_dropped++ == 0)
            limit_note(p, ln->number, "too many device-install sections; the rest are counted only");
        p->current = -1;
        return;
    }
    *slot = s;
    s->file = file;
    split_title(p, s, title, tlen);
    s->boot_session = file->boot_sessions.len ? (uint32_t)(file->boot_sessions.len - 1) : UINT32_MAX;
    s->header_line = ln->number;
    s->header_offset = ln->offset;
    s->status = UPDX_SA_OPEN;
    updx_avec_init(&s->lines, sizeof(updx_setupapi_line), SA_MAX_LINES + SA_MAX_EXTRA);
    updx_avec_init(&s->services, sizeof(updx_setupapi_service *), SA_MAX_SERVICES_PER_SECTION);
    updx_avec_init(&s->drivers, sizeof(const char *), SA_MAX_NAMES);
    updx_avec_init(&s->infs, sizeof(const char *), SA_MAX_NAMES);
    updx_avec_init(&s->device_ids, sizeof(const char *), SA_MAX_NAMES);
    open_section *o = &p->open[p->n_open];
    memset(o, 0, sizeof *o);
    o->s = s;
    updx_buf_init(&o->text, SA_MAX_PENDING_BYTES);
    updx_vec_init(&o->lines, sizeof(pending_line), SA_MAX_LINES + SA_MAX_EXTRA);
    p->current = (int)p->n_open;
    p->n_open++;
}

/* The section "Section start" or "Section end" refers to: the one being written, else the
 * most recently opened one that is still open. */
static int target_section(sa_parser *p)
{
    if (p->current >= 0 && !p->open[p->current].ended)
        return p->current;
    for (size_t i = p->n_open; i-- > 0;)
        if (!p->open[i].ended)
            return (int)i;
    return -1;
}

static void on_section_end(sa_parser *p, const char *rest, size_t rlen, const updx_line *ln)
{
    finish_awaiting(p);
    int i = target_section(p);
    if (i < 0) {
        updx_note_add(&p->c->notes, UPDX_NOTE_WARNING, p->file->name, ln->offset, ln->number,
                      "section end without an open section");
        return;
    }
    updx_setupapi_section *s = p->open[i].s;
    find_time(&p->sec, rest, rlen, &s->end);
    s->end_line = ln->number;
    p->open[i].ended = true;
    p->current = -1;
}

static void on_exit_status(sa_parser *p, const char *rest, size_t rlen, const updx_line *ln)
{
    int i = -1;
    for (size_t k = p->n_open; k-- > 0;)
        if (p->open[k].ended) {
            i = (int)k;
            break;
        }
    if (i < 0) {
        /* no "Section end" line before it (the documented 2005 layout allows that) */
        i = target_section(p);
        if (i < 0) {
            updx_note_add(&p->c->notes, UPDX_NOTE_WARNING, p->file->name, ln->offset, ln->number,
                          "exit status without an open section");
            return;
        }
    }
    updx_setupapi_section *s = p->open[i].s;
    s->status_line = ln->number;
    s->exit_text = updx_arena_strndup(&p->sec, rest, text_cut(rest, rlen));
    updx_setupapi_status st = UPDX_SA_OTHER;
    uint32_t code = 0;
    bool has = find_code(rest, rlen, &code);
    if (updx_memcasemem(rest, rlen, "SUCCESS", 7))
        st = UPDX_SA_SUCCESS;
    else if (updx_memcasemem(rest, rlen, "FAIL", 4))
        st = UPDX_SA_FAILURE;
    else if (has)  /* documented "[Exit Status(0x00000000)]" */
        st = code == 0 ? UPDX_SA_SUCCESS : UPDX_SA_FAILURE;
    if (has) {
        s->exit_code = code;
        s->has_exit_code = true;
    } else if (st == UPDX_SA_SUCCESS) {
        s->has_exit_code = true;
    }
    /* a failure must keep its lines even if it was already given up elsewhere */
    p->open[i].ended = false;
    finish(p, (size_t)i, st);
    if (p->current < 0) {
        /* back to the enclosing section, when one is being written */
        for (size_t k = p->n_open; k-- > 0;)
            if (!p->open[k].suspended && !p->open[k].ended) {
                p->current = (int)k;
                break;
            }
    }
}

/* A body line: "<sev><cat>: message". Returns false when the line is not one. */
static bool parse_body(const char *s, size_t len, updx_setupapi_line *out, const char **msg, size_t *mlen)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    out->severity = UPDX_SA_INFO;
    if (i < len && s[i] == '!') {
        size_t bangs = 0;
        while (i < len && s[i] == '!') {
            bangs++;
            i++;
        }
        out->severity = bangs >= 3 ? UPDX_SA_ERROR : UPDX_SA_WARNING;
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
    }
    size_t c0 = i;
    while (i < len && i - c0 < 5 && (is_alnum(s[i]) || s[i] == '_'))
        i++;
    size_t clen = i - c0;
    while (i < len && s[i] == ' ' && i - c0 < 5)
        i++;
    if (clen < 2 || clen > 4 || i >= len || s[i] != ':')
        return false;
    memset(out->category, 0, sizeof out->category);
    for (size_t k = 0; k < clen; k++)
        out->category[k] = updx_ascii_lower(s[c0 + k]);
    *msg = s + i + 1;
    *mlen = len - i - 1;
    return true;
}

static void on_body(sa_parser *p, const updx_line *ln, const char *text, size_t len)
{
    updx_setupapi_line l = {0};
    const char *m;
    size_t mlen;
    if (!parse_body(text, len, &l, &m, &mlen)) {
        p->file->unparsed_lines++;
        return;
    }
    finish_awaiting(p);
    l.line = ln->number;
    l.offset = ln->offset;
    l.has_code = find_code(m, mlen, &l.code);
    p->file->body_lines++;
    if (l.severity == UPDX_SA_ERROR)
        p->file->errors++;
    else if (l.severity == UPDX_SA_WARNING)
        p->file->warnings++;
    save_line(&p->file_last, &l, text, len);
    if (p->current < 0)
        return;
    open_section *o = &p->open[p->current];
    updx_setupapi_section *s = o->s;
    s->body_lines++;
    if (l.severity == UPDX_SA_ERROR)
        s->errors++;
    else if (l.severity == UPDX_SA_WARNING)
        s->warnings++;
    if (!o->last)
        o->last = malloc(sizeof *o->last);
    if (o->last)
        save_line(o->last, &l, text, len);
    if (l.severity == UPDX_SA_ERROR && !o->first_error) {
        o->first_error = malloc(sizeof *o->first_error);
        if (o->first_error)
            save_line(o->first_error, &l, text, len);
    }
    if (p->result != UPDX_ERR_NOMEM)
        parse_names(p, s, m, mlen, ln);
    /* keep the line until the exit status says whether it is worth keeping */
    bool room = o->lines.len < SA_MAX_LINES;
    if (!room && l.severity != UPDX_SA_INFO && o->extra < SA_MAX_EXTRA) {
        room = true;
        o->extra++;
    }
    size_t n = text_cut(text, len);
    pending_line *pl = NULL;
    if (room && o->text.len + n < SA_MAX_PENDING_BYTES && (pl = updx_vec_push(&o->lines)) != NULL) {
        pl->text_off = o->text.len;
        if (updx_buf_add(&o->text, text, n) != UPDX_OK) {
            o->lines.len--;
            s->lines_truncated = true;
            return;
        }
        pl->text_len = n;
        pl->line = l.line;
        pl->offset = l.offset;
        pl->severity = l.severity;
        memcpy(pl->category, l.category, sizeof pl->category);
        pl->code = l.code;
        pl->has_code = l.has_code;
    } else {
        s->lines_truncated = true;
    }
}

/* Header lines before the first section: "     OS Version = 10.0.10240". */
static void on_header_value(sa_parser *p, const char *s, size_t len)
{
    const char *eq = memchr(s, '=', len);
    if (!eq)
        return;
    size_t klen = (size_t)(eq - s), vlen = len - klen - 1;
    const char *k = updx_trim(s, &klen);
    const char *v = updx_trim(eq + 1, &vlen);
    if (klen == 10 && updx_strncasecmp(k, "OS Version", 10) == 0 && !p->file->os_version)
        p->file->os_version = adup(p, v, vlen);
    else if (klen == 12 && updx_strncasecmp(k, "Architecture", 12) == 0 && !p->file->architecture)
        p->file->architecture = adup(p, v, vlen);
}

static void on_line(sa_parser *p, const updx_line *ln)
{
    if ((ln->flags & (UPDX_LINE_NUL | UPDX_LINE_REPLACED)) && !p->file->nul_bytes) {
        p->file->nul_bytes = true;
        p->file->first_damaged_line = ln->number;
        updx_note_add(&p->c->notes, UPDX_NOTE_DAMAGED, p->file->name, ln->offset, ln->number,
                      "NUL bytes or undecodable data from this line on: the log was cut off while "
                      "being written (a crash or power loss)");
        if (p->result == UPDX_OK)
            p->result = UPDX_PARTIAL;
    }
    size_t len = ln->len;
    const char *s = ln->text;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        len--;
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i == len)
        return;
    const char *t = s + i;
    size_t tl = len - i;
    /* markers, also behind a tool's prefix ("libwdi:debug [syslog] >>>  [...]") */
    const char *mk = NULL;
    if (tl >= 3 && (memcmp(t, ">>>", 3) == 0 || memcmp(t, "<<<", 3) == 0))
        mk = t;
    else if (tl > 5 && t[0] != '!' && t[0] != '[' &&
             (may_hold(ln, LIT_OPEN_MARK) || may_hold(ln, LIT_CLOSE_MARK))) {
        size_t look = tl < 128 ? tl : 128;
        const char *a = updx_memcasemem(t, look, ">>>  ", 5);
        const char *b = updx_memcasemem(t, look, "<<<  ", 5);
        mk = a && (!b || a < b) ? a : b;
    }
    if (mk) {
        size_t rl = len - (size_t)(mk - s) - 3;
        const char *r = updx_trim(mk + 3, &rl);
        if (mk[0] == '>') {
            if (rl && r[0] == '[') {
                const char *close = r + rl;
                while (close > r + 1 && close[-1] != ']')
                    close--;
                size_t title_len = close > r + 1 ? (size_t)(close - 1 - (r + 1)) : rl - 1;
                open_new(p, r + 1, title_len, ln);
            } else if (updx_memcasemem(r, rl, "Section start", 13)) {
                int k = target_section(p);
                if (k >= 0 && !p->open[k].s->start.text)
                    find_time(&p->sec, r, rl, &p->open[k].s->start);
            } else {
                p->file->unparsed_lines++;
            }
        } else {
            if (updx_memcasemem(r, rl, "Exit status", 11))
                on_exit_status(p, r, rl, ln);
            else if (updx_memcasemem(r, rl, "Section end", 11))
                on_section_end(p, r, rl, ln);
            else
                p->file->unparsed_lines++;
        }
        return;
    }
    if (tl == 5 && memcmp(t, "<ins>", 5) == 0) {
        p->file->insert_markers++;
        if (p->current >= 0) {
            p->open[p->current].suspended = true;
            p->open[p->current].s->interrupted = true;
            p->current = -1;
        }
        return;
    }
    if (t[0] == '[' && i == 0) {
        if (updx_str_starts_with_ci(t, "[Boot Session:")) {
            /* a new boot: whatever is still open was cut short by the restart */
            finish_all_open(p);
            p->in_header = false;
            updx_setupapi_time *bt = updx_avec_push(&p->file->boot_sessions, &p->c->arena);
            if (bt && !find_time(&p->c->arena, t, tl, bt))
                p->file->boot_sessions.len--;
        } else if (updx_str_starts_with_ci(t, "[BeginLog]")) {
            /* header ends */
        } else if (ln->number <= 2 && !p->file->header) {
            const char *close = memchr(t, ']', tl);
            p->file->header = adup(p, t + 1, close ? (size_t)(close - t - 1) : tl - 1);
        } else {
            p->file->unparsed_lines++;
        }
        return;
    }
    if (p->in_header && p->n_open == 0 && memchr(t, '=', tl)) {
        on_header_value(p, t, tl);
        return;
    }
    on_body(p, ln, s, len);
}

static const char *log_kind_of(const char *member)
{
    const char *b = updx_path_basename(member);
    static const char *const kinds[] = {"dev", "upgrade", "offline", "app", "setup"};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        char pre[32];
        snprintf(pre, sizeof pre, "setupapi.%s.", kinds[k]);
        if (updx_str_starts_with_ci(b, pre))
            return kinds[k];
    }
    return "unknown";
}

static struct updx_setupapi_facts *facts_of(updx_case *c)
{
    if (!c->setupapi) {
        struct updx_setupapi_facts *f = updx_arena_alloc(&c->arena, sizeof *f);
        if (!f)
            return NULL;
        updx_avec_init(&f->files, sizeof(updx_setupapi_file *), SA_MAX_FILES);
        updx_avec_init(&f->sections, sizeof(updx_setupapi_section *), SA_MAX_SECTIONS);
        updx_avec_init(&f->services, sizeof(updx_setupapi_service *), SA_MAX_SERVICES);
        c->setupapi = f;
    }
    return c->setupapi;
}

int updx_setupapi_parse(updx_case *c, const char *member, updx_text *t)
{
    if (!c || !t)
        return UPDX_ERR_ARG;
    struct updx_setupapi_facts *f = facts_of(c);
    if (!f)
        return UPDX_ERR_NOMEM;
    updx_setupapi_file *file = updx_arena_alloc(&c->arena, sizeof *file);
    updx_setupapi_file **slot = file ? updx_avec_push(&f->files, &c->arena) : NULL;
    if (!slot)
        return UPDX_ERR_NOMEM;
    *slot = file;
    file->name = updx_arena_strdup(&c->arena, member ? member : "");
    file->log_kind = log_kind_of(file->name);
    updx_avec_init(&file->boot_sessions, sizeof(updx_setupapi_time), SA_MAX_BOOTS);

    sa_parser *p = calloc(1, sizeof *p);
    if (!p)
        return UPDX_ERR_NOMEM;
    p->c = c;
    p->f = f;
    p->file = file;
    p->current = -1;
    p->in_header = true;
    p->result = UPDX_OK;
    updx_arena_init(&p->sec, c->arena.cap);
    updx_line ln;
    int rc;
    while ((rc = updx_text_next(t, &ln)) > 0) {
        file->lines = ln.number;
        on_line(p, &ln);
    }
    if (rc < 0) {
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, file->name, UPDX_NO_OFFSET, file->lines,
                      "read error after this line: %s", updx_status_str(rc));
        if (p->result == UPDX_OK)
            p->result = UPDX_PARTIAL;
    }
    if (p->n_open) {
        size_t n = p->n_open;
        finish_all_open(p);
        updx_note_add(&c->notes, UPDX_NOTE_WARNING, file->name, UPDX_NO_OFFSET, file->lines,
                      "%zu device-install section%s never closed: setup hung or crashed while "
                      "installing devices", n, n == 1 ? " was" : "s were");
    } else {
        finish_all_open(p);
    }
    if (file->body_lines)
        file->last_body_line = commit_saved(p, &p->file_last);
    if (p->sections_unkept)
        limit_note(p, UPDX_NO_LINE, updx_arena_printf(&c->arena, "body lines of %llu failed or open sections "
                   "were not kept (more than %u MiB of such lines in the bundle's setupapi logs); each "
                   "keeps its first error and last line", (unsigned long long)p->sections_unkept,
                   SA_MAX_KEPT_BYTES >> 20));
    if (p->failed_unrecorded)
        limit_note(p, UPDX_NO_LINE, updx_arena_printf(&c->arena, "%llu failed or open sections that "
                   "deleted no service were counted but not recorded (more than %u such sections "
                   "in the bundle)", (unsigned long long)p->failed_unrecorded,
                   (unsigned)SA_MAX_FAILED_RECORDS));
    char enc[64];
    file->encoding = updx_arena_strdup(&c->arena, updx_encoding_describe(updx_text_encoding(t), enc, sizeof enc));
    if (!file->header && file->sections == 0)
        updx_note_add(&c->notes, UPDX_NOTE_WARNING, file->name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "no device-install header and no sections: not a setupapi log");
    int result = p->result;
    updx_arena_free(&p->sec);
    free(p);
    return result == UPDX_ERR_NOMEM ? UPDX_PARTIAL : result;
}

int updx_setupapi_parse_mem(updx_case *c, const char *member, const void *data, size_t len)
{
    return updx_case_read_text_mem(c, member, data, len, updx_setupapi_parse);
}
