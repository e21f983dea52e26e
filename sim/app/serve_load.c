/* A finished run's outputs as one dashboard snapshot (see serve_load.h).
 *
 * The blocks of every node's chain file go into one store, keyed by block
 * id: a block that several files hold is kept once, with its height, its
 * parent's record and the chain work up to it. A node is then just the
 * record of its tip. Files are told apart by inode, so the hard links that
 * `run` makes for nodes on the same chain are parsed once. Each file must
 * start with the run's genesis (the rules of summary.json give it) and its
 * blocks must link up, so the store is one tree; serve shows what the files
 * hold and checks nothing more (`chainsim verify` re-checks every rule).
 *
 * From the tree, the snapshot: the nodes (tip, height; crashed, joined and
 * partition group at the end from the scenario's events; links from the
 * scenario's topology, unless there are more than MAX_LINKS), the recent blocks with forks
 * (producer named by the coinbase's first output or the PoS proposer, time from the header), the
 * transactions of the best chain (the node with the most work) with sender,
 * recipient, amount and confirmations, and every wallet's balance on it;
 * and the run's event feed from events.csv and reorgs.csv (serve_feed.c). */
#include "serve_load.h"
#include "timeunit.h"

#include "chainfile.h"
#include "csvtab.h"
#include "dashcons.h"
#include "cli.h"
#include "fileout.h"
#include "header.h"
#include "hmap.h"
#include "rules.h"
#include "runscn.h"
#include "serve_feed.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum {
    RECENT_HEIGHTS = 100,  /* blocks published: this far below the best tip */
    MAX_LISTED_TXS = 2000, /* transactions published: the best chain's most recent */
    MAX_LINKS = 1000000    /* a larger network (a full mesh of 1,415 nodes or more) is
                              published without its links: no page can draw it */
};

#define NONE UINT32_MAX

/* One distinct block. */
typedef struct srec {
    block *b;        /* one reference */
    uint32_t height; /* position in every chain that holds it */
    uint32_t parent; /* record of the parent, NONE for genesis */
    u256 work;       /* chain work from genesis to this block */
    /* An adversary's block, from block_arrivals.csv (-1: not known): when its
     * producer had it and when another node first did. */
    int64_t mined_ns, published_ns;
} srec;

typedef struct loader {
    const char *dir;
    char *err;
    size_t errlen;
    scenario scn;
    rules_set *r;    /* the run's rules (heap: its params point into it) */
    hmap *by_id;     /* block id -> record index */
    hmap *by_inode;  /* (device, inode) -> tip record index */
    hmap *producers; /* node key -> node id (1-based) */
    srec *recs;
    size_t n_recs, cap_recs;
    uint32_t *tip;          /* per node: tip record, NONE without a chain file */
    const char **adversary; /* per node: adversary kind (dashcons), NULL: honest */
    int any_adversary;
    /* BFT at the end: the power of the validators that are up in the largest
     * partition group, and of all */
    int64_t side_power, total_power;
    serve_load_stats st;
} loader;

static int fail(loader *ld, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(loader *ld, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ld->err, ld->errlen, fmt, ap);
    va_end(ap);
    return status;
}

static int no_memory(loader *ld)
{
    return fail(ld, CLI_FAILED, "out of memory");
}

/* The work b adds to its branch: 2^256 / (target + 1) for PoW (0 for bits
 * that are no target), 1 for PoS (the chain's own rules). */
static void block_work(u256 *work, const block *b, int pos)
{
    int negative = 0, overflow = 0;
    u256 target;
    if (pos) {
        u256_from_u64(work, 1);
        return;
    }
    u256_set_compact(&target, block_header_of(b)->bits, &negative, &overflow);
    if (negative || overflow || u256_is_zero(&target))
        u256_from_u64(work, 0);
    else
        target_work(work, &target);
}

/* Adds block i of a file (b, child of record parent) to the store, or finds
 * it there; *at is its record. */
