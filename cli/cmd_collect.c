/* cmd_collect.c: `updx collect --root DIR`: the file-based part of updx-collect.exe, from a
 * Windows volume mounted on Linux, into the same zip and manifest. */
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "collect/collect_posix.h"

static const char collect_usage[] =
    "usage: updx collect --root DIR [--out DIR] [--categories LIST] [--redact]\n"
    "                    [--memory-dump] [--max-file-size MB] [--max-total-size MB]\n"
    "\n"
    "Collects the upgrade logs, setupapi logs, CompatData/Appraiser XML, crash dumps, CBS and\n"
    "DISM logs, the SYSTEM and SOFTWARE hives and the System/Application/Setup event logs from\n"
    "a Windows volume mounted at DIR into updx-offline-YYYYMMDD-HHMMSS.zip with manifest.json\n"
    "(every file's original path, size, SHA-256, time), then re-reads the zip, checks every\n"
    "hash and prints the zip's SHA-256. Never takes SAM, SECURITY or NTUSER.DAT.\n"
    "\n"
    "  --root DIR          the mounted Windows volume (the folder holding Windows\\)\n"
    "  --out DIR           where the zip goes (default: the current folder)\n"
    "  --categories LIST   upgrade,dumps,servicing,registry,events,memory or all\n"
    "  --memory-dump       also take MEMORY.DMP (RAM-sized, holds secrets)\n"
    "  --max-file-size MB  skip larger files (default 2048)\n"
    "  --max-total-size MB stop adding files beyond this (default 16384)\n"
    "  --redact            replace user/computer/domain names, IPs, MACs, user SIDs in text\n";

static int parse_mb(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || v == 0 || v > (1ull << 24))
        return -1;
    *out = (uint64_t)v << 20;
    return 0;
}

static int collect_run(int argc, char **argv)
{
    updx_collect_opts opts;
    updx_collect_default_opts(&opts);
    const char *root = NULL, *outdir = ".";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool v = i + 1 < argc;
        const char *bad = NULL;
        if (strcmp(a, "--root") == 0 && v)
            root = argv[++i];
        else if (strcmp(a, "--out") == 0 && v)
            outdir = argv[++i];
        else if (strcmp(a, "--redact") == 0)
            opts.redact = true;
        else if (strcmp(a, "--memory-dump") == 0)
            opts.categories |= UPDX_CAT_MEMORY;
        else if (strcmp(a, "--categories") == 0 && v) {
            if (!updx_collect_parse_categories(argv[++i], &opts.categories, &bad))
                return cli_usage_error("collect", "unknown category in '%s'", bad ? bad : argv[i]);
        } else if (strcmp(a, "--max-file-size") == 0 && v) {
            if (parse_mb(argv[++i], &opts.max_file_bytes) != 0)
                return cli_usage_error("collect", "bad --max-file-size '%s'", argv[i]);
        } else if (strcmp(a, "--max-total-size") == 0 && v) {
            if (parse_mb(argv[++i], &opts.max_total_bytes) != 0)
                return cli_usage_error("collect", "bad --max-total-size '%s'", argv[i]);
        } else
            return cli_usage_error("collect", "unknown option '%s'", a);
    }
    if (!root)
        return cli_usage_error("collect", "--root DIR is required (live collection is updx-collect.exe on Windows)");
    if (mkdir(outdir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "updx collect: cannot create the folder '%s': %s\n", outdir, strerror(errno));
        return CLI_FAIL;
    }
    char stamp[32], zip[4096], err[512] = "";
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(zip, sizeof zip, "%s/updx-offline-%s.zip", outdir, stamp);
    printf("updx collect: collecting from %s\n", root);
    if (updx_collect_root(root, zip, &opts, stdout, err, sizeof err) != 0) {
        fprintf(stderr, "updx collect: %s\n", err);
        return CLI_UNREADABLE;
    }
    char hex[65];
    long n = updx_collect_verify(zip, hex, err, sizeof err);
    if (n < 0) {
        fprintf(stderr, "updx collect: VERIFICATION FAILED for %s: %s\n", zip, err);
        return CLI_FAIL;
    }
    printf("verified: all %ld SHA-256 hashes match the manifest\nwrote %s\nSHA-256 of the zip: %s\n",
           n, zip, hex);
    return CLI_OK;
}

const cli_command cmd_collect = {"collect", "collect a bundle from a mounted Windows volume",
                                 collect_usage, collect_run};
