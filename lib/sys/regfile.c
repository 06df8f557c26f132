/*
 * regfile.c: .reg exports and `reg query` output (see regfile.h).
 *
 * The text layer gives UTF-8 lines whatever the file's encoding. In a .reg export a value
 * is `"name"=data` or `@=data`, where data is a quoted string, dword:XXXXXXXX, hex:bytes or
 * hex(N):bytes (N = the registry type in hex), and hex lists wrap with a trailing '\'.
 * hex(2)/hex(7) bytes are UTF-16LE in version 5 files and ANSI in REGEDIT4 files. `reg
 * query` prints a key path on its own line and values as "    Name    REG_TYPE    data".
 */
#include "sys/regfile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sys/reg_ingest.h"
#include "sys/sys_facts.h"
#include "text/text.h"
#include "util/buf.h"
#include "util/strutil.h"

enum {
    REGFILE_MAX_LOGICAL = 1 << 20,  /* one value with its continuation lines: a MULTI_SZ of
                                       32 KiB text is ~200 KiB of hex */
    REGFILE_MAX_KEY = 4096,         /* bytes of a key path (Windows: 255 chars per name) */
    REGFILE_MAX_NOTES = 50,         /* notes about bad lines from one file */
    REGFILE_MAX_SHOWN_BINARY = 256, /* binary bytes kept as hex text */
};

typedef struct reg_parse {
    updx_case *c;
    const char *member;
    bool v4;                  /* REGEDIT4: hex(2)/hex(7) hold ANSI bytes */
    updx_hive_kind hive;      /* of the current key; UNKNOWN = values are skipped */
    char key[REGFILE_MAX_KEY];
    uint32_t bad;
    updx_buf bytes;           /* decoded hex bytes */
    updx_buf text;            /* decoded strings, NUL-separated */
    const char *multi[UPDX_REG_MAX_MULTI];
} reg_parse;

static void bad_line(reg_parse *p, const updx_line *l, const char *what)
{
    if (p->bad++ < REGFILE_MAX_NOTES)
        updx_note_add(&p->c->notes, UPDX_NOTE_DAMAGED, p->member, l->offset, l->number, "%s", what);
}

/* Scans an ASCII projection of the first bytes (NULs and BOMs dropped) for a header. */
bool updx_regfile_sniff(const uint8_t *data, size_t len)
{
    char head[128];
    size_t n = 0;
    for (size_t i = 0; i < len && i < 512 && n < sizeof head - 1; i++) {
        uint8_t b = data[i];
        if (b == 0 || b >= 0x80 || (n == 0 && (b == ' ' || b == '\r' || b == '\n' || b == '\t')))
            continue;
        head[n++] = (char)b;
    }
    head[n] = '\0';
    return updx_str_starts_with_ci(head, "Windows Registry Editor Version") ||
           updx_str_starts_with_ci(head, "REGEDIT4") || updx_str_starts_with_ci(head, "HKEY_");
}

/* Sets the current key from a full path ("HKEY_LOCAL_MACHINE\SYSTEM\..."). */
static void set_key(reg_parse *p, const char *path, size_t len)
{
    p->hive = UPDX_HIVE_UNKNOWN;
    p->key[0] = '\0';
    static const char *const roots[] = {"HKEY_LOCAL_MACHINE\\", "HKLM\\"};
    size_t skip = 0;
    for (size_t i = 0; i < 2; i++)
        if (len >= strlen(roots[i]) && updx_strncasecmp(path, roots[i], strlen(roots[i])) == 0)
            skip = strlen(roots[i]);
    if (!skip)
        return;
    path += skip;
    len -= skip;
    const char *rest = NULL;
    if (len >= 6 && updx_strncasecmp(path, "SYSTEM", 6) == 0 && (len == 6 || path[6] == '\\')) {
        p->hive = UPDX_HIVE_SYSTEM;
        rest = path + 6;
    } else if (len >= 8 && updx_strncasecmp(path, "SOFTWARE", 8) == 0 &&
               (len == 8 || path[8] == '\\')) {
        p->hive = UPDX_HIVE_SOFTWARE;
        rest = path + 8;
    } else {
        return;
    }
    size_t rl = len - (size_t)(rest - path);
    if (rl && *rest == '\\') {
        rest++;
        rl--;
    }
    if (rl >= sizeof p->key) {
        p->hive = UPDX_HIVE_UNKNOWN;
        return;
    }
    memcpy(p->key, rest, rl);
    p->key[rl] = '\0';
}

