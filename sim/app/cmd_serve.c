/* `chainsim serve RUN_DIR`: the dashboard for a finished run, read-only. It
 * reads every nodeK_chain.json (and summary.json when present) once, builds
 * one dash snapshot from them and serves it until SIGINT or SIGTERM; every
 * POST is refused as read-only. The chain file format belongs to the ledger
 * (core/chainfile); read_chain_file is the one place that knows its shape and
 * reads it generically, so it is the one function to adapt. Files are read
 * through fileout_read and the strict JSON reader, as every input is. */
#include "chainfile.h"
#include "timeunit.h"
#include "cli.h"
#include "dash.h"
#include "fileout.h"
#include "http.h"
#include "jsonread.h"
#include "summary.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    MAX_NODES = 100000,
    RECENT_HEIGHTS = 100,   /* blocks this far below the best tip are left out */
    MAX_TRANSACTIONS = 2000 /* the most recent ones of the best chain */
};

/* One node's chain as read from its file. */
struct chain {
    cJSON *doc;
    const cJSON *blocks; /* array inside doc */
    int64_t height;
    const char *tip;
};

static int bad(char *msg, size_t msg_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(char *msg, size_t msg_len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, msg_len, fmt, ap);
    va_end(ap);
    return -1;
}

/* Reads a whole JSON file through fileout_read and the strict JSON reader;
 * returns NULL with msg set (a missing file: *missing = 1). */
static cJSON *read_json(char *msg, size_t msg_len, int *missing, const char *path, size_t max_bytes)
{
    char *text = NULL;
    size_t len = 0;
    cJSON *doc = NULL;
    fileout_status st = fileout_read(&text, &len, msg, msg_len, path, max_bytes);
    *missing = st == FILEOUT_E_MISSING;
    if (st == FILEOUT_OK && jsonread_parse(&doc, msg, msg_len, text, len, path) != JSONREAD_OK)
        doc = NULL;
    free(text);
    return doc;
}

static const cJSON *member(const cJSON *obj, const char *const *names)
{
    for (; *names; names++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, *names);
        if (v && !cJSON_IsNull(v))
            return v;
    }
    return NULL;
}

static const char *const id_names[] = {"id", "hash", NULL};
static const char *const parent_names[] = {"parent",        "prev",       "prev_hash", "previous",
                                           "previous_hash", "prev_block", NULL};
static const char *const producer_names[] = {"producer", "miner", "node", "leader", NULL};
static const char *const txid_names[] = {"id", "txid", NULL};

/* The block's parent id, from the block or its header (NULL for genesis). */
static const char *block_parent(const cJSON *b)
{
    const cJSON *p = member(b, parent_names);
    if (!p)
        p = member(cJSON_GetObjectItemCaseSensitive(b, "header"), parent_names);
    return cJSON_IsString(p) ? p->valuestring : NULL;
}

/* Checks one block of a chain file: an object with a string id (or hash)
 * and, when present, an integer height and an array of transactions. */
static jsonread_status check_block(jsonread *jr, int64_t *height, const cJSON *b)
{
    const cJSON *txs = NULL;
    size_t n = 0;
    if (!cJSON_IsObject(b) || !cJSON_IsString(member(b, id_names)))
        return jsonread_fail(jr, JSONREAD_E_TYPE, b, "id", "expected a string (the block id)");
    if (jsonread_i64(jr, height, b, "height", 0, INT64_MAX, JSONREAD_OPTIONAL) ||
        jsonread_array(jr, &txs, &n, b, "transactions", JSONREAD_OPTIONAL))
        return jr->status;
    return JSONREAD_OK;
}

/* Reads one node's chain file: an object whose "blocks" is an array of blocks
 * in height order, each with a string "id" and, when present, "height", a
 * parent id (on the block or in "header"), a producer, a time and
 * "transactions". Returns 0, or -1 with msg naming the file and JSON path. */
