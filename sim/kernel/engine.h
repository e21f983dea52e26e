/* The discrete-event kernel: N nodes, each with its own event queue, run in
 * virtual time (int64 ns) by K worker threads with the conservative windowed
 * scheme (YAWNS/ROSS): with lookahead L, every node processes its events in
 * [W, W+L) independently, messages land at >= W+L, and workers meet at a
 * barrier between windows. The kernel knows nothing of blockchains: a model
 * plugs in through the callbacks of engine_model. Per-node processing order
 * depends only on (time_ns, src, seq), so results are identical for every K.
 *
 * Threads: engine_new/engine_run/engine_free and engine_schedule_global are
 * called by one controlling thread. Callbacks run on worker threads; a node's
 * callbacks always run on the thread that owns the node, one at a time, so the
 * model may keep per-node state without locks. engine_call functions may be
 * used only inside the callback that received the call. */
#ifndef CHAINSIM_ENGINE_H
#define CHAINSIM_ENGINE_H

#include <stddef.h>
#include <stdint.h>

/* Source/destination of events that do not belong to a node (globals). */
#define ENGINE_NO_NODE UINT32_MAX

/* Status codes: ENGINE_OK is 0; engine_status_message gives each one's message. */
#define ENGINE_STATUS_MAP(X)                                                                       \
    X(ENGINE_OK, "success")                                                                        \
    X(ENGINE_E_NODES, "the node count must be at least 1")                                         \
    X(ENGINE_E_LOOKAHEAD, "the lookahead (minimum latency) must be > 0 ns")                        \
    X(ENGINE_E_MODEL, "the model must provide on_event")                                           \
    X(ENGINE_E_REALTIME, "the realtime factor must be 0 (off) or a number from 0.001 to 1000000")  \
    X(ENGINE_E_NOMEM, "out of memory")                                                             \
    X(ENGINE_E_THREAD, "cannot start a worker thread")                                             \
    X(ENGINE_E_PAST, "the time is before the engine's current virtual time")                       \
    X(ENGINE_E_NODE, "the node id is out of range")                                                \
    X(ENGINE_E_PROCS, "several processes need the MPI build and a model that packs payloads")

#define ENGINE_ENUM(name, msg) name,
typedef enum engine_status { ENGINE_STATUS_MAP(ENGINE_ENUM) ENGINE_STATUS_COUNT } engine_status;
#undef ENGINE_ENUM

/* The message of a status code (a static string; "unknown engine status" for
 * values outside the table). Thread-safe. */
const char *engine_status_message(int status);

/* One event. time_ns is when it happens at dst; (src, seq) identify it: seq is
 * assigned by src when it schedules the event, so (time_ns, src, seq) is a
 * total order. A timer has src == dst. Global events have src == dst ==
 * ENGINE_NO_NODE. The engine never looks inside payload or arg. */
typedef struct engine_event {
    int64_t time_ns;
    uint32_t src;
    uint32_t dst;
    uint64_t seq;
    uint32_t type;
    void *payload;
    uint64_t arg;
} engine_event;

/* The engine (opaque; one owner). */
typedef struct engine engine;

/* The handle a callback receives to act as a node: read its time and id,
 * send messages, set timers, schedule global events. Valid only during the
 * callback that received it. */
typedef struct engine_call engine_call;

