/* The dashboard during a run. It reads the world at barriers and never
 * changes it, except for the page's payments and network commands
 * (partition, heal, crash, restart, a link's latency), which enter the run
 * like scripted events (console line, metrics, events.csv) at the sample
 * where they are taken: the same code carries out a scenario's events
 * (world_run_event). The run's global events and reorganisations go to the
 * dashboard's event feed.
 *
 * Over several processes process 0 serves the page and the hooks run on
 * every process at the same samples (globals): process 0's commands go to
 * all before any is applied, a check that needs a node's state is made by
 * the node's process and shared, a payment is built by the paying wallet's
 * process (as a scripted one); each process's nodes, feed entries and the
 * blocks new on its nodes' chains come to process 0 before it publishes. Pause, resume and speed
 * act on process 0's engine only: the others do not pace themselves, and since no process gets
 * ahead of another by more than one window, process 0's pace is the job's. */
#include "run_serve.h"

#include "cli.h"
#include "dist.h"
#include "dashcons.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Publishes the runner's state to the dashboard. Barrier only. It reads the
 * state and never changes it, so serving leaves the outputs as they were. */
static void publish(run_serve *sv, int64_t now, int finished)
{
    world *s = sv->w;
    rundash_node *nodes = malloc(s->n * sizeof *nodes);
    if (nodes == NULL)
        abort();
    run_serve_dist_feed(&sv->feed, sv->dash);
    run_serve_dist_blocks(&sv->sent, s, sv->dash);
    uint64_t *balances;
    run_serve_dist_nodes(s, now, nodes, &balances);
    rundash_state st = {.time_ns = now,
                        .finished = finished,
                        .nodes = nodes,
                        .group_of = s->group_of,
                        .net = s->net,
                        .ws = s->ws,
                        .far_balances = balances};
    char err[300];
    if (sv->dash != NULL && rundash_publish(sv->dash, err, sizeof err, &st) != RUNDASH_OK)
        cli_error("run: dashboard: %s", err);
    free(nodes);
    free(balances);
}

/* Why a payment from the page is refused, as the wallet's process found it
 * (shared with the others as a number). */
enum { TX_OK, TX_HOST_DOWN, TX_NODE_DOWN, TX_WALLET /* + wallet_status */ };

/* A payment sent from the page: enters the run like a scripted `tx` event
 * (console line, metrics), and its fate goes back to the dashboard. The
 * paying wallet's process builds it, the process of the node it is sent to
 * submits it; every process prints nothing but what process 0 would. */
