/*
 * setupact.c: Panther-family log reader (see setupact.h) and the setup-facts store.
 */
#include "logs/setupact.h"

#include <string.h>

#include "util/buf.h"
#include "util/strutil.h"

/* Caps. A real upgrade's logs keep a few thousand errors, warnings and markers; these leave
 * room for pathological logs while bounding memory (roughly 1 KiB per kept event). */
enum {
    SETUP_MAX_EVENTS = 200000,          /* over all files of a case */
    SETUP_MAX_EVENTS_PER_FILE = 40000,  /* so one huge log cannot starve the others */
    SETUP_MAX_PLAIN_PER_FILE = 8000,    /* errors and warnings that set no mark: a flood of
                                           harmless errors (580 in a good 24H2 upgrade, far more
                                           in a looping one) must not hold memory the story's
                                           marker lines need */
    SETUP_MAX_FILES = 4096,
    SETUP_MAX_UNTYPED_KEPT = 2000,      /* untyped lines kept per old-style file */
    SETUP_MAX_RAW = 2048,               /* bytes of a line kept as evidence */
    /* Kept events and their text over all setup logs of a case: memory must not grow with the
     * number of big logs in a bundle. Plain error and warning lines stop at the first budget;
     * marker lines (what the story is made of) may use the reserve above it. A real
     * upgrade's logs keep well under 1 MiB. */
    SETUP_KEPT_BYTES = 8u << 20,
    SETUP_MARKER_RESERVE = 2u << 20,
    SETUP_MAX_CONTINUATION = 4096,      /* bytes of continuation text kept per event */
    SETUP_CRASH_BLOCK_LINES = 24,       /* lines after "Crash 0x.. detected" that may hold its data */
    SETUP_MAX_DIAG_ROWS = 20000,
    SETUP_MAX_SETUPDIAG = 64,
};

/* ---- facts store ---- */

struct updx_setup_facts *updx_setup_facts_get(updx_case *c)
{
    if (c->setup)
        return c->setup;
    struct updx_setup_facts *s = updx_arena_alloc(&c->arena, sizeof *s);
    if (!s)
        return NULL;
    updx_avec_init(&s->files, sizeof(updx_setup_file), SETUP_MAX_FILES);
    updx_avec_init(&s->events, sizeof(updx_setup_event), SETUP_MAX_EVENTS);
    updx_avec_init(&s->diag_rows, sizeof(updx_diag_row), SETUP_MAX_DIAG_ROWS);
    updx_avec_init(&s->setupdiag, sizeof(updx_setupdiag_result), SETUP_MAX_SETUPDIAG);
    c->setup = s;
    return s;
}

updx_setup_file *updx_setup_facts_add_file(updx_case *c, const char *member, updx_setup_source src,
                                           uint32_t *index)
{
    struct updx_setup_facts *s = updx_setup_facts_get(c);
    if (!s)
        return NULL;
    updx_setup_file *f = updx_avec_push(&s->files, &c->arena);
    if (!f) {
        updx_note_add(&c->notes, UPDX_NOTE_LIMIT, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "too many setup logs in one bundle; this one is not read");
        return NULL;
    }
    f->name = updx_arena_strdup(&c->arena, member ? member : "");
    f->source = src;
    *index = (uint32_t)(s->files.len - 1);
    return f;
}

updx_setup_event *updx_setup_facts_add_event(updx_case *c, updx_setup_file *f, uint32_t index)
{
    struct updx_setup_facts *s = c->setup;
    updx_setup_event *e = s ? updx_avec_push(&s->events, &c->arena) : NULL;
    if (!e) {
        f->events_dropped++;
        if (s)
            s->events_dropped++;
        return NULL;
    }
    e->file = f->name;
    e->file_index = index;
    e->seq = s->next_seq++;
    e->offset = UPDX_NO_OFFSET;
    return e;
}

const char *updx_setup_level_name(updx_setup_level level)
{
    switch (level) {
    case UPDX_SETUP_INFO: return "Info";
    case UPDX_SETUP_WARNING: return "Warning";
    case UPDX_SETUP_ERROR: return "Error";
    case UPDX_SETUP_FATAL: return "Fatal Error";
    case UPDX_SETUP_PERF: return "Perf";
    default: return "";
    }
}

/* ---- pure line parsing ---- */

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

/* The fields of "YYYY-MM-DD HH:MM:SS" (year, month, day, hour, minute, second) when s starts
 * with a valid one after 1970-01-01 00:00:00; false otherwise. */
