/* The live dashboard's records of a run: the tree of blocks that nodes'
 * active chains held at the samples (forks included) and every transaction
 * seen with its fate, rendered as the "blocks" and "transactions" documents.
 * rundash owns one; only the runner's barrier thread calls it, while no node
 * runs, so it needs no lock. */
#ifndef CHAINSIM_DASHREC_H
#define CHAINSIM_DASHREC_H

#include "dashfar.h"
#include "rundash.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dashrec dashrec;

enum {
    DASHREC_RECENT_HEIGHTS = 100, /* blocks published: this far below the best tip */
    DASHREC_KEEP_HEIGHTS = 300    /* blocks remembered */
};

/* Creates the records of a run of n_nodes nodes, node i + 1 producing with
 * node_keys[i] (read here only); genesis's coinbase is recorded (a reference
 * taken) so that spends of it name their sender, but never listed. A
 * transaction is "confirmed" at confirmations blocks deep. Returns 0 with
 * *out set (free with dashrec_free), or -1 when out of memory, *out NULL. */
int dashrec_new(dashrec **out, uint32_t n_nodes, const uint8_t (*node_keys)[KEYS_PUB_BYTES],
                block *genesis, uint32_t confirmations) __attribute__((warn_unused_result));

/* Marks the blocks that adversaries produced: kind has n_nodes entries
 * (static strings such as "selfish", NULL for an honest node; copied), or
 * is NULL for none. Their blocks then carry "adversary" (the kind) and
 * "published_ns" (the first sample at which another node held the block,
 * null before). Returns 0, or -1 when out of memory (no marks). */
int dashrec_set_adversaries(dashrec *rec, const char *const *kind)
    __attribute__((warn_unused_result));

/* Frees rec and drops its transaction references; NULL is fine. */
void dashrec_free(dashrec *rec);

/* The best node of st: online with the most work (then the lowest id), else
 * any started one; -1 when none has started. n is the number of nodes. */
int dashrec_best_node(const rundash_state *st, uint32_t n);

/* Takes in a sample: remembers the recent blocks of every node's active
 * chain (a far node's: marks the remembered blocks on its chain as held by
 * it), and the transactions of the best node's (index best, -1 for none)
 * recent blocks and of the mempools. Reads st only. Returns 0, or -1 when
 * out of memory (what was recorded so far stays). */
int dashrec_observe(dashrec *rec, const rundash_state *st, int best)
    __attribute__((warn_unused_result));

/* Remembers n blocks another process sent (dashfar_collect), as
 * dashrec_observe remembers a local node's: a far node's active chain is
 * then followed from the tip its process sent (rundash_node's far_tip)
 * through them, for "seen_by", adversaries' "published_ns" and
 * dashrec_far_reorg. Known ids are kept as they are. Returns 0, or -1 when
 * out of memory (what was recorded so far stays). */
int dashrec_add_far(dashrec *rec, const dashfar_block *b, size_t n)
    __attribute__((warn_unused_result));

/* Whether a node whose tip went from old_tip to new_tip gave old_tip up:
 * returns 1 with *depth the blocks from old_tip back to the chain of
 * new_tip, walking both back through remembered blocks; 0 when old_tip is
 * on that chain (or is it) or either walk meets a block not remembered. */
int dashrec_far_reorg(const dashrec *rec, const hash256 *old_tip, const hash256 *new_tip,
                      uint32_t *depth);

/* The "blocks" document: remembered blocks near best_h (the best tip's
 * height), oldest first, forks included; PoS blocks with "slot" and
 * "empty_before" (slots without a block since the parent's); each with
 * "seen_by" (the nodes of
 * st whose block tree holds it; a far node: whose active chain held it at
 * a sample, as its tree keeps it) when the run has at most 64
 * nodes, and "reorg_depth" when a node gave it up as its tip (dashrec_mark_reorg). Forgets the
 * blocks far below best_h. st may be NULL (no seen_by). Caller owns the result; NULL when out of
 * memory. */
cJSON *dashrec_blocks_doc(dashrec *rec, const rundash_state *st, uint32_t best_h);

/* Marks old_tip, a remembered block, as a tip some node gave up in a
 * reorganisation of depth blocks (the deepest is kept). Unknown ids are
 * ignored. */
void dashrec_mark_reorg(dashrec *rec, const hash256 *old_tip, uint32_t depth);

/* The "transactions" document: the most recent records with their status as
 * seen from bc, the best chain, senders named through ws. Caller owns the
 * result; NULL when out of memory. */
cJSON *dashrec_transactions_doc(dashrec *rec, const chain *bc, const wallet_set *ws);

/* Records a submission from the page that never became a transaction: listed
 * as rejected with why. Dropped silently when out of memory. */
void dashrec_refuse(dashrec *rec, const dash_command *c, const char *why);

/* What became of a taken submission, as rundash_submitted documents it. */
void dashrec_submitted(dashrec *rec, const dash_command *cmd, tx *t, const char *refusal);

#endif