static void serve_tx(run_serve *sv, engine_call *call, const dash_command *c)
{
    world *s = sv->w;
    int64_t now = engine_call_now(call);
    world_node *gl = world_global_lines(s);
    char why[200], a[17], to_name[40];
    uint8_t to[KEYS_PUB_BYTES];
    if (c->from_wallet < 1 || c->from_wallet > (int64_t)wallet_count(s->ws) || c->node < 1 ||
        c->node > (int64_t)s->n || hex_decode(to, sizeof to, c->to_address) != 0) {
        if (sv->dash)
            rundash_submitted(sv->dash, c, NULL, "not a wallet, node and address of this run");
        return;
    }
    uint32_t w = (uint32_t)(c->from_wallet - 1), ni = (uint32_t)(c->node - 1);
    uint32_t host = wallet_host(s->ws, w), to_w = wallet_find(s->ws, to);
    uint32_t root = engine_proc_of(s->eng, host);
    if (to_w != UINT32_MAX)
        snprintf(to_name, sizeof to_name, "wallet %u", to_w + 1);
    else
        snprintf(to_name, sizeof to_name, "address %.16s", c->to_address);
    tx *t = NULL;
    int32_t st = TX_OK;
    if (dist_rank() == root) {
        const chain *view = s->nodes[host].n ? node_chain(s->nodes[host].n) : NULL;
        wallet_status ws;
        if (view == NULL)
            st = TX_HOST_DOWN;
        else if (!s->nodes[ni].online)
            st = TX_NODE_DOWN;
        else if ((ws = wallet_pay(s->ws, &t, w, view, to, c->amount, s->scn.workload.fee, now)) !=
                 WALLET_OK)
            st = TX_WALLET + (int32_t)ws;
    }
    dist_bcast(&st, sizeof st, root);
    if (st != TX_OK) {
        if (st == TX_HOST_DOWN)
            snprintf(why, sizeof why, "wallet %u's node %u is not up", w + 1, host + 1);
        else if (st == TX_NODE_DOWN)
            snprintf(why, sizeof why, "node %u is not running (crashed or not joined yet)", ni + 1);
        else
            snprintf(why, sizeof why, "%s", wallet_status_message((wallet_status)(st - TX_WALLET)));
        world_say(s, gl, UINT32_MAX, now,
                  "tx from wallet %u refused (dashboard request %" PRIu64 "): %s", w + 1,
                  c->request_id, why);
        if (sv->dash)
            rundash_submitted(sv->dash, c, NULL, why);
        return;
    }
    tx *ct = world_share_tx(t, root); /* every process's copy */
    int32_t r = REASON_OK;
    if (world_local(s, ni)) {
        world_node *sn = &s->nodes[ni];
        engine_call_act_as(call, ni);
        metrics_tx_submitted(sn->mn, now, tx_id(ct));
        r = (int32_t)node_submit_tx(sn->n, &sn->fx, now, ct);
    }
    dist_bcast(&r, sizeof r, engine_proc_of(s->eng, ni));
    if (r != REASON_OK && dist_rank() == root)
        wallet_release(s->ws, w, t);
    world_short_id(a, tx_id(ct));
    world_say(s, gl, UINT32_MAX, now,
              "tx %s: wallet %u pays %" PRIu64 " to %s at node %u (dashboard request %" PRIu64
              ")%s%s",
              a, w + 1, c->amount, to_name, ni + 1, c->request_id,
              r == REASON_OK ? "" : ": refused: ", r == REASON_OK ? "" : reason_message((reason)r));
    if (world_local(s, ni))
        world_apply(s, call, ni);
    snprintf(why, sizeof why, "node %u refused it: %s", ni + 1, reason_message((reason)r));
    if (sv->dash)
        rundash_submitted(sv->dash, c, ct, r == REASON_OK ? NULL : why);
    tx_unref(ct);
    tx_unref(t);
}

/* Says why a network command from the page is not carried out. */
static void refuse_event(run_serve *sv, int64_t now, const dash_command *c, const char *why)
{
    char text[300];
    snprintf(text, sizeof text, "dashboard request %" PRIu64 " refused: %s", c->request_id, why);
    world_say(sv->w, world_global_lines(sv->w), UINT32_MAX, now, "%s", text);
    if (sv->dash)
        rundash_feed(sv->dash, now, "refused", NULL, 0, text);
}

/* A network command from the page, checked against the world as it is now
 * (it may have changed since the page sent it), then carried out as the
 * scenario event it stands for. Barrier only. */
