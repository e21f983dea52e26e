/* The network model. Links are stored as sorted adjacency lists (CSR), except
 * for the full mesh, which is computed on the fly so that large meshes cost
 * no memory. The random graph is a ring (which makes it connected) plus
 * random chords until every node has at least the requested degree, drawn
 * from the caller's stream so the graph depends only on the seed. Latency
 * draws turn raw 64-bit words into uniform, normal (Box-Muller) and lognormal
 * variates here, so any generator can be plugged in. */
#include "net.h"
#include "timeunit.h"
#include "regions.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct net {
    uint32_t n_nodes;
    int full_mesh;
    size_t *offset;     /* n_nodes + 1, CSR offsets (not for the full mesh) */
    uint32_t *adjacent; /* CSR neighbour lists, each sorted */
    scenario_latency latency;
    uint32_t n_regions;
    uint32_t *region_of; /* n_nodes */
    int64_t *region_ns;  /* n_regions^2 */
    uint64_t bandwidth_bps;
    uint64_t *region_bps; /* n_regions^2 [from][to] with per-region bandwidth, else NULL */
    double loss;
    int partitioned;
    uint32_t *group_of;      /* n_nodes */
    int64_t *uplink_busy_ns; /* n_nodes; entry i written only by node i */
    /* Links cut one by one (net_cut): sorted keys (low node << 32 | high
     * node), each with the number of cuts that hold it. */
    uint64_t *cut_keys;
    uint32_t *cut_counts;
    size_t n_cuts, cap_cuts;
    net_link_latency *fixed; /* links whose latency was set (net_set_link_latency), a < b */
    size_t n_fixed, cap_fixed;
};

static const char *const send_messages[] = {
#define NET_MSG(code, msg) msg,
    NET_SEND_MAP(NET_MSG)
#undef NET_MSG
};

const char *net_send_status_message(net_send_status status)
{
    if ((size_t)status >= sizeof send_messages / sizeof send_messages[0])
        return "unknown status";
    return send_messages[status];
}

/* ---- random variates from raw words -------------------------------------- */

