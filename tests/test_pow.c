/* Midstate mining against header_id(), Bitcoin Core's retarget known answers
 * (pow_tests.cpp), and the target for a chosen expected work. */
#include "pow.h"
#include "testutil.h"

#include <math.h>
#include <string.h>

/* splitmix64: a fixed stream of test inputs. */
static uint64_t next_u64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static block_header random_header(uint64_t *state)
{
    block_header h;
    uint8_t raw[HEADER_BYTES];
    for (int i = 0; i < HEADER_BYTES; i += 8) {
        uint64_t v = next_u64(state);
        memcpy(raw + i, &v, 8);
    }
    header_parse(&h, raw);
    return h;
}

static block_header genesis(void)
{
    block_header h;
    memset(&h, 0, sizeof h);
    h.version = 1;
    ck_assert_int_eq(
        hash_from_hex(&h.merkle_root,
                      "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"),
        0);
    h.time = 1231006505;
    h.bits = 0x1d00ffff;
    h.nonce = 2083236893;
    return h;
}

static void target_of(u256 *target, uint32_t bits)
{
    ck_assert_int_eq(target_from_compact(target, bits), TARGET_OK);
}

/* Brute force with header_id(): the first winning nonce from start, or -1. */
static int64_t first_winner(block_header h, uint32_t start, uint32_t count, const u256 *target)
{
    for (uint32_t i = 0; i < count; i++) {
        hash256 id;
        u256 value;
        h.nonce = start + i;
        header_id(&id, &h);
        u256_from_hash(&value, &id);
        if (u256_cmp(&value, target) <= 0)
            return h.nonce;
    }
    return -1;
}

START_TEST(attempt_hash_equals_header_id)
{
    uint64_t state = 42;
    for (int i = 0; i < 200; i++) {
        block_header h = random_header(&state);
        pow_miner m;
        pow_miner_init(&m, &h);
        for (int j = 0; j < 5; j++) {
            hash256 want, got;
            h.nonce = (uint32_t)next_u64(&state);
            header_id(&want, &h);
            pow_attempt_hash(&m, &got, h.nonce);
            ck_assert_mem_eq(got.b, want.b, 32);
        }
    }
}
END_TEST

START_TEST(set_time_keeps_midstate_valid)
{
    uint64_t state = 7;
    block_header h = random_header(&state);
    pow_miner m;
    hash256 want, got;
    pow_miner_init(&m, &h);
    h.time += 600;
    pow_miner_set_time(&m, h.time);
    header_id(&want, &h);
    pow_attempt_hash(&m, &got, h.nonce);
    ck_assert_mem_eq(got.b, want.b, 32);
}
END_TEST

START_TEST(mines_the_genesis_nonce)
{
    block_header h = genesis();
    pow_miner m;
    u256 target;
    uint32_t nonce = 1;
    uint64_t done = 0;
    target_of(&target, h.bits);
    pow_miner_init(&m, &h);
    ck_assert_int_eq(pow_miner_try(&m, &nonce, &done, 2083236893u - 10, 1000, &target), 1);
    ck_assert_uint_eq(nonce, 2083236893u);
    ck_assert_uint_eq(done, 11);
    /* one nonce earlier the proof is not there */
    ck_assert_int_eq(pow_miner_try(&m, &nonce, &done, 2083236893u - 10, 10, &target), 0);
    ck_assert_uint_eq(nonce, 0);
    ck_assert_uint_eq(done, 10);
    /* attempts run in pairs: the winner as the last, odd one out, and as the
     * second of a pair */
    ck_assert_int_eq(pow_miner_try(&m, &nonce, &done, 2083236893u - 10, 11, &target), 1);
    ck_assert_uint_eq(nonce, 2083236893u);
    ck_assert_uint_eq(done, 11);
    ck_assert_int_eq(pow_miner_try(&m, &nonce, &done, 2083236893u - 11, 12, &target), 1);
    ck_assert_uint_eq(nonce, 2083236893u);
    ck_assert_uint_eq(done, 12);
    ck_assert_int_eq(pow_miner_try(&m, &nonce, &done, 2083236893u - 11, 11, &target), 0);
    ck_assert_uint_eq(done, 11);
    ck_assert_int_eq(pow_miner_try(&m, &nonce, &done, 5, 0, &target), 0);
    ck_assert_uint_eq(done, 0);
}
END_TEST

