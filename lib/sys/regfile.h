/*
 * regfile.h: .reg exports (REGEDIT4, "Windows Registry Editor Version 5.00"; UTF-16LE or
 * ANSI) and `reg query` output, read as text lines into the same system facts a hive
 * gives (through reg_ingest.h). Used when the collector exported keys instead of saving
 * hives. Keys under HKEY_LOCAL_MACHINE\SYSTEM and \SOFTWARE are understood; others are
 * skipped.
 */
#ifndef UPDX_SYS_REGFILE_H
#define UPDX_SYS_REGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/case.h"

/* True when the first bytes look like a .reg export or `reg query` output (any encoding). */
bool updx_regfile_sniff(const uint8_t *data, size_t len);

/* Parses one export. UPDX_OK, UPDX_PARTIAL (bad lines were noted), UPDX_ERR_FORMAT (neither
 * a .reg export nor reg query output), UPDX_ERR_NOMEM. */
int updx_regfile_read(updx_case *c, const char *member, const uint8_t *data, size_t len);

#endif
