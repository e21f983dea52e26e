/* Writing a finished run: chain files, metrics, summary. Chain files come
 * first because they are the primary output; every file is written
 * atomically (fileout). What goes to stdout is as deterministic as the
 * files; wall-clock facts go to stderr and run_info.json. */
#include "output.h"

#include "chainfile.h"
#include "cli.h"
#include "fileout.h"
#include "hmap.h"
#include "summary.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The chain of node i as ids by height (caller frees). */
static hash256 *chain_ids(const chain *c, size_t *len)
{
    uint32_t h = chain_height(c);
    hash256 *ids = malloc(((size_t)h + 1) * sizeof *ids);
    if (ids == NULL)
        abort();
    for (uint32_t k = 0; k <= h; k++)
        ids[k] = *chain_entry_id(chain_at_height(c, k));
    *len = (size_t)h + 1;
    return ids;
}

/* Writes every started node's chain file. Most nodes share a chain at the
 * end of a run, so each distinct chain (by chainfile_identity: tip and
 * parameters) is rendered once, its bytes written to the file of every node
 * holding it, and freed after its last node; each file is still written on
 * its own, atomically. Returns 0, or -1 with a message naming the node in
 * err. */
static int save_all_chains(world *s, char *err, size_t errlen)
{
    hmap *ids = NULL; /* identity -> index of the distinct chain */
    size_t cap = s->n ? s->n : 1, n_ids = 0;
    char **texts = calloc(cap, sizeof *texts);
    size_t *lens = calloc(cap, sizeof *lens);
    uint32_t *users = calloc(cap, sizeof *users); /* nodes still to write */
    size_t *which = calloc(cap, sizeof *which);   /* node -> distinct chain */
    int status = -1;
    char why[400];
    if (texts == NULL || lens == NULL || users == NULL || which == NULL ||
        hmap_new(&ids, sizeof(hash256), sizeof(size_t)) != 0)
        goto oom;
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->nodes[i].n == NULL)
            continue;
        hash256 key;
        if (chainfile_identity(node_chain(s->nodes[i].n), &key) != CHAINFILE_OK)
            goto oom;
        const size_t *at = hmap_get(ids, &key);
        size_t k = at ? *at : n_ids;
        if (at == NULL) {
            if (hmap_put(ids, &key, &k) < 0)
                goto oom;
            n_ids++;
        }
        which[i] = k;
        users[k]++;
    }
    for (uint32_t i = 0; i < s->n; i++) {
        if (s->nodes[i].n == NULL)
            continue;
        size_t k = which[i];
        if (texts[k] == NULL && chainfile_render(node_chain(s->nodes[i].n), &texts[k], &lens[k],
                                                 why, sizeof why) != CHAINFILE_OK) {
            snprintf(err, errlen, "node %u: %s", i + 1, why);
            goto done;
        }
        char *path = world_chain_path_in(s->out_dir, i);
        if (path == NULL)
            goto oom;
        fileout_status st = fileout_write(why, sizeof why, path, texts[k], lens[k]);
        free(path);
        if (st != FILEOUT_OK) {
            snprintf(err, errlen, "node %u: %s", i + 1, why);
            goto done;
        }
        if (--users[k] == 0) {
            free(texts[k]);
            texts[k] = NULL;
        }
    }
    status = 0;
    goto done;
oom:
    snprintf(err, errlen, "out of memory");
done:
    for (size_t k = 0; texts != NULL && k < n_ids; k++)
        free(texts[k]);
    free(texts);
    free(lens);
    free(users);
    free(which);
    hmap_free(ids);
    return status;
}

/* Every node's final chain as ids by height (a node never started holds the
 * genesis block only), in chains[] with the arrays in ids[] (both n long,
 * the caller frees). Returns the main node: the online node with the most
 * work, ties to the lowest number (node 0 when none is online). */
