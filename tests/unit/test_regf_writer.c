/*
 * test_regf_writer.c: the test-support regf writer (tests/support/regf_writer.c), checked
 * byte by byte against the format and read back by two independent readers: libregf (what
 * updx links) and hivex's hivexsh (Debian libhivex-bin; skipped when absent). Also the
 * fixture hives built with it, the seed-case ones through updx_hive_read.
 */
#include "harness.h"

#include <fcntl.h>
#include <libregf.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model/case.h"
#include "support/fixture_hive.h"
#include "support/regf_writer.h"
#include "sys/hive.h"
#include "sys/membfio.h"
#include "sys/sys_facts.h"
#include "updx/updx.h"

extern char **environ;

/* ---- the model: what the test writes and expects to read back ---- */

typedef struct mval {
    char path[128];
    char name[64];
    uint32_t type;
    unsigned char *data;
    size_t len;
} mval;

typedef struct model {
    mval *v;
    size_t n, cap;
    char (*keys)[128];   /* every key path the writer must hold, ancestors included */
    size_t nkeys, cap_keys;
} model;

static void model_key(model *m, const char *path)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", path);
    /* the path and each ancestor, once */
    for (;;) {
        bool seen = false;
        for (size_t i = 0; i < m->nkeys && !seen; i++)
            seen = strcmp(m->keys[i], buf) == 0;
        if (!seen) {
            if (m->nkeys == m->cap_keys) {
                m->cap_keys = m->cap_keys ? m->cap_keys * 2 : 64;
                m->keys = realloc(m->keys, m->cap_keys * sizeof *m->keys);
            }
            memcpy(m->keys[m->nkeys++], buf, sizeof buf);
        }
        char *cut = strrchr(buf, '\\');
        if (!cut)
            break;
        *cut = '\0';
    }
}

static void model_add(model *m, const char *path, const char *name, uint32_t type,
                      const void *data, size_t len)
{
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->v = realloc(m->v, m->cap * sizeof *m->v);
    }
    mval *v = &m->v[m->n++];
    snprintf(v->path, sizeof v->path, "%s", path);
    snprintf(v->name, sizeof v->name, "%s", name);
    v->type = type;
    v->data = malloc(len ? len : 1);
    if (len)
        memcpy(v->data, data, len);
    v->len = len;
    model_key(m, path);
}

static void model_free(model *m)
{
    for (size_t i = 0; i < m->n; i++)
        free(m->v[i].data);
    free(m->v);
    free(m->keys);
}

/* UTF-8 to NUL-terminated UTF-16LE for expected string data (test strings are BMP or
 * carry one supplementary character, encoded by hand below). */
static size_t utf16le(const char *s, unsigned char *out)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        if (*p < 0x80)
            cp = *p++;
        else if ((*p & 0xE0) == 0xC0)
            cp = (uint32_t)(*p++ & 0x1F) << 6, cp |= *p++ & 0x3Fu;
        else if ((*p & 0xF0) == 0xE0)
            cp = (uint32_t)(*p++ & 0x0F) << 12, cp |= (uint32_t)(*p++ & 0x3F) << 6, cp |= *p++ & 0x3Fu;
        else
            cp = (uint32_t)(*p++ & 0x07) << 18, cp |= (uint32_t)(*p++ & 0x3F) << 12,
            cp |= (uint32_t)(*p++ & 0x3F) << 6, cp |= *p++ & 0x3Fu;
        if (cp >= 0x10000) {
            uint32_t hi = 0xD800 + ((cp - 0x10000) >> 10), lo = 0xDC00 + ((cp - 0x10000) & 0x3FF);
            out[n++] = (unsigned char)hi, out[n++] = (unsigned char)(hi >> 8);
            out[n++] = (unsigned char)lo, out[n++] = (unsigned char)(lo >> 8);
        } else {
            out[n++] = (unsigned char)cp, out[n++] = (unsigned char)(cp >> 8);
        }
    }
    out[n++] = 0;
    out[n++] = 0;
    return n;
}

/* Writes a value both to the writer and to the model. */
static void put_sz(regf_writer *w, model *m, const char *path, const char *name, uint32_t type,
                   const char *s)
{
    unsigned char buf[4096];
    size_t n = utf16le(s, buf);
    model_add(m, path, name, type, buf, n);
    CHECK_INT(type == REGF_SZ ? regf_set_sz(w, path, name, s) : regf_set_expand_sz(w, path, name, s),
              0);
}

static void put_raw(regf_writer *w, model *m, const char *path, const char *name, uint32_t type,
                    const void *data, size_t len)
{
    model_add(m, path, name, type, data, len);
    CHECK_INT(regf_set_value(w, path, name, type, data, len), 0);
}

static const char *const order_names[] = {"b", "A", "_x", "Z", "a1", "AB2", "ab", "\xc3\x84"};
/* Windows' order: upper-cased UTF-16 units, so '_' (0x5F) comes after 'Z' and 'Ä' (0xC4)
 * after both; strcasecmp would put "_x" first. */
static const char *const order_sorted[] = {"A", "a1", "ab", "AB2", "b", "Z", "_x", "\xc3\x84"};

enum { MANY = 1200, BIG1 = 20000, BIG2 = 100000 };

