/* The windowed conservative kernel (YAWNS/ROSS). Each node owns a 4-ary
 * min-heap of events keyed on (time_ns, src, seq); keys are unique because a
 * source numbers what it schedules, so the order a node sees never depends on
 * which thread delivered first. Worker r owns a share of the nodes (chosen by
 * cost, see assign_nodes) and keeps them in a schedule: a binary min-heap of
 * its nodes keyed on each node's next work (its earliest event, or the time
 * its model said something may next happen in its idle time). It loops, with
 * one barrier per window:
 *
 *   vote: the earliest next work of my nodes, after asking models whose
 *         idle time is not settled to look ahead (below), the earliest global
 *         I know of --end window (barrier + reduce)--> collect what other
 *         ranks posted to my nodes;
 *   if a global event is due (no work before it): rank 0 runs it, barrier;
 *   else if nothing before the end: offer every node its idle time up to the
 *         end, stop;
 *   else process window [W, min(W+L, next global, end)) for the nodes whose
 *         next work falls in it, taken from the schedule (never all nodes).
 *
 * Idle time (mining) forces no window by itself. A model that is offered
 * idle time [from, until) may say that nothing happens before a later time
 * (a miner that hashed ahead to its next success); the node's next work is
 * then that time, and the span after `until` is offered later, when it is
 * due: before the node's next event, in a window that reaches the promised
 * time, when a global acts for the node, or at the end of the run. At the
 * vote, a node whose promise is below the window the others are heading for
 * is asked to look further (an offer with from == until), nodes in order of
 * their promises, so that miners advance together in virtual time; a look
 * that makes no progress settles the promise (something happens there). The
 * ranks share the earliest settled work they found in the round (an atomic
 * minimum), so none looks much past the window that will come. How far a
 * model looked never changes results, only the work done ahead.
 *
 * Sends between nodes of one worker go straight into the destination heap
 * (the message lands at >= W+L, past the window, so no one processes it
 * early); sends to other workers go through the exchange. Every rank takes
 * the same decision from the same reduced vote, so barriers always match.
 * Globals live in one heap under a mutex (callbacks on any worker may add
 * one); each worker also notes the earliest global it added in the window,
 * for its vote, since rank 0 may read the heap before another worker adds
 * one. They are run only by rank 0 after a window's barrier, when no worker
 * can add any. Node state (heaps, schedules, counters) is touched only by
 * the node's worker, or by rank 0 while the others wait at a barrier. Nodes,
 * workers and the fields rank 0 writes during a run each have their own
 * cache lines, so no two threads write one line in the hot path. */
#include "engine.h"
#include "timeunit.h"

#include "exchange.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ENGINE_NEVER INT64_MAX
#define LINE 64

#define NO_POS UINT32_MAX

typedef struct node {
    _Alignas(LINE) engine_event *heap; /* 4-ary min-heap */
    size_t len, cap;
    uint64_t next_seq; /* sequence number of the next event this node schedules */
    int64_t now_ns;    /* time of the last event handled (never decreases) */
    int64_t idle_ns;   /* idle time is offered from here next (ENGINE_NEVER: none) */
    int64_t wake_ns;   /* >= idle_ns: the model said nothing happens before */
    int64_t key_ns;    /* next work: min(earliest event, wake_ns); its schedule key */
    int settled;       /* wake_ns is where something happens (no further look) */
    uint64_t events, messages;
} node;

typedef struct global_event {
    engine_event ev;  /* src = dst = ENGINE_NO_NODE, seq = sched_seq */
    int64_t sched_ns; /* when it was scheduled */
    uint32_t sched_src;
} global_event;

enum call_kind { CALL_EVENT, CALL_IDLE, CALL_LOOK, CALL_GLOBAL };

struct engine_call {
    engine *e;
    uint32_t rank;
    uint32_t node;
    enum call_kind kind;
    int64_t now_ns;
    int64_t horizon_ns; /* on_idle: how far a look ahead is worth going */
};

/* A node in its worker's schedule; the keys sit in the heap itself so that
 * sifting reads one array, not the nodes. */
typedef struct sched_slot {
    int64_t key_ns;
    uint32_t id;
} sched_slot;

typedef struct worker {
    _Alignas(LINE) engine *e;
    uint32_t rank;
    uint32_t *ids, n_ids;    /* its nodes, ascending */
    sched_slot *sched;       /* binary min-heap of nodes on their key_ns */
    uint32_t sched_len;      /* nodes with a finite key */
    int64_t added_global_ns; /* earliest global this worker's nodes added */
    int64_t posted_ns;       /* earliest event it posted to other ranks this window */
    uint64_t round;          /* votes taken (the same at every rank) */
    pthread_t thread;
    int started;
} worker;

struct engine {
    engine_config cfg;
    uint32_t nodes_n, threads;
    int64_t lookahead_ns;
    node *nodes;
    uint32_t *owner; /* node -> rank */
    uint32_t *pos;   /* node -> index in its worker's schedule, or NO_POS */
    worker *workers;
    exchange *x;

    /* globals: a binary heap under global_mu */
    pthread_mutex_t global_mu;
    global_event *globals;
    size_t globals_len, globals_cap;
    uint64_t global_seq;

    /* run control: under cmd_mu */
    pthread_mutex_t cmd_mu;
    pthread_cond_t cmd_cv;
    uint64_t run_gen;
    int shutdown;
    int64_t run_end_ns;

