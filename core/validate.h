/* The rules a transaction or block must meet on its own (context-free) and
 * against the outputs it spends. The chain and the mempool both call these,
 * so a rule is written once. Every rejection returns its reason code and
 * writes a message naming the transaction or block and what was wrong. */
#ifndef CHAINSIM_VALIDATE_H
#define CHAINSIM_VALIDATE_H

#include "block.h"
#include "reason.h"
#include "sigcache.h"
#include "tx.h"
#include "utxo.h"

#include <stddef.h>
#include <stdint.h>

/* Looks up the unspent output at op for validation: returns the coin or NULL
 * when there is none. ctx is the caller's. */
typedef const utxo_coin *(*validate_coin_fn)(void *ctx, const tx_outpoint *op);

/* Context-free rules of a transaction: at least one input and one output,
 * at most max_bytes serialized, every amount and their sum within
 * TX_MAX_MONEY, no outpoint spent twice, no null input unless it is a
 * coinbase, and a coinbase's reserved bytes zero. Returns REASON_OK or the
 * reason, with a message in msg (msg_len bytes, NUL-terminated) either way. */
reason validate_tx_shape(const tx *t, size_t max_bytes, char *msg, size_t msg_len)
    __attribute__((warn_unused_result));

/* The rules of a non-coinbase transaction against the outputs it spends:
 * each input exists (lookup), input amounts sum without overflow, outputs do
 * not exceed inputs, each signature verifies over the signing hash under the
 * spent output's owner (through cache, which may be NULL). Writes the fee
 * (inputs - outputs) to *fee. Returns REASON_OK, REASON_TX_MISSING_INPUT,
 * REASON_TX_INPUT_OVERFLOW, REASON_TX_OUTPUTS_EXCEED_INPUTS or
 * REASON_TX_BAD_SIGNATURE (*fee = 0), with a message. Thread-safe when lookup
 * is. */
reason validate_tx_inputs(validate_coin_fn lookup, void *ctx, sigcache *cache, const tx *t,
                          uint64_t *fee, char *msg, size_t msg_len)
    __attribute__((warn_unused_result));

/* Context-free rules of a block body: at least one transaction, the first a
 * coinbase and no other, at most max_block_bytes, every transaction's shape,
 * no transaction twice, and the merkle root in the header matching the
 * transactions. Returns REASON_OK or the reason, with a message naming the
 * block (and transaction). */
reason validate_block_body(const block *b, size_t max_block_bytes, char *msg, size_t msg_len)
    __attribute__((warn_unused_result));

/* Short display form of an id for messages: the first 16 hex digits of its
 * display order, NUL-terminated. */
void validate_short_id(char out[17], const hash256 *id);

#endif
