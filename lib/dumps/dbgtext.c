/*
 * dbgtext.c: debugger and tool text to crash records (see dbgtext.h).
 *
 * Line-driven: each line is matched against the shapes below in turn; a crash record is
 * created on the first fact and finished (blamed) when the next crash starts or the text
 * ends. Nothing here trusts a line's length or content: tokens are bounded and numbers
 * parsed with overflow checks.
 */
#include "dumps/dbgtext.h"

#include <stdio.h>
#include <string.h>

#include "dumps/blame.h"
#include "dumps/bugcheck.h"
#include "util/strutil.h"

enum {
    MAX_TOKENS = 24,      /* a kv x86 line has about 10 */
    MAX_TOKEN = 512,      /* longer tokens are not frames or keys we know */
};

typedef enum stack_mode { ST_NONE, ST_K, ST_STACK_TEXT, ST_LM } stack_mode;

typedef struct acc {
    updx_case *c;
    const char *member;
    updx_crash *cr;
    int added;
    /* verdicts, best first */
    const char *image_name, *probably, *bsv_driver, *whocrashed, *module_name;
    bool wrong_symbols;
    bool has_fault;
    updx_frame fault;
    const char *fault_source;
    stack_mode mode;
    bool stack_taken;      /* this crash already has its stack; later ones are ignored */
    bool ignore_stack;
    bool want_faulting_ip; /* FAULTING_IP: value is on the next line */
    bool bsv;              /* BlueScreenView fields seen for this crash */
    uint64_t addr_base, addr_end; /* !address block */
    bool rollback;         /* inside a rollback-log "Crash 0x... detected" block */
    const char *rollback_module;
} acc;

typedef struct tok {
    const char *s;
    size_t n;
} tok;

static size_t split(const char *s, size_t len, tok *out, size_t max)
{
    size_t n = 0, i = 0;
    while (i < len && n < max) {
        while (i < len && (s[i] == ' ' || s[i] == '\t'))
            i++;
        if (i >= len)
            break;
        size_t st = i;
        while (i < len && s[i] != ' ' && s[i] != '\t')
            i++;
        out[n].s = s + st;
        out[n].n = i - st;
        n++;
    }
    return n;
}

static bool is_hex(char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* A debugger address: hex digits with at most one backtick ("fffff801`61ba2b4c"), optional
 * 0x prefix, optional trailing comma; the whole token. */
static bool parse_addr(const char *s, size_t n, uint64_t *v)
{
    if (n && s[n - 1] == ',')
        n--;
    if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        n -= 2;
    }
    if (n == 0 || n > 17)
        return false;
    uint64_t x = 0;
    int digits = 0, ticks = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '`') {
            if (++ticks > 1 || i == 0)
                return false;
            continue;
        }
        if (!is_hex(s[i]) || ++digits > 16)
            return false;
        char ch = s[i];
        x = x << 4 | (uint64_t)(ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10);
    }
    *v = x;
    return true;
}

static bool is_module_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_' || ch == '.' || ch == '-';
}

/* "module!symbol+0xoff", "module!symbol+off", "module!symbol", "module+0xoff", "0xaddr",
 * with "**" emphasis removed. */
static bool parse_callsite(acc *a, const char *s, size_t n, updx_frame *f)
{
    char buf[MAX_TOKEN];
    size_t m = 0;
    for (size_t i = 0; i < n && m + 1 < sizeof buf; i++)
        if (s[i] != '*')
            buf[m++] = s[i];
    buf[m] = '\0';
    memset(f, 0, sizeof *f);
    if (m == 0)
        return false;
    uint64_t v;
    if (buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) {
        if (!parse_addr(buf, m, &v))
            return false;
        f->address = v;
        return true;
    }
    char *bang = strchr(buf, '!');
    char *plus = strrchr(buf, '+');
    size_t modlen = bang ? (size_t)(bang - buf) : plus ? (size_t)(plus - buf) : 0;
    if (modlen == 0)
        return false;
    for (size_t i = 0; i < modlen; i++)
        if (!is_module_char(buf[i]))
            return false;
    if (plus && bang && plus < bang)
        plus = NULL;
    if (plus) {
        size_t used;
        const char *o = plus + 1;
        size_t olen = strlen(o);
        if (!updx_parse_hex(o, olen, &v, &used) || used != olen)
            return false;
        f->offset = v;
    } else if (!bang) {
        return false;
    }
    f->module = updx_arena_strndup(&a->c->arena, buf, modlen);
    if (bang) {
        const char *sym = bang + 1;
        size_t slen = plus ? (size_t)(plus - sym) : strlen(sym);
        if (slen == 0)
            return false;
        f->symbol = updx_arena_strndup(&a->c->arena, sym, slen);
    }
    return f->module != NULL;
}

