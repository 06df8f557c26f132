/* zipw.c: see zipw.h. Layout per APPNOTE.TXT 6.3 (local header, data, central directory,
 * ZIP64 end records when needed). */
#include "zipw.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "util/sha256_portable.h"

#if defined(_WIN32)
#include <windows.h>
/* paths are UTF-8 inside the collector; the C library's fopen takes the ANSI code page */
static FILE *fopen_utf8(const char *path, const wchar_t *mode)
{
    wchar_t wpath[32768];
    if (!MultiByteToWideChar(CP_UTF8, 0, path, -1, wpath, 32768))
        return NULL;
    return _wfopen(wpath, mode);
}
#define fopen(p, m) fopen_utf8((p), L##m)
#define ftell64 _ftelli64
#define fseek64 _fseeki64
#else
#define ftell64 ftello
#define fseek64 fseeko
#endif

#define ZIP32_MAX 0xffffffffu
/* Output chunk of the deflater. */
#define ZIP_CHUNK 65536u
/* Central directory entries and name lengths the checker accepts (hostile-input caps). */
#define ZIPCHECK_MAX_ENTRIES 1000000u
#define ZIPCHECK_MAX_NAME 4096u

typedef struct zentry {
    char *name;
    uint32_t crc, dostime;
    uint64_t csize, usize, offset;
} zentry;

struct zipw {
    FILE *f;
    zentry *e;
    size_t n, cap;
    z_stream zs;
    bool in_member, zip64_local;
    unsigned char out[ZIP_CHUNK];
};

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get16(const unsigned char *p)
{
    return p[0] | (uint32_t)p[1] << 8;
}

