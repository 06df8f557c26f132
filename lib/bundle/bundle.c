/*
 * bundle.c: the bundle walker (see bundle.h).
 *
 * Every member's bytes flow through one pipe: the raw source (a file, an archive entry
 * being decompressed, memory) -> a tee that hashes, counts and enforces the byte and ratio
 * limits -> a replay that first gives back the head already read for recognition. The
 * visitor reads from the replay; whatever it leaves is drained so the hash is complete.
 *
 * Archives are read with libarchive from callbacks, never extracted. A zip on disk or in
 * memory is seekable, so a damaged one can be resumed: when libarchive gives up, the walker
 * looks for the next local file header ("PK\3\4") after the failure and starts a streaming
 * zip reader there. Archives inside archives are buffered in memory when small enough
 * (zip and 7z need seeking), otherwise streamed.
 */
#include "bundle/bundle.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <iconv.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bundle/recognize.h"
#include "text/text.h"
#include "util/buf.h"
#include "util/sha256.h"
#include "util/strutil.h"

/* Blocks handed to libarchive and read from members. */
#define BUNDLE_BLOCK (64u * 1024u)
/* Nested zip/7z archives up to this size are read into memory so that they can be read
 * with seeking (7z needs it; a damaged zip can then be resumed). Larger ones are streamed.
 * With max_depth 4 this bounds buffering at 4 x 64 MiB. */
#define BUNDLE_NESTED_BUFFER_MAX (64u * 1024u * 1024u)
/* A manifest larger than this is not a collector manifest (100000 files take ~15 MiB). */
#define BUNDLE_MANIFEST_MAX (16u * 1024u * 1024u)
/* The expansion ratio is checked only once a member has expanded past this, so small
 * files that compress well (a log full of repeated lines) are never called bombs. */
#define BUNDLE_RATIO_FLOOR (1u * 1024u * 1024u)
/* Folder nesting followed on disk (a deeper tree is cut, with a note). */
#define BUNDLE_MAX_DIR_DEPTH 64
/* Longest member name kept; longer names are cut (with a note). */
#define BUNDLE_MAX_NAME 4096
/* Resynchronisations after damage in one zip: each moves forward, this bounds the work on
 * a file full of fake headers. */
#define BUNDLE_MAX_RESYNC 10000
/* Entries in one folder listed (a folder with more is cut, with a note). */
#define BUNDLE_MAX_DIR_ENTRIES 1000000

typedef struct walker {
    updx_case *c;
    updx_member_visitor visit;
    void *ud;
    uint64_t total;       /* expanded bytes read so far, all members */
    uint32_t count;       /* members listed, archives included */
    bool stop;            /* a bundle-wide limit was reached or the visitor said stop */
    bool partial;         /* something was damaged or cut */
    bool total_noted, count_noted, time_noted;
    int visit_rc;
    struct timespec start;
} walker;

/* ---- the pipe: raw source -> tee (hash, count, limits) -> replay (head first) -------- */

typedef struct member_tee {
    walker *w;
    updx_source *inner;
    const char *name;
    updx_sha256 *sha;
    uint64_t count;
    struct archive *a;    /* for the expansion ratio; NULL when not from an archive */
    int64_t raw_start;
    bool cut;             /* a limit stopped reading this member */
    bool failed;          /* the raw source failed */
} member_tee;

/* A limit note; the walk's result becomes partial. */
#define limit_note(w, name, ...)                                                          \
    do {                                                                                  \
        (w)->partial = true;                                                              \
        updx_note_add(&(w)->c->notes, UPDX_NOTE_LIMIT, name, UPDX_NO_OFFSET, UPDX_NO_LINE, \
                      __VA_ARGS__);                                                       \
    } while (0)

static bool out_of_time(walker *w);

static ptrdiff_t tee_read(void *ctx, void *buf, size_t n)
{
    member_tee *t = ctx;
    walker *w = t->w;
    if (t->cut || t->failed)
        return 0;
    /* the budget also cuts a member being read: one huge member must not outlast it */
    if (out_of_time(w)) {
        t->cut = true;
        limit_note(w, t->name, "the time budget ran out while this member was read; only its "
                   "first %" PRIu64 " bytes were analysed (--max-seconds)", t->count);
        return 0;
    }
    ptrdiff_t r = t->inner->read(t->inner->ctx, buf, n);
    if (r < 0) {
        t->failed = true;
        return r;
    }
    uint64_t got = (uint64_t)r;
    const updx_limits *L = &w->c->limits;
    if (L->max_member_bytes && t->count + got > L->max_member_bytes) {
        got = L->max_member_bytes - t->count;
        t->cut = true;
        limit_note(w, t->name, "member is larger than the per-member limit of %" PRIu64
                   " bytes; only its start was read (--max-member-bytes)", L->max_member_bytes);
    }
    if (L->max_total_bytes && w->total + got > L->max_total_bytes) {
        got = L->max_total_bytes - w->total;
        t->cut = true;
        w->stop = true;
        if (!w->total_noted)
            limit_note(w, t->name, "the bundle expands past the total limit of %" PRIu64
                       " bytes; reading stopped here (--max-total-bytes)", L->max_total_bytes);
        w->total_noted = true;
    }
    if (t->a && L->max_ratio && t->count + got > BUNDLE_RATIO_FLOOR) {
        int64_t raw = archive_filter_bytes(t->a, -1) - t->raw_start;
        uint64_t packed = raw > 0 ? (uint64_t)raw : 1;
        if ((t->count + got) / packed > L->max_ratio) {
            t->cut = true;
            limit_note(w, t->name, "member expands more than %" PRIu64 " times its compressed "
                       "size, like a zip bomb; reading stopped (--max-ratio)", (uint64_t)L->max_ratio);
        }
    }
    if (got)
        updx_sha256_update(t->sha, buf, (size_t)got);
    t->count += got;
    w->total += got;
    return (ptrdiff_t)got;
}

