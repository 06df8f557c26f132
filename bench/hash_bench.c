/*
 * hash_bench.c: reads a file and hashes it with updx's own SHA-256 (lib/util/sha256.c, the
 * same code that hashes every member), to show the floor a loose log cannot go below on
 * one core: `sha256sum` may not use the CPU's SHA instructions, updx's hash does.
 *   cc -O2 -std=c17 -Ilib -Iinclude bench/hash_bench.c build/libupdx.a $(pkg-config --libs nettle) -lpthread
 *   hash_bench FILE
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/sha256.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: hash_bench FILE\n");
        return 2;
    }
    int fd = open(argv[1], O_RDONLY);
    if (fd < 0)
        return 1;
    enum { BLOCK = 1 << 20 };
    unsigned char *buf = malloc(BLOCK);
    updx_sha256 *h = updx_sha256_new();
    if (!buf || !h)
        return 1;
    ssize_t r;
    while ((r = read(fd, buf, BLOCK)) > 0)
        updx_sha256_update(h, buf, (size_t)r);
    char hex[65];
    updx_sha256_finish(h, hex);
    printf("%s  %s\n", hex, argv[1]);
    free(buf);
    close(fd);
    return r < 0;
}
