/* Regions by share and per-region bandwidth: the placement is fixed by the
 * seed, respects the shares, yields to node_overrides, survives the round
 * trip through scenario_to_json; every malformed share or bandwidth is
 * refused with its reason and JSON path; a message's transmission time uses
 * min(sender's upload, receiver's download). */
#include "net.h"
#include "regions.h"
#include "scenario.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Six regions with SimBlock's 2019 Bitcoin node shares. */
static const char six_regions[] =
    "\"names\":[\"na\",\"eu\",\"sa\",\"ap\",\"jp\",\"au\"],"
    "\"latency\":[[\"32ms\",\"124ms\",\"184ms\",\"198ms\",\"151ms\",\"189ms\"],"
    "[\"124ms\",\"11ms\",\"227ms\",\"237ms\",\"252ms\",\"294ms\"],"
    "[\"184ms\",\"227ms\",\"88ms\",\"325ms\",\"301ms\",\"322ms\"],"
    "[\"198ms\",\"237ms\",\"325ms\",\"85ms\",\"58ms\",\"198ms\"],"
    "[\"151ms\",\"252ms\",\"301ms\",\"58ms\",\"12ms\",\"126ms\"],"
    "[\"189ms\",\"294ms\",\"322ms\",\"198ms\",\"126ms\",\"16ms\"]]";
static const double six_shares[6] = {0.3316, 0.4998, 0.0090, 0.1177, 0.0224, 0.0195};

/* Parses text; returns the status, err holds the message. */
static scenario_status load(scenario *s, const char *text, char *err, size_t errlen)
{
    cJSON *json = cJSON_Parse(text);
    ck_assert_msg(json != NULL, "test JSON does not parse: %s", text);
    scenario_status st = scenario_from_json(s, json, "t.json", err, errlen);
    cJSON_Delete(json);
    return st;
}

/* A scenario of count nodes, seed, the six regions with SimBlock's shares,
 * and `extra` appended at the top level (starts with ',' or is empty). Over
 * 2,000 nodes the topology is a ring (a full mesh that large is refused). */
static void load_six(scenario *s, uint32_t count, uint64_t seed, const char *extra)
{
    char err[512];
    size_t len = 4096 + strlen(extra);
    char *text = malloc(len);
    ck_assert_ptr_nonnull(text);
    snprintf(text, len,
             "{\"seed\":%llu,\"nodes\":%u,\"network\":{%s\"regions\":{%s,\"share\":[0.3316,"
             "0.4998,0.0090,0.1177,0.0224,0.0195]}}%s}",
             (unsigned long long)seed, count, count > 2000 ? "\"topology\":\"ring\"," : "",
             six_regions, extra);
    ck_assert_msg(load(s, text, err, sizeof err) == SCENARIO_OK, "%s", err);
    free(text);
}

START_TEST(share_placement_is_fixed_by_seed)
{
    scenario a, b, c;
    load_six(&a, 1000, 7, "");
    load_six(&b, 1000, 7, "");
    load_six(&c, 1000, 8, "");
    int differ = 0;
    for (uint32_t i = 0; i < 1000; i++) {
        ck_assert_uint_eq(a.nodes[i].region, b.nodes[i].region);
        differ += a.nodes[i].region != c.nodes[i].region;
    }
    ck_assert_int_gt(differ, 100); /* another seed places other nodes */
    scenario_free(&a);
    scenario_free(&b);
    scenario_free(&c);
}
END_TEST

START_TEST(shares_are_respected)
{
    scenario s;
    uint32_t count[6] = {0};
    load_six(&s, 10000, 42, "");
    for (uint32_t i = 0; i < s.n_nodes; i++) {
        ck_assert_uint_lt(s.nodes[i].region, 6);
        count[s.nodes[i].region]++;
    }
    for (int r = 0; r < 6; r++) {
        /* Counts are exact up to rounding; allow well inside the binomial
         * error (3 sigma is 141 nodes for the largest region). */
        double expect = six_shares[r] * 10000;
        ck_assert_msg(fabs(count[r] - expect) <= 1.0, "region %d: %u nodes, expected %.0f", r,
                      count[r], expect);
    }
    /* Neighbouring node numbers are not in one block of a region. */
    uint32_t runs = 0;
    for (uint32_t i = 1; i < s.n_nodes; i++)
        runs += s.nodes[i].region != s.nodes[i - 1].region;
    ck_assert_uint_gt(runs, 4000);
    scenario_free(&s);
}
END_TEST

