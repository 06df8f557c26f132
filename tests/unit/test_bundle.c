/* test_bundle.c: the bundle walker: folders, nested and damaged archives, hostile input,
 * limits, the collector's manifest and the JSON `bundle` object. */
#include "harness.h"

#include <stdint.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bundle/bundle.h"
#include "bundle/bundle_json.h"
#include "support/fixture_archive.h"
#include "util/sha256.h"

static const updx_member_info *find_member(const updx_case *c, const char *name)
{
    for (size_t i = 0; i < c->members.len; i++) {
        const updx_member_info *m = updx_avec_at(&c->members, i);
        if (strcmp(m->name, name) == 0)
            return m;
    }
    return NULL;
}

static size_t count_notes(const updx_case *c, updx_note_kind kind, const char *needle)
{
    size_t n = 0;
    for (size_t i = 0; i < c->notes.items.len; i++) {
        const updx_note *note = updx_note_at(&c->notes, i);
        if (note->kind == kind && (!needle || strstr(note->message, needle) || strstr(note->file, needle)))
            n++;
    }
    return n;
}

static void dump_notes(const updx_case *c)
{
    for (size_t i = 0; i < c->notes.items.len; i++) {
        const updx_note *n = updx_note_at(&c->notes, i);
        fprintf(stderr, "    note %s %s: %s\n", updx_note_kind_name(n->kind), n->file, n->message);
    }
}

static updx_case *walk_mem(const char *name, const void *data, size_t len, const updx_limits *lim, int *rc)
{
    updx_case *c = updx_case_new(name, lim);
    *rc = updx_bundle_walk_mem(c, name, data, len, NULL, NULL);
    return c;
}

/* Three log members of ~120 KiB each, so that cuts land inside compressed data. */
typedef struct three_logs {
    unsigned char *data[3];
    size_t len[3];
    char sha[3][65];
    fixture_member m[3];
} three_logs;

static void three_logs_init(three_logs *t)
{
    static const char *names[3] = {"Panther/setupact.log", "Panther/setuperr.log", "Rollback/setupact.log"};
    for (int i = 0; i < 3; i++) {
        t->len[i] = 120000 + (size_t)i * 1000;
        t->data[i] = fixture_log_text(t->len[i], (unsigned)i + 1);
        updx_sha256_hex(t->data[i], t->len[i], t->sha[i]);
        t->m[i] = (fixture_member){names[i], t->data[i], t->len[i], false};
    }
}

static void three_logs_free(three_logs *t)
{
    for (int i = 0; i < 3; i++)
        free(t->data[i]);
}

static void test_zip_basic(void)
{
    three_logs t;
    three_logs_init(&t);
    size_t len;
    unsigned char *zip = fixture_archive_build("zip", t.m, 3, &len);
    CHECK(zip != NULL);
    int rc;
    updx_case *c = walk_mem("bundle.zip", zip, len, NULL, &rc);
    CHECK_INT(rc, UPDX_OK);
    CHECK_INT(c->members.len, 3);
    for (int i = 0; i < 3; i++) {
        const updx_member_info *m = find_member(c, t.m[i].name);
        CHECK(m != NULL);
        if (!m)
            continue;
        CHECK_STR(m->sha256, t.sha[i]);
        CHECK_INT(m->size, t.len[i]);
        CHECK_INT(m->depth, 0);
        CHECK(!m->damaged);
        CHECK_STR(m->encoding, "ascii");
    }
    CHECK_INT(find_member(c, "Panther/setupact.log")->kind, UPDX_KIND_SETUPACT);
    CHECK_INT(find_member(c, "Panther/setuperr.log")->kind, UPDX_KIND_SETUPERR);
    CHECK_STR(find_member(c, "Rollback/setupact.log")->detail, "rollback");
    updx_case_free(c);
    free(zip);
    three_logs_free(&t);
}

