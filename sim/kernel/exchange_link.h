/* Private to exchange.c and exchange_mpi.c: the link between processes that
 * an exchange uses when a run spans several (MPI ranks). Not a contract;
 * see exchange.h for what the link does. */
#ifndef CHAINSIM_EXCHANGE_LINK_H
#define CHAINSIM_EXCHANGE_LINK_H

#include "exchange.h"

typedef struct xlink xlink;

/* Builds the link (see exchange_link). Returns ENGINE_OK and sets *out, or
 * ENGINE_E_PROCS (no MPI in this build) or ENGINE_E_NOMEM (*out = NULL). */
int xlink_new(xlink **out, uint32_t ranks, uint32_t procs, uint32_t proc, const uint32_t *owner,
              const engine_model *model);

/* Frees l and the events it still holds (handed to on_discard). NULL is fine. */
void xlink_free(xlink *l);

/* Keeps ev from local rank `from` for process proc, until the window's end.
 * Only rank from's thread posts as from. */
void xlink_post(xlink *l, uint32_t from, uint32_t proc, const engine_event *ev);

/* At the window's end, on one thread while every local rank waits: packs
 * and sends what was posted to each process, receives what they sent here,
 * and reduces *vote (this process's, already reduced over its ranks) with
 * theirs. */
void xlink_step(xlink *l, exchange_vote *vote);

/* Hands rank's events from the last step to sink, and forgets them. */
void xlink_collect(xlink *l, uint32_t rank, void (*sink)(void *ctx, const engine_event *ev),
                   void *ctx);

#endif
