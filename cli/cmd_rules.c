/* cmd_rules.c: `updx rules`: list the rules, validate rule files, run every rule's examples. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "rules/rules.h"
#include "updx/updx.h"

static const char rules_usage[] =
    "usage: updx rules [--rules DIR] [list|check FILE...|test]\n"
    "\n"
    "  list          print every rule: id, category, plan, source file and title\n"
    "  check FILE... validate rule files; errors are printed as FILE:LINE: message\n"
    "                (exit 1 when a file has an error)\n"
    "  test          run every rule's examples against all rules (built-in plus --rules DIR\n"
    "                plus the files given to check): a 'fire' example must fire its rule and\n"
    "                no other, a 'quiet' example must not fire its rule\n"
    "\n"
    "  --rules DIR   also load DIR/*.yaml (a rule with a built-in id replaces it)\n"
    "  --lang en|zh  language of titles in `list` (default en)\n";

static void print_notes(const updx_notes *notes, int *errors)
{
    for (size_t i = 0; i < notes->items.len; i++) {
        const updx_note *n = updx_note_at(notes, i);
        if (n->kind == UPDX_NOTE_INFO) {
            fprintf(stderr, "%s:%llu: note: %s\n", n->file, (unsigned long long)n->line, n->message);
            continue;
        }
        fprintf(stderr, "%s:%llu: error: %s\n", n->file, (unsigned long long)n->line, n->message);
        (*errors)++;
    }
}

typedef struct test_ctx {
    int shown;
} test_ctx;

static void on_example(void *ud, const updx_example_result *res)
{
    test_ctx *t = ud;
    bool bad = res->must_fire ? (!res->fired || res->others) : res->fired;
    if (!bad)
        return;
    t->shown++;
    if (res->must_fire && !res->fired)
        fprintf(stderr, "%s:%u: FAIL rule %s: 'fire' example %zu does not fire it\n",
                updx_rule_source(res->rule), res->line, updx_rule_id(res->rule), res->example + 1);
    else if (res->must_fire)
        fprintf(stderr, "%s:%u: FAIL rule %s: 'fire' example %zu also fires %s\n",
                updx_rule_source(res->rule), res->line, updx_rule_id(res->rule), res->example + 1, res->others);
    else
        fprintf(stderr, "%s:%u: FAIL rule %s: 'quiet' example %zu fires it\n",
                updx_rule_source(res->rule), res->line, updx_rule_id(res->rule), res->example + 1);
}

static int rules_run(int argc, char **argv)
{
    const char *dir = NULL, *lang = "en";
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
            lang = argv[++i];
        else
            return cli_usage_error("rules", "unknown option '%s'", argv[i]);
    }
    const char *action = i < argc ? argv[i++] : "list";
    if (strcmp(action, "list") != 0 && strcmp(action, "check") != 0 && strcmp(action, "test") != 0)
        return cli_usage_error("rules", "unknown action '%s' (list, check, test)", action);
    if (strcmp(action, "check") == 0 && i >= argc)
        return cli_usage_error("rules", "check needs FILE...");

    updx_arena arena;
    updx_arena_init(&arena, 0);
    updx_notes notes;
    updx_notes_init(&notes, &arena, 10000);
    int errors = 0;
    updx_ruleset *rs = updx_rules_load_builtin(&notes);
    if (!rs) {
        fprintf(stderr, "updx rules: out of memory\n");
        return CLI_FAIL;
    }
    print_notes(&notes, &errors);
    if (errors)
        fprintf(stderr, "updx rules: the built-in rules have %d error(s)\n", errors);
    updx_notes_free(&notes);
    updx_notes_init(&notes, &arena, 10000);
    if (dir)
        updx_rules_load_dir(rs, dir, &notes);
    int checked = 0;
    if (strcmp(action, "check") == 0) {
        for (; i < argc; i++, checked++) {
            int rc = updx_rules_load_file(rs, argv[i], &notes);
            if (rc >= 0)
                printf("%s: %d rule(s) loaded\n", argv[i], rc);
        }
    }
    int user_errors = 0;
    print_notes(&notes, &user_errors);
    errors += user_errors;

    int rc = errors ? CLI_FAIL : CLI_OK;
    if (strcmp(action, "list") == 0) {
        for (size_t k = 0; k < updx_rules_count(rs); k++) {
            const updx_rule *r = updx_rules_at(rs, k);
            updx_i18n t = updx_rule_title(r);
            printf("%-46s %-13s %-24s %s:%u\n    %s\n", updx_rule_id(r), updx_category_name(updx_rule_category(r)),
                   updx_rule_plan(r) ? updx_rule_plan(r) : "-", updx_rule_source(r), updx_rule_line(r),
                   strcmp(lang, "zh") == 0 ? t.zh : t.en);
        }
    }
    if (strcmp(action, "test") == 0 || strcmp(action, "check") == 0) {
        test_ctx t = {0};
        int failed = updx_rules_run_examples(rs, on_example, &t);
        if (failed < 0) {
            fprintf(stderr, "updx rules: %s\n", updx_status_str(failed));
            rc = CLI_FAIL;
        } else {
            printf("%zu rules, %d example(s) failed\n", updx_rules_count(rs), failed);
            if (failed)
                rc = CLI_FAIL;
        }
    }
    (void)checked;
    updx_rules_free(rs);
    updx_notes_free(&notes);
    updx_arena_free(&arena);
    return rc;
}

const cli_command cmd_rules = {
    .name = "rules",
    .summary = "list, validate and test diagnosis rules (built-in and --rules DIR)",
    .usage = rules_usage,
    .run = rules_run,
};
