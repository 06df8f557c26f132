/*
 * recognize.c: member recognition by content first, path second (see recognize.h).
 *
 * Binary formats are told by their signatures. Text is decoded through the text layer (so
 * UTF-16 .reg exports and ANSI setupapi logs look the same as UTF-8 ones) and the first
 * lines are classified; the first strong signal decides the family, counts refine it
 * (setupact versus setuperr, CBS versus DISM), and the path only refines or fills in.
 */
#include "bundle/recognize.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "text/text.h"
#include "util/bytes.h"
#include "util/strutil.h"

/* Lines of a text head looked at: enough to get past a banner or a comment block. */
#define RECOGNIZE_MAX_LINES 400
/* Decoded text kept for XML and JSON checks (root element, top-level keys). */
#define RECOGNIZE_TEXT_BYTES 16384
/* Recognition needs only the start of a line; longer lines are cut here. */
#define RECOGNIZE_LINE_BYTES 4096

/* ---- binary signatures ---------------------------------------------------------------- */

static const char *dump_type_name(uint32_t type)
{
    /* DumpType values (reference/dumps.md §3) */
    static const char *const names[] = {
        NULL, "full", "kernel_summary", "header_only", "triage", "bitmap_full",
        "bitmap_kernel", "automatic", "kernel_memory", "kernel_and_user_memory",
        "complete_memory",
    };
    if (type < sizeof names / sizeof names[0] && names[type])
        return names[type];
    return "unknown_dump_type";
}

static bool has_prefix(const uint8_t *head, size_t len, const void *magic, size_t mlen)
{
    return len >= mlen && memcmp(head, magic, mlen) == 0;
}

/* Archive formats libarchive reads, by their magic; NULL when none. */
static const char *archive_magic(const uint8_t *h, size_t n)
{
    if (has_prefix(h, n, "PK\x03\x04", 4) || has_prefix(h, n, "PK\x05\x06", 4) ||
        has_prefix(h, n, "PK\x07\x08", 4))
        return "zip";
    if (has_prefix(h, n, "7z\xBC\xAF\x27\x1C", 6))
        return "7z";
    if (has_prefix(h, n, "\x1F\x8B", 2))
        return "gzip";
    if (has_prefix(h, n, "\xFD" "7zXZ\x00", 6))
        return "xz";
    if (n >= 4 && h[0] == 'B' && h[1] == 'Z' && h[2] == 'h' && h[3] >= '1' && h[3] <= '9')
        return "bzip2";
    if (has_prefix(h, n, "\x28\xB5\x2F\xFD", 4))
        return "zstd";
    if (has_prefix(h, n, "MSCF\x00\x00\x00\x00", 8))
        return "cab";
    if (has_prefix(h, n, "Rar!\x1A\x07", 6))
        return "rar";
    if (n >= 262 && memcmp(h + 257, "ustar", 5) == 0)
        return "tar";
    return NULL;
}

static updx_kind binary_kind(const uint8_t *h, size_t n, const char **detail)
{
    if (has_prefix(h, n, "PAGE", 4) && n >= 8 &&
        (memcmp(h + 4, "DU64", 4) == 0 || memcmp(h + 4, "DUMP", 4) == 0)) {
        bool is64 = memcmp(h + 4, "DU64", 4) == 0;
        size_t at = is64 ? 0xF98 : 0xF88;
        *detail = updx_span_fits(n, at, 4) ? dump_type_name(updx_le32(h + at)) : "unknown_dump_type";
        return UPDX_KIND_KERNEL_DUMP;
    }
    if (has_prefix(h, n, "MDMP", 4))
        return UPDX_KIND_MINIDUMP;
    if (has_prefix(h, n, "regf", 4))
        return UPDX_KIND_HIVE;
    if (has_prefix(h, n, "ElfFile\x00", 8))
        return UPDX_KIND_EVTX;
    const char *arc = archive_magic(h, n);
    if (arc) {
        *detail = arc;
        return UPDX_KIND_ARCHIVE;
    }
    return UPDX_KIND_UNKNOWN;
}

