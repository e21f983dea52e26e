/* Scenario parsing and validation. The JSON is walked once, section by
 * section, in an order where everything a check needs is already known
 * (node count and regions before node_overrides, duration and wallets before
 * events). Every check that fails writes one message "FILE: PATH: what was
 * expected, got WHAT" and stops. Each object lists the keys it accepts, so a
 * misspelt key is an error (with the nearest valid key suggested) rather
 * than a silently ignored default. */
#include "scenario.h"
#include "fileout.h"
#include "jsonread.h"
#include "regions.h"
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NODES 100000u
#define MAX_WALLETS 1000000u
#define MAX_REGIONS 64u
#define MAX_EXACT ((uint64_t)1 << 53) /* larger JSON numbers are not exact */

static const char *const status_messages[] = {
#define SCENARIO_MSG(code, msg) msg,
    SCENARIO_STATUS_MAP(SCENARIO_MSG)
#undef SCENARIO_MSG
};

const char *scenario_strerror(scenario_status status)
{
    if ((size_t)status >= sizeof status_messages / sizeof status_messages[0])
        return "unknown status";
    return status_messages[status];
}

#define SCENARIO_NAME(code, name) name,
static const char *const consensus_names[] = {SCENARIO_CONSENSUS_MAP(SCENARIO_NAME) NULL};
static const char *const topology_names[] = {SCENARIO_TOPOLOGY_MAP(SCENARIO_NAME) NULL};
static const char *const latency_names[] = {SCENARIO_LATENCY_MAP(SCENARIO_NAME) NULL};
static const char *const event_names[] = {SCENARIO_EVENT_MAP(SCENARIO_NAME) NULL};
#undef SCENARIO_NAME

static const char *enum_name(const char *const *names, size_t count, unsigned v)
{
    return v < count ? names[v] : "?";
}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]) - 1)

const char *scenario_consensus_name(scenario_consensus c)
{
    return enum_name(consensus_names, COUNT(consensus_names), (unsigned)c);
}
const char *scenario_topology_name(scenario_topology t)
{
    return enum_name(topology_names, COUNT(topology_names), (unsigned)t);
}
const char *scenario_latency_name(scenario_latency_dist d)
{
    return enum_name(latency_names, COUNT(latency_names), (unsigned)d);
}
const char *scenario_event_name(scenario_event_type t)
{
    return enum_name(event_names, COUNT(event_names), (unsigned)t);
}

/* ---- getters for the scenario's own value types ---------------------------- */

/* All follow jsonread's order: context, output, object and key (key NULL:
 * the value itself), then what they need, then JSONREAD_REQUIRED or
 * JSONREAD_OPTIONAL. An absent optional value leaves *out as it was, so a
 * caller sets the default first. */

#define MAX_DURATION_NS ((int64_t)1 << 61)

static jsonread_status get_duration(jsonread *jr, int64_t *out, const cJSON *obj, const char *key,
                                    unsigned flags)
{
    const cJSON *it = key != NULL ? jsonread_member(obj, key) : obj;
    char g[64];
    int64_t v = 0;
    if (it == NULL)
        return (flags & JSONREAD_REQUIRED)
                   ? jsonread_fail(jr, JSONREAD_E_MISSING, obj, key,
                                   "missing, expected a duration like \"250ms\" or \"2m\"")
                   : JSONREAD_OK;
    units_status st;
    if (cJSON_IsString(it))
        st = units_parse_duration_ns(&v, it->valuestring);
    else if (cJSON_IsNumber(it))
        st = units_seconds_to_ns(&v, it->valuedouble);
    else
        return jsonread_fail(jr, JSONREAD_E_TYPE, obj, key,
                             "expected a duration like \"250ms\" or a number of seconds, got %s",
                             jsonread_got(g, sizeof g, it));
    if (st != UNITS_OK)
        return jsonread_fail(jr, JSONREAD_E_RANGE, obj, key,
                             "expected a duration like \"250ms\" (units ns, us, ms, s, m, h, d), "
                             "got %s (%s)",
                             jsonread_got(g, sizeof g, it), units_strerror(st));
    /* Virtual times add durations (a send time and a latency, a sample and
     * its interval): keeping each below 2^61 ns (73 years) keeps every sum
     * of a few of them inside int64. */
    if (v > MAX_DURATION_NS)
        return jsonread_fail(jr, JSONREAD_E_RANGE, obj, key,
                             "expected a duration of at most 73 years, got %s",
                             jsonread_got(g, sizeof g, it));
    *out = v;
    return JSONREAD_OK;
}

/* One of names (NULL-terminated); writes the index. */
static jsonread_status get_enum(jsonread *jr, unsigned *out, const cJSON *obj, const char *key,
                                const char *const *names, unsigned flags)
{
    const cJSON *it = jsonread_member(obj, key);
    char g[64], list[200] = "";
    for (const char *const *n = names; *n != NULL; n++) {
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s\"%s\"", l ? ", " : "", *n);
    }
    if (it == NULL)
        return (flags & JSONREAD_REQUIRED)
                   ? jsonread_fail(jr, JSONREAD_E_MISSING, obj, key, "missing, expected %s", list)
                   : JSONREAD_OK;
    if (cJSON_IsString(it))
        for (unsigned i = 0; names[i] != NULL; i++)
            if (strcmp(names[i], it->valuestring) == 0) {
                *out = i;
                return JSONREAD_OK;
            }
    return jsonread_fail(jr, cJSON_IsString(it) ? JSONREAD_E_RANGE : JSONREAD_E_TYPE, obj, key,
                         "expected one of %s, got %s", list, jsonread_got(g, sizeof g, it));
}

static jsonread_status get_hashrate(jsonread *jr, double *out, const cJSON *obj, const char *key,
                                    unsigned flags)
{
    const cJSON *it = jsonread_member(obj, key);
    char g[64];
    double v = 0;
    if (it == NULL)
        return (flags & JSONREAD_REQUIRED)
                   ? jsonread_fail(jr, JSONREAD_E_MISSING, obj, key,
                                   "missing, expected a hash rate like \"1M\" or \"2.5kH/s\"")
                   : JSONREAD_OK;
    units_status st = UNITS_OK;
    if (cJSON_IsString(it))
        st = units_parse_hashrate_hps(&v, it->valuestring);
    else if (cJSON_IsNumber(it) && it->valuedouble >= 0 && it->valuedouble <= 1e18)
        v = it->valuedouble;
    else if (cJSON_IsNumber(it))
        st = UNITS_OVERFLOW;
    else
        return jsonread_fail(
            jr, JSONREAD_E_TYPE, obj, key,
            "expected a hash rate like \"1M\" or a number of hashes per second, got %s",
            jsonread_got(g, sizeof g, it));
    if (st != UNITS_OK)
        return jsonread_fail(
            jr, JSONREAD_E_RANGE, obj, key,
            "expected a hash rate in [0, 1e18] like \"1M\" or \"2.5kH/s\", got %s (%s)",
            jsonread_got(g, sizeof g, it), units_strerror(st));
    *out = v;
    return JSONREAD_OK;
}

/* A 1-based number in [1, count] (of a node or a wallet: what), written
 * 0-based. */
static jsonread_status get_ref(jsonread *jr, uint32_t *out, const cJSON *obj, const char *key,
                               uint32_t count, const char *what, unsigned flags)
{
    const cJSON *it = key != NULL ? jsonread_member(obj, key) : obj;
    char g[64];
    if (it == NULL)
        return (flags & JSONREAD_REQUIRED)
                   ? jsonread_fail(jr, JSONREAD_E_MISSING, obj, key,
                                   "missing, expected a %s number in [1, %u]", what, count)
                   : JSONREAD_OK;
    if (!cJSON_IsNumber(it))
        return jsonread_fail(jr, JSONREAD_E_TYPE, obj, key,
                             "expected a %s number in [1, %u], got %s", what, count,
                             jsonread_got(g, sizeof g, it));
    double d = it->valuedouble;
    if (d != floor(d) || d < 1 || d > (double)count)
        return jsonread_fail(jr, JSONREAD_E_RANGE, obj, key,
                             "expected a %s number in [1, %u], got %s", what, count,
                             jsonread_got(g, sizeof g, it));
    *out = (uint32_t)d - 1;
    return JSONREAD_OK;
}

