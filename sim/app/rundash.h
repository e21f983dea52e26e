/* The live dashboard of `chainsim run --serve`: builds the dash snapshot
 * documents from the runner's state at a barrier (network, nodes, recent
 * blocks with their forks, transactions and their fate, wallets, virtual
 * time, speed, pause; the protocol at work and the adversaries, dashcons.h)
 * and carries the page's commands back: pause, resume and speed act on the
 * engine at once (pacing only), submitted transactions wait for the runner
 * to take them at its next barrier, in the order the server queued them. It
 * owns the dash store, the HTTP server and one small command thread; it
 * reads simulation state only when the runner hands it over at a barrier,
 * and never changes it, so serving alone cannot change a run's outputs. A
 * transaction sent from the page does: the runner submits it like a
 * scripted tx event at the sample where it takes it, which depends on when
 * the person sent it, and prints it on the console. */
#ifndef CHAINSIM_RUNDASH_H
#define CHAINSIM_RUNDASH_H

#include "block.h"
#include "dash.h"
#include "dashfar.h"
#include "engine.h"
#include "keys.h"
#include "net.h"
#include "node.h"
#include "tx.h"
#include "wallet.h"

#include <stddef.h>
#include <stdint.h>

typedef struct rundash rundash;

/* Reason codes of rundash_new and rundash_publish, with their messages. */
#define RUNDASH_REASON_MAP(X)                                                                      \
    X(RUNDASH_OK, "ok")                                                                            \
    X(RUNDASH_ERR_NO_MEMORY, "out of memory")                                                      \
    X(RUNDASH_ERR_BAD_ADDRESS, "bad listen address")                                               \
    X(RUNDASH_ERR_LISTEN, "cannot listen on the address")                                          \
    X(RUNDASH_ERR_UNAVAILABLE, "this chainsim was built without libmicrohttpd")                    \
    X(RUNDASH_ERR_THREAD, "cannot start the dashboard's command thread")                           \
    X(RUNDASH_ERR_PUBLISH, "the dashboard refused the snapshot")                                   \
    X(RUNDASH_ERR_BAD_HOST, "the dashboard cannot answer to that host name")

#define RUNDASH_REASON_ENUM(code, msg) code,
typedef enum { RUNDASH_REASON_MAP(RUNDASH_REASON_ENUM) RUNDASH_REASON_COUNT } rundash_reason;
#undef RUNDASH_REASON_ENUM

/* The fixed message of a reason code ("unknown reason" outside the table). */
const char *rundash_reason_message(rundash_reason code);

/* What does not change during a run. Read during rundash_new only, except
 * eng, which must outlive the dashboard's command thread (rundash_close). */
typedef struct rundash_config {
    const char *listen;                         /* "HOST:PORT" as for http_start */
    engine *eng;                                /* pause, resume and speed act on it */
    const char *consensus;                      /* "pow", "pos", "poa" or "bft" */
    const char *scenario_name;                  /* may be NULL */
    int64_t duration_ns;                        /* the run's virtual length */
    uint32_t n_nodes;                           /* nodes 1..n_nodes */
    const uint8_t (*node_keys)[KEYS_PUB_BYTES]; /* node i's key: names block producers */
    block *genesis;                             /* the run's genesis (a reference is taken) */
    uint64_t fee;                               /* fee of every wallet payment */
    uint32_t confirmations;                     /* depth at which a transaction is confirmed */
    double speed;                               /* the realtime factor at the start (0: unpaced) */
    int64_t min_latency_ns;                     /* the smallest latency a link may be given */
    int64_t slot_ns;                            /* PoS: the slot length (0 for PoW) */
    int start_paused; /* hold the run until the page first connects (its event stream) */
    /* Each node's adversary kind (n_nodes entries, e.g. "selfish", NULL for an
     * honest node; static strings, dashcons_adversary_kinds), or NULL when
     * none attacks: marks the nodes and the blocks they produce. */
    const char *const *adversary_kind;
} rundash_config;

/* One node as the runner holds it. */
typedef struct rundash_node {
    const node *n; /* NULL before it first started */
    int online;    /* 0: crashed (or not started yet) */
    int joining;   /* not started yet, but starts at this very time (the state before the run) */
    /* Several processes: a node another process runs has n NULL and, once
     * started there, far set with what that process sent at this barrier:
     * its active chain's height and tip and its mempool's size (the blocks
     * of that chain come through rundash_far_blocks). */
    int far;
    uint32_t far_height;
    hash256 far_tip;
    uint64_t far_mempool;
} rundash_node;