/* ---- paths ------------------------------------------------------------------------------ */

/* Copies name lowercased with '\' turned into '/' and a leading '/' added, so that folder
 * tests can look for "/panther/" anywhere, including at the start. */
static void normalise_path(const char *name, char *out, size_t size)
{
    size_t o = 0;
    out[o++] = '/';
    for (const char *p = name; *p && o + 1 < size; p++)
        out[o++] = *p == '\\' ? '/' : updx_ascii_lower(*p);
    out[o] = '\0';
}

const char *updx_panther_phase(const char *name)
{
    if (!name)
        return NULL;
    char p[1024];
    normalise_path(name, p, sizeof p);
    char *slash = strrchr(p, '/');
    if (slash)
        slash[1] = '\0'; /* the folder part only */
    if (strstr(p, "/unattendgc/"))
        return "oobe";
    if (strstr(p, "/rollback/"))
        return "rollback";
    if (strstr(p, "/sysprep/panther/"))
        return "sysprep";
    if (strstr(p, "/newos/"))
        return "newos";
    if (strstr(p, "/$windows.~bt/sources/panther/") || strstr(p, "/$windows.~ws/sources/panther/"))
        return "downlevel";
    if (strstr(p, "/windows/panther/"))
        return "windows-panther";
    if (strstr(p, "/panther/"))
        return "panther";
    size_t len = strlen(p);
    if (len >= 9 && strcmp(p + len - 9, "/windows/") == 0)
        return "windir";
    return NULL;
}

/* Name matches "prefix*suffix" ignoring case. */
static bool name_like(const char *base, const char *prefix, const char *suffix)
{
    size_t lb = strlen(base), lp = strlen(prefix), ls = strlen(suffix);
    return lb >= lp + ls && updx_strncasecmp(base, prefix, lp) == 0 &&
           updx_strncasecmp(base + lb - ls, suffix, ls) == 0;
}

static updx_kind kind_from_name(const char *name, bool is_text, const char **detail)
{
    if (!name)
        return UPDX_KIND_UNKNOWN;
    const char *base = updx_path_basename(name);
    if (name_like(base, "setupact", ".log")) {
        const char *phase = updx_panther_phase(name);
        *detail = phase;
        /* C:\Windows\setupact.log is the co-installer log, not a Panther log */
        if (!phase || strcmp(phase, "windir") == 0) {
            *detail = "windir";
            return UPDX_KIND_OLDSETUPACT;
        }
        return UPDX_KIND_SETUPACT;
    }
    if (name_like(base, "setuperr", ".log")) {
        *detail = updx_panther_phase(name);
        return UPDX_KIND_SETUPERR;
    }
    if (name_like(base, "setupapi.", ".log"))
        return UPDX_KIND_SETUPAPI;
    if (name_like(base, "compatdata", ".xml"))
        return UPDX_KIND_COMPATDATA;
    if (name_like(base, "", "_appraiser_humanreadable.xml"))
        return UPDX_KIND_APPRAISER;
    if (name_like(base, "scanresult", ".xml"))
        return UPDX_KIND_SCANRESULT;
    if (updx_strcasecmp(base, "diagerr.xml") == 0 || updx_strcasecmp(base, "diagwrn.xml") == 0)
        return UPDX_KIND_DIAGXML;
    if (updx_strcasecmp(base, "bluebox.log") == 0)
        return UPDX_KIND_BLUEBOX;
    if (name_like(base, "cbs", ".log"))
        return UPDX_KIND_CBS;
    if (name_like(base, "dism", ".log"))
        return UPDX_KIND_DISM;
    if (name_like(base, "setupdiagresults", ".log") || name_like(base, "setupdiagresults", ".xml") ||
        name_like(base, "setupdiagresults", ".json")) {
        *detail = updx_str_ends_with_ci(base, ".xml") ? "xml"
                  : updx_str_ends_with_ci(base, ".json") ? "json" : "text";
        return UPDX_KIND_SETUPDIAG;
    }
    if (updx_str_ends_with_ci(base, ".log1") || updx_str_ends_with_ci(base, ".log2"))
        return UPDX_KIND_HIVE_LOG;
    if (is_text && updx_str_ends_with_ci(base, ".reg"))
        return UPDX_KIND_REG_EXPORT;
    return UPDX_KIND_UNKNOWN;
}

