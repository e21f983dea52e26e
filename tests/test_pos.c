/* The Praos slot lottery: phi values, exact thresholds, the lottery hash and
 * epoch seed bytes (known answers computed independently with Python's
 * hashlib), and leader rates over many slots against the binomial law. */
#include "pos.h"
#include "testutil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

START_TEST(phi_values)
{
    ck_assert_double_eq_tol(pos_phi(0.05, 1.0), 0.05, 1e-16);
    ck_assert_double_eq(pos_phi(0.05, 0.0), 0.0);
    ck_assert_double_eq_tol(pos_phi(0.05, 0.5), 1 - sqrt(0.95), 1e-16);
    ck_assert_double_eq_tol(pos_phi(0.5, 0.25), 1 - pow(0.5, 0.25), 1e-16);
    ck_assert_double_eq(pos_phi(1.0, 0.3), 1.0);
    ck_assert_double_eq(pos_phi(1.0, 0.0), 0.0);
    /* tiny stake: phi ~ -alpha ln(1 - f); 1 - pow(0.95, 1e-12) would have lost
     * four digits here */
    double tiny = pos_phi(0.05, 1e-12), approx = -1e-12 * log(0.95);
    ck_assert_msg(fabs(tiny - approx) <= approx * 1e-13, "phi(1e-12) = %.17g, want %.17g", tiny,
                  approx);
}
END_TEST

/* Praos's independent aggregation: 1 - phi(a + b) = (1 - phi(a))(1 - phi(b)). */
START_TEST(phi_aggregates_independently)
{
    const double f = 0.1;
    for (int i = 1; i < 20; i++) {
        double a = i / 40.0, b = (20 - i) / 53.0;
        double joined = pos_phi(f, a + b);
        double split = 1 - (1 - pos_phi(f, a)) * (1 - pos_phi(f, b));
        ck_assert_double_eq_tol(joined, split, 1e-15);
    }
}
END_TEST

START_TEST(threshold_known_answers)
{
    pos_threshold t;
    ck_assert_int_eq(pos_threshold_for(&t, 10, 10, 0.5), POS_OK);
    ck_assert_int_eq(t.never, 0);
    ck_assert_uint_eq(t.max_value, (UINT64_C(1) << 63) - 1); /* probability exactly 1/2 */
    ck_assert_int_eq(pos_threshold_for(&t, 7, 7, 0.25), POS_OK);
    ck_assert_uint_eq(t.max_value, (UINT64_C(1) << 62) - 1);
    ck_assert_int_eq(pos_threshold_for(&t, 3, 3, 1.0), POS_OK);
    ck_assert_uint_eq(t.max_value, UINT64_MAX); /* always leads */
    ck_assert_int_eq(pos_threshold_for(&t, 1, 2, 0.75), POS_OK);
    /* 1 - sqrt(1/4) = 1/2, to a few ulp */
    ck_assert_msg(llabs((long long)(t.max_value - ((UINT64_C(1) << 63) - 1))) <= 1 << 13,
                  "max_value %llx", (unsigned long long)t.max_value);
    ck_assert_int_eq(pos_threshold_for(&t, 0, 5, 0.5), POS_OK);
    ck_assert_int_eq(t.never, 1);
    /* a chance below 2^-64 rounds to never */
    ck_assert_int_eq(pos_threshold_for(&t, 1, UINT64_MAX, 1e-9), POS_OK);
    ck_assert_int_eq(t.never, 1);
}
END_TEST

START_TEST(threshold_refuses_bad_arguments)
{
    const double bad_f[] = {0.0, -0.1, 1.5, NAN, INFINITY};
    pos_threshold t;
    ck_assert_int_eq(pos_threshold_for(&t, 1, 0, 0.5), POS_BAD_STAKE);
    ck_assert_int_eq(t.never, 1);
    ck_assert_int_eq(pos_threshold_for(&t, 6, 5, 0.5), POS_BAD_STAKE);
    ck_assert_int_eq(t.never, 1);
    for (size_t i = 0; i < sizeof bad_f / sizeof bad_f[0]; i++) {
        ck_assert_int_eq(pos_threshold_for(&t, 1, 2, bad_f[i]), POS_BAD_F);
        ck_assert_int_eq(t.never, 1);
    }
    hash256 seed;
    uint8_t pub[KEYS_PUB_BYTES] = {0};
    int leader = 1;
    memset(&seed, 0, sizeof seed);
    ck_assert_int_eq(pos_is_leader(&leader, &seed, 1, pub, 3, 2, 1.0), POS_BAD_STAKE);
    ck_assert_int_eq(leader, 0);
    leader = 1;
    ck_assert_int_eq(pos_is_leader(&leader, &seed, 1, pub, 1, 2, 0.0), POS_BAD_F);
    ck_assert_int_eq(leader, 0);
    ck_assert_str_eq(pos_status_message(POS_BAD_F), "active slot coefficient f must be in (0, 1]");
}
END_TEST