static updx_crash *ensure(acc *a, const updx_line *l, updx_crash_origin origin)
{
    if (a->cr)
        return a->cr;
    a->cr = updx_case_add_crash(a->c, a->member, origin);
    if (a->cr) {
        a->added++;
        a->cr->where.file = a->cr->source;
        a->cr->where.line = l->number;
        a->cr->where.offset = UPDX_NO_OFFSET;
        a->cr->where.text = updx_arena_strndup(&a->c->arena, l->text, l->len > 300 ? 300 : l->len);
    }
    return a->cr;
}

static void flush(acc *a)
{
    updx_crash *cr = a->cr;
    if (cr) {
        updx_blame_hint h = {0};
        if (a->image_name) {
            h.verdict = a->image_name;
            h.verdict_source = "the debugger's !analyze (IMAGE_NAME)";
        } else if (a->probably) {
            h.verdict = a->probably;
            h.verdict_source = "the debugger (\"Probably caused by\")";
        } else if (a->bsv_driver) {
            h.verdict = a->bsv_driver;
            h.verdict_source = "BlueScreenView (\"Caused By Driver\")";
        } else if (a->whocrashed) {
            h.verdict = a->whocrashed;
            h.verdict_source = "WhoCrashed (\"probably caused by the following module\")";
        } else if (a->rollback_module) {
            h.verdict = a->rollback_module;
            h.verdict_source = "the rollback log's bug-check block (\"Module name\")";
        } else if (a->module_name) {
            h.verdict = a->module_name;
            h.verdict_source = "the debugger's !analyze (MODULE_NAME)";
        }
        h.verdict_untrusted = a->wrong_symbols;
        if (!a->has_fault && cr->has_bugcheck) {
            const struct updx_bugcheck_info *bc = updx_bugcheck_find(cr->bugcheck);
            if (bc && bc->fault_param) {
                uint64_t addr = cr->params[bc->fault_param - 1];
                const updx_module *m = updx_blame_resolve(&cr->modules, addr);
                if (m) {
                    a->has_fault = true;
                    a->fault.module = m->name;
                    a->fault.offset = addr - m->base;
                    a->fault.address = addr;
                    a->fault_source = updx_arena_printf(&a->c->arena, "bug-check parameter %d",
                                                        bc->fault_param);
                }
            }
        }
        h.has_fault = a->has_fault;
        h.fault = a->fault;
        h.fault_source = a->fault_source;
        updx_blame_apply(a->c, cr, &h);
    }
    updx_case *c = a->c;
    const char *member = a->member;
    int added = a->added;
    memset(a, 0, sizeof *a);
    a->c = c;
    a->member = member;
    a->added = added;
}

static void set_bugcheck(acc *a, const updx_line *l, uint32_t code, updx_crash_origin origin)
{
    if (a->cr && a->cr->has_bugcheck && a->cr->bugcheck != code)
        flush(a);
    updx_crash *cr = ensure(a, l, origin);
    if (cr) {
        cr->has_bugcheck = true;
        cr->bugcheck = code;
    }
}

/* "(a, b, c, d)" or "{a, b, c, d}" after position p: up to 4 addresses. */
static int parse_param_list(const char *s, size_t n, uint64_t out[4])
{
    int k = 0;
    size_t i = 0;
    while (i < n && s[i] != '(' && s[i] != '{')
        i++;
    if (i >= n)
        return 0;
    i++;
    while (i < n && k < 4) {
        while (i < n && (s[i] == ' ' || s[i] == ','))
            i++;
        size_t st = i;
        while (i < n && s[i] != ',' && s[i] != ')' && s[i] != '}' && s[i] != ' ')
            i++;
        uint64_t v;
        if (i > st && parse_addr(s + st, i - st, &v))
            out[k++] = v;
        else
            break;
        while (i < n && s[i] == ' ')
            i++;
        if (i < n && (s[i] == ')' || s[i] == '}'))
            break;
    }
    return k;
}

