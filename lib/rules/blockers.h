/*
 * blockers.h: drivers and programs known to break or hold feature upgrades
 * (data/known_blockers.tsv, from known-blockers.md), so a finding can say "known to break
 * upgrades; fixed in version X".
 */
#ifndef UPDX_RULES_BLOCKERS_H
#define UPDX_RULES_BLOCKERS_H

#include <stdbool.h>

#include "util/arena.h"

typedef struct updx_blocker {
    const char *file;          /* as in the table, may hold wildcards: "IntcAudioBus.sys" */
    const char *vendor;
    const char *product;
    const char *driver_class;  /* storage, display, audio, security, ndis_filter, ... */
    const char *affected;      /* affected versions, as the source words them */
    const char *fixed;         /* fixed version or action, "-" when none is known */
    const char *safeguard_ids; /* ';'-separated, "-" when none */
    const char *target;        /* releases held */
    const char *symptom;
    const char *shows_as;      /* how it appears: GatedBlockId, hard block, rollback... */
    const char *source;        /* the reference section */
} updx_blocker;

/* Looks up a file name, a path or a service name ("lwfmgr", "C:\\...\\IntcAudioBus.sys"),
 * ASCII case-insensitively; a name without extension matches "<name>.sys". Strings are
 * copied into `a`. Returns true and fills *out when found. */
bool updx_blocker_find(updx_arena *a, const char *file_or_name, updx_blocker *out);

/* Looks up a safeguard hold ID ("56318982"); same contract. */
bool updx_blocker_find_safeguard(updx_arena *a, const char *id, updx_blocker *out);

#endif
