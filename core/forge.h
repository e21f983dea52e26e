/* Forged blocks and transactions, each breaking one rule, for a byzantine
 * node to send its peers (sim/model/adversary_byz.c) and for tests. Every
 * item is real: a block is built on a real parent with a real coinbase and,
 * unless its flaw is the proof of work, ground to meet its own target, so
 * that the receiver finds exactly the one flaw (FORGE_MAP gives the reason
 * an honest node must give). Pure and deterministic: ctx->serial makes the
 * items of successive rounds distinct (a receiver remembers the ids of
 * what it rejected). */
#ifndef CHAINSIM_FORGE_H
#define CHAINSIM_FORGE_H

#include "block.h"
#include "chain.h"
#include "keys.h"
#include "reason.h"
#include "tx.h"

#include <stdint.h>

/* Kind, name, the reason a receiver rejects it for. */
#define FORGE_MAP(X)                                                                               \
    X(FORGE_BLOCK_BAD_POW, "block_bad_pow", REASON_BLOCK_BAD_POW)                                  \
    X(FORGE_BLOCK_BAD_MERKLE, "block_bad_merkle", REASON_BLOCK_BAD_MERKLE)                         \
    X(FORGE_BLOCK_EXCESS_COINBASE, "block_excess_coinbase", REASON_BLOCK_EXCESS_COINBASE)          \
    X(FORGE_BLOCK_BAD_COINBASE_HEIGHT, "block_bad_coinbase_height",                                \
      REASON_BLOCK_BAD_COINBASE_HEIGHT)                                                            \
    X(FORGE_BLOCK_BAD_BITS, "block_bad_bits", REASON_BLOCK_BAD_BITS)                               \
    X(FORGE_BLOCK_TIME_TOO_OLD, "block_time_too_old", REASON_BLOCK_TIME_TOO_OLD)                   \
    X(FORGE_BLOCK_BAD_SIGNATURE, "block_bad_signature", REASON_TX_BAD_SIGNATURE)                   \
    X(FORGE_BLOCK_MISSING_INPUT, "block_missing_input", REASON_TX_MISSING_INPUT)                   \
    X(FORGE_BLOCK_DOUBLE_SPEND, "block_double_spend", REASON_BLOCK_DOUBLE_SPEND)                   \
    X(FORGE_BLOCK_INVALID_PARENT, "block_invalid_parent", REASON_BLOCK_KNOWN_INVALID)              \
    X(FORGE_TX_BAD_SIGNATURE, "tx_bad_signature", REASON_TX_BAD_SIGNATURE)                         \
    X(FORGE_TX_MISSING_INPUT, "tx_missing_input", REASON_TX_MISSING_INPUT)                         \
    X(FORGE_TX_OUTPUTS_EXCEED_INPUTS, "tx_outputs_exceed_inputs", REASON_TX_OUTPUTS_EXCEED_INPUTS) \
    X(FORGE_TX_DUPLICATE_INPUT, "tx_duplicate_input", REASON_TX_DUPLICATE_INPUT)                   \
    X(FORGE_POS_NOT_LEADER, "pos_not_leader", REASON_POS_NOT_LEADER)                               \
    X(FORGE_POS_BAD_SIGNATURE, "pos_bad_signature", REASON_POS_BAD_SIGNATURE)                      \
    X(FORGE_POS_EQUIVOCATION, "pos_equivocation", REASON_OK)

#define FORGE_ENUM(kind, name, why) kind,
typedef enum forge_kind { FORGE_MAP(FORGE_ENUM) FORGE_COUNT } forge_kind;
#undef FORGE_ENUM

/* The kind's name ("block_bad_pow") and the reason it must be rejected for;
 * "?" and REASON_OK for a value out of range. */
const char *forge_name(forge_kind kind);
reason forge_reason(forge_kind kind);

/* 1 for the kinds that are blocks, 0 for transactions. */
int forge_is_block(forge_kind kind);

/* 1 for the proof-of-stake block kinds (FORGE_POS_*): forged only in a PoS
 * chain, where the proof-of-work block kinds are not (their flaw would not
 * be reached: a PoS block's proof is checked first). Transactions go in
 * both. */
int forge_is_pos(forge_kind kind);

typedef struct forge_ctx {
    const chain *chain;           /* the forger's chain */
    const chain_entry *parent;    /* the block to build on (the forger's tip) */
    const keys_pair *key;         /* the forger's own key: coinbase payee, wrong signer */
    const keys_pair *coin_key;    /* the owner of coin, NULL when there is none */
    tx_outpoint coin;             /* a coin unspent on parent's chain, owned by coin_key */
    uint64_t coin_amount;         /* its amount (> 2) */
    uint32_t time_s;              /* a header time after parent's median time */
    uint64_t serial;              /* distinct for every item forged */
    const hash256 *invalid_block; /* a block its receivers know to be invalid, or NULL */
} forge_ctx;

/* Forges one item of kind: a block into *blk or a transaction into *t (one
 * reference, the other set to NULL). Returns 0; 1 when ctx lacks what the
 * kind needs (a coin, an invalid block), nothing forged; -1 when out of
 * memory. */
int forge_item(block **blk, tx **t, const forge_ctx *ctx, forge_kind kind)
    __attribute__((warn_unused_result));

#endif
