/* Scenario parsing and validation. The JSON is walked once, section by
 * section, in an order where everything a check needs is already known
 * (node count and regions before node_overrides, duration and wallets before
 * events). Every check that fails writes one message "FILE: PATH: what was
 * expected, got WHAT" and stops. Each object lists the keys it accepts, so a
 * misspelt key is an error (with the nearest valid key suggested) rather
 * than a silently ignored default.
 *
 * This file holds loading, the top-level walk and the nodes, node_overrides,
 * consensus, workload and metrics sections. The network section is read in
 * scenario_net.c, the events in scenario_events.c, the shared getters in
 * scenario_read.c; scenario_write.c writes a scenario back to JSON and
 * scenario_set.c applies --set overrides. */
#include "scenario.h"
#include "timeunit.h"
#include "consensus.h"
#include "fileout.h"
#include "jsonread.h"
#include "regions.h"
#include "scenario_impl.h"
#include "scenario_read.h"
#include "units.h"

#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NODES 100000u
#define MAX_WALLETS 1000000u

static const char *const status_messages[] = {
#define SCENARIO_MSG(code, msg) msg,
    SCENARIO_STATUS_MAP(SCENARIO_MSG)
#undef SCENARIO_MSG
};

const char *scenario_status_message(scenario_status status)
{
    if ((size_t)status >= sizeof status_messages / sizeof status_messages[0])
        return "unknown status";
    return status_messages[status];
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
            scenario_read_hashrate(jr, &s->default_hashrate_hps, it, "hashrate",
                                   JSONREAD_OPTIONAL) ||
            jsonread_u64(jr, &s->default_stake, it, "stake", 0, SCENARIO_READ_MAX_EXACT,
                         JSONREAD_OPTIONAL))
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
             mb->valuedouble >= 0 && mb->valuedouble <= (double)SCENARIO_READ_MAX_EXACT)
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
    s->consensus.pow.target_block_interval_ns = 10 * TIMEUNIT_NS_PER_S;
    s->consensus.pow.retarget_interval = 2016;
    s->consensus.pow.reward = 5000000000ULL;
    s->consensus.pow.max_block_bytes = 1000000;
    if (jsonread_only_keys(jr, pow, keys) ||
        jsonread_u64(jr, &s->consensus.pow.expected_hashes_per_block, pow,
                     "expected_hashes_per_block", 1, SCENARIO_READ_MAX_EXACT, JSONREAD_OPTIONAL) ||
        scenario_read_duration(jr, &s->consensus.pow.target_block_interval_ns, pow,
                               "target_block_interval", JSONREAD_OPTIONAL) ||
        jsonread_u32(jr, &s->consensus.pow.retarget_interval, pow, "retarget_interval", 1, 1000000,
                     JSONREAD_OPTIONAL) ||
        jsonread_u64(jr, &s->consensus.pow.reward, pow, "reward", 0, SCENARIO_READ_MAX_EXACT,
                     JSONREAD_OPTIONAL))
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
    s->consensus.pos.slot_ns = TIMEUNIT_NS_PER_S;
    s->consensus.pos.active_slot_coeff = 0.05;
    s->consensus.pos.k = 10;
    s->consensus.pos.epoch_slots = 100;
    s->consensus.pos.reward = 5000000000ULL;
    if (jsonread_only_keys(jr, pos, keys) ||
        scenario_read_duration(jr, &s->consensus.pos.slot_ns, pos, "slot", JSONREAD_OPTIONAL) ||
        jsonread_double(jr, &s->consensus.pos.active_slot_coeff, pos, "active_slot_coeff", 0, 1,
                        JSONREAD_OPTIONAL | JSONREAD_ABOVE_MIN) ||
        jsonread_u32(jr, &s->consensus.pos.k, pos, "k", 1, 1000000, JSONREAD_OPTIONAL) ||
        jsonread_u32(jr, &s->consensus.pos.epoch_slots, pos, "epoch_slots", 1, 100000000,
                     JSONREAD_OPTIONAL) ||
        jsonread_u64(jr, &s->consensus.pos.reward, pos, "reward", 0, SCENARIO_READ_MAX_EXACT,
                     JSONREAD_OPTIONAL))
        return jr->status;
    if (s->consensus.pos.slot_ns <= 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, pos, "slot",
                             "expected a positive duration, got 0");
    return JSONREAD_OK;
}