/* The test hive: every value type, default and empty values, 1200 subkeys under one key,
 * values over 16 KiB, Unicode key and value names, and names whose order shows the sort. */
static void build(regf_writer *w, model *m)
{
    put_raw(w, m, "Select", "Current", REGF_DWORD, "\x01\x00\x00\x00", 4);
    put_sz(w, m, "Types", "Sz", REGF_SZ, "plain text with \"quotes\" and back\\slash");
    put_sz(w, m, "Types", "Expand", REGF_EXPAND_SZ, "%SystemRoot%\\System32\\drivers\\x.sys");
    put_sz(w, m, "Types", "", REGF_SZ, "the default value");
    put_sz(w, m, "Types", "EmptySz", REGF_SZ, "");
    put_raw(w, m, "Types", "Dword", REGF_DWORD, "\x78\x56\x34\x12", 4);
    put_raw(w, m, "Types", "Qword", REGF_QWORD, "\x88\x77\x66\x55\x44\x33\x22\x11", 8);
    put_raw(w, m, "Types", "Bin0", REGF_BINARY, "", 0);
    put_raw(w, m, "Types", "Bin3", REGF_BINARY, "\x01\x02\x03", 3);
    put_raw(w, m, "Types", "Bin5", REGF_BINARY, "\x01\x02\x03\x04\x05", 5);
    /* REG_MULTI_SZ "oem42.inf", "ünï", then the list's ending empty string */
    {
        unsigned char buf[256];
        size_t n = utf16le("oem42.inf", buf);
        n += utf16le("\xc3\xbcn\xc3\xaf", buf + n);
        buf[n++] = 0, buf[n++] = 0;
        model_add(m, "Types", "Multi", REGF_MULTI_SZ, buf, n);
        const char *strs[] = {"oem42.inf", "\xc3\xbcn\xc3\xaf"};
        CHECK_INT(regf_set_multi_sz(w, "Types", "Multi", strs, 2), 0);
    }
    /* set twice, differently cased: one value, first spelling, last data */
    CHECK_INT(regf_set_dword(w, "Types", "Replaced", 1), 0);
    CHECK_INT(regf_set_dword(w, "\\types", "REPLACED", 2), 0);
    model_add(m, "Types", "Replaced", REGF_DWORD, "\x02\x00\x00\x00", 4);

    /* Unicode names: a key path in Cyrillic and Japanese, a value name in Japanese, a string
     * with a character outside the BMP (U+1F600) */
    put_sz(w, m, "\xd0\x9a\xd0\xbb\xd1\x8e\xd1\x87\\\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
           "\xe5\x90\x8d\xe5\x89\x8d", REGF_SZ,
           "\xd0\xb7\xd0\xbd\xd0\xb0\xd1\x87\xd0\xb5\xd0\xbd\xd0\xb8\xd0\xb5 \xf0\x9f\x98\x80");
    put_raw(w, m, "Caf\xc3\xa9", "\xc3\x89t\xc3\xa9", REGF_DWORD, "\x07\x00\x00\x00", 4);

    char path[64];
    for (unsigned i = 0; i < sizeof order_names / sizeof *order_names; i++) {
        snprintf(path, sizeof path, "Order\\%s", order_names[i]);
        CHECK_INT(regf_add_key(w, path), 0);
        model_key(m, path);
    }
    for (unsigned i = 0; i < MANY; i++) {
        snprintf(path, sizeof path, "Many\\Key%04u", (MANY - 1 - i) * 7 % MANY);  /* shuffled */
        unsigned char d[4] = {(unsigned char)i, (unsigned char)(i >> 8), 0, 0};
        put_raw(w, m, path, "N", REGF_DWORD, d, 4);
        if (i % 100 == 0)
            put_sz(w, m, path, "Text", REGF_SZ, "every hundredth key has a string too");
    }
    /* long values: exactly one segment, just over it (big data), several segments, and a
     * 20000-character string */
    static unsigned char big[BIG2];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (unsigned char)(i * 7 + i / 251);
    put_raw(w, m, "Long", "Seg", REGF_BINARY, big, REGF_DB_SEGMENT);
    put_raw(w, m, "Long", "SegPlus1", REGF_BINARY, big, REGF_DB_SEGMENT + 1);
    put_raw(w, m, "Long", "Big1", REGF_BINARY, big + 3, BIG1);
    put_raw(w, m, "Long", "Big2", REGF_BINARY, big, BIG2);
    {
        char *s = malloc(20001);
        for (int i = 0; i < 20000; i++)
            s[i] = (char)('a' + i % 26);
        s[20000] = '\0';
        unsigned char *u = malloc(40002);
        size_t n = 0;
        for (int i = 0; i < 20000; i++)
            u[n++] = (unsigned char)s[i], u[n++] = 0;
        u[n++] = 0, u[n++] = 0;
        model_add(m, "Long", "LongSz", REGF_SZ, u, n);
        CHECK_INT(regf_set_sz(w, "Long", "LongSz", s), 0);
        free(s);
        free(u);
    }
}

/* ---- raw format checks ---- */

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t rd16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

/* Base block fields and checksum; every bin and the cells filling it exactly. Returns the
 * number of bins. */
