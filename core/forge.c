/* Forged blocks and transactions (see forge.h). A block is a coinbase
 * paying the forger plus the kind's transactions, on ctx->parent at the
 * expected bits; the flaw is put in, then the nonce is ground so that the
 * proof of work holds (or, for FORGE_BLOCK_BAD_POW, fails). */
#include "forge.h"

#include "consensus.h"
#include "hash.h"
#include "header.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    reason why;
} kinds[] = {
#define FORGE_ROW(kind, name, why) {name, why},
    FORGE_MAP(FORGE_ROW)
#undef FORGE_ROW
};

const char *forge_name(forge_kind kind)
{
    return (unsigned)kind < FORGE_COUNT ? kinds[kind].name : "?";
}

reason forge_reason(forge_kind kind)
{
    return (unsigned)kind < FORGE_COUNT ? kinds[kind].why : REASON_OK;
}

int forge_is_block(forge_kind kind)
{
    return kind < FORGE_TX_BAD_SIGNATURE || forge_is_pos(kind);
}

int forge_is_pos(forge_kind kind)
{
    return kind >= FORGE_POS_NOT_LEADER && kind < FORGE_COUNT;
}

/* A payment of ctx's coin (or of a coin that does not exist) to the forger:
 * amount out, signed by signer, the input given twice when dup. */
static int spend(tx **out, const forge_ctx *ctx, int missing, uint64_t amount,
                 const keys_pair *signer, int dup)
{
    tx_in in[2];
    memset(in, 0, sizeof in);
    if (missing) {
        uint8_t seed[16];
        memcpy(seed, "missing", 8);
        memcpy(seed + 8, &ctx->serial, 8);
        hash_sha256(in[0].prev_txid.b, seed, sizeof seed);
        in[0].prev_index = 0;
    } else {
        in[0].prev_txid = ctx->coin.txid;
        in[0].prev_index = ctx->coin.index;
    }
    in[1] = in[0];
    tx_out o;
    o.amount = amount;
    memcpy(o.owner, keys_pair_public(ctx->key), KEYS_PUB_BYTES);
    const keys_pair *signers[2] = {signer, signer};
    return tx_new_signed(out, in, dup ? 2 : 1, &o, 1, signers);
}

/* An amount below the coin's that differs with the serial, so that every
 * forged spend has its own id. */
static uint64_t some_amount(const forge_ctx *ctx)
{
    return 1 + ctx->serial % (ctx->coin_amount - 2);
}

static int forge_tx(tx **t, const forge_ctx *ctx, forge_kind kind)
{
    if (ctx->coin_key == NULL && kind != FORGE_TX_MISSING_INPUT)
        return 1;
    switch (kind) {
    case FORGE_TX_BAD_SIGNATURE: /* signed by the forger, not the coin's owner */
        return spend(t, ctx, 0, some_amount(ctx), ctx->key, 0) ? -1 : 0;
    case FORGE_TX_MISSING_INPUT:
        return spend(t, ctx, 1, 1 + ctx->serial % 1000, ctx->key, 0) ? -1 : 0;
    case FORGE_TX_OUTPUTS_EXCEED_INPUTS:
        return spend(t, ctx, 0, ctx->coin_amount + 1 + ctx->serial % 1000, ctx->coin_key, 0) ? -1
                                                                                             : 0;
    case FORGE_TX_DUPLICATE_INPUT:
        return spend(t, ctx, 0, some_amount(ctx), ctx->coin_key, 1) ? -1 : 0;
    default:
        return 1;
    }
}

static int forge_block(block **blk, const forge_ctx *ctx, forge_kind kind)
{
    const chain_entry *parent = ctx->parent;
    const chain_params *params = chain_params_of(ctx->chain);
    uint32_t height = chain_entry_height(parent) + 1;
    tx *txs[3] = {NULL, NULL, NULL};
    size_t n = 1;
    int rc = 0;
    block_header h;
    memset(&h, 0, sizeof h);
    h.version = 1;
    h.prev_id = *chain_entry_id(parent);
    h.bits = chain_expected_bits(ctx->chain, parent);
    h.time = ctx->time_s;
    if (kind == FORGE_BLOCK_INVALID_PARENT) {
        if (ctx->invalid_block == NULL)
            return 1;
        h.prev_id = *ctx->invalid_block;
        height++;
    }
    if (kind == FORGE_BLOCK_BAD_BITS)
        h.bits = h.bits == 0x207fffff ? 0x2000ffff : 0x207fffff;
    if (kind == FORGE_BLOCK_TIME_TOO_OLD)
        h.time = chain_entry_median_time(parent);
    /* the kind's transactions */
    if (kind == FORGE_BLOCK_BAD_SIGNATURE || kind == FORGE_BLOCK_DOUBLE_SPEND) {
        if (ctx->coin_key == NULL)
            return 1;
        const keys_pair *signer = kind == FORGE_BLOCK_BAD_SIGNATURE ? ctx->key : ctx->coin_key;
        if (spend(&txs[n++], ctx, 0, some_amount(ctx), signer, 0) != 0)
            goto nomem;
        if (kind == FORGE_BLOCK_DOUBLE_SPEND &&
            spend(&txs[n++], ctx, 0, some_amount(ctx) + 1, ctx->coin_key, 0) != 0)
            goto nomem;
    } else if (kind == FORGE_BLOCK_MISSING_INPUT) {
        if (spend(&txs[n++], ctx, 1, 1000, ctx->key, 0) != 0)
            goto nomem;
    }
    /* the coinbase */
    tx_out cb;
    cb.amount = params->block_reward + (kind == FORGE_BLOCK_EXCESS_COINBASE ? 1 : 0);
    memcpy(cb.owner, keys_pair_public(ctx->key), KEYS_PUB_BYTES);
    uint64_t cb_height = kind == FORGE_BLOCK_BAD_COINBASE_HEIGHT ? height + 1 : height;
    if (tx_new_coinbase(&txs[0], cb_height, ctx->serial, &cb, 1) != 0 ||
        block_merkle_root(&h.merkle_root, txs, n) != 0)
        goto nomem;
    if (kind == FORGE_BLOCK_BAD_MERKLE)
        h.merkle_root.b[0] ^= 1;
    for (;;) {
        hash256 id;
        header_id(&id, &h);
        if (header_check_pow(&h, &id) == (kind != FORGE_BLOCK_BAD_POW))
            break;
        h.nonce++;
    }
    if (block_new(blk, &h, NULL, txs, n) != 0)
        goto nomem;
    goto done;
nomem:
    rc = -1;
done:
    for (size_t i = 0; i < n; i++)
        tx_unref(txs[i]);
    return rc;
}

