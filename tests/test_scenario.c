/* Scenario parsing: the built-in default validates, every rejection path
 * gives its reason code and names the JSON path, --set overrides apply before
 * validation, scenario_to_json round trips to an equal struct, and every file
 * in scenarios/ validates. */
#include "rules.h"
#include "scenario.h"
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void assert_same(const scenario *a, const scenario *b)
{
    ck_assert_str_eq(a->name, b->name);
    ck_assert_str_eq(a->description, b->description);
    ck_assert_uint_eq(a->seed, b->seed);
    ck_assert_int_eq(a->duration_ns, b->duration_ns);
    ck_assert_uint_eq(a->n_nodes, b->n_nodes);
    ck_assert(a->default_hashrate_hps == b->default_hashrate_hps);
    ck_assert_uint_eq(a->default_stake, b->default_stake);
    for (uint32_t i = 0; i < a->n_nodes; i++) {
        ck_assert(a->nodes[i].hashrate_hps == b->nodes[i].hashrate_hps);
        ck_assert_uint_eq(a->nodes[i].stake, b->nodes[i].stake);
        ck_assert_uint_eq(a->nodes[i].region, b->nodes[i].region);
        ck_assert_int_eq(a->nodes[i].join_at_ns, b->nodes[i].join_at_ns);
    }
    ck_assert_int_eq(a->consensus.type, b->consensus.type);
    ck_assert_int_eq(a->consensus.bft.timeout_propose_ns, b->consensus.bft.timeout_propose_ns);
    ck_assert_int_eq(a->consensus.bft.timeout_prevote_ns, b->consensus.bft.timeout_prevote_ns);
    ck_assert_int_eq(a->consensus.bft.timeout_precommit_ns, b->consensus.bft.timeout_precommit_ns);
    ck_assert_int_eq(a->consensus.bft.timeout_delta_ns, b->consensus.bft.timeout_delta_ns);
    ck_assert_int_eq(a->consensus.bft.timeout_commit_ns, b->consensus.bft.timeout_commit_ns);
    ck_assert_uint_eq(a->consensus.bft.reward, b->consensus.bft.reward);
    ck_assert_int_eq(a->consensus.bft.relay, b->consensus.bft.relay);
    ck_assert_mem_eq(&a->consensus.pow, &b->consensus.pow, sizeof a->consensus.pow);
    ck_assert_mem_eq(&a->consensus.pos, &b->consensus.pos, sizeof a->consensus.pos);
    ck_assert_int_eq(a->consensus.poa.period_ns, b->consensus.poa.period_ns);
    ck_assert_int_eq(a->consensus.poa.out_of_turn_delay_ns, b->consensus.poa.out_of_turn_delay_ns);
    ck_assert_uint_eq(a->consensus.poa.reward, b->consensus.poa.reward);
    ck_assert_uint_eq(a->consensus.poa.n_signers, b->consensus.poa.n_signers);
    if (a->consensus.poa.n_signers > 0)
        ck_assert_mem_eq(a->consensus.poa.signers, b->consensus.poa.signers,
                         a->consensus.poa.n_signers * sizeof a->consensus.poa.signers[0]);
    ck_assert_int_eq(a->network.topology, b->network.topology);
    ck_assert_uint_eq(a->network.degree, b->network.degree);
    ck_assert_uint_eq(a->network.center, b->network.center);
    ck_assert_uint_eq(a->network.n_edges, b->network.n_edges);
    if (a->network.n_edges > 0)
        ck_assert_mem_eq(a->network.edges, b->network.edges,
                         a->network.n_edges * sizeof a->network.edges[0]);
    ck_assert_mem_eq(&a->network.latency, &b->network.latency, sizeof a->network.latency);
    ck_assert_uint_eq(a->network.bandwidth_bps, b->network.bandwidth_bps);
    ck_assert(a->network.loss == b->network.loss);
    ck_assert_uint_eq(a->network.ban_score, b->network.ban_score);
    ck_assert_uint_eq(a->network.n_regions, b->network.n_regions);
    for (uint32_t i = 0; i < a->network.n_regions; i++)
        ck_assert_str_eq(a->network.region_names[i], b->network.region_names[i]);
    if (a->network.n_regions > 0)
        ck_assert_mem_eq(a->network.region_latency_ns, b->network.region_latency_ns,
                         sizeof(int64_t) * a->network.n_regions * a->network.n_regions);
    ck_assert_mem_eq(&a->workload, &b->workload, sizeof a->workload);
    ck_assert_int_eq(a->metrics.sample_interval_ns, b->metrics.sample_interval_ns);
    ck_assert_uint_eq(a->n_events, b->n_events);
    for (size_t i = 0; i < a->n_events; i++) {
        const scenario_event *x = &a->events[i], *y = &b->events[i];
        ck_assert_int_eq(x->at_ns, y->at_ns);
        ck_assert_int_eq(x->type, y->type);
        ck_assert_uint_eq(x->node, y->node);
        ck_assert(x->hashrate_hps == y->hashrate_hps);
        ck_assert_uint_eq(x->stake, y->stake);
        ck_assert_uint_eq(x->from, y->from);
        ck_assert_mem_eq(x->to, y->to, sizeof x->to);
        ck_assert_mem_eq(x->nodes, y->nodes, sizeof x->nodes);
        ck_assert_uint_eq(x->amount, y->amount);
        ck_assert_uint_eq(x->n_groups, y->n_groups);
        if (x->n_groups > 0)
            ck_assert_mem_eq(x->group_of, y->group_of, a->n_nodes * sizeof(uint32_t));
    }
    ck_assert_uint_eq(a->n_adversaries, b->n_adversaries);
    for (size_t i = 0; i < a->n_adversaries; i++) {
        const scenario_adversary *x = &a->adversaries[i], *y = &b->adversaries[i];
        ck_assert_int_eq(x->kind, y->kind);
        ck_assert_uint_eq(x->node, y->node);
        ck_assert_uint_eq(x->n_publish_to, y->n_publish_to);
        ck_assert_uint_eq(x->publish_first, y->publish_first);
        if (x->n_publish_to > 0)
            ck_assert_mem_eq(x->publish_to, y->publish_to, x->n_publish_to * sizeof(uint32_t));
        ck_assert_uint_eq(x->merchant, y->merchant);
        ck_assert_uint_eq(x->wallet, y->wallet);
        ck_assert_uint_eq(x->to, y->to);
        ck_assert_uint_eq(x->amount, y->amount);
        ck_assert_uint_eq(x->confirmations, y->confirmations);
        ck_assert_uint_eq(x->give_up, y->give_up);
        ck_assert_int_eq(x->start_ns, y->start_ns);
        ck_assert_int_eq(x->interval_ns, y->interval_ns);
        ck_assert_int_eq(x->hold_ns, y->hold_ns);
        ck_assert_int_eq(x->every_ns, y->every_ns);
        ck_assert_uint_eq(x->n_censored, y->n_censored);
        if (x->n_censored > 0)
            ck_assert_mem_eq(x->censored, y->censored, x->n_censored * sizeof(uint32_t));
        ck_assert_uint_eq(x->n_side, y->n_side);
        if (x->n_side > 0)
            ck_assert_mem_eq(x->side, y->side, x->n_side * sizeof(uint32_t));
    }
}

static void assert_round_trip(const scenario *s)
{
    char err[512];
    scenario back;
    cJSON *json = scenario_to_json(s);
    ck_assert_ptr_nonnull(json);
    ck_assert_msg(scenario_from_json(&back, json, "round trip", err, sizeof err) == SCENARIO_OK,
                  "%s", err);
    assert_same(s, &back);
    cJSON *again = scenario_to_json(&back);
    char *t1 = cJSON_Print(json), *t2 = cJSON_Print(again);
    ck_assert_str_eq(t1, t2);
    free(t1);
    free(t2);
    cJSON_Delete(again);
    cJSON_Delete(json);
    scenario_free(&back);
}

static scenario_status parse_text(scenario *out, const char *text, char *err, size_t errlen)
{
    cJSON *json = cJSON_Parse(text);
    ck_assert_msg(json != NULL, "test JSON does not parse: %s", text);
    scenario_status st = scenario_from_json(out, json, "t.json", err, errlen);
    cJSON_Delete(json);
    return st;
}

START_TEST(default_validates)
{
    scenario s;
    char err[512];
    ck_assert_msg(scenario_load_default(&s, NULL, 0, err, sizeof err) == SCENARIO_OK, "%s", err);
    ck_assert_uint_eq(s.n_nodes, 4);
    ck_assert_int_eq(s.consensus.type, SCENARIO_POW);
    ck_assert_int_eq(s.network.topology, SCENARIO_TOPO_FULL);
    ck_assert_int_eq(s.network.latency.dist, SCENARIO_LAT_UNIFORM);
    ck_assert_int_eq(scenario_lookahead_ns(&s), 40000000);
    ck_assert_int_eq(s.duration_ns, 300000000000LL);
    ck_assert_uint_eq(s.n_events, 2);
    ck_assert_int_eq(s.events[0].type, SCENARIO_EV_PARTITION);
    ck_assert_uint_eq(s.events[0].n_groups, 2);
    ck_assert_uint_eq(s.events[0].group_of[0], 0);
    ck_assert_uint_eq(s.events[0].group_of[1], 0);
    ck_assert_uint_eq(s.events[0].group_of[2], 1);
    ck_assert_uint_eq(s.events[0].group_of[3], 1);
    ck_assert_int_eq(s.events[1].type, SCENARIO_EV_HEAL);
    ck_assert(s.events[1].at_ns > s.events[0].at_ns);
    /* Expected block interval: 600000 hashes over 4 x 10k H/s = 15 s. */
    double interval =
        (double)s.consensus.pow.expected_hashes_per_block / (s.n_nodes * s.nodes[0].hashrate_hps);
    ck_assert(interval >= 10 && interval <= 30);
    ck_assert(s.workload.rate_per_s > 0);
    assert_round_trip(&s);
    scenario_free(&s);
    scenario_free(&s); /* idempotent */
    scenario_free(NULL);
}
END_TEST

/* Hash rates in steps of 0.001 H/s load exactly, as numbers and as text,
 * and are written back the same. */
START_TEST(fractional_hashrates_load_and_round_trip)
{
    scenario s;
    char err[512];
    const char *text =
        "{\"nodes\":{\"count\":4,\"hashrate\":0.1},"
        "\"node_overrides\":[{\"node\":2,\"hashrate\":\"0.25H/"
        "s\"},{\"node\":3,\"hashrate\":\"0.001\"}],"
        "\"events\":[{\"at\":\"1m\",\"type\":\"set_hashrate\",\"node\":1,\"hashrate\":\"1.5\"}]}";
    ck_assert_msg(parse_text(&s, text, err, sizeof err) == SCENARIO_OK, "%s", err);
    ck_assert(s.default_hashrate_hps == 0.1);
    ck_assert(s.nodes[0].hashrate_hps == 0.1);
    ck_assert(s.nodes[1].hashrate_hps == 0.25);
    ck_assert(s.nodes[2].hashrate_hps == 0.001);
    ck_assert(s.events[0].hashrate_hps == 1.5);
    assert_round_trip(&s);
    scenario_free(&s);
}
END_TEST

START_TEST(minimal_gets_defaults)
{
    scenario s;
    char err[512];
    ck_assert_msg(parse_text(&s, "{}", err, sizeof err) == SCENARIO_OK, "%s", err);
    ck_assert_str_eq(s.name, "unnamed");
    ck_assert_uint_eq(s.n_nodes, 4);
    ck_assert_uint_eq(s.seed, 1);
    ck_assert_int_eq(s.duration_ns, 600000000000LL);
    ck_assert_int_eq(s.network.latency.dist, SCENARIO_LAT_CONSTANT);
    ck_assert_int_eq(scenario_lookahead_ns(&s), 50000000);
    ck_assert_uint_eq(s.consensus.pow.retarget_interval, 2016);
    ck_assert_uint_eq(s.consensus.pos.k, 10);
    ck_assert(s.consensus.pos.active_slot_coeff == 0.05);
    ck_assert_uint_eq(s.network.bandwidth_bps, 0);
    ck_assert_uint_eq(s.workload.confirmations, 6);
    ck_assert_int_eq(s.metrics.sample_interval_ns, 1000000000);
    assert_round_trip(&s);
    scenario_free(&s);
}
END_TEST

