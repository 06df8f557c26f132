/*
 * hive.c: registry hives through libregf (see hive.h).
 *
 * The hive is opened from memory through a bounded libbfio handle (membfio.h), so nothing
 * is written to disk. libregf calls cannot be interrupted, so the time budget is checked between
 * calls; key, depth, value and string caps keep each call small.
 */
#include "sys/hive.h"

#include <libregf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sys/membfio.h"
#include "util/bytes.h"
#include "sys/reg_ingest.h"
#include "sys/sys_facts.h"
#include "util/bytes.h"

enum {
    HIVE_MAX_KEYS = 200000,      /* keys visited per hive: a real SYSTEM hive's facts need ~5000 */
    HIVE_MAX_SUBKEYS = 50000,    /* subkeys listed under one key (Services has ~700) */
    HIVE_MAX_VALUES = 1024,      /* values read from one key */
    HIVE_MAX_DEPTH = 4,          /* below a starting key; Network\{class}\{inst}\Ndi is 3 */
    HIVE_MAX_NAME = 1024,        /* bytes of a key or value name (Windows allows 255 chars) */
    HIVE_MAX_BINARY_SHOWN = 256, /* binary bytes rendered as hex for setup values */
    HIVE_MAX_NOTES = 50,         /* notes about bad values/keys from one hive */
    HIVE_MAX_FAILURES = 1000,    /* unreadable keys/values before the hive is given up: libregf
                                    leaks a little memory per damaged key (docs) */
    HIVE_MAX_SECONDS = 60,       /* wall-clock budget when the case sets none */
    HIVE_MULTI_BYTES = 65536,    /* all strings of one REG_MULTI_SZ together */
};

typedef struct hive_walk {
    updx_case *c;
    const char *member;
    updx_hive_kind kind;
    uint32_t keys;
    uint32_t notes;
    bool partial;
    bool out_of_time;
    struct timespec deadline;
    char *str;                   /* UPDX_REG_MAX_STRING + 1 */
    char *multi_buf;             /* HIVE_MULTI_BYTES */
    const char *multi_ptr[UPDX_REG_MAX_MULTI];
    char hexbuf[HIVE_MAX_BINARY_SHOWN * 2 + 32];
} hive_walk;

bool updx_hive_sniff(const uint8_t *data, size_t len)
{
    return data && len >= 4 && memcmp(data, "regf", 4) == 0;
}

/* Offsets in a regf hive: hive bins start after the 4 KiB base block; a cell is a 32-bit size
 * (negative when allocated) and its data; a key (nk) record holds its value count at 0x24 and
 * its value-list cell offset at 0x28 (both from the "nk" signature). */
enum {
    HIVE_BINS_START = 0x1000,
    HIVE_BIN_HEADER = 0x20,
    HIVE_NK_VALUES = 0x24,
    HIVE_NK_VALUE_LIST = 0x28,
    HIVE_NK_MIN = 0x4C,
};

/* Finds the key records whose value count is more than their value-list cell can hold. libregf
 * 20201007 trusts that count and appends one list element per claimed value before reading
 * any: an 8 KiB hive claiming 2^30 values took 10 s and gigabytes (found by fuzz_hive). When
 * there are such keys, returns a private copy of the hive with each count cut to what its
 * list can hold (*fixed counts them); otherwise NULL (read the original). */
