/* The bft section's evidence and chains, carried between processes
 * (bftcheck.h). */
#include "bftcheck.h"
#include "packbuf.h"

#include <stdlib.h>
#include <string.h>

int bftcheck_init(bftcheck *c, uint32_t n, metrics_chain main)
{
    memset(c, 0, sizeof *c);
    c->n = n;
    c->main = main;
    c->caught = malloc(BFTCHECK_MAX_CAUGHT * sizeof *c->caught);
    c->chains = calloc(n ? n : 1, sizeof *c->chains);
    c->honest = calloc(n ? n : 1, 1);
    c->own = calloc(n ? n : 1, sizeof *c->own);
    if (c->caught == NULL || c->chains == NULL || c->honest == NULL || c->own == NULL) {
        bftcheck_free(c);
        return -1;
    }
    return 0;
}

void bftcheck_free(bftcheck *c)
{
    for (uint32_t i = 0; c->own != NULL && i < c->n; i++)
        free(c->own[i]);
    free(c->own);
    free(c->honest);
    free(c->chains);
    free(c->caught);
    memset(c, 0, sizeof *c);
}

int bftcheck_add_caught(bftcheck *c, uint32_t node, const bftvote_evidence *ev)
{
    size_t at = c->n_caught;
    while (at > 0 && c->caught[at - 1].node > node)
        at--;
    if (at >= BFTCHECK_MAX_CAUGHT)
        return 0;
    size_t keep = c->n_caught < BFTCHECK_MAX_CAUGHT ? c->n_caught : BFTCHECK_MAX_CAUGHT - 1;
    memmove(&c->caught[at + 1], &c->caught[at], (keep - at) * sizeof *c->caught);
    c->caught[at] = (bftcheck_caught){node, *ev};
    c->n_caught = keep + 1;
    return 0;
}

/* Whether ids (len entries) is a prefix of the main chain. */
static int on_main(const bftcheck *c, const hash256 *ids, size_t len)
{
    return len <= c->main.len && hash_eq(&ids[len - 1], &c->main.ids[len - 1]);
}

int bftcheck_set_chain(bftcheck *c, uint32_t node, hash256 *ids, size_t len)
{
    if (node >= c->n || c->honest[node] || len == 0) {
        free(ids);
        return -1;
    }
    if (on_main(c, ids, len)) {
        free(ids);
        c->chains[node] = (metrics_chain){c->main.ids, len};
    } else {
        c->own[node] = ids;
        c->chains[node] = (metrics_chain){ids, len};
    }
    c->honest[node] = 1;
    return 0;
}

/* Layout: the count of evidence entries, each its node and evidence; then
 * the count of chains, each its node, its length and whether it is on the
 * main chain, then (when not) its ids. */
int bftcheck_pack(unsigned char **out, size_t *len, const bftcheck *c)
{
    obuf b = {0};
    put_u64(&b, c->n_caught);
    for (size_t k = 0; k < c->n_caught; k++) {
        put(&b, &c->caught[k].node, sizeof c->caught[k].node);
        put(&b, &c->caught[k].ev, sizeof c->caught[k].ev);
    }
    uint64_t n_chains = 0;
    for (uint32_t i = 0; i < c->n; i++)
        n_chains += c->honest[i];
    put_u64(&b, n_chains);
    for (uint32_t i = 0; i < c->n; i++) {
        if (!c->honest[i])
            continue;
        uint8_t shared = c->chains[i].ids == c->main.ids;
        put(&b, &i, sizeof i);
        put_u64(&b, c->chains[i].len);
        put(&b, &shared, sizeof shared);
        if (!shared)
            put(&b, c->chains[i].ids, c->chains[i].len * sizeof(hash256));
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

/* Reads the record in buf; with apply 0 checks it only, with apply 1 adds
 * it to c. Returns 0 or -1. */
static int unpack(bftcheck *c, const unsigned char *buf, size_t len, int apply)
{
    ibuf b = {buf, len, 0, 0};
    uint64_t n_caught = get_u64(&b);
    if (b.failed || n_caught > BFTCHECK_MAX_CAUGHT)
        return -1;
    uint32_t last = 0;
    for (uint64_t k = 0; k < n_caught; k++) {
        bftcheck_caught e;
        get(&b, &e.node, sizeof e.node);
        get(&b, &e.ev, sizeof e.ev);
        if (b.failed || e.node >= c->n || e.node < last)
            return -1;
        last = e.node;
        if (apply && bftcheck_add_caught(c, e.node, &e.ev) != 0)
            return -1;
    }
    uint64_t n_chains = get_u64(&b);
    if (b.failed || n_chains > c->n)
        return -1;
    int64_t prev = -1;
    for (uint64_t k = 0; k < n_chains; k++) {
        uint32_t node = UINT32_MAX;
        uint8_t shared = 2;
        get(&b, &node, sizeof node);
        uint64_t n_ids = get_u64(&b);
        get(&b, &shared, sizeof shared);
        if (b.failed || node >= c->n || (int64_t)node <= prev || c->honest[node] || n_ids == 0 ||
            shared > 1 || (shared ? n_ids > c->main.len : n_ids > (b.len - b.at) / sizeof(hash256)))
            return -1;
        prev = node;
        if (shared) {
            if (apply)
                c->chains[node] = (metrics_chain){c->main.ids, (size_t)n_ids};
        } else {
            const unsigned char *from = b.v + b.at;
            b.at += (size_t)n_ids * sizeof(hash256);
            if (apply) {
                hash256 *ids = malloc((size_t)n_ids * sizeof *ids);
                if (ids == NULL)
                    return -1;
                memcpy(ids, from, (size_t)n_ids * sizeof *ids);
                c->own[node] = ids; /* kept as its own, as it came */
                c->chains[node] = (metrics_chain){ids, (size_t)n_ids};
            }
        }
        if (apply)
            c->honest[node] = 1;
    }
    return b.at == b.len ? 0 : -1;
}

int bftcheck_unpack(bftcheck *c, const unsigned char *buf, size_t len)
{
    if (unpack(c, buf, len, 0) != 0)
        return -1;
    return unpack(c, buf, len, 1);
}
