/* The dashboard's HTTP API against a real server on a loopback port: every
 * endpoint, every error path (status code and JSON error body), the embedded
 * page, traversal attempts, Server-Sent Events after a publish, and commands
 * that a POST queues and the test then drains. The client is a minimal
 * HTTP/1.1 client over a socket; every read has a timeout. */
#include "http.h"
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
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
    int n =
        snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", path);
    return roundtrip(req, (size_t)n);
}

static struct response post_typed(const char *path, const char *type, const char *body)
{
    size_t cap = strlen(body) + 512;
    char *req = malloc(cap);
    int n = snprintf(req, cap,
                     "POST %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n%s%s%s"
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
    {"{\"from\":0,", 400, "malformed JSON"},
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
    const char *head = "POST /api/transactions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                       "Content-Type: application/json\r\nContent-Length: 70000\r\n\r\n";
    struct response r = roundtrip(head, strlen(head));
    assert_error(&r, 413, "more than the 65536");
    /* Chunked, so only counting tells: read to the end, then refused. */
    size_t chunk = 8192, chunks = 9, cap = chunks * (chunk + 16) + 256, len = 0;
    char *req = malloc(cap);
    len += (size_t)snprintf(req, cap,
                            "POST /api/transactions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
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
    assert_error(&r, 400, "only \"speed\" takes a value");
    r = post("/api/control", "{\"action\":\"pause\",\"why\":1}");
    assert_error(&r, 400, "unknown field \"why\"");
    r = post("/api/control", "nope");
    assert_error(&r, 400, "malformed JSON");
    ck_assert_uint_eq(dash_drain(the_dash, out, 4), 0);
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
    const char *del = "DELETE /api/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
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
    const char *req = "GET /api/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n";
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
    const char *req = "GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n";
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
    dash_free(d);
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
    tcase_add_test(tc, read_only_refuses_posts);
    tcase_add_test(tc, unknown_paths_and_methods);
    tcase_add_loop_test(tc, traversal_never_escapes_the_embedded_set, 0,
                        (int)(sizeof traversals / sizeof traversals[0]));
    tcase_add_test(tc, embedded_page_is_served);
    tcase_add_test(tc, events_follow_publishes);
    tcase_add_test(tc, stop_ends_open_streams);
    tcase_add_loop_test(tc, start_refuses_bad_addresses, 0,
                        (int)(sizeof bad_listens / sizeof bad_listens[0]));
    tcase_add_test(tc, start_refuses_a_busy_port);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