static const char *dup_token(acc *a, const char *s, size_t n)
{
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == ','))
        n--;
    char *d = updx_arena_strndup(&a->c->arena, s, n);
    if (!d)
        return NULL;
    /* drop emphasis */
    size_t j = 0;
    for (size_t i = 0; d[i]; i++)
        if (d[i] != '*')
            d[j++] = d[i];
    d[j] = '\0';
    return d;
}

static bool starts_ci(const char *s, size_t n, const char *p)
{
    size_t pn = strlen(p);
    return n >= pn && updx_strncasecmp(s, p, pn) == 0;
}

static void set_build(acc *a, const updx_line *l, const char *s, size_t n, int skip_parts)
{
    /* "10.0.22000.1" (skip 2 parts) or "17763.1.amd64fre..." (skip 0) */
    size_t i = 0;
    for (int k = 0; k < skip_parts; k++) {
        while (i < n && s[i] != '.')
            i++;
        if (i < n)
            i++;
    }
    uint64_t v;
    size_t used;
    if (updx_parse_dec(s + i, n - i, &v, &used) && v > 0 && v < 1000000) {
        updx_crash *cr = ensure(a, l, UPDX_CRASH_DEBUGGER_TEXT);
        if (cr)
            cr->os_build = updx_arena_printf(&a->c->arena, "%u", (unsigned)v);
    }
}

static void add_frame(acc *a, const updx_line *l, const updx_frame *f)
{
    updx_crash *cr = ensure(a, l, UPDX_CRASH_DEBUGGER_TEXT);
    if (!cr)
        return;
    updx_frame *slot = updx_avec_push(&cr->frames, &a->c->arena);
    if (slot)
        *slot = *f;
}

static void add_module(acc *a, const updx_line *l, const char *name, uint64_t start, uint64_t end)
{
    if (end <= start || end - start > UINT32_MAX)
        return;
    updx_crash *cr = ensure(a, l, UPDX_CRASH_DEBUGGER_TEXT);
    updx_module *m = cr ? updx_avec_push(&cr->modules, &a->c->arena) : NULL;
    if (!m)
        return;
    m->name = name;
    m->base = start;
    m->size = (uint32_t)(end - start);
}

/* A stack frame line: [NN] {address} [:] callsite [rest]. strict: no addresses allowed,
 * a frame number required (the "00 nt!KeBugCheckEx" shape used in mails). */
static bool try_frame(acc *a, const updx_line *l, const tok *t, size_t nt, bool in_stack)
{
    size_t i = 0;
    bool numbered = false;
    uint64_t v;
    if (nt >= 2 && t[0].n <= 4 && parse_addr(t[0].s, t[0].n, &v)) {
        /* a frame number is 2-4 hex digits; an 8/16-digit value is a ChildEBP/Child-SP */
        numbered = true;
        i = 1;
    }
    size_t addrs = 0;
    while (i < nt && ((t[i].n >= 8 && parse_addr(t[i].s, t[i].n, &v)) || (t[i].n == 1 && t[i].s[0] == ':'))) {
        if (t[i].s[0] != ':')
            addrs++;
        i++;
    }
    if (i >= nt)
        return false;
    if (!in_stack && (!numbered || addrs > 0))
        return false;
    if (in_stack && !numbered && addrs < 2)
        return false;
    updx_frame f;
    if (!parse_callsite(a, t[i].s, t[i].n, &f))
        return false;
    if (!in_stack && !f.module)
        return false;
    add_frame(a, l, &f);
    return true;
}

