/* Safety of a run whose blocks are final when they enter a chain (BFT):
 * the heights at which two honest nodes hold different blocks. Under BFT
 * a committed block is never undone, so each such height is a safety
 * violation (two conflicting commits), which Tendermint rules out while
 * faulty validators hold at most 1/3 of the voting power. */
#ifndef CHAINSIM_SAFETY_H
#define CHAINSIM_SAFETY_H

#include "metrics.h"

#include <stddef.h>
#include <stdint.h>

/* One height at which two honest nodes committed different blocks: the
 * first such pair of nodes (1-based, a < b) and their blocks. */
typedef struct safety_fork {
    uint32_t height;
    uint32_t node_a, node_b;
    hash256 block_a, block_b;
} safety_fork;

/* Compares the active chains of the n nodes (chains[i]: node i + 1's block
 * ids from genesis) whose honest[i] is not 0, height by height: returns
 * the count of heights at which two of them hold different blocks, and
 * the first max of those heights (ascending) in out (out may be NULL when
 * max is 0). A node whose chain is shorter than a height takes no part in
 * it. Pure. */
size_t safety_forks(safety_fork *out, size_t max, const metrics_chain *chains,
                    const uint8_t *honest, uint32_t n);

#endif
