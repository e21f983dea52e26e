/* Test helpers for the node state machine (header-only: each test program is
 * one .c file plus testutil.c). A fixture is a tiny hand-driven network of
 * 2 to 4 nodes, fully meshed (or on a line), sharing one run's parameters, genesis and
 * signature cache. The test delivers the effects' sends itself, in FIFO
 * order (optionally dropping some message types), and collects notes and
 * timers into logs it can assert on. Two wallet keys are funded by genesis
 * so tests can build real signed transactions; blocks are built by hand at
 * the regtest target (PoW) or signed by a slot leader (PoS). */
#ifndef CHAINSIM_NODE_FIXTURE_H
#define CHAINSIM_NODE_FIXTURE_H

#include "block.h"
#include "chain.h"
#include "consensus.h"
#include "consensus_ops.h"
#include "consensus_registry.h"
#include "hash.h"
#include "keys.h"
#include "msg.h"
#include "node.h"
#include "pos.h"
#include "sigcache.h"
#include "stake.h"
#include "testutil.h"
#include "tx.h"

#include <stdlib.h>
#include <string.h>

#define NF_MAX 4
#define NF_WALLETS 2
#define NF_FUNDS 1000000u
#define NF_OUTSIDE 99u /* a peer id that is no node's neighbour */
#define NF_SEC 1000000000LL

typedef struct nf_wire {
    uint32_t from, to;
    msg *m; /* one reference */
} nf_wire;

typedef struct nf_note {
    uint32_t node;
    node_note_kind kind;
    reason code;
    uint32_t peer, height, depth, txs_reverted, txs_dropped, score;
    int64_t time_ns;
    hash256 blk, tx, old_tip; /* zero when the note has none */
} nf_note;

typedef struct nf_timer {
    uint32_t node;
    node_timer t; /* a NODE_TIMER_MINED payload is a reference the log holds */
} nf_timer;

typedef struct nf {
    chain_params params;
    consensus_ctx cons;
    sigcache *cache;
    block *genesis;
    keys_pair *key[NF_MAX];
    keys_pair *wallet[NF_WALLETS];
    tx_out alloc[NF_WALLETS];
    uint64_t stake[NF_MAX]; /* PoS stake of each node's key */
    node *nodes[NF_MAX];
    uint32_t n;
    uint32_t peers[NF_MAX][NF_MAX];
    size_t n_peers[NF_MAX];
    node_effects fx;
    nf_wire *q;
    size_t q_head, q_len, q_cap;
    nf_note *notes;
    size_t n_notes, cap_notes;
    nf_timer *timers;
    size_t n_timers, cap_timers;
    uint32_t drop_mask;     /* bit (1 << msg_type): such messages are lost */
    stake_schedule *stakes; /* BFT: every node a validator of power 100 */
} nf;

static inline uint64_t nf_stake_of(void *ctx, const uint8_t pub[KEYS_PUB_BYTES], uint64_t slot)
{
    const nf *t = ctx;
    (void)slot;
    for (uint32_t i = 0; i < NF_MAX; i++)
        if (t->key[i] && memcmp(keys_pair_public(t->key[i]), pub, KEYS_PUB_BYTES) == 0)
            return t->stake[i];
    return 0;
}

static inline uint64_t nf_total_stake(void *ctx, uint64_t slot)
{
    const nf *t = ctx;
    uint64_t total = 0;
    (void)slot;
    for (uint32_t i = 0; i < NF_MAX; i++)
        total += t->stake[i];
    return total;
}

/* Options of a fixture; zero means the default. */
typedef struct nf_opts {
    uint32_t n;              /* nodes (default 2) */
    int pos;                 /* proof-of-stake (slot 1 s, 10-slot epochs, f = 1) */
    uint32_t bits;           /* PoW genesis bits (default regtest 0x207fffff) */
    uint64_t hashrate;       /* of node 0 (others do not mine) */
    int64_t timeout_ns;      /* request timeout (default 2 s) */
    uint64_t stake0, stake1; /* PoS stakes of nodes 0 and 1 (default 100 and 0) */
    uint32_t ban_score;      /* misbehaviour score that bans a peer (default 0: never) */
    int bft;                 /* Tendermint-style BFT, every node a validator of power 100
                              * (timeouts: propose 3 s, prevote and precommit 1 s, delta
                              * 500 ms, commit 1 s) */
    int bft_relay;           /* BFT: nodes forward proposals and votes (consensus_ctx) */
    int line;                /* nodes linked 0-1-2-... only, not fully meshed */
} nf_opts;