/* BlueScreenView "Key : value" fields (space before the colon). */
static bool try_bsv(acc *a, const updx_line *l, const char *s, size_t n)
{
    const char *colon = memchr(s, ':', n);
    if (!colon || colon == s || colon[-1] != ' ')
        return false;
    size_t kn = (size_t)(colon - s);
    const char *k = updx_trim(s, &kn);
    size_t vn = n - (size_t)(colon + 1 - s);
    const char *v = updx_trim(colon + 1, &vn);
    static const char *const keys[] = {"Dump File", "Bug Check Code", "Bug Check String", "Parameter 1",
                                       "Parameter 2", "Parameter 3", "Parameter 4", "Parameters",
                                       "Caused By Driver", "Caused By Address", "Crash Address",
                                       "Processor", "Minor Version", "Processors Count", "Full Path"};
    int key = -1;
    for (int i = 0; i < (int)(sizeof keys / sizeof *keys); i++)
        if (kn == strlen(keys[i]) && updx_strncasecmp(k, keys[i], kn) == 0)
            key = i;
    if (key < 0)
        return false;
    uint64_t x;
    if (key == 0) { /* Dump File starts a record */
        flush(a);
        ensure(a, l, UPDX_CRASH_TOOL_EXPORT);
        a->bsv = true;
        return true;
    }
    if (key == 1) {
        if (!parse_addr(v, vn, &x) || x > UINT32_MAX)
            return true;
        if (a->bsv && a->cr && a->cr->has_bugcheck)
            flush(a);
        set_bugcheck(a, l, (uint32_t)x, UPDX_CRASH_TOOL_EXPORT);
        a->bsv = true;
        if (a->cr)
            a->cr->origin = UPDX_CRASH_TOOL_EXPORT;
        return true;
    }
    updx_crash *cr = ensure(a, l, UPDX_CRASH_TOOL_EXPORT);
    if (!cr)
        return true;
    a->bsv = true;
    cr->origin = UPDX_CRASH_TOOL_EXPORT;
    if (key >= 3 && key <= 6) {
        tok t[2];
        if (split(v, vn, t, 2) >= 1 && parse_addr(t[0].s, t[0].n, &x))
            cr->params[key - 3] = x;
    } else if (key == 7) {
        /* "ffffffff`c0000005 , fffff800`02099054 , ..." */
        tok t[MAX_TOKENS];
        size_t nt = split(v, vn, t, MAX_TOKENS);
        int p = 0;
        for (size_t i = 0; i < nt && p < 4; i++)
            if (parse_addr(t[i].s, t[i].n, &x))
                cr->params[p++] = x;
    } else if (key == 8 && vn) {
        a->bsv_driver = dup_token(a, v, vn);
    } else if (key == 10 && vn) {
        updx_frame f;
        if (!a->has_fault && parse_callsite(a, v, vn, &f) && f.module) {
            a->has_fault = true;
            a->fault = f;
            a->fault_source = "BlueScreenView crash address";
        }
    } else if (key == 11) {
        if (starts_ci(v, vn, "x64"))
            cr->machine = "x64";
        else if (starts_ci(v, vn, "x86") || starts_ci(v, vn, "32-bit"))
            cr->machine = "x86";
        else if (starts_ci(v, vn, "arm64"))
            cr->machine = "arm64";
    } else if (key == 12) {
        set_build(a, l, v, vn, 0);
    }
    return true;
}

/* "KEY:  value" lines of !analyze -v. Returns true when the line was such a key. */
static bool try_key(acc *a, const updx_line *l, const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && ((s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= '0' && s[k] <= '9') || s[k] == '_'))
        k++;
    if (k < 3 || k >= n || s[k] != ':' || !(s[0] >= 'A' && s[0] <= 'Z'))
        return false;
    size_t vn = n - k - 1;
    const char *v = updx_trim(s + k + 1, &vn);
    uint64_t x;
    tok t[4];
