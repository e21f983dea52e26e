/* Each shipped scenario shows what its description says. Every file in
 * scenarios/ has one check here that runs it with the real binary (as
 * shipped, or made cheaper where noted without changing what it shows) and
 * asserts the figure its description points at, in summary.json or the CSV
 * files: the majority side ahead in pos_partition, one payment confirmed and
 * the other dropped after being buried on the losing branch in double_spend,
 * a stale rate of about a third in high_latency, the three regions of
 * large_1000 (from the scenario loader: that scenario is never run here),
 * and so on. A scenario added without a check here fails
 * every_scenario_has_a_check. */
#include "run_fixture.h"
#include "metrics.h"
#include "scenario.h"

#include <math.h>

/* ---- reading the outputs ---------------------------------------------- */

/* The row of timeline.csv for node at the sample time t_s, or (size_t)-1. */
static size_t sample_row(const rf_csv *tl, double t_s, unsigned node)
{
    size_t c_time = rf_col(tl, "time"), c_node = rf_col(tl, "node");
    for (size_t r = 0; r < tl->n_rows; r++)
        if (fabs(rf_num(tl, r, c_time) - t_s) < 1e-6 && (unsigned)rf_num(tl, r, c_node) == node)
            return r;
    return (size_t)-1;
}

/* A node's height at the sample time t_s (the sample must exist). */
static long height_at(const rf_csv *tl, double t_s, unsigned node)
{
    size_t r = sample_row(tl, t_s, node);
    ck_assert_msg(r != (size_t)-1, "timeline.csv has no sample of node %u at %g s", node, t_s);
    return (long)rf_num(tl, r, rf_col(tl, "height"));
}

/* The first reorganisation of node at or after from_s and before to_s: its
 * row in reorgs.csv, or (size_t)-1. */
static size_t first_reorg(const rf_csv *rg, unsigned node, double from_s, double to_s)
{
    size_t c_time = rf_col(rg, "time"), c_node = rf_col(rg, "node");
    for (size_t r = 0; r < rg->n_rows; r++) {
        double t = rf_num(rg, r, c_time);
        if ((unsigned)rf_num(rg, r, c_node) == node && t >= from_s && t < to_s)
            return r;
    }
    return (size_t)-1;
}

/* Runs scenarios/<name>.json into a scratch folder with the extra
 * arguments (NULL-terminated, at most 8) and returns the folder (static). */
static const char *run_scenario(const char *name, const char *const *extra)
{
    static char out[1024];
    char rel[256], tag[256];
    snprintf(rel, sizeof rel, "scenarios/%s.json", name);
    snprintf(tag, sizeof tag, "claims-%s", name);
    snprintf(out, sizeof out, "%s/out", testutil_tmpdir(tag));
    const char *a[9] = {NULL};
    for (size_t i = 0; extra && i < 8 && extra[i]; i++)
        a[i] = extra[i];
    rf_run(out, rel, "--threads", "2", a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], NULL);
    return out;
}

/* The heal of a two-sided partition at heal_s: the nodes of exactly one
 * side (the one that was not ahead just before the heal) reorganise onto
 * the other's chain between the heal and the reconvergence, no node of the
 * other side does, and the network reconverges. Returns the losing side
 * (0 or 1). */
static int check_heal_n(const char *dir, int heal, double heal_s, const unsigned *side[2],
                        const size_t n_side[2])
{
    cJSON *summary = rf_json(dir, "summary.json");
    ck_assert_msg(rf_json_num(summary, "reconvergence.reconverged") >= heal + 1,
                  "%s: the network did not reconverge after the heal", dir);
    cJSON *after = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(summary, "reconvergence"),
                                         "after_heal"),
        heal);
    ck_assert_ptr_nonnull(after);
    double until_s = rf_json_num(after, "reconverged_s");
    ck_assert_msg(rf_json_num(summary, "blocks.stale") >= 1, "%s: no stale block", dir);
    cJSON_Delete(summary);

    rf_csv *rg = rf_csv_load(dir, "reorgs.csv"), *tl = rf_csv_load(dir, "timeline.csv");
    size_t moved[2] = {0, 0};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < n_side[s]; i++)
            moved[s] += first_reorg(rg, side[s][i], heal_s, until_s + 1e-9) != (size_t)-1;
    int loser = moved[0] > 0 ? 0 : 1;
    ck_assert_msg(moved[loser] == n_side[loser] && moved[1 - loser] == 0,
                  "%s: after the heal %zu of %zu nodes of side 1 and %zu of %zu of side 2 "
                  "reorganised; expected all of one side and none of the other",
                  dir, moved[0], n_side[0], moved[1], n_side[1]);
    long h_lose = height_at(tl, heal_s - 1, side[loser][0]);
    long h_win = height_at(tl, heal_s - 1, side[1 - loser][0]);
    ck_assert_msg(h_lose <= h_win, "%s: the side ahead (height %ld against %ld) reorganised", dir,
                  h_lose, h_win);
    rf_csv_free(rg);
    rf_csv_free(tl);
    return loser;
}

/* The first heal of a run (check_heal_n's heal 0). */
static int check_heal(const char *dir, double heal_s, const unsigned *side[2],
                      const size_t n_side[2])
{
    return check_heal_n(dir, 0, heal_s, side, n_side);
}

/* ---- one check per shipped scenario ----------------------------------- */

/* default: {1,2} | {3,4} from 1m to 3m; at the heal the side with less work
 * reorganises onto the other's chain and leaves stale blocks behind. */
static void claim_default(void)
{
    const char *dir = run_scenario("default", NULL);
    static const unsigned a[] = {1, 2}, b[] = {3, 4};
    const unsigned *sides[2] = {a, b};
    const size_t n[2] = {2, 2};
    (void)check_heal(dir, 180, sides, n);
}

/* pos_partition: the majority side {1,2,3,4} is ahead of {5,6} for most of
 * the partition (2m to 4m) and at the heal; nodes 5 and 6 then reorganise
 * onto its chain, reverting fewer than k = 10 blocks. */
