/* The stake schedule of a Proof-of-Stake run: each node's stake from slot to
 * slot, fixed before the run from the scenario (initial stakes and
 * set_stake events), so that every node answers "how much stake did this key
 * hold at that slot" the same way. Immutable after stake_new: any thread may
 * read it. */
#ifndef CHAINSIM_STAKE_H
#define CHAINSIM_STAKE_H

#include "keys.h"
#include "scenario.h"

#include <stdint.h>

typedef struct stake_schedule stake_schedule;

/* Builds the schedule of scn for the nodes' public keys pubs[i] (node i).
 * A set_stake at time t applies from the first slot starting at or after t.
 * Returns 0 and sets *out (free with stake_free), or -1 when out of memory. */
int stake_new(stake_schedule **out, const scenario *scn, const uint8_t (*pubs)[KEYS_PUB_BYTES])
    __attribute__((warn_unused_result));

void stake_free(stake_schedule *s);

/* Stake of the key at slot (0 for a key that is not a node's). */
uint64_t stake_of(void *s, const uint8_t pub[KEYS_PUB_BYTES], uint64_t slot);

/* Total stake at slot. */
uint64_t stake_total(void *s, uint64_t slot);

#endif
