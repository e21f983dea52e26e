/* Every shipped scenario (each .json file in scenarios/) runs with the real binary, every
 * chain file it writes passes `chainsim verify`, and its metrics files agree
 * with each other and with the chain files (data_blockchain/README.md):
 * blocks.csv lists every block of every chain file, main + stale = produced,
 * no block arrives before it was produced, a partition shows as different
 * tips per group in timeline.csv, and transactions.csv statuses match the
 * main chain. Scenarios too costly under the sanitizers are shortened with
 * --set (table below); the others run as shipped, events included. */
#include "run_fixture.h"

#include <math.h>

#define MAX_SCENARIOS 32

static char scenario_names[MAX_SCENARIOS][256];
static int n_scenarios;

/* Extra arguments per scenario: only what makes a run cheap under ASan. */
struct shortening {
    const char *name;
    const char *args[12];
};

static const struct shortening shortenings[] = {
    /* 1000 nodes: 30 virtual seconds, 10 kH/s in all (blocks every ~5 s),
     * a few worker threads instead of 1000. */
    {"large_1000.json",
     {"--threads", "2", "--set", "duration=30s", "--set", "nodes.hashrate=10", "--set",
      "consensus.pow.expected_hashes_per_block=50000", "--set", "workload.rate=1/s", NULL}},
    /* 10000 nodes: 5 virtual seconds, a block a second, 20 wallets (the
     * per-node UTXO set is what a node holds), two worker threads. */
    {"large_10000.json",
     {"--threads", "2", "--set", "duration=5s", "--set", "nodes.hashrate=1", "--set",
      "consensus.pow.expected_hashes_per_block=10000", "--set", "workload.wallets=20", NULL}},
    /* The attacks are measured over thousands of blocks; a few hundred
     * show the same files (their figures are checked by their own tests). */
    {"selfish_mining.json", {"--set", "duration=4h", NULL}},
    {"double_spend_attack.json", {"--set", "duration=8h", NULL}},
};

static int cmp_names(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void list_scenarios(void)
{
    const char *dir = getenv("CHAINSIM_SOURCE_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/scenarios", dir ? dir : ".");
    DIR *d = opendir(path);
    if (d == NULL)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL && n_scenarios < MAX_SCENARIOS;) {
        size_t len = strlen(e->d_name);
        if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0 && len < 256)
            snprintf(scenario_names[n_scenarios++], 256, "%s", e->d_name);
    }
    closedir(d);
    qsort(scenario_names, (size_t)n_scenarios, sizeof scenario_names[0], cmp_names);
}

static int near(double a, double b)
{
    return fabs(a - b) < 2e-9 * (1 + fabs(a) + fabs(b));
}

/* blocks.csv against summary.json and nodes.csv: counts, and the main chain is
 * one chain of heights 1..H. */
