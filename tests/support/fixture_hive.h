/*
 * fixture_hive.h: SYSTEM and SOFTWARE test hives, written at test time in memory by the
 * test-support regf writer (regf_writer.h): no template, no outside tool, nothing committed.
 * fixture_hive.c describes each fixture key by key.
 */
#ifndef UPDX_TESTS_FIXTURE_HIVE_H
#define UPDX_TESTS_FIXTURE_HIVE_H

#include <stddef.h>

typedef enum fixture_hive_kind {
    FIXTURE_HIVE_SYSTEM,        /* lwfmgr, vwifimf, class filters naming lwfmgr (the safety
                                   case), an older ControlSet002, Setup values */
    FIXTURE_HIVE_SOFTWARE,      /* CurrentVersion and Uninstall entries, TMS owning lwfmgr */
    FIXTURE_HIVE_SERVICES,      /* a `reg save ...\Services` hive: root = Services key */
    FIXTURE_HIVE_SEED_SYSTEM,   /* the seed case's SYSTEM hive as its bundle would hold it:
                                   lwfmgr and vwifimf boot-started, lwfmgr an NDIS LWF, no
                                   class filter naming it */
    FIXTURE_HIVE_SEED_SOFTWARE, /* the seed PC's SOFTWARE: Windows 10 Enterprise LTSC 2019
                                   17763.2928, the TMS agent 3.2.1 owning both drivers */
} fixture_hive_kind;

/* The hive's bytes in a malloc'd buffer (free it), or NULL with *why set so the caller can
 * print "skip: ..." (only on a writer failure or out of memory). corpus_dir is unused and
 * may be NULL; it stays for the callers written when the hives came from a corpus template. */
unsigned char *fixture_hive_build(const char *corpus_dir, fixture_hive_kind kind, size_t *len,
                                  const char **why);

#endif
