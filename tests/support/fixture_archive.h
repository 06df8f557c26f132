/*
 * fixture_archive.h: builds small archives (zip, 7z, tar, tar.gz) in memory with
 * libarchive's write API, for tests that need bundles: nested, damaged, hostile. Members
 * are given as name + bytes; nothing here reads the shared corpus.
 */
#ifndef UPDX_TESTS_FIXTURE_ARCHIVE_H
#define UPDX_TESTS_FIXTURE_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct fixture_member {
    const char *name;   /* stored as given: "../x", "C:\\y" and "CON" are allowed */
    const void *data;   /* file bytes, or the link target when symlink is set */
    size_t len;
    bool symlink;
} fixture_member;

/* format: "zip", "zip-store" (no compression), "7z", "tar", "tar.gz". Returns malloc'd
 * archive bytes (free() them) and their length in *len, or NULL. */
unsigned char *fixture_archive_build(const char *format, const fixture_member *members,
                                     size_t count, size_t *len);

/* An archive of every regular file under dir (names relative to dir, '/'-separated, in
 * byte order). Returns malloc'd bytes or NULL. */
unsigned char *fixture_archive_from_dir(const char *format, const char *dir, size_t *len);

/* Offset of a zip's central directory (from its end record), or 0 when none is found. */
size_t fixture_zip_central_directory(const unsigned char *zip, size_t len);

/* Writes bytes to a file; 0 on success. */
int fixture_write_file(const char *path, const void *data, size_t len);

/* Deterministic text-like filler (log lines with a counter), so members compress like logs. */
unsigned char *fixture_log_text(size_t len, unsigned seed);

#endif