static void test_truncated_zip(void)
{
    three_logs t;
    three_logs_init(&t);
    size_t len;
    unsigned char *zip = fixture_archive_build("zip", t.m, 3, &len);
    /* cut inside the first member, the second, the third, and inside the central directory */
    size_t cd = fixture_zip_central_directory(zip, len);
    CHECK(cd > 0);
    const size_t cuts[] = {200, len / 3, len / 2, cd - 10, cd + 20, len - 5};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        int rc;
        updx_case *c = walk_mem("cut.zip", zip, cuts[k], NULL, &rc);
        CHECK(rc == UPDX_PARTIAL || (cuts[k] == 200 && rc == UPDX_PARTIAL));
        CHECK(count_notes(c, UPDX_NOTE_DAMAGED, NULL) >= 1);
        /* every member wholly before the cut is read whole and hashes right */
        size_t whole = 0;
        for (size_t i = 0; i < c->members.len; i++) {
            const updx_member_info *m = updx_avec_at(&c->members, i);
            for (int j = 0; j < 3; j++)
                if (strcmp(m->name, t.m[j].name) == 0 && !m->damaged) {
                    CHECK_STR(m->sha256, t.sha[j]);
                    whole++;
                }
        }
        if (cuts[k] >= cd)
            CHECK_INT(whole, 3);
        if (cuts[k] == 200)
            CHECK(c->members.len <= 1);
        updx_case_free(c);
    }
    free(zip);
    three_logs_free(&t);
}

static void test_zip_without_central_directory(void)
{
    three_logs t;
    three_logs_init(&t);
    size_t len;
    unsigned char *zip = fixture_archive_build("zip", t.m, 3, &len);
    size_t cd = fixture_zip_central_directory(zip, len);
    int rc;
    updx_case *c = walk_mem("nocd.zip", zip, cd, NULL, &rc);
    CHECK_INT(rc, UPDX_PARTIAL);
    CHECK_INT(c->members.len, 3);
    for (int i = 0; i < 3; i++) {
        const updx_member_info *m = find_member(c, t.m[i].name);
        CHECK(m && !m->damaged && strcmp(m->sha256, t.sha[i]) == 0);
    }
    CHECK_INT(count_notes(c, UPDX_NOTE_DAMAGED, "central directory is missing"), 1);
    updx_case_free(c);
    free(zip);
    three_logs_free(&t);
}

static void test_corrupt_member_in_middle(void)
{
    three_logs t;
    three_logs_init(&t);
    size_t len;
    unsigned char *zip = fixture_archive_build("zip", t.m, 3, &len);
    /* spoil the middle of the compressed data of member 2 (its header is found by name) */
    unsigned char *p = memmem(zip, len, "Panther/setuperr.log", 20);
    CHECK(p != NULL);
    size_t at = (size_t)(p - zip) + 20 + 200;
    for (size_t i = 0; i < 64 && at + i < len; i++)
        zip[at + i] ^= 0x5A;
    int rc;
    updx_case *c = walk_mem("bad.zip", zip, len, NULL, &rc);
    if (rc != UPDX_PARTIAL)
        dump_notes(c);
    CHECK_INT(rc, UPDX_PARTIAL);
    const updx_member_info *a = find_member(c, "Panther/setupact.log");
    const updx_member_info *b = find_member(c, "Panther/setuperr.log");
    const updx_member_info *d = find_member(c, "Rollback/setupact.log");
    CHECK(a && !a->damaged && strcmp(a->sha256, t.sha[0]) == 0);
    CHECK(b && b->damaged);
    CHECK(d && !d->damaged && strcmp(d->sha256, t.sha[2]) == 0);
    CHECK(count_notes(c, UPDX_NOTE_DAMAGED, "setuperr") >= 1);
    updx_case_free(c);
    /* the same without the central directory: the streaming reader resumes after it */
    size_t cd = fixture_zip_central_directory(zip, len);
    c = walk_mem("bad-nocd.zip", zip, cd ? cd : len, NULL, &rc);
    d = find_member(c, "Rollback/setupact.log");
    CHECK(d && !d->damaged && strcmp(d->sha256, t.sha[2]) == 0);
    CHECK(find_member(c, "Panther/setupact.log") != NULL);
    updx_case_free(c);
    free(zip);
    three_logs_free(&t);
}

