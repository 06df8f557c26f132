/* sha256.c: see sha256.h. A NULL context (allocation failed) makes every call a no-op and
 * yields an all-zero digest, which no real content has, rather than a crash. */
#include "util/sha256.h"

#include <openssl/evp.h>
#include <string.h>

updx_sha256 *updx_sha256_new(void)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        return NULL;
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return NULL;
    }
    return (updx_sha256 *)ctx;
}

void updx_sha256_update(updx_sha256 *h, const void *data, size_t len)
{
    if (h && len)
        EVP_DigestUpdate((EVP_MD_CTX *)h, data, len);
}

void updx_sha256_finish(updx_sha256 *h, char hex[65])
{
    unsigned char md[32] = {0};
    unsigned int n = 0;
    if (h) {
        EVP_DigestFinal_ex((EVP_MD_CTX *)h, md, &n);
        EVP_MD_CTX_free((EVP_MD_CTX *)h);
    }
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[64] = '\0';
}

void updx_sha256_hex(const void *data, size_t len, char hex[65])
{
    updx_sha256 *h = updx_sha256_new();
    updx_sha256_update(h, data, len);
    updx_sha256_finish(h, hex);
}
