/* The windowed kernel with small scripted models: event order on
 * (time, src, seq) with ties, windows and skip-ahead, global events, idle
 * time and hashing ahead (results kept, windows only where something
 * happens), configuration errors, early stop, pause and resume, and teardown
 * of pending events (in a defined order). The
 * thread-count determinism test is in test_engine_determinism.c. */
#include "engine.h"
#include "testutil.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { T_REC, T_SEND, T_PING, T_CHAIN, T_GLOBAL };
enum { G_PLAIN = 100, G_INJECT };

#define MAX_NODES 8
#define MAX_LOG 512

typedef struct rec {
    int64_t t;
    uint32_t src, type;
    uint64_t seq, arg;
} rec;

typedef struct script {
    int64_t latency_ns; /* T_SEND / T_PING */
    int64_t step_ns;    /* T_CHAIN period */
    int64_t chain_end_ns;
    rec log[MAX_NODES][MAX_LOG];
    int n[MAX_NODES];
    /* globals: type, time, events node 0 had handled, node 0's last time */
    struct {
        uint32_t type;
        int64_t t;
        int node0_events;
        int64_t node0_last;
    } glog[16];
    int gn;
} script;

static void script_event(void *ctx, engine_call *call, uint32_t node, const engine_event *ev)
{
    script *s = ctx;
    ck_assert_uint_eq(node, ev->dst);
    ck_assert_int_eq(engine_call_now(call), ev->time_ns);
    if (s->n[node] < MAX_LOG)
        s->log[node][s->n[node]++] = (rec){
            .t = ev->time_ns, .src = ev->src, .type = ev->type, .seq = ev->seq, .arg = ev->arg};
    int64_t now = ev->time_ns;
    switch (ev->type) {
    case T_SEND:
        engine_send(call, (uint32_t)ev->arg, now + s->latency_ns, T_REC, NULL, 0);
        break;
    case T_PING:
        if (ev->arg > 0)
            engine_send(call, node ^ 1, now + s->latency_ns, T_PING, NULL, ev->arg - 1);
        break;
    case T_CHAIN:
        if (now + s->step_ns < s->chain_end_ns)
            engine_timer(call, now + s->step_ns, T_CHAIN, NULL, 0);
        break;
    case T_GLOBAL:
        engine_call_global(call, (int64_t)ev->arg, G_PLAIN + 2, NULL, 0);
        break;
    }
}

static void script_global(void *ctx, engine_call *call, const engine_event *ev)
{
    script *s = ctx;
    ck_assert_uint_eq(engine_call_node(call), ENGINE_NO_NODE);
    ck_assert_int_lt(s->gn, 16);
    s->glog[s->gn].type = ev->type;
    s->glog[s->gn].t = engine_call_now(call);
    s->glog[s->gn].node0_events = s->n[0];
    s->glog[s->gn].node0_last = s->n[0] ? s->log[0][s->n[0] - 1].t : -1;
    s->gn++;
    if (ev->type == G_INJECT) {
        engine_call_act_as(call, 1);
        engine_send(call, 2, engine_call_now(call), T_REC, NULL, 42);
        engine_timer(call, engine_call_now(call), T_REC, NULL, 43);
    }
}

static engine *new_engine(script *s, uint32_t nodes, int64_t lookahead_ns, uint32_t threads)
{
    engine_config cfg = {.nodes = nodes,
                         .lookahead_ns = lookahead_ns,
                         .threads = threads,
                         .model = {.ctx = s, .on_event = script_event, .on_global = script_global}};
    engine *e = NULL;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_OK);
    ck_assert_ptr_nonnull(e);
    return e;
}

static void timer(engine *e, uint32_t node, int64_t at_ns, uint32_t type, uint64_t arg)
{
    ck_assert_int_eq(engine_schedule_timer(e, node, at_ns, type, NULL, arg), ENGINE_OK);
}

static const uint32_t thread_counts[] = {1, 3, 0};

START_TEST(order_is_time_src_seq_with_ties)
{
    script *s = calloc(1, sizeof *s);
    s->latency_ns = 1000;
    engine *e = new_engine(s, 3, 1000, thread_counts[_i]);
    timer(e, 2, 0, T_SEND, 0); /* arrives at node 0 at 1000 from src 2 */
    timer(e, 1, 0, T_SEND, 0); /* ... and from src 1 */
    timer(e, 0, 1000, T_REC, 100);
    timer(e, 0, 50, T_REC, 101);
    timer(e, 0, 10, T_REC, 102);
    timer(e, 0, 30, T_REC, 103);
    timer(e, 0, 10, T_REC, 104);
    timer(e, 0, 10, T_REC, 105);
    ck_assert_int_eq(engine_run(e, 5000), ENGINE_OK);
    static const struct {
        int64_t t;
        uint32_t src;
        uint64_t seq, arg;
    } want[] = {{10, 0, 2, 102}, {10, 0, 4, 104},   {10, 0, 5, 105}, {30, 0, 3, 103},
                {50, 0, 1, 101}, {1000, 0, 0, 100}, {1000, 1, 1, 0}, {1000, 2, 1, 0}};
    ck_assert_int_eq(s->n[0], 8);
    for (int i = 0; i < 8; i++) {
        ck_assert_int_eq(s->log[0][i].t, want[i].t);
        ck_assert_uint_eq(s->log[0][i].src, want[i].src);
        ck_assert_uint_eq(s->log[0][i].seq, want[i].seq);
        ck_assert_uint_eq(s->log[0][i].arg, want[i].arg);
    }
    engine_node_stats ns;
    engine_get_node_stats(e, &ns, 0);
    ck_assert_uint_eq(ns.events, 8);
    ck_assert_uint_eq(ns.messages, 2);
    ck_assert_int_eq(engine_now(e), 5000);
    engine_free(e);
    free(s);
}
END_TEST

