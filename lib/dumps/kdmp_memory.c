/*
 * kdmp_memory.c: physical memory of full and bitmap dumps, page-table translation and the
 * PsLoadedModuleList walk (see kdmp_memory.h). Every page comes from updx_kmem_phys_page,
 * which checks it against the bytes held and the file's size; every loop is bounded by a
 * named limit.
 */
#include "dumps/kdmp_memory.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/bytes.h"

#define SIG_PAGE 0x45474150u /* "PAGE" */
#define SIG_DUMP 0x504D5544u /* "DUMP" */
#define SIG_SDMP 0x504D4453u /* "SDMP": bitmap kernel */
#define SIG_FDMP 0x504D4446u /* "FDMP": bitmap full */

enum {
    /* header fields (reference/dumps.md §1, §2) */
    H64_SIZE = 0x2000, H64_PHYSMEM = 0x088, H64_CONTEXT = 0x348,
    H32_SIZE = 0x1000, H32_PAE = 0x05C, H32_PHYSMEM = 0x064, H32_CONTEXT = 0x320,
    PHYSMEM_BUFFER = 700,
    /* PHYSICAL_MEMORY_DESCRIPTOR64: u32 runs, pad, u64 pages, runs {u64 base, u64 count} at +0x10 */
    PMD64_RUNS = 0x10, PMD64_RUN_SIZE = 16,
    /* PHYSICAL_MEMORY_DESCRIPTOR32: u32 runs, u32 pages, runs {u32 base, u32 count} at +8 */
    PMD32_RUNS = 0x08, PMD32_RUN_SIZE = 8,
    /* bitmap header at 0x2000 (§5) */
    BMP_HEADER = 0x2000, BMP_FIRSTPAGE = 0x20, BMP_PRESENT = 0x28, BMP_PAGES = 0x30, BMP_BITS = 0x38,
    RANK_BLOCK_BITS = 512,
};

_Static_assert((PHYSMEM_BUFFER - PMD64_RUNS) / PMD64_RUN_SIZE <= UPDX_KMEM_MAX_RUNS, "64-bit runs fit");
_Static_assert((PHYSMEM_BUFFER - PMD32_RUNS) / PMD32_RUN_SIZE == UPDX_KMEM_MAX_RUNS, "32-bit runs fit");
_Static_assert(H64_PHYSMEM + PHYSMEM_BUFFER <= H64_CONTEXT, "the descriptor ends before the context");
_Static_assert(H32_PHYSMEM + PHYSMEM_BUFFER <= H32_CONTEXT, "the 32-bit descriptor ends before the context");

/* KLDR_DATA_TABLE_ENTRY: DUMP_DRIVER_ENTRY64 holds one at +8 and DUMP_DRIVER_ENTRY32 at +4
 * (reference/dumps.md §4), so these are the driver-entry offsets minus 8 / minus 4. */
enum {
    KLDR64_FLINK = 0x00, KLDR64_DLLBASE = 0x30, KLDR64_SIZE = 0x40, KLDR64_BASENAME = 0x58,
    KLDR64_TIMESTAMP = 0x80, KLDR64_READ = 0x88,
    KLDR32_FLINK = 0x00, KLDR32_DLLBASE = 0x18, KLDR32_SIZE = 0x20, KLDR32_BASENAME = 0x2C,
    KLDR32_TIMESTAMP = 0x44, KLDR32_READ = 0x48,
};
_Static_assert(KLDR64_DLLBASE == 0x38 - 8 && KLDR64_SIZE == 0x48 - 8 && KLDR64_BASENAME == 0x60 - 8,
               "x64 KLDR offsets follow DUMP_DRIVER_ENTRY64");
_Static_assert(KLDR32_DLLBASE == 0x1C - 4 && KLDR32_SIZE == 0x24 - 4, "x86 KLDR offsets follow DUMP_DRIVER_ENTRY32");

/* ---- limits on what the file can make us do ---- */
enum {
    MAX_MODULES = 4096,            /* real systems load 150-400 drivers */
    MAX_NAME_BYTES = 512,          /* base names ("ntoskrnl.exe") are short; UNICODE_STRING allows 64 KiB */
    SEEN_SLOTS = 2 * MAX_MODULES,  /* open-addressing set of visited entries, half full at most */
};
/* 2^31 pages = 8 TiB of physical memory, beyond any Windows client; keeps the rank index
 * (one u32 per 512 bits) at 16 MiB at most. */