typedef struct replay {
    const uint8_t *head;
    size_t len, pos;
    updx_source *rest;
} replay;

static ptrdiff_t replay_read(void *ctx, void *buf, size_t n)
{
    replay *rp = ctx;
    if (rp->pos < rp->len) {
        size_t k = rp->len - rp->pos < n ? rp->len - rp->pos : n;
        memcpy(buf, rp->head + rp->pos, k);
        rp->pos += k;
        return (ptrdiff_t)k;
    }
    return rp->rest->read(rp->rest->ctx, buf, n);
}

/* ---- raw inputs given to libarchive ------------------------------------------------------ */

typedef struct raw_input {
    int fd;                 /* -1 when not a file */
    const uint8_t *mem;     /* or memory */
    uint64_t size;          /* of the file or memory */
    uint64_t base;          /* where this reader starts (after a resync) */
    uint64_t pos;           /* relative to base */
    updx_source *stream;    /* or a stream (not seekable) */
    bool add_trailer;       /* serve a fake end record after the end (see zip_trailer) */
    uint8_t buf[BUNDLE_BLOCK];
} raw_input;

static bool raw_seekable(const raw_input *in)
{
    return !in->stream;
}

/* An empty end-of-central-directory record. A zip whose central directory is gone ends
 * right after its last member; libarchive's streaming reader looks 24 bytes ahead after a
 * data descriptor and calls a file that ends there truncated. Serving this record after the
 * real end lets it finish the last member and stop cleanly; if the cut was inside a member
 * the record is just more damaged data and the member is reported damaged as it should. */
static const uint8_t zip_trailer[22] = {'P', 'K', 5, 6};

static la_ssize_t raw_read_cb(struct archive *a, void *ud, const void **out)
{
    raw_input *in = ud;
    if (!in->stream && in->add_trailer && in->base + in->pos >= in->size) {
        uint64_t t = in->base + in->pos - in->size;
        if (t >= sizeof zip_trailer)
            return 0;
        *out = zip_trailer + t;
        in->pos += sizeof zip_trailer - t;
        return (la_ssize_t)(sizeof zip_trailer - t);
    }
    if (in->stream) {
        ptrdiff_t r = in->stream->read(in->stream->ctx, in->buf, sizeof in->buf);
        if (r < 0) {
            archive_set_error(a, EIO, "read error in the enclosing member");
            return -1;
        }
        *out = in->buf;
        return r;
    }
    uint64_t left = in->size - in->base - in->pos;
    if (in->mem) {
        size_t k = left < BUNDLE_BLOCK ? (size_t)left : BUNDLE_BLOCK;
        *out = in->mem + in->base + in->pos;
        in->pos += k;
        return (la_ssize_t)k;
    }
    size_t want = left < sizeof in->buf ? (size_t)left : sizeof in->buf;
    ssize_t r;
    do
        r = pread(in->fd, in->buf, want, (off_t)(in->base + in->pos));
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        archive_set_error(a, errno, "read error");
        return -1;
    }
    in->pos += (uint64_t)r;
    *out = in->buf;
    return r;
}

static la_int64_t raw_seek_cb(struct archive *a, void *ud, la_int64_t offset, int whence)
{
    (void)a;
    raw_input *in = ud;
    int64_t span = (int64_t)(in->size - in->base);
    int64_t at = whence == SEEK_SET ? offset : whence == SEEK_CUR ? (int64_t)in->pos + offset
                                                                   : span + offset;
    if (at < 0 || at > span)
        return ARCHIVE_FATAL;
    in->pos = (uint64_t)at;
    return at;
}

static la_int64_t raw_skip_cb(struct archive *a, void *ud, la_int64_t request)
{
    (void)a;
    raw_input *in = ud;
    if (in->stream || request <= 0 || in->base + in->pos >= in->size)
        return 0;
    uint64_t left = in->size - in->base - in->pos;
    uint64_t k = (uint64_t)request < left ? (uint64_t)request : left;
    in->pos += k;
    return (la_int64_t)k;
}

/* Reads [off, off+n) of a seekable input into buf; returns the count. */
static size_t raw_pread(const raw_input *in, uint64_t off, uint8_t *buf, size_t n)
{
    if (off >= in->size)
        return 0;
    if (n > in->size - off)
        n = (size_t)(in->size - off);
    if (in->mem) {
        memcpy(buf, in->mem + off, n);
        return n;
    }
    ssize_t r;
    do
        r = pread(in->fd, buf, n, (off_t)off);
    while (r < 0 && errno == EINTR);
    return r > 0 ? (size_t)r : 0;
}

/* The absolute offset of the next "PK\3\4" at or after `from`, or UINT64_MAX. */
static uint64_t find_local_header(const raw_input *in, uint64_t from)
{
    uint8_t buf[BUNDLE_BLOCK];
    while (from < in->size) {
        size_t n = raw_pread(in, from, buf, sizeof buf);
        if (n < 4)
            return UINT64_MAX;
        for (size_t i = 0; i + 4 <= n; i++)
            if (buf[i] == 'P' && buf[i + 1] == 'K' && buf[i + 2] == 3 && buf[i + 3] == 4)
                return from + i;
        from += n - 3;
    }
    return UINT64_MAX;
}