/* A two-element array of references (double_spend's to and nodes). */
static jsonread_status get_pair(jsonread *jr, uint32_t out[2], const cJSON *obj, const char *key,
                                uint32_t count, const char *what)
{
    const cJSON *a = jsonread_member(obj, key);
    char g[64];
    if (a == NULL)
        return jsonread_fail(jr, JSONREAD_E_MISSING, obj, key,
                             "missing, expected a pair [a, b] of %s numbers", what);
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != 2)
        return jsonread_fail(jr, JSONREAD_E_TYPE, obj, key,
                             "expected a pair [a, b] of %s numbers, got %s", what,
                             jsonread_got(g, sizeof g, a));
    if (get_ref(jr, &out[0], a->child, NULL, count, what, JSONREAD_REQUIRED) ||
        get_ref(jr, &out[1], a->child->next, NULL, count, what, JSONREAD_REQUIRED))
        return jr->status;
    return JSONREAD_OK;
}

/* ---- sections ------------------------------------------------------------ */

static jsonread_status parse_nodes(jsonread *jr, scenario *s, const cJSON *root)
{
    static const char *const keys[] = {"count", "hashrate", "stake", NULL};
    const cJSON *it = jsonread_member(root, "nodes");
    char g[64];
    uint32_t count = 4;
    s->default_hashrate_hps = 50000;
    s->default_stake = 100;
    if (it == NULL) {
    } else if (cJSON_IsNumber(it)) {
        if (jsonread_u32(jr, &count, root, "nodes", 1, MAX_NODES, JSONREAD_REQUIRED))
            return jr->status;
    } else if (cJSON_IsObject(it)) {
        if (jsonread_only_keys(jr, it, keys) ||
            jsonread_u32(jr, &count, it, "count", 1, MAX_NODES, JSONREAD_OPTIONAL) ||
            get_hashrate(jr, &s->default_hashrate_hps, it, "hashrate", JSONREAD_OPTIONAL) ||
            jsonread_u64(jr, &s->default_stake, it, "stake", 0, MAX_EXACT, JSONREAD_OPTIONAL))
            return jr->status;
    } else {
        return jsonread_fail(jr, JSONREAD_E_TYPE, root, "nodes",
                             "expected a node count or an object {count, hashrate, stake}, got %s",
                             jsonread_got(g, sizeof g, it));
    }
    s->n_nodes = count;
    s->nodes = calloc(count, sizeof *s->nodes);
    if (s->nodes == NULL)
        return jsonread_fail(jr, JSONREAD_E_NOMEM, root, "nodes", "out of memory");
    for (uint32_t i = 0; i < count; i++) {
        s->nodes[i].hashrate_hps = s->default_hashrate_hps;
        s->nodes[i].stake = s->default_stake;
    }
    return JSONREAD_OK;
}

/* consensus.pow.max_block_bytes: a size with its unit, or a number of bytes. */
static jsonread_status get_block_size(jsonread *jr, uint64_t *out, const cJSON *pow)
{
    const cJSON *mb = jsonread_member(pow, "max_block_bytes");
    char g[64];
    if (mb == NULL)
        return JSONREAD_OK;
    units_status st = UNITS_OK;
    uint64_t v = 0;
    if (cJSON_IsString(mb))
        st = units_parse_size_bytes(&v, mb->valuestring);
    else if (cJSON_IsNumber(mb) && mb->valuedouble == floor(mb->valuedouble) &&
             mb->valuedouble >= 0 && mb->valuedouble <= (double)MAX_EXACT)
        v = (uint64_t)mb->valuedouble;
    else
        st = UNITS_BAD_NUMBER;
    if (st != UNITS_OK || v < 1000 || v > (1u << 30))
        return jsonread_fail(
            jr, cJSON_IsString(mb) || cJSON_IsNumber(mb) ? JSONREAD_E_RANGE : JSONREAD_E_TYPE, pow,
            "max_block_bytes",
            "expected a size in [1000 B, 1 GiB] like \"1MB\" or a number of bytes, got %s",
            jsonread_got(g, sizeof g, mb));
    *out = v;
    return JSONREAD_OK;
}

static jsonread_status parse_pow(jsonread *jr, scenario *s, const cJSON *pow)
{
    static const char *const keys[] = {"expected_hashes_per_block", "target_block_interval",
                                       "retarget_interval",         "reward",
                                       "max_block_bytes",           NULL};
    s->consensus.pow.expected_hashes_per_block = 2000000;
    s->consensus.pow.target_block_interval_ns = 10000000000LL;
    s->consensus.pow.retarget_interval = 2016;
    s->consensus.pow.reward = 5000000000ULL;
    s->consensus.pow.max_block_bytes = 1000000;
    if (jsonread_only_keys(jr, pow, keys) ||
        jsonread_u64(jr, &s->consensus.pow.expected_hashes_per_block, pow,
                     "expected_hashes_per_block", 1, MAX_EXACT, JSONREAD_OPTIONAL) ||
        get_duration(jr, &s->consensus.pow.target_block_interval_ns, pow, "target_block_interval",
                     JSONREAD_OPTIONAL) ||
        jsonread_u32(jr, &s->consensus.pow.retarget_interval, pow, "retarget_interval", 1, 1000000,
                     JSONREAD_OPTIONAL) ||
        jsonread_u64(jr, &s->consensus.pow.reward, pow, "reward", 0, MAX_EXACT, JSONREAD_OPTIONAL))
        return jr->status;
    if (s->consensus.pow.target_block_interval_ns <= 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, pow, "target_block_interval",
                             "expected a positive duration, got 0");
    return get_block_size(jr, &s->consensus.pow.max_block_bytes, pow);
}

static jsonread_status parse_pos(jsonread *jr, scenario *s, const cJSON *pos)
{
    static const char *const keys[] = {"slot", "active_slot_coeff", "k", "epoch_slots", "reward",
                                       NULL};
    s->consensus.pos.slot_ns = 1000000000LL;
    s->consensus.pos.active_slot_coeff = 0.05;
    s->consensus.pos.k = 10;
    s->consensus.pos.epoch_slots = 100;
    s->consensus.pos.reward = 5000000000ULL;
    if (jsonread_only_keys(jr, pos, keys) ||
        get_duration(jr, &s->consensus.pos.slot_ns, pos, "slot", JSONREAD_OPTIONAL) ||
        jsonread_double(jr, &s->consensus.pos.active_slot_coeff, pos, "active_slot_coeff", 0, 1,
                        JSONREAD_OPTIONAL | JSONREAD_ABOVE_MIN) ||
        jsonread_u32(jr, &s->consensus.pos.k, pos, "k", 1, 1000000, JSONREAD_OPTIONAL) ||
        jsonread_u32(jr, &s->consensus.pos.epoch_slots, pos, "epoch_slots", 1, 100000000,
                     JSONREAD_OPTIONAL) ||
        jsonread_u64(jr, &s->consensus.pos.reward, pos, "reward", 0, MAX_EXACT, JSONREAD_OPTIONAL))
        return jr->status;
    if (s->consensus.pos.slot_ns <= 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, pos, "slot",
                             "expected a positive duration, got 0");
    return JSONREAD_OK;
}

