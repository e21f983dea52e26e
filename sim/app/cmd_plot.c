/* `chainsim plot DIR... [--out DIR] [--theory] [--gp]`: turns run folders
 * and sweep folders into PNG figures with gnuplot. A folder holding
 * sweep.csv is a sweep (sim/app/plotsweep.c), any other a run
 * (sim/app/plotrun.c); two or more runs also get overlays comparing them.
 * The gnuplot scripts are the files in plots/, compiled in at build time
 * (plots/embed.cmake, sim/app/plot_scripts.h) so the binary works from
 * anywhere; `chainsim plot --script NAME` prints one. */
#include "cli.h"
#include "fileout.h"
#include "plot.h"
#include "plot_scripts.h"
#include "plotrun.h"
#include "plotsweep.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: chainsim plot DIR [DIR...] [--out DIR] [--theory] [--gp]\n"
            "       chainsim plot --script NAME\n\n"
            "Draws figures with gnuplot (package gnuplot-nox). Each title names the scenario\n"
            "and its seed. A run folder (chainsim run --out) gets, in the folder:\n"
            "  height.png        chain height over time: a line per node up to %d nodes, else\n"
            "                    the median node and the lowest-to-highest band; partitions\n"
            "                    shaded when the run had one\n"
            "  block_tree.png    every block by time and height, joined to its parent: the\n"
            "                    main chain in blue, blocks that lost a fork in red\n"
            "  propagation.png   CDF over blocks of the delay to reach 50%% and 90%% of nodes,\n"
            "                    on a logarithmic time axis\n"
            "  reorgs.png        histogram of reorganisation depths\n"
            "  confirmation.png  CDF of transaction confirmation latency\n"
            "  finality.png      BFT runs: finality latency per height, proposal to first\n"
            "                    and to median commit, and the rounds of slow heights\n"
            "With two or more run folders, also overlays comparing them, each run named by\n"
            "the scenario parameters in which it differs from the others, written into\n"
            "--out DIR (default: the first DIR): compare_propagation.png,\n"
            "compare_confirmation.png, and compare_heights.png (a panel per run: heights,\n"
            "partitions, reorganisations and headline figures, on one time axis); and\n"
            "compare_finality.png (finality latency per height) when a run is BFT.\n"
            "A sweep folder (chainsim sweep --out, holding sweep.csv) gets, in the folder or\n"
            "--out DIR, sweep_FIGURE.png for every headline figure of sweep.csv: the figure\n"
            "against the first --vary parameter, mean and 95%% confidence interval over the\n"
            "repetitions, a line per combination of the other --vary values; and\n"
            "sweep_stats.csv with those numbers.\n"
            "  --theory  on sweep_stale_rate.png, also the stale rate 1 - exp(-lambda D),\n"
            "            lambda the runs' block rate and D their mean block propagation delay\n"
            "            (block_arrivals.csv); both go into sweep_stats.csv\n"
            "  --gp      also write each figure's whole gnuplot input, its variables, data\n"
            "            and script, beside it as NAME.gp ('gnuplot NAME.gp' redraws it)\n"
            "--script NAME prints the built-in gnuplot script NAME (as in plots/NAME.gp).\n"
            "Exit status: 0 success, 1 gnuplot failed, 2 bad usage, a missing or malformed\n"
            "file, or no gnuplot.\n",
            PLOTRUN_MAX_NODE_LINES);
}

/* Whether dir holds a sweep (sweep.csv). */
static int is_sweep(const char *dir)
{
    char *path = fileout_join(dir, "sweep.csv");
    int yes = path && access(path, F_OK) == 0;
    free(path);
    return yes;
}

int cmd_plot(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_OK;
    }
    const char *out_dir = NULL;
    plot_opts opts = {0, 0};
    char **dirs = calloc((size_t)argc, sizeof *dirs);
    char **runs = calloc((size_t)argc, sizeof *runs);
    int n_dirs = 0, n_runs = 0, rc = CLI_BAD_INPUT;
    if (!dirs || !runs) {
        cli_error("plot: out of memory");
        free(dirs);
        free(runs);
        return CLI_FAILED;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--script") == 0) {
            const char *text = i + 1 < argc ? plot_script_text(argv[i + 1]) : NULL;
            if (!text) {
                char names[512] = "";
                for (size_t k = 0; k < plot_script_count; k++)
                    snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s",
                             k ? ", " : "", plot_scripts[k].name);
                cli_error("plot: --script needs one of %s", names);
                goto done;
            }
            fputs(text, stdout);
            rc = CLI_OK;
            goto done;
        } else if (strcmp(argv[i], "--out") == 0) {
            if (i + 1 >= argc) {
                cli_error("plot: --out needs a folder (see 'chainsim plot --help')");
                goto done;
            }
            out_dir = argv[++i];
        } else if (strcmp(argv[i], "--theory") == 0) {
            opts.theory = 1;
        } else if (strcmp(argv[i], "--gp") == 0) {
            opts.keep_script = 1;
        } else if (argv[i][0] == '-') {
            cli_error("plot: unknown option '%s' (see 'chainsim plot --help')", argv[i]);
            goto done;
        } else {
            dirs[n_dirs++] = argv[i];
        }
    }
    if (n_dirs == 0) {
        cli_error("plot: give at least one run or sweep folder (see 'chainsim plot --help')");
        goto done;
    }
    if (!plot_gnuplot_found()) {
        cli_error("plot: gnuplot not found on PATH: install gnuplot-nox "
                  "(apt-get install gnuplot-nox)");
        goto done;
    }
    for (int d = 0; d < n_dirs; d++) {
        struct stat sb;
        if (stat(dirs[d], &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            cli_error("plot: %s: not a run or sweep folder", dirs[d]);
            goto done;
        }
    }
    if (out_dir) {
        char err[512];
        if (fileout_mkdirs(err, sizeof err, out_dir) != FILEOUT_OK) {
            cli_error("plot: %s", err);
            goto done;
        }
    }
    rc = CLI_OK;
    for (int d = 0; d < n_dirs && rc == CLI_OK; d++) {
        if (is_sweep(dirs[d])) {
            rc = plotsweep_figures(dirs[d], out_dir ? out_dir : dirs[d], &opts);
        } else {
            rc = plotrun_figures(dirs[d], &opts);
            runs[n_runs++] = dirs[d];
        }
    }
    if (rc == CLI_OK && n_runs >= 2)
        rc = plotrun_compare(out_dir ? out_dir : runs[0], runs, n_runs, &opts);
done:
    free(dirs);
    free(runs);
    return rc;
}
