/* Chain state: genesis, extension, duplicates, orphans, fork choice (most
 * work, first seen on a tie), reorganisations of depth 1 and 20 that leave
 * the UTXO set exactly as a node that only saw the winning branch, a side
 * branch that turns out invalid, every block rejection rule with its reason
 * code, the consensus hooks, the PoS rollback limit (depth k taken, k + 1
 * refused), and the queries. */
#include "ledger_fixture.h"
#include "pow.h"
#include "validate.h"

#include <stdio.h>

static const block *tip_block(const chain *c)
{
    return chain_entry_block(chain_tip(c));
}

START_TEST(genesis_is_deterministic_and_funds_wallets)
{
    fx f;
    fx_init(&f);
    block *again, *other;
    ck_assert_int_eq(chain_genesis_new(&again, &f.params), 0);
    ck_assert(hash_eq(block_id(again), block_id(f.genesis)));
    chain_params p = f.params;
    p.seed = 1;
    ck_assert_int_eq(chain_genesis_new(&other, &p), 0);
    ck_assert(!hash_eq(block_id(other), block_id(f.genesis)));
    uint64_t height, nonce;
    ck_assert_int_eq(tx_coinbase_fields(block_tx(other, 0), &height, &nonce), 0);
    ck_assert_uint_eq(height, 0);
    ck_assert_uint_eq(nonce, 1);
    ck_assert_uint_eq(chain_height(f.c), 0);
    ck_assert(hash_eq(chain_entry_id(chain_tip(f.c)), block_id(f.genesis)));
    ck_assert_uint_eq(utxo_count(chain_utxo(f.c)), FX_KEYS);
    ck_assert_uint_eq(utxo_total(chain_utxo(f.c)), FX_KEYS * FX_FUNDS);
    /* Offering genesis again is a duplicate; another parentless block is not genesis. */
    fx_expect(f.c, block_ref(f.genesis), CHAIN_OUTCOME_DUPLICATE, REASON_OK);
    fx_expect(f.c, other, CHAIN_OUTCOME_REJECTED, REASON_BLOCK_BAD_GENESIS);
    block_unref(again);
    fx_free(&f);
}
END_TEST

START_TEST(extend_spend_and_duplicate)
{
    fx f;
    fx_init(&f);
    tx *pay = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 2, 300000, 1000);
    block *b1 = fx_mine(&f, f.genesis, 1, &pay, 1, 0);
    chain_result res;
    ck_assert_int_eq(fx_add(f.c, &res, b1), REASON_OK);
    ck_assert_int_eq(res.outcome, CHAIN_OUTCOME_TIP);
    ck_assert(res.tip_changed);
    ck_assert_uint_eq(res.reorg_depth, 0);
    ck_assert_uint_eq(res.n_connected, 1);
    ck_assert_ptr_eq(res.connected[0], b1);
    chain_result_clear(&res);
    ck_assert_uint_eq(chain_height(f.c), 1);
    /* Genesis coin 1 spent, two new outputs and the coinbase (reward + fee). */
    tx_outpoint spent = {*tx_id(fx_genesis_tx(&f)), 1};
    ck_assert_ptr_null(utxo_get(chain_utxo(f.c), &spent));
    tx_outpoint paid = {*tx_id(pay), 0};
    ck_assert_uint_eq(utxo_get(chain_utxo(f.c), &paid)->amount, 300000);
    ck_assert_uint_eq(utxo_count(chain_utxo(f.c)), FX_KEYS - 1 + 2 + 1);
    ck_assert_uint_eq(utxo_total(chain_utxo(f.c)),
                      FX_KEYS * FX_FUNDS - 1000 + f.params.block_reward);
    ck_assert(chain_spent_on_active(f.c, &spent));
    fx_expect(f.c, b1, CHAIN_OUTCOME_DUPLICATE, REASON_OK);
    tx_unref(pay);
    fx_free(&f);
}
END_TEST

START_TEST(orphans_wait_for_their_parent)
{
    fx f;
    fx_init(&f);
    block *b1 = fx_mine(&f, f.genesis, 1, NULL, 0, 0);
    block *b2 = fx_mine(&f, b1, 2, NULL, 0, 0);
    block *b3 = fx_mine(&f, b2, 3, NULL, 0, 0);
    fx_expect(f.c, block_ref(b3), CHAIN_OUTCOME_ORPHAN, REASON_OK);
    fx_expect(f.c, block_ref(b2), CHAIN_OUTCOME_ORPHAN, REASON_OK);
    ck_assert_uint_eq(chain_orphan_count(f.c), 2);
    ck_assert(chain_has_orphan(f.c, block_id(b3)));
    fx_expect(f.c, block_ref(b3), CHAIN_OUTCOME_DUPLICATE, REASON_OK);
    chain_result res;
    ck_assert_int_eq(fx_add(f.c, &res, b1), REASON_OK);
    ck_assert_int_eq(res.outcome, CHAIN_OUTCOME_TIP);
    ck_assert_uint_eq(res.n_orphans_adopted, 2);
    ck_assert_uint_eq(res.n_connected, 3);
    ck_assert_ptr_eq(res.connected[2], b3);
    chain_result_clear(&res);
    ck_assert_uint_eq(chain_height(f.c), 3);
    ck_assert_uint_eq(chain_orphan_count(f.c), 0);
    ck_assert_ptr_eq(tip_block(f.c), b3);
    block_unref(b1);
    block_unref(b2);
    block_unref(b3);
    fx_free(&f);
}
END_TEST

START_TEST(orphan_pool_is_bounded_oldest_first)
{
    chain_params p;
    chain_params_default(&p);
    p.max_orphans = 2;
    fx f;
    fx_init_params(&f, &p);
    block *b1 = fx_mine(&f, f.genesis, 1, NULL, 0, 0);
    block *o[3];
    for (int i = 0; i < 3; i++) {
        o[i] = fx_mine(&f, b1, 2, NULL, 0, (uint64_t)i + 1);
        fx_expect(f.c, block_ref(o[i]), CHAIN_OUTCOME_ORPHAN, REASON_OK);
    }
    ck_assert_uint_eq(chain_orphan_count(f.c), 2);
    ck_assert(!chain_has_orphan(f.c, block_id(o[0])));
    ck_assert(chain_has_orphan(f.c, block_id(o[1])));
    ck_assert(chain_has_orphan(f.c, block_id(o[2])));
    /* The parent arrives: the first surviving orphan (seen first) becomes tip. */
    fx_expect(f.c, b1, CHAIN_OUTCOME_TIP, REASON_OK);
    ck_assert_ptr_eq(tip_block(f.c), o[1]);
    ck_assert_uint_eq(chain_block_count(f.c), 4);
    for (int i = 0; i < 3; i++)
        block_unref(o[i]);
    fx_free(&f);
}
END_TEST

/* A chain of the run that shares nothing with it: it validates every block
 * itself, so its UTXO sets are computed independently. */
static chain *chain_alone(fx *f)
{
    chain *c;
    ck_assert_int_eq(chain_new(&c, &f->params, f->genesis, NULL), 0);
    return c;
}

