/* Reading and checking a scenario's adversaries section: nodes that run an
 * attacker's behaviour instead of the honest protocol (selfish mining,
 * double spending). Each entry names its node, its kind and the kind's
 * parameters (withholding windows, censored wallets); the attacker's hash power is its node's own
 * hashrate, so its share alpha is a plain scenario value. Called last by the walk in scenario.c,
 * when the nodes, consensus, wallets and duration are known. */
#include "scenario_impl.h"
#include "scenario_read.h"
#include "timeunit.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* selfish.publish_to as a count k: the k lowest-numbered nodes other than
 * the attacker. */
static jsonread_status parse_publish_first(jsonread *jr, scenario *s, scenario_adversary *a,
                                           const cJSON *e)
{
    if (s->n_nodes < 2)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "publish_to",
                             "there is no other node to publish to");
    if (jsonread_u32(jr, &a->publish_first, e, "publish_to", 1, s->n_nodes - 1, JSONREAD_REQUIRED))
        return jr->status;
    a->publish_to = calloc(a->publish_first, sizeof *a->publish_to);
    if (a->publish_to == NULL)
        return jsonread_fail(jr, JSONREAD_E_NOMEM, e, "publish_to", "out of memory");
    for (uint32_t i = 0, k = 0; k < a->publish_first; i++)
        if (i != a->node)
            a->publish_to[k++] = i;
    a->n_publish_to = a->publish_first;
    return JSONREAD_OK;
}

/* The n nodes of list (1-based in the file), none of them the attacker a
 * and none twice, into *out (allocated, *n_out = n). */
static jsonread_status read_peers(jsonread *jr, uint32_t **out, size_t *n_out, const scenario *s,
                                  const scenario_adversary *a, const cJSON *list, size_t n)
{
    const cJSON *it;
    size_t k = 0;
    *out = calloc(n, sizeof **out);
    if (*out == NULL)
        return jsonread_fail(jr, JSONREAD_E_NOMEM, list, NULL, "out of memory");
    *n_out = n;
    cJSON_ArrayForEach(it, list)
    {
        uint32_t node = 0;
        if (scenario_read_ref(jr, &node, it, NULL, s->n_nodes, "node", JSONREAD_REQUIRED))
            return jr->status;
        if (node == a->node)
            return jsonread_fail(jr, JSONREAD_E_RANGE, it, NULL, "node %u is the attacker itself",
                                 node + 1);
        for (size_t j = 0; j < k; j++)
            if ((*out)[j] == node)
                return jsonread_fail(jr, JSONREAD_E_RANGE, it, NULL, "node %u is listed twice",
                                     node + 1);
        (*out)[k++] = node;
    }
    return JSONREAD_OK;
}

/* selfish.publish_to: distinct nodes, not the attacker itself; or a
 * count. */
static jsonread_status parse_publish_to(jsonread *jr, scenario *s, scenario_adversary *a,
                                        const cJSON *e)
{
    const cJSON *list = NULL;
    size_t n = 0;
    if (cJSON_IsNumber(jsonread_member(e, "publish_to")))
        return parse_publish_first(jr, s, a, e);
    if (jsonread_array(jr, &list, &n, e, "publish_to", JSONREAD_OPTIONAL) || list == NULL)
        return jr->status;
    if (n == 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "publish_to",
                             "expected a non-empty array of nodes (leave it out to publish to "
                             "every peer)");
    return read_peers(jr, &a->publish_to, &a->n_publish_to, s, a, list, n);
}

/* The wallet must be hosted by the attacking node: wallet w is hosted by
 * node ((w - 1) mod count) + 1 (workload). */
static jsonread_status check_wallet_host(jsonread *jr, const scenario *s,
                                         const scenario_adversary *a, const cJSON *e)
{
    if (a->wallet % s->n_nodes == a->node)
        return JSONREAD_OK;
    return jsonread_fail(jr, JSONREAD_E_RANGE, e, "wallet",
                         "wallet %u is hosted by node %u, not by the attacker (node %u): "
                         "wallet w is hosted by node ((w - 1) mod %u) + 1",
                         a->wallet + 1, a->wallet % s->n_nodes + 1, a->node + 1, s->n_nodes);
}

