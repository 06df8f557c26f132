/*
 * sha256_portable.h: a small, dependency-free SHA-256 (FIPS 180-4).
 *
 * libupdx hashes with Nettle (util/sha256.h); the Windows collector is cross-built with
 * mingw-w64, where no Nettle build exists, so it uses this one. tests/unit/test_collect.c checks
 * that both agree.
 */
#ifndef UPDX_UTIL_SHA256_PORTABLE_H
#define UPDX_UTIL_SHA256_PORTABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct updx_sha256p {
    uint32_t state[8];
    uint64_t total;      /* bytes hashed so far */
    uint8_t block[64];
    size_t used;         /* bytes waiting in block */
} updx_sha256p;

void updx_sha256p_init(updx_sha256p *h);
void updx_sha256p_update(updx_sha256p *h, const void *data, size_t len);
/* Writes the 32-byte digest; h must be initialised again before reuse. */
void updx_sha256p_final(updx_sha256p *h, uint8_t digest[32]);
/* The same, as 64 lowercase hex digits and a NUL. */
void updx_sha256p_final_hex(updx_sha256p *h, char hex[65]);

#endif
