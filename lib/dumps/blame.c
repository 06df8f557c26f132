/* blame.c: pick the responsible driver of a crash (rules in blame.h). */
#include "dumps/blame.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dumps/bugcheck.h"
#include "dumps/knowledge.h"
#include "util/strutil.h"

/* Frames whose symbol says a driver is being loaded at boot (the seed case's stack). */
static const char *const boot_load_symbols[] = {
    "IopLoadDriver", "IopInitializeSystemDrivers", "IopInitializeBootDrivers",
};

const updx_module *updx_blame_resolve(const updx_avec *modules, uint64_t addr)
{
    for (size_t i = 0; i < modules->len; i++) {
        const updx_module *m = updx_avec_at(modules, i);
        if (m->unloaded || m->size == 0)
            continue;
        if (addr >= m->base && addr - m->base < m->size)
            return m;
    }
    return NULL;
}

bool updx_blame_is_core(const char *module)
{
    if (!module)
        return false;
    const char *base = updx_path_basename(module);
    return updx_core_module_find(base, strlen(base)) != NULL;
}

const char *updx_blame_image_name(updx_case *c, const updx_crash *cr, const char *module)
{
    if (!module || !*module)
        return NULL;
    module = updx_path_basename(module);
    if (strchr(module, '.'))
        return module;
    const updx_core_module *core = updx_core_module_find(module, strlen(module));
    if (core)
        return core->image;
    size_t n = strlen(module);
    for (size_t i = 0; cr && i < cr->modules.len; i++) {
        const updx_module *m = updx_avec_at(&cr->modules, i);
        if (m->name && updx_strncasecmp(m->name, module, n) == 0 && m->name[n] == '.')
            return m->name;
    }
    return updx_arena_printf(&c->arena, "%s.sys", module);
}

const char *updx_driver_class_of(const char *image)
{
    if (!image)
        return NULL;
    const updx_dumps_knowledge *k = updx_dumps_knowledge_get();
    for (unsigned i = 0; i < k->n_classes; i++)
        if (!k->classes[i].by_symbol && updx_strcasecmp(k->classes[i].pattern, image) == 0)
            return k->classes[i].klass;
    return NULL;
}

static const char *class_of_symbol(const char *symbol)
{
    if (!symbol)
        return NULL;
    const updx_dumps_knowledge *k = updx_dumps_knowledge_get();
    for (unsigned i = 0; i < k->n_classes; i++) {
        const updx_driver_class_rule *r = &k->classes[i];
        size_t n = strlen(r->pattern);
        /* the prefix must be followed by an upper-case letter: FltRegisterFilter, not Flterm */
        if (r->by_symbol && strncmp(symbol, r->pattern, n) == 0 && symbol[n] >= 'A' && symbol[n] <= 'Z')
            return r->klass;
    }
    return NULL;
}

const char *updx_frame_format(const updx_frame *f, char *buf, size_t size)
{
    if (f->module && f->symbol && f->offset == 0)
        snprintf(buf, size, "%s!%s", f->module, f->symbol);
    else if (f->module && f->symbol)
        snprintf(buf, size, "%s!%s+0x%" PRIx64, f->module, f->symbol, f->offset);
    else if (f->module)
        snprintf(buf, size, "%s+0x%" PRIx64, f->module, f->offset);
    else
        snprintf(buf, size, "0x%" PRIx64, f->address);
    return buf;
}

static bool same_image(updx_case *c, const updx_crash *cr, const char *frame_module, const char *image)
{
    const char *a = updx_blame_image_name(c, cr, frame_module);
    return a && image && updx_strcasecmp(a, image) == 0;
}

static void classify(updx_case *c, updx_crash *cr)
{
    if (!cr->blamed_module)
        return;
    /* the API the blamed driver calls: the frame just inside (newer than) one of its frames */
    for (size_t i = 1; i < cr->frames.len; i++) {
        const updx_frame *f = updx_avec_at(&cr->frames, i);
        const updx_frame *callee = updx_avec_at(&cr->frames, i - 1);
        if (!same_image(c, cr, f->module, cr->blamed_module))
            continue;
        const char *k = class_of_symbol(callee->symbol);
        if (k) {
            cr->driver_class = k;
            return;
        }
    }
    cr->driver_class = updx_driver_class_of(cr->blamed_module);
}

