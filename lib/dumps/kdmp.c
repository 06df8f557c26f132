/*
 * kdmp.c: kernel crash dump reader (see kdmp.h). Every field is decoded with updx_le* after
 * an updx_span_fits check against the bytes actually held; offsets and counts read from the
 * file are capped by the named limits below.
 */
#include "dumps/kdmp.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dumps/blame.h"
#include "dumps/bugcheck.h"
#include "dumps/kdmp_memory.h"
#include "util/bytes.h"
#include "util/strutil.h"

/* ---- layout constants (reference/dumps.md §1-§5) ---- */
#define SIG_PAGE 0x45474150u /* "PAGE" */
#define SIG_DU64 0x34365544u /* "DU64" */
#define SIG_DUMP 0x504D5544u /* "DUMP" */
#define SIG_SDMP 0x504D4453u /* "SDMP": bitmap kernel */
#define SIG_FDMP 0x504D4446u /* "FDMP": bitmap full */
#define SIG_RDMP 0x504D4452u /* "RDMP": 8/9/0xA dumps */
#define PAGE_FILL64 0x4547415045474150ull

enum {
    H64_SIZE = 0x2000,
    H64_MAJOR = 0x008, H64_MINOR = 0x00C, H64_DTB = 0x010, H64_PSLML = 0x020,
    H64_MACHINE = 0x030, H64_NPROC = 0x034, H64_BUGCHECK = 0x038, H64_PARAMS = 0x040,
    H64_KDDEBUG = 0x080, H64_PHYSMEM = 0x088, H64_CONTEXT = 0x348, H64_EXCEPTION = 0xF00,
    H64_DUMPTYPE = 0xF98, H64_SYSTIME = 0xFA8, H64_UPTIME = 0x1030, H64_MDFIELDS = 0x1038,

    H32_SIZE = 0x1000,
    H32_MAJOR = 0x08, H32_MINOR = 0x0C, H32_DTB = 0x10, H32_PSLML = 0x18, H32_MACHINE = 0x20,
    H32_NPROC = 0x24, H32_BUGCHECK = 0x28, H32_PARAMS = 0x2C, H32_KDDEBUG = 0x60,
    H32_PHYSMEM = 0x64, H32_CONTEXT = 0x320, H32_EXCEPTION = 0x7D0, H32_DUMPTYPE = 0xF88,
    H32_MDFIELDS = 0xF8C, H32_UPTIME = 0xFB8, H32_SYSTIME = 0xFC0,

    /* CONTEXT register offsets */
    CTX_X64_RSP = 0x98, CTX_X64_RBP = 0xA0, CTX_X64_RIP = 0xF8,
    CTX_ARM64_FP = 0xF0, CTX_ARM64_SP = 0x100, CTX_ARM64_PC = 0x108,
    CTX_X86_EBP = 0xB4, CTX_X86_EIP = 0xB8, CTX_X86_ESP = 0xC4,
    KTRAP64_RIP = 0x168,

    /* TRIAGE_DUMP (same first 0x48 bytes for 32 and 64 bit) */
    TR_SIZEOFDUMP = 0x04, TR_VALIDOFFSET = 0x08, TR_CONTEXT = 0x0C, TR_EXCEPTION = 0x10,
    TR_UNLOADED = 0x18, TR_STACK = 0x28, TR_STACKSIZE = 0x2C, TR_DRIVERLIST = 0x30,
    TR_DRIVERCOUNT = 0x34, TR_STRINGPOOL = 0x38, TR_TOPOFSTACK = 0x48,
    TR64_DEBUGGERDATA = 0x70, TR64_DATABLOCKS = 0x78, TR64_DATABLOCKCOUNT = 0x7C,
    TR32_DATABLOCKS = 0x60, TR32_DATABLOCKCOUNT = 0x64,

    DRV64_SIZE = 0x90, DRV64_BASE = 0x38, DRV64_IMAGESIZE = 0x48, DRV64_TIMESTAMP = 0x88,
    DRV32_SIZE = 0x4C, DRV32_BASE = 0x1C, DRV32_IMAGESIZE = 0x24, DRV32_TIMESTAMP = 0x48,
    UNL64_SIZE = 0x38, UNL64_NAME = 0x10, UNL64_START = 0x28, UNL64_END = 0x30,
    UNL32_SIZE = 0x28, UNL32_NAME = 0x08, UNL32_START = 0x20, UNL32_END = 0x24,
    UNL_NAME_CHARS = 12, /* WCHAR Name[12]: the kernel keeps only the first 12 characters */
    BLOCK64_SIZE = 16, BLOCK32_SIZE = 12,

    BMP_FIRSTPAGE = 0x20, BMP_PRESENT = 0x28, BMP_PAGES = 0x30, BMP_BITS = 0x38,
};

/* Pin the layouts: the header fields must sit where Microsoft's metadata puts them. */
_Static_assert(H64_PARAMS == H64_BUGCHECK + 8, "64-bit params follow the code plus padding");
_Static_assert(H64_CONTEXT == 0x348 && H64_EXCEPTION == 0xF00, "kdmp-parser asserts these");
_Static_assert(H64_SYSTIME == H64_DUMPTYPE + 0x10, "DumpType, pad, RequiredDumpSpace, SystemTime");
_Static_assert(H64_UPTIME == 0xFB0 + 128, "SystemUpTime follows the 128-byte Comment");
_Static_assert(H32_PARAMS == H32_BUGCHECK + 4, "32-bit params follow the code without padding");
_Static_assert(H32_EXCEPTION == H32_CONTEXT + 1200, "32-bit Exception follows ContextRecord[1200]");
_Static_assert(TR64_DATABLOCKCOUNT == TR64_DATABLOCKS + 4, "triage data block count");
_Static_assert(DRV64_SIZE == 8 + 0x88, "driver entry: name offset, pad, KLDR_DATA_TABLE_ENTRY64");
_Static_assert(UNL64_SIZE == 16 + 2 * UNL_NAME_CHARS + 16, "unloaded driver entry");
_Static_assert(CTX_X64_RIP == 0xF8 && CTX_ARM64_PC == 8 + 31 * 8 + 8, "CONTEXT IP offsets");

