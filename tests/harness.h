/*
 * harness.h: the tiny unit-test harness. One test file per library module; each file's
 * main() runs its tests with RUN(). A failed CHECK prints file:line and the values, the
 * test goes on, and the executable exits 1. Exit 77 means skipped (ctest shows it so).
 */
#ifndef UPDX_TESTS_HARNESS_H
#define UPDX_TESTS_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int harness_failed;
static int harness_checks;

#define CHECK(cond)                                                                 \
    do {                                                                            \
        harness_checks++;                                                           \
        if (!(cond)) {                                                              \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            harness_failed++;                                                       \
        }                                                                           \
    } while (0)

#define CHECK_INT(a, b)                                                                   \
    do {                                                                                  \
        long long va_ = (long long)(a), vb_ = (long long)(b);                             \
        harness_checks++;                                                                 \
        if (va_ != vb_) {                                                                 \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, \
                    #a, va_, #b, vb_);                                                    \
            harness_failed++;                                                             \
        }                                                                                 \
    } while (0)

#define CHECK_STR(a, b)                                                                      \
    do {                                                                                     \
        const char *sa_ = (a), *sb_ = (b);                                                   \
        harness_checks++;                                                                    \
        if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) {                                         \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, \
                    sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");                             \
            harness_failed++;                                                                \
        }                                                                                    \
    } while (0)

#define RUN(fn)                                  \
    do {                                         \
        int before_ = harness_failed;            \
        fn();                                    \
        fprintf(stderr, "%s %s\n", harness_failed == before_ ? "ok  " : "FAIL", #fn); \
    } while (0)

static inline int harness_exit(void)
{
    fprintf(stderr, "%d checks, %d failed\n", harness_checks, harness_failed);
    return harness_failed ? 1 : 0;
}

/* The shared corpus folder, or NULL (the test then reports itself skipped). */
static inline const char *harness_corpus(void)
{
    const char *env = getenv("UPDX_CORPUS");
    const char *dir = env && *env ? env : UPDX_CORPUS_DIR;
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/logs/SOURCES.md", dir);
    FILE *f = fopen(probe, "rb");
    if (!f)
        return NULL;
    fclose(f);
    return dir;
}

#define HARNESS_SKIP 77

/* Reads a whole file into a malloc'd buffer (NUL-terminated); NULL on failure. */
static inline unsigned char *harness_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap + 1);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            unsigned char *nb = realloc(buf, cap * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = 0;
        *len = n;
    }
    return buf;
}

#endif
