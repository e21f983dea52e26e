/* Determinism of whole runs of the real binary: the same scenario and seed
 * give byte-identical output files (everything but run_info.json) for
 * --threads 1, 2, 4 and the default (one per CPU), and for two runs
 * with the default threads; another --seed changes them. The cases below,
 * shortened so the test also runs under ThreadSanitizer: the default (PoW,
 * partition and heal), PoS with a partition, crash and restart on a ring,
 * a random topology with lossy, jittered links, a selfish miner, a
 * double spender, a byzantine node, a withholding miner, a censoring
 * miner, and an eclipse with isolated nodes and cut links. */
#include "run_fixture.h"

struct det_case {
    const char *tag, *scenario; /* scenario NULL: the built-in default */
    const char *sets[10];       /* --set values, NULL-terminated */
};

static const struct det_case cases[] = {
    {"default",
     NULL,
     {"duration=100s", "events[0].at=30s", "events[1].at=70s",
      "consensus.pow.expected_hashes_per_block=100000", NULL}},
    {"pos",
     "scenarios/pos_partition.json",
     {"duration=120s", "events[0].at=40s", "events[1].at=80s",
      "consensus.pos.active_slot_coeff=0.3", NULL}},
    {"crash",
     "scenarios/crash_restart.json",
     {"duration=60s", "events[0].at=20s", "events[1].at=40s",
      "consensus.pow.expected_hashes_per_block=150000", NULL}},
    {"lossy",
     "scenarios/high_latency.json",
     {"duration=40s", "consensus.pow.expected_hashes_per_block=200000", NULL}},
    {"selfish",
     "scenarios/selfish_mining.json",
     {"duration=2h", "metrics.sample_interval=10s", NULL}},
    {"double_spend",
     "scenarios/double_spend_attack.json",
     {"duration=3h", "metrics.sample_interval=10s", NULL}},
    {"byzantine", "scenarios/byzantine.json", {NULL}},
    {"withholding", "scenarios/withholding.json", {"duration=5m", NULL}},
    {"censorship", "scenarios/censorship.json", {"duration=3m", NULL}},
    {"byzantine_pos", "scenarios/byzantine_pos.json", {NULL}},
    {"poa", "scenarios/partition_poa.json", {"duration=8m", NULL}},
    {"bft",
     "scenarios/partition_bft.json",
     {"duration=100s", "events[0].at=20s", "events[1].at=40s", "events[2].at=60s",
      "events[3].at=80s", NULL}},
    {"bft_crash",
     "scenarios/bft_crash.json",
     {"duration=80s", "node_overrides[0].join_at=30s",
      "events=[{\"at\":\"20s\",\"type\":\"crash\",\"node\":7},"
      "{\"at\":\"40s\",\"type\":\"restart\",\"node\":7},"
      "{\"at\":\"50s\",\"type\":\"crash\",\"node\":5},{\"at\":\"50s\",\"type\":\"crash\",\"node\":"
      "6},"
      "{\"at\":\"50s\",\"type\":\"crash\",\"node\":7},{\"at\":\"70s\",\"type\":\"restart\","
      "\"node\":5},"
      "{\"at\":\"70s\",\"type\":\"restart\",\"node\":6},{\"at\":\"70s\",\"type\":\"restart\","
      "\"node\":7}]",
      NULL}},
    {"bft_byzantine", "scenarios/bft_byzantine.json", {"duration=60s", NULL}},
    {"bft_safety_violation", "scenarios/bft_safety_violation.json", {"duration=40s", NULL}},
    {"bft_gossip",
     "scenarios/bft_gossip.json",
     {"duration=50s", "events[0].at=15s", "events[1].at=35s", NULL}},
    {"eclipse", "scenarios/eclipse.json", {"duration=11m", NULL}},
    {"latency",
     "scenarios/high_latency.json",
     {"duration=40s", "consensus.pow.expected_hashes_per_block=200000",
      "events=[{\"at\":\"10s\",\"type\":\"set_latency\",\"link\":[1,2],\"latency\":\"2s\"},"
      "{\"at\":\"30s\",\"type\":\"set_latency\",\"link\":[1,2],\"latency\":\"default\"}]",
      NULL}},
};

/* Runs case c into dir with the extra arguments a1..a2 (NULL when unused). */
static void run_case(const struct det_case *c, const char *dir, const char *a1, const char *a2)
{
    const char *args[32];
    size_t n = 0;
    for (size_t i = 0; c->sets[i]; i++) {
        args[n++] = "--set";
        args[n++] = c->sets[i];
    }
    args[n++] = a1;
    args[n++] = a2;
    while (n < 31)
        args[n++] = NULL;
    rf_run(dir, c->scenario, args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7],
           args[8], args[9], args[10], args[11], args[12], NULL);
}

START_TEST(same_bytes_for_any_threads)
{
    const struct det_case *c = &cases[_i];
    char tag[64], base[1024], path[1100];
    snprintf(tag, sizeof tag, "determinism-%s", c->tag);
    snprintf(base, sizeof base, "%s", testutil_tmpdir(tag));

    snprintf(path, sizeof path, "%s/default", base);
    run_case(c, path, NULL, NULL);
    char ref[1100];
    snprintf(ref, sizeof ref, "%s", path);
    if (strcmp(c->tag, "latency") == 0) { /* the link's latency was set, then restored */
        char ev[1200];
        snprintf(ev, sizeof ev, "%s/events.csv", ref);
        char *text = rf_slurp(ev, NULL);
        ck_assert_ptr_nonnull(text);
        ck_assert_msg(strstr(text, "10.000000000,latency,1,,2,2.000000000\n"
                                   "30.000000000,latency,1,,2,\n"),
                      "events.csv: %s", text);
        free(text);
    }

    static const char *const threads[] = {"1", "2", "4"};
    for (size_t t = 0; t < 3; t++) {
        snprintf(path, sizeof path, "%s/threads%s", base, threads[t]);
        run_case(c, path, "--threads", threads[t]);
        /* blocks, arrivals, nodes, timeline, transactions, reorgs, partitions,
         * events, summary and at least two chain files. */
        ck_assert_uint_ge(rf_same_dirs(ref, path), 11);
    }
    snprintf(path, sizeof path, "%s/again", base);
    run_case(c, path, NULL, NULL);
    ck_assert_uint_ge(rf_same_dirs(ref, path), 11);

    /* Another seed: other blocks, so other ids in blocks.csv. */
    snprintf(path, sizeof path, "%s/seed99", base);
    run_case(c, path, "--seed", "99");
    char a[1200], b[1200];
    snprintf(a, sizeof a, "%s/blocks.csv", ref);
    snprintf(b, sizeof b, "%s/blocks.csv", path);
    ck_assert_msg(!rf_same_file(a, b), "%s: --seed 99 gave the same blocks.csv", c->tag);
    snprintf(a, sizeof a, "%s/node1_chain.json", ref);
    snprintf(b, sizeof b, "%s/node1_chain.json", path);
    ck_assert_msg(!rf_same_file(a, b), "%s: --seed 99 gave the same node1_chain.json", c->tag);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("scenarios_determinism");
    TCase *tc = tcase_create("determinism");
    tcase_set_timeout(tc, 900);
    tcase_add_loop_test(tc, same_bytes_for_any_threads, 0, (int)(sizeof cases / sizeof cases[0]));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
