/* Synchronisation seen from outside, on the real binary: during a PoW
 * partition both sides keep producing blocks and after the heal every node
 * reaches the same tip within a bound derived from the protocol (below); a
 * crashed node restarts from its chain file and ends on the network's tip; a
 * late joiner downloads the chain from genesis.
 *
 * A (re)starting node catches up at once: it sends status, the peer ahead
 * answers with its own, and the node behind sends getblocks (core/node.c
 * on_status). */
#include "run_fixture.h"

#include <math.h>

/* Row of timeline.csv for (first sample at or after t, node); (size_t)-1 if none. */
static size_t sample_at(const rf_csv *tl, double t, int node)
{
    size_t c_t = rf_col(tl, "time"), c_n = rf_col(tl, "node");
    for (size_t r = 0; r < tl->n_rows; r++)
        if (rf_num(tl, r, c_t) >= t && (int)rf_num(tl, r, c_n) == node)
            return r;
    return (size_t)-1;
}

/* First sample time at or after t at which nodes 1..n all have the same tip. */
static double first_agreement(const rf_csv *tl, double t, int n)
{
    size_t c_t = rf_col(tl, "time"), c_tip = rf_col(tl, "tip");
    for (size_t r = 0; r < tl->n_rows; r += (size_t)n) {
        if (rf_num(tl, r, c_t) < t)
            continue;
        int same = 1;
        for (int k = 1; k < n; k++)
            same &= strcmp(rf_cell(tl, r, c_tip), rf_cell(tl, r + (size_t)k, c_tip)) == 0;
        if (same)
            return rf_num(tl, r, c_t);
    }
    return INFINITY;
}

/* The built-in default: 4 nodes full mesh, latency uniform 40..60 ms, 10 Mbit
 * uplinks, partition {1,2} | {3,4} from 60 s to 180 s, samples every second. */
START_TEST(pow_partition_and_heal)
{
    const char *dir = testutil_tmpdir("sync-heal");
    char out[1024];
    snprintf(out, sizeof out, "%s/out", dir);
    rf_run(out, NULL, NULL);
    const double heal = 180, split = 60, lat_max = 0.060, bw_bps = 10e6, sample = 1;

    /* Both sides produce blocks inside the partition. */
    rf_csv *blocks = rf_csv_load(out, "blocks.csv");
    size_t b_t = rf_col(blocks, "time_produced"), b_p = rf_col(blocks, "producer"),
           b_bytes = rf_col(blocks, "bytes");
    double side_bytes[2] = {0, 0}, largest = 0;
    int side_blocks[2] = {0, 0};
    for (size_t r = 0; r < blocks->n_rows; r++) {
        double t = rf_num(blocks, r, b_t), bytes = rf_num(blocks, r, b_bytes);
        largest = fmax(largest, bytes);
        if (t < split || t >= heal)
            continue;
        int side = rf_num(blocks, r, b_p) <= 2 ? 0 : 1;
        side_blocks[side]++;
        side_bytes[side] += bytes;
    }
    ck_assert_msg(side_blocks[0] > 0 && side_blocks[1] > 0,
                  "blocks inside the partition: %d by {1,2}, %d by {3,4}", side_blocks[0],
                  side_blocks[1]);

    /* At the heal one side has strictly more work (constant difficulty: a
     * greater height), so the other must switch without waiting for a block. */
    rf_csv *tl = rf_csv_load(out, "timeline.csv");
    size_t c_h = rf_col(tl, "height");
    size_t r1 = sample_at(tl, heal, 1), r3 = sample_at(tl, heal, 3);
    ck_assert(r1 != (size_t)-1 && r3 != (size_t)-1);
    double h1 = rf_num(tl, r1, c_h), h3 = rf_num(tl, r3, c_h);
    ck_assert_msg(h1 != h3, "equal heights at the heal: the bound below does not apply");
    int loser = h1 < h3 ? 0 : 1;
    (void)loser;

    /* Bound. At the heal both ends send `status` (1 latency); the node behind
     * sends `getblocks` (1), the peer answers with an `inv` of the missing
     * blocks (1), the node sends `getdata` (1) and the blocks come back (1
     * latency plus their transmission on the peer's uplink: at most the
     * winning side's partition blocks, to each of the 2 nodes behind, at the
     * uplink bandwidth). Margin: one fresh block relayed meanwhile (inv,
     * getdata, block: 3 latencies plus the largest block's transmission),
     * and the timeline's resolution (one sample interval). */
    double winner_bytes = side_bytes[1 - loser];
    double bound = heal + 5 * lat_max + 2 * winner_bytes * 8 / bw_bps + 3 * lat_max +
                   largest * 8 / bw_bps + sample;
    double agreed = first_agreement(tl, heal, 4);
    ck_assert_msg(agreed <= bound, "nodes agree at %.3f s, bound %.3f s", agreed, bound);
    ck_assert_msg(agreed > heal - 1e-9, "the partition shows no disagreement at the heal");

    cJSON *summary = rf_json(out, "summary.json");
    const cJSON *after = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(summary, "reconvergence"),
                                         "after_heal"),
        0);
    ck_assert_ptr_nonnull(after);
    ck_assert(rf_json_num(after, "heal_s") == heal);
    ck_assert_msg(rf_json_num(after, "delay_s") <= bound - heal,
                  "summary reconvergence delay %.3f s, bound %.3f s", rf_json_num(after, "delay_s"),
                  bound - heal);

    /* And every node ends on the same tip. */
    rf_csv *nodes = rf_csv_load(out, "nodes.csv");
    size_t c_tip = rf_col(nodes, "final_tip");
    for (size_t r = 1; r < nodes->n_rows; r++)
        ck_assert_str_eq(rf_cell(nodes, r, c_tip), rf_cell(nodes, 0, c_tip));
    rf_csv_free(nodes);
    cJSON_Delete(summary);
    rf_csv_free(tl);
    rf_csv_free(blocks);
}
END_TEST

