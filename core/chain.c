/* Chain state. The tree's shape is the run's block index (core/chain_index.c:
 * one entry per block id with parent, height and cumulative work, shared by
 * the chains of a run); what is this chain's own (that it has the block,
 * whether it found it invalid, the order in which it saw it, the UTXO set
 * after the block once connected) is a slot in an array indexed by the
 * entry's run index. The active chain is an array
 * of entries by height, and the UTXO view is the tip entry's set. Fork
 * choice keeps `best`, the valid entry with the most work (first seen on a
 * tie), and "activation" moves the tip to best: disconnect down to the
 * common ancestor (which only shortens the active array: every entry keeps
 * its own immutable set), then connect up, validating each block against
 * the set of its parent (Bitcoin's ActivateBestChain). A block that fails there is marked invalid
 * with its descendants and best is chosen again, so the loop ends on the
 * best valid branch. With a rollback limit k, `final_height` only grows
 * (to tip height - k after each activation) and a branch is eligible for
 * best only when its ancestor at final_height is the active block there. */
#include "chain.h"

#include "chain_index.h"
#include "hmap.h"
#include "pow.h"
#include "validate.h"

#include <assert.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* This chain's own state of one entry of the index: 16 bytes. */
struct slot {
    utxo_set *utxo;       /* a reference: the UTXO set after the block, once connected */
    uint64_t seq : 61;    /* order in which this chain first saw the block */
    uint64_t known : 1;   /* the block is in this chain's tree */
    uint64_t failed : 1;  /* ... and found invalid */
    uint64_t own_set : 1; /* utxo is not the set the run shares */
};

struct orphan {
    block *blk;
    uint64_t seq;
};

struct chain {
    chain_params params;
    sigcache *cache;
    chain_index *ix;
    int own_ix;         /* ix is this chain's alone (freed with it) */
    struct slot *slots; /* by run index: the blocks of the tree, valid and invalid */
    size_t n_slots;     /* allocated */
    hmap *orphans;      /* id -> struct orphan */
    size_t n_orphans;   /* hmap_count(orphans), kept here: read for every block looked up */
    chain_entry **active;
    size_t active_cap;
    uint32_t height;
    chain_entry *best;
    uint64_t next_seq;
    size_t n_valid;
    uint32_t final_height; /* active[final_height] is never disconnected (max_rollback > 0) */
    size_t refused_depth;  /* deepest refused reorg of the current chain_add_block */
};

/* The failure found while activating, reported for the offered block. */
struct failure {
    reason code;
    hash256 id;
    char message[320];
};

void chain_params_default(chain_params *p)
{
    memset(p, 0, sizeof *p);
    p->consensus = CHAIN_POW;
    p->genesis_time = 1700000000u;
    p->genesis_bits = 0x207fffffu;
    p->block_reward = UINT64_C(5000000000);
    p->max_block_bytes = 1000000;
    p->max_future_s = 7200;
    p->max_orphans = 100;
    p->target_spacing_s = 600;
    p->pow_limit_bits = 0x207fffffu;
}

/* ---- entries and accessors ---- */

block *chain_entry_block(const chain_entry *e)
{
    return e->blk;
}

const hash256 *chain_entry_id(const chain_entry *e)
{
    return block_id(e->blk);
}

uint32_t chain_entry_height(const chain_entry *e)
{
    return e->height;
}

const chain_entry *chain_entry_parent(const chain_entry *e)
{
    return e->parent;
}

const chain_entry *chain_entry_ancestor(const chain_entry *e, uint32_t height)
{
    if (height > e->height)
        return NULL;
    while (e->height > height)
        e = e->parent;
    return e;
}

