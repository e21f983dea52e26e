/* metrics_bft: the per-height records of a BFT run and what is made of
 * them. A hand-built run of three nodes fed through the recorders checks
 * finality.csv byte for byte and the time halted against hand computation;
 * a real run of the binary (partition_bft made short) checks finality.csv
 * against the run's chain file, blocks.csv and summary.json. */
#include "metrics.h"
#include "metrics_impl.h"
#include "run_fixture.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S(x) ((int64_t)((x)*1e9 + 0.5)) /* seconds to ns */

static hash256 id(unsigned n)
{
    hash256 h;
    memset(&h, 0, sizeof h);
    h.b[0] = (uint8_t)n;
    return h;
}

static void produce(metrics *m, uint32_t node, double t, unsigned blk, unsigned parent,
                    uint64_t height)
{
    hash256 a = id(blk), p = id(parent), tx = id(0x80 + blk);
    metrics_block_produced(metrics_node_of(m, node), S(t), &a, &p, height, &tx, 1, 500);
}

static void rec(metrics *m, uint32_t node, uint64_t height, unsigned blk, double committed,
                double timeout, uint32_t rounds)
{
    metrics_bft_height h = {height, id(blk), committed < 0 ? -1 : S(committed),
                            timeout < 0 ? -1 : S(timeout), rounds};
    metrics_bft_record(metrics_node_of(m, node), &h);
}

/* Genesis 0x10; block 1 (height 1) proposed by node 1 at 1 s, block 2
 * (height 2) by node 2 at 10 s after round 0 failed; block 3 proposed by
 * node 3 at 9 s for height 2 is never committed. Node 3 takes height 1
 * from a peer and is still deciding height 2 at the end; node 1 is stuck
 * at height 3 from 15 s. */
static metrics *hand_run(void)
{
    metrics *m = metrics_new(3, 1);
    ck_assert_ptr_nonnull(m);
    produce(m, 1, 1.0, 1, 0x10, 1);
    produce(m, 3, 9.0, 3, 1, 2);
    produce(m, 2, 10.0, 2, 1, 2);
    /* recorded after the run, in any order */
    rec(m, 3, 2, 0, -1, 5.8, 0);
    rec(m, 1, 1, 1, 1.2, -1, 1);
    rec(m, 1, 2, 2, 10.3, 6.0, 2);
    rec(m, 1, 3, 0, -1, 15.0, 0);
    rec(m, 2, 1, 1, 1.3, -1, 1);
    rec(m, 2, 2, 2, 10.2, 5.5, 2);
    rec(m, 3, 1, 1, 2.0, -1, 0);
    hash256 full[3] = {id(0x10), id(1), id(2)}, part[2] = {id(0x10), id(1)};
    metrics_chain chains[3] = {{full, 3}, {full, 3}, {part, 2}};
    char err[256];
    ck_assert_int_eq(metrics_finish(m, err, sizeof err, chains, 3, &chains[0], S(20)), METRICS_OK);
    return m;
}

START_TEST(rows_and_time_halted)
{
    metrics *m = hand_run();
    ck_assert_uint_eq(m->n_finals, 2);
    const mfinal *f = &m->finals[0];
    ck_assert_uint_eq(f->height, 1);
    ck_assert_uint_eq(f->proposer, 1);
    ck_assert_int_eq(f->proposed_ns, S(1.0));
    ck_assert_int_eq(f->first_ns, S(1.2));
    ck_assert_int_eq(f->median_ns, S(1.3)); /* rank 2 of 3 */
    ck_assert_int_eq(f->last_ns, S(2.0));
    ck_assert_uint_eq(f->committed_by, 3);
    ck_assert_uint_eq(f->rounds, 1);
    f = &m->finals[1];
    ck_assert_uint_eq(f->height, 2);
    ck_assert_uint_eq(f->proposer, 2);
    ck_assert_int_eq(f->median_ns, S(10.2)); /* rank 1 of 2 */
    ck_assert_uint_eq(f->committed_by, 2);
    ck_assert_uint_eq(f->rounds, 2);
    /* height 2: from the first timeout (5.5, node 2) to the first commit
     * (10.2); height 3: from 15 to the end of the run (20). */
    ck_assert_int_eq(m->halted_ns, S(4.7) + S(5.0));

    cJSON *bft = cJSON_CreateObject();
    cJSON_AddNumberToObject(bft, "votes_sent", 12);
    metrics_set_bft(m, bft);
    const char *dir = testutil_tmpdir("metrics-bft");
    char err[512];
    ck_assert_int_eq(metrics_write(m, err, sizeof err, dir, NULL, 1), METRICS_OK);
    char path[600];
    snprintf(path, sizeof path, "%s/finality.csv", dir);
    size_t len;
    char *csv = rf_slurp(path, &len);
    ck_assert_ptr_nonnull(csv);
    ck_assert_str_eq(
        csv, "height,block,proposer,proposed,committed_first,committed_median,committed_last,"
             "committed_by,rounds,latency_first,latency_median\n"
             "1,0000000000000000000000000000000000000000000000000000000000000001,1,1.000000000,"
             "1.200000000,1.300000000,2.000000000,3,1,0.200000000,0.300000000\n"
             "2,0000000000000000000000000000000000000000000000000000000000000002,2,10.000000000,"
             "10.200000000,10.200000000,10.300000000,2,2,0.200000000,0.200000000\n");
    free(csv);
    cJSON *sum = metrics_summary(m, NULL, 1);
    const cJSON *b = cJSON_GetObjectItem(sum, "bft");
    ck_assert_double_eq(cJSON_GetObjectItem(b, "votes_sent")->valuedouble, 12);
    ck_assert_double_eq_tol(cJSON_GetObjectItem(b, "time_halted_s")->valuedouble, 9.7, 1e-9);
    const cJSON *lat = cJSON_GetObjectItem(b, "finality_latency_s");
    ck_assert_double_eq_tol(cJSON_GetObjectItem(lat, "median")->valuedouble, 0.2, 1e-9);
    ck_assert_double_eq_tol(cJSON_GetObjectItem(lat, "p90")->valuedouble, 0.3, 1e-9);
    ck_assert_double_eq(cJSON_GetObjectItem(lat, "count")->valuedouble, 2);
    cJSON_Delete(sum);
    metrics_free(m);
}
END_TEST

