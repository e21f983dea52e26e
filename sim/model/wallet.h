/* The wallets of a run's transaction workload: Ed25519 keys derived from the
 * run seed, coins funded by the genesis block, and real signed transactions
 * built from coins the wallet really owns on its node's active chain.
 *
 * Each wallet talks to one node (its host, wallet w -> node w mod N) and,
 * like a light wallet, learns of its coins by scanning the blocks that its
 * host connects. Threads: a wallet's state is touched only by the thread
 * that runs its host node (or by the single thread of a global event). */
#ifndef CHAINSIM_WALLET_H
#define CHAINSIM_WALLET_H

#include "block.h"
#include "chain.h"
#include "tx.h"

#include <stddef.h>
#include <stdint.h>

typedef struct wallet_set wallet_set;

/* Reasons a wallet cannot build a payment. */
#define WALLET_STATUS_MAP(X)                                                                       \
    X(WALLET_OK, "ok")                                                                             \
    X(WALLET_NO_FUNDS, "wallet has no confirmed coins enough for amount plus fee")                 \
    X(WALLET_BAD_AMOUNT, "amount must be positive and within the money limit")                     \
    X(WALLET_NO_MEMORY, "out of memory")

#define WALLET_ENUM(code, msg) code,
typedef enum wallet_status { WALLET_STATUS_MAP(WALLET_ENUM) } wallet_status;
#undef WALLET_ENUM

const char *wallet_status_message(wallet_status status);

/* Creates n_wallets wallets (keys from run_seed, purpose "wallet") hosted on
 * n_nodes nodes, each funded at genesis with coins_each coins of coin_amount.
 * Returns 0 and sets *out (free with wallet_set_free), or -1 when out of
 * memory or OpenSSL fails (*out = NULL). */
int wallet_set_new(wallet_set **out, uint32_t n_wallets, uint64_t run_seed, uint32_t n_nodes,
                   uint32_t coins_each, uint64_t coin_amount) __attribute__((warn_unused_result));

void wallet_set_free(wallet_set *ws);

uint32_t wallet_count(const wallet_set *ws);
uint32_t wallet_host(const wallet_set *ws, uint32_t w);
const uint8_t *wallet_public(const wallet_set *ws, uint32_t w);
/* Wallet w's key (valid as long as ws), for an attacker that signs its own
 * payments (sim/model/adversary.c); immutable, so any thread may read it. */
const keys_pair *wallet_key(const wallet_set *ws, uint32_t w);
/* The wallet owning pub, or UINT32_MAX. */
uint32_t wallet_find(const wallet_set *ws, const uint8_t pub[KEYS_PUB_BYTES]);

/* The genesis outputs that fund every wallet (valid as long as ws). */
const tx_out *wallet_genesis_outputs(const wallet_set *ws, size_t *n);

/* Scans the blocks that became active at node (hosting wallets) since its
 * last scan, up to the tip of c, for coins paid to its wallets. Call after
 * every tip change; after a restart (a new chain object) call
 * wallet_forget_scan first. Returns 0, or -1 when out of memory. */
int wallet_scan(wallet_set *ws, uint32_t node, const chain *c) __attribute__((warn_unused_result));
void wallet_forget_scan(wallet_set *ws, uint32_t node);

/* Builds and signs a payment of amount to `to` with fee, from coins of
 * wallet w that are unspent on c's active chain and not already used by
 * the wallet's own pending payments; change goes back to w. The coins used
 * are marked pending at now_ns. Returns WALLET_OK and *out (one reference),
 * or a reason (*out = NULL). */
wallet_status wallet_pay(wallet_set *ws, tx **out, uint32_t w, const chain *c,
                         const uint8_t to[KEYS_PUB_BYTES], uint64_t amount, uint64_t fee,
                         int64_t now_ns) __attribute__((warn_unused_result));

/* A double spend: two payments of amount spending the very same coins, one
 * to to_a and one to to_b (the coins are marked pending). */
wallet_status wallet_pay_twice(wallet_set *ws, tx **out_a, tx **out_b, uint32_t w, const chain *c,
                               const uint8_t to_a[KEYS_PUB_BYTES],
                               const uint8_t to_b[KEYS_PUB_BYTES], uint64_t amount, uint64_t fee,
                               int64_t now_ns) __attribute__((warn_unused_result));

/* The payment t of wallet w was refused: its coins are free again. */
void wallet_release(wallet_set *ws, uint32_t w, const tx *t);

/* Confirmed balance of w on c (coins the wallet knows of). */
uint64_t wallet_balance(const wallet_set *ws, uint32_t w, const chain *c);

#endif
