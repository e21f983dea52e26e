/* The live dashboard glue of `chainsim run --serve`, read back over a real
 * loopback HTTP server: what rundash_publish makes of a small run state
 * (three PoW nodes, one crashed; a partition; a payment in the best chain
 * and one in a mempool; two wallets) to the byte: status, nodes with links
 * and partitions, blocks with parents and producers, transactions with
 * sender, recipient, amount and status, wallets with balances. Then the
 * commands: a submission within the balance is queued for rundash_take with
 * its fields, one above it is refused with the validator's message, a
 * refusal recorded with rundash_submitted shows as "rejected", pause and
 * speed reach the engine and the status, at most DASH_QUEUE_CAPACITY
 * submissions wait while the run is paused (503 beyond), and rundash_close
 * refuses what is still waiting and makes the store read-only. Nodes another
 * process runs show what it sent (far). Also the errors of
 * rundash_new (bad address, taken port) and every reason's message. */
#include "rundash.h"

#include "node_fixture.h"
#include "scenario.h"
#include "testutil.h"
#include "wallet.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define PAY 250000u /* wallet 1 -> wallet 2, in block 2 */
#define FEE 10u
#define POOL_PAY 4000u /* wallet 2 -> wallet 1, in node 2's mempool */

/* ---- a minimal HTTP client ---------------------------------------------- */

typedef struct response {
    int status;
    char *body;
    cJSON *json;
} response;

static response request(uint16_t port, const char *method, const char *path, const char *body)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    char req[2048];
    int n = body ? snprintf(req, sizeof req,
                            "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                            "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                            method, path, strlen(body), body)
                 : snprintf(req, sizeof req,
                            "%s %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                            method, path);
    ck_assert_int_eq(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 4096 > cap)
            buf = realloc(buf, cap *= 2);
        ssize_t got = recv(fd, buf + len, cap - len - 1, 0);
        ck_assert_msg(got >= 0, "recv timed out or failed");
        if (got == 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    buf[len] = '\0';
    response r = {0, NULL, NULL};
    ck_assert_msg(sscanf(buf, "HTTP/1.%*d %d", &r.status) == 1, "no status line: %.80s", buf);
    char *split = strstr(buf, "\r\n\r\n");
    ck_assert_ptr_nonnull(split);
    r.body = strdup(split + 4);
    r.json = cJSON_Parse(r.body);
    free(buf);
    return r;
}

static void response_free(response *r)
{
    free(r->body);
    cJSON_Delete(r->json);
}

static const cJSON *member(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    ck_assert_msg(v != NULL, "missing \"%s\"", key);
    return v;
}

static double num(const cJSON *obj, const char *key)
{
    const cJSON *v = member(obj, key);
    ck_assert_msg(cJSON_IsNumber(v), "\"%s\" is not a number", key);
    return v->valuedouble;
}

static const char *str(const cJSON *obj, const char *key)
{
    const cJSON *v = member(obj, key);
    ck_assert_msg(cJSON_IsString(v), "\"%s\" is not a string", key);
    return v->valuestring;
}

static void assert_null(const cJSON *obj, const char *key)
{
    ck_assert_msg(cJSON_IsNull(member(obj, key)), "\"%s\" is not null", key);
}

static int flag(const cJSON *obj, const char *key)
{
    const cJSON *v = member(obj, key);
    ck_assert_msg(cJSON_IsBool(v), "\"%s\" is not a boolean", key);
    return cJSON_IsTrue(v);
}

static void hex_of(char out[65], const uint8_t *bytes)
{
    hex_encode(out, bytes, 32);
}

/* ---- the run state ------------------------------------------------------ */

typedef struct world {
    nf t;
    wallet_set *ws;
    scenario scn;
    net *net;
    engine *eng;
    uint8_t node_keys[3][KEYS_PUB_BYTES];
    block *blocks[2];
    tx *paid, *pooled;
    rundash_node nodes[3];
    uint32_t group_of[3];
    rundash *rd;
    uint16_t port;
    int start_paused;             /* set before world_init_paused */
    const uint64_t *far_balances; /* rundash_state's */
} world;

static uint64_t no_rng(void *state)
{
    (void)state;
    return 0;
}

static void on_event(void *ctx, engine_call *call, uint32_t id, const engine_event *ev)
{
    (void)ctx;
    (void)call;
    (void)id;
    (void)ev;
}

/* Node 1 has blocks 1 and 2 (block 2 holds wallet 1's payment), node 2 has
 * block 1 and wallet 2's payment in its mempool, node 3 has nothing and is
 * crashed; nodes 1, 2 | 3 are partitioned. Wallets: 1 on node 1, 2 on node 2. */
static void world_init_as(world *w, int start_paused, const char *const *adversary)
{
    memset(w, 0, sizeof *w);
    w->start_paused = start_paused;
    nf_opts o = {.n = 3};
    nf_init(&w->t, &o);
    /* The fixture's wallets are the run's: seed 7, one genesis coin each. */
    ck_assert_int_eq(wallet_set_new(&w->ws, NF_WALLETS, 7, 3, 1, NF_FUNDS), 0);
    for (int i = 0; i < NF_WALLETS; i++)
        ck_assert_mem_eq(wallet_public(w->ws, (uint32_t)i), keys_pair_public(w->t.wallet[i]),
                         KEYS_PUB_BYTES);
    w->paid = nf_spend_genesis(&w->t, 0, 1, PAY, FEE);
    w->blocks[0] = nf_block(&w->t, w->t.genesis, 1, NULL, 0, 0);
    w->blocks[1] = nf_block(&w->t, w->blocks[0], 2, &w->paid, 1, 0);
    nf_load(&w->t, 0, w->blocks, 2);
    nf_load(&w->t, 1, w->blocks, 1);
    w->pooled = nf_spend_genesis(&w->t, 1, 0, POOL_PAY, FEE);
    nf_give_tx(&w->t, 1, 0, NF_OUTSIDE, w->pooled);
    nf_forget(&w->t);
    ck_assert_uint_eq(mempool_count(node_mempool(w->t.nodes[1])), 1);
    for (uint32_t i = 0; i < 3; i++) {
        memcpy(w->node_keys[i], keys_pair_public(w->t.key[i]), KEYS_PUB_BYTES);
        w->nodes[i] = (rundash_node){.n = w->t.nodes[i], .online = i < 2};
        w->group_of[i] = i < 2 ? 1 : 2;
    }
    ck_assert_int_eq(wallet_scan(w->ws, 0, node_chain(w->t.nodes[0])), 0);
    ck_assert_int_eq(wallet_scan(w->ws, 1, node_chain(w->t.nodes[1])), 0);
    char err[300];
    cJSON *json = cJSON_Parse("{\"nodes\":{\"count\":3},\"network\":{\"topology\":\"full\"}}");
    ck_assert_msg(scenario_from_json(&w->scn, json, "t.json", err, sizeof err) == SCENARIO_OK, "%s",
                  err);
    cJSON_Delete(json);
    ck_assert_int_eq(net_new(&w->net, &w->scn, (net_rng){no_rng, NULL}), 0);
    engine_config ec = {.nodes = 3, .lookahead_ns = 1000000, .threads = 1};
    ec.model.on_event = on_event;
    ck_assert_int_eq(engine_new(&w->eng, &ec), ENGINE_OK);
    rundash_config cfg = {.listen = "127.0.0.1:0",
                          .eng = w->eng,
                          .consensus = "pow",
                          .scenario_name = "tiny",
                          .duration_ns = 60 * NF_SEC,
                          .n_nodes = 3,
                          .node_keys = (const uint8_t(*)[KEYS_PUB_BYTES])w->node_keys,
                          .genesis = w->t.genesis,
                          .fee = FEE,
                          .confirmations = 2,
                          .speed = 0,
                          .min_latency_ns = 1000000,
                          .start_paused = w->start_paused,
                          .adversary_kind = adversary};
    ck_assert_msg(rundash_new(&w->rd, err, sizeof err, &cfg) == RUNDASH_OK, "%s", err);
    w->port = rundash_port(w->rd);
    ck_assert_uint_ne(w->port, 0);
}

static void world_init(world *w)
{
    world_init_as(w, 0, NULL);
}

static void world_free(world *w)
{
    rundash_free(w->rd);
    engine_free(w->eng);
    net_free(w->net);
    scenario_free(&w->scn);
    tx_unref(w->paid);
    tx_unref(w->pooled);
    nf_unref_blocks(w->blocks, 2);
    wallet_set_free(w->ws);
    nf_free(&w->t);
}

static void publish(world *w, int64_t time_ns, int finished)
{
    rundash_state st = {.time_ns = time_ns,
                        .finished = finished,
                        .nodes = w->nodes,
                        .group_of = w->group_of,
                        .net = w->net,
                        .ws = w->ws,
                        .far_balances = w->far_balances};
    char err[300];
    ck_assert_msg(rundash_publish(w->rd, err, sizeof err, &st) == RUNDASH_OK, "%s", err);
}

static response get(world *w, const char *path)
{
    response r = request(w->port, "GET", path, NULL);
    ck_assert_msg(r.status == 200 && r.json, "GET %s: %d %s", path, r.status, r.body);
    return r;
}

/* The transaction record with id hex (NULL: the one of request `request`). */
static const cJSON *find_tx(const cJSON *doc, const char *id, double request)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, member(doc, "transactions"))
    {
        const cJSON *tid = member(t, "id");
        if (id ? cJSON_IsString(tid) && strcmp(tid->valuestring, id) == 0
               : cJSON_IsNumber(member(t, "request")) && num(t, "request") == request)
            return t;
    }
    ck_abort_msg("transaction %s not published", id ? id : "of the request");
    return NULL;
}

