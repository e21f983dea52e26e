/* The dashboard's HTTP API against a real server on a loopback port: every
 * endpoint, every error path (status code and JSON error body), the embedded
 * page, traversal attempts, Server-Sent Events after a publish, and commands
 * that a POST queues and the test then drains. Then what a hostile client
 * tries: a foreign Host or Origin (DNS rebinding), bodies with trailing
 * bytes, repeated keys, inexact numbers or a near-JSON Content-Type, and
 * holding the server: connections from one address, event streams, and a
 * request trickled byte by byte; each over its limit is refused while
 * others are still served. The client is a minimal HTTP/1.1 client over a
 * socket; every read has a timeout. */
#include "http.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *const snapshot_json =
    "{\"status\":{\"time_ns\":5000000000,\"speed\":1,\"paused\":false},"
    "\"nodes\":{\"nodes\":["
    "{\"id\":1,\"height\":3,\"tip\":\"b3\",\"mempool\":1},"
    "{\"id\":2,\"height\":3,\"tip\":\"b3\",\"mempool\":0},"
    "{\"id\":3,\"height\":2,\"tip\":\"c2\",\"mempool\":0,\"crashed\":true}],"
    "\"links\":[[1,2],[2,3]],\"partitions\":[[1,2],[3]]},"
    "\"blocks\":{\"blocks\":["
    "{\"id\":\"b0\",\"parent\":null,\"height\":0},"
    "{\"id\":\"b1\",\"parent\":\"b0\",\"height\":1,\"producer\":1},"
    "{\"id\":\"b2\",\"parent\":\"b1\",\"height\":2,\"producer\":2},"
    "{\"id\":\"c2\",\"parent\":\"b1\",\"height\":2,\"producer\":3,\"seen_by\":[1,3]},"
    "{\"id\":\"b3\",\"parent\":\"b2\",\"height\":3,\"producer\":1,\"seen_by\":[1,2]}]},"
    "\"transactions\":{\"transactions\":["
    "{\"id\":\"aa11\",\"from\":\"cafe01\",\"to\":\"beef02\",\"amount\":4,\"status\":\"confirmed\"},"
    "{\"id\":\"ab22\",\"from\":\"beef02\",\"to\":\"aa9900\",\"amount\":1,\"status\":\"pending\"}]},"
    "\"wallets\":{\"wallets\":[{\"index\":0,\"address\":\"cafe01\",\"balance\":100},"
    "{\"index\":1,\"address\":\"beef02\",\"balance\":5}]}}";

static dash *the_dash;
static http_server *the_server;
static uint16_t the_port;

static void publish(dash *d)
{
    char msg[200];
    cJSON *doc = cJSON_Parse(snapshot_json);
    ck_assert_ptr_nonnull(doc);
    ck_assert_int_eq(dash_publish(d, msg, sizeof msg, doc), DASH_OK);
}

static void start(int with_snapshot)
{
    char msg[200];
    ck_assert_int_eq(dash_new(&the_dash), DASH_OK);
    if (with_snapshot)
        publish(the_dash);
    http_reason r = http_start(&the_server, msg, sizeof msg, the_dash, "127.0.0.1:0");
    ck_assert_msg(r == HTTP_OK, "http_start: %s", msg);
    the_port = http_port(the_server);
    ck_assert_uint_ne(the_port, 0);
}

static void setup(void)
{
    start(1);
}

static void teardown(void)
{
    http_stop(the_server);
    dash_free(the_dash);
    the_server = NULL;
    the_dash = NULL;
}

/* ---- a minimal client --------------------------------------------------- */

static int connect_loopback(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static void send_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL);
        ck_assert_int_gt(n, 0);
        data += n;
        len -= (size_t)n;
    }
}

struct response {
    int status;
    char head[4096];
    char *body;
    cJSON *json;
};

static void response_free(struct response *r)
{
    free(r->body);
    cJSON_Delete(r->json);
}

/* Sends raw (a whole request with "Connection: close") and reads to EOF. */
static struct response roundtrip(const char *raw, size_t raw_len)
{
    int fd = connect_loopback(the_port);
    send_all(fd, raw, raw_len);
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 4096 > cap)
            buf = realloc(buf, cap *= 2);
        ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
        ck_assert_msg(n >= 0, "recv timed out or failed");
        if (n == 0)
            break;
        len += (size_t)n;
    }
    close(fd);
    buf[len] = '\0';
    struct response r;
    memset(&r, 0, sizeof r);
    ck_assert_msg(sscanf(buf, "HTTP/1.%*d %d", &r.status) == 1, "no status line: %.80s", buf);
    char *split = strstr(buf, "\r\n\r\n");
    ck_assert_ptr_nonnull(split);
    size_t head_len = (size_t)(split - buf);
    ck_assert_uint_lt(head_len, sizeof r.head);
    memcpy(r.head, buf, head_len);
    r.body = strdup(split + 4);
    free(buf);
    if (strstr(r.head, "application/json"))
        r.json = cJSON_Parse(r.body);
    return r;
}

static struct response get(const char *path)
{
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", path);
    return roundtrip(req, (size_t)n);
}

static struct response post_typed(const char *path, const char *type, const char *body)
{
    size_t cap = strlen(body) + 512;
    char *req = malloc(cap);
    int n = snprintf(req, cap,
                     "POST %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n%s%s%s"
                     "Content-Length: %zu\r\n\r\n%s",
                     path, type ? "Content-Type: " : "", type ? type : "", type ? "\r\n" : "",
                     strlen(body), body);
    struct response r = roundtrip(req, (size_t)n);
    free(req);
    return r;
}

static struct response post(const char *path, const char *body)
{
    return post_typed(path, "application/json", body);
}

/* Asserts a 4xx/5xx with a JSON {"error": "..."} containing text. */
static void assert_error(struct response *r, int status, const char *text)
{
    ck_assert_msg(r->status == status, "status %d, want %d (body %s)", r->status, status, r->body);
    ck_assert_msg(r->json != NULL, "error body is not JSON: %s", r->body);
    const cJSON *e = cJSON_GetObjectItem(r->json, "error");
    ck_assert_msg(cJSON_IsString(e), "no \"error\" string: %s", r->body);
    ck_assert_msg(strstr(e->valuestring, text) != NULL, "error \"%s\" lacks \"%s\"", e->valuestring,
                  text);
    response_free(r);
}

static const cJSON *item(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(obj, key);
    ck_assert_msg(v != NULL, "missing \"%s\"", key);
    return v;
}

/* ---- GET endpoints ------------------------------------------------------ */

START_TEST(status_nodes_wallets)
{
    struct response r = get("/api/status");
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(r.json);
    ck_assert_double_eq(item(r.json, "version")->valuedouble, 1);
    ck_assert_double_eq(item(r.json, "time_ns")->valuedouble, 5e9);
    ck_assert(cJSON_IsFalse(item(r.json, "read_only")));
    ck_assert_ptr_nonnull(strstr(r.head, "Cache-Control: no-store"));
    response_free(&r);
    r = get("/api/nodes");
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(cJSON_GetArraySize(item(r.json, "nodes")), 3);
    ck_assert_int_eq(cJSON_GetArraySize(item(r.json, "partitions")), 2);
    response_free(&r);
    r = get("/api/wallets");
    ck_assert_int_eq(r.status, 200);
    const cJSON *w = cJSON_GetArrayItem(item(r.json, "wallets"), 1);
    ck_assert_str_eq(item(w, "address")->valuestring, "beef02");
    response_free(&r);
}
END_TEST

/* The ids of the blocks in r, in order, with a '*' after those on the main chain. */
static void block_ids(char *out, size_t out_len, const struct response *r)
{
    out[0] = '\0';
    const cJSON *b;
    cJSON_ArrayForEach(b, item(r->json, "blocks"))
    {
        strncat(out, item(b, "id")->valuestring, out_len - strlen(out) - 1);
        if (cJSON_IsTrue(item(b, "main")))
            strncat(out, "*", out_len - strlen(out) - 1);
        strncat(out, " ", out_len - strlen(out) - 1);
    }
}

