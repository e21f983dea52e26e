/* `chainsim sweep`: runs a scenario over the cartesian product of --vary
 * values times --reps repetitions, each run a child `chainsim run` process
 * (up to --jobs at once), then writes sweep.csv with one row per run in grid
 * order, so the file does not depend on which child finished first, and
 * sweep.json with the sweep's definition. The output folder must be new or
 * empty: a sweep never mixes its runs with an earlier sweep's. */
#include "cli.h"
#include "fileout.h"
#include "scenario.h"
#include "summary.h"
#include "sweep.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: chainsim sweep SCENARIO --vary PATH=V1,V2,... [--vary ...] [--reps R]\n"
            "                      [--jobs J] [--seed S] [--out DIR]\n\n"
            "Runs SCENARIO once per combination of the --vary values and repetition: run i\n"
            "is 'chainsim run SCENARIO --set PATH=V ... --seed S_r --out DIR/run-00i --quiet'.\n"
            "The first --vary changes slowest, the repetition fastest. The seed of\n"
            "repetition r (0-based) is splitmix64(base + r), base being --seed or the\n"
            "scenario's top-level \"seed\" (1 when it has none).\n"
            "  --reps R   repetitions per grid point (default 1)\n"
            "  --jobs J   runs at once (default 1)\n"
            "  --out DIR  output folder, new or empty (default data_blockchain/sweep); a\n"
            "             folder that holds anything (an earlier sweep) is refused\n"
            "DIR/sweep.csv gets one row per run: run_id (the sweep's id, a hash of its\n"
            "definition, and the run's number), run (its folder), the varied values, rep,\n"
            "seed and the headline figures; DIR/sweep.json the sweep's definition.\n"
            "'chainsim plot DIR' draws each figure against the first --vary.\n"
            "Exit status: 0 success, 1 a run failed, 2 bad usage or bad input.\n");
}