/* ---- tests -------------------------------------------------------------- */

START_TEST(nothing_is_served_before_the_first_publish)
{
    world w;
    world_init(&w);
    response r = request(w.port, "GET", "/api/status", NULL);
    ck_assert_int_eq(r.status, 503);
    response_free(&r);
    char url[100], want[100];
    rundash_url(w.rd, url, sizeof url);
    snprintf(want, sizeof want, "http://127.0.0.1:%u/", (unsigned)w.port);
    ck_assert_str_eq(url, want);
    world_free(&w);
}
END_TEST

START_TEST(publish_shows_the_run_state)
{
    world w;
    world_init(&w);
    publish(&w, 5 * NF_SEC, 0);
    char hex[65], b1[65], b2[65], g[65];
    hash_to_hex(g, block_id(w.t.genesis));
    hash_to_hex(b1, block_id(w.blocks[0]));
    hash_to_hex(b2, block_id(w.blocks[1]));

    response r = get(&w, "/api/status");
    ck_assert_int_eq(num(r.json, "time_ns"), 5e9);
    ck_assert_int_eq(num(r.json, "duration_ns"), 60e9);
    ck_assert(!flag(r.json, "finished"));
    ck_assert_str_eq(str(r.json, "consensus"), "pow");
    ck_assert_str_eq(str(r.json, "scenario"), "tiny");
    ck_assert_int_eq(num(r.json, "nodes"), 3);
    ck_assert_int_eq(num(r.json, "height"), 2);
    ck_assert_int_eq(num(r.json, "confirmations"), 2);
    ck_assert_int_eq(num(r.json, "fee"), FEE);
    ck_assert(num(r.json, "speed") == 0);
    ck_assert(!flag(r.json, "paused"));
    ck_assert_str_eq(str(r.json, "min_latency"), "1ms");
    ck_assert_ptr_null(cJSON_GetObjectItem(r.json, "slot")); /* PoW: no slots */
    ck_assert_ptr_null(cJSON_GetObjectItem(r.json, "pos"));  /* nor a protocol's object */
    ck_assert_ptr_null(cJSON_GetObjectItem(r.json, "bft"));
    ck_assert_ptr_null(cJSON_GetObjectItem(r.json, "poa"));
    ck_assert(cJSON_IsNull(member(r.json, "real_speed"))); /* one publish: not measured yet */
    response_free(&r);

    r = get(&w, "/api/nodes");
    const cJSON *nodes = member(r.json, "nodes");
    ck_assert_int_eq(cJSON_GetArraySize(nodes), 3);
    const char *tips[3] = {b2, b1, g};
    const int heights[3] = {2, 1, 0}, pools[3] = {0, 1, 0};
    for (int i = 0; i < 3; i++) {
        const cJSON *n = cJSON_GetArrayItem(nodes, i);
        ck_assert_int_eq(num(n, "id"), i + 1);
        ck_assert_int_eq(num(n, "height"), heights[i]);
        ck_assert_str_eq(str(n, "tip"), tips[i]);
        ck_assert_int_eq(num(n, "mempool"), pools[i]);
        ck_assert_int_eq(flag(n, "crashed"), i == 2);
        ck_assert(flag(n, "joined"));
        ck_assert_int_eq(num(n, "group"), i < 2 ? 1 : 2);
        ck_assert_ptr_null(cJSON_GetObjectItem(n, "adversary")); /* no adversaries */
        ck_assert_ptr_null(cJSON_GetObjectItem(n, "bft"));       /* PoW */
    }
    char *links = cJSON_PrintUnformatted(member(r.json, "links"));
    char *parts = cJSON_PrintUnformatted(member(r.json, "partitions"));
    ck_assert_str_eq(links, "[[1,2],[1,3],[2,3]]");
    ck_assert_str_eq(parts, "[[1,2],[3]]");
    free(links);
    free(parts);
    response_free(&r);

    r = get(&w, "/api/blocks?node=1");
    const cJSON *blocks = member(r.json, "blocks");
    ck_assert_int_eq(cJSON_GetArraySize(blocks), 3);
    const char *ids[3] = {g, b1, b2};
    for (int i = 0; i < 3; i++) {
        const cJSON *b = cJSON_GetArrayItem(blocks, i);
        ck_assert_str_eq(str(b, "id"), ids[i]);
        ck_assert_int_eq(num(b, "height"), i);
        if (i == 0) {
            assert_null(b, "parent");
            assert_null(b, "producer");
        } else {
            ck_assert_str_eq(str(b, "parent"), ids[i - 1]);
            ck_assert_int_eq(num(b, "producer"), 1); /* the coinbase pays node 1's key */
        }
        ck_assert_int_eq(num(b, "time_ns"), i * 1e9); /* header time - genesis time */
        ck_assert_int_eq(num(b, "txs"), i == 2 ? 1 : 0);
    }
    response_free(&r);

    r = get(&w, "/api/transactions");
    ck_assert_int_eq(cJSON_GetArraySize(member(r.json, "transactions")), 2);
    hash_to_hex(hex, tx_id(w.paid));
    const cJSON *t = find_tx(r.json, hex, 0);
    char w1[65], w2[65];
    hex_of(w1, wallet_public(w.ws, 0));
    hex_of(w2, wallet_public(w.ws, 1));
    ck_assert_str_eq(str(t, "from"), w1);
    ck_assert_str_eq(str(t, "to"), w2);
    ck_assert_int_eq(num(t, "amount"), PAY);        /* the change is not counted */
    ck_assert_str_eq(str(t, "status"), "included"); /* 1 confirmation of 2 */
    ck_assert_str_eq(str(t, "block"), b2);
    ck_assert_int_eq(num(t, "confirmations"), 1);
    assert_null(t, "reason");
    assert_null(t, "request");
    hash_to_hex(hex, tx_id(w.pooled));
    t = find_tx(r.json, hex, 0);
    ck_assert_str_eq(str(t, "from"), w2);
    ck_assert_str_eq(str(t, "to"), w1);
    ck_assert_int_eq(num(t, "amount"), POOL_PAY);
    ck_assert_str_eq(str(t, "status"), "pending");
    assert_null(t, "block");
    ck_assert_int_eq(num(t, "confirmations"), 0);
    response_free(&r);

    r = get(&w, "/api/wallets");
    const cJSON *wallets = member(r.json, "wallets");
    ck_assert_int_eq(cJSON_GetArraySize(wallets), 2);
    const cJSON *a = cJSON_GetArrayItem(wallets, 0), *b = cJSON_GetArrayItem(wallets, 1);
    ck_assert_int_eq(num(a, "index"), 1);
    ck_assert_str_eq(str(a, "address"), w1);
    ck_assert_int_eq(num(a, "balance"), NF_FUNDS - PAY - FEE); /* the change, on node 1 */
    ck_assert_int_eq(num(a, "node"), 1);
    ck_assert_int_eq(num(b, "index"), 2);
    ck_assert_str_eq(str(b, "address"), w2);
    ck_assert_int_eq(num(b, "balance"), NF_FUNDS); /* node 2 has not got block 2 */
    ck_assert_int_eq(num(b, "node"), 2);
    response_free(&r);

    /* One more block on node 1: the payment is confirmed (2 of 2). */
    block *b3 = nf_block(&w.t, w.blocks[1], 3, NULL, 0, 0);
    nf_load(&w.t, 0, &b3, 1);
    block_unref(b3);
    publish(&w, 6 * NF_SEC, 0);
    r = get(&w, "/api/transactions");
    hash_to_hex(hex, tx_id(w.paid));
    t = find_tx(r.json, hex, 0);
    ck_assert_str_eq(str(t, "status"), "confirmed");
    ck_assert_int_eq(num(t, "confirmations"), 2);
    response_free(&r);
    world_free(&w);
}
END_TEST