/* MiniDumpFields bits */
enum { TF_CONTEXT = 0x1, TF_EXCEPTION = 0x2, TF_STACK = 0x20, TF_DRIVER_LIST = 0x40,
       TF_DATA_BLOCKS = 0x800 };

/* ---- limits on what the file can make us read ---- */
enum {
    MAX_DRIVERS = 4096,        /* real systems load 150-400 */
    MAX_UNLOADED = 1024,       /* the kernel keeps the last 50 */
    MAX_DATA_BLOCKS = 65536,   /* samples hold ~1800 */
    MAX_NAME_CHARS = 1024,     /* NT paths are below 32767; names we show are far shorter */
    MAX_STACK_BYTES = 1 << 20, /* kernel stacks are 24-72 KiB; expanded ones a little more */
    MAX_SCAN_FRAMES = 256,     /* stack values inside modules kept as frames */
    MAX_VSTACK_SCAN = 0x10000, /* full dumps: bytes scanned up from the context's stack
                                  pointer; kernel stacks are 24-72 KiB */
};

typedef struct rd {
    updx_case *c;
    const char *member;
    const uint8_t *data;
    size_t len;
    uint64_t file_size;
    bool damaged;
    updx_kmem *mem;  /* full and bitmap dumps: physical memory and page tables, or NULL */
} rd;

static bool r32(const rd *r, uint64_t off, uint32_t *v)
{
    if (!updx_span_fits(r->len, off, 4))
        return false;
    *v = updx_le32(r->data + off);
    return true;
}

static bool r64(const rd *r, uint64_t off, uint64_t *v)
{
    if (!updx_span_fits(r->len, off, 8))
        return false;
    *v = updx_le64(r->data + off);
    return true;
}

/* A pointer-sized value: 8 bytes in 64-bit dumps, 4 in 32-bit ones. */
static bool rptr(const rd *r, bool is64, uint64_t off, uint64_t *v)
{
    uint32_t v32;
    if (is64)
        return r64(r, off, v);
    if (!r32(r, off, &v32))
        return false;
    *v = v32;
    return true;
}

static void damaged(rd *r, uint64_t off, const char *what)
{
    r->damaged = true;
    updx_note_add(&r->c->notes, UPDX_NOTE_DAMAGED, r->member, off, UPDX_NO_LINE, "%s", what);
}

/* UTF-16LE to UTF-8 into the arena; unpaired surrogates become U+FFFD. */
char *updx_kdmp_utf16_to_utf8(updx_arena *a, const uint8_t *p, size_t chars)
{
    char *out = updx_arena_alloc(a, chars * 3 + 1);
    if (!out)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < chars; i++) {
        uint32_t u = updx_le16(p + 2 * i);
        if (u == 0)
            break;
        if (u >= 0xD800 && u <= 0xDBFF && i + 1 < chars) {
            uint32_t lo = updx_le16(p + 2 * i + 2);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                i++;
            } else {
                u = 0xFFFD;
            }
        } else if (u >= 0xD800 && u <= 0xDFFF) {
            u = 0xFFFD;
        }
        /* a 4-byte sequence takes 2 UTF-16 units, so chars*3 always suffices */
        if (u < 0x80) {
            out[n++] = (char)u;
        } else if (u < 0x800) {
            out[n++] = (char)(0xC0 | u >> 6);
            out[n++] = (char)(0x80 | (u & 0x3F));
        } else if (u < 0x10000) {
            out[n++] = (char)(0xE0 | u >> 12);
            out[n++] = (char)(0x80 | ((u >> 6) & 0x3F));
            out[n++] = (char)(0x80 | (u & 0x3F));
        } else {
            out[n++] = (char)(0xF0 | u >> 18);
            out[n++] = (char)(0x80 | ((u >> 12) & 0x3F));
            out[n++] = (char)(0x80 | ((u >> 6) & 0x3F));
            out[n++] = (char)(0x80 | (u & 0x3F));
        }
    }
    out[n] = '\0';
    return out;
}

bool updx_kdmp_sniff(const uint8_t *data, size_t len)
{
    if (len < 8 || updx_le32(data) != SIG_PAGE)
        return false;
    uint32_t v = updx_le32(data + 4);
    return v == SIG_DU64 || v == SIG_DUMP;
}

const char *updx_machine_name(uint32_t machine)
{
    switch (machine) {
    case 0x8664: return "x64";
    case 0xAA64: return "arm64";
    case 0x14C: return "x86";
    default: return NULL;
    }
}

