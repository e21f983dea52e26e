/* The consensus rules a scenario gives its run, derived in one place for
 * the run itself (world_setup) and for the commands that read a finished
 * run's chain files (`verify` checks a file against them, `serve` names
 * block producers and wallets with them): node keys from the run seed, the
 * stake schedule, the chain parameters with the consensus hooks, the
 * wallets that genesis funds, the genesis block, and the network's
 * topology. Pure: the same
 * scenario and seed give the same rules. */
#ifndef CHAINSIM_RULES_H
#define CHAINSIM_RULES_H

#include "chain.h"
#include "consensus.h"
#include "consensus_ops.h"
#include "keys.h"
#include "net.h"
#include "scenario.h"
#include "stake.h"
#include "wallet.h"

#include <stddef.h>
#include <stdint.h>

/* The seed of node i's key pair (0-based i) in a run with run_seed. */
void rules_node_seed(uint8_t out[KEYS_SEED_BYTES], uint64_t run_seed, uint32_t i);

/* The stake schedule of scn: each node's stake from slot 0 (pubs[i] is node
 * i's public key), and each set_stake from the first slot that starts at
 * or after its time. Returns 0 and *out (stake_free), or -1 with *out NULL
 * and a message in err. */
int rules_stakes(stake_schedule **out, char *err, size_t errlen, const scenario *scn,
                 const uint8_t (*pubs)[KEYS_PUB_BYTES]) __attribute__((warn_unused_result));

/* The consensus protocol scn runs (core/consensus_registry.h: the one named
 * by consensus.type; static). Every type a scenario can name has one. */
const consensus_ops *rules_protocol(const scenario *scn);

/* The chain params and the consensus context of scn with run seed seed
 * (stakes: the schedule of rules_stakes, used by PoS; borrowed), with the
 * hooks of its protocol installed (rules_protocol's install: params points
 * to cons, so neither may move afterwards). Genesis outputs are left unset
 * (rules_wallets gives them). Returns 0, or -1 with a message naming the scenario key in err
 * (a block interval or slot that is not a whole number of seconds). */
int rules_consensus(chain_params *params, consensus_ctx *cons, char *err, size_t errlen,
                    const scenario *scn, uint64_t seed, const stake_schedule *stakes)
    __attribute__((warn_unused_result));

/* The wallets of scn's workload (keys from seed), each funded at genesis
 * with the run's coins. Returns 0 and *out (wallet_set_free), or -1 when
 * out of memory (*out NULL). */
int rules_wallets(wallet_set **out, const scenario *scn, uint64_t seed)
    __attribute__((warn_unused_result));

/* The network of scn (its topology drawn from seed's topology stream).
 * Returns 0 and *out (net_free), or -1 when out of memory. */
int rules_net(net **out, const scenario *scn, uint64_t seed) __attribute__((warn_unused_result));

/* All the rules of a run, for a reader of its outputs. */
typedef struct rules_set {
    chain_params params;                  /* hooks installed; genesis outputs from ws */
    consensus_ctx cons;                   /* params' consensus context */
    stake_schedule *stakes;               /* owned; NULL when node_pubs is */
    wallet_set *ws;                       /* owned */
    uint8_t (*node_pubs)[KEYS_PUB_BYTES]; /* n_nodes keys, owned (see rules_build) */
    uint32_t n_nodes;
    block *genesis; /* one reference, owned */
    int64_t end_s;  /* the run's end in header seconds: genesis time + duration */
} rules_set;

/* What rules_build derives beyond what checking a chain needs. */
enum {
    RULES_NODE_KEYS = 1 /* every node's public key, also for PoW (PoS always needs them) */
};

/* Builds the rules of scn (run seed scn->seed) into *r, which must not move
 * afterwards (r->params points to r->cons). Node keys cost a key derivation
 * each: without RULES_NODE_KEYS in flags a PoW run's are left out
 * (node_pubs and stakes NULL), since its chain depends on none of them.
 * Returns 0, or 1 when out of memory or 2 when the scenario cannot run,
 * with a message in err; *r is then zeroed. Free with rules_free. */
int rules_build(rules_set *r, char *err, size_t errlen, const scenario *scn, unsigned flags)
    __attribute__((warn_unused_result));

/* Frees what r owns and zeroes it. Accepts a zeroed r. */
void rules_free(rules_set *r);

#endif
