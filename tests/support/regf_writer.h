/*
 * regf_writer.h: a small writer of Windows registry hive files (regf 1.5), so tests and
 * examples can make SYSTEM/SOFTWARE-like hives without any template or outside tool.
 *
 * Build a tree of keys and values in memory, then serialise it:
 *
 *     regf_writer *w = regf_writer_new("ROOT");
 *     regf_set_dword(w, "ControlSet001\\Services\\lwfmgr", "Start", 1);
 *     regf_set_sz(w, "ControlSet001\\Services\\lwfmgr", "Group", "NDIS");
 *     unsigned char *hive = regf_writer_save(w, &len);   // malloc'd, free() it
 *     regf_writer_free(w);
 *
 * Paths are '\'-separated below the root (a leading '\' is allowed, "" is the root); missing
 * keys along a path are created. Names and strings are UTF-8 here and are written as
 * UTF-16LE, or as compressed (one byte a character) names when they are plain ASCII. Key
 * and value names match case-insensitively, as in the registry: setting a value again
 * replaces it, and a key keeps the spelling it was first given. An empty value name is the
 * key's default value.
 *
 * What is written: a base block (sequence numbers equal, version 1.5, checksum), hive bins
 * of 4096-byte multiples, nk/vk cells, one sk cell shared by every key, value lists, subkey
 * lists sorted as Windows sorts them (upper-cased UTF-16, see regf_writer.c) as lh (default),
 * lf or li leaves of at most REGF_MAX_LEAF_ELEMENTS, under an ri index root when there are
 * more; value data inline when it is 4 bytes or less, in a data cell up to 16344 bytes, and
 * in a big data (db) cell with 16344-byte segments above that. Timestamps are fixed, so the
 * same calls give the same bytes.
 *
 * Errors are sticky: the first failure (bad UTF-8, a name too long, a cap below reached,
 * no memory) is kept, every later call returns -1, regf_writer_save returns NULL, and
 * regf_writer_error says what went wrong.
 */
#ifndef UPDX_TESTS_REGF_WRITER_H
#define UPDX_TESTS_REGF_WRITER_H

#include <stddef.h>
#include <stdint.h>

/* Value types (winnt.h numbering). */
enum {
    REGF_NONE = 0,
    REGF_SZ = 1,
    REGF_EXPAND_SZ = 2,
    REGF_BINARY = 3,
    REGF_DWORD = 4,
    REGF_MULTI_SZ = 7,
    REGF_QWORD = 11,
};

/* Kinds of subkey list leaf (regf_writer_set_list_kind). */
typedef enum regf_list_kind {
    REGF_LIST_LH, /* hash leaf: what Windows XP and later write (default) */
    REGF_LIST_LF, /* fast leaf with 4-character name hints (NT 4.0 / 2000) */
    REGF_LIST_LI, /* plain index leaf */
} regf_list_kind;

/* Caps that keep the writer bounded. Key and value name lengths are the registry's own. */
enum {
    REGF_MAX_KEY_NAME = 255,          /* UTF-16 units in a key name (Windows' limit) */
    REGF_MAX_VALUE_NAME = 16383,      /* UTF-16 units in a value name (Windows' limit) */
    REGF_MAX_DEPTH = 512,             /* key levels below the root (Windows' limit) */
    REGF_MAX_KEYS = 200000,           /* keys in one hive: a real SYSTEM hive has ~50000 */
    REGF_MAX_VALUES_PER_KEY = 4096,   /* values are found by a linear scan */
    REGF_MAX_VALUE_DATA = 4 << 20,    /* bytes of one value's data (257 db segments) */
    REGF_MAX_HIVE = 256 << 20,        /* bytes of the whole hive file */
    REGF_MAX_LEAF_ELEMENTS = 500,     /* subkeys in one leaf list: 4 + 500 * 8 bytes fits a
                                         4096-byte bin, as Windows keeps its leaves */
    REGF_DB_SEGMENT = 16344,          /* bytes in a big data segment; larger data uses db */
};

typedef struct regf_writer regf_writer;

/* A writer whose root key is called root_name (NULL: "ROOT"); NULL when out of memory. */
regf_writer *regf_writer_new(const char *root_name);
void regf_writer_free(regf_writer *w);

/* The subkey list kind written by regf_writer_save (default REGF_LIST_LH). */
void regf_writer_set_list_kind(regf_writer *w, regf_list_kind kind);

/* Creates the key at path and every missing key above it. 0, or -1 (see regf_writer_error). */
int regf_add_key(regf_writer *w, const char *path);

/* Sets value `name` (UTF-8, "" = default value) of the key at path (created when missing)
 * to `len` raw bytes of type `type`. 0 or -1. */
int regf_set_value(regf_writer *w, const char *path, const char *name, uint32_t type,
                   const void *data, size_t len);

/* Typed helpers: strings are UTF-8, written as NUL-terminated UTF-16LE. */
int regf_set_sz(regf_writer *w, const char *path, const char *name, const char *value);
int regf_set_expand_sz(regf_writer *w, const char *path, const char *name, const char *value);
int regf_set_multi_sz(regf_writer *w, const char *path, const char *name,
                      const char *const *strings, size_t count);
int regf_set_dword(regf_writer *w, const char *path, const char *name, uint32_t value);
int regf_set_qword(regf_writer *w, const char *path, const char *name, uint64_t value);
int regf_set_binary(regf_writer *w, const char *path, const char *name, const void *data,
                    size_t len);

/* The hive file's bytes in a malloc'd buffer (free() it) and their count in *len, or NULL
 * on error. The writer is unchanged and can be saved again. */
unsigned char *regf_writer_save(regf_writer *w, size_t *len);

/* Writes the hive to a file; 0 or -1. */
int regf_writer_save_file(regf_writer *w, const char *file);

/* The first error ("" when none). */
const char *regf_writer_error(const regf_writer *w);

/* Helpers shared with tests: the UTF-16 upper-casing and lh name hash the writer uses.
 * regf_name_hash returns 0 for invalid UTF-8. */
uint16_t regf_upcase16(uint16_t c);
uint32_t regf_name_hash(const char *utf8_name);

#endif
