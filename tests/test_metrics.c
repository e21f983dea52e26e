/* metrics: a hand-built run of three nodes (a fork, a partition and its
 * heal, a reorganisation, four transactions) fed through the recorders; the
 * files are checked byte for byte, the figures against hand computation, and
 * every kind of inconsistent input is refused. */
#include "metrics.h"
#include "metrics_impl.h"
#include "summary.h"
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S(x) ((int64_t)((x)*1e9 + 0.5)) /* seconds to ns, for readable tests */
/* The display hex of id(n): 62 zeros then the byte. */
#define ID(x) "00000000000000000000000000000000000000000000000000000000000000" x

static hash256 id(unsigned n)
{
    hash256 h;
    memset(&h, 0, sizeof h);
    h.b[0] = (uint8_t)n;
    return h;
}

/* One per-node record of the synthetic run. */
typedef enum { R_PRODUCED, R_SEEN, R_REORG, R_TXSUB, R_TXDS } rkind;
typedef struct rec {
    uint32_t node;
    rkind kind;
    double t;
    unsigned a, b, c; /* ids / height / depth, by kind */
} rec;

/* Per node, in the node's own time order. Genesis = id(0x10); blocks A=1,
 * B=2 (a fork at height 1, stale), C=3; transactions 0x81..0x84. */
static const rec run[] = {
    {1, R_TXSUB, 0.5, 0x81, 0, 0}, {1, R_PRODUCED, 1.0, 1, 0x10, 1}, {1, R_SEEN, 1.3, 2, 0, 0},
    {1, R_TXDS, 2.5, 0x83, 0, 0},  {1, R_TXSUB, 2.8, 0x84, 0, 0},    {1, R_PRODUCED, 3.0, 3, 1, 2},
    {2, R_TXSUB, 0.6, 0x82, 0, 0}, {2, R_PRODUCED, 1.2, 2, 0x10, 1}, {2, R_SEEN, 1.5, 1, 0, 0},
    {2, R_SEEN, 3.5, 3, 0, 0},     {2, R_REORG, 3.5, 2, 3, 1},       {3, R_TXSUB, 0.7, 0x83, 0, 0},
    {3, R_SEEN, 1.1, 1, 0, 0},     {3, R_SEEN, 1.25, 2, 0, 0},       {3, R_SEEN, 1.25, 2, 0, 0},
    {3, R_SEEN, 3.2, 3, 0, 0},
};
#define N_RUN (sizeof run / sizeof run[0])

static void apply(metrics *m, const rec *r)
{
    metrics_node *mn = metrics_node_of(m, r->node);
    hash256 a = id(r->a), b = id(r->b);
    int64_t t = S(r->t);
    switch (r->kind) {
    case R_PRODUCED: {
        hash256 tx = id(0x80 + r->a); /* A holds 0x81, B 0x82, C none */
        metrics_block_produced(mn, t, &a, &b, r->c, &tx, r->a == 3 ? 0 : 1,
                               r->a == 1   ? 1000
                               : r->a == 2 ? 900
                                           : 500);
        break;
    }
    case R_SEEN:
        metrics_block_seen(mn, t, &a);
        break;
    case R_REORG:
        metrics_reorg(mn, t, &a, &b, r->c, 1);
        break;
    case R_TXSUB:
        metrics_tx_submitted(mn, t, &a);
        break;
    case R_TXDS:
        metrics_tx_double_spend(mn, t, &a);
        break;
    }
}

static void sample(metrics *m, double t, unsigned t1, unsigned t2, unsigned t3)
{
    unsigned tips[3] = {t1, t2, t3};
    metrics_tip s[3];
    for (int i = 0; i < 3; i++) {
        s[i].tip = id(tips[i]);
        s[i].height = tips[i] == 3 ? 2 : tips[i] == 0x10 ? 0 : 1;
        s[i].online = 1;
    }
    metrics_sample(m, S(t), s, 3);
}

/* One thread per node, each touching only its own recorder. */
struct feed {
    metrics *m;
    uint32_t node;
};

static void *feed_node(void *arg)
{
    const struct feed *f = arg;
    for (size_t i = 0; i < N_RUN; i++)
        if (run[i].node == f->node)
            apply(f->m, &run[i]);
    return NULL;
}

/* Feeds the whole run; order 0 feeds node by node, order 1 round-robin from
 * the last node, as two thread layouts would; order 2 from one thread per node. */
