/* The byzantine node: an otherwise honest node (it validates, relays and,
 * with a hash rate, mines honestly) that sends its peers one forged block
 * or transaction every interval, going through the kinds of core/forge.h
 * in order: blocks with a bad proof of work, merkle root, coinbase amount
 * or height, bits or time, with a transaction of bad signature, missing
 * input or a double spend, and on top of a block known to be invalid; and
 * transactions with a bad signature, a missing input, outputs above their
 * inputs or one input twice. Under proof of stake the block kinds are a
 * block for a slot the node does not lead and a block in another leader's
 * name with the node's signature; and every block it forges as a leader
 * gets a twin, a second valid block for the same slot (equivocation), which
 * honest nodes take but record as evidence (summary.json's equivocation). Each item is sent whole
 * (`block` or `tx`) to every peer. It acts when a new tip reaches it at or after each due time (so
 * at most once per block): the honest nodes then have that tip too, and a forged block on it is
 * checked through rather than kept as a side branch. The honest nodes reject each item with its
 * reason, score the sender (core/misbehave.h) and ban it at network.ban_score; what they rejected
 * of whom is in summary.json's misbehaviour section. */
#include "adversary_impl.h"

#include "chain.h"
#include "timeunit.h"
#include "utxo.h"

#include <stdlib.h>
#include <string.h>

/* A coin of the wallet unspent on the node's active chain: its largest
 * genesis output. Returns 1 when there is one. */
static int wallet_coin(const adversary *a, const chain *c, tx_outpoint *op, uint64_t *amount)
{
    const utxo_set *u = chain_utxo(c);
    const uint8_t *me = wallet_public(a->ws, a->cfg->wallet);
    const tx *cb = block_tx(chain_entry_block(chain_genesis(c)), 0);
    int found = 0;
    for (size_t i = 0; i < tx_n_out(cb); i++) {
        tx_outpoint o = {*tx_id(cb), (uint32_t)i};
        const utxo_coin *coin = utxo_get(u, &o);
        if (coin != NULL && memcmp(coin->owner, me, KEYS_PUB_BYTES) == 0 &&
            (!found || coin->amount > *amount)) {
            *op = o;
            *amount = coin->amount;
            found = 1;
        }
    }
    return found;
}

/* Forges the next item that can be forged (from kind `only` when it is a
 * kind, else the next in turn) and sends it to every peer. */
static void forge_next(adversary *a, node *n, node_effects *fx, int64_t now_ns, int only)
{
    const chain *c = node_chain(n);
    forge_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.chain = c;
    ctx.parent = chain_tip(c);
    ctx.key = node_key(n);
    if (wallet_coin(a, c, &ctx.coin, &ctx.coin_amount))
        ctx.coin_key = wallet_key(a->ws, a->cfg->wallet);
    uint32_t now_s = (uint32_t)(chain_params_of(c)->genesis_time + now_ns / TIMEUNIT_NS_PER_S);
    uint32_t median = chain_entry_median_time(ctx.parent);
    ctx.time_s = now_s > median ? now_s : median + 1;
    ctx.invalid_block = a->has_invalid_block ? &a->invalid_block : NULL;
    for (int tries = 0; tries < (only >= 0 ? 1 : FORGE_COUNT); tries++) {
        forge_kind kind = only >= 0 ? (forge_kind)only : (forge_kind)(a->forged % FORGE_COUNT);
        ctx.serial = a->forged++;
        block *b;
        tx *t;
        int rc = forge_item(&b, &t, &ctx, kind);
        if (rc < 0)
            abort(); /* out of memory: the run would be wrong */
        if (rc > 0)
            continue; /* not possible now: the next kind */
        a->sent[kind]++;
        a->forged_kind = kind;
        if (b != NULL) {
            if (kind == FORGE_BLOCK_BAD_BITS) {
                a->invalid_block = *block_id(b);
                a->has_invalid_block = 1;
            }
            node_publish(n, fx, b, NULL, 0);
            a->forged_block = b; /* the reference passes: adversary_take_forged */
        } else {
            size_t n_peers;
            const uint32_t *peers = node_peers(n, &n_peers);
            for (size_t i = 0; i < n_peers; i++)
                node_send_tx(n, fx, t, peers[i]);
            tx_unref(t);
        }
        return;
    }
}

void adversary_byz_after_event(adversary *a, node *n, node_effects *fx, int64_t now_ns)
{
    /* Proof of stake: every block the node leads a slot with gets a twin,
     * a second valid block for the same slot (equivocation), sent at once. */
    if (chain_params_of(node_chain(n))->consensus == CHAIN_POS && now_ns >= a->cfg->start_ns)
        for (size_t i = 0; i < fx->n_notes; i++)
            if (fx->notes[i].kind == NODE_NOTE_BLOCK_PRODUCED) {
                forge_next(a, n, fx, now_ns, FORGE_POS_EQUIVOCATION);
                return; /* one forged block per event: adversary_take_forged */
            }
    if (now_ns < a->next_forge_ns)
        return;
    /* Only when a new tip just arrived, so that the receivers have the
     * same tip: a forged block then has more work than theirs and is
     * checked through (on a tip they have passed it would be kept as a
     * side branch, unchecked). */
    int new_tip = 0;
    for (size_t i = 0; i < fx->n_notes && !new_tip; i++)
        new_tip = fx->notes[i].kind == NODE_NOTE_TIP;
    if (!new_tip)
        return;
    forge_next(a, n, fx, now_ns, -1);
    /* the next due time after now (events may be sparser than the interval) */
    int64_t late = (now_ns - a->next_forge_ns) / a->cfg->interval_ns;
    a->next_forge_ns += (late + 1) * a->cfg->interval_ns;
}

block *adversary_take_forged(adversary *a, const char **kind)
{
    block *b = a->forged_block;
    a->forged_block = NULL;
    *kind = b != NULL ? forge_name(a->forged_kind) : NULL;
    return b;
}

int adversary_byz_report(cJSON *obj, const adversary *a)
{
    uint64_t total = 0;
    cJSON *by = cJSON_AddObjectToObject(obj, "sent_by_kind");
    if (by == NULL)
        return -1;
    for (int k = 0; k < FORGE_COUNT; k++) {
        total += a->sent[k];
        if (!cJSON_AddNumberToObject(by, forge_name((forge_kind)k), (double)a->sent[k]))
            return -1;
    }
    return cJSON_AddNumberToObject(obj, "forged_sent", (double)total) != NULL ? 0 : -1;
}