/* Two blocks committed at one height (a safety violation) are two rows;
 * a block not among the produced ones has no proposer and no latency; a
 * run without a "bft" section writes no finality.csv. */
START_TEST(conflicting_commits_and_unknown_block)
{
    metrics *m = metrics_new(2, 1);
    produce(m, 1, 1.0, 1, 0x10, 1);
    rec(m, 1, 1, 1, 1.5, -1, 1);
    rec(m, 2, 1, 7, 1.4, -1, 1);
    hash256 c1[2] = {id(0x10), id(1)}, c2[1] = {id(0x10)};
    metrics_chain chains[2] = {{c1, 2}, {c2, 1}};
    char err[512];
    ck_assert_int_eq(metrics_finish(m, err, sizeof err, chains, 2, &chains[0], S(5)), METRICS_OK);
    ck_assert_uint_eq(m->n_finals, 2);
    ck_assert_uint_eq(m->finals[0].proposer, 1);
    ck_assert_uint_eq(m->finals[1].proposer, 0);
    ck_assert_int_eq(m->finals[1].proposed_ns, METRICS_NONE);
    ck_assert_int_eq(m->halted_ns, 0);
    const char *dir = testutil_tmpdir("metrics-bft-none");
    ck_assert_int_eq(metrics_write(m, err, sizeof err, dir, NULL, 1), METRICS_OK);
    char path[600];
    snprintf(path, sizeof path, "%s/finality.csv", dir);
    ck_assert_int_ne(access(path, F_OK), 0);
    metrics_set_bft(m, cJSON_CreateObject());
    ck_assert_int_eq(metrics_write(m, err, sizeof err, dir, NULL, 1), METRICS_OK);
    size_t len;
    char *csv = rf_slurp(path, &len);
    ck_assert_ptr_nonnull(strstr(
        csv, "\n1,0000000000000000000000000000000000000000000000000000000000000007,,,1.400000000,"
             "1.400000000,1.400000000,1,1,,\n"));
    free(csv);
    metrics_free(m);
}
END_TEST

/* Seconds with 9 decimals to ns, exactly. */
static int64_t ns_of(const char *s)
{
    int64_t whole = 0, frac = 0;
    int digits = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++)
        whole = whole * 10 + (*p - '0');
    ck_assert_msg(*p == '.', "not seconds with decimals: '%s'", s);
    for (p++; *p >= '0' && *p <= '9'; p++, digits++)
        frac = frac * 10 + (*p - '0');
    ck_assert_int_eq(digits, 9);
    return whole * 1000000000 + frac;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* partition_bft made short: the 7 / 3 split from 10 s to 20 s, the even
 * split from 30 s to 45 s, 60 s in all. */
