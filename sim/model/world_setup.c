/* Building and tearing down the world of one run: every node's key (from
 * the run seed) and random streams, the stake schedule, the consensus
 * parameters, wallets and genesis, the network, the metrics recorder and
 * the engine with the run's first events; and each node's configuration,
 * used when it starts, joins or restarts. */
#include "world.h"
#include "timeunit.h"

#include "dist.h"
#include "fileout.h"
#include "rules.h"
#include "streams.h"

#include <openssl/crypto.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- nodes ------------------------------------------------------------ */

static int node_config_for(world *s, node_config *cfg, uint32_t i, uint32_t *peers)
{
    world_node *sn = &s->nodes[i];
    size_t deg = net_degree(s->net, i);
    for (size_t k = 0; k < deg; k++)
        peers[k] = net_neighbor(s->net, i, k);
    memset(cfg, 0, sizeof *cfg);
    cfg->id = i;
    cfg->peers = peers;
    cfg->n_peers = deg;
    cfg->chain = &s->params;
    cfg->genesis = s->genesis;
    cfg->cache = s->cache;
    cfg->index = s->index;
    cfg->key = sn->key;
    cfg->hashrate_mhps = s->ops->production == CONSENSUS_MINES ? sn->hashrate_mhps : 0;
    cfg->cons = &s->cons;
    cfg->ops = s->ops;
    cfg->ban_score = s->scn.network.ban_score;
    /* Re-ask a missing item after a generous multiple of the latency. */
    const scenario_latency *lat = &s->scn.network.latency;
    const int64_t hour_ns = TIMEUNIT_NS_PER_H; /* caps the sums below */
    int64_t mean = lat->mean_ns < hour_ns ? lat->mean_ns : hour_ns;
    int64_t sd = lat->stddev_ns < hour_ns ? lat->stddev_ns : hour_ns;
    int64_t typical = lat->max_ns > mean ? lat->max_ns : mean + 4 * sd;
    if (typical > hour_ns)
        typical = hour_ns;
    cfg->request_timeout_ns = 2 * TIMEUNIT_NS_PER_S + 4 * typical;
    return 0;
}

char *world_chain_path_in(const char *dir, uint32_t ni)
{
    char name[64];
    snprintf(name, sizeof name, "node%u_chain.json", ni + 1);
    return fileout_join(dir, name);
}

/* Starts node i (at the run's start, on joining, or on restart, when
 * restored is its chain reloaded from its file). Global context. */
int world_start_node(world *s, engine_call *call, uint32_t i, chain *restored)
{
    world_node *sn = &s->nodes[i];
    if (!world_local(s, i)) { /* its process starts it; online is known everywhere */
        chain_free(restored);
        sn->online = 1;
        return 0;
    }
    node_config cfg;
    uint32_t *peers = malloc((net_degree(s->net, i) + 1) * sizeof *peers);
    if (peers == NULL) {
        chain_free(restored);
        return -1;
    }
    node_config_for(s, &cfg, i, peers);
    node *fresh;
    int restart = restored != NULL && sn->n != NULL;
    int rc = node_new(&fresh, &cfg, restored);
    free(peers);
    if (rc != 0)
        return -1;
    if (restart)
        node_consensus_resume(fresh, sn->n);
    node_free(sn->n);
    sn->n = fresh;
    sn->online = 1;
    if (sn->adv != NULL && adversary_on_start(sn->adv, sn->n) != 0)
        return -1;
    if (sn->hosts_wallets) {
        wallet_forget_scan(s->ws, i);
        if (wallet_scan(s->ws, i, node_chain(sn->n)) != 0)
            return -1;
    }
    engine_call_act_as(call, i);
    node_start(sn->n, &sn->fx, engine_call_now(call));
    world_arm_wallets(s, call, i);
    world_apply(s, call, i);
    return 0;
}

/* ---- setup and teardown ----------------------------------------------- */

/* The consensus rules (sim/model/rules.c, shared with the readers of a
 * run's chain files). */
