/* Transactions: canonical serialization (round trip, same bytes), real sizes,
 * txid and signing hash, coinbase fields, minimal varints, and the rule that
 * flipping any byte makes parsing or signature verification fail. */
#include "testutil.h"
#include "tx.h"

#include <stdlib.h>
#include <string.h>

static keys_pair *key(uint64_t index)
{
    uint8_t seed[32];
    keys_pair *pair;
    keys_derive_seed(seed, 7, "test", index);
    ck_assert_int_eq(keys_pair_new(&pair, seed), 0);
    return pair;
}

/* A signed transaction with two inputs (both signed by a) and two outputs. */
static tx *sample_tx(keys_pair *a, keys_pair *b)
{
    tx_in ins[2];
    tx_out outs[2];
    memset(ins, 0, sizeof ins);
    memset(outs, 0, sizeof outs);
    for (int i = 0; i < 32; i++) {
        ins[0].prev_txid.b[i] = (uint8_t)i;
        ins[1].prev_txid.b[i] = (uint8_t)(100 + i);
    }
    ins[0].prev_index = 1;
    ins[1].prev_index = 0;
    outs[0].amount = 5000;
    memcpy(outs[0].owner, keys_pair_public(b), 32);
    outs[1].amount = 123456789;
    memcpy(outs[1].owner, keys_pair_public(a), 32);
    const keys_pair *signers[2] = {a, a};
    tx *t;
    ck_assert_int_eq(tx_new_signed(&t, ins, 2, outs, 2, signers), 0);
    return t;
}

static int sigs_verify(const tx *t, const uint8_t owner[32])
{
    for (size_t i = 0; i < tx_n_in(t); i++)
        if (!keys_verify(owner, tx_input(t, i)->sig, tx_sighash(t)->b, 32))
            return 0;
    return 1;
}

START_TEST(round_trip_same_bytes_and_size)
{
    keys_pair *a = key(1), *b = key(2);
    tx *t = sample_tx(a, b);
    size_t size = tx_size(t);
    ck_assert_uint_eq(size, 4 + 1 + 2 * 100 + 1 + 2 * 40);
    uint8_t *buf = malloc(size), *buf2 = malloc(size);
    ck_assert_uint_eq(tx_serialize(t, buf, size), size);
    ck_assert_uint_eq(tx_serialize(t, NULL, 0), size);
    tx *u;
    size_t used;
    ck_assert_int_eq(tx_parse(&u, &used, buf, size), 0);
    ck_assert_uint_eq(used, size);
    ck_assert_uint_eq(tx_serialize(u, buf2, size), size);
    ck_assert_mem_eq(buf, buf2, size);
    ck_assert(hash_eq(tx_id(t), tx_id(u)));
    ck_assert(hash_eq(tx_sighash(t), tx_sighash(u)));
    hash256 id;
    hash_sha256d(&id, buf, size);
    ck_assert(hash_eq(&id, tx_id(t)));
    ck_assert_uint_eq(tx_output(u, 1)->amount, 123456789);
    ck_assert_uint_eq(tx_input(u, 0)->prev_index, 1);
    ck_assert(sigs_verify(u, keys_pair_public(a)));
    ck_assert(!sigs_verify(u, keys_pair_public(b)));
    ck_assert(!tx_is_coinbase(u));
    /* Same inputs give the same bytes (deterministic signatures). */
    tx *again = sample_tx(a, b);
    ck_assert(hash_eq(tx_id(again), tx_id(t)));
    tx_unref(again);
    tx_unref(u);
    tx_unref(t);
    free(buf);
    free(buf2);
    keys_pair_free(a);
    keys_pair_free(b);
}
END_TEST

START_TEST(signing_hash_ignores_signatures_only)
{
    keys_pair *a = key(1), *b = key(2);
    tx *t = sample_tx(a, b);
    tx_in ins[2] = {*tx_input(t, 0), *tx_input(t, 1)};
    tx_out outs[2] = {*tx_output(t, 0), *tx_output(t, 1)};
    memset(ins[0].sig, 0x55, 64);
    tx *u;
    ck_assert_int_eq(tx_new(&u, TX_VERSION, ins, 2, outs, 2), 0);
    ck_assert(hash_eq(tx_sighash(t), tx_sighash(u)));
    ck_assert(!hash_eq(tx_id(t), tx_id(u)));
    tx_unref(u);
    outs[0].amount++;
    ck_assert_int_eq(tx_new(&u, TX_VERSION, ins, 2, outs, 2), 0);
    ck_assert(!hash_eq(tx_sighash(t), tx_sighash(u)));
    tx_unref(u);
    tx_unref(t);
    keys_pair_free(a);
    keys_pair_free(b);
}
END_TEST