static uint32_t collect_chains(world *s, metrics_chain *chains, hash256 **ids)
{
    uint32_t main_node = UINT32_MAX;
    for (uint32_t i = 0; i < s->n; i++) {
        const chain *c = s->nodes[i].n ? node_chain(s->nodes[i].n) : NULL;
        if (c == NULL) {
            ids[i] = malloc(sizeof(hash256));
            if (ids[i] == NULL)
                abort();
            ids[i][0] = *block_id(s->genesis);
            chains[i] = (metrics_chain){ids[i], 1};
            continue;
        }
        ids[i] = chain_ids(c, &chains[i].len);
        chains[i].ids = ids[i];
        if (!s->nodes[i].online)
            continue;
        if (main_node == UINT32_MAX ||
            u256_cmp(chain_entry_work(chain_tip(c)),
                     chain_entry_work(chain_tip(node_chain(s->nodes[main_node].n)))) > 0)
            main_node = i;
    }
    return main_node == UINT32_MAX ? 0 : main_node;
}

/* Merges the metrics and writes the CSV files, summary.json and
 * run_info.json. Returns 0, or 1 with a line on stderr. */
static int write_metrics(world *s, const metrics_chain *chains, uint32_t main_node, double wall_s)
{
    char err[512];
    if (metrics_finish(s->m, err, sizeof err, chains, s->n, &chains[main_node],
                       s->scn.duration_ns) != METRICS_OK) {
        cli_error("run: metrics: %s", err);
        return 1;
    }
    if (metrics_write(s->m, err, sizeof err, s->out_dir, s->scn_json, s->seed) != METRICS_OK ||
        metrics_write_run_info(err, sizeof err, s->out_dir, wall_s, engine_threads(s->eng)) !=
            METRICS_OK) {
        cli_error("run: %s", err);
        return 1;
    }
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
 * wall clock (stderr), the first 16 nodes' tips and where the files are. */
static void print_summary(world *s, uint32_t main_node, double wall_s)
{
    cJSON *sum = metrics_summary(s->m, s->scn_json, s->seed);
    const chain *mc = node_chain(s->nodes[main_node].n);
    char tip[65];
    hash_to_hex(tip, chain_entry_id(chain_tip(mc)));
    printf("\nsummary: %s, %u nodes, %s, seed %" PRIu64 ", %.0f virtual seconds\n",
           s->scn.name ? s->scn.name : "scenario", s->n,
           s->cons.type == CHAIN_POW ? "proof-of-work" : "proof-of-stake", s->seed,
           (double)s->scn.duration_ns / 1e9);
    printf("  main chain: height %u, tip %s (node %u)\n", chain_height(mc), tip, main_node + 1);
    print_figures(sum);
    /* The rate the real hashing ran at inside the whole simulation
     * (compare with bench/bench_hash): wall-clock, so on stderr. */
    const cJSON *hashes = cJSON_GetObjectItemCaseSensitive(sum, "hashes");
    fflush(stdout);
    fprintf(stderr, "  wall clock: %.2f s on %u worker threads", wall_s, engine_threads(s->eng));
    if (cJSON_IsNumber(hashes) && hashes->valuedouble > 0 && wall_s > 0)
        fprintf(stderr, ", %.4g hashes per wall second", hashes->valuedouble / wall_s);
    fputc('\n', stderr);
    for (uint32_t i = 0; i < s->n && i < 16; i++) {
        const chain *c = s->nodes[i].n ? node_chain(s->nodes[i].n) : NULL;
        if (c == NULL)
            continue;
        hash_to_hex(tip, chain_entry_id(chain_tip(c)));
        printf("  node %-4u height %-6u tip %.16s%s\n", i + 1, chain_height(c), tip,
               s->nodes[i].online ? "" : " (offline)");
    }
    printf("  output: %s/ (node1_chain.json ... node%u_chain.json, CSV metrics, "
           "summary.json)\n",
           s->out_dir, s->n);
    cJSON_Delete(sum);
}

int output_finish(world *s, double wall_s)
{
    char err[512];
    world_sample(s, s->scn.duration_ns);
    /* Chain files first: they are the run's primary output. */
    if (save_all_chains(s, err, sizeof err) != 0) {
        cli_error("run: %s", err);
        return 1;
    }
    metrics_chain *chains = calloc(s->n, sizeof *chains);
    hash256 **ids = calloc(s->n, sizeof *ids);
    if (chains == NULL || ids == NULL)
        abort();
    uint32_t main_node = collect_chains(s, chains, ids);
    int status = write_metrics(s, chains, main_node, wall_s);
    if (status == 0)
        print_summary(s, main_node, wall_s);
    for (uint32_t i = 0; i < s->n; i++)
        free(ids[i]);
    free(ids);
    free(chains);
    return status;
}