static const char rich[] =
    "{\"name\":\"rich\",\"seed\":7,\"duration\":\"10m\","
    "\"nodes\":{\"count\":5,\"hashrate\":\"1M\",\"stake\":100},"
    "\"node_overrides\":[{\"node\":2,\"hashrate\":\"2M\",\"stake\":300,\"region\":\"us\","
    "\"join_at\":\"5m\"},{\"node\":5,\"region\":\"us\"}],"
    "\"consensus\":{\"type\":\"pos\",\"pos\":{\"slot\":\"2s\",\"active_slot_coeff\":0.1,\"k\":"
    "20,\"epoch_slots\":50,\"reward\":10}},"
    "\"network\":{\"topology\":{\"type\":\"edges\",\"edges\":[[2,1],[2,3],[3,4],[4,5]]},"
    "\"latency\":{\"dist\":\"lognormal\",\"min\":\"10ms\",\"mean\":\"50ms\",\"stddev\":\"20ms\"},"
    "\"bandwidth\":\"1.5MB/s\",\"loss\":0.01,"
    "\"regions\":{\"names\":[\"eu\",\"us\"],\"latency\":[[\"10ms\",\"80ms\"],[\"80ms\",\"15ms\"]]"
    "}},"
    "\"workload\":{\"wallets\":10,\"rate\":\"30/m\"},"
    "\"events\":["
    "{\"at\":\"4m\",\"type\":\"restart\",\"node\":3},"
    "{\"at\":\"2m\",\"type\":\"partition\",\"groups\":[[2,1],[3,4,5]]},"
    "{\"at\":\"3m\",\"type\":\"crash\",\"node\":3},"
    "{\"at\":\"5m\",\"type\":\"heal\"},"
    "{\"at\":60,\"type\":\"set_hashrate\",\"node\":1,\"hashrate\":\"5M\"},"
    "{\"at\":\"1m\",\"type\":\"set_stake\",\"node\":1,\"stake\":500},"
    "{\"at\":\"1m\",\"type\":\"tx\",\"from\":1,\"to\":2,\"amount\":5000},"
    "{\"at\":\"2m\",\"type\":\"double_spend\",\"from\":1,\"to\":[2,3],\"amount\":5000,"
    "\"nodes\":[1,3]},"
    "{\"at\":\"7m\",\"type\":\"set_latency\",\"link\":[2,1],\"latency\":\"default\"},"
    "{\"at\":\"6m\",\"type\":\"set_latency\",\"link\":[1,2],\"latency\":\"300ms\"}]}";

START_TEST(poa_scenario)
{
    scenario s;
    char err[512];
    ck_assert_msg(parse_text(&s, "{\"nodes\":{\"count\":6},\"consensus\":{\"type\":\"poa\"}}", err,
                             sizeof err) == SCENARIO_OK,
                  "%s", err);
    ck_assert_int_eq(s.consensus.type, SCENARIO_POA);
    ck_assert_uint_eq(s.consensus.poa.n_signers, 6); /* default: every node */
    ck_assert_uint_eq(s.consensus.poa.signers[5], 5);
    ck_assert_int_eq(s.consensus.poa.period_ns, 10000000000LL);
    ck_assert_int_eq(s.consensus.poa.out_of_turn_delay_ns, 500000000LL);
    assert_round_trip(&s);
    scenario_free(&s);
    ck_assert_msg(
        parse_text(&s,
                   "{\"nodes\":{\"count\":6},\"consensus\":{\"type\":\"poa\",\"poa\":{"
                   "\"signers\":[5,2,3],\"period\":\"1500ms\",\"out_of_turn_delay\":\"0s\","
                   "\"reward\":7}}}",
                   err, sizeof err) == SCENARIO_OK,
        "%s", err);
    ck_assert_uint_eq(s.consensus.poa.n_signers, 3);
    ck_assert_uint_eq(s.consensus.poa.signers[0], 1); /* ascending, 0-based */
    ck_assert_uint_eq(s.consensus.poa.signers[2], 4);
    ck_assert_int_eq(s.consensus.poa.period_ns, 1500000000LL);
    ck_assert_int_eq(s.consensus.poa.out_of_turn_delay_ns, 0);
    ck_assert_uint_eq(s.consensus.poa.reward, 7);
    assert_round_trip(&s);
    scenario_free(&s);
}
END_TEST

/* consensus.type "bft": its defaults, and every key read (milliseconds
 * included); the section survives a round trip. */
START_TEST(bft_section)
{
    scenario s;
    char err[512];
    ck_assert_msg(parse_text(&s, "{\"consensus\":{\"type\":\"bft\"}}", err, sizeof err) ==
                      SCENARIO_OK,
                  "%s", err);
    ck_assert_int_eq(s.consensus.type, SCENARIO_BFT);
    ck_assert_int_eq(s.consensus.bft.timeout_propose_ns, 3000000000LL);
    ck_assert_int_eq(s.consensus.bft.timeout_prevote_ns, 1000000000LL);
    ck_assert_int_eq(s.consensus.bft.timeout_precommit_ns, 1000000000LL);
    ck_assert_int_eq(s.consensus.bft.timeout_delta_ns, 500000000LL);
    ck_assert_int_eq(s.consensus.bft.timeout_commit_ns, 1000000000LL);
    assert_round_trip(&s);
    scenario_free(&s);
    ck_assert_msg(parse_text(&s,
                             "{\"consensus\":{\"type\":\"bft\",\"bft\":{\"timeout_propose\":"
                             "\"500ms\",\"timeout_prevote\":\"250ms\",\"timeout_precommit\":"
                             "\"300ms\",\"timeout_delta\":\"0ms\",\"timeout_commit\":\"2s\","
                             "\"reward\":7}}}",
                             err, sizeof err) == SCENARIO_OK,
                  "%s", err);
    ck_assert_int_eq(s.consensus.bft.timeout_propose_ns, 500000000LL);
    ck_assert_int_eq(s.consensus.bft.timeout_prevote_ns, 250000000LL);
    ck_assert_int_eq(s.consensus.bft.timeout_precommit_ns, 300000000LL);
    ck_assert_int_eq(s.consensus.bft.timeout_delta_ns, 0);
    ck_assert_int_eq(s.consensus.bft.timeout_commit_ns, 2000000000LL);
    ck_assert_uint_eq(s.consensus.bft.reward, 7);
    assert_round_trip(&s);
    scenario_free(&s);
}
END_TEST

/* consensus.bft.relay: "auto" when absent; true and false as given; a
 * round trip keeps it, and writes it only when it is not "auto" (so the
 * files of runs without it stay as they were). The run's rules turn it
 * into the nodes' flag: "auto" is on except on a full mesh. */
START_TEST(bft_relay_key)
{
    static const struct {
        const char *text;
        scenario_bft_relay relay;
        int written, on;
    } cases[] = {
        {"{\"nodes\":{\"stake\":1},\"consensus\":{\"type\":\"bft\"}}", SCENARIO_BFT_RELAY_AUTO, 0,
         0},
        {"{\"nodes\":{\"stake\":1},\"consensus\":{\"type\":\"bft\",\"bft\":{\"relay\":"
         "\"auto\"}},\"network\":{\"topology\":\"ring\"}}",
         SCENARIO_BFT_RELAY_AUTO, 0, 1},
        {"{\"nodes\":{\"stake\":1},\"consensus\":{\"type\":\"bft\"},\"network\":{"
         "\"topology\":{\"type\":\"random\",\"degree\":2}}}",
         SCENARIO_BFT_RELAY_AUTO, 0, 1},
        {"{\"nodes\":{\"stake\":1},\"consensus\":{\"type\":\"bft\",\"bft\":{\"relay\":"
         "true}}}",
         SCENARIO_BFT_RELAY_ON, 1, 1},
        {"{\"nodes\":{\"stake\":1},\"consensus\":{\"type\":\"bft\",\"bft\":{\"relay\":"
         "false}},\"network\":{\"topology\":\"ring\"}}",
         SCENARIO_BFT_RELAY_OFF, 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        scenario s;
        char err[512];
        ck_assert_msg(parse_text(&s, cases[i].text, err, sizeof err) == SCENARIO_OK, "%s", err);
        ck_assert_int_eq(s.consensus.bft.relay, cases[i].relay);
        assert_round_trip(&s);
        cJSON *json = scenario_to_json(&s);
        const cJSON *relay = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(json, "consensus"),
                                             "bft"),
            "relay");
        ck_assert_int_eq(relay != NULL, cases[i].written);
        if (relay != NULL)
            ck_assert_int_eq(cJSON_IsTrue(relay), cases[i].relay == SCENARIO_BFT_RELAY_ON);
        cJSON_Delete(json);
        chain_params params;
        consensus_ctx cons;
        ck_assert_msg(rules_consensus(&params, &cons, err, sizeof err, &s, 1, NULL) == 0, "%s",
                      err);
        ck_assert_int_eq(cons.bft_relay, cases[i].on);
        scenario_free(&s);
    }
}
END_TEST

START_TEST(rich_scenario)
{
    scenario s;
    char err[512];
    ck_assert_msg(parse_text(&s, rich, err, sizeof err) == SCENARIO_OK, "%s", err);
    ck_assert_int_eq(s.consensus.type, SCENARIO_POS);
    ck_assert_int_eq(s.consensus.pos.slot_ns, 2000000000);
    ck_assert(s.nodes[1].hashrate_hps == 2e6);
    ck_assert_uint_eq(s.nodes[1].stake, 300);
    ck_assert_uint_eq(s.nodes[1].region, 1);
    ck_assert_int_eq(s.nodes[1].join_at_ns, 300000000000LL);
    ck_assert_uint_eq(s.nodes[0].region, 0);
    ck_assert(s.nodes[0].hashrate_hps == 1e6);
    ck_assert_uint_eq(s.network.n_edges, 4);
    ck_assert_uint_eq(s.network.edges[0][0], 0);
    ck_assert_uint_eq(s.network.edges[0][1], 1);
    ck_assert_uint_eq(s.network.bandwidth_bps, 12000000);
    ck_assert(s.workload.rate_per_s == 0.5);
    /* Lookahead: smallest region matrix entry. */
    ck_assert_int_eq(scenario_lookahead_ns(&s), 10000000);
    /* Sorted by time, file order kept for equal times (set_hashrate at 60 s
     * came before set_stake and tx at 1m in the file). */
    static const scenario_event_type order[] = {SCENARIO_EV_SET_HASHRATE, SCENARIO_EV_SET_STAKE,
                                                SCENARIO_EV_TX,           SCENARIO_EV_PARTITION,
                                                SCENARIO_EV_DOUBLE_SPEND, SCENARIO_EV_CRASH,
                                                SCENARIO_EV_RESTART,      SCENARIO_EV_HEAL,
                                                SCENARIO_EV_SET_LATENCY,  SCENARIO_EV_SET_LATENCY};
    ck_assert_uint_eq(s.n_events, 10);
    for (size_t i = 0; i < 10; i++)
        ck_assert_msg(s.events[i].type == order[i], "event %zu is %s", i,
                      scenario_event_name(s.events[i].type));
    ck_assert_uint_eq(s.events[2].from, 0);
    ck_assert_uint_eq(s.events[2].to[0], 1);
    ck_assert_uint_eq(s.events[2].node, 0);
    ck_assert_uint_eq(s.events[4].to[1], 2);
    ck_assert_uint_eq(s.events[4].nodes[1], 2);
    ck_assert_uint_eq(s.events[5].node, 2);
    ck_assert_uint_eq(s.events[8].nodes[0], 0);
    ck_assert_uint_eq(s.events[8].nodes[1], 1);
    ck_assert_int_eq(s.events[8].latency_ns, 300000000);
    ck_assert_uint_eq(s.events[9].nodes[0], 1);
    ck_assert_int_eq(s.events[9].latency_ns, 0); /* "default" */
    assert_round_trip(&s);
    scenario_free(&s);
}
END_TEST

