/* One node's view of the ledger: the tree of every valid block it has seen
 * (with cumulative work), the active chain chosen by fork choice (most work;
 * a tie keeps the block seen first), the UTXO set of the active tip (the
 * immutable set after that block, so a reorganisation of any depth only
 * moves the tip), and a bounded pool of orphan blocks
 * whose parent is not known yet. Blocks are shared (reference counted), and
 * so is the tree's shape (chain_index); the chain keeps only a few bytes
 * per block of its own. One owner, not thread-safe; core/
 * rules, so it never reads a clock: callers pass their current time.
 *
 * Rules a block must meet (each rejection has its own reason code):
 *  - body: validate_block_body (coinbase first, size, merkle root, shapes);
 *  - link: a known parent (else it waits in the orphan pool); a block with a
 *    null parent must be this chain's genesis;
 *  - kind: BLOCK_VERSION_POS (the block extension) set exactly when the
 *    consensus is not PoW (PoS, PoA);
 *  - difficulty: bits equal params.expected_bits(parent) (default: Bitcoin's
 *    retarget when retarget_blocks > 0, else the parent's bits), and the
 *    consensus proof (default for PoW: id <= target);
 *  - time: strictly greater than the median time of the previous 11 blocks
 *    (fewer near genesis), and at most params.max_future_s after now_s;
 *  - coinbase height equals the block's height;
 *  - when connected: every input exists and is unspent, no output is spent
 *    twice in the block, signatures, outputs <= inputs, the coinbase pays at
 *    most reward + fees, all sums without overflow.
 * Sharing: connecting a block to its parent's state gives the same answer
 * at every node, so when a chain has a signature cache (one per run), the
 * first chain to connect a block attaches the result, the UTXO set after
 * the block (a layer over its parent's set: the coins it created and
 * spent, see utxo.h), to the block (block_share, tagged with the cache),
 * and the other chains of the run take that set without validating again.
 * The nodes of a run thus hold one UTXO set per block between them, not
 * one per node. A block that fails is never shared.
 * Like Bitcoin, a block on a side branch is checked against the UTXO state
 * only when its branch gets the most work; if it then fails, it and its
 * descendants are marked invalid and the best remaining branch is active.
 * Rollback limit (Ouroboros Praos: a node never reverts more than k blocks):
 * with params.max_rollback = k > 0, once the active chain reaches height h
 * the block at height h - k is final for this chain and stays final (the
 * final height never decreases, not even when a failed branch leaves the
 * tip lower). Fork choice only considers branches that contain the final
 * block, that is whose switch would disconnect at most k blocks of the
 * active chain: a reorg of depth k is taken, one of depth k + 1 is refused.
 * A refused branch stays in the tree as a side branch (the result's
 * refused_depth says so) and is never adopted later, however long it grows.
 * Consequence: after a partition in which both sides grew more than k
 * blocks past their fork, nodes stay split after the heal; a shorter split
 * converges to the longest branch. */
#ifndef CHAINSIM_CHAIN_H
#define CHAINSIM_CHAIN_H

#include "block.h"
#include "reason.h"
#include "sigcache.h"
#include "u256.h"
#include "utxo.h"

#include <stddef.h>
#include <stdint.h>

typedef struct chain chain;

/* A block's place in the tree: its parent, height and cumulative work, the
 * same at every chain, so the chains of a run share one (see chain_index).
 * Valid as long as its chain and the chain's index; read-only. */
typedef struct chain_entry chain_entry;

/* The block index of a run: one entry per block id for every chain that
 * uses it, each with a run index (its order of addition), so that a chain
 * keeps only what differs from one node to the next (whether it has the
 * block and whether it found it invalid, the order in which it saw it, its
 * UTXO set) in arrays indexed by it. Thread-safe: the chains of a run may
 * add and look up blocks from several threads at once. */
typedef struct chain_index chain_index;

typedef enum chain_consensus {
    CHAIN_POW = 0,
    CHAIN_POS = 1,
    CHAIN_POA = 2,
    CHAIN_BFT = 3
} chain_consensus;

/* 1 for the kinds whose blocks carry the block extension (core/block.h:
 * slot, proposer, proof, signature; BLOCK_VERSION_POS set): PoS and PoA.
 * PoW and BFT blocks have none (a BFT block's proof is its commit
 * certificate, kept beside it). */
static inline int chain_kind_has_extension(chain_consensus kind)
{
    return kind == CHAIN_POS || kind == CHAIN_POA;
}

