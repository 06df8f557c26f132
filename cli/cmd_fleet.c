/* cmd_fleet.c: `updx fleet`: many bundles at once, grouped by root cause, with a history. */
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "fleet/fleet.h"
#include "rules/rules.h"

static const char fleet_usage[] =
    "usage: updx fleet [--db FILE] [--jobs N] [--format text|csv|json|md] [--lang en|zh]\n"
    "                  [--rules DIR] [--quiet] [LIMITS] PATH...\n"
    "       updx fleet --db FILE [--format F] [--lang L] report\n"
    "\n"
    "Analyses many bundles in parallel and groups the failures by root cause (the top\n"
    "finding's rule, culprit and codes): for each group the count and share of the fleet,\n"
    "example machines, first and last seen, and what to do; then one row per machine.\n"
    "\n"
    "A PATH is a bundle (archive, folder or file) or a folder of bundles: a folder whose\n"
    "entries are all archives or bundle-like folders (holding a manifest.json, Windows'\n"
    "setup folders such as $WINDOWS.~BT, Windows or Panther, or log/dump files), and which\n"
    "has no manifest.json of its own (docs/fleet.md).\n"
    "\n"
    "  --db FILE      keep a history in FILE (SQLite): bundles already in it (same SHA-256)\n"
    "                 are skipped, new ones are added, and the view covers the whole history;\n"
    "                 an interrupted run resumes where it stopped when run again\n"
    "  report         with --db: print the view from the history without analysing anything\n"
    "  --jobs N       worker threads (default: one per CPU)\n"
    "  --format F     text (default), csv (one row per machine), json, md (Markdown)\n"
    "  --lang L       en (default) or zh, for titles, steps and headings\n"
    "  --rules DIR    also load the rules in DIR/*.yaml\n"
    "  --quiet        no progress on stderr\n" CLI_LIMITS_USAGE
    "\n"
    "Exit status: 0 every bundle was analysed, 1 some could not be (they are listed with\n"
    "their error), 2 the command line is wrong, 3 no bundle could be analysed or the history\n"
    "could not be used, 130 interrupted (run the same command again to resume).\n";

/* set by SIGINT/SIGTERM: the run takes no new bundle and finishes the ones in progress */
static volatile sig_atomic_t fleet_stop;

static void on_stop(int sig)
{
    (void)sig;
    fleet_stop = 1;
}

typedef struct progress_state {
    bool tty;
    bool quiet;
    struct timespec start;
    double last_draw;
} progress_state;

static double elapsed(const struct timespec *start)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static void on_progress(void *ud, const updx_fleet_progress *p)
{
    progress_state *s = ud;
    if (s->quiet)
        return;
    double t = elapsed(&s->start);
    double rate = t > 0 ? (double)p->done / t : 0;
    if (!s->tty) {
        fprintf(stderr, "updx fleet: %zu/%zu %s (analysed %zu, skipped %zu, failed %zu)\n", p->done, p->total,
                p->current ? p->current : "", p->analysed, p->skipped, p->failed);
        return;
    }
    if (p->done < p->total && t - s->last_draw < 0.1)
        return;  /* redraw at most ten times a second */
    s->last_draw = t;
    enum { BAR = 30 };
    char bar[BAR + 1];
    size_t fill = p->total ? p->done * BAR / p->total : BAR;
    for (size_t i = 0; i < BAR; i++)
        bar[i] = i < fill ? '#' : '.';
    bar[BAR] = '\0';
    double eta = rate > 0 ? (double)(p->total - p->done) / rate : 0;
    unsigned e = (unsigned)(eta + 0.5);
    fprintf(stderr, "\r[%s] %zu/%zu  %.1f/s  ETA %u:%02u:%02u  failed %zu skipped %zu\033[K", bar, p->done,
            p->total, rate, e / 3600, e / 60 % 60, e % 60, p->failed, p->skipped);
    if (p->done == p->total)
        fputc('\n', stderr);
    fflush(stderr);
}

