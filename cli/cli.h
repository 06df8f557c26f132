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

#endif