static size_t check_layout(const unsigned char *h, size_t len)
{
    CHECK(len > 4096 && len % 4096 == 0);
    CHECK(memcmp(h, "regf", 4) == 0);
    CHECK_INT(rd32(h + 4), rd32(h + 8));
    CHECK_INT(rd32(h + 20), 1);
    CHECK_INT(rd32(h + 24), 5);
    CHECK_INT(rd32(h + 28), 0);
    CHECK_INT(rd32(h + 32), 1);
    CHECK_INT(rd32(h + 40), len - 4096);
    uint32_t sum = 0;
    for (size_t i = 0; i < 508; i += 4)
        sum ^= rd32(h + i);
    CHECK_INT(rd32(h + 508), sum);
    uint32_t root = rd32(h + 36);
    CHECK(memcmp(h + 4096 + root + 4, "nk", 2) == 0);
    CHECK(rd16(h + 4096 + root + 6) & 0x0004);   /* KEY_HIVE_ENTRY */
    size_t bins = 0, at = 4096;
    while (at < len) {
        CHECK(memcmp(h + at, "hbin", 4) == 0);
        CHECK_INT(rd32(h + at + 4), at - 4096);
        uint32_t size = rd32(h + at + 8);
        CHECK(size >= 4096 && size % 4096 == 0 && at + size <= len);
        if (size < 4096 || at + size > len)
            break;
        size_t c = at + 32, cells_ok = 1;
        while (c < at + size) {
            int32_t cs = (int32_t)rd32(h + c);
            uint32_t abs = cs < 0 ? (uint32_t)-cs : (uint32_t)cs;
            if (abs < 8 || abs % 8 || c + abs > at + size) {
                cells_ok = 0;
                break;
            }
            c += abs;
        }
        CHECK(cells_ok);
        bins++;
        at += size;
    }
    CHECK_INT(at, len);
    return bins;
}

/* The lh hash by the format's rule, for ASCII names: H = 37 * H + upper-case character. */
static uint32_t ascii_hash(const unsigned char *name, size_t n)
{
    uint32_t h = 0;
    for (size_t i = 0; i < n; i++)
        h = h * 37u + (uint32_t)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
    return h;
}

/* Follows the root's subkey list by hand: kinds, element counts, and lh hashes of the
 * compressed names. Returns the number of subkeys found under the key at root-level name. */
static size_t check_lists(const unsigned char *h, size_t len, const char *name, const char *want_leaf,
                          bool want_ri)
{
    const unsigned char *bins = h + 4096;
    uint32_t root = rd32(h + 36);
    uint32_t list = rd32(bins + root + 4 + 28);
    uint32_t nsub = rd32(bins + root + 4 + 20);
    /* find `name` among the root's subkeys (a single leaf at the root) */
    const unsigned char *l = bins + list + 4;
    uint32_t key = 0;
    for (uint32_t i = 0; i < rd16(l + 2) && i < nsub; i++) {
        uint32_t nk = rd32(l + 4 + i * (memcmp(l, "li", 2) == 0 ? 4 : 8));
        const unsigned char *k = bins + nk + 4;
        if (rd16(k + 72) == strlen(name) && memcmp(k + 76, name, strlen(name)) == 0)
            key = nk;
    }
    CHECK(key != 0);
    if (!key)
        return 0;
    const unsigned char *k = bins + key + 4;
    uint32_t n = rd32(k + 20);
    const unsigned char *sl = bins + rd32(k + 28) + 4;
    uint32_t leaves[16], nleaves = 0;
    if (memcmp(sl, "ri", 2) == 0) {
        CHECK(want_ri);
        for (uint32_t i = 0; i < rd16(sl + 2) && nleaves < 16; i++)
            leaves[nleaves++] = rd32(sl + 4 + 4 * i);
    } else {
        CHECK(!want_ri);
        leaves[nleaves++] = rd32(k + 28);
    }
    size_t found = 0;
    for (uint32_t li = 0; li < nleaves; li++) {
        const unsigned char *leaf = bins + leaves[li] + 4;
        CHECK(memcmp(leaf, want_leaf, 2) == 0);
        uint16_t count = rd16(leaf + 2);
        CHECK(count <= REGF_MAX_LEAF_ELEMENTS);
        size_t each = memcmp(leaf, "li", 2) == 0 ? 4 : 8;
        for (uint16_t i = 0; i < count; i++) {
            const unsigned char *e = leaf + 4 + i * each;
            uint32_t child = rd32(e);
            CHECK(child + 80 < len - 4096);
            const unsigned char *ck = bins + child + 4;
            CHECK(memcmp(ck, "nk", 2) == 0);
            CHECK_INT(rd32(ck + 16), key);   /* parent */
            uint16_t nl = rd16(ck + 72);
            if (rd16(ck + 2) & 0x0020) {     /* compressed name */
                if (memcmp(leaf, "lh", 2) == 0)
                    CHECK_INT(rd32(e + 4), ascii_hash(ck + 76, nl));
                if (memcmp(leaf, "lf", 2) == 0)
                    CHECK(memcmp(e + 4, ck + 76, nl < 4 ? nl : 4) == 0);
            }
            found++;
        }
    }
    CHECK_INT(found, n);
    return found;
}

/* ---- libregf ---- */

typedef struct walk_count {
    size_t keys, values;
    bool order_ok;
} walk_count;

