/* test_collect.c: the collection engine: the portable SHA-256 against libupdx's (Nettle), the glob,
 * exclusions, categories, and a whole collection over an in-memory volume whose manifest
 * the bundle reader (updx_bundle_parse_manifest) must read back exactly. */
#include "harness.h"

#include "bundle/bundle.h"
#include "collect/collect.h"
#include "model/case.h"
#include "util/sha256.h"
#include "util/sha256_portable.h"
#include "util/strutil.h"
#include "updx/updx.h"

static void portable_hex(const void *data, size_t len, size_t chunk, char hex[65])
{
    updx_sha256p h;
    updx_sha256p_init(&h);
    const unsigned char *p = data;
    while (len) {
        size_t n = len < chunk ? len : chunk;
        updx_sha256p_update(&h, p, n);
        p += n;
        len -= n;
    }
    updx_sha256p_final_hex(&h, hex);
}

static void test_sha256_portable(void)
{
    char a[65], b[65];
    portable_hex("", 0, 1, a);
    CHECK_STR(a, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    portable_hex("abc", 3, 3, a);
    CHECK_STR(a, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* every length around the 55/56/64-byte padding edges, in odd chunk sizes, vs Nettle */
    unsigned char buf[4099];
    for (size_t i = 0; i < sizeof buf; i++)
        buf[i] = (unsigned char)(i * 131 + 7);
    static const size_t chunks[] = {1, 3, 63, 64, 65, 1000, 5000};
    int mismatches = 0;
    for (size_t len = 0; len < 200; len++)
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            portable_hex(buf, len, chunks[c], a);
            updx_sha256_hex(buf, len, b);
            mismatches += strcmp(a, b) != 0;
        }
    portable_hex(buf, sizeof buf, 77, a);
    updx_sha256_hex(buf, sizeof buf, b);
    CHECK_STR(a, b);
    CHECK_INT(mismatches, 0);
}

static void test_glob_and_exclusions(void)
{
    CHECK(updx_collect_glob("setupapi.*.log", "SetupAPI.dev.log"));
    CHECK(updx_collect_glob("setupapi.*.log", "setupapi.dev.20220505_161832.log"));
    CHECK(!updx_collect_glob("setupapi.*.log", "setupapi.log"));
    CHECK(updx_collect_glob("*", "anything"));
    CHECK(updx_collect_glob("Mini?????" "?-01.dmp", "Mini050522-01.DMP"));
    CHECK(!updx_collect_glob("*.dmp", "a.dmp.txt"));
    CHECK(updx_collect_excluded("SAM") != NULL);
    CHECK(updx_collect_excluded("security") != NULL);
    CHECK(updx_collect_excluded("NTUSER.DAT") != NULL);
    CHECK(updx_collect_excluded("install.esd") != NULL);
    CHECK(updx_collect_excluded("INSTALL.WIM") != NULL);
    CHECK(updx_collect_excluded("setupact.log") == NULL);
    CHECK(updx_collect_excluded("setupmem.dmp") == NULL);
    CHECK(updx_collect_excluded("SYSTEM") == NULL);
    unsigned cats = 0;
    const char *bad = NULL;
    CHECK(updx_collect_parse_categories("upgrade,dumps", &cats, &bad));
    CHECK_INT(cats, UPDX_CAT_UPGRADE | UPDX_CAT_DUMPS);
    CHECK(updx_collect_parse_categories("all", &cats, &bad));
    CHECK(cats & UPDX_CAT_MEMORY);
    CHECK(updx_collect_parse_categories("default", &cats, &bad));
    CHECK(!(cats & UPDX_CAT_MEMORY));
    CHECK(!updx_collect_parse_categories("upgrade,nope", &cats, &bad));
    CHECK_STR(bad, "nope");
    CHECK(!updx_collect_parse_categories("", &cats, &bad));
    /* the plan never names a credential hive */
    for (const updx_collect_rule *r = updx_collect_plan; r->dir; r++)
        CHECK(updx_collect_excluded(r->pattern) == NULL || strcmp(r->pattern, "*") == 0);
}

/* ---- an in-memory volume and sink ---- */

typedef struct mem_file {
    const char *path; /* '/'-separated */
    const char *data;
} mem_file;

static const mem_file volume[] = {
    {"$WINDOWS.~BT/Sources/Panther/setupact.log", "2022-05-05 16:18:32, Info MOUPG hello\r\n"},
    {"$WINDOWS.~BT/Sources/Panther/install.esd", "payload"},
    {"$WINDOWS.~BT/Sources/Rollback/setupmem.dmp", "PAGEDU64 not really"},
    {"$WINDOWS.~BT/Sources/Rollback/SAM", "regf"},
    {"Windows/INF/setupapi.dev.log", "[Device Install Log]\r\n"},
    {"Windows/INF/setupapi.offline.log", "x"},
    {"Windows/INF/other.log", "not taken"},
    {"Windows/MEMORY.DMP", "big"},
    {"Windows/Minidump/Mini1.dmp", "MDMP......................................"},
    {"Users/alice/NTUSER.DAT", "never"},
    {NULL, NULL},
};

typedef struct mem_handle {
    const char *data;
    size_t pos, len;
} mem_handle;

static bool under(const char *dir, const char *path, const char **rest)
{
    size_t n = strlen(dir);
    if (updx_strncasecmp(dir, path, n) != 0 || path[n] != '/')
        return false;
    *rest = path + n + 1;
    return true;
}

static int mem_list(void *ud, const char *dir, updx_collect_dirent_fn fn, void *fn_ud, char *err,
                    size_t errlen)
{
    (void)ud;
    char seen[16][64];
    int nseen = 0, found = 0;
    for (const mem_file *f = volume; f->path; f++) {
        const char *rest;
        if (!under(dir, f->path, &rest))
            continue;
        found = 1;
        const char *slash = strchr(rest, '/');
        if (!slash) {
            updx_collect_dirent e = {rest, false, strlen(f->data), 1651767512};
            fn(fn_ud, &e);
            continue;
        }
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(slash - rest), rest);
        int dup = 0;
        for (int i = 0; i < nseen; i++)
            dup |= strcmp(seen[i], name) == 0;
        if (dup || nseen == 16)
            continue;
        snprintf(seen[nseen++], 64, "%s", name);
        updx_collect_dirent e = {name, true, 0, -1};
        fn(fn_ud, &e);
    }
    if (!found)
        snprintf(err, errlen, "not found");
    return found ? 0 : -1;
}