static bool time_fields(const char *s, size_t len, int f[6])
{
    if (len < 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':')
        return false;  /* the separators first: they turn away a continuation line at once */
    static const unsigned char digit_at[] = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18};
    for (size_t i = 0; i < sizeof digit_at; i++) {
        if (!is_digit(s[digit_at[i]]))
            return false;
    }
#define NUM2(p) ((s[p] - '0') * 10 + (s[(p) + 1] - '0'))
    f[0] = NUM2(0) * 100 + NUM2(2);
    f[1] = NUM2(5), f[2] = NUM2(8), f[3] = NUM2(11), f[4] = NUM2(14), f[5] = NUM2(17);
#undef NUM2
    if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60 ||
        f[0] < 1970)
        return false;
    /* the epoch itself reads as "no time" (0), as it always has */
    return !(f[0] == 1970 && f[1] == 1 && f[2] == 1 && f[3] == 0 && f[4] == 0 && f[5] == 0);
}

static int64_t time_from_fields(const int f[6])
{
    return days_from_civil(f[0], (unsigned)f[1], (unsigned)f[2]) * 86400 + f[3] * 3600 + f[4] * 60 + f[5];
}

int64_t updx_setup_time_parse(const char *s, size_t len)
{
    int f[6];
    return time_fields(s, len, f) ? time_from_fields(f) : 0;
}

static const struct {
    const char *word;
    updx_setup_level level;
} level_words[] = {
    {"Fatal Error", UPDX_SETUP_FATAL},
    {"Info", UPDX_SETUP_INFO},
    {"Warning", UPDX_SETUP_WARNING},
    {"Error", UPDX_SETUP_ERROR},
    {"Perf", UPDX_SETUP_PERF},
};

static bool is_component_char(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || is_digit(ch) || ch == '_';
}

/* want_time = false leaves out->time 0 (the reader works it out only for lines it keeps). */
static bool parse_line(const char *s, size_t len, updx_setupact_line *out, bool want_time)
{
    memset(out, 0, sizeof *out);
    /* the text layer drops BOMs; tolerate a stray one anyway */
    if (len >= 3 && (unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBB &&
        (unsigned char)s[2] == 0xBF) {
        s += 3;
        len -= 3;
    }
    int tf[6];
    if (!time_fields(s, len, tf) || len < 21 || s[19] != ',')
        return false;
    size_t p = 20;
    while (p < len && s[p] == ' ')
        p++;
    size_t i;
    for (i = 0; i < sizeof level_words / sizeof level_words[0]; i++) {
        size_t wl = strlen(level_words[i].word);
        if (len - p >= wl && memcmp(s + p, level_words[i].word, wl) == 0 &&
            (p + wl == len || s[p + wl] == ' ' || s[p + wl] == '\t')) {
            out->level = level_words[i].level;
            p += wl;
            break;
        }
    }
    if (i == sizeof level_words / sizeof level_words[0])
        return false;
    out->typed = true;
    out->time_text = s;
    out->time = want_time ? time_from_fields(tf) : 0;
    while (p < len && s[p] == ' ')
        p++;
    /* optional message id "[0x0601c1]" */
    if (len - p >= 4 && s[p] == '[' && s[p + 1] == '0' && (s[p + 2] == 'x' || s[p + 2] == 'X')) {
        size_t q = p + 3;
        while (q < len && q - p < 20 && s[q] != ']' && s[q] != ' ')
            q++;
        if (q < len && s[q] == ']') {
            out->msgid = s + p + 1;
            out->msgid_len = q - p - 1;
            p = q + 1;
            while (p < len && s[p] == ' ')
                p++;
        }
    }
    /* component: an upper-case token followed by a blank, unless the text already sits in
     * the message column (50) of the fixed layout, which means the component is blank */
    size_t q = p;
    while (q < len && q - p <= 8 && is_component_char(s[q]))
        q++;
    if (p < 50 && q > p && q - p <= 8 && q < len && (s[q] == ' ' || s[q] == '\t')) {
        out->component = s + p;
        out->component_len = q - p;
        p = q;
    } else if (p < 50 && q > p && q == len && q - p <= 8) {
        out->component = s + p; /* component and nothing else */
        out->component_len = q - p;
        p = q;
    } else {
        out->component = s + p;
        out->component_len = 0;
    }
    while (p < len && (s[p] == ' ' || s[p] == '\t'))
        p++;
    size_t end = len;
    while (end > p && (s[end - 1] == ' ' || s[end - 1] == '\t' || s[end - 1] == '\r'))
        end--;
    /* "[gle=0x000000b7]" at the end */
    if (end - p >= 8 && s[end - 1] == ']') {
        const char *g = NULL;
        for (size_t k = end - 1; k > p && end - k < 24; k--) {
            if (s[k - 1] == '[' && end - k >= 5 && memcmp(s + k, "gle=", 4) == 0) {
                g = s + k - 1;
                break;
            }
        }
        uint64_t v;
        size_t used;
        if (g && updx_parse_hex(g + 5, (size_t)(s + end - g - 6), &v, &used) && v <= UINT32_MAX) {
            out->has_gle = true;
            out->gle = (uint32_t)v;
            end = (size_t)(g - s);
        }
    }
    /* "[windeploy.exe] ..." process names of OOBE logs */
    if (end - p >= 3 && s[p] == '[') {
        size_t k = p + 1;
        while (k < end && k - p < 64 && s[k] != ']' && s[k] != ' ')
            k++;
        if (k < end && s[k] == ']' && k - p >= 5 && updx_strncasecmp(s + k - 4, ".exe", 4) == 0) {
            out->process = s + p + 1;
            out->process_len = k - p - 1;
        }
    }
    out->message = s + p;
    out->message_len = end - p;
    return true;
}

bool updx_setupact_parse_line(const char *s, size_t len, updx_setupact_line *out)
{
    return parse_line(s, len, out, true);
}

/* ---- marker classification ---- */

/* Finds needle in [s, s+len); NULL when absent. Case-sensitive: setup writes these exactly. */
static const char *find(const char *s, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0 || n > len)
        return NULL;
    return memmem(s, len, needle, n); /* glibc's is much faster than a byte loop */
}