static int upper_cmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = (*a >= 'a' && *a <= 'z') ? *a - 32 : (unsigned char)*a;
        int y = (*b >= 'a' && *b <= 'z') ? *b - 32 : (unsigned char)*b;
        if (x != y || !x)
            return x - y;
    }
}

static bool is_ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

static void regf_walk(libregf_key_t *k, walk_count *wc, unsigned depth)
{
    wc->keys++;
    int nv = 0, ns = 0;
    if (libregf_key_get_number_of_values(k, &nv, NULL) == 1)
        wc->values += (size_t)nv;
    if (libregf_key_get_number_of_sub_keys(k, &ns, NULL) != 1 || depth > 8)
        return;
    char prev[512] = "";
    for (int i = 0; i < ns; i++) {
        libregf_key_t *sk = NULL;
        if (libregf_key_get_sub_key(k, i, &sk, NULL) != 1) {
            wc->order_ok = false;
            continue;
        }
        char name[512];
        if (libregf_key_get_utf8_name(sk, (uint8_t *)name, sizeof name, NULL) == 1) {
            /* ASCII neighbours must come in Windows' order */
            if (i > 0 && is_ascii(prev) && is_ascii(name) && upper_cmp(prev, name) >= 0)
                wc->order_ok = false;
            snprintf(prev, sizeof prev, "%s", name);
        }
        regf_walk(sk, wc, depth + 1);
        libregf_key_free(&sk, NULL);
    }
}

/* The value of k named `name`; libregf finds the default value ("") only by listing. */
static bool find_value(libregf_key_t *k, const char *name, libregf_value_t **out)
{
    if (*name)
        return libregf_key_get_value_by_utf8_name(k, (const uint8_t *)name, strlen(name), out,
                                                  NULL) == 1;
    int n = 0;
    libregf_key_get_number_of_values(k, &n, NULL);
    for (int i = 0; i < n; i++) {
        libregf_value_t *v = NULL;
        size_t sz = 0;
        if (libregf_key_get_value(k, i, &v, NULL) == 1 &&
            libregf_value_get_utf8_name_size(v, &sz, NULL) == 1 && sz <= 1) {
            *out = v;
            return true;
        }
        libregf_value_free(&v, NULL);
    }
    return false;
}

/* Every model value read back through libregf, exactly; no key or value more. */
static void check_with_libregf(const unsigned char *hive, size_t len, const model *m)
{
    libbfio_handle_t *io = NULL;
    libregf_file_t *f = NULL;
    CHECK_INT(updx_membfio_open(&io, hive, len), 1);
    CHECK_INT(libregf_file_initialize(&f, NULL), 1);
    CHECK_INT(libregf_file_open_file_io_handle(f, io, LIBREGF_OPEN_READ, NULL), 1);
    CHECK(libregf_file_is_corrupted(f, NULL) != 1);
    size_t exact = 0;
    for (size_t i = 0; i < m->n; i++) {
        const mval *v = &m->v[i];
        libregf_key_t *k = NULL;
        libregf_value_t *rv = NULL;
        uint32_t type = 0;
        size_t sz = 0;
        char name[128] = "";
        int ok = libregf_file_get_key_by_utf8_path(f, (const uint8_t *)v->path, strlen(v->path),
                                                   &k, NULL) == 1 &&
                 find_value(k, v->name, &rv) &&
                 libregf_value_get_value_type(rv, &type, NULL) == 1 &&
                 libregf_value_get_value_data_size(rv, &sz, NULL) == 1;
        if (ok && *v->name)
            ok = libregf_value_get_utf8_name(rv, (uint8_t *)name, sizeof name, NULL) == 1 &&
                 strcmp(name, v->name) == 0;
        unsigned char *data = malloc(sz ? sz : 1);
        if (ok && sz)
            ok = libregf_value_get_value_data(rv, data, sz, NULL) == 1;
        /* libregf 20201007 takes 1 to 3 bytes of inline data from the wrong end of the
         * 4-byte field (Windows and hivex start at its first byte; hivex checks them below) */
        bool inline_quirk = sz >= 1 && sz <= 3;
        if (ok && type == v->type && sz == v->len &&
            (sz == 0 || inline_quirk || memcmp(data, v->data, sz) == 0))
            exact++;
        else
            fprintf(stderr, "libregf: %s : %s differs (ok %d type %u size %zu)\n", v->path,
                    v->name, ok, type, sz);
        free(data);
        libregf_value_free(&rv, NULL);
        libregf_key_free(&k, NULL);
    }
    CHECK_INT(exact, m->n);

    /* the whole tree: as many keys and values as written, ASCII siblings in order */
    libregf_key_t *root = NULL;
    walk_count wc = {0, 0, true};
    CHECK_INT(libregf_file_get_root_key(f, &root, NULL), 1);
    if (root)
        regf_walk(root, &wc, 0);
    CHECK_INT(wc.keys, m->nkeys + 1);
    CHECK_INT(wc.values, m->n);
    CHECK(wc.order_ok);
    libregf_key_free(&root, NULL);

    /* the order of Order's subkeys, including the non-ASCII one */
    libregf_key_t *order = NULL;
    CHECK_INT(libregf_file_get_key_by_utf8_path(f, (const uint8_t *)"Order", 5, &order, NULL), 1);
    for (int i = 0; order && i < (int)(sizeof order_sorted / sizeof *order_sorted); i++) {
        libregf_key_t *sk = NULL;
        char name[64] = "";
        if (libregf_key_get_sub_key(order, i, &sk, NULL) == 1)
            libregf_key_get_utf8_name(sk, (uint8_t *)name, sizeof name, NULL);
        CHECK_STR(name, order_sorted[i]);
        libregf_key_free(&sk, NULL);
    }
    libregf_key_free(&order, NULL);
    /* case-insensitive lookups, as Windows does them */
    libregf_key_t *k = NULL;
    CHECK_INT(libregf_file_get_key_by_utf8_path(f, (const uint8_t *)"MANY\\key0599", 12, &k, NULL), 1);
    libregf_key_free(&k, NULL);
    libregf_file_close(f, NULL);
    libregf_file_free(&f, NULL);
    libbfio_handle_free(&io, NULL);
}