static const char *dump_type_name(uint32_t t, bool *supported)
{
    *supported = false;
    switch (t) {
    case UPDX_KDMP_FULL: return "full";
    case UPDX_KDMP_SUMMARY: return "summary (kernel)";
    case UPDX_KDMP_HEADER_ONLY: return "header only";
    case UPDX_KDMP_TRIAGE: *supported = true; return "triage (small memory dump)";
    case UPDX_KDMP_BITMAP_FULL: return "bitmap full";
    case UPDX_KDMP_BITMAP_KERNEL: return "bitmap kernel";
    case UPDX_KDMP_AUTOMATIC: return "automatic";
    case UPDX_KDMP_RDMP_KERNEL: return "kernel memory (RDMP)";
    case UPDX_KDMP_RDMP_KERNEL_USER: return "kernel and user memory (RDMP)";
    case UPDX_KDMP_RDMP_COMPLETE: return "complete memory (RDMP)";
    default: return "unknown";
    }
}

/* FILETIME (100 ns since 1601) to Unix seconds; 0 when absent or out of range. */
static int64_t filetime_to_unix(uint64_t ft)
{
    const uint64_t epoch_diff = 116444736000000000ull; /* 1601-01-01 to 1970-01-01 */
    if (ft == 0 || ft == PAGE_FILL64 || ft < epoch_diff)
        return 0;
    return (int64_t)((ft - epoch_diff) / 10000000ull);
}

/* Copies `size` bytes of virtual memory at `va` from the saved stack or a data block, or in
 * full and bitmap dumps through the page tables. */
static bool read_va(const rd *r, const updx_kdmp_info *in, uint64_t va, size_t size, uint8_t *out)
{
    if (r->mem)
        return updx_kmem_read(r->mem, va, out, size, NULL) == UPDX_KMEM_OK;
    if (in->stack_size && va >= in->stack_va && va - in->stack_va <= in->stack_size &&
        size <= in->stack_size - (va - in->stack_va)) {
        uint64_t off = in->stack_offset + (va - in->stack_va);
        if (updx_span_fits(r->len, off, size)) {
            memcpy(out, r->data + off, size);
            return true;
        }
    }
    for (size_t i = 0; i < in->blocks.len; i++) {
        const updx_kdmp_block *b = updx_avec_at(&in->blocks, i);
        if (va >= b->va && va - b->va <= b->size && size <= b->size - (va - b->va)) {
            uint64_t off = (uint64_t)b->offset + (va - b->va);
            if (updx_span_fits(r->len, off, size)) {
                memcpy(out, r->data + off, size);
                return true;
            }
        }
    }
    return false;
}

static bool read_va64(const rd *r, const updx_kdmp_info *in, uint64_t va, uint64_t *v)
{
    uint8_t b[8];
    if (!read_va(r, in, va, 8, b))
        return false;
    *v = updx_le64(b);
    return true;
}

static void parse_context(rd *r, updx_kdmp_info *in, uint64_t off)
{
    uint64_t ip = 0, sp = 0, fp = 0;
    bool ok;
    if (!in->is64)
        ok = rptr(r, false, off + CTX_X86_EIP, &ip) && rptr(r, false, off + CTX_X86_ESP, &sp) &&
             rptr(r, false, off + CTX_X86_EBP, &fp);
    else if (in->machine == 0xAA64)
        ok = r64(r, off + CTX_ARM64_PC, &ip) && r64(r, off + CTX_ARM64_SP, &sp) &&
             r64(r, off + CTX_ARM64_FP, &fp);
    else
        ok = r64(r, off + CTX_X64_RIP, &ip) && r64(r, off + CTX_X64_RSP, &sp) &&
             r64(r, off + CTX_X64_RBP, &fp);
    if (!ok || ip == 0 || ip == PAGE_FILL64 || ip == SIG_PAGE)
        return;
    in->has_context = true;
    in->ctx_ip = ip;
    in->ctx_sp = sp;
    in->ctx_fp = fp;
}

static void parse_exception(rd *r, updx_kdmp_info *in, uint64_t off)
{
    uint32_t code, flags;
    uint64_t addr;
    if (!r32(r, off, &code) || !r32(r, off + 4, &flags) ||
        !rptr(r, in->is64, off + (in->is64 ? 0x10 : 0x0C), &addr))
        return;
    if (code == SIG_PAGE || (code == 0 && addr == 0))
        return;
    in->has_exception = true;
    in->exc_code = code;
    in->exc_flags = flags;
    in->exc_address = addr;
}

/* Reads a DUMP_STRING (u32 length in WCHARs, then UTF-16LE) at `off`. */
static const char *dump_string(rd *r, uint64_t off)
{
    uint32_t chars;
    if (!r32(r, off, &chars))
        return NULL;
    if (chars > MAX_NAME_CHARS)
        chars = MAX_NAME_CHARS;
    if (!updx_span_fits(r->len, off + 4, (uint64_t)chars * 2))
        return NULL;
    char *s = updx_kdmp_utf16_to_utf8(&r->c->arena, r->data + off + 4, chars);
    return s ? updx_path_basename(s) : NULL;
}