static void set_blame(updx_case *c, updx_crash *cr, const char *image, double conf, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void set_blame(updx_case *c, updx_crash *cr, const char *image, double conf, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cr->blamed_module = updx_arena_strdup(&c->arena, image);
    cr->blame_confidence = conf;
    cr->blame_reason = updx_arena_vprintf(&c->arena, fmt, ap);
    va_end(ap);
}

void updx_blame_apply(updx_case *c, updx_crash *cr, const updx_blame_hint *hint)
{
    static const updx_blame_hint none;
    if (!hint)
        hint = &none;
    char fb[256], code[16];

    for (size_t i = 0; i < cr->frames.len && !cr->boot_driver_load; i++) {
        const updx_frame *f = updx_avec_at(&cr->frames, i);
        for (size_t j = 0; f->symbol && j < sizeof boot_load_symbols / sizeof *boot_load_symbols; j++)
            if (strcmp(f->symbol, boot_load_symbols[j]) == 0)
                cr->boot_driver_load = true;
    }

    const struct updx_bugcheck_info *bc = cr->has_bugcheck ? updx_bugcheck_find(cr->bugcheck) : NULL;
    snprintf(code, sizeof code, "0x%X", cr->has_bugcheck ? cr->bugcheck : 0);
    if (bc && (bc->blame == UPDX_BC_BLAME_HARDWARE || bc->blame == UPDX_BC_BLAME_MANUAL)) {
        cr->blamed_module = NULL;
        cr->blame_confidence = 0;
        cr->blame_reason = updx_arena_printf(
            &c->arena, "bug check %s (%s) is %s, so no driver is blamed", code, bc->name,
            bc->blame == UPDX_BC_BLAME_HARDWARE ? "a hardware error report" : "raised on purpose");
        return;
    }

    const char *verdict = NULL;
    if (hint->verdict && !hint->verdict_untrusted)
        verdict = updx_blame_image_name(c, cr, hint->verdict);
    const char *fault = hint->has_fault && hint->fault.module
                            ? updx_blame_image_name(c, cr, hint->fault.module) : NULL;

    if (verdict && !updx_blame_is_core(verdict)) {
        set_blame(c, cr, verdict, UPDX_CONF_VERDICT, "named by %s", hint->verdict_source ? hint->verdict_source : "a tool");
    } else if (fault && !updx_blame_is_core(fault)) {
        updx_frame_format(&hint->fault, fb, sizeof fb);
        set_blame(c, cr, fault, UPDX_CONF_FAULT, "the faulting address (%s) lies in it: %s",
                  hint->fault_source ? hint->fault_source : "exception address", fb);
    } else {
        /* innermost frame outside the core modules */
        for (size_t i = 0; i < cr->frames.len; i++) {
            const updx_frame *f = updx_avec_at(&cr->frames, i);
            if (!f->module || updx_blame_is_core(f->module))
                continue;
            const char *img = updx_blame_image_name(c, cr, f->module);
            updx_frame_format(f, fb, sizeof fb);
            char what[64];
            snprintf(what, sizeof what, "%zu", i);
            if (hint->raw_stack)
                set_blame(c, cr, img, UPDX_CONF_STACK_SCAN,
                          "first address in a non-core module found scanning the saved stack (%s, "
                          "value %s of the scan; core Windows modules skipped)", fb, what);
            else
                set_blame(c, cr, img, UPDX_CONF_STACK,
                          "innermost non-core module on the stack (%s, frame %s; core Windows "
                          "modules such as nt and ndis skipped)", fb, what);
            break;
        }
        if (!cr->blamed_module) {
            if (verdict) {
                set_blame(c, cr, verdict, UPDX_CONF_CORE_FALLBACK,
                          "named by %s; it is a core Windows module and no other driver is in "
                          "evidence, so the real cause may be elsewhere",
                          hint->verdict_source ? hint->verdict_source : "a tool");
            } else if (fault) {
                updx_frame_format(&hint->fault, fb, sizeof fb);
                set_blame(c, cr, fault, UPDX_CONF_CORE_FALLBACK,
                          "only core Windows modules in evidence; the faulting address (%s) lies "
                          "in this one, so the real cause may be elsewhere", fb);
            } else {
                for (size_t i = 0; i < cr->frames.len; i++) {
                    const updx_frame *f = updx_avec_at(&cr->frames, i);
                    if (!f->module)
                        continue;
                    updx_frame_format(f, fb, sizeof fb);
                    set_blame(c, cr, updx_blame_image_name(c, cr, f->module), UPDX_CONF_CORE_FALLBACK,
                              "only core Windows modules on the stack; the innermost (%s) is named, "
                              "so the real cause may be elsewhere", fb);
                    break;
                }
            }
        }
    }
    if (!cr->blamed_module) {
        cr->blame_confidence = 0;
        if (hint->verdict && hint->verdict_untrusted)
            cr->blame_reason = updx_arena_printf(
                &c->arena, "the debugger's verdict (%s) rests on wrong symbols and no module is "
                "otherwise in evidence", hint->verdict);
        else
            cr->blame_reason = "no module in evidence: no stack, verdict or resolvable faulting address";
    }
    classify(c, cr);
}