START_TEST(real_run)
{
    char out[1024];
    snprintf(out, sizeof out, "%s/out", testutil_tmpdir("metrics-bft-run"));
    rf_run(out, "scenarios/partition_bft.json", "--threads", "2", "--set", "duration=60s", "--set",
           "events[0].at=10s", "--set", "events[1].at=20s", "--set", "events[2].at=30s", "--set",
           "events[3].at=45s", NULL);
    rf_csv *fin = rf_csv_load(out, "finality.csv");
    rf_csv *blocks = rf_csv_load(out, "blocks.csv");
    cJSON *summary = rf_json(out, "summary.json");
    cJSON *chain = rf_json(out, "node1_chain.json");
    const cJSON *cblocks = cJSON_GetObjectItem(chain, "blocks");
    size_t h_main = (size_t)rf_json_num(summary, "blocks.main_chain_height");
    /* One row per height of the main chain, in order, holding its block. */
    ck_assert_uint_eq(fin->n_rows, h_main);
    ck_assert_uint_ge(h_main, 20);
    size_t c_h = rf_col(fin, "height"), c_b = rf_col(fin, "block"), c_p = rf_col(fin, "proposer");
    size_t c_pt = rf_col(fin, "proposed"), c_f = rf_col(fin, "committed_first");
    size_t c_m = rf_col(fin, "committed_median"), c_l = rf_col(fin, "committed_last");
    size_t c_by = rf_col(fin, "committed_by"), c_r = rf_col(fin, "rounds");
    size_t c_lf = rf_col(fin, "latency_first"), c_lm = rf_col(fin, "latency_median");
    size_t b_id = rf_col(blocks, "id"), b_p = rf_col(blocks, "producer");
    size_t b_t = rf_col(blocks, "time_produced");
    int64_t *lat = calloc(fin->n_rows, sizeof *lat);
    unsigned max_rounds = 0;
    for (size_t r = 0; r < fin->n_rows; r++) {
        ck_assert_uint_eq((size_t)rf_num(fin, r, c_h), r + 1);
        const cJSON *cb = cJSON_GetArrayItem(cblocks, (int)r + 1);
        const char *cid = cJSON_GetObjectItem(cb, "id")->valuestring;
        ck_assert_str_eq(rf_cell(fin, r, c_b), cid);
        size_t k = 0;
        while (k < blocks->n_rows && strcmp(rf_cell(blocks, k, b_id), cid) != 0)
            k++;
        ck_assert_msg(k < blocks->n_rows, "height %zu: block %s not in blocks.csv", r + 1, cid);
        ck_assert_str_eq(rf_cell(fin, r, c_p), rf_cell(blocks, k, b_p));
        ck_assert_str_eq(rf_cell(fin, r, c_pt), rf_cell(blocks, k, b_t));
        int64_t pt = ns_of(rf_cell(fin, r, c_pt)), f = ns_of(rf_cell(fin, r, c_f));
        int64_t md = ns_of(rf_cell(fin, r, c_m)), l = ns_of(rf_cell(fin, r, c_l));
        ck_assert(pt < f && f <= md && md <= l);
        ck_assert_int_eq(ns_of(rf_cell(fin, r, c_lf)), f - pt);
        ck_assert_int_eq(ns_of(rf_cell(fin, r, c_lm)), md - pt);
        /* every node took every height but the last few, at the end */
        if (r + 3 < fin->n_rows)
            ck_assert_int_eq((int)rf_num(fin, r, c_by), 10);
        unsigned rounds = (unsigned)rf_num(fin, r, c_r);
        ck_assert_uint_ge(rounds, 1);
        if (rounds > max_rounds)
            max_rounds = rounds;
        lat[r] = md - pt;
    }
    ck_assert_uint_le(max_rounds, (unsigned)rf_json_num(summary, "bft.rounds_per_height_max"));
    /* summary.json's finality_latency_s is over these rows' latency_median. */
    qsort(lat, fin->n_rows, sizeof *lat, cmp_i64);
    ck_assert_double_eq(rf_json_num(summary, "bft.finality_latency_s.count"), (double)fin->n_rows);
    ck_assert_double_eq_tol(rf_json_num(summary, "bft.finality_latency_s.median"),
                            (double)lat[(fin->n_rows + 1) / 2 - 1] / 1e9, 1e-9);
    /* Nobody commits in the even split (30 s to 45 s): the halt starts at
     * the propose timeout (3 s) of the height started before 31.2 s and
     * ends with the first commit soon after the heal. */
    double halted = rf_json_num(summary, "bft.time_halted_s");
    ck_assert_msg(halted >= 45.0 - 31.2 - 3.0 && halted <= 15.0 + 5.0, "time halted %g", halted);
    free(lat);
    cJSON_Delete(chain);
    cJSON_Delete(summary);
    rf_csv_free(blocks);
    rf_csv_free(fin);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("metrics_bft");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, rows_and_time_halted);
    tcase_add_test(tc, conflicting_commits_and_unknown_block);
    tcase_add_test(tc, real_run);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