static uint32_t get32(const unsigned char *p)
{
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const unsigned char *p)
{
    return get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint32_t dos_time(int64_t t)
{
    time_t tt = t < 0 ? time(NULL) : (time_t)t;
    struct tm tm;
#if defined(_WIN32)
    if (localtime_s(&tm, &tt) != 0)
        return 0x00210000; /* 1980-01-01 */
#else
    if (!localtime_r(&tt, &tm))
        return 0x00210000;
#endif
    if (tm.tm_year < 80)
        return 0x00210000;
    return (uint32_t)(tm.tm_year - 80) << 25 | (uint32_t)(tm.tm_mon + 1) << 21 |
           (uint32_t)tm.tm_mday << 16 | (uint32_t)tm.tm_hour << 11 | (uint32_t)tm.tm_min << 5 |
           (uint32_t)(tm.tm_sec / 2);
}

zipw *zipw_open(const char *path)
{
    zipw *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    z->f = fopen(path, "wb");
    if (!z->f) {
        free(z);
        return NULL;
    }
    return z;
}

int zipw_begin(zipw *z, const char *name, int64_t mtime, uint64_t size_hint)
{
    if (z->in_member || z->n == z->cap) {
        if (z->in_member)
            return -1;
        size_t cap = z->cap ? z->cap * 2 : 256;
        zentry *e = realloc(z->e, cap * sizeof *e);
        if (!e)
            return -1;
        z->e = e;
        z->cap = cap;
    }
    zentry *e = &z->e[z->n];
    memset(e, 0, sizeof *e);
    size_t nlen = strlen(name);
    if (nlen > 0xffff || !(e->name = malloc(nlen + 1)))
        return -1;
    memcpy(e->name, name, nlen + 1);
    e->dostime = dos_time(mtime);
    e->offset = (uint64_t)ftell64(z->f);
    /* a file that may pass 4 GiB gets its ZIP64 sizes in the local header up front */
    z->zip64_local = size_hint >= 0xfff00000u;
    unsigned char h[30 + 20];
    memset(h, 0, sizeof h);
    put32(h, 0x04034b50);
    put16(h + 4, z->zip64_local ? 45 : 20);
    put16(h + 6, 0x0800); /* UTF-8 names */
    put16(h + 8, 8);
    put32(h + 10, e->dostime);
    put16(h + 26, (unsigned)nlen);
    put16(h + 28, z->zip64_local ? 20 : 0);
    if (z->zip64_local) {
        put32(h + 18, ZIP32_MAX);
        put32(h + 22, ZIP32_MAX);
        put16(h + 30, 1);
        put16(h + 32, 16);
    }
    if (fwrite(h, 1, 30, z->f) != 30 || fwrite(name, 1, nlen, z->f) != nlen ||
        (z->zip64_local && fwrite(h + 30, 1, 20, z->f) != 20)) {
        free(e->name);
        return -1;
    }
    memset(&z->zs, 0, sizeof z->zs);
    if (deflateInit2(&z->zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(e->name);
        return -1;
    }
    e->crc = (uint32_t)crc32(0, NULL, 0);
    z->n++;
    z->in_member = true;
    return 0;
}

static int deflate_out(zipw *z, const void *data, size_t len, int flush)
{
    zentry *e = &z->e[z->n - 1];
    z->zs.next_in = (Bytef *)(uintptr_t)data;
    z->zs.avail_in = (uInt)len;
    int rc;
    do {
        z->zs.next_out = z->out;
        z->zs.avail_out = ZIP_CHUNK;
        rc = deflate(&z->zs, flush);
        if (rc == Z_STREAM_ERROR)
            return -1;
        size_t have = ZIP_CHUNK - z->zs.avail_out;
        if (have && fwrite(z->out, 1, have, z->f) != have)
            return -1;
        e->csize += have;
    } while (z->zs.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
    return 0;
}

int zipw_write(zipw *z, const void *data, size_t len)
{
    if (!z->in_member)
        return -1;
    zentry *e = &z->e[z->n - 1];
    const unsigned char *p = data;
    while (len) {
        size_t take = len > (1u << 30) ? (1u << 30) : len;
        e->crc = (uint32_t)crc32(e->crc, p, (uInt)take);
        e->usize += take;
        if (deflate_out(z, p, take, Z_NO_FLUSH) != 0)
            return -1;
        p += take;
        len -= take;
    }
    return 0;
}

int zipw_end(zipw *z)
{
    if (!z->in_member)
        return -1;
    z->in_member = false;
    zentry *e = &z->e[z->n - 1];
    int rc = deflate_out(z, "", 0, Z_FINISH);
    deflateEnd(&z->zs);
    if (rc != 0)
        return -1;
    if (!z->zip64_local && (e->usize >= ZIP32_MAX || e->csize >= ZIP32_MAX))
        return -1; /* grew past 4 GiB though announced small: refuse a corrupt zip */
    int64_t here = ftell64(z->f);
    unsigned char b[16];
    put32(b, e->crc);
    if (fseek64(z->f, (int64_t)e->offset + 14, SEEK_SET) != 0 || fwrite(b, 1, 4, z->f) != 4)
        return -1;
    if (z->zip64_local) {
        put64(b, e->usize);
        put64(b + 8, e->csize);
        if (fseek64(z->f, (int64_t)e->offset + 30 + (int64_t)strlen(e->name) + 4, SEEK_SET) != 0 ||
            fwrite(b, 1, 16, z->f) != 16)
            return -1;
    } else {
        put32(b, (uint32_t)e->csize);
        put32(b + 4, (uint32_t)e->usize);
        if (fwrite(b, 1, 8, z->f) != 8)
            return -1;
    }
    return fseek64(z->f, here, SEEK_SET) == 0 ? 0 : -1;
}

static void free_entries(zipw *z)
{
    for (size_t i = 0; i < z->n; i++)
        free(z->e[i].name);
    free(z->e);
}

void zipw_abort(zipw *z)
{
    if (!z)
        return;
    if (z->in_member)
        deflateEnd(&z->zs);
    free_entries(z);
    fclose(z->f);
    free(z);
}

int zipw_close(zipw *z)
{
    int rc = z->in_member ? -1 : 0;
    uint64_t cd_start = (uint64_t)ftell64(z->f);
    for (size_t i = 0; i < z->n && rc == 0; i++) {
        zentry *e = &z->e[i];
        bool big_u = e->usize >= ZIP32_MAX, big_c = e->csize >= ZIP32_MAX,
             big_o = e->offset >= ZIP32_MAX;
        unsigned char h[46], x[28];
        size_t xlen = 0;
        if (big_u || big_c || big_o) {
            xlen = 4;
            if (big_u)
                put64(x + xlen, e->usize), xlen += 8;
            if (big_c)
                put64(x + xlen, e->csize), xlen += 8;
            if (big_o)
                put64(x + xlen, e->offset), xlen += 8;
            put16(x, 1);
            put16(x + 2, (unsigned)(xlen - 4));
        }
        size_t nlen = strlen(e->name);
        memset(h, 0, sizeof h);
        put32(h, 0x02014b50);
        put16(h + 4, 0x0300 | 45); /* made by Unix-ish, spec 4.5 */
        put16(h + 6, xlen ? 45 : 20);
        put16(h + 8, 0x0800);
        put16(h + 10, 8);
        put32(h + 12, e->dostime);
        put32(h + 16, e->crc);
        put32(h + 20, big_c ? ZIP32_MAX : (uint32_t)e->csize);
        put32(h + 24, big_u ? ZIP32_MAX : (uint32_t)e->usize);
        put16(h + 28, (unsigned)nlen);
        put16(h + 30, (unsigned)xlen);
        put32(h + 38, 0644u << 16);
        put32(h + 42, big_o ? ZIP32_MAX : (uint32_t)e->offset);
        if (fwrite(h, 1, 46, z->f) != 46 || fwrite(e->name, 1, nlen, z->f) != nlen ||
            (xlen && fwrite(x, 1, xlen, z->f) != xlen))
            rc = -1;
    }
    uint64_t cd_end = (uint64_t)ftell64(z->f);
    uint64_t cd_size = cd_end - cd_start;
    bool z64 = z->n >= 0xffff || cd_start >= ZIP32_MAX || cd_size >= ZIP32_MAX;
    if (rc == 0 && z64) {
        unsigned char r[56 + 20];
        memset(r, 0, sizeof r);
        put32(r, 0x06064b50);
        put64(r + 4, 44);
        put16(r + 12, 45);
        put16(r + 14, 45);
        put64(r + 24, z->n);
        put64(r + 32, z->n);
        put64(r + 40, cd_size);
        put64(r + 48, cd_start);
        put32(r + 56, 0x07064b50);
        put64(r + 64, cd_end);
        put32(r + 72, 1);
        if (fwrite(r, 1, sizeof r, z->f) != sizeof r)
            rc = -1;
    }
    unsigned char eocd[22];
    memset(eocd, 0, sizeof eocd);
    put32(eocd, 0x06054b50);
    put16(eocd + 8, z64 ? 0xffff : (unsigned)z->n);
    put16(eocd + 10, z64 ? 0xffff : (unsigned)z->n);
    put32(eocd + 12, z64 ? ZIP32_MAX : (uint32_t)cd_size);
    put32(eocd + 16, z64 ? ZIP32_MAX : (uint32_t)cd_start);
    if (rc == 0 && fwrite(eocd, 1, 22, z->f) != 22)
        rc = -1;
    if (fclose(z->f) != 0)
        rc = -1;
    free_entries(z);
    free(z);
    return rc;
}

/* ---- checker ---- */

static int fail(char *err, size_t errlen, const char *msg)
{
    snprintf(err, errlen, "%s", msg);
    return -1;
}

static int check_member(FILE *f, uint64_t offset, uint64_t csize, uint64_t usize, unsigned method,
                        uint32_t crc_want, char hex[65], bool *crc_ok)
{
    unsigned char lh[30];
    if (fseek64(f, (int64_t)offset, SEEK_SET) != 0 || fread(lh, 1, 30, f) != 30 ||
        get32(lh) != 0x04034b50)
        return -1;
    if (fseek64(f, (int64_t)(offset + 30 + get16(lh + 26) + get16(lh + 28)), SEEK_SET) != 0)
        return -1;
    updx_sha256p h;
    updx_sha256p_init(&h);
    uint32_t crc = (uint32_t)crc32(0, NULL, 0);
    uint64_t out_total = 0, left = csize;
    unsigned char *in = malloc(ZIP_CHUNK), *out = malloc(ZIP_CHUNK);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    int rc = (in && out && (method == 0 || inflateInit2(&zs, -15) == Z_OK)) ? 0 : -1;
    int zrc = Z_OK;
    while (rc == 0 && left) {
        size_t take = left > ZIP_CHUNK ? ZIP_CHUNK : (size_t)left;
        if (fread(in, 1, take, f) != take) {
            rc = -1;
            break;
        }
        left -= take;
        if (method == 0) {
            crc = (uint32_t)crc32(crc, in, (uInt)take);
            updx_sha256p_update(&h, in, take);
            out_total += take;
            continue;
        }
        zs.next_in = in;
        zs.avail_in = (uInt)take;
        do {
            zs.next_out = out;
            zs.avail_out = ZIP_CHUNK;
            zrc = inflate(&zs, Z_NO_FLUSH);
            if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR) {
                rc = -1;
                break;
            }
            size_t have = ZIP_CHUNK - zs.avail_out;
            crc = (uint32_t)crc32(crc, out, (uInt)have);
            updx_sha256p_update(&h, out, have);
            out_total += have;
        } while (zs.avail_out == 0 && zrc != Z_STREAM_END);
    }
    if (method != 0)
        inflateEnd(&zs);
    free(in);
    free(out);
    updx_sha256p_final_hex(&h, hex);
    *crc_ok = rc == 0 && crc == crc_want && out_total == usize &&
              (method == 0 || zrc == Z_STREAM_END);
    return 0;
}

long zipcheck(const char *path, zipcheck_fn fn, void *ud, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errlen, "cannot open the zip");
    long result = -1;
    unsigned char *tail = NULL, *cd = NULL;
    if (fseek64(f, 0, SEEK_END) != 0)
        goto out;
    int64_t fsize = ftell64(f);
    size_t tlen = fsize < 65557 ? (size_t)fsize : 65557;
    tail = malloc(tlen ? tlen : 1);
    if (!tail || fseek64(f, fsize - (int64_t)tlen, SEEK_SET) != 0 || fread(tail, 1, tlen, f) != tlen) {
        fail(err, errlen, "cannot read the end of the zip");
        goto out;
    }
    size_t at = tlen;
    while (at >= 22) {
        at--;
        if (at + 22 <= tlen && get32(tail + at) == 0x06054b50)
            break;
    }
    if (at + 22 > tlen || get32(tail + at) != 0x06054b50) {
        fail(err, errlen, "no end of central directory record");
        goto out;
    }
    uint64_t count = get16(tail + at + 10), cd_size = get32(tail + at + 12),
             cd_off = get32(tail + at + 16);
    if ((count == 0xffff || cd_off == ZIP32_MAX) && at >= 20 && get32(tail + at - 20) == 0x07064b50) {
        unsigned char r[56];
        uint64_t r_off = get64(tail + at - 20 + 8);
        if (fseek64(f, (int64_t)r_off, SEEK_SET) != 0 || fread(r, 1, 56, f) != 56 ||
            get32(r) != 0x06064b50) {
            fail(err, errlen, "bad zip64 end record");
            goto out;
        }
        count = get64(r + 32);
        cd_size = get64(r + 40);
        cd_off = get64(r + 48);
    }
    if (count > ZIPCHECK_MAX_ENTRIES || cd_off + cd_size > (uint64_t)fsize || cd_size > (256u << 20)) {
        fail(err, errlen, "central directory out of range");
        goto out;
    }
    cd = malloc(cd_size ? (size_t)cd_size : 1);
    if (!cd || fseek64(f, (int64_t)cd_off, SEEK_SET) != 0 || fread(cd, 1, (size_t)cd_size, f) != cd_size) {
        fail(err, errlen, "cannot read the central directory");
        goto out;
    }
    size_t p = 0;
    long n = 0;
    for (uint64_t i = 0; i < count; i++) {
        if (p + 46 > cd_size || get32(cd + p) != 0x02014b50) {
            fail(err, errlen, "central directory entry damaged");
            goto out;
        }
        unsigned method = get16(cd + p + 10);
        uint32_t crc = get32(cd + p + 16);
        uint64_t csize = get32(cd + p + 20), usize = get32(cd + p + 24);
        size_t nlen = get16(cd + p + 28), xlen = get16(cd + p + 30), clen = get16(cd + p + 32);
        uint64_t off = get32(cd + p + 42);
        if (p + 46 + nlen + xlen + clen > cd_size || nlen > ZIPCHECK_MAX_NAME) {
            fail(err, errlen, "central directory entry damaged");
            goto out;
        }
        char name[ZIPCHECK_MAX_NAME + 1];
        memcpy(name, cd + p + 46, nlen);
        name[nlen] = '\0';
        for (size_t x = p + 46 + nlen; x + 4 <= p + 46 + nlen + xlen;) {
            unsigned id = get16(cd + x), len = get16(cd + x + 2);
            size_t v = x + 4, vend = v + len;
            if (vend > p + 46 + nlen + xlen)
                break;
            if (id == 1) {
                if (usize == ZIP32_MAX && v + 8 <= vend)
                    usize = get64(cd + v), v += 8;
                if (csize == ZIP32_MAX && v + 8 <= vend)
                    csize = get64(cd + v), v += 8;
                if (off == ZIP32_MAX && v + 8 <= vend)
                    off = get64(cd + v);
            }
            x = vend;
        }
        char hex[65];
        bool ok = false;
        if ((method != 0 && method != 8) || off + csize > (uint64_t)fsize ||
            check_member(f, off, csize, usize, method, crc, hex, &ok) != 0) {
            memset(hex, '0', 64);
            hex[64] = '\0';
            ok = false;
        }
        n++;
        if (fn && fn(ud, name, usize, hex, ok) != 0)
            break;
        p += 46 + nlen + xlen + clen;
    }
    result = n;
out:
    free(tail);
    free(cd);
    fclose(f);
    return result;
}

int file_sha256(const char *path, char hex[65])
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    unsigned char *buf = malloc(ZIP_CHUNK);
    updx_sha256p h;
    updx_sha256p_init(&h);
    size_t n;
    while (buf && (n = fread(buf, 1, ZIP_CHUNK, f)) > 0)
        updx_sha256p_update(&h, buf, n);
    int rc = buf && !ferror(f) ? 0 : -1;
    free(buf);
    fclose(f);
    updx_sha256p_final_hex(&h, hex);
    return rc;
}