START_TEST(messages_cross_windows)
{
    /* A ping-pong of 5 hops at exactly the lookahead: each arrival is at the
     * start of the next window, so 6 events take 6 windows. */
    script *s = calloc(1, sizeof *s);
    s->latency_ns = 1000;
    engine *e = new_engine(s, 2, 1000, thread_counts[_i]);
    timer(e, 0, 0, T_PING, 5);
    ck_assert_int_eq(engine_run(e, 1000000), ENGINE_OK);
    ck_assert_int_eq(s->n[0] + s->n[1], 6);
    for (int k = 0; k < 6; k++) {
        const rec *r = &s->log[k % 2][k / 2];
        ck_assert_int_eq(r->t, 1000 * k);
        ck_assert_uint_eq(r->arg, 5 - (uint64_t)k);
        ck_assert_uint_eq(r->src, k == 0 ? 0 : (uint32_t)((k + 1) % 2));
    }
    engine_stats st;
    engine_get_stats(e, &st);
    ck_assert_uint_eq(st.windows, 6);
    ck_assert_uint_eq(st.events, 6);
    ck_assert_uint_eq(st.messages, 5);
    engine_free(e);

    /* Latency 2.5 L: windows start at each arrival (skip-ahead), 3 windows. */
    memset(s, 0, sizeof *s);
    s->latency_ns = 2500;
    e = new_engine(s, 2, 1000, thread_counts[_i]);
    timer(e, 0, 0, T_PING, 2);
    ck_assert_int_eq(engine_run(e, 1000000), ENGINE_OK);
    ck_assert_int_eq(s->log[1][0].t, 2500);
    ck_assert_int_eq(s->log[0][1].t, 5000);
    engine_get_stats(e, &st);
    ck_assert_uint_eq(st.windows, 3);
    engine_free(e);
    free(s);
}
END_TEST

START_TEST(skip_ahead_over_empty_stretches)
{
    script *s = calloc(1, sizeof *s);
    const int64_t hour = 3600LL * 1000000000LL, ms = 1000000;
    engine *e = new_engine(s, 4, ms, thread_counts[_i]);
    timer(e, 1, 5, T_REC, 0);
    timer(e, 3, 5 + hour, T_REC, 0);
    ck_assert_int_eq(engine_run(e, 2 * hour), ENGINE_OK);
    ck_assert_int_eq(s->n[1], 1);
    ck_assert_int_eq(s->n[3], 1);
    ck_assert_int_eq(s->log[3][0].t, 5 + hour);
    engine_stats st;
    engine_get_stats(e, &st);
    ck_assert_uint_eq(st.windows, 2);
    ck_assert_int_eq(engine_now(e), 2 * hour);
    engine_free(e);
    free(s);
}
END_TEST

START_TEST(end_time_is_exclusive_and_runs_continue)
{
    script *s = calloc(1, sizeof *s);
    engine *e = new_engine(s, 2, 100, thread_counts[_i]);
    timer(e, 0, 999, T_REC, 1);
    timer(e, 0, 1000, T_REC, 2);
    ck_assert_int_eq(engine_run(e, 1000), ENGINE_OK);
    ck_assert_int_eq(s->n[0], 1);
    ck_assert_int_eq(engine_now(e), 1000);
    ck_assert_int_eq(engine_run(e, 999), ENGINE_E_PAST);
    ck_assert_int_eq(engine_schedule_timer(e, 0, 999, T_REC, NULL, 0), ENGINE_E_PAST);
    ck_assert_int_eq(engine_schedule_global(e, 999, G_PLAIN, NULL, 0), ENGINE_E_PAST);
    ck_assert_int_eq(engine_run(e, 1001), ENGINE_OK);
    ck_assert_int_eq(s->n[0], 2);
    ck_assert_uint_eq(s->log[0][1].arg, 2);
    engine_free(e);
    free(s);
}
END_TEST

START_TEST(globals_clip_windows_and_run_in_order)
{
    script *s = calloc(1, sizeof *s);
    s->step_ns = 100;
    s->chain_end_ns = 3001;
    engine *e = new_engine(s, 3, 1000, thread_counts[_i]);
    timer(e, 0, 0, T_CHAIN, 0);
    timer(e, 1, 500, T_GLOBAL, 1550); /* schedules G_PLAIN + 2 at 1550 during the run */
    ck_assert_int_eq(engine_schedule_global(e, 1550, G_PLAIN, NULL, 0), ENGINE_OK);
    ck_assert_int_eq(engine_schedule_global(e, 1550, G_INJECT, NULL, 0), ENGINE_OK);
    ck_assert_int_eq(engine_schedule_global(e, 20000, G_PLAIN, NULL, 0), ENGINE_OK);
    ck_assert_int_eq(engine_run(e, 10000), ENGINE_OK);
    /* Order: the two scheduled before the run (at time 0, in call order),
     * then the one scheduled at 500 by node 1. */
    ck_assert_int_eq(s->gn, 3);
    ck_assert_uint_eq(s->glog[0].type, G_PLAIN);
    ck_assert_uint_eq(s->glog[1].type, G_INJECT);
    ck_assert_uint_eq(s->glog[2].type, G_PLAIN + 2);
    for (int i = 0; i < 3; i++) {
        /* Node 0 handled everything before 1550 (0..1500: 16 events), nothing after. */
        ck_assert_int_eq(s->glog[i].t, 1550);
        ck_assert_int_eq(s->glog[i].node0_events, 16);
        ck_assert_int_eq(s->glog[i].node0_last, 1500);
    }
    ck_assert_int_eq(s->n[0], 31); /* 0, 100, ..., 3000 */
    /* The injected message and timer, at the global's time, acting as node 1. */
    ck_assert_int_eq(s->n[2], 1);
    ck_assert_int_eq(s->log[2][0].t, 1550);
    ck_assert_uint_eq(s->log[2][0].src, 1);
    ck_assert_uint_eq(s->log[2][0].arg, 42);
    ck_assert_int_eq(s->n[1], 2);
    ck_assert_int_eq(s->log[1][1].t, 1550);
    ck_assert_uint_eq(s->log[1][1].arg, 43);
    /* Windows [0,1000) [1000,1550) [1550,2550) [2550,3550). */
    engine_stats st;
    engine_get_stats(e, &st);
    ck_assert_uint_eq(st.windows, 4);
    ck_assert_uint_eq(st.globals, 3);
    engine_free(e); /* the global at 20000 is discarded (no payload) */
    free(s);
}
END_TEST