static uint8_t *clamp_value_counts(const uint8_t *data, size_t len, uint32_t *fixed)
{
    uint8_t *copy = NULL;
    *fixed = 0;
    size_t bin = HIVE_BINS_START;
    while (bin + HIVE_BIN_HEADER <= len && memcmp(data + bin, "hbin", 4) == 0) {
        uint32_t bin_size = updx_le32(data + bin + 8);
        if (bin_size < HIVE_BIN_HEADER || bin_size % 0x1000 || bin_size > len - bin)
            break;
        size_t cell = bin + HIVE_BIN_HEADER, end = bin + bin_size;
        while (cell + 8 <= end) {
            int32_t raw = (int32_t)updx_le32(data + cell);
            uint32_t size = raw < 0 ? (uint32_t)-(int64_t)raw : (uint32_t)raw;
            if (size < 8 || size > end - cell)
                break;
            const uint8_t *nk = data + cell + 4;
            if (raw < 0 && size >= 4 + HIVE_NK_MIN && nk[0] == 'n' && nk[1] == 'k') {
                uint32_t count = updx_le32(nk + HIVE_NK_VALUES);
                uint32_t list = updx_le32(nk + HIVE_NK_VALUE_LIST);
                uint32_t room = 0; /* values the list cell can hold */
                if (list != 0xFFFFFFFFu && (uint64_t)HIVE_BINS_START + list + 4 <= len) {
                    int32_t lraw = (int32_t)updx_le32(data + HIVE_BINS_START + list);
                    uint32_t lsize = lraw < 0 ? (uint32_t)-(int64_t)lraw : (uint32_t)lraw;
                    if (lsize >= 4 && lsize <= len - HIVE_BINS_START - list)
                        room = (lsize - 4) / 4;
                }
                if (count > room) {
                    if (!copy) {
                        copy = malloc(len);
                        if (!copy)
                            return NULL;
                        memcpy(copy, data, len);
                    }
                    uint8_t *w = copy + cell + 4 + HIVE_NK_VALUES;
                    w[0] = (uint8_t)room;
                    w[1] = (uint8_t)(room >> 8);
                    w[2] = (uint8_t)(room >> 16);
                    w[3] = (uint8_t)(room >> 24);
                    (*fixed)++;
                }
            }
            cell += size;
        }
        bin += bin_size;
    }
    return copy;
}