static void check_block_counts(const char *dir, const cJSON *summary, const rf_csv *blocks)
{
    size_t c_main = rf_col(blocks, "main_chain"), c_prod = rf_col(blocks, "producer");
    size_t c_height = rf_col(blocks, "height"), c_parent = rf_col(blocks, "parent");
    size_t c_id = rf_col(blocks, "id");
    double produced = rf_json_num(summary, "blocks.produced");
    double main = rf_json_num(summary, "blocks.main"), stale = rf_json_num(summary, "blocks.stale");
    size_t rows_main = 0;
    for (size_t r = 0; r < blocks->n_rows; r++)
        rows_main += strcmp(rf_cell(blocks, r, c_main), "1") == 0;
    ck_assert_msg(main + stale == produced, "%s: main %g + stale %g != produced %g", dir, main,
                  stale, produced);
    ck_assert_msg((double)blocks->n_rows == produced, "%s: blocks.csv has %zu rows, produced %g",
                  dir, blocks->n_rows, produced);
    ck_assert_msg((double)rows_main == main, "%s: %zu main rows, summary says %g", dir, rows_main,
                  main);
    ck_assert_msg(produced > 0, "%s: no blocks at all", dir);

    /* The main blocks: exactly one per height 1..H, each on the previous one. */
    double height = rf_json_num(summary, "blocks.main_chain_height");
    ck_assert_msg((double)rows_main == height, "%s: %zu main blocks for main height %g", dir,
                  rows_main, height);
    const char **at = calloc(rows_main + 2, sizeof *at),
               **parent = calloc(rows_main + 2, sizeof *at);
    ck_assert(at && parent);
    for (size_t r = 0; r < blocks->n_rows; r++) {
        if (strcmp(rf_cell(blocks, r, c_main), "1") != 0)
            continue;
        double h = rf_num(blocks, r, c_height);
        ck_assert_msg(h >= 1 && h <= height && at[(size_t)h] == NULL,
                      "%s: main block %s at height %g (twice, or out of 1..%g)", dir,
                      rf_cell(blocks, r, c_id), h, height);
        at[(size_t)h] = rf_cell(blocks, r, c_id);
        parent[(size_t)h] = rf_cell(blocks, r, c_parent);
    }
    for (size_t h = 2; h <= rows_main; h++)
        ck_assert_msg(strcmp(parent[h], at[h - 1]) == 0,
                      "%s: main block at height %zu is not on %s", dir, h, at[h - 1]);
    free(at);
    free(parent);

    /* nodes.csv: main + stale = produced per node, and the producer counts. */
    rf_csv *nodes = rf_csv_load(dir, "nodes.csv");
    size_t n_p = rf_col(nodes, "blocks_produced"), n_m = rf_col(nodes, "blocks_main"),
           n_s = rf_col(nodes, "blocks_stale");
    ck_assert_uint_eq(nodes->n_rows, (size_t)rf_json_num(summary, "nodes"));
    for (size_t r = 0; r < nodes->n_rows; r++) {
        double p = rf_num(nodes, r, n_p), m = rf_num(nodes, r, n_m), s = rf_num(nodes, r, n_s);
        ck_assert_msg(m + s == p, "%s: node %zu main %g + stale %g != produced %g", dir, r + 1, m,
                      s, p);
        size_t mine = 0, mine_main = 0;
        for (size_t b = 0; b < blocks->n_rows; b++)
            if ((size_t)rf_num(blocks, b, c_prod) == r + 1) {
                mine++;
                mine_main += strcmp(rf_cell(blocks, b, c_main), "1") == 0;
            }
        ck_assert_msg((double)mine == p && (double)mine_main == m,
                      "%s: node %zu: blocks.csv has %zu (%zu main), nodes.csv %g (%g)", dir, r + 1,
                      mine, mine_main, p, m);
    }
    rf_csv_free(nodes);
}

/* block_arrivals.csv: each (block, node) once, never before production, the
 * producer at delay 0, and as many arrivals as blocks.csv's seen_by. */
