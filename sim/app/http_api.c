/* The dashboard's HTTP API: routes one request to its handler and answers it.
 * Every request is answered from the latest dash snapshot (a reference is held
 * while the answer is built, never a lock) or queued as a dash command; no
 * handler touches simulation state. Bad requests get a 4xx status and a JSON
 * body {"error": "..."} naming what was wrong. Static files come only from the
 * embedded table http_assets[], looked up by exact path, so no request can
 * reach the file system. The server itself (listening, connections, request
 * bodies) is http.c; this file changes when an endpoint does. */
#include "http_api.h"

#ifdef CHAINSIM_HAVE_MHD

#include "jsonread.h"
#include "units.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long an idle event stream waits before a keep-alive comment, and the
 * slice it waits in so that http_stop is noticed quickly. */
enum { SSE_KEEPALIVE_MS = 5000, SSE_SLICE_MS = 200 };
/* Most transactions returned by one search. */
enum { MAX_TX_RESULTS = 500 };
/* The largest amount a POST may name: 2^53 - 1, the last integer from which
 * every smaller one is exact in a JSON number (a double). A larger number in
 * the text may have been rounded on the way in (2^53 + 1 reads as 2^53). */
#define MAX_EXACT_AMOUNT 9007199254740991.0

/* cJSON writes a process-wide error record when a parse fails, so request
 * bodies, parsed on connection threads, are parsed one at a time. */
static pthread_mutex_t parse_mu = PTHREAD_MUTEX_INITIALIZER;

/* ---- responses ---------------------------------------------------------- */

static void check_lock(int rc)
{
    if (rc != 0) {
        fprintf(stderr, "chainsim: pthread mutex call failed: %s\n", strerror(rc));
        abort();
    }
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *type,
                                 const char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, mode);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD, POST");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Sends obj (freed here) as JSON; 500 when it cannot be rendered. */
static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, cJSON *obj)
{
    char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
    cJSON_Delete(obj);
    if (!text) {
        static const char oom[] = "{\"error\":\"out of memory\"}";
        return send_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "application/json", oom, sizeof oom - 1,
                         MHD_RESPMEM_PERSISTENT);
    }
    enum MHD_Result ret =
        send_text(c, status, "application/json", text, strlen(text), MHD_RESPMEM_MUST_COPY);
    cJSON_free(text);
    return ret;
}

enum MHD_Result http_api_send_error(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    cJSON *obj = cJSON_CreateObject();
    if (obj && !cJSON_AddStringToObject(obj, "error", text)) {
        cJSON_Delete(obj);
        obj = NULL;
    }
    return send_json(c, status, obj);
}

/* The HTTP status for a dash refusal. */
static unsigned status_of(dash_reason r)
{
    switch (r) {
    case DASH_ERR_UNKNOWN_WALLET:
    case DASH_ERR_UNKNOWN_NODE:
        return MHD_HTTP_NOT_FOUND;
    case DASH_ERR_INSUFFICIENT_FUNDS:
    case DASH_ERR_REJECTED:
        return MHD_HTTP_UNPROCESSABLE_CONTENT;
    case DASH_ERR_READ_ONLY:
        return MHD_HTTP_FORBIDDEN;
    case DASH_ERR_CONFLICT:
        return MHD_HTTP_CONFLICT;
    case DASH_ERR_NOT_READY:
    case DASH_ERR_QUEUE_FULL:
        return MHD_HTTP_SERVICE_UNAVAILABLE;
    case DASH_ERR_NO_MEMORY:
        return MHD_HTTP_INTERNAL_SERVER_ERROR;
    default:
        return MHD_HTTP_BAD_REQUEST;
    }
}

/* ---- JSON helpers ------------------------------------------------------- */

/* True when v is a number holding an integer in [min, max] (exact in a double). */
static int json_int(const cJSON *v, double min, double max, int64_t *out)
{
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble != floor(v->valuedouble))
        return 0;
    if (v->valuedouble < min || v->valuedouble > max)
        return 0;
    *out = (int64_t)v->valuedouble;
    return 1;
}

/* Integer members of a node or block, 0 when absent. */
static double num_member(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *str_member(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Refuses members of body other than the allowed ones; names the first. */
static const char *unknown_member(const cJSON *body, const char *const *allowed)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, body)
    {
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            ok |= m->string && strcmp(m->string, *a) == 0;
        if (!ok)
            return m->string ? m->string : "?";
    }
    return NULL;
}