/* ---- idle time: a miner trying every 100 ns, finding at 700 and 2300 ---- */

typedef struct miner {
    int64_t next_attempt_ns;
    int attempts[64]; /* per attempt index: times tried */
    struct {
        int64_t from, until;
    } calls[64];
    int ncalls;
    int64_t found[8];
    int nfound;
    int64_t events[8];
    int nevents;
    int64_t sleep_until_ns; /* 0: keep mining; else *next_ns = this */
} miner;

static void miner_idle(void *ctx, engine_call *call, uint32_t node, int64_t from_ns,
                       int64_t until_ns, int64_t *next_ns)
{
    miner *m = ctx;
    ck_assert_uint_eq(node, 0);
    ck_assert_int_eq(engine_call_now(call), from_ns);
    ck_assert_int_le(from_ns, until_ns);
    ck_assert_int_eq(*next_ns, until_ns);
    if (from_ns == until_ns)
        return; /* a look ahead: this miner cannot tell, so it settles */
    ck_assert_int_lt(m->ncalls, 64);
    m->calls[m->ncalls].from = from_ns;
    m->calls[m->ncalls].until = until_ns;
    m->ncalls++;
    if (m->sleep_until_ns) {
        *next_ns = m->sleep_until_ns;
        return;
    }
    if (m->next_attempt_ns < from_ns)
        m->next_attempt_ns = (from_ns + 99) / 100 * 100;
    for (int64_t t = m->next_attempt_ns; t < until_ns; t += 100) {
        m->attempts[t / 100]++;
        m->next_attempt_ns = t + 100;
        if (t == 700 || t == 2300) {
            engine_timer(call, t, T_REC, NULL, 7);
            return;
        }
    }
}

static void miner_event(void *ctx, engine_call *call, uint32_t node, const engine_event *ev)
{
    miner *m = ctx;
    (void)call;
    if (node != 0)
        return;
    if (ev->arg == 7)
        m->found[m->nfound++] = ev->time_ns;
    m->events[m->nevents++] = ev->time_ns;
}

static void miner_send_event(void *ctx, engine_call *call, uint32_t node, const engine_event *ev)
{
    if (node == 1)
        engine_send(call, 0, ev->time_ns + 1000, T_REC, NULL, 9);
    else
        miner_event(ctx, call, node, ev);
}

static void miner_idle_node0(void *ctx, engine_call *call, uint32_t node, int64_t from_ns,
                             int64_t until_ns, int64_t *next_ns)
{
    if (node == 0)
        miner_idle(ctx, call, node, from_ns, until_ns, next_ns);
    else
        *next_ns = INT64_MAX;
}

START_TEST(idle_time_is_offered_between_events)
{
    miner *m = calloc(1, sizeof *m);
    engine_config cfg = {
        .nodes = 2,
        .lookahead_ns = 1000,
        .threads = thread_counts[_i],
        .model = {.ctx = m, .on_event = miner_send_event, .on_idle = miner_idle_node0}};
    engine *e = NULL;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_OK);
    ck_assert_int_eq(engine_schedule_timer(e, 1, 500, T_REC, NULL, 0), ENGINE_OK);
    ck_assert_int_eq(engine_run(e, 3000), ENGINE_OK);
    /* Every attempt in [0, 3000) made exactly once. */
    for (int k = 0; k < 30; k++)
        ck_assert_msg(m->attempts[k] == 1, "attempt at %d made %d times", k * 100, m->attempts[k]);
    ck_assert_int_eq(m->attempts[30], 0);
    ck_assert_int_eq(m->nfound, 2);
    ck_assert_int_eq(m->found[0], 700);
    ck_assert_int_eq(m->found[1], 2300);
    ck_assert_int_eq(m->nevents, 3);
    ck_assert_int_eq(m->events[1], 1500); /* the message from node 1 */
    /* Idle intervals tile [0, 3000): each starts where the last ended or at
     * the event just handled; they stop at events and window ends. */
    ck_assert_int_eq(m->calls[0].from, 0);
    ck_assert_int_eq(m->calls[0].until, 1000);
    ck_assert_int_eq(m->calls[1].from, 700); /* after the block found at 700 */
    for (int i = 1; i < m->ncalls; i++) {
        int64_t prev = m->calls[i - 1].until;
        int64_t from = m->calls[i].from;
        int after_event = from == 700 || from == 1500 || from == 2300;
        ck_assert_msg(from == prev || after_event, "idle call %d from %lld, previous until %lld", i,
                      (long long)from, (long long)prev);
    }
    ck_assert_int_eq(m->calls[m->ncalls - 1].until, 3000);
    int64_t untils_at_1500 = 0;
    for (int i = 0; i < m->ncalls; i++)
        untils_at_1500 += m->calls[i].until == 1500;
    ck_assert_int_eq(untils_at_1500, 1); /* stopped at the message's arrival */
    /* Pending idle time holds windows back: 3 windows of 1000. */
    engine_stats st;
    engine_get_stats(e, &st);
    ck_assert_uint_eq(st.windows, 3);
    engine_free(e);
    free(m);
}
END_TEST