static void walk_note(hive_walk *w, updx_note_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void walk_note(hive_walk *w, updx_note_kind kind, const char *fmt, ...)
{
    w->partial = true;
    if (w->notes++ >= HIVE_MAX_NOTES)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = updx_arena_vprintf(&w->c->arena, fmt, ap);
    va_end(ap);
    updx_note_add(&w->c->notes, kind, w->member, UPDX_NO_OFFSET, UPDX_NO_LINE, "%s",
                  msg ? msg : "unreadable part of the hive");
}

static bool over_budget(hive_walk *w)
{
    if (w->out_of_time)
        return true;
    if (w->keys >= HIVE_MAX_KEYS) {
        w->out_of_time = true;
        walk_note(w, UPDX_NOTE_LIMIT, "more than %d keys visited; the rest of the hive is not read",
                  HIVE_MAX_KEYS);
        return true;
    }
    if (w->notes >= HIVE_MAX_FAILURES) {
        w->out_of_time = true;
        walk_note(w, UPDX_NOTE_DAMAGED, "over %d unreadable keys or values; the rest of the hive "
                  "is not read", HIVE_MAX_FAILURES);
        return true;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec > w->deadline.tv_sec ||
        (now.tv_sec == w->deadline.tv_sec && now.tv_nsec >= w->deadline.tv_nsec)) {
        w->out_of_time = true;
        walk_note(w, UPDX_NOTE_LIMIT, "time budget for the hive used up; the rest is not read");
        return true;
    }
    return false;
}

/* Fills v from a libregf value; false when the value cannot be read (noted). */
static bool convert_value(hive_walk *w, libregf_value_t *rv, const char *path, updx_reg_value *v,
                          char *name, size_t name_cap)
{
    size_t sz = 0;
    name[0] = '\0';
    if (libregf_value_get_utf8_name_size(rv, &sz, NULL) == 1 && sz > 1) {
        if (sz > name_cap || libregf_value_get_utf8_name(rv, (uint8_t *)name, sz, NULL) != 1) {
            walk_note(w, UPDX_NOTE_DAMAGED, "unreadable value name under key %s", path);
            return false;
        }
    }
    memset(v, 0, sizeof *v);
    v->name = name;
    if (libregf_value_get_value_type(rv, &v->type, NULL) != 1) {
        walk_note(w, UPDX_NOTE_DAMAGED, "unreadable value type under key %s", path);
        return false;
    }
    switch (v->type) {
    case UPDX_REG_SZ:
    case UPDX_REG_EXPAND_SZ:
    case UPDX_REG_LINK:
        sz = 0;
        if (libregf_value_get_value_utf8_string_size(rv, &sz, NULL) != 1) {
            walk_note(w, UPDX_NOTE_DAMAGED, "unreadable string value under key %s", path);
            return false;
        }
        if (sz > UPDX_REG_MAX_STRING + 1) {
            walk_note(w, UPDX_NOTE_LIMIT, "string value over 32 KiB under key %s skipped", path);
            return false;
        }
        w->str[0] = '\0';
        if (sz > 0 && libregf_value_get_value_utf8_string(rv, (uint8_t *)w->str, sz, NULL) != 1) {
            walk_note(w, UPDX_NOTE_DAMAGED, "unreadable string value under key %s", path);
            return false;
        }
        w->str[sz ? sz - 1 : 0] = '\0';
        v->str = w->str;
        return true;
    case UPDX_REG_DWORD:
    case UPDX_REG_DWORD_BE: {
        uint32_t u = 0;
        if (libregf_value_get_value_32bit(rv, &u, NULL) != 1) {
            walk_note(w, UPDX_NOTE_DAMAGED, "unreadable DWORD value under key %s", path);
            return false;
        }
        v->has_num = true;
        v->num = u;
        return true;
    }
    case UPDX_REG_QWORD: {
        uint64_t u = 0;
        if (libregf_value_get_value_64bit(rv, &u, NULL) != 1) {
            walk_note(w, UPDX_NOTE_DAMAGED, "unreadable QWORD value under key %s", path);
            return false;
        }
        v->has_num = true;
        v->num = u;
        return true;
    }
    case UPDX_REG_MULTI_SZ: {
        libregf_multi_string_t *ms = NULL;
        int n = 0;
        if (libregf_value_get_value_multi_string(rv, &ms, NULL) != 1 ||
            libregf_multi_string_get_number_of_strings(ms, &n, NULL) != 1) {
            libregf_multi_string_free(&ms, NULL);
            walk_note(w, UPDX_NOTE_DAMAGED, "unreadable multi-string value under key %s", path);
            return false;
        }
        size_t used = 0, count = 0;
        for (int i = 0; i < n && count < UPDX_REG_MAX_MULTI; i++) {
            size_t ssz = 0;
            if (libregf_multi_string_get_utf8_string_size(ms, i, &ssz, NULL) != 1 || ssz == 0 ||
                ssz > HIVE_MULTI_BYTES - used)
                break;
            if (libregf_multi_string_get_utf8_string(ms, i, (uint8_t *)w->multi_buf + used, ssz,
                                                     NULL) != 1)
                break;
            w->multi_buf[used + ssz - 1] = '\0';
            w->multi_ptr[count++] = w->multi_buf + used;
            used += ssz;
        }
        libregf_multi_string_free(&ms, NULL);
        v->multi = w->multi_ptr;
        v->nmulti = count;
        return true;
    }
    default: {
        size_t dsz = 0;
        if (libregf_value_get_value_data_size(rv, &dsz, NULL) != 1)
            return true;  /* an empty value of an odd type: nothing to show */
        if (dsz == 0 || dsz > HIVE_MAX_BINARY_SHOWN) {
            snprintf(w->hexbuf, sizeof w->hexbuf, "(%zu bytes)", dsz);
            v->str = w->hexbuf;
            return true;
        }
        uint8_t bytes[HIVE_MAX_BINARY_SHOWN];
        if (libregf_value_get_value_data(rv, bytes, dsz, NULL) != 1)
            return true;
        for (size_t i = 0; i < dsz; i++)
            snprintf(w->hexbuf + 2 * i, 3, "%02x", bytes[i]);
        v->str = w->hexbuf;
        return true;
    }
    }
}

static void ingest_values(hive_walk *w, libregf_key_t *k, const char *path)
{
    int n = 0;
    if (libregf_key_get_number_of_values(k, &n, NULL) != 1) {
        walk_note(w, UPDX_NOTE_DAMAGED, "cannot list the values of key %s", path);
        return;
    }
    if (n > HIVE_MAX_VALUES) {
        walk_note(w, UPDX_NOTE_LIMIT, "key %s has more than 1024 values; the rest are skipped", path);
        n = HIVE_MAX_VALUES;
    }
    char name[HIVE_MAX_NAME];
    for (int i = 0; i < n; i++) {
        libregf_value_t *rv = NULL;
        if (libregf_key_get_value(k, i, &rv, NULL) != 1) {
            walk_note(w, UPDX_NOTE_DAMAGED, "unreadable value under key %s", path);
            continue;
        }
        updx_reg_value v;
        if (convert_value(w, rv, path, &v, name, sizeof name)) {
            off64_t cell = 0;
            v.line = 0;
            v.offset = libregf_value_get_offset(rv, &cell, NULL) == 1 && cell >= 0 ? (uint64_t)cell : UPDX_NO_OFFSET;
            updx_sys_ingest_value(w->c, w->member, w->kind, path, &v);
        }
        libregf_value_free(&rv, NULL);
    }
}

/* Values of k, then its subkeys down to max_depth more levels. path is k's path. */
static void walk(hive_walk *w, libregf_key_t *k, const char *path, unsigned depth, unsigned max_depth)
{
    if (over_budget(w))
        return;
    w->keys++;
    ingest_values(w, k, path);
    if (depth >= max_depth || depth >= HIVE_MAX_DEPTH)
        return;
    int n = 0;
    if (libregf_key_get_number_of_sub_keys(k, &n, NULL) != 1) {
        walk_note(w, UPDX_NOTE_DAMAGED, "cannot list the subkeys of key %s", path);
        return;
    }
    if (n > HIVE_MAX_SUBKEYS) {
        walk_note(w, UPDX_NOTE_LIMIT, "key %s has more than 50000 subkeys; the rest are skipped", path);
        n = HIVE_MAX_SUBKEYS;
    }
    size_t plen = strlen(path);
    char *sub_path = malloc(plen + HIVE_MAX_NAME + 2);
    if (!sub_path)
        return;
    for (int i = 0; i < n && !w->out_of_time; i++) {
        libregf_key_t *sk = NULL;
        size_t sz = 0;
        if (libregf_key_get_sub_key(k, i, &sk, NULL) != 1) {
            walk_note(w, UPDX_NOTE_DAMAGED, "unreadable subkey under key %s", path);
            continue;
        }
        memcpy(sub_path, path, plen);
        size_t at = plen;
        if (plen)
            sub_path[at++] = '\\';
        if (libregf_key_get_utf8_name_size(sk, &sz, NULL) != 1 || sz < 2 || sz > HIVE_MAX_NAME ||
            libregf_key_get_utf8_name(sk, (uint8_t *)sub_path + at, sz, NULL) != 1) {
            walk_note(w, UPDX_NOTE_DAMAGED, "subkey with an unreadable name under key %s", path);
            libregf_key_free(&sk, NULL);
            continue;
        }
        sub_path[at + sz - 1] = '\0';
        if (strchr(sub_path + at, '\\') == NULL)  /* a '\' in a name would fake a path */
            walk(w, sk, sub_path, depth + 1, max_depth);
        libregf_key_free(&sk, NULL);
    }
    free(sub_path);
}

/* Walks the key at `path` (below the root) if it exists. */
static void walk_path(hive_walk *w, libregf_file_t *f, const char *path, unsigned max_depth)
{
    libregf_key_t *k = NULL;
    int r = libregf_file_get_key_by_utf8_path(f, (const uint8_t *)path, strlen(path), &k, NULL);
    if (r == 1 && k)
        walk(w, k, path, 0, max_depth);
    else if (r < 0)
        walk_note(w, UPDX_NOTE_DAMAGED, "cannot open key %s", path);
    libregf_key_free(&k, NULL);
}

static bool has_path(libregf_file_t *f, const char *path)
{
    libregf_key_t *k = NULL;
    int r = libregf_file_get_key_by_utf8_path(f, (const uint8_t *)path, strlen(path), &k, NULL);
    libregf_key_free(&k, NULL);
    return r == 1;
}

static bool has_value(libregf_key_t *k, const char *name)
{
    libregf_value_t *v = NULL;
    int r = libregf_key_get_value_by_utf8_name(k, (const uint8_t *)name, strlen(name), &v, NULL);
    libregf_value_free(&v, NULL);
    return r == 1;
}

/* A hive saved from ...\Services: most of the root's first subkeys have Start and Type. */
static bool looks_like_services(libregf_file_t *f)
{
    libregf_key_t *root = NULL;
    if (libregf_file_get_root_key(f, &root, NULL) != 1)
        return false;
    int n = 0, with = 0, seen = 0;
    if (libregf_key_get_number_of_sub_keys(root, &n, NULL) == 1) {
        for (int i = 0; i < n && seen < 16; i++) {
            libregf_key_t *sk = NULL;
            if (libregf_key_get_sub_key(root, i, &sk, NULL) == 1) {
                seen++;
                with += has_value(sk, "Start") && has_value(sk, "Type");
            }
            libregf_key_free(&sk, NULL);
        }
    }
    libregf_key_free(&root, NULL);
    return seen > 0 && with * 2 > seen;
}

static uint32_t read_select_current(libregf_file_t *f)
{
    libregf_key_t *k = NULL;
    libregf_value_t *v = NULL;
    uint32_t cur = 0;
    if (libregf_file_get_key_by_utf8_path(f, (const uint8_t *)"Select", 6, &k, NULL) == 1 &&
        libregf_key_get_value_by_utf8_name(k, (const uint8_t *)"Current", 7, &v, NULL) == 1 &&
        libregf_value_get_value_32bit(v, &cur, NULL) == 1 && cur < 1000)
        ;
    else
        cur = 0;
    libregf_value_free(&v, NULL);
    libregf_key_free(&k, NULL);
    return cur;
}

static void read_system(hive_walk *w, libregf_file_t *f)
{
    walk_path(w, f, "Select", 0);
    uint32_t cur = read_select_current(f);
    if (!cur) {
        updx_note_add(&w->c->notes, UPDX_NOTE_WARNING, w->member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "the SYSTEM hive has no readable Select\\Current; ControlSet001 is used");
        cur = 1;
    }
    char cs[64];
    static const struct { const char *sub; unsigned depth; } parts[] = {
        {"Services", 1}, {"Control\\Class", 1}, {"Control\\Network", 3}};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++) {
        snprintf(cs, sizeof cs, "ControlSet%03u\\%s", (unsigned)cur, parts[i].sub);
        walk_path(w, f, cs, parts[i].depth);
    }
    walk_path(w, f, "Setup\\SetupDiag", 3);
    walk_path(w, f, "Setup\\MoSetup", 3);
}

