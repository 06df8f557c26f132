/*
 * json_out.h: the JSON report as text, with bundle.members listed from the case one member
 * at a time.
 *
 * A bundle may hold up to --max-members members (200,000 by default); as JSON objects in the
 * report's tree they cost about 1 KB each, which put the biggest bundle the limits allow
 * above the 512 MiB an analysis may use. The report is therefore built without them
 * (updx_report_build_ex(c, false)) and this writer puts them in while it writes, byte for
 * byte as json_dumps of the whole tree would.
 */
#ifndef UPDX_REPORT_JSON_OUT_H
#define UPDX_REPORT_JSON_OUT_H

#include <jansson.h>
#include <stdbool.h>

#include "model/case.h"
#include "util/buf.h"

/* Appends the report as JSON to out: indented (json_dumps' JSON_INDENT(2) |
 * JSON_PRESERVE_ORDER, and a final newline) or compact (JSON_COMPACT). When bundle.members
 * in `report` is empty and the case has members, they are listed from c. UPDX_OK, or a
 * negative updx_status. */
int updx_report_json_write(const json_t *report, const updx_case *c, bool compact, updx_buf *out);

#endif
