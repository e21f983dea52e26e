/* A node's protocol logic (see node.h for the protocol). Everything a node
 * does is a function of its state, the message or timer at hand and the
 * virtual time, so runs are reproducible; effects go back to the caller.
 *
 * Mining follows docs/architecture.md: attempt k of a template is a real double SHA-256
 * of a real header at virtual time t0 + ceil(k * 1e9 / h). The nonce is the
 * low 32 bits of k; when k passes 2^32 the coinbase's extra nonce (k >> 32)
 * changes, and with it the merkle root and the midstate. The header time
 * rolls with virtual time as a real miner's nTime does: attempt k carries
 * the second it happens in (genesis time + its whole seconds), or the
 * median time past + 1 when that is later, so a block's time is the second
 * in which it was found. The time lies in the header's second 64-byte
 * chunk: the midstate stays valid and only the tail changes, once per
 * second of attempts. Attempt k's header is a function of k alone, so how
 * far a miner hashed ahead never changes a block. The template is
 * rebuilt on every new tip, from the mempool's best fee rates, and takes in
 * new mempool transactions TEMPLATE_REFRESH_NS after it was built (or at the
 * first change of the mempool after that). */
#include "node.h"
#include "timeunit.h"

#include "consensus.h"
#include "consensus_ops.h"
#include "consensus_registry.h"
#include "hmap.h"
#include "misbehave.h"
#include "pow.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* How often a miner takes new mempool transactions into its template. */
#define TEMPLATE_REFRESH_NS (10 * TIMEUNIT_NS_PER_S)

/* An item asked of a peer and not delivered yet. */
typedef struct request {
    int64_t deadline_ns;
    uint32_t peer;
    uint32_t kind;
    uint32_t alt[4]; /* other peers that announced it, to ask next */
    uint32_t n_alt;
    uint32_t tries; /* times asked after the first, of a peer with no other source */
} request;

/* A request nobody else can answer is given up after this many re-asks
 * (or at once on notfound): an announcement from any peer starts it again. */
#define REQUEST_MAX_RETRIES 4

typedef struct template
{
    int active;
    block_header header;
    tx **txs; /* txs[0] is the coinbase of the current extra nonce */
    size_t n_tx;
    uint64_t fees;
    uint64_t extranonce;
    pow_miner miner;
    u256 target;
    uint32_t median_time; /* of the tip: every header time must be after it */
    uint32_t height;      /* of the block being mined */
    int64_t t0_ns;
    uint64_t k;        /* attempts made (some may be ahead of the time reached) */
    uint64_t reported; /* attempts counted in hashes: those whose time is due */
    int found;         /* attempt k - 1 met the target (no attempt after it) */
    uint32_t found_nonce;
    int64_t found_ns; /* its time */
}
template;

struct node {
    uint32_t id;
    uint32_t *peers;
    size_t n_peers;
    /* Per peer (same index as peers): the last id of a getblocks answer cut
     * at MSG_GETBLOCKS_MAX_ANSWER, or all zero. When that peer asks for this
     * block, it is sent an inv of our tip so that it asks for the next batch
     * (Bitcoin's hashContinue). */
    hash256 *continue_ids;
    const chain_params *params;
    const consensus_ctx *cons;
    const consensus_ops *ops; /* the protocol, with its per-node state */
    void *cstate;
    const keys_pair *key;
    chain *chain;
    mempool *mp;
    hmap *requests; /* hash256 -> request */
    int64_t request_timeout_ns;
    int64_t requests_timer_ns; /* INT64_MAX when none is set */
    hmap *rejected;            /* tx ids found invalid: not asked for again */
    uint64_t hashrate;         /* thousandths of a hash per second (node_cfg.hashrate_mhps) */
    uint64_t hashes;
    template tmpl;
    /* An attacker's private blocks (node_set_withholding): ids of blocks
     * it produced and has not published, never announced, served or
     * counted in its status. NULL for an honest node. */
    hmap *withheld;
    /* node_mine_on: the block to mine on instead of the tip, and the only
     * transactions to put in the template (no mempool). */
    int has_base;
    hash256 base;
    tx **base_txs;
    size_t n_base_txs;
    /* node_set_tx_filter: what templates may hold, NULL: everything. */
    node_tx_filter tx_filter;
    void *tx_filter_ctx;
    /* Misbehaviour, per peer (same index as peers): the score and whether
     * the peer is banned; any_banned spares the look-up while none is. */
    uint32_t ban_score;
    uint32_t *scores;
    unsigned char *banned;
    int any_banned;
    /* Proof-of-stake blocks of recent slots, to catch a proposer that signs
     * two blocks for one slot (equivocation); allocated at the first PoS
     * block seen. */
    struct slot_seen *slots_seen;
};

/* A PoS block seen: its slot, proposer and id. NODE_SLOTS_SEEN slots are
 * remembered, NODE_SLOT_WAYS blocks of each (a slot may have several
 * leaders); an equivocation is caught while its first block is still in
 * the window, which spans the slots a block takes to reach every node. */
#define NODE_SLOTS_SEEN 64
#define NODE_SLOT_WAYS 2
typedef struct slot_seen {
    uint64_t slot;
    uint8_t proposer[KEYS_PUB_BYTES];
    hash256 id;
    int used;
} slot_seen;

/* ---- effects ---------------------------------------------------------- */

static void *grow(void *arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return arr;
    size_t ncap = *cap ? *cap * 2 : 16;
    while (ncap < need)
        ncap *= 2;
    void *p = realloc(arr, ncap * elem);
    if (p == NULL)
        abort(); /* see node_effects: a lost effect would make the run wrong */
    *cap = ncap;
    return p;
}

static void fx_send(node_effects *fx, uint32_t peer, msg *m)
{
    fx->sends = grow(fx->sends, &fx->cap_sends, fx->n_sends + 1, sizeof *fx->sends);
    fx->sends[fx->n_sends++] = (node_send){peer, msg_ref(m)};
}

void node_fx_send(node_effects *fx, uint32_t peer, msg *m)
{
    fx_send(fx, peer, m);
}

static void fx_timer(node_effects *fx, int64_t at_ns, node_timer_kind kind, void *payload,
                     uint64_t arg)
{
    fx->timers = grow(fx->timers, &fx->cap_timers, fx->n_timers + 1, sizeof *fx->timers);
    fx->timers[fx->n_timers++] = (node_timer){at_ns, kind, payload, arg};
}

