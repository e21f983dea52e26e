/* Reading and checking a scenario's network section: the topology (with
 * the edge list's repeated-edge and connectivity checks), the latency
 * distribution, the regions (names and latency matrix; shares and bandwidth
 * are regions.c's) and the bandwidth. Called from the top-level walk in
 * scenario.c once the node count is known. */
#include "regions.h"
#include "timeunit.h"
#include "scenario_impl.h"
#include "scenario_read.h"
#include "units.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REGIONS 64u

/* network.latency as an object {dist, ...}. */
static jsonread_status parse_latency_dist(jsonread *jr, scenario_latency *lat, const cJSON *it)
{
    static const char *const k_constant[] = {"dist", "mean", NULL};
    static const char *const k_uniform[] = {"dist", "min", "max", NULL};
    static const char *const k_shaped[] = {"dist", "mean", "stddev", "min", "max", NULL};
    unsigned dist = SCENARIO_LAT_CONSTANT;
    const unsigned R = JSONREAD_REQUIRED;
    if (scenario_read_enum(jr, &dist, it, "dist", scenario_read_latency_names, JSONREAD_OPTIONAL))
        return jr->status;
    lat->dist = (scenario_latency_dist)dist;
    switch (lat->dist) {
    case SCENARIO_LAT_CONSTANT:
        if (jsonread_only_keys(jr, it, k_constant) ||
            scenario_read_duration(jr, &lat->mean_ns, it, "mean", R))
            return jr->status;
        if (lat->mean_ns <= 0)
            return jsonread_fail(jr, JSONREAD_E_RANGE, it, "mean",
                                 "expected a positive latency (it is the lookahead), got 0");
        lat->min_ns = lat->max_ns = lat->mean_ns;
        return JSONREAD_OK;
    case SCENARIO_LAT_UNIFORM:
        if (jsonread_only_keys(jr, it, k_uniform) ||
            scenario_read_duration(jr, &lat->min_ns, it, "min", R) ||
            scenario_read_duration(jr, &lat->max_ns, it, "max", R))
            return jr->status;
        if (lat->min_ns <= 0)
            return jsonread_fail(
                jr, JSONREAD_E_RANGE, it, "min",
                "expected a positive minimum latency (it is the lookahead), got 0");
        if (lat->max_ns < lat->min_ns)
            return jsonread_fail(jr, JSONREAD_E_RANGE, it, "max",
                                 "expected max >= min (%lld ns), got %lld ns",
                                 (long long)lat->min_ns, (long long)lat->max_ns);
        lat->mean_ns = lat->min_ns + (lat->max_ns - lat->min_ns) / 2;
        return JSONREAD_OK;
    case SCENARIO_LAT_NORMAL:
    case SCENARIO_LAT_LOGNORMAL:
        if (jsonread_only_keys(jr, it, k_shaped) ||
            scenario_read_duration(jr, &lat->mean_ns, it, "mean", R) ||
            scenario_read_duration(jr, &lat->stddev_ns, it, "stddev", R) ||
            scenario_read_duration(jr, &lat->min_ns, it, "min", R) ||
            scenario_read_duration(jr, &lat->max_ns, it, "max", JSONREAD_OPTIONAL))
            return jr->status;
        if (lat->min_ns <= 0)
            return jsonread_fail(
                jr, JSONREAD_E_RANGE, it, "min",
                "expected a positive minimum latency (it is the lookahead), got 0");
        if (lat->mean_ns < lat->min_ns ||
            (lat->dist == SCENARIO_LAT_LOGNORMAL && lat->mean_ns == lat->min_ns))
            return jsonread_fail(
                jr, JSONREAD_E_RANGE, it, "mean", "expected mean %s min (%lld ns), got %lld ns",
                lat->dist == SCENARIO_LAT_LOGNORMAL ? ">" : ">=", (long long)lat->min_ns,
                (long long)lat->mean_ns);
        if (lat->max_ns != 0 && lat->max_ns < lat->mean_ns)
            return jsonread_fail(jr, JSONREAD_E_RANGE, it, "max",
                                 "expected 0 (no cap) or max >= mean (%lld ns), got %lld ns",
                                 (long long)lat->mean_ns, (long long)lat->max_ns);
        if (lat->dist == SCENARIO_LAT_LOGNORMAL && lat->stddev_ns == 0)
            return jsonread_fail(jr, JSONREAD_E_RANGE, it, "stddev",
                                 "expected a positive duration for a lognormal, got 0");
        return JSONREAD_OK;
    }
    return JSONREAD_OK;
}

