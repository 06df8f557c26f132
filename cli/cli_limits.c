/* cli_limits.c: the --max-* flags shared by every command that reads bundles (docs/limits.md). */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static bool parse_count(const char *s, uint64_t *out)
{
    if (!s || !*s || *s == '-')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return false;
    *out = v;
    return true;
}

int cli_limit_option(const char *cmd, int argc, char **argv, int *i, updx_limits *limits)
{
    static const struct {
        const char *flag;
        int which;
        bool wide; /* 64-bit field */
    } numeric[] = {
        {"--max-depth", 0, false},       {"--max-members", 1, false}, {"--max-member-bytes", 2, true},
        {"--max-total-bytes", 3, true},  {"--max-ratio", 4, false},   {"--max-seconds", 5, false},
        {"--max-line-bytes", 6, false},  {"--max-memory", 7, true},
    };
    const char *arg = argv[*i];
    for (size_t k = 0; k < sizeof numeric / sizeof numeric[0]; k++) {
        if (strcmp(arg, numeric[k].flag) != 0)
            continue;
        uint64_t v;
        if (*i + 1 >= argc || !parse_count(argv[*i + 1], &v)) {
            cli_usage_error(cmd, "%s needs a whole number", arg);
            return -1;
        }
        (*i)++;
        if (!numeric[k].wide && v > UINT32_MAX) {
            cli_usage_error(cmd, "%s %s is too large", arg, argv[*i]);
            return -1;
        }
        switch (numeric[k].which) {
        case 0: limits->max_depth = (uint32_t)v; break;
        case 1: limits->max_members = (uint32_t)v; break;
        case 2: limits->max_member_bytes = v; break;
        case 3: limits->max_total_bytes = v; break;
        case 4: limits->max_ratio = (uint32_t)v; break;
        case 5: limits->max_seconds = (uint32_t)v; break;
        case 6: limits->max_line_bytes = (uint32_t)v; break;
        case 7: limits->max_memory_bytes = v; break;
        }
        return 1;
    }
    return 0;
}
