/* The end of `chainsim run`: writes a finished run's outputs (every node's
 * chain file, the metrics CSV files, summary.json, run_info.json) into a
 * folder and prints the closing summary. */
#ifndef CHAINSIM_OUTPUT_H
#define CHAINSIM_OUTPUT_H

#include "chainsel.h"
#include "world.h"

/* What output_write did, for output_print. */
typedef struct output_written {
    uint32_t n_files;        /* chain files written */
    uint32_t main_node;      /* the node whose chain is the main chain (0-based) */
    struct node_fact *facts; /* every node's final state, for output_print (which frees it) */
} output_written;

/* Takes the last sample and writes the run's files into w->out_dir: the
 * chain files of the nodes sel selects first (they are the run's primary
 * output; nodes holding the same chain share one file through hard links),
 * then the metrics, summary.json and run_info.json. wall_s is the run's
 * wall-clock time. Returns 0, or -1 with a message in err (errlen bytes)
 * when a file could not be written or the metrics do not check. Controlling
 * thread, after engine_run. With several processes (w->procs) every
 * process calls it: each writes its own nodes' chain files, process 0 the
 * rest, and every process returns the same status (err filled at each). */
int output_write(world *w, output_written *res, char *err, size_t errlen, const chainsel *sel,
                 double wall_s) __attribute__((warn_unused_result));

/* Prints the closing summary on stdout (the wall-clock figures on stderr),
 * naming the output folder shown_dir, at process 0; frees res->facts. After
 * output_write succeeded, at every process. */
void output_print(world *w, output_written *res, const chainsel *sel, const char *shown_dir,
                  double wall_s);

#endif
