/* Proof-of-Authority (Ethereum's Clique, EIP-225, simplified) as a
 * consensus protocol: a fixed set of n signers (ctx->poa_signers) takes
 * turns. The in-turn signer of height h is signers[h % n]; it signs when
 * `period` has passed since the parent. Any other signer may sign out of
 * turn after a further out-of-turn delay plus a wiggle (a multiple of the
 * delay in [0, floor(n/2)], drawn from the run's seed, the height and the
 * signer: local policy, not checked). A signer may not sign a block when it
 * signed one of the floor(n/2) blocks before it (Clique's recent-signer
 * rule), so that a minority of signers cannot hold the chain alone.
 *
 * Blocks carry the PoS block extension (block_pos, core/block.h) with these
 * meanings: slot = the block's time in milliseconds since genesis, proposer
 * = the signer's Ed25519 public key, proof = 64 zero bytes, sig = the
 * signer's signature over block_pos_signing_hash (the header and the
 * extension with sig zeroed). The header time is genesis_time + floor(slot /
 * 1000). Fork choice is Clique's total difficulty: an in-turn block adds 2,
 * an out-of-turn block 1, the branch with the most wins (a tie keeps the
 * branch seen first); no block is ever final (as in Clique). */
#include "consensus_ops.h"

#include "hash.h"
#include "keys.h"
#include "timeunit.h"
#include "tx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct poa_state {
    const consensus_ctx *ctx;
    int index;       /* this node's place in the signer set, -1 when not a signer */
    int64_t next_ns; /* the time of the latest timer (its arg): others are ignored */
} poa_state;

/* The place of pub in the signer set, or -1. */
static int signer_index(const consensus_ctx *ctx, const uint8_t pub[KEYS_PUB_BYTES])
{
    for (uint32_t i = 0; i < ctx->poa_n_signers; i++)
        if (memcmp(ctx->poa_signers[i], pub, KEYS_PUB_BYTES) == 0)
            return (int)i;
    return -1;
}

/* The block's time in ms since genesis (its extension's slot; 0 for genesis). */
static uint64_t block_ms(const block *b)
{
    const block_pos *pos = block_pos_of(b);
    return pos ? pos->slot : 0;
}

/* 1 when signer signed one of the floor(n/2) blocks ending at parent. */
static int signed_recently(const consensus_ctx *ctx, const chain_entry *parent,
                           const uint8_t pub[KEYS_PUB_BYTES])
{
    const chain_entry *e = parent;
    for (uint32_t i = 0; i < ctx->poa_n_signers / 2 && e != NULL && chain_entry_parent(e) != NULL;
         i++, e = chain_entry_parent(e)) {
        const block_pos *pos = block_pos_of(chain_entry_block(e));
        if (pos != NULL && memcmp(pos->proposer, pub, KEYS_PUB_BYTES) == 0)
            return 1;
    }
    return 0;
}

