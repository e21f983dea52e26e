/* Statistics of whole runs of the real binary against theory, with fixed
 * seeds (so deterministic) and tolerances of at least 4 binomial standard
 * deviations (so an honest implementation cannot fail them by bad luck):
 *
 * PoW forks. Two equal miners (rate lambda/2 each, lambda = 1/T), constant
 * one-way latency d, unlimited bandwidth. A block travels inv -> getdata ->
 * block, so the other miner has it D = 3d after it was found (asserted from
 * block_arrivals.csv). A block "races" when the other miner produced a block
 * at the same height (blocks.csv), which happens exactly when the other miner
 * finds a block while it does not know this one and is on the same parent
 * height. Exact model: heights follow
 *     height(b by X at t) = 1 + max(height of X's blocks before t,
 *                                   height of Y's blocks found at or before t - D),
 * (a block that arrives at the very instant of a hash attempt is taken into
 * account first: attempts are on a 1/hashrate grid, so this happens),
 * with the two miners' block times independent Poisson processes (mining is
 * memoryless and the difficulty constant). The test checks this rule block by
 * block on the binary's output, then the raced fraction against the model's
 * expectation, computed here by simulating the model itself over 2 million
 * blocks (its own error is negligible). To first order in lambda D the
 * expectation is the chance that the other miner finds a block within D on
 * either side: 1 - e^(-lambda D) (the model's value is a little lower since a
 * miner that is behind races an older height instead).
 *
 * PoS leaders. Each node leads a slot independently with probability
 * phi(alpha) = 1 - (1 - f)^alpha, alpha its share of the stake, so a slot has
 * at least one leader with probability 1 - prod(1 - phi) = 1 - (1 - f)^1 = f
 * when the stakes sum to the whole; each leader produces one block. */
#include "run_fixture.h"

#include <math.h>

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
}

/* splitmix64: the model simulation's own generator (fixed seed). */
static uint64_t mix_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double mix_unit(uint64_t *s)
{
    return ((double)(mix_next(s) >> 11) + 0.5) / 9007199254740992.0;
}

/* Heights by the model's rule for blocks (time t[i] ascending, miner m[i] in
 * {0,1}); fills h. */
static void model_heights(const double *t, const int *m, size_t n, double delay, int *h)
{
    int own_max[2] = {0, 0},
        seen_max[2] = {0, 0}; /* seen_max[X]: max height of other's known to X */
    size_t next[2] = {0, 0};  /* next block of the other miner X learns of */
    for (size_t i = 0; i < n; i++) {
        int x = m[i], y = 1 - x;
        while (next[x] < i) {
            size_t j = next[x];
            if (m[j] == y) {
                if (t[j] + delay > t[i])
                    break;
                if (h[j] > seen_max[x])
                    seen_max[x] = h[j];
            }
            next[x]++;
        }
        h[i] = 1 + (own_max[x] > seen_max[x] ? own_max[x] : seen_max[x]);
        own_max[x] = h[i];
    }
}

/* Fraction of blocks that have a block of the other miner at the same height. */
/* Two such blocks are found less than D apart (each before the other arrives). */
static double raced_fraction(const double *t, const int *h, const int *m, size_t n, double delay)
{
    size_t raced = 0;
    for (size_t i = 0; i < n; i++) {
        int found = 0;
        for (size_t j = i; j-- > 0 && t[i] - t[j] <= delay && !found;)
            found = m[j] != m[i] && h[j] == h[i];
        for (size_t j = i + 1; j < n && t[j] - t[i] <= delay && !found; j++)
            found = m[j] != m[i] && h[j] == h[i];
        raced += found;
    }
    return (double)raced / (double)n;
}