static node_note *fx_note(node_effects *fx, node_note_kind kind, int64_t now_ns)
{
    fx->notes = grow(fx->notes, &fx->cap_notes, fx->n_notes + 1, sizeof *fx->notes);
    node_note *note = &fx->notes[fx->n_notes++];
    memset(note, 0, sizeof *note);
    note->kind = kind;
    note->time_ns = now_ns;
    note->peer = UINT32_MAX;
    return note;
}

void node_effects_clear(node_effects *fx)
{
    for (size_t i = 0; i < fx->n_sends; i++)
        msg_unref(fx->sends[i].m);
    for (size_t i = 0; i < fx->n_timers; i++)
        if (fx->timers[i].kind == NODE_TIMER_MINED)
            block_unref(fx->timers[i].payload);
    for (size_t i = 0; i < fx->n_notes; i++) {
        block_unref(fx->notes[i].blk);
        tx_unref(fx->notes[i].tx);
    }
    fx->n_sends = fx->n_timers = fx->n_notes = 0;
    fx->hashes = 0;
}

void node_effects_free(node_effects *fx)
{
    node_effects_clear(fx);
    free(fx->sends);
    free(fx->timers);
    free(fx->notes);
    memset(fx, 0, sizeof *fx);
}

/* ---- lifecycle -------------------------------------------------------- */

static void template_drop(template *t)
{
    for (size_t i = 0; i < t->n_tx; i++)
        tx_unref(t->txs[i]);
    free(t->txs);
    memset(t, 0, sizeof *t);
}

int node_new(node **out, const node_config *cfg, chain *restored)
{
    node *n = calloc(1, sizeof *n);
    *out = NULL;
    if (n == NULL)
        goto fail;
    n->id = cfg->id;
    n->params = cfg->chain;
    n->cons = cfg->cons;
    n->ops = cfg->ops != NULL ? cfg->ops : consensus_for_kind(cfg->cons->type);
    assert(n->ops != NULL);
    n->key = cfg->key;
    n->hashrate = cfg->hashrate_mhps;
    n->ban_score = cfg->ban_score;
    n->request_timeout_ns = cfg->request_timeout_ns > 0 ? cfg->request_timeout_ns : 2000000000;
    n->requests_timer_ns = INT64_MAX;
    n->n_peers = cfg->n_peers;
    if (cfg->n_peers) {
        n->peers = malloc(cfg->n_peers * sizeof *n->peers);
        if (n->peers == NULL)
            goto fail;
        memcpy(n->peers, cfg->peers, cfg->n_peers * sizeof *n->peers);
        n->continue_ids = calloc(cfg->n_peers, sizeof *n->continue_ids);
        n->scores = calloc(cfg->n_peers, sizeof *n->scores);
        n->banned = calloc(cfg->n_peers, sizeof *n->banned);
        if (n->continue_ids == NULL || n->scores == NULL || n->banned == NULL)
            goto fail;
    }
    if (restored) {
        n->chain = restored;
        restored = NULL;
    } else if (chain_new_in(&n->chain, cfg->chain, cfg->genesis, cfg->cache, cfg->index) != 0) {
        goto fail;
    }
    if (mempool_new(&n->mp, cfg->mempool_max_txs ? cfg->mempool_max_txs : 100000) != 0 ||
        hmap_new(&n->requests, sizeof(hash256), sizeof(request)) != 0 ||
        hmap_new(&n->rejected, sizeof(hash256), 0) != 0 ||
        n->ops->state_new(&n->cstate, n->cons) != 0)
        goto fail;
    *out = n;
    return 0;
fail:
    chain_free(restored);
    node_free(n);
    return -1;
}

void node_free(node *n)
{
    if (n == NULL)
        return;
    template_drop(&n->tmpl);
    if (n->ops != NULL)
        n->ops->state_free(n->cstate);
    hmap_free(n->requests);
    hmap_free(n->rejected);
    hmap_free(n->withheld);
    for (size_t i = 0; i < n->n_base_txs; i++)
        tx_unref(n->base_txs[i]);
    free(n->base_txs);
    mempool_free(n->mp);
    chain_free(n->chain);
    free(n->peers);
    free(n->continue_ids);
    free(n->scores);
    free(n->banned);
    free(n->slots_seen);
    free(n);
}

const chain *node_chain(const node *n)
{
    return n->chain;
}

const mempool *node_mempool(const node *n)
{
    return n->mp;
}

uint32_t node_id(const node *n)
{
    return n->id;
}

const keys_pair *node_key(const node *n)
{
    return n->key;
}

const consensus_ctx *node_consensus(const node *n)
{
    return n->cons;
}

const consensus_ops *node_ops(const node *n)
{
    return n->ops;
}

const uint32_t *node_peers(const node *n, size_t *n_peers)
{
    *n_peers = n->n_peers;
    return n->peers;
}

uint64_t node_hashes(const node *n)
{
    return n->hashes;
}

static int64_t now_seconds(const node *n, int64_t now_ns)
{
    return (int64_t)n->params->genesis_time + now_ns / TIMEUNIT_NS_PER_S;
}

/* ---- announcing ------------------------------------------------------- */

/* The index of peer among the node's neighbours, or -1. */
static ptrdiff_t peer_index(const node *n, uint32_t peer)
{
    for (size_t i = 0; i < n->n_peers; i++)
        if (n->peers[i] == peer)
            return (ptrdiff_t)i;
    return -1;
}

static int is_banned(const node *n, uint32_t peer)
{
    if (!n->any_banned)
        return 0;
    ptrdiff_t pi = peer_index(n, peer);
    return pi >= 0 && n->banned[pi];
}

/* A block (is_block) or transaction of peer was rejected for code: adds
 * its score to the peer's total and bans the peer at the ban score.
 * Returns the score added. */
static uint32_t misbehaving(node *n, node_effects *fx, int64_t now_ns, uint32_t peer, reason code,
                            int is_block)
{
    uint32_t add = misbehave_score(code, is_block);
    ptrdiff_t pi = peer == UINT32_MAX ? -1 : peer_index(n, peer);
    if (add == 0 || pi < 0)
        return add;
    n->scores[pi] = n->scores[pi] > UINT32_MAX - add ? UINT32_MAX : n->scores[pi] + add;
    if (n->ban_score > 0 && !n->banned[pi] && n->scores[pi] >= n->ban_score) {
        n->banned[pi] = 1;
        n->any_banned = 1;
        node_note *note = fx_note(fx, NODE_NOTE_PEER_BANNED, now_ns);
        note->peer = peer;
        note->code = code;
        note->score = n->scores[pi];
    }
    return add;
}

