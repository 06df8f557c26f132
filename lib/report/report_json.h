/*
 * report_json.h: the JSON report, built from a case (the schema is docs/report-schema.json;
 * the fields scripts rely on are fixed by the report contract). Each area contributes its
 * own section (bundle, upgrade, crashes, ...); this file holds the shared pieces and the
 * findings, and assembles the whole.
 */
#ifndef UPDX_REPORT_REPORT_JSON_H
#define UPDX_REPORT_REPORT_JSON_H

#include <jansson.h>

#include "model/case.h"
#include "model/finding.h"

/* {"file":..., "line":N | "offset":N, "text":...}; lines are 1-based, offsets in bytes. */
json_t *updx_evref_to_json(const updx_evref *e);
/* {"en":..., "zh":...} */
json_t *updx_i18n_to_json(const updx_i18n *t);
/* "0x%08X" (or wider for values above 32 bits) */
json_t *updx_hex_to_json(uint64_t value, int digits);

json_t *updx_finding_to_json(const updx_finding *f);
json_t *updx_findings_to_json(const updx_case *c);
/* every note: kind, file, line/offset, message */
json_t *updx_notes_to_json(const updx_case *c);

#endif
