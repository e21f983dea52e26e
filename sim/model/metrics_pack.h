/* Per-node metrics recorders as bytes, for a run split over several
 * processes: each process packs the recorders of its nodes, process 0
 * unpacks them all into its metrics before metrics_finish. */
#ifndef CHAINSIM_METRICS_PACK_H
#define CHAINSIM_METRICS_PACK_H

#include "metrics.h"

#include <stddef.h>
#include <stdint.h>

/* Packs the recorders of the nodes (1..n_nodes) for which keep(ctx, node)
 * is nonzero into *out (malloc'ed, caller frees; *len bytes). Returns 0, or
 * -1 when out of memory (*out = NULL). Single-threaded, before
 * metrics_finish. */
int metrics_pack_nodes(unsigned char **out, size_t *len, const metrics *m,
                       int (*keep)(void *ctx, uint32_t node), void *ctx)
    __attribute__((warn_unused_result));

/* Replaces the recorders of the nodes in buf (from metrics_pack_nodes of a
 * run of the same nodes) with what buf holds. Returns 0, or -1 for bytes
 * that do not read back or out of memory (m then holds partial records and
 * must only be freed). Single-threaded, before metrics_finish. */
int metrics_unpack_nodes(metrics *m, const unsigned char *buf, size_t len)
    __attribute__((warn_unused_result));

#endif
