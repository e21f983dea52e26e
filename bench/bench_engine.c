/* Engine throughput on a message-heavy flood: N nodes on a random 8-regular
 * graph (the union of 8 random perfect matchings), each originating a message
 * every period with a random phase; a node forwards an id to all its
 * neighbours the first time it sees it, with latency L + U[0, 2L). Reports
 * deliveries per wall second for each thread count (default 1 and 2; 0 = one
 * per CPU), as the median of `rounds` runs (default 7) taken interleaved
 * (1, 2, 1, 2, ...) so that load from elsewhere hits all counts alike; then
 * the speedups over the first count and the peak RSS, next to the number of
 * CPUs online.
 *
 * Usage: bench_engine [nodes [virtual_seconds [period_seconds [rounds [threads...]]]]] */
#include "engine.h"
#include "rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define DEGREE 8
#define LOOKAHEAD_NS 10000000LL /* 10 ms */
#define SEED 20240601ULL

enum { T_ORIGIN, T_MSG };

typedef struct flood {
    uint32_t nodes;
    uint32_t *adj;        /* nodes * DEGREE */
    uint64_t *seen;       /* nodes * words: bitset of message ids seen */
    size_t words;         /* per node */
    uint32_t per_node;    /* ids per node: origin k of node n is n * per_node + k */
    uint32_t *originated; /* per node */
    rng *streams;         /* per node */
    int64_t period_ns, stop_origin_ns;
} flood;

static void forward(flood *f, engine_call *call, uint32_t node, int64_t now, uint64_t id)
{
    rng *r = &f->streams[node];
    const uint32_t *nb = &f->adj[(size_t)node * DEGREE];
    for (int k = 0; k < DEGREE; k++) {
        int64_t latency = LOOKAHEAD_NS + (int64_t)rng_below(r, 2 * LOOKAHEAD_NS);
        engine_send(call, nb[k], now + latency, T_MSG, NULL, id);
    }
}

static void flood_event(void *ctx, engine_call *call, uint32_t node, const engine_event *ev)
{
    flood *f = ctx;
    int64_t now = ev->time_ns;
    uint64_t *seen = &f->seen[(size_t)node * f->words];
    uint64_t id;
    if (ev->type == T_ORIGIN) {
        id = (uint64_t)node * f->per_node + f->originated[node]++;
        if (now + f->period_ns < f->stop_origin_ns && f->originated[node] < f->per_node)
            engine_timer(call, now + f->period_ns, T_ORIGIN, NULL, 0);
    } else {
        id = ev->arg;
        if (seen[id >> 6] >> (id & 63) & 1)
            return;
    }
    seen[id >> 6] |= 1ULL << (id & 63);
    forward(f, call, node, now, id);
}

static double wall_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct result {
    double seconds;
    uint64_t deliveries, windows, events;
} result;

static int run_once(result *out, flood *f, uint32_t *adj, uint32_t threads, int64_t end_ns)
{
    memset(f->seen, 0, (size_t)f->nodes * f->words * sizeof *f->seen);
    memset(f->originated, 0, f->nodes * sizeof *f->originated);
    f->adj = adj;
    for (uint32_t n = 0; n < f->nodes; n++)
        rng_init(&f->streams[n], SEED, n, 1);
    engine_config cfg = {.nodes = f->nodes,
                         .lookahead_ns = LOOKAHEAD_NS,
                         .threads = threads,
                         .model = {.ctx = f, .on_event = flood_event}};
    engine *e = NULL;
    int rc = engine_new(&e, &cfg);
    if (rc != ENGINE_OK) {
        fprintf(stderr, "bench_engine: engine_new: %s\n", engine_status_message(rc));
        return -1;
    }
    rng phase;
    rng_init(&phase, SEED, 0, 2);
    for (uint32_t n = 0; n < f->nodes; n++) {
        int64_t at = (int64_t)rng_below(&phase, (uint64_t)f->period_ns);
        rc = engine_schedule_timer(e, n, at, T_ORIGIN, NULL, 0);
        if (rc != ENGINE_OK)
            goto fail;
    }
    double t0 = wall_s();
    rc = engine_run(e, end_ns);
    out->seconds = wall_s() - t0;
    if (rc != ENGINE_OK)
        goto fail;
    engine_stats st;
    engine_get_stats(e, &st);
    out->deliveries = st.messages;
    out->windows = st.windows;
    out->events = st.events;
    engine_free(e);
    return 0;
fail:
    fprintf(stderr, "bench_engine: %s\n", engine_status_message(rc));
    engine_free(e);
    return -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int parse_positive(const char *s, const char *what, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || !(v > 0)) {
        fprintf(stderr, "bench_engine: %s must be a positive number, not '%s'\n", what, s);
        return -1;
    }
    *out = v;
    return 0;
}