/* True when the local file header at `off` names `name`. */
static bool local_header_named(const raw_input *in, uint64_t off, const char *name)
{
    uint8_t h[30 + 512];
    size_t n = raw_pread(in, off, h, sizeof h);
    if (n < 30)
        return false;
    size_t nl = (size_t)h[26] | (size_t)h[27] << 8;
    return nl == strlen(name) && 30 + nl <= n && memcmp(h + 30, name, nl) == 0;
}

/* True when the last 64 KiB + 22 bytes of a seekable zip hold an end-of-central-directory
 * record, i.e. the central directory can be found. */
static bool zip_has_eocd(const raw_input *in)
{
    uint8_t buf[65536 + 22];
    uint64_t from = in->size > sizeof buf ? in->size - sizeof buf : 0;
    size_t n = raw_pread(in, from, buf, sizeof buf);
    for (size_t i = n >= 22 ? n - 22 + 1 : 0; i-- > 0;)
        if (buf[i] == 'P' && buf[i + 1] == 'K' && buf[i + 2] == 5 && buf[i + 3] == 6)
            return true;
    return false;
}

/* ---- names -------------------------------------------------------------------------------- */

static bool is_device_name(const char *comp, size_t len)
{
    static const char *const devices[] = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"};
    size_t stem = 0;
    while (stem < len && comp[stem] != '.')
        stem++;
    while (stem > 0 && comp[stem - 1] == ' ')
        stem--;
    for (size_t i = 0; i < sizeof devices / sizeof devices[0]; i++)
        if (strlen(devices[i]) == stem && updx_strncasecmp(comp, devices[i], stem) == 0)
            return true;
    if (stem == 4 && (updx_strncasecmp(comp, "COM", 3) == 0 || updx_strncasecmp(comp, "LPT", 3) == 0) &&
        comp[3] >= '1' && comp[3] <= '9')
        return true;
    return false;
}

/* Bytes that are not UTF-8 (a zip written by Windows in the OEM code page) are decoded with
 * the code page they look like, or turned into '?'. Returns a malloc'd string. */
static char *name_to_utf8(const char *raw)
{
    size_t len = strlen(raw);
    if (updx_utf8_valid(raw, len))
        return strdup(raw);
    const char *cp = updx_codepage_guess(raw, len);
    iconv_t cd = iconv_open("UTF-8", cp ? cp : "CP437");
    size_t cap = len * 4 + 1;
    char *out = malloc(cap);
    if (!out) {
        if (cd != (iconv_t)-1)
            iconv_close(cd);
        return NULL;
    }
    if (cd != (iconv_t)-1) {
        char *in = (char *)raw, *o = out;
        size_t il = len, ol = cap - 1;
        size_t r = iconv(cd, &in, &il, &o, &ol);
        iconv_close(cd);
        if (r != (size_t)-1 && il == 0) {
            *o = '\0';
            if (updx_utf8_valid(out, (size_t)(o - out)))
                return out;
        }
    }
    for (size_t i = 0; i <= len; i++)
        out[i] = (unsigned char)raw[i] >= 0x80 ? '?' : raw[i];
    return out;
}

/* Builds prefix + a safe form of an archive entry's name in the arena, noting what was
 * unsafe about it. Nothing is ever written to disk; the safe form keeps reports and any
 * later extraction by a user out of trouble. */
static const char *member_name(walker *w, const char *prefix, const char *raw)
{
    updx_case *c = w->c;
    char *u = name_to_utf8(raw ? raw : "");
    if (!u)
        return NULL;
    updx_buf b;
    updx_buf_init(&b, BUNDLE_MAX_NAME + 1024);
    updx_buf_adds(&b, prefix);
    const char *problem = NULL;
    char *p = u;
    for (char *q = p; *q; q++)
        if (*q == '\\')
            *q = '/';
    if (p[0] && p[1] == ':' && ((p[0] | 32) >= 'a' && (p[0] | 32) <= 'z')) {
        problem = "a drive letter";
        p += 2;
    }
    if (*p == '/' && !problem)
        problem = "an absolute path";
    bool device = false, first = true;
    while (*p) {
        char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == 0 || (len == 1 && p[0] == '.')) {
            /* empty and "." parts are dropped */
        } else {
            if (!first)
                updx_buf_addc(&b, '/');
            first = false;
            if (len == 2 && p[0] == '.' && p[1] == '.') {
                problem = "a parent-directory part (..)";
                updx_buf_adds(&b, "__");
            } else {
                if (is_device_name(p, len))
                    device = true;
                for (size_t i = 0; i < len; i++) {
                    unsigned char ch = (unsigned char)p[i];
                    updx_buf_addc(&b, ch < 0x20 || ch == 0x7F ? '?' : (char)ch);
                }
            }
        }
        if (!end)
            break;
        p = end + 1;
    }
    if (first)
        updx_buf_adds(&b, "(unnamed)");
    if (b.len > BUNDLE_MAX_NAME) {
        b.len = BUNDLE_MAX_NAME;
        b.data[b.len] = '\0';
        problem = problem ? problem : "an over-long name";
    }
    const char *name = updx_arena_strdup(&c->arena, b.data ? b.data : prefix);
    if (problem)
        updx_note_add(&c->notes, UPDX_NOTE_WARNING, name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "archive entry name has %s; it is listed under this safe name and "
                      "never written to disk", problem);
    if (device)
        updx_note_add(&c->notes, UPDX_NOTE_WARNING, name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "archive entry name is a windows device name (con, nul, com1...); "
                      "it is only read, never written to disk");
    updx_buf_free(&b);
    free(u);
    return name;
}