static void read_software(hive_walk *w, libregf_file_t *f)
{
    walk_path(w, f, "Microsoft\\Windows NT\\CurrentVersion", 0);
    walk_path(w, f, "Microsoft\\Windows\\CurrentVersion\\Uninstall", 1);
    walk_path(w, f, "WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall", 1);
}

static void read_services(hive_walk *w, libregf_file_t *f)
{
    libregf_key_t *root = NULL;
    if (libregf_file_get_root_key(f, &root, NULL) == 1)
        walk(w, root, "", 0, 1);
    libregf_key_free(&root, NULL);
}

/* ---- structural check before libregf ----
 *
 * libregf 20201007 trusts some counts in the hive: a key whose value count is larger than
 * its values-list cell made it read past the cell and crash (fuzz_hive, seed
 * crash-libregf-values-list.hiv). So every cell is checked here first, and a hive that
 * fails is not handed to libregf at all. Offsets in cells are relative to the first hbin.
 */
enum { REGF_BASE = 4096, REGF_HBIN_HEADER = 32 };

typedef struct regf_cells {
    const uint8_t *bins;     /* first hbin */
    size_t size;             /* bytes of hbins */
    uint8_t *starts;         /* bitmap: an allocated cell starts at this offset / 8 */
} regf_cells;

