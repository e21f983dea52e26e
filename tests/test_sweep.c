/* sweep: the pure parts of `chainsim sweep`: --vary parsing and its
 * rejections, grid order, repetition seeds, run folder names, the child's
 * command line, the sweep id, and the exact bytes of sweep.csv and
 * sweep.json. */
#include "sweep.h"
#include "testutil.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

START_TEST(sweep_axes_and_grid)
{
    sweep_axis ax[2];
    char err[256];
    ck_assert_int_eq(sweep_axis_parse(&ax[0], err, sizeof err, "network.latency_ms=10,50,100"), 0);
    ck_assert_str_eq(ax[0].path, "network.latency_ms");
    ck_assert_uint_eq(ax[0].n_values, 3);
    ck_assert_str_eq(ax[0].values[2], "100");
    ck_assert_int_eq(sweep_axis_parse(&ax[1], err, sizeof err, "nodes=4,8"), 0);
    static const char *const bad[] = {"nodes", "=1,2", "nodes=", "nodes=1,,2", "nodes=1,"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sweep_axis x;
        ck_assert_int_eq(sweep_axis_parse(&x, err, sizeof err, bad[i]), -1);
        ck_assert_msg(strstr(err, bad[i]) != NULL, "message '%s' must quote '%s'", err, bad[i]);
        ck_assert_ptr_null(x.path);
    }
    size_t n = 0;
    ck_assert_int_eq(sweep_grid_size(&n, ax, 2, 2), 0);
    ck_assert_uint_eq(n, 12);
    ck_assert_int_eq(sweep_grid_size(&n, ax, 0, 5), 0);
    ck_assert_uint_eq(n, 5);
    ck_assert_int_eq(sweep_grid_size(&n, ax, 2, 0), -1);
    /* Grid order: first axis slowest, repetition fastest. */
    static const size_t want[12][3] = {{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {0, 1, 1},
                                       {1, 0, 0}, {1, 0, 1}, {1, 1, 0}, {1, 1, 1},
                                       {2, 0, 0}, {2, 0, 1}, {2, 1, 0}, {2, 1, 1}};
    for (size_t i = 0; i < 12; i++) {
        size_t idx[2];
        unsigned rep;
        sweep_grid_point(idx, &rep, ax, 2, 2, i);
        ck_assert_uint_eq(idx[0], want[i][0]);
        ck_assert_uint_eq(idx[1], want[i][1]);
        ck_assert_uint_eq(rep, want[i][2]);
    }
    /* splitmix64 reference outputs for seed 0 (the first outputs of the
     * generator of Steele et al. seeded with 0). */
    ck_assert_uint_eq(sweep_seed(0, 0), 0xE220A8397B1DCDAFu);
    ck_assert_uint_eq(sweep_seed(0x9E3779B97F4A7C15u, 0), 0x6E789E6AA1B965F4u);
    ck_assert_uint_ne(sweep_seed(7, 0), sweep_seed(7, 1));
    char name[32];
    sweep_run_name(name, sizeof name, 0, 12);
    ck_assert_str_eq(name, "run-001");
    sweep_run_name(name, sizeof name, 1233, 5000);
    ck_assert_str_eq(name, "run-1234");
    size_t idx[2] = {1, 0};
    char **argv = sweep_child_argv("chainsim", "s.json", ax, 2, idx, 42, "out/run-003");
    static const char *const want_argv[] = {
        "chainsim", "run",    "s.json", "--set", "network.latency_ms=50", "--set",
        "nodes=4",  "--seed", "42",     "--out", "out/run-003",           "--quiet"};
    for (size_t i = 0; i < sizeof want_argv / sizeof want_argv[0]; i++)
        ck_assert_str_eq(argv[i], want_argv[i]);
    ck_assert_ptr_null(argv[sizeof want_argv / sizeof want_argv[0]]);
    free(argv);
    sweep_axis_clear(&ax[0]);
    sweep_axis_clear(&ax[1]);
    sweep_axis_clear(NULL);
}
END_TEST

START_TEST(sweep_csv_rows_in_grid_order)
{
    sweep_axis ax;
    char err[256];
    ck_assert_int_eq(sweep_axis_parse(&ax, err, sizeof err, "pos.k=2,\"x\""), 0);
    cJSON *a = cJSON_Parse("{\"blocks\": {\"produced\": 10, \"stale_rate\": 0.25}}");
    cJSON *b = cJSON_Parse("{\"blocks\": {\"produced\": 12, \"stale_rate\": null}}");
    const cJSON *sums[4] = {a, b, b, a};
    char *csv = sweep_csv("0123456789ab", &ax, 1, 2, 5, sums, 4);
    ck_assert_ptr_nonnull(csv);
    char expect[2048];
    snprintf(expect, sizeof expect,
             "run_id,run,pos.k,rep,seed,blocks,stale_rate,prop50_median_s,prop50_p90_s,"
             "prop90_median_s,prop90_p90_s,reorgs,deepest_reorg,reconverge_max_s,tx_per_s,"
             "confirm_median_s,confirm_p90_s,hashes,messages_sent,bytes_sent,events\n"
             "0123456789ab-001,run-001,2,0,%llu,10,0.25,,,,,,,,,,,,,,\n"
             "0123456789ab-002,run-002,2,1,%llu,12,,,,,,,,,,,,,,,\n"
             "0123456789ab-003,run-003,\"\"\"x\"\"\",0,%llu,12,,,,,,,,,,,,,,,\n"
             "0123456789ab-004,run-004,\"\"\"x\"\"\",1,%llu,10,0.25,,,,,,,,,,,,,,\n",
             (unsigned long long)sweep_seed(5, 0), (unsigned long long)sweep_seed(5, 1),
             (unsigned long long)sweep_seed(5, 0), (unsigned long long)sweep_seed(5, 1));
    ck_assert_str_eq(csv, expect);
    char *again = sweep_csv("0123456789ab", &ax, 1, 2, 5, sums, 4);
    ck_assert_str_eq(again, csv); /* same inputs, same bytes */
    free(again);
    free(csv);
    cJSON_Delete(a);
    cJSON_Delete(b);
    sweep_axis_clear(&ax);
}
END_TEST

START_TEST(sweep_id_names_the_definition)
{
    sweep_axis ax[2];
    char err[256];
    ck_assert_int_eq(sweep_axis_parse(&ax[0], err, sizeof err, "network.latency=100ms,1s"), 0);
    ck_assert_int_eq(sweep_axis_parse(&ax[1], err, sizeof err, "nodes.count=4,8"), 0);
    static const char scn[] = "{\"seed\": 3}";
    char id[SWEEP_ID_HEX + 1], other[SWEEP_ID_HEX + 1];
    sweep_id(id, scn, strlen(scn), ax, 2, 3, 7);
    ck_assert_uint_eq(strlen(id), SWEEP_ID_HEX);
    ck_assert_uint_eq(strspn(id, "0123456789abcdef"), SWEEP_ID_HEX);
    sweep_id(other, scn, strlen(scn), ax, 2, 3, 7);
    ck_assert_str_eq(other, id); /* same definition, same id */
    /* Every part of the definition changes the id. */
    sweep_id(other, scn, strlen(scn) - 1, ax, 2, 3, 7);
    ck_assert_str_ne(other, id);
    sweep_id(other, scn, strlen(scn), ax, 1, 3, 7);
    ck_assert_str_ne(other, id);
    sweep_id(other, scn, strlen(scn), ax, 2, 4, 7);
    ck_assert_str_ne(other, id);
    sweep_id(other, scn, strlen(scn), ax, 2, 3, 8);
    ck_assert_str_ne(other, id);
    free(ax[1].values[1]);
    ax[1].values[1] = strdup("16");
    sweep_id(other, scn, strlen(scn), ax, 2, 3, 7);
    ck_assert_str_ne(other, id);
    /* Values are length-prefixed: "a,bc" and "ab,c" differ. */
    sweep_axis x, y;
    ck_assert_int_eq(sweep_axis_parse(&x, err, sizeof err, "p=a,bc"), 0);
    ck_assert_int_eq(sweep_axis_parse(&y, err, sizeof err, "p=ab,c"), 0);
    sweep_id(id, scn, strlen(scn), &x, 1, 1, 1);
    sweep_id(other, scn, strlen(scn), &y, 1, 1, 1);
    ck_assert_str_ne(other, id);
    sweep_axis_clear(&x);
    sweep_axis_clear(&y);
    sweep_axis_clear(&ax[0]);
    sweep_axis_clear(&ax[1]);
}
END_TEST

START_TEST(sweep_json_holds_the_definition)
{
    sweep_axis ax;
    char err[256];
    ck_assert_int_eq(sweep_axis_parse(&ax, err, sizeof err, "network.latency=100ms,\"1s\""), 0);
    char *text =
        sweep_json("00ff00ff00ff", "scenarios/x.json", &ax, 1, 3, 18446744073709551615u, 6);
    ck_assert_ptr_nonnull(text);
    ck_assert_int_eq(text[strlen(text) - 1], '\n');
    /* The seed is exact (a double could not hold 2^64 - 1). */
    ck_assert_ptr_nonnull(strstr(text, "\"base_seed\":\t18446744073709551615,"));
    cJSON *j = cJSON_Parse(text);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(cJSON_GetObjectItem(j, "sweep_id")->valuestring, "00ff00ff00ff");
    ck_assert_str_eq(cJSON_GetObjectItem(j, "scenario")->valuestring, "scenarios/x.json");
    ck_assert_int_eq(cJSON_GetObjectItem(j, "reps")->valueint, 3);
    ck_assert_int_eq(cJSON_GetObjectItem(j, "runs")->valueint, 6);
    cJSON *vary = cJSON_GetObjectItem(j, "vary");
    ck_assert_int_eq(cJSON_GetArraySize(vary), 1);
    cJSON *axis = cJSON_GetArrayItem(vary, 0);
    ck_assert_str_eq(cJSON_GetObjectItem(axis, "path")->valuestring, "network.latency");
    cJSON *values = cJSON_GetObjectItem(axis, "values");
    ck_assert_int_eq(cJSON_GetArraySize(values), 2);
    ck_assert_str_eq(cJSON_GetArrayItem(values, 1)->valuestring, "\"1s\"");
    cJSON_Delete(j);
    free(text);
    sweep_axis_clear(&ax);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sweep");
    TCase *tc = tcase_create("sweep");
    tcase_add_test(tc, sweep_axes_and_grid);
    tcase_add_test(tc, sweep_csv_rows_in_grid_order);
    tcase_add_test(tc, sweep_id_names_the_definition);
    tcase_add_test(tc, sweep_json_holds_the_definition);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