static void append_utf8(updx_buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18);
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    updx_buf_add(b, u, n);
}

/* Decodes the registry string bytes [s, s+n) into p->text as NUL-separated strings and
 * fills p->multi; returns the number of strings. Stops at an empty string (the MULTI_SZ
 * terminator) when `multi`, else at the first NUL. */
static size_t decode_strings(reg_parse *p, const uint8_t *s, size_t n, bool multi)
{
    updx_buf_reset(&p->text);
    size_t count = 0, start = 0, i = 0;
    bool wide = !p->v4;
    size_t unit = wide ? 2 : 1;
    /* string offsets are kept, pointers made at the end: the buffer may move */
    size_t starts[UPDX_REG_MAX_MULTI];
    while (i + unit <= n && count < UPDX_REG_MAX_MULTI) {
        uint32_t cu = wide ? (uint32_t)(s[i] | s[i + 1] << 8) : s[i];
        i += unit;
        if (cu == 0) {
            if (p->text.len == start && multi)
                break;  /* empty string: end of the list */
            starts[count++] = start;
            updx_buf_addc(&p->text, '\0');
            start = p->text.len;
            if (!multi)
                break;
            continue;
        }
        if (wide && cu >= 0xD800 && cu <= 0xDBFF && i + 2 <= n) {
            uint32_t lo = (uint32_t)(s[i] | s[i + 1] << 8);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cu = 0x10000 + ((cu - 0xD800) << 10) + (lo - 0xDC00);
                i += 2;
            } else {
                cu = 0xFFFD;
            }
        } else if (wide && cu >= 0xD800 && cu <= 0xDFFF) {
            cu = 0xFFFD;
        }
        append_utf8(&p->text, cu);  /* REGEDIT4 ANSI is taken as Latin-1: names are ASCII */
    }
    if (p->text.len > start && count < UPDX_REG_MAX_MULTI) {  /* no terminator */
        starts[count++] = start;
        updx_buf_addc(&p->text, '\0');
    }
    for (size_t k = 0; k < count; k++)
        p->multi[k] = p->text.data + starts[k];
    return count;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    ch = updx_ascii_lower(ch);
    return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* "aa,bb,cc" (spaces and continuation backslashes allowed) into p->bytes. */
static bool parse_hex_list(reg_parse *p, const char *s)
{
    updx_buf_reset(&p->bytes);
    while (*s) {
        if (*s == ',' || *s == ' ' || *s == '\t' || *s == '\\') {
            s++;
            continue;
        }
        int hi = hexval(s[0]), lo = hi >= 0 ? hexval(s[1]) : -1;
        if (hi < 0 || lo < 0)
            return false;
        if (updx_buf_addc(&p->bytes, (char)(hi << 4 | lo)) != 0)
            return false;
        s += 2;
    }
    return true;
}

/* Binary bytes as hex text (first bytes only) into p->text. */
static const char *hex_text(reg_parse *p, const uint8_t *b, size_t n)
{
    updx_buf_reset(&p->text);
    for (size_t i = 0; i < n && i < REGFILE_MAX_SHOWN_BINARY; i++)
        updx_buf_printf(&p->text, "%02x", b[i]);
    if (n > REGFILE_MAX_SHOWN_BINARY)
        updx_buf_printf(&p->text, "... (%zu bytes)", n);
    return p->text.data ? p->text.data : "";
}