/* Uniform in [0, 1). */
static double uniform01(net_rng *rng)
{
    return (double)(rng->next_u64(rng->state) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, range) (range > 0), by a 128-bit multiply. */
static uint64_t uniform_below(net_rng *rng, uint64_t range)
{
    return (uint64_t)(((unsigned __int128)rng->next_u64(rng->state) * range) >> 64);
}

/* Standard normal by Box-Muller (one of the pair; the other is discarded so
 * that each draw uses exactly two words). */
static double normal01(net_rng *rng)
{
    double u1 = ((double)(rng->next_u64(rng->state) >> 11) + 1.0) * 0x1.0p-53; /* (0, 1] */
    double u2 = uniform01(rng);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* A draw of the latency distribution itself (no regions), in [min, max]. */
static int64_t draw_dist(const scenario_latency *lat, net_rng *rng)
{
    double v = 0;
    switch (lat->dist) {
    case SCENARIO_LAT_CONSTANT:
        return lat->mean_ns;
    case SCENARIO_LAT_UNIFORM:
        return lat->min_ns + (int64_t)uniform_below(rng, (uint64_t)(lat->max_ns - lat->min_ns) + 1);
    case SCENARIO_LAT_NORMAL:
    case SCENARIO_LAT_LOGNORMAL: {
        double mu = 0, sigma = 0;
        if (lat->dist == SCENARIO_LAT_LOGNORMAL) {
            /* The part above min is lognormal with mean (mean - min) and
             * the given stddev, so the latency's mean is mean. */
            double m = (double)(lat->mean_ns - lat->min_ns), s = (double)lat->stddev_ns;
            sigma = sqrt(log(1.0 + (s * s) / (m * m)));
            mu = log(m) - sigma * sigma / 2;
        }
        /* Truncation by redrawing; after 32 misses (an absurd setting),
         * clamp so the draw is still bounded. */
        for (int tries = 0; tries < 32; tries++) {
            double z = normal01(rng);
            v = lat->dist == SCENARIO_LAT_NORMAL ? (double)lat->mean_ns + z * (double)lat->stddev_ns
                                                 : (double)lat->min_ns + exp(mu + sigma * z);
            if (v >= (double)lat->min_ns && (lat->max_ns == 0 || v <= (double)lat->max_ns))
                break;
        }
        if (v < (double)lat->min_ns)
            v = (double)lat->min_ns;
        if (lat->max_ns != 0 && v > (double)lat->max_ns)
            v = (double)lat->max_ns;
        if (v > 9.0e18)
            v = 9.0e18;
        return (int64_t)llround(v);
    }
    }
    return lat->min_ns;
}

/* The index in n->fixed of link a-b, or n->n_fixed. A handful of links at
 * most (set by hand from the dashboard or the scenario): a scan is enough. */
static size_t fixed_index(const net *n, uint32_t a, uint32_t b)
{
    uint32_t lo = a < b ? a : b, hi = a < b ? b : a;
    size_t i = 0;
    while (i < n->n_fixed && (n->fixed[i].a != lo || n->fixed[i].b != hi))
        i++;
    return i;
}

int64_t net_latency_draw(const net *n, uint32_t src, uint32_t dst, net_rng *rng)
{
    if (n->n_fixed > 0) {
        size_t i = fixed_index(n, src, dst);
        if (i < n->n_fixed)
            return n->fixed[i].latency_ns;
    }
    int64_t v = draw_dist(&n->latency, rng);
    if (n->n_regions == 0)
        return v;
    return n->region_ns[(size_t)n->region_of[src] * n->n_regions + n->region_of[dst]] +
           (v - n->latency.min_ns);
}

/* ---- topology -------------------------------------------------------------- */

struct list {
    uint32_t *v;
    size_t len, cap;
};

static int list_has(const struct list *l, uint32_t x)
{
    for (size_t i = 0; i < l->len; i++)
        if (l->v[i] == x)
            return 1;
    return 0;
}

static int list_push(struct list *l, uint32_t x)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        uint32_t *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->len++] = x;
    return 0;
}

/* Adds the undirected edge a-b, known to be new (a star's spokes, a
 * validated edge list): no search of a's list, so a hub of n nodes costs n,
 * not n^2. */
static int push_edge(struct list *adj, uint32_t a, uint32_t b)
{
    return list_push(&adj[a], b) || list_push(&adj[b], a) ? -1 : 0;
}

/* Adds the undirected edge a-b unless present. */
static int add_edge(struct list *adj, uint32_t a, uint32_t b)
{
    if (a == b || list_has(&adj[a], b))
        return 0;
    return push_edge(adj, a, b);
}

