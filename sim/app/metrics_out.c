/* Metrics output: the CSV files and summary.json from metrics_finish's
 * sorted results, and run_info.json. Every number is printed from integers
 * (times as exact seconds with 9 decimals) or through cJSON's fixed number
 * format, so the same run gives the same bytes. */
#include "fileout.h"
#include "hash.h"
#include "timeunit.h"
#include "metrics_impl.h"
#include "textbuf.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Writes dir/name with the text fn formats, passed to the file as it is
 * formatted (a CSV file may be larger than the memory it is built from). */
static metrics_status out_stream(char *err, size_t errlen, const char *dir, const char *name,
                                 void (*fn)(const metrics *, textbuf *), const metrics *m)
{
    char *path = fileout_join(dir, name);
    fileout_stream *st = NULL;
    if (!path) {
        snprintf(err, errlen, "%s/%s: out of memory while formatting", dir, name);
        return METRICS_E_NOMEM;
    }
    if (fileout_stream_open(&st, err, errlen, path) != FILEOUT_OK) {
        free(path);
        return METRICS_E_WRITE;
    }
    free(path);
    textbuf t;
    textbuf_init_stream(&t, st);
    fn(m, &t);
    textbuf_flush(&t);
    if (textbuf_failed(&t)) {
        textbuf_free(&t);
        fileout_stream_abort(st);
        snprintf(err, errlen, "%s/%s: out of memory while formatting", dir, name);
        return METRICS_E_NOMEM;
    }
    textbuf_free(&t);
    return fileout_stream_commit(st, err, errlen) == FILEOUT_OK ? METRICS_OK : METRICS_E_WRITE;
}

static void put_time(textbuf *f, int64_t ns)
{
    char buf[32];
    if (ns != METRICS_NONE)
        textbuf_puts(f, metrics_fmt_seconds(buf, ns));
}

static const char *const tx_status_names[] = {"confirmed", "pending", "dropped_double_spend",
                                              "reverted"};

static void write_blocks(const metrics *m, textbuf *f)
{
    textbuf_puts(f, "id,height,parent,producer,time_produced,transactions,bytes,main_chain,seen_by,"
                    "delay_50pct,delay_90pct\n");
    for (size_t i = 0; i < m->n_blocks; i++) {
        const mblock *b = &m->blocks[i];
        textbuf_hash(f, &b->id);
        textbuf_printf(f, ",%" PRIu64 ",", b->height);
        textbuf_hash(f, &b->parent);
        textbuf_printf(f, ",%" PRIu32 ",", b->producer);
        put_time(f, b->time_ns);
        textbuf_printf(f, ",%zu,%" PRIu64 ",%d,%" PRIu32 ",", b->n_txids, b->size_bytes, b->main,
                       b->seen_by);
        put_time(f, b->reach50_ns);
        textbuf_putc(f, ',');
        put_time(f, b->reach90_ns);
        textbuf_putc(f, '\n');
    }
}

static void write_arrivals(const metrics *m, textbuf *f)
{
    textbuf_puts(f, "block,node,time_first_seen,delay\n");
    for (size_t i = 0; i < m->n_arrivals; i++) {
        const marrival *a = &m->arrivals[i];
        textbuf_hash(f, &m->blocks[a->block].id);
        textbuf_putc(f, ',');
        textbuf_u64(f, a->node);
        textbuf_putc(f, ',');
        put_time(f, a->time_ns);
        textbuf_putc(f, ',');
        put_time(f, a->time_ns - m->blocks[a->block].time_ns);
        textbuf_putc(f, '\n');
    }
}

static void write_nodes(const metrics *m, textbuf *f)
{
    textbuf_puts(
        f, "node,blocks_produced,blocks_main,blocks_stale,reorgs,deepest_reorg,msgs_sent,"
           "msgs_received,bytes_sent,bytes_received,invalid_rejected,hashes,events,final_height,"
           "final_tip\n");
    for (uint32_t i = 0; i < m->n_nodes; i++) {
        const mnode_result *r = &m->node_results[i];
        const uint64_t *c = m->nodes[i].counters;
        textbuf_printf(f,
                       "%" PRIu32 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
                       ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
                       ",%" PRIu64 ",%" PRIu64 ",",
                       i + 1, r->produced, r->main, r->stale, r->reorgs, r->deepest_reorg,
                       c[METRICS_MSGS_SENT], c[METRICS_MSGS_RECEIVED], c[METRICS_BYTES_SENT],
                       c[METRICS_BYTES_RECEIVED], r->invalid, c[METRICS_HASHES], c[METRICS_EVENTS],
                       r->final_height);
        textbuf_hash(f, &r->final_tip);
        textbuf_putc(f, '\n');
    }
}