/* The model's callbacks. ctx is passed back unchanged. */
typedef struct engine_model {
    void *ctx;
    /* Required. Handles ev at node (== ev->dst) at virtual time ev->time_ns
     * (== engine_call_now). The model owns ev->payload from here on. */
    void (*on_event)(void *ctx, engine_call *call, uint32_t node, const engine_event *ev);
    /* Optional. Idle time for work between events (PoW mining), offered in
     * spans [from_ns, until_ns) in which node has no event; each span starts
     * where the last ended, or at the event just handled. Initially every
     * node wants idle time from 0 (the start of the first run); after each
     * event at time t it wants it again from t. With from_ns < until_ns the
     * span is due: the model does the work of those virtual times and
     * - if something happens at t in [from_ns, until_ns) (a block is found),
     *   schedules engine_timer at t and returns; the engine then processes the
     *   timer (and anything else) in (time, src, seq) order, after which idle
     *   time is offered again from t, and the model resumes where it stopped;
     * - sets *next_ns (preset to until_ns) to the earliest time at which
     *   something may happen in its idle time if no event comes: until_ns
     *   when it cannot tell (the engine then offers the next span as soon as
     *   it can, holding windows back like an event), a later time when it has
     *   worked ahead and knows nothing happens before (the node then forces
     *   no window before that time), INT64_MAX for nothing until its next
     *   event (no idle time is offered before it). Values below until_ns
     *   count as until_ns.
     * A span after until_ns is offered when it becomes due: before the
     * node's next event, in a window that reaches the promised time, when a
     * global acts for the node (engine_call_act_as), and at the end of
     * engine_run. A call with from_ns == until_ns is a look ahead: nothing
     * is due and the model must not send, set timers or add globals; it may
     * work ahead (up to engine_call_horizon is worth it) and raise *next_ns
     * (preset to from_ns) to the time before which it now knows nothing
     * happens. A look that does not raise it settles it: the engine takes it
     * as the time something happens. engine_call_now is from_ns here. */
    void (*on_idle)(void *ctx, engine_call *call, uint32_t node, int64_t from_ns, int64_t until_ns,
                    int64_t *next_ns);
    /* Optional (required if globals are scheduled). A global event at
     * ev->time_ns: runs on one thread at a barrier, after every node has
     * processed everything before ev->time_ns and nothing at or after it.
     * Globals at the same time run in scheduling order (see
     * engine_schedule_global). It may act for nodes through
     * engine_call_act_as, and may schedule further globals. */
    void (*on_global)(void *ctx, engine_call *call, const engine_event *ev);
    /* Optional. Receives every event still pending when the engine is freed,
     * so the model can release payloads: first the node events in
     * (time_ns, src, seq) order, then the globals in the order they would
     * have run. Runs on the thread calling engine_free. */
    void (*on_discard)(void *ctx, const engine_event *ev);
    /* Required with several processes (engine_config.procs > 1), unused
     * otherwise. pack writes the bytes of a message event's payload that
     * leaves this process to buf when they fit in cap and returns how many
     * there are (the engine then calls again with room, and afterwards hands
     * the event to on_discard: the payload's owner here lets it go). unpack
     * rebuilds the payload in the receiving process from those bytes into
     * ev->payload (the other fields are set); returns 0, or -1 for bytes it
     * cannot read (a bug: the engine aborts). Both run on one thread at a
     * window barrier, never at the same time as a node's callbacks. */
    size_t (*pack)(void *ctx, const engine_event *ev, unsigned char *buf, size_t cap);
    int (*unpack)(void *ctx, engine_event *ev, const unsigned char *buf, size_t len);
} engine_model;

typedef struct engine_config {
    uint32_t nodes;       /* node ids 0..nodes-1; >= 1 */
    int64_t lookahead_ns; /* L > 0: the minimum latency of any message */
    /* Worker threads: 0 = as many as this process may use CPUs; 1 = the
     * calling thread only; K > 1 = K threads (the caller is one of them).
     * More threads than nodes is clamped to one per node. */
    uint32_t threads;
    /* Optional (NULL: node i goes to worker i mod threads): nodes entries,
     * each node's expected cost (any unit, e.g. hash rate plus degree); the
     * nodes are spread over the workers to balance the sums. Read by
     * engine_new only. Results never depend on it. */
    const uint64_t *node_cost;
    /* 0 = as fast as possible; F in [ENGINE_REALTIME_MIN, ENGINE_REALTIME_MAX]
     * = virtual time runs at most F times as fast as the wall clock (pacing
     * only, never changes results). */
    double realtime_factor;
    /* Several processes (MPI ranks, sim/kernel/dist.h): procs >= 2 splits
     * the nodes over them by cost (this process, proc < procs, runs its
     * share on its threads), exchanges messages between them at each
     * window's end and runs every global event in every process, in the same
     * order. 0 or 1: one process. Every process must pass the same nodes,
     * lookahead, node costs, globals and timers. */
    uint32_t procs, proc;
    engine_model model;
} engine_config;

