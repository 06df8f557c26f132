/*
 * setupdiag_results.c: SetupDiag results reader (see setupdiag_results.h).
 */
#include "logs/setupdiag_results.h"

#include <string.h>

#include "logs/setup_facts.h"
#include "util/strutil.h"

enum { SETUPDIAG_MAX_VALUE = 1024, SETUPDIAG_MAX_LINES = 200000 };

/* The value of `key` on this line in any of the three shapes: <key>v</key>, "key":"v",
 * key = v (text) or key: v. Returns false when the key is absent or the value empty. */
static bool value_for(const char *s, size_t len, const char *key, const char **v, size_t *vlen)
{
    size_t kl = strlen(key);
    const char *end = s + len;
    const char *p = updx_memcasemem(s, len, key, kl);
    if (!p)
        return false;
    const char *q = p + kl;
    const char *stop;
    if (p > s && p[-1] == '<' && q < end && *q == '>') {
        q++;
        stop = memchr(q, '<', (size_t)(end - q));
        if (!stop)
            stop = end;
    } else if (p > s && p[-1] == '"' && q + 2 < end && q[0] == '"' && q[1] == ':') {
        q += 2;
        while (q < end && *q == ' ')
            q++;
        if (q >= end || *q != '"')
            return false;
        q++;
        stop = memchr(q, '"', (size_t)(end - q));
        if (!stop)
            stop = end;
    } else {
        while (q < end && *q == ' ')
            q++;
        if (q >= end || (*q != '=' && *q != ':'))
            return false;
        q++;
        stop = end;
    }
    size_t n = (size_t)(stop - q);
    *v = updx_trim(q, &n);
    *vlen = n;
    return n > 0;
}