START_TEST(blocks_mark_each_nodes_main_chain)
{
    char ids[256];
    struct response r = get("/api/blocks?node=1");
    ck_assert_int_eq(r.status, 200);
    block_ids(ids, sizeof ids, &r);
    ck_assert_str_eq(ids, "b0* b1* b2* c2 b3* ");
    ck_assert_str_eq(item(r.json, "tip")->valuestring, "b3");
    response_free(&r);
    r = get("/api/blocks?node=3"); /* node 3 is on the fork and has not seen b3 */
    block_ids(ids, sizeof ids, &r);
    ck_assert_str_eq(ids, "b0* b1* b2 c2* ");
    response_free(&r);
    r = get("/api/blocks"); /* the highest node, lowest id on a tie: node 1 */
    ck_assert_double_eq(item(r.json, "node")->valuedouble, 1);
    block_ids(ids, sizeof ids, &r);
    ck_assert_str_eq(ids, "b0* b1* b2* c2 b3* ");
    response_free(&r);
}
END_TEST

START_TEST(blocks_bad_node)
{
    struct response r = get("/api/blocks?node=abc");
    assert_error(&r, 400, "node: expected a node id");
    r = get("/api/blocks?node=0");
    assert_error(&r, 400, "node: expected a node id");
    r = get("/api/blocks?node=-2");
    assert_error(&r, 400, "node: expected a node id");
    r = get("/api/blocks?node=99999999999");
    assert_error(&r, 400, "node: expected a node id");
    r = get("/api/blocks?node=9");
    assert_error(&r, 404, "node 9 does not exist");
}
END_TEST

static int tx_count(const char *path)
{
    struct response r = get(path);
    ck_assert_int_eq(r.status, 200);
    int n = cJSON_GetArraySize(item(r.json, "transactions"));
    ck_assert_double_eq(item(r.json, "total")->valuedouble, n);
    response_free(&r);
    return n;
}

START_TEST(transactions_search_by_id_or_address)
{
    ck_assert_int_eq(tx_count("/api/transactions"), 2);
    ck_assert_int_eq(tx_count("/api/transactions?q=aa"), 2);     /* id aa11, to aa9900 */
    ck_assert_int_eq(tx_count("/api/transactions?q=AB2"), 1);    /* case-insensitive id */
    ck_assert_int_eq(tx_count("/api/transactions?q=cafe"), 1);   /* sender */
    ck_assert_int_eq(tx_count("/api/transactions?q=beef02"), 2); /* sender and recipient */
    ck_assert_int_eq(tx_count("/api/transactions?q=zz"), 0);
    struct response r = get("/api/transactions?q=ab22");
    const cJSON *t = cJSON_GetArrayItem(item(r.json, "transactions"), 0);
    ck_assert_str_eq(item(t, "status")->valuestring, "pending");
    response_free(&r);
    char path[300] = "/api/transactions?q=";
    memset(path + strlen(path), 'a', 200);
    path[220] = '\0';
    r = get(path);
    assert_error(&r, 400, "at most 128 characters");
}
END_TEST

/* Pages counted back from the newest: offset skips the newest matches, limit
 * bounds the page, each page oldest first; bad values are 400. */
START_TEST(transactions_page)
{
    struct response r = get("/api/transactions?limit=1");
    ck_assert_int_eq(cJSON_GetArraySize(item(r.json, "transactions")), 1);
    ck_assert_str_eq(item(cJSON_GetArrayItem(item(r.json, "transactions"), 0), "id")->valuestring,
                     "ab22");
    ck_assert_double_eq(item(r.json, "total")->valuedouble, 2);
    ck_assert_double_eq(item(r.json, "limit")->valuedouble, 1);
    ck_assert_double_eq(item(r.json, "offset")->valuedouble, 0);
    response_free(&r);
    r = get("/api/transactions?limit=1&offset=1");
    ck_assert_str_eq(item(cJSON_GetArrayItem(item(r.json, "transactions"), 0), "id")->valuestring,
                     "aa11");
    response_free(&r);
    r = get("/api/transactions?offset=2");
    ck_assert_int_eq(cJSON_GetArraySize(item(r.json, "transactions")), 0);
    ck_assert_double_eq(item(r.json, "total")->valuedouble, 2);
    response_free(&r);
    r = get("/api/transactions?q=beef&offset=1&limit=500");
    ck_assert_int_eq(cJSON_GetArraySize(item(r.json, "transactions")), 1);
    response_free(&r);
    r = get("/api/transactions?offset=-1");
    assert_error(&r, 400, "offset: expected how many of the newest matches to skip");
    r = get("/api/transactions?offset=1x");
    assert_error(&r, 400, "got \"1x\"");
    r = get("/api/transactions?offset=1234567890");
    assert_error(&r, 400, "offset: expected");
    r = get("/api/transactions?limit=0");
    assert_error(&r, 400, "limit: expected an integer from 1 to 500, got \"0\"");
    r = get("/api/transactions?limit=501");
    assert_error(&r, 400, "limit: expected an integer from 1 to 500");
    r = get("/api/transactions?limit=");
    assert_error(&r, 400, "limit: expected");
}
END_TEST

/* The feed resource: empty until a publisher gives one. */
START_TEST(feed_resource)
{
    struct response r = get("/api/feed");
    ck_assert_int_eq(r.status, 200);
    ck_assert_int_eq(cJSON_GetArraySize(item(r.json, "events")), 0);
    response_free(&r);
}
END_TEST

START_TEST(nothing_published_yet)
{
    teardown();
    start(0);
    struct response r = get("/api/nodes");
    assert_error(&r, 503, "not published");
    r = get("/api/status");
    assert_error(&r, 503, "not published");
    r = post("/api/control", "{\"action\":\"pause\"}");
    assert_error(&r, 503, "not published");
}
END_TEST

/* ---- POST endpoints ----------------------------------------------------- */

