/*
 * recognize.h: what a bundle member is, from its first bytes and its path.
 *
 * Content decides first (signatures of dumps, hives, event logs and archives; the shape of
 * the first lines of a text file), the path second, so a renamed setupact.log is still a
 * setup log and a file called MEMORY.DMP without a dump signature is not called a dump.
 * Pure: no I/O, no allocation beyond a short-lived text reader over the sample.
 */
#ifndef UPDX_BUNDLE_RECOGNIZE_H
#define UPDX_BUNDLE_RECOGNIZE_H

#include <stddef.h>
#include <stdint.h>

#include "model/kind.h"

/* How many leading bytes recognition looks at; the walker hands over this much. */
#define UPDX_RECOGNIZE_HEAD_BYTES (64u * 1024u)

/*
 * Recognises a member from its name (path inside the bundle, '/' or '\' separated; may be
 * NULL) and its first bytes. *detail (may be NULL) gets a static string that refines the
 * kind, or NULL: the Panther phase folder of a setup log ("downlevel", "oobe", "rollback",
 * "windows-panther", "newos", "sysprep", "windir", "panther" when the folder is not known),
 * the dump type of a kernel dump ("triage", "full", ...), the archive format ("zip", ...),
 * the flavour of SetupDiag results ("text", "xml", "json") or of debugger text.
 */
updx_kind updx_recognize(const char *name, const uint8_t *head, size_t head_len,
                         const char **detail);

/* The Panther phase folder named by a path, as in updx_recognize's detail, or NULL. */
const char *updx_panther_phase(const char *name);

#endif