static void parse_drivers(rd *r, updx_kdmp_info *in, updx_crash *cr, uint32_t list, uint32_t count)
{
    const uint32_t esz = in->is64 ? DRV64_SIZE : DRV32_SIZE;
    if (count > MAX_DRIVERS) {
        updx_note_add(&r->c->notes, UPDX_NOTE_LIMIT, r->member, in->triage_offset + TR_DRIVERCOUNT,
                      UPDX_NO_LINE, "driver count %u is above the limit of %u; only the first %u are read",
                      count, (unsigned)MAX_DRIVERS, (unsigned)MAX_DRIVERS);
        count = MAX_DRIVERS;
    }
    for (uint32_t i = 0; i < count; i++) {
        uint64_t off = (uint64_t)list + (uint64_t)i * esz;
        if (!updx_span_fits(r->len, off, esz)) {
            char msg[160];
            snprintf(msg, sizeof msg, "driver list ends outside the bytes read: %u of %u drivers read", i, count);
            damaged(r, off, msg);
            break;
        }
        const uint8_t *e = r->data + off;
        updx_module *m = updx_avec_push(&cr->modules, &r->c->arena);
        if (!m)
            break;
        m->name = dump_string(r, updx_le32(e));
        if (!m->name) {
            m->name = updx_arena_printf(&r->c->arena, "driver#%u", i);
            updx_note_add(&r->c->notes, UPDX_NOTE_WARNING, r->member, off, UPDX_NO_LINE,
                          "driver %u has no readable name (name offset 0x%x)", i, updx_le32(e));
        }
        if (in->is64) {
            m->base = updx_le64(e + DRV64_BASE);
            m->size = updx_le32(e + DRV64_IMAGESIZE);
            m->timestamp = updx_le32(e + DRV64_TIMESTAMP);
        } else {
            m->base = updx_le32(e + DRV32_BASE);
            m->size = updx_le32(e + DRV32_IMAGESIZE);
            m->timestamp = updx_le32(e + DRV32_TIMESTAMP);
        }
        /* an entry overlapping an earlier one would make addresses ambiguous: keep it listed
         * but out of address resolution (size 0) */
        for (size_t j = 0; m->size && j + 1 < cr->modules.len; j++) {
            updx_module *o = updx_avec_at(&cr->modules, j);
            if (o->size && m->base < o->base + o->size && o->base < m->base + m->size) {
                updx_note_add(&r->c->notes, UPDX_NOTE_WARNING, r->member, off, UPDX_NO_LINE,
                              "driver %s overlaps %s; not used to resolve addresses", m->name, o->name);
                m->size = 0;
                break;
            }
        }
    }
    in->driver_count = (uint32_t)cr->modules.len;
}

static void parse_unloaded(rd *r, updx_kdmp_info *in, uint32_t off)
{
    uint64_t count;
    if (!rptr(r, in->is64, off, &count)) {
        damaged(r, off, "unloaded driver list lies outside the bytes read");
        return;
    }
    if (count > MAX_UNLOADED) {
        updx_note_add(&r->c->notes, UPDX_NOTE_LIMIT, r->member, off, UPDX_NO_LINE,
                      "unloaded driver count %" PRIu64 " is above the limit of %u", count,
                      (unsigned)MAX_UNLOADED);
        count = MAX_UNLOADED;
    }
    const uint32_t esz = in->is64 ? UNL64_SIZE : UNL32_SIZE;
    uint64_t first = (uint64_t)off + (in->is64 ? 8 : 4);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t eo = first + i * esz;
        if (!updx_span_fits(r->len, eo, esz)) {
            damaged(r, eo, "unloaded driver list ends outside the bytes read");
            break;
        }
        const uint8_t *e = r->data + eo;
        updx_module *m = updx_avec_push(&in->unloaded, &r->c->arena);
        if (!m)
            break;
        size_t chars = updx_le16(e) / 2; /* UNICODE_STRING.Length is in bytes */
        if (chars > UNL_NAME_CHARS)
            chars = UNL_NAME_CHARS;
        m->name = updx_kdmp_utf16_to_utf8(&r->c->arena, e + (in->is64 ? UNL64_NAME : UNL32_NAME), chars);
        uint64_t start = in->is64 ? updx_le64(e + UNL64_START) : updx_le32(e + UNL32_START);
        uint64_t end = in->is64 ? updx_le64(e + UNL64_END) : updx_le32(e + UNL32_END);
        m->base = start;
        m->size = end > start && end - start <= UINT32_MAX ? (uint32_t)(end - start) : 0;
        m->unloaded = true;
    }
    in->unloaded_count = (uint32_t)in->unloaded.len;
}

static void parse_blocks(rd *r, updx_kdmp_info *in, uint32_t off, uint32_t count)
{
    if (count > MAX_DATA_BLOCKS) {
        updx_note_add(&r->c->notes, UPDX_NOTE_LIMIT, r->member, off, UPDX_NO_LINE,
                      "data block count %u is above the limit of %u", count, (unsigned)MAX_DATA_BLOCKS);
        count = MAX_DATA_BLOCKS;
    }
    const uint32_t esz = in->is64 ? BLOCK64_SIZE : BLOCK32_SIZE;
    uint32_t outside = 0;
    for (uint32_t i = 0; i < count; i++) {
        uint64_t eo = (uint64_t)off + (uint64_t)i * esz;
        if (!updx_span_fits(r->len, eo, esz)) {
            damaged(r, eo, "data block list ends outside the bytes read");
            break;
        }
        const uint8_t *e = r->data + eo;
        updx_kdmp_block b;
        if (in->is64) {
            b.va = updx_le64(e);
            b.offset = updx_le32(e + 8);
            b.size = updx_le32(e + 12);
        } else {
            b.va = updx_le32(e);
            b.offset = updx_le32(e + 4);
            b.size = updx_le32(e + 8);
        }
        if (!updx_span_fits(r->file_size, b.offset, b.size)) {
            outside++;
            continue;
        }
        updx_kdmp_block *slot = updx_avec_push(&in->blocks, &r->c->arena);
        if (!slot)
            break;
        *slot = b;
    }
    if (outside)
        updx_note_add(&r->c->notes, UPDX_NOTE_DAMAGED, r->member, off, UPDX_NO_LINE,
                      "%u data blocks point outside the file and were ignored", outside);
    in->data_block_count = (uint32_t)in->blocks.len;
}