START_TEST(submit_queues_for_the_runner)
{
    struct response r = post("/api/transactions", "{\"from\":0,\"to\":1,\"amount\":10,\"node\":2}");
    ck_assert_int_eq(r.status, 202);
    ck_assert_double_eq(item(r.json, "request")->valuedouble, 1);
    ck_assert_str_eq(item(r.json, "status")->valuestring, "queued");
    response_free(&r);
    const char *key = "ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789";
    char body[200];
    snprintf(body, sizeof body, "{\"from\":1,\"to\":\"%s\",\"amount\":5,\"node\":3}", key);
    r = post("/api/transactions", body);
    ck_assert_int_eq(r.status, 202);
    response_free(&r);
    dash_command out[4];
    ck_assert_uint_eq(dash_drain(the_dash, out, 4), 2);
    ck_assert_int_eq(out[0].kind, DASH_CMD_SUBMIT_TX);
    ck_assert_int_eq(out[0].from_wallet, 0);
    ck_assert_int_eq(out[0].to_wallet, 1);
    ck_assert_str_eq(out[0].to_address, "beef02");
    ck_assert_uint_eq(out[0].amount, 10);
    ck_assert_int_eq(out[0].node, 2);
    ck_assert_uint_eq(out[1].request_id, 2);
    ck_assert_int_eq(out[1].to_wallet, -1);
    ck_assert_str_eq(out[1].to_address,
                     "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
}
END_TEST

static const struct {
    const char *body;
    int status;
    const char *text;
} bad_submissions[] = {
    {"{\"from\":0,", 400, "body: line 1 column 10: not valid JSON"},
    {"", 400, "empty body"},
    {"[1,2]", 400, "expected a JSON object"},
    {"{\"to\":1,\"amount\":1,\"node\":1}", 400, "missing field \"from\""},
    {"{\"from\":0,\"amount\":1,\"node\":1}", 400, "missing field \"to\""},
    {"{\"from\":0,\"to\":1,\"node\":1}", 400, "missing field \"amount\""},
    {"{\"from\":0,\"to\":1,\"amount\":1}", 400, "missing field \"node\""},
    {"{\"from\":0,\"to\":1,\"amount\":1,\"node\":1,\"fee\":2}", 400, "unknown field \"fee\""},
    {"{\"from\":\"0\",\"to\":1,\"amount\":1,\"node\":1}", 400, "from: expected a wallet index"},
    {"{\"from\":-1,\"to\":1,\"amount\":1,\"node\":1}", 400, "from: expected a wallet index"},
    {"{\"from\":0,\"to\":\"xyz\",\"amount\":1,\"node\":1}", 400, "to: expected"},
    {"{\"from\":0,\"to\":1.5,\"amount\":1,\"node\":1}", 400, "to: expected"},
    {"{\"from\":0,\"to\":1,\"amount\":1.5,\"node\":1}", 400, "amount: expected a whole number"},
    {"{\"from\":0,\"to\":1,\"amount\":\"10\",\"node\":1}", 400, "amount: expected a whole number"},
    {"{\"from\":0,\"to\":1,\"amount\":1e300,\"node\":1}", 400, "amount: expected a whole number"},
    {"{\"from\":0,\"to\":1,\"amount\":0,\"node\":1}", 400, "amount: must be positive"},
    {"{\"from\":0,\"to\":1,\"amount\":-3,\"node\":1}", 400, "amount: must be positive"},
    {"{\"from\":0,\"to\":1,\"amount\":1,\"node\":0}", 400, "node: expected a node id"},
    {"{\"from\":0,\"to\":1,\"amount\":1,\"node\":true}", 400, "node: expected a node id"},
    {"{\"from\":7,\"to\":1,\"amount\":1,\"node\":1}", 404, "from: wallet 7 does not exist"},
    {"{\"from\":0,\"to\":8,\"amount\":1,\"node\":1}", 404, "to: wallet 8 does not exist"},
    {"{\"from\":1,\"to\":0,\"amount\":6,\"node\":1}", 422, "balance of 5"},
    {"{\"from\":0,\"to\":1,\"amount\":1,\"node\":4}", 404, "node 4 does not exist"},
};

START_TEST(submit_rejections)
{
    struct response r = post("/api/transactions", bad_submissions[_i].body);
    assert_error(&r, bad_submissions[_i].status, bad_submissions[_i].text);
    dash_command out[1];
    ck_assert_uint_eq(dash_drain(the_dash, out, 1), 0);
}
END_TEST

START_TEST(post_needs_json_content_type)
{
    const char *body = "{\"action\":\"pause\"}";
    struct response r = post_typed("/api/control", NULL, body);
    assert_error(&r, 415, "expected application/json");
    r = post_typed("/api/control", "text/plain", body);
    assert_error(&r, 415, "got text/plain");
    r = post_typed("/api/control", "application/json; charset=utf-8", body);
    ck_assert_int_eq(r.status, 202);
    response_free(&r);
}
END_TEST

START_TEST(huge_bodies_get_413)
{
    /* Declared too large: refused on the headers alone. */
    const char *head = "POST /api/transactions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                       "Content-Type: application/json\r\nContent-Length: 70000\r\n\r\n";
    struct response r = roundtrip(head, strlen(head));
    assert_error(&r, 413, "more than the 65536");
    /* Chunked, so only counting tells: read to the end, then refused. */
    size_t chunk = 8192, chunks = 9, cap = chunks * (chunk + 16) + 256, len = 0;
    char *req = malloc(cap);
    len += (size_t)snprintf(
        req, cap,
        "POST /api/transactions HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (size_t i = 0; i < chunks; i++) {
        len += (size_t)snprintf(req + len, cap - len, "%zx\r\n", chunk);
        memset(req + len, ' ', chunk);
        len += chunk;
        len += (size_t)snprintf(req + len, cap - len, "\r\n");
    }
    len += (size_t)snprintf(req + len, cap - len, "0\r\n\r\n");
    r = roundtrip(req, len);
    free(req);
    assert_error(&r, 413, "more than the 65536");
    /* Just under the limit is read and parsed (and refused as JSON, not as size). */
    char *big = malloc(HTTP_MAX_BODY_BYTES + 1);
    memset(big, ' ', HTTP_MAX_BODY_BYTES);
    big[0] = '{';
    big[HTTP_MAX_BODY_BYTES - 1] = '}';
    big[HTTP_MAX_BODY_BYTES] = '\0';
    r = post("/api/transactions", big);
    free(big);
    assert_error(&r, 400, "missing field \"from\"");
}
END_TEST

START_TEST(control_commands)
{
    struct response r = post("/api/control", "{\"action\":\"pause\"}");
    ck_assert_int_eq(r.status, 202);
    response_free(&r);
    r = post("/api/control", "{\"action\":\"speed\",\"value\":2.5}");
    ck_assert_int_eq(r.status, 202);
    ck_assert_double_eq(item(r.json, "request")->valuedouble, 2);
    response_free(&r);
    r = post("/api/control", "{\"action\":\"resume\"}");
    ck_assert_int_eq(r.status, 202);
    response_free(&r);
    dash_command out[4];
    ck_assert_uint_eq(dash_drain(the_dash, out, 4), 3);
    ck_assert_int_eq(out[0].kind, DASH_CMD_PAUSE);
    ck_assert_int_eq(out[1].kind, DASH_CMD_SPEED);
    ck_assert_double_eq(out[1].speed, 2.5);
    ck_assert_int_eq(out[2].kind, DASH_CMD_RESUME);

    r = post("/api/control", "{\"action\":\"speed\"}");
    assert_error(&r, 400, "missing field \"value\"");
    r = post("/api/control", "{\"action\":\"speed\",\"value\":\"fast\"}");
    assert_error(&r, 400, "value: expected a number");
    r = post("/api/control", "{\"action\":\"speed\",\"value\":-1}");
    assert_error(&r, 400, "speed -1 is out of range");
    r = post("/api/control", "{\"action\":\"speed\",\"value\":0}");
    assert_error(&r, 400, "out of range");
    r = post("/api/control", "{\"action\":\"jump\"}");
    assert_error(&r, 400, "got \"jump\"");
    r = post("/api/control", "{\"action\":3}");
    assert_error(&r, 400, "action: expected");
    r = post("/api/control", "{}");
    assert_error(&r, 400, "missing field \"action\"");
    r = post("/api/control", "{\"action\":\"pause\",\"value\":1}");
    assert_error(&r, 400, "unknown field \"value\" for pause (expected action)");
    r = post("/api/control", "{\"action\":\"pause\",\"why\":1}");
    assert_error(&r, 400, "unknown field \"why\"");
    r = post("/api/control", "nope");
    assert_error(&r, 400, "body: line 1 column 1: not valid JSON");
    ck_assert_uint_eq(dash_drain(the_dash, out, 4), 0);
}
END_TEST

/* The network commands of POST /api/control, checked against the published
 * snapshot (nodes 1-3, node 3 crashed, links 1-2 and 2-3, partitioned) and
 * queued in arrival order. */
START_TEST(network_commands)
{
    static const char *const ok[] = {
        "{\"action\":\"partition\",\"nodes\":[2,1]}",
        "{\"action\":\"heal\"}",
        "{\"action\":\"crash\",\"node\":1}",
        "{\"action\":\"restart\",\"node\":3}",
        "{\"action\":\"latency\",\"link\":[2,1],\"latency\":\"250ms\"}",
        "{\"action\":\"latency\",\"link\":[3,2],\"latency\":\"default\"}",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct response r = post("/api/control", ok[i]);
        ck_assert_msg(r.status == 202, "%s: status %d (%s)", ok[i], r.status, r.body);
        response_free(&r);
    }
    dash_command out[8];
    ck_assert_uint_eq(dash_drain(the_dash, out, 8), 6);
    ck_assert_int_eq(out[0].kind, DASH_CMD_PARTITION);
    ck_assert_uint_eq(out[0].n_selected, 2);
    ck_assert_uint_eq(out[0].selected[0], 2);
    ck_assert_uint_eq(out[0].selected[1], 1);
    ck_assert_int_eq(out[1].kind, DASH_CMD_HEAL);
    ck_assert_int_eq(out[2].kind, DASH_CMD_CRASH);
    ck_assert_int_eq(out[2].node, 1);
    ck_assert_int_eq(out[3].kind, DASH_CMD_RESTART);
    ck_assert_int_eq(out[3].node, 3);
    ck_assert_int_eq(out[4].kind, DASH_CMD_LATENCY);
    ck_assert_uint_eq(out[4].n_selected, 2);
    ck_assert_uint_eq(out[4].selected[0], 2);
    ck_assert_uint_eq(out[4].selected[1], 1);
    ck_assert_int_eq(out[4].latency_ns, 250000000);
    ck_assert_int_eq(out[5].latency_ns, 0);
    ck_assert_uint_eq(out[5].request_id, out[0].request_id + 5);
    for (int i = 0; i < 6; i++)
        ck_assert(dash_command_enters_run(out[i].kind));
    ck_assert(!dash_command_enters_run(DASH_CMD_PAUSE));
    ck_assert(!dash_command_enters_run(DASH_CMD_SPEED));
}
END_TEST

static const struct {
    const char *body;
    int status;
    const char *text;
} bad_network_commands[] = {
    {"{\"action\":\"partition\"}", 400, "missing field \"nodes\" for partition"},
    {"{\"action\":\"partition\",\"nodes\":[]}", 400,
     "nodes: expected an array of 1 to 256 node ids"},
    {"{\"action\":\"partition\",\"nodes\":\"1,2\"}", 400, "nodes: expected an array"},
    {"{\"action\":\"partition\",\"nodes\":[1,0]}", 400,
     "nodes[1]: expected a node id (an integer >= 1)"},
    {"{\"action\":\"partition\",\"nodes\":[1,\"2\"]}", 400, "nodes[1]: expected a node id"},
    {"{\"action\":\"partition\",\"nodes\":[1.0]}", 400,
     "nodes: expected an integer written as digits, got 1.0"},
    {"{\"action\":\"partition\",\"nodes\":[1,2,3]}", 400,
     "nodes: select from 1 to 2 of the 3 nodes"},
    {"{\"action\":\"partition\",\"nodes\":[1,1]}", 400, "nodes[1]: node 1 is selected twice"},
    {"{\"action\":\"partition\",\"nodes\":[9]}", 404, "nodes[0]: node 9 does not exist (3 nodes)"},
    {"{\"action\":\"partition\",\"nodes\":[1],\"node\":2}", 400,
     "unknown field \"node\" for partition (expected action, nodes)"},
    {"{\"action\":\"heal\",\"nodes\":[1]}", 400, "unknown field \"nodes\" for heal"},
    {"{\"action\":\"crash\"}", 400, "missing field \"node\" for crash"},
    {"{\"action\":\"crash\",\"node\":\"1\"}", 400, "node: expected a node id"},
    {"{\"action\":\"crash\",\"node\":-1}", 400, "node: expected a node id"},
    {"{\"action\":\"crash\",\"node\":7}", 404, "node: node 7 does not exist (3 nodes)"},
    {"{\"action\":\"crash\",\"node\":3}", 409, "node: node 3 is already down"},
    {"{\"action\":\"restart\",\"node\":2}", 409,
     "node: node 2 is running: only a crashed node restarts"},
    {"{\"action\":\"restart\",\"node\":2,\"latency\":\"1s\"}", 400,
     "unknown field \"latency\" for restart"},
    {"{\"action\":\"latency\",\"link\":[1,2]}", 400, "missing field \"latency\" for latency"},
    {"{\"action\":\"latency\",\"latency\":\"1s\"}", 400, "missing field \"link\" for latency"},
    {"{\"action\":\"latency\",\"link\":[1],\"latency\":\"1s\"}", 400,
     "link: expected a pair [a, b] of node ids"},
    {"{\"action\":\"latency\",\"link\":[1,2,3],\"latency\":\"1s\"}", 400, "link: expected a pair"},
    {"{\"action\":\"latency\",\"link\":[1,\"x\"],\"latency\":\"1s\"}", 400,
     "link: expected a pair [a, b] of node ids (integers >= 1)"},
    {"{\"action\":\"latency\",\"link\":[1,2],\"latency\":250}", 400,
     "latency: expected a positive duration such as \"250ms\", or \"default\""},
    {"{\"action\":\"latency\",\"link\":[1,2],\"latency\":\"fast\"}", 400,
     "latency: expected a positive duration"},
    {"{\"action\":\"latency\",\"link\":[1,2],\"latency\":\"0ms\"}", 400,
     "latency: expected a positive duration"},
    {"{\"action\":\"latency\",\"link\":[1,2],\"latency\":\"-5ms\"}", 400,
     "latency: expected a positive duration"},
    {"{\"action\":\"latency\",\"link\":[1,1],\"latency\":\"1s\"}", 400,
     "link: expected two different nodes, got node 1 twice"},
    {"{\"action\":\"latency\",\"link\":[1,3],\"latency\":\"1s\"}", 400,
     "link: nodes 1 and 3 are not linked"},
    {"{\"action\":\"latency\",\"link\":[1,5],\"latency\":\"1s\"}", 404,
     "link[1]: node 5 does not exist"},
    {"{\"action\":\"latency\",\"link\":[1,2.0],\"latency\":\"1s\"}", 400,
     "expected an integer written as digits, got 2.0"},
};

START_TEST(network_commands_refused)
{
    struct response r = post("/api/control", bad_network_commands[_i].body);
    assert_error(&r, bad_network_commands[_i].status, bad_network_commands[_i].text);
    dash_command out[1];
    ck_assert_uint_eq(dash_drain(the_dash, out, 1), 0);
}
END_TEST

/* Heal needs a partition; a node that has not joined can neither crash nor
 * restart (409). */
START_TEST(network_commands_follow_the_state)
{
    char msg[200];
    cJSON *doc = cJSON_Parse(snapshot_json);
    cJSON *nodes = cJSON_GetObjectItem(doc, "nodes");
    cJSON_ReplaceItemInObject(nodes, "partitions", cJSON_CreateArray());
    cJSON_AddBoolToObject(cJSON_GetArrayItem(cJSON_GetObjectItem(nodes, "nodes"), 1), "joined", 0);
    ck_assert_int_eq(dash_publish(the_dash, msg, sizeof msg, doc), DASH_OK);
    struct response r = post("/api/control", "{\"action\":\"heal\"}");
    assert_error(&r, 409, "heal: the network is not partitioned");
    r = post("/api/control", "{\"action\":\"crash\",\"node\":2}");
    assert_error(&r, 409, "node: node 2 has not joined the network yet");
    r = post("/api/control", "{\"action\":\"restart\",\"node\":2}");
    assert_error(&r, 409, "node 2 has not joined");
    r = post("/api/control", "{\"action\":\"crash\",\"node\":1}");
    ck_assert_int_eq(r.status, 202);
    response_free(&r);
    dash_set_read_only(the_dash, 1);
    r = post("/api/control", "{\"action\":\"partition\",\"nodes\":[1]}");
    assert_error(&r, 403, "read-only");
}
END_TEST

START_TEST(read_only_refuses_posts)
{
    dash_set_read_only(the_dash, 1);
    publish(the_dash);
    struct response r = get("/api/status");
    ck_assert(cJSON_IsTrue(item(r.json, "read_only")));
    response_free(&r);
    r = post("/api/transactions", "{\"from\":0,\"to\":1,\"amount\":1,\"node\":1}");
    assert_error(&r, 403, "read-only");
    r = post("/api/control", "{\"action\":\"resume\"}");
    assert_error(&r, 403, "read-only");
}
END_TEST

/* ---- paths, methods, static files --------------------------------------- */

START_TEST(unknown_paths_and_methods)
{
    struct response r = get("/api/nope");
    assert_error(&r, 404, "no such API endpoint: /api/nope");
    r = get("/nope.html");
    assert_error(&r, 404, "no such page");
    r = post("/api/status", "{}");
    assert_error(&r, 405, "method not allowed");
    ck_assert_ptr_nonnull(strstr(r.head, "Allow: "));
    r = get("/api/control");
    assert_error(&r, 405, "use POST");
    r = post("/index.html", "{}");
    assert_error(&r, 405, "method not allowed");
    const char *del = "DELETE /api/status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    r = roundtrip(del, strlen(del));
    assert_error(&r, 405, "method DELETE not allowed");
}
END_TEST

static const char *const traversals[] = {
    "/../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2fetc%2fpasswd",
    "/web/../index.html",
    "//etc/passwd",
    "/index.html/../../etc/passwd",
    "/%2E%2E%5c%2E%2E%5cpasswd",
    "/./index.html",
    "/index.html%00.js",
};

START_TEST(traversal_never_escapes_the_embedded_set)
{
    struct response r = get(traversals[_i]);
    ck_assert_msg(r.status == 404 || r.status == 400, "%s: status %d", traversals[_i], r.status);
    ck_assert_ptr_null(strstr(r.body, "root:"));
    ck_assert_ptr_nonnull(r.json);
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(r.json, "error"));
    response_free(&r);
}
END_TEST