/* consensus.poa: the authority set (node numbers, default every node), the
 * period and the out-of-turn delay (whole milliseconds), the reward. */
static jsonread_status parse_poa(jsonread *jr, scenario *s, const cJSON *poa)
{
    static const char *const keys[] = {"signers", "period", "out_of_turn_delay", "reward", NULL};
    const cJSON *list = NULL, *it;
    size_t n = 0;
    s->consensus.poa.period_ns = 10 * TIMEUNIT_NS_PER_S;
    s->consensus.poa.out_of_turn_delay_ns = 500 * TIMEUNIT_NS_PER_MS;
    s->consensus.poa.reward = 5000000000ULL;
    if (jsonread_only_keys(jr, poa, keys) ||
        scenario_read_duration(jr, &s->consensus.poa.period_ns, poa, "period", JSONREAD_OPTIONAL) ||
        scenario_read_duration(jr, &s->consensus.poa.out_of_turn_delay_ns, poa, "out_of_turn_delay",
                               JSONREAD_OPTIONAL) ||
        jsonread_u64(jr, &s->consensus.poa.reward, poa, "reward", 0, SCENARIO_READ_MAX_EXACT,
                     JSONREAD_OPTIONAL) ||
        jsonread_array(jr, &list, &n, poa, "signers", JSONREAD_OPTIONAL))
        return jr->status;
    int64_t period = s->consensus.poa.period_ns, delay = s->consensus.poa.out_of_turn_delay_ns;
    if (period < TIMEUNIT_NS_PER_MS || period % TIMEUNIT_NS_PER_MS != 0 ||
        period / TIMEUNIT_NS_PER_MS > UINT32_MAX)
        return jsonread_fail(jr, JSONREAD_E_RANGE, poa, "period",
                             "expected a whole number of milliseconds of at least 1ms and at "
                             "most 49 days");
    if (delay < 0 || delay % TIMEUNIT_NS_PER_MS != 0 || delay / TIMEUNIT_NS_PER_MS > UINT32_MAX)
        return jsonread_fail(jr, JSONREAD_E_RANGE, poa, "out_of_turn_delay",
                             "expected a whole number of ms (0 or more) of at most 49 days");
    if (list != NULL && n == 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, poa, "signers",
                             "expected a non-empty array of nodes (leave it out for every node)");
    if (list == NULL && s->consensus.type != SCENARIO_POA)
        return JSONREAD_OK; /* no authority set: the run is not PoA */
    size_t count = list != NULL ? n : s->n_nodes;
    if (count > CONSENSUS_POA_MAX_SIGNERS)
        return jsonread_fail(jr, JSONREAD_E_RANGE, poa, "signers",
                             "expected at most %d signers, got %zu (list them)",
                             CONSENSUS_POA_MAX_SIGNERS, count);
    uint32_t *signers = calloc(count ? count : 1, sizeof *signers);
    if (signers == NULL)
        return jsonread_fail(jr, JSONREAD_E_NOMEM, poa, NULL, "out of memory");
    s->consensus.poa.signers = signers;
    s->consensus.poa.n_signers = (uint32_t)count;
    if (list == NULL) {
        for (uint32_t i = 0; i < count; i++)
            signers[i] = i;
        return JSONREAD_OK;
    }
    size_t k = 0;
    cJSON_ArrayForEach(it, list)
    {
        uint32_t node = 0;
        if (scenario_read_ref(jr, &node, it, NULL, s->n_nodes, "node", JSONREAD_REQUIRED))
            return jr->status;
        for (size_t j = 0; j < k; j++)
            if (signers[j] == node)
                return jsonread_fail(jr, JSONREAD_E_RANGE, it, NULL, "node %u is listed twice",
                                     node + 1);
        signers[k++] = node;
    }
    /* ascending: the turn order is the order of the nodes */
    for (size_t i = 1; i < k; i++)
        for (size_t j = i; j > 0 && signers[j - 1] > signers[j]; j--) {
            uint32_t t = signers[j];
            signers[j] = signers[j - 1];
            signers[j - 1] = t;
        }
    return JSONREAD_OK;
}