START_TEST(tie_keeps_first_seen_then_reorg_depth_1)
{
    fx f;
    fx_init(&f);
    tx *pa = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 2, 1000, 10);
    tx *pb = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 3, 2000, 20); /* conflicts with pa */
    block *a1 = fx_mine(&f, f.genesis, 1, &pa, 1, 1);
    block *b1 = fx_mine(&f, f.genesis, 1, &pb, 1, 2);
    block *b2 = fx_mine(&f, b1, 2, NULL, 0, 2);
    fx_expect(f.c, block_ref(a1), CHAIN_OUTCOME_TIP, REASON_OK);
    fx_expect(f.c, block_ref(b1), CHAIN_OUTCOME_SIDE, REASON_OK);
    ck_assert_ptr_eq(tip_block(f.c), a1);
    const chain_entry *eb1 = chain_lookup(f.c, block_id(b1));
    ck_assert_ptr_nonnull(eb1);
    ck_assert(!chain_is_active(f.c, eb1));
    ck_assert_uint_eq(chain_reorg_depth(f.c, eb1), 1);
    ck_assert_ptr_eq(chain_common_ancestor(eb1, chain_tip(f.c)), chain_genesis(f.c));
    chain_result res;
    ck_assert_int_eq(fx_add(f.c, &res, b2), REASON_OK);
    ck_assert_int_eq(res.outcome, CHAIN_OUTCOME_TIP);
    ck_assert_uint_eq(res.reorg_depth, 1);
    ck_assert_uint_eq(res.n_disconnected, 1);
    ck_assert_ptr_eq(res.disconnected[0], a1);
    ck_assert_uint_eq(res.n_connected, 2);
    ck_assert_ptr_eq(res.connected[0], b1);
    ck_assert_ptr_eq(res.connected[1], b2);
    ck_assert_ptr_eq(chain_entry_block(res.old_tip), a1);
    ck_assert_ptr_eq(chain_entry_block(res.new_tip), b2);
    chain_result_clear(&res);
    ck_assert(chain_is_active(f.c, eb1));
    /* Same UTXO set as a node that only saw b1, b2 (and validated them on
     * its own, without the run's shared sets). */
    chain *fresh = chain_alone(&f);
    fx_expect(fresh, block_ref(b1), CHAIN_OUTCOME_TIP, REASON_OK);
    fx_expect(fresh, block_ref(b2), CHAIN_OUTCOME_TIP, REASON_OK);
    hash256 d1, d2;
    fx_digest(f.c, &d1);
    fx_digest(fresh, &d2);
    ck_assert(hash_eq(&d1, &d2));
    ck_assert_uint_eq(utxo_total(chain_utxo(f.c)), utxo_total(chain_utxo(fresh)));
    tx_outpoint a_out = {*tx_id(pa), 0};
    ck_assert_ptr_null(utxo_get(chain_utxo(f.c), &a_out));
    chain_free(fresh);
    block_unref(a1);
    block_unref(b1);
    block_unref(b2);
    tx_unref(pa);
    tx_unref(pb);
    fx_free(&f);
}
END_TEST

/* Builds a branch of n blocks on parent; block i spends the previous
 * block's change so the branch has a chain of dependent transactions. */
static void build_branch(fx *f, block **out, const block *parent, uint32_t height, size_t n,
                         uint64_t extra, int to)
{
    const tx *prev = fx_genesis_tx(f);
    uint32_t index = 1;
    for (size_t i = 0; i < n; i++) {
        tx *pay = fx_spend(f, prev, index, 1, to, 100 + i, 5);
        out[i] = fx_mine(f, i ? out[i - 1] : parent, height + (uint32_t)i, &pay, 1, extra);
        prev = block_tx(out[i], 1);
        index = 1; /* the change output */
        tx_unref(pay);
    }
}

START_TEST(reorg_depth_20_matches_fresh_node_both_ways)
{
    fx f;
    fx_init(&f);
    block *a[22], *b[21];
    build_branch(&f, a, f.genesis, 1, 22, 1, 2);
    build_branch(&f, b, f.genesis, 1, 21, 2, 3);
    for (int i = 0; i < 20; i++)
        fx_expect(f.c, block_ref(a[i]), CHAIN_OUTCOME_TIP, REASON_OK);
    for (int i = 0; i < 20; i++)
        fx_expect(f.c, block_ref(b[i]), CHAIN_OUTCOME_SIDE, REASON_OK);
    chain_result res;
    ck_assert_int_eq(fx_add(f.c, &res, b[20]), REASON_OK);
    ck_assert_int_eq(res.outcome, CHAIN_OUTCOME_TIP);
    ck_assert_uint_eq(res.reorg_depth, 20);
    ck_assert_uint_eq(res.n_disconnected, 20);
    ck_assert_uint_eq(res.n_connected, 21);
    for (int i = 0; i < 20; i++)
        ck_assert_ptr_eq(res.disconnected[i], a[19 - i]);
    for (int i = 0; i < 21; i++)
        ck_assert_ptr_eq(res.connected[i], b[i]);
    chain_result_clear(&res);
    ck_assert_uint_eq(chain_height(f.c), 21);

    chain *only_b = chain_alone(&f), *only_a = chain_alone(&f);
    for (int i = 0; i < 21; i++)
        fx_expect(only_b, block_ref(b[i]), CHAIN_OUTCOME_TIP, REASON_OK);
    for (int i = 0; i < 22; i++)
        fx_expect(only_a, block_ref(a[i]), CHAIN_OUTCOME_TIP, REASON_OK);
    hash256 d, want;
    fx_digest(f.c, &d);
    fx_digest(only_b, &want);
    ck_assert(hash_eq(&d, &want));
    ck_assert_uint_eq(utxo_count(chain_utxo(f.c)), utxo_count(chain_utxo(only_b)));

    /* And back: a grows to 22 blocks, a reorg of depth 21. */
    fx_expect(f.c, block_ref(a[20]), CHAIN_OUTCOME_SIDE, REASON_OK);
    ck_assert_int_eq(fx_add(f.c, &res, a[21]), REASON_OK);
    ck_assert_uint_eq(res.reorg_depth, 21);
    chain_result_clear(&res);
    fx_digest(f.c, &d);
    fx_digest(only_a, &want);
    ck_assert(hash_eq(&d, &want));
    for (uint32_t h = 0; h <= 22; h++)
        ck_assert(hash_eq(chain_entry_id(chain_at_height(f.c, h)),
                          chain_entry_id(chain_at_height(only_a, h))));
    ck_assert_ptr_null(chain_at_height(f.c, 23));
    ck_assert_uint_eq(chain_block_count(f.c), 1 + 22 + 21);
    chain_free(only_a);
    chain_free(only_b);
    for (int i = 0; i < 22; i++)
        block_unref(a[i]);
    for (int i = 0; i < 21; i++)
        block_unref(b[i]);
    fx_free(&f);
}
END_TEST

/* The chains of a run share one UTXO set per block: a second chain fed the
 * same blocks points at the very sets the first one computed, through
 * reorganisations both ways deeper than UTXO_MAX_LAYERS (so across
 * flattened sets), holds less memory than a chain that shares nothing, and
 * ends with the digest of a chain that validated everything alone. */
