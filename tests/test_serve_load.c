/* The loader of `chainsim serve` on the output of real runs: a run that
 * ends split in two partitions (two distinct chains, each hard-linked for
 * its two nodes, sharing their first blocks) is read one file per chain and
 * one record per distinct block; the snapshot's tips, producers (against
 * blocks.csv), header times, transactions (against transactions.csv) and
 * wallet balances are the run's. Copies instead of hard links give the same
 * snapshot from the same distinct blocks. Nodes without a file show no
 * chain. Every refusal (no folder, no or a bad summary.json, a chain file
 * with a number out of range, a broken link, another run's file, a folder
 * in a file's place) is status 2 with a message naming the file. */
#include "run_fixture.h"
#include "serve_load.h"

#include <math.h>
#include <sys/stat.h>

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
    ck_assert_int_eq(fclose(f), 0);
}

/* Copies src to dst as a new file (never a link). */
static void copy_file(const char *src, const char *dst)
{
    size_t len;
    char *text = rf_slurp(src, &len);
    ck_assert_ptr_nonnull(text);
    unlink(dst);
    write_text(dst, text);
    free(text);
}

/* The run folder of the partitioned run, made by the first test that asks
 * (tests run in child processes: it is found on disk by the others), beside
 * the scratch folders so that testutil_tmpdir never empties it. */
static const char *partitioned_run(void)
{
    static char dir[1024];
    struct stat sb;
    snprintf(dir, sizeof dir, "%s", testutil_tmpdir("probe"));
    char *slash = strrchr(dir, '/');
    ck_assert_ptr_nonnull(slash);
    snprintf(slash, sizeof dir - (size_t)(slash - dir), "/partitioned-run");
    char summary[1100];
    snprintf(summary, sizeof summary, "%s/summary.json", dir);
    if (stat(summary, &sb) != 0)
        rf_run(dir, NULL, "--set", "duration=150s", "--set",
               "events=[{\"at\":\"1m\",\"type\":\"partition\",\"groups\":[[1,2],[3,4]]}]", NULL);
    return dir;
}

static cJSON *load_ok(serve_load_stats *st, const char *dir)
{
    char err[1200];
    cJSON *doc = NULL;
    int rc = serve_load(&doc, st, err, sizeof err, dir);
    ck_assert_msg(rc == 0, "serve_load %s: %d: %s", dir, rc, err);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

static const cJSON *get(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    ck_assert_msg(v != NULL, "no %s", key);
    return v;
}

/* The top-level "height" of a chain file. */
static long file_height(const char *dir, int node)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/node%d_chain.json", dir, node);
    cJSON *j = rf_json(dir, path + strlen(dir) + 1);
    long h = (long)rf_json_num(j, "height");
    cJSON_Delete(j);
    return h;
}