START_TEST(embedded_page_is_served)
{
    ck_assert_uint_ge(http_asset_count, 3);
    const http_asset *index = NULL;
    for (size_t i = 0; i < http_asset_count; i++)
        if (strcmp(http_assets[i].path, "/index.html") == 0)
            index = &http_assets[i];
    ck_assert_ptr_nonnull(index);
    struct response r = get("/");
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.head, "Content-Type: text/html"));
    ck_assert_uint_eq(strlen(r.body), index->size);
    ck_assert_mem_eq(r.body, index->data, index->size);
    response_free(&r);
    r = get("/app.js");
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.head, "Content-Type: text/javascript"));
    response_free(&r);
    r = get("/style.css");
    ck_assert_int_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.head, "Content-Type: text/css"));
    response_free(&r);
}
END_TEST

/* ---- Server-Sent Events ------------------------------------------------- */

/* Reads from fd into buf (appending) until needle appears; fails after timeout. */
static void read_until(int fd, char *buf, size_t cap, size_t *len, const char *needle)
{
    time_t deadline = time(NULL) + 10;
    while (!strstr(buf, needle)) {
        ck_assert_msg(time(NULL) < deadline, "no \"%s\" in: %s", needle, buf);
        ck_assert_uint_lt(*len, cap - 1);
        ssize_t n = recv(fd, buf + *len, cap - 1 - *len, 0);
        ck_assert_msg(n > 0, "stream ended before \"%s\": %s", needle, buf);
        *len += (size_t)n;
        buf[*len] = '\0';
    }
}