START_TEST(adversaries_parse)
{
    static const char *const text =
        "{\"adversaries\":[{\"kind\":\"selfish\",\"node\":2,\"publish_to\":[4,1]},"
        "{\"kind\":\"selfish\",\"node\":3,\"publish_to\":2},"
        "{\"kind\":\"double_spend\",\"node\":1,\"merchant\":4,\"wallet\":5,\"to\":2,"
        "\"amount\":700}],\"workload\":{\"rate\":0}}";
    scenario s;
    char err[512];
    ck_assert_msg(parse_text(&s, text, err, sizeof err) == SCENARIO_OK, "%s", err);
    ck_assert_uint_eq(s.n_adversaries, 3);
    const scenario_adversary *a = s.adversaries;
    ck_assert_int_eq(a[0].kind, SCENARIO_ADV_SELFISH);
    ck_assert_uint_eq(a[0].node, 1);
    ck_assert_uint_eq(a[0].n_publish_to, 2);
    ck_assert_uint_eq(a[0].publish_to[0], 3);
    ck_assert_uint_eq(a[0].publish_to[1], 0);
    ck_assert_uint_eq(a[0].publish_first, 0);
    /* a count: the lowest-numbered nodes but the attacker (node 3) */
    ck_assert_uint_eq(a[1].publish_first, 2);
    ck_assert_uint_eq(a[1].n_publish_to, 2);
    ck_assert_uint_eq(a[1].publish_to[0], 0);
    ck_assert_uint_eq(a[1].publish_to[1], 1);
    ck_assert_int_eq(a[2].kind, SCENARIO_ADV_DOUBLE_SPEND);
    ck_assert_uint_eq(a[2].merchant, 3);
    ck_assert_uint_eq(a[2].wallet, 4);
    ck_assert_uint_eq(a[2].to, 1);
    ck_assert_uint_eq(a[2].amount, 700);
    ck_assert_uint_eq(a[2].confirmations, 6); /* the defaults */
    ck_assert_uint_eq(a[2].give_up, 10);
    ck_assert_int_eq(a[2].start_ns, 0);
    assert_round_trip(&s);
    scenario_free(&s);
    /* a byzantine node may have no hash power; the ban score is written
     * back only when it is not the default */
    ck_assert_int_eq(parse_text(&s,
                                "{\"node_overrides\":[{\"node\":2,\"hashrate\":0}],"
                                "\"network\":{\"ban_score\":0},\"adversaries\":[{\"kind\":"
                                "\"byzantine\",\"node\":2,\"wallet\":6,\"interval\":\"3s\"}]}",
                                err, sizeof err),
                     SCENARIO_OK);
    ck_assert_int_eq(s.adversaries[0].kind, SCENARIO_ADV_BYZANTINE);
    ck_assert_uint_eq(s.adversaries[0].wallet, 5);
    ck_assert_int_eq(s.adversaries[0].interval_ns, 3000000000);
    ck_assert_uint_eq(s.network.ban_score, 0);
    assert_round_trip(&s);
    scenario_free(&s);
    /* withholding windows (every left out: one window) and a censor */
    ck_assert_msg(
        parse_text(&s,
                   "{\"adversaries\":[{\"kind\":\"withhold\",\"node\":1,\"hold\":\"30s\","
                   "\"every\":\"2m\",\"start\":\"10s\"},{\"kind\":\"withhold\",\"node\":2,"
                   "\"hold\":\"1ms\"},{\"kind\":\"censor\",\"node\":3,\"wallets\":[4,2]}]}",
                   err, sizeof err) == SCENARIO_OK,
        "%s", err);
    ck_assert_int_eq(s.adversaries[0].kind, SCENARIO_ADV_WITHHOLD);
    ck_assert_int_eq(s.adversaries[0].hold_ns, 30000000000);
    ck_assert_int_eq(s.adversaries[0].every_ns, 120000000000);
    ck_assert_int_eq(s.adversaries[0].start_ns, 10000000000);
    ck_assert_int_eq(s.adversaries[1].hold_ns, 1000000);
    ck_assert_int_eq(s.adversaries[1].every_ns, 0);
    ck_assert_int_eq(s.adversaries[1].start_ns, 0);
    ck_assert_int_eq(s.adversaries[2].kind, SCENARIO_ADV_CENSOR);
    ck_assert_uint_eq(s.adversaries[2].node, 2);
    ck_assert_uint_eq(s.adversaries[2].n_censored, 2);
    ck_assert_uint_eq(s.adversaries[2].censored[0], 3);
    ck_assert_uint_eq(s.adversaries[2].censored[1], 1);
    assert_round_trip(&s);
    scenario_free(&s);
    /* a censor may be a PoS leader (it has stake) */
    ck_assert_msg(
        parse_text(&s,
                   "{\"consensus\":{\"type\":\"pos\"},\"nodes\":{\"count\":4,\"stake\":100},"
                   "\"adversaries\":[{\"kind\":\"censor\",\"node\":1,\"wallets\":[2]}]}",
                   err, sizeof err) == SCENARIO_OK,
        "%s", err);
    assert_round_trip(&s);
    scenario_free(&s);
    /* an equivocating BFT validator: its side (0-based), its start */
    ck_assert_msg(
        parse_text(&s,
                   "{\"consensus\":{\"type\":\"bft\"},\"nodes\":{\"count\":4,\"stake\":100},"
                   "\"adversaries\":[{\"kind\":\"equivocate\",\"node\":4,\"side\":[2,1],"
                   "\"start\":\"30s\"}]}",
                   err, sizeof err) == SCENARIO_OK,
        "%s", err);
    ck_assert_int_eq(s.adversaries[0].kind, SCENARIO_ADV_EQUIVOCATE);
    ck_assert_uint_eq(s.adversaries[0].n_side, 2);
    ck_assert_uint_eq(s.adversaries[0].side[0], 1);
    ck_assert_uint_eq(s.adversaries[0].side[1], 0);
    ck_assert_int_eq(s.adversaries[0].start_ns, 30000000000LL);
    assert_round_trip(&s);
    scenario_free(&s);
    /* without adversaries the scenario as run has no such key */
    ck_assert_int_eq(parse_text(&s, "{}", err, sizeof err), SCENARIO_OK);
    cJSON *json = scenario_to_json(&s);
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(json, "adversaries"));
    ck_assert_uint_eq(s.network.ban_score, 100);
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(json, "network"), "ban_score"));
    cJSON_Delete(json);
    scenario_free(&s);
    ck_assert_str_eq(scenario_adversary_name(SCENARIO_ADV_DOUBLE_SPEND), "double_spend");
}
END_TEST

#define ADV(x) "{\"adversaries\":[" x "]}"
#define DS(x) "{\"kind\":\"double_spend\",\"node\":1" x "}"
#define WH(x) "{\"kind\":\"withhold\",\"node\":1" x "}"
#define CENSOR(x) "{\"kind\":\"censor\",\"node\":1" x "}"
#define EQ_BFT(x)                                                                                  \
    "{\"consensus\":{\"type\":\"bft\"},\"nodes\":{\"count\":4,\"stake\":100},\"adversaries\":[{"   \
    "\"kind\":\"equivocate\",\"node\":1" x "}]}"

struct bad {
    const char *json;
    scenario_status status;
    const char *path; /* substring the message must contain */
};