/* ---- GET handlers ------------------------------------------------------- */

static const cJSON *list_of(const dash_snapshot *s, dash_resource r, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(dash_snapshot_get(s, r), key);
}

static enum MHD_Result get_resource(struct MHD_Connection *c, const dash_snapshot *s,
                                    dash_resource r)
{
    if (r == DASH_STATUS) {
        const char *json = dash_snapshot_status_json(s);
        return send_text(c, MHD_HTTP_OK, "application/json", json, strlen(json),
                         MHD_RESPMEM_MUST_COPY);
    }
    return send_json(c, MHD_HTTP_OK, cJSON_Duplicate(dash_snapshot_get(s, r), 1));
}

/* Parses a node id query argument: digits only, 1..2^31. */
static int parse_node_arg(const char *text, int64_t *out)
{
    size_t n = strlen(text);
    if (n == 0 || n > 10)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)text[i]))
            return 0;
    *out = strtoll(text, NULL, 10);
    return *out >= 1 && *out <= INT32_MAX;
}

static const cJSON *find_block(const cJSON *blocks, const char *id)
{
    const cJSON *b;
    cJSON_ArrayForEach(b, blocks)
    {
        const char *bid = str_member(b, "id");
        if (bid && strcmp(bid, id) == 0)
            return b;
    }
    return NULL;
}

static int seen_by(const cJSON *block, int64_t node)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(block, "seen_by");
    if (!cJSON_IsArray(list))
        return 1; /* the runner did not say: every node is taken to know it */
    const cJSON *v;
    cJSON_ArrayForEach(v, list) if (cJSON_IsNumber(v) && v->valuedouble == (double)node) return 1;
    return 0;
}

/* GET /api/blocks?node=K: the recent block tree as node K sees it, each block
 * marked "main" when it is on K's active chain (walked back from K's tip).
 * Without node: the node with the highest chain (lowest id on a tie). */
static enum MHD_Result get_blocks(struct MHD_Connection *c, const dash_snapshot *s)
{
    const cJSON *nodes = list_of(s, DASH_NODES, "nodes");
    const cJSON *blocks = list_of(s, DASH_BLOCKS, "blocks");
    const char *arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "node");
    const cJSON *node = NULL, *n;
    int64_t want = 0;
    if (arg) {
        if (!parse_node_arg(arg, &want))
            return http_api_send_error(
                c, MHD_HTTP_BAD_REQUEST,
                "node: expected a node id (a positive integer), got \"%.40s\"", arg);
        cJSON_ArrayForEach(n, nodes) if (num_member(n, "id") == (double)want) node = n;
        if (!node)
            return http_api_send_error(c, MHD_HTTP_NOT_FOUND,
                                       "node: node %lld does not exist (%d nodes)", (long long)want,
                                       cJSON_GetArraySize(nodes));
    } else {
        cJSON_ArrayForEach(n, nodes)
        {
            if (!node || num_member(n, "height") > num_member(node, "height"))
                node = n;
        }
        want = node ? (int64_t)num_member(node, "id") : 0;
    }
    const char *tip = node ? str_member(node, "tip") : NULL;
    cJSON *out = cJSON_CreateObject(), *list = cJSON_AddArrayToObject(out, "blocks");
    if (!list)
        goto oom;
    if (node && !cJSON_AddNumberToObject(out, "node", (double)want))
        goto oom;
    if (!cJSON_AddItemToObject(out, "tip", tip ? cJSON_CreateString(tip) : cJSON_CreateNull()))
        goto oom;
    /* Walk K's chain back from its tip to mark the main branch. The runner
     * publishes a bounded window of recent blocks, so this stays small. */
    size_t count = (size_t)cJSON_GetArraySize(blocks);
    const cJSON **main_chain = calloc(count + 1, sizeof *main_chain);
    if (!main_chain)
        goto oom;
    size_t main_len = 0;
    for (const cJSON *b = tip ? find_block(blocks, tip) : NULL; b && main_len < count;) {
        main_chain[main_len++] = b;
        const char *parent = str_member(b, "parent");
        b = parent ? find_block(blocks, parent) : NULL;
    }
    const cJSON *b;
    cJSON_ArrayForEach(b, blocks)
    {
        if (node && !seen_by(b, want))
            continue;
        int on_main = 0;
        for (size_t i = 0; i < main_len && !on_main; i++)
            on_main = main_chain[i] == b;
        cJSON *copy = cJSON_Duplicate(b, 1);
        if (!copy || !cJSON_AddItemToArray(list, copy) ||
            !cJSON_AddBoolToObject(copy, "main", on_main)) {
            cJSON_Delete(copy);
            free(main_chain);
            goto oom;
        }
    }
    free(main_chain);
    return send_json(c, MHD_HTTP_OK, out);
