/* Metrics recording and merging. Each node's recorder appends to its own
 * arrays without locks; metrics_finish gathers them, checks them against each
 * other (a block is seen no earlier than it was produced, every block on a
 * final chain was produced) and sorts every result with a total order on
 * (time, node, id), which is what makes the files independent of the thread
 * that recorded each fact. This file records; metrics_finish.c merges;
 * metrics_out.c turns the results into files. */
#include "metrics_impl.h"
#include "timeunit.h"

#include <assert.h>
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
    /* Written backwards from the end without snprintf: the CSV files print
     * millions of times (sim/app/metrics_out.c). */
    uint64_t a = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    uint64_t whole = a / (uint64_t)TIMEUNIT_NS_PER_S, frac = a % (uint64_t)TIMEUNIT_NS_PER_S;
    char tmp[32];
    char *p = tmp + sizeof tmp;
    *--p = '\0';
    for (int i = 0; i < 9; i++, frac /= 10)
        *--p = (char)('0' + frac % 10);
    *--p = '.';
    do {
        *--p = (char)('0' + whole % 10);
        whole /= 10;
    } while (whole != 0);
    if (ns < 0)
        *--p = '-';
    memcpy(buf, p, (size_t)(tmp + sizeof tmp - p));
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

/* As grow, by a quarter: for the arrays that hold most of a long run's
 * records (seen blocks, samples), which doubling would leave half empty. */