#define EV(x) "{\"duration\":\"10m\",\"events\":[" x "]}"
static const struct bad bads[] = {
    {"[]", SCENARIO_ERR_TYPE, "(top level)"},
    {"{\"nmae\":\"x\"}", SCENARIO_ERR_UNKNOWN_KEY, "nmae: unknown key (did you mean \"name\"?)"},
    {"{\"zzzzzzzz\":1}", SCENARIO_ERR_UNKNOWN_KEY, "zzzzzzzz: unknown key; expected one of"},
    {"{\"seed\":1,\"seed\":2}", SCENARIO_ERR_UNKNOWN_KEY, "seed: key given twice"},
    {"{\"name\":5}", SCENARIO_ERR_TYPE, "name: expected a string"},
    {"{\"description\":[]}", SCENARIO_ERR_TYPE, "description"},
    {"{\"seed\":-1}", SCENARIO_ERR_VALUE, "seed: expected an integer"},
    {"{\"seed\":1.5}", SCENARIO_ERR_VALUE, "seed"},
    {"{\"seed\":\"x1\"}", SCENARIO_ERR_TYPE, "seed"},
    {"{\"duration\":\"30000d\"}", SCENARIO_ERR_VALUE,
     "duration: expected a duration of at most 73 years"},
    {"{\"duration\":\"10\"}", SCENARIO_ERR_VALUE, "duration: expected a duration"},
    {"{\"duration\":\"0s\"}", SCENARIO_ERR_VALUE, "duration: expected a positive"},
    {"{\"duration\":true}", SCENARIO_ERR_TYPE, "duration"},
    {"{\"duration\":-5}", SCENARIO_ERR_VALUE, "duration"},
    {"{\"nodes\":0}", SCENARIO_ERR_VALUE, "nodes: expected an integer in [1, 100000]"},
    {"{\"nodes\":100001}", SCENARIO_ERR_VALUE, "nodes"},
    {"{\"nodes\":\"4\"}", SCENARIO_ERR_TYPE, "nodes: expected a node count"},
    {"{\"nodes\":{\"cuont\":4}}", SCENARIO_ERR_UNKNOWN_KEY, "nodes.cuont"},
    {"{\"nodes\":{\"hashrate\":\"1Q\"}}", SCENARIO_ERR_VALUE, "nodes.hashrate"},
    {"{\"nodes\":{\"hashrate\":-1}}", SCENARIO_ERR_VALUE, "nodes.hashrate"},
    {"{\"nodes\":{\"hashrate\":null}}", SCENARIO_ERR_TYPE, "nodes.hashrate"},
    /* Hash rates finer than 0.001 H/s are refused, never cut to a miner that
     * does not mine. */
    {"{\"nodes\":4,\"node_overrides\":[{\"node\":2,\"hashrate\":\"0.0001\"}]}", SCENARIO_ERR_VALUE,
     "node_overrides[0].hashrate: expected a hash rate in steps of 0.001 H/s, got \"0.0001\""},
    {"{\"nodes\":4,\"node_overrides\":[{\"node\":2,\"hashrate\":0.0005}]}", SCENARIO_ERR_VALUE,
     "node_overrides[0].hashrate: expected a hash rate in steps of 0.001 H/s, got 0.0005"},
    {"{\"nodes\":{\"hashrate\":1.2345}}", SCENARIO_ERR_VALUE,
     "nodes.hashrate: expected a hash rate in steps of 0.001 H/s"},
    {"{\"nodes\":{\"hashrate\":\"1.0000005kH/s\"}}", SCENARIO_ERR_VALUE,
     "nodes.hashrate: expected a hash rate in steps of 0.001 H/s"},
    {"{\"nodes\":{\"hashrate\":1e16}}", SCENARIO_ERR_VALUE,
     "nodes.hashrate: expected a hash rate in [0, 1e15]"},
    {"{\"nodes\":{\"stake\":-1}}", SCENARIO_ERR_VALUE, "nodes.stake"},
    {"{\"node_overrides\":{}}", SCENARIO_ERR_TYPE, "node_overrides: expected an array"},
    {"{\"node_overrides\":[1]}", SCENARIO_ERR_TYPE, "node_overrides[0]"},
    {"{\"node_overrides\":[{}]}", SCENARIO_ERR_MISSING, "node_overrides[0].node: missing"},
    {"{\"node_overrides\":[{\"node\":5}]}", SCENARIO_ERR_VALUE, "node_overrides[0].node"},
    {"{\"node_overrides\":[{\"node\":0}]}", SCENARIO_ERR_VALUE, "node_overrides[0].node"},
    {"{\"node_overrides\":[{\"node\":\"1\"}]}", SCENARIO_ERR_TYPE, "node_overrides[0].node"},
    {"{\"node_overrides\":[{\"node\":1},{\"node\":1}]}", SCENARIO_ERR_VALUE,
     "node_overrides[1].node: node 1 is already overridden"},
    {"{\"node_overrides\":[{\"node\":1,\"hash\":1}]}", SCENARIO_ERR_UNKNOWN_KEY,
     "node_overrides[0].hash"},
    {"{\"node_overrides\":[{\"node\":1,\"region\":\"eu\"}]}", SCENARIO_ERR_VALUE,
     "node_overrides[0].region: no regions"},
    {"{\"network\":{\"regions\":{\"names\":[\"eu\"],\"latency\":[[\"5ms\"]]}},"
     "\"node_overrides\":[{\"node\":1,\"region\":\"us\"}]}",
     SCENARIO_ERR_VALUE, "node_overrides[0].region: expected a region name"},
    {"{\"duration\":\"10m\",\"node_overrides\":[{\"node\":1,\"join_at\":\"10m\"}]}",
     SCENARIO_ERR_VALUE, "node_overrides[0].join_at: expected a time before the end"},
    {"{\"consensus\":[]}", SCENARIO_ERR_TYPE, "consensus: expected an object"},
    {"{\"consensus\":{\"type\":\"pow2\"}}", SCENARIO_ERR_VALUE,
     "consensus.type: expected one of \"pow\", \"pos\""},
    {"{\"consensus\":{\"type\":1}}", SCENARIO_ERR_TYPE, "consensus.type"},
    {"{\"consensus\":{\"pow\":{\"reward\":-1}}}", SCENARIO_ERR_VALUE, "consensus.pow.reward"},
    {"{\"consensus\":{\"pow\":{\"expected_hashes_per_block\":0}}}", SCENARIO_ERR_VALUE,
     "consensus.pow.expected_hashes_per_block"},
    {"{\"consensus\":{\"pow\":{\"target_block_interval\":0}}}", SCENARIO_ERR_VALUE,
     "consensus.pow.target_block_interval"},
    {"{\"consensus\":{\"pow\":{\"retarget_interval\":0}}}", SCENARIO_ERR_VALUE,
     "consensus.pow.retarget_interval"},
    {"{\"consensus\":{\"pow\":{\"max_block_bytes\":\"999B\"}}}", SCENARIO_ERR_VALUE,
     "consensus.pow.max_block_bytes"},
    {"{\"consensus\":{\"pow\":{\"max_block_bytes\":true}}}", SCENARIO_ERR_TYPE,
     "consensus.pow.max_block_bytes"},
    {"{\"consensus\":{\"pow\":{\"difficulty\":1}}}", SCENARIO_ERR_UNKNOWN_KEY,
     "consensus.pow.difficulty"},
    {"{\"consensus\":{\"pos\":{\"active_slot_coeff\":0}}}", SCENARIO_ERR_VALUE,
     "consensus.pos.active_slot_coeff: expected a number in (0, 1]"},
    {"{\"consensus\":{\"pos\":{\"active_slot_coeff\":1.5}}}", SCENARIO_ERR_VALUE,
     "consensus.pos.active_slot_coeff"},
    {"{\"consensus\":{\"pos\":{\"k\":0}}}", SCENARIO_ERR_VALUE, "consensus.pos.k"},
    {"{\"consensus\":{\"pos\":{\"epoch_slots\":0}}}", SCENARIO_ERR_VALUE,
     "consensus.pos.epoch_slots"},
    {"{\"consensus\":{\"pos\":{\"slot\":\"0ms\"}}}", SCENARIO_ERR_VALUE, "consensus.pos.slot"},
    {"{\"consensus\":{\"pos\":{\"slot\":\"-500ms\"}}}", SCENARIO_ERR_VALUE, "consensus.pos.slot"},
    {"{\"consensus\":{\"pos\":{\"slot\":-1}}}", SCENARIO_ERR_VALUE, "consensus.pos.slot"},
    {"{\"consensus\":{\"pow\":{\"target_block_interval\":\"-1s\"}}}", SCENARIO_ERR_VALUE,
     "consensus.pow.target_block_interval"},
    {"{\"consensus\":{\"pos\":{\"epoch\":1}}}", SCENARIO_ERR_UNKNOWN_KEY,
     "consensus.pos.epoch: unknown key (did you mean"},
    {"{\"consensus\":{\"type\":\"poa\",\"poa\":{\"period\":\"0s\"}}}", SCENARIO_ERR_VALUE,
     "consensus.poa.period: expected a whole number of milliseconds"},
    {"{\"consensus\":{\"type\":\"poa\",\"poa\":{\"period\":\"1500us\"}}}", SCENARIO_ERR_VALUE,
     "consensus.poa.period: expected a whole number of milliseconds"},
    {"{\"consensus\":{\"type\":\"poa\",\"poa\":{\"period\":true}}}", SCENARIO_ERR_TYPE,
     "consensus.poa.period"},
    {"{\"consensus\":{\"type\":\"poa\",\"poa\":{\"out_of_turn_delay\":\"1us\"}}}",
     SCENARIO_ERR_VALUE, "consensus.poa.out_of_turn_delay: expected a whole number of ms"},
    {"{\"consensus\":{\"type\":\"poa\",\"poa\":{\"signers\":[]}}}", SCENARIO_ERR_VALUE,
     "consensus.poa.signers: expected a non-empty array"},
    {"{\"consensus\":{\"type\":\"poa\",\"poa\":{\"signers\":[1,1]}}}", SCENARIO_ERR_VALUE,
     "consensus.poa.signers[1]: node 1 is listed twice"},
    {"{\"consensus\":{\"type\":\"poa\",\"poa\":{\"signers\":[5]}}}", SCENARIO_ERR_VALUE,
     "consensus.poa.signers[0]"},
    {"{\"consensus\":{\"type\":\"poa\",\"poa\":{\"signers\":\"all\"}}}", SCENARIO_ERR_TYPE,
     "consensus.poa.signers"},
    {"{\"consensus\":{\"type\":\"poa\",\"poa\":{\"signer\":[1]}}}", SCENARIO_ERR_UNKNOWN_KEY,
     "consensus.poa.signer: unknown key (did you mean"},
    {"{\"nodes\":{\"count\":65},\"consensus\":{\"type\":\"poa\",\"poa\":{}}}", SCENARIO_ERR_VALUE,
     "consensus.poa.signers: expected at most 64 signers, got 65"},
    {"{\"consensus\":{\"type\":\"poe\"}}", SCENARIO_ERR_VALUE, "consensus.type"},
    {"{\"consensus\":{\"type\":\"tendermint\"}}", SCENARIO_ERR_VALUE, "consensus.type"},
    {"{\"consensus\":{\"bft\":5}}", SCENARIO_ERR_TYPE, "consensus.bft: expected an object"},
    {"{\"consensus\":{\"bft\":{\"timeout\":\"1s\"}}}", SCENARIO_ERR_UNKNOWN_KEY,
     "consensus.bft.timeout: unknown key"},
    {"{\"consensus\":{\"bft\":{\"timeout_propose\":\"0ms\"}}}", SCENARIO_ERR_VALUE,
     "consensus.bft.timeout_propose: expected a positive duration"},
    {"{\"consensus\":{\"bft\":{\"timeout_prevote\":\"0ms\"}}}", SCENARIO_ERR_VALUE,
     "consensus.bft.timeout_prevote"},
    {"{\"consensus\":{\"bft\":{\"timeout_precommit\":\"0s\"}}}", SCENARIO_ERR_VALUE,
     "consensus.bft.timeout_precommit"},
    {"{\"consensus\":{\"bft\":{\"timeout_commit\":0}}}", SCENARIO_ERR_VALUE,
     "consensus.bft.timeout_commit"},
    {"{\"consensus\":{\"bft\":{\"timeout_delta\":\"-1s\"}}}", SCENARIO_ERR_VALUE,
     "consensus.bft.timeout_delta"},
    {"{\"consensus\":{\"bft\":{\"timeout_propose\":true}}}", SCENARIO_ERR_TYPE,
     "consensus.bft.timeout_propose"},
    {"{\"consensus\":{\"bft\":{\"reward\":-1}}}", SCENARIO_ERR_VALUE, "consensus.bft.reward"},
    {"{\"consensus\":{\"bft\":{\"relay\":\"yes\"}}}", SCENARIO_ERR_VALUE,
     "consensus.bft.relay: expected \"auto\", true or false, got \"yes\""},
    {"{\"consensus\":{\"bft\":{\"relay\":1}}}", SCENARIO_ERR_TYPE,
     "consensus.bft.relay: expected \"auto\", true or false, got 1"},
    {"{\"consensus\":{\"bft\":{\"relay\":null}}}", SCENARIO_ERR_TYPE, "consensus.bft.relay"},
    {"{\"network\":5}", SCENARIO_ERR_TYPE, "network: expected an object"},
    {"{\"network\":{\"latncy\":\"5ms\"}}", SCENARIO_ERR_UNKNOWN_KEY,
     "network.latncy: unknown key (did you mean \"latency\"?)"},
    {"{\"network\":{\"latency\":\"0ms\"}}", SCENARIO_ERR_VALUE,
     "network.latency: expected a positive latency"},
    {"{\"network\":{\"latency\":0}}", SCENARIO_ERR_VALUE, "network.latency"},
    {"{\"network\":{\"latency\":[]}}", SCENARIO_ERR_TYPE, "network.latency"},
    {"{\"network\":{\"latency\":{\"dist\":\"uniform\",\"min\":\"0ms\",\"max\":\"5ms\"}}}",
     SCENARIO_ERR_VALUE, "network.latency.min: expected a positive minimum"},
    {"{\"network\":{\"latency\":{\"dist\":\"uniform\",\"min\":\"5ms\",\"max\":\"4ms\"}}}",
     SCENARIO_ERR_VALUE, "network.latency.max: expected max >= min"},
    {"{\"network\":{\"latency\":{\"dist\":\"uniform\",\"max\":\"4ms\"}}}", SCENARIO_ERR_MISSING,
     "network.latency.min: missing"},
    {"{\"network\":{\"latency\":{\"dist\":\"uniform\",\"min\":\"1ms\",\"max\":\"4ms\","
     "\"mean\":\"2ms\"}}}",
     SCENARIO_ERR_UNKNOWN_KEY, "network.latency.mean"},
    {"{\"network\":{\"latency\":{\"dist\":\"gamma\"}}}", SCENARIO_ERR_VALUE,
     "network.latency.dist"},
    {"{\"network\":{\"latency\":{\"mean\":\"0s\"}}}", SCENARIO_ERR_VALUE,
     "network.latency.mean: expected a positive"},
    {"{\"network\":{\"latency\":{\"dist\":\"normal\",\"mean\":\"5ms\",\"stddev\":\"1ms\"}}}",
     SCENARIO_ERR_MISSING, "network.latency.min"},
    {"{\"network\":{\"latency\":{\"dist\":\"normal\",\"mean\":\"5ms\",\"stddev\":\"1ms\","
     "\"min\":\"0ms\"}}}",
     SCENARIO_ERR_VALUE, "network.latency.min: expected a positive"},
    {"{\"network\":{\"latency\":{\"dist\":\"normal\",\"mean\":\"5ms\",\"stddev\":\"1ms\","
     "\"min\":\"6ms\"}}}",
     SCENARIO_ERR_VALUE, "network.latency.mean: expected mean >= min"},
    {"{\"network\":{\"latency\":{\"dist\":\"lognormal\",\"mean\":\"5ms\",\"stddev\":\"1ms\","
     "\"min\":\"5ms\"}}}",
     SCENARIO_ERR_VALUE, "network.latency.mean: expected mean > min"},
    {"{\"network\":{\"latency\":{\"dist\":\"lognormal\",\"mean\":\"5ms\",\"stddev\":\"0ms\","
     "\"min\":\"1ms\"}}}",
     SCENARIO_ERR_VALUE, "network.latency.stddev"},
    {"{\"network\":{\"latency\":{\"dist\":\"normal\",\"mean\":\"5ms\",\"stddev\":\"1ms\","
     "\"min\":\"1ms\",\"max\":\"4ms\"}}}",
     SCENARIO_ERR_VALUE, "network.latency.max"},
    {"{\"network\":{\"bandwidth\":10}}", SCENARIO_ERR_TYPE,
     "network.bandwidth: expected a bandwidth with its unit"},
    {"{\"network\":{\"bandwidth\":\"10\"}}", SCENARIO_ERR_VALUE, "network.bandwidth"},
    {"{\"network\":{\"bandwidth\":\"-1Mbit\"}}", SCENARIO_ERR_VALUE, "network.bandwidth"},
    {"{\"network\":{\"loss\":1}}", SCENARIO_ERR_VALUE, "network.loss: expected a number in [0"},
    {"{\"network\":{\"loss\":-0.1}}", SCENARIO_ERR_VALUE, "network.loss"},
    {"{\"network\":{\"loss\":\"1%\"}}", SCENARIO_ERR_TYPE, "network.loss"},
    {"{\"network\":{\"topology\":\"mesh\"}}", SCENARIO_ERR_VALUE, "network.topology"},
    {"{\"network\":{\"topology\":5}}", SCENARIO_ERR_TYPE, "network.topology"},
    {"{\"network\":{\"topology\":{\"type\":\"tree\"}}}", SCENARIO_ERR_VALUE,
     "network.topology.type"},
    {"{\"network\":{\"topology\":{\"type\":\"full\",\"degree\":3}}}", SCENARIO_ERR_UNKNOWN_KEY,
     "network.topology.degree: unknown key"},
    {"{\"nodes\":10,\"network\":{\"topology\":{\"type\":\"random\",\"degree\":1}}}",
     SCENARIO_ERR_VALUE, "network.topology.degree: expected an integer in [2, 9]"},
    {"{\"nodes\":10,\"network\":{\"topology\":{\"type\":\"random\",\"degree\":10}}}",
     SCENARIO_ERR_VALUE, "network.topology.degree"},
    {"{\"network\":{\"topology\":{\"type\":\"star\",\"center\":5}}}", SCENARIO_ERR_VALUE,
     "network.topology.center"},
    {"{\"network\":{\"topology\":{\"type\":\"edges\"}}}", SCENARIO_ERR_MISSING,
     "network.topology.edges: missing"},
    {"{\"network\":{\"topology\":\"edges\"}}", SCENARIO_ERR_MISSING, "network.topology.edges"},
    {"{\"network\":{\"topology\":{\"type\":\"edges\",\"edges\":[]}}}", SCENARIO_ERR_TYPE,
     "network.topology.edges"},
    {"{\"network\":{\"topology\":{\"type\":\"edges\",\"edges\":[[1,2,3]]}}}", SCENARIO_ERR_TYPE,
     "network.topology.edges[0]"},
    {"{\"network\":{\"topology\":{\"type\":\"edges\",\"edges\":[[1,5]]}}}", SCENARIO_ERR_VALUE,
     "network.topology.edges[0][1]"},
    {"{\"network\":{\"topology\":{\"type\":\"edges\",\"edges\":[[1,1]]}}}", SCENARIO_ERR_VALUE,
     "network.topology.edges[0]: expected two different nodes"},
    {"{\"network\":{\"topology\":{\"type\":\"edges\",\"edges\":[[1,2],[2,1]]}}}",
     SCENARIO_ERR_VALUE, "network.topology.edges[1]: edge [2,1] is already listed"},
    {"{\"network\":{\"topology\":{\"type\":\"edges\",\"edges\":[[1,2],[3,4]]}}}",
     SCENARIO_ERR_VALUE, "network.topology.edges: expected a connected graph"},
    {"{\"network\":{\"regions\":{\"latency\":[]}}}", SCENARIO_ERR_MISSING, "network.regions.names"},
    {"{\"network\":{\"regions\":{\"names\":[]}}}", SCENARIO_ERR_VALUE, "network.regions.names"},
    {"{\"network\":{\"regions\":{\"names\":[\"a\",\"a\"]}}}", SCENARIO_ERR_VALUE,
     "network.regions.names[1]: region \"a\" is already named"},
    {"{\"network\":{\"regions\":{\"names\":[\"a\",1]}}}", SCENARIO_ERR_TYPE,
     "network.regions.names[1]"},
    {"{\"network\":{\"regions\":{\"names\":[\"a\"]}}}", SCENARIO_ERR_MISSING,
     "network.regions.latency"},
    {"{\"network\":{\"regions\":{\"names\":[\"a\",\"b\"],\"latency\":[[\"1ms\",\"2ms\"]]}}}",
     SCENARIO_ERR_VALUE, "network.regions.latency: expected an array of 2 rows"},
    {"{\"network\":{\"regions\":{\"names\":[\"a\",\"b\"],\"latency\":[[\"1ms\",\"2ms\"],"
     "[\"1ms\"]]}}}",
     SCENARIO_ERR_VALUE, "network.regions.latency[1]: expected a row of 2"},
    {"{\"network\":{\"regions\":{\"names\":[\"a\",\"b\"],\"latency\":[[\"1ms\",\"2ms\"],"
     "[\"1ms\",\"0ms\"]]}}}",
     SCENARIO_ERR_VALUE, "network.regions.latency[1][1]: expected a positive duration"},
    {"{\"network\":{\"regions\":{\"names\":[\"a\"],\"latency\":[[true]]}}}", SCENARIO_ERR_VALUE,
     "network.regions.latency[0][0]"},
    {"{\"network\":{\"regions\":{\"names\":[\"a\"],\"latency\":[[\"1ms\"]],\"x\":1}}}",
     SCENARIO_ERR_UNKNOWN_KEY, "network.regions.x"},
    {"{\"workload\":{\"wallets\":1}}", SCENARIO_ERR_VALUE, "workload.wallets: expected at least 2"},
    {"{\"workload\":{\"rate\":\"2\"}}", SCENARIO_ERR_VALUE, "workload.rate"},
    {"{\"workload\":{\"rate\":-1}}", SCENARIO_ERR_VALUE, "workload.rate"},
    {"{\"workload\":{\"rate\":[]}}", SCENARIO_ERR_TYPE, "workload.rate"},
    {"{\"workload\":{\"amount_min\":0}}", SCENARIO_ERR_VALUE, "workload.amount_min"},
    {"{\"workload\":{\"amount_min\":10,\"amount_max\":5}}", SCENARIO_ERR_VALUE,
     "workload.amount_max: expected an integer in [10,"},
    {"{\"workload\":{\"confirmations\":0}}", SCENARIO_ERR_VALUE, "workload.confirmations"},
    {"{\"workload\":{\"fees\":0}}", SCENARIO_ERR_UNKNOWN_KEY,
     "workload.fees: unknown key (did you mean \"fee\"?)"},
    {"{\"metrics\":{\"sample_interval\":\"0s\"}}", SCENARIO_ERR_VALUE, "metrics.sample_interval"},
    {"{\"metrics\":{\"interval\":\"1s\"}}", SCENARIO_ERR_UNKNOWN_KEY, "metrics.interval"},
    {"{\"events\":{}}", SCENARIO_ERR_TYPE, "events: expected an array"},
    {EV("1"), SCENARIO_ERR_TYPE, "events[0]: expected an object"},
    {EV("{\"at\":\"1m\"}"), SCENARIO_ERR_MISSING, "events[0].type: missing"},
    {EV("{\"type\":\"heal\"}"), SCENARIO_ERR_MISSING, "events[0].at: missing"},
    {EV("{\"at\":\"1m\",\"type\":\"explode\"}"), SCENARIO_ERR_VALUE, "events[0].type"},
    {EV("{\"at\":\"10m\",\"type\":\"crash\",\"node\":1}"), SCENARIO_ERR_VALUE,
     "events[0].at: expected a time before the end of the run"},
    {EV("{\"at\":\"1m\",\"type\":\"crash\"}"), SCENARIO_ERR_MISSING, "events[0].node"},
    {EV("{\"at\":\"1m\",\"type\":\"crash\",\"node\":5}"), SCENARIO_ERR_VALUE,
     "events[0].node: expected a node number in [1, 4]"},
    {EV("{\"at\":\"1m\",\"type\":\"crash\",\"node\":1,\"groups\":[]}"), SCENARIO_ERR_UNKNOWN_KEY,
     "events[0].groups"},
    {EV("{\"at\":\"1m\",\"type\":\"restart\",\"node\":1}"), SCENARIO_ERR_VALUE,
     "events[0]: node 1 is not crashed"},
    {EV("{\"at\":\"2m\",\"type\":\"crash\",\"node\":1},{\"at\":\"1m\",\"type\":\"crash\","
        "\"node\":1}"),
     SCENARIO_ERR_VALUE, "events[0]: node 1 is already crashed"},
    {EV("{\"at\":\"1m\",\"type\":\"heal\"}"), SCENARIO_ERR_VALUE, "events[0]: heal without"},
    {"{\"duration\":\"10m\",\"node_overrides\":[{\"node\":3,\"join_at\":\"5m\"}],"
     "\"events\":[{\"at\":\"1m\",\"type\":\"crash\",\"node\":3}]}",
     SCENARIO_ERR_VALUE, "events[0]: node 3 joins at 300.000 s: it cannot crash or restart before"},
    {EV("{\"at\":\"1m\",\"type\":\"partition\"}"), SCENARIO_ERR_MISSING, "events[0].groups"},
    {EV("{\"at\":\"1m\",\"type\":\"partition\",\"groups\":[[1,2,3,4]]}"), SCENARIO_ERR_VALUE,
     "events[0].groups: expected an array of at least 2"},
    {EV("{\"at\":\"1m\",\"type\":\"partition\",\"groups\":[[1,2],[]]}"), SCENARIO_ERR_VALUE,
     "events[0].groups[1]"},
    {EV("{\"at\":\"1m\",\"type\":\"partition\",\"groups\":[[1,2],[3,5]]}"), SCENARIO_ERR_VALUE,
     "events[0].groups[1][1]: expected a node number"},
    {EV("{\"at\":\"1m\",\"type\":\"partition\",\"groups\":[[1,2],[2,3,4]]}"), SCENARIO_ERR_VALUE,
     "events[0].groups[1][0]: node 2 is already in group 0"},
    {EV("{\"at\":\"1m\",\"type\":\"partition\",\"groups\":[[1,2],[3]]}"), SCENARIO_ERR_VALUE,
     "events[0].groups: node 4 is in no group"},
    {EV("{\"at\":\"1m\",\"type\":\"set_hashrate\",\"node\":1}"), SCENARIO_ERR_MISSING,
     "events[0].hashrate"},
    {EV("{\"at\":\"1m\",\"type\":\"set_hashrate\",\"node\":1,\"hashrate\":\"0.5005\"}"),
     SCENARIO_ERR_VALUE, "events[0].hashrate: expected a hash rate in steps of 0.001 H/s"},
    {EV("{\"at\":\"1m\",\"type\":\"set_stake\",\"node\":1,\"stake\":-5}"), SCENARIO_ERR_VALUE,
     "events[0].stake"},
    {EV("{\"at\":\"1m\",\"type\":\"tx\",\"from\":21,\"to\":1,\"amount\":5}"), SCENARIO_ERR_VALUE,
     "events[0].from: expected a wallet number in [1, 20]"},
    {EV("{\"at\":\"1m\",\"type\":\"tx\",\"from\":1,\"to\":2,\"amount\":0}"), SCENARIO_ERR_VALUE,
     "events[0].amount"},
    /* 2^53 + 1 reads as 2^53: refused, not rounded; 2^53 - 1 is the last. */
    {EV("{\"at\":\"1m\",\"type\":\"tx\",\"from\":1,\"to\":2,\"amount\":9007199254740993}"),
     SCENARIO_ERR_VALUE,
     "events[0].amount: expected an integer in [1, 9007199254740991], got 9007199254740992 (a "
     "JSON number is exact only up to 2^53 - 1, 2^53 + 1 reads as 2^53)"},
    {EV("{\"at\":\"1m\",\"type\":\"tx\",\"from\":1,\"to\":2,\"amount\":5,\"node\":9}"),
     SCENARIO_ERR_VALUE, "events[0].node"},
    {EV("{\"at\":\"1m\",\"type\":\"double_spend\",\"from\":1,\"to\":2,\"amount\":5,\"nodes\":[1,"
        "2]}"),
     SCENARIO_ERR_TYPE, "events[0].to: expected a pair"},
    {EV("{\"at\":\"1m\",\"type\":\"double_spend\",\"from\":1,\"to\":[2,3],\"amount\":5,"
        "\"nodes\":[1,7]}"),
     SCENARIO_ERR_VALUE, "events[0].nodes[1]"},
    {EV("{\"at\":\"1m\",\"type\":\"set_latency\",\"link\":[1,2],\"latency\":\"10ms\"}"),
     SCENARIO_ERR_VALUE,
     "events[0].latency: expected \"default\" or a latency from the network's "
     "smallest (50000000 ns)"},
    {EV("{\"at\":\"1m\",\"type\":\"set_latency\",\"link\":[1,2],\"latency\":\"2h\"}"),
     SCENARIO_ERR_VALUE, "events[0].latency: expected \"default\" or a latency"},
    {EV("{\"at\":\"1m\",\"type\":\"set_latency\",\"link\":[1,2],\"latency\":\"fast\"}"),
     SCENARIO_ERR_VALUE, "events[0].latency"},
    {EV("{\"at\":\"1m\",\"type\":\"set_latency\",\"link\":[1,2]}"), SCENARIO_ERR_MISSING,
     "events[0].latency"},
    {EV("{\"at\":\"1m\",\"type\":\"set_latency\",\"link\":[2,2],\"latency\":\"1s\"}"),
     SCENARIO_ERR_VALUE, "events[0].link"},
    {EV("{\"at\":\"1m\",\"type\":\"set_latency\",\"link\":[1,9],\"latency\":\"1s\"}"),
     SCENARIO_ERR_VALUE, "events[0].link"},
    {EV("{\"at\":\"1m\",\"type\":\"set_latency\",\"latency\":\"1s\"}"), SCENARIO_ERR_MISSING,
     "events[0].link"},
    {EV("{\"at\":\"1m\",\"type\":\"set_latency\",\"link\":[1,2],\"latency\":\"1s\",\"node\":1}"),
     SCENARIO_ERR_UNKNOWN_KEY, "events[0].node"},
    {EV("{\"at\":\"1m\",\"type\":\"double_spend\",\"from\":1,\"to\":[2,3],\"amount\":5}"),
     SCENARIO_ERR_MISSING, "events[0].nodes"},
    {"{\"adversaries\":{}}", SCENARIO_ERR_TYPE, "adversaries: expected an array"},
    {ADV("1"), SCENARIO_ERR_TYPE, "adversaries[0]: expected an object"},
    {ADV("{\"node\":1}"), SCENARIO_ERR_MISSING, "adversaries[0].kind: missing"},
    {ADV("{\"kind\":\"nuke\",\"node\":1}"), SCENARIO_ERR_VALUE, "adversaries[0].kind"},
    {ADV("{\"kind\":\"selfish\"}"), SCENARIO_ERR_MISSING, "adversaries[0].node: missing"},
    {ADV("{\"kind\":\"selfish\",\"node\":5}"), SCENARIO_ERR_VALUE,
     "adversaries[0].node: expected a node number in [1, 4]"},
    {ADV("{\"kind\":\"selfish\",\"node\":1,\"merchant\":2}"), SCENARIO_ERR_UNKNOWN_KEY,
     "adversaries[0].merchant: unknown key"},
    {ADV("{\"kind\":\"selfish\",\"node\":1},{\"kind\":\"selfish\",\"node\":1}"), SCENARIO_ERR_VALUE,
     "adversaries[1].node: node 1 is already an adversary at adversaries[0]"},
    {"{\"consensus\":{\"type\":\"pos\"},\"adversaries\":[{\"kind\":\"selfish\",\"node\":1}]}",
     SCENARIO_ERR_VALUE, "adversaries[0].kind: selfish needs consensus.type \"pow\""},
    {"{\"node_overrides\":[{\"node\":1,\"hashrate\":0}],"
     "\"adversaries\":[{\"kind\":\"selfish\",\"node\":1}]}",
     SCENARIO_ERR_VALUE, "adversaries[0].node: node 1 has hashrate 0"},
    {ADV("{\"kind\":\"selfish\",\"node\":1,\"publish_to\":[]}"), SCENARIO_ERR_VALUE,
     "adversaries[0].publish_to: expected a non-empty array"},
    {ADV("{\"kind\":\"selfish\",\"node\":1,\"publish_to\":[1]}"), SCENARIO_ERR_VALUE,
     "adversaries[0].publish_to[0]: node 1 is the attacker itself"},
    {ADV("{\"kind\":\"selfish\",\"node\":1,\"publish_to\":[2,2]}"), SCENARIO_ERR_VALUE,
     "adversaries[0].publish_to[1]: node 2 is listed twice"},
    {ADV("{\"kind\":\"selfish\",\"node\":1,\"publish_to\":[9]}"), SCENARIO_ERR_VALUE,
     "adversaries[0].publish_to[0]: expected a node number in [1, 4]"},
    {ADV("{\"kind\":\"selfish\",\"node\":1,\"publish_to\":4}"), SCENARIO_ERR_VALUE,
     "adversaries[0].publish_to"},
    {ADV("{\"kind\":\"selfish\",\"node\":1,\"publish_to\":\"all\"}"), SCENARIO_ERR_TYPE,
     "adversaries[0].publish_to"},
    {ADV(DS("")), SCENARIO_ERR_MISSING, "adversaries[0].merchant: missing"},
    {ADV(DS(",\"merchant\":1,\"wallet\":1,\"to\":2,\"amount\":5")), SCENARIO_ERR_VALUE,
     "adversaries[0].merchant: node 1 is the attacker itself"},
    {ADV(DS(",\"merchant\":2,\"wallet\":2,\"to\":3,\"amount\":5")), SCENARIO_ERR_VALUE,
     "adversaries[0].wallet: wallet 2 is hosted by node 2, not by the attacker (node 1)"},
    {ADV(DS(",\"merchant\":2,\"wallet\":5,\"to\":5,\"amount\":5")), SCENARIO_ERR_VALUE,
     "adversaries[0].to: wallet 5 is the attacker's own"},
    {ADV(DS(",\"merchant\":2,\"wallet\":1,\"to\":2")), SCENARIO_ERR_MISSING,
     "adversaries[0].amount: missing"},
    {ADV(DS(",\"merchant\":2,\"wallet\":1,\"to\":2,\"amount\":5,\"confirmations\":0")),
     SCENARIO_ERR_VALUE, "adversaries[0].confirmations"},
    {ADV(DS(",\"merchant\":2,\"wallet\":1,\"to\":2,\"amount\":5,\"give_up\":0")),
     SCENARIO_ERR_VALUE, "adversaries[0].give_up"},
    {ADV(DS(",\"merchant\":2,\"wallet\":1,\"to\":2,\"amount\":5,\"start\":\"10m\"")),
     SCENARIO_ERR_VALUE, "adversaries[0].start: expected a time before the end of the run"},
    {ADV(DS(",\"merchant\":2,\"wallet\":1,\"to\":2,\"amount\":5,\"confirmations\":4,"
            "\"give_up\":3")),
     SCENARIO_ERR_VALUE, "adversaries[0].give_up: expected at least confirmations (4)"},
    {ADV(DS(",\"merchant\":2,\"wallet\":1,\"to\":2,\"amount\":1000800")), SCENARIO_ERR_VALUE,
     "adversaries[0].amount: expected less than a genesis coin (10 x (workload.amount_max + "
     "workload.fee) = 1001000) less two fees"},
    {ADV(DS(",\"merchant\":2,\"wallet\":1,\"to\":2,\"amount\":5")), SCENARIO_ERR_VALUE,
     "adversaries[0].kind: double_spend needs workload.rate 0"},
    {ADV("{\"kind\":\"byzantine\",\"node\":1}"), SCENARIO_ERR_MISSING,
     "adversaries[0].wallet: missing"},
    {ADV("{\"kind\":\"byzantine\",\"node\":1,\"wallet\":2}"), SCENARIO_ERR_VALUE,
     "adversaries[0].wallet: wallet 2 is hosted by node 2"},
    {ADV("{\"kind\":\"byzantine\",\"node\":1,\"wallet\":1,\"interval\":\"10us\"}"),
     SCENARIO_ERR_VALUE, "adversaries[0].interval: expected at least 1ms"},
    {ADV("{\"kind\":\"byzantine\",\"node\":1,\"wallet\":1,\"amount\":5}"), SCENARIO_ERR_UNKNOWN_KEY,
     "adversaries[0].amount: unknown key"},
    {ADV(WH("")), SCENARIO_ERR_MISSING, "adversaries[0].hold: missing"},
    {ADV(WH(",\"hold\":\"10us\"")), SCENARIO_ERR_VALUE,
     "adversaries[0].hold: expected a window of at least 1ms"},
    {ADV(WH(",\"hold\":\"soon\"")), SCENARIO_ERR_VALUE, "adversaries[0].hold"},
    {ADV(WH(",\"hold\":[30]")), SCENARIO_ERR_TYPE, "adversaries[0].hold"},
    {ADV(WH(",\"hold\":\"30s\",\"every\":\"20s\"")), SCENARIO_ERR_VALUE,
     "adversaries[0].every: expected at least hold (30000000000 ns): windows must not overlap"},
    {ADV(WH(",\"hold\":\"30s\",\"every\":\"0s\"")), SCENARIO_ERR_VALUE,
     "adversaries[0].every: expected at least hold"},
    {ADV(WH(",\"hold\":\"30s\",\"start\":\"10m\"")), SCENARIO_ERR_VALUE,
     "adversaries[0].start: expected a time before the end of the run"},
    {ADV(WH(",\"hold\":\"30s\",\"wallets\":[1]")), SCENARIO_ERR_UNKNOWN_KEY,
     "adversaries[0].wallets: unknown key"},
    {"{\"consensus\":{\"type\":\"pos\"},\"adversaries\":[" WH(",\"hold\":\"30s\"") "]}",
     SCENARIO_ERR_VALUE, "adversaries[0].kind: withhold needs consensus.type \"pow\""},
    {"{\"node_overrides\":[{\"node\":1,\"hashrate\":0}],\"adversaries\":[" WH(
         ",\"hold\":\"30s\"") "]}",
     SCENARIO_ERR_VALUE, "adversaries[0].node: node 1 has hashrate 0"},
    {ADV(CENSOR("")), SCENARIO_ERR_MISSING, "adversaries[0].wallets: missing"},
    {ADV(CENSOR(",\"wallets\":[]")), SCENARIO_ERR_VALUE,
     "adversaries[0].wallets: expected a non-empty array of the wallets"},
    {ADV(CENSOR(",\"wallets\":2")), SCENARIO_ERR_TYPE, "adversaries[0].wallets"},
    {ADV(CENSOR(",\"wallets\":[2,2]")), SCENARIO_ERR_VALUE,
     "adversaries[0].wallets[1]: wallet 2 is listed twice"},
    {ADV(CENSOR(",\"wallets\":[999]")), SCENARIO_ERR_VALUE,
     "adversaries[0].wallets[0]: expected a wallet number in [1, "},
    {ADV(CENSOR(",\"wallets\":[\"two\"]")), SCENARIO_ERR_TYPE, "adversaries[0].wallets[0]"},
    {ADV(CENSOR(",\"wallets\":[2],\"hold\":\"30s\"")), SCENARIO_ERR_UNKNOWN_KEY,
     "adversaries[0].hold: unknown key"},
    {"{\"node_overrides\":[{\"node\":1,\"hashrate\":0}],\"adversaries\":[" CENSOR(
         ",\"wallets\":[2]") "]}",
     SCENARIO_ERR_VALUE, "adversaries[0].node: node 1 has hashrate 0: a censor builds blocks"},
    {"{\"consensus\":{\"type\":\"pos\"},\"node_overrides\":[{\"node\":1,\"stake\":0}],"
     "\"adversaries\":[" CENSOR(",\"wallets\":[2]") "]}",
     SCENARIO_ERR_VALUE, "adversaries[0].node: node 1 has stake 0: a censor builds blocks"},
    {"{\"nodes\":{\"count\":4,\"stake\":100},\"adversaries\":[{\"kind\":\"equivocate\","
     "\"node\":1,\"side\":[2]}]}",
     SCENARIO_ERR_VALUE, "adversaries[0].kind: equivocate needs consensus.type \"bft\""},
    {"{\"consensus\":{\"type\":\"bft\"},\"nodes\":{\"count\":4,\"stake\":100},"
     "\"node_overrides\":[{\"node\":1,\"stake\":0}],\"adversaries\":[{\"kind\":\"equivocate\","
     "\"node\":1,\"side\":[2]}]}",
     SCENARIO_ERR_VALUE, "adversaries[0].node: node 1 has stake 0: it is no validator"},
    {EQ_BFT(""), SCENARIO_ERR_MISSING, "adversaries[0].side"},
    {EQ_BFT(",\"side\":[]"), SCENARIO_ERR_VALUE,
     "adversaries[0].side: expected a non-empty array of nodes"},
    {EQ_BFT(",\"side\":[1]"), SCENARIO_ERR_VALUE,
     "adversaries[0].side[0]: node 1 is the attacker itself"},
    {EQ_BFT(",\"side\":[2,2]"), SCENARIO_ERR_VALUE,
     "adversaries[0].side[1]: node 2 is listed twice"},
    {EQ_BFT(",\"side\":[9]"), SCENARIO_ERR_VALUE, "adversaries[0].side[0]"},
    {EQ_BFT(",\"side\":[2],\"start\":\"1h\""), SCENARIO_ERR_VALUE,
     "adversaries[0].start: expected a time before the end of the run"},
    {EQ_BFT(",\"side\":[2],\"wallets\":[1]"), SCENARIO_ERR_UNKNOWN_KEY,
     "adversaries[0].wallets: unknown key"},
    {"{\"network\":{\"ban_score\":-1}}", SCENARIO_ERR_VALUE, "network.ban_score"},
    {EV("{\"at\":\"1m\",\"type\":\"eclipse\",\"node\":1}"), SCENARIO_ERR_MISSING, "events[0].by"},
    {EV("{\"at\":\"1m\",\"type\":\"eclipse\",\"node\":1,\"by\":[]}"), SCENARIO_ERR_VALUE,
     "events[0].by: expected a non-empty array"},
    {EV("{\"at\":\"1m\",\"type\":\"eclipse\",\"node\":1,\"by\":[1]}"), SCENARIO_ERR_VALUE,
     "events[0].by[0]: node 1 is the victim itself"},
    {EV("{\"at\":\"1m\",\"type\":\"eclipse\",\"node\":1,\"by\":[2,2]}"), SCENARIO_ERR_VALUE,
     "events[0].by[1]: node 2 is listed twice"},
    {EV("{\"at\":\"1m\",\"type\":\"eclipse\",\"node\":1,\"by\":[2]},"
        "{\"at\":\"2m\",\"type\":\"eclipse\",\"node\":1,\"by\":[3]}"),
     SCENARIO_ERR_VALUE, "events[1]: node 1 is already eclipsed"},
    {EV("{\"at\":\"1m\",\"type\":\"eclipse_end\",\"node\":1}"), SCENARIO_ERR_VALUE,
     "events[0]: node 1 is not eclipsed at this time: eclipse_end needs an earlier eclipse"},
    {EV("{\"at\":\"1m\",\"type\":\"rejoin\",\"node\":2}"), SCENARIO_ERR_VALUE,
     "events[0]: node 2 is not isolated at this time: rejoin needs an earlier isolate"},
    {EV("{\"at\":\"1m\",\"type\":\"isolate\",\"node\":2},"
        "{\"at\":\"2m\",\"type\":\"isolate\",\"node\":2}"),
     SCENARIO_ERR_VALUE, "events[1]: node 2 is already isolated"},
    {EV("{\"at\":\"1m\",\"type\":\"cut\",\"link\":[1,1]}"), SCENARIO_ERR_VALUE,
     "events[0].link: expected two different nodes"},
    {EV("{\"at\":\"1m\",\"type\":\"cut\",\"link\":[1,9]}"), SCENARIO_ERR_VALUE,
     "events[0].link[1]"},
    {EV("{\"at\":\"1m\",\"type\":\"cut\",\"link\":[1,2]},"
        "{\"at\":\"2m\",\"type\":\"restore\",\"link\":[2,1]},"
        "{\"at\":\"3m\",\"type\":\"restore\",\"link\":[1,2]}"),
     SCENARIO_ERR_VALUE, "events[2]: the link 1-2 is not cut at this time"},
    {EV("{\"at\":\"1m\",\"type\":\"isolate\",\"node\":2,\"by\":[1]}"), SCENARIO_ERR_UNKNOWN_KEY,
     "events[0].by: unknown key"},
    {"{\"network\":{\"ban_score\":\"x\"}}", SCENARIO_ERR_TYPE, "network.ban_score"},
    {ADV(DS(",\"merchant\":2,\"wallet\":1,\"to\":2,\"amount\":5,\"publish_to\":[2]")),
     SCENARIO_ERR_UNKNOWN_KEY, "adversaries[0].publish_to: unknown key"},
};

