/* Run metrics: records what happens during a run (blocks produced and seen,
 * reorganisations, transactions, traffic, partitions, tip samples) and at the
 * end writes the CSV files, summary.json and run_info.json of a run folder.
 *
 * Threading contract. Recording is partitioned by node: each node has one
 * recorder (metrics_node_of) that only the thread running that node touches,
 * so recording takes no lock. The global calls (metrics_partition,
 * metrics_heal, metrics_node_event, metrics_sample) and everything from
 * metrics_finish on are single-threaded: call them at window barriers or after
 * the run. metrics_finish merges every recorder and sorts each file's rows in
 * a defined order (time, then node, then id), so the output bytes do not
 * depend on which thread recorded what, or when.
 *
 * Errors. The recording calls are on the hot path and return nothing: the
 * first misuse at a recorder (time going backwards at a node, an allocation
 * failure) is kept and reported by metrics_finish, like ferror() for stdio.
 *
 * Node numbers are 1..n_nodes, as in nodeK_chain.json. Times are int64
 * nanoseconds of virtual time; the files show seconds with 9 decimals
 * (exact, no floating point). Every file and column is documented in
 * data_blockchain/README.md. */
#ifndef CHAINSIM_METRICS_H
#define CHAINSIM_METRICS_H

#include "hash.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* Status codes and their messages. */
#define METRICS_STATUS_MAP(X)                                                                      \
    X(METRICS_OK, "ok")                                                                            \
    X(METRICS_E_NOMEM, "out of memory")                                                            \
    X(METRICS_E_ARG, "invalid argument")                                                           \
    X(METRICS_E_TIME_BACKWARDS, "virtual time went backwards")                                     \
    X(METRICS_E_DUPLICATE_BLOCK, "block recorded as produced twice")                               \
    X(METRICS_E_UNKNOWN_BLOCK, "block never recorded as produced")                                 \
    X(METRICS_E_ARRIVAL_BEFORE_PRODUCTION, "block seen before it was produced")                    \
    X(METRICS_E_CHAIN, "final chain inconsistent with the recorded blocks")                        \
    X(METRICS_E_STATE, "call out of order")                                                        \
    X(METRICS_E_WRITE, "cannot write an output file")

#define METRICS_ENUM(code, msg) code,
typedef enum metrics_status { METRICS_STATUS_MAP(METRICS_ENUM) } metrics_status;
#undef METRICS_ENUM

/* Per-node counters (metrics_count). */
typedef enum metrics_counter {
    METRICS_MSGS_SENT,
    METRICS_MSGS_RECEIVED,
    METRICS_BYTES_SENT,
    METRICS_BYTES_RECEIVED,
    METRICS_HASHES,
    METRICS_EVENTS,
    METRICS_N_COUNTERS
} metrics_counter;

/* Node life events (metrics_node_event). */
/* Events of one node (events.csv): its life, and its links cut and
 * restored (isolate and rejoin: all its links; eclipse and eclipse_end:
 * all but those to its attackers; cut and restore: one link, a row per
 * end). */
typedef enum metrics_life {
    METRICS_CRASH,
    METRICS_RESTART,
    METRICS_JOIN,
    METRICS_ISOLATE,
    METRICS_REJOIN,
    METRICS_ECLIPSE,
    METRICS_ECLIPSE_END,
    METRICS_CUT,
    METRICS_RESTORE
} metrics_life;

/* One node's state at a sample (metrics_sample). */
typedef struct metrics_tip {
    uint64_t height;
    hash256 tip;
    int online; /* 0 when crashed or not yet joined */
} metrics_tip;

/* A chain as block ids by height: ids[h] is the block at height h, ids[0]
 * the genesis block (which is never "produced"), ids[len-1] the tip. */
typedef struct metrics_chain {
    const hash256 *ids;
    size_t len;
} metrics_chain;

typedef struct metrics metrics;
typedef struct metrics_node metrics_node;

/* Returns the static message of a status ("unknown status" if out of range). */
const char *metrics_status_message(metrics_status status);

/* Creates the recorder of a run of n_nodes nodes (>= 1); a transaction counts
 * as confirmed once its block is confirm_depth (>= 1) deep in the main chain
 * (1 = included). Returns NULL on a bad argument or out of memory. The caller
 * frees it with metrics_free. */
metrics *metrics_new(uint32_t n_nodes, uint32_t confirm_depth);

/* Frees m and every recorder in it. NULL is fine. */
void metrics_free(metrics *m);

/* Returns node's recorder (node in 1..n_nodes, else NULL), owned by m. Safe to
 * call from any thread; the recorder itself belongs to the node's thread. */
