/* Scenario parsing and validation. The JSON is walked once, section by
 * section, in an order where everything a check needs is already known
 * (node count and regions before node_overrides, duration and wallets before
 * events). Every check that fails writes one message "FILE: PATH: what was
 * expected, got WHAT" and stops. Each object lists the keys it accepts, so a
 * misspelt key is an error (with the nearest valid key suggested) rather
 * than a silently ignored default. */
#include "scenario.h"
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
#define MAX_EXACT 9007199254740992.0 /* 2^53: larger JSON numbers are not exact */
#define PATH_MAX_LEN 160

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

/* ---- error reporting ---------------------------------------------------- */

typedef struct ctx {
    const char *file;
    char *err;
    size_t errlen;
    scenario_status status;
} ctx;

static int fail(ctx *c, scenario_status st, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(ctx *c, scenario_status st, const char *path, const char *fmt, ...)
{
    c->status = st;
    if (c->errlen > 0) {
        int n = snprintf(c->err, c->errlen, "%s: %s: ", c->file, *path ? path : "(top level)");
        if (n >= 0 && (size_t)n < c->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return -1;
}

/* A short rendering of a JSON value for "got ..." in messages. */
static const char *got(const cJSON *it, char *buf, size_t len)
{
    char *s = cJSON_PrintUnformatted(it);
    if (s == NULL) {
        snprintf(buf, len, "(unprintable)");
        return buf;
    }
    if (strlen(s) > 40)
        snprintf(buf, len, "%.37s...", s);
    else
        snprintf(buf, len, "%s", s);
    free(s);
    return buf;
}

static void join_key(char *out, const char *path, const char *key)
{
    /* Paths longer than PATH_MAX_LEN only appear in messages: cut them. */
    if (snprintf(out, PATH_MAX_LEN, "%s%s%s", path, *path ? "." : "", key) >= PATH_MAX_LEN)
        out[PATH_MAX_LEN - 1] = '\0';
}

static void join_index(char *out, const char *path, size_t i)
{
    if (snprintf(out, PATH_MAX_LEN, "%s[%zu]", path, i) >= PATH_MAX_LEN)
        out[PATH_MAX_LEN - 1] = '\0';
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), prev[48], cur[48];
    if (la >= 47 || lb >= 47)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof cur);
    }
    return prev[lb];
}

/* Every key of obj must be in allowed (NULL-terminated) and appear once. */
static int check_keys(ctx *c, const cJSON *obj, const char *path, const char *const *allowed)
{
    char p[PATH_MAX_LEN];
    for (const cJSON *it = obj->child; it != NULL; it = it->next) {
        const char *best = NULL;
        size_t best_d = 3;
        int ok = 0;
        join_key(p, path, it->string);
        for (const cJSON *prev = obj->child; prev != it; prev = prev->next)
            if (strcmp(prev->string, it->string) == 0)
                return fail(c, SCENARIO_ERR_UNKNOWN_KEY, p, "key given twice");
        for (const char *const *k = allowed; *k != NULL; k++) {
            size_t d = edit_distance(it->string, *k);
            /* A key that is the start of a valid one ("epoch" for
             * "epoch_slots") is as good a guess as a typo. */
            if (d != 0 && strncmp(*k, it->string, strlen(it->string)) == 0)
                d = 1;
            if (d == 0)
                ok = 1;
            else if (d < best_d) {
                best_d = d;
                best = *k;
            }
        }
        if (ok)
            continue;
        char list[400] = "";
        for (const char *const *k = allowed; *k != NULL; k++) {
            size_t n = strlen(list);
            snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", *k);
        }
        if (best != NULL)
            return fail(c, SCENARIO_ERR_UNKNOWN_KEY, p,
                        "unknown key (did you mean \"%s\"?); expected one of: %s", best, list);
        return fail(c, SCENARIO_ERR_UNKNOWN_KEY, p, "unknown key; expected one of: %s", list);
    }
    return 0;
}

