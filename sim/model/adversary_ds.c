/* The double-spend attacker (Nakamoto 2008, section 11; Rosenfeld 2014),
 * as repeated independent trials in one run. A trial:
 *
 *   premine  the attacker builds two payments of one coin of its wallet:
 *            one to the merchant's wallet (with change back), one back to
 *            itself. It mines, withheld, a block holding the second on the
 *            public tip (moving to each new public tip that arrives).
 *   pay      when it finds that block it sends the payment to the merchant
 *            node (a `tx` message), which takes it and relays it, and goes
 *            on mining its private branch on top of its block, with no
 *            other transaction.
 *   race     its branch against the others' blocks since the fork. When
 *            the payment has z confirmations in the public branch (as the
 *            attacker sees it) and its branch is longer, it publishes the
 *            branch to every peer: the merchant's payment is reversed
 *            (success). When it is give_up blocks behind, it gives up.
 *
 * The next trial starts at once from the public tip, with the coin the
 * previous one left: the payment back to itself after a success, the
 * change of the merchant's payment after a give-up. Pre-mining one block
 * is the race Rosenfeld's closed form describes (core/doublespend.h). */
#include "adversary_impl.h"

#include "chain.h"
#include "doublespend.h"
#include "utxo.h"

#include <stdlib.h>
#include <string.h>

void adversary_ds_clear(adversary *a)
{
    tx_unref(a->pay);
    tx_unref(a->back);
    a->pay = a->back = NULL;
    if (a->phase != DS_STOPPED)
        a->phase = DS_WAIT;
}

static void stop(adversary *a, node *n, const char *why)
{
    adversary_ds_clear(a);
    a->phase = DS_STOPPED;
    a->stopped = why;
    if (node_mine_on(n, NULL, NULL, 0) != 0)
        abort(); /* cannot fail: nothing is allocated to go back to the tip */
}

/* The coin of the next trial: the first candidate unspent on the active
 * chain and owned by the wallet, else the wallet's largest genesis output.
 * Returns 1 when one was found. */
static int pick_coin(adversary *a, const chain *c)
{
    const utxo_set *u = chain_utxo(c);
    const uint8_t *me = wallet_public(a->ws, a->cfg->wallet);
    for (size_t i = 0; i < a->n_next_coin; i++) {
        const utxo_coin *coin = utxo_get(u, &a->next_coin[i]);
        if (coin != NULL && memcmp(coin->owner, me, KEYS_PUB_BYTES) == 0) {
            a->coin = a->next_coin[i];
            a->coin_amount = coin->amount;
            return 1;
        }
    }
    const block *g = chain_entry_block(chain_genesis(c));
    const tx *cb = block_tx(g, 0);
    int found = 0;
    for (size_t i = 0; i < tx_n_out(cb); i++) {
        tx_outpoint op = {*tx_id(cb), (uint32_t)i};
        const utxo_coin *coin = utxo_get(u, &op);
        if (coin != NULL && memcmp(coin->owner, me, KEYS_PUB_BYTES) == 0 &&
            (!found || coin->amount > a->coin_amount)) {
            a->coin = op;
            a->coin_amount = coin->amount;
            found = 1;
        }
    }
    return found;
}

/* Builds the two payments of the coin. Returns 0, or -1 when the coin is
 * too small for the amount, a change and two fees. */
static int build_payments(adversary *a)
{
    const scenario_adversary *cfg = a->cfg;
    if (a->coin_amount <= cfg->amount + 2 * a->fee)
        return -1;
    const keys_pair *key = wallet_key(a->ws, cfg->wallet);
    tx_in in;
    memset(&in, 0, sizeof in);
    in.prev_txid = a->coin.txid;
    in.prev_index = a->coin.index;
    tx_out pay[2], back;
    pay[0].amount = cfg->amount;
    memcpy(pay[0].owner, wallet_public(a->ws, cfg->to), KEYS_PUB_BYTES);
    pay[1].amount = a->coin_amount - cfg->amount - a->fee;
    memcpy(pay[1].owner, keys_pair_public(key), KEYS_PUB_BYTES);
    back.amount = a->coin_amount - a->fee;
    memcpy(back.owner, keys_pair_public(key), KEYS_PUB_BYTES);
    if (tx_new_signed(&a->pay, &in, 1, pay, 2, &key) != 0 ||
        tx_new_signed(&a->back, &in, 1, &back, 1, &key) != 0)
        abort(); /* out of memory: the run would be wrong without the trial */
    return 0;
}

