/*
 * dump_bench.c: how long parsing (and blaming) one kernel dump takes.
 *
 * Not built by default (bench/ is outside the globs). Build against a build tree:
 *   cc -O2 -std=c17 -Ilib -Iinclude bench/dump_bench.c build/libupdx.a \
 *      $(pkg-config --libs libarchive nettle libpcre2-8 jansson yaml-0.1 libxml-2.0 \
 *        sqlite3 libregf libevtx) -lpthread -lm -o build/dump_bench
 *   build/dump_bench ../shared/corpus/dumps/rizin-testbins_triage_x64.dmp [runs]
 * Prints the median and best wall time of updx_kdmp_parse over the whole file in memory
 * (file reading excluded), each run on a fresh case; then the same for the whole analysis
 * as the CLI runs it, in process: updx_report_analyze (read and hash the file, load the
 * built-in rules and knowledge, parse, diagnose) plus the JSON report. The difference to a
 * whole `updx analyze` process is process start-up.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dumps/kdmp.h"
#include "updx/updx.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: dump_bench DUMP [runs]\n");
        return 2;
    }
    int runs = argc > 2 ? atoi(argv[2]) : 200;
    if (runs < 1 || runs > 100000)
        runs = 200;
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return 1;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *d = size > 0 ? malloc((size_t)size) : NULL;
    if (!d || fread(d, 1, (size_t)size, f) != (size_t)size)
        return 1;
    fclose(f);
    double *t = malloc(sizeof *t * (size_t)runs);
    if (!t)
        return 1;
    const char *blamed = NULL;
    for (int i = 0; i < runs; i++) {
        double t0 = now_ms();
        updx_case *c = updx_case_new("bench", NULL);
        updx_crash *cr;
        updx_kdmp_parse_ex(c, "bench.dmp", d, (size_t)size, (uint64_t)size, NULL, &cr);
        blamed = cr && cr->blamed_module ? "yes" : "no";
        updx_case_free(c);
        t[i] = now_ms() - t0;
    }
    qsort(t, (size_t)runs, sizeof *t, cmp_double);
    printf("%s: %ld bytes, %d runs, median %.3f ms, best %.3f ms, blamed: %s\n", argv[1], size, runs,
           t[runs / 2], t[0], blamed);
    int whole = runs < 50 ? runs : 50;
    size_t json_len = 0;
    for (int i = 0; i < whole; i++) {
        double t0 = now_ms();
        updx_report *r = NULL;
        int rc = updx_report_analyze(argv[1], NULL, NULL, &r);
        char *json = rc >= 0 && r ? updx_report_json(r) : NULL;
        json_len = json ? strlen(json) : 0;
        free(json);
        updx_report_free(r);
        t[i] = now_ms() - t0;
    }
    double first = t[0];  /* the one a single `updx analyze` process pays: cold code and libraries */
    qsort(t, (size_t)whole, sizeof *t, cmp_double);
    printf("whole analysis in process (updx_report_analyze + JSON, %zu bytes): %d runs, first %.3f ms, "
           "median %.3f ms, best %.3f ms\n", json_len, whole, first, t[whole / 2], t[0]);
    free(t);
    free(d);
    return 0;
}
