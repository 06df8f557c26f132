/*
 * codes.c: error-code lookups over the embedded TSV tables (see codes.h).
 */
#include "knowledge/codes.h"

#include <stdlib.h>
#include <string.h>

#include "util/embedded.h"
#include "util/strutil.h"

enum { CODE_FIELDS = 6 };

/* A field of a TSV row: [start, start+len). */
typedef struct field {
    const char *s;
    size_t len;
} field;

static void copy_field(char *dst, size_t cap, field f)
{
    size_t n = f.len < cap - 1 ? f.len : cap - 1;
    memcpy(dst, f.s, n);
    dst[n] = '\0';
}

/* Splits one line into up to CODE_FIELDS tab-separated fields; returns the count. */
static int split_row(const char *line, size_t len, field *out)
{
    int n = 0;
    size_t start = 0;
    for (size_t i = 0; i <= len && n < CODE_FIELDS; i++) {
        if (i == len || line[i] == '\t') {
            out[n].s = line + start;
            out[n].len = i - start;
            n++;
            start = i + 1;
        }
    }
    return n;
}

/* The numeric value of a code field: "0x..." hex, otherwise decimal. */
static bool field_code(field f, uint32_t *v)
{
    uint64_t x;
    size_t used;
    size_t len = f.len;
    const char *s = updx_trim(f.s, &len);
    bool ok;
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        ok = updx_parse_hex(s, len, &x, &used);
    else
        ok = updx_parse_dec(s, len, &x, &used);
    if (!ok || used != len || x > UINT32_MAX)
        return false;
    *v = (uint32_t)x;
    return true;
}

/* Calls fn for each data row of an embedded table (comments and the header skipped). Stops
 * when fn returns true; returns that, or false. */
typedef bool (*row_fn)(const field *fields, int n, size_t line_no, void *ctx);

static bool each_row(const char *path, row_fn fn, void *ctx)
{
    const struct updx_embedded_file *ef = updx_embedded_find(path);
    if (!ef)
        return false;
    const char *p = (const char *)ef->data, *end = p + ef->size;
    size_t line_no = 0;
    bool header_seen = false;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t len = (size_t)(le - p);
        if (len && p[len - 1] == '\r')
            len--;
        line_no++;
        if (len && p[0] != '#') {
            field f[CODE_FIELDS];
            int n = split_row(p, len, f);
            if (!header_seen)
                header_seen = true; /* the first non-comment line names the columns */
            else if (fn(f, n, line_no, ctx))
                return true;
        }
        p = nl ? nl + 1 : end;
    }
    return false;
}

typedef struct find_ctx {
    uint32_t want;
    updx_code_info *out;
} find_ctx;

static bool find_row(const field *f, int n, size_t line_no, void *vctx)
{
    (void)line_no;
    find_ctx *ctx = vctx;
    uint32_t v;
    if (n < 4 || !field_code(f[0], &v) || v != ctx->want)
        return false;
    copy_field(ctx->out->name, sizeof ctx->out->name, f[1]);
    copy_field(ctx->out->en, sizeof ctx->out->en, f[2]);
    copy_field(ctx->out->zh, sizeof ctx->out->zh, f[3]);
    if (n > 4)
        copy_field(ctx->out->fix_en, sizeof ctx->out->fix_en, f[4]);
    if (n > 5)
        copy_field(ctx->out->fix_zh, sizeof ctx->out->fix_zh, f[5]);
    ctx->out->table_code = v;
    return true;
}

static bool lookup_in(const char *table, const char *path, uint32_t code, uint32_t asked,
                      updx_code_info *out)
{
    memset(out, 0, sizeof *out);
    out->value = asked;
    find_ctx ctx = {code, out};
    if (each_row(path, find_row, &ctx)) {
        out->table = table;
        return true;
    }
    memset(out, 0, sizeof *out);
    out->value = asked;
    return false;
}

