/* Writing a finished run: chain files, metrics, summary. Chain files come
 * first because they are the primary output; every file is written
 * atomically (fileout), into the run's staging folder (outdir.c), which
 * replaces the output folder once everything is written. What goes to
 * stdout is as deterministic as the files; wall-clock facts go to stderr
 * and run_info.json. */
#include "output.h"
#include "timeunit.h"

#include "consensus_bft.h"
#include "consensus_ops.h"
#include "chainfile.h"
#include "adversary.h"
#include "bftcheck.h"
#include "chainsel.h"
#include "dist.h"
#include "fileout.h"
#include "hmap.h"
#include "metrics_pack.h"
#include "safety.h"
#include "summary.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What the outputs need of each node's final state. A run split over
 * several processes fills each node's in the process that ran it and ORs
 * them together (the rest is zero), so every process then knows every node
 * and takes the same decisions as one process would. */
typedef struct node_fact {
    uint8_t started, online;
    uint32_t height;
    hash256 tip;
    u256 work;
    hash256 identity; /* chainfile_identity: the same file bytes */
} node_fact;

/* Fills facts (s->n entries) for every node. Returns 0, or -1 when out of
 * memory in any process. */
static int gather_facts(world *s, node_fact *facts)
{
    memset(facts, 0, s->n * sizeof *facts);
    int ok = 1;
    for (uint32_t i = 0; i < s->n; i++) {
        node_fact *f = &facts[i];
        const chain *c = world_local(s, i) && s->nodes[i].n ? node_chain(s->nodes[i].n) : NULL;
        if (c == NULL)
            continue;
        f->started = 1;
        f->online = (uint8_t)(s->nodes[i].online != 0);
        f->height = chain_height(c);
        f->tip = *chain_entry_id(chain_tip(c));
        f->work = *chain_entry_work(chain_tip(c));
        if (chainfile_identity(c, &f->identity) != CHAINFILE_OK)
            ok = 0;
    }
    if (s->procs > 1) {
        dist_or_bytes(facts, s->n * sizeof *facts);
        char why[8] = "";
        ok = dist_all_ok(ok, why, sizeof why);
    }
    return ok ? 0 : -1;
}

/* The distinct final chains of a run and the nodes that write them. */
typedef struct chain_groups {
    hmap *ids;       /* identity -> index of the distinct chain */
    size_t n_ids;    /* distinct chains */
    char **texts;    /* rendered file of each chain, while nodes still need it */
    size_t *lens;    /* its length */
    uint32_t *users; /* selected nodes of this process still to write each chain */
    uint32_t *first; /* the node whose file holds each chain, UINT32_MAX: none yet */
    size_t *which;   /* node -> distinct chain */
} chain_groups;

static void groups_free(chain_groups *g)
{
    for (size_t k = 0; g->texts != NULL && k < g->n_ids; k++)
        free(g->texts[k]);
    free(g->texts);
    free(g->lens);
    free(g->users);
    free(g->first);
    free(g->which);
    hmap_free(g->ids);
}

/* True when node i (started) gets a chain file: sel selects it, its chain
 * being the main chain when it is in the main node's group. */
static int chain_selected(const chain_groups *g, const node_fact *facts, const chainsel *sel,
                          uint32_t main_node, uint32_t i)
{
    int on_main = facts[main_node].started && g->which[i] == g->which[main_node];
    return chainsel_wants(sel, i, on_main);
}

/* Groups the started nodes by chainfile_identity (tip and parameters), and
 * counts the nodes of this process sel selects in each group (on_main: in
 * the main node's group). Returns 0, or -1 when out of memory. */
static int group_chains(chain_groups *g, world *s, const node_fact *facts, const chainsel *sel,
                        uint32_t main_node)
{
    size_t cap = s->n ? s->n : 1;
    g->texts = calloc(cap, sizeof *g->texts);
    g->lens = calloc(cap, sizeof *g->lens);
    g->users = calloc(cap, sizeof *g->users);
    g->first = malloc(cap * sizeof *g->first);
    g->which = calloc(cap, sizeof *g->which);
    if (g->texts == NULL || g->lens == NULL || g->users == NULL || g->first == NULL ||
        g->which == NULL || hmap_new(&g->ids, sizeof(hash256), sizeof(size_t)) != 0)
        return -1;
    for (uint32_t i = 0; i < s->n; i++) {
        if (!facts[i].started)
            continue;
        const hash256 *key = &facts[i].identity;
        const size_t *at = hmap_get(g->ids, key);
        size_t k = at ? *at : g->n_ids;
        if (at == NULL) {
            if (hmap_put(g->ids, key, &k) < 0)
                return -1;
            g->first[k] = UINT32_MAX;
            g->n_ids++;
        }
        g->which[i] = k;
    }
    for (uint32_t i = 0; i < s->n; i++)
        if (facts[i].started && world_local(s, i) && chain_selected(g, facts, sel, main_node, i))
            g->users[g->which[i]]++;
    return 0;
}

