/* The heap of global events (one, under global_mu: callbacks on any worker
 * may add one; only rank 0 runs them) and the draining of pending events at
 * engine_free, in the order they would have run. The per-node heaps and the
 * per-worker schedules are inline in engine_queue.h. */
#include "engine_queue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void engine_globals_pop(engine *e, global_event *out)
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

void engine_add_global(engine *e, int64_t at_ns, int64_t sched_ns, uint32_t sched_src,
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

int64_t engine_next_global_ns(engine *e)
{
    lock(&e->global_mu);
    int64_t t = e->globals_len ? e->globals[0].ev.time_ns : ENGINE_NEVER;
    unlock(&e->global_mu);
    return t;
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

void engine_discard_pending(engine *e)
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