static int add_block(loader *ld, uint32_t *at, const char *path, block *b, uint32_t i,
                     uint32_t parent)
{
    const uint32_t *known = hmap_get(ld->by_id, block_id(b));
    if (known != NULL) {
        /* Its id fixes its parent, and every file links back to the same
         * genesis: the same block is at the same height in every file. */
        assert(ld->recs[*known].height == i && ld->recs[*known].parent == parent);
        *at = *known;
        return CLI_OK;
    }
    if (ld->n_recs == NONE)
        return fail(ld, CLI_BAD_INPUT, "%s: more than %u distinct blocks", path, NONE - 1);
    if (ld->n_recs == ld->cap_recs) {
        size_t cap = ld->cap_recs ? 2 * ld->cap_recs : 1024;
        srec *grown = realloc(ld->recs, cap * sizeof *grown);
        if (grown == NULL)
            return no_memory(ld);
        ld->recs = grown;
        ld->cap_recs = cap;
    }
    uint32_t index = (uint32_t)ld->n_recs;
    if (hmap_put(ld->by_id, block_id(b), &index) < 0)
        return no_memory(ld);
    srec *rec = &ld->recs[ld->n_recs++];
    rec->b = block_ref(b);
    rec->height = i;
    rec->parent = parent;
    rec->mined_ns = rec->published_ns = -1;
    block_work(&rec->work, b, rules_protocol(&ld->scn)->block_kind != CHAIN_POW);
    if (parent != NONE)
        u256_add(&rec->work, &rec->work, &ld->recs[parent].work);
    *at = index;
    return CLI_OK;
}

/* Reads one node's chain file into the store; *tip is its tip record, NONE
 * when the file does not exist. */
static int load_file(loader *ld, uint32_t *tip, const char *path)
{
    struct stat sb;
    *tip = NONE;
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT)
            return CLI_OK;
        return fail(ld, CLI_BAD_INPUT, "%s: cannot open: %s", path, strerror(errno));
    }
    ld->st.chain_files++;
    uint64_t inode[2] = {(uint64_t)sb.st_dev, (uint64_t)sb.st_ino};
    const uint32_t *seen = hmap_get(ld->by_inode, inode);
    if (seen != NULL) {
        *tip = *seen;
        return CLI_OK;
    }
    char *text = NULL;
    size_t len = 0;
    chainfile *cf = NULL;
    fileout_status fs = fileout_read(&text, &len, ld->err, ld->errlen, path, CHAINFILE_MAX_BYTES);
    if (fs != FILEOUT_OK)
        return fs == FILEOUT_E_NOMEM ? CLI_FAILED : CLI_BAD_INPUT;
    chainfile_status cs = chainfile_parse(&cf, ld->err, ld->errlen, text, len, path);
    free(text);
    if (cs != CHAINFILE_OK)
        return cs == CHAINFILE_NO_MEMORY ? CLI_FAILED : CLI_BAD_INPUT;
    ld->st.files_parsed++;
    int rc = CLI_OK;
    uint32_t at = NONE;
    char hex[65];
    for (size_t i = 0; rc == CLI_OK && i < chainfile_n_blocks(cf); i++) {
        block *b = chainfile_block(cf, i);
        const hash256 *want = i == 0 ? NULL : block_id(ld->recs[at].b);
        if (i == 0 && !hash_eq(block_id(b), block_id(ld->r->genesis))) {
            rc = fail(ld, CLI_BAD_INPUT,
                      "%s: blocks[0] is not the genesis block of the run in %s/summary.json "
                      "(the file comes from another run)",
                      path, ld->dir);
        } else if (i > 0 && !hash_eq(&block_header_of(b)->prev_id, want)) {
            hash_to_hex(hex, want);
            rc = fail(ld, CLI_BAD_INPUT,
                      "%s: blocks[%zu].prev: expected the id of blocks[%zu], %s (check the file "
                      "with chainsim verify)",
                      path, i, i - 1, hex);
        } else {
            rc = add_block(ld, &at, path, b, (uint32_t)i, at);
        }
        ld->st.blocks_read++;
    }
    chainfile_free(cf);
    if (rc != CLI_OK)
        return rc;
    if (hmap_put(ld->by_inode, inode, &at) < 0)
        return no_memory(ld);
    *tip = at;
    return CLI_OK;
}

/* ---- the snapshot ---- */

static cJSON *add_hash(cJSON *obj, const char *key, const hash256 *h)
{
    char hex[65];
    hash_to_hex(hex, h);
    return cJSON_AddStringToObject(obj, key, hex);
}

static cJSON *add_key(cJSON *obj, const char *key, const uint8_t *pub)
{
    char hex[2 * KEYS_PUB_BYTES + 1];
    if (pub == NULL)
        return cJSON_AddNullToObject(obj, key);
    hex_encode(hex, pub, KEYS_PUB_BYTES);
    return cJSON_AddStringToObject(obj, key, hex);
}

/* The best node: the most chain work, then the lowest id; -1 when no node
 * has a chain file. */
static int best_node(const loader *ld)
{
    int best = -1;
    for (uint32_t i = 0; i < ld->scn.n_nodes; i++) {
        if (ld->tip[i] == NONE)
            continue;
        if (best < 0 || u256_cmp(&ld->recs[ld->tip[i]].work, &ld->recs[ld->tip[best]].work) > 0)
            best = (int)i;
    }
    return best;
}

