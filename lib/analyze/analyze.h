/*
 * analyze.h: the whole job for one bundle: read every member, build the story, diagnose,
 * and produce the JSON report. This is what `updx analyze` and the fleet workers call.
 */
#ifndef UPDX_ANALYZE_ANALYZE_H
#define UPDX_ANALYZE_ANALYZE_H

#include <jansson.h>
#include <stdbool.h>

#include "model/case.h"

struct updx_ruleset;

typedef struct updx_analyze_opts {
    updx_limits limits;                 /* set with updx_limits_default, then adjust */
    const char *codepage;               /* force the fallback code page of legacy lines */
    const struct updx_ruleset *rules;   /* shared ruleset (fleet); NULL = the built-in rules */
    /* Text members are searched block-wise for the readers' and rules' literals once this
     * many bytes were read (0 = the default, 1 MiB; UINT64_MAX = never). The results are the
     * same either way; tests set 1 to prove it on small files. */
    uint64_t prefilter_after;
} updx_analyze_opts;

void updx_analyze_opts_default(updx_analyze_opts *opts);

/*
 * Analyses the bundle at `path` (archive, folder or single file). *out gets the case, which
 * the caller frees with updx_case_free, even on failure (its notes say what went wrong).
 * Returns UPDX_OK, UPDX_PARTIAL (something was damaged or cut short), or a negative status
 * when nothing in the input could be read at all.
 */
int updx_analyze_path(const char *path, const updx_analyze_opts *opts, updx_case **out);

/* The same over a bundle held in memory (`name` is what the report calls it). */
int updx_analyze_mem(const char *name, const void *data, size_t len, const updx_analyze_opts *opts,
                     updx_case **out);

/* The JSON report of an analysed case (docs/report-schema.json). A new reference. */
json_t *updx_report_build(const updx_case *c);
/* The same with bundle.members left empty when list_members is false, for
 * updx_report_json_write (which lists them from the case) and the text renderers (which
 * only count them: bundle.summary.members). */
json_t *updx_report_build_ex(const updx_case *c, bool list_members);

/* Adds WER's upgrade results (event 1001 WinSetupDiag02) to the setup facts as weak
 * evidence for the story. Call after the readers, before updx_story_build. */
void updx_feed_wer_results(updx_case *c);

/* Answers rule conditions from the case's facts (the updx_fact_fn of lib/rules/rules.h). */
int updx_case_fact(void *ud, const char *path, const char **values, size_t max_values);
/* Where a fact's value was read, for the evidence of findings resting on it (the
 * updx_fact_source_fn of lib/rules/rules.h): registry values and appraiser indicators. */
bool updx_case_fact_source(void *ud, const char *path, const char *value, updx_evref *out);

#endif
