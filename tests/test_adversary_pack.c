/* adversary_pack: an attacker's figures as bytes, from the process that runs
 * it to process 0. A record reads back into the attacker of the same node
 * with every figure; bytes that are not such a record are refused and leave
 * the attacker as it was: another node, every truncation, a count of trials
 * beyond the bytes, a reason with a NUL inside or longer than the room, a
 * withholding window whose blocks run past the ids carried. */
#include "adversary.h"
#include "adversary_impl.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static adversary *attacker(const scenario_adversary *cfg)
{
    adversary *a;
    ck_assert_int_eq(adversary_new(&a, cfg, NULL, 0), 0);
    return a;
}

static void fill(adversary *a)
{
    a->st = (selfish_state){7, 2, 3};
    a->mined = 11;
    a->published = 9;
    a->races_won_own = 1;
    a->races_on_attacker = 2;
    a->races_on_honest = 4;
    a->n_trials = a->cap_trials = 2;
    a->trials = calloc(2, sizeof *a->trials);
    ck_assert_ptr_nonnull(a->trials);
    a->trials[0] = (adversary_trial){.start_ns = 5, .pay_ns = 6, .end_ns = 70, .success = 1};
    a->trials[1] = (adversary_trial){.start_ns = 80, .confirmations = 2};
    a->stopped = "no unspent coin of the attacker's wallet";
    a->forged = 13;
    for (int k = 0; k < FORGE_COUNT; k++)
        a->sent[k] = (uint64_t)k + 1;
    a->n_held_ids = a->cap_held_ids = 3;
    a->held_ids = calloc(3, sizeof *a->held_ids);
    ck_assert_ptr_nonnull(a->held_ids);
    for (int i = 0; i < 3; i++)
        a->held_ids[i].b[0] = (uint8_t)(0x40 + i);
    a->n_episodes = a->cap_episodes = 2;
    a->episodes = calloc(2, sizeof *a->episodes);
    ck_assert_ptr_nonnull(a->episodes);
    a->episodes[0] = (adversary_episode){30, 95, 0, 0, 2};
    a->episodes[1] = (adversary_episode){150, -1, 1, 2, 1};
    a->censored_elsewhere = 17;
}

START_TEST(a_record_reads_back)
{
    scenario_adversary cfg = {.kind = SCENARIO_ADV_DOUBLE_SPEND, .node = 4};
    adversary *src = attacker(&cfg), *dst = attacker(&cfg);
    fill(src);
    unsigned char *bytes;
    size_t len, used = 0;
    ck_assert_int_eq(adversary_pack(&bytes, &len, src), 0);
    ck_assert_int_eq(adversary_unpack(dst, &used, bytes, len), 0);
    ck_assert_uint_eq(used, len);
    ck_assert_uint_eq(dst->st.public_height, 7);
    ck_assert_uint_eq(dst->st.races, 3);
    ck_assert_uint_eq(dst->mined, 11);
    ck_assert_uint_eq(dst->published, 9);
    ck_assert_uint_eq(dst->races_won_own, 1);
    ck_assert_uint_eq(dst->races_on_attacker, 2);
    ck_assert_uint_eq(dst->races_on_honest, 4);
    ck_assert_uint_eq(dst->n_trials, 2);
    ck_assert_int_eq(dst->trials[0].success, 1);
    ck_assert_int_eq(dst->trials[0].end_ns, 70);
    ck_assert_int_eq(dst->trials[1].start_ns, 80);
    ck_assert_str_eq(dst->stopped, src->stopped);
    ck_assert_uint_eq(dst->forged, 13);
    ck_assert_mem_eq(dst->sent, src->sent, sizeof src->sent);
    ck_assert_uint_eq(dst->n_episodes, 2);
    ck_assert_int_eq(dst->episodes[0].end_ns, 95);
    ck_assert_int_eq(dst->episodes[1].end_ns, -1);
    ck_assert_uint_eq(dst->episodes[1].first_id, 2);
    ck_assert_uint_eq(dst->n_held_ids, 3);
    ck_assert_uint_eq(dst->held_ids[2].b[0], 0x42);
    ck_assert_uint_eq(adversary_censored(dst), 17);
    /* two records back to back: the first says how long it was */
    unsigned char *two = malloc(2 * len);
    memcpy(two, bytes, len);
    memcpy(two + len, bytes, len);
    ck_assert_int_eq(adversary_unpack(dst, &used, two, 2 * len), 0);
    ck_assert_uint_eq(used, len);
    free(two);
    /* no reason given: none read back */
    src->stopped = NULL;
    free(bytes);
    ck_assert_int_eq(adversary_pack(&bytes, &len, src), 0);
    ck_assert_int_eq(adversary_unpack(dst, &used, bytes, len), 0);
    ck_assert_ptr_null(dst->stopped);
    free(bytes);
    adversary_free(src);
    adversary_free(dst);
}
END_TEST

START_TEST(bytes_that_are_not_a_record)
{
    scenario_adversary cfg = {.kind = SCENARIO_ADV_DOUBLE_SPEND, .node = 4};
    scenario_adversary other = {.kind = SCENARIO_ADV_DOUBLE_SPEND, .node = 5};
    adversary *src = attacker(&cfg), *dst = attacker(&cfg), *wrong = attacker(&other);
    fill(src);
    unsigned char *bytes;
    size_t len, used = 0;
    ck_assert_int_eq(adversary_pack(&bytes, &len, src), 0);
    /* another node's attacker */
    ck_assert_int_eq(adversary_unpack(wrong, &used, bytes, len), -1);
    ck_assert_uint_eq(wrong->mined, 0);
    /* every truncation */
    for (size_t cut = 0; cut < len; cut++)
        ck_assert_int_eq(adversary_unpack(dst, &used, bytes, cut), -1);
    ck_assert_uint_eq(dst->mined, 0);
    ck_assert_uint_eq(dst->n_trials, 0);
    /* a count of trials beyond the bytes */
    size_t trials_at = sizeof(uint32_t) + sizeof(selfish_state) + 5 * sizeof(uint64_t);
    uint64_t huge = UINT64_MAX / 4;
    unsigned char *bad = malloc(len);
    memcpy(bad, bytes, len);
    memcpy(bad + trials_at, &huge, sizeof huge);
    ck_assert_int_eq(adversary_unpack(dst, &used, bad, len), -1);
    /* a reason with a NUL inside */
    size_t why_at = trials_at + sizeof(uint64_t) + 2 * sizeof(adversary_trial);
    memcpy(bad, bytes, len);
    bad[why_at + sizeof(uint64_t) + 3] = 0;
    ck_assert_int_eq(adversary_unpack(dst, &used, bad, len), -1);
    /* a reason longer than the room for it */
    uint64_t long_len = sizeof dst->stopped_text;
    memcpy(bad, bytes, len);
    memcpy(bad + why_at, &long_len, sizeof long_len);
    ck_assert_int_eq(adversary_unpack(dst, &used, bad, len), -1);
    ck_assert_ptr_null(dst->stopped);
    /* an episode whose blocks run past the held ids */
    src->episodes[1].n_held = 2;
    free(bytes);
    ck_assert_int_eq(adversary_pack(&bytes, &len, src), 0);
    ck_assert_int_eq(adversary_unpack(dst, &used, bytes, len), -1);
    ck_assert_uint_eq(dst->n_episodes, 0);
    free(bad);
    free(bytes);
    adversary_free(src);
    adversary_free(dst);
    adversary_free(wrong);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("adversary_pack");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, a_record_reads_back);
    tcase_add_test(tc, bytes_that_are_not_a_record);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