/* Turns typed bytes into v (strings point into p's buffers). */
static void bytes_to_value(reg_parse *p, uint32_t type, const uint8_t *b, size_t n, updx_reg_value *v)
{
    v->type = type;
    switch (type) {
    case UPDX_REG_SZ:
    case UPDX_REG_EXPAND_SZ:
    case UPDX_REG_LINK:
        v->str = decode_strings(p, b, n, false) ? p->multi[0] : "";
        break;
    case UPDX_REG_MULTI_SZ:
        v->nmulti = decode_strings(p, b, n, true);
        v->multi = p->multi;
        break;
    case UPDX_REG_DWORD:
        if (n >= 4) {
            v->has_num = true;
            v->num = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        }
        break;
    case UPDX_REG_DWORD_BE:
        if (n >= 4) {
            v->has_num = true;
            v->num = (uint32_t)b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 | (uint32_t)b[0] << 24;
        }
        break;
    case UPDX_REG_QWORD:
        if (n >= 8) {
            v->has_num = true;
            v->num = 0;
            for (int i = 7; i >= 0; i--)
                v->num = v->num << 8 | b[i];
        }
        break;
    default:
        v->str = hex_text(p, b, n);
        break;
    }
}

/* A quoted .reg string starting at s (after the opening quote) into p->text; *end gets
 * the position after the closing quote. */
static bool unquote(reg_parse *p, const char *s, const char **end)
{
    updx_buf_reset(&p->text);
    while (*s && *s != '"') {
        if (*s == '\\' && (s[1] == '\\' || s[1] == '"'))
            s++;
        if (updx_buf_addc(&p->text, *s) != 0)
            return false;
        s++;
    }
    if (*s != '"')
        return false;
    *end = s + 1;
    updx_buf_addc(&p->text, '\0');
    p->text.len--;
    return true;
}

/* One logical `"name"=data` or `@=data` line of a .reg export. */
static void reg_value_line(reg_parse *p, const char *s, const updx_line *l)
{
    char *name = NULL;
    const char *rest;
    if (*s == '@') {
        name = strdup("");
        rest = s + 1;
    } else if (*s == '"' && unquote(p, s + 1, &rest)) {
        name = strdup(p->text.data ? p->text.data : "");
    } else {
        bad_line(p, l, "registry export line is neither a key, a value nor a comment");
        return;
    }
    if (!name)
        return;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    if (*rest != '=') {
        bad_line(p, l, "registry export value has no '='");
        free(name);
        return;
    }
    rest++;
    while (*rest == ' ' || *rest == '\t')
        rest++;
    updx_reg_value v = {0};
    v.name = name;
    bool ok = true;
    if (*rest == '-') {
        ok = false;  /* a deleted value: nothing to learn */
    } else if (*rest == '"') {
        const char *end;
        if (unquote(p, rest + 1, &end)) {
            v.type = UPDX_REG_SZ;
            v.str = p->text.data ? p->text.data : "";
        } else {
            bad_line(p, l, "registry export string value has no closing quote");
            ok = false;
        }
    } else if (updx_str_starts_with_ci(rest, "dword:")) {
        uint64_t num;
        size_t used;
        if (updx_parse_hex(rest + 6, strlen(rest + 6), &num, &used) && num <= UINT32_MAX) {
            v.type = UPDX_REG_DWORD;
            v.has_num = true;
            v.num = num;
        } else {
            bad_line(p, l, "registry export dword value is not 8 hex digits");
            ok = false;
        }
    } else if (updx_str_starts_with_ci(rest, "hex")) {
        uint32_t type = UPDX_REG_BINARY;
        const char *q = rest + 3;
        if (*q == '(') {
            uint64_t t;
            size_t used;
            if (!updx_parse_hex(q + 1, strlen(q + 1), &t, &used) || q[1 + used] != ')' ||
                t > 0xFFFF) {
                bad_line(p, l, "registry export hex(N) type is unreadable");
                free(name);
                return;
            }
            type = (uint32_t)t;
            q += used + 2;
        }
        if (*q != ':' || !parse_hex_list(p, q + 1)) {
            bad_line(p, l, "registry export hex list is unreadable");
            ok = false;
        } else {
            /* decode from a copy: decoding reuses p->text */
            bytes_to_value(p, type, (const uint8_t *)p->bytes.data, p->bytes.len, &v);
        }
    } else {
        bad_line(p, l, "registry export value has an unknown data format");
        ok = false;
    }
    v.line = l->number;
    v.offset = UPDX_NO_OFFSET;
    if (ok && p->hive != UPDX_HIVE_UNKNOWN)
        updx_sys_ingest_value(p->c, p->member, p->hive, p->key, &v);
    free(name);
}

