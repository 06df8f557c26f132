/*
 * collect_posix.h: the Linux side of the collection engine: a file system over a mounted
 * Windows volume (names matched case-insensitively, as Windows does), a zip sink through
 * libarchive, and the two operations behind `updx collect --root` and `updx redact`.
 * Not part of the Windows build.
 */
#ifndef UPDX_COLLECT_COLLECT_POSIX_H
#define UPDX_COLLECT_COLLECT_POSIX_H

#include <stdio.h>

#include "collect/collect.h"

/* Collects from the volume mounted at `root` into `zip_path`. Progress and the summary go
 * to `log` (may be NULL). Returns 0, or -1 with err filled. */
int updx_collect_root(const char *root, const char *zip_path, const updx_collect_opts *opts,
                      FILE *log, char *err, size_t errlen);

/* Writes a redacted copy of the bundle `in` (a zip or any archive libarchive reads) to
 * `out`: text members and the manifest redacted, binary members passed through and listed
 * as not redacted, a fresh manifest with the hashes of what was written. Returns 0, or -1
 * with err filled. */
int updx_redact_bundle(const char *in, const char *out, FILE *log, char *err, size_t errlen);

/* Re-reads a written zip and checks every member against its manifest.json; returns the
 * number of files verified, or -1 with err filled. hex gets the zip's own SHA-256. */
long updx_collect_verify(const char *zip_path, char hex[65], char *err, size_t errlen);

#endif
