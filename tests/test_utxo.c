/* The UTXO set and the hash map under it: add, spend, totals, a digest that
 * depends only on the contents (not on history or insertion order), layered
 * child sets that agree with a flat set and leave their parent alone, and the
 * map's backward-shift deletion checked against a plain array model. Also
 * the signature cache: answers equal plain verification, hits are counted. */
#include "hmap.h"
#include "sigcache.h"
#include "testutil.h"
#include "utxo.h"

#include <string.h>

static tx_outpoint op_of(uint32_t n)
{
    tx_outpoint op;
    memset(&op, 0, sizeof op);
    hash_sha256(op.txid.b, &n, sizeof n);
    op.index = n % 3;
    return op;
}

static utxo_coin coin_of(uint32_t n)
{
    utxo_coin c;
    memset(&c, 0, sizeof c);
    c.amount = 1000 + n;
    memset(c.owner, (int)(n & 0xff), 32);
    c.height = n / 7;
    c.coinbase = (uint8_t)(n % 2);
    return c;
}

START_TEST(add_spend_and_totals)
{
    utxo_set *set;
    ck_assert_int_eq(utxo_new(&set), 0);
    tx_outpoint a = op_of(1), b = op_of(2);
    utxo_coin ca = coin_of(1), cb = coin_of(2), got;
    ck_assert_int_eq(utxo_add(set, &a, &ca), 0);
    ck_assert_int_eq(utxo_add(set, &b, &cb), 0);
    ck_assert_uint_eq(utxo_count(set), 2);
    ck_assert_uint_eq(utxo_total(set), ca.amount + cb.amount);
    ck_assert_uint_eq(utxo_get(set, &a)->amount, ca.amount);
    tx_outpoint other_index = a;
    other_index.index++;
    ck_assert_ptr_null(utxo_get(set, &other_index));
    ck_assert_int_eq(utxo_spend(set, &got, &a), 1);
    ck_assert_mem_eq(&got, &ca, sizeof got);
    ck_assert_int_eq(utxo_spend(set, &got, &a), 0);
    ck_assert_ptr_null(utxo_get(set, &a));
    ck_assert_uint_eq(utxo_total(set), cb.amount);
    ck_assert_int_eq(utxo_add(set, &b, &ca), 1); /* replaced: reported */
    ck_assert_uint_eq(utxo_total(set), ca.amount);
    utxo_free(set);
    utxo_free(NULL);
}
END_TEST

START_TEST(digest_depends_on_contents_only)
{
    utxo_set *x, *y;
    ck_assert_int_eq(utxo_new(&x), 0);
    ck_assert_int_eq(utxo_new(&y), 0);
    hash256 empty_x, empty_y, dx, dy;
    ck_assert_int_eq(utxo_digest(x, &empty_x), 0);
    for (uint32_t n = 0; n < 500; n++) {
        tx_outpoint op = op_of(n);
        utxo_coin c = coin_of(n);
        ck_assert_int_eq(utxo_add(x, &op, &c), 0);
    }
    /* y: reverse order, with extra coins added and spent again. */
    for (uint32_t n = 700; n-- > 0;) {
        tx_outpoint op = op_of(n);
        utxo_coin c = coin_of(n);
        ck_assert_int_eq(utxo_add(y, &op, &c), 0);
    }
    for (uint32_t n = 500; n < 700; n++) {
        tx_outpoint op = op_of(n);
        ck_assert_int_eq(utxo_spend(y, NULL, &op), 1);
    }
    ck_assert_int_eq(utxo_digest(x, &dx), 0);
    ck_assert_int_eq(utxo_digest(y, &dy), 0);
    ck_assert(hash_eq(&dx, &dy));
    ck_assert(!hash_eq(&dx, &empty_x));
    /* Any field change changes the digest. */
    tx_outpoint op = op_of(42);
    utxo_coin c = coin_of(42);
    c.height++;
    ck_assert_int_eq(utxo_add(y, &op, &c), 1);
    ck_assert_int_eq(utxo_digest(y, &dy), 0);
    ck_assert(!hash_eq(&dx, &dy));
    utxo_free(y);
    ck_assert_int_eq(utxo_new(&y), 0);
    ck_assert_int_eq(utxo_digest(y, &empty_y), 0);
    ck_assert(hash_eq(&empty_x, &empty_y));
    utxo_free(x);
    utxo_free(y);
}
END_TEST

/* A chain of child sets, each spending and creating coins, against a flat
 * model set changed the same way: every lookup, count, total and digest
 * agrees at every step, including across flattening, and a parent never
 * sees its children's changes. */
