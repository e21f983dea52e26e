/* The dashboard's memory of a run: every block some node's active chain held
 * at a sample (the tree with its forks) and every transaction seen, with
 * what became of it, rendered as the "blocks" and "transactions" documents.
 * Only the runner's barrier thread calls it, while no node runs.
 *
 * Forks: blocks are remembered from every node's active chain at each
 * publish (walking back from each tip to a block already known), so a
 * branch that some node followed at a sample stays in the tree after that
 * node reorganises away from it. Transactions are recorded as they show up
 * in the best chain's recent blocks or in mempools; the sender is the owner
 * of the output its first input spends (known from an earlier record). */
#include "dashrec.h"
#include "dashfar.h"
#include "timeunit.h"

#include "chain.h"
#include "hash.h"
#include "hmap.h"
#include "mempool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    RECENT_HEIGHTS = DASHREC_RECENT_HEIGHTS,
    KEEP_HEIGHTS = DASHREC_KEEP_HEIGHTS,
    MAX_LISTED_TXS = 2000,   /* transactions published: the most recent */
    MEMPOOL_SCAN_NODES = 64, /* above this, only the best node's mempool is read */
    SEEN_BY_NODES = 64,      /* above this, blocks carry no seen_by list */
    FAR_SEEN_NODES = 64      /* far nodes whose past chains are remembered per block */
};

typedef struct rd_block {
    hash256 parent;
    int has_parent;
    uint32_t height;
    uint32_t producer; /* node id, 0 when unknown */
    int64_t time_ns;
    size_t n_tx;
    uint32_t reorg_depth; /* a node gave this tip up, this many blocks deep (0: never) */
    int has_slot;         /* a PoS block: its slot */
    uint64_t slot;
    int has_empty;         /* PoS (not PoA, whose slot is a time): empty_before is known */
    uint64_t empty_before; /* slots between its parent's and its own without a block */
    int64_t published_ns;  /* an adversary's block: the first sample at which another node
                            * held it (-1: not yet) */
    uint64_t far_seen;     /* far nodes (bit i: node i + 1) whose active chain held it */
} rd_block;

typedef struct rd_tx {
    hash256 txid;
    tx *t;            /* reference; NULL when refused before it was built */
    uint64_t request; /* dashboard request id, 0 for the others */
    int hidden;       /* genesis coinbase: kept to resolve senders only */
    int rejected;
    char reason[200];
    int in_block; /* block/height: where the best chain had it last */
    hash256 block;
    uint32_t height;
    uint64_t seen_gen; /* publish generation it was last seen in a mempool */
    /* when t is NULL: what the page asked for */
    int64_t from_wallet; /* 1-based */
    char to_hex[129];
    uint64_t amount;
} rd_tx;

struct dashrec {
    uint32_t n_nodes;
    uint32_t confirmations;
    int64_t genesis_time_s;
    hmap *producers; /* node key -> node id */
    hmap *blocks;    /* block id -> rd_block */
    hmap *tx_index;  /* txid -> index in txs */
    rd_tx *txs;
    size_t n_txs, cap_txs;
    uint64_t gen;           /* publish generation */
    const char **adversary; /* per node: adversary kind (static strings), NULL: honest */
    int any_adversary;
};

static rd_tx *record_new(dashrec *rec)
{
    if (rec->n_txs == rec->cap_txs) {
        size_t cap = rec->cap_txs ? 2 * rec->cap_txs : 256;
        rd_tx *p = realloc(rec->txs, cap * sizeof *p);
        if (p == NULL)
            return NULL;
        rec->txs = p;
        rec->cap_txs = cap;
    }
    rd_tx *r = &rec->txs[rec->n_txs++];
    memset(r, 0, sizeof *r);
    return r;
}

/* The record of t, created (with a reference) when new; NULL when out of memory. */
static rd_tx *record_of(dashrec *rec, tx *t)
{
    size_t *at = hmap_get(rec->tx_index, tx_id(t));
    if (at)
        return &rec->txs[*at];
    size_t index = rec->n_txs;
    if (hmap_put(rec->tx_index, tx_id(t), &index) < 0)
        return NULL;
    rd_tx *r = record_new(rec);
    if (r == NULL) {
        hmap_del(rec->tx_index, tx_id(t));
        return NULL;
    }
    r->txid = *tx_id(t);
    r->t = tx_ref(t);
    return r;
}