static int build_random(struct list *adj, uint32_t count, uint32_t degree, net_rng *rng)
{
    for (uint32_t i = 0; i < count; i++)
        if (add_edge(adj, i, (i + 1) % count))
            return -1;
    for (uint32_t i = 0; i < count; i++) {
        while (adj[i].len < degree) {
            uint32_t pick = UINT32_MAX;
            /* Prefer a random node that still needs edges. */
            for (int tries = 0; tries < 64 && pick == UINT32_MAX; tries++) {
                uint32_t j = (uint32_t)uniform_below(rng, count);
                if (j != i && adj[j].len < degree && !list_has(&adj[i], j))
                    pick = j;
            }
            /* Else scan from a random start, first for a node that needs
             * edges, then for any node not yet linked. */
            for (int pass = 0; pass < 2 && pick == UINT32_MAX; pass++) {
                uint32_t start = (uint32_t)uniform_below(rng, count);
                for (uint32_t k = 0; k < count; k++) {
                    uint32_t j = (start + k) % count;
                    if (j != i && (pass == 1 || adj[j].len < degree) && !list_has(&adj[i], j)) {
                        pick = j;
                        break;
                    }
                }
            }
            if (pick == UINT32_MAX)
                break; /* i is linked to everyone */
            if (add_edge(adj, i, pick))
                return -1;
        }
    }
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int build_topology(net *n, const scenario *scn, net_rng *rng)
{
    uint32_t count = scn->n_nodes;
    int rc = -1;
    struct list *adj = calloc(count, sizeof *adj);
    if (adj == NULL)
        return -1;
    switch (scn->network.topology) {
    case SCENARIO_TOPO_FULL:
        break;
    case SCENARIO_TOPO_RANDOM:
        if (build_random(adj, count, scn->network.degree, rng))
            goto done;
        break;
    case SCENARIO_TOPO_RING:
        for (uint32_t i = 0; count > 1 && i < count; i++)
            if (add_edge(adj, i, (i + 1) % count))
                goto done;
        break;
    case SCENARIO_TOPO_STAR:
        for (uint32_t i = 0; i < count; i++)
            if (i != scn->network.center && push_edge(adj, scn->network.center, i))
                goto done;
        break;
    case SCENARIO_TOPO_EDGES:
        /* scenario validation refused loops and repeated edges */
        for (size_t i = 0; i < scn->network.n_edges; i++)
            if (push_edge(adj, scn->network.edges[i][0], scn->network.edges[i][1]))
                goto done;
        break;
    }
    size_t total = 0;
    n->offset = malloc(((size_t)count + 1) * sizeof *n->offset);
    if (n->offset == NULL)
        goto done;
    for (uint32_t i = 0; i < count; i++) {
        n->offset[i] = total;
        total += adj[i].len;
    }
    n->offset[count] = total;
    n->adjacent = malloc((total ? total : 1) * sizeof *n->adjacent);
    if (n->adjacent == NULL)
        goto done;
    for (uint32_t i = 0; i < count; i++) {
        if (adj[i].len > 0) {
            memcpy(n->adjacent + n->offset[i], adj[i].v, adj[i].len * sizeof(uint32_t));
            qsort(n->adjacent + n->offset[i], adj[i].len, sizeof(uint32_t), cmp_u32);
        }
    }
    rc = 0;
done:
    for (uint32_t i = 0; i < count; i++)
        free(adj[i].v);
    free(adj);
    return rc;
}

int net_new(net **out, const scenario *scn, net_rng rng)
{
    uint32_t count = scn->n_nodes;
    net *n = calloc(1, sizeof *n);
    *out = NULL;
    if (n == NULL)
        return -1;
    n->n_nodes = count;
    n->full_mesh = scn->network.topology == SCENARIO_TOPO_FULL;
    n->latency = scn->network.latency;
    n->bandwidth_bps = scn->network.bandwidth_bps;
    n->loss = scn->network.loss;
    n->n_regions = scn->network.n_regions;
    n->region_of = calloc(count, sizeof *n->region_of);
    n->group_of = calloc(count, sizeof *n->group_of);
    n->uplink_busy_ns = calloc(count, sizeof *n->uplink_busy_ns);
    if (n->region_of == NULL || n->group_of == NULL || n->uplink_busy_ns == NULL)
        goto fail;
    for (uint32_t i = 0; i < count; i++)
        n->region_of[i] = scn->nodes[i].region;
    if (n->n_regions > 0) {
        size_t cells = (size_t)n->n_regions * n->n_regions;
        n->region_ns = malloc(cells * sizeof *n->region_ns);
        if (n->region_ns == NULL)
            goto fail;
        memcpy(n->region_ns, scn->network.region_latency_ns, cells * sizeof *n->region_ns);
        if (scn->network.region_upload_bps != NULL || scn->network.region_download_bps != NULL) {
            n->region_bps = malloc(cells * sizeof *n->region_bps);
            if (n->region_bps == NULL)
                goto fail;
            for (uint32_t a = 0; a < n->n_regions; a++)
                for (uint32_t b = 0; b < n->n_regions; b++)
                    n->region_bps[(size_t)a * n->n_regions + b] = regions_link_bps(scn, a, b);
        }
    }
    if (build_topology(n, scn, &rng))
        goto fail;
    *out = n;
    return 0;
fail:
    net_free(n);
    return -1;
}

void net_free(net *n)
{
    if (n == NULL)
        return;
    free(n->offset);
    free(n->adjacent);
    free(n->region_of);
    free(n->region_ns);
    free(n->region_bps);
    free(n->group_of);
    free(n->cut_keys);
    free(n->cut_counts);
    free(n->uplink_busy_ns);
    free(n->fixed);
    free(n);
}

uint32_t net_node_count(const net *n)
{
    return n->n_nodes;
}

size_t net_degree(const net *n, uint32_t node)
{
    if (n->full_mesh)
        return n->n_nodes - 1;
    return n->offset[node + 1] - n->offset[node];
}

uint32_t net_neighbor(const net *n, uint32_t node, size_t i)
{
    if (n->full_mesh)
        return (uint32_t)i < node ? (uint32_t)i : (uint32_t)i + 1;
    return n->adjacent[n->offset[node] + i];
}

int net_linked(const net *n, uint32_t a, uint32_t b)
{
    if (a == b || a >= n->n_nodes || b >= n->n_nodes)
        return 0;
    if (n->full_mesh)
        return 1;
    const uint32_t *lo = n->adjacent + n->offset[a];
    return bsearch(&b, lo, n->offset[a + 1] - n->offset[a], sizeof *lo, cmp_u32) != NULL;
}

static uint64_t link_key(uint32_t a, uint32_t b)
{
    return a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
}

/* The index of key in the cut list, or where it would go (*found 0). */
static size_t cut_find(const net *n, uint64_t key, int *found)
{
    size_t lo = 0, hi = n->n_cuts;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (n->cut_keys[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < n->n_cuts && n->cut_keys[lo] == key;
    return lo;
}

int net_link_cut(const net *n, uint32_t a, uint32_t b)
{
    int found = 0;
    if (n->n_cuts > 0)
        (void)cut_find(n, link_key(a, b), &found);
    return found;
}

int net_cut(net *n, uint32_t a, uint32_t b)
{
    int found;
    uint64_t key = link_key(a, b);
    size_t i = cut_find(n, key, &found);
    if (found) {
        n->cut_counts[i]++;
        return 0;
    }
    if (n->n_cuts == n->cap_cuts) {
        size_t cap = n->cap_cuts ? 2 * n->cap_cuts : 16;
        uint64_t *k = realloc(n->cut_keys, cap * sizeof *k);
        if (k == NULL)
            return -1;
        n->cut_keys = k;
        uint32_t *c = realloc(n->cut_counts, cap * sizeof *c);
        if (c == NULL)
            return -1;
        n->cut_counts = c;
        n->cap_cuts = cap;
    }
    memmove(n->cut_keys + i + 1, n->cut_keys + i, (n->n_cuts - i) * sizeof *n->cut_keys);
    memmove(n->cut_counts + i + 1, n->cut_counts + i, (n->n_cuts - i) * sizeof *n->cut_counts);
    n->cut_keys[i] = key;
    n->cut_counts[i] = 1;
    n->n_cuts++;
    return 0;
}

int net_restore(net *n, uint32_t a, uint32_t b)
{
    int found;
    size_t i = cut_find(n, link_key(a, b), &found);
    if (!found)
        return 0;
    if (--n->cut_counts[i] > 0)
        return 0;
    memmove(n->cut_keys + i, n->cut_keys + i + 1, (n->n_cuts - i - 1) * sizeof *n->cut_keys);
    memmove(n->cut_counts + i, n->cut_counts + i + 1, (n->n_cuts - i - 1) * sizeof *n->cut_counts);
    n->n_cuts--;
    return 1;
}

int net_connected(const net *n, uint32_t a, uint32_t b)
{
    return net_linked(n, a, b) && (!n->partitioned || n->group_of[a] == n->group_of[b]) &&
           !net_link_cut(n, a, b);
}

net_send_status net_send_time(net *n, int64_t *arrive_ns, uint32_t src, uint32_t dst,
                              uint64_t size_bytes, int64_t now_ns, net_rng *rng)
{
    *arrive_ns = 0;
    if (!net_linked(n, src, dst))
        return NET_NO_LINK;
    if ((n->partitioned && n->group_of[src] != n->group_of[dst]) ||
        (n->n_cuts > 0 && net_link_cut(n, src, dst)))
        return NET_DROPPED_PARTITION;
    int64_t start = now_ns > n->uplink_busy_ns[src] ? now_ns : n->uplink_busy_ns[src];
    int64_t tx_ns = 0;
    uint64_t bps =
        n->region_bps == NULL
            ? n->bandwidth_bps
            : n->region_bps[(size_t)n->region_of[src] * n->n_regions + n->region_of[dst]];
    if (bps > 0) {
        /* ceil(size * 8 * 1e9 / bps), in 128 bits. */
        unsigned __int128 bits_ns =
            (unsigned __int128)size_bytes * 8u * (uint64_t)TIMEUNIT_NS_PER_S;
        unsigned __int128 t = (bits_ns + bps - 1) / bps;
        tx_ns = t > (unsigned __int128)INT64_MAX / 4 ? INT64_MAX / 4 : (int64_t)t;
    }
    n->uplink_busy_ns[src] = start + tx_ns;
    int64_t arrive = start + tx_ns + net_latency_draw(n, src, dst, rng);
    if (n->loss > 0 && uniform01(rng) < n->loss)
        return NET_DROPPED_LOSS;
    *arrive_ns = arrive;
    return NET_DELIVERED;
}

int64_t net_uplink_busy_until_ns(const net *n, uint32_t src)
{
    return n->uplink_busy_ns[src];
}

void net_uplink_reset(net *n, uint32_t src)
{
    n->uplink_busy_ns[src] = 0;
}

int net_partition(net *n, const uint32_t *group_of, size_t count)
{
    if (count != n->n_nodes)
        return -1;
    memcpy(n->group_of, group_of, count * sizeof *group_of);
    n->partitioned = 1;
    return 0;
}

int net_set_link_latency(net *n, uint32_t a, uint32_t b, int64_t latency_ns)
{
    if (a >= n->n_nodes || b >= n->n_nodes || a == b || !net_linked(n, a, b) || latency_ns < 0)
        return -1;
    size_t i = fixed_index(n, a, b);
    if (latency_ns == 0) { /* back to the scenario's latency */
        if (i < n->n_fixed)
            n->fixed[i] = n->fixed[--n->n_fixed];
        return 0;
    }
    if (i == n->n_fixed) {
        if (n->n_fixed == n->cap_fixed) {
            size_t cap = n->cap_fixed ? 2 * n->cap_fixed : 4;
            net_link_latency *p = realloc(n->fixed, cap * sizeof *p);
            if (p == NULL)
                return -1;
            n->fixed = p;
            n->cap_fixed = cap;
        }
        n->n_fixed++;
        n->fixed[i].a = a < b ? a : b;
        n->fixed[i].b = a < b ? b : a;
    }
    n->fixed[i].latency_ns = latency_ns;
    return 0;
}

int64_t net_link_latency_ns(const net *n, uint32_t a, uint32_t b)
{
    size_t i = fixed_index(n, a, b);
    return i < n->n_fixed ? n->fixed[i].latency_ns : 0;
}

void net_heal(net *n)
{
    n->partitioned = 0;
    memset(n->group_of, 0, n->n_nodes * sizeof *n->group_of);
}