START_TEST(idle_sleep_allows_skip_ahead)
{
    miner *m = calloc(1, sizeof *m);
    const int64_t hour = 3600LL * 1000000000LL, ms = 1000000;
    m->sleep_until_ns = INT64_MAX;
    engine_config cfg = {.nodes = 2,
                         .lookahead_ns = ms,
                         .threads = thread_counts[_i],
                         .model = {.ctx = m, .on_event = miner_event, .on_idle = miner_idle_node0}};
    engine *e = NULL;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_OK);
    ck_assert_int_eq(engine_schedule_timer(e, 0, 10, T_REC, NULL, 0), ENGINE_OK);
    ck_assert_int_eq(engine_schedule_timer(e, 0, hour, T_REC, NULL, 0), ENGINE_OK);
    ck_assert_int_eq(engine_run(e, 2 * hour), ENGINE_OK);
    /* Called at [0,10), after the event at 10 until the window end, after
     * the event at 1 h until its window end; asleep otherwise. */
    ck_assert_int_eq(m->ncalls, 3);
    ck_assert_int_eq(m->calls[0].from, 0);
    ck_assert_int_eq(m->calls[0].until, 10);
    ck_assert_int_eq(m->calls[1].from, 10);
    ck_assert_int_eq(m->calls[1].until, ms);
    ck_assert_int_eq(m->calls[2].from, hour);
    ck_assert_int_eq(m->calls[2].until, hour + ms);
    engine_stats st;
    engine_get_stats(e, &st);
    ck_assert_uint_eq(st.windows, 2);
    engine_free(e);

    /* Sleeping until a given time wakes the node there. */
    memset(m, 0, sizeof *m);
    m->sleep_until_ns = 5 * ms;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_OK);
    ck_assert_int_eq(engine_run(e, 10 * ms), ENGINE_OK);
    /* [0, 1 ms), nothing before 5 ms: the next span [1 ms, 6 ms) is offered
     * in the window at 5 ms; from then on its "5 ms" is below until, which
     * counts as until: one call per window up to the end. */
    ck_assert_int_eq(m->ncalls, 6);
    ck_assert_int_eq(m->calls[0].until, ms);
    ck_assert_int_eq(m->calls[1].from, ms);
    ck_assert_int_eq(m->calls[1].until, 6 * ms);
    engine_get_stats(e, &st);
    ck_assert_uint_eq(st.windows, 6);
    ck_assert_int_eq(m->calls[5].from, 9 * ms);
    ck_assert_int_eq(m->calls[5].until, 10 * ms);
    engine_free(e);
    free(m);
}
END_TEST

/* ---- hashing ahead: miners that race, restart on every block, and look
 * ahead to their next success; the same results as mining every window ---- */

#define HA_NODES 6
enum { T_FOUND = 200, T_BLOCK, G_SLOWER = 300 };

typedef struct hminer {
    int ahead; /* 1: work ahead and promise; 0: mine only what is due */
    int64_t t0[HA_NODES];
    uint64_t k[HA_NODES], reported[HA_NODES];
    int active[HA_NODES], found[HA_NODES];
    int64_t found_ns[HA_NODES];
    int64_t period_ns[HA_NODES];
    /* results */
    uint64_t hashes[HA_NODES];
    int blocks[HA_NODES];
    uint64_t digest[HA_NODES];
    int64_t last_ns[HA_NODES];
} hminer;

static uint64_t ha_mix(uint64_t x)
{
    x ^= x >> 31;
    x *= 0x7fb5d329728ea185ULL;
    x ^= x >> 27;
    x *= 0x81dadef4bc2dd44dULL;
    return x ^ (x >> 33);
}

/* Attempt k of a template succeeds about once in 4000; the template is
 * the node's history (its digest) and its start. */
static int ha_success(uint64_t digest, int64_t t0, uint64_t k)
{
    return ha_mix(ha_mix(digest ^ (uint64_t)t0) + k) % 4000 == 0;
}

static uint64_t ha_before(const hminer *m, uint32_t i, int64_t until_ns)
{
    if (until_ns <= m->t0[i])
        return 0;
    return (uint64_t)((until_ns - 1 - m->t0[i]) / m->period_ns[i]) + 1;
}

/* Makes node i's attempts with time < until_ns, at most max of them. */
static void ha_hash(hminer *m, uint32_t i, int64_t until_ns, uint64_t max)
{
    uint64_t end = ha_before(m, i, until_ns);
    while (!m->found[i] && m->k[i] < end && max-- > 0) {
        if (ha_success(m->digest[i] + i, m->t0[i], m->k[i])) {
            m->found[i] = 1;
            m->found_ns[i] = m->t0[i] + (int64_t)m->k[i] * m->period_ns[i];
        }
        m->k[i]++;
    }
}

static void ha_idle(void *ctx, engine_call *call, uint32_t i, int64_t from_ns, int64_t until_ns,
                    int64_t *next_ns)
{
    hminer *m = ctx;
    ck_assert_int_le(from_ns, until_ns);
    if (from_ns < until_ns) {
        if (!m->active[i]) {
            m->t0[i] = from_ns;
            m->k[i] = m->reported[i] = 0;
            m->found[i] = 0;
            m->active[i] = 1;
        }
        ha_hash(m, i, until_ns, UINT64_MAX);
        if (m->found[i] && m->found_ns[i] < until_ns) {
            m->hashes[i] += m->k[i] - m->reported[i];
            engine_timer(call, m->found_ns[i], T_FOUND, NULL, 0);
            m->active[i] = 0;
            *next_ns = INT64_MAX;
            return;
        }
        uint64_t due = ha_before(m, i, until_ns);
        m->hashes[i] += due - m->reported[i];
        m->reported[i] = due;
    } else if (!m->active[i]) {
        return; /* a look ahead before any template */
    }
    if (!m->ahead)
        return;
    int64_t horizon = engine_call_horizon(call);
    if (horizon > until_ns)
        ha_hash(m, i, horizon, 8);
    *next_ns = m->found[i] ? m->found_ns[i] : m->t0[i] + (int64_t)m->k[i] * m->period_ns[i];
}

