/* The attackers' behaviour (see adversary.h). A selfish miner withholds
 * every block it finds: its node mines on its own chain, whose tip is its
 * private branch while that is at least as long as the public one (a tie
 * goes to the block seen first, its own), and the public chain once the
 * others are ahead (the paper's "adopt"). After each of its events the
 * state machine of core/selfish.h says up to which height to publish;
 * the withheld blocks of its chain up to there are sent whole to the
 * nodes of publish_to (all its peers by default), which relay them as any
 * block. Races are followed to measure gamma: the share of the others'
 * blocks that, in a race, built on the attacker's block. */
#include "adversary_impl.h"
#include "world.h"

#include "chain.h"
#include "consensus_bft.h"
#include "selfish.h"

#include <stdlib.h>
#include <string.h>

/* obj[key] = num / den, or null when den is 0. Returns 1, or 0 when out
 * of memory. */
static int add_ratio(cJSON *obj, const char *key, uint64_t num, uint64_t den)
{
    cJSON *v = den ? cJSON_CreateNumber((double)num / (double)den) : cJSON_CreateNull();
    if (v == NULL || !cJSON_AddItemToObject(obj, key, v)) {
        cJSON_Delete(v);
        return 0;
    }
    return 1;
}

/* obj[key] = v, or null when !ok. Returns 1, or 0 when out of memory. */
static int add_number_or_null(cJSON *obj, const char *key, int ok, double v)
{
    cJSON *x = ok ? cJSON_CreateNumber(v) : cJSON_CreateNull();
    if (x == NULL || !cJSON_AddItemToObject(obj, key, x)) {
        cJSON_Delete(x);
        return 0;
    }
    return 1;
}

int adversary_new(adversary **out, const scenario_adversary *cfg, const wallet_set *ws,
                  uint64_t fee)
{
    adversary *a = calloc(1, sizeof *a);
    *out = a;
    if (a == NULL)
        return -1;
    a->cfg = cfg;
    a->ws = ws;
    a->fee = fee;
    return 0;
}

void adversary_free(adversary *a)
{
    if (a == NULL)
        return;
    adversary_ds_clear(a);
    for (size_t i = 0; i < a->n_submitted; i++)
        tx_unref(a->submitted[i]);
    block_unref(a->forged_block);
    free(a->trials);
    adversary_withhold_clear(a);
    hmap_free(a->censored_txs);
    free(a->allies);
    free(a);
}

int adversary_set_allies(adversary *a, const uint8_t (*pubs)[KEYS_PUB_BYTES], size_t n)
{
    free(a->allies);
    a->allies = calloc(n ? n : 1, KEYS_PUB_BYTES);
    a->n_allies = a->allies != NULL ? n : 0;
    if (a->allies == NULL)
        return -1;
    memcpy(a->allies, pubs, n * KEYS_PUB_BYTES);
    return 0;
}

int adversary_on_start(adversary *a, node *n)
{
    if (a->cfg->kind == SCENARIO_ADV_CENSOR)
        return adversary_censor_start(a, n);
    if (a->cfg->kind == SCENARIO_ADV_EQUIVOCATE)
        return 0; /* it runs the honest machine and double-signs what it sends */
    if (a->cfg->kind == SCENARIO_ADV_BYZANTINE) {
        a->next_forge_ns = a->cfg->start_ns; /* its own blocks are honest */
        return 0;
    }
    if (node_set_withholding(n) != 0)
        return -1;
    selfish_init(&a->st, chain_height(node_chain(n)));
    a->race_height = 0;
    adversary_ds_clear(a);
    return 0;
}

/* Publishes the withheld blocks of n's active chain up to height, oldest
 * first. */
static void publish_upto(adversary *a, node *n, node_effects *fx, uint32_t height)
{
    const chain *c = node_chain(n);
    const chain_entry *e = chain_at_height(c, height);
    size_t count = 0;
    for (const chain_entry *p = e; p != NULL && node_is_withheld(n, chain_entry_id(p));
         p = chain_entry_parent(p))
        count++;
    for (size_t k = count; k > 0; k--) {
        const chain_entry *p = chain_entry_ancestor(e, height - (uint32_t)(k - 1));
        node_publish(n, fx, chain_entry_block(p), a->cfg->publish_to, a->cfg->n_publish_to);
    }
    a->published += count;
}

