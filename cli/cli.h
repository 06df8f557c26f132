/*
 * cli.h: what the thin `updx` front end shares between its command files.
 *
 * Each command lives in cli/cmd_<name>.c and is listed once in cli/commands.c. Commands parse
 * their own options, call libupdx, and print. Exit codes follow docs/report-contract: 0 done,
 * 2 bad command line, 3 nothing in the input could be read.
 */
#ifndef UPDX_CLI_H
#define UPDX_CLI_H

#include <stdio.h>

#include "updx/updx.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2, CLI_UNREADABLE = 3 };

typedef struct cli_command {
    const char *name;
    const char *summary;  /* one line for `updx --help` */
    const char *usage;    /* the full text for `updx help NAME` */
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
} cli_command;

/* NULL-terminated. */
extern const cli_command *const cli_commands[];
const cli_command *cli_find(const char *name);

/* Prints "updx NAME: message" on stderr; returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The --max-* flags (help text and parser) shared by commands that read bundles. Returns 1
 * when argv[*i] was a limit flag (its value consumed), 0 when it was not, -1 on a usage
 * error (already reported). */
#define CLI_LIMITS_USAGE                                                                      \
    "  --max-depth N           archives inside archives opened, levels (default 4)\n"          \
    "  --max-members N         members listed at most (default 200000)\n"                      \
    "  --max-member-bytes N    bytes read from one member at most (default 8 GiB)\n"           \
    "  --max-total-bytes N     bytes read from the whole bundle at most (default 32 GiB)\n"    \
    "  --max-ratio N           expansion over compressed size per member (default 1000)\n"     \
    "  --max-line-bytes N      longer lines are cut and flagged (default 1 MiB)\n"             \
    "  --max-memory N          bytes of facts one analysis may hold (default 2 GiB)\n"         \
    "  --max-seconds N         time budget, 0 = none (default 0)\n"
int cli_limit_option(const char *cmd, int argc, char **argv, int *i, updx_limits *limits);

#endif