START_TEST(utxo_sets_are_shared_by_the_chains_of_a_run)
{
    enum { N = UTXO_MAX_LAYERS + 8 };
    fx f;
    fx_init(&f);
    block *a[N + 2], *b[N + 1];
    build_branch(&f, a, f.genesis, 1, N + 2, 1, 2);
    build_branch(&f, b, f.genesis, 1, N + 1, 2, 3);
    chain *second = fx_new_chain(&f), *alone_a = chain_alone(&f), *alone_b = chain_alone(&f);
    ck_assert_ptr_eq(chain_utxo(second), chain_utxo(f.c)); /* genesis' set */
    for (int i = 0; i < N; i++) {
        fx_expect(f.c, block_ref(a[i]), CHAIN_OUTCOME_TIP, REASON_OK);
        fx_expect(second, block_ref(a[i]), CHAIN_OUTCOME_TIP, REASON_OK);
        fx_expect(alone_a, block_ref(a[i]), CHAIN_OUTCOME_TIP, REASON_OK);
        ck_assert_ptr_eq(chain_utxo(second), chain_utxo(f.c));
        ck_assert_ptr_eq(chain_utxo(second), chain_shared_utxo(a[i], f.cache));
        ck_assert_ptr_ne(chain_utxo(alone_a), chain_utxo(f.c));
    }
    ck_assert_uint_lt(chain_memory(second), chain_memory(alone_a));
    hash256 d, want;
    for (int i = 0; i < N + 1; i++) {
        fx_expect(f.c, block_ref(b[i]), i < N ? CHAIN_OUTCOME_SIDE : CHAIN_OUTCOME_TIP, REASON_OK);
        fx_expect(alone_b, block_ref(b[i]), CHAIN_OUTCOME_TIP, REASON_OK);
    }
    chain_result res;
    for (int i = 0; i < N; i++)
        fx_expect(second, block_ref(b[i]), CHAIN_OUTCOME_SIDE, REASON_OK);
    ck_assert_int_eq(fx_add(second, &res, b[N]), REASON_OK);
    ck_assert_uint_eq(res.reorg_depth, N);
    chain_result_clear(&res);
    ck_assert_ptr_eq(chain_utxo(second), chain_utxo(f.c));
    ck_assert_ptr_eq(chain_utxo(second), chain_shared_utxo(b[N], f.cache));
    fx_digest(second, &d);
    fx_digest(alone_b, &want);
    ck_assert(hash_eq(&d, &want));
    ck_assert_uint_eq(utxo_total(chain_utxo(second)), utxo_total(chain_utxo(alone_b)));
    /* And back onto a, one block deeper: the sets a's blocks had are kept. */
    for (int i = N; i < N + 2; i++) {
        fx_expect(f.c, block_ref(a[i]), i == N ? CHAIN_OUTCOME_SIDE : CHAIN_OUTCOME_TIP, REASON_OK);
        fx_expect(alone_a, block_ref(a[i]), CHAIN_OUTCOME_TIP, REASON_OK);
    }
    fx_expect(second, block_ref(a[N]), CHAIN_OUTCOME_SIDE, REASON_OK);
    ck_assert_int_eq(fx_add(second, &res, a[N + 1]), REASON_OK);
    ck_assert_uint_eq(res.reorg_depth, N + 1);
    chain_result_clear(&res);
    ck_assert_ptr_eq(chain_utxo(second), chain_shared_utxo(a[N + 1], f.cache));
    fx_digest(second, &d);
    fx_digest(alone_a, &want);
    ck_assert(hash_eq(&d, &want));
    fx_digest(f.c, &d);
    ck_assert(hash_eq(&d, &want));
    chain_free(alone_a);
    chain_free(alone_b);
    chain_free(second);
    for (int i = 0; i < N + 2; i++)
        block_unref(a[i]);
    for (int i = 0; i < N + 1; i++)
        block_unref(b[i]);
    fx_free(&f);
}
END_TEST

START_TEST(invalid_side_branch_is_dropped_when_it_would_win)
{
    fx f;
    fx_init(&f);
    block *a1 = fx_mine(&f, f.genesis, 1, NULL, 0, 1);
    block *a2 = fx_mine(&f, a1, 2, NULL, 0, 1);
    /* Side branch: b1 fine, b2 spends a coin with key 2's signature (bad). */
    block *b1 = fx_mine(&f, f.genesis, 1, NULL, 0, 2);
    tx *forged = fx_spend(&f, fx_genesis_tx(&f), 1, 2, 2, 10, 0);
    block *b2 = fx_mine(&f, b1, 2, &forged, 1, 2);
    block *b3 = fx_mine(&f, b2, 3, NULL, 0, 2);
    block *b4 = fx_mine(&f, b3, 4, NULL, 0, 2);
    fx_expect(f.c, block_ref(a1), CHAIN_OUTCOME_TIP, REASON_OK);
    fx_expect(f.c, block_ref(a2), CHAIN_OUTCOME_TIP, REASON_OK);
    hash256 before, after;
    fx_digest(f.c, &before);
    fx_expect(f.c, block_ref(b1), CHAIN_OUTCOME_SIDE, REASON_OK);
    fx_expect(f.c, block_ref(b2), CHAIN_OUTCOME_SIDE, REASON_OK);
    chain_result res;
    ck_assert_int_eq(fx_add(f.c, &res, b3), REASON_TX_BAD_SIGNATURE);
    ck_assert_int_eq(res.outcome, CHAIN_OUTCOME_REJECTED);
    ck_assert(hash_eq(&res.bad_block, block_id(b2)));
    ck_assert_msg(strstr(res.message, "signature") != NULL, "%s", res.message);
    ck_assert(!res.tip_changed);
    chain_result_clear(&res);
    ck_assert_ptr_eq(tip_block(f.c), a2);
    fx_digest(f.c, &after);
    ck_assert(hash_eq(&before, &after));
    ck_assert(chain_is_known_invalid(f.c, block_id(b2)));
    ck_assert(chain_is_known_invalid(f.c, block_id(b3)));
    ck_assert_ptr_nonnull(chain_lookup(f.c, block_id(b1)));
    fx_expect(f.c, block_ref(b4), CHAIN_OUTCOME_REJECTED, REASON_BLOCK_KNOWN_INVALID);
    fx_expect(f.c, block_ref(b2), CHAIN_OUTCOME_REJECTED, REASON_BLOCK_KNOWN_INVALID);
    block *a3 = fx_mine(&f, a2, 3, NULL, 0, 1);
    fx_expect(f.c, a3, CHAIN_OUTCOME_TIP, REASON_OK);
    tx_unref(forged);
    block *all[] = {a1, a2, b1, b2, b3, b4};
    for (size_t i = 0; i < 6; i++)
        block_unref(all[i]);
    fx_free(&f);
}
END_TEST

/* ---- one test per rejection rule ---- */

static void expect_reject(fx *f, block *b, reason code)
{
    hash256 before, after;
    uint32_t height = chain_height(f->c);
    fx_digest(f->c, &before);
    chain_result res;
    reason r = fx_add(f->c, &res, b);
    ck_assert_msg(r == code && res.outcome == CHAIN_OUTCOME_REJECTED && res.code == code,
                  "expected %s, got %s outcome %d: %s", reason_name(code), reason_name(r),
                  (int)res.outcome, res.message);
    ck_assert_msg(strstr(res.message, "block ") != NULL, "message names no block: %s", res.message);
    char hex[65];
    hash_to_hex(hex, block_id(b));
    ck_assert_msg(code == REASON_NO_MEMORY || strstr(res.message, hex) != NULL,
                  "message names another block: %s", res.message);
    chain_result_clear(&res);
    fx_digest(f->c, &after);
    ck_assert(hash_eq(&before, &after));
    ck_assert_uint_eq(chain_height(f->c), height);
    block_unref(b);
}

START_TEST(rejects_bad_signature)
{
    fx f;
    fx_init(&f);
    tx *good = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 2, 10, 0);
    tx_in in = *tx_input(good, 0);
    in.sig[10] ^= 1;
    tx_out outs[2] = {*tx_output(good, 0), *tx_output(good, 1)};
    tx *bad;
    ck_assert_int_eq(tx_new(&bad, TX_VERSION, &in, 1, outs, 2), 0);
    expect_reject(&f, fx_mine(&f, f.genesis, 1, &bad, 1, 0), REASON_TX_BAD_SIGNATURE);
    /* Signed by another key than the coin's owner. */
    tx *wrong = fx_spend(&f, fx_genesis_tx(&f), 1, 3, 2, 10, 0);
    expect_reject(&f, fx_mine(&f, f.genesis, 1, &wrong, 1, 0), REASON_TX_BAD_SIGNATURE);
    tx_unref(good);
    tx_unref(bad);
    tx_unref(wrong);
    fx_free(&f);
}
END_TEST

START_TEST(rejects_double_spend_inside_block)
{
    fx f;
    fx_init(&f);
    tx *x = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 2, 10, 0);
    tx *y = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 3, 10, 0);
    tx *both[2] = {x, y};
    expect_reject(&f, fx_mine(&f, f.genesis, 1, both, 2, 0), REASON_BLOCK_DOUBLE_SPEND);
    /* The same transaction twice. */
    tx *twice[2] = {x, x};
    expect_reject(&f, fx_mine(&f, f.genesis, 1, twice, 2, 0), REASON_BLOCK_DUPLICATE_TX);
    /* Spending an output created earlier in the same block is fine. */
    tx *child = fx_spend(&f, x, 1, 1, 2, 10, 0);
    tx *chained[2] = {x, child};
    fx_expect(f.c, fx_mine(&f, f.genesis, 1, chained, 2, 0), CHAIN_OUTCOME_TIP, REASON_OK);
    tx_unref(x);
    tx_unref(y);
    tx_unref(child);
    fx_free(&f);
}
END_TEST