/* ---- text ------------------------------------------------------------------------------- */

/* True when s starts with a timestamp shaped like `shape` ('d' = a digit, or one of the
 * letters of the "YYYY-MM-DD HH:MM:SS" placeholder that Microsoft articles print). */
static bool stamp_at(const char *s, size_t len, const char *shape)
{
    size_t n = strlen(shape);
    if (len < n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (shape[i] == 'd') {
            if (!(c >= '0' && c <= '9') && !strchr("YMDHS", c))
                return false;
        } else if (c != shape[i]) {
            return false;
        }
    }
    return true;
}

typedef enum panther_level { PL_NONE, PL_INFO, PL_ERRWARN } panther_level;

/* A Panther-family line ("2021-05-18 03:11:02, Info   [0x0601c1] SP     text"): its level
 * and, when the columns are there, its component. Also accepts the "mm:ss, Error" lines
 * that Microsoft's documentation cuts timestamps down to. */
static panther_level panther_line(const char *s, size_t len, char comp[8])
{
    size_t at;
    comp[0] = '\0';
    if (stamp_at(s, len, "dddd-dd-dd dd:dd:dd, "))
        at = 21;
    else if (stamp_at(s, len, "dd:dd, "))
        at = 7;
    else
        return PL_NONE;
    static const struct { const char *word; panther_level level; } levels[] = {
        {"Info", PL_INFO}, {"Perf", PL_INFO}, {"Trace", PL_INFO},
        {"Warning", PL_ERRWARN}, {"Error", PL_ERRWARN}, {"Fatal Error", PL_ERRWARN},
    };
    panther_level level = PL_NONE;
    for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++) {
        size_t wl = strlen(levels[i].word);
        if (len - at >= wl && memcmp(s + at, levels[i].word, wl) == 0 &&
            (len - at == wl || s[at + wl] == ' '))
            level = levels[i].level;
    }
    if (level == PL_NONE)
        return PL_NONE;
    /* fixed columns: component at 43..50 in full-width lines */
    if (at == 21 && len > 50 && s[42] == ' ') {
        size_t k = 0;
        for (size_t i = 43; i < 50 && s[i] != ' ' && k < 7; i++) {
            if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
                return level;
            comp[k++] = s[i];
        }
        comp[k] = '\0';
    }
    return level;
}

static bool contains(const char *s, size_t len, const char *needle)
{
    return updx_memcasemem(s, len, needle, strlen(needle)) != NULL;
}

static bool is_setupapi_line(const char *s, size_t len)
{
    size_t t = len;
    const char *p = updx_trim(s, &t);
    return (t >= 20 && memcmp(p, "[Device Install Log]", 20) == 0) ||
           (t >= 6 && memcmp(p, ">>>  [", 6) == 0) ||
           (t >= 18 && memcmp(p, ">>>  Section start", 18) == 0) ||
           (t >= 16 && memcmp(p, "<<<  Section end", 16) == 0);
}

static bool starts(const char *s, size_t len, const char *prefix)
{
    size_t pl = strlen(prefix);
    return len >= pl && memcmp(s, prefix, pl) == 0;
}

/* Debugger text: a WinDbg/kd paste, a BlueScreenView or a WhoCrashed export. Returns the
 * flavour, or NULL. Markers count at the start of a line (after indentation), where the
 * tools print them, so that prose mentioning them (a README) is not taken for a paste. */