#define MAX_BITMAP_BITS (1ull << 31)
#define PFN_MASK64 0x000FFFFFFFFFF000ull

const char *updx_kmem_status_text(updx_kmem_status st)
{
    switch (st) {
    case UPDX_KMEM_OK: return "is readable";
    case UPDX_KMEM_NOT_IN_DUMP: return "is not in the dump";
    case UPDX_KMEM_NOT_READ: return "lies beyond the bytes read";
    case UPDX_KMEM_NOT_MAPPED: return "is not mapped (paged out or invalid)";
    case UPDX_KMEM_NON_CANONICAL: return "is not a canonical address";
    case UPDX_KMEM_NO_TRANSLATION: return "cannot be translated (paging mode not supported)";
    }
    return "?";
}

static bool r32(const updx_kmem *m, uint64_t off, uint32_t *v)
{
    if (!updx_span_fits(m->len, off, 4))
        return false;
    *v = updx_le32(m->data + off);
    return true;
}

static bool r64(const updx_kmem *m, uint64_t off, uint64_t *v)
{
    if (!updx_span_fits(m->len, off, 8))
        return false;
    *v = updx_le64(m->data + off);
    return true;
}

static void open_runs(updx_kmem *m, updx_case *c, const char *member, bool is64, bool *partial)
{
    const uint64_t pmd = is64 ? H64_PHYSMEM : H32_PHYSMEM;
    uint32_t nruns;
    uint64_t npages_claimed = 0;
    if (!r32(m, pmd, &nruns))
        return;
    if (nruns == SIG_PAGE) {
        updx_note_add(&c->notes, UPDX_NOTE_WARNING, member, pmd, UPDX_NO_LINE,
                      "full dump without a physical memory descriptor");
        return;
    }
    if (is64)
        r64(m, pmd + 8, &npages_claimed);
    else {
        uint32_t v;
        if (r32(m, pmd + 4, &v))
            npages_claimed = v;
    }
    const uint32_t max = is64 ? (PHYSMEM_BUFFER - PMD64_RUNS) / PMD64_RUN_SIZE
                              : (PHYSMEM_BUFFER - PMD32_RUNS) / PMD32_RUN_SIZE;
    if (nruns > max) {
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, member, pmd, UPDX_NO_LINE,
                      "physical memory descriptor claims %u runs but its buffer holds %u; the rest is ignored",
                      nruns, max);
        *partial = true;
        nruns = max;
    }
    m->pages_offset = is64 ? H64_SIZE : H32_SIZE;
    const uint64_t max_pages = (UINT64_MAX - m->pages_offset) / UPDX_KMEM_PAGE;
    uint64_t stored = 0;
    for (uint32_t i = 0; i < nruns; i++) {
        uint64_t base, count;
        if (is64) {
            uint64_t o = pmd + PMD64_RUNS + (uint64_t)i * PMD64_RUN_SIZE;
            if (!r64(m, o, &base) || !r64(m, o + 8, &count))
                break;
        } else {
            uint32_t b32, c32;
            uint64_t o = pmd + PMD32_RUNS + (uint64_t)i * PMD32_RUN_SIZE;
            if (!r32(m, o, &b32) || !r32(m, o + 4, &c32))
                break;
            base = b32;
            count = c32;
        }
        if (count == 0)
            continue;
        if (base > UINT64_MAX / UPDX_KMEM_PAGE - count || count > max_pages - stored) {
            updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, member, pmd, UPDX_NO_LINE,
                          "physical memory run %u (base page 0x%" PRIx64 ", %" PRIu64 " pages) is "
                          "impossible; it and later runs are ignored", i, base, count);
            *partial = true;
            break;
        }
        updx_kmem_run *r = &m->runs[m->n_runs++];
        r->base_page = base;
        r->page_count = count;
        r->first_stored = stored;
        stored += count;
    }
    m->stored_pages = stored;
    m->layout = UPDX_KMEM_RUNS;
    if (npages_claimed && npages_claimed != stored)
        updx_note_add(&c->notes, UPDX_NOTE_WARNING, member, pmd, UPDX_NO_LINE,
                      "physical memory descriptor says %" PRIu64 " pages but its runs hold %" PRIu64,
                      npages_claimed, stored);
}

