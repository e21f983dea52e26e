/* metrics_finish: the merge of every node's recorder. It gathers the records,
 * checks them against each other (a block is seen no earlier than it was
 * produced, every block on the main chain was produced, no block twice) and
 * sorts every result with a total order on (time, node, id), which is what
 * makes the files independent of the thread that recorded each fact. Then it
 * computes the derived figures: propagation delays, transaction fates,
 * per-node results, reconvergence after each heal. */
#include "metrics_impl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <string.h>

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int cmp_hash(const hash256 *a, const hash256 *b)
{
    return memcmp(a->b, b->b, sizeof a->b);
}

int metrics_percentile(int64_t *out, const int64_t *values, size_t n, unsigned pct)
{
    if (n == 0 || pct == 0 || pct > 100)
        return -1;
    int64_t *s = malloc(n * sizeof *s);
    if (!s)
        return -1;
    memcpy(s, values, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_i64);
    size_t rank = (pct * n + 99) / 100; /* ceil(pct * n / 100), 1-based */
    *out = s[rank - 1];
    free(s);
    return 0;
}

#define CMP(x, y)                                                                                  \
    do {                                                                                           \
        if ((x) != (y))                                                                            \
            return (x) < (y) ? -1 : 1;                                                             \
    } while (0)

static int cmp_block_out(const void *a, const void *b)
{
    const mblock *x = a, *y = b;
    CMP(x->time_ns, y->time_ns);
    CMP(x->producer, y->producer);
    return cmp_hash(&x->id, &y->id);
}

/* Blocks indexed by id, for lookups: the index array is sorted by the id of
 * the block each entry points at. */
static int cmp_index_by_id(const void *a, const void *b, void *ctx)
{
    const mblock *blocks = ctx;
    return cmp_hash(&blocks[*(const uint32_t *)a].id, &blocks[*(const uint32_t *)b].id);
}

static long find_block(const mblock *blocks, const uint32_t *by_id, size_t n, const hash256 *id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_hash(&blocks[by_id[mid]].id, id);
        if (c == 0)
            return (long)by_id[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int cmp_arrival_block_node(const void *a, const void *b)
{
    const marrival *x = a, *y = b;
    CMP(x->block, y->block);
    CMP(x->node, y->node);
    CMP(x->time_ns, y->time_ns);
    return 0;
}

static int cmp_arrival_out(const void *a, const void *b)
{
    const marrival *x = a, *y = b;
    CMP(x->time_ns, y->time_ns);
    CMP(x->node, y->node);
    CMP(x->block, y->block); /* blocks are in (time, producer, id) order: a total order */
    return 0;
}

/* Sorts the arrivals in place (introsort: quicksort on a median of three,
 * heapsort past a depth of 2 log2 n, insertion sort for short runs), as qsort
 * would, but without its scratch copy of the whole array (16 bytes per node
 * per block). cmp is a total order up to identical rows, so the result is the
 * one any sort gives. */
static void arrival_swap(marrival *a, marrival *b)
{
    marrival t = *a;
    *a = *b;
    *b = t;
}

static void arrival_sift(marrival *a, size_t i, size_t n, int (*cmp)(const void *, const void *))
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            return;
        if (c + 1 < n && cmp(&a[c], &a[c + 1]) < 0)
            c++;
        if (cmp(&a[i], &a[c]) >= 0)
            return;
        arrival_swap(&a[i], &a[c]);
        i = c;
    }
}

