/* A scenario back to JSON (scenario_to_json): the scenario as run, with
 * every default filled in, in the form scenario_from_json reads back to the
 * same scenario. Durations, sizes and bandwidths are written with their
 * units. */
#include "regions.h"
#include "scenario.h"
#include "scenario_read.h"
#include "units.h"

#include <stdio.h>
#include <stdlib.h>

static cJSON *add_duration(cJSON *obj, const char *key, int64_t ns)
{
    char buf[32];
    units_format_duration(buf, sizeof buf, ns);
    return cJSON_AddStringToObject(obj, key, buf);
}

static cJSON *node_list(const uint32_t *nodes, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a != NULL && i < n; i++)
        if (!cJSON_AddItemToArray(a, cJSON_CreateNumber((double)nodes[i] + 1))) {
            cJSON_Delete(a);
            return NULL;
        }
    return a;
}

static int latency_to_json(cJSON *net, const scenario_latency *lat)
{
    if (lat->dist == SCENARIO_LAT_CONSTANT)
        return add_duration(net, "latency", lat->mean_ns) != NULL;
    cJSON *o = cJSON_AddObjectToObject(net, "latency");
    if (o == NULL || !cJSON_AddStringToObject(o, "dist", scenario_latency_name(lat->dist)))
        return 0;
    if (!add_duration(o, "min", lat->min_ns))
        return 0;
    if (lat->dist == SCENARIO_LAT_UNIFORM)
        return add_duration(o, "max", lat->max_ns) != NULL;
    return add_duration(o, "mean", lat->mean_ns) && add_duration(o, "stddev", lat->stddev_ns) &&
           add_duration(o, "max", lat->max_ns);
}

static int network_to_json(cJSON *root, const scenario *s)
{
    char buf[32];
    cJSON *net = cJSON_AddObjectToObject(root, "network");
    cJSON *topo = net ? cJSON_AddObjectToObject(net, "topology") : NULL;
    if (topo == NULL ||
        !cJSON_AddStringToObject(topo, "type", scenario_topology_name(s->network.topology)))
        return 0;
    if (s->network.topology == SCENARIO_TOPO_RANDOM &&
        !cJSON_AddNumberToObject(topo, "degree", s->network.degree))
        return 0;
    if (s->network.topology == SCENARIO_TOPO_STAR &&
        !cJSON_AddNumberToObject(topo, "center", (double)s->network.center + 1))
        return 0;
    if (s->network.topology == SCENARIO_TOPO_EDGES) {
        cJSON *edges = cJSON_AddArrayToObject(topo, "edges");
        for (size_t i = 0; edges != NULL && i < s->network.n_edges; i++)
            if (!cJSON_AddItemToArray(edges, node_list(s->network.edges[i], 2)))
                return 0;
        if (edges == NULL)
            return 0;
    }
    units_format_bandwidth(buf, sizeof buf, s->network.bandwidth_bps);
    if (!latency_to_json(net, &s->network.latency) ||
        !cJSON_AddStringToObject(net, "bandwidth", buf) ||
        !cJSON_AddNumberToObject(net, "loss", s->network.loss))
        return 0;
    /* Written only when not the default, so that the scenario as run of a
     * run that does not set it reads as before. */
    if (s->network.ban_score != SCENARIO_BAN_SCORE &&
        !cJSON_AddNumberToObject(net, "ban_score", s->network.ban_score))
        return 0;
    if (s->network.n_regions > 0) {
        uint32_t n = s->network.n_regions;
        cJSON *reg = cJSON_AddObjectToObject(net, "regions");
        cJSON *names = reg ? cJSON_AddArrayToObject(reg, "names") : NULL;
        cJSON *mat = reg ? cJSON_AddArrayToObject(reg, "latency") : NULL;
        if (names == NULL || mat == NULL)
            return 0;
        for (uint32_t i = 0; i < n; i++) {
            cJSON *row = cJSON_CreateArray();
            if (row == NULL || !cJSON_AddItemToArray(mat, row) ||
                !cJSON_AddItemToArray(names, cJSON_CreateString(s->network.region_names[i])))
                return 0;
            for (uint32_t j = 0; j < n; j++) {
                units_format_duration(buf, sizeof buf, s->network.region_latency_ns[i * n + j]);
                if (!cJSON_AddItemToArray(row, cJSON_CreateString(buf)))
                    return 0;
            }
        }
        if (!regions_to_json(reg, s))
            return 0;
    }
    return 1;
}