static jsonread_status parse_latency(jsonread *jr, scenario_latency *lat, const cJSON *net)
{
    const cJSON *it = jsonread_member(net, "latency");
    char g[64];
    lat->dist = SCENARIO_LAT_CONSTANT;
    if (it == NULL || cJSON_IsString(it) || cJSON_IsNumber(it)) {
        lat->mean_ns = 50 * TIMEUNIT_NS_PER_MS;
        if (scenario_read_duration(jr, &lat->mean_ns, net, "latency", JSONREAD_OPTIONAL))
            return jr->status;
        if (lat->mean_ns <= 0)
            return jsonread_fail(
                jr, JSONREAD_E_RANGE, net, "latency",
                "expected a positive latency (it is the simulator's lookahead), got %s",
                jsonread_got(g, sizeof g, it));
        lat->min_ns = lat->max_ns = lat->mean_ns;
        return JSONREAD_OK;
    }
    if (!cJSON_IsObject(it))
        return jsonread_fail(jr, JSONREAD_E_TYPE, net, "latency",
                             "expected a duration like \"50ms\" or an object {dist, min, max, "
                             "mean, stddev}, got %s",
                             jsonread_got(g, sizeof g, it));
    return parse_latency_dist(jr, lat, it);
}

static jsonread_status parse_region_names(jsonread *jr, scenario *s, const cJSON *reg)
{
    const cJSON *names = jsonread_member(reg, "names"), *nm;
    char g[64];
    size_t n = 0;
    if (names == NULL)
        return jsonread_fail(jr, JSONREAD_E_MISSING, reg, "names",
                             "missing, expected an array of region names");
    if (cJSON_IsArray(names))
        n = (size_t)cJSON_GetArraySize(names);
    if (!cJSON_IsArray(names) || n < 1 || n > MAX_REGIONS)
        return jsonread_fail(jr, cJSON_IsArray(names) ? JSONREAD_E_RANGE : JSONREAD_E_TYPE, reg,
                             "names", "expected an array of 1 to %u names, got %s", MAX_REGIONS,
                             jsonread_got(g, sizeof g, names));
    s->network.region_names = calloc(n, sizeof(char *));
    s->network.region_latency_ns = calloc(n * n, sizeof(int64_t));
    if (s->network.region_names == NULL || s->network.region_latency_ns == NULL)
        return jsonread_fail(jr, JSONREAD_E_NOMEM, reg, NULL, "out of memory");
    s->network.n_regions = (uint32_t)n;
    size_t i = 0;
    cJSON_ArrayForEach(nm, names)
    {
        if (!cJSON_IsString(nm) || nm->valuestring[0] == '\0')
            return jsonread_fail(jr, JSONREAD_E_TYPE, nm, NULL,
                                 "expected a non-empty region name, got %s",
                                 jsonread_got(g, sizeof g, nm));
        for (size_t j = 0; j < i; j++) /* at most MAX_REGIONS names */
            if (strcmp(s->network.region_names[j], nm->valuestring) == 0)
                return jsonread_fail(jr, JSONREAD_E_RANGE, nm, NULL,
                                     "region \"%s\" is already named at [%zu]", nm->valuestring, j);
        s->network.region_names[i] = strdup(nm->valuestring);
        if (s->network.region_names[i++] == NULL)
            return jsonread_fail(jr, JSONREAD_E_NOMEM, nm, NULL, "out of memory");
    }
    return JSONREAD_OK;
}

static jsonread_status parse_region_latency(jsonread *jr, scenario *s, const cJSON *reg)
{
    const cJSON *mat = jsonread_member(reg, "latency"), *row, *cell;
    size_t n = s->network.n_regions, i = 0;
    char g[64];
    if (mat == NULL)
        return jsonread_fail(jr, JSONREAD_E_MISSING, reg, "latency",
                             "missing, expected an N x N matrix of durations");
    if (!cJSON_IsArray(mat) || (size_t)cJSON_GetArraySize(mat) != n)
        return jsonread_fail(jr, JSONREAD_E_RANGE, reg, "latency",
                             "expected an array of %zu rows (one per region), got %s", n,
                             jsonread_got(g, sizeof g, mat));
    cJSON_ArrayForEach(row, mat)
    {
        size_t j = 0;
        if (!cJSON_IsArray(row) || (size_t)cJSON_GetArraySize(row) != n)
            return jsonread_fail(jr, JSONREAD_E_RANGE, row, NULL,
                                 "expected a row of %zu durations, got %s", n,
                                 jsonread_got(g, sizeof g, row));
        cJSON_ArrayForEach(cell, row)
        {
            int64_t *v = &s->network.region_latency_ns[i * n + j++];
            units_status st = UNITS_BAD_NUMBER;
            if (cJSON_IsString(cell))
                st = units_parse_duration_ns(v, cell->valuestring);
            else if (cJSON_IsNumber(cell))
                st = units_seconds_to_ns(v, cell->valuedouble);
            if (st != UNITS_OK || *v <= 0)
                return jsonread_fail(jr, JSONREAD_E_RANGE, cell, NULL,
                                     "expected a positive duration like \"80ms\" (it bounds the "
                                     "lookahead), got %s",
                                     jsonread_got(g, sizeof g, cell));
        }
        i++;
    }
    return JSONREAD_OK;
}