oom:
    cJSON_Delete(out);
    return send_json(c, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL);
}

/* Case-insensitive prefix match. */
static int has_prefix(const char *text, const char *prefix)
{
    if (!text)
        return 0;
    size_t n = strlen(prefix);
    return strlen(text) >= n && strncasecmp(text, prefix, n) == 0;
}

/* Parses a non-negative integer query argument of at most 9 digits. */
static int parse_count_arg(const char *text, int64_t *out)
{
    size_t n = strlen(text);
    if (n == 0 || n > 9)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)text[i]))
            return 0;
    *out = strtoll(text, NULL, 10);
    return 1;
}

static int tx_matches(const cJSON *t, const char *q)
{
    return !*q || has_prefix(str_member(t, "id"), q) || has_prefix(str_member(t, "from"), q) ||
           has_prefix(str_member(t, "to"), q);
}

/* GET /api/transactions?q=ID_OR_ADDRESS&offset=N&limit=M: transactions whose
 * id, sender or recipient starts with q (case-insensitive), oldest first:
 * the page of at most M (default and most MAX_TX_RESULTS) that ends N
 * matches before the newest (default 0: the most recent ones). */
static enum MHD_Result get_transactions(struct MHD_Connection *c, const dash_snapshot *s)
{
    const cJSON *txs = list_of(s, DASH_TRANSACTIONS, "transactions");
    const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q");
    const char *off_arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "offset");
    const char *lim_arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
    int64_t offset = 0, limit = MAX_TX_RESULTS;
    if (!q)
        q = "";
    if (strlen(q) > 128)
        return http_api_send_error(c, MHD_HTTP_BAD_REQUEST,
                                   "q: a search is at most 128 characters (an id or an address)");
    if (off_arg && !parse_count_arg(off_arg, &offset))
        return http_api_send_error(
            c, MHD_HTTP_BAD_REQUEST,
            "offset: expected how many of the newest matches to skip (an integer >= 0), got "
            "\"%.40s\"",
            off_arg);
    if (lim_arg && (!parse_count_arg(lim_arg, &limit) || limit < 1 || limit > MAX_TX_RESULTS))
        return http_api_send_error(c, MHD_HTTP_BAD_REQUEST,
                                   "limit: expected an integer from 1 to %d, got \"%.40s\"",
                                   MAX_TX_RESULTS, lim_arg);
    cJSON *out = cJSON_CreateObject(), *list = cJSON_CreateArray();
    size_t matches = 0;
    const cJSON *t;
    cJSON_ArrayForEach(t, txs) matches += (size_t)tx_matches(t, q);
    /* The page is matches [first, end) in oldest-first order. */
    size_t end = (size_t)offset < matches ? matches - (size_t)offset : 0;
    size_t first = end > (size_t)limit ? end - (size_t)limit : 0;
    if (!out || !list || !cJSON_AddStringToObject(out, "query", q) ||
        !cJSON_AddNumberToObject(out, "total", (double)matches) ||
        !cJSON_AddNumberToObject(out, "offset", (double)offset) ||
        !cJSON_AddNumberToObject(out, "limit", (double)limit))
        goto oom;
    size_t index = 0;
    cJSON_ArrayForEach(t, txs)
    {
        if (!tx_matches(t, q))
            continue;
        size_t at = index++;
        if (at < first || at >= end)
            continue;
        cJSON *copy = cJSON_Duplicate(t, 1);
        if (!copy || !cJSON_AddItemToArray(list, copy)) {
            cJSON_Delete(copy);
            goto oom;
        }
    }
    if (!cJSON_AddItemToObject(out, "transactions", list))
        goto oom;
    return send_json(c, MHD_HTTP_OK, out);
oom:
    cJSON_Delete(list);
    cJSON_Delete(out);
    return send_json(c, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL);
}