START_TEST(bad_scenarios)
{
    const struct bad *b = &bads[_i];
    scenario s;
    char err[512];
    scenario_status st = parse_text(&s, b->json, err, sizeof err);
    ck_assert_msg(st == b->status, "%s: got %s (%s), want %s", b->json, scenario_status_message(st),
                  err, scenario_status_message(b->status));
    ck_assert_msg(strncmp(err, "t.json: ", 8) == 0, "message must name the file: %s", err);
    ck_assert_msg(strstr(err, b->path) != NULL, "%s: message \"%s\" lacks \"%s\"", b->json, err,
                  b->path);
    ck_assert_ptr_null(s.nodes); /* output cleared */
    ck_assert_uint_eq(s.n_nodes, 0);
}
END_TEST

START_TEST(overrides)
{
    static const char *const sets[] = {"nodes.count=8",
                                       "events[0].groups=[[1,2,3,4],[5,6,7,8]]",
                                       "events[1].at=4m",
                                       "network.latency=20ms",
                                       "name=\"quoted\"",
                                       "description=plain text",
                                       "consensus.pos.k=3",
                                       "events[2]={\"at\":\"200s\",\"type\":\"crash\",\"node\":8}",
                                       "network.topology.type=ring"};
    scenario s;
    char err[512];
    ck_assert_msg(scenario_load_default(&s, sets, sizeof sets / sizeof sets[0], err, sizeof err) ==
                      SCENARIO_OK,
                  "%s", err);
    ck_assert_uint_eq(s.n_nodes, 8);
    ck_assert_int_eq(s.events[1].at_ns, 200000000000LL);
    ck_assert_int_eq(s.events[1].type, SCENARIO_EV_CRASH);
    ck_assert_uint_eq(s.events[1].node, 7);
    ck_assert_int_eq(s.events[2].at_ns, 240000000000LL);
    ck_assert_int_eq(s.network.latency.dist, SCENARIO_LAT_CONSTANT);
    ck_assert_int_eq(scenario_lookahead_ns(&s), 20000000);
    ck_assert_str_eq(s.name, "quoted");
    ck_assert_str_eq(s.description, "plain text");
    ck_assert_uint_eq(s.consensus.pos.k, 3);
    ck_assert_int_eq(s.network.topology, SCENARIO_TOPO_RING);
    scenario_free(&s);
}
END_TEST

