/* Proof-of-Stake (Ouroboros Praos style) as a consensus protocol: time is
 * cut into slots; at the start of each slot every node checks the slot
 * lottery on its tip with its key (consensus_pos_leader) and, as leader,
 * builds a block on the tip, proves the lottery and signs it. Its chain rules
 * (slot, time, lottery, proof, signature; longest chain with rollbacks
 * limited to k, so a block k deep is final) are installed by
 * consensus_install. A node's state is the next slot it waits for, so that a
 * timer of an earlier life of a restarted node is ignored. */
#include "consensus_ops.h"

#include "keys.h"

#include <stdlib.h>
#include <string.h>

typedef struct pos_state {
    const consensus_ctx *ctx;
    uint64_t next_slot;
} pos_state;

static uint32_t pos_final_depth(const consensus_ctx *ctx)
{
    return ctx->k;
}

static int pos_state_new(void **out, const consensus_ctx *ctx)
{
    pos_state *st = calloc(1, sizeof *st);
    *out = st;
    if (st == NULL)
        return -1;
    st->ctx = ctx;
    return 0;
}

static void pos_state_free(void *state)
{
    free(state);
}

/* The timer of slot's start. */
static void arm_slot(pos_state *st, node *n, node_effects *fx, uint64_t slot)
{
    st->next_slot = slot;
    node_consensus_timer(n, fx, (int64_t)slot * st->ctx->slot_ns, slot);
}

static void pos_start(void *state, node *n, node_effects *fx, int64_t now_ns)
{
    pos_state *st = state;
    arm_slot(st, n, fx, (uint64_t)(now_ns / st->ctx->slot_ns) + 1);
}

/* At the start of each slot: the next slot's timer, then, as leader, a
 * block built and signed on the tip. */
static void pos_on_timer(void *state, node *n, node_effects *fx, int64_t now_ns, uint64_t slot)
{
    pos_state *st = state;
    const consensus_ctx *ctx = st->ctx;
    if (slot != st->next_slot)
        return; /* a timer of an earlier life of the node */
    arm_slot(st, n, fx, slot + 1);
    const chain_entry *tip = chain_tip(node_chain(n));
    const keys_pair *key = node_key(n);
    hash256 lottery;
    /* With slots shorter than a second, a slot's time may not pass the
     * median time of the tip (the chain would refuse the block): no block. */
    if (consensus_block_slot(chain_entry_block(tip)) >= slot ||
        consensus_slot_time(ctx, slot) <= chain_entry_median_time(tip) ||
        !consensus_pos_leader(ctx, &lottery, tip, slot, keys_pair_public(key)))
        return;
    const block_header *h =
        node_template_build(n, now_ns, (uint32_t)consensus_slot_time(ctx, slot));
    block_pos pos;
    memset(&pos, 0, sizeof pos);
    pos.slot = slot;
    memcpy(pos.proposer, keys_pair_public(key), KEYS_PUB_BYTES);
    memcpy(pos.proof, lottery.b, 32);
    hash256 signing;
    block_pos_signing_hash(&signing, h, &pos);
    if (keys_sign(key, pos.sig, signing.b, 32) != 0)
        abort();
    block *b = node_template_block(n, &pos);
    node_produce(n, fx, now_ns, b);
    block_unref(b);
}

static int pos_on_message(void *state, node *n, node_effects *fx, int64_t now_ns, uint32_t peer,
                          const msg *m)
{
    (void)state, (void)n, (void)fx, (void)now_ns, (void)peer, (void)m;
    return 0; /* no messages of its own */
}

const consensus_ops consensus_pos_ops = {
    .name = "pos",
    .title = "proof-of-stake",
    .block_kind = CHAIN_POS,
    .production = CONSENSUS_SCHEDULED,
    .needs_keys = 1,
    .install = consensus_install,
    .final_depth = pos_final_depth,
    .state_new = pos_state_new,
    .state_free = pos_state_free,
    .start = pos_start,
    .on_timer = pos_on_timer,
    .on_message = pos_on_message,
};
