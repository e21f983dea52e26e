/* `chainsim plot RUN_DIR [RUN_DIR...] [--out DIR]`: turns a run's CSV files
 * into PNG figures with gnuplot. The gnuplot scripts are the files in plots/;
 * a copy of each is compiled in (below) so the binary works from anywhere,
 * and the scenario test tests/scenario/plot.sh checks that the copies equal
 * the plots/NAME.gp files byte for byte (`chainsim plot --script NAME` prints a copy).
 * Each script is fed to gnuplot on its standard input after a preamble that
 * sets its variables (run folder, output file, what data exists). */
#include "cli.h"
#include "fileout.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Maximum number of per-node lines in height.png (more would be unreadable). */
#define PLOT_MAX_NODE_LINES 32

static const struct {
    const char *name;
    const char *text;
} scripts[] = {
    {"height",
     "# Chain height over virtual time, one line per node, partitions shaded.\n"
     "# Run by `chainsim plot`, which sets: dir (the run folder), out (the PNG),\n"
     "# n_nodes (nodes in the run), nodes (how many to draw), has_data (timeline.csv\n"
     "# has rows), has_partitions (partitions.csv has rows). By hand:\n"
     "#   gnuplot -e \"dir='RUN'; out='h.png'; n_nodes=4; nodes=4; has_data=1; has_partitions=1\" "
     "plots/height.gp\n"
     "term = strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0 ? \"pngcairo\" : \"png\"\n"
     "set terminal @term size 1000,600\n"
     "set output out\n"
     "set termoption noenhanced\n"
     "set datafile separator \",\"\n"
     "set title \"Chain height per node (grey: network partitioned)\"\n"
     "set xlabel \"virtual time (s)\"\n"
     "set ylabel \"height (blocks)\"\n"
     "set key outside right top\n"
     "set grid\n"
     "set style fill transparent solid 0.25 noborder\n"
     "if (has_data) {\n"
     "    stats dir.\"/timeline.csv\" skip 1 using 3 nooutput\n"
     "    ymax = STATS_max + 1\n"
     "    set yrange [0:ymax]\n"
     "    if (has_partitions) {\n"
     "        plot dir.\"/partitions.csv\" skip 1 using (($1+$2)/2):(ymax):($2-$1) with boxes \\\n"
     "                 lc rgb \"gray\" title \"partition\", \\\n"
     "             for [n=1:nodes] dir.\"/timeline.csv\" skip 1 every n_nodes::(n-1) using 1:3 \\\n"
     "                 with steps lw 2 title sprintf(\"node %d\", n)\n"
     "    } else {\n"
     "        plot for [n=1:nodes] dir.\"/timeline.csv\" skip 1 every n_nodes::(n-1) using 1:3 \\\n"
     "                 with steps lw 2 title sprintf(\"node %d\", n)\n"
     "    }\n"
     "} else {\n"
     "    set label 1 \"no timeline samples in this run\" at graph 0.5, 0.5 center\n"
     "    set xrange [0:1]\n"
     "    set yrange [0:1]\n"
     "    plot NaN notitle\n"
     "}\n"},
    {"propagation",
     "# Block propagation: cumulative distribution, over blocks, of the delay from a\n"
     "# block's production until 50% and until 90% of the nodes had seen it\n"
     "# (blocks.csv columns delay_50pct and delay_90pct).\n"
     "# Run by `chainsim plot`, which sets: dir, out, has_data.\n"
     "term = strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0 ? \"pngcairo\" : \"png\"\n"
     "set terminal @term size 1000,600\n"
     "set output out\n"
     "set termoption noenhanced\n"
     "set datafile separator \",\"\n"
     "set title \"Block propagation (CDF over blocks)\"\n"
     "set xlabel \"delay since production (s)\"\n"
     "set ylabel \"fraction of blocks\"\n"
     "set key bottom right\n"
     "set grid\n"
     "set xrange [0:*]\n"
     "set yrange [0:1.05]\n"
     "if (has_data) {\n"
     "    plot dir.\"/blocks.csv\" skip 1 using 10:(1) smooth cnormal with steps lw 2 \\\n"
     "             title \"reached 50% of nodes\", \\\n"
     "         dir.\"/blocks.csv\" skip 1 using 11:(1) smooth cnormal with steps lw 2 \\\n"
     "             title \"reached 90% of nodes\"\n"
     "} else {\n"
     "    set label 1 \"no block reached half of the nodes\" at graph 0.5, 0.5 center\n"
     "    set xrange [0:1]\n"
     "    plot NaN notitle\n"
     "}\n"},
    {"reorgs", "# Reorganisation depths: how many reorganisations (all nodes) disconnected\n"
               "# 1, 2, 3 ... blocks (reorgs.csv column depth).\n"
               "# Run by `chainsim plot`, which sets: dir, out, has_data.\n"
               "term = strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0 ? \"pngcairo\" : \"png\"\n"
               "set terminal @term size 1000,600\n"
               "set output out\n"
               "set termoption noenhanced\n"
               "set datafile separator \",\"\n"
               "set title \"Reorganisation depths\"\n"
               "set xlabel \"depth (blocks disconnected)\"\n"
               "set ylabel \"reorganisations\"\n"
               "set grid ytics\n"
               "set boxwidth 0.8\n"
               "set style fill solid 0.6 border -1\n"
               "set yrange [0:*]\n"
               "if (has_data) {\n"
               "    stats dir.\"/reorgs.csv\" skip 1 using 5 nooutput\n"
               "    set xrange [0:STATS_max + 1]\n"
               "    set xtics 1\n"
               "    plot dir.\"/reorgs.csv\" skip 1 using 5:(1) smooth frequency with boxes lc rgb "
               "\"#4060c0\" \\\n"
               "             notitle\n"
               "} else {\n"
               "    set label 1 \"no reorganisations in this run\" at graph 0.5, 0.5 center\n"
               "    set xrange [0:1]\n"
               "    set yrange [0:1]\n"
               "    plot NaN notitle\n"
               "}\n"},
    {"confirmation",
     "# Transaction confirmation latency: cumulative distribution, over confirmed\n"
     "# transactions, of the time from submission to confirmation at the run's\n"
     "# depth (transactions.csv column latency).\n"
     "# Run by `chainsim plot`, which sets: dir, out, has_data.\n"
     "term = strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0 ? \"pngcairo\" : \"png\"\n"
     "set terminal @term size 1000,600\n"
     "set output out\n"
     "set termoption noenhanced\n"
     "set datafile separator \",\"\n"
     "set title \"Transaction confirmation latency (CDF over confirmed transactions)\"\n"
     "set xlabel \"latency (s)\"\n"
     "set ylabel \"fraction of confirmed transactions\"\n"
     "set key bottom right\n"
     "set grid\n"
     "set xrange [0:*]\n"
     "set yrange [0:1.05]\n"
     "if (has_data) {\n"
     "    plot dir.\"/transactions.csv\" skip 1 using 7:(1) smooth cnormal with steps lw 2 \\\n"
     "             title \"submitted to confirmed\"\n"
     "} else {\n"
     "    set label 1 \"no confirmed transactions in this run\" at graph 0.5, 0.5 center\n"
     "    set xrange [0:1]\n"
     "    plot NaN notitle\n"
     "}\n"},
    {"compare_propagation",
     "# Several runs overlaid: CDF over blocks of the delay until 90% of the nodes\n"
     "# had a block (blocks.csv column delay_90pct), one line per run.\n"
     "# Run by `chainsim plot RUN RUN...`, which sets: out, n (runs), dir_1..dir_n\n"
     "# and label_1..label_n (only runs with data).\n"
     "term = strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0 ? \"pngcairo\" : \"png\"\n"
     "set terminal @term size 1000,600\n"
     "set output out\n"
     "set termoption noenhanced\n"
     "set datafile separator \",\"\n"
     "set title \"Block propagation to 90% of nodes (CDF over blocks)\"\n"
     "set xlabel \"delay since production (s)\"\n"
     "set ylabel \"fraction of blocks\"\n"
     "set key bottom right\n"
     "set grid\n"
     "set xrange [0:*]\n"
     "set yrange [0:1.05]\n"
     "plot for [i=1:n] value(sprintf(\"dir_%d\", i)).\"/blocks.csv\" skip 1 using 11:(1) \\\n"
     "         smooth cnormal with steps lw 2 title value(sprintf(\"label_%d\", i))\n"},
    {"compare_confirmation",
     "# Several runs overlaid: CDF of transaction confirmation latency\n"
     "# (transactions.csv column latency), one line per run.\n"
     "# Run by `chainsim plot RUN RUN...`, which sets: out, n (runs), dir_1..dir_n\n"
     "# and label_1..label_n (only runs with data).\n"
     "term = strstrt(GPVAL_TERMINALS, \"pngcairo\") > 0 ? \"pngcairo\" : \"png\"\n"
     "set terminal @term size 1000,600\n"
     "set output out\n"
     "set termoption noenhanced\n"
     "set datafile separator \",\"\n"
     "set title \"Transaction confirmation latency (CDF over confirmed transactions)\"\n"
     "set xlabel \"latency (s)\"\n"
     "set ylabel \"fraction of confirmed transactions\"\n"
     "set key bottom right\n"
     "set grid\n"
     "set xrange [0:*]\n"
     "set yrange [0:1.05]\n"
     "plot for [i=1:n] value(sprintf(\"dir_%d\", i)).\"/transactions.csv\" skip 1 using 7:(1) \\\n"
     "         smooth cnormal with steps lw 2 title value(sprintf(\"label_%d\", i))\n"},
};