static int is_withheld(const node *n, const hash256 *id)
{
    return n->withheld != NULL && hmap_get(n->withheld, id) != NULL;
}

/* The tip peers may know of: the active tip below the withheld blocks. */
static const chain_entry *public_tip(const node *n)
{
    const chain_entry *tip = chain_tip(n->chain);
    while (n->withheld != NULL && chain_entry_parent(tip) != NULL &&
           is_withheld(n, chain_entry_id(tip)))
        tip = chain_entry_parent(tip);
    return tip;
}

static void send_status(node *n, node_effects *fx, uint32_t peer)
{
    const chain_entry *tip = public_tip(n);
    msg *m = msg_new_status(chain_entry_id(tip), chain_entry_height(tip), chain_entry_work(tip));
    if (m == NULL)
        abort();
    fx_send(fx, peer, m);
    msg_unref(m);
}

/* Announces one item to every peer except `except`. */
static void announce(node *n, node_effects *fx, uint32_t kind, const hash256 *id, uint32_t except)
{
    if (kind == MSG_ITEM_BLOCK && is_withheld(n, id))
        return;
    msg_item item = {kind, *id};
    msg *m = msg_new_items(MSG_INV, &item, 1);
    if (m == NULL)
        abort();
    for (size_t i = 0; i < n->n_peers; i++)
        if (n->peers[i] != except && !(n->any_banned && n->banned[i]))
            fx_send(fx, n->peers[i], m);
    msg_unref(m);
}

/* Announces our tip to one peer (the end of a cut getblocks answer). */
static void announce_to(node *n, node_effects *fx, uint32_t peer)
{
    msg_item item = {MSG_ITEM_BLOCK, *chain_entry_id(public_tip(n))};
    msg *m = msg_new_items(MSG_INV, &item, 1);
    if (m == NULL)
        abort();
    fx_send(fx, peer, m);
    msg_unref(m);
}

/* Bitcoin's block locator: the tip, then back 1, 2, 4, ... blocks, genesis last. */
static void send_getblocks(node *n, node_effects *fx, uint32_t peer)
{
    msg_item items[64];
    size_t count = 0;
    uint32_t height = chain_height(n->chain), step = 1;
    for (;;) {
        const chain_entry *e = chain_at_height(n->chain, height);
        items[count++] = (msg_item){MSG_ITEM_BLOCK, *chain_entry_id(e)};
        if (height == 0 || count == 63)
            break;
        if (count >= 10)
            step *= 2;
        height = height > step ? height - step : 0;
    }
    if (height != 0)
        items[count++] = (msg_item){MSG_ITEM_BLOCK, *chain_entry_id(chain_genesis(n->chain))};
    msg *m = msg_new_items(MSG_GETBLOCKS, items, count);
    if (m == NULL)
        abort();
    fx_send(fx, peer, m);
    msg_unref(m);
}

void node_start(node *n, node_effects *fx, int64_t now_ns)
{
    for (size_t i = 0; i < n->n_peers; i++)
        send_status(n, fx, n->peers[i]);
    template_drop(&n->tmpl);
    n->ops->start(n->cstate, n, fx, now_ns);
}

void node_on_reconnect(node *n, node_effects *fx, int64_t now_ns, const uint32_t *peers,
                       size_t n_peers)
{
    (void)now_ns;
    for (size_t i = 0; i < n_peers; i++)
        if (!is_banned(n, peers[i]))
            send_status(n, fx, peers[i]);
}

/* ---- the chain changed ------------------------------------------------ */

/* 1 when a transaction with this id is in one of the blocks. */
static int in_blocks(block *const *blocks, size_t n, const hash256 *txid)
{
    for (size_t i = 0; i < n; i++)
        for (size_t k = 1; k < block_n_tx(blocks[i]); k++)
            if (hash_eq(tx_id(block_tx(blocks[i], k)), txid))
                return 1;
    return 0;
}

/* A valid PoS block b just seen: remembered by slot; when the same proposer
 * signed another block for the same slot, that block's id is put in
 * *other and 1 returned (equivocation). */
static int slot_equivocation(node *n, hash256 *other, const block *b)
{
    const block_pos *pos = block_pos_of(b);
    if (pos == NULL)
        return 0;
    if (n->slots_seen == NULL &&
        (n->slots_seen = calloc(NODE_SLOTS_SEEN * NODE_SLOT_WAYS, sizeof *n->slots_seen)) == NULL)
        abort(); /* see node_effects */
    slot_seen *set = &n->slots_seen[(pos->slot % NODE_SLOTS_SEEN) * NODE_SLOT_WAYS];
    slot_seen *free_way = NULL;
    for (int w = 0; w < NODE_SLOT_WAYS; w++) {
        slot_seen *e = &set[w];
        if (!e->used || e->slot != pos->slot) {
            if (free_way == NULL)
                free_way = e;
            continue;
        }
        if (memcmp(e->proposer, pos->proposer, KEYS_PUB_BYTES) != 0)
            continue;
        if (hash_eq(&e->id, block_id(b)))
            return 0;
        *other = e->id;
        return 1;
    }
    if (free_way == NULL) /* more leaders than ways: the oldest way goes */
        free_way = &set[0];
    free_way->slot = pos->slot;
    memcpy(free_way->proposer, pos->proposer, KEYS_PUB_BYTES);
    free_way->id = *block_id(b);
    free_way->used = 1;
    return 0;
}