/* BFT: the stake of the nodes up at the end (validators: stake at the
 * start), all of it and the largest partition group's. */
static void side_power(loader *ld, const uint8_t *crashed, const uint32_t *group_of,
                       uint32_t n_groups)
{
    const scenario *scn = &ld->scn;
    uint32_t groups = group_of ? n_groups : 1;
    int64_t *side = calloc(groups ? groups : 1, sizeof *side);
    ld->side_power = ld->total_power = 0;
    if (side == NULL)
        return;
    for (uint32_t i = 0; i < scn->n_nodes; i++) {
        int64_t p = (int64_t)scn->nodes[i].stake;
        ld->total_power += p;
        uint32_t g = group_of ? group_of[i] : 0;
        if (!crashed[i] && g < groups)
            side[g] += p;
    }
    for (uint32_t g = 0; g < groups; g++)
        ld->side_power = side[g] > ld->side_power ? side[g] : ld->side_power;
    free(side);
}

static cJSON *nodes_doc(loader *ld)
{
    const scenario *scn = &ld->scn;
    uint8_t *crashed = calloc(scn->n_nodes ? scn->n_nodes : 1, 1);
    const uint32_t *group_of = NULL; /* 0-based groups of the last partition, NULL when whole */
    uint32_t n_groups = 0;
    net *nw = NULL;
    cJSON *doc = cJSON_CreateObject();
    cJSON *nodes = cJSON_AddArrayToObject(doc, "nodes");
    cJSON *links = cJSON_AddArrayToObject(doc, "links");
    cJSON *parts = cJSON_AddArrayToObject(doc, "partitions");
    if (crashed == NULL || parts == NULL || rules_net(&nw, scn, scn->seed) != 0)
        goto nomem;
    size_t n_links = 0;
    for (uint32_t i = 0; i < scn->n_nodes && n_links / 2 <= MAX_LINKS; i++)
        n_links += net_degree(nw, i);
    int list_links = n_links / 2 <= MAX_LINKS;
    for (size_t e = 0; e < scn->n_events; e++) {
        const scenario_event *ev = &scn->events[e];
        if (ev->type == SCENARIO_EV_CRASH || ev->type == SCENARIO_EV_RESTART)
            crashed[ev->node] = ev->type == SCENARIO_EV_CRASH;
        else if (ev->type == SCENARIO_EV_PARTITION) {
            group_of = ev->group_of;
            n_groups = ev->n_groups;
        } else if (ev->type == SCENARIO_EV_HEAL)
            group_of = NULL;
    }
    for (uint32_t i = 0; i < scn->n_nodes; i++) {
        cJSON *o = cJSON_CreateObject();
        if (o == NULL || !cJSON_AddItemToArray(nodes, o))
            goto nomem;
        uint32_t t = ld->tip[i];
        int joined = t != NONE || scn->nodes[i].join_at_ns < scn->duration_ns;
        cJSON_AddNumberToObject(o, "id", i + 1);
        cJSON_AddNumberToObject(o, "height", t != NONE ? ld->recs[t].height : 0);
        if (t != NONE)
            add_hash(o, "tip", block_id(ld->recs[t].b));
        else
            cJSON_AddNullToObject(o, "tip");
        cJSON_AddNumberToObject(o, "mempool", 0);
        cJSON_AddBoolToObject(o, "crashed", crashed[i] || !joined);
        cJSON_AddBoolToObject(o, "joined", joined);
        cJSON_AddNumberToObject(o, "group", group_of ? group_of[i] + 1 : 0);
        if (ld->adversary[i])
            cJSON_AddStringToObject(o, "adversary", ld->adversary[i]);
        for (size_t k = 0; list_links && k < net_degree(nw, i); k++) {
            uint32_t p = net_neighbor(nw, i, k);
            if (p > i) {
                int pair[2] = {(int)i + 1, (int)p + 1};
                if (!cJSON_AddItemToArray(links, cJSON_CreateIntArray(pair, 2)))
                    goto nomem;
            }
        }
    }
    side_power(ld, crashed, group_of, n_groups);
    for (uint32_t g = 0; group_of && g < n_groups; g++) {
        cJSON *members = cJSON_CreateArray();
        if (members == NULL || !cJSON_AddItemToArray(parts, members))
            goto nomem;
        for (uint32_t i = 0; i < scn->n_nodes; i++)
            if (group_of[i] == g)
                cJSON_AddItemToArray(members, cJSON_CreateNumber(i + 1));
    }
    net_free(nw);
    free(crashed);
    return doc;
nomem:
    net_free(nw);
    free(crashed);
    cJSON_Delete(doc);
    return NULL;
}

