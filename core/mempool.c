/* The pool is a map txid -> entry (transaction, fee, arrival number) and a
 * map outpoint -> txid of the pool transaction spending it, which is what
 * finds double spends. After a block the pool is rebuilt by re-adding every
 * candidate in a defined order (transactions of disconnected blocks, oldest
 * first, then the pool in arrival order): each is validated afresh against
 * the new tip, with signatures answered by the run's signature cache, so
 * the rules live in one place (mempool_add) and a parent always comes
 * before its children. */
#include "mempool.h"

#include "hmap.h"
#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct entry {
    tx *t;
    uint64_t fee;
    uint64_t seq;
};

struct mempool {
    size_t max_txs;
    hmap *txs;   /* txid -> struct entry */
    hmap *spent; /* outpoint (36) -> txid of the spender */
    uint64_t next_seq;
    size_t bytes;
};

int mempool_new(mempool **out, size_t max_txs)
{
    mempool *mp = calloc(1, sizeof *mp);
    *out = NULL;
    if (mp == NULL)
        return -1;
    mp->max_txs = max_txs;
    if (hmap_new(&mp->txs, 32, sizeof(struct entry)) != 0 ||
        hmap_new(&mp->spent, TX_OUTPOINT_KEY_BYTES, sizeof(hash256)) != 0) {
        mempool_free(mp);
        return -1;
    }
    *out = mp;
    return 0;
}

static void release_all(mempool *mp)
{
    size_t pos = 0;
    const void *key;
    void *val;
    while (hmap_next(mp->txs, &pos, &key, &val))
        tx_unref(((struct entry *)val)->t);
    hmap_clear(mp->txs);
    hmap_clear(mp->spent);
    mp->bytes = 0;
}

void mempool_free(mempool *mp)
{
    if (mp == NULL)
        return;
    if (mp->txs != NULL)
        release_all(mp);
    hmap_free(mp->txs);
    hmap_free(mp->spent);
    free(mp);
}

static void outpoint_key(uint8_t key[TX_OUTPOINT_KEY_BYTES], const tx_in *in)
{
    tx_outpoint_key(key, &in->prev_txid, in->prev_index);
}

struct lookup_ctx {
    const mempool *mp;
    const utxo_set *utxo;
    utxo_coin scratch;
};

/* A coin from the UTXO set, or an output of a pool transaction. */
static const utxo_coin *lookup(void *ctx, const tx_outpoint *op)
{
    struct lookup_ctx *lc = ctx;
    const utxo_coin *coin = utxo_get(lc->utxo, op);
    if (coin != NULL)
        return coin;
    const struct entry *parent = hmap_get(lc->mp->txs, op->txid.b);
    if (parent == NULL || op->index >= tx_n_out(parent->t))
        return NULL;
    const tx_out *out = tx_output(parent->t, op->index);
    memset(&lc->scratch, 0, sizeof lc->scratch);
    lc->scratch.amount = out->amount;
    memcpy(lc->scratch.owner, out->owner, KEYS_PUB_BYTES);
    lc->scratch.height = UINT32_MAX; /* unconfirmed */
    return &lc->scratch;
}

static reason say(char *msg, size_t msg_len, reason r, const tx *t, const char *detail)
{
    if (msg == NULL || msg_len == 0)
        return r; /* nothing to explain to: skip the formatting */
    char hex[65];
    hash_to_hex(hex, tx_id(t));
    snprintf(msg, msg_len, "tx %s: %s%s", hex, reason_message(r), detail ? detail : "");
    return r;
}

/* mempool_add; explain says whether a missing input is traced back to a
 * spend on the chain (a scan of the chain: skipped when re-adding after a
 * block, where only the verdict matters). */