int dashrec_new(dashrec **out, uint32_t n_nodes, const uint8_t (*node_keys)[KEYS_PUB_BYTES],
                block *genesis, uint32_t confirmations)
{
    *out = NULL;
    dashrec *rec = calloc(1, sizeof *rec);
    if (rec == NULL)
        return -1;
    rec->n_nodes = n_nodes;
    rec->confirmations = confirmations;
    rec->genesis_time_s = block_header_of(genesis)->time;
    if (hmap_new(&rec->producers, KEYS_PUB_BYTES, sizeof(uint32_t)) != 0 ||
        hmap_new(&rec->blocks, sizeof(hash256), sizeof(rd_block)) != 0 ||
        hmap_new(&rec->tx_index, sizeof(hash256), sizeof(size_t)) != 0)
        goto fail;
    for (uint32_t i = 0; i < n_nodes; i++) {
        uint32_t id = i + 1;
        if (hmap_put(rec->producers, node_keys[i], &id) < 0)
            goto fail;
    }
    rd_tx *g = record_of(rec, block_tx(genesis, 0));
    if (g == NULL)
        goto fail;
    g->hidden = 1;
    *out = rec;
    return 0;
fail:
    dashrec_free(rec);
    return -1;
}

void dashrec_free(dashrec *rec)
{
    if (rec == NULL)
        return;
    for (size_t i = 0; i < rec->n_txs; i++)
        tx_unref(rec->txs[i].t);
    free(rec->txs);
    hmap_free(rec->producers);
    hmap_free(rec->blocks);
    hmap_free(rec->tx_index);
    free(rec->adversary);
    free(rec);
}

int dashrec_set_adversaries(dashrec *rec, const char *const *kind)
{
    free(rec->adversary);
    rec->adversary = NULL;
    rec->any_adversary = 0;
    if (kind == NULL)
        return 0;
    rec->adversary = calloc(rec->n_nodes ? rec->n_nodes : 1, sizeof *rec->adversary);
    if (rec->adversary == NULL)
        return -1;
    for (uint32_t i = 0; i < rec->n_nodes; i++) {
        rec->adversary[i] = kind[i];
        rec->any_adversary |= kind[i] != NULL;
    }
    return 0;
}

/* The adversary kind of node id (1-based), NULL for an honest or unknown one. */
static const char *adversary_of(const dashrec *rec, uint32_t id)
{
    return rec->adversary && id >= 1 && id <= rec->n_nodes ? rec->adversary[id - 1] : NULL;
}

void dashrec_refuse(dashrec *rec, const dash_command *c, const char *why)
{
    rd_tx *r = record_new(rec);
    if (r == NULL)
        return;
    r->request = c->request_id;
    r->rejected = 1;
    snprintf(r->reason, sizeof r->reason, "%s", why);
    snprintf(r->to_hex, sizeof r->to_hex, "%s", c->to_address);
    r->amount = c->amount;
    r->from_wallet = c->from_wallet;
}

void dashrec_submitted(dashrec *rec, const dash_command *cmd, tx *t, const char *refusal)
{
    if (t == NULL) {
        dashrec_refuse(rec, cmd, refusal ? refusal : "refused");
        return;
    }
    rd_tx *r = record_of(rec, t);
    if (r == NULL)
        return;
    r->request = cmd->request_id;
    if (refusal) {
        r->rejected = 1;
        snprintf(r->reason, sizeof r->reason, "%s", refusal);
    }
}

static void add_hash(cJSON *obj, const char *key, const hash256 *h)
{
    char hex[65];
    hash_to_hex(hex, h);
    cJSON_AddStringToObject(obj, key, hex);
}

/* The best node: online with the most work (then the lowest id); else any started. */
int dashrec_best_node(const rundash_state *st, uint32_t n)
{
    int best = -1;
    for (int pass = 0; pass < 2 && best < 0; pass++)
        for (uint32_t i = 0; i < n; i++) {
            const rundash_node *x = &st->nodes[i];
            if (x->n == NULL || (pass == 0 && !x->online))
                continue;
            if (best < 0 ||
                u256_cmp(chain_entry_work(chain_tip(node_chain(x->n))),
                         chain_entry_work(chain_tip(node_chain(st->nodes[best].n)))) > 0)
                best = (int)i;
        }
    return best;
}

