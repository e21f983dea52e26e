/* A consensus protocol as a table of functions, in the style of the
 * engine's callbacks (sim/kernel/engine.h, engine_model): the node
 * (core/node.c) calls n's protocol through its table and never asks which
 * protocol it runs. A protocol lives in one file (core/consensus_pow.c,
 * core/consensus_pos.c) and is listed once in core/consensus_registry.c.
 *
 * What the table covers: the protocol's name, the kind of block it produces
 * (the chain's rules for that kind: core/chain.h), whether nodes mine (hash
 * in their idle time: the node's miner, node_mine) or are scheduled by
 * consensus timers (slots, rounds), whether nodes need keys, the chain rules
 * it installs (checks, fork choice, finality), a node's protocol state and
 * what the node does at its start, at a consensus timer and at a
 * protocol-specific message. Hooks run on the thread of the node they get,
 * one at a time; they produce blocks and set timers through the services of
 * core/node.h ("For consensus protocols"). */
#ifndef CHAINSIM_CONSENSUS_OPS_H
#define CHAINSIM_CONSENSUS_OPS_H

#include "chain.h"
#include "consensus.h"
#include "msg.h"
#include "node.h"

#include <stdint.h>

/* How a protocol's nodes come to produce a block. */
typedef enum consensus_production {
    /* Nodes hash in their idle time at their hash rate (node_mine; the
     * block found comes back as a NODE_TIMER_MINED timer). */
    CONSENSUS_MINES = 0,
    /* Nodes produce at consensus timers the protocol sets (a slot, a
     * round); nodes have no hash rate. */
    CONSENSUS_SCHEDULED = 1
} consensus_production;

typedef struct consensus_ops {
    const char *name;                /* as scenarios name it: "pow", "pos" */
    const char *title;               /* for people: "proof-of-work" */
    chain_consensus block_kind;      /* the blocks it produces (and the chain checks) */
    consensus_production production; /* mines, or scheduled by consensus timers */
    int needs_keys;                  /* 1: every node needs its key pair (to sign) */

    /* Required. Installs the protocol's chain rules into p (the checks of
     * its blocks, fork choice and finality: chain_params' hooks, work and
     * max_rollback) with ctx as their context; ctx must outlive every chain
     * using p. */
    void (*install)(chain_params *p, const consensus_ctx *ctx);

    /* Required. The deepest reorganisation fork choice takes under ctx: a
     * block this deep in a node's chain is final for it (0: none is, fork
     * choice follows the most work however deep). Pure. */
    uint32_t (*final_depth)(const consensus_ctx *ctx);

    /* Required. A node's protocol state: 0 and *out (which may be NULL for a
     * protocol that keeps none; freed with state_free), or -1 when out of
     * memory (*out = NULL). ctx outlives the state. */
    int (*state_new)(void **out, const consensus_ctx *ctx);

    /* Required. Frees a state of state_new. Accepts NULL. */
    void (*state_free)(void *state);

    /* Required. The node starts (or restarts, after a crash) at now: sets
     * the protocol's first timer, if any (node_consensus_timer). Called
     * after the node has sent its status to its peers. */
    void (*start)(void *state, node *n, node_effects *fx, int64_t now_ns);

    /* Required. A consensus timer the protocol set (node_consensus_timer,
     * with its arg) fired at now: produce a block when it is this node's
     * turn, set the next timer. A timer of an earlier life of the node (set
     * before a restart) must be recognised and ignored. */
    void (*on_timer)(void *state, node *n, node_effects *fx, int64_t now_ns, uint64_t arg);

    /* Required. A message of peer at now, offered to the protocol before
     * the node's own handling (for protocols with votes): 1 when the
     * protocol handled it (the node then does nothing more with it), 0 when
     * not (the node handles it as a block, transaction or sync message). m
     * stays the caller's. */
    int (*on_message)(void *state, node *n, node_effects *fx, int64_t now_ns, uint32_t peer,
                      const msg *m);

    /* Optional (NULL: nothing survives a crash but the chain). The node
     * restarts after a crash: state (new, not started yet) takes from old,
     * the state of the node's life before the crash, what the protocol
     * keeps on disk beside the chain (BFT: its certificates and its
     * consensus record, as Tendermint's write-ahead log). old is freed
     * right after. */
    void (*state_resume)(void *state, void *old);
} consensus_ops;

#endif