static int event_to_json(cJSON *arr, const scenario *s, const scenario_event *ev)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || !cJSON_AddItemToArray(arr, o) || !add_duration(o, "at", ev->at_ns) ||
        !cJSON_AddStringToObject(o, "type", scenario_event_name(ev->type)))
        return 0;
    switch (ev->type) {
    case SCENARIO_EV_PARTITION: {
        cJSON *groups = cJSON_AddArrayToObject(o, "groups");
        for (uint32_t k = 0; groups != NULL && k < ev->n_groups; k++) {
            cJSON *grp = cJSON_CreateArray();
            if (grp == NULL || !cJSON_AddItemToArray(groups, grp))
                return 0;
            for (uint32_t i = 0; i < s->n_nodes; i++)
                if (ev->group_of[i] == k &&
                    !cJSON_AddItemToArray(grp, cJSON_CreateNumber((double)i + 1)))
                    return 0;
        }
        return groups != NULL;
    }
    case SCENARIO_EV_HEAL:
        return 1;
    case SCENARIO_EV_CRASH:
    case SCENARIO_EV_RESTART:
        return cJSON_AddNumberToObject(o, "node", (double)ev->node + 1) != NULL;
    case SCENARIO_EV_SET_HASHRATE:
        return cJSON_AddNumberToObject(o, "node", (double)ev->node + 1) &&
               cJSON_AddNumberToObject(o, "hashrate", ev->hashrate_hps);
    case SCENARIO_EV_SET_STAKE:
        return cJSON_AddNumberToObject(o, "node", (double)ev->node + 1) &&
               cJSON_AddNumberToObject(o, "stake", (double)ev->stake);
    case SCENARIO_EV_TX:
        return cJSON_AddNumberToObject(o, "from", (double)ev->from + 1) &&
               cJSON_AddNumberToObject(o, "to", (double)ev->to[0] + 1) &&
               cJSON_AddNumberToObject(o, "amount", (double)ev->amount) &&
               cJSON_AddNumberToObject(o, "node", (double)ev->node + 1);
    case SCENARIO_EV_DOUBLE_SPEND:
        return cJSON_AddNumberToObject(o, "from", (double)ev->from + 1) &&
               cJSON_AddItemToObject(o, "to", node_list(ev->to, 2)) &&
               cJSON_AddNumberToObject(o, "amount", (double)ev->amount) &&
               cJSON_AddItemToObject(o, "nodes", node_list(ev->nodes, 2));
    case SCENARIO_EV_ISOLATE:
    case SCENARIO_EV_REJOIN:
    case SCENARIO_EV_ECLIPSE_END:
        return cJSON_AddNumberToObject(o, "node", (double)ev->node + 1) != NULL;
    case SCENARIO_EV_CUT:
    case SCENARIO_EV_RESTORE:
        return cJSON_AddItemToObject(o, "link", node_list(ev->nodes, 2));
    case SCENARIO_EV_ECLIPSE:
        return cJSON_AddNumberToObject(o, "node", (double)ev->node + 1) &&
               cJSON_AddItemToObject(o, "by", node_list(ev->by, ev->n_by));
    case SCENARIO_EV_SET_LATENCY:
        if (!cJSON_AddItemToObject(o, "link", node_list(ev->nodes, 2)))
            return 0;
        if (ev->latency_ns == 0)
            return cJSON_AddStringToObject(o, "latency", "default") != NULL;
        return add_duration(o, "latency", ev->latency_ns) != NULL;
    }
    return 0;
}

static int adversary_to_json(cJSON *arr, const scenario_adversary *a)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || !cJSON_AddItemToArray(arr, o) ||
        !cJSON_AddStringToObject(o, "kind", scenario_adversary_name(a->kind)) ||
        !cJSON_AddNumberToObject(o, "node", (double)a->node + 1))
        return 0;
    switch (a->kind) {
    case SCENARIO_ADV_SELFISH:
        if (a->publish_first > 0)
            return cJSON_AddNumberToObject(o, "publish_to", a->publish_first) != NULL;
        if (a->publish_to != NULL) {
            cJSON *to = node_list(a->publish_to, a->n_publish_to);
            if (to == NULL || !cJSON_AddItemToObject(o, "publish_to", to)) {
                cJSON_Delete(to);
                return 0;
            }
        }
        return 1;
    case SCENARIO_ADV_DOUBLE_SPEND:
        return cJSON_AddNumberToObject(o, "merchant", (double)a->merchant + 1) &&
               cJSON_AddNumberToObject(o, "wallet", (double)a->wallet + 1) &&
               cJSON_AddNumberToObject(o, "to", (double)a->to + 1) &&
               cJSON_AddNumberToObject(o, "amount", (double)a->amount) &&
               cJSON_AddNumberToObject(o, "confirmations", a->confirmations) &&
               cJSON_AddNumberToObject(o, "give_up", a->give_up) &&
               add_duration(o, "start", a->start_ns);
    case SCENARIO_ADV_BYZANTINE:
        return cJSON_AddNumberToObject(o, "wallet", (double)a->wallet + 1) &&
               add_duration(o, "interval", a->interval_ns) && add_duration(o, "start", a->start_ns);
    case SCENARIO_ADV_WITHHOLD:
        return add_duration(o, "hold", a->hold_ns) &&
               (a->every_ns == 0 || add_duration(o, "every", a->every_ns)) &&
               add_duration(o, "start", a->start_ns);
    case SCENARIO_ADV_CENSOR: {
        cJSON *ws = cJSON_AddArrayToObject(o, "wallets");
        for (size_t i = 0; ws != NULL && i < a->n_censored; i++) {
            cJSON *v = cJSON_CreateNumber((double)a->censored[i] + 1);
            if (v == NULL || !cJSON_AddItemToArray(ws, v)) {
                cJSON_Delete(v);
                return 0;
            }
        }
        return ws != NULL;
    }
    case SCENARIO_ADV_EQUIVOCATE: {
        cJSON *side = node_list(a->side, a->n_side);
        if (side == NULL || !cJSON_AddItemToObject(o, "side", side)) {
            cJSON_Delete(side);
            return 0;
        }
        return add_duration(o, "start", a->start_ns) != NULL;
    }
    }
    return 1;
}