struct bad_set {
    const char *set;
    scenario_status status;
    const char *msg;
};

static const struct bad_set bad_sets[] = {
    {"seed=abc", SCENARIO_ERR_TYPE, "(built-in default scenario): seed: expected an integer"},
    {"seed=9007199254740993", SCENARIO_ERR_VALUE,
     "seed: expected an integer in [0, 9007199254740991], got 9007199254740992 (a JSON number is "
     "exact only up to 2^53 - 1, 2^53 + 1 reads as 2^53: give a larger integer as a string of "
     "digits)"},
    {"workload.fee=9007199254740992", SCENARIO_ERR_VALUE, "2^53 + 1 reads as 2^53"},
    {"network.loss=2", SCENARIO_ERR_VALUE, "network.loss"},
    {"nodes.count=2", SCENARIO_ERR_VALUE,
     "events[0].groups[1][0]: expected a node number in [1, 2]"},
    {"network.latencyy=1ms", SCENARIO_ERR_UNKNOWN_KEY, "did you mean \"latency\""},
    {"noequals", SCENARIO_ERR_OVERRIDE, "--set 'noequals': expected PATH=VALUE"},
    {"=5", SCENARIO_ERR_OVERRIDE, "expected PATH=VALUE"},
    {"seed.x=1", SCENARIO_ERR_OVERRIDE, "its parent is not an object"},
    {"events[9].at=1m", SCENARIO_ERR_OVERRIDE, "index [9] is out of range (array has 2 items)"},
    {"events[x].at=1m", SCENARIO_ERR_OVERRIDE, "expected [N]"},
    {"events[-1].at=1m", SCENARIO_ERR_OVERRIDE, "expected [N]"},
    {"name[0]=1", SCENARIO_ERR_OVERRIDE, "not an array"},
    {"missing[0]=1", SCENARIO_ERR_OVERRIDE, "\"missing\" does not exist"},
    {"network..loss=1", SCENARIO_ERR_OVERRIDE, "empty key"},
    {"network.=1", SCENARIO_ERR_OVERRIDE, "ends with '.'"},
};