/* ---- hivex ---- */

static const char *hivexsh_path(void)
{
    static const char *const paths[] = {"/usr/bin/hivexsh", "/usr/local/bin/hivexsh"};
    for (size_t i = 0; i < 2; i++)
        if (access(paths[i], X_OK) == 0)
            return paths[i];
    return NULL;
}

/* Runs exe with argv, stdout into `out`; 0 when it exits 0. */
static int run_tool(const char *exe, char *const *argv, const char *out)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    int rc = posix_spawn(&pid, exe, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        return -1;
    int status;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* hivexsh's lsval text of a string: quotes and backslashes escaped. */
static void put_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
}

/* The UTF-8 text of model string data (UTF-16LE, NUL-terminated; test strings are BMP
 * or hold surrogate pairs). */
static void put_utf16_as_utf8(FILE *f, const unsigned char *d, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2) {
        uint32_t c = (uint32_t)(d[i] | d[i + 1] << 8);
        if (!c)
            break;
        if (c >= 0xD800 && c < 0xDC00 && i + 3 < len) {
            uint32_t lo = (uint32_t)(d[i + 2] | d[i + 3] << 8);
            c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
            i += 2;
        }
        if (c < 0x80) {
            fputc((int)c, f);
        } else if (c < 0x800) {
            fputc((int)(0xC0 | c >> 6), f), fputc((int)(0x80 | (c & 0x3F)), f);
        } else if (c < 0x10000) {
            fputc((int)(0xE0 | c >> 12), f), fputc((int)(0x80 | ((c >> 6) & 0x3F)), f);
            fputc((int)(0x80 | (c & 0x3F)), f);
        } else {
            fputc((int)(0xF0 | c >> 18), f), fputc((int)(0x80 | ((c >> 12) & 0x3F)), f);
            fputc((int)(0x80 | ((c >> 6) & 0x3F)), f), fputc((int)(0x80 | (c & 0x3F)), f);
        }
    }
}

/* One script visiting every key (lsval) plus `ls` of Order and the root, and the text
 * hivexsh must print for it, both from the model alone. */
static void write_hivex_script(const model *m, FILE *script, FILE *expect)
{
    for (size_t k = 0; k < m->nkeys; k++) {
        fprintf(script, "cd \\%s\nlsval\n", m->keys[k]);
        for (size_t i = 0; i < m->n; i++) {
            const mval *v = &m->v[i];
            if (strcmp(v->path, m->keys[k]) != 0)
                continue;
            fputc('"', expect);
            put_escaped(expect, *v->name ? v->name : "@");
            fputs("\"=", expect);
            if (v->type == REGF_SZ || v->type == REGF_EXPAND_SZ) {
                if (v->type == REGF_EXPAND_SZ)
                    fputs("str(2):", expect);
                char *s = NULL;
                size_t sl = 0;
                FILE *mem = open_memstream(&s, &sl);
                put_utf16_as_utf8(mem, v->data, v->len);
                fclose(mem);
                fputc('"', expect);
                put_escaped(expect, s);
                fputc('"', expect);
                free(s);
            } else if (v->type == REGF_DWORD) {
                fprintf(expect, "dword:%08x", rd32(v->data));
            } else {
                fprintf(expect, "hex(%u):", v->type);
                for (size_t b = 0; b < v->len; b++)
                    fprintf(expect, "%s%02x", b ? "," : "", v->data[b]);
            }
            fputc('\n', expect);
        }
        fputs("cd \\\n", script);
    }
    /* hivexsh sorts what `ls` prints by strcasecmp, so this shows the names, not the list
     * order (libregf checks that) */
    fputs("cd \\Order\nls\n", script);
    static const char *const by_strcasecmp[] = {"_x", "A", "a1", "ab", "AB2", "b", "Z", "\xc3\x84"};
    for (size_t i = 0; i < sizeof by_strcasecmp / sizeof *by_strcasecmp; i++)
        fprintf(expect, "%s\n", by_strcasecmp[i]);
}

