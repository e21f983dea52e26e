/* Private to the metrics module (metrics.c records, metrics_finish.c merges,
 * metrics_out.c writes the files): the recorder's fields and the merged,
 * sorted results of metrics_finish. */
#ifndef CHAINSIM_METRICS_IMPL_H
#define CHAINSIM_METRICS_IMPL_H

#include "metrics.h"

#include "hmap.h"

#include <stdint.h>

#define METRICS_NONE (-1) /* a time or delay that does not exist */

typedef struct mblock {
    hash256 id, parent;
    uint64_t height, size_bytes;
    uint32_t producer;
    int64_t time_ns;
    hash256 *txids; /* owned by the producer's recorder */
    size_t n_txids;
    int main;
    uint32_t seen_by;
    int64_t reach50_ns, reach90_ns; /* delay until 50% / 90% of nodes saw it */
} mblock;

typedef struct mseen {
    hash256 id;
    int64_t time_ns;
} mseen;

typedef struct marrival {
    uint32_t block; /* index in metrics.blocks */
    uint32_t node;
    int64_t time_ns;
} marrival;

typedef struct mreorg {
    int64_t time_ns;
    uint32_t node, depth, txs_reverted;
    hash256 old_tip, new_tip;
} mreorg;

typedef enum mtx_status {
    MTX_CONFIRMED,
    MTX_PENDING,
    MTX_DROPPED_DOUBLE_SPEND,
    MTX_REVERTED
} mtx_status;

typedef struct mtx {
    hash256 txid;
    uint32_t origin;
    int64_t submitted_ns, first_included_ns, confirmed_ns;
    int in_main, double_spent, in_any_block;
    hash256 main_block;
    mtx_status status;
} mtx;

typedef struct mreason {
    const char *reason;
    uint64_t count;
} mreason;

/* Rejections of one peer's data at one node, by reason (name). */
typedef struct mpeer_rej {
    uint32_t peer; /* 0-based */
    const char *reason;
    uint64_t count, score;
} mpeer_rej;

typedef struct mban {
    int64_t time_ns;
    uint32_t node, peer; /* 0-based */
    uint32_t score;
} mban;

/* Evidence of an equivocation a node caught: the proposer (0-based node)
 * signed first and second for slot. */
typedef struct mequiv {
    int64_t time_ns;
    uint64_t slot;
    uint32_t proposer;
    hash256 first, second;
} mequiv;

struct metrics_node {
    uint32_t node;
    int64_t last_ns;
    metrics_status status;
    char err[240];
    mblock *produced;
    size_t n_produced, cap_produced;
    mseen *seen;
    size_t n_seen, cap_seen;
    mreorg *reorgs;
    size_t n_reorgs, cap_reorgs;
    mseen *txsub;
    size_t n_txsub, cap_txsub;
    mseen *txds;
    size_t n_txds, cap_txds;
    uint64_t counters[METRICS_N_COUNTERS];
    mreason *reasons;
    size_t n_reasons, cap_reasons;
    mpeer_rej *prej;
    size_t n_prej, cap_prej;
    mban *bans;
    size_t n_bans, cap_bans;
    mequiv *equivs;
    size_t n_equivs, cap_equivs;
    metrics_bft_height *bfth; /* metrics_bft_record */
    size_t n_bfth, cap_bfth;
};

/* One row of finality.csv: a block committed at a height, over the nodes
 * that committed it. */
typedef struct mfinal {
    uint64_t height;
    hash256 block;
    uint32_t proposer;   /* 1-based; 0: not among the produced blocks */
    int64_t proposed_ns; /* METRICS_NONE when proposer is 0 */
    int64_t first_ns, median_ns, last_ns;
    uint32_t committed_by; /* nodes */
    uint32_t rounds;       /* most rounds a node took to decide it; 0: none decided */
} mfinal;

