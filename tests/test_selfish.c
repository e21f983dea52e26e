/* Selfish mining: the state machine of Eyal and Sirer's Algorithm 1 case by
 * case (core/selfish.c), its closed form at known points, and the node's
 * withholding that carries it out (core/node.c): a withheld block is not
 * announced, served or counted in the status until it is published. */
#include "node_fixture.h"
#include "selfish.h"

#include <check.h>
#include <math.h>

/* State 0 (no private branch): the others' block is adopted. */
START_TEST(others_block_in_state_0_is_adopted)
{
    selfish_state s;
    selfish_init(&s, 10);
    ck_assert_uint_eq(selfish_on_other_block(&s, 10, 11), 0);
    ck_assert_uint_eq(s.public_height, 11);
    ck_assert_uint_eq(s.branch_len, 0);
    ck_assert_uint_eq(s.races, 0);
}
END_TEST

/* Own blocks are kept private while the lead grows. */
START_TEST(own_blocks_are_withheld)
{
    selfish_state s;
    selfish_init(&s, 10);
    ck_assert_uint_eq(selfish_on_own_block(&s, 11), 0);
    ck_assert_uint_eq(s.branch_len, 1);
    ck_assert_uint_eq(selfish_on_own_block(&s, 12), 0);
    ck_assert_uint_eq(s.branch_len, 2);
    ck_assert_uint_eq(selfish_on_own_block(&s, 13), 0);
    ck_assert_uint_eq(s.branch_len, 3);
    ck_assert_uint_eq(s.public_height, 10);
}
END_TEST

/* Lead 1 and the others catch up: publish the one block, a race (0'). The
 * attacker's next block wins it: publish all. */
START_TEST(lead_1_caught_up_races_and_own_block_wins)
{
    selfish_state s;
    selfish_init(&s, 10);
    ck_assert_uint_eq(selfish_on_own_block(&s, 11), 0);
    ck_assert_uint_eq(selfish_on_other_block(&s, 11, 11), 11);
    ck_assert_uint_eq(s.races, 1);
    ck_assert_uint_eq(s.public_height, 11);
    ck_assert_uint_eq(s.branch_len, 1);
    /* delta_prev == 0 and branch 2: publish all */
    ck_assert_uint_eq(selfish_on_own_block(&s, 12), 12);
    ck_assert_uint_eq(s.branch_len, 0);
    ck_assert_uint_eq(s.public_height, 12);
}
END_TEST

/* A race the others resolve (on either branch): the attacker adopts. */
START_TEST(race_resolved_by_others_is_adopted)
{
    selfish_state s;
    selfish_init(&s, 10);
    ck_assert_uint_eq(selfish_on_own_block(&s, 11), 0);
    ck_assert_uint_eq(selfish_on_other_block(&s, 11, 11), 11);
    ck_assert_uint_eq(selfish_on_other_block(&s, 11, 12), 0);
    ck_assert_uint_eq(s.branch_len, 0);
    ck_assert_uint_eq(s.public_height, 12);
    /* back in state 0: the next own block starts a new branch */
    ck_assert_uint_eq(selfish_on_own_block(&s, 13), 0);
    ck_assert_uint_eq(s.branch_len, 1);
}
END_TEST

/* Lead 2 and the others find one: publish all, win by one. */
START_TEST(lead_2_publishes_all)
{
    selfish_state s;
    selfish_init(&s, 10);
    (void)selfish_on_own_block(&s, 11);
    (void)selfish_on_own_block(&s, 12);
    ck_assert_uint_eq(selfish_on_other_block(&s, 12, 11), 12);
    ck_assert_uint_eq(s.branch_len, 0);
    ck_assert_uint_eq(s.public_height, 12);
    ck_assert_uint_eq(s.races, 0);
}
END_TEST

/* Lead above 2: each block of the others is matched by the first
 * unpublished one, until the lead is 2 before it (then all). */
START_TEST(longer_lead_publishes_one_by_one)
{
    selfish_state s;
    selfish_init(&s, 10);
    for (uint32_t h = 11; h <= 14; h++)
        ck_assert_uint_eq(selfish_on_own_block(&s, h), 0);
    ck_assert_uint_eq(selfish_on_other_block(&s, 14, 11), 11);
    ck_assert_uint_eq(s.branch_len, 4);
    ck_assert_uint_eq(selfish_on_other_block(&s, 14, 12), 12);
    ck_assert_uint_eq(selfish_on_other_block(&s, 14, 13), 14); /* lead 2 before it */
    ck_assert_uint_eq(s.branch_len, 0);
    ck_assert_uint_eq(s.public_height, 14);
}
END_TEST

/* A block of the others that does not raise the public height is no event. */
START_TEST(stale_block_of_others_is_ignored)
{
    selfish_state s;
    selfish_init(&s, 10);
    (void)selfish_on_own_block(&s, 11);
    (void)selfish_on_own_block(&s, 12);
    ck_assert_uint_eq(selfish_on_other_block(&s, 12, 10), 0);
    ck_assert_uint_eq(selfish_on_other_block(&s, 12, 9), 0);
    ck_assert_uint_eq(s.public_height, 10);
    ck_assert_uint_eq(s.branch_len, 2);
}
END_TEST

/* The closed form: at the threshold the revenue equals the hash share; the
 * threshold is 1/3 at gamma 0, 1/4 at gamma 1/2 and 0 at gamma 1 (the
 * paper's figures); an honest-sized share under it earns less. */
