/* In-process exchange. Each rank owns a sender: buffers of events for the
 * ranks it posts to during a window, found through a small open-addressing
 * table keyed on the destination (plus a one-entry cache), so memory follows
 * the pairs in use, not ranks squared. At the window's end the sender pushes
 * each used buffer onto its destination's inbox, a lock-free multi-producer
 * stack (CAS push; the owner takes the whole stack with one exchange), then
 * meets the others at the barrier. Buffers come from two pools used in
 * alternate windows: a buffer handed over at the end of window j is read by
 * its receiver before the receiver's next barrier, and its pool is reused
 * only after that barrier. The push (release) and the take (acquire) order
 * the buffer's contents; the barrier orders everything else.
 *
 * The barrier is a counter with a generation number: every rank writes its
 * vote to its own line, then arrives; the last to arrive reduces the votes
 * into the shared result, resets the counter and bumps the generation (the
 * counter's release sequence makes every vote visible to it). The others
 * spin on the generation for a short, adaptive time when every rank has a
 * CPU (longer after waits that a spin ended, shorter after spins that had
 * to sleep anyway: when the machine is busy with other work, spinning only
 * takes the CPU from the rank being waited for), then sleep on a condition
 * variable; the last rank takes the mutex to wake them only when someone
 * sleeps (Dekker-style: sleepers++ then
 * re-check the generation, against bump the generation then read sleepers,
 * both sequentially consistent). Lock order: only the barrier's mutex. */
#include "exchange.h"
#include "exchange_link.h"
#include "timeunit.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINE 64
#define NEVER INT64_MAX
/* Spinning before sleeping, adapted like an adaptive mutex: a rank's budget
 * doubles after a wait that its spin ended (up to SPIN_MAX_NS) and halves
 * after a spin that ended in sleep anyway (down to SPIN_MIN_NS). Windows
 * that end close together (dense gossip, every rank on its own CPU) keep
 * spinning; long or uneven windows, or a machine busy with other work,
 * make ranks sleep at once instead of burning the CPU the others need. */
#define SPIN_MIN_NS 1000
#define SPIN_INIT_NS 20000
#define SPIN_MAX_NS 200000
#define SPIN_CHECK 32 /* generation checks between clock reads */

typedef struct outbuf {
    struct outbuf *next; /* in the destination's inbox */
    engine_event *v;
    uint32_t len, cap;
    uint32_t to;
    uint32_t slot; /* its slot in the sender's table */
} outbuf;

typedef struct pool {
    outbuf **v; /* individually allocated: addresses stay put */
    uint32_t len, cap;
} pool;

typedef struct sender {
    _Alignas(LINE) exchange_vote vote; /* read by the last rank at the barrier */
    uint32_t parity;                   /* pool of the current window */
    uint32_t used;                     /* buffers of pools[parity] in use */
    pool pools[2];
    uint32_t *table; /* 0 = empty, else index + 1 into pools[parity] */
    uint32_t table_bits;
    outbuf *last;       /* the buffer posted to last */
    int64_t posted_min; /* earliest event posted this window */
    int64_t spin_ns;    /* current spin budget */
} sender;

typedef struct inbox {
    _Alignas(LINE) _Atomic(outbuf *) head;
} inbox;

