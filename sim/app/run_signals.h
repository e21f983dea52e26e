/* SIGINT, SIGTERM and SIGHUP during `chainsim run`: one thread takes them
 * (sigwait; every other thread blocks them). During the run a signal stops
 * the engine early, and the run writes no outputs: the output folder stays
 * as it was and the run's staging folder goes. With --serve, a signal after
 * the run ends the serving of the final state. */
#ifndef CHAINSIM_RUN_SIGNALS_H
#define CHAINSIM_RUN_SIGNALS_H

#include "engine.h"

#include <pthread.h>
#include <signal.h>

/* Zero it (memset) before run_signals_block. Fields are private. */
typedef struct run_signals {
    sigset_t set, old;
    pthread_t thread;
    int started;
    pthread_mutex_t mu;
    engine *running; /* the engine while engine_run may be going */
    int signalled;
} run_signals;

/* Blocks SIGINT, SIGTERM and SIGHUP in the calling thread, keeping the old mask.
 * Call before any other thread exists, so that all inherit the mask. */
void run_signals_block(run_signals *ss);

/* Starts the thread that waits for the signals; a signal stops eng until
 * run_signals_engine_done. Returns 0, or -1 when no thread can start. */
int run_signals_start(run_signals *ss, engine *eng) __attribute__((warn_unused_result));

/* engine_run has returned: a later signal no longer touches the engine.
 * Returns the signal taken during the run, 0 when none. */
int run_signals_engine_done(run_signals *ss);

/* Waits for the signal that ends the serving and joins the thread. Nothing
 * when the thread was not started. */
void run_signals_wait(run_signals *ss);

/* Ends the thread at once (sends it SIGTERM) and joins it. Nothing when the
 * thread was not started. */
void run_signals_cancel(run_signals *ss);

/* Restores the signal mask of run_signals_block; ss can go afterwards. */
void run_signals_restore(run_signals *ss);

#endif
