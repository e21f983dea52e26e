/* The live dashboard of a run. Two threads meet here:
 *  - the runner's barrier thread calls rundash_publish / rundash_submitted /
 *    rundash_take; only it touches the block and transaction records, and it
 *    reads simulation state only while no node runs;
 *  - the command thread drains dash every few milliseconds: pause, resume and
 *    speed go straight to the engine (they only pace it, and a paused run has
 *    no barrier where they could wait), then it republishes the last snapshot
 *    with the new flags; submitted transactions wait in `pending` for the
 *    runner's next barrier, so they enter the simulation in drain order.
 * rd->mu guards the flags, `pending` and the stop flag, and serialises
 * publishing, so the newest snapshot always carries the current flags.
 *
 * Forks: blocks are remembered from every node's active chain at each
 * publish (walking back from each tip to a block already known), so a
 * branch that some node followed at a sample stays in the tree after that
 * node reorganises away from it. Transactions are recorded as they show up
 * in the best chain's recent blocks or in mempools; the sender is the owner
 * of the output its first input spends (known from an earlier record). */
#include "rundash.h"

#include "chain.h"
#include "hash.h"
#include "hmap.h"
#include "http.h"
#include "mempool.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    RECENT_HEIGHTS = 100,    /* blocks published: this far below the best tip */
    KEEP_HEIGHTS = 300,      /* blocks remembered */
    MAX_LISTED_TXS = 2000,   /* transactions published: the most recent */
    MEMPOOL_SCAN_NODES = 64, /* above this, only the best node's mempool is read */
    POLL_MS = 20             /* the command thread's period */
};

typedef struct rd_block {
    hash256 parent;
    int has_parent;
    uint32_t height;
    uint32_t producer; /* node id, 0 when unknown */
    int64_t time_ns;
    size_t n_tx;
} rd_block;

typedef struct rd_tx {
    hash256 txid;
    tx *t;            /* reference; NULL when refused before it was built */
    uint64_t request; /* dashboard request id, 0 for the others */
    int hidden;       /* genesis coinbase: kept to resolve senders only */
    int rejected;
    char reason[200];
    int in_block; /* block/height: where the best chain had it last */
    hash256 block;
    uint32_t height;
    uint64_t seen_gen; /* publish generation it was last seen in a mempool */
    /* when t is NULL: what the page asked for */
    int64_t from_wallet; /* 1-based */
    char to_hex[129];
    uint64_t amount;
} rd_tx;

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
    int64_t genesis_time_s;
    hmap *producers; /* node key -> node id */
    hmap *blocks;    /* block id -> rd_block */
    hmap *tx_index;  /* txid -> index in txs */
    rd_tx *txs;
    size_t n_txs, cap_txs;
    uint64_t gen;

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