static reason poa_check_proof(void *vctx, const chain_entry *parent, const block *b, char *why,
                              size_t why_len)
{
    const consensus_ctx *ctx = vctx;
    const block_pos *pos = block_pos_of(b);
    const block_header *h = block_header_of(b);
    static const uint8_t zero[64];
    char id[65];
    hash_to_hex(id, block_id(b));
    if (pos == NULL || memcmp(pos->proof, zero, sizeof zero) != 0) {
        snprintf(why, why_len, "block %s: authority block without its extension or with a proof",
                 id);
        return REASON_BLOCK_BAD_PROOF;
    }
    if (signer_index(ctx, pos->proposer) < 0) {
        snprintf(why, why_len, "block %s: signer is not in the authority set", id);
        return REASON_BLOCK_POA_NOT_SIGNER;
    }
    hash256 signing;
    block_pos_signing_hash(&signing, h, pos);
    if (keys_verify(pos->proposer, pos->sig, signing.b, 32) != 1) {
        snprintf(why, why_len, "block %s: signer's signature does not verify", id);
        return REASON_BLOCK_POA_BAD_SIGNATURE;
    }
    if (signed_recently(ctx, parent, pos->proposer)) {
        snprintf(why, why_len, "block %s: signer signed one of the last %u blocks", id,
                 ctx->poa_n_signers / 2);
        return REASON_BLOCK_POA_RECENT_SIGNER;
    }
    uint64_t parent_ms = block_ms(chain_entry_block(parent));
    if (pos->slot < parent_ms + ctx->poa_period_ms) {
        snprintf(why, why_len,
                 "block %s: time %llu ms is earlier than its parent's %llu ms + %u ms", id,
                 (unsigned long long)pos->slot, (unsigned long long)parent_ms, ctx->poa_period_ms);
        return REASON_BLOCK_POA_TOO_EARLY;
    }
    if ((uint64_t)h->time != (uint64_t)ctx->genesis_time + pos->slot / 1000) {
        snprintf(why, why_len, "block %s: header time %u is not genesis + %llu ms in seconds", id,
                 h->time, (unsigned long long)pos->slot);
        return REASON_BLOCK_POA_BAD_TIME;
    }
    return REASON_OK;
}

/* Clique's difficulty: 2 for the in-turn signer of the block's height, else 1. */
static void poa_block_work(void *vctx, u256 *work, const block *b)
{
    const consensus_ctx *ctx = vctx;
    const block_pos *pos = block_pos_of(b);
    uint64_t height = 0, nonce = 0;
    int in_turn = pos != NULL && ctx->poa_n_signers > 0 &&
                  tx_coinbase_fields(block_tx(b, 0), &height, &nonce) == 0 &&
                  signer_index(ctx, pos->proposer) == (int)(height % ctx->poa_n_signers);
    u256_from_u64(work, in_turn ? 2 : 1);
}

static void poa_install(chain_params *p, const consensus_ctx *ctx)
{
    p->consensus = CHAIN_POA;
    p->hook_ctx = (void *)(uintptr_t)ctx; /* the hooks only read it */
    p->expected_bits = NULL;              /* the genesis bits, unused */
    p->check_proof = poa_check_proof;
    p->block_work = poa_block_work;
    p->max_future_s = 0; /* a block's time is the moment it was signed */
    p->max_rollback = 0;
}

static uint32_t poa_final_depth(const consensus_ctx *ctx)
{
    (void)ctx;
    return 0; /* Clique: the most difficulty wins at any depth */
}

static int poa_state_new(void **out, const consensus_ctx *ctx)
{
    poa_state *st = calloc(1, sizeof *st);
    *out = st;
    if (st == NULL)
        return -1;
    st->ctx = ctx;
    st->index = -1;
    return 0;
}

static void poa_state_free(void *state)
{
    free(state);
}

static void arm(poa_state *st, node *n, node_effects *fx, int64_t at_ns)
{
    st->next_ns = at_ns;
    node_consensus_timer(n, fx, at_ns, (uint64_t)at_ns);
}

/* The out-of-turn wiggle of signer at height: a multiple of the delay in
 * [0, floor(n/2)], from SHA-256(seed || height || signer), little-endian. */
static int64_t wiggle_ns(const consensus_ctx *ctx, uint64_t height, int signer)
{
    uint8_t buf[20], h[32];
    for (int i = 0; i < 8; i++) {
        buf[i] = (uint8_t)(ctx->poa_wiggle_seed >> (8 * i));
        buf[8 + i] = (uint8_t)(height >> (8 * i));
    }
    for (int i = 0; i < 4; i++)
        buf[16 + i] = (uint8_t)((uint32_t)signer >> (8 * i));
    hash_sha256(h, buf, sizeof buf);
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)h[i] << (8 * i);
    return (int64_t)(v % (ctx->poa_n_signers / 2 + 1)) * ctx->poa_delay_ms * TIMEUNIT_NS_PER_MS;
}

