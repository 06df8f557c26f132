/*
 * gen_log.c: writes a large log with the line shapes of real ones, for the benchmarks.
 *
 *   gen_log OUT BYTES SOURCE...
 *
 * Reads the SOURCE logs (real setupact.log / setupapi.dev.log files from the shared corpus,
 * read at bench time, never copied into the repository), then writes their lines in order,
 * over and over, until OUT holds BYTES bytes. Each pass is perturbed so the output is not a
 * trivially repeated block: setupact-style timestamps ("YYYY-MM-DD HH:MM:SS") advance one
 * second every few lines, and one hex digit in four lines changes (GUIDs, addresses, codes).
 * Lines holding control bytes (binary tails of cut-off logs) are left out. Lines keep their own
 * endings; a UTF-8 BOM is written once at the start when the first
 * source has one. Deterministic (fixed seed).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct line {
    char *text;
    size_t len;
} line;

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* "YYYY-MM-DD HH:MM:SS" at the start of the line */
static int has_stamp(const char *s, size_t len)
{
    if (len < 19)
        return 0;
    for (int i = 0; i < 19; i++) {
        char c = s[i];
        int ok = (i == 4 || i == 7) ? c == '-' : i == 10 ? c == ' ' : (i == 13 || i == 16) ? c == ':' : is_digit(c);
        if (!ok)
            return 0;
    }
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: gen_log OUT BYTES SOURCE...\n");
        return 2;
    }
    unsigned long long want = strtoull(argv[2], NULL, 10);
    line *lines = NULL;
    size_t n = 0, cap = 0;
    int bom = 0;
    for (int a = 3; a < argc; a++) {
        FILE *f = fopen(argv[a], "rb");
        if (!f) {
            fprintf(stderr, "gen_log: cannot read %s\n", argv[a]);
            return 1;
        }
        char *buf = NULL;
        size_t bcap = 0;
        ssize_t got;
        int first = 1;
        while ((got = getline(&buf, &bcap, f)) > 0) {
            char *s = buf;
            size_t len = (size_t)got;
            if (first && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
                bom |= a == 3;
                s += 3;
                len -= 3;
            }
            first = 0;
            if (len > 64 * 1024)
                continue;  /* keep the shapes, not the odd giant line */
            size_t k = 0;
            while (k < len && ((unsigned char)s[k] >= 0x20 || s[k] == '\t' || s[k] == '\r' || s[k] == '\n'))
                k++;
            if (k < len)
                continue;  /* a real log's binary tail (cut off while written): not a line shape */
            if (n == cap) {
                cap = cap ? cap * 2 : 4096;
                lines = realloc(lines, cap * sizeof *lines);
                if (!lines)
                    return 1;
            }
            lines[n].text = malloc(len);
            if (!lines[n].text)
                return 1;
            memcpy(lines[n].text, s, len);
            lines[n].len = len;
            n++;
        }
        free(buf);
        fclose(f);
    }
    if (n == 0) {
        fprintf(stderr, "gen_log: no lines in the sources\n");
        return 1;
    }
    FILE *out = fopen(argv[1], "wb");
    if (!out)
        return 1;
    setvbuf(out, NULL, _IOFBF, 1 << 20);
    unsigned long long written = 0;
    if (bom) {
        fwrite("\xEF\xBB\xBF", 1, 3, out);
        written = 3;
    }
    char tmp[64 * 1024 + 64];
    unsigned long clock = 0;  /* seconds since 2024-01-01 00:00:00 */
    for (size_t i = 0; written < want; i = (i + 1) % n) {
        line *l = &lines[i];
        memcpy(tmp, l->text, l->len);
        size_t len = l->len;
        if (has_stamp(tmp, len)) {
            if (next_rand() % 4 == 0)
                clock++;
            unsigned long d = clock / 86400 % 28, h = clock / 3600 % 24, m = clock / 60 % 60, s = clock % 60;
            char stamp[20];
            snprintf(stamp, sizeof stamp, "2024-%02lu-%02lu %02lu:%02lu:%02lu", 1 + clock / (86400 * 28) % 12, d + 1,
                     h, m, s);
            memcpy(tmp, stamp, 19);
        }
        if (next_rand() % 4 == 0 && len > 40) {
            /* change one hex digit of a run of at least 8 (GUID part, address, code) */
            size_t start = 20 + (size_t)(next_rand() % (len - 20));
            for (size_t k = start; k + 8 < len; k++) {
                if (is_hex(tmp[k]) && is_hex(tmp[k + 1]) && is_hex(tmp[k + 2]) && is_hex(tmp[k + 3]) &&
                    is_hex(tmp[k + 4]) && is_hex(tmp[k + 5]) && is_hex(tmp[k + 6]) && is_hex(tmp[k + 7])) {
                    tmp[k + 3] = "0123456789abcdef"[next_rand() % 16];
                    break;
                }
            }
        }
        if (written + len > want)
            len = (size_t)(want - written);
        fwrite(tmp, 1, len, out);
        written += len;
    }
    fclose(out);
    for (size_t i = 0; i < n; i++)
        free(lines[i].text);
    free(lines);
    return 0;
}
