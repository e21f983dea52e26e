/* Blocks: Bitcoin's 80-byte header, an optional proof-of-stake extension,
 * and the transactions. One type for PoW and PoS blocks. Immutable once built
 * and reference counted (atomic counts): every node of a run shares one copy.
 *
 * Serialization: header (80) | [PoS extension (168)] | n_tx varint | txs.
 * The PoS extension is present exactly when bit 30 of the header's version
 * (BLOCK_VERSION_POS) is set; it holds slot u64 LE, proposer key 32, leader
 * proof 64 and signature 64. Block id = sha256d(header) for a PoW block and
 * sha256d(header || PoS extension) for a PoS block, so the id covers every
 * byte that is not a transaction; the merkle root in the header covers those. */
#ifndef CHAINSIM_BLOCK_H
#define CHAINSIM_BLOCK_H

#include "hash.h"
#include "header.h"
#include "tx.h"

#include <stddef.h>
#include <stdint.h>

#define BLOCK_VERSION_POS 0x40000000
#define BLOCK_POS_BYTES (8 + KEYS_PUB_BYTES + 64 + KEYS_SIG_BYTES)

/* The proof-of-stake extension. */
typedef struct block_pos {
    uint64_t slot;
    uint8_t proposer[KEYS_PUB_BYTES]; /* the slot leader's public key */
    uint8_t proof[64];                /* leader proof (lottery evidence) */
    uint8_t sig[KEYS_SIG_BYTES];      /* proposer's signature, see block_pos_signing_hash */
} block_pos;

typedef struct block block;

/* Builds a block from header h, the PoS extension pos (NULL for PoW) and
 * n_tx transactions; takes its own reference to each. The header is used as
 * given (the merkle root is not recomputed: validation checks it). Returns 0
 * and sets *out (one reference, release with block_unref); -1 when out of
 * memory, or when pos is given without BLOCK_VERSION_POS in h->version or the
 * other way round (*out = NULL). */
int block_new(block **out, const block_header *h, const block_pos *pos, tx *const *txs, size_t n_tx)
    __attribute__((warn_unused_result));

/* Parses a whole block from buf (every byte must be used). Returns 0 and sets
 * *out (one reference), or -1 when truncated, trailing bytes, a bad varint or
 * transaction, or out of memory (*out = NULL). Never reads past buf + len. */
int block_parse(block **out, const uint8_t *buf, size_t len) __attribute__((warn_unused_result));

/* Writes the serialization to out when cap >= block_size(b); returns
 * block_size(b) either way. */
size_t block_serialize(const block *b, uint8_t *out, size_t cap);

/* Adds a reference and returns b. Thread-safe. */
block *block_ref(block *b);

/* Drops a reference; frees b (and its references to its transactions) when
 * it was the last. Accepts NULL. Thread-safe. */
void block_unref(block *b);

/* Read-only accessors, valid as long as a reference is held; thread-safe. */
const hash256 *block_id(const block *b);
const block_header *block_header_of(const block *b);
const block_pos *block_pos_of(const block *b); /* NULL for a PoW block */
size_t block_size(const block *b);             /* serialized bytes */
size_t block_n_tx(const block *b);
tx *block_tx(const block *b, size_t i); /* borrowed; i < block_n_tx(b) (asserted) */

/* The id a block with this header and extension (NULL for PoW) would have. */
void block_compute_id(hash256 *out, const block_header *h, const block_pos *pos);

/* The hash a PoS proposer signs: sha256d(header || extension with the
 * signature zeroed). */
void block_pos_signing_hash(hash256 *out, const block_header *h, const block_pos *pos);

/* Bitcoin's merkle root of the txids: pairs hashed with sha256d, an odd
 * level duplicates its last id; one tx gives its txid, none gives zero. Returns
 * 0, or -1 when out of memory (*out zeroed). */
int block_merkle_root(hash256 *out, tx *const *txs, size_t n_tx)
    __attribute__((warn_unused_result));

/* The same merkle root computed from n ids (for known-answer tests and
 * callers that hold ids only). Returns 0, or -1 when out of memory. */
int block_merkle_root_ids(hash256 *out, const hash256 *ids, size_t n)
    __attribute__((warn_unused_result));

/* Per-run results computed from a block, shared by every node of the run
 * (for example the chain's connect result: every node connecting b to the
 * same parent state gets the same answer). tag names the run (the chain
 * uses its run's signature cache); the first attach wins and never changes.
 * block_share returns 1 when data was attached (b then owns it and calls
 * free_fn(data) when freed), 0 when something is attached already (the
 * caller keeps data), -1 when out of memory. Thread-safe. */
int block_share(block *b, const void *tag, void *data, void (*free_fn)(void *data))
    __attribute__((warn_unused_result));

/* The data attached to b under tag, or NULL (nothing yet, or another tag).
 * Thread-safe; the data lives as long as b. */
void *block_shared(const block *b, const void *tag);

/* Bytes of a block with this kind and these transactions (for templates). */
size_t block_size_for(int is_pos, tx *const *txs, size_t n_tx);

#endif