START_TEST(one_parse_per_file_one_record_per_block)
{
    const char *dir = partitioned_run();
    serve_load_stats st;
    cJSON *doc = load_ok(&st, dir);
    long h1 = file_height(dir, 1), h3 = file_height(dir, 3);
    ck_assert_uint_eq(st.nodes, 4);
    ck_assert_uint_eq(st.chain_files, 4);
    ck_assert_uint_eq(st.files_parsed, 2);
    ck_assert_uint_eq(st.blocks_read, (size_t)(h1 + 1 + h3 + 1));
    ck_assert_uint_lt(st.blocks_distinct, st.blocks_read); /* the shared prefix once */
    ck_assert_uint_gt(st.blocks_distinct, (size_t)(h1 > h3 ? h1 : h3) + 1);

    /* Every distinct block is listed (fewer than 100 heights), genesis
     * without a producer, the others with blocks.csv's producer. */
    const cJSON *blocks = get(get(doc, "blocks"), "blocks"), *b;
    ck_assert_int_eq(cJSON_GetArraySize(blocks), (int)st.blocks_distinct);
    rf_csv *csv = rf_csv_load(dir, "blocks.csv");
    rf_set ids = rf_index(csv, rf_col(csv, "id"));
    size_t producer_col = rf_col(csv, "producer");
    cJSON_ArrayForEach(b, blocks)
    {
        const char *id = get(b, "id")->valuestring;
        if (cJSON_IsNull(get(b, "parent"))) {
            ck_assert(cJSON_IsNull(get(b, "producer")));
            ck_assert_int_eq((int)get(b, "height")->valuedouble, 0);
            continue;
        }
        size_t row = rf_find(&ids, id);
        ck_assert_msg(row != SIZE_MAX, "block %s not in blocks.csv", id);
        ck_assert_msg(get(b, "producer")->valuedouble == rf_num(csv, row, producer_col),
                      "block %s: producer %g, blocks.csv %s", id, get(b, "producer")->valuedouble,
                      rf_cell(csv, row, producer_col));
        ck_assert(get(b, "time_ns")->valuedouble > 0);
    }
    rf_set_free(&ids);
    rf_csv_free(csv);

    /* The best chain's transactions: each confirmed one in the block
     * transactions.csv names, with a wallet as its sender. */
    const cJSON *txs = get(get(doc, "transactions"), "transactions"), *t;
    ck_assert_int_gt(cJSON_GetArraySize(txs), 5);
    rf_csv *tcsv = rf_csv_load(dir, "transactions.csv");
    rf_set txids = rf_index(tcsv, rf_col(tcsv, "txid"));
    size_t block_col = rf_col(tcsv, "block");
    const cJSON *wallets = get(get(doc, "wallets"), "wallets");
    cJSON_ArrayForEach(t, txs)
    {
        const char *id = get(t, "id")->valuestring;
        size_t row = rf_find(&txids, id);
        ck_assert_msg(row != SIZE_MAX, "transaction %s not in transactions.csv", id);
        ck_assert_str_eq(get(t, "block")->valuestring, rf_cell(tcsv, row, block_col));
        const char *from = get(t, "from")->valuestring;
        int known = 0;
        const cJSON *w;
        cJSON_ArrayForEach(w, wallets) known |= strcmp(get(w, "address")->valuestring, from) == 0;
        ck_assert_msg(known, "sender %s of %s is not a wallet", from, id);
    }
    rf_set_free(&txids);
    rf_csv_free(tcsv);
    cJSON_Delete(doc);
}
END_TEST

START_TEST(copies_give_the_same_snapshot)
{
    const char *dir = partitioned_run();
    char copies[1100], a[1200], b[1200];
    snprintf(copies, sizeof copies, "%s", testutil_tmpdir("serve-load-copies"));
    snprintf(a, sizeof a, "%s/summary.json", dir);
    snprintf(b, sizeof b, "%s/summary.json", copies);
    copy_file(a, b);
    for (int k = 1; k <= 4; k++) {
        snprintf(a, sizeof a, "%s/node%d_chain.json", dir, k);
        snprintf(b, sizeof b, "%s/node%d_chain.json", copies, k);
        copy_file(a, b);
    }
    static const char *const feed_files[] = {"events.csv", "reorgs.csv"};
    for (int k = 0; k < 2; k++) {
        snprintf(a, sizeof a, "%s/%s", dir, feed_files[k]);
        snprintf(b, sizeof b, "%s/%s", copies, feed_files[k]);
        copy_file(a, b);
    }
    serve_load_stats sa, sb;
    cJSON *da = load_ok(&sa, dir), *db = load_ok(&sb, copies);
    ck_assert_uint_eq(sb.files_parsed, 4);
    ck_assert_uint_eq(sb.blocks_read, sa.blocks_read * 2);
    ck_assert_uint_eq(sb.blocks_distinct, sa.blocks_distinct);
    cJSON_DeleteItemFromObject(cJSON_GetObjectItemCaseSensitive(da, "status"), "run_dir");
    cJSON_DeleteItemFromObject(cJSON_GetObjectItemCaseSensitive(db, "status"), "run_dir");
    ck_assert(cJSON_Compare(da, db, 1));
    cJSON_Delete(da);
    cJSON_Delete(db);

    /* Nodes 2 and 4 without files: no chain, the rest unchanged. */
    snprintf(b, sizeof b, "%s/node2_chain.json", copies);
    ck_assert_int_eq(unlink(b), 0);
    snprintf(b, sizeof b, "%s/node4_chain.json", copies);
    ck_assert_int_eq(unlink(b), 0);
    db = load_ok(&sb, copies);
    ck_assert_uint_eq(sb.chain_files, 2);
    const cJSON *nodes = get(get(db, "nodes"), "nodes");
    ck_assert(cJSON_IsNull(get(cJSON_GetArrayItem(nodes, 1), "tip")));
    ck_assert(cJSON_IsString(get(cJSON_GetArrayItem(nodes, 2), "tip")));
    cJSON_Delete(db);
}
END_TEST