/* consensus.bft.relay: "auto", true or false. */
static jsonread_status parse_bft_relay(jsonread *jr, scenario *s, const cJSON *bft)
{
    s->consensus.bft.relay = SCENARIO_BFT_RELAY_AUTO;
    const cJSON *v = jsonread_member(bft, "relay");
    if (v == NULL)
        return JSONREAD_OK;
    if (cJSON_IsBool(v)) {
        s->consensus.bft.relay = cJSON_IsTrue(v) ? SCENARIO_BFT_RELAY_ON : SCENARIO_BFT_RELAY_OFF;
        return JSONREAD_OK;
    }
    if (cJSON_IsString(v) && strcmp(v->valuestring, "auto") == 0)
        return JSONREAD_OK;
    char got[64];
    return jsonread_fail(jr, cJSON_IsString(v) ? JSONREAD_E_RANGE : JSONREAD_E_TYPE, bft, "relay",
                         "expected \"auto\", true or false, got %s",
                         jsonread_got(got, sizeof got, v));
}

/* consensus.bft: the timeouts (durations, "500ms"), the reward and the
 * relay. */
static jsonread_status parse_bft(jsonread *jr, scenario *s, const cJSON *bft)
{
    static const char *const keys[] = {"timeout_propose",
                                       "timeout_prevote",
                                       "timeout_precommit",
                                       "timeout_delta",
                                       "timeout_commit",
                                       "reward",
                                       "relay",
                                       NULL};
    static const char *const positive[] = {"timeout_propose", "timeout_prevote",
                                           "timeout_precommit", "timeout_commit"};
    s->consensus.bft.timeout_propose_ns = 3 * TIMEUNIT_NS_PER_S;
    s->consensus.bft.timeout_prevote_ns = TIMEUNIT_NS_PER_S;
    s->consensus.bft.timeout_precommit_ns = TIMEUNIT_NS_PER_S;
    s->consensus.bft.timeout_delta_ns = TIMEUNIT_NS_PER_S / 2;
    s->consensus.bft.timeout_commit_ns = TIMEUNIT_NS_PER_S;
    s->consensus.bft.reward = 5000000000ULL;
    int64_t *const values[] = {
        &s->consensus.bft.timeout_propose_ns, &s->consensus.bft.timeout_prevote_ns,
        &s->consensus.bft.timeout_precommit_ns, &s->consensus.bft.timeout_commit_ns};
    if (jsonread_only_keys(jr, bft, keys))
        return jr->status;
    for (size_t i = 0; i < 4; i++)
        if (scenario_read_duration(jr, values[i], bft, positive[i], JSONREAD_OPTIONAL))
            return jr->status;
    if (scenario_read_duration(jr, &s->consensus.bft.timeout_delta_ns, bft, "timeout_delta",
                               JSONREAD_OPTIONAL) ||
        jsonread_u64(jr, &s->consensus.bft.reward, bft, "reward", 0, SCENARIO_READ_MAX_EXACT,
                     JSONREAD_OPTIONAL))
        return jr->status;
    for (size_t i = 0; i < 4; i++)
        if (*values[i] <= 0)
            return jsonread_fail(jr, JSONREAD_E_RANGE, bft, positive[i],
                                 "expected a positive duration, got 0");
    if (s->consensus.bft.timeout_delta_ns < 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, bft, "timeout_delta",
                             "expected a duration of 0 or more");
    return parse_bft_relay(jr, s, bft);
}