/* Parameters of a run's ledger; identical for every node of a run. */
typedef struct chain_params {
    chain_consensus consensus;
    uint64_t seed;             /* run seed, written into the genesis coinbase */
    uint32_t genesis_time;     /* seconds, the header time of genesis */
    uint32_t genesis_bits;     /* compact target of genesis */
    uint64_t block_reward;     /* base units a coinbase may create besides fees */
    size_t max_block_bytes;    /* serialized size limit of a block */
    uint32_t max_future_s;     /* how far a block time may be ahead of now (7200) */
    size_t max_orphans;        /* orphan pool bound (oldest evicted first) */
    uint32_t retarget_blocks;  /* PoW retarget interval R in blocks (0: constant difficulty) */
    uint32_t target_spacing_s; /* target seconds between blocks */
    uint32_t pow_limit_bits;   /* compact form of the easiest target retargeting may reach */
    uint32_t max_rollback;     /* k: deepest reorg fork choice takes (0: unlimited; PoS uses it) */
    /* Outputs of the genesis coinbase (initial allocations); read only during
     * chain_genesis_new / chain_new. None: one output of 0 to a zero key. */
    const tx_out *genesis_outputs;
    size_t n_genesis_outputs;
    /* Consensus hooks, so PoW and PoS plug in without a second code path.
     * Each may be NULL for the default. They must be pure (same answer at
     * every node) and are called from the chain owner's thread. */
    /* The bits a child of parent must carry. Default for PoW with
     * retarget_blocks > 0: Bitcoin's retarget (pow_next_bits with R,
     * target_spacing_s and pow_limit_bits); otherwise the parent's bits. */
    uint32_t (*expected_bits)(void *ctx, const chain_entry *parent);
    /* Checks b's consensus proof given its parent; returns REASON_OK or a
     * reason and writes a message. Default: PoW, id <= target(bits)
     * (REASON_BLOCK_BAD_POW); PoS accepts (the PoS rules supply this hook). */
    reason (*check_proof)(void *ctx, const chain_entry *parent, const block *b, char *msg,
                          size_t msg_len);
    /* The work b adds to its branch. Default: PoW, 2^256/(target+1); PoS, 1. */
    void (*block_work)(void *ctx, u256 *work, const block *b);
    void *hook_ctx;
    /* When not 0: the target spacing in milliseconds, for a spacing that is
     * not a whole number of seconds (target_spacing_s is then 0 and
     * unused; the retarget is pow_next_bits_ms). */
    uint32_t target_spacing_ms;
} chain_params;

/* Fills p with defaults: PoW, seed 0, genesis time 1700000000, bits and pow
 * limit 0x207fffff (regtest), reward 50e8, 1 MB blocks, 7200 s future limit,
 * 100 orphans, no retarget, 600 s spacing, no rollback limit, no hooks. */
void chain_params_default(chain_params *p);

/* What chain_add_block did with a block. */
typedef enum chain_outcome {
    CHAIN_OUTCOME_TIP,       /* accepted; the active chain now ends at or passes it */
    CHAIN_OUTCOME_SIDE,      /* accepted on a side branch (less or equal work) */
    CHAIN_OUTCOME_ORPHAN,    /* parent unknown: kept in the orphan pool */
    CHAIN_OUTCOME_DUPLICATE, /* already in the tree or the orphan pool */
    CHAIN_OUTCOME_REJECTED   /* invalid: code and message say why */
} chain_outcome;

/* The result of chain_add_block. The block lists hold references (released by
 * chain_result_clear). When the tip changed: old_tip -> new_tip, the blocks
 * disconnected (old tip first) and connected (oldest first), reorg_depth =
 * number disconnected. */
typedef struct chain_result {
    chain_outcome outcome;
    reason code;       /* REASON_OK unless rejected */
    char message[320]; /* names the block (and transaction) */
    hash256 bad_block; /* id of the block found invalid (may be an ancestor) */
    int tip_changed;
    const chain_entry *old_tip, *new_tip;
    size_t reorg_depth;
    block **disconnected;
    size_t n_disconnected;
    block **connected;
    size_t n_connected;
    size_t n_orphans_adopted; /* orphans that left the pool and joined the tree */
    /* > 0 when a branch with more work than the active chain was not adopted
     * because switching to it would disconnect this many (> max_rollback)
     * blocks; the deepest such refusal of this call. The branch is kept. */
    size_t refused_depth;
} chain_result;

/* Releases what res holds and zeroes it. Accepts a zeroed result. */
void chain_result_clear(chain_result *res);

/* Builds the run's genesis block from params (coinbase at height 0 with the
 * seed as its extra nonce, paying the genesis outputs). Returns 0 and sets
 * *out (one reference), or -1 when out of memory (*out = NULL). Pure. */
int chain_genesis_new(block **out, const chain_params *params) __attribute__((warn_unused_result));

/* Creates a chain holding only genesis. genesis is the block of
 * chain_genesis_new (shared by the nodes of a run; a reference is taken), or
 * NULL to build it. params is copied (hooks and hook_ctx must outlive the
 * chain). cache (may be NULL) is used for every signature check, tags the
 * run's shared connect results (every chain with this cache must have the
 * same params) and must outlive the chain. Returns 0 and sets *out (free with chain_free), or -1
 * when out of memory, or when genesis' coinbase outputs exceed
 * TX_MAX_MONEY (*out = NULL). */
int chain_new(chain **out, const chain_params *params, block *genesis, sigcache *cache)
    __attribute__((warn_unused_result));

/* As chain_new, in the index ix that the run's chains share (NULL: a
 * private one). Every chain of one index must have the same params, and
 * ix must outlive them. */
