/*
 * mkseed.c: writes the binary parts of examples/seed-case with the project's own fixture
 * builders: the crash dump whose stack reproduces the seed case (tests/support/synth_dump)
 * and the SYSTEM and SOFTWARE hives (tests/support/regf_writer through fixture_hive). The text logs of
 * the example are committed as they are. Usage: mkseed DIR. The e2e test seed_case.sh runs
 * it into a temp dir and checks the committed files are exactly what it builds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "support/fixture_hive.h"
#include "support/synth_dump.h"

static int mkdirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mkseed DIR\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/Windows/Minidump", argv[1]);
    if (mkdirs(path) != 0) {
        fprintf(stderr, "mkseed: cannot create %s\n", path);
        return 1;
    }
    snprintf(path, sizeof path, "%s/Windows/Minidump/050622-10468-01.dmp", argv[1]);
    if (synth_seed_dump_write(path) != 0) {
        fprintf(stderr, "mkseed: cannot write %s\n", path);
        return 1;
    }
    static const struct {
        fixture_hive_kind kind;
        const char *name;
    } hives[] = {{FIXTURE_HIVE_SEED_SYSTEM, "SYSTEM"}, {FIXTURE_HIVE_SEED_SOFTWARE, "SOFTWARE"}};
    snprintf(path, sizeof path, "%s/Windows/System32/config", argv[1]);
    if (mkdirs(path) != 0) {
        fprintf(stderr, "mkseed: cannot create %s\n", path);
        return 1;
    }
    for (size_t i = 0; i < sizeof hives / sizeof hives[0]; i++) {
        size_t len = 0;
        const char *why = NULL;
        unsigned char *data = fixture_hive_build(NULL, hives[i].kind, &len, &why);
        snprintf(path, sizeof path, "%s/Windows/System32/config/%s", argv[1], hives[i].name);
        FILE *f = data ? fopen(path, "wb") : NULL;
        if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
            fprintf(stderr, "mkseed: cannot write %s%s%s\n", path, why ? ": " : "", why ? why : "");
            free(data);
            return 1;
        }
        free(data);
    }
    return 0;
}