static const cJSON *item(const cJSON *obj, const char *key)
{
    return obj == NULL ? NULL : cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* An optional object member: absent is fine (NULL), anything but an object is not. */
static int get_object(ctx *c, const cJSON *obj, const char *key, const char *path,
                      const cJSON **out)
{
    char p[PATH_MAX_LEN], g[64];
    const cJSON *it = item(obj, key);
    *out = NULL;
    if (it == NULL)
        return 0;
    join_key(p, path, key);
    if (!cJSON_IsObject(it))
        return fail(c, SCENARIO_ERR_TYPE, p, "expected an object, got %s", got(it, g, sizeof g));
    *out = it;
    return 0;
}

/* ---- typed getters: absent -> default (or error when required) ------------ */

enum { OPTIONAL = 0, REQUIRED = 1 };

static int missing(ctx *c, const char *p, const char *what)
{
    return fail(c, SCENARIO_ERR_MISSING, p, "required: expected %s", what);
}

#define MAX_DURATION_NS ((int64_t)1 << 61)

static int get_duration(ctx *c, const cJSON *obj, const char *key, const char *path, int64_t *out,
                        int64_t dflt, int required)
{
    char p[PATH_MAX_LEN], g[64];
    const cJSON *it = item(obj, key);
    join_key(p, path, key);
    *out = dflt;
    if (it == NULL)
        return required ? missing(c, p, "a duration like \"250ms\" or \"2m\"") : 0;
    units_status st;
    if (cJSON_IsString(it))
        st = units_parse_duration_ns(out, it->valuestring);
    else if (cJSON_IsNumber(it))
        st = units_seconds_to_ns(out, it->valuedouble);
    else
        return fail(c, SCENARIO_ERR_TYPE, p,
                    "expected a duration like \"250ms\" or a number of seconds, got %s",
                    got(it, g, sizeof g));
    if (st != UNITS_OK)
        return fail(c, SCENARIO_ERR_VALUE, p,
                    "expected a duration like \"250ms\" (units ns, us, ms, s, m, h, d), got %s "
                    "(%s)",
                    got(it, g, sizeof g), units_strerror(st));
    /* Virtual times add durations (a send time and a latency, a sample and
     * its interval): keeping each below 2^61 ns (73 years) keeps every sum
     * of a few of them inside int64. */
    if (*out > MAX_DURATION_NS)
        return fail(c, SCENARIO_ERR_VALUE, p, "expected a duration of at most 73 years, got %s",
                    got(it, g, sizeof g));
    return 0;
}

static int get_u64(ctx *c, const cJSON *obj, const char *key, const char *path, uint64_t *out,
                   uint64_t dflt, uint64_t min, uint64_t max, int required)
{
    char p[PATH_MAX_LEN], g[64];
    const cJSON *it = item(obj, key);
    join_key(p, path, key);
    *out = dflt;
    if (it == NULL)
        return required ? missing(c, p, "an integer") : 0;
    if (!cJSON_IsNumber(it))
        return fail(c, SCENARIO_ERR_TYPE, p, "expected an integer in [%llu, %llu], got %s",
                    (unsigned long long)min, (unsigned long long)max, got(it, g, sizeof g));
    double d = it->valuedouble;
    if (d != floor(d) || d < (double)min || d > (double)max || d > MAX_EXACT)
        return fail(c, SCENARIO_ERR_VALUE, p, "expected an integer in [%llu, %llu], got %s",
                    (unsigned long long)min, (unsigned long long)max, got(it, g, sizeof g));
    *out = (uint64_t)d;
    return 0;
}

/* The run seed: any 64-bit value. JSON numbers are exact only up to 2^53
 * (cJSON keeps doubles), so a larger seed is written, and may be given, as
 * a string of decimal digits. */
static int get_seed(ctx *c, const cJSON *root, uint64_t *out)
{
    const cJSON *it = item(root, "seed");
    char g[64];
    if (it == NULL || !cJSON_IsString(it))
        return get_u64(c, root, "seed", "", out, 1, 0, (uint64_t)MAX_EXACT, OPTIONAL);
    const char *txt = it->valuestring;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(txt, &end, 10);
    if (*txt < '0' || *txt > '9' || *end != '\0' || errno == ERANGE)
        return fail(c, SCENARIO_ERR_TYPE, "seed",
                    "expected an integer in [0, 18446744073709551615] (a number, or a string "
                    "of digits), got %s",
                    got(it, g, sizeof g));
    *out = v;
    return 0;
}

static int get_u32(ctx *c, const cJSON *obj, const char *key, const char *path, uint32_t *out,
                   uint32_t dflt, uint32_t min, uint32_t max, int required)
{
    uint64_t v;
    int r = get_u64(c, obj, key, path, &v, dflt, min, max, required);
    *out = (uint32_t)v;
    return r;
}

/* A number in [min, max] (or (min, max] when min_open). */
static int get_double(ctx *c, const cJSON *obj, const char *key, const char *path, double *out,
                      double dflt, double min, int min_open, double max, int required)
{
    char p[PATH_MAX_LEN], g[64];
    const cJSON *it = item(obj, key);
    join_key(p, path, key);
    *out = dflt;
    if (it == NULL)
        return required ? missing(c, p, "a number") : 0;
    if (!cJSON_IsNumber(it))
        return fail(c, SCENARIO_ERR_TYPE, p, "expected a number in %c%g, %g], got %s",
                    min_open ? '(' : '[', min, max, got(it, g, sizeof g));
    double d = it->valuedouble;
    if (!(min_open ? d > min : d >= min) || !(d <= max))
        return fail(c, SCENARIO_ERR_VALUE, p, "expected a number in %c%g, %g], got %s",
                    min_open ? '(' : '[', min, max, got(it, g, sizeof g));
    *out = d;
    return 0;
}

static int get_string(ctx *c, const cJSON *obj, const char *key, const char *path, char **out,
                      const char *dflt)
{
    char p[PATH_MAX_LEN], g[64];
    const cJSON *it = item(obj, key);
    join_key(p, path, key);
    if (it != NULL && !cJSON_IsString(it))
        return fail(c, SCENARIO_ERR_TYPE, p, "expected a string, got %s", got(it, g, sizeof g));
    *out = strdup(it != NULL ? it->valuestring : dflt);
    if (*out == NULL)
        return fail(c, SCENARIO_ERR_NOMEM, p, "out of memory");
    return 0;
}

/* One of names (NULL-terminated); writes the index. */
static int get_enum(ctx *c, const cJSON *obj, const char *key, const char *path, unsigned *out,
                    unsigned dflt, const char *const *names, int required)
{
    char p[PATH_MAX_LEN], g[64], list[200] = "";
    const cJSON *it = item(obj, key);
    join_key(p, path, key);
    *out = dflt;
    for (const char *const *n = names; *n != NULL; n++) {
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s\"%s\"", l ? ", " : "", *n);
    }
    if (it == NULL)
        return required ? missing(c, p, list) : 0;
    if (cJSON_IsString(it))
        for (unsigned i = 0; names[i] != NULL; i++)
            if (strcmp(names[i], it->valuestring) == 0) {
                *out = i;
                return 0;
            }
    return fail(c, cJSON_IsString(it) ? SCENARIO_ERR_VALUE : SCENARIO_ERR_TYPE, p,
                "expected one of %s, got %s", list, got(it, g, sizeof g));
}

static int get_hashrate(ctx *c, const cJSON *obj, const char *key, const char *path, double *out,
                        double dflt, int required)
{
    char p[PATH_MAX_LEN], g[64];
    const cJSON *it = item(obj, key);
    join_key(p, path, key);
    *out = dflt;
    if (it == NULL)
        return required ? missing(c, p, "a hash rate like \"1M\" or \"2.5kH/s\"") : 0;
    units_status st = UNITS_OK;
    if (cJSON_IsString(it))
        st = units_parse_hashrate_hps(out, it->valuestring);
    else if (cJSON_IsNumber(it) && it->valuedouble >= 0 && it->valuedouble <= 1e18)
        *out = it->valuedouble;
    else if (cJSON_IsNumber(it))
        st = UNITS_OVERFLOW;
    else
        return fail(c, SCENARIO_ERR_TYPE, p,
                    "expected a hash rate like \"1M\" or a number of hashes per second, got %s",
                    got(it, g, sizeof g));
    if (st != UNITS_OK)
        return fail(c, SCENARIO_ERR_VALUE, p,
                    "expected a hash rate in [0, 1e18] like \"1M\" or \"2.5kH/s\", got %s (%s)",
                    got(it, g, sizeof g), units_strerror(st));
    return 0;
}

/* A 1-based number in [1, count] at `it`, written 0-based. */
static int get_ref(ctx *c, const cJSON *it, const char *p, uint32_t count, const char *what,
                   uint32_t *out)
{
    char g[64];
    if (it == NULL)
        return missing(c, p, what);
    if (!cJSON_IsNumber(it))
        return fail(c, SCENARIO_ERR_TYPE, p, "expected a %s number in [1, %u], got %s", what, count,
                    got(it, g, sizeof g));
    double d = it->valuedouble;
    if (d != floor(d) || d < 1 || d > (double)count)
        return fail(c, SCENARIO_ERR_VALUE, p, "expected a %s number in [1, %u], got %s", what,
                    count, got(it, g, sizeof g));
    *out = (uint32_t)d - 1;
    return 0;
}

static int get_ref_key(ctx *c, const cJSON *obj, const char *key, const char *path, uint32_t count,
                       const char *what, uint32_t *out)
{
    char p[PATH_MAX_LEN];
    join_key(p, path, key);
    return get_ref(c, item(obj, key), p, count, what, out);
}

/* ---- sections ------------------------------------------------------------ */

static int parse_nodes(ctx *c, scenario *s, const cJSON *root)
{
    static const char *const keys[] = {"count", "hashrate", "stake", NULL};
    const cJSON *it = item(root, "nodes");
    char g[64];
    uint32_t count = 4;
    s->default_hashrate_hps = 50000;
    s->default_stake = 100;
    if (it == NULL) {
    } else if (cJSON_IsNumber(it)) {
        if (get_u32(c, root, "nodes", "", &count, 4, 1, MAX_NODES, REQUIRED))
            return -1;
    } else if (cJSON_IsObject(it)) {
        if (check_keys(c, it, "nodes", keys) ||
            get_u32(c, it, "count", "nodes", &count, 4, 1, MAX_NODES, OPTIONAL) ||
            get_hashrate(c, it, "hashrate", "nodes", &s->default_hashrate_hps, 50000, OPTIONAL) ||
            get_u64(c, it, "stake", "nodes", &s->default_stake, 100, 0, (uint64_t)MAX_EXACT,
                    OPTIONAL))
            return -1;
    } else {
        return fail(c, SCENARIO_ERR_TYPE, "nodes",
                    "expected a node count or an object {count, hashrate, stake}, got %s",
                    got(it, g, sizeof g));
    }
    s->n_nodes = count;
    s->nodes = calloc(count, sizeof *s->nodes);
    if (s->nodes == NULL)
        return fail(c, SCENARIO_ERR_NOMEM, "nodes", "out of memory");
    for (uint32_t i = 0; i < count; i++) {
        s->nodes[i].hashrate_hps = s->default_hashrate_hps;
        s->nodes[i].stake = s->default_stake;
    }
    return 0;
}

