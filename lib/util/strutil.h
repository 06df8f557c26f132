/*
 * strutil.h: small, locale-free string helpers shared by every reader.
 *
 * Windows names are compared case-insensitively in ASCII only (the names that matter,
 * drivers, services, log files, are ASCII); nothing here depends on the C locale.
 */
#ifndef UPDX_UTIL_STRUTIL_H
#define UPDX_UTIL_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline char updx_ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}
int updx_strcasecmp(const char *a, const char *b);
int updx_strncasecmp(const char *a, const char *b, size_t n);
bool updx_str_ends_with_ci(const char *s, const char *suffix);
bool updx_str_starts_with_ci(const char *s, const char *prefix);
/* Finds needle in [hay, hay+len) ignoring ASCII case; NULL when absent. */
const char *updx_memcasemem(const char *hay, size_t len, const char *needle, size_t nlen);
/* Matches s against a glob with '*' and '?', ASCII case-insensitive (one backtrack point,
 * so linear in practice). */
bool updx_glob_ci(const char *pattern, const char *s);
/* The last path component, after either '/' or '\'. Points into s. */
const char *updx_path_basename(const char *s);
/* Trims ASCII spaces, tabs, CR and LF from both ends of [s, s+*len); returns the new start. */
const char *updx_trim(const char *s, size_t *len);

/* Parses a hex number ("0x1A2b", "1a2b", with or without prefix) from [s, s+len).
 * Stops at the first non-hex digit; *used gets the bytes consumed (prefix included).
 * Returns false when there are no digits or the value does not fit in 64 bits. */
bool updx_parse_hex(const char *s, size_t len, uint64_t *value, size_t *used);
/* Parses an unsigned decimal number, same contract. */
bool updx_parse_dec(const char *s, size_t len, uint64_t *value, size_t *used);

#endif