static reason add_tx(mempool *mp, const chain *c, tx *t, char *msg, size_t msg_len, int explain)
{
    char detail[240];
    if (tx_is_coinbase(t))
        return say(msg, msg_len, REASON_TX_COINBASE_LOOSE, t, NULL);
    tx_outpoint own = {*tx_id(t), 0};
    if (hmap_get(mp->txs, tx_id(t)->b) != NULL || utxo_get(chain_utxo(c), &own) != NULL)
        return say(msg, msg_len, REASON_TX_DUPLICATE, t, NULL);
    reason r = validate_tx_shape(t, chain_params_of(c)->max_block_bytes, msg, msg_len);
    if (r != REASON_OK)
        return r;
    for (size_t i = 0; i < tx_n_in(t); i++) {
        uint8_t key[TX_OUTPOINT_KEY_BYTES];
        outpoint_key(key, tx_input(t, i));
        const hash256 *spender = hmap_get(mp->spent, key);
        if (spender != NULL) {
            char hex[17];
            validate_short_id(hex, spender);
            snprintf(detail, sizeof detail, " (input %zu, spent by pool tx %s)", i, hex);
            return say(msg, msg_len, REASON_TX_MEMPOOL_CONFLICT, t, detail);
        }
    }
    struct lookup_ctx lc = {mp, chain_utxo(c), {0}};
    uint64_t fee;
    r = validate_tx_inputs(lookup, &lc, chain_sigcache(c), t, &fee, msg, msg_len);
    if (r == REASON_TX_MISSING_INPUT && explain) {
        for (size_t i = 0; i < tx_n_in(t); i++) {
            tx_outpoint op = {tx_input(t, i)->prev_txid, tx_input(t, i)->prev_index};
            if (lookup(&lc, &op) == NULL && chain_spent_on_active(c, &op)) {
                snprintf(detail, sizeof detail, " (input %zu)", i);
                return say(msg, msg_len, REASON_TX_ALREADY_SPENT, t, detail);
            }
        }
    }
    if (r != REASON_OK)
        return r;
    if (hmap_count(mp->txs) >= mp->max_txs)
        return say(msg, msg_len, REASON_TX_MEMPOOL_FULL, t, NULL);
    struct entry e = {t, fee, mp->next_seq++};
    if (hmap_put(mp->txs, tx_id(t)->b, &e) < 0)
        return say(msg, msg_len, REASON_NO_MEMORY, t, NULL);
    for (size_t i = 0; i < tx_n_in(t); i++) {
        uint8_t key[TX_OUTPOINT_KEY_BYTES];
        outpoint_key(key, tx_input(t, i));
        if (hmap_put(mp->spent, key, tx_id(t)) < 0) {
            for (size_t k = 0; k < i; k++) {
                outpoint_key(key, tx_input(t, k));
                hmap_del(mp->spent, key);
            }
            hmap_del(mp->txs, tx_id(t)->b);
            return say(msg, msg_len, REASON_NO_MEMORY, t, NULL);
        }
    }
    tx_ref(t);
    mp->bytes += tx_size(t);
    return say(msg, msg_len, REASON_OK, t, NULL);
}

reason mempool_add(mempool *mp, const chain *c, tx *t, char *msg, size_t msg_len)
{
    return add_tx(mp, c, t, msg, msg_len, 1);
}

