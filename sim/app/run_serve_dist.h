/* The dashboard of a run over several processes (mpirun): process 0 serves
 * the page, every process runs its own nodes. These are the collective steps
 * run_serve.c takes at the run's samples so that the page sees the whole
 * network and its commands act on every process alike: the page's commands
 * go from process 0 to all, each node's state and the feed entries told by
 * other processes come to process 0. With one process each step is the
 * trivial one (nothing crosses), so run_serve.c has one code path. Every
 * function here is collective: all processes call it, in the same order, at
 * the same barrier. */
#ifndef CHAINSIM_RUN_SERVE_DIST_H
#define CHAINSIM_RUN_SERVE_DIST_H

#include "dashfar.h"
#include "rundash.h"
#include "world.h"

#include <stddef.h>
#include <stdint.h>

/* The feed entries a process other than 0 told (crash and restart of its
 * own nodes, ...), kept until the next sample takes them to process 0. */
typedef struct run_serve_feed {
    unsigned char *buf;
    size_t len, cap;
} run_serve_feed;

/* Keeps item for run_serve_dist_feed (any process; aborts when out of
 * memory, like every buffer of a run). */
void run_serve_dist_keep(run_serve_feed *f, const world_feed_item *item);

/* Takes every process's kept items to process 0 and hands them to rd
 * there (rundash_feed, in process order), emptying the buffers. rd is
 * process 0's dashboard (NULL elsewhere). */
void run_serve_dist_feed(run_serve_feed *f, rundash *rd);

/* Frees what f holds. */
void run_serve_dist_feed_free(run_serve_feed *f);

/* Every node as the dashboard shows it at time now, into nodes (s->n
 * entries) at process 0: its own nodes from their state, the others (far)
 * from what their processes sent; with several processes also *balances
 * (malloc'ed, the caller frees), each wallet's balance as its node's
 * process counts it, else NULL. Elsewhere nodes holds that process's own
 * nodes only. */
void run_serve_dist_nodes(world *s, int64_t now, rundash_node *nodes, uint64_t **balances);

/* Takes the blocks new on the active chains of every other process's nodes
 * since its last call (dashfar_collect with snd, that process's memory of
 * what it sent; free with dashfar_sender_free) to process 0 and hands them
 * to rd there (rundash_far_blocks), so that the block tree, "seen_by", the
 * reorganisations of the feed and "as seen by node K" follow far nodes.
 * Call before run_serve_dist_nodes at each sample. rd is process 0's
 * dashboard (NULL elsewhere). Nothing with one process. */
void run_serve_dist_blocks(dashfar_sender *snd, world *s, rundash *rd);

/* The page's commands process 0 took (*cmds, *n; malloc'ed) to every
 * process: on return each process holds the same *n commands in the same
 * order (*cmds malloc'ed, NULL when none; the caller frees). */
void run_serve_dist_commands(dash_command **cmds, size_t *n);

/* 1 when node ni has started (joined) in its process, at every process. */
int run_serve_dist_started(world *s, uint32_t ni);

#endif