static metrics *build(int order)
{
    metrics *m = metrics_new(3, 2);
    ck_assert_ptr_nonnull(m);
    if (order == 0) {
        for (size_t i = 0; i < N_RUN; i++)
            apply(m, &run[i]);
    } else if (order == 2) {
        pthread_t th[3];
        struct feed f[3];
        for (uint32_t n = 1; n <= 3; n++) {
            f[n - 1] = (struct feed){m, n};
            ck_assert_int_eq(pthread_create(&th[n - 1], NULL, feed_node, &f[n - 1]), 0);
        }
        for (int i = 0; i < 3; i++)
            ck_assert_int_eq(pthread_join(th[i], NULL), 0);
    } else {
        size_t next[4] = {0, 0, 0, 0};
        for (int progress = 1; progress;) {
            progress = 0;
            for (uint32_t node = 3; node >= 1; node--)
                for (size_t i = next[node]; i < N_RUN; i++)
                    if (run[i].node == node) {
                        apply(m, &run[i]);
                        next[node] = i + 1;
                        progress = 1;
                        break;
                    }
        }
    }
    for (uint32_t n = 1; n <= 3; n++) {
        metrics_node *mn = metrics_node_of(m, n);
        metrics_count(mn, METRICS_MSGS_SENT, 10 * n);
        metrics_count(mn, METRICS_MSGS_RECEIVED, 11 * n);
        metrics_count(mn, METRICS_BYTES_SENT, 100 * n);
        metrics_count(mn, METRICS_BYTES_RECEIVED, 110 * n);
        metrics_count(mn, METRICS_HASHES, 1000 * n);
        metrics_count(mn, METRICS_EVENTS, 7 * n);
    }
    metrics_rejected(metrics_node_of(m, 3), "bad-pow");
    metrics_rejected(metrics_node_of(m, 2), "bad-signature");
    metrics_rejected(metrics_node_of(m, 3), "bad-pow");
    uint32_t groups[3] = {1, 2, 1};
    metrics_partition(m, S(2.0), groups, 3);
    sample(m, 2.0, 1, 2, 1);
    sample(m, 3.0, 3, 2, 1);
    metrics_heal(m, S(3.4));
    sample(m, 3.45, 3, 2, 3);
    sample(m, 4.0, 3, 3, 3);
    metrics_node_event(m, S(4.5), 3, METRICS_CRASH);
    metrics_link_latency(m, S(4.5), 1, 2, 300000000);
    metrics_link_latency(m, S(4.5), 2, 1, 0);
    return m;
}

static const hash256 chain_ids[3] = {{{0x10}}, {{1}}, {{3}}};

static metrics_status finish(metrics *m, char *err, size_t errlen)
{
    metrics_chain chains[3], main_chain = {chain_ids, 3};
    for (int i = 0; i < 3; i++)
        chains[i] = main_chain;
    return metrics_finish(m, err, errlen, chains, 3, &main_chain, S(5.0));
}

static char *slurp(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    char *buf = calloc(1, 1 << 16);
    ck_assert_ptr_nonnull(buf);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void check_file(const char *dir, const char *name, const char *expected)
{
    char *got = slurp(dir, name);
    ck_assert_str_eq(got, expected);
    free(got);
}

static const char *write_run(const char *tag, int order)
{
    static char dirs[3][512];
    metrics *m = build(order);
    char err[256];
    ck_assert_int_eq(finish(m, err, sizeof err), METRICS_OK);
    const char *dir = testutil_tmpdir(tag);
    snprintf(dirs[order], sizeof dirs[order], "%s", dir);
    cJSON *scenario = cJSON_Parse("{\"nodes\": 3, \"name\": \"fork\"}");
    ck_assert_int_eq(metrics_write(m, err, sizeof err, dirs[order], scenario, UINT64_MAX),
                     METRICS_OK);
    cJSON_Delete(scenario);
    metrics_free(m);
    return dirs[order];
}

START_TEST(csv_files_match_the_run)
{
    const char *dir = write_run("metrics-golden", 0);
    check_file(dir, "blocks.csv",
               "id,height,parent,producer,time_produced,transactions,bytes,main_chain,seen_by,"
               "delay_50pct,delay_90pct\n" ID("01") ",1," ID(
                   "10") ",1,1.000000000,1,1000,1,3,0.100000000,"
                         "0.500000000\n" ID("02") ",1," ID(
                             "10") ",2,1.200000000,1,900,0,3,0.050000000,0."
                                   "100000000\n" ID("03") ",2," ID("01") ",1,3."
                                                                         "000000000,0,"
                                                                         "500,1,3,0."
                                                                         "200000000,0."
                                                                         "500000000\n");
    check_file(dir, "block_arrivals.csv",
               "block,node,time_first_seen,delay\n" ID("01") ",1,1.000000000,0.000000000\n" ID("01") ",3,1.100000000,0.100000000\n" ID("02") ",2,1.200000000,0.000000000\n" ID("02") ",3,1.250000000,0.050000000\n" ID(
                   "02") ",1,1.300000000,0.100000000\n" ID("01") ",2,1.500000000,0.500000000\n" ID("03") ",1,3.000000000,0.000000000\n" ID("03") ",3,3.200000000,0.200000000\n" ID("03") ",2,3.500000000,0.500000000\n");
    check_file(dir, "nodes.csv",
               "node,blocks_produced,blocks_main,blocks_stale,reorgs,deepest_reorg,msgs_sent,"
               "msgs_received,bytes_sent,bytes_received,invalid_rejected,hashes,events,final_"
               "height,final_tip\n"
               "1,2,2,0,0,0,10,11,100,110,0,1000,7,2," ID(
                   "03") "\n"
                         "2,1,0,1,1,1,20,22,200,220,1,2000,14,2," ID(
                             "03") "\n"
                                   "3,0,0,0,0,0,30,33,300,330,2,3000,21,2," ID("03") "\n");
    check_file(
        dir, "transactions.csv",
        "txid,origin,submitted,first_included,block,confirmed,latency,status\n" ID(
            "81") ",1,0.500000000,1.000000000," ID("01") ",3.000000000,2.500000000,"
                                                         "confirmed\n" ID(
                                                             "82") ",2,0.600000000,1.200000000,,,,"
                                                                   "reverted\n" ID(
                                                                       "83") ",3,0."
                                                                             "700000000"
                                                                             ",,,,,"
                                                                             "dropped_"
                                                                             "double_"
                                                                             "spend"
                                                                             "\n" ID(
                                                                                 "8"
                                                                                 "4") ",1,2."
                                                                                      "800000000,"
                                                                                      ",,,,"
                                                                                      "pending"
                                                                                      "\n");
    check_file(dir, "reorgs.csv",
               "time,node,old_tip,new_tip,depth,txs_reverted\n"
               "3.500000000,2," ID("02") "," ID("03") ",1,1\n");
    check_file(dir, "partitions.csv", "start,end,groups\n2.000000000,3.400000000,2\n");
    check_file(dir, "events.csv",
               "time,event,node,group,peer,latency\n2.000000000,partition,1,1,,\n"
               "2.000000000,partition,2,2,,\n2.000000000,partition,3,1,,\n3.400000000,heal,,,,\n"
               "4.500000000,crash,3,,,\n4.500000000,latency,1,,2,0.300000000\n"
               "4.500000000,latency,2,,1,\n");
    /* Every row: tips change, come back and are shared across nodes (the
     * samples keep each distinct tip once). */
    check_file(
        dir, "timeline.csv",
        "time,node,height,tip,online,partition_group\n"
        "2.000000000,1,1," ID(
            "01") ",1,1\n"
                  "2.000000000,2,1," ID(
                      "02") ",1,2\n"
                            "2.000000000,3,1," ID(
                                "01") ",1,1\n"
                                      "3.000000000,1,2," ID(
                                          "03") ",1,1\n"
                                                "3.000000000,2,1," ID(
                                                    "02") ",1,2\n"
                                                          "3.000000000,3,1," ID(
                                                              "01") ",1,1\n"
                                                                    "3.450000000,1,2," ID(
                                                                        "03") ",1,0\n"
                                                                              "3.450000000,2,1," ID(
                                                                                  "02") ",1,0\n"
                                                                                        "3."
                                                                                        "450000000,"
                                                                                        "3,2," ID(
                                                                                            "03") ",1,0\n"
                                                                                                  "4.000000000,1,2," ID(
                                                                                                      "03") ",1,0\n"
                                                                                                            "4.000000000,2,2," ID(
                                                                                                                "03") ",1,0\n"
                                                                                                                      "4.000000000,3,2," ID(
                                                                                                                          "03") ",1,0\n");
}
END_TEST

static double num(const cJSON *root, const char *a, const char *b, const char *c)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(root, a);
    if (b)
        x = cJSON_GetObjectItemCaseSensitive(x, b);
    if (c)
        x = cJSON_GetObjectItemCaseSensitive(x, c);
    ck_assert_msg(cJSON_IsNumber(x), "%s.%s.%s is not a number", a, b ? b : "", c ? c : "");
    return x->valuedouble;
}