static const char *dup(updx_case *c, const char *s, size_t n)
{
    if (n > SETUPDIAG_MAX_VALUE) {
        n = SETUPDIAG_MAX_VALUE;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    return updx_arena_strndup(&c->arena, s, n);
}

/* "Err = 0x00000057, LastOperation = Gather data, scope: EVERYTHING, LastPhase = Downlevel" */
static void failure_details(updx_case *c, updx_setupdiag_result *r, const char *s, size_t len)
{
    const char *end = s + len, *p;
    uint64_t v;
    size_t used;
    if ((p = updx_memcasemem(s, len, "Err = ", 6)) && updx_parse_hex(p + 6, (size_t)(end - p - 6), &v, &used) &&
        v <= UINT32_MAX && !r->has_error) {
        r->has_error = true;
        r->error = (uint32_t)v;
    }
    const char *op = updx_memcasemem(s, len, "LastOperation = ", 16);
    const char *ph = updx_memcasemem(s, len, "LastPhase = ", 12);
    if (op && !r->last_operation) {
        const char *oe = ph && ph > op ? ph : end;
        size_t n = (size_t)(oe - op - 16);
        const char *t = updx_trim(op + 16, &n);
        while (n && (t[n - 1] == ',' || t[n - 1] == ' '))
            n--;
        if (n)
            r->last_operation = dup(c, t, n);
    }
    if (ph && !r->last_phase) {
        const char *t = ph + 12;
        size_t n = 0;
        while (t + n < end && t[n] != ',' && t[n] != '<' && t[n] != '"')
            n++;
        if (n)
            r->last_phase = dup(c, t, n);
    }
}

/* The last "Error: 0x..." of a line, with " - 0x..." extended code when present. */
static void error_line(updx_setupdiag_result *r, const char *s, size_t len)
{
    const char *end = s + len, *found = NULL, *p = s;
    while ((p = updx_memcasemem(p, (size_t)(end - p), "Error: 0x", 9))) {
        found = p;
        p += 9;
    }
    uint64_t v, x;
    size_t used, used2;
    if (!found || !updx_parse_hex(found + 7, (size_t)(end - found - 7), &v, &used) || v > UINT32_MAX)
        return;
    r->has_error = true;
    r->error = (uint32_t)v;
    const char *q = found + 7 + used;
    while (q < end && (*q == ' ' || *q == '-'))
        q++;
    if (q + 2 < end && q > found + 7 + used && updx_parse_hex(q, (size_t)(end - q), &x, &used2) &&
        x <= 0xFFFFF) {
        r->has_extended = true;
        r->extended = (uint32_t)x;
    }
}

int updx_setupdiag_read(updx_case *c, const char *member, updx_text *t)
{
    if (!c || !t)
        return UPDX_ERR_ARG;
    if (!updx_setup_facts_get(c))
        return UPDX_ERR_NOMEM;
    uint32_t index;
    updx_setup_file *f = updx_setup_facts_add_file(c, member, UPDX_SETUP_SRC_SETUPDIAG, &index);
    if (!f)
        return UPDX_ERR_LIMIT;
    updx_setupdiag_result *r = updx_avec_push(&c->setup->setupdiag, &c->arena);
    if (!r)
        return UPDX_ERR_LIMIT;
    r->file = f->name;
    updx_line ln;
    int rc;
    uint64_t error_line_no = 0, error_offset = UPDX_NO_OFFSET;
    const char *error_text = NULL;
    while ((rc = updx_text_next(t, &ln)) > 0 && f->lines < SETUPDIAG_MAX_LINES) {
        f->lines++;
        const char *s = ln.text, *v;
        size_t len = ln.len, vl;
        const char *m = updx_memcasemem(s, len, "Matching Profile found:", 23);
        if (m) {
            const char *q = m + 23, *end = s + len;
            const char *dash = NULL;
            for (const char *k = q; k + 2 < end; k++)
                if (k[0] == ' ' && k[1] == '-' && k[2] == ' ')
                    dash = k;
            size_t n = (size_t)((dash ? dash : end) - q);
            const char *name = updx_trim(q, &n);
            if (n && !r->profile_name)
                r->profile_name = dup(c, name, n);
            if (dash) {
                n = (size_t)(end - dash - 3);
                const char *g = updx_trim(dash + 3, &n);
                if (n && !r->profile_guid)
                    r->profile_guid = dup(c, g, n);
            }
            continue;
        }
        if (updx_memcasemem(s, len, "unable to match to any known failure", 36))
            r->no_match = true;
        if (!r->profile_name && value_for(s, len, "ProfileName", &v, &vl))
            r->profile_name = dup(c, v, vl);
        if (!r->profile_guid && value_for(s, len, "ProfileGuid", &v, &vl))
            r->profile_guid = dup(c, v, vl);
        if (!r->host_os_build && value_for(s, len, "HostOSBuildString", &v, &vl))
            r->host_os_build = dup(c, v, vl);
        if (!r->target_os_build && value_for(s, len, "TargetOSBuildString", &v, &vl))
            r->target_os_build = dup(c, v, vl);
        if (value_for(s, len, "FailureDetails", &v, &vl)) {
            if (!r->failure_details)
                r->failure_details = dup(c, v, vl);
            failure_details(c, r, v, vl);
        }
        if (!r->last_phase && (value_for(s, len, "Last Setup Phase", &v, &vl) ||
                               value_for(s, len, "Last Phase", &v, &vl)))
            r->last_phase = dup(c, v, vl);
        if (!r->last_operation && (value_for(s, len, "Last Setup Operation", &v, &vl) ||
                                   value_for(s, len, "Last Operation", &v, &vl)))
            r->last_operation = dup(c, v, vl);
        /* error lines: the last one with an extended code wins (the summary line) */
        if (updx_memcasemem(s, len, "Error: 0x", 9) && !updx_memcasemem(s, len, "LogEntry:", 9)) {
            bool had_ext = r->has_extended;
            updx_setupdiag_result tmp = *r;
            error_line(&tmp, s, len);
            if (tmp.has_error && (!had_ext || tmp.has_extended)) {
                r->has_error = true;
                r->error = tmp.error;
                r->has_extended = tmp.has_extended;
                r->extended = tmp.has_extended ? tmp.extended : r->extended;
                error_line_no = ln.number;
                error_offset = ln.offset;
                error_text = dup(c, s, len);
            }
        }
    }
    if (r->has_error && r->error != 0) {
        updx_setup_event *e = updx_setup_facts_add_event(c, f, index);
        if (e) {
            e->line = error_line_no;
            e->offset = error_offset;
            e->level = UPDX_SETUP_ERROR;
            e->component = "";
            e->message = error_text ? error_text : (r->failure_details ? r->failure_details : "SetupDiag result");
            e->raw = e->message;
            e->mark = UPDX_MARK_SETUPDIAG;
            e->a = r->error;
            e->b = r->has_extended ? r->extended : 0;
            e->arg = r->profile_name;
        }
    }
    if (rc < 0) {
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, f->name, UPDX_NO_OFFSET, f->lines,
                      "read error after line %llu", (unsigned long long)f->lines);
        return UPDX_PARTIAL;
    }
    return UPDX_OK;
}

int updx_setupdiag_read_mem(updx_case *c, const char *member, const void *data, size_t len)
{
    return updx_case_read_text_mem(c, member, data, len, updx_setupdiag_read);
}
