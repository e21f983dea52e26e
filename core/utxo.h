/* The set of unspent transaction outputs of one chain state, keyed by
 * outpoint, with a canonical digest so that two nodes (or a node before and
 * after a reorganisation) can be compared exactly. A set is either a full
 * table or a layer on top of a parent set (the coins one block created and
 * spent), so the states of consecutive blocks share everything they have in
 * common: a node's UTXO view is its tip block's set, shared by every node
 * at that tip, and a reorganisation only changes which set a node points at.
 * Sets are reference counted (atomic): a set may change only while its
 * creator holds the only reference; once shared it is immutable and may be
 * read from several threads at once. */
#ifndef CHAINSIM_UTXO_H
#define CHAINSIM_UTXO_H

#include "hash.h"
#include "tx.h"

#include <stddef.h>
#include <stdint.h>

/* An unspent output: what it pays, to whom, and where it was created. */
typedef struct utxo_coin {
    uint64_t amount;
    uint8_t owner[KEYS_PUB_BYTES];
    uint32_t height;  /* height of the block that created it */
    uint8_t coinbase; /* 1 when created by a coinbase */
} utxo_coin;

typedef struct utxo_set utxo_set;

/* A child set is flattened into a full table (a copy of its parent's coins)
 * when the layers below it hold more changes than half the set's coins (so
 * the copies cost about as much as the changes), or when it would be the
 * UTXO_MAX_LAYERS-th layer above a full table: a lookup reads at most that
 * many layers. */
#define UTXO_MAX_LAYERS 32

/* Creates an empty full set. Returns 0 and sets *out (one reference, release
 * with utxo_free), or -1 when out of memory (*out = NULL). */
int utxo_new(utxo_set **out) __attribute__((warn_unused_result));

/* Creates a set holding exactly parent's coins, to be changed by utxo_add and
 * utxo_spend: a layer over parent (which takes a reference to parent; parent
 * must not change any more), or a full copy when parent is already
 * UTXO_MAX_LAYERS - 1 layers above a full table. Returns 0 and sets *out
 * (one reference), or -1 when out of memory (*out = NULL). Thread-safe for a
 * shared parent. */
int utxo_new_child(utxo_set **out, utxo_set *parent) __attribute__((warn_unused_result));

/* The set s was made from by utxo_new_child (borrowed), or NULL for
 * utxo_new. Lets a caller check that a shared set extends the state it has. */
const utxo_set *utxo_parent(const utxo_set *s);

/* Adds a reference and returns s. Thread-safe. */
utxo_set *utxo_ref(utxo_set *s);

/* Drops a reference; frees the set (and its reference to its parent) when
 * it was the last. Accepts NULL. Thread-safe. */
void utxo_free(utxo_set *set);

/* The coin at op, or NULL when op is not unspent. The pointer is valid until
 * the set next changes. Thread-safe on a set that no longer changes. */
const utxo_coin *utxo_get(const utxo_set *set, const tx_outpoint *op);

/* Adds coin at op. Returns 0, 1 when op was already there (the coin is then
 * replaced, which validation never lets happen), or -1 when out of memory (set
 * unchanged). Only on a set whose only reference the caller holds. */
int utxo_add(utxo_set *set, const tx_outpoint *op, const utxo_coin *coin)
    __attribute__((warn_unused_result));

/* Removes op; writes the coin it held to *spent when spent is not NULL.
 * Returns 1 when removed, 0 when op was not there, -1 when out of memory
 * (set unchanged). Only on a set whose only reference the caller holds. */
int utxo_spend(utxo_set *set, utxo_coin *spent, const tx_outpoint *op);

/* Number of unspent outputs, and the sum of their amounts. */
size_t utxo_count(const utxo_set *set);
uint64_t utxo_total(const utxo_set *set);

/* Canonical digest: sha256d over the coins sorted by (txid bytes, index),
 * each as txid 32 | index u32 | amount u64 | owner 32 | height u32 |
 * coinbase u8. Equal sets give equal digests whatever their history or
 * layering. Returns 0, or -1 when out of memory (*out zeroed). */
int utxo_digest(const utxo_set *set, hash256 *out) __attribute__((warn_unused_result));

/* Bytes of memory this set holds of its own (not its parent's). */
size_t utxo_memory(const utxo_set *set);

#endif
