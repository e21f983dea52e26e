/* The consensus rules of a run that plug into the chain's hooks: the
 * retarget parameters of Proof-of-Work (Bitcoin's rule itself lives in
 * chain.c), and the Ouroboros-Praos-style slot lottery and proposer
 * signature for Proof-of-Stake. One immutable context per run, shared by
 * every node (it holds no mutable state). */
#ifndef CHAINSIM_CONSENSUS_H
#define CHAINSIM_CONSENSUS_H

#include "block.h"
#include "chain.h"
#include "keys.h"
#include "stake.h"
#include "u256.h"

#include <stdint.h>

/* The most signers a PoA authority set may have. */
#define CONSENSUS_POA_MAX_SIGNERS 64

typedef struct consensus_ctx {
    chain_consensus type;
    uint32_t genesis_time; /* seconds; header times count from here */
    /* PoW */
    uint32_t retarget_blocks; /* R (0: never retarget) */
    int64_t spacing_ms;       /* target milliseconds between blocks (at least 1) */
    u256 pow_limit;           /* easiest allowed target */
    /* PoS */
    int64_t
        slot_ns; /* a whole number of ms (header time = genesis + floor(slot * slot_ms / 1000)) */
    uint32_t epoch_slots; /* slots per epoch */
    double f;             /* active slot coefficient */
    hash256 genesis_seed; /* seed of epoch 0 */
    uint32_t k;           /* deepest rollback fork choice takes (chain_params.max_rollback) */
    /* The stake schedule (fixed before the run). When set it answers the
     * lottery's stake questions and chain files record it, so that
     * `chainsim verify` can check the lottery; the hooks below are then
     * unused. */
    const stake_schedule *stakes;
    /* Otherwise: stake of a public key at a slot, and the total stake at a
     * slot. Pure: every node must get the same answer. */
    uint64_t (*stake_of)(void *ctx, const uint8_t pub[KEYS_PUB_BYTES], uint64_t slot);
    uint64_t (*total_stake)(void *ctx, uint64_t slot);
    void *stake_ctx;
    /* PoA (core/consensus_poa.c): the authority set, the period (the least
     * time from a parent to its child, ms), the out-of-turn delay (ms) and
     * the seed of the out-of-turn wiggle (local policy, not checked). */
    uint32_t poa_period_ms;
    uint32_t poa_delay_ms;
    uint64_t poa_wiggle_seed;
    uint32_t poa_n_signers;
    uint8_t poa_signers[CONSENSUS_POA_MAX_SIGNERS][KEYS_PUB_BYTES];
    /* BFT (core/consensus_bft.c): validators are the keys of stakes with
     * stake at slot 0; the timeouts of round r are base + r * delta; a new
     * height starts timeout_commit after a commit. */
    int64_t bft_timeout_propose_ns;
    int64_t bft_timeout_prevote_ns;
    int64_t bft_timeout_precommit_ns;
    int64_t bft_timeout_delta_ns;
    int64_t bft_timeout_commit_ns;
    /* 1: each node forwards every proposal and vote it accepts for the
     * first time to its other peers (gossip), for topologies where
     * validators do not all hear each other directly; 0: only the signer
     * sends its messages, to its own peers. */
    int bft_relay;
} consensus_ctx;

/* Installs the hooks for ctx->type into p (expected_bits for PoW; check_proof
 * for PoS) with ctx as their context; ctx must outlive every chain using p.
 * Also sets p's consensus parameters: retarget_blocks, target_spacing_s (a
 * whole-second spacing) or target_spacing_ms (any other) and pow_limit_bits
 * for PoW; max_rollback = k for PoS (0 for PoW). */
void consensus_install(chain_params *p, const consensus_ctx *ctx);

/* The PoS context consensus_install put into p, or NULL when p has none
 * (PoW, or other hooks). Borrowed. */
const consensus_ctx *consensus_of(const chain_params *p);

/* The header time of a PoS block in slot: genesis_time + floor(slot *
 * slot_ms / 1000), whole seconds (UINT64_MAX when it would overflow: such a
 * slot matches no header). */
uint64_t consensus_slot_time(const consensus_ctx *ctx, uint64_t slot);

/* The epoch seed for the epoch of slot on the branch ending at parent:
 * seed(0) = genesis_seed; for e >= 1, seed(e) = pos_next_epoch_seed(seed0, id
 * of the last block of the branch with a slot before epoch e - 1 starts),
 * where seed0 = SHA-256(genesis_seed || e). That block is settled a whole
 * epoch before epoch e starts, so every honest node agrees on it. */
void consensus_epoch_seed(hash256 *out, const consensus_ctx *ctx, const chain_entry *parent,
                          uint64_t slot);

/* 1 when pub leads slot on the branch ending at parent (writing the lottery
 * hash to lottery when not NULL), else 0. */
int consensus_pos_leader(const consensus_ctx *ctx, hash256 *lottery, const chain_entry *parent,
                         uint64_t slot, const uint8_t pub[KEYS_PUB_BYTES]);

/* The slot of a block (its PoS extension), or 0 for a PoW block. */
uint64_t consensus_block_slot(const block *b);

#endif