static inline void nf_init(nf *t, const nf_opts *o)
{
    memset(t, 0, sizeof *t);
    t->n = o->n ? o->n : 2;
    ck_assert_uint_le(t->n, NF_MAX);
    chain_params_default(&t->params);
    t->params.seed = 7;
    t->params.max_future_s = 7200;
    if (o->bits)
        t->params.genesis_bits = o->bits;
    for (int i = 0; i < NF_WALLETS; i++) {
        uint8_t seed[32];
        keys_derive_seed(seed, 7, "wallet", (uint64_t)i);
        ck_assert_int_eq(keys_pair_new(&t->wallet[i], seed), 0);
        t->alloc[i].amount = NF_FUNDS;
        memcpy(t->alloc[i].owner, keys_pair_public(t->wallet[i]), KEYS_PUB_BYTES);
    }
    for (uint32_t i = 0; i < t->n; i++) {
        uint8_t seed[32];
        keys_derive_seed(seed, 7, "node", i);
        ck_assert_int_eq(keys_pair_new(&t->key[i], seed), 0);
    }
    t->params.genesis_outputs = t->alloc;
    t->params.n_genesis_outputs = NF_WALLETS;
    t->cons.genesis_time = t->params.genesis_time;
    u256_set_compact(&t->cons.pow_limit, 0x207fffff, NULL, NULL);
    if (o->pos) {
        t->cons.type = CHAIN_POS;
        t->cons.slot_ns = NF_SEC;
        t->cons.epoch_slots = 10;
        t->cons.f = 1.0;
        hash_sha256(t->cons.genesis_seed.b, (const uint8_t *)"nf-seed", 7);
        t->cons.stake_of = nf_stake_of;
        t->cons.total_stake = nf_total_stake;
        t->cons.stake_ctx = t;
        t->stake[0] = o->stake0 ? o->stake0 : 100;
        t->stake[1] = o->stake1;
    } else if (o->bft) {
        stake_entry e[NF_MAX];
        memset(e, 0, sizeof e);
        for (uint32_t i = 0; i < t->n; i++) {
            memcpy(e[i].pub, keys_pair_public(t->key[i]), KEYS_PUB_BYTES);
            e[i].stake = 100;
        }
        ck_assert_int_eq(stake_new(&t->stakes, e, t->n), STAKE_OK);
        t->cons.type = CHAIN_BFT;
        t->cons.stakes = t->stakes;
        t->cons.bft_timeout_propose_ns = 3 * NF_SEC;
        t->cons.bft_timeout_prevote_ns = NF_SEC;
        t->cons.bft_timeout_precommit_ns = NF_SEC;
        t->cons.bft_timeout_delta_ns = NF_SEC / 2;
        t->cons.bft_timeout_commit_ns = NF_SEC;
        t->cons.bft_relay = o->bft_relay;
    } else {
        t->cons.type = CHAIN_POW;
        t->cons.spacing_ms = 600000;
    }
    if (o->bft)
        consensus_for_kind(CHAIN_BFT)->install(&t->params, &t->cons);
    else
        consensus_install(&t->params, &t->cons);
    ck_assert_int_eq(sigcache_new(&t->cache, 4096), 0);
    ck_assert_int_eq(chain_genesis_new(&t->genesis, &t->params), 0);
    for (uint32_t i = 0; i < t->n; i++) {
        size_t k = 0;
        for (uint32_t j = 0; j < t->n; j++)
            if (j != i && (!o->line || j + 1 == i || i + 1 == j))
                t->peers[i][k++] = j;
        t->n_peers[i] = k;
        node_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.id = i;
        cfg.peers = t->peers[i];
        cfg.n_peers = k;
        cfg.chain = &t->params;
        cfg.genesis = t->genesis;
        cfg.cache = t->cache;
        cfg.key = t->key[i];
        cfg.hashrate_mhps = i == 0 && !o->pos ? o->hashrate * NODE_MHPS_PER_HPS : 0;
        cfg.cons = &t->cons;
        cfg.request_timeout_ns = o->timeout_ns ? o->timeout_ns : 2 * NF_SEC;
        cfg.ban_score = o->ban_score;
        ck_assert_int_eq(node_new(&t->nodes[i], &cfg, NULL), 0);
    }
}

/* Takes over the effects node i just produced: sends are queued, timers and
 * notes logged; fx is cleared. */
