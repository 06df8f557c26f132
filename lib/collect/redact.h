/*
 * redact.h: replaces user names, computer and domain names, IP and MAC addresses and user
 * SIDs in text by consistent placeholders, so a bundle can leave the customer's network
 * without days of review (the seed case's bank approval).
 *
 * Consistent: the same secret always becomes the same placeholder within one redactor, so
 * the analysis still sees "the same driver path under the same user". Placeholders keep the
 * shape of what they replace where parsers care (IPs stay dotted quads from 192.0.2.0/24,
 * MACs stay six pairs from 00-00-5E-00-53-xx, SIDs keep their RID) and are never redacted
 * again. Names are matched ASCII case-insensitively on word boundaries. Plain C17.
 */
#ifndef UPDX_COLLECT_REDACT_H
#define UPDX_COLLECT_REDACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum updx_redact_kind {
    UPDX_REDACT_USER,
    UPDX_REDACT_COMPUTER,
    UPDX_REDACT_DOMAIN,
    UPDX_REDACT_IPV4,
    UPDX_REDACT_IPV6,
    UPDX_REDACT_MAC,
    UPDX_REDACT_SID,
    UPDX_REDACT_KINDS
} updx_redact_kind;

/* Names shorter than this are not redacted (a one-letter user name would mangle every log). */
#define UPDX_REDACT_MIN_NAME 2
#define UPDX_REDACT_MAX_NAME 256
/* Distinct secrets one redactor maps (each needs a placeholder). */
#define UPDX_REDACT_MAX_SECRETS 65536

typedef struct updx_redactor updx_redactor;

updx_redactor *updx_redactor_new(void);
void updx_redactor_free(updx_redactor *r);

/* "user", "computer", ... */
const char *updx_redact_kind_name(updx_redact_kind k);

/* Adds a known name (user, computer or domain). Built-in account and folder names (Public,
 * Default, Administrator, SYSTEM, ...) and too short names are ignored. Returns true when
 * it was added or already known. */
bool updx_redactor_add_name(updx_redactor *r, updx_redact_kind kind, const char *name);
/* Learns user names from profile paths in text (`\Users\NAME\`, `/Users/NAME/`). */
void updx_redactor_learn(updx_redactor *r, const char *text, size_t len);

/* Redacts 8-bit text (UTF-8 or an ANSI code page). *out is malloc'ed (caller frees). */
int updx_redact_text(updx_redactor *r, const char *in, size_t len, char **out, size_t *out_len);
/* Redacts any text buffer: UTF-16LE (with a BOM, or NUL-every-other-byte) is redacted
 * through its ASCII projection, keeping the encoding; otherwise as 8-bit text. */
int updx_redact_buffer(updx_redactor *r, const void *in, size_t len, void **out,
                       size_t *out_len);

/* true when the bytes look like text that redaction can handle (no NULs outside UTF-16). */
bool updx_redact_is_text(const void *data, size_t len);

/* Distinct secrets of a kind mapped so far, and replacements made. */
size_t updx_redactor_distinct(const updx_redactor *r, updx_redact_kind k);
uint64_t updx_redactor_replacements(const updx_redactor *r, updx_redact_kind k);

#endif