START_TEST(overrides_win)
{
    scenario s, plain;
    load_six(&plain, 100, 3, "");
    load_six(&s, 100, 3,
             ",\"node_overrides\":[{\"node\":1,\"region\":\"au\"},{\"node\":2,\"region\":\"sa\"}]");
    ck_assert_uint_eq(s.nodes[0].region, 5);
    ck_assert_uint_eq(s.nodes[1].region, 2);
    for (uint32_t i = 2; i < 100; i++)
        ck_assert_uint_eq(s.nodes[i].region, plain.nodes[i].region);
    scenario_free(&s);
    scenario_free(&plain);
}
END_TEST

START_TEST(without_share_first_region)
{
    scenario s;
    char err[512], text[2048];
    snprintf(text, sizeof text,
             "{\"nodes\":5,\"node_overrides\":[{\"node\":3,\"region\":\"jp\"}],"
             "\"network\":{\"regions\":{%s}}}",
             six_regions);
    ck_assert_msg(load(&s, text, err, sizeof err) == SCENARIO_OK, "%s", err);
    for (uint32_t i = 0; i < 5; i++)
        ck_assert_uint_eq(s.nodes[i].region, i == 2 ? 4u : 0u);
    ck_assert_ptr_null(s.network.region_share);
    ck_assert_ptr_null(s.network.region_upload_bps);
    ck_assert_ptr_null(s.network.region_download_bps);
    /* Nothing new is written back for a scenario without the new keys. */
    cJSON *j = scenario_to_json(&s);
    char *out = cJSON_PrintUnformatted(j);
    ck_assert_ptr_null(strstr(out, "share"));
    ck_assert_ptr_null(strstr(out, "upload"));
    free(out);
    cJSON_Delete(j);
    scenario_free(&s);
}
END_TEST

START_TEST(round_trip)
{
    scenario s, back;
    char err[512];
    char text[4096];
    snprintf(text, sizeof text,
             "{\"seed\":11,\"nodes\":300,\"node_overrides\":[{\"node\":4,\"region\":\"au\"},"
             "{\"node\":9,\"hashrate\":5}],\"network\":{\"regions\":{%s,\"share\":[0.3316,"
             "0.4998,0.0090,0.1177,0.0224,0.0195],\"bandwidth\":{\"upload\":[\"19.2Mbit\","
             "\"20.7Mbit\",\"5.8Mbit\",\"15.7Mbit\",\"10.2Mbit\",\"11.3Mbit\"],\"download\":["
             "\"52Mbit\",\"40Mbit\",\"18Mbit\",\"22.8Mbit\",\"22.8Mbit\",0]}}}}",
             six_regions);
    ck_assert_msg(load(&s, text, err, sizeof err) == SCENARIO_OK, "%s", err);
    cJSON *j = scenario_to_json(&s);
    ck_assert_ptr_nonnull(j);
    /* Only the two given overrides are written, not 300 drawn regions. */
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "node_overrides")), 2);
    ck_assert_int_eq(scenario_from_json(&back, j, "back", err, sizeof err), SCENARIO_OK);
    cJSON_Delete(j);
    for (uint32_t i = 0; i < 300; i++)
        ck_assert_uint_eq(back.nodes[i].region, s.nodes[i].region);
    for (int r = 0; r < 6; r++) {
        ck_assert(back.network.region_share[r] == s.network.region_share[r]);
        ck_assert_uint_eq(back.network.region_upload_bps[r], s.network.region_upload_bps[r]);
        ck_assert_uint_eq(back.network.region_download_bps[r], s.network.region_download_bps[r]);
    }
    ck_assert_uint_eq(s.network.region_upload_bps[0], 19200000);
    ck_assert_uint_eq(s.network.region_download_bps[5], 0);
    scenario_free(&back);
    scenario_free(&s);
}
END_TEST

struct bad_case {
    const char *regions; /* the keys after names and latency of two regions */
    scenario_status status;
    const char *path; /* expected in the message */
};