static inline void nf_absorb(nf *t, uint32_t i)
{
    node_effects *fx = &t->fx;
    for (size_t k = 0; k < fx->n_sends; k++) {
        if (t->q_head + t->q_len == t->q_cap) {
            if (t->q_head > 0)
                memmove(t->q, t->q + t->q_head, t->q_len * sizeof *t->q);
            t->q_head = 0;
            if (t->q_len == t->q_cap) {
                t->q_cap = t->q_cap ? 2 * t->q_cap : 64;
                t->q = realloc(t->q, t->q_cap * sizeof *t->q);
                ck_assert_ptr_nonnull(t->q);
            }
        }
        t->q[t->q_head + t->q_len++] = (nf_wire){i, fx->sends[k].peer, fx->sends[k].m};
    }
    fx->n_sends = 0;
    for (size_t k = 0; k < fx->n_timers; k++) {
        if (t->n_timers == t->cap_timers) {
            t->cap_timers = t->cap_timers ? 2 * t->cap_timers : 16;
            t->timers = realloc(t->timers, t->cap_timers * sizeof *t->timers);
            ck_assert_ptr_nonnull(t->timers);
        }
        t->timers[t->n_timers++] = (nf_timer){i, fx->timers[k]};
    }
    fx->n_timers = 0;
    for (size_t k = 0; k < fx->n_notes; k++) {
        const node_note *src = &fx->notes[k];
        if (t->n_notes == t->cap_notes) {
            t->cap_notes = t->cap_notes ? 2 * t->cap_notes : 64;
            t->notes = realloc(t->notes, t->cap_notes * sizeof *t->notes);
            ck_assert_ptr_nonnull(t->notes);
        }
        nf_note *d = &t->notes[t->n_notes++];
        memset(d, 0, sizeof *d);
        d->node = i;
        d->kind = src->kind;
        d->code = src->code;
        d->peer = src->peer;
        d->height = src->height;
        d->depth = src->depth;
        d->txs_reverted = src->txs_reverted;
        d->score = src->score;
        d->txs_dropped = src->txs_dropped;
        d->time_ns = src->time_ns;
        d->old_tip = src->old_tip;
        if (src->blk)
            d->blk = *block_id(src->blk);
        if (src->tx)
            d->tx = *tx_id(src->tx);
    }
    node_effects_clear(fx);
}

/* Drops everything queued and logged. */
static inline void nf_forget(nf *t)
{
    for (size_t k = 0; k < t->q_len; k++)
        msg_unref(t->q[t->q_head + k].m);
    t->q_head = t->q_len = 0;
    for (size_t k = 0; k < t->n_timers; k++)
        if (t->timers[k].t.kind == NODE_TIMER_MINED)
            block_unref(t->timers[k].t.payload);
    t->n_timers = 0;
    t->n_notes = 0;
}

static inline void nf_free(nf *t)
{
    nf_forget(t);
    free(t->q);
    free(t->notes);
    free(t->timers);
    node_effects_free(&t->fx);
    for (uint32_t i = 0; i < NF_MAX; i++) {
        node_free(t->nodes[i]);
        keys_pair_free(t->key[i]);
    }
    for (int i = 0; i < NF_WALLETS; i++)
        keys_pair_free(t->wallet[i]);
    block_unref(t->genesis);
    sigcache_free(t->cache);
    stake_free(t->stakes);
}

/* The i-th queued message (0: next to be delivered). */
static inline const nf_wire *nf_queued(const nf *t, size_t i)
{
    ck_assert_uint_lt(i, t->q_len);
    return &t->q[t->q_head + i];
}

/* Number of queued messages of type (MSG_TYPE_COUNT: any) from `from` to `to`
 * (UINT32_MAX: any). */
static inline size_t nf_count(const nf *t, msg_type type, uint32_t from, uint32_t to)
{
    size_t c = 0;
    for (size_t k = 0; k < t->q_len; k++) {
        const nf_wire *w = &t->q[t->q_head + k];
        if ((type == MSG_TYPE_COUNT || w->m->type == type) &&
            (from == UINT32_MAX || w->from == from) && (to == UINT32_MAX || w->to == to))
            c++;
    }
    return c;
}

/* Delivers the next queued message at now; returns 0 when none was queued. */
static inline int nf_step(nf *t, int64_t now_ns)
{
    if (t->q_len == 0)
        return 0;
    nf_wire w = t->q[t->q_head++];
    t->q_len--;
    if (!(t->drop_mask & (1u << w.m->type))) {
        node_on_message(t->nodes[w.to], &t->fx, now_ns, w.from, w.m);
        nf_absorb(t, w.to);
    }
    msg_unref(w.m);
    return 1;
}