/* Premines on the public tip (the node's active tip: nothing private is
 * on it between trials). */
static void mine_premine(adversary *a, node *n)
{
    a->base = *chain_entry_id(chain_tip(node_chain(n)));
    if (node_mine_on(n, &a->base, &a->back, 1) != 0)
        abort();
}

/* t was just made (put in the attacker's block, or sent to the merchant):
 * the run records it as submitted (adversary_take_payment). */
static void submitted(adversary *a, tx *t)
{
    if (a->n_submitted == 2) { /* cannot happen: at most one of each per event */
        tx_unref(a->submitted[0]);
        a->submitted[0] = a->submitted[1];
        a->n_submitted = 1;
    }
    a->submitted[a->n_submitted++] = tx_ref(t);
}

static void begin_trial(adversary *a, node *n, int64_t now_ns)
{
    adversary_ds_clear(a);
    if (!pick_coin(a, node_chain(n))) {
        stop(a, n, "no unspent coin of the attacker's wallet");
        return;
    }
    if (build_payments(a) != 0) {
        stop(a, n, "the wallet's coin is too small for the amount, a change and two fees");
        return;
    }
    a->trial_start_ns = now_ns;
    a->phase = DS_PREMINE;
    submitted(a, a->back); /* in its private block from now on */
    mine_premine(a, n);
}

static void end_trial(adversary *a, node *n, int64_t now_ns, int success, uint32_t confirmations)
{
    if (a->n_trials == a->cap_trials) {
        size_t cap = a->cap_trials ? 2 * a->cap_trials : 64;
        adversary_trial *t = realloc(a->trials, cap * sizeof *t);
        if (t == NULL)
            abort();
        a->trials = t;
        a->cap_trials = cap;
    }
    a->trials[a->n_trials++] =
        (adversary_trial){a->trial_start_ns, a->pay_ns,      now_ns,
                          a->fork_height,    a->private_len, a->public_height - a->fork_height,
                          confirmations,     success};
    a->n_next_coin = 0;
    if (success) {
        a->next_coin[a->n_next_coin++] = (tx_outpoint){*tx_id(a->back), 0};
    } else {
        a->next_coin[a->n_next_coin++] = (tx_outpoint){*tx_id(a->pay), 1};
        a->next_coin[a->n_next_coin++] = a->coin;
    }
    begin_trial(a, n, now_ns);
}

/* Confirmations of the payment on the public branch: the depth of the
 * block holding it below the others' highest block, 0 when not in it. */
static uint32_t confirmations(const adversary *a, const chain *c)
{
    const chain_entry *e = chain_lookup(c, &a->public_tip);
    for (; e != NULL && chain_entry_height(e) > a->fork_height; e = chain_entry_parent(e)) {
        const block *b = chain_entry_block(e);
        for (size_t k = 1; k < block_n_tx(b); k++)
            if (hash_eq(tx_id(block_tx(b, k)), tx_id(a->pay)))
                return a->public_height - chain_entry_height(e) + 1;
    }
    return 0;
}

/* Publishes the private branch, oldest block first, to every peer. */
static void publish_branch(adversary *a, node *n, node_effects *fx)
{
    const chain_entry *tip = chain_lookup(node_chain(n), &a->private_tip);
    for (uint32_t h = a->fork_height + 1; tip != NULL && h <= chain_entry_height(tip); h++)
        node_publish(n, fx, chain_entry_block(chain_entry_ancestor(tip, h)), NULL, 0);
    a->published += a->private_len;
}

/* The race's rules after a change of either branch. */
static void judge(adversary *a, node *n, node_effects *fx, int64_t now_ns)
{
    uint32_t public_len = a->public_height - a->fork_height;
    uint32_t conf = confirmations(a, node_chain(n));
    if (conf >= a->cfg->confirmations && a->private_len > public_len) {
        publish_branch(a, n, fx);
        end_trial(a, n, now_ns, 1, conf);
    } else if (public_len >= a->private_len + a->cfg->give_up) {
        end_trial(a, n, now_ns, 0, conf);
    }
}

