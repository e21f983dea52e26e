/* Mempool: acceptance against the chain, double spends refused with the
 * right reason (pool conflict vs spent on chain), fee-rate order with txid
 * tie-break and parents before children, removal when a block confirms or
 * conflicts, and transactions taken back after a reorganisation. */
#include "ledger_fixture.h"
#include "mempool.h"

static void expect_add(mempool *mp, const chain *c, tx *t, reason code)
{
    char msg[256];
    reason r = mempool_add(mp, c, t, msg, sizeof msg);
    ck_assert_msg(r == code, "expected %s, got %s: %s", reason_name(code), reason_name(r), msg);
    char hex[65];
    hash_to_hex(hex, tx_id(t));
    ck_assert_msg(strstr(msg, hex) != NULL, "message does not name the tx: %s", msg);
}

static void add_block(fx *f, mempool *mp, block *b)
{
    chain_result res;
    ck_assert_int_eq(fx_add(f->c, &res, b), REASON_OK);
    ck_assert_int_eq(mempool_update(mp, f->c, &res), REASON_OK);
    chain_result_clear(&res);
}

START_TEST(accepts_and_refuses_with_reasons)
{
    fx f;
    fx_init(&f);
    mempool *mp;
    ck_assert_int_eq(mempool_new(&mp, 100), 0);
    tx *x = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 2, 1000, 50);
    tx *y = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 3, 1000, 60);
    expect_add(mp, f.c, x, REASON_OK);
    ck_assert_uint_eq(mempool_count(mp), 1);
    ck_assert_uint_eq(mempool_bytes(mp), tx_size(x));
    ck_assert_uint_eq(mempool_fee(mp, tx_id(x)), 50);
    ck_assert_ptr_eq(mempool_get(mp, tx_id(x)), x);
    expect_add(mp, f.c, x, REASON_TX_DUPLICATE);
    expect_add(mp, f.c, y, REASON_TX_MEMPOOL_CONFLICT);
    /* A child of a pool transaction is fine; spending it twice is not. */
    tx *child = fx_spend(&f, x, 0, 2, 3, 10, 5);
    expect_add(mp, f.c, child, REASON_OK);
    tx *child2 = fx_spend(&f, x, 0, 2, 1, 20, 5);
    expect_add(mp, f.c, child2, REASON_TX_MEMPOOL_CONFLICT);
    /* Wrong signer, missing input, coinbase. */
    tx *forged = fx_spend(&f, fx_genesis_tx(&f), 2, 3, 3, 10, 0);
    expect_add(mp, f.c, forged, REASON_TX_BAD_SIGNATURE);
    tx *ghost = fx_spend(&f, y, 0, 3, 1, 10, 0);
    expect_add(mp, f.c, ghost, REASON_TX_MISSING_INPUT);
    tx_out out = {.amount = 1};
    tx *cb;
    ck_assert_int_eq(tx_new_coinbase(&cb, 1, 0, &out, 1), 0);
    expect_add(mp, f.c, cb, REASON_TX_COINBASE_LOOSE);
    ck_assert_uint_eq(mempool_count(mp), 2);
    /* Confirm x in a block: x and its conflict are gone; the child stays. */
    block *b1 = fx_mine(&f, f.genesis, 1, &x, 1, 0);
    add_block(&f, mp, b1);
    ck_assert_ptr_null(mempool_get(mp, tx_id(x)));
    ck_assert_ptr_eq(mempool_get(mp, tx_id(child)), child);
    ck_assert_uint_eq(mempool_count(mp), 1);
    expect_add(mp, f.c, x, REASON_TX_DUPLICATE);
    expect_add(mp, f.c, y, REASON_TX_ALREADY_SPENT);
    block_unref(b1);
    tx *all[] = {x, y, child, child2, forged, ghost, cb};
    for (size_t i = 0; i < 7; i++)
        tx_unref(all[i]);
    mempool_free(mp);
    fx_free(&f);
}
END_TEST

START_TEST(full_pool_refuses)
{
    fx f;
    fx_init(&f);
    mempool *mp;
    ck_assert_int_eq(mempool_new(&mp, 1), 0);
    tx *x = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 2, 1000, 50);
    tx *y = fx_spend(&f, fx_genesis_tx(&f), 2, 2, 3, 1000, 60);
    expect_add(mp, f.c, x, REASON_OK);
    expect_add(mp, f.c, y, REASON_TX_MEMPOOL_FULL);
    tx_unref(x);
    tx_unref(y);
    mempool_free(mp);
    fx_free(&f);
}
END_TEST