START_TEST(rejects_double_spend_across_blocks)
{
    fx f;
    fx_init(&f);
    tx *x = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 2, 10, 0);
    tx *y = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 3, 10, 0);
    block *b1 = fx_mine(&f, f.genesis, 1, &x, 1, 0);
    fx_expect(f.c, block_ref(b1), CHAIN_OUTCOME_TIP, REASON_OK);
    expect_reject(&f, fx_mine(&f, b1, 2, &y, 1, 0), REASON_TX_ALREADY_SPENT);
    expect_reject(&f, fx_mine(&f, b1, 2, &x, 1, 0), REASON_TX_ALREADY_SPENT);
    block_unref(b1);
    tx_unref(x);
    tx_unref(y);
    fx_free(&f);
}
END_TEST

START_TEST(rejects_missing_input)
{
    fx f;
    fx_init(&f);
    tx *x = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 2, 10, 0);
    /* x is never confirmed: a child of it spends an output that does not exist. */
    tx *child = fx_spend(&f, x, 0, 2, 1, 5, 0);
    expect_reject(&f, fx_mine(&f, f.genesis, 1, &child, 1, 0), REASON_TX_MISSING_INPUT);
    tx_in in;
    memset(&in, 0, sizeof in);
    in.prev_txid = *tx_id(fx_genesis_tx(&f));
    in.prev_index = FX_KEYS; /* past the last output */
    tx_out out = {.amount = 1};
    const keys_pair *signer = f.keys[0];
    tx *past;
    ck_assert_int_eq(tx_new_signed(&past, &in, 1, &out, 1, &signer), 0);
    expect_reject(&f, fx_mine(&f, f.genesis, 1, &past, 1, 0), REASON_TX_MISSING_INPUT);
    tx_unref(x);
    tx_unref(child);
    tx_unref(past);
    fx_free(&f);
}
END_TEST

START_TEST(rejects_wrong_merkle_root)
{
    fx f;
    fx_init(&f);
    fx_block_spec s = fx_spec(&f, f.genesis, 1);
    s.bad_merkle = 1;
    block *b = fx_build(&f, &s, NULL, 0);
    hash256 id = *block_id(b);
    expect_reject(&f, b, REASON_BLOCK_BAD_MERKLE);
    /* Not remembered as invalid: the header may come back with the right body. */
    ck_assert(!chain_is_known_invalid(f.c, &id));
    fx_free(&f);
}
END_TEST

START_TEST(rejects_insufficient_work_and_wrong_bits)
{
    fx f;
    fx_init(&f);
    fx_block_spec s = fx_spec(&f, f.genesis, 1);
    s.bad_pow = 1;
    block *b = fx_build(&f, &s, NULL, 0);
    hash256 id = *block_id(b);
    expect_reject(&f, b, REASON_BLOCK_BAD_POW);
    ck_assert(chain_is_known_invalid(f.c, &id));
    s = fx_spec(&f, f.genesis, 1);
    s.bits = 0x1f7fffff; /* a valid proof for other bits than expected */
    expect_reject(&f, fx_build(&f, &s, NULL, 0), REASON_BLOCK_BAD_BITS);
    /* An orphan with insufficient work is refused before entering the pool. */
    block *b1 = fx_mine(&f, f.genesis, 1, NULL, 0, 9);
    s = fx_spec(&f, b1, 2);
    s.bad_pow = 1;
    expect_reject(&f, fx_build(&f, &s, NULL, 0), REASON_BLOCK_BAD_POW);
    ck_assert_uint_eq(chain_orphan_count(f.c), 0);
    block_unref(b1);
    fx_free(&f);
}
END_TEST

START_TEST(rejects_excess_coinbase_allows_reward_plus_fees)
{
    fx f;
    fx_init(&f);
    tx *pay = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 2, 10, 777);
    fx_block_spec s = fx_spec(&f, f.genesis, 1);
    s.coinbase_amount = f.params.block_reward + 778;
    expect_reject(&f, fx_build(&f, &s, &pay, 1), REASON_BLOCK_EXCESS_COINBASE);
    s.coinbase_amount = f.params.block_reward + 777;
    fx_expect(f.c, fx_build(&f, &s, &pay, 1), CHAIN_OUTCOME_TIP, REASON_OK);
    tx_unref(pay);
    fx_free(&f);
}
END_TEST

START_TEST(rejects_oversize_block)
{
    chain_params p;
    chain_params_default(&p);
    p.max_block_bytes = 450;
    fx f;
    fx_init_params(&f, &p);
    tx *x = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 2, 10, 0);
    tx *y = fx_spend(&f, fx_genesis_tx(&f), 2, 2, 1, 10, 0);
    tx *both[2] = {x, y};
    block *big = fx_mine(&f, f.genesis, 1, both, 2, 0);
    ck_assert_uint_gt(block_size(big), 450);
    expect_reject(&f, big, REASON_BLOCK_TOO_LARGE);
    block *fits = fx_mine(&f, f.genesis, 1, &x, 1, 0);
    ck_assert_uint_le(block_size(fits), 450);
    fx_expect(f.c, fits, CHAIN_OUTCOME_TIP, REASON_OK);
    tx_unref(x);
    tx_unref(y);
    fx_free(&f);
}
END_TEST

START_TEST(rejects_bad_timestamps)
{
    fx f;
    fx_init(&f);
    uint32_t g_time = block_header_of(f.genesis)->time;
    fx_block_spec s = fx_spec(&f, f.genesis, 1);
    s.time = g_time; /* not after the median (genesis alone) */
    expect_reject(&f, fx_build(&f, &s, NULL, 0), REASON_BLOCK_TIME_TOO_OLD);
    s.time = g_time + 10000;
    block *future = fx_build(&f, &s, NULL, 0);
    chain_result res;
    ck_assert_int_eq(chain_add_block(f.c, &res, future, g_time + 10000 - 7201),
                     REASON_BLOCK_TIME_TOO_NEW);
    chain_result_clear(&res);
    ck_assert(!chain_is_known_invalid(f.c, block_id(future)));
    /* Later, at the boundary, the same block is fine. */
    ck_assert_int_eq(chain_add_block(f.c, &res, future, g_time + 10000 - 7200), REASON_OK);
    ck_assert_int_eq(res.outcome, CHAIN_OUTCOME_TIP);
    chain_result_clear(&res);
    block_unref(future);
    /* Median of 11: after 11 blocks the median is the 6th most recent time. */
    fx f2;
    fx_init(&f2);
    block *prev = block_ref(f2.genesis);
    for (uint32_t h = 1; h <= 11; h++) {
        block *b = fx_mine(&f2, prev, h, NULL, 0, 0);
        fx_expect(f2.c, block_ref(b), CHAIN_OUTCOME_TIP, REASON_OK);
        block_unref(prev);
        prev = b;
    }
    uint32_t median = chain_entry_median_time(chain_tip(f2.c));
    ck_assert_uint_eq(median, g_time + 60 * 6);
    s = fx_spec(&f2, prev, 12);
    s.time = median;
    expect_reject(&f2, fx_build(&f2, &s, NULL, 0), REASON_BLOCK_TIME_TOO_OLD);
    s.time = median + 1; /* earlier than its parent, but after the median: fine */
    fx_expect(f2.c, fx_build(&f2, &s, NULL, 0), CHAIN_OUTCOME_TIP, REASON_OK);
    block_unref(prev);
    fx_free(&f2);
    fx_free(&f);
}
END_TEST

