/* The engine's promise: per-node processing does not depend on the number of
 * worker threads. A randomized gossip model (each node forwards what it
 * receives to random peers with random latencies >= L, drawing from its own
 * stream, with malloc'd payloads and frequent global events that send into
 * every worker's nodes) keeps a hash chain of everything each node handles;
 * the chains must be identical for K = 1, 2, 3, 4, one per CPU and one per
 * node, for nodes spread over the workers by cost, and for a run split in
 * two. Under ThreadSanitizer it also shows that
 * globals never run while a worker still fills its heaps. */
#include "engine.h"
#include "rng.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NODES 64
#define LOOKAHEAD_NS 1000000 /* 1 ms */
#define END_NS 150000000     /* 0.15 s */
#define MAX_HOPS 6

enum { T_ORIGIN, T_GOSSIP };

typedef struct msg {
    uint32_t origin;
    uint32_t hops;
} msg;

typedef struct gossip {
    rng streams[NODES];
    uint64_t digest[NODES];
    uint64_t global_digest;
    int discarded; /* only touched in engine_free, on one thread */
} gossip;

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdULL;
    return h ^ (h >> 33);
}

static void gossip_event(void *ctx, engine_call *call, uint32_t node, const engine_event *ev)
{
    gossip *g = ctx;
    rng *r = &g->streams[node];
    int64_t now = engine_call_now(call);
    uint64_t h = g->digest[node];
    h = mix(h, (uint64_t)now);
    h = mix(h, ev->src);
    h = mix(h, ev->seq);
    h = mix(h, ev->type);
    msg *m = ev->payload;
    uint32_t hops = 0, origin = node;
    if (ev->type == T_GOSSIP) {
        h = mix(h, m->origin);
        h = mix(h, m->hops);
        hops = m->hops;
        origin = m->origin;
        free(m);
    } else {
        /* Originate again later, and now. */
        engine_timer(call, now + (int64_t)rng_below(r, 20 * LOOKAHEAD_NS), T_ORIGIN, NULL, 0);
        /* Globals often: each one sends into heaps owned by every worker
         * while those workers have just collected their inboxes. */
        if (node % 8 == 5)
            engine_call_global(call, now + 2 * LOOKAHEAD_NS, 1, NULL, node);
    }
    g->digest[node] = h;
    if (hops >= MAX_HOPS)
        return;
    uint32_t fanout = 1 + (uint32_t)rng_below(r, 3);
    for (uint32_t k = 0; k < fanout; k++) {
        uint32_t dst = (uint32_t)rng_below(r, NODES);
        int64_t latency = LOOKAHEAD_NS + (int64_t)rng_below(r, 4 * LOOKAHEAD_NS);
        msg *out = malloc(sizeof *out);
        ck_assert_ptr_nonnull(out);
        out->origin = origin;
        out->hops = hops + 1;
        engine_send(call, dst, now + latency, T_GOSSIP, out, 0);
    }
}

static void gossip_global(void *ctx, engine_call *call, const engine_event *ev)
{
    gossip *g = ctx;
    int64_t now = engine_call_now(call);
    g->global_digest = mix(mix(g->global_digest, (uint64_t)now), ev->arg);
    /* Inject messages at once, from and to nodes spread over every worker. */
    for (uint32_t k = 0; k < 8; k++) {
        uint32_t from = (uint32_t)(ev->arg + 8 * k) % NODES;
        uint32_t to = (uint32_t)(ev->arg * 7 + 9 * k + 1) % NODES;
        engine_call_act_as(call, from);
        msg *out = malloc(sizeof *out);
        ck_assert_ptr_nonnull(out);
        out->origin = from;
        out->hops = MAX_HOPS - 1;
        engine_send(call, to, now, T_GOSSIP, out, 0);
    }
}

static void gossip_discard(void *ctx, const engine_event *ev)
{
    gossip *g = ctx;
    free(ev->payload);
    g->discarded++;
}

typedef struct outcome {
    uint64_t digest[NODES];
    uint64_t global_digest;
    engine_node_stats node_stats[NODES];
    engine_stats stats;
    int discarded;
} outcome;

/* Runs the gossip model with `threads` workers up to END_NS, in one run or
 * split at `split_ns` (0: one run), nodes mapped by `cost` (NULL: the
 * default), and records the outcome. */
