/* synth_dump.c: synthetic kernel and user-mode dumps (see synth_dump.h). */
#include "synth_dump.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct wbuf {
    uint8_t *p;
    size_t len, cap;
    bool failed;
} wbuf;

static void reserve(wbuf *b, size_t n)
{
    if (b->failed || n <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < n)
        cap *= 2;
    uint8_t *np = realloc(b->p, cap);
    if (!np) {
        b->failed = true;
        return;
    }
    memset(np + b->cap, 0, cap - b->cap);
    b->p = np;
    b->cap = cap;
}

static void grow(wbuf *b, size_t n)
{
    reserve(b, n);
    if (!b->failed && n > b->len)
        b->len = n;
}

static void put32(wbuf *b, size_t off, uint32_t v)
{
    grow(b, off + 4);
    if (b->failed)
        return;
    for (int i = 0; i < 4; i++)
        b->p[off + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static void put64(wbuf *b, size_t off, uint64_t v)
{
    put32(b, off, (uint32_t)v);
    put32(b, off + 4, (uint32_t)(v >> 32));
}

static void put16(wbuf *b, size_t off, uint16_t v)
{
    grow(b, off + 2);
    if (b->failed)
        return;
    b->p[off] = (uint8_t)v;
    b->p[off + 1] = (uint8_t)(v >> 8);
}

static void putptr(wbuf *b, bool is32, size_t off, uint64_t v)
{
    if (is32)
        put32(b, off, (uint32_t)v);
    else
        put64(b, off, v);
}

/* ASCII as UTF-16LE, no terminator; returns the chars written */
static size_t put_wstr(wbuf *b, size_t off, const char *s, size_t max_chars)
{
    size_t n = strlen(s);
    if (n > max_chars)
        n = max_chars;
    for (size_t i = 0; i < n; i++)
        put16(b, off + 2 * i, (uint8_t)s[i]);
    return n;
}

static size_t align8(size_t v)
{
    return (v + 7) & ~(size_t)7;
}

void synth_kdmp_defaults(synth_kdmp *s)
{
    memset(s, 0, sizeof *s);
    s->machine = 0x8664;
    s->build = 19041;
    s->processors = 4;
    s->dump_type = 4;
    s->system_time = 132583451020000000ull; /* 2021-02-21 01:38:22 UTC */
    s->uptime = 120000000ull;               /* 12 s */
}

uint8_t *synth_kdmp_build(const synth_kdmp *s, size_t *len)
{
    wbuf b = {0};
    const bool is32 = s->is32;
    const size_t hsize = is32 ? 0x1000 : 0x2000;
    grow(&b, hsize);
    for (size_t o = 0; o + 4 <= hsize; o += 4)
        put32(&b, o, 0x45474150u); /* PAGE filler, as Windows writes */
    put32(&b, 4, is32 ? 0x504D5544u : 0x34365544u);
    put32(&b, 8, 0xF);
    put32(&b, 0xC, s->build);
    if (is32) {
        put32(&b, 0x20, s->machine ? s->machine : 0x14C);
        put32(&b, 0x24, s->processors);
        put32(&b, 0x28, s->bugcheck);
        for (int i = 0; i < 4; i++)
            put32(&b, 0x2C + 4u * (unsigned)i, (uint32_t)s->params[i]);
        put32(&b, 0xF88, s->dump_type);
        put32(&b, 0xF8C, 0xCFF);
        put64(&b, 0xFB8, s->uptime);
        put64(&b, 0xFC0, s->system_time);
    } else {
        put32(&b, 0x30, s->machine);
        put32(&b, 0x34, s->processors);
        put32(&b, 0x38, s->bugcheck);
        put32(&b, 0x3C, 0);
        for (int i = 0; i < 4; i++)
            put64(&b, 0x40 + 8u * (unsigned)i, s->params[i]);
        if (s->ctx_ip) {
            put64(&b, 0x348 + 0xF8, s->ctx_ip);
            put64(&b, 0x348 + 0x98, s->ctx_sp);
            put64(&b, 0x348 + 0xA0, s->ctx_sp);
        }
        put32(&b, 0xF00, 0x80000003u);
        put64(&b, 0xF10, s->drivers && s->n_drivers ? s->drivers[0].base + 0x1000 : 0);
        put32(&b, 0xF98, s->dump_type);
        put64(&b, 0xFA8, s->system_time);
        put64(&b, 0x1030, s->uptime);
        put32(&b, 0x1038, 0xCFF);
    }

    if (s->dump_type == 5 || s->dump_type == 6) {
        put32(&b, hsize, s->dump_type == 5 ? 0x504D4446u : 0x504D4453u);
        put32(&b, hsize + 4, 0x504D5544u);
        put64(&b, hsize + 0x20, hsize + 0x1000);
        put64(&b, hsize + 0x28, 1);
        put64(&b, hsize + 0x30, 8);
        put32(&b, hsize + 0x38, 1);
        grow(&b, hsize + 0x2000);
    }
    if (s->dump_type != 4 || b.failed) {
        *len = b.len;
        return b.p;
    }

    /* triage: header, unloaded list, driver entries, string pool, stack, blocks, marker */
    const size_t t = hsize;
    size_t pos = t + SYNTH_UNLOADED_OFF;
    const size_t unl_off = pos;
    const size_t unl_esz = is32 ? 0x28 : 0x38;
    putptr(&b, is32, pos, s->n_unloaded);
    pos += is32 ? 4 : 8;
    for (size_t i = 0; i < s->n_unloaded; i++, pos += unl_esz) {
        const synth_driver *d = &s->unloaded[i];
        size_t chars = strlen(d->name) > 12 ? 12 : strlen(d->name);
        put16(&b, pos, (uint16_t)(strlen(d->name) * 2));
        put16(&b, pos + 2, (uint16_t)(strlen(d->name) * 2));
        put_wstr(&b, pos + (is32 ? 8 : 0x10), d->name, chars);
        putptr(&b, is32, pos + (is32 ? 0x20 : 0x28), d->base);
        putptr(&b, is32, pos + (is32 ? 0x24 : 0x30), d->base + d->size);
    }
    pos = align8(pos);
    const size_t drv_off = pos;
    const size_t drv_esz = is32 ? 0x4C : 0x90;
    pos += s->n_drivers * drv_esz;
    pos = align8(pos);
    const size_t pool_off = pos;
    for (size_t i = 0; i < s->n_drivers; i++) {
        const synth_driver *d = &s->drivers[i];
        char path[512];
        snprintf(path, sizeof path, "\\SystemRoot\\system32\\drivers\\%s", d->name);
        size_t e = drv_off + i * drv_esz;
        put32(&b, e, (uint32_t)pos);
        size_t n = strlen(path);
        put32(&b, pos, (uint32_t)n);
        put_wstr(&b, pos + 4, path, n);
        put16(&b, pos + 4 + 2 * n, 0);
        pos = align8(pos + 4 + 2 * n + 2);
        if (is32) {
            put32(&b, e + 0x1C, (uint32_t)d->base);
            put32(&b, e + 0x24, d->size);
            put32(&b, e + 0x48, d->timestamp);
        } else {
            put64(&b, e + 0x38, d->base);
            put32(&b, e + 0x48, d->size);
            put32(&b, e + 0x88, d->timestamp);
        }
    }
    const size_t pool_size = pos - pool_off;
    const size_t stack_off = pos;
    const unsigned step = is32 ? 4 : 8;
    for (size_t i = 0; i < s->n_stack; i++)
        putptr(&b, is32, stack_off + i * step, s->stack[i]);
    pos = stack_off + s->n_stack * step;
    grow(&b, pos);
    const size_t blocks_off = align8(pos);
    const size_t besz = is32 ? 12 : 16;
    pos = blocks_off + s->n_blocks * besz;
    for (size_t i = 0; i < s->n_blocks; i++) {
        size_t e = blocks_off + i * besz;
        size_t data = pos + i * 16;
        putptr(&b, is32, e, 0xFFFF900000000000ull + i * 0x1000);
        put32(&b, e + (is32 ? 4 : 8), (uint32_t)data);
        put32(&b, e + (is32 ? 8 : 12), 16);
        put64(&b, data, 0x1111111111111111ull * (i + 1));
    }
    pos += s->n_blocks * 16;
    const size_t valid_off = align8(pos);
    grow(&b, valid_off + 4);
    if (!b.failed && !s->no_valid_marker)
        memcpy(b.p + valid_off, "TRGD", 4);

    put32(&b, t + 0x00, 0);
    put32(&b, t + 0x04, (uint32_t)(valid_off + 4));
    put32(&b, t + 0x08, (uint32_t)valid_off);
    put32(&b, t + 0x0C, is32 ? 0x320 : 0x348);
    put32(&b, t + 0x10, is32 ? 0x7D0 : 0xF00);
    put32(&b, t + 0x14, 0);
    put32(&b, t + 0x18, (uint32_t)unl_off);
    put32(&b, t + 0x1C, 0);
    put32(&b, t + 0x20, 0);
    put32(&b, t + 0x24, 0);
    put32(&b, t + 0x28, s->n_stack ? (uint32_t)stack_off : 0);
    put32(&b, t + 0x2C, (uint32_t)(s->n_stack * step));
    put32(&b, t + 0x30, (uint32_t)drv_off);
    put32(&b, t + 0x34, (uint32_t)s->n_drivers);
    put32(&b, t + 0x38, (uint32_t)pool_off);
    put32(&b, t + 0x3C, (uint32_t)pool_size);
    put32(&b, t + 0x40, 0);
    put32(&b, t + 0x44, 0xFFFFFFFFu);
    putptr(&b, is32, t + 0x48, s->stack_va);
    if (is32) {
        put32(&b, t + 0x60, s->n_blocks ? (uint32_t)blocks_off : 0);
        put32(&b, t + 0x64, (uint32_t)s->n_blocks);
    } else {
        put32(&b, t + 0x78, s->n_blocks ? (uint32_t)blocks_off : 0);
        put32(&b, t + 0x7C, (uint32_t)s->n_blocks);
    }
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}

/* Module layout of the seed dump (bases are plausible Windows 10 kernel addresses). */
#define SEED_NT 0xfffff80270000000ull
#define SEED_NDIS 0xfffff80274a00000ull
#define SEED_LWF 0xfffff80279e00000ull

static const synth_driver seed_drivers[] = {
    {"ntoskrnl.exe", SEED_NT, 0x1046000, 0x0d8333e6},
    {"hal.dll", 0xfffff8026f440000ull, 0x6000, 0x1a7be8e9},
    {"kd.dll", 0xfffff8026f450000ull, 0xb000, 0xfe185fa8},
    {"CLFS.SYS", 0xfffff80272000000ull, 0x6a000, 0x5e1d2a10},
    {"ndis.sys", SEED_NDIS, 0x14c000, 0x6c3a3b1f},
    {"NETIO.SYS", 0xfffff80274b50000ull, 0x85000, 0x3b22c1a0},
    {"lwfmgr.sys", SEED_LWF, 0x12000, 0x5c8f1e22},
    {"vwifimf.sys", 0xfffff80279e20000ull, 0xf000, 0x5c8f1e30},
};
static const synth_driver seed_unloaded[] = {
    {"WdBoot.sys", 0xfffff80271d30000ull, 0x12000, 0},
};
#define SEED_SVA 0xffffa1800e4b0000ull
/* innermost first, as `k` in the seed mail shows it, with locals in between */
static const uint64_t seed_stack[] = {
    SEED_NT + 0x3f4e30,   /* nt!KeBugCheckEx caller: PspSystemThreadStartup$filt$0+0x44 */
    0x7e, 0xffffffffc0000005ull,
    SEED_NT + 0x1a2b9f,   /* nt!_C_specific_handler+0x9f */
    SEED_NT + 0x40a20f,   /* nt!RtlpExecuteHandlerForException+0xf */
    0, SEED_SVA + 0x400,
    SEED_NT + 0x2c1830,   /* nt!RtlDispatchException+0x430 */
    SEED_NT + 0x40c144,   /* nt!KiDispatchException+0x144 */
    SEED_NT + 0x40f3c2,   /* nt!KiExceptionDispatch+0xc2 */
    SEED_NT + 0x40b82e,   /* nt!KiPageFault+0x42e */
    0x10, 0x246,
    SEED_NDIS + 0x61c47,  /* ndis!NdisFDeregisterFilterDriver+0x47 */
    SEED_LWF + 0x5167,    /* lwfmgr+0x5167 */
    0xffffe00012345678ull,
    SEED_LWF + 0xb49a,    /* lwfmgr+0xb49a */
    SEED_NT + 0x7a14bd,   /* nt!IopLoadDriver+0x4bd */
    SEED_NT + 0x7b2134,   /* nt!IopInitializeSystemDrivers+0x134 */
    SEED_NT + 0x7b6012,   /* nt!IoInitSystem+0x12 */
    SEED_NT + 0x7c1042,   /* nt!Phase1Initialization+0x42 */
    SEED_NT + 0x2a5055,   /* nt!PspSystemThreadStartup+0x55 */
    SEED_NT + 0x40e21c,   /* nt!KiStartSystemThread+0x1c */
    0, 0,
};

uint8_t *synth_seed_dump(size_t *len)
{
    const uint64_t sva = SEED_SVA;
    const synth_driver *drivers = seed_drivers, *unloaded = seed_unloaded;
    const uint64_t *stack = seed_stack;
    synth_kdmp s;
    synth_kdmp_defaults(&s);
    s.bugcheck = 0x7E;
    s.params[0] = 0xffffffffc0000005ull;
    s.params[1] = SEED_NDIS + 0x61c47;
    s.params[2] = sva + 0x300;
    s.params[3] = sva + 0x200;
    s.drivers = drivers;
    s.n_drivers = sizeof seed_drivers / sizeof *seed_drivers;
    s.unloaded = unloaded;
    s.n_unloaded = 1;
    s.stack = stack;
    s.n_stack = sizeof seed_stack / sizeof *seed_stack;
    s.stack_va = sva;
    s.uptime = 120000000ull; /* 12 s: boot drivers are loading */
    /* 2022-05-06 02:01:50 UTC = 10:01:50 on the terminal's clock (UTC+8), just before the
     * rollback log of the seed case's second attempt starts at 10:02:17 */
    s.system_time = 132962761100000000ull;
    s.n_blocks = 2;
    return synth_kdmp_build(&s, len);
}

int synth_seed_dump_write(const char *path)
{
    size_t len;
    uint8_t *d = synth_seed_dump(&len);
    if (!d)
        return -1;
    FILE *f = fopen(path, "wb");
    int rc = f && fwrite(d, 1, len, f) == len ? 0 : -1;
    if (f && fclose(f) != 0)
        rc = -1;
    free(d);
    return rc;
}

uint8_t *synth_mdmp_build(const synth_mdmp *s, size_t *len)
{
    wbuf b = {0};
    enum { HDR = 32, DIR_ENTRY = 12 };
    uint32_t nstreams = 1u + (s->no_exception ? 0u : 1u) + (s->no_sysinfo ? 0u : 1u);
    put32(&b, 0, 0x504D444Du);
    put32(&b, 4, 0xA793);
    put32(&b, 8, nstreams);
    put32(&b, 12, HDR);
    put32(&b, 20, 0x5f000000u);
    size_t pos = HDR + nstreams * DIR_ENTRY;
    size_t dir = HDR;
    /* module list */
    size_t ml = pos, mlsize = 4 + s->n_modules * 108;
    put32(&b, dir, 4);
    put32(&b, dir + 4, (uint32_t)mlsize);
    put32(&b, dir + 8, (uint32_t)ml);
    dir += DIR_ENTRY;
    put32(&b, ml, (uint32_t)s->n_modules);
    pos = ml + mlsize;
    for (size_t i = 0; i < s->n_modules; i++) {
        size_t e = ml + 4 + i * 108;
        put64(&b, e, s->modules[i].base);
        put32(&b, e + 8, s->modules[i].size);
        put32(&b, e + 0x14, (uint32_t)pos);
        size_t n = strlen(s->modules[i].name);
        put32(&b, pos, (uint32_t)(n * 2));
        put_wstr(&b, pos + 4, s->modules[i].name, n);
        put16(&b, pos + 4 + 2 * n, 0);
        pos = align8(pos + 4 + 2 * n + 2);
    }
    if (!s->no_exception) {
        put32(&b, dir, 6);
        put32(&b, dir + 4, 168);
        put32(&b, dir + 8, (uint32_t)pos);
        dir += DIR_ENTRY;
        put32(&b, pos, 1234);
        put32(&b, pos + 8, s->exception_code);
        put64(&b, pos + 0x18, s->exception_address);
        pos += 168;
    }
    if (!s->no_sysinfo) {
        put32(&b, dir, 7);
        put32(&b, dir + 4, 56);
        put32(&b, dir + 8, (uint32_t)pos);
        put16(&b, pos, s->arch ? s->arch : 9);
        b.failed = b.failed || false;
        put32(&b, pos + 8, 10);
        put32(&b, pos + 0x10, s->build ? s->build : 19041);
        grow(&b, pos + 56);
        if (!b.failed)
            b.p[pos + 6] = 4;
        pos += 56;
    }
    grow(&b, pos);
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}

/* ---- full and bitmap dumps: a small physical memory with x64 page tables ---- */

#define PG 0x1000u
#define PTE_MASK 0x000FFFFFFFFFF000ull
#define MAX_SYNTH_PAGES 4096
#define LARGE_2M_PFN 0x20000ull /* 2 MiB aligned */
#define LARGE_1G_PFN 0x40000ull /* 1 GiB aligned */

typedef struct ppage {
    uint64_t pfn;
    uint8_t *data;
    bool dropped;
} ppage;

typedef struct pmem {
    ppage *pages;
    size_t n;
    uint64_t next_pfn;
    size_t since_gap;
    uint64_t pml4;  /* physical address of the top table (the PDPT with PAE) */
    unsigned top;   /* shift of the top level: 39 (x64) or 30 (PAE) */
    bool failed;
} pmem;

static uint8_t *pm_page(pmem *m, uint64_t pfn)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->pages[i].pfn == pfn)
            return m->pages[i].data;
    if (m->failed || m->n == MAX_SYNTH_PAGES) {
        m->failed = true;
        return NULL;
    }
    uint8_t *d = calloc(1, PG);
    if (!d) {
        m->failed = true;
        return NULL;
    }
    m->pages[m->n].pfn = pfn;
    m->pages[m->n].data = d;
    m->pages[m->n].dropped = false;
    m->n++;
    return d;
}