START_TEST(pow_fork_rate)
{
    const double d = 0.5, T = 10, D = 3 * d, lambda = 1 / T;
    const char *dir = testutil_tmpdir("stats-pow");
    char scen[1024], out[1024];
    snprintf(scen, sizeof scen, "%s/two_miners.json", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    /* 100 H/s each, 2000 expected hashes per block: T = 10 s; 8000 s gives
     * about 800 blocks for 1.6 million hashes. */
    write_file(scen,
               "{\"name\": \"two_miners\", \"seed\": 2024, \"duration\": \"8000s\",\n"
               " \"nodes\": {\"count\": 2, \"hashrate\": 100},\n"
               " \"consensus\": {\"type\": \"pow\", \"pow\": {\"expected_hashes_per_block\": "
               "2000, \"target_block_interval\": \"10s\", \"retarget_interval\": 1000000}},\n"
               " \"network\": {\"topology\": \"full\", \"latency\": \"500ms\", \"bandwidth\": "
               "0},\n"
               " \"workload\": {\"wallets\": 0, \"rate\": 0},\n"
               " \"metrics\": {\"sample_interval\": \"100s\"}}\n");
    rf_run(out, scen, NULL);

    rf_csv *blocks = rf_csv_load(out, "blocks.csv");
    size_t n = blocks->n_rows;
    ck_assert_uint_ge(n, 600);
    size_t c_t = rf_col(blocks, "time_produced"), c_p = rf_col(blocks, "producer"),
           c_h = rf_col(blocks, "height");
    double *t = malloc(n * sizeof *t);
    int *m = malloc(n * sizeof *m), *h = malloc(n * sizeof *h), *want = malloc(n * sizeof *want);
    ck_assert(t && m && h && want);
    for (size_t r = 0; r < n; r++) {
        t[r] = rf_num(blocks, r, c_t);
        m[r] = (int)rf_num(blocks, r, c_p) - 1;
        h[r] = (int)rf_num(blocks, r, c_h);
        ck_assert(m[r] == 0 || m[r] == 1);
        ck_assert(r == 0 || t[r] >= t[r - 1]);
    }

    /* Every block reaches the other miner exactly D after it was found,
     * unless the run ends first (8000 s). */
    size_t arrivable = 0;
    for (size_t r = 0; r < n; r++)
        arrivable += t[r] + D < 8000;
    ck_assert_uint_ge(arrivable, n - 2);
    rf_csv *arr = rf_csv_load(out, "block_arrivals.csv");
    size_t a_d = rf_col(arr, "delay");
    size_t remote = 0;
    for (size_t r = 0; r < arr->n_rows; r++) {
        double delay = rf_num(arr, r, a_d);
        if (delay == 0)
            continue;
        remote++;
        ck_assert_msg(fabs(delay - D) < 1e-6, "arrival row %zu: delay %.9f, expected %.3f", r + 1,
                      delay, D);
    }
    ck_assert_uint_eq(remote, arrivable);
    rf_csv_free(arr);

    /* The height rule, block by block. */
    model_heights(t, m, n, D, want);
    for (size_t r = 0; r < n; r++)
        ck_assert_msg(h[r] == want[r], "block %zu (node %d at %.6f): height %d, model says %d",
                      r + 1, m[r] + 1, t[r], h[r], want[r]);

    /* The raced fraction against the model's expectation. */
    double got = raced_fraction(t, h, m, n, D);
    const size_t big = 2000000;
    double *mt = malloc(big * sizeof *mt);
    int *mm = malloc(big * sizeof *mm), *mh = malloc(big * sizeof *mh);
    ck_assert(mt && mm && mh);
    uint64_t s = 12345;
    double now = 0;
    for (size_t i = 0; i < big; i++) {
        now += -log(mix_unit(&s)) / lambda;
        mt[i] = now;
        mm[i] = (int)(mix_next(&s) & 1);
    }
    model_heights(mt, mm, big, D, mh);
    double expect = raced_fraction(mt, mh, mm, big, D);
    double first_order = 1 - exp(-lambda * D);
    /* Raced blocks come in pairs, which doubles the variance of the count. */
    double sd = sqrt(2 * expect * (1 - expect) / (double)n);
    printf("pow fork rate: %zu blocks, raced %.4f, model %.4f (first order %.4f), 4 sd %.4f\n", n,
           got, expect, first_order, 4 * sd);
    ck_assert_msg(fabs(expect - first_order) < 0.02, "model %.4f vs first order %.4f", expect,
                  first_order);
    ck_assert_msg(fabs(got - expect) <= 4 * sd, "raced fraction %.4f, expected %.4f +- %.4f", got,
                  expect, 4 * sd);
    /* The summary's stale rate agrees with blocks.csv. */
    cJSON *summary = rf_json(out, "summary.json");
    ck_assert(rf_json_num(summary, "blocks.produced") == (double)n);
    cJSON_Delete(summary);
    free(mt);
    free(mm);
    free(mh);
    free(t);
    free(m);
    free(h);
    free(want);
    rf_csv_free(blocks);
}
END_TEST

/* Fractional hash rates: three miners at 0.2 H/s (one attempt every 5
 * virtual seconds each) and 60 expected hashes per block find a block every
 * 100 s on average, about 600 in 60,000 s; their attempts are 36,000 up to
 * one per template (a template starts at each new tip with an attempt at its
 * start, which may come before the next one of the old schedule). A rate cut
 * to 0 would mine nothing, one rounded to 1 H/s five times as much. */
START_TEST(pow_fractional_rate)
{
    const char *dir = testutil_tmpdir("stats-frac");
    char scen[1024], out[1024];
    snprintf(scen, sizeof scen, "%s/slow_miners.json", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    write_file(scen, "{\"name\": \"slow_miners\", \"seed\": 7, \"duration\": \"60000s\",\n"
                     " \"nodes\": {\"count\": 3, \"hashrate\": \"0.2H/s\"},\n"
                     " \"consensus\": {\"type\": \"pow\", \"pow\": {\"expected_hashes_per_block\": "
                     "60, \"target_block_interval\": \"100s\", \"retarget_interval\": 1000000}},\n"
                     " \"network\": {\"topology\": \"full\", \"latency\": \"100ms\"},\n"
                     " \"workload\": {\"wallets\": 0, \"rate\": 0},\n"
                     " \"metrics\": {\"sample_interval\": \"1000s\"}}\n");
    rf_run(out, scen, NULL);
    cJSON *summary = rf_json(out, "summary.json");
    double blocks = rf_json_num(summary, "blocks.produced");
    double hashes = rf_json_num(summary, "hashes");
    cJSON_Delete(summary);
    printf("pow fractional rate: %.0f blocks (600 expected), %.0f hashes (36000 expected)\n",
           blocks, hashes);
    ck_assert_msg(fabs(blocks - 600) <= 4 * sqrt(600), "%.0f blocks, expected 600 +- 98", blocks);
    ck_assert_msg(fabs(hashes - 36000) <= 3 * (blocks + 1),
                  "%.0f hashes, expected 36000 up to one per template", hashes);
}
END_TEST

START_TEST(pos_leader_rate)
{
    const double f = 0.5, stake[4] = {100, 200, 300, 400}, total = 1000;
    const int slots = 1999; /* slots 1 .. 1999 of a 2000 s run of 1 s slots */
    const char *dir = testutil_tmpdir("stats-pos");
    char scen[1024], out[1024];
    snprintf(scen, sizeof scen, "%s/leaders.json", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    write_file(scen,
               "{\"name\": \"leaders\", \"seed\": 77, \"duration\": \"2000s\",\n"
               " \"nodes\": {\"count\": 4, \"stake\": 100},\n"
               " \"node_overrides\": [{\"node\": 2, \"stake\": 200}, {\"node\": 3, \"stake\": "
               "300}, {\"node\": 4, \"stake\": 400}],\n"
               " \"consensus\": {\"type\": \"pos\", \"pos\": {\"slot\": \"1s\", "
               "\"active_slot_coeff\": 0.5, \"k\": 1000, \"epoch_slots\": 100}},\n"
               " \"network\": {\"topology\": \"full\", \"latency\": \"10ms\"},\n"
               " \"workload\": {\"wallets\": 0, \"rate\": 0},\n"
               " \"metrics\": {\"sample_interval\": \"100s\"}}\n");
    rf_run(out, scen, NULL);

    rf_csv *blocks = rf_csv_load(out, "blocks.csv");
    size_t c_t = rf_col(blocks, "time_produced"), c_p = rf_col(blocks, "producer");
    char *led = calloc((size_t)slots + 2, 1);
    int per_node[4] = {0, 0, 0, 0};
    char(*node_slot)[4] = calloc((size_t)slots + 2, sizeof *node_slot);
    ck_assert(led && node_slot);
    for (size_t r = 0; r < blocks->n_rows; r++) {
        double t = rf_num(blocks, r, c_t);
        long slot = lround(t);
        int p = (int)rf_num(blocks, r, c_p) - 1;
        ck_assert_msg(fabs(t - (double)slot) < 1e-9 && slot >= 1 && slot <= slots + 1,
                      "block %zu produced at %.9f, not at a slot start in 1..%d", r + 1, t,
                      slots + 1);
        ck_assert(p >= 0 && p < 4);
        ck_assert_msg(!node_slot[slot][p], "node %d produced twice in slot %ld", p + 1, slot);
        node_slot[slot][p] = 1;
        per_node[p]++;
        led[slot] = 1;
    }
    int busy = 0;
    for (int sl = 1; sl <= slots + 1; sl++)
        busy += led[sl];
    double frac = busy / (double)slots, sd = sqrt(f * (1 - f) / slots);
    printf("pos: %d of %d slots had a block (%.4f, expected %.4f +- %.4f)\n", busy, slots, frac, f,
           4 * sd);
    ck_assert_msg(fabs(frac - f) <= 4 * sd, "busy slots %.4f, expected %.4f +- %.4f", frac, f,
                  4 * sd);
    for (int p = 0; p < 4; p++) {
        double phi = 1 - pow(1 - f, stake[p] / total);
        double got = per_node[p] / (double)slots, sdp = sqrt(phi * (1 - phi) / slots);
        printf("pos: node %d led %.4f of slots, phi(%.1f) = %.4f +- %.4f\n", p + 1, got,
               stake[p] / total, phi, 4 * sdp);
        ck_assert_msg(fabs(got - phi) <= 4 * sdp, "node %d: %.4f of slots, phi = %.4f +- %.4f",
                      p + 1, got, phi, 4 * sdp);
    }
    free(led);
    free(node_slot);
    rf_csv_free(blocks);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("scenarios_stats");
    TCase *tc = tcase_create("stats");
    tcase_set_timeout(tc, 900);
    tcase_add_test(tc, pow_fork_rate);
    tcase_add_test(tc, pos_leader_rate);
    tcase_add_test(tc, pow_fractional_rate);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