/* Delivers until nothing is queued; returns the number delivered. */
static inline size_t nf_run(nf *t, int64_t now_ns)
{
    size_t c = 0;
    while (nf_step(t, now_ns))
        c++;
    return c;
}

/* Hands m to node i as if from peer, and absorbs the effects. */
static inline void nf_send(nf *t, uint32_t i, int64_t now_ns, uint32_t peer, msg *m)
{
    node_on_message(t->nodes[i], &t->fx, now_ns, peer, m);
    nf_absorb(t, i);
    msg_unref(m);
}

static inline void nf_give_block(nf *t, uint32_t i, int64_t now_ns, uint32_t peer, block *b)
{
    msg *m = msg_new_block(b);
    ck_assert_ptr_nonnull(m);
    nf_send(t, i, now_ns, peer, m);
}

static inline void nf_give_tx(nf *t, uint32_t i, int64_t now_ns, uint32_t peer, tx *x)
{
    msg *m = msg_new_tx(x);
    ck_assert_ptr_nonnull(m);
    nf_send(t, i, now_ns, peer, m);
}

static inline msg *nf_inv1(uint32_t kind, const hash256 *id)
{
    msg_item it = {kind, *id};
    msg *m = msg_new_items(MSG_INV, &it, 1);
    ck_assert_ptr_nonnull(m);
    return m;
}

/* Notes of kind (of node i, UINT32_MAX: any node) in the log. */
static inline size_t nf_notes(const nf *t, uint32_t who, node_note_kind kind)
{
    size_t c = 0;
    for (size_t k = 0; k < t->n_notes; k++)
        if (t->notes[k].kind == kind && (who == UINT32_MAX || t->notes[k].node == who))
            c++;
    return c;
}

/* The last note of kind of node i; fails the test when there is none. */
static inline const nf_note *nf_last_note(const nf *t, uint32_t who, node_note_kind kind)
{
    for (size_t k = t->n_notes; k-- > 0;)
        if (t->notes[k].kind == kind && t->notes[k].node == who)
            return &t->notes[k];
    ck_abort_msg("node %u has no note of kind %d", who, (int)kind);
    return NULL;
}

static inline const hash256 *nf_tip(const nf *t, uint32_t i)
{
    return chain_entry_id(chain_tip(node_chain(t->nodes[i])));
}

/* ---- building blocks and transactions --------------------------------- */

/* A block on parent at height holding txs after a coinbase (reward to node
 * 0's key, extra nonce `extra`), time parent + 1, at the parent's bits;
 * ground to meet its target unless bad_pow. */
static inline block *nf_block_ex(nf *t, const block *parent, uint32_t height, tx **txs, size_t n,
                                 uint64_t extra, int bad_pow, int bad_merkle)
{
    tx **all = calloc(n + 1, sizeof *all);
    ck_assert_ptr_nonnull(all);
    tx_out out = {.amount = t->params.block_reward};
    memcpy(out.owner, keys_pair_public(t->key[0]), KEYS_PUB_BYTES);
    ck_assert_int_eq(tx_new_coinbase(&all[0], height, extra, &out, 1), 0);
    for (size_t i = 0; i < n; i++)
        all[i + 1] = txs[i];
    block_header h;
    memset(&h, 0, sizeof h);
    const block_header *ph = block_header_of(parent);
    h.version = 1;
    h.prev_id = *block_id(parent);
    h.time = ph->time + 1;
    h.bits = ph->bits;
    ck_assert_int_eq(block_merkle_root(&h.merkle_root, all, n + 1), 0);
    if (bad_merkle)
        h.merkle_root.b[0] ^= 1;
    for (;;) {
        hash256 id;
        header_id(&id, &h);
        if (header_check_pow(&h, &id) == !bad_pow)
            break;
        h.nonce++;
    }
    block *b;
    ck_assert_int_eq(block_new(&b, &h, NULL, all, n + 1), 0);
    tx_unref(all[0]);
    free(all);
    return b;
}

static inline block *nf_block(nf *t, const block *parent, uint32_t height, tx **txs, size_t n,
                              uint64_t extra)
{
    return nf_block_ex(t, parent, height, txs, n, extra, 0, 0);
}

/* Builds a chain of count empty blocks on genesis (out[0] is height 1);
 * extra tells branches apart. The caller unrefs each. */