START_TEST(events_follow_publishes)
{
    int fd = connect_loopback(the_port);
    const char *req =
        "GET /api/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n";
    send_all(fd, req, strlen(req));
    static char buf[65536];
    size_t len = 0;
    buf[0] = '\0';
    read_until(fd, buf, sizeof buf, &len, "\"version\":1");
    ck_assert_ptr_nonnull(strstr(buf, "Content-Type: text/event-stream"));
    ck_assert_ptr_nonnull(strstr(buf, "event: status\ndata: {"));
    ck_assert_ptr_null(strstr(buf, "\"version\":2"));
    publish(the_dash);
    read_until(fd, buf, sizeof buf, &len, "id: 2\nevent: status\ndata: {");
    read_until(fd, buf, sizeof buf, &len, "\"version\":2");
    publish(the_dash);
    read_until(fd, buf, sizeof buf, &len, "\"version\":3");
    close(fd);
    /* A closed stream does not disturb the server. */
    struct response r = get("/api/status");
    ck_assert_int_eq(r.status, 200);
    ck_assert_double_eq(item(r.json, "version")->valuedouble, 3);
    response_free(&r);
}
END_TEST

START_TEST(stop_ends_open_streams)
{
    int fd = connect_loopback(the_port);
    const char *req = "GET /api/events HTTP/1.1\r\nHost: localhost\r\n\r\n";
    send_all(fd, req, strlen(req));
    static char buf[65536];
    size_t len = 0;
    buf[0] = '\0';
    read_until(fd, buf, sizeof buf, &len, "\"version\":1");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    http_stop(the_server);
    the_server = NULL;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    ck_assert_msg(secs < 3.0, "http_stop took %.2f s with a stream open", secs);
    char rest[256];
    ssize_t n;
    while ((n = recv(fd, rest, sizeof rest, 0)) > 0)
        ;
    ck_assert_int_eq(n, 0); /* the server closed the stream */
    close(fd);
}
END_TEST

/* ---- a hostile client: Host and Origin (DNS rebinding) ------------------ */

/* Sends "METHOD PATH" with the given header lines (each ending in \r\n) and
 * body (NULL: none), Connection: close, and reads the answer. */
static struct response request_with(const char *method, const char *path, const char *headers,
                                    const char *body)
{
    size_t cap = (body ? strlen(body) : 0) + strlen(headers) + 512;
    char *req = malloc(cap);
    int n;
    if (body)
        n = snprintf(req, cap,
                     "%s %s HTTP/1.1\r\n%sConnection: close\r\nContent-Length: %zu\r\n\r\n%s",
                     method, path, headers, strlen(body), body);
    else
        n = snprintf(req, cap, "%s %s HTTP/1.1\r\n%sConnection: close\r\n\r\n", method, path,
                     headers);
    struct response r = roundtrip(req, (size_t)n);
    free(req);
    return r;
}

static const struct {
    const char *host;
    int ok;
} hosts[] = {
    {"localhost", 1},
    {"LocalHost:8080", 1},
    {"127.0.0.1", 1},
    {"127.0.0.1:80", 1},
    {"[::1]", 1},
    {"[::1]:8080", 1},
    {"attacker.example", 0},
    {"attacker.example:8080", 0},
    {"localhost.attacker.example", 0},
    {"127.0.0.1.nip.io", 0},
    {"localhost:", 0},
    {"localhost:80x", 0},
    {"localhost:8080:1", 0},
    {"[::2]:8080", 0},
    {"[::1", 0},
    {"", 0},
};

START_TEST(only_requests_naming_the_server_are_answered)
{
    char head[300];
    snprintf(head, sizeof head, "Host: %s\r\n", hosts[_i].host);
    struct response r = request_with("GET", "/api/status", head, NULL);
    if (hosts[_i].ok) {
        ck_assert_msg(r.status == 200, "Host %s: %d %s", hosts[_i].host, r.status, r.body);
        response_free(&r);
    } else {
        assert_error(&r, 403, "is not a name of this server");
    }
    /* The page itself too: a rebound name must not read anything. */
    r = request_with("GET", "/", head, NULL);
    ck_assert_msg((r.status == 200) == hosts[_i].ok, "Host %s, GET /: %d", hosts[_i].host,
                  r.status);
    response_free(&r);
}
END_TEST

