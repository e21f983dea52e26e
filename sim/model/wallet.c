/* Wallets: keys from the run seed, coins learned by scanning the host
 * node's active chain, payments built from coins unspent on that chain.
 * A coin a wallet used is "pending" until it disappears from the UTXO set
 * (the payment confirmed) or the payment is refused (wallet_release); a
 * pending coin still unspent after PENDING_RETRY_NS is used again (its
 * payment was lost, for example dropped as a double spend). */
#include "wallet.h"
#include "timeunit.h"

#include "hmap.h"
#include "keys.h"

#include <openssl/crypto.h>

#include <stdlib.h>
#include <string.h>

#define PENDING_RETRY_NS (600 * TIMEUNIT_NS_PER_S)
#define MAX_INPUTS 20

typedef struct coin {
    tx_outpoint op;
    uint64_t amount;
    int64_t pending_since_ns; /* -1 when free */
} coin;

typedef struct wallet {
    keys_pair *key;
    coin *coins; /* in the order learned (oldest first) */
    size_t n_coins, cap_coins;
    hmap *known; /* tx_outpoint -> (set) coins ever learned, to skip rescans */
} wallet;

typedef struct scan_state {
    const chain *c;          /* the chain object scanned (restarts replace it) */
    const chain_entry *last; /* last block scanned; NULL: nothing yet */
} scan_state;

struct wallet_set {
    uint32_t n_wallets, n_nodes;
    wallet *w;
    tx_out *genesis_outs;
    size_t n_genesis_outs;
    hmap *by_pub;     /* pub -> uint32 wallet */
    scan_state *scan; /* per node */
};

#define WALLET_MSG(code, msg) [code] = msg,
static const char *const wallet_messages[] = {WALLET_STATUS_MAP(WALLET_MSG)};
#undef WALLET_MSG

const char *wallet_status_message(wallet_status status)
{
    return wallet_messages[status];
}

int wallet_set_new(wallet_set **out, uint32_t n_wallets, uint64_t run_seed, uint32_t n_nodes,
                   uint32_t coins_each, uint64_t coin_amount)
{
    wallet_set *ws = calloc(1, sizeof *ws);
    *out = NULL;
    if (ws == NULL)
        return -1;
    ws->n_wallets = n_wallets;
    ws->n_nodes = n_nodes;
    ws->w = calloc(n_wallets ? n_wallets : 1, sizeof *ws->w);
    ws->scan = calloc(n_nodes ? n_nodes : 1, sizeof *ws->scan);
    ws->n_genesis_outs = (size_t)n_wallets * coins_each;
    ws->genesis_outs = calloc(ws->n_genesis_outs ? ws->n_genesis_outs : 1, sizeof(tx_out));
    if (ws->w == NULL || ws->scan == NULL || ws->genesis_outs == NULL ||
        hmap_new(&ws->by_pub, KEYS_PUB_BYTES, sizeof(uint32_t)) != 0)
        goto fail;
    for (uint32_t i = 0; i < n_wallets; i++) {
        uint8_t seed[KEYS_SEED_BYTES];
        keys_derive_seed(seed, run_seed, "wallet", i);
        int rc = keys_pair_new(&ws->w[i].key, seed);
        OPENSSL_cleanse(seed, sizeof seed);
        if (rc != 0 || hmap_new(&ws->w[i].known, sizeof(tx_outpoint), 0) != 0 ||
            hmap_put(ws->by_pub, keys_pair_public(ws->w[i].key), &i) < 0)
            goto fail;
        for (uint32_t k = 0; k < coins_each; k++) {
            tx_out *o = &ws->genesis_outs[(size_t)i * coins_each + k];
            o->amount = coin_amount;
            memcpy(o->owner, keys_pair_public(ws->w[i].key), KEYS_PUB_BYTES);
        }
    }
    *out = ws;
    return 0;
fail:
    wallet_set_free(ws);
    return -1;
}

void wallet_set_free(wallet_set *ws)
{
    if (ws == NULL)
        return;
    for (uint32_t i = 0; ws->w && i < ws->n_wallets; i++) {
        keys_pair_free(ws->w[i].key);
        free(ws->w[i].coins);
        hmap_free(ws->w[i].known);
    }
    free(ws->w);
    free(ws->scan);
    free(ws->genesis_outs);
    hmap_free(ws->by_pub);
    free(ws);
}

