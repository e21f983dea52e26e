/* The withholding and censoring attackers (sim/model/adversary_withhold.c,
 * adversary_censor.c) on nodes of the hand-driven fixture: the windows of
 * the withholding schedule, blocks held in a window and sent whole to
 * every peer at the first event at or after its end, blocks outside a
 * window sent at once; the censor's filter, which finds the payer of a
 * transaction in the node's chain or mempool and keeps its payments out of
 * the node's blocks. */
#include "adversary.h"
#include "node_fixture.h"
#include "pow.h"
#include "wallet.h"

#include <check.h>

#define S NF_SEC

START_TEST(window_schedule)
{
    scenario_adversary c;
    memset(&c, 0, sizeof c);
    c.kind = SCENARIO_ADV_WITHHOLD;
    c.start_ns = 30 * S;
    c.hold_ns = 60 * S;
    c.every_ns = 120 * S;
    ck_assert_int_eq(adversary_window_of(&c, 0), -1);
    ck_assert_int_eq(adversary_window_of(&c, 30 * S - 1), -1);
    ck_assert_int_eq(adversary_window_of(&c, 30 * S), 0);
    ck_assert_int_eq(adversary_window_of(&c, 90 * S - 1), 0);
    ck_assert_int_eq(adversary_window_of(&c, 90 * S), -1); /* the end is outside */
    ck_assert_int_eq(adversary_window_of(&c, 150 * S - 1), -1);
    ck_assert_int_eq(adversary_window_of(&c, 150 * S), 1);
    ck_assert_int_eq(adversary_window_of(&c, 1230 * S + 5), 10);
    /* every = hold: windows back to back */
    c.every_ns = 60 * S;
    ck_assert_int_eq(adversary_window_of(&c, 90 * S), 1);
    /* no every: one window */
    c.every_ns = 0;
    ck_assert_int_eq(adversary_window_of(&c, 60 * S), 0);
    ck_assert_int_eq(adversary_window_of(&c, 90 * S), -1);
    ck_assert_int_eq(adversary_window_of(&c, 150 * S), -1);
}
END_TEST

static uint32_t bits_for(double hashes)
{
    uint32_t bits;
    ck_assert_int_eq(pow_bits_for_expected_hashes(&bits, hashes), POW_OK);
    return bits;
}

/* Node 0 mines from from_ns until it finds a block; the MINED timer is
 * handed to it at its time, then the adversary's reaction, then the
 * effects are taken over. Returns the block (borrowed: the node has it). */
static const block *mine_and_react(nf *t, adversary *a, int64_t from_ns, int64_t *at_ns)
{
    int64_t next;
    node_mine(t->nodes[0], &t->fx, from_ns, from_ns + 100000 * S, &next);
    nf_absorb(t, 0);
    ck_assert_uint_eq(t->n_timers, 1);
    block *b = t->timers[0].t.payload;
    *at_ns = t->timers[0].t.at_ns;
    t->n_timers = 0;
    uint32_t h = chain_height(node_chain(t->nodes[0]));
    node_on_timer(t->nodes[0], &t->fx, *at_ns, NODE_TIMER_MINED, b, 0);
    adversary_after_event(a, t->nodes[0], &t->fx, *at_ns, ADVERSARY_EV_MINED, h);
    nf_absorb(t, 0);
    return chain_entry_block(chain_lookup(node_chain(t->nodes[0]), block_id(b)));
}

/* Any other event of node 0 at now (a transaction of its own, here) and the
 * adversary's reaction. */
static void other_event(nf *t, adversary *a, int64_t now_ns)
{
    uint32_t h = chain_height(node_chain(t->nodes[0]));
    adversary_after_event(a, t->nodes[0], &t->fx, now_ns, ADVERSARY_EV_OTHER, h);
    nf_absorb(t, 0);
}

START_TEST(withheld_in_the_window_published_after_it)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 3, .bits = bits_for(1000), .hashrate = 1000});
    scenario_adversary c;
    memset(&c, 0, sizeof c);
    c.kind = SCENARIO_ADV_WITHHOLD;
    c.node = 0;
    c.start_ns = 0;
    c.hold_ns = 1000000 * S; /* longer than the two blocks take */
    adversary *a;
    ck_assert_int_eq(adversary_new(&a, &c, NULL, 0), 0);
    ck_assert_int_eq(adversary_on_start(a, t.nodes[0]), 0);
    int64_t at1, at2;
    const block *b1 = mine_and_react(&t, a, 0, &at1);
    const block *b2 = mine_and_react(&t, a, at1, &at2);
    ck_assert_uint_eq(chain_height(node_chain(t.nodes[0])), 2); /* it mines on its own */
    ck_assert(node_is_withheld(t.nodes[0], block_id(b1)));
    ck_assert(node_is_withheld(t.nodes[0], block_id(b2)));
    ck_assert_uint_eq(nf_count(&t, MSG_INV, 0, 1) + nf_count(&t, MSG_BLOCK, 0, 1), 0);
    nf_run(&t, at2);
    ck_assert_uint_eq(chain_height(node_chain(t.nodes[1])), 0); /* the others know nothing */
    /* an event before the window's end publishes nothing */
    other_event(&t, a, c.hold_ns - 1);
    ck_assert_uint_eq(t.q_len, 0);
    /* the first event at or after it sends both, whole, oldest first */
    other_event(&t, a, c.hold_ns + 5);
    ck_assert_uint_eq(nf_count(&t, MSG_BLOCK, 0, 1), 2);
    ck_assert_uint_eq(nf_count(&t, MSG_BLOCK, 0, 2), 2);
    const nf_wire *w = nf_queued(&t, 0);
    ck_assert_int_eq(w->m->type, MSG_BLOCK);
    ck_assert(hash_eq(block_id(w->m->blk), block_id(b1)));
    ck_assert(!node_is_withheld(t.nodes[0], block_id(b1)));
    ck_assert(!node_is_withheld(t.nodes[0], block_id(b2)));
    nf_run(&t, c.hold_ns + 5);
    ck_assert_uint_eq(chain_height(node_chain(t.nodes[1])), 2);
    ck_assert_uint_eq(chain_height(node_chain(t.nodes[2])), 2);
    /* after the window (one only): a block goes out at once */
    int64_t at3;
    const block *b3 = mine_and_react(&t, a, c.hold_ns + 5, &at3);
    ck_assert(!node_is_withheld(t.nodes[0], block_id(b3)));
    ck_assert_uint_eq(nf_count(&t, MSG_BLOCK, 0, 1), 1);
    nf_run(&t, at3);
    ck_assert_uint_eq(chain_height(node_chain(t.nodes[1])), 3);
    adversary_free(a);
    nf_free(&t);
}
END_TEST