START_TEST(rejects_overflowing_amounts)
{
    chain_params p;
    chain_params_default(&p);
    p.block_reward = TX_MAX_MONEY;
    fx f;
    fx_init_params(&f, &p);
    block *b1 = fx_mine(&f, f.genesis, 1, NULL, 0, 0);
    block *b2 = fx_mine(&f, b1, 2, NULL, 0, 0);
    fx_expect(f.c, block_ref(b1), CHAIN_OUTCOME_TIP, REASON_OK);
    fx_expect(f.c, block_ref(b2), CHAIN_OUTCOME_TIP, REASON_OK);
    /* Two coins of TX_MAX_MONEY each: their sum is beyond the money limit. */
    tx_in ins[2];
    memset(ins, 0, sizeof ins);
    ins[0].prev_txid = *tx_id(block_tx(b1, 0));
    ins[1].prev_txid = *tx_id(block_tx(b2, 0));
    tx_out out = {.amount = 1};
    const keys_pair *signers[2] = {f.keys[0], f.keys[0]};
    tx *sum;
    ck_assert_int_eq(tx_new_signed(&sum, ins, 2, &out, 1, signers), 0);
    expect_reject(&f, fx_mine(&f, b2, 3, &sum, 1, 0), REASON_TX_INPUT_OVERFLOW);
    /* An output above the limit, and outputs whose sum is. */
    tx_out big[2] = {{.amount = TX_MAX_MONEY + 1}, {.amount = 0}};
    tx *over;
    ck_assert_int_eq(tx_new_signed(&over, ins, 1, big, 1, signers), 0);
    expect_reject(&f, fx_mine(&f, b2, 3, &over, 1, 0), REASON_TX_AMOUNT_RANGE);
    tx_unref(over);
    big[0].amount = TX_MAX_MONEY;
    big[1].amount = 1;
    ck_assert_int_eq(tx_new_signed(&over, ins, 1, big, 2, signers), 0);
    expect_reject(&f, fx_mine(&f, b2, 3, &over, 1, 0), REASON_TX_AMOUNT_RANGE);
    tx_unref(over);
    /* Outputs worth more than the inputs. */
    tx *more = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 2, 10, 0);
    tx_out outs[2] = {*tx_output(more, 0), *tx_output(more, 1)};
    outs[1].amount++;
    tx_in in = *tx_input(more, 0);
    const keys_pair *signer = f.keys[1];
    tx *inflate;
    ck_assert_int_eq(tx_new_signed(&inflate, &in, 1, outs, 2, &signer), 0);
    expect_reject(&f, fx_mine(&f, b2, 3, &inflate, 1, 0), REASON_TX_OUTPUTS_EXCEED_INPUTS);
    tx_unref(more);
    tx_unref(inflate);
    tx_unref(sum);
    block_unref(b1);
    block_unref(b2);
    fx_free(&f);
}
END_TEST

START_TEST(rejects_bad_coinbase_and_structure)
{
    fx f;
    fx_init(&f);
    fx_block_spec s = fx_spec(&f, f.genesis, 1);
    s.coinbase_height = 2;
    expect_reject(&f, fx_build(&f, &s, NULL, 0), REASON_BLOCK_BAD_COINBASE_HEIGHT);
    /* A second coinbase. */
    tx *cb2;
    tx_out out = {.amount = 1};
    ck_assert_int_eq(tx_new_coinbase(&cb2, 1, 5, &out, 1), 0);
    expect_reject(&f, fx_mine(&f, f.genesis, 1, &cb2, 1, 0), REASON_BLOCK_EXTRA_COINBASE);
    /* No transactions, and a block whose first transaction is no coinbase. */
    tx *pay = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 2, 10, 0);
    block_header h;
    memset(&h, 0, sizeof h);
    h.version = 0x20000000;
    h.prev_id = *block_id(f.genesis);
    h.time = block_header_of(f.genesis)->time + 1;
    h.bits = block_header_of(f.genesis)->bits;
    fx_grind(&h, 1);
    block *empty;
    ck_assert_int_eq(block_new(&empty, &h, NULL, NULL, 0), 0);
    expect_reject(&f, empty, REASON_BLOCK_NO_TXS);
    ck_assert_int_eq(block_merkle_root(&h.merkle_root, &pay, 1), 0);
    fx_grind(&h, 1);
    block *nocb;
    ck_assert_int_eq(block_new(&nocb, &h, NULL, &pay, 1), 0);
    expect_reject(&f, nocb, REASON_BLOCK_FIRST_NOT_COINBASE);
    /* Transaction shapes inside a block. */
    tx_in ins[2] = {*tx_input(pay, 0), *tx_input(pay, 0)};
    tx_out outs[1] = {*tx_output(pay, 0)};
    tx *shape;
    ck_assert_int_eq(tx_new(&shape, TX_VERSION, ins, 2, outs, 1), 0);
    expect_reject(&f, fx_mine(&f, f.genesis, 1, &shape, 1, 0), REASON_TX_DUPLICATE_INPUT);
    tx_unref(shape);
    ck_assert_int_eq(tx_new(&shape, TX_VERSION, ins, 0, outs, 1), 0);
    expect_reject(&f, fx_mine(&f, f.genesis, 1, &shape, 1, 0), REASON_TX_NO_INPUTS);
    tx_unref(shape);
    ck_assert_int_eq(tx_new(&shape, TX_VERSION, ins, 1, outs, 0), 0);
    expect_reject(&f, fx_mine(&f, f.genesis, 1, &shape, 1, 0), REASON_TX_NO_OUTPUTS);
    tx_unref(shape);
    ins[0].prev_index = TX_COINBASE_INDEX;
    ck_assert_int_eq(tx_new(&shape, TX_VERSION, ins, 2, outs, 1), 0);
    expect_reject(&f, fx_mine(&f, f.genesis, 1, &shape, 1, 0), REASON_TX_NULL_INPUT);
    tx_unref(shape);
    /* A PoS-flagged block on a PoW chain. */
    block_pos pos;
    memset(&pos, 0, sizeof pos);
    tx *cb;
    ck_assert_int_eq(tx_new_coinbase(&cb, 1, 0, &out, 1), 0);
    h.version = 0x20000000 | BLOCK_VERSION_POS;
    ck_assert_int_eq(block_merkle_root(&h.merkle_root, &cb, 1), 0);
    block *posb;
    ck_assert_int_eq(block_new(&posb, &h, &pos, &cb, 1), 0);
    expect_reject(&f, posb, REASON_BLOCK_BAD_KIND);
    tx_unref(cb);
    tx_unref(cb2);
    tx_unref(pay);
    fx_free(&f);
}
END_TEST

/* ---- consensus hooks ---- */

struct hook_state {
    int calls;
    uint32_t bits;
};

static uint32_t fixed_bits(void *ctx, const chain_entry *parent)
{
    struct hook_state *st = ctx;
    (void)parent;
    st->calls++;
    return st->bits;
}

static reason proof_by_slot(void *ctx, const chain_entry *parent, const block *b, char *msg,
                            size_t msg_len)
{
    (void)ctx;
    const block_pos *pos = block_pos_of(b);
    if (pos == NULL || pos->slot <= chain_entry_height(parent)) {
        snprintf(msg, msg_len, "slot not after parent");
        return REASON_BLOCK_BAD_PROOF;
    }
    return REASON_OK;
}

START_TEST(expected_bits_hook_decides_difficulty)
{
    struct hook_state st = {0, 0x207ffffe};
    chain_params p;
    chain_params_default(&p);
    p.expected_bits = fixed_bits;
    p.hook_ctx = &st;
    fx f;
    fx_init_params(&f, &p);
    expect_reject(&f, fx_mine(&f, f.genesis, 1, NULL, 0, 0), REASON_BLOCK_BAD_BITS);
    ck_assert_int_ge(st.calls, 1);
    fx_block_spec s = fx_spec(&f, f.genesis, 1);
    s.bits = 0x207ffffe;
    fx_expect(f.c, fx_build(&f, &s, NULL, 0), CHAIN_OUTCOME_TIP, REASON_OK);
    fx_free(&f);
}
END_TEST

