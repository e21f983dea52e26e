/* UTXO transactions: inputs spend (txid, output index) with an Ed25519
 * signature, outputs give an amount of base units to an owner's public key.
 * Transactions are immutable once built and reference counted (atomic
 * counts), so every node of a run shares one copy.
 *
 * Serialization (all integers little-endian, counts as Bitcoin varints):
 *   version u32 | n_in | n_in x (prev_txid 32, prev_index u32, sig 64)
 *                      | n_out | n_out x (amount u64, owner 32)
 * txid = sha256d(serialization). The signing hash is sha256d of the same
 * bytes with every signature zeroed (one hash for all inputs, like
 * SIGHASH_ALL). A coinbase has one input with a null prev_txid and index
 * 0xffffffff; its 64 "signature" bytes carry the block height (u64) and an
 * extra nonce (u64), the other 48 bytes are zero (BIP34-like). */
#ifndef CHAINSIM_TX_H
#define CHAINSIM_TX_H

#include "hash.h"
#include "keys.h"

#include <stddef.h>
#include <stdint.h>

#define TX_VERSION 1
#define TX_COINBASE_INDEX 0xffffffffu
#define TX_INPUT_BYTES (32 + 4 + KEYS_SIG_BYTES)
#define TX_OUTPUT_BYTES (8 + KEYS_PUB_BYTES)
/* The money limit: no amount and no sum of amounts may exceed it (Bitcoin's
 * MAX_MONEY, 21e6 coins of 1e8 units; it also keeps amounts exact in JSON). */
#define TX_MAX_MONEY UINT64_C(2100000000000000)

typedef struct tx_in {
    hash256 prev_txid;
    uint32_t prev_index;
    uint8_t sig[KEYS_SIG_BYTES];
} tx_in;

typedef struct tx_out {
    uint64_t amount; /* base units */
    uint8_t owner[KEYS_PUB_BYTES];
} tx_out;

/* An output's place: the transaction that made it and its index. */
typedef struct tx_outpoint {
    hash256 txid;
    uint32_t index;
} tx_outpoint;

/* The bytes that stand for an outpoint as a hash-map key: the txid's 32
 * bytes, then the index as 4 bytes little-endian, the same on every host. */
#define TX_OUTPOINT_KEY_BYTES 36

/* Writes the key of the outpoint (txid, index) to out. Pure. */
void tx_outpoint_key(uint8_t out[TX_OUTPOINT_KEY_BYTES], const hash256 *txid, uint32_t index);

typedef struct tx tx;

/* Builds a transaction from copies of ins and outs (either count may be 0:
 * validation refuses that, construction does not). Returns 0 and sets *out
 * with one reference (release with tx_unref), or -1 when out of memory or a
 * count exceeds what a varint-counted array may hold in memory (*out = NULL). */
int tx_new(tx **out, uint32_t version, const tx_in *ins, size_t n_in, const tx_out *outs,
           size_t n_out) __attribute__((warn_unused_result));

/* Builds a signed transaction: the signatures of ins are ignored, input i is
 * signed with signers[i] over the signing hash. Returns 0 and sets *out (one
 * reference), or -1 when out of memory or signing fails (*out = NULL). */
int tx_new_signed(tx **out, const tx_in *ins, size_t n_in, const tx_out *outs, size_t n_out,
                  const keys_pair *const *signers) __attribute__((warn_unused_result));

/* Builds a coinbase for a block at height paying outs; extra_nonce is free
 * for the miner. Returns 0 and sets *out (one reference), or -1 when out of
 * memory (*out = NULL). */
int tx_new_coinbase(tx **out, uint64_t height, uint64_t extra_nonce, const tx_out *outs,
                    size_t n_out) __attribute__((warn_unused_result));

/* Parses one transaction from the start of buf. Returns 0, sets *out (one
 * reference) and *used (bytes read); or -1 when the bytes are truncated, a
 * varint is not minimal or a count cannot fit in the remaining bytes, or out
 * of memory (*out = NULL, *used = 0). Never reads past buf + len. */
int tx_parse(tx **out, size_t *used, const uint8_t *buf, size_t len)
    __attribute__((warn_unused_result));

/* Writes the serialization to out when cap >= tx_size(t); returns tx_size(t)
 * either way. */
size_t tx_serialize(const tx *t, uint8_t *out, size_t cap);

/* Adds a reference and returns t. Thread-safe (atomic count). */
tx *tx_ref(tx *t);

/* Drops a reference; frees t when it was the last. Accepts NULL. Thread-safe. */
void tx_unref(tx *t);

/* Read-only accessors, valid as long as a reference is held; thread-safe. */
const hash256 *tx_id(const tx *t);
const hash256 *tx_sighash(const tx *t);
size_t tx_size(const tx *t); /* serialized bytes */
uint32_t tx_version(const tx *t);
size_t tx_n_in(const tx *t);
const tx_in *tx_input(const tx *t, size_t i); /* i < tx_n_in(t) (asserted) */
size_t tx_n_out(const tx *t);
const tx_out *tx_output(const tx *t, size_t i); /* i < tx_n_out(t) (asserted) */

/* Returns 1 when t has the coinbase shape: exactly one input, null prev_txid
 * and index 0xffffffff. */
int tx_is_coinbase(const tx *t);

/* Returns 1 when input in has a coinbase-style null prev (null txid or index
 * 0xffffffff), which only a coinbase may have. */
int tx_input_is_null(const tx_in *in);

/* For a coinbase: writes its height and extra nonce and returns 0; returns -1
 * when t is not a coinbase or the 48 reserved bytes are not zero (outputs are
 * then zeroed). */
int tx_coinbase_fields(const tx *t, uint64_t *height, uint64_t *extra_nonce)
    __attribute__((warn_unused_result));

/* Varint (Bitcoin CompactSize) helpers, shared with block serialization.
 * tx_varint_size: bytes of v's encoding. tx_varint_put: writes it, returns
 * its size. tx_varint_get: reads a minimal encoding from buf, returns its
 * size, or 0 when truncated or not minimal. */
size_t tx_varint_size(uint64_t v);
size_t tx_varint_put(uint8_t *out, uint64_t v);
size_t tx_varint_get(uint64_t *v, const uint8_t *buf, size_t len);

#endif