static void check_arrivals(const char *dir, const rf_csv *blocks, const rf_set *by_id)
{
    rf_csv *arr = rf_csv_load(dir, "block_arrivals.csv");
    size_t a_b = rf_col(arr, "block"), a_n = rf_col(arr, "node"),
           a_t = rf_col(arr, "time_first_seen"), a_d = rf_col(arr, "delay");
    size_t b_t = rf_col(blocks, "time_produced"), b_p = rf_col(blocks, "producer"),
           b_seen = rf_col(blocks, "seen_by");
    size_t *seen = calloc(blocks->n_rows + 1, sizeof *seen);
    int *producer_seen = calloc(blocks->n_rows + 1, sizeof *producer_seen);
    ck_assert(seen && producer_seen);
    /* (block, node) pairs are unique: sort "block,node" strings. */
    char **pairs = malloc((arr->n_rows + 1) * sizeof *pairs);
    ck_assert_ptr_nonnull(pairs);
    for (size_t r = 0; r < arr->n_rows; r++) {
        size_t b = rf_find(by_id, rf_cell(arr, r, a_b));
        ck_assert_msg(b != (size_t)-1, "%s: block_arrivals.csv row %zu: block %s not in blocks.csv",
                      dir, r + 1, rf_cell(arr, r, a_b));
        double t = rf_num(arr, r, a_t), prod = rf_num(blocks, b, b_t), d = rf_num(arr, r, a_d);
        ck_assert_msg(t >= prod, "%s: block %s reached node %s at %.9f, produced at %.9f", dir,
                      rf_cell(arr, r, a_b), rf_cell(arr, r, a_n), t, prod);
        ck_assert_msg(near(d, t - prod), "%s: arrival row %zu: delay %.9f != %.9f - %.9f", dir,
                      r + 1, d, t, prod);
        if (strcmp(rf_cell(arr, r, a_n), rf_cell(blocks, b, b_p)) == 0) {
            ck_assert_msg(d == 0, "%s: producer's own arrival of %s has delay %.9f", dir,
                          rf_cell(arr, r, a_b), d);
            producer_seen[b] = 1;
        }
        seen[b]++;
        size_t len = strlen(rf_cell(arr, r, a_b)) + strlen(rf_cell(arr, r, a_n)) + 2;
        pairs[r] = malloc(len);
        ck_assert_ptr_nonnull(pairs[r]);
        snprintf(pairs[r], len, "%s,%s", rf_cell(arr, r, a_b), rf_cell(arr, r, a_n));
    }
    qsort(pairs, arr->n_rows, sizeof *pairs, rf_str_cmp);
    for (size_t r = 1; r < arr->n_rows; r++)
        ck_assert_msg(strcmp(pairs[r - 1], pairs[r]) != 0, "%s: arrival %s listed twice", dir,
                      pairs[r]);
    for (size_t r = 0; r < arr->n_rows; r++)
        free(pairs[r]);
    free(pairs);
    for (size_t b = 0; b < blocks->n_rows; b++) {
        ck_assert_msg(producer_seen[b], "%s: no arrival row for the producer of %s", dir,
                      rf_cell(blocks, b, rf_col(blocks, "id")));
        ck_assert_msg(
            (double)seen[b] == rf_num(blocks, b, b_seen), "%s: block %s: %zu arrivals, seen_by %s",
            dir, rf_cell(blocks, b, rf_col(blocks, "id")), seen[b], rf_cell(blocks, b, b_seen));
    }
    free(seen);
    free(producer_seen);
    rf_csv_free(arr);
}

/* Every block of every chain file is in blocks.csv with the same height and
 * parent; the main chain is the active chain of some node. Returns that node's
 * chain file (caller deletes), to check transactions against. */
static cJSON *check_chain_files(const char *dir, size_t nodes, const rf_csv *blocks,
                                const rf_set *by_id, const char *main_tip)
{
    size_t c_h = rf_col(blocks, "height"), c_par = rf_col(blocks, "parent");
    cJSON *main_file = NULL;
    for (size_t k = 1; k <= nodes; k++) {
        char name[64];
        snprintf(name, sizeof name, "node%zu_chain.json", k);
        cJSON *chain = rf_json(dir, name);
        const cJSON *list = cJSON_GetObjectItemCaseSensitive(chain, "blocks");
        ck_assert(cJSON_IsArray(list));
        const cJSON *blk;
        cJSON_ArrayForEach(blk, list)
        {
            double h = cJSON_GetObjectItemCaseSensitive(blk, "height")->valuedouble;
            const char *id = cJSON_GetObjectItemCaseSensitive(blk, "id")->valuestring;
            const char *prev = cJSON_GetObjectItemCaseSensitive(blk, "prev")->valuestring;
            if (h == 0)
                continue;
            size_t r = rf_find(by_id, id);
            ck_assert_msg(r != (size_t)-1, "%s/%s: block %s (height %g) not in blocks.csv", dir,
                          name, id, h);
            ck_assert_msg(rf_num(blocks, r, c_h) == h &&
                              strcmp(rf_cell(blocks, r, c_par), prev) == 0,
                          "%s/%s: block %s: height/parent differ from blocks.csv", dir, name, id);
        }
        const cJSON *tip = cJSON_GetObjectItemCaseSensitive(chain, "tip");
        if (main_file == NULL && main_tip && strcmp(tip->valuestring, main_tip) == 0)
            main_file = chain;
        else
            cJSON_Delete(chain);
    }
    ck_assert_msg(main_file != NULL || main_tip == NULL,
                  "%s: no chain file ends on the main tip %s", dir, main_tip);
    return main_file;
}