#define KEY(name) (k == sizeof(name) - 1 && memcmp(s, name, k) == 0)
    if (KEY("BUGCHECK_CODE")) {
        if (parse_addr(v, vn, &x) && x <= UINT32_MAX)
            set_bugcheck(a, l, (uint32_t)x, UPDX_CRASH_DEBUGGER_TEXT);
    } else if (k == 11 && memcmp(s, "BUGCHECK_P", 10) == 0 && s[10] >= '1' && s[10] <= '4') {
        if (parse_addr(v, vn, &x)) {
            updx_crash *cr = ensure(a, l, UPDX_CRASH_DEBUGGER_TEXT);
            if (cr)
                cr->params[s[10] - '1'] = x;
        }
    } else if (KEY("IMAGE_NAME")) {
        if (vn) {
            ensure(a, l, UPDX_CRASH_DEBUGGER_TEXT);
            a->image_name = dup_token(a, v, vn);
            if (updx_memcasemem(v, vn, "wrong.symbols", 13))
                a->wrong_symbols = true;
        }
    } else if (KEY("MODULE_NAME")) {
        if (vn) {
            ensure(a, l, UPDX_CRASH_DEBUGGER_TEXT);
            a->module_name = dup_token(a, v, vn);
            if (updx_memcasemem(v, vn, "wrong_symbols", 13))
                a->wrong_symbols = true;
        }
    } else if (KEY("FAILURE_BUCKET_ID") || (KEY("BUCKET_ID") && a->cr && !a->cr->failure_bucket)) {
        updx_crash *cr = ensure(a, l, UPDX_CRASH_DEBUGGER_TEXT);
        if (cr && vn)
            cr->failure_bucket = dup_token(a, v, vn);
        if (starts_ci(v, vn, "WRONG_SYMBOLS"))
            a->wrong_symbols = true;
    } else if (KEY("EXCEPTION_STR")) {
        if (starts_ci(v, vn, "WRONG_SYMBOLS"))
            a->wrong_symbols = true;
    } else if (KEY("FAULTING_IP")) {
        updx_frame f;
        if (vn && split(v, vn, t, 1) == 1 && parse_callsite(a, t[0].s, t[0].n, &f) && f.module) {
            a->has_fault = true;
            a->fault = f;
            a->fault_source = "FAULTING_IP";
        } else {
            a->want_faulting_ip = vn == 0;
        }
    } else if (KEY("STACK_TEXT")) {
        ensure(a, l, UPDX_CRASH_DEBUGGER_TEXT);
        a->ignore_stack = a->stack_taken;
        a->stack_taken = true;
        a->mode = ST_STACK_TEXT;
        return true;
    } else if (KEY("OS_VERSION")) {
        set_build(a, l, v, vn, 2);
    } else if (KEY("BUILD_VERSION_STRING")) {
        set_build(a, l, v, vn, 0);
    } else if (KEY("OSPLATFORM_TYPE")) {
        updx_crash *cr = ensure(a, l, UPDX_CRASH_DEBUGGER_TEXT);
        if (cr && starts_ci(v, vn, "x64"))
            cr->machine = "x64";
        else if (cr && starts_ci(v, vn, "x86"))
            cr->machine = "x86";
        else if (cr && starts_ci(v, vn, "arm64"))
            cr->machine = "arm64";
    }
#undef KEY
    a->mode = ST_NONE;
    return true;
}