static void test_nested_and_formats(void)
{
    const char log[] = "2021-05-18 03:11:02, Info                  SP     Initiating rollback/uninstall, phase = 0\r\n";
    fixture_member inner_m[] = {{"Sources/Rollback/setupact.log", log, sizeof log - 1, false}};
    size_t inner_len, tgz_len, sz_len, outer_len;
    unsigned char *inner = fixture_archive_build("zip", inner_m, 1, &inner_len);
    unsigned char *tgz = fixture_archive_build("tar.gz", inner_m, 1, &tgz_len);
    unsigned char *sz = fixture_archive_build("7z", inner_m, 1, &sz_len);
    CHECK(inner && tgz && sz);
    fixture_member outer_m[] = {
        {"inner.zip", inner, inner_len, false},
        {"logs.tar.gz", tgz, tgz_len, false},
        {"more/logs.7z", sz, sz_len, false},
    };
    unsigned char *outer = fixture_archive_build("zip", outer_m, 3, &outer_len);
    int rc;
    updx_case *c = walk_mem("outer.zip", outer, outer_len, NULL, &rc);
    CHECK_INT(rc, UPDX_OK);
    const updx_member_info *m = find_member(c, "inner.zip/Sources/Rollback/setupact.log");
    CHECK(m && m->depth == 1 && m->kind == UPDX_KIND_SETUPACT && m->size == sizeof log - 1);
    CHECK(m && m->detail && strcmp(m->detail, "rollback") == 0);
    m = find_member(c, "inner.zip");
    CHECK(m && m->kind == UPDX_KIND_ARCHIVE && m->depth == 0 && m->size == inner_len);
    char hex[65];
    updx_sha256_hex(inner, inner_len, hex);
    CHECK(m && strcmp(m->sha256, hex) == 0);
    CHECK(find_member(c, "logs.tar.gz/Sources/Rollback/setupact.log") != NULL);
    CHECK(find_member(c, "more/logs.7z/Sources/Rollback/setupact.log") != NULL);
    CHECK_INT(c->members.len, 6);
    updx_case_free(c);
    /* the 7z and the tar.gz on their own */
    c = walk_mem("logs.7z", sz, sz_len, NULL, &rc);
    CHECK_INT(rc, UPDX_OK);
    CHECK(find_member(c, "Sources/Rollback/setupact.log") != NULL);
    updx_case_free(c);
    c = walk_mem("logs.tgz", tgz, tgz_len, NULL, &rc);
    CHECK_INT(rc, UPDX_OK);
    CHECK(find_member(c, "Sources/Rollback/setupact.log") != NULL);
    updx_case_free(c);
    free(inner);
    free(tgz);
    free(sz);
    free(outer);
}

static void test_encodings_in_zip(void)
{
    /* GBK: "安装失败" (installation failed) in an ANSI log; UTF-16LE with BOM */
    const char gbk[] = "2024-01-01 10:00:00, Error                 SP     \xB0\xB2\xD7\xB0\xCA\xA7\xB0\xDC\r\n"
                       "2024-01-01 10:00:01, Error                 SP     \xB0\xB2\xD7\xB0\xCA\xA7\xB0\xDC 0x80070005\r\n";
    const char u16[] = "\xFF\xFE" "W\0i\0n\0d\0o\0w\0s\0 \0R\0e\0g\0i\0s\0t\0r\0y\0 \0E\0d\0i\0t\0o\0r\0 \0"
                       "V\0e\0r\0s\0i\0o\0n\0 \0" "5\0.\0" "0\0" "0\0\r\0\n\0";
    fixture_member m[] = {{"gbk/setuperr.log", gbk, sizeof gbk - 1, false},
                          {"export.reg", u16, sizeof u16 - 1, false}};
    size_t len;
    unsigned char *zip = fixture_archive_build("zip", m, 2, &len);
    int rc;
    updx_case *c = walk_mem("enc.zip", zip, len, NULL, &rc);
    CHECK_INT(rc, UPDX_OK);
    const updx_member_info *g = find_member(c, "gbk/setuperr.log");
    const updx_member_info *u = find_member(c, "export.reg");
    CHECK(g && g->encoding && strstr(g->encoding, "gb") != NULL);
    CHECK(g && g->kind == UPDX_KIND_SETUPERR);
    CHECK(u && u->encoding && strcmp(u->encoding, "utf-16le") == 0);
    CHECK(u && u->kind == UPDX_KIND_REG_EXPORT);
    if (g)
        fprintf(stderr, "    gbk member encoding: %s\n", g->encoding);
    updx_case_free(c);
    free(zip);
}

