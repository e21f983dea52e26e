/* The dashboard's view of consensus and adversaries (see dashcons.h). */
#include "dashcons.h"

#include "bft.h"
#include "chain.h"
#include "consensus.h"
#include "consensus_bft.h"
#include "consensus_ops.h"

#include <stdlib.h>
#include <string.h>

enum {
    POS_LEADERS_NODES = 256 /* above this, the slot's leaders are not listed (a lottery per node) */
};

const char **dashcons_adversary_kinds(const scenario *scn)
{
    const char **kind = calloc(scn->n_nodes ? scn->n_nodes : 1, sizeof *kind);
    if (kind == NULL)
        return NULL;
    for (size_t a = 0; a < scn->n_adversaries; a++)
        if (scn->adversaries[a].node < scn->n_nodes)
            kind[scn->adversaries[a].node] = scenario_adversary_name(scn->adversaries[a].kind);
    for (size_t e = 0; e < scn->n_events; e++) {
        const scenario_event *ev = &scn->events[e];
        if (ev->type != SCENARIO_EV_ECLIPSE)
            continue;
        for (size_t k = 0; k < ev->n_by; k++)
            if (ev->by[k] < scn->n_nodes && kind[ev->by[k]] == NULL)
                kind[ev->by[k]] = "eclipse";
    }
    return kind;
}

const char *dashcons_step_name(int step)
{
    switch (step) {
    case BFT_STEP_PROPOSE:
        return "propose";
    case BFT_STEP_PREVOTE:
        return "prevote";
    case BFT_STEP_PRECOMMIT:
        return "precommit";
    default:
        return "?";
    }
}

uint32_t dashcons_node_of_key(const uint8_t (*keys)[KEYS_PUB_BYTES], uint32_t n_nodes,
                              const uint8_t *pub)
{
    for (uint32_t i = 0; pub && i < n_nodes; i++)
        if (memcmp(keys[i], pub, KEYS_PUB_BYTES) == 0)
            return i + 1;
    return 0;
}

/* The BFT state machine of n, or NULL (another protocol, not started). */
static const bft *machine_of(const node *n)
{
    const consensus_ops *ops = n ? node_ops(n) : NULL;
    if (ops == NULL || strcmp(ops->name, "bft") != 0)
        return NULL;
    return consensus_bft_machine(node_consensus_state(n));
}

void dashcons_node(cJSON *o, const node *n)
{
    const bft *m = machine_of(n);
    if (m == NULL)
        return;
    cJSON *b = cJSON_AddObjectToObject(o, "bft");
    if (b == NULL)
        return;
    cJSON_AddNumberToObject(b, "height", (double)bft_height(m));
    cJSON_AddNumberToObject(b, "round", bft_round(m));
    cJSON_AddStringToObject(b, "step", dashcons_step_name(bft_current_step(m)));
}

/* "pos": the slot now, its leaders on the best node's tip, the tip's slot
 * and the slots of the best chain that have no block, and that node. The
 * best node is one whose state is here: over several processes, process
 * 0's best. */
static void pos_status(cJSON *status, const rundash_state *st, uint32_t n_nodes,
                       const uint8_t (*keys)[KEYS_PUB_BYTES], int best, int64_t slot_ns)
{
    cJSON *o = cJSON_AddObjectToObject(status, "pos");
    if (o == NULL)
        return;
    uint64_t slot = (uint64_t)(st->time_ns / slot_ns);
    cJSON_AddNumberToObject(o, "slot", (double)slot);
    const node *bn = best >= 0 ? st->nodes[best].n : NULL;
    if (bn == NULL)
        return;
    cJSON_AddNumberToObject(o, "node", best + 1); /* the node read */
    const chain *c = node_chain(bn);
    const chain_entry *tip = chain_tip(c);
    uint64_t tip_slot = consensus_block_slot(chain_entry_block(tip));
    uint32_t h = chain_height(c);
    cJSON_AddNumberToObject(o, "tip_slot", (double)tip_slot);
    cJSON_AddNumberToObject(o, "empty_slots", (double)(tip_slot > h ? tip_slot - h : 0));
    const consensus_ctx *ctx = node_consensus(bn);
    if (ctx == NULL || ctx->type != CHAIN_POS || n_nodes > POS_LEADERS_NODES)
        return;
    cJSON *leaders = cJSON_AddArrayToObject(o, "leaders");
    for (uint32_t i = 0; leaders && i < n_nodes; i++)
        if (consensus_pos_leader(ctx, NULL, tip, slot, keys[i]))
            cJSON_AddItemToArray(leaders, cJSON_CreateNumber(i + 1));
}

/* "poa": the signers and the in-turn signer of the best tip's next height,
 * and the node read (as for "pos"). */