static const struct bad_case bad_cases[] = {
    {"\"share\":[0.5,0.6]", SCENARIO_ERR_VALUE, "network.regions.share: expected shares that sum"},
    {"\"share\":[0.5,0.4]", SCENARIO_ERR_VALUE, "network.regions.share: expected shares that sum"},
    {"\"share\":[1]", SCENARIO_ERR_VALUE, "network.regions.share: expected 2 shares"},
    {"\"share\":[0.3,0.3,0.4]", SCENARIO_ERR_VALUE, "network.regions.share: expected 2 shares"},
    {"\"share\":[1.5,-0.5]", SCENARIO_ERR_VALUE, "network.regions.share[0]"},
    {"\"share\":[-0.5,1.5]", SCENARIO_ERR_VALUE, "network.regions.share[0]"},
    {"\"share\":[1,0]", SCENARIO_ERR_VALUE, "network.regions.share[1]"},
    {"\"share\":[0.5,\"0.5\"]", SCENARIO_ERR_TYPE, "network.regions.share[1]"},
    {"\"share\":0.5", SCENARIO_ERR_TYPE, "network.regions.share"},
    {"\"bandwidth\":[\"1Mbit\",\"2Mbit\"]", SCENARIO_ERR_TYPE, "network.regions.bandwidth"},
    {"\"bandwidth\":{}", SCENARIO_ERR_MISSING, "network.regions.bandwidth"},
    {"\"bandwidth\":{\"up\":[\"1Mbit\",\"2Mbit\"]}", SCENARIO_ERR_UNKNOWN_KEY,
     "network.regions.bandwidth.up"},
    {"\"bandwidth\":{\"upload\":[\"1Mbit\"]}", SCENARIO_ERR_VALUE,
     "network.regions.bandwidth.upload: expected 2 bandwidths"},
    {"\"bandwidth\":{\"download\":[\"1Mbit\",\"2Mbit\",\"3Mbit\"]}", SCENARIO_ERR_VALUE,
     "network.regions.bandwidth.download: expected 2 bandwidths"},
    {"\"bandwidth\":{\"upload\":[\"1Mbit\",\"-2Mbit\"]}", SCENARIO_ERR_VALUE,
     "network.regions.bandwidth.upload[1]"},
    {"\"bandwidth\":{\"upload\":[\"1Mbit\",-2]}", SCENARIO_ERR_VALUE,
     "network.regions.bandwidth.upload[1]"},
    {"\"bandwidth\":{\"download\":[5000000,\"2Mbit\"]}", SCENARIO_ERR_VALUE,
     "network.regions.bandwidth.download[0]"},
    {"\"bandwidth\":{\"download\":[true,\"2Mbit\"]}", SCENARIO_ERR_TYPE,
     "network.regions.bandwidth.download[0]"},
    {"\"shares\":[0.5,0.5]", SCENARIO_ERR_UNKNOWN_KEY, "network.regions.shares"},
};

START_TEST(rejections)
{
    const struct bad_case *c = &bad_cases[_i];
    char text[1024], err[512];
    scenario s;
    snprintf(text, sizeof text,
             "{\"nodes\":10,\"network\":{\"regions\":{\"names\":[\"a\",\"b\"],\"latency\":"
             "[[\"10ms\",\"50ms\"],[\"50ms\",\"10ms\"]],%s}}}",
             c->regions);
    ck_assert_int_eq(load(&s, text, err, sizeof err), c->status);
    ck_assert_msg(strstr(err, c->path) != NULL, "case %d: message \"%s\" lacks \"%s\"", _i, err,
                  c->path);
    ck_assert_msg(strncmp(err, "t.json: ", 8) == 0, "no file name in \"%s\"", err);
    /* A failed load leaves nothing behind. */
    ck_assert_ptr_null(s.nodes);
    ck_assert_ptr_null(s.network.region_share);
}
END_TEST

