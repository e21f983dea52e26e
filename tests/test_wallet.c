/* Wallets: keys derived from the run seed (the same seed gives the same
 * keys, the genesis outputs pay them in wallet order), coins learned by
 * scanning the host node's chain and only that node's, payments that spend
 * coins really unspent on the chain (oldest first, change back to the payer,
 * the fee left out of the outputs) and that the chain accepts, pending coins
 * kept out of the next payment until released or retried, and each refusal
 * with its code: no funds (amount plus fee above the free coins) and bad
 * amounts (zero, above the money limit, fee overflowing). */
#include "ledger_fixture.h"
#include "wallet.h"

#include "hash.h"
#include "keys.h"

#define SEED 42
#define N_WALLETS 3
#define N_NODES 2 /* wallets 0 and 2 live on node 0, wallet 1 on node 1 */
#define COINS 3
#define COIN 100
#define SEC 1000000000LL
#define RETRY_NS (600 * SEC) /* a pending coin is tried again after this */

/* A chain whose genesis funds the wallets (3 coins of 100 each); blocks are
 * mined with the ledger fixture (coinbase to a key that is no wallet's). */
typedef struct wfx {
    fx f;
    wallet_set *ws;
} wfx;

static void wfx_init(wfx *t)
{
    fx_init(&t->f);
    ck_assert_int_eq(wallet_set_new(&t->ws, N_WALLETS, SEED, N_NODES, COINS, COIN), 0);
    size_t n;
    t->f.params.genesis_outputs = wallet_genesis_outputs(t->ws, &n);
    t->f.params.n_genesis_outputs = n;
    chain_free(t->f.c);
    block_unref(t->f.genesis);
    ck_assert_int_eq(chain_genesis_new(&t->f.genesis, &t->f.params), 0);
    ck_assert_int_eq(chain_new(&t->f.c, &t->f.params, t->f.genesis, t->f.cache), 0);
}

static void wfx_free(wfx *t)
{
    wallet_set_free(t->ws);
    fx_free(&t->f);
}

static void scan_all(wfx *t)
{
    for (uint32_t n = 0; n < N_NODES; n++)
        ck_assert_int_eq(wallet_scan(t->ws, n, t->f.c), 0);
}

static const hash256 *genesis_txid(wfx *t)
{
    return tx_id(fx_genesis_tx(&t->f));
}

/* Asserts input i of x spends genesis output `index`. */
static void assert_spends_genesis(wfx *t, const tx *x, size_t i, uint32_t index)
{
    const tx_in *in = tx_input(x, i);
    ck_assert_msg(hash_eq(&in->prev_txid, genesis_txid(t)), "input %zu: not a genesis coin", i);
    ck_assert_uint_eq(in->prev_index, index);
}

static void assert_output(const tx *x, size_t i, uint64_t amount, const uint8_t *owner)
{
    ck_assert_uint_eq(tx_output(x, i)->amount, amount);
    ck_assert_mem_eq(tx_output(x, i)->owner, owner, KEYS_PUB_BYTES);
}

static uint64_t in_sum(wfx *t, const tx *x)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < tx_n_in(x); i++) {
        const tx_in *in = tx_input(x, i);
        ck_assert(hash_eq(&in->prev_txid, genesis_txid(t)));
        sum += tx_output(fx_genesis_tx(&t->f), in->prev_index)->amount;
    }
    return sum;
}

static uint64_t out_sum(const tx *x)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < tx_n_out(x); i++)
        sum += tx_output(x, i)->amount;
    return sum;
}

/* Mines a block on the tip holding x and checks that the chain takes it. */
static void confirm(wfx *t, tx *x)
{
    const chain_entry *tip = chain_tip(t->f.c);
    block *b = fx_mine(&t->f, chain_entry_block(tip), chain_entry_height(tip) + 1, &x, 1, 0);
    fx_expect(t->f.c, b, CHAIN_OUTCOME_TIP, REASON_OK);
}