/* With several processes, process 0 holds no node of another process: what
 * that process sent (far) stands for it in the nodes document and the
 * network's height, and the balances of its wallets; crashed and not yet
 * started ones show as such. */
START_TEST(far_nodes_show_what_their_process_sent)
{
    world w;
    world_init(&w);
    hash256 tip;
    memset(&tip, 0xab, sizeof tip);
    char hex[65];
    hash_to_hex(hex, &tip);
    w.nodes[2] =
        (rundash_node){.online = 1, .far = 1, .far_height = 7, .far_tip = tip, .far_mempool = 5};
    publish(&w, 5 * NF_SEC, 0);
    response r = get(&w, "/api/nodes");
    const cJSON *n = cJSON_GetArrayItem(member(r.json, "nodes"), 2);
    ck_assert_int_eq(num(n, "id"), 3);
    ck_assert_int_eq(num(n, "height"), 7);
    ck_assert_str_eq(str(n, "tip"), hex);
    ck_assert_int_eq(num(n, "mempool"), 5);
    ck_assert(!flag(n, "crashed"));
    ck_assert(flag(n, "joined"));
    response_free(&r);
    r = get(&w, "/api/status");
    ck_assert_int_eq(num(r.json, "height"), 7); /* the highest running node, wherever it runs */
    response_free(&r);

    w.nodes[2].online = 0; /* crashed in its process */
    publish(&w, 6 * NF_SEC, 0);
    r = get(&w, "/api/nodes");
    n = cJSON_GetArrayItem(member(r.json, "nodes"), 2);
    ck_assert(flag(n, "crashed"));
    ck_assert_int_eq(num(n, "height"), 7);
    response_free(&r);
    r = get(&w, "/api/status");
    ck_assert_int_eq(num(r.json, "height"), 2); /* node 1's: a crashed node does not count */
    response_free(&r);

    w.nodes[2] = (rundash_node){.online = 0}; /* not started in its process */
    publish(&w, 7 * NF_SEC, 0);
    r = get(&w, "/api/nodes");
    n = cJSON_GetArrayItem(member(r.json, "nodes"), 2);
    ck_assert_int_eq(num(n, "height"), 0);
    assert_null(n, "tip");
    ck_assert(!flag(n, "joined"));
    ck_assert(!flag(n, "crashed"));
    response_free(&r);

    /* Wallet 2's node is far: its balance is what that process counted;
     * wallet 1's node is here, its balance counted here as ever. */
    static const uint64_t balances[2] = {111, 222};
    w.far_balances = balances;
    w.nodes[1] = (rundash_node){.online = 1, .far = 1, .far_height = 1, .far_tip = tip};
    publish(&w, 8 * NF_SEC, 0);
    r = get(&w, "/api/wallets");
    const cJSON *wallets = member(r.json, "wallets");
    ck_assert_int_eq(num(cJSON_GetArrayItem(wallets, 0), "balance"), NF_FUNDS - PAY - FEE);
    ck_assert_int_eq(num(cJSON_GetArrayItem(wallets, 1), "balance"), 222);
    response_free(&r);
    world_free(&w);
}
END_TEST