/* Parses a decimal unsigned integer in [min, max]; 0 on success. */
static int parse_u64(uint64_t *out, const char *s, uint64_t min, uint64_t max)
{
    if (!s || !*s || *s == '-' || *s == '+')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Reads the scenario's base seed, as `chainsim run` would read the file
 * (a seed above 2^53 given as a string included). Returns CLI_OK, or
 * CLI_BAD_INPUT / CLI_FAILED with the scenario's own message reported. */
static int scenario_seed(uint64_t *seed, const char *path)
{
    struct scenario scn;
    char err[1024];
    scenario_status st = scenario_load_file(&scn, path, NULL, 0, err, sizeof err);
    if (st != SCENARIO_OK) {
        cli_error("sweep: %s", err);
        return st == SCENARIO_ERR_NOMEM ? CLI_FAILED : CLI_BAD_INPUT;
    }
    *seed = scn.seed;
    scenario_free(&scn);
    return CLI_OK;
}

/* Validates the scenario with every combination of the --vary values
 * before any run starts, so bad input is refused (exit 2) with the
 * scenario's own message rather than discovered run by run. */
static int check_grid(const char *scn_path, const sweep_axis *axes, size_t n_axes)
{
    size_t n_points = 1;
    for (size_t a = 0; a < n_axes; a++)
        n_points *= axes[a].n_values;
    size_t *idx = calloc(n_axes ? n_axes : 1, sizeof *idx);
    char **sets = calloc(n_axes ? n_axes : 1, sizeof *sets);
    int status = CLI_FAILED;
    if (idx == NULL || sets == NULL) {
        cli_error("sweep: out of memory");
        goto done;
    }
    status = CLI_OK;
    for (size_t pt = 0; pt < n_points && status == CLI_OK; pt++) {
        unsigned rep;
        sweep_grid_point(idx, &rep, axes, n_axes, 1, pt);
        for (size_t a = 0; a < n_axes; a++) {
            size_t len = strlen(axes[a].path) + strlen(axes[a].values[idx[a]]) + 2;
            free(sets[a]);
            sets[a] = malloc(len);
            if (sets[a] == NULL) {
                cli_error("sweep: out of memory");
                status = CLI_FAILED;
                goto done;
            }
            snprintf(sets[a], len, "%s=%s", axes[a].path, axes[a].values[idx[a]]);
        }
        struct scenario scn;
        char err[1024];
        scenario_status st =
            scenario_load_file(&scn, scn_path, (const char *const *)sets, n_axes, err, sizeof err);
        if (st == SCENARIO_OK) {
            scenario_free(&scn);
        } else {
            cli_error("sweep: %s", err);
            status = st == SCENARIO_ERR_NOMEM ? CLI_FAILED : CLI_BAD_INPUT;
        }
    }
done:
    for (size_t a = 0; sets != NULL && a < n_axes; a++)
        free(sets[a]);
    free(sets);
    free(idx);
    return status;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The output folder must not exist yet, or be an empty folder, so that a
 * sweep never leaves runs of an earlier one beside its own. Returns CLI_OK,
 * or CLI_BAD_INPUT with a line on stderr naming what is there (the first
 * three names in sorted order), or CLI_FAILED when the folder cannot be
 * read. */
static int check_out_unused(const char *out)
{
    struct stat st;
    if (stat(out, &st) != 0) {
        if (errno == ENOENT)
            return CLI_OK;
        cli_error("sweep: --out %s: %s", out, strerror(errno));
        return CLI_FAILED;
    }
    if (!S_ISDIR(st.st_mode)) {
        cli_error("sweep: --out %s: exists and is not a folder; give a new or empty folder", out);
        return CLI_BAD_INPUT;
    }
    DIR *d = opendir(out);
    if (d == NULL) {
        cli_error("sweep: --out %s: cannot read the folder: %s", out, strerror(errno));
        return CLI_FAILED;
    }
    char *names[4] = {NULL, NULL, NULL, NULL}; /* the 3 smallest names, and one spare */
    size_t n = 0, total = 0;
    int status = CLI_OK;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        total++;
        if (n == 4 && strcmp(e->d_name, names[3]) >= 0)
            continue;
        char *copy = strdup(e->d_name);
        if (copy == NULL) {
            status = CLI_FAILED;
            break;
        }
        if (n == 4)
            free(names[--n]);
        names[n++] = copy;
        qsort(names, n, sizeof names[0], cmp_str);
    }
    closedir(d);
    if (status == CLI_FAILED)
        cli_error("sweep: out of memory");
    else if (total > 0) {
        cli_error("sweep: --out %s already holds %s%s%s%s%s%s (an earlier sweep?); give a new or "
                  "empty folder, or remove it first",
                  out, names[0], n > 1 ? ", " : "", n > 1 ? names[1] : "", n > 2 ? ", " : "",
                  n > 2 ? names[2] : "", total > 3 ? ", ..." : "");
        status = CLI_BAD_INPUT;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    return status;
}

static size_t run_all(const char *scn_path, const sweep_axis *axes, size_t n_axes, unsigned reps,
                      uint64_t base_seed, const char *out, size_t n_runs, unsigned jobs)
{
    pid_t *pids = calloc(n_runs, sizeof *pids);
    size_t *idx = calloc(n_axes ? n_axes : 1, sizeof *idx);
    size_t next = 0, running = 0, failed = 0;
    if (!pids || !idx) {
        free(pids);
        free(idx);
        cli_error("sweep: out of memory");
        return n_runs;
    }
    while (next < n_runs || running > 0) {
        while (running < jobs && next < n_runs) {
            unsigned rep;
            char name[32];
            sweep_grid_point(idx, &rep, axes, n_axes, reps, next);
            sweep_run_name(name, sizeof name, next, n_runs);
            char *dir = fileout_join(out, name);
            char **argv = dir ? sweep_child_argv("chainsim", scn_path, axes, n_axes, idx,
                                                 sweep_seed(base_seed, rep), dir)
                              : NULL;
            pid_t pid = argv ? fork() : -1;
            if (pid == 0) {
                execv("/proc/self/exe", argv);
                fprintf(stderr, "chainsim: sweep: cannot run /proc/self/exe: %s\n",
                        strerror(errno));
                _exit(127);
            }
            if (pid < 0) {
                cli_error("sweep: cannot start %s: %s", name, strerror(errno));
                failed++;
            } else {
                pids[next] = pid;
                running++;
            }
            free(argv);
            free(dir);
            next++;
        }
        if (running == 0)
            continue;
        int st;
        pid_t pid = waitpid(-1, &st, 0);
        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (size_t i = 0; i < n_runs; i++)
            if (pids[i] == pid) {
                running--;
                if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                    char name[32];
                    sweep_run_name(name, sizeof name, i, n_runs);
                    cli_error("sweep: %s/%s failed (%s %d)", out, name,
                              WIFEXITED(st) ? "exit status" : "signal",
                              WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
                    failed++;
                }
                break;
            }
    }
    free(pids);
    free(idx);
    return failed;
}

/* The command line of a sweep. */
typedef struct sweep_args {
    const char *scn_path, *out;
    uint64_t reps, jobs, base_seed;
    int have_seed;
    sweep_axis *axes; /* argc entries, n_axes used */
    size_t n_axes;
} sweep_args;

/* Parses argv into args (axes allocated by the caller). Returns CLI_OK, or
 * CLI_BAD_INPUT with a line on stderr. */
static int parse_args(sweep_args *args, int argc, char **argv)
{
    char err[1024];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int takes_value = strcmp(a, "--vary") == 0 || strcmp(a, "--reps") == 0 ||
                          strcmp(a, "--jobs") == 0 || strcmp(a, "--out") == 0 ||
                          strcmp(a, "--seed") == 0;
        if (takes_value && i + 1 >= argc) {
            cli_error("sweep: %s needs a value (see 'chainsim sweep --help')", a);
            return CLI_BAD_INPUT;
        }
        if (strcmp(a, "--vary") == 0) {
            if (sweep_axis_parse(&args->axes[args->n_axes], err, sizeof err, argv[++i]) != 0) {
                cli_error("sweep: %s", err);
                return CLI_BAD_INPUT;
            }
            args->n_axes++;
        } else if (strcmp(a, "--reps") == 0 || strcmp(a, "--jobs") == 0) {
            if (parse_u64(a[2] == 'r' ? &args->reps : &args->jobs, argv[i + 1], 1, 100000) != 0) {
                cli_error("sweep: %s '%s': expected an integer from 1 to 100000", a, argv[i + 1]);
                return CLI_BAD_INPUT;
            }
            i++;
        } else if (strcmp(a, "--seed") == 0) {
            if (parse_u64(&args->base_seed, argv[i + 1], 0, UINT64_MAX) != 0) {
                cli_error("sweep: --seed '%s': expected a non-negative integer", argv[i + 1]);
                return CLI_BAD_INPUT;
            }
            args->have_seed = 1;
            i++;
        } else if (strcmp(a, "--out") == 0) {
            args->out = argv[++i];
        } else if (a[0] == '-') {
            cli_error("sweep: unknown option '%s' (see 'chainsim sweep --help')", a);
            return CLI_BAD_INPUT;
        } else if (args->scn_path) {
            cli_error("sweep: one SCENARIO expected, got '%s' and '%s'", args->scn_path, a);
            return CLI_BAD_INPUT;
        } else {
            args->scn_path = a;
        }
    }
    if (!args->scn_path) {
        cli_error("sweep: give a SCENARIO file (see 'chainsim sweep --help')");
        return CLI_BAD_INPUT;
    }
    return CLI_OK;
}

/* Writes text to out/name; returns CLI_OK or CLI_FAILED (reported). */
static int write_text(const char *out, const char *name, char *text)
{
    char err[1024];
    char *path = fileout_join(out, name);
    int status = CLI_FAILED;
    if (!text || !path)
        cli_error("sweep: out of memory");
    else if (fileout_write(err, sizeof err, path, text, strlen(text)) != FILEOUT_OK)
        cli_error("sweep: %s", err);
    else
        status = CLI_OK;
    free(path);
    return status;
}

/* Reads back the summary.json of each of the n_runs runs and writes
 * out/sweep.csv and out/sweep.json. Returns CLI_OK, or CLI_FAILED with a
 * line on stderr (none when out of memory for the table of summaries). */
static int write_table(const sweep_args *args, const char *id, size_t n_runs)
{
    char err[1024];
    int status = CLI_FAILED;
    cJSON **sums = calloc(n_runs, sizeof *sums);
    if (!sums)
        return CLI_FAILED;
    for (size_t r = 0; r < n_runs; r++) {
        char name[32];
        sweep_run_name(name, sizeof name, r, n_runs);
        char *dir = fileout_join(args->out, name);
        if (!dir)
            snprintf(err, sizeof err, "out of memory");
        int rc = dir ? summary_load(&sums[r], err, sizeof err, dir) : -1;
        free(dir);
        if (rc != 0) {
            cli_error("sweep: %s", err);
            goto done;
        }
    }
    char *csv = sweep_csv(id, args->axes, args->n_axes, (unsigned)args->reps, args->base_seed,
                          (const cJSON *const *)sums, n_runs);
    char *json = sweep_json(id, args->scn_path, args->axes, args->n_axes, (unsigned)args->reps,
                            args->base_seed, n_runs);
    status = write_text(args->out, "sweep.json", json);
    if (status == CLI_OK)
        status = write_text(args->out, "sweep.csv", csv);
    if (status == CLI_OK)
        printf("sweep %s: %zu runs, %s/sweep.csv\n", id, n_runs, args->out);
    free(csv);
    free(json);
done:
    for (size_t r = 0; r < n_runs; r++)
        cJSON_Delete(sums[r]);
    free(sums);
    return status;
}

/* Checks the grid, runs it, and writes the table. Returns the exit status. */
static int sweep(sweep_args *args)
{
    char err[1024];
    size_t n_runs = 0;
    if (sweep_grid_size(&n_runs, args->axes, args->n_axes, (unsigned)args->reps) != 0 ||
        n_runs > 1000000) {
        cli_error("sweep: the grid is too large");
        return CLI_BAD_INPUT;
    }
    if (!args->have_seed && scenario_seed(&args->base_seed, args->scn_path) != CLI_OK)
        return CLI_BAD_INPUT;
    int grid_status = check_grid(args->scn_path, args->axes, args->n_axes);
    if (grid_status != CLI_OK)
        return grid_status;
    char id[SWEEP_ID_HEX + 1], *text = NULL;
    size_t len = 0;
    if (fileout_read(&text, &len, err, sizeof err, args->scn_path, SCENARIO_MAX_FILE_BYTES) !=
        FILEOUT_OK) {
        cli_error("sweep: %s", err);
        return CLI_BAD_INPUT;
    }
    sweep_id(id, text, len, args->axes, args->n_axes, (unsigned)args->reps, args->base_seed);
    free(text);
    int out_status = check_out_unused(args->out);
    if (out_status != CLI_OK)
        return out_status;
    if (fileout_mkdirs(err, sizeof err, args->out) != FILEOUT_OK) {
        cli_error("sweep: %s", err);
        return CLI_FAILED;
    }
    size_t failed = run_all(args->scn_path, args->axes, args->n_axes, (unsigned)args->reps,
                            args->base_seed, args->out, n_runs, (unsigned)args->jobs);
    if (failed > 0) {
        cli_error("sweep: %zu of %zu runs failed; %s/sweep.csv not written", failed, n_runs,
                  args->out);
        return CLI_FAILED;
    }
    return write_table(args, id, n_runs);
}

int cmd_sweep(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_OK;
    }
    sweep_args args = {NULL, "data_blockchain/sweep", 1, 1, 0, 0, NULL, 0};
    args.axes = calloc((size_t)argc, sizeof *args.axes);
    if (!args.axes) {
        cli_error("sweep: out of memory");
        return CLI_FAILED;
    }
    int status = parse_args(&args, argc, argv);
    if (status == CLI_OK)
        status = sweep(&args);
    for (size_t a = 0; a < args.n_axes; a++)
        sweep_axis_clear(&args.axes[a]);
    free(args.axes);
    return status;
}