struct exchange {
    uint32_t ranks;
    int spin;
    sender *senders;
    inbox *inboxes;
    _Alignas(LINE) atomic_uint arrived;
    _Alignas(LINE) atomic_uint generation;
    atomic_uint sleepers;
    exchange_vote result; /* written by the last rank before the bump */
    xlink *link;          /* the other processes, NULL: this one alone */
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

static void *xrealloc(void *p, size_t bytes)
{
    void *q = realloc(p, bytes);
    if (q == NULL) {
        fprintf(stderr, "chainsim: exchange: out of memory\n");
        abort();
    }
    return q;
}

static void *aligned_zalloc(size_t bytes)
{
    bytes = (bytes + LINE - 1) / LINE * LINE;
    void *p = aligned_alloc(LINE, bytes);
    if (p != NULL)
        memset(p, 0, bytes);
    return p;
}

int exchange_new(exchange **out, uint32_t ranks, int spin)
{
    *out = NULL;
    exchange *x = aligned_zalloc(sizeof *x);
    if (x == NULL)
        return ENGINE_E_NOMEM;
    x->ranks = ranks;
    x->spin = spin;
    x->senders = aligned_zalloc((size_t)ranks * sizeof *x->senders);
    x->inboxes = aligned_zalloc((size_t)ranks * sizeof *x->inboxes);
    if (x->senders == NULL || x->inboxes == NULL)
        goto fail;
    for (uint32_t r = 0; r < ranks; r++) {
        x->senders[r].posted_min = NEVER;
        x->senders[r].spin_ns = SPIN_INIT_NS;
        atomic_init(&x->inboxes[r].head, NULL);
    }
    atomic_init(&x->arrived, 0);
    atomic_init(&x->generation, 0);
    atomic_init(&x->sleepers, 0);
    check_pthread(pthread_mutex_init(&x->mu, NULL), "pthread_mutex_init");
    check_pthread(pthread_cond_init(&x->cv, NULL), "pthread_cond_init");
    *out = x;
    return ENGINE_OK;
fail:
    free(x->senders);
    free(x->inboxes);
    free(x);
    return ENGINE_E_NOMEM;
}

void exchange_free(exchange *x)
{
    if (x == NULL)
        return;
    for (uint32_t r = 0; r < x->ranks; r++) {
        sender *s = &x->senders[r];
        for (int p = 0; p < 2; p++) {
            for (uint32_t i = 0; i < s->pools[p].len; i++) {
                free(s->pools[p].v[i]->v);
                free(s->pools[p].v[i]);
            }
            free(s->pools[p].v);
        }
        free(s->table);
    }
    free(x->senders);
    free(x->inboxes);
    xlink_free(x->link);
    check_pthread(pthread_mutex_destroy(&x->mu), "pthread_mutex_destroy");
    check_pthread(pthread_cond_destroy(&x->cv), "pthread_cond_destroy");
    free(x);
}

/* ---- posting ---- */

static inline uint32_t table_hash(uint32_t to, uint32_t bits)
{
    return (uint32_t)(to * 0x9E3779B1u) >> (32 - bits);
}

/* Puts buffer index idx (for b->to) into s's table; records its slot. */
static void table_insert(sender *s, outbuf *b, uint32_t idx)
{
    uint32_t mask = (1u << s->table_bits) - 1;
    uint32_t i = table_hash(b->to, s->table_bits);
    while (s->table[i] != 0)
        i = (i + 1) & mask;
    s->table[i] = idx + 1;
    b->slot = i;
}

/* Doubles the table (at least 16 slots) and re-inserts the used buffers. */
static void table_grow(sender *s)
{
    uint32_t bits = s->table_bits ? s->table_bits + 1 : 4;
    free(s->table);
    s->table = calloc((size_t)1 << bits, sizeof *s->table);
    if (s->table == NULL) {
        fprintf(stderr, "chainsim: exchange: out of memory\n");
        abort();
    }
    s->table_bits = bits;
    pool *p = &s->pools[s->parity];
    for (uint32_t k = 0; k < s->used; k++)
        table_insert(s, p->v[k], k);
}

/* The buffer of s's current window for rank `to`, opened if need be. */
static outbuf *open_buffer(sender *s, uint32_t to)
{
    pool *p = &s->pools[s->parity];
    if (s->table_bits != 0) {
        uint32_t mask = (1u << s->table_bits) - 1;
        for (uint32_t i = table_hash(to, s->table_bits); s->table[i] != 0; i = (i + 1) & mask) {
            outbuf *b = p->v[s->table[i] - 1];
            if (b->to == to)
                return b;
        }
    }
    if ((size_t)(s->used + 1) * 2 > ((size_t)1 << s->table_bits))
        table_grow(s);
    if (s->used == p->len) {
        if (p->len == p->cap) {
            p->cap = p->cap ? p->cap * 2 : 4;
            p->v = xrealloc(p->v, p->cap * sizeof *p->v);
        }
        outbuf *fresh = calloc(1, sizeof *fresh);
        if (fresh == NULL) {
            fprintf(stderr, "chainsim: exchange: out of memory\n");
            abort();
        }
        p->v[p->len++] = fresh;
    }
    outbuf *b = p->v[s->used];
    b->to = to;
    b->len = 0;
    table_insert(s, b, s->used);
    s->used++;
    return b;
}

void exchange_post(exchange *x, uint32_t from, uint32_t to, const engine_event *ev)
{
    sender *s = &x->senders[from];
    if (to >= x->ranks) {
        xlink_post(x->link, from, to - x->ranks, ev);
        if (ev->time_ns < s->posted_min)
            s->posted_min = ev->time_ns;
        return;
    }
    outbuf *b = s->last;
    if (b == NULL || b->to != to) {
        b = open_buffer(s, to);
        s->last = b;
    }
    if (b->len == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->v = xrealloc(b->v, (size_t)b->cap * sizeof *b->v);
    }
    b->v[b->len++] = *ev;
    if (ev->time_ns < s->posted_min)
        s->posted_min = ev->time_ns;
}

/* Pushes the buffers of rank's window onto their inboxes and switches pools. */
static void hand_over(exchange *x, sender *s)
{
    pool *p = &s->pools[s->parity];
    for (uint32_t k = 0; k < s->used; k++) {
        outbuf *b = p->v[k];
        s->table[b->slot] = 0;
        _Atomic(outbuf *) *head = &x->inboxes[b->to].head;
        outbuf *h = atomic_load_explicit(head, memory_order_relaxed);
        do
            b->next = h;
        while (!atomic_compare_exchange_weak_explicit(head, &h, b, memory_order_release,
                                                      memory_order_relaxed));
    }
    s->used = 0;
    s->last = NULL;
    s->parity ^= 1;
}

void exchange_collect(exchange *x, uint32_t rank, void (*sink)(void *ctx, const engine_event *ev),
                      void *ctx)
{
    if (x->link != NULL)
        xlink_collect(x->link, rank, sink, ctx);
    outbuf *b = atomic_exchange_explicit(&x->inboxes[rank].head, NULL, memory_order_acquire);
    while (b != NULL) {
        outbuf *next = b->next;
        for (uint32_t i = 0; i < b->len; i++)
            sink(ctx, &b->v[i]);
        b = next;
    }
}

/* ---- the barrier ---- */

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * TIMEUNIT_NS_PER_S + ts.tv_nsec;
}