static int parse_consensus(ctx *c, scenario *s, const cJSON *root)
{
    static const char *const keys[] = {"type", "pow", "pos", NULL};
    static const char *const pow_keys[] = {"expected_hashes_per_block", "target_block_interval",
                                           "retarget_interval",         "reward",
                                           "max_block_bytes",           NULL};
    static const char *const pos_keys[] = {
        "slot", "active_slot_coeff", "k", "epoch_slots", "reward", NULL};
    const cJSON *cons, *pow, *pos, *mb;
    unsigned type;
    char g[64];
    if (get_object(c, root, "consensus", "", &cons) ||
        (cons && check_keys(c, cons, "consensus", keys)) ||
        get_enum(c, cons, "type", "consensus", &type, SCENARIO_POW, consensus_names, OPTIONAL) ||
        get_object(c, cons, "pow", "consensus", &pow) ||
        get_object(c, cons, "pos", "consensus", &pos))
        return -1;
    s->consensus.type = (scenario_consensus)type;
    if ((pow && check_keys(c, pow, "consensus.pow", pow_keys)) ||
        get_u64(c, pow, "expected_hashes_per_block", "consensus.pow",
                &s->consensus.pow.expected_hashes_per_block, 2000000, 1, (uint64_t)MAX_EXACT,
                OPTIONAL) ||
        get_duration(c, pow, "target_block_interval", "consensus.pow",
                     &s->consensus.pow.target_block_interval_ns, 10000000000LL, OPTIONAL) ||
        get_u32(c, pow, "retarget_interval", "consensus.pow", &s->consensus.pow.retarget_interval,
                2016, 1, 1000000, OPTIONAL) ||
        get_u64(c, pow, "reward", "consensus.pow", &s->consensus.pow.reward, 5000000000ULL, 0,
                (uint64_t)MAX_EXACT, OPTIONAL))
        return -1;
    if (s->consensus.pow.target_block_interval_ns <= 0)
        return fail(c, SCENARIO_ERR_VALUE, "consensus.pow.target_block_interval",
                    "expected a positive duration, got 0");
    s->consensus.pow.max_block_bytes = 1000000;
    mb = item(pow, "max_block_bytes");
    if (mb != NULL) {
        units_status st = UNITS_OK;
        uint64_t v = 0;
        if (cJSON_IsString(mb))
            st = units_parse_size_bytes(&v, mb->valuestring);
        else if (cJSON_IsNumber(mb) && mb->valuedouble == floor(mb->valuedouble) &&
                 mb->valuedouble >= 0 && mb->valuedouble <= MAX_EXACT)
            v = (uint64_t)mb->valuedouble;
        else
            st = UNITS_BAD_NUMBER;
        if (st != UNITS_OK || v < 1000 || v > (1u << 30))
            return fail(c,
                        cJSON_IsString(mb) || cJSON_IsNumber(mb) ? SCENARIO_ERR_VALUE
                                                                 : SCENARIO_ERR_TYPE,
                        "consensus.pow.max_block_bytes",
                        "expected a size in [1000 B, 1 GiB] like \"1MB\" or a number of bytes, "
                        "got %s",
                        got(mb, g, sizeof g));
        s->consensus.pow.max_block_bytes = v;
    }
    if ((pos && check_keys(c, pos, "consensus.pos", pos_keys)) ||
        get_duration(c, pos, "slot", "consensus.pos", &s->consensus.pos.slot_ns, 1000000000LL,
                     OPTIONAL) ||
        get_double(c, pos, "active_slot_coeff", "consensus.pos",
                   &s->consensus.pos.active_slot_coeff, 0.05, 0, 1, 1, OPTIONAL) ||
        get_u32(c, pos, "k", "consensus.pos", &s->consensus.pos.k, 10, 1, 1000000, OPTIONAL) ||
        get_u32(c, pos, "epoch_slots", "consensus.pos", &s->consensus.pos.epoch_slots, 100, 1,
                100000000, OPTIONAL) ||
        get_u64(c, pos, "reward", "consensus.pos", &s->consensus.pos.reward, 5000000000ULL, 0,
                (uint64_t)MAX_EXACT, OPTIONAL))
        return -1;
    if (s->consensus.pos.slot_ns <= 0)
        return fail(c, SCENARIO_ERR_VALUE, "consensus.pos.slot",
                    "expected a positive duration, got 0");
    return 0;
}

static int parse_latency(ctx *c, scenario_latency *lat, const cJSON *net)
{
    static const char *const k_constant[] = {"dist", "mean", NULL};
    static const char *const k_uniform[] = {"dist", "min", "max", NULL};
    static const char *const k_shaped[] = {"dist", "mean", "stddev", "min", "max", NULL};
    const char *P = "network.latency";
    const cJSON *it = item(net, "latency");
    char g[64];
    unsigned dist;
    lat->dist = SCENARIO_LAT_CONSTANT;
    if (it == NULL || cJSON_IsString(it) || cJSON_IsNumber(it)) {
        if (get_duration(c, net, "latency", "network", &lat->mean_ns, 50000000LL, OPTIONAL))
            return -1;
        if (lat->mean_ns <= 0)
            return fail(c, SCENARIO_ERR_VALUE, P,
                        "expected a positive latency (it is the simulator's lookahead), got %s",
                        got(it, g, sizeof g));
        lat->min_ns = lat->max_ns = lat->mean_ns;
        return 0;
    }
    if (!cJSON_IsObject(it))
        return fail(c, SCENARIO_ERR_TYPE, P,
                    "expected a duration like \"50ms\" or an object {dist, min, max, mean, "
                    "stddev}, got %s",
                    got(it, g, sizeof g));
    if (get_enum(c, it, "dist", P, &dist, SCENARIO_LAT_CONSTANT, latency_names, OPTIONAL))
        return -1;
    lat->dist = (scenario_latency_dist)dist;
    switch (lat->dist) {
    case SCENARIO_LAT_CONSTANT:
        if (check_keys(c, it, P, k_constant) ||
            get_duration(c, it, "mean", P, &lat->mean_ns, 0, REQUIRED))
            return -1;
        if (lat->mean_ns <= 0)
            return fail(c, SCENARIO_ERR_VALUE, "network.latency.mean",
                        "expected a positive latency (it is the lookahead), got 0");
        lat->min_ns = lat->max_ns = lat->mean_ns;
        return 0;
    case SCENARIO_LAT_UNIFORM:
        if (check_keys(c, it, P, k_uniform) ||
            get_duration(c, it, "min", P, &lat->min_ns, 0, REQUIRED) ||
            get_duration(c, it, "max", P, &lat->max_ns, 0, REQUIRED))
            return -1;
        if (lat->min_ns <= 0)
            return fail(c, SCENARIO_ERR_VALUE, "network.latency.min",
                        "expected a positive minimum latency (it is the lookahead), got 0");
        if (lat->max_ns < lat->min_ns)
            return fail(c, SCENARIO_ERR_VALUE, "network.latency.max",
                        "expected max >= min (%lld ns), got %lld ns", (long long)lat->min_ns,
                        (long long)lat->max_ns);
        lat->mean_ns = lat->min_ns + (lat->max_ns - lat->min_ns) / 2;
        return 0;
    case SCENARIO_LAT_NORMAL:
    case SCENARIO_LAT_LOGNORMAL:
        if (check_keys(c, it, P, k_shaped) ||
            get_duration(c, it, "mean", P, &lat->mean_ns, 0, REQUIRED) ||
            get_duration(c, it, "stddev", P, &lat->stddev_ns, 0, REQUIRED) ||
            get_duration(c, it, "min", P, &lat->min_ns, 0, REQUIRED) ||
            get_duration(c, it, "max", P, &lat->max_ns, 0, OPTIONAL))
            return -1;
        if (lat->min_ns <= 0)
            return fail(c, SCENARIO_ERR_VALUE, "network.latency.min",
                        "expected a positive minimum latency (it is the lookahead), got 0");
        if (lat->mean_ns < lat->min_ns ||
            (lat->dist == SCENARIO_LAT_LOGNORMAL && lat->mean_ns == lat->min_ns))
            return fail(c, SCENARIO_ERR_VALUE, "network.latency.mean",
                        "expected mean %s min (%lld ns), got %lld ns",
                        lat->dist == SCENARIO_LAT_LOGNORMAL ? ">" : ">=", (long long)lat->min_ns,
                        (long long)lat->mean_ns);
        if (lat->max_ns != 0 && lat->max_ns < lat->mean_ns)
            return fail(c, SCENARIO_ERR_VALUE, "network.latency.max",
                        "expected 0 (no cap) or max >= mean (%lld ns), got %lld ns",
                        (long long)lat->mean_ns, (long long)lat->max_ns);
        if (lat->dist == SCENARIO_LAT_LOGNORMAL && lat->stddev_ns == 0)
            return fail(c, SCENARIO_ERR_VALUE, "network.latency.stddev",
                        "expected a positive duration for a lognormal, got 0");
        return 0;
    }
    return 0;
}

