/* test_kdmp.c: the kernel dump reader on the real triage dumps and on synthetic ones
 * (truncation at every offset, hostile counts and offsets, every header variant). */
#include "harness.h"

#include <unistd.h>

#include "dumps/blame.h"
#include "dumps/crash_json.h"
#include "dumps/kdmp.h"
#include "support/synth_dump.h"
#include "util/bytes.h"

static unsigned char *corpus_dump(const char *name, size_t *len)
{
    const char *dir = harness_corpus();
    if (!dir)
        return NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/dumps/%s", dir, name);
    return harness_read_file(path, len);
}

static const updx_module *find_module(const updx_crash *cr, const char *name)
{
    for (size_t i = 0; i < cr->modules.len; i++) {
        const updx_module *m = updx_avec_at(&cr->modules, i);
        if (m->name && strcmp(m->name, name) == 0)
            return m;
    }
    return NULL;
}

static void test_real_x64(void)
{
    size_t len;
    unsigned char *d = corpus_dump("rizin-testbins_triage_x64.dmp", &len);
    if (!d) {
        fprintf(stderr, "skip: x64 triage dump not in the corpus\n");
        return;
    }
    updx_case *c = updx_case_new("t", NULL);
    updx_kdmp_info *in;
    updx_crash *cr;
    CHECK_INT(updx_kdmp_parse_ex(c, "Minidump/x64.dmp", d, len, len, &in, &cr), UPDX_OK);
    CHECK(cr != NULL && in != NULL);
    if (cr && in) {
        CHECK(cr->has_bugcheck);
        CHECK_INT(cr->bugcheck, 0x1000007E);
        CHECK(cr->params[0] == 0xffffffffc0000005ull);
        CHECK(cr->params[1] == 0xfffff8048b58334cull);
        CHECK(cr->params[2] == 0xffff850429891ee8ull);
        CHECK(cr->params[3] == 0xffff850429891720ull);
        CHECK_STR(cr->os_build, "19041");
        CHECK_STR(cr->machine, "x64");
        CHECK_INT(in->processors, 16);
        CHECK_INT(in->dump_type, UPDX_KDMP_TRIAGE);
        CHECK_INT(cr->modules.len, 151);
        CHECK_INT(cr->time, 1613871502); /* 2021-02-21 01:38:22 UTC */
        CHECK(in->complete);
        CHECK_INT(in->unloaded_count, 4);
        CHECK_INT(in->data_block_count, 0x727);
        CHECK(in->stack_va == 0xffff850429890ee8ull);
        CHECK_INT(in->stack_size, 0x2118);
        CHECK(in->has_context && in->ctx_ip == cr->params[1]);
        CHECK(in->has_exception && in->exc_code == 0x80000003u);
        const updx_module *nt = updx_avec_at(&cr->modules, 0);
        CHECK_STR(nt->name, "ntoskrnl.exe");
        const updx_module *amd = find_module(cr, "amdppm.sys");
        CHECK(amd && amd->base == 0xfffff8048b580000ull);
        const updx_module *unl0 = updx_avec_at(&in->unloaded, 0);
        CHECK_STR(unl0->name, "dam.sys");
        CHECK_STR(cr->blamed_module, "amdppm.sys");
        CHECK(cr->blame_confidence >= UPDX_CONF_FAULT);
        CHECK(cr->blame_reason && strstr(cr->blame_reason, "amdppm.sys+0x334c"));
        const updx_frame *f0 = updx_avec_at(&cr->frames, 0);
        CHECK(f0->offset == 0x334c);
        CHECK(!cr->boot_driver_load);
    }
    CHECK_INT(updx_notes_count(&c->notes, UPDX_NOTE_DAMAGED), 0);
    updx_case_free(c);

    /* the same dump, only its first 0x3000 bytes read: header facts, damage noted */
    c = updx_case_new("t", NULL);
    CHECK_INT(updx_kdmp_parse_ex(c, "x64.dmp", d, 0x3000, len, &in, &cr), UPDX_PARTIAL);
    CHECK(cr && cr->bugcheck == 0x1000007E && cr->os_build && !in->complete);
    CHECK(updx_notes_count(&c->notes, UPDX_NOTE_DAMAGED) >= 1);
    updx_case_free(c);
    free(d);
}