static const char *script_text(const char *name)
{
    for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++)
        if (strcmp(scripts[i].name, name) == 0)
            return scripts[i].text;
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: chainsim plot RUN_DIR [RUN_DIR...] [--out DIR]\n"
            "       chainsim plot --script NAME\n\n"
            "Draws each run's figures into its folder with gnuplot (package gnuplot-nox):\n"
            "  height.png        chain height over time per node, partitions shaded\n"
            "  propagation.png   CDF over blocks of the delay to reach 50%% and 90%% of nodes\n"
            "  reorgs.png        histogram of reorganisation depths\n"
            "  confirmation.png  CDF of transaction confirmation latency\n"
            "With two or more runs, also overlays comparing them, written into --out DIR\n"
            "(default: the first RUN_DIR): compare_propagation.png, compare_confirmation.png.\n"
            "--script NAME prints the built-in gnuplot script NAME (as in plots/NAME.gp).\n"
            "Exit status: 0 success, 1 gnuplot failed, 2 bad usage, a missing run file or\n"
            "no gnuplot.\n");
}

/* True when an executable named name is on PATH. */
static int on_path(const char *name)
{
    const char *path = getenv("PATH");
    if (!path)
        return 0;
    char buf[4096];
    while (*path) {
        size_t len = strcspn(path, ":");
        if (len > 0 && len + strlen(name) + 2 < sizeof buf) {
            snprintf(buf, sizeof buf, "%.*s/%s", (int)len, path, name);
            if (access(buf, X_OK) == 0)
                return 1;
        }
        path += len + (path[len] == ':');
    }
    return 0;
}

