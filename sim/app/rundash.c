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
#include "dashrec.h"
#include "hash.h"
#include "http.h"
#include "mempool.h"

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
    POLL_MS = 20 /* the command thread's period */
};

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

    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    int thread_started;
    int stop;
    int closed;
    int paused;
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

static dash_reason validate(void *ctx, char *err, size_t errlen, const cJSON *wallets,
                            const dash_command *cmd)
{
    rundash *rd = ctx; /* reads only fields fixed at creation, and counts `waiting` */
    if (cmd->kind != DASH_CMD_SUBMIT_TX)
        return DASH_OK;
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
    /* Validators run one at a time (under dash's lock) and the runner only
     * lowers the count, so checking and then adding cannot overshoot. */
    if (atomic_load(&rd->waiting) >= DASH_QUEUE_CAPACITY) {
        snprintf(err, errlen,
                 "%d transactions are already waiting to enter the run (it is paused or "
                 "busy); try again later",
                 DASH_QUEUE_CAPACITY);
        return DASH_ERR_QUEUE_FULL;
    }
    atomic_fetch_add(&rd->waiting, 1); /* dash queues what passes here */
    return DASH_OK;
}

/* ---- the command thread ------------------------------------------------ */

/* Republishes the latest snapshot with the current flags. Caller holds mu. */
static void republish_locked(rundash *rd)
{
    dash_snapshot *s = dash_acquire(rd->d);
    if (s == NULL)
        return;
    static const char *const names[] = {"status", "nodes", "blocks", "transactions", "wallets"};
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
            case DASH_CMD_SUBMIT_TX:
                queue_pending_locked(rd, c);
                break;
            }
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
    snprintf(rd->consensus, sizeof rd->consensus, "%s", cfg->consensus);
    listen_host(rd->host, sizeof rd->host, cfg->listen);
    if ((cfg->scenario_name && (rd->scenario_name = strdup(cfg->scenario_name)) == NULL) ||
        dashrec_new(&rd->rec, cfg->n_nodes, cfg->node_keys, cfg->genesis, rd->confirmations) != 0 ||
        dash_new(&rd->d) != DASH_OK)
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
            if (cmds[i].kind == DASH_CMD_SUBMIT_TX)
                queue_pending_locked(rd, &cmds[i]);
    for (size_t i = 0; i < rd->n_pending; i++)
        dashrec_refuse(rd->rec, &rd->pending[i],
                       "the run ended before the transaction could enter it");
    rd->n_pending = 0;
    atomic_store(&rd->waiting, 0);
    rd->paused = 0;
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
        } else {
            cJSON_AddNumberToObject(o, "height", 0);
            cJSON_AddNullToObject(o, "tip");
            cJSON_AddNumberToObject(o, "mempool", 0);
        }
        cJSON_AddBoolToObject(o, "crashed", !x->online);
        cJSON_AddBoolToObject(o, "joined", x->n != NULL);
        uint32_t g = st->group_of ? st->group_of[i] : 0;
        cJSON_AddNumberToObject(o, "group", g);
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
    if (dashrec_observe(rd->rec, st, best) != 0)
        goto nomem;
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
    cJSON_AddNumberToObject(status, "height", best_h);
    cJSON_AddNumberToObject(status, "confirmations", rd->confirmations);
    cJSON_AddNumberToObject(status, "fee", (double)rd->fee);
    cJSON *parts[] = {nodes_doc(rd, st), bc ? dashrec_blocks_doc(rd->rec, best_h) : NULL,
                      bc ? dashrec_transactions_doc(rd->rec, bc, st->ws) : NULL,
                      wallets_doc(st, bc)};
    static const char *const names[] = {"nodes", "blocks", "transactions", "wallets"};
    if (parts[1] == NULL && bc == NULL)
        cJSON_AddArrayToObject(parts[1] = cJSON_CreateObject(), "blocks");
    if (parts[2] == NULL && bc == NULL)
        cJSON_AddArrayToObject(parts[2] = cJSON_CreateObject(), "transactions");
    int ok = 1;
    for (size_t i = 0; i < 4; i++) {
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