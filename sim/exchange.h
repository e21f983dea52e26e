/* The engine's exchange step between ranks (worker threads here, MPI ranks in
 * a distributed build): during a window each rank posts the events it sends to
 * nodes of other ranks; at the window's end the ranks synchronise, each collects
 * what was posted to it, and they agree on the next window with an allreduce.
 * This file is the in-process transport; an MPI one implements the same calls. */
#ifndef CHAINSIM_EXCHANGE_H
#define CHAINSIM_EXCHANGE_H

#include "engine.h"

#include <stdint.h>

/* The exchange between `ranks` ranks (opaque; one owner). */
typedef struct exchange exchange;

/* What each rank contributes to the allreduce at a window barrier. */
typedef struct exchange_vote {
    int64_t next_ns;   /* earliest pending work at this rank (min-reduced) */
    int64_t global_ns; /* earliest global event known to this rank (min-reduced) */
    uint32_t stop;     /* nonzero: stop the run (or-reduced) */
} exchange_vote;

/* Creates the exchange for ranks >= 1. spin != 0 lets waiting ranks spin
 * briefly before sleeping (good when every rank has its own CPU). Returns
 * ENGINE_OK and sets *out, or ENGINE_E_NOMEM (*out = NULL). */
int exchange_new(exchange **out, uint32_t ranks, int spin) __attribute__((warn_unused_result));

/* Frees x and any events still posted in it (without looking at payloads:
 * the engine collects everything before it frees). Accepts NULL. */
void exchange_free(exchange *x);

/* Posts ev from rank `from` to rank `to` (!= from). Only the thread of rank
 * `from` may post as `from`, only during a window; no lock. Aborts when out
 * of memory. */
void exchange_post(exchange *x, uint32_t from, uint32_t to, const engine_event *ev);

/* Ends a window for rank: returns when every rank has called it, and from
 * then on everything posted during the window can be collected. */
void exchange_sync(exchange *x, uint32_t rank);

/* After exchange_sync: hands every event posted to rank during the window to
 * sink (in order of posting rank, then posting order) and forgets them. */
void exchange_collect(exchange *x, uint32_t rank, void (*sink)(void *ctx, const engine_event *ev),
                      void *ctx);

/* Allreduce: every rank contributes mine and receives in *all the minimum
 * next_ns and global_ns and the or of stop over all ranks. A barrier: it
 * returns once every rank has contributed. Must follow exchange_sync or
 * exchange_barrier (slots are reused). */
void exchange_reduce(exchange *x, uint32_t rank, const exchange_vote *mine, exchange_vote *all);

/* A plain barrier of all ranks. */
void exchange_barrier(exchange *x, uint32_t rank);

#endif