static bool cell_at(const regf_cells *rc, uint32_t off, uint32_t *cell_size)
{
    if (off % 8 || off >= rc->size || !(rc->starts[off / 64] & (1u << (off / 8 % 8))))
        return false;
    int32_t sz = (int32_t)updx_le32(rc->bins + off);
    *cell_size = (uint32_t)-(int64_t)sz;
    return true;
}

/* A list cell referenced by an nk/vk must exist and hold `need` bytes past its size field. */
static bool list_fits(const regf_cells *rc, uint32_t off, uint64_t need)
{
    uint32_t sz;
    return cell_at(rc, off, &sz) && need + 4 <= sz;
}

static bool check_nk(const regf_cells *rc, const uint8_t *c, uint32_t sz)
{
    if (sz < 0x50)
        return false;
    uint32_t nsub = updx_le32(c + 0x18), sublist = updx_le32(c + 0x20);
    uint32_t nval = updx_le32(c + 0x28), vallist = updx_le32(c + 0x2C);
    uint16_t name_len = updx_le16(c + 0x4C);
    if ((uint64_t)0x50 + name_len > sz)
        return false;
    if (nval && !list_fits(rc, vallist, (uint64_t)nval * 4))
        return false;
    if (nsub) {
        uint32_t lsz;
        if (!cell_at(rc, sublist, &lsz) || lsz < 8)
            return false;
        const uint8_t *l = rc->bins + sublist;
        uint16_t count = updx_le16(l + 6);
        bool eight = (l[4] == 'l' && (l[5] == 'f' || l[5] == 'h'));
        bool four = (l[4] == 'l' && l[5] == 'i') || (l[4] == 'r' && l[5] == 'i');
        if (!eight && !four)
            return false;
        if ((uint64_t)8 + (uint64_t)count * (eight ? 8 : 4) > lsz)
            return false;
    }
    return true;
}