static void claim_pos_partition(void)
{
    const char *dir = run_scenario("pos_partition", NULL);
    rf_csv *tl = rf_csv_load(dir, "timeline.csv");
    int ahead = 0, samples = 0;
    for (int t = 121; t < 240; t++, samples++)
        ahead += height_at(tl, t, 1) > height_at(tl, t, 5);
    ck_assert_msg(ahead * 4 >= samples * 3,
                  "%s: the majority is ahead in only %d of %d samples of the partition", dir, ahead,
                  samples);
    long maj = height_at(tl, 239, 1), min = height_at(tl, 239, 5);
    ck_assert_msg(maj > min, "%s: at the heal the majority is at %ld, the minority at %ld", dir,
                  maj, min);
    rf_csv *rg = rf_csv_load(dir, "reorgs.csv");
    for (unsigned node = 5; node <= 6; node++) {
        size_t r = first_reorg(rg, node, 240, 250);
        ck_assert_msg(r != (size_t)-1, "%s: node %u did not reorganise at the heal", dir, node);
        double depth = rf_num(rg, r, rf_col(rg, "depth"));
        ck_assert_msg(depth >= 1 && depth <= 10, "%s: node %u reorganised %g blocks deep", dir,
                      node, depth);
    }
    for (unsigned node = 1; node <= 6; node++) {
        size_t c = rf_col(tl, "tip");
        ck_assert_str_eq(rf_cell(tl, sample_row(tl, 360, node), c),
                         rf_cell(tl, sample_row(tl, 360, 1), c));
    }
    rf_csv_free(rg);
    rf_csv_free(tl);
}

/* The two halves of pow_vs_pos: {1,2,3} | {4,5,6} from 3m to 5m; one side
 * reorganises at the heal; transactions reach 6 confirmations. */
static void claim_pow_vs_pos(const char *name)
{
    const char *dir = run_scenario(name, NULL);
    static const unsigned a[] = {1, 2, 3}, b[] = {4, 5, 6};
    const unsigned *sides[2] = {a, b};
    const size_t n[2] = {3, 3};
    (void)check_heal(dir, 300, sides, n);
    cJSON *summary = rf_json(dir, "summary.json");
    ck_assert_int_eq((int)rf_json_num(summary, "confirm_depth"), 6);
    ck_assert_msg(rf_json_num(summary, "transactions.confirmation_latency_s.count") > 0,
                  "%s: no transaction reached 6 confirmations", dir);
    cJSON_Delete(summary);
}

static void claim_pow_vs_pos_pow(void)
{
    claim_pow_vs_pos("pow_vs_pos_pow");
}

static void claim_pow_vs_pos_pos(void)
{
    claim_pow_vs_pos("pow_vs_pos_pos");
}

/* partition_pow and partition_pos: {1..7} | {8,9,10} from 2m to 4m, then
 * {1..5} | {6..10} from 5m to 7m; at each heal one whole side reorganises
 * onto the other (with the shipped seed: nodes 8-10 at 4m, nodes 1-5 at 7m,
 * each by the depth the description gives) and the network reconverges. */
static void claim_partition(const char *name, double depth_first, double depth_second)
{
    const char *dir = run_scenario(name, NULL);
    static const unsigned big[] = {1, 2, 3, 4, 5, 6, 7}, small[] = {8, 9, 10};
    static const unsigned left[] = {1, 2, 3, 4, 5}, right[] = {6, 7, 8, 9, 10};
    const unsigned *first[2] = {big, small}, *second[2] = {left, right};
    const size_t n_first[2] = {7, 3}, n_second[2] = {5, 5};
    ck_assert_int_eq(check_heal_n(dir, 0, 240, first, n_first), 1);
    ck_assert_int_eq(check_heal_n(dir, 1, 420, second, n_second), 0);
    rf_csv *rg = rf_csv_load(dir, "reorgs.csv");
    ck_assert_double_eq(rf_num(rg, first_reorg(rg, 8, 240, 250), rf_col(rg, "depth")), depth_first);
    ck_assert_double_eq(rf_num(rg, first_reorg(rg, 1, 420, 430), rf_col(rg, "depth")),
                        depth_second);
    rf_csv_free(rg);
    cJSON *summary = rf_json(dir, "summary.json");
    ck_assert_int_eq((int)rf_json_num(summary, "reconvergence.heals"), 2);
    ck_assert_int_eq((int)rf_json_num(summary, "reconvergence.reconverged"), 2);
    cJSON_Delete(summary);
}

static void claim_partition_pow(void)
{
    claim_partition("partition_pow", 3, 5);
}

static void claim_partition_pos(void)
{
    claim_partition("partition_pos", 2, 6);
}

/* Blocks produced by nodes (1-based) in [from_s, to_s). */
static int produced_by(const rf_csv *bl, const unsigned *nodes, size_t n, double from_s,
                       double to_s)
{
    size_t c_prod = rf_col(bl, "producer"), c_t = rf_col(bl, "time_produced");
    int count = 0;
    for (size_t r = 0; r < bl->n_rows; r++) {
        double t = rf_num(bl, r, c_t);
        for (size_t i = 0; i < n && t >= from_s && t < to_s; i++)
            count += rf_num(bl, r, c_prod) == nodes[i];
    }
    return count;
}

/* partition_poa: during 7|3 the three signers (at most floor(10/2) = 5)
 * produce nothing and the seven keep going; during 5|5 each side signs at
 * most 5 blocks and then both stall; at the second heal the side of nodes
 * 6-10 (less difficulty) reorganises 2 blocks deep, and the network
 * reconverges after both heals. */
static void claim_partition_poa(void)
{
    const char *dir = run_scenario("partition_poa", NULL);
    static const unsigned big[] = {1, 2, 3, 4, 5, 6, 7}, small[] = {8, 9, 10};
    static const unsigned left[] = {1, 2, 3, 4, 5}, right[] = {6, 7, 8, 9, 10};
    const unsigned *second[2] = {left, right};
    const size_t n_second[2] = {5, 5};
    rf_csv *bl = rf_csv_load(dir, "blocks.csv");
    ck_assert_int_eq(produced_by(bl, small, 3, 121, 240), 0);
    ck_assert_int_ge(produced_by(bl, big, 7, 121, 240), 8);
    ck_assert_int_le(produced_by(bl, left, 5, 300, 420), 5);
    ck_assert_int_le(produced_by(bl, right, 5, 300, 420), 5);
    ck_assert_int_eq(produced_by(bl, left, 5, 360, 420) + produced_by(bl, right, 5, 360, 420), 0);
    rf_csv_free(bl);
    ck_assert_int_eq(check_heal_n(dir, 1, 420, second, n_second), 1);
    rf_csv *rg = rf_csv_load(dir, "reorgs.csv");
    ck_assert_double_eq(rf_num(rg, first_reorg(rg, 6, 420, 430), rf_col(rg, "depth")), 2);
    rf_csv_free(rg);
    cJSON *summary = rf_json(dir, "summary.json");
    ck_assert_int_eq((int)rf_json_num(summary, "reconvergence.heals"), 2);
    ck_assert_int_eq((int)rf_json_num(summary, "reconvergence.reconverged"), 2);
    cJSON_Delete(summary);
}