static jsonread_status parse_consensus(jsonread *jr, scenario *s, const cJSON *root)
{
    static const char *const keys[] = {"type", "pow", "pos", "poa", "bft", NULL};
    const cJSON *cons = NULL, *pow = NULL, *pos = NULL, *poa = NULL, *bft = NULL;
    unsigned type = SCENARIO_POW;
    if (jsonread_object(jr, &cons, root, "consensus", JSONREAD_OPTIONAL) ||
        jsonread_only_keys(jr, cons, keys) ||
        scenario_read_enum(jr, &type, cons, "type", scenario_read_consensus_names,
                           JSONREAD_OPTIONAL) ||
        jsonread_object(jr, &pow, cons, "pow", JSONREAD_OPTIONAL) ||
        jsonread_object(jr, &pos, cons, "pos", JSONREAD_OPTIONAL) ||
        jsonread_object(jr, &poa, cons, "poa", JSONREAD_OPTIONAL) ||
        jsonread_object(jr, &bft, cons, "bft", JSONREAD_OPTIONAL))
        return jr->status;
    s->consensus.type = (scenario_consensus)type;
    if (parse_pow(jr, s, pow) || parse_pos(jr, s, pos) || parse_poa(jr, s, poa) ||
        parse_bft(jr, s, bft))
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
        scenario_read_ref(jr, &node, o, "node", s->n_nodes, "node", JSONREAD_REQUIRED))
        return jr->status;
    if (seen[node])
        return jsonread_fail(jr, JSONREAD_E_RANGE, o, "node",
                             "node %u is already overridden at node_overrides[%zu]", node + 1,
                             seen[node] - 1);
    seen[node] = i + 1;
    scenario_node *nd = &s->nodes[node];
    if (scenario_read_hashrate(jr, &nd->hashrate_hps, o, "hashrate", JSONREAD_OPTIONAL) ||
        jsonread_u64(jr, &nd->stake, o, "stake", 0, SCENARIO_READ_MAX_EXACT, JSONREAD_OPTIONAL) ||
        scenario_read_duration(jr, &nd->join_at_ns, o, "join_at", JSONREAD_OPTIONAL))
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
        jsonread_u64(jr, &s->workload.amount_min, w, "amount_min", 1, SCENARIO_READ_MAX_EXACT,
                     JSONREAD_OPTIONAL))
        return jr->status;
    s->workload.amount_max = s->workload.amount_min > 100000 ? s->workload.amount_min : 100000;
    if (jsonread_u64(jr, &s->workload.amount_max, w, "amount_max", s->workload.amount_min,
                     SCENARIO_READ_MAX_EXACT, JSONREAD_OPTIONAL) ||
        jsonread_u64(jr, &s->workload.fee, w, "fee", 0, SCENARIO_READ_MAX_EXACT,
                     JSONREAD_OPTIONAL) ||
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

/* d rounded up to a whole number of its largest unit (ns up to days), so
 * that a suggested value reads well ("301ms", not "300000001ns"). */
static int64_t round_up_to_unit(int64_t d)
{
    static const int64_t units[] = {TIMEUNIT_NS_PER_D, TIMEUNIT_NS_PER_H,  TIMEUNIT_NS_PER_MIN,
                                    TIMEUNIT_NS_PER_S, TIMEUNIT_NS_PER_MS, TIMEUNIT_NS_PER_US};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (d >= units[i])
            return (d + units[i] - 1) / units[i] * units[i];
    return d;
}

/* A sample stops every worker at a barrier and keeps a row per node (in
 * memory, then in timeline.csv): an interval that is tiny next to the
 * duration is a run that never ends or a file that fills the disk. Samples
 * are taken at 0, interval, 2 x interval, ... before the end. */
static jsonread_status check_sample_count(jsonread *jr, const scenario *s, const cJSON *metrics)
{
    int64_t interval = s->metrics.sample_interval_ns, duration = s->duration_ns;
    uint64_t samples = (uint64_t)((duration - 1) / interval) + 1;
    uint64_t by_rows = SCENARIO_MAX_SAMPLE_ROWS / s->n_nodes;
    uint64_t allowed = by_rows < SCENARIO_MAX_SAMPLES ? by_rows : SCENARIO_MAX_SAMPLES;
    if (samples <= allowed)
        return JSONREAD_OK;
    char got[32], run[32], least[32];
    units_format_duration(got, sizeof got, interval);
    units_format_duration(run, sizeof run, duration);
    /* samples <= allowed exactly when interval >= ceil(duration / allowed) */
    int64_t min_ns = (int64_t)(((uint64_t)duration + allowed - 1) / allowed);
    units_format_duration(least, sizeof least, round_up_to_unit(min_ns));
    if (allowed == SCENARIO_MAX_SAMPLES)
        return jsonread_fail(jr, JSONREAD_E_RANGE, metrics, "sample_interval",
                             "%s gives %" PRIu64 " samples over the %s run; at most %" PRIu64
                             " are allowed (each sample stops every worker and writes a row "
                             "per node): use at least \"%s\"",
                             got, samples, run, (uint64_t)SCENARIO_MAX_SAMPLES, least);
    return jsonread_fail(jr, JSONREAD_E_RANGE, metrics, "sample_interval",
                         "%s gives %" PRIu64 " samples of %" PRIu32 " nodes over the %s run, "
                         "more than %" PRIu64 " rows of timeline.csv (each sample keeps a row "
                         "per node in memory until the run ends): use at least \"%s\"",
                         got, samples, s->n_nodes, run, (uint64_t)SCENARIO_MAX_SAMPLE_ROWS, least);
}

static jsonread_status parse_metrics(jsonread *jr, scenario *s, const cJSON *root)
{
    static const char *const keys[] = {"sample_interval", NULL};
    const cJSON *metrics = NULL;
    s->metrics.sample_interval_ns = TIMEUNIT_NS_PER_S;
    if (jsonread_object(jr, &metrics, root, "metrics", JSONREAD_OPTIONAL) ||
        jsonread_only_keys(jr, metrics, keys) ||
        scenario_read_duration(jr, &s->metrics.sample_interval_ns, metrics, "sample_interval",
                               JSONREAD_OPTIONAL))
        return jr->status;
    if (s->metrics.sample_interval_ns <= 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, metrics, "sample_interval",
                             "expected a positive duration, got 0");
    return check_sample_count(jr, s, metrics);
}

/* Every PoW attempt is a real double SHA-256 at its virtual time, so the
 * hash rates over the run are its CPU work, whatever the difficulty: a rate
 * the units allow (up to 1e15 H/s per node) can ask for centuries of hashing, and a
 * window of such a run never ends (a stop request waits for it). The count
 * is an upper bound: a node mines from its join time to the end at the
 * rate in effect (nodes.hashrate, node_overrides, then set_hashrate
 * events); crashes are not subtracted. */
static jsonread_status check_hash_count(jsonread *jr, const scenario *s, const cJSON *root)
{
    if (s->consensus.type != SCENARIO_POW)
        return JSONREAD_OK;
    double total = 0, per_s = 0;
    for (uint32_t i = 0; i < s->n_nodes; i++) {
        total += s->nodes[i].hashrate_hps *
                 ((double)(s->duration_ns - s->nodes[i].join_at_ns) / TIMEUNIT_NS_PER_S);
        per_s += s->nodes[i].hashrate_hps;
    }
    double *rate = NULL;
    if (s->n_events > 0 && (rate = malloc(s->n_nodes * sizeof *rate)) == NULL)
        return jsonread_fail(jr, JSONREAD_E_NOMEM, root, NULL, "out of memory");
    for (uint32_t i = 0; rate != NULL && i < s->n_nodes; i++)
        rate[i] = s->nodes[i].hashrate_hps;
    for (size_t k = 0; k < s->n_events; k++) {
        const scenario_event *ev = &s->events[k];
        if (ev->type != SCENARIO_EV_SET_HASHRATE)
            continue;
        int64_t from =
            ev->at_ns > s->nodes[ev->node].join_at_ns ? ev->at_ns : s->nodes[ev->node].join_at_ns;
        total += (ev->hashrate_hps - rate[ev->node]) *
                 ((double)(s->duration_ns - from) / TIMEUNIT_NS_PER_S);
        if (ev->hashrate_hps > rate[ev->node])
            per_s += ev->hashrate_hps - rate[ev->node];
        rate[ev->node] = ev->hashrate_hps;
    }
    free(rate);
    if (total <= SCENARIO_MAX_HASHES)
        return JSONREAD_OK;
    char run[32];
    units_format_duration(run, sizeof run, s->duration_ns);
    return jsonread_fail(jr, JSONREAD_E_RANGE, root, "nodes",
                         "the hash rates (up to %.4g hashes per second in all) make %.4g hash "
                         "attempts over the %s run; at most %.0e are allowed (every attempt is a "
                         "real double SHA-256: 1e12 take days of CPU time): lower the hash rates "
                         "(and consensus.pow.expected_hashes_per_block with them, to keep the "
                         "block interval) or the duration",
                         per_s, total, run, SCENARIO_MAX_HASHES);
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
                                       "workload", "metrics",        "events",    "adversaries",
                                       NULL};
    char g[64];
    if (!cJSON_IsObject(root))
        return jsonread_fail(jr, JSONREAD_E_TYPE, root, NULL, "expected a JSON object, got %s",
                             jsonread_got(g, sizeof g, root));
    s->seed = 1;
    s->duration_ns = 10 * TIMEUNIT_NS_PER_MIN;
    /* The seed is any 64-bit value: JSON numbers are exact only up to 2^53 - 1
     * (cJSON keeps doubles), so a larger seed is written, and may be given,
     * as a string of decimal digits. */
    if (jsonread_only_keys(jr, root, keys) || get_text(jr, &s->name, root, "name", "unnamed") ||
        get_text(jr, &s->description, root, "description", "") ||
        jsonread_u64(jr, &s->seed, root, "seed", 0, UINT64_MAX, JSONREAD_DIGITS) ||
        scenario_read_duration(jr, &s->duration_ns, root, "duration", JSONREAD_OPTIONAL))
        return jr->status;
    if (s->duration_ns <= 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, root, "duration",
                             "expected a positive duration, got 0");
    if (parse_nodes(jr, s, root) || scenario_parse_network(jr, s, root) ||
        parse_overrides(jr, s, root) || parse_consensus(jr, s, root) ||
        parse_workload(jr, s, root) || parse_metrics(jr, s, root) ||
        scenario_parse_events(jr, s, root))
        return jr->status;
    if (scenario_parse_adversaries(jr, s, root))
        return jr->status;
    return check_hash_count(jr, s, root);
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
    free(scn->consensus.poa.signers);
    free(scn->network.edges);
    for (uint32_t i = 0; scn->network.region_names != NULL && i < scn->network.n_regions; i++)
        free(scn->network.region_names[i]);
    free(scn->network.region_names);
    free(scn->network.region_latency_ns);
    regions_free(scn);
    for (size_t i = 0; i < scn->n_events; i++) {
        free(scn->events[i].group_of);
        free(scn->events[i].by);
    }
    free(scn->events);
    for (size_t i = 0; i < scn->n_adversaries; i++) {
        free(scn->adversaries[i].publish_to);
        free(scn->adversaries[i].censored);
        free(scn->adversaries[i].side);
    }
    free(scn->adversaries);
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