/* ---- limits -------------------------------------------------------------------------------- */

static bool out_of_time(walker *w)
{
    uint32_t budget = w->c->limits.max_seconds;
    if (!budget || w->stop)
        return w->stop;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec - w->start.tv_sec >= (time_t)budget) {
        w->stop = true;
        if (!w->time_noted)
            limit_note(w, w->c->bundle_name, "the time budget of %" PRIu64 " seconds ran out; "
                       "the rest of the bundle was not read (--max-seconds)", (uint64_t)budget);
        w->time_noted = true;
    }
    return w->stop;
}

/* Claims a member slot; false (with a note, once) when the member cap is reached. */
static bool claim_member(walker *w, const char *name)
{
    if (w->c->limits.max_members && w->count >= w->c->limits.max_members) {
        w->stop = true;
        if (!w->count_noted)
            limit_note(w, name, "the bundle has more than %" PRIu64 " members; the rest "
                       "are not listed (--max-members)", (uint64_t)w->c->limits.max_members);
        w->count_noted = true;
        return false;
    }
    w->count++;
    return true;
}

/* ---- members --------------------------------------------------------------------------------- */

static int walk_archive(walker *w, raw_input *in, const char *container, const char *prefix,
                        uint32_t depth, const char *format);

/* Where an archive entry's data comes from and how it failed. */
typedef struct entry_src {
    struct archive *a;
    const char *error;   /* libarchive's message when reading failed (in the case's arena) */
    uint64_t error_at;   /* bytes of the member read before the failure */
    bool fatal;          /* the archive reader is unusable afterwards */
    uint64_t done;
} entry_src;

static ptrdiff_t entry_read(void *ctx, void *buf, size_t n)
{
    entry_src *es = ctx;
    if (es->error)
        return 0;
    la_ssize_t r = archive_read_data(es->a, buf, n);
    if (r >= 0) {
        es->done += (uint64_t)r;
        return (ptrdiff_t)r;
    }
    /* keep the message; ARCHIVE_WARN is a bad checksum after all data was delivered */
    const char *msg = archive_error_string(es->a);
    es->error = msg ? msg : "unreadable data";
    es->error_at = es->done;
    es->fatal = r == ARCHIVE_FATAL;
    return r == ARCHIVE_WARN ? 0 : UPDX_ERR_FORMAT;
}

static void drain(updx_source *s)
{
    uint8_t buf[BUNDLE_BLOCK];
    while (s->read(s->ctx, buf, sizeof buf) > 0) {
    }
}

/* Reads a source into a growing malloc'd buffer, up to max bytes. True when the source
 * ended (or failed) before max, i.e. the buffer holds everything there was. */
static bool read_whole(updx_source *s, size_t max, uint8_t **out, size_t *out_len)
{
    size_t cap = 0, len = 0;
    uint8_t *buf = NULL;
    for (;;) {
        if (len == cap) {
            if (cap >= max)
                break;
            size_t nc = cap ? cap * 2 : BUNDLE_BLOCK * 16;
            if (nc > max)
                nc = max;
            uint8_t *nb = realloc(buf, nc);
            if (!nb)
                break;
            buf = nb;
            cap = nc;
        }
        ptrdiff_t r = s->read(s->ctx, buf + len, cap - len);
        if (r <= 0) {
            *out = buf;
            *out_len = len;
            return true;
        }
        len += (size_t)r;
    }
    *out = buf;
    *out_len = len;
    return false;
}

static updx_member_info *member_at(walker *w, size_t idx)
{
    return (updx_member_info *)updx_avec_at(&w->c->members, idx);
}

static void mark_damaged(walker *w, size_t idx, uint64_t offset, const char *why)
{
    updx_member_info *m = member_at(w, idx);
    m->damaged = true;
    w->partial = true;
    updx_note_add(&w->c->notes, UPDX_NOTE_DAMAGED, m->name, offset, UPDX_NO_LINE, "%s", why);
}

/*
 * Lists one member whose bytes come from `raw` and hands it to the visitor, or opens it
 * when it is an archive. `es` is the archive entry source when there is one (its errors
 * are the member's damage), `a` the archive for the ratio limit.
 */
