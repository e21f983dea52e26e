/* The per-height figures of a BFT run (finality.csv, time halted) from the
 * nodes' metrics_bft_record records, after the merge. A row is a block
 * committed at a height: its proposer and proposal time come from the
 * produced blocks (blocks.csv), its commit times are over the nodes that
 * committed it (decided or taken from a peer's certificate). Time halted is
 * the union, over heights, of the stretches from the first round
 * timeout at a height that took effect (propose, prevote or precommit, at
 * any node: round 0 did not go through) to the first commit of that height (at
 * any node; the end of the run when none): virtual time in which a round
 * had failed and no node committed a new height. (With more than a third
 * of the power cut off, rounds stop timing out altogether: the waits for
 * two thirds of the votes never end. The stretch still counts, from the
 * propose timeout of the nodes that got no proposal.) A node reaches height h+1
 * only after committing h, so the stretches of different heights never
 * overlap and their sum is the union. */
#include "metrics_impl.h"

#include <stdlib.h>
#include <string.h>

/* A node's commit of a height, for grouping. */
typedef struct commit_ref {
    uint64_t height;
    hash256 block;
    int64_t time_ns;
    uint32_t rounds;
} commit_ref;

static int cmp_commit(const void *a, const void *b)
{
    const commit_ref *x = a, *y = b;
    if (x->height != y->height)
        return x->height < y->height ? -1 : 1;
    int c = memcmp(&x->block, &y->block, sizeof x->block);
    if (c != 0)
        return c;
    return (x->time_ns > y->time_ns) - (x->time_ns < y->time_ns);
}

/* A height's first timeout and first commit over the nodes. */
typedef struct height_span {
    uint64_t height;
    int64_t timeout_ns, commit_ns; /* METRICS_NONE: none */
} height_span;

static int cmp_span(const void *a, const void *b)
{
    const height_span *x = a, *y = b;
    return (x->height > y->height) - (x->height < y->height);
}

static int cmp_block_id(const void *a, const void *b)
{
    return memcmp(&((const mblock *)a)->id, &((const mblock *)b)->id, sizeof(hash256));
}

/* The time halted: see the top of the file. spans is scratch of one entry
 * per record. */
static int64_t halted(const metrics *m, height_span *spans)
{
    size_t n = 0;
    for (uint32_t i = 0; i < m->n_nodes; i++)
        for (size_t k = 0; k < m->nodes[i].n_bfth; k++) {
            const metrics_bft_height *h = &m->nodes[i].bfth[k];
            spans[n++] = (height_span){h->height, h->first_timeout_ns, h->committed_ns};
        }
    qsort(spans, n, sizeof *spans, cmp_span);
    int64_t total = 0;
    for (size_t r = 0; r < n;) {
        int64_t timeout = METRICS_NONE, commit = METRICS_NONE;
        size_t e = r;
        for (; e < n && spans[e].height == spans[r].height; e++) {
            if (spans[e].timeout_ns >= 0 && (timeout < 0 || spans[e].timeout_ns < timeout))
                timeout = spans[e].timeout_ns;
            if (spans[e].commit_ns >= 0 && (commit < 0 || spans[e].commit_ns < commit))
                commit = spans[e].commit_ns;
        }
        if (commit < 0)
            commit = m->end_ns;
        if (timeout >= 0 && commit > timeout)
            total += commit - timeout;
        r = e;
    }
    return total;
}

metrics_status metrics_bft_finish(metrics *m)
{
    free(m->finals);
    m->finals = NULL;
    m->n_finals = 0;
    m->halted_ns = 0;
    size_t n = 0;
    for (uint32_t i = 0; i < m->n_nodes; i++)
        n += m->nodes[i].n_bfth;
    if (n == 0)
        return METRICS_OK;
    commit_ref *refs = malloc(n * sizeof *refs);
    height_span *spans = malloc(n * sizeof *spans);
    mblock *by_id = malloc((m->n_blocks ? m->n_blocks : 1) * sizeof *by_id);
    int64_t *times = malloc(n * sizeof *times);
    mfinal *rows = malloc(n * sizeof *rows);
    if (!refs || !spans || !by_id || !times || !rows) {
        free(refs);
        free(spans);
        free(by_id);
        free(times);
        free(rows);
        return METRICS_E_NOMEM;
    }
    m->halted_ns = halted(m, spans);
    size_t nc = 0;
    for (uint32_t i = 0; i < m->n_nodes; i++)
        for (size_t k = 0; k < m->nodes[i].n_bfth; k++) {
            const metrics_bft_height *h = &m->nodes[i].bfth[k];
            if (h->committed_ns >= 0)
                refs[nc++] = (commit_ref){h->height, h->block, h->committed_ns, h->rounds};
        }
    qsort(refs, nc, sizeof *refs, cmp_commit);
    if (m->n_blocks > 0)
        memcpy(by_id, m->blocks, m->n_blocks * sizeof *by_id);
    qsort(by_id, m->n_blocks, sizeof *by_id, cmp_block_id);
    size_t nr = 0;
    for (size_t r = 0; r < nc;) {
        size_t e = r, k = 0;
        uint32_t rounds = 0;
        for (; e < nc && refs[e].height == refs[r].height &&
               memcmp(&refs[e].block, &refs[r].block, sizeof refs[r].block) == 0;
             e++) {
            times[k++] = refs[e].time_ns; /* ascending: sorted by time last */
            if (refs[e].rounds > rounds)
                rounds = refs[e].rounds;
        }
        mfinal *f = &rows[nr++];
        memset(f, 0, sizeof *f);
        f->height = refs[r].height;
        f->block = refs[r].block;
        f->proposed_ns = METRICS_NONE;
        mblock key;
        key.id = refs[r].block;
        const mblock *b =
            m->n_blocks ? bsearch(&key, by_id, m->n_blocks, sizeof *by_id, cmp_block_id) : NULL;
        if (b != NULL) {
            f->proposer = b->producer;
            f->proposed_ns = b->time_ns;
        }
        f->first_ns = times[0];
        f->last_ns = times[k - 1];
        int64_t med = times[0];
        f->median_ns = metrics_percentile(&med, times, k, 50) == 0 ? med : times[0];
        f->committed_by = (uint32_t)k;
        f->rounds = rounds;
        r = e;
    }
    free(refs);
    free(spans);
    free(by_id);
    free(times);
    m->finals = rows;
    m->n_finals = nr;
    return METRICS_OK;
}
