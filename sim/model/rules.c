/* The rules of a run from its scenario. world_setup builds the run from the
 * same functions, so a chain file written by a run and the rules `verify`
 * derives from that run's scenario cannot drift apart. */
#include "rules.h"
#include "timeunit.h"

#include "consensus_registry.h"
#include "pow.h"
#include "streams.h"
#include "world.h"

#include <openssl/crypto.h>

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rules_node_seed(uint8_t out[KEYS_SEED_BYTES], uint64_t run_seed, uint32_t i)
{
    keys_derive_seed(out, run_seed, "node", i);
}

int rules_stakes(stake_schedule **out, char *err, size_t errlen, const scenario *scn,
                 const uint8_t (*pubs)[KEYS_PUB_BYTES])
{
    int64_t slot_ns = scn->consensus.pos.slot_ns > 0 ? scn->consensus.pos.slot_ns : 1;
    stake_entry *entries = calloc(scn->n_nodes + scn->n_events, sizeof *entries);
    size_t n = 0;
    *out = NULL;
    if (entries == NULL) {
        snprintf(err, errlen, "out of memory while setting up the run");
        return -1;
    }
    for (uint32_t i = 0; i < scn->n_nodes; i++) {
        memcpy(entries[n].pub, pubs[i], KEYS_PUB_BYTES);
        entries[n++].stake = scn->nodes[i].stake;
    }
    for (size_t e = 0; e < scn->n_events; e++) {
        const scenario_event *ev = &scn->events[e];
        if (ev->type != SCENARIO_EV_SET_STAKE)
            continue;
        memcpy(entries[n].pub, pubs[ev->node], KEYS_PUB_BYTES);
        entries[n].from_slot = (uint64_t)((ev->at_ns + slot_ns - 1) / slot_ns);
        entries[n++].stake = ev->stake;
    }
    stake_status st = stake_new(out, entries, n);
    free(entries);
    if (st != STAKE_OK) {
        snprintf(err, errlen, "nodes[].stake, set_stake events: %s", stake_status_message(st));
        return -1;
    }
    return 0;
}

const consensus_ops *rules_protocol(const scenario *scn)
{
    const consensus_ops *ops = consensus_find(scenario_consensus_name(scn->consensus.type));
    assert(ops != NULL); /* the registry lists every scenario_consensus */
    return ops;
}

/* The PoA part of rules_consensus: the signers' public keys (derived from the
 * run seed as the nodes' own), the period and the out-of-turn delay. */
static int rules_poa(chain_params *params, consensus_ctx *cons, char *err, size_t errlen,
                     const scenario *scn, uint64_t seed)
{
    if (scn->consensus.poa.n_signers == 0 ||
        scn->consensus.poa.n_signers > CONSENSUS_POA_MAX_SIGNERS) {
        snprintf(err, errlen, "consensus.poa.signers: expected 1 to %d signers",
                 CONSENSUS_POA_MAX_SIGNERS);
        return -1;
    }
    params->block_reward = scn->consensus.poa.reward;
    params->max_block_bytes = scn->consensus.pow.max_block_bytes;
    cons->type = CHAIN_POA;
    cons->poa_period_ms = (uint32_t)(scn->consensus.poa.period_ns / TIMEUNIT_NS_PER_MS);
    cons->poa_delay_ms = (uint32_t)(scn->consensus.poa.out_of_turn_delay_ns / TIMEUNIT_NS_PER_MS);
    cons->poa_wiggle_seed = seed;
    cons->poa_n_signers = scn->consensus.poa.n_signers;
    for (uint32_t i = 0; i < cons->poa_n_signers; i++) {
        uint8_t node_seed[KEYS_SEED_BYTES];
        keys_pair *kp = NULL;
        rules_node_seed(node_seed, seed, scn->consensus.poa.signers[i]);
        int rc = keys_pair_new(&kp, node_seed);
        OPENSSL_cleanse(node_seed, sizeof node_seed);
        if (rc != 0) {
            snprintf(err, errlen, "out of memory while deriving the signers' keys");
            return -1;
        }
        memcpy(cons->poa_signers[i], keys_pair_public(kp), KEYS_PUB_BYTES);
        keys_pair_free(kp);
    }
    return 0;
}