START_TEST(layers_match_a_flat_set)
{
    utxo_set *flat, *layer;
    ck_assert_int_eq(utxo_new(&flat), 0);
    ck_assert_int_eq(utxo_new(&layer), 0);
    ck_assert_ptr_null(utxo_parent(layer));
    enum { START = 6 * UTXO_MAX_LAYERS + 8 };
    for (uint32_t n = 0; n < START; n++) {
        tx_outpoint op = op_of(n);
        utxo_coin c = coin_of(n);
        ck_assert_int_eq(utxo_add(flat, &op, &c), 0);
        ck_assert_int_eq(utxo_add(layer, &op, &c), 0);
    }
    utxo_set *layers[3 * UTXO_MAX_LAYERS];
    uint32_t next = START;
    for (int step = 0; step < 3 * UTXO_MAX_LAYERS; step++) {
        utxo_set *parent = layer;
        size_t parent_count = utxo_count(parent);
        hash256 parent_digest, d;
        ck_assert_int_eq(utxo_digest(parent, &parent_digest), 0);
        ck_assert_int_eq(utxo_new_child(&layer, parent), 0);
        ck_assert_ptr_eq(utxo_parent(layer), parent);
        layers[step] = parent;
        /* Spend two old coins, create three, spend one just created. */
        for (uint32_t k = 0; k < 2; k++) {
            tx_outpoint op = op_of((uint32_t)step * 2 + k);
            utxo_coin a, b;
            ck_assert_int_eq(utxo_spend(flat, &a, &op), 1);
            ck_assert_int_eq(utxo_spend(layer, &b, &op), 1);
            ck_assert_uint_eq(a.amount, b.amount);
            ck_assert_int_eq(utxo_spend(layer, NULL, &op), 0);
        }
        for (uint32_t k = 0; k < 3; k++, next++) {
            tx_outpoint op = op_of(next);
            utxo_coin c = coin_of(next);
            ck_assert_int_eq(utxo_add(flat, &op, &c), 0);
            ck_assert_int_eq(utxo_add(layer, &op, &c), 0);
        }
        tx_outpoint fresh = op_of(next - 1);
        ck_assert_int_eq(utxo_spend(flat, NULL, &fresh), 1);
        ck_assert_int_eq(utxo_spend(layer, NULL, &fresh), 1);
        ck_assert_ptr_null(utxo_get(layer, &fresh));
        for (uint32_t n = 0; n < next; n++) {
            tx_outpoint op = op_of(n);
            const utxo_coin *a = utxo_get(flat, &op), *b = utxo_get(layer, &op);
            ck_assert_int_eq(a != NULL, b != NULL);
            if (a != NULL)
                ck_assert_mem_eq(a, b, sizeof *a);
        }
        ck_assert_uint_eq(utxo_count(layer), utxo_count(flat));
        ck_assert_uint_eq(utxo_total(layer), utxo_total(flat));
        hash256 want;
        ck_assert_int_eq(utxo_digest(flat, &want), 0);
        ck_assert_int_eq(utxo_digest(layer, &d), 0);
        ck_assert(hash_eq(&d, &want));
        /* The parent is unchanged. */
        ck_assert_uint_eq(utxo_count(parent), parent_count);
        ck_assert_int_eq(utxo_digest(parent, &d), 0);
        ck_assert(hash_eq(&d, &parent_digest));
    }
    /* Each set holds its parent: dropping the caller's references in any
     * order frees the whole chain (ASan checks). */
    for (int step = 0; step < 3 * UTXO_MAX_LAYERS; step++)
        utxo_free(layers[step]);
    utxo_free(layer);
    utxo_free(flat);
}
END_TEST

/* A child costs its changes, not a copy of its parent. */
START_TEST(child_holds_only_its_changes)
{
    utxo_set *base, *child;
    ck_assert_int_eq(utxo_new(&base), 0);
    for (uint32_t n = 0; n < 1000; n++) {
        tx_outpoint op = op_of(n);
        utxo_coin c = coin_of(n);
        ck_assert_int_eq(utxo_add(base, &op, &c), 0);
    }
    ck_assert_int_eq(utxo_new_child(&child, base), 0);
    tx_outpoint op = op_of(5000);
    utxo_coin c = coin_of(5000);
    ck_assert_int_eq(utxo_add(child, &op, &c), 0);
    ck_assert_uint_lt(utxo_memory(child) * 20, utxo_memory(base));
    ck_assert_uint_eq(utxo_count(child), 1001);
    utxo_free(base); /* the child keeps its parent */
    ck_assert_ptr_nonnull(utxo_get(child, &op));
    tx_outpoint old = op_of(7);
    ck_assert_ptr_nonnull(utxo_get(child, &old));
    utxo_free(child);
}
END_TEST