uint32_t wallet_count(const wallet_set *ws)
{
    return ws->n_wallets;
}

uint32_t wallet_host(const wallet_set *ws, uint32_t w)
{
    return w % ws->n_nodes;
}

const uint8_t *wallet_public(const wallet_set *ws, uint32_t w)
{
    return keys_pair_public(ws->w[w].key);
}

const keys_pair *wallet_key(const wallet_set *ws, uint32_t w)
{
    return ws->w[w].key;
}

uint32_t wallet_find(const wallet_set *ws, const uint8_t pub[KEYS_PUB_BYTES])
{
    const uint32_t *w = hmap_get(ws->by_pub, pub);
    return w ? *w : UINT32_MAX;
}

const tx_out *wallet_genesis_outputs(const wallet_set *ws, size_t *n)
{
    *n = ws->n_genesis_outs;
    return ws->genesis_outs;
}

static int learn(wallet *w, const tx_outpoint *op, uint64_t amount)
{
    int fresh = hmap_put(w->known, op, NULL);
    if (fresh <= 0)
        return fresh; /* known already (0) or out of memory (-1) */
    if (w->n_coins == w->cap_coins) {
        size_t cap = w->cap_coins ? 2 * w->cap_coins : 16;
        coin *c = realloc(w->coins, cap * sizeof *c);
        if (c == NULL)
            return -1;
        w->coins = c;
        w->cap_coins = cap;
    }
    w->coins[w->n_coins++] = (coin){*op, amount, -1};
    return 0;
}

static int scan_block(wallet_set *ws, uint32_t node, const block *b)
{
    for (size_t i = 0; i < block_n_tx(b); i++) {
        const tx *t = block_tx(b, i);
        for (size_t o = 0; o < tx_n_out(t); o++) {
            const tx_out *out = tx_output(t, o);
            uint32_t w = wallet_find(ws, out->owner);
            if (w == UINT32_MAX || wallet_host(ws, w) != node)
                continue;
            tx_outpoint op = {*tx_id(t), (uint32_t)o};
            if (learn(&ws->w[w], &op, out->amount) < 0)
                return -1;
        }
    }
    return 0;
}

void wallet_forget_scan(wallet_set *ws, uint32_t node)
{
    ws->scan[node].c = NULL;
    ws->scan[node].last = NULL;
}

int wallet_scan(wallet_set *ws, uint32_t node, const chain *c)
{
    scan_state *s = &ws->scan[node];
    if (s->c != c) {
        s->c = c;
        s->last = NULL;
    }
    const chain_entry *tip = chain_tip(c);
    uint32_t from = 0;
    if (s->last) {
        const chain_entry *anc = chain_common_ancestor(s->last, tip);
        from = chain_entry_height(anc) + 1;
    }
    for (uint32_t h = from; h <= chain_entry_height(tip); h++)
        if (scan_block(ws, node, chain_entry_block(chain_at_height(c, h))) != 0)
            return -1;
    s->last = tip;
    return 0;
}

/* Picks free confirmed coins (oldest first) worth at least need; drops
 * coins the chain no longer has unless they are pending. Returns the count
 * chosen (indexes in pick) or 0 when the funds are not there. */
static size_t choose(wallet *w, size_t pick[MAX_INPUTS], const chain *c, uint64_t need,
                     int64_t now_ns, uint64_t *total)
{
    const utxo_set *u = chain_utxo(c);
    size_t n = 0, keep = 0;
    *total = 0;
    for (size_t i = 0; i < w->n_coins; i++) {
        coin *k = &w->coins[i];
        const utxo_coin *uc = utxo_get(u, &k->op);
        if (uc == NULL) {
            /* Spent, or not on this chain (any more): forget it; a block
             * that brings it back is scanned and teaches it again. */
            hmap_del(w->known, &k->op);
            continue;
        }
        w->coins[keep] = *k;
        k = &w->coins[keep++];
        int is_free = k->pending_since_ns < 0 || now_ns - k->pending_since_ns >= PENDING_RETRY_NS;
        if (is_free && *total < need && n < MAX_INPUTS) {
            pick[n++] = keep - 1;
            *total += k->amount;
        }
    }
    w->n_coins = keep;
    return *total >= need ? n : 0;
}