/* Remembers b unless known. */
static int add_record(dashrec *rec, const dashfar_block *b)
{
    if (hmap_get(rec->blocks, &b->id))
        return 0;
    rd_block rb;
    memset(&rb, 0, sizeof rb);
    rb.height = b->height;
    rb.n_tx = b->n_tx;
    if (b->has_parent) {
        rb.parent = b->parent;
        rb.has_parent = 1;
        const uint32_t *who = b->has_producer ? hmap_get(rec->producers, b->producer) : NULL;
        rb.producer = who ? *who : 0;
        rb.has_slot = b->has_slot;
        rb.slot = b->slot;
        rb.has_empty = b->has_empty;
        rb.empty_before = b->empty_before;
    }
    rb.time_ns = (b->header_time - rec->genesis_time_s) * TIMEUNIT_NS_PER_S;
    rb.published_ns = -1;
    return hmap_put(rec->blocks, &b->id, &rb) < 0 ? -1 : 0;
}

/* Remembers the blocks of c's active chain down to floor (or a known one). */
static int remember_blocks(dashrec *rec, const chain *c, uint32_t floor)
{
    for (const chain_entry *e = chain_tip(c); e && chain_entry_height(e) >= floor;
         e = chain_entry_parent(e)) {
        if (hmap_get(rec->blocks, chain_entry_id(e)))
            break;
        dashfar_block b;
        dashfar_block_of(&b, c, e);
        if (add_record(rec, &b) != 0)
            return -1;
    }
    return 0;
}

int dashrec_add_far(dashrec *rec, const dashfar_block *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (add_record(rec, &b[i]) != 0)
            return -1;
    return 0;
}

/* The parent of a remembered block, or NULL (unknown, genesis). */
static const hash256 *parent_of(const dashrec *rec, const hash256 *id)
{
    const rd_block *b = hmap_get(rec->blocks, id);
    return b && b->has_parent ? &b->parent : NULL;
}

/* 1 when id, at height h, is on the chain that ends at tip (height tip_h),
 * walking back through remembered blocks. */
static int on_chain_of(const dashrec *rec, const hash256 *tip, uint32_t tip_h, const hash256 *id,
                       uint32_t h)
{
    if (h > tip_h)
        return 0;
    const hash256 *at = tip;
    for (uint32_t k = tip_h; at && k > h; k--)
        at = parent_of(rec, at);
    return at && hash_eq(at, id);
}

int dashrec_far_reorg(const dashrec *rec, const hash256 *old_tip, const hash256 *new_tip,
                      uint32_t *depth)
{
    *depth = 0;
    const rd_block *ob = hmap_get(rec->blocks, old_tip), *nb = hmap_get(rec->blocks, new_tip);
    if (ob == NULL || nb == NULL)
        return 0;
    const hash256 *a = old_tip, *b = new_tip;
    uint32_t ha = ob->height, hb = nb->height, d = 0;
    for (; a && ha > hb; ha--, d++)
        a = parent_of(rec, a);
    for (; b && hb > ha; hb--)
        b = parent_of(rec, b);
    while (a && b && !hash_eq(a, b)) {
        a = parent_of(rec, a);
        b = parent_of(rec, b);
        d++;
    }
    if (a == NULL || b == NULL || d == 0)
        return 0; /* unknown below, or old_tip is on the new chain */
    *depth = d;
    return 1;
}

typedef struct listed_block {
    hash256 id;
    const rd_block *b;
} listed_block;

static int listed_cmp(const void *x, const void *y)
{
    const listed_block *a = x, *b = y;
    if (a->b->height != b->b->height)
        return a->b->height < b->b->height ? -1 : 1;
    if (a->b->time_ns != b->b->time_ns)
        return a->b->time_ns < b->b->time_ns ? -1 : 1;
    return memcmp(a->id.b, b->id.b, sizeof a->id.b);
}

void dashrec_mark_reorg(dashrec *rec, const hash256 *old_tip, uint32_t depth)
{
    rd_block *b = hmap_get(rec->blocks, old_tip);
    if (b && depth > b->reorg_depth)
        b->reorg_depth = depth;
}

