/* test_zipw.c: the collector's zip writer and checker, built natively (zlib is the same on
 * both sides): members of many sizes, an empty one, a ZIP64 local header, UTF-8 and '$'
 * names; the zip is read back by zipcheck and by updx's bundle reader (libarchive), and
 * damaged copies are reported, never crash. */
#include "harness.h"

#include <unistd.h>

#include "bundle/bundle.h"
#include "model/case.h"
#include "util/sha256.h"
#include "zipw.h"

typedef struct seen {
    char names[16][128];
    char sha[16][65];
    uint64_t size[16];
    bool ok[16];
    int n;
} seen;

static int on_member(void *ud, const char *name, uint64_t size, const char sha256[65], bool crc_ok)
{
    seen *s = ud;
    if (s->n < 16) {
        snprintf(s->names[s->n], 128, "%s", name);
        memcpy(s->sha[s->n], sha256, 65);
        s->size[s->n] = size;
        s->ok[s->n] = crc_ok;
        s->n++;
    }
    return 0;
}

static unsigned char big[3 << 20];

static void test_roundtrip(void)
{
    char path[] = "/tmp/updx-zipw-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    /* compressible and incompressible content, more than one deflate chunk */
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof big; i++) {
        x = x * 1103515245u + 12345u;
        big[i] = i < sizeof big / 2 ? (unsigned char)(i % 251) : (unsigned char)(x >> 24);
    }
    static const char *const names[] = {"$WINDOWS.~BT/Sources/Panther/setupact.log", "empty.txt",
                                        "big.bin", "zip64/local.txt", "\xe6\x97\xa5\xe5\xbf\x97.log"};
    const void *data[] = {"2022-05-05 16:18:32, Info MOUPG x\r\n", "", big, "announced huge", "zh"};
    size_t lens[] = {35, 0, sizeof big, 14, 2};
    uint64_t hints[] = {35, 0, sizeof big, 0x100000000ull, 2};
    zipw *z = zipw_open(path);
    CHECK(z != NULL);
    for (int i = 0; i < 5 && z; i++) {
        CHECK_INT(zipw_begin(z, names[i], 1651767512, hints[i]), 0);
        /* write in uneven pieces */
        const unsigned char *p = data[i];
        size_t left = lens[i];
        while (left) {
            size_t n = left > 70001 ? 70001 : left;
            CHECK_INT(zipw_write(z, p, n), 0);
            p += n;
            left -= n;
        }
        CHECK_INT(zipw_end(z), 0);
    }
    CHECK_INT(zipw_close(z), 0);

    seen s = {0};
    char err[128] = "";
    CHECK_INT(zipcheck(path, on_member, &s, err, sizeof err), 5);
    for (int i = 0; i < s.n && i < 5; i++) {
        char want[65];
        updx_sha256_hex(data[i], lens[i], want);
        CHECK_STR(s.names[i], names[i]);
        CHECK_STR(s.sha[i], want);
        CHECK_INT(s.size[i], lens[i]);
        CHECK(s.ok[i]);
    }

    /* libarchive (updx's reader) agrees on every member */
    updx_case *c = updx_case_new(path, NULL);
    CHECK(updx_bundle_walk(c, path, NULL, NULL) == UPDX_OK);
    CHECK_INT(c->members.len, 5);
    for (size_t i = 0; i < c->members.len; i++) {
        updx_member_info *m = updx_avec_at(&c->members, i);
        CHECK(!m->damaged);
        for (int k = 0; k < 5; k++)
            if (strcmp(m->name, names[k]) == 0) {
                char want[65];
                updx_sha256_hex(data[k], lens[k], want);
                CHECK_STR(m->sha256, want);
            }
    }
    updx_case_free(c);

    /* damage: a flipped byte inside big.bin's data, then a cut-off end */
    FILE *f = fopen(path, "r+b");
    CHECK(f != NULL);
    if (f) {
        fseek(f, 200000, SEEK_SET);
        int ch = fgetc(f);
        fseek(f, 200000, SEEK_SET);
        fputc(ch ^ 0x55, f);
        fclose(f);
    }
    seen d = {0};
    CHECK_INT(zipcheck(path, on_member, &d, err, sizeof err), 5);
    int bad = 0;
    for (int i = 0; i < d.n; i++)
        bad += !d.ok[i];
    CHECK_INT(bad, 1);
    CHECK(truncate(path, 100000) == 0);
    CHECK_INT(zipcheck(path, on_member, &d, err, sizeof err), -1);
    CHECK(err[0] != '\0');
    CHECK(truncate(path, 0) == 0);
    CHECK_INT(zipcheck(path, on_member, &d, err, sizeof err), -1);
    char hex[65];
    CHECK_INT(file_sha256(path, hex), 0);
    CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    unlink(path);
    CHECK_INT(zipcheck("/nonexistent/x.zip", on_member, &d, err, sizeof err), -1);
}

int main(void)
{
    RUN(test_roundtrip);
    return harness_exit();
}