static void parse_triage(rd *r, updx_kdmp_info *in, updx_crash *cr)
{
    const uint64_t t = in->triage_offset;
    uint32_t v[18];
    for (int i = 0; i < 18; i++) {
        if (!r32(r, t + 4u * (unsigned)i, &v[i])) {
            damaged(r, t, "dump is truncated inside the triage header");
            return;
        }
    }
    in->triage = true;
    in->size_of_dump = v[TR_SIZEOFDUMP / 4];
    in->valid_offset = v[TR_VALIDOFFSET / 4];
    uint32_t fields = in->minidump_fields;
    /* an absent field set (PAGE filler or 0) means: trust the offsets alone */
    if (fields == SIG_PAGE || fields == 0)
        fields = ~0u;

    /* completeness: the 'DGRT' marker (bytes "TRGD") at ValidOffset */
    if (updx_span_fits(r->len, in->valid_offset, 4)) {
        in->complete = memcmp(r->data + in->valid_offset, "TRGD", 4) == 0;
        if (!in->complete)
            updx_note_add(&r->c->notes, UPDX_NOTE_WARNING, r->member, in->valid_offset, UPDX_NO_LINE,
                          "the triage dump's completeness marker is missing: the dump may not have "
                          "been written out fully");
    } else {
        char msg[200];
        snprintf(msg, sizeof msg, "dump is truncated: its completeness marker at 0x%x lies beyond "
                 "the %zu bytes read", in->valid_offset, r->len);
        damaged(r, in->valid_offset, msg);
    }
    if (in->size_of_dump && r->file_size < in->size_of_dump && r->len == r->file_size) {
        char msg[160];
        snprintf(msg, sizeof msg, "dump file has %" PRIu64 " bytes but its header says %u",
                 r->file_size, in->size_of_dump);
        damaged(r, r->file_size, msg);
    }

    if (fields & TF_CONTEXT)
        parse_context(r, in, v[TR_CONTEXT / 4]);
    if (fields & TF_EXCEPTION)
        parse_exception(r, in, v[TR_EXCEPTION / 4]);
    if ((fields & TF_DRIVER_LIST) && v[TR_DRIVERLIST / 4])
        parse_drivers(r, in, cr, v[TR_DRIVERLIST / 4], v[TR_DRIVERCOUNT / 4]);
    if (v[TR_UNLOADED / 4])
        parse_unloaded(r, in, v[TR_UNLOADED / 4]);

    if ((fields & TF_STACK) && v[TR_STACK / 4] && v[TR_STACKSIZE / 4]) {
        uint64_t top;
        uint32_t off = v[TR_STACK / 4], size = v[TR_STACKSIZE / 4];
        if (rptr(r, in->is64, t + TR_TOPOFSTACK, &top)) {
            if (size > MAX_STACK_BYTES) {
                updx_note_add(&r->c->notes, UPDX_NOTE_LIMIT, r->member, t + TR_STACKSIZE, UPDX_NO_LINE,
                              "saved stack of %u bytes is above the limit of %u; only the start is scanned",
                              size, (unsigned)MAX_STACK_BYTES);
                size = MAX_STACK_BYTES;
            }
            if (!updx_span_fits(r->len, off, size)) {
                damaged(r, off, "saved stack extends beyond the bytes read; the rest is ignored");
                size = off < r->len ? (uint32_t)(r->len - off) : 0;
            }
            in->stack_va = top;
            in->stack_offset = off;
            in->stack_size = size;
        }
    }
    uint32_t bo, bc;
    if ((fields & TF_DATA_BLOCKS) &&
        r32(r, t + (in->is64 ? TR64_DATABLOCKS : TR32_DATABLOCKS), &bo) &&
        r32(r, t + (in->is64 ? TR64_DATABLOCKCOUNT : TR32_DATABLOCKCOUNT), &bc) && bo && bc)
        parse_blocks(r, in, bo, bc);
    if (!in->is64)
        updx_note_add(&r->c->notes, UPDX_NOTE_INFO, r->member, t, UPDX_NO_LINE,
                      "32-bit triage layout was not verified on a real dump; driver and stack "
                      "facts may be wrong");
}

/* Adds a frame for a code address if it lies in a loaded module. */
static bool add_code_frame(updx_case *c, updx_crash *cr, uint64_t addr)
{
    const updx_module *m = updx_blame_resolve(&cr->modules, addr);
    if (!m)
        return false;
    if (cr->frames.len) {
        const updx_frame *prev = updx_avec_at(&cr->frames, cr->frames.len - 1);
        if (prev->address == addr)
            return true; /* the same address seen again (parameter, context, record) */
    }
    updx_frame *f = updx_avec_push(&cr->frames, &c->arena);
    if (!f)
        return false;
    f->module = m->name;
    f->offset = addr - m->base;
    f->address = addr;
    return true;
}

/* Kernel addresses on ARM64 may carry pointer-authentication bits in the top byte(s);
 * canonicalise a value whose low 48 bits look like a kernel address. */
static uint64_t strip_pac(const updx_kdmp_info *in, uint64_t v)
{
    if (in->machine == 0xAA64 && (v >> 48) != 0xFFFF && (v & 0x0000800000000000ull))
        return v | 0xFFFF000000000000ull;
    return v;
}

/* Full and bitmap dumps: scan the stack from the context's stack pointer up, page by page,
 * as long as the pages are in the dump. */
