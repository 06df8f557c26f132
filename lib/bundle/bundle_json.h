/*
 * bundle_json.h: the report's `bundle` object (docs/report-contract.md: bundle.members[],
 * bundle.damaged[]) built from a walked case.
 */
#ifndef UPDX_BUNDLE_BUNDLE_JSON_H
#define UPDX_BUNDLE_BUNDLE_JSON_H

#include <jansson.h>
#include <stdbool.h>

#include "model/case.h"

/*
 * {"name", "members": [{name, kind, size, sha256, encoding, detail, depth, damaged}],
 *  "damaged": [{name, error, offset?}], "limits": [{name, message}],
 *  "warnings": [{name, message}], "summary": {...}, "manifest": {...}?}
 * Members in walk order (sorted names, so the same bundle gives the same report), notes in
 * the order they were made. Returns a new reference, or NULL when out of memory.
 */
json_t *updx_bundle_to_json(const updx_case *c);
/* The same with "members" left an empty array when list_members is false: a bundle of
 * 200,000 members takes about 1 KB of JSON tree per member, so the report's writer lists
 * them from the case one at a time instead (updx_report_json_write). */
json_t *updx_bundle_to_json_ex(const updx_case *c, bool list_members);
/* One entry of bundle.members. A new reference, or NULL when out of memory. */
json_t *updx_member_to_json(const updx_member_info *m);

#endif
