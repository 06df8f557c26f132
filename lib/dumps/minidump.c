/*
 * minidump.c: user-mode MDMP reader (see minidump.h). Layouts: MINIDUMP_HEADER (32 bytes),
 * MINIDUMP_DIRECTORY (12), MINIDUMP_EXCEPTION_STREAM, MINIDUMP_MODULE (108),
 * MINIDUMP_SYSTEM_INFO, from Microsoft's minidumpapiset.h documentation.
 */
#include "dumps/minidump.h"

#include <stdio.h>
#include <string.h>

#include "dumps/blame.h"
#include "util/bytes.h"
#include "util/strutil.h"

enum {
    MDMP_SIG = 0x504D444D, /* "MDMP" */
    HDR_SIZE = 32, HDR_NSTREAMS = 8, HDR_DIRRVA = 12, HDR_TIME = 20,
    DIR_SIZE = 12,
    STREAM_MODULES = 4, STREAM_EXCEPTION = 6, STREAM_SYSINFO = 7,
    EXC_CODE = 8, EXC_ADDRESS = 0x18, EXC_MIN = 0x20,
    MOD_SIZE = 108, MOD_IMAGESIZE = 8, MOD_TIMESTAMP = 0x10, MOD_NAMERVA = 0x14,
    SYS_ARCH = 0, SYS_BUILD = 0x10, SYS_MIN = 0x14,
    MAX_STREAMS = 4096,  /* real dumps have 10-20 */
    MAX_MODULES = 8192,  /* big processes load a few hundred */
    MAX_NAME_BYTES = 2048,
};
_Static_assert(MOD_SIZE == 8 + 4 * 4 + 52 + 8 + 8 + 16, "MINIDUMP_MODULE is 108 bytes");

bool updx_minidump_sniff(const uint8_t *data, size_t len)
{
    return len >= 4 && updx_le32(data) == MDMP_SIG;
}

static const char *mdmp_string(updx_case *c, const uint8_t *d, size_t len, uint32_t rva)
{
    if (!updx_span_fits(len, rva, 4))
        return NULL;
    uint32_t bytes = updx_le32(d + rva);
    if (bytes > MAX_NAME_BYTES)
        bytes = MAX_NAME_BYTES;
    if (!updx_span_fits(len, (uint64_t)rva + 4, bytes))
        return NULL;
    char *s = updx_arena_alloc(&c->arena, bytes / 2 + 1);
    if (!s)
        return NULL;
    size_t n = 0;
    for (uint32_t i = 0; i + 1 < bytes; i += 2) {
        uint16_t u = updx_le16(d + rva + 4 + i);
        s[n++] = u && u < 0x80 ? (char)u : (u ? '?' : '\0');
        if (!u)
            break;
    }
    s[n] = '\0';
    return s;
}

static const char *arch_name(uint16_t a)
{
    switch (a) {
    case 0: return "x86";
    case 9: return "x64";
    case 12: return "arm64";
    default: return NULL;
    }
}

