/* The runner: one scenario, N nodes, one engine. It is the model the engine
 * kernel runs (engine_model): messages, node timers and wallet timers are
 * node events; scenario events (partition, heal, crash, restart, join,
 * hash rate, transactions) and periodic samples are global events that run
 * at a barrier. Each node's effects (node_effects) are carried out by the
 * thread that ran the node: sends go through the network model (bandwidth,
 * latency, loss, partitions) into the engine, timers into the engine,
 * notes into the metrics and the console.
 *
 * Console lines are buffered per node and printed at each sample in (time,
 * node, sequence) order, so the output does not depend on the threads. */
#include "run.h"

#include "chainfile.h"
#include "cli.h"
#include "consensus.h"
#include "engine.h"
#include "fileout.h"
#include "hmap.h"
#include "metrics.h"
#include "net.h"
#include "node.h"
#include "pow.h"
#include "rng.h"
#include "rundash.h"
#include "scenario.h"
#include "sigcache.h"
#include "stake.h"
#include "summary.h"
#include "wallet.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Engine event types. Node timers carry the timer kind and the node's life
 * (incremented at each crash) so timers of an earlier life are ignored. */
enum { EV_MSG = 1, EV_TIMER = 2, EV_WALLET = 3 };
enum { G_EVENT = 1, G_SAMPLE = 2, G_START = 3 };
#define EV_KIND(type) ((type)&0xfu)
#define EV_SUB(type) (((type) >> 4) & 0xfu)
#define EV_LIFE(type) ((type) >> 8)
#define EV_MAKE(kind, sub, life) ((uint32_t)(kind) | (uint32_t)(sub) << 4 | (uint32_t)(life) << 8)

#define RNG_STREAM_NET 1
#define RNG_STREAM_WORK 2
#define RNG_STREAM_TOPOLOGY 3
#define GENESIS_TIME 1700000000u
#define WALLET_COINS 8

typedef struct line {
    int64_t time_ns;
    uint32_t ni;
    uint32_t seq;
    char *text;
} line;

typedef struct sim_node {
    node *n;    /* NULL before the first start */
    int online; /* processes events */
    uint32_t life;
    uint64_t hashrate_hps;
    node_effects fx;
    rng rng_net, rng_work;
    keys_pair *key;
    metrics_node *mn;
    line *lines;
    size_t n_lines, cap_lines;
    uint32_t line_seq;
    int hosts_wallets;
    uint64_t produced;
} sim_node;

typedef struct sim {
    const run_options *opts;
    scenario scn;
    cJSON *scn_json;
    uint64_t seed;
    const char *out_dir;
    net *net;
    engine *eng;
    consensus_ctx cons;
    chain_params params;
    block *genesis;
    sigcache *cache;
    wallet_set *ws;
    stake_schedule *stakes;
    metrics *m;
    sim_node *nodes;
    uint32_t n;
    uint32_t *group_of; /* current partition, NULL when whole */
    uint64_t blocks_found;
    int progress;
    int failed;      /* an output or allocation failed inside a callback */
    char *crash_dir; /* where crashed nodes' chain files wait for their restart */
    rundash *dash;   /* the live dashboard (--serve), else NULL */
} sim;

/* ---- console ---------------------------------------------------------- */

