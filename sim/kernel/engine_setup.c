/* Building and tearing down an engine: checking the configuration,
 * allocating nodes and workers on cache lines, mapping nodes onto workers
 * by cost, starting the worker threads, and at the end joining them and
 * handing what is still pending to the model. */
#include "engine_queue.h"

#include <inttypes.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Spreads the nodes whose owner[] is `from` over k parts, numbered
 * base..base+k-1 in owner[]: with costs, the dearest node first to the
 * least loaded part (ties to the lowest); without, the j-th such node to
 * part j mod k (neighbouring ids often have similar roles, so this spreads
 * them). Returns 0, or -1 when out of memory. */
static int spread(engine *e, uint32_t from, uint32_t base, uint32_t k)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < e->nodes_n; i++)
        n += e->owner[i] == from;
    costed *order = malloc((n ? n : 1) * sizeof *order);
    uint64_t *load = calloc(k, sizeof *load);
    if (order == NULL || load == NULL) {
        free(order);
        free(load);
        return -1;
    }
    uint32_t m = 0;
    for (uint32_t i = 0; i < e->nodes_n; i++)
        if (e->owner[i] == from)
            order[m++] = (costed){e->cfg.node_cost ? e->cfg.node_cost[i] : 0, i};
    if (e->cfg.node_cost == NULL) {
        for (uint32_t j = 0; j < m; j++)
            e->owner[order[j].id] = base + j % k;
    } else {
        qsort(order, m, sizeof *order, cmp_costed);
        for (uint32_t j = 0; j < m; j++) {
            uint32_t best = 0;
            for (uint32_t r = 1; r < k; r++)
                if (load[r] < load[best])
                    best = r;
            e->owner[order[j].id] = base + best;
            load[best] += order[j].cost + 1; /* + 1: zero-cost nodes spread too */
        }
    }
    free(order);
    free(load);
    return 0;
}

/* Maps nodes onto workers: with several processes first onto processes
 * (process p's nodes get owner threads + p), then this process's onto its
 * K workers, each by spread. Fills owner and every worker's ids (ascending)
 * and schedule. Returns 0, or -1 when out of memory. Results never depend
 * on the mapping. */
static int assign_nodes(engine *e)
{
    uint32_t k = e->threads;
    const uint32_t all = UINT32_MAX;
    for (uint32_t i = 0; i < e->nodes_n; i++)
        e->owner[i] = all;
    if (e->procs > 1) {
        if (spread(e, all, k, e->procs) != 0)
            return -1;
        if (spread(e, k + e->proc, 0, k) != 0)
            return -1;
    } else if (spread(e, all, 0, k) != 0) {
        return -1;
    }
    for (uint32_t i = 0; i < e->nodes_n; i++)
        if (e->owner[i] < k)
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
        if (e->owner[i] >= k)
            continue;
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
    if (!engine_realtime_valid(cfg->realtime_factor))
        return ENGINE_E_REALTIME;
    engine *e = zalloc_lines(1, sizeof *e);
    if (e == NULL)
        return ENGINE_E_NOMEM;
    int status = ENGINE_E_NOMEM;
    e->cfg = *cfg;
    e->nodes_n = cfg->nodes;
    e->lookahead_ns = cfg->lookahead_ns;
    e->procs = cfg->procs > 1 ? cfg->procs : 1;
    e->proc = e->procs > 1 ? cfg->proc : 0;
    if (e->procs > 1 && (cfg->proc >= cfg->procs || cfg->model.pack == NULL ||
                         cfg->model.unpack == NULL || !exchange_linkable())) {
        free(e);
        return ENGINE_E_PROCS;
    }
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
    if (e->procs > 1 &&
        (status = exchange_link(e->x, e->procs, e->proc, e->owner, &e->cfg.model)) != ENGINE_OK)
        goto fail;
    status = ENGINE_E_NOMEM;
    for (uint32_t i = 0; i < e->nodes_n; i++) {
        node *n = &e->nodes[i];
        n->idle_ns = n->wake_ns = cfg->model.on_idle != NULL ? 0 : ENGINE_NEVER;
        n->key_ns = ENGINE_NEVER;
        e->pos[i] = NO_POS;
        if (e->owner[i] < e->threads)
            sched_fix(e, i);
        else
            n->idle_ns = n->wake_ns = ENGINE_NEVER; /* run by another process */
    }
    status = ENGINE_E_THREAD;
    for (uint32_t r = 1; r < e->threads; r++) {
        if (pthread_create(&e->workers[r].thread, NULL, engine_worker_main, &e->workers[r]) != 0)
            goto fail;
        e->workers[r].started = 1;
    }
    *out = e;
    return ENGINE_OK;
fail:
    engine_free(e);
    return status;
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
        engine_discard_pending(e);
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