/* Writes node i's chain file: the first node of its chain renders and writes
 * it (atomically, fileout); the others get a hard link to the newest copy, or
 * a copy of their own where the file system refuses the link (no hard links,
 * or the file's link limit reached). Returns 0, or -1 with err set. */
static int write_chain_file(chain_groups *g, world *s, uint32_t i, char *err, size_t errlen)
{
    size_t k = g->which[i];
    char why[400];
    char *path = world_chain_path_in(s->out_dir, i);
    char *first = g->first[k] != UINT32_MAX ? world_chain_path_in(s->out_dir, g->first[k]) : NULL;
    int rc = -1;
    if (path == NULL || (g->first[k] != UINT32_MAX && first == NULL)) {
        snprintf(err, errlen, "out of memory");
    } else if (first != NULL && fileout_link(NULL, 0, first, path) == FILEOUT_OK) {
        rc = 0;
    } else if (g->texts[k] == NULL &&
               chainfile_render_certs(
                   node_chain(s->nodes[i].n),
                   node_ops(s->nodes[i].n)->block_kind == CHAIN_BFT ? consensus_bft_cert : NULL,
                   node_consensus_state(s->nodes[i].n), &g->texts[k], &g->lens[k], why,
                   sizeof why) != CHAINFILE_OK) {
        snprintf(err, errlen, "node %u: %s", i + 1, why);
    } else if (fileout_write(why, sizeof why, path, g->texts[k], g->lens[k]) != FILEOUT_OK) {
        snprintf(err, errlen, "node %u: %s", i + 1, why);
    } else {
        rc = 0;
        /* Later nodes link to the newest copy: one that could not be linked
         * may have reached the file system's limit of links to a file (ext4:
         * 65,000), and would refuse every later node too. */
        g->first[k] = i;
    }
    free(path);
    free(first);
    if (rc == 0 && --g->users[k] == 0) {
        free(g->texts[k]);
        g->texts[k] = NULL;
    }
    return rc;
}

/* With several processes, BFT: the chain file of a group of nodes is the
 * rendering of its lowest selected node, certificates included (each node
 * holds the certificates it collected, which the group's identity leaves
 * out), as in one process. The process of that node renders it and every
 * process takes a copy; those with nodes of the group keep it in g->texts
 * for write_chain_file. Collective. Returns 0, or -1 (at every process)
 * with a message in err. */
static int share_bft_texts(chain_groups *g, world *s, const node_fact *facts, const chainsel *sel,
                           uint32_t main_node, char *err, size_t errlen)
{
    for (size_t k = 0; k < g->n_ids; k++) {
        uint32_t first = UINT32_MAX;
        for (uint32_t i = 0; i < s->n && first == UINT32_MAX; i++)
            if (facts[i].started && g->which[i] == k && chain_selected(g, facts, sel, main_node, i))
                first = i;
        if (first == UINT32_MAX)
            continue;
        uint32_t root = engine_proc_of(s->eng, first);
        uint64_t len = 0;
        char *text = NULL;
        if (world_local(s, first)) {
            size_t n = 0;
            char why[400];
            if (chainfile_render_certs(node_chain(s->nodes[first].n), consensus_bft_cert,
                                       node_consensus_state(s->nodes[first].n), &text, &n, why,
                                       sizeof why) != CHAINFILE_OK) {
                snprintf(err, errlen, "node %u: %s", first + 1, why);
                text = NULL;
                len = UINT64_MAX;
            } else {
                len = n;
            }
        }
        dist_bcast(&len, sizeof len, root);
        if (len == UINT64_MAX) {
            if (!world_local(s, first))
                snprintf(err, errlen, "node %u: its chain file could not be made", first + 1);
            return -1;
        }
        if (text == NULL && (text = malloc(len ? len : 1)) == NULL)
            abort(); /* every process must take part in the broadcast */
        dist_bcast(text, len, root);
        if (g->users[k] > 0) {
            free(g->texts[k]);
            g->texts[k] = text;
            g->lens[k] = len;
        } else {
            free(text);
        }
    }
    return 0;
}

/* Writes the chain files of the started nodes that sel selects, each in the
 * process that ran the node. Most nodes share a chain at the end of a run,
 * so each distinct chain is rendered and written once (per process), and
 * every other node holding it gets a hard link to that file: a normal file
 * with the same bytes, at the cost of one directory entry. *n_files counts
 * the files written by every process. Returns 0, or -1 with a message
 * naming the node in err (at every process). */