static void test_hostile_names(void)
{
    const char x[] = "x\n";
    fixture_member m[] = {
        {"../../etc/passwd", x, 2, false},
        {"/abs/evil.log", x, 2, false},
        {"C:\\Windows\\evil.log", x, 2, false},
        {"dir/CON", x, 2, false},
        {"dir/nul.txt", x, 2, false},
        {"link", "/etc/shadow", 0, true},
        {"ctl\x1b[31mred.log", x, 2, false},
    };
    size_t len;
    unsigned char *tar = fixture_archive_build("tar", m, sizeof m / sizeof m[0], &len);
    int rc;
    updx_case *c = walk_mem("hostile.tar", tar, len, NULL, &rc);
    CHECK(rc == UPDX_OK || rc == UPDX_PARTIAL);
    CHECK(find_member(c, "__/__/etc/passwd") != NULL);
    CHECK(find_member(c, "abs/evil.log") != NULL);
    CHECK(find_member(c, "Windows/evil.log") != NULL);
    CHECK(find_member(c, "dir/CON") != NULL);
    CHECK(find_member(c, "link") == NULL);
    CHECK(find_member(c, "ctl?[31mred.log") != NULL);
    CHECK_INT(count_notes(c, UPDX_NOTE_WARNING, "parent-directory"), 1);
    CHECK_INT(count_notes(c, UPDX_NOTE_WARNING, "absolute path"), 1);
    CHECK_INT(count_notes(c, UPDX_NOTE_WARNING, "drive letter"), 1);
    CHECK_INT(count_notes(c, UPDX_NOTE_WARNING, "device name"), 2);
    CHECK_INT(count_notes(c, UPDX_NOTE_WARNING, "symbolic link"), 1);
    for (size_t i = 0; i < c->members.len; i++) {
        const updx_member_info *mi = updx_avec_at(&c->members, i);
        CHECK(strstr(mi->name, "..") == NULL && mi->name[0] != '/');
    }
    updx_case_free(c);
    free(tar);
}