START_TEST(finds_the_first_winner_like_brute_force)
{
    uint64_t state = 99;
    u256 target;
    target_of(&target, 0x2000ffff); /* about 1 in 256 hashes wins */
    for (int i = 0; i < 30; i++) {
        block_header h = random_header(&state);
        pow_miner m;
        h.bits = 0x2000ffff;
        uint32_t start = (uint32_t)next_u64(&state), nonce;
        uint64_t done;
        int64_t want = first_winner(h, start, 4000, &target);
        ck_assert_int_ge(want, 0);
        pow_miner_init(&m, &h);
        ck_assert_int_eq(pow_miner_try(&m, &nonce, &done, start, 4000, &target), 1);
        ck_assert_uint_eq(nonce, (uint32_t)want);
        ck_assert_uint_eq(done, (uint32_t)want - start + 1);
        h.nonce = nonce;
        hash256 id;
        header_id(&id, &h);
        ck_assert_int_eq(header_check_pow(&h, &id), 1);
    }
}
END_TEST

/* A miner rolls the header time between runs of attempts (as node.c does
 * once per second): after pow_miner_set_time the miner finds exactly the
 * winners of the header with the new time, not those of the old one. */
START_TEST(rolled_time_changes_the_winners_like_brute_force)
{
    uint64_t state = 314;
    u256 target;
    target_of(&target, 0x2000ffff);
    block_header h = random_header(&state);
    h.bits = 0x2000ffff;
    pow_miner m;
    pow_miner_init(&m, &h);
    int differs = 0;
    for (int i = 0; i < 20; i++) {
        h.time += 1;
        pow_miner_set_time(&m, h.time);
        uint32_t nonce;
        uint64_t done;
        int64_t want = first_winner(h, 0, 4000, &target);
        block_header before = h;
        before.time -= 1;
        differs += want != first_winner(before, 0, 4000, &target);
        ck_assert_int_ge(want, 0);
        ck_assert_int_eq(pow_miner_try(&m, &nonce, &done, 0, 4000, &target), 1);
        ck_assert_uint_eq(nonce, (uint32_t)want);
        ck_assert_uint_eq(done, (uint64_t)want + 1);
    }
    ck_assert_int_gt(differs, 10); /* the time is really hashed */
}
END_TEST

START_TEST(easiest_target_takes_the_first_nonce)
{
    uint64_t state = 8;
    block_header h = random_header(&state);
    pow_miner m;
    u256 target;
    uint32_t nonce;
    uint64_t done;
    memset(&target, 0xff, sizeof target);
    pow_miner_init(&m, &h);
    ck_assert_int_eq(pow_miner_try(&m, &nonce, &done, 77, 100, &target), 1);
    ck_assert_uint_eq(nonce, 77);
    ck_assert_uint_eq(done, 1);
}
END_TEST

START_TEST(nonces_wrap_around)
{
    uint64_t state = 5;
    block_header h = random_header(&state);
    pow_miner m;
    u256 target;
    uint32_t nonce;
    uint64_t done;
    target_of(&target, 0x2000ffff);
    int64_t want = first_winner(h, 0xffffff00u, 4096, &target);
    ck_assert_int_ge(want, 0);
    pow_miner_init(&m, &h);
    ck_assert_int_eq(pow_miner_try(&m, &nonce, &done, 0xffffff00u, 4096, &target), 1);
    ck_assert_uint_eq(nonce, (uint32_t)want);
    ck_assert_uint_eq(done, (uint32_t)((uint32_t)want - 0xffffff00u) + 1);
}
END_TEST