/* 1 when node i of st holds id, at height h: a local node's block tree (a
 * side branch counts); a far node's active chain at this or an earlier
 * sample (dashrec_observe marks them: a node keeps the blocks it had, as
 * a local node's tree does), or above FAR_SEEN_NODES its active chain now
 * (walked back from the tip its process sent through the remembered
 * blocks). */
static int node_holds(const dashrec *rec, const rundash_state *st, uint32_t i, const hash256 *id,
                      uint32_t h)
{
    const rundash_node *x = &st->nodes[i];
    if (x->n)
        return chain_lookup(node_chain(x->n), id) != NULL;
    if (i < FAR_SEEN_NODES) {
        const rd_block *b = hmap_get(rec->blocks, id);
        return b && (b->far_seen >> i & 1);
    }
    return x->far && on_chain_of(rec, &x->far_tip, x->far_height, id, h);
}

/* Marks the blocks of each far node's active chain, from its tip down to
 * floor, as held by it (nodes below FAR_SEEN_NODES). A block already marked
 * ends the walk: the blocks below it were marked with it. */
static void mark_far_chains(dashrec *rec, const rundash_state *st, uint32_t floor)
{
    for (uint32_t i = 0; i < rec->n_nodes && i < FAR_SEEN_NODES; i++) {
        const rundash_node *x = &st->nodes[i];
        if (x->n || !x->far)
            continue;
        const hash256 *at = &x->far_tip;
        for (rd_block *b; at && (b = hmap_get(rec->blocks, at)) != NULL && b->height >= floor;
             at = b->has_parent ? &b->parent : NULL) {
            if (b->far_seen >> i & 1)
                break;
            b->far_seen |= (uint64_t)1 << i;
        }
    }
}

/* "seen_by": the nodes that hold id (node_holds). */
static void add_seen_by(cJSON *o, const dashrec *rec, const rundash_state *st, uint32_t n_nodes,
                        const hash256 *id, uint32_t h)
{
    cJSON *list = cJSON_AddArrayToObject(o, "seen_by");
    for (uint32_t i = 0; list && i < n_nodes; i++)
        if (node_holds(rec, st, i, id, h))
            cJSON_AddItemToArray(list, cJSON_CreateNumber(i + 1));
}

cJSON *dashrec_blocks_doc(dashrec *rec, const rundash_state *st, uint32_t best_h)
{
    uint32_t floor = best_h > RECENT_HEIGHTS ? best_h - RECENT_HEIGHTS : 0;
    size_t cap = hmap_count(rec->blocks), n = 0, pos = 0;
    listed_block *list = malloc((cap ? cap : 1) * sizeof *list);
    hash256 *stale = malloc((cap ? cap : 1) * sizeof *stale);
    if (list == NULL || stale == NULL) {
        free(list);
        free(stale);
        return NULL;
    }
    size_t n_stale = 0;
    const void *key;
    void *val;
    while (hmap_next(rec->blocks, &pos, &key, &val)) {
        const rd_block *b = val;
        if (b->height + KEEP_HEIGHTS < best_h)
            memcpy(&stale[n_stale++], key, sizeof(hash256));
        else if (b->height >= floor) {
            memcpy(&list[n].id, key, sizeof(hash256));
            list[n++].b = b;
        }
    }
    qsort(list, n, sizeof *list, listed_cmp);
    cJSON *doc = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(doc, "blocks");
    for (size_t i = 0; arr && i < n; i++) {
        const rd_block *b = list[i].b;
        cJSON *o = cJSON_CreateObject();
        if (o == NULL)
            break;
        add_hash(o, "id", &list[i].id);
        if (b->has_parent)
            add_hash(o, "parent", &b->parent);
        else
            cJSON_AddNullToObject(o, "parent");
        cJSON_AddNumberToObject(o, "height", b->height);
        if (b->producer)
            cJSON_AddNumberToObject(o, "producer", b->producer);
        else
            cJSON_AddNullToObject(o, "producer");
        cJSON_AddNumberToObject(o, "time_ns", (double)b->time_ns);
        cJSON_AddNumberToObject(o, "txs", (double)(b->n_tx ? b->n_tx - 1 : 0));
        if (b->reorg_depth)
            cJSON_AddNumberToObject(o, "reorg_depth", b->reorg_depth);
        if (b->has_slot) {
            cJSON_AddNumberToObject(o, "slot", (double)b->slot);
            if (b->has_empty)
                cJSON_AddNumberToObject(o, "empty_before", (double)b->empty_before);
        }
        const char *adv = adversary_of(rec, b->producer);
        if (adv) {
            cJSON_AddStringToObject(o, "adversary", adv);
            if (b->published_ns >= 0)
                cJSON_AddNumberToObject(o, "published_ns", (double)b->published_ns);
            else
                cJSON_AddNullToObject(o, "published_ns");
        }
        if (st && rec->n_nodes <= SEEN_BY_NODES)
            add_seen_by(o, rec, st, rec->n_nodes, &list[i].id, b->height);
        cJSON_AddItemToArray(arr, o);
    }
    free(list);
    for (size_t i = 0; i < n_stale; i++)
        hmap_del(rec->blocks, &stale[i]);
    free(stale);
    return doc;
}