/* Records listed in the blocks document, in the live dashboard's order. */
typedef struct listed {
    const srec *rec;
} listed;

static int listed_cmp(const void *x, const void *y)
{
    const srec *a = ((const listed *)x)->rec, *b = ((const listed *)y)->rec;
    if (a->height != b->height)
        return a->height < b->height ? -1 : 1;
    uint32_t ta = block_header_of(a->b)->time, tb = block_header_of(b->b)->time;
    if (ta != tb)
        return ta < tb ? -1 : 1;
    return memcmp(block_id(a->b)->b, block_id(b->b)->b, sizeof(hash256));
}

/* The node that produced b: its coinbase's first output, or its PoS
 * proposer; 0 when no node's key (genesis). */
static uint32_t producer_of(const loader *ld, const block *b)
{
    const uint32_t *who = NULL;
    if (block_pos_of(b) != NULL)
        who = hmap_get(ld->producers, block_pos_of(b)->proposer);
    else if (block_n_tx(b) > 0 && tx_n_out(block_tx(b, 0)) > 0)
        who = hmap_get(ld->producers, tx_output(block_tx(b, 0), 0)->owner);
    return who ? *who : 0;
}

static cJSON *blocks_doc(const loader *ld, uint32_t best_h)
{
    uint32_t floor = best_h > RECENT_HEIGHTS ? best_h - RECENT_HEIGHTS : 0;
    listed *list = malloc((ld->n_recs ? ld->n_recs : 1) * sizeof *list);
    cJSON *doc = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(doc, "blocks");
    if (list == NULL || arr == NULL) {
        free(list);
        cJSON_Delete(doc);
        return NULL;
    }
    size_t n = 0;
    for (size_t i = 0; i < ld->n_recs; i++)
        if (ld->recs[i].height >= floor)
            list[n++].rec = &ld->recs[i];
    qsort(list, n, sizeof *list, listed_cmp);
    int64_t genesis_s = ld->r->params.genesis_time;
    for (size_t i = 0; i < n; i++) {
        const srec *rec = list[i].rec;
        cJSON *o = cJSON_CreateObject();
        if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            free(list);
            cJSON_Delete(doc);
            return NULL;
        }
        add_hash(o, "id", block_id(rec->b));
        if (rec->parent != NONE)
            add_hash(o, "parent", block_id(ld->recs[rec->parent].b));
        else
            cJSON_AddNullToObject(o, "parent");
        cJSON_AddNumberToObject(o, "height", rec->height);
        uint32_t who = producer_of(ld, rec->b);
        if (who)
            cJSON_AddNumberToObject(o, "producer", who);
        else
            cJSON_AddNullToObject(o, "producer");
        int64_t t = (int64_t)block_header_of(rec->b)->time - genesis_s;
        cJSON_AddNumberToObject(o, "time_ns", (double)(t * TIMEUNIT_NS_PER_S));
        size_t n_tx = block_n_tx(rec->b);
        cJSON_AddNumberToObject(o, "txs", (double)(n_tx ? n_tx - 1 : 0));
        const block_pos *pos = block_pos_of(rec->b);
        if (pos != NULL && rules_protocol(&ld->scn)->block_kind == CHAIN_POS) {
            const block_pos *pp =
                rec->parent != NONE ? block_pos_of(ld->recs[rec->parent].b) : NULL;
            uint64_t ps = pp ? pp->slot : 0; /* genesis: slot 0 */
            cJSON_AddNumberToObject(o, "slot", (double)pos->slot);
            cJSON_AddNumberToObject(o, "empty_before",
                                    (double)(pos->slot > ps ? pos->slot - ps - 1 : 0));
        }
        if (who && ld->adversary[who - 1]) {
            cJSON_AddStringToObject(o, "adversary", ld->adversary[who - 1]);
            if (rec->mined_ns >= 0)
                cJSON_AddNumberToObject(o, "mined_ns", (double)rec->mined_ns);
            if (rec->published_ns >= 0)
                cJSON_AddNumberToObject(o, "published_ns", (double)rec->published_ns);
            else
                cJSON_AddNullToObject(o, "published_ns");
        }
        if (rules_protocol(&ld->scn)->block_kind == CHAIN_BFT)
            cJSON_AddBoolToObject(o, "final", 1); /* every block a chain holds is committed */
    }
    free(list);
    return doc;
}

/* Where a transaction of the best chain is: its block's height and index. */
typedef struct tx_at {
    uint32_t height;
    uint32_t index;
} tx_at;