START_TEST(block_before_the_window_goes_out_at_once)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 2, .bits = bits_for(1000), .hashrate = 1000});
    scenario_adversary c;
    memset(&c, 0, sizeof c);
    c.kind = SCENARIO_ADV_WITHHOLD;
    c.start_ns = 1000000 * S;
    c.hold_ns = S;
    adversary *a;
    ck_assert_int_eq(adversary_new(&a, &c, NULL, 0), 0);
    ck_assert_int_eq(adversary_on_start(a, t.nodes[0]), 0);
    int64_t at;
    const block *b = mine_and_react(&t, a, 0, &at);
    ck_assert(!node_is_withheld(t.nodes[0], block_id(b)));
    ck_assert_uint_eq(nf_count(&t, MSG_BLOCK, 0, 1), 1);
    adversary_free(a);
    nf_free(&t);
}
END_TEST

START_TEST(censor_keeps_a_wallets_payments_out)
{
    nf t;
    nf_init(&t, &(nf_opts){.n = 2, .bits = bits_for(1 << 10), .hashrate = 1000});
    /* the run's wallets of seed 7 are the fixture's wallet keys */
    wallet_set *ws;
    ck_assert_int_eq(wallet_set_new(&ws, NF_WALLETS, 7, 2, 1, 1000), 0);
    for (uint32_t w = 0; w < NF_WALLETS; w++)
        ck_assert_mem_eq(wallet_public(ws, w), keys_pair_public(t.wallet[w]), KEYS_PUB_BYTES);
    uint32_t censored[] = {1};
    scenario_adversary c;
    memset(&c, 0, sizeof c);
    c.kind = SCENARIO_ADV_CENSOR;
    c.censored = censored;
    c.n_censored = 1;
    adversary *a;
    ck_assert_int_eq(adversary_new(&a, &c, ws, 0), 0);
    ck_assert_int_eq(adversary_on_start(a, t.nodes[0]), 0);
    tx *x = nf_spend_genesis(&t, 0, 1, 1000, 500); /* wallet 1 pays wallet 2: kept */
    tx *y = nf_spend_genesis(&t, 1, 0, 1000, 300); /* wallet 2 pays (a chain coin): censored */
    /* wallet 2 spends what x paid it (a mempool output): censored */
    tx *z = nf_spend_signed(&t, x, 0, t.wallet[1], 0, 100, 200);
    ck_assert_int_eq(node_submit_tx(t.nodes[0], &t.fx, 0, x), REASON_OK);
    ck_assert_int_eq(node_submit_tx(t.nodes[0], &t.fx, 0, y), REASON_OK);
    ck_assert_int_eq(node_submit_tx(t.nodes[0], &t.fx, 0, z), REASON_OK);
    nf_absorb(&t, 0);
    ck_assert(!adversary_censors(a, t.nodes[0], x));
    ck_assert(adversary_censors(a, t.nodes[0], y));
    ck_assert(adversary_censors(a, t.nodes[0], z));
    ck_assert_uint_eq(adversary_censored(a), 0); /* counted when left out of a template */
    int64_t at;
    const block *b = mine_and_react(&t, a, 0, &at);
    ck_assert_uint_eq(block_n_tx(b), 2);
    ck_assert(block_tx(b, 1) == x);
    ck_assert_uint_eq(adversary_censored(a), 2);
    /* x confirmed: z's coin is now one of the chain's, still wallet 2's */
    ck_assert(adversary_censors(a, t.nodes[0], z));
    const block *b2 = mine_and_react(&t, a, at, &at);
    ck_assert_uint_eq(block_n_tx(b2), 1);
    ck_assert_uint_eq(mempool_count(node_mempool(t.nodes[0])), 2);
    ck_assert_uint_eq(adversary_censored(a), 2); /* distinct transactions */
    /* the censor's blocks are published as any block */
    nf_run(&t, at);
    ck_assert_uint_eq(chain_height(node_chain(t.nodes[1])), 2);
    tx_unref(x);
    tx_unref(y);
    tx_unref(z);
    adversary_free(a);
    wallet_set_free(ws);
    nf_free(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("adversary");
    TCase *tc = tcase_create("withhold_censor");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, window_schedule);
    tcase_add_test(tc, withheld_in_the_window_published_after_it);
    tcase_add_test(tc, block_before_the_window_goes_out_at_once);
    tcase_add_test(tc, censor_keeps_a_wallets_payments_out);
    suite_add_tcase(s, tc);
    return testutil_run(s);
}