static int setup_consensus(world *s, char *err, size_t errlen)
{
    s->ops = rules_protocol(&s->scn);
    return rules_consensus(&s->params, &s->cons, err, errlen, &s->scn, s->seed, s->stakes);
}

/* The stake schedule from the scenario (rules_stakes). */
static int setup_stakes(world *s, const uint8_t (*pubs)[KEYS_PUB_BYTES], char *err, size_t errlen)
{
    return rules_stakes(&s->stakes, err, errlen, &s->scn, pubs);
}

/* An equivocator's allies: the keys of every equivocator of the run. */
static int set_allies(world *s, adversary *adv)
{
    uint8_t(*pubs)[KEYS_PUB_BYTES] = calloc(s->scn.n_adversaries, KEYS_PUB_BYTES);
    size_t n = 0;
    if (pubs == NULL)
        return -1;
    for (size_t k = 0; k < s->scn.n_adversaries; k++)
        if (s->scn.adversaries[k].kind == SCENARIO_ADV_EQUIVOCATE)
            memcpy(pubs[n++], keys_pair_public(s->nodes[s->scn.adversaries[k].node].key),
                   KEYS_PUB_BYTES);
    int rc = adversary_set_allies(adv, (const uint8_t(*)[KEYS_PUB_BYTES])pubs, n);
    free(pubs);
    return rc;
}

/* The attackers of the scenario, each on its node. A selfish miner's
 * publish_to must name neighbours of its node (in the network built).
 * Returns 0, 1 (out of memory) or 2 (bad input), with a message in err. */
static int setup_adversaries(world *s, char *err, size_t errlen)
{
    for (size_t k = 0; k < s->scn.n_adversaries; k++) {
        const scenario_adversary *a = &s->scn.adversaries[k];
        for (size_t j = 0; j < a->n_publish_to; j++)
            if (!net_linked(s->net, a->node, a->publish_to[j])) {
                snprintf(err, errlen,
                         "adversaries[%zu].publish_to[%zu]: node %u is not a neighbour of node %u "
                         "in the network's topology",
                         k, j, a->publish_to[j] + 1, a->node + 1);
                return 2;
            }
        if (a->kind == SCENARIO_ADV_DOUBLE_SPEND && !net_linked(s->net, a->node, a->merchant)) {
            snprintf(err, errlen,
                     "adversaries[%zu].merchant: node %u is not a neighbour of node %u in the "
                     "network's topology (the attacker pays the merchant directly)",
                     k, a->merchant + 1, a->node + 1);
            return 2;
        }
        if (adversary_new(&s->nodes[a->node].adv, a, s->ws, s->scn.workload.fee) != 0 ||
            (a->kind == SCENARIO_ADV_EQUIVOCATE && set_allies(s, s->nodes[a->node].adv) != 0)) {
            snprintf(err, errlen, "out of memory while setting up the run");
            return 1;
        }
    }
    return 0;
}