int chain_new_in(chain **out, const chain_params *params, block *genesis, sigcache *cache,
                 chain_index *ix) __attribute__((warn_unused_result));

/* Frees the chain and its references. Accepts NULL. */
void chain_free(chain *c);

/* Creates an empty index. Returns 0 and sets *out (free with
 * chain_index_free once every chain using it is freed), or -1 when out of
 * memory (*out = NULL). */
int chain_index_new(chain_index **out) __attribute__((warn_unused_result));

/* Frees the index, its entries and their block references. Accepts NULL. */
void chain_index_free(chain_index *ix);

/* Number of entries (blocks of any chain of the index, genesis included). */
size_t chain_index_count(const chain_index *ix);

/* Offers block b, received at the node's time now_s (seconds, the clock of
 * header times). Validates it, stores it, runs fork choice and reorganises
 * the UTXO set when a branch has more work, then adopts orphans waiting for
 * it. Fills *res (clear it with chain_result_clear afterwards; res starts
 * cleared). Returns REASON_OK for tip/side/orphan/duplicate, else the reason
 * of the rejection (also in res->code), REASON_NO_MEMORY included. */
reason chain_add_block(chain *c, chain_result *res, block *b, int64_t now_s)
    __attribute__((warn_unused_result));

/* Queries. Entries are owned by the chain. */
const chain_entry *chain_tip(const chain *c);
uint32_t chain_height(const chain *c);
const chain_entry *chain_genesis(const chain *c);
/* The active chain's entry at height, or NULL above the tip. */
const chain_entry *chain_at_height(const chain *c, uint32_t height);
/* The valid entry with this id, or NULL (unknown, orphan or invalid). */
const chain_entry *chain_lookup(const chain *c, const hash256 *id);
/* 1 when the block id is known to be invalid (or descends from one). */
int chain_is_known_invalid(const chain *c, const hash256 *id);
/* 1 when the chain has the block id in its tree (valid or invalid) or in
 * its orphan pool: chain_lookup, chain_is_known_invalid or chain_has_orphan,
 * with one lookup. */
int chain_knows_block(const chain *c, const hash256 *id);
/* 1 when id is in the orphan pool. */
int chain_has_orphan(const chain *c, const hash256 *id);
size_t chain_orphan_count(const chain *c);
/* Number of valid blocks in the tree (genesis included). */
size_t chain_block_count(const chain *c);
/* 1 when e is on the active chain. */
int chain_is_active(const chain *c, const chain_entry *e);
/* The deepest entry that is an ancestor of (or equal to) both a and b. */
const chain_entry *chain_common_ancestor(const chain_entry *a, const chain_entry *b);
/* Blocks the active chain would disconnect to move its tip to e. */
uint32_t chain_reorg_depth(const chain *c, const chain_entry *e);
/* The height of the deepest block fork choice may no longer revert: the
 * chain never disconnects it (0 when max_rollback is 0, or below k blocks). */
uint32_t chain_final_height(const chain *c);
/* The bits a child of parent must carry: params.expected_bits, else the
 * default rule (Bitcoin's retarget for PoW with retarget_blocks > 0, else
 * the parent's bits; 0 when the retarget parameters are unusable). */
uint32_t chain_expected_bits(const chain *c, const chain_entry *parent);
/* The UTXO set of the active tip (read-only; the pointer changes with the
 * tip, the set it points at never changes; utxo_ref keeps it beyond). */
const utxo_set *chain_utxo(const chain *c);
/* The UTXO set after b that the run tagged by cache shared between its
 * chains (see "Sharing" above), or NULL: not connected yet, failed, or no
 * cache. */
const utxo_set *chain_shared_utxo(const block *b, const sigcache *cache);

/* The chain's parameters and signature cache. */
const chain_params *chain_params_of(const chain *c);
sigcache *chain_sigcache(const chain *c);
/* 1 when a block of the active chain spent op (scans the transactions of
 * the active chain: meant for explaining rejections, not for hot paths). */
int chain_spent_on_active(const chain *c, const tx_outpoint *op);
/* Bytes of memory the chain holds of its own (entries, indexes, the UTXO
 * sets it does not share with the run; not the shared blocks and sets). */
size_t chain_memory(const chain *c);

/* Entry accessors. */
block *chain_entry_block(const chain_entry *e); /* borrowed */
const hash256 *chain_entry_id(const chain_entry *e);
uint32_t chain_entry_height(const chain_entry *e);
const chain_entry *chain_entry_parent(const chain_entry *e); /* NULL for genesis */
/* Ancestor of e at height (<= e's height), else NULL. O(distance). */
const chain_entry *chain_entry_ancestor(const chain_entry *e, uint32_t height);
/* Cumulative work of e's branch from genesis, genesis included. */
const u256 *chain_entry_work(const chain_entry *e);
/* Median of the times of e and its up to 10 ancestors (Bitcoin's
 * GetMedianTimePast). */
uint32_t chain_entry_median_time(const chain_entry *e);

#endif