/* ---- Server-Sent Events ------------------------------------------------- */

struct sse {
    http_api_ctx *srv;
    uint64_t seen;
    char *pending;
    size_t pending_len, pending_off;
};

static int sse_set_pending(struct sse *e, char *text)
{
    free(e->pending);
    e->pending = text;
    e->pending_len = text ? strlen(text) : 0;
    e->pending_off = 0;
    return text != NULL;
}

/* Formats the latest snapshot as one "status" event. */
static char *sse_event(struct sse *e)
{
    dash_snapshot *s = dash_acquire(e->srv->dash);
    if (!s)
        return NULL;
    const char *json = dash_snapshot_status_json(s);
    size_t len = strlen(json) + 64;
    char *text = malloc(len);
    if (text)
        snprintf(text, len, "id: %llu\nevent: status\ndata: %s\n\n",
                 (unsigned long long)dash_snapshot_version(s), json);
    e->seen = dash_snapshot_version(s);
    dash_snapshot_release(s);
    return text;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    struct sse *e = cls;
    int idle_ms = 0;
    for (;;) {
        if (e->pending_off < e->pending_len) {
            size_t n = e->pending_len - e->pending_off;
            if (n > max)
                n = max;
            memcpy(buf, e->pending + e->pending_off, n);
            e->pending_off += n;
            return (ssize_t)n;
        }
        if (atomic_load(&e->srv->stopping))
            return MHD_CONTENT_READER_END_OF_STREAM;
        uint64_t v = dash_wait(e->srv->dash, e->seen, SSE_SLICE_MS);
        if (v > e->seen) {
            if (!sse_set_pending(e, sse_event(e)))
                return MHD_CONTENT_READER_END_WITH_ERROR;
            continue;
        }
        idle_ms += SSE_SLICE_MS;
        if (idle_ms >= SSE_KEEPALIVE_MS) {
            /* A comment line: keeps proxies from timing out and reveals closed clients. */
            if (!sse_set_pending(e, strdup(": keep-alive\n\n")))
                return MHD_CONTENT_READER_END_WITH_ERROR;
            idle_ms = 0;
        }
    }
}

static void sse_free(void *cls)
{
    struct sse *e = cls;
    atomic_fetch_sub(&e->srv->event_streams, 1u);
    free(e->pending);
    free(e);
}

/* Counts one more open event stream, or returns 0 when the cap is reached. */
static int sse_take_slot(http_api_ctx *srv)
{
    unsigned open = atomic_load(&srv->event_streams);
    do {
        if (open >= srv->max_event_streams)
            return 0;
    } while (!atomic_compare_exchange_weak(&srv->event_streams, &open, open + 1));
    return 1;
}

static enum MHD_Result get_events(struct MHD_Connection *c, http_api_ctx *srv)
{
    if (!sse_take_slot(srv))
        return http_api_send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE,
                                   "events: %u event streams are open, the most this server "
                                   "keeps; try again later",
                                   srv->max_event_streams);
    struct sse *e = calloc(1, sizeof *e);
    if (!e || !sse_set_pending(e, strdup("retry: 2000\n\n"))) {
        free(e);
        atomic_fetch_sub(&srv->event_streams, 1u);
        return send_json(c, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL);
    }
    e->srv = srv;
    dash_note_viewer(srv->dash);
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, sse_read, e, sse_free);
    if (!r) {
        sse_free(e);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- POST handlers ------------------------------------------------------ */

/* Parses body as one JSON object (core/jsonread: nothing after it, no key
 * twice, bounded nesting, no NUL) or answers 400 and returns NULL. */
static cJSON *parse_body(struct MHD_Connection *c, const http_api_request *req,
                         enum MHD_Result *ret)
{
    if (req->len == 0) {
        *ret = http_api_send_error(c, MHD_HTTP_BAD_REQUEST,
                                   "body: expected a JSON object, got an empty body");
        return NULL;
    }
    char err[300];
    cJSON *body = NULL;
    check_lock(pthread_mutex_lock(&parse_mu));
    jsonread_status st = jsonread_parse(&body, err, sizeof err, req->body, req->len, "body");
    check_lock(pthread_mutex_unlock(&parse_mu));
    if (st != JSONREAD_OK) {
        *ret = http_api_send_error(c, MHD_HTTP_BAD_REQUEST, "%s", err);
        return NULL;
    }
    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        *ret = http_api_send_error(c, MHD_HTTP_BAD_REQUEST, "body: expected a JSON object");
        return NULL;
    }
    return body;
}