static int open_bitmap(updx_kmem *m, updx_case *c, const char *member, bool *partial)
{
    uint32_t sig, valid;
    uint64_t first, present, bits;
    if (!r32(m, BMP_HEADER, &sig) || !r32(m, BMP_HEADER + 4, &valid) || (sig != SIG_SDMP && sig != SIG_FDMP) ||
        valid != SIG_DUMP || !r64(m, BMP_HEADER + BMP_FIRSTPAGE, &first) ||
        !r64(m, BMP_HEADER + BMP_PRESENT, &present) || !r64(m, BMP_HEADER + BMP_PAGES, &bits))
        return UPDX_ERR_FORMAT;
    m->layout = UPDX_KMEM_BITMAP;
    m->pages_offset = first;
    m->bitmap_bits = bits;
    const uint64_t bmp = BMP_HEADER + BMP_BITS;
    /* the bitmap lies in the file: its size is capped by the file's, then by the limit */
    uint64_t file_bits = m->file_size > bmp ? (m->file_size - bmp) * 8 : 0;
    uint64_t held = bits;
    if (held > file_bits) {
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, member, BMP_HEADER + BMP_PAGES, UPDX_NO_LINE,
                      "bitmap of %" PRIu64 " pages does not fit in the %" PRIu64 "-byte file", bits,
                      m->file_size);
        *partial = true;
        held = file_bits;
    }
    if (held > MAX_BITMAP_BITS) {
        updx_note_add(&c->notes, UPDX_NOTE_LIMIT, member, BMP_HEADER + BMP_PAGES, UPDX_NO_LINE,
                      "bitmap of %" PRIu64 " pages is above the limit of %" PRIu64 "; later pages are "
                      "treated as absent", bits, (uint64_t)MAX_BITMAP_BITS);
        held = MAX_BITMAP_BITS;
    }
    uint64_t read_bits = m->len > bmp ? (uint64_t)(m->len - bmp) * 8 : 0;
    if (held > read_bits) {
        m->hit_unread = true;
        if (!m->first_unread)
            m->first_unread = m->len;
        held = read_bits;
    }
    m->bitmap = m->data + (held ? bmp : 0);
    m->bitmap_held = held;
    uint64_t blocks = (held + RANK_BLOCK_BITS - 1) / RANK_BLOCK_BITS;
    if (blocks) {
        m->rank = malloc((size_t)blocks * sizeof *m->rank);
        if (!m->rank)
            return UPDX_ERR_NOMEM;
    }
    uint64_t count = 0;
    for (uint64_t b = 0; b < blocks; b++) {
        m->rank[b] = (uint32_t)count;
        uint64_t from = b * (RANK_BLOCK_BITS / 8), to = from + RANK_BLOCK_BITS / 8;
        uint64_t held_bytes = held / 8;
        if (to > held_bytes)
            to = held_bytes;
        for (uint64_t i = from; i < to; i++)
            count += (uint64_t)__builtin_popcount(m->bitmap[i]);
        if (b == blocks - 1 && held % 8)
            count += (uint64_t)__builtin_popcount(m->bitmap[held_bytes] & ((1u << (held % 8)) - 1));
    }
    m->stored_pages = count;
    if (present != count && held == bits)
        updx_note_add(&c->notes, UPDX_NOTE_WARNING, member, BMP_HEADER + BMP_PRESENT, UPDX_NO_LINE,
                      "bitmap header says %" PRIu64 " present pages but the bitmap has %" PRIu64,
                      present, count);
    return UPDX_OK;
}

