/* The dashboard during a run. It reads the world at barriers and never
 * changes it, except for payments sent from the page, which enter the run
 * like scripted tx events (console line, metrics) at the sample where they
 * are taken. */
#include "run_serve.h"

#include "cli.h"

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
    for (uint32_t i = 0; i < s->n; i++)
        nodes[i] = (rundash_node){s->nodes[i].n, s->nodes[i].online};
    rundash_state st = {now, finished, nodes, s->group_of, s->net, s->ws};
    char err[300];
    if (rundash_publish(sv->dash, err, sizeof err, &st) != RUNDASH_OK)
        cli_error("run: dashboard: %s", err);
    free(nodes);
}

/* A payment sent from the page: enters the run like a scripted `tx` event
 * (console line, metrics), and its fate goes back to the dashboard. */
static void serve_tx(run_serve *sv, engine_call *call, const dash_command *c)
{
    world *s = sv->w;
    int64_t now = engine_call_now(call);
    world_node *gl = world_global_lines(s);
    char why[200], a[17], to_name[40];
    uint8_t to[KEYS_PUB_BYTES];
    if (c->from_wallet < 1 || c->from_wallet > (int64_t)wallet_count(s->ws) || c->node < 1 ||
        c->node > (int64_t)s->n || hex_decode(to, sizeof to, c->to_address) != 0) {
        rundash_submitted(sv->dash, c, NULL, "not a wallet, node and address of this run");
        return;
    }
    uint32_t w = (uint32_t)(c->from_wallet - 1), ni = (uint32_t)(c->node - 1);
    uint32_t host = wallet_host(s->ws, w), to_w = wallet_find(s->ws, to);
    const chain *view = s->nodes[host].n ? node_chain(s->nodes[host].n) : NULL;
    if (to_w != UINT32_MAX)
        snprintf(to_name, sizeof to_name, "wallet %u", to_w + 1);
    else
        snprintf(to_name, sizeof to_name, "address %.16s", c->to_address);
    tx *t = NULL;
    wallet_status ws;
    if (view == NULL)
        snprintf(why, sizeof why, "wallet %u's node %u is not up", w + 1, host + 1);
    else if (!s->nodes[ni].online)
        snprintf(why, sizeof why, "node %u is not running (crashed or not joined yet)", ni + 1);
    else if ((ws = wallet_pay(s->ws, &t, w, view, to, c->amount, s->scn.workload.fee, now)) !=
             WALLET_OK)
        snprintf(why, sizeof why, "%s", wallet_status_message(ws));
    if (t == NULL) {
        world_say(s, gl, UINT32_MAX, now,
                  "tx from wallet %u refused (dashboard request %" PRIu64 "): %s", w + 1,
                  c->request_id, why);
        rundash_submitted(sv->dash, c, NULL, why);
        return;
    }
    world_node *sn = &s->nodes[ni];
    engine_call_act_as(call, ni);
    metrics_tx_submitted(sn->mn, now, tx_id(t));
    reason r = node_submit_tx(sn->n, &sn->fx, now, t);
    if (r != REASON_OK)
        wallet_release(s->ws, w, t);
    world_short_id(a, tx_id(t));
    world_say(s, gl, UINT32_MAX, now,
              "tx %s: wallet %u pays %" PRIu64 " to %s at node %u (dashboard request %" PRIu64
              ")%s%s",
              a, w + 1, c->amount, to_name, ni + 1, c->request_id,
              r == REASON_OK ? "" : ": refused: ", r == REASON_OK ? "" : reason_message(r));
    world_apply(s, call, ni);
    snprintf(why, sizeof why, "node %u refused it: %s", ni + 1, reason_message(r));
    rundash_submitted(sv->dash, c, t, r == REASON_OK ? NULL : why);
    tx_unref(t);
}

/* The world's before_sample hook: applies the payments sent from the page since the last sample, in
 * the order the server queued them. Barrier only. */
static void take_commands(void *ctx, engine_call *call)
{
    run_serve *sv = ctx;
    dash_command cmds[16];
    size_t n;
    while ((n = rundash_take(sv->dash, cmds, sizeof cmds / sizeof cmds[0])) > 0)
        for (size_t i = 0; i < n; i++)
            serve_tx(sv, call, &cmds[i]);
}
/* The world's after_sample hook. */
static void after_sample(void *ctx, int64_t now_ns)
{
    publish(ctx, now_ns, 0);
}

/* Starts the dashboard before the run: a listen failure is the user's input. */
int run_serve_start(run_serve *sv, world *s, const char *addr)
{
    sv->w = s;
    sv->addr = addr;
    char err[600], url[400];
    uint8_t(*keys)[KEYS_PUB_BYTES] = malloc(s->n * sizeof *keys);
    if (keys == NULL) {
        cli_error("run: out of memory");
        return CLI_FAILED;
    }
    for (uint32_t i = 0; i < s->n; i++)
        memcpy(keys[i], keys_pair_public(s->nodes[i].key), KEYS_PUB_BYTES);
    rundash_config rc = {
        .listen = addr,
        .eng = s->eng,
        .consensus = s->cons.type == CHAIN_POW ? "pow" : "pos",
        .scenario_name = s->scn.name,
        .duration_ns = s->scn.duration_ns,
        .n_nodes = s->n,
        .node_keys = (const uint8_t(*)[KEYS_PUB_BYTES])keys,
        .genesis = s->genesis,
        .fee = s->scn.workload.fee,
        .confirmations = s->scn.workload.confirmations,
        .speed = s->realtime,
    };
    rundash_reason r = rundash_new(&sv->dash, err, sizeof err, &rc);
    free(keys);
    if (r != RUNDASH_OK) {
        cli_error("run: --serve %s: %s", addr, err);
        return r == RUNDASH_ERR_BAD_ADDRESS || r == RUNDASH_ERR_LISTEN ? CLI_BAD_INPUT : CLI_FAILED;
    }
    if (run_signals_start(&sv->signals, s->eng) != 0) {
        cli_error("run: cannot start a thread");
        return CLI_FAILED;
    }
    s->hooks.ctx = sv;
    s->hooks.before_sample = take_commands;
    s->hooks.after_sample = after_sample;
    rundash_url(sv->dash, url, sizeof url);
    printf("dashboard: %s\n", url);
    fflush(stdout);
    return CLI_OK;
}

/* After the run (rc its status): the final state stays browsable, read-only,
 * until SIGINT or SIGTERM; then everything stops. */
int run_serve_end(run_serve *sv, int rc)
{
    if (sv->dash && rc == CLI_OK) {
        char url[400];
        rundash_close(sv->dash);
        publish(sv, sv->w->scn.duration_ns, 1);
        rundash_url(sv->dash, url, sizeof url);
        printf("dashboard: the run is over; its final state stays at %s until Ctrl-C\n", url);
        fflush(stdout);
        run_signals_wait(&sv->signals);
    } else {
        run_signals_cancel(&sv->signals);
    }
    rundash_free(sv->dash);
    sv->dash = NULL;
    return rc;
}