/* Counters after (or between) runs. */
typedef struct engine_stats {
    uint64_t windows;  /* windows processed */
    uint64_t events;   /* events handled by on_event, all nodes */
    uint64_t messages; /* of which messages (src != dst) */
    uint64_t globals;  /* global events run */
} engine_stats;

typedef struct engine_node_stats {
    uint64_t events;   /* events handled at this node */
    uint64_t messages; /* messages delivered to this node (src != dst) */
} engine_node_stats;

/* Creates an engine and starts its worker threads. Returns ENGINE_OK and sets
 * *out (free with engine_free); or ENGINE_E_NODES, ENGINE_E_LOOKAHEAD,
 * ENGINE_E_MODEL, ENGINE_E_REALTIME for a bad cfg, ENGINE_E_NOMEM or
 * ENGINE_E_THREAD, with *out = NULL. cfg is copied. */
int engine_new(engine **out, const engine_config *cfg) __attribute__((warn_unused_result));

/* Stops and joins the worker threads, hands every pending event to
 * on_discard (in the order given there), and frees e. With the environment
 * variable CHAINSIM_ENGINE_STATS set, first prints engine_get_stats's
 * figures on stderr (for profiling). Accepts NULL. Not
 * during engine_run. Aborts when out of memory for sorting what it
 * discards. */
void engine_free(engine *e);

/* Runs every event with time < end_ns (and the idle time and globals before
 * end_ns), then returns with the engine's time at end_ns. May be called again
 * with a later end_ns to continue. Returns ENGINE_OK, or ENGINE_E_PAST when
 * end_ns is before the current time (nothing is run). Aborts if a pthread
 * call fails. Out of memory in the hot path aborts too. */
int engine_run(engine *e, int64_t end_ns) __attribute__((warn_unused_result));

/* Asks a running engine_run to return early, at the next window barrier
 * (where exactly depends on timing: for interactive use, not for results).
 * Thread-safe; callable from callbacks or any thread. */
void engine_request_stop(engine *e);

/* Pauses (paused != 0) or resumes a run at window barriers, for dashboards:
 * once the window in progress ends, no node handles anything until resumed
 * (or a stop is requested). Pacing only: results do not change. Thread-safe;
 * callable from callbacks or any thread. */
void engine_set_paused(engine *e, int paused);

/* The realtime factors a run accepts besides 0 (unpaced): from one virtual
 * second per 1,000 wall-clock seconds to a million virtual seconds per
 * wall-clock second. Outside them a factor is refused: a smaller one makes a
 * window's wall-clock time overflow int64 nanoseconds within a few virtual
 * hours (at 1e-300, within a nanosecond), and nothing is slower to watch. */
#define ENGINE_REALTIME_MIN 1e-3
#define ENGINE_REALTIME_MAX 1e6

/* 1 when factor is 0 or a number in [ENGINE_REALTIME_MIN, ENGINE_REALTIME_MAX]
 * (NaN and infinities are not), else 0. Thread-safe. */
int engine_realtime_valid(double factor);

/* Changes the realtime factor (0 = as fast as possible, F in the range above
 * = at most F x wall-clock speed); it takes effect within 50 ms of wall-clock
 * time, also in the middle of a long wait for the next window, pacing from
 * the virtual time reached so far. Pacing only, never results. Returns
 * ENGINE_OK or ENGINE_E_REALTIME (nothing changes). Thread-safe, also
 * during engine_run. */
int engine_set_realtime(engine *e, double factor) __attribute__((warn_unused_result));

/* The current realtime factor (0 = as fast as possible). Thread-safe. */
double engine_realtime(engine *e);