static int save_chains(world *s, const node_fact *facts, const chainsel *sel, uint32_t main_node,
                       uint32_t *n_files, char *err, size_t errlen)
{
    chain_groups g;
    memset(&g, 0, sizeof g);
    int status = 0;
    uint32_t mine = 0;
    if (group_chains(&g, s, facts, sel, main_node) != 0) {
        snprintf(err, errlen, "out of memory");
        status = -1;
    }
    if (s->procs > 1 && s->scn.consensus.type == SCENARIO_BFT) {
        /* collective: every process takes part, whatever its status */
        char why[8] = "";
        int ok = dist_all_ok(status == 0, why, sizeof why);
        if (!ok || share_bft_texts(&g, s, facts, sel, main_node, err, errlen) != 0)
            status = -1;
    }
    for (uint32_t i = 0; status == 0 && i < s->n; i++) {
        if (!facts[i].started || !world_local(s, i) ||
            !chain_selected(&g, facts, sel, main_node, i))
            continue;
        status = write_chain_file(&g, s, i, err, errlen);
        mine += status == 0;
    }
    if (status == 0 && mine > 1)
        fileout_sync_dir(s->out_dir);
    groups_free(&g);
    if (s->procs > 1 && !dist_all_ok(status == 0, err, errlen))
        status = -1;
    *n_files = s->procs > 1 ? (uint32_t)dist_sum_u64(mine) : mine;
    return status;
}

/* Every node's final chain as metrics_finish reads it (its length and tip;
 * a node never started holds the genesis block only), in chains[] with the
 * arrays to free in ids[] (both n long). The main chain is whole, from the
 * process of the main node; a node on it, or on a prefix of it (its tip is
 * the main chain's block at its height, as for a node a block or two
 * behind), shares its array, so only nodes on a fork get one. Returns the main
 * node: the online honest node (not an adversary) with the most work, ties
 * to the lowest number (node 0 when none is online). */
static uint32_t collect_chains(world *s, const node_fact *facts, metrics_chain *chains,
                               hash256 **ids)
{
    uint32_t main_node = UINT32_MAX;
    for (uint32_t i = 0; i < s->n; i++)
        if (facts[i].online && s->nodes[i].adv == NULL &&
            (main_node == UINT32_MAX || u256_cmp(&facts[i].work, &facts[main_node].work) > 0))
            main_node = i;
    main_node = main_node == UINT32_MAX ? 0 : main_node;
    const node_fact *mf = &facts[main_node];
    size_t main_len = mf->started ? (size_t)mf->height + 1 : 1;
    hash256 *main_ids = calloc(main_len, sizeof *main_ids);
    if (main_ids == NULL)
        abort();
    if (!mf->started) {
        main_ids[0] = *block_id(s->genesis);
    } else if (world_local(s, main_node)) {
        const chain *c = node_chain(s->nodes[main_node].n);
        for (size_t k = 0; k < main_len; k++)
            main_ids[k] = *chain_entry_id(chain_at_height(c, (uint32_t)k));
    }
    if (s->procs > 1)
        dist_bcast(main_ids, main_len * sizeof *main_ids, engine_proc_of(s->eng, main_node));
    ids[main_node] = main_ids;
    chains[main_node] = (metrics_chain){main_ids, main_len};
    for (uint32_t i = 0; i < s->n; i++) {
        if (i == main_node)
            continue;
        const node_fact *f = &facts[i];
        size_t len = f->started ? (size_t)f->height + 1 : 1;
        hash256 tip = f->started ? f->tip : *block_id(s->genesis);
        if (len <= main_len && memcmp(&tip, &main_ids[len - 1], sizeof tip) == 0) {
            chains[i] = (metrics_chain){main_ids, len};
            continue;
        }
        ids[i] = calloc(len, sizeof(hash256));
        if (ids[i] == NULL)
            abort();
        ids[i][len - 1] = tip;
        chains[i] = (metrics_chain){ids[i], len};
    }
    return main_node;
}

/* keep for metrics_pack_nodes: the nodes of this process. */
static int keep_local(void *ctx, uint32_t node_no)
{
    return world_local(ctx, node_no - 1);
}

/* With several processes: each process's part at process 0. Every process
 * gives its bytes (mine, len: ok says its packing succeeded; process 0
 * gives none), and process 0 reads each other process's part in process
 * order with read (0, or -1 with a message in err), stopping at the first
 * that fails. Frees mine. Returns 0, or -1 (at every process) with a
 * message in err; what names the part in the out-of-memory message. */
typedef int (*part_reader)(void *ctx, char *err, size_t errlen, uint32_t proc,
                           const unsigned char *part, size_t len);