/* A PoW run's hash attempts (hash rate times the time each node mines,
 * set_hashrate included) are its CPU work: at most SCENARIO_MAX_HASHES. The
 * default scenario has 4 nodes and lasts 300 s. */
START_TEST(hash_attempts_are_bounded)
{
    static const struct {
        const char *sets[4];
        size_t n;
        scenario_status want;
    } cases[] = {
        /* 4 x 1e9 x 250 s = 1e12: the limit itself */
        {{"duration=250s", "nodes.hashrate=1G"}, 2, SCENARIO_OK},
        /* 4 x 1e9 x 300 s = 1.2e12 */
        {{"nodes.hashrate=1G"}, 1, SCENARIO_ERR_VALUE},
        /* node 1 joins at 200 s: 3 x 300e9 + 100e9 = 1e12 */
        {{"nodes.hashrate=1G", "node_overrides=[{\"node\":1,\"join_at\":\"200s\"}]"},
         2,
         SCENARIO_OK},
        /* node 1 doubles its rate at 100 s: 1e12 + 150e9 */
        {{"duration=250s", "nodes.hashrate=1G",
          "events[2]={\"at\":\"100s\",\"type\":\"set_hashrate\",\"node\":1,\"hashrate\":"
          "\"2G\"}"},
         3,
         SCENARIO_ERR_VALUE},
        /* and halves it: 1e12 - 75e9, with a higher rate before */
        {{"duration=250s", "nodes.hashrate=1G",
          "events[2]={\"at\":\"100s\",\"type\":\"set_hashrate\",\"node\":1,\"hashrate\":"
          "\"500M\"}",
          "node_overrides=[{\"node\":2,\"hashrate\":\"1.2G\"}]"},
         4,
         SCENARIO_OK},
        /* PoS does not hash */
        {{"nodes.hashrate=1000000000000000", "consensus.type=pos"}, 2, SCENARIO_OK},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        scenario s;
        char err[600];
        scenario_status st = scenario_load_default(&s, cases[k].sets, cases[k].n, err, sizeof err);
        ck_assert_msg(st == cases[k].want, "case %zu: %s (%s)", k, scenario_status_message(st),
                      err);
        if (st != SCENARIO_OK)
            ck_assert_msg(
                strstr(err, "(built-in default scenario): nodes: the hash rates (up to ") &&
                    strstr(err, "at most 1e+12 are allowed (every attempt is a real "
                                "double SHA-256"),
                "case %zu: %s", k, err);
        scenario_free(&s);
    }
    scenario s;
    char err[600];
    const char *absurd[] = {"nodes.hashrate=1e15"};
    ck_assert_int_eq(scenario_load_default(&s, absurd, 1, err, sizeof err), SCENARIO_ERR_VALUE);
    ck_assert_str_eq(err, "(built-in default scenario): nodes: the hash rates (up to 4e+15 hashes "
                          "per second in all) make 1.2e+18 hash attempts over the 5m run; at "
                          "most 1e+12 are allowed (every attempt is a real double SHA-256: 1e12 "
                          "take days of CPU time): lower the hash rates (and "
                          "consensus.pow.expected_hashes_per_block with them, to keep the block "
                          "interval) or the duration");
}
END_TEST

/* Peer links, counted at both ends, are at most SCENARIO_MAX_LINK_ENDS:
 * a full mesh of 2,000 nodes (3,998,000) is the largest. */
START_TEST(peer_links_are_bounded)
{
    static const struct {
        const char *sets[3];
        scenario_status want;
        const char *msg;
    } cases[] = {
        {{"events=[]", "nodes.count=2000", "network.topology=full"}, SCENARIO_OK, ""},
        {{"events=[]", "nodes.count=2001", "network.topology=full"},
         SCENARIO_ERR_VALUE,
         "(built-in default scenario): network.topology: a full mesh of 2001 nodes has 4002000 "
         "peer links (counted at both ends); at most 4000000 are allowed (every block and "
         "transaction is announced over every link): use \"random\" with a smaller degree, or "
         "fewer nodes"},
        {{"events=[]", "nodes.count=100000",
          "network.topology={\"type\":\"random\",\"degree\":40}"},
         SCENARIO_OK,
         ""},
        {{"events=[]", "nodes.count=100000",
          "network.topology={\"type\":\"random\",\"degree\":41}"},
         SCENARIO_ERR_VALUE,
         "network.topology: a random topology of 100000 nodes has 4100000 peer links"},
        /* a ring, a star: 2n */
        {{"events=[]", "nodes.count=100000", "network.topology=ring"}, SCENARIO_OK, ""},
        {{"events=[]", "nodes.count=100000", "network.topology=star"}, SCENARIO_OK, ""},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        scenario s;
        char err[600];
        const char *sets[4] = {cases[k].sets[0], cases[k].sets[1], cases[k].sets[2],
                               "metrics.sample_interval=1m"};
        scenario_status st = scenario_load_default(&s, sets, 4, err, sizeof err);
        ck_assert_msg(st == cases[k].want, "case %zu: %s (%s)", k, scenario_status_message(st),
                      err);
        ck_assert_msg(strstr(st == SCENARIO_OK ? "" : err, cases[k].msg) != NULL, "case %zu: %s", k,
                      err);
        scenario_free(&s);
    }
}
END_TEST

/* Seeds above 2^53 round-trip exactly, as a string of digits. */
START_TEST(large_seed_round_trips)
{
    scenario s, back;
    char err[512];
    const char *sets[] = {"seed=\"18446744073709551615\""};
    ck_assert_int_eq(scenario_load_default(&s, sets, 1, err, sizeof err), SCENARIO_OK);
    ck_assert_uint_eq(s.seed, UINT64_MAX);
    cJSON *j = scenario_to_json(&s);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(j, "seed")->valuestring,
                     "18446744073709551615");
    ck_assert_int_eq(scenario_from_json(&back, j, "back", err, sizeof err), SCENARIO_OK);
    ck_assert_uint_eq(back.seed, UINT64_MAX);
    const char *over[] = {"seed=\"18446744073709551616\""};
    scenario bad;
    ck_assert_int_eq(scenario_load_default(&bad, over, 1, err, sizeof err), SCENARIO_ERR_TYPE);
    cJSON_Delete(j);
    scenario_free(&s);
    scenario_free(&back);
}
END_TEST

START_TEST(bad_overrides)
{
    const struct bad_set *b = &bad_sets[_i];
    scenario s;
    char err[512];
    const char *sets[] = {b->set};
    scenario_status st = scenario_load_default(&s, sets, 1, err, sizeof err);
    ck_assert_msg(st == b->status, "%s: got %s (%s)", b->set, scenario_status_message(st), err);
    ck_assert_msg(strstr(err, b->msg) != NULL, "%s: \"%s\" lacks \"%s\"", b->set, err, b->msg);
    ck_assert_ptr_null(s.nodes);
}
END_TEST

START_TEST(set_appends_and_creates)
{
    char err[256];
    cJSON *j = cJSON_Parse("{\"a\":[1]}");
    ck_assert_int_eq(scenario_set(j, "a[1]=2", err, sizeof err), SCENARIO_OK);
    ck_assert_int_eq(scenario_set(j, "b.c.d=x=y", err, sizeof err), SCENARIO_OK);
    ck_assert_int_eq(scenario_set(j, "a[0]=5m", err, sizeof err), SCENARIO_OK);
    char *t = cJSON_PrintUnformatted(j);
    ck_assert_str_eq(t, "{\"a\":[\"5m\",2],\"b\":{\"c\":{\"d\":\"x=y\"}}}");
    free(t);
    cJSON_Delete(j);
    j = cJSON_Parse("[1]");
    ck_assert_int_eq(scenario_set(j, "a=1", err, sizeof err), SCENARIO_ERR_OVERRIDE);
    cJSON_Delete(j);
}
END_TEST

/* A long key is set in full, and every message about it keeps its end and
 * the reason: the key is shown as its two ends around "...". */
START_TEST(long_set_keys)
{
    char err[300], *set = malloc(5200);
    ck_assert_ptr_nonnull(set);
    /* network.kkk...kz=5: set in full, then refused as an unknown key. */
    int n = snprintf(set, 5200, "network.");
    memset(set + n, 'k', 4999);
    snprintf(set + n + 4999, 5200 - (size_t)n - 4999, "z=5");
    cJSON *j = cJSON_Parse("{\"network\": {}}");
    ck_assert_int_eq(scenario_set(j, set, err, sizeof err), SCENARIO_OK);
    const cJSON *network = cJSON_GetObjectItemCaseSensitive(j, "network");
    ck_assert_uint_eq(strlen(network->child->string), 5000);
    ck_assert_int_eq(network->child->string[4999], 'z');
    cJSON_Delete(j);
    scenario s;
    const char *sets[] = {set};
    ck_assert_int_eq(scenario_load_default(&s, sets, 1, err, sizeof err), SCENARIO_ERR_UNKNOWN_KEY);
    ck_assert_str_eq(err, "(built-in default scenario): network.kkkkkkkkkkkkkkkkkkkkkkkkkkkkkk..."
                          "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkz: unknown key; expected one of: "
                          "topology, latency, bandwidth, loss, regions, ban_score");
    /* nodes[0].kkk...kz=5: the --set refusal quotes both ends of it. */
    n = snprintf(set, 5200, "nodes[0].");
    memset(set + n, 'k', 4999);
    snprintf(set + n + 4999, 5200 - (size_t)n - 4999, "z=5");
    ck_assert_int_eq(scenario_load_default(&s, sets, 1, err, sizeof err), SCENARIO_ERR_OVERRIDE);
    ck_assert_str_eq(err, "--set 'nodes[0].kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk..."
                          "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkz=5' (5011 bytes): "
                          "index [0] used on something that is not an array");
    n = snprintf(set, 5200, "seed.");
    memset(set + n, 'k', 4999);
    snprintf(set + n + 4999, 5200 - (size_t)n - 4999, "z=5");
    ck_assert_int_eq(scenario_load_default(&s, sets, 1, err, sizeof err), SCENARIO_ERR_OVERRIDE);
    ck_assert_msg(strstr(err, "(5007 bytes): cannot set key \"kkkkkkkkkkkkkkkkkkkkkkkkk..."
                              "kkkkkkkkkkkkkkkkkkkkkkkkz\": its parent is not an object") != NULL,
                  "%s", err);
    free(set);
}
END_TEST

/* metrics.sample_interval against the duration: at most
 * SCENARIO_MAX_SAMPLES samples and SCENARIO_MAX_SAMPLE_ROWS rows, exactly
 * at the limit accepted, past it refused with the limit, why, and the
 * smallest interval that would do. */