/* Records what chain_add_block did, updates the mempool, and relays. */
static void after_block(node *n, node_effects *fx, int64_t now_ns, block *b, chain_result *res,
                        uint32_t from)
{
    if (res->outcome == CHAIN_OUTCOME_REJECTED) {
        size_t at = fx->n_notes; /* by index: misbehaving may move the array */
        node_note *note = fx_note(fx, NODE_NOTE_INVALID, now_ns);
        note->blk = block_ref(b);
        note->code = res->code;
        note->peer = from;
        fx->notes[at].score = misbehaving(n, fx, now_ns, from, res->code, 1);
        return;
    }
    if (res->outcome == CHAIN_OUTCOME_TIP || res->outcome == CHAIN_OUTCOME_SIDE) {
        node_note *note = fx_note(fx, NODE_NOTE_BLOCK_SEEN, now_ns);
        note->blk = block_ref(b);
        hash256 other;
        if (slot_equivocation(n, &other, b)) {
            node_note *ev = fx_note(fx, NODE_NOTE_EQUIVOCATION, now_ns);
            ev->blk = block_ref(b);
            ev->old_tip = other;
            ev->peer = from;
        }
    }
    if (res->refused_depth > 0) {
        node_note *note = fx_note(fx, NODE_NOTE_ROLLBACK_REFUSED, now_ns);
        note->blk = block_ref(b);
        note->depth = (uint32_t)res->refused_depth;
    }
    /* Adopted orphans were seen now too. */
    for (size_t i = 0; i < res->n_connected; i++) {
        block *c = res->connected[i];
        if (c != b && res->n_orphans_adopted > 0) {
            node_note *note = fx_note(fx, NODE_NOTE_BLOCK_SEEN, now_ns);
            note->blk = block_ref(c);
        }
    }
    if (!res->tip_changed)
        return;
    const chain_entry *tip = res->new_tip;
    if (mempool_update(n->mp, n->chain, res) == REASON_NO_MEMORY)
        abort();
    if (res->reorg_depth > 0) {
        size_t at = fx->n_notes; /* by index: fx_note may move the array */
        node_note *note = fx_note(fx, NODE_NOTE_REORG, now_ns);
        note->blk = block_ref(chain_entry_block(tip));
        note->height = chain_entry_height(tip);
        note->old_tip = *chain_entry_id(res->old_tip);
        note->depth = (uint32_t)res->reorg_depth;
        /* Transactions the disconnected blocks gave back to the mempool;
         * those neither back nor in the new branch lost to a double spend. */
        uint32_t reverted = 0, dropped = 0;
        for (size_t i = 0; i < res->n_disconnected; i++)
            for (size_t k = 1; k < block_n_tx(res->disconnected[i]); k++) {
                tx *t = block_tx(res->disconnected[i], k);
                if (mempool_get(n->mp, tx_id(t))) {
                    reverted++;
                } else if (!in_blocks(res->connected, res->n_connected, tx_id(t))) {
                    node_note *lost = fx_note(fx, NODE_NOTE_TX_REJECTED, now_ns);
                    lost->tx = tx_ref(t);
                    lost->code = REASON_TX_ALREADY_SPENT;
                    dropped++;
                }
            }
        fx->notes[at].txs_reverted = reverted;
        fx->notes[at].txs_dropped = dropped;
    }
    node_note *note = fx_note(fx, NODE_NOTE_TIP, now_ns);
    note->blk = block_ref(chain_entry_block(tip));
    note->height = chain_entry_height(tip);
    /* Relay the new active blocks (a getblocks batch relays its last). */
    for (size_t i = 0; i < res->n_connected; i++)
        if (i + 1 == res->n_connected)
            announce(n, fx, MSG_ITEM_BLOCK, block_id(res->connected[i]), from);
    template_drop(&n->tmpl);
}

static void offer_block(node *n, node_effects *fx, int64_t now_ns, block *b, uint32_t from)
{
    chain_result res;
    memset(&res, 0, sizeof res);
    reason r = chain_add_block(n->chain, &res, b, now_seconds(n, now_ns));
    if (r == REASON_NO_MEMORY)
        abort();
    after_block(n, fx, now_ns, b, &res, from);
    if (res.outcome == CHAIN_OUTCOME_ORPHAN && from != UINT32_MAX)
        send_getblocks(n, fx, from); /* ask the sender for the missing ancestors */
    chain_result_clear(&res);
}

/* ---- requests --------------------------------------------------------- */

static int have_item(const node *n, uint32_t kind, const hash256 *id)
{
    if (kind == MSG_ITEM_BLOCK)
        return chain_knows_block(n->chain, id);
    return mempool_get(n->mp, id) != NULL || hmap_get(n->rejected, id) != NULL;
}

static void arm_requests_timer(node *n, node_effects *fx, int64_t at_ns)
{
    if (at_ns < n->requests_timer_ns) {
        n->requests_timer_ns = at_ns;
        fx_timer(fx, at_ns, NODE_TIMER_REQUESTS, NULL, 0);
    }
}

static void on_inv(node *n, node_effects *fx, int64_t now_ns, uint32_t peer, const msg *m)
{
    /* Almost every inv announces one item: no allocation for the usual case. */
    msg_item small[8];
    msg_item *want = m->n_items <= 8 ? small : malloc(m->n_items * sizeof *want);
    size_t n_want = 0;
    if (want == NULL)
        abort();
    for (size_t i = 0; i < m->n_items; i++) {
        const msg_item *it = &m->items[i];
        if ((it->kind != MSG_ITEM_BLOCK && it->kind != MSG_ITEM_TX) ||
            have_item(n, it->kind, &it->id))
            continue;
        request *rq = hmap_get(n->requests, &it->id);
        if (rq) { /* in flight: remember another source */
            if (rq->peer != peer && rq->n_alt < 4)
                rq->alt[rq->n_alt++] = peer;
            continue;
        }
        request fresh = {now_ns + n->request_timeout_ns, peer, it->kind, {0}, 0, 0};
        if (hmap_put(n->requests, &it->id, &fresh) < 0)
            abort();
        want[n_want++] = *it;
    }
    if (n_want) {
        msg *g = msg_new_items(MSG_GETDATA, want, n_want);
        if (g == NULL)
            abort();
        fx_send(fx, peer, g);
        msg_unref(g);
        arm_requests_timer(n, fx, now_ns + n->request_timeout_ns);
    }
    if (want != small)
        free(want);
}

static void on_getdata(node *n, node_effects *fx, uint32_t peer, const msg *m)
{
    static const hash256 none;
    ptrdiff_t pi = peer_index(n, peer);
    msg_item *missing = NULL;
    size_t n_missing = 0;
    for (size_t i = 0; i < m->n_items; i++) {
        const msg_item *it = &m->items[i];
        msg *reply = NULL;
        if (it->kind == MSG_ITEM_BLOCK) {
            const chain_entry *e = chain_lookup(n->chain, &it->id);
            if (e && !is_withheld(n, &it->id))
                reply = msg_new_block(chain_entry_block(e));
        } else if (it->kind == MSG_ITEM_TX) {
            tx *t = mempool_get(n->mp, &it->id);
            if (t)
                reply = msg_new_tx(t);
        }
        if (reply) {
            fx_send(fx, peer, reply);
            msg_unref(reply);
            if (it->kind == MSG_ITEM_BLOCK && pi >= 0 && hash_eq(&n->continue_ids[pi], &it->id)) {
                n->continue_ids[pi] = none;
                announce_to(n, fx, peer);
            }
            continue;
        }
        if (missing == NULL && (missing = malloc(m->n_items * sizeof *missing)) == NULL)
            abort();
        missing[n_missing++] = *it;
    }
    if (n_missing) {
        msg *nf = msg_new_items(MSG_NOTFOUND, missing, n_missing);
        if (nf == NULL)
            abort();
        fx_send(fx, peer, nf);
        msg_unref(nf);
    }
    free(missing);
}