START_TEST(flipping_any_byte_fails)
{
    keys_pair *a = key(1), *b = key(2);
    tx *t = sample_tx(a, b);
    size_t size = tx_size(t);
    uint8_t *buf = malloc(size);
    tx_serialize(t, buf, size);
    for (size_t i = 0; i < size; i++) {
        for (int bit = 0; bit < 8; bit += 7) {
            buf[i] ^= (uint8_t)(1 << bit);
            tx *u;
            size_t used;
            int parsed = tx_parse(&u, &used, buf, size) == 0 && used == size;
            if (parsed) {
                ck_assert_msg(!hash_eq(tx_id(u), tx_id(t)), "byte %zu", i);
                ck_assert_msg(!sigs_verify(u, keys_pair_public(a)), "byte %zu bit %d verifies", i,
                              bit);
            }
            tx_unref(u);
            buf[i] ^= (uint8_t)(1 << bit);
        }
    }
    free(buf);
    tx_unref(t);
    keys_pair_free(a);
    keys_pair_free(b);
}
END_TEST

START_TEST(truncated_or_padded_bytes_refused)
{
    keys_pair *a = key(1), *b = key(2);
    tx *t = sample_tx(a, b);
    size_t size = tx_size(t);
    uint8_t *buf = calloc(1, size + 1);
    tx_serialize(t, buf, size);
    for (size_t len = 0; len < size; len++) {
        tx *u;
        size_t used;
        ck_assert_msg(tx_parse(&u, &used, buf, len) != 0, "prefix %zu parsed", len);
        ck_assert_ptr_null(u);
        ck_assert_uint_eq(used, 0);
    }
    /* A trailing byte is not part of the transaction: used tells the caller. */
    tx *u;
    size_t used;
    ck_assert_int_eq(tx_parse(&u, &used, buf, size + 1), 0);
    ck_assert_uint_eq(used, size);
    tx_unref(u);
    /* A huge input count with few bytes is refused before allocating. */
    uint8_t huge[] = {1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    ck_assert_int_ne(tx_parse(&u, &used, huge, sizeof huge), 0);
    free(buf);
    tx_unref(t);
    keys_pair_free(a);
    keys_pair_free(b);
}
END_TEST

START_TEST(varints_are_minimal)
{
    uint8_t buf[9];
    uint64_t v;
    const uint64_t values[] = {0,       1,           0xfc,         0xfd,      0xffff,
                               0x10000, 0xffffffffu, 0x100000000u, UINT64_MAX};
    const size_t sizes[] = {1, 1, 1, 3, 3, 5, 5, 9, 9};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        size_t n = tx_varint_put(buf, values[i]);
        ck_assert_uint_eq(n, sizes[i]);
        ck_assert_uint_eq(tx_varint_size(values[i]), n);
        ck_assert_uint_eq(tx_varint_get(&v, buf, n), n);
        ck_assert_uint_eq(v, values[i]);
        ck_assert_uint_eq(tx_varint_get(&v, buf, n - 1), 0);
    }
    uint8_t loose[] = {0xfd, 0x10, 0x00}; /* 16 in three bytes */
    ck_assert_uint_eq(tx_varint_get(&v, loose, 3), 0);
    uint8_t loose5[] = {0xfe, 0xff, 0xff, 0x00, 0x00};
    ck_assert_uint_eq(tx_varint_get(&v, loose5, 5), 0);
}
END_TEST

START_TEST(coinbase_carries_height_and_nonce)
{
    tx_out out = {.amount = 50};
    tx *cb;
    uint64_t height, nonce;
    ck_assert_int_eq(tx_new_coinbase(&cb, 1234567, 0xdeadbeefcafe, &out, 1), 0);
    ck_assert(tx_is_coinbase(cb));
    ck_assert(tx_input_is_null(tx_input(cb, 0)));
    ck_assert_int_eq(tx_coinbase_fields(cb, &height, &nonce), 0);
    ck_assert_uint_eq(height, 1234567);
    ck_assert_uint_eq(nonce, 0xdeadbeefcafe);
    tx *other;
    ck_assert_int_eq(tx_new_coinbase(&other, 1234567, 1, &out, 1), 0);
    ck_assert(!hash_eq(tx_id(cb), tx_id(other)));
    tx_unref(other);
    /* Non-zero reserved bytes are not a well-formed coinbase. */
    tx_in in = *tx_input(cb, 0);
    in.sig[40] = 1;
    ck_assert_int_eq(tx_new(&other, TX_VERSION, &in, 1, &out, 1), 0);
    ck_assert(tx_is_coinbase(other));
    ck_assert_int_ne(tx_coinbase_fields(other, &height, &nonce), 0);
    tx_unref(other);
    tx_unref(cb);
}
END_TEST

START_TEST(references_are_counted)
{
    tx_out out = {.amount = 1};
    tx *cb;
    ck_assert_int_eq(tx_new_coinbase(&cb, 1, 0, &out, 1), 0);
    ck_assert_ptr_eq(tx_ref(cb), cb);
    tx_unref(cb);
    ck_assert_uint_eq(tx_output(cb, 0)->amount, 1); /* still alive: ASan would say otherwise */
    tx_unref(cb);
    tx_unref(NULL);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("tx");
    TCase *tc = tcase_create("tx");
    tcase_add_test(tc, round_trip_same_bytes_and_size);
    tcase_add_test(tc, signing_hash_ignores_signatures_only);
    tcase_add_test(tc, flipping_any_byte_fails);
    tcase_add_test(tc, truncated_or_padded_bytes_refused);
    tcase_add_test(tc, varints_are_minimal);
    tcase_add_test(tc, coinbase_carries_height_and_nonce);
    tcase_add_test(tc, references_are_counted);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
