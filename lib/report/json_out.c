/* json_out.c: see json_out.h. */
#include "report/json_out.h"

#include <stdlib.h>
#include <string.h>

#include "bundle/bundle_json.h"
#include "updx/updx.h"

/* Appends s with `indent` spaces after every newline (a nested value's lines move right). */
static int add_indented(updx_buf *out, const char *s, size_t indent)
{
    static const char spaces[] = "                ";
    for (const char *p = s;;) {
        const char *nl = strchr(p, '\n');
        if (!nl)
            return updx_buf_adds(out, p);
        int rc = updx_buf_add(out, p, (size_t)(nl - p + 1));
        if (rc == UPDX_OK)
            rc = updx_buf_add(out, spaces, indent < sizeof spaces - 1 ? indent : sizeof spaces - 1);
        if (rc != UPDX_OK)
            return rc;
        p = nl + 1;
    }
}

/* The members array: "[\n      {...},\n      {...}\n    ]" at the depth of bundle.members
 * (indented), or "[{...},{...}]" (compact). */
static int add_members(updx_buf *out, const updx_case *c, bool compact)
{
    size_t flags = compact ? JSON_COMPACT : JSON_INDENT(2) | JSON_PRESERVE_ORDER;
    int rc = updx_buf_adds(out, compact ? "[" : "[\n      ");
    for (size_t i = 0; rc == UPDX_OK && i < c->members.len; i++) {
        json_t *m = updx_member_to_json(updx_avec_at(&c->members, i));
        char *s = m ? json_dumps(m, flags) : NULL;
        json_decref(m);
        if (!s)
            return UPDX_ERR_NOMEM;
        if (i)
            rc = updx_buf_adds(out, compact ? "," : ",\n      ");
        if (rc == UPDX_OK)
            rc = compact ? updx_buf_adds(out, s) : add_indented(out, s, 6);
        free(s);
    }
    if (rc == UPDX_OK)
        rc = updx_buf_adds(out, compact ? "]" : "\n    ]");
    return rc;
}

int updx_report_json_write(const json_t *report, const updx_case *c, bool compact, updx_buf *out)
{
    size_t flags = compact ? JSON_COMPACT : JSON_INDENT(2) | JSON_PRESERVE_ORDER;
    char *s = json_dumps(report, flags);
    if (!s)
        return UPDX_ERR_NOMEM;
    const json_t *members = json_object_get(json_object_get(report, "bundle"), "members");
    const char *empty = compact ? "\"members\":[]" : "\"members\": []";
    /* The first `"members": []` is bundle.members: "bundle" comes before any other object
     * that could hold such a key, and inside a JSON string every quote is escaped, so no
     * string (a hostile member name included) can hold this byte sequence. */
    const char *at = NULL;
    if (c && c->members.len && json_is_array(members) && json_array_size(members) == 0) {
        const char *bundle = strstr(s, compact ? "\"bundle\":" : "\"bundle\": ");
        at = bundle ? strstr(bundle, empty) : NULL;
    }
    int rc;
    if (!at) {
        rc = updx_buf_adds(out, s);
    } else {
        size_t head = (size_t)(at - s) + strlen(empty) - 2;  /* up to the "[" */
        rc = updx_buf_add(out, s, head);
        if (rc == UPDX_OK)
            rc = add_members(out, c, compact);
        if (rc == UPDX_OK)
            rc = updx_buf_adds(out, s + head + 2);
    }
    if (rc == UPDX_OK && !compact)
        rc = updx_buf_addc(out, '\n');
    free(s);
    return rc;
}
