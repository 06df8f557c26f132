/* cmd_inventory.c: `updx inventory`: lists what a bundle holds and what is damaged in it. */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "bundle/bundle.h"
#include "bundle/bundle_json.h"
#include "cli.h"
#include "model/case.h"
#include "updx/updx.h"

static const char inventory_usage[] =
    "usage: updx inventory [--format text|json] [LIMITS] BUNDLE\n"
    "\n"
    "Lists every member of BUNDLE (a .zip/.7z/.tar/.tar.gz/.cab archive, a folder or one\n"
    "file; archives inside archives are opened too) with what it was recognised as, its\n"
    "size, text encoding and SHA-256, then the damaged members and what a limit cut short.\n"
    "Nothing is extracted to disk.\n"
    "\n"
    "  --format text|json      text (default) or the report's JSON `bundle` object\n"
    CLI_LIMITS_USAGE
    "\n"
    "Exit status: 0 read (damaged members included), 2 bad command line, 3 nothing in\n"
    "BUNDLE could be read. docs/limits.md explains each limit.\n";

static void print_text(const updx_case *c, int status)
{
    uint64_t bytes = 0;
    size_t damaged = 0;
    for (size_t i = 0; i < c->members.len; i++) {
        const updx_member_info *m = updx_avec_at(&c->members, i);
        printf("%-18s %12" PRIu64 "  %-16s %s%s%s%s\n", updx_kind_name(m->kind), m->size,
               m->encoding ? m->encoding : "-", m->name, m->detail ? "  (" : "",
               m->detail ? m->detail : "", m->detail ? ")" : "");
        bytes += m->size;
        damaged += m->damaged;
    }
    static const struct { updx_note_kind kind; const char *title; } sections[] = {
        {UPDX_NOTE_DAMAGED, "damaged"}, {UPDX_NOTE_LIMIT, "cut short by a limit"},
        {UPDX_NOTE_WARNING, "warnings"},
    };
    for (size_t s = 0; s < sizeof sections / sizeof sections[0]; s++) {
        if (!updx_notes_count(&c->notes, sections[s].kind))
            continue;
        printf("\n%s:\n", sections[s].title);
        for (size_t i = 0; i < c->notes.items.len; i++) {
            const updx_note *n = updx_note_at(&c->notes, i);
            if (n->kind != sections[s].kind)
                continue;
            if (n->offset != UPDX_NO_OFFSET)
                printf("  %s (at byte %" PRIu64 "): %s\n", n->file, n->offset, n->message);
            else
                printf("  %s: %s\n", n->file, n->message);
        }
    }
    const struct updx_bundle_facts *f = c->bundle;
    if (f) {
        printf("\nmanifest %s: collector %s %s, %zu files listed, %" PRIu32 " missing, %" PRIu32
               " differing, %zu collection errors\n", f->manifest,
               f->collector_name ? f->collector_name : "?",
               f->collector_version ? f->collector_version : "", f->files.len, f->files_missing,
               f->files_differing, f->errors.len);
    }
    printf("\n%zu members, %" PRIu64 " bytes, %zu damaged%s\n", c->members.len, bytes, damaged,
           status == UPDX_PARTIAL ? "; some input was damaged or cut short" : "");
}

static int inventory_run(int argc, char **argv)
{
    updx_limits limits;
    updx_limits_default(&limits);
    const char *format = "text", *bundle = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--format") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("inventory", "--format needs a value (text or json)");
            format = argv[++i];
            if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
                return cli_usage_error("inventory", "unknown format '%s' (text or json)", format);
            continue;
        }
        if (strncmp(arg, "--format=", 9) == 0) {
            format = arg + 9;
            if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
                return cli_usage_error("inventory", "unknown format '%s' (text or json)", format);
            continue;
        }
        int lim = cli_limit_option("inventory", argc, argv, &i, &limits);
        if (lim < 0)
            return CLI_USAGE;
        if (lim > 0)
            continue;
        if (strcmp(arg, "--") == 0 && i + 1 < argc) {
            if (bundle || i + 2 < argc)
                return cli_usage_error("inventory", "give one BUNDLE");
            bundle = argv[i + 1];
            break;
        }
        if (arg[0] == '-' && arg[1])
            return cli_usage_error("inventory", "unknown option '%s'", arg);
        if (bundle)
            return cli_usage_error("inventory", "give one BUNDLE, not '%s' and '%s'", bundle, arg);
        bundle = arg;
    }
    if (!bundle)
        return cli_usage_error("inventory", "no BUNDLE given");

    updx_case *c = updx_case_new(bundle, &limits);
    if (!c) {
        fprintf(stderr, "updx inventory: out of memory\n");
        return CLI_FAIL;
    }
    int rc = updx_bundle_walk(c, bundle, NULL, NULL);
    if (rc < 0 && rc != UPDX_ERR_IO && rc != UPDX_ERR_FORMAT) {
        fprintf(stderr, "updx inventory: '%s': %s\n", bundle, updx_status_str(rc));
        updx_case_free(c);
        return CLI_FAIL;
    }
    if (rc < 0) {
        /* say why on stderr: the notes name the file and what is wrong with it */
        for (size_t i = 0; i < c->notes.items.len; i++) {
            const updx_note *n = updx_note_at(&c->notes, i);
            if (n->kind == UPDX_NOTE_DAMAGED)
                fprintf(stderr, "updx inventory: '%s': %s\n", n->file, n->message);
        }
        fprintf(stderr, "updx inventory: nothing in '%s' could be read\n", bundle);
    }
    if (strcmp(format, "json") == 0) {
        json_t *report = json_object();
        json_object_set_new(report, "schema", json_string(UPDX_REPORT_SCHEMA));
        json_object_set_new(report, "bundle", updx_bundle_to_json(c));
        char *text = json_dumps(report, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (text) {
            puts(text);
            free(text);
        }
        json_decref(report);
    } else if (rc >= 0) {
        print_text(c, rc);
    }
    if (rc == UPDX_PARTIAL)
        fprintf(stderr, "updx inventory: '%s': %zu damaged, %zu cut short by a limit; see the "
                "lists above\n", bundle, updx_notes_count(&c->notes, UPDX_NOTE_DAMAGED),
                updx_notes_count(&c->notes, UPDX_NOTE_LIMIT));
    updx_case_free(c);
    return rc < 0 ? CLI_UNREADABLE : CLI_OK;
}

const cli_command cmd_inventory = {
    .name = "inventory",
    .summary = "list a bundle's members, what each is, and what is damaged",
    .usage = inventory_usage,
    .run = inventory_run,
};
