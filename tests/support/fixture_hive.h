/*
 * fixture_hive.h: SYSTEM and SOFTWARE test hives, built at test time with hivexsh (Debian
 * libhivex-bin) on a copy of the corpus template hives/hivex-minimal, in a private temp
 * directory that is removed again. Nothing is committed; tests skip when the template or
 * hivexsh is missing. fixture_hive.c describes each fixture key by key.
 */
#ifndef UPDX_TESTS_FIXTURE_HIVE_H
#define UPDX_TESTS_FIXTURE_HIVE_H

#include <stddef.h>

typedef enum fixture_hive_kind {
    FIXTURE_HIVE_SYSTEM,     /* the seed case's SYSTEM hive (lwfmgr, vwifimf, class filters) */
    FIXTURE_HIVE_SOFTWARE,   /* CurrentVersion and Uninstall entries, TMS owning lwfmgr */
    FIXTURE_HIVE_SERVICES,   /* a `reg save ...\Services` hive: root = Services key */
} fixture_hive_kind;

/* The hive's bytes in a malloc'd buffer (free it), or NULL with *why set ("no template",
 * "no hivexsh", ...) so the caller can print "skip: ...". corpus_dir may be NULL. */
unsigned char *fixture_hive_build(const char *corpus_dir, fixture_hive_kind kind, size_t *len,
                                  const char **why);

#endif
