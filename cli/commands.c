/* commands.c: the list of `updx` commands, in the order `updx --help` shows them. */
#include <stddef.h>

#include "cli.h"

extern const cli_command cmd_analyze;
extern const cli_command cmd_cat;
extern const cli_command cmd_collect;
extern const cli_command cmd_explain;
extern const cli_command cmd_fleet;
extern const cli_command cmd_inventory;
extern const cli_command cmd_redact;
extern const cli_command cmd_rules;

const cli_command *const cli_commands[] = {
    &cmd_analyze,
    &cmd_fleet,
    &cmd_inventory,
    &cmd_explain,
    &cmd_rules,
    &cmd_collect,
    &cmd_redact,
    &cmd_cat,
    NULL,
};
