/* The world's global side, run at window barriers: the scenario's events
 * (partition, heal, crash, restart, join, hash rate and stake changes, a
 * link's latency, scripted payments and double spends; the dashboard's
 * commands come through the same code, world_run_event), a crashed node's chain saved to its
 * file and reloaded on restart, and the periodic samples of every node's
 * tip. */
#include "world.h"
#include "timeunit.h"

#include "consensus_bft.h"
#include "consensus_ops.h"
#include "chainfile.h"
#include "dist.h"
#include "fileout.h"
#include "units.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- crash and restart ------------------------------------------------ */

/* A crashed node writes its chain file where its restart reads it back: a
 * private folder inside the output folder, so that the run's outputs (and
 * the files of an earlier run there) change only when the run finishes.
 * The folder goes at teardown. */
static int save_crash_chain(world *s, uint32_t ni, char *err, size_t errlen)
{
    if (s->crash_dir == NULL) {
        char *tmpl = fileout_join(s->out_dir, ".crashed-nodes-XXXXXX");
        if (tmpl == NULL || mkdtemp(tmpl) == NULL) {
            snprintf(err, errlen, "cannot create a folder in %s for crashed nodes' chains: %s",
                     s->out_dir, tmpl ? strerror(errno) : "out of memory");
            free(tmpl);
            return -1;
        }
        s->crash_dir = tmpl;
    }
    char *path = world_chain_path_in(s->crash_dir, ni), *text = NULL;
    size_t len = 0;
    int rc = -1;
    if (path == NULL) {
        snprintf(err, errlen, "out of memory");
    } else if (chainfile_render_certs(
                   node_chain(s->nodes[ni].n),
                   node_ops(s->nodes[ni].n)->block_kind == CHAIN_BFT ? consensus_bft_cert : NULL,
                   node_consensus_state(s->nodes[ni].n), &text, &len, err,
                   errlen) == CHAINFILE_OK) {
        rc = fileout_write(err, errlen, path, text, len) == FILEOUT_OK ? 0 : -1;
    }
    free(text);
    free(path);
    return rc;
}

void world_remove_crash_dir(world *s)
{
    if (s->crash_dir == NULL)
        return;
    for (uint32_t i = 0; i < s->n; i++) {
        char *path = world_chain_path_in(s->crash_dir, i);
        if (path)
            unlink(path);
        free(path);
    }
    rmdir(s->crash_dir);
    free(s->crash_dir);
    s->crash_dir = NULL;
}