/* Schedules a global event (see on_global) from outside a run, in call order:
 * globals at the same time run in the order of (scheduling time, scheduling
 * node, its sequence number), and calls from outside count as node
 * ENGINE_NO_NODE at the current time, numbered in call order. Returns
 * ENGINE_OK, or ENGINE_E_PAST when at_ns is before the current time. The
 * model owns payload until on_global or on_discard. Not during engine_run
 * (use engine_call_global from callbacks). */
int engine_schedule_global(engine *e, int64_t at_ns, uint32_t type, void *payload, uint64_t arg)
    __attribute__((warn_unused_result));

/* Schedules a timer for node from outside a run (a node's first events):
 * src = dst = node, seq from the node's own counter (a timer of a node of
 * another process is handed to on_discard at once). Returns ENGINE_OK,
 * ENGINE_E_NODE when node >= nodes, or ENGINE_E_PAST when at_ns is before
 * the current time. Not during engine_run (use engine_timer in callbacks). */
int engine_schedule_timer(engine *e, uint32_t node, int64_t at_ns, uint32_t type, void *payload,
                          uint64_t arg) __attribute__((warn_unused_result));

/* The engine's virtual time: end of the last run (0 before any). */
int64_t engine_now(const engine *e);
int64_t engine_lookahead(const engine *e);
uint32_t engine_nodes(const engine *e);
/* The number of worker threads (after resolving 0 and clamping). */
uint32_t engine_threads(const engine *e);
/* 1 when node runs in this process (always, with one process), else 0.
 * Thread-safe. */
int engine_is_local(const engine *e, uint32_t node);
/* The process that runs node (< nodes): this one's index for its own
 * nodes, 0 with one process. Thread-safe. */
uint32_t engine_proc_of(const engine *e, uint32_t node);

/* Totals over all nodes; call between runs. */
void engine_get_stats(const engine *e, engine_stats *out);
/* One node's counters; node < engine_nodes. Call between runs. */
void engine_get_node_stats(const engine *e, engine_node_stats *out, uint32_t node);

/* The current virtual time of the call: the event's time in on_event, from_ns
 * in on_idle, the global's time in on_global. */
int64_t engine_call_now(const engine_call *call);
/* The node the call acts for (ENGINE_NO_NODE in on_global until act_as). */
uint32_t engine_call_node(const engine_call *call);
int64_t engine_call_lookahead(const engine_call *call);
/* In on_idle: how far ahead of until_ns working ahead is worth it (the
 * earliest work the engine knows of elsewhere, the next global or the end
 * of the run); until_ns when the engine asks for no look ahead. Elsewhere
 * the call's time. */
int64_t engine_call_horizon(const engine_call *call);

/* Sends a message from the call's node to dst, delivered at deliver_at_ns.
 * Requires deliver_at_ns >= now + lookahead (>= now in on_global) and dst <
 * nodes: anything else is a bug in the model and is asserted. The payload
 * passes to the receiver's on_event (or on_discard). */
void engine_send(engine_call *call, uint32_t dst, int64_t deliver_at_ns, uint32_t type,
                 void *payload, uint64_t arg);

/* Schedules an event for the call's own node at at_ns >= now (asserted). */
void engine_timer(engine_call *call, int64_t at_ns, uint32_t type, void *payload, uint64_t arg);

/* Schedules a global event from a callback, at at_ns >= now + lookahead
 * (>= now in on_global; asserted) so no window in progress straddles it.
 * Its scheduling key is (now, this node, this node's next sequence number). */
void engine_call_global(engine_call *call, int64_t at_ns, uint32_t type, void *payload,
                        uint64_t arg);

/* In on_global only (asserted): makes the following engine_send,
 * engine_timer calls act for node (< nodes, and of this process: with
 * several processes every process runs each global, and acts only for its
 * own nodes, see engine_is_local; asserted). A global must call it before it
 * changes a node's state: the engine first offers the node its idle time up
 * to now (on_idle, on this thread) and offers it again from now after. */
void engine_call_act_as(engine_call *call, uint32_t node);

#endif