static void check_with_hivex(const unsigned char *hive, size_t len, const model *m)
{
    const char *exe = hivexsh_path();
    if (!exe) {
        printf("skip: hivexsh absent (libhivex-bin); hive not checked with hivex\n");
        return;
    }
    char dir[] = "/tmp/updx-regf-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char hive_path[64], script_path[64], out_path[64];
    snprintf(hive_path, sizeof hive_path, "%s/t.hiv", dir);
    snprintf(script_path, sizeof script_path, "%s/script", dir);
    snprintf(out_path, sizeof out_path, "%s/out", dir);
    FILE *hf = fopen(hive_path, "wb");
    CHECK(hf && fwrite(hive, 1, len, hf) == len);
    if (hf)
        fclose(hf);
    FILE *script = fopen(script_path, "w");
    char *expect = NULL;
    size_t expect_len = 0;
    FILE *ef = open_memstream(&expect, &expect_len);
    if (script && ef) {
        write_hivex_script(m, script, ef);
        fclose(script);
        fclose(ef);
        char *argv[] = {(char *)"hivexsh", (char *)"-f", script_path, hive_path, NULL};
        CHECK_INT(run_tool(exe, argv, out_path), 0);
        size_t got_len = 0;
        unsigned char *got = harness_read_file(out_path, &got_len);
        CHECK(got != NULL);
        CHECK_INT(got_len, expect_len);
        if (got && (got_len != expect_len || memcmp(got, expect, got_len) != 0)) {
            size_t at = 0;
            while (at < got_len && at < expect_len && got[at] == (unsigned char)expect[at])
                at++;
            fprintf(stderr, "hivexsh output differs at byte %zu: got \"%.60s\" expected \"%.60s\"\n",
                    at, (const char *)got + at, expect + at);
            CHECK(0);
        }
        free(got);
    }
    free(expect);
    unlink(hive_path);
    unlink(script_path);
    unlink(out_path);
    rmdir(dir);
}

/* ---- the tests ---- */

static void test_roundtrip(regf_list_kind kind, const char *leaf)
{
    regf_writer *w = regf_writer_new("ROOT");
    CHECK(w != NULL);
    if (!w)
        return;
    regf_writer_set_list_kind(w, kind);
    model m = {0};
    build(w, &m);
    size_t len = 0;
    unsigned char *hive = regf_writer_save(w, &len);
    CHECK(hive != NULL);
    CHECK_STR(regf_writer_error(w), "");
    if (hive) {
        size_t bins = check_layout(hive, len);
        CHECK(bins > 10);   /* 1200 keys and 100 KB of data do not fit one bin */
        CHECK_INT(check_lists(hive, len, "Many", leaf, true), MANY);
        CHECK_INT(check_lists(hive, len, "Order", leaf, false), 8);
        check_with_libregf(hive, len, &m);
        check_with_hivex(hive, len, &m);
        /* deterministic: saving again gives the same bytes */
        size_t len2 = 0;
        unsigned char *again = regf_writer_save(w, &len2);
        CHECK(again && len2 == len && memcmp(again, hive, len) == 0);
        free(again);
    }
    free(hive);
    regf_writer_free(w);
    model_free(&m);
}

static void test_roundtrip_lh(void) { test_roundtrip(REGF_LIST_LH, "lh"); }
static void test_roundtrip_lf(void) { test_roundtrip(REGF_LIST_LF, "lf"); }
static void test_roundtrip_li(void) { test_roundtrip(REGF_LIST_LI, "li"); }

static void test_small_hive(void)
{
    /* an empty hive: the root alone, in one 4096-byte bin */
    regf_writer *w = regf_writer_new(NULL);
    size_t len = 0;
    unsigned char *h = regf_writer_save(w, &len);
    CHECK(h != NULL);
    if (h) {
        CHECK_INT(len, 8192);
        CHECK_INT(check_layout(h, len), 1);
        CHECK_INT(rd32(h + 36), 0x20);                    /* the root right after the header */
        CHECK(memcmp(h + 4096 + 0x20 + 4 + 76, "ROOT", 4) == 0);
        uint32_t sk = rd32(h + 4096 + 0x20 + 4 + 44);
        CHECK(memcmp(h + 4096 + sk + 4, "sk", 2) == 0);
        CHECK_INT(rd32(h + 4096 + sk + 4 + 12), 1);       /* one key refers to it */
    }
    free(h);
    regf_writer_free(w);

    /* key insertion order does not matter; every key shares the one sk */
    regf_writer *a = regf_writer_new("R"), *b = regf_writer_new("R");
    CHECK_INT(regf_add_key(a, "x\\y"), 0);
    CHECK_INT(regf_add_key(a, "B"), 0);
    CHECK_INT(regf_add_key(b, "B"), 0);
    CHECK_INT(regf_add_key(b, "\\x\\y"), 0);
    size_t la = 0, lb = 0;
    unsigned char *ha = regf_writer_save(a, &la), *hb = regf_writer_save(b, &lb);
    CHECK(ha && hb && la == lb && memcmp(ha, hb, la) == 0);
    if (ha) {
        uint32_t sk = rd32(ha + 4096 + 0x20 + 4 + 44);
        CHECK_INT(rd32(ha + 4096 + sk + 4 + 12), 4);      /* root, B, x, y */
    }
    free(ha);
    free(hb);
    regf_writer_free(a);
    regf_writer_free(b);
}