/* Final tips of all nodes agree; returns the number of nodes. */
static size_t assert_same_final_tip(const char *out)
{
    rf_csv *nodes = rf_csv_load(out, "nodes.csv");
    size_t c_tip = rf_col(nodes, "final_tip"), n = nodes->n_rows;
    for (size_t r = 1; r < n; r++)
        ck_assert_msg(strcmp(rf_cell(nodes, r, c_tip), rf_cell(nodes, 0, c_tip)) == 0,
                      "%s: node %zu ends on %s, node 1 on %s", out, r + 1, rf_cell(nodes, r, c_tip),
                      rf_cell(nodes, 0, c_tip));
    rf_csv_free(nodes);
    return n;
}

/* crash_restart.json: node 3 of a 5-node ring crashes at 120 s, restarts at 240 s. */
START_TEST(restart_reloads_and_ends_on_tip)
{
    const char *dir = testutil_tmpdir("sync-restart");
    char out[1024];
    snprintf(out, sizeof out, "%s/out", dir);
    rf_run(out, "scenarios/crash_restart.json", NULL);
    ck_assert_uint_eq(assert_same_final_tip(out), 5);

    rf_csv *tl = rf_csv_load(out, "timeline.csv");
    size_t c_h = rf_col(tl, "height"), c_on = rf_col(tl, "online"), c_t = rf_col(tl, "time"),
           c_n = rf_col(tl, "node");
    size_t before = sample_at(tl, 119, 3);
    double crashed_height = rf_num(tl, before, c_h);
    ck_assert_msg(crashed_height > 0, "node 3 had no blocks before its crash");
    for (size_t r = 0; r < tl->n_rows; r++) {
        if ((int)rf_num(tl, r, c_n) != 3)
            continue;
        double t = rf_num(tl, r, c_t);
        int offline = t >= 120 && t < 240;
        ck_assert_msg(rf_num(tl, r, c_on) == !offline, "node 3 online=%s at %.3f",
                      rf_cell(tl, r, c_on), t);
        /* Restarted from its own file, not from genesis. */
        if (t >= 240)
            ck_assert_msg(rf_num(tl, r, c_h) >= crashed_height,
                          "node 3 at height %g at %.3f, below its %g before the crash",
                          rf_num(tl, r, c_h), t, crashed_height);
    }
    rf_csv_free(tl);
}
END_TEST

/* late_join.json: node 5 (a leaf of a star) joins empty at 180 s. */
START_TEST(late_joiner_syncs_from_genesis)
{
    const char *dir = testutil_tmpdir("sync-join");
    char out[1024];
    snprintf(out, sizeof out, "%s/out", dir);
    rf_run(out, "scenarios/late_join.json", NULL);
    ck_assert_uint_eq(assert_same_final_tip(out), 5);

    rf_csv *tl = rf_csv_load(out, "timeline.csv");
    size_t c_h = rf_col(tl, "height"), c_on = rf_col(tl, "online"), c_t = rf_col(tl, "time"),
           c_n = rf_col(tl, "node");
    for (size_t r = 0; r < tl->n_rows; r++) {
        if ((int)rf_num(tl, r, c_n) != 5 || rf_num(tl, r, c_t) >= 180)
            continue;
        ck_assert(rf_num(tl, r, c_on) == 0 && rf_num(tl, r, c_h) == 0);
    }
    /* The joiner's chain file holds the whole main chain from genesis. */
    cJSON *c5 = rf_json(out, "node5_chain.json"), *c1 = rf_json(out, "node1_chain.json");
    ck_assert(rf_json_num(c5, "height") == rf_json_num(c1, "height"));
    ck_assert(rf_json_num(c5, "height") > 14); /* more than the network had at the join */
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(c5, "blocks")),
                     (int)rf_json_num(c5, "height") + 1);
    cJSON_Delete(c5);
    cJSON_Delete(c1);
    rf_csv_free(tl);
}
END_TEST