/* Node 3 runs in another process: its branch reaches the tree through the
 * blocks its process sent (dashfar), its view shows it, and when its tip
 * moves to node 1's chain the feed tells the reorganisation and the tip it
 * gave up stays in its view, marked. */
START_TEST(far_nodes_reorganise_through_the_blocks_sent)
{
    world w;
    world_init(&w);
    block *branch[3];
    nf_chain_blocks(&w.t, branch, 3, 9);
    nf_load(&w.t, 2, branch, 3); /* node 3's chain, in "its process" */
    const chain *chains[3] = {NULL, NULL, node_chain(w.t.nodes[2])};
    dashfar_sender snd;
    memset(&snd, 0, sizeof snd);
    dashfar_block *sent = NULL;
    size_t n = 0;
    ck_assert_int_eq(dashfar_collect(&snd, chains, 3, 100, 300, &sent, &n), 0);
    ck_assert_uint_eq(n, 4); /* the branch and the genesis */
    ck_assert_int_eq(rundash_far_blocks(w.rd, sent, n), 0);
    free(sent);
    dashfar_sender_free(&snd);
    w.nodes[2] =
        (rundash_node){.online = 1, .far = 1, .far_height = 3, .far_tip = *block_id(branch[2])};
    publish(&w, NF_SEC, 0);
    char n3[65];
    hash_to_hex(n3, block_id(branch[2]));
    response r = get(&w, "/api/blocks?node=3");
    ck_assert_str_eq(str(r.json, "tip"), n3);
    ck_assert_int_eq(cJSON_GetArraySize(member(r.json, "blocks")), 4);
    const cJSON *b;
    cJSON_ArrayForEach(b, member(r.json, "blocks")) ck_assert(flag(b, "main"));
    response_free(&r);

    /* Node 3 moves to node 1's chain (height 2, remembered from node 1). */
    w.nodes[2].far_tip = *block_id(w.blocks[1]);
    w.nodes[2].far_height = 2;
    publish(&w, 2 * NF_SEC, 0);
    r = get(&w, "/api/feed");
    const cJSON *events = member(r.json, "events");
    const cJSON *last = cJSON_GetArrayItem(events, cJSON_GetArraySize(events) - 1);
    ck_assert_str_eq(str(last, "kind"), "reorg");
    ck_assert_int_eq(num(last, "depth"), 3);
    ck_assert_int_eq(cJSON_GetArrayItem(member(last, "nodes"), 0)->valueint, 3);
    int n_events = cJSON_GetArraySize(events);
    response_free(&r);
    r = get(&w, "/api/blocks?node=3");
    int found = 0;
    cJSON_ArrayForEach(b, member(r.json, "blocks")) if (strcmp(str(b, "id"), n3) == 0)
    {
        ck_assert_int_eq(num(b, "reorg_depth"), 3);
        ck_assert(!flag(b, "main"));
        found = 1;
    }
    ck_assert(found);
    response_free(&r);
    /* Unchanged at the next sample: no new entry. */
    publish(&w, 3 * NF_SEC, 0);
    r = get(&w, "/api/feed");
    ck_assert_int_eq(cJSON_GetArraySize(member(r.json, "events")), n_events);
    response_free(&r);
    nf_unref_blocks(branch, 3);
    world_free(&w);
}
END_TEST

/* Waits (up to 3 s) for the command thread to hand over n submissions. */
static size_t take(world *w, dash_command *out, size_t n)
{
    size_t got = 0;
    for (int i = 0; i < 300 && got < n; i++) {
        got += rundash_take(w->rd, out + got, n - got);
        if (got < n)
            usleep(10000);
    }
    return got;
}

/* A run with an adversary: node 1 is a selfish miner (it produced blocks
 * 1 and 2). Its node and its blocks carry the kind; block 1, which node 2
 * holds, is published at the first publish, block 2 (node 1's alone) is
 * private (published_ns null) until node 2 has it, then published at that
 * publish's time. Honest nodes carry no mark; a run without adversaries
 * marks nothing (publish_shows_the_run_state). */
START_TEST(adversaries_and_their_blocks_are_marked)
{
    static const char *const kinds[3] = {"selfish", NULL, NULL};
    world w;
    world_init_as(&w, 0, kinds);
    publish(&w, 5 * NF_SEC, 0);
    char b1[65], b2[65];
    hash_to_hex(b1, block_id(w.blocks[0]));
    hash_to_hex(b2, block_id(w.blocks[1]));
    response r = get(&w, "/api/nodes");
    const cJSON *nodes = member(r.json, "nodes");
    ck_assert_str_eq(str(cJSON_GetArrayItem(nodes, 0), "adversary"), "selfish");
    ck_assert_ptr_null(cJSON_GetObjectItem(cJSON_GetArrayItem(nodes, 1), "adversary"));
    ck_assert_ptr_null(cJSON_GetObjectItem(cJSON_GetArrayItem(nodes, 2), "adversary"));
    response_free(&r);
    for (int round = 0; round < 2; round++) {
        r = get(&w, "/api/blocks");
        const cJSON *b;
        int seen = 0;
        cJSON_ArrayForEach(b, member(r.json, "blocks"))
        {
            const char *id = str(b, "id");
            if (num(b, "height") == 0) {
                ck_assert_ptr_null(cJSON_GetObjectItem(b, "adversary")); /* genesis: no one's */
                continue;
            }
            ck_assert_str_eq(str(b, "adversary"), "selfish");
            if (strcmp(id, b1) == 0) {
                ck_assert_int_eq(num(b, "published_ns"), 5e9);
                seen |= 1;
            } else if (strcmp(id, b2) == 0) {
                if (round == 0)
                    assert_null(b, "published_ns");
                else
                    ck_assert_int_eq(num(b, "published_ns"), 9e9);
                seen |= 2;
            }
        }
        ck_assert_int_eq(seen, 3);
        response_free(&r);
        if (round == 0) { /* node 2 receives block 2: published at the next publish */
            nf_load(&w.t, 1, &w.blocks[1], 1);
            publish(&w, 9 * NF_SEC, 0);
        }
    }
    world_free(&w);
}
END_TEST

/* A PoS run (f = 1: a node with stake leads every slot; node 1 has all of
 * it): blocks in slots 3 and 7 on node 1, node 2 has the first. At 9.5 s
 * the status says slot 9, the tip's slot 7, 7 - 2 = 5 empty slots on the
 * best chain and node 1 alone leads the slot; each block carries its slot
 * and the empty slots since its parent's (2, then 3). No BFT or PoA object. */