    atomic_int stop_requested;
    atomic_int paused;
    atomic_uint_least64_t
        realtime_bits; /* the realtime factor's double bits (engine_set_realtime) */
    pthread_mutex_t pause_mu;
    pthread_cond_t pause_cv;

    int64_t now_ns; /* virtual time reached (end of the last run) */
    /* The earliest settled work any rank found in vote round r, in slot
     * r % 3 (rank 0 clears the slot of round r + 1 during round r). */
    _Alignas(LINE) _Atomic int64_t bound_ns[3];
    /* Written by rank 0 during a run. */
    _Alignas(LINE) int64_t reached_ns;
    uint64_t windows, globals_run;
};

static const char *const status_messages[] = {
#define ENGINE_MSG(name, msg) msg,
    ENGINE_STATUS_MAP(ENGINE_MSG)
#undef ENGINE_MSG
};

const char *engine_status_message(int status)
{
    if (status < 0 || status >= ENGINE_STATUS_COUNT)
        return "unknown engine status";
    return status_messages[status];
}

static void check_pthread(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "chainsim: engine: %s failed: %s\n", what, strerror(rc));
        abort();
    }
}

/* Zeroed memory for n elements, aligned to a cache line and padded to whole
 * lines (for types with _Alignas(LINE) members); NULL when out of memory. */
static void *zalloc_lines(size_t n, size_t elem)
{
    if (n != 0 && elem > (SIZE_MAX - LINE) / n)
        return NULL;
    size_t bytes = (n * elem + LINE - 1) / LINE * LINE;
    void *p = aligned_alloc(LINE, bytes ? bytes : LINE);
    if (p != NULL)
        memset(p, 0, bytes ? bytes : LINE);
    return p;
}

static void *grow(void *p, size_t *cap, size_t elem)
{
    size_t n = *cap ? *cap * 2 : 16;
    void *q = realloc(p, n * elem);
    if (q == NULL) {
        fprintf(stderr, "chainsim: engine: out of memory\n");
        abort();
    }
    *cap = n;
    return q;
}

/* ---- per-node 4-ary heap ---- */

static inline int event_before(const engine_event *a, const engine_event *b)
{
    if (a->time_ns != b->time_ns)
        return a->time_ns < b->time_ns;
    if (a->src != b->src)
        return a->src < b->src;
    return a->seq < b->seq;
}

static void heap_push(node *n, const engine_event *ev)
{
    if (n->len == n->cap)
        n->heap = grow(n->heap, &n->cap, sizeof *n->heap);
    engine_event *h = n->heap;
    size_t i = n->len++;
    while (i > 0) {
        size_t parent = (i - 1) / 4;
        if (!event_before(ev, &h[parent]))
            break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = *ev;
}

static void heap_pop(node *n, engine_event *out)
{
    engine_event *h = n->heap;
    *out = h[0];
    size_t len = --n->len;
    if (len == 0)
        return;
    engine_event last = h[len];
    size_t i = 0;
    for (;;) {
        size_t c = 4 * i + 1;
        if (c >= len)
            break;
        size_t best = c;
        size_t stop = c + 4 < len ? c + 4 : len;
        for (size_t k = c + 1; k < stop; k++)
            if (event_before(&h[k], &h[best]))
                best = k;
        if (!event_before(&h[best], &last))
            break;
        h[i] = h[best];
        i = best;
    }
    h[i] = last;
}

/* ---- per-worker schedule: a binary min-heap of node ids on key_ns ---- */

static inline int64_t node_key(const node *n)
{
    int64_t top = n->len ? n->heap[0].time_ns : ENGINE_NEVER;
    int64_t wake = n->idle_ns != ENGINE_NEVER ? n->wake_ns : ENGINE_NEVER;
    return top < wake ? top : wake;
}

static inline void sched_place(engine *e, worker *w, uint32_t i, sched_slot slot)
{
    w->sched[i] = slot;
    e->pos[slot.id] = i;
}

static void sched_up(engine *e, worker *w, uint32_t i)
{
    sched_slot slot = w->sched[i];
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (w->sched[parent].key_ns <= slot.key_ns)
            break;
        sched_place(e, w, i, w->sched[parent]);
        i = parent;
    }
    sched_place(e, w, i, slot);
}

static void sched_down(engine *e, worker *w, uint32_t i)
{
    sched_slot slot = w->sched[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= w->sched_len)
            break;
        if (c + 1 < w->sched_len && w->sched[c + 1].key_ns < w->sched[c].key_ns)
            c++;
        if (w->sched[c].key_ns >= slot.key_ns)
            break;
        sched_place(e, w, i, w->sched[c]);
        i = c;
    }
    sched_place(e, w, i, slot);
}

/* Puts node id back in its place in its worker's schedule after its events
 * or idle state changed. Only the owner's thread, or rank 0 at a barrier. */
static void sched_fix(engine *e, uint32_t id)
{
    node *n = &e->nodes[id];
    worker *w = &e->workers[e->owner[id]];
    int64_t old = n->key_ns;
    n->key_ns = node_key(n);
    uint32_t i = e->pos[id];
    if (i == NO_POS) {
        if (n->key_ns == ENGINE_NEVER)
            return;
        i = w->sched_len++;
        w->sched[i] = (sched_slot){n->key_ns, id};
        e->pos[id] = i;
        sched_up(e, w, i);
    } else if (n->key_ns == ENGINE_NEVER) {
        sched_slot last = w->sched[--w->sched_len];
        e->pos[id] = NO_POS;
        if (i < w->sched_len) {
            sched_place(e, w, i, last);
            sched_up(e, w, i);
            sched_down(e, w, e->pos[last.id]);
        }
    } else if (n->key_ns < old) {
        w->sched[i].key_ns = n->key_ns;
        sched_up(e, w, i);
    } else if (n->key_ns > old) {
        w->sched[i].key_ns = n->key_ns;
        sched_down(e, w, i);
    }
}