/* Replaces the first occurrence of what after the first occurrence of
 * after (NULL: from the start) in text; the result is new. */
static char *edit(const char *text, const char *after, const char *what, const char *with)
{
    const char *from = after ? strstr(text, after) : text;
    ck_assert_ptr_nonnull(from);
    const char *at = strstr(from, what);
    ck_assert_msg(at != NULL, "'%s' not found", what);
    size_t pre = (size_t)(at - text);
    char *out = malloc(strlen(text) - strlen(what) + strlen(with) + 1);
    memcpy(out, text, pre);
    strcpy(out + pre, with);
    strcat(out, at + strlen(what));
    return out;
}

static void expect_refusal(const char *dir, const char *want)
{
    char err[1200];
    cJSON *doc = (cJSON *)1;
    int rc = serve_load(&doc, NULL, err, sizeof err, dir);
    ck_assert_msg(rc == 2, "%s: status %d, want 2: %s", dir, rc, err);
    ck_assert_ptr_null(doc);
    ck_assert_msg(strstr(err, want) != NULL, "'%s' not in: %s", want, err);
}

/* The feed of a finished run: its partition (events.csv) and every
 * reorganisation (reorgs.csv), oldest first. */
START_TEST(feed_from_the_run_files)
{
    const char *dir = partitioned_run();
    cJSON *doc = load_ok(NULL, dir);
    const cJSON *events = get(get(doc, "feed"), "events");
    rf_csv *rg = rf_csv_load(dir, "reorgs.csv");
    ck_assert_int_eq(cJSON_GetArraySize(events), 1 + (int)rg->n_rows);
    int partitions = 0, reorgs = 0;
    double last = -1;
    const cJSON *e;
    cJSON_ArrayForEach(e, events)
    {
        const char *kind = get(e, "kind")->valuestring;
        double t = get(e, "time_ns")->valuedouble;
        ck_assert(t >= last);
        last = t;
        if (strcmp(kind, "partition") == 0) {
            partitions++;
            ck_assert_double_eq(t, 60e9);
            ck_assert_str_eq(get(e, "text")->valuestring, "partition: {1,2} | {3,4}");
            ck_assert_int_eq(cJSON_GetArraySize(get(e, "nodes")), 2);
        } else {
            ck_assert_str_eq(kind, "reorg");
            ck_assert(strstr(get(e, "text")->valuestring, " reorganised: depth "));
            ck_assert(get(e, "depth")->valuedouble >= 1);
            reorgs++;
        }
    }
    ck_assert_int_eq(partitions, 1);
    ck_assert_int_eq(reorgs, (int)rg->n_rows);
    rf_csv_free(rg);
    cJSON_Delete(doc);
}
END_TEST

