/* The live dashboard of a run. Two threads meet here:
 *  - the runner's barrier thread calls rundash_publish / rundash_submitted /
 *    rundash_take; only it touches the block and transaction records, and it
 *    reads simulation state only while no node runs;
 *  - the command thread drains dash every few milliseconds: pause, resume and
 *    speed go straight to the engine (they only pace it, and a paused run has
 *    no barrier where they could wait), then it republishes the last snapshot
 *    with the new flags; submitted transactions wait in `pending` for the
 *    runner's next barrier, so they enter the simulation in drain order.
 *    While paused there is no barrier: the validator counts transactions
 *    from acceptance to rundash_take (`waiting`) and refuses more than
 *    DASH_QUEUE_CAPACITY, so that bound holds for the queue and `pending`
 *    together.
 * rd->mu guards the flags, `pending` and the stop flag, and serialises
 * publishing, so the newest snapshot always carries the current flags.
 *
 * The block and transaction records behind the "blocks" and "transactions"
 * documents, and how forks are followed, are dashrec.c; this file builds the
 * other documents, assembles the snapshot and runs the command thread. */
#include "rundash.h"
#include "timeunit.h"

#include "chain.h"
#include "dashcons.h"
#include "dashrec.h"
#include "hash.h"
#include "http.h"
#include "mempool.h"
#include "scenario.h"
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    POLL_MS = 20,       /* the command thread's period */
    FEED_NODES = 16,    /* nodes kept per feed entry */
    SPEED_POINTS = 64,  /* publishes the real speed is measured over, 100 ms apart ... */
    SPEED_WINDOW_S = 5, /* ... within this many wall seconds */
    REORG_LIST = 64     /* reorganisations told apart in one publish */
};

/* One entry of the event feed. */
typedef struct feed_entry {
    uint64_t seq;
    int64_t time_ns;
    char kind[16];
    uint32_t nodes[FEED_NODES];
    uint32_t n_nodes, more_nodes;
    uint32_t depth; /* reorganisations: blocks given up */
    char text[240];
} feed_entry;

struct rundash {
    dash *d;
    http_server *srv;
    engine *eng;
    char host[300];
    char consensus[8];
    char *scenario_name;
    int64_t duration_ns;
    uint32_t n_nodes;
    uint64_t fee;
    uint32_t confirmations;
    dashrec *rec; /* blocks and transactions seen */
    int64_t min_latency_ns;
    int64_t slot_ns;
    uint8_t (*keys)[KEYS_PUB_BYTES]; /* the nodes' keys: names leaders and proposers */
    const char **adversary;          /* per node: its adversary kind, NULL: honest (NULL: none) */

    /* The event feed (barrier thread only): a ring of the newest entries. */
    feed_entry feed[RUNDASH_FEED_MAX];
    size_t feed_head, feed_count;
    uint64_t feed_seq;
    /* Each node's tip at the last publish, to spot reorganisations. */
    hash256 *last_tip;
    unsigned char *has_last_tip;
    /* The real speed: (wall, virtual) times of recent publishes. */
    int64_t speed_wall_ns[SPEED_POINTS], speed_virt_ns[SPEED_POINTS];
    size_t speed_n;
    double last_real_speed; /* -1 until measured */

    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    int thread_started;
    int stop;
    int closed;
    int paused;
    int held; /* paused until the first page connects (--start-paused) */
    double speed;
    dash_command *pending;
    size_t n_pending, cap_pending;
    /* Transactions the validator let through and the runner has not taken
     * yet, in dash's queue or in `pending`: at most DASH_QUEUE_CAPACITY, so
     * a paused run (no barrier takes them) cannot be flooded. */
    atomic_size_t waiting;
};

static const char *const reason_messages[] = {
#define RUNDASH_REASON_MSG(code, msg) msg,
    RUNDASH_REASON_MAP(RUNDASH_REASON_MSG)
#undef RUNDASH_REASON_MSG
};

const char *rundash_reason_message(rundash_reason code)
{
    if ((int)code < 0 || code >= RUNDASH_REASON_COUNT)
        return "unknown code";
    return reason_messages[code];
}

static void check(int rc)
{
    if (rc != 0) {
        fprintf(stderr, "chainsim: pthread call failed: %s\n", strerror(rc));
        abort();
    }
}

/* ---- the submit validator (HTTP thread, under dash's lock) ------------ */