START_TEST(summary_figures)
{
    const char *dir = write_run("metrics-summary", 0);
    char *text = slurp(dir, "summary.json");
    ck_assert_ptr_nonnull(strstr(text, "\"seed\":\t18446744073709551615,"));
    cJSON *s = cJSON_Parse(text);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "scenario"), "name")->valuestring,
                     "fork");
    ck_assert_double_eq(num(s, "blocks", "produced", NULL), 3);
    ck_assert_double_eq(num(s, "blocks", "main", NULL) + num(s, "blocks", "stale", NULL), 3);
    ck_assert_double_eq(num(s, "blocks", "stale", NULL), 1);
    ck_assert_double_eq_tol(num(s, "blocks", "stale_rate", NULL), 1.0 / 3, 1e-12);
    ck_assert_double_eq(num(s, "blocks", "main_chain_height", NULL), 2);
    ck_assert_double_eq_tol(num(s, "propagation_s", "reach_50pct", "median"), 0.1, 1e-12);
    ck_assert_double_eq_tol(num(s, "propagation_s", "reach_50pct", "p90"), 0.2, 1e-12);
    ck_assert_double_eq_tol(num(s, "propagation_s", "reach_90pct", "median"), 0.5, 1e-12);
    ck_assert_double_eq_tol(num(s, "propagation_s", "reach_90pct", "p90"), 0.5, 1e-12);
    ck_assert_double_eq(num(s, "reorgs", "count", NULL), 1);
    ck_assert_double_eq(num(s, "reorgs", "deepest", NULL), 1);
    /* Heal at 3.4 s; at 3.45 s node 2 still has B; at 4.0 s all share C. */
    ck_assert_double_eq(num(s, "reconvergence", "heals", NULL), 1);
    ck_assert_double_eq_tol(num(s, "reconvergence", "max_delay_s", NULL), 0.6, 1e-12);
    const cJSON *after = cJSON_GetArrayItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(s, "reconvergence"), "after_heal"), 0);
    ck_assert_double_eq_tol(cJSON_GetObjectItem(after, "reconverged_s")->valuedouble, 4.0, 1e-12);
    ck_assert_double_eq(num(s, "transactions", "submitted", NULL), 4);
    ck_assert_double_eq(num(s, "transactions", "confirmed", NULL), 1);
    ck_assert_double_eq(num(s, "transactions", "pending", NULL), 1);
    ck_assert_double_eq(num(s, "transactions", "reverted", NULL), 1);
    ck_assert_double_eq(num(s, "transactions", "dropped_double_spend", NULL), 1);
    ck_assert_double_eq_tol(num(s, "transactions", "per_second", NULL), 0.2, 1e-12);
    ck_assert_double_eq_tol(num(s, "transactions", "confirmation_latency_s", "median"), 2.5, 1e-12);
    ck_assert_double_eq(num(s, "hashes", NULL, NULL), 6000);
    ck_assert_double_eq(num(s, "messages", "sent", NULL), 60);
    ck_assert_double_eq(num(s, "bytes", "received", NULL), 660);
    ck_assert_double_eq(num(s, "events_processed", NULL, NULL), 42);
    ck_assert_double_eq(num(s, "invalid_rejected", "total", NULL), 3);
    ck_assert_double_eq(num(s, "invalid_rejected", "by_reason", "bad-pow"), 2);
    ck_assert_double_eq(num(s, "duration_s", NULL, NULL), 5);
    cJSON_Delete(s);
    free(text);
}
END_TEST