static int parse_regions(ctx *c, scenario *s, const cJSON *net)
{
    static const char *const keys[] = {"names", "latency", "share", "bandwidth", NULL};
    const cJSON *reg, *names, *mat;
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN], g[64];
    if (get_object(c, net, "regions", "network", &reg) || reg == NULL)
        return reg == NULL && c->status == SCENARIO_OK ? 0 : -1;
    if (check_keys(c, reg, "network.regions", keys))
        return -1;
    names = item(reg, "names");
    if (names == NULL)
        return missing(c, "network.regions.names", "an array of region names");
    int n = cJSON_GetArraySize(names);
    if (!cJSON_IsArray(names) || n < 1 || n > (int)MAX_REGIONS)
        return fail(c, cJSON_IsArray(names) ? SCENARIO_ERR_VALUE : SCENARIO_ERR_TYPE,
                    "network.regions.names", "expected an array of 1 to %u names, got %s",
                    MAX_REGIONS, got(names, g, sizeof g));
    s->network.region_names = calloc((size_t)n, sizeof(char *));
    s->network.region_latency_ns = calloc((size_t)n * (size_t)n, sizeof(int64_t));
    if (s->network.region_names == NULL || s->network.region_latency_ns == NULL)
        return fail(c, SCENARIO_ERR_NOMEM, "network.regions", "out of memory");
    s->network.n_regions = (uint32_t)n;
    for (int i = 0; i < n; i++) {
        const cJSON *nm = cJSON_GetArrayItem(names, i);
        join_index(p, "network.regions.names", (size_t)i);
        if (!cJSON_IsString(nm) || nm->valuestring[0] == '\0')
            return fail(c, SCENARIO_ERR_TYPE, p, "expected a non-empty region name, got %s",
                        got(nm, g, sizeof g));
        for (int j = 0; j < i; j++)
            if (strcmp(s->network.region_names[j], nm->valuestring) == 0)
                return fail(c, SCENARIO_ERR_VALUE, p, "region \"%s\" is already named at [%d]",
                            nm->valuestring, j);
        s->network.region_names[i] = strdup(nm->valuestring);
        if (s->network.region_names[i] == NULL)
            return fail(c, SCENARIO_ERR_NOMEM, p, "out of memory");
    }
    mat = item(reg, "latency");
    if (mat == NULL)
        return missing(c, "network.regions.latency", "an N x N matrix of durations");
    if (!cJSON_IsArray(mat) || cJSON_GetArraySize(mat) != n)
        return fail(c, SCENARIO_ERR_VALUE, "network.regions.latency",
                    "expected an array of %d rows (one per region), got %s", n,
                    got(mat, g, sizeof g));
    for (int i = 0; i < n; i++) {
        const cJSON *row = cJSON_GetArrayItem(mat, i);
        join_index(p, "network.regions.latency", (size_t)i);
        if (!cJSON_IsArray(row) || cJSON_GetArraySize(row) != n)
            return fail(c, SCENARIO_ERR_VALUE, p, "expected a row of %d durations, got %s", n,
                        got(row, g, sizeof g));
        for (int j = 0; j < n; j++) {
            const cJSON *cell = cJSON_GetArrayItem(row, j);
            int64_t *v = &s->network.region_latency_ns[i * n + j];
            units_status st = UNITS_BAD_NUMBER;
            join_index(q, p, (size_t)j);
            if (cJSON_IsString(cell))
                st = units_parse_duration_ns(v, cell->valuestring);
            else if (cJSON_IsNumber(cell))
                st = units_seconds_to_ns(v, cell->valuedouble);
            if (st != UNITS_OK || *v <= 0)
                return fail(c, SCENARIO_ERR_VALUE, q,
                            "expected a positive duration like \"80ms\" (it bounds the "
                            "lookahead), got %s",
                            got(cell, g, sizeof g));
        }
    }
    c->status = regions_parse(s, reg, c->file, c->err, c->errlen);
    return c->status == SCENARIO_OK ? 0 : -1;
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

