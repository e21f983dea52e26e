/* Reading and checking a scenario's events section (partitions, heals,
 * crashes and restarts, hash rate and stake changes, transactions and
 * double spends, a link's latency): each event on its own, then the list sorted by time and
 * checked as a sequence. Called last by the walk in scenario.c, when the
 * duration, nodes and wallets are known. */
#include "scenario_impl.h"
#include "scenario_read.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
            if (scenario_read_ref(jr, &node, it, NULL, s->n_nodes, "node", JSONREAD_REQUIRED))
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

/* eclipse.by: distinct nodes other than the victim. */
static jsonread_status parse_by(jsonread *jr, scenario *s, scenario_event *ev, const cJSON *e)
{
    const cJSON *list = NULL, *it;
    size_t n = 0;
    if (jsonread_array(jr, &list, &n, e, "by", JSONREAD_REQUIRED))
        return jr->status;
    if (n == 0)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "by",
                             "expected a non-empty array of the attacking nodes");
    ev->by = calloc(n, sizeof *ev->by);
    if (ev->by == NULL)
        return jsonread_fail(jr, JSONREAD_E_NOMEM, list, NULL, "out of memory");
    cJSON_ArrayForEach(it, list)
    {
        uint32_t node = 0;
        if (scenario_read_ref(jr, &node, it, NULL, s->n_nodes, "node", JSONREAD_REQUIRED))
            return jr->status;
        if (node == ev->node)
            return jsonread_fail(jr, JSONREAD_E_RANGE, it, NULL, "node %u is the victim itself",
                                 node + 1);
        for (size_t j = 0; j < ev->n_by; j++)
            if (ev->by[j] == node)
                return jsonread_fail(jr, JSONREAD_E_RANGE, it, NULL, "node %u is listed twice",
                                     node + 1);
        ev->by[ev->n_by++] = node;
    }
    return JSONREAD_OK;
}

/* set_latency: "link": [a, b] and "latency": a duration no smaller than the
 * lookahead (a message must never arrive inside the window it was sent in),
 * or "default" for the scenario's latency again. */
static jsonread_status parse_set_latency(jsonread *jr, scenario *s, scenario_event *ev,
                                         const cJSON *e)
{
    char g[64];
    if (scenario_read_pair(jr, ev->nodes, e, "link", s->n_nodes, "node"))
        return jr->status;
    if (ev->nodes[0] == ev->nodes[1])
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "link",
                             "expected two different nodes, got node %u twice", ev->nodes[0] + 1);
    const cJSON *lat = jsonread_member(e, "latency");
    if (cJSON_IsString(lat) && strcmp(lat->valuestring, "default") == 0) {
        ev->latency_ns = 0;
        return JSONREAD_OK;
    }
    if (scenario_read_duration(jr, &ev->latency_ns, e, "latency", JSONREAD_REQUIRED))
        return jr->status;
    int64_t min = scenario_lookahead_ns(s);
    if (ev->latency_ns < min || ev->latency_ns > SCENARIO_MAX_LINK_LATENCY_NS)
        return jsonread_fail(jr, JSONREAD_E_RANGE, e, "latency",
                             "expected \"default\" or a latency from the network's smallest "
                             "(%lld ns) to 1h, got %s",
                             (long long)min, jsonread_got(g, sizeof g, lat));
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
    static const char *const k_link[] = {"at", "type", "link", NULL};
    static const char *const k_eclipse[] = {"at", "type", "node", "by", NULL};
    static const char *const k_lat[] = {"at", "type", "link", "latency", NULL};
    static const char *const *const keys[] = {k_partition, k_heal, k_node,    k_node, k_hash,
                                              k_stake,     k_tx,   k_ds,      k_node, k_node,
                                              k_link,      k_link, k_eclipse, k_node, k_lat};
    const unsigned R = JSONREAD_REQUIRED;
    char g[64];
    unsigned type = 0;
    uint32_t w = s->workload.wallets, n = s->n_nodes;
    if (!cJSON_IsObject(e))
        return jsonread_fail(jr, JSONREAD_E_TYPE, e, NULL,
                             "expected an object {at, type, ...}, got %s",
                             jsonread_got(g, sizeof g, e));
    if (scenario_read_enum(jr, &type, e, "type", scenario_read_event_names, R) ||
        jsonread_only_keys(jr, e, keys[type]) || scenario_read_duration(jr, &ev->at_ns, e, "at", R))
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
        return scenario_read_ref(jr, &ev->node, e, "node", n, "node", R);
    case SCENARIO_EV_SET_HASHRATE:
        if (scenario_read_ref(jr, &ev->node, e, "node", n, "node", R))
            return jr->status;
        return scenario_read_hashrate(jr, &ev->hashrate_hps, e, "hashrate", R);
    case SCENARIO_EV_SET_STAKE:
        if (scenario_read_ref(jr, &ev->node, e, "node", n, "node", R))
            return jr->status;
        return jsonread_u64(jr, &ev->stake, e, "stake", 0, SCENARIO_READ_MAX_EXACT, R);
    case SCENARIO_EV_TX:
        ev->node = 0;
        if (scenario_read_ref(jr, &ev->from, e, "from", w, "wallet", R) ||
            scenario_read_ref(jr, &ev->to[0], e, "to", w, "wallet", R) ||
            jsonread_u64(jr, &ev->amount, e, "amount", 1, SCENARIO_READ_MAX_EXACT, R))
            return jr->status;
        return scenario_read_ref(jr, &ev->node, e, "node", n, "node", JSONREAD_OPTIONAL);
    case SCENARIO_EV_DOUBLE_SPEND:
        if (scenario_read_ref(jr, &ev->from, e, "from", w, "wallet", R) ||
            scenario_read_pair(jr, ev->to, e, "to", w, "wallet") ||
            jsonread_u64(jr, &ev->amount, e, "amount", 1, SCENARIO_READ_MAX_EXACT, R))
            return jr->status;
        return scenario_read_pair(jr, ev->nodes, e, "nodes", n, "node");
    case SCENARIO_EV_ISOLATE:
    case SCENARIO_EV_REJOIN:
    case SCENARIO_EV_ECLIPSE_END:
        return scenario_read_ref(jr, &ev->node, e, "node", n, "node", R);
    case SCENARIO_EV_CUT:
    case SCENARIO_EV_RESTORE:
        if (scenario_read_pair(jr, ev->nodes, e, "link", n, "node"))
            return jr->status;
        if (ev->nodes[0] == ev->nodes[1])
            return jsonread_fail(jr, JSONREAD_E_RANGE, e, "link",
                                 "expected two different nodes, got node %u twice",
                                 ev->nodes[0] + 1);
        return JSONREAD_OK;
    case SCENARIO_EV_ECLIPSE:
        if (scenario_read_ref(jr, &ev->node, e, "node", n, "node", R))
            return jr->status;
        return parse_by(jr, s, ev, e);
    case SCENARIO_EV_SET_LATENCY:
        return parse_set_latency(jr, s, ev, e);
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