static void test_hash(void)
{
    /* H = 37 * H + upper-case unit */
    CHECK_INT(regf_name_hash("a"), 'A');
    CHECK_INT(regf_name_hash("ab"), 'A' * 37 + 'B');
    CHECK_INT(regf_name_hash("Services"), regf_name_hash("SERVICES"));
    CHECK_INT(regf_name_hash("\xd0\xba"), 0x41A);   /* Cyrillic к upper-cases to К */
    CHECK_INT(regf_upcase16(0xE9), 0xC9);
    CHECK_INT(regf_upcase16(0xF7), 0xF7);           /* division sign has no case */
    CHECK_INT(regf_upcase16(0x101), 0x100);
    CHECK_INT(regf_upcase16('_'), '_');
    CHECK_INT(regf_name_hash("\xff"), 0);           /* invalid UTF-8 */
}

static void test_errors(void)
{
    regf_writer *w = regf_writer_new("R");
    CHECK_INT(regf_add_key(w, "a\\\\b"), -1);
    CHECK(strstr(regf_writer_error(w), "empty key name") != NULL);
    /* sticky: later calls fail and nothing is saved */
    CHECK_INT(regf_add_key(w, "fine"), -1);
    size_t len = 0;
    CHECK(regf_writer_save(w, &len) == NULL);
    regf_writer_free(w);

    w = regf_writer_new("R");
    CHECK_INT(regf_set_sz(w, "k", "v", "bad \xc3"), -1);
    CHECK(strstr(regf_writer_error(w), "UTF-8") != NULL);
    regf_writer_free(w);

    w = regf_writer_new("R");
    CHECK_INT(regf_add_key(w, "overlong \xc0\xaf"), -1);
    regf_writer_free(w);

    w = regf_writer_new("R");
    char name[300];
    memset(name, 'n', 256);
    name[256] = '\0';
    CHECK_INT(regf_add_key(w, name), -1);
    CHECK(strstr(regf_writer_error(w), "longer than 255") != NULL);
    regf_writer_free(w);

    w = regf_writer_new("R");
    name[255] = '\0';
    CHECK_INT(regf_add_key(w, name), 0);                 /* exactly 255 is allowed */
    CHECK_INT(regf_set_value(w, "k", "big", REGF_BINARY, name, (size_t)REGF_MAX_VALUE_DATA + 1), -1);
    regf_writer_free(w);

    w = regf_writer_new("R");
    char deep[2 * (REGF_MAX_DEPTH + 2) + 1];
    for (int i = 0; i < REGF_MAX_DEPTH + 1; i++)
        deep[2 * i] = 'd', deep[2 * i + 1] = '\\';
    deep[2 * (REGF_MAX_DEPTH + 1) - 1] = '\0';
    CHECK_INT(regf_add_key(w, deep), -1);
    CHECK(strstr(regf_writer_error(w), "deeper") != NULL);
    regf_writer_free(w);

    CHECK_INT(regf_add_key(NULL, "x"), -1);
    CHECK(regf_writer_save(NULL, &len) == NULL);
}

/* ---- the fixtures ---- */

static void test_fixtures_build(void)
{
    static const fixture_hive_kind kinds[] = {FIXTURE_HIVE_SYSTEM, FIXTURE_HIVE_SOFTWARE,
                                              FIXTURE_HIVE_SERVICES, FIXTURE_HIVE_SEED_SYSTEM,
                                              FIXTURE_HIVE_SEED_SOFTWARE};
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
        const char *why = NULL;
        size_t len = 0;
        /* no corpus needed */
        unsigned char *h = fixture_hive_build(NULL, kinds[i], &len, &why);
        CHECK(h != NULL);
        if (!h) {
            fprintf(stderr, "fixture %zu: %s\n", i, why ? why : "?");
            continue;
        }
        check_layout(h, len);
        free(h);
    }
}

/* `hivexget hive key value` prints what the seed SYSTEM fixture holds, as the brief's
 * example command would on a real hive. */
static void test_seed_with_hivexget(void)
{
    const char *exe = access("/usr/bin/hivexget", X_OK) == 0 ? "/usr/bin/hivexget" : NULL;
    if (!exe) {
        printf("skip: hivexget absent (libhivex-bin)\n");
        return;
    }
    const char *why = NULL;
    size_t len = 0;
    unsigned char *h = fixture_hive_build(NULL, FIXTURE_HIVE_SEED_SYSTEM, &len, &why);
    CHECK(h != NULL);
    char dir[] = "/tmp/updx-regf-test-XXXXXX";
    if (!h || !mkdtemp(dir)) {
        free(h);
        return;
    }
    char hive_path[64], out_path[64];
    snprintf(hive_path, sizeof hive_path, "%s/SYSTEM", dir);
    snprintf(out_path, sizeof out_path, "%s/out", dir);
    FILE *f = fopen(hive_path, "wb");
    CHECK(f && fwrite(h, 1, len, f) == len);
    if (f)
        fclose(f);
    static const struct { const char *key, *value, *want; } cases[] = {
        {"\\Select", "Current", "1\n"},
        {"\\ControlSet001\\Services\\lwfmgr", "Start", "1\n"},
        {"\\ControlSet001\\Services\\lwfmgr", "ImagePath",
         "\\SystemRoot\\System32\\drivers\\lwfmgr.sys\n"},
        /* hivexget prints the list's ending empty string as an empty line */
        {"\\ControlSet001\\Services\\lwfmgr", "Owners", "oem42.inf\n\n"},
        {"\\ControlSet001\\Services\\vwifimf", "DisplayName", "TMS Virtual WiFi Filter\n"},
        {"\\ControlSet001\\Control\\Network\\{4D36E974-E325-11CE-BFC1-08002BE10318}\\"
         "{5cbf81bd-5055-47cd-9055-a76b2b4e3697}\\Ndi", "FilterType", "2\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *argv[] = {(char *)"hivexget", hive_path, (char *)cases[i].key, (char *)cases[i].value,
                        NULL};
        CHECK_INT(run_tool(exe, argv, out_path), 0);
        size_t n = 0;
        unsigned char *got = harness_read_file(out_path, &n);
        CHECK_STR(got ? (const char *)got : NULL, cases[i].want);
        free(got);
    }
    unlink(hive_path);
    unlink(out_path);
    rmdir(dir);
    free(h);
}