START_TEST(bad_folders_and_files_are_refused)
{
    const char *dir = partitioned_run();
    char bad[1100], path[1200], summary[1200], want[1300];
    snprintf(bad, sizeof bad, "%s", testutil_tmpdir("serve-load-bad"));
    snprintf(path, sizeof path, "%s/nope", bad);
    snprintf(want, sizeof want, "%s: cannot open", path);
    expect_refusal(path, want);
    snprintf(want, sizeof want, "%s: no summary.json: not the output folder of a chainsim run",
             bad);
    expect_refusal(bad, want);
    snprintf(summary, sizeof summary, "%s/summary.json", bad);
    write_text(summary, "{\"scenario\": {\"nodes\": 0}}");
    expect_refusal(bad, "summary.json: nodes: expected");
    snprintf(path, sizeof path, "%s/summary.json", dir);
    copy_file(path, summary);

    size_t len;
    snprintf(path, sizeof path, "%s/node1_chain.json", dir);
    char *text = rf_slurp(path, &len);
    ck_assert_ptr_nonnull(text);
    char height[64], first_id[80];
    snprintf(height, sizeof height, "\t\"height\":\t%ld,", file_height(dir, 1));
    const char *id_at = strstr(strstr(text, "\"height\":\t2,"), "\"prev\":\t\"");
    snprintf(first_id, sizeof first_id, "%.74s", id_at);
    struct {
        const char *after, *what, *with, *want;
    } cases[] = {
        {NULL, height, "\t\"height\":\t1e300,", "node1_chain.json: height: expected an integer"},
        {NULL, height, "\t\"height\":\t-9223372036854775808,",
         "node1_chain.json: height: expected an integer in [0, 4294967295], got "
         "-9223372036854775808"},
        {"\"blocks\":", "\"height\":\t1,", "\"height\":\t1e300,",
         "node1_chain.json: blocks[1].height: expected an integer"},
        {"\"blocks\":", "\"nonce\":\t", "\"nonce\":\t-1e300, \"x\":\t",
         "node1_chain.json: blocks[0].nonce: expected an integer"},
        {"\"blocks\":", "\"index\":\t", "\"index\":\t1e300, \"x\":\t",
         "node1_chain.json: blocks[0].txs[0].inputs[0].index: expected an integer"},
        {"\"height\":\t2,", first_id,
         "\"prev\":\t\"0000000000000000000000000000000000000000000000000000000000000007\"",
         "node1_chain.json: blocks[2].prev: expected the id of blocks[1]"},
        {"\"blocks\":", "\"nonce\":\t0,", "\"nonce\":\t1,",
         "node1_chain.json: blocks[0] is not the genesis block of the run in"},
    };
    snprintf(path, sizeof path, "%s/node1_chain.json", bad);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *t = edit(text, cases[i].after, cases[i].what, cases[i].with);
        write_text(path, t);
        free(t);
        expect_refusal(bad, cases[i].want);
    }
    /* The feed's files: a time that is not a number, a missing column. */
    char good[1200];
    snprintf(path, sizeof path, "%s/node1_chain.json", dir);
    snprintf(good, sizeof good, "%s/node1_chain.json", bad);
    copy_file(path, good);
    snprintf(path, sizeof path, "%s/events.csv", bad);
    write_text(path, "time,event,node,group,peer,latency\n1.5,heal,,,,\nsoon,crash,2,,,\n");
    expect_refusal(bad, "events.csv: line 3, column time: expected a number, got 'soon'");
    write_text(path, "time,event,node\n1.5,heal,\n");
    expect_refusal(bad, "events.csv: no column \"group\"");
    ck_assert_int_eq(unlink(path), 0);
    snprintf(path, sizeof path, "%s/reorgs.csv", bad);
    write_text(path, "time,node,old_tip,new_tip,depth\n2,1,aa,bb,-1\n");
    expect_refusal(bad, "reorgs.csv: line 2: depth: expected a number from 0 to 1e12");
    ck_assert_int_eq(unlink(path), 0);
    snprintf(path, sizeof path, "%s/node1_chain.json", bad);
    /* A folder where a chain file should be. */
    ck_assert_int_eq(unlink(path), 0);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    expect_refusal(bad, "node1_chain.json: ");
    free(text);
}
END_TEST