/* bft_crash: with node 7 crashed (60 s to 120 s) and node 8 not yet joined
 * (until 90 s), 2/8 of the power down, the others keep committing and node
 * 7 is flat; within 10 s of its join or restart each is at the others'
 * height; with nodes 5, 6 and 7 down (180 s to 240 s, 3/8 > 1/3) every
 * height is flat; after the restart everyone commits again and ends at one
 * height. Never a reorganisation nor an equivocation (a restarted
 * validator does not sign again what it signed before its crash); every
 * chain file verifies. */
static void claim_bft_crash(void)
{
    const char *dir = run_scenario("bft_crash", NULL);
    rf_csv *tl = rf_csv_load(dir, "timeline.csv");
    for (unsigned v = 1; v <= 6; v++)
        ck_assert_msg(height_at(tl, 89, v) >= height_at(tl, 61, v) + 10,
                      "%s: node %u did not keep committing with 2/8 of the power down", dir, v);
    ck_assert_msg(height_at(tl, 119, 7) == height_at(tl, 61, 7), "%s: crashed node 7 moved", dir);
    ck_assert_msg(height_at(tl, 100, 8) >= height_at(tl, 89, 1),
                  "%s: node 8 did not catch up after its late join", dir);
    ck_assert_msg(height_at(tl, 130, 7) >= height_at(tl, 119, 1),
                  "%s: node 7 did not catch up after its restart", dir);
    unsigned up[] = {1, 2, 3, 4, 8};
    for (size_t i = 0; i < sizeof up / sizeof up[0]; i++)
        ck_assert_msg(height_at(tl, 239, up[i]) == height_at(tl, 185, up[i]),
                      "%s: node %u committed with 3/8 of the power down", dir, up[i]);
    for (unsigned v = 1; v <= 8; v++) {
        ck_assert_msg(height_at(tl, 300, v) > height_at(tl, 239, 1) + 10,
                      "%s: node %u did not resume after the restarts", dir, v);
        ck_assert_msg(height_at(tl, 359, v) >= height_at(tl, 359, 1) - 1 &&
                          height_at(tl, 359, v) <= height_at(tl, 359, 1) + 1,
                      "%s: node %u is not at the others' height at the end", dir, v);
    }
    rf_csv_free(tl);
    rf_csv *rg = rf_csv_load(dir, "reorgs.csv");
    ck_assert_msg(rg->n_rows == 0, "%s: BFT reorganised", dir);
    rf_csv_free(rg);
    cJSON *summary = rf_json(dir, "summary.json");
    ck_assert_msg(rf_json_num(summary, "bft.equivocations") == 0, "%s: equivocation", dir);
    ck_assert_msg(rf_json_num(summary, "bft.commits_caught_up") > 0, "%s: nobody caught up", dir);
    ck_assert_msg(rf_json_num(summary, "bft.round_timeouts") > 0, "%s: no round timed out", dir);
    cJSON_Delete(summary);
    rf_verify_chains(dir, 8);
}

/* bft_byzantine: node 4 (1/4 of the power) signs twins of its proposals
 * and votes; the honest nodes 1, 2 and 3 never hold different blocks at a
 * height (safety_violations 0, and their chains are prefixes of one
 * another), nothing reorganises, the chain grows, and the equivocation is
 * caught: evidence naming validator node 4 with a height, a round and two
 * different blocks. Every chain file verifies. */
static void claim_bft_byzantine(void)
{
    const char *dir = run_scenario("bft_byzantine", NULL);
    cJSON *summary = rf_json(dir, "summary.json");
    ck_assert_msg(rf_json_num(summary, "bft.safety_violations") == 0, "%s: honest nodes forked",
                  dir);
    ck_assert_msg(rf_json_num(summary, "bft.equivocations") > 0, "%s: no equivocation caught", dir);
    ck_assert_msg(rf_json_num(summary, "blocks.main_chain_height") >= 60, "%s: the chain stalled",
                  dir);
    const cJSON *ev = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(summary, "bft"), "evidence");
    ck_assert_msg(cJSON_IsArray(ev) && cJSON_GetArraySize(ev) > 0, "%s: no evidence listed", dir);
    const cJSON *e;
    cJSON_ArrayForEach(e, ev)
    {
        ck_assert_int_eq((int)rf_json_num(e, "validator_node"), 4);
        ck_assert_msg(rf_json_num(e, "height") >= 1 && rf_json_num(e, "round") >= 0, "%s", dir);
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(e, "blocks");
        ck_assert_int_eq(cJSON_GetArraySize(b), 2);
        const cJSON *b0 = cJSON_GetArrayItem(b, 0), *b1 = cJSON_GetArrayItem(b, 1);
        ck_assert_msg(!cJSON_IsString(b0) || !cJSON_IsString(b1) ||
                          strcmp(b0->valuestring, b1->valuestring) != 0,
                      "%s: evidence of two equal votes", dir);
        ck_assert_msg(rf_json_num(e, "caught_by") != 4, "%s: the attacker caught itself", dir);
    }
    const cJSON *adv =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
                               cJSON_GetObjectItemCaseSensitive(summary, "attack"), "adversaries"),
                           0);
    ck_assert_msg(rf_json_num(adv, "twin_proposals") > 0 && rf_json_num(adv, "twin_votes") > 0,
                  "%s: the attacker signed no twin", dir);
    cJSON_Delete(summary);
    rf_csv *rg = rf_csv_load(dir, "reorgs.csv");
    ck_assert_msg(rg->n_rows == 0, "%s: BFT reorganised", dir);
    rf_csv_free(rg);
    rf_verify_chains(dir, 4);
}

/* bft_safety_violation: nodes 3 and 4 (1/2 of the power) split the honest
 * nodes 1 and 2, which commit different blocks at one height: the summary
 * reports it with the height, nodes 1 and 2 and their two blocks; both
 * honest chain files verify on their own (each block has a valid
 * certificate). */
