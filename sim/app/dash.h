/* The dashboard's state store: the one place where the simulation and the HTTP
 * server meet. The runner publishes snapshots (immutable cJSON documents) at
 * window barriers and drains commands (submitted transactions, pause, resume,
 * speed) queued by the HTTP threads; HTTP threads read the latest snapshot and
 * never touch simulation state. Every function here is thread-safe.
 *
 * Snapshot document handed to dash_publish (one cJSON object, all members required):
 *   "status":       object, e.g. {"time_ns", "speed", "paused", "finished", "consensus"};
 *                   dash adds "version" and "read_only".
 *   "nodes":        {"nodes": [{"id", "height", "tip", "mempool", "crashed", "group"}],
 *                    "links": [[a, b], ...], "partitions": [[ids...], ...]}
 *   "blocks":       {"blocks": [{"id", "parent", "height", "producer", "time_ns", "txs"}]}
 *   "transactions": {"transactions": [{"id", "from", "to", "amount", "status",
 *                    "reason", "block", "confirmations", "request"}]}
 *   "wallets":      {"wallets": [{"index", "address", "balance"}]}
 *   "feed":         optional: {"events": [{"seq", "time_ns", "kind", "nodes", "text"}]};
 *                   dash puts in an empty list when it is absent
 * web/README.md documents each field as the HTTP API serves it. */
#ifndef CHAINSIM_DASH_H
#define CHAINSIM_DASH_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dash dash;
typedef struct dash_snapshot dash_snapshot;

/* Reason codes of every dash function that can fail, with their messages. */
#define DASH_REASON_MAP(X)                                                                         \
    X(DASH_OK, "ok")                                                                               \
    X(DASH_ERR_NO_MEMORY, "out of memory")                                                         \
    X(DASH_ERR_BAD_SNAPSHOT, "snapshot document has the wrong shape")                              \
    X(DASH_ERR_READ_ONLY, "read-only: this dashboard shows a finished run")                        \
    X(DASH_ERR_NOT_READY, "the simulation has not published any state yet")                        \
    X(DASH_ERR_UNKNOWN_WALLET, "unknown wallet")                                                   \
    X(DASH_ERR_UNKNOWN_NODE, "unknown node")                                                       \
    X(DASH_ERR_BAD_AMOUNT, "amount must be a positive integer")                                    \
    X(DASH_ERR_INSUFFICIENT_FUNDS, "amount exceeds the wallet's balance")                          \
    X(DASH_ERR_BAD_SPEED, "speed must be a number from 0.001 to 1000000")                          \
    X(DASH_ERR_QUEUE_FULL, "too many commands are waiting for the simulation")                     \
    X(DASH_ERR_REJECTED, "rejected by the simulation")                                             \
    X(DASH_ERR_BAD_COMMAND, "the command names nodes or values it cannot use")                     \
    X(DASH_ERR_CONFLICT, "the run's current state does not allow the command")

#define DASH_REASON_ENUM(code, msg) code,
typedef enum { DASH_REASON_MAP(DASH_REASON_ENUM) DASH_REASON_COUNT } dash_reason;
#undef DASH_REASON_ENUM

/* The fixed message of a reason code ("unknown reason" for values outside the table). */
const char *dash_reason_message(dash_reason reason);

/* The resources of a snapshot, one per API path /api/NAME. */
#define DASH_RESOURCE_MAP(X)                                                                       \
    X(DASH_STATUS, "status")                                                                       \
    X(DASH_NODES, "nodes")                                                                         \
    X(DASH_BLOCKS, "blocks")                                                                       \
    X(DASH_TRANSACTIONS, "transactions")                                                           \
    X(DASH_WALLETS, "wallets")                                                                     \
    X(DASH_FEED, "feed")

#define DASH_RESOURCE_ENUM(code, name) code,
typedef enum { DASH_RESOURCE_MAP(DASH_RESOURCE_ENUM) DASH_RESOURCE_COUNT } dash_resource;
#undef DASH_RESOURCE_ENUM

/* Commands from the page to the runner. SUBMIT_TX and the network
 * commands (PARTITION .. LATENCY) enter the run like scripted events; PAUSE,
 * RESUME and SPEED only pace it. */
typedef enum {
    DASH_CMD_SUBMIT_TX, /* send amount from wallet from_wallet to to_address, via node */
    DASH_CMD_PAUSE,
    DASH_CMD_RESUME,
    DASH_CMD_SPEED,     /* set the realtime factor to speed */
    DASH_CMD_PARTITION, /* selected[0..n_selected) against every other node */
    DASH_CMD_HEAL,      /* end the partition */
    DASH_CMD_CRASH,     /* crash node */
    DASH_CMD_RESTART,   /* restart node (crashed) from its chain file */
    DASH_CMD_LATENCY    /* link selected[0]-selected[1] gets latency_ns (0: the scenario's) */
} dash_command_kind;

/* The most nodes a partition command may select (the rest form the other side). */
enum { DASH_MAX_SELECTED = 256 };

/* 1 when a command of kind enters the run (the runner takes it at a barrier). */
int dash_command_enters_run(dash_command_kind kind);

