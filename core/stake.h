/* The stake schedule of a Proof-of-Stake run: each proposer key's stake as
 * a step function of the slot, fixed before the run (from the scenario's
 * initial stakes and set_stake events, or from a chain file's params), so
 * that every node answers "how much stake did this key hold at that slot"
 * the same way. Immutable after stake_new: any thread may read it. */
#ifndef CHAINSIM_STAKE_H
#define CHAINSIM_STAKE_H

#include "keys.h"

#include <stddef.h>
#include <stdint.h>

#define STAKE_STATUS_MAP(X)                                                                        \
    X(STAKE_OK, "ok")                                                                              \
    X(STAKE_NO_MEMORY, "out of memory")                                                            \
    X(STAKE_OVERFLOW, "total stake exceeds 2^64 - 1")

#define STAKE_ENUM(code, msg) code,
typedef enum stake_status { STAKE_STATUS_MAP(STAKE_ENUM) } stake_status;
#undef STAKE_ENUM

/* The message of a status (a static string). */
const char *stake_status_message(stake_status status);

typedef struct stake_schedule stake_schedule;

/* One step: from from_slot on (until the key's next step), pub holds stake. */
typedef struct stake_entry {
    uint8_t pub[KEYS_PUB_BYTES];
    uint64_t from_slot;
    uint64_t stake;
} stake_entry;

/* Builds a schedule from entries[0..n) in any order. A key holds 0 before
 * its first step; of two entries with the same key and from_slot the later
 * one wins. Returns STAKE_OK and sets *out (free with stake_free), else
 * *out = NULL and STAKE_NO_MEMORY or STAKE_OVERFLOW (the total at some slot
 * does not fit in 64 bits). Pure. */
stake_status stake_new(stake_schedule **out, const stake_entry *entries, size_t n)
    __attribute__((warn_unused_result));

/* Frees s. Accepts NULL. */
void stake_free(stake_schedule *s);

/* Stake of the key at slot (0 for a key the schedule does not name). */
uint64_t stake_of(const stake_schedule *s, const uint8_t pub[KEYS_PUB_BYTES], uint64_t slot);

/* Total stake at slot. */
uint64_t stake_total(const stake_schedule *s, uint64_t slot);

/* The keys in ascending byte order, and each key's steps by from_slot
 * (consecutive steps always differ in stake or a later entry replaced
 * one; the first may start after slot 0). Indexes must be in range. */
size_t stake_n_keys(const stake_schedule *s);
const uint8_t *stake_key(const stake_schedule *s, size_t key);
size_t stake_n_steps(const stake_schedule *s, size_t key);
void stake_step(const stake_schedule *s, size_t key, size_t index, uint64_t *from_slot,
                uint64_t *stake);

#endif
