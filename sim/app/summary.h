/* Reading run folders back: loads a run's summary.json and extracts the
 * headline figures that `chainsim compare` and `chainsim sweep` tabulate, so
 * both commands show the same figures under the same names. */
#ifndef CHAINSIM_SUMMARY_H
#define CHAINSIM_SUMMARY_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdio.h>

/* The headline figures: column name, then the path of the value in
 * summary.json (dot-separated object keys). */
#define SUMMARY_HEADLINE_MAP(X)                                                                    \
    X("blocks", "blocks.produced")                                                                 \
    X("stale_rate", "blocks.stale_rate")                                                           \
    X("prop50_median_s", "propagation_s.reach_50pct.median")                                       \
    X("prop50_p90_s", "propagation_s.reach_50pct.p90")                                             \
    X("prop90_median_s", "propagation_s.reach_90pct.median")                                       \
    X("prop90_p90_s", "propagation_s.reach_90pct.p90")                                             \
    X("reorgs", "reorgs.count")                                                                    \
    X("deepest_reorg", "reorgs.deepest")                                                           \
    X("reconverge_max_s", "reconvergence.max_delay_s")                                             \
    X("tx_per_s", "transactions.per_second")                                                       \
    X("confirm_median_s", "transactions.confirmation_latency_s.median")                            \
    X("confirm_p90_s", "transactions.confirmation_latency_s.p90")                                  \
    X("hashes", "hashes")                                                                          \
    X("messages_sent", "messages.sent")                                                            \
    X("bytes_sent", "bytes.sent")                                                                  \
    X("events", "events_processed")

/* The figures of an attack (summary.json's "attack" section, present only
 * in runs with adversaries): headlines after the ones above, tabulated
 * only when one of the runs has them. */
#define SUMMARY_ATTACK_MAP(X)                                                                      \
    X("attacker_revenue", "attack.relative_revenue")                                               \
    X("attacker_revenue_theory", "attack.relative_revenue_theory")                                 \
    X("attacker_hash_share", "attack.hash_share")                                                  \
    X("gamma_measured", "attack.gamma_measured")                                                   \
    X("honest_stale_rate", "attack.honest_stale_rate")

/* The figures of a BFT run (summary.json's "bft" section): after the
 * attack figures, tabulated only when one of the runs has them. A PoW or
 * PoS run shows them as null; its comparable figure is confirm_median_s. */
#define SUMMARY_BFT_MAP(X)                                                                         \
    X("finality_median_s", "bft.finality_latency_s.median")                                        \
    X("finality_p90_s", "bft.finality_latency_s.p90")                                              \
    X("rounds_per_height", "bft.rounds_per_height_mean")                                           \
    X("time_halted_s", "bft.time_halted_s")                                                        \
    X("votes_sent", "bft.votes_sent")

/* The value at a dot-separated path of object keys in root ("blocks.stale_rate"),
 * or NULL when a key is missing or a step is not an object. Borrowed. */
const cJSON *summary_lookup(const cJSON *root, const char *path);

/* Number of headline figures (SUMMARY_HEADLINE_MAP). */
size_t summary_n_headlines(void);

/* Number of every figure: headlines, attack and BFT figures. */
size_t summary_n_figures(void);

/* The figures to tabulate for these n summaries: those of
 * summary_n_headlines(), then the attack figures (SUMMARY_ATTACK_MAP) when
 * any of the summaries has an "attack" section, then the BFT figures
 * (SUMMARY_BFT_MAP) when any has a "bft" section. Writes their indices
 * into idx (summary_n_figures() entries; NULL: not written) and returns
 * how many. */
size_t summary_headlines_of(size_t *idx, const cJSON *const *sums, size_t n);

/* summary_headlines_of's count. */
size_t summary_n_headlines_of(const cJSON *const *sums, size_t n);

/* Column name of figure i (< summary_n_figures()), a static string; NULL
 * past them. */
const char *summary_headline_name(size_t i);

/* JSON path of headline i, a static string; NULL past them. */
const char *summary_headline_path(size_t i);

/* The largest summary.json read (64 MiB). */
#define SUMMARY_MAX_BYTES ((size_t)64 << 20)

/* Loads run_dir/summary.json into *out (caller frees with cJSON_Delete),
 * through fileout_read and the strict JSON reader. Returns 0, or -1 with
 * *out NULL and a message naming the file and what was wrong (missing,
 * unreadable, too large, not JSON with its line and column, a repeated key,
 * not an object, a headline figure missing or not a number/null) in err
 * (errlen bytes). */
int summary_load(cJSON **out, char *err, size_t errlen, const char *run_dir)
    __attribute__((warn_unused_result));

/* Formats headline i of a loaded summary into out: "%.9g" for a number, ""
 * for null (a figure that does not exist for that run, an attack or BFT
 * figure of a run without that section included). Returns 0 for a
 * number, 1 for null, -1 when the path is missing or not a number (out ""). */
int summary_headline_format(char *out, size_t outlen, const cJSON *summary, size_t i);

/* Writes s to f as one CSV field, quoted (RFC 4180) when it holds a comma,
 * quote or line break. */
void summary_csv_field(FILE *f, const char *s);

#endif