int world_setup(world *s, char *err, size_t errlen)
{
    const scenario *scn = &s->scn;
    s->n = scn->n_nodes;
    s->voice = UINT32_MAX;
    s->nodes = calloc(s->n + 1, sizeof *s->nodes); /* + the global console lines */
    uint8_t(*pubs)[KEYS_PUB_BYTES] = calloc(s->n, KEYS_PUB_BYTES);
    if (s->nodes == NULL || pubs == NULL)
        goto nomem;
    for (uint32_t i = 0; i < s->n; i++) {
        world_node *sn = &s->nodes[i];
        uint8_t seed[KEYS_SEED_BYTES];
        rules_node_seed(seed, s->seed, i);
        int rc = keys_pair_new(&sn->key, seed);
        OPENSSL_cleanse(seed, sizeof seed);
        if (rc != 0)
            goto nomem;
        memcpy(pubs[i], keys_pair_public(sn->key), KEYS_PUB_BYTES);
        rng_init(&sn->rng_net, s->seed, i, RNG_STREAM_NET);
        rng_init(&sn->rng_work, s->seed, i, RNG_STREAM_WORK);
        sn->hashrate_mhps = world_hashrate_mhps(scn->nodes[i].hashrate_hps);
    }
    if (setup_stakes(s, (const uint8_t(*)[KEYS_PUB_BYTES])pubs, err, errlen) != 0) {
        free(pubs);
        return 2;
    }
    free(pubs);
    pubs = NULL;
    if (setup_consensus(s, err, errlen) != 0)
        return 2;
    if (rules_wallets(&s->ws, scn, s->seed) != 0)
        goto nomem;
    for (uint32_t w = 0; w < wallet_count(s->ws); w++)
        s->nodes[wallet_host(s->ws, w)].hosts_wallets = 1;
    s->params.genesis_outputs = wallet_genesis_outputs(s->ws, &s->params.n_genesis_outputs);
    if (sigcache_new(&s->cache, 1 << 16) != 0 || chain_index_new(&s->index) != 0 ||
        chain_genesis_new(&s->genesis, &s->params) != 0)
        goto nomem;
    if (rules_net(&s->net, scn, s->seed) != 0)
        goto nomem;
    s->m = metrics_new(s->n, scn->workload.confirmations ? scn->workload.confirmations : 1);
    if (s->m == NULL)
        goto nomem;
    for (uint32_t i = 0; i < s->n; i++)
        s->nodes[i].mn = metrics_node_of(s->m, i + 1);
    int adv_rc = setup_adversaries(s, err, errlen);
    if (adv_rc != 0)
        return adv_rc;

    engine_config ec;
    memset(&ec, 0, sizeof ec);
    ec.nodes = s->n;
    ec.lookahead_ns = scenario_lookahead_ns(scn);
    ec.threads = s->threads;
    ec.realtime_factor = s->realtime;
    ec.model =
        (engine_model){s,          world_on_event, world_on_idle, world_on_global, world_on_discard,
                       world_pack, world_unpack};
    if (s->procs > 1) {
        ec.procs = s->procs;
        ec.proc = dist_rank();
        if (world_dist_setup(s) != 0)
            goto nomem;
    }
    int rc = engine_new(&s->eng, &ec);
    if (rc != ENGINE_OK) {
        snprintf(err, errlen, "cannot start the engine: %s", engine_status_message(rc));
        return rc == ENGINE_E_NOMEM || rc == ENGINE_E_THREAD ? 1 : 2;
    }
    /* Node starts, then scenario events in file order, then samples. */
    for (uint32_t i = 0; i < s->n; i++)
        if (engine_schedule_global(s->eng, scn->nodes[i].join_at_ns, WORLD_G_START, NULL, i) != 0)
            goto nomem;
    for (size_t e = 0; e < scn->n_events; e++)
        if (engine_schedule_global(s->eng, scn->events[e].at_ns, WORLD_G_EVENT, NULL, e) != 0)
            goto nomem;
    if (engine_schedule_global(s->eng, 0, WORLD_G_SAMPLE, NULL, 0) != 0)
        goto nomem;
    return 0;
nomem:
    free(pubs);
    snprintf(err, errlen, "out of memory while setting up the run");
    return 1;
}

void world_teardown(world *s)
{
    engine_free(s->eng); /* hands pending payloads to on_discard */
    world_dist_teardown(s);
    world_remove_crash_dir(s);
    for (uint32_t i = 0; s->nodes && i <= s->n; i++) {
        world_node *sn = &s->nodes[i];
        node_free(sn->n);
        adversary_free(sn->adv);
        node_effects_free(&sn->fx);
        keys_pair_free(sn->key);
        for (size_t k = 0; k < sn->n_lines; k++)
            free(sn->lines[k].text);
        free(sn->lines);
    }
    free(s->nodes);
    free(s->group_of);
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->isolated)
            free(s->isolated[i].links);
        if (s->eclipsed)
            free(s->eclipsed[i].links);
    }
    free(s->isolated);
    free(s->eclipsed);
    metrics_free(s->m);
    net_free(s->net);
    block_unref(s->genesis);
    chain_index_free(s->index); /* after the nodes' chains */
    sigcache_free(s->cache);
    wallet_set_free(s->ws);
    stake_free(s->stakes);
    cJSON_Delete(s->scn_json);
    scenario_free(&s->scn);
}