/* timeline.csv shows each partition of partitions.csv: groups set inside it,
 * 0 outside, and at some sample inside two groups have different tips
 * (not under BFT: a split without 2/3 of the power on any side halts every
 * node at one tip, as it should). */
static void check_partitions(const char *dir, int bft)
{
    rf_csv *parts = rf_csv_load(dir, "partitions.csv");
    rf_csv *tl = rf_csv_load(dir, "timeline.csv");
    size_t t_time = rf_col(tl, "time"), t_tip = rf_col(tl, "tip"),
           t_grp = rf_col(tl, "partition_group");
    size_t p_s = rf_col(parts, "start"), p_e = rf_col(parts, "end");
    for (size_t r = 0; r < tl->n_rows; r++) {
        double t = rf_num(tl, r, t_time);
        int inside = 0;
        for (size_t p = 0; p < parts->n_rows; p++)
            inside |= t >= rf_num(parts, p, p_s) && t < rf_num(parts, p, p_e);
        ck_assert_msg(inside == (rf_num(tl, r, t_grp) != 0),
                      "%s: timeline row %zu (t=%.3f): partition_group %s %s a partition", dir,
                      r + 1, t, rf_cell(tl, r, t_grp), inside ? "inside" : "outside");
    }
    for (size_t p = 0; p < parts->n_rows && !bft; p++) {
        double s = rf_num(parts, p, p_s), e = rf_num(parts, p, p_e);
        int differ = 0;
        for (size_t r = 0; r < tl->n_rows && !differ; r++) {
            if (rf_num(tl, r, t_time) < s || rf_num(tl, r, t_time) >= e)
                continue;
            for (size_t q = r + 1; q < tl->n_rows && rf_num(tl, q, t_time) == rf_num(tl, r, t_time);
                 q++)
                differ |= strcmp(rf_cell(tl, q, t_grp), rf_cell(tl, r, t_grp)) != 0 &&
                          strcmp(rf_cell(tl, q, t_tip), rf_cell(tl, r, t_tip)) != 0;
        }
        ck_assert_msg(differ, "%s: partition %.3f..%.3f: no sample where two groups differ", dir, s,
                      e);
    }
    rf_csv_free(parts);
    rf_csv_free(tl);
}

