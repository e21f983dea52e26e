/* Stake schedules: steps per key by slot in any input order, the later of
 * two entries for the same key and slot wins, unknown keys hold nothing,
 * the total follows every change, keys come out sorted, and a total that
 * does not fit in 64 bits is refused. */
#include "stake.h"
#include "testutil.h"

#include <string.h>

static stake_entry entry(uint8_t key, uint64_t from_slot, uint64_t stake)
{
    stake_entry e;
    memset(&e, 0, sizeof e);
    e.pub[0] = key;
    e.from_slot = from_slot;
    e.stake = stake;
    return e;
}

START_TEST(steps_and_totals)
{
    /* Key 2 from 100; key 1: 50, then 10 from slot 20 (given twice: 7 then
     * 10, the later wins), then 0 from slot 40; key 3 only from slot 30. */
    stake_entry in[] = {entry(2, 0, 100), entry(1, 20, 7), entry(3, 30, 5),
                        entry(1, 0, 50),  entry(1, 40, 0), entry(1, 20, 10)};
    stake_schedule *s;
    ck_assert_int_eq(stake_new(&s, in, sizeof in / sizeof in[0]), STAKE_OK);
    uint8_t k1[32] = {1}, k2[32] = {2}, k3[32] = {3}, k9[32] = {9};
    ck_assert_uint_eq(stake_of(s, k1, 0), 50);
    ck_assert_uint_eq(stake_of(s, k1, 19), 50);
    ck_assert_uint_eq(stake_of(s, k1, 20), 10);
    ck_assert_uint_eq(stake_of(s, k1, 40), 0);
    ck_assert_uint_eq(stake_of(s, k2, 1000), 100);
    ck_assert_uint_eq(stake_of(s, k3, 29), 0);
    ck_assert_uint_eq(stake_of(s, k3, 30), 5);
    ck_assert_uint_eq(stake_of(s, k9, 0), 0);
    ck_assert_uint_eq(stake_total(s, 0), 150);
    ck_assert_uint_eq(stake_total(s, 20), 110);
    ck_assert_uint_eq(stake_total(s, 30), 115);
    ck_assert_uint_eq(stake_total(s, 40), 105);
    ck_assert_uint_eq(stake_total(s, UINT64_MAX), 105);
    ck_assert_uint_eq(stake_n_keys(s), 3);
    ck_assert_uint_eq(stake_key(s, 0)[0], 1);
    ck_assert_uint_eq(stake_key(s, 2)[0], 3);
    ck_assert_uint_eq(stake_n_steps(s, 0), 3);
    uint64_t from, stake;
    stake_step(s, 0, 1, &from, &stake);
    ck_assert_uint_eq(from, 20);
    ck_assert_uint_eq(stake, 10);
    stake_free(s);
    stake_free(NULL);
}
END_TEST

START_TEST(empty_schedule_has_no_stake)
{
    stake_schedule *s;
    ck_assert_int_eq(stake_new(&s, NULL, 0), STAKE_OK);
    uint8_t k1[32] = {1};
    ck_assert_uint_eq(stake_of(s, k1, 5), 0);
    ck_assert_uint_eq(stake_total(s, 5), 0);
    ck_assert_uint_eq(stake_n_keys(s), 0);
    stake_free(s);
}
END_TEST

START_TEST(total_overflow_is_refused_but_a_swap_is_not)
{
    /* Key 1 goes from 2^63 down to 1 at slot 5 while key 2 goes up to
     * 2^63 + 1 there: the total never exceeds 2^63 + 2. */
    uint64_t big = UINT64_C(1) << 63;
    stake_entry swap[] = {entry(1, 0, big), entry(1, 5, 1), entry(2, 0, 1), entry(2, 5, big + 1)};
    stake_schedule *s = (stake_schedule *)1;
    ck_assert_int_eq(stake_new(&s, swap, 4), STAKE_OK);
    ck_assert_uint_eq(stake_total(s, 5), big + 2);
    stake_free(s);
    stake_entry over[] = {entry(1, 0, big), entry(2, 0, 1), entry(3, 7, big)};
    ck_assert_int_eq(stake_new(&s, over, 3), STAKE_OVERFLOW);
    ck_assert_ptr_null(s);
    ck_assert_str_eq(stake_status_message(STAKE_OVERFLOW), "total stake exceeds 2^64 - 1");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("stake");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, steps_and_totals);
    tcase_add_test(tc, empty_schedule_has_no_stake);
    tcase_add_test(tc, total_overflow_is_refused_but_a_swap_is_not);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
