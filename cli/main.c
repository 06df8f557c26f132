/* main.c: `updx` entry point: dispatches to the commands listed in commands.c. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "updx/updx.h"

static void print_help(FILE *out)
{
    fprintf(out,
            "usage: updx [--version] [--help] COMMAND [ARGS]\n"
            "\n"
            "updx finds out why a Windows feature upgrade failed and rolled back, from the\n"
            "logs and crash dumps collected on the failed PC.\n"
            "\n"
            "commands:\n");
    for (const cli_command *const *c = cli_commands; *c; c++)
        fprintf(out, "  %-10s %s\n", (*c)->name, (*c)->summary);
    fprintf(out, "\n'updx help COMMAND' shows a command's options. man updx has the rest.\n");
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "updx %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fprintf(stderr, "try 'updx help %s'\n", cmd);
    return CLI_USAGE;
}

const cli_command *cli_find(const char *name)
{
    for (const cli_command *const *c = cli_commands; *c; c++)
        if (strcmp((*c)->name, name) == 0)
            return *c;
    return NULL;
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stdout);
        return CLI_OK;
    }
    const cli_command *c = cli_find(argv[1]);
    if (!c) {
        fprintf(stderr, "updx help: no command '%s'\n", argv[1]);
        return CLI_USAGE;
    }
    fputs(c->usage, stdout);
    return CLI_OK;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stderr);
        return CLI_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("updx %s (report schema %s)\n", updx_version(), UPDX_REPORT_SCHEMA);
        return CLI_OK;
    }
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        print_help(stdout);
        return CLI_OK;
    }
    if (strcmp(name, "help") == 0)
        return cmd_help(argc - 1, argv + 1);
    const cli_command *c = cli_find(name);
    if (!c) {
        fprintf(stderr, "updx: '%s' is not a command; see 'updx --help'\n", name);
        return CLI_USAGE;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(c->usage, stdout);
            return CLI_OK;
        }
    }
    return c->run(argc - 1, argv + 1);
}