static void write_timeline(const metrics *m, textbuf *f)
{
    textbuf_puts(f, "time,node,height,tip,online,partition_group\n");
    for (size_t s = 0; s < m->n_samples; s++)
        for (uint32_t i = 0; i < m->n_nodes; i++) {
            const msample *x = &m->samples[s * m->n_nodes + i];
            put_time(f, m->sample_ns[s]);
            textbuf_putc(f, ',');
            textbuf_u64(f, i + 1);
            textbuf_putc(f, ',');
            textbuf_u64(f, x->height);
            textbuf_putc(f, ',');
            textbuf_hash(f, &m->tips[x->tip]);
            textbuf_putc(f, ',');
            textbuf_u64(f, (uint64_t)x->online); /* 0 or 1 */
            textbuf_putc(f, ',');
            textbuf_u64(f, x->group);
            textbuf_putc(f, '\n');
        }
}

static void write_transactions(const metrics *m, textbuf *f)
{
    textbuf_puts(f, "txid,origin,submitted,first_included,block,confirmed,latency,status\n");
    for (size_t i = 0; i < m->n_txs; i++) {
        const mtx *t = &m->txs[i];
        textbuf_hash(f, &t->txid);
        textbuf_printf(f, ",%" PRIu32 ",", t->origin);
        put_time(f, t->submitted_ns);
        textbuf_putc(f, ',');
        put_time(f, t->first_included_ns);
        textbuf_putc(f, ',');
        if (t->in_main)
            textbuf_hash(f, &t->main_block);
        textbuf_putc(f, ',');
        put_time(f, t->confirmed_ns);
        textbuf_putc(f, ',');
        if (t->confirmed_ns != METRICS_NONE)
            put_time(f, t->confirmed_ns - t->submitted_ns);
        textbuf_printf(f, ",%s\n", tx_status_names[t->status]);
    }
}

static void put_count(textbuf *f, int64_t v)
{
    if (v >= 0)
        textbuf_u64(f, (uint64_t)v);
}

static void write_attacks(const metrics *m, textbuf *f)
{
    textbuf_puts(f, "kind,node,start,end,blocks_withheld,blocks_published,blocks_main,"
                    "txs_censored,outcome\n");
    for (size_t i = 0; i < m->n_attack_rows; i++) {
        const metrics_attack_row *r = &m->attack_rows[i];
        textbuf_printf(f, "%s,%" PRIu32 ",", r->kind, r->node);
        if (r->start_ns >= 0)
            put_time(f, r->start_ns);
        textbuf_putc(f, ',');
        if (r->end_ns >= 0)
            put_time(f, r->end_ns);
        textbuf_putc(f, ',');
        put_count(f, r->blocks_withheld);
        textbuf_putc(f, ',');
        put_count(f, r->blocks_published);
        textbuf_putc(f, ',');
        put_count(f, r->blocks_main);
        textbuf_putc(f, ',');
        put_count(f, r->txs_censored);
        textbuf_printf(f, ",%s\n", r->outcome);
    }
}

static void write_reorgs(const metrics *m, textbuf *f)
{
    textbuf_puts(f, "time,node,old_tip,new_tip,depth,txs_reverted\n");
    for (size_t i = 0; i < m->n_reorgs; i++) {
        const mreorg *r = &m->reorgs[i];
        put_time(f, r->time_ns);
        textbuf_printf(f, ",%" PRIu32 ",", r->node);
        textbuf_hash(f, &r->old_tip);
        textbuf_putc(f, ',');
        textbuf_hash(f, &r->new_tip);
        textbuf_printf(f, ",%" PRIu32 ",%" PRIu32 "\n", r->depth, r->txs_reverted);
    }
}

static uint32_t group_count(const metrics *m, const mevent *e)
{
    uint32_t g = 0;
    for (uint32_t i = 0; i < m->n_nodes; i++)
        if (e->group[i] > g)
            g = e->group[i];
    return g;
}