START_TEST(output_independent_of_interleaving)
{
    static const char *const files[] = {"blocks.csv",     "block_arrivals.csv", "nodes.csv",
                                        "timeline.csv",   "transactions.csv",   "reorgs.csv",
                                        "partitions.csv", "events.csv",         "summary.json"};
    char a[512], b[512];
    snprintf(a, sizeof a, "%s", write_run("metrics-order0", 0));
    snprintf(b, sizeof b, "%s", write_run("metrics-order1", 1));
    const char *c = write_run("metrics-threads", 2);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *x = slurp(a, files[i]), *y = slurp(b, files[i]), *z = slurp(c, files[i]);
        ck_assert_msg(strcmp(x, y) == 0, "%s differs between interleavings", files[i]);
        ck_assert_msg(strcmp(x, z) == 0, "%s differs when recorded by threads", files[i]);
        ck_assert_uint_gt(strlen(x), 10);
        free(x);
        free(y);
        free(z);
    }
}
END_TEST

START_TEST(percentile_nearest_rank)
{
    int64_t v[] = {15, 20, 35, 40, 50}, out = -1;
    /* The textbook nearest-rank example: 5 values. */
    ck_assert_int_eq(metrics_percentile(&out, v, 5, 5), 0);
    ck_assert_int_eq(out, 15);
    ck_assert_int_eq(metrics_percentile(&out, v, 5, 30), 0);
    ck_assert_int_eq(out, 20);
    ck_assert_int_eq(metrics_percentile(&out, v, 5, 40), 0);
    ck_assert_int_eq(out, 20);
    ck_assert_int_eq(metrics_percentile(&out, v, 5, 50), 0);
    ck_assert_int_eq(out, 35);
    ck_assert_int_eq(metrics_percentile(&out, v, 5, 100), 0);
    ck_assert_int_eq(out, 50);
    int64_t u[] = {9, 1, 5, 3}; /* unsorted input, left unmodified */
    ck_assert_int_eq(metrics_percentile(&out, u, 4, 50), 0);
    ck_assert_int_eq(out, 3);
    ck_assert_int_eq(metrics_percentile(&out, u, 4, 90), 0);
    ck_assert_int_eq(out, 9);
    ck_assert_int_eq(u[0], 9);
    ck_assert_int_eq(metrics_percentile(&out, u, 0, 50), -1);
    ck_assert_int_eq(metrics_percentile(&out, u, 4, 0), -1);
    ck_assert_int_eq(metrics_percentile(&out, u, 4, 101), -1);
}
END_TEST

/* Each rejection: build the good run, spoil it one way, expect the code and
 * a message naming what was wrong. */
static void expect_finish(metrics *m, metrics_status code, const char *needle)
{
    char err[256];
    ck_assert_int_eq(finish(m, err, sizeof err), code);
    ck_assert_msg(strstr(err, needle) != NULL, "message '%s' lacks '%s'", err, needle);
    ck_assert_int_eq(metrics_write(m, err, sizeof err, "/nonexistent", NULL, 1), METRICS_E_STATE);
    ck_assert_ptr_null(metrics_summary(m, NULL, 1));
    metrics_free(m);
}

START_TEST(rejects_arrival_before_production)
{
    metrics *m = build(0);
    hash256 c = id(3);
    metrics_block_seen(metrics_node_of(m, 2), S(3.6), &c); /* fine: a repeat */
    metrics *m2 = metrics_new(3, 2);
    hash256 g = id(0x10), x = id(9);
    metrics_block_seen(metrics_node_of(m2, 2), S(0.5), &x);
    metrics_block_produced(metrics_node_of(m2, 1), S(1.0), &x, &g, 1, NULL, 0, 10);
    char err[256];
    metrics_chain main_chain = {chain_ids, 1}, chains[3] = {main_chain, main_chain, main_chain};
    ck_assert_int_eq(metrics_finish(m2, err, sizeof err, chains, 3, &main_chain, S(2)),
                     METRICS_E_ARRIVAL_BEFORE_PRODUCTION);
    ck_assert_ptr_nonnull(strstr(err, "node 2 saw block " ID("09") " at 0.500000000 s"));
    metrics_free(m2);
    ck_assert_int_eq(finish(m, err, sizeof err), METRICS_OK);
    metrics_free(m);
}
END_TEST

START_TEST(rejects_unknown_block)
{
    metrics *m = build(0);
    hash256 x = id(0x55);
    metrics_block_seen(metrics_node_of(m, 1), S(4.0), &x);
    expect_finish(m, METRICS_E_UNKNOWN_BLOCK, ID("55"));
}
END_TEST

