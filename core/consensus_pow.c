/* Proof-of-Work (Bitcoin's) as a consensus protocol: nodes mine in their
 * idle time at their hash rate (the node's miner, node_mine; a block found
 * comes back to the node as a NODE_TIMER_MINED timer), so the protocol sets
 * no timers and keeps no per-node state. Its chain rules are the chain's own
 * (header proof of work, Bitcoin's retarget every R blocks, most work wins
 * however deep the reorganisation: no block is ever final), with the run's
 * parameters (consensus_install). */
#include "consensus_ops.h"

#include <stddef.h>

static uint32_t pow_final_depth(const consensus_ctx *ctx)
{
    (void)ctx;
    return 0; /* probabilistic: the most work wins at any depth */
}

static int pow_state_new(void **out, const consensus_ctx *ctx)
{
    (void)ctx;
    *out = NULL;
    return 0;
}

static void pow_state_free(void *state)
{
    (void)state;
}

static void pow_start(void *state, node *n, node_effects *fx, int64_t now_ns)
{
    (void)state, (void)n, (void)fx, (void)now_ns; /* mining needs no timer */
}

static void pow_on_timer(void *state, node *n, node_effects *fx, int64_t now_ns, uint64_t arg)
{
    (void)state, (void)n, (void)fx, (void)now_ns, (void)arg; /* it sets none */
}

static int pow_on_message(void *state, node *n, node_effects *fx, int64_t now_ns, uint32_t peer,
                          const msg *m)
{
    (void)state, (void)n, (void)fx, (void)now_ns, (void)peer, (void)m;
    return 0; /* no messages of its own */
}

const consensus_ops consensus_pow_ops = {
    .name = "pow",
    .title = "proof-of-work",
    .block_kind = CHAIN_POW,
    .production = CONSENSUS_MINES,
    .needs_keys = 0,
    .install = consensus_install,
    .final_depth = pow_final_depth,
    .state_new = pow_state_new,
    .state_free = pow_state_free,
    .start = pow_start,
    .on_timer = pow_on_timer,
    .on_message = pow_on_message,
};