/* Counts the data rows of dir/file (after the header) whose column col
 * (1-based) is not empty; col 0 counts every row. Returns -1 when the file
 * cannot be read. */
static long count_rows(const char *dir, const char *file, int col)
{
    char *path = fileout_join(dir, file);
    FILE *f = path ? fopen(path, "r") : NULL;
    free(path);
    if (!f)
        return -1;
    long rows = 0, line = 0;
    int c, field = 1, nonempty = 0;
    while ((c = fgetc(f)) != EOF) {
        if (c == '\n') {
            if (line > 0 && (col == 0 || nonempty))
                rows++;
            line++;
            field = 1;
            nonempty = 0;
        } else if (c == ',') {
            field++;
        } else if (field == col) {
            nonempty = 1;
        }
    }
    fclose(f);
    return rows;
}

/* Appends "name = 'value'" (gnuplot single-quoted: ' doubled) to f. */
static void gp_string(FILE *f, const char *name, const char *value)
{
    fprintf(f, "%s = '", name);
    for (; *value; value++) {
        if (*value == '\'')
            fputc('\'', f);
        fputc(*value, f);
    }
    fputs("'\n", f);
}

/* Runs gnuplot with preamble then the script on its stdin, and checks that
 * out was written. Returns CLI_OK or CLI_FAILED (reported). */
