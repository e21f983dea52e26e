/* The censoring attacker: a miner (PoW) or leader (PoS) that leaves out of
 * every block it builds the payments of chosen wallets, through its node's
 * template filter (core/node.h's node_set_tx_filter): a transaction is
 * left out when one of its inputs spends a coin owned by a censored
 * wallet, as the node sees it (its chain's coins, its mempool's outputs),
 * and so is one that spends an output of a transaction left out. It is
 * otherwise honest: it relays those payments and accepts the others'
 * blocks that hold them, so they are confirmed only in blocks of the
 * others, later. */
#include "adversary_impl.h"

#include "chain.h"
#include "utxo.h"

#include <stdlib.h>
#include <string.h>

/* The owner of the coin in spends, or NULL when n knows none. */
static const uint8_t *coin_owner(const node *n, const tx_in *in)
{
    tx_outpoint op = {in->prev_txid, in->prev_index};
    const utxo_coin *coin = utxo_get(chain_utxo(node_chain(n)), &op);
    if (coin != NULL)
        return coin->owner;
    const tx *parent = mempool_get(node_mempool(n), &in->prev_txid);
    if (parent != NULL && in->prev_index < tx_n_out(parent))
        return tx_output(parent, in->prev_index)->owner;
    return NULL;
}

int adversary_censors(const adversary *a, const node *n, const tx *t)
{
    for (size_t i = 0; i < tx_n_in(t); i++) {
        const uint8_t *owner = coin_owner(n, tx_input(t, i));
        for (size_t w = 0; owner != NULL && w < a->cfg->n_censored; w++)
            if (memcmp(owner, wallet_public(a->ws, a->cfg->censored[w]), KEYS_PUB_BYTES) == 0)
                return 1;
    }
    return 0;
}

/* The node's template filter: refuses (and counts) what a censors. */
static int keep_tx(void *ctx, const node *n, const tx *t)
{
    adversary *a = ctx;
    if (!adversary_censors(a, n, t))
        return 1;
    if (hmap_put(a->censored_txs, tx_id(t), NULL) < 0)
        abort(); /* out of memory: the count would be wrong */
    return 0;
}

int adversary_censor_start(adversary *a, node *n)
{
    if (a->censored_txs == NULL && hmap_new(&a->censored_txs, sizeof(hash256), 0) != 0)
        return -1;
    node_set_tx_filter(n, keep_tx, a);
    return 0;
}

size_t adversary_censored(const adversary *a)
{
    return (a->censored_txs != NULL ? hmap_count(a->censored_txs) : 0) + a->censored_elsewhere;
}

int adversary_censor_report(cJSON *obj, const adversary *a)
{
    return cJSON_AddNumberToObject(obj, "txs_censored", (double)adversary_censored(a)) != NULL ? 0
                                                                                               : -1;
}