START_TEST(hash_map_matches_a_model)
{
    /* Keys with few distinct hash bits still probe correctly: churn through
     * inserts and deletes and compare with a presence array. */
    hmap *map;
    ck_assert_int_eq(hmap_new(&map, 36, sizeof(uint32_t)), 0);
    enum { N = 2000 };
    static uint8_t present[N];
    memset(present, 0, sizeof present);
    uint64_t state = 12345;
    for (int step = 0; step < 20000; step++) {
        state = state * 6364136223846793005u + 1442695040888963407u;
        uint32_t k = (uint32_t)(state >> 33) % N;
        uint8_t key[36];
        memset(key, 0, sizeof key);
        memcpy(key, &k, sizeof k);
        if ((state >> 20) & 1) {
            int rc = hmap_put(map, key, &k);
            ck_assert_int_eq(rc, !present[k]);
            present[k] = 1;
        } else {
            ck_assert_int_eq(hmap_del(map, key), present[k]);
            present[k] = 0;
        }
    }
    size_t count = 0;
    for (uint32_t k = 0; k < N; k++) {
        uint8_t key[36];
        memset(key, 0, sizeof key);
        memcpy(key, &k, sizeof k);
        uint32_t *v = hmap_get(map, key);
        ck_assert_int_eq(v != NULL, present[k]);
        if (v) {
            ck_assert_uint_eq(*v, k);
            count++;
        }
    }
    ck_assert_uint_eq(hmap_count(map), count);
    size_t pos = 0, seen = 0;
    const void *key;
    void *val;
    while (hmap_next(map, &pos, &key, &val))
        seen++;
    ck_assert_uint_eq(seen, count);
    hmap_clear(map);
    ck_assert_uint_eq(hmap_count(map), 0);
    hmap_free(map);
}
END_TEST

START_TEST(sigcache_answers_like_plain_verification)
{
    uint8_t seed[32], sig[64];
    keys_pair *pair;
    hash256 msg;
    keys_derive_seed(seed, 3, "test", 0);
    ck_assert_int_eq(keys_pair_new(&pair, seed), 0);
    hash_sha256d(&msg, "m", 1);
    ck_assert_int_eq(keys_sign(pair, sig, msg.b, 32), 0);
    sigcache *cache;
    ck_assert_int_eq(sigcache_new(&cache, 16), 0);
    uint64_t hits, misses;
    ck_assert_int_eq(sigcache_verify(cache, keys_pair_public(pair), sig, &msg), 1);
    ck_assert_int_eq(sigcache_verify(cache, keys_pair_public(pair), sig, &msg), 1);
    sigcache_stats(cache, &hits, &misses);
    ck_assert_uint_eq(hits, 1);
    ck_assert_uint_eq(misses, 1);
    sig[3] ^= 1; /* invalid signatures are never cached */
    ck_assert_int_eq(sigcache_verify(cache, keys_pair_public(pair), sig, &msg), 0);
    ck_assert_int_eq(sigcache_verify(cache, keys_pair_public(pair), sig, &msg), 0);
    ck_assert_int_eq(sigcache_verify(NULL, keys_pair_public(pair), sig, &msg), 0);
    sig[3] ^= 1;
    msg.b[0] ^= 1; /* a cached signature does not cover another message */
    ck_assert_int_eq(sigcache_verify(cache, keys_pair_public(pair), sig, &msg), 0);
    sigcache_stats(cache, &hits, &misses);
    ck_assert_uint_eq(hits, 1);
    /* Bounded: many distinct entries keep working. */
    for (int i = 0; i < 100; i++) {
        hash256 m;
        hash_sha256d(&m, &i, sizeof i);
        ck_assert_int_eq(keys_sign(pair, sig, m.b, 32), 0);
        ck_assert_int_eq(sigcache_verify(cache, keys_pair_public(pair), sig, &m), 1);
    }
    sigcache_free(cache);
    sigcache_free(NULL);
    keys_pair_free(pair);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("utxo");
    TCase *tc = tcase_create("utxo");
    tcase_add_test(tc, add_spend_and_totals);
    tcase_add_test(tc, digest_depends_on_contents_only);
    tcase_add_test(tc, layers_match_a_flat_set);
    tcase_add_test(tc, child_holds_only_its_changes);
    tcase_add_test(tc, hash_map_matches_a_model);
    tcase_add_test(tc, sigcache_answers_like_plain_verification);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