static int run_gnuplot(const char *script, const char *preamble, const char *out)
{
    int fds[2];
    if (pipe(fds) != 0) {
        cli_error("plot: pipe: %s", strerror(errno));
        return CLI_FAILED;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        cli_error("plot: fork: %s", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return CLI_FAILED;
    }
    if (pid == 0) {
        dup2(fds[0], STDIN_FILENO);
        close(fds[0]);
        close(fds[1]);
        execlp("gnuplot", "gnuplot", (char *)NULL);
        fprintf(stderr, "chainsim: plot: cannot run gnuplot: %s\n", strerror(errno));
        _exit(127);
    }
    close(fds[0]);
    void (*old)(int) = signal(SIGPIPE, SIG_IGN); /* gnuplot may exit early */
    FILE *w = fdopen(fds[1], "w");
    if (w) {
        fputs(preamble, w);
        fputs(script_text(script), w);
        fclose(w);
    } else {
        close(fds[1]);
    }
    signal(SIGPIPE, old);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    struct stat sb;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || stat(out, &sb) != 0 || sb.st_size == 0) {
        cli_error("plot: gnuplot failed to draw %s (script %s)", out, script);
        return CLI_FAILED;
    }
    return CLI_OK;
}

/* Draws one figure of one run. */
static int plot_one(const char *dir, const char *script, const char *vars)
{
    char name[64];
    snprintf(name, sizeof name, "%s.png", script);
    char *out = fileout_join(dir, name);
    char *pre = NULL;
    size_t len = 0;
    FILE *f = out ? open_memstream(&pre, &len) : NULL;
    if (!f) {
        free(out);
        cli_error("plot: out of memory");
        return CLI_FAILED;
    }
    gp_string(f, "dir", dir);
    gp_string(f, "out", out);
    fputs(vars, f);
    fclose(f);
    int rc = pre ? run_gnuplot(script, pre, out) : CLI_FAILED;
    if (rc == CLI_OK)
        printf("%s\n", out);
    free(pre);
    free(out);
    return rc;
}

/* The files a run folder must have, with the column whose rows count as data. */
static int plot_run(const char *dir)
{
    static const char *const needed[] = {"nodes.csv",  "timeline.csv", "partitions.csv",
                                         "blocks.csv", "reorgs.csv",   "transactions.csv"};
    for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++)
        if (count_rows(dir, needed[i], 0) < 0) {
            cli_error("plot: %s/%s: cannot read (is %s a run folder?)", dir, needed[i], dir);
            return CLI_BAD_INPUT;
        }
    long n_nodes = count_rows(dir, "nodes.csv", 0);
    char vars[256];
    snprintf(vars, sizeof vars, "n_nodes = %ld\nnodes = %ld\nhas_data = %d\nhas_partitions = %d\n",
             n_nodes, n_nodes < PLOT_MAX_NODE_LINES ? n_nodes : PLOT_MAX_NODE_LINES,
             n_nodes > 0 && count_rows(dir, "timeline.csv", 0) > 0,
             count_rows(dir, "partitions.csv", 0) > 0);
    int rc = plot_one(dir, "height", vars);
    snprintf(vars, sizeof vars, "has_data = %d\n", count_rows(dir, "blocks.csv", 10) > 0);
    if (rc == CLI_OK)
        rc = plot_one(dir, "propagation", vars);
    snprintf(vars, sizeof vars, "has_data = %d\n", count_rows(dir, "reorgs.csv", 0) > 0);
    if (rc == CLI_OK)
        rc = plot_one(dir, "reorgs", vars);
    snprintf(vars, sizeof vars, "has_data = %d\n", count_rows(dir, "transactions.csv", 7) > 0);
    if (rc == CLI_OK)
        rc = plot_one(dir, "confirmation", vars);
    return rc;
}

