/*
 * blame.h: name the driver most likely responsible for a crash, the way BlueScreenView and
 * !analyze do, without symbols.
 *
 * Input is a crash record whose frames (innermost first) name modules, plus hints: a verdict
 * a tool or debugger already printed (IMAGE_NAME, "Probably caused by", "Caused By Driver"),
 * and the module+offset of the documented faulting-address parameter. Rules, first match wins:
 *   1. the bug check is a hardware or manual one (bugchecks.tsv "blame" column): no driver;
 *   2. a trusted tool verdict that is not a core Windows module (data/core_modules.tsv);
 *   3. the faulting-address parameter (or context IP) in a non-core module;
 *   4. the innermost non-core module on the stack;
 *   5. fallback to a core module (verdict, fault address, first frame) with low confidence.
 * Then the blamed driver is classified (data/driver_classes.tsv: the API it calls on the
 * stack, or its name) and boot_driver_load is set when IopLoadDriver /
 * IopInitializeSystemDrivers is on the stack.
 */
#ifndef UPDX_DUMPS_BLAME_H
#define UPDX_DUMPS_BLAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/case.h"

typedef struct updx_blame_hint {
    const char *verdict;         /* module named by a tool or debugger, or NULL */
    const char *verdict_source;  /* "!analyze IMAGE_NAME", "BlueScreenView", ... */
    bool verdict_untrusted;      /* e.g. the debugger ran with wrong symbols */
    bool has_fault;              /* fault frame below is known */
    updx_frame fault;            /* module (NULL when outside every known module) + offset */
    const char *fault_source;    /* "bug-check parameter 2", "context instruction pointer" */
    bool raw_stack;              /* frames come from a raw stack scan, not a real unwind */
} updx_blame_hint;

/* Confidence levels the rules give (0..1), named so tests and docs agree. */
#define UPDX_CONF_VERDICT 0.9
#define UPDX_CONF_FAULT 0.85
#define UPDX_CONF_STACK 0.75
#define UPDX_CONF_STACK_SCAN 0.6
#define UPDX_CONF_CORE_FALLBACK 0.25

/* Applies the rules to cr (sets blamed_module, blame_reason, blame_confidence,
 * driver_class, boot_driver_load). Strings come from the case's arena. */
void updx_blame_apply(updx_case *c, updx_crash *cr, const updx_blame_hint *hint);

/* The module of `modules` (updx_module) containing addr, or NULL. */
const updx_module *updx_blame_resolve(const updx_avec *modules, uint64_t addr);

/* True for a core Windows module: "nt", "ntoskrnl.exe", "NDIS.SYS", "hal"... */
bool updx_blame_is_core(const char *module);

/* The image file name for a module as a debugger writes it: "nt" -> "ntoskrnl.exe",
 * "lwfmgr" -> "lwfmgr.sys" (or the name in cr->modules when one matches), "x.sys" stays. */
const char *updx_blame_image_name(updx_case *c, const updx_crash *cr, const char *module);

/* The class of a driver from data/driver_classes.tsv by its image name, or NULL. */
const char *updx_driver_class_of(const char *image);

/* "lwfmgr+0x5167", "ndis!NdisFDeregisterFilterDriver+0x47" into buf. */
const char *updx_frame_format(const updx_frame *f, char *buf, size_t size);

#endif
