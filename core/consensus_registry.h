/* The consensus protocols a run can choose, by name: a static list, one
 * line per protocol (core/consensus_registry.c), each protocol's table of
 * functions (core/consensus_ops.h) in its own file. Read-only: callable
 * from any thread. */
#ifndef CHAINSIM_CONSENSUS_REGISTRY_H
#define CHAINSIM_CONSENSUS_REGISTRY_H

#include "chain.h"
#include "consensus_ops.h"

#include <stddef.h>

/* The protocol called name ("pow", "pos"; exact, case-sensitive), or NULL
 * when none is (or name is NULL). Static: never freed. */
const consensus_ops *consensus_find(const char *name);

/* The built-in protocol whose blocks are of kind (PoW for CHAIN_POW, PoS for
 * CHAIN_POS): the protocol of a node configured without one, and of chain
 * files, which record the kind. Never NULL for a kind of chain_consensus;
 * NULL for other values. */
const consensus_ops *consensus_for_kind(chain_consensus kind);

/* The number of protocols, and the i-th (i < consensus_count(); else NULL),
 * in the order of the list. */
size_t consensus_count(void);
const consensus_ops *consensus_at(size_t i);

/* Writes the protocols' names to buf as "pow, pos" (for a message that
 * lists the choices), cut to fit len (always terminated when len > 0).
 * Returns the length the whole list needs, as snprintf does. */
size_t consensus_names(char *buf, size_t len);

#endif