static void claim_bft_safety_violation(void)
{
    const char *dir = run_scenario("bft_safety_violation", NULL);
    cJSON *summary = rf_json(dir, "summary.json");
    ck_assert_msg(rf_json_num(summary, "bft.safety_violations") >= 1, "%s: no violation", dir);
    const cJSON *v = cJSON_GetArrayItem(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(summary, "bft"),
                                         "safety_violation_heights"),
        0);
    ck_assert_msg(v != NULL, "%s: no violation listed", dir);
    ck_assert_msg(rf_json_num(v, "height") >= 1, "%s", dir);
    const cJSON *nodes = cJSON_GetObjectItemCaseSensitive(v, "nodes");
    const cJSON *blocks = cJSON_GetObjectItemCaseSensitive(v, "blocks");
    ck_assert_int_eq(cJSON_GetArraySize(nodes), 2);
    ck_assert_int_eq((int)cJSON_GetArrayItem(nodes, 0)->valuedouble, 1);
    ck_assert_int_eq((int)cJSON_GetArrayItem(nodes, 1)->valuedouble, 2);
    ck_assert_int_eq(cJSON_GetArraySize(blocks), 2);
    ck_assert_str_ne(cJSON_GetArrayItem(blocks, 0)->valuestring,
                     cJSON_GetArrayItem(blocks, 1)->valuestring);
    /* The two blocks are in the two honest chain files at that height. */
    int h = (int)rf_json_num(v, "height");
    for (int k = 0; k < 2; k++) {
        char name[32];
        snprintf(name, sizeof name, "node%d_chain.json", k + 1);
        cJSON *doc = rf_json(dir, name);
        cJSON *b = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "blocks"), h);
        const cJSON *id = cJSON_GetObjectItem(b, "id");
        ck_assert_msg(cJSON_IsString(id) &&
                          strcmp(id->valuestring, cJSON_GetArrayItem(blocks, k)->valuestring) == 0,
                      "%s: %s does not hold the reported block at height %d", dir, name, h);
        ck_assert_msg(cJSON_IsString(cJSON_GetObjectItem(b, "commit")),
                      "%s: %s's block %d has no certificate", dir, name, h);
        cJSON_Delete(doc);
    }
    cJSON_Delete(summary);
    rf_verify_chains(dir, 4);
}

/* partition_bft, the same network and partitions under BFT: from 2m to 4m
 * the 7-node side (70% > 2/3 of the power) keeps committing while the
 * 3-node side is flat; in the 5 / 5 split (5m to 7m) nobody has 2/3 and
 * every height is flat; within 10 s of each heal every node is at one
 * height, past the one before the heal; never a reorganisation. */
static void claim_partition_bft(void)
{
    const char *dir = run_scenario("partition_bft", NULL);
    rf_csv *tl = rf_csv_load(dir, "timeline.csv");
    for (unsigned v = 1; v <= 7; v++)
        ck_assert_msg(height_at(tl, 240, v) >= height_at(tl, 130, v) + 10,
                      "%s: node %u did not keep committing in the 7 / 3 split", dir, v);
    for (unsigned v = 8; v <= 10; v++)
        ck_assert_msg(height_at(tl, 240, v) == height_at(tl, 130, v),
                      "%s: node %u committed without 2/3 of the power", dir, v);
    for (unsigned v = 1; v <= 10; v++) {
        ck_assert_msg(height_at(tl, 250, v) == height_at(tl, 250, 1) &&
                          height_at(tl, 250, v) >= height_at(tl, 240, 1),
                      "%s: node %u did not catch up after the first heal", dir, v);
        ck_assert_msg(height_at(tl, 420, v) == height_at(tl, 310, v),
                      "%s: node %u committed in the even split", dir, v);
        ck_assert_msg(height_at(tl, 430, v) == height_at(tl, 430, 1) &&
                          height_at(tl, 430, v) > height_at(tl, 420, v),
                      "%s: node %u did not resume after the second heal", dir, v);
    }
    rf_csv_free(tl);
    rf_csv *rg = rf_csv_load(dir, "reorgs.csv");
    ck_assert_msg(rg->n_rows == 0, "%s: BFT reorganised", dir);
    rf_csv_free(rg);
    cJSON *summary = rf_json(dir, "summary.json");
    ck_assert_msg(rf_json_num(summary, "bft.equivocations") == 0, "%s: equivocation", dir);
    ck_assert_msg(rf_json_num(summary, "bft.commits_caught_up") > 0, "%s: nobody caught up", dir);
    ck_assert_msg(rf_json_num(summary, "bft.round_timeouts") > 0, "%s: no round timed out", dir);
    /* The even split halts the network for its two minutes, less the
     * propose timeout (3 s) after the last commit before it; the 7 / 3
     * split only for the rounds whose proposer was on the 3-node side. */
    double halted = rf_json_num(summary, "bft.time_halted_s");
    ck_assert_msg(halted >= 115 && halted <= 180, "%s: time halted %g s", dir, halted);
    rf_csv *fin = rf_csv_load(dir, "finality.csv");
    ck_assert_msg(fin->n_rows == (size_t)rf_json_num(summary, "blocks.main_chain_height"),
                  "%s: finality.csv has %zu rows", dir, fin->n_rows);
    rf_csv_free(fin);
    cJSON_Delete(summary);
    /* Every chain file verifies, certificates included; one byte changed in
     * a precommit's signature of block 5's certificate makes it invalid
     * there. */
    rf_verify_chains(dir, 10);
    cJSON *doc = rf_json(dir, "node1_chain.json");
    cJSON *b5 = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "blocks"), 5);
    cJSON *commit = cJSON_GetObjectItem(b5, "commit");
    ck_assert_msg(cJSON_IsString(commit), "%s: block 5 has no commit certificate", dir);
    char *hex = strdup(commit->valuestring);
    ck_assert_ptr_nonnull(hex);
    size_t at = 2 * (56 + 4 + 10); /* inside the first precommit's signature */
    ck_assert_uint_gt(strlen(hex), at);
    hex[at] = hex[at] == '0' ? '1' : '0';
    cJSON_SetValuestring(commit, hex);
    free(hex);
    char path[1200], out[1300];
    snprintf(path, sizeof path, "%s/tampered_chain.json", dir);
    snprintf(out, sizeof out, "%s.tampered", dir);
    char *text = cJSON_Print(doc);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    free(text);
    cJSON_Delete(doc);
    const char *args[] = {"verify", path, NULL};
    int rc = rf_exec(args, out, out);
    ck_assert_msg(rc != 0, "verify took a changed vote signature");
    FILE *o = fopen(out, "r");
    ck_assert_ptr_nonnull(o);
    char line[2048];
    int named = 0;
    while (fgets(line, sizeof line, o))
        named |= strstr(line, "invalid block at height 5") != NULL &&
                 strstr(line, "signature does not verify") != NULL;
    fclose(o);
    ck_assert_msg(named, "verify did not name block 5's signature (see %s)", out);
    remove(path);
    remove(out);
}