static int by_seq(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

reason mempool_update(mempool *mp, const chain *c, const chain_result *res)
{
    if (!res->tip_changed)
        return REASON_OK;
    size_t n = hmap_count(mp->txs), n_cand = 0, pos = 0;
    for (size_t i = 0; i < res->n_disconnected; i++)
        n_cand += block_n_tx(res->disconnected[i]);
    struct entry *old = malloc((n ? n : 1) * sizeof *old);
    tx **cand = malloc((n_cand + n + 1) * sizeof *cand);
    if (old == NULL || cand == NULL) {
        free(old);
        free(cand);
        return REASON_NO_MEMORY;
    }
    const void *key;
    void *val;
    size_t k = 0;
    while (hmap_next(mp->txs, &pos, &key, &val))
        old[k++] = *(struct entry *)val;
    qsort(old, n, sizeof *old, by_seq);
    k = 0;
    /* res->disconnected runs from the old tip down: take it oldest first. */
    for (size_t i = res->n_disconnected; i-- > 0;) {
        const block *b = res->disconnected[i];
        for (size_t j = 1; j < block_n_tx(b); j++)
            cand[k++] = tx_ref(block_tx(b, j));
    }
    for (size_t i = 0; i < n; i++)
        cand[k++] = tx_ref(old[i].t);
    release_all(mp);
    reason status = REASON_OK;
    for (size_t i = 0; i < k; i++) {
        if (add_tx(mp, c, cand[i], NULL, 0, 0) == REASON_NO_MEMORY)
            status = REASON_NO_MEMORY;
        tx_unref(cand[i]);
    }
    free(old);
    free(cand);
    return status;
}

struct ranked {
    const struct entry *e;
};

/* Fee rate order: a.fee/a.size > b.fee/b.size first, then txid bytes. */
static int by_rate(const void *pa, const void *pb)
{
    const struct entry *a = ((const struct ranked *)pa)->e, *b = ((const struct ranked *)pb)->e;
    unsigned __int128 lhs = (unsigned __int128)a->fee * tx_size(b->t);
    unsigned __int128 rhs = (unsigned __int128)b->fee * tx_size(a->t);
    if (lhs != rhs)
        return lhs > rhs ? -1 : 1;
    return memcmp(tx_id(a->t)->b, tx_id(b->t)->b, 32);
}

size_t mempool_select(const mempool *mp, tx **out, size_t max_out, size_t max_bytes, uint64_t *fees)
{
    size_t n = hmap_count(mp->txs), pos = 0, k = 0, chosen = 0, bytes = 0;
    *fees = 0;
    if (n == 0 || max_out == 0)
        return 0;
    struct ranked *list = malloc(n * sizeof *list);
    uint8_t *taken = calloc(n, 1);
    hmap *in_block = NULL;
    if (list == NULL || taken == NULL || hmap_new(&in_block, 32, 0) != 0)
        goto done;
    const void *key;
    void *val;
    while (hmap_next(mp->txs, &pos, &key, &val))
        list[k++].e = val;
    qsort(list, n, sizeof *list, by_rate);
    /* Greedy passes: a transaction waits until the pool parents it spends
     * are in; each pass takes what became possible, best rate first. */
    for (int progress = 1; progress && chosen < max_out;) {
        progress = 0;
        for (size_t i = 0; i < n && chosen < max_out; i++) {
            if (taken[i])
                continue;
            const tx *t = list[i].e->t;
            if (bytes + tx_size(t) > max_bytes)
                continue;
            int ready = 1;
            for (size_t q = 0; q < tx_n_in(t) && ready; q++) {
                const hash256 *parent = &tx_input(t, q)->prev_txid;
                if (hmap_get(mp->txs, parent->b) != NULL && hmap_get(in_block, parent->b) == NULL)
                    ready = 0;
            }
            if (!ready)
                continue;
            if (hmap_put(in_block, tx_id(t)->b, NULL) < 0)
                goto done;
            taken[i] = 1;
            out[chosen++] = list[i].e->t;
            bytes += tx_size(t);
            *fees += list[i].e->fee;
            progress = 1;
            break; /* restart: a parent just taken may free a better child */
        }
    }
done:
    free(list);
    free(taken);
    hmap_free(in_block);
    return chosen;
}

size_t mempool_count(const mempool *mp)
{
    return hmap_count(mp->txs);
}

size_t mempool_bytes(const mempool *mp)
{
    return mp->bytes;
}

tx *mempool_get(const mempool *mp, const hash256 *txid)
{
    const struct entry *e = hmap_get(mp->txs, txid->b);
    return e ? e->t : NULL;
}

uint64_t mempool_fee(const mempool *mp, const hash256 *txid)
{
    const struct entry *e = hmap_get(mp->txs, txid->b);
    return e ? e->fee : 0;
}
