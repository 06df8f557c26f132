/* bugcheck.c: bug check lookup over data/bugchecks.tsv (see bugcheck.h). */
#include "dumps/bugcheck.h"

#include <stdio.h>

#include "dumps/knowledge.h"

/* Bit that marks the "_M" variants (0x1000007E, 0x1000008E, 0x100000EA...). */
#define BUGCHECK_M_VARIANT 0x10000000u

const struct updx_bugcheck_info *updx_bugcheck_find(uint32_t code)
{
    const updx_dumps_knowledge *k = updx_dumps_knowledge_get();
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < k->n_bugchecks; i++)
            if (k->bugchecks[i].code == code)
                return &k->bugchecks[i];
        /* 0x1000007E is documented as "same meaning and parameters as 0x7E" */
        if ((code & 0xF0000000u) != BUGCHECK_M_VARIANT)
            break;
        code &= ~BUGCHECK_M_VARIANT;
    }
    return NULL;
}

const char *updx_bugcheck_name(uint32_t code, char *buf, unsigned size)
{
    const struct updx_bugcheck_info *b = updx_bugcheck_find(code);
    if (!b || !buf || size == 0)
        return NULL;
    snprintf(buf, size, "%s%s", b->name, b->code != code ? "_M" : "");
    return buf;
}

unsigned updx_bugcheck_count(void)
{
    return updx_dumps_knowledge_get()->n_bugchecks;
}

const struct updx_bugcheck_info *updx_bugcheck_at(unsigned i)
{
    const updx_dumps_knowledge *k = updx_dumps_knowledge_get();
    return i < k->n_bugchecks ? &k->bugchecks[i] : NULL;
}
