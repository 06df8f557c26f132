/*
 * regf_writer.c: writes Windows registry hive files (see regf_writer.h).
 *
 * Written from the public format descriptions (libyal's "Windows NT Registry File (REGF)
 * format" and Maxim Suhanov's "Windows registry file format specification"). All offsets
 * in cells are relative to the start of the hive bins data, which follows the 4096-byte
 * base block. Cells are 8-byte aligned, carry a negative size when allocated, never cross a
 * bin, and the unused tail of each bin is one free (positive size) cell.
 *
 * The tree is kept with every key's children sorted, so lookups are a binary search and
 * serialising needs no sort. Cells are laid out depth first: a key's nk, its sk (root
 * only), its values and value list, its subkeys, then its subkey list; the nk is patched
 * once the offsets below it are known.
 */
#include "regf_writer.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    BASE_BLOCK = 4096,
    BIN_HEADER = 32,
    BIN_ALIGN = 4096,
    NK_FIXED = 76,                   /* bytes of an nk record before its name */
    VK_FIXED = 20,                   /* bytes of a vk record before its name */
    KEY_HIVE_ENTRY = 0x0004,
    KEY_NO_DELETE = 0x0008,
    KEY_COMP_NAME = 0x0020,
    VALUE_COMP_NAME = 0x0001,
};

/* 2021-03-15 00:00:00 UTC as a FILETIME: every timestamp, so output is reproducible. */
#define REGF_FIXED_FILETIME UINT64_C(132602400000000000)
#define REGF_NO_CELL UINT32_C(0xFFFFFFFF)

typedef struct rw_name {
    char *utf8;
    uint16_t *u16;   /* UTF-16 code units, not terminated */
    size_t n16;
    bool ascii;      /* every unit < 0x80: written compressed, one byte a character */
} rw_name;

typedef struct rw_value {
    rw_name name;
    uint32_t type;
    unsigned char *data;
    size_t len;
} rw_value;

typedef struct rw_key rw_key;
struct rw_key {
    rw_name name;
    rw_key **children;   /* sorted by regf_compare_names */
    size_t nchildren, cap_children;
    rw_value *values;    /* in the order they were first set, as regedit shows them */
    size_t nvalues, cap_values;
};

struct regf_writer {
    rw_key *root;
    size_t nkeys;
    regf_list_kind list_kind;
    char error[200];
};

/* ---- names ---- */

/*
 * Windows compares and hashes names after RtlUpcaseUnicodeChar. This covers ASCII,
 * Latin-1, Latin Extended-A, Greek, Cyrillic and fullwidth Latin, which is what tests and
 * examples use; other characters are left as they are (a name using them still round-trips,
 * only its sort position and hash may differ from what Windows would compute).
 */
uint16_t regf_upcase16(uint16_t c)
{
    if (c < 0x80)
        return c >= 'a' && c <= 'z' ? (uint16_t)(c - 32) : c;
    if (c >= 0xE0 && c <= 0xFE && c != 0xF7)
        return (uint16_t)(c - 32);
    if (c == 0xFF)
        return 0x178;
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177))
        return (uint16_t)(c & ~1u);   /* upper case even, lower case odd */
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
        return (c & 1u) ? c : (uint16_t)(c - 1);   /* upper case odd, lower case even */
    if (c >= 0x3B1 && c <= 0x3CB && c != 0x3C2)
        return (uint16_t)(c - 32);
    if (c == 0x3C2)
        return 0x3A3;   /* final sigma */
    if (c >= 0x430 && c <= 0x44F)
        return (uint16_t)(c - 32);
    if (c >= 0x450 && c <= 0x45F)
        return (uint16_t)(c - 80);
    if (c >= 0xFF41 && c <= 0xFF5A)
        return (uint16_t)(c - 32);
    return c;
}

/* Strict UTF-8 to UTF-16: no overlongs, surrogates or code points past U+10FFFF. Returns
 * the number of units (also when out is NULL, to size a buffer) or -1. */
