/*
 * story.h: the upgrade's story, built from the setup facts once every log has been read.
 *
 * How many attempts there were; for each, source and target build and edition, the phases
 * entered with their first times, the final result and extended code with the line that
 * carried each, remaps (telemetry 0xC1900108, disk full, cancellation), whether it rolled
 * back, and the fatal error with the chain of lines that led to it. The chain follows
 * Microsoft's documented procedure: take the final result code, find its first appearance
 * as an error, and read what precedes it; never "the last Error line".
 * docs/setup-logs.md explains each field and where it comes from.
 */
#ifndef UPDX_LOGS_STORY_H
#define UPDX_LOGS_STORY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "knowledge/codes.h"
#include "logs/setup_facts.h"
#include "model/case.h"

typedef enum updx_outcome {
    UPDX_OUTCOME_UNKNOWN = 0,
    UPDX_OUTCOME_SUCCEEDED,
    UPDX_OUTCOME_ROLLED_BACK,
    UPDX_OUTCOME_FAILED,
    UPDX_OUTCOME_BLOCKED,
} updx_outcome;

/* "succeeded", "rolled_back", "failed", "blocked", "unknown" (report contract). */
const char *updx_outcome_name(updx_outcome outcome);

#define UPDX_STORY_PHASES 6   /* indexed by updx_upgrade_phase 0..5 */
#define UPDX_STORY_MAX_CHAIN 16

typedef struct updx_story_remap {
    uint32_t from, to;
    bool telemetry;            /* "for telemetry": `to` is not the error */
    const updx_setup_event *event;
} updx_story_remap;

typedef struct updx_attempt {
    uint32_t index;                        /* 0-based */
    const updx_setup_event *start;         /* the "SetupPhaseUnknown ->" line, or NULL */
    const char *source_version, *source_build, *source_edition;
    const char *target_version, *target_edition;
    uint32_t target_build;                 /* from tracing data when no version line, or 0 */
    const updx_setup_event *rollback_start;/* first "Initiating rollback/uninstall" */
    bool entered[UPDX_STORY_PHASES];
    const updx_setup_event *phase_evidence[UPDX_STORY_PHASES]; /* first line of each phase */

    bool has_result, has_extended;
    uint32_t result, extended;
    const updx_setup_event *result_event, *extended_event;
    bool extended_from_rollback;           /* built from "Current phase"/"Current op" */
    updx_upgrade_phase phase;              /* where it failed, or UPDX_PHASE_NONE */
    bool rolled_back, cancelled, succeeded;
    const updx_setup_event *success_event;
    updx_outcome outcome;

    updx_story_remap remaps[8];
    uint32_t remap_count;

    const updx_setup_event *fatal;         /* first appearance of the result code as an error */
    const updx_setup_event *chain[UPDX_STORY_MAX_CHAIN]; /* in reading order */
    uint32_t chain_len;
} updx_attempt;

typedef struct updx_story {
    updx_avec attempts;                    /* updx_attempt */
    const updx_attempt *final;             /* the attempt the report is about, or NULL */
} updx_story;

/* Builds c->setup->story from the facts; call after every log was read. Safe to call again
 * (rebuilds). Never fails loudly: with no facts the story says "unknown". */
void updx_story_build(updx_case *c);

/* The report's `upgrade` object (new reference), or NULL when out of memory. Works (outcome
 * "unknown") when no story was built. */
json_t *updx_story_to_json(const updx_case *c);

/* Accessors for rules and reporters. All accept a case without a story. */
const updx_story *updx_story_get(const updx_case *c);
const updx_attempt *updx_story_final(const updx_case *c);
size_t updx_story_attempt_count(const updx_case *c);
const updx_attempt *updx_story_attempt(const updx_case *c, size_t i);
updx_outcome updx_story_outcome(const updx_case *c);
/* False when no result code is known. */
bool updx_story_result(const updx_case *c, uint32_t *result, bool *has_extended, uint32_t *extended);
updx_upgrade_phase updx_story_phase(const updx_case *c);
bool updx_story_rolled_back(const updx_case *c);
bool updx_story_cancelled(const updx_case *c);
/* True when the story's final code was remapped from `code` or to it for telemetry. */
bool updx_story_is_telemetry_remap(const updx_case *c, uint32_t code);

#endif