/* The early-out compares only the top 32 bits; a tie there must be settled
 * on the full 256 bits, and the target itself wins (hash <= target). */
START_TEST(top_word_tie_is_settled_on_all_bits)
{
    uint64_t state = 11;
    block_header h = random_header(&state);
    pow_miner m;
    hash256 id;
    u256 exact, below, one;
    uint32_t nonce;
    uint64_t done;
    pow_miner_init(&m, &h);
    pow_attempt_hash(&m, &id, 1234);
    u256_from_hash(&exact, &id);
    u256_from_u64(&one, 1);
    u256_sub(&below, &exact, &one);
    ck_assert_uint_eq(below.w[3] >> 32, exact.w[3] >> 32);
    ck_assert_int_eq(pow_miner_try(&m, &nonce, &done, 1234, 1, &below), 0);
    ck_assert_int_eq(pow_miner_try(&m, &nonce, &done, 1234, 1, &exact), 1);
    ck_assert_uint_eq(nonce, 1234);
    /* the same in either lane of a pair */
    ck_assert_int_eq(pow_miner_try(&m, &nonce, &done, 1233, 2, &below), 0);
    ck_assert_int_eq(pow_miner_try(&m, &nonce, &done, 1233, 2, &exact), 1);
    ck_assert_uint_eq(nonce, 1234);
    ck_assert_uint_eq(done, 2);
    ck_assert_int_eq(pow_miner_try(&m, &nonce, &done, 1234, 2, &exact), 1);
    ck_assert_uint_eq(nonce, 1234);
    ck_assert_uint_eq(done, 1);
}
END_TEST

/* Bitcoin Core src/test/pow_tests.cpp, mainnet: R = 2016, 600 s spacing,
 * pow limit 2^224 - 1. */
struct retarget_case {
    const char *name;
    int64_t first_time, parent_time;
    uint64_t parent_height;
    uint32_t parent_bits, want;
};

static const struct retarget_case retarget_cases[] = {
    {"get_next_work", 1261130161, 1262152739, 32255, 0x1d00ffff, 0x1d00d86a},
    {"get_next_work_pow_limit", 1231006505, 1233061996, 2015, 0x1d00ffff, 0x1d00ffff},
    {"get_next_work_lower_limit_actual", 1279008237, 1279297671, 68543, 0x1c05a3f4, 0x1c0168fd},
    {"get_next_work_upper_limit_actual", 1263163443, 1269211443, 46367, 0x1c387f6f, 0x1d00e1fd},
};

static u256 mainnet_pow_limit(void)
{
    u256 limit;
    memset(&limit, 0xff, sizeof limit);
    u256_shr(&limit, &limit, 32);
    return limit;
}

START_TEST(retarget_matches_bitcoin_core)
{
    const struct retarget_case *c = &retarget_cases[_i];
    u256 limit = mainnet_pow_limit();
    uint32_t bits;
    ck_assert_int_eq(pow_next_bits(&bits, c->parent_height + 1, c->parent_bits, c->first_time,
                                   c->parent_time, 2016, 600, &limit),
                     POW_OK);
    ck_assert_msg(bits == c->want, "%s: got %08x, want %08x", c->name, bits, c->want);
}
END_TEST