START_TEST(pos_status_shows_slot_leaders_and_empty_slots)
{
    nf t;
    nf_opts o = {.n = 2, .pos = 1};
    nf_init(&t, &o);
    block *b[2];
    b[0] = nf_pos_block(&t, chain_genesis(node_chain(t.nodes[0])), 3, t.key[0], NF_POS_OK);
    nf_give_block(&t, 0, 8 * NF_SEC, NF_OUTSIDE, b[0]); /* not before their slots */
    nf_give_block(&t, 1, 8 * NF_SEC, NF_OUTSIDE, b[0]);
    b[1] = nf_pos_block(&t, chain_tip(node_chain(t.nodes[0])), 7, t.key[0], NF_POS_OK);
    nf_give_block(&t, 0, 8 * NF_SEC, NF_OUTSIDE, b[1]);
    nf_forget(&t);
    ck_assert_uint_eq(chain_height(node_chain(t.nodes[0])), 2);
    wallet_set *ws;
    ck_assert_int_eq(wallet_set_new(&ws, NF_WALLETS, 7, 2, 1, NF_FUNDS), 0);
    scenario scn;
    net *nw;
    engine *eng;
    char err[300];
    cJSON *json = cJSON_Parse("{\"nodes\":{\"count\":2},\"network\":{\"topology\":\"full\"}}");
    ck_assert(scenario_from_json(&scn, json, "t.json", err, sizeof err) == SCENARIO_OK);
    cJSON_Delete(json);
    ck_assert_int_eq(net_new(&nw, &scn, (net_rng){no_rng, NULL}), 0);
    engine_config ec = {.nodes = 2, .lookahead_ns = 1000000, .threads = 1};
    ec.model.on_event = on_event;
    ck_assert_int_eq(engine_new(&eng, &ec), ENGINE_OK);
    uint8_t keys[2][KEYS_PUB_BYTES];
    rundash_node nodes[2];
    for (uint32_t i = 0; i < 2; i++) {
        memcpy(keys[i], keys_pair_public(t.key[i]), KEYS_PUB_BYTES);
        nodes[i] = (rundash_node){.n = t.nodes[i], .online = 1};
    }
    rundash_config cfg = {.listen = "127.0.0.1:0",
                          .eng = eng,
                          .consensus = "pos",
                          .duration_ns = 60 * NF_SEC,
                          .n_nodes = 2,
                          .node_keys = (const uint8_t(*)[KEYS_PUB_BYTES])keys,
                          .genesis = t.genesis,
                          .fee = FEE,
                          .confirmations = 1,
                          .min_latency_ns = 1000000,
                          .slot_ns = NF_SEC};
    rundash *rd;
    ck_assert_msg(rundash_new(&rd, err, sizeof err, &cfg) == RUNDASH_OK, "%s", err);
    rundash_state st = {.time_ns = 9 * NF_SEC + NF_SEC / 2, .nodes = nodes, .net = nw, .ws = ws};
    ck_assert_msg(rundash_publish(rd, err, sizeof err, &st) == RUNDASH_OK, "%s", err);

    response r = request(rundash_port(rd), "GET", "/api/status", NULL);
    ck_assert_int_eq(r.status, 200);
    const cJSON *pos = member(r.json, "pos");
    ck_assert_int_eq(num(pos, "slot"), 9);
    ck_assert_int_eq(num(pos, "tip_slot"), 7);
    ck_assert_int_eq(num(pos, "empty_slots"), 5);
    ck_assert_int_eq(num(pos, "node"), 1); /* the best node, read */
    char *leaders = cJSON_PrintUnformatted(member(pos, "leaders"));
    ck_assert_str_eq(leaders, "[1]");
    free(leaders);
    ck_assert_ptr_null(cJSON_GetObjectItem(r.json, "bft"));
    ck_assert_ptr_null(cJSON_GetObjectItem(r.json, "poa"));
    response_free(&r);

    r = request(rundash_port(rd), "GET", "/api/blocks", NULL);
    ck_assert_int_eq(r.status, 200);
    const cJSON *blk;
    int seen = 0;
    cJSON_ArrayForEach(blk, member(r.json, "blocks"))
    {
        if (num(blk, "height") == 0)
            continue;
        int slot = (int)num(blk, "slot");
        ck_assert_int_eq(num(blk, "empty_before"), slot == 3 ? 2 : 3);
        ck_assert_int_eq(num(blk, "producer"), 1);
        ck_assert_ptr_null(cJSON_GetObjectItem(blk, "final"));
        seen += slot;
    }
    ck_assert_int_eq(seen, 10);
    response_free(&r);

    rundash_free(rd);
    engine_free(eng);
    net_free(nw);
    scenario_free(&scn);
    wallet_set_free(ws);
    nf_unref_blocks(b, 2);
    nf_free(&t);
}
END_TEST

START_TEST(submissions_reach_the_runner_in_order)
{
    world w;
    world_init(&w);
    publish(&w, NF_SEC, 0);
    char w2[65];
    hex_of(w2, wallet_public(w.ws, 1));
    /* Within wallet 1's balance of 749990 (amount plus the fee of 10). */
    response r = request(w.port, "POST", "/api/transactions",
                         "{\"from\":1,\"to\":2,\"amount\":749980,\"node\":1}");
    ck_assert_msg(r.status == 202, "%d %s", r.status, r.body);
    response_free(&r);
    r = request(w.port, "POST", "/api/transactions",
                "{\"from\":1,\"to\":2,\"amount\":749981,\"node\":1}");
    ck_assert_msg(r.status >= 400 && r.status < 500, "%d %s", r.status, r.body);
    ck_assert_str_eq(str(r.json, "error"), "amount: 749981 plus the fee of 10 is more than "
                                           "wallet 1's balance of 749990");
    response_free(&r);
    r = request(w.port, "POST", "/api/transactions",
                "{\"from\":2,\"to\":1,\"amount\":5,\"node\":3}");
    ck_assert_msg(r.status == 202, "%d %s", r.status, r.body);
    response_free(&r);
    dash_command cmds[4];
    ck_assert_uint_eq(take(&w, cmds, 2), 2);
    ck_assert_uint_eq(rundash_take(w.rd, cmds + 2, 2), 0);
    ck_assert_int_eq(cmds[0].kind, DASH_CMD_SUBMIT_TX);
    ck_assert_uint_eq(cmds[0].request_id, 1);
    ck_assert_int_eq(cmds[0].from_wallet, 1);
    ck_assert_str_eq(cmds[0].to_address, w2);
    ck_assert_uint_eq(cmds[0].amount, 749980);
    ck_assert_int_eq(cmds[0].node, 1);
    ck_assert_uint_eq(cmds[1].request_id, 2); /* a refused request gets no id */
    ck_assert_int_eq(cmds[1].from_wallet, 2);
    ck_assert_uint_eq(cmds[1].amount, 5);
    /* The runner could not build the first, a node accepted the second. */
    rundash_submitted(w.rd, &cmds[0], NULL, "wallet has no confirmed coins enough");
    rundash_submitted(w.rd, &cmds[1], w.pooled, NULL);
    publish(&w, 2 * NF_SEC, 0);
    r = get(&w, "/api/transactions");
    const cJSON *t = find_tx(r.json, NULL, 1);
    assert_null(t, "id");
    ck_assert_str_eq(str(t, "status"), "rejected");
    ck_assert_str_eq(str(t, "reason"), "wallet has no confirmed coins enough");
    ck_assert_str_eq(str(t, "to"), w2);
    ck_assert_int_eq(num(t, "amount"), 749980);
    char hex[65];
    hash_to_hex(hex, tx_id(w.pooled));
    t = find_tx(r.json, hex, 0);
    ck_assert_int_eq(num(t, "request"), 2);
    ck_assert_str_eq(str(t, "status"), "pending");
    response_free(&r);
    world_free(&w);
}
END_TEST