static const cJSON *wallet_entry(const cJSON *wallets, int64_t index)
{
    const cJSON *w;
    cJSON_ArrayForEach(w, cJSON_GetObjectItemCaseSensitive(wallets, "wallets"))
    {
        const cJSON *i = cJSON_GetObjectItemCaseSensitive(w, "index");
        if (cJSON_IsNumber(i) && (int64_t)i->valuedouble == index)
            return w;
    }
    return NULL;
}

/* Counts one more command waiting to enter the run, or refuses it when
 * DASH_QUEUE_CAPACITY wait. Validators run one at a time (under dash's lock)
 * and the runner only lowers the count, so checking and then adding cannot
 * overshoot. */
static dash_reason count_waiting(rundash *rd, char *err, size_t errlen)
{
    if (atomic_load(&rd->waiting) >= DASH_QUEUE_CAPACITY) {
        snprintf(err, errlen,
                 "%d commands are already waiting to enter the run (it is paused or "
                 "busy); try again later",
                 DASH_QUEUE_CAPACITY);
        return DASH_ERR_QUEUE_FULL;
    }
    atomic_fetch_add(&rd->waiting, 1); /* dash queues what passes here */
    return DASH_OK;
}

static dash_reason validate(void *ctx, char *err, size_t errlen, const cJSON *wallets,
                            const dash_command *cmd)
{
    rundash *rd = ctx; /* reads only fields fixed at creation, and counts `waiting` */
    (void)wallets;
    if (!dash_command_enters_run(cmd->kind))
        return DASH_OK;
    if (cmd->kind == DASH_CMD_LATENCY && cmd->latency_ns != 0 &&
        (cmd->latency_ns < rd->min_latency_ns || cmd->latency_ns > SCENARIO_MAX_LINK_LATENCY_NS)) {
        char lo[32];
        units_format_duration(lo, sizeof lo, rd->min_latency_ns);
        snprintf(err, errlen,
                 "latency: expected from %s (the network's smallest latency: no message may "
                 "arrive sooner) to 1h, or \"default\"",
                 lo);
        return DASH_ERR_BAD_COMMAND;
    }
    if (cmd->kind != DASH_CMD_SUBMIT_TX)
        return count_waiting(rd, err, errlen);
    size_t len = strlen(cmd->to_address);
    int hex = len == 2 * KEYS_PUB_BYTES;
    for (size_t i = 0; hex && i < len; i++)
        hex = isxdigit((unsigned char)cmd->to_address[i]) != 0;
    if (!hex) {
        snprintf(err, errlen, "to: expected a wallet or an address of %d hex digits",
                 2 * KEYS_PUB_BYTES);
        return DASH_ERR_REJECTED;
    }
    const cJSON *balance =
        cJSON_GetObjectItemCaseSensitive(wallet_entry(wallets, cmd->from_wallet), "balance");
    double have = cJSON_IsNumber(balance) ? balance->valuedouble : 0;
    if ((double)cmd->amount + (double)rd->fee > have) {
        snprintf(err, errlen,
                 "amount: %" PRIu64 " plus the fee of %" PRIu64
                 " is more than wallet %lld's balance of %.0f",
                 cmd->amount, rd->fee, (long long)cmd->from_wallet, have);
        return DASH_ERR_INSUFFICIENT_FUNDS;
    }
    return count_waiting(rd, err, errlen);
}

/* ---- the command thread ------------------------------------------------ */

/* Republishes the latest snapshot with the current flags. Caller holds mu. */
static void republish_locked(rundash *rd)
{
    dash_snapshot *s = dash_acquire(rd->d);
    if (s == NULL)
        return;
    static const char *const names[] = {"status",       "nodes",   "blocks",
                                        "transactions", "wallets", "feed"};
    cJSON *doc = cJSON_CreateObject();
    for (int r = 0; doc && r < DASH_RESOURCE_COUNT; r++) {
        cJSON *part = cJSON_Duplicate(dash_snapshot_get(s, (dash_resource)r), 1);
        if (part == NULL || !cJSON_AddItemToObject(doc, names[r], part)) {
            cJSON_Delete(part);
            cJSON_Delete(doc);
            doc = NULL;
        }
    }
    dash_snapshot_release(s);
    if (doc == NULL)
        return; /* out of memory: the page catches up at the next sample */
    cJSON *status = cJSON_GetObjectItemCaseSensitive(doc, "status");
    cJSON_ReplaceItemInObjectCaseSensitive(status, "paused", cJSON_CreateBool(rd->paused));
    cJSON_ReplaceItemInObjectCaseSensitive(status, "speed", cJSON_CreateNumber(rd->speed));
    char err[256];
    if (dash_publish(rd->d, err, sizeof err, doc) != DASH_OK)
        return; /* the previous snapshot stays */
}