metrics_node *metrics_node_of(metrics *m, uint32_t node);

/* --- Per-node recording: only the thread that runs the node. Times at one
 * node must not decrease from call to call (else METRICS_E_TIME_BACKWARDS at
 * finish). Pointers are copied; the caller keeps ownership. --- */

/* The node produced (mined or forged) block id at height with parent, holding
 * the n_txids transactions txids (coinbase included or not: only submitted
 * transactions are looked up), serialized size size_bytes. The producer counts
 * as having seen the block at time_ns. */
void metrics_block_produced(metrics_node *mn, int64_t time_ns, const hash256 *id,
                            const hash256 *parent, uint64_t height, const hash256 *txids,
                            size_t n_txids, uint64_t size_bytes);

/* The node saw block id for the first time (received and accepted it).
 * Repeats are harmless: the earliest time counts. */
void metrics_block_seen(metrics_node *mn, int64_t time_ns, const hash256 *id);

/* The node switched its active chain from old_tip to new_tip, disconnecting
 * depth blocks (>= 1) and returning txs_reverted transactions to its mempool. */
void metrics_reorg(metrics_node *mn, int64_t time_ns, const hash256 *old_tip,
                   const hash256 *new_tip, uint32_t depth, uint32_t txs_reverted);

/* A transaction was created and submitted at this node (its origin). */
void metrics_tx_submitted(metrics_node *mn, int64_t time_ns, const hash256 *txid);

/* The node dropped transaction txid because it spends an output already spent
 * by a transaction of its active chain. */
void metrics_tx_double_spend(metrics_node *mn, int64_t time_ns, const hash256 *txid);

/* Adds n to one of the node's counters. */
void metrics_count(metrics_node *mn, metrics_counter counter, uint64_t n);

/* The node rejected invalid data for reason (a static string such as a reason
 * code's name; it must outlive m). */
void metrics_rejected(metrics_node *mn, const char *reason);

/* --- Global records: single-threaded, times non-decreasing across these
 * calls. The first misuse is kept and reported by metrics_finish. --- */

/* A partition starts: group_of_node[i] (>= 1) is the group of node i+1; n must
 * be n_nodes. It lasts until the next metrics_heal. */
void metrics_partition(metrics *m, int64_t time_ns, const uint32_t *group_of_node, size_t n);

/* The partition ends: every link is back. */
void metrics_heal(metrics *m, int64_t time_ns);

/* Node crashed, restarted or joined at time_ns. */
void metrics_node_event(metrics *m, int64_t time_ns, uint32_t node, metrics_life what);

/* The latency of link a-b (nodes from 1, a != b) was set to latency_ns
 * (0: back to the scenario's latency). */
void metrics_link_latency(metrics *m, int64_t time_ns, uint32_t a, uint32_t b, int64_t latency_ns);

/* A timeline sample: tips[i] is node i+1's state; n must be n_nodes. Call it
 * every sample interval (and once at the end of the run); sample times must
 * increase. Reconvergence after a heal is measured on these samples. */
void metrics_sample(metrics *m, int64_t time_ns, const metrics_tip *tips, size_t n);

/* --- End of run: single-threaded. --- */

/* Merges and checks every record and computes the figures. node_chains[i] is
 * node i+1's final active chain (n_chains == n_nodes, each len >= 1);
 * main_chain is the run's main chain. The runner should pass the chain of the
 * online honest node with the most work, ties to the lowest node number.
 * Blocks on main_chain are "main", every other produced block is "stale".
 * end_ns is the run's duration (>= the last recorded time).
 * Returns METRICS_OK, or the first error (a recorder's kept error first, in
 * node order), with a message naming the node, block and times in err. Call
 * once; afterwards only metrics_write*, metrics_summary and metrics_free. A
 * call refused before the arrivals are merged (bad arguments, an unknown or
 * early arrival) may be repeated; one that failed later may not (the nodes'
 * seen records are freed once merged): METRICS_E_STATE. */
metrics_status metrics_finish(metrics *m, char *err, size_t errlen,
                              const metrics_chain *node_chains, size_t n_chains,
                              const metrics_chain *main_chain, int64_t end_ns)
    __attribute__((warn_unused_result));

/* Node mn rejected a block or transaction that peer (0-based) sent, for
 * reason (a static name), adding score to the peer's misbehaviour score
 * (core/misbehave.h). Node's thread. */
void metrics_rejected_from(metrics_node *mn, uint32_t peer, const char *reason, uint32_t score);

/* Node mn banned peer (0-based) at time_ns, its score then being score.
 * Node's thread. */
void metrics_peer_banned(metrics_node *mn, int64_t time_ns, uint32_t peer, uint32_t score);