static int walk_member(walker *w, const char *name, uint32_t depth, updx_source *raw,
                       entry_src *es, int backing_fd)
{
    updx_case *c = w->c;
    if (!claim_member(w, name))
        return 0;
    updx_member_info *m = updx_avec_push(&c->members, &c->arena);
    if (!m) {
        w->stop = true;
        limit_note(w, name, "out of memory for the member list after %" PRIu64 " members",
                   (uint64_t)c->members.len);
        return 0;
    }
    size_t idx = c->members.len - 1;
    m->name = name;
    m->depth = depth;
    member_tee t = {.w = w, .inner = raw, .name = name, .sha = updx_sha256_new(),
             .a = es ? es->a : NULL, .raw_start = es ? archive_filter_bytes(es->a, -1) : 0};
    if (!t.sha)
        return UPDX_ERR_NOMEM;
    if (backing_fd >= 0)
        updx_sha256_backing_fd(t.sha, backing_fd);
    updx_source ts = {.read = tee_read, .ctx = &t};
    uint8_t *head = malloc(UPDX_RECOGNIZE_HEAD_BYTES);
    if (!head) {
        updx_sha256_finish(t.sha, m->sha256);
        return UPDX_ERR_NOMEM;
    }
    ptrdiff_t hl = updx_source_read_full(&ts, head, UPDX_RECOGNIZE_HEAD_BYTES);
    size_t head_len = hl > 0 ? (size_t)hl : 0;
    const char *detail = NULL;
    updx_kind kind = updx_recognize(name, head, head_len, &detail);
    m->kind = kind;
    m->detail = detail;
    updx_encoding_info enc = updx_encoding_sniff(head, head_len);
    if (kind == UPDX_KIND_KERNEL_DUMP || kind == UPDX_KIND_MINIDUMP || kind == UPDX_KIND_HIVE ||
        kind == UPDX_KIND_HIVE_LOG || kind == UPDX_KIND_EVTX || kind == UPDX_KIND_ARCHIVE)
        enc.encoding = UPDX_ENC_BINARY;
    char encbuf[48];
    m->encoding = updx_arena_strdup(&c->arena, updx_encoding_describe(enc, encbuf, sizeof encbuf));

    replay rp = {.head = head, .len = head_len, .rest = &ts};
    updx_source rs = {.read = replay_read, .ctx = &rp};
    int rc = 0;
    if (kind == UPDX_KIND_ARCHIVE) {
        if (c->limits.max_depth && depth + 1 > c->limits.max_depth) {
            limit_note(w, name, "archive nested deeper than %" PRIu64 " levels; its members "
                       "are not listed (--max-depth)", (uint64_t)c->limits.max_depth);
        } else {
            /* zip and 7z read best with seeking: buffer them when small */
            uint8_t *whole = NULL;
            size_t whole_len = 0;
            bool buffered = false;
            if (strcmp(detail, "zip") == 0 || strcmp(detail, "7z") == 0)
                buffered = read_whole(&rs, BUNDLE_NESTED_BUFFER_MAX, &whole, &whole_len);
            raw_input *in = calloc(1, sizeof *in);
            if (!in) {
                free(whole);
                rc = UPDX_ERR_NOMEM;
            } else {
                in->fd = -1;
                const char *prefix = updx_arena_printf(&c->arena, "%s/", name);
                if (buffered) {
                    in->mem = whole;
                    in->size = whole_len;
                } else if (whole_len) {
                    /* too big to buffer: stream what was read, then the rest */
                    rp.head = whole;
                    rp.len = whole_len;
                    rp.pos = 0;
                    in->stream = &rs;
                } else {
                    in->stream = &rs;
                }
                int ar = walk_archive(w, in, name, prefix ? prefix : name, depth + 1, detail);
                if (ar == UPDX_ERR_FORMAT || ar == UPDX_ERR_IO)
                    mark_damaged(w, idx, UPDX_NO_OFFSET, "archive could not be opened; "
                                 "none of its members could be read");
                else if (ar < 0)
                    rc = ar;
                free(in);
                free(whole);
            }
        }
    } else if (kind == UPDX_KIND_MANIFEST && !c->bundle) {
        uint8_t *buf = NULL;
        size_t len = 0;
        if (read_whole(&rs, BUNDLE_MANIFEST_MAX, &buf, &len))
            updx_bundle_parse_manifest(c, name, buf, len);
        else
            updx_note_add(&c->notes, UPDX_NOTE_WARNING, name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "manifest is larger than %u bytes and was not read", BUNDLE_MANIFEST_MAX);
        if (w->visit) {
            replay mr = {.head = buf, .len = len, .rest = &rs};
            updx_source msrc = {.read = replay_read, .ctx = &mr};
            rc = w->visit(w->ud, c, member_at(w, idx), head, head_len, &msrc);
        }
        free(buf);
    } else if (w->visit) {
        rc = w->visit(w->ud, c, member_at(w, idx), head, head_len, &rs);
    }
    drain(&ts);
    free(head);
    m = member_at(w, idx);
    m->size = t.count;
    updx_sha256_finish(t.sha, m->sha256);
    if (es && es->error) {
        const char *why = updx_arena_printf(&c->arena, "member data is damaged after byte %"
                                            PRIu64 ": %s", es->error_at, es->error);
        mark_damaged(w, idx, es->error_at, why ? why : "member data is damaged");
    } else if (t.failed && !(es && es->error)) {
        mark_damaged(w, idx, t.count, "read error: only the start of the member was read");
    }
    if (rc < 0) {
        w->stop = true;
        w->visit_rc = rc;
    }
    return rc < 0 ? rc : 0;
}

/* ---- archives --------------------------------------------------------------------------------- */

static struct archive *open_reader(raw_input *in, const char *format, bool zip_streaming_only)
{
    struct archive *a = archive_read_new();
    if (!a)
        return NULL;
    archive_read_support_filter_all(a);
    if (zip_streaming_only) {
        archive_read_support_format_zip_streamable(a);
    } else {
        archive_read_support_format_all(a);
        /* a lone compressed file (setupact.log.gz) is an archive of one member */
        if (format && (strcmp(format, "gzip") == 0 || strcmp(format, "xz") == 0 ||
                       strcmp(format, "bzip2") == 0 || strcmp(format, "zstd") == 0))
            archive_read_support_format_raw(a);
    }
    archive_read_set_callback_data(a, in);
    archive_read_set_read_callback(a, raw_read_cb);
    archive_read_set_skip_callback(a, raw_skip_cb);
    if (raw_seekable(in) && !zip_streaming_only)
        archive_read_set_seek_callback(a, raw_seek_cb);
    return a;
}

/* The member name of a raw (lone compressed file) entry: the container's name without its
 * compression suffix. */