/* A new page; a gap every 48 pages makes several physical runs. */
static uint64_t pm_alloc(pmem *m)
{
    if (++m->since_gap == 48) {
        m->since_gap = 0;
        m->next_pfn += 0x40;
    }
    uint64_t pfn = m->next_pfn++;
    (void)pm_page(m, pfn);
    return pfn;
}

static void pm_set64(pmem *m, uint64_t pa, uint64_t v)
{
    uint8_t *p = pm_page(m, pa / PG);
    for (int i = 0; p && i < 8; i++)
        p[pa % PG + (uint64_t)i] = (uint8_t)(v >> (8 * i));
}

static uint64_t pm_get64(pmem *m, uint64_t pa)
{
    uint8_t *p = pm_page(m, pa / PG);
    uint64_t v = 0;
    for (int i = 7; p && i >= 0; i--)
        v = v << 8 | p[pa % PG + (uint64_t)i];
    return v;
}

static uint64_t pm_table(pmem *m, uint64_t table, uint64_t va, unsigned shift)
{
    uint64_t at = table + ((va >> shift) & 0x1FF) * 8;
    uint64_t e = pm_get64(m, at);
    if (!(e & 1)) {
        e = pm_alloc(m) * PG | 3;
        pm_set64(m, at, e);
    }
    return e & PTE_MASK;
}