/* A proof-of-stake block beside the tip T (on T's parent P, for T's slot,
 * so that its slot and time are right and only the kind's flaw is left):
 * FORGE_POS_NOT_LEADER proposed and signed by the forger, which does not
 * lead that slot; FORGE_POS_BAD_SIGNATURE in the name of T's proposer (who
 * leads it), signed by the forger; FORGE_POS_EQUIVOCATION, when T is the
 * forger's own block, a second valid block of the forger for T's slot. */
static int forge_pos_block(block **blk, const forge_ctx *ctx, forge_kind kind)
{
    const chain_params *params = chain_params_of(ctx->chain);
    const consensus_ctx *cons = consensus_of(params);
    const chain_entry *tip = ctx->parent, *parent = chain_entry_parent(tip);
    const block_pos *tpos = block_pos_of(chain_entry_block(tip));
    const uint8_t *me = keys_pair_public(ctx->key);
    if (cons == NULL || parent == NULL || tpos == NULL)
        return 1;
    int mine = memcmp(tpos->proposer, me, KEYS_PUB_BYTES) == 0;
    block_pos pos;
    memset(&pos, 0, sizeof pos);
    pos.slot = tpos->slot;
    switch (kind) {
    case FORGE_POS_NOT_LEADER: {
        hash256 lottery;
        if (consensus_pos_leader(cons, &lottery, parent, pos.slot, me))
            return 1; /* it does lead the slot: not this kind now */
        memcpy(pos.proposer, me, KEYS_PUB_BYTES);
        memcpy(pos.proof, lottery.b, 32);
        break;
    }
    case FORGE_POS_BAD_SIGNATURE:
        memcpy(pos.proposer, tpos->proposer, KEYS_PUB_BYTES);
        memcpy(pos.proof, tpos->proof, sizeof pos.proof);
        break;
    case FORGE_POS_EQUIVOCATION:
        if (!mine)
            return 1;
        memcpy(pos.proposer, me, KEYS_PUB_BYTES);
        memcpy(pos.proof, tpos->proof, sizeof pos.proof);
        break;
    default:
        return 1;
    }
    block_header h;
    memset(&h, 0, sizeof h);
    h.version = (int32_t)(BLOCK_VERSION_POS | 1);
    h.prev_id = *chain_entry_id(parent);
    h.bits = chain_expected_bits(ctx->chain, parent);
    h.time = (uint32_t)consensus_slot_time(cons, pos.slot);
    tx *cb = NULL;
    tx_out out;
    out.amount = params->block_reward;
    memcpy(out.owner, me, KEYS_PUB_BYTES);
    /* the serial in the coinbase: a block of its own, never the tip's */
    if (tx_new_coinbase(&cb, chain_entry_height(parent) + 1, ctx->serial | UINT64_C(1) << 63, &out,
                        1) != 0 ||
        block_merkle_root(&h.merkle_root, &cb, 1) != 0) {
        tx_unref(cb);
        return -1;
    }
    hash256 signing;
    block_pos_signing_hash(&signing, &h, &pos);
    if (keys_sign(ctx->key, pos.sig, signing.b, 32) != 0) {
        tx_unref(cb);
        return -1;
    }
    if (kind == FORGE_POS_BAD_SIGNATURE && mine)
        pos.sig[0] ^= 1; /* its own key would verify: spoil the signature */
    int rc = block_new(blk, &h, &pos, &cb, 1) != 0 ? -1 : 0;
    tx_unref(cb);
    return rc;
}

int forge_item(block **blk, tx **t, const forge_ctx *ctx, forge_kind kind)
{
    *blk = NULL;
    *t = NULL;
    if ((unsigned)kind >= FORGE_COUNT)
        return 1;
    if (ctx->coin_key != NULL && ctx->coin_amount <= 2)
        return 1;
    int pos_chain = chain_params_of(ctx->chain)->consensus == CHAIN_POS;
    if (forge_is_pos(kind))
        return pos_chain ? forge_pos_block(blk, ctx, kind) : 1;
    if (forge_is_block(kind) && pos_chain)
        return 1;
    return forge_is_block(kind) ? forge_block(blk, ctx, kind) : forge_tx(t, ctx, kind);
}