static void poa_status(cJSON *status, const rundash_state *st, uint32_t n_nodes,
                       const uint8_t (*keys)[KEYS_PUB_BYTES], int best)
{
    const node *bn = best >= 0 ? st->nodes[best].n : NULL;
    const consensus_ctx *ctx = bn ? node_consensus(bn) : NULL;
    if (ctx == NULL || ctx->poa_n_signers == 0)
        return;
    cJSON *o = cJSON_AddObjectToObject(status, "poa");
    cJSON *signers = cJSON_AddArrayToObject(o, "signers");
    if (signers == NULL)
        return;
    for (uint32_t i = 0; i < ctx->poa_n_signers; i++)
        cJSON_AddItemToArray(
            signers, cJSON_CreateNumber(dashcons_node_of_key(keys, n_nodes, ctx->poa_signers[i])));
    cJSON_AddNumberToObject(o, "node", best + 1); /* the node read */
    uint64_t next = (uint64_t)chain_height(node_chain(bn)) + 1;
    cJSON_AddNumberToObject(o, "height", (double)next);
    cJSON_AddNumberToObject(
        o, "in_turn",
        dashcons_node_of_key(keys, n_nodes, ctx->poa_signers[next % ctx->poa_n_signers]));
}

/* "bft": the leading node's (online, furthest height and round) height,
 * round, step, proposer and votes; the power of the largest side of the
 * network (online validators in one partition group) and whether it falls
 * short of 2/3 (halted: no side can commit). */
static void bft_view(cJSON *status, const rundash_state *st, uint32_t n_nodes,
                     const uint8_t (*keys)[KEYS_PUB_BYTES])
{
    int lead = -1;
    for (uint32_t i = 0; i < n_nodes; i++) {
        const bft *m = st->nodes[i].online ? machine_of(st->nodes[i].n) : NULL;
        if (m == NULL)
            continue;
        const bft *l = lead >= 0 ? machine_of(st->nodes[lead].n) : NULL;
        if (l == NULL || bft_height(m) > bft_height(l) ||
            (bft_height(m) == bft_height(l) && bft_round(m) > bft_round(l)))
            lead = (int)i;
    }
    if (lead < 0)
        return;
    const bft *m = machine_of(st->nodes[lead].n);
    const bftval_set *vals = bft_validators(m);
    int64_t total = bftval_total(vals);
    bft_round_view v;
    bft_current_round_view(m, &v);
    cJSON *o = cJSON_AddObjectToObject(status, "bft");
    if (o == NULL)
        return;
    cJSON_AddNumberToObject(o, "node", lead + 1);
    cJSON_AddNumberToObject(o, "height", (double)bft_height(m));
    cJSON_AddNumberToObject(o, "round", bft_round(m));
    cJSON_AddStringToObject(o, "step", dashcons_step_name(bft_current_step(m)));
    if (v.proposer < bftval_count(vals))
        cJSON_AddNumberToObject(o, "proposer",
                                dashcons_node_of_key(keys, n_nodes, bftval_key(vals, v.proposer)));
    else
        cJSON_AddNullToObject(o, "proposer");
    cJSON_AddBoolToObject(o, "proposal", v.has_proposal);
    cJSON_AddNumberToObject(o, "prevote_power", (double)v.prevote_power);
    cJSON_AddNumberToObject(o, "precommit_power", (double)v.precommit_power);
    cJSON_AddNumberToObject(o, "total_power", (double)total);
    cJSON_AddNumberToObject(o, "threshold", (double)(2 * total / 3 + 1));
    cJSON_AddNumberToObject(o, "validators", (double)bftval_count(vals));
    /* The power each side holds: validators that are up, by partition group. */
    uint32_t groups = 1;
    for (uint32_t i = 0; st->group_of && i < n_nodes; i++)
        groups = st->group_of[i] + 1 > groups ? st->group_of[i] + 1 : groups;
    int64_t *side = calloc(groups, sizeof *side);
    if (side == NULL)
        return;
    for (size_t k = 0; k < bftval_count(vals); k++) {
        uint32_t id = dashcons_node_of_key(keys, n_nodes, bftval_key(vals, k));
        if (id == 0 || !st->nodes[id - 1].online)
            continue;
        uint32_t g = st->group_of ? st->group_of[id - 1] : 0;
        side[g < groups ? g : 0] += bftval_power(vals, k);
    }
    int64_t largest = 0;
    for (uint32_t g = 0; g < groups; g++)
        largest = side[g] > largest ? side[g] : largest;
    free(side);
    cJSON_AddNumberToObject(o, "largest_side_power", (double)largest);
    cJSON_AddBoolToObject(o, "halted", !bftval_two_thirds(vals, largest));
}

void dashcons_status(cJSON *status, const rundash_state *st, uint32_t n_nodes,
                     const uint8_t (*keys)[KEYS_PUB_BYTES], int best, const char *consensus,
                     int64_t slot_ns)
{
    if (slot_ns > 0 && strcmp(consensus, "pos") == 0)
        pos_status(status, st, n_nodes, keys, best, slot_ns);
    else if (strcmp(consensus, "bft") == 0)
        bft_view(status, st, n_nodes, keys);
    else if (strcmp(consensus, "poa") == 0)
        poa_status(status, st, n_nodes, keys, best);
}
