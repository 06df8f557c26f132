/*
 * plan.h: remediation plans. A finding names a plan id (e.g. "disable-boot-driver"); this
 * module turns it into ordered steps in English and Chinese, from data/remedies/plans.tsv, and
 * into the registry changes the generated scripts apply and undo.
 *
 * A plan must be safe before it is convenient: before it advises Start=4 for a driver it
 * checks the device-class filter lists (a disabled driver still listed as an UpperFilters or
 * LowerFilters entry stops the machine booting with 0x7B), and removes that entry too, with
 * its original value kept for the restore.
 */
#ifndef UPDX_REMEDY_PLAN_H
#define UPDX_REMEDY_PLAN_H

#include <stddef.h>

#include "model/finding.h"

/* A device-class filter list that names the driver's service. */
typedef struct updx_filter_ref {
    const char *class_key;  /* "HKLM\\SYSTEM\\CurrentControlSet\\Control\\Class\\{4d36e972-...}" */
    const char *class_name; /* "Net", or NULL */
    const char *value;      /* "UpperFilters" or "LowerFilters" */
    const char *current;    /* the list as it is, entries separated by '\n' */
    const char *without;    /* the list without the service ('\n'-separated; "" = empty) */
} updx_filter_ref;

/* What the plan needs to know beyond the finding itself. Any field may be NULL/0. */
typedef struct updx_plan_context {
    const char *start_value;      /* the service's current Start ("1"), from a hive or .reg */
    const char *fixed_version;    /* from known blockers */
    const char *second_service;   /* the next culprit to try if this one does not help */
    const updx_filter_ref *filters;
    size_t nfilters;
} updx_plan_context;

/* Fills f->remediation (steps, registry, warnings) from the plan f->remediation.plan.
 * Returns UPDX_OK, UPDX_ERR_FORMAT when the plan id is unknown (steps stay as they are),
 * or UPDX_ERR_NOMEM. */
int updx_plan_apply(updx_arena *a, updx_finding *f, const updx_plan_context *ctx);

/* True when the built-in plan table has this id. */
int updx_plan_exists(const char *plan);

#endif