static jsonread_status parse_consensus(jsonread *jr, scenario *s, const cJSON *root)
{
    static const char *const keys[] = {"type", "pow", "pos", NULL};
    const cJSON *cons = NULL, *pow = NULL, *pos = NULL;
    unsigned type = SCENARIO_POW;
    if (jsonread_object(jr, &cons, root, "consensus", JSONREAD_OPTIONAL) ||
        jsonread_only_keys(jr, cons, keys) ||
        get_enum(jr, &type, cons, "type", consensus_names, JSONREAD_OPTIONAL) ||
        jsonread_object(jr, &pow, cons, "pow", JSONREAD_OPTIONAL) ||
        jsonread_object(jr, &pos, cons, "pos", JSONREAD_OPTIONAL))
        return jr->status;
    s->consensus.type = (scenario_consensus)type;
    if (parse_pow(jr, s, pow) || parse_pos(jr, s, pos))
        return jr->status;
    return JSONREAD_OK;
}

/* network.latency as an object {dist, ...}. */
static jsonread_status parse_latency_dist(jsonread *jr, scenario_latency *lat, const cJSON *it)
{
    static const char *const k_constant[] = {"dist", "mean", NULL};
    static const char *const k_uniform[] = {"dist", "min", "max", NULL};
    static const char *const k_shaped[] = {"dist", "mean", "stddev", "min", "max", NULL};
    unsigned dist = SCENARIO_LAT_CONSTANT;
    const unsigned R = JSONREAD_REQUIRED;
    if (get_enum(jr, &dist, it, "dist", latency_names, JSONREAD_OPTIONAL))
        return jr->status;
    lat->dist = (scenario_latency_dist)dist;
    switch (lat->dist) {
    case SCENARIO_LAT_CONSTANT:
        if (jsonread_only_keys(jr, it, k_constant) ||
            get_duration(jr, &lat->mean_ns, it, "mean", R))
            return jr->status;
        if (lat->mean_ns <= 0)
            return jsonread_fail(jr, JSONREAD_E_RANGE, it, "mean",
                                 "expected a positive latency (it is the lookahead), got 0");
        lat->min_ns = lat->max_ns = lat->mean_ns;
        return JSONREAD_OK;
    case SCENARIO_LAT_UNIFORM:
        if (jsonread_only_keys(jr, it, k_uniform) || get_duration(jr, &lat->min_ns, it, "min", R) ||
            get_duration(jr, &lat->max_ns, it, "max", R))
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
            get_duration(jr, &lat->mean_ns, it, "mean", R) ||
            get_duration(jr, &lat->stddev_ns, it, "stddev", R) ||
            get_duration(jr, &lat->min_ns, it, "min", R) ||
            get_duration(jr, &lat->max_ns, it, "max", JSONREAD_OPTIONAL))
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
        lat->mean_ns = 50000000LL;
        if (get_duration(jr, &lat->mean_ns, net, "latency", JSONREAD_OPTIONAL))
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
    if (get_ref(jr, &ab[0], e->child, NULL, n_nodes, "node", JSONREAD_REQUIRED) ||
        get_ref(jr, &ab[1], e->child->next, NULL, n_nodes, "node", JSONREAD_REQUIRED))
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
        if (get_enum(jr, &type, net, "topology", topology_names, JSONREAD_OPTIONAL))
            return jr->status;
        topo = NULL;
    } else if (topo != NULL && !cJSON_IsObject(topo)) {
        return jsonread_fail(jr, JSONREAD_E_TYPE, net, "topology",
                             "expected a type name or an object {type, ...}, got %s",
                             jsonread_got(g, sizeof g, topo));
    } else if (get_enum(jr, &type, topo, "type", topology_names, JSONREAD_OPTIONAL)) {
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
        return jsonread_u32(jr, &s->network.degree, topo, "degree", lo, hi, JSONREAD_OPTIONAL);
    }
    case SCENARIO_TOPO_STAR:
        return get_ref(jr, &s->network.center, topo, "center", n, "node", JSONREAD_OPTIONAL);
    case SCENARIO_TOPO_EDGES:
        if (topo == NULL)
            return jsonread_fail_path(jr, JSONREAD_E_MISSING, "network.topology.edges",
                                      "missing, expected an array of [a, b] node pairs");
        return parse_edges(jr, s, topo);
    default:
        return JSONREAD_OK;
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
            jsonread_got(g, sizeof g, bw), units_strerror(st));
    return JSONREAD_OK;
}

static jsonread_status parse_network(jsonread *jr, scenario *s, const cJSON *root)
{
    static const char *const keys[] = {"topology", "latency", "bandwidth", "loss", "regions", NULL};
    const cJSON *net = NULL;
    if (jsonread_object(jr, &net, root, "network", JSONREAD_OPTIONAL) ||
        jsonread_only_keys(jr, net, keys) || parse_topology(jr, s, net) ||
        parse_latency(jr, &s->network.latency, net) || parse_regions(jr, s, net) ||
        jsonread_double(jr, &s->network.loss, net, "loss", 0, 0.999999, JSONREAD_OPTIONAL) ||
        parse_bandwidth(jr, &s->network.bandwidth_bps, net))
        return jr->status;
    return JSONREAD_OK;
}

/* node_overrides[i].region: a name from network.regions.names. */
static jsonread_status get_region(jsonread *jr, uint32_t *out, const scenario *s, const cJSON *o)
{
    const cJSON *reg = jsonread_member(o, "region");
    char g[64];
    if (reg == NULL)
        return JSONREAD_OK;
    if (s->network.n_regions == 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, o, "region",
                             "no regions are defined (network.regions)");
    for (uint32_t r = 0; cJSON_IsString(reg) && r < s->network.n_regions; r++)
        if (strcmp(reg->valuestring, s->network.region_names[r]) == 0) {
            *out = r;
            return JSONREAD_OK;
        }
    return jsonread_fail(jr, cJSON_IsString(reg) ? JSONREAD_E_RANGE : JSONREAD_E_TYPE, o, "region",
                         "expected a region name from network.regions.names, got %s",
                         jsonread_got(g, sizeof g, reg));
}

/* One node_overrides entry; seen[node] is 1 + the index of the entry that
 * overrode node, 0 for none yet. */
static jsonread_status parse_override(jsonread *jr, scenario *s, size_t *seen, size_t i,
                                      const cJSON *o)
{
    static const char *const keys[] = {"node", "hashrate", "stake", "region", "join_at", NULL};
    char g[64];
    uint32_t node = 0;
    if (!cJSON_IsObject(o))
        return jsonread_fail(jr, JSONREAD_E_TYPE, o, NULL, "expected an object {node, ...}, got %s",
                             jsonread_got(g, sizeof g, o));
    if (jsonread_only_keys(jr, o, keys) ||
        get_ref(jr, &node, o, "node", s->n_nodes, "node", JSONREAD_REQUIRED))
        return jr->status;
    if (seen[node])
        return jsonread_fail(jr, JSONREAD_E_RANGE, o, "node",
                             "node %u is already overridden at node_overrides[%zu]", node + 1,
                             seen[node] - 1);
    seen[node] = i + 1;
    scenario_node *nd = &s->nodes[node];
    if (get_hashrate(jr, &nd->hashrate_hps, o, "hashrate", JSONREAD_OPTIONAL) ||
        jsonread_u64(jr, &nd->stake, o, "stake", 0, MAX_EXACT, JSONREAD_OPTIONAL) ||
        get_duration(jr, &nd->join_at_ns, o, "join_at", JSONREAD_OPTIONAL))
        return jr->status;
    if (nd->join_at_ns >= s->duration_ns)
        return jsonread_fail(jr, JSONREAD_E_RANGE, o, "join_at",
                             "expected a time before the end of the run (%lld ns)",
                             (long long)s->duration_ns);
    return get_region(jr, &nd->region, s, o);
}