static jsonread_status parse_regions(jsonread *jr, scenario *s, const cJSON *net)
{
    static const char *const keys[] = {"names", "latency", "share", "bandwidth", NULL};
    const cJSON *reg = NULL;
    if (jsonread_object(jr, &reg, net, "regions", JSONREAD_OPTIONAL) || reg == NULL)
        return jr->status;
    if (jsonread_only_keys(jr, reg, keys) || parse_region_names(jr, s, reg) ||
        parse_region_latency(jr, s, reg))
        return jr->status;
    /* share and bandwidth (regions.c writes its own message into jr's buffer) */
    switch (regions_parse(s, reg, jr->name, jr->err, jr->errlen)) {
    case SCENARIO_OK:
        return JSONREAD_OK;
    case SCENARIO_ERR_NOMEM:
        return jr->status = JSONREAD_E_NOMEM;
    case SCENARIO_ERR_TYPE:
        return jr->status = JSONREAD_E_TYPE;
    case SCENARIO_ERR_MISSING:
        return jr->status = JSONREAD_E_MISSING;
    case SCENARIO_ERR_UNKNOWN_KEY:
        return jr->status = JSONREAD_E_UNKNOWN_KEY;
    default:
        return jr->status = JSONREAD_E_RANGE;
    }
}

/* Union-find root, for the connectivity check of an edge list. */
static uint32_t uf_find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

static int cmp_edge(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;
    if (x[0] != y[0])
        return x[0] < y[0] ? -1 : 1;
    return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* The edges seen so far, for the repeated-edge check in linear time: open
 * addressing on (a, b), each slot keeping the edge's first index. */
struct edge_set {
    uint64_t *key; /* (a << 32 | b) + 1; 0 = empty */
    size_t *index;
    size_t cap; /* a power of two */
};

/* Adds edge (a, b) seen at index i; returns the index of an earlier equal
 * edge, or SIZE_MAX. */
static size_t edge_set_add(struct edge_set *es, uint32_t a, uint32_t b, size_t i)
{
    uint64_t key = ((uint64_t)a << 32 | b) + 1;
    size_t at = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 20) & (es->cap - 1);
    while (es->key[at] != 0) {
        if (es->key[at] == key)
            return es->index[at];
        at = (at + 1) & (es->cap - 1);
    }
    es->key[at] = key;
    es->index[at] = i;
    return SIZE_MAX;
}

/* Edge i (the array e): two different node numbers, stored a < b. */
static jsonread_status parse_edge(jsonread *jr, uint32_t out[2], uint32_t n_nodes, const cJSON *e)
{
    uint32_t ab[2];
    char g[64];
    if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2)
        return jsonread_fail(jr, JSONREAD_E_TYPE, e, NULL,
                             "expected a pair [a, b] of node numbers, got %s",
                             jsonread_got(g, sizeof g, e));
    if (scenario_read_ref(jr, &ab[0], e->child, NULL, n_nodes, "node", JSONREAD_REQUIRED) ||
        scenario_read_ref(jr, &ab[1], e->child->next, NULL, n_nodes, "node", JSONREAD_REQUIRED))
        return jr->status;
    if (ab[0] == ab[1])
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, NULL, "expected two different nodes, got %s",
                             jsonread_got(g, sizeof g, e));
    out[0] = ab[0] < ab[1] ? ab[0] : ab[1];
    out[1] = ab[0] < ab[1] ? ab[1] : ab[0];
    return JSONREAD_OK;
}

