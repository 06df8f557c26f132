/* cmd_analyze.c: `updx analyze`: the main job. Reads a bundle, diagnoses, prints the report
 * and, with --remedy DIR, writes the remediation scripts into DIR (and nowhere else). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analyze/analyze.h"
#include "cli.h"
#include "model/finding.h"
#include "remedy/scripts.h"
#include "report/json_out.h"
#include "report/render.h"
#include "rules/rules.h"

static const char analyze_usage[] =
    "usage: updx analyze [--format text|json|md] [--lang en|zh] [--summary] [--remedy DIR]\n"
    "                    [--rules DIR] [--codepage CP] [--color auto|always|never] [LIMITS] BUNDLE\n"
    "\n"
    "Finds out why the Windows feature upgrade recorded in BUNDLE failed: reads every log,\n"
    "dump, hive and event log in it (a .zip/.7z/.tar(.gz)/.cab archive, a folder, or one\n"
    "file), correlates the evidence, and reports the ranked causes with their evidence,\n"
    "decoded error codes and a remediation plan.\n"
    "\n"
    "  --format F        text (default), json (docs/report-schema.json) or md (Markdown)\n"
    "  --lang L          en (default) or zh (Chinese, for the text, md and summary reports)\n"
    "  --summary         the support desk's case summary (问题描述 / 分析过程 / 结论 / 建议操作)\n"
    "  --remedy DIR      write the top findings' scripts into DIR: apply.reg, restore.reg,\n"
    "                    updx-remedy.cmd and updx-remedy.ps1 (apply, verify, restore)\n"
    "  --rules DIR       also load the rules in DIR/*.yaml (docs/rule-authoring.md)\n"
    "  --codepage CP     decode non-UTF-8 log lines with CP (GB18030, CP950, CP1251, ...)\n"
    "  --color WHEN      colours in the text report: auto (on a terminal), always, never\n" CLI_LIMITS_USAGE
    "\n"
    "Exit status: 0 the bundle was analysed (whatever was found, damaged members included),\n"
    "2 the command line is wrong, 3 nothing in BUNDLE could be read.\n";

/* Member and folder names written under DIR come from service names: keep them tame. */
static void safe_name(const char *in, char *out, size_t size)
{
    size_t n = 0;
    for (; *in && n + 1 < size; in++)
        out[n++] = ((*in >= 'a' && *in <= 'z') || (*in >= 'A' && *in <= 'Z') || (*in >= '0' && *in <= '9') ||
                    *in == '-' || *in == '_')
                       ? *in
                       : '_';
    out[n] = '\0';
}

static int write_at(int dirfd, const char *name, const updx_buf *content)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    size_t off = 0;
    while (off < content->len) {
        ssize_t w = write(fd, content->data + off, content->len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        off += (size_t)w;
    }
    return close(fd);
}

/* Writes one folder of scripts per finding that has registry changes: the first into DIR
 * itself, the next ones into DIR/2-<service>/ and so on. */
static int write_remedies(const updx_case *c, const char *dir, const char *bundle)
{
    /* like mkdir -p: the folders above DIR are created too */
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, "updx analyze: cannot create '%s': %s\n", path, strerror(errno));
            return CLI_FAIL;
        }
        *p = '/';
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "updx analyze: cannot create '%s': %s\n", dir, strerror(errno));
        return CLI_FAIL;
    }
    int root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) {
        fprintf(stderr, "updx analyze: cannot open '%s': %s\n", dir, strerror(errno));
        return CLI_FAIL;
    }
    int written = 0, rc = CLI_OK;
    for (size_t i = 0; i < c->findings.len; i++) {
        const updx_finding *f = updx_avec_at(&c->findings, i);
        updx_remedy_files files;
        if (updx_remedy_build(f, bundle, updx_version(), &files) != UPDX_OK)
            continue;
        int dfd = root;
        char sub[160] = "";
        if (written > 0) {
            char tame[128];
            safe_name(f->culprit.service ? f->culprit.service : f->rule, tame, sizeof tame);
            snprintf(sub, sizeof sub, "%d-%s", written + 1, tame);
            if (mkdirat(root, sub, 0755) != 0 && errno != EEXIST)
                dfd = -1;
            else
                dfd = openat(root, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        }
        for (size_t k = 0; dfd >= 0 && k < files.count; k++) {
            if (write_at(dfd, files.files[k].name, &files.files[k].content) != 0) {
                fprintf(stderr, "updx analyze: cannot write '%s/%s%s%s': %s\n", dir, sub, *sub ? "/" : "",
                        files.files[k].name, strerror(errno));
                rc = CLI_FAIL;
            }
        }
        if (dfd < 0) {
            fprintf(stderr, "updx analyze: cannot create '%s/%s'\n", dir, sub);
            rc = CLI_FAIL;
        }
        if (dfd >= 0 && dfd != root)
            close(dfd);
        updx_remedy_files_free(&files);
        fprintf(stderr, "updx analyze: remediation for %s written to %s%s%s\n",
                f->culprit.name ? f->culprit.name : f->rule, dir, *sub ? "/" : "", sub);
        written++;
    }
    close(root);
    if (written == 0)
        fprintf(stderr, "updx analyze: no finding has registry changes; nothing written to %s\n", dir);
    return rc;
}

