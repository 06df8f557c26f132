/*
 * setupdiag_results.h: SetupDiag's own results (SetupDiagResults.log, .xml or .json).
 *
 * Setup runs SetupDiag after a failure and writes %windir%\Logs\SetupDiag\SetupDiagResults.xml
 * (UTF-16). The three formats carry the same facts: the matched rule (ProfileName, GUID), the
 * last phase and operation, and the error with its extended code. A tolerant key scanner reads
 * all three (Microsoft's own JSON sample is not valid JSON). Results go to
 * c->setup->setupdiag; a failure code also becomes a setup event the story can use.
 */
#ifndef UPDX_LOGS_SETUPDIAG_RESULTS_H
#define UPDX_LOGS_SETUPDIAG_RESULTS_H

#include <stddef.h>

#include "model/case.h"
#include "text/text.h"

int updx_setupdiag_read(updx_case *c, const char *member, updx_text *t);
int updx_setupdiag_read_mem(updx_case *c, const char *member, const void *data, size_t len);

#endif