static double num_of(const cJSON *o, const char *key)
{
    const cJSON *v = get(o, key);
    ck_assert_msg(cJSON_IsNumber(v), "%s is not a number", key);
    return v->valuedouble;
}

/* A selfish miner's finished run (node 1, three hours): its node and every
 * block it mined carry the kind; mined_ns and published_ns are block_arrivals.csv's
 * times of its producer and of the first other node; some blocks were held
 * (published after they were mined), the private tip, if any, has
 * published_ns null; honest nodes and blocks carry no mark. A malformed
 * block_arrivals.csv is refused naming the file and line. */
START_TEST(adversaries_marked_from_the_run_files)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", testutil_tmpdir("serve-load-selfish"));
    rf_run(dir, "scenarios/selfish_mining.json", "--set", "duration=3h", NULL);
    cJSON *doc = load_ok(NULL, dir);
    const cJSON *nodes = get(get(doc, "nodes"), "nodes"), *n;
    cJSON_ArrayForEach(n, nodes)
    {
        const cJSON *adv = cJSON_GetObjectItemCaseSensitive(n, "adversary");
        if (num_of(n, "id") == 1)
            ck_assert_str_eq(adv->valuestring, "selfish");
        else
            ck_assert_ptr_null(adv);
    }
    rf_csv *csv = rf_csv_load(dir, "block_arrivals.csv");
    size_t c_block = rf_col(csv, "block"), c_node = rf_col(csv, "node"),
           c_time = rf_col(csv, "time_first_seen");
    const cJSON *b;
    int held = 0, adversarial = 0, honest = 0;
    cJSON_ArrayForEach(b, get(get(doc, "blocks"), "blocks"))
    {
        const cJSON *producer = get(b, "producer");
        const cJSON *adv = cJSON_GetObjectItemCaseSensitive(b, "adversary");
        if (!cJSON_IsNumber(producer) || producer->valuedouble != 1) {
            ck_assert_ptr_null(adv);
            honest++;
            continue;
        }
        adversarial++;
        ck_assert_str_eq(adv->valuestring, "selfish");
        /* The times from block_arrivals.csv, by hand. */
        double mined = -1, published = -1;
        for (size_t r = 0; r < csv->n_rows; r++) {
            if (strcmp(rf_cell(csv, r, c_block), get(b, "id")->valuestring) != 0)
                continue;
            double t = rf_num(csv, r, c_time) * 1e9;
            if (rf_num(csv, r, c_node) == 1)
                mined = t;
            else if (published < 0 || t < published)
                published = t;
        }
        ck_assert(mined >= 0);
        ck_assert(fabs(num_of(b, "mined_ns") - mined) < 1e3);
        if (published < 0) {
            ck_assert(cJSON_IsNull(get(b, "published_ns")));
        } else {
            ck_assert(fabs(num_of(b, "published_ns") - published) < 1e3);
            held += published - mined > 1e9; /* kept back more than a second */
        }
    }
    rf_csv_free(csv);
    ck_assert_int_gt(adversarial, 5);
    ck_assert_int_gt(honest, 5);
    ck_assert_int_gt(held, 0);
    cJSON_Delete(doc);

    char path[1200];
    snprintf(path, sizeof path, "%s/block_arrivals.csv", dir);
    write_text(path, "block,node,time_first_seen,delay\nabc,1,2,0\n");
    expect_refusal(dir, "block_arrivals.csv line 2: expected a block id");
}
END_TEST

/* BFT: every block is final; the run ends in an even split of ten equal
 * validators, so the largest side holds 500 of 1000 (no more than 2/3: halted).
 * PoS: blocks carry their slot and the empty slots since their parent's;
 * the status the slot at the end and the best chain's empty slots. PoA: the
 * in-turn signer of the next height. */
