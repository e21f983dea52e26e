/* Private to the scenario module: the section readers that live outside
 * scenario.c and are called from its top-level walk (parse_root). */
#ifndef CHAINSIM_SCENARIO_IMPL_H
#define CHAINSIM_SCENARIO_IMPL_H

#include "jsonread.h"
#include "scenario.h"

/* Both read their section of root into s, which the walk has filled up to
 * that point (both need s->n_nodes; events also the duration, wallets and
 * each node's join time). Return JSONREAD_OK, or jr's status after writing
 * its message into jr; what they allocated in s is freed by scenario_free.
 * Not thread-safe on one jr or s. */

/* network: topology, latency, regions, loss and bandwidth
 * (scenario_net.c). */
jsonread_status scenario_parse_network(jsonread *jr, scenario *s, const cJSON *root)
    __attribute__((warn_unused_result));

/* events: each event checked, then sorted by time (ties in file order) into
 * s->events and checked as a sequence (scenario_events.c). */
jsonread_status scenario_parse_events(jsonread *jr, scenario *s, const cJSON *root)
    __attribute__((warn_unused_result));

/* adversaries: each entry checked against the nodes, wallets and the
 * consensus (scenario_adv.c). */
jsonread_status scenario_parse_adversaries(jsonread *jr, scenario *s, const cJSON *root)
    __attribute__((warn_unused_result));

#endif
