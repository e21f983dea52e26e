/* The dashboard's adversary kinds of a scenario (dashcons_adversary_kinds):
 * each node of an `adversaries` entry gets its kind, the attackers of an
 * eclipse event "eclipse" (unless an entry names them already), every other
 * node NULL; a scenario without either marks nobody. The BFT step names. */
#include "dashcons.h"

#include "testutil.h"

#include <stdlib.h>
#include <string.h>

static void parse(scenario *scn, const char *text)
{
    char err[300];
    cJSON *json = cJSON_Parse(text);
    ck_assert_ptr_nonnull(json);
    ck_assert_msg(scenario_from_json(scn, json, "t.json", err, sizeof err) == SCENARIO_OK, "%s",
                  err);
    cJSON_Delete(json);
}

START_TEST(kinds_from_adversaries_and_eclipse_events)
{
    scenario scn;
    parse(&scn,
          "{\"nodes\": {\"count\": 6}, \"duration\": \"10m\","
          "\"workload\": {\"wallets\": 4},"
          "\"adversaries\": [{\"kind\": \"censor\", \"node\": 2, \"wallets\": [1]},"
          "                  {\"kind\": \"withhold\", \"node\": 5, \"start\": \"30s\","
          "                   \"hold\": \"60s\", \"every\": \"2m\"}],"
          "\"events\": [{\"at\": \"2m\", \"type\": \"eclipse\", \"node\": 1, \"by\": [3, 5]}]}");
    const char **kind = dashcons_adversary_kinds(&scn);
    ck_assert_ptr_nonnull(kind);
    ck_assert_ptr_null(kind[0]);
    ck_assert_str_eq(kind[1], "censor");
    ck_assert_str_eq(kind[2], "eclipse");
    ck_assert_ptr_null(kind[3]);
    ck_assert_str_eq(kind[4], "withhold"); /* its entry, not the eclipse */
    ck_assert_ptr_null(kind[5]);
    free(kind);
    scenario_free(&scn);

    parse(&scn, "{\"nodes\": {\"count\": 3}}");
    kind = dashcons_adversary_kinds(&scn);
    ck_assert_ptr_nonnull(kind);
    for (int i = 0; i < 3; i++)
        ck_assert_ptr_null(kind[i]);
    free(kind);
    scenario_free(&scn);
}
END_TEST

START_TEST(step_names)
{
    ck_assert_str_eq(dashcons_step_name(0), "propose");
    ck_assert_str_eq(dashcons_step_name(1), "prevote");
    ck_assert_str_eq(dashcons_step_name(2), "precommit");
    ck_assert_str_eq(dashcons_step_name(7), "?");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("dashcons");
    TCase *tc = tcase_create("dashcons");
    tcase_add_test(tc, kinds_from_adversaries_and_eclipse_events);
    tcase_add_test(tc, step_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
