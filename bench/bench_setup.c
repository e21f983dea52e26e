/* bench_setup: how long setting up a large run takes, before any event.
 *
 * Writes two scenarios to a temporary folder and times scenario_load_file
 * (read, strict JSON parse, validation) and net_new on each:
 *   edges:     10,000 nodes joined by 60,000 explicit edges (a ring plus
 *              chords);
 *   partition: 100,000 nodes on a ring, one partition event whose first
 *              group holds 99,999 of them;
 * and net_new alone on a 100,000-node star. Setup should be linear in the
 * scenario's size: these took 32 s, 235 s and 25 s before validation and
 * the star were made linear, and take well under a second now.
 *
 * usage: bench_setup */
#include "net.h"
#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static uint64_t next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Writes the edge-list scenario: a ring, then chords (a, a + d) with d in
 * five bands of five lengths in [9, 41], and a spread over the ring so that
 * no chord repeats (for n = 10,000 and up to 6n edges). */
static void write_edges(FILE *f, uint32_t n, uint32_t m)
{
    fprintf(f,
            "{\"name\": \"edges\", \"description\": \"setup bench\", \"duration\": \"10s\", "
            "\"nodes\": %u, \"network\": {\"topology\": {\"type\": \"edges\", \"edges\": [",
            n);
    for (uint32_t i = 1; i <= n; i++)
        fprintf(f, "%s[%u, %u]", i > 1 ? ", " : "", i, i % n + 1);
    for (uint32_t k = n; k < m; k++) {
        uint32_t a = (uint32_t)(((uint64_t)k * 7919) % n), d = 2 + (k / n) * 7 + k % 5;
        fprintf(f, ", [%u, %u]", a + 1, (a + d) % n + 1);
    }
    fputs("]}}}\n", f);
}

static void write_partition(FILE *f, uint32_t n)
{
    fprintf(f,
            "{\"name\": \"partition\", \"description\": \"setup bench\", \"duration\": "
            "\"10s\", \"nodes\": %u, \"network\": {\"topology\": \"ring\"}, \"events\": "
            "[{\"at\": \"1s\", \"type\": \"partition\", \"groups\": [[",
            n);
    for (uint32_t i = 1; i < n; i++)
        fprintf(f, "%s%u", i > 1 ? ", " : "", i);
    fprintf(f, "], [%u]]}, {\"at\": \"2s\", \"type\": \"heal\"}]}\n", n);
}

static uint64_t rng_next(void *state)
{
    return next(state);
}

/* Loads path and builds its network; prints both times. */
static int time_one(const char *label, const char *path, const char *const *sets, size_t n_sets)
{
    scenario s;
    char err[600];
    double a = now_s();
    scenario_status st = path ? scenario_load_file(&s, path, sets, n_sets, err, sizeof err)
                              : scenario_load_default(&s, sets, n_sets, err, sizeof err);
    double b = now_s();
    if (st != SCENARIO_OK) {
        fprintf(stderr, "bench_setup: %s\n", err);
        return -1;
    }
    uint64_t state = 1;
    net *n = NULL;
    net_rng rng = {rng_next, &state};
    if (net_new(&n, &s, rng) != 0) {
        fprintf(stderr, "bench_setup: %s: net_new failed\n", label);
        scenario_free(&s);
        return -1;
    }
    double c = now_s();
    printf("%-34s load %8.3f s   net_new %8.3f s\n", label, b - a, c - b);
    net_free(n);
    scenario_free(&s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        fprintf(stderr, "usage: bench_setup (no options; got '%s')\n", argv[1]);
        return 2;
    }
    char dir[] = "/tmp/chainsim-bench-setup-XXXXXX", edges[64], part[64];
    if (mkdtemp(dir) == NULL) {
        perror("bench_setup: mkdtemp");
        return 1;
    }
    snprintf(edges, sizeof edges, "%s/edges.json", dir);
    snprintf(part, sizeof part, "%s/partition.json", dir);
    FILE *f = fopen(edges, "w"), *g = fopen(part, "w");
    if (f == NULL || g == NULL) {
        perror("bench_setup");
        return 1;
    }
    write_edges(f, 10000, 60000);
    write_partition(g, 100000);
    fclose(f);
    fclose(g);
    const char *star[] = {"nodes.count=100000", "events=[]", "network.topology=star"};
    int rc = time_one("10,000 nodes, 60,000 edges", edges, NULL, 0) ||
             time_one("100,000 nodes, one partition", part, NULL, 0) ||
             time_one("100,000-node star (default)", NULL, star, 3);
    unlink(edges);
    unlink(part);
    rmdir(dir);
    return rc ? 1 : 0;
}