static bool check_vk(const regf_cells *rc, const uint8_t *c, uint32_t sz)
{
    if (sz < 0x18)
        return false;
    uint16_t name_len = updx_le16(c + 6);
    uint32_t dsize = updx_le32(c + 8), doff = updx_le32(c + 12);
    if ((uint64_t)0x18 + name_len > sz)
        return false;
    if (dsize & 0x80000000u)
        return true;  /* data stored in the offset field */
    if (dsize == 0)
        return true;
    uint32_t dsz;
    if (!cell_at(rc, doff, &dsz))
        return false;
    /* large values live in a 'db' big-data cell; others must fit their cell */
    if (dsz >= 8 && rc->bins[doff + 4] == 'd' && rc->bins[doff + 5] == 'b')
        return true;
    return (uint64_t)dsize + 4 <= dsz;
}

/* 0 when the hive's cells are consistent, else the file offset of the first bad one + 1. */
static uint64_t regf_precheck(const uint8_t *data, size_t len)
{
    if (len < REGF_BASE + REGF_HBIN_HEADER)
        return 1;
    size_t size = len - REGF_BASE;
    uint32_t declared = updx_le32(data + 0x28);
    if (declared && declared < size)
        size = declared;
    regf_cells rc = {data + REGF_BASE, size, calloc(size / 64 + 1, 1)};
    if (!rc.starts)
        return 1;
    uint64_t bad = 0;
    /* pass 1: walk hbins and cells, mark where allocated cells start */
    for (int pass = 0; pass < 2 && !bad; pass++) {
        size_t bin = 0;
        while (bin + REGF_HBIN_HEADER <= size && !bad) {
            const uint8_t *b = rc.bins + bin;
            uint32_t bsz = updx_le32(b + 8);
            if (memcmp(b, "hbin", 4) != 0 || bsz < 4096 || bsz % 4096 || bsz > size - bin) {
                bad = REGF_BASE + bin + 1;
                break;
            }
            for (size_t off = bin + REGF_HBIN_HEADER; off + 4 <= bin + bsz;) {
                int32_t raw = (int32_t)updx_le32(rc.bins + off);
                uint32_t csz = raw < 0 ? (uint32_t)-(int64_t)raw : (uint32_t)raw;
                if (csz < 8 || csz % 8 || csz > bin + bsz - off) {
                    bad = REGF_BASE + off + 1;
                    break;
                }
                if (raw < 0 && pass == 0) {
                    rc.starts[off / 64] |= (uint8_t)(1u << (off / 8 % 8));
                } else if (raw < 0) {
                    const uint8_t *c = rc.bins + off;
                    if ((c[4] == 'n' && c[5] == 'k' && !check_nk(&rc, c, csz)) ||
                        (c[4] == 'v' && c[5] == 'k' && !check_vk(&rc, c, csz)))
                        bad = REGF_BASE + off + 1;
                }
                off += csz;
                if (bad)
                    break;
            }
            bin += bsz;
        }
    }
    uint32_t root = updx_le32(data + 0x24), rsz;
    if (!bad && !cell_at(&rc, root, &rsz))
        bad = REGF_BASE + (uint64_t)root + 1;
    free(rc.starts);
    return bad;
}

