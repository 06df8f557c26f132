/* text_prefilter.c: the text layer's block-level prefilter. Once a streamed member passes
 * the configured offset, whole regions of the window (up to PF_REGION bytes, cut at a line
 * end) are scanned for every literal of a litset in one pass, and each line handed out
 * carries the ids found in it, so readers and rules skip what a line cannot satisfy. */
#include <stdlib.h>
#include <string.h>

#include "text/litset.h"
#include "text/text_internal.h"
#include "updx/updx.h"

static bool pf_collect(void *ud, uint32_t id, uint64_t end)
{
    updx_text *t = ud;
    if (t->nhits == t->hits_cap) {
        size_t nc = t->hits_cap ? t->hits_cap * 2 : 1024;
        updx_lithit *nh = nc <= PF_MAX_HITS ? realloc(t->hits, nc * sizeof *nh) : NULL;
        if (!nh) {
            t->hits_overflow = true;
            t->pf_to = end;  /* where the scan stopped: the region is cut before this line */
            return false;
        }
        t->hits = nh;
        t->hits_cap = nc;
    }
    t->hits[t->nhits].end = end;
    t->hits[t->nhits].id = id;
    t->nhits++;
    return true;
}

static int cmp_hits(const void *a, const void *b)
{
    const updx_lithit *x = a, *y = b;
    return x->end < y->end ? -1 : x->end > y->end;
}

/*
 * Scans the window from the line at `start` (absolute offset) to the last line end within
 * PF_REGION bytes, so that the lines there carry their hits. False when no whole line fits
 * (a line longer than the region, or a file ending in lone CRs): that line goes unfiltered.
 */
static bool pf_cover(updx_text *t, uint64_t start)
{
    t->nhits = t->hit_pos = 0;
    t->pf_from = t->pf_to = start;
    t->hits_overflow = false;
    if (start < t->base_offset)
        return false;
    size_t from = (size_t)(start - t->base_offset);
    if (from >= t->end)
        return false;
    size_t lim = t->end - from > PF_REGION ? from + PF_REGION : t->end;
    size_t to;
    if (lim == t->end && t->eof) {
        to = lim;  /* the last line may lack its newline */
    } else {
        const uint8_t *nl = memrchr(t->win + from, '\n', lim - from);
        if (!nl)
            return false;
        to = (size_t)(nl - t->win) + 1;
    }
    t->pf_to = t->base_offset + to;
    if (updx_litset_scan(t->pf, t->win + from, to - from, start, pf_collect, t) != UPDX_OK) {
        t->pf_to = start;
        return false;
    }
    for (size_t i = 1; i < t->nhits; i++) {
        if (t->hits[i].end < t->hits[i - 1].end) {  /* the engine promises order; make sure */
            qsort(t->hits, t->nhits, sizeof *t->hits, cmp_hits);
            break;
        }
    }
    if (t->hits_overflow) {
        /* keep the lines that end before the line of the first hit not kept */
        uint64_t stop = t->pf_to;
        size_t k = (size_t)(stop - t->base_offset);
        const uint8_t *nl = k > from ? memrchr(t->win + from, '\n', k - from - 1) : NULL;
        t->pf_to = nl ? t->base_offset + (size_t)(nl - t->win) + 1 : start;
        while (t->nhits && t->hits[t->nhits - 1].end > t->pf_to)
            t->nhits--;
    }
    return t->pf_to > start;
}

/* Fills the line's hits; false when the line is not covered by a prefilter scan. The line
 * handed out is [start, start + len) (shorter than the raw line when cut for length); hits
 * in the part cut off are passed over. */
bool updx_text_pf_line(updx_text *t, uint64_t start, uint64_t next_start, size_t len, updx_line *line)
{
    if (!t->pf || t->mode != UNIT_BYTE || t->carried || start < t->pf_after)
        return false;
    if ((start < t->pf_from || next_start > t->pf_to) && (!pf_cover(t, start) || next_start > t->pf_to))
        return false;
    if (!t->line_hits) {
        t->line_hits = malloc(PF_MAX_LINE_HITS * sizeof *t->line_hits);
        if (!t->line_hits)
            return false;
    }
    uint32_t n = 0;
    while (t->hit_pos < t->nhits && t->hits[t->hit_pos].end <= next_start) {
        if (t->hits[t->hit_pos].end > start && t->hits[t->hit_pos].end <= start + len) {
            if (n == PF_MAX_LINE_HITS)
                return false;  /* too many to hand out: let the consumer search */
            t->line_hits[n++] = t->hits[t->hit_pos].id;
        }
        t->hit_pos++;
    }
    line->hits = t->line_hits;
    line->nhits = n;
    return true;
}

void updx_text_prefilter(updx_text *t, updx_litset *set, uint64_t after)
{
    t->pf = set;
    t->pf_after = after;
    t->pf_from = t->pf_to = 0;
    t->nhits = t->hit_pos = 0;
}