static int parse_edges(ctx *c, scenario *s, const cJSON *topo)
{
    const char *P = "network.topology.edges";
    const cJSON *edges = item(topo, "edges");
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN], g[64];
    if (edges == NULL)
        return missing(c, P, "an array of [a, b] node pairs");
    if (!cJSON_IsArray(edges) || cJSON_GetArraySize(edges) < 1)
        return fail(c, SCENARIO_ERR_TYPE, P, "expected a non-empty array of [a, b] pairs, got %s",
                    got(edges, g, sizeof g));
    size_t n = (size_t)cJSON_GetArraySize(edges);
    s->network.edges = calloc(n, sizeof *s->network.edges);
    if (s->network.edges == NULL)
        return fail(c, SCENARIO_ERR_NOMEM, P, "out of memory");
    s->network.n_edges = n;
    for (size_t i = 0; i < n; i++) {
        const cJSON *e = cJSON_GetArrayItem(edges, (int)i);
        uint32_t ab[2];
        join_index(p, P, i);
        if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) != 2)
            return fail(c, SCENARIO_ERR_TYPE, p, "expected a pair [a, b] of node numbers, got %s",
                        got(e, g, sizeof g));
        for (int k = 0; k < 2; k++) {
            join_index(q, p, (size_t)k);
            if (get_ref(c, cJSON_GetArrayItem(e, k), q, s->n_nodes, "node", &ab[k]))
                return -1;
        }
        if (ab[0] == ab[1])
            return fail(c, SCENARIO_ERR_VALUE, p, "expected two different nodes, got %s",
                        got(e, g, sizeof g));
        s->network.edges[i][0] = ab[0] < ab[1] ? ab[0] : ab[1];
        s->network.edges[i][1] = ab[0] < ab[1] ? ab[1] : ab[0];
        for (size_t j = 0; j < i; j++)
            if (cmp_edge(s->network.edges[j], s->network.edges[i]) == 0)
                return fail(c, SCENARIO_ERR_VALUE, p, "edge %s is already listed at [%zu]",
                            got(e, g, sizeof g), j);
    }
    qsort(s->network.edges, n, sizeof *s->network.edges, cmp_edge);
    uint32_t *parent = malloc(s->n_nodes * sizeof *parent);
    if (parent == NULL)
        return fail(c, SCENARIO_ERR_NOMEM, P, "out of memory");
    for (uint32_t i = 0; i < s->n_nodes; i++)
        parent[i] = i;
    for (size_t i = 0; i < n; i++)
        parent[uf_find(parent, s->network.edges[i][0])] = uf_find(parent, s->network.edges[i][1]);
    for (uint32_t i = 1; i < s->n_nodes; i++)
        if (uf_find(parent, i) != uf_find(parent, 0)) {
            free(parent);
            return fail(c, SCENARIO_ERR_VALUE, P,
                        "expected a connected graph, but node %u cannot reach node 1", i + 1);
        }
    free(parent);
    return 0;
}

static int parse_topology(ctx *c, scenario *s, const cJSON *net)
{
    static const char *const k_plain[] = {"type", NULL};
    static const char *const k_random[] = {"type", "degree", NULL};
    static const char *const k_star[] = {"type", "center", NULL};
    static const char *const k_edges[] = {"type", "edges", NULL};
    const char *P = "network.topology";
    const cJSON *topo = item(net, "topology");
    char g[64];
    unsigned type = SCENARIO_TOPO_FULL;
    if (topo != NULL && cJSON_IsString(topo)) {
        if (get_enum(c, net, "topology", "network", &type, SCENARIO_TOPO_FULL, topology_names,
                     OPTIONAL))
            return -1;
        topo = NULL;
    } else if (topo != NULL && !cJSON_IsObject(topo)) {
        return fail(c, SCENARIO_ERR_TYPE, P,
                    "expected a type name or an object {type, ...}, got %s",
                    got(topo, g, sizeof g));
    } else if (get_enum(c, topo, "type", P, &type, SCENARIO_TOPO_FULL, topology_names, OPTIONAL)) {
        return -1;
    }
    s->network.topology = (scenario_topology)type;
    const char *const *keys = type == SCENARIO_TOPO_RANDOM  ? k_random
                              : type == SCENARIO_TOPO_STAR  ? k_star
                              : type == SCENARIO_TOPO_EDGES ? k_edges
                                                            : k_plain;
    if (topo != NULL && check_keys(c, topo, P, keys))
        return -1;
    uint32_t n = s->n_nodes;
    switch (s->network.topology) {
    case SCENARIO_TOPO_RANDOM: {
        uint32_t lo = n >= 3 ? 2 : n - 1, hi = n - 1, dflt = n - 1 < 8 ? n - 1 : 8;
        return get_u32(c, topo, "degree", P, &s->network.degree, dflt, lo, hi, OPTIONAL);
    }
    case SCENARIO_TOPO_STAR:
        if (item(topo, "center") == NULL)
            return 0;
        return get_ref_key(c, topo, "center", P, n, "node", &s->network.center);
    case SCENARIO_TOPO_EDGES:
        if (topo == NULL)
            return missing(c, "network.topology.edges", "an array of [a, b] node pairs");
        return parse_edges(c, s, topo);
    default:
        return 0;
    }
}

static int parse_network(ctx *c, scenario *s, const cJSON *root)
{
    static const char *const keys[] = {"topology", "latency", "bandwidth", "loss", "regions", NULL};
    const cJSON *net, *bw;
    char g[64];
    if (get_object(c, root, "network", "", &net) || (net && check_keys(c, net, "network", keys)) ||
        parse_topology(c, s, net) || parse_latency(c, &s->network.latency, net) ||
        parse_regions(c, s, net) ||
        get_double(c, net, "loss", "network", &s->network.loss, 0, 0, 0, 0.999999, OPTIONAL))
        return -1;
    bw = item(net, "bandwidth");
    if (bw != NULL) {
        units_status st = UNITS_OK;
        if (cJSON_IsString(bw))
            st = units_parse_bandwidth_bps(&s->network.bandwidth_bps, bw->valuestring);
        else if (!(cJSON_IsNumber(bw) && bw->valuedouble == 0))
            return fail(c, SCENARIO_ERR_TYPE, "network.bandwidth",
                        "expected a bandwidth with its unit like \"10Mbit\" (or 0 for "
                        "unlimited), got %s",
                        got(bw, g, sizeof g));
        if (st != UNITS_OK)
            return fail(c, SCENARIO_ERR_VALUE, "network.bandwidth",
                        "expected a bandwidth like \"10Mbit\", \"1.5MB/s\" or \"0\", got %s (%s)",
                        got(bw, g, sizeof g), units_strerror(st));
    }
    return 0;
}

static int parse_overrides(ctx *c, scenario *s, const cJSON *root)
{
    static const char *const keys[] = {"node", "hashrate", "stake", "region", "join_at", NULL};
    const cJSON *ov = item(root, "node_overrides");
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN], g[64];
    if (ov == NULL)
        return 0;
    if (!cJSON_IsArray(ov))
        return fail(c, SCENARIO_ERR_TYPE, "node_overrides", "expected an array of objects, got %s",
                    got(ov, g, sizeof g));
    int n = cJSON_GetArraySize(ov);
    int *seen = calloc(s->n_nodes, sizeof *seen);
    if (seen == NULL)
        return fail(c, SCENARIO_ERR_NOMEM, "node_overrides", "out of memory");
    for (int i = 0; i < n; i++) {
        const cJSON *o = cJSON_GetArrayItem(ov, i), *reg;
        uint32_t node;
        join_index(p, "node_overrides", (size_t)i);
        if (!cJSON_IsObject(o)) {
            fail(c, SCENARIO_ERR_TYPE, p, "expected an object {node, ...}, got %s",
                 got(o, g, sizeof g));
            goto fail;
        }
        if (check_keys(c, o, p, keys) || get_ref_key(c, o, "node", p, s->n_nodes, "node", &node))
            goto fail;
        if (seen[node]) {
            join_key(q, p, "node");
            fail(c, SCENARIO_ERR_VALUE, q, "node %u is already overridden at node_overrides[%d]",
                 node + 1, seen[node] - 1);
            goto fail;
        }
        seen[node] = i + 1;
        scenario_node *nd = &s->nodes[node];
        if (get_hashrate(c, o, "hashrate", p, &nd->hashrate_hps, nd->hashrate_hps, OPTIONAL) ||
            get_u64(c, o, "stake", p, &nd->stake, nd->stake, 0, (uint64_t)MAX_EXACT, OPTIONAL) ||
            get_duration(c, o, "join_at", p, &nd->join_at_ns, 0, OPTIONAL))
            goto fail;
        if (nd->join_at_ns >= s->duration_ns) {
            join_key(q, p, "join_at");
            fail(c, SCENARIO_ERR_VALUE, q, "expected a time before the end of the run (%lld ns)",
                 (long long)s->duration_ns);
            goto fail;
        }
        reg = item(o, "region");
        if (reg != NULL) {
            uint32_t r;
            join_key(q, p, "region");
            if (s->network.n_regions == 0) {
                fail(c, SCENARIO_ERR_VALUE, q, "no regions are defined (network.regions)");
                goto fail;
            }
            for (r = 0; r < s->network.n_regions; r++)
                if (cJSON_IsString(reg) &&
                    strcmp(reg->valuestring, s->network.region_names[r]) == 0)
                    break;
            if (r == s->network.n_regions) {
                fail(c, cJSON_IsString(reg) ? SCENARIO_ERR_VALUE : SCENARIO_ERR_TYPE, q,
                     "expected a region name from network.regions.names, got %s",
                     got(reg, g, sizeof g));
                goto fail;
            }
            nd->region = r;
        }
    }
    free(seen);
    return 0;