/* Maps va with a leaf at level `leaf` (12: 4 KiB, 21: 2 MiB, 30: 1 GiB). */
static void map_at(pmem *m, uint64_t va, uint64_t pfn, unsigned leaf)
{
    uint64_t table = m->pml4;
    for (unsigned shift = m->top; shift > leaf; shift -= 9)
        table = pm_table(m, table, va, shift);
    pm_set64(m, table + ((va >> leaf) & 0x1FF) * 8, pfn * PG | (leaf == 12 ? 3 : 0x83));
}

static void map_4k(pmem *m, uint64_t va, uint64_t pfn)
{
    map_at(m, va, pfn, 12);
}

static void map_2m(pmem *m, uint64_t va, uint64_t pfn)
{
    map_at(m, va, pfn, 21);
}

static void map_1g(pmem *m, uint64_t va, uint64_t pfn)
{
    map_at(m, va, pfn, 30);
}

/* The builder's own translation (the reader's is what is tested); UINT64_MAX if unmapped. */
static uint64_t pm_vtop(pmem *m, uint64_t va)
{
    uint64_t table = m->pml4;
    for (unsigned shift = m->top;; shift -= 9) {
        uint64_t e = pm_get64(m, table + ((va >> shift) & 0x1FF) * 8);
        if (!(e & 1))
            return UINT64_MAX;
        if (shift != m->top && (shift == 30 || shift == 21) && (e & 0x80))
            return (e & PTE_MASK & ~((1ull << shift) - 1)) | (va & ((1ull << shift) - 1));
        if (shift == 12)
            return (e & PTE_MASK) | (va & 0xFFF);
        table = e & PTE_MASK;
    }
}