/* A wallet's coin on the best chain. */
typedef struct coin {
    uint32_t wallet;
    uint64_t amount;
} coin;

/* The transactions and wallets documents from the best chain (best_chain[h] is
 * the record at height h, 0..best_h). */
static int chain_docs(const loader *ld, cJSON **txs_out, cJSON **wallets_out,
                      const uint32_t *best_chain, uint32_t best_h)
{
    const wallet_set *ws = ld->r->ws;
    hmap *index = NULL, *coins = NULL;
    uint64_t *balance = calloc(wallet_count(ws) + 1, sizeof *balance);
    cJSON *tdoc = cJSON_CreateObject(), *wdoc = cJSON_CreateObject();
    cJSON *tarr = cJSON_AddArrayToObject(tdoc, "transactions");
    cJSON *warr = cJSON_AddArrayToObject(wdoc, "wallets");
    size_t total = 0;
    int rc = -1;
    if (balance == NULL || tarr == NULL || warr == NULL ||
        hmap_new(&index, sizeof(hash256), sizeof(tx_at)) != 0 ||
        hmap_new(&coins, sizeof(tx_outpoint), sizeof(coin)) != 0)
        goto done;
    /* Every transaction's place, and the wallets' unspent coins. */
    for (uint32_t h = 0; h <= best_h; h++) {
        const block *b = ld->recs[best_chain[h]].b;
        for (size_t k = 0; k < block_n_tx(b); k++) {
            const tx *t = block_tx(b, k);
            tx_at at = {h, (uint32_t)k};
            if (hmap_put(index, tx_id(t), &at) < 0)
                goto done;
            for (size_t i = 0; !tx_is_coinbase(t) && i < tx_n_in(t); i++) {
                tx_outpoint op = {tx_input(t, i)->prev_txid, tx_input(t, i)->prev_index};
                hmap_del(coins, &op);
            }
            for (size_t o = 0; o < tx_n_out(t); o++) {
                uint32_t w = wallet_find(ws, tx_output(t, o)->owner);
                tx_outpoint op = {*tx_id(t), (uint32_t)o};
                coin c = {w, tx_output(t, o)->amount};
                if (w != UINT32_MAX && hmap_put(coins, &op, &c) < 0)
                    goto done;
            }
            total += k > 0;
        }
    }
    size_t pos = 0;
    const void *key;
    void *val;
    while (hmap_next(coins, &pos, &key, &val)) {
        const coin *c = val;
        balance[c->wallet] += c->amount;
    }
    for (uint32_t w = 0; w < wallet_count(ws); w++) {
        cJSON *o = cJSON_CreateObject();
        if (o == NULL || !cJSON_AddItemToArray(warr, o))
            goto done;
        cJSON_AddNumberToObject(o, "index", w + 1);
        add_key(o, "address", wallet_public(ws, w));
        cJSON_AddNumberToObject(o, "balance", (double)balance[w]);
        cJSON_AddNumberToObject(o, "node", wallet_host(ws, w) + 1);
    }
    /* The most recent transactions, oldest first. */
    uint32_t depth_confirmed = ld->scn.workload.confirmations ? ld->scn.workload.confirmations : 1;
    size_t skip = total > MAX_LISTED_TXS ? total - MAX_LISTED_TXS : 0;
    for (uint32_t h = 1; h <= best_h; h++) {
        const block *b = ld->recs[best_chain[h]].b;
        size_t n_pay = block_n_tx(b) > 0 ? block_n_tx(b) - 1 : 0; /* after the coinbase */
        if (skip >= n_pay) {
            skip -= n_pay;
            continue;
        }
        for (size_t k = 1 + skip; k < block_n_tx(b); k++) {
            const tx *t = block_tx(b, k);
            const uint8_t *from = NULL, *to = NULL;
            uint64_t amount = 0;
            const tx_in *in = tx_n_in(t) ? tx_input(t, 0) : NULL;
            const tx_at *src = in ? hmap_get(index, &in->prev_txid) : NULL;
            if (src != NULL) {
                const tx *prev = block_tx(ld->recs[best_chain[src->height]].b, src->index);
                if (in->prev_index < tx_n_out(prev))
                    from = tx_output(prev, in->prev_index)->owner;
            }
            for (size_t o = 0; o < tx_n_out(t); o++) {
                const tx_out *out = tx_output(t, o);
                if (from && memcmp(out->owner, from, KEYS_PUB_BYTES) == 0)
                    continue; /* change */
                if (to == NULL)
                    to = out->owner;
                amount += out->amount;
                if (from == NULL)
                    break;
            }
            uint32_t depth = best_h - h + 1;
            cJSON *o = cJSON_CreateObject();
            if (o == NULL || !cJSON_AddItemToArray(tarr, o))
                goto done;
            add_hash(o, "id", tx_id(t));
            add_key(o, "from", from);
            add_key(o, "to", to);
            cJSON_AddNumberToObject(o, "amount", (double)amount);
            cJSON_AddStringToObject(o, "status",
                                    depth >= depth_confirmed ? "confirmed" : "included");
            cJSON_AddNullToObject(o, "reason");
            add_hash(o, "block", block_id(b));
            cJSON_AddNumberToObject(o, "confirmations", depth);
            cJSON_AddNullToObject(o, "request");
        }
        skip = 0;
    }
    rc = 0;
done:
    hmap_free(index);
    hmap_free(coins);
    free(balance);
    if (rc != 0) {
        cJSON_Delete(tdoc);
        cJSON_Delete(wdoc);
        tdoc = wdoc = NULL;
    }
    *txs_out = tdoc;
    *wallets_out = wdoc;
    return rc;
}