static void queue_pending_locked(rundash *rd, const dash_command *c)
{
    if (rd->n_pending == rd->cap_pending) {
        size_t cap = rd->cap_pending ? 2 * rd->cap_pending : 16;
        dash_command *p = realloc(rd->pending, cap * sizeof *p);
        if (p == NULL)
            abort(); /* at most DASH_QUEUE_CAPACITY (`waiting`): tiny */
        rd->pending = p;
        rd->cap_pending = cap;
    }
    rd->pending[rd->n_pending++] = *c;
}

static void *command_thread(void *arg)
{
    rundash *rd = arg;
    dash_command cmds[64];
    check(pthread_mutex_lock(&rd->mu));
    while (!rd->stop) {
        check(pthread_mutex_unlock(&rd->mu));
        size_t n = dash_drain(rd->d, cmds, sizeof cmds / sizeof cmds[0]);
        check(pthread_mutex_lock(&rd->mu));
        int changed = 0;
        for (size_t i = 0; i < n; i++) {
            const dash_command *c = &cmds[i];
            switch (c->kind) {
            case DASH_CMD_PAUSE:
            case DASH_CMD_RESUME:
                rd->held = 0;
                rd->paused = c->kind == DASH_CMD_PAUSE;
                engine_set_paused(rd->eng, rd->paused);
                changed = 1;
                break;
            case DASH_CMD_SPEED:
                if (engine_set_realtime(rd->eng, c->speed) == ENGINE_OK) {
                    rd->speed = c->speed;
                    changed = 1;
                }
                break;
            default: /* enters the run at the next barrier */
                queue_pending_locked(rd, c);
                break;
            }
        }
        if (rd->held && dash_viewers(rd->d) > 0) { /* the first page is here: go */
            rd->held = 0;
            rd->paused = 0;
            engine_set_paused(rd->eng, 0);
            changed = 1;
        }
        if (changed)
            republish_locked(rd);
        if (n == sizeof cmds / sizeof cmds[0])
            continue; /* more may be waiting */
        struct timespec deadline;
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += POLL_MS * 1000000L;
        if (deadline.tv_nsec >= TIMEUNIT_NS_PER_S) {
            deadline.tv_sec++;
            deadline.tv_nsec -= TIMEUNIT_NS_PER_S;
        }
        int rc = pthread_cond_timedwait(&rd->cv, &rd->mu, &deadline);
        if (rc != 0 && rc != ETIMEDOUT)
            check(rc);
    }
    check(pthread_mutex_unlock(&rd->mu));
    return NULL;
}

/* ---- life ------------------------------------------------------------- */

static void listen_host(char *out, size_t out_len, const char *listen)
{
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || colon == listen || strncmp(listen, "localhost:", 10) == 0) {
        snprintf(out, out_len, "127.0.0.1");
        return;
    }
    snprintf(out, out_len, "%.*s", (int)(colon - listen), listen);
    if (strcmp(out, "0.0.0.0") == 0)
        snprintf(out, out_len, "127.0.0.1");
    else if (strcmp(out, "[::]") == 0)
        snprintf(out, out_len, "[::1]");
}