int updx_kmem_open(updx_kmem *m, updx_case *c, const char *member, const uint8_t *data,
                   size_t len, uint64_t file_size, const updx_kdmp_info *in)
{
    memset(m, 0, sizeof *m);
    m->data = data;
    m->len = len;
    m->file_size = file_size < len ? len : file_size;
    bool partial = false;
    int rc = UPDX_OK;

    if (in->dump_type == UPDX_KDMP_FULL) {
        open_runs(m, c, member, in->is64, &partial);
    } else if (in->dump_type == UPDX_KDMP_BITMAP_FULL || in->dump_type == UPDX_KDMP_BITMAP_KERNEL ||
               in->dump_type == UPDX_KDMP_AUTOMATIC) {
        if (!in->is64) {
            updx_note_add(&c->notes, UPDX_NOTE_INFO, member, H32_SIZE, UPDX_NO_LINE,
                          "the bitmap layout of 32-bit dumps is not documented in updx's sources; "
                          "only the header facts are read");
            return UPDX_ERR_FORMAT;
        }
        rc = open_bitmap(m, c, member, &partial);
        if (rc != UPDX_OK)
            return rc;
    } else {
        return UPDX_ERR_FORMAT;
    }
    if (m->layout == UPDX_KMEM_NONE)
        return UPDX_ERR_FORMAT;

    /* stored pages the file cannot hold: say so once */
    uint64_t fit = m->file_size > m->pages_offset ? (m->file_size - m->pages_offset) / UPDX_KMEM_PAGE : 0;
    if (m->stored_pages > fit) {
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, member, m->file_size, UPDX_NO_LINE,
                      "the dump claims %" PRIu64 " stored pages from offset 0x%" PRIx64 " but the file "
                      "holds only %" PRIu64 ": it is truncated or damaged", m->stored_pages,
                      m->pages_offset, fit);
        partial = true;
    }

    m->dtb = in->directory_table_base;
    if (in->machine == 0x8664 && in->is64) {
        m->paging = UPDX_PAGING_X64_4LEVEL;
    } else if (in->machine == 0x14C && !in->is64) {
        uint8_t pae = len > H32_PAE ? data[H32_PAE] : 1;
        m->paging = pae == 0 ? UPDX_PAGING_X86 : UPDX_PAGING_X86_PAE;
        m->dtb &= 0xFFFFFFFFu;
        if (pae > 1)
            updx_note_add(&c->notes, UPDX_NOTE_WARNING, member, H32_PAE, UPDX_NO_LINE,
                          "PaeEnabled is 0x%x, neither 0 nor 1; PAE paging is assumed", pae);
    } else {
        updx_note_add(&c->notes, UPDX_NOTE_INFO, member, 0x10, UPDX_NO_LINE,
                      "virtual memory of %s dumps is not translated (the page-table format is not in "
                      "updx's sources); the module list is not read", in->machine == 0xAA64 ? "ARM64"
                      : "this machine's");
    }
    if (m->paging != UPDX_PAGING_NONE && (m->dtb == 0 || m->dtb == 0x4547415045474150ull || m->dtb == SIG_PAGE)) {
        updx_note_add(&c->notes, UPDX_NOTE_WARNING, member, 0x10, UPDX_NO_LINE,
                      "the header has no DirectoryTableBase, so virtual memory cannot be translated");
        m->paging = UPDX_PAGING_NONE;
    }
    return partial ? UPDX_PARTIAL : rc;
}

void updx_kmem_close(updx_kmem *m)
{
    free(m->rank);
    m->rank = NULL;
}

/* Index of pfn among the stored pages, or a status. */
static updx_kmem_status stored_index(const updx_kmem *m, uint64_t pfn, uint64_t *index)
{
    if (m->layout == UPDX_KMEM_RUNS) {
        for (uint32_t i = 0; i < m->n_runs; i++) {
            const updx_kmem_run *r = &m->runs[i];
            if (pfn >= r->base_page && pfn - r->base_page < r->page_count) {
                *index = r->first_stored + (pfn - r->base_page);
                return UPDX_KMEM_OK;
            }
        }
        return UPDX_KMEM_NOT_IN_DUMP;
    }
    if (m->layout == UPDX_KMEM_BITMAP) {
        if (pfn >= m->bitmap_bits)
            return UPDX_KMEM_NOT_IN_DUMP;
        if (pfn >= m->bitmap_held)
            return UPDX_KMEM_NOT_READ;
        const uint8_t *bm = m->bitmap;
        if (!(bm[pfn / 8] >> (pfn % 8) & 1))
            return UPDX_KMEM_NOT_IN_DUMP;
        uint64_t n = m->rank[pfn / RANK_BLOCK_BITS];
        for (uint64_t i = (pfn / RANK_BLOCK_BITS) * (RANK_BLOCK_BITS / 8); i < pfn / 8; i++)
            n += (uint64_t)__builtin_popcount(bm[i]);
        n += (uint64_t)__builtin_popcount(bm[pfn / 8] & ((1u << (pfn % 8)) - 1));
        *index = n;
        return UPDX_KMEM_OK;
    }
    return UPDX_KMEM_NOT_IN_DUMP;
}