/* Records the transactions of the best chain's recent blocks, oldest first,
 * and those in mempools. */
static int scan_transactions(dashrec *rec, const rundash_state *st, const chain *bc)
{
    uint32_t tip_h = chain_height(bc);
    uint32_t floor = tip_h > RECENT_HEIGHTS ? tip_h - RECENT_HEIGHTS : 0;
    for (uint32_t h = floor; h <= tip_h; h++) {
        const chain_entry *e = chain_at_height(bc, h);
        const block *b = chain_entry_block(e);
        for (size_t i = 1; i < block_n_tx(b); i++) {
            rd_tx *r = record_of(rec, block_tx(b, i));
            if (r == NULL)
                return -1;
            r->in_block = 1;
            r->block = *chain_entry_id(e);
            r->height = h;
        }
    }
    int best = dashrec_best_node(st, rec->n_nodes);
    tx **pool = NULL;
    for (uint32_t i = 0; i < rec->n_nodes; i++) {
        const rundash_node *x = &st->nodes[i];
        if (x->n == NULL || !x->online || (rec->n_nodes > MEMPOOL_SCAN_NODES && (int)i != best))
            continue;
        const mempool *mp = node_mempool(x->n);
        size_t count = mempool_count(mp);
        if (count == 0)
            continue;
        tx **grown = realloc(pool, count * sizeof *grown);
        if (grown == NULL) {
            free(pool);
            return -1;
        }
        pool = grown;
        uint64_t fees;
        size_t got = mempool_select(mp, pool, count, SIZE_MAX, &fees);
        for (size_t k = 0; k < got; k++) {
            rd_tx *r = record_of(rec, pool[k]);
            if (r == NULL) {
                free(pool);
                return -1;
            }
            r->seen_gen = rec->gen;
        }
    }
    free(pool);
    return 0;
}

/* The owner of the output that t's first input spends, or NULL. */
static const uint8_t *sender_of(dashrec *rec, const tx *t)
{
    if (tx_n_in(t) == 0 || tx_is_coinbase(t))
        return NULL;
    const tx_in *in = tx_input(t, 0);
    size_t *at = hmap_get(rec->tx_index, &in->prev_txid);
    if (at == NULL || rec->txs[*at].t == NULL || in->prev_index >= tx_n_out(rec->txs[*at].t))
        return NULL;
    return tx_output(rec->txs[*at].t, in->prev_index)->owner;
}