/* The protocol's object of the status at the end, the part a finished run
 * can tell (serve_load.h): "pos", "poa" or "bft". tip is the best tip. */
static void consensus_status(const loader *ld, cJSON *status, const block *tip, uint32_t best_h)
{
    const scenario *scn = &ld->scn;
    const char *name = rules_protocol(scn)->name;
    if (strcmp(name, "pos") == 0 && scn->consensus.pos.slot_ns > 0) {
        uint64_t slot = (uint64_t)(scn->duration_ns / scn->consensus.pos.slot_ns);
        uint64_t tip_slot = block_pos_of(tip) ? block_pos_of(tip)->slot : 0;
        cJSON *o = cJSON_AddObjectToObject(status, "pos");
        cJSON_AddNumberToObject(status, "slot", (double)slot);
        cJSON_AddNumberToObject(status, "slot_ns", (double)scn->consensus.pos.slot_ns);
        cJSON_AddNumberToObject(o, "slot", (double)slot);
        cJSON_AddNumberToObject(o, "tip_slot", (double)tip_slot);
        cJSON_AddNumberToObject(o, "empty_slots",
                                (double)(tip_slot > best_h ? tip_slot - best_h : 0));
    } else if (strcmp(name, "poa") == 0 && ld->r->cons.poa_n_signers > 0) {
        const consensus_ctx *ctx = &ld->r->cons;
        cJSON *o = cJSON_AddObjectToObject(status, "poa");
        cJSON *signers = cJSON_AddArrayToObject(o, "signers");
        for (uint32_t i = 0; signers && i < ctx->poa_n_signers; i++) {
            const uint32_t *who = hmap_get(ld->producers, ctx->poa_signers[i]);
            cJSON_AddItemToArray(signers, cJSON_CreateNumber(who ? *who : 0));
        }
        const uint32_t *turn =
            hmap_get(ld->producers, ctx->poa_signers[(best_h + 1) % ctx->poa_n_signers]);
        cJSON_AddNumberToObject(o, "height", best_h + 1);
        cJSON_AddNumberToObject(o, "in_turn", turn ? *turn : 0);
    } else if (strcmp(name, "bft") == 0 && ld->total_power > 0) {
        cJSON *o = cJSON_AddObjectToObject(status, "bft");
        cJSON_AddNumberToObject(o, "height", best_h + 1);
        cJSON_AddNumberToObject(o, "committed", best_h);
        cJSON_AddNumberToObject(o, "total_power", (double)ld->total_power);
        cJSON_AddNumberToObject(o, "threshold", (double)(2 * ld->total_power / 3 + 1));
        cJSON_AddNumberToObject(o, "largest_side_power", (double)ld->side_power);
        cJSON_AddBoolToObject(o, "halted", 3 * ld->side_power <= 2 * ld->total_power);
    }
}