/* A (re)starting node catches up at once: its status and the peer's
 * answering status, then getblocks, inv, getdata and the blocks (6
 * latencies), plus the transfer of the blocks at the link bandwidth and one
 * sample interval. At the first sample after that bound it has the tip of
 * the reference node; or, when that tip was found after the node started
 * (a new block may still be on its way to it), at least every main-chain
 * block found before it started. */
static void assert_catches_up(const char *scenario, const char *tag, int node, double at,
                              double lat_max, double bw_bps)
{
    const char *dir = testutil_tmpdir(tag);
    char out[1024];
    snprintf(out, sizeof out, "%s/out", dir);
    rf_run(out, scenario, NULL);
    rf_csv *blocks = rf_csv_load(out, "blocks.csv");
    size_t c_time = rf_col(blocks, "time_produced"), c_id = rf_col(blocks, "id");
    double bytes = 0, height_before = 0;
    for (size_t r = 0; r < blocks->n_rows; r++) {
        if (rf_num(blocks, r, c_time) >= at)
            continue;
        bytes += rf_num(blocks, r, rf_col(blocks, "bytes"));
        if (rf_num(blocks, r, rf_col(blocks, "main_chain")) == 1 &&
            rf_num(blocks, r, rf_col(blocks, "height")) > height_before)
            height_before = rf_num(blocks, r, rf_col(blocks, "height"));
    }
    double bound = at + 6 * lat_max + bytes * 8 / bw_bps + 1;
    rf_csv *tl = rf_csv_load(out, "timeline.csv");
    size_t c_tip = rf_col(tl, "tip"), c_h = rf_col(tl, "height");
    size_t mine = sample_at(tl, bound, node), ref = sample_at(tl, bound, node == 1 ? 2 : 1);
    ck_assert(mine != (size_t)-1 && ref != (size_t)-1);
    double ref_tip_found = 0;
    for (size_t r = 0; r < blocks->n_rows; r++)
        if (strcmp(rf_cell(blocks, r, c_id), rf_cell(tl, ref, c_tip)) == 0)
            ref_tip_found = rf_num(blocks, r, c_time);
    int same_tip = strcmp(rf_cell(tl, mine, c_tip), rf_cell(tl, ref, c_tip)) == 0;
    int new_block_in_flight = ref_tip_found >= at && rf_num(tl, mine, c_h) >= height_before;
    ck_assert_msg(same_tip || new_block_in_flight,
                  "%s: node %d has not caught up %.3f s after starting at %.0f s (height %s, "
                  "%g before it started)",
                  scenario, node, bound - at, at, rf_cell(tl, mine, c_h), height_before);
    ck_assert_double_gt(height_before, 0);
    rf_csv_free(tl);
    rf_csv_free(blocks);
}

START_TEST(restart_catches_up_at_once)
{
    /* Ring: node 3's neighbours 2 and 4; 50 ms links, 10 Mbit. */
    assert_catches_up("scenarios/crash_restart.json", "sync-restart", 3, 240, 0.050, 10e6);
}
END_TEST

START_TEST(joiner_catches_up_at_once)
{
    /* Star centred on node 1, latency up to 90 ms, 5 Mbit. */
    assert_catches_up("scenarios/late_join.json", "sync-join", 5, 180, 0.090, 5e6);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("scenarios_sync");
    TCase *tc = tcase_create("sync");
    tcase_set_timeout(tc, 900);
    tcase_add_test(tc, pow_partition_and_heal);
    tcase_add_test(tc, restart_reloads_and_ends_on_tip);
    tcase_add_test(tc, late_joiner_syncs_from_genesis);
    suite_add_tcase(s, tc);
    tcase_add_test(tc, restart_catches_up_at_once);
    tcase_add_test(tc, joiner_catches_up_at_once);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
