/* The world's node side: the engine callbacks that run one node's events
 * (messages, node timers, wallet timers, mining between events) and the
 * carrying out of that node's effects (node_effects) by the thread that ran
 * it: sends go through the network model (bandwidth, latency, loss,
 * partitions) into the engine, timers into the engine, notes into the
 * metrics and the node's console lines. */
#include "world.h"
#include "timeunit.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- console ---------------------------------------------------------- */

world_node *world_global_lines(world *s)
{
    return &s->nodes[s->n];
}

void world_say(world *s, world_node *sn, uint32_t ni, int64_t t, const char *fmt, ...)
{
    if (s->quiet)
        return;
    if (sn == world_global_lines(s) && !world_voice(s)) {
        sn->line_seq++; /* the process with the facts records it, in the same place */
        return;
    }
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (sn->n_lines == sn->cap_lines) {
        size_t cap = sn->cap_lines ? sn->cap_lines * 2 : 16;
        world_line *l = realloc(sn->lines, cap * sizeof *l);
        if (l == NULL)
            abort();
        sn->lines = l;
        sn->cap_lines = cap;
    }
    char *text = strdup(buf);
    if (text == NULL)
        abort();
    sn->lines[sn->n_lines++] = (world_line){t, ni, sn->line_seq++, text};
}

