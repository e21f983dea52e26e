/* Region shares and per-region bandwidth. Placement follows SimBlock's idea
 * (a list of region indices in the proportions of the shares, shuffled by the
 * run's generator) so that the counts are exact rather than binomial: with
 * shares 0.3316 and 0.4998 over 1,000 nodes, 332 and 500 nodes, for every
 * seed; only which nodes they are depends on the seed. Bandwidth follows
 * SimBlock's rule too: a message's rate is min(sender's upload, receiver's
 * download); the sender's uplink still sends one message at a time (net.c). */
#include "regions.h"

#include "rng.h"
#include "units.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ctx {
    const char *file;
    char *err;
    size_t errlen;
} ctx;

static scenario_status fail(ctx *c, scenario_status st, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static scenario_status fail(ctx *c, scenario_status st, const char *path, const char *fmt, ...)
{
    if (c->errlen > 0) {
        int n = snprintf(c->err, c->errlen, "%s: %s: ", c->file, path);
        if (n >= 0 && (size_t)n < c->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    return st;
}

/* A short rendering of a JSON value for "got ..." in messages. */
static const char *got(const cJSON *it, char *buf, size_t len)
{
    char *s = cJSON_PrintUnformatted(it);
    snprintf(buf, len, "%s", s != NULL ? s : "(unprintable)");
    if (s != NULL && strlen(s) > 40 && len > 40)
        snprintf(buf + 37, len - 37, "...");
    free(s);
    return buf;
}

/* An array of exactly n items at path, or the reason. */
static scenario_status get_array(ctx *c, const cJSON *it, const char *path, uint32_t n,
                                 const char *what)
{
    char g[64];
    if (!cJSON_IsArray(it))
        return fail(c, SCENARIO_ERR_TYPE, path,
                    "expected an array of %u %s (one per region), got %s", n, what,
                    got(it, g, sizeof g));
    if (cJSON_GetArraySize(it) != (int)n)
        return fail(c, SCENARIO_ERR_VALUE, path,
                    "expected %u %s (one per region in network.regions.names), got %d", n, what,
                    cJSON_GetArraySize(it));
    return SCENARIO_OK;
}

static scenario_status parse_share(ctx *c, scenario *s, const cJSON *share)
{
    static const char *const P = "network.regions.share";
    uint32_t n = s->network.n_regions;
    char p[64], g[64];
    scenario_status st = get_array(c, share, P, n, "shares");
    if (st != SCENARIO_OK)
        return st;
    s->network.region_share = calloc(n, sizeof *s->network.region_share);
    if (s->network.region_share == NULL)
        return fail(c, SCENARIO_ERR_NOMEM, P, "out of memory");
    double sum = 0;
    uint32_t i = 0;
    for (const cJSON *v = share->child; v != NULL; v = v->next, i++) {
        snprintf(p, sizeof p, "%s[%u]", P, i);
        if (!cJSON_IsNumber(v))
            return fail(c, SCENARIO_ERR_TYPE, p, "expected a number in (0, 1], got %s",
                        got(v, g, sizeof g));
        if (!(v->valuedouble > 0 && v->valuedouble <= 1))
            return fail(c, SCENARIO_ERR_VALUE, p,
                        "expected a positive share of the nodes in (0, 1], got %s",
                        got(v, g, sizeof g));
        s->network.region_share[i] = v->valuedouble;
        sum += v->valuedouble;
    }
    if (fabs(sum - 1.0) > REGIONS_SHARE_TOLERANCE)
        return fail(c, SCENARIO_ERR_VALUE, P,
                    "expected shares that sum to 1 (within %g), got a sum of %.6g",
                    REGIONS_SHARE_TOLERANCE, sum);
    return SCENARIO_OK;
}

/* One direction's list of per-region rates into *out (n entries). */
static scenario_status parse_rates(ctx *c, uint64_t **out, uint32_t n, const cJSON *list,
                                   const char *path)
{
    char p[96], g[64];
    scenario_status st = get_array(c, list, path, n, "bandwidths");
    if (st != SCENARIO_OK)
        return st;
    *out = calloc(n, sizeof **out);
    if (*out == NULL)
        return fail(c, SCENARIO_ERR_NOMEM, path, "out of memory");
    uint32_t i = 0;
    for (const cJSON *v = list->child; v != NULL; v = v->next, i++) {
        snprintf(p, sizeof p, "%s[%u]", path, i);
        if (cJSON_IsNumber(v) && v->valuedouble == 0)
            continue; /* 0: unlimited */
        if (!cJSON_IsString(v) && !cJSON_IsNumber(v))
            return fail(c, SCENARIO_ERR_TYPE, p,
                        "expected a bandwidth like \"19.2Mbit\" (or 0 for unlimited), got %s",
                        got(v, g, sizeof g));
        units_status us = UNITS_BAD_NUMBER;
        if (cJSON_IsString(v))
            us = units_parse_bandwidth_bps(&(*out)[i], v->valuestring);
        if (us != UNITS_OK)
            return fail(c, SCENARIO_ERR_VALUE, p,
                        "expected a bandwidth like \"19.2Mbit\", \"2.4MB/s\" or 0 (unlimited), "
                        "got %s (%s)",
                        got(v, g, sizeof g), units_status_message(us));
    }
    return SCENARIO_OK;
}

static scenario_status parse_bandwidth(ctx *c, scenario *s, const cJSON *bw)
{
    static const char *const P = "network.regions.bandwidth";
    uint32_t n = s->network.n_regions;
    char p[96], g[64];
    scenario_status st;
    if (!cJSON_IsObject(bw))
        return fail(c, SCENARIO_ERR_TYPE, P,
                    "expected an object {\"upload\": [...], \"download\": [...]}, got %s",
                    got(bw, g, sizeof g));
    for (const cJSON *k = bw->child; k != NULL; k = k->next) {
        snprintf(p, sizeof p, "%s.%s", P, k->string);
        if (strcmp(k->string, "upload") != 0 && strcmp(k->string, "download") != 0)
            return fail(c, SCENARIO_ERR_UNKNOWN_KEY, p,
                        "unknown key; expected one of: upload, download");
        for (const cJSON *prev = bw->child; prev != k; prev = prev->next)
            if (strcmp(prev->string, k->string) == 0)
                return fail(c, SCENARIO_ERR_UNKNOWN_KEY, p, "key given twice");
    }
    const cJSON *up = cJSON_GetObjectItemCaseSensitive(bw, "upload");
    const cJSON *down = cJSON_GetObjectItemCaseSensitive(bw, "download");
    if (up == NULL && down == NULL)
        return fail(c, SCENARIO_ERR_MISSING, P,
                    "required: expected \"upload\", \"download\" or both");
    if (up != NULL && (st = parse_rates(c, &s->network.region_upload_bps, n, up,
                                        "network.regions.bandwidth.upload")) != SCENARIO_OK)
        return st;
    if (down != NULL && (st = parse_rates(c, &s->network.region_download_bps, n, down,
                                          "network.regions.bandwidth.download")) != SCENARIO_OK)
        return st;
    return SCENARIO_OK;
}

scenario_status regions_parse(scenario *s, const cJSON *reg, const char *file, char *err,
                              size_t errlen)
{
    ctx c = {file != NULL ? file : "(scenario)", err, errlen};
    const cJSON *share = cJSON_GetObjectItemCaseSensitive(reg, "share");
    const cJSON *bw = cJSON_GetObjectItemCaseSensitive(reg, "bandwidth");
    scenario_status st;
    if (bw != NULL && (st = parse_bandwidth(&c, s, bw)) != SCENARIO_OK)
        return st;
    if (share == NULL)
        return SCENARIO_OK;
    if ((st = parse_share(&c, s, share)) != SCENARIO_OK)
        return st;
    uint32_t *home = malloc(((size_t)s->n_nodes + 1) * sizeof *home);
    if (home == NULL)
        return fail(&c, SCENARIO_ERR_NOMEM, "network.regions.share", "out of memory");
    regions_assign(home, s);
    for (uint32_t i = 0; i < s->n_nodes; i++)
        s->nodes[i].region = home[i];
    free(home);
    return SCENARIO_OK;
}

void regions_assign(uint32_t *out, const scenario *s)
{
    uint32_t n = s->network.n_regions, count = s->n_nodes, next = 0;
    double total = 0, cum = 0;
    for (uint32_t r = 0; r < n; r++)
        total += s->network.region_share[r];
    for (uint32_t r = 0; r < n; r++) {
        cum += s->network.region_share[r];
        uint32_t end = r + 1 == n ? count : (uint32_t)llround((double)count * (cum / total));
        if (end > count)
            end = count;
        while (next < end)
            out[next++] = r;
    }
    rng g;
    rng_init(&g, s->seed, UINT32_MAX, REGIONS_RNG_STREAM);
    for (uint32_t i = count; i > 1; i--) {
        uint32_t j = (uint32_t)rng_below(&g, i);
        uint32_t t = out[i - 1];
        out[i - 1] = out[j];
        out[j] = t;
    }
}

uint64_t regions_link_bps(const scenario *s, uint32_t src_region, uint32_t dst_region)
{
    uint64_t rate[3] = {s->network.bandwidth_bps, 0, 0}, best = 0;
    if (s->network.region_upload_bps != NULL)
        rate[1] = s->network.region_upload_bps[src_region];
    if (s->network.region_download_bps != NULL)
        rate[2] = s->network.region_download_bps[dst_region];
    for (int k = 0; k < 3; k++)
        if (rate[k] != 0 && (best == 0 || rate[k] < best))
            best = rate[k];
    return best;
}

static int rates_to_json(cJSON *obj, const char *key, const uint64_t *bps, uint32_t n)
{
    char buf[32];
    cJSON *arr = cJSON_AddArrayToObject(obj, key);
    for (uint32_t i = 0; arr != NULL && i < n; i++) {
        units_format_bandwidth(buf, sizeof buf, bps[i]);
        if (!cJSON_AddItemToArray(arr, cJSON_CreateString(buf)))
            return 0;
    }
    return arr != NULL;
}

int regions_to_json(cJSON *reg, const scenario *s)
{
    uint32_t n = s->network.n_regions;
    if (s->network.region_share != NULL) {
        cJSON *arr = cJSON_AddArrayToObject(reg, "share");
        for (uint32_t i = 0; arr != NULL && i < n; i++)
            if (!cJSON_AddItemToArray(arr, cJSON_CreateNumber(s->network.region_share[i])))
                return 0;
        if (arr == NULL)
            return 0;
    }
    if (s->network.region_upload_bps == NULL && s->network.region_download_bps == NULL)
        return 1;
    cJSON *bw = cJSON_AddObjectToObject(reg, "bandwidth");
    return bw != NULL &&
           (s->network.region_upload_bps == NULL ||
            rates_to_json(bw, "upload", s->network.region_upload_bps, n)) &&
           (s->network.region_download_bps == NULL ||
            rates_to_json(bw, "download", s->network.region_download_bps, n));
}

void regions_free(scenario *s)
{
    free(s->network.region_share);
    free(s->network.region_upload_bps);
    free(s->network.region_download_bps);
    s->network.region_share = NULL;
    s->network.region_upload_bps = NULL;
    s->network.region_download_bps = NULL;
}