/* Adds ev to node id's events and fixes its schedule. */
static void node_push(engine *e, uint32_t id, const engine_event *ev)
{
    node *n = &e->nodes[id];
    heap_push(n, ev);
    if (ev->time_ns < n->key_ns)
        sched_fix(e, id);
}

/* ---- globals: binary heap on (time, sched time, sched src, sched seq) ---- */

static int global_before(const global_event *a, const global_event *b)
{
    if (a->ev.time_ns != b->ev.time_ns)
        return a->ev.time_ns < b->ev.time_ns;
    if (a->sched_ns != b->sched_ns)
        return a->sched_ns < b->sched_ns;
    if (a->sched_src != b->sched_src)
        return a->sched_src < b->sched_src;
    return a->ev.seq < b->ev.seq;
}

/* Caller holds global_mu. */
static void globals_push(engine *e, const global_event *g)
{
    if (e->globals_len == e->globals_cap)
        e->globals = grow(e->globals, &e->globals_cap, sizeof *e->globals);
    size_t i = e->globals_len++;
    while (i > 0 && global_before(g, &e->globals[(i - 1) / 2])) {
        e->globals[i] = e->globals[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    e->globals[i] = *g;
}

/* Caller holds global_mu; the heap is not empty. */
static void globals_pop(engine *e, global_event *out)
{
    global_event *h = e->globals;
    *out = h[0];
    size_t len = --e->globals_len;
    if (len == 0)
        return;
    global_event last = h[len];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= len)
            break;
        if (c + 1 < len && global_before(&h[c + 1], &h[c]))
            c++;
        if (!global_before(&h[c], &last))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = last;
}

static void lock(pthread_mutex_t *mu)
{
    check_pthread(pthread_mutex_lock(mu), "pthread_mutex_lock");
}

static void unlock(pthread_mutex_t *mu)
{
    check_pthread(pthread_mutex_unlock(mu), "pthread_mutex_unlock");
}

static void add_global(engine *e, int64_t at_ns, int64_t sched_ns, uint32_t sched_src,
                       uint64_t sched_seq, uint32_t type, void *payload, uint64_t arg)
{
    global_event g = {.ev = {.time_ns = at_ns,
                             .src = ENGINE_NO_NODE,
                             .dst = ENGINE_NO_NODE,
                             .seq = sched_seq,
                             .type = type,
                             .payload = payload,
                             .arg = arg},
                      .sched_ns = sched_ns,
                      .sched_src = sched_src};
    lock(&e->global_mu);
    globals_push(e, &g);
    unlock(&e->global_mu);
}

static int64_t next_global_ns(engine *e)
{
    lock(&e->global_mu);
    int64_t t = e->globals_len ? e->globals[0].ev.time_ns : ENGINE_NEVER;
    unlock(&e->global_mu);
    return t;
}

/* ---- calls from the model ---- */

int64_t engine_call_now(const engine_call *call)
{
    return call->now_ns;
}

uint32_t engine_call_node(const engine_call *call)
{
    return call->node;
}

int64_t engine_call_lookahead(const engine_call *call)
{
    return call->e->lookahead_ns;
}

int64_t engine_call_horizon(const engine_call *call)
{
    return call->kind == CALL_IDLE || call->kind == CALL_LOOK ? call->horizon_ns : call->now_ns;
}

void engine_send(engine_call *call, uint32_t dst, int64_t deliver_at_ns, uint32_t type,
                 void *payload, uint64_t arg)
{
    engine *e = call->e;
    assert(dst < e->nodes_n);
    assert(call->node < e->nodes_n);
    assert(call->kind != CALL_LOOK && "send while looking ahead");
    if (call->kind == CALL_GLOBAL)
        assert(deliver_at_ns >= call->now_ns);
    else
        assert(deliver_at_ns - e->lookahead_ns >= call->now_ns && "send below the lookahead");
    node *src = &e->nodes[call->node];
    engine_event ev = {.time_ns = deliver_at_ns,
                       .src = call->node,
                       .dst = dst,
                       .seq = src->next_seq++,
                       .type = type,
                       .payload = payload,
                       .arg = arg};
    uint32_t to = e->owner[dst];
    if (call->kind == CALL_GLOBAL || to == call->rank) {
        node_push(e, dst, &ev);
    } else {
        exchange_post(e->x, call->rank, to, &ev);
        worker *w = &e->workers[call->rank];
        if (deliver_at_ns < w->posted_ns)
            w->posted_ns = deliver_at_ns;
    }
}

void engine_timer(engine_call *call, int64_t at_ns, uint32_t type, void *payload, uint64_t arg)
{
    engine *e = call->e;
    assert(call->node < e->nodes_n);
    assert(call->kind != CALL_LOOK && "timer while looking ahead");
    assert(at_ns >= call->now_ns && "timer in the past");
    node *n = &e->nodes[call->node];
    engine_event ev = {.time_ns = at_ns,
                       .src = call->node,
                       .dst = call->node,
                       .seq = n->next_seq++,
                       .type = type,
                       .payload = payload,
                       .arg = arg};
    node_push(e, call->node, &ev);
}

void engine_call_global(engine_call *call, int64_t at_ns, uint32_t type, void *payload,
                        uint64_t arg)
{
    engine *e = call->e;
    assert(call->kind != CALL_LOOK && "global while looking ahead");
    if (call->kind == CALL_GLOBAL) {
        assert(at_ns >= call->now_ns && "global in the past");
        add_global(e, at_ns, call->now_ns, ENGINE_NO_NODE, e->global_seq++, type, payload, arg);
        return;
    }
    assert(at_ns - e->lookahead_ns >= call->now_ns && "global below the lookahead");
    uint64_t seq = e->nodes[call->node].next_seq++;
    add_global(e, at_ns, call->now_ns, call->node, seq, type, payload, arg);
    worker *w = &e->workers[call->rank];
    if (at_ns < w->added_global_ns)
        w->added_global_ns = at_ns;
}

static void offer_idle(engine *e, uint32_t rank, uint32_t id, int64_t until_ns);

void engine_call_act_as(engine_call *call, uint32_t node_id)
{
    engine *e = call->e;
    assert(call->kind == CALL_GLOBAL && "act_as outside on_global");
    assert(node_id < e->nodes_n);
    call->node = node_id;
    /* Bring the node's idle time up to now before the global changes it,
     * and offer it again from now after (its promise may no longer hold). */
    node *n = &e->nodes[node_id];
    if (n->idle_ns == ENGINE_NEVER)
        return;
    if (n->idle_ns < call->now_ns)
        offer_idle(e, 0, node_id, call->now_ns);
    if (n->idle_ns != ENGINE_NEVER) {
        n->idle_ns = n->wake_ns = call->now_ns;
        n->settled = 0;
    }
    sched_fix(e, node_id);
}

/* ---- the window loop ---- */

/* Offers node id its idle time [idle_ns, until_ns) (due now: no event of the
 * node is before until_ns) and records the model's answer. rank is the
 * calling thread's. The caller fixes the schedule. */
static void offer_idle(engine *e, uint32_t rank, uint32_t id, int64_t until_ns)
{
    node *n = &e->nodes[id];
    const engine_model *m = &e->cfg.model;
    int64_t from = n->idle_ns, next = until_ns;
    assert(from >= n->now_ns && from < until_ns);
    engine_call call = {.e = e,
                        .rank = rank,
                        .node = id,
                        .kind = CALL_IDLE,
                        .now_ns = from,
                        .horizon_ns = until_ns};
    m->on_idle(m->ctx, &call, id, from, until_ns, &next);
    if (next == ENGINE_NEVER) {
        n->idle_ns = n->wake_ns = ENGINE_NEVER;
        return;
    }
    n->idle_ns = until_ns;
    n->wake_ns = next > until_ns ? next : until_ns;
    n->settled = 0;
}

/* Asks node id's model to look ahead from its idle point, up to horizon_ns,
 * without anything becoming due (an offer with from == until). A look that
 * moves the promise nowhere settles it. The caller fixes the schedule. */
static void look_ahead(engine *e, uint32_t rank, uint32_t id, int64_t horizon_ns)
{
    node *n = &e->nodes[id];
    const engine_model *m = &e->cfg.model;
    int64_t from = n->idle_ns, next = from;
    engine_call call = {.e = e,
                        .rank = rank,
                        .node = id,
                        .kind = CALL_LOOK,
                        .now_ns = from,
                        .horizon_ns = horizon_ns};
    m->on_idle(m->ctx, &call, id, from, from, &next);
    if (next == ENGINE_NEVER) {
        n->idle_ns = n->wake_ns = ENGINE_NEVER;
        return;
    }
    if (next <= n->wake_ns)
        n->settled = 1; /* the promise stands; something happens there */
    else
        n->wake_ns = next;
}

/* Runs node id's work before window_end_ns: its events in order and, before
 * each and up to the window's end where its model's promise falls inside,
 * its idle time. */
static void process_node(engine *e, uint32_t rank, uint32_t id, int64_t window_end_ns)
{
    node *n = &e->nodes[id];
    const engine_model *m = &e->cfg.model;
    engine_call call = {.e = e, .rank = rank, .node = id, .kind = CALL_EVENT};
    for (;;) {
        int64_t top = n->len ? n->heap[0].time_ns : ENGINE_NEVER;
        int64_t until = top < window_end_ns ? top : window_end_ns;
        if (n->idle_ns < until && (n->wake_ns < until || top < window_end_ns)) {
            offer_idle(e, rank, id, until);
            continue;
        }
        if (top >= window_end_ns)
            return;
        engine_event ev;
        heap_pop(n, &ev);
        assert(ev.time_ns >= n->now_ns && "time went backwards at a node");
        n->now_ns = ev.time_ns;
        n->events++;
        n->messages += ev.src != id;
        call.now_ns = ev.time_ns;
        m->on_event(m->ctx, &call, id, &ev);
        if (m->on_idle != NULL) {
            n->idle_ns = n->wake_ns = ev.time_ns;
            n->settled = 0;
        }
    }
}

static void deliver(void *ctx, const engine_event *ev)
{
    node_push(ctx, ev->dst, ev);
}

static void bound_lower(_Atomic int64_t *b, int64_t t)
{
    int64_t cur = atomic_load_explicit(b, memory_order_relaxed);
    while (t < cur && !atomic_compare_exchange_weak_explicit(b, &cur, t, memory_order_relaxed,
                                                             memory_order_relaxed))
        ;
}

/* The earliest next work of w's nodes, for the vote. Nodes whose promise is
 * below the bound (the end, the next global, and the earliest settled work
 * any rank has found this round) are asked to look ahead, earliest first,
 * until the earliest is an event, a settled promise or past the bound. The
 * answer may be past what the others find (then it is not the minimum), but
 * never past w's own earliest work. */
static int64_t local_next(engine *e, worker *w, int64_t bound_ns)
{
    _Atomic int64_t *shared = &e->bound_ns[w->round % 3];
    if (w->rank == 0)
        atomic_store_explicit(&e->bound_ns[(w->round + 1) % 3], ENGINE_NEVER, memory_order_relaxed);
    if (w->posted_ns != ENGINE_NEVER)
        bound_lower(shared, w->posted_ns);
    for (;;) {
        if (w->sched_len == 0)
            return ENGINE_NEVER;
        uint32_t id = w->sched[0].id;
        node *n = &e->nodes[id];
        int64_t key = w->sched[0].key_ns;
        int64_t b = atomic_load_explicit(shared, memory_order_relaxed);
        if (b > bound_ns)
            b = bound_ns;
        if (key >= b)
            return key;
        if (n->settled || (n->len && n->heap[0].time_ns == key)) {
            bound_lower(shared, key);
            return key;
        }
        look_ahead(e, w->rank, id, b);
        sched_fix(e, id);
    }
}

/* Offers every node of w its idle time up to end_ns (nothing happens there:
 * every node's next work is at or after end_ns). */
static void finish_idle(engine *e, worker *w, int64_t end_ns)
{
    for (uint32_t k = 0; k < w->n_ids; k++) {
        uint32_t id = w->ids[k];
        if (e->nodes[id].idle_ns < end_ns) {
            offer_idle(e, w->rank, id, end_ns);
            sched_fix(e, id);
        }
    }
}

static void run_globals(engine *e, int64_t at_ns)
{
    const engine_model *m = &e->cfg.model;
    for (;;) {
        global_event g;
        lock(&e->global_mu);
        int due = e->globals_len && e->globals[0].ev.time_ns == at_ns;
        if (due)
            globals_pop(e, &g);
        unlock(&e->global_mu);
        if (!due)
            return;
        engine_call call = {
            .e = e, .rank = 0, .node = ENGINE_NO_NODE, .kind = CALL_GLOBAL, .now_ns = at_ns};
        e->globals_run++;
        if (m->on_global != NULL)
            m->on_global(m->ctx, &call, &g.ev);
        else if (m->on_discard != NULL)
            m->on_discard(m->ctx, &g.ev);
    }
}

static int64_t wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * TIMEUNIT_NS_PER_S + ts.tv_nsec;
}

