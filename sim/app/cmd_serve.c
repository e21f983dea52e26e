/* `chainsim serve RUN_DIR`: the dashboard for a finished run, read-only. It
 * reads every nodeK_chain.json (and summary.json when present) once, builds
 * one dash snapshot from them and serves it until SIGINT or SIGTERM; every
 * POST is refused as read-only. The chain file format belongs to the ledger
 * (core/chainfile); read_chain_file is the one place that knows its shape and
 * reads it generically, so it is the one function to adapt. */
#include "cli.h"
#include "dash.h"
#include "http.h"

#include <errno.h>
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
    cJSON *blocks; /* array inside doc */
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

/* Reads a whole JSON file; returns NULL with msg set (missing: *missing = 1). */
static cJSON *read_json(char *msg, size_t msg_len, int *missing, const char *path)
{
    *missing = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        *missing = errno == ENOENT;
        bad(msg, msg_len, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 65536 > cap) {
            char *grown = realloc(text, cap = cap * 2 + 65536);
            if (!grown) {
                free(text);
                fclose(f);
                bad(msg, msg_len, "%s: out of memory", path);
                return NULL;
            }
            text = grown;
        }
        size_t n = fread(text + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        free(text);
        bad(msg, msg_len, "%s: read error", path);
        return NULL;
    }
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!doc)
        bad(msg, msg_len, "%s: malformed JSON near byte %zu", path,
            end ? (size_t)(end - text) : (size_t)0);
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

/* Reads one node's chain file: an object whose "blocks" is an array of blocks
 * in height order, each with a string "id" and, when present, "height", a
 * parent id (on the block or in "header"), a producer, a time and
 * "transactions". Returns 0, or -1 with msg naming the file and JSON path. */
static int read_chain_file(char *msg, size_t msg_len, int *missing, struct chain *out,
                           const char *path)
{
    memset(out, 0, sizeof *out);
    out->height = -1;
    cJSON *doc = read_json(msg, msg_len, missing, path);
    if (!doc)
        return -1;
    cJSON *blocks = cJSON_GetObjectItemCaseSensitive(doc, "blocks");
    if (!cJSON_IsArray(blocks)) {
        cJSON_Delete(doc);
        return bad(msg, msg_len, "%s: \"blocks\": expected an array of blocks", path);
    }
    int i = 0;
    const cJSON *b;
    cJSON_ArrayForEach(b, blocks)
    {
        const cJSON *id = member(b, id_names);
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(b, "height");
        const cJSON *txs = cJSON_GetObjectItemCaseSensitive(b, "transactions");
        if (!cJSON_IsObject(b) || !cJSON_IsString(id)) {
            cJSON_Delete(doc);
            return bad(msg, msg_len, "%s: blocks[%d].id: expected a string (the block id)", path,
                       i);
        }
        if (h && !cJSON_IsNumber(h)) {
            cJSON_Delete(doc);
            return bad(msg, msg_len, "%s: blocks[%d].height: expected an integer", path, i);
        }
        if (txs && !cJSON_IsArray(txs)) {
            cJSON_Delete(doc);
            return bad(msg, msg_len, "%s: blocks[%d].transactions: expected an array", path, i);
        }
        out->height = h ? (int64_t)h->valuedouble : i;
        out->tip = id->valuestring;
        i++;
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
    return cJSON_IsNumber(t) ? t->valuedouble * 1e9 : 0;
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
static double tx_amount(const cJSON *tx)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(tx, "amount");
    if (cJSON_IsNumber(a))
        return a->valuedouble;
    double sum = 0;
    const cJSON *o;
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(tx, "outputs"))
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
    const cJSON *b, *tx;
    cJSON_ArrayForEach(b, best->blocks) total +=
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(b, "transactions"));
    int skip = total > MAX_TRANSACTIONS ? total - MAX_TRANSACTIONS : 0;
    cJSON_ArrayForEach(b, best->blocks)
    {
        int64_t h = block_height(b, index++);
        cJSON_ArrayForEach(tx, cJSON_GetObjectItemCaseSensitive(b, "transactions"))
        {
            if (skip > 0) {
                skip--;
                continue;
            }
            cJSON *v = cJSON_CreateObject();
            add_string_or_null(v, "id", member(tx, txid_names));
            add_string_or_null(v, "from", cJSON_GetObjectItemCaseSensitive(tx, "from"));
            add_string_or_null(v, "to", cJSON_GetObjectItemCaseSensitive(tx, "to"));
            cJSON_AddNumberToObject(v, "amount", tx_amount(tx));
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
    summary = read_json(msg, msg_len, &missing, path);
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
