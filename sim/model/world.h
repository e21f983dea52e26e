/* The simulated world of one run: N nodes with their keys, random streams
 * and console lines, the network, wallets, stake schedule, metrics recorder
 * and the engine that runs them. It is the model the engine kernel runs
 * (engine_model): messages, node timers and wallet timers are node events;
 * scenario events (partition, heal, crash, restart, join, hash rate,
 * transactions) and periodic samples are global events run at a barrier.
 *
 * The state is an open struct because the world's files (world_setup.c:
 * keys, seeds, consensus, nodes' configs, teardown; world_effects.c: engine
 * callbacks and node effects; world_events.c: global events, crash and
 * restart, samples) and the app that drives a run (run.c, output.c,
 * run_serve.c) all read it. Only the controlling thread touches it outside
 * engine_run; during engine_run a node's slot belongs to the thread running
 * that node, everything else to the barrier (global events).
 *
 * The world knows nothing of the command line or the dashboard: the app
 * plugs in through world_hooks. Console lines go to stdout, buffered per node
 * and printed at each sample in (time, node, sequence) order, so the output
 * does not depend on the threads. */
#ifndef CHAINSIM_WORLD_H
#define CHAINSIM_WORLD_H

#include "adversary.h"
#include "block.h"
#include "chain.h"
#include "consensus.h"
#include "consensus_ops.h"
#include "engine.h"
#include "hash.h"
#include "keys.h"
#include "metrics.h"
#include "net.h"
#include "node.h"
#include "rng.h"
#include "scenario.h"
#include "sigcache.h"
#include "stake.h"
#include "tx.h"
#include "wallet.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* Engine event types. Node timers carry the timer kind and the node's life
 * (incremented at each crash) so timers of an earlier life are ignored. */
enum { WORLD_EV_MSG = 1, WORLD_EV_TIMER = 2, WORLD_EV_WALLET = 3 };
enum { WORLD_G_EVENT = 1, WORLD_G_SAMPLE = 2, WORLD_G_START = 3 };
#define WORLD_EV_KIND(type) ((type)&0xfu)
#define WORLD_EV_SUB(type) (((type) >> 4) & 0xfu)
#define WORLD_EV_LIFE(type) ((type) >> 8)
#define WORLD_EV_MAKE(kind, sub, life)                                                             \
    ((uint32_t)(kind) | (uint32_t)(sub) << 4 | (uint32_t)(life) << 8)

#define WORLD_WALLET_COINS 8

/* One buffered console line. */
typedef struct world_line {
    int64_t time_ns;
    uint32_t ni;
    uint32_t seq;
    char *text;
} world_line;

/* One node's slot. */
typedef struct world_node {
    node *n;    /* NULL before the first start */
    int online; /* processes events */
    uint32_t life;
    uint64_t hashrate_mhps; /* thousandths of a hash per second */
    node_effects fx;
    rng rng_net, rng_work;
    keys_pair *key;
    metrics_node *mn;
    world_line *lines;
    size_t n_lines, cap_lines;
    uint32_t line_seq;
    int hosts_wallets;
    uint64_t produced;
    adversary *adv; /* the node's attack (scenario adversaries), NULL when honest */
} world_node;

/* Something the run's audience should see as it happens: a global event
 * (partition, heal, crash, restart, join, a link's latency; attacks and
 * other new kinds use the same record with their own kind). Valid for the
 * call only. */
typedef struct world_feed_item {
    int64_t time_ns;
    const char *kind;      /* "partition", "heal", "crash", "restart", "join", "latency", ... */
    const uint32_t *nodes; /* the nodes concerned, numbered from 1 (a partition: its first
                            * group; a latency change: the link's two nodes) */
    size_t n_nodes;
    const char *text; /* the console line (printed unless quiet) */
} world_feed_item;

/* What the app plugs into a run. Every member may be NULL. */
typedef struct world_hooks {
    void *ctx; /* passed to each hook */
    /* A failure inside a global event (a crashed node's chain file could not
     * be written or read back): message names the node and the cause. The
     * run carries on and world.failed is set. NULL: printed on stderr. */
    void (*error)(void *ctx, const char *message);
    /* At each sample barrier of the run, before the sample: may act on nodes
     * (as a global event does, through call). */
    void (*before_sample)(void *ctx, engine_call *call);
    /* At each sample barrier of the run, after the sample and its lines. */
    void (*after_sample)(void *ctx, int64_t now_ns);
    /* A global event happened (world_tell), at a barrier. */
    void (*on_event)(void *ctx, const world_feed_item *item);
} world_hooks;

