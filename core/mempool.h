/* A node's pool of valid unconfirmed transactions: accepted against the
 * active chain's UTXO set plus the outputs of other pool transactions,
 * double spends refused with their reason, transactions offered to block
 * templates by fee rate, and kept consistent with the chain when blocks
 * connect or a reorganisation takes blocks back. Holds references to shared
 * transactions; one owner, not thread-safe. Deterministic: every order it
 * produces is defined by fee rate, txid and arrival order. */
#ifndef CHAINSIM_MEMPOOL_H
#define CHAINSIM_MEMPOOL_H

#include "chain.h"
#include "reason.h"
#include "tx.h"

#include <stddef.h>
#include <stdint.h>

typedef struct mempool mempool;

/* Creates an empty pool holding at most max_txs transactions. Returns 0 and
 * sets *out (free with mempool_free), or -1 when out of memory. */
int mempool_new(mempool **out, size_t max_txs) __attribute__((warn_unused_result));

/* Frees the pool and its references. Accepts NULL. */
void mempool_free(mempool *mp);

/* Validates t against c's active tip and the pool, and adds it (taking a
 * reference). Returns REASON_OK, or: REASON_TX_COINBASE_LOOSE,
 * REASON_TX_DUPLICATE (in the pool or already confirmed), a shape reason of
 * validate_tx_shape, REASON_TX_MEMPOOL_CONFLICT (an input is spent by a pool
 * transaction), REASON_TX_ALREADY_SPENT (spent on the active chain),
 * REASON_TX_MISSING_INPUT, REASON_TX_INPUT_OVERFLOW,
 * REASON_TX_OUTPUTS_EXCEED_INPUTS, REASON_TX_BAD_SIGNATURE,
 * REASON_TX_MEMPOOL_FULL or REASON_NO_MEMORY. msg (may be NULL) gets a
 * message naming the transaction. */
reason mempool_add(mempool *mp, const chain *c, tx *t, char *msg, size_t msg_len)
    __attribute__((warn_unused_result));

/* Brings the pool in line with c after chain_add_block returned res: drops
 * transactions confirmed by connected blocks or in conflict with them, takes
 * back the transactions of disconnected blocks that are still valid, and
 * drops pool transactions that lost their inputs. Returns REASON_OK or
 * REASON_NO_MEMORY. */
reason mempool_update(mempool *mp, const chain *c, const chain_result *res)
    __attribute__((warn_unused_result));

/* Chooses transactions for a block template: highest fee rate (fee/size)
 * first, ties by txid bytes, a transaction only after the pool transactions
 * it spends, at most max_bytes in total. Writes up to max_out borrowed
 * pointers (valid until the pool changes) to out, the total fee to *fees,
 * and returns the count. */
size_t mempool_select(const mempool *mp, tx **out, size_t max_out, size_t max_bytes,
                      uint64_t *fees);

/* Number of transactions and their total serialized bytes. */
size_t mempool_count(const mempool *mp);
size_t mempool_bytes(const mempool *mp);

/* The pool's transaction with this txid (borrowed), or NULL. */
tx *mempool_get(const mempool *mp, const hash256 *txid);

/* The fee of the pool's transaction txid, or 0 when absent. */
uint64_t mempool_fee(const mempool *mp, const hash256 *txid);

#endif