/* A block at height resolved the race in progress (if it is one). */
static void resolve_race(adversary *a, const chain_entry *e, int own)
{
    if (a->race_height == 0 || chain_entry_height(e) <= a->race_height)
        return;
    const chain_entry *parent = chain_entry_ancestor(e, a->race_height);
    if (own)
        a->races_won_own++;
    else if (parent != NULL && hash_eq(chain_entry_id(parent), &a->race_block))
        a->races_on_attacker++;
    else
        a->races_on_honest++;
    a->race_height = 0;
}

static void on_own_block(adversary *a, node *n, node_effects *fx, const block *b)
{
    const chain_entry *e = chain_lookup(node_chain(n), block_id(b));
    if (e == NULL)
        return; /* refused by its own chain: cannot happen for a valid template */
    a->mined++;
    resolve_race(a, e, 1);
    uint32_t upto = selfish_on_own_block(&a->st, chain_entry_height(e));
    if (upto)
        publish_upto(a, n, fx, upto);
}

static void on_other_blocks(adversary *a, node *n, node_effects *fx, uint32_t height_before)
{
    const chain *c = node_chain(n);
    const chain_entry *top = NULL;
    for (size_t i = 0; i < fx->n_notes; i++) {
        const node_note *note = &fx->notes[i];
        if (note->kind != NODE_NOTE_BLOCK_SEEN || note->blk == NULL)
            continue;
        const chain_entry *e = chain_lookup(c, block_id(note->blk));
        if (e != NULL && (top == NULL || chain_entry_height(e) > chain_entry_height(top)))
            top = e;
    }
    if (top == NULL)
        return;
    resolve_race(a, top, 0);
    uint64_t races = a->st.races;
    uint32_t upto = selfish_on_other_block(&a->st, height_before, chain_entry_height(top));
    if (upto == 0)
        return;
    if (a->st.races != races) {
        a->race_height = upto;
        a->race_block = *chain_entry_id(chain_at_height(c, upto));
    }
    publish_upto(a, n, fx, upto);
}

void adversary_after_event(adversary *a, node *n, node_effects *fx, int64_t now_ns,
                           adversary_event kind, uint32_t height_before)
{
    if (a->cfg->kind == SCENARIO_ADV_DOUBLE_SPEND) {
        adversary_ds_after_event(a, n, fx, now_ns, kind);
        return;
    }
    if (a->cfg->kind == SCENARIO_ADV_BYZANTINE) {
        adversary_byz_after_event(a, n, fx, now_ns);
        return;
    }
    if (a->cfg->kind == SCENARIO_ADV_WITHHOLD) {
        adversary_withhold_after_event(a, n, fx, now_ns, kind);
        return;
    }
    if (a->cfg->kind == SCENARIO_ADV_CENSOR || a->cfg->kind == SCENARIO_ADV_EQUIVOCATE) {
        for (size_t i = 0; i < fx->n_notes; i++) /* its blocks, mined or of a slot */
            if (fx->notes[i].kind == NODE_NOTE_BLOCK_PRODUCED) {
                a->mined++;
                a->published++; /* announced as any block */
            }
        if (a->cfg->kind == SCENARIO_ADV_EQUIVOCATE && now_ns >= a->cfg->start_ns)
            consensus_bft_equivocate(n, fx, now_ns, a->cfg->side, a->cfg->n_side,
                                     (const uint8_t(*)[KEYS_PUB_BYTES])a->allies, a->n_allies,
                                     &a->twin_proposals, &a->twin_votes);
        return;
    }
    if (kind == ADVERSARY_EV_MINED) {
        for (size_t i = 0; i < fx->n_notes; i++)
            if (fx->notes[i].kind == NODE_NOTE_BLOCK_PRODUCED) {
                on_own_block(a, n, fx, fx->notes[i].blk);
                break;
            }
    } else if (kind == ADVERSARY_EV_MESSAGE) {
        on_other_blocks(a, n, fx, height_before);
    }
}

