/* Why the ledger refused something: one code per rule, each with its
 * message, from one X-macro table so a code can never lack its message.
 * Every rejection of a transaction or block returns one of these codes. */
#ifndef CHAINSIM_REASON_H
#define CHAINSIM_REASON_H

#define REASON_MAP(X)                                                                              \
    X(REASON_OK, "ok")                                                                             \
    X(REASON_NO_MEMORY, "out of memory")                                                           \
    X(REASON_TX_MALFORMED, "transaction bytes do not parse")                                       \
    X(REASON_TX_NO_INPUTS, "transaction has no inputs")                                            \
    X(REASON_TX_NO_OUTPUTS, "transaction has no outputs")                                          \
    X(REASON_TX_TOO_LARGE, "transaction is larger than a block may be")                            \
    X(REASON_TX_AMOUNT_RANGE, "output amount or sum of outputs is above the money limit")          \
    X(REASON_TX_DUPLICATE_INPUT, "transaction spends the same output twice")                       \
    X(REASON_TX_NULL_INPUT, "non-coinbase transaction has a coinbase-style (null) input")          \
    X(REASON_TX_BAD_COINBASE, "coinbase input is malformed")                                       \
    X(REASON_TX_MISSING_INPUT, "input refers to an output that does not exist")                    \
    X(REASON_TX_ALREADY_SPENT, "input was already spent on the chain")                             \
    X(REASON_TX_MEMPOOL_CONFLICT, "input is already spent by a transaction in the mempool")        \
    X(REASON_TX_INPUT_OVERFLOW, "sum of input amounts overflows")                                  \
    X(REASON_TX_OUTPUTS_EXCEED_INPUTS, "outputs are worth more than the inputs")                   \
    X(REASON_TX_BAD_SIGNATURE, "input signature does not verify under the spent output's key")     \
    X(REASON_TX_COINBASE_LOOSE, "a coinbase transaction is only valid as a block's first")         \
    X(REASON_TX_DUPLICATE, "transaction is already known")                                         \
    X(REASON_TX_MEMPOOL_FULL, "mempool is full and the fee rate is not above its lowest")          \
    X(REASON_BLOCK_MALFORMED, "block bytes do not parse")                                          \
    X(REASON_BLOCK_NO_TXS, "block has no transactions")                                            \
    X(REASON_BLOCK_FIRST_NOT_COINBASE, "first transaction of the block is not a coinbase")         \
    X(REASON_BLOCK_EXTRA_COINBASE, "block has a coinbase after its first transaction")             \
    X(REASON_BLOCK_TOO_LARGE, "block is larger than the maximum block size")                       \
    X(REASON_BLOCK_BAD_MERKLE, "merkle root does not match the transactions")                      \
    X(REASON_BLOCK_DUPLICATE_TX, "block holds the same transaction twice")                         \
    X(REASON_BLOCK_DOUBLE_SPEND, "two transactions of the block spend the same output")            \
    X(REASON_BLOCK_BAD_COINBASE_HEIGHT, "coinbase height is not the block's height")               \
    X(REASON_BLOCK_EXCESS_COINBASE, "coinbase pays more than the reward plus fees")                \
    X(REASON_BLOCK_FEE_OVERFLOW, "sum of the block's fees overflows")                              \
    X(REASON_BLOCK_BAD_BITS, "bits are not the expected difficulty")                               \
    X(REASON_BLOCK_BAD_POW, "block id is above its target (insufficient work)")                    \
    X(REASON_BLOCK_BAD_PROOF, "consensus proof of the block is invalid")                           \
    X(REASON_BLOCK_BAD_KIND, "block kind (PoW/PoS flag in version) does not match the consensus")  \
    X(REASON_BLOCK_TIME_TOO_OLD, "timestamp is not after the median of the previous 11 blocks")    \
    X(REASON_BLOCK_TIME_TOO_NEW, "timestamp is too far in the future")                             \
    X(REASON_BLOCK_BAD_GENESIS, "block claims no parent but is not this chain's genesis")          \
    X(REASON_BLOCK_KNOWN_INVALID, "block is, or descends from, a block already found invalid")     \
    X(REASON_BLOCK_BAD_ID, "stored block id differs from the recomputed one")                      \
    X(REASON_BLOCK_BAD_LINK, "block does not link to the previous block")                          \
    X(REASON_POS_NOT_LEADER, "proof-of-stake block by a proposer that does not lead its slot")     \
    X(REASON_POS_BAD_SIGNATURE, "proof-of-stake block's proposer signature does not verify")       \
    X(REASON_BLOCK_POA_NOT_SIGNER, "block signer is not in the authority set")                     \
    X(REASON_BLOCK_POA_BAD_SIGNATURE, "block signer's signature does not verify")                  \
    X(REASON_BLOCK_POA_RECENT_SIGNER, "block signer signed one of the last floor(n/2) blocks")     \
    X(REASON_BLOCK_POA_TOO_EARLY, "block time is earlier than its parent's plus the period")       \
    X(REASON_BLOCK_POA_BAD_TIME, "block header time is not the second of its millisecond time")

#define REASON_ENUM(code, msg) code,
typedef enum reason { REASON_MAP(REASON_ENUM) REASON_COUNT } reason;
#undef REASON_ENUM

/* The message of a reason code (a static string); "unknown reason" for a
 * value outside the table. Thread-safe. */
const char *reason_message(reason code);

/* The code's name as in the table without its REASON_ prefix (for example
 * "TX_BAD_SIGNATURE"), a static string. Thread-safe. */
const char *reason_name(reason code);

#endif