START_TEST(rebinding_reproducer_is_refused)
{
    /* The page of attacker.example, its name rebound to 127.0.0.1, posts a
     * payment: refused, and nothing reaches the runner. */
    struct response r =
        request_with("POST", "/api/transactions",
                     "Host: attacker.example:8080\r\nOrigin: http://attacker.example:8080\r\n"
                     "Content-Type: application/json\r\n",
                     "{\"from\":0,\"to\":1,\"amount\":10,\"node\":2}");
    assert_error(&r, 403, "Host: \"attacker.example:8080\" is not a name of this server");
    /* Another site's page posting to the right name (a browser would need
     * the answer to a preflight first; refused all the same). */
    r = request_with("POST", "/api/control",
                     "Host: localhost\r\nOrigin: http://attacker.example\r\n"
                     "Content-Type: application/json\r\n",
                     "{\"action\":\"pause\"}");
    assert_error(&r, 403, "Origin: \"http://attacker.example\" is not this server's page");
    r = request_with("POST", "/api/control",
                     "Host: localhost:8080\r\nOrigin: null\r\nContent-Type: application/json\r\n",
                     "{\"action\":\"pause\"}");
    assert_error(&r, 403, "Origin: \"null\"");
    r = request_with("POST", "/api/control",
                     "Host: localhost:8080\r\nOrigin: http://localhost:9999\r\n"
                     "Content-Type: application/json\r\n",
                     "{\"action\":\"pause\"}");
    assert_error(&r, 403, "Origin");
    dash_command out[2];
    ck_assert_uint_eq(dash_drain(the_dash, out, 2), 0);
    /* The dashboard's own page: same origin. */
    r = request_with("POST", "/api/control",
                     "Host: 127.0.0.1:8080\r\nOrigin: http://127.0.0.1:8080\r\n"
                     "Content-Type: application/json\r\n",
                     "{\"action\":\"pause\"}");
    ck_assert_msg(r.status == 202, "%d %s", r.status, r.body);
    response_free(&r);
    /* A GET with any Origin only reads: answered when the Host is right. */
    r = request_with("GET", "/api/status", "Host: localhost\r\nOrigin: http://elsewhere\r\n", NULL);
    ck_assert_int_eq(r.status, 200);
    response_free(&r);
    ck_assert_uint_eq(dash_drain(the_dash, out, 2), 1);
    /* HTTP/1.0 without a Host names nothing. */
    const char *old = "GET /api/status HTTP/1.0\r\n\r\n";
    r = roundtrip(old, strlen(old));
    assert_error(&r, 400, "Host: missing");
}
END_TEST

START_TEST(allowed_host_names)
{
    char msg[300];
    struct response r = request_with("GET", "/api/status", "Host: dash.example:8080\r\n", NULL);
    assert_error(&r, 403, "--allow-host");
    ck_assert_int_eq(http_allow_host(the_server, msg, sizeof msg, "Dash.Example"), HTTP_OK);
    r = request_with("GET", "/api/status", "Host: dash.example:8080\r\n", NULL);
    ck_assert_int_eq(r.status, 200);
    response_free(&r);
    r = request_with("POST", "/api/control",
                     "Host: dash.example:8080\r\nOrigin: http://dash.example:8080\r\n"
                     "Content-Type: application/json\r\n",
                     "{\"action\":\"resume\"}");
    ck_assert_msg(r.status == 202, "%d %s", r.status, r.body);
    response_free(&r);
    ck_assert_int_eq(http_allow_host(the_server, msg, sizeof msg, "[fd00::7]"), HTTP_OK);
    r = request_with("GET", "/api/status", "Host: [FD00::7]:1\r\n", NULL);
    ck_assert_int_eq(r.status, 200);
    response_free(&r);
    for (int i = 2; i < HTTP_MAX_ALLOWED_HOSTS; i++) {
        char name[32];
        snprintf(name, sizeof name, "host%d.example", i);
        ck_assert_int_eq(http_allow_host(the_server, msg, sizeof msg, name), HTTP_OK);
    }
    ck_assert_int_eq(http_allow_host(the_server, msg, sizeof msg, "one.more"),
                     HTTP_ERR_TOO_MANY_HOSTS);
    ck_assert_ptr_nonnull(strstr(msg, "at most 16 names"));
    r = request_with("GET", "/api/status", "Host: one.more\r\n", NULL);
    assert_error(&r, 403, "not a name of this server");
}
END_TEST

static const struct {
    const char *name;
    const char *text;
} bad_host_names[] = {
    {"", "expected 1 to 253 characters"},
    {"a b", "' ' at 2 is not allowed"},
    {"dash.example:8080", "':' at 13 is not allowed"},
    {"http://x", "':' at 5"},
    {"a..b", "empty label"},
    {".a", "empty label"},
    {"a.", "empty label"},
    {"[::1", "IPv6 address in brackets"},
    {"[nothost]", "is not an IPv6 address"},
    {"x/y", "'/' at 2"},
};

START_TEST(bad_host_names_are_refused)
{
    char msg[300];
    ck_assert_int_eq(http_check_host_name(msg, sizeof msg, bad_host_names[_i].name),
                     HTTP_ERR_BAD_HOST);
    ck_assert_msg(strstr(msg, bad_host_names[_i].text), "\"%s\": %s", bad_host_names[_i].name, msg);
    ck_assert_int_eq(http_allow_host(the_server, msg, sizeof msg, bad_host_names[_i].name),
                     HTTP_ERR_BAD_HOST);
    char longest[HTTP_HOST_NAME_MAX + 2];
    memset(longest, 'a', sizeof longest);
    longest[HTTP_HOST_NAME_MAX] = '\0';
    ck_assert_int_eq(http_check_host_name(msg, sizeof msg, longest), HTTP_OK);
    longest[HTTP_HOST_NAME_MAX] = 'a';
    longest[HTTP_HOST_NAME_MAX + 1] = '\0';
    ck_assert_int_eq(http_check_host_name(msg, sizeof msg, longest), HTTP_ERR_BAD_HOST);
}
END_TEST

/* ---- a hostile client: request bodies ----------------------------------- */

static const struct {
    const char *path;
    const char *body;
    int status;
    const char *text;
} strict_bodies[] = {
    {"/api/control", "{\"action\":\"pause\"} x", 400,
     "body: line 1 column 20: not valid JSON: more after the end of the document"},
    {"/api/control", "{\"action\":\"pause\"}{\"action\":\"resume\"}", 400,
     "more after the end of the document"},
    {"/api/transactions", "{\"from\":0,\"to\":1,\"amount\":1700,\"amount\":-5,\"node\":1}", 400,
     "body: amount: key given twice"},
    {"/api/control", "{\"action\":\"pause\",\"action\":\"resume\"}", 400, "key given twice"},
    {"/api/transactions", "{\"from\":0,\"to\":1,\"amount\":9007199254740993,\"node\":1}", 400,
     "amount: expected a whole number of base units (at most 2^53 - 1"},
    {"/api/transactions", "{\"from\":0,\"to\":1,\"amount\":9007199254740992,\"node\":1}", 400,
     "at most 2^53 - 1"},
    {"/api/transactions", "{\"from\":0,\"to\":1,\"amount\":1.0000000000000001,\"node\":1}", 400,
     "amount: expected an integer written as digits, got 1.0000000000000001"},
    {"/api/transactions", "{\"from\":0,\"to\":1,\"amount\":1e1,\"node\":1}", 400,
     "amount: expected an integer written as digits, got 1e1"},
    {"/api/transactions", "{\"from\":0,\"to\":1,\"amount\":5,\"node\":1.0}", 400,
     "node: expected an integer written as digits, got 1.0"},
    {"/api/transactions", "{\"from\":0.0,\"to\":1,\"amount\":5,\"node\":1}", 400,
     "from: expected an integer written as digits"},
    {"/api/control", "{\"action\":\"speed\",\"value\":1e-300}", 400,
     "speed 1e-300 is out of range: expected a number from 0.001 to 1000000"},
    {"/api/control", "{\"action\":\"speed\",\"value\":0.0009}", 400, "out of range"},
    {"/api/control", "{\"action\":\"speed\",\"value\":1000001}", 400, "out of range"},
    /* The largest exact amount is read as it is written: refused only for
     * the balance. */
    {"/api/transactions", "{\"from\":0,\"to\":1,\"amount\":9007199254740991,\"node\":1}", 422,
     "9007199254740991 is more than wallet 0's balance"},
};

START_TEST(strict_request_bodies)
{
    struct response r = post(strict_bodies[_i].path, strict_bodies[_i].body);
    assert_error(&r, strict_bodies[_i].status, strict_bodies[_i].text);
    dash_command out[1];
    ck_assert_uint_eq(dash_drain(the_dash, out, 1), 0);
}
END_TEST