const uint8_t *updx_kmem_phys_page(updx_kmem *m, uint64_t pfn, updx_kmem_status *st)
{
    uint64_t index = 0;
    updx_kmem_status s = stored_index(m, pfn, &index);
    if (s == UPDX_KMEM_OK) {
        uint64_t off = 0;
        if (index > (UINT64_MAX - m->pages_offset) / UPDX_KMEM_PAGE - 1) {
            s = UPDX_KMEM_NOT_READ;
        } else {
            off = m->pages_offset + index * UPDX_KMEM_PAGE;
            if (!updx_span_fits(m->file_size, off, UPDX_KMEM_PAGE)) {
                s = UPDX_KMEM_NOT_READ;
            } else if (!updx_span_fits(m->len, off, UPDX_KMEM_PAGE)) {
                s = UPDX_KMEM_NOT_READ;
                if (!m->hit_unread || off < m->first_unread)
                    m->first_unread = off;
                m->hit_unread = true;
            }
        }
        if (s == UPDX_KMEM_OK) {
            m->pages_touched++;
            *st = UPDX_KMEM_OK;
            return m->data + off;
        }
    }
    *st = s;
    return NULL;
}

static updx_kmem_status phys_read(updx_kmem *m, uint64_t pa, unsigned size, uint64_t *v)
{
    updx_kmem_status st;
    const uint8_t *p = updx_kmem_phys_page(m, pa / UPDX_KMEM_PAGE, &st);
    if (!p)
        return st;
    /* page-table entries are naturally aligned, so they never cross a page */
    const uint8_t *e = p + (pa % UPDX_KMEM_PAGE & ~(uint64_t)(size - 1));
    *v = size == 8 ? updx_le64(e) : updx_le32(e);
    return UPDX_KMEM_OK;
}

static updx_kmem_status translate_x64(updx_kmem *m, uint64_t va, uint64_t *pa)
{
    /* 48-bit canonical form: bits 63..47 all equal (4-level paging) */
    uint64_t top = va >> 47;
    if (top != 0 && top != 0x1FFFF)
        return UPDX_KMEM_NON_CANONICAL;
    uint64_t table = m->dtb & PFN_MASK64;
    /* four levels, fixed: a table entry pointing back at an upper table cannot loop */
    for (unsigned shift = 39; shift >= 12; shift -= 9) {
        uint64_t e = 0;
        updx_kmem_status st = phys_read(m, table + ((va >> shift) & 0x1FF) * 8, 8, &e);
        if (st != UPDX_KMEM_OK)
            return st;
        if (!(e & 1))
            return UPDX_KMEM_NOT_MAPPED;
        if ((shift == 30 || shift == 21) && (e & 0x80)) {
            /* PS bit: 1 GiB (PDPTE) or 2 MiB (PDE) page */
            uint64_t mask = (1ull << shift) - 1;
            *pa = (e & PFN_MASK64 & ~mask) | (va & mask);
            return UPDX_KMEM_OK;
        }
        table = e & PFN_MASK64;
        if (shift == 12)
            break;
    }
    *pa = table | (va & 0xFFF);
    return UPDX_KMEM_OK;
}

static updx_kmem_status translate_pae(updx_kmem *m, uint64_t va, uint64_t *pa)
{
    if (va > 0xFFFFFFFFu)
        return UPDX_KMEM_NON_CANONICAL;
    uint64_t e = 0;
    updx_kmem_status st = phys_read(m, (m->dtb & 0xFFFFFFE0u) + ((va >> 30) & 3) * 8, 8, &e);
    if (st != UPDX_KMEM_OK)
        return st;
    if (!(e & 1))
        return UPDX_KMEM_NOT_MAPPED;
    st = phys_read(m, (e & PFN_MASK64) + ((va >> 21) & 0x1FF) * 8, 8, &e);
    if (st != UPDX_KMEM_OK)
        return st;
    if (!(e & 1))
        return UPDX_KMEM_NOT_MAPPED;
    if (e & 0x80) {
        *pa = (e & PFN_MASK64 & ~0x1FFFFFull) | (va & 0x1FFFFF);
        return UPDX_KMEM_OK;
    }
    st = phys_read(m, (e & PFN_MASK64) + ((va >> 12) & 0x1FF) * 8, 8, &e);
    if (st != UPDX_KMEM_OK)
        return st;
    if (!(e & 1))
        return UPDX_KMEM_NOT_MAPPED;
    *pa = (e & PFN_MASK64) | (va & 0xFFF);
    return UPDX_KMEM_OK;
}

