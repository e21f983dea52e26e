/* Hostile data, one rule at a time: every kind of core/forge.h, handed to
 * an honest node by a peer, is rejected with the kind's reason and never
 * relayed; the misbehaviour scores follow core/misbehave.h's table, and a
 * peer whose score reaches the ban score is banned: noted once, its
 * messages ignored from then on, nothing announced to it. */
#include "forge.h"
#include "misbehave.h"
#include "node_fixture.h"

#include <check.h>

/* A forging context on node 0's tip (two blocks on genesis), spending
 * wallet 0's genesis coin. */
static void ctx_on_tip(nf *t, forge_ctx *ctx, uint64_t serial, const hash256 *invalid)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->chain = node_chain(t->nodes[0]);
    ctx->parent = chain_tip(ctx->chain);
    ctx->key = t->key[0];
    ctx->coin_key = t->wallet[0];
    ctx->coin = (tx_outpoint){*tx_id(block_tx(t->genesis, 0)), 0};
    ctx->coin_amount = NF_FUNDS;
    ctx->time_s = block_header_of(chain_entry_block(ctx->parent))->time + 1;
    ctx->serial = serial;
    ctx->invalid_block = invalid;
}

START_TEST(every_kind_is_rejected_with_its_reason)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 2});
    block *blocks[2];
    nf_chain_blocks(&t, blocks, 2, 1);
    nf_load(&t, 0, blocks, 2);
    nf_load(&t, 1, blocks, 2);
    hash256 bad_bits;
    int have_bad_bits = 0;
    for (int k = 0; k < FORGE_COUNT; k++) {
        forge_kind kind = (forge_kind)k;
        forge_ctx ctx;
        ctx_on_tip(&t, &ctx, 100 + (uint64_t)k, have_bad_bits ? &bad_bits : NULL);
        block *b;
        tx *x;
        if (forge_is_pos(kind)) { /* a proof-of-stake kind in a PoW chain: skipped */
            ck_assert_int_eq(forge_item(&b, &x, &ctx, kind), 1);
            ck_assert_ptr_null(b);
            continue;
        }
        ck_assert_int_eq(forge_item(&b, &x, &ctx, kind), 0);
        ck_assert_int_eq(forge_is_block(kind), b != NULL);
        size_t before = t.n_notes;
        if (b != NULL) {
            nf_give_block(&t, 1, NF_SEC, 0, b);
            const nf_note *n = nf_last_note(&t, 1, NODE_NOTE_INVALID);
            ck_assert_msg(t.n_notes > before && n->code == forge_reason(kind),
                          "%s: rejected for %s, want %s", forge_name(kind), reason_name(n->code),
                          reason_name(forge_reason(kind)));
            ck_assert(hash_eq(&n->blk, block_id(b)));
            ck_assert_uint_eq(n->peer, 0);
            ck_assert_uint_eq(n->score, 100);
            if (kind == FORGE_BLOCK_BAD_BITS) {
                bad_bits = *block_id(b);
                have_bad_bits = 1;
            }
            block_unref(b);
        } else {
            nf_give_tx(&t, 1, NF_SEC, 0, x);
            const nf_note *n = nf_last_note(&t, 1, NODE_NOTE_TX_REJECTED);
            ck_assert_msg(t.n_notes > before && n->code == forge_reason(kind),
                          "%s: rejected for %s, want %s", forge_name(kind), reason_name(n->code),
                          reason_name(forge_reason(kind)));
            ck_assert_uint_eq(n->score, misbehave_score(forge_reason(kind), 0));
            tx_unref(x);
        }
        ck_assert_uint_eq(t.q_len, 0); /* nothing relayed */
        ck_assert(hash_eq(nf_tip(&t, 1), block_id(blocks[1])));
    }
    ck_assert_uint_eq(nf_notes(&t, 1, NODE_NOTE_PEER_BANNED), 0); /* ban score 0: never */
    nf_unref_blocks(blocks, 2);
    nf_free(&t);
}
END_TEST

/* Proof of stake (node 0's key leads every slot, node 1's none): on a tip
 * of node 0 at slot 3, a block by node 1's key for that slot is rejected
 * as POS_NOT_LEADER, one in node 0's name signed by node 1's key as
 * POS_BAD_SIGNATURE, each scored 100 and not relayed; node 0's key makes a
 * twin of its own block, valid and taken as a side branch, and the node
 * records the equivocation with both blocks. Node 1's key cannot make one
 * (the tip is not its block), and the proof-of-work block kinds are skipped. */