static void *mem_open(void *ud, const char *path, bool absolute, uint64_t *size, int64_t *mtime,
                      char *err, size_t errlen)
{
    (void)ud;
    (void)absolute;
    for (const mem_file *f = volume; f->path; f++)
        if (updx_strcasecmp(f->path, path) == 0) {
            mem_handle *h = calloc(1, sizeof *h);
            h->data = f->data;
            h->len = strlen(f->data);
            *size = h->len;
            *mtime = 1651767512;
            return h;
        }
    snprintf(err, errlen, "not found");
    return NULL;
}

static long mem_read(void *fh, void *buf, size_t len, char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
    mem_handle *h = fh;
    size_t n = h->len - h->pos < len ? h->len - h->pos : len;
    memcpy(buf, h->data + h->pos, n);
    h->pos += n;
    return (long)n;
}

static void mem_close(void *fh)
{
    free(fh);
}

static void mem_display(void *ud, const char *path, char *buf, size_t buflen)
{
    (void)ud;
    snprintf(buf, buflen, "C:\\%s", path);
    for (char *p = buf; *p; p++)
        if (*p == '/')
            *p = '\\';
}

typedef struct mem_sink {
    char names[32][128];
    char data[32][256];
    size_t lens[32];
    int n;
} mem_sink;

static int msink_begin(void *ud, const char *member, int64_t mtime, uint64_t hint)
{
    (void)mtime;
    (void)hint;
    mem_sink *s = ud;
    if (s->n == 32)
        return -1;
    snprintf(s->names[s->n], 128, "%s", member);
    s->lens[s->n] = 0;
    return 0;
}

static int msink_write(void *ud, const void *data, size_t len)
{
    mem_sink *s = ud;
    size_t room = sizeof s->data[0] - s->lens[s->n];
    size_t n = len < room ? len : room;
    memcpy(s->data[s->n] + s->lens[s->n], data, n);
    s->lens[s->n] += n;
    return 0;
}

