/* The dashboard's collective steps over several processes (see the header).
 * What crosses is small and fixed per sample: a few words per node (OR-ed
 * together: each process fills its own nodes' entries and leaves the rest
 * zero), the page's commands as the server queued them (broadcast from
 * process 0 as they are: every process runs the same binary), and the
 * feed entries other processes told since the last sample, and the blocks
 * new on other processes' nodes' active chains (each once per process,
 * within the dashboard's window of recent heights), so that process 0's
 * block records follow every node's chain. Nothing here
 * reads or changes what the run writes, so serving leaves outputs as they
 * were; commands change the run exactly as in one process, at the same
 * virtual time on every process. */
#include "run_serve_dist.h"

#include "chain.h"
#include "dashrec.h"
#include "dist.h"
#include "mempool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FEED_WIRE_NODES = 16 };

/* One kept feed entry on the wire, then its text (len bytes). */
typedef struct feed_wire {
    int64_t time_ns;
    char kind[16];
    uint32_t n_nodes; /* all of them; the first FEED_WIRE_NODES travel */
    uint32_t nodes[FEED_WIRE_NODES];
    uint32_t len;
} feed_wire;

/* One node on the wire: what process 0 cannot read itself. */
typedef struct node_wire {
    uint32_t started, height;
    uint64_t mempool;
    hash256 tip;
} node_wire;

static void feed_put(run_serve_feed *f, const void *p, size_t n)
{
    if (f->len + n > f->cap) {
        size_t cap = f->cap ? f->cap : 1024;
        while (cap < f->len + n)
            cap *= 2;
        unsigned char *b = realloc(f->buf, cap);
        if (b == NULL)
            abort();
        f->buf = b;
        f->cap = cap;
    }
    memcpy(f->buf + f->len, p, n);
    f->len += n;
}

void run_serve_dist_keep(run_serve_feed *f, const world_feed_item *item)
{
    feed_wire w;
    memset(&w, 0, sizeof w);
    w.time_ns = item->time_ns;
    strncpy(w.kind, item->kind, sizeof w.kind - 1);
    w.n_nodes = (uint32_t)item->n_nodes;
    for (size_t k = 0; k < item->n_nodes && k < FEED_WIRE_NODES; k++)
        w.nodes[k] = item->nodes[k];
    w.len = (uint32_t)strlen(item->text);
    feed_put(f, &w, sizeof w);
    feed_put(f, item->text, w.len);
}

void run_serve_dist_feed(run_serve_feed *f, rundash *rd)
{
    if (dist_size() <= 1)
        return; /* process 0 told its entries at once */
    unsigned char *all = NULL;
    size_t *lens = NULL;
    if (dist_gather(&all, &lens, f->buf, f->len) != 0)
        abort();
    f->len = 0;
    if (all == NULL)
        return;
    size_t total = 0;
    for (uint32_t p = 0; p < dist_size(); p++)
        total += lens[p];
    for (size_t at = 0; at + sizeof(feed_wire) <= total;) {
        feed_wire w;
        memcpy(&w, all + at, sizeof w);
        char *text = malloc((size_t)w.len + 1);
        if (text == NULL)
            abort();
        memcpy(text, all + at + sizeof w, w.len);
        text[w.len] = '\0';
        uint32_t n = w.n_nodes < FEED_WIRE_NODES ? w.n_nodes : FEED_WIRE_NODES;
        if (rd != NULL)
            rundash_feed(rd, w.time_ns, w.kind, w.nodes, n, text);
        free(text);
        at += sizeof w + w.len;
    }
    free(all);
    free(lens);
}

void run_serve_dist_feed_free(run_serve_feed *f)
{
    free(f->buf);
    memset(f, 0, sizeof *f);
}

/* Each wallet's balance, counted by the process of its node (the only one
 * that knows the wallet's coins), at every process. malloc'ed. */
static uint64_t *balances_of(world *s)
{
    uint32_t nw = wallet_count(s->ws);
    uint64_t *b = calloc(nw ? nw : 1, sizeof *b);
    if (b == NULL)
        abort();
    for (uint32_t w = 0; w < nw; w++) {
        const world_node *host = &s->nodes[wallet_host(s->ws, w)];
        if (world_local(s, wallet_host(s->ws, w)) && host->n != NULL)
            b[w] = wallet_balance(s->ws, w, node_chain(host->n));
    }
    dist_or_bytes(b, nw * sizeof *b);
    return b;
}