/* Reloads a node's chain from its file, re-validating every block. */
static int load_chain(world *s, chain **out, const char *path, char *err, size_t errlen)
{
    chainfile *cf = NULL;
    chainfile_report rep;
    *out = NULL;
    if (path == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char *text = NULL;
    size_t len = 0;
    if (fileout_read(&text, &len, err, errlen, path, CHAINFILE_MAX_BYTES) != FILEOUT_OK)
        return -1;
    chainfile_status st = chainfile_parse(&cf, err, errlen, text, len, path);
    free(text);
    if (st != CHAINFILE_OK)
        return -1;
    reason r = chainfile_rebuild(out, cf, &s->params, s->cache, &rep);
    chainfile_free(cf);
    if (r != REASON_OK) {
        snprintf(err, errlen, "%s: block at height %u: %s", path, rep.height, rep.message);
        return -1;
    }
    return 0;
}

/* ---- global events ---------------------------------------------------- */

void world_tell(world *s, int64_t t, const char *kind, const uint32_t *nodes, size_t n_nodes,
                const char *fmt, ...)
{
    char text[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    world_say(s, world_global_lines(s), UINT32_MAX, t, "%s", text);
    if (s->hooks.on_event) {
        world_feed_item item = {t, kind, nodes, n_nodes, text};
        s->hooks.on_event(s->hooks.ctx, &item);
    }
}

static void say_groups(world *s, int64_t t, const scenario_event *ev)
{
    uint32_t *side = malloc(s->n * sizeof *side);
    if (side == NULL)
        abort();
    size_t n_side = 0;
    for (uint32_t i = 0; i < s->n; i++)
        if (ev->group_of[i] == 0)
            side[n_side++] = i + 1;
    char buf[400];
    size_t at = 0;
    for (uint32_t g = 0; g < ev->n_groups && at < sizeof buf - 40; g++) {
        at += (size_t)snprintf(buf + at, sizeof buf - at, "%s{", g ? " | " : "");
        int first = 1;
        for (uint32_t i = 0; i < s->n && at < sizeof buf - 40; i++)
            if (ev->group_of[i] == g) {
                at += (size_t)snprintf(buf + at, sizeof buf - at, first ? "%u" : ",%u", i + 1);
                first = 0;
            }
        at += (size_t)snprintf(buf + at, sizeof buf - at, "}");
    }
    world_tell(s, t, "partition", side, n_side, "partition: %s", buf);
    free(side);
}

static void global_tx(world *s, engine_call *call, const scenario_event *ev)
{
    if (s->procs > 1) {
        world_dist_tx(s, call, ev);
        return;
    }
    int64_t now = engine_call_now(call);
    uint32_t host = wallet_host(s->ws, ev->from);
    const chain *view = s->nodes[host].n ? node_chain(s->nodes[host].n) : NULL;
    char a[17], b[17];
    if (view == NULL) {
        world_say(s, world_global_lines(s), UINT32_MAX, now,
                  "tx from wallet %u refused: its node is not up", ev->from + 1);
        return;
    }
    if (ev->type == SCENARIO_EV_TX) {
        tx *t;
        wallet_status st = wallet_pay(s->ws, &t, ev->from, view, wallet_public(s->ws, ev->to[0]),
                                      ev->amount, s->scn.workload.fee, now);
        if (st != WALLET_OK) {
            world_say(s, world_global_lines(s), UINT32_MAX, now, "tx from wallet %u refused: %s",
                      ev->from + 1, wallet_status_message(st));
            return;
        }
        engine_call_act_as(call, ev->node);
        world_submit(s, call, ev->node, ev->from, t);
        world_short_id(a, tx_id(t));
        world_say(s, world_global_lines(s), UINT32_MAX, now,
                  "tx %s: wallet %u pays %" PRIu64 " to wallet %u at node %u", a, ev->from + 1,
                  ev->amount, ev->to[0] + 1, ev->node + 1);
        world_apply(s, call, ev->node);
        tx_unref(t);
        return;
    }
    tx *ta, *tb;
    wallet_status st =
        wallet_pay_twice(s->ws, &ta, &tb, ev->from, view, wallet_public(s->ws, ev->to[0]),
                         wallet_public(s->ws, ev->to[1]), ev->amount, s->scn.workload.fee, now);
    if (st != WALLET_OK) {
        world_say(s, world_global_lines(s), UINT32_MAX, now,
                  "double spend from wallet %u refused: %s", ev->from + 1,
                  wallet_status_message(st));
        return;
    }
    world_short_id(a, tx_id(ta));
    world_short_id(b, tx_id(tb));
    world_say(s, world_global_lines(s), UINT32_MAX, now,
              "double spend: wallet %u pays the same coins as tx %s to wallet %u at node %u and as "
              "tx %s to wallet %u at node %u",
              ev->from + 1, a, ev->to[0] + 1, ev->nodes[0] + 1, b, ev->to[1] + 1, ev->nodes[1] + 1);
    engine_call_act_as(call, ev->nodes[0]);
    world_submit(s, call, ev->nodes[0], ev->from, ta);
    world_apply(s, call, ev->nodes[0]);
    engine_call_act_as(call, ev->nodes[1]);
    world_submit(s, call, ev->nodes[1], ev->from, tb);
    world_apply(s, call, ev->nodes[1]);
    tx_unref(ta);
    tx_unref(tb);
}

/* Reports a failure inside a global event through the app's hook, and marks
 * the run as failed (it carries on, and writes no outputs). */
static void report(world *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void report(world *s, const char *fmt, ...)
{
    char text[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (s->hooks.error)
        s->hooks.error(s->hooks.ctx, text);
    else
        fprintf(stderr, "chainsim: run: %s\n", text);
    s->failed = 1;
}

static void ev_partition(world *s, int64_t now, const scenario_event *ev)
{
    if (net_partition(s->net, ev->group_of, s->n) != 0)
        abort(); /* the scenario was validated against the node count */
    uint32_t *groups = malloc(s->n * sizeof *groups);
    if (groups == NULL)
        abort();
    for (uint32_t i = 0; i < s->n; i++)
        groups[i] = ev->group_of[i] + 1;
    metrics_partition(s->m, now, groups, s->n);
    free(s->group_of);
    s->group_of = groups;
    say_groups(s, now, ev);
}

/* Every link is back; each online node that had peers across the cut
 * exchanges tips with them, as Bitcoin peers do on reconnect. */
static void ev_heal(world *s, engine_call *call, int64_t now)
{
    uint32_t *cut = malloc((s->n + 1) * sizeof *cut);
    if (cut == NULL)
        abort();
    net_heal(s->net);
    metrics_heal(s->m, now);
    world_tell(s, now, "heal", NULL, 0, "heal: every link is back");
    for (uint32_t i = 0; s->group_of && i < s->n; i++) {
        world_node *sn = &s->nodes[i];
        size_t n_cut = 0;
        for (size_t k = 0; k < net_degree(s->net, i); k++) {
            uint32_t p = net_neighbor(s->net, i, k);
            if (s->group_of[p] != s->group_of[i])
                cut[n_cut++] = p;
        }
        if (!sn->online || n_cut == 0 || !world_local(s, i))
            continue;
        engine_call_act_as(call, i);
        node_on_reconnect(sn->n, &sn->fx, now, cut, n_cut);
        world_apply(s, call, i);
    }
    free(cut);
    free(s->group_of);
    s->group_of = NULL;
}

static void ev_crash(world *s, engine_call *call, int64_t now, uint32_t ni)
{
    world_node *sn = &s->nodes[ni];
    char err[512];
    if (!sn->online)
        return;
    int local = world_local(s, ni);
    if (local) {
        engine_call_act_as(call, ni); /* its idle time up to now first */
        if (save_crash_chain(s, ni, err, sizeof err) != 0)
            report(s, "node %u: %s", ni + 1, err);
    }
    sn->online = 0;
    sn->life++;
    net_uplink_reset(s->net, ni);
    metrics_node_event(s->m, now, ni + 1, METRICS_CRASH);
    uint32_t id = ni + 1;
    s->voice = ni; /* its process knows the height */
    world_tell(s, now, "crash", &id, 1, "node %u crashed at height %u (chain saved)", ni + 1,
               local ? chain_height(node_chain(sn->n)) : 0);
    s->voice = UINT32_MAX;
}

static void ev_restart(world *s, engine_call *call, int64_t now, uint32_t ni)
{
    char err[512];
    if (s->nodes[ni].online)
        return;
    if (!world_local(s, ni)) { /* its process restarts it */
        s->nodes[ni].online = 1;
        metrics_node_event(s->m, now, ni + 1, METRICS_RESTART);
        s->voice = ni;
        world_say(s, world_global_lines(s), UINT32_MAX, now, "(restart of node %u)", ni + 1);
        s->voice = UINT32_MAX;
        return;
    }
    char *path = s->crash_dir ? world_chain_path_in(s->crash_dir, ni) : NULL;
    chain *c = NULL;
    if (load_chain(s, &c, path, err, sizeof err) != 0) {
        report(s, "restarting node %u: %s", ni + 1, err);
        free(path);
        return;
    }
    free(path);
    uint32_t height = chain_height(c);
    if (world_start_node(s, call, ni, c) != 0)
        abort();
    metrics_node_event(s->m, now, ni + 1, METRICS_RESTART);
    uint32_t id = ni + 1;
    s->voice = ni;
    world_tell(s, now, "restart", &id, 1, "node %u restarted from its chain file at height %u",
               ni + 1, height);
    s->voice = UINT32_MAX;
}

static void ev_set_hashrate(world *s, engine_call *call, int64_t now, const scenario_event *ev)
{
    world_node *sn = &s->nodes[ev->node];
    sn->hashrate_mhps = world_hashrate_mhps(ev->hashrate_hps);
    if (world_local(s, ev->node))
        engine_call_act_as(call, ev->node); /* its idle time up to now first */
    if (sn->n)
        node_set_hashrate(sn->n, now,
                          s->ops->production == CONSENSUS_MINES ? sn->hashrate_mhps : 0);
    /* Whole rates print as before ("%.0f"); a fraction with its thousandths. */
    uint64_t whole = sn->hashrate_mhps / NODE_MHPS_PER_HPS;
    unsigned frac = (unsigned)(sn->hashrate_mhps % NODE_MHPS_PER_HPS);
    char frac_txt[8] = "";
    if (frac != 0) {
        snprintf(frac_txt, sizeof frac_txt, ".%03u", frac);
        for (size_t len = strlen(frac_txt); frac_txt[len - 1] == '0'; len--)
            frac_txt[len - 1] = '\0';
    }
    world_say(s, world_global_lines(s), UINT32_MAX, now, "node %u hash rate is now %llu%s H/s",
              ev->node + 1, (unsigned long long)whole, frac_txt);
}

/* ---- links cut one by one: isolate, eclipse, cut ----------------------- */

static void cutlist_add(world_cutlist *l, uint32_t a, uint32_t b)
{
    uint32_t(*p)[2] = realloc(l->links, (l->n + 1) * sizeof *l->links);
    if (p == NULL)
        abort();
    l->links = p;
    l->links[l->n][0] = a;
    l->links[l->n][1] = b;
    l->n++;
}

static int in_list(const uint32_t *list, size_t n, uint32_t x)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == x)
            return 1;
    return 0;
}

/* Cuts the links of l (already listed) in the network. */
static void cut_all(world *s, const world_cutlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (net_cut(s->net, l->links[i][0], l->links[i][1]) != 0)
            abort(); /* out of memory: the run would be wrong */
}

/* Restores the links of l; both ends of each link that works again
 * exchange tips (as on a heal). Empties l. */
static void restore_all(world *s, engine_call *call, int64_t now, world_cutlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        uint32_t a = l->links[i][0], b = l->links[i][1];
        if (!net_restore(s->net, a, b))
            continue;
        for (int end = 0; end < 2; end++) {
            uint32_t me = end ? b : a, other = end ? a : b;
            world_node *sn = &s->nodes[me];
            if (!sn->online || !world_local(s, me))
                continue;
            engine_call_act_as(call, me);
            node_on_reconnect(sn->n, &sn->fx, now, &other, 1);
            world_apply(s, call, me);
        }
    }
    free(l->links);
    l->links = NULL;
    l->n = 0;
}

static world_cutlist *cutlists(world_cutlist **lists, uint32_t n)
{
    if (*lists == NULL && (*lists = calloc(n, sizeof **lists)) == NULL)
        abort();
    return *lists;
}

/* isolate: every link of the node is cut. */
static void ev_isolate(world *s, int64_t now, uint32_t v)
{
    world_cutlist *l = &cutlists(&s->isolated, s->n)[v];
    for (size_t k = 0; k < net_degree(s->net, v); k++)
        cutlist_add(l, v, net_neighbor(s->net, v, k));
    cut_all(s, l);
    metrics_node_event(s->m, now, v + 1, METRICS_ISOLATE);
    world_say(s, world_global_lines(s), UINT32_MAX, now, "node %u isolated: %zu links cut", v + 1,
              l->n);
}

/* eclipse: the victim keeps only its links to the attackers, and the
 * attackers only their links to the victim and to each other: every
 * message the victim gets comes from them, and they see nothing of the
 * others (sybils of one attacker, with their own hash power). */
static void ev_eclipse(world *s, int64_t now, const scenario_event *ev)
{
    uint32_t v = ev->node;
    world_cutlist *l = &cutlists(&s->eclipsed, s->n)[v];
    for (size_t k = 0; k < net_degree(s->net, v); k++) {
        uint32_t x = net_neighbor(s->net, v, k);
        if (!in_list(ev->by, ev->n_by, x))
            cutlist_add(l, v, x);
    }
    for (size_t j = 0; j < ev->n_by; j++)
        for (size_t k = 0; k < net_degree(s->net, ev->by[j]); k++) {
            uint32_t x = net_neighbor(s->net, ev->by[j], k);
            if (x != v && !in_list(ev->by, ev->n_by, x))
                cutlist_add(l, ev->by[j], x);
        }
    cut_all(s, l);
    size_t reach = 0;
    for (size_t j = 0; j < ev->n_by; j++)
        reach += (size_t)net_linked(s->net, v, ev->by[j]);
    metrics_node_event(s->m, now, v + 1, METRICS_ECLIPSE);
    world_say(s, world_global_lines(s), UINT32_MAX, now,
              "node %u eclipsed by %zu attacking nodes (%zu of them its neighbours): %zu links cut",
              v + 1, ev->n_by, reach, l->n);
}

static void ev_links_back(world *s, engine_call *call, int64_t now, const scenario_event *ev)
{
    int eclipse = ev->type == SCENARIO_EV_ECLIPSE_END;
    world_cutlist *l = &cutlists(eclipse ? &s->eclipsed : &s->isolated, s->n)[ev->node];
    size_t n = l->n;
    restore_all(s, call, now, l);
    metrics_node_event(s->m, now, ev->node + 1, eclipse ? METRICS_ECLIPSE_END : METRICS_REJOIN);
    world_say(s, world_global_lines(s), UINT32_MAX, now, "node %u %s: %zu links back", ev->node + 1,
              eclipse ? "no longer eclipsed" : "rejoins", n);
}

static void ev_cut_link(world *s, engine_call *call, int64_t now, const scenario_event *ev)
{
    uint32_t a = ev->nodes[0], b = ev->nodes[1];
    int cut = ev->type == SCENARIO_EV_CUT;
    if (cut) {
        if (net_cut(s->net, a, b) != 0)
            abort();
    } else {
        world_cutlist one = {NULL, 0};
        cutlist_add(&one, a, b);
        restore_all(s, call, now, &one);
    }
    metrics_node_event(s->m, now, a + 1, cut ? METRICS_CUT : METRICS_RESTORE);
    metrics_node_event(s->m, now, b + 1, cut ? METRICS_CUT : METRICS_RESTORE);
    world_say(s, world_global_lines(s), UINT32_MAX, now, "link %u-%u %s%s", a + 1, b + 1,
              cut ? "cut" : "restored", net_linked(s->net, a, b) ? "" : " (not in the topology)");
}

/* A link's latency: a constant from now on, or the scenario's again. Links
 * the topology does not have change nothing (the scenario cannot know a
 * random graph's links). */
static void ev_set_latency(world *s, int64_t now, const scenario_event *ev)
{
    uint32_t a = ev->nodes[0], b = ev->nodes[1], ids[2] = {a + 1, b + 1};
    if (net_set_link_latency(s->net, a, b, ev->latency_ns) != 0) {
        world_say(s, world_global_lines(s), UINT32_MAX, now,
                  "latency of link %u-%u unchanged: the nodes are not linked", a + 1, b + 1);
        return;
    }
    metrics_link_latency(s->m, now, a + 1, b + 1, ev->latency_ns);
    if (ev->latency_ns == 0) {
        world_tell(s, now, "latency", ids, 2, "link %u-%u: latency back to the scenario's", a + 1,
                   b + 1);
        return;
    }
    char lat[32];
    units_format_duration(lat, sizeof lat, ev->latency_ns);
    world_tell(s, now, "latency", ids, 2, "link %u-%u: latency is now %s", a + 1, b + 1, lat);
}

void world_run_event(world *s, engine_call *call, const scenario_event *ev)
{
    int64_t now = engine_call_now(call);
    switch (ev->type) {
    case SCENARIO_EV_PARTITION:
        ev_partition(s, now, ev);
        break;
    case SCENARIO_EV_HEAL:
        ev_heal(s, call, now);
        break;
    case SCENARIO_EV_CRASH:
        ev_crash(s, call, now, ev->node);
        break;
    case SCENARIO_EV_RESTART:
        ev_restart(s, call, now, ev->node);
        break;
    case SCENARIO_EV_SET_HASHRATE:
        ev_set_hashrate(s, call, now, ev);
        break;
    case SCENARIO_EV_SET_STAKE:
        world_say(s, world_global_lines(s), UINT32_MAX, now,
                  "node %u stake is now %" PRIu64 " (from the next slot)", ev->node + 1, ev->stake);
        break;
    case SCENARIO_EV_TX:
    case SCENARIO_EV_DOUBLE_SPEND:
        global_tx(s, call, ev);
        break;
    case SCENARIO_EV_ISOLATE:
        ev_isolate(s, now, ev->node);
        break;
    case SCENARIO_EV_ECLIPSE:
        ev_eclipse(s, now, ev);
        break;
    case SCENARIO_EV_REJOIN:
    case SCENARIO_EV_ECLIPSE_END:
        ev_links_back(s, call, now, ev);
        break;
    case SCENARIO_EV_CUT:
    case SCENARIO_EV_RESTORE:
        ev_cut_link(s, call, now, ev);
        break;
    case SCENARIO_EV_SET_LATENCY:
        ev_set_latency(s, now, ev);
        break;
    }
}

void world_sample(world *s, int64_t now)
{
    metrics_tip *tips = calloc(s->n, sizeof *tips);
    if (tips == NULL)
        abort();
    for (uint32_t i = 0; i < s->n; i++) {
        world_node *sn = &s->nodes[i];
        if (!world_local(s, i))
            continue; /* its process fills it in (zero here) */
        tips[i].online = sn->online;
        tips[i].height = sn->n ? chain_height(node_chain(sn->n)) : 0;
        if (sn->n)
            tips[i].tip = *chain_entry_id(chain_tip(node_chain(sn->n)));
        else
            tips[i].tip = *block_id(s->genesis);
    }
    if (s->procs > 1)
        dist_or_bytes(tips, s->n * sizeof *tips); /* every node's from its process */
    metrics_sample(s->m, now, tips, s->n);
    free(tips);
    world_flush_lines(s);
}

void world_on_global(void *ctx, engine_call *call, const engine_event *ev)
{
    world *s = ctx;
    int64_t now = engine_call_now(call);
    switch (ev->type) {
    case WORLD_G_EVENT:
        world_run_event(s, call, &s->scn.events[ev->arg]);
        break;
    case WORLD_G_START: {
        uint32_t i = (uint32_t)ev->arg;
        if (world_start_node(s, call, i, NULL) != 0)
            abort();
        if (now > 0) {
            metrics_node_event(s->m, now, i + 1, METRICS_JOIN);
            uint32_t id = i + 1;
            world_tell(s, now, "join", &id, 1, "node %u joined (from genesis)", i + 1);
        }
        break;
    }
    case WORLD_G_SAMPLE: {
        if (s->hooks.before_sample)
            s->hooks.before_sample(s->hooks.ctx, call);
        world_sample(s, now);
        if (s->hooks.after_sample)
            s->hooks.after_sample(s->hooks.ctx, now);
        int64_t next = now + s->scn.metrics.sample_interval_ns;
        if (next < s->scn.duration_ns)
            engine_call_global(call, next, WORLD_G_SAMPLE, NULL, 0);
        break;
    }
    }
}
