/*
 * correlate.h: the diagnosis. Joins the evidence of every source by name (driver, service,
 * INF), by attempt and by phase, ranks the candidate causes and writes them as findings,
 * each with its chain of reasoning, evidence, contradicting evidence and remediation plan.
 *
 * The model chain is the case behind the project: the upgrade rolled back with
 * 0xC1900101-0x3xxxx in FIRST_BOOT, because a bug check during boot-time driver load blames
 * a third-party driver (a crash dump, pasted debugger text or the rollback log's bug-check
 * block), consistent with setupapi showing that driver's migration failing, and two attempts
 * failed the same way. A cause that several sources support ranks above one that a single
 * source supports.
 */
#ifndef UPDX_DIAGNOSE_CORRELATE_H
#define UPDX_DIAGNOSE_CORRELATE_H

#include <jansson.h>

#include "model/case.h"

/* Adds the correlated driver findings to c->findings. Call after every reader and
 * updx_story_build, and before the rule findings are merged (updx_diagnose_finish). */
void updx_correlate_drivers(updx_case *c);

/* Merges rule findings into correlated findings about the same culprit, applies the
 * remediation plans, ranks everything (most likely first) and computes signatures. */
void updx_diagnose_finish(updx_case *c);

/* What evidence is missing to be sure, as {"en","zh"} objects (a new reference). */
json_t *updx_missing_evidence_json(const updx_case *c);

#endif