/* Signs a block on the tip at now (its time: now in whole ms). */
static void produce(poa_state *st, node *n, node_effects *fx, int64_t now_ns)
{
    const consensus_ctx *ctx = st->ctx;
    uint64_t ms = (uint64_t)(now_ns / TIMEUNIT_NS_PER_MS);
    const block_header *h =
        node_template_build(n, now_ns, (uint32_t)(ctx->genesis_time + ms / 1000));
    const keys_pair *key = node_key(n);
    block_pos pos;
    memset(&pos, 0, sizeof pos);
    pos.slot = ms;
    memcpy(pos.proposer, keys_pair_public(key), KEYS_PUB_BYTES);
    hash256 signing;
    block_pos_signing_hash(&signing, h, &pos);
    if (keys_sign(key, pos.sig, signing.b, 32) != 0)
        abort();
    block *b = node_template_block(n, &pos);
    node_produce(n, fx, now_ns, b);
    block_unref(b);
}

/* What this signer does on its tip at now: sign when its time has come
 * (parent + period in turn; + delay + wiggle out of turn), else wake up
 * then, or after one period at the latest to look at the tip again. */
static void plan(poa_state *st, node *n, node_effects *fx, int64_t now_ns)
{
    const consensus_ctx *ctx = st->ctx;
    int64_t period_ns = (int64_t)ctx->poa_period_ms * TIMEUNIT_NS_PER_MS;
    const chain_entry *tip = chain_tip(node_chain(n));
    uint64_t height = (uint64_t)chain_entry_height(tip) + 1;
    if (signed_recently(ctx, tip, ctx->poa_signers[st->index])) {
        arm(st, n, fx, now_ns + period_ns);
        return;
    }
    int64_t at = (int64_t)block_ms(chain_entry_block(tip)) * TIMEUNIT_NS_PER_MS + period_ns;
    if (height % ctx->poa_n_signers != (uint64_t)st->index)
        at += (int64_t)ctx->poa_delay_ms * TIMEUNIT_NS_PER_MS + wiggle_ns(ctx, height, st->index);
    if (at > now_ns) {
        arm(st, n, fx, at < now_ns + period_ns ? at : now_ns + period_ns);
        return;
    }
    int64_t second = now_ns / TIMEUNIT_NS_PER_S;
    if ((uint64_t)ctx->genesis_time + (uint64_t)second <= chain_entry_median_time(tip)) {
        /* the header time would not pass the median time: the next second */
        arm(st, n, fx, (second + 1) * TIMEUNIT_NS_PER_S);
        return;
    }
    produce(st, n, fx, now_ns);
    arm(st, n, fx, now_ns + period_ns);
}

static void poa_start(void *state, node *n, node_effects *fx, int64_t now_ns)
{
    poa_state *st = state;
    st->index = signer_index(st->ctx, keys_pair_public(node_key(n)));
    if (st->index < 0)
        return; /* not an authority: it only relays and validates */
    plan(st, n, fx, now_ns);
}

static void poa_on_timer(void *state, node *n, node_effects *fx, int64_t now_ns, uint64_t arg)
{
    poa_state *st = state;
    if (st->index < 0 || arg != (uint64_t)st->next_ns)
        return; /* a timer set before a newer one, or of an earlier life of the node */
    plan(st, n, fx, now_ns);
}

static int poa_on_message(void *state, node *n, node_effects *fx, int64_t now_ns, uint32_t peer,
                          const msg *m)
{
    (void)state, (void)n, (void)fx, (void)now_ns, (void)peer, (void)m;
    return 0; /* no messages of its own */
}

const consensus_ops consensus_poa_ops = {
    .name = "poa",
    .title = "proof-of-authority",
    .block_kind = CHAIN_POA,
    .production = CONSENSUS_SCHEDULED,
    .needs_keys = 1,
    .install = poa_install,
    .final_depth = poa_final_depth,
    .state_new = poa_state_new,
    .state_free = poa_state_free,
    .start = poa_start,
    .on_timer = poa_on_timer,
    .on_message = poa_on_message,
};