START_TEST(select_by_fee_rate_parents_first)
{
    fx f;
    fx_init(&f);
    mempool *mp;
    ck_assert_int_eq(mempool_new(&mp, 100), 0);
    tx *low = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 2, 1000, 10);
    tx *high = fx_spend(&f, fx_genesis_tx(&f), 2, 2, 1, 1000, 500);
    tx *mid = fx_spend(&f, fx_genesis_tx(&f), 3, 3, 1, 1000, 100);
    tx *rich_child = fx_spend(&f, low, 1, 1, 2, 100, 900); /* parent pays little */
    expect_add(mp, f.c, low, REASON_OK);
    expect_add(mp, f.c, high, REASON_OK);
    expect_add(mp, f.c, mid, REASON_OK);
    expect_add(mp, f.c, rich_child, REASON_OK);
    tx *out[8];
    uint64_t fees;
    size_t n = mempool_select(mp, out, 8, 1000000, &fees);
    ck_assert_uint_eq(n, 4);
    ck_assert_uint_eq(fees, 10 + 500 + 100 + 900);
    ck_assert_ptr_eq(out[0], high);
    ck_assert_ptr_eq(out[1], mid);
    ck_assert_ptr_eq(out[2], low);
    ck_assert_ptr_eq(out[3], rich_child);
    /* Byte limit: only what fits (all four have the same size). */
    n = mempool_select(mp, out, 8, 2 * tx_size(high), &fees);
    ck_assert_uint_eq(n, 2);
    ck_assert_uint_eq(fees, 600);
    n = mempool_select(mp, out, 1, 1000000, &fees);
    ck_assert_uint_eq(n, 1);
    ck_assert_ptr_eq(out[0], high);
    /* The selection makes a valid block. */
    n = mempool_select(mp, out, 8, 1000000, &fees);
    fx_block_spec s = fx_spec(&f, f.genesis, 1);
    s.coinbase_amount = f.params.block_reward + fees;
    block *b1 = fx_build(&f, &s, out, n);
    add_block(&f, mp, b1);
    block_unref(b1);
    ck_assert_uint_eq(chain_height(f.c), 1);
    ck_assert_uint_eq(mempool_count(mp), 0);
    tx *all[] = {low, high, mid, rich_child};
    for (size_t i = 0; i < 4; i++)
        tx_unref(all[i]);
    mempool_free(mp);
    fx_free(&f);
}
END_TEST

START_TEST(equal_rates_tie_break_by_txid)
{
    fx f;
    fx_init(&f);
    mempool *mp;
    ck_assert_int_eq(mempool_new(&mp, 100), 0);
    tx *a = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 2, 1000, 70);
    tx *b = fx_spend(&f, fx_genesis_tx(&f), 2, 2, 1, 1000, 70);
    expect_add(mp, f.c, b, REASON_OK);
    expect_add(mp, f.c, a, REASON_OK);
    tx *out[2];
    uint64_t fees;
    ck_assert_uint_eq(mempool_select(mp, out, 2, 100000, &fees), 2);
    ck_assert_int_lt(memcmp(tx_id(out[0])->b, tx_id(out[1])->b, 32), 0);
    tx_unref(a);
    tx_unref(b);
    mempool_free(mp);
    fx_free(&f);
}
END_TEST

START_TEST(reorg_takes_transactions_back)
{
    fx f;
    fx_init(&f);
    mempool *mp;
    ck_assert_int_eq(mempool_new(&mp, 100), 0);
    tx *x = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 2, 1000, 50);
    tx *xc = fx_spend(&f, x, 0, 2, 3, 100, 5); /* child of x */
    tx *y = fx_spend(&f, fx_genesis_tx(&f), 2, 2, 3, 1000, 50);
    tx *y2 = fx_spend(&f, fx_genesis_tx(&f), 2, 2, 1, 7, 50); /* conflicts with y */
    tx *z = fx_spend(&f, fx_genesis_tx(&f), 3, 3, 1, 1000, 50);
    expect_add(mp, f.c, z, REASON_OK);
    /* Branch a confirms x, xc and y. */
    tx *in_a[3] = {x, xc, y};
    block *a1 = fx_mine(&f, f.genesis, 1, in_a, 3, 1);
    add_block(&f, mp, a1);
    ck_assert_uint_eq(mempool_count(mp), 1);
    /* Branch b confirms y2 (the conflict of y) and wins. */
    block *b1 = fx_mine(&f, f.genesis, 1, &y2, 1, 2);
    block *b2 = fx_mine(&f, b1, 2, NULL, 0, 2);
    add_block(&f, mp, b1);
    ck_assert_uint_eq(mempool_count(mp), 1);
    add_block(&f, mp, b2);
    ck_assert_ptr_eq(chain_entry_block(chain_tip(f.c)), b2);
    /* x and xc come back, y does not (its input is spent by y2), z stays. */
    ck_assert_ptr_eq(mempool_get(mp, tx_id(x)), x);
    ck_assert_ptr_eq(mempool_get(mp, tx_id(xc)), xc);
    ck_assert_ptr_null(mempool_get(mp, tx_id(y)));
    ck_assert_ptr_eq(mempool_get(mp, tx_id(z)), z);
    ck_assert_uint_eq(mempool_count(mp), 3);
    expect_add(mp, f.c, y, REASON_TX_ALREADY_SPENT);
    /* The pool's selection is a valid block on the new tip. */
    tx *out[4];
    uint64_t fees;
    size_t n = mempool_select(mp, out, 4, 100000, &fees);
    ck_assert_uint_eq(n, 3);
    fx_block_spec s = fx_spec(&f, b2, 3);
    s.coinbase_amount = f.params.block_reward + fees;
    block *b3 = fx_build(&f, &s, out, n);
    add_block(&f, mp, b3);
    block_unref(b3);
    ck_assert_uint_eq(chain_height(f.c), 3);
    ck_assert_uint_eq(mempool_count(mp), 0);
    block_unref(a1);
    block_unref(b1);
    block_unref(b2);
    tx *all[] = {x, xc, y, y2, z};
    for (size_t i = 0; i < 5; i++)
        tx_unref(all[i]);
    mempool_free(mp);
    fx_free(&f);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("mempool");
    TCase *tc = tcase_create("mempool");
    tcase_add_test(tc, accepts_and_refuses_with_reasons);
    tcase_add_test(tc, full_pool_refuses);
    tcase_add_test(tc, select_by_fee_rate_parents_first);
    tcase_add_test(tc, equal_rates_tie_break_by_txid);
    tcase_add_test(tc, reorg_takes_transactions_back);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