START_TEST(rejects_duplicate_block)
{
    metrics *m = build(0);
    hash256 a = id(1), g = id(0x10);
    metrics_block_produced(metrics_node_of(m, 3), S(4.0), &a, &g, 1, NULL, 0, 1);
    expect_finish(m, METRICS_E_DUPLICATE_BLOCK, "node 1 and node 3");
}
END_TEST

START_TEST(rejects_time_going_backwards)
{
    metrics *m = build(0);
    hash256 a = id(1);
    metrics_block_seen(metrics_node_of(m, 1), S(2.0), &a); /* node 1 is at 3.0 s */
    expect_finish(m, METRICS_E_TIME_BACKWARDS, "node 1: record at 2.000000000 s");
    m = build(0);
    sample(m, 3.9, 3, 3, 3);
    expect_finish(m, METRICS_E_TIME_BACKWARDS, "sample at 3.900000000 s");
}
END_TEST

START_TEST(rejects_bad_main_chain)
{
    metrics *m = build(0);
    char err[256];
    hash256 bad[3] = {id(0x10), id(1), id(0x66)};
    metrics_chain main_chain = {bad, 3}, chains[3] = {main_chain, main_chain, main_chain};
    ck_assert_int_eq(metrics_finish(m, err, sizeof err, chains, 3, &main_chain, S(5)),
                     METRICS_E_UNKNOWN_BLOCK);
    ck_assert_ptr_nonnull(strstr(err, "main chain height 2: block " ID("66")));
    hash256 skew[2] = {id(0x10), id(3)}; /* C is at height 2, not 1 */
    main_chain = (metrics_chain){skew, 2};
    ck_assert_int_eq(metrics_finish(m, err, sizeof err, chains, 3, &main_chain, S(5)),
                     METRICS_E_CHAIN);
    ck_assert_ptr_nonnull(strstr(err, "recorded at height 2"));
    ck_assert_int_eq(metrics_finish(m, err, sizeof err, chains, 2, &main_chain, S(5)),
                     METRICS_E_ARG);
    ck_assert_int_eq(metrics_finish(m, err, sizeof err, chains, 3, NULL, S(5)), METRICS_E_ARG);
    ck_assert_int_eq(finish(m, err, sizeof err), METRICS_OK); /* still usable after refusals */
    ck_assert_int_eq(finish(m, err, sizeof err), METRICS_E_STATE);
    metrics_free(m);
}
END_TEST

START_TEST(rejects_bad_global_records)
{
    metrics *m = build(0);
    metrics_tip one = {0, {{0}}, 1};
    metrics_sample(m, S(4.8), &one, 1);
    expect_finish(m, METRICS_E_ARG, "1 tips given for 3 nodes");
    m = build(0);
    uint32_t groups[3] = {1, 0, 2};
    metrics_partition(m, S(4.8), groups, 3);
    expect_finish(m, METRICS_E_ARG, "node 2 has group 0");
    m = build(0);
    metrics_heal(m, S(1.0)); /* global time is at 4.5 s */
    expect_finish(m, METRICS_E_TIME_BACKWARDS, "heal at 1.000000000 s");
    m = build(0);
    metrics_node_event(m, S(4.9), 4, METRICS_JOIN);
    expect_finish(m, METRICS_E_ARG, "node 4");
    m = build(0);
    metrics_link_latency(m, S(4.9), 2, 2, 1000);
    expect_finish(m, METRICS_E_ARG, "link latency: link 2-2");
    m = build(0);
    metrics_link_latency(m, S(4.9), 1, 4, 1000);
    expect_finish(m, METRICS_E_ARG, "link 1-4");
    m = build(0);
    metrics_link_latency(m, S(4.9), 1, 2, -5);
    expect_finish(m, METRICS_E_ARG, "latency -5 out of range");
    m = build(0);
    metrics_link_latency(m, S(4.0), 1, 2, 1000);
    expect_finish(m, METRICS_E_TIME_BACKWARDS, "link latency at 4.000000000 s");
    m = build(0);
    char err[256];
    metrics_chain main_chain = {chain_ids, 3}, chains[3] = {main_chain, main_chain, main_chain};
    ck_assert_int_eq(metrics_finish(m, err, sizeof err, chains, 3, &main_chain, S(4.0)),
                     METRICS_E_ARG); /* the run cannot end before its last record */
    ck_assert_ptr_nonnull(strstr(err, "run end 4.000000000 s"));
    metrics_free(m);
    ck_assert_ptr_null(metrics_new(0, 1));
    ck_assert_ptr_null(metrics_new(3, 0));
    m = metrics_new(3, 1);
    ck_assert_ptr_null(metrics_node_of(m, 0));
    ck_assert_ptr_null(metrics_node_of(m, 4));
    metrics_free(m);
    metrics_free(NULL);
    ck_assert_str_eq(metrics_status_message(METRICS_E_ARRIVAL_BEFORE_PRODUCTION),
                     "block seen before it was produced");
}
END_TEST

START_TEST(rejects_sample_height_past_32_bits)
{
    metrics *m = metrics_new(2, 1);
    ck_assert_ptr_nonnull(m);
    metrics_tip tips[2] = {{.tip = id(0x10), .height = 0, .online = 1},
                           {.tip = id(0x10), .height = (uint64_t)UINT32_MAX + 1, .online = 1}};
    metrics_sample(m, S(1), tips, 2);
    hash256 g = id(0x10);
    metrics_chain main_chain = {&g, 1}, chains[2] = {main_chain, main_chain};
    char err[256];
    ck_assert_int_eq(metrics_finish(m, err, sizeof err, chains, 2, &main_chain, S(2)),
                     METRICS_E_ARG);
    ck_assert_ptr_nonnull(strstr(err, "node 2's height 4294967296 is past 2^32"));
    metrics_free(m);
}
END_TEST