static void run_gossip(outcome *out, uint32_t threads, int64_t split_ns, const uint64_t *cost)
{
    gossip *g = calloc(1, sizeof *g);
    ck_assert_ptr_nonnull(g);
    for (uint32_t n = 0; n < NODES; n++)
        rng_init(&g->streams[n], 2024, n, 1);
    engine_config cfg = {.nodes = NODES,
                         .lookahead_ns = LOOKAHEAD_NS,
                         .threads = threads,
                         .node_cost = cost,
                         .model = {.ctx = g,
                                   .on_event = gossip_event,
                                   .on_global = gossip_global,
                                   .on_discard = gossip_discard}};
    engine *e = NULL;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_OK);
    for (uint32_t n = 0; n < NODES; n++)
        ck_assert_int_eq(engine_schedule_timer(e, n, (int64_t)n * 1000, T_ORIGIN, NULL, 0),
                         ENGINE_OK);
    if (split_ns > 0)
        ck_assert_int_eq(engine_run(e, split_ns), ENGINE_OK);
    ck_assert_int_eq(engine_run(e, END_NS), ENGINE_OK);
    memcpy(out->digest, g->digest, sizeof out->digest);
    out->global_digest = g->global_digest;
    for (uint32_t n = 0; n < NODES; n++)
        engine_get_node_stats(e, &out->node_stats[n], n);
    engine_get_stats(e, &out->stats);
    engine_free(e);
    out->discarded = g->discarded;
    free(g);
}

static void assert_same(const outcome *a, const outcome *b, const char *what)
{
    for (int n = 0; n < NODES; n++) {
        ck_assert_msg(a->digest[n] == b->digest[n], "%s: node %d digest differs", what, n);
        ck_assert_msg(a->node_stats[n].events == b->node_stats[n].events,
                      "%s: node %d events %llu vs %llu", what, n,
                      (unsigned long long)a->node_stats[n].events,
                      (unsigned long long)b->node_stats[n].events);
        ck_assert_msg(a->node_stats[n].messages == b->node_stats[n].messages,
                      "%s: node %d messages differ", what, n);
    }
    ck_assert_msg(a->global_digest == b->global_digest, "%s: globals differ", what);
    ck_assert_uint_eq(a->stats.events, b->stats.events);
    ck_assert_uint_eq(a->stats.globals, b->stats.globals);
    ck_assert_int_eq(a->discarded, b->discarded);
}

START_TEST(same_digests_for_every_thread_count)
{
    static outcome ref, other;
    run_gossip(&ref, 1, 0, NULL);
    /* The model did real work: many events, messages, a global, and events
     * still pending at the end went to on_discard. */
    ck_assert_uint_gt(ref.stats.events, 20000);
    ck_assert_uint_gt(ref.stats.messages, 10000);
    ck_assert_uint_ge(ref.stats.globals, 1);
    ck_assert_int_gt(ref.discarded, 0);
    ck_assert_uint_gt(ref.stats.windows, 100);
    static const uint32_t ks[] = {2, 3, 4, 0, NODES};
    for (size_t i = 0; i < sizeof ks / sizeof ks[0]; i++) {
        char what[32];
        snprintf(what, sizeof what, "K=%u", ks[i]);
        run_gossip(&other, ks[i], 0, NULL);
        assert_same(&ref, &other, what);
        ck_assert_uint_eq(ref.stats.windows, other.stats.windows);
    }
    /* Nodes spread by uneven costs (the dear ones alone on a worker). */
    static uint64_t cost[NODES];
    for (uint32_t n = 0; n < NODES; n++)
        cost[n] = n % 7 == 0 ? 1000 : n % 3;
    run_gossip(&other, 3, 0, cost);
    assert_same(&ref, &other, "by cost");
    ck_assert_uint_eq(ref.stats.windows, other.stats.windows);
    /* A run stopped and continued gives the same chains. */
    run_gossip(&other, 2, END_NS / 3, NULL);
    assert_same(&ref, &other, "split run");
    /* And the digests do depend on the seed's draws: node chains differ. */
    ck_assert(ref.digest[0] != ref.digest[1]);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("engine_determinism");
    TCase *tc = tcase_create("threads");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, same_digests_for_every_thread_count);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