static int gather_parts(char *err, size_t errlen, int ok, unsigned char *mine, size_t len,
                        const char *what, part_reader read, void *ctx)
{
    unsigned char *all = NULL;
    size_t *lens = NULL;
    if (!dist_all_ok(ok, err, errlen) || dist_gather(&all, &lens, mine, ok ? len : 0) != 0) {
        free(mine);
        snprintf(err, errlen, "out of memory while gathering %s", what);
        return -1;
    }
    free(mine);
    ok = 1;
    if (all != NULL) {
        size_t at = lens[0];
        for (uint32_t p = 1; p < dist_size() && ok; p++) {
            ok = read(ctx, err, errlen, p, all + at, lens[p]) == 0;
            at += lens[p];
        }
    }
    free(all);
    free(lens);
    return dist_all_ok(ok, err, errlen) ? 0 : -1;
}

static int read_records(void *ctx, char *err, size_t errlen, uint32_t proc,
                        const unsigned char *part, size_t len)
{
    world *s = ctx;
    world_dist_seed("records", part, len);
    if (metrics_unpack_nodes(s->m, part, len) == 0)
        return 0;
    snprintf(err, errlen, "metrics: the records of process %u do not read back", proc);
    return -1;
}

/* With several processes: takes every process's node recorders to process
 * 0. Returns 0, or -1 (at every process) with a message in err. */
static int gather_metrics(world *s, char *err, size_t errlen)
{
    unsigned char *mine = NULL;
    size_t len = 0;
    int ok = dist_rank() == 0 || metrics_pack_nodes(&mine, &len, s->m, keep_local, s) == 0;
    return gather_parts(err, errlen, ok, mine, len, "the metrics", read_records, s);
}

static int read_attackers(void *ctx, char *err, size_t errlen, uint32_t proc,
                          const unsigned char *part, size_t len)
{
    world *s = ctx;
    if (len > 0)
        world_dist_seed("attackers", part, len);
    for (size_t at = 0; at < len;) {
        uint32_t ni = UINT32_MAX;
        size_t used = 0;
        if (len - at >= sizeof ni)
            memcpy(&ni, part + at, sizeof ni);
        if (ni >= s->n || s->nodes[ni].adv == NULL ||
            adversary_unpack(s->nodes[ni].adv, &used, part + at, len - at) != 0) {
            snprintf(err, errlen, "attack: the figures of process %u do not read back", proc);
            return -1;
        }
        at += used;
    }
    return 0;
}

/* With several processes and adversaries: takes each attacker's figures
 * from the process that runs its node to process 0 (world_attack_report
 * runs there). Returns 0, or -1 (at every process) with a message in err. */
static int gather_adversaries(world *s, char *err, size_t errlen)
{
    unsigned char *mine = NULL;
    size_t len = 0;
    int ok = 1;
    for (size_t k = 0; k < s->scn.n_adversaries && ok && dist_rank() != 0; k++) {
        uint32_t ni = s->scn.adversaries[k].node;
        unsigned char *one;
        size_t n;
        if (!world_local(s, ni))
            continue;
        if (adversary_pack(&one, &n, s->nodes[ni].adv) != 0) {
            ok = 0;
            break;
        }
        unsigned char *grown = realloc(mine, len + n);
        if (grown == NULL) {
            free(one);
            ok = 0;
            break;
        }
        mine = grown;
        memcpy(mine + len, one, n);
        len += n;
        free(one);
    }
    return gather_parts(err, errlen, ok, mine, len, "the attackers' figures", read_attackers, s);
}

/* The node (1-based) whose key is validator index of vals, or 0. */
static uint32_t validator_node(const world *s, const bftval_set *vals, uint32_t index)
{
    for (uint32_t i = 0; i < s->n; i++) {
        size_t k;
        /* A node of another process: its key, which every process holds. */
        const keys_pair *key = s->nodes[i].n       ? node_key(s->nodes[i].n)
                               : world_local(s, i) ? NULL
                                                   : s->nodes[i].key;
        if (key != NULL && bftval_index_of(vals, &k, keys_pair_public(key)) && k == index)
            return i + 1;
    }
    return 0;
}

/* The bft section's "evidence": the first equivocations the nodes caught
 * (c, up to 20, in node order), each naming the validator (its node), the
 * height, the round, the vote's type, the two blocks (null: a nil vote)
 * and the node that caught it. Nothing when none was caught. */