/* Isolate and rejoin alternate per node, and so do eclipse and
 * eclipse_end; restore needs a cut of the same link not yet restored. */
static void check_cut_sequence(jsonread *jr, const scenario_event *ev, const cJSON *at,
                               unsigned char *cut_off, uint32_t (*links)[3], size_t *n_links)
{
    unsigned bit = ev->type == SCENARIO_EV_ISOLATE || ev->type == SCENARIO_EV_REJOIN ? 1 : 2;
    const char *what = bit == 1 ? "isolated" : "eclipsed";
    switch (ev->type) {
    case SCENARIO_EV_ISOLATE:
    case SCENARIO_EV_ECLIPSE:
        if (cut_off[ev->node] & bit) {
            jsonread_fail(jr, JSONREAD_E_RANGE, at, NULL, "node %u is already %s at this time",
                          ev->node + 1, what);
            return;
        }
        cut_off[ev->node] |= (unsigned char)bit;
        return;
    case SCENARIO_EV_REJOIN:
    case SCENARIO_EV_ECLIPSE_END:
        if (!(cut_off[ev->node] & bit)) {
            jsonread_fail(jr, JSONREAD_E_RANGE, at, NULL,
                          "node %u is not %s at this time: %s needs an earlier %s", ev->node + 1,
                          what, scenario_event_name(ev->type), bit == 1 ? "isolate" : "eclipse");
            return;
        }
        cut_off[ev->node] &= (unsigned char)~bit;
        return;
    case SCENARIO_EV_CUT:
    case SCENARIO_EV_RESTORE: {
        uint32_t a = ev->nodes[0] < ev->nodes[1] ? ev->nodes[0] : ev->nodes[1];
        uint32_t b = ev->nodes[0] ^ ev->nodes[1] ^ a;
        size_t k = 0;
        while (k < *n_links && !(links[k][0] == a && links[k][1] == b))
            k++;
        if (ev->type == SCENARIO_EV_CUT) {
            if (k == *n_links)
                links[(*n_links)++][0] = a, links[k][1] = b, links[k][2] = 0;
            links[k][2]++;
        } else if (k == *n_links || links[k][2] == 0) {
            jsonread_fail(jr, JSONREAD_E_RANGE, at, NULL,
                          "the link %u-%u is not cut at this time: restore needs an earlier cut",
                          a + 1, b + 1);
        } else {
            links[k][2]--;
        }
        return;
    }
    default:
        return;
    }
}

/* Crash and restart must alternate per node; heal needs a partition. */
static jsonread_status check_event_sequence(jsonread *jr, scenario *s, const struct order *ord)
{
    unsigned char *down = calloc(s->n_nodes, 1);
    unsigned char *cut_off = calloc(s->n_nodes, 1);               /* 1: isolated, 2: eclipsed */
    uint32_t(*links)[3] = calloc(s->n_events + 1, sizeof *links); /* a, b, cuts */
    size_t n_links = 0;
    int partitioned = 0;
    if (down == NULL || cut_off == NULL || links == NULL) {
        free(down);
        free(cut_off);
        free(links);
        return jsonread_fail_path(jr, JSONREAD_E_NOMEM, "events", "out of memory");
    }
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
        else
            check_cut_sequence(jr, ev, at, cut_off, links, &n_links);
        if (node_event)
            down[ev->node] = ev->type == SCENARIO_EV_CRASH;
        if (ev->type == SCENARIO_EV_PARTITION || ev->type == SCENARIO_EV_HEAL)
            partitioned = ev->type == SCENARIO_EV_PARTITION;
    }
    free(down);
    free(cut_off);
    free(links);
    return jr->status;
}

jsonread_status scenario_parse_events(jsonread *jr, scenario *s, const cJSON *root)
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
        raw[ord[i].index].by = NULL;
    }
    s->n_events = n;
    (void)check_event_sequence(jr, s, ord);
done:
    for (i = 0; raw != NULL && i < n; i++) {
        free(raw[i].group_of);
        free(raw[i].by);
    }
    free(raw);
    free(ord);
    return jr->status;
}