static const char *debugger_line(const char *s, size_t len)
{
    size_t t = len;
    s = updx_trim(s, &t);
    len = t;
    if (starts(s, len, "Bug check code :") || starts(s, len, "Caused by driver :") ||
        starts(s, len, "Bug check string :"))
        return "bluescreenview";
    if (starts(s, len, "This was probably caused by the following module") ||
        contains(s, len, "your computer crashed or a problem was reported"))
        return "whocrashed";
    static const char *const markers[] = {
        "BUGCHECK_CODE:", "BUGCHECK_STR:", "Bugcheck Analysis", "# Child-SP", "# ChildEBP",
        "Child-SP ", "ChildEBP ", "Probably caused by", "Microsoft (R) Windows Debugger Version",
        "FAILURE_BUCKET_ID:", "STACK_TEXT:", "STACK_COMMAND:", "Loading Dump File [",
        "Kernel Dump File", "Mini Kernel Dump File", "MODULE_NAME:", "IMAGE_NAME:", "Arg1: ",
        "kd> ", "kd>!",
    };
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++)
        if (starts(s, len, markers[i]))
            return "windbg";
    /* "0: kd> !analyze -v" prompts and stack lines with the bug-check frame */
    if (len > 3 && s[0] >= '0' && s[0] <= '9' && contains(s, len < 8 ? len : 8, ": kd>"))
        return "windbg";
    if (contains(s, len, " nt!KeBugCheckEx") && (s[0] >= '0' && s[0] <= '9'))
        return "windbg";
    return NULL;
}

static bool setupdiag_line(const char *s, size_t len)
{
    size_t t = len;
    s = updx_trim(s, &t);
    len = t;
    if (starts(s, len, "Error: "))
        s += 7, len -= 7;
    return starts(s, len, "SetupDiag v") || starts(s, len, "Matching Profile found") ||
           starts(s, len, "SetupDiag found") || starts(s, len, "SetupDiag reports") ||
           starts(s, len, "SetupDiag was unable to match");
}

/* The root element of an XML text, copied into root (empty when none). */
static void xml_root(const char *t, char *root, size_t size)
{
    root[0] = '\0';
    const char *p = t;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (*p != '<')
            return;
        if (p[1] == '?' || p[1] == '!') {
            const char *term = p[1] == '!' && p[2] == '-' ? "-->" : ">";
            const char *end = strstr(p, term);
            if (!end)
                return;
            p = end + strlen(term);
            continue;
        }
        p++;
        size_t k = 0;
        while (*p && !strchr(" \t\r\n/>", *p) && k + 1 < size)
            root[k++] = *p++;
        root[k] = '\0';
        return;
    }
}

/* A JSON key at any depth of the sample (a lexical check: the sample may be cut). */
static bool json_has_key(const char *t, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = strstr(t, key); p; p = strstr(p + 1, key)) {
        if (p == t || p[-1] != '"' || p[kl] != '"')
            continue;
        const char *q = p + kl + 1;
        while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
            q++;
        if (*q == ':')
            return true;
    }
    return false;
}

typedef struct text_scan {
    updx_kind first;            /* first strong line signal */
    const char *first_detail;
    int panther_info, panther_errwarn;
    int comp_cbs, comp_dism, comp_other;
    char text[RECOGNIZE_TEXT_BYTES]; /* the first lines, joined with '\n' */
    size_t text_len;
    const char *first_line;     /* in text */
    bool rollback_hint, oobe_hint, sysprep_hint, downlevel_hint;
} text_scan;