static int grow_quarter(void *p, size_t *cap, size_t n, size_t elem)
{
    void **pp = p;
    if (n <= *cap)
        return 0;
    size_t ncap = *cap < 16 ? 16 : *cap + *cap / 4;
    if (ncap < n)
        ncap = n;
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

void metrics_node_clear(metrics_node *mn)
{
    for (size_t i = 0; i < mn->n_produced; i++)
        free(mn->produced[i].txids);
    free(mn->produced);
    free(mn->seen);
    free(mn->reorgs);
    free(mn->txsub);
    free(mn->txds);
    free(mn->reasons);
    free(mn->prej);
    free(mn->bans);
    free(mn->equivs);
    free(mn->bfth);
    mn->bfth = NULL;
    mn->n_bfth = mn->cap_bfth = 0;
    mn->equivs = NULL;
    mn->n_equivs = mn->cap_equivs = 0;
    mn->produced = NULL;
    mn->seen = mn->txsub = mn->txds = NULL;
    mn->reorgs = NULL;
    mn->reasons = NULL;
    mn->prej = NULL;
    mn->bans = NULL;
    mn->n_produced = mn->cap_produced = mn->n_seen = mn->cap_seen = 0;
    mn->n_reorgs = mn->cap_reorgs = mn->n_txsub = mn->cap_txsub = 0;
    mn->n_txds = mn->cap_txds = mn->n_reasons = mn->cap_reasons = 0;
    mn->n_prej = mn->cap_prej = mn->n_bans = mn->cap_bans = 0;
}

void metrics_free(metrics *m)
{
    if (!m)
        return;
    if (m->nodes)
        for (uint32_t i = 0; i < m->n_nodes; i++)
            metrics_node_clear(&m->nodes[i]);
    free(m->nodes);
    for (size_t i = 0; i < m->n_events; i++)
        free(m->events[i].group);
    free(m->events);
    free(m->cur_group);
    free(m->sample_ns);
    free(m->samples);
    free(m->tips);
    hmap_free(m->tip_index);
    metrics_release_results(m);
    cJSON_Delete(m->attack);
    free(m->attack_rows);
    cJSON_Delete(m->bft);
    free(m->finals);
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
    if (grow_quarter(arr, cap, *n + 1, sizeof **arr) != 0)
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

void metrics_rejected_from(metrics_node *mn, uint32_t peer, const char *reason, uint32_t score)
{
    for (size_t i = 0; i < mn->n_prej; i++)
        if (mn->prej[i].peer == peer && strcmp(mn->prej[i].reason, reason) == 0) {
            mn->prej[i].count++;
            mn->prej[i].score += score;
            return;
        }
    if (grow(&mn->prej, &mn->cap_prej, mn->n_prej + 1, sizeof *mn->prej) != 0)
        return node_nomem(mn);
    mn->prej[mn->n_prej++] = (mpeer_rej){peer, reason, 1, score};
}

void metrics_peer_banned(metrics_node *mn, int64_t time_ns, uint32_t peer, uint32_t score)
{
    if (grow(&mn->bans, &mn->cap_bans, mn->n_bans + 1, sizeof *mn->bans) != 0)
        return node_nomem(mn);
    mn->bans[mn->n_bans++] = (mban){time_ns, mn->node - 1, peer, score};
}

void metrics_equivocation(metrics_node *mn, int64_t time_ns, uint64_t slot, uint32_t proposer,
                          const hash256 *first, const hash256 *second)
{
    if (grow(&mn->equivs, &mn->cap_equivs, mn->n_equivs + 1, sizeof *mn->equivs) != 0)
        return node_nomem(mn);
    mn->equivs[mn->n_equivs++] = (mequiv){time_ns, slot, proposer, *first, *second};
}

void metrics_bft_record(metrics_node *mn, const metrics_bft_height *h)
{
    if (mn->status != METRICS_OK)
        return;
    if (grow(&mn->bfth, &mn->cap_bfth, mn->n_bfth + 1, sizeof *mn->bfth) != 0)
        return node_nomem(mn);
    mn->bfth[mn->n_bfth++] = *h;
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
    e->peer = 0;
    e->latency_ns = 0;
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
    if (node == 0 || node > m->n_nodes || (unsigned)what > METRICS_RESTORE) {
        set_err(&m->status, m->err, sizeof m->err, METRICS_E_ARG,
                "node event: node %" PRIu32 " or event %d out of range", node, (int)what);
        return;
    }
    static const mevent_kind kinds[] = {MEV_CRASH,       MEV_RESTART, MEV_JOIN,
                                        MEV_ISOLATE,     MEV_REJOIN,  MEV_ECLIPSE,
                                        MEV_ECLIPSE_END, MEV_CUT,     MEV_RESTORE};
    (void)push_event(m, time_ns, kinds[what], node);
}

void metrics_link_latency(metrics *m, int64_t time_ns, uint32_t a, uint32_t b, int64_t latency_ns)
{
    if (!global_time_ok(m, time_ns, "link latency"))
        return;
    if (a == 0 || b == 0 || a > m->n_nodes || b > m->n_nodes || a == b || latency_ns < 0) {
        set_err(&m->status, m->err, sizeof m->err, METRICS_E_ARG,
                "link latency: link %" PRIu32 "-%" PRIu32 " or latency %" PRId64 " out of range", a,
                b, latency_ns);
        return;
    }
    mevent *e = push_event(m, time_ns, MEV_LATENCY, a);
    if (e) {
        e->peer = b;
        e->latency_ns = latency_ns;
    }
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
    if (m->tip_index == NULL && hmap_new(&m->tip_index, sizeof(hash256), sizeof(uint32_t)) != 0)
        m->tip_index = NULL;
    if (m->tip_index == NULL ||
        grow(&m->sample_ns, &m->cap_samples, m->n_samples + 1, sizeof *m->sample_ns) != 0 ||
        grow_quarter(&m->samples, &m->cap_sample_rows, (m->n_samples + 1) * n,
                     sizeof *m->samples) != 0) {
        set_err(&m->status, m->err, sizeof m->err, METRICS_E_NOMEM, "out of memory");
        return;
    }
    const msample *prev = m->n_samples > 0 ? &m->samples[(m->n_samples - 1) * n] : NULL;
    msample *row = &m->samples[m->n_samples * n];
    for (size_t i = 0; i < n; i++) {
        if (tips[i].height > UINT32_MAX) {
            set_err(&m->status, m->err, sizeof m->err, METRICS_E_ARG,
                    "sample: node %zu's height %" PRIu64 " is past 2^32", i + 1, tips[i].height);
            return;
        }
        uint32_t tip;
        if (prev != NULL && hash_eq(&m->tips[prev[i].tip], &tips[i].tip)) {
            tip = prev[i].tip; /* most tips stay from one sample to the next */
        } else if (i > 0 && hash_eq(&m->tips[row[i - 1].tip], &tips[i].tip)) {
            tip = row[i - 1].tip;
        } else {
            const uint32_t *have = hmap_get(m->tip_index, &tips[i].tip);
            if (have != NULL) {
                tip = *have;
            } else {
                tip = (uint32_t)m->n_tips;
                if (grow(&m->tips, &m->cap_tips, m->n_tips + 1, sizeof *m->tips) != 0 ||
                    hmap_put(m->tip_index, &tips[i].tip, &tip) < 0) {
                    set_err(&m->status, m->err, sizeof m->err, METRICS_E_NOMEM, "out of memory");
                    return;
                }
                m->tips[m->n_tips++] = tips[i].tip;
            }
        }
        row[i].height = (uint32_t)tips[i].height;
        row[i].tip = tip;
        row[i].online = tips[i].online != 0;
        row[i].group = m->cur_group[i];
    }
    m->sample_ns[m->n_samples] = time_ns;
    m->n_samples++;
}

size_t metrics_n_blocks(const metrics *m)
{
    return m->finished ? m->n_blocks : 0;
}

void metrics_block_fate(const metrics *m, uint32_t *producer, int *main, size_t i)
{
    assert(m->finished && i < m->n_blocks);
    *producer = m->blocks[i].producer;
    *main = m->blocks[i].main;
}

const hash256 *metrics_block_id(const metrics *m, size_t i)
{
    assert(m->finished && i < m->n_blocks);
    return &m->blocks[i].id;
}

int metrics_add_attack_row(metrics *m, const metrics_attack_row *row)
{
    if (m->n_attack_rows == m->cap_attack_rows) {
        size_t cap = m->cap_attack_rows ? 2 * m->cap_attack_rows : 16;
        metrics_attack_row *p = realloc(m->attack_rows, cap * sizeof *p);
        if (p == NULL)
            return -1;
        m->attack_rows = p;
        m->cap_attack_rows = cap;
    }
    m->attack_rows[m->n_attack_rows++] = *row;
    return 0;
}

void metrics_set_bft(metrics *m, cJSON *bft)
{
    cJSON_Delete(m->bft);
    m->bft = bft;
}

void metrics_set_attack(metrics *m, cJSON *attack)
{
    cJSON_Delete(m->attack);
    m->attack = attack;
}