static const char *raw_entry_name(walker *w, const char *container, const char *prefix)
{
    const char *base = updx_path_basename(container);
    size_t len = strlen(base);
    static const char *const suffixes[] = {".gz", ".xz", ".bz2", ".zst", ".tgz"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        size_t sl = strlen(suffixes[i]);
        if (len > sl && updx_str_ends_with_ci(base, suffixes[i])) {
            len -= sl;
            break;
        }
    }
    /* prefix already names the container in nested archives: "x.log.gz/" + "x.log" */
    return updx_arena_printf(&w->c->arena, "%s%.*s", prefix, (int)len, base);
}

typedef enum { READ_DONE, READ_BROKEN } read_end;

/* Reads entries until the end or until the reader breaks. *entries counts entries seen;
 * *broken_at gets the header position (relative to the reader's start) of the entry being
 * read when it broke. */
static read_end read_entries(walker *w, struct archive *a, const char *container,
                             const char *prefix, uint32_t depth, uint32_t *entries,
                             int64_t *broken_at, char *broken_name, size_t name_cap,
                             int *rc_out)
{
    updx_case *c = w->c;
    bool is_raw = archive_format(a) == ARCHIVE_FORMAT_RAW;
    for (;;) {
        if (out_of_time(w))
            return READ_DONE;
        struct archive_entry *e;
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            return READ_DONE;
        if (r == ARCHIVE_FATAL || r == ARCHIVE_RETRY) {
            *broken_at = archive_read_header_position(a);
            const char *msg = archive_error_string(a);
            w->partial = true;
            updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, container, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "archive is damaged after %" PRIu32 " entries: %s", *entries,
                          msg ? msg : "unreadable header");
            return READ_BROKEN;
        }
        is_raw = archive_format(a) == ARCHIVE_FORMAT_RAW;
        const char *raw = archive_entry_pathname_utf8(e);
        if (!raw)
            raw = archive_entry_pathname(e);
        const char *name = is_raw ? raw_entry_name(w, container, prefix)
                                  : member_name(w, prefix, raw);
        if (!name)
            return READ_DONE;
        (*entries)++;
        if (r == ARCHIVE_FAILED) {
            const char *msg = archive_error_string(a);
            w->partial = true;
            updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "entry header is damaged and the entry was skipped: %s",
                          msg ? msg : "unknown error");
            continue;
        }
        if (r == ARCHIVE_WARN) {
            const char *msg = archive_error_string(a);
            updx_note_add(&c->notes, UPDX_NOTE_WARNING, name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "entry header: %s", msg ? msg : "warning");
        }
        mode_t type = archive_entry_filetype(e);
        if (type == AE_IFDIR)
            continue;
        if (type == AE_IFLNK) {
            const char *target = archive_entry_symlink_utf8(e);
            if (!target)
                target = archive_entry_symlink(e);
            char *safe = name_to_utf8(target ? target : "");
            updx_note_add(&c->notes, UPDX_NOTE_WARNING, name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "symbolic link entry (to '%s') is not followed", safe ? safe : "?");
            free(safe);
            continue;
        }
        if (archive_entry_hardlink(e) && (!archive_entry_size_is_set(e) || archive_entry_size(e) == 0)) {
            updx_note_add(&c->notes, UPDX_NOTE_WARNING, name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "%s", "hard link entry is not followed");
            continue;
        }
        if (type != AE_IFREG && type != 0) {
            updx_note_add(&c->notes, UPDX_NOTE_WARNING, name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "%s", "special file entry (device, fifo or socket) skipped");
            continue;
        }
        int64_t header_pos = archive_read_header_position(a);
        entry_src es = {.a = a};
        updx_source src = {.read = entry_read, .ctx = &es};
        int rc = walk_member(w, name, depth, &src, &es, -1);
        if (rc < 0) {
            *rc_out = rc;
            return READ_DONE;
        }
        if (w->stop)
            return READ_DONE;
        if (es.fatal) {
            *broken_at = header_pos;
            snprintf(broken_name, name_cap, "%s", raw ? raw : "");
            return READ_BROKEN;
        }
    }
}

/*
 * Walks the archive `in` holds. container names it in notes; prefix goes before member
 * names; format is what recognition saw ("zip", "7z", "gzip"...). Returns 0, a negative
 * visitor status, or UPDX_ERR_FORMAT when not a single entry could be read.
 */
