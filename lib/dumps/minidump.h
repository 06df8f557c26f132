/*
 * minidump.h: user-mode minidumps (MDMP), e.g. a SetupHost.exe or SetupPlatform.exe crash
 * written by WER during an upgrade. A pure, bounds-checked parser: stream directory,
 * exception stream (code and address), module list (the faulting module), system info
 * (build, architecture) and the process image (the first module). Adds one crash with
 * origin UPDX_CRASH_MINIDUMP.
 */
#ifndef UPDX_DUMPS_MINIDUMP_H
#define UPDX_DUMPS_MINIDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/case.h"

/* True when the bytes start with "MDMP". */
bool updx_minidump_sniff(const uint8_t *data, size_t len);

/* Returns UPDX_OK, UPDX_PARTIAL (damaged parts: notes say where), UPDX_ERR_FORMAT (not a
 * minidump; nothing added) or UPDX_ERR_NOMEM. *crash (may be NULL) gets the record. */
int updx_minidump_parse(updx_case *c, const char *member, const uint8_t *data, size_t len,
                        updx_crash **crash);

#endif
