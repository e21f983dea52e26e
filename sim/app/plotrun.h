/* plotrun: the figures of one run folder (height, block tree, propagation,
 * reorganisation depths, confirmation latency) and the overlays comparing
 * several runs. Reads the run's CSV files and summary.json, computes what
 * gnuplot cannot (per-sample median and range of heights, each block's
 * parent, the depth histogram) and hands the rest to plots/NAME.gp. */
#ifndef CHAINSIM_PLOTRUN_H
#define CHAINSIM_PLOTRUN_H

#include "plot.h"

/* Up to this many nodes, height.png has a line per node; above, the median
 * node with a band from the lowest to the highest. */
#define PLOTRUN_MAX_NODE_LINES 8

/* The same for each panel of compare_heights.png (panels are smaller, but
 * a line per node is what shows the two sides of a partition). */
#define PLOTRUN_COMPARE_NODE_LINES 16

/* Draws the figures of the run in dir into dir. Returns CLI_OK, CLI_BAD_INPUT
 * (a file missing or malformed, said on stderr naming it) or CLI_FAILED
 * (gnuplot failed, out of memory). */
int plotrun_figures(const char *dir, const plot_opts *opts);

/* Draws compare_propagation.png, compare_confirmation.png and
 * compare_heights.png (a panel per run: heights, partitions,
 * reorganisations) of the n run folders runs (already drawn by plotrun_figures) into out_dir, each
 * run labelled by the parameters in which it differs from the others. Returns as plotrun_figures.
 */
int plotrun_compare(const char *out_dir, char *const *runs, int n, const plot_opts *opts);

#endif
