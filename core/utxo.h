/* The set of unspent transaction outputs of one chain state, keyed by
 * outpoint, with a canonical digest so that two nodes (or a node before and
 * after a reorganisation) can be compared exactly. One owner, not thread-safe. */
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

/* Creates an empty set. Returns 0 and sets *out (free with utxo_free), or -1
 * when out of memory (*out = NULL). */
int utxo_new(utxo_set **out) __attribute__((warn_unused_result));

/* Frees the set. Accepts NULL. */
void utxo_free(utxo_set *set);

/* The coin at op, or NULL when op is not unspent. The pointer is valid until
 * the set next changes. */
const utxo_coin *utxo_get(const utxo_set *set, const tx_outpoint *op);

/* Adds coin at op. Returns 0, 1 when op was already there (the coin is then
 * replaced, which validation never lets happen), or -1 when out of memory (set
 * unchanged). */
int utxo_add(utxo_set *set, const tx_outpoint *op, const utxo_coin *coin)
    __attribute__((warn_unused_result));

/* Removes op; writes the coin it held to *spent when spent is not NULL.
 * Returns 1 when removed, 0 when op was not there. */
int utxo_spend(utxo_set *set, utxo_coin *spent, const tx_outpoint *op);

/* Number of unspent outputs, and the sum of their amounts. */
size_t utxo_count(const utxo_set *set);
uint64_t utxo_total(const utxo_set *set);

/* Canonical digest: sha256d over the coins sorted by (txid bytes, index),
 * each as txid 32 | index u32 | amount u64 | owner 32 | height u32 |
 * coinbase u8. Equal sets give equal digests whatever their history. Returns
 * 0, or -1 when out of memory (*out zeroed). */
int utxo_digest(const utxo_set *set, hash256 *out) __attribute__((warn_unused_result));

/* Bytes of memory the set holds. */
size_t utxo_memory(const utxo_set *set);

#endif
