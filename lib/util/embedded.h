/*
 * embedded.h: the knowledge files under data/, compiled into the library by cmake/embed.cmake.
 */
#ifndef UPDX_UTIL_EMBEDDED_H
#define UPDX_UTIL_EMBEDDED_H

#include <stddef.h>

struct updx_embedded_file {
    const char *path;           /* relative to data/, '/'-separated, e.g. "codes/win32.tsv" */
    const unsigned char *data;  /* NUL-terminated for convenience; size excludes the NUL */
    size_t size;
};

/* Terminated by an entry whose path is NULL. */
extern const struct updx_embedded_file updx_embedded_files[];

/* The embedded file at `path`, or NULL. */
const struct updx_embedded_file *updx_embedded_find(const char *path);

#endif