/* A hex number right after the first '[' at or after p (skipping blanks); true when found. */
static bool bracket_hex(const char *p, const char *end, uint64_t *v, const char **after)
{
    while (p < end && *p != '[')
        p++;
    if (p >= end)
        return false;
    p++;
    while (p < end && *p == ' ')
        p++;
    size_t used;
    if (!updx_parse_hex(p, (size_t)(end - p), v, &used))
        return false;
    if (after)
        *after = p + used;
    return true;
}

static bool hex_after(const char *p, const char *end, uint64_t *v)
{
    while (p < end && (*p == ' ' || *p == ':' || *p == '='))
        p++;
    size_t used;
    return p + 2 < end && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
           updx_parse_hex(p, (size_t)(end - p), v, &used);
}

/* "Label   : 12" -> 12. Labels such as "Current phase string" must not match "Current phase". */
static bool label_number(const char *msg, size_t len, const char *label, uint64_t *v)
{
    size_t n = strlen(label);
    if (len <= n || memcmp(msg, label, n) != 0)
        return false;
    size_t p = n;
    while (p < len && msg[p] == ' ')
        p++;
    if (p >= len || msg[p] != ':')
        return false;
    p++;
    while (p < len && msg[p] == ' ')
        p++;
    size_t used;
    return updx_parse_dec(msg + p, len - p, v, &used);
}

/* The text inside the first [...] after p, trimmed. */
static bool bracket_text(const char *p, const char *end, const char **arg, size_t *arg_len)
{
    while (p < end && *p != '[')
        p++;
    if (p >= end)
        return false;
    const char *q = ++p;
    while (q < end && *q != ']')
        q++;
    if (q >= end)
        return false;
    size_t n = (size_t)(q - p);
    *arg = updx_trim(p, &n);
    *arg_len = n;
    return n > 0;
}

static updx_setup_mark phase_change(const char *p, const char *end, updx_setupact_mark *out)
{
    const char *from, *to;
    size_t from_len, to_len;
    if (!bracket_text(p, end, &from, &from_len))
        return UPDX_MARK_NONE;
    const char *arrow = find(from + from_len, (size_t)(end - from - from_len), "->");
    if (!arrow || !bracket_text(arrow, end, &to, &to_len))
        return UPDX_MARK_NONE;
    out->arg = to;
    out->arg_len = to_len;
    if (from_len == 17 && memcmp(from, "SetupPhaseUnknown", 17) == 0)
        return UPDX_MARK_ATTEMPT_START;
    return UPDX_MARK_SETUP_PHASE;
}

/* One entry per search in updx_setupact_classify below (a new branch adds its literal here;
 * test_setupact checks that every marked line of the corpus holds one). */
