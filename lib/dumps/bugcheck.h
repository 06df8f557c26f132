/*
 * bugcheck.h: bug check codes as data (data/bugchecks.tsv): name, what the four parameters
 * hold, which one is the faulting code address, and short English and zh-CN explanations.
 *
 * The table is parsed from the embedded copy once, on first use (thread-safe), and is
 * read-only afterwards; returned pointers stay valid for the life of the process.
 */
#ifndef UPDX_DUMPS_BUGCHECK_H
#define UPDX_DUMPS_BUGCHECK_H

#include <stdint.h>

typedef enum updx_bugcheck_blame {
    UPDX_BC_BLAME_DRIVER,   /* a driver at the fault address or on the stack is the usual cause */
    UPDX_BC_BLAME_HARDWARE, /* hardware error report: the stack does not name a culprit */
    UPDX_BC_BLAME_MANUAL,   /* raised on purpose (power button, debugger) */
    UPDX_BC_BLAME_PROCESS,  /* a critical process died */
    UPDX_BC_BLAME_BOOT,     /* boot device / storage */
} updx_bugcheck_blame;

struct updx_bugcheck_info {
    uint32_t code;
    const char *name;          /* "SYSTEM_THREAD_EXCEPTION_NOT_HANDLED" */
    const char *param[4];      /* what P1..P4 hold; "-" when reserved */
    int fault_param;           /* 1..4: the faulting instruction address; 0: none */
    updx_bugcheck_blame blame;
    const char *en;            /* one sentence */
    const char *zh;            /* one sentence, zh-CN */
};

/* The entry for `code`, or NULL. Codes with the 0x10000000 bit ("_M" variants such as
 * 0x1000007E, 0x1000008E) share their base code's entry: Microsoft documents them as having
 * the same meaning and parameters. */
const struct updx_bugcheck_info *updx_bugcheck_find(uint32_t code);

/* The entry's name, with "_M" appended for the 0x10000000 variants; NULL when unknown.
 * Writes into buf (at least 80 bytes recommended). */
const char *updx_bugcheck_name(uint32_t code, char *buf, unsigned size);

/* Number of entries in the table (for tests and `updx explain --list`). */
unsigned updx_bugcheck_count(void);
const struct updx_bugcheck_info *updx_bugcheck_at(unsigned i);

#endif
