/*
 * sha256.h: streaming SHA-256 (GNU Nettle underneath, hardware-accelerated where the CPU has it).
 */
#ifndef UPDX_UTIL_SHA256_H
#define UPDX_UTIL_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct updx_sha256 updx_sha256;

updx_sha256 *updx_sha256_new(void);
void updx_sha256_update(updx_sha256 *h, const void *data, size_t len);
/* Declares, before the first update, that the stream is regular file fd's bytes from offset 0:
 * past the in-line threshold the hash thread then preads them itself and an update only
 * says how far the caller got (no copy). fd must stay open until finish. Should the file
 * yield fewer bytes than the updates announced, the digest comes out all zero. */
void updx_sha256_backing_fd(updx_sha256 *h, int fd);
/* Writes 64 lowercase hex digits and a NUL into hex[65] and frees h. */
void updx_sha256_finish(updx_sha256 *h, char hex[65]);
/* One-shot convenience. */
void updx_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
