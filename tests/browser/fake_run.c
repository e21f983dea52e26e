/* A stand-in for the simulation runner, for the browser test: five nodes whose
 * chains grow (with one losing fork), a crashed node, two partition groups,
 * four wallets, and a runner thread that drains the dashboard's commands at
 * each step, includes submitted transactions in the next block and confirms
 * them three blocks later. It publishes through dash exactly as the real
 * runner will. Usage: dash_fake_run [--listen HOST:PORT]; prints the URL,
 * stops on SIGINT/SIGTERM or after 120 s. */
#include "dash.h"
#include "http.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { NODES = 5, WALLETS = 4, MAX_BLOCKS = 256, MAX_TXS = 256, CONFIRM_DEPTH = 3 };

struct block {
    char id[65], parent[65];
    int height, producer, txs;
    int64_t time_ns;
};

struct tx {
    char id[65], from[65], to[129];
    uint64_t amount, request;
    int block; /* index into blocks, -1 while pending */
    int rejected;
};

struct fake {
    dash *dash;
    atomic_int stop;
    int64_t now_ns;
    int paused;
    double speed;
    struct block blocks[MAX_BLOCKS];
    int nblocks, main_tip, fork_tip;
    struct tx txs[MAX_TXS];
    int ntxs;
    char wallet[WALLETS][65];
    uint64_t balance[WALLETS];
    uint64_t counter;
};

static void fake_id(struct fake *f, char out[65])
{
    uint64_t x = ++f->counter * 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 4; i++) {
        x ^= x >> 31;
        x *= 0xbf58476d1ce4e5b9ULL;
        snprintf(out + 16 * i, 17, "%016llx", (unsigned long long)x);
    }
}

static int add_block(struct fake *f, int parent, int producer)
{
    struct block *b = &f->blocks[f->nblocks];
    fake_id(f, b->id);
    strcpy(b->parent, parent >= 0 ? f->blocks[parent].id : "");
    b->height = parent >= 0 ? f->blocks[parent].height + 1 : 0;
    b->producer = producer;
    b->time_ns = f->now_ns;
    b->txs = 0;
    return f->nblocks++;
}

static int wallet_of(const struct fake *f, const char *address)
{
    for (int i = 0; i < WALLETS; i++)
        if (strcmp(f->wallet[i], address) == 0)
            return i;
    return -1;
}

static void drain(struct fake *f)
{
    dash_command cmds[16];
    size_t n;
    while ((n = dash_drain(f->dash, cmds, 16)) > 0)
        for (size_t i = 0; i < n; i++) {
            const dash_command *c = &cmds[i];
            if (c->kind == DASH_CMD_PAUSE)
                f->paused = 1;
            else if (c->kind == DASH_CMD_RESUME)
                f->paused = 0;
            else if (c->kind == DASH_CMD_SPEED)
                f->speed = c->speed;
            else if (f->ntxs < MAX_TXS) {
                struct tx *t = &f->txs[f->ntxs++];
                fake_id(f, t->id);
                strcpy(t->from, f->wallet[c->from_wallet]);
                snprintf(t->to, sizeof t->to, "%s", c->to_address);
                t->amount = c->amount;
                t->request = c->request_id;
                t->block = -1;
                t->rejected = f->balance[c->from_wallet] < c->amount;
            }
        }
}

/* One step: advance time, maybe produce a block that takes the pending txs. */
static void step(struct fake *f, int tick)
{
    f->now_ns += 1000000000LL;
    if (tick % 3 != 0)
        return;
    int producer = 1 + (tick / 3) % (NODES - 1);
    int b = add_block(f, f->main_tip, producer);
    for (int i = 0; i < f->ntxs; i++) {
        struct tx *t = &f->txs[i];
        if (t->block >= 0 || t->rejected)
            continue;
        int from = wallet_of(f, t->from), to = wallet_of(f, t->to);
        f->balance[from] -= t->amount;
        if (to >= 0)
            f->balance[to] += t->amount;
        t->block = b;
        f->blocks[b].txs++;
    }
    if (f->blocks[b].height == 3) /* a competing block at height 3 that loses */
        f->fork_tip = add_block(f, f->main_tip, 4);
    f->main_tip = b;
}

