/* The live dashboard during `chainsim run --serve`: starts it before the run,
 * hooks it into the world's samples (payments and network commands sent
 * from the page enter the run there, then the state is published) and
 * events (the feed), and after the run keeps the final
 * state browsable, read-only, until SIGINT or SIGTERM (run_signals).
 * With several processes process 0 serves the page and every process calls
 * these functions alike (run_serve_dist.h carries what crosses). */
#ifndef CHAINSIM_RUN_SERVE_H
#define CHAINSIM_RUN_SERVE_H

#include "rundash.h"
#include "run_serve_dist.h"
#include "run_signals.h"
#include "world.h"

/* Zero it (memset), then run_signals_block(&sv->signals) before any thread
 * starts. Fields are private to run_serve.c and run.c. */
typedef struct run_serve {
    world *w;
    const char *addr;    /* the --serve ADDR:PORT */
    rundash *dash;       /* NULL until started; with several processes, process 0's only */
    int started;         /* run_serve_start succeeded (every process) */
    run_serve_feed feed; /* several processes: feed entries told here, for process 0 */
    dashfar_sender sent; /* several processes: the blocks sent to process 0 */
    run_signals signals;
} run_serve;

/* Starts the dashboard on addr for w (set up, not yet run), the signal
 * thread, installs w's sample and event hooks, publishes the state at time
 * 0 and prints the URL. With start_paused the engine waits until the first
 * page opens the event stream. Returns CLI_OK, or
 * CLI_BAD_INPUT (the address cannot be listened on) or CLI_FAILED, with a
 * line on stderr (from process 0); then call run_serve_end all the same.
 * Collective: every process returns the same status. */
int run_serve_start(run_serve *sv, world *w, const char *addr, int start_paused)
    __attribute__((warn_unused_result));

/* After the run (rc its exit status): on success publishes the final state
 * and serves it until a signal (the other processes wait for process 0,
 * asleep); else stops the signal thread at once. Frees the dashboard.
 * Returns rc. Collective. */
int run_serve_end(run_serve *sv, int rc);

#endif
