/* The end of `chainsim run`: writes a finished run's outputs (every node's
 * chain file, the metrics CSV files, summary.json, run_info.json) into its
 * output folder and prints the closing summary. */
#ifndef CHAINSIM_OUTPUT_H
#define CHAINSIM_OUTPUT_H

#include "chainsel.h"
#include "world.h"

/* Takes the last sample, writes the chain files of the nodes sel selects
 * first (they are the run's primary output; nodes holding the same chain
 * share one file through hard links), then the metrics and summary, and
 * prints the summary on stdout (wall-clock figures on stderr). wall_s is the
 * run's wall-clock time.
 * Returns a CLI exit status: 0, or 1 with one line on stderr when a file
 * could not be written or the metrics do not check. Controlling thread,
 * after engine_run. */
int output_finish(world *w, const chainsel *sel, double wall_s) __attribute__((warn_unused_result));

#endif