static jsonread_status parse_double_spend(jsonread *jr, scenario *s, scenario_adversary *a,
                                          const cJSON *e)
{
    const unsigned R = JSONREAD_REQUIRED, O = JSONREAD_OPTIONAL;
    uint32_t w = s->workload.wallets;
    a->confirmations = 6;
    a->give_up = 10;
    if (scenario_read_ref(jr, &a->merchant, e, "merchant", s->n_nodes, "node", R) ||
        scenario_read_ref(jr, &a->wallet, e, "wallet", w, "wallet", R) ||
        scenario_read_ref(jr, &a->to, e, "to", w, "wallet", R) ||
        jsonread_u64(jr, &a->amount, e, "amount", 1, SCENARIO_READ_MAX_EXACT, R) ||
        jsonread_u32(jr, &a->confirmations, e, "confirmations", 1, 100, O) ||
        jsonread_u32(jr, &a->give_up, e, "give_up", 1, 1000, O) ||
        scenario_read_duration(jr, &a->start_ns, e, "start", O))
        return jr->status;
    if (a->merchant == a->node)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "merchant",
                             "node %u is the attacker itself: the merchant must be another node",
                             a->merchant + 1);
    if (check_wallet_host(jr, s, a, e))
        return jr->status;
    if (a->to == a->wallet)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "to",
                             "wallet %u is the attacker's own: the merchant's wallet must be "
                             "another one",
                             a->to + 1);
    if (a->give_up < a->confirmations)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "give_up",
                             "expected at least confirmations (%u): the attacker must not give up "
                             "before the merchant has accepted the payment, got %u",
                             a->confirmations, a->give_up);
    /* The wallet's genesis coins hold 10 x (amount_max + fee) each. */
    uint64_t coin = 10 * (s->workload.amount_max + s->workload.fee);
    if (a->amount + 2 * s->workload.fee >= coin)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "amount",
                             "expected less than a genesis coin (10 x (workload.amount_max + "
                             "workload.fee) = %llu) less two fees, got %llu",
                             (unsigned long long)coin, (unsigned long long)a->amount);
    if (a->start_ns >= s->duration_ns)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "start",
                             "expected a time before the end of the run (%lld ns)",
                             (long long)s->duration_ns);
    if (s->workload.rate_per_s > 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "kind",
                             "double_spend needs workload.rate 0: the attacker's wallet would "
                             "spend the coins of its trials in background payments");
    return JSONREAD_OK;
}

static jsonread_status parse_byzantine(jsonread *jr, scenario *s, scenario_adversary *a,
                                       const cJSON *e)
{
    a->interval_ns = 10 * TIMEUNIT_NS_PER_S;
    if (scenario_read_ref(jr, &a->wallet, e, "wallet", s->workload.wallets, "wallet",
                          JSONREAD_REQUIRED) ||
        check_wallet_host(jr, s, a, e) ||
        scenario_read_duration(jr, &a->interval_ns, e, "interval", JSONREAD_OPTIONAL) ||
        scenario_read_duration(jr, &a->start_ns, e, "start", JSONREAD_OPTIONAL))
        return jr->status;
    if (a->interval_ns < TIMEUNIT_NS_PER_MS)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "interval",
                             "expected at least 1ms between two forged items");
    if (a->start_ns >= s->duration_ns)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "start",
                             "expected a time before the end of the run (%lld ns)",
                             (long long)s->duration_ns);
    return JSONREAD_OK;
}

