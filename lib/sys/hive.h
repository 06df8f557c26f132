/*
 * hive.h: registry hives (regf) read with libregf, straight from memory.
 *
 * SYSTEM and SOFTWARE hives (and a hive saved from ...\Services) are told apart by their
 * keys, not their file names. Only the keys that carry facts are visited (see
 * reg_ingest.h); the walk is capped in keys, depth, value sizes and time, because libregf
 * is a 2020 snapshot fed with hostile bytes. Transaction logs are not replayed: a dirty
 * hive is read as it is.
 */
#ifndef UPDX_SYS_HIVE_H
#define UPDX_SYS_HIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/case.h"

/* True when the bytes start with the regf signature. */
bool updx_hive_sniff(const uint8_t *data, size_t len);

/* Reads one hive into c->sys. UPDX_OK, UPDX_PARTIAL (notes say what was skipped),
 * UPDX_ERR_FORMAT (not a hive libregf can open; a note says why), UPDX_ERR_NOMEM. */
int updx_hive_read(updx_case *c, const char *member, const uint8_t *data, size_t len);

#endif
