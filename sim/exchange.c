/* In-process exchange: a ranks x ranks matrix of outboxes. Row `from` is
 * written only by rank `from` during a window (no lock on the hot path);
 * column `to` is read and emptied only by rank `to` between exchange_sync and
 * the next barrier. The barrier's release/acquire ordering is what makes the
 * hand-over safe. Rows are cache-line aligned so ranks do not share lines.
 *
 * The barrier is a counter with a generation number: the last rank to arrive
 * resets the counter and bumps the generation; the others spin on the
 * generation for a while (when every rank has a CPU) and then sleep on a
 * condition variable. Lock order: only the barrier's mutex exists. */
#include "exchange.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#define LINE 64
#define SPIN_ROUNDS 200000

typedef struct outbox {
    engine_event *v;
    size_t len, cap;
} outbox;

typedef struct slot {
    _Alignas(LINE) exchange_vote vote;
} slot;

struct exchange {
    uint32_t ranks;
    size_t row_stride; /* outboxes per row, rounded up to whole lines */
    outbox *boxes;     /* ranks rows of row_stride */
    slot *slots;       /* one vote per rank */
    int spin;
    _Alignas(LINE) atomic_uint arrived;
    _Alignas(LINE) atomic_uint generation;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void check_pthread(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "chainsim: exchange: %s failed: %s\n", what, strerror(rc));
        abort();
    }
}

int exchange_new(exchange **out, uint32_t ranks, int spin)
{
    *out = NULL;
    exchange *x = aligned_alloc(LINE, sizeof *x);
    if (x == NULL)
        return ENGINE_E_NOMEM;
    memset(x, 0, sizeof *x);
    x->ranks = ranks;
    x->spin = spin;
    size_t per_line = LINE / sizeof(outbox) ? LINE / sizeof(outbox) : 1;
    x->row_stride = (ranks + per_line - 1) / per_line * per_line;
    size_t box_bytes = (size_t)ranks * x->row_stride * sizeof(outbox);
    box_bytes = (box_bytes + LINE - 1) / LINE * LINE;
    x->boxes = aligned_alloc(LINE, box_bytes);
    x->slots = aligned_alloc(LINE, (size_t)ranks * sizeof(slot));
    if (x->boxes == NULL || x->slots == NULL)
        goto fail;
    memset(x->boxes, 0, box_bytes);
    memset(x->slots, 0, (size_t)ranks * sizeof(slot));
    atomic_init(&x->arrived, 0);
    atomic_init(&x->generation, 0);
    check_pthread(pthread_mutex_init(&x->mu, NULL), "pthread_mutex_init");
    check_pthread(pthread_cond_init(&x->cv, NULL), "pthread_cond_init");
    *out = x;
    return ENGINE_OK;
fail:
    free(x->boxes);
    free(x->slots);
    free(x);
    return ENGINE_E_NOMEM;
}

void exchange_free(exchange *x)
{
    if (x == NULL)
        return;
    for (size_t i = 0; i < (size_t)x->ranks * x->row_stride; i++)
        free(x->boxes[i].v);
    free(x->boxes);
    free(x->slots);
    check_pthread(pthread_mutex_destroy(&x->mu), "pthread_mutex_destroy");
    check_pthread(pthread_cond_destroy(&x->cv), "pthread_cond_destroy");
    free(x);
}

void exchange_post(exchange *x, uint32_t from, uint32_t to, const engine_event *ev)
{
    outbox *b = &x->boxes[(size_t)from * x->row_stride + to];
    if (b->len == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        engine_event *v = realloc(b->v, cap * sizeof *v);
        if (v == NULL) {
            fprintf(stderr, "chainsim: exchange: out of memory\n");
            abort();
        }
        b->v = v;
        b->cap = cap;
    }
    b->v[b->len++] = *ev;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

void exchange_barrier(exchange *x, uint32_t rank)
{
    (void)rank;
    unsigned gen = atomic_load_explicit(&x->generation, memory_order_acquire);
    if (atomic_fetch_add_explicit(&x->arrived, 1, memory_order_acq_rel) + 1 == x->ranks) {
        atomic_store_explicit(&x->arrived, 0, memory_order_relaxed);
        check_pthread(pthread_mutex_lock(&x->mu), "pthread_mutex_lock");
        atomic_store_explicit(&x->generation, gen + 1, memory_order_release);
        check_pthread(pthread_cond_broadcast(&x->cv), "pthread_cond_broadcast");
        check_pthread(pthread_mutex_unlock(&x->mu), "pthread_mutex_unlock");
        return;
    }
    if (x->spin) {
        for (int i = 0; i < SPIN_ROUNDS; i++) {
            if (atomic_load_explicit(&x->generation, memory_order_acquire) != gen)
                return;
            cpu_relax();
        }
    }
    check_pthread(pthread_mutex_lock(&x->mu), "pthread_mutex_lock");
    while (atomic_load_explicit(&x->generation, memory_order_acquire) == gen)
        check_pthread(pthread_cond_wait(&x->cv, &x->mu), "pthread_cond_wait");
    check_pthread(pthread_mutex_unlock(&x->mu), "pthread_mutex_unlock");
}

void exchange_sync(exchange *x, uint32_t rank)
{
    exchange_barrier(x, rank);
}

void exchange_collect(exchange *x, uint32_t rank, void (*sink)(void *ctx, const engine_event *ev),
                      void *ctx)
{
    for (uint32_t from = 0; from < x->ranks; from++) {
        outbox *b = &x->boxes[(size_t)from * x->row_stride + rank];
        for (size_t i = 0; i < b->len; i++)
            sink(ctx, &b->v[i]);
        b->len = 0;
    }
}

void exchange_reduce(exchange *x, uint32_t rank, const exchange_vote *mine, exchange_vote *all)
{
    x->slots[rank].vote = *mine;
    exchange_barrier(x, rank);
    exchange_vote r = x->slots[0].vote;
    for (uint32_t i = 1; i < x->ranks; i++) {
        const exchange_vote *v = &x->slots[i].vote;
        if (v->next_ns < r.next_ns)
            r.next_ns = v->next_ns;
        if (v->global_ns < r.global_ns)
            r.global_ns = v->global_ns;
        r.stop |= v->stop;
    }
    *all = r;
}