static void ha_event(void *ctx, engine_call *call, uint32_t i, const engine_event *ev)
{
    hminer *m = ctx;
    int64_t now = ev->time_ns;
    ck_assert_int_ge(now, m->last_ns[i]);
    m->last_ns[i] = now;
    m->digest[i] = ha_mix(m->digest[i] ^ ((uint64_t)now * 31 + ev->src * 7 + ev->type));
    m->active[i] = 0; /* a new tip: the template restarts from now */
    if (ev->type == T_FOUND) {
        m->blocks[i]++;
        for (uint32_t j = 0; j < HA_NODES; j++)
            if (j != i)
                engine_send(call, j, now + 1000 * (1 + (i + j) % 3), T_BLOCK, NULL, 0);
    }
}

static void ha_global(void *ctx, engine_call *call, const engine_event *ev)
{
    hminer *m = ctx;
    (void)ev;
    engine_call_act_as(call, 0); /* node 0 hashes at half speed from now */
    m->period_ns[0] *= 2;
    m->active[0] = 0;
}

/* Runs the race to 10 ms with lookahead 1 us; returns the windows. */
static uint64_t ha_run(hminer *m, int ahead, uint32_t threads, const uint64_t *cost)
{
    memset(m, 0, sizeof *m);
    m->ahead = ahead;
    for (uint32_t i = 0; i < HA_NODES; i++)
        m->period_ns[i] = 100 * (1 + i % 3);
    engine_config cfg = {
        .nodes = HA_NODES,
        .lookahead_ns = 1000,
        .threads = threads,
        .node_cost = cost,
        .model = {.ctx = m, .on_event = ha_event, .on_idle = ha_idle, .on_global = ha_global}};
    engine *e = NULL;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_OK);
    ck_assert_int_eq(engine_schedule_global(e, 4000000, G_SLOWER, NULL, 0), ENGINE_OK);
    ck_assert_int_eq(engine_run(e, 6000000), ENGINE_OK);
    ck_assert_int_eq(engine_run(e, 10000000), ENGINE_OK); /* runs continue */
    engine_stats st;
    engine_get_stats(e, &st);
    engine_free(e);
    return st.windows;
}

START_TEST(hashing_ahead_keeps_results_and_saves_windows)
{
    hminer *ref = calloc(1, sizeof *ref), *m = calloc(1, sizeof *m);
    uint64_t plain = ha_run(ref, 0, 1, NULL);
    int blocks = 0;
    for (int i = 0; i < HA_NODES; i++)
        blocks += ref->blocks[i];
    ck_assert_int_gt(blocks, 20);
    /* Mining only what is due needs a window every lookahead. */
    ck_assert_uint_ge(plain, 9000);
    static const uint64_t costs[HA_NODES] = {5, 0, 9, 1, 1, 7};
    uint64_t ahead = ha_run(m, 1, thread_counts[_i], _i == 1 ? costs : NULL);
    for (int i = 0; i < HA_NODES; i++) {
        ck_assert_msg(m->blocks[i] == ref->blocks[i], "node %d: %d blocks, not %d", i, m->blocks[i],
                      ref->blocks[i]);
        ck_assert_msg(m->hashes[i] == ref->hashes[i], "node %d: %llu hashes, not %llu", i,
                      (unsigned long long)m->hashes[i], (unsigned long long)ref->hashes[i]);
        ck_assert_msg(m->digest[i] == ref->digest[i], "node %d: other events", i);
    }
    /* Working ahead: windows where blocks are found or arrive (each block
     * reaches the others at three latencies), the global, and no others. */
    ck_assert_msg(ahead <= (uint64_t)(4 * blocks + 2), "%llu windows for %d blocks",
                  (unsigned long long)ahead, blocks);
    free(ref);
    free(m);
}
END_TEST

static void noop_event(void *ctx, engine_call *call, uint32_t node, const engine_event *ev)
{
    (void)ctx, (void)call, (void)node, (void)ev;
}

START_TEST(bad_configuration_is_refused)
{
    engine_config cfg = {.nodes = 4, .lookahead_ns = 0, .model = {.on_event = noop_event}};
    engine *e = (engine *)&cfg;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_E_LOOKAHEAD);
    ck_assert_ptr_null(e);
    cfg.lookahead_ns = -5;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_E_LOOKAHEAD);
    cfg.lookahead_ns = 1;
    cfg.nodes = 0;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_E_NODES);
    cfg.nodes = 4;
    cfg.model.on_event = NULL;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_E_MODEL);
    cfg.model.on_event = noop_event;
    cfg.realtime_factor = -1;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_E_REALTIME);
    cfg.realtime_factor = 1.0 / 0.0;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_E_REALTIME);
    ck_assert_ptr_null(e);
    cfg.realtime_factor = 0;
    cfg.threads = 9; /* clamped to one per node */
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_OK);
    ck_assert_uint_eq(engine_threads(e), 4);
    ck_assert_uint_eq(engine_nodes(e), 4);
    ck_assert_int_eq(engine_lookahead(e), 1);
    ck_assert_int_eq(engine_schedule_timer(e, 4, 0, 0, NULL, 0), ENGINE_E_NODE);
    engine_free(e);
    engine_free(NULL);
    for (int a = 0; a < ENGINE_STATUS_COUNT; a++)
        for (int b = a + 1; b < ENGINE_STATUS_COUNT; b++)
            ck_assert_str_ne(engine_status_message(a), engine_status_message(b));
    ck_assert_str_eq(engine_status_message(ENGINE_E_LOOKAHEAD),
                     "the lookahead (minimum latency) must be > 0 ns");
    ck_assert_str_eq(engine_status_message(-1), "unknown engine status");
}
END_TEST

static void early_send(void *ctx, engine_call *call, uint32_t node, const engine_event *ev)
{
    (void)ctx, (void)node;
    engine_send(call, 1, ev->time_ns + engine_call_lookahead(call) - 1, 0, NULL, 0);
}

START_TEST(send_below_lookahead_aborts)
{
    engine_config cfg = {
        .nodes = 2, .lookahead_ns = 1000, .threads = 1, .model = {.on_event = early_send}};
    engine *e = NULL;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_OK);
    ck_assert_int_eq(engine_schedule_timer(e, 0, 0, 0, NULL, 0), ENGINE_OK);
    int rc = engine_run(e, 10000); /* asserts: this test expects SIGABRT */
    ck_abort_msg("a send below the lookahead was accepted (run returned %d)", rc);
}
END_TEST