/* Answers a locator: the ids after the first locator block on our active
 * chain, up to MSG_GETBLOCKS_MAX_ANSWER, as an inv. */
static void on_getblocks(node *n, node_effects *fx, uint32_t peer, const msg *m)
{
    uint32_t fork = 0;
    for (size_t i = 0; i < m->n_items; i++) {
        const chain_entry *e = chain_lookup(n->chain, &m->items[i].id);
        if (e && chain_is_active(n->chain, e)) {
            fork = chain_entry_height(e);
            break;
        }
    }
    uint32_t tip = chain_entry_height(public_tip(n));
    if (fork >= tip)
        return;
    size_t count = tip - fork;
    if (count > MSG_GETBLOCKS_MAX_ANSWER)
        count = MSG_GETBLOCKS_MAX_ANSWER;
    msg_item *items = malloc(count * sizeof *items);
    if (items == NULL)
        abort();
    for (size_t i = 0; i < count; i++)
        items[i] = (msg_item){MSG_ITEM_BLOCK,
                              *chain_entry_id(chain_at_height(n->chain, fork + 1 + (uint32_t)i))};
    ptrdiff_t pi = peer_index(n, peer);
    if (pi >= 0 && tip - fork > count)
        n->continue_ids[pi] = items[count - 1].id; /* cut: continue when it is asked */
    msg *inv = msg_new_items(MSG_INV, items, count);
    if (inv == NULL)
        abort();
    fx_send(fx, peer, inv);
    msg_unref(inv);
    free(items);
}

/* A peer's status: the side behind asks for blocks; the side ahead answers
 * with its own status, so a (re)starting node learns at once that it is
 * behind (as Bitcoin peers both send their height in `version`). Equal work
 * sends nothing, so two statuses never bounce back and forth. */
static void on_status(node *n, node_effects *fx, uint32_t peer, const msg *m)
{
    const chain_entry *tip = chain_tip(n->chain);
    int cmp = u256_cmp(&m->work, chain_entry_work(tip));
    if (cmp > 0 && chain_lookup(n->chain, &m->tip) == NULL)
        send_getblocks(n, fx, peer);
    else if (cmp < 0)
        send_status(n, fx, peer);
}

/* 1 when a transaction refused for this reason may be valid later: its
 * parent may arrive (a child can overtake its parent on another link), a
 * reorganisation may give its inputs back, the pool may make room. Such a
 * transaction is asked for again when announced again; any other refusal
 * is for good and remembered, so it is never asked for again. */
static int tx_may_become_valid(reason r)
{
    return r == REASON_TX_MISSING_INPUT || r == REASON_TX_MEMPOOL_CONFLICT ||
           r == REASON_TX_ALREADY_SPENT || r == REASON_TX_MEMPOOL_FULL;
}

static void on_tx(node *n, node_effects *fx, int64_t now_ns, uint32_t peer, tx *t)
{
    if (have_item(n, MSG_ITEM_TX, tx_id(t)))
        return;
    /* Only the code is used: no message to format. */
    reason r = mempool_add(n->mp, n->chain, t, NULL, 0);
    if (r == REASON_NO_MEMORY)
        abort();
    if (r != REASON_OK) {
        if (!tx_may_become_valid(r) && hmap_put(n->rejected, tx_id(t), NULL) < 0)
            abort();
        size_t at = fx->n_notes; /* by index: misbehaving may move the array */
        node_note *note = fx_note(fx, NODE_NOTE_TX_REJECTED, now_ns);
        note->tx = tx_ref(t);
        note->code = r;
        note->peer = peer;
        fx->notes[at].score = misbehaving(n, fx, now_ns, peer, r, 0);
        return;
    }
    node_note *note = fx_note(fx, NODE_NOTE_TX_ACCEPTED, now_ns);
    note->tx = tx_ref(t);
    note->peer = peer;
    announce(n, fx, MSG_ITEM_TX, tx_id(t), peer);
}

void node_on_message(node *n, node_effects *fx, int64_t now_ns, uint32_t peer, const msg *m)
{
    if (is_banned(n, peer))
        return; /* disconnected: nothing it sends is heard */
    if (n->ops->on_message(n->cstate, n, fx, now_ns, peer, m))
        return; /* the protocol's own message */
    switch (m->type) {
    case MSG_INV:
        on_inv(n, fx, now_ns, peer, m);
        break;
    case MSG_GETDATA:
        on_getdata(n, fx, peer, m);
        break;
    case MSG_BLOCK:
        hmap_del(n->requests, block_id(m->blk));
        offer_block(n, fx, now_ns, m->blk, peer);
        break;
    case MSG_TX:
        hmap_del(n->requests, tx_id(m->tx));
        on_tx(n, fx, now_ns, peer, m->tx);
        break;
    case MSG_STATUS:
        on_status(n, fx, peer, m);
        break;
    case MSG_GETBLOCKS:
        on_getblocks(n, fx, peer, m);
        break;
    case MSG_NOTFOUND:
        for (size_t i = 0; i < m->n_items; i++) {
            request *rq = hmap_get(n->requests, &m->items[i].id);
            if (rq == NULL || rq->peer != peer)
                continue;
            if (rq->n_alt > 0)
                rq->deadline_ns = now_ns; /* ask the next source at the timer */
            else
                hmap_del(n->requests, &m->items[i].id); /* nobody else has it */
        }
        break;
    case MSG_BFT: /* a protocol's own, that it left */
    case MSG_TYPE_COUNT:
        break;
    }
}

reason node_submit_tx(node *n, node_effects *fx, int64_t now_ns, tx *t)
{
    reason r = mempool_add(n->mp, n->chain, t, NULL, 0);
    if (r == REASON_NO_MEMORY)
        abort();
    node_note *note =
        fx_note(fx, r == REASON_OK ? NODE_NOTE_TX_ACCEPTED : NODE_NOTE_TX_REJECTED, now_ns);
    note->tx = tx_ref(t);
    note->code = r;
    if (r == REASON_OK)
        announce(n, fx, MSG_ITEM_TX, tx_id(t), UINT32_MAX);
    return r;
}

/* Re-asks overdue requests of another peer that announced the item (or the
 * same peer again when no other did), in id order so the order is defined. */