static cJSON *snapshot(loader *ld)
{
    const scenario *scn = &ld->scn;
    int best = best_node(ld);
    uint32_t best_h = best >= 0 ? ld->recs[ld->tip[best]].height : 0;
    uint32_t *best_chain = calloc((size_t)best_h + 1, sizeof *best_chain);
    cJSON *doc = cJSON_CreateObject(), *txs = NULL, *wallets = NULL;
    cJSON *status = cJSON_AddObjectToObject(doc, "status");
    if (best_chain == NULL || status == NULL)
        goto nomem;
    for (uint32_t at = best >= 0 ? ld->tip[best] : NONE; at != NONE; at = ld->recs[at].parent)
        best_chain[ld->recs[at].height] = at;
    cJSON_AddNumberToObject(status, "time_ns", (double)scn->duration_ns);
    cJSON_AddNumberToObject(status, "duration_ns", (double)scn->duration_ns);
    cJSON_AddNumberToObject(status, "speed", 0);
    cJSON_AddBoolToObject(status, "paused", 0);
    cJSON_AddBoolToObject(status, "finished", 1);
    cJSON_AddStringToObject(status, "consensus", rules_protocol(scn)->name);
    if (scn->name)
        cJSON_AddStringToObject(status, "scenario", scn->name);
    cJSON_AddNumberToObject(status, "nodes", scn->n_nodes);
    cJSON_AddNumberToObject(status, "height", best_h);
    cJSON_AddNumberToObject(status, "confirmations",
                            scn->workload.confirmations ? scn->workload.confirmations : 1);
    cJSON_AddNumberToObject(status, "fee", (double)scn->workload.fee);
    cJSON_AddStringToObject(status, "run_dir", ld->dir);
    cJSON *nodes = nodes_doc(ld);
    if (nodes == NULL || !cJSON_AddItemToObject(doc, "nodes", nodes)) {
        cJSON_Delete(nodes);
        goto nomem;
    }
    if (best >= 0) /* after nodes_doc, which finds the sides' power */
        consensus_status(ld, status, ld->recs[ld->tip[best]].b, best_h);
    cJSON *blocks = blocks_doc(ld, best_h);
    if (blocks == NULL || !cJSON_AddItemToObject(doc, "blocks", blocks)) {
        cJSON_Delete(blocks);
        goto nomem;
    }
    if (best >= 0) {
        if (chain_docs(ld, &txs, &wallets, best_chain, best_h) != 0)
            goto nomem;
    } else {
        txs = cJSON_CreateObject();
        wallets = cJSON_CreateObject();
        if (!cJSON_AddArrayToObject(txs, "transactions") ||
            !cJSON_AddArrayToObject(wallets, "wallets"))
            goto nomem;
    }
    if (!cJSON_AddItemToObject(doc, "transactions", txs)) {
        cJSON_Delete(wallets);
        goto nomem;
    }
    txs = NULL;
    if (!cJSON_AddItemToObject(doc, "wallets", wallets))
        goto nomem;
    wallets = NULL;
    free(best_chain);
    return doc;
nomem:
    cJSON_Delete(txs);
    cJSON_Delete(wallets);
    cJSON_Delete(doc);
    free(best_chain);
    return NULL;
}

/* ---- the whole ---- */

static void loader_free(loader *ld)
{
    for (size_t i = 0; i < ld->n_recs; i++)
        block_unref(ld->recs[i].b);
    free(ld->recs);
    free(ld->tip);
    free(ld->adversary);
    hmap_free(ld->by_id);
    hmap_free(ld->by_inode);
    hmap_free(ld->producers);
    if (ld->r != NULL)
        rules_free(ld->r);
    free(ld->r);
    scenario_free(&ld->scn);
}

/* The adversaries' blocks: when their producer had them and when another
 * node first did, from block_arrivals.csv (skipped when absent). */
static int load_arrivals(loader *ld)
{
    char *path = fileout_join(ld->dir, "block_arrivals.csv");
    if (path == NULL)
        return no_memory(ld);
    struct stat sb;
    csvtab *t = NULL;
    csvtab_status cs = CSVTAB_OK;
    if (stat(path, &sb) == 0)
        cs = csvtab_load(&t, ld->err, ld->errlen, path, CSVTAB_MAX_BYTES);
    free(path);
    if (cs != CSVTAB_OK)
        return cs == CSVTAB_E_NOMEM ? no_memory(ld) : CLI_BAD_INPUT;
    if (t == NULL)
        return CLI_OK;
    size_t c_block = csvtab_col(t, "block"), c_node = csvtab_col(t, "node"),
           c_time = csvtab_col(t, "time_first_seen");
    int rc = CLI_OK;
    if (c_block == CSVTAB_NO_COL || c_node == CSVTAB_NO_COL || c_time == CSVTAB_NO_COL)
        rc = fail(ld, CLI_BAD_INPUT, "%s: expected the columns block, node and time_first_seen",
                  csvtab_name(t));
    for (size_t r = 0; rc == CLI_OK && r < csvtab_rows(t); r++) {
        hash256 id;
        double who_seen = 0, secs = 0;
        if (hash_from_hex(&id, csvtab_cell(t, r, c_block)) != 0 ||
            csvtab_number(&who_seen, NULL, 0, t, r, c_node) != 0 ||
            csvtab_number(&secs, NULL, 0, t, r, c_time) != 0 || who_seen < 1 || secs < 0) {
            rc = fail(ld, CLI_BAD_INPUT,
                      "%s line %zu: expected a block id, a node from 1 and a time in seconds",
                      csvtab_name(t), csvtab_line(t, r));
            break;
        }
        const uint32_t *at = hmap_get(ld->by_id, &id);
        if (at == NULL)
            continue; /* a block no chain file holds */
        srec *rec = &ld->recs[*at];
        uint32_t who = producer_of(ld, rec->b);
        if (who == 0 || ld->adversary[who - 1] == NULL)
            continue;
        int64_t ns = (int64_t)(secs * 1e9 + 0.5);
        if ((uint32_t)who_seen == who)
            rec->mined_ns = ns;
        else if (rec->published_ns < 0 || ns < rec->published_ns)
            rec->published_ns = ns;
    }
    csvtab_free(t);
    return rc;
}