static int msink_end(void *ud)
{
    ((mem_sink *)ud)->n++;
    return 0;
}

static const updx_collect_fs mem_fs = {NULL, mem_list, mem_open, mem_read, mem_close, mem_display};

static bool sink_has(const mem_sink *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->names[i], name) == 0)
            return true;
    return false;
}

static void test_engine_and_manifest(void)
{
    mem_sink s = {0};
    updx_collect_sink sink = {&s, msink_begin, msink_write, msink_end};
    updx_collect_opts o;
    updx_collect_default_opts(&o);
    updx_collector *col = updx_collector_new(&o, &mem_fs, &sink, "test");
    CHECK(col != NULL);
    updx_collector_machine(col, "ComputerName", "PC-01");
    updx_collector_machine(col, "OSBuild", "19045.4529");
    updx_collector_machine(col, "OSBuild", "19045.4530"); /* a later value replaces */
    updx_collector_error(col, "C:\\Windows\\MEMORY.DMP", "access \"denied\"");
    CHECK_INT(updx_collector_run_plan(col), 0);
    const char *text = "line one\nline two\n";
    CHECK_INT(updx_collector_add_buffer(col, "commands/x.txt", "x.exe", text, strlen(text),
                                        UPDX_CAT_SYSTEM), 0);
    CHECK_INT(updx_collector_finish(col), 0);

    CHECK(sink_has(&s, "$WINDOWS.~BT/Sources/Panther/setupact.log"));
    CHECK(sink_has(&s, "$WINDOWS.~BT/Sources/Rollback/setupmem.dmp"));
    CHECK(sink_has(&s, "Windows/INF/setupapi.dev.log"));
    CHECK(sink_has(&s, "Windows/INF/setupapi.offline.log"));
    CHECK(sink_has(&s, "Windows/Minidump/Mini1.dmp"));
    CHECK(!sink_has(&s, "Windows/INF/other.log"));
    CHECK(!sink_has(&s, "$WINDOWS.~BT/Sources/Panther/install.esd"));
    CHECK(!sink_has(&s, "$WINDOWS.~BT/Sources/Rollback/SAM"));
    CHECK(!sink_has(&s, "Windows/MEMORY.DMP"));
    CHECK(!sink_has(&s, "Users/alice/NTUSER.DAT"));
    CHECK(sink_has(&s, "manifest.json"));
    CHECK_INT(updx_collector_file_count(col), 6);

    /* the reader the analyser uses reads the manifest back */
    size_t mlen = 0;
    const char *m = updx_collector_manifest(col, &mlen);
    updx_case *c = updx_case_new("t", NULL);
    CHECK_INT(updx_bundle_parse_manifest(c, "manifest.json", m, mlen), UPDX_OK);
    struct updx_bundle_facts *f = c->bundle;
    CHECK(f != NULL);
    if (f) {
        CHECK_STR(f->collector_name, UPDX_COLLECTOR_NAME);
        CHECK_STR(f->collector_version, UPDX_COLLECTOR_VERSION);
        CHECK_INT(f->files.len, 6);
        CHECK_INT(f->machine.len, 2);
        updx_kv *kv = updx_avec_at(&f->machine, 1);
        CHECK_STR(kv->key, "OSBuild");
        CHECK_STR(kv->value, "19045.4530");
        /* the SAM copy in Rollback is listed as never collected, with the caller's error */
        CHECK_INT(f->errors.len, 2);
        const char **e0 = updx_avec_at(&f->errors, 0);
        CHECK_STR(*e0, "C:\\Windows\\MEMORY.DMP: access \"denied\"");
        const char **e1 = updx_avec_at(&f->errors, 1);
        CHECK(strstr(*e1, "Rollback\\SAM: never collected") != NULL);
        char want[65];
        updx_sha256_hex(text, strlen(text), want);
        bool found = false;
        for (size_t i = 0; i < f->files.len; i++) {
            updx_manifest_file *mf = updx_avec_at(&f->files, i);
            if (strcmp(mf->key, "commands/x.txt") == 0) {
                found = true;
                CHECK_STR(mf->sha256, want);
                CHECK_INT(mf->size, strlen(text));
            }
        }
        CHECK(found);
    }
    CHECK(strstr(m, "\"original_path\": \"C:\\\\$WINDOWS.~BT\\\\Sources\\\\Panther\\\\setupact.log\"") != NULL);
    CHECK(strstr(m, "\"mtime\": \"2022-05-05T16:18:32Z\"") != NULL);
    CHECK(strstr(m, "\"redaction\"") == NULL);
    updx_case_free(c);
    updx_collector_free(col);

    /* categories and the memory dump flag */
    mem_sink s2 = {0};
    sink.ud = &s2;
    o.categories = UPDX_CAT_MEMORY;
    o.max_memory_dump = 2; /* "big" is 3 bytes: over the cap */
    col = updx_collector_new(&o, &mem_fs, &sink, "test");
    CHECK_INT(updx_collector_run_plan(col), 0);
    CHECK_INT(updx_collector_file_count(col), 0);
    CHECK_INT(updx_collector_error_count(col), 1);
    updx_collector_free(col);
    mem_sink s3 = {0};
    sink.ud = &s3;
    o.max_memory_dump = 100;
    col = updx_collector_new(&o, &mem_fs, &sink, "test");
    CHECK_INT(updx_collector_run_plan(col), 0);
    CHECK(sink_has(&s3, "Windows/MEMORY.DMP"));
    updx_collector_free(col);
}