/* ---- teardown with pending events: payloads go to on_discard ---- */

typedef struct counter {
    int discarded;
    int handled_at[4]; /* per node: each written only by its node's thread */
    int handled;       /* sum, after the run */
    engine *e;
} counter;

static int handled(counter *c)
{
    c->handled = 0;
    for (int i = 0; i < 4; i++)
        c->handled += c->handled_at[i];
    return c->handled;
}

static void flood_event(void *ctx, engine_call *call, uint32_t node, const engine_event *ev)
{
    counter *c = ctx;
    free(ev->payload);
    c->handled_at[node]++;
    uint32_t nodes = 4;
    for (uint32_t k = 1; k < nodes; k++) {
        int *p = malloc(sizeof *p);
        *p = 1;
        engine_send(call, (node + k) % nodes, ev->time_ns + 1000 * k, 0, p, 0);
    }
    if (ev->arg == 1)
        engine_request_stop(c->e);
}

static void flood_discard(void *ctx, const engine_event *ev)
{
    counter *c = ctx;
    ck_assert_ptr_nonnull(ev->payload);
    free(ev->payload);
    c->discarded++;
}

START_TEST(pending_events_are_discarded_at_teardown)
{
    counter *c = calloc(1, sizeof *c);
    engine_config cfg = {.nodes = 4,
                         .lookahead_ns = 1000,
                         .threads = thread_counts[_i],
                         .model = {.ctx = c, .on_event = flood_event, .on_discard = flood_discard}};
    engine *e = NULL;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_OK);
    c->e = e;
    for (uint32_t n = 0; n < 4; n++)
        ck_assert_int_eq(engine_schedule_timer(e, n, 0, 0, malloc(8), 0), ENGINE_OK);
    ck_assert_int_eq(engine_schedule_global(e, 50000, G_PLAIN, malloc(8), 0), ENGINE_OK);
    ck_assert_int_eq(engine_run(e, 5500), ENGINE_OK);
    engine_stats st;
    engine_get_stats(e, &st);
    int n = handled(c);
    ck_assert_uint_eq(st.events, (uint64_t)n);
    ck_assert_int_gt(n, 4);
    engine_free(e);
    /* Every event sends 3; all not handled were discarded, plus the global. */
    ck_assert_int_eq(c->discarded, 4 + 3 * n - n + 1);
    free(c);
}
END_TEST

START_TEST(request_stop_returns_early)
{
    counter *c = calloc(1, sizeof *c);
    engine_config cfg = {.nodes = 4,
                         .lookahead_ns = 1000,
                         .threads = thread_counts[_i],
                         .model = {.ctx = c, .on_event = flood_event, .on_discard = flood_discard}};
    engine *e = NULL;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_OK);
    c->e = e;
    ck_assert_int_eq(engine_schedule_timer(e, 0, 0, 0, NULL, 0), ENGINE_OK);
    ck_assert_int_eq(engine_schedule_timer(e, 1, 2000, 0, NULL, 1), ENGINE_OK); /* stops */
    ck_assert_int_eq(engine_run(e, 1000000), ENGINE_OK);
    ck_assert_int_lt(engine_now(e), 1000000);
    ck_assert_int_ge(engine_now(e), 2001);
    /* The stop was consumed: the next run goes on. */
    int before = handled(c);
    ck_assert_int_eq(engine_run(e, engine_now(e) + 5000), ENGINE_OK);
    ck_assert_int_gt(handled(c), before);
    engine_free(e);
    free(c);
}
END_TEST

START_TEST(realtime_paces_without_changing_results)
{
    /* 5 hops of 2 ms at F = 1: at least 10 ms of wall time, same events. */
    script *s = calloc(1, sizeof *s);
    s->latency_ns = 2000000;
    engine_config cfg = {.nodes = 2,
                         .lookahead_ns = 1000000,
                         .threads = thread_counts[_i],
                         .realtime_factor = 1.0,
                         .model = {.ctx = s, .on_event = script_event}};
    engine *e = NULL;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_OK);
    timer(e, 0, 0, T_PING, 5);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(engine_run(e, 20000000), ENGINE_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double elapsed = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    ck_assert_double_ge(elapsed, 0.010);
    ck_assert_int_eq(s->n[0] + s->n[1], 6);
    ck_assert_int_eq(s->log[1][2].t, 10000000);
    engine_free(e);
    free(s);
}
END_TEST

/* ---- on_discard order: node events by (time, src, seq), then globals ---- */

#define DISCARD_NODES 6
#define DISCARD_MAX 4096

typedef struct discard_log {
    engine_event ev[DISCARD_MAX];
    int n;
} discard_log;

static void spread_event(void *ctx, engine_call *call, uint32_t node, const engine_event *ev)
{
    (void)ctx;
    /* Two messages with latencies that depend on the event, so that pending
     * events at teardown have many times, sources and sequence numbers. */
    for (uint32_t k = 1; k <= 2; k++) {
        uint32_t dst = (node + k * (uint32_t)(ev->seq % 3 + 1)) % DISCARD_NODES;
        int64_t latency = 1000 + (int64_t)((ev->seq * 7 + node * 13 + k) % 5) * 500;
        engine_send(call, dst, ev->time_ns + latency, 0, NULL, ev->arg + 1);
    }
}

static void log_discard(void *ctx, const engine_event *ev)
{
    discard_log *d = ctx;
    ck_assert_int_lt(d->n, DISCARD_MAX);
    d->ev[d->n++] = *ev;
}