static void on_requests_timer(node *n, node_effects *fx, int64_t now_ns)
{
    n->requests_timer_ns = INT64_MAX;
    size_t pos = 0, n_due = 0, cap = hmap_count(n->requests);
    const void *key;
    void *val;
    hash256 *due = malloc((cap ? cap : 1) * sizeof *due);
    int64_t next = INT64_MAX;
    if (due == NULL)
        abort();
    while (hmap_next(n->requests, &pos, &key, &val)) {
        const request *rq = val;
        if (rq->deadline_ns <= now_ns)
            memcpy(&due[n_due++], key, sizeof(hash256));
        else if (rq->deadline_ns < next)
            next = rq->deadline_ns;
    }
    /* hmap order is not defined: sort the ids. */
    for (size_t i = 1; i < n_due; i++)
        for (size_t j = i; j > 0 && memcmp(&due[j - 1], &due[j], 32) > 0; j--) {
            hash256 t = due[j];
            due[j] = due[j - 1];
            due[j - 1] = t;
        }
    for (size_t i = 0; i < n_due; i++) {
        request *rq = hmap_get(n->requests, &due[i]);
        if (have_item(n, rq->kind, &due[i])) {
            hmap_del(n->requests, &due[i]);
            continue;
        }
        if (rq->n_alt > 0) {
            rq->peer = rq->alt[0];
            memmove(rq->alt, rq->alt + 1, (rq->n_alt - 1) * sizeof rq->alt[0]);
            rq->n_alt--;
        } else if (rq->tries++ >= REQUEST_MAX_RETRIES) {
            hmap_del(n->requests, &due[i]);
            continue;
        }
        rq->deadline_ns = now_ns + n->request_timeout_ns;
        if (rq->deadline_ns < next)
            next = rq->deadline_ns;
        msg_item item = {rq->kind, due[i]};
        msg *g = msg_new_items(MSG_GETDATA, &item, 1);
        if (g == NULL)
            abort();
        fx_send(fx, rq->peer, g);
        msg_unref(g);
    }
    free(due);
    if (next != INT64_MAX)
        arm_requests_timer(n, fx, next);
}

/* ---- block production ------------------------------------------------- */

/* Builds the coinbase for the template's extra nonce and the merkle root. */
static void template_coinbase(node *n, template *t)
{
    tx_out out;
    out.amount = n->params->block_reward + t->fees;
    memcpy(out.owner, keys_pair_public(n->key), KEYS_PUB_BYTES);
    tx *cb;
    if (tx_new_coinbase(&cb, t->height, t->extranonce, &out, 1) != 0)
        abort();
    tx_unref(t->txs[0]);
    t->txs[0] = cb;
    if (block_merkle_root(&t->header.merkle_root, t->txs, t->n_tx) != 0)
        abort();
}

/* The block the node mines on: the base of node_mine_on while it is known,
 * else the tip. */
static const chain_entry *mining_parent(const node *n)
{
    const chain_entry *e = n->has_base ? chain_lookup(n->chain, &n->base) : NULL;
    return e != NULL ? e : chain_tip(n->chain);
}

/* Leaves out of t's mempool transactions those the node's filter refuses
 * and those spending an output of one left out, with their fees. */
static void template_filter(node *n, template *t)
{
    const hash256 **out_ids = malloc(t->n_tx * sizeof *out_ids);
    size_t n_out = 0, kept = 1;
    if (out_ids == NULL)
        abort();
    for (size_t i = 1; i < t->n_tx; i++) {
        tx *x = t->txs[i];
        int keep = n->tx_filter(n->tx_filter_ctx, n, x);
        for (size_t k = 0; keep && k < tx_n_in(x); k++)
            for (size_t j = 0; keep && j < n_out; j++)
                keep = !hash_eq(&tx_input(x, k)->prev_txid, out_ids[j]);
        if (keep) {
            t->txs[kept++] = x;
        } else {
            out_ids[n_out++] = tx_id(x);
            t->fees -= mempool_fee(n->mp, tx_id(x));
        }
    }
    t->n_tx = kept;
    free(out_ids);
}

/* Fills the template on the current tip: transactions by fee rate, coinbase,
 * header with the expected bits and a time after the median time past. */
static void template_build(node *n, int64_t now_ns, uint32_t time)
{
    template *t = &n->tmpl;
    int is_pos = chain_kind_has_extension(n->params->consensus); /* the block extension */
    const chain_entry *tip = mining_parent(n);
    template_drop(t);
    size_t coinbase_room = 200 + (is_pos ? BLOCK_POS_BYTES : 0) + HEADER_BYTES;
    size_t room =
        n->params->max_block_bytes > coinbase_room ? n->params->max_block_bytes - coinbase_room : 0;
    size_t cap = mempool_count(n->mp) + 1;
    t->txs = calloc(cap, sizeof *t->txs);
    if (t->txs == NULL)
        abort();
    if (n->has_base) {
        /* Only the given transactions; their fees are not claimed (the
         * coinbase may pay less than reward plus fees). */
        free(t->txs);
        t->txs = calloc(n->n_base_txs + 1, sizeof *t->txs);
        if (t->txs == NULL)
            abort();
        for (size_t i = 0; i < n->n_base_txs; i++)
            t->txs[i + 1] = n->base_txs[i];
        t->n_tx = 1 + n->n_base_txs;
        t->fees = 0;
    } else {
        t->n_tx = 1 + mempool_select(n->mp, t->txs + 1, cap - 1, room, &t->fees);
        if (n->tx_filter != NULL)
            template_filter(n, t);
    }
    for (size_t i = 1; i < t->n_tx; i++)
        tx_ref(t->txs[i]); /* the pool's pointers are borrowed */
    t->header.version = is_pos ? (int32_t)(BLOCK_VERSION_POS | 1) : 1;
    t->header.prev_id = *chain_entry_id(tip);
    t->header.bits = chain_expected_bits(n->chain, tip);
    t->median_time = chain_entry_median_time(tip);
    t->height = chain_entry_height(tip) + 1;
    t->header.time = time > t->median_time ? time : t->median_time + 1;
    t->extranonce = 0;
    template_coinbase(n, t);
    t->t0_ns = now_ns;
    t->k = 0;
    t->active = 1;
}

void node_set_hashrate(node *n, int64_t now_ns, uint64_t hashrate_mhps)
{
    (void)now_ns;
    n->hashrate = hashrate_mhps;
    template_drop(&n->tmpl); /* the attempt schedule restarts at the next idle time */
}