static void test_seed_fixtures(void)
{
    const char *why = NULL;
    size_t sys_len = 0, soft_len = 0;
    unsigned char *sys = fixture_hive_build(NULL, FIXTURE_HIVE_SEED_SYSTEM, &sys_len, &why);
    unsigned char *soft = fixture_hive_build(NULL, FIXTURE_HIVE_SEED_SOFTWARE, &soft_len, &why);
    CHECK(sys && soft);
    if (!sys || !soft) {
        free(sys);
        free(soft);
        return;
    }
    updx_case *c = updx_case_new("seed", NULL);
    CHECK_INT(updx_hive_read(c, "SYSTEM", sys, sys_len), UPDX_OK);
    CHECK_INT(updx_hive_read(c, "SOFTWARE", soft, soft_len), UPDX_OK);
    CHECK_INT(updx_notes_count(&c->notes, UPDX_NOTE_DAMAGED), 0);
    CHECK_INT(c->sys->hives_read, 2);

    const updx_sys_os *os = updx_sys_os_facts(c);
    CHECK_INT(os->current_control_set, 1);
    CHECK_STR(os->product_name, "Windows 10 Enterprise LTSC 2019");
    CHECK_STR(os->edition_id, "EnterpriseS");
    CHECK_STR(os->current_build, "17763");
    CHECK(os->has_ubr && os->ubr == 2928);

    const updx_sys_service *s = updx_sys_find_service(c, "lwfmgr.sys");
    CHECK(s != NULL);
    if (s) {
        CHECK(s->has_start && s->start == 1);
        CHECK(s->has_type && s->type == 1);
        CHECK(s->has_error_control && s->error_control == 1);
        CHECK_STR(s->image_path, "\\SystemRoot\\System32\\drivers\\lwfmgr.sys");
        CHECK_STR(s->group, "NDIS");
        CHECK_STR(s->display_name, "TMS Lightweight Filter Manager");
        CHECK_INT(s->owners.len, 1);
        if (s->owners.len)
            CHECK_STR(*(const char **)updx_avec_at(&s->owners, 0), "oem42.inf");
        CHECK(updx_sys_service_third_party(s));
    }
    const updx_sys_service *v = updx_sys_find_service(c, "vwifimf");
    CHECK(v != NULL);
    if (v) {
        CHECK(v->has_start && v->start == 1);
        CHECK_STR(v->image_path, "\\SystemRoot\\System32\\drivers\\vwifimf.sys");
        CHECK_STR(v->display_name, "TMS Virtual WiFi Filter");
        CHECK(updx_sys_service_third_party(v));
    }
    /* the seed case holds no class filter naming lwfmgr: disabling it is safe there */
    CHECK_INT(updx_sys_filter_refs(c, "lwfmgr", NULL, 0), 0);
    const updx_sys_ndis_filter *nf[2];
    CHECK_INT(updx_sys_ndis_refs(c, "lwfmgr", nf, 2), 1);
    CHECK_STR(nf[0]->component_id, "ms_lwfmgr");
    CHECK(nf[0]->filter_class != NULL);
    CHECK(nf[0]->has_filter_type && nf[0]->filter_type == 2);
    CHECK(nf[0]->has_filter_run_type && nf[0]->filter_run_type == 1);

    /* the owner lookup ties both drivers to the TMS agent, not to the other programs */
    const char *reason = NULL;
    const updx_sys_program *p = updx_sys_program_for_driver(c, s, &reason);
    CHECK(p != NULL);
    if (p) {
        CHECK_STR(p->display_name, "TMS Terminal Management Agent");
        CHECK_STR(p->publisher, "TMS Technology");
        CHECK_STR(p->display_version, "3.2.1");
        CHECK_STR(p->install_location, "C:\\Program Files\\TMS\\");
        CHECK(reason != NULL);
    }
    const updx_sys_program *pv = updx_sys_program_for_driver(c, v, NULL);
    CHECK(pv && pv == p);
    updx_case_free(c);
    free(sys);
    free(soft);
}

int main(void)
{
    RUN(test_hash);
    RUN(test_small_hive);
    RUN(test_errors);
    RUN(test_roundtrip_lh);
    RUN(test_roundtrip_lf);
    RUN(test_roundtrip_li);
    RUN(test_fixtures_build);
    RUN(test_seed_fixtures);
    RUN(test_seed_with_hivexget);
    return harness_exit();
}