/* transactions.csv against the main chain (main_file and blocks.csv). */
static void check_transactions(const char *dir, const cJSON *summary, const rf_csv *blocks,
                               const rf_set *by_id, const cJSON *main_file)
{
    rf_csv *txs = rf_csv_load(dir, "transactions.csv");
    size_t x_id = rf_col(txs, "txid"), x_sub = rf_col(txs, "submitted"),
           x_first = rf_col(txs, "first_included"), x_blk = rf_col(txs, "block"),
           x_conf = rf_col(txs, "confirmed"), x_lat = rf_col(txs, "latency"),
           x_st = rf_col(txs, "status");
    size_t b_h = rf_col(blocks, "height"), b_main = rf_col(blocks, "main_chain"),
           b_t = rf_col(blocks, "time_produced");
    double k = rf_json_num(summary, "confirm_depth");
    double top = rf_json_num(summary, "blocks.main_chain_height");
    rf_set by_txid = rf_index(txs, x_id);
    /* Main-chain time by height, from blocks.csv. */
    double *main_time = calloc((size_t)top + 2, sizeof *main_time);
    ck_assert_ptr_nonnull(main_time);
    for (size_t r = 0; r < blocks->n_rows; r++)
        if (strcmp(rf_cell(blocks, r, b_main), "1") == 0)
            main_time[(size_t)rf_num(blocks, r, b_h)] = rf_num(blocks, r, b_t);

    /* Every transaction of the main chain is listed, with its block. */
    size_t in_main = 0;
    const cJSON *blk;
    cJSON_ArrayForEach(blk, cJSON_GetObjectItemCaseSensitive(main_file, "blocks"))
    {
        const char *bid = cJSON_GetObjectItemCaseSensitive(blk, "id")->valuestring;
        const cJSON *t;
        int first = 1;
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(blk, "txs"))
        {
            if (first || cJSON_GetObjectItemCaseSensitive(blk, "height")->valuedouble == 0) {
                first = 0; /* the coinbase, and genesis' allocations */
                continue;
            }
            const char *txid = cJSON_GetObjectItemCaseSensitive(t, "txid")->valuestring;
            size_t r = rf_find(&by_txid, txid);
            ck_assert_msg(r != (size_t)-1, "%s: main-chain tx %s not in transactions.csv", dir,
                          txid);
            ck_assert_msg(strcmp(rf_cell(txs, r, x_blk), bid) == 0,
                          "%s: tx %s is in main block %s, transactions.csv says block '%s'", dir,
                          txid, bid, rf_cell(txs, r, x_blk));
            in_main++;
        }
    }

    size_t with_block = 0, counts[4] = {0};
    static const char *const statuses[4] = {"confirmed", "pending", "dropped_double_spend",
                                            "reverted"};
    for (size_t r = 0; r < txs->n_rows; r++) {
        const char *st = rf_cell(txs, r, x_st), *bid = rf_cell(txs, r, x_blk);
        const char *txid = rf_cell(txs, r, x_id);
        size_t which = 4;
        for (size_t s = 0; s < 4; s++)
            if (strcmp(st, statuses[s]) == 0)
                which = s;
        ck_assert_msg(which < 4, "%s: tx %s: unknown status '%s'", dir, txid, st);
        counts[which]++;
        double sub = rf_num(txs, r, x_sub);
        if (*rf_cell(txs, r, x_first))
            ck_assert_msg(rf_num(txs, r, x_first) >= sub, "%s: tx %s included before submitted",
                          dir, txid);
        if (*bid) {
            with_block++;
            size_t b = rf_find(by_id, bid);
            ck_assert_msg(b != (size_t)-1 && strcmp(rf_cell(blocks, b, b_main), "1") == 0,
                          "%s: tx %s: block %s is not a main-chain block", dir, txid, bid);
            double h = rf_num(blocks, b, b_h), depth = top - h + 1;
            ck_assert_msg(*rf_cell(txs, r, x_first) &&
                              rf_num(txs, r, x_first) <= rf_num(blocks, b, b_t),
                          "%s: tx %s: first_included after its main block", dir, txid);
            if (which == 0) {
                ck_assert_msg(depth >= k, "%s: tx %s confirmed at depth %g < %g", dir, txid, depth,
                              k);
                double want = main_time[(size_t)(h + k - 1)];
                ck_assert_msg(rf_num(txs, r, x_conf) == want,
                              "%s: tx %s confirmed at %s, block h+k-1 produced at %.9f", dir, txid,
                              rf_cell(txs, r, x_conf), want);
                ck_assert_msg(near(rf_num(txs, r, x_lat), want - sub), "%s: tx %s latency", dir,
                              txid);
            } else {
                ck_assert_msg(which == 1 && depth < k,
                              "%s: tx %s in main block %s at depth %g has status %s", dir, txid,
                              bid, depth, st);
            }
        } else {
            ck_assert_msg(which != 0, "%s: tx %s confirmed without a block", dir, txid);
            ck_assert_msg(which != 3 || *rf_cell(txs, r, x_first),
                          "%s: tx %s reverted but never included", dir, txid);
        }
        if (which != 0)
            ck_assert_msg(*rf_cell(txs, r, x_conf) == '\0', "%s: tx %s %s has a confirmed time",
                          dir, txid, st);
    }
    ck_assert_uint_eq(with_block, in_main);
    ck_assert_msg((double)counts[0] == rf_json_num(summary, "transactions.confirmed") &&
                      (double)counts[1] == rf_json_num(summary, "transactions.pending") &&
                      (double)counts[2] ==
                          rf_json_num(summary, "transactions.dropped_double_spend") &&
                      (double)counts[3] == rf_json_num(summary, "transactions.reverted") &&
                      (double)txs->n_rows == rf_json_num(summary, "transactions.submitted"),
                  "%s: transaction counts differ from summary.json", dir);
    free(main_time);
    rf_set_free(&by_txid);
    rf_csv_free(txs);
}

