/* The engine's event queues. Inline here, because the window loop runs them
 * for every event: the per-node 4-ary event heap and the per-worker schedule
 * (a binary heap of its nodes on their next work). Declared here, defined in
 * engine_queue.c: the heap of globals (under global_mu) and the draining of
 * whatever is pending when the engine is freed. Private to the engine. */
#ifndef CHAINSIM_ENGINE_QUEUE_H
#define CHAINSIM_ENGINE_QUEUE_H

#include "engine_impl.h"

/* ---- per-node 4-ary heap ---- */

static inline int event_before(const engine_event *a, const engine_event *b)
{
    if (a->time_ns != b->time_ns)
        return a->time_ns < b->time_ns;
    if (a->src != b->src)
        return a->src < b->src;
    return a->seq < b->seq;
}

static inline void heap_push(node *n, const engine_event *ev)
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

static inline void heap_pop(node *n, engine_event *out)
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

static inline void sched_up(engine *e, worker *w, uint32_t i)
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

static inline void sched_down(engine *e, worker *w, uint32_t i)
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
static inline void sched_fix(engine *e, uint32_t id)
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
static inline void node_push(engine *e, uint32_t id, const engine_event *ev)
{
    node *n = &e->nodes[id];
    heap_push(n, ev);
    if (ev->time_ns < n->key_ns)
        sched_fix(e, id);
}

/* ---- globals (engine_queue.c) ---- */

/* Takes the earliest global into out. Caller holds global_mu; the heap is
 * not empty. */
void engine_globals_pop(engine *e, global_event *out);

/* Adds a global due at at_ns, ordered by (at_ns, sched_ns, sched_src,
 * sched_seq). Takes global_mu; any thread. */
void engine_add_global(engine *e, int64_t at_ns, int64_t sched_ns, uint32_t sched_src,
                       uint64_t sched_seq, uint32_t type, void *payload, uint64_t arg);

/* The time of the earliest global, or ENGINE_NEVER. Takes global_mu. */
int64_t engine_next_global_ns(engine *e);

/* Hands every pending event to on_discard: node events in (time, src, seq)
 * order, then globals in the order they would have run. Aborts when out of
 * memory for the sorted list. Only while no worker runs (engine_free). */
void engine_discard_pending(engine *e);

#endif