static updx_kmem_status translate_x86(updx_kmem *m, uint64_t va, uint64_t *pa)
{
    if (va > 0xFFFFFFFFu)
        return UPDX_KMEM_NON_CANONICAL;
    uint64_t e = 0;
    updx_kmem_status st = phys_read(m, (m->dtb & 0xFFFFF000u) + (va >> 22) * 4, 4, &e);
    if (st != UPDX_KMEM_OK)
        return st;
    if (!(e & 1))
        return UPDX_KMEM_NOT_MAPPED;
    if (e & 0x80) {
        *pa = (e & 0xFFC00000u) | (va & 0x3FFFFF);
        return UPDX_KMEM_OK;
    }
    st = phys_read(m, (e & 0xFFFFF000u) + ((va >> 12) & 0x3FF) * 4, 4, &e);
    if (st != UPDX_KMEM_OK)
        return st;
    if (!(e & 1))
        return UPDX_KMEM_NOT_MAPPED;
    *pa = (e & 0xFFFFF000u) | (va & 0xFFF);
    return UPDX_KMEM_OK;
}

updx_kmem_status updx_kmem_translate(updx_kmem *m, uint64_t va, uint64_t *pa)
{
    switch (m->paging) {
    case UPDX_PAGING_X64_4LEVEL: return translate_x64(m, va, pa);
    case UPDX_PAGING_X86_PAE: return translate_pae(m, va, pa);
    case UPDX_PAGING_X86: return translate_x86(m, va, pa);
    default: return UPDX_KMEM_NO_TRANSLATION;
    }
}

updx_kmem_status updx_kmem_read(updx_kmem *m, uint64_t va, void *buf, size_t n, uint64_t *fail_va)
{
    uint8_t *out = buf;
    while (n) {
        uint64_t pa;
        updx_kmem_status st = updx_kmem_translate(m, va, &pa);
        const uint8_t *page = st == UPDX_KMEM_OK ? updx_kmem_phys_page(m, pa / UPDX_KMEM_PAGE, &st) : NULL;
        if (!page) {
            if (fail_va)
                *fail_va = va;
            return st;
        }
        size_t in_page = UPDX_KMEM_PAGE - (size_t)(pa % UPDX_KMEM_PAGE);
        size_t take = n < in_page ? n : in_page;
        memcpy(out, page + pa % UPDX_KMEM_PAGE, take);
        out += take;
        n -= take;
        if (n && va > UINT64_MAX - take) {
            if (fail_va)
                *fail_va = va;
            return UPDX_KMEM_NON_CANONICAL;
        }
        va += take;
    }
    return UPDX_KMEM_OK;
}

/* ---- PsLoadedModuleList ---- */

/* Adds va to the set; false when it was there already (a cycle). */
static bool seen_add(uint64_t *slots, uint64_t va)
{
    /* 0 marks a free slot; an entry at VA 0 cannot be read anyway */
    uint64_t h = (va >> 4) * 0x9E3779B97F4A7C15ull;
    for (unsigned probe = 0; probe < SEEN_SLOTS; probe++) {
        uint64_t *s = &slots[(h + probe) % SEEN_SLOTS];
        if (*s == va)
            return false;
        if (*s == 0) {
            *s = va;
            return true;
        }
    }
    return false;
}

static void unreachable_note(updx_kmem *m, updx_case *c, const char *member, const char *what,
                             uint64_t va, uint64_t fail_va, updx_kmem_status st)
{
    uint64_t pa = 0;
    if (st == UPDX_KMEM_NOT_IN_DUMP || st == UPDX_KMEM_NOT_READ) {
        /* name the physical page too: that is what is missing from the file */
        (void)updx_kmem_translate(m, fail_va, &pa);
        updx_note_add(&c->notes, UPDX_NOTE_WARNING, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "%s at 0x%" PRIx64 " is not reachable: its page (VA 0x%" PRIx64 ", physical "
                      "page 0x%" PRIx64 ") %s", what, va, fail_va & ~(uint64_t)0xFFF, pa / UPDX_KMEM_PAGE,
                      updx_kmem_status_text(st));
    } else {
        updx_note_add(&c->notes, UPDX_NOTE_WARNING, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "%s at 0x%" PRIx64 " is not reachable: address 0x%" PRIx64 " %s", what, va,
                      fail_va, updx_kmem_status_text(st));
    }
}