static int read_chain_file(char *msg, size_t msg_len, int *missing, struct chain *out,
                           const char *path)
{
    memset(out, 0, sizeof *out);
    out->height = -1;
    cJSON *doc = read_json(msg, msg_len, missing, path, CHAINFILE_MAX_BYTES);
    if (!doc)
        return -1;
    jsonread jr;
    const cJSON *blocks = NULL, *b;
    size_t n = 0;
    int64_t i = 0;
    jsonread_init(&jr, msg, msg_len, doc, path);
    if (jsonread_array(&jr, &blocks, &n, doc, "blocks", JSONREAD_REQUIRED) != JSONREAD_OK) {
        cJSON_Delete(doc);
        return -1;
    }
    cJSON_ArrayForEach(b, blocks)
    {
        int64_t h = i++;
        if (check_block(&jr, &h, b) != JSONREAD_OK) {
            cJSON_Delete(doc);
            return -1;
        }
        out->height = h;
        out->tip = member(b, id_names)->valuestring;
    }
    out->doc = doc;
    out->blocks = blocks;
    return 0;
}

static int64_t block_height(const cJSON *b, int index)
{
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(b, "height");
    return cJSON_IsNumber(h) ? (int64_t)h->valuedouble : index;
}

static double block_time_ns(const cJSON *b)
{
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(b, "time_ns");
    if (cJSON_IsNumber(t))
        return t->valuedouble;
    t = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(b, "header"), "time");
    return cJSON_IsNumber(t) ? t->valuedouble * (double)TIMEUNIT_NS_PER_S : 0;
}

/* The dashboard's view of one block. */
static cJSON *block_view(const cJSON *b, int index)
{
    cJSON *v = cJSON_CreateObject();
    const char *parent = block_parent(b);
    const cJSON *producer = member(b, producer_names);
    const cJSON *txs = cJSON_GetObjectItemCaseSensitive(b, "transactions");
    cJSON_AddStringToObject(v, "id", member(b, id_names)->valuestring);
    cJSON_AddItemToObject(v, "parent", parent ? cJSON_CreateString(parent) : cJSON_CreateNull());
    cJSON_AddNumberToObject(v, "height", (double)block_height(b, index));
    cJSON_AddItemToObject(v, "producer",
                          producer ? cJSON_Duplicate(producer, 1) : cJSON_CreateNull());
    cJSON_AddNumberToObject(v, "time_ns", block_time_ns(b));
    cJSON_AddNumberToObject(v, "txs", (double)cJSON_GetArraySize(txs));
    return v;
}

static int has_block(const cJSON *list, const char *id)
{
    const cJSON *b;
    cJSON_ArrayForEach(b, list)
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(b, "id");
        if (strcmp(v->valuestring, id) == 0)
            return 1;
    }
    return 0;
}

/* Amount of a transaction: "amount", else the sum of its outputs' values. */
static double tx_amount(const cJSON *jtx)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(jtx, "amount");
    if (cJSON_IsNumber(a))
        return a->valuedouble;
    double sum = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(jtx, "outputs"))
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "value");
        if (!v)
            v = cJSON_GetObjectItemCaseSensitive(o, "amount");
        if (cJSON_IsNumber(v))
            sum += v->valuedouble;
    }
    return sum;
}

static void add_string_or_null(cJSON *obj, const char *key, const cJSON *v)
{
    cJSON_AddItemToObject(
        obj, key, cJSON_IsString(v) ? cJSON_CreateString(v->valuestring) : cJSON_CreateNull());
}

/* The transactions of the best chain, confirmed, newest last. */
static cJSON *transactions_view(const struct chain *best)
{
    cJSON *list = cJSON_CreateArray();
    int index = 0, total = 0;
    const cJSON *b, *jtx;
    cJSON_ArrayForEach(b, best->blocks) total +=
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(b, "transactions"));
    int skip = total > MAX_TRANSACTIONS ? total - MAX_TRANSACTIONS : 0;
    cJSON_ArrayForEach(b, best->blocks)
    {
        int64_t h = block_height(b, index++);
        cJSON_ArrayForEach(jtx, cJSON_GetObjectItemCaseSensitive(b, "transactions"))
        {
            if (skip > 0) {
                skip--;
                continue;
            }
            cJSON *v = cJSON_CreateObject();
            add_string_or_null(v, "id", member(jtx, txid_names));
            add_string_or_null(v, "from", cJSON_GetObjectItemCaseSensitive(jtx, "from"));
            add_string_or_null(v, "to", cJSON_GetObjectItemCaseSensitive(jtx, "to"));
            cJSON_AddNumberToObject(v, "amount", tx_amount(jtx));
            cJSON_AddStringToObject(v, "status", "confirmed");
            cJSON_AddStringToObject(v, "block", member(b, id_names)->valuestring);
            cJSON_AddNumberToObject(v, "confirmations", (double)(best->height - h + 1));
            cJSON_AddItemToArray(list, v);
        }
    }
    return list;
}