START_TEST(sample_count_limits)
{
    static const struct {
        const char *sets[4];
        scenario_status status;
        const char *msg;
    } cases[] = {
        {{"duration=1000s", "metrics.sample_interval=1ms", "events=[]"}, SCENARIO_OK, ""},
        {{"duration=1000s", "metrics.sample_interval=999999ns", "events=[]"},
         SCENARIO_ERR_VALUE,
         "(built-in default scenario): metrics.sample_interval: 999999ns gives 1000002 samples "
         "over the 1000s run; at most 1000000 are allowed (each sample stops every worker and "
         "writes a row per node): use at least \"1ms\""},
        {{"metrics.sample_interval=1ns"},
         SCENARIO_ERR_VALUE,
         "metrics.sample_interval: 1ns gives 300000000000 samples over the 5m run"},
        {{"duration=30d", "events=[]"}, SCENARIO_ERR_VALUE, "use at least \"3s\""},
        /* 200 samples of 100,000 nodes is the row limit; 201 is past it. */
        {{"nodes.count=100000", "events=[]", "duration=200s", "network.topology=ring"},
         SCENARIO_OK,
         ""},
        {{"nodes.count=100000", "events=[]", "duration=201s", "network.topology=ring"},
         SCENARIO_ERR_VALUE,
         "metrics.sample_interval: 1s gives 201 samples of 100000 nodes over the 201s run, "
         "more than 20000000 rows of timeline.csv (each sample keeps a row per node in memory "
         "until the run ends): use at least \"2s\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = 0;
        while (n < 4 && cases[i].sets[n] != NULL)
            n++;
        scenario s;
        char err[600];
        scenario_status st = scenario_load_default(&s, cases[i].sets, n, err, sizeof err);
        ck_assert_msg(st == cases[i].status, "case %zu: %s", i, err);
        ck_assert_msg(strstr(err, cases[i].msg) != NULL, "case %zu: \"%s\" lacks \"%s\"", i, err,
                      cases[i].msg);
        scenario_free(&s);
    }
}
END_TEST

static const char *source_dir(void)
{
    const char *d = getenv("CHAINSIM_SOURCE_DIR");
    return d != NULL ? d : ".";
}

START_TEST(files_and_io_errors)
{
    scenario s;
    char err[512], path[1024];
    ck_assert_int_eq(scenario_load_file(&s, "/nonexistent/x.json", NULL, 0, err, sizeof err),
                     SCENARIO_ERR_IO);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x.json: cannot open"));
    snprintf(path, sizeof path, "%s/tests/data/scenarios/bad_syntax.json", source_dir());
    ck_assert_int_eq(scenario_load_file(&s, path, NULL, 0, err, sizeof err), SCENARIO_ERR_SYNTAX);
    ck_assert_msg(strstr(err, "bad_syntax.json: line 4 column") != NULL, "%s", err);
    snprintf(path, sizeof path, "%s/tests/data/scenarios/bad_trailing.json", source_dir());
    ck_assert_int_eq(scenario_load_file(&s, path, NULL, 0, err, sizeof err), SCENARIO_ERR_SYNTAX);
    snprintf(path, sizeof path, "%s/tests/data/scenarios/bad_unknown_key.json", source_dir());
    ck_assert_int_eq(scenario_load_file(&s, path, NULL, 0, err, sizeof err),
                     SCENARIO_ERR_UNKNOWN_KEY);
    ck_assert_msg(strstr(err, "bad_unknown_key.json: network.latency.mni: unknown key (did you "
                              "mean \"min\"?)") != NULL,
                  "%s", err);
    snprintf(path, sizeof path, "%s/tests/data/scenarios/bad_zero_latency.json", source_dir());
    ck_assert_int_eq(scenario_load_file(&s, path, NULL, 0, err, sizeof err), SCENARIO_ERR_VALUE);
    ck_assert_msg(strstr(err, "bad_zero_latency.json: network.latency.min") != NULL, "%s", err);
    /* A good file with an override that breaks it, and one that fixes a bad file. */
    const char *fix[] = {"network.latency.min=1ms"};
    ck_assert_msg(scenario_load_file(&s, path, fix, 1, err, sizeof err) == SCENARIO_OK, "%s", err);
    ck_assert_int_eq(scenario_lookahead_ns(&s), 1000000);
    scenario_free(&s);
}
END_TEST

START_TEST(every_example_validates)
{
    char dir[1024], path[1400], err[512];
    size_t count = 0;
    snprintf(dir, sizeof dir, "%s/scenarios", source_dir());
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        scenario s;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ck_assert_msg(scenario_load_file(&s, path, NULL, 0, err, sizeof err) == SCENARIO_OK, "%s",
                      err);
        ck_assert_msg(s.description[0] != '\0', "%s needs a description", path);
        ck_assert(scenario_lookahead_ns(&s) > 0);
        assert_round_trip(&s);
        scenario_free(&s);
        count++;
    }
    closedir(d);
    ck_assert_uint_ge(count, 1);
}
END_TEST

START_TEST(default_file_matches_built_in)
{
    char path[1024], err[512];
    scenario a, b;
    snprintf(path, sizeof path, "%s/scenarios/default.json", source_dir());
    ck_assert_msg(scenario_load_file(&a, path, NULL, 0, err, sizeof err) == SCENARIO_OK, "%s", err);
    ck_assert_msg(scenario_load_default(&b, NULL, 0, err, sizeof err) == SCENARIO_OK, "%s", err);
    assert_same(&a, &b);
    scenario_free(&a);
    scenario_free(&b);
}
END_TEST

/* Files the strict reader refuses: each with its code and message. */
static const struct bad_file {
    const char *text;
    size_t len; /* 0: strlen */
    scenario_status status;
    const char *message; /* after "DIR/x.json: " */
} bad_files[] = {
    {"{\"network\": {\"loss\": 0, \"loss\": 0.5}}", 0, SCENARIO_ERR_UNKNOWN_KEY,
     "network.loss: key given twice"},
    {"{\"name\": \"a\"}\n\n{\"name\": \"b\"}", 0, SCENARIO_ERR_SYNTAX,
     "line 3 column 1: not valid JSON: more after the end of the document"},
    {"{\"name\": \"a\0\"}", 14, SCENARIO_ERR_SYNTAX,
     "line 1 column 12: not valid JSON (a NUL byte at offset 11: not a text file)"},
    {"{\"events\": [", 0, SCENARIO_ERR_SYNTAX,
     "line 1 column 12: not valid JSON (the text ends inside an object, array or string: "
     "truncated?)"},
};

START_TEST(strict_files)
{
    const struct bad_file *b = &bad_files[_i];
    const char *dir = testutil_tmpdir("scenario-strict");
    char path[600], err[600], want[800];
    snprintf(path, sizeof path, "%s/x.json", dir);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    size_t len = b->len ? b->len : strlen(b->text);
    ck_assert_uint_eq(fwrite(b->text, 1, len, f), len);
    fclose(f);
    scenario s;
    scenario_status st = scenario_load_file(&s, path, NULL, 0, err, sizeof err);
    ck_assert_msg(st == b->status, "case %d: got %s (%s)", _i, scenario_status_message(st), err);
    snprintf(want, sizeof want, "%s: %s", path, b->message);
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(s.nodes);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

START_TEST(strict_nesting_directory_and_set_values)
{
    const char *dir = testutil_tmpdir("scenario-strict2");
    char path[600], err[600], want[800];
    scenario s;
    /* A directory, then a file nested past the limit. */
    ck_assert_int_eq(scenario_load_file(&s, dir, NULL, 0, err, sizeof err), SCENARIO_ERR_IO);
    snprintf(want, sizeof want, "%s: cannot read: it is a directory", dir);
    ck_assert_str_eq(err, want);
    snprintf(path, sizeof path, "%s/deep.json", dir);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    fputs("{\"description\": ", f);
    for (int i = 0; i < 2000; i++)
        fputc('[', f);
    fclose(f);
    ck_assert_int_eq(scenario_load_file(&s, path, NULL, 0, err, sizeof err), SCENARIO_ERR_SYNTAX);
    snprintf(want, sizeof want,
             "%s: line 1 column 144: objects and arrays nested deeper than the limit of 128 levels",
             path);
    ck_assert_str_eq(err, want);
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(rmdir(dir), 0);
    /* A --set value that is JSON with a repeated key is refused, not taken
     * as a string; one that is not JSON is a string. */
    const char *dup[] = {"events[0]={\"at\":\"1m\",\"at\":\"2m\",\"type\":\"heal\"}"};
    ck_assert_int_eq(scenario_load_default(&s, dup, 1, err, sizeof err), SCENARIO_ERR_OVERRIDE);
    ck_assert_str_eq(err, "--set 'events[0]={\"at\":\"1m\",\"at\":\"2m\",\"type\":\"heal\"}': the "
                          "value: at: key given twice");
    const char *text[] = {"description={\"at\":"};
    ck_assert_int_eq(scenario_load_default(&s, text, 1, err, sizeof err), SCENARIO_OK);
    ck_assert_str_eq(s.description, "{\"at\":");
    scenario_free(&s);
}
END_TEST

/* A long edge list with a repeated edge far from its first listing, and a
 * partition group of every node but one: found and named as before. */
START_TEST(large_lists_name_the_item)
{
    size_t cap = 1 << 20, len = 0;
    char *t = malloc(cap), err[512];
    ck_assert_ptr_nonnull(t);
    len += (size_t)snprintf(t + len, cap - len,
                            "{\"nodes\": 5000, \"network\": {\"topology\": {\"type\": \"edges\", "
                            "\"edges\": [");
    for (int i = 1; i <= 5000; i++)
        len +=
            (size_t)snprintf(t + len, cap - len, "%s[%d, %d]", i > 1 ? ", " : "", i, i % 5000 + 1);
    len += (size_t)snprintf(t + len, cap - len, ", [2, 1]]}}}");
    scenario s;
    cJSON *json = cJSON_Parse(t);
    ck_assert_int_eq(scenario_from_json(&s, json, "t.json", err, sizeof err), SCENARIO_ERR_VALUE);
    ck_assert_str_eq(err, "t.json: network.topology.edges[5000]: edge [2,1] is already listed "
                          "at [0]");
    cJSON_Delete(json);
    len = (size_t)snprintf(t, cap,
                           "{\"nodes\": 5000, \"network\": {\"topology\": \"ring\"}, "
                           "\"duration\": \"10s\", \"events\": [{\"at\": "
                           "\"1s\", \"type\": \"partition\", \"groups\": [[");
    for (int i = 1; i < 5000; i++)
        len += (size_t)snprintf(t + len, cap - len, "%s%d", i > 1 ? ", " : "", i);
    snprintf(t + len, cap - len, ", 17], [5000]]}]}");
    json = cJSON_Parse(t);
    ck_assert_int_eq(scenario_from_json(&s, json, "t.json", err, sizeof err), SCENARIO_ERR_VALUE);
    ck_assert_str_eq(err, "t.json: events[0].groups[0][4999]: node 17 is already in group 0: "
                          "groups must not overlap");
    cJSON_Delete(json);
    free(t);
}
END_TEST

START_TEST(names_and_messages)
{
    ck_assert_str_eq(scenario_event_name(SCENARIO_EV_DOUBLE_SPEND), "double_spend");
    ck_assert_str_eq(scenario_topology_name(SCENARIO_TOPO_STAR), "star");
    ck_assert_str_eq(scenario_latency_name(SCENARIO_LAT_LOGNORMAL), "lognormal");
    ck_assert_str_eq(scenario_consensus_name(SCENARIO_POS), "pos");
    ck_assert_str_eq(scenario_consensus_name((scenario_consensus)7), "?");
    ck_assert_str_eq(scenario_status_message(SCENARIO_ERR_UNKNOWN_KEY), "unknown key");
    ck_assert_str_eq(scenario_status_message((scenario_status)99), "unknown status");
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *suite(void)
{
    Suite *s = suite_create("scenario");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, default_validates);
    tcase_add_test(tc, minimal_gets_defaults);
    tcase_add_test(tc, rich_scenario);
    tcase_add_test(tc, poa_scenario);
    tcase_add_test(tc, adversaries_parse);
    tcase_add_loop_test(tc, bad_scenarios, 0, N(bads));
    tcase_add_test(tc, bft_section);
    tcase_add_test(tc, bft_relay_key);
    tcase_add_test(tc, overrides);
    tcase_add_test(tc, large_seed_round_trips);
    tcase_add_test(tc, fractional_hashrates_load_and_round_trip);
    tcase_add_test(tc, hash_attempts_are_bounded);
    tcase_add_test(tc, peer_links_are_bounded);
    tcase_add_loop_test(tc, bad_overrides, 0, N(bad_sets));
    tcase_add_test(tc, set_appends_and_creates);
    tcase_add_test(tc, long_set_keys);
    tcase_add_test(tc, sample_count_limits);
    tcase_add_test(tc, files_and_io_errors);
    tcase_add_test(tc, every_example_validates);
    tcase_add_test(tc, default_file_matches_built_in);
    tcase_add_test(tc, names_and_messages);
    tcase_add_loop_test(tc, strict_files, 0, N(bad_files));
    tcase_add_test(tc, strict_nesting_directory_and_set_values);
    tcase_add_test(tc, large_lists_name_the_item);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