static int bft_evidence(cJSON *o, const world *s, const bftcheck *c)
{
    bftval_set *vals = NULL;
    cJSON *list = NULL;
    if (c->n_caught > 0 && consensus_bft_validators(&vals, consensus_bft_of(&s->params)) != 0)
        return -1;
    for (size_t k = 0; k < c->n_caught && k < 20; k++) {
        const bftvote *v[2] = {&c->caught[k].ev.first, &c->caught[k].ev.second};
        cJSON *e = cJSON_CreateObject(), *blocks = cJSON_CreateArray();
        if (list == NULL)
            list = cJSON_AddArrayToObject(o, "evidence");
        if (e == NULL || blocks == NULL || list == NULL) {
            cJSON_Delete(e), cJSON_Delete(blocks), bftval_set_free(vals);
            return -1;
        }
        cJSON_AddItemToArray(list, e);
        cJSON_AddNumberToObject(e, "validator_node",
                                (double)validator_node(s, vals, v[0]->validator));
        cJSON_AddNumberToObject(e, "height", (double)v[0]->height);
        cJSON_AddNumberToObject(e, "round", (double)v[0]->round);
        cJSON_AddStringToObject(e, "vote", v[0]->type == BFTVOTE_PREVOTE ? "prevote" : "precommit");
        for (size_t j = 0; j < 2; j++) {
            char hex[65];
            hash_to_hex(hex, &v[j]->block_id);
            cJSON_AddItemToArray(blocks, v[j]->nil ? cJSON_CreateNull() : cJSON_CreateString(hex));
        }
        cJSON_AddItemToObject(e, "blocks", blocks);
        cJSON_AddNumberToObject(e, "caught_by", (double)c->caught[k].node + 1);
    }
    bftval_set_free(vals);
    return 0;
}

/* The bft section's "safety_violations" (the count of heights at which two
 * honest nodes hold different blocks: conflicting commits) and
 * "safety_violation_heights" (the first five: height, the two nodes,
 * their blocks), with a line on the console for the first; in runs with
 * adversaries, or when there is one. The honest nodes' chains are c's. */
static int bft_safety(cJSON *o, const world *s, const bftcheck *c)
{
    safety_fork forks[5];
    size_t count = safety_forks(forks, 5, c->chains, c->honest, s->n);
    if (count == 0 && s->scn.n_adversaries == 0)
        return 0;
    cJSON *list = NULL;
    if (!cJSON_AddNumberToObject(o, "safety_violations", (double)count) ||
        (count > 0 && (list = cJSON_AddArrayToObject(o, "safety_violation_heights")) == NULL))
        return -1;
    for (size_t k = 0; k < count && k < 5; k++) {
        char a[65], b[65];
        hash_to_hex(a, &forks[k].block_a);
        hash_to_hex(b, &forks[k].block_b);
        cJSON *e = cJSON_CreateObject();
        cJSON *nodes = cJSON_CreateArray(), *blocks = cJSON_CreateArray();
        if (e == NULL || nodes == NULL || blocks == NULL) {
            cJSON_Delete(e), cJSON_Delete(nodes), cJSON_Delete(blocks);
            return -1;
        }
        cJSON_AddItemToArray(list, e);
        cJSON_AddNumberToObject(e, "height", (double)forks[k].height);
        cJSON_AddItemToArray(nodes, cJSON_CreateNumber((double)forks[k].node_a));
        cJSON_AddItemToArray(nodes, cJSON_CreateNumber((double)forks[k].node_b));
        cJSON_AddItemToObject(e, "nodes", nodes);
        cJSON_AddItemToArray(blocks, cJSON_CreateString(a));
        cJSON_AddItemToArray(blocks, cJSON_CreateString(b));
        cJSON_AddItemToObject(e, "blocks", blocks);
        if (k == 0)
            fprintf(stderr,
                    "chainsim: SAFETY VIOLATION: honest nodes %u and %u committed different "
                    "blocks at height %u (%.16s and %.16s); %zu height(s) in all\n",
                    forks[k].node_a, forks[k].node_b, forks[k].height, a, b, count);
    }
    return 0;
}

static int read_bftcheck(void *ctx, char *err, size_t errlen, uint32_t proc,
                         const unsigned char *part, size_t len)
{
    world_dist_seed("bftcheck", part, len);
    if (bftcheck_unpack(ctx, part, len) == 0)
        return 0;
    snprintf(err, errlen, "bft: the evidence and chains of process %u do not read back", proc);
    return -1;
}

/* What the bft section's evidence and safety check read, into c (at
 * process 0 whole; main: the main chain): the equivocations each node of
 * this process caught and each of its honest nodes' chain, and with
 * several processes every other process's, taken to process 0. Returns 0,
 * or -1 (at every process) with a message in err. */
