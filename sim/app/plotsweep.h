/* plotsweep: the figures of a sweep folder (the --out of `chainsim sweep`):
 * each headline figure of sweep.csv against the first --vary parameter, as
 * the mean over repetitions with its 95% confidence interval, one line per
 * combination of the other --vary values; with --theory, the stale rate
 * predicted by 1 - exp(-lambda D) from the block rate lambda and the mean
 * propagation delay D of the runs themselves. Writes sweep_stats.csv, the
 * numbers behind the figures. The statistics are pure functions, tested on
 * their own. */
#ifndef CHAINSIM_PLOTSWEEP_H
#define CHAINSIM_PLOTSWEEP_H

#include "plot.h"

#include <stddef.h>

/* Student's t quantile t(0.975, df) for df >= 1 (df 0 is taken as 1): the
 * tabulated value up to 30 degrees of freedom, then the Cornish-Fisher
 * expansion around the normal quantile (within 1e-4 of the exact value). */
double plotsweep_t975(size_t df);

/* The mean of n values and its 95% confidence interval. */
typedef struct plotsweep_stat {
    size_t n;         /* values that exist */
    double mean;      /* NaN when n is 0 */
    double low, high; /* mean -/+ t975(n - 1) * s / sqrt(n), s the sample standard
                       * deviation; both the mean when n is 1 */
} plotsweep_stat;

/* The statistics of the n values v (NaN entries do not exist and are
 * skipped). Pure. */
void plotsweep_stat_of(plotsweep_stat *out, const double *v, size_t n);

/* How the values of the swept parameter are placed on the x axis. */
typedef enum plotsweep_axis_kind {
    PLOTSWEEP_X_NUMBER,  /* every value a plain decimal number: as is */
    PLOTSWEEP_X_SECONDS, /* every value a duration ("250ms", "2s", quoted or not): seconds */
    PLOTSWEEP_X_CATEGORY /* anything else: evenly spaced, in the order given, by name */
} plotsweep_axis_kind;

/* Classifies the n values and writes each one's x to x[i] (for a category,
 * its position 1, 2, ... in the order given). Pure. */
plotsweep_axis_kind plotsweep_axis_of(double *x, const char *const *values, size_t n);

/* The stale rate predicted for blocks produced at rate_per_s whose news
 * takes delay_s on average to reach a node: 1 - exp(-rate_per_s * delay_s)
 * (the chance that some other node finds a block before it hears of this
 * one). NaN when either is NaN. */
double plotsweep_stale_theory(double rate_per_s, double delay_s);

/* Draws the sweep in dir (dir/sweep.csv, and each run's summary.json, and
 * with opts->theory its block_arrivals.csv) into out_dir: sweep_<figure>.png
 * for every headline figure that has a value, and sweep_stats.csv. Returns
 * CLI_OK, CLI_BAD_INPUT (a file missing or malformed, said on stderr naming
 * the file and line) or CLI_FAILED (gnuplot failed, out of memory). */
int plotsweep_figures(const char *dir, const char *out_dir, const plot_opts *opts);

#endif