START_TEST(wins_at_the_threshold_not_above)
{
    pos_threshold t = {.max_value = 0x0123456789abcdefULL, .never = 0};
    hash256 h;
    memset(&h, 0xff, sizeof h);
    testutil_unhex(h.b, 8, "0123456789abcdef");
    ck_assert_int_eq(pos_wins(&h, &t), 1);
    testutil_unhex(h.b, 8, "0123456789abcdf0");
    ck_assert_int_eq(pos_wins(&h, &t), 0);
    testutil_unhex(h.b, 8, "0000000000000000");
    ck_assert_int_eq(pos_wins(&h, &t), 1);
    t.never = 1;
    ck_assert_int_eq(pos_wins(&h, &t), 0);
}
END_TEST

START_TEST(lottery_hash_and_epoch_seed_bytes)
{
    hash256 seed, out, block_id, want;
    uint8_t pub[KEYS_PUB_BYTES];
    memset(seed.b, 0x01, 32);
    memset(pub, 0x02, sizeof pub);
    memset(block_id.b, 0x03, 32);
    pos_lottery_hash(&out, &seed, 0x0102030405060708ULL, pub);
    testutil_unhex(want.b, 32, "d8624660a39b12016f162b012d5a0d3bdd4a2300ad6d9457c2ef64fdd79ace8e");
    ck_assert_mem_eq(out.b, want.b, 32);
    pos_next_epoch_seed(&out, &seed, &block_id);
    testutil_unhex(want.b, 32, "7d87fc68f80962fa1f08c9a964bd55c07bda6d8c59de1429b520b1cfcd648146");
    ck_assert_mem_eq(out.b, want.b, 32);
}
END_TEST

#define NODES 5
#define SLOTS 20000

/* Over SLOTS slots each node leads about SLOTS * p times (p its exact
 * threshold probability) and some node leads about SLOTS * f times (stakes sum
 * to the whole, so 1 - prod(1 - phi_i) = 1 - (1 - f)^1 = f). The seed is
 * fixed, so the counts are fixed; the bounds are 5 binomial standard
 * deviations, which a correct lottery passes for all but ~1e-6 of seeds. */
START_TEST(leader_rates_match_phi)
{
    const uint64_t stakes[NODES] = {1, 2, 3, 4, 10};
    const uint64_t total = 20;
    const double f = 0.2;
    uint8_t pubs[NODES][KEYS_PUB_BYTES];
    pos_threshold thresholds[NODES];
    long wins[NODES] = {0}, led_slots = 0, multi_slots = 0;
    hash256 seed;
    hash_sha256(seed.b, "chainsim test epoch", 19);
    for (int n = 0; n < NODES; n++) {
        uint8_t label = (uint8_t)n;
        hash_sha256(pubs[n], &label, 1);
        ck_assert_int_eq(pos_threshold_for(&thresholds[n], stakes[n], total, f), POS_OK);
    }
    for (uint64_t slot = 0; slot < SLOTS; slot++) {
        int leaders = 0;
        for (int n = 0; n < NODES; n++) {
            int leader;
            ck_assert_int_eq(pos_is_leader(&leader, &seed, slot, pubs[n], stakes[n], total, f),
                             POS_OK);
            wins[n] += leader;
            leaders += leader;
        }
        led_slots += leaders > 0;
        multi_slots += leaders > 1;
    }
    for (int n = 0; n < NODES; n++) {
        double p = ldexp((double)thresholds[n].max_value + 1.0, -64);
        ck_assert_double_eq_tol(p, pos_phi(f, (double)stakes[n] / total), 1e-15);
        double mean = SLOTS * p, sigma = sqrt(SLOTS * p * (1 - p));
        ck_assert_msg(fabs(wins[n] - mean) <= 5 * sigma,
                      "node %d (stake %lu/%lu): %ld leads, expected %.1f +- %.1f", n,
                      (unsigned long)stakes[n], (unsigned long)total, wins[n], mean, 5 * sigma);
    }
    double mean = SLOTS * f, sigma = sqrt(SLOTS * f * (1 - f));
    ck_assert_msg(fabs(led_slots - mean) <= 5 * sigma, "%ld led slots, expected %.1f +- %.1f",
                  led_slots, mean, 5 * sigma);
    ck_assert_int_gt(multi_slots, 0);   /* forks are possible */
    ck_assert_int_lt(led_slots, SLOTS); /* and empty slots */
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("pos");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, phi_values);
    tcase_add_test(tc, phi_aggregates_independently);
    tcase_add_test(tc, threshold_known_answers);
    tcase_add_test(tc, threshold_refuses_bad_arguments);
    tcase_add_test(tc, wins_at_the_threshold_not_above);
    tcase_add_test(tc, lottery_hash_and_epoch_seed_bytes);
    tcase_add_test(tc, leader_rates_match_phi);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