fail:
    free(seen);
    return -1;
}

static int parse_workload(ctx *c, scenario *s, const cJSON *root)
{
    static const char *const keys[] = {"wallets", "rate",          "amount_min", "amount_max",
                                       "fee",     "confirmations", NULL};
    const cJSON *w, *rate;
    char g[64];
    if (get_object(c, root, "workload", "", &w) || (w && check_keys(c, w, "workload", keys)) ||
        get_u32(c, w, "wallets", "workload", &s->workload.wallets, 20, 0, MAX_WALLETS, OPTIONAL) ||
        get_u64(c, w, "amount_min", "workload", &s->workload.amount_min, 1000, 1,
                (uint64_t)MAX_EXACT, OPTIONAL) ||
        get_u64(c, w, "amount_max", "workload", &s->workload.amount_max,
                s->workload.amount_min > 100000 ? s->workload.amount_min : 100000,
                s->workload.amount_min, (uint64_t)MAX_EXACT, OPTIONAL) ||
        get_u64(c, w, "fee", "workload", &s->workload.fee, 100, 0, (uint64_t)MAX_EXACT, OPTIONAL) ||
        get_u32(c, w, "confirmations", "workload", &s->workload.confirmations, 6, 1, 10000,
                OPTIONAL))
        return -1;
    rate = item(w, "rate");
    s->workload.rate_per_s = 0.1;
    if (rate != NULL) {
        units_status st = UNITS_OK;
        if (cJSON_IsString(rate))
            st = units_parse_rate_per_s(&s->workload.rate_per_s, rate->valuestring);
        else if (cJSON_IsNumber(rate) && rate->valuedouble >= 0 && rate->valuedouble <= 1e6)
            s->workload.rate_per_s = rate->valuedouble;
        else if (cJSON_IsNumber(rate))
            st = UNITS_OVERFLOW;
        else
            return fail(c, SCENARIO_ERR_TYPE, "workload.rate",
                        "expected a rate like \"2/s\" or a number per second, got %s",
                        got(rate, g, sizeof g));
        if (st != UNITS_OK || s->workload.rate_per_s > 1e6)
            return fail(c, SCENARIO_ERR_VALUE, "workload.rate",
                        "expected a rate in [0, 1e6] per second like \"2/s\" or \"30/m\", got %s",
                        got(rate, g, sizeof g));
    }
    if (s->workload.rate_per_s > 0 && s->workload.wallets < 2)
        return fail(c, SCENARIO_ERR_VALUE, "workload.wallets",
                    "expected at least 2 wallets when workload.rate > 0, got %u",
                    s->workload.wallets);
    return 0;
}

/* Node numbers of a partition event's groups: each node in exactly one group. */
static int parse_groups(ctx *c, scenario *s, scenario_event *ev, const cJSON *e, const char *path)
{
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN], r[PATH_MAX_LEN], g[64];
    const cJSON *groups = item(e, "groups");
    join_key(p, path, "groups");
    if (groups == NULL)
        return missing(c, p, "an array of node groups like [[1,2],[3,4]]");
    if (!cJSON_IsArray(groups) || cJSON_GetArraySize(groups) < 2)
        return fail(c, SCENARIO_ERR_VALUE, p,
                    "expected an array of at least 2 node groups like [[1,2],[3,4]], got %s",
                    got(groups, g, sizeof g));
    ev->n_groups = (uint32_t)cJSON_GetArraySize(groups);
    ev->group_of = malloc(s->n_nodes * sizeof *ev->group_of);
    if (ev->group_of == NULL)
        return fail(c, SCENARIO_ERR_NOMEM, p, "out of memory");
    for (uint32_t i = 0; i < s->n_nodes; i++)
        ev->group_of[i] = UINT32_MAX;
    for (uint32_t k = 0; k < ev->n_groups; k++) {
        const cJSON *grp = cJSON_GetArrayItem(groups, (int)k);
        join_index(q, p, k);
        if (!cJSON_IsArray(grp) || cJSON_GetArraySize(grp) < 1)
            return fail(c, SCENARIO_ERR_VALUE, q, "expected a non-empty array of nodes, got %s",
                        got(grp, g, sizeof g));
        for (int j = 0; j < cJSON_GetArraySize(grp); j++) {
            uint32_t node;
            join_index(r, q, (size_t)j);
            if (get_ref(c, cJSON_GetArrayItem(grp, j), r, s->n_nodes, "node", &node))
                return -1;
            if (ev->group_of[node] != UINT32_MAX)
                return fail(c, SCENARIO_ERR_VALUE, r,
                            "node %u is already in group %u: groups must not overlap", node + 1,
                            ev->group_of[node]);
            ev->group_of[node] = k;
        }
    }
    for (uint32_t i = 0; i < s->n_nodes; i++)
        if (ev->group_of[i] == UINT32_MAX)
            return fail(c, SCENARIO_ERR_VALUE, p,
                        "node %u is in no group: groups must cover all %u nodes", i + 1,
                        s->n_nodes);
    return 0;
}

/* A two-element array of references (double_spend's to and nodes). */
static int get_pair(ctx *c, const cJSON *e, const char *key, const char *path, uint32_t count,
                    const char *what, uint32_t out[2])
{
    char p[PATH_MAX_LEN], q[PATH_MAX_LEN], g[64];
    const cJSON *a = item(e, key);
    join_key(p, path, key);
    if (a == NULL)
        return missing(c, p, "a pair of numbers");
    if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != 2)
        return fail(c, SCENARIO_ERR_TYPE, p, "expected a pair [a, b] of %s numbers, got %s", what,
                    got(a, g, sizeof g));
    for (int k = 0; k < 2; k++) {
        join_index(q, p, (size_t)k);
        if (get_ref(c, cJSON_GetArrayItem(a, k), q, count, what, &out[k]))
            return -1;
    }
    return 0;
}