static int load(loader *ld, cJSON **out)
{
    const char *dir = ld->dir;
    char *path = fileout_join(dir, "summary.json");
    int missing = 0;
    if (path == NULL)
        return no_memory(ld);
    int rc = runscn_load(&ld->scn, ld->err, ld->errlen, &missing, path);
    free(path);
    if (rc != 0) {
        struct stat sb;
        if (missing && stat(dir, &sb) != 0)
            return fail(ld, CLI_BAD_INPUT, "%s: cannot open: %s", dir, strerror(errno));
        if (missing)
            return fail(ld, CLI_BAD_INPUT,
                        "%s: no summary.json: not the output folder of a chainsim run", dir);
        return CLI_BAD_INPUT;
    }
    ld->st.nodes = ld->scn.n_nodes;
    ld->r = calloc(1, sizeof *ld->r);
    if (ld->r == NULL)
        return no_memory(ld);
    char err[600];
    rc = rules_build(ld->r, err, sizeof err, &ld->scn, RULES_NODE_KEYS);
    if (rc != 0)
        return fail(ld, rc == 1 ? CLI_FAILED : CLI_BAD_INPUT, "%s/summary.json: %s", dir, err);
    ld->tip = malloc((ld->scn.n_nodes ? ld->scn.n_nodes : 1) * sizeof *ld->tip);
    if (ld->tip == NULL || hmap_new(&ld->by_id, sizeof(hash256), sizeof(uint32_t)) != 0 ||
        hmap_new(&ld->by_inode, 2 * sizeof(uint64_t), sizeof(uint32_t)) != 0 ||
        hmap_new(&ld->producers, KEYS_PUB_BYTES, sizeof(uint32_t)) != 0)
        return no_memory(ld);
    for (uint32_t i = 0; i < ld->scn.n_nodes; i++) {
        uint32_t id = i + 1;
        if (hmap_put(ld->producers, ld->r->node_pubs[i], &id) < 0)
            return no_memory(ld);
    }
    for (uint32_t i = 0; i < ld->scn.n_nodes; i++) {
        char name[40];
        snprintf(name, sizeof name, "node%u_chain.json", i + 1);
        path = fileout_join(dir, name);
        if (path == NULL)
            return no_memory(ld);
        rc = load_file(ld, &ld->tip[i], path);
        free(path);
        if (rc != CLI_OK)
            return rc;
    }
    ld->st.blocks_distinct = ld->n_recs;
    ld->adversary = dashcons_adversary_kinds(&ld->scn);
    if (ld->adversary == NULL)
        return no_memory(ld);
    for (uint32_t i = 0; i < ld->scn.n_nodes; i++)
        ld->any_adversary |= ld->adversary[i] != NULL;
    if (ld->any_adversary && (rc = load_arrivals(ld)) != CLI_OK)
        return rc;
    cJSON *events = NULL;
    rc = serve_feed_doc(&events, ld->err, ld->errlen, dir);
    if (rc != 0)
        return rc == 2 ? CLI_BAD_INPUT : CLI_FAILED;
    *out = snapshot(ld);
    if (*out == NULL || !cJSON_AddItemToObject(*out, "feed", events)) {
        cJSON_Delete(events);
        cJSON_Delete(*out);
        *out = NULL;
        return no_memory(ld);
    }
    return CLI_OK;
}

int serve_load(cJSON **out, serve_load_stats *stats, char *err, size_t errlen, const char *dir)
{
    loader ld;
    memset(&ld, 0, sizeof ld);
    ld.dir = dir;
    ld.err = err;
    ld.errlen = errlen;
    *out = NULL;
    int rc = load(&ld, out);
    if (stats != NULL)
        *stats = ld.st;
    loader_free(&ld);
    return rc;
}