START_TEST(rejects_tx_included_before_submission)
{
    metrics *m = build(0);
    hash256 t = id(0x81);
    metrics_tx_submitted(metrics_node_of(m, 2), S(4.0), &t); /* earliest submission wins */
    char err[256];
    ck_assert_int_eq(finish(m, err, sizeof err), METRICS_OK);
    metrics_free(m);
    m = metrics_new(3, 1);
    hash256 g = id(0x10), a = id(1);
    metrics_block_produced(metrics_node_of(m, 1), S(1.0), &a, &g, 1, &t, 1, 10);
    metrics_tx_submitted(metrics_node_of(m, 2), S(2.0), &t);
    hash256 ids[2] = {g, a};
    metrics_chain main_chain = {ids, 2}, chains[3] = {main_chain, main_chain, main_chain};
    ck_assert_int_eq(metrics_finish(m, err, sizeof err, chains, 3, &main_chain, S(3)),
                     METRICS_E_CHAIN);
    ck_assert_ptr_nonnull(strstr(err, "transaction " ID("81") " was included at 1.000000000 s"));
    /* Past the arrivals' merge (their records are freed): no second try. */
    ck_assert_int_eq(metrics_finish(m, err, sizeof err, chains, 3, &main_chain, S(3)),
                     METRICS_E_STATE);
    ck_assert_ptr_nonnull(strstr(err, "called again after its merge failed"));
    metrics_free(m);
}
END_TEST

START_TEST(write_failure_is_reported)
{
    const char *dir = testutil_tmpdir("metrics-writefail");
    char path[600], err[512];
    snprintf(path, sizeof path, "%s/blocks.csv", dir);
    ck_assert_int_eq(mkdir(path, 0755), 0); /* a directory where a file must go */
    snprintf(path, sizeof path, "%s/blocks.csv/x", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    metrics *m = build(0);
    ck_assert_int_eq(finish(m, err, sizeof err), METRICS_OK);
    ck_assert_int_eq(metrics_write(m, err, sizeof err, dir, NULL, 1), METRICS_E_WRITE);
    ck_assert_ptr_nonnull(strstr(err, "blocks.csv"));
    ck_assert_int_eq(metrics_write_run_info(err, sizeof err, dir, 1.5, 4), METRICS_OK);
    char *info = slurp(dir, "run_info.json");
    cJSON *j = cJSON_Parse(info);
    ck_assert_double_eq(cJSON_GetObjectItem(j, "threads")->valuedouble, 4);
    ck_assert_double_eq(cJSON_GetObjectItem(j, "wall_seconds")->valuedouble, 1.5);
    ck_assert_str_eq(cJSON_GetObjectItem(j, "chainsim_version")->valuestring, CHAINSIM_VERSION);
    ck_assert(cJSON_IsString(cJSON_GetObjectItem(j, "host")));
    cJSON_Delete(j);
    free(info);
    metrics_free(m);
}
END_TEST

/* attacks.csv: written only with an attack section, one row per call in
 * call order, empty cells for what does not apply; block ids by index. */
START_TEST(attacks_csv_rows)
{
    metrics *m = build(0);
    char err[256];
    ck_assert_int_eq(finish(m, err, sizeof err), METRICS_OK);
    ck_assert_uint_eq(metrics_n_blocks(m), 3);
    for (size_t i = 0; i < metrics_n_blocks(m); i++) {
        uint32_t producer;
        int main;
        metrics_block_fate(m, &producer, &main, i);
        ck_assert_int_eq(main, metrics_block_id(m, i)->b[0] != 2); /* blocks 01 and 03 */
    }
    const char *dir = testutil_tmpdir("metrics-no-attack");
    metrics_attack_row rows[] = {
        {"withhold", 2, S(1.5), S(3.25), 2, 2, 1, -1, "partly_stale"},
        {"withhold", 2, S(4), -1, 1, 0, 0, -1, "unreleased"},
        {"censor", 3, 0, S(5), 0, 4, 4, 17, "censored"},
    };
    for (size_t i = 0; i < 3; i++)
        ck_assert_int_eq(metrics_add_attack_row(m, &rows[i]), 0);
    /* rows but no attack section: no file */
    ck_assert_int_eq(metrics_write(m, err, sizeof err, dir, NULL, 1), METRICS_OK);
    char path[1024];
    snprintf(path, sizeof path, "%s/attacks.csv", dir);
    ck_assert_int_ne(access(path, F_OK), 0);
    metrics_set_attack(m, cJSON_CreateObject());
    dir = testutil_tmpdir("metrics-attack");
    ck_assert_int_eq(metrics_write(m, err, sizeof err, dir, NULL, 1), METRICS_OK);
    check_file(dir, "attacks.csv",
               "kind,node,start,end,blocks_withheld,blocks_published,blocks_main,txs_censored,"
               "outcome\n"
               "withhold,2,1.500000000,3.250000000,2,2,1,,partly_stale\n"
               "withhold,2,4.000000000,,1,0,0,,unreleased\n"
               "censor,3,0.000000000,5.000000000,0,4,4,17,censored\n");
    metrics_free(m);
}
END_TEST

/* Enough arrivals that the merge's in-place sort partitions (not only its
 * insertion sort for short runs): scrambled times, a repeat per node. */
START_TEST(many_arrivals_in_order)
{
    enum { N = 150 };
    metrics *m = metrics_new(N, 1);
    ck_assert_ptr_nonnull(m);
    static hash256 ids[3];
    ids[0] = id(0x10), ids[1] = id(1), ids[2] = id(2);
    metrics_block_produced(metrics_node_of(m, 1), S(1.0), &ids[1], &ids[0], 1, NULL, 0, 100);
    for (uint32_t k = 1; k <= N; k++) {
        metrics_node *mn = metrics_node_of(m, k);
        int64_t ta = S(1.0) + (int64_t)((k * 37) % 101) * 1000000;
        int64_t tb = S(2.0) + (int64_t)((k * 53) % 97) * 1000000;
        if (k != 1) {
            metrics_block_seen(mn, ta, &ids[1]);
            metrics_block_seen(mn, ta + S(0.5), &ids[1]); /* a repeat: the first stays */
        }
        if (k == 2) /* a node's records in its time order: after what it saw */
            metrics_block_produced(mn, S(2.0), &ids[2], &ids[1], 2, NULL, 0, 100);
        else
            metrics_block_seen(mn, k == 1 ? tb : tb > ta + S(0.5) ? tb : ta + S(0.5), &ids[2]);
    }
    metrics_chain main_chain = {ids, 3}, chains[N];
    for (int i = 0; i < N; i++)
        chains[i] = main_chain;
    char err[256];
    ck_assert_msg(metrics_finish(m, err, sizeof err, chains, N, &main_chain, S(10)) == METRICS_OK,
                  "%s", err);
    const char *dir = testutil_tmpdir("metrics-many");
    ck_assert_int_eq(metrics_write(m, err, sizeof err, dir, NULL, 1), METRICS_OK);
    char *csv = slurp(dir, "block_arrivals.csv");
    ck_assert_ptr_nonnull(strstr(csv, ID("01") ",10,1.067000000,0.067000000\n"));
    int rows = 0;
    double last_t = -1;
    unsigned last_node = 0, last_block = 0;
    for (char *line = strchr(csv, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
        char hex[65];
        unsigned node;
        double t;
        ck_assert_int_eq(sscanf(line, "%64[0-9a-f],%u,%lf", hex, &node, &t), 3);
        unsigned block = hex[63] == '1' ? 1 : 2; /* ids are byte-reversed in hex */
        ck_assert_msg(t > last_t || (t == last_t && (node > last_node ||
                                                     (node == last_node && block > last_block))),
                      "row %d out of order", rows + 1);
        last_t = t, last_node = node, last_block = block;
        rows++;
    }
    ck_assert_int_eq(rows, 2 * N);
    free(csv);
    metrics_free(m);
}
END_TEST

START_TEST(empty_run)
{
    metrics *m = metrics_new(2, 6);
    char err[256];
    metrics_chain g = {chain_ids, 1}, chains[2] = {g, g};
    ck_assert_int_eq(metrics_finish(m, err, sizeof err, chains, 2, &g, 0), METRICS_OK);
    cJSON *s = metrics_summary(m, NULL, 7);
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(s, "scenario")));
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "blocks"), "stale_rate")));
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(s, "propagation_s"), "reach_50pct"), "median")));
    ck_assert(
        cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(s, "reconvergence"), "max_delay_s")));
    cJSON_Delete(s);
    const char *dir = testutil_tmpdir("metrics-empty");
    ck_assert_int_eq(metrics_write(m, err, sizeof err, dir, NULL, 7), METRICS_OK);
    check_file(dir, "reorgs.csv", "time,node,old_tip,new_tip,depth,txs_reverted\n");
    metrics_free(m);
}
END_TEST