int updx_hive_read(updx_case *c, const char *member, const uint8_t *data, size_t len)
{
    if (!c || !member || (!data && len))
        return UPDX_ERR_ARG;
    if (!updx_hive_sniff(data, len)) {
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, member, 0, UPDX_NO_LINE,
                      "not a registry hive (no regf signature)");
        return UPDX_ERR_FORMAT;
    }
    updx_sys_facts *facts = updx_sys_get(c);
    if (!facts)
        return UPDX_ERR_NOMEM;
    uint64_t bad = regf_precheck(data, len);
    if (bad) {
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, member, bad - 1, UPDX_NO_LINE,
                      "hive structure is inconsistent at this offset; not read (libregf could "
                      "crash on it)");
        return UPDX_ERR_FORMAT;
    }

    hive_walk w;
    memset(&w, 0, sizeof w);
    w.c = c;
    w.member = member;
    clock_gettime(CLOCK_MONOTONIC, &w.deadline);
    w.deadline.tv_sec += c->limits.max_seconds ? (time_t)c->limits.max_seconds : HIVE_MAX_SECONDS;
    w.str = malloc(UPDX_REG_MAX_STRING + 2);
    w.multi_buf = malloc(HIVE_MULTI_BYTES);
    libbfio_handle_t *io = NULL;
    libregf_file_t *f = NULL;
    uint8_t *clamped_copy = NULL;
    int rc = UPDX_OK;
    if (!w.str || !w.multi_buf) {
        rc = UPDX_ERR_NOMEM;
        goto done;
    }
    uint32_t clamped = 0;
    clamped_copy = clamp_value_counts(data, len, &clamped);
    if (clamped_copy) {
        data = clamped_copy;
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "%u keys claim more values than their value list holds; their counts "
                      "were cut to fit", clamped);
    }
    if (updx_membfio_open(&io, data, len) != 1 ||
        libregf_file_initialize(&f, NULL) != 1) {
        rc = UPDX_ERR_NOMEM;
        goto done;
    }
    if (libregf_file_open_file_io_handle(f, io, LIBREGF_OPEN_READ, NULL) != 1) {
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, member, 0, UPDX_NO_LINE,
                      "libregf cannot open the hive (damaged header or hive bins)");
        libregf_file_free(&f, NULL);
        rc = UPDX_ERR_FORMAT;
        goto done;
    }
    if (libregf_file_is_corrupted(f, NULL) == 1)
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "libregf reports the hive as corrupted; what could be read is kept");

    if (has_path(f, "Select") || has_path(f, "ControlSet001")) {
        w.kind = UPDX_HIVE_SYSTEM;
        read_system(&w, f);
    } else if (has_path(f, "Microsoft\\Windows NT\\CurrentVersion") ||
               has_path(f, "Microsoft\\Windows\\CurrentVersion")) {
        w.kind = UPDX_HIVE_SOFTWARE;
        read_software(&w, f);
    } else if (looks_like_services(f)) {
        w.kind = UPDX_HIVE_SERVICES;
        read_services(&w, f);
    } else {
        updx_note_add(&c->notes, UPDX_NOTE_INFO, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "hive is neither SYSTEM, SOFTWARE nor a Services key; not read further");
    }
    if (w.kind != UPDX_HIVE_UNKNOWN)
        facts->hives_read++;
    if (w.notes > HIVE_MAX_NOTES)
        updx_note_add(&c->notes, UPDX_NOTE_LIMIT, member, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "%u more problems in the hive were not listed", w.notes - HIVE_MAX_NOTES);
    rc = w.partial ? UPDX_PARTIAL : UPDX_OK;
    libregf_file_close(f, NULL);
    libregf_file_free(&f, NULL);
done:
    if (io)
        libbfio_handle_free(&io, NULL);
    free(clamped_copy); /* after the handle that reads it */
    free(w.str);
    free(w.multi_buf);
    return rc;
}