/* consensus.bft: the timeouts and the validators (the nodes with stake). */
static int rules_bft(chain_params *params, consensus_ctx *cons, char *err, size_t errlen,
                     const scenario *scn, const stake_schedule *stakes)
{
    params->block_reward = scn->consensus.bft.reward;
    params->max_block_bytes = scn->consensus.pow.max_block_bytes;
    cons->type = CHAIN_BFT;
    cons->stakes = stakes;
    cons->bft_timeout_propose_ns = scn->consensus.bft.timeout_propose_ns;
    cons->bft_timeout_prevote_ns = scn->consensus.bft.timeout_prevote_ns;
    cons->bft_timeout_precommit_ns = scn->consensus.bft.timeout_precommit_ns;
    cons->bft_timeout_delta_ns = scn->consensus.bft.timeout_delta_ns;
    cons->bft_timeout_commit_ns = scn->consensus.bft.timeout_commit_ns;
    /* "auto": on a full mesh every validator hears every other directly
     * and nobody forwards (the runs stay as they were before relay). */
    cons->bft_relay = scn->consensus.bft.relay == SCENARIO_BFT_RELAY_ON ||
                      (scn->consensus.bft.relay == SCENARIO_BFT_RELAY_AUTO &&
                       scn->network.topology != SCENARIO_TOPO_FULL);
    uint64_t total = 0;
    for (uint32_t i = 0; i < scn->n_nodes; i++)
        total += scn->nodes[i].stake;
    if (total == 0) {
        snprintf(err, errlen,
                 "nodes[].stake: consensus \"bft\" needs validators: at least one "
                 "node with stake");
        return -1;
    }
    return 0;
}

int rules_consensus(chain_params *params, consensus_ctx *cons, char *err, size_t errlen,
                    const scenario *scn, uint64_t seed, const stake_schedule *stakes)
{
    chain_params_default(params);
    memset(cons, 0, sizeof *cons);
    params->seed = seed;
    cons->genesis_time = params->genesis_time;
    u256_set_compact(&cons->pow_limit, params->pow_limit_bits, NULL, NULL);
    if (scn->consensus.type == SCENARIO_POA) {
        if (rules_poa(params, cons, err, errlen, scn, seed) != 0)
            return -1;
    } else if (scn->consensus.type == SCENARIO_POW) {
        uint32_t bits;
        if (pow_bits_for_expected_hashes(
                &bits, (double)scn->consensus.pow.expected_hashes_per_block) != POW_OK) {
            snprintf(err, errlen, "consensus.pow.expected_hashes_per_block: must be at least 1");
            return -1;
        }
        int64_t spacing_ns = scn->consensus.pow.target_block_interval_ns;
        if (spacing_ns < TIMEUNIT_NS_PER_MS || spacing_ns % TIMEUNIT_NS_PER_MS != 0 ||
            spacing_ns / TIMEUNIT_NS_PER_MS > UINT32_MAX) {
            snprintf(err, errlen,
                     "consensus.pow.target_block_interval: must be a whole number of ms, at "
                     "least 1ms and at most 49 days");
            return -1;
        }
        params->genesis_bits = bits;
        params->block_reward = scn->consensus.pow.reward;
        params->max_block_bytes = scn->consensus.pow.max_block_bytes;
        cons->type = CHAIN_POW;
        cons->retarget_blocks = scn->consensus.pow.retarget_interval;
        cons->spacing_ms = spacing_ns / TIMEUNIT_NS_PER_MS;
    } else if (scn->consensus.type == SCENARIO_BFT) {
        if (rules_bft(params, cons, err, errlen, scn, stakes))
            return -1;
    } else {
        int64_t slot_ns = scn->consensus.pos.slot_ns;
        if (slot_ns < TIMEUNIT_NS_PER_MS || slot_ns % TIMEUNIT_NS_PER_MS != 0 ||
            slot_ns / TIMEUNIT_NS_PER_MS > UINT32_MAX) {
            snprintf(err, errlen,
                     "consensus.pos.slot: must be a whole number of ms, at least 1ms and at "
                     "most 49 days");
            return -1;
        }
        params->block_reward = scn->consensus.pos.reward;
        params->max_block_bytes = scn->consensus.pow.max_block_bytes;
        cons->type = CHAIN_POS;
        cons->slot_ns = slot_ns;
        cons->epoch_slots = scn->consensus.pos.epoch_slots;
        cons->f = scn->consensus.pos.active_slot_coeff;
        /* SHA-256("chainsim-pos" || seed, little-endian): the seed's low 4
         * bytes, and its high 4 bytes too when they are not zero. Every
         * 64-bit seed gives its own epoch-0 seed, and seeds below 2^32 keep
         * the 16-byte input they always had. */
        uint8_t buf[20];
        size_t n = seed >> 32 ? 20 : 16;
        memcpy(buf, "chainsim-pos", 12);
        for (size_t i = 0; i < n - 12; i++)
            buf[12 + i] = (uint8_t)(seed >> (8 * i));
        hash_sha256(cons->genesis_seed.b, buf, n);
        cons->k = scn->consensus.pos.k;
        cons->stakes = stakes;
    }
    rules_protocol(scn)->install(params, cons);
    return 0;
}

