/*
 * diagxml.c: diagerr.xml / diagwrn.xml reader over libxml2 (see diagxml.h).
 */
#include "logs/diagxml.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "logs/setup_facts.h"
#include "util/strutil.h"

/* Caps keep libxml2's work on a hostile file bounded. */
enum {
    DIAGXML_MAX_BYTES = 32u << 20, /* real files are a few KiB */
    DIAGXML_MAX_ATTR = 4096,       /* bytes kept of one attribute */
    DIAGXML_MAX_DEPTH = 16,        /* rows sit at depth 2 */
    DIAGXML_MAX_DOCS = 64,         /* documents appended to one file */
};

static const char *attr(updx_case *c, xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    size_t len = strlen((const char *)v);
    const char *s = updx_arena_strndup(&c->arena, (const char *)v, len < DIAGXML_MAX_ATTR ? len : DIAGXML_MAX_ATTR);
    xmlFree(v);
    /* cutting may split a UTF-8 sequence: drop a partial tail */
    if (s && len >= DIAGXML_MAX_ATTR) {
        char *w = (char *)s;
        size_t n2 = strlen(w);
        while (n2 > 0 && ((unsigned char)w[n2 - 1] & 0xC0) == 0x80)
            n2--;
        if (n2 > 0 && ((unsigned char)w[n2 - 1] & 0xC0) == 0xC0)
            n2--;
        w[n2] = '\0';
    }
    return s;
}

static void walk(updx_case *c, const char *member, xmlNode *node, bool error_file, unsigned depth,
                 bool *limited)
{
    if (depth > DIAGXML_MAX_DEPTH)
        return;
    for (xmlNode *n = node; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)n->name, "row") == 0) {
            updx_diag_row *r = updx_avec_push(&c->setup->diag_rows, &c->arena);
            if (!r) {
                *limited = true;
                return;
            }
            r->file = member;
            r->line = (uint64_t)xmlGetLineNo(n) > 0 ? (uint64_t)xmlGetLineNo(n) : 0;
            r->error_file = error_file;
            r->time_text = attr(c, n, "DT");
            r->function = attr(c, n, "Fun");
            r->module = attr(c, n, "Mod");
            r->exe = attr(c, n, "Exe");
            r->message = attr(c, n, "Msg");
            r->source_file = attr(c, n, "Fil");
            const char *err = attr(c, n, "Err");
            uint64_t v;
            size_t used;
            if (err && updx_parse_dec(err, strlen(err), &v, &used) && used == strlen(err) &&
                v <= UINT32_MAX) {
                r->has_err = true;
                r->err = (uint32_t)v;
            }
            continue;
        }
        walk(c, member, n->children, error_file, depth + 1, limited);
    }
}

int updx_diagxml_read_mem(updx_case *c, const char *member, const void *data, size_t len,
                          bool error_file)
{
    if (!c || (!data && len))
        return UPDX_ERR_ARG;
    if (!updx_setup_facts_get(c))
        return UPDX_ERR_NOMEM;
    const char *name = updx_arena_strdup(&c->arena, member ? member : "");
    if (len > DIAGXML_MAX_BYTES || len > INT32_MAX) {
        updx_note_add(&c->notes, UPDX_NOTE_LIMIT, name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "diagnostic xml larger than %u bytes is not read", DIAGXML_MAX_BYTES);
        return UPDX_ERR_LIMIT;
    }
    if (len == 0) {
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, name, 0, UPDX_NO_LINE, "empty diagnostic xml file");
        return UPDX_PARTIAL;
    }
    /* Setup appends a whole new document when a second process writes the file: parse each
     * "<xml" document on its own. No network, no entity expansion, no DTD loading; recover
     * what a truncated document holds. */
    int opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_RECOVER |
               XML_PARSE_NOBLANKS;
    const char *bytes = data;
    bool limited = false, damaged = false, unclosed = false;
    unsigned docs = 0;
    size_t start = 0;
    while (start < len && docs < DIAGXML_MAX_DOCS) {
        size_t next = start + 1;
        while (next + 5 <= len && !(bytes[next - 1] == '\n' && memcmp(bytes + next, "<xml", 4) == 0))
            next++;
        if (next + 5 > len)
            next = len;
        xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
        if (!ctxt)
            return UPDX_ERR_NOMEM;
        xmlDoc *doc = xmlCtxtReadMemory(ctxt, bytes + start, (int)(next - start), NULL, NULL, opts);
        if (!doc) {
            damaged = true;
        } else if (!ctxt->wellFormed) {
            /* files copied while setup still writes them lack only their closing tags */
            if (ctxt->errNo == XML_ERR_TAG_NOT_FINISHED)
                unclosed = true;
            else
                damaged = true;
        }
        if (doc) {
            walk(c, name, xmlDocGetRootElement(doc), error_file, 0, &limited);
            xmlFreeDoc(doc);
        }
        xmlFreeParserCtxt(ctxt);
        docs++;
        start = next;
    }
    if (unclosed && !damaged)
        updx_note_add(&c->notes, UPDX_NOTE_WARNING, name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "diagnostic xml ends without its closing tags (copied while setup was writing it)");
    if (damaged) {
        updx_note_add(&c->notes, UPDX_NOTE_DAMAGED, name, 0, UPDX_NO_LINE,
                      "diagnostic xml is not well formed; the rows that could be read are kept");
    }
    if (limited) {
        updx_note_add(&c->notes, UPDX_NOTE_LIMIT, name, UPDX_NO_OFFSET, UPDX_NO_LINE,
                      "too many diagnostic rows; the rest are not kept");
        return UPDX_PARTIAL;
    }
    return damaged ? UPDX_PARTIAL : UPDX_OK;
}