static void test_real_arm64(void)
{
    size_t len;
    unsigned char *d = corpus_dump("rizin-testbins_triage_arm64.dmp", &len);
    if (!d) {
        fprintf(stderr, "skip: arm64 triage dump not in the corpus\n");
        return;
    }
    updx_case *c = updx_case_new("t", NULL);
    updx_kdmp_info *in;
    updx_crash *cr;
    CHECK_INT(updx_kdmp_parse_ex(c, "arm64.dmp", d, len, len, &in, &cr), UPDX_OK);
    if (cr && in) {
        CHECK_INT(cr->bugcheck, 0x1C8);
        CHECK(cr->params[0] == 0x1b58 && cr->params[1] == 0xfffff803f3a20860ull);
        CHECK_STR(cr->os_build, "22000");
        CHECK_STR(cr->machine, "arm64");
        CHECK_INT(in->processors, 8);
        CHECK_INT(cr->modules.len, 245);
        CHECK(in->complete);
        CHECK(in->has_context);
        /* 0x1C8 is a power-button hold: nobody to blame */
        CHECK(cr->blamed_module == NULL);
        CHECK(cr->blame_reason && strstr(cr->blame_reason, "on purpose"));
    }
    updx_case_free(c);
    free(d);
}

static void test_seed_dump(void)
{
    size_t len;
    uint8_t *d = synth_seed_dump(&len);
    CHECK(d != NULL);
    if (!d)
        return;
    updx_case *c = updx_case_new("t", NULL);
    updx_kdmp_info *in;
    updx_crash *cr;
    CHECK_INT(updx_kdmp_parse_ex(c, "setupmem.dmp", d, len, len, &in, &cr), UPDX_OK);
    if (cr) {
        CHECK_INT(cr->bugcheck, 0x7E);
        CHECK_INT(cr->modules.len, 8);
        CHECK_STR(cr->blamed_module, "lwfmgr.sys");
        CHECK_STR(cr->driver_class, "ndis_filter");
        CHECK(cr->boot_driver_load);
        CHECK_INT(in->unloaded_count, 1);
        CHECK_INT(in->data_block_count, 2);
        CHECK(in->complete);
        json_t *j = updx_crash_to_json(c, cr);
        CHECK(j != NULL);
        CHECK_STR(json_string_value(json_object_get(j, "bugcheck")), "0x0000007E");
        CHECK_STR(json_string_value(json_object_get(j, "name")), "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED");
        CHECK_STR(json_string_value(json_object_get(j, "blamed_module")), "lwfmgr.sys");
        CHECK_STR(json_string_value(json_object_get(j, "origin")), "kernel_dump");
        CHECK_STR(json_string_value(json_object_get(j, "driver_class")), "ndis_filter");
        CHECK(json_is_true(json_object_get(j, "boot_driver_load")));
        CHECK_INT(json_array_size(json_object_get(j, "parameters")), 4);
        CHECK_STR(json_string_value(json_array_get(json_object_get(j, "parameters"), 0)), "0xFFFFFFFFC0000005");
        CHECK_INT(json_integer_value(json_object_get(j, "module_count")), 8);
        CHECK_STR(json_string_value(json_object_get(j, "time")), "2022-05-06T02:01:50Z");
        json_decref(j);
    }
    updx_case_free(c);

    char path[4096];
    snprintf(path, sizeof path, "%s/seed-test-%ld.dmp", UPDX_BINARY_DIR, (long)getpid());
    CHECK_INT(synth_seed_dump_write(path), 0);
    size_t flen;
    unsigned char *f = harness_read_file(path, &flen);
    CHECK(f && flen == len && memcmp(f, d, len) == 0);
    free(f);
    unlink(path);
    free(d);
}

/* Every prefix of the seed dump parses without crashing; header facts appear once the
 * header holds them, and a prefix is never reported as complete. */