static int analyze_run(int argc, char **argv)
{
    updx_analyze_opts opts;
    updx_analyze_opts_default(&opts);
    updx_format format = UPDX_FORMAT_TEXT;
    updx_render_opts ropts = {.lang = UPDX_LANG_EN};
    const char *bundle = NULL, *remedy = NULL, *rules_dir = NULL, *color = "auto";
    bool summary = false;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        int lim = cli_limit_option("analyze", argc, argv, &i, &opts.limits);
        if (lim < 0)
            return CLI_USAGE;
        if (lim > 0)
            continue;
        if (strcmp(arg, "--format") == 0 || strcmp(arg, "-f") == 0) {
            if (!val || !updx_format_parse(val, &format) || format == UPDX_FORMAT_SUMMARY)
                return cli_usage_error("analyze", "--format takes text, json or md");
            i++;
        } else if (strcmp(arg, "--lang") == 0) {
            if (!val || !updx_lang_parse(val, &ropts.lang))
                return cli_usage_error("analyze", "--lang takes en or zh");
            i++;
        } else if (strcmp(arg, "--summary") == 0) {
            summary = true;
        } else if (strcmp(arg, "--remedy") == 0) {
            if (!val)
                return cli_usage_error("analyze", "--remedy needs a folder");
            remedy = argv[++i];
        } else if (strcmp(arg, "--rules") == 0) {
            if (!val)
                return cli_usage_error("analyze", "--rules needs a folder");
            rules_dir = argv[++i];
        } else if (strcmp(arg, "--codepage") == 0) {
            if (!val)
                return cli_usage_error("analyze", "--codepage needs a code page name");
            opts.codepage = argv[++i];
        } else if (strcmp(arg, "--color") == 0 || strcmp(arg, "--colour") == 0) {
            if (!val || (strcmp(val, "auto") != 0 && strcmp(val, "always") != 0 && strcmp(val, "never") != 0))
                return cli_usage_error("analyze", "--color takes auto, always or never");
            color = argv[++i];
        } else if (strcmp(arg, "--") == 0 && i + 1 < argc) {
            bundle = argv[++i];
        } else if (arg[0] == '-' && arg[1]) {
            return cli_usage_error("analyze", "unknown option '%s'", arg);
        } else if (bundle) {
            return cli_usage_error("analyze", "give one BUNDLE, not '%s' and '%s'", bundle, arg);
        } else {
            bundle = arg;
        }
    }
    if (!bundle)
        return cli_usage_error("analyze", "no BUNDLE given");
    if (summary)
        format = UPDX_FORMAT_SUMMARY;
    ropts.color = strcmp(color, "always") == 0 || (strcmp(color, "auto") == 0 && format == UPDX_FORMAT_TEXT &&
                                                   isatty(STDOUT_FILENO) && !getenv("NO_COLOR"));

    updx_ruleset *rules = NULL;
    if (rules_dir) {
        updx_case *errs = updx_case_new("rules", NULL);
        rules = updx_rules_load_builtin(errs ? &errs->notes : NULL);
        int lrc = rules ? updx_rules_load_dir(rules, rules_dir, errs ? &errs->notes : NULL) : UPDX_ERR_NOMEM;
        for (size_t i = 0; errs && i < errs->notes.items.len; i++) {
            const updx_note *n = updx_note_at(&errs->notes, i);
            fprintf(stderr, "updx analyze: %s:%llu: %s\n", n->file, (unsigned long long)n->line, n->message);
        }
        updx_case_free(errs);
        if (lrc < 0) {
            fprintf(stderr, "updx analyze: cannot read rules from '%s'\n", rules_dir);
            updx_rules_free(rules);
            return CLI_USAGE;
        }
        opts.rules = rules;
    }

    updx_case *c = NULL;
    int rc = updx_analyze_path(bundle, &opts, &c);
    if (!c) {
        fprintf(stderr, "updx analyze: out of memory\n");
        updx_rules_free(rules);
        return CLI_FAIL;
    }
    int exit_code = CLI_OK;
    if (rc < 0 && c->members.len == 0) {
        fprintf(stderr, "updx analyze: '%s': nothing could be read (%s)\n", bundle, updx_status_str(rc));
        for (size_t i = 0; i < c->notes.items.len; i++) {
            const updx_note *n = updx_note_at(&c->notes, i);
            fprintf(stderr, "updx analyze: %s: %s\n", *n->file ? n->file : bundle, n->message);
        }
        exit_code = CLI_UNREADABLE;
    } else {
        size_t damaged = updx_notes_count(&c->notes, UPDX_NOTE_DAMAGED);
        if (damaged)
            fprintf(stderr, "updx analyze: %zu damaged members or regions in '%s' (listed in the report)\n", damaged,
                    bundle);
        /* members are listed while the JSON is written, not held as a tree (json_out.h) */
        json_t *report = updx_report_build_ex(c, false);
        updx_buf out;
        updx_buf_init(&out, (size_t)1 << 30);
        int rrc = format == UPDX_FORMAT_JSON ? updx_report_json_write(report, c, false, &out)
                                             : updx_render(report, format, &ropts, &out);
        if (rrc == UPDX_OK)
            fwrite(out.data, 1, out.len, stdout);
        else
            exit_code = CLI_FAIL;
        updx_buf_free(&out);
        json_decref(report);
        if (remedy) {
            int wr = write_remedies(c, remedy, bundle);
            if (wr != CLI_OK)
                exit_code = wr;
        }
    }
    updx_case_free(c);
    updx_rules_free(rules);
    return exit_code;
}

const cli_command cmd_analyze = {
    .name = "analyze",
    .summary = "find out why the upgrade failed and what to do (the main job)",
    .usage = analyze_usage,
    .run = analyze_run,
};
