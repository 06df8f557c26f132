/*
 * evtx.h: Windows event logs (.evtx via libevtx, and the `wevtutil qe /f:xml` rendering)
 * filtered to the events that explain a failed upgrade, kept in c->sys->events.
 *
 * Kept: System BugCheck 1001 (also a crash record), Kernel-Power 41, EventLog 6008, Service
 * Control Manager 7000/7001/7026/7034, Application WER 1001 WinSetupDiag01/02 (with P1-P10
 * decoded, see docs/system-state.md), Setup channel (servicing) events, and
 * WindowsUpdateClient 19/20/43/44. The rest is counted, not kept.
 */
#ifndef UPDX_SYS_EVTX_H
#define UPDX_SYS_EVTX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/case.h"

/* True when the bytes start with the "ElfFile" signature. */
bool updx_evtx_sniff(const uint8_t *data, size_t len);

/* Reads one .evtx from memory. Damaged chunks and unreadable records become notes with
 * offsets and the rest is read. UPDX_OK, UPDX_PARTIAL, UPDX_ERR_FORMAT, UPDX_ERR_NOMEM. */
int updx_evtx_read(updx_case *c, const char *member, const uint8_t *data, size_t len);

/* Reads rendered events: one or more <Event> elements (wevtutil qe /f:xml, or an
 * <Events> document), UTF-8. Same filter and facts as updx_evtx_read. */
int updx_evtx_read_xml(updx_case *c, const char *member, const char *xml, size_t len);

#endif