static int walk_archive(walker *w, raw_input *in, const char *container, const char *prefix,
                        uint32_t depth, const char *format)
{
    updx_case *c = w->c;
    bool is_zip = format && strcmp(format, "zip") == 0;
    if (is_zip && raw_seekable(in) && !zip_has_eocd(in)) {
        in->add_trailer = true; /* read only with the streaming reader, see zip_trailer */
        w->partial = true;
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, container, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "%s", "the zip's central directory is missing (the file was cut short "
                      "or damaged); members were read one by one from their local headers");
    }
    uint32_t entries = 0, total_entries = 0, resyncs = 0;
    bool streaming_only = in->add_trailer, broke = false;
    char broken_name[512];
    int rc = 0;
    for (;;) {
        struct archive *a = open_reader(in, format, streaming_only);
        if (!a)
            return UPDX_ERR_NOMEM;
        int64_t broken_at = -1;
        read_end end = READ_BROKEN;
        entries = 0;
        if (archive_read_open1(a) != ARCHIVE_OK) {
            const char *msg = archive_error_string(a);
            w->partial = true;
            updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, container, in->base, UPDX_NO_LINE,
                          "archive cannot be opened: %s", msg ? msg : "unknown format");
        } else {
            broken_name[0] = '\0';
            end = read_entries(w, a, container, prefix, depth, &entries, &broken_at,
                               broken_name, sizeof broken_name, &rc);
        }
        total_entries += entries;
        archive_read_free(a);
        if (end == READ_BROKEN)
            broke = true;
        if (end == READ_DONE || rc < 0 || w->stop)
            break;
        /* resume a damaged zip at the next local header after the failure */
        if (!is_zip || !raw_seekable(in) || ++resyncs > BUNDLE_MAX_RESYNC)
            break;
        uint64_t from;
        if (!streaming_only && entries == 0) {
            from = in->base; /* the central directory failed: read from the start */
        } else {
            uint64_t failed = in->base + (broken_at > 0 ? (uint64_t)broken_at : 0);
            from = find_local_header(in, failed + 4);
            /* the reported position may lie before the broken member's own header: do
             * not read that member again */
            if (from != UINT64_MAX && broken_name[0] && local_header_named(in, from, broken_name))
                from = find_local_header(in, from + 4);
            if (from == UINT64_MAX)
                break;
            updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, container, failed, UPDX_NO_LINE,
                          "damaged region from byte %" PRIu64 " skipped; reading resumed at the "
                          "next member header, byte %" PRIu64, failed, from);
        }
        streaming_only = true;
        in->base = from;
        in->pos = 0;
    }
    if (rc < 0)
        return rc;
    return total_entries == 0 && broke ? UPDX_ERR_FORMAT : 0;
}

/* ---- files and folders ------------------------------------------------------------------------- */

/* SHA-256 and size of a whole file, for archives read with seeking. */
static void hash_file(walker *w, int fd, updx_member_info *m)
{
    updx_sha256 *h = updx_sha256_new();
    if (!h)
        return;
    uint8_t buf[BUNDLE_BLOCK];
    uint64_t off = 0;
    ssize_t r;
    while ((r = pread(fd, buf, sizeof buf, (off_t)off)) > 0) {
        updx_sha256_update(h, buf, (size_t)r);
        off += (uint64_t)r;
    }
    updx_sha256_finish(h, m->sha256);
    m->size = off;
    w->total += off;
}

/*
 * One file on disk: an archive is opened in place (seekable, so damaged zips can be
 * resumed); anything else is a member. `name` is its member name, or NULL for the bundle
 * itself given as one archive (its members then are the top level).
 */