static void serve_event(run_serve *sv, engine_call *call, const dash_command *c)
{
    world *s = sv->w;
    int64_t now = engine_call_now(call);
    scenario_event ev;
    memset(&ev, 0, sizeof ev);
    ev.at_ns = now;
    char why[160], what[120];
    uint32_t ni = c->node >= 1 && c->node <= (int64_t)s->n ? (uint32_t)(c->node - 1) : UINT32_MAX;
    uint32_t a = c->n_selected >= 1 ? c->selected[0] - 1 : UINT32_MAX;
    uint32_t b = c->n_selected >= 2 ? c->selected[1] - 1 : UINT32_MAX;
    why[0] = '\0';
    switch (c->kind) {
    case DASH_CMD_PARTITION:
        ev.type = SCENARIO_EV_PARTITION;
        ev.n_groups = 2;
        ev.group_of = malloc(s->n * sizeof *ev.group_of);
        if (ev.group_of == NULL)
            abort();
        for (uint32_t i = 0; i < s->n; i++)
            ev.group_of[i] = 1;
        for (uint32_t k = 0; k < c->n_selected && !why[0]; k++) {
            if (c->selected[k] < 1 || c->selected[k] > s->n || ev.group_of[c->selected[k] - 1] == 0)
                snprintf(why, sizeof why, "the selected nodes are not distinct nodes of this run");
            else
                ev.group_of[c->selected[k] - 1] = 0;
        }
        if (!why[0] && (c->n_selected == 0 || c->n_selected >= s->n))
            snprintf(why, sizeof why, "a partition needs nodes on both sides");
        snprintf(what, sizeof what, "partition %u selected node%s from the others", c->n_selected,
                 c->n_selected == 1 ? "" : "s");
        break;
    case DASH_CMD_HEAL:
        ev.type = SCENARIO_EV_HEAL;
        if (s->group_of == NULL)
            snprintf(why, sizeof why, "the network is not partitioned");
        snprintf(what, sizeof what, "heal");
        break;
    case DASH_CMD_CRASH:
    case DASH_CMD_RESTART:
        ev.type = c->kind == DASH_CMD_CRASH ? SCENARIO_EV_CRASH : SCENARIO_EV_RESTART;
        ev.node = ni;
        if (ni == UINT32_MAX)
            snprintf(why, sizeof why, "no node %lld in this run", (long long)c->node);
        else if (!run_serve_dist_started(s, ni))
            snprintf(why, sizeof why, "node %u has not joined yet", ni + 1);
        else if (c->kind == DASH_CMD_CRASH && !s->nodes[ni].online)
            snprintf(why, sizeof why, "node %u is already down", ni + 1);
        else if (c->kind == DASH_CMD_RESTART && s->nodes[ni].online)
            snprintf(why, sizeof why, "node %u is running", ni + 1);
        snprintf(what, sizeof what, "%s node %lld", c->kind == DASH_CMD_CRASH ? "crash" : "restart",
                 (long long)c->node);
        break;
    case DASH_CMD_LATENCY:
        ev.type = SCENARIO_EV_SET_LATENCY;
        ev.nodes[0] = a;
        ev.nodes[1] = b;
        ev.latency_ns = c->latency_ns;
        if (a >= s->n || b >= s->n || a == b || !net_linked(s->net, a, b))
            snprintf(why, sizeof why, "no link between those nodes");
        else if (c->latency_ns != 0 && c->latency_ns < scenario_lookahead_ns(&s->scn))
            snprintf(why, sizeof why, "the latency is below the network's smallest");
        snprintf(what, sizeof what, "set the latency of link %u-%u", a + 1, b + 1);
        break;
    default:
        free(ev.group_of);
        return;
    }
    if (why[0]) {
        refuse_event(sv, now, c, why);
    } else {
        world_say(s, world_global_lines(s), UINT32_MAX, now, "dashboard request %" PRIu64 ": %s",
                  c->request_id, what);
        world_run_event(s, call, &ev);
    }
    free(ev.group_of);
}

/* The world's before_sample hook: applies the payments and network commands
 * sent from the page since the last sample, in the order the server queued
 * them. Barrier only. */
static void take_commands(void *ctx, engine_call *call)
{
    run_serve *sv = ctx;
    dash_command *cmds = NULL;
    size_t n = 0, cap = 0;
    while (sv->dash != NULL) { /* process 0: every command queued so far, in order */
        if (n + 16 > cap) {
            cap = cap ? 2 * cap : 64;
            dash_command *v = realloc(cmds, cap * sizeof *v);
            if (v == NULL)
                abort();
            cmds = v;
        }
        size_t got = rundash_take(sv->dash, cmds + n, 16);
        n += got;
        if (got == 0)
            break;
    }
    run_serve_dist_commands(&cmds, &n);
    for (size_t i = 0; i < n; i++) {
        if (cmds[i].kind == DASH_CMD_SUBMIT_TX)
            serve_tx(sv, call, &cmds[i]);
        else
            serve_event(sv, call, &cmds[i]);
    }
    free(cmds);
}

/* The world's on_event hook: the run's global events go to the feed, told
 * by the process that prints them (world_voice): process 0 at once, another
 * at the next sample. */
static void on_event(void *ctx, const world_feed_item *item)
{
    run_serve *sv = ctx;
    if (!world_voice(sv->w))
        return;
    if (sv->dash != NULL)
        rundash_feed(sv->dash, item->time_ns, item->kind, item->nodes, item->n_nodes, item->text);
    else
        run_serve_dist_keep(&sv->feed, item);
}
/* The world's after_sample hook. */
static void after_sample(void *ctx, int64_t now_ns)
{
    publish(ctx, now_ns, 0);
}