static void scan_line(text_scan *ts, const char *s, size_t len)
{
    char comp[8];
    panther_level level = panther_line(s, len, comp);
    updx_kind k = UPDX_KIND_UNKNOWN;
    const char *d = NULL;
    if (level != PL_NONE) {
        k = UPDX_KIND_SETUPACT;
        if (level == PL_INFO)
            ts->panther_info++;
        else
            ts->panther_errwarn++;
        if (strcmp(comp, "CBS") == 0 || strcmp(comp, "CSI") == 0)
            ts->comp_cbs++;
        else if (strcmp(comp, "DISM") == 0)
            ts->comp_dism++;
        else
            ts->comp_other++;
        if (contains(s, len, "Initiating rollback/uninstall"))
            ts->rollback_hint = true;
        if (contains(s, len, "[windeploy.exe]") || contains(s, len, "[msoobe.exe]"))
            ts->oobe_hint = true;
        if (contains(s, len, "sysprep run"))
            ts->sysprep_hint = true;
        if (contains(s, len, "SetupHost Logging Begin"))
            ts->downlevel_hint = true;
    } else if (stamp_at(s, len, "dddd-dd-dd dd:dd:dd: ")) {
        k = UPDX_KIND_BLUEBOX;
    } else if (is_setupapi_line(s, len)) {
        k = UPDX_KIND_SETUPAPI;
    } else if (stamp_at(s, len, "[dd/dd/dddd dd:dd.dd.ddd] ")) {
        k = UPDX_KIND_OLDSETUPACT;
        d = "windir";
    } else if (setupdiag_line(s, len)) {
        k = UPDX_KIND_SETUPDIAG;
        d = "text";
    } else if ((d = debugger_line(s, len)) != NULL) {
        k = UPDX_KIND_DEBUGGER_TEXT;
    }
    if (k != UPDX_KIND_UNKNOWN && ts->first == UPDX_KIND_UNKNOWN) {
        ts->first = k;
        ts->first_detail = d;
    }
}

/* Reads the first lines of a text head into ts. */
static void scan_text(text_scan *ts, const uint8_t *head, size_t len)
{
    updx_text_opts opts = {.max_line_bytes = RECOGNIZE_LINE_BYTES};
    updx_text *t = NULL;
    if (updx_text_open_mem(&t, head, len, &opts) != 0)
        return;
    updx_line line;
    int n = 0;
    while (n < RECOGNIZE_MAX_LINES && updx_text_next(t, &line) > 0) {
        n++;
        if (ts->text_len + line.len + 2 < sizeof ts->text) {
            if (!ts->first_line && line.len) {
                size_t tl = line.len;
                const char *tr = updx_trim(line.text, &tl);
                if (tl)
                    ts->first_line = ts->text + ts->text_len + (size_t)(tr - line.text);
            }
            memcpy(ts->text + ts->text_len, line.text, line.len);
            ts->text_len += line.len;
            ts->text[ts->text_len++] = '\n';
            ts->text[ts->text_len] = '\0';
        }
        /* '#' lines are comments that people put on top of pasted excerpts */
        if (line.len && line.text[0] == '#')
            continue;
        scan_line(ts, line.text, line.len);
    }
    updx_text_close(t);
}

static updx_kind panther_family(const text_scan *ts, const char *name, const char **detail)
{
    const char *base = name ? updx_path_basename(name) : "";
    updx_kind k;
    if (name_like(base, "setupact", ".log"))
        k = UPDX_KIND_SETUPACT;
    else if (name_like(base, "setuperr", ".log"))
        k = UPDX_KIND_SETUPERR;
    else if (name_like(base, "cbs", ".log"))
        k = UPDX_KIND_CBS;
    else if (name_like(base, "dism", ".log"))
        k = UPDX_KIND_DISM;
    else if (ts->comp_cbs > ts->comp_dism && ts->comp_cbs > ts->comp_other)
        k = UPDX_KIND_CBS;
    else if (ts->comp_dism > 0 && ts->comp_cbs == 0 && ts->comp_other == 0)
        k = UPDX_KIND_DISM;
    else if (ts->panther_info == 0 && ts->panther_errwarn > 0)
        k = UPDX_KIND_SETUPERR;
    else
        k = UPDX_KIND_SETUPACT;
    if (k == UPDX_KIND_SETUPACT || k == UPDX_KIND_SETUPERR) {
        *detail = updx_panther_phase(name);
        if (!*detail || strcmp(*detail, "panther") == 0) {
            if (ts->rollback_hint)
                *detail = "rollback";
            else if (ts->oobe_hint)
                *detail = "oobe";
            else if (ts->sysprep_hint)
                *detail = "sysprep";
            else if (ts->downlevel_hint && !*detail)
                *detail = "downlevel";
        }
    }
    return k;
}