static jsonread_status parse_overrides(jsonread *jr, scenario *s, const cJSON *root)
{
    const cJSON *ov = NULL, *o;
    size_t i = 0;
    char g[64];
    ov = jsonread_member(root, "node_overrides");
    if (ov == NULL)
        return JSONREAD_OK;
    if (!cJSON_IsArray(ov))
        return jsonread_fail(jr, JSONREAD_E_TYPE, root, "node_overrides",
                             "expected an array of objects, got %s", jsonread_got(g, sizeof g, ov));
    size_t *seen = calloc(s->n_nodes, sizeof *seen);
    if (seen == NULL)
        return jsonread_fail(jr, JSONREAD_E_NOMEM, ov, NULL, "out of memory");
    cJSON_ArrayForEach(o, ov)
    {
        if (parse_override(jr, s, seen, i++, o))
            break;
    }
    free(seen);
    return jr->status;
}

/* workload.rate: a rate like "2/s", or a number per second. */
static jsonread_status get_rate(jsonread *jr, double *out, const cJSON *w)
{
    const cJSON *rate = jsonread_member(w, "rate");
    char g[64];
    if (rate == NULL)
        return JSONREAD_OK;
    units_status st = UNITS_OK;
    double v = 0;
    if (cJSON_IsString(rate))
        st = units_parse_rate_per_s(&v, rate->valuestring);
    else if (cJSON_IsNumber(rate) && rate->valuedouble >= 0 && rate->valuedouble <= 1e6)
        v = rate->valuedouble;
    else if (cJSON_IsNumber(rate))
        st = UNITS_OVERFLOW;
    else
        return jsonread_fail(jr, JSONREAD_E_TYPE, w, "rate",
                             "expected a rate like \"2/s\" or a number per second, got %s",
                             jsonread_got(g, sizeof g, rate));
    if (st != UNITS_OK || v > 1e6)
        return jsonread_fail(
            jr, JSONREAD_E_RANGE, w, "rate",
            "expected a rate in [0, 1e6] per second like \"2/s\" or \"30/m\", got %s",
            jsonread_got(g, sizeof g, rate));
    *out = v;
    return JSONREAD_OK;
}

static jsonread_status parse_workload(jsonread *jr, scenario *s, const cJSON *root)
{
    static const char *const keys[] = {"wallets", "rate",          "amount_min", "amount_max",
                                       "fee",     "confirmations", NULL};
    const cJSON *w = NULL;
    s->workload.wallets = 20;
    s->workload.amount_min = 1000;
    s->workload.fee = 100;
    s->workload.confirmations = 6;
    s->workload.rate_per_s = 0.1;
    if (jsonread_object(jr, &w, root, "workload", JSONREAD_OPTIONAL) ||
        jsonread_only_keys(jr, w, keys) ||
        jsonread_u32(jr, &s->workload.wallets, w, "wallets", 0, MAX_WALLETS, JSONREAD_OPTIONAL) ||
        jsonread_u64(jr, &s->workload.amount_min, w, "amount_min", 1, MAX_EXACT, JSONREAD_OPTIONAL))
        return jr->status;
    s->workload.amount_max = s->workload.amount_min > 100000 ? s->workload.amount_min : 100000;
    if (jsonread_u64(jr, &s->workload.amount_max, w, "amount_max", s->workload.amount_min,
                     MAX_EXACT, JSONREAD_OPTIONAL) ||
        jsonread_u64(jr, &s->workload.fee, w, "fee", 0, MAX_EXACT, JSONREAD_OPTIONAL) ||
        jsonread_u32(jr, &s->workload.confirmations, w, "confirmations", 1, 10000,
                     JSONREAD_OPTIONAL) ||
        get_rate(jr, &s->workload.rate_per_s, w))
        return jr->status;
    if (s->workload.rate_per_s > 0 && s->workload.wallets < 2)
        return jsonread_fail(jr, JSONREAD_E_RANGE, w, "wallets",
                             "expected at least 2 wallets when workload.rate > 0, got %u",
                             s->workload.wallets);
    return JSONREAD_OK;
}

/* Node numbers of a partition event's groups: each node in exactly one group. */
static jsonread_status parse_groups(jsonread *jr, scenario *s, scenario_event *ev, const cJSON *e)
{
    const cJSON *groups = jsonread_member(e, "groups"), *grp, *it;
    char g[64];
    if (groups == NULL)
        return jsonread_fail(jr, JSONREAD_E_MISSING, e, "groups",
                             "missing, expected an array of node groups like [[1,2],[3,4]]");
    if (!cJSON_IsArray(groups) || cJSON_GetArraySize(groups) < 2)
        return jsonread_fail(
            jr, JSONREAD_E_RANGE, e, "groups",
            "expected an array of at least 2 node groups like [[1,2],[3,4]], got %s",
            jsonread_got(g, sizeof g, groups));
    ev->n_groups = (uint32_t)cJSON_GetArraySize(groups);
    ev->group_of = malloc(s->n_nodes * sizeof *ev->group_of);
    if (ev->group_of == NULL)
        return jsonread_fail(jr, JSONREAD_E_NOMEM, groups, NULL, "out of memory");
    for (uint32_t i = 0; i < s->n_nodes; i++)
        ev->group_of[i] = UINT32_MAX;
    uint32_t k = 0;
    cJSON_ArrayForEach(grp, groups)
    {
        if (!cJSON_IsArray(grp) || grp->child == NULL)
            return jsonread_fail(jr, JSONREAD_E_RANGE, grp, NULL,
                                 "expected a non-empty array of nodes, got %s",
                                 jsonread_got(g, sizeof g, grp));
        cJSON_ArrayForEach(it, grp)
        {
            uint32_t node = 0;
            if (get_ref(jr, &node, it, NULL, s->n_nodes, "node", JSONREAD_REQUIRED))
                return jr->status;
            if (ev->group_of[node] != UINT32_MAX)
                return jsonread_fail(jr, JSONREAD_E_RANGE, it, NULL,
                                     "node %u is already in group %u: groups must not overlap",
                                     node + 1, ev->group_of[node]);
            ev->group_of[node] = k;
        }
        k++;
    }
    for (uint32_t i = 0; i < s->n_nodes; i++)
        if (ev->group_of[i] == UINT32_MAX)
            return jsonread_fail(jr, JSONREAD_E_RANGE, groups, NULL,
                                 "node %u is in no group: groups must cover all %u nodes", i + 1,
                                 s->n_nodes);
    return JSONREAD_OK;
}