static void write_partitions(const metrics *m, textbuf *f)
{
    textbuf_puts(f, "start,end,groups\n");
    for (size_t i = 0; i < m->n_events; i++) {
        if (m->events[i].kind != MEV_PARTITION)
            continue;
        int64_t end = m->end_ns;
        for (size_t j = i + 1; j < m->n_events; j++)
            if (m->events[j].kind == MEV_HEAL || m->events[j].kind == MEV_PARTITION) {
                end = m->events[j].time_ns;
                break;
            }
        put_time(f, m->events[i].time_ns);
        textbuf_putc(f, ',');
        put_time(f, end);
        textbuf_printf(f, ",%" PRIu32 "\n", group_count(m, &m->events[i]));
    }
}

static void write_events(const metrics *m, textbuf *f)
{
    static const char *const names[] = {"partition",   "heal",    "crash",   "restart",
                                        "join",        "isolate", "rejoin",  "eclipse",
                                        "eclipse_end", "cut",     "restore", "latency"};
    textbuf_puts(f, "time,event,node,group,peer,latency\n");
    for (size_t i = 0; i < m->n_events; i++) {
        const mevent *e = &m->events[i];
        if (e->kind == MEV_PARTITION) {
            for (uint32_t k = 0; k < m->n_nodes; k++) {
                put_time(f, e->time_ns);
                textbuf_printf(f, ",partition,%" PRIu32 ",%" PRIu32 ",,\n", k + 1, e->group[k]);
            }
            continue;
        }
        put_time(f, e->time_ns);
        textbuf_printf(f, ",%s,", names[e->kind]);
        if (e->kind != MEV_HEAL)
            textbuf_printf(f, "%" PRIu32, e->node);
        if (e->kind == MEV_LATENCY) {
            textbuf_printf(f, ",,%" PRIu32 ",", e->peer);
            if (e->latency_ns > 0) /* empty: the scenario's latency again */
                put_time(f, e->latency_ns);
            textbuf_puts(f, "\n");
        } else {
            textbuf_puts(f, ",,,\n");
        }
    }
}

/* finality.csv: a row per block committed at a height (metrics_bft.c). */
static void write_finality(const metrics *m, textbuf *f)
{
    textbuf_puts(f, "height,block,proposer,proposed,committed_first,committed_median,"
                    "committed_last,committed_by,rounds,latency_first,latency_median\n");
    for (size_t i = 0; i < m->n_finals; i++) {
        const mfinal *r = &m->finals[i];
        textbuf_u64(f, r->height);
        textbuf_putc(f, ',');
        textbuf_hash(f, &r->block);
        textbuf_putc(f, ',');
        if (r->proposer > 0)
            textbuf_u64(f, r->proposer);
        textbuf_putc(f, ',');
        put_time(f, r->proposed_ns);
        textbuf_putc(f, ',');
        put_time(f, r->first_ns);
        textbuf_putc(f, ',');
        put_time(f, r->median_ns);
        textbuf_putc(f, ',');
        put_time(f, r->last_ns);
        textbuf_printf(f, ",%" PRIu32 ",", r->committed_by);
        if (r->rounds > 0)
            textbuf_u64(f, r->rounds);
        textbuf_putc(f, ',');
        if (r->proposed_ns != METRICS_NONE)
            put_time(f, r->first_ns - r->proposed_ns);
        textbuf_putc(f, ',');
        if (r->proposed_ns != METRICS_NONE)
            put_time(f, r->median_ns - r->proposed_ns);
        textbuf_putc(f, '\n');
    }
}

/* --- summary.json --- */

static double secs(int64_t ns)
{
    return (double)ns / (double)TIMEUNIT_NS_PER_S;
}

static cJSON *num_or_null(int ok, double v)
{
    return ok ? cJSON_CreateNumber(v) : cJSON_CreateNull();
}

/* {"median": s, "p90": s, "count": n} over values (ns), null figures when empty. */
static cJSON *dist_json(const int64_t *values, size_t n)
{
    cJSON *o = cJSON_CreateObject();
    int64_t med = 0, p90 = 0;
    int ok = metrics_percentile(&med, values, n, 50) == 0 &&
             metrics_percentile(&p90, values, n, 90) == 0;
    cJSON_AddItemToObject(o, "median", num_or_null(ok, secs(med)));
    cJSON_AddItemToObject(o, "p90", num_or_null(ok, secs(p90)));
    cJSON_AddNumberToObject(o, "count", (double)n);
    return o;
}

