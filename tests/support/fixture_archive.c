/* fixture_archive.c: archives for tests, built with libarchive's write API (see the header). */
#include "support/fixture_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct growbuf {
    unsigned char *data;
    size_t len, cap;
    int failed;
} growbuf;

static la_ssize_t grow_write(struct archive *a, void *ud, const void *buf, size_t n)
{
    (void)a;
    growbuf *g = ud;
    if (g->len + n > g->cap) {
        size_t nc = g->cap ? g->cap : 4096;
        while (nc < g->len + n)
            nc *= 2;
        unsigned char *nd = realloc(g->data, nc);
        if (!nd) {
            g->failed = 1;
            return -1;
        }
        g->data = nd;
        g->cap = nc;
    }
    memcpy(g->data + g->len, buf, n);
    g->len += n;
    return (la_ssize_t)n;
}

static int open_cb(struct archive *a, void *ud)
{
    (void)a;
    (void)ud;
    return ARCHIVE_OK;
}

static int close_cb(struct archive *a, void *ud)
{
    (void)a;
    (void)ud;
    return ARCHIVE_OK;
}

unsigned char *fixture_archive_build(const char *format, const fixture_member *members,
                                     size_t count, size_t *len)
{
    struct archive *a = archive_write_new();
    if (!a)
        return NULL;
    if (strcmp(format, "zip") == 0) {
        archive_write_set_format_zip(a);
    } else if (strcmp(format, "zip-store") == 0) {
        archive_write_set_format_zip(a);
        archive_write_set_format_option(a, "zip", "compression", "store");
    } else if (strcmp(format, "7z") == 0) {
        archive_write_set_format_7zip(a);
    } else if (strcmp(format, "tar") == 0) {
        archive_write_set_format_pax_restricted(a);
    } else if (strcmp(format, "tar.gz") == 0) {
        archive_write_set_format_pax_restricted(a);
        archive_write_add_filter_gzip(a);
    } else {
        archive_write_free(a);
        return NULL;
    }
    archive_write_set_bytes_in_last_block(a, 1);
    growbuf g = {0};
    if (archive_write_open(a, &g, open_cb, grow_write, close_cb) != ARCHIVE_OK) {
        archive_write_free(a);
        return NULL;
    }
    for (size_t i = 0; i < count; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, members[i].name);
        archive_entry_set_mtime(e, 1700000000, 0);
        if (members[i].symlink) {
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_set_perm(e, 0777);
            archive_entry_set_symlink(e, (const char *)members[i].data);
            archive_entry_set_size(e, 0);
            archive_write_header(a, e);
        } else {
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_perm(e, 0644);
            archive_entry_set_size(e, (la_int64_t)members[i].len);
            archive_write_header(a, e);
            if (members[i].len)
                archive_write_data(a, members[i].data, members[i].len);
        }
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    if (g.failed) {
        free(g.data);
        return NULL;
    }
    *len = g.len;
    return g.data;
}

typedef struct dir_list {
    char **paths;
    size_t n, cap;
} dir_list;

static void list_dir(dir_list *l, const char *root, const char *rel)
{
    char full[4096];
    snprintf(full, sizeof full, "%s%s%s", root, rel[0] ? "/" : "", rel);
    DIR *d = opendir(full);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char sub[4096], subfull[8192];
        snprintf(sub, sizeof sub, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name);
        snprintf(subfull, sizeof subfull, "%s/%s", root, sub);
        struct stat st;
        if (lstat(subfull, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            list_dir(l, root, sub);
        } else if (S_ISREG(st.st_mode)) {
            if (l->n == l->cap) {
                size_t nc = l->cap ? l->cap * 2 : 64;
                char **np = realloc(l->paths, nc * sizeof *np);
                if (!np)
                    continue;
                l->paths = np;
                l->cap = nc;
            }
            l->paths[l->n++] = strdup(sub);
        }
    }
    closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static unsigned char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc(sz > 0 ? (size_t)sz : 1);
    size_t got = buf && sz > 0 ? fread(buf, 1, (size_t)sz, f) : 0;
    fclose(f);
    *len = got;
    return buf;
}

unsigned char *fixture_archive_from_dir(const char *format, const char *dir, size_t *len)
{
    dir_list l = {0};
    list_dir(&l, dir, "");
    if (l.n)
        qsort(l.paths, l.n, sizeof *l.paths, cmp_str);
    fixture_member *m = calloc(l.n ? l.n : 1, sizeof *m);
    unsigned char **bufs = calloc(l.n ? l.n : 1, sizeof *bufs);
    unsigned char *out = NULL;
    if (m && bufs) {
        for (size_t i = 0; i < l.n; i++) {
            char full[8192];
            snprintf(full, sizeof full, "%s/%s", dir, l.paths[i]);
            bufs[i] = read_all(full, &m[i].len);
            m[i].name = l.paths[i];
            m[i].data = bufs[i];
        }
        out = fixture_archive_build(format, m, l.n, len);
    }
    for (size_t i = 0; i < l.n; i++) {
        free(l.paths[i]);
        if (bufs)
            free(bufs[i]);
    }
    free(l.paths);
    free(bufs);
    free(m);
    return out;
}

size_t fixture_zip_central_directory(const unsigned char *zip, size_t len)
{
    if (len < 22)
        return 0;
    for (size_t i = len - 22 + 1; i-- > 0;) {
        if (zip[i] == 'P' && zip[i + 1] == 'K' && zip[i + 2] == 5 && zip[i + 3] == 6) {
            const unsigned char *p = zip + i + 16;
            size_t off = (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24;
            return off < len ? off : 0;
        }
    }
    return 0;
}

int fixture_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = len ? fwrite(data, 1, len, f) : 0;
    return fclose(f) == 0 && w == len ? 0 : -1;
}

unsigned char *fixture_log_text(size_t len, unsigned seed)
{
    unsigned char *buf = malloc(len + 1);
    if (!buf)
        return NULL;
    size_t o = 0;
    unsigned x = seed * 2654435761u + 1;
    for (unsigned n = 0; o < len; n++) {
        x = x * 1103515245u + 12345u;
        char line[160];
        int k = snprintf(line, sizeof line,
                         "2021-05-18 03:%02u:%02u, Info                  SP     step %u value 0x%08X\r\n",
                         (n / 60) % 60, n % 60, n, x);
        for (int i = 0; i < k && o < len; i++)
            buf[o++] = (unsigned char)line[i];
    }
    buf[len] = 0;
    return buf;
}