static void say(sim *s, sim_node *sn, uint32_t ni, int64_t t, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void say(sim *s, sim_node *sn, uint32_t ni, int64_t t, const char *fmt, ...)
{
    if (s->opts->quiet)
        return;
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (sn->n_lines == sn->cap_lines) {
        size_t cap = sn->cap_lines ? sn->cap_lines * 2 : 16;
        line *l = realloc(sn->lines, cap * sizeof *l);
        if (l == NULL)
            abort();
        sn->lines = l;
        sn->cap_lines = cap;
    }
    char *text = strdup(buf);
    if (text == NULL)
        abort();
    sn->lines[sn->n_lines++] = (line){t, ni, sn->line_seq++, text};
}

static int line_cmp(const void *a, const void *b)
{
    const line *x = a, *y = b;
    if (x->time_ns != y->time_ns)
        return x->time_ns < y->time_ns ? -1 : 1;
    if (x->ni != y->ni)
        return x->ni < y->ni ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Prints every buffered line in (time, node, seq) order. Barrier only. The
 * global lines are kept at the extra slot s->nodes[s->n]. */
static void flush_lines(sim *s)
{
    size_t total = 0;
    for (uint32_t i = 0; i <= s->n; i++)
        total += s->nodes[i].n_lines;
    if (total == 0)
        return;
    line *all = malloc(total * sizeof *all);
    if (all == NULL)
        abort();
    size_t k = 0;
    for (uint32_t i = 0; i <= s->n; i++) {
        if (s->nodes[i].n_lines)
            memcpy(all + k, s->nodes[i].lines, s->nodes[i].n_lines * sizeof *all);
        k += s->nodes[i].n_lines;
        s->nodes[i].n_lines = 0;
    }
    qsort(all, total, sizeof *all, line_cmp);
    if (s->progress)
        fputs("\r\033[K", stderr);
    for (size_t i = 0; i < total; i++) {
        printf("[%10.3fs] %s\n", (double)all[i].time_ns / 1e9, all[i].text);
        free(all[i].text);
    }
    fflush(stdout);
    free(all);
}

static void short_id(char out[17], const hash256 *id)
{
    char hex[65];
    hash_to_hex(hex, id);
    memcpy(out, hex, 16);
    out[16] = '\0';
}

/* ---- effects ---------------------------------------------------------- */

static uint64_t rng_cb(void *state)
{
    return rng_next(state);
}

static void record_note(sim *s, uint32_t ni, const node_note *note)
{
    sim_node *sn = &s->nodes[ni];
    char id[17], old[17];
    switch (note->kind) {
    case NODE_NOTE_BLOCK_PRODUCED: {
        const block *b = note->blk;
        uint64_t height = 0, extra;
        if (tx_coinbase_fields(block_tx(b, 0), &height, &extra) != 0)
            height = 0;
        size_t n_tx = block_n_tx(b);
        hash256 *ids = malloc(n_tx * sizeof *ids);
        if (ids == NULL)
            abort();
        for (size_t i = 0; i < n_tx; i++)
            ids[i] = *tx_id(block_tx(b, i));
        metrics_block_produced(sn->mn, note->time_ns, block_id(b), &block_header_of(b)->prev_id,
                               height, ids, n_tx, block_size(b));
        free(ids);
        sn->produced++;
        short_id(id, block_id(b));
        say(s, sn, ni, note->time_ns, "node %u %s block #%" PRIu64 " %s (%zu tx, %zu bytes)",
            ni + 1, block_pos_of(b) ? "forged" : "mined", height, id, n_tx - 1, block_size(b));
        break;
    }
    case NODE_NOTE_BLOCK_SEEN:
        metrics_block_seen(sn->mn, note->time_ns, block_id(note->blk));
        break;
    case NODE_NOTE_TIP:
        if (sn->hosts_wallets && wallet_scan(s->ws, ni, node_chain(sn->n)) != 0)
            abort();
        break;
    case NODE_NOTE_REORG:
        metrics_reorg(sn->mn, note->time_ns, &note->old_tip, block_id(note->blk), note->depth,
                      note->txs_reverted);
        short_id(id, block_id(note->blk));
        short_id(old, &note->old_tip);
        say(s, sn, ni, note->time_ns,
            "node %u reorganised: depth %u, tip %s -> #%u %s (%u tx back to the mempool)", ni + 1,
            note->depth, old, note->height, id, note->txs_reverted);
        break;
    case NODE_NOTE_INVALID:
        metrics_rejected(sn->mn, reason_name(note->code));
        break;
    case NODE_NOTE_TX_ACCEPTED:
        break;
    case NODE_NOTE_TX_REJECTED:
        if (note->code == REASON_TX_ALREADY_SPENT || note->code == REASON_TX_MEMPOOL_CONFLICT)
            metrics_tx_double_spend(sn->mn, note->time_ns, tx_id(note->tx));
        else if (note->peer != UINT32_MAX)
            metrics_rejected(sn->mn, reason_name(note->code));
        break;
    case NODE_NOTE_ROLLBACK_REFUSED:
        short_id(id, block_id(note->blk));
        say(s, sn, ni, note->time_ns,
            "node %u refused the branch of %s: it would revert %u blocks (k = %u)", ni + 1, id,
            note->depth, s->cons.k);
        break;
    case NODE_NOTE_COUNT:
        break;
    }
}

/* Carries out node ni's effects: the thread running ni calls this. */
static void apply(sim *s, engine_call *call, uint32_t ni)
{
    sim_node *sn = &s->nodes[ni];
    node_effects *fx = &sn->fx;
    int64_t now = engine_call_now(call);
    net_rng r = {rng_cb, &sn->rng_net};
    for (size_t i = 0; i < fx->n_sends; i++) {
        msg *m = fx->sends[i].m;
        int64_t arrive;
        net_send_status st =
            net_send_time(s->net, &arrive, ni, fx->sends[i].peer, m->size_bytes, now, &r);
        if (st == NET_DELIVERED) {
            metrics_count(sn->mn, METRICS_MSGS_SENT, 1);
            metrics_count(sn->mn, METRICS_BYTES_SENT, m->size_bytes);
            engine_send(call, fx->sends[i].peer, arrive, EV_MSG, m, 0);
        } else {
            if (st == NET_DROPPED_LOSS) { /* it did leave the ni */
                metrics_count(sn->mn, METRICS_MSGS_SENT, 1);
                metrics_count(sn->mn, METRICS_BYTES_SENT, m->size_bytes);
            }
            msg_unref(m);
        }
    }
    fx->n_sends = 0;
    for (size_t i = 0; i < fx->n_timers; i++) {
        node_timer *t = &fx->timers[i];
        engine_timer(call, t->at_ns, EV_MAKE(EV_TIMER, t->kind, sn->life), t->payload, t->arg);
    }
    fx->n_timers = 0;
    for (size_t i = 0; i < fx->n_notes; i++)
        record_note(s, ni, &fx->notes[i]);
    if (fx->hashes)
        metrics_count(sn->mn, METRICS_HASHES, fx->hashes);
    node_effects_clear(fx);
}

static void discard_payload(const engine_event *ev)
{
    if (ev->src == ENGINE_NO_NODE && ev->dst == ENGINE_NO_NODE)
        return; /* globals carry no payload */
    if (EV_KIND(ev->type) == EV_MSG)
        msg_unref(ev->payload);
    else if (EV_KIND(ev->type) == EV_TIMER && EV_SUB(ev->type) == NODE_TIMER_MINED)
        block_unref(ev->payload);
}

/* ---- workload --------------------------------------------------------- */

static int64_t next_wallet_delay(sim *s, sim_node *sn)
{
    double per_wallet = s->scn.workload.rate_per_s / s->scn.workload.wallets;
    double d = rng_exponential(&sn->rng_work, 1.0 / per_wallet);
    int64_t ns = (int64_t)(d * 1e9);
    return ns > 0 ? ns : 1;
}

static void arm_wallets(sim *s, engine_call *call, uint32_t ni)
{
    sim_node *sn = &s->nodes[ni];
    if (s->scn.workload.rate_per_s <= 0)
        return;
    for (uint32_t w = 0; w < wallet_count(s->ws); w++)
        if (wallet_host(s->ws, w) == ni)
            engine_timer(call, engine_call_now(call) + next_wallet_delay(s, sn),
                         EV_MAKE(EV_WALLET, 0, sn->life), NULL, w);
}

/* Submits a wallet's payment at node ni; a refused payment frees its coins. */
static void submit(sim *s, engine_call *call, uint32_t ni, uint32_t w, tx *t)
{
    sim_node *sn = &s->nodes[ni];
    int64_t now = engine_call_now(call);
    metrics_tx_submitted(sn->mn, now, tx_id(t));
    if (!sn->online || node_submit_tx(sn->n, &sn->fx, now, t) != REASON_OK)
        wallet_release(s->ws, w, t);
}

static void on_wallet(sim *s, engine_call *call, uint32_t ni, uint32_t w)
{
    sim_node *sn = &s->nodes[ni];
    const scenario *scn = &s->scn;
    uint32_t n_w = wallet_count(s->ws);
    uint32_t to = n_w > 1 ? (uint32_t)rng_below(&sn->rng_work, n_w - 1) : 0;
    if (n_w > 1 && to >= w)
        to++;
    uint64_t span = scn->workload.amount_max - scn->workload.amount_min;
    uint64_t amount = scn->workload.amount_min + (span ? rng_below(&sn->rng_work, span + 1) : 0);
    tx *t;
    if (wallet_pay(s->ws, &t, w, node_chain(sn->n), wallet_public(s->ws, to), amount,
                   scn->workload.fee, engine_call_now(call)) == WALLET_OK) {
        submit(s, call, ni, w, t);
        tx_unref(t);
    }
    engine_timer(call, engine_call_now(call) + next_wallet_delay(s, sn),
                 EV_MAKE(EV_WALLET, 0, sn->life), NULL, w);
}

/* ---- engine callbacks ------------------------------------------------- */

static void on_event(void *ctx, engine_call *call, uint32_t ni, const engine_event *ev)
{
    sim *s = ctx;
    sim_node *sn = &s->nodes[ni];
    int64_t now = ev->time_ns;
    metrics_count(sn->mn, METRICS_EVENTS, 1);
    if (!sn->online || (EV_KIND(ev->type) != EV_MSG && EV_LIFE(ev->type) != sn->life)) {
        discard_payload(ev); /* a crashed ni, or a timer of its earlier life */
        return;
    }
    switch (EV_KIND(ev->type)) {
    case EV_MSG: {
        msg *m = ev->payload;
        metrics_count(sn->mn, METRICS_MSGS_RECEIVED, 1);
        metrics_count(sn->mn, METRICS_BYTES_RECEIVED, m->size_bytes);
        node_on_message(sn->n, &sn->fx, now, ev->src, m);
        msg_unref(m);
        break;
    }
    case EV_TIMER:
        node_on_timer(sn->n, &sn->fx, now, (node_timer_kind)EV_SUB(ev->type), ev->payload, ev->arg);
        break;
    case EV_WALLET:
        on_wallet(s, call, ni, (uint32_t)ev->arg);
        break;
    }
    apply(s, call, ni);
}

static void on_idle(void *ctx, engine_call *call, uint32_t ni, int64_t from_ns, int64_t until_ns,
                    int64_t *next_ns)
{
    sim *s = ctx;
    sim_node *sn = &s->nodes[ni];
    if (!sn->online) {
        *next_ns = INT64_MAX;
        return;
    }
    node_mine_ahead(sn->n, &sn->fx, from_ns, until_ns, engine_call_horizon(call), next_ns);
    if (from_ns < until_ns)
        apply(s, call, ni);
}

static void on_discard(void *ctx, const engine_event *ev)
{
    (void)ctx;
    discard_payload(ev);
}

/* ---- nodes ------------------------------------------------------------ */

static int node_config_for(sim *s, node_config *cfg, uint32_t i, uint32_t *peers)
{
    sim_node *sn = &s->nodes[i];
    size_t deg = net_degree(s->net, i);
    for (size_t k = 0; k < deg; k++)
        peers[k] = net_neighbor(s->net, i, k);
    memset(cfg, 0, sizeof *cfg);
    cfg->id = i;
    cfg->peers = peers;
    cfg->n_peers = deg;
    cfg->chain = &s->params;
    cfg->genesis = s->genesis;
    cfg->cache = s->cache;
    cfg->key = sn->key;
    cfg->hashrate_hps = s->cons.type == CHAIN_POW ? sn->hashrate_hps : 0;
    cfg->cons = &s->cons;
    /* Re-ask a missing item after a generous multiple of the latency. */
    const scenario_latency *lat = &s->scn.network.latency;
    const int64_t hour_ns = 3600LL * 1000000000LL; /* caps the sums below */
    int64_t mean = lat->mean_ns < hour_ns ? lat->mean_ns : hour_ns;
    int64_t sd = lat->stddev_ns < hour_ns ? lat->stddev_ns : hour_ns;
    int64_t typical = lat->max_ns > mean ? lat->max_ns : mean + 4 * sd;
    if (typical > hour_ns)
        typical = hour_ns;
    cfg->request_timeout_ns = 2000000000LL + 4 * typical;
    return 0;
}

static char *chain_path_in(const char *dir, uint32_t ni)
{
    char name[64];
    snprintf(name, sizeof name, "node%u_chain.json", ni + 1);
    return fileout_join(dir, name);
}

static char *chain_path(const sim *s, uint32_t ni)
{
    return chain_path_in(s->out_dir, ni);
}

/* Starts node i (at the run's start, on joining, or on restart, when
 * restored is its chain reloaded from its file). Global context. */
static int start_node(sim *s, engine_call *call, uint32_t i, chain *restored)
{
    sim_node *sn = &s->nodes[i];
    node_config cfg;
    uint32_t *peers = malloc((net_degree(s->net, i) + 1) * sizeof *peers);
    if (peers == NULL) {
        chain_free(restored);
        return -1;
    }
    node_config_for(s, &cfg, i, peers);
    node *fresh;
    int rc = node_new(&fresh, &cfg, restored);
    free(peers);
    if (rc != 0)
        return -1;
    node_free(sn->n);
    sn->n = fresh;
    sn->online = 1;
    if (sn->hosts_wallets) {
        wallet_forget_scan(s->ws, i);
        if (wallet_scan(s->ws, i, node_chain(sn->n)) != 0)
            return -1;
    }
    engine_call_act_as(call, i);
    node_start(sn->n, &sn->fx, engine_call_now(call));
    arm_wallets(s, call, i);
    apply(s, call, i);
    return 0;
}

/* A crashed node writes its chain file where its restart reads it back: a
 * private folder inside the output folder, so that the run's outputs (and
 * the files of an earlier run there) change only when the run finishes.
 * The folder goes at teardown. */
static int save_crash_chain(sim *s, uint32_t ni, char *err, size_t errlen)
{
    if (s->crash_dir == NULL) {
        char *tmpl = fileout_join(s->out_dir, ".crashed-nodes-XXXXXX");
        if (tmpl == NULL || mkdtemp(tmpl) == NULL) {
            snprintf(err, errlen, "cannot create a folder in %s for crashed nodes' chains: %s",
                     s->out_dir, tmpl ? strerror(errno) : "out of memory");
            free(tmpl);
            return -1;
        }
        s->crash_dir = tmpl;
    }
    char *path = chain_path_in(s->crash_dir, ni), *text = NULL;
    size_t len = 0;
    int rc = -1;
    if (path == NULL) {
        snprintf(err, errlen, "out of memory");
    } else if (chainfile_render(node_chain(s->nodes[ni].n), &text, &len, err, errlen) ==
               CHAINFILE_OK) {
        rc = fileout_write(err, errlen, path, text, len) == FILEOUT_OK ? 0 : -1;
    }
    free(text);
    free(path);
    return rc;
}

static void remove_crash_dir(sim *s)
{
    if (s->crash_dir == NULL)
        return;
    for (uint32_t i = 0; i < s->n; i++) {
        char *path = chain_path_in(s->crash_dir, i);
        if (path)
            unlink(path);
        free(path);
    }
    rmdir(s->crash_dir);
    free(s->crash_dir);
    s->crash_dir = NULL;
}

/* Reloads a node's chain from its file, re-validating every block. */
static int load_chain(sim *s, chain **out, const char *path, char *err, size_t errlen)
{
    chainfile *cf = NULL;
    chainfile_report rep;
    *out = NULL;
    if (path == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (chainfile_read(&cf, path, err, errlen) != CHAINFILE_OK)
        return -1;
    reason r = chainfile_rebuild(out, cf, &s->params, s->cache, &rep);
    chainfile_free(cf);
    if (r != REASON_OK) {
        snprintf(err, errlen, "%s: block at height %u: %s", path, rep.height, rep.message);
        return -1;
    }
    return 0;
}

/* ---- global events ---------------------------------------------------- */

static sim_node *global_lines(sim *s)
{
    return &s->nodes[s->n];
}

static void say_groups(sim *s, int64_t t, const scenario_event *ev)
{
    char buf[400];
    size_t at = 0;
    for (uint32_t g = 0; g < ev->n_groups && at < sizeof buf - 40; g++) {
        at += (size_t)snprintf(buf + at, sizeof buf - at, "%s{", g ? " | " : "");
        int first = 1;
        for (uint32_t i = 0; i < s->n && at < sizeof buf - 40; i++)
            if (ev->group_of[i] == g) {
                at += (size_t)snprintf(buf + at, sizeof buf - at, first ? "%u" : ",%u", i + 1);
                first = 0;
            }
        at += (size_t)snprintf(buf + at, sizeof buf - at, "}");
    }
    say(s, global_lines(s), UINT32_MAX, t, "partition: %s", buf);
}

static void global_tx(sim *s, engine_call *call, const scenario_event *ev)
{
    int64_t now = engine_call_now(call);
    uint32_t host = wallet_host(s->ws, ev->from);
    const chain *view = s->nodes[host].n ? node_chain(s->nodes[host].n) : NULL;
    char a[17], b[17];
    if (view == NULL) {
        say(s, global_lines(s), UINT32_MAX, now, "tx from wallet %u refused: its node is not up",
            ev->from + 1);
        return;
    }
    if (ev->type == SCENARIO_EV_TX) {
        tx *t;
        wallet_status st = wallet_pay(s->ws, &t, ev->from, view, wallet_public(s->ws, ev->to[0]),
                                      ev->amount, s->scn.workload.fee, now);
        if (st != WALLET_OK) {
            say(s, global_lines(s), UINT32_MAX, now, "tx from wallet %u refused: %s", ev->from + 1,
                wallet_status_message(st));
            return;
        }
        engine_call_act_as(call, ev->node);
        submit(s, call, ev->node, ev->from, t);
        short_id(a, tx_id(t));
        say(s, global_lines(s), UINT32_MAX, now,
            "tx %s: wallet %u pays %" PRIu64 " to wallet %u at node %u", a, ev->from + 1,
            ev->amount, ev->to[0] + 1, ev->node + 1);
        apply(s, call, ev->node);
        tx_unref(t);
        return;
    }
    tx *ta, *tb;
    wallet_status st =
        wallet_pay_twice(s->ws, &ta, &tb, ev->from, view, wallet_public(s->ws, ev->to[0]),
                         wallet_public(s->ws, ev->to[1]), ev->amount, s->scn.workload.fee, now);
    if (st != WALLET_OK) {
        say(s, global_lines(s), UINT32_MAX, now, "double spend from wallet %u refused: %s",
            ev->from + 1, wallet_status_message(st));
        return;
    }
    short_id(a, tx_id(ta));
    short_id(b, tx_id(tb));
    say(s, global_lines(s), UINT32_MAX, now,
        "double spend: wallet %u pays the same coins as tx %s to wallet %u at node %u and as "
        "tx %s to wallet %u at node %u",
        ev->from + 1, a, ev->to[0] + 1, ev->nodes[0] + 1, b, ev->to[1] + 1, ev->nodes[1] + 1);
    engine_call_act_as(call, ev->nodes[0]);
    submit(s, call, ev->nodes[0], ev->from, ta);
    apply(s, call, ev->nodes[0]);
    engine_call_act_as(call, ev->nodes[1]);
    submit(s, call, ev->nodes[1], ev->from, tb);
    apply(s, call, ev->nodes[1]);
    tx_unref(ta);
    tx_unref(tb);
}

static void global_event(sim *s, engine_call *call, const scenario_event *ev)
{
    int64_t now = engine_call_now(call);
    sim_node *gl = global_lines(s);
    char err[512];
    switch (ev->type) {
    case SCENARIO_EV_PARTITION: {
        if (net_partition(s->net, ev->group_of, s->n) != 0)
            abort(); /* the scenario was validated against the ni count */
        uint32_t *groups = malloc(s->n * sizeof *groups);
        if (groups == NULL)
            abort();
        for (uint32_t i = 0; i < s->n; i++)
            groups[i] = ev->group_of[i] + 1;
        metrics_partition(s->m, now, groups, s->n);
        free(s->group_of);
        s->group_of = groups;
        say_groups(s, now, ev);
        break;
    }
    case SCENARIO_EV_HEAL: {
        uint32_t *cut = malloc((s->n + 1) * sizeof *cut);
        if (cut == NULL)
            abort();
        net_heal(s->net);
        metrics_heal(s->m, now);
        say(s, gl, UINT32_MAX, now, "heal: every link is back");
        for (uint32_t i = 0; s->group_of && i < s->n; i++) {
            sim_node *sn = &s->nodes[i];
            size_t n_cut = 0;
            for (size_t k = 0; k < net_degree(s->net, i); k++) {
                uint32_t p = net_neighbor(s->net, i, k);
                if (s->group_of[p] != s->group_of[i])
                    cut[n_cut++] = p;
            }
            if (!sn->online || n_cut == 0)
                continue;
            engine_call_act_as(call, i);
            node_on_reconnect(sn->n, &sn->fx, now, cut, n_cut);
            apply(s, call, i);
        }
        free(cut);
        free(s->group_of);
        s->group_of = NULL;
        break;
    }
    case SCENARIO_EV_CRASH: {
        sim_node *sn = &s->nodes[ev->node];
        if (!sn->online)
            break;
        engine_call_act_as(call, ev->node); /* its idle time up to now first */
        if (save_crash_chain(s, ev->node, err, sizeof err) != 0) {
            cli_error("run: node %u: %s", ev->node + 1, err);
            s->failed = 1;
        }
        sn->online = 0;
        sn->life++;
        net_uplink_reset(s->net, ev->node);
        metrics_node_event(s->m, now, ev->node + 1, METRICS_CRASH);
        say(s, gl, UINT32_MAX, now, "node %u crashed at height %u (chain saved)", ev->node + 1,
            chain_height(node_chain(sn->n)));
        break;
    }
    case SCENARIO_EV_RESTART: {
        sim_node *sn = &s->nodes[ev->node];
        if (sn->online)
            break;
        char *path = s->crash_dir ? chain_path_in(s->crash_dir, ev->node) : NULL;
        chain *c = NULL;
        if (load_chain(s, &c, path, err, sizeof err) != 0) {
            cli_error("run: restarting node %u: %s", ev->node + 1, err);
            free(path);
            s->failed = 1;
            break;
        }
        free(path);
        uint32_t height = chain_height(c);
        if (start_node(s, call, ev->node, c) != 0)
            abort();
        metrics_node_event(s->m, now, ev->node + 1, METRICS_RESTART);
        say(s, gl, UINT32_MAX, now, "node %u restarted from its chain file at height %u",
            ev->node + 1, height);
        break;
    }
    case SCENARIO_EV_SET_HASHRATE: {
        sim_node *sn = &s->nodes[ev->node];
        sn->hashrate_hps = (uint64_t)llround(ev->hashrate_hps);
        engine_call_act_as(call, ev->node); /* its idle time up to now first */
        if (sn->n)
            node_set_hashrate(sn->n, now, s->cons.type == CHAIN_POW ? sn->hashrate_hps : 0);
        say(s, gl, UINT32_MAX, now, "node %u hash rate is now %.0f H/s", ev->node + 1,
            ev->hashrate_hps);
        break;
    }
    case SCENARIO_EV_SET_STAKE:
        say(s, gl, UINT32_MAX, now, "node %u stake is now %" PRIu64 " (from the next slot)",
            ev->node + 1, ev->stake);
        break;
    case SCENARIO_EV_TX:
    case SCENARIO_EV_DOUBLE_SPEND:
        global_tx(s, call, ev);
        break;
    }
}

static void sample(sim *s, int64_t now)
{
    metrics_tip *tips = malloc(s->n * sizeof *tips);
    if (tips == NULL)
        abort();
    uint32_t best = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        sim_node *sn = &s->nodes[i];
        tips[i].online = sn->online;
        tips[i].height = sn->n ? chain_height(node_chain(sn->n)) : 0;
        if (sn->n)
            tips[i].tip = *chain_entry_id(chain_tip(node_chain(sn->n)));
        else
            tips[i].tip = *block_id(s->genesis);
        if (tips[i].height > best)
            best = (uint32_t)tips[i].height;
    }
    metrics_sample(s->m, now, tips, s->n);
    free(tips);
    flush_lines(s);
    if (s->progress) {
        double pct = 100.0 * (double)now / (double)s->scn.duration_ns;
        int bar = (int)(pct / 5);
        fprintf(stderr, "\r[%.*s%*s] %5.1f%%  %.0fs  height %u", bar,
                "====================", 20 - bar, "", pct, (double)now / 1e9, best);
        fflush(stderr);
    }
}

/* ---- the live dashboard (--serve) ------------------------------------- */

/* Publishes the runner's state to the dashboard. Barrier only. It reads the
 * state and never changes it, so serving leaves the outputs as they were. */
static void serve_publish(sim *s, int64_t now, int finished)
{
    rundash_node *nodes = malloc(s->n * sizeof *nodes);
    if (nodes == NULL)
        abort();
    for (uint32_t i = 0; i < s->n; i++)
        nodes[i] = (rundash_node){s->nodes[i].n, s->nodes[i].online};
    rundash_state st = {now, finished, nodes, s->group_of, s->net, s->ws};
    char err[300];
    if (rundash_publish(s->dash, err, sizeof err, &st) != RUNDASH_OK)
        cli_error("run: dashboard: %s", err);
    free(nodes);
}

/* A payment sent from the page: enters the run like a scripted `tx` event
 * (console line, metrics), and its fate goes back to the dashboard. */
static void serve_tx(sim *s, engine_call *call, const dash_command *c)
{
    int64_t now = engine_call_now(call);
    sim_node *gl = global_lines(s);
    char why[200], a[17], to_name[40];
    uint8_t to[KEYS_PUB_BYTES];
    if (c->from_wallet < 1 || c->from_wallet > (int64_t)wallet_count(s->ws) || c->node < 1 ||
        c->node > (int64_t)s->n || hex_decode(to, sizeof to, c->to_address) != 0) {
        rundash_submitted(s->dash, c, NULL, "not a wallet, node and address of this run");
        return;
    }
    uint32_t w = (uint32_t)(c->from_wallet - 1), ni = (uint32_t)(c->node - 1);
    uint32_t host = wallet_host(s->ws, w), to_w = wallet_find(s->ws, to);
    const chain *view = s->nodes[host].n ? node_chain(s->nodes[host].n) : NULL;
    if (to_w != UINT32_MAX)
        snprintf(to_name, sizeof to_name, "wallet %u", to_w + 1);
    else
        snprintf(to_name, sizeof to_name, "address %.16s", c->to_address);
    tx *t = NULL;
    wallet_status ws;
    if (view == NULL)
        snprintf(why, sizeof why, "wallet %u's node %u is not up", w + 1, host + 1);
    else if (!s->nodes[ni].online)
        snprintf(why, sizeof why, "node %u is not running (crashed or not joined yet)", ni + 1);
    else if ((ws = wallet_pay(s->ws, &t, w, view, to, c->amount, s->scn.workload.fee, now)) !=
             WALLET_OK)
        snprintf(why, sizeof why, "%s", wallet_status_message(ws));
    if (t == NULL) {
        say(s, gl, UINT32_MAX, now, "tx from wallet %u refused (dashboard request %" PRIu64 "): %s",
            w + 1, c->request_id, why);
        rundash_submitted(s->dash, c, NULL, why);
        return;
    }
    sim_node *sn = &s->nodes[ni];
    engine_call_act_as(call, ni);
    metrics_tx_submitted(sn->mn, now, tx_id(t));
    reason r = node_submit_tx(sn->n, &sn->fx, now, t);
    if (r != REASON_OK)
        wallet_release(s->ws, w, t);
    short_id(a, tx_id(t));
    say(s, gl, UINT32_MAX, now,
        "tx %s: wallet %u pays %" PRIu64 " to %s at node %u (dashboard request %" PRIu64 ")%s%s", a,
        w + 1, c->amount, to_name, ni + 1, c->request_id,
        r == REASON_OK ? "" : ": refused: ", r == REASON_OK ? "" : reason_message(r));
    apply(s, call, ni);
    snprintf(why, sizeof why, "node %u refused it: %s", ni + 1, reason_message(r));
    rundash_submitted(s->dash, c, t, r == REASON_OK ? NULL : why);
    tx_unref(t);
}

/* Applies the payments sent from the page since the last sample, in the
 * order the server queued them. Barrier only. */
static void serve_commands(sim *s, engine_call *call)
{
    dash_command cmds[16];
    size_t n;
    while ((n = rundash_take(s->dash, cmds, sizeof cmds / sizeof cmds[0])) > 0)
        for (size_t i = 0; i < n; i++)
            serve_tx(s, call, &cmds[i]);
}

static void on_global(void *ctx, engine_call *call, const engine_event *ev)
{
    sim *s = ctx;
    int64_t now = engine_call_now(call);
    switch (ev->type) {
    case G_EVENT:
        global_event(s, call, &s->scn.events[ev->arg]);
        break;
    case G_START: {
        uint32_t i = (uint32_t)ev->arg;
        if (start_node(s, call, i, NULL) != 0)
            abort();
        if (now > 0) {
            metrics_node_event(s->m, now, i + 1, METRICS_JOIN);
            say(s, global_lines(s), UINT32_MAX, now, "node %u joined (from genesis)", i + 1);
        }
        break;
    }
    case G_SAMPLE: {
        if (s->dash)
            serve_commands(s, call);
        sample(s, now);
        if (s->dash)
            serve_publish(s, now, 0);
        int64_t next = now + s->scn.metrics.sample_interval_ns;
        if (next < s->scn.duration_ns)
            engine_call_global(call, next, G_SAMPLE, NULL, 0);
        break;
    }
    }
}

/* ---- setup and teardown ----------------------------------------------- */

static int setup_consensus(sim *s, char *err, size_t errlen)
{
    const scenario *scn = &s->scn;
    chain_params_default(&s->params);
    memset(&s->cons, 0, sizeof s->cons);
    s->params.seed = s->seed;
    s->params.genesis_time = GENESIS_TIME;
    s->cons.genesis_time = GENESIS_TIME;
    u256_set_compact(&s->cons.pow_limit, 0x207fffff, NULL, NULL);
    if (scn->consensus.type == SCENARIO_POW) {
        uint32_t bits;
        if (pow_bits_for_expected_hashes(
                &bits, (double)scn->consensus.pow.expected_hashes_per_block) != POW_OK) {
            snprintf(err, errlen, "consensus.pow.expected_hashes_per_block: must be at least 1");
            return -1;
        }
        int64_t spacing_ns = scn->consensus.pow.target_block_interval_ns;
        if (spacing_ns < 1000000000LL || spacing_ns % 1000000000LL != 0) {
            snprintf(err, errlen,
                     "consensus.pow.target_block_interval: must be a whole number of seconds "
                     "(block times are in seconds)");
            return -1;
        }
        s->params.genesis_bits = bits;
        s->params.block_reward = scn->consensus.pow.reward;
        s->params.max_block_bytes = scn->consensus.pow.max_block_bytes;
        s->cons.type = CHAIN_POW;
        s->cons.retarget_blocks = scn->consensus.pow.retarget_interval;
        s->cons.spacing_s = spacing_ns / 1000000000LL;
    } else {
        int64_t slot_ns = scn->consensus.pos.slot_ns;
        if (slot_ns < 1000000000LL || slot_ns % 1000000000LL != 0) {
            snprintf(err, errlen,
                     "consensus.pos.slot: must be a whole number of seconds (a block's time is "
                     "its slot's)");
            return -1;
        }
        s->params.block_reward = scn->consensus.pos.reward;
        s->params.max_block_bytes = scn->consensus.pow.max_block_bytes;
        s->cons.type = CHAIN_POS;
        s->cons.slot_ns = slot_ns;
        s->cons.epoch_slots = scn->consensus.pos.epoch_slots;
        s->cons.f = scn->consensus.pos.active_slot_coeff;
        uint8_t buf[16];
        memcpy(buf, "chainsim-pos", 12);
        for (int i = 0; i < 4; i++)
            buf[12 + i] = (uint8_t)(s->seed >> (8 * i));
        hash_sha256(s->cons.genesis_seed.b, buf, sizeof buf);
        s->cons.k = scn->consensus.pos.k;
        s->cons.stakes = s->stakes;
    }
    consensus_install(&s->params, &s->cons);
    return 0;
}

/* The stake schedule from the scenario: each node's initial stake from slot
 * 0, and each set_stake from the first slot starting at or after its time. */
static int setup_stakes(sim *s, const uint8_t (*pubs)[KEYS_PUB_BYTES], char *err, size_t errlen)
{
    const scenario *scn = &s->scn;
    int64_t slot_ns = scn->consensus.pos.slot_ns > 0 ? scn->consensus.pos.slot_ns : 1;
    stake_entry *entries = calloc(scn->n_nodes + scn->n_events, sizeof *entries);
    size_t n = 0;
    if (entries == NULL) {
        snprintf(err, errlen, "out of memory while setting up the run");
        return -1;
    }
    for (uint32_t i = 0; i < scn->n_nodes; i++) {
        memcpy(entries[n].pub, pubs[i], KEYS_PUB_BYTES);
        entries[n++].stake = scn->nodes[i].stake;
    }
    for (size_t e = 0; e < scn->n_events; e++) {
        const scenario_event *ev = &scn->events[e];
        if (ev->type != SCENARIO_EV_SET_STAKE)
            continue;
        memcpy(entries[n].pub, pubs[ev->node], KEYS_PUB_BYTES);
        entries[n].from_slot = (uint64_t)((ev->at_ns + slot_ns - 1) / slot_ns);
        entries[n++].stake = ev->stake;
    }
    stake_status st = stake_new(&s->stakes, entries, n);
    free(entries);
    if (st != STAKE_OK) {
        snprintf(err, errlen, "nodes[].stake, set_stake events: %s", stake_status_message(st));
        return -1;
    }
    return 0;
}

static int setup(sim *s, char *err, size_t errlen)
{
    const scenario *scn = &s->scn;
    s->n = scn->n_nodes;
    s->nodes = calloc(s->n + 1, sizeof *s->nodes); /* + the global console lines */
    uint8_t(*pubs)[KEYS_PUB_BYTES] = calloc(s->n, KEYS_PUB_BYTES);
    if (s->nodes == NULL || pubs == NULL)
        goto nomem;
    for (uint32_t i = 0; i < s->n; i++) {
        sim_node *sn = &s->nodes[i];
        uint8_t seed[KEYS_SEED_BYTES];
        keys_derive_seed(seed, s->seed, "node", i);
        int rc = keys_pair_new(&sn->key, seed);
        memset(seed, 0, sizeof seed);
        if (rc != 0)
            goto nomem;
        memcpy(pubs[i], keys_pair_public(sn->key), KEYS_PUB_BYTES);
        rng_init(&sn->rng_net, s->seed, i, RNG_STREAM_NET);
        rng_init(&sn->rng_work, s->seed, i, RNG_STREAM_WORK);
        sn->hashrate_hps = (uint64_t)llround(scn->nodes[i].hashrate_hps);
    }
    if (setup_stakes(s, (const uint8_t(*)[KEYS_PUB_BYTES])pubs, err, errlen) != 0) {
        free(pubs);
        return 2;
    }
    free(pubs);
    pubs = NULL;
    if (setup_consensus(s, err, errlen) != 0)
        return 2;
    uint64_t coin = 10 * (scn->workload.amount_max + scn->workload.fee);
    if (wallet_set_new(&s->ws, scn->workload.wallets, s->seed, s->n, WALLET_COINS, coin) != 0)
        goto nomem;
    for (uint32_t w = 0; w < wallet_count(s->ws); w++)
        s->nodes[wallet_host(s->ws, w)].hosts_wallets = 1;
    s->params.genesis_outputs = wallet_genesis_outputs(s->ws, &s->params.n_genesis_outputs);
    if (sigcache_new(&s->cache, 1 << 16) != 0 || chain_genesis_new(&s->genesis, &s->params) != 0)
        goto nomem;
    rng topo;
    rng_init(&topo, s->seed, UINT32_MAX, RNG_STREAM_TOPOLOGY);
    if (net_new(&s->net, scn, (net_rng){rng_cb, &topo}) != 0)
        goto nomem;
    s->m = metrics_new(s->n, scn->workload.confirmations ? scn->workload.confirmations : 1);
    if (s->m == NULL)
        goto nomem;
    for (uint32_t i = 0; i < s->n; i++)
        s->nodes[i].mn = metrics_node_of(s->m, i + 1);

    engine_config ec;
    memset(&ec, 0, sizeof ec);
    ec.nodes = s->n;
    ec.lookahead_ns = scenario_lookahead_ns(scn);
    ec.threads = s->opts->have_threads ? s->opts->threads : 0;
    ec.realtime_factor = s->opts->realtime;
    ec.model = (engine_model){s, on_event, on_idle, on_global, on_discard};
    int rc = engine_new(&s->eng, &ec);
    if (rc != ENGINE_OK) {
        snprintf(err, errlen, "cannot start the engine: %s", engine_strerror(rc));
        return rc == ENGINE_E_NOMEM || rc == ENGINE_E_THREAD ? 1 : 2;
    }
    /* Node starts, then scenario events in file order, then samples. */
    for (uint32_t i = 0; i < s->n; i++)
        if (engine_schedule_global(s->eng, scn->nodes[i].join_at_ns, G_START, NULL, i) != 0)
            goto nomem;
    for (size_t e = 0; e < scn->n_events; e++)
        if (engine_schedule_global(s->eng, scn->events[e].at_ns, G_EVENT, NULL, e) != 0)
            goto nomem;
    if (engine_schedule_global(s->eng, 0, G_SAMPLE, NULL, 0) != 0)
        goto nomem;
    return 0;
nomem:
    free(pubs);
    snprintf(err, errlen, "out of memory while setting up the run");
    return 1;
}

static void teardown(sim *s)
{
    engine_free(s->eng); /* hands pending payloads to on_discard */
    remove_crash_dir(s);
    for (uint32_t i = 0; s->nodes && i <= s->n; i++) {
        sim_node *sn = &s->nodes[i];
        node_free(sn->n);
        node_effects_free(&sn->fx);
        keys_pair_free(sn->key);
        for (size_t k = 0; k < sn->n_lines; k++)
            free(sn->lines[k].text);
        free(sn->lines);
    }
    free(s->nodes);
    free(s->group_of);
    metrics_free(s->m);
    net_free(s->net);
    block_unref(s->genesis);
    sigcache_free(s->cache);
    wallet_set_free(s->ws);
    stake_free(s->stakes);
    cJSON_Delete(s->scn_json);
    scenario_free(&s->scn);
}

/* The chain of node i as ids by height (caller frees). */
static hash256 *chain_ids(const chain *c, size_t *len)
{
    uint32_t h = chain_height(c);
    hash256 *ids = malloc(((size_t)h + 1) * sizeof *ids);
    if (ids == NULL)
        abort();
    for (uint32_t k = 0; k <= h; k++)
        ids[k] = *chain_entry_id(chain_at_height(c, k));
    *len = (size_t)h + 1;
    return ids;
}

/* Writes every started node's chain file. Most nodes share a chain at the
 * end of a run, so each distinct chain (by chainfile_identity: tip and
 * parameters) is rendered once, its bytes written to the file of every node
 * holding it, and freed after its last node; each file is still written on
 * its own, atomically. Returns 0, or -1 with a message naming the node in
 * err. */
static int save_all_chains(sim *s, char *err, size_t errlen)
{
    hmap *ids = NULL; /* identity -> index of the distinct chain */
    size_t cap = s->n ? s->n : 1, n_ids = 0;
    char **texts = calloc(cap, sizeof *texts);
    size_t *lens = calloc(cap, sizeof *lens);
    uint32_t *users = calloc(cap, sizeof *users); /* nodes still to write */
    size_t *which = calloc(cap, sizeof *which);   /* node -> distinct chain */
    int status = -1;
    char why[400];
    if (texts == NULL || lens == NULL || users == NULL || which == NULL ||
        hmap_new(&ids, sizeof(hash256), sizeof(size_t)) != 0)
        goto oom;
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->nodes[i].n == NULL)
            continue;
        hash256 key;
        if (chainfile_identity(node_chain(s->nodes[i].n), &key) != CHAINFILE_OK)
            goto oom;
        const size_t *at = hmap_get(ids, &key);
        size_t k = at ? *at : n_ids;
        if (at == NULL) {
            if (hmap_put(ids, &key, &k) < 0)
                goto oom;
            n_ids++;
        }
        which[i] = k;
        users[k]++;
    }
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->nodes[i].n == NULL)
            continue;
        size_t k = which[i];
        if (texts[k] == NULL && chainfile_render(node_chain(s->nodes[i].n), &texts[k], &lens[k],
                                                 why, sizeof why) != CHAINFILE_OK) {
            snprintf(err, errlen, "node %u: %s", i + 1, why);
            goto done;
        }
        char *path = chain_path(s, i);
        if (path == NULL)
            goto oom;
        fileout_status st = fileout_write(why, sizeof why, path, texts[k], lens[k]);
        free(path);
        if (st != FILEOUT_OK) {
            snprintf(err, errlen, "node %u: %s", i + 1, why);
            goto done;
        }
        if (--users[k] == 0) {
            free(texts[k]);
            texts[k] = NULL;
        }
    }
    status = 0;
    goto done;