/* bft_gossip: sixteen validators, each linked to about three others, so
 * none hears 2/3 of the power directly: they commit because nodes relay
 * (the same network with consensus.bft.relay false, for 20 s without the
 * partition, commits nothing: every node at height 0). While 13..16 are
 * cut off (60 s to 120 s) the twelve others keep committing over
 * multi-hop paths and the four are flat; within 10 s of the heal every
 * node is at one height, past the majority's before the heal, having
 * fetched the blocks it missed with their certificates; at the end all
 * sixteen chains are one (final tips equal), never a reorganisation, and
 * every chain file verifies. */
static void claim_bft_gossip(void)
{
    static const char *const no_relay[] = {
        "--set", "consensus.bft.relay=false", "--set", "duration=20s", "--set", "events=[]", NULL};
    const char *dir = run_scenario("bft_gossip", no_relay);
    cJSON *summary = rf_json(dir, "summary.json");
    ck_assert_msg(rf_json_num(summary, "bft.commits_decided") == 0 &&
                      rf_json_num(summary, "blocks.main_chain_height") == 0,
                  "%s: committed without relay", dir);
    cJSON_Delete(summary);

    dir = run_scenario("bft_gossip", NULL);
    rf_csv *tl = rf_csv_load(dir, "timeline.csv");
    for (unsigned v = 1; v <= 12; v++)
        ck_assert_msg(height_at(tl, 119, v) >= height_at(tl, 61, v) + 10,
                      "%s: node %u did not keep committing while 13..16 were cut off", dir, v);
    for (unsigned v = 13; v <= 16; v++)
        ck_assert_msg(height_at(tl, 119, v) == height_at(tl, 61, v),
                      "%s: node %u committed without 2/3 of the power", dir, v);
    for (unsigned v = 1; v <= 16; v++)
        ck_assert_msg(height_at(tl, 130, v) == height_at(tl, 130, 1) &&
                          height_at(tl, 130, v) >= height_at(tl, 119, 1),
                      "%s: node %u did not catch up after the heal", dir, v);
    rf_csv_free(tl);
    rf_csv *nodes = rf_csv_load(dir, "nodes.csv");
    size_t c_tip = rf_col(nodes, "final_tip");
    ck_assert_uint_eq(nodes->n_rows, 16);
    for (size_t r = 1; r < nodes->n_rows; r++)
        ck_assert_msg(strcmp(rf_cell(nodes, r, c_tip), rf_cell(nodes, 0, c_tip)) == 0,
                      "%s: node %zu ends on another chain than node 1", dir, r + 1);
    rf_csv_free(nodes);
    rf_csv *rg = rf_csv_load(dir, "reorgs.csv");
    ck_assert_msg(rg->n_rows == 0, "%s: BFT reorganised", dir);
    rf_csv_free(rg);
    summary = rf_json(dir, "summary.json");
    ck_assert_msg(rf_json_num(summary, "bft.commits_decided") >= 16 * 50,
                  "%s: the nodes decided few heights themselves", dir);
    ck_assert_msg(rf_json_num(summary, "bft.commits_caught_up") > 0, "%s: nobody caught up", dir);
    ck_assert_msg(rf_json_num(summary, "bft.equivocations") == 0, "%s: equivocation", dir);
    cJSON_Delete(summary);
    rf_verify_chains(dir, 16);
}

/* crash_restart: node 3 is offline and its height flat from 2m to 4m; it
 * restarts at the height it crashed at (its chain file) and is back at the
 * others' height within a few seconds. */
static void claim_crash_restart(void)
{
    const char *dir = run_scenario("crash_restart", NULL);
    rf_csv *tl = rf_csv_load(dir, "timeline.csv");
    size_t c_online = rf_col(tl, "online");
    long crashed_at = height_at(tl, 119, 3);
    for (int t = 121; t < 240; t++) {
        ck_assert_int_eq(height_at(tl, t, 3), crashed_at);
        ck_assert_str_eq(rf_cell(tl, sample_row(tl, t, 3), c_online), "0");
    }
    ck_assert_msg(height_at(tl, 119, 1) < height_at(tl, 239, 1),
                  "%s: the others mined nothing while node 3 was down", dir);
    ck_assert_int_eq(height_at(tl, 240, 3), crashed_at); /* reloaded, not from genesis */
    int caught_up = 0;
    for (int t = 240; t <= 250 && !caught_up; t++)
        caught_up = height_at(tl, t, 3) == height_at(tl, t, 1);
    ck_assert_msg(caught_up, "%s: node 3 not at node 1's height 10 s after its restart", dir);
    rf_csv_free(tl);
}

/* late_join: node 5 is offline with an empty chain until 3m, then at the
 * network's height within a few seconds, and mines its first block only on
 * top of the chain it downloaded. */
static void claim_late_join(void)
{
    const char *dir = run_scenario("late_join", NULL);
    rf_csv *tl = rf_csv_load(dir, "timeline.csv");
    ck_assert_int_eq(height_at(tl, 179, 5), 0);
    long network = height_at(tl, 180, 1);
    ck_assert_msg(network >= 5, "%s: the network is only at height %ld at 3m", dir, network);
    int caught_up_s = -1;
    for (int t = 180; t <= 195 && caught_up_s < 0; t++)
        if (height_at(tl, t, 5) == height_at(tl, t, 1))
            caught_up_s = t;
    ck_assert_msg(caught_up_s >= 0, "%s: node 5 not at the network's height by 195 s", dir);
    rf_csv *bl = rf_csv_load(dir, "blocks.csv");
    size_t c_prod = rf_col(bl, "producer"), c_h = rf_col(bl, "height");
    for (size_t r = 0; r < bl->n_rows; r++)
        if (strcmp(rf_cell(bl, r, c_prod), "5") == 0) {
            ck_assert_msg(rf_num(bl, r, c_h) > network,
                          "%s: node 5's first block is at height %g, below the network's %ld", dir,
                          rf_num(bl, r, c_h), network);
            break;
        }
    rf_csv_free(bl);
    rf_csv_free(tl);
}