/* "blocks": produced, main, stale, stale_rate, main_chain_height. */
static void add_blocks(cJSON *root, const metrics *m)
{
    uint64_t main = 0;
    for (size_t i = 0; i < m->n_blocks; i++)
        main += (uint64_t)m->blocks[i].main;
    cJSON *blocks = cJSON_AddObjectToObject(root, "blocks");
    cJSON_AddNumberToObject(blocks, "produced", (double)m->n_blocks);
    cJSON_AddNumberToObject(blocks, "main", (double)main);
    cJSON_AddNumberToObject(blocks, "stale", (double)(m->n_blocks - main));
    cJSON_AddItemToObject(
        blocks, "stale_rate",
        num_or_null(m->n_blocks > 0,
                    m->n_blocks ? (double)(m->n_blocks - main) / (double)m->n_blocks : 0));
    cJSON_AddNumberToObject(blocks, "main_chain_height", (double)m->main_height);
}

/* "propagation_s": the delays to 50% and 90% of the nodes; v is scratch of
 * n_blocks entries. */
static void add_propagation(cJSON *root, const metrics *m, int64_t *v)
{
    cJSON *prop = cJSON_AddObjectToObject(root, "propagation_s");
    for (int which = 0; which < 2; which++) {
        size_t n = 0;
        for (size_t i = 0; i < m->n_blocks; i++) {
            int64_t d = which == 0 ? m->blocks[i].reach50_ns : m->blocks[i].reach90_ns;
            if (d != METRICS_NONE)
                v[n++] = d;
        }
        cJSON_AddItemToObject(prop, which == 0 ? "reach_50pct" : "reach_90pct", dist_json(v, n));
    }
}

static void add_reorgs(cJSON *root, const metrics *m)
{
    uint64_t deepest = 0;
    for (size_t i = 0; i < m->n_reorgs; i++)
        if (m->reorgs[i].depth > deepest)
            deepest = m->reorgs[i].depth;
    cJSON *reorgs = cJSON_AddObjectToObject(root, "reorgs");
    cJSON_AddNumberToObject(reorgs, "count", (double)m->n_reorgs);
    cJSON_AddNumberToObject(reorgs, "deepest", (double)deepest);
}

/* "reconvergence": each heal and when the nodes agreed again. */
static void add_reconvergence(cJSON *root, const metrics *m)
{
    cJSON *rec = cJSON_AddObjectToObject(root, "reconvergence");
    size_t reconverged = 0;
    int64_t max_delay = METRICS_NONE;
    cJSON *after = cJSON_CreateArray();
    for (size_t i = 0; i < m->n_heals; i++) {
        const mheal *h = &m->heals[i];
        int ok = h->reconverged_ns != METRICS_NONE;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "heal_s", secs(h->heal_ns));
        cJSON_AddItemToObject(o, "reconverged_s", num_or_null(ok, secs(h->reconverged_ns)));
        cJSON_AddItemToObject(o, "delay_s", num_or_null(ok, secs(h->reconverged_ns - h->heal_ns)));
        cJSON_AddItemToArray(after, o);
        if (ok) {
            reconverged++;
            if (h->reconverged_ns - h->heal_ns > max_delay)
                max_delay = h->reconverged_ns - h->heal_ns;
        }
    }
    cJSON_AddNumberToObject(rec, "heals", (double)m->n_heals);
    cJSON_AddNumberToObject(rec, "reconverged", (double)reconverged);
    cJSON_AddItemToObject(
        rec, "max_delay_s",
        num_or_null(m->n_heals > 0 && reconverged == m->n_heals, secs(max_delay)));
    cJSON_AddItemToObject(rec, "after_heal", after);
}

/* "transactions": counts by fate, rate, confirmation latency; v is scratch
 * of n_txs entries. */