static uint64_t splitmix64(void *state)
{
    uint64_t *s = state;
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

START_TEST(upload_download_rate)
{
    /* Node 1 in a (upload 8 Mbit/s), node 2 in b (download 4 Mbit/s), node 3
     * in b; constant 10 ms within a region, 50 ms across. */
    static const char text[] =
        "{\"nodes\":3,\"node_overrides\":[{\"node\":2,\"region\":\"b\"},{\"node\":3,\"region\":"
        "\"b\"}],\"network\":{\"topology\":\"full\",\"regions\":{\"names\":[\"a\",\"b\"],"
        "\"latency\":[[\"10ms\",\"50ms\"],[\"50ms\",\"10ms\"]],\"bandwidth\":{\"upload\":"
        "[\"8Mbit\",\"16Mbit\"],\"download\":[\"1MB/s\",\"4Mbit\"]}}}}";
    char err[512];
    scenario s;
    net *n;
    uint64_t state = 1;
    net_rng rng = {splitmix64, &state};
    int64_t at;
    ck_assert_msg(load(&s, text, err, sizeof err) == SCENARIO_OK, "%s", err);
    ck_assert_int_eq(net_new(&n, &s, rng), 0);
    ck_assert_uint_eq(regions_link_bps(&s, 0, 1), 4000000);
    ck_assert_uint_eq(regions_link_bps(&s, 1, 0), 8000000);
    ck_assert_uint_eq(regions_link_bps(&s, 1, 1), 4000000);
    /* 1,000 bytes a -> b: min(8, 4) Mbit/s = 2 ms on the wire, then 50 ms. */
    ck_assert_int_eq(net_send_time(n, &at, 0, 1, 1000, 0, &rng), NET_DELIVERED);
    ck_assert_int_eq(at, 52000000);
    /* Node 2 (b) -> node 1 (a): min(16 Mbit, 1 MB/s = 8 Mbit) = 1 ms + 50 ms. */
    ck_assert_int_eq(net_send_time(n, &at, 1, 0, 1000, 0, &rng), NET_DELIVERED);
    ck_assert_int_eq(at, 51000000);
    /* The uplink still sends one message at a time: node 2 -> node 3 (b -> b,
     * 4 Mbit/s = 2 ms) waits for the 1 ms one before it. */
    ck_assert_int_eq(net_send_time(n, &at, 1, 2, 1000, 0, &rng), NET_DELIVERED);
    ck_assert_int_eq(at, 1000000 + 2000000 + 10000000);
    net_free(n);
    scenario_free(&s);

    /* network.bandwidth still applies as a cap on every link. */
    cJSON *j = cJSON_Parse(text);
    cJSON_AddStringToObject(cJSON_GetObjectItem(j, "network"), "bandwidth", "2Mbit");
    ck_assert_int_eq(scenario_from_json(&s, j, "t.json", err, sizeof err), SCENARIO_OK);
    cJSON_Delete(j);
    ck_assert_uint_eq(regions_link_bps(&s, 1, 0), 2000000);
    scenario_free(&s);
}
END_TEST

/* The benchmark workloads stay valid scenarios, with SimBlock's shares, its
 * 600 s block interval (the miners' total rate times 600 s is the expected
 * hashes per block: 6,000, cheap hashing) and their expected block counts. */
static const struct {
    const char *file;
    uint32_t nodes, miners, blocks;
} workloads[] = {
    {"simblock_1k_100.json", 1000, 100, 100},    {"simblock_1k_1000.json", 1000, 100, 1000},
    {"simblock_10k_100.json", 10000, 100, 100},  {"simblock_100k_100.json", 100000, 100, 100},
    {"simblock_1k_10miners.json", 1000, 10, 10},
};

START_TEST(bench_workloads_load)
{
    const char *src = getenv("CHAINSIM_SOURCE_DIR");
    char path[1024], err[512];
    scenario s;
    snprintf(path, sizeof path, "%s/bench/workloads/%s", src != NULL ? src : ".",
             workloads[_i].file);
    ck_assert_msg(scenario_load_file(&s, path, NULL, 0, err, sizeof err) == SCENARIO_OK, "%s", err);
    ck_assert_uint_eq(s.n_nodes, workloads[_i].nodes);
    ck_assert_uint_eq(s.network.n_regions, 6);
    ck_assert_ptr_nonnull(s.network.region_share);
    ck_assert_ptr_nonnull(s.network.region_upload_bps);
    ck_assert_ptr_nonnull(s.network.region_download_bps);
    uint32_t miners = 0, count[6] = {0};
    double total_hps = 0;
    for (uint32_t i = 0; i < s.n_nodes; i++) {
        miners += s.nodes[i].hashrate_hps > 0;
        total_hps += s.nodes[i].hashrate_hps;
        count[s.nodes[i].region]++;
    }
    ck_assert_uint_eq(miners, workloads[_i].miners);
    ck_assert_uint_eq(s.consensus.pow.expected_hashes_per_block, 6000);
    ck_assert_double_eq_tol(total_hps * 600, 6000, 1e-6);
    ck_assert_double_eq_tol((double)s.duration_ns / 1e9 / 600, workloads[_i].blocks, 1e-9);
    for (int r = 0; r < 6; r++)
        ck_assert_msg(fabs(count[r] - six_shares[r] * s.n_nodes) <= 1.0, "region %d: %u nodes", r,
                      count[r]);
    scenario_free(&s);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *suite(void)
{
    Suite *s = suite_create("regions");
    TCase *tc = tcase_create("regions");
    tcase_add_test(tc, share_placement_is_fixed_by_seed);
    tcase_add_test(tc, shares_are_respected);
    tcase_add_test(tc, overrides_win);
    tcase_add_test(tc, without_share_first_region);
    tcase_add_test(tc, round_trip);
    tcase_add_loop_test(tc, rejections, 0, N(bad_cases));
    tcase_add_test(tc, upload_download_rate);
    tcase_add_loop_test(tc, bench_workloads_load, 0, N(workloads));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
