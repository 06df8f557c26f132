/*
 * kdmp.h: Windows kernel crash dumps (MEMORY.DMP, Minidump\*.dmp, setupmem.dmp).
 *
 * A pure, bounds-checked parser over the first `len` bytes of a dump whose full size is
 * `file_size` (len may be smaller: a truncated or partly read dump yields what it holds).
 * Reads the 64-bit (PAGE/DU64) and 32-bit (PAGE/DUMP) headers of every dump type; for
 * triage ("small memory") dumps also the loaded and unloaded driver lists, the context and
 * exception records, the saved stack and the data blocks; for full and bitmap dumps the
 * loaded-module list through the page tables (kdmp_memory.h) and a scan of the stack at the
 * context's stack pointer; then blames a driver (blame.h).
 * Layouts: docs/crash-dumps.md and ../shared/reference/dumps.md.
 */
#ifndef UPDX_DUMPS_KDMP_H
#define UPDX_DUMPS_KDMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/case.h"

/* DumpType values of the header. */
enum {
    UPDX_KDMP_FULL = 1,
    UPDX_KDMP_SUMMARY = 2,
    UPDX_KDMP_HEADER_ONLY = 3,
    UPDX_KDMP_TRIAGE = 4,
    UPDX_KDMP_BITMAP_FULL = 5,
    UPDX_KDMP_BITMAP_KERNEL = 6,
    UPDX_KDMP_AUTOMATIC = 7,
    UPDX_KDMP_RDMP_KERNEL = 8,
    UPDX_KDMP_RDMP_KERNEL_USER = 9,
    UPDX_KDMP_RDMP_COMPLETE = 0xA,
};

/* One extra memory range saved in a triage dump. */
typedef struct updx_kdmp_block {
    uint64_t va;
    uint32_t offset;  /* file offset */
    uint32_t size;
} updx_kdmp_block;

/* Dump facts beyond the crash record. Everything 0/false when absent. */
typedef struct updx_kdmp_info {
    bool is64;
    uint32_t major_version, minor_version;  /* minor = OS build */
    uint32_t machine;                        /* 0x8664, 0xAA64, 0x14C */
    uint32_t processors;
    uint32_t dump_type;
    const char *dump_type_name;              /* "triage", "bitmap kernel", ... */
    bool type_supported;                     /* false: header facts only */
    uint64_t directory_table_base, ps_loaded_module_list, kd_debugger_data_block;
    uint64_t system_time;                    /* FILETIME, 0 when absent */
    uint64_t uptime;                         /* 100 ns units, 0 when absent */
    uint32_t minidump_fields;

    bool has_context;
    uint64_t ctx_ip, ctx_sp, ctx_fp;
    bool has_exception;
    uint32_t exc_code, exc_flags;
    uint64_t exc_address;

    /* triage dumps */
    bool triage;
    uint32_t triage_offset;                  /* 0x2000 (64-bit) or 0x1000 (32-bit) */
    uint32_t size_of_dump, valid_offset;
    bool complete;                           /* the 'DGRT' marker is at valid_offset */
    uint32_t driver_count, unloaded_count, data_block_count;
    uint64_t stack_va;                       /* TopOfStack: VA of the first saved stack byte */
    uint32_t stack_offset, stack_size;
    updx_avec unloaded;                      /* updx_module (unloaded = true) */
    updx_avec blocks;                        /* updx_kdmp_block */

    /* bitmap dumps */
    uint64_t bmp_first_page, bmp_present_pages, bmp_pages;

    /* full and bitmap dumps (kdmp_memory.h) */
    bool memory_view;                        /* physical pages could be located */
    uint64_t stored_pages;                   /* pages the layout says the file stores */
    uint32_t module_list_count;              /* modules read from PsLoadedModuleList */
    bool module_list_complete;               /* the walk came back to the list head */
    uint64_t pages_touched;                  /* physical pages read (page tables included) */
} updx_kdmp_info;

/* True when the bytes start like a kernel dump (PAGEDU64 or PAGEDUMP). */
bool updx_kdmp_sniff(const uint8_t *data, size_t len);

/* Parses a dump and adds one crash (origin UPDX_CRASH_KERNEL_DUMP) to the case.
 * Returns UPDX_OK, UPDX_PARTIAL (truncated or damaged: notes say where), UPDX_ERR_FORMAT
 * (not a kernel dump; nothing added) or UPDX_ERR_NOMEM. */
int updx_kdmp_parse(updx_case *c, const char *member, const uint8_t *data, size_t len,
                    uint64_t file_size);

/* The same, also returning the dump facts (arena-allocated) and the crash. Either out
 * pointer may be NULL. */
int updx_kdmp_parse_ex(updx_case *c, const char *member, const uint8_t *data, size_t len,
                       uint64_t file_size, updx_kdmp_info **info, updx_crash **crash);

/* "x64", "arm64", "x86" or NULL for a PE machine type. */
const char *updx_machine_name(uint32_t machine);

#endif