static const updx_literal classify_literals[] = {
    {"SetupHost Logging Begin", false}, {"Setup phase change:", false},
    {"Start execution phase ", false}, {"Execution phase [", false},
    {"Initiating rollback/uninstall, phase =", false}, {"Current phase", false},
    {"Current op", false}, {"ImageExit: Initializing SetupResult:", false},
    {"ImageExit: Initializing Extended:", false}, {"Reporting error event ->", false},
    {"Reporting post reboot event ->", false}, {"Specifying extended data [", false},
    {"[Setup360Result]=", false}, {"[Setup360Extended]=", false}, {"Remapping ", false},
    {"Operation failed:", false}, {"Shell application requested abort", false},
    {"Abandoning apply", false}, {", abandoning.", false}, {"Gather failed", false},
    {"Gather operation failed", false}, {"Apply operation failed", false},
    {"Apply failed", false}, {"User cancel confirmed", false}, {"Hit failure while", false},
    {"Host OS ", true}, {"Target OS version: ", false}, {"[TargetOsVersionBuildNumber]=[", false},
    {"[TargetOsEditionId]=[", false}, {"Target OS: Edition =", false}, {"Crash 0x", false},
    {"No crash detected", false},
};

const updx_literal *updx_setupact_literals(size_t *n)
{
    *n = sizeof classify_literals / sizeof classify_literals[0];
    return classify_literals;
}