rundash_reason rundash_new(rundash **out, char *err, size_t errlen, const rundash_config *cfg)
{
    *out = NULL;
    rundash_reason rr = RUNDASH_ERR_NO_MEMORY;
    rundash *rd = calloc(1, sizeof *rd);
    if (rd == NULL)
        goto nomem;
    check(pthread_mutex_init(&rd->mu, NULL));
    check(pthread_cond_init(&rd->cv, NULL));
    atomic_init(&rd->waiting, 0);
    rd->eng = cfg->eng;
    rd->duration_ns = cfg->duration_ns;
    rd->n_nodes = cfg->n_nodes;
    rd->fee = cfg->fee;
    rd->confirmations = cfg->confirmations ? cfg->confirmations : 1;
    rd->speed = cfg->speed;
    rd->min_latency_ns = cfg->min_latency_ns;
    rd->slot_ns = cfg->slot_ns;
    rd->last_real_speed = -1;
    rd->last_tip = calloc(cfg->n_nodes ? cfg->n_nodes : 1, sizeof *rd->last_tip);
    rd->has_last_tip = calloc(cfg->n_nodes ? cfg->n_nodes : 1, 1);
    rd->keys = malloc((cfg->n_nodes ? cfg->n_nodes : 1) * sizeof *rd->keys);
    if (rd->last_tip == NULL || rd->has_last_tip == NULL || rd->keys == NULL)
        goto nomem;
    memcpy(rd->keys, cfg->node_keys, cfg->n_nodes * sizeof *rd->keys);
    if (cfg->adversary_kind) {
        rd->adversary = calloc(cfg->n_nodes ? cfg->n_nodes : 1, sizeof *rd->adversary);
        if (rd->adversary == NULL)
            goto nomem;
        memcpy(rd->adversary, cfg->adversary_kind, cfg->n_nodes * sizeof *rd->adversary);
    }
    snprintf(rd->consensus, sizeof rd->consensus, "%s", cfg->consensus);
    listen_host(rd->host, sizeof rd->host, cfg->listen);
    if ((cfg->scenario_name && (rd->scenario_name = strdup(cfg->scenario_name)) == NULL) ||
        dashrec_new(&rd->rec, cfg->n_nodes, cfg->node_keys, cfg->genesis, rd->confirmations) != 0 ||
        dashrec_set_adversaries(rd->rec, cfg->adversary_kind) != 0 || dash_new(&rd->d) != DASH_OK)
        goto nomem;
    dash_set_submit_validator(rd->d, validate, rd);
    http_reason hr = http_start(&rd->srv, err, errlen, rd->d, cfg->listen);
    if (hr != HTTP_OK) {
        rr = hr == HTTP_ERR_BAD_ADDRESS   ? RUNDASH_ERR_BAD_ADDRESS
             : hr == HTTP_ERR_LISTEN      ? RUNDASH_ERR_LISTEN
             : hr == HTTP_ERR_UNAVAILABLE ? RUNDASH_ERR_UNAVAILABLE
                                          : RUNDASH_ERR_NO_MEMORY;
        rundash_free(rd);
        return rr;
    }
    if (pthread_create(&rd->thread, NULL, command_thread, rd) != 0) {
        snprintf(err, errlen, "%s", rundash_reason_message(RUNDASH_ERR_THREAD));
        rundash_free(rd);
        return RUNDASH_ERR_THREAD;
    }
    rd->thread_started = 1;
    if (cfg->start_paused) {
        check(pthread_mutex_lock(&rd->mu));
        rd->held = 1;
        rd->paused = 1;
        engine_set_paused(rd->eng, 1);
        check(pthread_mutex_unlock(&rd->mu));
    }
    *out = rd;
    return RUNDASH_OK;
nomem:
    snprintf(err, errlen, "dashboard: out of memory");
    rundash_free(rd);
    return rr;
}

rundash_reason rundash_allow_host(rundash *rd, char *err, size_t errlen, const char *name)
{
    if (http_allow_host(rd->srv, err, errlen, name) != HTTP_OK)
        return RUNDASH_ERR_BAD_HOST;
    return RUNDASH_OK;
}

uint16_t rundash_port(const rundash *rd)
{
    return http_port(rd->srv);
}

void rundash_url(const rundash *rd, char *buf, size_t buf_len)
{
    snprintf(buf, buf_len, "http://%s:%u/", rd->host, (unsigned)http_port(rd->srv));
}

static void stop_thread(rundash *rd)
{
    if (!rd->thread_started)
        return;
    check(pthread_mutex_lock(&rd->mu));
    rd->stop = 1;
    check(pthread_cond_broadcast(&rd->cv));
    check(pthread_mutex_unlock(&rd->mu));
    check(pthread_join(rd->thread, NULL));
    rd->thread_started = 0;
}

void rundash_close(rundash *rd)
{
    if (rd == NULL || rd->closed)
        return;
    stop_thread(rd);
    dash_set_read_only(rd->d, 1);
    dash_command cmds[64];
    size_t n;
    while ((n = dash_drain(rd->d, cmds, sizeof cmds / sizeof cmds[0])) > 0)
        for (size_t i = 0; i < n; i++)
            if (dash_command_enters_run(cmds[i].kind))
                queue_pending_locked(rd, &cmds[i]);
    for (size_t i = 0; i < rd->n_pending; i++) {
        if (rd->pending[i].kind == DASH_CMD_SUBMIT_TX) {
            dashrec_refuse(rd->rec, &rd->pending[i],
                           "the run ended before the transaction could enter it");
        } else {
            char text[120];
            snprintf(text, sizeof text,
                     "dashboard request %" PRIu64 " not carried out: the run ended first",
                     rd->pending[i].request_id);
            rundash_feed(rd, rd->duration_ns, "refused", NULL, 0, text);
        }
    }
    rd->n_pending = 0;
    atomic_store(&rd->waiting, 0);
    rd->paused = 0;
    rd->held = 0;
    rd->closed = 1;
}

