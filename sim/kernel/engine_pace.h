/* Pacing of the window loop on the wall clock: pause and realtime factor
 * (rank 0 only). It changes when windows start on the wall clock, never
 * what they do. Private to the engine; defined in engine_pace.c. */
#ifndef CHAINSIM_ENGINE_PACE_H
#define CHAINSIM_ENGINE_PACE_H

#include "engine_impl.h"

/* Pacing (rank 0 only): pause and realtime factor. Changes when windows
 * start on the wall clock, never what they do. */
typedef struct pacing {
    int64_t wall0_ns, virt0_ns;
    double factor; /* the factor wall0/virt0 were taken for */
} pacing;

/* The monotonic wall clock in ns. */
int64_t engine_wall_ns(void);

/* The realtime factor now in force (engine_set_realtime); any thread. */
double engine_realtime_factor_load(engine *e);

/* Blocks while paused (and no stop is requested). Rank 0 calls it before
 * the window's barrier, so no rank starts another window meanwhile. */
void engine_wait_while_paused(engine *e, pacing *p);

/* Realtime: sleeps until the wall clock matches window_ns, in slices of at
 * most 50 ms; after each it waits out a pause (engine_wait_while_paused),
 * paces from where it is at a factor changed meanwhile, and returns at once
 * when a stop is requested. Safe for any factor and any distance to the
 * window (no integer overflow). Rank 0 calls it before its part of the
 * window (the others may run ahead by one window). */
void engine_pace(engine *e, pacing *p, int64_t window_ns);

#endif