START_TEST(keys_come_from_the_seed)
{
    wfx t;
    wfx_init(&t);
    ck_assert_uint_eq(wallet_count(t.ws), N_WALLETS);
    for (uint32_t w = 0; w < N_WALLETS; w++) {
        uint8_t seed[KEYS_SEED_BYTES];
        keys_derive_seed(seed, SEED, "wallet", w);
        keys_pair *k;
        ck_assert_int_eq(keys_pair_new(&k, seed), 0);
        ck_assert_mem_eq(wallet_public(t.ws, w), keys_pair_public(k), KEYS_PUB_BYTES);
        ck_assert_uint_eq(wallet_find(t.ws, keys_pair_public(k)), w);
        ck_assert_uint_eq(wallet_host(t.ws, w), w % N_NODES);
        keys_pair_free(k);
    }
    /* Wallet 0 of seed 42, computed outside the project (Python's
     * cryptography package): the Ed25519 public key (RFC 8032) of the seed
     * SHA-256("chainsim-key\0wallet\0" || seed as 8 bytes little-endian ||
     * index as 8 bytes little-endian). */
    uint8_t want[KEYS_PUB_BYTES];
    testutil_unhex(want, sizeof want,
                   "d5b1e89409327e6b628086c3b5baf42d8577596b690676f25654a5942aa1b14d");
    ck_assert_mem_eq(wallet_public(t.ws, 0), want, KEYS_PUB_BYTES);
    /* A key that is no wallet's. */
    ck_assert_uint_eq(wallet_find(t.ws, keys_pair_public(t.f.keys[0])), UINT32_MAX);
    /* The genesis outputs: COINS coins of COIN for each wallet, in order. */
    size_t n;
    const tx_out *outs = wallet_genesis_outputs(t.ws, &n);
    ck_assert_uint_eq(n, N_WALLETS * COINS);
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq(outs[i].amount, COIN);
        ck_assert_mem_eq(outs[i].owner, wallet_public(t.ws, (uint32_t)(i / COINS)), KEYS_PUB_BYTES);
    }
    /* The same seed again gives the same keys; another seed other keys. */
    wallet_set *same, *other;
    ck_assert_int_eq(wallet_set_new(&same, N_WALLETS, SEED, N_NODES, COINS, COIN), 0);
    ck_assert_int_eq(wallet_set_new(&other, N_WALLETS, SEED + 1, N_NODES, COINS, COIN), 0);
    for (uint32_t w = 0; w < N_WALLETS; w++) {
        ck_assert_mem_eq(wallet_public(same, w), wallet_public(t.ws, w), KEYS_PUB_BYTES);
        ck_assert(memcmp(wallet_public(other, w), wallet_public(t.ws, w), KEYS_PUB_BYTES) != 0);
        for (uint32_t v = 0; v < w; v++)
            ck_assert(memcmp(wallet_public(t.ws, v), wallet_public(t.ws, w), KEYS_PUB_BYTES) != 0);
    }
    wallet_set_free(same);
    wallet_set_free(other);
    wfx_free(&t);
}
END_TEST

START_TEST(a_scan_teaches_the_host_s_wallets_only)
{
    wfx t;
    wfx_init(&t);
    ck_assert_uint_eq(wallet_balance(t.ws, 0, t.f.c), 0); /* nothing scanned yet */
    ck_assert_int_eq(wallet_scan(t.ws, 0, t.f.c), 0);
    ck_assert_uint_eq(wallet_balance(t.ws, 0, t.f.c), COINS * COIN);
    ck_assert_uint_eq(wallet_balance(t.ws, 2, t.f.c), COINS * COIN);
    ck_assert_uint_eq(wallet_balance(t.ws, 1, t.f.c), 0); /* its host is node 1 */
    tx *x = (tx *)1;
    ck_assert_int_eq(wallet_pay(t.ws, &x, 1, t.f.c, wallet_public(t.ws, 0), 10, 1, 0),
                     WALLET_NO_FUNDS);
    ck_assert_ptr_null(x);
    ck_assert_int_eq(wallet_scan(t.ws, 1, t.f.c), 0);
    ck_assert_uint_eq(wallet_balance(t.ws, 1, t.f.c), COINS * COIN);
    /* Scanning again, or a new chain object after wallet_forget_scan (a
     * restart), teaches nothing twice. */
    scan_all(&t);
    chain *again = fx_new_chain(&t.f);
    wallet_forget_scan(t.ws, 0);
    ck_assert_int_eq(wallet_scan(t.ws, 0, again), 0);
    ck_assert_uint_eq(wallet_balance(t.ws, 0, again), COINS * COIN);
    ck_assert_uint_eq(wallet_balance(t.ws, 0, t.f.c), COINS * COIN);
    chain_free(again);
    wfx_free(&t);
}
END_TEST