void rundash_free(rundash *rd)
{
    if (rd == NULL)
        return;
    stop_thread(rd);
    http_stop(rd->srv);
    dash_free(rd->d);
    dashrec_free(rd->rec);
    free(rd->pending);
    free(rd->scenario_name);
    free(rd->last_tip);
    free(rd->has_last_tip);
    free(rd->keys);
    free(rd->adversary);
    check(pthread_cond_destroy(&rd->cv));
    check(pthread_mutex_destroy(&rd->mu));
    free(rd);
}

size_t rundash_take(rundash *rd, dash_command *out, size_t max)
{
    check(pthread_mutex_lock(&rd->mu));
    size_t n = rd->n_pending < max ? rd->n_pending : max;
    if (n > 0) {
        memcpy(out, rd->pending, n * sizeof *out);
        memmove(rd->pending, rd->pending + n, (rd->n_pending - n) * sizeof *out);
        rd->n_pending -= n;
        atomic_fetch_sub(&rd->waiting, n);
    }
    check(pthread_mutex_unlock(&rd->mu));
    return n;
}
void rundash_submitted(rundash *rd, const dash_command *cmd, tx *t, const char *refusal)
{
    dashrec_submitted(rd->rec, cmd, t, refusal);
}

/* ---- the event feed (barrier thread) ----------------------------------- */

int rundash_far_blocks(rundash *rd, const dashfar_block *b, size_t n)
{
    return dashrec_add_far(rd->rec, b, n);
}

void rundash_feed(rundash *rd, int64_t time_ns, const char *kind, const uint32_t *nodes,
                  size_t n_nodes, const char *text)
{
    size_t at = (rd->feed_head + rd->feed_count) % RUNDASH_FEED_MAX;
    if (rd->feed_count == RUNDASH_FEED_MAX)
        rd->feed_head = (rd->feed_head + 1) % RUNDASH_FEED_MAX;
    else
        rd->feed_count++;
    feed_entry *e = &rd->feed[at];
    memset(e, 0, sizeof *e);
    e->seq = ++rd->feed_seq;
    e->time_ns = time_ns;
    snprintf(e->kind, sizeof e->kind, "%s", kind);
    snprintf(e->text, sizeof e->text, "%s", text);
    e->n_nodes = n_nodes < FEED_NODES ? (uint32_t)n_nodes : FEED_NODES;
    e->more_nodes = (uint32_t)(n_nodes - e->n_nodes);
    if (e->n_nodes > 0)
        memcpy(e->nodes, nodes, e->n_nodes * sizeof *nodes);
}

/* One reorganisation seen at a publish: a node's tip of the last publish is
 * no longer on its active chain. */
typedef struct seen_reorg {
    hash256 new_tip;
    uint32_t new_height, depth;
    uint32_t nodes[FEED_NODES];
    uint32_t n_nodes, more;
} seen_reorg;

/* Compares every node's tip with the one of the last publish: a tip that
 * left the node's active chain is a reorganisation, of depth the blocks
 * from it back to the active chain. Nodes that moved to the same tip by the
 * same depth share one feed entry; the given-up tip is marked in the block
 * records. Then remembers the tips. */
