/* progress: what a progress report says, when it is shown, and the
 * interval read from the environment. */
#include "progress.h"
#include "testutil.h"
#include "timeunit.h"

#include <stdlib.h>
#include <string.h>

#define S(x) ((int64_t)(x)*TIMEUNIT_NS_PER_S)

START_TEST(formats_each_mode)
{
    char buf[200];
    /* 1800 of 7200 virtual s after 10 wall s: 180x, 5400 s left at 180x = 30 s. */
    ck_assert_str_eq(progress_format(buf, sizeof buf, PROGRESS_LINES, S(1800), S(7200), 10.0, 42),
                     "chainsim: progress: 1800 of 7200 virtual s (25.0%), 180x real time, "
                     "height 42, ETA 30s");
    ck_assert_str_eq(progress_format(buf, sizeof buf, PROGRESS_ALIVE, S(1800), S(7200), 10.0, 42),
                     "chainsim: running: 25% of 7200 virtual s, ETA 30s");
    ck_assert_str_eq(progress_format(buf, sizeof buf, PROGRESS_BAR, S(1800), S(7200), 10.0, 42),
                     "[=====               ]  25.0%  1800 of 7200 s  180x  height 42  ETA 30s");
    ck_assert_str_eq(progress_format(buf, sizeof buf, PROGRESS_OFF, S(1800), S(7200), 10.0, 42),
                     "");
    /* Slower than real time; minutes and hours left. */
    ck_assert_str_eq(progress_format(buf, sizeof buf, PROGRESS_ALIVE, S(60), S(600), 120.0, 1),
                     "chainsim: running: 10% of 600 virtual s, ETA 18m00s");
    ck_assert_str_eq(progress_format(buf, sizeof buf, PROGRESS_LINES, S(1), S(36000), 2.0, 0),
                     "chainsim: progress: 1 of 36000 virtual s (0.0%), 0.5x real time, height 0, "
                     "ETA 19h59m");
    /* Nothing done yet: the time left is unknown. */
    ck_assert_str_eq(progress_format(buf, sizeof buf, PROGRESS_ALIVE, 0, S(600), 0.0, 0),
                     "chainsim: running: 0% of 600 virtual s, ETA ?");
    /* A full bar at the end, and a small buffer stays terminated. */
    ck_assert_ptr_nonnull(
        strstr(progress_format(buf, sizeof buf, PROGRESS_BAR, S(600), S(600), 1.0, 9),
               "[====================] 100.0%"));
    progress_format(buf, 12, PROGRESS_LINES, S(1), S(2), 1.0, 0);
    ck_assert_str_eq(buf, "chainsim: p");
}
END_TEST

START_TEST(chooses_the_mode)
{
    ck_assert_int_eq(progress_choose(0, 1, 5), PROGRESS_BAR);
    ck_assert_int_eq(progress_choose(0, 0, 5), PROGRESS_LINES);
    ck_assert_int_eq(progress_choose(1, 1, 5), PROGRESS_ALIVE);
    ck_assert_int_eq(progress_choose(1, 0, 5), PROGRESS_ALIVE);
    ck_assert_int_eq(progress_choose(0, 1, 0), PROGRESS_OFF);
    ck_assert_int_eq(progress_choose(1, 0, 0), PROGRESS_OFF);
}
END_TEST

START_TEST(reads_the_interval)
{
    char err[200];
    double s = -1;
    unsetenv("CHAINSIM_PROGRESS_INTERVAL");
    ck_assert_int_eq(progress_interval_from_env(&s, err, sizeof err), 0);
    ck_assert(s == PROGRESS_INTERVAL_S);
    setenv("CHAINSIM_PROGRESS_INTERVAL", "", 1);
    ck_assert_int_eq(progress_interval_from_env(&s, err, sizeof err), 0);
    ck_assert(s == PROGRESS_INTERVAL_S);
    setenv("CHAINSIM_PROGRESS_INTERVAL", "0.25", 1);
    ck_assert_int_eq(progress_interval_from_env(&s, err, sizeof err), 0);
    ck_assert(s == 0.25);
    setenv("CHAINSIM_PROGRESS_INTERVAL", "0", 1);
    ck_assert_int_eq(progress_interval_from_env(&s, err, sizeof err), 0);
    ck_assert(s == 0);
    static const char *const bad[] = {"abc", "5s", "-1", "nan", "inf", "1e9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        setenv("CHAINSIM_PROGRESS_INTERVAL", bad[i], 1);
        ck_assert_msg(progress_interval_from_env(&s, err, sizeof err) == -1, "%s", bad[i]);
        ck_assert_ptr_nonnull(strstr(err, "CHAINSIM_PROGRESS_INTERVAL: expected seconds"));
        ck_assert_ptr_nonnull(strstr(err, bad[i]));
    }
    unsetenv("CHAINSIM_PROGRESS_INTERVAL");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("progress");
    TCase *tc = tcase_create("progress");
    tcase_add_test(tc, formats_each_mode);
    tcase_add_test(tc, chooses_the_mode);
    tcase_add_test(tc, reads_the_interval);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