static int gather_bft_checks(world *s, bftcheck *c, metrics_chain main, char *err, size_t errlen)
{
    int ok = bftcheck_init(c, s->n, main) == 0;
    for (uint32_t i = 0; i < s->n && ok; i++) {
        if (!world_local(s, i) || s->nodes[i].n == NULL)
            continue;
        size_t n_ev = 0;
        const bftvote_evidence *ev =
            node_ops(s->nodes[i].n)->block_kind == CHAIN_BFT
                ? consensus_bft_evidence(node_consensus_state(s->nodes[i].n), &n_ev)
                : NULL;
        for (size_t k = 0; k < n_ev && ok && c->n_caught < BFTCHECK_MAX_CAUGHT; k++)
            ok = bftcheck_add_caught(c, i, &ev[k]) == 0;
        if (s->nodes[i].adv != NULL || !ok)
            continue;
        const chain *ch = node_chain(s->nodes[i].n);
        size_t len = (size_t)chain_height(ch) + 1;
        hash256 *ids = malloc(len * sizeof *ids);
        if (ids == NULL) {
            ok = 0;
            break;
        }
        for (size_t k = 0; k < len; k++)
            ids[k] = *chain_entry_id(chain_at_height(ch, (uint32_t)k));
        ok = bftcheck_set_chain(c, i, ids, len) == 0;
    }
    if (s->procs <= 1) {
        if (!ok)
            snprintf(err, errlen, "out of memory");
        return ok ? 0 : -1;
    }
    unsigned char *mine = NULL;
    size_t len = 0;
    ok = ok && (dist_rank() == 0 || bftcheck_pack(&mine, &len, c) == 0);
    return gather_parts(err, errlen, ok, mine, len, "the BFT evidence and chains", read_bftcheck,
                        c);
}

/* Hands each BFT node of this process's committed heights, and the height
 * it is still deciding, to its metrics recorder (finality.csv, time
 * halted), before the recorders are gathered. */
static void record_bft_heights(world *s)
{
    for (uint32_t i = 0; i < s->n; i++) {
        if (!world_local(s, i) || s->nodes[i].n == NULL ||
            node_ops(s->nodes[i].n)->block_kind != CHAIN_BFT)
            continue;
        const void *state = node_consensus_state(s->nodes[i].n);
        metrics_node *mn = metrics_node_of(s->m, i + 1);
        size_t n;
        const consensus_bft_commit *log = consensus_bft_commits(state, &n);
        for (size_t k = 0; k < n; k++) {
            metrics_bft_height h;
            memset(&h, 0, sizeof h); /* padding too: the records cross processes as bytes */
            h.height = log[k].height;
            h.block = log[k].block;
            h.committed_ns = log[k].time_ns;
            h.first_timeout_ns = log[k].first_timeout_ns;
            h.rounds = log[k].rounds;
            metrics_bft_record(mn, &h);
        }
        metrics_bft_height h;
        memset(&h, 0, sizeof h);
        h.height = consensus_bft_pending(state, &h.first_timeout_ns);
        h.committed_ns = -1;
        if (h.height > 0 && h.first_timeout_ns >= 0)
            metrics_bft_record(mn, &h);
    }
}

/* The BFT figures of the nodes (core/consensus_bft.h), summed into *sum
 * (max_rounds: the largest), over every process: each sums its own nodes
 * and the sums are reduced (call it in every process). Returns whether any
 * node runs BFT. */
static int bft_sum(world *s, consensus_bft_stats *sum)
{
    memset(sum, 0, sizeof *sum);
    uint64_t any = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        if (!world_local(s, i) || s->nodes[i].n == NULL ||
            node_ops(s->nodes[i].n)->block_kind != CHAIN_BFT)
            continue;
        const consensus_bft_stats *st = consensus_bft_stats_of(node_consensus_state(s->nodes[i].n));
        if (st == NULL)
            continue;
        any = 1;
        sum->decided += st->decided;
        sum->caught_up += st->caught_up;
        sum->finality_ns_sum += st->finality_ns_sum;
        sum->rounds_sum += st->rounds_sum;
        if (st->max_rounds > sum->max_rounds)
            sum->max_rounds = st->max_rounds;
        sum->votes_sent += st->votes_sent;
        sum->proposals_sent += st->proposals_sent;
        sum->round_timeouts += st->round_timeouts;
        sum->equivocations += st->equivocations;
        sum->certs_refused += st->certs_refused;
    }
    if (s->procs > 1) {
        any = dist_sum_u64(any);
        sum->decided = dist_sum_u64(sum->decided);
        sum->caught_up = dist_sum_u64(sum->caught_up);
        sum->finality_ns_sum = (int64_t)dist_sum_u64((uint64_t)sum->finality_ns_sum);
        sum->rounds_sum = dist_sum_u64(sum->rounds_sum);
        sum->max_rounds = (uint64_t)dist_max_i64((int64_t)sum->max_rounds);
        sum->votes_sent = dist_sum_u64(sum->votes_sent);
        sum->proposals_sent = dist_sum_u64(sum->proposals_sent);
        sum->round_timeouts = dist_sum_u64(sum->round_timeouts);
        sum->equivocations = dist_sum_u64(sum->equivocations);
        sum->certs_refused = dist_sum_u64(sum->certs_refused);
    }
    return any != 0;
}

