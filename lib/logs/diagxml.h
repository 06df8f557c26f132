/*
 * diagxml.h: diagerr.xml / diagwrn.xml, the ADO-rowset copies of setup's errors and warnings.
 *
 * Each <z:row> carries in attributes what setuperr.log only has as text: function (Fun),
 * module (Mod), executable (Exe), Win32 error (Err), message (Msg) and time (DT). Rows go to
 * c->setup->diag_rows (see setup_facts.h).
 */
#ifndef UPDX_LOGS_DIAGXML_H
#define UPDX_LOGS_DIAGXML_H

#include <stdbool.h>
#include <stddef.h>

#include "model/case.h"

/* Parses the bytes of one diag*.xml file. error_file: true for diagerr.xml. Returns UPDX_OK,
 * UPDX_PARTIAL (damaged; rows read so far are kept, a note says why) or a negative status. */
int updx_diagxml_read_mem(updx_case *c, const char *member, const void *data, size_t len,
                          bool error_file);

#endif
