/* The hash map against a plain array model: puts, replacing puts, gets and
 * deletes of many keys (including keys whose hashes share slots and tags,
 * which exercise probing and backward-shift deletion) always agree with the
 * model; sets (no values), clear, iteration and memory figures. */
#include "hmap.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#define N_KEYS 5000

/* Key i: 32 bytes, the index in the first 4, the rest fixed, so keys
 * differ only in a few bytes (a weak spot for a poor hash). */
static void key_of(uint8_t key[32], uint32_t i)
{
    memset(key, 0xab, 32);
    memcpy(key, &i, sizeof i);
}

START_TEST(agrees_with_a_model)
{
    hmap *m;
    ck_assert_int_eq(hmap_new(&m, 32, sizeof(uint64_t)), 0);
    uint8_t *present = calloc(N_KEYS, 1);
    uint64_t *value = calloc(N_KEYS, sizeof *value);
    uint8_t key[32];
    uint64_t state = 12345;
    for (int step = 0; step < 40000; step++) {
        state = state * 6364136223846793005u + 1442695040888963407u;
        uint32_t i = (uint32_t)(state >> 33) % N_KEYS;
        key_of(key, i);
        if ((state >> 20) % 3 == 0) {
            ck_assert_int_eq(hmap_del(m, key), present[i]);
            present[i] = 0;
        } else {
            uint64_t v = state;
            ck_assert_int_eq(hmap_put(m, key, &v), !present[i]);
            present[i] = 1;
            value[i] = v;
        }
    }
    size_t count = 0;
    for (uint32_t i = 0; i < N_KEYS; i++) {
        key_of(key, i);
        uint64_t *v = hmap_get(m, key);
        if (present[i]) {
            ck_assert_ptr_nonnull(v);
            ck_assert_uint_eq(*v, value[i]);
            count++;
        } else {
            ck_assert_ptr_null(v);
        }
    }
    ck_assert_uint_eq(hmap_count(m), count);
    /* Iteration visits every key once. */
    size_t pos = 0, seen = 0;
    const void *k;
    void *v;
    while (hmap_next(m, &pos, &k, &v)) {
        uint32_t i;
        memcpy(&i, k, sizeof i);
        ck_assert_uint_lt(i, N_KEYS);
        ck_assert(present[i]);
        ck_assert_uint_eq(*(uint64_t *)v, value[i]);
        present[i] = 2;
        seen++;
    }
    ck_assert_uint_eq(seen, count);
    ck_assert_uint_ge(hmap_memory(m), count * 40);
    /* Deleting everything leaves an empty map that still works. */
    for (uint32_t i = 0; i < N_KEYS; i++) {
        key_of(key, i);
        ck_assert_int_eq(hmap_del(m, key), present[i] == 2);
    }
    ck_assert_uint_eq(hmap_count(m), 0);
    key_of(key, 7);
    ck_assert_ptr_null(hmap_get(m, key));
    uint64_t one = 1;
    ck_assert_int_eq(hmap_put(m, key, &one), 1);
    ck_assert_uint_eq(*(uint64_t *)hmap_get(m, key), 1);
    free(present);
    free(value);
    hmap_free(m);
}
END_TEST

START_TEST(sets_and_clear)
{
    hmap *m;
    ck_assert_int_eq(hmap_new(&m, 36, 0), 0);
    uint8_t key[36];
    memset(key, 0, sizeof key);
    ck_assert_ptr_null(hmap_get(m, key)); /* empty map, no table yet */
    ck_assert_int_eq(hmap_del(m, key), 0);
    for (uint32_t i = 0; i < 1000; i++) {
        memcpy(key + 32, &i, 4); /* outpoints of one transaction differ at the end */
        ck_assert_int_eq(hmap_put(m, key, NULL), 1);
        ck_assert_int_eq(hmap_put(m, key, NULL), 0);
    }
    ck_assert_uint_eq(hmap_count(m), 1000);
    for (uint32_t i = 0; i < 1000; i++) {
        memcpy(key + 32, &i, 4);
        ck_assert_ptr_nonnull(hmap_get(m, key));
    }
    uint32_t absent = 1000;
    memcpy(key + 32, &absent, 4);
    ck_assert_ptr_null(hmap_get(m, key));
    hmap_clear(m);
    ck_assert_uint_eq(hmap_count(m), 0);
    absent = 5;
    memcpy(key + 32, &absent, 4);
    ck_assert_ptr_null(hmap_get(m, key));
    size_t pos = 0;
    const void *k;
    void *v;
    ck_assert_int_eq(hmap_next(m, &pos, &k, &v), 0);
    hmap_free(m);
    hmap_free(NULL);
}
END_TEST

START_TEST(clone_is_an_independent_copy)
{
    hmap *m, *c, *empty, *empty_copy;
    ck_assert_int_eq(hmap_new(&m, 32, sizeof(uint32_t)), 0);
    uint8_t key[32];
    memset(key, 0, sizeof key);
    for (uint32_t i = 0; i < 100; i++) {
        memcpy(key, &i, 4);
        ck_assert_int_eq(hmap_put(m, key, &i), 1);
    }
    ck_assert_int_eq(hmap_clone(&c, m), 0);
    ck_assert_uint_eq(hmap_count(c), 100);
    ck_assert_uint_eq(hmap_memory(c), hmap_memory(m));
    uint32_t gone = 7, added = 500;
    memcpy(key, &gone, 4);
    ck_assert_int_eq(hmap_del(c, key), 1);
    ck_assert_ptr_nonnull(hmap_get(m, key)); /* the original keeps it */
    memcpy(key, &added, 4);
    ck_assert_int_eq(hmap_put(c, key, &added), 1);
    ck_assert_ptr_null(hmap_get(m, key));
    for (uint32_t i = 0; i < 100; i++) {
        memcpy(key, &i, 4);
        uint32_t *v = hmap_get(c, key);
        ck_assert_int_eq(v != NULL, i != gone);
        if (v != NULL)
            ck_assert_uint_eq(*v, i);
    }
    ck_assert_int_eq(hmap_new(&empty, 32, 0), 0);
    ck_assert_int_eq(hmap_clone(&empty_copy, empty), 0);
    ck_assert_uint_eq(hmap_count(empty_copy), 0);
    ck_assert_ptr_null(hmap_get(empty_copy, key));
    ck_assert_int_eq(hmap_put(empty_copy, key, NULL), 1);
    hmap_free(empty);
    hmap_free(empty_copy);
    hmap_free(c);
    hmap_free(m);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("hmap");
    TCase *tc = tcase_create("model");
    tcase_add_test(tc, agrees_with_a_model);
    tcase_add_test(tc, sets_and_clear);
    tcase_add_test(tc, clone_is_an_independent_copy);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