START_TEST(retarget_only_at_interval_boundaries)
{
    u256 limit = mainnet_pow_limit();
    uint32_t bits;
    /* far too fast, but height 32255 is not a boundary */
    ck_assert_int_eq(pow_next_bits(&bits, 32255, 0x1c05a3f4, 1000, 1001, 2016, 600, &limit),
                     POW_OK);
    ck_assert_uint_eq(bits, 0x1c05a3f4);
    /* exactly on schedule: the target (so the bits) stay */
    ck_assert_int_eq(
        pow_next_bits(&bits, 4032, 0x1c05a3f4, 1000, 1000 + 2016 * 600, 2016, 600, &limit), POW_OK);
    ck_assert_uint_eq(bits, 0x1c05a3f4);
    /* a small simulator setting: R = 10, 10 s spacing, twice too slow */
    memset(&limit, 0xff, sizeof limit);
    ck_assert_int_eq(pow_next_bits(&bits, 10, 0x1e0fffff, 0, 200, 10, 10, &limit), POW_OK);
    ck_assert_uint_eq(bits, 0x1e1ffffe);
}
END_TEST

START_TEST(retarget_is_exact_where_bitcoin_would_wrap)
{
    u256 limit, target;
    uint32_t bits;
    memset(&limit, 0xff, sizeof limit);
    /* target 0x7fffff << 232 times 1.5 does not fit in 256 bits mid-way */
    ck_assert_int_eq(pow_next_bits(&bits, 20, 0x207fffff, 0, 150, 10, 10, &limit), POW_OK);
    ck_assert_uint_eq(bits, 0x2100bfff);
    /* times 4 would exceed even 2^256 - 1: capped at the limit */
    ck_assert_int_eq(pow_next_bits(&bits, 20, 0x207fffff, 0, 100000, 10, 10, &limit), POW_OK);
    ck_assert_uint_eq(bits, 0x2100ffff);
    /* a limit below the result caps it */
    target_of(&target, 0x207fffff);
    ck_assert_int_eq(pow_next_bits(&bits, 20, 0x207fffff, 0, 150, 10, 10, &target), POW_OK);
    ck_assert_uint_eq(bits, 0x207fffff);
}
END_TEST

START_TEST(retarget_refuses_bad_arguments)
{
    u256 limit = mainnet_pow_limit(), zero;
    uint32_t bits = 1;
    u256_from_u64(&zero, 0);
    ck_assert_int_eq(pow_next_bits(&bits, 2016, 0x04923456, 0, 1, 2016, 600, &limit),
                     POW_BAD_PARENT_BITS);
    ck_assert_uint_eq(bits, 0);
    bits = 1;
    ck_assert_int_eq(pow_next_bits(&bits, 2016, 0xff123456, 0, 1, 2016, 600, &limit),
                     POW_BAD_PARENT_BITS);
    ck_assert_uint_eq(bits, 0);
    ck_assert_int_eq(pow_next_bits(&bits, 2016, 0x03000000, 0, 1, 2016, 600, &limit),
                     POW_BAD_PARENT_BITS);
    ck_assert_int_eq(pow_next_bits(&bits, 2016, 0x1d00ffff, 0, 1, 0, 600, &limit),
                     POW_BAD_RETARGET_PARAMS);
    ck_assert_int_eq(pow_next_bits(&bits, 2016, 0x1d00ffff, 0, 1, 2016, 0, &limit),
                     POW_BAD_RETARGET_PARAMS);
    ck_assert_int_eq(pow_next_bits(&bits, 2016, 0x1d00ffff, 0, 1, 2016, -600, &limit),
                     POW_BAD_RETARGET_PARAMS);
    ck_assert_int_eq(pow_next_bits(&bits, 2016, 0x1d00ffff, 0, 1, 2016, INT64_MAX / 2, &limit),
                     POW_BAD_RETARGET_PARAMS);
    ck_assert_int_eq(pow_next_bits(&bits, 2016, 0x1d00ffff, 0, 1, 2016, 600, &zero),
                     POW_BAD_POW_LIMIT);
    ck_assert_uint_eq(bits, 0);
    ck_assert_str_eq(pow_status_message(POW_BAD_PARENT_BITS),
                     "parent bits do not decode to a valid target");
}
END_TEST

/* Milliseconds: a whole-second spacing gives pow_next_bits' bits exactly,
 * for every clamp case (T not a multiple of 4 included); a sub-second
 * spacing retargets without overflow. */