static int parse_event(ctx *c, scenario *s, scenario_event *ev, const cJSON *e, const char *p)
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
    char q[PATH_MAX_LEN], g[64];
    unsigned type;
    uint32_t w = s->workload.wallets;
    if (!cJSON_IsObject(e))
        return fail(c, SCENARIO_ERR_TYPE, p, "expected an object {at, type, ...}, got %s",
                    got(e, g, sizeof g));
    if (get_enum(c, e, "type", p, &type, 0, event_names, REQUIRED) ||
        check_keys(c, e, p, keys[type]) || get_duration(c, e, "at", p, &ev->at_ns, 0, REQUIRED))
        return -1;
    ev->type = (scenario_event_type)type;
    if (ev->at_ns >= s->duration_ns) {
        join_key(q, p, "at");
        return fail(c, SCENARIO_ERR_VALUE, q,
                    "expected a time before the end of the run (duration %lld ns), got %s",
                    (long long)s->duration_ns, got(item(e, "at"), g, sizeof g));
    }
    switch (ev->type) {
    case SCENARIO_EV_PARTITION:
        return parse_groups(c, s, ev, e, p);
    case SCENARIO_EV_HEAL:
        return 0;
    case SCENARIO_EV_CRASH:
    case SCENARIO_EV_RESTART:
        return get_ref_key(c, e, "node", p, s->n_nodes, "node", &ev->node);
    case SCENARIO_EV_SET_HASHRATE:
        return get_ref_key(c, e, "node", p, s->n_nodes, "node", &ev->node) ||
               get_hashrate(c, e, "hashrate", p, &ev->hashrate_hps, 0, REQUIRED);
    case SCENARIO_EV_SET_STAKE:
        return get_ref_key(c, e, "node", p, s->n_nodes, "node", &ev->node) ||
               get_u64(c, e, "stake", p, &ev->stake, 0, 0, (uint64_t)MAX_EXACT, REQUIRED);
    case SCENARIO_EV_TX:
        ev->node = 0;
        return get_ref_key(c, e, "from", p, w, "wallet", &ev->from) ||
               get_ref_key(c, e, "to", p, w, "wallet", &ev->to[0]) ||
               get_u64(c, e, "amount", p, &ev->amount, 0, 1, (uint64_t)MAX_EXACT, REQUIRED) ||
               (item(e, "node") != NULL &&
                get_ref_key(c, e, "node", p, s->n_nodes, "node", &ev->node));
    case SCENARIO_EV_DOUBLE_SPEND:
        return get_ref_key(c, e, "from", p, w, "wallet", &ev->from) ||
               get_pair(c, e, "to", p, w, "wallet", ev->to) ||
               get_u64(c, e, "amount", p, &ev->amount, 0, 1, (uint64_t)MAX_EXACT, REQUIRED) ||
               get_pair(c, e, "nodes", p, s->n_nodes, "node", ev->nodes);
    }
    return 0;
}

struct order {
    int64_t at_ns;
    size_t index;
};