size_t updx_kmem_walk_modules(updx_kmem *m, updx_case *c, const char *member, bool is64,
                              uint64_t head_va, updx_avec *modules, bool *complete)
{
    *complete = false;
    const unsigned psize = is64 ? 8 : 4;
    const size_t entry_size = is64 ? KLDR64_READ : KLDR32_READ;
    uint8_t entry[KLDR64_READ > KLDR32_READ ? KLDR64_READ : KLDR32_READ];
    uint8_t name[MAX_NAME_BYTES];
    uint64_t fail = 0, cur = 0;
    updx_kmem_status st;

    if (head_va == 0 || head_va == 0x4547415045474150ull || head_va == SIG_PAGE) {
        updx_note_add(&c->notes, UPDX_NOTE_WARNING, member, is64 ? 0x20 : 0x18, UPDX_NO_LINE,
                      "the header has no PsLoadedModuleList address");
        return 0;
    }
    if ((st = updx_kmem_read(m, head_va, entry, psize, &fail)) != UPDX_KMEM_OK) {
        unreachable_note(m, c, member, "the module list head (PsLoadedModuleList)", head_va, fail, st);
        return 0;
    }
    cur = is64 ? updx_le64(entry) : updx_le32(entry);
    uint64_t *seen = calloc(SEEN_SLOTS, sizeof *seen);
    if (!seen)
        return 0;
    size_t added = 0, index = 0, unnamed = 0;
    seen_add(seen, head_va);
    while (cur != head_va) {
        if (index >= MAX_MODULES) {
            updx_note_add(&c->notes, UPDX_NOTE_LIMIT, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "module list has more than %u entries; the rest is ignored", (unsigned)MAX_MODULES);
            break;
        }
        if (!seen_add(seen, cur)) {
            updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "module list loops back to entry 0x%" PRIx64 " without reaching its head; "
                          "the walk stops after %zu entries", cur, index);
            break;
        }
        char what[64];
        snprintf(what, sizeof what, "module list entry %zu", index);
        if ((st = updx_kmem_read(m, cur, entry, entry_size, &fail)) != UPDX_KMEM_OK) {
            unreachable_note(m, c, member, what, cur, fail, st);
            break;
        }
        updx_module *mod = updx_avec_push(modules, &c->arena);
        if (!mod)
            break;
        uint64_t next;
        uint16_t name_len;
        uint64_t name_va;
        if (is64) {
            next = updx_le64(entry + KLDR64_FLINK);
            mod->base = updx_le64(entry + KLDR64_DLLBASE);
            mod->size = updx_le32(entry + KLDR64_SIZE);
            mod->timestamp = updx_le32(entry + KLDR64_TIMESTAMP);
            name_len = updx_le16(entry + KLDR64_BASENAME);
            name_va = updx_le64(entry + KLDR64_BASENAME + 8);
        } else {
            next = updx_le32(entry + KLDR32_FLINK);
            mod->base = updx_le32(entry + KLDR32_DLLBASE);
            mod->size = updx_le32(entry + KLDR32_SIZE);
            mod->timestamp = updx_le32(entry + KLDR32_TIMESTAMP);
            name_len = updx_le16(entry + KLDR32_BASENAME);
            name_va = updx_le32(entry + KLDR32_BASENAME + 4);
        }
        size_t nbytes = name_len & ~1u;
        if (nbytes > sizeof name)
            nbytes = sizeof name;
        if (nbytes && (st = updx_kmem_read(m, name_va, name, nbytes, &fail)) == UPDX_KMEM_OK)
            mod->name = updx_kdmp_utf16_to_utf8(&c->arena, name, nbytes / 2);
        if (!mod->name || !*mod->name) {
            mod->name = updx_arena_printf(&c->arena, "unnamed_%" PRIx64, mod->base);
            /* the first unreadable name in detail, the others counted */
            if (unnamed++ == 0) {
                snprintf(what, sizeof what, "the name of module list entry %zu", index);
                if (nbytes)
                    unreachable_note(m, c, member, what, name_va, fail, st);
                else
                    updx_note_add(&c->notes, UPDX_NOTE_WARNING, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                                  "module list entry %zu at 0x%" PRIx64 " has an empty name", index, cur);
            }
        }
        added++;
        index++;
        cur = next;
    }
    if (cur == head_va)
        *complete = true;
    if (unnamed > 1)
        updx_note_add(&c->notes, UPDX_NOTE_WARNING, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "%zu module names were not readable; those modules are named unnamed_<base>", unnamed);
    free(seen);
    return added;
}