/* Builds the snapshot of a finished run from its chains and summary. */
static cJSON *build_snapshot(const struct chain *chains, size_t n, const cJSON *summary,
                             const char *dir)
{
    size_t best = 0;
    for (size_t k = 1; k < n; k++)
        if (chains[k].height > chains[best].height)
            best = k;
    cJSON *doc = cJSON_CreateObject();
    cJSON *status = cJSON_AddObjectToObject(doc, "status");
    cJSON *nodes_obj = cJSON_AddObjectToObject(doc, "nodes");
    cJSON *nodes = cJSON_AddArrayToObject(nodes_obj, "nodes");
    cJSON *blocks = cJSON_AddArrayToObject(cJSON_AddObjectToObject(doc, "blocks"), "blocks");
    cJSON *wallets_obj = cJSON_AddObjectToObject(doc, "wallets");
    cJSON *txs_obj = cJSON_AddObjectToObject(doc, "transactions");
    double time_ns = 0;
    for (size_t k = 0; k < n; k++) {
        cJSON *v = cJSON_CreateObject();
        cJSON_AddNumberToObject(v, "id", (double)(k + 1));
        cJSON_AddNumberToObject(v, "height", (double)chains[k].height);
        cJSON_AddItemToObject(
            v, "tip", chains[k].tip ? cJSON_CreateString(chains[k].tip) : cJSON_CreateNull());
        cJSON_AddNumberToObject(v, "mempool", 0);
        cJSON_AddBoolToObject(v, "crashed", 0);
        cJSON_AddItemToArray(nodes, v);
        int index = 0;
        const cJSON *b;
        cJSON_ArrayForEach(b, chains[k].blocks)
        {
            int64_t h = block_height(b, index);
            double t = block_time_ns(b);
            time_ns = t > time_ns ? t : time_ns;
            if (h >= chains[best].height - RECENT_HEIGHTS &&
                !has_block(blocks, member(b, id_names)->valuestring))
                cJSON_AddItemToArray(blocks, block_view(b, index));
            index++;
        }
    }
    const cJSON *links = cJSON_GetObjectItemCaseSensitive(summary, "links");
    cJSON_AddItemToObject(nodes_obj, "links",
                          cJSON_IsArray(links) ? cJSON_Duplicate(links, 1) : cJSON_CreateArray());
    cJSON_AddItemToObject(nodes_obj, "partitions", cJSON_CreateArray());
    const cJSON *wallets = cJSON_GetObjectItemCaseSensitive(summary, "wallets");
    cJSON_AddItemToObject(wallets_obj, "wallets",
                          cJSON_IsArray(wallets) ? cJSON_Duplicate(wallets, 1)
                                                 : cJSON_CreateArray());
    cJSON_AddItemToObject(txs_obj, "transactions", transactions_view(&chains[best]));
    cJSON_AddNumberToObject(status, "time_ns", time_ns);
    cJSON_AddNumberToObject(status, "speed", 0);
    cJSON_AddBoolToObject(status, "paused", 1);
    cJSON_AddBoolToObject(status, "finished", 1);
    cJSON_AddStringToObject(status, "run_dir", dir);
    cJSON_AddNumberToObject(status, "nodes", (double)n);
    cJSON_AddNumberToObject(status, "height", (double)chains[best].height);
    const cJSON *consensus = cJSON_GetObjectItemCaseSensitive(summary, "consensus");
    if (cJSON_IsString(consensus))
        cJSON_AddStringToObject(status, "consensus", consensus->valuestring);
    return doc;
}