static void handle_line(acc *a, const updx_line *l)
{
    size_t n = l->len;
    const char *s = updx_trim(l->text, &n);
    if (n == 0) {
        if (a->mode != ST_STACK_TEXT || (a->cr && a->cr->frames.len))
            a->mode = ST_NONE;
        return;
    }
    tok t[MAX_TOKENS];
    size_t nt = split(s, n, t, MAX_TOKENS);
    uint64_t x, p[4];

    if (a->want_faulting_ip) {
        a->want_faulting_ip = false;
        updx_frame f;
        if (nt >= 1 && parse_callsite(a, t[0].s, t[0].n, &f) && f.module) {
            a->has_fault = true;
            a->fault = f;
            a->fault_source = "FAULTING_IP";
            return;
        }
    }

    /* System event 1001 / WER: one self-contained crash per line */
    const char *ev = updx_memcasemem(s, n, "rebooted from a bugcheck", 24);
    if (ev) {
        const char *was = updx_memcasemem(s, n, "bugcheck was:", 13);
        if (was) {
            size_t rest = n - (size_t)(was + 13 - s);
            tok bt[1];
            if (split(was + 13, rest, bt, 1) == 1 && parse_addr(bt[0].s, bt[0].n, &x) && x <= UINT32_MAX) {
                flush(a);
                set_bugcheck(a, l, (uint32_t)x, UPDX_CRASH_EVENT_LOG);
                int k = parse_param_list(was, rest + 13, p);
                for (int i = 0; a->cr && i < k; i++)
                    a->cr->params[i] = p[i];
                flush(a);
            }
        }
        return;
    }
    /* zh-CN System event 1001: "计算机已经从检测错误后重新启动。检测错误: 0x0000007e (...)" */
    const char *zh = strstr(s, "\xe6\xa3\x80\xe6\xb5\x8b\xe9\x94\x99\xe8\xaf\xaf"); /* 检测错误 */
    if (zh && strstr(s, "\xe9\x87\x8d\xe6\x96\xb0\xe5\x90\xaf\xe5\x8a\xa8")) { /* 重新启动 */
        const char *hex = strstr(zh, "0x");
        size_t rest = hex ? n - (size_t)(hex - s) : 0;
        tok bt[1];
        if (hex && split(hex, rest, bt, 1) == 1 && parse_addr(bt[0].s, bt[0].n, &x) && x <= UINT32_MAX) {
            flush(a);
            set_bugcheck(a, l, (uint32_t)x, UPDX_CRASH_EVENT_LOG);
            int k = parse_param_list(hex, rest, p);
            for (int i = 0; a->cr && i < k; i++)
                a->cr->params[i] = p[i];
            flush(a);
        }
        return;
    }
    /* the bug-check block Setup writes into the rollback setupact.log:
     * "SP     Crash 0x0000007E detected", "Module name           : x.sys",
     * "Bugcheck parameter 1  : 0xFFFFFFFFC0000005" */
    const char *crash = updx_memcasemem(s, n, "Crash 0x", 8);
    if (crash && updx_memcasemem(s, n, " detected", 9)) {
        size_t rest = n - (size_t)(crash + 6 - s);
        tok bt[1];
        if (split(crash + 6, rest, bt, 1) == 1 && parse_addr(bt[0].s, bt[0].n, &x) && x <= UINT32_MAX) {
            flush(a);
            set_bugcheck(a, l, (uint32_t)x, UPDX_CRASH_ROLLBACK_LOG);
            a->rollback = true;
        }
        return;
    }
    if (a->rollback) {
        const char *mn = updx_memcasemem(s, n, "Module name", 11);
        const char *bp = updx_memcasemem(s, n, "Bugcheck parameter ", 19);
        const char *colon = mn || bp ? memchr(mn ? mn : bp, ':', n - (size_t)((mn ? mn : bp) - s)) : NULL;
        if (colon) {
            size_t vn = n - (size_t)(colon + 1 - s);
            const char *v = updx_trim(colon + 1, &vn);
            if (mn && vn) {
                a->rollback_module = dup_token(a, v, vn);
            } else if (bp && bp[19] >= '1' && bp[19] <= '4' && parse_addr(v, vn, &x) && a->cr) {
                a->cr->params[bp[19] - '1'] = x;
            }
            return;
        }
        a->rollback = false; /* the block is contiguous; anything else ends it */
    }
    /* WhoCrashed */
    if (updx_memcasemem(s, n, "your computer crashed", 21)) {
        flush(a);
        ensure(a, l, UPDX_CRASH_TOOL_EXPORT);
        return;
    }
    const char *wc = updx_memcasemem(s, n, "probably caused by the following module:", 40);
    if (wc) {
        size_t rest = n - (size_t)(wc + 40 - s);
        tok mt[1];
        if (split(wc + 40, rest, mt, 1) == 1) {
            updx_crash *cr = ensure(a, l, UPDX_CRASH_TOOL_EXPORT);
            if (cr)
                cr->origin = UPDX_CRASH_TOOL_EXPORT;
            a->whocrashed = dup_token(a, mt[0].s, mt[0].n);
        }
        return;
    }
    if (starts_ci(s, n, "Bugcheck code:")) {
        tok bt[1];
        if (split(s + 14, n - 14, bt, 1) == 1 && parse_addr(bt[0].s, bt[0].n, &x) && x <= UINT32_MAX) {
            set_bugcheck(a, l, (uint32_t)x, UPDX_CRASH_TOOL_EXPORT);
            int k = parse_param_list(s, n, p);
            for (int i = 0; a->cr && i < k; i++)
                a->cr->params[i] = p[i];
        }
        return;
    }
    /* kd banner */
    if (starts_ci(s, n, "Loading Dump File")) {
        flush(a);
        ensure(a, l, UPDX_CRASH_DEBUGGER_TEXT);
        return;
    }
    const char *kv = updx_memcasemem(s, n, "Kernel Version ", 15);
    if (kv && updx_memcasemem(s, n, "Windows", 7)) {
        size_t rest = n - (size_t)(kv + 15 - s);
        set_build(a, l, kv + 15, rest, 0);
        if (a->cr) {
            if (updx_memcasemem(s, n, " x64", 4) || updx_memcasemem(s, n, "AMD64", 5))
                a->cr->machine = "x64";
            else if (updx_memcasemem(s, n, " x86", 4))
                a->cr->machine = "x86";
            else if (updx_memcasemem(s, n, "ARM64", 5))
                a->cr->machine = "arm64";
        }
        return;
    }
    if (starts_ci(s, n, "Built by:")) {
        size_t rest = n - 9;
        const char *v = updx_trim(s + 9, &rest);
        if (!a->cr || !a->cr->os_build)
            set_build(a, l, v, rest, 0);
        return;
    }
    if (updx_memcasemem(s, n, "Bugcheck Analysis", 17)) {
        if (a->cr && a->cr->has_bugcheck && (a->image_name || a->cr->frames.len))
            flush(a);
        return;
    }
    /* "BugCheck 7E, {a, b, c, d}" */
    if (nt >= 2 && t[0].n == 8 && memcmp(t[0].s, "BugCheck", 8) == 0 &&
        parse_addr(t[1].s, t[1].n, &x) && x <= UINT32_MAX) {
        set_bugcheck(a, l, (uint32_t)x, UPDX_CRASH_DEBUGGER_TEXT);
        int k = parse_param_list(s, n, p);
        for (int i = 0; a->cr && i < k; i++)
            a->cr->params[i] = p[i];
        return;
    }
    const char *pc = updx_memcasemem(s, n, "Probably caused by", 18);
    if (pc) {
        const char *colon = memchr(pc, ':', n - (size_t)(pc - s));
        if (colon) {
            tok mt[1];
            if (split(colon + 1, n - (size_t)(colon + 1 - s), mt, 1) == 1) {
                ensure(a, l, UPDX_CRASH_DEBUGGER_TEXT);
                a->probably = dup_token(a, mt[0].s, mt[0].n);
            }
        }
        return;
    }
    /* "Arg1: ffffffffc0000005, The exception code" */
    if (n > 6 && memcmp(s, "Arg", 3) == 0 && s[3] >= '1' && s[3] <= '4' && s[4] == ':') {
        if (nt >= 2 && parse_addr(t[1].s, t[1].n, &x)) {
            updx_crash *cr = ensure(a, l, UPDX_CRASH_DEBUGGER_TEXT);
            if (cr)
                cr->params[s[3] - '1'] = x;
        }
        return;
    }
    /* stack and lm headers */
    if (updx_memcasemem(s, n, "RetAddr", 7) &&
        (updx_memcasemem(s, n, "Call Site", 9) || updx_memcasemem(s, n, "Args to Child", 13) ||
         updx_memcasemem(s, n, "Child", 5))) {
        ensure(a, l, UPDX_CRASH_DEBUGGER_TEXT);
        a->ignore_stack = a->stack_taken;
        a->stack_taken = true;
        a->mode = ST_K;
        return;
    }
    if (nt >= 4 && t[0].n == 5 && memcmp(t[0].s, "start", 5) == 0 && t[1].n == 3 && memcmp(t[1].s, "end", 3) == 0) {
        a->mode = ST_LM;
        return;
    }
    /* !address output */
    if (starts_ci(s, n, "Base Address:") && nt >= 3 && parse_addr(t[2].s, t[2].n, &x)) {
        a->addr_base = x;
        return;
    }
    if (starts_ci(s, n, "End Address:") && nt >= 3 && parse_addr(t[2].s, t[2].n, &x)) {
        a->addr_end = x;
        return;
    }
    if (starts_ci(s, n, "Module name:") && nt >= 3 && a->addr_base && a->addr_end) {
        add_module(a, l, dup_token(a, t[2].s, t[2].n), a->addr_base, a->addr_end);
        a->addr_base = a->addr_end = 0;
        return;
    }
    if (a->mode == ST_LM) {
        uint64_t st, en;
        if (nt >= 3 && parse_addr(t[0].s, t[0].n, &st) && parse_addr(t[1].s, t[1].n, &en) &&
            !memchr(t[2].s, '!', t[2].n)) {
            add_module(a, l, dup_token(a, t[2].s, t[2].n), st, en);
            return;
        }
        if (starts_ci(s, n, "Image name:") && nt >= 3 && a->cr && a->cr->modules.len) {
            updx_module *m = updx_avec_at(&a->cr->modules, a->cr->modules.len - 1);
            m->name = dup_token(a, t[2].s, t[2].n);
            return;
        }
        if (nt && (t[0].n < 2 || t[0].s[t[0].n - 1] != ':'))
            a->mode = ST_NONE;
        else
            return;
    }
    if (try_key(a, l, s, n))
        return;
    if (try_bsv(a, l, s, n))
        return;
    /* "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED (7e)", also "### NAME (d4)" in Markdown */
    {
        size_t m = n;
        const char *q = s;
        while (m && (*q == '#' || *q == ' ')) {
            q++;
            m--;
        }
        tok nt2[3];
        size_t k = split(q, m, nt2, 3);
        if (k == 2 && nt2[1].n >= 3 && nt2[1].s[0] == '(' && nt2[1].s[nt2[1].n - 1] == ')' &&
            memchr(nt2[0].s, '_', nt2[0].n)) {
            bool upper = true;
            for (size_t i = 0; i < nt2[0].n; i++)
                if (!((nt2[0].s[i] >= 'A' && nt2[0].s[i] <= 'Z') || nt2[0].s[i] == '_' ||
                      (nt2[0].s[i] >= '0' && nt2[0].s[i] <= '9')))
                    upper = false;
            /* a known code, or a long NAME_LIKE_THIS: keeps "FLAG_X (1)" in logs out */
            if (upper && parse_addr(nt2[1].s + 1, nt2[1].n - 2, &x) && x <= UINT32_MAX &&
                (updx_bugcheck_find((uint32_t)x) || nt2[0].n >= 16)) {
                set_bugcheck(a, l, (uint32_t)x, UPDX_CRASH_DEBUGGER_TEXT);
                return;
            }
        }
    }
    bool in_stack = a->mode == ST_K || a->mode == ST_STACK_TEXT;
    if (in_stack && a->ignore_stack)
        return;
    if (try_frame(a, l, t, nt, in_stack)) {
        if (!in_stack) {
            /* a bare "NN module!func" stack in a mail: keep collecting, one stack per crash */
            if (!a->stack_taken)
                a->stack_taken = true;
        }
        return;
    }
    if (in_stack && a->mode == ST_K)
        a->mode = ST_NONE;
}