/* The longest run of stale blocks from the block in row r down its stale
 * descendants produced before until_s (r itself counts 1). */
static int stale_depth(const rf_csv *bl, size_t r, double until_s)
{
    size_t c_id = rf_col(bl, "id"), c_parent = rf_col(bl, "parent");
    size_t c_main = rf_col(bl, "main_chain"), c_t = rf_col(bl, "time_produced");
    int best = 0;
    for (size_t k = 0; k < bl->n_rows; k++)
        if (strcmp(rf_cell(bl, k, c_parent), rf_cell(bl, r, c_id)) == 0 &&
            strcmp(rf_cell(bl, k, c_main), "0") == 0 && rf_num(bl, k, c_t) < until_s) {
            int d = stale_depth(bl, k, until_s);
            best = d > best ? d : best;
        }
    return 1 + best;
}

/* double_spend: one payment confirmed, the other dropped_double_spend after
 * it had been included and buried 3 deep on the losing branch (now stale);
 * the losing side reorganises at the heal (5m). */
static void claim_double_spend(void)
{
    const char *dir = run_scenario("double_spend", NULL);
    rf_csv *tx = rf_csv_load(dir, "transactions.csv");
    rf_csv *bl = rf_csv_load(dir, "blocks.csv");
    ck_assert_int_eq(tx->n_rows, 2);
    size_t c_status = rf_col(tx, "status"), c_first = rf_col(tx, "first_included");
    size_t lost = strcmp(rf_cell(tx, 0, c_status), "confirmed") == 0 ? 1 : 0;
    ck_assert_str_eq(rf_cell(tx, 1 - lost, c_status), "confirmed");
    ck_assert_str_eq(rf_cell(tx, lost, c_status), "dropped_double_spend");
    const char *included = rf_cell(tx, lost, c_first);
    ck_assert_msg(*included, "%s: the dropped payment was never in a block", dir);
    size_t holder = (size_t)-1, c_t = rf_col(bl, "time_produced");
    for (size_t r = 0; r < bl->n_rows && holder == (size_t)-1; r++)
        if (strcmp(rf_cell(bl, r, c_t), included) == 0)
            holder = r;
    ck_assert_msg(holder != (size_t)-1, "%s: no block produced at %s", dir, included);
    ck_assert_str_eq(rf_cell(bl, holder, rf_col(bl, "main_chain")), "0");
    int depth = stale_depth(bl, holder, 300);
    ck_assert_msg(depth >= 3, "%s: the dropped payment was only %d blocks deep on its branch", dir,
                  depth);
    rf_csv_free(bl);
    rf_csv_free(tx);
    static const unsigned a[] = {1, 2}, b[] = {3, 4};
    const unsigned *sides[2] = {a, b};
    const size_t n[2] = {2, 2};
    (void)check_heal(dir, 300, sides, n);
}

/* high_latency: a stale rate of about a third, propagation to 90% of the
 * nodes slower than half the 5 s block interval, reorganisations more than
 * one block deep. Hashing made 5 times cheaper at the same block interval
 * (the figures depend on the interval and the links, not on the hashes). */
static void claim_high_latency(void)
{
    static const char *const cheaper[] = {"--set", "nodes.hashrate=4k", "--set",
                                          "consensus.pow.expected_hashes_per_block=160000", NULL};
    const char *dir = run_scenario("high_latency", cheaper);
    cJSON *summary = rf_json(dir, "summary.json");
    double stale = rf_json_num(summary, "blocks.stale_rate");
    double prop90 = rf_json_num(summary, "propagation_s.reach_90pct.median");
    ck_assert_msg(stale >= 0.2 && stale <= 0.6, "%s: stale rate %g, expected about a third", dir,
                  stale);
    ck_assert_msg(prop90 >= 2.5, "%s: median propagation to 90%% %g s", dir, prop90);
    ck_assert_msg(rf_json_num(summary, "reorgs.deepest") >= 2,
                  "%s: no reorganisation deeper than one block", dir);
    cJSON_Delete(summary);
}

/* large_1000 and large_10000 advertise three regions: the loader places half
 * the nodes in eu, a third in us, a sixth in asia (never run here). */
static void check_regions(const char *name, unsigned n_nodes)
{
    char rel[256];
    snprintf(rel, sizeof rel, "scenarios/%s.json", name);
    scenario s;
    char err[512];
    ck_assert_msg(scenario_load_file(&s, rf_src(rel), NULL, 0, err, sizeof err) == SCENARIO_OK,
                  "%s", err);
    ck_assert_uint_eq(s.n_nodes, n_nodes);
    ck_assert_uint_eq(s.network.n_regions, 3);
    ck_assert_str_eq(s.network.region_names[0], "eu");
    ck_assert_str_eq(s.network.region_names[1], "us");
    ck_assert_str_eq(s.network.region_names[2], "asia");
    unsigned count[3] = {0, 0, 0};
    for (unsigned i = 0; i < s.n_nodes; i++) {
        ck_assert_uint_lt(s.nodes[i].region, 3);
        count[s.nodes[i].region]++;
    }
    ck_assert_uint_eq(count[0], n_nodes / 2);
    ck_assert_uint_eq(count[1], n_nodes * 33 / 100);
    ck_assert_uint_eq(count[2], n_nodes * 17 / 100);
    scenario_free(&s);
}

static void claim_large_1000(void)
{
    check_regions("large_1000", 1000);
}

static void claim_large_10000(void)
{
    check_regions("large_10000", 10000);
}

/* selfish_mining: a third of the hash power and gamma 0.45 earn the
 * attacker more than its share, near Eyal and Sirer's closed form (a
 * single run's standard error is about 0.02); gamma measured near the
 * configured 0.45; every block it found was mined by node 1. */