typedef enum mevent_kind {
    MEV_PARTITION,
    MEV_HEAL,
    MEV_CRASH,
    MEV_RESTART,
    MEV_JOIN,
    MEV_ISOLATE,
    MEV_REJOIN,
    MEV_ECLIPSE,
    MEV_ECLIPSE_END,
    MEV_CUT,
    MEV_RESTORE,
    MEV_LATENCY
} mevent_kind;

typedef struct mevent {
    int64_t time_ns;
    mevent_kind kind;
    uint32_t node;      /* for crash/restart/join; latency: the link's first node */
    uint32_t peer;      /* latency: the link's other node */
    int64_t latency_ns; /* latency: the link's new latency, 0 for the scenario's again */
    uint32_t *group;    /* for a partition: n_nodes entries, owned */
} mevent;

/* One node at one sample: 16 bytes, since a run keeps nodes x samples of
 * them (the tip is an index in metrics.tips: a run has few distinct tips). */
typedef struct msample {
    uint32_t height;
    uint32_t tip;   /* index in metrics.tips */
    uint32_t group; /* partition group, 0 when not partitioned */
    uint8_t online;
} msample;

typedef struct mnode_result {
    uint64_t produced, main, stale, reorgs, deepest_reorg, invalid;
    uint64_t final_height;
    hash256 final_tip;
} mnode_result;

typedef struct mheal {
    int64_t heal_ns, reconverged_ns; /* METRICS_NONE when not reconverged */
} mheal;

struct metrics {
    uint32_t n_nodes, confirm_depth;
    metrics_node *nodes;
    /* global records */
    metrics_status status;
    char err[240];
    int64_t last_global_ns;
    mevent *events;
    size_t n_events, cap_events;
    uint32_t *cur_group; /* current partition groups, all 0 when healed */
    int64_t *sample_ns;
    size_t n_samples, cap_samples, cap_sample_rows;
    msample *samples; /* n_samples * n_nodes, row-major by sample */
    hash256 *tips;    /* the distinct tips of the samples, in order first sampled */
    size_t n_tips, cap_tips;
    hmap *tip_index; /* tip id -> uint32_t index in tips */
    /* results of metrics_finish */
    int finished;
    int seen_merged; /* the nodes' seen records were moved into arrivals (freed) */
    int64_t end_ns;
    mblock *blocks; /* sorted by (time, producer, id) */
    size_t n_blocks;
    uint64_t main_height;
    marrival *arrivals; /* sorted by (time, node, block id) */
    size_t n_arrivals;
    mreorg *reorgs; /* sorted by (time, node, new tip, old tip) */
    size_t n_reorgs;
    mtx *txs; /* sorted by (submitted, origin, txid) */
    size_t n_txs;
    mnode_result *node_results;
    mheal *heals;
    size_t n_heals;
    mreason *reasons; /* all nodes, sorted by reason */
    size_t n_reasons;
    cJSON *attack; /* summary.json's "attack" section (metrics_set_attack), or NULL */
    metrics_attack_row *attack_rows; /* attacks.csv (metrics_add_attack_row) */
    size_t n_attack_rows, cap_attack_rows;
    cJSON *bft;     /* summary.json's "bft" section (metrics_set_bft), or NULL */
    mfinal *finals; /* finality.csv, by (height, block); metrics_bft_finish */
    size_t n_finals;
    int64_t halted_ns; /* time halted (metrics_bft_finish) */
};

/* After the merge: finality.csv's rows and the time halted from the
 * nodes' metrics_bft_record records. Returns METRICS_OK or
 * METRICS_E_NOMEM. */
metrics_status metrics_bft_finish(metrics *m);

/* Frees metrics_finish's results (blocks, arrivals, reorgs, transactions,
 * node results, heals, reasons) and empties them; m stays usable. */
void metrics_release_results(metrics *m);

/* Formats ns as seconds with 9 decimals into buf (at least 32 bytes). */
const char *metrics_fmt_seconds(char *buf, int64_t ns);

/* Frees a node recorder's records and empties them (its counters and
 * identity stay). */
void metrics_node_clear(metrics_node *mn);

#endif
