/* The network model: latency draws respect their minimum and mean, uplink
 * bandwidth queues messages, loss and partitions drop, heal restores, and
 * every topology has the promised shape. Randomness comes from a local
 * splitmix64 stream, so every figure below is fixed by its seed. */
#include "net.h"
#include "testutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t splitmix64(void *state)
{
    uint64_t *s = state;
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static net *make(const char *json_text, uint64_t seed, scenario *scn)
{
    char err[512];
    cJSON *json = cJSON_Parse(json_text);
    ck_assert_ptr_nonnull(json);
    ck_assert_msg(scenario_from_json(scn, json, "t.json", err, sizeof err) == SCENARIO_OK, "%s",
                  err);
    cJSON_Delete(json);
    net *n;
    uint64_t state = seed;
    net_rng rng = {splitmix64, &state};
    ck_assert_int_eq(net_new(&n, scn, rng), 0);
    return n;
}

struct lat_case {
    const char *latency;
    double min_ms, max_ms, mean_ms; /* max 0 = unbounded */
};

static const struct lat_case lat_cases[] = {
    {"\"50ms\"", 50, 50, 50},
    {"{\"dist\":\"uniform\",\"min\":\"20ms\",\"max\":\"100ms\"}", 20, 100, 60},
    {"{\"dist\":\"normal\",\"mean\":\"80ms\",\"stddev\":\"10ms\",\"min\":\"20ms\"}", 20, 0, 80},
    {"{\"dist\":\"lognormal\",\"mean\":\"50ms\",\"stddev\":\"30ms\",\"min\":\"10ms\"}", 10, 0, 50},
    {"{\"dist\":\"lognormal\",\"mean\":\"50ms\",\"stddev\":\"20ms\",\"min\":\"10ms\",\"max\":"
     "\"200ms\"}",
     10, 200, 50},
};

START_TEST(latency_draws)
{
    const struct lat_case *c = &lat_cases[_i];
    char text[512];
    scenario s;
    snprintf(text, sizeof text, "{\"network\":{\"latency\":%s}}", c->latency);
    net *n = make(text, 1, &s);
    uint64_t state = 99;
    net_rng rng = {splitmix64, &state};
    const int draws = 40000;
    double sum = 0;
    int64_t lo = INT64_MAX, hi = 0;
    for (int i = 0; i < draws; i++) {
        int64_t v = net_latency_draw(n, 0, 1, &rng);
        ck_assert_int_ge(v, scenario_lookahead_ns(&s));
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        sum += (double)v;
    }
    double mean_ms = sum / draws / 1e6;
    ck_assert_int_ge(lo, (int64_t)(c->min_ms * 1e6));
    if (c->max_ms > 0)
        ck_assert_int_le(hi, (int64_t)(c->max_ms * 1e6));
    ck_assert_msg(fabs(mean_ms - c->mean_ms) <= 0.02 * c->mean_ms, "mean %.3f ms, want %.3f",
                  mean_ms, c->mean_ms);
    if (c->max_ms != c->min_ms)
        ck_assert_int_gt(hi, lo); /* a real distribution, not a constant */
    /* Same stream, same draws. */
    uint64_t s1 = 5, s2 = 5;
    net_rng r1 = {splitmix64, &s1}, r2 = {splitmix64, &s2};
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(net_latency_draw(n, 0, 1, &r1), net_latency_draw(n, 0, 1, &r2));
    net_free(n);
    scenario_free(&s);
}
END_TEST

START_TEST(bandwidth_queues_messages)
{
    scenario s;
    net *n = make("{\"network\":{\"latency\":\"50ms\",\"bandwidth\":\"8Mbit\"}}", 1, &s);
    uint64_t state = 1;
    net_rng rng = {splitmix64, &state};
    int64_t a1, a2, a3, a4;
    /* 1 MB at 8 Mbit/s is exactly 1 s on the wire. */
    ck_assert_int_eq(net_send_time(n, &a1, 0, 1, 1000000, 0, &rng), NET_DELIVERED);
    ck_assert_int_eq(net_send_time(n, &a2, 0, 2, 1000000, 0, &rng), NET_DELIVERED);
    ck_assert_int_eq(a1, 1050000000LL);
    ck_assert_int_eq(a2, 2050000000LL);
    ck_assert_int_eq(net_uplink_busy_until_ns(n, 0), 2000000000LL);
    /* Another node's uplink is independent. */
    ck_assert_int_eq(net_send_time(n, &a3, 1, 0, 1000, 0, &rng), NET_DELIVERED);
    ck_assert_int_eq(a3, 1000000 + 50000000);
    /* After the uplink drains, a send starts at now; 1 byte rounds up to 1 us. */
    ck_assert_int_eq(net_send_time(n, &a4, 0, 1, 1, 5000000000LL, &rng), NET_DELIVERED);
    ck_assert_int_eq(a4, 5000000000LL + 1000 + 50000000);
    net_uplink_reset(n, 0);
    ck_assert_int_eq(net_uplink_busy_until_ns(n, 0), 0);
    net_free(n);
    scenario_free(&s);
    /* Unlimited bandwidth: arrival is now + latency whatever the size. */
    n = make("{\"network\":{\"latency\":\"50ms\"}}", 1, &s);
    ck_assert_int_eq(net_send_time(n, &a1, 0, 1, 1000000000, 7, &rng), NET_DELIVERED);
    ck_assert_int_eq(net_send_time(n, &a2, 0, 1, 1000000000, 7, &rng), NET_DELIVERED);
    ck_assert_int_eq(a1, 50000007);
    ck_assert_int_eq(a2, 50000007);
    net_free(n);
    scenario_free(&s);
}
END_TEST

START_TEST(loss_rate)
{
    scenario s;
    net *n =
        make("{\"network\":{\"latency\":\"10ms\",\"loss\":0.1,\"bandwidth\":\"1Mbit\"}}", 1, &s);
    uint64_t state = 3;
    net_rng rng = {splitmix64, &state};
    int lost = 0;
    const int sends = 50000;
    for (int i = 0; i < sends; i++) {
        int64_t at;
        net_send_status st = net_send_time(n, &at, 0, 1, 125, 0, &rng);
        ck_assert(st == NET_DELIVERED || st == NET_DROPPED_LOSS);
        if (st == NET_DROPPED_LOSS) {
            lost++;
            ck_assert_int_eq(at, 0);
        }
    }
    ck_assert_msg(abs(lost - sends / 10) < sends / 100, "lost %d of %d", lost, sends);
    /* Lost messages still used the uplink: 125 B at 1 Mbit/s = 1 ms each. */
    ck_assert_int_eq(net_uplink_busy_until_ns(n, 0), (int64_t)sends * 1000000);
    net_free(n);
    scenario_free(&s);
}
END_TEST

START_TEST(partition_and_heal)
{
    scenario s;
    net *n = make("{\"network\":{\"latency\":\"10ms\",\"bandwidth\":\"1Mbit\"}}", 1, &s);
    uint64_t state = 3;
    net_rng rng = {splitmix64, &state};
    int64_t at;
    const uint32_t groups[4] = {0, 0, 1, 1};
    ck_assert_int_eq(net_partition(n, groups, 3), -1);
    ck_assert_int_eq(net_connected(n, 0, 2), 1);
    ck_assert_int_eq(net_partition(n, groups, 4), 0);
    ck_assert_int_eq(net_connected(n, 0, 1), 1);
    ck_assert_int_eq(net_connected(n, 2, 3), 1);
    ck_assert_int_eq(net_connected(n, 0, 2), 0);
    ck_assert_int_eq(net_connected(n, 3, 1), 0);
    ck_assert_int_eq(net_linked(n, 0, 2), 1);
    ck_assert_int_eq(net_send_time(n, &at, 0, 2, 1000, 0, &rng), NET_DROPPED_PARTITION);
    ck_assert_int_eq(at, 0);
    ck_assert_int_eq(net_uplink_busy_until_ns(n, 0), 0); /* nothing went on the wire */
    ck_assert_int_eq(net_send_time(n, &at, 0, 1, 125, 0, &rng), NET_DELIVERED);
    ck_assert_int_eq(at, 11000000);
    net_heal(n);
    ck_assert_int_eq(net_connected(n, 0, 2), 1);
    ck_assert_int_eq(net_send_time(n, &at, 0, 2, 125, 0, &rng), NET_DELIVERED);
    ck_assert_int_eq(at, 12000000);
    ck_assert_str_eq(net_send_status_message(NET_DROPPED_PARTITION),
                     "dropped: the nodes are partitioned");
    ck_assert_str_eq(net_send_status_message((net_send_status)42), "unknown status");
    net_free(n);
    scenario_free(&s);
    net_free(NULL);
}
END_TEST

/* Links cut one by one: both directions dropped, counted cuts (restored
 * only by as many restores), independent of partitions and heals. */
START_TEST(links_cut_one_by_one)
{
    scenario s;
    net *n = make("{\"network\":{\"latency\":\"10ms\"}}", 1, &s);
    uint64_t state = 3;
    net_rng rng = {splitmix64, &state};
    int64_t at;
    ck_assert_int_eq(net_link_cut(n, 0, 2), 0);
    ck_assert_int_eq(net_cut(n, 2, 0), 0);
    ck_assert_int_eq(net_cut(n, 0, 3), 0);
    ck_assert_int_eq(net_link_cut(n, 0, 2), 1);
    ck_assert_int_eq(net_link_cut(n, 2, 0), 1);
    ck_assert_int_eq(net_connected(n, 0, 2), 0);
    ck_assert_int_eq(net_connected(n, 0, 1), 1);
    ck_assert_int_eq(net_send_time(n, &at, 0, 2, 100, 0, &rng), NET_DROPPED_PARTITION);
    ck_assert_int_eq(net_send_time(n, &at, 2, 0, 100, 0, &rng), NET_DROPPED_PARTITION);
    ck_assert_int_eq(net_send_time(n, &at, 0, 1, 100, 0, &rng), NET_DELIVERED);
    /* a heal does not restore it */
    const uint32_t groups[4] = {0, 0, 1, 1};
    ck_assert_int_eq(net_partition(n, groups, 4), 0);
    net_heal(n);
    ck_assert_int_eq(net_link_cut(n, 0, 2), 1);
    /* cut twice: back after the second restore only */
    ck_assert_int_eq(net_cut(n, 0, 2), 0);
    ck_assert_int_eq(net_restore(n, 0, 2), 0);
    ck_assert_int_eq(net_link_cut(n, 0, 2), 1);
    ck_assert_int_eq(net_restore(n, 2, 0), 1);
    ck_assert_int_eq(net_link_cut(n, 0, 2), 0);
    ck_assert_int_eq(net_send_time(n, &at, 0, 2, 100, 0, &rng), NET_DELIVERED);
    ck_assert_int_eq(net_restore(n, 0, 2), 0); /* not cut: nothing */
    ck_assert_int_eq(net_link_cut(n, 3, 0), 1);
    ck_assert_int_eq(net_restore(n, 3, 0), 1);
    net_free(n);
    scenario_free(&s);
}
END_TEST

/* A link's latency set by hand replaces the draw in both directions, other
 * links keep the scenario's; 0 restores it; bad links are refused. */
START_TEST(link_latency_set_and_restored)
{
    scenario s;
    net *n = make("{\"nodes\":{\"count\":4},\"network\":{\"topology\":{\"type\":\"ring\"},"
                  "\"latency\":{\"dist\":\"uniform\",\"min\":\"10ms\",\"max\":\"20ms\"}}}",
                  1, &s);
    uint64_t state = 5;
    net_rng rng = {splitmix64, &state};
    ck_assert_int_eq(net_link_latency_ns(n, 0, 1), 0);
    ck_assert_int_eq(net_set_link_latency(n, 1, 0, 300000000), 0);
    ck_assert_int_eq(net_link_latency_ns(n, 0, 1), 300000000);
    for (int i = 0; i < 50; i++) {
        ck_assert_int_eq(net_latency_draw(n, 0, 1, &rng), 300000000);
        ck_assert_int_eq(net_latency_draw(n, 1, 0, &rng), 300000000);
        int64_t other = net_latency_draw(n, 1, 2, &rng);
        ck_assert(other >= 10000000 && other <= 20000000);
    }
    ck_assert_int_eq(net_set_link_latency(n, 0, 1, 50000000), 0); /* set again: replaced */
    ck_assert_int_eq(net_latency_draw(n, 1, 0, &rng), 50000000);
    ck_assert_int_eq(net_set_link_latency(n, 2, 3, 40000000), 0);
    ck_assert_int_eq(net_set_link_latency(n, 0, 1, 0), 0); /* back to the scenario */
    ck_assert_int_eq(net_link_latency_ns(n, 0, 1), 0);
    ck_assert_int_eq(net_link_latency_ns(n, 3, 2), 40000000);
    int64_t back = net_latency_draw(n, 0, 1, &rng);
    ck_assert(back >= 10000000 && back <= 20000000);
    /* Refused, nothing changes: not linked in the ring, one node, out of range, negative. */
    ck_assert_int_eq(net_set_link_latency(n, 0, 2, 1000000), -1);
    ck_assert_int_eq(net_set_link_latency(n, 1, 1, 1000000), -1);
    ck_assert_int_eq(net_set_link_latency(n, 0, 4, 1000000), -1);
    ck_assert_int_eq(net_set_link_latency(n, 2, 3, -1), -1);
    ck_assert_int_eq(net_link_latency_ns(n, 0, 2), 0);
    ck_assert_int_eq(net_link_latency_ns(n, 2, 3), 40000000);
    net_free(n);
    scenario_free(&s);
}
END_TEST

/* Breadth-first search from node 0; returns the number of nodes reached. */
static uint32_t reachable(const net *n)
{
    uint32_t count = net_node_count(n), head = 0, tail = 0;
    uint32_t *queue = malloc(count * sizeof *queue);
    unsigned char *seen = calloc(count, 1);
    queue[tail++] = 0;
    seen[0] = 1;
    while (head < tail) {
        uint32_t v = queue[head++];
        for (size_t i = 0; i < net_degree(n, v); i++) {
            uint32_t w = net_neighbor(n, v, i);
            if (!seen[w]) {
                seen[w] = 1;
                queue[tail++] = w;
            }
        }
    }
    free(queue);
    free(seen);
    return tail;
}

/* Lists sorted and strictly increasing, no self links, symmetric. */
static void check_lists(const net *n)
{
    for (uint32_t v = 0; v < net_node_count(n); v++)
        for (size_t i = 0; i < net_degree(n, v); i++) {
            uint32_t w = net_neighbor(n, v, i);
            ck_assert_uint_ne(w, v);
            if (i > 0)
                ck_assert_uint_lt(net_neighbor(n, v, i - 1), w);
            ck_assert_int_eq(net_linked(n, w, v), 1);
            ck_assert_int_eq(net_linked(n, v, w), 1);
        }
}

START_TEST(random_graph)
{
    scenario s;
    net *n = make("{\"nodes\":1000,\"network\":{\"topology\":{\"type\":\"random\",\"degree\":8}}}",
                  42, &s);
    check_lists(n);
    ck_assert_uint_eq(reachable(n), 1000);
    size_t total = 0;
    for (uint32_t v = 0; v < 1000; v++) {
        ck_assert_uint_ge(net_degree(n, v), 8);
        ck_assert_uint_le(net_degree(n, v), 10);
        total += net_degree(n, v);
    }
    ck_assert_msg(total <= 1000 * 8 + 100, "average degree %.2f", total / 1000.0);
    /* Same seed, same graph; another seed, another graph. */
    scenario s2, s3;
    net *same = make("{\"nodes\":1000,\"network\":{\"topology\":{\"type\":\"random\"}}}", 42, &s2);
    net *other = make("{\"nodes\":1000,\"network\":{\"topology\":{\"type\":\"random\"}}}", 43, &s3);
    int differs = 0;
    for (uint32_t v = 0; v < 1000; v++) {
        ck_assert_uint_eq(net_degree(n, v), net_degree(same, v));
        for (size_t i = 0; i < net_degree(n, v); i++)
            ck_assert_uint_eq(net_neighbor(n, v, i), net_neighbor(same, v, i));
        if (net_degree(n, v) != net_degree(other, v) ||
            net_neighbor(n, v, 2) != net_neighbor(other, v, 2))
            differs = 1;
    }
    ck_assert(differs);
    net_free(n);
    net_free(same);
    net_free(other);
    scenario_free(&s);
    scenario_free(&s2);
    scenario_free(&s3);
    /* Degree n-1 on a small graph is the full mesh. */
    n = make("{\"nodes\":5,\"network\":{\"topology\":{\"type\":\"random\",\"degree\":4}}}", 1, &s);
    for (uint32_t v = 0; v < 5; v++)
        ck_assert_uint_eq(net_degree(n, v), 4);
    net_free(n);
    scenario_free(&s);
}
END_TEST

START_TEST(fixed_shapes)
{
    scenario s;
    uint64_t state = 1;
    net_rng rng = {splitmix64, &state};
    int64_t at;
    net *n = make("{\"nodes\":6,\"network\":{\"topology\":\"ring\"}}", 1, &s);
    check_lists(n);
    ck_assert_uint_eq(reachable(n), 6);
    for (uint32_t v = 0; v < 6; v++)
        ck_assert_uint_eq(net_degree(n, v), 2);
    ck_assert_uint_eq(net_neighbor(n, 0, 0), 1);
    ck_assert_uint_eq(net_neighbor(n, 0, 1), 5);
    ck_assert_int_eq(net_linked(n, 0, 3), 0);
    ck_assert_int_eq(net_send_time(n, &at, 0, 3, 10, 0, &rng), NET_NO_LINK);
    ck_assert_int_eq(net_send_time(n, &at, 0, 0, 10, 0, &rng), NET_NO_LINK);
    net_free(n);
    scenario_free(&s);

    n = make("{\"nodes\":2,\"network\":{\"topology\":\"ring\"}}", 1, &s);
    ck_assert_uint_eq(net_degree(n, 0), 1);
    ck_assert_uint_eq(net_degree(n, 1), 1);
    net_free(n);
    scenario_free(&s);

    n = make("{\"nodes\":5,\"network\":{\"topology\":{\"type\":\"star\",\"center\":3}}}", 1, &s);
    check_lists(n);
    ck_assert_uint_eq(net_degree(n, 2), 4);
    for (uint32_t v = 0; v < 5; v++)
        if (v != 2) {
            ck_assert_uint_eq(net_degree(n, v), 1);
            ck_assert_uint_eq(net_neighbor(n, v, 0), 2);
        }
    net_free(n);
    scenario_free(&s);

    n = make("{\"nodes\":4,\"network\":{\"topology\":{\"type\":\"edges\",\"edges\":[[4,1],[1,2],"
             "[2,3]]}}}",
             1, &s);
    check_lists(n);
    ck_assert_uint_eq(net_degree(n, 0), 2);
    ck_assert_uint_eq(net_neighbor(n, 0, 0), 1);
    ck_assert_uint_eq(net_neighbor(n, 0, 1), 3);
    ck_assert_uint_eq(net_degree(n, 3), 1);
    ck_assert_int_eq(net_linked(n, 1, 3), 0);
    net_free(n);
    scenario_free(&s);

    n = make("{\"nodes\":5}", 1, &s);
    check_lists(n);
    for (uint32_t v = 0; v < 5; v++)
        ck_assert_uint_eq(net_degree(n, v), 4);
    ck_assert_uint_eq(net_neighbor(n, 2, 2), 3);
    ck_assert_int_eq(net_linked(n, 1, 1), 0);
    ck_assert_int_eq(net_linked(n, 1, 5), 0);
    net_free(n);
    scenario_free(&s);

    n = make("{\"nodes\":1}", 1, &s);
    ck_assert_uint_eq(net_degree(n, 0), 0);
    net_free(n);
    scenario_free(&s);
}
END_TEST

START_TEST(region_latencies)
{
    static const char base[] = "{\"nodes\":3,\"node_overrides\":[{\"node\":2,\"region\":\"us\"}],"
                               "\"network\":{\"latency\":%s,\"regions\":{\"names\":[\"eu\",\"us\"],"
                               "\"latency\":[[\"10ms\",\"80ms\"],[\"90ms\",\"15ms\"]]}}}";
    char text[600];
    scenario s;
    uint64_t state = 1;
    net_rng rng = {splitmix64, &state};
    snprintf(text, sizeof text, base, "\"50ms\"");
    net *n = make(text, 1, &s);
    ck_assert_int_eq(scenario_lookahead_ns(&s), 10000000);
    ck_assert_int_eq(net_latency_draw(n, 0, 2, &rng), 10000000); /* eu -> eu */
    ck_assert_int_eq(net_latency_draw(n, 0, 1, &rng), 80000000); /* eu -> us */
    ck_assert_int_eq(net_latency_draw(n, 1, 0, &rng), 90000000); /* us -> eu */
    net_free(n);
    scenario_free(&s);
    /* With a distribution, its jitter (draw - min) is added to the matrix. */
    snprintf(text, sizeof text, base, "{\"dist\":\"uniform\",\"min\":\"20ms\",\"max\":\"30ms\"}");
    n = make(text, 1, &s);
    int64_t lo = INT64_MAX, hi = 0;
    for (int i = 0; i < 2000; i++) {
        int64_t v = net_latency_draw(n, 0, 1, &rng);
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    ck_assert_int_ge(lo, 80000000);
    ck_assert_int_le(hi, 90000000);
    ck_assert_int_lt(lo, 80100000);
    ck_assert_int_gt(hi, 89900000);
    net_free(n);
    scenario_free(&s);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *suite(void)
{
    Suite *s = suite_create("net");
    TCase *tc = tcase_create("model");
    tcase_add_loop_test(tc, latency_draws, 0, N(lat_cases));
    tcase_add_test(tc, bandwidth_queues_messages);
    tcase_add_test(tc, loss_rate);
    tcase_add_test(tc, partition_and_heal);
    tcase_add_test(tc, links_cut_one_by_one);
    tcase_add_test(tc, link_latency_set_and_restored);
    tcase_add_test(tc, random_graph);
    tcase_add_test(tc, fixed_shapes);
    tcase_add_test(tc, region_latencies);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