START_TEST(summary_load_and_headlines)
{
    const char *dir = write_run("metrics-load", 0);
    cJSON *s = NULL;
    char err[512], cell[64];
    ck_assert_int_eq(summary_load(&s, err, sizeof err, dir), 0);
    ck_assert_uint_eq(summary_n_headlines(), 16);
    ck_assert_str_eq(summary_headline_name(1), "stale_rate");
    ck_assert_str_eq(summary_headline_path(8), "reconvergence.max_delay_s");
    /* the attack figures follow, tabulated only for runs with an attack */
    ck_assert_str_eq(summary_headline_name(16), "attacker_revenue");
    ck_assert_str_eq(summary_headline_path(18), "attack.hash_share");
    /* then the BFT figures, tabulated only for BFT runs */
    ck_assert_str_eq(summary_headline_name(21), "finality_median_s");
    ck_assert_str_eq(summary_headline_path(24), "bft.time_halted_s");
    ck_assert_str_eq(summary_headline_name(25), "votes_sent");
    ck_assert_ptr_null(summary_headline_name(26));
    ck_assert_uint_eq(summary_n_figures(), 26);
    const cJSON *one[1] = {s};
    ck_assert_uint_eq(summary_n_headlines_of(one, 1), 16);
    ck_assert_int_eq(summary_headline_format(cell, sizeof cell, s, 23), 1); /* null */
    cJSON *bft = cJSON_Parse("{\"bft\": {\"finality_latency_s\": {\"median\": 0.15, \"p90\": "
                             "null}, \"rounds_per_height_mean\": 1.5, \"time_halted_s\": 12.25}}");
    const cJSON *sb[2] = {s, bft};
    size_t idx[26];
    ck_assert_uint_eq(summary_headlines_of(idx, sb, 2), 21); /* no attack figures */
    ck_assert_uint_eq(idx[15], 15);
    ck_assert_uint_eq(idx[16], 21);
    ck_assert_uint_eq(idx[20], 25);
    ck_assert_int_eq(summary_headline_format(cell, sizeof cell, bft, 21), 0);
    ck_assert_str_eq(cell, "0.15");
    ck_assert_int_eq(summary_headline_format(cell, sizeof cell, bft, 22), 1);
    ck_assert_int_eq(summary_headline_format(cell, sizeof cell, bft, 24), 0);
    ck_assert_str_eq(cell, "12.25");
    /* with a bft section, a missing BFT figure is malformed */
    ck_assert_int_eq(summary_headline_format(cell, sizeof cell, bft, 25), -1);
    cJSON_Delete(bft);
    ck_assert_int_eq(summary_headline_format(cell, sizeof cell, s, 16), 1); /* null */
    cJSON *att = cJSON_Parse("{\"attack\": {\"relative_revenue\": 0.4, \"hash_share\": null}}");
    const cJSON *two[2] = {s, att};
    ck_assert_uint_eq(summary_n_headlines_of(two, 2), 21); /* no BFT figures */
    ck_assert_int_eq(summary_headline_format(cell, sizeof cell, att, 16), 0);
    ck_assert_str_eq(cell, "0.4");
    ck_assert_int_eq(summary_headline_format(cell, sizeof cell, att, 18), 1);
    /* with an attack section, a missing attack figure is malformed */
    ck_assert_int_eq(summary_headline_format(cell, sizeof cell, att, 17), -1);
    cJSON_Delete(att);
    ck_assert_int_eq(summary_headline_format(cell, sizeof cell, s, 1), 0);
    ck_assert_str_eq(cell, "0.333333333");
    ck_assert_int_eq(summary_headline_format(cell, sizeof cell, s, 8), 0);
    ck_assert_str_eq(cell, "0.6");
    cJSON_Delete(s);
    /* Rejections name the file and what was wrong. */
    const char *bad = testutil_tmpdir("metrics-badsummary");
    ck_assert_int_eq(summary_load(&s, err, sizeof err, bad), -1);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(err, "summary.json: cannot open"));
    char path[600];
    snprintf(path, sizeof path, "%s/summary.json", bad);
    static const struct {
        const char *text, *needle;
    } cases[] = {
        {"{\"blocks\": ", "not valid JSON"},
        {"[1, 2]", "expected a JSON object"},
        {"{\"blocks\": {\"produced\": \"three\"}}", "blocks.produced: expected a number or null"},
        {"{}", "blocks.produced: expected a number or null"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(cases[i].text, f);
        fclose(f);
        ck_assert_int_eq(summary_load(&s, err, sizeof err, bad), -1);
        ck_assert_msg(strstr(err, cases[i].needle) && strstr(err, path), "case %zu: %s", i, err);
    }
    cJSON *n = cJSON_Parse("{\"blocks\": {\"stale_rate\": null}}");
    ck_assert_int_eq(summary_headline_format(cell, sizeof cell, n, 1), 1);
    ck_assert_str_eq(cell, "");
    ck_assert_int_eq(summary_headline_format(cell, sizeof cell, n, 0), -1);
    cJSON_Delete(n);
}
END_TEST

