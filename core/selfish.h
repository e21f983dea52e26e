/* Selfish mining, the state machine of Eyal and Sirer, "Majority is not
 * enough: Bitcoin mining is vulnerable" (2014), Algorithm 1, on chain
 * heights: the attacker keeps a private branch, and each event (its own
 * block, a block of the others) says how far up its branch to publish.
 * Pure and deterministic: the simulator feeds it heights and carries out
 * the publishing (core/node.h's withholding).
 *
 * Heights stand for the paper's chain lengths: the private chain is the
 * attacker's active chain (its own blocks on top of the public chain it
 * adopted), the public chain is the highest block the others have seen.
 * With delta_prev = private - public before the event, the paper's rules
 * are:
 *   own block:   append; branch += 1; if delta_prev == 0 and branch == 2
 *                (a race won with the next block): publish all, branch = 0
 *   other block: if delta_prev == 0: adopt theirs (branch = 0)
 *                if delta_prev == 1: publish the last block (a race)
 *                if delta_prev == 2: publish all (wins by one), branch = 0
 *                if delta_prev  > 2: publish the first unpublished block */
#ifndef CHAINSIM_SELFISH_H
#define CHAINSIM_SELFISH_H

#include <stdint.h>

/* A block of the others that does not raise the public height (a stale
 * one) is no event. */
typedef struct selfish_state {
    uint32_t public_height; /* the highest block the others know of */
    uint32_t branch_len;    /* the paper's privateBranchLen */
    uint64_t races;         /* times delta_prev == 1 led to publishing a tie */
} selfish_state;

/* Starts at height (the chain the attacker starts from is public). */
void selfish_init(selfish_state *s, uint32_t height);

/* The attacker found a block; private_height is its chain's height with
 * the block. Returns the height up to which to publish (every withheld
 * block of its chain up to it, in order), or 0 for none. */
uint32_t selfish_on_own_block(selfish_state *s, uint32_t private_height);

/* Another miner's block at block_height arrived; private_before is the
 * attacker's chain height before it. Returns the height up to which to
 * publish, or 0 for none (and for a block that does not raise the public
 * height). */
uint32_t selfish_on_other_block(selfish_state *s, uint32_t private_before, uint32_t block_height);

/* The paper's closed form of the attacker's relative revenue (its share of
 * the main chain's blocks) with hash share alpha and gamma, equation (8):
 *   R = (alpha (1-alpha)^2 (4 alpha + gamma (1 - 2 alpha)) - alpha^3)
 *       / (1 - alpha (1 + (2 - alpha) alpha)),
 * for alpha in [0, 0.5) and gamma in [0, 1]. */
double selfish_revenue(double alpha, double gamma);

/* The share above which selfish mining pays: (1 - gamma) / (3 - 2 gamma). */
double selfish_threshold(double gamma);

#endif
