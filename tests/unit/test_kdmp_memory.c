/* test_kdmp_memory.c: full and bitmap kernel dumps built by tests/support/synth_dump.c: the
 * physical page map (runs and bitmap rank), x64 translation with large pages, the
 * PsLoadedModuleList walk, blame through the stack at the context's RSP, and the notes for
 * truncated dumps, overclaiming bitmaps, list cycles, non-canonical links and missing pages.
 * With UPDX_WRITE_SEEDS=<dir> it also writes small seeds for fuzz/corpus/kdmp/. */
#include "harness.h"

#include <time.h>

#include "dumps/blame.h"
#include "dumps/kdmp.h"
#include "dumps/kdmp_memory.h"
#include "support/synth_dump.h"
#include "util/bytes.h"

static const synth_driver three[] = {
    {"ntoskrnl.exe", 0xfffff80270000000ull, 0x1046000, 1},
    {"ndis.sys", 0xfffff80274a00000ull, 0x14c000, 2},
    {"lwfmgr.sys", 0xfffff80279e00000ull, 0x12000, 3},
};

static bool has_note(const updx_case *c, updx_note_kind kind, const char *part)
{
    for (size_t i = 0; i < c->notes.items.len; i++) {
        const updx_note *n = updx_note_at(&c->notes, i);
        if (n->kind == kind && strstr(n->message, part))
            return true;
    }
    return false;
}

static void dump_notes(const updx_case *c)
{
    for (size_t i = 0; i < c->notes.items.len; i++) {
        const updx_note *n = updx_note_at(&c->notes, i);
        fprintf(stderr, "  note %s: %s\n", updx_note_kind_name(n->kind), n->message);
    }
}