/* Times are printed exactly, seconds with 9 decimals, from the integer
 * nanoseconds (no floating point), negative delays included. */
START_TEST(seconds_printed_exactly)
{
    char buf[32];
    ck_assert_str_eq(metrics_fmt_seconds(buf, 0), "0.000000000");
    ck_assert_str_eq(metrics_fmt_seconds(buf, 1), "0.000000001");
    ck_assert_str_eq(metrics_fmt_seconds(buf, INT64_C(12000000250)), "12.000000250");
    ck_assert_str_eq(metrics_fmt_seconds(buf, INT64_C(-500000000)), "-0.500000000");
    ck_assert_str_eq(metrics_fmt_seconds(buf, INT64_MAX), "9223372036.854775807");
    ck_assert_str_eq(metrics_fmt_seconds(buf, INT64_MIN), "-9223372036.854775808");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("metrics");
    /* Check's default 4 s is too short under ThreadSanitizer on a loaded machine. */
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, csv_files_match_the_run);
    tcase_add_test(tc, summary_figures);
    tcase_add_test(tc, output_independent_of_interleaving);
    tcase_add_test(tc, percentile_nearest_rank);
    tcase_add_test(tc, seconds_printed_exactly);
    tcase_add_test(tc, rejects_arrival_before_production);
    tcase_add_test(tc, rejects_unknown_block);
    tcase_add_test(tc, rejects_duplicate_block);
    tcase_add_test(tc, rejects_time_going_backwards);
    tcase_add_test(tc, rejects_bad_main_chain);
    tcase_add_test(tc, rejects_bad_global_records);
    tcase_add_test(tc, rejects_tx_included_before_submission);
    tcase_add_test(tc, rejects_sample_height_past_32_bits);
    tcase_add_test(tc, write_failure_is_reported);
    tcase_add_test(tc, empty_run);
    tcase_add_test(tc, many_arrivals_in_order);
    tcase_add_test(tc, attacks_csv_rows);
    suite_add_tcase(s, tc);
    TCase *tr = tcase_create("readers");
    tcase_add_test(tr, summary_load_and_headlines);
    suite_add_tcase(s, tr);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
