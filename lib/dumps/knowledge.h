/*
 * knowledge.h: the crash-dump knowledge tables (data/bugchecks.tsv, core_modules.tsv,
 * driver_classes.tsv), parsed from the embedded copies once and read-only afterwards.
 * Internal to lib/dumps.
 */
#ifndef UPDX_DUMPS_KNOWLEDGE_H
#define UPDX_DUMPS_KNOWLEDGE_H

#include <stdbool.h>
#include <stddef.h>

#include "dumps/bugcheck.h"

typedef struct updx_core_module {
    const char *image;     /* "ntoskrnl.exe" */
    const char *debugger;  /* "nt", or NULL */
    bool user_mode;
} updx_core_module;

typedef struct updx_driver_class_rule {
    bool by_symbol;        /* pattern is a symbol prefix, else a module image name */
    const char *pattern;
    const char *klass;     /* "ndis_filter", ... */
} updx_driver_class_rule;

typedef struct updx_dumps_knowledge {
    const struct updx_bugcheck_info *bugchecks;
    unsigned n_bugchecks;
    const updx_core_module *core;
    unsigned n_core;
    const updx_driver_class_rule *classes;
    unsigned n_classes;
} updx_dumps_knowledge;

/* The tables (never NULL; empty tables when the embedded files are missing or malformed). */
const updx_dumps_knowledge *updx_dumps_knowledge_get(void);

/* The core-module entry whose image or debugger name equals `name` (case-insensitive;
 * "nt", "ntoskrnl.exe" and "ntoskrnl" all match), or NULL. */
const updx_core_module *updx_core_module_find(const char *name, size_t len);

#endif