START_TEST(default_difficulty_follows_bitcoin_retarget)
{
    chain_params p;
    chain_params_default(&p);
    p.genesis_bits = 0x1f7fffff; /* ~512 hashes a block */
    p.retarget_blocks = 4;
    p.target_spacing_s = 60;
    fx f;
    fx_init_params(&f, &p);
    block *prev = block_ref(f.genesis);
    for (uint32_t h = 1; h <= 3; h++) {
        fx_block_spec s = fx_spec(&f, prev, h);
        s.time = block_header_of(prev)->time + 45; /* faster than the 60 s target */
        block *b = fx_build(&f, &s, NULL, 0);
        fx_expect(f.c, block_ref(b), CHAIN_OUTCOME_TIP, REASON_OK);
        block_unref(prev);
        prev = b;
    }
    /* Height 4 retargets: timespan 3 * 45 s against 4 * 60 s. */
    u256 limit;
    uint32_t want;
    ck_assert_int_eq(target_from_compact(&limit, p.pow_limit_bits), TARGET_OK);
    ck_assert_int_eq(pow_next_bits(&want, 4, 0x1f7fffff, block_header_of(f.genesis)->time,
                                   block_header_of(prev)->time, 4, 60, &limit),
                     POW_OK);
    ck_assert_uint_ne(want, 0x1f7fffff);
    fx_block_spec s = fx_spec(&f, prev, 4);
    expect_reject(&f, fx_build(&f, &s, NULL, 0), REASON_BLOCK_BAD_BITS);
    s.bits = want;
    fx_expect(f.c, fx_build(&f, &s, NULL, 0), CHAIN_OUTCOME_TIP, REASON_OK);
    ck_assert_uint_eq(block_header_of(chain_entry_block(chain_tip(f.c)))->bits, want);
    block_unref(prev);
    fx_free(&f);
}
END_TEST

/* The run shares what it found about a block's body and header (see
 * struct block_run in core/chain.c), but never the rule on future times,
 * which depends on each node's clock, and never a failure. */
START_TEST(header_verdict_shared_but_not_the_clock)
{
    fx f;
    fx_init(&f);
    uint32_t g_time = block_header_of(f.genesis)->time;
    fx_block_spec s = fx_spec(&f, f.genesis, 1);
    s.time = g_time + 10000;
    block *b = fx_build(&f, &s, NULL, 0);
    chain_result res;
    /* The first chain, whose clock is late enough, accepts it... */
    ck_assert_int_eq(chain_add_block(f.c, &res, b, g_time + 10000), REASON_OK);
    ck_assert_int_eq(res.outcome, CHAIN_OUTCOME_TIP);
    chain_result_clear(&res);
    /* ...another chain of the run, one second too early, still refuses it
     * as too new and does not remember it as invalid... */
    chain *second = fx_new_chain(&f);
    ck_assert_int_eq(chain_add_block(second, &res, b, g_time + 10000 - 7201),
                     REASON_BLOCK_TIME_TOO_NEW);
    ck_assert_msg(strstr(res.message, "now") != NULL, "%s", res.message);
    chain_result_clear(&res);
    ck_assert(!chain_is_known_invalid(second, block_id(b)));
    /* ...and takes it when its clock gets there. */
    ck_assert_int_eq(chain_add_block(second, &res, b, g_time + 10000 - 7200), REASON_OK);
    ck_assert_int_eq(res.outcome, CHAIN_OUTCOME_TIP);
    chain_result_clear(&res);
    /* A block that failed its header check at one chain fails at every chain
     * of the run, each time for the same reason (a failure is not shared as
     * a pass). */
    fx_block_spec old = fx_spec(&f, f.genesis, 1);
    old.time = g_time;
    old.extra_nonce = 7;
    block *stale = fx_build(&f, &old, NULL, 0);
    ck_assert_int_eq(chain_add_block(f.c, &res, stale, g_time + 100), REASON_BLOCK_TIME_TOO_OLD);
    chain_result_clear(&res);
    chain *third = fx_new_chain(&f);
    ck_assert_int_eq(chain_add_block(third, &res, stale, g_time + 100), REASON_BLOCK_TIME_TOO_OLD);
    chain_result_clear(&res);
    chain_free(third);
    chain_free(second);
    block_unref(stale);
    block_unref(b);
    fx_free(&f);
}
END_TEST

START_TEST(connect_result_is_shared_within_a_run)
{
    fx f;
    fx_init(&f);
    tx *pay = fx_spend(&f, fx_genesis_tx(&f), 1, 1, 2, 10, 1);
    block *b1 = fx_mine(&f, f.genesis, 1, &pay, 1, 0);
    ck_assert_ptr_null(chain_shared_utxo(b1, f.cache));
    fx_expect(f.c, block_ref(b1), CHAIN_OUTCOME_TIP, REASON_OK);
    ck_assert_ptr_nonnull(chain_shared_utxo(b1, f.cache));
    ck_assert_ptr_null(
        chain_shared_utxo(b1, (const sigcache *)&f)); /* another run's tag sees nothing */
    uint64_t hits, misses, hits2, misses2;
    sigcache_stats(f.cache, &hits, &misses);
    chain *second = fx_new_chain(&f);
    fx_expect(second, block_ref(b1), CHAIN_OUTCOME_TIP, REASON_OK);
    sigcache_stats(f.cache, &hits2, &misses2);
    ck_assert_uint_eq(hits2 + misses2, hits + misses); /* no signature looked at */
    hash256 d1, d2;
    fx_digest(f.c, &d1);
    fx_digest(second, &d2);
    ck_assert(hash_eq(&d1, &d2));
    /* A reorg away and back through the shared sets. */
    block *c1 = fx_mine(&f, f.genesis, 1, NULL, 0, 5);
    block *c2 = fx_mine(&f, c1, 2, NULL, 0, 5);
    fx_expect(second, block_ref(c1), CHAIN_OUTCOME_SIDE, REASON_OK);
    fx_expect(second, block_ref(c2), CHAIN_OUTCOME_TIP, REASON_OK);
    tx_outpoint spent = {*tx_id(fx_genesis_tx(&f)), 1};
    ck_assert_ptr_nonnull(utxo_get(chain_utxo(second), &spent));
    ck_assert_uint_eq(utxo_get(chain_utxo(second), &spent)->amount, FX_FUNDS);
    /* A chain without the run's cache validates in full and agrees. */
    chain *alone;
    ck_assert_int_eq(chain_new(&alone, &f.params, f.genesis, NULL), 0);
    fx_expect(alone, block_ref(b1), CHAIN_OUTCOME_TIP, REASON_OK);
    fx_digest(alone, &d2);
    ck_assert(hash_eq(&d1, &d2));
    /* A block that fails never gets a shared result. */
    tx *forged = fx_spend(&f, fx_genesis_tx(&f), 2, 3, 3, 10, 0);
    block *bad = fx_mine(&f, b1, 2, &forged, 1, 0);
    expect_reject(&f, block_ref(bad), REASON_TX_BAD_SIGNATURE);
    ck_assert_ptr_null(chain_shared_utxo(bad, f.cache));
    chain_free(alone);
    chain_free(second);
    block_unref(bad);
    block_unref(b1);
    block_unref(c1);
    block_unref(c2);
    tx_unref(pay);
    tx_unref(forged);
    fx_free(&f);
}
END_TEST

static block *pos_block(const block *parent, uint32_t height, uint64_t slot)
{
    tx_out out = {.amount = 1};
    tx *cb;
    ck_assert_int_eq(tx_new_coinbase(&cb, height, slot, &out, 1), 0);
    block_header h;
    memset(&h, 0, sizeof h);
    h.version = BLOCK_VERSION_POS | 1;
    h.prev_id = *block_id(parent);
    h.time = block_header_of(parent)->time + 1;
    h.bits = block_header_of(parent)->bits;
    ck_assert_int_eq(block_merkle_root(&h.merkle_root, &cb, 1), 0);
    block_pos pos;
    memset(&pos, 0, sizeof pos);
    pos.slot = slot;
    block *b;
    ck_assert_int_eq(block_new(&b, &h, &pos, &cb, 1), 0);
    tx_unref(cb);
    return b;
}

