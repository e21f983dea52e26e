/* Proof-of-stake slot lottery as in Ouroboros Praos: a node with relative
 * stake alpha leads a slot with probability phi(alpha) = 1 - (1 - f)^alpha,
 * decided by comparing H(epoch seed || slot || public key) with a threshold,
 * and the epoch seed that keeps the lottery unpredictable. Pure and
 * deterministic; every function is thread-safe. */
#ifndef CHAINSIM_POS_H
#define CHAINSIM_POS_H

#include "hash.h"
#include "keys.h"

#include <stdint.h>

/* Reasons the lottery refuses its arguments. */
#define POS_STATUS_MAP(X)                                                                          \
    X(POS_OK, "ok")                                                                                \
    X(POS_BAD_STAKE, "stake must not exceed a positive total stake")                               \
    X(POS_BAD_F, "active slot coefficient f must be in (0, 1]")

#define POS_ENUM(code, msg) code,
typedef enum pos_status { POS_STATUS_MAP(POS_ENUM) } pos_status;
#undef POS_ENUM

/* The message for a pos_status (a static string). */
const char *pos_status_message(pos_status status);

/* A leader threshold: the slot is led when the lottery value (the first 8
 * bytes of the lottery hash, big-endian) is <= max_value, unless never is set
 * (zero stake, or a probability below 2^-64). The probability is then
 * (max_value + 1) / 2^64 exactly. */
typedef struct pos_threshold {
    uint64_t max_value;
    int never;
} pos_threshold;

/* phi(alpha) = 1 - (1 - f)^alpha, computed as -expm1(alpha * log1p(-f)) so
 * that small stakes and small f keep full double precision (relative error a
 * few ulp). alpha = 1 gives f exactly; f = 1 gives 1 for any alpha > 0. Arguments are not checked:
 * alpha in [0, 1], f in (0, 1]. */
double pos_phi(double f, double alpha);

/* The threshold for a node holding stake of total_stake with active slot
 * coefficient f: max_value = floor(phi * 2^64) - 1, alpha = stake /
 * total_stake in double. Precision: phi carries a relative error of a few
 * ulp (2^-52), so the leader probability is phi to about 1e-15 relative, and
 * it is (max_value + 1) / 2^64 exactly, the same on every node. Returns
 * POS_OK, POS_BAD_STAKE (total_stake 0 or stake > total_stake) or POS_BAD_F
 * (f not in (0, 1], NaN included); on failure *out has never set. */
pos_status pos_threshold_for(pos_threshold *out, uint64_t stake, uint64_t total_stake, double f)
    __attribute__((warn_unused_result));

/* The lottery hash SHA-256(epoch_seed (32 bytes) || slot (8 bytes,
 * little-endian) || pubkey (32 bytes)). */
void pos_lottery_hash(hash256 *out, const hash256 *epoch_seed, uint64_t slot,
                      const uint8_t pubkey[KEYS_PUB_BYTES]);

/* Returns 1 when the lottery hash wins under threshold, else 0. */
int pos_wins(const hash256 *lottery_hash, const pos_threshold *threshold);

/* The whole check: sets *leader to 1 when pubkey, holding stake of
 * total_stake, leads slot in the epoch with epoch_seed, else 0. Returns as
 * pos_threshold_for (then *leader = 0). */
pos_status pos_is_leader(int *leader, const hash256 *epoch_seed, uint64_t slot,
                         const uint8_t pubkey[KEYS_PUB_BYTES], uint64_t stake, uint64_t total_stake,
                         double f) __attribute__((warn_unused_result));

/* The seed of epoch e >= 1: seed(e) = SHA-256(seed(e-1) || id of the last
 * block of epoch e-2), where for e = 1 (no epoch e-2) the caller passes the
 * genesis block id. seed(0) is the run's genesis seed. Blocks of epoch e-2
 * are settled before epoch e starts, so every node that follows the rules
 * derives the same seed, and no one knew it when stakes were fixed. */
void pos_next_epoch_seed(hash256 *out, const hash256 *prev_seed, const hash256 *last_block_id);

#endif