static void claim_selfish_mining(void)
{
    const char *dir = run_scenario("selfish_mining", NULL);
    cJSON *summary = rf_json(dir, "summary.json");
    double alpha = rf_json_num(summary, "attack.hash_share");
    double r = rf_json_num(summary, "attack.relative_revenue");
    double theory = rf_json_num(summary, "attack.relative_revenue_theory");
    double gamma = rf_json_num(summary, "attack.gamma_measured");
    ck_assert_msg(fabs(alpha - 1.0 / 3) < 1e-12, "%s: hash share %g", dir, alpha);
    ck_assert_msg(gamma > 0.3 && gamma < 0.6, "%s: gamma %g, configured 0.45", dir, gamma);
    ck_assert_msg(r > alpha, "%s: revenue %g not above the hash share %g", dir, r, alpha);
    ck_assert_msg(fabs(r - theory) < 0.06, "%s: revenue %g, closed form %g", dir, r, theory);
    ck_assert_msg(rf_json_num(summary, "attack.threshold_theory") < alpha,
                  "%s: the threshold is not below alpha", dir);
    cJSON_Delete(summary);
}

/* double_spend_attack: a few hundred trials at q = 0.25, z = 2, their
 * success rate within 4 binomial standard errors of the race's probability
 * (near Rosenfeld's 0.3125); each won trial dropped its payment to the
 * merchant as a double spend. */
static void claim_double_spend_attack(void)
{
    const char *dir = run_scenario("double_spend_attack", NULL);
    cJSON *summary = rf_json(dir, "summary.json");
    cJSON *a =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
                               cJSON_GetObjectItemCaseSensitive(summary, "attack"), "adversaries"),
                           0);
    ck_assert_ptr_nonnull(a);
    double trials = rf_json_num(a, "trials"), wins = rf_json_num(a, "successes");
    double theory = rf_json_num(a, "success_rate_theory_give_up");
    ck_assert_msg(trials >= 200, "%s: %g trials", dir, trials);
    ck_assert_msg(fabs(rf_json_num(a, "success_rate_theory") - 0.3125) < 1e-9, "%s", dir);
    double se = sqrt(theory * (1 - theory) / trials);
    ck_assert_msg(fabs(wins / trials - theory) < 4 * se, "%s: %g of %g trials, theory %g", dir,
                  wins, trials, theory);
    ck_assert_msg(rf_json_num(summary, "transactions.dropped_double_spend") >= wins,
                  "%s: fewer payments dropped than trials won", dir);
    cJSON_Delete(summary);
}

/* byzantine: every honest node rejects forged items of node 1 for several
 * reasons and bans it. */
static void claim_byzantine(void)
{
    const char *dir = run_scenario("byzantine", NULL);
    cJSON *summary = rf_json(dir, "summary.json");
    cJSON *mis = cJSON_GetObjectItemCaseSensitive(summary, "misbehaviour");
    ck_assert_msg(mis != NULL, "%s: no misbehaviour section", dir);
    cJSON *peer = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(mis, "by_peer"), 0);
    ck_assert_msg(rf_json_num(peer, "peer") == 1, "%s: the rejected peer is not node 1", dir);
    ck_assert_msg(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(peer, "by_reason")) >= 10,
                  "%s: fewer than 10 reasons", dir);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(mis, "bans")), 4);
    ck_assert_msg(rf_json_num(peer, "banned_by") == 4, "%s", dir);
    cJSON_Delete(summary);
}

/* byzantine_pos: node 1's blocks for slots it does not lead and in another
 * leader's name are rejected with their reasons by the four honest nodes,
 * which ban it; every pair of blocks it signed for one slot is caught by all
 * four as evidence naming node 1. */
static void claim_byzantine_pos(void)
{
    const char *dir = run_scenario("byzantine_pos", NULL);
    cJSON *summary = rf_json(dir, "summary.json");
    cJSON *mis = cJSON_GetObjectItemCaseSensitive(summary, "misbehaviour");
    ck_assert_msg(mis != NULL, "%s: no misbehaviour section", dir);
    cJSON *peer = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(mis, "by_peer"), 0);
    ck_assert_msg(rf_json_num(peer, "peer") == 1, "%s: the rejected peer is not node 1", dir);
    ck_assert_msg(rf_json_num(peer, "by_reason.POS_NOT_LEADER") >= 4, "%s", dir);
    ck_assert_msg(rf_json_num(peer, "by_reason.POS_BAD_SIGNATURE") >= 4, "%s", dir);
    ck_assert_msg(rf_json_num(peer, "banned_by") == 4, "%s", dir);
    cJSON *eq = cJSON_GetObjectItemCaseSensitive(summary, "equivocation");
    ck_assert_msg(eq != NULL, "%s: no equivocation section", dir);
    int count = (int)rf_json_num(eq, "count");
    ck_assert_msg(count >= 10, "%s: %d equivocations caught", dir, count);
    cJSON *ev = cJSON_GetObjectItemCaseSensitive(eq, "evidence");
    ck_assert_int_eq(cJSON_GetArraySize(ev), count);
    cJSON *e;
    cJSON_ArrayForEach(e, ev)
    {
        ck_assert_int_eq((int)rf_json_num(e, "proposer"), 1);
        ck_assert_int_eq((int)rf_json_num(e, "detected_by"), 4);
    }
    cJSON *adv =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
                               cJSON_GetObjectItemCaseSensitive(summary, "attack"), "adversaries"),
                           0);
    ck_assert_msg(rf_json_num(adv, "sent_by_kind.pos_equivocation") >= count, "%s", dir);
    cJSON_Delete(summary);
}

/* eclipse: the victim's payment is dropped as a double spend after the
 * eclipse, the honest one confirmed, and the victim reorganises more than
 * one block deep when the eclipse ends. */
static void claim_eclipse(void)
{
    const char *dir = run_scenario("eclipse", NULL);
    cJSON *summary = rf_json(dir, "summary.json");
    ck_assert_msg(rf_json_num(summary, "transactions.dropped_double_spend") == 1, "%s", dir);
    ck_assert_msg(rf_json_num(summary, "transactions.confirmed") == 1, "%s", dir);
    cJSON_Delete(summary);
    rf_csv *rg = rf_csv_load(dir, "reorgs.csv");
    size_t r = first_reorg(rg, 8, 480, 490);
    ck_assert_msg(r != (size_t)-1, "%s: node 8 did not reorganise when the eclipse ended", dir);
    ck_assert_msg(rf_num(rg, r, rf_col(rg, "depth")) >= 2, "%s: a shallow reorganisation", dir);
    rf_csv_free(rg);
}

/* withholding: node 1's windows are rows of attacks.csv, each released at
 * or after its end; one window's blocks all stay on the main chain (the
 * honest nodes reorganise onto them when released) and another's all go
 * stale; the honest nodes' stale rate is far above a quiet network's. */