/* The first number in text (a JSON object whose values are all scalars)
 * written with a fraction or an exponent, with the key it belongs to; NULL
 * when every number is plain digits. Such a number may not be the integer it
 * reads as ("1.0000000000000001" is read as 1), so integers must be digits. */
static const char *non_integer_literal(const char *text, size_t len, char *key, size_t key_len,
                                       size_t *literal_len)
{
    key[0] = '\0';
    for (size_t i = 0; i < len;) {
        if (text[i] == '"') { /* a string: remember it, it may be the next number's key */
            size_t start = ++i;
            while (i < len && text[i] != '"')
                i += text[i] == '\\' ? 2 : 1;
            snprintf(key, key_len, "%.*s", (int)((i < len ? i : len) - start), text + start);
            i++;
        } else if (text[i] == '-' || isdigit((unsigned char)text[i])) {
            size_t start = i;
            int plain = 1;
            while (i < len && strchr("+-0123456789.eE", text[i])) {
                plain &= text[i] != '.' && text[i] != 'e' && text[i] != 'E';
                i++;
            }
            if (!plain) {
                *literal_len = i - start;
                return text + start;
            }
        } else {
            i++;
        }
    }
    return NULL;
}

static int is_hex_key(const char *s)
{
    if (strlen(s) != 64)
        return 0;
    for (int i = 0; i < 64; i++)
        if (!isxdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static enum MHD_Result submit(struct MHD_Connection *c, http_api_ctx *srv, const dash_command *cmd)
{
    uint64_t id;
    char msg[300] = "";
    dash_reason r = dash_submit(srv->dash, &id, msg, sizeof msg, cmd);
    if (r != DASH_OK)
        return http_api_send_error(c, status_of(r), "%s", msg);
    cJSON *out = cJSON_CreateObject();
    if (out && (!cJSON_AddNumberToObject(out, "request", (double)id) ||
                !cJSON_AddStringToObject(out, "status", "queued"))) {
        cJSON_Delete(out);
        out = NULL;
    }
    return send_json(c, MHD_HTTP_ACCEPTED, out);
}

/* POST /api/transactions {"from": wallet, "to": wallet or hex key, "amount": n, "node": id} */
static enum MHD_Result post_transaction(struct MHD_Connection *c, http_api_ctx *srv,
                                        const http_api_request *req)
{
    static const char *const allowed[] = {"from", "to", "amount", "node", NULL};
    static const char *const required[] = {"from", "to", "amount", "node"};
    enum MHD_Result ret;
    cJSON *body = parse_body(c, req, &ret);
    if (!body)
        return ret;
    dash_command cmd;
    memset(&cmd, 0, sizeof cmd);
    cmd.kind = DASH_CMD_SUBMIT_TX;
    cmd.to_wallet = -1;
    const char *bad = unknown_member(body, allowed);
    if (bad) {
        ret = http_api_send_error(c, MHD_HTTP_BAD_REQUEST,
                                  "body: unknown field \"%.60s\" (expected from, to, amount, node)",
                                  bad);
        goto out;
    }
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!cJSON_GetObjectItemCaseSensitive(body, required[i])) {
            ret = http_api_send_error(c, MHD_HTTP_BAD_REQUEST, "body: missing field \"%s\"",
                                      required[i]);
            goto out;
        }
    const cJSON *from = cJSON_GetObjectItemCaseSensitive(body, "from");
    const cJSON *to = cJSON_GetObjectItemCaseSensitive(body, "to");
    const cJSON *amount = cJSON_GetObjectItemCaseSensitive(body, "amount");
    const cJSON *node = cJSON_GetObjectItemCaseSensitive(body, "node");
    int64_t v;
    if (!json_int(from, 0, INT32_MAX, &cmd.from_wallet)) {
        ret = http_api_send_error(c, MHD_HTTP_BAD_REQUEST,
                                  "from: expected a wallet index (an integer >= 0)");
        goto out;
    }
    if (cJSON_IsString(to) && is_hex_key(to->valuestring)) {
        for (int i = 0; i < 64; i++)
            cmd.to_address[i] = (char)tolower((unsigned char)to->valuestring[i]);
    } else if (!json_int(to, 0, INT32_MAX, &cmd.to_wallet)) {
        ret = http_api_send_error(c, MHD_HTTP_BAD_REQUEST,
                                  "to: expected a wallet index (an integer >= 0) or a public key "
                                  "(64 hex digits)");
        goto out;
    }
    if (!cJSON_IsNumber(amount) || !json_int(amount, -MAX_EXACT_AMOUNT, MAX_EXACT_AMOUNT, &v)) {
        ret = http_api_send_error(c, MHD_HTTP_BAD_REQUEST,
                                  "amount: expected a whole number of base units (at most "
                                  "2^53 - 1 = 9007199254740991)");
        goto out;
    }
    if (v <= 0) {
        ret = http_api_send_error(c, MHD_HTTP_BAD_REQUEST, "amount: must be positive, got %lld",
                                  (long long)v);
        goto out;
    }
    cmd.amount = (uint64_t)v;
    if (!json_int(node, 1, INT32_MAX, &cmd.node)) {
        ret = http_api_send_error(c, MHD_HTTP_BAD_REQUEST,
                                  "node: expected a node id (an integer >= 1)");
        goto out;
    }
    char key[64];
    size_t lit_len = 0;
    const char *lit = non_integer_literal(req->body, req->len, key, sizeof key, &lit_len);
    if (lit) {
        ret = http_api_send_error(c, MHD_HTTP_BAD_REQUEST,
                                  "%s: expected an integer written as digits, got %.*s", key,
                                  (int)(lit_len < 40 ? lit_len : 40), lit);
        goto out;
    }
    ret = submit(c, srv, &cmd);
out:
    cJSON_Delete(body);
    return ret;
}

/* The actions of POST /api/control: each with the members it takes (all
 * required but "action"). */
struct control_action {
    const char *name;
    dash_command_kind kind;
    const char *members[3]; /* besides "action"; NULL-terminated */
    const char *expected;   /* for the unknown-member message */
};

static const struct control_action control_actions[] = {
    {"pause", DASH_CMD_PAUSE, {NULL}, "action"},
    {"resume", DASH_CMD_RESUME, {NULL}, "action"},
    {"speed", DASH_CMD_SPEED, {"value", NULL}, "action, value"},
    {"partition", DASH_CMD_PARTITION, {"nodes", NULL}, "action, nodes"},
    {"heal", DASH_CMD_HEAL, {NULL}, "action"},
    {"crash", DASH_CMD_CRASH, {"node", NULL}, "action, node"},
    {"restart", DASH_CMD_RESTART, {"node", NULL}, "action, node"},
    {"latency", DASH_CMD_LATENCY, {"link", "latency", NULL}, "action, link, latency"},
};

#define CONTROL_ACTIONS                                                                            \
    "\"pause\", \"resume\", \"speed\", \"partition\", \"heal\", \"crash\", \"restart\" or "        \
    "\"latency\""

/* Reads the members of a control action into cmd. Returns NULL, or the
 * message of the first bad member (static or in buf). */
static const char *control_members(dash_command *cmd, char *buf, size_t buf_len, const cJSON *body)
{
    const cJSON *v;
    int64_t id;
    switch (cmd->kind) {
    case DASH_CMD_SPEED:
        v = cJSON_GetObjectItemCaseSensitive(body, "value");
        if (!cJSON_IsNumber(v))
            return "value: expected a number (the speed factor)";
        cmd->speed = v->valuedouble;
        return NULL;
    case DASH_CMD_PARTITION: {
        v = cJSON_GetObjectItemCaseSensitive(body, "nodes");
        int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : -1;
        if (n < 1 || n > DASH_MAX_SELECTED) {
            snprintf(buf, buf_len,
                     "nodes: expected an array of 1 to %d node ids (the selected side of the "
                     "partition)",
                     DASH_MAX_SELECTED);
            return buf;
        }
        const cJSON *it;
        cJSON_ArrayForEach(it, v)
        {
            if (!json_int(it, 1, INT32_MAX, &id)) {
                snprintf(buf, buf_len, "nodes[%u]: expected a node id (an integer >= 1)",
                         cmd->n_selected);
                return buf;
            }
            cmd->selected[cmd->n_selected++] = (uint32_t)id;
        }
        return NULL;
    }
    case DASH_CMD_CRASH:
    case DASH_CMD_RESTART:
        if (!json_int(cJSON_GetObjectItemCaseSensitive(body, "node"), 1, INT32_MAX, &cmd->node))
            return "node: expected a node id (an integer >= 1)";
        return NULL;
    case DASH_CMD_LATENCY: {
        v = cJSON_GetObjectItemCaseSensitive(body, "link");
        if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) != 2)
            return "link: expected a pair [a, b] of node ids";
        const cJSON *it;
        cJSON_ArrayForEach(it, v)
        {
            if (!json_int(it, 1, INT32_MAX, &id))
                return "link: expected a pair [a, b] of node ids (integers >= 1)";
            cmd->selected[cmd->n_selected++] = (uint32_t)id;
        }
        v = cJSON_GetObjectItemCaseSensitive(body, "latency");
        if (cJSON_IsString(v) && strcmp(v->valuestring, "default") == 0) {
            cmd->latency_ns = 0;
            return NULL;
        }
        if (!cJSON_IsString(v) ||
            units_parse_duration_ns(&cmd->latency_ns, v->valuestring) != UNITS_OK ||
            cmd->latency_ns <= 0) {
            snprintf(buf, buf_len,
                     "latency: expected a positive duration such as \"250ms\", or \"default\" "
                     "for the scenario's latency");
            return buf;
        }
        return NULL;
    }
    default:
        return NULL;
    }
}