static void arrival_sort_depth(marrival *a, size_t n, int (*cmp)(const void *, const void *),
                               unsigned depth)
{
    while (n > 16) {
        if (depth-- == 0) { /* heapsort: no quadratic case */
            for (size_t i = n / 2; i-- > 0;)
                arrival_sift(a, i, n, cmp);
            for (size_t end = n - 1; end > 0; end--) {
                arrival_swap(&a[0], &a[end]);
                arrival_sift(a, 0, end, cmp);
            }
            return;
        }
        size_t mid = n / 2;
        if (cmp(&a[mid], &a[0]) < 0)
            arrival_swap(&a[mid], &a[0]);
        if (cmp(&a[n - 1], &a[mid]) < 0) {
            arrival_swap(&a[n - 1], &a[mid]);
            if (cmp(&a[mid], &a[0]) < 0)
                arrival_swap(&a[mid], &a[0]);
        }
        marrival pivot = a[mid];
        size_t i = 0, j = n - 1;
        for (;;) { /* Hoare: a[0..j] <= pivot <= a[j+1..n-1] */
            while (cmp(&a[i], &pivot) < 0)
                i++;
            while (cmp(&pivot, &a[j]) < 0)
                j--;
            if (i >= j)
                break;
            arrival_swap(&a[i], &a[j]);
            i++;
            j--;
        }
        /* Recurse into the smaller side, loop on the larger. */
        size_t left = j + 1;
        if (left < n - left) {
            arrival_sort_depth(a, left, cmp, depth);
            a += left;
            n -= left;
        } else {
            arrival_sort_depth(a + left, n - left, cmp, depth);
            n = left;
        }
    }
    for (size_t i = 1; i < n; i++) {
        marrival x = a[i];
        size_t k = i;
        for (; k > 0 && cmp(&x, &a[k - 1]) < 0; k--)
            a[k] = a[k - 1];
        a[k] = x;
    }
}

static void arrival_sort(marrival *a, size_t n, int (*cmp)(const void *, const void *))
{
    unsigned depth = 0;
    for (size_t k = n; k > 1; k >>= 1)
        depth += 2;
    arrival_sort_depth(a, n, cmp, depth);
}

static int cmp_reorg(const void *a, const void *b)
{
    const mreorg *x = a, *y = b;
    CMP(x->time_ns, y->time_ns);
    CMP(x->node, y->node);
    int c = cmp_hash(&x->new_tip, &y->new_tip);
    if (c)
        return c;
    c = cmp_hash(&x->old_tip, &y->old_tip);
    if (c)
        return c;
    CMP(x->depth, y->depth);
    CMP(x->txs_reverted, y->txs_reverted);
    return 0;
}

static int cmp_tx_id(const void *a, const void *b)
{
    const mtx *x = a, *y = b;
    int c = cmp_hash(&x->txid, &y->txid);
    if (c)
        return c;
    CMP(x->submitted_ns, y->submitted_ns);
    CMP(x->origin, y->origin);
    return 0;
}

static int cmp_tx_out(const void *a, const void *b)
{
    const mtx *x = a, *y = b;
    CMP(x->submitted_ns, y->submitted_ns);
    CMP(x->origin, y->origin);
    return cmp_hash(&x->txid, &y->txid);
}

static int cmp_reason(const void *a, const void *b)
{
    return strcmp(((const mreason *)a)->reason, ((const mreason *)b)->reason);
}

