/* The validator set of Tendermint-style BFT consensus: each validator's
 * Ed25519 public key and voting power, the "more than 2/3" and "more than
 * 1/3" thresholds in exact integers, and CometBFT's weighted round-robin
 * proposer selection by proposer priority (spec/consensus/
 * proposer-selection.md of CometBFT). Pure and deterministic; one owner. */
#ifndef CHAINSIM_BFTVAL_H
#define CHAINSIM_BFTVAL_H

#include "keys.h"

#include <stddef.h>
#include <stdint.h>

/* The largest total voting power: INT64_MAX / 8, as CometBFT, so that
 * 2 * total, 3 * power and the 1.125 * total of a new validator's priority
 * all fit in an int64. */
#define BFTVAL_MAX_TOTAL_POWER (INT64_MAX / 8)

#define BFTVAL_STATUS_MAP(X)                                                                       \
    X(BFTVAL_OK, "ok")                                                                             \
    X(BFTVAL_NO_MEMORY, "out of memory")                                                           \
    X(BFTVAL_EMPTY, "validator set has no validators")                                             \
    X(BFTVAL_BAD_POWER, "voting power is not positive")                                            \
    X(BFTVAL_DUPLICATE_KEY, "two validators have the same public key")                             \
    X(BFTVAL_TOO_MUCH_POWER, "total voting power is above INT64_MAX / 8")

#define BFTVAL_ENUM(code, msg) code,
typedef enum bftval_status { BFTVAL_STATUS_MAP(BFTVAL_ENUM) } bftval_status;
#undef BFTVAL_ENUM

/* The message of a status (a static string); "unknown status" outside the
 * table. Thread-safe. */
const char *bftval_status_message(bftval_status status);

/* A validator set with its proposer priorities. Opaque; one owner. Indexes
 * are the order the caller gave; a vote names its validator by index. */
typedef struct bftval_set bftval_set;

/* Builds a set of n validators, pubs[i] with power powers[i]. Priorities
 * start at 0 and the first selection run is made (as CometBFT does for a
 * new set), so bftval_proposer names the proposer of the first height's
 * round 0. Returns BFTVAL_OK and sets *out (free with bftval_set_free);
 * else *out = NULL and BFTVAL_EMPTY (n == 0), BFTVAL_BAD_POWER (a power
 * <= 0), BFTVAL_DUPLICATE_KEY, BFTVAL_TOO_MUCH_POWER or BFTVAL_NO_MEMORY;
 * when bad_index is not NULL it gets the index of the offending validator
 * (0 otherwise). Pure. */
bftval_status bftval_set_new(bftval_set **out, size_t *bad_index,
                             const uint8_t (*pubs)[KEYS_PUB_BYTES], const int64_t *powers, size_t n)
    __attribute__((warn_unused_result));

/* A copy of set, priorities included (free with bftval_set_free), or NULL
 * when memory runs out. */
bftval_set *bftval_set_copy(const bftval_set *set);

/* Frees set. Accepts NULL. */
void bftval_set_free(bftval_set *set);

/* Number of validators, and validator i's key (valid as long as set) and
 * power; i must be in range. */
size_t bftval_count(const bftval_set *set);
const uint8_t *bftval_key(const bftval_set *set, size_t i);
int64_t bftval_power(const bftval_set *set, size_t i);

/* The sum of all voting powers (> 0, at most BFTVAL_MAX_TOTAL_POWER). */
int64_t bftval_total(const bftval_set *set);

/* Returns 1 and sets *index when pub is a validator of set, else 0 (and
 * *index = 0). */
int bftval_index_of(const bftval_set *set, size_t *index, const uint8_t pub[KEYS_PUB_BYTES]);

/* 1 when power is more than 2/3 of the total (3 * power > 2 * total,
 * exact: exactly 2/3 is not enough), else 0. The "2f+1" of the paper. */
int bftval_two_thirds(const bftval_set *set, int64_t power);

/* 1 when power is more than 1/3 of the total (3 * power > total), else 0.
 * The "f+1" of the paper: at least one honest validator among them. */
int bftval_one_third(const bftval_set *set, int64_t power);

/* One run of the spec's ProposerSelection: (1) scale: when max - min of
 * the priorities is above 2 * total, divide every priority by
 * ceil(diff / (2 * total)) (C division, toward zero); (2) center: subtract
 * avg = sum / n (toward zero, as the spec's tables do: -13 / 3 = -4);
 * (3) add each validator's power; (4) the validator of highest priority is
 * the proposer, the lowest index on a tie; (5) subtract the total from its
 * priority. Sums and differences saturate at the int64 range. Returns the
 * proposer's index (also what bftval_proposer answers until the next run). */
size_t bftval_increment(bftval_set *set);

/* The proposer chosen by the last run. */
size_t bftval_proposer(const bftval_set *set);

/* Validator i's priority; setting one restores saved state (or builds the
 * spec's examples in tests). i must be in range. */
int64_t bftval_priority(const bftval_set *set, size_t i);
void bftval_set_priority(bftval_set *set, size_t i, int64_t priority);

#endif