static void spot_reorgs(rundash *rd, const rundash_state *st)
{
    seen_reorg list[REORG_LIST];
    size_t n_list = 0;
    for (uint32_t i = 0; i < rd->n_nodes; i++) {
        const rundash_node *x = &st->nodes[i];
        hash256 tip_id, old_id = rd->last_tip[i];
        uint32_t tip_h, depth = 0;
        int had = rd->has_last_tip[i], gave_up = 0;
        if (x->n) {
            const chain *c = node_chain(x->n);
            const chain_entry *tip = chain_tip(c);
            tip_id = *chain_entry_id(tip);
            tip_h = chain_entry_height(tip);
            const chain_entry *old = had ? chain_lookup(c, &old_id) : NULL;
            gave_up = old && !chain_is_active(c, old);
            for (const chain_entry *e = old; gave_up && e && !chain_is_active(c, e);
                 e = chain_entry_parent(e))
                depth++;
        } else if (x->far) { /* another process's node: through the blocks it sent */
            tip_id = x->far_tip;
            tip_h = x->far_height;
            gave_up = had && dashrec_far_reorg(rd->rec, &old_id, &tip_id, &depth);
        } else {
            continue;
        }
        rd->last_tip[i] = tip_id;
        rd->has_last_tip[i] = 1;
        if (!gave_up)
            continue;
        dashrec_mark_reorg(rd->rec, &old_id, depth);
        size_t k = 0;
        while (k < n_list && !(list[k].depth == depth && hash_eq(&list[k].new_tip, &tip_id)))
            k++;
        if (k == n_list) {
            if (n_list == REORG_LIST)
                k = n_list - 1; /* many at once: the last entry counts the rest */
            else {
                memset(&list[k], 0, sizeof list[k]);
                list[k].new_tip = tip_id;
                list[k].new_height = tip_h;
                list[k].depth = depth;
                n_list++;
            }
        }
        if (list[k].n_nodes < FEED_NODES)
            list[k].nodes[list[k].n_nodes++] = i + 1;
        else
            list[k].more++;
    }
    for (size_t k = 0; k < n_list; k++) {
        char text[240], who[160], id[17], hex[65];
        size_t at = 0;
        for (uint32_t j = 0; j < list[k].n_nodes && at < sizeof who - 12; j++)
            at += (size_t)snprintf(who + at, sizeof who - at, "%s%u", j ? ", " : "",
                                   list[k].nodes[j]);
        if (list[k].more)
            snprintf(who + at, sizeof who - at, " and %u more", list[k].more);
        hash_to_hex(hex, &list[k].new_tip);
        snprintf(id, sizeof id, "%.16s", hex);
        snprintf(text, sizeof text, "reorganisation at node%s %s: depth %u, now on #%u %s",
                 list[k].n_nodes + list[k].more > 1 ? "s" : "", who, list[k].depth,
                 list[k].new_height, id);
        rundash_feed(rd, st->time_ns, "reorg", list[k].nodes, list[k].n_nodes + list[k].more, text);
        rd->feed[(rd->feed_head + rd->feed_count - 1) % RUNDASH_FEED_MAX].depth = list[k].depth;
    }
}

static cJSON *feed_doc(const rundash *rd)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(doc, "events");
    for (size_t i = 0; arr && i < rd->feed_count; i++) {
        const feed_entry *e = &rd->feed[(rd->feed_head + i) % RUNDASH_FEED_MAX];
        cJSON *o = cJSON_CreateObject();
        if (o == NULL || !cJSON_AddItemToArray(arr, o))
            break;
        cJSON_AddNumberToObject(o, "seq", (double)e->seq);
        cJSON_AddNumberToObject(o, "time_ns", (double)e->time_ns);
        cJSON_AddStringToObject(o, "kind", e->kind);
        int ids[FEED_NODES];
        for (uint32_t k = 0; k < e->n_nodes; k++)
            ids[k] = (int)e->nodes[k];
        cJSON_AddItemToObject(o, "nodes", cJSON_CreateIntArray(ids, (int)e->n_nodes));
        cJSON_AddNumberToObject(o, "more_nodes", e->more_nodes);
        if (strcmp(e->kind, "reorg") == 0)
            cJSON_AddNumberToObject(o, "depth", e->depth);
        cJSON_AddStringToObject(o, "text", e->text);
    }
    return doc;
}

/* Virtual seconds per wall second over the last few wall seconds of
 * publishes; -1 until two publishes are far enough apart. Wall-clock time
 * only paces what the page shows: it never reaches the run's outputs. */
static double real_speed(rundash *rd, int64_t virt_ns)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t wall = (int64_t)ts.tv_sec * TIMEUNIT_NS_PER_S + ts.tv_nsec;
    int64_t gap = TIMEUNIT_NS_PER_S / 10;
    if (rd->speed_n == 0 || wall - rd->speed_wall_ns[rd->speed_n - 1] >= gap) {
        if (rd->speed_n == SPEED_POINTS) {
            memmove(rd->speed_wall_ns, rd->speed_wall_ns + 1, (SPEED_POINTS - 1) * sizeof(int64_t));
            memmove(rd->speed_virt_ns, rd->speed_virt_ns + 1, (SPEED_POINTS - 1) * sizeof(int64_t));
            rd->speed_n--;
        }
        rd->speed_wall_ns[rd->speed_n] = wall;
        rd->speed_virt_ns[rd->speed_n] = virt_ns;
        rd->speed_n++;
    }
    size_t first = 0;
    while (first + 1 < rd->speed_n &&
           wall - rd->speed_wall_ns[first] > (int64_t)SPEED_WINDOW_S * TIMEUNIT_NS_PER_S)
        first++;
    int64_t dw = wall - rd->speed_wall_ns[first];
    if (dw < TIMEUNIT_NS_PER_S / 4)
        return rd->last_real_speed;
    rd->last_real_speed = (double)(virt_ns - rd->speed_virt_ns[first]) / (double)dw;
    return rd->last_real_speed;
}