static cJSON *tx_view(dashrec *rec, const rd_tx *r, const chain *bc, const wallet_set *ws)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    char hex[129];
    if (r->t == NULL) {
        cJSON_AddNullToObject(o, "id");
        if (r->from_wallet >= 1 && r->from_wallet <= (int64_t)wallet_count(ws)) {
            hex_encode(hex, wallet_public(ws, (uint32_t)(r->from_wallet - 1)), KEYS_PUB_BYTES);
            cJSON_AddStringToObject(o, "from", hex);
        } else {
            cJSON_AddNullToObject(o, "from");
        }
        cJSON_AddStringToObject(o, "to", r->to_hex);
        cJSON_AddNumberToObject(o, "amount", (double)r->amount);
    } else {
        add_hash(o, "id", &r->txid);
        const uint8_t *from = sender_of(rec, r->t);
        const uint8_t *to = NULL;
        uint64_t amount = 0;
        for (size_t i = 0; i < tx_n_out(r->t); i++) {
            const tx_out *out = tx_output(r->t, i);
            if (from && memcmp(out->owner, from, KEYS_PUB_BYTES) == 0)
                continue; /* change */
            if (to == NULL)
                to = out->owner;
            amount += out->amount;
            if (from == NULL)
                break;
        }
        if (from) {
            hex_encode(hex, from, KEYS_PUB_BYTES);
            cJSON_AddStringToObject(o, "from", hex);
        } else {
            cJSON_AddNullToObject(o, "from");
        }
        if (to) {
            hex_encode(hex, to, KEYS_PUB_BYTES);
            cJSON_AddStringToObject(o, "to", hex);
        } else {
            cJSON_AddNullToObject(o, "to");
        }
        cJSON_AddNumberToObject(o, "amount", (double)amount);
    }
    const char *status = "pending";
    uint32_t confirmations = 0;
    const chain_entry *e = r->in_block ? chain_lookup(bc, &r->block) : NULL;
    if (r->rejected) {
        status = "rejected";
    } else if (e && chain_is_active(bc, e)) {
        confirmations = chain_height(bc) - chain_entry_height(e) + 1;
        status = confirmations >= rec->confirmations ? "confirmed" : "included";
    } else {
        e = NULL;
    }
    cJSON_AddStringToObject(o, "status", status);
    if (r->rejected)
        cJSON_AddStringToObject(o, "reason", r->reason);
    else
        cJSON_AddNullToObject(o, "reason");
    if (e)
        add_hash(o, "block", &r->block);
    else
        cJSON_AddNullToObject(o, "block");
    cJSON_AddNumberToObject(o, "confirmations", confirmations);
    if (r->request)
        cJSON_AddNumberToObject(o, "request", (double)r->request);
    else
        cJSON_AddNullToObject(o, "request");
    return o;
}

cJSON *dashrec_transactions_doc(dashrec *rec, const chain *bc, const wallet_set *ws)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(doc, "transactions");
    size_t listed = 0, first = rec->n_txs;
    while (first > 0 && listed < MAX_LISTED_TXS) {
        first--;
        listed += !rec->txs[first].hidden;
    }
    for (size_t i = first; arr && i < rec->n_txs; i++) {
        if (rec->txs[i].hidden)
            continue;
        cJSON *o = tx_view(rec, &rec->txs[i], bc, ws);
        if (o == NULL)
            break;
        cJSON_AddItemToArray(arr, o);
    }
    return doc;
}

/* An adversary's block is published at the first sample at which a node
 * other than its producer holds it (a side branch counts). */
static void mark_published(dashrec *rec, const rundash_state *st)
{
    if (!rec->any_adversary)
        return;
    size_t pos = 0;
    const void *key;
    void *val;
    while (hmap_next(rec->blocks, &pos, &key, &val)) {
        rd_block *b = val;
        if (b->published_ns >= 0 || adversary_of(rec, b->producer) == NULL)
            continue;
        for (uint32_t i = 0; i < rec->n_nodes; i++)
            if (i + 1 != b->producer && node_holds(rec, st, i, key, b->height)) {
                b->published_ns = st->time_ns;
                break;
            }
    }
}

int dashrec_observe(dashrec *rec, const rundash_state *st, int best)
{
    rec->gen++;
    const chain *bc = best >= 0 ? node_chain(st->nodes[best].n) : NULL;
    uint32_t best_h = bc ? chain_height(bc) : 0;
    uint32_t floor = best_h > RECENT_HEIGHTS ? best_h - RECENT_HEIGHTS : 0;
    for (uint32_t i = 0; i < rec->n_nodes; i++) {
        const rundash_node *x = &st->nodes[i];
        if (x->far && x->far_height > best_h)
            best_h = x->far_height; /* a far node may lead */
    }
    floor = best_h > RECENT_HEIGHTS ? best_h - RECENT_HEIGHTS : 0;
    for (uint32_t i = 0; i < rec->n_nodes; i++)
        if (st->nodes[i].n && remember_blocks(rec, node_chain(st->nodes[i].n), floor) != 0)
            return -1;
    mark_far_chains(rec, st, floor);
    if (bc && scan_transactions(rec, st, bc) != 0)
        return -1;
    mark_published(rec, st);
    return 0;
}