START_TEST(pos_chain_uses_proof_hook_and_longest_chain)
{
    chain_params p;
    chain_params_default(&p);
    p.consensus = CHAIN_POS;
    p.check_proof = proof_by_slot;
    p.genesis_bits = 0x1d00ffff; /* would be hard PoW: proves PoW is not checked */
    fx f;
    fx_init_params(&f, &p);
    ck_assert_ptr_nonnull(block_pos_of(f.genesis));
    expect_reject(&f, pos_block(f.genesis, 1, 0), REASON_BLOCK_BAD_PROOF);
    block *a1 = pos_block(f.genesis, 1, 1);
    block *b1 = pos_block(f.genesis, 1, 2);
    block *b2 = pos_block(b1, 2, 3);
    fx_expect(f.c, block_ref(a1), CHAIN_OUTCOME_TIP, REASON_OK);
    fx_expect(f.c, block_ref(b1), CHAIN_OUTCOME_SIDE, REASON_OK);
    fx_expect(f.c, block_ref(b2), CHAIN_OUTCOME_TIP, REASON_OK);
    u256 two;
    u256_from_u64(&two, 3); /* genesis + 2 blocks, one unit each */
    ck_assert_int_eq(u256_cmp(chain_entry_work(chain_tip(f.c)), &two), 0);
    block_unref(a1);
    block_unref(b1);
    block_unref(b2);
    fx_free(&f);
}
END_TEST

/* Offers b, expects outcome and refused depth, and returns the result's
 * reorg depth; releases the caller's reference. */
static size_t offer(chain *c, block *b, chain_outcome outcome, size_t refused)
{
    chain_result res;
    ck_assert_int_eq(fx_add(c, &res, b), REASON_OK);
    ck_assert_int_eq(res.outcome, outcome);
    ck_assert_uint_eq(res.refused_depth, refused);
    size_t depth = res.reorg_depth;
    chain_result_clear(&res);
    block_unref(b);
    return depth;
}

/* Praos's rule with k = 2: a reorg disconnecting 2 blocks is taken, one
 * disconnecting 3 is refused however long the branch grows (it stays a side
 * branch), blocks extending the active chain still become tips, and the
 * final height only grows. Without a limit the same blocks reorganise. */
START_TEST(rollback_limit_takes_depth_k_refuses_k_plus_1)
{
    chain_params p;
    chain_params_default(&p);
    p.consensus = CHAIN_POS;
    p.check_proof = proof_by_slot;
    p.max_rollback = 2;
    fx f;
    fx_init_params(&f, &p);
    chain_params unlimited = p;
    unlimited.max_rollback = 0;
    chain *free_chain;
    ck_assert_int_eq(chain_new(&free_chain, &unlimited, f.genesis, NULL), 0);
    block *a[5], *bb[4], *cc[5];
    a[0] = block_ref(f.genesis);
    for (uint32_t h = 1; h <= 4; h++)
        a[h] = pos_block(a[h - 1], h, h);
    for (uint32_t h = 1; h <= 4; h++) {
        ck_assert_uint_eq(offer(f.c, block_ref(a[h]), CHAIN_OUTCOME_TIP, 0), 0);
        ck_assert_uint_eq(offer(free_chain, block_ref(a[h]), CHAIN_OUTCOME_TIP, 0), 0);
    }
    ck_assert_uint_eq(chain_final_height(f.c), 2);
    ck_assert_uint_eq(chain_final_height(free_chain), 0);
    /* Branch b forks after a2: switching at b5 disconnects a3, a4 (= k). */
    bb[0] = block_ref(a[2]);
    for (uint32_t i = 1; i <= 3; i++)
        bb[i] = pos_block(bb[i - 1], 2 + i, 10 + i);
    offer(f.c, block_ref(bb[1]), CHAIN_OUTCOME_SIDE, 0);
    offer(f.c, block_ref(bb[2]), CHAIN_OUTCOME_SIDE, 0);
    ck_assert_uint_eq(offer(f.c, block_ref(bb[3]), CHAIN_OUTCOME_TIP, 0), 2);
    ck_assert_ptr_eq(tip_block(f.c), bb[3]);
    ck_assert_uint_eq(chain_final_height(f.c), 3);
    /* Branch c also forks after a2: switching would disconnect b3, b4, b5
     * (k + 1). Refused at c6 (more work) and again at c7; both kept. */
    cc[0] = block_ref(a[2]);
    for (uint32_t i = 1; i <= 4; i++)
        cc[i] = pos_block(cc[i - 1], 2 + i, 20 + i);
    offer(f.c, block_ref(cc[1]), CHAIN_OUTCOME_SIDE, 0);
    offer(f.c, block_ref(cc[2]), CHAIN_OUTCOME_SIDE, 0);
    offer(f.c, block_ref(cc[3]), CHAIN_OUTCOME_SIDE, 0); /* equal work: first seen stays */
    offer(f.c, block_ref(cc[4]), CHAIN_OUTCOME_SIDE, 3);
    ck_assert_ptr_eq(tip_block(f.c), bb[3]);
    ck_assert_uint_eq(chain_height(f.c), 5);
    ck_assert_ptr_nonnull(chain_lookup(f.c, block_id(cc[4])));
    ck_assert_uint_eq(chain_reorg_depth(f.c, chain_lookup(f.c, block_id(cc[4]))), 3);
    block *c7 = pos_block(cc[4], 7, 30);
    offer(f.c, block_ref(c7), CHAIN_OUTCOME_SIDE, 3);
    ck_assert_ptr_eq(tip_block(f.c), bb[3]);
    /* The active chain is intact: genesis, a1, a2, b3, b4, b5. */
    const block *want[] = {f.genesis, a[1], a[2], bb[1], bb[2], bb[3]};
    for (uint32_t h = 0; h <= 5; h++)
        ck_assert(hash_eq(chain_entry_id(chain_at_height(f.c, h)), block_id(want[h])));
    ck_assert(!chain_is_active(f.c, chain_lookup(f.c, block_id(c7))));
    /* A block extending the active chain still wins, though c7 is longer. */
    block *b6 = pos_block(bb[3], 6, 31);
    ck_assert_uint_eq(offer(f.c, block_ref(b6), CHAIN_OUTCOME_TIP, 0), 0);
    ck_assert_ptr_eq(tip_block(f.c), b6);
    ck_assert_uint_eq(chain_final_height(f.c), 4);
    /* The same blocks without a limit: c7 takes over (depth 3). */
    for (uint32_t i = 1; i <= 3; i++)
        offer(free_chain, block_ref(bb[i]), i < 3 ? CHAIN_OUTCOME_SIDE : CHAIN_OUTCOME_TIP, 0);
    for (uint32_t i = 1; i <= 3; i++)
        offer(free_chain, block_ref(cc[i]), CHAIN_OUTCOME_SIDE, 0);
    ck_assert_uint_eq(offer(free_chain, block_ref(cc[4]), CHAIN_OUTCOME_TIP, 0), 3);
    ck_assert_ptr_eq(chain_entry_block(chain_tip(free_chain)), cc[4]);
    chain_free(free_chain);
    for (int i = 0; i < 5; i++)
        block_unref(a[i]);
    for (int i = 0; i < 4; i++)
        block_unref(bb[i]);
    for (int i = 0; i < 5; i++)
        block_unref(cc[i]);
    block_unref(c7);
    block_unref(b6);
    fx_free(&f);
}
END_TEST