/* Nanoseconds times thousandths: the numerator of an attempt's time. With
 * a rate of h mH/s, attempts are 1e12 / h ns apart (for a whole rate of H
 * H/s, h = 1000 H and this is 1e9 / H, exactly as before fractions). */
#define NS_X_MHPS ((uint64_t)TIMEUNIT_NS_PER_S * NODE_MHPS_PER_HPS)

/* Time of attempt k: t0 + ceil(k * 1e12 / h), h in mH/s (k < 2^64, so the
 * product fits in 128 bits). */
static int64_t attempt_time(const template *t, uint64_t h, uint64_t k)
{
    unsigned __int128 num = (unsigned __int128)k * NS_X_MHPS;
    return t->t0_ns + (int64_t)((num + h - 1) / h);
}

/* The number of attempts of the template with time < until_ns:
 * t0 + ceil(k * 1e12 / h) <= until - 1, that is k <= (until - 1 - t0) * h / 1e12. */
static uint64_t attempts_before(const template *t, uint64_t h, int64_t until_ns)
{
    if (until_ns <= t->t0_ns)
        return 0;
    unsigned __int128 span = (unsigned __int128)(until_ns - 1 - t->t0_ns) * h;
    return (uint64_t)(span / NS_X_MHPS) + 1;
}

/* The header time of attempt k: the second it happens in, after the
 * median time past (Bitcoin's rule; the miner's clock is virtual time).
 * Sets *second_end to the first attempt of the next second. */
static uint32_t attempt_header_time(const node *n, const template *t, uint64_t k,
                                    uint64_t *second_end)
{
    int64_t second = attempt_time(t, n->hashrate, k) / TIMEUNIT_NS_PER_S;
    *second_end = attempts_before(t, n->hashrate, (second + 1) * TIMEUNIT_NS_PER_S);
    uint32_t time = (uint32_t)now_seconds(n, second * TIMEUNIT_NS_PER_S);
    return time > t->median_time ? time : t->median_time + 1;
}

/* Makes the current template's attempts with time < until_ns, at most
 * max_attempts of them, stopping at the first that meets the target (noted
 * in t->found; t->header then holds its time). They are not counted yet:
 * they may be ahead of time. The attempts run in stretches of one extra
 * nonce and one header time each. */
static void hash_ahead(node *n, int64_t until_ns, uint64_t max_attempts)
{
    template *t = &n->tmpl;
    if (t->found)
        return;
    uint64_t end = attempts_before(t, n->hashrate, until_ns);
    if (end > t->k && end - t->k > max_attempts)
        end = t->k + max_attempts;
    while (t->k < end) {
        uint64_t extranonce = t->k >> 32;
        if (extranonce != t->extranonce) {
            t->extranonce = extranonce;
            template_coinbase(n, t);
            pow_miner_init(&t->miner, &t->header);
        }
        uint64_t second_end;
        uint32_t time = attempt_header_time(n, t, t->k, &second_end);
        if (time != t->header.time) {
            t->header.time = time;
            pow_miner_set_time(&t->miner, time);
        }
        uint64_t seg_end = ((extranonce + 1) << 32) < end ? ((extranonce + 1) << 32) : end;
        if (second_end < seg_end)
            seg_end = second_end;
        uint32_t nonce;
        uint64_t done;
        int found =
            pow_miner_try(&t->miner, &nonce, &done, (uint32_t)t->k, seg_end - t->k, &t->target);
        t->k += done;
        if (found) {
            t->found = 1;
            t->found_nonce = nonce;
            t->found_ns = attempt_time(t, n->hashrate, t->k - 1);
            return;
        }
    }
}

/* Counts the template's attempts up to `upto` (made before) as hashes. */
static void report_hashes(node *n, node_effects *fx, uint64_t upto)
{
    template *t = &n->tmpl;
    if (upto <= t->reported)
        return;
    n->hashes += upto - t->reported;
    fx->hashes += upto - t->reported;
    t->reported = upto;
}

/* The time [.., until_ns) of the current template becomes due: makes its
 * attempts and counts them as hashes. Returns 1 when one of them met the
 * target: the NODE_TIMER_MINED timer is set at its time and the template
 * dropped; else 0. */
static int mine_until(node *n, node_effects *fx, int64_t until_ns)
{
    template *t = &n->tmpl;
    hash_ahead(n, until_ns, UINT64_MAX);
    if (t->found && t->found_ns < until_ns) {
        report_hashes(n, fx, t->k);
        block_header h = t->header;
        block *b;
        h.nonce = t->found_nonce;
        if (block_new(&b, &h, NULL, t->txs, t->n_tx) != 0)
            abort();
        fx_timer(fx, t->found_ns, NODE_TIMER_MINED, b, 0);
        template_drop(t);
        return 1;
    }
    report_hashes(n, fx, attempts_before(t, n->hashrate, until_ns));
    return 0;
}

/* Builds a template at at_ns; 0 when the node can mine on it, -1 when the
 * tip's bits give no valid target (the chain would refuse the block). */
static int template_start(node *n, int64_t at_ns)
{
    template *t = &n->tmpl;
    template_build(n, at_ns, (uint32_t)now_seconds(n, at_ns));
    if (target_from_compact(&t->target, t->header.bits) != TARGET_OK)
        return -1;
    pow_miner_init(&t->miner, &t->header);
    return 0;
}

/* When the current template takes in the mempool's new transactions, given
 * that nothing changes the mempool before: like a miner asking for a fresh
 * block template, at t0 + TEMPLATE_REFRESH_NS (or at from_ns if that is
 * past) when the mempool's count differs from the template's; INT64_MAX
 * when it does not. The mempool changes only at the node's events, so the
 * point does not depend on how idle time is cut into calls. Each attempt is
 * memoryless, so restarting the schedule changes no odds. */
static int64_t refresh_point(const node *n, int64_t from_ns)
{
    const template *t = &n->tmpl;
    if (n->has_base || mempool_count(n->mp) == t->n_tx - 1)
        return INT64_MAX;
    int64_t p = t->t0_ns + TEMPLATE_REFRESH_NS;
    return p > from_ns ? p : from_ns;
}

/* Attempts one look ahead may make: about 1/16 s of the node's hashing
 * (so a template change wastes little), within bounds that keep the calls
 * cheap. */
static uint64_t lookahead_attempts(uint64_t hashrate_mhps)
{
    uint64_t a = hashrate_mhps / (16 * NODE_MHPS_PER_HPS);
    return a < 16 ? 16 : a > 65536 ? 65536 : a;
}

