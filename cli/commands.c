/* commands.c: the list of `updx` commands, in the order `updx --help` shows them. */
#include <stddef.h>

#include "cli.h"

extern const cli_command cmd_cat;
extern const cli_command cmd_inventory;

const cli_command *const cli_commands[] = {
    &cmd_inventory,
    &cmd_cat,
    NULL,
};