START_TEST(closed_form_at_known_points)
{
    ck_assert(fabs(selfish_threshold(0) - 1.0 / 3) < 1e-12);
    ck_assert(fabs(selfish_threshold(0.5) - 0.25) < 1e-12);
    ck_assert(fabs(selfish_threshold(1)) < 1e-12);
    for (double g = 0; g < 0.95; g += 0.1) {
        double a = selfish_threshold(g);
        ck_assert_msg(fabs(selfish_revenue(a, g) - a) < 1e-9, "gamma %g: R(%g) = %g", g, a,
                      selfish_revenue(a, g));
        ck_assert(selfish_revenue(a * 0.9, g) < a * 0.9);
        ck_assert(selfish_revenue(a + (0.5 - a) * 0.1, g) > a + (0.5 - a) * 0.1);
    }
    ck_assert(fabs(selfish_revenue(0, 0.5)) < 1e-12);
}
END_TEST

/* A withheld block is the node's tip but is not announced, served, answered
 * in getblocks or counted in its status; published, it goes whole to the
 * peers, who take it. */
START_TEST(withheld_block_stays_private_until_published)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 2});
    ck_assert_int_eq(node_set_withholding(t.nodes[0]), 0);
    block *b1 = nf_block(&t, t.genesis, 1, NULL, 0, 1);
    node_on_timer(t.nodes[0], &t.fx, NF_SEC, NODE_TIMER_MINED, block_ref(b1), 0);
    nf_absorb(&t, 0);
    ck_assert(hash_eq(nf_tip(&t, 0), block_id(b1)));
    ck_assert_uint_eq(nf_notes(&t, 0, NODE_NOTE_BLOCK_PRODUCED), 1);
    ck_assert_uint_eq(t.q_len, 0); /* no inv */
    ck_assert_int_eq(node_is_withheld(t.nodes[0], block_id(b1)), 1);
    /* getdata: notfound */
    nf_send(&t, 0, NF_SEC, 1, nf_inv1(MSG_ITEM_BLOCK, block_id(b1)));
    ck_assert_uint_eq(t.q_len, 0); /* it has the block: asks nothing */
    msg_item it = {MSG_ITEM_BLOCK, *block_id(b1)};
    nf_send(&t, 0, NF_SEC, 1, msg_new_items(MSG_GETDATA, &it, 1));
    ck_assert_uint_eq(t.q_len, 1);
    ck_assert_int_eq(nf_queued(&t, 0)->m->type, MSG_NOTFOUND);
    nf_forget(&t);
    /* status: the public tip (genesis) */
    uint32_t peer = 1;
    node_on_reconnect(t.nodes[0], &t.fx, NF_SEC, &peer, 1);
    nf_absorb(&t, 0);
    ck_assert_uint_eq(t.q_len, 1);
    ck_assert_int_eq(nf_queued(&t, 0)->m->type, MSG_STATUS);
    ck_assert(hash_eq(&nf_queued(&t, 0)->m->tip, block_id(t.genesis)));
    ck_assert_uint_eq(nf_queued(&t, 0)->m->height, 0);
    nf_forget(&t);
    /* getblocks from genesis: nothing to tell */
    msg_item loc = {MSG_ITEM_BLOCK, *block_id(t.genesis)};
    nf_send(&t, 0, NF_SEC, 1, msg_new_items(MSG_GETBLOCKS, &loc, 1));
    ck_assert_uint_eq(t.q_len, 0);
    /* published: the block goes whole to the peer, which takes it */
    node_publish(t.nodes[0], &t.fx, b1, NULL, 0);
    nf_absorb(&t, 0);
    ck_assert_int_eq(node_is_withheld(t.nodes[0], block_id(b1)), 0);
    ck_assert_uint_eq(nf_count(&t, MSG_BLOCK, 0, 1), 1);
    ck_assert_uint_eq(t.q_len, 1);
    nf_run(&t, 2 * NF_SEC);
    ck_assert(hash_eq(nf_tip(&t, 1), block_id(b1)));
    block_unref(b1);
    nf_free(&t);
}
END_TEST

/* An honest node (no withholding) announces the same block at once. */
START_TEST(honest_node_announces_its_block)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 2});
    block *b1 = nf_block(&t, t.genesis, 1, NULL, 0, 1);
    node_on_timer(t.nodes[0], &t.fx, NF_SEC, NODE_TIMER_MINED, block_ref(b1), 0);
    nf_absorb(&t, 0);
    ck_assert_uint_eq(nf_count(&t, MSG_INV, 0, 1), 1);
    ck_assert_int_eq(node_is_withheld(t.nodes[0], block_id(b1)), 0);
    block_unref(b1);
    nf_free(&t);
}
END_TEST

static Suite *selfish_suite(void)
{
    Suite *s = suite_create("selfish");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, others_block_in_state_0_is_adopted);
    tcase_add_test(tc, own_blocks_are_withheld);
    tcase_add_test(tc, lead_1_caught_up_races_and_own_block_wins);
    tcase_add_test(tc, race_resolved_by_others_is_adopted);
    tcase_add_test(tc, lead_2_publishes_all);
    tcase_add_test(tc, longer_lead_publishes_one_by_one);
    tcase_add_test(tc, stale_block_of_others_is_ignored);
    tcase_add_test(tc, closed_form_at_known_points);
    tcase_add_test(tc, withheld_block_stays_private_until_published);
    tcase_add_test(tc, honest_node_announces_its_block);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(selfish_suite());
}
