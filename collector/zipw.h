/*
 * zipw.h: a small zip writer and checker over zlib (the collector's only library: Debian
 * has no libarchive or minizip for mingw-w64).
 *
 * Writes deflated members with CRC-32, UTF-8 names and ZIP64 where a size or offset needs
 * it (MEMORY.DMP can exceed 4 GiB). Sizes are patched into the local header after the data
 * (the output is a seekable file), so no data descriptors are needed. The checker re-reads
 * a finished zip from its central directory, inflates every member, checks the CRC-32 and
 * returns each member's SHA-256 so the collector can compare it with its manifest.
 */
#ifndef UPDX_COLLECTOR_ZIPW_H
#define UPDX_COLLECTOR_ZIPW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct zipw zipw;

zipw *zipw_open(const char *path);
int zipw_begin(zipw *z, const char *name, int64_t mtime, uint64_t size_hint);
int zipw_write(zipw *z, const void *data, size_t len);
int zipw_end(zipw *z);
/* Writes the central directory and closes; returns 0 or -1. Frees z either way. */
int zipw_close(zipw *z);
/* Frees z and leaves a broken file (after an error). */
void zipw_abort(zipw *z);

/* Called for every member the checker reads; crc_ok false when the CRC-32 or the length
 * did not match the central directory. Return 0 to go on. */
typedef int (*zipcheck_fn)(void *ud, const char *name, uint64_t size, const char sha256[65],
                           bool crc_ok);
/* Re-reads the zip; returns the number of members, or -1 with err filled. */
long zipcheck(const char *path, zipcheck_fn fn, void *ud, char *err, size_t errlen);
/* SHA-256 of a whole file as hex; 0 or -1. */
int file_sha256(const char *path, char hex[65]);

#endif