static void add_transactions(cJSON *root, const metrics *m, int64_t *v)
{
    size_t by_status[4] = {0, 0, 0, 0}, nc = 0;
    for (size_t i = 0; i < m->n_txs; i++) {
        by_status[m->txs[i].status]++;
        if (m->txs[i].status == MTX_CONFIRMED)
            v[nc++] = m->txs[i].confirmed_ns - m->txs[i].submitted_ns;
    }
    cJSON *txs = cJSON_AddObjectToObject(root, "transactions");
    cJSON_AddNumberToObject(txs, "submitted", (double)m->n_txs);
    cJSON_AddNumberToObject(txs, "confirmed", (double)by_status[MTX_CONFIRMED]);
    cJSON_AddNumberToObject(txs, "pending", (double)by_status[MTX_PENDING]);
    cJSON_AddNumberToObject(txs, "dropped_double_spend",
                            (double)by_status[MTX_DROPPED_DOUBLE_SPEND]);
    cJSON_AddNumberToObject(txs, "reverted", (double)by_status[MTX_REVERTED]);
    cJSON_AddItemToObject(
        txs, "per_second",
        num_or_null(m->end_ns > 0, m->end_ns > 0 ? (double)nc / secs(m->end_ns) : 0));
    cJSON_AddItemToObject(txs, "confirmation_latency_s", dist_json(v, nc));
}

/* The traffic counters summed over nodes, and the rejections by reason. */
static void add_traffic(cJSON *root, const metrics *m)
{
    uint64_t tot[METRICS_N_COUNTERS] = {0}, invalid = 0;
    for (uint32_t i = 0; i < m->n_nodes; i++) {
        for (int c = 0; c < METRICS_N_COUNTERS; c++)
            tot[c] += m->nodes[i].counters[c];
        invalid += m->node_results[i].invalid;
    }
    cJSON_AddNumberToObject(root, "hashes", (double)tot[METRICS_HASHES]);
    cJSON *msgs = cJSON_AddObjectToObject(root, "messages");
    cJSON_AddNumberToObject(msgs, "sent", (double)tot[METRICS_MSGS_SENT]);
    cJSON_AddNumberToObject(msgs, "received", (double)tot[METRICS_MSGS_RECEIVED]);
    cJSON *bytes = cJSON_AddObjectToObject(root, "bytes");
    cJSON_AddNumberToObject(bytes, "sent", (double)tot[METRICS_BYTES_SENT]);
    cJSON_AddNumberToObject(bytes, "received", (double)tot[METRICS_BYTES_RECEIVED]);
    cJSON *inv = cJSON_AddObjectToObject(root, "invalid_rejected");
    cJSON_AddNumberToObject(inv, "total", (double)invalid);
    cJSON *by = cJSON_AddObjectToObject(inv, "by_reason");
    for (size_t i = 0; i < m->n_reasons; i++)
        cJSON_AddNumberToObject(by, m->reasons[i].reason, (double)m->reasons[i].count);
    cJSON_AddNumberToObject(root, "events_processed", (double)tot[METRICS_EVENTS]);
}

static int cmp_ban(const void *a, const void *b)
{
    const mban *x = a, *y = b;
    if (x->time_ns != y->time_ns)
        return x->time_ns < y->time_ns ? -1 : 1;
    return x->node < y->node ? -1 : x->node > y->node;
}

/* "misbehaviour": the rejections of each peer's data by reason, the score
 * they earned it at all nodes, and every ban, in (time, node) order. Left
 * out when no rejection scored and nobody was banned. */
