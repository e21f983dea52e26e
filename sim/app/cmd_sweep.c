/* `chainsim sweep`: runs a scenario over the cartesian product of --vary
 * values times --reps repetitions, each run a child `chainsim run` process
 * (up to --jobs at once), then writes sweep.csv with one row per run in grid
 * order, so the file does not depend on which child finished first. */
#include "cli.h"
#include "fileout.h"
#include "scenario.h"
#include "summary.h"
#include "sweep.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
            "  --out DIR  output folder (default data_blockchain/sweep); DIR/sweep.csv gets\n"
            "             one row per run: run, varied values, rep, seed, headline figures\n"
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

int cmd_sweep(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_OK;
    }
    int status = CLI_BAD_INPUT;
    const char *scn_path = NULL, *out = "data_blockchain/sweep";
    uint64_t reps = 1, jobs = 1, base_seed = 0;
    int have_seed = 0;
    size_t n_axes = 0, n_runs = 0;
    sweep_axis *axes = calloc((size_t)argc, sizeof *axes);
    cJSON **sums = NULL;
    char err[1024];
    if (!axes) {
        cli_error("sweep: out of memory");
        return CLI_FAILED;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int takes_value = strcmp(a, "--vary") == 0 || strcmp(a, "--reps") == 0 ||
                          strcmp(a, "--jobs") == 0 || strcmp(a, "--out") == 0 ||
                          strcmp(a, "--seed") == 0;
        if (takes_value && i + 1 >= argc) {
            cli_error("sweep: %s needs a value (see 'chainsim sweep --help')", a);
            goto done;
        }
        if (strcmp(a, "--vary") == 0) {
            if (sweep_axis_parse(&axes[n_axes], err, sizeof err, argv[++i]) != 0) {
                cli_error("sweep: %s", err);
                goto done;
            }
            n_axes++;
        } else if (strcmp(a, "--reps") == 0 || strcmp(a, "--jobs") == 0) {
            if (parse_u64(a[2] == 'r' ? &reps : &jobs, argv[i + 1], 1, 100000) != 0) {
                cli_error("sweep: %s '%s': expected an integer from 1 to 100000", a, argv[i + 1]);
                goto done;
            }
            i++;
        } else if (strcmp(a, "--seed") == 0) {
            if (parse_u64(&base_seed, argv[i + 1], 0, UINT64_MAX) != 0) {
                cli_error("sweep: --seed '%s': expected a non-negative integer", argv[i + 1]);
                goto done;
            }
            have_seed = 1;
            i++;
        } else if (strcmp(a, "--out") == 0) {
            out = argv[++i];
        } else if (a[0] == '-') {
            cli_error("sweep: unknown option '%s' (see 'chainsim sweep --help')", a);
            goto done;
        } else if (scn_path) {
            cli_error("sweep: one SCENARIO expected, got '%s' and '%s'", scn_path, a);
            goto done;
        } else {
            scn_path = a;
        }
    }
    if (!scn_path) {
        cli_error("sweep: give a SCENARIO file (see 'chainsim sweep --help')");
        goto done;
    }
    if (sweep_grid_size(&n_runs, axes, n_axes, (unsigned)reps) != 0 || n_runs > 1000000) {
        cli_error("sweep: the grid is too large");
        goto done;
    }
    if (!have_seed && scenario_seed(&base_seed, scn_path) != CLI_OK)
        goto done;
    int grid_status = check_grid(scn_path, axes, n_axes);
    if (grid_status != CLI_OK) {
        status = grid_status;
        goto done;
    }
    if (fileout_mkdirs(err, sizeof err, out) != FILEOUT_OK) {
        cli_error("sweep: %s", err);
        status = CLI_FAILED;
        goto done;
    }
    status = CLI_FAILED;
    size_t failed =
        run_all(scn_path, axes, n_axes, (unsigned)reps, base_seed, out, n_runs, (unsigned)jobs);
    if (failed > 0) {
        cli_error("sweep: %zu of %zu runs failed; %s/sweep.csv not written", failed, n_runs, out);
        goto done;
    }
    sums = calloc(n_runs, sizeof *sums);
    if (!sums)
        goto done;
    for (size_t r = 0; r < n_runs; r++) {
        char name[32];
        sweep_run_name(name, sizeof name, r, n_runs);
        char *dir = fileout_join(out, name);
        if (!dir)
            snprintf(err, sizeof err, "out of memory");
        int rc = dir ? summary_load(&sums[r], err, sizeof err, dir) : -1;
        free(dir);
        if (rc != 0) {
            cli_error("sweep: %s", err);
            goto done;
        }
    }
    char *csv =
        sweep_csv(axes, n_axes, (unsigned)reps, base_seed, (const cJSON *const *)sums, n_runs);
    char *path = fileout_join(out, "sweep.csv");
    if (!csv || !path) {
        cli_error("sweep: out of memory");
    } else if (fileout_write(err, sizeof err, path, csv, strlen(csv)) != FILEOUT_OK) {
        cli_error("sweep: %s", err);
    } else {
        printf("sweep: %zu runs, %s\n", n_runs, path);
        status = CLI_OK;
    }
    free(csv);
    free(path);
done:
    if (sums)
        for (size_t r = 0; r < n_runs; r++)
            cJSON_Delete(sums[r]);
    free(sums);
    for (size_t a = 0; a < n_axes; a++)
        sweep_axis_clear(&axes[a]);
    free(axes);
    return status;
}