static int print_view(const updx_fleet_rows *rows, updx_fleet_format fmt, updx_lang lang)
{
    json_t *view = updx_fleet_view(rows);
    if (!view) {
        fprintf(stderr, "updx fleet: out of memory\n");
        return CLI_FAIL;
    }
    updx_buf out;
    updx_buf_init(&out, (size_t)1 << 30);  /* the view of a million machines fits */
    int rc = updx_fleet_render(view, fmt, lang, &out);
    json_decref(view);
    if (rc == UPDX_OK && out.len)
        fwrite(out.data, 1, out.len, stdout);
    updx_buf_free(&out);
    return rc == UPDX_OK ? CLI_OK : CLI_FAIL;
}

static int fleet_run_cmd(int argc, char **argv)
{
    updx_fleet_opts o;
    updx_fleet_opts_default(&o);
    updx_fleet_format fmt = UPDX_FLEET_TEXT;
    updx_lang lang = UPDX_LANG_EN;
    const char *db_file = NULL, *rules_dir = NULL;
    bool quiet = false;
    char **paths = calloc((size_t)argc, sizeof *paths);
    size_t npaths = 0;
    if (!paths)
        return CLI_FAIL;
    int rc = CLI_OK;
    for (int i = 1; i < argc && rc == CLI_OK; i++) {
        const char *arg = argv[i];
        int lim = cli_limit_option("fleet", argc, argv, &i, &o.analyze.limits);
        if (lim < 0) {
            rc = CLI_USAGE;
        } else if (lim > 0) {
            continue;
        } else if (strcmp(arg, "--db") == 0 && i + 1 < argc) {
            db_file = argv[++i];
        } else if (strcmp(arg, "--jobs") == 0 && i + 1 < argc) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > UPDX_FLEET_MAX_JOBS)
                rc = cli_usage_error("fleet", "--jobs needs a number from 1 to %d", UPDX_FLEET_MAX_JOBS);
            o.jobs = (unsigned)n;
        } else if (strcmp(arg, "--format") == 0 && i + 1 < argc) {
            if (!updx_fleet_format_parse(argv[++i], &fmt))
                rc = cli_usage_error("fleet", "unknown format '%s' (text, csv, json, md)", argv[i]);
        } else if (strcmp(arg, "--lang") == 0 && i + 1 < argc) {
            if (!updx_lang_parse(argv[++i], &lang))
                rc = cli_usage_error("fleet", "unknown language '%s' (en, zh)", argv[i]);
        } else if (strcmp(arg, "--rules") == 0 && i + 1 < argc) {
            rules_dir = argv[++i];
        } else if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0) {
            quiet = true;
        } else if (strcmp(arg, "--") == 0) {
            while (++i < argc)
                paths[npaths++] = argv[i];
        } else if (arg[0] == '-' && arg[1]) {
            rc = cli_usage_error("fleet", "unknown option '%s' (see updx help fleet)", arg);
        } else {
            paths[npaths++] = argv[i];
        }
    }
    if (rc == CLI_OK && npaths == 0)
        rc = cli_usage_error("fleet", "give bundles or folders of bundles (see updx help fleet)");
    bool report_only = rc == CLI_OK && npaths == 1 && strcmp(paths[0], "report") == 0;
    if (report_only && !db_file)
        rc = cli_usage_error("fleet", "'report' needs --db FILE");
    if (rc != CLI_OK) {
        free(paths);
        return rc;
    }

    updx_fleet_db *db = NULL;
    if (db_file) {
        char err[512];
        if (updx_fleet_db_open(db_file, &db, err, sizeof err) != UPDX_OK) {
            fprintf(stderr, "updx fleet: %s: %s\n", db_file, err);
            free(paths);
            return CLI_UNREADABLE;
        }
    }
    updx_fleet_rows rows = {0};
    if (report_only) {
        if (updx_fleet_db_load(db, &rows) != UPDX_OK) {
            fprintf(stderr, "updx fleet: %s: cannot read the history\n", db_file);
            rc = CLI_UNREADABLE;
        } else {
            rc = print_view(&rows, fmt, lang);
        }
        updx_fleet_rows_free(&rows);
        updx_fleet_db_close(db);
        free(paths);
        return rc;
    }

    /* one ruleset for every worker: loaded once, read-only afterwards */
    updx_ruleset *rules = updx_rules_load_builtin(NULL);
    if (rules && rules_dir && updx_rules_load_dir(rules, rules_dir, NULL) < 0) {
        fprintf(stderr, "updx fleet: cannot read rules from '%s'\n", rules_dir);
        updx_rules_free(rules);
        updx_fleet_db_close(db);
        free(paths);
        return CLI_USAGE;
    }
    o.analyze.rules = rules;

    char **bundles = NULL;
    size_t nbundles = 0;
    if (updx_fleet_expand((const char *const *)paths, npaths, &bundles, &nbundles) != UPDX_OK) {
        fprintf(stderr, "updx fleet: too many bundles or out of memory\n");
        updx_rules_free(rules);
        updx_fleet_db_close(db);
        free(paths);
        return CLI_FAIL;
    }
    if (db) {
        updx_buf joined;
        updx_buf_init(&joined, (size_t)1 << 20);
        for (size_t i = 0; i < npaths; i++)
            updx_buf_printf(&joined, "%s%s", i ? "\n" : "", paths[i]);
        updx_buf_addc(&joined, '\0');
        if (updx_fleet_db_run_begin(db, joined.data, &o.run_id) != UPDX_OK) {
            fprintf(stderr, "updx fleet: %s: cannot write the history\n", db_file);
            rc = CLI_UNREADABLE;
        }
        updx_buf_free(&joined);
    }

    progress_state ps = {.tty = isatty(STDERR_FILENO) != 0, .quiet = quiet};
    clock_gettime(CLOCK_MONOTONIC, &ps.start);
    o.db = db;
    o.cancel = &fleet_stop;
    o.progress = on_progress;
    o.progress_ud = &ps;
    struct sigaction sa = {0}, old_int, old_term;
    sa.sa_handler = on_stop;
    sa.sa_flags = (int)SA_RESETHAND;  /* a second Ctrl-C stops at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);

    updx_fleet_progress fin = {0};
    int run = rc == CLI_OK ? updx_fleet_run(bundles, nbundles, &o, db ? NULL : &rows, &fin) : UPDX_OK;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (rc == CLI_OK && run < 0) {
        fprintf(stderr, "updx fleet: the run stopped: %s\n", updx_status_str(run));
        rc = CLI_UNREADABLE;
    }
    if (rc == CLI_OK && !quiet)
        fprintf(stderr, "updx fleet: %zu bundles: %zu analysed, %zu skipped (already in the history), %zu failed%s\n",
                fin.total, fin.analysed, fin.skipped, fin.failed,
                run == UPDX_PARTIAL ? "; interrupted: run again to resume" : "");
    if (rc == CLI_OK && run != UPDX_PARTIAL) {
        if (db) {
            updx_fleet_db_run_end(db, o.run_id);
            if (updx_fleet_db_load(db, &rows) != UPDX_OK) {
                fprintf(stderr, "updx fleet: %s: cannot read the history\n", db_file);
                rc = CLI_UNREADABLE;
            }
        }
        if (rc == CLI_OK)
            rc = print_view(&rows, fmt, lang);
        if (rc == CLI_OK && fin.failed > 0)
            rc = fin.failed == fin.total ? CLI_UNREADABLE : CLI_FAIL;
    } else if (rc == CLI_OK) {
        rc = 130;
    }
    updx_fleet_rows_free(&rows);
    updx_fleet_paths_free(bundles, nbundles);
    updx_rules_free(rules);
    updx_fleet_db_close(db);
    free(paths);
    return rc;
}

const cli_command cmd_fleet = {
    .name = "fleet",
    .summary = "analyse many bundles in parallel and group the failures by root cause",
    .usage = fleet_usage,
    .run = fleet_run_cmd,
};