void updx_setupact_classify(const char *msg, size_t len, updx_setupact_mark *out)
{
    memset(out, 0, sizeof *out);
    const char *end = msg + len;
    const char *p;
    uint64_t v;

    if (len < 4)
        return;
    if (find(msg, len, "SetupHost Logging Begin")) {
        out->mark = UPDX_MARK_SESSION_BEGIN;
    } else if ((p = find(msg, len, "Setup phase change:"))) {
        out->mark = phase_change(p, end, out);
    } else if ((p = find(msg, len, "Start execution phase "))) {
        out->mark = UPDX_MARK_EXEC_PHASE_START;
        size_t n = (size_t)(end - p - 22);
        out->arg = updx_trim(p + 22, &n);
        out->arg_len = n;
    } else if ((p = find(msg, len, "Execution phase [")) && find(msg, len, "exiting with HRESULT")) {
        const char *q = find(msg, len, "exiting with HRESULT");
        bracket_text(p, end, &out->arg, &out->arg_len);
        if (bracket_hex(q, end, &v, NULL)) {
            out->mark = UPDX_MARK_EXEC_PHASE_EXIT;
            out->a = v;
        }
    } else if ((p = find(msg, len, "Initiating rollback/uninstall, phase ="))) {
        size_t used;
        const char *q = p + 38;
        while (q < end && *q == ' ')
            q++;
        out->mark = UPDX_MARK_ROLLBACK_BEGIN;
        if (updx_parse_dec(q, (size_t)(end - q), &v, &used))
            out->a = v;
    } else if (label_number(msg, len, "Current phase", &v)) {
        out->mark = UPDX_MARK_CURRENT_PHASE;
        out->a = v;
    } else if (label_number(msg, len, "Current op", &v)) {
        out->mark = UPDX_MARK_CURRENT_OP;
        out->a = v;
    } else if ((p = find(msg, len, "ImageExit: Initializing SetupResult:"))) {
        if (bracket_hex(p, end, &v, NULL)) {
            out->mark = UPDX_MARK_IMAGEEXIT_RESULT;
            out->a = v;
        }
    } else if ((p = find(msg, len, "ImageExit: Initializing Extended:"))) {
        if (bracket_hex(p, end, &v, NULL)) {
            out->mark = UPDX_MARK_IMAGEEXIT_EXTENDED;
            out->a = v;
        }
    } else if ((p = find(msg, len, "Reporting error event ->")) ||
               (p = find(msg, len, "Reporting post reboot event ->"))) {
        const char *after;
        bool post = p[10] == 'p';
        if (bracket_hex(p, end, &v, &after)) {
            out->a = v;
            while (after < end && (*after == ',' || *after == ' '))
                after++;
            size_t used;
            if (updx_parse_hex(after, (size_t)(end - after), &v, &used))
                out->b = v;
            out->mark = post ? UPDX_MARK_REPORT_POST_REBOOT : UPDX_MARK_REPORT_EVENT;
        }
    } else if ((p = find(msg, len, "Specifying extended data ["))) {
        const char *after;
        uint64_t ext;
        if (bracket_hex(p, end, &ext, &after) && bracket_hex(after, end, &v, NULL)) {
            out->mark = UPDX_MARK_SPECIFY_EXTENDED;
            out->a = v;
            out->b = ext;
        }
    } else if ((p = find(msg, len, "[Setup360Result]="))) {
        if (bracket_hex(p + 17, end, &v, NULL)) {
            out->mark = UPDX_MARK_RESULT_360;
            out->a = v;
        }
    } else if ((p = find(msg, len, "[Setup360Extended]="))) {
        if (bracket_hex(p + 19, end, &v, NULL)) {
            out->mark = UPDX_MARK_EXTENDED_360;
            out->a = v;
        }
    } else if ((p = find(msg, len, "Remapping "))) {
        const char *after;
        uint64_t from;
        if (bracket_hex(p, end, &from, &after) && find(after, (size_t)(end - after), "->") &&
            bracket_hex(after, end, &v, NULL)) {
            out->mark = find(msg, len, "for telemetry") ? UPDX_MARK_REMAP_TELEMETRY : UPDX_MARK_REMAP;
            out->a = from;
            out->b = v;
            size_t n = (size_t)(find(p, (size_t)(end - p), "[") - p - 10);
            out->arg = updx_trim(p + 10, &n);
            out->arg_len = n;
        }
    } else if ((p = find(msg, len, "Operation failed:"))) {
        out->mark = UPDX_MARK_OPERATION_FAILED;
        const char *q = find(p, (size_t)(end - p), "Error:");
        if (q && hex_after(q + 6, end, &v))
            out->a = v;
        size_t n = (size_t)((q ? q : end) - p - 17);
        out->arg = updx_trim(p + 17, &n);
        out->arg_len = n;
    } else if (find(msg, len, "Shell application requested abort") ||
               find(msg, len, "Abandoning apply") || find(msg, len, ", abandoning.")) {
        out->mark = UPDX_MARK_ABORT;
    } else if (find(msg, len, "Gather failed") || find(msg, len, "Gather operation failed") ||
               find(msg, len, "Apply operation failed") || find(msg, len, "Apply failed")) {
        out->mark = UPDX_MARK_GATHER_FAILED;
    } else if (find(msg, len, "User cancel confirmed")) {
        out->mark = UPDX_MARK_USER_CANCEL;
    } else if ((p = find(msg, len, "Hit failure while")) && (p = find(p, (size_t)(end - p), "hr ="))) {
        if (hex_after(p + 4, end, &v)) {
            out->mark = UPDX_MARK_SYSPREP_FAILED;
            out->a = v;
        }
    } else if (updx_str_starts_with_ci(msg, "Host OS version") ||
               updx_str_starts_with_ci(msg, "Host OS Build String") ||
               updx_str_starts_with_ci(msg, "Host OS Edition")) {
        updx_setup_mark m = msg[8] == 'B' ? UPDX_MARK_HOST_BUILD
                          : msg[8] == 'E' ? UPDX_MARK_HOST_EDITION : UPDX_MARK_HOST_VERSION;
        const char *q = msg + 15;
        while (q < end && *q != ':' && *q != '[')
            q++;
        if (q < end && *q == '[') {
            if (bracket_text(q, end, &out->arg, &out->arg_len))
                out->mark = m;
        } else if (q < end) {
            q++;
            while (q < end && *q == ' ')
                q++;
            const char *r = q;
            while (r < end && *r != ' ')
                r++;
            if (r > q) {
                out->mark = m;
                out->arg = q;
                out->arg_len = (size_t)(r - q);
            }
        }
    } else if ((p = find(msg, len, "Target OS version: "))) {
        const char *q = p + 19, *r = q;
        while (r < end && *r != ' ')
            r++;
        if (r > q) {
            out->mark = UPDX_MARK_TARGET_VERSION;
            out->arg = q;
            out->arg_len = (size_t)(r - q);
        }
    } else if ((p = find(msg, len, "[TargetOsVersionBuildNumber]=["))) {
        if (bracket_hex(p + 29, end, &v, NULL)) {
            out->mark = UPDX_MARK_TARGET_BUILD;
            out->a = v;
        }
    } else if ((p = find(msg, len, "[TargetOsEditionId]=["))) {
        if (bracket_text(p + 20, end, &out->arg, &out->arg_len))
            out->mark = UPDX_MARK_TARGET_EDITION;
    } else if ((p = find(msg, len, "Target OS: Edition ="))) {
        if (bracket_text(p, end, &out->arg, &out->arg_len))
            out->mark = UPDX_MARK_TARGET_EDITION;
    } else if ((p = find(msg, len, "Crash 0x")) && find(p, (size_t)(end - p), " detected")) {
        size_t used;
        if (updx_parse_hex(p + 6, (size_t)(end - p - 6), &v, &used) && v <= UINT32_MAX) {
            out->mark = UPDX_MARK_CRASH;
            out->a = v;
        }
    } else if (find(msg, len, "No crash detected")) {
        out->mark = UPDX_MARK_NO_CRASH;
    }
}