/* Links one event cut (isolate or eclipse of a node), to restore. */
typedef struct world_cutlist {
    uint32_t (*links)[2];
    size_t n;
} world_cutlist;

typedef struct world {
    /* Set by the caller before world_setup (and freed by world_teardown). */
    scenario scn;        /* the scenario, loaded */
    cJSON *scn_json;     /* the scenario as run (summary.json), may be NULL */
    uint64_t seed;       /* the run seed */
    const char *out_dir; /* the output folder (crashed nodes' files go inside) */
    uint32_t threads;    /* worker threads for the engine; 0: its default */
    double realtime;     /* 0: as fast as possible; F: F x wall-clock speed */
    int quiet;           /* no console lines */
    /* Processes the run is split over (dist.h; 0 or 1: this one alone).
     * With several, each runs and keeps the state of its own nodes only
     * (world_local); online and life are kept for every node everywhere. */
    uint32_t procs;
    world_hooks hooks;
    /* Built by world_setup. */
    net *net;
    engine *eng;
    consensus_ctx cons;
    const consensus_ops *ops; /* the protocol (rules_protocol) */
    chain_params params;
    block *genesis;
    sigcache *cache;
    chain_index *index; /* the block index the nodes' chains share */
    wallet_set *ws;
    stake_schedule *stakes;
    metrics *m;
    world_node *nodes; /* n + 1: the extra slot holds the global console lines */
    uint32_t n;
    uint32_t *group_of;      /* current partition (1-based groups), NULL when whole */
    world_cutlist *isolated; /* n, per node: the links its isolate cut (NULL until one) */
    world_cutlist *eclipsed; /* n, per node: the links its eclipse cut (NULL until one) */
    uint64_t blocks_found;
    int failed;      /* an output or allocation failed inside a callback */
    char *crash_dir; /* where crashed nodes' chain files wait for their restart */
    /* Several processes: the node whose process records the run's own
     * lines now (UINT32_MAX: process 0), and each block that came from
     * another process, once (id -> block *, one reference each). */
    uint32_t voice;
    struct hmap *interned;
    uint32_t seeded; /* message types already kept by world_dist_seed (bit per type) */
} world;

/* ---- setup and teardown (world_setup.c) ---- */

/* Builds the run from w's scenario: keys, random streams, stakes, consensus,
 * wallets, genesis, network, metrics, and the engine with every node start,
 * scenario event and the first sample scheduled. Returns 0, or 1 (out of
 * memory, no thread) or 2 (the scenario cannot run) with a message in err;
 * either way call world_teardown afterwards. Controlling thread only. */
int world_setup(world *w, char *err, size_t errlen) __attribute__((warn_unused_result));

/* Frees everything world_setup built and the scenario, and removes the
 * crashed nodes' folder. Accepts a world set up partly or not at all (zeroed). */
void world_teardown(world *w);

/* Starts node i at the run's start, on joining, or on restart (restored: its
 * chain reloaded from its file, taken over, else NULL). Returns 0 or -1 (out
 * of memory). Global context only. */
int world_start_node(world *w, engine_call *call, uint32_t i, chain *restored)
    __attribute__((warn_unused_result));

/* A scenario's hash rate (H/s, on the 0.001 H/s grid the scenario reader
 * enforces) in the thousandths of a hash per second a node mines at. */
static inline uint64_t world_hashrate_mhps(double hps)
{
    return (uint64_t)(hps * (double)NODE_MHPS_PER_HPS + 0.5);
}

/* Returns dir/node<ni+1>_chain.json (caller frees), NULL when out of memory. */
char *world_chain_path_in(const char *dir, uint32_t ni);

/* ---- effects and engine callbacks (world_effects.c) ---- */

/* Buffers a console line of node ni (UINT32_MAX and wn the global slot for
 * the run's own lines) at virtual time t; nothing when w->quiet. Called by
 * the thread that runs wn's node, or at a barrier for the global slot. */