/* Polls /api/status until key has the boolean or number wanted (3 s). */
static void await_status(world *w, const char *key, double want)
{
    double got = -1;
    for (int i = 0; i < 300; i++) {
        response r = get(w, "/api/status");
        const cJSON *v = member(r.json, key);
        got = cJSON_IsBool(v) ? cJSON_IsTrue(v) : v->valuedouble;
        response_free(&r);
        if (got == want)
            return;
        usleep(10000);
    }
    ck_abort_msg("status %s is %g, want %g", key, got, want);
}

START_TEST(pause_and_speed_reach_the_engine)
{
    world w;
    world_init(&w);
    publish(&w, NF_SEC, 0);
    response r = request(w.port, "POST", "/api/control", "{\"action\":\"pause\"}");
    ck_assert_msg(r.status == 202, "%d %s", r.status, r.body);
    response_free(&r);
    await_status(&w, "paused", 1);
    r = request(w.port, "POST", "/api/control", "{\"action\":\"speed\",\"value\":2.5}");
    ck_assert_msg(r.status == 202, "%d %s", r.status, r.body);
    response_free(&r);
    await_status(&w, "speed", 2.5);
    ck_assert(engine_realtime(w.eng) == 2.5);
    r = request(w.port, "POST", "/api/control", "{\"action\":\"resume\"}");
    response_free(&r);
    await_status(&w, "paused", 0);
    /* A later publish keeps the flags. */
    publish(&w, 2 * NF_SEC, 0);
    r = get(&w, "/api/status");
    ck_assert(num(r.json, "speed") == 2.5);
    ck_assert_int_eq(num(r.json, "time_ns"), 2e9);
    response_free(&r);
    world_free(&w);
}
END_TEST

/* While the run is paused no barrier takes submissions, and the command
 * thread moves them out of dash's queue all the same: the cap of
 * DASH_QUEUE_CAPACITY holds for every transaction not yet taken, wherever it
 * waits. One more is refused with 503 and nothing is queued for it; once the
 * runner has taken them, payments are accepted again. */
START_TEST(waiting_submissions_are_capped_while_paused)
{
    world w;
    world_init(&w);
    publish(&w, NF_SEC, 0);
    response r = request(w.port, "POST", "/api/control", "{\"action\":\"pause\"}");
    ck_assert_msg(r.status == 202, "%d %s", r.status, r.body);
    response_free(&r);
    await_status(&w, "paused", 1);
    const char *pay = "{\"from\":1,\"to\":2,\"amount\":1,\"node\":1}";
    int accepted = 0, refused = 0;
    for (int i = 0; i < DASH_QUEUE_CAPACITY + 20; i++) {
        r = request(w.port, "POST", "/api/transactions", pay);
        if (r.status == 202) {
            accepted++;
        } else {
            ck_assert_msg(r.status == 503, "POST %d: %d %s", i + 1, r.status, r.body);
            ck_assert_str_eq(str(r.json, "error"),
                             "1024 commands are already waiting to enter the run (it is "
                             "paused or busy); try again later");
            refused++;
        }
        response_free(&r);
    }
    ck_assert_int_eq(accepted, DASH_QUEUE_CAPACITY);
    ck_assert_int_eq(refused, 20);
    static dash_command cmds[DASH_QUEUE_CAPACITY + 1];
    ck_assert_uint_eq(take(&w, cmds, DASH_QUEUE_CAPACITY), DASH_QUEUE_CAPACITY);
    ck_assert_uint_eq(rundash_take(w.rd, cmds, 1), 0);
    ck_assert_uint_eq(cmds[0].request_id, 2); /* request 1 was the pause */
    ck_assert_uint_eq(cmds[DASH_QUEUE_CAPACITY - 1].request_id, DASH_QUEUE_CAPACITY + 1);
    r = request(w.port, "POST", "/api/transactions", pay);
    ck_assert_msg(r.status == 202, "after the runner took them: %d %s", r.status, r.body);
    response_free(&r);
    world_free(&w);
}
END_TEST

START_TEST(close_refuses_what_waits_and_turns_read_only)
{
    world w;
    world_init(&w);
    publish(&w, NF_SEC, 0);
    response r = request(w.port, "POST", "/api/transactions",
                         "{\"from\":1,\"to\":2,\"amount\":7,\"node\":1}");
    ck_assert_msg(r.status == 202, "%d %s", r.status, r.body);
    response_free(&r);
    rundash_close(w.rd);
    rundash_close(w.rd); /* idempotent */
    dash_command cmd;
    ck_assert_uint_eq(rundash_take(w.rd, &cmd, 1), 0);
    r = request(w.port, "POST", "/api/transactions",
                "{\"from\":1,\"to\":2,\"amount\":7,\"node\":1}");
    ck_assert_int_eq(r.status, 403);
    response_free(&r);
    publish(&w, 60 * NF_SEC, 1);
    r = get(&w, "/api/status");
    ck_assert(flag(r.json, "finished"));
    ck_assert(!flag(r.json, "paused"));
    response_free(&r);
    r = get(&w, "/api/transactions");
    const cJSON *t = find_tx(r.json, NULL, 1);
    ck_assert_str_eq(str(t, "status"), "rejected");
    ck_assert_str_eq(str(t, "reason"), "the run ended before the transaction could enter it");
    ck_assert_int_eq(num(t, "amount"), 7);
    response_free(&r);
    world_free(&w);
}
END_TEST

/* The network commands are checked (the latency against the smallest the
 * network allows) and reach the runner in order, after payments sent before
 * them, through rundash_take. */