/* "    Name    REG_TYPE    data" from `reg query`. */
static void query_value_line(reg_parse *p, const char *s, const updx_line *l)
{
    const char *t = strstr(s, "    REG_");
    if (!t) {
        bad_line(p, l, "reg query value line has no REG_ type");
        return;
    }
    const char *n0 = s;
    while (*n0 == ' ')
        n0++;
    size_t nlen = n0 < t ? (size_t)(t - n0) : 0;
    char *name = strndup(n0, nlen);
    if (!name)
        return;
    if (strcmp(name, "(Default)") == 0 || strcmp(name, "(\xE9\xBB\x98\xE8\xAE\xA4)") == 0)
        name[0] = '\0';  /* English and zh-CN "(默认)" */
    t += 4;
    const char *te = strstr(t, "    ");
    size_t tlen = te ? (size_t)(te - t) : strlen(t);
    const char *data = te ? te + 4 : "";
    updx_reg_value v = {0};
    v.name = name;
    bool ok = true;
#define TYPE_IS(lit) (tlen == sizeof(lit) - 1 && strncmp(t, lit, tlen) == 0)
    if (TYPE_IS("REG_SZ") || TYPE_IS("REG_EXPAND_SZ")) {
        v.type = TYPE_IS("REG_SZ") ? UPDX_REG_SZ : UPDX_REG_EXPAND_SZ;
        v.str = data;
    } else if (TYPE_IS("REG_MULTI_SZ")) {
        /* reg query writes the list separated by a literal "\0" */
        updx_buf_reset(&p->text);
        size_t starts[UPDX_REG_MAX_MULTI], count = 0;
        const char *q = data;
        while (*q && count < UPDX_REG_MAX_MULTI) {
            const char *e = strstr(q, "\\0");
            size_t len = e ? (size_t)(e - q) : strlen(q);
            if (len) {
                starts[count++] = p->text.len;
                updx_buf_add(&p->text, q, len);
                updx_buf_addc(&p->text, '\0');
            }
            q += len + (e ? 2 : 0);
        }
        for (size_t k = 0; k < count; k++)
            p->multi[k] = p->text.data + starts[k];
        v.type = UPDX_REG_MULTI_SZ;
        v.multi = p->multi;
        v.nmulti = count;
    } else if (TYPE_IS("REG_DWORD") || TYPE_IS("REG_QWORD") || TYPE_IS("REG_DWORD_BIG_ENDIAN")) {
        uint64_t num;
        size_t used;
        v.type = TYPE_IS("REG_QWORD") ? UPDX_REG_QWORD : UPDX_REG_DWORD;
        if (updx_parse_hex(data, strlen(data), &num, &used)) {
            v.has_num = true;
            v.num = num;
        } else {
            bad_line(p, l, "reg query number value is not hex");
            ok = false;
        }
    } else if (TYPE_IS("REG_BINARY") || TYPE_IS("REG_NONE")) {
        v.type = TYPE_IS("REG_BINARY") ? UPDX_REG_BINARY : UPDX_REG_NONE;
        v.str = data;
    } else {
        v.type = UPDX_REG_NONE;
        v.str = data;
    }
#undef TYPE_IS
    v.line = l->number;
    v.offset = UPDX_NO_OFFSET;
    if (ok && p->hive != UPDX_HIVE_UNKNOWN)
        updx_sys_ingest_value(p->c, p->member, p->hive, p->key, &v);
    free(name);
}

