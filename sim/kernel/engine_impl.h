/* Private to the engine's files (engine.c, engine_queue.c, engine_pace.c,
 * engine_setup.c): the engine's state (nodes, workers, the engine itself, a
 * model call) and the small helpers they all use. Not a contract: nothing
 * outside sim/kernel/engine*.c includes it. The design is described at the
 * top of engine.c. */
#ifndef CHAINSIM_ENGINE_IMPL_H
#define CHAINSIM_ENGINE_IMPL_H

#include "engine.h"

#include "exchange.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    uint32_t procs, proc; /* processes (1: this one only) and this one's index */
    int64_t lookahead_ns;
    node *nodes;
    uint32_t *owner; /* node -> rank; threads + p for a node of process p */
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

static inline void check_pthread(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "chainsim: engine: %s failed: %s\n", what, strerror(rc));
        abort();
    }
}

static inline void *grow(void *p, size_t *cap, size_t elem)
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

static inline void lock(pthread_mutex_t *mu)
{
    check_pthread(pthread_mutex_lock(mu), "pthread_mutex_lock");
}

static inline void unlock(pthread_mutex_t *mu)
{
    check_pthread(pthread_mutex_unlock(mu), "pthread_mutex_unlock");
}

/* The body of worker threads 1..K-1 (rank 0 runs in engine_run's caller):
 * waits for a run, runs its rank, until engine_free shuts it down. arg is
 * its worker. Defined in engine.c. */
void *engine_worker_main(void *arg);

#endif