/* Node mn caught at time_ns an equivocation: proposer (0-based node) signed
 * the blocks first and second for slot. Node's thread. */
void metrics_equivocation(metrics_node *mn, int64_t time_ns, uint64_t slot, uint32_t proposer,
                          const hash256 *first, const hash256 *second);

/* After metrics_finish: the number of blocks produced, and block i's
 * producer (1-based node) and whether it is on the main chain. */
size_t metrics_n_blocks(const metrics *m);
void metrics_block_fate(const metrics *m, uint32_t *producer, int *main, size_t i);

/* The id of block i (as metrics_block_fate), borrowed from m. */
const hash256 *metrics_block_id(const metrics *m, size_t i);

/* One row of attacks.csv: an attack episode or trial, or an attacker's
 * whole run. Times below 0 and counts below 0 are left empty (not
 * applicable or not known). kind and outcome are static strings. */
typedef struct metrics_attack_row {
    const char *kind;
    uint32_t node; /* 1-based */
    int64_t start_ns, end_ns;
    int64_t blocks_withheld, blocks_published, blocks_main, txs_censored;
    const char *outcome;
} metrics_attack_row;

/* Appends a copy of row to attacks.csv (written, in the order of the
 * calls, when the run has an attack section). Returns 0, or -1 when out
 * of memory. */
int metrics_add_attack_row(metrics *m, const metrics_attack_row *row)
    __attribute__((warn_unused_result));

/* Sets summary.json's "attack" section (taking ownership of attack; NULL
 * for none, the default: the section is then left out). */
void metrics_set_attack(metrics *m, cJSON *attack);

/* Sets summary.json's "bft" section (taking ownership of bft; NULL: none,
 * as for runs of other protocols). A run with a "bft" section also gets
 * finality.csv and, in that section, finality_latency_s and time_halted_s
 * (from the metrics_bft_height records). */
void metrics_set_bft(metrics *m, cJSON *bft);

/* One height of a BFT run as one node saw it (metrics_bft_record). */
typedef struct metrics_bft_height {
    uint64_t height;
    hash256 block;            /* the block committed (when committed_ns >= 0) */
    int64_t committed_ns;     /* when the node committed it; -1: not committed (the height
                               * the node was still deciding at the end) */
    int64_t first_timeout_ns; /* the node's first round timeout at the height that took
                               * effect (propose, prevote or precommit); -1: none */
    uint32_t rounds;          /* rounds the node took to decide it; 0: taken from a peer's
                               * certificate, or not committed */
} metrics_bft_height;

/* Keeps a copy of h for node mn: BFT nodes' heights, recorded after the
 * run (before metrics_finish), in any order and free of the time checks
 * of the other per-node records. finality.csv and time halted are
 * computed from them (data_blockchain/README.md). */
void metrics_bft_record(metrics_node *mn, const metrics_bft_height *h);

/* Returns summary.json's object (caller frees with cJSON_Delete): scenario
 * (a copy of the given object, or null), seed, and the headline figures.
 * NULL when metrics_finish has not succeeded or out of memory. */
cJSON *metrics_summary(const metrics *m, const cJSON *scenario, uint64_t seed);

/* Writes blocks.csv, block_arrivals.csv, nodes.csv, timeline.csv,
 * transactions.csv, reorgs.csv, partitions.csv, events.csv, attacks.csv (a
 * run with an attack section), finality.csv (a run with a bft section) and
 * summary.json into dir (created if missing), each atomically (fileout). Returns METRICS_OK,
 * METRICS_E_STATE before a successful metrics_finish, METRICS_E_NOMEM, or
 * METRICS_E_WRITE with the file and system error in err. */
metrics_status metrics_write(const metrics *m, char *err, size_t errlen, const char *dir,
                             const cJSON *scenario, uint64_t seed)
    __attribute__((warn_unused_result));

/* Writes dir/run_info.json: the wall-clock facts of a run, the only
 * non-deterministic output (wall_seconds, host name, thread count, chainsim
 * version). Returns METRICS_OK, METRICS_E_NOMEM or METRICS_E_WRITE (err). */
metrics_status metrics_write_run_info(char *err, size_t errlen, const char *dir,
                                      double wall_seconds, unsigned threads)
    __attribute__((warn_unused_result));

/* Nearest-rank percentile: the value at rank ceil(pct/100 * n) (1-based) of
 * the n values sorted ascending; values need not be sorted (they are not
 * modified). pct in 1..100. Returns 0 and writes *out, or -1 when n is 0 or
 * pct is out of range. */
int metrics_percentile(int64_t *out, const int64_t *values, size_t n, unsigned pct)
    __attribute__((warn_unused_result));

#endif