static void scan_virtual_stack(rd *r, updx_kdmp_info *in, updx_crash *cr)
{
    const unsigned step = in->is64 ? 8 : 4;
    uint8_t page[UPDX_KMEM_PAGE];
    uint64_t va = in->ctx_sp & ~(uint64_t)(step - 1), last = 0, fail = 0;
    size_t kept = 0, scanned = 0;
    while (scanned < MAX_VSTACK_SCAN && kept < MAX_SCAN_FRAMES) {
        size_t chunk = UPDX_KMEM_PAGE - (size_t)(va % UPDX_KMEM_PAGE);
        updx_kmem_status st = updx_kmem_read(r->mem, va, page, chunk, &fail);
        if (st != UPDX_KMEM_OK) {
            if (scanned == 0)
                updx_note_add(&r->c->notes, UPDX_NOTE_WARNING, r->member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                              "the stack at the context's stack pointer 0x%" PRIx64 " %s, so it was not "
                              "scanned", in->ctx_sp, updx_kmem_status_text(st));
            break;
        }
        for (size_t o = 0; o + step <= chunk && kept < MAX_SCAN_FRAMES; o += step) {
            uint64_t val = strip_pac(in, step == 8 ? updx_le64(page + o) : updx_le32(page + o));
            if (val == last)
                continue;
            const updx_module *m = updx_blame_resolve(&cr->modules, val);
            if (!m || val == m->base)
                continue;
            if (add_code_frame(r->c, cr, val))
                kept++;
            last = val;
        }
        scanned += chunk;
        if (va > UINT64_MAX - chunk)
            break;
        va += chunk;
    }
}

static void blame_dump(rd *r, updx_kdmp_info *in, updx_crash *cr)
{
    updx_case *c = r->c;
    updx_blame_hint hint = {0};
    hint.raw_stack = true;
    const struct updx_bugcheck_info *bc = cr->has_bugcheck ? updx_bugcheck_find(cr->bugcheck) : NULL;
    uint32_t base_code = cr->bugcheck & ~0x10000000u;

    if (bc && bc->fault_param) {
        uint64_t a = cr->params[bc->fault_param - 1];
        const updx_module *m = updx_blame_resolve(&cr->modules, a);
        if (m) {
            hint.has_fault = true;
            hint.fault.module = m->name;
            hint.fault.offset = a - m->base;
            hint.fault.address = a;
            hint.fault_source = updx_arena_printf(&c->arena, "bug-check parameter %d", bc->fault_param);
            add_code_frame(c, cr, a);
        }
    }
    if (in->has_context && add_code_frame(c, cr, strip_pac(in, in->ctx_ip)) && !hint.has_fault) {
        const updx_frame *f = updx_avec_at(&cr->frames, cr->frames.len - 1);
        hint.has_fault = true;
        hint.fault = *f;
        hint.fault_source = "context instruction pointer";
    }
    /* records in memory the parameters point at: CONTEXT (0x7E P4, 0x3B P3), trap frame (0x139 P2) */
    uint64_t ctx_va = 0, trap_va = 0, v;
    if (base_code == 0x7E)
        ctx_va = cr->params[3];
    else if (base_code == 0x3B)
        ctx_va = cr->params[2];
    else if (base_code == 0x139 || base_code == 0x8E)
        trap_va = base_code == 0x139 ? cr->params[1] : cr->params[2];
    if (in->is64 && in->machine == 0x8664) {
        if (ctx_va && read_va64(r, in, ctx_va + CTX_X64_RIP, &v))
            add_code_frame(c, cr, v);
        if (trap_va && read_va64(r, in, trap_va + KTRAP64_RIP, &v)) {
            if (add_code_frame(c, cr, v) && !hint.has_fault) {
                hint.has_fault = true;
                hint.fault = *(const updx_frame *)updx_avec_at(&cr->frames, cr->frames.len - 1);
                hint.fault_source = "trap frame instruction pointer";
            }
        }
    }
    /* raw scan of the saved stack, from the context's stack pointer when it lies inside */
    if (in->stack_size) {
        const unsigned step = in->is64 ? 8 : 4;
        uint64_t start = 0;
        if (in->has_context && in->ctx_sp >= in->stack_va && in->ctx_sp - in->stack_va < in->stack_size)
            start = (in->ctx_sp - in->stack_va) & ~(uint64_t)(step - 1);
        uint64_t last = 0;
        size_t kept = 0;
        for (uint64_t o = start; o + step <= in->stack_size && kept < MAX_SCAN_FRAMES; o += step) {
            uint64_t val;
            if (!rptr(r, in->is64, in->stack_offset + o, &val))
                break;
            val = strip_pac(in, val);
            if (val == last)
                continue;
            const updx_module *m = updx_blame_resolve(&cr->modules, val);
            /* a module's base address is a data pointer (an image handle), not a return address */
            if (!m || val == m->base)
                continue;
            if (add_code_frame(c, cr, val))
                kept++;
            last = val;
        }
    }
    if (r->mem && in->has_context && !in->stack_size)
        scan_virtual_stack(r, in, cr);
    updx_blame_apply(c, cr, &hint);

    /* Without symbols IopLoadDriver cannot be seen; a crash within the first minutes whose
     * culprit's frames are followed only by kernel frames is taken as a boot driver load. */
    const uint64_t boot_window = 180ull * 10000000ull; /* 3 minutes in 100 ns */
    if (cr->blamed_module && in->uptime && in->uptime != PAGE_FILL64 && in->uptime < boot_window &&
        cr->blame_confidence < UPDX_CONF_VERDICT) {
        size_t last_culprit = SIZE_MAX, outer_nt = 0, outer_other = 0;
        for (size_t i = 0; i < cr->frames.len; i++) {
            const updx_frame *f = updx_avec_at(&cr->frames, i);
            if (f->module && updx_strcasecmp(f->module, cr->blamed_module) == 0)
                last_culprit = i;
        }
        for (size_t i = last_culprit == SIZE_MAX ? cr->frames.len : last_culprit + 1; i < cr->frames.len; i++) {
            const updx_frame *f = updx_avec_at(&cr->frames, i);
            const char *img = updx_blame_image_name(c, cr, f->module);
            if (img && (updx_strcasecmp(img, "ntoskrnl.exe") == 0 || updx_strcasecmp(img, "ntkrnlmp.exe") == 0 ||
                        updx_strcasecmp(img, "ntkrnlpa.exe") == 0 || updx_strcasecmp(img, "ntkrpamp.exe") == 0))
                outer_nt++;
            else
                outer_other++;
        }
        if (last_culprit != SIZE_MAX && outer_nt > 0 && outer_other == 0) {
            cr->boot_driver_load = true;
            cr->blame_reason = updx_arena_printf(
                &c->arena, "%s; the crash came %" PRIu64 " s after boot with only kernel frames "
                "below the driver, as when the kernel loads boot drivers", cr->blame_reason,
                (uint64_t)(in->uptime / 10000000u));
        }
    }
}

