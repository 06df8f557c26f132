/*
 * finding.h: a diagnosis: one candidate cause of the failure, with what supports it and how
 * to fix it. Findings are made by the rule engine (lib/rules/) and the correlator
 * (lib/diagnose/), ranked, and rendered by the reporters. They live in the case's arena.
 * Field names follow findings[] of docs/report-schema.md and the report contract.
 */
#ifndef UPDX_MODEL_FINDING_H
#define UPDX_MODEL_FINDING_H

#include <stdbool.h>
#include <stdint.h>

#include "model/case.h"

/* Text in both report languages. Either may be NULL only when the other is too. */
typedef struct updx_i18n {
    const char *en;
    const char *zh;
} updx_i18n;

typedef enum updx_category {
    UPDX_CAT_DRIVER,
    UPDX_CAT_APPLICATION,
    UPDX_CAT_DEVICE,
    UPDX_CAT_DISK_SPACE,
    UPDX_CAT_MIGRATION,
    UPDX_CAT_COMPAT_BLOCK,
    UPDX_CAT_MEDIA,
    UPDX_CAT_SERVICING,
    UPDX_CAT_HARDWARE,
    UPDX_CAT_CONFIGURATION,
    UPDX_CAT_UNKNOWN,
    UPDX_CAT_COUNT
} updx_category;

const char *updx_category_name(updx_category cat);
/* UPDX_CAT_COUNT when the name is unknown. */
updx_category updx_category_from_name(const char *name);

typedef struct updx_culprit {
    const char *kind;     /* "driver", "service", "application", "device", "file", "package", "profile" */
    const char *name;     /* "lwfmgr.sys" */
    const char *service;  /* service key name for drivers and services, else NULL */
    const char *owner;    /* the installed product that owns it, when known */
    const char *version;
} updx_culprit;

/* A named parameter of a remediation plan, e.g. service=lwfmgr, required_mb=20480. */
typedef struct updx_param {
    const char *key;
    const char *value;
} updx_param;

/* One registry change of a remediation plan (remediation.registry[]). */
typedef struct updx_reg_change {
    const char *key;      /* "HKLM\\SYSTEM\\CurrentControlSet\\Services\\lwfmgr" */
    const char *value;    /* "Start" */
    const char *type;     /* "REG_DWORD", "REG_MULTI_SZ", ... */
    const char *set;      /* new data as text ("4"); NULL = delete the value */
    const char *restore;  /* data to put back, or NULL when unknown */
} updx_reg_change;

typedef struct updx_remediation {
    updx_avec steps;      /* updx_i18n, in order */
    updx_avec registry;   /* updx_reg_change */
    updx_avec warnings;   /* updx_i18n: what makes the plan unsafe or conditional */
    const char *plan;     /* the plan template's id, e.g. "disable-boot-driver" */
    updx_avec params;     /* updx_param: what the plan template needs, from the rule */
} updx_remediation;

typedef struct updx_finding {
    const char *rule;           /* stable rule id */
    updx_category category;
    updx_culprit culprit;       /* culprit.name NULL = no culprit */
    double confidence;          /* 0..1 */
    updx_i18n title;
    updx_i18n explanation;
    updx_avec reasoning;        /* updx_i18n: the chain of reasoning, one step each */
    updx_avec evidence;         /* updx_evref */
    updx_avec contradicting;    /* updx_evref: evidence against */
    updx_avec sources;          /* const char *: kinds of source that support it ("crash_dump", "setupapi", ...) */
    updx_avec references;       /* const char *: URLs or document names */
    updx_remediation remediation;
    const char *signature;      /* rule + culprit + codes, for fleet grouping */
} updx_finding;

/* A new finding with its arrays initialised, appended to the list, or NULL (limit). */
updx_finding *updx_finding_new(updx_arena *a, updx_avec *list, const char *rule);
/* Appends; each returns false when a cap or the arena stops it. */
bool updx_finding_add_evidence(updx_arena *a, updx_finding *f, const updx_evref *ev);
bool updx_finding_add_reason(updx_arena *a, updx_finding *f, const char *en, const char *zh);
bool updx_finding_add_step(updx_arena *a, updx_remediation *r, const char *en, const char *zh);
bool updx_finding_add_source(updx_arena *a, updx_finding *f, const char *source);

#endif
