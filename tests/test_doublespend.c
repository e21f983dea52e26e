/* The double-spend attack's pieces in core/: the success probabilities
 * (Rosenfeld's closed form at the figures of his paper, and the race with a
 * give-up depth), and the node calls the attacker is made of: mining on a
 * chosen block with chosen transactions (node_mine_on), and handing a
 * payment to one peer (node_send_tx). */
#include "doublespend.h"
#include "node_fixture.h"

#include <check.h>
#include <math.h>

/* Rosenfeld (2014), Table 1 and the text: 10% of the hash power against 6
 * confirmations succeeds with 0.059%, 30% with 15.6%; with one
 * confirmation and q = 0.1 the pre-mined block doubles q. */
START_TEST(rosenfeld_known_values)
{
    ck_assert(fabs(doublespend_rosenfeld(0.1, 6) - 0.00059141216) < 1e-9);
    ck_assert(fabs(doublespend_rosenfeld(0.3, 6) - 0.15644958192) < 1e-9);
    ck_assert(fabs(doublespend_rosenfeld(0.1, 1) - 0.2) < 1e-12);
    ck_assert(fabs(doublespend_rosenfeld(0.25, 2) - 0.3125) < 1e-12);
    ck_assert(doublespend_rosenfeld(0.5, 3) == 1);
    ck_assert(doublespend_rosenfeld(0.6, 3) == 1);
    /* more confirmations, less success */
    for (uint32_t z = 1; z < 10; z++)
        ck_assert(doublespend_rosenfeld(0.2, z + 1) < doublespend_rosenfeld(0.2, z));
}
END_TEST

/* With a give-up depth the chance is lower, grows with the depth and tends
 * to Rosenfeld's. */
START_TEST(give_up_depth)
{
    for (uint32_t z = 1; z <= 4; z++) {
        double r = doublespend_rosenfeld(0.3, z);
        double prev = 0;
        for (uint32_t d = z; d < z + 40; d += 3) {
            double g = doublespend_with_give_up(0.3, z, d);
            ck_assert_msg(g <= r + 1e-12 && g >= prev - 1e-12, "z %u d %u: %g (r %g)", z, d, g, r);
            prev = g;
        }
        ck_assert_msg(fabs(prev - r) < 1e-6, "z %u: %g against %g", z, prev, r);
    }
    /* z = 1, give up 1 behind, by hand: the attacker's next block first
     * (q) is a lead of 1, won; the honest block first (p) leaves a tie,
     * won only when the attacker's block comes before the next honest one
     * (q): P = q + p q. */
    double q = 0.2, p = 0.8;
    ck_assert(fabs(doublespend_with_give_up(q, 1, 1) - (p * q + q)) < 1e-12);
}
END_TEST

/* node_mine_on: the template extends the chosen block (not the tip) with
 * exactly the given transactions, a coinbase of that height claiming the
 * reward only; the block it finds is valid and joins the node's chain on
 * that branch. Back to NULL: the tip and the mempool again. */
START_TEST(mining_on_a_chosen_block)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 2, .bits = 0x207fffff, .hashrate = 1000});
    block *main[3];
    nf_chain_blocks(&t, main, 3, 1);
    nf_load(&t, 0, main, 3); /* node 0's tip: height 3 */
    tx *spend = nf_spend_genesis(&t, 0, 1, 1000, 500);
    ck_assert_int_eq(node_mine_on(t.nodes[0], block_id(main[0]), &spend, 1), 0);
    int64_t next;
    node_mine(t.nodes[0], &t.fx, 0, 10 * NF_SEC, &next);
    nf_absorb(&t, 0);
    ck_assert_uint_eq(t.n_timers, 1);
    block *b = t.timers[0].t.payload;
    ck_assert(hash_eq(&block_header_of(b)->prev_id, block_id(main[0])));
    ck_assert_uint_eq(block_n_tx(b), 2);
    ck_assert(block_tx(b, 1) == spend);
    uint64_t height, extra;
    ck_assert_int_eq(tx_coinbase_fields(block_tx(b, 0), &height, &extra), 0);
    ck_assert_uint_eq(height, 2);
    ck_assert_uint_eq(tx_output(block_tx(b, 0), 0)->amount, t.params.block_reward);
    int64_t at = t.timers[0].t.at_ns;
    t.n_timers = 0;
    node_on_timer(t.nodes[0], &t.fx, at, NODE_TIMER_MINED, b, 0);
    nf_absorb(&t, 0);
    const chain_entry *e = chain_lookup(node_chain(t.nodes[0]), block_id(b));
    ck_assert_ptr_nonnull(e); /* valid, on a side branch */
    ck_assert_uint_eq(chain_entry_height(e), 2);
    ck_assert(hash_eq(nf_tip(&t, 0), block_id(main[2])));
    /* back to the tip */
    ck_assert_int_eq(node_mine_on(t.nodes[0], NULL, NULL, 0), 0);
    node_mine(t.nodes[0], &t.fx, at, at + 10 * NF_SEC, &next);
    nf_absorb(&t, 0);
    ck_assert_uint_eq(t.n_timers, 1);
    ck_assert(hash_eq(&block_header_of(t.timers[0].t.payload)->prev_id, block_id(main[2])));
    tx_unref(spend);
    nf_unref_blocks(main, 3);
    nf_free(&t);
}
END_TEST

/* node_send_tx hands the payment to that one peer, which takes it into its
 * mempool and relays it (not back to the sender), whatever the sender's own mempool holds. */
START_TEST(payment_to_one_peer)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 3});
    tx *spend = nf_spend_genesis(&t, 0, 1, 1000, 500);
    node_send_tx(t.nodes[0], &t.fx, spend, 2);
    nf_absorb(&t, 0);
    ck_assert_uint_eq(t.q_len, 1);
    ck_assert_uint_eq(nf_count(&t, MSG_TX, 0, 2), 1);
    ck_assert_ptr_null(mempool_get(node_mempool(t.nodes[0]), tx_id(spend)));
    nf_step(&t, NF_SEC);
    ck_assert_ptr_nonnull(mempool_get(node_mempool(t.nodes[2]), tx_id(spend)));
    ck_assert_uint_eq(nf_count(&t, MSG_INV, 2, 1), 1); /* relayed, but not to its sender */
    ck_assert_uint_eq(nf_count(&t, MSG_INV, 2, 0), 0);
    tx_unref(spend);
    nf_free(&t);
}
END_TEST

static Suite *doublespend_suite(void)
{
    Suite *s = suite_create("doublespend");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, rosenfeld_known_values);
    tcase_add_test(tc, give_up_depth);
    tcase_add_test(tc, mining_on_a_chosen_block);
    tcase_add_test(tc, payment_to_one_peer);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(doublespend_suite());
}
