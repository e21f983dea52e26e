/* runlabel: runs compared side by side are named by the scenario
 * parameters in which they differ (not by their folders), with the rules
 * for a protocol's unused section, for differently named scenarios, for
 * long lists and for runs nothing tells apart; and the title line naming
 * scenarios and seeds. */
#include "runlabel.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

/* A summary.json of a scenario as run (only what the labels read). */
static cJSON *summary(const char *scenario_json)
{
    char text[2048];
    snprintf(text, sizeof text, "{\"scenario\": %s, \"seed\": 1}", scenario_json);
    cJSON *j = cJSON_Parse(text);
    ck_assert_msg(j != NULL, "bad test JSON: %s", text);
    return j;
}

/* Labels of n summaries (dirs "d1", "d2", ...), checked against want. */
static void expect_labels(const char *const *scenarios, const char *const *want, size_t n)
{
    cJSON *sums[8];
    char *labels[8];
    const char *dirs[8] = {"d1", "d2", "d3", "d4", "d5", "d6", "d7", "d8"};
    for (size_t i = 0; i < n; i++)
        sums[i] = summary(scenarios[i]);
    ck_assert_int_eq(runlabel_make(labels, (const cJSON *const *)sums, dirs, n), 0);
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(labels[i], want[i]);
        free(labels[i]);
        cJSON_Delete(sums[i]);
    }
}

START_TEST(named_by_what_differs)
{
    const char *const scn[] = {
        "{\"name\": \"s\", \"description\": \"one\", \"seed\": 8,"
        " \"network\": {\"latency\": \"100ms\", \"loss\": 0}}",
        "{\"name\": \"s\", \"description\": \"two\", \"seed\": 8,"
        " \"network\": {\"latency\": \"1s\", \"loss\": 0}}",
    };
    const char *const want[] = {"network.latency=100ms", "network.latency=1s"};
    expect_labels(scn, want, 2); /* the description is left out */

    const char *const seeds[] = {"{\"name\": \"s\", \"seed\": 8, \"duration\": \"5m\"}",
                                 "{\"name\": \"s\", \"seed\": \"18446744073709551615\","
                                 " \"duration\": \"6m\"}"};
    const char *const want_seeds[] = {"seed=8, duration=5m",
                                      "seed=18446744073709551615, duration=6m"};
    expect_labels(seeds, want_seeds, 2);

    /* Arrays are compared whole; more than three differences are counted. */
    const char *const many[] = {
        "{\"a\": 1, \"b\": 1, \"c\": 1, \"d\": 1, \"e\": [1, 2], \"f\": 0}",
        "{\"a\": 2, \"b\": 2, \"c\": 2, \"d\": 2, \"e\": [1, 3], \"f\": 0}",
    };
    const char *const want_many[] = {"a=1, b=1, c=1 (+2 more)", "a=2, b=2, c=2 (+2 more)"};
    expect_labels(many, want_many, 2);

    /* A long value is cut. */
    const char *const long_v[] = {"{\"x\": \"0123456789012345678901234567890123456789\"}",
                                  "{\"x\": \"short\"}"};
    const char *const want_long[] = {"x=01234567890123456789012345678...", "x=short"};
    expect_labels(long_v, want_long, 2);
}
END_TEST

START_TEST(protocols_and_scenario_names)
{
    /* PoW against PoS: the sections of the protocol a run does not use and
     * the differing names say nothing. */
    const char *const pair[] = {
        "{\"name\": \"pow_vs_pos_pow\", \"consensus\": {\"type\": \"pow\","
        " \"pow\": {\"expected_hashes_per_block\": 600000}, \"pos\": {\"k\": 10}}}",
        "{\"name\": \"pow_vs_pos_pos\", \"consensus\": {\"type\": \"pos\","
        " \"pow\": {\"expected_hashes_per_block\": 2000000}, \"pos\": {\"k\": 10}}}",
    };
    const char *const want_pair[] = {"consensus.type=pow", "consensus.type=pos"};
    expect_labels(pair, want_pair, 2);
    /* Unrelated scenarios: named by name. */
    const char *const unrelated[] = {
        "{\"name\": \"a\", \"p\": 1, \"q\": 1, \"r\": 1, \"s\": 1}",
        "{\"name\": \"b\", \"p\": 2, \"q\": 2, \"r\": 2, \"s\": 2}",
        "{\"name\": \"c\", \"p\": 3, \"q\": 3, \"r\": 3, \"s\": 3}",
    };
    const char *const want_unrelated[] = {"a", "b", "c"};
    expect_labels(unrelated, want_unrelated, 3);
    const char *const only_name[] = {"{\"name\": \"a\", \"p\": 1}", "{\"name\": \"b\", \"p\": 1}"};
    const char *const want_only_name[] = {"a", "b"};
    expect_labels(only_name, want_only_name, 2);
}
END_TEST

START_TEST(folders_when_nothing_tells_apart)
{
    /* The same scenario twice, and a third that differs from neither in
     * its label: every clashing run is named by its folder. */
    const char *const same[] = {"{\"name\": \"s\", \"p\": 1}", "{\"name\": \"s\", \"p\": 1}",
                                "{\"name\": \"s\", \"p\": 2}"};
    const char *const want[] = {"d1", "d2", "p=2"};
    expect_labels(same, want, 3);
    const char *const one[] = {"{\"name\": \"s\"}"};
    const char *const want_one[] = {"d1"};
    expect_labels(one, want_one, 1);
}
END_TEST

START_TEST(titles)
{
    cJSON *a = summary("{\"name\": \"default\", \"seed\": 1}");
    cJSON *b = summary("{\"name\": \"default\", \"seed\": 1}");
    cJSON *c = summary("{\"name\": \"other\", \"seed\": \"18446744073709551615\"}");
    const cJSON *same[] = {a, b};
    char *t = runlabel_title(same, 2);
    ck_assert_str_eq(t, "scenario default, seed 1");
    free(t);
    const cJSON *mixed[] = {a, c, a, c, a, c};
    t = runlabel_title(mixed, 2);
    ck_assert_str_eq(t, "default (seed 1), other (seed 18446744073709551615)");
    free(t);
    t = runlabel_title(mixed, 6);
    ck_assert_str_eq(t, "default (seed 1), other (seed 18446744073709551615), default (seed 1), "
                        "other (seed 18446744073709551615) and 2 more");
    free(t);
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("runlabel");
    TCase *tc = tcase_create("runlabel");
    tcase_add_test(tc, named_by_what_differs);
    tcase_add_test(tc, protocols_and_scenario_names);
    tcase_add_test(tc, folders_when_nothing_tells_apart);
    tcase_add_test(tc, titles);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