/* Every node reachable from node 1 through the (sorted) edge list. */
static jsonread_status check_connected(jsonread *jr, const scenario *s, const cJSON *edges)
{
    uint32_t *parent = malloc(s->n_nodes * sizeof *parent);
    if (parent == NULL)
        return jsonread_fail(jr, JSONREAD_E_NOMEM, edges, NULL, "out of memory");
    for (uint32_t i = 0; i < s->n_nodes; i++)
        parent[i] = i;
    for (size_t i = 0; i < s->network.n_edges; i++)
        parent[uf_find(parent, s->network.edges[i][0])] = uf_find(parent, s->network.edges[i][1]);
    for (uint32_t i = 1; i < s->n_nodes; i++)
        if (uf_find(parent, i) != uf_find(parent, 0)) {
            free(parent);
            return jsonread_fail(jr, JSONREAD_E_RANGE, edges, NULL,
                                 "expected a connected graph, but node %u cannot reach node 1",
                                 i + 1);
        }
    free(parent);
    return JSONREAD_OK;
}

static jsonread_status parse_edges(jsonread *jr, scenario *s, const cJSON *topo)
{
    const cJSON *edges = jsonread_member(topo, "edges"), *e;
    char g[64];
    size_t n = 0, i = 0;
    if (edges == NULL)
        return jsonread_fail(jr, JSONREAD_E_MISSING, topo, "edges",
                             "missing, expected an array of [a, b] node pairs");
    if (cJSON_IsArray(edges))
        n = (size_t)cJSON_GetArraySize(edges);
    if (n < 1)
        return jsonread_fail(jr, JSONREAD_E_TYPE, edges, NULL,
                             "expected a non-empty array of [a, b] pairs, got %s",
                             jsonread_got(g, sizeof g, edges));
    struct edge_set seen = {NULL, NULL, 16};
    while (seen.cap < 2 * n)
        seen.cap *= 2;
    s->network.edges = calloc(n, sizeof *s->network.edges);
    seen.key = calloc(seen.cap, sizeof *seen.key);
    seen.index = malloc(seen.cap * sizeof *seen.index);
    if (s->network.edges == NULL || seen.key == NULL || seen.index == NULL) {
        jsonread_fail(jr, JSONREAD_E_NOMEM, edges, NULL, "out of memory");
        goto done;
    }
    s->network.n_edges = n;
    cJSON_ArrayForEach(e, edges)
    {
        uint32_t *ab = s->network.edges[i];
        if (parse_edge(jr, ab, s->n_nodes, e))
            goto done;
        size_t first = edge_set_add(&seen, ab[0], ab[1], i);
        if (first != SIZE_MAX) {
            jsonread_fail(jr, JSONREAD_E_RANGE, e, NULL, "edge %s is already listed at [%zu]",
                          jsonread_got(g, sizeof g, e), first);
            goto done;
        }
        i++;
    }
    qsort(s->network.edges, n, sizeof *s->network.edges, cmp_edge);
    (void)check_connected(jr, s, edges);
done:
    free(seen.key);
    free(seen.index);
    return jr->status;
}

/* Every block and transaction is announced over every link, and every link
 * starts with a status message each way: the links, counted at both ends
 * (each node's peers, summed; at least n x degree for "random"), are the
 * cost of a gossip round. A full mesh of 20,000 nodes has 4e8: its start
 * alone took gigabytes and never finished (4,472 nodes, 2e7: 4 GB and
 * minutes before the first block under ASan). */
static jsonread_status check_link_count(jsonread *jr, const scenario *s)
{
    uint64_t n = s->n_nodes, ends = 0;
    const char *what = NULL;
    switch (s->network.topology) {
    case SCENARIO_TOPO_FULL:
        ends = n * (n - 1);
        what = "a full mesh";
        break;
    case SCENARIO_TOPO_RANDOM:
        ends = n * s->network.degree;
        what = "a random topology";
        break;
    default: /* ring, star and edges: at most 2n, 2n and the file's size */
        return JSONREAD_OK;
    }
    if (ends <= SCENARIO_MAX_LINK_ENDS)
        return JSONREAD_OK;
    return jsonread_fail_path(jr, JSONREAD_E_RANGE, "network.topology",
                              "%s of %" PRIu64 " nodes has %" PRIu64 " peer links (counted at "
                              "both ends); at most %u are allowed (every block and transaction is "
                              "announced over every link): use \"random\" with a smaller degree, "
                              "or fewer nodes",
                              what, n, ends, SCENARIO_MAX_LINK_ENDS);
}

