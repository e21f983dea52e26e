/* Consensus hooks for the chain. PoW: the chain's own rules (Bitcoin's
 * retarget every R blocks) with the run's parameters. PoS: the block's slot must be after its
 * parent's, its header time must be the slot's, its proposer must win the
 * slot lottery with the stake it holds (Praos: phi(alpha) = 1 - (1 - f)^alpha),
 * the proof must hold that lottery hash, and the proposer's Ed25519
 * signature over the block must verify. */
#include "consensus.h"
#include "timeunit.h"

#include "hash.h"
#include "pos.h"

#include <stdio.h>
#include <string.h>

uint64_t consensus_block_slot(const block *b)
{
    const block_pos *pos = block_pos_of(b);
    return pos ? pos->slot : 0;
}

uint64_t consensus_slot_time(const consensus_ctx *ctx, uint64_t slot)
{
    uint64_t slot_ms = (uint64_t)(ctx->slot_ns / TIMEUNIT_NS_PER_MS);
    unsigned __int128 s = (unsigned __int128)slot * slot_ms / 1000;
    if (s > UINT64_MAX - ctx->genesis_time)
        return UINT64_MAX; /* no header time can match it */
    return ctx->genesis_time + (uint64_t)s;
}

void consensus_epoch_seed(hash256 *out, const consensus_ctx *ctx, const chain_entry *parent,
                          uint64_t slot)
{
    uint64_t epoch = slot / ctx->epoch_slots;
    if (epoch == 0) {
        *out = ctx->genesis_seed;
        return;
    }
    /* The last block of the branch whose slot is before epoch e - 1. */
    uint64_t boundary = (epoch - 1) * ctx->epoch_slots;
    const chain_entry *e = parent;
    while (chain_entry_parent(e) != NULL && consensus_block_slot(chain_entry_block(e)) >= boundary)
        e = chain_entry_parent(e);
    uint8_t buf[40];
    hash256 seed0;
    memcpy(buf, ctx->genesis_seed.b, 32);
    for (int i = 0; i < 8; i++)
        buf[32 + i] = (uint8_t)(epoch >> (8 * i));
    hash_sha256(seed0.b, buf, sizeof buf);
    pos_next_epoch_seed(out, &seed0, chain_entry_id(e));
}

int consensus_pos_leader(const consensus_ctx *ctx, hash256 *lottery, const chain_entry *parent,
                         uint64_t slot, const uint8_t pub[KEYS_PUB_BYTES])
{
    hash256 seed, h;
    pos_threshold threshold;
    const stake_schedule *schedule = ctx->stakes;
    uint64_t stake =
        schedule ? stake_of(schedule, pub, slot) : ctx->stake_of(ctx->stake_ctx, pub, slot);
    uint64_t total =
        schedule ? stake_total(schedule, slot) : ctx->total_stake(ctx->stake_ctx, slot);
    if (stake == 0 || total == 0 || pos_threshold_for(&threshold, stake, total, ctx->f) != POS_OK)
        return 0;
    consensus_epoch_seed(&seed, ctx, parent, slot);
    pos_lottery_hash(&h, &seed, slot, pub);
    if (lottery)
        *lottery = h;
    return pos_wins(&h, &threshold);
}

static reason pos_check_proof(void *vctx, const chain_entry *parent, const block *b, char *msg,
                              size_t msg_len)
{
    const consensus_ctx *ctx = vctx;
    const block_pos *pos = block_pos_of(b);
    const block_header *h = block_header_of(b);
    char id[65];
    hash_to_hex(id, block_id(b));
    if (pos == NULL) {
        snprintf(msg, msg_len, "block %s: proof-of-stake block without its extension", id);
        return REASON_BLOCK_BAD_PROOF;
    }
    uint64_t parent_slot = consensus_block_slot(chain_entry_block(parent));
    if (pos->slot <= parent_slot && chain_entry_parent(parent) != NULL) {
        snprintf(msg, msg_len, "block %s: slot %llu is not after its parent's slot %llu", id,
                 (unsigned long long)pos->slot, (unsigned long long)parent_slot);
        return REASON_BLOCK_BAD_PROOF;
    }
    if (pos->slot == 0) {
        snprintf(msg, msg_len, "block %s: slot 0 belongs to genesis", id);
        return REASON_BLOCK_BAD_PROOF;
    }
    /* 64-bit: a slot whose time does not fit the header's 32 bits matches no
     * header, so no slot can wrap around onto an earlier slot's time. */
    if (h->time != consensus_slot_time(ctx, pos->slot)) {
        snprintf(msg, msg_len, "block %s: time %u is not the time of slot %llu (%llu)", id, h->time,
                 (unsigned long long)pos->slot,
                 (unsigned long long)consensus_slot_time(ctx, pos->slot));
        return REASON_BLOCK_BAD_PROOF;
    }
    hash256 lottery;
    if (!consensus_pos_leader(ctx, &lottery, parent, pos->slot, pos->proposer)) {
        snprintf(msg, msg_len, "block %s: proposer does not lead slot %llu", id,
                 (unsigned long long)pos->slot);
        return REASON_POS_NOT_LEADER;
    }
    static const uint8_t zero[32];
    if (memcmp(pos->proof, lottery.b, 32) != 0 || memcmp(pos->proof + 32, zero, 32) != 0) {
        snprintf(msg, msg_len, "block %s: leader proof is not the slot's lottery hash", id);
        return REASON_BLOCK_BAD_PROOF;
    }
    hash256 signing;
    block_pos_signing_hash(&signing, h, pos);
    if (keys_verify(pos->proposer, pos->sig, signing.b, 32) != 1) {
        snprintf(msg, msg_len, "block %s: proposer signature does not verify", id);
        return REASON_POS_BAD_SIGNATURE;
    }
    return REASON_OK;
}

void consensus_install(chain_params *p, const consensus_ctx *ctx)
{
    p->consensus = ctx->type;
    p->hook_ctx = (void *)(uintptr_t)ctx; /* the hooks only read it */
    if (ctx->type == CHAIN_POW) {
        /* Bitcoin's retarget is the chain's own default rule (chain.h). */
        p->expected_bits = NULL;
        p->check_proof = NULL;
        p->retarget_blocks = ctx->retarget_blocks;
        /* A whole-second spacing keeps the seconds rule (and the chain
         * file's target_spacing_s); any other retargets in milliseconds. */
        int whole = ctx->spacing_ms % 1000 == 0;
        p->target_spacing_s = whole ? (uint32_t)(ctx->spacing_ms / 1000) : 0;
        p->target_spacing_ms = whole ? 0 : (uint32_t)ctx->spacing_ms;
        p->pow_limit_bits = u256_get_compact(&ctx->pow_limit, 0);
        p->max_rollback = 0;
    } else {
        p->expected_bits = NULL;
        p->check_proof = pos_check_proof;
        /* Praos: a block of a slot that has not started yet is not taken (it
         * may be offered again once its slot has come). The header time is
         * the slot's, so "not after now" is exactly that. */
        p->max_future_s = 0;
        p->max_rollback = ctx->k;
    }
}

const consensus_ctx *consensus_of(const chain_params *p)
{
    return p->check_proof == pos_check_proof ? p->hook_ctx : NULL;
}
