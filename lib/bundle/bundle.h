/*
 * bundle.h: reading a bundle (a folder, one file, or any archive libarchive reads, with
 * archives inside archives) member by member, without extracting anything to disk.
 *
 * updx_bundle_walk lists every member in c->members (name, kind, size, SHA-256, encoding,
 * detail, depth, damaged) and hands each non-archive member to a visitor as a stream, so
 * readers parse while the walker hashes. Damage (a truncated zip, a missing central
 * directory, a corrupt member) and limits (zip bombs, member counts, depth) become notes;
 * one bad member never stops the rest. docs/bundle.md and docs/limits.md say more.
 */
#ifndef UPDX_BUNDLE_BUNDLE_H
#define UPDX_BUNDLE_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/case.h"
#include "util/source.h"

/*
 * Called for every member that is not an archive opened by the walker. `head` holds the
 * member's first bytes (up to UPDX_RECOGNIZE_HEAD_BYTES); `src` yields the whole member
 * from its first byte (the head again, then the rest), and reads through it are what the
 * walker hashes. The visitor may read as much or as little as it likes; the walker drains
 * the rest. `m` is valid until the visitor returns and must not be kept (c->members can
 * move); the visitor must not add members. Return 0 to go on, or a negative updx_status to
 * stop the walk (updx_bundle_walk then returns it).
 */
typedef int (*updx_member_visitor)(void *ud, updx_case *c, updx_member_info *m,
                                   const uint8_t *head, size_t head_len, updx_source *src);

/* A key and its value, both strings (machine facts of the collector's manifest). */
typedef struct updx_kv {
    const char *key;
    const char *value;
} updx_kv;

/* One file the collector's manifest lists. */
typedef struct updx_manifest_file {
    const char *path;       /* as the manifest writes it */
    const char *key;        /* lowercased, '/'-separated, relative to the manifest's folder */
    uint64_t size;
    bool has_size;
    char sha256[65];        /* lowercase hex, or empty */
    bool seen;              /* a member matched it */
} updx_manifest_file;

/* What the collector's manifest.json says (c->bundle; NULL when the bundle has none). */
struct updx_bundle_facts {
    const char *manifest;          /* member name of the manifest */
    const char *collector_name;    /* or NULL */
    const char *collector_version; /* or NULL */
    updx_avec machine;             /* updx_kv, in the manifest's order */
    updx_avec errors;              /* const char *: what the collector could not collect */
    updx_avec files;               /* updx_manifest_file, sorted by key */
    uint32_t files_missing;        /* listed but not in the bundle */
    uint32_t files_differing;      /* size or SHA-256 differs */
};

/*
 * Walks `path` (a folder, a single file, or an archive) into c. visit may be NULL (an
 * inventory only). Returns UPDX_OK, UPDX_PARTIAL when something was damaged or cut short
 * (notes say what), a negative visitor status, or an error (UPDX_ERR_IO, UPDX_ERR_FORMAT)
 * when nothing at all could be read.
 */
int updx_bundle_walk(updx_case *c, const char *path, updx_member_visitor visit, void *ud);

/* The same over a bundle held in memory: `data` is one file named `name` (an archive or a
 * single artefact). Pure apart from libarchive; the fuzzer and unit tests call it. */
int updx_bundle_walk_mem(updx_case *c, const char *name, const void *data, size_t len,
                         updx_member_visitor visit, void *ud);

/* Parses a collector manifest (member `member`) into c->bundle. Pure. Returns UPDX_OK, or
 * UPDX_ERR_FORMAT (a note says why) when it is not a usable manifest. */
int updx_bundle_parse_manifest(updx_case *c, const char *member, const void *data, size_t len);

/* Compares c->members against c->bundle's file list: marks members whose size or SHA-256
 * differs as damaged and notes files the manifest lists that the bundle lacks. The walk
 * calls it; exposed for tests. */
void updx_bundle_check_manifest(updx_case *c);

#endif