/* POST /api/control {"action": ACTION, ...}: pacing (pause, resume, speed
 * with "value") or a network command that enters the run like a scripted
 * event (partition with "nodes", heal, crash and restart with "node",
 * latency with "link" and "latency"). */
static enum MHD_Result post_control(struct MHD_Connection *c, http_api_ctx *srv,
                                    const http_api_request *req)
{
    enum MHD_Result ret;
    cJSON *body = parse_body(c, req, &ret);
    if (!body)
        return ret;
    dash_command cmd;
    memset(&cmd, 0, sizeof cmd);
    const cJSON *action = cJSON_GetObjectItemCaseSensitive(body, "action");
    const struct control_action *a = NULL;
    size_t n_actions = sizeof control_actions / sizeof control_actions[0];
    for (size_t i = 0; cJSON_IsString(action) && i < n_actions; i++)
        if (strcmp(action->valuestring, control_actions[i].name) == 0)
            a = &control_actions[i];
    char buf[200];
    const char *bad;
    if (!action) {
        ret = http_api_send_error(c, MHD_HTTP_BAD_REQUEST, "body: missing field \"action\"");
    } else if (!cJSON_IsString(action)) {
        ret = http_api_send_error(c, MHD_HTTP_BAD_REQUEST, "action: expected " CONTROL_ACTIONS);
    } else if (!a) {
        ret = http_api_send_error(c, MHD_HTTP_BAD_REQUEST,
                                  "action: expected " CONTROL_ACTIONS ", got \"%.40s\"",
                                  action->valuestring);
    } else {
        const char *allowed[5] = {"action", NULL};
        size_t n = 1;
        for (size_t i = 0; a->members[i]; i++)
            allowed[n++] = a->members[i];
        allowed[n] = NULL;
        cmd.kind = a->kind;
        const char *missing = NULL;
        for (size_t i = 0; a->members[i] && !missing; i++)
            if (!cJSON_GetObjectItemCaseSensitive(body, a->members[i]))
                missing = a->members[i];
        size_t lit_len = 0;
        char key[64];
        const char *lit = NULL;
        if ((bad = unknown_member(body, allowed)) != NULL)
            ret = http_api_send_error(c, MHD_HTTP_BAD_REQUEST,
                                      "body: unknown field \"%.60s\" for %s (expected %s)", bad,
                                      a->name, a->expected);
        else if (missing)
            ret = http_api_send_error(c, MHD_HTTP_BAD_REQUEST, "body: missing field \"%s\" for %s",
                                      missing, a->name);
        else if ((bad = control_members(&cmd, buf, sizeof buf, body)) != NULL)
            ret = http_api_send_error(c, MHD_HTTP_BAD_REQUEST, "%s", bad);
        else if (cmd.kind != DASH_CMD_SPEED &&
                 (lit = non_integer_literal(req->body, req->len, key, sizeof key, &lit_len)))
            ret = http_api_send_error(c, MHD_HTTP_BAD_REQUEST,
                                      "%s: expected an integer written as digits, got %.*s", key,
                                      (int)(lit_len < 40 ? lit_len : 40), lit);
        else
            ret = submit(c, srv, &cmd);
    }
    cJSON_Delete(body);
    return ret;
}

