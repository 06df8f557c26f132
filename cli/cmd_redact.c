/* cmd_redact.c: `updx redact BUNDLE --out FILE`: a copy of a bundle that can be shared. */
#include <string.h>

#include "cli.h"
#include "collect/collect_posix.h"

static const char redact_usage[] =
    "usage: updx redact BUNDLE --out FILE\n"
    "\n"
    "Writes a copy of BUNDLE (a zip or any archive) in which user names, the computer and\n"
    "domain names, IP and MAC addresses and user SIDs are replaced by consistent\n"
    "placeholders (USER1, COMPUTER1, DOMAIN1, 192.0.2.x, 00-00-5E-00-53-xx, S-1-5-21-0-0-n-RID)\n"
    "in every text member and in manifest.json. Binary members (dumps, hives, event logs)\n"
    "are copied unchanged and listed as \"redacted\": false. The new manifest says how many of\n"
    "each kind were replaced, never the values.\n";

static int redact_run(int argc, char **argv)
{
    const char *in = NULL, *out = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (argv[i][0] == '-')
            return cli_usage_error("redact", "unknown option '%s'", argv[i]);
        else if (!in)
            in = argv[i];
        else
            return cli_usage_error("redact", "only one BUNDLE");
    }
    if (!in || !out)
        return cli_usage_error("redact", "BUNDLE and --out FILE are required");
    char err[512] = "", hex[65];
    if (updx_redact_bundle(in, out, stdout, err, sizeof err) != 0) {
        fprintf(stderr, "updx redact: %s\n", err);
        return CLI_UNREADABLE;
    }
    long n = updx_collect_verify(out, hex, err, sizeof err);
    if (n < 0) {
        fprintf(stderr, "updx redact: VERIFICATION FAILED for %s: %s\n", out, err);
        return CLI_FAIL;
    }
    printf("verified: all %ld SHA-256 hashes match the manifest\nSHA-256 of %s: %s\n", n, out, hex);
    return CLI_OK;
}

const cli_command cmd_redact = {"redact", "write a copy of a bundle without names and addresses",
                                redact_usage, redact_run};