/* The attacker's own block (the PRODUCED note of a mined timer). */
static void on_own_block(adversary *a, node *n, node_effects *fx, int64_t now_ns, const block *b)
{
    const chain *c = node_chain(n);
    const chain_entry *e = chain_lookup(c, block_id(b));
    if (e == NULL)
        return; /* refused by its own chain: cannot happen for a valid template */
    a->mined++;
    if (a->phase == DS_PREMINE) {
        a->fork_height = chain_entry_height(e) - 1;
        a->private_len = 1;
        a->public_height = a->fork_height;
        a->public_tip = *chain_entry_id(chain_entry_parent(e));
        a->pay_ns = now_ns;
        a->phase = DS_RACE;
        node_send_tx(n, fx, a->pay, a->cfg->merchant);
        submitted(a, a->pay);
    } else if (a->phase == DS_RACE) {
        a->private_len++;
    } else {
        return;
    }
    a->private_tip = *block_id(b);
    if (node_mine_on(n, &a->private_tip, NULL, 0) != 0)
        abort();
    if (a->phase == DS_RACE)
        judge(a, n, fx, now_ns);
}

/* Blocks of the others arrived (BLOCK_SEEN notes of a message). */
static void on_other_blocks(adversary *a, node *n, node_effects *fx, int64_t now_ns)
{
    const chain *c = node_chain(n);
    if (a->phase == DS_PREMINE) {
        if (!hash_eq(chain_entry_id(chain_tip(c)), &a->base)) {
            /* a new public tip: premine on it, if the coin is still there */
            if (utxo_get(chain_utxo(c), &a->coin) == NULL) {
                a->n_next_coin = 0;
                begin_trial(a, n, now_ns);
            } else {
                mine_premine(a, n);
            }
        }
        return;
    }
    if (a->phase != DS_RACE)
        return;
    int moved = 0;
    for (size_t i = 0; i < fx->n_notes; i++) {
        const node_note *note = &fx->notes[i];
        if (note->kind != NODE_NOTE_BLOCK_SEEN || note->blk == NULL)
            continue;
        const chain_entry *e = chain_lookup(c, block_id(note->blk));
        if (e != NULL && chain_entry_height(e) > a->public_height) {
            a->public_height = chain_entry_height(e);
            a->public_tip = *chain_entry_id(e);
            moved = 1;
        }
    }
    if (moved)
        judge(a, n, fx, now_ns);
}

void adversary_ds_after_event(adversary *a, node *n, node_effects *fx, int64_t now_ns,
                              adversary_event kind)
{
    if (a->phase == DS_STOPPED)
        return;
    if (a->phase == DS_WAIT) {
        if (now_ns < a->cfg->start_ns)
            return;
        begin_trial(a, n, now_ns);
        return;
    }
    if (kind == ADVERSARY_EV_MINED) {
        for (size_t i = 0; i < fx->n_notes; i++)
            if (fx->notes[i].kind == NODE_NOTE_BLOCK_PRODUCED) {
                on_own_block(a, n, fx, now_ns, fx->notes[i].blk);
                break;
            }
    } else if (kind == ADVERSARY_EV_MESSAGE) {
        on_other_blocks(a, n, fx, now_ns);
    }
}

tx *adversary_take_payment(adversary *a)
{
    if (a->n_submitted == 0)
        return NULL;
    tx *t = a->submitted[0];
    a->submitted[0] = a->submitted[1];
    a->n_submitted--;
    return t;
}

int adversary_ds_report(cJSON *obj, const adversary *a, double node_hashrate, double total_hashrate)
{
    uint64_t successes = 0;
    for (size_t i = 0; i < a->n_trials; i++)
        successes += (uint64_t)a->trials[i].success;
    double q = total_hashrate > 0 ? node_hashrate / total_hashrate : 0;
    uint32_t z = a->cfg->confirmations;
    cJSON *rate = a->n_trials ? cJSON_CreateNumber((double)successes / (double)a->n_trials)
                              : cJSON_CreateNull();
    if (rate == NULL || !cJSON_AddItemToObject(obj, "success_rate", rate)) {
        cJSON_Delete(rate);
        return -1;
    }
    if (!cJSON_AddNumberToObject(obj, "confirmations", z) ||
        !cJSON_AddNumberToObject(obj, "give_up", a->cfg->give_up) ||
        !cJSON_AddNumberToObject(obj, "trials", (double)a->n_trials) ||
        !cJSON_AddNumberToObject(obj, "successes", (double)successes) ||
        !cJSON_AddNumberToObject(obj, "success_rate_theory", doublespend_rosenfeld(q, z)) ||
        !cJSON_AddNumberToObject(obj, "success_rate_theory_give_up",
                                 doublespend_with_give_up(q, z, a->cfg->give_up)))
        return -1;
    if (a->stopped != NULL && !cJSON_AddStringToObject(obj, "stopped", a->stopped))
        return -1;
    return 0;
}