START_TEST(retarget_ms_equals_seconds_for_whole_seconds)
{
    u256 mainnet = mainnet_pow_limit(), all;
    memset(&all, 0xff, sizeof all);
    static const uint32_t parents[] = {0x1c05a3f4, 0x1d00ffff, 0x1e0fffff, 0x207fffff, 0x2100ffff};
    static const uint32_t rs[] = {1, 3, 10, 2016};
    static const int64_t spacings[] = {1, 2, 3, 7, 10, 600};
    static const int64_t actuals[] = {0, 1, 2, 3, 5, 9, 17, 150, 1000, 4000, 100000, 5000000};
    const u256 *limits[] = {&mainnet, &all};
    size_t n = 0;
    for (size_t l = 0; l < 2; l++)
        for (size_t p = 0; p < sizeof parents / sizeof parents[0]; p++)
            for (size_t r = 0; r < sizeof rs / sizeof rs[0]; r++)
                for (size_t s = 0; s < sizeof spacings / sizeof spacings[0]; s++)
                    for (size_t a = 0; a < sizeof actuals / sizeof actuals[0]; a++) {
                        uint32_t want, got;
                        pow_status ws =
                            pow_next_bits(&want, rs[r] * 5, parents[p], 100, 100 + actuals[a],
                                          rs[r], spacings[s], limits[l]);
                        pow_status gs =
                            pow_next_bits_ms(&got, rs[r] * 5, parents[p], 100, 100 + actuals[a],
                                             rs[r], spacings[s] * 1000, limits[l]);
                        ck_assert_int_eq(gs, ws);
                        ck_assert_msg(got == want, "R %u spacing %lld actual %lld: %08x != %08x",
                                      rs[r], (long long)spacings[s], (long long)actuals[a], got,
                                      want);
                        n++;
                    }
    ck_assert_uint_gt(n, 2000);
    uint32_t bits;
    /* 500 ms, R = 10: T = 5 s; 10 s is twice too slow: the target doubles */
    ck_assert_int_eq(pow_next_bits_ms(&bits, 10, 0x1e0fffff, 0, 10, 10, 500, &all), POW_OK);
    ck_assert_uint_eq(bits, 0x1e1ffffe);
    /* on schedule at 1500 ms, R = 2: T = 3 s: the bits stay */
    ck_assert_int_eq(pow_next_bits_ms(&bits, 2, 0x1c05a3f4, 0, 3, 2, 1500, &all), POW_OK);
    ck_assert_uint_eq(bits, 0x1c05a3f4);
    /* 1 ms, R = 1: T = 1 ms, clamped to 1 s = 1000 T: capped at the limit, no overflow */
    ck_assert_int_eq(pow_next_bits_ms(&bits, 1, 0x207fffff, 0, 0, 1, 1, &all), POW_OK);
    ck_assert_uint_eq(bits, 0x2100ffff);
    ck_assert_int_eq(pow_next_bits_ms(&bits, 1, 0x1d00ffff, 0, 0, 1, 1, &mainnet), POW_OK);
    ck_assert_uint_eq(bits, 0x1d00ffff);
    /* refusals */
    ck_assert_int_eq(pow_next_bits_ms(&bits, 2016, 0x1d00ffff, 0, 1, 2016, 0, &mainnet),
                     POW_BAD_RETARGET_PARAMS);
    ck_assert_int_eq(pow_next_bits_ms(&bits, 2016, 0x1d00ffff, 0, 1, 2016, -500, &mainnet),
                     POW_BAD_RETARGET_PARAMS);
    ck_assert_int_eq(pow_next_bits_ms(&bits, 2016, 0x1d00ffff, 0, 1, 0, 500, &mainnet),
                     POW_BAD_RETARGET_PARAMS);
    ck_assert_int_eq(pow_next_bits_ms(&bits, 2016, 0x1d00ffff, 0, 1, 2016, INT64_MAX / 2, &mainnet),
                     POW_BAD_RETARGET_PARAMS);
    ck_assert_uint_eq(bits, 0);
}
END_TEST