/* withhold: windows of hold from start, one every `every` (or one). */
static jsonread_status parse_withhold(jsonread *jr, scenario *s, scenario_adversary *a,
                                      const cJSON *e)
{
    if (scenario_read_duration(jr, &a->hold_ns, e, "hold", JSONREAD_REQUIRED) ||
        scenario_read_duration(jr, &a->every_ns, e, "every", JSONREAD_OPTIONAL) ||
        scenario_read_duration(jr, &a->start_ns, e, "start", JSONREAD_OPTIONAL))
        return jr->status;
    if (a->hold_ns < TIMEUNIT_NS_PER_MS)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "hold",
                             "expected a window of at least 1ms, got %lld ns",
                             (long long)a->hold_ns);
    if (jsonread_member(e, "every") != NULL && a->every_ns < a->hold_ns)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "every",
                             "expected at least hold (%lld ns): windows must not overlap, got "
                             "%lld ns",
                             (long long)a->hold_ns, (long long)a->every_ns);
    if (a->start_ns >= s->duration_ns)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "start",
                             "expected a time before the end of the run (%lld ns)",
                             (long long)s->duration_ns);
    return JSONREAD_OK;
}

/* censor.wallets: distinct wallets whose payments it leaves out. */
static jsonread_status parse_censor(jsonread *jr, scenario *s, scenario_adversary *a,
                                    const cJSON *e)
{
    const cJSON *list = NULL, *it;
    size_t n = 0, k = 0;
    if (jsonread_array(jr, &list, &n, e, "wallets", JSONREAD_REQUIRED))
        return jr->status;
    if (n == 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "wallets",
                             "expected a non-empty array of the wallets whose payments are left "
                             "out");
    a->censored = calloc(n, sizeof *a->censored);
    if (a->censored == NULL)
        return jsonread_fail(jr, JSONREAD_E_NOMEM, list, NULL, "out of memory");
    a->n_censored = n;
    cJSON_ArrayForEach(it, list)
    {
        uint32_t w = 0;
        if (scenario_read_ref(jr, &w, it, NULL, s->workload.wallets, "wallet", JSONREAD_REQUIRED))
            return jr->status;
        for (size_t j = 0; j < k; j++)
            if (a->censored[j] == w)
                return jsonread_fail(jr, JSONREAD_E_RANGE, it, NULL, "wallet %u is listed twice",
                                     w + 1);
        a->censored[k++] = w;
    }
    return JSONREAD_OK;
}

/* A censor builds blocks: it needs hash power (pow) or stake (pos). */
static jsonread_status parse_censor_node(jsonread *jr, scenario *s, scenario_adversary *a,
                                         const cJSON *e)
{
    if (s->consensus.type == SCENARIO_POW && s->nodes[a->node].hashrate_hps <= 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "node",
                             "node %u has hashrate 0: a censor builds blocks, it needs hash power "
                             "(nodes.hashrate or node_overrides)",
                             a->node + 1);
    if (s->consensus.type != SCENARIO_POW && s->nodes[a->node].stake == 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "node",
                             "node %u has stake 0: a censor builds blocks, it needs stake "
                             "(nodes.stake or node_overrides)",
                             a->node + 1);
    return parse_censor(jr, s, a, e);
}

/* equivocate: a BFT validator (stake above 0); side: distinct nodes other
 * than itself, the peers that get its original messages; start. */
static jsonread_status parse_equivocate(jsonread *jr, scenario *s, scenario_adversary *a,
                                        const cJSON *e)
{
    if (s->consensus.type != SCENARIO_BFT)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "kind",
                             "equivocate needs consensus.type \"bft\" (it signs two different "
                             "BFT proposals and votes)");
    if (s->nodes[a->node].stake == 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "node",
                             "node %u has stake 0: it is no validator, it has nothing to sign "
                             "(nodes.stake or node_overrides)",
                             a->node + 1);
    const cJSON *list = NULL;
    size_t n = 0;
    if (jsonread_array(jr, &list, &n, e, "side", JSONREAD_REQUIRED) ||
        scenario_read_duration(jr, &a->start_ns, e, "start", JSONREAD_OPTIONAL))
        return jr->status;
    if (n == 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "side",
                             "expected a non-empty array of nodes (the peers that get the "
                             "original messages)");
    if (a->start_ns >= s->duration_ns)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "start",
                             "expected a time before the end of the run (%lld ns)",
                             (long long)s->duration_ns);
    return read_peers(jr, &a->side, &a->n_side, s, a, list, n);
}

