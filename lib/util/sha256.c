/* sha256.c: see sha256.h. A NULL context (allocation failed) makes every call a no-op and
 * yields an all-zero digest, which no real content has, rather than a crash.
 *
 * Nettle underneath: libarchive loads it anyway, it uses SHA-NI where the CPU has it (1.6
 * GB/s here), and it needs no start-up, where OpenSSL 3's first EVP_sha256 fetch cost 1 ms
 * of every process (a triage dump's whole analysis is a few ms) and libcrypto 0.6 ms more to
 * load. Hashing a member runs at about 1.6 GB/s; on a big log that is a third of the
 * whole analysis when done in line. Once a stream passes SHA_ASYNC_AFTER bytes, its updates
 * are copied into a small ring of blocks that a thread of its own hashes while the caller
 * goes on parsing; finish waits for it. When the stream is a regular file's bytes from its
 * start (updx_sha256_backing_fd), the thread reads them itself with pread instead: the copy
 * into the ring cost the caller 15 % of a big log's CPU. When the thread cannot start,
 * hashing simply stays in line. */
#include "util/sha256.h"

#include <nettle/sha2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
    SHA_ASYNC_AFTER = 8 << 20,  /* smaller members are hashed in line: a thread is not worth it */
    SHA_SLOTS = 4,
    SHA_SLOT_BYTES = 1 << 20,   /* the ring must hold several of the text layer's 1 MiB reads:
                                   with 4 x 256 KiB the reader waited (1 GiB: 1.55 -> 2.0 s) */
};

struct updx_sha256 {
    struct sha256_ctx ctx;
    uint64_t total;
    bool threaded, failed_thread;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    uint8_t *slot[SHA_SLOTS];
    size_t slot_len[SHA_SLOTS];
    unsigned head, count;  /* ring: count full slots from head */
    size_t fill;           /* bytes in the slot being filled (head + count) */
    bool closing;
    /* backing file: the thread preads [hashed, granted) itself; slot[0] is its buffer */
    int fd;
    uint64_t hashed, granted;
    bool fd_failed;        /* the file gave fewer bytes than the stream: the digest is unknown */
};

updx_sha256 *updx_sha256_new(void)
{
    updx_sha256 *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->fd = -1;
    sha256_init(&h->ctx);
    return h;
}

void updx_sha256_backing_fd(updx_sha256 *h, int fd)
{
    if (h && !h->threaded && h->total == 0)
        h->fd = fd;
}

/* The backing-file loop: hashes what the caller has been granted, reading it from the file. */
static void hash_file_thread(updx_sha256 *h)
{
    pthread_mutex_lock(&h->mu);
    for (;;) {
        while (h->hashed == h->granted && !h->closing)
            pthread_cond_wait(&h->cv, &h->mu);
        if (h->hashed == h->granted || h->fd_failed)
            break;
        uint64_t off = h->hashed, want = h->granted - h->hashed;
        pthread_mutex_unlock(&h->mu);
        size_t n = want < SHA_SLOT_BYTES ? (size_t)want : SHA_SLOT_BYTES, got = 0;
        while (got < n) {
            ssize_t r = pread(h->fd, h->slot[0] + got, n - got, (off_t)(off + got));
            if (r <= 0)
                break;
            got += (size_t)r;
        }
        if (got)
            sha256_update(&h->ctx, got, h->slot[0]);
        pthread_mutex_lock(&h->mu);
        h->hashed += got;
        if (got < n) /* the file shrank or failed under us */
            h->fd_failed = true;
    }
    pthread_mutex_unlock(&h->mu);
}