START_TEST(expected_hashes_known_answers)
{
    uint32_t bits;
    ck_assert_int_eq(pow_bits_for_expected_hashes(&bits, 4294967296.0), POW_OK);
    ck_assert_uint_eq(bits, 0x1d00ffff); /* difficulty 1 is 2^32 hashes */
    ck_assert_int_eq(pow_bits_for_expected_hashes(&bits, 1.0), POW_OK);
    ck_assert_uint_eq(bits, 0x2100ffff); /* every hash wins */
    ck_assert_int_eq(pow_bits_for_expected_hashes(&bits, 2.0), POW_OK);
    ck_assert_uint_eq(bits, 0x207fffff); /* 2^255 - 1 */
    ck_assert_int_eq(pow_bits_for_expected_hashes(&bits, 256.0), POW_OK);
    ck_assert_uint_eq(bits, 0x2000ffff);
    ck_assert_int_eq(pow_bits_for_expected_hashes(&bits, 1e300), POW_OK);
    ck_assert_uint_eq(bits, 0x01010000); /* harder than any target: target 1 */
}
END_TEST

START_TEST(expected_hashes_round_trip)
{
    uint64_t state = 3;
    for (int i = 0; i < 2000; i++) {
        /* 1 .. 2^200, spread on a log scale */
        double e = exp2((double)(next_u64(&state) >> 11) / 9007199254740992.0 * 200.0);
        uint32_t bits;
        u256 target, work;
        ck_assert_int_eq(pow_bits_for_expected_hashes(&bits, e), POW_OK);
        target_of(&target, bits);
        target_work(&work, &target);
        double got = u256_to_double(&work);
        /* truncating the target to the compact mantissa (>= 2^15) can only
         * raise the work, by less than 2^-15; work is an integer (floor) */
        ck_assert_msg(got >= e * (1 - 1e-12) - 1 && got <= e * (1 + ldexp(1.0, -15)) + 1,
                      "expected %.17g got %.17g (bits %08x)", e, got, bits);
    }
}
END_TEST

START_TEST(expected_hashes_refuses_bad_values)
{
    const double bad[] = {0.0, 0.999, -5.0, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t bits = 7;
        ck_assert_int_eq(pow_bits_for_expected_hashes(&bits, bad[i]), POW_BAD_EXPECTED_HASHES);
        ck_assert_uint_eq(bits, 0);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("pow");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, attempt_hash_equals_header_id);
    tcase_add_test(tc, set_time_keeps_midstate_valid);
    tcase_add_test(tc, rolled_time_changes_the_winners_like_brute_force);
    tcase_add_test(tc, mines_the_genesis_nonce);
    tcase_add_test(tc, finds_the_first_winner_like_brute_force);
    tcase_add_test(tc, easiest_target_takes_the_first_nonce);
    tcase_add_test(tc, nonces_wrap_around);
    tcase_add_test(tc, top_word_tie_is_settled_on_all_bits);
    tcase_add_loop_test(tc, retarget_matches_bitcoin_core, 0,
                        (int)(sizeof retarget_cases / sizeof retarget_cases[0]));
    tcase_add_test(tc, retarget_only_at_interval_boundaries);
    tcase_add_test(tc, retarget_is_exact_where_bitcoin_would_wrap);
    tcase_add_test(tc, retarget_refuses_bad_arguments);
    tcase_add_test(tc, retarget_ms_equals_seconds_for_whole_seconds);
    tcase_add_test(tc, expected_hashes_known_answers);
    tcase_add_test(tc, expected_hashes_round_trip);
    tcase_add_test(tc, expected_hashes_refuses_bad_values);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