static updx_kind text_kind(text_scan *ts, const char *name, const char **detail)
{
    const char *fl = ts->first_line ? ts->first_line : "";
    if (strncmp(fl, "Windows Registry Editor Version 5.00", 36) == 0 ||
        strncmp(fl, "REGEDIT4", 8) == 0)
        return UPDX_KIND_REG_EXPORT;
    if (strncmp(fl, "HKEY_", 5) == 0 && strstr(ts->text, "    REG_"))
        return UPDX_KIND_REG_EXPORT; /* `reg query` output */
    if (fl[0] == '<') {
        char root[64];
        xml_root(fl, root, sizeof root);
        const char *base = name ? updx_path_basename(name) : "";
        if (strcmp(root, "CompatReport") == 0)
            return name_like(base, "scanresult", ".xml") ? UPDX_KIND_SCANRESULT
                                                         : UPDX_KIND_COMPATDATA;
        if (strcmp(root, "WicaRun") == 0)
            return UPDX_KIND_APPRAISER;
        if (strcmp(root, "SetupDiag") == 0) {
            *detail = "xml";
            return UPDX_KIND_SETUPDIAG;
        }
        if (strcmp(root, "xml") == 0 && strstr(ts->text, "urn:schemas-microsoft-com:rowset"))
            return UPDX_KIND_DIAGXML;
    }
    if (fl[0] == '{') {
        if (json_has_key(fl, "ProfileName") || json_has_key(fl, "SetupDiagVersion") ||
            json_has_key(fl, "FailureData")) {
            *detail = "json";
            return UPDX_KIND_SETUPDIAG;
        }
        if (json_has_key(fl, "collector") || json_has_key(fl, "files"))
            return UPDX_KIND_MANIFEST;
    }
    switch (ts->first) {
    case UPDX_KIND_SETUPACT:
        return panther_family(ts, name, detail);
    case UPDX_KIND_OLDSETUPACT:
    case UPDX_KIND_BLUEBOX:
    case UPDX_KIND_SETUPAPI:
    case UPDX_KIND_SETUPDIAG:
    case UPDX_KIND_DEBUGGER_TEXT:
        *detail = ts->first_detail;
        return ts->first;
    default:
        return UPDX_KIND_UNKNOWN;
    }
}

updx_kind updx_recognize(const char *name, const uint8_t *head, size_t head_len,
                         const char **detail)
{
    const char *unused;
    if (!detail)
        detail = &unused;
    *detail = NULL;
    if (!head)
        head_len = 0;
    updx_kind k = binary_kind(head, head_len, detail);
    if (k != UPDX_KIND_UNKNOWN) {
        /* hive transaction logs carry a copy of the base block */
        if (k == UPDX_KIND_HIVE && name && kind_from_name(name, false, detail) == UPDX_KIND_HIVE_LOG)
            k = UPDX_KIND_HIVE_LOG;
        return k;
    }
    if (head_len == 0) {
        k = kind_from_name(name, true, detail);
        if (k == UPDX_KIND_UNKNOWN)
            *detail = "empty";
        return k;
    }
    updx_encoding_info enc = updx_encoding_sniff(head, head_len);
    bool is_text = enc.encoding != UPDX_ENC_BINARY;
    if (is_text) {
        text_scan ts;
        memset(&ts, 0, sizeof ts);
        scan_text(&ts, head, head_len);
        k = text_kind(&ts, name, detail);
        if (k != UPDX_KIND_UNKNOWN)
            return k;
    }
    *detail = NULL;
    k = kind_from_name(name, is_text, detail);
    if (k != UPDX_KIND_UNKNOWN) {
        /* a log's name on binary content: keep the name's kind only for text kinds that
         * can end in junk (setupapi logs do); otherwise it is not what its name says */
        if (is_text || k == UPDX_KIND_SETUPAPI || k == UPDX_KIND_SETUPACT ||
            k == UPDX_KIND_SETUPERR || k == UPDX_KIND_CBS || k == UPDX_KIND_HIVE_LOG)
            return k;
        *detail = NULL;
    }
    return is_text ? UPDX_KIND_TEXT : UPDX_KIND_BINARY;
}