static cJSON *snapshot(const struct fake *f)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *status = cJSON_AddObjectToObject(doc, "status");
    cJSON_AddNumberToObject(status, "time_ns", (double)f->now_ns);
    cJSON_AddNumberToObject(status, "speed", f->speed);
    cJSON_AddBoolToObject(status, "paused", f->paused);
    cJSON_AddBoolToObject(status, "finished", 0);
    cJSON_AddStringToObject(status, "consensus", "pow");
    cJSON *nodes_obj = cJSON_AddObjectToObject(doc, "nodes");
    cJSON *nodes = cJSON_AddArrayToObject(nodes_obj, "nodes");
    const struct block *tip = &f->blocks[f->main_tip];
    for (int k = 1; k <= NODES; k++) {
        cJSON *n = cJSON_CreateObject();
        int crashed = k == NODES;
        const struct block *t = crashed && f->fork_tip >= 0 ? &f->blocks[f->fork_tip] : tip;
        cJSON_AddNumberToObject(n, "id", k);
        cJSON_AddNumberToObject(n, "height", t->height);
        cJSON_AddStringToObject(n, "tip", t->id);
        int pending = 0;
        for (int i = 0; i < f->ntxs; i++)
            pending += f->txs[i].block < 0 && !f->txs[i].rejected;
        cJSON_AddNumberToObject(n, "mempool", crashed ? 0 : pending);
        cJSON_AddBoolToObject(n, "crashed", crashed);
        cJSON_AddItemToArray(nodes, n);
    }
    static const int links[][2] = {{1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 1}, {1, 3}, {2, 4}};
    cJSON *l = cJSON_AddArrayToObject(nodes_obj, "links");
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
        cJSON_AddItemToArray(l, cJSON_CreateIntArray(links[i], 2));
    cJSON *parts = cJSON_AddArrayToObject(nodes_obj, "partitions");
    static const int g1[] = {1, 2, 3, 4}, g2[] = {5};
    cJSON_AddItemToArray(parts, cJSON_CreateIntArray(g1, 4));
    cJSON_AddItemToArray(parts, cJSON_CreateIntArray(g2, 1));
    cJSON *blocks = cJSON_AddArrayToObject(cJSON_AddObjectToObject(doc, "blocks"), "blocks");
    for (int i = 0; i < f->nblocks; i++) {
        const struct block *b = &f->blocks[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", b->id);
        cJSON_AddItemToObject(o, "parent",
                              b->parent[0] ? cJSON_CreateString(b->parent) : cJSON_CreateNull());
        cJSON_AddNumberToObject(o, "height", b->height);
        cJSON_AddNumberToObject(o, "producer", b->producer);
        cJSON_AddNumberToObject(o, "time_ns", (double)b->time_ns);
        cJSON_AddNumberToObject(o, "txs", b->txs);
        cJSON_AddItemToArray(blocks, o);
    }
    cJSON *txs =
        cJSON_AddArrayToObject(cJSON_AddObjectToObject(doc, "transactions"), "transactions");
    for (int i = 0; i < f->ntxs; i++) {
        const struct tx *t = &f->txs[i];
        cJSON *o = cJSON_CreateObject();
        int conf = t->block >= 0 ? tip->height - f->blocks[t->block].height + 1 : 0;
        cJSON_AddStringToObject(o, "id", t->id);
        cJSON_AddStringToObject(o, "from", t->from);
        cJSON_AddStringToObject(o, "to", t->to);
        cJSON_AddNumberToObject(o, "amount", (double)t->amount);
        cJSON_AddStringToObject(o, "status",
                                t->rejected            ? "rejected"
                                : t->block < 0         ? "pending"
                                : conf < CONFIRM_DEPTH ? "included"
                                                       : "confirmed");
        if (t->rejected)
            cJSON_AddStringToObject(o, "reason", "insufficient funds");
        cJSON_AddItemToObject(o, "block",
                              t->block >= 0 ? cJSON_CreateString(f->blocks[t->block].id)
                                            : cJSON_CreateNull());
        cJSON_AddNumberToObject(o, "confirmations", conf);
        cJSON_AddNumberToObject(o, "request", (double)t->request);
        cJSON_AddItemToArray(txs, o);
    }
    cJSON *wallets = cJSON_AddArrayToObject(cJSON_AddObjectToObject(doc, "wallets"), "wallets");
    for (int i = 0; i < WALLETS; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "index", i);
        cJSON_AddStringToObject(o, "address", f->wallet[i]);
        cJSON_AddNumberToObject(o, "balance", (double)f->balance[i]);
        cJSON_AddItemToArray(wallets, o);
    }
    return doc;
}

static void publish(struct fake *f)
{
    char msg[256];
    if (dash_publish(f->dash, msg, sizeof msg, snapshot(f)) != DASH_OK) {
        fprintf(stderr, "fake_run: %s\n", msg);
        abort();
    }
}

static void *runner(void *arg)
{
    struct fake *f = arg;
    for (int tick = 1; !atomic_load(&f->stop); tick++) {
        struct timespec ts = {0, 150 * 1000000L};
        nanosleep(&ts, NULL);
        drain(f);
        if (!f->paused)
            step(f, tick);
        publish(f);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *listen = argc == 3 && strcmp(argv[1], "--listen") == 0 ? argv[2] : "127.0.0.1:0";
    static struct fake f;
    f.speed = 1;
    f.fork_tip = -1;
    for (int i = 0; i < WALLETS; i++) {
        fake_id(&f, f.wallet[i]);
        f.balance[i] = 1000 * (uint64_t)(i + 1);
    }
    f.main_tip = add_block(&f, -1, 0);
    if (dash_new(&f.dash) != DASH_OK)
        return 1;
    atomic_init(&f.stop, 0);
    publish(&f);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    http_server *srv;
    char msg[256];
    if (http_start(&srv, msg, sizeof msg, f.dash, listen) != HTTP_OK) {
        fprintf(stderr, "fake_run: %s\n", msg);
        return 2;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, runner, &f) != 0)
        abort();
    printf("serving at http://127.0.0.1:%u/\n", (unsigned)http_port(srv));
    fflush(stdout);
    struct timespec limit = {120, 0};
    sigtimedwait(&stop, NULL, &limit);
    atomic_store(&f.stop, 1);
    pthread_join(t, NULL);
    http_stop(srv);
    dash_free(f.dash);
    return 0;
}