void world_say(world *w, world_node *wn, uint32_t ni, int64_t t, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The slot of the run's own console lines (w->nodes[w->n]). */
world_node *world_global_lines(world *w);

/* Prints every buffered line in (time, node, seq) order to stdout. Barrier
 * or controlling thread only. */
void world_flush_lines(world *w);

/* The first 16 hex digits of id, NUL-terminated. */
void world_short_id(char out[17], const hash256 *id);

/* Carries out node ni's pending effects (sends, timers, notes): the thread
 * running ni calls it, or a global event acting as ni. */
void world_apply(world *w, engine_call *call, uint32_t ni);

/* Schedules the payment timers of the wallets node ni hosts. */
void world_arm_wallets(world *w, engine_call *call, uint32_t ni);

/* Submits wallet w_idx's payment t at node ni (a reference stays with the
 * caller); a refused payment frees its coins. */
void world_submit(world *w, engine_call *call, uint32_t ni, uint32_t w_idx, tx *t);

/* The net_rng draw function over an rng (state). */
uint64_t world_rng_draw(void *state);

/* The engine_model callbacks (ctx is the world). */
void world_on_event(void *ctx, engine_call *call, uint32_t ni, const engine_event *ev);
void world_on_idle(void *ctx, engine_call *call, uint32_t ni, int64_t from_ns, int64_t until_ns,
                   int64_t *next_ns);
void world_on_discard(void *ctx, const engine_event *ev);

/* ---- several processes (world_dist.c) ---- */

/* 1 when node ni runs in this process (always with one process). */
int world_local(const world *w, uint32_t ni);

/* 1 when this process records the run's own console lines now: process 0,
 * or with w->voice set, the process of that node (which has the facts). */
int world_voice(const world *w);

/* The engine_model's pack and unpack (ctx is the world): a message's
 * payload as its protocol bytes (type, then the block, transaction, status
 * or ids), rebuilt at the receiver; a block that came before is shared. */
size_t world_pack(void *ctx, const engine_event *ev, unsigned char *buf, size_t cap);
int world_unpack(void *ctx, engine_event *ev, const unsigned char *buf, size_t len);

/* With CHAINSIM_PACK_SEEDS=DIR in the environment, writes buf (len bytes:
 * a payload or node records as they came from another process) to
 * DIR/NAME-RANK, for the seed corpus of tests/fuzz/fuzz_pack.c; a failure is
 * reported on stderr and changes nothing else. Else does nothing. */
void world_dist_seed(const char *name, const unsigned char *buf, size_t len);

/* The table of blocks from other processes (with several processes only):
 * 0, or -1 when out of memory; and its release (teardown). */
int world_dist_setup(world *w) __attribute__((warn_unused_result));
void world_dist_teardown(world *w);

/* Collective: takes every process's buffered lines (emptying them) to
 * process 0: there returns 1 with the lines (texts and array malloc'ed, the
 * caller frees) in *out, elsewhere 0 and nothing. Aborts when out of memory. */
int world_gather_lines(world *w, world_line **out, size_t *n_out);

/* A scripted payment or double spend (scenario event ev) with several
 * processes: the process of the paying wallet's node builds it, and the
 * processes of the nodes it is submitted at submit it. Global context. */
void world_dist_tx(world *w, engine_call *call, const struct scenario_event *ev);

/* Collective: sends t (NULL: none) from process root to every process, each
 * getting its own copy (root: a new reference to t). Returns it (one
 * reference), NULL for none. With one process, a reference to t. */
tx *world_share_tx(tx *t, uint32_t root);

/* ---- global events (world_events.c) ---- */

/* The engine_model's global callback (ctx is the world). */
void world_on_global(void *ctx, engine_call *call, const engine_event *ev);

/* Carries out ev (validated against w's scenario: nodes and wallets in
 * range) now, exactly as the scenario's own events are: console line,
 * metrics, and the on_event hook. The caller checks that the state allows
 * it, as the scenario's validation does for its own events: a crash of a
 * node that is down or a restart of one that is up changes nothing, a
 * restart of a node that never crashed fails the run (no chain file), and
 * a heal without a partition is still printed and recorded. Global context
 * only (a global event or a before_sample hook). */
void world_run_event(world *w, engine_call *call, const scenario_event *ev);

/* Prints a global console line at t (unless quiet) and hands it with its
 * kind and nodes (numbered from 1) to the on_event hook. Barrier only. */
void world_tell(world *w, int64_t t, const char *kind, const uint32_t *nodes, size_t n_nodes,
                const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Records a timeline sample of every node's tip at now, prints the buffered
 * lines. Barrier or controlling thread only. */
void world_sample(world *w, int64_t now);

/* Removes the crashed nodes' folder and the files in it (teardown). */
void world_remove_crash_dir(world *w);

#endif