int rules_wallets(wallet_set **out, const scenario *scn, uint64_t seed)
{
    uint64_t coin = 10 * (scn->workload.amount_max + scn->workload.fee);
    return wallet_set_new(out, scn->workload.wallets, seed, scn->n_nodes, WORLD_WALLET_COINS, coin);
}

int rules_net(net **out, const scenario *scn, uint64_t seed)
{
    rng topo;
    rng_init(&topo, seed, UINT32_MAX, RNG_STREAM_TOPOLOGY);
    return net_new(out, scn, (net_rng){world_rng_draw, &topo});
}

int rules_build(rules_set *r, char *err, size_t errlen, const scenario *scn, unsigned flags)
{
    memset(r, 0, sizeof *r);
    r->n_nodes = scn->n_nodes;
    int keys = (flags & RULES_NODE_KEYS) || rules_protocol(scn)->needs_keys;
    r->node_pubs = keys ? calloc(scn->n_nodes ? scn->n_nodes : 1, sizeof *r->node_pubs) : NULL;
    if (keys && r->node_pubs == NULL)
        goto nomem;
    for (uint32_t i = 0; keys && i < scn->n_nodes; i++) {
        uint8_t seed[KEYS_SEED_BYTES];
        keys_pair *kp = NULL;
        rules_node_seed(seed, scn->seed, i);
        int rc = keys_pair_new(&kp, seed);
        OPENSSL_cleanse(seed, sizeof seed);
        if (rc != 0)
            goto nomem;
        memcpy(r->node_pubs[i], keys_pair_public(kp), KEYS_PUB_BYTES);
        keys_pair_free(kp);
    }
    if (keys &&
        rules_stakes(&r->stakes, err, errlen, scn, (const uint8_t(*)[KEYS_PUB_BYTES])r->node_pubs))
        goto fail;
    if (rules_consensus(&r->params, &r->cons, err, errlen, scn, scn->seed, r->stakes))
        goto fail;
    if (rules_wallets(&r->ws, scn, scn->seed) != 0)
        goto nomem;
    r->params.genesis_outputs = wallet_genesis_outputs(r->ws, &r->params.n_genesis_outputs);
    if (chain_genesis_new(&r->genesis, &r->params) != 0)
        goto nomem;
    r->end_s = (int64_t)r->params.genesis_time + scn->duration_ns / TIMEUNIT_NS_PER_S;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory while deriving the run's rules");
    rules_free(r);
    return 1;
fail:
    rules_free(r);
    return 2;
}

void rules_free(rules_set *r)
{
    block_unref(r->genesis);
    wallet_set_free(r->ws);
    stake_free(r->stakes);
    free(r->node_pubs);
    memset(r, 0, sizeof *r);
}