int updx_kdmp_parse_ex(updx_case *c, const char *member, const uint8_t *data, size_t len,
                       uint64_t file_size, updx_kdmp_info **info_out, updx_crash **crash_out)
{
    if (info_out)
        *info_out = NULL;
    if (crash_out)
        *crash_out = NULL;
    if (!c || (!data && len))
        return UPDX_ERR_ARG;
    if (!updx_kdmp_sniff(data, len))
        return UPDX_ERR_FORMAT;
    if (file_size < len)
        file_size = len;
    rd r = {c, member, data, len, file_size, false, NULL};
    updx_kdmp_info *in = updx_arena_alloc(&c->arena, sizeof *in);
    updx_crash *cr = in ? updx_case_add_crash(c, member, UPDX_CRASH_KERNEL_DUMP) : NULL;
    if (!cr)
        return UPDX_ERR_NOMEM;
    updx_avec_init(&in->unloaded, sizeof(updx_module), MAX_UNLOADED);
    updx_avec_init(&in->blocks, sizeof(updx_kdmp_block), MAX_DATA_BLOCKS);
    in->is64 = updx_le32(data + 4) == SIG_DU64;
    const uint32_t hsize = in->is64 ? H64_SIZE : H32_SIZE;
    if (len < hsize) {
        char msg[160];
        snprintf(msg, sizeof msg, "dump is truncated at byte %zu, inside its 0x%x-byte header", len, hsize);
        damaged(&r, len, msg);
    }

    uint32_t u;
    uint64_t q;
    if (r32(&r, in->is64 ? H64_MAJOR : H32_MAJOR, &u))
        in->major_version = u;
    if (r32(&r, in->is64 ? H64_MINOR : H32_MINOR, &u))
        in->minor_version = u;
    if (rptr(&r, in->is64, in->is64 ? H64_DTB : H32_DTB, &q))
        in->directory_table_base = q;
    if (rptr(&r, in->is64, in->is64 ? H64_PSLML : H32_PSLML, &q))
        in->ps_loaded_module_list = q;
    if (rptr(&r, in->is64, in->is64 ? H64_KDDEBUG : H32_KDDEBUG, &q))
        in->kd_debugger_data_block = q;
    if (r32(&r, in->is64 ? H64_MACHINE : H32_MACHINE, &u))
        in->machine = u;
    if (r32(&r, in->is64 ? H64_NPROC : H32_NPROC, &u))
        in->processors = u;
    if (r32(&r, in->is64 ? H64_BUGCHECK : H32_BUGCHECK, &u)) {
        cr->has_bugcheck = true;
        cr->bugcheck = u;
    }
    for (int i = 0; i < 4; i++) {
        uint64_t off = in->is64 ? H64_PARAMS + 8u * (unsigned)i : H32_PARAMS + 4u * (unsigned)i;
        if (rptr(&r, in->is64, off, &q))
            cr->params[i] = q;
    }
    if (r32(&r, in->is64 ? H64_DUMPTYPE : H32_DUMPTYPE, &u))
        in->dump_type = u;
    if (r64(&r, in->is64 ? H64_SYSTIME : H32_SYSTIME, &q))
        in->system_time = q == PAGE_FILL64 ? 0 : q;
    if (r64(&r, in->is64 ? H64_UPTIME : H32_UPTIME, &q))
        in->uptime = q == PAGE_FILL64 ? 0 : q;
    if (r32(&r, in->is64 ? H64_MDFIELDS : H32_MDFIELDS, &u))
        in->minidump_fields = u;
    in->dump_type_name = dump_type_name(in->dump_type, &in->type_supported);
    if (!in->type_supported && in->dump_type == 0 && len < hsize)
        in->dump_type_name = "unknown (header truncated)";

    if (in->minor_version && in->minor_version != SIG_PAGE)
        cr->os_build = updx_arena_printf(&c->arena, "%u", in->minor_version);
    cr->machine = updx_machine_name(in->machine);
    cr->time = filetime_to_unix(in->system_time);
    cr->where.file = cr->source;
    cr->where.offset = 0;
    cr->where.text = updx_arena_printf(&c->arena, "%s-bit kernel dump header, %s dump",
                                       in->is64 ? "64" : "32", in->dump_type_name);
    if (in->machine && !cr->machine)
        updx_note_add(&c->notes, UPDX_NOTE_WARNING, member, in->is64 ? H64_MACHINE : H32_MACHINE,
                      UPDX_NO_LINE, "unknown machine type 0x%x", in->machine);

    parse_context(&r, in, in->is64 ? H64_CONTEXT : H32_CONTEXT);
    parse_exception(&r, in, in->is64 ? H64_EXCEPTION : H32_EXCEPTION);

    const uint64_t second = hsize; /* what follows the header depends on the type */
    uint32_t sig2 = 0, sig3 = 0;
    bool memory_dump = false;
    switch (in->dump_type) {
    case UPDX_KDMP_TRIAGE:
        in->triage_offset = hsize;
        parse_triage(&r, in, cr);
        break;
    case UPDX_KDMP_BITMAP_FULL:
    case UPDX_KDMP_BITMAP_KERNEL:
    case UPDX_KDMP_AUTOMATIC:
        /* an automatic dump that ends with its header is taken as header-only */
        if (in->is64 && !updx_span_fits(len, second, BMP_BITS) &&
            (in->dump_type != UPDX_KDMP_AUTOMATIC || len > second)) {
            char msg[160];
            snprintf(msg, sizeof msg, "dump is truncated at byte %zu, before the end of its bitmap header", len);
            damaged(&r, len, msg);
        } else if (r32(&r, second, &sig2) && r32(&r, second + 4, &sig3) && (sig2 == SIG_SDMP || sig2 == SIG_FDMP) &&
            sig3 == SIG_DUMP) {
            r64(&r, second + BMP_FIRSTPAGE, &in->bmp_first_page);
            r64(&r, second + BMP_PRESENT, &in->bmp_present_pages);
            r64(&r, second + BMP_PAGES, &in->bmp_pages);
            memory_dump = true;
        } else if (in->dump_type != UPDX_KDMP_AUTOMATIC && len > second + 8) {
            updx_note_add(&c->notes, UPDX_NOTE_WARNING, member, second, UPDX_NO_LINE,
                          "bitmap dump without its SDMP/FDMP header");
        }
        break;
    case UPDX_KDMP_FULL:
        memory_dump = true;
        break;
    case UPDX_KDMP_RDMP_KERNEL:
    case UPDX_KDMP_RDMP_KERNEL_USER:
    case UPDX_KDMP_RDMP_COMPLETE:
        if (r32(&r, second + 4, &sig2) && sig2 != SIG_RDMP)
            updx_note_add(&c->notes, UPDX_NOTE_WARNING, member, second, UPDX_NO_LINE,
                          "dump type %u without its RDMP header", in->dump_type);
        break;
    default:
        break;
    }
    updx_kmem mem;
    bool mem_open = false;
    if (memory_dump) {
        int mrc = updx_kmem_open(&mem, c, member, data, len, file_size, in);
        mem_open = true;
        if (mrc == UPDX_ERR_NOMEM) {
            updx_note_add(&c->notes, UPDX_NOTE_LIMIT, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "not enough memory for the page bitmap's index; only the header facts are read");
        } else if (mrc == UPDX_OK || mrc == UPDX_PARTIAL) {
            if (mrc == UPDX_PARTIAL)
                r.damaged = true;
            in->memory_view = true;
            in->stored_pages = mem.stored_pages;
            if (mem.paging != UPDX_PAGING_NONE) {
                r.mem = &mem;
                bool complete = false;
                updx_kmem_walk_modules(&mem, c, member, in->is64, in->ps_loaded_module_list, &cr->modules,
                                       &complete);
                in->module_list_count = (uint32_t)cr->modules.len;
                in->module_list_complete = complete;
                in->type_supported = true;
            }
        }
    }
    if (!in->type_supported && in->dump_type)
        updx_note_add(&c->notes, UPDX_NOTE_INFO, member, in->is64 ? H64_DUMPTYPE : H32_DUMPTYPE,
                      UPDX_NO_LINE, "%s dump: only the header facts (bug check, build, time) are read; "
                      "%s", in->dump_type_name,
                      memory_dump ? "its memory could not be used for the driver list (notes say why)"
                      : "updx's sources do not document where this type keeps its memory pages");
    if (in->dump_type > UPDX_KDMP_RDMP_COMPLETE)
        updx_note_add(&c->notes, UPDX_NOTE_WARNING, member, in->is64 ? H64_DUMPTYPE : H32_DUMPTYPE,
                      UPDX_NO_LINE, "unknown dump type %u", in->dump_type);

    blame_dump(&r, in, cr);
    if (mem_open) {
        in->pages_touched = mem.pages_touched;
        if (mem.hit_unread && len < file_size)
            updx_note_add(&c->notes, UPDX_NOTE_LIMIT, member, mem.first_unread, UPDX_NO_LINE,
                          "only the first %zu of %" PRIu64 " bytes were read; memory pages from offset "
                          "0x%" PRIx64 " on were not available", len, file_size, mem.first_unread);
        updx_kmem_close(&mem);
    }
    if (info_out)
        *info_out = in;
    if (crash_out)
        *crash_out = cr;
    return r.damaged ? UPDX_PARTIAL : UPDX_OK;
}

int updx_kdmp_parse(updx_case *c, const char *member, const uint8_t *data, size_t len,
                    uint64_t file_size)
{
    return updx_kdmp_parse_ex(c, member, data, len, file_size, NULL, NULL);
}