START_TEST(strict_bodies_still_take_what_is_right)
{
    struct response r = post("/api/control", "{\"action\":\"speed\",\"value\":0.001}\r\n\t ");
    ck_assert_msg(r.status == 202, "%d %s", r.status, r.body);
    response_free(&r);
    r = post("/api/control", "{\"action\":\"speed\",\"value\":1e6}");
    ck_assert_msg(r.status == 202, "%d %s", r.status, r.body);
    response_free(&r);
    r = post("/api/transactions", "{\"to\":1,\"amount\":100,\"node\":1,\"from\":0}");
    ck_assert_msg(r.status == 202, "%d %s", r.status, r.body);
    response_free(&r);
    dash_command out[4];
    ck_assert_uint_eq(dash_drain(the_dash, out, 4), 3);
    ck_assert_double_eq(out[0].speed, 0.001);
    ck_assert_double_eq(out[1].speed, 1e6);
    ck_assert_uint_eq(out[2].amount, 100);
    /* Nesting beyond the reader's limit is refused before any field is read. */
    char deep[1024] = "{\"from\":";
    for (int i = 0; i < 200; i++)
        strcat(deep, "[");
    for (int i = 0; i < 200; i++)
        strcat(deep, "]");
    strcat(deep, "}");
    r = post("/api/transactions", deep);
    assert_error(&r, 400, "nested deeper than the limit of 128 levels");
}
END_TEST

static const struct {
    const char *type;
    int status;
} content_types[] = {
    {"application/json", 202},
    {"Application/JSON", 202},
    {"application/json;charset=UTF-8", 202},
    {"application/json ; charset=\"utf-8\"", 202},
    {"application/jsonp-evil", 415},
    {"application/json-seq", 415},
    {"application/json; charset=latin1", 415},
    {"application/json; foo=bar", 415},
    {"application/json, text/plain", 415},
    {"application/jsonx; charset=utf-8", 415},
    {"text/plain", 415},
};

START_TEST(content_type_is_exactly_json)
{
    struct response r =
        post_typed("/api/control", content_types[_i].type, "{\"action\":\"pause\"}");
    if (content_types[_i].status == 202) {
        ck_assert_msg(r.status == 202, "%s: %d %s", content_types[_i].type, r.status, r.body);
        response_free(&r);
    } else {
        assert_error(&r, 415, "Content-Type: expected application/json");
    }
    dash_command out[1];
    ck_assert_uint_eq(dash_drain(the_dash, out, 1), content_types[_i].status == 202);
}
END_TEST

/* ---- a hostile client: holding the server ------------------------------- */

/* Restarts the server with limits (on a new port). */
static void restart_with(const http_limits *limits)
{
    char msg[200];
    http_stop(the_server);
    http_reason r =
        http_start_limits(&the_server, msg, sizeof msg, the_dash, "127.0.0.1:0", limits);
    ck_assert_msg(r == HTTP_OK, "http_start_limits: %s", msg);
    the_port = http_port(the_server);
}