/* summary.json's "bft" section of a BFT run from the nodes' figures
 * summed (bft_sum). Returns 0, or -1 when out of memory. */
static int bft_report(world *s, const consensus_bft_stats *all, int any, const bftcheck *c)
{
    consensus_bft_stats sum = *all;
    if (!any)
        return 0;
    cJSON *o = cJSON_CreateObject();
    if (o == NULL)
        return -1;
    double decided = (double)sum.decided;
    int ok = cJSON_AddNumberToObject(o, "commits_decided", decided) &&
             cJSON_AddNumberToObject(o, "commits_caught_up", (double)sum.caught_up) &&
             (sum.decided > 0
                  ? cJSON_AddNumberToObject(o, "finality_latency_mean_s",
                                            (double)sum.finality_ns_sum / 1e9 / decided) != NULL
                  : cJSON_AddNullToObject(o, "finality_latency_mean_s") != NULL) &&
             (sum.decided > 0 ? cJSON_AddNumberToObject(o, "rounds_per_height_mean",
                                                        (double)sum.rounds_sum / decided) != NULL
                              : cJSON_AddNullToObject(o, "rounds_per_height_mean") != NULL) &&
             cJSON_AddNumberToObject(o, "rounds_per_height_max", (double)sum.max_rounds) &&
             cJSON_AddNumberToObject(o, "round_timeouts", (double)sum.round_timeouts) &&
             cJSON_AddNumberToObject(o, "votes_sent", (double)sum.votes_sent) &&
             cJSON_AddNumberToObject(o, "proposals_sent", (double)sum.proposals_sent) &&
             cJSON_AddNumberToObject(o, "equivocations", (double)sum.equivocations) &&
             cJSON_AddNumberToObject(o, "certificates_refused", (double)sum.certs_refused);
    if (!ok || (sum.equivocations > 0 && bft_evidence(o, s, c) != 0) || bft_safety(o, s, c) != 0) {
        cJSON_Delete(o);
        return -1;
    }
    metrics_set_bft(s->m, o);
    return 0;
}

/* Merges the metrics and writes the CSV files, summary.json and
 * run_info.json. Returns 0, or -1 with a message in err. */
static int write_metrics(world *s, char *err, size_t errlen, const metrics_chain *chains,
                         uint32_t main_node, const consensus_bft_stats *bft, int any_bft,
                         const bftcheck *checks, double wall_s)
{
    char why[512];
    if (metrics_finish(s->m, why, sizeof why, chains, s->n, &chains[main_node],
                       s->scn.duration_ns) != METRICS_OK) {
        snprintf(err, errlen, "metrics: %s", why);
        return -1;
    }
    if (bft_report(s, bft, any_bft, checks) != 0) {
        snprintf(err, errlen, "metrics: out of memory");
        return -1;
    }
    if (world_attack_report(s) != 0) {
        snprintf(err, errlen, "metrics: out of memory");
        return -1;
    }
    if (metrics_write(s->m, err, errlen, s->out_dir, s->scn_json, s->seed) != METRICS_OK ||
        metrics_write_run_info(err, errlen, s->out_dir, wall_s, engine_threads(s->eng)) !=
            METRICS_OK)
        return -1;
    return 0;
}

/* The headline figures of sum, one line each, those that are numbers. */
static void print_figures(const cJSON *sum)
{
    static const char *const figures[][2] = {
        {"blocks produced", "blocks.produced"},
        {"stale rate", "blocks.stale_rate"},
        {"reorganisations", "reorgs.count"},
        {"deepest reorg", "reorgs.deepest"},
        {"propagation to 90% (median s)", "propagation_s.reach_90pct.median"},
        {"transactions confirmed", "transactions.confirmed"},
        {"transactions per second", "transactions.per_second"},
        {"confirmation latency (median s)", "transactions.confirmation_latency_s.median"},
        {"hashes", "hashes"},
        {"messages", "messages.sent"},
    };
    for (size_t k = 0; k < sizeof figures / sizeof figures[0]; k++) {
        const cJSON *v = summary_lookup(sum, figures[k][1]);
        if (cJSON_IsNumber(v))
            printf("  %-32s %.6g\n", figures[k][0], v->valuedouble);
    }
}

/* The closing summary: the run, its main chain, the headline figures, the
 * wall clock (stderr), the first 16 nodes' tips (and how many more there
 * are) and where the files are. */
