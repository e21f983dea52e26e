/* The consensus hooks: PoS proof checks (every rejection of check_proof
 * seen by a node with its reason: REASON_BLOCK_BAD_PROOF, REASON_POS_NOT_LEADER
 * or REASON_POS_BAD_SIGNATURE, not relayed), slot leadership,
 * the epoch seed derivation, slot times, and what consensus_install plugs
 * into the chain parameters. */
#include "node_fixture.h"

#include <string.h>

enum {
    FLAW_SIG,
    FLAW_TIME,
    FLAW_PROOF,
    FLAW_NOT_LEADER,
    FLAW_SAME_SLOT,
    FLAW_EARLIER_SLOT,
    FLAW_SLOT_ZERO,
    FLAW_POW_KIND,
    FLAW_FUTURE_SLOT,  /* a slot that has not started yet */
    FLAW_WRAPPED_SLOT, /* slot 4 + 2^32: its time would wrap onto slot 4's in 32 bits */
    N_FLAWS
};

START_TEST(pos_forged_blocks_are_rejected_as_bad_proof)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 3, .pos = 1});
    const chain *c1 = node_chain(t.nodes[1]);
    /* A valid block in slot 3 from the leader: accepted and relayed. */
    block *good = nf_pos_block(&t, chain_genesis(c1), 3, t.key[0], NF_POS_OK);
    nf_give_block(&t, 1, 3 * NF_SEC, 0, good);
    ck_assert(hash_eq(nf_tip(&t, 1), block_id(good)));
    ck_assert_uint_eq(nf_count(&t, MSG_INV, 1, 2), 1);
    nf_forget(&t);
    const chain_entry *parent = chain_tip(c1);
    block *bad = NULL;
    reason want = REASON_BLOCK_BAD_PROOF;
    switch (_i) {
    case FLAW_SIG:
        bad = nf_pos_block(&t, parent, 4, t.key[0], NF_POS_BAD_SIG);
        want = REASON_POS_BAD_SIGNATURE;
        break;
    case FLAW_TIME:
        bad = nf_pos_block(&t, parent, 4, t.key[0], NF_POS_BAD_TIME);
        break;
    case FLAW_PROOF:
        bad = nf_pos_block(&t, parent, 4, t.key[0], NF_POS_BAD_PROOF);
        break;
    case FLAW_NOT_LEADER: /* node 1 holds no stake: it never leads */
        bad = nf_pos_block(&t, parent, 4, t.key[1], NF_POS_OK);
        want = REASON_POS_NOT_LEADER;
        break;
    case FLAW_SAME_SLOT:
        bad = nf_pos_block(&t, parent, 3, t.key[0], NF_POS_OK);
        break;
    case FLAW_EARLIER_SLOT:
        bad = nf_pos_block(&t, parent, 2, t.key[0], NF_POS_OK);
        break;
    case FLAW_SLOT_ZERO:
        bad = nf_pos_block(&t, chain_genesis(c1), 0, t.key[0], NF_POS_OK);
        break;
    case FLAW_POW_KIND:
        bad = nf_block(&t, chain_entry_block(parent), 2, NULL, 0, 1);
        want = REASON_BLOCK_BAD_KIND;
        break;
    case FLAW_FUTURE_SLOT: /* offered at 5 s, for the slot at 7000 s */
        bad = nf_pos_block(&t, parent, 7000, t.key[0], NF_POS_OK);
        want = REASON_BLOCK_TIME_TOO_NEW;
        break;
    case FLAW_WRAPPED_SLOT:
        bad = nf_pos_block(&t, parent, 4 + (UINT64_C(1) << 32), t.key[0], NF_POS_OK);
        break;
    }
    nf_give_block(&t, 1, 5 * NF_SEC, 0, bad);
    ck_assert_uint_eq(t.q_len, 0);
    ck_assert_uint_eq(nf_notes(&t, 1, NODE_NOTE_INVALID), 1);
    const nf_note *n = nf_last_note(&t, 1, NODE_NOTE_INVALID);
    ck_assert_msg(n->code == want, "flaw %d: expected %s, got %s", _i, reason_name(want),
                  reason_name(n->code));
    ck_assert_uint_eq(n->peer, 0);
    ck_assert(hash_eq(&n->blk, block_id(bad)));
    ck_assert(hash_eq(nf_tip(&t, 1), block_id(good)));
    nf_forget(&t);
    /* The control: the same slot-4 block done right is accepted. */
    block *next = nf_pos_block(&t, parent, 4, t.key[0], NF_POS_OK);
    nf_give_block(&t, 1, 5 * NF_SEC, 0, next);
    ck_assert(hash_eq(nf_tip(&t, 1), block_id(next)));
    ck_assert_uint_eq(nf_notes(&t, 1, NODE_NOTE_INVALID), 0);
    block_unref(good);
    block_unref(bad);
    block_unref(next);
    nf_free(&t);
}
END_TEST

