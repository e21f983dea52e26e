/* What the bft section's evidence and safety check read of the nodes
 * (summary.json: "evidence", "safety_violations"): the equivocations each
 * node caught and each honest node's whole final chain. In a run split over
 * several processes these stay in the process that ran the node: each
 * process packs its own, and process 0 reads them into one bftcheck, so
 * the section is the one-process run's. A chain on the main chain (a prefix
 * of it, which every process holds) travels as its length alone. As with
 * metrics_pack, the bytes are this build's in-memory records. */
#ifndef CHAINSIM_BFTCHECK_H
#define CHAINSIM_BFTCHECK_H

#include "bftvote.h"
#include "metrics.h"

#include <stddef.h>
#include <stdint.h>

/* The evidence entries shown (summary.json) and carried per process. */
#define BFTCHECK_MAX_CAUGHT 20

/* One equivocation caught by node (0-based). */
typedef struct bftcheck_caught {
    uint32_t node;
    bftvote_evidence ev;
} bftcheck_caught;

typedef struct bftcheck {
    uint32_t n;              /* nodes of the run */
    metrics_chain main;      /* the main chain (borrowed) */
    bftcheck_caught *caught; /* in node order, each node's in the order caught */
    size_t n_caught;
    metrics_chain *chains; /* n: the honest nodes' chains, {NULL, 0} elsewhere */
    uint8_t *honest;       /* n: 1 where chains[i] is set */
    hash256 **own;         /* n: the arrays to free (NULL: none, or main's) */
} bftcheck;

/* An empty check of n nodes around the main chain main (borrowed; it must
 * outlive c). Returns 0, or -1 when out of memory (c is then empty). */
int bftcheck_init(bftcheck *c, uint32_t n, metrics_chain main);
void bftcheck_free(bftcheck *c);

/* Adds an equivocation node caught, after those of nodes up to node (at
 * most BFTCHECK_MAX_CAUGHT are kept: later ones are ignored). Returns 0,
 * or -1 when out of memory. */
int bftcheck_add_caught(bftcheck *c, uint32_t node, const bftvote_evidence *ev);

/* Sets honest node's chain to ids (len >= 1 entries from genesis; c takes
 * the array, which is freed, and shares main's when ids is a prefix of
 * it). Returns 0, or -1 (node out of range or already set: ids freed). */
int bftcheck_set_chain(bftcheck *c, uint32_t node, hash256 *ids, size_t len);

/* c's caught equivocations and chains as bytes (*out: malloc'ed). Returns
 * 0, or -1 when out of memory (*out = NULL). */
int bftcheck_pack(unsigned char **out, size_t *len, const bftcheck *c);

/* Adds what bftcheck_pack wrote of another process's nodes to c. Returns
 * 0, or -1 when the bytes are not such a record (c unchanged): a node out
 * of range, evidence out of node order or beyond BFTCHECK_MAX_CAUGHT, a
 * chain of a node already set or out of order, empty, longer than the
 * bytes or (carried as on the main chain) than the main chain, bytes left
 * over; or out of memory (c may then hold part of them). */
int bftcheck_unpack(bftcheck *c, const unsigned char *buf, size_t len);

#endif