int adversary_report(cJSON *obj, const adversary *a, const metrics *m, double node_hashrate,
                     double total_hashrate)
{
    uint64_t main_total = 0, main_own = 0;
    for (size_t i = 0; i < metrics_n_blocks(m); i++) {
        uint32_t producer;
        int main;
        metrics_block_fate(m, &producer, &main, i);
        main_total += (uint64_t)main;
        main_own += (uint64_t)(main && producer == a->cfg->node + 1);
    }
    uint64_t resolved = a->races_on_attacker + a->races_on_honest;
    if (!cJSON_AddNumberToObject(obj, "node", (double)a->cfg->node + 1) ||
        !cJSON_AddStringToObject(obj, "kind", scenario_adversary_name(a->cfg->kind)) ||
        !cJSON_AddNumberToObject(obj, "hash_share",
                                 total_hashrate > 0 ? node_hashrate / total_hashrate : 0) ||
        !cJSON_AddNumberToObject(obj, "blocks_mined", (double)a->mined) ||
        !cJSON_AddNumberToObject(obj, "blocks_published", (double)a->published) ||
        !cJSON_AddNumberToObject(obj, "main_chain_blocks", (double)main_own) ||
        !add_ratio(obj, "relative_revenue", main_own, main_total))
        return -1;
    if (a->cfg->kind == SCENARIO_ADV_DOUBLE_SPEND)
        return adversary_ds_report(obj, a, node_hashrate, total_hashrate);
    if (a->cfg->kind == SCENARIO_ADV_BYZANTINE)
        return adversary_byz_report(obj, a);
    if (a->cfg->kind == SCENARIO_ADV_WITHHOLD)
        return adversary_withhold_report(obj, a, m);
    if (a->cfg->kind == SCENARIO_ADV_CENSOR)
        return adversary_censor_report(obj, a);
    if (a->cfg->kind == SCENARIO_ADV_EQUIVOCATE)
        return cJSON_AddNumberToObject(obj, "twin_proposals", (double)a->twin_proposals) &&
                       cJSON_AddNumberToObject(obj, "twin_votes", (double)a->twin_votes)
                   ? 0
                   : -1;
    if (!cJSON_AddNumberToObject(obj, "races", (double)a->st.races) ||
        !cJSON_AddNumberToObject(obj, "races_won_by_own_block", (double)a->races_won_own) ||
        !cJSON_AddNumberToObject(obj, "races_others_on_attacker", (double)a->races_on_attacker) ||
        !cJSON_AddNumberToObject(obj, "races_others_on_honest", (double)a->races_on_honest) ||
        !add_ratio(obj, "gamma_measured", a->races_on_attacker, resolved))
        return -1;
    return 0;
}

/* a's main-chain blocks in the finished metrics m, and all of them. */
static void main_blocks(const adversary *a, const metrics *m, uint64_t *own, uint64_t *total)
{
    *own = *total = 0;
    for (size_t i = 0; i < metrics_n_blocks(m); i++) {
        uint32_t producer;
        int main;
        metrics_block_fate(m, &producer, &main, i);
        *total += (uint64_t)main;
        *own += (uint64_t)(main && producer == a->cfg->node + 1);
    }
}

/* a's rows of attacks.csv: one per withholding window or double-spend
 * trial, else one for its whole run (of run_ns). share: its hash share.
 * Returns 0, or -1 when out of memory. */
static int adversary_rows(metrics *m, const adversary *a, int64_t run_ns, double share)
{
    const scenario_adversary *c = a->cfg;
    const char *kind = scenario_adversary_name(c->kind);
    uint64_t own, total;
    main_blocks(a, m, &own, &total);
    metrics_attack_row row = {kind, c->node + 1, 0, run_ns, -1, -1, -1, -1, "run"};
    switch (c->kind) {
    case SCENARIO_ADV_WITHHOLD:
        return adversary_withhold_rows(m, a);
    case SCENARIO_ADV_DOUBLE_SPEND:
        for (size_t i = 0; i < a->n_trials; i++) {
            const adversary_trial *t = &a->trials[i];
            row.start_ns = t->start_ns;
            row.end_ns = t->end_ns;
            row.blocks_withheld = t->private_len;
            row.blocks_published = t->success ? t->private_len : 0;
            row.outcome = t->success ? "success" : "give_up";
            if (metrics_add_attack_row(m, &row) != 0)
                return -1;
        }
        return 0;
    case SCENARIO_ADV_SELFISH:
        row.blocks_withheld = (int64_t)a->mined;
        row.blocks_published = (int64_t)a->published;
        row.blocks_main = (int64_t)own;
        row.outcome =
            total > 0 && (double)own / (double)total > share ? "above_share" : "not_above_share";
        break;
    case SCENARIO_ADV_BYZANTINE:
        row.start_ns = c->start_ns;
        row.outcome = "forged";
        break;
    case SCENARIO_ADV_CENSOR:
        row.blocks_withheld = 0;
        row.blocks_published = (int64_t)a->published;
        row.blocks_main = (int64_t)own;
        row.txs_censored = (int64_t)adversary_censored(a);
        row.outcome = row.txs_censored > 0 ? "censored" : "nothing_censored";
        break;
    case SCENARIO_ADV_EQUIVOCATE:
        row.start_ns = c->start_ns;
        row.blocks_withheld = 0;
        row.blocks_published = (int64_t)a->published;
        row.blocks_main = (int64_t)own;
        row.outcome = a->twin_proposals + a->twin_votes > 0 ? "equivocated" : "no_twin_signed";
        break;
    }
    return metrics_add_attack_row(m, &row);
}