static void test_engine_redacts(void)
{
    mem_sink s = {0};
    updx_collect_sink sink = {&s, msink_begin, msink_write, msink_end};
    updx_collect_opts o;
    updx_collect_default_opts(&o);
    o.redact = true;
    updx_collector *col = updx_collector_new(&o, &mem_fs, &sink, "test");
    updx_collector_machine(col, "ComputerName", "PC-01");
    const char *text = "host PC-01 user C:\\Users\\alice\\x addr 10.1.2.3\n";
    CHECK_INT(updx_collector_run_plan(col), 0); /* learns "alice" from Users/ */
    CHECK_INT(updx_collector_add_buffer(col, "t.txt", "C:\\Users\\alice\\t.txt", text, strlen(text), 0), 0);
    const char *bin = "MDMP\0PC-01";
    CHECK_INT(updx_collector_add_buffer(col, "x.dmp", "x.dmp", bin, 10, UPDX_CAT_DUMPS), 0);
    CHECK_INT(updx_collector_finish(col), 0);
    int t = -1, d = -1, man = -1;
    for (int i = 0; i < s.n; i++) {
        if (strcmp(s.names[i], "t.txt") == 0)
            t = i;
        if (strcmp(s.names[i], "x.dmp") == 0)
            d = i;
        if (strcmp(s.names[i], "manifest.json") == 0)
            man = i;
    }
    CHECK(t >= 0 && d >= 0 && man >= 0);
    if (t >= 0) {
        s.data[t][s.lens[t]] = '\0';
        CHECK_STR(s.data[t], "host COMPUTER1 user C:\\Users\\USER1\\x addr 192.0.2.1\n");
    }
    if (d >= 0)
        CHECK(s.lens[d] == 10 && memcmp(s.data[d], bin, 10) == 0);
    size_t mlen;
    const char *m = updx_collector_manifest(col, &mlen);
    CHECK(strstr(m, "PC-01") == NULL);
    CHECK(strstr(m, "alice") == NULL);
    CHECK(strstr(m, "\"ComputerName\": \"COMPUTER1\"") != NULL);
    CHECK(strstr(m, "\"redacted\": false") != NULL);
    CHECK(strstr(m, "\"computer\": {\"distinct\": 1") != NULL);
    updx_collector_free(col);
}

static void test_json_escaping(void)
{
    updx_jbuf b = {0};
    updx_jbuf_string(&b, "a\"b\\c\n\x01");
    CHECK_STR(b.data, "\"a\\\"b\\\\c\\u000a\\u0001\"");
    updx_jbuf_free(&b);
}

int main(void)
{
    RUN(test_sha256_portable);
    RUN(test_glob_and_exclusions);
    RUN(test_engine_and_manifest);
    RUN(test_engine_redacts);
    RUN(test_json_escaping);
    return harness_exit();
}