static inline void nf_chain_blocks(nf *t, block **out, size_t count, uint64_t extra)
{
    const block *parent = t->genesis;
    for (size_t i = 0; i < count; i++) {
        out[i] = nf_block(t, parent, (uint32_t)(i + 1), NULL, 0, extra);
        parent = out[i];
    }
}

/* Gives node i the blocks (from outside) and forgets every effect. */
static inline void nf_load(nf *t, uint32_t i, block **blocks, size_t count)
{
    for (size_t k = 0; k < count; k++)
        nf_give_block(t, i, 0, NF_OUTSIDE, blocks[k]);
    nf_forget(t);
}

static inline void nf_unref_blocks(block **blocks, size_t count)
{
    for (size_t k = 0; k < count; k++)
        block_unref(blocks[k]);
}

/* A transaction spending output index of prev, signed by signer, paying
 * amount to wallet `to` and the rest minus fee back to the signer. */
static inline tx *nf_spend_signed(nf *t, const tx *prev, uint32_t index, const keys_pair *signer,
                                  int to, uint64_t amount, uint64_t fee)
{
    tx_in in;
    tx_out outs[2];
    memset(&in, 0, sizeof in);
    memset(outs, 0, sizeof outs);
    in.prev_txid = *tx_id(prev);
    in.prev_index = index;
    uint64_t have = tx_output(prev, index)->amount;
    outs[0].amount = amount;
    memcpy(outs[0].owner, keys_pair_public(t->wallet[to]), KEYS_PUB_BYTES);
    outs[1].amount = have - amount - fee;
    memcpy(outs[1].owner, keys_pair_public(signer), KEYS_PUB_BYTES);
    tx *x;
    ck_assert_int_eq(tx_new_signed(&x, &in, 1, outs, 2, &signer), 0);
    return x;
}

/* Wallet w spends its genesis output (genesis tx output w). */
static inline tx *nf_spend_genesis(nf *t, int w, int to, uint64_t amount, uint64_t fee)
{
    return nf_spend_signed(t, block_tx(t->genesis, 0), (uint32_t)w, t->wallet[w], to, amount, fee);
}

/* ---- PoS blocks ------------------------------------------------------- */

typedef enum nf_pos_flaw {
    NF_POS_OK = 0,
    NF_POS_BAD_SIG,   /* one signature bit flipped */
    NF_POS_BAD_TIME,  /* header time one second after the slot's */
    NF_POS_BAD_PROOF, /* proof is not the lottery hash */
} nf_pos_flaw;

/* A PoS block on parent (an entry of chain c) in slot, proposed and signed
 * by key, with an empty body, and the given flaw. */
static inline block *nf_pos_block(nf *t, const chain_entry *parent, uint64_t slot,
                                  const keys_pair *key, nf_pos_flaw flaw)
{
    tx *cb;
    tx_out out = {.amount = t->params.block_reward};
    memcpy(out.owner, keys_pair_public(key), KEYS_PUB_BYTES);
    ck_assert_int_eq(tx_new_coinbase(&cb, chain_entry_height(parent) + 1, 0, &out, 1), 0);
    block_header h;
    memset(&h, 0, sizeof h);
    h.version = (int32_t)(BLOCK_VERSION_POS | 1);
    h.prev_id = *chain_entry_id(parent);
    h.bits = block_header_of(chain_entry_block(parent))->bits;
    h.time = consensus_slot_time(&t->cons, slot) + (flaw == NF_POS_BAD_TIME ? 1 : 0);
    ck_assert_int_eq(block_merkle_root(&h.merkle_root, &cb, 1), 0);
    block_pos pos;
    memset(&pos, 0, sizeof pos);
    pos.slot = slot;
    memcpy(pos.proposer, keys_pair_public(key), KEYS_PUB_BYTES);
    hash256 seed, lottery;
    consensus_epoch_seed(&seed, &t->cons, parent, slot);
    pos_lottery_hash(&lottery, &seed, slot, pos.proposer);
    memcpy(pos.proof, lottery.b, 32);
    if (flaw == NF_POS_BAD_PROOF)
        pos.proof[5] ^= 1;
    hash256 signing;
    block_pos_signing_hash(&signing, &h, &pos);
    ck_assert_int_eq(keys_sign(key, pos.sig, signing.b, 32), 0);
    if (flaw == NF_POS_BAD_SIG)
        pos.sig[10] ^= 0x20;
    block *b;
    ck_assert_int_eq(block_new(&b, &h, &pos, &cb, 1), 0);
    tx_unref(cb);
    return b;
}

#endif
