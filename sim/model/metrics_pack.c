/* Per-node recorders carried between processes: a run split over several
 * processes records each node in the process that runs it, and process 0
 * takes every recorder before metrics_finish merges them, so the merge and
 * its bytes are those of a run in one process. The bytes are this build's
 * in-memory records (the processes of one job run one build on one kind of
 * machine); the reasons travel as their names and come back as the static
 * names of core/reason.h. */
#include "metrics_pack.h"

#include "metrics_impl.h"
#include "packbuf.h"
#include "reason.h"

#include <stdlib.h>
#include <string.h>

int metrics_pack_nodes(unsigned char **out, size_t *len, const metrics *m,
                       int (*keep)(void *ctx, uint32_t node), void *ctx)
{
    obuf b = {0};
    for (uint32_t i = 0; i < m->n_nodes; i++) {
        const metrics_node *mn = &m->nodes[i];
        if (!keep(ctx, i + 1))
            continue;
        put(&b, &mn->node, sizeof mn->node);
        put(&b, &mn->last_ns, sizeof mn->last_ns);
        put(&b, &mn->status, sizeof mn->status);
        put(&b, mn->err, sizeof mn->err);
        put_u64(&b, mn->n_produced);
        for (size_t k = 0; k < mn->n_produced; k++) {
            const mblock *p = &mn->produced[k];
            mblock c; /* the fields, not the pointer or padding */
            memset(&c, 0, sizeof c);
            c.id = p->id;
            c.parent = p->parent;
            c.height = p->height;
            c.size_bytes = p->size_bytes;
            c.producer = p->producer;
            c.time_ns = p->time_ns;
            c.n_txids = p->n_txids;
            c.main = p->main;
            c.seen_by = p->seen_by;
            c.reach50_ns = p->reach50_ns;
            c.reach90_ns = p->reach90_ns;
            put(&b, &c, sizeof c);
            put(&b, p->txids, p->n_txids * sizeof(hash256));
        }
        put_u64(&b, mn->n_seen);
        put(&b, mn->seen, mn->n_seen * sizeof *mn->seen);
        put_u64(&b, mn->n_reorgs);
        put(&b, mn->reorgs, mn->n_reorgs * sizeof *mn->reorgs);
        put_u64(&b, mn->n_txsub);
        put(&b, mn->txsub, mn->n_txsub * sizeof *mn->txsub);
        put_u64(&b, mn->n_txds);
        put(&b, mn->txds, mn->n_txds * sizeof *mn->txds);
        put(&b, mn->counters, sizeof mn->counters);
        put_u64(&b, mn->n_reasons);
        for (size_t k = 0; k < mn->n_reasons; k++) {
            uint64_t n = strlen(mn->reasons[k].reason);
            put_u64(&b, n);
            put(&b, mn->reasons[k].reason, n);
            put_u64(&b, mn->reasons[k].count);
        }
        /* rejections by peer: the reason by name, as above */
        put_u64(&b, mn->n_prej);
        for (size_t k = 0; k < mn->n_prej; k++) {
            const mpeer_rej *r = &mn->prej[k];
            uint64_t n = strlen(r->reason);
            put(&b, &r->peer, sizeof r->peer);
            put_u64(&b, n);
            put(&b, r->reason, n);
            put_u64(&b, r->count);
            put_u64(&b, r->score);
        }
        put_u64(&b, mn->n_bans);
        put(&b, mn->bans, mn->n_bans * sizeof *mn->bans);
        put_u64(&b, mn->n_equivs);
        put(&b, mn->equivs, mn->n_equivs * sizeof *mn->equivs);
        put_u64(&b, mn->n_bfth);
        put(&b, mn->bfth, mn->n_bfth * sizeof *mn->bfth);
    }
    if (b.failed) {
        free(b.v);
        *out = NULL;
        *len = 0;
        return -1;
    }
    *out = b.v;
    *len = b.len;
    return 0;
}

/* Reads a count of records of elem bytes into a fresh array (*v, *n, *cap). */
static void get_array(ibuf *b, void **v, size_t *n, size_t *cap, size_t elem)
{
    uint64_t count = get_u64(b);
    if (b->failed || count > (b->len - b->at) / (elem ? elem : 1)) {
        b->failed = 1;
        return;
    }
    free(*v);
    *v = malloc(count ? count * elem : 1);
    if (*v == NULL) {
        b->failed = 1;
        return;
    }
    get(b, *v, count * elem);
    *n = *cap = count;
}

static const char *static_reason(const char *name, size_t n)
{
    for (int r = 0; r < REASON_COUNT; r++) {
        const char *s = reason_name((reason)r);
        if (strlen(s) == n && memcmp(s, name, n) == 0)
            return s;
    }
    return NULL;
}

