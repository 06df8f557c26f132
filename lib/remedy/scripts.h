/*
 * scripts.h: the files `updx analyze --remedy DIR` writes for a finding's registry changes:
 * a .reg to apply and one to restore, and a .cmd and a PowerShell script that record the
 * current values, apply the change, and after the upgrade verify and restore.
 *
 * The scripts are idempotent (a second `apply` keeps the first backup, since that one holds
 * the original values), refuse to act when the service key is missing or without admin
 * rights, and log what they did next to themselves. This module only builds the file
 * contents; the caller writes them, inside its output folder only.
 */
#ifndef UPDX_REMEDY_SCRIPTS_H
#define UPDX_REMEDY_SCRIPTS_H

#include <stddef.h>

#include "model/finding.h"
#include "util/buf.h"

typedef struct updx_remedy_file {
    const char *name;  /* relative path, '/'-separated, e.g. "updx-remedy.cmd" */
    updx_buf content;
} updx_remedy_file;

typedef struct updx_remedy_files {
    updx_remedy_file files[8];
    size_t count;
} updx_remedy_files;

/* Builds the files for finding f (which must have registry changes). `bundle` names the
 * source in the headers. Returns UPDX_OK, UPDX_ERR_ARG when f has no registry change. */
int updx_remedy_build(const updx_finding *f, const char *bundle, const char *version, updx_remedy_files *out);
void updx_remedy_files_free(updx_remedy_files *files);

#endif