static jsonread_status parse_topology(jsonread *jr, scenario *s, const cJSON *net)
{
    static const char *const k_plain[] = {"type", NULL};
    static const char *const k_random[] = {"type", "degree", NULL};
    static const char *const k_star[] = {"type", "center", NULL};
    static const char *const k_edges[] = {"type", "edges", NULL};
    const cJSON *topo = jsonread_member(net, "topology");
    char g[64];
    unsigned type = SCENARIO_TOPO_FULL;
    if (topo != NULL && cJSON_IsString(topo)) {
        if (scenario_read_enum(jr, &type, net, "topology", scenario_read_topology_names,
                               JSONREAD_OPTIONAL))
            return jr->status;
        topo = NULL;
    } else if (topo != NULL && !cJSON_IsObject(topo)) {
        return jsonread_fail(jr, JSONREAD_E_TYPE, net, "topology",
                             "expected a type name or an object {type, ...}, got %s",
                             jsonread_got(g, sizeof g, topo));
    } else if (scenario_read_enum(jr, &type, topo, "type", scenario_read_topology_names,
                                  JSONREAD_OPTIONAL)) {
        return jr->status;
    }
    s->network.topology = (scenario_topology)type;
    const char *const *keys = type == SCENARIO_TOPO_RANDOM  ? k_random
                              : type == SCENARIO_TOPO_STAR  ? k_star
                              : type == SCENARIO_TOPO_EDGES ? k_edges
                                                            : k_plain;
    if (jsonread_only_keys(jr, topo, keys))
        return jr->status;
    uint32_t n = s->n_nodes;
    switch (s->network.topology) {
    case SCENARIO_TOPO_RANDOM: {
        uint32_t lo = n >= 3 ? 2 : n - 1, hi = n - 1;
        s->network.degree = n - 1 < 8 ? n - 1 : 8;
        if (jsonread_u32(jr, &s->network.degree, topo, "degree", lo, hi, JSONREAD_OPTIONAL))
            return jr->status;
        return check_link_count(jr, s);
    }
    case SCENARIO_TOPO_STAR:
        return scenario_read_ref(jr, &s->network.center, topo, "center", n, "node",
                                 JSONREAD_OPTIONAL);
    case SCENARIO_TOPO_EDGES:
        if (topo == NULL)
            return jsonread_fail_path(jr, JSONREAD_E_MISSING, "network.topology.edges",
                                      "missing, expected an array of [a, b] node pairs");
        return parse_edges(jr, s, topo);
    default:
        return check_link_count(jr, s);
    }
}

static jsonread_status parse_bandwidth(jsonread *jr, uint64_t *out, const cJSON *net)
{
    const cJSON *bw = jsonread_member(net, "bandwidth");
    char g[64];
    if (bw == NULL)
        return JSONREAD_OK;
    units_status st = UNITS_OK;
    if (cJSON_IsString(bw))
        st = units_parse_bandwidth_bps(out, bw->valuestring);
    else if (!(cJSON_IsNumber(bw) && bw->valuedouble == 0))
        return jsonread_fail(jr, JSONREAD_E_TYPE, net, "bandwidth",
                             "expected a bandwidth with its unit like \"10Mbit\" (or 0 for "
                             "unlimited), got %s",
                             jsonread_got(g, sizeof g, bw));
    if (st != UNITS_OK)
        return jsonread_fail(
            jr, JSONREAD_E_RANGE, net, "bandwidth",
            "expected a bandwidth like \"10Mbit\", \"1.5MB/s\" or \"0\", got %s (%s)",
            jsonread_got(g, sizeof g, bw), units_status_message(st));
    return JSONREAD_OK;
}

jsonread_status scenario_parse_network(jsonread *jr, scenario *s, const cJSON *root)
{
    static const char *const keys[] = {"topology", "latency",   "bandwidth", "loss",
                                       "regions",  "ban_score", NULL};
    const cJSON *net = NULL;
    s->network.ban_score = SCENARIO_BAN_SCORE;
    if (jsonread_object(jr, &net, root, "network", JSONREAD_OPTIONAL) ||
        jsonread_only_keys(jr, net, keys) || parse_topology(jr, s, net) ||
        parse_latency(jr, &s->network.latency, net) || parse_regions(jr, s, net) ||
        jsonread_double(jr, &s->network.loss, net, "loss", 0, 0.999999, JSONREAD_OPTIONAL) ||
        parse_bandwidth(jr, &s->network.bandwidth_bps, net) ||
        jsonread_u32(jr, &s->network.ban_score, net, "ban_score", 0, 1000000000, JSONREAD_OPTIONAL))
        return jr->status;
    return JSONREAD_OK;
}