START_TEST(network_commands_reach_the_runner_in_order)
{
    world w;
    world_init(&w);
    publish(&w, NF_SEC, 0);
    static const char *const bodies[] = {
        "{\"action\":\"partition\",\"nodes\":[1]}",
        "{\"action\":\"crash\",\"node\":2}",
        "{\"action\":\"restart\",\"node\":3}",
        "{\"action\":\"latency\",\"link\":[1,2],\"latency\":\"1ms\"}",
        "{\"action\":\"latency\",\"link\":[1,3],\"latency\":\"default\"}",
        "{\"action\":\"heal\"}",
    };
    response r = request(w.port, "POST", "/api/transactions",
                         "{\"from\":1,\"to\":2,\"amount\":5,\"node\":1}");
    ck_assert_msg(r.status == 202, "%d %s", r.status, r.body);
    response_free(&r);
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        r = request(w.port, "POST", "/api/control", bodies[i]);
        ck_assert_msg(r.status == 202, "%s: %d %s", bodies[i], r.status, r.body);
        response_free(&r);
    }
    r = request(w.port, "POST", "/api/control",
                "{\"action\":\"latency\",\"link\":[1,2],\"latency\":\"999us\"}");
    ck_assert_int_eq(r.status, 400);
    ck_assert_str_eq(str(r.json, "error"),
                     "latency: expected from 1ms (the network's smallest latency: no message may "
                     "arrive sooner) to 1h, or \"default\"");
    response_free(&r);
    r = request(w.port, "POST", "/api/control",
                "{\"action\":\"latency\",\"link\":[1,2],\"latency\":\"2h\"}");
    ck_assert_int_eq(r.status, 400);
    response_free(&r);
    dash_command cmds[8];
    ck_assert_uint_eq(take(&w, cmds, 7), 7);
    static const dash_command_kind kinds[] = {
        DASH_CMD_SUBMIT_TX, DASH_CMD_PARTITION, DASH_CMD_CRASH, DASH_CMD_RESTART,
        DASH_CMD_LATENCY,   DASH_CMD_LATENCY,   DASH_CMD_HEAL};
    for (int i = 0; i < 7; i++) {
        ck_assert_int_eq(cmds[i].kind, kinds[i]);
        ck_assert_uint_eq(cmds[i].request_id, (uint64_t)i + 1);
    }
    ck_assert_uint_eq(cmds[1].selected[0], 1);
    ck_assert_int_eq(cmds[2].node, 2);
    ck_assert_int_eq(cmds[4].latency_ns, 1000000);
    ck_assert_int_eq(cmds[5].latency_ns, 0);
    ck_assert_uint_eq(rundash_take(w.rd, cmds, 8), 0);
    world_free(&w);
}
END_TEST

/* The feed lists what rundash_feed was told, oldest first with increasing
 * sequence numbers, and the reorganisations rundash_publish spots: node 1
 * leaves blocks 1-2 for a longer branch, so the feed says depth 2 at node 1,
 * block 2 carries reorg_depth 2, and seen_by names the nodes that know each
 * block. Undelivered network commands are reported when the run closes. */
START_TEST(feed_lists_events_and_reorganisations)
{
    world w;
    world_init(&w);
    publish(&w, NF_SEC, 0);
    uint32_t side[2] = {1, 2};
    rundash_feed(w.rd, NF_SEC, "partition", side, 2, "partition: {1,2} | {3}");
    rundash_feed(w.rd, NF_SEC, "crash", side + 1, 1, "node 2 crashed");
    block *branch[3];
    nf_chain_blocks(&w.t, branch, 3, 9);
    nf_load(&w.t, 0, branch, 3);
    publish(&w, 2 * NF_SEC, 0);
    response r = get(&w, "/api/feed");
    const cJSON *events = member(r.json, "events");
    ck_assert_int_eq(cJSON_GetArraySize(events), 3);
    const cJSON *e0 = cJSON_GetArrayItem(events, 0), *e2 = cJSON_GetArrayItem(events, 2);
    ck_assert_str_eq(str(e0, "kind"), "partition");
    ck_assert_int_eq(num(e0, "seq"), 1);
    ck_assert_int_eq(num(e0, "time_ns"), 1e9);
    ck_assert_int_eq(cJSON_GetArraySize(member(e0, "nodes")), 2);
    ck_assert_str_eq(str(e0, "text"), "partition: {1,2} | {3}");
    ck_assert_str_eq(str(e2, "kind"), "reorg");
    ck_assert_int_eq(num(e2, "seq"), 3);
    ck_assert_int_eq(num(e2, "depth"), 2);
    ck_assert_int_eq(num(e2, "time_ns"), 2e9);
    ck_assert_int_eq(cJSON_GetArraySize(member(e2, "nodes")), 1);
    ck_assert_int_eq(cJSON_GetArrayItem(member(e2, "nodes"), 0)->valueint, 1);
    char hex[65], want[120];
    hash_to_hex(hex, block_id(branch[2]));
    snprintf(want, sizeof want, "reorganisation at node 1: depth 2, now on #3 %.16s", hex);
    ck_assert_str_eq(str(e2, "text"), want);
    response_free(&r);

    r = get(&w, "/api/blocks?node=1");
    char b2[65], b1[65], n3[65];
    hash_to_hex(b2, block_id(w.blocks[1]));
    hash_to_hex(b1, block_id(w.blocks[0]));
    hash_to_hex(n3, block_id(branch[2]));
    int found = 0;
    const cJSON *b;
    cJSON_ArrayForEach(b, member(r.json, "blocks"))
    {
        const char *id = str(b, "id");
        int seen = cJSON_GetArraySize(member(b, "seen_by"));
        if (strcmp(id, b2) == 0) {
            ck_assert_int_eq(num(b, "reorg_depth"), 2);
            ck_assert(!flag(b, "main"));
            ck_assert_int_eq(seen, 1); /* node 1 only */
            found++;
        } else if (strcmp(id, b1) == 0) {
            ck_assert_int_eq(seen, 2); /* nodes 1 and 2 */
            ck_assert_ptr_null(cJSON_GetObjectItem(b, "reorg_depth"));
            found++;
        } else if (strcmp(id, n3) == 0) {
            ck_assert(flag(b, "main"));
            found++;
        }
    }
    ck_assert_int_eq(found, 3);
    response_free(&r);
    /* Node 2 does not know the new branch: its view leaves it out. */
    r = get(&w, "/api/blocks?node=2");
    cJSON_ArrayForEach(b, member(r.json, "blocks")) ck_assert_str_ne(str(b, "id"), n3);
    response_free(&r);

    r = request(w.port, "POST", "/api/control", "{\"action\":\"crash\",\"node\":1}");
    ck_assert_msg(r.status == 202, "%d %s", r.status, r.body);
    response_free(&r);
    rundash_close(w.rd);
    publish(&w, 60 * NF_SEC, 1);
    r = get(&w, "/api/feed");
    events = member(r.json, "events");
    const cJSON *last = cJSON_GetArrayItem(events, cJSON_GetArraySize(events) - 1);
    ck_assert_str_eq(str(last, "kind"), "refused");
    ck_assert_str_eq(str(last, "text"), "dashboard request 1 not carried out: the run ended first");
    response_free(&r);
    nf_unref_blocks(branch, 3);
    world_free(&w);
}
END_TEST

