/*
 * kdmp_memory.h: physical and virtual memory inside full and bitmap kernel dumps, and the
 * loaded-module list reached through it.
 *
 * A view over the dump bytes (data, len, file_size): physical page frame -> file offset for
 * full dumps (PhysicalMemoryBlock runs, pages stored back to back after the header) and
 * bitmap dumps (SDMP/FDMP header at 0x2000: a page is present when its bit is set and is
 * stored at FirstPage + 0x1000 x its rank among the set bits; a rank index makes the lookup
 * O(1)). On top, virtual -> physical translation from the header's DirectoryTableBase:
 * x64 4-level paging with 2 MiB and 1 GiB pages, x86 PAE and non-PAE paging. Pages are
 * returned as pointers into the caller's bytes: nothing is copied and only the pages a
 * translation needs are touched, so a memory-mapped 2 GiB dump is not read whole.
 * Layouts: docs/crash-dumps.md and ../shared/reference/dumps.md §1, §2, §5.
 */
#ifndef UPDX_DUMPS_KDMP_MEMORY_H
#define UPDX_DUMPS_KDMP_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dumps/kdmp.h"
#include "model/case.h"

#define UPDX_KMEM_PAGE 0x1000u

/* Why a read failed (or OK). */
typedef enum updx_kmem_status {
    UPDX_KMEM_OK = 0,
    UPDX_KMEM_NOT_IN_DUMP,     /* the physical page was not saved in the dump */
    UPDX_KMEM_NOT_READ,        /* saved, but beyond the bytes read or past the file's end */
    UPDX_KMEM_NOT_MAPPED,      /* a page-table entry on the way is not present */
    UPDX_KMEM_NON_CANONICAL,   /* the virtual address cannot exist on this CPU */
    UPDX_KMEM_NO_TRANSLATION,  /* no page tables (machine or paging mode not supported) */
} updx_kmem_status;

/* Physical memory layout of the dump. */
typedef enum updx_kmem_layout {
    UPDX_KMEM_NONE = 0,
    UPDX_KMEM_RUNS,    /* full dump: PhysicalMemoryBlock runs */
    UPDX_KMEM_BITMAP,  /* bitmap dump: SDMP/FDMP header and page bitmap */
} updx_kmem_layout;

typedef enum updx_kmem_paging {
    UPDX_PAGING_NONE = 0,
    UPDX_PAGING_X64_4LEVEL,
    UPDX_PAGING_X86_PAE,
    UPDX_PAGING_X86,
} updx_kmem_paging;

/* A full dump's PHYSICAL_MEMORY_DESCRIPTOR holds at most (700 - 16) / 16 runs (64-bit) or
 * (700 - 8) / 8 runs (32-bit) in the header's 700-byte buffer. */
#define UPDX_KMEM_MAX_RUNS 86

typedef struct updx_kmem_run {
    uint64_t base_page, page_count;
    uint64_t first_stored;  /* index of its first page among the stored pages */
} updx_kmem_run;

typedef struct updx_kmem {
    const uint8_t *data;
    size_t len;            /* bytes held */
    uint64_t file_size;    /* bytes the file has (>= len) */
    updx_kmem_layout layout;
    uint64_t pages_offset; /* file offset of the first stored page */
    uint64_t stored_pages; /* pages the layout says are stored */

    updx_kmem_run runs[UPDX_KMEM_MAX_RUNS];
    uint32_t n_runs;

    const uint8_t *bitmap; /* inside data */
    uint64_t bitmap_bits;  /* bits the header claims */
    uint64_t bitmap_held;  /* bits usable: inside the bytes read and the limit */
    uint32_t *rank;        /* set bits before each 512-bit block (malloc'd) */

    updx_kmem_paging paging;
    uint64_t dtb;

    /* what reads ran into, for one note each after the walk */
    uint64_t pages_touched;
    uint64_t first_unread;  /* file offset of the first page wanted beyond the bytes read */
    bool hit_unread;
} updx_kmem;

/* Sets up the view for a full (1) or bitmap (5, 6, 7 with SDMP/FDMP) dump whose header
 * facts are in `in`. Adds notes for what cannot be used. Returns UPDX_OK, UPDX_PARTIAL (a
 * view exists but parts are unusable), UPDX_ERR_FORMAT (no physical memory in this dump)
 * or UPDX_ERR_NOMEM. Close it with updx_kmem_close in every case. */
int updx_kmem_open(updx_kmem *m, updx_case *c, const char *member, const uint8_t *data,
                   size_t len, uint64_t file_size, const updx_kdmp_info *in);
void updx_kmem_close(updx_kmem *m);

/* The 4 KiB of physical page `pfn`, or NULL with *st saying why. */
const uint8_t *updx_kmem_phys_page(updx_kmem *m, uint64_t pfn, updx_kmem_status *st);

/* Virtual to physical address through the page tables. */
updx_kmem_status updx_kmem_translate(updx_kmem *m, uint64_t va, uint64_t *pa);

/* Copies n bytes of virtual memory at va (may cross pages). On failure *fail_va (may be
 * NULL) is the first address that could not be read. */
updx_kmem_status updx_kmem_read(updx_kmem *m, uint64_t va, void *buf, size_t n, uint64_t *fail_va);

/* A short phrase for a status: "is not in the dump", ... */
const char *updx_kmem_status_text(updx_kmem_status st);

/* Walks PsLoadedModuleList (KLDR_DATA_TABLE_ENTRY list, head at head_va) into `modules`
 * (updx_module, names in the case arena). Stops at the head, a cycle, an unreadable entry
 * or the entry limit, with a note naming what was not reachable. Returns the modules
 * added; *complete is true when the walk came back to the head. */
size_t updx_kmem_walk_modules(updx_kmem *m, updx_case *c, const char *member, bool is64,
                              uint64_t head_va, updx_avec *modules, bool *complete);

/* UTF-16LE to UTF-8 in the arena (kdmp.c); unpaired surrogates become U+FFFD. */
char *updx_kdmp_utf16_to_utf8(updx_arena *a, const uint8_t *p, size_t chars);

#endif