static dash_reason validate(void *ctx, char *err, size_t err_len, const cJSON *wallets,
                            const dash_command *cmd)
{
    const rundash *rd = ctx; /* reads only fields fixed at creation */
    if (cmd->kind != DASH_CMD_SUBMIT_TX)
        return DASH_OK;
    size_t len = strlen(cmd->to_address);
    int hex = len == 2 * KEYS_PUB_BYTES;
    for (size_t i = 0; hex && i < len; i++)
        hex = isxdigit((unsigned char)cmd->to_address[i]) != 0;
    if (!hex) {
        snprintf(err, err_len, "to: expected a wallet or an address of %d hex digits",
                 2 * KEYS_PUB_BYTES);
        return DASH_ERR_REJECTED;
    }
    const cJSON *balance =
        cJSON_GetObjectItemCaseSensitive(wallet_entry(wallets, cmd->from_wallet), "balance");
    double have = cJSON_IsNumber(balance) ? balance->valuedouble : 0;
    if ((double)cmd->amount + (double)rd->fee > have) {
        snprintf(err, err_len,
                 "amount: %" PRIu64 " plus the fee of %" PRIu64
                 " is more than wallet %lld's balance of %.0f",
                 cmd->amount, rd->fee, (long long)cmd->from_wallet, have);
        return DASH_ERR_INSUFFICIENT_FUNDS;
    }
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
            abort(); /* bounded by dash's queue: tiny */
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
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
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

static rd_tx *record_new(rundash *rd)
{
    if (rd->n_txs == rd->cap_txs) {
        size_t cap = rd->cap_txs ? 2 * rd->cap_txs : 256;
        rd_tx *p = realloc(rd->txs, cap * sizeof *p);
        if (p == NULL)
            return NULL;
        rd->txs = p;
        rd->cap_txs = cap;
    }
    rd_tx *r = &rd->txs[rd->n_txs++];
    memset(r, 0, sizeof *r);
    return r;
}

/* The record of t, created (with a reference) when new; NULL when out of memory. */
static rd_tx *record_of(rundash *rd, tx *t)
{
    size_t *at = hmap_get(rd->tx_index, tx_id(t));
    if (at)
        return &rd->txs[*at];
    size_t index = rd->n_txs;
    if (hmap_put(rd->tx_index, tx_id(t), &index) < 0)
        return NULL;
    rd_tx *r = record_new(rd);
    if (r == NULL) {
        hmap_del(rd->tx_index, tx_id(t));
        return NULL;
    }
    r->txid = *tx_id(t);
    r->t = tx_ref(t);
    return r;
}

rundash_reason rundash_new(rundash **out, char *err, size_t err_len, const rundash_config *cfg)
{
    *out = NULL;
    rundash_reason rr = RUNDASH_ERR_NO_MEMORY;
    rundash *rd = calloc(1, sizeof *rd);
    if (rd == NULL)
        goto nomem;
    check(pthread_mutex_init(&rd->mu, NULL));
    check(pthread_cond_init(&rd->cv, NULL));
    rd->eng = cfg->eng;
    rd->duration_ns = cfg->duration_ns;
    rd->n_nodes = cfg->n_nodes;
    rd->fee = cfg->fee;
    rd->confirmations = cfg->confirmations ? cfg->confirmations : 1;
    rd->speed = cfg->speed;
    snprintf(rd->consensus, sizeof rd->consensus, "%s", cfg->consensus);
    listen_host(rd->host, sizeof rd->host, cfg->listen);
    rd->genesis_time_s = block_header_of(cfg->genesis)->time;
    if ((cfg->scenario_name && (rd->scenario_name = strdup(cfg->scenario_name)) == NULL) ||
        hmap_new(&rd->producers, KEYS_PUB_BYTES, sizeof(uint32_t)) != 0 ||
        hmap_new(&rd->blocks, sizeof(hash256), sizeof(rd_block)) != 0 ||
        hmap_new(&rd->tx_index, sizeof(hash256), sizeof(size_t)) != 0 ||
        dash_new(&rd->d) != DASH_OK)
        goto nomem;
    for (uint32_t i = 0; i < cfg->n_nodes; i++) {
        uint32_t id = i + 1;
        if (hmap_put(rd->producers, cfg->node_keys[i], &id) < 0)
            goto nomem;
    }
    rd_tx *g = record_of(rd, block_tx(cfg->genesis, 0));
    if (g == NULL)
        goto nomem;
    g->hidden = 1;
    dash_set_submit_validator(rd->d, validate, rd);
    http_reason hr = http_start(&rd->srv, err, err_len, rd->d, cfg->listen);
    if (hr != HTTP_OK) {
        rr = hr == HTTP_ERR_BAD_ADDRESS   ? RUNDASH_ERR_BAD_ADDRESS
             : hr == HTTP_ERR_LISTEN      ? RUNDASH_ERR_LISTEN
             : hr == HTTP_ERR_UNAVAILABLE ? RUNDASH_ERR_UNAVAILABLE
                                          : RUNDASH_ERR_NO_MEMORY;
        rundash_free(rd);
        return rr;
    }
    if (pthread_create(&rd->thread, NULL, command_thread, rd) != 0) {
        snprintf(err, err_len, "%s", rundash_reason_message(RUNDASH_ERR_THREAD));
        rundash_free(rd);
        return RUNDASH_ERR_THREAD;
    }
    rd->thread_started = 1;
    *out = rd;
    return RUNDASH_OK;
nomem:
    snprintf(err, err_len, "dashboard: out of memory");
    rundash_free(rd);
    return rr;
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

static void refuse(rundash *rd, const dash_command *c, const char *why)
{
    rd_tx *r = record_new(rd);
    if (r == NULL)
        return;
    r->request = c->request_id;
    r->rejected = 1;
    snprintf(r->reason, sizeof r->reason, "%s", why);
    snprintf(r->to_hex, sizeof r->to_hex, "%s", c->to_address);
    r->amount = c->amount;
    r->from_wallet = c->from_wallet;
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
        refuse(rd, &rd->pending[i], "the run ended before the transaction could enter it");
    rd->n_pending = 0;
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
    for (size_t i = 0; i < rd->n_txs; i++)
        tx_unref(rd->txs[i].t);
    free(rd->txs);
    free(rd->pending);
    free(rd->scenario_name);
    hmap_free(rd->producers);
    hmap_free(rd->blocks);
    hmap_free(rd->tx_index);
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
    }
    check(pthread_mutex_unlock(&rd->mu));
    return n;
}

void rundash_submitted(rundash *rd, const dash_command *cmd, tx *t, const char *refusal)
{
    if (t == NULL) {
        refuse(rd, cmd, refusal ? refusal : "refused");
        return;
    }
    rd_tx *r = record_of(rd, t);
    if (r == NULL)
        return;
    r->request = cmd->request_id;
    if (refusal) {
        r->rejected = 1;
        snprintf(r->reason, sizeof r->reason, "%s", refusal);
    }
}

/* ---- snapshots ---------------------------------------------------------- */

static void add_hash(cJSON *obj, const char *key, const hash256 *h)
{
    char hex[65];
    hash_to_hex(hex, h);
    cJSON_AddStringToObject(obj, key, hex);
}

/* The best node: online with the most work (then the lowest id); else any started. */
static int best_node(const rundash_state *st, uint32_t n)
{
    int best = -1;
    for (int pass = 0; pass < 2 && best < 0; pass++)
        for (uint32_t i = 0; i < n; i++) {
            const rundash_node *x = &st->nodes[i];
            if (x->n == NULL || (pass == 0 && !x->online))
                continue;
            if (best < 0 ||
                u256_cmp(chain_entry_work(chain_tip(node_chain(x->n))),
                         chain_entry_work(chain_tip(node_chain(st->nodes[best].n)))) > 0)
                best = (int)i;
        }
    return best;
}

/* Remembers the blocks of c's active chain down to floor (or a known one). */
static int remember_blocks(rundash *rd, const chain *c, uint32_t floor)
{
    for (const chain_entry *e = chain_tip(c); e && chain_entry_height(e) >= floor;
         e = chain_entry_parent(e)) {
        if (hmap_get(rd->blocks, chain_entry_id(e)))
            break;
        const block *b = chain_entry_block(e);
        rd_block rb;
        memset(&rb, 0, sizeof rb);
        rb.height = chain_entry_height(e);
        rb.n_tx = block_n_tx(b);
        const chain_entry *p = chain_entry_parent(e);
        if (p) {
            rb.parent = *chain_entry_id(p);
            rb.has_parent = 1;
            const tx *cb = block_tx(b, 0);
            const uint32_t *who =
                tx_n_out(cb) ? hmap_get(rd->producers, tx_output(cb, 0)->owner) : NULL;
            if (block_pos_of(b))
                who = hmap_get(rd->producers, block_pos_of(b)->proposer);
            rb.producer = who ? *who : 0;
        }
        rb.time_ns = ((int64_t)block_header_of(b)->time - rd->genesis_time_s) * 1000000000LL;
        if (hmap_put(rd->blocks, chain_entry_id(e), &rb) < 0)
            return -1;
    }
    return 0;
}

typedef struct listed_block {
    hash256 id;
    const rd_block *b;
} listed_block;

static int listed_cmp(const void *x, const void *y)
{
    const listed_block *a = x, *b = y;
    if (a->b->height != b->b->height)
        return a->b->height < b->b->height ? -1 : 1;
    if (a->b->time_ns != b->b->time_ns)
        return a->b->time_ns < b->b->time_ns ? -1 : 1;
    return memcmp(a->id.b, b->id.b, sizeof a->id.b);
}

static cJSON *blocks_doc(rundash *rd, uint32_t best_h)
{
    uint32_t floor = best_h > RECENT_HEIGHTS ? best_h - RECENT_HEIGHTS : 0;
    size_t cap = hmap_count(rd->blocks), n = 0, pos = 0;
    listed_block *list = malloc((cap ? cap : 1) * sizeof *list);
    hash256 *stale = malloc((cap ? cap : 1) * sizeof *stale);
    if (list == NULL || stale == NULL) {
        free(list);
        free(stale);
        return NULL;
    }
    size_t n_stale = 0;
    const void *key;
    void *val;
    while (hmap_next(rd->blocks, &pos, &key, &val)) {
        const rd_block *b = val;
        if (b->height + KEEP_HEIGHTS < best_h)
            memcpy(&stale[n_stale++], key, sizeof(hash256));
        else if (b->height >= floor) {
            memcpy(&list[n].id, key, sizeof(hash256));
            list[n++].b = b;
        }
    }
    qsort(list, n, sizeof *list, listed_cmp);
    cJSON *doc = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(doc, "blocks");
    for (size_t i = 0; arr && i < n; i++) {
        const rd_block *b = list[i].b;
        cJSON *o = cJSON_CreateObject();
        if (o == NULL)
            break;
        add_hash(o, "id", &list[i].id);
        if (b->has_parent)
            add_hash(o, "parent", &b->parent);
        else
            cJSON_AddNullToObject(o, "parent");
        cJSON_AddNumberToObject(o, "height", b->height);
        if (b->producer)
            cJSON_AddNumberToObject(o, "producer", b->producer);
        else
            cJSON_AddNullToObject(o, "producer");
        cJSON_AddNumberToObject(o, "time_ns", (double)b->time_ns);
        cJSON_AddNumberToObject(o, "txs", (double)(b->n_tx ? b->n_tx - 1 : 0));
        cJSON_AddItemToArray(arr, o);
    }
    free(list);
    for (size_t i = 0; i < n_stale; i++)
        hmap_del(rd->blocks, &stale[i]);
    free(stale);
    return doc;
}

/* Records the transactions of the best chain's recent blocks, oldest first,
 * and those in mempools. */
static int scan_transactions(rundash *rd, const rundash_state *st, const chain *bc)
{
    uint32_t tip_h = chain_height(bc);
    uint32_t floor = tip_h > RECENT_HEIGHTS ? tip_h - RECENT_HEIGHTS : 0;
    for (uint32_t h = floor; h <= tip_h; h++) {
        const chain_entry *e = chain_at_height(bc, h);
        const block *b = chain_entry_block(e);
        for (size_t i = 1; i < block_n_tx(b); i++) {
            rd_tx *r = record_of(rd, block_tx(b, i));
            if (r == NULL)
                return -1;
            r->in_block = 1;
            r->block = *chain_entry_id(e);
            r->height = h;
        }
    }
    int best = best_node(st, rd->n_nodes);
    tx **pool = NULL;
    for (uint32_t i = 0; i < rd->n_nodes; i++) {
        const rundash_node *x = &st->nodes[i];
        if (x->n == NULL || !x->online || (rd->n_nodes > MEMPOOL_SCAN_NODES && (int)i != best))
            continue;
        const mempool *mp = node_mempool(x->n);
        size_t count = mempool_count(mp);
        if (count == 0)
            continue;
        tx **grown = realloc(pool, count * sizeof *grown);
        if (grown == NULL) {
            free(pool);
            return -1;
        }
        pool = grown;
        uint64_t fees;
        size_t got = mempool_select(mp, pool, count, SIZE_MAX, &fees);
        for (size_t k = 0; k < got; k++) {
            rd_tx *r = record_of(rd, pool[k]);
            if (r == NULL) {
                free(pool);
                return -1;
            }
            r->seen_gen = rd->gen;
        }
    }
    free(pool);
    return 0;
}

/* The owner of the output that t's first input spends, or NULL. */
static const uint8_t *sender_of(rundash *rd, const tx *t)
{
    if (tx_n_in(t) == 0 || tx_is_coinbase(t))
        return NULL;
    const tx_in *in = tx_input(t, 0);
    size_t *at = hmap_get(rd->tx_index, &in->prev_txid);
    if (at == NULL || rd->txs[*at].t == NULL || in->prev_index >= tx_n_out(rd->txs[*at].t))
        return NULL;
    return tx_output(rd->txs[*at].t, in->prev_index)->owner;
}

static cJSON *tx_view(rundash *rd, const rd_tx *r, const chain *bc, const wallet_set *ws)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return NULL;
    char hex[129];
    if (r->t == NULL) {
        cJSON_AddNullToObject(o, "id");
        if (r->from_wallet >= 1 && r->from_wallet <= (int64_t)wallet_count(ws)) {
            hex_encode(hex, wallet_public(ws, (uint32_t)(r->from_wallet - 1)), KEYS_PUB_BYTES);
            cJSON_AddStringToObject(o, "from", hex);
        } else {
            cJSON_AddNullToObject(o, "from");
        }
        cJSON_AddStringToObject(o, "to", r->to_hex);
        cJSON_AddNumberToObject(o, "amount", (double)r->amount);
    } else {
        add_hash(o, "id", &r->txid);
        const uint8_t *from = sender_of(rd, r->t);
        const uint8_t *to = NULL;
        uint64_t amount = 0;
        for (size_t i = 0; i < tx_n_out(r->t); i++) {
            const tx_out *out = tx_output(r->t, i);
            if (from && memcmp(out->owner, from, KEYS_PUB_BYTES) == 0)
                continue; /* change */
            if (to == NULL)
                to = out->owner;
            amount += out->amount;
            if (from == NULL)
                break;
        }
        if (from) {
            hex_encode(hex, from, KEYS_PUB_BYTES);
            cJSON_AddStringToObject(o, "from", hex);
        } else {
            cJSON_AddNullToObject(o, "from");
        }
        if (to) {
            hex_encode(hex, to, KEYS_PUB_BYTES);
            cJSON_AddStringToObject(o, "to", hex);
        } else {
            cJSON_AddNullToObject(o, "to");
        }
        cJSON_AddNumberToObject(o, "amount", (double)amount);
    }
    const char *status = "pending";
    uint32_t confirmations = 0;
    const chain_entry *e = r->in_block ? chain_lookup(bc, &r->block) : NULL;
    if (r->rejected) {
        status = "rejected";
    } else if (e && chain_is_active(bc, e)) {
        confirmations = chain_height(bc) - chain_entry_height(e) + 1;
        status = confirmations >= rd->confirmations ? "confirmed" : "included";
    } else {
        e = NULL;
    }
    cJSON_AddStringToObject(o, "status", status);
    if (r->rejected)
        cJSON_AddStringToObject(o, "reason", r->reason);
    else
        cJSON_AddNullToObject(o, "reason");
    if (e)
        add_hash(o, "block", &r->block);
    else
        cJSON_AddNullToObject(o, "block");
    cJSON_AddNumberToObject(o, "confirmations", confirmations);
    if (r->request)
        cJSON_AddNumberToObject(o, "request", (double)r->request);
    else
        cJSON_AddNullToObject(o, "request");
    return o;
}

