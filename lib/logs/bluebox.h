/*
 * bluebox.h: Windows\Logs\MoSetup\BlueBox.log, the SetupPrep -> SetupHost launcher log.
 *
 * Lines are "YYYY-MM-DD HH:MM:SS: message". It matters for down-level failures reported by
 * Windows Update and for 0xC1900107 (cleanup pending). Non-zero "Result: [0x...]" values and
 * failure lines become setup events; the media build ("BuildInfo") becomes the target version.
 */
#ifndef UPDX_LOGS_BLUEBOX_H
#define UPDX_LOGS_BLUEBOX_H

#include <stddef.h>

#include "model/case.h"
#include "text/text.h"

int updx_bluebox_read(updx_case *c, const char *member, updx_text *t);
int updx_bluebox_read_mem(updx_case *c, const char *member, const void *data, size_t len);

#endif