static wallet_status build(wallet_set *ws, tx **out, uint32_t wi, const size_t *pick, size_t n,
                           uint64_t total, const uint8_t to[KEYS_PUB_BYTES], uint64_t amount,
                           uint64_t fee)
{
    wallet *w = &ws->w[wi];
    tx_in ins[MAX_INPUTS];
    const keys_pair *signers[MAX_INPUTS];
    tx_out outs[2];
    size_t n_out = 1;
    memset(ins, 0, sizeof ins);
    for (size_t i = 0; i < n; i++) {
        ins[i].prev_txid = w->coins[pick[i]].op.txid;
        ins[i].prev_index = w->coins[pick[i]].op.index;
        signers[i] = w->key;
    }
    outs[0].amount = amount;
    memcpy(outs[0].owner, to, KEYS_PUB_BYTES);
    if (total - amount - fee > 0) {
        outs[1].amount = total - amount - fee;
        memcpy(outs[1].owner, keys_pair_public(w->key), KEYS_PUB_BYTES);
        n_out = 2;
    }
    return tx_new_signed(out, ins, n, outs, n_out, signers) == 0 ? WALLET_OK : WALLET_NO_MEMORY;
}

/* Builds n_pay payments of amount (to tos[i]) that all spend the same coins
 * of wallet w: one payment, or the two halves of a double spend. */
static wallet_status pay(wallet_set *ws, tx **outs, const uint8_t *const *tos, size_t n_pay,
                         uint32_t w, const chain *c, uint64_t amount, uint64_t fee, int64_t now_ns)
{
    size_t pick[MAX_INPUTS];
    uint64_t total;
    for (size_t i = 0; i < n_pay; i++)
        outs[i] = NULL;
    if (amount == 0 || amount > TX_MAX_MONEY || fee > TX_MAX_MONEY - amount)
        return WALLET_BAD_AMOUNT;
    size_t n = choose(&ws->w[w], pick, c, amount + fee, now_ns, &total);
    if (n == 0)
        return WALLET_NO_FUNDS;
    for (size_t i = 0; i < n_pay; i++) {
        wallet_status st = build(ws, &outs[i], w, pick, n, total, tos[i], amount, fee);
        if (st != WALLET_OK) {
            for (size_t k = 0; k < i; k++) {
                tx_unref(outs[k]);
                outs[k] = NULL;
            }
            return st;
        }
    }
    for (size_t i = 0; i < n; i++)
        ws->w[w].coins[pick[i]].pending_since_ns = now_ns;
    return WALLET_OK;
}

wallet_status wallet_pay(wallet_set *ws, tx **out, uint32_t w, const chain *c,
                         const uint8_t to[KEYS_PUB_BYTES], uint64_t amount, uint64_t fee,
                         int64_t now_ns)
{
    return pay(ws, out, &to, 1, w, c, amount, fee, now_ns);
}

wallet_status wallet_pay_twice(wallet_set *ws, tx **out_a, tx **out_b, uint32_t w, const chain *c,
                               const uint8_t to_a[KEYS_PUB_BYTES],
                               const uint8_t to_b[KEYS_PUB_BYTES], uint64_t amount, uint64_t fee,
                               int64_t now_ns)
{
    tx *outs[2];
    const uint8_t *tos[2] = {to_a, to_b};
    wallet_status st = pay(ws, outs, tos, 2, w, c, amount, fee, now_ns);
    *out_a = outs[0];
    *out_b = outs[1];
    return st;
}

void wallet_release(wallet_set *ws, uint32_t w, const tx *t)
{
    wallet *wl = &ws->w[w];
    for (size_t i = 0; i < tx_n_in(t); i++) {
        const tx_in *in = tx_input(t, i);
        for (size_t k = 0; k < wl->n_coins; k++)
            if (wl->coins[k].op.index == in->prev_index &&
                hash_eq(&wl->coins[k].op.txid, &in->prev_txid))
                wl->coins[k].pending_since_ns = -1;
    }
}

uint64_t wallet_balance(const wallet_set *ws, uint32_t w, const chain *c)
{
    uint64_t sum = 0;
    const wallet *wl = &ws->w[w];
    for (size_t i = 0; i < wl->n_coins; i++)
        if (utxo_get(chain_utxo(c), &wl->coins[i].op))
            sum += wl->coins[i].amount;
    return sum;
}
