/* Unit parsing: every accepted form gives the exact value, every rejected
 * form gives its reason code and a zeroed output. */
#include "testutil.h"
#include "units.h"

#include <string.h>

struct dur_case {
    const char *text;
    units_status status;
    int64_t ns;
};

static const struct dur_case durations[] = {
    {"250ms", UNITS_OK, 250000000LL},
    {"1.5s", UNITS_OK, 1500000000LL},
    {"30m", UNITS_OK, 1800000000000LL},
    {"2min", UNITS_OK, 120000000000LL},
    {"2h", UNITS_OK, 7200000000000LL},
    {"10us", UNITS_OK, 10000LL},
    {"500ns", UNITS_OK, 500LL},
    {"1d", UNITS_OK, 86400000000000LL},
    {"0s", UNITS_OK, 0},
    {"0.001ms", UNITS_OK, 1000LL},
    {"1.000000000s", UNITS_OK, 1000000000LL},
    {"", UNITS_EMPTY, 0},
    {"-1s", UNITS_NEGATIVE, 0},
    {"+1s", UNITS_BAD_NUMBER, 0},
    {"s", UNITS_BAD_NUMBER, 0},
    {".5s", UNITS_BAD_NUMBER, 0},
    {"1.s", UNITS_BAD_NUMBER, 0},
    {"1e3s", UNITS_BAD_UNIT, 0},
    {"10", UNITS_NO_UNIT, 0},
    {"10 s", UNITS_BAD_UNIT, 0},
    {"10sec", UNITS_BAD_UNIT, 0},
    {"10S", UNITS_BAD_UNIT, 0},
    {"10s ", UNITS_BAD_UNIT, 0},
    {"1.5ns", UNITS_INEXACT, 0},
    {"300000d", UNITS_OVERFLOW, 0},
    {"9223372036854775808ns", UNITS_OVERFLOW, 0},
    {"9223372036854775807ns", UNITS_OK, INT64_MAX},
    {"1000000000000000000000000000000000s", UNITS_OVERFLOW, 0},
};

START_TEST(duration_forms)
{
    const struct dur_case *c = &durations[_i];
    int64_t ns = 12345;
    ck_assert_msg(units_parse_duration_ns(&ns, c->text) == c->status, "\"%s\": got %s", c->text,
                  units_status_message(units_parse_duration_ns(&ns, c->text)));
    ck_assert_int_eq(ns, c->ns);
}
END_TEST

START_TEST(duration_null_and_seconds)
{
    int64_t ns = 7;
    ck_assert_int_eq(units_parse_duration_ns(&ns, NULL), UNITS_EMPTY);
    ck_assert_int_eq(units_seconds_to_ns(&ns, 1.5), UNITS_OK);
    ck_assert_int_eq(ns, 1500000000LL);
    ck_assert_int_eq(units_seconds_to_ns(&ns, 0.05), UNITS_OK);
    ck_assert_int_eq(ns, 50000000LL);
    ck_assert_int_eq(units_seconds_to_ns(&ns, -1), UNITS_NEGATIVE);
    ck_assert_int_eq(ns, 0);
    ck_assert_int_eq(units_seconds_to_ns(&ns, 1e300), UNITS_OVERFLOW);
    ck_assert_int_eq(units_seconds_to_ns(&ns, 0.0 / 0.0), UNITS_BAD_NUMBER);
}
END_TEST

struct u64_case {
    const char *text;
    units_status status;
    uint64_t value;
};

static const struct u64_case bandwidths[] = {
    {"10Mbit", UNITS_OK, 10000000ULL},
    {"1Gbit", UNITS_OK, 1000000000ULL},
    {"100kbit", UNITS_OK, 100000ULL},
    {"56kbit/s", UNITS_OK, 56000ULL},
    {"1.5MB/s", UNITS_OK, 12000000ULL},
    {"1.5MB", UNITS_OK, 12000000ULL},
    {"8Mbps", UNITS_OK, 8000000ULL},
    {"100bit", UNITS_OK, 100ULL},
    {"0", UNITS_OK, 0},
    {"0Mbit", UNITS_OK, 0},
    {"", UNITS_EMPTY, 0},
    {"10", UNITS_NO_UNIT, 0},
    {"-10Mbit", UNITS_NEGATIVE, 0},
    {"10mbit", UNITS_BAD_UNIT, 0},
    {"10Mbps/s", UNITS_BAD_UNIT, 0},
    {"10Mbit/h", UNITS_BAD_UNIT, 0},
    {"0.5bit", UNITS_INEXACT, 0},
    {"abc", UNITS_BAD_NUMBER, 0},
    {"100000000Tbit", UNITS_OVERFLOW, 0},
    {"10Mbit/s/s/s/s/s/s/s/s/s/s/s/s/s/s", UNITS_BAD_UNIT, 0},
};

START_TEST(bandwidth_forms)
{
    const struct u64_case *c = &bandwidths[_i];
    uint64_t v = 99;
    ck_assert_msg(units_parse_bandwidth_bps(&v, c->text) == c->status, "\"%s\"", c->text);
    ck_assert_uint_eq(v, c->value);
}
END_TEST

static const struct u64_case sizes[] = {
    {"1MB", UNITS_OK, 1000000ULL}, {"500kB", UNITS_OK, 500000ULL},
    {"1KiB", UNITS_OK, 1024ULL},   {"2MiB", UNITS_OK, 2097152ULL},
    {"80B", UNITS_OK, 80ULL},      {"1.5kB", UNITS_OK, 1500ULL},
    {"1000", UNITS_NO_UNIT, 0},    {"1mb", UNITS_BAD_UNIT, 0},
    {"1.5B", UNITS_INEXACT, 0},    {"-1kB", UNITS_NEGATIVE, 0},
    {"", UNITS_EMPTY, 0},          {"100000000000GB", UNITS_OVERFLOW, 0},
};