START_TEST(queries_on_a_forked_tree)
{
    fx f;
    fx_init(&f);
    block *a[5], *b[3];
    build_branch(&f, a, f.genesis, 1, 5, 1, 2);
    build_branch(&f, b, a[1], 3, 3, 2, 3); /* b forks after a[1] (height 2) */
    for (int i = 0; i < 5; i++)
        fx_expect(f.c, block_ref(a[i]), CHAIN_OUTCOME_TIP, REASON_OK);
    for (int i = 0; i < 3; i++)
        fx_expect(f.c, block_ref(b[i]), CHAIN_OUTCOME_SIDE, REASON_OK);
    const chain_entry *tip = chain_tip(f.c), *eb = chain_lookup(f.c, block_id(b[2]));
    ck_assert_uint_eq(chain_entry_height(tip), 5);
    ck_assert_uint_eq(chain_entry_height(eb), 5);
    ck_assert_ptr_eq(chain_common_ancestor(tip, eb), chain_lookup(f.c, block_id(a[1])));
    ck_assert_uint_eq(chain_reorg_depth(f.c, eb), 3);
    ck_assert_uint_eq(chain_reorg_depth(f.c, tip), 0);
    ck_assert_ptr_eq(chain_entry_ancestor(eb, 2), chain_at_height(f.c, 2));
    ck_assert_ptr_null(chain_entry_ancestor(eb, 6));
    ck_assert_ptr_eq(chain_entry_parent(chain_genesis(f.c)), NULL);
    ck_assert(chain_is_active(f.c, chain_at_height(f.c, 3)));
    ck_assert(!chain_is_active(f.c, eb));
    ck_assert_ptr_null(chain_lookup(f.c, tx_id(block_tx(a[0], 0)) /* not a block id */));
    ck_assert_uint_gt(chain_memory(f.c), 0);
    for (int i = 0; i < 5; i++)
        block_unref(a[i]);
    for (int i = 0; i < 3; i++)
        block_unref(b[i]);
    fx_free(&f);
}
END_TEST

/* The chains of a run share one block index: an entry per block id, the
 * same pointer at every chain, while what a chain has seen, in which
 * order, and what it found invalid stay its own. */
START_TEST(block_index_shared_state_per_chain)
{
    fx f;
    fx_init(&f);
    chain *second = fx_new_chain(&f);
    block *a1 = fx_mine(&f, f.genesis, 1, NULL, 0, 1);
    block *b1 = fx_mine(&f, f.genesis, 1, NULL, 0, 2);
    /* Equal work: each chain keeps the block it saw first. */
    fx_expect(f.c, block_ref(a1), CHAIN_OUTCOME_TIP, REASON_OK);
    fx_expect(f.c, block_ref(b1), CHAIN_OUTCOME_SIDE, REASON_OK);
    fx_expect(second, block_ref(b1), CHAIN_OUTCOME_TIP, REASON_OK);
    fx_expect(second, block_ref(a1), CHAIN_OUTCOME_SIDE, REASON_OK);
    ck_assert_ptr_eq(tip_block(f.c), a1);
    ck_assert_ptr_eq(tip_block(second), b1);
    ck_assert_ptr_eq(chain_lookup(f.c, block_id(a1)), chain_lookup(second, block_id(a1)));
    ck_assert_ptr_eq(chain_lookup(f.c, block_id(b1)), chain_lookup(second, block_id(b1)));
    ck_assert_ptr_eq(chain_genesis(f.c), chain_genesis(second));
    ck_assert_uint_eq(chain_index_count(f.index), 3);
    /* Invalid at the chain that connected it, unknown at the other. */
    tx *wrong = fx_spend(&f, fx_genesis_tx(&f), 1, 3, 2, 10, 0);
    block *bad = fx_mine(&f, a1, 2, &wrong, 1, 0);
    expect_reject(&f, block_ref(bad), REASON_TX_BAD_SIGNATURE);
    ck_assert(chain_is_known_invalid(f.c, block_id(bad)));
    ck_assert(chain_knows_block(f.c, block_id(bad)));
    ck_assert(!chain_is_known_invalid(second, block_id(bad)));
    ck_assert(!chain_knows_block(second, block_id(bad)));
    ck_assert_uint_eq(chain_index_count(f.index), 4);
    chain_result res;
    ck_assert_int_eq(fx_add(second, &res, bad), REASON_TX_BAD_SIGNATURE);
    chain_result_clear(&res);
    ck_assert(chain_is_known_invalid(second, block_id(bad)));
    /* A block only the second chain has, then an orphan at the first. */
    block *b2 = fx_mine(&f, b1, 2, NULL, 0, 3);
    block *b3 = fx_mine(&f, b2, 3, NULL, 0, 3);
    fx_expect(second, block_ref(b2), CHAIN_OUTCOME_TIP, REASON_OK);
    ck_assert_ptr_null(chain_lookup(f.c, block_id(b2)));
    ck_assert(!chain_knows_block(f.c, block_id(b2)));
    fx_expect(f.c, block_ref(b3), CHAIN_OUTCOME_ORPHAN, REASON_OK);
    ck_assert(chain_knows_block(f.c, block_id(b3)));
    ck_assert_ptr_null(chain_lookup(f.c, block_id(b3)));
    ck_assert(!chain_knows_block(second, block_id(b3)));
    fx_expect(f.c, block_ref(b2), CHAIN_OUTCOME_TIP, REASON_OK);
    ck_assert_ptr_eq(tip_block(f.c), b3);
    ck_assert_ptr_eq(chain_entry_parent(chain_tip(f.c)), chain_tip(second));
    ck_assert_uint_eq(chain_block_count(f.c), 5);
    ck_assert_uint_eq(chain_block_count(second), 4);
    ck_assert_uint_eq(chain_index_count(f.index), 6);
    /* A chain of its own index has entries of its own. */
    chain *alone = chain_alone(&f);
    ck_assert_ptr_ne(chain_genesis(alone), chain_genesis(f.c));
    ck_assert_uint_eq(chain_index_count(f.index), 6);
    chain_free(alone);
    chain_free(second);
    block_unref(a1);
    block_unref(b1);
    block_unref(b2);
    block_unref(b3);
    block_unref(bad);
    tx_unref(wrong);
    fx_free(&f);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("chain");
    TCase *tc = tcase_create("chain");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, genesis_is_deterministic_and_funds_wallets);
    tcase_add_test(tc, extend_spend_and_duplicate);
    tcase_add_test(tc, orphans_wait_for_their_parent);
    tcase_add_test(tc, orphan_pool_is_bounded_oldest_first);
    tcase_add_test(tc, tie_keeps_first_seen_then_reorg_depth_1);
    tcase_add_test(tc, reorg_depth_20_matches_fresh_node_both_ways);
    tcase_add_test(tc, utxo_sets_are_shared_by_the_chains_of_a_run);
    tcase_add_test(tc, invalid_side_branch_is_dropped_when_it_would_win);
    tcase_add_test(tc, rejects_bad_signature);
    tcase_add_test(tc, rejects_double_spend_inside_block);
    tcase_add_test(tc, rejects_double_spend_across_blocks);
    tcase_add_test(tc, rejects_missing_input);
    tcase_add_test(tc, rejects_wrong_merkle_root);
    tcase_add_test(tc, rejects_insufficient_work_and_wrong_bits);
    tcase_add_test(tc, rejects_excess_coinbase_allows_reward_plus_fees);
    tcase_add_test(tc, rejects_oversize_block);
    tcase_add_test(tc, rejects_bad_timestamps);
    tcase_add_test(tc, rejects_overflowing_amounts);
    tcase_add_test(tc, rejects_bad_coinbase_and_structure);
    tcase_add_test(tc, expected_bits_hook_decides_difficulty);
    tcase_add_test(tc, pos_chain_uses_proof_hook_and_longest_chain);
    tcase_add_test(tc, default_difficulty_follows_bitcoin_retarget);
    tcase_add_test(tc, connect_result_is_shared_within_a_run);
    tcase_add_test(tc, header_verdict_shared_but_not_the_clock);
    tcase_add_test(tc, rollback_limit_takes_depth_k_refuses_k_plus_1);
    tcase_add_test(tc, queries_on_a_forked_tree);
    tcase_add_test(tc, block_index_shared_state_per_chain);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