START_TEST(payment_with_change_is_accepted_by_the_chain)
{
    wfx t;
    wfx_init(&t);
    scan_all(&t);
    const uint8_t *to = wallet_public(t.ws, 1);
    tx *x = NULL;
    ck_assert_int_eq(wallet_pay(t.ws, &x, 0, t.f.c, to, 150, 10, 0), WALLET_OK);
    ck_assert_ptr_nonnull(x);
    /* Oldest coins first: genesis outputs 0 and 1 (200) for 150 + 10. */
    ck_assert_uint_eq(tx_n_in(x), 2);
    assert_spends_genesis(&t, x, 0, 0);
    assert_spends_genesis(&t, x, 1, 1);
    ck_assert_uint_eq(tx_n_out(x), 2);
    assert_output(x, 0, 150, to);
    assert_output(x, 1, 40, wallet_public(t.ws, 0));   /* change */
    ck_assert_uint_eq(in_sum(&t, x) - out_sum(x), 10); /* the fee */
    /* Real signatures over really unspent coins: the chain takes it. */
    confirm(&t, x);
    scan_all(&t);
    ck_assert_uint_eq(wallet_balance(t.ws, 0, t.f.c), COIN + 40);
    ck_assert_uint_eq(wallet_balance(t.ws, 1, t.f.c), COINS * COIN + 150);
    /* The next payment spends the coin left and the change, not the spent
     * coins, even once their pending time is over. */
    tx *y = NULL;
    ck_assert_int_eq(wallet_pay(t.ws, &y, 0, t.f.c, to, 130, 10, 2 * RETRY_NS), WALLET_OK);
    ck_assert_uint_eq(tx_n_in(y), 2);
    assert_spends_genesis(&t, y, 0, 2);
    ck_assert(hash_eq(&tx_input(y, 1)->prev_txid, tx_id(x)));
    ck_assert_uint_eq(tx_input(y, 1)->prev_index, 1);
    ck_assert_uint_eq(tx_n_out(y), 1); /* 100 + 40 = 130 + 10: no change */
    assert_output(y, 0, 130, to);
    confirm(&t, y);
    scan_all(&t);
    ck_assert_uint_eq(wallet_balance(t.ws, 0, t.f.c), 0);
    ck_assert_uint_eq(wallet_balance(t.ws, 1, t.f.c), COINS * COIN + 280);
    tx *z = (tx *)1;
    ck_assert_int_eq(wallet_pay(t.ws, &z, 0, t.f.c, to, 1, 0, 3 * RETRY_NS), WALLET_NO_FUNDS);
    ck_assert_ptr_null(z);
    tx_unref(x);
    tx_unref(y);
    wfx_free(&t);
}
END_TEST

START_TEST(amount_plus_fee_above_the_balance_is_refused)
{
    wfx t;
    wfx_init(&t);
    scan_all(&t);
    const uint8_t *to = wallet_public(t.ws, 2);
    tx *x = (tx *)1;
    ck_assert_int_eq(wallet_pay(t.ws, &x, 0, t.f.c, to, 301, 0, 0), WALLET_NO_FUNDS);
    ck_assert_ptr_null(x);
    x = (tx *)1;
    ck_assert_int_eq(wallet_pay(t.ws, &x, 0, t.f.c, to, 291, 10, 0), WALLET_NO_FUNDS);
    ck_assert_ptr_null(x);
    /* A refusal marks nothing pending: the whole balance can still go. */
    ck_assert_int_eq(wallet_pay(t.ws, &x, 0, t.f.c, to, 290, 10, 0), WALLET_OK);
    ck_assert_uint_eq(tx_n_in(x), 3);
    for (uint32_t i = 0; i < 3; i++)
        assert_spends_genesis(&t, x, i, i);
    ck_assert_uint_eq(tx_n_out(x), 1);
    assert_output(x, 0, 290, to);
    confirm(&t, x);
    tx_unref(x);
    wfx_free(&t);
}
END_TEST