START_TEST(pos_kinds_are_rejected_or_caught)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 2, .pos = 1});
    block *tip = nf_pos_block(&t, chain_genesis(node_chain(t.nodes[1])), 3, t.key[0], NF_POS_OK);
    nf_give_block(&t, 0, 3 * NF_SEC, 1, tip);
    nf_give_block(&t, 1, 3 * NF_SEC, 0, tip);
    ck_assert(hash_eq(nf_tip(&t, 0), block_id(tip)));
    ck_assert(hash_eq(nf_tip(&t, 1), block_id(tip)));
    nf_forget(&t);
    static const struct {
        forge_kind kind;
        int by;
    } cases[] = {{FORGE_POS_NOT_LEADER, 1}, {FORGE_POS_BAD_SIGNATURE, 1}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        forge_ctx ctx;
        memset(&ctx, 0, sizeof ctx);
        ctx.chain = node_chain(t.nodes[0]);
        ctx.parent = chain_tip(ctx.chain);
        ctx.key = t.key[cases[i].by];
        ctx.serial = 7 + i;
        block *b;
        tx *x;
        ck_assert_int_eq(forge_item(&b, &x, &ctx, cases[i].kind), 0);
        ck_assert_ptr_nonnull(b);
        ck_assert_uint_eq(block_pos_of(b)->slot, 3);
        nf_give_block(&t, 1, 5 * NF_SEC, 0, b);
        const nf_note *n = nf_last_note(&t, 1, NODE_NOTE_INVALID);
        ck_assert_ptr_nonnull(n);
        ck_assert_msg(n->code == forge_reason(cases[i].kind), "%s: rejected for %s",
                      forge_name(cases[i].kind), reason_name(n->code));
        ck_assert(hash_eq(&n->blk, block_id(b)));
        ck_assert_uint_eq(n->score, 100);
        ck_assert_uint_eq(t.q_len, 0);
        block_unref(b);
        nf_forget(&t);
    }
    forge_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.chain = node_chain(t.nodes[0]);
    ctx.parent = chain_tip(ctx.chain);
    ctx.key = t.key[1];
    block *b;
    tx *x;
    ck_assert_int_eq(forge_item(&b, &x, &ctx, FORGE_POS_EQUIVOCATION), 1);
    ck_assert_int_eq(forge_item(&b, &x, &ctx, FORGE_BLOCK_BAD_MERKLE), 1);
    ctx.key = t.key[0];
    ck_assert_int_eq(forge_item(&b, &x, &ctx, FORGE_POS_EQUIVOCATION), 0);
    ck_assert(!hash_eq(block_id(b), block_id(tip)));
    ck_assert_uint_eq(block_pos_of(b)->slot, 3);
    nf_give_block(&t, 1, 5 * NF_SEC, 0, b);
    ck_assert_uint_eq(nf_notes(&t, 1, NODE_NOTE_INVALID), 0);
    ck_assert_uint_eq(nf_notes(&t, 1, NODE_NOTE_BLOCK_SEEN), 1);
    const nf_note *ev = nf_last_note(&t, 1, NODE_NOTE_EQUIVOCATION);
    ck_assert_ptr_nonnull(ev);
    ck_assert(hash_eq(&ev->blk, block_id(b)));
    ck_assert(hash_eq(&ev->old_tip, block_id(tip)));
    ck_assert_uint_eq(ev->peer, 0);
    ck_assert(hash_eq(nf_tip(&t, 1), block_id(tip))); /* the first stays the tip */
    /* the same block again is no new evidence */
    nf_forget(&t);
    nf_give_block(&t, 1, 6 * NF_SEC, 0, b);
    ck_assert_uint_eq(nf_notes(&t, 1, NODE_NOTE_EQUIVOCATION), 0);
    block_unref(b);
    block_unref(tip);
    nf_free(&t);
}
END_TEST

/* What a kind needs and does not get: no coin, no invalid block. */
START_TEST(kinds_without_what_they_need_are_skipped)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 2});
    forge_ctx ctx;
    ctx_on_tip(&t, &ctx, 1, NULL);
    block *b;
    tx *x;
    ck_assert_int_eq(forge_item(&b, &x, &ctx, FORGE_BLOCK_INVALID_PARENT), 1);
    ck_assert_ptr_null(b);
    ctx.coin_key = NULL;
    ck_assert_int_eq(forge_item(&b, &x, &ctx, FORGE_TX_BAD_SIGNATURE), 1);
    ck_assert_int_eq(forge_item(&b, &x, &ctx, FORGE_BLOCK_DOUBLE_SPEND), 1);
    ck_assert_int_eq(forge_item(&b, &x, &ctx, FORGE_COUNT), 1);
    ck_assert_int_eq(forge_item(&b, &x, &ctx, FORGE_BLOCK_BAD_POW), 0);
    block_unref(b);
    ck_assert_str_eq(forge_name(FORGE_TX_DUPLICATE_INPUT), "tx_duplicate_input");
    ck_assert_str_eq(forge_name(FORGE_COUNT), "?");
    nf_free(&t);
}
END_TEST