static void test_zip_bomb(void)
{
    size_t big = 16u << 20;
    unsigned char *zeros = calloc(1, big);
    fixture_member m[] = {{"MEMORY.DMP", zeros, big, false}};
    size_t len;
    unsigned char *zip = fixture_archive_build("zip", m, 1, &len);
    updx_limits lim;
    updx_limits_default(&lim);
    lim.max_ratio = 100;
    int rc;
    updx_case *c = walk_mem("bomb.zip", zip, len, &lim, &rc);
    CHECK_INT(rc, UPDX_PARTIAL);
    const updx_member_info *mi = find_member(c, "MEMORY.DMP");
    CHECK(mi && mi->size < big);
    CHECK_INT(count_notes(c, UPDX_NOTE_LIMIT, "zip bomb"), 1);
    updx_case_free(c);

    /* nested: a zip of zips of zeros stops at the total limit */
    fixture_member inner_m[] = {{"a.bin", zeros, 4u << 20, false}, {"b.bin", zeros, 4u << 20, false}};
    size_t inner_len, outer_len;
    unsigned char *inner = fixture_archive_build("zip", inner_m, 2, &inner_len);
    fixture_member outer_m[] = {{"1.zip", inner, inner_len, false}, {"2.zip", inner, inner_len, false},
                                {"3.zip", inner, inner_len, false}, {"4.zip", inner, inner_len, false}};
    unsigned char *outer = fixture_archive_build("zip", outer_m, 4, &outer_len);
    updx_limits_default(&lim);
    lim.max_total_bytes = 10u << 20;
    lim.max_ratio = 0; /* off, so that the total limit is what stops it */
    c = walk_mem("nested-bomb.zip", outer, outer_len, &lim, &rc);
    CHECK_INT(rc, UPDX_PARTIAL);
    CHECK_INT(count_notes(c, UPDX_NOTE_LIMIT, "total limit"), 1);
    CHECK(find_member(c, "4.zip/b.bin") == NULL);
    uint64_t sum = 0;
    for (size_t i = 0; i < c->members.len; i++)
        sum += ((const updx_member_info *)updx_avec_at(&c->members, i))->size;
    CHECK(sum <= (20u << 20));
    updx_case_free(c);
    free(zeros);
    free(zip);
    free(inner);
    free(outer);
}

static void test_member_and_depth_caps(void)
{
    fixture_member m[50];
    char names[50][16];
    for (int i = 0; i < 50; i++) {
        snprintf(names[i], sizeof names[i], "f%02d.txt", i);
        m[i] = (fixture_member){names[i], "x", 1, false};
    }
    size_t len;
    unsigned char *zip = fixture_archive_build("zip", m, 50, &len);
    updx_limits lim;
    updx_limits_default(&lim);
    lim.max_members = 10;
    int rc;
    updx_case *c = walk_mem("many.zip", zip, len, &lim, &rc);
    CHECK_INT(rc, UPDX_PARTIAL);
    CHECK_INT(c->members.len, 10);
    CHECK_INT(count_notes(c, UPDX_NOTE_LIMIT, "--max-members"), 1);
    updx_case_free(c);
    free(zip);

    /* six levels of zips; only two are opened */
    const char log[] = "hello\n";
    fixture_member leaf = {"deep.log", log, sizeof log - 1, false};
    size_t cur_len;
    unsigned char *cur = fixture_archive_build("zip", &leaf, 1, &cur_len);
    for (int level = 0; level < 5; level++) {
        fixture_member wrap = {"n.zip", cur, cur_len, false};
        size_t nl;
        unsigned char *next = fixture_archive_build("zip", &wrap, 1, &nl);
        free(cur);
        cur = next;
        cur_len = nl;
    }
    updx_limits_default(&lim);
    lim.max_depth = 2;
    c = walk_mem("deep.zip", cur, cur_len, &lim, &rc);
    CHECK_INT(rc, UPDX_PARTIAL);
    CHECK(find_member(c, "n.zip/n.zip/n.zip") != NULL);
    CHECK(find_member(c, "n.zip/n.zip/n.zip/n.zip") == NULL);
    CHECK_INT(count_notes(c, UPDX_NOTE_LIMIT, "--max-depth"), 1);
    updx_case_free(c);
    free(cur);
}