static void add_misbehaviour(cJSON *root, const metrics *m)
{
    size_t n_bans = 0;
    uint64_t scored = 0;
    for (uint32_t i = 0; i < m->n_nodes; i++) {
        n_bans += m->nodes[i].n_bans;
        for (size_t k = 0; k < m->nodes[i].n_prej; k++)
            scored += m->nodes[i].prej[k].score;
    }
    if (n_bans == 0 && scored == 0)
        return;
    mban *bans = malloc((n_bans ? n_bans : 1) * sizeof *bans);
    if (bans == NULL)
        return;
    n_bans = 0;
    for (uint32_t i = 0; i < m->n_nodes; i++)
        for (size_t k = 0; k < m->nodes[i].n_bans; k++)
            bans[n_bans++] = m->nodes[i].bans[k];
    qsort(bans, n_bans, sizeof *bans, cmp_ban);
    cJSON *mis = cJSON_AddObjectToObject(root, "misbehaviour");
    cJSON *by_peer = cJSON_AddArrayToObject(mis, "by_peer");
    for (uint32_t p = 0; p < m->n_nodes; p++) { /* senders in node order */
        uint64_t count = 0, score = 0, banned_by = 0;
        for (uint32_t i = 0; i < m->n_nodes; i++)
            for (size_t k = 0; k < m->nodes[i].n_prej; k++)
                if (m->nodes[i].prej[k].peer == p) {
                    count += m->nodes[i].prej[k].count;
                    score += m->nodes[i].prej[k].score;
                }
        for (size_t b = 0; b < n_bans; b++)
            banned_by += bans[b].peer == p;
        if (count == 0 && banned_by == 0)
            continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(by_peer, o);
        cJSON_AddNumberToObject(o, "peer", (double)p + 1);
        cJSON_AddNumberToObject(o, "rejected", (double)count);
        cJSON_AddNumberToObject(o, "score", (double)score);
        cJSON_AddNumberToObject(o, "banned_by", (double)banned_by);
        /* by reason, in reason-name order */
        cJSON *by = cJSON_AddObjectToObject(o, "by_reason");
        const char *last = NULL;
        for (;;) {
            const char *next = NULL;
            for (uint32_t i = 0; i < m->n_nodes; i++)
                for (size_t k = 0; k < m->nodes[i].n_prej; k++) {
                    const mpeer_rej *r = &m->nodes[i].prej[k];
                    if (r->peer == p && (last == NULL || strcmp(r->reason, last) > 0) &&
                        (next == NULL || strcmp(r->reason, next) < 0))
                        next = r->reason;
                }
            if (next == NULL)
                break;
            uint64_t c = 0;
            for (uint32_t i = 0; i < m->n_nodes; i++)
                for (size_t k = 0; k < m->nodes[i].n_prej; k++)
                    if (m->nodes[i].prej[k].peer == p &&
                        strcmp(m->nodes[i].prej[k].reason, next) == 0)
                        c += m->nodes[i].prej[k].count;
            cJSON_AddNumberToObject(by, next, (double)c);
            last = next;
        }
    }
    cJSON *list = cJSON_AddArrayToObject(mis, "bans");
    for (size_t b = 0; b < n_bans; b++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(list, o);
        cJSON_AddNumberToObject(o, "time_s", secs(bans[b].time_ns));
        cJSON_AddNumberToObject(o, "node", (double)bans[b].node + 1);
        cJSON_AddNumberToObject(o, "peer", (double)bans[b].peer + 1);
        cJSON_AddNumberToObject(o, "score", (double)bans[b].score);
    }
    free(bans);
}

/* Equivocations in (slot, proposer, blocks) order, blocks as an unordered
 * pair: the evidence a node kept (both block ids). */
static int cmp_equiv(const void *a, const void *b)
{
    const mequiv *x = a, *y = b;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    if (x->proposer != y->proposer)
        return x->proposer < y->proposer ? -1 : 1;
    const hash256 *xl = memcmp(&x->first, &x->second, sizeof x->first) < 0 ? &x->first : &x->second;
    const hash256 *yl = memcmp(&y->first, &y->second, sizeof y->first) < 0 ? &y->first : &y->second;
    int c = memcmp(xl, yl, sizeof *xl);
    if (c != 0)
        return c;
    const hash256 *xh = xl == &x->first ? &x->second : &x->first;
    const hash256 *yh = yl == &y->first ? &y->second : &y->first;
    c = memcmp(xh, yh, sizeof *xh);
    if (c != 0)
        return c;
    return (x->time_ns > y->time_ns) - (x->time_ns < y->time_ns);
}

/* "equivocation": each pair of blocks a proposer signed for one slot, with
 * the number of nodes that caught it and when the first did. Left out when
 * no node caught one. */