static mtx *find_tx(mtx *txs, size_t n, const hash256 *id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_hash(&txs[mid].txid, id);
        if (c == 0)
            return &txs[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int hash_in_sorted(const hash256 *sorted, size_t n, const hash256 *id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_hash(&sorted[mid], id);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int cmp_hash_q(const void *a, const void *b)
{
    return cmp_hash(a, b);
}

/* Nearest-rank position (1-based) of pct percent of n items. */
static size_t rank_of(unsigned pct, size_t n)
{
    return (pct * n + 99) / 100;
}

/* The state of one merge: the inputs, the error buffer, and the scratch
 * arrays freed when it ends. */
typedef struct merge {
    metrics *m;
    char *err;
    size_t errlen;
    const metrics_chain *node_chains;
    const metrics_chain *main_chain;
    uint32_t *by_id;      /* block indexes sorted by block id */
    hash256 *main_sorted; /* the main chain's ids, sorted */
    int64_t *delays;      /* n_nodes scratch delays */
} merge;

/* Writes the message into the merge's err and returns code. */
static metrics_status fail(merge *mg, metrics_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static metrics_status fail(merge *mg, metrics_status code, const char *fmt, ...)
{
    if (mg->err && mg->errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(mg->err, mg->errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* The recorders' kept errors first (in node order), then the arguments. */
static metrics_status check_inputs(merge *mg, size_t n_chains, int64_t end_ns)
{
    metrics *m = mg->m;
    char t1[32], t2[32];
    for (uint32_t i = 0; i < m->n_nodes; i++)
        if (m->nodes[i].status != METRICS_OK)
            return fail(mg, m->nodes[i].status, "%s", m->nodes[i].err);
    if (m->status != METRICS_OK)
        return fail(mg, m->status, "%s", m->err);
    if (n_chains != m->n_nodes || !mg->node_chains || !mg->main_chain || mg->main_chain->len == 0)
        return fail(mg, METRICS_E_ARG,
                    "finish: %zu final chains for %" PRIu32 " nodes, or no main chain", n_chains,
                    m->n_nodes);
    for (uint32_t i = 0; i < m->n_nodes; i++)
        if (mg->node_chains[i].len == 0)
            return fail(mg, METRICS_E_ARG, "finish: node %" PRIu32 "'s final chain is empty",
                        i + 1);
    if (end_ns < m->last_global_ns)
        return fail(mg, METRICS_E_ARG, "finish: run end %s s precedes the last record at %s s",
                    metrics_fmt_seconds(t1, end_ns), metrics_fmt_seconds(t2, m->last_global_ns));
    for (uint32_t i = 0; i < m->n_nodes; i++)
        if (end_ns < m->nodes[i].last_ns)
            return fail(mg, METRICS_E_ARG,
                        "finish: run end %s s precedes node %" PRIu32 "'s record at %s s",
                        metrics_fmt_seconds(t1, end_ns), i + 1,
                        metrics_fmt_seconds(t2, m->nodes[i].last_ns));
    return METRICS_OK;
}

/* Allocates the results and the scratch arrays, sized from the records. */
static metrics_status allocate(merge *mg)
{
    metrics *m = mg->m;
    size_t nb = 0, n_seen = 0, n_reorgs = 0, n_txsub = 0, n_reasons = 0;
    for (uint32_t i = 0; i < m->n_nodes; i++) {
        nb += m->nodes[i].n_produced;
        n_seen += m->nodes[i].n_seen;
        n_reorgs += m->nodes[i].n_reorgs;
        n_txsub += m->nodes[i].n_txsub;
        n_reasons += m->nodes[i].n_reasons;
    }
    m->blocks = calloc(nb ? nb : 1, sizeof *m->blocks);
    mg->by_id = calloc(nb ? nb : 1, sizeof *mg->by_id);
    m->arrivals = calloc(nb + n_seen ? nb + n_seen : 1, sizeof *m->arrivals);
    m->reorgs = calloc(n_reorgs ? n_reorgs : 1, sizeof *m->reorgs);
    m->txs = calloc(n_txsub ? n_txsub : 1, sizeof *m->txs);
    m->reasons = calloc(n_reasons ? n_reasons : 1, sizeof *m->reasons);
    m->node_results = calloc(m->n_nodes, sizeof *m->node_results);
    mg->main_sorted = calloc(mg->main_chain->len, sizeof *mg->main_sorted);
    mg->delays = calloc(m->n_nodes, sizeof *mg->delays);
    if (!m->blocks || !mg->by_id || !m->arrivals || !m->reorgs || !m->txs || !m->reasons ||
        !m->node_results || !mg->main_sorted || !mg->delays)
        return fail(mg, METRICS_E_NOMEM, "out of memory while merging metrics");
    return METRICS_OK;
}

/* Blocks: gather, order, index by id, reject duplicates. */
static metrics_status merge_blocks(merge *mg)
{
    metrics *m = mg->m;
    char hex[65];
    for (uint32_t i = 0; i < m->n_nodes; i++)
        for (size_t j = 0; j < m->nodes[i].n_produced; j++)
            m->blocks[m->n_blocks++] = m->nodes[i].produced[j];
    size_t nb = m->n_blocks;
    qsort(m->blocks, nb, sizeof *m->blocks, cmp_block_out);
    for (size_t i = 0; i < nb; i++) {
        m->blocks[i].reach50_ns = m->blocks[i].reach90_ns = METRICS_NONE;
        mg->by_id[i] = (uint32_t)i;
    }
    qsort_r(mg->by_id, nb, sizeof *mg->by_id, cmp_index_by_id, m->blocks);
    for (size_t i = 1; i < nb; i++)
        if (cmp_hash(&m->blocks[mg->by_id[i]].id, &m->blocks[mg->by_id[i - 1]].id) == 0) {
            hash_to_hex(hex, &m->blocks[mg->by_id[i]].id);
            return fail(mg, METRICS_E_DUPLICATE_BLOCK,
                        "block %s produced twice (by node %" PRIu32 " and node %" PRIu32 ")", hex,
                        m->blocks[mg->by_id[i - 1]].producer, m->blocks[mg->by_id[i]].producer);
        }
    return METRICS_OK;
}

/* The index in m->blocks of the block with id (which must exist). */
static long block_at(const merge *mg, const hash256 *id)
{
    return find_block(mg->m->blocks, mg->by_id, mg->m->n_blocks, id);
}

/* Main chain: mark main blocks, check heights. */
static metrics_status mark_main_chain(merge *mg)
{
    metrics *m = mg->m;
    const metrics_chain *mc = mg->main_chain;
    char hex[65];
    memcpy(mg->main_sorted, mc->ids, mc->len * sizeof *mg->main_sorted);
    qsort(mg->main_sorted, mc->len, sizeof *mg->main_sorted, cmp_hash_q);
    m->main_height = mc->len - 1;
    for (size_t h = 1; h < mc->len; h++) {
        long b = block_at(mg, &mc->ids[h]);
        hash_to_hex(hex, &mc->ids[h]);
        if (b < 0)
            return fail(mg, METRICS_E_UNKNOWN_BLOCK,
                        "main chain height %zu: block %s was never recorded as produced", h, hex);
        if (m->blocks[b].height != h)
            return fail(mg, METRICS_E_CHAIN,
                        "main chain height %zu: block %s was recorded at height %" PRIu64, h, hex,
                        m->blocks[b].height);
        m->blocks[b].main = 1;
    }
    return METRICS_OK;
}

/* Arrivals: the producer at production time, then every seen record, the
 * earliest kept per (block, node). Leaves them in (block, node) order. */
static metrics_status gather_arrivals(merge *mg)
{
    metrics *m = mg->m;
    char t1[32], t2[32], hex[65];
    size_t na = 0;
    for (size_t i = 0; i < m->n_blocks; i++)
        m->arrivals[na++] = (marrival){(uint32_t)i, m->blocks[i].producer, m->blocks[i].time_ns};
    /* Each node's seen records go as soon as they are in the arrivals, and
     * their pages back to the system every few megabytes (small blocks,
     * amid the heap: malloc_trim), so the arrivals (16 bytes a record, their
     * pages touched as they fill) never sit beside all the seen records (40
     * bytes): the merge adds little to the run's peak memory. A merge cannot
     * be run twice anyway. */
    m->seen_merged = 1;
    size_t freed = 0;
    (void)freed; /* without glibc: no trim */
    for (uint32_t i = 0; i < m->n_nodes; i++) {
        for (size_t j = 0; j < m->nodes[i].n_seen; j++) {
            const mseen *s = &m->nodes[i].seen[j];
            long b = block_at(mg, &s->id);
            if (b < 0 || s->time_ns < m->blocks[b].time_ns)
                hash_to_hex(hex, &s->id); /* only for the message */
            if (b < 0)
                return fail(mg, METRICS_E_UNKNOWN_BLOCK,
                            "node %" PRIu32 " saw block %s at %s s, but no node produced it", i + 1,
                            hex, metrics_fmt_seconds(t1, s->time_ns));
            if (s->time_ns < m->blocks[b].time_ns)
                return fail(mg, METRICS_E_ARRIVAL_BEFORE_PRODUCTION,
                            "node %" PRIu32 " saw block %s at %s s, before node %" PRIu32
                            " produced it at %s s",
                            i + 1, hex, metrics_fmt_seconds(t1, s->time_ns), m->blocks[b].producer,
                            metrics_fmt_seconds(t2, m->blocks[b].time_ns));
            m->arrivals[na++] = (marrival){(uint32_t)b, i + 1, s->time_ns};
        }
        freed += m->nodes[i].cap_seen * sizeof *m->nodes[i].seen;
        free(m->nodes[i].seen);
        m->nodes[i].seen = NULL;
        m->nodes[i].n_seen = m->nodes[i].cap_seen = 0;
#ifdef __GLIBC__
        if (freed >= ((size_t)4 << 20) || i + 1 == m->n_nodes) {
            malloc_trim(0);
            freed = 0;
        }
#endif
    }
    arrival_sort(m->arrivals, na, cmp_arrival_block_node);
    size_t kept = 0;
    for (size_t i = 0; i < na; i++) /* keep the earliest per (block, node) */
        if (kept == 0 || m->arrivals[kept - 1].block != m->arrivals[i].block ||
            m->arrivals[kept - 1].node != m->arrivals[i].node)
            m->arrivals[kept++] = m->arrivals[i];
    m->n_arrivals = kept;
    return METRICS_OK;
}

/* Propagation: delay until 50% and 90% of all nodes had each block, from
 * the arrivals in (block, node) order; then the arrivals in output order. */
static void compute_propagation(merge *mg)
{
    metrics *m = mg->m;
    size_t kept = m->n_arrivals;
    size_t r50 = rank_of(50, m->n_nodes), r90 = rank_of(90, m->n_nodes);
    for (size_t i = 0; i < kept;) {
        size_t j = i, nd = 0;
        mblock *b = &m->blocks[m->arrivals[i].block];
        for (; j < kept && m->arrivals[j].block == m->arrivals[i].block; j++)
            mg->delays[nd++] = m->arrivals[j].time_ns - b->time_ns;
        qsort(mg->delays, nd, sizeof *mg->delays, cmp_i64);
        b->seen_by = (uint32_t)nd;
        if (nd >= r50)
            b->reach50_ns = mg->delays[r50 - 1];
        if (nd >= r90)
            b->reach90_ns = mg->delays[r90 - 1];
        i = j;
    }
    arrival_sort(m->arrivals, kept, cmp_arrival_out);
}

static void merge_reorgs(merge *mg)
{
    metrics *m = mg->m;
    for (uint32_t i = 0; i < m->n_nodes; i++)
        for (size_t j = 0; j < m->nodes[i].n_reorgs; j++)
            m->reorgs[m->n_reorgs++] = m->nodes[i].reorgs[j];
    qsort(m->reorgs, m->n_reorgs, sizeof *m->reorgs, cmp_reorg);
}

/* Transactions: one row per submitted txid (the earliest submission), in
 * txid order for the lookups that follow. */
static void gather_txs(merge *mg)
{
    metrics *m = mg->m;
    size_t nt = 0;
    for (uint32_t i = 0; i < m->n_nodes; i++)
        for (size_t j = 0; j < m->nodes[i].n_txsub; j++) {
            mtx *t = &m->txs[nt++];
            t->txid = m->nodes[i].txsub[j].id;
            t->submitted_ns = m->nodes[i].txsub[j].time_ns;
            t->origin = i + 1;
            t->first_included_ns = t->confirmed_ns = METRICS_NONE;
        }
    qsort(m->txs, nt, sizeof *m->txs, cmp_tx_id);
    size_t kept = 0;
    for (size_t i = 0; i < nt; i++)
        if (kept == 0 || cmp_hash(&m->txs[kept - 1].txid, &m->txs[i].txid) != 0)
            m->txs[kept++] = m->txs[i];
    m->n_txs = kept;
}

/* Where each transaction went: its first inclusion in any block, its block
 * on the main chain and its confirmation there, a double spend seen. */
static void trace_txs(merge *mg)
{
    metrics *m = mg->m;
    const metrics_chain *mc = mg->main_chain;
    size_t nt = m->n_txs;
    for (size_t i = 0; i < m->n_blocks; i++) { /* blocks in time order: the first inclusion wins */
        const mblock *b = &m->blocks[i];
        for (size_t j = 0; j < b->n_txids; j++) {
            mtx *t = find_tx(m->txs, nt, &b->txids[j]);
            if (t && !t->in_any_block) {
                t->in_any_block = 1;
                t->first_included_ns = b->time_ns;
            }
        }
    }
    for (size_t h = 1; h < mc->len; h++) {
        const mblock *b = &m->blocks[block_at(mg, &mc->ids[h])];
        for (size_t j = 0; j < b->n_txids; j++) {
            mtx *t = find_tx(m->txs, nt, &b->txids[j]);
            if (!t || t->in_main)
                continue;
            t->in_main = 1;
            t->main_block = b->id;
            size_t hk = h + m->confirm_depth - 1;
            if (hk < mc->len)
                t->confirmed_ns = m->blocks[block_at(mg, &mc->ids[hk])].time_ns;
        }
    }
    for (uint32_t i = 0; i < m->n_nodes; i++)
        for (size_t j = 0; j < m->nodes[i].n_txds; j++) {
            mtx *t = find_tx(m->txs, nt, &m->nodes[i].txds[j].id);
            if (t)
                t->double_spent = 1;
        }
}

/* Each transaction's status; then the transactions in output order. */
static metrics_status settle_txs(merge *mg)
{
    metrics *m = mg->m;
    char t1[32], t2[32], hex[65];
    for (size_t i = 0; i < m->n_txs; i++) {
        mtx *t = &m->txs[i];
        if (t->in_any_block && t->first_included_ns < t->submitted_ns) {
            hash_to_hex(hex, &t->txid);
            return fail(mg, METRICS_E_CHAIN,
                        "transaction %s was included at %s s, before its submission at %s s", hex,
                        metrics_fmt_seconds(t1, t->first_included_ns),
                        metrics_fmt_seconds(t2, t->submitted_ns));
        }
        if (t->confirmed_ns != METRICS_NONE)
            t->status = MTX_CONFIRMED;
        else if (t->in_main)
            t->status = MTX_PENDING;
        else if (t->double_spent)
            t->status = MTX_DROPPED_DOUBLE_SPEND;
        else if (t->in_any_block)
            t->status = MTX_REVERTED;
        else
            t->status = MTX_PENDING;
    }
    qsort(m->txs, m->n_txs, sizeof *m->txs, cmp_tx_out);
    return METRICS_OK;
}

/* Per node results, and the rejection reasons of all nodes summed by reason. */
static void node_results(merge *mg)
{
    metrics *m = mg->m;
    for (size_t i = 0; i < m->n_blocks; i++) {
        mnode_result *r = &m->node_results[m->blocks[i].producer - 1];
        r->produced++;
        if (m->blocks[i].main)
            r->main++;
        else
            r->stale++;
    }
    for (size_t i = 0; i < m->n_reorgs; i++) {
        mnode_result *r = &m->node_results[m->reorgs[i].node - 1];
        r->reorgs++;
        if (m->reorgs[i].depth > r->deepest_reorg)
            r->deepest_reorg = m->reorgs[i].depth;
    }
    for (uint32_t i = 0; i < m->n_nodes; i++) {
        mnode_result *r = &m->node_results[i];
        for (size_t j = 0; j < m->nodes[i].n_reasons; j++) {
            r->invalid += m->nodes[i].reasons[j].count;
            m->reasons[m->n_reasons++] = m->nodes[i].reasons[j];
        }
        r->final_height = mg->node_chains[i].len - 1;
        r->final_tip = mg->node_chains[i].ids[mg->node_chains[i].len - 1];
    }
    qsort(m->reasons, m->n_reasons, sizeof *m->reasons, cmp_reason);
    size_t kept = 0;
    for (size_t i = 0; i < m->n_reasons; i++) {
        if (kept > 0 && strcmp(m->reasons[kept - 1].reason, m->reasons[i].reason) == 0)
            m->reasons[kept - 1].count += m->reasons[i].count;
        else
            m->reasons[kept++] = m->reasons[i];
    }
    m->n_reasons = kept;
}

/* True when every online node of the sample row has the same tip and that
 * tip is on the main chain. */
static int row_converged(const merge *mg, const msample *row)
{
    const msample *first = NULL;
    for (uint32_t k = 0; k < mg->m->n_nodes; k++) {
        if (!row[k].online)
            continue;
        if (!first)
            first = &row[k];
        else if (first->tip != row[k].tip) /* one index per distinct tip */
            return 0;
    }
    return first && hash_in_sorted(mg->main_sorted, mg->main_chain->len, &mg->m->tips[first->tip]);
}

/* Reconvergence: after each heal, the first sample (before the next
 * partition) at which every online node has the same tip and that tip is
 * on the main chain, so no node ever leaves it again. */
static metrics_status reconvergence(merge *mg)
{
    metrics *m = mg->m;
    size_t n_heals = 0;
    for (size_t i = 0; i < m->n_events; i++)
        n_heals += m->events[i].kind == MEV_HEAL;
    m->heals = calloc(n_heals ? n_heals : 1, sizeof *m->heals);
    if (!m->heals)
        return fail(mg, METRICS_E_NOMEM, "out of memory while merging metrics");
    for (size_t i = 0; i < m->n_events; i++) {
        if (m->events[i].kind != MEV_HEAL)
            continue;
        mheal *hl = &m->heals[m->n_heals++];
        hl->heal_ns = m->events[i].time_ns;
        hl->reconverged_ns = METRICS_NONE;
        int64_t until = INT64_MAX;
        for (size_t j = i + 1; j < m->n_events; j++)
            if (m->events[j].kind == MEV_PARTITION) {
                until = m->events[j].time_ns;
                break;
            }
        for (size_t s = 0; s < m->n_samples; s++) {
            int64_t t = m->sample_ns[s];
            if (t < hl->heal_ns)
                continue;
            if (t >= until)
                break;
            if (row_converged(mg, &m->samples[s * m->n_nodes])) {
                hl->reconverged_ns = t;
                break;
            }
        }
    }
    return METRICS_OK;
}

/* Leaves m unfinished and its partial results released. */
void metrics_release_results(metrics *m)
{
    free(m->blocks);
    free(m->arrivals);
    free(m->reorgs);
    free(m->txs);
    free(m->node_results);
    free(m->heals);
    free(m->reasons);
    m->blocks = NULL;
    m->arrivals = NULL;
    m->reorgs = NULL;
    m->txs = NULL;
    m->node_results = NULL;
    m->heals = NULL;
    m->reasons = NULL;
    m->n_blocks = m->n_arrivals = m->n_reorgs = m->n_txs = m->n_heals = m->n_reasons = 0;
}

/* The steps of the merge, in order; each needs the ones before it. */
static metrics_status run_merge(merge *mg, size_t n_chains, int64_t end_ns)
{
    metrics_status st;
    if ((st = check_inputs(mg, n_chains, end_ns)) != METRICS_OK)
        return st;
    mg->m->end_ns = end_ns;
    if ((st = allocate(mg)) != METRICS_OK || (st = merge_blocks(mg)) != METRICS_OK ||
        (st = mark_main_chain(mg)) != METRICS_OK || (st = gather_arrivals(mg)) != METRICS_OK)
        return st;
    compute_propagation(mg);
    merge_reorgs(mg);
    gather_txs(mg);
    trace_txs(mg);
    if ((st = settle_txs(mg)) != METRICS_OK)
        return st;
    node_results(mg);
    return reconvergence(mg);
}

metrics_status metrics_finish(metrics *m, char *err, size_t errlen,
                              const metrics_chain *node_chains, size_t n_chains,
                              const metrics_chain *main_chain, int64_t end_ns)
{
    merge mg = {m, err, errlen, node_chains, main_chain, NULL, NULL, NULL};
    if (err && errlen > 0)
        err[0] = '\0';
    if (!m || m->finished)
        return fail(&mg, METRICS_E_STATE, "metrics_finish called twice");
    if (m->seen_merged)
        return fail(&mg, METRICS_E_STATE, "metrics_finish called again after its merge failed");
    metrics_status status = run_merge(&mg, n_chains, end_ns);
    if (status == METRICS_OK && (status = metrics_bft_finish(m)) != METRICS_OK)
        fail(&mg, status, "out of memory");
    free(mg.by_id);
    free(mg.main_sorted);
    free(mg.delays);
    if (status != METRICS_OK) {
        metrics_release_results(m);
        return status;
    }
    m->finished = 1;
    return METRICS_OK;
}