static void test_manifest(void)
{
    const char a[] = "alpha\n", b[] = "bravo\n";
    char sha_a[65];
    updx_sha256_hex(a, sizeof a - 1, sha_a);
    char manifest[2048];
    snprintf(manifest, sizeof manifest,
             "{\"collector\": {\"name\": \"updx-collect\", \"version\": \"0.3\"},\n"
             " \"machine\": {\"ComputerName\": \"PC-01\", \"OSBuild\": 19045},\n"
             " \"errors\": [\"C:\\\\Windows\\\\MEMORY.DMP: access denied\"],\n"
             " \"files\": [{\"path\": \"Logs\\\\a.txt\", \"size\": 6, \"sha256\": \"%s\"},\n"
             "           {\"path\": \"Logs/b.txt\", \"size\": 6, \"sha256\": \"%064d\"},\n"
             "           {\"path\": \"Logs/c.txt\", \"size\": 1}]}\n", sha_a, 0);
    fixture_member m[] = {{"col/Logs/a.txt", a, sizeof a - 1, false},
                          {"col/Logs/b.txt", b, sizeof b - 1, false},
                          {"col/manifest.json", manifest, strlen(manifest), false}};
    size_t len;
    unsigned char *zip = fixture_archive_build("zip", m, 3, &len);
    int rc;
    updx_case *c = walk_mem("collected.zip", zip, len, NULL, &rc);
    CHECK_INT(rc, UPDX_PARTIAL);
    CHECK(c->bundle != NULL);
    if (c->bundle) {
        CHECK_STR(c->bundle->collector_name, "updx-collect");
        CHECK_STR(c->bundle->collector_version, "0.3");
        CHECK_INT(c->bundle->machine.len, 2);
        CHECK_INT(c->bundle->errors.len, 1);
        CHECK_INT(c->bundle->files_missing, 1);
        CHECK_INT(c->bundle->files_differing, 1);
    }
    CHECK(!find_member(c, "col/Logs/a.txt")->damaged);
    CHECK(find_member(c, "col/Logs/b.txt")->damaged);
    CHECK_INT(find_member(c, "col/manifest.json")->kind, UPDX_KIND_MANIFEST);
    CHECK_INT(count_notes(c, UPDX_NOTE_DAMAGED, "sha-256 differs from the manifest"), 1);
    CHECK_INT(count_notes(c, UPDX_NOTE_DAMAGED, "missing from the bundle"), 1);

    json_t *j = updx_bundle_to_json(c);
    CHECK(j != NULL);
    CHECK_INT(json_array_size(json_object_get(j, "members")), 3);
    CHECK_INT(json_array_size(json_object_get(j, "damaged")), 2);
    json_t *d0 = json_array_get(json_object_get(j, "damaged"), 0);
    CHECK(json_is_string(json_object_get(d0, "name")) && json_is_string(json_object_get(d0, "error")));
    CHECK_STR(json_string_value(json_object_get(json_object_get(j, "manifest"), "collector")), "updx-collect");
    json_decref(j);
    updx_case_free(c);
    free(zip);
}

/* A visitor that reads a little, checks the replay against the head, and leaves the rest. */
typedef struct visit_log {
    int calls;
    int replay_ok;
} visit_log;

static int peek_visitor(void *ud, updx_case *c, updx_member_info *m, const uint8_t *head,
                        size_t head_len, updx_source *src)
{
    (void)c;
    (void)m;
    visit_log *v = ud;
    v->calls++;
    uint8_t buf[16];
    ptrdiff_t n = updx_source_read_full(src, buf, sizeof buf);
    if (n >= 0 && (size_t)n == (head_len < sizeof buf ? head_len : sizeof buf) &&
        memcmp(buf, head, (size_t)n) == 0)
        v->replay_ok++;
    return 0;
}

static void test_visitor_and_hash(void)
{
    three_logs t;
    three_logs_init(&t);
    size_t len;
    unsigned char *tgz = fixture_archive_build("tar.gz", t.m, 3, &len);
    updx_case *c = updx_case_new("x.tgz", NULL);
    visit_log v = {0};
    int rc = updx_bundle_walk_mem(c, "x.tgz", tgz, len, peek_visitor, &v);
    CHECK_INT(rc, UPDX_OK);
    CHECK_INT(v.calls, 3);
    CHECK_INT(v.replay_ok, 3);
    for (int i = 0; i < 3; i++) {
        const updx_member_info *m = find_member(c, t.m[i].name);
        CHECK(m && strcmp(m->sha256, t.sha[i]) == 0 && m->size == t.len[i]);
    }
    updx_case_free(c);
    free(tgz);
    three_logs_free(&t);
}