int main(int argc, char **argv)
{
    double nodes_d = 1000, virt_s = 10, period_s = 5, rounds_d = 7;
    if ((argc > 1 && parse_positive(argv[1], "nodes", &nodes_d) != 0) ||
        (argc > 2 && parse_positive(argv[2], "virtual_seconds", &virt_s) != 0) ||
        (argc > 3 && parse_positive(argv[3], "period_seconds", &period_s) != 0) ||
        (argc > 4 && parse_positive(argv[4], "rounds", &rounds_d) != 0))
        return 2;
    int rounds = (int)rounds_d;
    uint32_t thread_counts[16] = {1, 2};
    int nthreads = 2;
    if (argc > 5) {
        nthreads = 0;
        for (int i = 5; i < argc; i++) {
            double k;
            if (nthreads == 16) {
                fprintf(stderr, "bench_engine: at most 16 thread counts\n");
                return 2;
            }
            if (strcmp(argv[i], "0") == 0)
                k = 0;
            else if (parse_positive(argv[i], "threads", &k) != 0)
                return 2;
            thread_counts[nthreads++] = (uint32_t)k;
        }
    }
    uint32_t nodes = (uint32_t)nodes_d;
    if (nodes < 2 || nodes % 2 != 0) {
        fprintf(stderr, "bench_engine: nodes must be an even number >= 2\n");
        return 2;
    }
    flood f = {.nodes = nodes,
               .period_ns = (int64_t)(period_s * 1e9),
               .stop_origin_ns = (int64_t)(virt_s * 1e9)};
    f.per_node = (uint32_t)(virt_s / period_s) + 2;
    f.words = ((size_t)nodes * f.per_node + 63) / 64;
    uint32_t *adj = malloc((size_t)nodes * DEGREE * sizeof *adj);
    uint32_t *perm = malloc(nodes * sizeof *perm);
    f.seen = malloc((size_t)nodes * f.words * sizeof *f.seen);
    f.originated = malloc(nodes * sizeof *f.originated);
    f.streams = malloc(nodes * sizeof *f.streams);
    if (!adj || !perm || !f.seen || !f.originated || !f.streams) {
        fprintf(stderr, "bench_engine: out of memory\n");
        return 1;
    }
    /* DEGREE random perfect matchings: every node gets exactly DEGREE links. */
    rng g;
    rng_init(&g, SEED, 0, 3);
    for (int round = 0; round < DEGREE; round++) {
        for (uint32_t i = 0; i < nodes; i++)
            perm[i] = i;
        for (uint32_t i = nodes - 1; i > 0; i--) {
            uint32_t j = (uint32_t)rng_below(&g, i + 1);
            uint32_t t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        for (uint32_t i = 0; i < nodes; i += 2) {
            adj[(size_t)perm[i] * DEGREE + round] = perm[i + 1];
            adj[(size_t)perm[i + 1] * DEGREE + round] = perm[i];
        }
    }
    int64_t end_ns = f.stop_origin_ns + 1000000000LL; /* let the last floods finish */
    printf("bench_engine: flood gossip, %u nodes, degree %d, lookahead %lld ms, latency "
           "[%lld, %lld) ms, originate every %.3g s for %.3g virtual s\n",
           nodes, DEGREE, LOOKAHEAD_NS / 1000000, LOOKAHEAD_NS / 1000000,
           3 * LOOKAHEAD_NS / 1000000, period_s, virt_s);
    printf("cpus online: %ld; %d rounds, each running every thread count once in turn\n",
           sysconf(_SC_NPROCESSORS_ONLN), rounds);
    double *secs = malloc((size_t)rounds * nthreads * sizeof *secs);
    uint64_t *deliveries = calloc(nthreads, sizeof *deliveries);
    result *last = calloc(nthreads, sizeof *last);
    if (secs == NULL || deliveries == NULL || last == NULL) {
        fprintf(stderr, "bench_engine: out of memory\n");
        return 1;
    }
    for (int k = 0; k < rounds; k++) {
        for (int t = 0; t < nthreads; t++) {
            if (run_once(&last[t], &f, adj, thread_counts[t], end_ns) != 0)
                return 1;
            secs[t * rounds + k] = last[t].seconds;
            deliveries[t] = last[t].deliveries;
        }
    }
    int same = 1;
    double *rate = calloc(nthreads, sizeof *rate);
    if (rate == NULL)
        return 1;
    for (int t = 0; t < nthreads; t++) {
        double *s = &secs[t * rounds];
        printf("threads=%u: %llu deliveries, %llu events, %llu windows; runs", thread_counts[t],
               (unsigned long long)last[t].deliveries, (unsigned long long)last[t].events,
               (unsigned long long)last[t].windows);
        for (int k = 0; k < rounds; k++)
            printf(" %.3f", s[k]);
        qsort(s, rounds, sizeof *s, cmp_double);
        double median = rounds % 2 ? s[rounds / 2] : (s[rounds / 2 - 1] + s[rounds / 2]) / 2;
        rate[t] = (double)last[t].deliveries / median;
        printf(" s; median %.0f deliveries/s\n", rate[t]);
        same &= deliveries[t] == deliveries[0];
    }
    printf("same deliveries on every thread count: %s\n", same ? "yes" : "NO");
    for (int t = 1; t < nthreads; t++)
        printf("speedup %u threads / %u thread(s): %.2fx\n", thread_counts[t], thread_counts[0],
               rate[t] / rate[0]);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("peak RSS: %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
    free(secs);
    free(deliveries);
    free(last);
    free(rate);
    free(adj);
    free(perm);
    free(f.seen);
    free(f.originated);
    free(f.streams);
    return same ? 0 : 1;
}