static jsonread_status parse_event(jsonread *jr, scenario *s, scenario_event *ev, const cJSON *e)
{
    static const char *const k_partition[] = {"at", "type", "groups", NULL};
    static const char *const k_heal[] = {"at", "type", NULL};
    static const char *const k_node[] = {"at", "type", "node", NULL};
    static const char *const k_hash[] = {"at", "type", "node", "hashrate", NULL};
    static const char *const k_stake[] = {"at", "type", "node", "stake", NULL};
    static const char *const k_tx[] = {"at", "type", "from", "to", "amount", "node", NULL};
    static const char *const k_ds[] = {"at", "type", "from", "to", "amount", "nodes", NULL};
    static const char *const *const keys[] = {k_partition, k_heal,  k_node, k_node,
                                              k_hash,      k_stake, k_tx,   k_ds};
    const unsigned R = JSONREAD_REQUIRED;
    char g[64];
    unsigned type = 0;
    uint32_t w = s->workload.wallets, n = s->n_nodes;
    if (!cJSON_IsObject(e))
        return jsonread_fail(jr, JSONREAD_E_TYPE, e, NULL,
                             "expected an object {at, type, ...}, got %s",
                             jsonread_got(g, sizeof g, e));
    if (get_enum(jr, &type, e, "type", event_names, R) || jsonread_only_keys(jr, e, keys[type]) ||
        get_duration(jr, &ev->at_ns, e, "at", R))
        return jr->status;
    ev->type = (scenario_event_type)type;
    if (ev->at_ns >= s->duration_ns)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "at",
                             "expected a time before the end of the run (duration %lld ns), got %s",
                             (long long)s->duration_ns,
                             jsonread_got(g, sizeof g, jsonread_member(e, "at")));
    switch (ev->type) {
    case SCENARIO_EV_PARTITION:
        return parse_groups(jr, s, ev, e);
    case SCENARIO_EV_HEAL:
        return JSONREAD_OK;
    case SCENARIO_EV_CRASH:
    case SCENARIO_EV_RESTART:
        return get_ref(jr, &ev->node, e, "node", n, "node", R);
    case SCENARIO_EV_SET_HASHRATE:
        if (get_ref(jr, &ev->node, e, "node", n, "node", R))
            return jr->status;
        return get_hashrate(jr, &ev->hashrate_hps, e, "hashrate", R);
    case SCENARIO_EV_SET_STAKE:
        if (get_ref(jr, &ev->node, e, "node", n, "node", R))
            return jr->status;
        return jsonread_u64(jr, &ev->stake, e, "stake", 0, MAX_EXACT, R);
    case SCENARIO_EV_TX:
        ev->node = 0;
        if (get_ref(jr, &ev->from, e, "from", w, "wallet", R) ||
            get_ref(jr, &ev->to[0], e, "to", w, "wallet", R) ||
            jsonread_u64(jr, &ev->amount, e, "amount", 1, MAX_EXACT, R))
            return jr->status;
        return get_ref(jr, &ev->node, e, "node", n, "node", JSONREAD_OPTIONAL);
    case SCENARIO_EV_DOUBLE_SPEND:
        if (get_ref(jr, &ev->from, e, "from", w, "wallet", R) ||
            get_pair(jr, ev->to, e, "to", w, "wallet") ||
            jsonread_u64(jr, &ev->amount, e, "amount", 1, MAX_EXACT, R))
            return jr->status;
        return get_pair(jr, ev->nodes, e, "nodes", n, "node");
    }
    return JSONREAD_OK;
}

struct order {
    int64_t at_ns;
    size_t index;
    const cJSON *json; /* the event in the file, for messages */
};

static int cmp_order(const void *a, const void *b)
{
    const struct order *x = a, *y = b;
    if (x->at_ns != y->at_ns)
        return x->at_ns < y->at_ns ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Crash and restart must alternate per node; heal needs a partition. */
static jsonread_status check_event_sequence(jsonread *jr, scenario *s, const struct order *ord)
{
    unsigned char *down = calloc(s->n_nodes, 1);
    int partitioned = 0;
    if (down == NULL)
        return jsonread_fail_path(jr, JSONREAD_E_NOMEM, "events", "out of memory");
    for (size_t i = 0; i < s->n_events && jr->status == JSONREAD_OK; i++) {
        const scenario_event *ev = &s->events[i];
        const cJSON *at = ord[i].json;
        int node_event = ev->type == SCENARIO_EV_CRASH || ev->type == SCENARIO_EV_RESTART;
        if (node_event && ev->at_ns < s->nodes[ev->node].join_at_ns)
            jsonread_fail(jr, JSONREAD_E_RANGE, at, NULL,
                          "node %u joins at %.3f s: it cannot crash or restart before it joins",
                          ev->node + 1, (double)s->nodes[ev->node].join_at_ns / 1e9);
        else if (ev->type == SCENARIO_EV_CRASH && down[ev->node])
            jsonread_fail(jr, JSONREAD_E_RANGE, at, NULL, "node %u is already crashed at this time",
                          ev->node + 1);
        else if (ev->type == SCENARIO_EV_RESTART && !down[ev->node])
            jsonread_fail(jr, JSONREAD_E_RANGE, at, NULL,
                          "node %u is not crashed at this time: restart needs an earlier crash",
                          ev->node + 1);
        else if (ev->type == SCENARIO_EV_HEAL && !partitioned)
            jsonread_fail(jr, JSONREAD_E_RANGE, at, NULL, "heal without an earlier partition");
        if (node_event)
            down[ev->node] = ev->type == SCENARIO_EV_CRASH;
        if (ev->type == SCENARIO_EV_PARTITION || ev->type == SCENARIO_EV_HEAL)
            partitioned = ev->type == SCENARIO_EV_PARTITION;
    }
    free(down);
    return jr->status;
}

static jsonread_status parse_events(jsonread *jr, scenario *s, const cJSON *root)
{
    const cJSON *evs = NULL, *e;
    size_t n = 0, i = 0;
    if (jsonread_array(jr, &evs, &n, root, "events", JSONREAD_OPTIONAL) || n == 0)
        return jr->status;
    scenario_event *raw = calloc(n, sizeof *raw);
    struct order *ord = calloc(n, sizeof *ord);
    s->events = calloc(n, sizeof *s->events);
    if (raw == NULL || ord == NULL || s->events == NULL) {
        jsonread_fail(jr, JSONREAD_E_NOMEM, evs, NULL, "out of memory");
        goto done;
    }
    cJSON_ArrayForEach(e, evs)
    {
        if (parse_event(jr, s, &raw[i], e))
            goto done;
        ord[i].at_ns = raw[i].at_ns;
        ord[i].index = i;
        ord[i].json = e;
        i++;
    }
    qsort(ord, n, sizeof *ord, cmp_order);
    for (i = 0; i < n; i++) {
        s->events[i] = raw[ord[i].index];
        raw[ord[i].index].group_of = NULL;
    }
    s->n_events = n;
    (void)check_event_sequence(jr, s, ord);
done:
    for (i = 0; raw != NULL && i < n; i++)
        free(raw[i].group_of);
    free(raw);
    free(ord);
    return jr->status;
}

static jsonread_status parse_metrics(jsonread *jr, scenario *s, const cJSON *root)
{
    static const char *const keys[] = {"sample_interval", NULL};
    const cJSON *metrics = NULL;
    s->metrics.sample_interval_ns = 1000000000LL;
    if (jsonread_object(jr, &metrics, root, "metrics", JSONREAD_OPTIONAL) ||
        jsonread_only_keys(jr, metrics, keys) ||
        get_duration(jr, &s->metrics.sample_interval_ns, metrics, "sample_interval",
                     JSONREAD_OPTIONAL))
        return jr->status;
    if (s->metrics.sample_interval_ns <= 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, metrics, "sample_interval",
                             "expected a positive duration, got 0");
    return JSONREAD_OK;
}

static jsonread_status get_text(jsonread *jr, char **out, const cJSON *root, const char *key,
                                const char *dflt)
{
    const char *v = dflt;
    if (jsonread_string(jr, &v, root, key, JSONREAD_OPTIONAL))
        return jr->status;
    *out = strdup(v);
    if (*out == NULL)
        return jsonread_fail(jr, JSONREAD_E_NOMEM, root, key, "out of memory");
    return JSONREAD_OK;
}

static jsonread_status parse_root(jsonread *jr, scenario *s, const cJSON *root)
{
    static const char *const keys[] = {"name",     "description",    "seed",      "duration",
                                       "nodes",    "node_overrides", "consensus", "network",
                                       "workload", "metrics",        "events",    NULL};
    char g[64];
    if (!cJSON_IsObject(root))
        return jsonread_fail(jr, JSONREAD_E_TYPE, root, NULL, "expected a JSON object, got %s",
                             jsonread_got(g, sizeof g, root));
    s->seed = 1;
    s->duration_ns = 600000000000LL;
    /* The seed is any 64-bit value: JSON numbers are exact only up to 2^53
     * (cJSON keeps doubles), so a larger seed is written, and may be given,
     * as a string of decimal digits. */
    if (jsonread_only_keys(jr, root, keys) || get_text(jr, &s->name, root, "name", "unnamed") ||
        get_text(jr, &s->description, root, "description", "") ||
        jsonread_u64(jr, &s->seed, root, "seed", 0, UINT64_MAX, JSONREAD_DIGITS) ||
        get_duration(jr, &s->duration_ns, root, "duration", JSONREAD_OPTIONAL))
        return jr->status;
    if (s->duration_ns <= 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, root, "duration",
                             "expected a positive duration, got 0");
    if (parse_nodes(jr, s, root) || parse_network(jr, s, root) || parse_overrides(jr, s, root) ||
        parse_consensus(jr, s, root) || parse_workload(jr, s, root) || parse_metrics(jr, s, root))
        return jr->status;
    return parse_events(jr, s, root);
}

/* The scenario's reason for a refusal of the JSON reader. */
static scenario_status status_of(jsonread_status st)
{
    switch (st) {
    case JSONREAD_OK:
        return SCENARIO_OK;
    case JSONREAD_E_SYNTAX:
    case JSONREAD_E_TRAILING:
    case JSONREAD_E_DEPTH:
        return SCENARIO_ERR_SYNTAX;
    case JSONREAD_E_DUPLICATE:
    case JSONREAD_E_UNKNOWN_KEY:
        return SCENARIO_ERR_UNKNOWN_KEY;
    case JSONREAD_E_MISSING:
        return SCENARIO_ERR_MISSING;
    case JSONREAD_E_TYPE:
        return SCENARIO_ERR_TYPE;
    case JSONREAD_E_NOMEM:
        return SCENARIO_ERR_NOMEM;
    case JSONREAD_E_RANGE:
        break;
    }
    return SCENARIO_ERR_VALUE;
}

scenario_status scenario_from_json(scenario *out, const cJSON *json, const char *file, char *err,
                                   size_t errlen)
{
    jsonread jr;
    jsonread_init(&jr, err, errlen, json, file != NULL ? file : "(scenario)");
    memset(out, 0, sizeof *out);
    if (parse_root(&jr, out, json) != JSONREAD_OK) {
        scenario_free(out);
        return status_of(jr.status);
    }
    return SCENARIO_OK;
}

void scenario_free(scenario *scn)
{
    if (scn == NULL)
        return;
    free(scn->name);
    free(scn->description);
    free(scn->nodes);
    free(scn->network.edges);
    for (uint32_t i = 0; scn->network.region_names != NULL && i < scn->network.n_regions; i++)
        free(scn->network.region_names[i]);
    free(scn->network.region_names);
    free(scn->network.region_latency_ns);
    regions_free(scn);
    for (size_t i = 0; i < scn->n_events; i++)
        free(scn->events[i].group_of);
    free(scn->events);
    memset(scn, 0, sizeof *scn);
}

int64_t scenario_lookahead_ns(const scenario *scn)
{
    if (scn->network.n_regions == 0)
        return scn->network.latency.min_ns;
    int64_t min = INT64_MAX;
    size_t cells = (size_t)scn->network.n_regions * scn->network.n_regions;
    for (size_t i = 0; i < cells; i++)
        if (scn->network.region_latency_ns[i] < min)
            min = scn->network.region_latency_ns[i];
    return min;
}

/* ---- the scenario as run, back to JSON ------------------------------------ */

static cJSON *add_duration(cJSON *obj, const char *key, int64_t ns)
{
    char buf[32];
    units_format_duration(buf, sizeof buf, ns);
    return cJSON_AddStringToObject(obj, key, buf);
}

static cJSON *node_list(const uint32_t *nodes, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a != NULL && i < n; i++)
        if (!cJSON_AddItemToArray(a, cJSON_CreateNumber((double)nodes[i] + 1))) {
            cJSON_Delete(a);
            return NULL;
        }
    return a;
}