static long utf8_to_utf16(const char *s, uint16_t *out)
{
    const unsigned char *p = (const unsigned char *)s;
    long n = 0;
    while (*p) {
        uint32_t cp;
        int more;
        if (*p < 0x80) {
            cp = *p;
            more = 0;
        } else if ((*p & 0xE0) == 0xC0) {
            cp = *p & 0x1Fu;
            more = 1;
        } else if ((*p & 0xF0) == 0xE0) {
            cp = *p & 0x0Fu;
            more = 2;
        } else if ((*p & 0xF8) == 0xF0) {
            cp = *p & 0x07u;
            more = 3;
        } else {
            return -1;
        }
        p++;
        for (int i = 0; i < more; i++, p++) {
            if ((*p & 0xC0) != 0x80)
                return -1;
            cp = cp << 6 | (*p & 0x3Fu);
        }
        static const uint32_t min_cp[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[more] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return -1;
        if (cp >= 0x10000) {
            if (out) {
                out[n] = (uint16_t)(0xD800 + ((cp - 0x10000) >> 10));
                out[n + 1] = (uint16_t)(0xDC00 + ((cp - 0x10000) & 0x3FF));
            }
            n += 2;
        } else {
            if (out)
                out[n] = (uint16_t)cp;
            n++;
        }
    }
    return n;
}

static int compare_names(const rw_name *a, const uint16_t *b, size_t nb)
{
    size_t n = a->n16 < nb ? a->n16 : nb;
    for (size_t i = 0; i < n; i++) {
        uint16_t x = regf_upcase16(a->u16[i]), y = regf_upcase16(b[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return a->n16 < nb ? -1 : a->n16 > nb ? 1 : 0;
}

static uint32_t hash_units(const uint16_t *u, size_t n)
{
    uint32_t h = 0;
    for (size_t i = 0; i < n; i++)
        h = h * 37u + regf_upcase16(u[i]);
    return h;
}

uint32_t regf_name_hash(const char *utf8_name)
{
    long n = utf8_to_utf16(utf8_name, NULL);
    if (n <= 0)
        return 0;
    uint16_t *u = malloc((size_t)n * sizeof *u);
    if (!u)
        return 0;
    utf8_to_utf16(utf8_name, u);
    uint32_t h = hash_units(u, (size_t)n);
    free(u);
    return h;
}

/* ---- the tree ---- */

static int fail(regf_writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(regf_writer *w, const char *fmt, ...)
{
    if (!w->error[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->error, sizeof w->error, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static void name_free(rw_name *n)
{
    free(n->utf8);
    free(n->u16);
}

/* Fills *out from len bytes of UTF-8 at s; max = the cap in UTF-16 units. */
static int name_init(regf_writer *w, rw_name *out, const char *s, size_t len, size_t max,
                     const char *what)
{
    memset(out, 0, sizeof *out);
    out->utf8 = malloc(len + 1);
    if (!out->utf8)
        return fail(w, "out of memory");
    memcpy(out->utf8, s, len);
    out->utf8[len] = '\0';
    long n = utf8_to_utf16(out->utf8, NULL);
    if (n < 0 || strlen(out->utf8) != len) {
        name_free(out);
        return fail(w, "%s is not valid UTF-8", what);
    }
    if ((size_t)n > max) {
        name_free(out);
        return fail(w, "%s is longer than %zu UTF-16 units", what, max);
    }
    out->u16 = malloc(((size_t)n + 1) * sizeof *out->u16);
    if (!out->u16) {
        name_free(out);
        return fail(w, "out of memory");
    }
    out->n16 = (size_t)utf8_to_utf16(out->utf8, out->u16);
    out->ascii = true;
    for (size_t i = 0; i < out->n16; i++)
        if (out->u16[i] >= 0x80)
            out->ascii = false;
    return 0;
}

static void key_free(rw_key *k)
{
    if (!k)
        return;
    for (size_t i = 0; i < k->nchildren; i++)
        key_free(k->children[i]);
    for (size_t i = 0; i < k->nvalues; i++) {
        name_free(&k->values[i].name);
        free(k->values[i].data);
    }
    free(k->children);
    free(k->values);
    name_free(&k->name);
    free(k);
}

regf_writer *regf_writer_new(const char *root_name)
{
    regf_writer *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->root = calloc(1, sizeof *w->root);
    const char *rn = root_name && *root_name ? root_name : "ROOT";
    if (!w->root ||
        name_init(w, &w->root->name, rn, strlen(rn), REGF_MAX_KEY_NAME, "the root key name") != 0) {
        free(w->root);
        free(w);
        return NULL;
    }
    w->nkeys = 1;
    return w;
}

void regf_writer_free(regf_writer *w)
{
    if (!w)
        return;
    key_free(w->root);
    free(w);
}

void regf_writer_set_list_kind(regf_writer *w, regf_list_kind kind)
{
    if (w)
        w->list_kind = kind;
}

const char *regf_writer_error(const regf_writer *w)
{
    return w ? w->error : "no writer";
}

/* The child of k named by name (index in *at), or NULL with *at = where it would go. */
static rw_key *find_child(rw_key *k, const rw_name *name, size_t *at)
{
    size_t lo = 0, hi = k->nchildren;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = compare_names(&k->children[mid]->name, name->u16, name->n16);
        if (c == 0) {
            *at = mid;
            return k->children[mid];
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *at = lo;
    return NULL;
}

/* The key at path, created with its ancestors when missing; NULL on error. */
static rw_key *get_key(regf_writer *w, const char *path)
{
    if (w->error[0])
        return NULL;
    if (!path)
        return fail(w, "no key path"), NULL;
    rw_key *k = w->root;
    const char *p = path;
    if (*p == '\\')
        p++;
    unsigned depth = 0;
    while (*p) {
        const char *e = strchr(p, '\\');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == 0)
            return fail(w, "empty key name in path %.100s", path), NULL;
        if (++depth > REGF_MAX_DEPTH)
            return fail(w, "path deeper than %d keys: %.80s", REGF_MAX_DEPTH, path), NULL;
        rw_name name;
        if (name_init(w, &name, p, len, REGF_MAX_KEY_NAME, "a key name") != 0)
            return NULL;
        size_t at;
        rw_key *child = find_child(k, &name, &at);
        if (child) {
            name_free(&name);
        } else {
            if (w->nkeys >= REGF_MAX_KEYS) {
                name_free(&name);
                return fail(w, "more than %d keys", REGF_MAX_KEYS), NULL;
            }
            if (k->nchildren == k->cap_children) {
                size_t cap = k->cap_children ? k->cap_children * 2 : 4;
                rw_key **grown = realloc(k->children, cap * sizeof *grown);
                if (!grown) {
                    name_free(&name);
                    return fail(w, "out of memory"), NULL;
                }
                k->children = grown;
                k->cap_children = cap;
            }
            child = calloc(1, sizeof *child);
            if (!child) {
                name_free(&name);
                return fail(w, "out of memory"), NULL;
            }
            child->name = name;
            memmove(k->children + at + 1, k->children + at,
                    (k->nchildren - at) * sizeof *k->children);
            k->children[at] = child;
            k->nchildren++;
            w->nkeys++;
        }
        k = child;
        p += len;
        if (*p == '\\')
            p++;
    }
    return k;
}

int regf_add_key(regf_writer *w, const char *path)
{
    if (!w)
        return -1;
    return get_key(w, path) ? 0 : -1;
}

int regf_set_value(regf_writer *w, const char *path, const char *name, uint32_t type,
                   const void *data, size_t len)
{
    if (!w)
        return -1;
    rw_key *k = get_key(w, path);
    if (!k)
        return -1;
    if (len > REGF_MAX_VALUE_DATA)
        return fail(w, "value data of %zu bytes is over %d", len, REGF_MAX_VALUE_DATA);
    if (len && !data)
        return fail(w, "no value data");
    rw_name vn;
    const char *nm = name ? name : "";
    if (name_init(w, &vn, nm, strlen(nm), REGF_MAX_VALUE_NAME, "a value name") != 0)
        return -1;
    unsigned char *copy = malloc(len ? len : 1);
    if (!copy) {
        name_free(&vn);
        return fail(w, "out of memory");
    }
    if (len)
        memcpy(copy, data, len);
    for (size_t i = 0; i < k->nvalues; i++) {
        rw_value *v = &k->values[i];
        if (compare_names(&v->name, vn.u16, vn.n16) == 0) {
            name_free(&vn);   /* keeps the first spelling, as the registry does */
            free(v->data);
            v->type = type;
            v->data = copy;
            v->len = len;
            return 0;
        }
    }
    if (k->nvalues >= REGF_MAX_VALUES_PER_KEY) {
        name_free(&vn);
        free(copy);
        return fail(w, "more than %d values under one key", REGF_MAX_VALUES_PER_KEY);
    }
    if (k->nvalues == k->cap_values) {
        size_t cap = k->cap_values ? k->cap_values * 2 : 4;
        rw_value *grown = realloc(k->values, cap * sizeof *grown);
        if (!grown) {
            name_free(&vn);
            free(copy);
            return fail(w, "out of memory");
        }
        k->values = grown;
        k->cap_values = cap;
    }
    rw_value *v = &k->values[k->nvalues++];
    v->name = vn;
    v->type = type;
    v->data = copy;
    v->len = len;
    return 0;
}

/* Appends the UTF-16LE form of s and its NUL to buf at *used (buf NULL: only counts). */
static int put_utf16_string(regf_writer *w, const char *s, unsigned char *buf, size_t *used)
{
    long n = utf8_to_utf16(s ? s : "", NULL);
    if (n < 0)
        return fail(w, "a string value is not valid UTF-8");
    if (buf) {
        uint16_t *u = malloc(((size_t)n + 1) * sizeof *u);
        if (!u)
            return fail(w, "out of memory");
        utf8_to_utf16(s ? s : "", u);
        u[n] = 0;
        for (long i = 0; i <= n; i++) {
            buf[*used + 2 * (size_t)i] = (unsigned char)(u[i] & 0xFF);
            buf[*used + 2 * (size_t)i + 1] = (unsigned char)(u[i] >> 8);
        }
        free(u);
    }
    *used += 2 * ((size_t)n + 1);
    return 0;
}

static int set_strings(regf_writer *w, const char *path, const char *name, uint32_t type,
                       const char *const *strings, size_t count)
{
    if (!w)
        return -1;
    if (w->error[0])
        return -1;
    if (count > REGF_MAX_VALUE_DATA / 2)
        return fail(w, "too many strings in a value");
    size_t need = 0;
    for (size_t i = 0; i < count; i++) {
        if (put_utf16_string(w, strings[i], NULL, &need) != 0)
            return -1;
        if (need > REGF_MAX_VALUE_DATA)
            return fail(w, "string value over %d bytes", REGF_MAX_VALUE_DATA);
    }
    if (type == REGF_MULTI_SZ)
        need += 2;   /* the empty string that ends the list */
    unsigned char *buf = calloc(1, need ? need : 1);
    if (!buf)
        return fail(w, "out of memory");
    size_t used = 0;
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++)
        rc = put_utf16_string(w, strings[i], buf, &used);
    if (rc == 0)
        rc = regf_set_value(w, path, name, type, buf, need);
    free(buf);
    return rc;
}

int regf_set_sz(regf_writer *w, const char *path, const char *name, const char *value)
{
    return set_strings(w, path, name, REGF_SZ, &value, 1);
}

int regf_set_expand_sz(regf_writer *w, const char *path, const char *name, const char *value)
{
    return set_strings(w, path, name, REGF_EXPAND_SZ, &value, 1);
}

int regf_set_multi_sz(regf_writer *w, const char *path, const char *name,
                      const char *const *strings, size_t count)
{
    if (count && !strings)
        return w ? fail(w, "no strings") : -1;
    return set_strings(w, path, name, REGF_MULTI_SZ, strings, count);
}

int regf_set_dword(regf_writer *w, const char *path, const char *name, uint32_t value)
{
    unsigned char b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (unsigned char)(value >> (8 * i));
    return regf_set_value(w, path, name, REGF_DWORD, b, sizeof b);
}

int regf_set_qword(regf_writer *w, const char *path, const char *name, uint64_t value)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)(value >> (8 * i));
    return regf_set_value(w, path, name, REGF_QWORD, b, sizeof b);
}

int regf_set_binary(regf_writer *w, const char *path, const char *name, const void *data,
                    size_t len)
{
    return regf_set_value(w, path, name, REGF_BINARY, data, len);
}

/* ---- serialising ---- */

typedef struct rw_out {
    regf_writer *w;
    unsigned char *buf;    /* the hive bins data (file offset - 4096) */
    size_t len, cap;
    size_t bin_end;        /* end of the bin being filled */
    uint32_t sk;           /* the one security cell */
    bool failed;
} rw_out;

static void put16(rw_out *o, size_t at, uint16_t v)
{
    o->buf[at] = (unsigned char)v;
    o->buf[at + 1] = (unsigned char)(v >> 8);
}

static void put32(rw_out *o, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        o->buf[at + (size_t)i] = (unsigned char)(v >> (8 * i));
}

static void put64(rw_out *o, size_t at, uint64_t v)
{
    put32(o, at, (uint32_t)v);
    put32(o, at + 4, (uint32_t)(v >> 32));
}

static bool reserve(rw_out *o, size_t total)
{
    if (total > REGF_MAX_HIVE - BASE_BLOCK) {
        fail(o->w, "hive over %d bytes", REGF_MAX_HIVE);
        return false;
    }
    if (total <= o->cap)
        return true;
    size_t cap = o->cap ? o->cap : 64 * 1024;
    while (cap < total)
        cap *= 2;
    unsigned char *grown = realloc(o->buf, cap);
    if (!grown) {
        fail(o->w, "out of memory");
        return false;
    }
    memset(grown + o->cap, 0, cap - o->cap);
    o->buf = grown;
    o->cap = cap;
    return true;
}

/* Ends the current bin: its unused tail becomes one free cell. */
static void close_bin(rw_out *o)
{
    if (o->bin_end > o->len) {
        put32(o, o->len, (uint32_t)(o->bin_end - o->len));
        o->len = o->bin_end;
    }
}

/* A new allocated cell with room for `payload` bytes; returns its offset (the payload starts
 * 4 bytes further), or 0 on failure (no cell can start at 0: the first bin's header is there). */
static uint32_t cell_alloc(rw_out *o, size_t payload)
{
    if (o->failed)
        return 0;
    size_t need = (payload + 4 + 7) & ~(size_t)7;
    if (o->bin_end - o->len < need) {
        close_bin(o);
        size_t bin_size = (need + BIN_HEADER + BIN_ALIGN - 1) / BIN_ALIGN * BIN_ALIGN;
        if (!reserve(o, o->len + bin_size)) {
            o->failed = true;
            return 0;
        }
        memcpy(o->buf + o->len, "hbin", 4);
        put32(o, o->len + 4, (uint32_t)o->len);
        put32(o, o->len + 8, (uint32_t)bin_size);
        if (o->len == 0)
            put64(o, o->len + 20, REGF_FIXED_FILETIME);   /* the first bin's copy of it */
        o->bin_end = o->len + bin_size;
        o->len += BIN_HEADER;
    }
    uint32_t at = (uint32_t)o->len;
    put32(o, at, (uint32_t)-(int32_t)need);
    o->len += need;
    return at;
}

static void put_name(rw_out *o, size_t at, const rw_name *n)
{
    for (size_t i = 0; i < n->n16; i++) {
        if (n->ascii)
            o->buf[at + i] = (unsigned char)n->u16[i];
        else
            put16(o, at + 2 * i, n->u16[i]);
    }
}

static size_t name_bytes(const rw_name *n)
{
    return n->ascii ? n->n16 : 2 * n->n16;
}

/* A self-relative security descriptor: owner Administrators, group SYSTEM, a DACL giving
 * SYSTEM and Administrators full control and Users read access, inherited by subkeys.
 * Returns its size; writes it when out is not NULL. */
static size_t security_descriptor(unsigned char *out)
{
    enum { KEY_ALL_ACCESS = 0xF003F, KEY_READ = 0x20019, CONTAINER_INHERIT_ACE = 0x02 };
    static const unsigned char sid_system[] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
    static const unsigned char sid_admins[] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0};
    static const unsigned char sid_users[] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x21, 2, 0, 0};
    static const struct { const unsigned char *sid; size_t len; uint32_t mask; } aces[] = {
        {sid_system, sizeof sid_system, KEY_ALL_ACCESS},
        {sid_admins, sizeof sid_admins, KEY_ALL_ACCESS},
        {sid_users, sizeof sid_users, KEY_READ},
    };
    unsigned char b[256];
    memset(b, 0, sizeof b);
    size_t at = 20;                  /* after the header: the DACL */
    size_t acl = at;
    at += 8;
    for (size_t i = 0; i < 3; i++) {
        size_t ace_size = 8 + aces[i].len;
        b[at] = 0;                   /* ACCESS_ALLOWED_ACE_TYPE */
        b[at + 1] = CONTAINER_INHERIT_ACE;
        b[at + 2] = (unsigned char)ace_size;
        for (int j = 0; j < 4; j++)
            b[at + 4 + (size_t)j] = (unsigned char)(aces[i].mask >> (8 * j));
        memcpy(b + at + 8, aces[i].sid, aces[i].len);
        at += ace_size;
    }
    b[acl] = 2;                      /* ACL_REVISION */
    b[acl + 2] = (unsigned char)(at - acl);
    b[acl + 4] = 3;                  /* ACE count */
    size_t owner = at;
    memcpy(b + at, sid_admins, sizeof sid_admins);
    at += sizeof sid_admins;
    size_t group = at;
    memcpy(b + at, sid_system, sizeof sid_system);
    at += sizeof sid_system;
    b[0] = 1;                        /* revision */
    b[2] = 0x04;                     /* SE_DACL_PRESENT */
    b[3] = 0x80;                     /* SE_SELF_RELATIVE */
    b[4] = (unsigned char)owner;
    b[8] = (unsigned char)group;
    b[16] = (unsigned char)acl;
    if (out)
        memcpy(out, b, at);
    return at;
}

static uint32_t write_sk(rw_out *o, size_t nkeys)
{
    size_t sd = security_descriptor(NULL);
    uint32_t c = cell_alloc(o, 20 + sd);
    if (!c)
        return 0;
    size_t p = c + 4;
    memcpy(o->buf + p, "sk", 2);
    put32(o, p + 4, c);              /* the only entry: flink and blink point to itself */
    put32(o, p + 8, c);
    put32(o, p + 12, (uint32_t)nkeys);
    put32(o, p + 16, (uint32_t)sd);
    security_descriptor(o->buf + p + 20);
    return c;
}

/* Data of more than 4 bytes: one cell, or a db record over 16344-byte segments. */
static uint32_t write_data(rw_out *o, const rw_value *v)
{
    if (v->len <= REGF_DB_SEGMENT) {
        uint32_t c = cell_alloc(o, v->len);
        if (c)
            memcpy(o->buf + c + 4, v->data, v->len);
        return c;
    }
    size_t nseg = (v->len + REGF_DB_SEGMENT - 1) / REGF_DB_SEGMENT;
    uint32_t db = cell_alloc(o, 8);
    uint32_t list = cell_alloc(o, 4 * nseg);
    if (!db || !list)
        return 0;
    memcpy(o->buf + db + 4, "db", 2);
    put16(o, db + 6, (uint16_t)nseg);
    put32(o, db + 8, list);
    for (size_t i = 0; i < nseg; i++) {
        size_t off = i * REGF_DB_SEGMENT;
        size_t n = v->len - off < REGF_DB_SEGMENT ? v->len - off : REGF_DB_SEGMENT;
        /* readers (hivex, libregf) take a segment's data as its cell size less 8, as in
         * the full segments Windows writes (16344 bytes in a 16352-byte cell): a segment
         * cell therefore gets 4 spare bytes */
        uint32_t seg = cell_alloc(o, n + 4);
        if (!seg)
            return 0;
        memcpy(o->buf + seg + 4, v->data + off, n);
        put32(o, list + 4 + 4 * i, seg);
    }
    return db;
}

static uint32_t write_vk(rw_out *o, const rw_value *v)
{
    uint32_t c = cell_alloc(o, VK_FIXED + name_bytes(&v->name));
    if (!c)
        return 0;
    size_t p = c + 4;
    memcpy(o->buf + p, "vk", 2);
    put16(o, p + 2, (uint16_t)name_bytes(&v->name));
    put32(o, p + 12, v->type);
    put16(o, p + 16, v->name.ascii && v->name.n16 ? VALUE_COMP_NAME : 0);
    put_name(o, p + VK_FIXED, &v->name);
    if (v->len <= 4) {
        /* small data lives in the offset field; the size's top bit says so */
        put32(o, p + 4, UINT32_C(0x80000000) | (uint32_t)v->len);
        memcpy(o->buf + p + 8, v->data, v->len);
        return c;
    }
    put32(o, p + 4, (uint32_t)v->len);
    uint32_t d = write_data(o, v);
    if (!d)
        return 0;
    put32(o, p + 8, d);
    return c;
}

/* One leaf over children [from, from+n) whose nk offsets are in offs. */
static uint32_t write_leaf(rw_out *o, const rw_key *k, const uint32_t *offs, size_t from, size_t n)
{
    regf_list_kind kind = o->w->list_kind;
    size_t each = kind == REGF_LIST_LI ? 4 : 8;
    uint32_t c = cell_alloc(o, 4 + n * each);
    if (!c)
        return 0;
    size_t p = c + 4;
    memcpy(o->buf + p, kind == REGF_LIST_LI ? "li" : kind == REGF_LIST_LF ? "lf" : "lh", 2);
    put16(o, p + 2, (uint16_t)n);
    for (size_t i = 0; i < n; i++) {
        const rw_name *nm = &k->children[from + i]->name;
        size_t e = p + 4 + i * each;
        put32(o, e, offs[from + i]);
        if (kind == REGF_LIST_LH) {
            put32(o, e + 4, hash_units(nm->u16, nm->n16));
        } else if (kind == REGF_LIST_LF) {
            /* the name's first four characters; those that need two bytes give 0 */
            for (size_t j = 0; j < 4 && j < nm->n16; j++)
                o->buf[e + 4 + j] = nm->u16[j] < 0x100 ? (unsigned char)nm->u16[j] : 0;
        }
    }
    return c;
}

static uint32_t write_subkey_list(rw_out *o, const rw_key *k, const uint32_t *offs)
{
    if (k->nchildren <= REGF_MAX_LEAF_ELEMENTS)
        return write_leaf(o, k, offs, 0, k->nchildren);
    size_t nleaves = (k->nchildren + REGF_MAX_LEAF_ELEMENTS - 1) / REGF_MAX_LEAF_ELEMENTS;
    uint32_t *leaves = malloc(nleaves * sizeof *leaves);
    if (!leaves) {
        fail(o->w, "out of memory");
        return 0;
    }
    uint32_t ri = 0;
    size_t i;
    for (i = 0; i < nleaves; i++) {
        size_t from = i * REGF_MAX_LEAF_ELEMENTS;
        size_t n = k->nchildren - from < REGF_MAX_LEAF_ELEMENTS ? k->nchildren - from
                                                                 : REGF_MAX_LEAF_ELEMENTS;
        if (!(leaves[i] = write_leaf(o, k, offs, from, n)))
            break;
    }
    if (i == nleaves && (ri = cell_alloc(o, 4 + 4 * nleaves)) != 0) {
        memcpy(o->buf + ri + 4, "ri", 2);
        put16(o, ri + 6, (uint16_t)nleaves);
        for (i = 0; i < nleaves; i++)
            put32(o, ri + 8 + 4 * i, leaves[i]);
    }
    free(leaves);
    return ri;
}

/* Writes k and everything below it; returns its nk offset, 0 on failure. */
static uint32_t write_key(rw_out *o, const rw_key *k, uint32_t parent, bool root)
{
    uint32_t nk = cell_alloc(o, NK_FIXED + name_bytes(&k->name));
    if (!nk)
        return 0;
    if (root && !(o->sk = write_sk(o, o->w->nkeys)))
        return 0;
    size_t p = nk + 4;
    uint16_t flags = (uint16_t)((root ? KEY_HIVE_ENTRY | KEY_NO_DELETE : 0) |
                                (k->name.ascii ? KEY_COMP_NAME : 0));
    memcpy(o->buf + p, "nk", 2);
    put16(o, p + 2, flags);
    put64(o, p + 4, REGF_FIXED_FILETIME);
    put32(o, p + 16, parent);
    put32(o, p + 20, (uint32_t)k->nchildren);
    put32(o, p + 28, REGF_NO_CELL);
    put32(o, p + 32, REGF_NO_CELL);
    put32(o, p + 36, (uint32_t)k->nvalues);
    put32(o, p + 40, REGF_NO_CELL);
    put32(o, p + 44, o->sk);
    put32(o, p + 48, REGF_NO_CELL);
    put16(o, p + 72, (uint16_t)name_bytes(&k->name));
    put_name(o, p + NK_FIXED, &k->name);

    /* the "largest" fields count UTF-16 bytes, whatever way the names are stored */
    uint32_t max_value_name = 0, max_data = 0, max_subkey_name = 0;
    if (k->nvalues) {
        uint32_t *voffs = malloc(k->nvalues * sizeof *voffs);
        if (!voffs) {
            fail(o->w, "out of memory");
            return 0;
        }
        size_t i;
        for (i = 0; i < k->nvalues; i++) {
            const rw_value *v = &k->values[i];
            if (!(voffs[i] = write_vk(o, v)))
                break;
            if (2 * v->name.n16 > max_value_name)
                max_value_name = (uint32_t)(2 * v->name.n16);
            if (v->len > max_data)
                max_data = (uint32_t)v->len;
        }
        uint32_t list = i == k->nvalues ? cell_alloc(o, 4 * k->nvalues) : 0;
        if (list)
            for (i = 0; i < k->nvalues; i++)
                put32(o, list + 4 + 4 * i, voffs[i]);
        free(voffs);
        if (!list)
            return 0;
        put32(o, p + 40, list);
    }
    if (k->nchildren) {
        uint32_t *offs = malloc(k->nchildren * sizeof *offs);
        if (!offs) {
            fail(o->w, "out of memory");
            return 0;
        }
        size_t i;
        for (i = 0; i < k->nchildren; i++) {
            if (!(offs[i] = write_key(o, k->children[i], nk, false)))
                break;
            if (2 * k->children[i]->name.n16 > max_subkey_name)
                max_subkey_name = (uint32_t)(2 * k->children[i]->name.n16);
        }
        uint32_t list = i == k->nchildren ? write_subkey_list(o, k, offs) : 0;
        free(offs);
        if (!list)
            return 0;
        put32(o, p + 28, list);
    }
    put32(o, p + 52, max_subkey_name);
    put32(o, p + 60, max_value_name);
    put32(o, p + 64, max_data);
    return nk;
}

unsigned char *regf_writer_save(regf_writer *w, size_t *len)
{
    if (!w || !len || w->error[0])
        return NULL;
    rw_out o;
    memset(&o, 0, sizeof o);
    o.w = w;
    /* the root's parent field points nowhere */
    uint32_t root = write_key(&o, w->root, REGF_NO_CELL, true);
    if (!root || o.failed) {
        if (!w->error[0])
            fail(w, "cannot lay out the hive");
        free(o.buf);
        return NULL;
    }
    close_bin(&o);
    unsigned char *out = calloc(1, BASE_BLOCK + o.len);
    if (!out) {
        free(o.buf);
        fail(w, "out of memory");
        return NULL;
    }
    memcpy(out + BASE_BLOCK, o.buf, o.len);
    free(o.buf);

    /* the base block, through the same helpers */
    rw_out b = {.w = w, .buf = out, .len = BASE_BLOCK, .cap = BASE_BLOCK};
    memcpy(out, "regf", 4);
    put32(&b, 4, 1);                 /* primary and secondary sequence: equal, so clean */
    put32(&b, 8, 1);
    put64(&b, 12, REGF_FIXED_FILETIME);
    put32(&b, 20, 1);                /* version 1.5 */
    put32(&b, 24, 5);
    put32(&b, 28, 0);                /* primary file */
    put32(&b, 32, 1);                /* direct memory load */
    put32(&b, 36, root);
    put32(&b, 40, (uint32_t)o.len);
    put32(&b, 44, 1);                /* clustering factor: 512-byte sectors */
    uint32_t sum = 0;
    for (size_t i = 0; i < 508; i += 4)
        sum ^= (uint32_t)out[i] | (uint32_t)out[i + 1] << 8 | (uint32_t)out[i + 2] << 16 |
               (uint32_t)out[i + 3] << 24;
    /* Windows never stores 0 or -1 as the checksum */
    if (sum == 0)
        sum = 1;
    else if (sum == UINT32_C(0xFFFFFFFF))
        sum = UINT32_C(0xFFFFFFFE);
    put32(&b, 508, sum);
    *len = BASE_BLOCK + o.len;
    return out;
}

int regf_writer_save_file(regf_writer *w, const char *file)
{
    size_t len = 0;
    unsigned char *bytes = regf_writer_save(w, &len);
    if (!bytes)
        return -1;
    FILE *f = fopen(file, "wb");
    int rc = 0;
    if (!f || fwrite(bytes, 1, len, f) != len)
        rc = fail(w, "cannot write %s", file);
    if (f && fclose(f) != 0 && rc == 0)
        rc = fail(w, "cannot write %s", file);
    free(bytes);
    return rc;
}