typedef struct {
    dash_command_kind kind;
    uint64_t request_id; /* assigned by dash_submit: 1, 2, 3... in arrival order */
    /* DASH_CMD_SUBMIT_TX */
    int64_t from_wallet;  /* wallet "index" as published */
    int64_t to_wallet;    /* wallet index when the page named one, else -1 */
    char to_address[129]; /* lowercase hex; resolved from the snapshot when to_wallet >= 0 */
    uint64_t amount;      /* base units, > 0 */
    int64_t node;         /* node "id" as published: the node the transaction is sent to;
                           * DASH_CMD_CRASH and DASH_CMD_RESTART: the node */
    /* DASH_CMD_SPEED */
    double speed;
    /* DASH_CMD_PARTITION (the selected side) and DASH_CMD_LATENCY (the link's two nodes):
     * node ids as published */
    uint32_t n_selected;
    uint32_t selected[DASH_MAX_SELECTED];
    int64_t latency_ns; /* DASH_CMD_LATENCY: >= 0, 0 for the scenario's latency */
} dash_command;

/* Optional extra check of a command, run by dash_submit after the built-in
 * checks, under the dash mutex, on an HTTP thread. wallets is the "wallets"
 * document of the latest snapshot (read it, do not keep it). Returns DASH_OK or
 * a reason (DASH_ERR_REJECTED when none fits) and then writes a message naming
 * what was wrong into msg. A command it passes is queued (nothing is checked
 * after it), so it may count what it lets through. It must not block nor
 * call back into dash. */
typedef dash_reason (*dash_submit_validator)(void *ctx, char *msg, size_t msg_len,
                                             const cJSON *wallets, const dash_command *cmd);

/* Creates an empty store (no snapshot, version 0, writable) into *out.
 * Returns DASH_OK or DASH_ERR_NO_MEMORY (then *out is NULL). Free with dash_free. */
dash_reason dash_new(dash **out) __attribute__((warn_unused_result));

/* Frees the store and its queued commands; NULL is fine. Snapshots still held
 * through dash_acquire stay valid until released. No other thread may use d. */
void dash_free(dash *d);

/* Marks the store read-only (a finished run): dash_submit then refuses every
 * command with DASH_ERR_READ_ONLY, and status carries "read_only": true. */
void dash_set_read_only(dash *d, int read_only);

/* Installs (or with fn NULL removes) the extra validator; ctx is passed to it. */
void dash_set_submit_validator(dash *d, dash_submit_validator fn, void *ctx);

/* Publishes a new snapshot and wakes every dash_wait. Always takes ownership of
 * doc (frees it on failure). Returns DASH_OK, DASH_ERR_BAD_SNAPSHOT (msg names
 * the missing or mistyped member; the previous snapshot stays) or
 * DASH_ERR_NO_MEMORY. On success the version goes up by one. */
dash_reason dash_publish(dash *d, char *msg, size_t msg_len, cJSON *doc)
    __attribute__((warn_unused_result));

/* The latest snapshot with a reference taken, or NULL before the first publish.
 * Release it with dash_snapshot_release. */
dash_snapshot *dash_acquire(dash *d);

/* Drops a reference from dash_acquire; NULL is fine. */
void dash_snapshot_release(dash_snapshot *s);

/* The snapshot's version (1 for the first publish). */
uint64_t dash_snapshot_version(const dash_snapshot *s);

/* One resource of the snapshot: read-only, valid while the reference is held. */
const cJSON *dash_snapshot_get(const dash_snapshot *s, dash_resource r);

/* The status resource rendered as compact JSON: valid while the reference is held. */
const char *dash_snapshot_status_json(const dash_snapshot *s);

/* Counts one more page that opened the event stream (HTTP threads). */
void dash_note_viewer(dash *d);

/* How many event streams were ever opened. */
uint64_t dash_viewers(dash *d);

/* The current version (0 before the first publish). */
uint64_t dash_version(dash *d);

/* Blocks until the version exceeds seen or timeout_ms passes; returns the
 * current version (so == seen means timed out). */
uint64_t dash_wait(dash *d, uint64_t seen, int timeout_ms);

/* Refuses cmd when DASH_QUEUE_CAPACITY commands wait, then checks it against
 * the latest snapshot (wallet and node exist, amount within the balance,
 * speed in range; a partition selects 1 to n-1 distinct existing nodes; heal
 * needs a partition, crash a node that is up, restart a crashed one
 * (DASH_ERR_CONFLICT); a latency names two distinct linked nodes and a
 * latency >= 0), then with the validator, then queues a copy with a fresh
 * request id written to *request_id. Returns DASH_OK or the reason, with a
 * message naming what was wrong in msg (request id 0 on failure). */
dash_reason dash_submit(dash *d, uint64_t *request_id, char *msg, size_t msg_len,
                        const dash_command *cmd) __attribute__((warn_unused_result));

/* Moves up to max queued commands, oldest first, into out; returns how many.
 * Called by the runner at a window barrier. */
size_t dash_drain(dash *d, dash_command *out, size_t max);

/* Capacity of the command queue (commands beyond it get DASH_ERR_QUEUE_FULL). */
enum { DASH_QUEUE_CAPACITY = 1024 };

#endif