const u256 *chain_entry_work(const chain_entry *e)
{
    return &e->work;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

uint32_t chain_entry_median_time(const chain_entry *e)
{
    uint32_t times[11];
    size_t n = 0;
    for (; e != NULL && n < 11; e = e->parent)
        times[n++] = block_header_of(e->blk)->time;
    qsort(times, n, sizeof times[0], cmp_u32);
    return times[n / 2];
}

const chain_entry *chain_common_ancestor(const chain_entry *a, const chain_entry *b)
{
    while (a->height > b->height)
        a = a->parent;
    while (b->height > a->height)
        b = b->parent;
    while (a != b) {
        a = a->parent;
        b = b->parent;
    }
    return a;
}

/* e's slot in c, or NULL when c has never had e. */
static struct slot *slot_of(const chain *c, const chain_entry *e)
{
    return e->idx < c->n_slots && c->slots[e->idx].known ? &c->slots[e->idx] : NULL;
}

/* The entry of id in c's tree (valid or invalid), or NULL. */
static chain_entry *find_entry(const chain *c, const hash256 *id)
{
    chain_entry *e = chain_index_find(c->ix, id);
    return e != NULL && slot_of(c, e) != NULL ? e : NULL;
}

static int is_failed(const chain *c, const chain_entry *e)
{
    return c->slots[e->idx].failed;
}

/* The UTXO set after e at c (e in c's tree), or NULL when not connected. */
static utxo_set *set_of(const chain *c, const chain_entry *e)
{
    return c->slots[e->idx].utxo;
}

/* ---- queries ---- */

const chain_entry *chain_tip(const chain *c)
{
    return c->active[c->height];
}

uint32_t chain_height(const chain *c)
{
    return c->height;
}

const chain_entry *chain_genesis(const chain *c)
{
    return c->active[0];
}

const chain_entry *chain_at_height(const chain *c, uint32_t height)
{
    return height <= c->height ? c->active[height] : NULL;
}

const chain_entry *chain_lookup(const chain *c, const hash256 *id)
{
    chain_entry *e = find_entry(c, id);
    return e && !is_failed(c, e) ? e : NULL;
}

int chain_is_known_invalid(const chain *c, const hash256 *id)
{
    chain_entry *e = find_entry(c, id);
    return e && is_failed(c, e);
}

int chain_knows_block(const chain *c, const hash256 *id)
{
    return find_entry(c, id) != NULL || (c->n_orphans > 0 && hmap_get(c->orphans, id->b) != NULL);
}

int chain_has_orphan(const chain *c, const hash256 *id)
{
    return hmap_get(c->orphans, id->b) != NULL;
}

size_t chain_orphan_count(const chain *c)
{
    assert(c->n_orphans == hmap_count(c->orphans));
    return hmap_count(c->orphans);
}

size_t chain_block_count(const chain *c)
{
    return c->n_valid;
}

int chain_is_active(const chain *c, const chain_entry *e)
{
    return e != NULL && e->height <= c->height && c->active[e->height] == e;
}

uint32_t chain_reorg_depth(const chain *c, const chain_entry *e)
{
    return c->height - chain_common_ancestor(chain_tip(c), e)->height;
}

uint32_t chain_final_height(const chain *c)
{
    return c->final_height;
}

const utxo_set *chain_utxo(const chain *c)
{
    return set_of(c, chain_tip(c));
}

const chain_params *chain_params_of(const chain *c)
{
    return &c->params;
}

sigcache *chain_sigcache(const chain *c)
{
    return c->cache;
}

int chain_spent_on_active(const chain *c, const tx_outpoint *op)
{
    for (uint32_t h = c->height; h > 0; h--) {
        const block *b = c->active[h]->blk;
        for (size_t i = 1; i < block_n_tx(b); i++) {
            const tx *t = block_tx(b, i);
            for (size_t k = 0; k < tx_n_in(t); k++) {
                const tx_in *in = tx_input(t, k);
                if (in->prev_index == op->index && hash_eq(&in->prev_txid, &op->txid))
                    return 1;
            }
        }
    }
    return 0;
}

size_t chain_memory(const chain *c)
{
    size_t bytes = sizeof *c + hmap_memory(c->orphans) + c->active_cap * sizeof *c->active +
                   c->n_slots * sizeof *c->slots;
    /* A set the run shares is not this chain's own; nor are the entries. */
    for (size_t i = 0; i < c->n_slots; i++)
        if (c->slots[i].utxo != NULL && c->slots[i].own_set)
            bytes += utxo_memory(c->slots[i].utxo);
    if (c->own_ix)
        bytes += chain_index_count(c->ix) * sizeof(chain_entry);
    return bytes;
}

/* ---- consensus hooks with their defaults ---- */

static void work_of(const chain *c, u256 *work, const block *b)
{
    if (c->params.block_work != NULL) {
        c->params.block_work(c->params.hook_ctx, work, b);
        return;
    }
    if (c->params.consensus != CHAIN_POW) {
        u256_from_u64(work, 1);
        return;
    }
    u256 target;
    if (target_from_compact(&target, block_header_of(b)->bits) != TARGET_OK) {
        u256_from_u64(work, 0);
        return;
    }
    target_work(work, &target);
}

/* The default difficulty rule: Bitcoin's retarget every retarget_blocks
 * blocks (core/pow.c), else the parent's bits. 0 when the parameters are
 * unusable, which no block carries, so every child is then refused. */
static uint32_t default_bits(const chain *c, const chain_entry *parent)
{
    const block_header *ph = block_header_of(parent->blk);
    uint32_t r = c->params.retarget_blocks;
    if (c->params.consensus != CHAIN_POW || r == 0)
        return ph->bits;
    uint64_t height = (uint64_t)parent->height + 1;
    const chain_entry *first =
        height % r == 0 ? chain_entry_ancestor(parent, parent->height - (r - 1)) : parent;
    u256 limit;
    uint32_t bits;
    if (first == NULL || target_from_compact(&limit, c->params.pow_limit_bits) != TARGET_OK)
        return 0;
    int64_t first_time = block_header_of(first->blk)->time;
    pow_status st = c->params.target_spacing_ms != 0
                        ? pow_next_bits_ms(&bits, height, ph->bits, first_time, ph->time, r,
                                           c->params.target_spacing_ms, &limit)
                        : pow_next_bits(&bits, height, ph->bits, first_time, ph->time, r,
                                        c->params.target_spacing_s, &limit);
    if (st != POW_OK)
        return 0;
    return bits;
}

uint32_t chain_expected_bits(const chain *c, const chain_entry *parent)
{
    return c->params.expected_bits ? c->params.expected_bits(c->params.hook_ctx, parent)
                                   : default_bits(c, parent);
}

/* ---- UTXO application ---- */

/* Connecting a block to its parent's state gives the same answer at every
 * node, so the UTXO set after a block (a layer over its parent's set, see
 * core/utxo.c) is computed once per run: the first chain to connect the
 * block validates it and attaches the set to the block (block_share, tagged
 * with the run's signature cache); every other chain of the run takes a
 * reference to that set instead of validating again. An entry keeps its set
 * once connected, so a reorganisation back onto it costs nothing, and
 * disconnecting a block only moves the tip. */

static const utxo_coin *lookup_utxo(void *ctx, const tx_outpoint *op)
{
    return utxo_get(ctx, op);
}

/* Adds t's outputs to set. Returns 0, or -1 when out of memory or when an
 * output already exists. */
static int add_outputs(utxo_set *set, const tx *t, uint32_t height, int coinbase)
{
    for (size_t j = 0; j < tx_n_out(t); j++) {
        tx_outpoint op = {*tx_id(t), (uint32_t)j};
        utxo_coin coin = {
            .amount = tx_output(t, j)->amount, .height = height, .coinbase = (uint8_t)coinbase};
        memcpy(coin.owner, tx_output(t, j)->owner, KEYS_PUB_BYTES);
        if (utxo_add(set, &op, &coin) != 0)
            return -1;
    }
    return 0;
}

static void describe(char *msg, size_t msg_len, const chain_entry *e, const char *detail)
{
    char hex[65];
    hash_to_hex(hex, block_id(e->blk));
    snprintf(msg, msg_len, "block %s (height %" PRIu32 "): %.230s", hex, e->height, detail);
}

/* 1 when a transaction before index i of b spends op. */
static int spent_earlier_in_block(const block *b, size_t i, const tx_outpoint *op)
{
    for (size_t j = 1; j < i; j++) {
        const tx *t = block_tx(b, j);
        for (size_t k = 0; k < tx_n_in(t); k++) {
            const tx_in *in = tx_input(t, k);
            if (in->prev_index == op->index && hash_eq(&in->prev_txid, &op->txid))
                return 1;
        }
    }
    return 0;
}

/* Finds the first input of t (transaction i of b) that is not in set and
 * explains it: spent earlier in this block, spent on the active chain, or
 * never there. */
static reason explain_missing(const chain *c, const utxo_set *set, const block *b, size_t i,
                              char *msg, size_t msg_len)
{
    const tx *t = block_tx(b, i);
    reason r = REASON_TX_MISSING_INPUT;
    size_t k;
    tx_outpoint op;
    for (k = 0; k < tx_n_in(t); k++) {
        op.txid = tx_input(t, k)->prev_txid;
        op.index = tx_input(t, k)->prev_index;
        if (utxo_get(set, &op) != NULL)
            continue;
        if (spent_earlier_in_block(b, i, &op))
            r = REASON_BLOCK_DOUBLE_SPEND;
        else if (chain_spent_on_active(c, &op))
            r = REASON_TX_ALREADY_SPENT;
        break;
    }
    char tx_hex[65], prev[17];
    hash_to_hex(tx_hex, tx_id(t));
    validate_short_id(prev, &op.txid);
    snprintf(msg, msg_len, "tx %s input %zu (spends %s:%" PRIu32 "): %s", tx_hex, k, prev, op.index,
             reason_message(r));
    return r;
}

/* Validates transaction i (not the coinbase) of e's block against set and
 * applies it there: inputs exist and are signed, fees add up, outputs are
 * new. Adds its fee to *fees. On failure msg says why (set is then only fit
 * to be dropped). */
static reason connect_tx(chain *c, utxo_set *set, const chain_entry *e, size_t i, uint64_t *fees,
                         char *msg, size_t msg_len)
{
    const tx *t = block_tx(e->blk, i);
    char txmsg[240], detail[300];
    uint64_t fee;
    reason r = validate_tx_inputs(lookup_utxo, set, c->cache, t, &fee, txmsg, sizeof txmsg);
    if (r == REASON_TX_MISSING_INPUT)
        r = explain_missing(c, set, e->blk, i, txmsg, sizeof txmsg);
    if (r != REASON_OK) {
        describe(msg, msg_len, e, txmsg);
        return r;
    }
    *fees += fee;
    if (*fees > TX_MAX_MONEY) {
        describe(msg, msg_len, e, reason_message(REASON_BLOCK_FEE_OVERFLOW));
        return REASON_BLOCK_FEE_OVERFLOW;
    }
    for (size_t j = 0; j < tx_n_out(t); j++) {
        tx_outpoint op = {*tx_id(t), (uint32_t)j};
        if (utxo_get(set, &op) != NULL) {
            snprintf(detail, sizeof detail, "%s (transaction %zu's outputs already exist)",
                     reason_message(REASON_BLOCK_DUPLICATE_TX), i);
            describe(msg, msg_len, e, detail);
            return REASON_BLOCK_DUPLICATE_TX;
        }
    }
    for (size_t q = 0; q < tx_n_in(t); q++) {
        tx_outpoint op = {tx_input(t, q)->prev_txid, tx_input(t, q)->prev_index};
        if (utxo_spend(set, NULL, &op) < 0) {
            describe(msg, msg_len, e, reason_message(REASON_NO_MEMORY));
            return REASON_NO_MEMORY;
        }
    }
    if (add_outputs(set, t, e->height, 0) != 0) {
        describe(msg, msg_len, e, reason_message(REASON_NO_MEMORY));
        return REASON_NO_MEMORY;
    }
    return REASON_OK;
}

/* Checks that e's coinbase pays at most the reward plus fees and creates
 * new outputs, and applies it to set. On failure msg says why. */
static reason connect_coinbase(chain *c, utxo_set *set, const chain_entry *e, uint64_t fees,
                               char *msg, size_t msg_len)
{
    const tx *cb = block_tx(e->blk, 0);
    uint64_t paid = 0, allowed;
    char detail[300];
    for (size_t j = 0; j < tx_n_out(cb); j++)
        paid += tx_output(cb, j)->amount; /* bounded by the shape check */
    if (__builtin_add_overflow(c->params.block_reward, fees, &allowed))
        allowed = UINT64_MAX;
    if (paid > allowed) {
        snprintf(detail, sizeof detail,
                 "%s (pays %" PRIu64 ", reward %" PRIu64 " + fees %" PRIu64 ")",
                 reason_message(REASON_BLOCK_EXCESS_COINBASE), paid, c->params.block_reward, fees);
        describe(msg, msg_len, e, detail);
        return REASON_BLOCK_EXCESS_COINBASE;
    }
    tx_outpoint op = {*tx_id(cb), 0};
    if (utxo_get(set, &op) != NULL) {
        describe(msg, msg_len, e, "coinbase outputs already exist");
        return REASON_BLOCK_DUPLICATE_TX;
    }
    if (add_outputs(set, cb, e->height, 1) != 0) {
        describe(msg, msg_len, e, reason_message(REASON_NO_MEMORY));
        return REASON_NO_MEMORY;
    }
    return REASON_OK;
}

/* Validates e's block against its parent's set (Bitcoin's ConnectBlock):
 * the transactions in order, then the coinbase. Returns REASON_OK and sets
 * *out (one reference) to the set after the block, or the reason with msg
 * saying why (*out = NULL). */
static reason validate_connect(chain *c, utxo_set **out, const chain_entry *e, char *msg,
                               size_t msg_len)
{
    utxo_set *set;
    uint64_t fees = 0;
    reason r = REASON_OK;
    *out = NULL;
    if (utxo_new_child(&set, set_of(c, e->parent)) != 0) {
        describe(msg, msg_len, e, reason_message(REASON_NO_MEMORY));
        return REASON_NO_MEMORY;
    }
    for (size_t i = 1; i < block_n_tx(e->blk) && r == REASON_OK; i++)
        r = connect_tx(c, set, e, i, &fees, msg, msg_len);
    if (r == REASON_OK)
        r = connect_coinbase(c, set, e, fees, msg, msg_len);
    if (r != REASON_OK) {
        utxo_free(set);
        return r;
    }
    *out = set;
    return REASON_OK;
}

/* What a run knows about one block, computed by the first chain of the run
 * that needs it and attached to the block (block_share, tagged with the
 * run's signature cache): every chain of a run has the same parameters (see
 * chain_new), so these answers hold for all of them. Each field is set at
 * most once, from NULL or 0, and never changes afterwards. */
struct block_run {
    _Atomic(utxo_set *) utxo; /* the set after the block, once connected (one reference) */
    atomic_uchar body_ok;     /* validate_block_body passed */
    atomic_uchar header_ok;   /* check_header passed, apart from the rule on future times */
};

static void free_block_run(void *data)
{
    struct block_run *br = data;
    utxo_free(atomic_load_explicit(&br->utxo, memory_order_acquire));
    free(br);
}

/* The run's record of b, created when missing; NULL without a run (no
 * cache), when out of memory, or when b carries another run's record. */
static struct block_run *block_run_of(const chain *c, block *b)
{
    if (c->cache == NULL)
        return NULL;
    struct block_run *br = block_shared(b, c->cache);
    if (br != NULL)
        return br;
    br = calloc(1, sizeof *br);
    if (br == NULL)
        return NULL;
    int rc = block_share(b, c->cache, br, free_block_run);
    if (rc == 1)
        return br;
    free(br);
    return rc == 0 ? block_shared(b, c->cache) : NULL;
}

static utxo_set *run_utxo(const block *b, const sigcache *cache)
{
    struct block_run *br = cache ? block_shared(b, cache) : NULL;
    return br ? atomic_load_explicit(&br->utxo, memory_order_acquire) : NULL;
}

const utxo_set *chain_shared_utxo(const block *b, const sigcache *cache)
{
    return run_utxo(b, cache);
}

/* The set the run attached to b (a reference), or NULL. It is used only when
 * it extends a state like parent's (same count and total: a cache shared by
 * chains of different parameters would break the contract of chain_new). */
static utxo_set *shared_set(const chain *c, const block *b, const utxo_set *parent)
{
    utxo_set *s = run_utxo(b, c->cache);
    if (s == NULL)
        return NULL;
    const utxo_set *from = utxo_parent(s);
    if (parent != NULL && (from == NULL || utxo_count(from) != utxo_count(parent) ||
                           utxo_total(from) != utxo_total(parent)))
        return NULL;
    return utxo_ref(s);
}

/* Offers set (the state after b, one reference the caller gives up) to the
 * other chains of the run. Returns the set to keep (one reference): set
 * itself, or the equal one another chain attached first. */
static utxo_set *publish_set(const chain *c, block *b, utxo_set *set)
{
    struct block_run *br = block_run_of(c, b);
    if (br == NULL)
        return set; /* sharing is an optimisation */
    utxo_set *expected = NULL;
    utxo_set *mine = utxo_ref(set);
    if (atomic_compare_exchange_strong_explicit(&br->utxo, &expected, mine, memory_order_acq_rel,
                                                memory_order_acquire))
        return set;
    utxo_free(mine); /* the reference meant for the block */
    utxo_set *first = shared_set(c, b, utxo_parent(set));
    if (first == NULL)
        return set;
    utxo_free(set);
    return first;
}

/* Connects e (whose parent is the tip): gives it the UTXO set after its
 * block, from an earlier connect, from the run, or by validating it. On
 * failure msg says why. */
static reason connect(chain *c, chain_entry *e, char *msg, size_t msg_len)
{
    struct slot *s = &c->slots[e->idx];
    if (s->utxo == NULL)
        s->utxo = shared_set(c, e->blk, set_of(c, e->parent));
    if (s->utxo != NULL)
        return REASON_OK;
    utxo_set *set;
    reason r = validate_connect(c, &set, e, msg, msg_len);
    if (r == REASON_OK) {
        s->utxo = publish_set(c, e->blk, set);
        s->own_set = run_utxo(e->blk, c->cache) != s->utxo;
    }
    return r;
}

static void disconnect_tip(chain *c)
{
    c->active[c->height] = NULL;
    c->height--;
}

static int reserve_active(chain *c, size_t need)
{
    if (need > c->active_cap) {
        size_t cap = c->active_cap ? c->active_cap * 2 : 64;
        while (cap < need)
            cap *= 2;
        chain_entry **grown = realloc(c->active, cap * sizeof *grown);
        if (grown == NULL)
            return -1;
        c->active = grown;
        c->active_cap = cap;
    }
    return 0;
}

/* Appends e (a child of the tip) to the active chain; room is reserved. */
static void push_active(chain *c, chain_entry *e)
{
    c->active[e->height] = e;
    c->height = e->height;
}

/* 1 when a is better than b for fork choice: more work, or equal work and
 * seen first. */
static int better(const chain *c, const chain_entry *a, const chain_entry *b)
{
    int cmp = u256_cmp(&a->work, &b->work);
    return cmp > 0 || (cmp == 0 && c->slots[a->idx].seq < c->slots[b->idx].seq);
}

/* 1 when fork choice may move the active chain to e: always without a
 * rollback limit, else when e's branch contains the final block. */
static int eligible(const chain *c, const chain_entry *e)
{
    if (c->params.max_rollback == 0)
        return 1;
    return chain_entry_ancestor(e, c->final_height) == c->active[c->final_height];
}

/* What a walk over the index (chain_index_visit) works on. */
struct visit {
    chain *c;
    chain_entry *e;
};

static void visit_best(void *ctx, chain_entry *e)
{
    struct visit *v = ctx;
    const struct slot *s = slot_of(v->c, e);
    if (s != NULL && !s->failed && better(v->c, e, v->e) && eligible(v->c, e))
        v->e = e;
}

static void recompute_best(chain *c)
{
    struct visit v = {c, c->active[c->final_height]};
    chain_index_visit(c->ix, visit_best, &v);
    c->best = v.e;
}

static void fail_entry(chain *c, chain_entry *e)
{
    struct slot *s = &c->slots[e->idx];
    s->failed = 1;
    utxo_free(s->utxo);
    s->utxo = NULL;
    c->n_valid--;
}

static void visit_fail(void *ctx, chain_entry *x)
{
    struct visit *v = ctx;
    const struct slot *s = slot_of(v->c, x);
    if (s != NULL && x != v->e && !s->failed && x->height > v->e->height &&
        chain_entry_ancestor(x, v->e->height) == v->e)
        fail_entry(v->c, x);
}

/* Marks e and every entry descending from it invalid. */
static void mark_failed(chain *c, chain_entry *e)
{
    struct visit v = {c, e};
    chain_index_visit(c->ix, visit_fail, &v);
    fail_entry(c, e);
    recompute_best(c);
}

/* Moves the active chain to c->best, marking blocks that fail to connect.
 * The first failure is written to *fail. Returns REASON_OK or
 * REASON_NO_MEMORY (the chain then stays valid at some block). */
static reason activate_best(chain *c, struct failure *fail)
{
    while (c->best != c->active[c->height]) {
        const chain_entry *fork = chain_common_ancestor(c->active[c->height], c->best);
        while (c->height > fork->height)
            disconnect_tip(c);
        if (reserve_active(c, (size_t)c->best->height + 1) != 0)
            return REASON_NO_MEMORY;
        size_t n = c->best->height - fork->height;
        chain_entry **path = malloc(n * sizeof *path);
        if (path == NULL)
            return REASON_NO_MEMORY;
        chain_entry *e = c->best;
        for (size_t i = n; i-- > 0; e = e->parent)
            path[i] = e;
        for (size_t i = 0; i < n; i++) {
            char msg[320];
            reason r = connect(c, path[i], msg, sizeof msg);
            if (r == REASON_OK) {
                push_active(c, path[i]);
                continue;
            }
            if (r == REASON_NO_MEMORY) {
                free(path);
                return r;
            }
            {
                if (fail->code == REASON_OK) {
                    fail->code = r;
                    fail->id = *block_id(path[i]->blk);
                    snprintf(fail->message, sizeof fail->message, "%s", msg);
                }
                mark_failed(c, path[i]);
                break;
            }
        }
        free(path);
    }
    uint32_t k = c->params.max_rollback;
    if (k > 0 && c->height > k && c->height - k > c->final_height)
        c->final_height = c->height - k;
    return REASON_OK;
}

/* ---- adding blocks ---- */

static reason note(struct failure *fail, reason code, const hash256 *id, const char *msg)
{
    if (fail->code == REASON_OK) {
        fail->code = code;
        fail->id = *id;
        snprintf(fail->message, sizeof fail->message, "%s", msg);
    }
    return code;
}

/* Makes room for the slot of run index idx. Returns 0, or -1 when out of
 * memory. */
static int reserve_slots(chain *c, uint32_t idx)
{
    if (idx < c->n_slots)
        return 0;
    size_t cap = (size_t)idx + 1 + idx / 4; /* amortised, and little to spare */
    if (cap < 64)
        cap = 64;
    struct slot *grown = realloc(c->slots, cap * sizeof *grown);
    if (grown == NULL)
        return -1;
    memset(grown + c->n_slots, 0, (cap - c->n_slots) * sizeof *grown);
    c->slots = grown;
    c->n_slots = cap;
    return 0;
}

/* Puts b (a child of parent, NULL for genesis; not in c's tree yet) into
 * c's tree, valid or failed: its entry from the index (added when no chain
 * has it yet) and its slot. */
static chain_entry *entry_new(chain *c, block *b, chain_entry *parent, int failed)
{
    chain_entry *e = chain_index_find(c->ix, block_id(b));
    if (e == NULL) {
        u256 work;
        work_of(c, &work, b);
        e = chain_index_add(c->ix, b, parent, &work);
    }
    if (e == NULL || reserve_slots(c, e->idx) != 0)
        return NULL;
    struct slot *s = &c->slots[e->idx];
    s->known = 1;
    s->utxo = NULL;
    s->seq = c->next_seq++;
    s->failed = (uint8_t)failed;
    s->own_set = 0;
    if (!failed)
        c->n_valid++;
    return e;
}

/* Header rules of b given its parent (see chain.h). */
static reason check_header(chain *c, const chain_entry *parent, const block *b, int64_t now_s,
                           char *msg, size_t msg_len)
{
    const block_header *h = block_header_of(b);
    char hex[65], detail[200];
    reason r = REASON_OK;
    detail[0] = '\0';
    int pos_flag = (h->version & BLOCK_VERSION_POS) != 0;
    uint32_t want_bits = chain_expected_bits(c, parent);
    uint32_t mtp = chain_entry_median_time(parent);
    uint64_t height, nonce;
    if (pos_flag != chain_kind_has_extension(c->params.consensus)) {
        r = REASON_BLOCK_BAD_KIND;
    } else if (h->bits != want_bits) {
        r = REASON_BLOCK_BAD_BITS;
        snprintf(detail, sizeof detail, " (bits %08" PRIx32 ", expected %08" PRIx32 ")", h->bits,
                 want_bits);
    } else if (c->params.check_proof != NULL) {
        char hook_msg[160] = "";
        r = c->params.check_proof(c->params.hook_ctx, parent, b, hook_msg, sizeof hook_msg);
        if (r != REASON_OK)
            snprintf(detail, sizeof detail, " (%s)", hook_msg);
    } else if (c->params.consensus == CHAIN_POW && !header_check_pow(h, block_id(b))) {
        r = REASON_BLOCK_BAD_POW;
        snprintf(detail, sizeof detail, " (bits %08" PRIx32 ")", h->bits);
    }
    if (r == REASON_OK && h->time <= mtp) {
        r = REASON_BLOCK_TIME_TOO_OLD;
        snprintf(detail, sizeof detail, " (time %" PRIu32 ", median %" PRIu32 ")", h->time, mtp);
    } else if (r == REASON_OK && (int64_t)h->time > now_s + (int64_t)c->params.max_future_s) {
        r = REASON_BLOCK_TIME_TOO_NEW;
        snprintf(detail, sizeof detail, " (time %" PRIu32 ", now %" PRId64 ")", h->time, now_s);
    } else if (r == REASON_OK && (tx_coinbase_fields(block_tx(b, 0), &height, &nonce) != 0 ||
                                  height != (uint64_t)parent->height + 1)) {
        r = REASON_BLOCK_BAD_COINBASE_HEIGHT;
        snprintf(detail, sizeof detail, " (coinbase says %" PRIu64 ", block is %" PRIu32 ")",
                 height, parent->height + 1);
    }
    if (r != REASON_OK) {
        hash_to_hex(hex, block_id(b));
        snprintf(msg, msg_len, "block %s (height %" PRIu32 "): %s%s", hex, parent->height + 1,
                 reason_message(r), detail);
    }
    return r;
}

/* check_header for a block the run already found to pass every rule of
 * check_header but the one on future times, which depends on now_s. */
static reason check_header_future(const chain *c, const chain_entry *parent, const block *b,
                                  int64_t now_s, char *msg, size_t msg_len)
{
    const block_header *h = block_header_of(b);
    if ((int64_t)h->time <= now_s + (int64_t)c->params.max_future_s)
        return REASON_OK;
    char hex[65];
    hash_to_hex(hex, block_id(b));
    snprintf(msg, msg_len, "block %s (height %" PRIu32 "): %s (time %" PRIu32 ", now %" PRId64 ")",
             hex, parent->height + 1, reason_message(REASON_BLOCK_TIME_TOO_NEW), h->time, now_s);
    return REASON_BLOCK_TIME_TOO_NEW;
}

static reason add_orphan(chain *c, block *b)
{
    if (c->params.max_orphans == 0)
        return REASON_OK;
    if (hmap_count(c->orphans) >= c->params.max_orphans) {
        size_t pos = 0;
        const void *key, *oldest_key = NULL;
        void *val;
        uint64_t oldest = UINT64_MAX;
        while (hmap_next(c->orphans, &pos, &key, &val)) {
            const struct orphan *o = val;
            if (o->seq < oldest) {
                oldest = o->seq;
                oldest_key = key;
            }
        }
        hash256 id;
        memcpy(id.b, oldest_key, 32);
        struct orphan *o = hmap_get(c->orphans, id.b);
        block_unref(o->blk);
        hmap_del(c->orphans, id.b);
        c->n_orphans--;
    }
    struct orphan o = {block_ref(b), c->next_seq++};
    if (hmap_put(c->orphans, block_id(b)->b, &o) < 0) {
        block_unref(b);
        return REASON_NO_MEMORY;
    }
    c->n_orphans++;
    return REASON_OK;
}

/* Validates and stores one block, then activates the best branch. Sets
 * *outcome to CHAIN_OUTCOME_TIP for "stored in the tree" (the caller works
 * out tip or side), ORPHAN, DUPLICATE or REJECTED (reason in *fail). */
static reason add_one(chain *c, block *b, int64_t now_s, struct failure *fail,
                      chain_outcome *outcome)
{
    const hash256 *id = block_id(b);
    const block_header *h = block_header_of(b);
    char msg[320], hex[65]; /* hex: written only on the way to a message */
    *outcome = CHAIN_OUTCOME_REJECTED;
    chain_entry *known = find_entry(c, id);
    if (known != NULL && is_failed(c, known)) {
        hash_to_hex(hex, id);
        snprintf(msg, sizeof msg, "block %s: %s", hex, reason_message(REASON_BLOCK_KNOWN_INVALID));
        return note(fail, REASON_BLOCK_KNOWN_INVALID, id, msg);
    }
    if (known != NULL || chain_has_orphan(c, id)) {
        *outcome = CHAIN_OUTCOME_DUPLICATE;
        return REASON_OK;
    }
    struct block_run *br = block_run_of(c, b);
    reason r = REASON_OK;
    if (br == NULL || !atomic_load_explicit(&br->body_ok, memory_order_acquire)) {
        r = validate_block_body(b, c->params.max_block_bytes, msg, sizeof msg);
        if (r != REASON_OK)
            return note(fail, r, id, msg); /* not remembered: the header may be fine */
        if (br != NULL)
            atomic_store_explicit(&br->body_ok, 1, memory_order_release);
    }
    if (hash_is_zero(&h->prev_id)) {
        hash_to_hex(hex, id);
        snprintf(msg, sizeof msg, "block %s: %s", hex, reason_message(REASON_BLOCK_BAD_GENESIS));
        return note(fail, REASON_BLOCK_BAD_GENESIS, id, msg);
    }
    chain_entry *parent = find_entry(c, &h->prev_id);
    if (parent == NULL) {
        if (c->params.consensus == CHAIN_POW && c->params.check_proof == NULL &&
            !header_check_pow(h, id)) {
            hash_to_hex(hex, id);
            snprintf(msg, sizeof msg, "block %s: %s", hex, reason_message(REASON_BLOCK_BAD_POW));
            return note(fail, REASON_BLOCK_BAD_POW, id, msg);
        }
        r = add_orphan(c, b);
        if (r != REASON_OK)
            return note(fail, r, id, reason_message(r));
        *outcome = CHAIN_OUTCOME_ORPHAN;
        return REASON_OK;
    }
    if (is_failed(c, parent)) {
        if (entry_new(c, b, parent, 1) == NULL)
            return note(fail, REASON_NO_MEMORY, id, reason_message(REASON_NO_MEMORY));
        hash_to_hex(hex, id);
        snprintf(msg, sizeof msg, "block %s: %s (its parent is invalid)", hex,
                 reason_message(REASON_BLOCK_KNOWN_INVALID));
        return note(fail, REASON_BLOCK_KNOWN_INVALID, id, msg);
    }
    if (br != NULL && atomic_load_explicit(&br->header_ok, memory_order_acquire)) {
        r = check_header_future(c, parent, b, now_s, msg, sizeof msg);
    } else {
        r = check_header(c, parent, b, now_s, msg, sizeof msg);
        if (r == REASON_OK && br != NULL)
            atomic_store_explicit(&br->header_ok, 1, memory_order_release);
    }
    if (r != REASON_OK) {
        /* A block from the future may be fine later; anything else is not. */
        if (r != REASON_BLOCK_TIME_TOO_NEW && entry_new(c, b, parent, 1) == NULL)
            return note(fail, REASON_NO_MEMORY, id, reason_message(REASON_NO_MEMORY));
        return note(fail, r, id, msg);
    }
    chain_entry *e = entry_new(c, b, parent, 0);
    if (e == NULL)
        return note(fail, REASON_NO_MEMORY, id, reason_message(REASON_NO_MEMORY));
    if (better(c, e, c->best)) {
        if (eligible(c, e)) {
            c->best = e;
        } else {
            size_t depth = chain_reorg_depth(c, e);
            if (depth > c->refused_depth)
                c->refused_depth = depth;
        }
    }
    r = activate_best(c, fail);
    if (r != REASON_OK)
        return note(fail, r, id, reason_message(r));
    *outcome = CHAIN_OUTCOME_TIP;
    return REASON_OK;
}

/* Adopts the orphans waiting (transitively) for the block with id root. */
static reason adopt_orphans(chain *c, const hash256 *root, int64_t now_s, size_t *adopted)
{
    if (c->n_orphans == 0)
        return REASON_OK; /* none waits */
    hash256 *queue = malloc(sizeof *queue);
    size_t n_queue = 1, cap = 1;
    reason status = REASON_OK;
    if (queue == NULL)
        return REASON_NO_MEMORY;
    queue[0] = *root;
    while (n_queue > 0 && status == REASON_OK) {
        hash256 parent_id = queue[--n_queue];
        size_t pos = 0, n_kids = 0;
        const void *key;
        void *val;
        struct orphan kids[64];
        while (hmap_next(c->orphans, &pos, &key, &val) && n_kids < 64) {
            const struct orphan *o = val;
            if (hash_eq(&block_header_of(o->blk)->prev_id, &parent_id))
                kids[n_kids++] = *o;
        }
        /* In the order the orphans arrived (insertion sort: few kids). */
        for (size_t i = 1; i < n_kids; i++)
            for (size_t j = i; j > 0 && kids[j - 1].seq > kids[j].seq; j--) {
                struct orphan t = kids[j];
                kids[j] = kids[j - 1];
                kids[j - 1] = t;
            }
        if (n_kids == 64 && n_queue < cap)
            queue[n_queue++] = parent_id; /* more may wait: scan again after these */
        for (size_t i = 0; i < n_kids; i++) {
            hmap_del(c->orphans, block_id(kids[i].blk)->b);
            c->n_orphans--;
            struct failure ignored = {0};
            chain_outcome oc;
            reason r = add_one(c, kids[i].blk, now_s, &ignored, &oc);
            if (r == REASON_NO_MEMORY)
                status = r;
            if (oc == CHAIN_OUTCOME_TIP) {
                (*adopted)++;
                if (n_queue == cap) {
                    hash256 *grown = realloc(queue, 2 * cap * sizeof *queue);
                    if (grown == NULL) {
                        status = REASON_NO_MEMORY;
                    } else {
                        queue = grown;
                        cap *= 2;
                    }
                }
                if (n_queue < cap)
                    queue[n_queue++] = *block_id(kids[i].blk);
            }
            block_unref(kids[i].blk);
        }
    }
    free(queue);
    return status;
}

static int collect(block ***out, size_t *n_out, const chain_entry *from, const chain_entry *to,
                   int oldest_first)
{
    size_t n = from->height - to->height;
    *n_out = 0;
    *out = NULL;
    if (n == 0)
        return 0;
    block **list = calloc(n, sizeof *list);
    if (list == NULL)
        return -1;
    const chain_entry *e = from;
    for (size_t i = 0; i < n; i++, e = e->parent)
        list[oldest_first ? n - 1 - i : i] = block_ref(e->blk);
    *out = list;
    *n_out = n;
    return 0;
}

void chain_result_clear(chain_result *res)
{
    for (size_t i = 0; i < res->n_disconnected; i++)
        block_unref(res->disconnected[i]);
    for (size_t i = 0; i < res->n_connected; i++)
        block_unref(res->connected[i]);
    free(res->disconnected);
    free(res->connected);
    memset(res, 0, sizeof *res);
}

reason chain_add_block(chain *c, chain_result *res, block *b, int64_t now_s)
{
    const chain_entry *old_tip = chain_tip(c);
    struct failure fail = {0};
    chain_outcome oc;
    hash256 id = *block_id(b);
    memset(res, 0, sizeof *res);
    c->refused_depth = 0;
    block_ref(b); /* b must outlive this call even if the caller's was its only reference */
    reason r = add_one(c, b, now_s, &fail, &oc);
    if (r == REASON_OK && oc == CHAIN_OUTCOME_TIP)
        r = adopt_orphans(c, &id, now_s, &res->n_orphans_adopted);
    block_unref(b);
    if (oc == CHAIN_OUTCOME_TIP) {
        const chain_entry *e = find_entry(c, &id);
        if (is_failed(c, e))
            oc = CHAIN_OUTCOME_REJECTED;
        else
            oc = chain_is_active(c, e) ? CHAIN_OUTCOME_TIP : CHAIN_OUTCOME_SIDE;
        if (oc == CHAIN_OUTCOME_REJECTED && fail.code == REASON_OK)
            note(&fail, REASON_BLOCK_KNOWN_INVALID, &id, "block descends from an invalid block");
    }
    res->outcome = oc;
    res->refused_depth = c->refused_depth;
    if (oc == CHAIN_OUTCOME_REJECTED) {
        res->code = fail.code;
        res->bad_block = fail.id;
        snprintf(res->message, sizeof res->message, "%s", fail.message);
    } else if (r == REASON_NO_MEMORY) {
        res->outcome = CHAIN_OUTCOME_REJECTED;
        res->code = r;
        res->bad_block = id;
        snprintf(res->message, sizeof res->message, "%s", reason_message(r));
    }
    const chain_entry *tip = chain_tip(c);
    if (tip != old_tip) {
        const chain_entry *fork = chain_common_ancestor(old_tip, tip);
        res->tip_changed = 1;
        res->old_tip = old_tip;
        res->new_tip = tip;
        res->reorg_depth = old_tip->height - fork->height;
        if (collect(&res->disconnected, &res->n_disconnected, old_tip, fork, 0) != 0 ||
            collect(&res->connected, &res->n_connected, tip, fork, 1) != 0) {
            chain_result_clear(res);
            res->outcome = CHAIN_OUTCOME_REJECTED;
            res->code = REASON_NO_MEMORY;
            snprintf(res->message, sizeof res->message, "%s", reason_message(REASON_NO_MEMORY));
        }
    }
    return res->code;
}

/* ---- construction ---- */

int chain_genesis_new(block **out, const chain_params *params)
{
    tx *cb = NULL;
    tx_out zero_out;
    const tx_out *outs = params->genesis_outputs;
    size_t n_outs = params->n_genesis_outputs;
    block_header h;
    *out = NULL;
    if (n_outs == 0) {
        memset(&zero_out, 0, sizeof zero_out);
        outs = &zero_out;
        n_outs = 1;
    }
    if (tx_new_coinbase(&cb, 0, params->seed, outs, n_outs) != 0)
        return -1;
    memset(&h, 0, sizeof h);
    h.version = 1 | (chain_kind_has_extension(params->consensus) ? BLOCK_VERSION_POS : 0);
    h.time = params->genesis_time;
    h.bits = params->genesis_bits;
    block_pos pos;
    memset(&pos, 0, sizeof pos);
    int rc =
        block_merkle_root(&h.merkle_root, &cb, 1) != 0
            ? -1
            : block_new(out, &h, chain_kind_has_extension(params->consensus) ? &pos : NULL, &cb, 1);
    tx_unref(cb);
    return rc;
}

/* The UTXO set of genesis (one reference): the run's when g carries it,
 * else built from g's coinbase (and offered to the run). NULL when out of
 * memory or when the coinbase's outputs repeat. */
static utxo_set *genesis_set(const chain *c, block *g)
{
    utxo_set *set = shared_set(c, g, NULL);
    if (set != NULL)
        return set;
    if (utxo_new(&set) != 0)
        return NULL;
    if (add_outputs(set, block_tx(g, 0), 0, 1) != 0) {
        utxo_free(set);
        return NULL;
    }
    return publish_set(c, g, set);
}

int chain_new(chain **out, const chain_params *params, block *genesis, sigcache *cache)
{
    return chain_new_in(out, params, genesis, cache, NULL);
}

int chain_new_in(chain **out, const chain_params *params, block *genesis, sigcache *cache,
                 chain_index *ix)
{
    chain *c = calloc(1, sizeof *c);
    block *g = NULL;
    char msg[256];
    *out = NULL;
    if (c == NULL)
        return -1;
    c->params = *params;
    c->params.genesis_outputs = NULL;
    c->params.n_genesis_outputs = 0;
    c->cache = cache;
    c->ix = ix;
    if (ix == NULL) {
        if (chain_index_new(&c->ix) != 0)
            goto fail;
        c->own_ix = 1;
    }
    if (hmap_new(&c->orphans, 32, sizeof(struct orphan)) != 0 || reserve_active(c, 64) != 0)
        goto fail;
    if (genesis != NULL)
        g = block_ref(genesis);
    else if (chain_genesis_new(&g, params) != 0)
        goto fail;
    if (block_n_tx(g) != 1 || validate_tx_shape(block_tx(g, 0), SIZE_MAX, msg, sizeof msg) != 0)
        goto fail;
    chain_entry *e = entry_new(c, g, NULL, 0);
    if (e == NULL)
        goto fail;
    push_active(c, e);
    c->best = e;
    struct slot *gs = &c->slots[e->idx];
    if ((gs->utxo = genesis_set(c, g)) == NULL)
        goto fail;
    gs->own_set = run_utxo(g, c->cache) != gs->utxo;
    block_unref(g);
    *out = c;
    return 0;
fail:
    block_unref(g);
    chain_free(c);
    return -1;
}

void chain_free(chain *c)
{
    if (c == NULL)
        return;
    size_t pos = 0;
    const void *key;
    void *val;
    for (size_t i = 0; i < c->n_slots; i++)
        utxo_free(c->slots[i].utxo);
    if (c->orphans != NULL) {
        while (hmap_next(c->orphans, &pos, &key, &val))
            block_unref(((struct orphan *)val)->blk);
    }
    hmap_free(c->orphans);
    free(c->slots);
    free(c->active);
    if (c->own_ix)
        chain_index_free(c->ix);
    free(c);
}
