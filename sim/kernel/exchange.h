/* The engine's exchange step between ranks (worker threads here, MPI ranks in
 * a distributed build): during a window each rank posts the events it sends to
 * nodes of other ranks; at the window's end the ranks meet once, agreeing on
 * the next window with an allreduce, and each then collects what was posted
 * to it. This file is the in-process transport; an MPI one implements the
 * same calls. */
#ifndef CHAINSIM_EXCHANGE_H
#define CHAINSIM_EXCHANGE_H

#include "engine.h"

#include <stdint.h>

/* The exchange between `ranks` ranks (opaque; one owner). */
typedef struct exchange exchange;

/* What each rank contributes to the allreduce at a window's end. */
typedef struct exchange_vote {
    int64_t next_ns;   /* earliest pending work at this rank (min-reduced) */
    int64_t global_ns; /* earliest global event known to this rank (min-reduced) */
    uint32_t stop;     /* nonzero: stop the run (or-reduced) */
} exchange_vote;

/* Creates the exchange for ranks >= 1. spin != 0 lets waiting ranks spin
 * briefly (at most 200 microseconds, less after spins that had to sleep
 * anyway) before sleeping: only when every rank has its own CPU. Memory grows with
 * ranks plus the (rank, rank) pairs that actually exchange events in a
 * window, never with ranks squared. Returns ENGINE_OK and sets *out, or
 * ENGINE_E_NOMEM (*out = NULL). */
int exchange_new(exchange **out, uint32_t ranks, int spin) __attribute__((warn_unused_result));

/* Frees x and its buffers (without looking at payloads: the engine collects
 * everything before it frees). Accepts NULL. Not while ranks use it. */
void exchange_free(exchange *x);

/* Posts ev from rank `from` to rank `to` (!= from). Only the thread of rank
 * `from` may post as `from`, only during a window; no lock. Aborts when out
 * of memory. */
void exchange_post(exchange *x, uint32_t from, uint32_t to, const engine_event *ev);

/* Ends a window for rank, as one barrier: hands over what rank posted during
 * the window, contributes mine, and returns when every rank has called it,
 * with in *all the minimum next_ns and global_ns and
 * the or of stop over all ranks. next_ns counts the events rank posted in
 * the window (the receivers have not collected them yet). The caller must
 * then call exchange_collect before its next barrier. */
void exchange_end_window(exchange *x, uint32_t rank, const exchange_vote *mine, exchange_vote *all);

/* After exchange_end_window: hands every event handed over to rank to sink,
 * in no particular order (the engine orders events by key, not by arrival),
 * and forgets them. May also hand over events other ranks posted in the
 * window that has just begun (their times are past that window's end). */
void exchange_collect(exchange *x, uint32_t rank, void (*sink)(void *ctx, const engine_event *ev),
                      void *ctx);

/* A plain barrier of all ranks (no vote, no hand-over). */
void exchange_barrier(exchange *x, uint32_t rank);

/* ---- between processes (exchange_mpi.c, MPI) ----
 * With a link, the ranks above are this process's threads, and events for
 * nodes of other processes (exchange_post with to = ranks + p for process
 * p) are packed at the window's end, by the last rank to reach the barrier;
 * the processes exchange sizes and votes in one all-to-all, then the bytes
 * in a second (only when there are any); what arrives is handed to the
 * local ranks by exchange_collect.
 * exchange_barrier stays within the process. */

/* 1 when this build can link processes (built with MPI), else 0. */
int exchange_linkable(void);

/* Links x to the other processes of the job: procs >= 2, this one is proc,
 * owner[node] is the node's rank (< ranks) or ranks + its process (kept,
 * not copied), and model's pack, unpack and on_discard carry payloads over
 * (kept). Returns ENGINE_OK, ENGINE_E_PROCS (not an MPI build) or
 * ENGINE_E_NOMEM. Before any rank uses x. */
int exchange_link(exchange *x, uint32_t procs, uint32_t proc, const uint32_t *owner,
                  const engine_model *model) __attribute__((warn_unused_result));

#endif