static const char *module_name(const updx_crash *cr, size_t i)
{
    return i < cr->modules.len ? ((const updx_module *)updx_avec_at(&cr->modules, i))->name : NULL;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void check_seed(uint32_t type, size_t filler)
{
    size_t len;
    uint8_t *d = synth_seed_memdump(type, filler, &len);
    CHECK(d != NULL);
    if (!d)
        return;
    updx_case *c = updx_case_new("t", NULL);
    updx_kdmp_info *in;
    updx_crash *cr;
    double t0 = now_ms();
    int rc = updx_kdmp_parse_ex(c, "MEMORY.DMP", d, len, len, &in, &cr);
    double t1 = now_ms();
    CHECK_INT(rc, UPDX_OK);
    CHECK(in->memory_view && in->type_supported);
    CHECK_INT(cr->bugcheck, 0x7E);
    CHECK_INT(cr->modules.len, 8);
    CHECK_INT(in->module_list_count, 8);
    CHECK(in->module_list_complete);
    CHECK_STR(module_name(cr, 0), "ntoskrnl.exe");
    CHECK_STR(module_name(cr, 4), "ndis.sys");
    CHECK_STR(module_name(cr, 6), "lwfmgr.sys");
    const updx_module *m = updx_avec_at(&cr->modules, 6);
    CHECK(m->base == 0xfffff80279e00000ull && m->size == 0x12000 && m->timestamp == 0x5c8f1e22);
    CHECK_STR(cr->blamed_module, "lwfmgr.sys");
    CHECK_STR(cr->driver_class, "ndis_filter");
    CHECK(cr->boot_driver_load);
    CHECK(cr->frames.len >= 10);
    /* translation touched page tables and the few data pages only */
    CHECK(in->pages_touched < 200);
    CHECK_INT(updx_notes_count(&c->notes, UPDX_NOTE_DAMAGED), 0);
    if (cr->blamed_module == NULL || strcmp(cr->blamed_module, "lwfmgr.sys") != 0)
        dump_notes(c);
    fprintf(stderr, "  type %u, %zu bytes (%" PRIu64 " stored pages): parse %.3f ms, %" PRIu64
            " page reads\n", type, len, in->stored_pages, t1 - t0, in->pages_touched);
    updx_case_free(c);
    free(d);
}

static void test_seed_full_and_bitmap(void)
{
    check_seed(1, 0);
    check_seed(1, 60);
    check_seed(5, 300);
    check_seed(6, 300);
}

/* Physical page lookup: every filler page holds its own PFN at offset 0. */
static void test_phys_map(void)
{
    static const uint32_t types[] = {1, 6};
    for (size_t t = 0; t < 2; t++) {
        size_t len;
        uint8_t *d = synth_seed_memdump(types[t], 700, &len);
        CHECK(d != NULL);
        if (!d)
            continue;
        updx_case *c = updx_case_new("t", NULL);
        updx_kdmp_info *in;
        updx_crash *cr;
        CHECK_INT(updx_kdmp_parse_ex(c, "m.dmp", d, len, len, &in, &cr), UPDX_OK);
        updx_kmem mem;
        CHECK_INT(updx_kmem_open(&mem, c, "m.dmp", d, len, len, in), UPDX_OK);
        if (types[t] == 1)
            CHECK(mem.n_runs > 5);
        else
            CHECK(mem.bitmap_held > 2 * 512); /* the rank index spans several blocks */
        size_t found = 0, absent = 0;
        for (uint64_t pfn = 0; pfn < 0x800; pfn++) {
            updx_kmem_status st;
            const uint8_t *p = updx_kmem_phys_page(&mem, pfn, &st);
            if (p) {
                uint64_t v = updx_le64(p);
                if (v == pfn)
                    found++;
            } else {
                CHECK_INT(st, UPDX_KMEM_NOT_IN_DUMP);
                absent++;
            }
        }
        CHECK(found >= 600);
        if (found < 600)
            fprintf(stderr, "  found %zu absent %zu\n", found, absent);
        CHECK(absent > 0);
        /* a non-canonical address and an unmapped one */
        uint64_t pa;
        CHECK_INT(updx_kmem_translate(&mem, 0x0000800000000000ull, &pa), UPDX_KMEM_NON_CANONICAL);
        CHECK_INT(updx_kmem_translate(&mem, 0xffff900000000000ull, &pa), UPDX_KMEM_NOT_MAPPED);
        /* a read across a page boundary of mapped memory */
        uint8_t two[16];
        CHECK_INT(updx_kmem_read(&mem, 0xffffa1800e4b0000ull + 0x8, two, 8, NULL), UPDX_KMEM_OK);
        CHECK(updx_le64(two) == 0x7e);
        updx_kmem_close(&mem);
        updx_case_free(c);
        free(d);
    }
}

static updx_case *parse_spec(const synth_memdump *s, updx_kdmp_info **in, updx_crash **cr, int *rc)
{
    size_t len;
    uint8_t *d = synth_memdump_build(s, &len);
    CHECK(d != NULL);
    updx_case *c = updx_case_new("t", NULL);
    if (!d) {
        *rc = -1000;
        return c;
    }
    *rc = updx_kdmp_parse_ex(c, "MEMORY.DMP", d, len, len, in, cr);
    free(d);
    return c;
}

static void spec_three(synth_memdump *s, uint32_t type)
{
    synth_memdump_defaults(s);
    s->dump_type = type;
    s->bugcheck = 0xD1;
    s->params[3] = 0xfffff80279e01234ull; /* the faulting IP, in lwfmgr.sys */
    s->drivers = three;
    s->n_drivers = 3;
}

static void test_large_pages_and_loops(void)
{
    static const uint64_t stack[] = {0xfffff80274a00100ull, 0xfffff80279e05167ull};
    for (uint32_t type = 1; type <= 6; type += 5) {
        synth_memdump s;
        spec_three(&s, type);
        s.large_pages = true;
        s.pt_loop = true;
        s.stack = stack;
        s.n_stack = 2;
        s.stack_va = 0xffffc12345678000ull;
        s.ctx_ip = 0xfffff80270001000ull;
        s.ctx_sp = s.stack_va;
        updx_kdmp_info *in = NULL;
        updx_crash *cr = NULL;
        int rc;
        updx_case *c = parse_spec(&s, &in, &cr, &rc);
        CHECK_INT(rc, UPDX_OK);
        if (rc == UPDX_OK) {
            CHECK_INT(cr->modules.len, 3);
            CHECK(in->module_list_complete);
            CHECK_STR(cr->blamed_module, "lwfmgr.sys");
            CHECK(cr->frames.len == 4); /* P4, context IP, two stack values */
            CHECK(strstr(cr->blame_reason, "bug-check parameter 4") != NULL);
        }
        updx_case_free(c);
    }
}

static void test_broken_lists(void)
{
    updx_kdmp_info *in = NULL;
    updx_crash *cr = NULL;
    int rc;
    synth_memdump s;

    /* entry 1 links to itself */
    spec_three(&s, 1);
    s.self_loop = true;
    updx_case *c = parse_spec(&s, &in, &cr, &rc);
    CHECK_INT(rc, UPDX_OK);
    CHECK_INT(cr->modules.len, 2);
    CHECK(!in->module_list_complete);
    CHECK(has_note(c, UPDX_NOTE_DAMAGED, "loops back to entry 0xffffb08000001000"));
    CHECK(cr->blamed_module == NULL); /* P4 lies in lwfmgr.sys, which the walk did not reach */
    updx_case_free(c);

    /* the last entry links back to the first */
    spec_three(&s, 6);
    s.cycle = true;
    c = parse_spec(&s, &in, &cr, &rc);
    CHECK_INT(cr->modules.len, 3);
    CHECK(has_note(c, UPDX_NOTE_DAMAGED, "loops back"));
    CHECK_STR(cr->blamed_module, "lwfmgr.sys"); /* the three modules were read */
    updx_case_free(c);

    /* a non-canonical link */
    spec_three(&s, 5);
    s.non_canonical = true;
    c = parse_spec(&s, &in, &cr, &rc);
    CHECK_INT(cr->modules.len, 2);
    CHECK(has_note(c, UPDX_NOTE_WARNING, "module list entry 2 at 0x8000000000001000 is not reachable"));
    CHECK(has_note(c, UPDX_NOTE_WARNING, "not a canonical address"));
    updx_case_free(c);

    /* the page of entry 2 (1-based) is not in the dump */
    for (uint32_t type = 1; type <= 6; type += 5) {
        spec_three(&s, type);
        s.drop_entry = 2;
        s.filler_pages = 20;
        c = parse_spec(&s, &in, &cr, &rc);
        CHECK_INT(rc, UPDX_OK);
        CHECK_INT(cr->modules.len, 1);
        CHECK(has_note(c, UPDX_NOTE_WARNING, "module list entry 1 at 0xffffb08000001000 is not reachable: its page"));
        CHECK(has_note(c, UPDX_NOTE_WARNING, "is not in the dump"));
        CHECK_INT(cr->bugcheck, 0xD1);
        updx_case_free(c);
    }

    /* no list head, no DTB */
    spec_three(&s, 1);
    s.list_head = 0x4547415045474150ull;
    c = parse_spec(&s, &in, &cr, &rc);
    CHECK(has_note(c, UPDX_NOTE_WARNING, "no PsLoadedModuleList"));
    CHECK_INT(cr->modules.len, 0);
    updx_case_free(c);
}

static void test_bitmap_overclaim(void)
{
    synth_memdump s;
    spec_three(&s, 6);
    s.bitmap_overclaim = 0x80; /* 128 set bits below the real pages: every page shifts past the end */
    updx_kdmp_info *in = NULL;
    updx_crash *cr = NULL;
    int rc;
    updx_case *c = parse_spec(&s, &in, &cr, &rc);
    CHECK_INT(rc, UPDX_PARTIAL);
    CHECK_INT(cr->bugcheck, 0xD1);
    CHECK_STR(cr->os_build, "19041");
    CHECK(has_note(c, UPDX_NOTE_DAMAGED, "but the file holds only"));
    updx_case_free(c);
}

/* Truncated files and files read only in part (the pipeline's 512 MiB cap). */
static void test_truncation(void)
{
    static const uint32_t types[] = {1, 5};
    for (size_t t = 0; t < 2; t++) {
        size_t full;
        uint8_t *d = synth_seed_memdump(types[t], 40, &full);
        CHECK(d != NULL);
        if (!d)
            continue;
        size_t modules_at_end[2] = {0, 0};
        for (size_t len = 0; len <= full;
             len = len == full ? full + 1 : len + (len < 0x2100 ? 0x10 : 0x400) > full ? full
                                                : len + (len < 0x2100 ? 0x10 : 0x400)) {
            for (int partial_read = 0; partial_read < 2; partial_read++) {
                uint8_t *copy = malloc(len ? len : 1);
                if (!copy)
                    continue;
                memcpy(copy, d, len);
                updx_case *c = updx_case_new("t", NULL);
                updx_kdmp_info *in = NULL;
                updx_crash *cr = NULL;
                int rc = updx_kdmp_parse_ex(c, "MEMORY.DMP", copy, len, partial_read ? full : len, &in, &cr);
                if (len < 8) {
                    CHECK_INT(rc, UPDX_ERR_FORMAT);
                } else {
                    CHECK(rc == UPDX_OK || rc == UPDX_PARTIAL);
                    if (len >= 0x60)
                        CHECK(cr->bugcheck == 0x7E && cr->params[1] == 0xfffff80274a61c47ull);
                    if (len < full && len >= 0x2000 && cr->modules.len < 8) {
                        /* something names what was missing */
                        bool named = has_note(c, UPDX_NOTE_LIMIT, "were not available") ||
                                     has_note(c, UPDX_NOTE_DAMAGED, "truncated") ||
                                     has_note(c, UPDX_NOTE_DAMAGED, "does not fit") ||
                                     has_note(c, UPDX_NOTE_WARNING, "not reachable");
                        CHECK(named);
                        if (!named)
                            dump_notes(c);
                    }
                    if (partial_read && len < full && len > 0x3000 && cr->modules.len < 8)
                        CHECK_INT(updx_notes_count(&c->notes, UPDX_NOTE_LIMIT), 1); /* once, not per page */
                    modules_at_end[partial_read] = cr->modules.len;
                }
                updx_case_free(c);
                free(copy);
            }
        }
        CHECK_INT(modules_at_end[0], 8);
        CHECK_INT(modules_at_end[1], 8);
        free(d);
    }
}

static void write_seed(const char *dir, const char *name, const uint8_t *d, size_t len);

/* x86 PAE full dump: KLDR_DATA_TABLE_ENTRY32 entries, 32-bit context and stack. */
static void test_x86_pae(void)
{
    static const synth_driver drivers[] = {
        {"ntkrpamp.exe", 0x82649000, 0x410000, 1},
        {"hal.dll", 0x82610000, 0x37000, 2},
        {"dokan.sys", 0x8f200000, 0x20000, 3},
    };
    static const uint64_t stack[] = {0x82649100, 0x1234, 0x8f201234, 0x82650000};
    synth_memdump s;
    synth_memdump_defaults(&s);
    s.is32 = true;
    s.bugcheck = 0x1000008E;
    s.params[1] = 0x82649200; /* in the kernel: the stack decides */
    s.drivers = drivers;
    s.n_drivers = 3;
    s.stack = stack;
    s.n_stack = 4;
    s.stack_va = 0x9a3c0000;
    s.ctx_ip = 0x82649300;
    s.ctx_sp = 0x9a3c0000;
    s.filler_pages = 100;
    updx_kdmp_info *in = NULL;
    updx_crash *cr = NULL;
    int rc;
    updx_case *c = parse_spec(&s, &in, &cr, &rc);
    CHECK_INT(rc, UPDX_OK);
    if (rc == UPDX_OK) {
        CHECK(!in->is64);
        CHECK_INT(cr->modules.len, 3);
        CHECK(in->module_list_complete);
        CHECK_STR(module_name(cr, 2), "dokan.sys");
        CHECK_STR(cr->blamed_module, "dokan.sys");
        CHECK_STR(cr->machine, "x86");
    }
    if (!cr || !cr->blamed_module)
        dump_notes(c);
    updx_case_free(c);

    const char *dir = getenv("UPDX_WRITE_SEEDS");
    s.filler_pages = 0;
    size_t len;
    uint8_t *d = dir ? synth_memdump_build(&s, &len) : NULL;
    if (d)
        write_seed(dir, "x86-pae-full.dmp", d, len);
    free(d);
}

static void write_seed(const char *dir, const char *name, const uint8_t *d, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (f) {
        fwrite(d, 1, len, f);
        fclose(f);
    }
}

static void test_compact_seeds(void)
{
    static const synth_driver two[] = {
        {"ntoskrnl.exe", 0xfffff80270000000ull, 0x1046000, 1},
        {"lwfmgr.sys", 0xfffff80279e00000ull, 0x12000, 3},
    };
    static const uint64_t stack[] = {0xfffff80270001000ull, 0xfffff80279e05167ull};
    static const struct {
        const char *name;
        uint32_t type;
        bool large, loop, self;
    } seeds[] = {
        {"full-compact.dmp", 1, false, false, false},
        {"bitmap-compact.dmp", 6, false, false, false},
        {"full-large-pages-ptloop.dmp", 1, true, true, false},
        {"bitmap-self-loop.dmp", 5, false, false, true},
    };
    const char *dir = getenv("UPDX_WRITE_SEEDS");
    for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++) {
        synth_memdump s;
        synth_memdump_defaults(&s);
        s.dump_type = seeds[i].type;
        s.compact = true;
        s.bugcheck = 0x7E;
        s.params[1] = 0xfffff80270001000ull;
        s.drivers = two;
        s.n_drivers = 2;
        s.stack = stack;
        s.n_stack = 2;
        s.stack_va = SYNTH_MEM_ENTRIES + 0x2000;
        s.ctx_ip = 0xfffff80270001000ull;
        s.ctx_sp = s.stack_va;
        s.large_pages = seeds[i].large;
        s.pt_loop = seeds[i].loop;
        s.self_loop = seeds[i].self;
        size_t len;
        uint8_t *d = synth_memdump_build(&s, &len);
        CHECK(d != NULL);
        if (!d)
            continue;
        CHECK(len < 0x12000 || seeds[i].large); /* small enough for a fuzz seed */
        updx_case *c = updx_case_new("t", NULL);
        updx_crash *cr;
        CHECK_INT(updx_kdmp_parse_ex(c, seeds[i].name, d, len, len, NULL, &cr), UPDX_OK);
        CHECK_INT(cr->modules.len, seeds[i].self ? 2 : 2);
        CHECK_STR(cr->blamed_module, "lwfmgr.sys");
        if (dir)
            write_seed(dir, seeds[i].name, d, len);
        updx_case_free(c);
        free(d);
    }
}

int main(void)
{
    RUN(test_seed_full_and_bitmap);
    RUN(test_phys_map);
    RUN(test_large_pages_and_loops);
    RUN(test_broken_lists);
    RUN(test_bitmap_overclaim);
    RUN(test_truncation);
    RUN(test_x86_pae);
    RUN(test_compact_seeds);
    return harness_exit();
}