static void run_discard(discard_log *d, uint32_t threads)
{
    engine_config cfg = {.nodes = DISCARD_NODES,
                         .lookahead_ns = 1000,
                         .threads = threads,
                         .model = {.ctx = d, .on_event = spread_event, .on_discard = log_discard}};
    engine *e = NULL;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_OK);
    for (uint32_t n = 0; n < DISCARD_NODES; n++)
        ck_assert_int_eq(engine_schedule_timer(e, n, n * 100, 0, NULL, 0), ENGINE_OK);
    /* Globals scheduled out of time order: they must come out as they would
     * have run (time, then scheduling order), after every node event. */
    ck_assert_int_eq(engine_schedule_global(e, 900000, G_PLAIN, NULL, 1), ENGINE_OK);
    ck_assert_int_eq(engine_schedule_global(e, 800000, G_PLAIN, NULL, 2), ENGINE_OK);
    ck_assert_int_eq(engine_schedule_global(e, 800000, G_PLAIN, NULL, 3), ENGINE_OK);
    ck_assert_int_eq(engine_run(e, 6000), ENGINE_OK);
    engine_free(e);
}

START_TEST(discard_order_is_defined)
{
    static discard_log ref, got;
    memset(&ref, 0, sizeof ref);
    memset(&got, 0, sizeof got);
    run_discard(&ref, 1);
    ck_assert_int_gt(ref.n, 50);
    int node_events = ref.n - 3;
    for (int i = 1; i < node_events; i++) {
        const engine_event *a = &ref.ev[i - 1], *b = &ref.ev[i];
        ck_assert_uint_ne(b->src, ENGINE_NO_NODE);
        int before =
            a->time_ns < b->time_ns || (a->time_ns == b->time_ns &&
                                        (a->src < b->src || (a->src == b->src && a->seq < b->seq)));
        ck_assert_msg(before, "discard %d (t=%lld src=%u seq=%llu) after (t=%lld src=%u seq=%llu)",
                      i, (long long)b->time_ns, b->src, (unsigned long long)b->seq,
                      (long long)a->time_ns, a->src, (unsigned long long)a->seq);
    }
    /* The order is not trivially the heap's: several sources at one time. */
    int ties = 0;
    for (int i = 1; i < node_events; i++)
        ties += ref.ev[i - 1].time_ns == ref.ev[i].time_ns;
    ck_assert_int_gt(ties, 0);
    ck_assert_uint_eq(ref.ev[node_events].src, ENGINE_NO_NODE);
    ck_assert_uint_eq(ref.ev[node_events].arg, 2);
    ck_assert_uint_eq(ref.ev[node_events + 1].arg, 3);
    ck_assert_uint_eq(ref.ev[node_events + 2].arg, 1);
    /* The same sequence on every thread count. */
    run_discard(&got, thread_counts[_i]);
    ck_assert_int_eq(got.n, ref.n);
    for (int i = 0; i < ref.n; i++) {
        ck_assert_int_eq(got.ev[i].time_ns, ref.ev[i].time_ns);
        ck_assert_uint_eq(got.ev[i].src, ref.ev[i].src);
        ck_assert_uint_eq(got.ev[i].dst, ref.ev[i].dst);
        ck_assert_uint_eq(got.ev[i].seq, ref.ev[i].seq);
        ck_assert_uint_eq(got.ev[i].arg, ref.ev[i].arg);
    }
}
END_TEST

/* ---- pause from a callback, resume from another thread ---- */

#define PAUSE_NODES 5
#define PAUSE_LOOKAHEAD_NS 1000
#define PAUSE_AT_NS 40000
#define PAUSE_END_NS 100000
#define PAUSE_HOLD_NS 60000000 /* 60 ms of wall time */

typedef struct pauser {
    engine *e;
    int pause; /* whether node 0 pauses the run at PAUSE_AT_NS */
    uint64_t digest[PAUSE_NODES];
    int64_t paused_at_ns;         /* node 0 only */
    atomic_int paused;            /* set by node 0's callback */
    atomic_int resumed;           /* set by the resuming thread before resuming */
    atomic_llong latest_in_pause; /* latest event time handled while paused */
    atomic_int events;
} pauser;

static void pause_event(void *ctx, engine_call *call, uint32_t node, const engine_event *ev)
{
    pauser *p = ctx;
    int64_t now = ev->time_ns;
    uint64_t h = p->digest[node] * 0x100000001b3ULL;
    p->digest[node] = h ^ (uint64_t)now ^ ((uint64_t)ev->src << 40) ^ (ev->seq << 20);
    atomic_fetch_add(&p->events, 1);
    if (atomic_load(&p->paused) && !atomic_load(&p->resumed)) {
        long long seen = atomic_load(&p->latest_in_pause);
        while (now > seen && !atomic_compare_exchange_weak(&p->latest_in_pause, &seen, now))
            ;
    }
    if (node == 0 && p->pause && now >= PAUSE_AT_NS && !atomic_load(&p->paused)) {
        p->paused_at_ns = now;
        engine_set_paused(p->e, 1);
        atomic_store(&p->paused, 1);
    }
    if (now + 3 * PAUSE_LOOKAHEAD_NS < PAUSE_END_NS) {
        uint32_t dst = (node + 1 + (uint32_t)(ev->seq % (PAUSE_NODES - 1))) % PAUSE_NODES;
        /* One successor per event: the population stays at PAUSE_NODES. */
        if (ev->seq % 4 == 0)
            engine_timer(call, now + 700, 0, NULL, 0);
        else
            engine_send(call, dst, now + PAUSE_LOOKAHEAD_NS + (int64_t)(ev->seq % 3) * 300, 0, NULL,
                        0);
    }
}

static void *resume_later(void *arg)
{
    pauser *p = arg;
    struct timespec step = {.tv_sec = 0, .tv_nsec = 1000000};
    while (!atomic_load(&p->paused))
        nanosleep(&step, NULL);
    struct timespec hold = {.tv_sec = 0, .tv_nsec = PAUSE_HOLD_NS};
    nanosleep(&hold, NULL);
    atomic_store(&p->resumed, 1);
    engine_set_paused(p->e, 0);
    return NULL;
}