static void claim_withholding(void)
{
    const char *dir = run_scenario("withholding", NULL);
    rf_csv *at = rf_csv_load(dir, "attacks.csv");
    size_t c_start = rf_col(at, "start"), c_end = rf_col(at, "end");
    size_t c_out = rf_col(at, "outcome"), c_held = rf_col(at, "blocks_withheld");
    int kept = 0, stale = 0;
    double held = 0;
    ck_assert_msg(at->n_rows == 5, "%s: %zu windows, want 5", dir, at->n_rows);
    for (size_t r = 0; r < at->n_rows; r++) {
        ck_assert_msg(rf_num(at, r, c_end) >= rf_num(at, r, c_start) + 60, "%s: row %zu", dir, r);
        held += rf_num(at, r, c_held);
        kept |= strcmp(rf_cell(at, r, c_out), "main_chain") == 0;
        stale |= strcmp(rf_cell(at, r, c_out), "stale") == 0;
    }
    ck_assert_msg(kept && stale, "%s: want a window kept and one gone stale", dir);
    rf_csv_free(at);
    cJSON *summary = rf_json(dir, "summary.json");
    cJSON *adv =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
                               cJSON_GetObjectItemCaseSensitive(summary, "attack"), "adversaries"),
                           0);
    ck_assert_msg(rf_json_num(adv, "blocks_withheld") == held, "%s", dir);
    ck_assert_msg(rf_json_num(summary, "attack.honest_stale_rate") > 0.1, "%s", dir);
    cJSON_Delete(summary);
}

/* censorship: the payments of node 2 (wallets 2 and 6, censored) wait
 * longer than the others: their median confirmation latency is well above
 * the others'. */
static void claim_censorship(void)
{
    const char *dir = run_scenario("censorship", NULL);
    rf_csv *tx = rf_csv_load(dir, "transactions.csv");
    size_t c_origin = rf_col(tx, "origin"), c_lat = rf_col(tx, "latency");
    int64_t *lat[2];
    size_t n[2] = {0, 0};
    lat[0] = calloc(tx->n_rows + 1, sizeof *lat[0]);
    lat[1] = calloc(tx->n_rows + 1, sizeof *lat[1]);
    ck_assert(lat[0] != NULL && lat[1] != NULL);
    for (size_t r = 0; r < tx->n_rows; r++) {
        if (rf_cell(tx, r, c_lat)[0] == '\0')
            continue;
        int censored = strcmp(rf_cell(tx, r, c_origin), "2") == 0;
        lat[censored][n[censored]++] = (int64_t)(rf_num(tx, r, c_lat) * 1e9);
    }
    ck_assert_msg(n[0] >= 100 && n[1] >= 100, "%s: %zu and %zu confirmed", dir, n[0], n[1]);
    int64_t med[2];
    for (int k = 0; k < 2; k++)
        ck_assert_int_eq(metrics_percentile(&med[k], lat[k], n[k], 50), 0);
    ck_assert_msg(med[1] > 3 * med[0] / 2, "%s: median latency censored %lld ns, others %lld ns",
                  dir, (long long)med[1], (long long)med[0]);
    free(lat[0]);
    free(lat[1]);
    rf_csv_free(tx);
    cJSON *summary = rf_json(dir, "summary.json");
    cJSON *adv =
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(
                               cJSON_GetObjectItemCaseSensitive(summary, "attack"), "adversaries"),
                           0);
    ck_assert_msg(rf_json_num(adv, "txs_censored") >= (double)n[1] / 2, "%s", dir);
    cJSON_Delete(summary);
}

static const struct claim {
    const char *name; /* scenarios/NAME.json */
    void (*check)(void);
} claims[] = {
    {"crash_restart", claim_crash_restart},   {"default", claim_default},
    {"double_spend", claim_double_spend},     {"high_latency", claim_high_latency},
    {"large_1000", claim_large_1000},         {"large_10000", claim_large_10000},
    {"late_join", claim_late_join},           {"pos_partition", claim_pos_partition},
    {"pow_vs_pos_pos", claim_pow_vs_pos_pos}, {"pow_vs_pos_pow", claim_pow_vs_pos_pow},
    {"selfish_mining", claim_selfish_mining}, {"double_spend_attack", claim_double_spend_attack},
    {"byzantine", claim_byzantine},           {"eclipse", claim_eclipse},
    {"partition_pow", claim_partition_pow},   {"partition_pos", claim_partition_pos},
    {"withholding", claim_withholding},       {"censorship", claim_censorship},
    {"byzantine_pos", claim_byzantine_pos},   {"partition_poa", claim_partition_poa},
    {"partition_bft", claim_partition_bft},   {"bft_crash", claim_bft_crash},
    {"bft_byzantine", claim_bft_byzantine},   {"bft_safety_violation", claim_bft_safety_violation},
    {"bft_gossip", claim_bft_gossip},
};
#define N_CLAIMS (sizeof claims / sizeof claims[0])

/* CHAINSIM_CLAIMS=name,name,... runs only those claims (to check one
 * scenario's claim without running them all). */
START_TEST(scenario_claim)
{
    const char *only = getenv("CHAINSIM_CLAIMS");
    if (only != NULL && *only != '\0') {
        size_t len = strlen(claims[_i].name);
        int listed = 0;
        for (const char *p = only; *p != '\0' && !listed; p += strcspn(p, ","), p += *p == ',')
            listed = strncmp(p, claims[_i].name, len) == 0 && (p[len] == ',' || p[len] == '\0');
        if (!listed)
            return;
    }
    claims[_i].check();
}
END_TEST

START_TEST(every_scenario_has_a_check)
{
    DIR *d = opendir(rf_src("scenarios"));
    ck_assert_ptr_nonnull(d);
    size_t found = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0)
            continue;
        int has = 0;
        for (size_t i = 0; i < N_CLAIMS && !has; i++)
            has = strlen(claims[i].name) == len - 5 &&
                  strncmp(claims[i].name, e->d_name, len - 5) == 0;
        ck_assert_msg(has, "scenarios/%s has no check of its description here", e->d_name);
        found++;
    }
    closedir(d);
    ck_assert_uint_eq(found, N_CLAIMS);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("scenarios_claims");
    TCase *tc = tcase_create("claims");
    tcase_set_timeout(tc, 900);
    tcase_add_test(tc, every_scenario_has_a_check);
    tcase_add_loop_test(tc, scenario_claim, 0, (int)N_CLAIMS);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