START_TEST(bad_amounts_are_refused)
{
    wfx t;
    wfx_init(&t);
    const uint8_t *to = wallet_public(t.ws, 1);
    /* The amount is checked first: a wallet with nothing says so too. */
    tx *none = (tx *)1;
    ck_assert_int_eq(wallet_pay(t.ws, &none, 0, t.f.c, to, 0, 0, 0), WALLET_BAD_AMOUNT);
    ck_assert_ptr_null(none);
    scan_all(&t);
    struct {
        uint64_t amount, fee;
    } bad[] = {
        {0, 0},
        {0, 10},
        {TX_MAX_MONEY + 1, 0},
        {UINT64_MAX, 0},
        {TX_MAX_MONEY, 1},            /* amount + fee above the limit */
        {TX_MAX_MONEY - 5, 10},       /* the same, by the fee */
        {1, UINT64_MAX},              /* a sum that would wrap */
        {UINT64_MAX - 1, UINT64_MAX}, /* both huge */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tx *x = (tx *)1;
        ck_assert_msg(wallet_pay(t.ws, &x, 0, t.f.c, to, bad[i].amount, bad[i].fee, 0) ==
                          WALLET_BAD_AMOUNT,
                      "case %zu", i);
        ck_assert_ptr_null(x);
        tx *a = (tx *)1, *b = (tx *)1;
        ck_assert_int_eq(
            wallet_pay_twice(t.ws, &a, &b, 0, t.f.c, to, to, bad[i].amount, bad[i].fee, 0),
            WALLET_BAD_AMOUNT);
        ck_assert_ptr_null(a);
        ck_assert_ptr_null(b);
    }
    /* Nothing was marked pending: the whole balance is still there. */
    tx *x = NULL;
    ck_assert_int_eq(wallet_pay(t.ws, &x, 0, t.f.c, to, 299, 1, 0), WALLET_OK);
    ck_assert_uint_eq(tx_n_in(x), 3);
    tx_unref(x);
    wfx_free(&t);
}
END_TEST

START_TEST(status_messages)
{
    ck_assert_str_eq(wallet_status_message(WALLET_OK), "ok");
    ck_assert_str_eq(wallet_status_message(WALLET_NO_FUNDS),
                     "wallet has no confirmed coins enough for amount plus fee");
    ck_assert_str_eq(wallet_status_message(WALLET_BAD_AMOUNT),
                     "amount must be positive and within the money limit");
    ck_assert_str_eq(wallet_status_message(WALLET_NO_MEMORY), "out of memory");
}
END_TEST

START_TEST(pending_coins_wait_for_release_or_retry)
{
    wfx t;
    wfx_init(&t);
    scan_all(&t);
    const uint8_t *to = wallet_public(t.ws, 1);
    tx *first = NULL, *x = NULL;
    ck_assert_int_eq(wallet_pay(t.ws, &first, 0, t.f.c, to, 150, 10, 0), WALLET_OK);
    /* Coins 0 and 1 are pending: 150 more cannot be paid, 90 + 10 can, from coin 2. */
    ck_assert_int_eq(wallet_pay(t.ws, &x, 0, t.f.c, to, 150, 10, SEC), WALLET_NO_FUNDS);
    ck_assert_int_eq(wallet_pay(t.ws, &x, 0, t.f.c, to, 90, 10, SEC), WALLET_OK);
    ck_assert_uint_eq(tx_n_in(x), 1);
    assert_spends_genesis(&t, x, 0, 2);
    assert_output(x, 0, 90, to);
    ck_assert_uint_eq(tx_n_out(x), 1);
    /* The balance counts pending coins: they are still unspent on the chain. */
    ck_assert_uint_eq(wallet_balance(t.ws, 0, t.f.c), COINS * COIN);
    tx *none = (tx *)1;
    ck_assert_int_eq(wallet_pay(t.ws, &none, 0, t.f.c, to, 1, 0, 2 * SEC), WALLET_NO_FUNDS);
    ck_assert_ptr_null(none);
    /* Released (the payment was refused): coins 0 and 1 are free again. */
    wallet_release(t.ws, 0, first);
    tx *again = NULL;
    ck_assert_int_eq(wallet_pay(t.ws, &again, 0, t.f.c, to, 150, 10, 3 * SEC), WALLET_OK);
    ck_assert_uint_eq(tx_n_in(again), 2);
    assert_spends_genesis(&t, again, 0, 0);
    assert_spends_genesis(&t, again, 1, 1);
    ck_assert(hash_eq(tx_id(again), tx_id(first))); /* same coins, same payment, same bytes */
    /* Not released: coin 2 (pending since 1 s) is used again only once
     * RETRY_NS has passed (a lost payment). */
    ck_assert_int_eq(wallet_pay(t.ws, &none, 0, t.f.c, to, 90, 10, SEC + RETRY_NS - 1),
                     WALLET_NO_FUNDS);
    tx *retry = NULL;
    ck_assert_int_eq(wallet_pay(t.ws, &retry, 0, t.f.c, to, 90, 10, SEC + RETRY_NS), WALLET_OK);
    ck_assert(hash_eq(tx_id(retry), tx_id(x)));
    tx_unref(first);
    tx_unref(x);
    tx_unref(again);
    tx_unref(retry);
    wfx_free(&t);
}
END_TEST