static int latency_to_json(cJSON *net, const scenario_latency *lat)
{
    if (lat->dist == SCENARIO_LAT_CONSTANT)
        return add_duration(net, "latency", lat->mean_ns) != NULL;
    cJSON *o = cJSON_AddObjectToObject(net, "latency");
    if (o == NULL || !cJSON_AddStringToObject(o, "dist", scenario_latency_name(lat->dist)))
        return 0;
    if (!add_duration(o, "min", lat->min_ns))
        return 0;
    if (lat->dist == SCENARIO_LAT_UNIFORM)
        return add_duration(o, "max", lat->max_ns) != NULL;
    return add_duration(o, "mean", lat->mean_ns) && add_duration(o, "stddev", lat->stddev_ns) &&
           add_duration(o, "max", lat->max_ns);
}

static int network_to_json(cJSON *root, const scenario *s)
{
    char buf[32];
    cJSON *net = cJSON_AddObjectToObject(root, "network");
    cJSON *topo = net ? cJSON_AddObjectToObject(net, "topology") : NULL;
    if (topo == NULL ||
        !cJSON_AddStringToObject(topo, "type", scenario_topology_name(s->network.topology)))
        return 0;
    if (s->network.topology == SCENARIO_TOPO_RANDOM &&
        !cJSON_AddNumberToObject(topo, "degree", s->network.degree))
        return 0;
    if (s->network.topology == SCENARIO_TOPO_STAR &&
        !cJSON_AddNumberToObject(topo, "center", (double)s->network.center + 1))
        return 0;
    if (s->network.topology == SCENARIO_TOPO_EDGES) {
        cJSON *edges = cJSON_AddArrayToObject(topo, "edges");
        for (size_t i = 0; edges != NULL && i < s->network.n_edges; i++)
            if (!cJSON_AddItemToArray(edges, node_list(s->network.edges[i], 2)))
                return 0;
        if (edges == NULL)
            return 0;
    }
    units_format_bandwidth(buf, sizeof buf, s->network.bandwidth_bps);
    if (!latency_to_json(net, &s->network.latency) ||
        !cJSON_AddStringToObject(net, "bandwidth", buf) ||
        !cJSON_AddNumberToObject(net, "loss", s->network.loss))
        return 0;
    if (s->network.n_regions > 0) {
        uint32_t n = s->network.n_regions;
        cJSON *reg = cJSON_AddObjectToObject(net, "regions");
        cJSON *names = reg ? cJSON_AddArrayToObject(reg, "names") : NULL;
        cJSON *mat = reg ? cJSON_AddArrayToObject(reg, "latency") : NULL;
        if (names == NULL || mat == NULL)
            return 0;
        for (uint32_t i = 0; i < n; i++) {
            cJSON *row = cJSON_CreateArray();
            if (row == NULL || !cJSON_AddItemToArray(mat, row) ||
                !cJSON_AddItemToArray(names, cJSON_CreateString(s->network.region_names[i])))
                return 0;
            for (uint32_t j = 0; j < n; j++) {
                units_format_duration(buf, sizeof buf, s->network.region_latency_ns[i * n + j]);
                if (!cJSON_AddItemToArray(row, cJSON_CreateString(buf)))
                    return 0;
            }
        }
        if (!regions_to_json(reg, s))
            return 0;
    }
    return 1;
}

