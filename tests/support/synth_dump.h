/*
 * synth_dump.h: builds synthetic crash dumps in memory for tests and fuzz seeds (in the
 * spirit of rust-minidump's synth-minidump): 64-bit and 32-bit kernel triage dumps with
 * driver lists, unloaded drivers, a saved stack and data blocks; header-only and bitmap
 * variants; user-mode MDMP files with an exception and a module list. Never copies real
 * dumps; every byte is written here.
 */
#ifndef UPDX_TESTS_SYNTH_DUMP_H
#define UPDX_TESTS_SYNTH_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct synth_driver {
    const char *name;     /* written as a full NT path: \SystemRoot\system32\drivers\<name> */
    uint64_t base;
    uint32_t size;
    uint32_t timestamp;
} synth_driver;

typedef struct synth_kdmp {
    bool is32;                 /* PAGEDUMP header (0x1000) instead of PAGEDU64 (0x2000) */
    uint32_t machine;          /* 0x8664 default */
    uint32_t build;            /* MinorVersion */
    uint32_t processors;
    uint32_t dump_type;        /* 4 triage (default), 3 header only, 5/6 bitmap, 1 full */
    uint32_t bugcheck;
    uint64_t params[4];
    uint64_t system_time;      /* FILETIME */
    uint64_t uptime;           /* 100 ns */
    const synth_driver *drivers;
    size_t n_drivers;
    const synth_driver *unloaded;
    size_t n_unloaded;
    const uint64_t *stack;     /* pointer-sized values, lowest address first */
    size_t n_stack;
    uint64_t stack_va;
    uint64_t ctx_ip, ctx_sp;   /* CONTEXT at 0x348 (x64 only; 0 = PAGE filler) */
    bool no_valid_marker;      /* leave out the TRGD completeness marker */
    size_t n_blocks;           /* data blocks: each a 16-byte range after the stack */
} synth_kdmp;

/* A spec with the defaults: x64 triage, build 19041, 4 CPUs, no drivers. */
void synth_kdmp_defaults(synth_kdmp *s);

/* The dump bytes (malloc'd; free with free()), or NULL. */
uint8_t *synth_kdmp_build(const synth_kdmp *s, size_t *len);

/* Where the builder put things, for tests that corrupt fields (file offsets). */
enum {
    SYNTH_TRIAGE64 = 0x2000,
    SYNTH_TRIAGE32 = 0x1000,
    SYNTH_UNLOADED_OFF = 0x100,  /* relative to the triage header */
};

/* A dump reproducing the seed case: bug check 0x7E, 12 s after boot, an exception in
 * ndis!NdisFDeregisterFilterDriver called from lwfmgr.sys called from nt!IopLoadDriver.
 * The expected blame is lwfmgr.sys. */
uint8_t *synth_seed_dump(size_t *len);
/* Writes the seed dump to `path`; 0 on success, -1 on failure. */
int synth_seed_dump_write(const char *path);

/* Full (type 1) and bitmap (types 5/6) x64 dumps with physical memory: page tables from
 * DirectoryTableBase map a PsLoadedModuleList of `drivers` (KLDR_DATA_TABLE_ENTRY64 entries
 * with BaseDllName) and a stack at stack_va; the header's context points at the stack.
 * With is32: an x86 PAE full dump with KLDR_DATA_TABLE_ENTRY32 entries.
 * Edge cases corrupt the list or the tables on purpose. */
typedef struct synth_memdump {
    uint32_t dump_type;          /* 1 full (default), 5 bitmap full, 6 bitmap kernel */
    bool is32;                   /* x86 PAE full dump (PAGEDUMP header, KLDR32 entries) */
    uint32_t bugcheck;
    uint64_t params[4];
    uint64_t uptime;             /* 100 ns; 0 = 12 s */
    const synth_driver *drivers;
    size_t n_drivers;
    const uint64_t *stack;       /* pointer-sized values, lowest address first */
    size_t n_stack;
    uint64_t stack_va;
    uint64_t ctx_ip, ctx_sp;     /* CONTEXT at 0x348 */
    uint64_t list_head;          /* PsLoadedModuleList VA; 0 = inside the first driver */
    size_t filler_pages;         /* extra stored pages, each holding its own PFN at offset 0 */
    bool compact;                /* list, names and stack in a few pages: small fuzz seeds */
    bool large_pages;            /* entries behind a 2 MiB page, the stack behind a 1 GiB page */
    bool self_loop;              /* entry 1's Flink points at entry 1 */
    bool cycle;                  /* the last entry's Flink points at entry 0, not the head */
    bool non_canonical;          /* entry 1's Flink is not canonical */
    bool pt_loop;                /* PML4 and PDPT entries pointing back at the PML4 */
    size_t drop_entry;           /* 1-based: the page of this entry is not stored (not compact) */
    uint64_t bitmap_overclaim;   /* bitmap: this many set bits below the real pages, not stored */
} synth_memdump;

void synth_memdump_defaults(synth_memdump *s);
uint8_t *synth_memdump_build(const synth_memdump *s, size_t *len);

/* The seed case (synth_seed_dump's drivers, stack and parameters) as a full or bitmap
 * dump; filler pages make it a few hundred pages when `filler` is set. */
uint8_t *synth_seed_memdump(uint32_t dump_type, size_t filler, size_t *len);
/* Where synth_memdump puts its module entries and the default list head. */
#define SYNTH_MEM_ENTRIES 0xffffb08000000000ull
#define SYNTH_MEM_ENTRIES32 0x8a000000u
#define SYNTH_MEM_HEAD_OFFSET 0xc2a40u

/* User-mode minidump (MDMP). */
typedef struct synth_mdmp_module {
    const char *name;  /* full path, e.g. C:\$WINDOWS.~BT\Sources\SetupHost.exe */
    uint64_t base;
    uint32_t size;
} synth_mdmp_module;

typedef struct synth_mdmp {
    uint32_t exception_code;
    uint64_t exception_address;
    const synth_mdmp_module *modules;  /* the first is the process image */
    size_t n_modules;
    uint16_t arch;                     /* 9 AMD64 (default when 0 and no_sysinfo false) */
    uint32_t build;
    bool no_exception, no_sysinfo;
} synth_mdmp;

uint8_t *synth_mdmp_build(const synth_mdmp *s, size_t *len);

#endif