/* ---- snapshots ---------------------------------------------------------- */

static void add_hash(cJSON *obj, const char *key, const hash256 *h)
{
    char hex[65];
    hash_to_hex(hex, h);
    cJSON_AddStringToObject(obj, key, hex);
}

static cJSON *nodes_doc(rundash *rd, const rundash_state *st)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *nodes = cJSON_AddArrayToObject(doc, "nodes");
    cJSON *links = cJSON_AddArrayToObject(doc, "links");
    cJSON *parts = cJSON_AddArrayToObject(doc, "partitions");
    if (parts == NULL)
        return doc;
    uint32_t max_group = 0;
    for (uint32_t i = 0; i < rd->n_nodes; i++) {
        const rundash_node *x = &st->nodes[i];
        cJSON *o = cJSON_CreateObject();
        if (o == NULL)
            break;
        cJSON_AddNumberToObject(o, "id", i + 1);
        if (x->n) {
            const chain *c = node_chain(x->n);
            cJSON_AddNumberToObject(o, "height", chain_height(c));
            add_hash(o, "tip", chain_entry_id(chain_tip(c)));
            cJSON_AddNumberToObject(o, "mempool", (double)mempool_count(node_mempool(x->n)));
        } else if (x->far) {
            cJSON_AddNumberToObject(o, "height", x->far_height);
            add_hash(o, "tip", &x->far_tip);
            cJSON_AddNumberToObject(o, "mempool", (double)x->far_mempool);
        } else {
            cJSON_AddNumberToObject(o, "height", 0);
            cJSON_AddNullToObject(o, "tip");
            cJSON_AddNumberToObject(o, "mempool", 0);
        }
        cJSON_AddBoolToObject(o, "crashed", (x->n != NULL || x->far) && !x->online);
        cJSON_AddBoolToObject(o, "joined", x->n != NULL || x->far || x->joining);
        uint32_t g = st->group_of ? st->group_of[i] : 0;
        cJSON_AddNumberToObject(o, "group", g);
        if (rd->adversary && rd->adversary[i])
            cJSON_AddStringToObject(o, "adversary", rd->adversary[i]);
        dashcons_node(o, x->n);
        max_group = g > max_group ? g : max_group;
        cJSON_AddItemToArray(nodes, o);
        for (size_t k = 0; k < net_degree(st->net, i); k++) {
            uint32_t p = net_neighbor(st->net, i, k);
            if (p > i) {
                int pair[2] = {(int)i + 1, (int)p + 1};
                cJSON_AddItemToArray(links, cJSON_CreateIntArray(pair, 2));
            }
        }
    }
    for (uint32_t g = 1; st->group_of && g <= max_group; g++) {
        cJSON *members = cJSON_CreateArray();
        for (uint32_t i = 0; members && i < rd->n_nodes; i++)
            if (st->group_of[i] == g)
                cJSON_AddItemToArray(members, cJSON_CreateNumber(i + 1));
        if (cJSON_GetArraySize(members) > 0)
            cJSON_AddItemToArray(parts, members);
        else
            cJSON_Delete(members);
    }
    return doc;
}

static cJSON *wallets_doc(const rundash_state *st, const chain *fallback)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(doc, "wallets");
    char hex[2 * KEYS_PUB_BYTES + 1];
    for (uint32_t w = 0; arr && w < wallet_count(st->ws); w++) {
        const rundash_node *host = &st->nodes[wallet_host(st->ws, w)];
        const chain *c = host->n ? node_chain(host->n) : fallback;
        cJSON *o = cJSON_CreateObject();
        if (o == NULL)
            break;
        cJSON_AddNumberToObject(o, "index", w + 1);
        hex_encode(hex, wallet_public(st->ws, w), KEYS_PUB_BYTES);
        cJSON_AddStringToObject(o, "address", hex);
        if (host->far && st->far_balances)
            cJSON_AddNumberToObject(o, "balance", (double)st->far_balances[w]);
        else
            cJSON_AddNumberToObject(o, "balance", c ? (double)wallet_balance(st->ws, w, c) : 0);
        cJSON_AddNumberToObject(o, "node", wallet_host(st->ws, w) + 1);
        cJSON_AddItemToArray(arr, o);
    }
    return doc;
}