static void add_equivocation(cJSON *root, const metrics *m)
{
    size_t n = 0;
    for (uint32_t i = 0; i < m->n_nodes; i++)
        n += m->nodes[i].n_equivs;
    if (n == 0)
        return;
    mequiv *all = malloc(n * sizeof *all);
    if (all == NULL)
        return;
    n = 0;
    for (uint32_t i = 0; i < m->n_nodes; i++)
        for (size_t k = 0; k < m->nodes[i].n_equivs; k++)
            all[n++] = m->nodes[i].equivs[k];
    qsort(all, n, sizeof *all, cmp_equiv);
    cJSON *eq = cJSON_AddObjectToObject(root, "equivocation");
    cJSON *list = cJSON_AddArrayToObject(eq, "evidence");
    size_t pairs = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && all[j].slot == all[i].slot && all[j].proposer == all[i].proposer) {
            mequiv a = all[i], b = all[j];
            a.time_ns = b.time_ns = 0;
            if (cmp_equiv(&a, &b) != 0)
                break;
            j++;
        }
        const mequiv *e = &all[i]; /* the earliest detection: sorted by time last */
        char ids[2][65];
        const hash256 *lo =
            memcmp(&e->first, &e->second, sizeof e->first) < 0 ? &e->first : &e->second;
        hash_to_hex(ids[0], lo);
        hash_to_hex(ids[1], lo == &e->first ? &e->second : &e->first);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(list, o);
        cJSON_AddNumberToObject(o, "slot", (double)e->slot);
        cJSON_AddNumberToObject(o, "proposer", (double)e->proposer + 1);
        cJSON *blocks = cJSON_AddArrayToObject(o, "blocks");
        cJSON_AddItemToArray(blocks, cJSON_CreateString(ids[0]));
        cJSON_AddItemToArray(blocks, cJSON_CreateString(ids[1]));
        cJSON_AddNumberToObject(o, "detected_by", (double)(j - i));
        cJSON_AddNumberToObject(o, "first_detected_s", secs(e->time_ns));
        pairs++;
        i = j;
    }
    cJSON_AddNumberToObject(eq, "count", (double)pairs);
    free(all);
}

/* "bft": the section metrics_set_bft set, then the figures of
 * finality.csv: finality_latency_s over its rows' latency_median, and
 * time_halted_s. */
static void add_bft(cJSON *root, const metrics *m)
{
    cJSON *bft = cJSON_Duplicate(m->bft, 1);
    if (bft == NULL)
        return;
    int64_t *v = malloc((m->n_finals ? m->n_finals : 1) * sizeof *v);
    if (v == NULL) {
        cJSON_Delete(bft);
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < m->n_finals; i++)
        if (m->finals[i].proposed_ns != METRICS_NONE)
            v[n++] = m->finals[i].median_ns - m->finals[i].proposed_ns;
    cJSON_AddItemToObject(bft, "finality_latency_s", dist_json(v, n));
    cJSON_AddNumberToObject(bft, "time_halted_s", secs(m->halted_ns));
    cJSON_AddItemToObject(root, "bft", bft);
    free(v);
}

cJSON *metrics_summary(const metrics *m, const cJSON *scenario, uint64_t seed)
{
    if (!m || !m->finished)
        return NULL;
    size_t nv = m->n_blocks > m->n_txs ? m->n_blocks : m->n_txs;
    int64_t *v = malloc((nv ? nv : 1) * sizeof *v);
    cJSON *root = cJSON_CreateObject();
    if (!v || !root) {
        free(v);
        cJSON_Delete(root);
        return NULL;
    }
    cJSON_AddItemToObject(root, "scenario",
                          scenario ? cJSON_Duplicate(scenario, 1) : cJSON_CreateNull());
    char seedtxt[24];
    snprintf(seedtxt, sizeof seedtxt, "%" PRIu64, seed);
    cJSON_AddItemToObject(root, "seed", cJSON_CreateRaw(seedtxt)); /* exact, beyond 2^53 */
    cJSON_AddNumberToObject(root, "nodes", m->n_nodes);
    cJSON_AddNumberToObject(root, "duration_s", secs(m->end_ns));
    cJSON_AddNumberToObject(root, "confirm_depth", m->confirm_depth);
    add_blocks(root, m);
    add_propagation(root, m, v);
    add_reorgs(root, m);
    add_reconvergence(root, m);
    add_transactions(root, m, v);
    add_traffic(root, m);
    add_misbehaviour(root, m);
    add_equivocation(root, m);
    if (m->attack != NULL)
        cJSON_AddItemToObject(root, "attack", cJSON_Duplicate(m->attack, 1));
    if (m->bft != NULL)
        add_bft(root, m);
    free(v);
    return root;
}

static metrics_status write_json(char *err, size_t errlen, const char *dir, const char *name,
                                 const cJSON *json)
{
    char *text = json ? cJSON_Print(json) : NULL;
    char *path = fileout_join(dir, name);
    metrics_status status = METRICS_OK;
    if (!text || !path) {
        status = METRICS_E_NOMEM;
        snprintf(err, errlen, "%s/%s: out of memory while formatting", dir, name);
    } else {
        size_t len = strlen(text);
        text[len] = '\n'; /* replace the NUL: files end with a newline */
        if (fileout_write(err, errlen, path, text, len + 1) != FILEOUT_OK)
            status = METRICS_E_WRITE;
    }
    free(path);
    cJSON_free(text);
    return status;
}