/* The main tip: the main-chain block of greatest height in blocks.csv. */
static const char *main_tip_of(const rf_csv *blocks)
{
    size_t c_main = rf_col(blocks, "main_chain"), c_h = rf_col(blocks, "height");
    const char *tip = NULL;
    double best = -1;
    for (size_t r = 0; r < blocks->n_rows; r++)
        if (strcmp(rf_cell(blocks, r, c_main), "1") == 0 && rf_num(blocks, r, c_h) > best) {
            best = rf_num(blocks, r, c_h);
            tip = rf_cell(blocks, r, rf_col(blocks, "id"));
        }
    return tip;
}

START_TEST(shipped_scenario)
{
    ck_assert_int_lt(_i, n_scenarios);
    const char *name = scenario_names[_i];
    char rel[300], tag[300];
    snprintf(rel, sizeof rel, "scenarios/%s", name);
    snprintf(tag, sizeof tag, "shipped-%.*s", (int)(strlen(name) - 5), name);
    const char *dir = testutil_tmpdir(tag);
    char out[1024];
    snprintf(out, sizeof out, "%s/out", dir);
    const char *const *extra = (const char *const[]){NULL};
    for (size_t s = 0; s < sizeof shortenings / sizeof shortenings[0]; s++)
        if (strcmp(shortenings[s].name, name) == 0)
            extra = shortenings[s].args;
    const char *a[13] = {NULL};
    for (size_t i = 0; i < 12 && extra[i]; i++)
        a[i] = extra[i];
    rf_run(out, rel, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11],
           NULL);

    cJSON *summary = rf_json(out, "summary.json");
    size_t nodes = (size_t)rf_json_num(summary, "nodes");
    rf_verify_chains(out, nodes);

    rf_csv *blocks = rf_csv_load(out, "blocks.csv");
    rf_set by_id = rf_index(blocks, rf_col(blocks, "id"));
    check_block_counts(out, summary, blocks);
    check_arrivals(out, blocks, &by_id);
    cJSON *main_file = check_chain_files(out, nodes, blocks, &by_id, main_tip_of(blocks));
    ck_assert_msg(main_file != NULL, "%s: no main chain", out);
    check_transactions(out, summary, blocks, &by_id, main_file);
    const cJSON *type = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(summary, "scenario"), "consensus"), "type");
    check_partitions(out, cJSON_IsString(type) && strcmp(type->valuestring, "bft") == 0);
    cJSON_Delete(main_file);
    rf_set_free(&by_id);
    rf_csv_free(blocks);
    cJSON_Delete(summary);
}
END_TEST

START_TEST(all_scenarios_found)
{
    /* Guards the loop above against an empty or unreadable scenarios/ folder. */
    ck_assert_int_ge(n_scenarios, 9);
}
END_TEST

static Suite *suite(void)
{
    list_scenarios();
    Suite *s = suite_create("scenarios_shipped");
    TCase *tc = tcase_create("shipped");
    tcase_set_timeout(tc, 900);
    tcase_add_test(tc, all_scenarios_found);
    tcase_add_loop_test(tc, shipped_scenario, 0, n_scenarios);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