static void vput8(pmem *m, uint64_t va, uint8_t v)
{
    uint64_t pa = pm_vtop(m, va);
    if (pa == UINT64_MAX) {
        map_4k(m, va & ~(uint64_t)0xFFF, pm_alloc(m));
        pa = pm_vtop(m, va);
    }
    uint8_t *p = pa == UINT64_MAX ? NULL : pm_page(m, pa / PG);
    if (p)
        p[pa % PG] = v;
}

static void vput(pmem *m, uint64_t va, uint64_t v, unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        vput8(m, va + i, (uint8_t)(v >> (8 * i)));
}

static int ppage_cmp(const void *a, const void *b)
{
    const ppage *x = a, *y = b;
    return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

void synth_memdump_defaults(synth_memdump *s)
{
    memset(s, 0, sizeof *s);
    s->dump_type = 1;
}

uint8_t *synth_memdump_build(const synth_memdump *s, size_t *len)
{
    pmem m = {0};
    m.pages = calloc(MAX_SYNTH_PAGES, sizeof *m.pages);
    if (!m.pages)
        return NULL;
    m.next_pfn = 0x100;
    for (size_t i = 0; i < s->filler_pages / 2; i++) {
        uint64_t pfn = pm_alloc(&m);
        pm_set64(&m, pfn * PG, pfn);
    }
    m.pml4 = pm_alloc(&m) * PG;
    m.top = s->is32 ? 30 : 39;
    const bool is32 = s->is32;
    const unsigned ps = is32 ? 4 : 8;

    const uint64_t entries = is32 ? SYNTH_MEM_ENTRIES32 : SYNTH_MEM_ENTRIES;
    const uint64_t stride = s->compact ? 0xA0 : PG;
    const uint64_t names = s->compact ? entries + PG : entries + 0x100;
    const uint64_t name_stride = s->compact ? 0x40 : PG;
    uint64_t head = s->list_head;
    if (!head)
        head = s->compact ? entries + 0xF80
                          : (s->n_drivers ? s->drivers[0].base : 0xfffff80270000000ull) + SYNTH_MEM_HEAD_OFFSET;
    if (s->large_pages) {
        map_2m(&m, entries & ~0x1FFFFFull, LARGE_2M_PFN);
        if (s->n_stack)
            map_1g(&m, s->stack_va & ~0x3FFFFFFFull, LARGE_1G_PFN);
    }
    if (s->pt_loop) {
        /* Windows maps its PML4 into itself at one slot; here also a PDPT slot of the
         * entries' region points back at the PML4 */
        pm_set64(&m, m.pml4 + 0x1ED * 8, m.pml4 | 3);
        uint64_t pdpt = pm_table(&m, m.pml4, entries, 39);
        pm_set64(&m, pdpt + 5 * 8, m.pml4 | 3);
    }

    /* the list: head <-> entry 0 <-> ... <-> entry n-1 <-> head */
    const size_t n = s->n_drivers;
    vput(&m, head, n ? entries : head, ps);
    vput(&m, head + ps, n ? entries + (n - 1) * stride : head, ps);
    for (size_t i = 0; i < n; i++) {
        const synth_driver *d = &s->drivers[i];
        uint64_t e = entries + i * stride, name = names + i * name_stride;
        uint64_t next = i + 1 < n ? e + stride : head;
        if (i == n - 1 && s->cycle)
            next = entries;
        if (i == 1 && s->self_loop)
            next = e;
        if (i == 1 && s->non_canonical)
            next = 0x8000000000001000ull;
        size_t chars = strlen(d->name);
        if (s->compact && chars > 0x20)
            chars = 0x20;
        vput(&m, e, next, ps);
        vput(&m, e + ps, i ? e - stride : head, ps);
        if (is32) {
            /* KLDR_DATA_TABLE_ENTRY32 */
            vput(&m, e + 0x18, d->base, 4);
            vput(&m, e + 0x1C, d->base + 0x1000, 4);
            vput(&m, e + 0x20, d->size, 4);
            vput(&m, e + 0x2C, chars * 2, 2);
            vput(&m, e + 0x2E, chars * 2 + 2, 2);
            vput(&m, e + 0x30, name, 4);
            vput(&m, e + 0x44, d->timestamp, 4);
        } else {
            vput(&m, e + 0x30, d->base, 8);
            vput(&m, e + 0x38, d->base + 0x1000, 8);
            vput(&m, e + 0x40, d->size, 4);
            vput(&m, e + 0x58, chars * 2, 2);
            vput(&m, e + 0x5A, chars * 2 + 2, 2);
            vput(&m, e + 0x60, name, 8);
            vput(&m, e + 0x80, d->timestamp, 4);
        }
        for (size_t k = 0; k < chars; k++)
            vput(&m, name + 2 * k, (uint8_t)d->name[k], 2);
    }
    for (size_t i = 0; i < s->n_stack; i++)
        vput(&m, s->stack_va + ps * i, s->stack[i], ps);
    for (size_t i = s->filler_pages / 2; i < s->filler_pages; i++) {
        uint64_t pfn = pm_alloc(&m);
        pm_set64(&m, pfn * PG, pfn);
    }
    if (s->drop_entry && s->drop_entry <= n && !s->compact) {
        uint64_t pa = pm_vtop(&m, entries + (s->drop_entry - 1) * stride);
        for (size_t i = 0; pa != UINT64_MAX && i < m.n; i++)
            if (m.pages[i].pfn == pa / PG)
                m.pages[i].dropped = true;
    }

    /* the header, then the pages in PFN order */
    synth_kdmp h;
    synth_kdmp_defaults(&h);
    h.dump_type = 3;
    h.is32 = is32;
    if (is32)
        h.machine = 0x14C;
    h.bugcheck = s->bugcheck;
    memcpy(h.params, s->params, sizeof h.params);
    if (s->uptime)
        h.uptime = s->uptime;
    h.ctx_ip = s->ctx_ip;
    h.ctx_sp = s->ctx_sp;
    size_t hlen = 0;
    uint8_t *hdr = synth_kdmp_build(&h, &hlen);
    wbuf b = {0};
    if (hdr) {
        grow(&b, hlen);
        if (!b.failed)
            memcpy(b.p, hdr, hlen);
    }
    free(hdr);
    qsort(m.pages, m.n, sizeof *m.pages, ppage_cmp);
    if (is32) {
        put32(&b, 0x10, (uint32_t)m.pml4);
        put32(&b, 0x18, (uint32_t)head);
        put32(&b, 0x5C, 1); /* PaeEnabled */
        put32(&b, 0xF88, s->dump_type);
        if (s->ctx_ip) {
            put32(&b, 0x320 + 0xB8, (uint32_t)s->ctx_ip);
            put32(&b, 0x320 + 0xC4, (uint32_t)s->ctx_sp);
            put32(&b, 0x320 + 0xB4, (uint32_t)s->ctx_sp);
        }
    } else {
        put64(&b, 0x10, m.pml4);
        put64(&b, 0x20, head);
        put32(&b, 0xF98, s->dump_type);
    }
    size_t stored = 0;
    for (size_t i = 0; i < m.n; i++)
        stored += !m.pages[i].dropped;
    size_t pos;
    if (!is32 && (s->dump_type == 5 || s->dump_type == 6)) {
        uint64_t bits = m.n ? m.pages[m.n - 1].pfn + 1 : 0;
        put32(&b, 0x2000, s->dump_type == 5 ? 0x504D4446u : 0x504D4453u);
        put32(&b, 0x2004, 0x504D5544u);
        uint64_t first = (0x2038 + (bits + 7) / 8 + PG - 1) & ~(uint64_t)(PG - 1);
        put64(&b, 0x2020, first);
        put64(&b, 0x2028, stored + s->bitmap_overclaim);
        put64(&b, 0x2030, bits);
        grow(&b, (size_t)first);
        for (uint64_t i = 0; i < s->bitmap_overclaim && !b.failed; i++)
            b.p[0x2038 + i / 8] |= (uint8_t)(1u << (i % 8));
        pos = (size_t)first;
        for (size_t i = 0; i < m.n && !b.failed; i++) {
            if (m.pages[i].dropped)
                continue;
            b.p[0x2038 + m.pages[i].pfn / 8] |= (uint8_t)(1u << (m.pages[i].pfn % 8));
            grow(&b, pos + PG);
            if (!b.failed)
                memcpy(b.p + pos, m.pages[i].data, PG);
            pos += PG;
        }
    } else {
        /* runs of consecutive stored PFNs */
        uint32_t nruns = 0;
        const uint32_t max_runs = is32 ? 86 : 42;
        pos = is32 ? 0x1000 : 0x2000;
        for (size_t i = 0; i < m.n; i++) {
            if (m.pages[i].dropped)
                continue;
            size_t j = i;
            while (j + 1 < m.n && !m.pages[j + 1].dropped && m.pages[j + 1].pfn == m.pages[j].pfn + 1)
                j++;
            if (nruns == max_runs) {
                b.failed = true;
                break;
            }
            if (is32) {
                put32(&b, 0x6C + 8u * nruns, (uint32_t)m.pages[i].pfn);
                put32(&b, 0x70 + 8u * nruns, (uint32_t)(j - i + 1));
            } else {
                put64(&b, 0x98 + 16u * nruns, m.pages[i].pfn);
                put64(&b, 0xA0 + 16u * nruns, j - i + 1);
            }
            nruns++;
            for (size_t k = i; k <= j; k++) {
                grow(&b, pos + PG);
                if (!b.failed)
                    memcpy(b.p + pos, m.pages[k].data, PG);
                pos += PG;
            }
            i = j;
        }
        if (is32) {
            put32(&b, 0x64, nruns);
            put32(&b, 0x68, (uint32_t)stored);
        } else {
            put32(&b, 0x88, nruns);
            put32(&b, 0x8C, 0);
            put64(&b, 0x90, stored);
        }
    }
    for (size_t i = 0; i < m.n; i++)
        free(m.pages[i].data);
    free(m.pages);
    if (b.failed || m.failed) {
        free(b.p);
        return NULL;
    }
    *len = b.len;
    return b.p;
}

uint8_t *synth_seed_memdump(uint32_t dump_type, size_t filler, size_t *len)
{
    synth_memdump s;
    synth_memdump_defaults(&s);
    s.dump_type = dump_type;
    s.bugcheck = 0x7E;
    s.params[0] = 0xffffffffc0000005ull;
    s.params[1] = SEED_NDIS + 0x61c47;
    s.params[2] = SEED_SVA + 0x300;
    s.params[3] = SEED_SVA + 0x200;
    s.drivers = seed_drivers;
    s.n_drivers = sizeof seed_drivers / sizeof *seed_drivers;
    s.stack = seed_stack;
    s.n_stack = sizeof seed_stack / sizeof *seed_stack;
    s.stack_va = SEED_SVA;
    s.ctx_ip = SEED_NT + 0x3f5d40; /* nt!KeBugCheckEx */
    s.ctx_sp = SEED_SVA;
    s.filler_pages = filler;
    return synth_memdump_build(&s, len);
}