rundash_reason rundash_publish(rundash *rd, char *err, size_t errlen, const rundash_state *st)
{
    int best = dashrec_best_node(st, rd->n_nodes);
    const chain *bc = best >= 0 ? node_chain(st->nodes[best].n) : NULL;
    uint32_t best_h = bc ? chain_height(bc) : 0;
    int any_far = 0;
    uint32_t net_h = best_h; /* with nodes in other processes: the highest running one */
    for (uint32_t i = 0; i < rd->n_nodes; i++) {
        any_far |= st->nodes[i].far;
        if (st->nodes[i].far && st->nodes[i].online && st->nodes[i].far_height > net_h)
            net_h = st->nodes[i].far_height;
    }
    if (dashrec_observe(rd->rec, st, best) != 0)
        goto nomem;
    spot_reorgs(rd, st);
    cJSON *doc = cJSON_CreateObject();
    cJSON *status = cJSON_AddObjectToObject(doc, "status");
    if (status == NULL)
        goto nomem_doc;
    cJSON_AddNumberToObject(status, "time_ns", (double)st->time_ns);
    cJSON_AddNumberToObject(status, "duration_ns", (double)rd->duration_ns);
    cJSON_AddBoolToObject(status, "finished", st->finished);
    cJSON_AddStringToObject(status, "consensus", rd->consensus);
    if (rd->scenario_name)
        cJSON_AddStringToObject(status, "scenario", rd->scenario_name);
    cJSON_AddNumberToObject(status, "nodes", rd->n_nodes);
    cJSON_AddNumberToObject(status, "height", net_h);
    cJSON_AddNumberToObject(status, "confirmations", rd->confirmations);
    cJSON_AddNumberToObject(status, "fee", (double)rd->fee);
    double real = st->finished ? -1 : real_speed(rd, st->time_ns);
    if (real >= 0)
        cJSON_AddNumberToObject(status, "real_speed", real);
    else
        cJSON_AddNullToObject(status, "real_speed");
    char lat[32];
    units_format_duration(lat, sizeof lat, rd->min_latency_ns);
    cJSON_AddStringToObject(status, "min_latency", lat);
    if (rd->slot_ns > 0) { /* PoS: the slot now and its length */
        cJSON_AddNumberToObject(status, "slot", (double)(st->time_ns / rd->slot_ns));
        cJSON_AddNumberToObject(status, "slot_ns", (double)rd->slot_ns);
    }
    dashcons_status(status, st, rd->n_nodes, (const uint8_t(*)[KEYS_PUB_BYTES])rd->keys, best,
                    rd->consensus, rd->slot_ns);
    int blocks = bc != NULL || any_far;
    cJSON *parts[] = {nodes_doc(rd, st), blocks ? dashrec_blocks_doc(rd->rec, st, net_h) : NULL,
                      bc ? dashrec_transactions_doc(rd->rec, bc, st->ws) : NULL,
                      wallets_doc(st, bc), feed_doc(rd)};
    static const char *const names[] = {"nodes", "blocks", "transactions", "wallets", "feed"};
    if (parts[1] == NULL && !blocks)
        cJSON_AddArrayToObject(parts[1] = cJSON_CreateObject(), "blocks");
    if (parts[2] == NULL && bc == NULL)
        cJSON_AddArrayToObject(parts[2] = cJSON_CreateObject(), "transactions");
    if (parts[1] &&
        strcmp(rd->consensus, "bft") == 0) { /* every block a chain holds is committed */
        cJSON *b;
        cJSON_ArrayForEach(b, cJSON_GetObjectItemCaseSensitive(parts[1], "blocks"))
            cJSON_AddBoolToObject(b, "final", 1);
    }
    int ok = 1;
    for (size_t i = 0; i < 5; i++) {
        if (parts[i] == NULL || !cJSON_AddItemToObject(doc, names[i], parts[i])) {
            cJSON_Delete(parts[i]);
            ok = 0;
        }
    }
    if (!ok)
        goto nomem_doc;
    check(pthread_mutex_lock(&rd->mu));
    cJSON_AddNumberToObject(status, "speed", rd->speed);
    cJSON_AddBoolToObject(status, "paused", rd->paused && !st->finished);
    dash_reason r = dash_publish(rd->d, err, errlen, doc);
    check(pthread_mutex_unlock(&rd->mu));
    if (r == DASH_ERR_NO_MEMORY)
        return RUNDASH_ERR_NO_MEMORY;
    return r == DASH_OK ? RUNDASH_OK : RUNDASH_ERR_PUBLISH;
nomem_doc:
    cJSON_Delete(doc);
nomem:
    snprintf(err, errlen, "dashboard: out of memory while building a snapshot");
    return RUNDASH_ERR_NO_MEMORY;
}