int world_attack_report(world *w)
{
    if (w->scn.n_adversaries == 0)
        return 0;
    double total = 0;
    for (uint32_t i = 0; i < w->n; i++)
        total += w->scn.nodes[i].hashrate_hps;
    uint64_t honest = 0, honest_stale = 0;
    for (size_t i = 0; i < metrics_n_blocks(w->m); i++) {
        uint32_t producer;
        int main;
        metrics_block_fate(w->m, &producer, &main, i);
        if (producer >= 1 && producer <= w->n && w->nodes[producer - 1].adv == NULL) {
            honest++;
            honest_stale += (uint64_t)!main;
        }
    }
    /* Every attacker together: their share of the main chain and of the
     * hash power, and (selfish miners) gamma and the paper's revenue. */
    uint64_t main_total = 0, main_adv = 0, on_att = 0, on_hon = 0;
    double adv_hash = 0;
    int all_selfish = 1;
    for (size_t i = 0; i < metrics_n_blocks(w->m); i++) {
        uint32_t producer;
        int main;
        metrics_block_fate(w->m, &producer, &main, i);
        main_total += (uint64_t)main;
        main_adv += (uint64_t)(main && producer >= 1 && producer <= w->n &&
                               w->nodes[producer - 1].adv != NULL);
    }
    for (size_t k = 0; k < w->scn.n_adversaries; k++) {
        const adversary *a = w->nodes[w->scn.adversaries[k].node].adv;
        adv_hash += w->scn.nodes[a->cfg->node].hashrate_hps;
        on_att += a->races_on_attacker;
        on_hon += a->races_on_honest;
        all_selfish &= a->cfg->kind == SCENARIO_ADV_SELFISH;
    }
    double alpha = total > 0 ? adv_hash / total : 0;
    double gamma = on_att + on_hon ? (double)on_att / (double)(on_att + on_hon) : 0;
    int theory = all_selfish && on_att + on_hon > 0 && alpha < 0.5;
    cJSON *attack = cJSON_CreateObject();
    cJSON *list = attack ? cJSON_AddArrayToObject(attack, "adversaries") : NULL;
    if (list == NULL)
        goto fail;
    for (size_t k = 0; k < w->scn.n_adversaries; k++) {
        uint32_t ni = w->scn.adversaries[k].node;
        cJSON *o = cJSON_CreateObject();
        if (o == NULL || !cJSON_AddItemToArray(list, o) ||
            adversary_report(o, w->nodes[ni].adv, w->m, w->scn.nodes[ni].hashrate_hps, total) != 0)
            goto fail;
    }
    if (!cJSON_AddNumberToObject(attack, "hash_share", alpha) ||
        !add_ratio(attack, "relative_revenue", main_adv, main_total) ||
        !add_ratio(attack, "gamma_measured", on_att, all_selfish ? on_att + on_hon : 0) ||
        !add_number_or_null(attack, "relative_revenue_theory", theory,
                            theory ? selfish_revenue(alpha, gamma) : 0) ||
        !add_number_or_null(attack, "threshold_theory", theory,
                            theory ? selfish_threshold(gamma) : 0) ||
        !cJSON_AddNumberToObject(attack, "honest_blocks", (double)honest) ||
        !cJSON_AddNumberToObject(attack, "honest_stale", (double)honest_stale) ||
        !add_ratio(attack, "honest_stale_rate", honest_stale, honest))
        goto fail;
    for (size_t k = 0; k < w->scn.n_adversaries; k++) {
        uint32_t ni = w->scn.adversaries[k].node;
        if (adversary_rows(w->m, w->nodes[ni].adv, w->scn.duration_ns,
                           total > 0 ? w->scn.nodes[ni].hashrate_hps / total : 0) != 0)
            goto fail;
    }
    metrics_set_attack(w->m, attack);
    return 0;
fail:
    cJSON_Delete(attack);
    return -1;
}