static double run_pauser(pauser *p, uint32_t threads)
{
    engine_config cfg = {.nodes = PAUSE_NODES,
                         .lookahead_ns = PAUSE_LOOKAHEAD_NS,
                         .threads = threads,
                         .model = {.ctx = p, .on_event = pause_event}};
    ck_assert_int_eq(engine_new(&p->e, &cfg), ENGINE_OK);
    for (uint32_t n = 0; n < PAUSE_NODES; n++)
        ck_assert_int_eq(engine_schedule_timer(p->e, n, n * 10, 0, NULL, 0), ENGINE_OK);
    pthread_t resumer;
    if (p->pause)
        ck_assert_int_eq(pthread_create(&resumer, NULL, resume_later, p), 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(engine_run(p->e, PAUSE_END_NS), ENGINE_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (p->pause)
        ck_assert_int_eq(pthread_join(resumer, NULL), 0);
    ck_assert_int_eq(engine_now(p->e), PAUSE_END_NS);
    engine_free(p->e);
    return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
}

START_TEST(pause_and_resume_keep_results)
{
    pauser *ref = calloc(1, sizeof *ref), *p = calloc(1, sizeof *p);
    ck_assert_ptr_nonnull(ref);
    ck_assert_ptr_nonnull(p);
    run_pauser(ref, 1);
    p->pause = 1;
    atomic_store(&p->latest_in_pause, -1);
    double elapsed = run_pauser(p, thread_counts[_i]);
    /* The run did pause: it took the hold time, and once the window in
     * progress ended nothing ran until the resume. */
    ck_assert(atomic_load(&p->paused) && atomic_load(&p->resumed));
    ck_assert_double_ge(elapsed, PAUSE_HOLD_NS * 1e-9);
    ck_assert_int_ge(p->paused_at_ns, PAUSE_AT_NS);
    ck_assert_int_lt(atomic_load(&p->latest_in_pause), p->paused_at_ns + PAUSE_LOOKAHEAD_NS);
    /* And it changed nothing. */
    ck_assert_int_gt(atomic_load(&ref->events), 300);
    ck_assert_int_eq(atomic_load(&p->events), atomic_load(&ref->events));
    for (int n = 0; n < PAUSE_NODES; n++)
        ck_assert_msg(p->digest[n] == ref->digest[n], "node %d digest differs after a pause", n);
    free(ref);
    free(p);
}
END_TEST

/* Idle time up to the end of a run is part of the run: when engine_run
 * returns, every node has been offered idle time up to its end, on every
 * worker (the caller reads what idle time did, e.g. hashes counted). Each
 * node's idle time is slow work, so a worker still busy with it after the
 * caller returned would be caught here (and by ThreadSanitizer). */
typedef struct idle_cover {
    _Atomic int64_t covered_ns[MAX_NODES];
} idle_cover;

static void cover_event(void *ctx, engine_call *call, uint32_t node, const engine_event *ev)
{
    (void)ctx, (void)call, (void)node, (void)ev;
}

static void cover_idle(void *ctx, engine_call *call, uint32_t node, int64_t from_ns,
                       int64_t until_ns, int64_t *next_ns)
{
    idle_cover *c = ctx;
    (void)call, (void)from_ns;
    if (until_ns > from_ns) {
        struct timespec pause = {0, 2000000}; /* 2 ms of "hashing" */
        nanosleep(&pause, NULL);
        atomic_store(&c->covered_ns[node], until_ns);
    }
    *next_ns = 10000000; /* like a miner whose next success is far ahead */
}

START_TEST(run_returns_after_every_node_had_its_idle_time)
{
    idle_cover c;
    for (int i = 0; i < MAX_NODES; i++)
        atomic_init(&c.covered_ns[i], 0);
    engine_config cfg = {.nodes = MAX_NODES,
                         .lookahead_ns = 1000,
                         .threads = thread_counts[_i],
                         .model = {.ctx = &c, .on_event = cover_event, .on_idle = cover_idle}};
    engine *e = NULL;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_OK);
    for (int64_t end = 1000000; end <= 3000000; end += 1000000) {
        ck_assert_int_eq(engine_run(e, end), ENGINE_OK);
        for (int i = 0; i < MAX_NODES; i++)
            ck_assert_int_eq(atomic_load(&c.covered_ns[i]), end);
    }
    engine_free(e);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("engine");
    tcase_set_timeout(tc, 60);
    int n = (int)(sizeof thread_counts / sizeof thread_counts[0]);
    tcase_add_loop_test(tc, order_is_time_src_seq_with_ties, 0, n);
    tcase_add_loop_test(tc, messages_cross_windows, 0, n);
    tcase_add_loop_test(tc, skip_ahead_over_empty_stretches, 0, n);
    tcase_add_loop_test(tc, end_time_is_exclusive_and_runs_continue, 0, n);
    tcase_add_loop_test(tc, globals_clip_windows_and_run_in_order, 0, n);
    tcase_add_loop_test(tc, idle_time_is_offered_between_events, 0, n);
    tcase_add_loop_test(tc, idle_sleep_allows_skip_ahead, 0, n);
    tcase_add_loop_test(tc, hashing_ahead_keeps_results_and_saves_windows, 0, n);
    tcase_add_loop_test(tc, run_returns_after_every_node_had_its_idle_time, 0, n);
    tcase_add_test(tc, bad_configuration_is_refused);
    tcase_add_loop_test(tc, realtime_paces_without_changing_results, 0, n);
#ifndef NDEBUG
    tcase_add_test_raise_signal(tc, send_below_lookahead_aborts, SIGABRT);
#endif
    tcase_add_loop_test(tc, pending_events_are_discarded_at_teardown, 0, n);
    tcase_add_loop_test(tc, request_stop_returns_early, 0, n);
    tcase_add_loop_test(tc, discard_order_is_defined, 0, n);
    tcase_add_loop_test(tc, pause_and_resume_keep_results, 0, n);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