static int line_cmp(const void *a, const void *b)
{
    const world_line *x = a, *y = b;
    if (x->time_ns != y->time_ns)
        return x->time_ns < y->time_ns ? -1 : 1;
    if (x->ni != y->ni)
        return x->ni < y->ni ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The global lines are kept at the extra slot s->nodes[s->n]. */
void world_flush_lines(world *s)
{
    if (s->procs > 1) {
        world_line *all;
        size_t n;
        if (!world_gather_lines(s, &all, &n))
            return;
        if (n > 1)
            qsort(all, n, sizeof *all, line_cmp);
        for (size_t i = 0; i < n; i++) {
            printf("[%10.3fs] %s\n", (double)all[i].time_ns / (double)TIMEUNIT_NS_PER_S,
                   all[i].text);
            free(all[i].text);
        }
        fflush(stdout);
        free(all);
        return;
    }
    size_t total = 0;
    for (uint32_t i = 0; i <= s->n; i++)
        total += s->nodes[i].n_lines;
    if (total == 0)
        return;
    world_line *all = malloc(total * sizeof *all);
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
    for (size_t i = 0; i < total; i++) {
        printf("[%10.3fs] %s\n", (double)all[i].time_ns / (double)TIMEUNIT_NS_PER_S, all[i].text);
        free(all[i].text);
    }
    fflush(stdout);
    free(all);
}

void world_short_id(char out[17], const hash256 *id)
{
    char hex[65];
    hash_to_hex(hex, id);
    memcpy(out, hex, 16);
    out[16] = '\0';
}

/* ---- effects ---------------------------------------------------------- */

uint64_t world_rng_draw(void *state)
{
    return rng_next(state);
}

/* Records block b that node ni produced at time_ns. */
static void record_produced(world_node *sn, int64_t time_ns, const block *b)
{
    uint64_t height = 0, extra;
    if (tx_coinbase_fields(block_tx(b, 0), &height, &extra) != 0)
        height = 0;
    size_t n_tx = block_n_tx(b);
    hash256 *ids = malloc(n_tx * sizeof *ids);
    if (ids == NULL)
        abort();
    for (size_t i = 0; i < n_tx; i++)
        ids[i] = *tx_id(block_tx(b, i));
    metrics_block_produced(sn->mn, time_ns, block_id(b), &block_header_of(b)->prev_id, height, ids,
                           n_tx, block_size(b));
    free(ids);
    sn->produced++;
}

static void record_note(world *s, uint32_t ni, const node_note *note)
{
    world_node *sn = &s->nodes[ni];
    char id[17], old[17];
    switch (note->kind) {
    case NODE_NOTE_BLOCK_PRODUCED: {
        const block *b = note->blk;
        uint64_t height = 0, extra;
        if (tx_coinbase_fields(block_tx(b, 0), &height, &extra) != 0)
            height = 0;
        size_t n_tx = block_n_tx(b);
        record_produced(sn, note->time_ns, b);
        world_short_id(id, block_id(b));
        world_say(s, sn, ni, note->time_ns, "node %u %s block #%" PRIu64 " %s (%zu tx, %zu bytes)",
                  ni + 1, block_pos_of(b) ? "forged" : "mined", height, id, n_tx - 1,
                  block_size(b));
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
        world_short_id(id, block_id(note->blk));
        world_short_id(old, &note->old_tip);
        /* Payments of the old branch that the new one double spent are
         * dropped, not returned: the line counts both. */
        if (note->txs_dropped > 0)
            world_say(s, sn, ni, note->time_ns,
                      "node %u reorganised: depth %u, tip %s -> #%u %s (%u tx back to the "
                      "mempool, %u dropped as double spends)",
                      ni + 1, note->depth, old, note->height, id, note->txs_reverted,
                      note->txs_dropped);
        else
            world_say(s, sn, ni, note->time_ns,
                      "node %u reorganised: depth %u, tip %s -> #%u %s (%u tx back to the mempool)",
                      ni + 1, note->depth, old, note->height, id, note->txs_reverted);
        break;
    case NODE_NOTE_INVALID:
        metrics_rejected(sn->mn, reason_name(note->code));
        if (note->peer != UINT32_MAX)
            metrics_rejected_from(sn->mn, note->peer, reason_name(note->code), note->score);
        break;
    case NODE_NOTE_TX_ACCEPTED:
        break;
    case NODE_NOTE_TX_REJECTED:
        if (note->code == REASON_TX_ALREADY_SPENT || note->code == REASON_TX_MEMPOOL_CONFLICT)
            metrics_tx_double_spend(sn->mn, note->time_ns, tx_id(note->tx));
        else if (note->peer != UINT32_MAX)
            metrics_rejected(sn->mn, reason_name(note->code));
        if (note->peer != UINT32_MAX)
            metrics_rejected_from(sn->mn, note->peer, reason_name(note->code), note->score);
        break;
    case NODE_NOTE_PEER_BANNED:
        metrics_peer_banned(sn->mn, note->time_ns, note->peer, note->score);
        world_say(s, sn, ni, note->time_ns,
                  "node %u banned node %u: misbehaviour score %u (last: %s)", ni + 1,
                  note->peer + 1, note->score, reason_name(note->code));
        break;
    case NODE_NOTE_ROLLBACK_REFUSED:
        world_short_id(id, block_id(note->blk));
        world_say(s, sn, ni, note->time_ns,
                  "node %u refused the branch of %s: it would revert %u blocks (k = %u)", ni + 1,
                  id, note->depth, s->ops->final_depth(&s->cons));
        break;
    case NODE_NOTE_EQUIVOCATION: {
        const block_pos *pos = block_pos_of(note->blk);
        uint32_t proposer = 0;
        while (proposer < s->n &&
               memcmp(keys_pair_public(s->nodes[proposer].key), pos->proposer, KEYS_PUB_BYTES) != 0)
            proposer++;
        if (proposer < s->n && proposer != ni) /* caught by others, not the proposer itself */
            metrics_equivocation(sn->mn, note->time_ns, pos->slot, proposer, &note->old_tip,
                                 block_id(note->blk));
        break;
    }
    case NODE_NOTE_COUNT:
        break;
    }
}

/* Carries out node ni's effects: the thread running ni calls this. */
void world_apply(world *s, engine_call *call, uint32_t ni)
{
    world_node *sn = &s->nodes[ni];
    node_effects *fx = &sn->fx;
    int64_t now = engine_call_now(call);
    net_rng r = {world_rng_draw, &sn->rng_net};
    for (size_t i = 0; i < fx->n_sends; i++) {
        msg *m = fx->sends[i].m;
        int64_t arrive;
        net_send_status st =
            net_send_time(s->net, &arrive, ni, fx->sends[i].peer, m->size_bytes, now, &r);
        if (st == NET_DELIVERED) {
            metrics_count(sn->mn, METRICS_MSGS_SENT, 1);
            metrics_count(sn->mn, METRICS_BYTES_SENT, m->size_bytes);
            engine_send(call, fx->sends[i].peer, arrive, WORLD_EV_MSG, m, 0);
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
        engine_timer(call, t->at_ns, WORLD_EV_MAKE(WORLD_EV_TIMER, t->kind, sn->life), t->payload,
                     t->arg);
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
    if (WORLD_EV_KIND(ev->type) == WORLD_EV_MSG)
        msg_unref(ev->payload);
    else if (WORLD_EV_KIND(ev->type) == WORLD_EV_TIMER &&
             WORLD_EV_SUB(ev->type) == NODE_TIMER_MINED)
        block_unref(ev->payload);
}

/* ---- workload --------------------------------------------------------- */

static int64_t next_wallet_delay(world *s, world_node *sn)
{
    double per_wallet = s->scn.workload.rate_per_s / s->scn.workload.wallets;
    double d = rng_exponential(&sn->rng_work, 1.0 / per_wallet);
    int64_t ns = (int64_t)(d * (double)TIMEUNIT_NS_PER_S);
    return ns > 0 ? ns : 1;
}

void world_arm_wallets(world *s, engine_call *call, uint32_t ni)
{
    world_node *sn = &s->nodes[ni];
    if (s->scn.workload.rate_per_s <= 0)
        return;
    for (uint32_t w = 0; w < wallet_count(s->ws); w++)
        if (wallet_host(s->ws, w) == ni)
            engine_timer(call, engine_call_now(call) + next_wallet_delay(s, sn),
                         WORLD_EV_MAKE(WORLD_EV_WALLET, 0, sn->life), NULL, w);
}

/* Submits a wallet's payment at node ni; a refused payment frees its coins. */
void world_submit(world *s, engine_call *call, uint32_t ni, uint32_t w, tx *t)
{
    world_node *sn = &s->nodes[ni];
    int64_t now = engine_call_now(call);
    metrics_tx_submitted(sn->mn, now, tx_id(t));
    if (!sn->online || node_submit_tx(sn->n, &sn->fx, now, t) != REASON_OK)
        wallet_release(s->ws, w, t);
}

static void on_wallet(world *s, engine_call *call, uint32_t ni, uint32_t w)
{
    world_node *sn = &s->nodes[ni];
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
        world_submit(s, call, ni, w, t);
        tx_unref(t);
    }
    engine_timer(call, engine_call_now(call) + next_wallet_delay(s, sn),
                 WORLD_EV_MAKE(WORLD_EV_WALLET, 0, sn->life), NULL, w);
}

/* ---- engine callbacks ------------------------------------------------- */

void world_on_event(void *ctx, engine_call *call, uint32_t ni, const engine_event *ev)
{
    world *s = ctx;
    world_node *sn = &s->nodes[ni];
    int64_t now = ev->time_ns;
    metrics_count(sn->mn, METRICS_EVENTS, 1);
    if (!sn->online ||
        (WORLD_EV_KIND(ev->type) != WORLD_EV_MSG && WORLD_EV_LIFE(ev->type) != sn->life)) {
        discard_payload(ev); /* a crashed ni, or a timer of its earlier life */
        return;
    }
    uint32_t height_before = sn->adv != NULL ? chain_height(node_chain(sn->n)) : 0;
    adversary_event adv_kind = ADVERSARY_EV_OTHER;
    switch (WORLD_EV_KIND(ev->type)) {
    case WORLD_EV_MSG: {
        msg *m = ev->payload;
        adv_kind = ADVERSARY_EV_MESSAGE;
        metrics_count(sn->mn, METRICS_MSGS_RECEIVED, 1);
        metrics_count(sn->mn, METRICS_BYTES_RECEIVED, m->size_bytes);
        node_on_message(sn->n, &sn->fx, now, ev->src, m);
        msg_unref(m);
        break;
    }
    case WORLD_EV_TIMER:
        if (WORLD_EV_SUB(ev->type) == NODE_TIMER_MINED)
            adv_kind = ADVERSARY_EV_MINED;
        node_on_timer(sn->n, &sn->fx, now, (node_timer_kind)WORLD_EV_SUB(ev->type), ev->payload,
                      ev->arg);
        break;
    case WORLD_EV_WALLET:
        on_wallet(s, call, ni, (uint32_t)ev->arg);
        break;
    }
    if (sn->adv != NULL) {
        adversary_after_event(sn->adv, sn->n, &sn->fx, now, adv_kind, height_before);
        for (tx *paid; (paid = adversary_take_payment(sn->adv)) != NULL; tx_unref(paid))
            metrics_tx_submitted(sn->mn, now, tx_id(paid));
        const char *kind;
        block *forged = adversary_take_forged(sn->adv, &kind);
        if (forged != NULL) {
            char id[17];
            record_produced(sn, now, forged);
            world_short_id(id, block_id(forged));
            world_say(s, sn, ni, now, "node %u sent a forged block %s (%s)", ni + 1, id, kind);
        }
        block_unref(forged);
    }
    world_apply(s, call, ni);
}

void world_on_idle(void *ctx, engine_call *call, uint32_t ni, int64_t from_ns, int64_t until_ns,
                   int64_t *next_ns)
{
    world *s = ctx;
    world_node *sn = &s->nodes[ni];
    if (!sn->online) {
        *next_ns = INT64_MAX;
        return;
    }
    node_mine_ahead(sn->n, &sn->fx, from_ns, until_ns, engine_call_horizon(call), next_ns);
    if (from_ns < until_ns)
        world_apply(s, call, ni);
}

void world_on_discard(void *ctx, const engine_event *ev)
{
    (void)ctx;
    discard_payload(ev);
}
