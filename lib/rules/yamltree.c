/* yamltree.c: YAML events to a capped tree (see yamltree.h). */
#include "rules/yamltree.h"

#include <stdio.h>
#include <string.h>
#include <yaml.h>

static ytree *node_new(updx_arena *a, ytree_type type, const yaml_mark_t *mark)
{
    ytree *n = updx_arena_alloc(a, sizeof *n);
    if (!n)
        return NULL;
    n->type = type;
    n->line = (unsigned)mark->line + 1;
    n->col = (unsigned)mark->column + 1;
    return n;
}

static void add_child(ytree *parent, ytree *child)
{
    if (parent->last)
        parent->last->next = child;
    else
        parent->first = child;
    parent->last = child;
    parent->count++;
}

ytree *ytree_parse(updx_arena *a, const char *data, size_t len, size_t max_depth, size_t max_nodes,
                   unsigned *err_line, unsigned *err_col, char *err, size_t errsize)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    /* stack[0] is the stream (a sequence of documents) */
    ytree *stack[64];
    size_t depth = 0, nodes = 0;
    ytree *root = NULL;
    int done = 0, ok = 1;

    *err_line = 0;
    *err_col = 0;
    err[0] = '\0';
    if (max_depth + 2 > sizeof stack / sizeof stack[0])
        max_depth = sizeof stack / sizeof stack[0] - 2;
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    while (!done && ok) {
        if (!yaml_parser_parse(&parser, &ev)) {
            *err_line = (unsigned)parser.problem_mark.line + 1;
            *err_col = (unsigned)parser.problem_mark.column + 1;
            snprintf(err, errsize, "bad YAML: %s%s%s", parser.problem ? parser.problem : "syntax error",
                     parser.context ? " " : "", parser.context ? parser.context : "");
            ok = 0;
            break;
        }
        ytree *n = NULL;
        switch (ev.type) {
        case YAML_STREAM_START_EVENT:
            root = stack[0] = node_new(a, YT_SEQ, &ev.start_mark);
            depth = 1;
            if (!root)
                ok = 0;
            break;
        case YAML_STREAM_END_EVENT:
            done = 1;
            break;
        case YAML_DOCUMENT_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            break;
        case YAML_ALIAS_EVENT:
            *err_line = (unsigned)ev.start_mark.line + 1;
            *err_col = (unsigned)ev.start_mark.column + 1;
            snprintf(err, errsize, "YAML aliases (*name) are not supported in rule files");
            ok = 0;
            break;
        case YAML_SCALAR_EVENT:
        case YAML_SEQUENCE_START_EVENT:
        case YAML_MAPPING_START_EVENT:
            if (++nodes > max_nodes) {
                *err_line = (unsigned)ev.start_mark.line + 1;
                *err_col = (unsigned)ev.start_mark.column + 1;
                snprintf(err, errsize, "too many YAML nodes (more than %zu)", max_nodes);
                ok = 0;
                break;
            }
            if (ev.type == YAML_SCALAR_EVENT) {
                n = node_new(a, YT_SCALAR, &ev.start_mark);
                if (n) {
                    n->value = updx_arena_strndup(a, (const char *)ev.data.scalar.value, ev.data.scalar.length);
                    n->len = ev.data.scalar.length;
                    n->quoted = ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
                    if (!n->value)
                        n = NULL;
                }
            } else {
                n = node_new(a, ev.type == YAML_SEQUENCE_START_EVENT ? YT_SEQ : YT_MAP, &ev.start_mark);
            }
            if (!n || depth == 0) {
                snprintf(err, errsize, "out of memory");
                ok = 0;
                break;
            }
            add_child(stack[depth - 1], n);
            if (ev.type != YAML_SCALAR_EVENT) {
                if (depth > max_depth) {
                    *err_line = n->line;
                    *err_col = n->col;
                    snprintf(err, errsize, "YAML nested deeper than %zu levels", max_depth);
                    ok = 0;
                    break;
                }
                stack[depth++] = n;
            }
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (depth > 1)
                depth--;
            break;
        default:
            break;
        }
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return ok ? root : NULL;
}

const ytree *ytree_get(const ytree *m, const char *key)
{
    if (!m || m->type != YT_MAP)
        return NULL;
    for (const ytree *k = m->first; k && k->next; k = k->next->next)
        if (k->type == YT_SCALAR && strcmp(k->value, key) == 0)
            return k->next;
    return NULL;
}