static int walk_file(walker *w, int fd, const char *name, uint32_t depth, bool is_bundle)
{
    updx_case *c = w->c;
    struct stat st;
    if (fstat(fd, &st) != 0)
        return UPDX_ERR_IO;
    uint8_t head[512];
    ssize_t hl = pread(fd, head, sizeof head, 0);
    const char *detail = NULL;
    updx_kind kind = hl > 0 ? updx_recognize(name, head, (size_t)hl, &detail) : UPDX_KIND_UNKNOWN;
    if (kind == UPDX_KIND_ARCHIVE) {
        raw_input *in = calloc(1, sizeof *in);
        if (!in)
            return UPDX_ERR_NOMEM;
        in->fd = fd;
        in->size = (uint64_t)st.st_size;
        const char *prefix = "";
        size_t idx = SIZE_MAX;
        if (!is_bundle) {
            if (!claim_member(w, name)) {
                free(in);
                return 0;
            }
            updx_member_info *m = updx_avec_push(&c->members, &c->arena);
            if (!m) {
                free(in);
                return 0;
            }
            idx = c->members.len - 1;
            m->name = name;
            m->kind = kind;
            m->detail = detail;
            m->depth = depth;
            m->encoding = "binary";
            hash_file(w, fd, m);
            prefix = updx_arena_printf(&c->arena, "%s/", name);
            if (c->limits.max_depth && depth + 1 > c->limits.max_depth) {
                limit_note(w, name, "archive nested deeper than %" PRIu64 " levels; its "
                           "members are not listed (--max-depth)", (uint64_t)c->limits.max_depth);
                free(in);
                return 0;
            }
        }
        int rc = walk_archive(w, in, is_bundle ? c->bundle_name : name, prefix ? prefix : "",
                              is_bundle ? depth : depth + 1, detail);
        free(in);
        if ((rc == UPDX_ERR_FORMAT || rc == UPDX_ERR_IO) && idx != SIZE_MAX) {
            mark_damaged(w, idx, UPDX_NO_OFFSET, "archive could not be opened; none of "
                         "its members could be read");
            return 0;
        }
        return rc;
    }
    if (is_bundle)
        name = updx_arena_strdup(&c->arena, updx_path_basename(name));
    updx_source raw = updx_source_fd(&fd);
    /* a regular file read from its start: the hash thread can read it itself */
    bool from_start = S_ISREG(st.st_mode) && lseek(fd, 0, SEEK_CUR) == 0;
    return walk_member(w, name, depth, &raw, NULL, from_start ? fd : -1);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A folder, recursively, in byte order of names (the same listing on every machine). */
static int walk_dir(walker *w, int dirfd_, const char *rel, uint32_t level)
{
    updx_case *c = w->c;
    DIR *d = fdopendir(dirfd_);
    if (!d) {
        close(dirfd_);
        return UPDX_ERR_IO;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    bool cut = false;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n >= BUNDLE_MAX_DIR_ENTRIES) {
            cut = true;
            break;
        }
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **nn = realloc(names, nc * sizeof *names);
            if (!nn)
                break;
            names = nn;
            cap = nc;
        }
        names[n] = strdup(e->d_name);
        if (names[n])
            n++;
    }
    if (cut)
        limit_note(w, rel[0] ? rel : c->bundle_name, "folder has more than %" PRIu64
                   " entries; the rest are not listed", (uint64_t)BUNDLE_MAX_DIR_ENTRIES);
    if (n)
        qsort(names, n, sizeof *names, cmp_names);
    int rc = 0;
    for (size_t i = 0; i < n && rc >= 0 && !out_of_time(w); i++) {
        char *u = name_to_utf8(names[i]);
        const char *name = updx_arena_printf(&c->arena, "%s%s%s", rel, rel[0] ? "/" : "",
                                             u ? u : "?");
        free(u);
        if (!name)
            break;
        struct stat st;
        if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) != 0) {
            w->partial = true;
            updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "cannot be read: %s", strerror(errno));
            continue;
        }
        if (S_ISLNK(st.st_mode)) {
            updx_note_add(&c->notes, UPDX_NOTE_WARNING, name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "%s", "symbolic link is not followed");
        } else if (S_ISDIR(st.st_mode)) {
            if (level + 1 >= BUNDLE_MAX_DIR_DEPTH) {
                limit_note(w, name, "folder nesting deeper than %" PRIu64 " levels is not "
                           "read", (uint64_t)BUNDLE_MAX_DIR_DEPTH);
                continue;
            }
            int sub = openat(dirfd(d), names[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
                w->partial = true;
                updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                              "folder cannot be opened: %s", strerror(errno));
                continue;
            }
            rc = walk_dir(w, sub, name, level + 1);
            if (rc > 0 || rc == UPDX_ERR_IO)
                rc = 0;
        } else if (S_ISREG(st.st_mode)) {
            int fd = openat(dirfd(d), names[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) {
                w->partial = true;
                updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                              "cannot be opened: %s", strerror(errno));
                continue;
            }
            rc = walk_file(w, fd, name, 0, false);
            close(fd);
            if (rc == UPDX_ERR_FORMAT || rc == UPDX_ERR_IO)
                rc = 0;
        } else {
            updx_note_add(&c->notes, UPDX_NOTE_WARNING, name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "%s", "special file (device, fifo or socket) skipped");
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

/* ---- entry points ---------------------------------------------------------------------------- */

static void walker_init(walker *w, updx_case *c, updx_member_visitor visit, void *ud)
{
    memset(w, 0, sizeof *w);
    w->c = c;
    w->visit = visit;
    w->ud = ud;
    clock_gettime(CLOCK_MONOTONIC, &w->start);
}

static int walker_finish(walker *w, int rc)
{
    updx_case *c = w->c;
    if (c->bundle)
        updx_bundle_check_manifest(c);
    if (w->visit_rc < 0)
        return w->visit_rc;
    if (rc < 0 && rc != UPDX_ERR_FORMAT && rc != UPDX_ERR_IO)
        return rc;
    if (c->members.len == 0 && (rc < 0 || w->partial))
        return rc < 0 ? rc : UPDX_ERR_FORMAT;
    if (updx_notes_count(&c->notes, UPDX_NOTE_DAMAGED) || updx_notes_count(&c->notes, UPDX_NOTE_LIMIT))
        w->partial = true;
    return w->partial ? UPDX_PARTIAL : UPDX_OK;
}

int updx_bundle_walk(updx_case *c, const char *path, updx_member_visitor visit, void *ud)
{
    if (!c || !path)
        return UPDX_ERR_ARG;
    walker w;
    walker_init(&w, c, visit, ud);
    struct stat st;
    if (lstat(path, &st) != 0) {
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, path, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "cannot be read: %s", strerror(errno));
        return UPDX_ERR_IO;
    }
    int rc;
    if (S_ISDIR(st.st_mode)) {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
            updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, path, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "folder cannot be opened: %s", strerror(errno));
            return UPDX_ERR_IO;
        }
        rc = walk_dir(&w, fd, "", 0);
    } else {
        /* the bundle itself may be given through a symlink: that one is followed */
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, path, UPDX_NO_OFFSET, UPDX_NO_LINE,
                          "cannot be opened: %s", strerror(errno));
            return UPDX_ERR_IO;
        }
        rc = walk_file(&w, fd, path, 0, true);
        close(fd);
    }
    return walker_finish(&w, rc);
}

int updx_bundle_walk_mem(updx_case *c, const char *name, const void *data, size_t len,
                         updx_member_visitor visit, void *ud)
{
    if (!c || (!data && len))
        return UPDX_ERR_ARG;
    if (!name)
        name = "bundle";
    walker w;
    walker_init(&w, c, visit, ud);
    const char *detail = NULL;
    updx_kind kind = updx_recognize(name, data, len < 512 ? len : 512, &detail);
    int rc;
    if (kind == UPDX_KIND_ARCHIVE) {
        raw_input *in = calloc(1, sizeof *in);
        if (!in)
            return UPDX_ERR_NOMEM;
        in->fd = -1;
        in->mem = data;
        in->size = len;
        rc = walk_archive(&w, in, c->bundle_name[0] ? c->bundle_name : name, "", 0, detail);
        free(in);
    } else {
        updx_mem_source ms;
        updx_source src = updx_source_mem(&ms, data, len);
        rc = walk_member(&w, updx_arena_strdup(&c->arena, updx_path_basename(name)), 0, &src, NULL,
                         -1);
    }
    return walker_finish(&w, rc);
}
