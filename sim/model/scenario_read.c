/* The scenario's vocabulary, shared by the files that read its sections:
 * the names of its enumerations (with the public scenario_*_name lookups)
 * and the typed getters that wrap jsonread for the scenario's own value
 * types (durations, enumerations, hash rates, 1-based node and wallet
 * numbers). Private to the scenario module: see scenario_read.h. */
#include "scenario_read.h"
#include "units.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define SCENARIO_NAME(code, name) name,
const char *const scenario_read_consensus_names[] = {SCENARIO_CONSENSUS_MAP(SCENARIO_NAME) NULL};
const char *const scenario_read_topology_names[] = {SCENARIO_TOPOLOGY_MAP(SCENARIO_NAME) NULL};
const char *const scenario_read_latency_names[] = {SCENARIO_LATENCY_MAP(SCENARIO_NAME) NULL};
const char *const scenario_read_event_names[] = {SCENARIO_EVENT_MAP(SCENARIO_NAME) NULL};
const char *const scenario_read_adversary_names[] = {SCENARIO_ADVERSARY_MAP(SCENARIO_NAME) NULL};
#undef SCENARIO_NAME

static const char *enum_name(const char *const *names, size_t count, unsigned v)
{
    return v < count ? names[v] : "?";
}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]) - 1)

const char *scenario_consensus_name(scenario_consensus c)
{
    return enum_name(scenario_read_consensus_names, COUNT(scenario_read_consensus_names),
                     (unsigned)c);
}
const char *scenario_topology_name(scenario_topology t)
{
    return enum_name(scenario_read_topology_names, COUNT(scenario_read_topology_names),
                     (unsigned)t);
}
const char *scenario_latency_name(scenario_latency_dist d)
{
    return enum_name(scenario_read_latency_names, COUNT(scenario_read_latency_names), (unsigned)d);
}
const char *scenario_event_name(scenario_event_type t)
{
    return enum_name(scenario_read_event_names, COUNT(scenario_read_event_names), (unsigned)t);
}

const char *scenario_adversary_name(scenario_adversary_kind k)
{
    return enum_name(scenario_read_adversary_names, COUNT(scenario_read_adversary_names),
                     (unsigned)k);
}

/* ---- getters for the scenario's own value types ---------------------------- */

/* All follow jsonread's order: context, output, object and key (key NULL:
 * the value itself), then what they need, then JSONREAD_REQUIRED or
 * JSONREAD_OPTIONAL. An absent optional value leaves *out as it was, so a
 * caller sets the default first. */

#define MAX_DURATION_NS ((int64_t)1 << 61)

jsonread_status scenario_read_duration(jsonread *jr, int64_t *out, const cJSON *obj,
                                       const char *key, unsigned flags)
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
                             jsonread_got(g, sizeof g, it), units_status_message(st));
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
jsonread_status scenario_read_enum(jsonread *jr, unsigned *out, const cJSON *obj, const char *key,
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

/* Hash rates are counted in thousandths of a hash per second in core (a
 * miner's k-th attempt on a template is at t0 + ceil(k * 1e12 / mh) ns with
 * mh the rate in mH/s), so a rate is exact in steps of 0.001 H/s; a finer
 * fraction would be cut, and is refused instead, and said why. The scenario
 * keeps the rate in H/s as a double: mh / 1000 is the double nearest to the
 * decimal the file gave, so it is written back the same. */
jsonread_status scenario_read_hashrate(jsonread *jr, double *out, const cJSON *obj, const char *key,
                                       unsigned flags)
{
    const cJSON *it = jsonread_member(obj, key);
    char g[64];
    uint64_t v = 0;
    if (it == NULL)
        return (flags & JSONREAD_REQUIRED)
                   ? jsonread_fail(jr, JSONREAD_E_MISSING, obj, key,
                                   "missing, expected a hash rate like \"1M\" or \"2.5kH/s\"")
                   : JSONREAD_OK;
    units_status st = UNITS_OK;
    if (cJSON_IsString(it)) {
        st = units_parse_hashrate_mhps(&v, it->valuestring);
    } else if (cJSON_IsNumber(it)) {
        double d = it->valuedouble;
        if (!(d >= 0))
            st = UNITS_NEGATIVE;
        else if (d > (double)UNITS_MAX_HASHRATE_MHPS / (double)UNITS_MHPS_PER_HPS)
            st = UNITS_OVERFLOW;
        else {
            v = (uint64_t)llround(d * (double)UNITS_MHPS_PER_HPS);
            if ((double)v / (double)UNITS_MHPS_PER_HPS != d) {
                v = 0;
                st = UNITS_INEXACT;
            }
        }
    } else {
        return jsonread_fail(
            jr, JSONREAD_E_TYPE, obj, key,
            "expected a hash rate like \"1M\" or a number of hashes per second, got %s",
            jsonread_got(g, sizeof g, it));
    }
    if (st == UNITS_INEXACT)
        return jsonread_fail(jr, JSONREAD_E_RANGE, obj, key,
                             "expected a hash rate in steps of 0.001 H/s, got %s: a miner's "
                             "attempts are at fixed virtual times, at least one per 1,000 s "
                             "(0 for a node that does not mine)",
                             jsonread_got(g, sizeof g, it));
    if (st != UNITS_OK)
        return jsonread_fail(
            jr, JSONREAD_E_RANGE, obj, key,
            "expected a hash rate in [0, 1e15] like \"1M\" or \"2.5kH/s\", got %s (%s)",
            jsonread_got(g, sizeof g, it), units_status_message(st));
    *out = (double)v / (double)UNITS_MHPS_PER_HPS;
    return JSONREAD_OK;
}

/* A 1-based number in [1, count] (of a node or a wallet: what), written
 * 0-based. */
jsonread_status scenario_read_ref(jsonread *jr, uint32_t *out, const cJSON *obj, const char *key,
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
jsonread_status scenario_read_pair(jsonread *jr, uint32_t out[2], const cJSON *obj, const char *key,
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
    if (scenario_read_ref(jr, &out[0], a->child, NULL, count, what, JSONREAD_REQUIRED) ||
        scenario_read_ref(jr, &out[1], a->child->next, NULL, count, what, JSONREAD_REQUIRED))
        return jr->status;
    return JSONREAD_OK;
}