struct updx_dbgtext {
    acc a;
};

updx_dbgtext *updx_dbgtext_begin(updx_case *c, const char *member)
{
    if (!c)
        return NULL;
    updx_dbgtext *d = updx_arena_alloc(&c->arena, sizeof *d);
    if (!d)
        return NULL;
    d->a.c = c;
    d->a.member = updx_arena_strdup(&c->arena, member ? member : "");
    return d;
}

void updx_dbgtext_line(updx_dbgtext *d, const updx_line *line)
{
    if (d && line && line->text)
        handle_line(&d->a, line);
}

int updx_dbgtext_end(updx_dbgtext *d)
{
    if (!d)
        return UPDX_ERR_ARG;
    flush(&d->a);
    return d->a.added;
}

int updx_dbgtext_parse(updx_case *c, const char *member, updx_text *t)
{
    if (!c || !t)
        return UPDX_ERR_ARG;
    updx_dbgtext *d = updx_dbgtext_begin(c, member);
    if (!d)
        return UPDX_ERR_NOMEM;
    updx_line l;
    int rc;
    while ((rc = updx_text_next(t, &l)) > 0)
        updx_dbgtext_line(d, &l);
    int added = updx_dbgtext_end(d);
    return rc < 0 ? rc : added;
}

int updx_dbgtext_parse_mem(updx_case *c, const char *member, const void *data, size_t len)
{
    return updx_case_read_text_mem(c, member, data, len, updx_dbgtext_parse);
}