static void test_files_and_folders(void)
{
    char dir[] = "/tmp/updx-bundle-test-XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[512];
    snprintf(path, sizeof path, "%s/b", dir);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/b/setuperr.log", dir);
    fixture_write_file(path, "2021-05-18 03:11:07, Error                 SP     x\r\n", 53);
    snprintf(path, sizeof path, "%s/a.txt", dir);
    fixture_write_file(path, "hello\n", 6);
    fixture_member zm[] = {{"in/zip.log", "z\n", 2, false}};
    size_t zl;
    unsigned char *zip = fixture_archive_build("zip", zm, 1, &zl);
    snprintf(path, sizeof path, "%s/c.zip", dir);
    fixture_write_file(path, zip, zl);
    snprintf(path, sizeof path, "%s/cut.zip", dir);
    fixture_write_file(path, zip, zl / 2);
    snprintf(path, sizeof path, "%s/link", dir);
    CHECK(symlink("/etc/passwd", path) == 0);

    updx_case *c = updx_case_new(dir, NULL);
    int rc = updx_bundle_walk(c, dir, NULL, NULL);
    CHECK_INT(rc, UPDX_PARTIAL);
    /* half of a tiny zip still holds its one member whole; the central directory is gone */
    const char *order[] = {"a.txt", "b/setuperr.log", "c.zip", "c.zip/in/zip.log", "cut.zip",
                           "cut.zip/in/zip.log"};
    CHECK_INT(c->members.len, 6);
    CHECK_INT(count_notes(c, UPDX_NOTE_DAMAGED, "central directory is missing"), 1);
    for (size_t i = 0; i < 6 && i < c->members.len; i++)
        CHECK_STR(((const updx_member_info *)updx_avec_at(&c->members, i))->name, order[i]);
    CHECK(find_member(c, "link") == NULL);
    CHECK_INT(count_notes(c, UPDX_NOTE_WARNING, "symbolic link"), 1);
    updx_case_free(c);

    /* a single file, a single archive, a missing path, an unreadable archive */
    snprintf(path, sizeof path, "%s/b/setuperr.log", dir);
    c = updx_case_new(path, NULL);
    CHECK_INT(updx_bundle_walk(c, path, NULL, NULL), UPDX_OK);
    CHECK(c->members.len == 1 && find_member(c, "setuperr.log") != NULL);
    updx_case_free(c);
    snprintf(path, sizeof path, "%s/c.zip", dir);
    c = updx_case_new(path, NULL);
    CHECK_INT(updx_bundle_walk(c, path, NULL, NULL), UPDX_OK);
    CHECK(c->members.len == 1 && find_member(c, "in/zip.log") != NULL);
    updx_case_free(c);
    snprintf(path, sizeof path, "%s/missing", dir);
    c = updx_case_new(path, NULL);
    CHECK_INT(updx_bundle_walk(c, path, NULL, NULL), UPDX_ERR_IO);
    updx_case_free(c);
    snprintf(path, sizeof path, "%s/junk.zip", dir);
    fixture_write_file(path, "PK\x03\x04garbage-garbage-garbage", 27);
    c = updx_case_new(path, NULL);
    rc = updx_bundle_walk(c, path, NULL, NULL);
    CHECK(rc < 0);
    CHECK_INT(c->members.len, 0);
    updx_case_free(c);

    const char *names[] = {"b/setuperr.log", "b", "a.txt", "c.zip", "cut.zip", "link", "junk.zip"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        remove(path);
    }
    rmdir(dir);
    free(zip);
}

/* Past 8 MiB the hash thread reads a loose file itself (no copy of what the reader read):
 * the digest must still be that of exactly the bytes the walk read, whole or cut by a limit. */
