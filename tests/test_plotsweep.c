/* plotsweep: the statistics behind sweep figures. Student's t quantiles
 * against published values (tables up to 30 degrees of freedom, beyond from
 * the expansion), the mean and 95% interval of known samples (missing
 * values skipped, one value, none), how swept values are placed on the x
 * axis, and the stale-rate theory. */
#include "plotsweep.h"
#include "testutil.h"

#include <math.h>

static void near(double got, double want, double tol)
{
    ck_assert_msg(fabs(got - want) <= tol, "got %.9g, want %.9g (+- %g)", got, want, tol);
}

START_TEST(t_quantiles)
{
    near(plotsweep_t975(1), 12.706, 1e-9);
    near(plotsweep_t975(0), 12.706, 1e-9); /* taken as 1 */
    near(plotsweep_t975(4), 2.776, 1e-9);
    near(plotsweep_t975(30), 2.042, 1e-9);
    /* Exact values: t(0.975, 40) = 2.02108, t(0.975, 120) = 1.97993,
     * t(0.975, 1000) = 1.96234; the normal quantile is the limit. */
    near(plotsweep_t975(31), 2.03951, 2e-4);
    near(plotsweep_t975(40), 2.02108, 1e-4);
    near(plotsweep_t975(120), 1.97993, 1e-4);
    near(plotsweep_t975(1000), 1.96234, 1e-4);
    near(plotsweep_t975(100000000), 1.959964, 1e-5);
    for (size_t df = 1; df < 200; df++)
        ck_assert_msg(plotsweep_t975(df + 1) < plotsweep_t975(df), "not decreasing at %zu", df);
}
END_TEST

START_TEST(mean_and_interval)
{
    plotsweep_stat s;
    /* 1, 2, 3: mean 2, s = 1, half width t(0.975, 2) / sqrt(3) = 4.303 / 1.7320508. */
    const double v[] = {1, NAN, 2, 3};
    plotsweep_stat_of(&s, v, 4);
    ck_assert_uint_eq(s.n, 3);
    near(s.mean, 2, 1e-12);
    near(s.high - s.mean, 4.303 / sqrt(3), 1e-9);
    near(s.mean - s.low, 4.303 / sqrt(3), 1e-9);
    const double one[] = {NAN, 0.25};
    plotsweep_stat_of(&s, one, 2);
    ck_assert_uint_eq(s.n, 1);
    ck_assert(s.mean == 0.25 && s.low == 0.25 && s.high == 0.25);
    const double none[] = {NAN};
    plotsweep_stat_of(&s, none, 1);
    ck_assert_uint_eq(s.n, 0);
    ck_assert(isnan(s.mean) && isnan(s.low) && isnan(s.high));
    const double same[] = {5, 5, 5, 5};
    plotsweep_stat_of(&s, same, 4);
    ck_assert(s.low == 5 && s.high == 5);
}
END_TEST

START_TEST(axis_kinds)
{
    double x[4];
    const char *const numbers[] = {"4", "8", "16.5", "1e3"};
    ck_assert_int_eq(plotsweep_axis_of(x, numbers, 4), PLOTSWEEP_X_NUMBER);
    ck_assert(x[0] == 4 && x[2] == 16.5 && x[3] == 1000);
    const char *const durations[] = {"100ms", "\"2s\"", "1m", "250us"};
    ck_assert_int_eq(plotsweep_axis_of(x, durations, 4), PLOTSWEEP_X_SECONDS);
    near(x[0], 0.1, 1e-12);
    near(x[1], 2, 1e-12);
    near(x[2], 60, 1e-12);
    near(x[3], 0.00025, 1e-12);
    /* A bare number is not a duration; mixed values are names. */
    const char *const mixed[] = {"100ms", "5"};
    ck_assert_int_eq(plotsweep_axis_of(x, mixed, 2), PLOTSWEEP_X_CATEGORY);
    ck_assert(x[0] == 1 && x[1] == 2);
    const char *const names[] = {"{\"dist\":\"uniform\"}", "10Mbit", "pos"};
    ck_assert_int_eq(plotsweep_axis_of(x, names, 3), PLOTSWEEP_X_CATEGORY);
    ck_assert(x[2] == 3);
    ck_assert_int_eq(plotsweep_axis_of(x, names, 0), PLOTSWEEP_X_CATEGORY);
}
END_TEST

START_TEST(stale_theory)
{
    near(plotsweep_stale_theory(0.1, 0), 0, 1e-15);
    near(plotsweep_stale_theory(0.2, 2.5), 1 - exp(-0.5), 1e-15);
    near(plotsweep_stale_theory(1.0 / 600, 2), 0.0033278, 1e-6); /* Bitcoin-like */
    ck_assert(isnan(plotsweep_stale_theory(NAN, 1)));
    ck_assert(isnan(plotsweep_stale_theory(1, NAN)));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("plotsweep");
    TCase *tc = tcase_create("stats");
    tcase_add_test(tc, t_quantiles);
    tcase_add_test(tc, mean_and_interval);
    tcase_add_test(tc, axis_kinds);
    tcase_add_test(tc, stale_theory);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