/* consensus.poa, written only for a PoA scenario (other scenarios' files stay
 * as they were). */
static int poa_to_json(cJSON *cons, const scenario *s)
{
    cJSON *poa = cJSON_AddObjectToObject(cons, "poa");
    cJSON *signers = node_list(s->consensus.poa.signers, s->consensus.poa.n_signers);
    if (poa == NULL || signers == NULL || !cJSON_AddItemToObject(poa, "signers", signers)) {
        cJSON_Delete(signers);
        return 0;
    }
    return add_duration(poa, "period", s->consensus.poa.period_ns) &&
           add_duration(poa, "out_of_turn_delay", s->consensus.poa.out_of_turn_delay_ns) &&
           cJSON_AddNumberToObject(poa, "reward", (double)s->consensus.poa.reward) != NULL;
}

/* consensus.bft, written only for a BFT run (the files of other runs stay
 * as they were); relay only when it is not "auto" (likewise). */
static int bft_to_json(cJSON *cons, const scenario *s)
{
    cJSON *bft = cJSON_AddObjectToObject(cons, "bft");
    if (bft != NULL && s->consensus.bft.relay != SCENARIO_BFT_RELAY_AUTO &&
        cJSON_AddBoolToObject(bft, "relay", s->consensus.bft.relay == SCENARIO_BFT_RELAY_ON) ==
            NULL)
        return 0;
    return bft != NULL &&
           add_duration(bft, "timeout_propose", s->consensus.bft.timeout_propose_ns) &&
           add_duration(bft, "timeout_prevote", s->consensus.bft.timeout_prevote_ns) &&
           add_duration(bft, "timeout_precommit", s->consensus.bft.timeout_precommit_ns) &&
           add_duration(bft, "timeout_delta", s->consensus.bft.timeout_delta_ns) &&
           add_duration(bft, "timeout_commit", s->consensus.bft.timeout_commit_ns) &&
           cJSON_AddNumberToObject(bft, "reward", (double)s->consensus.bft.reward);
}

static int consensus_to_json(cJSON *root, const scenario *s)
{
    cJSON *cons, *pow, *pos;
    cons = cJSON_AddObjectToObject(root, "consensus");
    if (cons == NULL ||
        !cJSON_AddStringToObject(cons, "type", scenario_consensus_name(s->consensus.type)))
        return 0;
    pow = cJSON_AddObjectToObject(cons, "pow");
    if (pow == NULL ||
        !cJSON_AddNumberToObject(pow, "expected_hashes_per_block",
                                 (double)s->consensus.pow.expected_hashes_per_block) ||
        !add_duration(pow, "target_block_interval", s->consensus.pow.target_block_interval_ns) ||
        !cJSON_AddNumberToObject(pow, "retarget_interval", s->consensus.pow.retarget_interval) ||
        !cJSON_AddNumberToObject(pow, "reward", (double)s->consensus.pow.reward) ||
        !cJSON_AddNumberToObject(pow, "max_block_bytes", (double)s->consensus.pow.max_block_bytes))
        return 0;
    pos = cJSON_AddObjectToObject(cons, "pos");
    if (pos == NULL || !add_duration(pos, "slot", s->consensus.pos.slot_ns) ||
        !cJSON_AddNumberToObject(pos, "active_slot_coeff", s->consensus.pos.active_slot_coeff) ||
        !cJSON_AddNumberToObject(pos, "k", s->consensus.pos.k) ||
        !cJSON_AddNumberToObject(pos, "epoch_slots", s->consensus.pos.epoch_slots) ||
        !cJSON_AddNumberToObject(pos, "reward", (double)s->consensus.pos.reward))
        return 0;
    return (s->consensus.type != SCENARIO_POA || poa_to_json(cons, s)) &&
           (s->consensus.type != SCENARIO_BFT || bft_to_json(cons, s));
}