static void test_big_file_hash(void)
{
    const size_t len = (20u << 20) + 12345;
    unsigned char *data = malloc(len);
    CHECK(data != NULL);
    if (!data)
        return;
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        data[i] = (i % 97 == 96) ? '\n' : (unsigned char)('a' + x % 26);
    }
    char path[] = "/tmp/updx-bighash-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, data, len) == (ssize_t)len);
    close(fd);
    char want[65];
    updx_sha256_hex(data, len, want);
    updx_case *c = updx_case_new(path, NULL);
    CHECK_INT(updx_bundle_walk(c, path, NULL, NULL), UPDX_OK);
    CHECK(c->members.len == 1);
    const updx_member_info *m = c->members.len ? updx_avec_at(&c->members, 0) : NULL;
    CHECK(m && m->size == len);
    CHECK_STR(m ? m->sha256 : "", want);
    updx_case_free(c);

    updx_limits lim;
    updx_limits_default(&lim);
    lim.max_member_bytes = (10u << 20) + 7;
    updx_sha256_hex(data, (size_t)lim.max_member_bytes, want);
    c = updx_case_new(path, &lim);
    CHECK_INT(updx_bundle_walk(c, path, NULL, NULL), UPDX_PARTIAL);
    m = c->members.len ? updx_avec_at(&c->members, 0) : NULL;
    CHECK(m && m->size == lim.max_member_bytes);
    CHECK_STR(m ? m->sha256 : "", want);
    updx_case_free(c);

    /* a file that yields less than the stream claimed gives the all-zero "unknown" digest */
    fd = open(path, O_RDONLY);
    CHECK(fd >= 0);
    updx_sha256 *h = updx_sha256_new();
    updx_sha256_backing_fd(h, fd);
    updx_sha256_update(h, data, 9u << 20);
    updx_sha256_update(h, data, len); /* 9 MiB + len > the file */
    char got[65];
    updx_sha256_finish(h, got);
    CHECK_STR(got, "0000000000000000000000000000000000000000000000000000000000000000");
    close(fd);
    remove(path);
    free(data);
}

static void test_corpus_folder(void)
{
    const char *corpus = harness_corpus();
    if (!corpus) {
        fprintf(stderr, "skip: corpus not found\n");
        return;
    }
    char logs[4096];
    snprintf(logs, sizeof logs, "%s/logs", corpus);
    updx_case *c = updx_case_new(logs, NULL);
    int rc = updx_bundle_walk(c, logs, NULL, NULL);
    CHECK_INT(rc, UPDX_OK);
    CHECK_INT(c->members.len, 51);
    const updx_member_info *m = find_member(c, "ricka-diskprov-50013/setupact.log");
    CHECK(m && strcmp(m->sha256, "adb53c1edbc6470ad94999674db3eb0ea6a4e7c7eca16d82485fb9a454328568") == 0);
    CHECK(m && m->size == 818270);
    /* the same folder zipped gives the same members and hashes */
    size_t len;
    unsigned char *zip = fixture_archive_from_dir("zip", logs, &len);
    CHECK(zip != NULL);
    updx_case *z = updx_case_new("logs.zip", NULL);
    CHECK_INT(updx_bundle_walk_mem(z, "logs.zip", zip, len, NULL, NULL), UPDX_OK);
    CHECK_INT(z->members.len, c->members.len);
    for (size_t i = 0; i < c->members.len && i < z->members.len; i++) {
        const updx_member_info *a = updx_avec_at(&c->members, i);
        const updx_member_info *b = updx_avec_at(&z->members, i);
        CHECK_STR(a->name, b->name);
        CHECK_STR(a->sha256, b->sha256);
        CHECK_INT(a->kind, b->kind);
    }
    updx_case_free(z);
    free(zip);
    updx_case_free(c);
}

int main(void)
{
    RUN(test_zip_basic);
    RUN(test_truncated_zip);
    RUN(test_zip_without_central_directory);
    RUN(test_corrupt_member_in_middle);
    RUN(test_nested_and_formats);
    RUN(test_encodings_in_zip);
    RUN(test_hostile_names);
    RUN(test_zip_bomb);
    RUN(test_member_and_depth_caps);
    RUN(test_manifest);
    RUN(test_visitor_and_hash);
    RUN(test_files_and_folders);
    RUN(test_big_file_hash);
    RUN(test_corpus_folder);
    return harness_exit();
}
