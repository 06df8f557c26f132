/*
 * reg_ingest.h: turns registry values into system facts, whatever they were read from.
 *
 * The hive reader (libregf) and the .reg / `reg query` parser both hand every value they
 * read here as (hive, key path below the hive root, value). One place knows which keys
 * matter (Services, Control\Class, Control\Network, Setup, CurrentVersion, Uninstall), so
 * a hive and an export of the same keys give the same facts.
 */
#ifndef UPDX_SYS_REG_INGEST_H
#define UPDX_SYS_REG_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/case.h"

/* Registry value types (winnt.h). */
enum {
    UPDX_REG_NONE = 0, UPDX_REG_SZ = 1, UPDX_REG_EXPAND_SZ = 2, UPDX_REG_BINARY = 3,
    UPDX_REG_DWORD = 4, UPDX_REG_DWORD_BE = 5, UPDX_REG_LINK = 6, UPDX_REG_MULTI_SZ = 7,
    UPDX_REG_QWORD = 11,
};

typedef enum updx_hive_kind {
    UPDX_HIVE_UNKNOWN = 0,
    UPDX_HIVE_SYSTEM,
    UPDX_HIVE_SOFTWARE,
    UPDX_HIVE_SERVICES,   /* a hive saved from ...\Services: its root is the Services key */
} updx_hive_kind;

typedef struct updx_reg_value {
    const char *name;           /* "" = the default value */
    uint32_t type;
    const char *str;            /* REG_SZ/EXPAND_SZ/LINK text; binary as hex; else NULL */
    const char *const *multi;   /* REG_MULTI_SZ strings */
    size_t nmulti;
    bool has_num;               /* REG_DWORD/QWORD (and DWORD_BE) */
    uint64_t num;
    uint64_t line;              /* where it was read: line of a .reg/reg query text, or 0 */
    uint64_t offset;            /* byte offset of the value cell in a hive, or UPDX_NO_OFFSET */
} updx_reg_value;

/* Caps on what one registry source may add (hostile input). */
enum {
    UPDX_REG_MAX_PATH_PARTS = 16,    /* deeper keys are never interesting */
    UPDX_REG_MAX_MULTI = 256,        /* strings kept from one REG_MULTI_SZ */
    UPDX_REG_MAX_STRING = 32768,     /* bytes kept from one string value */
};

/* path: '\'-separated, relative to the hive root, no leading '\'. Values of keys that
 * carry no facts are ignored. */
void updx_sys_ingest_value(updx_case *c, const char *member, updx_hive_kind hive,
                           const char *path, const updx_reg_value *v);

#endif
