/*
 * dbgtext.h: crashes in pasted debugger and tool output: WinDbg/kd `k`, `kb`, `kn`, `kv`
 * stacks (x64 and x86 columns, with or without frame numbers, or just "NN module!func+off"),
 * `!analyze -v` (BUGCHECK_CODE, Arg1..4, BUGCHECK_P1..P4, MODULE_NAME, IMAGE_NAME,
 * FAULTING_IP, FAILURE_BUCKET_ID, STACK_TEXT, "Probably caused by"), the kd banner,
 * `BugCheck 7E, {...}`, `lm` and `!address` module ranges, BlueScreenView and WhoCrashed text
 * exports, the System event 1001 text "The computer has rebooted from a bugcheck" (English and
 * zh-CN), and the "Crash 0x0000007E detected" block Setup writes into the rollback setupact.log.
 * One text may hold several crashes; each gets a crash record and the blame rules (blame.h).
 */
#ifndef UPDX_DUMPS_DBGTEXT_H
#define UPDX_DUMPS_DBGTEXT_H

#include <stddef.h>

#include "model/case.h"
#include "text/text.h"

/* Reads every line of t and adds the crashes found. Returns the number of crashes added
 * (0 when the text holds none) or a negative updx_status (read error, out of memory). */
int updx_dbgtext_parse(updx_case *c, const char *member, updx_text *t);

/* Line by line, for a reader that already walks a text (e.g. the setupact.log reader):
 * begin, feed every line in order, end (returns the crashes added). The state lives in the
 * case's arena; NULL from begin means out of memory. */
typedef struct updx_dbgtext updx_dbgtext;
updx_dbgtext *updx_dbgtext_begin(updx_case *c, const char *member);
void updx_dbgtext_line(updx_dbgtext *d, const updx_line *line);
int updx_dbgtext_end(updx_dbgtext *d);

/* The same over bytes in memory (any encoding the text layer reads). */
int updx_dbgtext_parse_mem(updx_case *c, const char *member, const void *data, size_t len);

#endif