bool updx_code_lookup(uint32_t value, updx_code_info *out)
{
    static const struct {
        const char *table, *path;
    } direct[] = {
        {"mosetup", "codes/mosetup.tsv"},
        {"hresult", "codes/hresult.tsv"},
        {"ntstatus", "codes/ntstatus.tsv"},
    };
    for (size_t i = 0; i < sizeof direct / sizeof direct[0]; i++)
        if (lookup_in(direct[i].table, direct[i].path, value, value, out))
            return true;
    /* HRESULT_FROM_WIN32: 0x8007xxxx carries Win32 error xxxx */
    if ((value & 0xFFFF0000u) == 0x80070000u) {
        if (lookup_in("win32", "codes/win32.tsv", value & 0xFFFFu, value, out)) {
            out->via_win32 = true;
            return true;
        }
        return false;
    }
    if (value < 0x10000u)
        return lookup_in("win32", "codes/win32.tsv", value, value, out);
    return false;
}

const char *updx_upgrade_phase_name(updx_upgrade_phase phase)
{
    switch (phase) {
    case UPDX_PHASE_DOWNLEVEL: return "DOWNLEVEL";
    case UPDX_PHASE_SAFE_OS: return "SAFE_OS";
    case UPDX_PHASE_FIRST_BOOT: return "FIRST_BOOT";
    case UPDX_PHASE_OOBE_BOOT: return "OOBE_BOOT";
    case UPDX_PHASE_UNINSTALL: return "UNINSTALL";
    default: return NULL;
    }
}

bool updx_extend_decode(uint32_t extended, updx_extend_info *out)
{
    memset(out, 0, sizeof *out);
    if (extended > 0xFFFFFu)
        return false;
    out->extended = extended;
    out->phase = (extended >> 16) & 0xFu;
    out->operation = extended & 0xFFFFu;
    out->phase_known = lookup_in("extend_phase", "codes/extend_phase.tsv", out->phase, out->phase,
                                 &out->phase_info);
    out->operation_known = lookup_in("extend_op", "codes/extend_op.tsv", out->operation,
                                     out->operation, &out->operation_info);
    return true;
}

static bool parse_one(const char *s, size_t len, uint32_t *v)
{
    size_t used;
    uint64_t x;
    s = updx_trim(s, &len);
    if (len == 0)
        return false;
    if (s[0] == '-') {
        /* the decimal form of a negative 32-bit code, as some tools print it */
        if (!updx_parse_dec(s + 1, len - 1, &x, &used) || used != len - 1 || x == 0 ||
            x > 0x80000000u)
            return false;
        *v = (uint32_t)(0x100000000ull - x);
        return true;
    }
    bool hex = len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    bool any_hex_letter = false;
    for (size_t i = 0; i < len; i++)
        if ((s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F'))
            any_hex_letter = true;
    bool ok;
    if (hex || any_hex_letter || len == 8)
        ok = updx_parse_hex(s, len, &x, &used);
    else
        ok = updx_parse_dec(s, len, &x, &used);
    if (!ok || used != len || x > UINT32_MAX)
        return false;
    *v = (uint32_t)x;
    return true;
}

bool updx_code_parse(const char *s, uint32_t *result, uint32_t *ext, bool *has_ext)
{
    if (!s)
        return false;
    size_t len = strlen(s);
    *has_ext = false;
    *ext = 0;
    /* a '-' that separates two codes: not at the start, after trimming */
    size_t start = 0;
    while (start < len && (s[start] == ' ' || s[start] == '\t'))
        start++;
    for (size_t i = start + 1; i < len; i++) {
        if (s[i] == '-') {
            if (!parse_one(s, i, result) || !parse_one(s + i + 1, len - i - 1, ext))
                return false;
            *has_ext = true;
            return true;
        }
    }
    return parse_one(s, len, result);
}

bool updx_code_is_telemetry_remap(uint32_t value)
{
    return value == 0xC1900108u;
}

typedef struct check_ctx {
    int rows;
    size_t bad_line;
} check_ctx;

static bool check_row(const field *f, int n, size_t line_no, void *vctx)
{
    check_ctx *ctx = vctx;
    uint32_t v;
    if (n != CODE_FIELDS || !field_code(f[0], &v) || f[1].len == 0 || f[2].len == 0 ||
        f[3].len == 0) {
        ctx->bad_line = line_no;
        return true;
    }
    ctx->rows++;
    return false;
}

int updx_code_table_check(const char *path, size_t *bad_line)
{
    if (!updx_embedded_find(path)) {
        *bad_line = 0;
        return -1;
    }
    check_ctx ctx = {0, 0};
    if (each_row(path, check_row, &ctx)) {
        *bad_line = ctx.bad_line;
        return -1;
    }
    return ctx.rows;
}