START_TEST(double_spend_pays_two_from_the_same_coins)
{
    wfx t;
    wfx_init(&t);
    scan_all(&t);
    tx *a = NULL, *b = NULL;
    ck_assert_int_eq(wallet_pay_twice(t.ws, &a, &b, 0, t.f.c, wallet_public(t.ws, 1),
                                      wallet_public(t.ws, 2), 150, 10, 0),
                     WALLET_OK);
    ck_assert_uint_eq(tx_n_in(a), 2);
    ck_assert_uint_eq(tx_n_in(b), 2);
    for (size_t i = 0; i < 2; i++) {
        assert_spends_genesis(&t, a, i, (uint32_t)i);
        assert_spends_genesis(&t, b, i, (uint32_t)i);
    }
    assert_output(a, 0, 150, wallet_public(t.ws, 1));
    assert_output(b, 0, 150, wallet_public(t.ws, 2));
    assert_output(a, 1, 40, wallet_public(t.ws, 0));
    assert_output(b, 1, 40, wallet_public(t.ws, 0));
    ck_assert(!hash_eq(tx_id(a), tx_id(b)));
    /* The coins are pending for both. */
    tx *x = (tx *)1;
    ck_assert_int_eq(wallet_pay(t.ws, &x, 0, t.f.c, wallet_public(t.ws, 1), 150, 10, SEC),
                     WALLET_NO_FUNDS);
    /* The chain takes one; the other then spends what is spent. */
    confirm(&t, a);
    const chain_entry *tip = chain_tip(t.f.c);
    block *blk = fx_mine(&t.f, chain_entry_block(tip), 2, &b, 1, 0);
    fx_expect(t.f.c, blk, CHAIN_OUTCOME_REJECTED, REASON_TX_ALREADY_SPENT);
    tx_unref(a);
    tx_unref(b);
    wfx_free(&t);
}
END_TEST

/* A payment in a block that a reorganisation takes away: the recipient's
 * balance loses it, and the payer can spend its remaining coin. */
START_TEST(a_reorganisation_takes_coins_away)
{
    wfx t;
    wfx_init(&t);
    scan_all(&t);
    tx *x = NULL;
    ck_assert_int_eq(wallet_pay(t.ws, &x, 0, t.f.c, wallet_public(t.ws, 1), 150, 10, 0), WALLET_OK);
    confirm(&t, x);
    scan_all(&t);
    ck_assert_uint_eq(wallet_balance(t.ws, 1, t.f.c), COINS * COIN + 150);
    /* A longer branch from genesis without the payment. */
    block *b1 = fx_mine(&t.f, t.f.genesis, 1, NULL, 0, 7);
    block *b2 = fx_mine(&t.f, b1, 2, NULL, 0, 7);
    hash256 b2_id = *block_id(b2);
    fx_expect(t.f.c, block_ref(b1), CHAIN_OUTCOME_SIDE, REASON_OK);
    fx_expect(t.f.c, b2, CHAIN_OUTCOME_TIP, REASON_OK);
    ck_assert(hash_eq(chain_entry_id(chain_tip(t.f.c)), &b2_id));
    block_unref(b1);
    scan_all(&t);
    ck_assert_uint_eq(wallet_balance(t.ws, 1, t.f.c), COINS * COIN);
    ck_assert_uint_eq(wallet_balance(t.ws, 0, t.f.c), COINS * COIN);
    tx_unref(x);
    wfx_free(&t);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("wallet");
    TCase *tc = tcase_create("wallet");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, keys_come_from_the_seed);
    tcase_add_test(tc, a_scan_teaches_the_host_s_wallets_only);
    tcase_add_test(tc, payment_with_change_is_accepted_by_the_chain);
    tcase_add_test(tc, amount_plus_fee_above_the_balance_is_refused);
    tcase_add_test(tc, bad_amounts_are_refused);
    tcase_add_test(tc, status_messages);
    tcase_add_test(tc, pending_coins_wait_for_release_or_retry);
    tcase_add_test(tc, double_spend_pays_two_from_the_same_coins);
    tcase_add_test(tc, a_reorganisation_takes_coins_away);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
