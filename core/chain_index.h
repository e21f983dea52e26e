/* The run-wide block index of core/chain.c: one record per block id for all
 * the chains of a run (parent, height, cumulative work, the block), each
 * with a run index that chains use to keep their own state in arrays.
 * Internal to the chain module (chain.c); the public part is in chain.h. */
#ifndef CHAINSIM_CHAIN_INDEX_H
#define CHAINSIM_CHAIN_INDEX_H

#include "block.h"
#include "chain.h"
#include "u256.h"

#include <stdint.h>

/* A block's place in the tree, the same at every chain of the run: written
 * once when the record is added, read-only afterwards. */
struct chain_entry {
    hash256 id; /* the block's */
    block *blk; /* one reference, held until the index is freed */
    chain_entry *parent;
    u256 work; /* cumulative, genesis included */
    uint32_t height;
    uint32_t idx; /* the run index: 0, 1, 2... in the order records were added */
};

/* The record with this id, or NULL. Lock-free; any thread. A record added
 * by another thread at the same moment may not be seen yet. */
chain_entry *chain_index_find(const chain_index *ix, const hash256 *id);

/* The record of b (a child of parent, NULL for a genesis), added when
 * missing with the cumulative work parent's plus *work (b's own work).
 * Any thread; concurrent adds of one id give one record. Returns NULL when
 * out of memory. */
chain_entry *chain_index_add(chain_index *ix, block *b, chain_entry *parent, const u256 *work);

/* Calls fn(ctx, e) for every record of ix. Lock-free; any thread. Records
 * added meanwhile by other threads may be left out; none the calling thread
 * found or added before is. */
void chain_index_visit(const chain_index *ix, void (*fn)(void *ctx, chain_entry *e), void *ctx);

#endif
