/* Private to the scenario module: the names of the scenario's enumerations
 * and the typed getters over jsonread that the section readers share. */
#ifndef CHAINSIM_SCENARIO_READ_H
#define CHAINSIM_SCENARIO_READ_H

#include "jsonread.h"
#include "scenario.h"

#include <stdint.h>

/* Larger JSON numbers are not exact (cJSON keeps doubles): 2^53 - 1. */
#define SCENARIO_READ_MAX_EXACT JSONREAD_MAX_EXACT

/* The names of each enumeration in its order, NULL-terminated: what the
 * scenario accepts and scenario_*_name returns. */
extern const char *const scenario_read_consensus_names[];
extern const char *const scenario_read_topology_names[];
extern const char *const scenario_read_latency_names[];
extern const char *const scenario_read_event_names[];
extern const char *const scenario_read_adversary_names[];

/* All the getters follow jsonread's order: context, output, object and key
 * (key NULL: the value itself), then what they need, then JSONREAD_REQUIRED
 * or JSONREAD_OPTIONAL. Each returns JSONREAD_OK, or jr's status after
 * writing its message into jr. An absent optional value leaves *out as it
 * was, so a caller sets the default first. Not thread-safe on one jr. */

/* A duration like "250ms" or a number of seconds, at most 2^61 ns. */
jsonread_status scenario_read_duration(jsonread *jr, int64_t *out, const cJSON *obj,
                                       const char *key, unsigned flags)
    __attribute__((warn_unused_result));

/* One of names (NULL-terminated); writes the index. */
jsonread_status scenario_read_enum(jsonread *jr, unsigned *out, const cJSON *obj, const char *key,
                                   const char *const *names, unsigned flags)
    __attribute__((warn_unused_result));

/* A hash rate like "1M", "0.1H/s" or a number of hashes per second, in
 * [0, 1e15] and in steps of 0.001 H/s (a finer fraction is refused, not
 * rounded); written in H/s. */
jsonread_status scenario_read_hashrate(jsonread *jr, double *out, const cJSON *obj, const char *key,
                                       unsigned flags) __attribute__((warn_unused_result));

/* A 1-based number in [1, count] (of a node or a wallet: what), written
 * 0-based. */
jsonread_status scenario_read_ref(jsonread *jr, uint32_t *out, const cJSON *obj, const char *key,
                                  uint32_t count, const char *what, unsigned flags)
    __attribute__((warn_unused_result));

/* A required two-element array of references (double_spend's to and
 * nodes). */
jsonread_status scenario_read_pair(jsonread *jr, uint32_t out[2], const cJSON *obj, const char *key,
                                   uint32_t count, const char *what)
    __attribute__((warn_unused_result));

#endif
