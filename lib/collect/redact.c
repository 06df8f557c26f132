/*
 * redact.c: see redact.h. Scans text left to right; at every word start it tries, in order,
 * a SID, a MAC address, an IPv4 address, an IPv6 address and the known names (longest
 * first). Secrets and their placeholders live in a small hash table.
 */
#include "collect/redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct secret {
    char *key;         /* kind letter + normalised text */
    char *placeholder;
    updx_redact_kind kind;
} secret;

typedef struct name_entry {
    char *name;        /* lowercased */
    size_t len;
    size_t secret;     /* index into secrets */
} name_entry;

struct updx_redactor {
    secret *secrets;
    size_t nsecrets, capsecrets;
    size_t *table;     /* open addressing: index+1 into secrets, 0 = free */
    size_t tablecap;
    name_entry *names; /* sorted by length, longest first */
    size_t nnames, capnames;
    bool first_char[256];
    size_t distinct[UPDX_REDACT_KINDS];
    uint64_t replaced[UPDX_REDACT_KINDS];
};

/* growing output */
typedef struct out_buf {
    char *data;
    size_t len, cap;
    bool failed;
} out_buf;

static void out_put(out_buf *o, const char *s, size_t n)
{
    if (o->failed)
        return;
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 256;
        while (cap < o->len + n + 1)
            cap *= 2;
        char *d = realloc(o->data, cap);
        if (!d) {
            o->failed = true;
            return;
        }
        o->data = d;
        o->cap = cap;
    }
    memcpy(o->data + o->len, s, n);
    o->len += n;
    o->data[o->len] = '\0';
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_word(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static const char *const kind_names[UPDX_REDACT_KINDS] = {
    "user", "computer", "domain", "ipv4", "ipv6", "mac", "sid",
};

const char *updx_redact_kind_name(updx_redact_kind k)
{
    return (unsigned)k < UPDX_REDACT_KINDS ? kind_names[k] : "?";
}

updx_redactor *updx_redactor_new(void)
{
    return calloc(1, sizeof(updx_redactor));
}

void updx_redactor_free(updx_redactor *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nsecrets; i++) {
        free(r->secrets[i].key);
        free(r->secrets[i].placeholder);
    }
    for (size_t i = 0; i < r->nnames; i++)
        free(r->names[i].name);
    free(r->secrets);
    free(r->table);
    free(r->names);
    free(r);
}

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static bool table_grow(updx_redactor *r)
{
    size_t cap = r->tablecap ? r->tablecap * 2 : 64;
    size_t *t = calloc(cap, sizeof *t);
    if (!t)
        return false;
    for (size_t i = 0; i < r->nsecrets; i++) {
        size_t slot = (size_t)(hash_key(r->secrets[i].key) & (cap - 1));
        while (t[slot])
            slot = (slot + 1) & (cap - 1);
        t[slot] = i + 1;
    }
    free(r->table);
    r->table = t;
    r->tablecap = cap;
    return true;
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

static void make_placeholder(updx_redact_kind kind, size_t k, const char *sep, char *buf,
                             size_t len)
{
    switch (kind) {
    case UPDX_REDACT_USER:
        snprintf(buf, len, "USER%zu", k + 1);
        break;
    case UPDX_REDACT_COMPUTER:
        snprintf(buf, len, "COMPUTER%zu", k + 1);
        break;
    case UPDX_REDACT_DOMAIN:
        snprintf(buf, len, "DOMAIN%zu", k + 1);
        break;
    case UPDX_REDACT_IPV4:
        /* the three documentation networks of RFC 5737, then a plain token */
        if (k < 254)
            snprintf(buf, len, "192.0.2.%zu", k + 1);
        else if (k < 508)
            snprintf(buf, len, "198.51.100.%zu", k - 253);
        else if (k < 762)
            snprintf(buf, len, "203.0.113.%zu", k - 507);
        else
            snprintf(buf, len, "IPV4-%zu", k + 1);
        break;
    case UPDX_REDACT_IPV6:
        snprintf(buf, len, "2001:db8::%zx", k + 1);
        break;
    case UPDX_REDACT_MAC:
        /* RFC 7042 documentation range 00-00-5E-00-53-xx, then 00-00-5E-00-54.. */
        snprintf(buf, len, "00%s00%s5E%s00%s%02zX%s%02zX", sep, sep, sep, sep,
                 (size_t)0x53 + ((k + 1) >> 8), sep, (k + 1) & 0xff);
        break;
    case UPDX_REDACT_SID:
        snprintf(buf, len, "S-1-5-21-0-0-%zu", k + 1);
        break;
    default:
        snprintf(buf, len, "REDACTED");
        break;
    }
}

/* Finds or adds a secret; returns its index or (size_t)-1. */
static size_t secret_for(updx_redactor *r, updx_redact_kind kind, const char *norm)
{
    size_t klen = strlen(norm) + 2;
    char stackkey[300];
    char *key = klen <= sizeof stackkey ? stackkey : malloc(klen);
    if (!key)
        return (size_t)-1;
    key[0] = (char)('a' + kind);
    memcpy(key + 1, norm, klen - 1);
    size_t found = (size_t)-1;
    if (r->tablecap) {
        size_t slot = (size_t)(hash_key(key) & (r->tablecap - 1));
        while (r->table[slot]) {
            if (strcmp(r->secrets[r->table[slot] - 1].key, key) == 0) {
                found = r->table[slot] - 1;
                break;
            }
            slot = (slot + 1) & (r->tablecap - 1);
        }
    }
    if (found == (size_t)-1 && r->nsecrets < UPDX_REDACT_MAX_SECRETS) {
        if ((r->nsecrets + 1) * 2 > r->tablecap && !table_grow(r))
            goto out;
        if (r->nsecrets == r->capsecrets) {
            size_t cap = r->capsecrets ? r->capsecrets * 2 : 32;
            secret *s = realloc(r->secrets, cap * sizeof *s);
            if (!s)
                goto out;
            r->secrets = s;
            r->capsecrets = cap;
        }
        char ph[64];
        make_placeholder(kind, r->distinct[kind], "-", ph, sizeof ph);
        secret *s = &r->secrets[r->nsecrets];
        s->key = dup_n(key, klen - 1);
        s->placeholder = dup_n(ph, strlen(ph));
        s->kind = kind;
        if (!s->key || !s->placeholder) {
            free(s->key);
            free(s->placeholder);
            goto out;
        }
        size_t slot = (size_t)(hash_key(key) & (r->tablecap - 1));
        while (r->table[slot])
            slot = (slot + 1) & (r->tablecap - 1);
        r->table[slot] = r->nsecrets + 1;
        found = r->nsecrets++;
        r->distinct[kind]++;
    }
out:
    if (key != stackkey)
        free(key);
    return found;
}

/* Account and folder names that are the same on every Windows and reveal nothing. */
static const char *const builtin_names[] = {
    "public", "default", "default user", "all users", "administrator", "administrators",
    "guest", "system", "localsystem", "local service", "network service", "localservice",
    "networkservice", "defaultapppool", "wdagutilityaccount", "defaultaccount", "users",
    "workgroup", "localhost", "windows", "microsoft", "null", "none", "unknown",
    "default.migrated", "temp", "appdata", "desktop", "documents", NULL,
};

static bool is_placeholder_name(const char *s)
{
    static const char *const prefixes[] = {"user", "computer", "domain", NULL};
    for (int i = 0; prefixes[i]; i++) {
        size_t n = strlen(prefixes[i]);
        size_t j = 0;
        while (j < n && lower(s[j]) == prefixes[i][j])
            j++;
        if (j < n || !s[j])
            continue;
        while (is_digit(s[j]))
            j++;
        if (!s[j])
            return true;
    }
    return false;
}

bool updx_redactor_add_name(updx_redactor *r, updx_redact_kind kind, const char *name)
{
    if (!r || !name || kind > UPDX_REDACT_DOMAIN)
        return false;
    size_t n = strlen(name);
    while (n && (name[n - 1] == ' ' || name[n - 1] == '.'))
        n--;
    while (n && name[0] == ' ') {
        name++;
        n--;
    }
    if (n < UPDX_REDACT_MIN_NAME || n > UPDX_REDACT_MAX_NAME)
        return false;
    char low[UPDX_REDACT_MAX_NAME + 1];
    for (size_t i = 0; i < n; i++)
        low[i] = lower(name[i]);
    low[n] = '\0';
    for (int i = 0; builtin_names[i]; i++)
        if (strcmp(low, builtin_names[i]) == 0)
            return false;
    if (is_placeholder_name(low) || strncmp(low, "defaultuser", 11) == 0)
        return false;
    /* a digits-only name would replace numbers everywhere */
    size_t digits = 0;
    for (size_t i = 0; i < n; i++)
        digits += is_digit(low[i]);
    if (digits == n)
        return false;
    for (size_t i = 0; i < r->nnames; i++)
        if (strcmp(r->names[i].name, low) == 0)
            return true;
    size_t s = secret_for(r, kind, low);
    if (s == (size_t)-1)
        return false;
    if (r->nnames == r->capnames) {
        size_t cap = r->capnames ? r->capnames * 2 : 16;
        name_entry *e = realloc(r->names, cap * sizeof *e);
        if (!e)
            return false;
        r->names = e;
        r->capnames = cap;
    }
    char *copy = dup_n(low, n);
    if (!copy)
        return false;
    size_t at = 0;
    while (at < r->nnames && r->names[at].len >= n)
        at++;
    memmove(&r->names[at + 1], &r->names[at], (r->nnames - at) * sizeof *r->names);
    r->names[at] = (name_entry){copy, n, s};
    r->nnames++;
    r->first_char[(unsigned char)low[0]] = true;
    if (low[0] >= 'a' && low[0] <= 'z')
        r->first_char[(unsigned char)(low[0] - 32)] = true;
    return true;
}

void updx_redactor_learn(updx_redactor *r, const char *text, size_t len)
{
    static const char marker[] = "users";
    for (size_t i = 0; i + 7 < len; i++) {
        if (text[i] != '\\' && text[i] != '/')
            continue;
        size_t j = 0;
        while (j < 5 && lower(text[i + 1 + j]) == marker[j])
            j++;
        if (j < 5 || (text[i + 6] != '\\' && text[i + 6] != '/'))
            continue;
        size_t start = i + 7, end = start;
        while (end < len && end - start <= UPDX_REDACT_MAX_NAME && text[end] != '\\' &&
               text[end] != '/' && text[end] != '"' && text[end] != '\r' && text[end] != '\n' &&
               text[end] != ':' && text[end] != '<' && text[end] != '>' && text[end] != '|' &&
               text[end] != '*' && text[end] != '?' && text[end] != '\0' && text[end] != '\'' &&
               text[end] != ',' && text[end] != ';')
            end++;
        /* only a complete path component: "\Users\NAME\" */
        if (end < len && (text[end] == '\\' || text[end] == '/') && end > start) {
            char name[UPDX_REDACT_MAX_NAME + 1];
            size_t n = end - start;
            if (n <= UPDX_REDACT_MAX_NAME) {
                memcpy(name, text + start, n);
                name[n] = '\0';
                updx_redactor_add_name(r, UPDX_REDACT_USER, name);
            }
        }
        i = end > i ? end - 1 : i;
    }
}

/* ---- detectors: each returns the match length at p (0 = none) and the normalised key ---- */

static size_t match_sid(const char *p, size_t n, char *norm, size_t normlen, size_t *rid_at)
{
    if (n < 12 || lower(p[0]) != 's' || strncmp(p + 1, "-1-5-21-", 8) != 0)
        return 0;
    size_t i = 9, parts = 0, part_end[4] = {0};
    while (parts < 4) {
        size_t d = i;
        while (i < n && is_digit(p[i]) && i - d < 10)
            i++;
        if (i == d)
            break;
        part_end[parts++] = i;
        if (i < n && p[i] == '-' && i + 1 < n && is_digit(p[i + 1]) && parts < 4)
            i++;
        else
            break;
    }
    if (parts < 3 || (i < n && (is_word(p[i]))))
        return 0;
    size_t dom_len = part_end[2] - 9;
    if (dom_len + 1 > normlen)
        return 0;
    memcpy(norm, p + 9, dom_len);
    norm[dom_len] = '\0';
    if (strncmp(norm, "0-0-", 4) == 0) /* our own placeholder */
        return 0;
    *rid_at = parts == 4 ? part_end[2] : 0;
    return i;
}

static size_t match_mac(const char *p, size_t n, char *norm, char *sep)
{
    if (n < 17)
        return 0;
    char s = p[2];
    if (s != '-' && s != ':')
        return 0;
    for (int g = 0; g < 6; g++) {
        if (!is_hex(p[3 * g]) || !is_hex(p[3 * g + 1]))
            return 0;
        if (g < 5 && p[3 * g + 2] != s)
            return 0;
    }
    if (n > 17 && (is_word(p[17]) || (p[17] == s && n > 18 && is_hex(p[18]))))
        return 0;
    for (int i = 0; i < 17; i++)
        norm[i] = s == p[i] ? ':' : lower(p[i]);
    norm[17] = '\0';
    if (strcmp(norm, "00:00:00:00:00:00") == 0 || strcmp(norm, "ff:ff:ff:ff:ff:ff") == 0 ||
        strncmp(norm, "00:00:5e:00:5", 13) == 0)
        return 0;
    sep[0] = s;
    sep[1] = '\0';
    return 17;
}

/* A dotted quad in a version context ("Version 1.2.3.4", "DriverVer = date,1.2.3.4"). */
static bool version_context(const char *start, const char *p)
{
    const char *q = p;
    while (q > start && (q[-1] == ' ' || q[-1] == '=' || q[-1] == ':' || q[-1] == '"' ||
                         q[-1] == '\t'))
        q--;
    if (q > start && q[-1] == ',')
        return true;
    size_t w = 0;
    while (q - w > start && is_word(q[-1 - (long)w]) && w < 16)
        w++;
    char word[17];
    for (size_t i = 0; i < w; i++)
        word[i] = lower(q[-(long)w + (long)i]);
    word[w] = '\0';
    return strstr(word, "ver") != NULL || strcmp(word, "v") == 0 || strstr(word, "build") != NULL;
}

static size_t match_ipv4(const char *start, const char *p, size_t n, char *norm, size_t normlen)
{
    unsigned oct[4];
    size_t i = 0;
    for (int k = 0; k < 4; k++) {
        size_t d = i;
        unsigned v = 0;
        while (i < n && is_digit(p[i]) && i - d < 3)
            v = v * 10 + (unsigned)(p[i++] - '0');
        if (i == d || v > 255 || (i < n && is_digit(p[i])))
            return 0;
        oct[k] = v;
        if (k < 3) {
            if (i >= n || p[i] != '.')
                return 0;
            i++;
        }
    }
    if (i < n && (is_word(p[i]) || (p[i] == '.' && i + 1 < n && is_digit(p[i + 1]))))
        return 0;
    if (oct[0] == 0 || oct[0] == 127 || oct[0] == 255 || (oct[0] == 192 && oct[1] == 0 && oct[2] == 2) ||
        (oct[0] == 198 && oct[1] == 51 && oct[2] == 100) ||
        (oct[0] == 203 && oct[1] == 0 && oct[2] == 113))
        return 0;
    if (version_context(start, p))
        return 0;
    snprintf(norm, normlen, "%u.%u.%u.%u", oct[0], oct[1], oct[2], oct[3]);
    return i;
}

static size_t match_ipv6(const char *p, size_t n, char *norm, size_t normlen)
{
    size_t i = 0, colons = 0, groups = 0, glen = 0;
    bool dbl = false, hexletter = false;
    while (i < n && i < 45 && (is_hex(p[i]) || p[i] == ':')) {
        if (p[i] == ':') {
            if (glen)
                groups++;
            if (i + 1 < n && p[i + 1] == ':') {
                if (dbl)
                    return 0;
                dbl = true;
            }
            colons++;
            glen = 0;
        } else {
            if (++glen > 4)
                return 0;
            if (!is_digit(p[i]))
                hexletter = true;
        }
        i++;
    }
    if (glen)
        groups++;
    /* ends on a single ':' (a label "fe80:") or runs into a word: not an address */
    if (i < n && (is_word(p[i]) || p[i] == '.'))
        return 0;
    if (i && p[i - 1] == ':' && !(i >= 2 && p[i - 2] == ':'))
        return 0;
    if (colons < 2 || groups < 3 || groups > 8 || (!dbl && groups != 8) || !hexletter)
        return 0;
    if (i + 1 > normlen)
        return 0;
    for (size_t k = 0; k < i; k++)
        norm[k] = lower(p[k]);
    norm[i] = '\0';
    if (strncmp(norm, "2001:db8:", 9) == 0)
        return 0;
    return i;
}

int updx_redact_text(updx_redactor *r, const char *in, size_t len, char **out, size_t *out_len)
{
    out_buf o = {0};
    size_t copied = 0;
    char norm[128], sep[2] = "-";
    for (size_t i = 0; i < len;) {
        char prev = i ? in[i - 1] : ' ';
        if (is_word(prev) || (unsigned char)in[i] < '0') {
            i++;
            continue;
        }
        const char *p = in + i;
        size_t n = len - i, m = 0, rid_at = 0;
        updx_redact_kind kind = UPDX_REDACT_KINDS;
        const char *ph = NULL;
        if ((m = match_sid(p, n, norm, sizeof norm, &rid_at)) != 0) {
            kind = UPDX_REDACT_SID;
        } else if (prev != '.' && prev != ':' && prev != '-' && (m = match_mac(p, n, norm, sep)) != 0) {
            kind = UPDX_REDACT_MAC;
        } else if (prev != '.' && is_digit(p[0]) && (m = match_ipv4(in, p, n, norm, sizeof norm)) != 0) {
            kind = UPDX_REDACT_IPV4;
        } else if (prev != ':' && prev != '.' && (is_hex(p[0]) || p[0] == ':') &&
                   (m = match_ipv6(p, n, norm, sizeof norm)) != 0) {
            kind = UPDX_REDACT_IPV6;
        } else if (r->first_char[(unsigned char)p[0]]) {
            for (size_t k = 0; k < r->nnames; k++) {
                const name_entry *e = &r->names[k];
                if (e->len > n)
                    continue;
                size_t j = 0;
                while (j < e->len && lower(p[j]) == e->name[j])
                    j++;
                if (j < e->len || (e->len < n && is_word(p[e->len])))
                    continue;
                m = e->len;
                kind = r->secrets[e->secret].kind;
                ph = r->secrets[e->secret].placeholder;
                break;
            }
        }
        if (!m) {
            i++;
            continue;
        }
        if (!ph) {
            size_t s = secret_for(r, kind, norm);
            if (s == (size_t)-1) {
                i += m;
                continue;
            }
            ph = r->secrets[s].placeholder;
        }
        out_put(&o, in + copied, i - copied);
        if (kind == UPDX_REDACT_MAC && sep[0] == ':') {
            /* one placeholder per address, written with the separator the text uses */
            char mac[32];
            snprintf(mac, sizeof mac, "%s", ph);
            for (char *q = mac; *q; q++)
                if (*q == '-')
                    *q = ':';
            out_put(&o, mac, strlen(mac));
        } else {
            out_put(&o, ph, strlen(ph));
        }
        if (kind == UPDX_REDACT_SID && rid_at)
            out_put(&o, p + rid_at, m - rid_at);
        r->replaced[kind]++;
        i += m;
        copied = i;
    }
    out_put(&o, in + copied, len - copied);
    if (o.failed || !o.data) {
        if (!o.failed && !o.data && (o.data = malloc(1)) != NULL) {
            o.data[0] = '\0';
        } else {
            free(o.data);
            return -1;
        }
    }
    *out = o.data;
    *out_len = o.len;
    return 0;
}

/* ---- UTF-16LE: to WTF-8 (lone surrogates kept) and back, so the round trip is exact ---- */

static bool looks_utf16le(const unsigned char *d, size_t len)
{
    if (len >= 2 && d[0] == 0xff && d[1] == 0xfe)
        return true;
    size_t n = len < 4096 ? len : 4096, zeros = 0;
    for (size_t i = 1; i < n; i += 2)
        zeros += d[i] == 0;
    return n >= 4 && zeros * 10 >= (n / 2) * 9;
}

bool updx_redact_is_text(const void *data, size_t len)
{
    const unsigned char *d = data;
    if (looks_utf16le(d, len))
        return len % 2 == 0;
    size_t n = len < 65536 ? len : 65536;
    return memchr(d, 0, n) == NULL;
}

static void put_wtf8(out_buf *o, uint32_t cp)
{
    char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    out_put(o, b, n);
}

static void put_u16(out_buf *o, uint32_t u)
{
    char b[2] = {(char)(u & 0xff), (char)(u >> 8)};
    out_put(o, b, 2);
}

int updx_redact_buffer(updx_redactor *r, const void *in, size_t len, void **out,
                       size_t *out_len)
{
    const unsigned char *d = in;
    if (!looks_utf16le(d, len) || len % 2) {
        char *o = NULL;
        int rc = updx_redact_text(r, in, len, &o, out_len);
        *out = o;
        return rc;
    }
    out_buf u8 = {0};
    for (size_t i = 0; i + 1 < len; i += 2) {
        uint32_t u = d[i] | (uint32_t)d[i + 1] << 8;
        if (u >= 0xd800 && u < 0xdc00 && i + 3 < len) {
            uint32_t lo = d[i + 2] | (uint32_t)d[i + 3] << 8;
            if (lo >= 0xdc00 && lo < 0xe000) {
                put_wtf8(&u8, 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00));
                i += 2;
                continue;
            }
        }
        put_wtf8(&u8, u);
    }
    if (u8.failed) {
        free(u8.data);
        return -1;
    }
    char *red = NULL;
    size_t redlen = 0;
    int rc = updx_redact_text(r, u8.data ? u8.data : "", u8.len, &red, &redlen);
    free(u8.data);
    if (rc)
        return rc;
    out_buf u16 = {0};
    const unsigned char *s = (const unsigned char *)red;
    for (size_t i = 0; i < redlen;) {
        uint32_t cp;
        unsigned char c = s[i];
        size_t need = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        if (i + need > redlen)
            need = 1;
        if (need == 1)
            cp = c;
        else if (need == 2)
            cp = (uint32_t)(c & 0x1f) << 6 | (s[i + 1] & 0x3f);
        else if (need == 3)
            cp = (uint32_t)(c & 0x0f) << 12 | (uint32_t)(s[i + 1] & 0x3f) << 6 | (s[i + 2] & 0x3f);
        else
            cp = (uint32_t)(c & 0x07) << 18 | (uint32_t)(s[i + 1] & 0x3f) << 12 |
                 (uint32_t)(s[i + 2] & 0x3f) << 6 | (s[i + 3] & 0x3f);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            put_u16(&u16, 0xd800 + (cp >> 10));
            put_u16(&u16, 0xdc00 + (cp & 0x3ff));
        } else {
            put_u16(&u16, cp);
        }
        i += need;
    }
    free(red);
    if (u16.failed) {
        free(u16.data);
        return -1;
    }
    if (!u16.data)
        u16.data = calloc(1, 1);
    *out = u16.data;
    *out_len = u16.len;
    return u16.data ? 0 : -1;
}

size_t updx_redactor_distinct(const updx_redactor *r, updx_redact_kind k)
{
    return r && (unsigned)k < UPDX_REDACT_KINDS ? r->distinct[k] : 0;
}

uint64_t updx_redactor_replacements(const updx_redactor *r, updx_redact_kind k)
{
    return r && (unsigned)k < UPDX_REDACT_KINDS ? r->replaced[k] : 0;
}