/* ---- reading ---- */

typedef struct reader {
    updx_case *c;
    updx_setup_file *f;
    uint32_t index;
    updx_setup_event *last;   /* last kept event of this file, for continuation lines */
    bool last_line_kept;      /* the previous typed line was kept */
    uint64_t kept;
    uint64_t kept_plain;      /* kept lines that set no mark */
    const char *last_host_version, *last_target_version; /* to drop repeats */
    updx_crash *crash;        /* a rollback-log crash block being read */
    unsigned crash_lines;
    uint64_t continuation_dropped;
    /* continuation lines of r->last, joined here and copied into the arena once when the
     * block ends: joining in the arena line by line would cost the square of the block */
    updx_buf cont;
    bool cont_open;
} reader;

/* Copies at most cap bytes, never cutting a UTF-8 sequence in two. */
static char *dup_capped(updx_arena *a, const char *s, size_t n, size_t cap)
{
    if (n > cap) {
        n = cap;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    return updx_arena_strndup(a, s, n);
}

/* Takes `cost` bytes from the case's budget for kept setup lines; false when it is spent. */
static bool budget_take(reader *r, uint64_t cost, bool marker)
{
    struct updx_setup_facts *s = r->c->setup;
    uint64_t cap = SETUP_KEPT_BYTES + (marker ? SETUP_MARKER_RESERVE : 0);
    if (s->kept_bytes + cost > cap)
        return false;
    s->kept_bytes += cost;
    return true;
}

/* What keeping a line costs: its record and the evidence text (raw line and strings). */
static uint64_t line_cost(const updx_line *ln)
{
    return sizeof(updx_setup_event) + (ln->len < SETUP_MAX_RAW ? ln->len : SETUP_MAX_RAW) + 64;
}

/* Gives the last event the continuation lines gathered for it. */
static void flush_continuation(reader *r)
{
    if (!r->cont_open)
        return;
    r->cont_open = false;
    updx_setup_event *e = r->last;
    if (!budget_take(r, r->cont.len + 1, e->mark != UPDX_MARK_NONE)) {
        r->c->setup->continuation_dropped += e->continuation_lines;
        r->continuation_dropped += e->continuation_lines;
        return;
    }
    char *joined = updx_arena_strndup(&r->c->arena, r->cont.data, r->cont.len);
    if (joined)
        e->message = joined;
}

static void crash_line(reader *r, const char *msg, size_t len)
{
    updx_crash *cr = r->crash;
    const char *colon = memchr(msg, ':', len);
    if (!colon)
        return;
    const char *val = colon + 1;
    size_t vlen = (size_t)(msg + len - val);
    val = updx_trim(val, &vlen);
    if (updx_str_starts_with_ci(msg, "Module name")) {
        if (vlen > 0 && vlen < 260)
            cr->blamed_module = updx_arena_strndup(&r->c->arena, val, vlen);
    } else if (updx_str_starts_with_ci(msg, "Bugcheck parameter ") && len > 19) {
        unsigned n = (unsigned)(msg[19] - '1');
        uint64_t v;
        size_t used;
        if (n < 4 && updx_parse_hex(val, vlen, &v, &used))
            cr->params[n] = v;
    }
}

static bool field_eq(const char *p, size_t n, const char *want)
{
    return strlen(want) == n && memcmp(p, want, n) == 0;
}

static bool same_text(const char *kept, const char *s, size_t n)
{
    return kept && strlen(kept) == n && memcmp(kept, s, n) == 0;
}

static void typed_line(reader *r, const updx_line *ln, const updx_setupact_line *pl)
{
    enum { NLIT = sizeof classify_literals / sizeof classify_literals[0] };
    updx_setup_file *f = r->f;
    flush_continuation(r);
    f->typed_lines++;
    f->count_by_level[pl->level]++;
    if (!f->first_time)
        f->first_time = updx_arena_strndup(&r->c->arena, pl->time_text, 19);
    const char *msg = pl->message;
    size_t mlen = pl->message_len;

    if (r->crash) {
        if (++r->crash_lines > SETUP_CRASH_BLOCK_LINES)
            r->crash = NULL;
        else
            crash_line(r, msg, mlen);
    }

    updx_setupact_mark m = {0};
    /* Info lines of the servicing and migration engines are the bulk of a big log and carry
     * no marker (their aborts and failures are Error lines): skip the classifier for them */
    bool quiet = (pl->level == UPDX_SETUP_INFO || pl->level == UPDX_SETUP_PERF) &&
                 pl->component_len >= 3 &&
                 (field_eq(pl->component, pl->component_len, "DISM") ||
                  field_eq(pl->component, pl->component_len, "CSI") ||
                  field_eq(pl->component, pl->component_len, "CBS") ||
                  field_eq(pl->component, pl->component_len, "MIG"));
    /* a prefiltered line without any classifier literal cannot carry a mark */
    if (!quiet && (!ln->filtered || updx_hits_below(ln->hits, ln->nhits, NLIT)))
        updx_setupact_classify(msg, mlen, &m);
    if ((m.mark == UPDX_MARK_HOST_VERSION && same_text(r->last_host_version, m.arg, m.arg_len)) ||
        (m.mark == UPDX_MARK_TARGET_VERSION && same_text(r->last_target_version, m.arg, m.arg_len)))
        m.mark = UPDX_MARK_NONE;
    r->last_line_kept = false;
    if (m.mark == UPDX_MARK_NONE && pl->level != UPDX_SETUP_WARNING && pl->level != UPDX_SETUP_ERROR &&
        pl->level != UPDX_SETUP_FATAL)
        return;
    if (r->kept >= SETUP_MAX_EVENTS_PER_FILE ||
        (m.mark == UPDX_MARK_NONE && r->kept_plain >= SETUP_MAX_PLAIN_PER_FILE) ||
        !budget_take(r, line_cost(ln), m.mark != UPDX_MARK_NONE)) {
        f->events_dropped++;
        r->c->setup->events_dropped++;
        return;
    }
    updx_setup_event *e = updx_setup_facts_add_event(r->c, f, r->index);
    if (!e)
        return;
    updx_arena *a = &r->c->arena;
    r->kept++;
    r->kept_plain += m.mark == UPDX_MARK_NONE;
    e->line = ln->number;
    e->offset = ln->offset;
    e->time_text = updx_arena_strndup(a, pl->time_text, 19);
    e->time = updx_setup_time_parse(pl->time_text, 19);
    e->level = pl->level;
    e->msgid = pl->msgid ? updx_arena_strndup(a, pl->msgid, pl->msgid_len) : NULL;
    e->component = updx_arena_strndup(a, pl->component, pl->component_len);
    e->process = pl->process ? updx_arena_strndup(a, pl->process, pl->process_len) : NULL;
    e->raw = dup_capped(a, ln->text, ln->len, SETUP_MAX_RAW);
    /* the message is the tail of the raw line: share it rather than copy it */
    size_t moff = msg >= ln->text && msg <= ln->text + ln->len ? (size_t)(msg - ln->text) : SIZE_MAX;
    if (e->raw && moff != SIZE_MAX && moff + mlen <= ln->len && moff + mlen <= strlen(e->raw) && e->raw[moff + mlen] == '\0')
        e->message = e->raw + moff;
    else
        e->message = dup_capped(a, msg, mlen, SETUP_MAX_RAW);
    e->has_gle = pl->has_gle;
    e->gle = pl->gle;
    e->mark = m.mark;
    e->a = m.a;
    e->b = m.b;
    e->arg = m.arg ? dup_capped(a, m.arg, m.arg_len, 512) : NULL;
    if (!e->time_text || !e->component || !e->message || !e->raw) {
        updx_note_add(&r->c->notes, UPDX_NOTE_LIMIT, f->name, ln->offset, ln->number,
                      "memory limit reached while keeping setup log lines");
        return;
    }
    r->last = e;
    r->last_line_kept = true;
    if (m.mark == UPDX_MARK_HOST_VERSION)
        r->last_host_version = e->arg;
    else if (m.mark == UPDX_MARK_TARGET_VERSION)
        r->last_target_version = e->arg;
    else if (m.mark == UPDX_MARK_CRASH) {
        updx_crash *cr = updx_case_add_crash(r->c, f->name, UPDX_CRASH_ROLLBACK_LOG);
        if (cr) {
            cr->has_bugcheck = true;
            cr->bugcheck = (uint32_t)m.a;
            cr->where.file = cr->source;
            cr->where.line = ln->number;
            cr->where.offset = ln->offset;
            cr->where.text = e->raw;
            cr->blame_reason = "module named in the bug-check block setup wrote to the rollback log";
            cr->blame_confidence = 0.6;
            r->crash = cr;
            r->crash_lines = 0;
        }
    }
}

static void untyped_line(reader *r, const updx_line *ln)
{
    updx_setup_file *f = r->f;
    if (f->typed_lines > 0) {
        /* a continuation of the previous Panther line ("Host system information:" blocks) */
        f->continuation_lines++;
        if (r->last_line_kept && r->last) {
            updx_setup_event *e = r->last;
            e->continuation_lines++;
            size_t n = ln->len;
            const char *t = updx_trim(ln->text, &n);
            if (!r->cont_open) {
                updx_buf_reset(&r->cont);
                updx_buf_add(&r->cont, e->message, strlen(e->message));
                r->cont_open = true;
            }
            if (n && r->cont.len + n + 1 < SETUP_MAX_RAW + SETUP_MAX_CONTINUATION) {
                updx_buf_addc(&r->cont, '\n');
                updx_buf_add(&r->cont, t, n);
            }
        }
        return;
    }
    f->untyped_lines++;
    size_t n = ln->len;
    const char *t = updx_trim(ln->text, &n);
    if (n == 0)
        return;
    if (r->kept >= SETUP_MAX_UNTYPED_KEPT || !budget_take(r, line_cost(ln), false)) {
        f->events_dropped++;
        r->c->setup->events_dropped++;
        return;
    }
    updx_setup_event *e = updx_setup_facts_add_event(r->c, f, r->index);
    if (!e)
        return;
    r->kept++;
    e->line = ln->number;
    e->offset = ln->offset;
    e->level = UPDX_SETUP_UNTYPED;
    e->component = "";
    e->message = dup_capped(&r->c->arena, t, n, SETUP_MAX_RAW);
    e->raw = e->message;
    r->last = e;
}

int updx_setupact_read(updx_case *c, const char *member, updx_text *t, updx_setup_source src)
{
    if (!c || !t)
        return UPDX_ERR_ARG;
    if (!updx_setup_facts_get(c))
        return UPDX_ERR_NOMEM;
    reader r = {.c = c};
    updx_buf_init(&r.cont, SETUP_MAX_RAW + SETUP_MAX_CONTINUATION);
    r.f = updx_setup_facts_add_file(c, member, src, &r.index);
    if (!r.f)
        return UPDX_ERR_LIMIT;
    updx_line ln;
    int rc;
    updx_setupact_line pl;
    /* the last timestamp seen, copied into the arena once at the end: a copy per line would
     * grow memory with the log */
    char last_time[20] = "";
    while ((rc = updx_text_next(t, &ln)) > 0) {
        r.f->lines++;
        if (parse_line(ln.text, ln.len, &pl, false)) {
            r.f->panther = true;
            typed_line(&r, &ln, &pl);
            if (pl.time_text) {
                memcpy(last_time, pl.time_text, 19);
                last_time[19] = '\0';
            }
        } else {
            untyped_line(&r, &ln);
        }
    }
    flush_continuation(&r);
    updx_buf_free(&r.cont);
    if (last_time[0])
        r.f->last_time = updx_arena_strdup(&c->arena, last_time);
    if (!r.f->panther && r.f->untyped_lines)
        r.f->source = UPDX_SETUP_SRC_OLDSTYLE;
    int status = UPDX_OK;
    if (rc < 0) {
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, r.f->name, UPDX_NO_OFFSET, r.f->lines,
                      "read error after line %llu: %s", (unsigned long long)r.f->lines,
                      updx_status_str(rc));
        status = UPDX_PARTIAL;
    }
    if (r.f->events_dropped) {
        updx_note_add(&c->notes, UPDX_NOTE_LIMIT, r.f->name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "%llu error, warning or marker lines were not kept (%u per log, or the "
                      "bundle's %u MiB for kept setup-log lines, reached)",
                      (unsigned long long)r.f->events_dropped, (unsigned)SETUP_MAX_EVENTS_PER_FILE,
                      (unsigned)(SETUP_KEPT_BYTES >> 20));
        status = UPDX_PARTIAL;
    }
    if (r.continuation_dropped) {
        updx_note_add(&c->notes, UPDX_NOTE_LIMIT, r.f->name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "%llu continuation lines were not joined to the line they continue (the "
                      "bundle's %u MiB for kept setup-log lines was reached)",
                      (unsigned long long)r.continuation_dropped, (unsigned)(SETUP_KEPT_BYTES >> 20));
        status = UPDX_PARTIAL;
    }
    return status;
}

int updx_setupact_read_mem(updx_case *c, const char *member, const void *data, size_t len,
                           updx_setup_source src)
{
    updx_text *t = NULL;
    updx_text_opts opts = {0};
    opts.max_line_bytes = c ? c->limits.max_line_bytes : 0;
    int rc = updx_text_open_mem(&t, data, len, &opts);
    if (rc != UPDX_OK)
        return rc;
    rc = updx_setupact_read(c, member, t, src);
    updx_text_close(t);
    return rc;
}
