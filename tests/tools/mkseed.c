/*
 * mkseed.c: writes the binary parts of examples/seed-case with the project's own fixture
 * builders: the crash dump whose stack reproduces the seed case (tests/support/synth_dump)
 * and, when the hive builder is available, the SYSTEM and SOFTWARE hives. The text logs of
 * the example are committed as they are. Usage: mkseed DIR. The e2e test seed_case.sh runs
 * it into a temp dir and checks the committed files are exactly what it builds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
    return 0;
}