/* ---- routing ------------------------------------------------------------ */

enum route_kind {
    ROUTE_RESOURCE, /* GET a snapshot resource as published */
    ROUTE_BLOCKS,
    ROUTE_TX_SEARCH,
    ROUTE_TX_SUBMIT,
    ROUTE_CONTROL,
    ROUTE_EVENTS
};

struct route {
    const char *path;
    int post; /* 1: POST, 0: GET (and HEAD) */
    enum route_kind kind;
    dash_resource resource;
};

static const struct route routes[] = {
    {"/api/status", 0, ROUTE_RESOURCE, DASH_STATUS},
    {"/api/nodes", 0, ROUTE_RESOURCE, DASH_NODES},
    {"/api/wallets", 0, ROUTE_RESOURCE, DASH_WALLETS},
    {"/api/feed", 0, ROUTE_RESOURCE, DASH_FEED},
    {"/api/blocks", 0, ROUTE_BLOCKS, DASH_BLOCKS},
    {"/api/transactions", 0, ROUTE_TX_SEARCH, DASH_TRANSACTIONS},
    {"/api/transactions", 1, ROUTE_TX_SUBMIT, DASH_TRANSACTIONS},
    {"/api/control", 1, ROUTE_CONTROL, DASH_STATUS},
    {"/api/events", 0, ROUTE_EVENTS, DASH_STATUS},
};