START_TEST(size_forms)
{
    const struct u64_case *c = &sizes[_i];
    uint64_t v = 99;
    ck_assert_msg(units_parse_size_bytes(&v, c->text) == c->status, "\"%s\"", c->text);
    ck_assert_uint_eq(v, c->value);
}
END_TEST

struct dbl_case {
    const char *text;
    units_status status;
    double value;
};

/* Thousandths of a hash per second, exactly; a finer fraction is refused. */
static const struct u64_case hashrates[] = {
    {"1M", UNITS_OK, 1000000000ULL},
    {"2.5kH/s", UNITS_OK, 2500000ULL},
    {"3GH", UNITS_OK, 3000000000000ULL},
    {"1000", UNITS_OK, 1000000ULL},
    {"7H/s", UNITS_OK, 7000ULL},
    {"0.5TH/s", UNITS_OK, 500000000000000ULL},
    {"0", UNITS_OK, 0ULL},
    {"1000T", UNITS_OK, 1000000000000000000ULL},
    {"1.000001M", UNITS_OK, 1000001000ULL},
    {"0.1", UNITS_OK, 100ULL},
    {"1.5", UNITS_OK, 1500ULL},
    {"0.001H/s", UNITS_OK, 1ULL},
    {"1.0005kH/s", UNITS_OK, 1000500ULL},
    {"0.0001", UNITS_INEXACT, 0},
    {"0.0015", UNITS_INEXACT, 0},
    {"1.0000005k", UNITS_INEXACT, 0},
    {"1m", UNITS_BAD_UNIT, 0},
    {"1MH/h", UNITS_BAD_UNIT, 0},
    {"-1M", UNITS_NEGATIVE, 0},
    {"", UNITS_EMPTY, 0},
    {"M", UNITS_BAD_NUMBER, 0},
    {"1000.001T", UNITS_OVERFLOW, 0},
    {"1000000T", UNITS_OVERFLOW, 0},
    {"1000000000T", UNITS_OVERFLOW, 0},
    {"1 M", UNITS_BAD_UNIT, 0},
};

START_TEST(hashrate_forms)
{
    const struct u64_case *c = &hashrates[_i];
    uint64_t v = 99;
    ck_assert_msg(units_parse_hashrate_mhps(&v, c->text) == c->status, "\"%s\"", c->text);
    ck_assert_uint_eq(v, c->value);
}
END_TEST

static const struct dbl_case rates[] = {
    {"2/s", UNITS_OK, 2},       {"120/m", UNITS_OK, 2},      {"30/min", UNITS_OK, 0.5},
    {"3600/h", UNITS_OK, 1},    {"0.5/s", UNITS_OK, 0.5},    {"2", UNITS_NO_UNIT, 0},
    {"2/y", UNITS_BAD_UNIT, 0}, {"2 /s", UNITS_BAD_UNIT, 0}, {"-2/s", UNITS_NEGATIVE, 0},
    {"", UNITS_EMPTY, 0},       {"/s", UNITS_BAD_NUMBER, 0},
};

START_TEST(rate_forms)
{
    const struct dbl_case *c = &rates[_i];
    double v = 99;
    ck_assert_msg(units_parse_rate_per_s(&v, c->text) == c->status, "\"%s\"", c->text);
    ck_assert_double_eq_tol(v, c->value, 1e-12);
}
END_TEST

START_TEST(format_round_trips)
{
    static const int64_t ns[] = {0,
                                 1,
                                 999,
                                 1000,
                                 1500000,
                                 250000000,
                                 1500000000LL,
                                 120000000000LL,
                                 90000000000,
                                 86400000000000LL,
                                 INT64_MAX};
    static const char *const want[] = {"0s",     "1ns", "999ns", "1us", "1500us", "250ms",
                                       "1500ms", "2m",  "90s",   "1d",  NULL};
    char buf[64];
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        int64_t back;
        units_format_duration(buf, sizeof buf, ns[i]);
        if (want[i] != NULL)
            ck_assert_str_eq(buf, want[i]);
        ck_assert_int_eq(units_parse_duration_ns(&back, buf), UNITS_OK);
        ck_assert_int_eq(back, ns[i]);
    }
    static const uint64_t bps[] = {0, 1, 1500, 10000000, 12000000, 2000000000000ULL};
    for (size_t i = 0; i < sizeof bps / sizeof bps[0]; i++) {
        uint64_t back;
        units_format_bandwidth(buf, sizeof buf, bps[i]);
        ck_assert_int_eq(units_parse_bandwidth_bps(&back, buf), UNITS_OK);
        ck_assert_uint_eq(back, bps[i]);
    }
    units_format_bandwidth(buf, sizeof buf, 10000000);
    ck_assert_str_eq(buf, "10Mbit");
    ck_assert_str_eq(units_status_message(UNITS_INEXACT), "not a whole number of the base unit");
    ck_assert_str_eq(units_status_message((units_status)99), "unknown status");
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *suite(void)
{
    Suite *s = suite_create("units");
    TCase *tc = tcase_create("parse");
    tcase_add_loop_test(tc, duration_forms, 0, N(durations));
    tcase_add_test(tc, duration_null_and_seconds);
    tcase_add_loop_test(tc, bandwidth_forms, 0, N(bandwidths));
    tcase_add_loop_test(tc, size_forms, 0, N(sizes));
    tcase_add_loop_test(tc, hashrate_forms, 0, N(hashrates));
    tcase_add_loop_test(tc, rate_forms, 0, N(rates));
    tcase_add_test(tc, format_round_trips);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