int updx_minidump_parse(updx_case *c, const char *member, const uint8_t *data, size_t len,
                        updx_crash **crash)
{
    if (crash)
        *crash = NULL;
    if (!c || (!data && len))
        return UPDX_ERR_ARG;
    if (!updx_minidump_sniff(data, len))
        return UPDX_ERR_FORMAT;
    updx_crash *cr = updx_case_add_crash(c, member, UPDX_CRASH_MINIDUMP);
    if (!cr)
        return UPDX_ERR_NOMEM;
    if (crash)
        *crash = cr;
    bool bad = false;
    cr->where.file = cr->source;
    cr->where.offset = 0;
    cr->where.text = "user-mode minidump (MDMP)";
    if (len < HDR_SIZE) {
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, member, len, UPDX_NO_LINE,
                      "minidump is truncated inside its 32-byte header");
        return UPDX_PARTIAL;
    }
    uint32_t n = updx_le32(data + HDR_NSTREAMS), dir = updx_le32(data + HDR_DIRRVA);
    if (n > MAX_STREAMS) {
        updx_note_add(&c->notes, UPDX_NOTE_LIMIT, member, HDR_NSTREAMS, UPDX_NO_LINE,
                      "stream count %u is above the limit of %u", n, (unsigned)MAX_STREAMS);
        n = MAX_STREAMS;
    }
    bool has_exc = false;
    uint64_t exc_addr = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t e = (uint64_t)dir + (uint64_t)i * DIR_SIZE;
        if (!updx_span_fits(len, e, DIR_SIZE)) {
            updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, member, e, UPDX_NO_LINE,
                          "stream directory ends outside the file (%u of %u entries read)", i, n);
            bad = true;
            break;
        }
        uint32_t type = updx_le32(data + e), size = updx_le32(data + e + 4), rva = updx_le32(data + e + 8);
        if (!updx_span_fits(len, rva, size)) {
            updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, member, e, UPDX_NO_LINE,
                          "stream %u (type %u) lies outside the file", i, type);
            bad = true;
            continue;
        }
        const uint8_t *s = data + rva;
        if (type == STREAM_EXCEPTION && size >= EXC_MIN && !has_exc) {
            has_exc = true;
            cr->exception_code = updx_le32(s + EXC_CODE);
            exc_addr = updx_le64(s + EXC_ADDRESS);
        } else if (type == STREAM_SYSINFO && size >= SYS_MIN) {
            cr->machine = arch_name(updx_le16(s + SYS_ARCH));
            cr->os_build = updx_arena_printf(&c->arena, "%u", updx_le32(s + SYS_BUILD));
        } else if (type == STREAM_MODULES && size >= 4 && cr->modules.len == 0) {
            uint32_t count = updx_le32(s);
            if (count > MAX_MODULES)
                count = MAX_MODULES;
            if ((uint64_t)count * MOD_SIZE > size - 4) {
                updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, member, rva, UPDX_NO_LINE,
                              "module list claims %u modules but its stream holds %u bytes", count, size);
                bad = true;
                count = (size - 4) / MOD_SIZE;
            }
            for (uint32_t k = 0; k < count; k++) {
                const uint8_t *m = s + 4 + (size_t)k * MOD_SIZE;
                updx_module *mod = updx_avec_push(&cr->modules, &c->arena);
                if (!mod)
                    break;
                mod->base = updx_le64(m);
                mod->size = updx_le32(m + MOD_IMAGESIZE);
                mod->timestamp = updx_le32(m + MOD_TIMESTAMP);
                const char *name = mdmp_string(c, data, len, updx_le32(m + MOD_NAMERVA));
                mod->name = name ? updx_path_basename(name) : updx_arena_printf(&c->arena, "module#%u", k);
                if (k == 0 && name)
                    cr->process = mod->name;
            }
        }
    }
    if (has_exc) {
        const updx_module *m = updx_blame_resolve(&cr->modules, exc_addr);
        updx_frame *f = updx_avec_push(&cr->frames, &c->arena);
        if (f) {
            f->module = m ? m->name : NULL;
            f->offset = m ? exc_addr - m->base : 0;
            f->address = exc_addr;
        }
        if (m) {
            cr->blamed_module = m->name;
            if (updx_blame_is_core(m->name)) {
                cr->blame_confidence = UPDX_CONF_CORE_FALLBACK;
                cr->blame_reason = updx_arena_printf(
                    &c->arena, "the exception address lies in %s, a Windows system library; the "
                    "code that called it is more likely at fault", m->name);
            } else {
                cr->blame_confidence = UPDX_CONF_FAULT;
                cr->blame_reason = updx_arena_printf(&c->arena, "the exception address lies in it (%s+0x%llx)",
                                                     m->name, (unsigned long long)(exc_addr - m->base));
            }
        } else {
            cr->blame_reason = "the exception address lies outside every listed module";
        }
    } else {
        cr->blame_reason = "the minidump has no exception stream";
    }
    return bad ? UPDX_PARTIAL : UPDX_OK;
}