static int event_to_json(cJSON *arr, const scenario *s, const scenario_event *ev)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL || !cJSON_AddItemToArray(arr, o) || !add_duration(o, "at", ev->at_ns) ||
        !cJSON_AddStringToObject(o, "type", scenario_event_name(ev->type)))
        return 0;
    switch (ev->type) {
    case SCENARIO_EV_PARTITION: {
        cJSON *groups = cJSON_AddArrayToObject(o, "groups");
        for (uint32_t k = 0; groups != NULL && k < ev->n_groups; k++) {
            cJSON *grp = cJSON_CreateArray();
            if (grp == NULL || !cJSON_AddItemToArray(groups, grp))
                return 0;
            for (uint32_t i = 0; i < s->n_nodes; i++)
                if (ev->group_of[i] == k &&
                    !cJSON_AddItemToArray(grp, cJSON_CreateNumber((double)i + 1)))
                    return 0;
        }
        return groups != NULL;
    }
    case SCENARIO_EV_HEAL:
        return 1;
    case SCENARIO_EV_CRASH:
    case SCENARIO_EV_RESTART:
        return cJSON_AddNumberToObject(o, "node", (double)ev->node + 1) != NULL;
    case SCENARIO_EV_SET_HASHRATE:
        return cJSON_AddNumberToObject(o, "node", (double)ev->node + 1) &&
               cJSON_AddNumberToObject(o, "hashrate", ev->hashrate_hps);
    case SCENARIO_EV_SET_STAKE:
        return cJSON_AddNumberToObject(o, "node", (double)ev->node + 1) &&
               cJSON_AddNumberToObject(o, "stake", (double)ev->stake);
    case SCENARIO_EV_TX:
        return cJSON_AddNumberToObject(o, "from", (double)ev->from + 1) &&
               cJSON_AddNumberToObject(o, "to", (double)ev->to[0] + 1) &&
               cJSON_AddNumberToObject(o, "amount", (double)ev->amount) &&
               cJSON_AddNumberToObject(o, "node", (double)ev->node + 1);
    case SCENARIO_EV_DOUBLE_SPEND:
        return cJSON_AddNumberToObject(o, "from", (double)ev->from + 1) &&
               cJSON_AddItemToObject(o, "to", node_list(ev->to, 2)) &&
               cJSON_AddNumberToObject(o, "amount", (double)ev->amount) &&
               cJSON_AddItemToObject(o, "nodes", node_list(ev->nodes, 2));
    }
    return 0;
}

/* The seed as get_seed reads it back: a number up to 2^53, digits above. */
static cJSON *add_seed(cJSON *root, uint64_t seed)
{
    if (seed <= (uint64_t)MAX_EXACT)
        return cJSON_AddNumberToObject(root, "seed", (double)seed);
    char digits[24];
    snprintf(digits, sizeof digits, "%llu", (unsigned long long)seed);
    return cJSON_AddStringToObject(root, "seed", digits);
}

cJSON *scenario_to_json(const scenario *s)
{
    cJSON *root = cJSON_CreateObject(), *nodes, *cons, *pow, *pos, *w, *m, *evs, *ov;
    /* With shares, a node's own region is the drawn one: only the nodes
     * placed elsewhere are overrides. */
    uint32_t *home = NULL;
    if (s->network.region_share != NULL) {
        home = malloc(((size_t)s->n_nodes + 1) * sizeof *home);
        if (home == NULL)
            goto fail;
        regions_assign(home, s);
    }
    if (root == NULL || !cJSON_AddStringToObject(root, "name", s->name) ||
        !cJSON_AddStringToObject(root, "description", s->description) || !add_seed(root, s->seed) ||
        !add_duration(root, "duration", s->duration_ns))
        goto fail;
    nodes = cJSON_AddObjectToObject(root, "nodes");
    if (nodes == NULL || !cJSON_AddNumberToObject(nodes, "count", s->n_nodes) ||
        !cJSON_AddNumberToObject(nodes, "hashrate", s->default_hashrate_hps) ||
        !cJSON_AddNumberToObject(nodes, "stake", (double)s->default_stake))
        goto fail;
    ov = cJSON_AddArrayToObject(root, "node_overrides");
    if (ov == NULL)
        goto fail;
    for (uint32_t i = 0; i < s->n_nodes; i++) {
        const scenario_node *nd = &s->nodes[i];
        if (nd->hashrate_hps == s->default_hashrate_hps && nd->stake == s->default_stake &&
            nd->region == (home != NULL ? home[i] : 0) && nd->join_at_ns == 0)
            continue;
        cJSON *o = cJSON_CreateObject();
        if (o == NULL || !cJSON_AddItemToArray(ov, o) ||
            !cJSON_AddNumberToObject(o, "node", (double)i + 1) ||
            !cJSON_AddNumberToObject(o, "hashrate", nd->hashrate_hps) ||
            !cJSON_AddNumberToObject(o, "stake", (double)nd->stake) ||
            (s->network.n_regions > 0 &&
             !cJSON_AddStringToObject(o, "region", s->network.region_names[nd->region])) ||
            !add_duration(o, "join_at", nd->join_at_ns))
            goto fail;
    }
    cons = cJSON_AddObjectToObject(root, "consensus");
    if (cons == NULL ||
        !cJSON_AddStringToObject(cons, "type", scenario_consensus_name(s->consensus.type)))
        goto fail;
    pow = cJSON_AddObjectToObject(cons, "pow");
    if (pow == NULL ||
        !cJSON_AddNumberToObject(pow, "expected_hashes_per_block",
                                 (double)s->consensus.pow.expected_hashes_per_block) ||
        !add_duration(pow, "target_block_interval", s->consensus.pow.target_block_interval_ns) ||
        !cJSON_AddNumberToObject(pow, "retarget_interval", s->consensus.pow.retarget_interval) ||
        !cJSON_AddNumberToObject(pow, "reward", (double)s->consensus.pow.reward) ||
        !cJSON_AddNumberToObject(pow, "max_block_bytes", (double)s->consensus.pow.max_block_bytes))
        goto fail;
    pos = cJSON_AddObjectToObject(cons, "pos");
    if (pos == NULL || !add_duration(pos, "slot", s->consensus.pos.slot_ns) ||
        !cJSON_AddNumberToObject(pos, "active_slot_coeff", s->consensus.pos.active_slot_coeff) ||
        !cJSON_AddNumberToObject(pos, "k", s->consensus.pos.k) ||
        !cJSON_AddNumberToObject(pos, "epoch_slots", s->consensus.pos.epoch_slots) ||
        !cJSON_AddNumberToObject(pos, "reward", (double)s->consensus.pos.reward))
        goto fail;
    if (!network_to_json(root, s))
        goto fail;
    w = cJSON_AddObjectToObject(root, "workload");
    if (w == NULL || !cJSON_AddNumberToObject(w, "wallets", s->workload.wallets) ||
        !cJSON_AddNumberToObject(w, "rate", s->workload.rate_per_s) ||
        !cJSON_AddNumberToObject(w, "amount_min", (double)s->workload.amount_min) ||
        !cJSON_AddNumberToObject(w, "amount_max", (double)s->workload.amount_max) ||
        !cJSON_AddNumberToObject(w, "fee", (double)s->workload.fee) ||
        !cJSON_AddNumberToObject(w, "confirmations", s->workload.confirmations))
        goto fail;
    m = cJSON_AddObjectToObject(root, "metrics");
    if (m == NULL || !add_duration(m, "sample_interval", s->metrics.sample_interval_ns))
        goto fail;
    evs = cJSON_AddArrayToObject(root, "events");
    if (evs == NULL)
        goto fail;
    for (size_t i = 0; i < s->n_events; i++)
        if (!event_to_json(evs, s, &s->events[i]))
            goto fail;
    free(home);
    return root;
fail:
    free(home);
    cJSON_Delete(root);
    return NULL;
}

/* ---- --set overrides -------------------------------------------------------- */

/* One assignment being applied: its text, the value still to place (NULL
 * once placed) and where a refusal goes. */
struct set_walk {
    const char *assignment;
    cJSON *val;
    char *err;
    size_t errlen;
};