/* Spins up to s->spin_ns for the generation to leave gen. Returns nonzero
 * when it did. */
static int spin_wait(exchange *x, sender *s, unsigned gen)
{
    int64_t t0 = mono_ns();
    for (;;) {
        for (int i = 0; i < SPIN_CHECK; i++) {
            if (atomic_load_explicit(&x->generation, memory_order_acquire) != gen)
                return 1;
            cpu_relax();
        }
        if (mono_ns() - t0 >= s->spin_ns)
            return 0;
    }
}

/* Adapts s's spin budget to how its last spin ended. */
static void learn_spin(sender *s, int spin_worked)
{
    int64_t budget = spin_worked ? s->spin_ns * 2 : s->spin_ns / 2;
    if (budget < SPIN_MIN_NS)
        budget = SPIN_MIN_NS;
    s->spin_ns = budget > SPIN_MAX_NS ? SPIN_MAX_NS : budget;
}

/* The barrier; with `vote`, the last rank reduces every sender's vote into
 * x->result and each rank copies it to *all. */
static void barrier(exchange *x, uint32_t rank, exchange_vote *all)
{
    unsigned gen = atomic_load_explicit(&x->generation, memory_order_acquire);
    if (atomic_fetch_add_explicit(&x->arrived, 1, memory_order_acq_rel) + 1 == x->ranks) {
        if (all != NULL) {
            exchange_vote r = x->senders[0].vote;
            for (uint32_t i = 1; i < x->ranks; i++) {
                const exchange_vote *v = &x->senders[i].vote;
                if (v->next_ns < r.next_ns)
                    r.next_ns = v->next_ns;
                if (v->global_ns < r.global_ns)
                    r.global_ns = v->global_ns;
                r.stop |= v->stop;
            }
            if (x->link != NULL)
                xlink_step(x->link, &r); /* the other processes' votes too */
            x->result = r;
            *all = r;
        }
        atomic_store_explicit(&x->arrived, 0, memory_order_relaxed);
        atomic_store_explicit(&x->generation, gen + 1, memory_order_seq_cst);
        if (atomic_load_explicit(&x->sleepers, memory_order_seq_cst) != 0) {
            check_pthread(pthread_mutex_lock(&x->mu), "pthread_mutex_lock");
            check_pthread(pthread_cond_broadcast(&x->cv), "pthread_cond_broadcast");
            check_pthread(pthread_mutex_unlock(&x->mu), "pthread_mutex_unlock");
        }
        return;
    }
    int spun = x->spin && spin_wait(x, &x->senders[rank], gen);
    if (x->spin)
        learn_spin(&x->senders[rank], spun);
    if (!spun) {
        check_pthread(pthread_mutex_lock(&x->mu), "pthread_mutex_lock");
        atomic_fetch_add_explicit(&x->sleepers, 1, memory_order_seq_cst);
        while (atomic_load_explicit(&x->generation, memory_order_seq_cst) == gen)
            check_pthread(pthread_cond_wait(&x->cv, &x->mu), "pthread_cond_wait");
        atomic_fetch_sub_explicit(&x->sleepers, 1, memory_order_relaxed);
        check_pthread(pthread_mutex_unlock(&x->mu), "pthread_mutex_unlock");
    }
    if (all != NULL)
        *all = x->result;
}

void exchange_end_window(exchange *x, uint32_t rank, const exchange_vote *mine, exchange_vote *all)
{
    sender *s = &x->senders[rank];
    if (s->used != 0)
        hand_over(x, s);
    s->vote = *mine;
    if (s->posted_min < s->vote.next_ns)
        s->vote.next_ns = s->posted_min;
    s->posted_min = NEVER;
    barrier(x, rank, all);
}

void exchange_barrier(exchange *x, uint32_t rank)
{
    barrier(x, rank, NULL);
}

int exchange_link(exchange *x, uint32_t procs, uint32_t proc, const uint32_t *owner,
                  const engine_model *model)
{
    return xlink_new(&x->link, x->ranks, procs, proc, owner, model);
}