void node_mine_ahead(node *n, node_effects *fx, int64_t from_ns, int64_t until_ns,
                     int64_t horizon_ns, int64_t *next_ns)
{
    *next_ns = INT64_MAX;
    if (n->hashrate == 0 || n->ops->production != CONSENSUS_MINES || until_ns < from_ns)
        return;
    template *t = &n->tmpl;
    if (until_ns == from_ns && !t->active) {
        *next_ns = from_ns; /* nothing to look ahead on before the template */
        return;
    }
    int64_t at = from_ns;
    while (at < until_ns) {
        if (!t->active && template_start(n, at) != 0)
            return; /* no valid target: cannot mine */
        int64_t refresh = refresh_point(n, at);
        int64_t stop = refresh < until_ns ? refresh : until_ns;
        if (mine_until(n, fx, stop))
            return; /* resume on a new template after the timer */
        if (stop == until_ns)
            break;
        template_drop(t);
        at = refresh;
    }
    /* Work ahead (nothing is counted until it is due), never past the
     * refresh: the template changes there. */
    int64_t refresh = refresh_point(n, until_ns);
    int64_t limit = refresh < horizon_ns ? refresh : horizon_ns;
    if (limit > until_ns)
        hash_ahead(n, limit, lookahead_attempts(n->hashrate));
    int64_t next = t->found ? t->found_ns : attempt_time(t, n->hashrate, t->k);
    *next_ns = next < refresh ? next : refresh;
}

void node_mine(node *n, node_effects *fx, int64_t from_ns, int64_t until_ns, int64_t *next_ns)
{
    if (until_ns <= from_ns) {
        *next_ns = INT64_MAX;
        return;
    }
    node_mine_ahead(n, fx, from_ns, until_ns, until_ns, next_ns);
    if (*next_ns != INT64_MAX)
        *next_ns = until_ns;
}

/* ---- services for consensus protocols (node.h) ------------------------ */

void node_consensus_timer(node *n, node_effects *fx, int64_t at_ns, uint64_t arg)
{
    (void)n;
    fx_timer(fx, at_ns, NODE_TIMER_CONSENSUS, NULL, arg);
}

const block_header *node_template_build(node *n, int64_t now_ns, uint32_t time)
{
    template_build(n, now_ns, time);
    return &n->tmpl.header;
}

block *node_template_block(node *n, const block_pos *pos)
{
    block *b;
    assert(n->tmpl.active);
    if (block_new(&b, &n->tmpl.header, pos, n->tmpl.txs, n->tmpl.n_tx) != 0)
        abort();
    template_drop(&n->tmpl);
    return b;
}

void node_produce(node *n, node_effects *fx, int64_t now_ns, block *b)
{
    node_note *note = fx_note(fx, NODE_NOTE_BLOCK_PRODUCED, now_ns);
    note->blk = block_ref(b);
    offer_block(n, fx, now_ns, b, UINT32_MAX);
}

void *node_consensus_state(const node *n)
{
    return n->cstate;
}

void node_consensus_resume(node *fresh, node *old)
{
    if (fresh->ops == old->ops && fresh->ops->state_resume != NULL && fresh->cstate != NULL &&
        old->cstate != NULL)
        fresh->ops->state_resume(fresh->cstate, old->cstate);
}

void node_note_produced(node *n, node_effects *fx, int64_t now_ns, block *b)
{
    (void)n;
    node_note *note = fx_note(fx, NODE_NOTE_BLOCK_PRODUCED, now_ns);
    note->blk = block_ref(b);
}

void node_accept_block(node *n, node_effects *fx, int64_t now_ns, block *b, uint32_t from)
{
    offer_block(n, fx, now_ns, b, from);
}

void node_on_timer(node *n, node_effects *fx, int64_t now_ns, node_timer_kind kind, void *payload,
                   uint64_t arg)
{
    switch (kind) {
    case NODE_TIMER_MINED: {
        block *b = payload;
        if (n->withheld != NULL && hmap_put(n->withheld, block_id(b), NULL) < 0)
            abort();
        node_produce(n, fx, now_ns, b);
        block_unref(b);
        break;
    }
    case NODE_TIMER_CONSENSUS:
        n->ops->on_timer(n->cstate, n, fx, now_ns, arg);
        break;
    case NODE_TIMER_REQUESTS:
        on_requests_timer(n, fx, now_ns);
        break;
    }
}

/* ---- withholding (an attacker's private blocks) ----------------------- */

int node_set_withholding(node *n)
{
    if (n->withheld == NULL && hmap_new(&n->withheld, sizeof(hash256), 0) != 0)
        return -1;
    return 0;
}

int node_is_withheld(const node *n, const hash256 *id)
{
    return is_withheld(n, id);
}

void node_publish(node *n, node_effects *fx, block *b, const uint32_t *peers, size_t n_peers)
{
    if (n->withheld != NULL)
        hmap_del(n->withheld, block_id(b));
    if (peers == NULL) {
        peers = n->peers;
        n_peers = n->n_peers;
    }
    msg *m = msg_new_block(b);
    if (m == NULL)
        abort();
    for (size_t i = 0; i < n_peers; i++)
        fx_send(fx, peers[i], m);
    msg_unref(m);
}

int node_mine_on(node *n, const hash256 *base, tx *const *txs, size_t n_txs)
{
    tx **copy = NULL;
    if (base != NULL && n_txs > 0) {
        copy = malloc(n_txs * sizeof *copy);
        if (copy == NULL)
            return -1;
        for (size_t i = 0; i < n_txs; i++)
            copy[i] = tx_ref(txs[i]);
    }
    for (size_t i = 0; i < n->n_base_txs; i++)
        tx_unref(n->base_txs[i]);
    free(n->base_txs);
    n->base_txs = copy;
    n->n_base_txs = base != NULL ? n_txs : 0;
    n->has_base = base != NULL;
    if (base != NULL)
        n->base = *base;
    template_drop(&n->tmpl); /* the next idle time builds on the new base */
    return 0;
}

void node_set_tx_filter(node *n, node_tx_filter keep, void *ctx)
{
    n->tx_filter = keep;
    n->tx_filter_ctx = keep != NULL ? ctx : NULL;
    template_drop(&n->tmpl); /* the next template is filtered */
}

void node_send_tx(node *n, node_effects *fx, tx *t, uint32_t peer)
{
    (void)n;
    msg *m = msg_new_tx(t);
    if (m == NULL)
        abort();
    fx_send(fx, peer, m);
    msg_unref(m);
}
