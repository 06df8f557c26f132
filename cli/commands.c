/* commands.c: the list of `updx` commands, in the order `updx --help` shows them. */
#include <stddef.h>

#include "cli.h"

extern const cli_command cmd_cat;
extern const cli_command cmd_explain;

const cli_command *const cli_commands[] = {
    &cmd_cat,
    &cmd_explain,
    NULL,
};