START_TEST(consensus_of_finished_runs)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s", testutil_tmpdir("serve-load-bft"));
    rf_run(dir, "scenarios/partition_bft.json", "--set", "duration=90s", "--set",
           "events=[{\"at\":\"60s\",\"type\":\"partition\",\"groups\":[[1,2,3,4,5],[6,7,8,9,10]]}]",
           NULL);
    cJSON *doc = load_ok(NULL, dir);
    const cJSON *bft = get(get(doc, "status"), "bft");
    double h = num_of(get(doc, "status"), "height");
    ck_assert(h > 5);
    ck_assert(num_of(bft, "committed") == h);
    ck_assert(num_of(bft, "height") == h + 1);
    ck_assert(num_of(bft, "total_power") == 1000);
    ck_assert(num_of(bft, "threshold") == 667);
    ck_assert(num_of(bft, "largest_side_power") == 500);
    ck_assert(cJSON_IsTrue(get(bft, "halted")));
    const cJSON *b;
    cJSON_ArrayForEach(b, get(get(doc, "blocks"), "blocks"))
        ck_assert(cJSON_IsTrue(get(b, "final")));
    cJSON_Delete(doc);

    snprintf(dir, sizeof dir, "%s", testutil_tmpdir("serve-load-pos"));
    rf_run(dir, "scenarios/partition_pos.json", "--set", "duration=150s", "--set", "events=[]",
           NULL);
    doc = load_ok(NULL, dir);
    const cJSON *st = get(doc, "status"), *pos = get(st, "pos");
    ck_assert(num_of(pos, "slot") == 150);
    ck_assert(num_of(st, "slot") == 150);
    double tip_slot = num_of(pos, "tip_slot");
    ck_assert(tip_slot > 0 && tip_slot <= 150);
    ck_assert(num_of(pos, "empty_slots") == tip_slot - num_of(st, "height"));
    int checked = 0;
    const cJSON *blocks = get(get(doc, "blocks"), "blocks");
    cJSON_ArrayForEach(b, blocks)
    {
        if (cJSON_IsNull(get(b, "parent"))) {
            ck_assert(num_of(b, "slot") == 0); /* genesis */
            continue;
        }
        const cJSON *p;
        double parent_slot = 0;
        cJSON_ArrayForEach(
            p, blocks) if (strcmp(get(p, "id")->valuestring, get(b, "parent")->valuestring) == 0 &&
                           !cJSON_IsNull(get(p, "parent"))) parent_slot = num_of(p, "slot");
        ck_assert(num_of(b, "empty_before") == num_of(b, "slot") - parent_slot - 1);
        ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(b, "final"));
        checked++;
    }
    ck_assert_int_gt(checked, 3);
    cJSON_Delete(doc);

    snprintf(dir, sizeof dir, "%s", testutil_tmpdir("serve-load-poa"));
    rf_run(dir, "scenarios/partition_poa.json", "--set", "duration=60s", "--set", "events=[]",
           NULL);
    doc = load_ok(NULL, dir);
    st = get(doc, "status");
    const cJSON *poa = get(st, "poa");
    const cJSON *signers = get(poa, "signers");
    int n_signers = cJSON_GetArraySize(signers);
    ck_assert_int_eq(n_signers, 10);
    double next = num_of(st, "height") + 1;
    ck_assert(num_of(poa, "height") == next);
    ck_assert(num_of(poa, "in_turn") ==
              cJSON_GetArrayItem(signers, (int)next % n_signers)->valuedouble);
    cJSON_ArrayForEach(b, get(get(doc, "blocks"), "blocks"))
        ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(b, "empty_before")); /* no slots */
    cJSON_Delete(doc);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("serve_load");
    TCase *tc = tcase_create("serve_load");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, one_parse_per_file_one_record_per_block);
    tcase_add_test(tc, copies_give_the_same_snapshot);
    tcase_add_test(tc, bad_folders_and_files_are_refused);
    tcase_add_test(tc, feed_from_the_run_files);
    tcase_add_test(tc, adversaries_marked_from_the_run_files);
    tcase_add_test(tc, consensus_of_finished_runs);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