/* The table of core/misbehave.h. */
START_TEST(scores_follow_the_table)
{
    ck_assert_uint_eq(misbehave_score(REASON_BLOCK_BAD_POW, 1), 100);
    ck_assert_uint_eq(misbehave_score(REASON_TX_BAD_SIGNATURE, 1), 100); /* in a block */
    ck_assert_uint_eq(misbehave_score(REASON_TX_MISSING_INPUT, 1), 100);
    ck_assert_uint_eq(misbehave_score(REASON_BLOCK_TIME_TOO_NEW, 1), 0);
    ck_assert_uint_eq(misbehave_score(REASON_TX_BAD_SIGNATURE, 0), 10);
    ck_assert_uint_eq(misbehave_score(REASON_TX_OUTPUTS_EXCEED_INPUTS, 0), 10);
    ck_assert_uint_eq(misbehave_score(REASON_TX_MISSING_INPUT, 0), 0);
    ck_assert_uint_eq(misbehave_score(REASON_TX_ALREADY_SPENT, 0), 0);
    ck_assert_uint_eq(misbehave_score(REASON_TX_MEMPOOL_CONFLICT, 0), 0);
    ck_assert_uint_eq(misbehave_score(REASON_TX_MEMPOOL_FULL, 0), 0);
    ck_assert_uint_eq(misbehave_score(REASON_OK, 1), 0);
}
END_TEST

/* Ban score 25: two invalid transactions (10 each) are tolerated, the
 * third bans the peer; its next messages are ignored and new blocks are
 * not announced to it, while the other peer still gets them. */
START_TEST(peer_is_banned_at_the_ban_score)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 3, .ban_score = 25});
    forge_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    for (int i = 0; i < 3; i++) {
        ctx_on_tip(&t, &ctx, 10 + (uint64_t)i, NULL);
        block *b;
        tx *x;
        ck_assert_int_eq(forge_item(&b, &x, &ctx, FORGE_TX_BAD_SIGNATURE), 0);
        nf_give_tx(&t, 1, NF_SEC, 0, x);
        tx_unref(x);
        ck_assert_uint_eq(nf_notes(&t, 1, NODE_NOTE_PEER_BANNED), i == 2 ? 1 : 0);
    }
    const nf_note *ban = nf_last_note(&t, 1, NODE_NOTE_PEER_BANNED);
    ck_assert_uint_eq(ban->peer, 0);
    ck_assert_uint_eq(ban->score, 30);
    ck_assert_int_eq(ban->code, REASON_TX_BAD_SIGNATURE);
    /* ignored: a valid block from the banned peer is not even looked at */
    block *b1 = nf_block(&t, t.genesis, 1, NULL, 0, 1);
    size_t notes = t.n_notes;
    nf_give_block(&t, 1, 2 * NF_SEC, 0, b1);
    ck_assert_uint_eq(t.n_notes, notes);
    ck_assert_uint_eq(chain_height(node_chain(t.nodes[1])), 0);
    /* the same block from the other peer is taken and announced to it only */
    nf_give_block(&t, 1, 2 * NF_SEC, 2, b1);
    ck_assert_uint_eq(chain_height(node_chain(t.nodes[1])), 1);
    ck_assert_uint_eq(nf_count(&t, MSG_INV, 1, 0), 0);
    ck_assert_uint_eq(nf_count(&t, MSG_INV, 1, 2), 0); /* not back to its sender */
    block *b2 = nf_block(&t, b1, 2, NULL, 0, 1);
    nf_forget(&t);
    nf_give_block(&t, 1, 3 * NF_SEC, 2, b2);
    ck_assert_uint_eq(nf_count(&t, MSG_INV, 1, 0), 0);
    block_unref(b1);
    block_unref(b2);
    nf_free(&t);
}
END_TEST

static Suite *forge_suite(void)
{
    Suite *s = suite_create("forge");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, every_kind_is_rejected_with_its_reason);
    tcase_add_test(tc, kinds_without_what_they_need_are_skipped);
    tcase_add_test(tc, pos_kinds_are_rejected_or_caught);
    tcase_add_test(tc, scores_follow_the_table);
    tcase_add_test(tc, peer_is_banned_at_the_ban_score);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(forge_suite());
}