static void *hash_thread(void *arg)
{
    updx_sha256 *h = arg;
    if (h->fd >= 0) {
        hash_file_thread(h);
        return NULL;
    }
    pthread_mutex_lock(&h->mu);
    for (;;) {
        while (h->count == 0 && !h->closing)
            pthread_cond_wait(&h->cv, &h->mu);
        if (h->count == 0)
            break;
        unsigned i = h->head;
        pthread_mutex_unlock(&h->mu);
        sha256_update(&h->ctx, h->slot_len[i], h->slot[i]);
        pthread_mutex_lock(&h->mu);
        h->head = (h->head + 1) % SHA_SLOTS;
        h->count--;
        pthread_cond_broadcast(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

static bool start_thread(updx_sha256 *h, uint64_t hashed)
{
    h->hashed = h->granted = hashed;
    for (unsigned i = 0; i < (h->fd >= 0 ? 1u : (unsigned)SHA_SLOTS); i++) {
        h->slot[i] = malloc(SHA_SLOT_BYTES);
        if (!h->slot[i])
            goto fail;
    }
    if (pthread_mutex_init(&h->mu, NULL) != 0)
        goto fail;
    if (pthread_cond_init(&h->cv, NULL) != 0) {
        pthread_mutex_destroy(&h->mu);
        goto fail;
    }
    if (pthread_create(&h->thread, NULL, hash_thread, h) != 0) {
        pthread_cond_destroy(&h->cv);
        pthread_mutex_destroy(&h->mu);
        goto fail;
    }
    h->threaded = true;
    return true;
fail:
    for (unsigned i = 0; i < SHA_SLOTS; i++) {
        free(h->slot[i]);
        h->slot[i] = NULL;
    }
    h->failed_thread = true;
    return false;
}

/* Hands the slot being filled to the thread (waits while the ring is full). */
static void submit(updx_sha256 *h)
{
    pthread_mutex_lock(&h->mu);
    unsigned i = (h->head + h->count) % SHA_SLOTS;
    h->slot_len[i] = h->fill;
    h->count++;
    h->fill = 0;
    pthread_cond_broadcast(&h->cv);
    while (h->count == SHA_SLOTS)
        pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
}

void updx_sha256_update(updx_sha256 *h, const void *data, size_t len)
{
    if (!h || !len)
        return;
    uint64_t before = h->total;
    h->total += len;
    if (!h->threaded && (before < SHA_ASYNC_AFTER || h->failed_thread || !start_thread(h, before))) {
        sha256_update(&h->ctx, len, data);
        return;
    }
    if (h->fd >= 0) {
        pthread_mutex_lock(&h->mu);
        h->granted += len;
        pthread_cond_broadcast(&h->cv);
        pthread_mutex_unlock(&h->mu);
        return;
    }
    /* the slot being filled is not the thread's until submitted, and the ring is never full
     * here (submit waits for room), so it is free; only its index is read under the lock */
    const uint8_t *p = data;
    while (len) {
        pthread_mutex_lock(&h->mu);
        unsigned i = (h->head + h->count) % SHA_SLOTS;
        pthread_mutex_unlock(&h->mu);
        size_t k = SHA_SLOT_BYTES - h->fill;
        if (k > len)
            k = len;
        memcpy(h->slot[i] + h->fill, p, k);
        h->fill += k;
        p += k;
        len -= k;
        if (h->fill == SHA_SLOT_BYTES)
            submit(h);
    }
}

void updx_sha256_finish(updx_sha256 *h, char hex[65])
{
    unsigned char md[32] = {0};
    if (h) {
        if (h->threaded) {
            if (h->fill && h->fd < 0)
                submit(h);
            pthread_mutex_lock(&h->mu);
            h->closing = true;
            pthread_cond_broadcast(&h->cv);
            pthread_mutex_unlock(&h->mu);
            pthread_join(h->thread, NULL);
            pthread_cond_destroy(&h->cv);
            pthread_mutex_destroy(&h->mu);
            for (unsigned i = 0; i < SHA_SLOTS; i++)
                free(h->slot[i]);
        }
        if (!h->fd_failed)
            sha256_digest(&h->ctx, sizeof md, md);
        free(h);
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