void output_print(world *s, output_written *res, const chainsel *sel, const char *shown_dir,
                  double wall_s)
{
    uint32_t main_node = res->main_node;
    const node_fact *facts = res->facts;
    if (dist_rank() != 0) { /* process 0 prints */
        free(res->facts);
        res->facts = NULL;
        return;
    }
    cJSON *sum = metrics_summary(s->m, s->scn_json, s->seed);
    char tip[65];
    hash_to_hex(tip, &facts[main_node].tip);
    printf("\nsummary: %s, %u nodes, %s, seed %" PRIu64 ", %.0f virtual seconds\n",
           s->scn.name ? s->scn.name : "scenario", s->n, s->ops->title, s->seed,
           (double)s->scn.duration_ns / (double)TIMEUNIT_NS_PER_S);
    printf("  main chain: height %u, tip %s (node %u)\n", facts[main_node].height, tip,
           main_node + 1);
    print_figures(sum);
    /* The rate the real hashing ran at inside the whole simulation
     * (compare with bench/bench_hash): wall-clock, so on stderr. */
    const cJSON *hashes = cJSON_GetObjectItemCaseSensitive(sum, "hashes");
    fflush(stdout);
    if (s->procs > 1)
        fprintf(stderr, "  wall clock: %.2f s on %u processes of %u worker threads", wall_s,
                s->procs, engine_threads(s->eng));
    else
        fprintf(stderr, "  wall clock: %.2f s on %u worker threads", wall_s,
                engine_threads(s->eng));
    if (cJSON_IsNumber(hashes) && hashes->valuedouble > 0 && wall_s > 0)
        fprintf(stderr, ", %.4g hashes per wall second", hashes->valuedouble / wall_s);
    fputc('\n', stderr);
    uint32_t more = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        if (!facts[i].started)
            continue;
        if (i >= 16) {
            more++;
            continue;
        }
        hash_to_hex(tip, &facts[i].tip);
        printf("  node %-4u height %-6u tip %.16s%s\n", i + 1, facts[i].height, tip,
               facts[i].online ? "" : " (offline)");
    }
    if (more > 0)
        printf("  ... %u more node%s (nodes.csv and timeline.csv have every node)\n", more,
               more == 1 ? "" : "s");
    if (sel->kind == CHAINSEL_ALL)
        printf("  output: %s/ (node1_chain.json ... node%u_chain.json, CSV metrics, "
               "summary.json)\n",
               shown_dir, s->n);
    else
        printf("  output: %s/ (%u chain file%s, CSV metrics, summary.json)\n", shown_dir,
               res->n_files, res->n_files == 1 ? "" : "s");
    cJSON_Delete(sum);
    free(res->facts);
    res->facts = NULL;
}

int output_write(world *s, output_written *res, char *err, size_t errlen, const chainsel *sel,
                 double wall_s)
{
    world_sample(s, s->scn.duration_ns);
    node_fact *facts = malloc((s->n ? s->n : 1) * sizeof *facts);
    metrics_chain *chains = calloc(s->n, sizeof *chains);
    hash256 **ids = calloc(s->n, sizeof *ids);
    if (facts == NULL || chains == NULL || ids == NULL)
        abort();
    res->n_files = 0;
    res->facts = facts;
    int status = gather_facts(s, facts);
    if (status != 0) {
        snprintf(err, errlen, "out of memory");
    } else {
        res->main_node = collect_chains(s, facts, chains, ids);
        /* Chain files first: they are the run's primary output. */
        status = save_chains(s, facts, sel, res->main_node, &res->n_files, err, errlen);
    }
    if (status == 0)
        record_bft_heights(s);
    if (status == 0 && s->procs > 1)
        status = gather_metrics(s, err, errlen);
    if (status == 0 && s->procs > 1 && s->scn.n_adversaries > 0)
        status = gather_adversaries(s, err, errlen);
    consensus_bft_stats bft = {0};
    int any_bft = status == 0 ? bft_sum(s, &bft) : 0;
    bftcheck checks = {0};
    if (status == 0 && any_bft)
        status = gather_bft_checks(s, &checks, chains[res->main_node], err, errlen);
    if (status == 0) {
        int ok = dist_rank() != 0 || write_metrics(s, err, errlen, chains, res->main_node, &bft,
                                                   any_bft, &checks, wall_s) == 0;
        if (s->procs > 1)
            ok = dist_all_ok(ok, err, errlen);
        status = ok ? 0 : -1;
    }
    bftcheck_free(&checks);
    for (uint32_t i = 0; i < s->n; i++)
        free(ids[i]);
    free(ids);
    free(chains);
    if (status != 0) {
        free(facts);
        res->facts = NULL;
    }
    return status;
}
