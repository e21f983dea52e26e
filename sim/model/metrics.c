/* Metrics recording and merging. Each node's recorder appends to its own
 * arrays without locks; metrics_finish gathers them, checks them against each
 * other (a block is seen no earlier than it was produced, every block on a
 * final chain was produced) and sorts every result with a total order on
 * (time, node, id), which is what makes the files independent of the thread
 * that recorded each fact. metrics_out.c turns the results into files. */
#include "metrics_impl.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define METRICS_MSG(code, msg) msg,
static const char *const status_messages[] = {METRICS_STATUS_MAP(METRICS_MSG)};
#undef METRICS_MSG

const char *metrics_status_message(metrics_status status)
{
    if ((size_t)status >= sizeof status_messages / sizeof status_messages[0])
        return "unknown status";
    return status_messages[status];
}

const char *metrics_fmt_seconds(char *buf, int64_t ns)
{
    const char *sign = ns < 0 ? "-" : "";
    uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    snprintf(buf, 32, "%s%" PRIu64 ".%09" PRIu64, sign, a / 1000000000u, a % 1000000000u);
    return buf;
}

/* Grows *p (of *cap elements of size elem) to hold at least n elements. */
static int grow(void *p, size_t *cap, size_t n, size_t elem)
{
    void **pp = p;
    if (n <= *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 16;
    while (ncap < n)
        ncap *= 2;
    void *np = realloc(*pp, ncap * elem);
    if (!np)
        return -1;
    *pp = np;
    *cap = ncap;
    return 0;
}

static void set_err(metrics_status *status, char *err, size_t errlen, metrics_status code,
                    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void set_err(metrics_status *status, char *err, size_t errlen, metrics_status code,
                    const char *fmt, ...)
{
    if (*status != METRICS_OK)
        return;
    *status = code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

metrics *metrics_new(uint32_t n_nodes, uint32_t confirm_depth)
{
    if (n_nodes == 0 || confirm_depth == 0)
        return NULL;
    metrics *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->n_nodes = n_nodes;
    m->confirm_depth = confirm_depth;
    m->nodes = calloc(n_nodes, sizeof *m->nodes);
    m->cur_group = calloc(n_nodes, sizeof *m->cur_group);
    if (!m->nodes || !m->cur_group)
        goto fail;
    for (uint32_t i = 0; i < n_nodes; i++)
        m->nodes[i].node = i + 1;
    return m;
fail:
    metrics_free(m);
    return NULL;
}

static void node_free_fields(metrics_node *mn)
{
    for (size_t i = 0; i < mn->n_produced; i++)
        free(mn->produced[i].txids);
    free(mn->produced);
    free(mn->seen);
    free(mn->reorgs);
    free(mn->txsub);
    free(mn->txds);
    free(mn->reasons);
}

void metrics_free(metrics *m)
{
    if (!m)
        return;
    if (m->nodes)
        for (uint32_t i = 0; i < m->n_nodes; i++)
            node_free_fields(&m->nodes[i]);
    free(m->nodes);
    for (size_t i = 0; i < m->n_events; i++)
        free(m->events[i].group);
    free(m->events);
    free(m->cur_group);
    free(m->sample_ns);
    free(m->samples);
    free(m->blocks);
    free(m->arrivals);
    free(m->reorgs);
    free(m->txs);
    free(m->node_results);
    free(m->heals);
    free(m->reasons);
    free(m);
}

metrics_node *metrics_node_of(metrics *m, uint32_t node)
{
    if (!m || node == 0 || node > m->n_nodes)
        return NULL;
    return &m->nodes[node - 1];
}

/* --- per-node recording --- */

/* Checks that time does not go backwards at the node; 0 when the record may
 * be kept. */
static int node_time_ok(metrics_node *mn, int64_t time_ns)
{
    if (mn->status != METRICS_OK)
        return 0;
    if (time_ns < 0 || time_ns < mn->last_ns) {
        char a[32], b[32];
        set_err(&mn->status, mn->err, sizeof mn->err, METRICS_E_TIME_BACKWARDS,
                "node %" PRIu32 ": record at %s s after one at %s s", mn->node,
                metrics_fmt_seconds(a, time_ns), metrics_fmt_seconds(b, mn->last_ns));
        return 0;
    }
    mn->last_ns = time_ns;
    return 1;
}

static void node_nomem(metrics_node *mn)
{
    set_err(&mn->status, mn->err, sizeof mn->err, METRICS_E_NOMEM,
            "node %" PRIu32 ": out of memory while recording", mn->node);
}

void metrics_block_produced(metrics_node *mn, int64_t time_ns, const hash256 *id,
                            const hash256 *parent, uint64_t height, const hash256 *txids,
                            size_t n_txids, uint64_t size_bytes)
{
    if (!node_time_ok(mn, time_ns))
        return;
    if (grow(&mn->produced, &mn->cap_produced, mn->n_produced + 1, sizeof *mn->produced) != 0)
        return node_nomem(mn);
    hash256 *copy = NULL;
    if (n_txids > 0) {
        copy = malloc(n_txids * sizeof *copy);
        if (!copy)
            return node_nomem(mn);
        memcpy(copy, txids, n_txids * sizeof *copy);
    }
    mblock *b = &mn->produced[mn->n_produced++];
    memset(b, 0, sizeof *b);
    b->id = *id;
    b->parent = *parent;
    b->height = height;
    b->size_bytes = size_bytes;
    b->producer = mn->node;
    b->time_ns = time_ns;
    b->txids = copy;
    b->n_txids = n_txids;
}

static void push_seen(metrics_node *mn, mseen **arr, size_t *n, size_t *cap, int64_t time_ns,
                      const hash256 *id)
{
    if (!node_time_ok(mn, time_ns))
        return;
    if (grow(arr, cap, *n + 1, sizeof **arr) != 0)
        return node_nomem(mn);
    (*arr)[*n].id = *id;
    (*arr)[*n].time_ns = time_ns;
    (*n)++;
}

void metrics_block_seen(metrics_node *mn, int64_t time_ns, const hash256 *id)
{
    push_seen(mn, &mn->seen, &mn->n_seen, &mn->cap_seen, time_ns, id);
}

void metrics_tx_submitted(metrics_node *mn, int64_t time_ns, const hash256 *txid)
{
    push_seen(mn, &mn->txsub, &mn->n_txsub, &mn->cap_txsub, time_ns, txid);
}

void metrics_tx_double_spend(metrics_node *mn, int64_t time_ns, const hash256 *txid)
{
    push_seen(mn, &mn->txds, &mn->n_txds, &mn->cap_txds, time_ns, txid);
}

void metrics_reorg(metrics_node *mn, int64_t time_ns, const hash256 *old_tip,
                   const hash256 *new_tip, uint32_t depth, uint32_t txs_reverted)
{
    if (!node_time_ok(mn, time_ns))
        return;
    if (grow(&mn->reorgs, &mn->cap_reorgs, mn->n_reorgs + 1, sizeof *mn->reorgs) != 0)
        return node_nomem(mn);
    mreorg *r = &mn->reorgs[mn->n_reorgs++];
    memset(r, 0, sizeof *r);
    r->time_ns = time_ns;
    r->node = mn->node;
    r->depth = depth;
    r->txs_reverted = txs_reverted;
    r->old_tip = *old_tip;
    r->new_tip = *new_tip;
}

void metrics_count(metrics_node *mn, metrics_counter counter, uint64_t n)
{
    if ((unsigned)counter < METRICS_N_COUNTERS)
        mn->counters[counter] += n;
}

void metrics_rejected(metrics_node *mn, const char *reason)
{
    for (size_t i = 0; i < mn->n_reasons; i++)
        if (strcmp(mn->reasons[i].reason, reason) == 0) {
            mn->reasons[i].count++;
            return;
        }
    if (grow(&mn->reasons, &mn->cap_reasons, mn->n_reasons + 1, sizeof *mn->reasons) != 0)
        return node_nomem(mn);
    mn->reasons[mn->n_reasons].reason = reason;
    mn->reasons[mn->n_reasons++].count = 1;
}

/* --- global records --- */

static int global_time_ok(metrics *m, int64_t time_ns, const char *what)
{
    if (m->status != METRICS_OK)
        return 0;
    if (time_ns < 0 || time_ns < m->last_global_ns) {
        char a[32], b[32];
        set_err(&m->status, m->err, sizeof m->err, METRICS_E_TIME_BACKWARDS,
                "%s at %s s after a global record at %s s", what, metrics_fmt_seconds(a, time_ns),
                metrics_fmt_seconds(b, m->last_global_ns));
        return 0;
    }
    m->last_global_ns = time_ns;
    return 1;
}

static mevent *push_event(metrics *m, int64_t time_ns, mevent_kind kind, uint32_t node)
{
    if (grow(&m->events, &m->cap_events, m->n_events + 1, sizeof *m->events) != 0) {
        set_err(&m->status, m->err, sizeof m->err, METRICS_E_NOMEM, "out of memory");
        return NULL;
    }
    mevent *e = &m->events[m->n_events++];
    e->time_ns = time_ns;
    e->kind = kind;
    e->node = node;
    e->group = NULL;
    return e;
}

void metrics_partition(metrics *m, int64_t time_ns, const uint32_t *group_of_node, size_t n)
{
    if (!global_time_ok(m, time_ns, "partition"))
        return;
    if (n != m->n_nodes) {
        set_err(&m->status, m->err, sizeof m->err, METRICS_E_ARG,
                "partition: %zu groups given for %" PRIu32 " nodes", n, m->n_nodes);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (group_of_node[i] == 0) {
            set_err(&m->status, m->err, sizeof m->err, METRICS_E_ARG,
                    "partition: node %zu has group 0 (groups start at 1)", i + 1);
            return;
        }
    uint32_t *copy = malloc(n * sizeof *copy);
    mevent *e = copy ? push_event(m, time_ns, MEV_PARTITION, 0) : NULL;
    if (!e) {
        free(copy);
        set_err(&m->status, m->err, sizeof m->err, METRICS_E_NOMEM, "out of memory");
        return;
    }
    memcpy(copy, group_of_node, n * sizeof *copy);
    e->group = copy;
    memcpy(m->cur_group, group_of_node, n * sizeof *copy);
}

void metrics_heal(metrics *m, int64_t time_ns)
{
    if (!global_time_ok(m, time_ns, "heal"))
        return;
    if (push_event(m, time_ns, MEV_HEAL, 0))
        memset(m->cur_group, 0, m->n_nodes * sizeof *m->cur_group);
}

void metrics_node_event(metrics *m, int64_t time_ns, uint32_t node, metrics_life what)
{
    if (!global_time_ok(m, time_ns, "node event"))
        return;
    if (node == 0 || node > m->n_nodes || (unsigned)what > METRICS_JOIN) {
        set_err(&m->status, m->err, sizeof m->err, METRICS_E_ARG,
                "node event: node %" PRIu32 " or event %d out of range", node, (int)what);
        return;
    }
    static const mevent_kind kinds[] = {MEV_CRASH, MEV_RESTART, MEV_JOIN};
    (void)push_event(m, time_ns, kinds[what], node);
}

void metrics_sample(metrics *m, int64_t time_ns, const metrics_tip *tips, size_t n)
{
    if (m->status != METRICS_OK)
        return;
    if (n != m->n_nodes) {
        set_err(&m->status, m->err, sizeof m->err, METRICS_E_ARG,
                "sample: %zu tips given for %" PRIu32 " nodes", n, m->n_nodes);
        return;
    }
    if (m->n_samples > 0 && time_ns <= m->sample_ns[m->n_samples - 1]) {
        char a[32], b[32];
        set_err(&m->status, m->err, sizeof m->err, METRICS_E_TIME_BACKWARDS,
                "sample at %s s does not follow the sample at %s s",
                metrics_fmt_seconds(a, time_ns),
                metrics_fmt_seconds(b, m->sample_ns[m->n_samples - 1]));
        return;
    }
    if (!global_time_ok(m, time_ns, "sample"))
        return;
    if (grow(&m->sample_ns, &m->cap_samples, m->n_samples + 1, sizeof *m->sample_ns) != 0 ||
        grow(&m->samples, &m->cap_sample_rows, (m->n_samples + 1) * n, sizeof *m->samples) != 0) {
        set_err(&m->status, m->err, sizeof m->err, METRICS_E_NOMEM, "out of memory");
        return;
    }
    m->sample_ns[m->n_samples] = time_ns;
    msample *row = &m->samples[m->n_samples * n];
    for (size_t i = 0; i < n; i++) {
        row[i].height = tips[i].height;
        row[i].tip = tips[i].tip;
        row[i].online = tips[i].online != 0;
        row[i].group = m->cur_group[i];
    }
    m->n_samples++;
}

/* --- merging --- */

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

#define FAIL(code, ...)                                                                            \
    do {                                                                                           \
        status = (code);                                                                           \
        if (err && errlen > 0)                                                                     \
            snprintf(err, errlen, __VA_ARGS__);                                                    \
        goto fail;                                                                                 \
    } while (0)

metrics_status metrics_finish(metrics *m, char *err, size_t errlen,
                              const metrics_chain *node_chains, size_t n_chains,
                              const metrics_chain *main_chain, int64_t end_ns)
{
    metrics_status status = METRICS_OK;
    uint32_t *by_id = NULL;
    hash256 *main_sorted = NULL;
    int64_t *delays = NULL;
    char t1[32], t2[32], hex[65];
    if (err && errlen > 0)
        err[0] = '\0';
    if (!m || m->finished)
        FAIL(METRICS_E_STATE, "metrics_finish called twice");
    for (uint32_t i = 0; i < m->n_nodes; i++)
        if (m->nodes[i].status != METRICS_OK)
            FAIL(m->nodes[i].status, "%s", m->nodes[i].err);
    if (m->status != METRICS_OK)
        FAIL(m->status, "%s", m->err);
    if (n_chains != m->n_nodes || !node_chains || !main_chain || main_chain->len == 0)
        FAIL(METRICS_E_ARG, "finish: %zu final chains for %" PRIu32 " nodes, or no main chain",
             n_chains, m->n_nodes);
    for (uint32_t i = 0; i < m->n_nodes; i++)
        if (node_chains[i].len == 0)
            FAIL(METRICS_E_ARG, "finish: node %" PRIu32 "'s final chain is empty", i + 1);
    if (end_ns < m->last_global_ns)
        FAIL(METRICS_E_ARG, "finish: run end %s s precedes the last record at %s s",
             metrics_fmt_seconds(t1, end_ns), metrics_fmt_seconds(t2, m->last_global_ns));
    for (uint32_t i = 0; i < m->n_nodes; i++)
        if (end_ns < m->nodes[i].last_ns)
            FAIL(METRICS_E_ARG, "finish: run end %s s precedes node %" PRIu32 "'s record at %s s",
                 metrics_fmt_seconds(t1, end_ns), i + 1,
                 metrics_fmt_seconds(t2, m->nodes[i].last_ns));
    m->end_ns = end_ns;

    /* Blocks: gather, order, index by id, reject duplicates. */
    size_t nb = 0, n_seen = 0, n_reorgs = 0, n_txsub = 0, n_reasons = 0;
    for (uint32_t i = 0; i < m->n_nodes; i++) {
        nb += m->nodes[i].n_produced;
        n_seen += m->nodes[i].n_seen;
        n_reorgs += m->nodes[i].n_reorgs;
        n_txsub += m->nodes[i].n_txsub;
        n_reasons += m->nodes[i].n_reasons;
    }
    m->blocks = calloc(nb ? nb : 1, sizeof *m->blocks);
    by_id = calloc(nb ? nb : 1, sizeof *by_id);
    m->arrivals = calloc(nb + n_seen ? nb + n_seen : 1, sizeof *m->arrivals);
    m->reorgs = calloc(n_reorgs ? n_reorgs : 1, sizeof *m->reorgs);
    m->txs = calloc(n_txsub ? n_txsub : 1, sizeof *m->txs);
    m->reasons = calloc(n_reasons ? n_reasons : 1, sizeof *m->reasons);
    m->node_results = calloc(m->n_nodes, sizeof *m->node_results);
    main_sorted = calloc(main_chain->len, sizeof *main_sorted);
    delays = calloc(m->n_nodes, sizeof *delays);
    if (!m->blocks || !by_id || !m->arrivals || !m->reorgs || !m->txs || !m->reasons ||
        !m->node_results || !main_sorted || !delays)
        FAIL(METRICS_E_NOMEM, "out of memory while merging metrics");
    for (uint32_t i = 0; i < m->n_nodes; i++)
        for (size_t j = 0; j < m->nodes[i].n_produced; j++)
            m->blocks[m->n_blocks++] = m->nodes[i].produced[j];
    qsort(m->blocks, nb, sizeof *m->blocks, cmp_block_out);
    for (size_t i = 0; i < nb; i++) {
        m->blocks[i].reach50_ns = m->blocks[i].reach90_ns = METRICS_NONE;
        by_id[i] = (uint32_t)i;
    }
    qsort_r(by_id, nb, sizeof *by_id, cmp_index_by_id, m->blocks);
    for (size_t i = 1; i < nb; i++)
        if (cmp_hash(&m->blocks[by_id[i]].id, &m->blocks[by_id[i - 1]].id) == 0) {
            hash_to_hex(hex, &m->blocks[by_id[i]].id);
            FAIL(METRICS_E_DUPLICATE_BLOCK,
                 "block %s produced twice (by node %" PRIu32 " and node %" PRIu32 ")", hex,
                 m->blocks[by_id[i - 1]].producer, m->blocks[by_id[i]].producer);
        }

    /* Main chain: mark main blocks, check heights. */
    memcpy(main_sorted, main_chain->ids, main_chain->len * sizeof *main_sorted);
    qsort(main_sorted, main_chain->len, sizeof *main_sorted, cmp_hash_q);
    m->main_height = main_chain->len - 1;
    for (size_t h = 1; h < main_chain->len; h++) {
        long b = find_block(m->blocks, by_id, nb, &main_chain->ids[h]);
        hash_to_hex(hex, &main_chain->ids[h]);
        if (b < 0)
            FAIL(METRICS_E_UNKNOWN_BLOCK,
                 "main chain height %zu: block %s was never recorded as produced", h, hex);
        if (m->blocks[b].height != h)
            FAIL(METRICS_E_CHAIN, "main chain height %zu: block %s was recorded at height %" PRIu64,
                 h, hex, m->blocks[b].height);
        m->blocks[b].main = 1;
    }

    /* Arrivals: the producer at production time, then every seen record. */
    size_t na = 0;
    for (size_t i = 0; i < nb; i++)
        m->arrivals[na++] = (marrival){(uint32_t)i, m->blocks[i].producer, m->blocks[i].time_ns};
    for (uint32_t i = 0; i < m->n_nodes; i++)
        for (size_t j = 0; j < m->nodes[i].n_seen; j++) {
            const mseen *s = &m->nodes[i].seen[j];
            long b = find_block(m->blocks, by_id, nb, &s->id);
            hash_to_hex(hex, &s->id);
            if (b < 0)
                FAIL(METRICS_E_UNKNOWN_BLOCK,
                     "node %" PRIu32 " saw block %s at %s s, but no node produced it", i + 1, hex,
                     metrics_fmt_seconds(t1, s->time_ns));
            if (s->time_ns < m->blocks[b].time_ns)
                FAIL(METRICS_E_ARRIVAL_BEFORE_PRODUCTION,
                     "node %" PRIu32 " saw block %s at %s s, before node %" PRIu32
                     " produced it at %s s",
                     i + 1, hex, metrics_fmt_seconds(t1, s->time_ns), m->blocks[b].producer,
                     metrics_fmt_seconds(t2, m->blocks[b].time_ns));
            m->arrivals[na++] = (marrival){(uint32_t)b, i + 1, s->time_ns};
        }
    qsort(m->arrivals, na, sizeof *m->arrivals, cmp_arrival_block_node);
    size_t kept = 0;
    for (size_t i = 0; i < na; i++) /* keep the earliest per (block, node) */
        if (kept == 0 || m->arrivals[kept - 1].block != m->arrivals[i].block ||
            m->arrivals[kept - 1].node != m->arrivals[i].node)
            m->arrivals[kept++] = m->arrivals[i];
    m->n_arrivals = kept;
    /* Propagation: delay until 50% and 90% of all nodes had the block. */
    size_t r50 = rank_of(50, m->n_nodes), r90 = rank_of(90, m->n_nodes);
    for (size_t i = 0; i < kept;) {
        size_t j = i, nd = 0;
        mblock *b = &m->blocks[m->arrivals[i].block];
        for (; j < kept && m->arrivals[j].block == m->arrivals[i].block; j++)
            delays[nd++] = m->arrivals[j].time_ns - b->time_ns;
        qsort(delays, nd, sizeof *delays, cmp_i64);
        b->seen_by = (uint32_t)nd;
        if (nd >= r50)
            b->reach50_ns = delays[r50 - 1];
        if (nd >= r90)
            b->reach90_ns = delays[r90 - 1];
        i = j;
    }
    qsort(m->arrivals, kept, sizeof *m->arrivals, cmp_arrival_out);

    /* Reorganisations. */
    for (uint32_t i = 0; i < m->n_nodes; i++)
        for (size_t j = 0; j < m->nodes[i].n_reorgs; j++)
            m->reorgs[m->n_reorgs++] = m->nodes[i].reorgs[j];
    qsort(m->reorgs, m->n_reorgs, sizeof *m->reorgs, cmp_reorg);

    /* Transactions: one row per submitted txid (the earliest submission). */
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
    kept = 0;
    for (size_t i = 0; i < nt; i++)
        if (kept == 0 || cmp_hash(&m->txs[kept - 1].txid, &m->txs[i].txid) != 0)
            m->txs[kept++] = m->txs[i];
    m->n_txs = nt = kept;
    for (size_t i = 0; i < nb; i++) { /* blocks in time order: the first inclusion wins */
        const mblock *b = &m->blocks[i];
        for (size_t j = 0; j < b->n_txids; j++) {
            mtx *t = find_tx(m->txs, nt, &b->txids[j]);
            if (t && !t->in_any_block) {
                t->in_any_block = 1;
                t->first_included_ns = b->time_ns;
            }
        }
    }
    for (size_t h = 1; h < main_chain->len; h++) {
        const mblock *b = &m->blocks[find_block(m->blocks, by_id, nb, &main_chain->ids[h])];
        for (size_t j = 0; j < b->n_txids; j++) {
            mtx *t = find_tx(m->txs, nt, &b->txids[j]);
            if (!t || t->in_main)
                continue;
            t->in_main = 1;
            t->main_block = b->id;
            size_t hk = h + m->confirm_depth - 1;
            if (hk < main_chain->len)
                t->confirmed_ns =
                    m->blocks[find_block(m->blocks, by_id, nb, &main_chain->ids[hk])].time_ns;
        }
    }
    for (uint32_t i = 0; i < m->n_nodes; i++)
        for (size_t j = 0; j < m->nodes[i].n_txds; j++) {
            mtx *t = find_tx(m->txs, nt, &m->nodes[i].txds[j].id);
            if (t)
                t->double_spent = 1;
        }
    for (size_t i = 0; i < nt; i++) {
        mtx *t = &m->txs[i];
        if (t->in_any_block && t->first_included_ns < t->submitted_ns) {
            hash_to_hex(hex, &t->txid);
            FAIL(METRICS_E_CHAIN,
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
    qsort(m->txs, nt, sizeof *m->txs, cmp_tx_out);

    /* Per node results. */
    for (size_t i = 0; i < nb; i++) {
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
        r->final_height = node_chains[i].len - 1;
        r->final_tip = node_chains[i].ids[node_chains[i].len - 1];
    }
    qsort(m->reasons, m->n_reasons, sizeof *m->reasons, cmp_reason);
    kept = 0;
    for (size_t i = 0; i < m->n_reasons; i++) {
        if (kept > 0 && strcmp(m->reasons[kept - 1].reason, m->reasons[i].reason) == 0)
            m->reasons[kept - 1].count += m->reasons[i].count;
        else
            m->reasons[kept++] = m->reasons[i];
    }
    m->n_reasons = kept;

    /* Reconvergence: after each heal, the first sample (before the next
     * partition) at which every online node has the same tip and that tip is
     * on the main chain, so no node ever leaves it again. */
    size_t n_heals = 0;
    for (size_t i = 0; i < m->n_events; i++)
        n_heals += m->events[i].kind == MEV_HEAL;
    m->heals = calloc(n_heals ? n_heals : 1, sizeof *m->heals);
    if (!m->heals)
        FAIL(METRICS_E_NOMEM, "out of memory while merging metrics");
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
            const msample *row = &m->samples[s * m->n_nodes];
            const hash256 *tip = NULL;
            int agree = 1;
            for (uint32_t k = 0; k < m->n_nodes && agree; k++) {
                if (!row[k].online)
                    continue;
                if (!tip)
                    tip = &row[k].tip;
                else if (cmp_hash(tip, &row[k].tip) != 0)
                    agree = 0;
            }
            if (agree && tip && hash_in_sorted(main_sorted, main_chain->len, tip)) {
                hl->reconverged_ns = t;
                break;
            }
        }
    }
    m->finished = 1;
    free(by_id);
    free(main_sorted);
    free(delays);
    return METRICS_OK;
fail:
    free(by_id);
    free(main_sorted);
    free(delays);
    if (m && !m->finished) {
        /* Leave m unfinished and its partial results released. */
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
    return status;
}