static jsonread_status parse_adversary(jsonread *jr, scenario *s, scenario_adversary *a,
                                       const cJSON *e, const size_t *seen)
{
    static const char *const k_selfish[] = {"kind", "node", "publish_to", NULL};
    static const char *const k_ds[] = {"kind",   "node",  "merchant", "wallet",        "to",
                                       "amount", "start", "give_up",  "confirmations", NULL};
    static const char *const k_byz[] = {"kind", "node", "wallet", "interval", "start", NULL};
    static const char *const k_withhold[] = {"kind", "node", "hold", "every", "start", NULL};
    static const char *const k_censor[] = {"kind", "node", "wallets", NULL};
    static const char *const k_equivocate[] = {"kind", "node", "side", "start", NULL};
    static const char *const *const keys[] = {k_selfish,  k_ds,     k_byz,
                                              k_withhold, k_censor, k_equivocate};
    char g[64];
    unsigned kind = 0;
    if (!cJSON_IsObject(e))
        return jsonread_fail(jr, JSONREAD_E_TYPE, e, NULL,
                             "expected an object {kind, node, ...}, got %s",
                             jsonread_got(g, sizeof g, e));
    if (scenario_read_enum(jr, &kind, e, "kind", scenario_read_adversary_names,
                           JSONREAD_REQUIRED) ||
        jsonread_only_keys(jr, e, keys[kind]) ||
        scenario_read_ref(jr, &a->node, e, "node", s->n_nodes, "node", JSONREAD_REQUIRED))
        return jr->status;
    a->kind = (scenario_adversary_kind)kind;
    if (seen[a->node])
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "node",
                             "node %u is already an adversary at adversaries[%zu]", a->node + 1,
                             seen[a->node] - 1);
    if (a->kind == SCENARIO_ADV_CENSOR)
        return parse_censor_node(jr, s, a, e);
    if (a->kind == SCENARIO_ADV_EQUIVOCATE)
        return parse_equivocate(jr, s, a, e);
    if (a->kind == SCENARIO_ADV_BYZANTINE && s->consensus.type == SCENARIO_POS)
        return parse_byzantine(jr, s, a, e);
    if (s->consensus.type != SCENARIO_POW)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "kind",
                             "%s needs consensus.type \"pow\" (it mines or forges proof-of-work "
                             "blocks)",
                             scenario_adversary_name(a->kind));
    if (a->kind == SCENARIO_ADV_BYZANTINE)
        return parse_byzantine(jr, s, a, e);
    if (s->nodes[a->node].hashrate_hps <= 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "node",
                             "node %u has hashrate 0: an attacker that mines needs hash power "
                             "(nodes.hashrate or node_overrides)",
                             a->node + 1);
    switch (a->kind) {
    case SCENARIO_ADV_SELFISH:
        return parse_publish_to(jr, s, a, e);
    case SCENARIO_ADV_DOUBLE_SPEND:
        return parse_double_spend(jr, s, a, e);
    case SCENARIO_ADV_WITHHOLD:
        return parse_withhold(jr, s, a, e);
    case SCENARIO_ADV_BYZANTINE:
    case SCENARIO_ADV_CENSOR:
    case SCENARIO_ADV_EQUIVOCATE:
        break;
    }
    return JSONREAD_OK;
}

jsonread_status scenario_parse_adversaries(jsonread *jr, scenario *s, const cJSON *root)
{
    const cJSON *list = NULL, *e;
    size_t n = 0, i = 0;
    if (jsonread_array(jr, &list, &n, root, "adversaries", JSONREAD_OPTIONAL) || n == 0)
        return jr->status;
    s->adversaries = calloc(n, sizeof *s->adversaries);
    size_t *seen = calloc(s->n_nodes, sizeof *seen);
    if (s->adversaries == NULL || seen == NULL) {
        free(seen);
        return jsonread_fail(jr, JSONREAD_E_NOMEM, list, NULL, "out of memory");
    }
    cJSON_ArrayForEach(e, list)
    {
        s->n_adversaries = i + 1; /* so that scenario_free frees what it took */
        if (parse_adversary(jr, s, &s->adversaries[i], e, seen))
            break;
        seen[s->adversaries[i].node] = i + 1;
        i++;
    }
    free(seen);
    return jr->status;
}