/* The runner's state at a barrier, borrowed for one rundash_publish call. */
typedef struct rundash_state {
    int64_t time_ns;
    int finished;              /* the run is over: the last snapshot */
    const rundash_node *nodes; /* n_nodes entries */
    const uint32_t *group_of;  /* partition group of each node (1-based), NULL when whole */
    const net *net;
    const wallet_set *ws;
    /* Several processes: each wallet's balance as the process of its node
     * (which alone knows the wallet's coins) counted it, used for wallets
     * whose node is far; NULL with one process. */
    const uint64_t *far_balances;
} rundash_state;

/* Creates the dash store, installs the submit validator (amount plus fee
 * within the last published balance, a 64-hex-digit recipient, a link
 * latency from cfg->min_latency_ns to SCENARIO_MAX_LINK_LATENCY_NS, and at
 * most DASH_QUEUE_CAPACITY commands waiting for rundash_take, paused or not:
 * DASH_ERR_QUEUE_FULL, HTTP 503, beyond), pauses the engine when
 * cfg->start_paused (until the first event stream opens), starts the
 * HTTP server on cfg->listen and the command thread. Returns RUNDASH_OK with
 * *out set, or a reason with *out NULL and msg naming the address and cause
 * (RUNDASH_ERR_BAD_ADDRESS / RUNDASH_ERR_LISTEN are the user's input). Nothing
 * is served until the first rundash_publish (the API answers 503). Free with
 * rundash_free. Call from the controlling thread. */
rundash_reason rundash_new(rundash **out, char *err, size_t errlen, const rundash_config *cfg)
    __attribute__((warn_unused_result));

/* Adds name to the Host names the server answers to (http_allow_host).
 * Returns RUNDASH_OK, or RUNDASH_ERR_BAD_HOST with err saying why (a bad
 * name, or more than HTTP_MAX_ALLOWED_HOSTS). Call from the controlling
 * thread. */
rundash_reason rundash_allow_host(rundash *rd, char *err, size_t errlen, const char *name)
    __attribute__((warn_unused_result));

/* The port the server listens on (the real one for port 0). */
uint16_t rundash_port(const rundash *rd);

/* Writes the dashboard's URL ("http://HOST:PORT/") into buf. */
void rundash_url(const rundash *rd, char *buf, size_t buf_len);

/* Builds a snapshot of st and publishes it. Reads the state only; must be
 * called where no node runs (a global event, or after engine_run). Returns
 * RUNDASH_OK, RUNDASH_ERR_NO_MEMORY or RUNDASH_ERR_PUBLISH (msg says why). */
rundash_reason rundash_publish(rundash *rd, char *err, size_t errlen, const rundash_state *st)
    __attribute__((warn_unused_result));

/* Moves up to max commands that enter the run (transactions and network
 * commands, dash_command_enters_run) that the page queued since the last
 * call into out, oldest first (the server's order), and returns how many.
 * Thread-safe; the runner calls it at a barrier and applies them in order. */
size_t rundash_take(rundash *rd, dash_command *out, size_t max);

/* Records what became of a taken submission: t the transaction built (a
 * reference is taken; NULL when none could be built) and refusal NULL when a
 * node accepted it, else why it was refused (shown as "rejected"). Barrier
 * only, like rundash_publish. */
void rundash_submitted(rundash *rd, const dash_command *cmd, tx *t, const char *refusal);

/* Several processes: remembers n blocks new on the chains of another
 * process's nodes (dashrec_add_far), before the rundash_publish whose far
 * nodes' tips they lead to. Barrier only. Returns 0, or -1 when out of
 * memory. */
int rundash_far_blocks(rundash *rd, const dashfar_block *b, size_t n)
    __attribute__((warn_unused_result));

/* Adds an entry to the event feed (the "feed" document, newest last, the
 * last RUNDASH_FEED_MAX kept): what happened at time_ns, its kind
 * ("partition", "crash", ...; any short word), the nodes concerned (from 1;
 * the first 16 are kept) and the console line. Barrier only. Reorganisations
 * are added by rundash_publish itself. */
void rundash_feed(rundash *rd, int64_t time_ns, const char *kind, const uint32_t *nodes,
                  size_t n_nodes, const char *text);

enum { RUNDASH_FEED_MAX = 200 };

/* The run is over: stops the command thread (the engine may go after this),
 * refuses the submissions still waiting (they show as rejected in the next
 * snapshot) and makes the store read-only (POSTs get 403). Idempotent. */
void rundash_close(rundash *rd);

/* Stops the server (closing every connection), the command thread, and
 * frees everything; NULL is fine. */
void rundash_free(rundash *rd);

#endif