/* A connection to the server from the loopback address src ("127.0.0.2"). */
static int connect_from(const char *src)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(fd, 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET};
    ck_assert_int_eq(inet_pton(AF_INET, src, &a.sin_addr), 1);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    a.sin_port = htons(the_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* GET /api/status on fd: the status, or 0 when the server closed the
 * connection without an answer. Closes fd. */
static int status_on(int fd)
{
    const char *req = "GET /api/status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    send(fd, req, strlen(req), MSG_NOSIGNAL);
    char buf[4096];
    size_t len = 0;
    ssize_t n;
    while (len < sizeof buf - 1 && (n = recv(fd, buf + len, sizeof buf - 1 - len, 0)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    close(fd);
    int status = 0;
    if (sscanf(buf, "HTTP/1.%*d %d", &status) != 1)
        status = 0;
    return status;
}

/* Polls until GET /api/status from src is answered 200 (3 s). */
static void await_served_from(const char *src)
{
    for (int i = 0; i < 300; i++) {
        if (status_on(connect_from(src)) == 200)
            return;
        usleep(10000);
    }
    ck_abort_msg("never served from %s", src);
}

START_TEST(one_address_cannot_take_every_connection)
{
    http_limits lim = {.per_address = 3, .request_timeout_ms = 60000};
    restart_with(&lim);
    int idle[3];
    for (int i = 0; i < 3; i++)
        idle[i] = connect_from("127.0.0.1");                     /* open, saying nothing */
    ck_assert_int_eq(status_on(connect_from("127.0.0.1")), 0);   /* the fourth: closed at once */
    ck_assert_int_eq(status_on(connect_from("127.0.0.2")), 200); /* another address: served */
    ck_assert_int_eq(status_on(connect_from("127.0.0.3")), 200);
    close(idle[0]); /* the count is of open connections */
    await_served_from("127.0.0.1");
    close(idle[1]);
    close(idle[2]);
}
END_TEST

/* Opens GET /api/events on a new connection and reads its head: the status,
 * with the connection in *fd (the caller closes it). */
static int open_events(int *fd, char *buf, size_t cap, size_t *len)
{
    *fd = connect_loopback(the_port);
    const char *req = "GET /api/events HTTP/1.1\r\nHost: localhost\r\n\r\n";
    send_all(*fd, req, strlen(req));
    *len = 0;
    buf[0] = '\0';
    read_until(*fd, buf, cap, len, "\r\n\r\n");
    int status = 0;
    ck_assert_int_eq(sscanf(buf, "HTTP/1.%*d %d", &status), 1);
    return status;
}

START_TEST(event_streams_are_capped)
{
    http_limits lim = {.event_streams = 2};
    restart_with(&lim);
    static char buf[3][65536];
    size_t len[3];
    int fd[3];
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(open_events(&fd[i], buf[i], sizeof buf[i], &len[i]), 200);
        read_until(fd[i], buf[i], sizeof buf[i], &len[i], "\"version\":1");
    }
    ck_assert_int_eq(open_events(&fd[2], buf[2], sizeof buf[2], &len[2]), 503);
    read_until(fd[2], buf[2], sizeof buf[2], &len[2], "}");
    ck_assert_msg(strstr(buf[2], "2 event streams are open, the most this server keeps"), "%s",
                  buf[2]);
    close(fd[2]);
    struct response r = get("/api/status"); /* the API is still served */
    ck_assert_int_eq(r.status, 200);
    response_free(&r);
    /* A closed stream frees its place once the server writes to it. */
    close(fd[0]);
    int served = 0;
    for (int i = 0; i < 100 && !served; i++) {
        publish(the_dash);
        served = open_events(&fd[2], buf[2], sizeof buf[2], &len[2]) == 200;
        if (!served) {
            close(fd[2]);
            usleep(50000);
        }
    }
    ck_assert_msg(served, "a closed stream's place was never freed");
    close(fd[2]);
    close(fd[1]);
}
END_TEST

/* 1 when the server has closed fd (a read sees the end or a reset). */
static int closed_by_server(int fd)
{
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* Sends head (the start of a request), then one byte every 50 ms, each
 * resetting an idle timer, until the server closes the connection;
 * returns how long that took in seconds (fails after 10 s). */
static double trickle(const char *head, const char *drip)
{
    int fd = connect_loopback(the_port);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    send_all(fd, head, strlen(head));
    for (size_t i = 0;; i++) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        ck_assert_msg(secs < 10, "a trickled request held its connection for %.1f s", secs);
        if (closed_by_server(fd)) {
            close(fd);
            return secs;
        }
        send(fd, drip + i % strlen(drip), 1, MSG_NOSIGNAL | MSG_DONTWAIT);
        usleep(50000);
    }
}

START_TEST(a_trickled_request_is_cut_at_its_deadline)
{
    http_limits lim = {.request_timeout_ms = 600};
    restart_with(&lim);
    /* Headers one byte at a time: never complete. */
    double secs = trickle("GET /api/status HTTP/1.1\r\nHost: localhost\r\n", "X-Slow: 1\r\n");
    ck_assert_msg(secs >= 0.5 && secs < 3, "cut after %.2f s, want about 0.6 s", secs);
    /* A body one byte at a time. */
    secs = trickle("POST /api/control HTTP/1.1\r\nHost: localhost\r\n"
                   "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
                   " ");
    ck_assert_msg(secs >= 0.5 && secs < 3, "body cut after %.2f s, want about 0.6 s", secs);
    /* A request sent at once is answered, and a stream it opened outlives
     * the deadline: only receiving a request is timed. */
    struct response r = get("/api/status");
    ck_assert_int_eq(r.status, 200);
    response_free(&r);
    static char buf[65536];
    size_t len;
    int fd;
    ck_assert_int_eq(open_events(&fd, buf, sizeof buf, &len), 200);
    usleep(1500000);
    publish(the_dash);
    read_until(fd, buf, sizeof buf, &len, "\"version\":2");
    close(fd);
}
END_TEST

START_TEST(default_limits)
{
    ck_assert_int_eq(HTTP_DEFAULT_CONNECTIONS, 64);
    ck_assert_int_eq(HTTP_DEFAULT_PER_ADDRESS, 16);
    ck_assert_int_eq(HTTP_DEFAULT_EVENT_STREAMS, 32);
    ck_assert_int_eq(HTTP_DEFAULT_REQUEST_TIMEOUT_MS, 10000);
    ck_assert_int_eq(HTTP_DEFAULT_IDLE_TIMEOUT_S, 30);
    /* The defaults' server takes 16 connections from one address, not 17. */
    int idle[16];
    for (int i = 0; i < 16; i++)
        idle[i] = connect_from("127.0.0.1");
    ck_assert_int_eq(status_on(connect_from("127.0.0.1")), 0);
    ck_assert_int_eq(status_on(connect_from("127.0.0.2")), 200);
    for (int i = 0; i < 16; i++)
        close(idle[i]);
}
END_TEST

/* ---- starting ----------------------------------------------------------- */

static const struct {
    const char *listen;
    const char *text;
} bad_listens[] = {
    {"nope", "expected HOST:PORT"},
    {"127.0.0.1:", "expected HOST:PORT"},
    {"127.0.0.1:99999", "port must be a number"},
    {"127.0.0.1:80x", "port must be a number"},
    {"127.0.0.1:-1", "port must be a number"},
    {"1.2.3:80", "host must be"},
    {"example.org:80", "host must be"},
    {"[::1:80", "host must be"},
};

START_TEST(start_refuses_bad_addresses)
{
    dash *d;
    http_server *srv = (http_server *)1;
    char msg[200];
    ck_assert_int_eq(dash_new(&d), DASH_OK);
    ck_assert_int_eq(http_start(&srv, msg, sizeof msg, d, bad_listens[_i].listen),
                     HTTP_ERR_BAD_ADDRESS);
    ck_assert_ptr_null(srv);
    ck_assert_msg(strstr(msg, bad_listens[_i].text) && strstr(msg, bad_listens[_i].listen),
                  "%s: %s", bad_listens[_i].listen, msg);
    /* http_check_listen refuses it with the same message, listening nowhere. */
    char checked[200];
    ck_assert_int_eq(http_check_listen(checked, sizeof checked, bad_listens[_i].listen),
                     HTTP_ERR_BAD_ADDRESS);
    ck_assert_str_eq(checked, msg);
    dash_free(d);
}
END_TEST

/* What http_start takes, http_check_listen takes, without listening: a
 * port in use passes (only listening finds it). */
START_TEST(check_listen_takes_good_addresses)
{
    static const char *const good[] = {"127.0.0.1:0", "localhost:8080", ":0", "[::1]:65535",
                                       "0.0.0.0:80"};
    char msg[200], addr[64];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ck_assert_msg(http_check_listen(msg, sizeof msg, good[i]) == HTTP_OK, "%s", good[i]);
    snprintf(addr, sizeof addr, "127.0.0.1:%u", (unsigned)the_port);
    ck_assert_int_eq(http_check_listen(msg, sizeof msg, addr), HTTP_OK);
}
END_TEST

START_TEST(start_refuses_a_busy_port)
{
    char addr[64], msg[200];
    http_server *srv;
    snprintf(addr, sizeof addr, "127.0.0.1:%u", (unsigned)the_port);
    ck_assert_int_eq(http_start(&srv, msg, sizeof msg, the_dash, addr), HTTP_ERR_LISTEN);
    ck_assert_ptr_null(srv);
    ck_assert_ptr_nonnull(strstr(msg, addr));
    snprintf(addr, sizeof addr, "localhost:0");
    ck_assert_int_eq(http_start(&srv, msg, sizeof msg, the_dash, addr), HTTP_OK);
    ck_assert_uint_ne(http_port(srv), the_port);
    http_stop(srv);
    http_stop(NULL);
    ck_assert_str_eq(http_reason_message(HTTP_ERR_LISTEN), "cannot listen on the address");
    ck_assert_str_eq(http_reason_message(HTTP_REASON_COUNT), "unknown reason");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("api");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, status_nodes_wallets);
    tcase_add_test(tc, blocks_mark_each_nodes_main_chain);
    tcase_add_test(tc, blocks_bad_node);
    tcase_add_test(tc, transactions_search_by_id_or_address);
    tcase_add_test(tc, nothing_published_yet);
    tcase_add_test(tc, submit_queues_for_the_runner);
    tcase_add_loop_test(tc, submit_rejections, 0,
                        (int)(sizeof bad_submissions / sizeof bad_submissions[0]));
    tcase_add_test(tc, post_needs_json_content_type);
    tcase_add_test(tc, huge_bodies_get_413);
    tcase_add_test(tc, control_commands);
    tcase_add_test(tc, transactions_page);
    tcase_add_test(tc, feed_resource);
    tcase_add_test(tc, network_commands);
    tcase_add_loop_test(tc, network_commands_refused, 0,
                        (int)(sizeof bad_network_commands / sizeof bad_network_commands[0]));
    tcase_add_test(tc, network_commands_follow_the_state);
    tcase_add_test(tc, read_only_refuses_posts);
    tcase_add_test(tc, unknown_paths_and_methods);
    tcase_add_loop_test(tc, traversal_never_escapes_the_embedded_set, 0,
                        (int)(sizeof traversals / sizeof traversals[0]));
    tcase_add_test(tc, embedded_page_is_served);
    tcase_add_test(tc, events_follow_publishes);
    tcase_add_test(tc, stop_ends_open_streams);
    tcase_add_test(tc, check_listen_takes_good_addresses);
    tcase_add_loop_test(tc, start_refuses_bad_addresses, 0,
                        (int)(sizeof bad_listens / sizeof bad_listens[0]));
    tcase_add_test(tc, start_refuses_a_busy_port);
    tcase_add_loop_test(tc, only_requests_naming_the_server_are_answered, 0,
                        (int)(sizeof hosts / sizeof hosts[0]));
    tcase_add_test(tc, rebinding_reproducer_is_refused);
    tcase_add_test(tc, allowed_host_names);
    tcase_add_loop_test(tc, bad_host_names_are_refused, 0,
                        (int)(sizeof bad_host_names / sizeof bad_host_names[0]));
    tcase_add_loop_test(tc, strict_request_bodies, 0,
                        (int)(sizeof strict_bodies / sizeof strict_bodies[0]));
    tcase_add_test(tc, strict_bodies_still_take_what_is_right);
    tcase_add_loop_test(tc, content_type_is_exactly_json, 0,
                        (int)(sizeof content_types / sizeof content_types[0]));
    tcase_add_test(tc, one_address_cannot_take_every_connection);
    tcase_add_test(tc, event_streams_are_capped);
    tcase_add_test(tc, a_trickled_request_is_cut_at_its_deadline);
    tcase_add_test(tc, default_limits);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