static enum MHD_Result serve_static(struct MHD_Connection *c, const char *url)
{
    if (strcmp(url, "/") == 0)
        url = "/index.html";
    for (size_t i = 0; i < http_asset_count; i++)
        if (strcmp(http_assets[i].path, url) == 0) {
            struct MHD_Response *r = MHD_create_response_from_buffer(
                http_assets[i].size, (void *)(uintptr_t)http_assets[i].data,
                MHD_RESPMEM_PERSISTENT);
            if (!r)
                return MHD_NO;
            MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, http_assets[i].content_type);
            MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
            MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
            MHD_add_response_header(r, "Content-Security-Policy",
                                    "default-src 'self'; style-src 'self' 'unsafe-inline'");
            enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, r);
            MHD_destroy_response(r);
            return ret;
        }
    return http_api_send_error(c, MHD_HTTP_NOT_FOUND, "no such page: %.80s", url);
}

enum MHD_Result http_api_dispatch(struct MHD_Connection *c, http_api_ctx *srv, const char *url,
                                  int is_post, const http_api_request *req)
{
    const struct route *found = NULL, *other = NULL;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(routes[i].path, url) == 0) {
            if (routes[i].post == is_post)
                found = &routes[i];
            else
                other = &routes[i];
        }
    if (!found && other)
        return http_api_send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED,
                                   "%s: method not allowed (use %s)", url,
                                   other->post ? "POST" : "GET");
    if (!found) {
        if (strncmp(url, "/api/", 5) == 0)
            return http_api_send_error(c, MHD_HTTP_NOT_FOUND, "no such API endpoint: %.80s", url);
        if (is_post)
            return http_api_send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "%.80s: method not allowed",
                                       url);
        return serve_static(c, url);
    }
    if (found->kind == ROUTE_EVENTS)
        return get_events(c, srv);
    if (found->kind == ROUTE_TX_SUBMIT)
        return post_transaction(c, srv, req);
    if (found->kind == ROUTE_CONTROL)
        return post_control(c, srv, req);
    dash_snapshot *s = dash_acquire(srv->dash);
    if (!s)
        return http_api_send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "%s",
                                   dash_reason_message(DASH_ERR_NOT_READY));
    enum MHD_Result ret;
    if (found->kind == ROUTE_BLOCKS)
        ret = get_blocks(c, s);
    else if (found->kind == ROUTE_TX_SEARCH)
        ret = get_transactions(c, s);
    else
        ret = get_resource(c, s, found->resource);
    dash_snapshot_release(s);
    return ret;
}

int http_api_is_post_route(const char *url)
{
    int known = 0;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        known |= routes[i].post && strcmp(routes[i].path, url) == 0;
    return known;
}

#endif