/* One CSV file to format and write. */
struct csv_job {
    const char *name;
    void (*fn)(const metrics *, textbuf *);
    const metrics *m;
    const char *dir;
    metrics_status status;
    char err[512];
};

static void run_csv_job(struct csv_job *job)
{
    job->status = out_stream(job->err, sizeof job->err, job->dir, job->name, job->fn, job->m);
}

static void *csv_thread(void *arg)
{
    run_csv_job(arg);
    return NULL;
}

metrics_status metrics_write(const metrics *m, char *err, size_t errlen, const char *dir,
                             const cJSON *scenario, uint64_t seed)
{
    static const struct {
        const char *name;
        void (*fn)(const metrics *, textbuf *);
    } files[] = {
        {"blocks.csv", write_blocks},
        {"block_arrivals.csv", write_arrivals},
        {"nodes.csv", write_nodes},
        {"timeline.csv", write_timeline},
        {"transactions.csv", write_transactions},
        {"reorgs.csv", write_reorgs},
        {"partitions.csv", write_partitions},
        {"events.csv", write_events},
    };
    enum { N_FILES = sizeof files / sizeof files[0], ARRIVALS = 1 };
    char dummy[1];
    if (!err || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    if (!m || !m->finished) {
        snprintf(err, errlen, "metrics_write before a successful metrics_finish");
        return METRICS_E_STATE;
    }
    if (fileout_mkdirs(err, errlen, dir) != FILEOUT_OK)
        return METRICS_E_WRITE;
    struct csv_job jobs[N_FILES];
    for (size_t i = 0; i < N_FILES; i++)
        jobs[i] = (struct csv_job){files[i].name, files[i].fn, m, dir, METRICS_OK, ""};
    /* block_arrivals.csv, one row per node per block, is about as large as
     * all the others together: it is formatted and written on a second
     * thread while this one does the rest (only the time changes: each file
     * is built from m alone). */
    pthread_t helper;
    int threaded = pthread_create(&helper, NULL, csv_thread, &jobs[ARRIVALS]) == 0;
    for (size_t i = 0; i < N_FILES; i++)
        if (i != ARRIVALS || !threaded)
            run_csv_job(&jobs[i]);
    if (threaded)
        pthread_join(helper, NULL);
    for (size_t i = 0; i < N_FILES; i++)
        if (jobs[i].status != METRICS_OK) { /* the first failure in file order */
            snprintf(err, errlen, "%s", jobs[i].err);
            return jobs[i].status;
        }
    if (m->bft != NULL) { /* a BFT run */
        metrics_status fs = out_stream(err, errlen, dir, "finality.csv", write_finality, m);
        if (fs != METRICS_OK)
            return fs;
    }
    if (m->attack != NULL) { /* a run with adversaries */
        metrics_status at = out_stream(err, errlen, dir, "attacks.csv", write_attacks, m);
        if (at != METRICS_OK)
            return at;
    }
    cJSON *summary = metrics_summary(m, scenario, seed);
    metrics_status st = write_json(err, errlen, dir, "summary.json", summary);
    cJSON_Delete(summary);
    return st;
}

metrics_status metrics_write_run_info(char *err, size_t errlen, const char *dir,
                                      double wall_seconds, unsigned threads)
{
    char dummy[1];
    if (!err || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    char host[256] = "unknown";
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    cJSON *o = cJSON_CreateObject();
    if (o) {
        cJSON_AddNumberToObject(o, "wall_seconds", wall_seconds);
        cJSON_AddStringToObject(o, "host", host);
        cJSON_AddNumberToObject(o, "threads", threads);
        cJSON_AddStringToObject(o, "chainsim_version", CHAINSIM_VERSION);
    }
    if (fileout_mkdirs(err, errlen, dir) != FILEOUT_OK) {
        cJSON_Delete(o);
        return METRICS_E_WRITE;
    }
    metrics_status st = write_json(err, errlen, dir, "run_info.json", o);
    cJSON_Delete(o);
    return st;
}