/* Process 0's part of the start: the dashboard itself. */
static int start_dash(run_serve *sv, world *s, const char *addr, int start_paused)
{
    char err[600];
    uint8_t(*keys)[KEYS_PUB_BYTES] = malloc(s->n * sizeof *keys);
    if (keys == NULL) {
        cli_error("run: out of memory");
        return CLI_FAILED;
    }
    for (uint32_t i = 0; i < s->n; i++)
        memcpy(keys[i], keys_pair_public(s->nodes[i].key), KEYS_PUB_BYTES);
    const char **kinds = dashcons_adversary_kinds(&s->scn);
    if (kinds == NULL) {
        free(keys);
        cli_error("run: out of memory");
        return CLI_FAILED;
    }
    rundash_config rc = {
        .listen = addr,
        .eng = s->eng,
        .consensus = s->ops->name,
        .scenario_name = s->scn.name,
        .duration_ns = s->scn.duration_ns,
        .n_nodes = s->n,
        .node_keys = (const uint8_t(*)[KEYS_PUB_BYTES])keys,
        .genesis = s->genesis,
        .fee = s->scn.workload.fee,
        .confirmations = s->scn.workload.confirmations,
        .speed = s->realtime,
        .min_latency_ns = scenario_lookahead_ns(&s->scn),
        .slot_ns = s->cons.type == CHAIN_POS ? s->scn.consensus.pos.slot_ns : 0,
        .start_paused = start_paused,
        .adversary_kind = kinds,
    };
    rundash_reason r = rundash_new(&sv->dash, err, sizeof err, &rc);
    free(keys);
    free(kinds);
    if (r != RUNDASH_OK) {
        cli_error("run: --serve %s: %s", addr, err);
        return r == RUNDASH_ERR_BAD_ADDRESS || r == RUNDASH_ERR_LISTEN ? CLI_BAD_INPUT : CLI_FAILED;
    }
    return CLI_OK;
}

/* Starts the dashboard before the run: a listen failure is the user's input.
 * With several processes, process 0's outcome is every process's. */
int run_serve_start(run_serve *sv, world *s, const char *addr, int start_paused)
{
    sv->w = s;
    sv->addr = addr;
    int32_t status = dist_rank() == 0 ? start_dash(sv, s, addr, start_paused) : CLI_OK;
    dist_bcast(&status, sizeof status, 0);
    if (status != CLI_OK)
        return status;
    /* Only process 0 paces (see the top of the file); its engine alone is
     * paused and sped up from the page. */
    if (dist_rank() != 0 && engine_set_realtime(s->eng, 0) != ENGINE_OK)
        abort(); /* 0 is always a valid factor */
    int failed = run_signals_start(&sv->signals, s->eng) != 0;
    if (dist_max_i64(failed)) {
        if (dist_rank() == 0)
            cli_error("run: cannot start a thread");
        return CLI_FAILED;
    }
    sv->started = 1;
    s->hooks.ctx = sv;
    s->hooks.before_sample = take_commands;
    s->hooks.after_sample = after_sample;
    s->hooks.on_event = on_event;
    publish(sv, 0, 0); /* the page has the network at time 0 to show, paused or not */
    if (sv->dash != NULL) {
        char url[400];
        rundash_url(sv->dash, url, sizeof url);
        printf("dashboard: %s\n", url);
        if (start_paused)
            printf("dashboard: the run waits at time 0 until a browser opens the page\n");
        fflush(stdout);
    }
    return CLI_OK;
}

/* After the run (rc its status): the final state stays browsable, read-only,
 * until SIGINT or SIGTERM; then everything stops. The other processes wait
 * for process 0 asleep: a Ctrl-C to mpirun reaches process 0 as well. */
int run_serve_end(run_serve *sv, int rc)
{
    int serve = sv->started && !dist_max_i64(rc != CLI_OK);
    if (serve) {
        if (sv->dash)
            rundash_close(sv->dash);
        publish(sv, sv->w->scn.duration_ns, 1);
    }
    if (serve && sv->dash) {
        char url[400];
        rundash_url(sv->dash, url, sizeof url);
        printf("dashboard: the run is over; its final state stays at %s until Ctrl-C\n", url);
        fflush(stdout);
        run_signals_wait(&sv->signals);
    } else {
        run_signals_cancel(&sv->signals);
    }
    if (serve)
        dist_wait_all();
    rundash_free(sv->dash);
    sv->dash = NULL;
    run_serve_dist_feed_free(&sv->feed);
    dashfar_sender_free(&sv->sent);
    return rc;
}