START_TEST(pos_leader_is_who_wins_the_lottery)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 2, .pos = 1});
    const chain_entry *g = chain_genesis(node_chain(t.nodes[0]));
    for (uint64_t slot = 1; slot < 30; slot++) {
        hash256 lottery, want, seed;
        ck_assert_int_eq(
            consensus_pos_leader(&t.cons, &lottery, g, slot, keys_pair_public(t.key[0])), 1);
        consensus_epoch_seed(&seed, &t.cons, g, slot);
        pos_lottery_hash(&want, &seed, slot, keys_pair_public(t.key[0]));
        ck_assert(hash_eq(&lottery, &want));
        ck_assert_int_eq(consensus_pos_leader(&t.cons, NULL, g, slot, keys_pair_public(t.key[1])),
                         0);
    }
    /* f = 1/2 with all the stake: phi = 1/2, so some slots are lost. */
    t.cons.f = 0.5;
    int won = 0;
    for (uint64_t slot = 1; slot <= 64; slot++)
        won += consensus_pos_leader(&t.cons, NULL, g, slot, keys_pair_public(t.key[0]));
    ck_assert_int_gt(won, 10);
    ck_assert_int_lt(won, 54);
    nf_free(&t);
}
END_TEST

/* SHA-256(genesis_seed || epoch as 8 little-endian bytes). */
static void seed0(hash256 *out, const hash256 *genesis_seed, uint64_t epoch)
{
    uint8_t buf[40];
    memcpy(buf, genesis_seed->b, 32);
    for (int i = 0; i < 8; i++)
        buf[32 + i] = (uint8_t)(epoch >> (8 * i));
    hash_sha256(out->b, buf, sizeof buf);
}

/* Extends c by blocks of node 0 in slots first..last; returns the tip. */
static const chain_entry *extend(nf *t, chain *c, uint64_t first, uint64_t last)
{
    for (uint64_t slot = first; slot <= last; slot++) {
        block *b = nf_pos_block(t, chain_tip(c), slot, t->key[0], NF_POS_OK);
        chain_result res;
        memset(&res, 0, sizeof res);
        ck_assert_int_eq(chain_add_block(c, &res, b, (int64_t)t->params.genesis_time + 100),
                         REASON_OK);
        ck_assert_int_eq(res.outcome, CHAIN_OUTCOME_TIP);
        chain_result_clear(&res);
        block_unref(b);
    }
    return chain_tip(c);
}

START_TEST(epoch_seed_is_stable_and_differs_between_epochs)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 2, .pos = 1});
    chain *c, *other;
    ck_assert_int_eq(chain_new(&c, &t.params, t.genesis, t.cache), 0);
    ck_assert_int_eq(chain_new(&other, &t.params, t.genesis, t.cache), 0);
    const chain_entry *tip = extend(&t, c, 1, 35);
    ck_assert_uint_eq(chain_entry_height(tip), 35);
    hash256 s0, s1, s1b, s2, s2b, s3, want, h;
    /* Epoch 0: the genesis seed. */
    consensus_epoch_seed(&s0, &t.cons, chain_at_height(c, 5), 6);
    ck_assert(hash_eq(&s0, &t.cons.genesis_seed));
    /* Epoch 1 (slots 10..19): from genesis, whatever the parent. */
    consensus_epoch_seed(&s1, &t.cons, chain_at_height(c, 9), 10);
    consensus_epoch_seed(&s1b, &t.cons, chain_at_height(c, 18), 19);
    ck_assert(hash_eq(&s1, &s1b));
    seed0(&h, &t.cons.genesis_seed, 1);
    pos_next_epoch_seed(&want, &h, chain_entry_id(chain_genesis(c)));
    ck_assert(hash_eq(&s1, &want));
    /* Epoch 2: from the last block before epoch 1 starts (slot 9). */
    consensus_epoch_seed(&s2, &t.cons, chain_at_height(c, 19), 20);
    consensus_epoch_seed(&s2b, &t.cons, tip, 29);
    ck_assert(hash_eq(&s2, &s2b));
    seed0(&h, &t.cons.genesis_seed, 2);
    pos_next_epoch_seed(&want, &h, chain_entry_id(chain_at_height(c, 9)));
    ck_assert(hash_eq(&s2, &want));
    /* Epoch 3: from the block of slot 19. */
    consensus_epoch_seed(&s3, &t.cons, tip, 30);
    seed0(&h, &t.cons.genesis_seed, 3);
    pos_next_epoch_seed(&want, &h, chain_entry_id(chain_at_height(c, 19)));
    ck_assert(hash_eq(&s3, &want));
    /* Stable: the same question gets the same answer. */
    consensus_epoch_seed(&h, &t.cons, tip, 30);
    ck_assert(hash_eq(&h, &s3));
    /* Distinct between epochs. */
    ck_assert(!hash_eq(&s0, &s1) && !hash_eq(&s1, &s2) && !hash_eq(&s2, &s3) &&
              !hash_eq(&s0, &s2) && !hash_eq(&s1, &s3));
    /* A branch whose last block before epoch 1 differs (slot 8, not 9) gets
     * another epoch-2 seed; one that shares it gets the same. */
    const chain_entry *o = extend(&t, other, 1, 8);
    o = extend(&t, other, 11, 19);
    consensus_epoch_seed(&h, &t.cons, o, 20);
    ck_assert(!hash_eq(&h, &s2));
    consensus_epoch_seed(&h, &t.cons, o, 15);
    ck_assert(hash_eq(&h, &s1));
    chain_free(c);
    chain_free(other);
    nf_free(&t);
}
END_TEST