/* Pacing (rank 0 only): pause and realtime factor. Changes when windows
 * start on the wall clock, never what they do. */
typedef struct pacing {
    int64_t wall0_ns, virt0_ns;
    double factor; /* the factor wall0/virt0 were taken for */
} pacing;

static double realtime_factor_load(engine *e)
{
    uint64_t bits = atomic_load_explicit(&e->realtime_bits, memory_order_relaxed);
    double f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* Blocks while paused (and no stop is requested). Rank 0 calls it before
 * the window's barrier, so no rank starts another window meanwhile. */
static void wait_while_paused(engine *e, pacing *p)
{
    if (atomic_load_explicit(&e->paused, memory_order_acquire)) {
        int64_t t0 = wall_ns();
        lock(&e->pause_mu);
        while (atomic_load_explicit(&e->paused, memory_order_acquire) &&
               !atomic_load_explicit(&e->stop_requested, memory_order_acquire))
            check_pthread(pthread_cond_wait(&e->pause_cv, &e->pause_mu), "pthread_cond_wait");
        unlock(&e->pause_mu);
        p->wall0_ns += wall_ns() - t0;
    }
}

/* Realtime: sleeps until the wall clock matches window_ns. Rank 0 calls it
 * before its part of the window (the others may run ahead by one window). */
static void pace(engine *e, pacing *p, int64_t window_ns)
{
    double f = realtime_factor_load(e);
    if (f != p->factor) { /* engine_set_realtime: pace from here at the new factor */
        p->wall0_ns = wall_ns();
        p->virt0_ns = window_ns;
        p->factor = f;
    }
    if (f <= 0)
        return;
    int64_t target = p->wall0_ns + (int64_t)((double)(window_ns - p->virt0_ns) / f);
    struct timespec ts = {.tv_sec = target / TIMEUNIT_NS_PER_S,
                          .tv_nsec = target % TIMEUNIT_NS_PER_S};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

static void run_rank(engine *e, worker *w, int64_t end_ns)
{
    pacing pc = {.wall0_ns = wall_ns(), .virt0_ns = e->now_ns, .factor = realtime_factor_load(e)};
    w->added_global_ns = ENGINE_NEVER;
    for (;;) {
        int64_t bound = next_global_ns(e);
        if (w->added_global_ns < bound)
            bound = w->added_global_ns;
        if (end_ns < bound)
            bound = end_ns;
        exchange_vote mine = {.next_ns = local_next(e, w, bound), .global_ns = w->added_global_ns},
                      all;
        w->added_global_ns = ENGINE_NEVER;
        w->posted_ns = ENGINE_NEVER;
        w->round++;
        if (w->rank == 0) {
            wait_while_paused(e, &pc);
            int64_t g = next_global_ns(e);
            if (g < mine.global_ns)
                mine.global_ns = g;
            mine.stop = atomic_exchange(&e->stop_requested, 0) != 0;
        }
        exchange_end_window(e->x, w->rank, &mine, &all);
        exchange_collect(e->x, w->rank, deliver, e);
        if (all.stop)
            return;
        if (all.global_ns <= all.next_ns && all.global_ns < end_ns) {
            /* Globals may act for any node and push into any node's heap:
             * wait until every rank has collected its inbox into its heaps. */
            exchange_barrier(e->x, w->rank);
            if (w->rank == 0) {
                /* Paced like a window: with no windows before it, nothing
                 * else would hold virtual time back to the wall clock. */
                pace(e, &pc, all.global_ns);
                e->reached_ns = all.global_ns;
                run_globals(e, all.global_ns);
            }
            exchange_barrier(e->x, w->rank);
            continue;
        }
        if (all.next_ns >= end_ns) {
            finish_idle(e, w, end_ns);
            if (w->rank == 0)
                e->reached_ns = end_ns;
            return;
        }
        int64_t start = all.next_ns;
        int64_t wend =
            start > ENGINE_NEVER - e->lookahead_ns ? ENGINE_NEVER : start + e->lookahead_ns;
        if (all.global_ns < wend)
            wend = all.global_ns;
        if (end_ns < wend)
            wend = end_ns;
        if (w->rank == 0) {
            pace(e, &pc, start);
            e->windows++;
            e->reached_ns = wend;
        }
        while (w->sched_len != 0 && w->sched[0].key_ns < wend) {
            uint32_t id = w->sched[0].id;
            process_node(e, w->rank, id, wend);
            sched_fix(e, id);
        }
    }
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    engine *e = w->e;
    uint64_t seen = 0;
    lock(&e->cmd_mu);
    for (;;) {
        while (e->run_gen == seen && !e->shutdown)
            check_pthread(pthread_cond_wait(&e->cmd_cv, &e->cmd_mu), "pthread_cond_wait");
        if (e->shutdown)
            break;
        seen = e->run_gen;
        int64_t end_ns = e->run_end_ns;
        unlock(&e->cmd_mu);
        run_rank(e, w, end_ns);
        lock(&e->cmd_mu);
    }
    unlock(&e->cmd_mu);
    return NULL;
}

/* ---- lifecycle ---- */

typedef struct costed {
    uint64_t cost;
    uint32_t id;
} costed;

static int cmp_costed(const void *a, const void *b)
{
    const costed *x = a, *y = b;
    if (x->cost != y->cost)
        return x->cost > y->cost ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Maps nodes onto workers: with costs, the dearest node first to the
 * least loaded worker (ties to the lowest rank); without, node i to worker
 * i mod K (neighbouring ids often have similar roles, so this spreads them).
 * Fills owner and every worker's ids (ascending) and schedule. Returns 0,
 * or -1 when out of memory. Results never depend on the mapping. */
static int assign_nodes(engine *e)
{
    uint32_t k = e->threads;
    if (e->cfg.node_cost == NULL) {
        for (uint32_t i = 0; i < e->nodes_n; i++)
            e->owner[i] = i % k;
    } else {
        costed *order = malloc(e->nodes_n * sizeof *order);
        uint64_t *load = calloc(k, sizeof *load);
        if (order == NULL || load == NULL) {
            free(order);
            free(load);
            return -1;
        }
        for (uint32_t i = 0; i < e->nodes_n; i++)
            order[i] = (costed){e->cfg.node_cost[i], i};
        qsort(order, e->nodes_n, sizeof *order, cmp_costed);
        for (uint32_t j = 0; j < e->nodes_n; j++) {
            uint32_t best = 0;
            for (uint32_t r = 1; r < k; r++)
                if (load[r] < load[best])
                    best = r;
            e->owner[order[j].id] = best;
            load[best] += order[j].cost + 1; /* + 1: zero-cost nodes spread too */
        }
        free(order);
        free(load);
    }
    for (uint32_t i = 0; i < e->nodes_n; i++)
        e->workers[e->owner[i]].n_ids++;
    for (uint32_t r = 0; r < k; r++) {
        worker *w = &e->workers[r];
        w->e = e;
        w->rank = r;
        w->posted_ns = ENGINE_NEVER;
        w->ids = malloc((w->n_ids ? w->n_ids : 1) * sizeof *w->ids);
        w->sched = malloc((w->n_ids ? w->n_ids : 1) * sizeof *w->sched);
        if (w->ids == NULL || w->sched == NULL)
            return -1;
        w->n_ids = 0;
    }
    for (uint32_t i = 0; i < e->nodes_n; i++) {
        worker *w = &e->workers[e->owner[i]];
        w->ids[w->n_ids++] = i;
    }
    return 0;
}

/* CPUs this process may run on: online CPUs, fewer if the affinity mask
 * says so; 0 when unknown (then nobody spins). */
static long cpus_usable(void)
{
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        long allowed = CPU_COUNT(&set);
        if (allowed > 0 && (online <= 0 || allowed < online))
            return allowed;
    }
    return online > 0 ? online : 0;
}

int engine_new(engine **out, const engine_config *cfg)
{
    *out = NULL;
    if (cfg->nodes < 1)
        return ENGINE_E_NODES;
    if (cfg->lookahead_ns <= 0)
        return ENGINE_E_LOOKAHEAD;
    if (cfg->model.on_event == NULL)
        return ENGINE_E_MODEL;
    if (!(cfg->realtime_factor == 0 ||
          (isfinite(cfg->realtime_factor) && cfg->realtime_factor > 0)))
        return ENGINE_E_REALTIME;
    engine *e = zalloc_lines(1, sizeof *e);
    if (e == NULL)
        return ENGINE_E_NOMEM;
    int status = ENGINE_E_NOMEM;
    e->cfg = *cfg;
    e->nodes_n = cfg->nodes;
    e->lookahead_ns = cfg->lookahead_ns;
    long cpus = cpus_usable();
    e->threads = cfg->threads != 0 ? cfg->threads : cpus > 0 ? (uint32_t)cpus : 1;
    if (e->threads > cfg->nodes)
        e->threads = cfg->nodes;
    check_pthread(pthread_mutex_init(&e->global_mu, NULL), "pthread_mutex_init");
    check_pthread(pthread_mutex_init(&e->cmd_mu, NULL), "pthread_mutex_init");
    check_pthread(pthread_cond_init(&e->cmd_cv, NULL), "pthread_cond_init");
    check_pthread(pthread_mutex_init(&e->pause_mu, NULL), "pthread_mutex_init");
    check_pthread(pthread_cond_init(&e->pause_cv, NULL), "pthread_cond_init");
    atomic_init(&e->stop_requested, 0);
    atomic_init(&e->paused, 0);
    uint64_t realtime_bits;
    memcpy(&realtime_bits, &cfg->realtime_factor, sizeof realtime_bits);
    atomic_init(&e->realtime_bits, realtime_bits);
    e->nodes = zalloc_lines(e->nodes_n, sizeof *e->nodes);
    e->owner = calloc(e->nodes_n, sizeof *e->owner);
    e->pos = calloc(e->nodes_n, sizeof *e->pos);
    e->workers = zalloc_lines(e->threads, sizeof *e->workers);
    if (e->nodes == NULL || e->owner == NULL || e->pos == NULL || e->workers == NULL)
        goto fail;
    for (int k = 0; k < 3; k++)
        atomic_init(&e->bound_ns[k], ENGINE_NEVER);
    status = exchange_new(&e->x, e->threads, cpus > 0 && e->threads <= (uint32_t)cpus);
    if (status != ENGINE_OK)
        goto fail;
    status = ENGINE_E_NOMEM;
    if (assign_nodes(e) != 0)
        goto fail;
    for (uint32_t i = 0; i < e->nodes_n; i++) {
        node *n = &e->nodes[i];
        n->idle_ns = n->wake_ns = cfg->model.on_idle != NULL ? 0 : ENGINE_NEVER;
        n->key_ns = ENGINE_NEVER;
        e->pos[i] = NO_POS;
        sched_fix(e, i);
    }
    status = ENGINE_E_THREAD;
    for (uint32_t r = 1; r < e->threads; r++) {
        if (pthread_create(&e->workers[r].thread, NULL, worker_main, &e->workers[r]) != 0)
            goto fail;
        e->workers[r].started = 1;
    }
    *out = e;
    return ENGINE_OK;
fail:
    engine_free(e);
    return status;
}

static int cmp_event(const void *a, const void *b)
{
    const engine_event *x = a, *y = b;
    return event_before(x, y) ? -1 : event_before(y, x);
}

static int cmp_global(const void *a, const void *b)
{
    const global_event *x = a, *y = b;
    return global_before(x, y) ? -1 : global_before(y, x);
}

/* Hands every pending event to on_discard: node events in (time, src, seq)
 * order, then globals in the order they would have run. Aborts when out of
 * memory for the sorted list. */
static void discard_pending(engine *e)
{
    const engine_model *m = &e->cfg.model;
    size_t total = 0;
    for (uint32_t i = 0; e->nodes != NULL && i < e->nodes_n; i++)
        total += e->nodes[i].len;
    if (total > 0) {
        engine_event *all = malloc(total * sizeof *all);
        if (all == NULL) {
            fprintf(stderr, "chainsim: engine: out of memory\n");
            abort();
        }
        size_t k = 0;
        for (uint32_t i = 0; i < e->nodes_n; i++) {
            if (e->nodes[i].len == 0)
                continue;
            memcpy(&all[k], e->nodes[i].heap, e->nodes[i].len * sizeof *all);
            k += e->nodes[i].len;
            e->nodes[i].len = 0;
        }
        qsort(all, total, sizeof *all, cmp_event);
        for (k = 0; k < total; k++)
            m->on_discard(m->ctx, &all[k]);
        free(all);
    }
    if (e->globals_len > 0)
        qsort(e->globals, e->globals_len, sizeof *e->globals, cmp_global);
    for (size_t k = 0; k < e->globals_len; k++)
        m->on_discard(m->ctx, &e->globals[k].ev);
    e->globals_len = 0;
}

void engine_free(engine *e)
{
    if (e == NULL)
        return;
    if (getenv("CHAINSIM_ENGINE_STATS") != NULL) {
        engine_stats st;
        engine_get_stats(e, &st);
        fprintf(stderr,
                "engine: %u nodes, %u threads, %" PRIu64 " windows, %" PRIu64 " events, %" PRIu64
                " messages, %" PRIu64 " globals\n",
                e->nodes_n, e->threads, st.windows, st.events, st.messages, st.globals);
    }
    if (e->workers != NULL) {
        lock(&e->cmd_mu);
        e->shutdown = 1;
        check_pthread(pthread_cond_broadcast(&e->cmd_cv), "pthread_cond_broadcast");
        unlock(&e->cmd_mu);
        for (uint32_t r = 1; r < e->threads; r++)
            if (e->workers[r].started)
                check_pthread(pthread_join(e->workers[r].thread, NULL), "pthread_join");
    }
    if (e->cfg.model.on_discard != NULL)
        discard_pending(e);
    if (e->nodes != NULL)
        for (uint32_t i = 0; i < e->nodes_n; i++)
            free(e->nodes[i].heap);
    free(e->globals);
    exchange_free(e->x);
    for (uint32_t r = 0; e->workers != NULL && r < e->threads; r++) {
        free(e->workers[r].ids);
        free(e->workers[r].sched);
    }
    free(e->nodes);
    free(e->owner);
    free(e->pos);
    free(e->workers);
    check_pthread(pthread_mutex_destroy(&e->global_mu), "pthread_mutex_destroy");
    check_pthread(pthread_mutex_destroy(&e->cmd_mu), "pthread_mutex_destroy");
    check_pthread(pthread_cond_destroy(&e->cmd_cv), "pthread_cond_destroy");
    check_pthread(pthread_mutex_destroy(&e->pause_mu), "pthread_mutex_destroy");
    check_pthread(pthread_cond_destroy(&e->pause_cv), "pthread_cond_destroy");
    free(e);
}

int engine_run(engine *e, int64_t end_ns)
{
    if (end_ns < e->now_ns)
        return ENGINE_E_PAST;
    lock(&e->cmd_mu);
    e->run_end_ns = end_ns;
    e->run_gen++;
    check_pthread(pthread_cond_broadcast(&e->cmd_cv), "pthread_cond_broadcast");
    unlock(&e->cmd_mu);
    e->reached_ns = e->now_ns;
    run_rank(e, &e->workers[0], end_ns);
    e->now_ns = e->reached_ns;
    return ENGINE_OK;
}

void engine_request_stop(engine *e)
{
    atomic_store(&e->stop_requested, 1);
    lock(&e->pause_mu);
    check_pthread(pthread_cond_broadcast(&e->pause_cv), "pthread_cond_broadcast");
    unlock(&e->pause_mu);
}

void engine_set_paused(engine *e, int paused)
{
    lock(&e->pause_mu);
    atomic_store(&e->paused, paused != 0);
    check_pthread(pthread_cond_broadcast(&e->pause_cv), "pthread_cond_broadcast");
    unlock(&e->pause_mu);
}

int engine_schedule_global(engine *e, int64_t at_ns, uint32_t type, void *payload, uint64_t arg)
{
    if (at_ns < e->now_ns)
        return ENGINE_E_PAST;
    add_global(e, at_ns, e->now_ns, ENGINE_NO_NODE, e->global_seq++, type, payload, arg);
    return ENGINE_OK;
}

int engine_schedule_timer(engine *e, uint32_t node_id, int64_t at_ns, uint32_t type, void *payload,
                          uint64_t arg)
{
    if (node_id >= e->nodes_n)
        return ENGINE_E_NODE;
    if (at_ns < e->now_ns)
        return ENGINE_E_PAST;
    node *n = &e->nodes[node_id];
    engine_event ev = {.time_ns = at_ns,
                       .src = node_id,
                       .dst = node_id,
                       .seq = n->next_seq++,
                       .type = type,
                       .payload = payload,
                       .arg = arg};
    node_push(e, node_id, &ev);
    return ENGINE_OK;
}

int64_t engine_now(const engine *e)
{
    return e->now_ns;
}

int64_t engine_lookahead(const engine *e)
{
    return e->lookahead_ns;
}

uint32_t engine_nodes(const engine *e)
{
    return e->nodes_n;
}

uint32_t engine_threads(const engine *e)
{
    return e->threads;
}

void engine_get_stats(const engine *e, engine_stats *out)
{
    memset(out, 0, sizeof *out);
    out->windows = e->windows;
    out->globals = e->globals_run;
    for (uint32_t i = 0; i < e->nodes_n; i++) {
        out->events += e->nodes[i].events;
        out->messages += e->nodes[i].messages;
    }
}

void engine_get_node_stats(const engine *e, engine_node_stats *out, uint32_t node_id)
{
    assert(node_id < e->nodes_n);
    out->events = e->nodes[node_id].events;
    out->messages = e->nodes[node_id].messages;
}

/* ---- realtime factor, changed during a run (dashboards) ---- */

int engine_set_realtime(engine *e, double factor)
{
    if (!(factor == 0 || (isfinite(factor) && factor > 0)))
        return ENGINE_E_REALTIME;
    uint64_t bits;
    memcpy(&bits, &factor, sizeof bits);
    atomic_store_explicit(&e->realtime_bits, bits, memory_order_relaxed);
    return ENGINE_OK;
}

double engine_realtime(engine *e)
{
    return realtime_factor_load(e);
}
