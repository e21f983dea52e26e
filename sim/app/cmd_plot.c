/* `chainsim plot RUN_DIR [RUN_DIR...] [--out DIR]`: turns a run's CSV files
 * into PNG figures with gnuplot. The gnuplot scripts are the files in plots/,
 * compiled in at build time (plots/embed.cmake, sim/app/plot_scripts.h) so the
 * binary works from anywhere; `chainsim plot --script NAME` prints one.
 * Each script is fed to gnuplot on its standard input after a preamble that
 * sets its variables (run folder, output file, what data exists). */
#include "cli.h"
#include "fileout.h"
#include "plot_scripts.h"

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

/* The built-in script called name (plots/NAME.gp), or NULL when there is none. */
static const char *script_text(const char *name)
{
    for (size_t i = 0; i < plot_script_count; i++)
        if (strcmp(plot_scripts[i].name, name) == 0)
            return plot_scripts[i].text;
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

static int draw(const char *script, const char *text, const char *preamble, const char *out,
                const char *tmp);

/* Runs gnuplot with preamble then the script on its stdin. gnuplot draws
 * into a temporary file beside out, renamed over out once it is complete,
 * so a failed or interrupted plot never leaves a torn figure. Returns CLI_OK
 * or CLI_FAILED (reported). */
static int run_gnuplot(const char *script, const char *preamble, const char *out)
{
    const char *text = script_text(script);
    if (!text) {
        cli_error("plot: no built-in script %s (plots/%s.gp was missing at build time)", script,
                  script);
        return CLI_FAILED;
    }
    size_t n = strlen(out) + sizeof ".tmp.XXXXXX";
    char *tmp = malloc(n);
    if (tmp == NULL) {
        cli_error("plot: out of memory");
        return CLI_FAILED;
    }
    snprintf(tmp, n, "%s.tmp.XXXXXX", out);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        cli_error("plot: cannot create a file beside %s: %s", out, strerror(errno));
        free(tmp);
        return CLI_FAILED;
    }
    close(fd);
    int rc = draw(script, text, preamble, out, tmp);
    if (rc == CLI_OK && rename(tmp, out) != 0) {
        cli_error("plot: cannot rename %s to %s: %s", tmp, out, strerror(errno));
        rc = CLI_FAILED;
    }
    if (rc != CLI_OK)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* gnuplot draws the figure of out into tmp (its `out` is set to tmp after
 * the preamble). */
static int draw(const char *script, const char *text, const char *preamble, const char *out,
                const char *tmp)
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
        gp_string(w, "out", tmp);
        fputs(text, w);
        fclose(w);
    } else {
        close(fds[1]);
    }
    signal(SIGPIPE, old);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    struct stat sb;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || stat(tmp, &sb) != 0 || sb.st_size == 0) {
        cli_error("plot: gnuplot failed to draw %s (script %s)", out, script);
        return CLI_FAILED;
    }
    return CLI_OK;
}

/* The figure SCRIPT.png in dir: sets *out to its path (caller frees) and
 * opens a memory stream for the gnuplot preamble into *pre / *len. Returns
 * the stream, or NULL when out of memory (said on stderr; nothing to free). */
static FILE *begin_figure(char **out, char **pre, size_t *len, const char *dir, const char *script)
{
    char name[64];
    snprintf(name, sizeof name, "%s.png", script);
    *out = fileout_join(dir, name);
    FILE *f = *out ? open_memstream(pre, len) : NULL;
    if (!f) {
        free(*out);
        *out = NULL;
        cli_error("plot: out of memory");
    }
    return f;
}

/* Draws one figure of one run. */
static int plot_one(const char *dir, const char *script, const char *vars)
{
    char *out = NULL, *pre = NULL;
    size_t len = 0;
    FILE *f = begin_figure(&out, &pre, &len, dir, script);
    if (!f)
        return CLI_FAILED;
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
    char *out = NULL, *pre = NULL;
    size_t len = 0;
    FILE *f = begin_figure(&out, &pre, &len, out_dir, script);
    if (!f)
        return CLI_FAILED;
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
        fprintf(stderr, "chainsim: plot: no run has data for %s.png; not drawn\n", script);
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