static int cmp_order(const void *a, const void *b)
{
    const struct order *x = a, *y = b;
    if (x->at_ns != y->at_ns)
        return x->at_ns < y->at_ns ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Crash and restart must alternate per node; heal needs a partition. */
static int check_event_sequence(ctx *c, scenario *s, const struct order *ord)
{
    char p[PATH_MAX_LEN];
    unsigned char *down = calloc(s->n_nodes, 1);
    int partitioned = 0;
    if (down == NULL)
        return fail(c, SCENARIO_ERR_NOMEM, "events", "out of memory");
    for (size_t i = 0; i < s->n_events; i++) {
        const scenario_event *ev = &s->events[i];
        join_index(p, "events", ord[i].index);
        if ((ev->type == SCENARIO_EV_CRASH || ev->type == SCENARIO_EV_RESTART) &&
            ev->at_ns < s->nodes[ev->node].join_at_ns) {
            free(down);
            return fail(c, SCENARIO_ERR_VALUE, p,
                        "node %u joins at %.3f s: it cannot crash or restart before it joins",
                        ev->node + 1, (double)s->nodes[ev->node].join_at_ns / 1e9);
        }
        if (ev->type == SCENARIO_EV_CRASH && down[ev->node]) {
            free(down);
            return fail(c, SCENARIO_ERR_VALUE, p, "node %u is already crashed at this time",
                        ev->node + 1);
        }
        if (ev->type == SCENARIO_EV_RESTART && !down[ev->node]) {
            free(down);
            return fail(c, SCENARIO_ERR_VALUE, p,
                        "node %u is not crashed at this time: restart needs an earlier crash",
                        ev->node + 1);
        }
        if (ev->type == SCENARIO_EV_HEAL && !partitioned) {
            free(down);
            return fail(c, SCENARIO_ERR_VALUE, p, "heal without an earlier partition");
        }
        if (ev->type == SCENARIO_EV_CRASH || ev->type == SCENARIO_EV_RESTART)
            down[ev->node] = ev->type == SCENARIO_EV_CRASH;
        if (ev->type == SCENARIO_EV_PARTITION || ev->type == SCENARIO_EV_HEAL)
            partitioned = ev->type == SCENARIO_EV_PARTITION;
    }
    free(down);
    return 0;
}

static int parse_events(ctx *c, scenario *s, const cJSON *root)
{
    const cJSON *evs = item(root, "events");
    char p[PATH_MAX_LEN], g[64];
    if (evs == NULL)
        return 0;
    if (!cJSON_IsArray(evs))
        return fail(c, SCENARIO_ERR_TYPE, "events", "expected an array of events, got %s",
                    got(evs, g, sizeof g));
    size_t n = (size_t)cJSON_GetArraySize(evs);
    if (n == 0)
        return 0;
    scenario_event *raw = calloc(n, sizeof *raw);
    struct order *ord = calloc(n, sizeof *ord);
    s->events = calloc(n, sizeof *s->events);
    if (raw == NULL || ord == NULL || s->events == NULL) {
        fail(c, SCENARIO_ERR_NOMEM, "events", "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        join_index(p, "events", i);
        if (parse_event(c, s, &raw[i], cJSON_GetArrayItem(evs, (int)i), p))
            goto fail;
        ord[i].at_ns = raw[i].at_ns;
        ord[i].index = i;
    }
    qsort(ord, n, sizeof *ord, cmp_order);
    for (size_t i = 0; i < n; i++) {
        s->events[i] = raw[ord[i].index];
        raw[ord[i].index].group_of = NULL;
    }
    s->n_events = n;
    if (check_event_sequence(c, s, ord))
        goto fail;
    free(raw);
    free(ord);
    return 0;
fail:
    for (size_t i = 0; raw != NULL && i < n; i++)
        free(raw[i].group_of);
    free(raw);
    free(ord);
    return -1;
}

static int parse_root(ctx *c, scenario *s, const cJSON *root)
{
    static const char *const keys[] = {"name",     "description",    "seed",      "duration",
                                       "nodes",    "node_overrides", "consensus", "network",
                                       "workload", "metrics",        "events",    NULL};
    static const char *const metrics_keys[] = {"sample_interval", NULL};
    const cJSON *metrics;
    char g[64];
    if (!cJSON_IsObject(root))
        return fail(c, SCENARIO_ERR_TYPE, "", "expected a JSON object, got %s",
                    got(root, g, sizeof g));
    if (check_keys(c, root, "", keys) || get_string(c, root, "name", "", &s->name, "unnamed") ||
        get_string(c, root, "description", "", &s->description, "") ||
        get_seed(c, root, &s->seed) ||
        get_duration(c, root, "duration", "", &s->duration_ns, 600000000000LL, OPTIONAL))
        return -1;
    if (s->duration_ns <= 0)
        return fail(c, SCENARIO_ERR_VALUE, "duration", "expected a positive duration, got 0");
    if (parse_nodes(c, s, root) || parse_network(c, s, root) || parse_overrides(c, s, root) ||
        parse_consensus(c, s, root) || parse_workload(c, s, root))
        return -1;
    if (get_object(c, root, "metrics", "", &metrics) ||
        (metrics && check_keys(c, metrics, "metrics", metrics_keys)) ||
        get_duration(c, metrics, "sample_interval", "metrics", &s->metrics.sample_interval_ns,
                     1000000000LL, OPTIONAL))
        return -1;
    if (s->metrics.sample_interval_ns <= 0)
        return fail(c, SCENARIO_ERR_VALUE, "metrics.sample_interval",
                    "expected a positive duration, got 0");
    return parse_events(c, s, root);
}

scenario_status scenario_from_json(scenario *out, const cJSON *json, const char *file, char *err,
                                   size_t errlen)
{
    ctx c = {file != NULL ? file : "(scenario)", err, errlen, SCENARIO_OK};
    memset(out, 0, sizeof *out);
    if (errlen > 0)
        err[0] = '\0';
    if (parse_root(&c, out, json) != 0) {
        scenario_free(out);
        return c.status != SCENARIO_OK ? c.status : SCENARIO_ERR_VALUE;
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

static scenario_status set_fail(char *err, size_t errlen, const char *assignment, const char *what)
{
    if (errlen > 0)
        snprintf(err, errlen, "--set '%s': %s", assignment, what);
    return SCENARIO_ERR_OVERRIDE;
}

scenario_status scenario_set(cJSON *json, const char *assignment, char *err, size_t errlen)
{
    char msg[200];
    const char *eq = strchr(assignment, '=');
    if (errlen > 0)
        err[0] = '\0';
    if (eq == NULL || eq == assignment)
        return set_fail(err, errlen, assignment, "expected PATH=VALUE, like network.loss=0.01");
    if (!cJSON_IsObject(json))
        return set_fail(err, errlen, assignment, "the scenario is not a JSON object");
    size_t plen = (size_t)(eq - assignment);
    char *path = strndup(assignment, plen);
    if (path == NULL)
        return SCENARIO_ERR_NOMEM;
    const char *value = eq + 1;
    const char *parse_end = NULL;
    /* Whole value or nothing: "5m" must not parse as the number 5. */
    cJSON *val = cJSON_ParseWithOpts(value, &parse_end, 1);
    if (val == NULL)
        val = cJSON_CreateString(value);
    if (val == NULL) {
        free(path);
        return SCENARIO_ERR_NOMEM;
    }
    cJSON *cur = json;
    char *p = path;
    scenario_status st = SCENARIO_OK;
    /* Each step: a key (up to '.', '[' or end), then any number of [N]. */
    while (*p != '\0') {
        size_t klen = strcspn(p, ".[");
        if (klen == 0) {
            st = set_fail(err, errlen, assignment, "empty key in the path");
            goto done;
        }
        char saved = p[klen];
        p[klen] = '\0';
        char *key = p;
        p += klen;
        *p = saved;
        int last_key = saved == '\0';
        if (!cJSON_IsObject(cur)) {
            snprintf(msg, sizeof msg, "cannot set key \"%.*s\": its parent is not an object",
                     (int)klen, key);
            st = set_fail(err, errlen, assignment, msg);
            goto done;
        }
        char keybuf[128];
        snprintf(keybuf, sizeof keybuf, "%.*s", (int)klen, key);
        cJSON *next = cJSON_GetObjectItemCaseSensitive(cur, keybuf);
        if (last_key) {
            if (next != NULL)
                cJSON_ReplaceItemInObjectCaseSensitive(cur, keybuf, val);
            else
                cJSON_AddItemToObject(cur, keybuf, val);
            val = NULL;
            goto done;
        }
        if (next == NULL) {
            if (*p == '[') {
                snprintf(msg, sizeof msg, "\"%s\" does not exist, so it has no index", keybuf);
                st = set_fail(err, errlen, assignment, msg);
                goto done;
            }
            next = cJSON_AddObjectToObject(cur, keybuf);
            if (next == NULL) {
                st = SCENARIO_ERR_NOMEM;
                goto done;
            }
        }
        cur = next;
        while (*p == '[') {
            char *end;
            errno = 0;
            unsigned long idx = strtoul(p + 1, &end, 10);
            if (end == p + 1 || *end != ']' || p[1] == '-' || p[1] == '+') {
                st = set_fail(err, errlen, assignment, "expected [N] with N a non-negative index");
                goto done;
            }
            p = end + 1;
            if (!cJSON_IsArray(cur)) {
                snprintf(msg, sizeof msg, "index [%lu] used on something that is not an array",
                         idx);
                st = set_fail(err, errlen, assignment, msg);
                goto done;
            }
            size_t size = (size_t)cJSON_GetArraySize(cur);
            if (idx > size || (idx == size && *p != '\0')) {
                snprintf(msg, sizeof msg, "index [%lu] is out of range (array has %zu items)", idx,
                         size);
                st = set_fail(err, errlen, assignment, msg);
                goto done;
            }
            if (*p == '\0') {
                if (idx == size)
                    cJSON_AddItemToArray(cur, val);
                else
                    cJSON_ReplaceItemInArray(cur, (int)idx, val);
                val = NULL;
                goto done;
            }
            cur = cJSON_GetArrayItem(cur, (int)idx);
        }
        if (*p == '.')
            p++;
        if (*p == '\0') {
            st = set_fail(err, errlen, assignment, "the path ends with '.'");
            goto done;
        }
    }
done:
    cJSON_Delete(val);
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

static scenario_status load_text(scenario *out, const char *text, const char *file,
                                 const char *const *overrides, size_t n_overrides, char *err,
                                 size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *at = NULL;
    cJSON *json = cJSON_ParseWithOpts(text, &at, 1);
    if (json == NULL) {
        size_t line = 1, col = 1;
        for (const char *q = text; at != NULL && q < at && *q; q++) {
            if (*q == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        if (errlen > 0)
            snprintf(err, errlen, "%s: line %zu column %zu: not valid JSON", file, line, col);
        return SCENARIO_ERR_SYNTAX;
    }
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
    return load_text(out, default_json, "(built-in default scenario)", overrides, n_overrides, err,
                     errlen);
}

scenario_status scenario_load_file(scenario *out, const char *path, const char *const *overrides,
                                   size_t n_overrides, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    size_t len = 0, cap = 0;
    if (f == NULL) {
        if (errlen > 0)
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return SCENARIO_ERR_IO;
    }
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 16384;
            char *grown = realloc(text, cap);
            if (grown == NULL) {
                free(text);
                fclose(f);
                return SCENARIO_ERR_NOMEM;
            }
            text = grown;
        }
        size_t got_n = fread(text + len, 1, cap - len - 1, f);
        len += got_n;
        if (got_n == 0)
            break;
    }
    int read_error = ferror(f);
    fclose(f);
    if (read_error) {
        free(text);
        if (errlen > 0)
            snprintf(err, errlen, "%s: read error", path);
        return SCENARIO_ERR_IO;
    }
    text[len] = '\0';
    if (strlen(text) != len) {
        free(text);
        if (errlen > 0)
            snprintf(err, errlen, "%s: not valid JSON (contains a NUL byte)", path);
        return SCENARIO_ERR_SYNTAX;
    }
    scenario_status st = load_text(out, text, path, overrides, n_overrides, err, errlen);
    free(text);
    return st;
}
