/*
 * mkfixture.c: a test-only tool that writes fixture bundles for the end-to-end tests
 * (python and zip(1) are not guaranteed on a fresh machine; libarchive is).
 *
 *   mkfixture dir-zip DIR OUT.zip   zips every file under DIR
 *   mkfixture set OUTDIR            writes nested.zip, truncated.zip, nocd.zip, enc.zip,
 *                                   hostile.tar, bomb.zip, junk.zip, logs.7z, logs.tgz
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/fixture_archive.h"

static int put(const char *dir, const char *name, const void *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!data || fixture_write_file(path, data, len) != 0) {
        fprintf(stderr, "mkfixture: cannot write %s\n", path);
        return 1;
    }
    return 0;
}

static int write_set(const char *dir)
{
    int bad = 0;
    size_t n1 = 150000, n2 = 90000;
    unsigned char *a = fixture_log_text(n1, 1), *b = fixture_log_text(n2, 2);
    fixture_member logs[] = {
        {"$WINDOWS.~BT/Sources/Panther/setupact.log", a, n1, false},
        {"$WINDOWS.~BT/Sources/Rollback/setupact.log", b, n2, false},
        {"Windows/Panther/setuperr.log", "2024-01-01 10:00:00, Error                 SP     x\r\n", 53, false},
    };
    size_t len, inner_len;
    unsigned char *zip = fixture_archive_build("zip", logs, 3, &len);
    bad |= put(dir, "truncated.zip", zip, len * 2 / 3);
    size_t cd = fixture_zip_central_directory(zip, len);
    bad |= put(dir, "nocd.zip", zip, cd ? cd : len);
    unsigned char *inner = fixture_archive_build("zip", logs + 2, 1, &inner_len);
    fixture_member outer[] = {{"case/inner.zip", inner, inner_len, false},
                              {"case/readme.txt", "collected on PC-01\n", 19, false}};
    free(zip);
    zip = fixture_archive_build("zip", outer, 2, &len);
    bad |= put(dir, "nested.zip", zip, len);
    free(zip);
    const char gbk[] = "2024-01-01 10:00:00, Error                 SP     \xB0\xB2\xD7\xB0\xCA\xA7\xB0\xDC\r\n";
    const char u16[] = "\xFF\xFE" "R\0E\0G\0E\0D\0I\0T\0" "4\0\r\0\n\0";
    fixture_member enc[] = {{"gbk/setuperr.log", gbk, sizeof gbk - 1, false},
                            {"utf16/export.reg", u16, sizeof u16 - 1, false}};
    zip = fixture_archive_build("zip", enc, 2, &len);
    bad |= put(dir, "enc.zip", zip, len);
    free(zip);
    fixture_member hostile[] = {{"../../etc/passwd", "x\n", 2, false},
                                {"C:\\Windows\\evil.log", "x\n", 2, false},
                                {"NUL", "x\n", 2, false},
                                {"link", "/etc/shadow", 0, true}};
    zip = fixture_archive_build("tar", hostile, 4, &len);
    bad |= put(dir, "hostile.tar", zip, len);
    free(zip);
    size_t big = 8u << 20;
    unsigned char *zeros = calloc(1, big);
    fixture_member bomb[] = {{"MEMORY.DMP", zeros, big, false}};
    zip = fixture_archive_build("zip", bomb, 1, &len);
    bad |= put(dir, "bomb.zip", zip, len);
    free(zip);
    free(zeros);
    static const char junk[] = "PK\x03\x04 this is not a zip at all";
    bad |= put(dir, "junk.zip", junk, sizeof junk - 1);
    zip = fixture_archive_build("7z", logs, 3, &len);
    bad |= put(dir, "logs.7z", zip, len);
    free(zip);
    zip = fixture_archive_build("tar.gz", logs, 3, &len);
    bad |= put(dir, "logs.tgz", zip, len);
    free(zip);
    free(inner);
    free(a);
    free(b);
    return bad;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "dir-zip") == 0) {
        size_t len;
        unsigned char *zip = fixture_archive_from_dir("zip", argv[2], &len);
        int rc = zip && fixture_write_file(argv[3], zip, len) == 0 ? 0 : 1;
        free(zip);
        return rc;
    }
    if (argc == 3 && strcmp(argv[1], "set") == 0)
        return write_set(argv[2]);
    fprintf(stderr, "usage: mkfixture dir-zip DIR OUT.zip | mkfixture set OUTDIR\n");
    return 2;
}