static scenario_status set_fail(struct set_walk *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static scenario_status set_fail(struct set_walk *w, const char *fmt, ...)
{
    char what[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (w->errlen > 0)
        snprintf(w->err, w->errlen, "--set '%s': %s", w->assignment, what);
    return SCENARIO_ERR_OVERRIDE;
}

/* The value: JSON when the whole text is one JSON document (so "5m" does
 * not become the number 5), else the text as a string. JSON that the strict
 * reader refuses for more than its syntax (a repeated key, deep nesting)
 * is an error, not a string. */
static scenario_status set_value(struct set_walk *w, const char *value)
{
    char why[300];
    jsonread_status js = jsonread_parse(&w->val, why, sizeof why, value, strlen(value), NULL);
    if (js == JSONREAD_E_SYNTAX || js == JSONREAD_E_TRAILING)
        w->val = cJSON_CreateString(value);
    else if (js != JSONREAD_OK && js != JSONREAD_E_NOMEM)
        return set_fail(w, "the value: %s", why);
    return w->val != NULL ? SCENARIO_OK : SCENARIO_ERR_NOMEM;
}

/* A key step at *p: the key up to '.', '[' or the end. The last key of the
 * path receives the value; a missing object on the way is created. */
static scenario_status set_key(struct set_walk *w, cJSON **cur, char **p)
{
    char keybuf[128];
    size_t klen = strcspn(*p, ".[");
    if (klen == 0)
        return set_fail(w, "empty key in the path");
    snprintf(keybuf, sizeof keybuf, "%.*s", (int)klen, *p);
    *p += klen;
    if (!cJSON_IsObject(*cur))
        return set_fail(w, "cannot set key \"%.*s\": its parent is not an object", (int)klen,
                        *p - klen);
    cJSON *next = cJSON_GetObjectItemCaseSensitive(*cur, keybuf);
    if (**p == '\0') {
        if (next != NULL)
            cJSON_ReplaceItemInObjectCaseSensitive(*cur, keybuf, w->val);
        else
            cJSON_AddItemToObject(*cur, keybuf, w->val);
        w->val = NULL;
        return SCENARIO_OK;
    }
    if (next == NULL) {
        if (**p == '[')
            return set_fail(w, "\"%s\" does not exist, so it has no index", keybuf);
        next = cJSON_AddObjectToObject(*cur, keybuf);
        if (next == NULL)
            return SCENARIO_ERR_NOMEM;
    }
    *cur = next;
    return SCENARIO_OK;
}

/* Any number of [N] steps at *p. An index equal to the array's size
 * appends, when it ends the path. */
static scenario_status set_indexes(struct set_walk *w, cJSON **cur, char **p)
{
    while (**p == '[') {
        char *end;
        errno = 0;
        unsigned long idx = strtoul(*p + 1, &end, 10);
        if (end == *p + 1 || *end != ']' || (*p)[1] == '-' || (*p)[1] == '+')
            return set_fail(w, "expected [N] with N a non-negative index");
        *p = end + 1;
        if (!cJSON_IsArray(*cur))
            return set_fail(w, "index [%lu] used on something that is not an array", idx);
        size_t size = (size_t)cJSON_GetArraySize(*cur);
        if (idx > size || (idx == size && **p != '\0'))
            return set_fail(w, "index [%lu] is out of range (array has %zu items)", idx, size);
        if (**p == '\0') {
            if (idx == size)
                cJSON_AddItemToArray(*cur, w->val);
            else
                cJSON_ReplaceItemInArray(*cur, (int)idx, w->val);
            w->val = NULL;
            return SCENARIO_OK;
        }
        *cur = cJSON_GetArrayItem(*cur, (int)idx);
    }
    return SCENARIO_OK;
}

scenario_status scenario_set(cJSON *json, const char *assignment, char *err, size_t errlen)
{
    struct set_walk w = {assignment, NULL, err, errlen};
    const char *eq = strchr(assignment, '=');
    if (errlen > 0)
        err[0] = '\0';
    if (eq == NULL || eq == assignment)
        return set_fail(&w, "expected PATH=VALUE, like network.loss=0.01");
    if (!cJSON_IsObject(json))
        return set_fail(&w, "the scenario is not a JSON object");
    char *path = strndup(assignment, (size_t)(eq - assignment));
    if (path == NULL)
        return SCENARIO_ERR_NOMEM;
    scenario_status st = set_value(&w, eq + 1);
    cJSON *cur = json;
    /* Each step: a key, then any number of [N], until the value is placed. */
    for (char *p = path; st == SCENARIO_OK && w.val != NULL;) {
        st = set_key(&w, &cur, &p);
        if (st == SCENARIO_OK && w.val != NULL)
            st = set_indexes(&w, &cur, &p);
        if (st != SCENARIO_OK || w.val == NULL)
            break;
        if (*p == '.')
            p++;
        if (*p == '\0')
            st = set_fail(&w, "the path ends with '.'");
    }
    cJSON_Delete(w.val);
    free(path);
    return st;
}

/* ---- loading ------------------------------------------------------------------- */

static const char default_json[] =
    "{\n"
    "  \"name\": \"default\",\n"
    "  \"description\": \"Four Proof-of-Work nodes in a full mesh. At 1m the network splits "
    "into {1,2} and {3,4}; each side keeps mining its own branch. At 3m the partition heals: "
    "look for the side with less work reorganising onto the other side's chain and the stale "
    "blocks it leaves behind.\",\n"
    "  \"seed\": 1,\n"
    "  \"duration\": \"5m\",\n"
    "  \"nodes\": {\"count\": 4, \"hashrate\": \"10k\", \"stake\": 100},\n"
    "  \"consensus\": {\n"
    "    \"type\": \"pow\",\n"
    "    \"pow\": {\"expected_hashes_per_block\": 600000, \"target_block_interval\": \"15s\",\n"
    "            \"retarget_interval\": 2016, \"reward\": 5000000000, \"max_block_bytes\": "
    "1000000}\n"
    "  },\n"
    "  \"network\": {\n"
    "    \"topology\": {\"type\": \"full\"},\n"
    "    \"latency\": {\"dist\": \"uniform\", \"min\": \"40ms\", \"max\": \"60ms\"},\n"
    "    \"bandwidth\": \"10Mbit\",\n"
    "    \"loss\": 0\n"
    "  },\n"
    "  \"workload\": {\"wallets\": 20, \"rate\": \"0.5/s\", \"amount_min\": 1000, "
    "\"amount_max\": 100000,\n"
    "               \"fee\": 100, \"confirmations\": 6},\n"
    "  \"metrics\": {\"sample_interval\": \"1s\"},\n"
    "  \"events\": [\n"
    "    {\"at\": \"1m\", \"type\": \"partition\", \"groups\": [[1, 2], [3, 4]]},\n"
    "    {\"at\": \"3m\", \"type\": \"heal\"}\n"
    "  ]\n"
    "}\n";

const char *scenario_default_json(void)
{
    return default_json;
}

static scenario_status load_text(scenario *out, const char *text, size_t len, const char *file,
                                 const char *const *overrides, size_t n_overrides, char *err,
                                 size_t errlen)
{
    cJSON *json = NULL;
    memset(out, 0, sizeof *out);
    jsonread_status js = jsonread_parse(&json, err, errlen, text, len, file);
    if (js != JSONREAD_OK)
        return status_of(js);
    for (size_t i = 0; i < n_overrides; i++) {
        scenario_status st = scenario_set(json, overrides[i], err, errlen);
        if (st != SCENARIO_OK) {
            cJSON_Delete(json);
            return st;
        }
    }
    scenario_status st = scenario_from_json(out, json, file, err, errlen);
    cJSON_Delete(json);
    return st;
}

scenario_status scenario_load_default(scenario *out, const char *const *overrides,
                                      size_t n_overrides, char *err, size_t errlen)
{
    return load_text(out, default_json, strlen(default_json), "(built-in default scenario)",
                     overrides, n_overrides, err, errlen);
}

scenario_status scenario_load_file(scenario *out, const char *path, const char *const *overrides,
                                   size_t n_overrides, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0;
    memset(out, 0, sizeof *out);
    fileout_status fs = fileout_read(&text, &len, err, errlen, path, SCENARIO_MAX_FILE_BYTES);
    if (fs != FILEOUT_OK)
        return fs == FILEOUT_E_NOMEM ? SCENARIO_ERR_NOMEM : SCENARIO_ERR_IO;
    scenario_status st = load_text(out, text, len, path, overrides, n_overrides, err, errlen);
    free(text);
    return st;
}