int updx_regfile_read(updx_case *c, const char *member, const uint8_t *data, size_t len)
{
    if (!c || !member || (!data && len))
        return UPDX_ERR_ARG;
    updx_text *t = NULL;
    updx_text_opts opts = {0};
    opts.max_line_bytes = REGFILE_MAX_LOGICAL;
    int rc = updx_text_open_mem(&t, data ? (const void *)data : "", len, &opts);
    if (rc != UPDX_OK)
        return rc;
    updx_sys_facts *facts = updx_sys_get(c);
    reg_parse *p = calloc(1, sizeof *p);
    if (!p || !facts) {
        free(p);
        updx_text_close(t);
        return UPDX_ERR_NOMEM;
    }
    p->c = c;
    p->member = member;
    updx_buf_init(&p->bytes, REGFILE_MAX_LOGICAL);
    updx_buf_init(&p->text, REGFILE_MAX_LOGICAL * 2);
    updx_buf logical;
    updx_buf_init(&logical, REGFILE_MAX_LOGICAL);
    updx_line first = {0};
    int mode = 0;  /* 0 = header not seen, 1 = .reg export, 2 = reg query */
    bool continuing = false, too_long = false;
    updx_line l;
    int r;
    while ((r = updx_text_next(t, &l)) > 0) {
        size_t tl = l.len;
        const char *s = updx_trim(l.text, &tl);
        if (continuing) {
            /* a wrapped hex list: the continuation's leading spaces are dropped */
            if (updx_buf_add(&logical, s, tl) != 0)
                too_long = true;
        } else {
            first = l;
            updx_buf_reset(&logical);
            if (updx_buf_add(&logical, s, tl) != 0)
                too_long = true;
        }
        continuing = mode == 1 && tl && s[tl - 1] == '\\' && logical.data &&
                     strstr(logical.data, "=hex") != NULL;
        if (continuing) {
            logical.len--;  /* the backslash */
            logical.data[logical.len] = '\0';
            continue;
        }
        if (too_long) {
            bad_line(p, &first, "registry export value longer than 1 MiB skipped");
            too_long = false;
            continue;
        }
        const char *ls = logical.data ? logical.data : "";
        if (!*ls)
            continue;
        if (mode == 0) {
            if (updx_str_starts_with_ci(ls, "Windows Registry Editor Version")) {
                mode = 1;
            } else if (strcmp(ls, "REGEDIT4") == 0) {
                mode = 1;
                p->v4 = true;
            } else if (updx_str_starts_with_ci(ls, "HKEY_")) {
                mode = 2;
                set_key(p, ls, strlen(ls));
            } else {
                break;
            }
            continue;
        }
        if (mode == 1) {
            if (*ls == ';')
                continue;
            if (*ls == '[') {
                size_t kl = strlen(ls);
                if (ls[kl - 1] != ']') {
                    bad_line(p, &first, "registry export key line has no closing bracket");
                    p->hive = UPDX_HIVE_UNKNOWN;
                } else if (ls[1] == '-') {
                    p->hive = UPDX_HIVE_UNKNOWN;  /* a deleted key: its values mean nothing */
                } else {
                    set_key(p, ls + 1, kl - 2);
                }
                continue;
            }
            reg_value_line(p, ls, &first);
        } else {
            if (updx_str_starts_with_ci(ls, "HKEY_") && l.text[0] != ' ')
                set_key(p, ls, strlen(ls));
            else if (l.text[0] == ' ')
                query_value_line(p, l.text, &l);
            /* "End of search: ..." and other lines carry nothing */
        }
    }
    if (r < 0)
        rc = r;
    else if (mode == 0)
        rc = UPDX_ERR_FORMAT;
    else
        rc = p->bad ? UPDX_PARTIAL : UPDX_OK;
    if (mode != 0)
        facts->reg_exports_read++;
    if (p->bad > REGFILE_MAX_NOTES)
        updx_note_add(&c->notes, UPDX_NOTE_LIMIT, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "%u more unreadable lines were not listed", p->bad - REGFILE_MAX_NOTES);
    updx_buf_free(&logical);
    updx_buf_free(&p->bytes);
    updx_buf_free(&p->text);
    free(p);
    updx_text_close(t);
    return rc;
}