/* One overlay of every run that has data in file's column col. */
static int plot_compare(const char *out_dir, char **runs, int n_runs, const char *script,
                        const char *file, int col)
{
    char name[64];
    snprintf(name, sizeof name, "%s.png", script);
    char *out = fileout_join(out_dir, name);
    char *pre = NULL;
    size_t len = 0;
    FILE *f = out ? open_memstream(&pre, &len) : NULL;
    if (!f) {
        free(out);
        cli_error("plot: out of memory");
        return CLI_FAILED;
    }
    int n = 0;
    for (int r = 0; r < n_runs; r++) {
        if (count_rows(runs[r], file, col) <= 0)
            continue;
        char var[32];
        n++;
        snprintf(var, sizeof var, "dir_%d", n);
        gp_string(f, var, runs[r]);
        snprintf(var, sizeof var, "label_%d", n);
        gp_string(f, var, runs[r]);
    }
    gp_string(f, "out", out);
    fprintf(f, "n = %d\n", n);
    fclose(f);
    int rc = CLI_OK;
    if (!pre) {
        rc = CLI_FAILED;
    } else if (n == 0) {
        fprintf(stderr, "chainsim: plot: no run has data for %s; not drawn\n", name);
    } else {
        rc = run_gnuplot(script, pre, out);
        if (rc == CLI_OK)
            printf("%s\n", out);
    }
    free(pre);
    free(out);
    return rc;
}

int cmd_plot(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_OK;
    }
    const char *out_dir = NULL;
    char **runs = calloc((size_t)argc, sizeof *runs);
    int n_runs = 0, rc = CLI_BAD_INPUT;
    if (!runs) {
        cli_error("plot: out of memory");
        return CLI_FAILED;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--script") == 0) {
            const char *text = i + 1 < argc ? script_text(argv[i + 1]) : NULL;
            if (!text) {
                cli_error("plot: --script needs one of height, propagation, reorgs, "
                          "confirmation, compare_propagation, compare_confirmation");
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
        } else if (argv[i][0] == '-') {
            cli_error("plot: unknown option '%s' (see 'chainsim plot --help')", argv[i]);
            goto done;
        } else {
            runs[n_runs++] = argv[i];
        }
    }
    if (n_runs == 0) {
        cli_error("plot: give at least one RUN_DIR (see 'chainsim plot --help')");
        goto done;
    }
    if (!on_path("gnuplot")) {
        cli_error("plot: gnuplot not found on PATH: install gnuplot-nox "
                  "(apt-get install gnuplot-nox)");
        goto done;
    }
    for (int r = 0; r < n_runs; r++) {
        struct stat sb;
        if (stat(runs[r], &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            cli_error("plot: %s: not a run folder", runs[r]);
            goto done;
        }
    }
    rc = CLI_OK;
    for (int r = 0; r < n_runs && rc == CLI_OK; r++)
        rc = plot_run(runs[r]);
    if (rc == CLI_OK && n_runs >= 2) {
        char err[512];
        if (!out_dir)
            out_dir = runs[0];
        if (fileout_mkdirs(err, sizeof err, out_dir) != FILEOUT_OK) {
            cli_error("plot: %s", err);
            rc = CLI_BAD_INPUT;
            goto done;
        }
        rc = plot_compare(out_dir, runs, n_runs, "compare_propagation", "blocks.csv", 11);
        if (rc == CLI_OK)
            rc = plot_compare(out_dir, runs, n_runs, "compare_confirmation", "transactions.csv", 7);
    }
done:
    free(runs);
    return rc;
}