static void test_truncated_everywhere(void)
{
    size_t len;
    uint8_t *d = synth_seed_dump(&len);
    if (!d)
        return;
    int bad = 0;
    for (size_t cut = 0; cut < len; cut++) {
        updx_case *c = updx_case_new("t", NULL);
        updx_kdmp_info *in = NULL;
        updx_crash *cr = NULL;
        int rc = updx_kdmp_parse_ex(c, "cut.dmp", d, cut, len, &in, &cr);
        if (cut < 8) {
            bad += rc != UPDX_ERR_FORMAT;
        } else {
            bad += rc != UPDX_PARTIAL && rc != UPDX_OK;
            if (cut >= 0x40)
                bad += !cr || cr->bugcheck != 0x7E;
            bad += in && in->complete; /* the marker is the last 4 bytes */
        }
        updx_case_free(c);
    }
    CHECK_INT(bad, 0);
    free(d);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Corrupt one triage field of the seed dump and parse. */
static updx_case *parse_with(uint32_t field, uint32_t value, int *rc, updx_kdmp_info **in, updx_crash **cr)
{
    size_t len;
    uint8_t *d = synth_seed_dump(&len);
    if (!d)
        return NULL;
    put32(d + SYNTH_TRIAGE64 + field, value);
    updx_case *c = updx_case_new("t", NULL);
    *rc = updx_kdmp_parse_ex(c, "bad.dmp", d, len, len, in, cr);
    free(d);
    return c;
}

static void test_hostile_fields(void)
{
    static const uint32_t fields[] = {0x04, 0x08, 0x0C, 0x10, 0x18, 0x28, 0x2C, 0x30, 0x34, 0x48, 0x4C, 0x78, 0x7C};
    static const uint32_t values[] = {0, 1, 0x7FFFFFFF, 0xFFFFFFFF, 0xFFFFFFF0, 0x2000, 0x1FFF};
    int crashes = 0;
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        for (size_t j = 0; j < sizeof values / sizeof *values; j++) {
            int rc;
            updx_kdmp_info *in;
            updx_crash *cr;
            updx_case *c = parse_with(fields[i], values[j], &rc, &in, &cr);
            crashes += !c || !cr || (rc != UPDX_OK && rc != UPDX_PARTIAL) || cr->bugcheck != 0x7E;
            updx_case_free(c);
        }
    CHECK_INT(crashes, 0);

    /* a huge driver count is capped and the list's end noted as damage */
    int rc;
    updx_kdmp_info *in;
    updx_crash *cr;
    updx_case *c = parse_with(0x34, 0xFFFFFFFF, &rc, &in, &cr);
    CHECK_INT(rc, UPDX_PARTIAL);
    CHECK(updx_notes_count(&c->notes, UPDX_NOTE_LIMIT) >= 1);
    updx_case_free(c);
    /* driver list offset outside the file: no modules, damage noted, still the bug check */
    c = parse_with(0x30, 0xFFFFFF00, &rc, &in, &cr);
    CHECK_INT(rc, UPDX_PARTIAL);
    CHECK(cr && cr->modules.len == 0 && cr->bugcheck == 0x7E);
    updx_case_free(c);
    /* completeness marker moved: a warning, not complete */
    c = parse_with(0x08, 0x2000, &rc, &in, &cr);
    CHECK(in && !in->complete);
    CHECK(updx_notes_count(&c->notes, UPDX_NOTE_WARNING) >= 1);
    updx_case_free(c);
}

static void test_overlap_and_zero(void)
{
    const synth_driver drivers[] = {
        {"ntoskrnl.exe", 0xfffff80000000000ull, 0x100000, 1},
        {"a.sys", 0xfffff80000200000ull, 0x10000, 2},
        {"b.sys", 0xfffff80000208000ull, 0x10000, 3}, /* overlaps a.sys */
        {"z.sys", 0xfffff80000300000ull, 0, 4},       /* zero size */
    };
    const uint64_t stack[] = {0xfffff80000000100ull, 0xfffff80000209000ull, 0xfffff80000300010ull};
    synth_kdmp s;
    synth_kdmp_defaults(&s);
    s.bugcheck = 0x3B;
    s.params[1] = 0xfffff80000000200ull;
    s.drivers = drivers;
    s.n_drivers = 4;
    s.stack = stack;
    s.n_stack = 3;
    s.stack_va = 0xffff800000001000ull;
    size_t len;
    uint8_t *d = synth_kdmp_build(&s, &len);
    updx_case *c = updx_case_new("t", NULL);
    updx_crash *cr;
    CHECK_INT(updx_kdmp_parse_ex(c, "o.dmp", d, len, len, NULL, &cr), UPDX_OK);
    CHECK_INT(cr->modules.len, 4);
    CHECK(updx_notes_count(&c->notes, UPDX_NOTE_WARNING) >= 1);
    /* 0x...209000 lies in a.sys (b.sys was taken out of resolution) */
    CHECK_STR(cr->blamed_module, "a.sys");
    CHECK(cr->blame_confidence <= UPDX_CONF_STACK_SCAN);
    updx_case_free(c);
    free(d);

    /* no drivers at all: nothing to resolve, nothing blamed */
    synth_kdmp_defaults(&s);
    s.bugcheck = 0xD1;
    d = synth_kdmp_build(&s, &len);
    c = updx_case_new("t", NULL);
    CHECK_INT(updx_kdmp_parse_ex(c, "e.dmp", d, len, len, NULL, &cr), UPDX_OK);
    CHECK(cr->blamed_module == NULL && cr->modules.len == 0);
    updx_case_free(c);
    free(d);
}

static void test_variants(void)
{
    static const struct {
        uint32_t type;
        const char *name;
    } types[] = {{3, "header only"}, {5, "bitmap full"}, {6, "bitmap kernel"}, {1, "full"},
                 {2, "summary (kernel)"}, {7, "automatic"}, {8, "kernel memory (RDMP)"}, {0x77, "unknown"}};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        synth_kdmp s;
        synth_kdmp_defaults(&s);
        s.dump_type = types[i].type;
        s.bugcheck = 0x9F;
        s.params[0] = 3;
        size_t len;
        uint8_t *d = synth_kdmp_build(&s, &len);
        updx_case *c = updx_case_new("t", NULL);
        updx_kdmp_info *in;
        updx_crash *cr;
        CHECK_INT(updx_kdmp_parse_ex(c, "MEMORY.DMP", d, len, len, &in, &cr), UPDX_OK);
        CHECK_STR(in->dump_type_name, types[i].name);
        CHECK(cr->bugcheck == 0x9F && cr->params[0] == 3 && !in->triage);
        CHECK(updx_notes_count(&c->notes, UPDX_NOTE_INFO) + updx_notes_count(&c->notes, UPDX_NOTE_WARNING) >= 1);
        if (types[i].type == 5 || types[i].type == 6)
            CHECK(in->bmp_first_page == 0x3000 && in->bmp_pages == 8);
        updx_case_free(c);
        free(d);
    }

    /* 32-bit triage */
    const synth_driver drivers[] = {
        {"ntkrpamp.exe", 0x82649000, 0x410000, 1},
        {"hal.dll", 0x82610000, 0x37000, 2},
        {"dokan.sys", 0x8f200000, 0x20000, 3},
    };
    const uint64_t stack[] = {0x82649100, 0x1234, 0x8f201234, 0x82650000};
    synth_kdmp s;
    synth_kdmp_defaults(&s);
    s.is32 = true;
    s.machine = 0x14C;
    s.build = 7601;
    s.bugcheck = 0x1000008E;
    s.params[1] = 0x82649200;
    s.drivers = drivers;
    s.n_drivers = 3;
    s.stack = stack;
    s.n_stack = 4;
    s.stack_va = 0x8a000000;
    s.n_blocks = 1;
    size_t len;
    uint8_t *d = synth_kdmp_build(&s, &len);
    updx_case *c = updx_case_new("t", NULL);
    updx_kdmp_info *in;
    updx_crash *cr;
    CHECK_INT(updx_kdmp_parse_ex(c, "x86.dmp", d, len, len, &in, &cr), UPDX_OK);
    CHECK(!in->is64);
    CHECK_STR(cr->machine, "x86");
    CHECK_STR(cr->os_build, "7601");
    CHECK_INT(cr->modules.len, 3);
    CHECK(in->complete);
    CHECK_STR(cr->blamed_module, "dokan.sys");
    updx_case_free(c);
    free(d);

    /* missing completeness marker */
    synth_kdmp_defaults(&s);
    s.no_valid_marker = true;
    d = synth_kdmp_build(&s, &len);
    c = updx_case_new("t", NULL);
    CHECK_INT(updx_kdmp_parse_ex(c, "nomark.dmp", d, len, len, &in, &cr), UPDX_OK);
    CHECK(!in->complete);
    updx_case_free(c);
    free(d);

    /* not a dump */
    c = updx_case_new("t", NULL);
    CHECK_INT(updx_kdmp_parse(c, "x", (const uint8_t *)"MDMP\x93\xa7", 6, 6), UPDX_ERR_FORMAT);
    CHECK_INT(c->crashes.len, 0);
    updx_case_free(c);
}

int main(void)
{
    RUN(test_real_x64);
    RUN(test_real_arm64);
    RUN(test_seed_dump);
    RUN(test_truncated_everywhere);
    RUN(test_hostile_fields);
    RUN(test_overlap_and_zero);
    RUN(test_variants);
    return harness_exit();
}