/* The feed keeps the newest RUNDASH_FEED_MAX entries; a long node list is
 * cut at 16 with the rest counted. */
START_TEST(feed_keeps_the_newest_entries)
{
    world w;
    world_init(&w);
    uint32_t many[40];
    for (uint32_t i = 0; i < 40; i++)
        many[i] = i + 1;
    for (int i = 0; i < RUNDASH_FEED_MAX + 5; i++)
        rundash_feed(w.rd, i, "join", many, 40, "node joined");
    publish(&w, NF_SEC, 0);
    response r = get(&w, "/api/feed");
    const cJSON *events = member(r.json, "events");
    ck_assert_int_eq(cJSON_GetArraySize(events), RUNDASH_FEED_MAX);
    const cJSON *first = cJSON_GetArrayItem(events, 0);
    ck_assert_int_eq(num(first, "seq"), 6);
    ck_assert_int_eq(cJSON_GetArraySize(member(first, "nodes")), 16);
    ck_assert_int_eq(num(first, "more_nodes"), 24);
    response_free(&r);
    world_free(&w);
}
END_TEST

/* --start-paused: the engine waits and the status says paused until the
 * first page opens the event stream; then it runs. */
START_TEST(start_paused_waits_for_the_first_page)
{
    world w;
    world_init_as(&w, 1, NULL);
    publish(&w, 0, 0);
    usleep(100000);
    response r = get(&w, "/api/status");
    ck_assert(flag(r.json, "paused"));
    ck_assert(cJSON_IsNull(member(r.json, "real_speed")));
    ck_assert_str_eq(str(r.json, "min_latency"), "1ms");
    response_free(&r);
    /* Open the event stream and keep it open while the status is polled. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(w.port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    const char *req = "GET /api/events HTTP/1.1\r\nHost: localhost\r\n\r\n";
    ck_assert_int_eq(send(fd, req, strlen(req), MSG_NOSIGNAL), (ssize_t)strlen(req));
    await_status(&w, "paused", 0);
    close(fd);
    world_free(&w);
}
END_TEST

/* Names added to the server's Host names (--allow-host); bad ones refused. */
START_TEST(allow_host_passes_names_to_the_server)
{
    world w;
    world_init(&w);
    char err[300];
    ck_assert_int_eq(rundash_allow_host(w.rd, err, sizeof err, "dash.example"), RUNDASH_OK);
    ck_assert_int_eq(rundash_allow_host(w.rd, err, sizeof err, "dash.example:80"),
                     RUNDASH_ERR_BAD_HOST);
    ck_assert_msg(strstr(err, "':' at 13 is not allowed"), "%s", err);
    world_free(&w);
}
END_TEST

START_TEST(new_refuses_bad_addresses)
{
    world w;
    world_init(&w);
    rundash_config cfg = {.listen = "nonsense",
                          .eng = w.eng,
                          .consensus = "pow",
                          .n_nodes = 3,
                          .node_keys = (const uint8_t(*)[KEYS_PUB_BYTES])w.node_keys,
                          .genesis = w.t.genesis};
    rundash *rd = (rundash *)1;
    char err[300] = "";
    ck_assert_int_eq(rundash_new(&rd, err, sizeof err, &cfg), RUNDASH_ERR_BAD_ADDRESS);
    ck_assert_ptr_null(rd);
    ck_assert_msg(strstr(err, "nonsense") != NULL, "%s", err);
    char taken[64];
    snprintf(taken, sizeof taken, "127.0.0.1:%u", (unsigned)w.port);
    cfg.listen = taken;
    rd = (rundash *)1;
    ck_assert_int_eq(rundash_new(&rd, err, sizeof err, &cfg), RUNDASH_ERR_LISTEN);
    ck_assert_ptr_null(rd);
    ck_assert_msg(strstr(err, taken) != NULL, "%s", err);
    world_free(&w);
}
END_TEST

START_TEST(reason_messages)
{
    ck_assert_str_eq(rundash_reason_message(RUNDASH_OK), "ok");
    ck_assert_str_eq(rundash_reason_message(RUNDASH_ERR_NO_MEMORY), "out of memory");
    ck_assert_str_eq(rundash_reason_message(RUNDASH_ERR_BAD_ADDRESS), "bad listen address");
    ck_assert_str_eq(rundash_reason_message(RUNDASH_ERR_LISTEN), "cannot listen on the address");
    ck_assert_str_eq(rundash_reason_message(RUNDASH_ERR_UNAVAILABLE),
                     "this chainsim was built without libmicrohttpd");
    ck_assert_str_eq(rundash_reason_message(RUNDASH_ERR_THREAD),
                     "cannot start the dashboard's command thread");
    ck_assert_str_eq(rundash_reason_message(RUNDASH_ERR_PUBLISH),
                     "the dashboard refused the snapshot");
    ck_assert_str_eq(rundash_reason_message(RUNDASH_ERR_BAD_HOST),
                     "the dashboard cannot answer to that host name");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("rundash");
    TCase *tc = tcase_create("rundash");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, nothing_is_served_before_the_first_publish);
    tcase_add_test(tc, publish_shows_the_run_state);
    tcase_add_test(tc, far_nodes_show_what_their_process_sent);
    tcase_add_test(tc, far_nodes_reorganise_through_the_blocks_sent);
    tcase_add_test(tc, adversaries_and_their_blocks_are_marked);
    tcase_add_test(tc, pos_status_shows_slot_leaders_and_empty_slots);
    tcase_add_test(tc, submissions_reach_the_runner_in_order);
    tcase_add_test(tc, pause_and_speed_reach_the_engine);
    tcase_add_test(tc, waiting_submissions_are_capped_while_paused);
    tcase_add_test(tc, close_refuses_what_waits_and_turns_read_only);
    tcase_add_test(tc, network_commands_reach_the_runner_in_order);
    tcase_add_test(tc, feed_lists_events_and_reorganisations);
    tcase_add_test(tc, feed_keeps_the_newest_entries);
    tcase_add_test(tc, start_paused_waits_for_the_first_page);
    tcase_add_test(tc, allow_host_passes_names_to_the_server);
    tcase_add_test(tc, new_refuses_bad_addresses);
    tcase_add_test(tc, reason_messages);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