int metrics_unpack_nodes(metrics *m, const unsigned char *buf, size_t len)
{
    ibuf b = {buf, len, 0, 0};
    while (!b.failed && b.at < b.len) {
        uint32_t node = 0;
        get(&b, &node, sizeof node);
        if (b.failed || node < 1 || node > m->n_nodes)
            return -1;
        metrics_node *mn = &m->nodes[node - 1];
        metrics_node_clear(mn);
        get(&b, &mn->last_ns, sizeof mn->last_ns);
        get(&b, &mn->status, sizeof mn->status);
        get(&b, mn->err, sizeof mn->err);
        mn->err[sizeof mn->err - 1] = '\0';
        uint64_t n = get_u64(&b);
        if (b.failed || n > (b.len - b.at) / sizeof(mblock))
            return -1;
        mn->produced = calloc(n ? n : 1, sizeof *mn->produced);
        if (mn->produced == NULL)
            return -1;
        mn->cap_produced = n;
        for (size_t k = 0; k < n && !b.failed; k++) {
            mblock *blk = &mn->produced[k];
            get(&b, blk, sizeof *blk);
            blk->txids = NULL;
            if (b.failed || blk->n_txids > (b.len - b.at) / sizeof(hash256)) {
                blk->n_txids = 0;
                return -1;
            }
            blk->txids = malloc(blk->n_txids ? blk->n_txids * sizeof(hash256) : 1);
            if (blk->txids == NULL)
                return -1;
            mn->n_produced = k + 1;
            get(&b, blk->txids, blk->n_txids * sizeof(hash256));
        }
        get_array(&b, (void **)&mn->seen, &mn->n_seen, &mn->cap_seen, sizeof *mn->seen);
        get_array(&b, (void **)&mn->reorgs, &mn->n_reorgs, &mn->cap_reorgs, sizeof *mn->reorgs);
        get_array(&b, (void **)&mn->txsub, &mn->n_txsub, &mn->cap_txsub, sizeof *mn->txsub);
        get_array(&b, (void **)&mn->txds, &mn->n_txds, &mn->cap_txds, sizeof *mn->txds);
        get(&b, mn->counters, sizeof mn->counters);
        n = get_u64(&b);
        if (b.failed || n > b.len - b.at)
            return -1;
        mn->reasons = calloc(n ? n : 1, sizeof *mn->reasons);
        if (mn->reasons == NULL)
            return -1;
        mn->cap_reasons = n;
        for (size_t k = 0; k < n && !b.failed; k++) {
            uint64_t name_len = get_u64(&b);
            if (b.failed || name_len > b.len - b.at)
                return -1;
            const char *name = static_reason((const char *)b.v + b.at, (size_t)name_len);
            b.at += name_len;
            if (name == NULL)
                return -1;
            mn->reasons[k].reason = name;
            mn->reasons[k].count = get_u64(&b);
            mn->n_reasons = k + 1;
        }
        n = get_u64(&b);
        if (b.failed || n > b.len - b.at)
            return -1;
        mn->prej = calloc(n ? n : 1, sizeof *mn->prej);
        if (mn->prej == NULL)
            return -1;
        mn->cap_prej = n;
        for (size_t k = 0; k < n && !b.failed; k++) {
            mpeer_rej *r = &mn->prej[k];
            get(&b, &r->peer, sizeof r->peer);
            uint64_t name_len = get_u64(&b);
            if (b.failed || name_len > b.len - b.at || r->peer >= m->n_nodes)
                return -1;
            r->reason = static_reason((const char *)b.v + b.at, (size_t)name_len);
            b.at += name_len;
            if (r->reason == NULL)
                return -1;
            r->count = get_u64(&b);
            r->score = get_u64(&b);
            mn->n_prej = k + 1;
        }
        get_array(&b, (void **)&mn->bans, &mn->n_bans, &mn->cap_bans, sizeof *mn->bans);
        for (size_t k = 0; k < mn->n_bans && !b.failed; k++)
            if (mn->bans[k].node != node - 1 || mn->bans[k].peer >= m->n_nodes)
                return -1;
        get_array(&b, (void **)&mn->equivs, &mn->n_equivs, &mn->cap_equivs, sizeof *mn->equivs);
        for (size_t k = 0; k < mn->n_equivs && !b.failed; k++)
            if (mn->equivs[k].proposer >= m->n_nodes)
                return -1;
        get_array(&b, (void **)&mn->bfth, &mn->n_bfth, &mn->cap_bfth, sizeof *mn->bfth);
    }
    return b.failed ? -1 : 0;
}
