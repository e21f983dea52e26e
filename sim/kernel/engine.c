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
 * cache lines, so no two threads write one line in the hot path.
 *
 * This file has the calls from the model, the idle offers and the window
 * loop; the queues are in engine_queue.h/.c, pacing on the wall clock in
 * engine_pace.c, engine_new and engine_free in engine_setup.c, and the
 * shared private state in engine_impl.h. */
#include "engine.h"

#include "engine_pace.h"
#include "engine_queue.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

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
    uint32_t to = e->owner[dst]; /* >= threads: another process */
    if ((call->kind == CALL_GLOBAL && to < e->threads) || to == call->rank) {
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
        engine_add_global(e, at_ns, call->now_ns, ENGINE_NO_NODE, e->global_seq++, type, payload,
                          arg);
        return;
    }
    assert(at_ns - e->lookahead_ns >= call->now_ns && "global below the lookahead");
    /* A node's global would exist in its own process only. */
    assert(e->procs <= 1 && "a node added a global with several processes");
    uint64_t seq = e->nodes[call->node].next_seq++;
    engine_add_global(e, at_ns, call->now_ns, call->node, seq, type, payload, arg);
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
    assert(e->owner[node_id] < e->threads && "act_as for a node of another process");
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
            engine_globals_pop(e, &g);
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

static void run_rank(engine *e, worker *w, int64_t end_ns)
{
    pacing pc = {.wall0_ns = engine_wall_ns(),
                 .virt0_ns = e->now_ns,
                 .factor = engine_realtime_factor_load(e)};
    w->added_global_ns = ENGINE_NEVER;
    for (;;) {
        int64_t bound = engine_next_global_ns(e);
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
            engine_wait_while_paused(e, &pc);
            int64_t g = engine_next_global_ns(e);
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
                engine_pace(e, &pc, all.global_ns);
                e->reached_ns = all.global_ns;
                run_globals(e, all.global_ns);
            }
            exchange_barrier(e->x, w->rank);
            continue;
        }
        if (all.next_ns >= end_ns) {
            finish_idle(e, w, end_ns);
            /* Idle time up to the end is work of this run (hashes counted,
             * blocks found): no rank returns before every rank has done it,
             * so the caller reads finished state. */
            exchange_barrier(e->x, w->rank);
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
            engine_pace(e, &pc, start);
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

void *engine_worker_main(void *arg)
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

int engine_schedule_global(engine *e, int64_t at_ns, uint32_t type, void *payload, uint64_t arg)
{
    if (at_ns < e->now_ns)
        return ENGINE_E_PAST;
    engine_add_global(e, at_ns, e->now_ns, ENGINE_NO_NODE, e->global_seq++, type, payload, arg);
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
    if (e->owner[node_id] >= e->threads) { /* a node of another process: its timer is not ours */
        if (e->cfg.model.on_discard != NULL)
            e->cfg.model.on_discard(e->cfg.model.ctx, &ev);
        return ENGINE_OK;
    }
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

int engine_is_local(const engine *e, uint32_t node_id)
{
    return node_id < e->nodes_n && e->owner[node_id] < e->threads;
}

uint32_t engine_proc_of(const engine *e, uint32_t node_id)
{
    assert(node_id < e->nodes_n);
    return e->owner[node_id] < e->threads ? e->proc : e->owner[node_id] - e->threads;
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