static cJSON *transactions_doc(rundash *rd, const chain *bc, const wallet_set *ws)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(doc, "transactions");
    size_t listed = 0, first = rd->n_txs;
    while (first > 0 && listed < MAX_LISTED_TXS) {
        first--;
        listed += !rd->txs[first].hidden;
    }
    for (size_t i = first; arr && i < rd->n_txs; i++) {
        if (rd->txs[i].hidden)
            continue;
        cJSON *o = tx_view(rd, &rd->txs[i], bc, ws);
        if (o == NULL)
            break;
        cJSON_AddItemToArray(arr, o);
    }
    return doc;
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

rundash_reason rundash_publish(rundash *rd, char *err, size_t err_len, const rundash_state *st)
{
    int best = best_node(st, rd->n_nodes);
    rd->gen++;
    const chain *bc = best >= 0 ? node_chain(st->nodes[best].n) : NULL;
    uint32_t best_h = bc ? chain_height(bc) : 0;
    uint32_t floor = best_h > RECENT_HEIGHTS ? best_h - RECENT_HEIGHTS : 0;
    for (uint32_t i = 0; i < rd->n_nodes; i++)
        if (st->nodes[i].n && remember_blocks(rd, node_chain(st->nodes[i].n), floor) != 0)
            goto nomem;
    if (bc && scan_transactions(rd, st, bc) != 0)
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
    cJSON *parts[] = {nodes_doc(rd, st), bc ? blocks_doc(rd, best_h) : NULL,
                      bc ? transactions_doc(rd, bc, st->ws) : NULL, wallets_doc(st, bc)};
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
    dash_reason r = dash_publish(rd->d, err, err_len, doc);
    check(pthread_mutex_unlock(&rd->mu));
    if (r == DASH_ERR_NO_MEMORY)
        return RUNDASH_ERR_NO_MEMORY;
    return r == DASH_OK ? RUNDASH_OK : RUNDASH_ERR_PUBLISH;
nomem_doc:
    cJSON_Delete(doc);
nomem:
    snprintf(err, err_len, "dashboard: out of memory while building a snapshot");
    return RUNDASH_ERR_NO_MEMORY;
}