START_TEST(slot_time_block_slot_and_install)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 2, .pos = 1});
    ck_assert_uint_eq(consensus_slot_time(&t.cons, 0), t.params.genesis_time);
    ck_assert_uint_eq(consensus_slot_time(&t.cons, 7), t.params.genesis_time + 7);
    t.cons.slot_ns = 20 * NF_SEC;
    ck_assert_uint_eq(consensus_slot_time(&t.cons, 7), t.params.genesis_time + 140);
    /* 500 ms slots: genesis + floor(slot * 500 / 1000) */
    t.cons.slot_ns = NF_SEC / 2;
    static const uint64_t half[][2] = {{1, 0}, {2, 1}, {3, 1}, {4, 2}, {7, 3}, {1001, 500}};
    for (size_t i = 0; i < sizeof half / sizeof half[0]; i++)
        ck_assert_uint_eq(consensus_slot_time(&t.cons, half[i][0]),
                          t.params.genesis_time + half[i][1]);
    t.cons.slot_ns = 1500 * (NF_SEC / 1000); /* 1500 ms */
    ck_assert_uint_eq(consensus_slot_time(&t.cons, 3), t.params.genesis_time + 4);
    ck_assert_uint_eq(consensus_slot_time(&t.cons, UINT64_MAX), UINT64_MAX);
    t.cons.slot_ns = NF_SEC;
    ck_assert_uint_eq(consensus_block_slot(t.genesis), 0);
    block *b = nf_pos_block(&t, chain_genesis(node_chain(t.nodes[0])), 12, t.key[0], NF_POS_OK);
    ck_assert_uint_eq(consensus_block_slot(b), 12);
    block_unref(b);
    ck_assert_int_eq(t.params.consensus, CHAIN_POS);
    ck_assert_ptr_nonnull(t.params.check_proof);
    ck_assert_ptr_eq(t.params.hook_ctx, &t.cons);
    /* PoW: no hooks, the chain's own retarget with the run's parameters. */
    consensus_ctx pow;
    memset(&pow, 0, sizeof pow);
    pow.type = CHAIN_POW;
    pow.retarget_blocks = 2016;
    pow.spacing_ms = 600000;
    u256_set_compact(&pow.pow_limit, 0x1d00ffff, NULL, NULL);
    chain_params p;
    chain_params_default(&p);
    p.check_proof = t.params.check_proof;
    consensus_install(&p, &pow);
    ck_assert_int_eq(p.consensus, CHAIN_POW);
    ck_assert_ptr_null(p.check_proof);
    ck_assert_ptr_null(p.expected_bits);
    ck_assert_uint_eq(p.retarget_blocks, 2016);
    ck_assert_uint_eq(p.target_spacing_s, 600);
    ck_assert_uint_eq(p.target_spacing_ms, 0);
    ck_assert_uint_eq(p.pow_limit_bits, 0x1d00ffff);
    /* a spacing that is not whole seconds is kept in milliseconds */
    pow.spacing_ms = 1500;
    consensus_install(&p, &pow);
    ck_assert_uint_eq(p.target_spacing_s, 0);
    ck_assert_uint_eq(p.target_spacing_ms, 1500);
    nf_free(&t);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("consensus");
    TCase *tc = tcase_create("pos");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, pos_forged_blocks_are_rejected_as_bad_proof, 0, N_FLAWS);
    tcase_add_test(tc, pos_leader_is_who_wins_the_lottery);
    tcase_add_test(tc, epoch_seed_is_stable_and_differs_between_epochs);
    tcase_add_test(tc, slot_time_block_slot_and_install);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