/* The seed as get_seed reads it back: a number up to 2^53 - 1, digits
 * above. */
static cJSON *add_seed(cJSON *root, uint64_t seed)
{
    if (seed <= (uint64_t)SCENARIO_READ_MAX_EXACT)
        return cJSON_AddNumberToObject(root, "seed", (double)seed);
    char digits[24];
    snprintf(digits, sizeof digits, "%llu", (unsigned long long)seed);
    return cJSON_AddStringToObject(root, "seed", digits);
}

cJSON *scenario_to_json(const scenario *s)
{
    cJSON *root = cJSON_CreateObject(), *nodes, *w, *m, *evs, *ov;
    /* With shares, a node's own region is the drawn one: only the nodes
     * placed elsewhere are overrides. */
    uint32_t *home = NULL;
    if (s->network.region_share != NULL) {
        home = malloc(((size_t)s->n_nodes + 1) * sizeof *home);
        if (home == NULL)
            goto fail;
        regions_assign(home, s);
    }
    if (root == NULL || !cJSON_AddStringToObject(root, "name", s->name) ||
        !cJSON_AddStringToObject(root, "description", s->description) || !add_seed(root, s->seed) ||
        !add_duration(root, "duration", s->duration_ns))
        goto fail;
    nodes = cJSON_AddObjectToObject(root, "nodes");
    if (nodes == NULL || !cJSON_AddNumberToObject(nodes, "count", s->n_nodes) ||
        !cJSON_AddNumberToObject(nodes, "hashrate", s->default_hashrate_hps) ||
        !cJSON_AddNumberToObject(nodes, "stake", (double)s->default_stake))
        goto fail;
    ov = cJSON_AddArrayToObject(root, "node_overrides");
    if (ov == NULL)
        goto fail;
    for (uint32_t i = 0; i < s->n_nodes; i++) {
        const scenario_node *nd = &s->nodes[i];
        if (nd->hashrate_hps == s->default_hashrate_hps && nd->stake == s->default_stake &&
            nd->region == (home != NULL ? home[i] : 0) && nd->join_at_ns == 0)
            continue;
        cJSON *o = cJSON_CreateObject();
        if (o == NULL || !cJSON_AddItemToArray(ov, o) ||
            !cJSON_AddNumberToObject(o, "node", (double)i + 1) ||
            !cJSON_AddNumberToObject(o, "hashrate", nd->hashrate_hps) ||
            !cJSON_AddNumberToObject(o, "stake", (double)nd->stake) ||
            (s->network.n_regions > 0 &&
             !cJSON_AddStringToObject(o, "region", s->network.region_names[nd->region])) ||
            !add_duration(o, "join_at", nd->join_at_ns))
            goto fail;
    }
    if (!consensus_to_json(root, s))
        goto fail;
    if (!network_to_json(root, s))
        goto fail;
    w = cJSON_AddObjectToObject(root, "workload");
    if (w == NULL || !cJSON_AddNumberToObject(w, "wallets", s->workload.wallets) ||
        !cJSON_AddNumberToObject(w, "rate", s->workload.rate_per_s) ||
        !cJSON_AddNumberToObject(w, "amount_min", (double)s->workload.amount_min) ||
        !cJSON_AddNumberToObject(w, "amount_max", (double)s->workload.amount_max) ||
        !cJSON_AddNumberToObject(w, "fee", (double)s->workload.fee) ||
        !cJSON_AddNumberToObject(w, "confirmations", s->workload.confirmations))
        goto fail;
    m = cJSON_AddObjectToObject(root, "metrics");
    if (m == NULL || !add_duration(m, "sample_interval", s->metrics.sample_interval_ns))
        goto fail;
    evs = cJSON_AddArrayToObject(root, "events");
    if (evs == NULL)
        goto fail;
    for (size_t i = 0; i < s->n_events; i++)
        if (!event_to_json(evs, s, &s->events[i]))
            goto fail;
    /* Written only when there are any, so that the scenario as run of a
     * run without attackers reads as before. */
    if (s->n_adversaries > 0) {
        cJSON *adv = cJSON_AddArrayToObject(root, "adversaries");
        if (adv == NULL)
            goto fail;
        for (size_t i = 0; i < s->n_adversaries; i++)
            if (!adversary_to_json(adv, &s->adversaries[i]))
                goto fail;
    }
    free(home);
    return root;
fail:
    free(home);
    cJSON_Delete(root);
    return NULL;
}