oom:
    snprintf(err, errlen, "out of memory");
done:
    for (size_t k = 0; texts != NULL && k < n_ids; k++)
        free(texts[k]);
    free(texts);
    free(lens);
    free(users);
    free(which);
    hmap_free(ids);
    return status;
}

static int finish(sim *s, double wall_s)
{
    char err[512];
    int status = 0;
    sample(s, s->scn.duration_ns);
    /* Chain files first: they are the run's primary output. */
    if (save_all_chains(s, err, sizeof err) != 0) {
        cli_error("run: %s", err);
        return 1;
    }
    metrics_chain *chains = calloc(s->n, sizeof *chains);
    hash256 **ids = calloc(s->n, sizeof *ids);
    if (chains == NULL || ids == NULL)
        abort();
    uint32_t main_node = UINT32_MAX;
    for (uint32_t i = 0; i < s->n; i++) {
        const chain *c = s->nodes[i].n ? node_chain(s->nodes[i].n) : NULL;
        if (c == NULL) {
            ids[i] = malloc(sizeof(hash256));
            if (ids[i] == NULL)
                abort();
            ids[i][0] = *block_id(s->genesis);
            chains[i] = (metrics_chain){ids[i], 1};
            continue;
        }
        ids[i] = chain_ids(c, &chains[i].len);
        chains[i].ids = ids[i];
        if (!s->nodes[i].online)
            continue;
        if (main_node == UINT32_MAX ||
            u256_cmp(chain_entry_work(chain_tip(c)),
                     chain_entry_work(chain_tip(node_chain(s->nodes[main_node].n)))) > 0)
            main_node = i;
    }
    if (main_node == UINT32_MAX)
        main_node = 0;
    if (metrics_finish(s->m, err, sizeof err, chains, s->n, &chains[main_node],
                       s->scn.duration_ns) != METRICS_OK) {
        cli_error("run: metrics: %s", err);
        status = 1;
    } else if (metrics_write(s->m, err, sizeof err, s->out_dir, s->scn_json, s->seed) !=
                   METRICS_OK ||
               metrics_write_run_info(err, sizeof err, s->out_dir, wall_s,
                                      engine_threads(s->eng)) != METRICS_OK) {
        cli_error("run: %s", err);
        status = 1;
    }
    if (status == 0) {
        cJSON *sum = metrics_summary(s->m, s->scn_json, s->seed);
        const chain *mc = node_chain(s->nodes[main_node].n);
        char tip[65];
        hash_to_hex(tip, chain_entry_id(chain_tip(mc)));
        /* stdout is as deterministic as the files; wall-clock facts go to
         * stderr (and run_info.json). */
        printf("\nsummary: %s, %u nodes, %s, seed %" PRIu64 ", %.0f virtual seconds\n",
               s->scn.name ? s->scn.name : "scenario", s->n,
               s->cons.type == CHAIN_POW ? "proof-of-work" : "proof-of-stake", s->seed,
               (double)s->scn.duration_ns / 1e9);
        printf("  main chain: height %u, tip %s (node %u)\n", chain_height(mc), tip, main_node + 1);
        static const char *const figures[][2] = {
            {"blocks produced", "blocks.produced"},
            {"stale rate", "blocks.stale_rate"},
            {"reorganisations", "reorgs.count"},
            {"deepest reorg", "reorgs.deepest"},
            {"propagation to 90% (median s)", "propagation_s.reach_90pct.median"},
            {"transactions confirmed", "transactions.confirmed"},
            {"transactions per second", "transactions.per_second"},
            {"confirmation latency (median s)", "transactions.confirmation_latency_s.median"},
            {"hashes", "hashes"},
            {"messages", "messages.sent"},
        };
        for (size_t k = 0; k < sizeof figures / sizeof figures[0]; k++) {
            const cJSON *v = summary_lookup(sum, figures[k][1]);
            if (cJSON_IsNumber(v))
                printf("  %-32s %.6g\n", figures[k][0], v->valuedouble);
        }
        /* The rate the real hashing ran at inside the whole simulation
         * (compare with bench/bench_hash): wall-clock, so on stderr. */
        const cJSON *hashes = cJSON_GetObjectItemCaseSensitive(sum, "hashes");
        fflush(stdout);
        fprintf(stderr, "  wall clock: %.2f s on %u worker threads", wall_s,
                engine_threads(s->eng));
        if (cJSON_IsNumber(hashes) && hashes->valuedouble > 0 && wall_s > 0)
            fprintf(stderr, ", %.4g hashes per wall second", hashes->valuedouble / wall_s);
        fputc('\n', stderr);
        for (uint32_t i = 0; i < s->n && i < 16; i++) {
            const chain *c = s->nodes[i].n ? node_chain(s->nodes[i].n) : NULL;
            if (c == NULL)
                continue;
            hash_to_hex(tip, chain_entry_id(chain_tip(c)));
            printf("  node %-4u height %-6u tip %.16s%s\n", i + 1, chain_height(c), tip,
                   s->nodes[i].online ? "" : " (offline)");
        }
        printf("  output: %s/ (node1_chain.json ... node%u_chain.json, CSV metrics, "
               "summary.json)\n",
               s->out_dir, s->n);
        cJSON_Delete(sum);
    }
    for (uint32_t i = 0; i < s->n; i++)
        free(ids[i]);
    free(ids);
    free(chains);
    return status;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* With --serve, SIGINT and SIGTERM are taken by one thread (sigwait; every
 * other thread blocks them): during the run they stop it early, without
 * outputs, as Ctrl-C always did; after the run they end the serving. */
typedef struct serve_signals {
    sigset_t set, old;
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    engine *running; /* the engine while engine_run may be going */
    int signalled;
} serve_signals;

static void *serve_signal_thread(void *arg)
{
    serve_signals *ss = arg;
    int sig = 0;
    sigwait(&ss->set, &sig);
    pthread_mutex_lock(&ss->mu);
    ss->signalled = sig;
    if (ss->running)
        engine_request_stop(ss->running);
    pthread_mutex_unlock(&ss->mu);
    return NULL;
}

/* Starts the dashboard before the run: a listen failure is the user's input. */
static int serve_start(sim *s, serve_signals *ss)
{
    char err[600], url[400];
    uint8_t(*keys)[KEYS_PUB_BYTES] = malloc(s->n * sizeof *keys);
    if (keys == NULL) {
        cli_error("run: out of memory");
        return CLI_FAILED;
    }
    for (uint32_t i = 0; i < s->n; i++)
        memcpy(keys[i], keys_pair_public(s->nodes[i].key), KEYS_PUB_BYTES);
    rundash_config rc = {
        .listen = s->opts->serve_addr,
        .eng = s->eng,
        .consensus = s->cons.type == CHAIN_POW ? "pow" : "pos",
        .scenario_name = s->scn.name,
        .duration_ns = s->scn.duration_ns,
        .n_nodes = s->n,
        .node_keys = (const uint8_t(*)[KEYS_PUB_BYTES])keys,
        .genesis = s->genesis,
        .fee = s->scn.workload.fee,
        .confirmations = s->scn.workload.confirmations,
        .speed = s->opts->realtime,
    };
    rundash_reason r = rundash_new(&s->dash, err, sizeof err, &rc);
    free(keys);
    if (r != RUNDASH_OK) {
        cli_error("run: --serve %s: %s", s->opts->serve_addr, err);
        return r == RUNDASH_ERR_BAD_ADDRESS || r == RUNDASH_ERR_LISTEN ? CLI_BAD_INPUT : CLI_FAILED;
    }
    ss->running = s->eng;
    if (pthread_create(&ss->thread, NULL, serve_signal_thread, ss) != 0) {
        cli_error("run: cannot start a thread");
        return CLI_FAILED;
    }
    ss->started = 1;
    rundash_url(s->dash, url, sizeof url);
    printf("dashboard: %s\n", url);
    fflush(stdout);
    return CLI_OK;
}

/* After the run (rc its status): the final state stays browsable, read-only,
 * until SIGINT or SIGTERM; then everything stops. */
static int serve_end(sim *s, serve_signals *ss, int rc)
{
    if (s->dash && rc == CLI_OK) {
        char url[400];
        rundash_close(s->dash);
        serve_publish(s, s->scn.duration_ns, 1);
        rundash_url(s->dash, url, sizeof url);
        printf("dashboard: the run is over; its final state stays at %s until Ctrl-C\n", url);
        fflush(stdout);
    } else if (ss->started) {
        pthread_kill(ss->thread, SIGTERM); /* taken by its sigwait */
    }
    if (ss->started)
        pthread_join(ss->thread, NULL);
    rundash_free(s->dash);
    s->dash = NULL;
    return rc;
}

int run_main(const run_options *opts)
{
    sim s;
    char err[1024];
    memset(&s, 0, sizeof s);
    s.opts = opts;
    s.out_dir = opts->out_dir ? opts->out_dir : "data_blockchain";
    scenario_status st =
        opts->scenario_path
            ? scenario_load_file(&s.scn, opts->scenario_path, opts->sets, opts->n_sets, err,
                                 sizeof err)
            : scenario_load_default(&s.scn, opts->sets, opts->n_sets, err, sizeof err);
    if (st != SCENARIO_OK) {
        cli_error("run: %s", err);
        return st == SCENARIO_ERR_NOMEM ? CLI_FAILED : CLI_BAD_INPUT;
    }
    if (opts->have_seed)
        s.scn.seed = opts->seed;
    s.seed = s.scn.seed;
    s.scn_json = scenario_to_json(&s.scn);
    if (s.scn_json == NULL) {
        cli_error("run: out of memory");
        scenario_free(&s.scn);
        return CLI_FAILED;
    }
    if (fileout_mkdirs(err, sizeof err, s.out_dir) != FILEOUT_OK) {
        cli_error("run: %s", err);
        teardown(&s);
        return CLI_BAD_INPUT;
    }
    serve_signals ss;
    memset(&ss, 0, sizeof ss);
    if (opts->serve_addr) { /* before any thread exists, so that all inherit the mask */
        pthread_mutex_init(&ss.mu, NULL);
        sigemptyset(&ss.set);
        sigaddset(&ss.set, SIGINT);
        sigaddset(&ss.set, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &ss.set, &ss.old);
    }
    int rc = setup(&s, err, sizeof err);
    if (rc != 0) {
        cli_error("run: %s: %s", opts->scenario_path ? opts->scenario_path : "default scenario",
                  err);
        teardown(&s);
        goto out;
    }
    if (opts->serve_addr && (rc = serve_start(&s, &ss)) != CLI_OK) {
        rc = serve_end(&s, &ss, rc);
        teardown(&s);
        goto out;
    }
    s.progress = !opts->quiet && isatty(STDERR_FILENO);
    if (!opts->quiet)
        printf("chainsim %s: %s, %u nodes, %s, seed %" PRIu64 "\n", CHAINSIM_VERSION,
               s.scn.name ? s.scn.name : "scenario", s.n,
               s.cons.type == CHAIN_POW ? "proof-of-work" : "proof-of-stake", s.seed);
    double t0 = wall_now();
    if (engine_run(s.eng, s.scn.duration_ns) != ENGINE_OK)
        abort(); /* a fresh engine starts at 0 */
    double wall = wall_now() - t0;
    if (s.progress)
        fputs("\r\033[K", stderr);
    int interrupted = 0;
    if (opts->serve_addr) {
        pthread_mutex_lock(&ss.mu);
        ss.running = NULL;
        interrupted = ss.signalled != 0;
        pthread_mutex_unlock(&ss.mu);
    }
    if (interrupted) {
        flush_lines(&s);
        cli_error("run: interrupted at %.3f virtual seconds; no output written",
                  (double)engine_now(s.eng) / 1e9);
        rc = CLI_FAILED;
    } else {
        rc = s.failed ? CLI_FAILED : finish(&s, wall);
    }
    if (opts->serve_addr)
        rc = serve_end(&s, &ss, interrupted ? CLI_FAILED : rc);
    teardown(&s);
out:
    if (opts->serve_addr) {
        pthread_sigmask(SIG_SETMASK, &ss.old, NULL);
        pthread_mutex_destroy(&ss.mu);
    }
    return rc;
}