void run_serve_dist_nodes(world *s, int64_t now, rundash_node *nodes, uint64_t **balances)
{
    *balances = NULL;
    node_wire *far = NULL;
    if (s->procs > 1) {
        far = calloc(s->n, sizeof *far);
        if (far == NULL)
            abort();
    }
    for (uint32_t i = 0; i < s->n; i++) {
        const world_node *sn = &s->nodes[i];
        memset(&nodes[i], 0, sizeof nodes[i]);
        nodes[i].n = sn->n;
        nodes[i].online = sn->online;
        nodes[i].joining = sn->n == NULL && s->scn.nodes[i].join_at_ns <= now;
        if (far == NULL || !world_local(s, i) || sn->n == NULL)
            continue;
        const chain *c = node_chain(sn->n);
        far[i].started = 1;
        far[i].height = chain_height(c);
        far[i].mempool = mempool_count(node_mempool(sn->n));
        far[i].tip = *chain_entry_id(chain_tip(c));
    }
    if (far == NULL)
        return;
    dist_or_bytes(far, s->n * sizeof *far);
    *balances = balances_of(s);
    for (uint32_t i = 0; i < s->n; i++) {
        if (world_local(s, i))
            continue;
        rundash_node *x = &nodes[i];
        x->joining = !far[i].started && s->scn.nodes[i].join_at_ns <= now;
        x->far = (int)far[i].started;
        x->far_height = far[i].height;
        x->far_tip = far[i].tip;
        x->far_mempool = far[i].mempool;
    }
    free(far);
}

void run_serve_dist_blocks(dashfar_sender *snd, world *s, rundash *rd)
{
    if (s->procs <= 1)
        return;
    dashfar_block *mine = NULL;
    size_t n_mine = 0;
    if (dist_rank() != 0) { /* process 0 reads its own nodes' chains */
        const chain **chains = calloc(s->n ? s->n : 1, sizeof *chains);
        if (chains == NULL)
            abort();
        for (uint32_t i = 0; i < s->n; i++)
            if (world_local(s, i) && s->nodes[i].n != NULL)
                chains[i] = node_chain(s->nodes[i].n);
        if (dashfar_collect(snd, chains, s->n, DASHREC_RECENT_HEIGHTS, DASHREC_KEEP_HEIGHTS, &mine,
                            &n_mine) != 0)
            abort();
        free(chains);
    }
    unsigned char *packed, *all = NULL;
    size_t len, *lens = NULL;
    if (dashfar_pack(&packed, &len, mine, n_mine) != 0 ||
        dist_gather(&all, &lens, packed, len) != 0)
        abort();
    free(packed);
    free(mine);
    if (all == NULL)
        return;
    size_t at = 0;
    for (uint32_t p = 0; p < dist_size(); at += lens[p], p++) {
        dashfar_block *got;
        size_t n;
        char err[200];
        if (dashfar_unpack(&got, &n, all + at, lens[p], err, sizeof err) != 0) {
            fprintf(stderr, "chainsim: process %u: %s\n", p, err);
            abort(); /* the same binary packed them: a fault, not input */
        }
        /* CHAINSIM_PACK_SEEDS: the first records beyond the genesis, a seed */
        if (n > 0 && got[0].height > 0 && !snd->seeded) {
            snd->seeded = 1;
            world_dist_seed("dashblocks", all + at, lens[p]);
        }
        if (rd != NULL && rundash_far_blocks(rd, got, n) != 0)
            abort();
        free(got);
    }
    free(all);
    free(lens);
}

void run_serve_dist_commands(dash_command **cmds, size_t *n)
{
    if (dist_size() <= 1)
        return;
    uint64_t count = dist_rank() == 0 ? *n : 0;
    dist_bcast(&count, sizeof count, 0);
    if (dist_rank() != 0) {
        *n = (size_t)count;
        *cmds = NULL;
        if (count == 0)
            return;
        *cmds = malloc((size_t)count * sizeof **cmds);
        if (*cmds == NULL)
            abort();
    }
    if (count > 0)
        dist_bcast(*cmds, (size_t)count * sizeof **cmds, 0);
}

int run_serve_dist_started(world *s, uint32_t ni)
{
    int32_t started = s->nodes[ni].n != NULL;
    if (s->procs > 1)
        dist_bcast(&started, sizeof started, engine_proc_of(s->eng, ni));
    return started;
}