/* Reads RUN_DIR into a snapshot document; returns NULL with msg set. */
static cJSON *load_run(char *msg, size_t msg_len, const char *dir)
{
    struct chain *chains = NULL;
    size_t n = 0;
    cJSON *summary = NULL, *doc = NULL;
    char path[4096];
    int missing;
    for (;; n++) {
        if (n == MAX_NODES)
            break;
        struct chain c;
        snprintf(path, sizeof path, "%s/node%zu_chain.json", dir, n + 1);
        if (read_chain_file(msg, msg_len, &missing, &c, path) != 0) {
            if (missing && n > 0)
                break;
            if (missing)
                bad(msg, msg_len, "%s: no node1_chain.json: not a chainsim run folder", dir);
            goto fail;
        }
        struct chain *grown = realloc(chains, (n + 1) * sizeof *chains);
        if (!grown) {
            cJSON_Delete(c.doc);
            bad(msg, msg_len, "out of memory");
            goto fail;
        }
        chains = grown;
        chains[n] = c;
    }
    snprintf(path, sizeof path, "%s/summary.json", dir);
    summary = read_json(msg, msg_len, &missing, path, SUMMARY_MAX_BYTES);
    if (!summary && !missing)
        goto fail;
    doc = build_snapshot(chains, n, summary, dir);
fail:
    for (size_t k = 0; k < n; k++)
        cJSON_Delete(chains[k].doc);
    free(chains);
    cJSON_Delete(summary);
    return doc;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: chainsim serve RUN_DIR [--listen HOST:PORT]\n\n"
            "Serves the dashboard for a finished run (read-only) until Ctrl-C.\n"
            "RUN_DIR holds node1_chain.json ... nodeN_chain.json (and summary.json).\n"
            "  --listen HOST:PORT   address to listen on (default %s; port 0 picks one)\n",
            HTTP_DEFAULT_LISTEN);
}

int cmd_serve(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_OK;
    }
    const char *dir = NULL, *listen = HTTP_DEFAULT_LISTEN;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--listen") == 0) {
            if (i + 1 == argc) {
                cli_error("serve: --listen needs HOST:PORT");
                return CLI_BAD_INPUT;
            }
            listen = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_error("serve: unknown option '%s' (see 'chainsim serve --help')", argv[i]);
            return CLI_BAD_INPUT;
        } else if (dir) {
            cli_error("serve: one RUN_DIR expected, got '%s' and '%s'", dir, argv[i]);
            return CLI_BAD_INPUT;
        } else {
            dir = argv[i];
        }
    }
    if (!dir) {
        cli_error("serve: missing RUN_DIR (see 'chainsim serve --help')");
        return CLI_BAD_INPUT;
    }
    char msg[4200];
    cJSON *doc = load_run(msg, sizeof msg, dir);
    if (!doc) {
        cli_error("serve: %s", msg);
        return CLI_BAD_INPUT;
    }
    dash *d = NULL;
    http_server *srv = NULL;
    int status = CLI_FAILED;
    if (dash_new(&d) != DASH_OK) {
        cJSON_Delete(doc);
        cli_error("serve: out of memory");
        return CLI_FAILED;
    }
    dash_set_read_only(d, 1);
    if (dash_publish(d, msg, sizeof msg, doc) != DASH_OK) {
        cli_error("serve: %s", msg);
        goto out;
    }
    /* Block the stop signals before the server's threads exist, so they
     * inherit the mask and only sigwait below receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    http_reason r = http_start(&srv, msg, sizeof msg, d, listen);
    if (r != HTTP_OK) {
        cli_error("serve: %s", msg);
        status = r == HTTP_ERR_BAD_ADDRESS ? CLI_BAD_INPUT : CLI_FAILED;
        goto out;
    }
    const char *host = strncmp(listen, "[", 1) == 0 ? "[::1]" : "127.0.0.1";
    if (strncmp(listen, "localhost:", 10) != 0 && strncmp(listen, ":", 1) != 0) {
        static char given[300];
        snprintf(given, sizeof given, "%.*s", (int)(strrchr(listen, ':') - listen), listen);
        host = given;
    }
    printf("serving %s (read-only) at http://%s:%u/ - Ctrl-C stops\n", dir, host,
           (unsigned)http_port(srv));
    fflush(stdout);
    int sig;
    sigwait(&stop, &sig);
    status = CLI_OK;
out:
    http_stop(srv);
    dash_free(d);
    return status;
}
