/*
 * knowledge.c: the crash-dump tables (bug checks, core modules, driver classes).
 *
 * The tables are generated at build time from the data TSV files by tools/gen_dumps_tables.c into
 * const data (dumps_tables.c in the build tree): nothing is parsed at run time and there is
 * no state, so every thread and every case reads the same read-only tables.
 */
#include "dumps/knowledge.h"

#include <string.h>

#include "util/strutil.h"

extern const updx_dumps_knowledge updx_dumps_tables;

const updx_dumps_knowledge *updx_dumps_knowledge_get(void)
{
    return &updx_dumps_tables;
}

static bool eq_ci(const char *a, size_t alen, const char *b)
{
    return b && strlen(b) == alen && updx_strncasecmp(a, b, alen) == 0;
}

const updx_core_module *updx_core_module_find(const char *name, size_t len)
{
    const updx_dumps_knowledge *k = updx_dumps_knowledge_get();
    for (unsigned i = 0; i < k->n_core; i++) {
        const updx_core_module *m = &k->core[i];
        if (eq_ci(name, len, m->image) || eq_ci(name, len, m->debugger))
            return m;
        /* "ntoskrnl" without extension */
        const char *dot = strrchr(m->image, '.');
        if (dot && (size_t)(dot - m->image) == len && updx_strncasecmp(name, m->image, len) == 0)
            return m;
    }
    return NULL;
}
