/* What the live dashboard shows of each protocol and of the adversaries:
 * PoS the slot now, its leaders and the empty slots; BFT each node's
 * height, round and step, the proposer and the votes seen against the 2/3
 * threshold, and whether any side of a partition holds 2/3 of the power;
 * PoA the in-turn signer; and which nodes attack, of which kind. Reads node
 * state only, at a barrier (rundash_publish). */
#ifndef CHAINSIM_DASHCONS_H
#define CHAINSIM_DASHCONS_H

#include "rundash.h"
#include "scenario.h"

#include <cjson/cJSON.h>
#include <stdint.h>

/* Each node's adversary kind for the page (scn->n_nodes entries, static
 * strings, NULL for an honest node): the kind of its `adversaries` entry
 * ("selfish", "double_spend", "byzantine", "withhold", "censor"), else
 * "eclipse" for a node that some eclipse event names among its attackers.
 * Returns the array (free it) or NULL when out of memory. */
const char **dashcons_adversary_kinds(const scenario *scn);

/* The name of a BFT step for the page: "propose", "prevote", "precommit". */
const char *dashcons_step_name(int step);

/* Adds "bft": {"height", "round", "step"} to o when n runs BFT and has
 * started its state machine. */
void dashcons_node(cJSON *o, const node *n);

/* Adds the protocol's object to status: "pos" (slot_ns > 0), "bft" or
 * "poa" (after the consensus name), read from the nodes of st; keys are the
 * nodes' public keys (to name leaders and proposers), best the best node's
 * index (-1 for none). Leaves status as it is when nothing applies or
 * memory runs out. */
void dashcons_status(cJSON *status, const rundash_state *st, uint32_t n_nodes,
                     const uint8_t (*keys)[KEYS_PUB_BYTES], int best, const char *consensus,
                     int64_t slot_ns);

/* The node (1-based) of key pub among keys, or 0. */
uint32_t dashcons_node_of_key(const uint8_t (*keys)[KEYS_PUB_BYTES], uint32_t n_nodes,
                              const uint8_t *pub);

#endif
