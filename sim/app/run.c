/* `chainsim run`: loads the scenario, builds the world (sim/model/world.h),
 * drives it through the engine in virtual time, and hands the finished run
 * to output.c, which writes every node's chain file, the metrics and the
 * summary into a staging folder that then replaces the output folder as a
 * whole (outdir.c). SIGINT and SIGTERM stop the run and leave the output
 * folder as it was (run_signals.c); progress goes to stderr (progress.c).
 * With --serve, the dashboard (run_serve.c) watches the run; over several
 * processes, process 0 serves it. */
#include "run.h"
#include "timeunit.h"

#include "chainsel.h"
#include "cli.h"
#include "dist.h"
#include "outdir.h"
#include "output.h"
#include "progress.h"
#include "run_serve.h"
#include "run_signals.h"
#include "scenario.h"
#include "world.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / (double)TIMEUNIT_NS_PER_S;
}

/* The world's error hook: a failure inside a global event, on stderr. */
static void report_error(void *ctx, const char *message)
{
    (void)ctx;
    cli_error("run: %s", message);
}

/* One run's driving state besides the world. */
typedef struct run_ctx {
    const char *shown_dir; /* the output folder as the user named it */
    outdir *od;            /* its replacement; the run writes to outdir_staging */
    run_signals *signals;  /* SIGINT and SIGTERM */
    run_serve *sv;         /* the dashboard, NULL without --serve */
    double progress_s;     /* seconds between progress lines (0: none) */
    char *staging;         /* several processes: the staging folder (process 0's) */
} run_ctx;

/* With several processes, every process but 0 hides what it would print:
 * its stdout always (process 0 prints the run's lines and summary), its
 * stderr while the scenario is loaded and the world set up (every process
 * meets the same errors there; process 0 reports them). Returns the saved
 * stderr to give back to show_stderr, or -1. */
static int hide_output(void)
{
    if (dist_size() <= 1 || dist_rank() == 0)
        return -1;
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null < 0)
        return -1;
    fflush(stdout);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    close(null);
    return saved;
}

static void show_stderr(int saved)
{
    if (saved < 0)
        return;
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
}

/* Several processes: process 0 prepared the output folder (status od);
 * every process learns the status and the staging folder. Returns the
 * status. */
static outdir_status share_outdir(run_ctx *rc, outdir_status od)
{
    int32_t st = (int32_t)od;
    dist_bcast(&st, sizeof st, 0);
    if (st != OUTDIR_OK)
        return (outdir_status)st;
    uint64_t len = dist_rank() == 0 ? strlen(outdir_staging(rc->od)) + 1 : 0;
    dist_bcast(&len, sizeof len, 0);
    rc->staging = malloc(len);
    if (rc->staging == NULL)
        dist_abort(CLI_FAILED);
    if (dist_rank() == 0)
        memcpy(rc->staging, outdir_staging(rc->od), len);
    dist_bcast(rc->staging, len, 0);
    return OUTDIR_OK;
}

/* Loads the scenario (with the --set overrides and --seed) into s, its JSON
 * form for summary.json, and prepares the output folder (the run writes
 * into its staging folder). Returns CLI_OK or an exit status with a line on
 * stderr (s is then torn down). */
static int load(world *s, run_ctx *rc, const run_options *opts)
{
    char err[1024];
    /* --seed is one more override, the last: everything drawn while the
     * scenario is validated (nodes' regions by share) uses the run's seed. */
    const char *const *sets = opts->sets;
    size_t n_sets = opts->n_sets;
    const char **with_seed = NULL;
    char seed_set[48];
    if (opts->have_seed) {
        with_seed = malloc((n_sets + 1) * sizeof *with_seed);
        if (with_seed == NULL) {
            cli_error("run: out of memory");
            return CLI_FAILED;
        }
        for (size_t i = 0; i < n_sets; i++)
            with_seed[i] = sets[i];
        snprintf(seed_set, sizeof seed_set, "seed=\"%" PRIu64 "\"", opts->seed);
        with_seed[n_sets++] = seed_set;
        sets = with_seed;
    }
    scenario_status st =
        opts->scenario_path
            ? scenario_load_file(&s->scn, opts->scenario_path, sets, n_sets, err, sizeof err)
            : scenario_load_default(&s->scn, sets, n_sets, err, sizeof err);
    free(with_seed);
    if (st != SCENARIO_OK) {
        cli_error("run: %s", err);
        return st == SCENARIO_ERR_NOMEM ? CLI_FAILED : CLI_BAD_INPUT;
    }
    if (opts->chains && chainsel_check(opts->chains, err, sizeof err, s->scn.n_nodes) != 0) {
        cli_error("run: %s", err);
        scenario_free(&s->scn);
        return CLI_BAD_INPUT;
    }
    s->seed = s->scn.seed;
    s->scn_json = scenario_to_json(&s->scn);
    if (s->scn_json == NULL) {
        cli_error("run: out of memory");
        scenario_free(&s->scn);
        return CLI_FAILED;
    }
    outdir_status od = OUTDIR_OK;
    if (dist_rank() == 0)
        od = outdir_begin(&rc->od, err, sizeof err, rc->shown_dir);
    if (dist_size() > 1)
        od = share_outdir(rc, od);
    if (od != OUTDIR_OK) {
        cli_error("run: --out %s", err);
        world_teardown(s);
        return od == OUTDIR_E_SYSTEM || od == OUTDIR_E_NOMEM ? CLI_FAILED : CLI_BAD_INPUT;
    }
    s->out_dir = rc->staging ? rc->staging : outdir_staging(rc->od);
    return CLI_OK;
}

/* Writes the finished run into the staging folder and puts it in place of
 * the output folder, unless a signal came meanwhile; then the summary.
 * Returns the exit status. */
static int finish(world *s, run_ctx *rc, const chainsel *chains, double wall)
{
    char err[1024];
    output_written res;
    int first = dist_rank() == 0; /* the process that reports */
    if (output_write(s, &res, err, sizeof err, chains, wall) != 0) {
        if (first)
            cli_error("run: %s; nothing was written to %s/", err, rc->shown_dir);
        return CLI_FAILED;
    }
    if (dist_max_i64(run_signals_engine_done(rc->signals) != 0)) {
        if (first)
            cli_error("run: interrupted while writing the outputs; nothing was written to %s/",
                      rc->shown_dir);
        free(res.facts);
        return CLI_FAILED;
    }
    world_remove_crash_dir(s); /* before the staging folder goes live */
    dist_barrier();            /* every process's files are in it */
    outdir_status st = OUTDIR_OK;
    if (first)
        st = outdir_commit(rc->od, err, sizeof err);
    if (dist_size() > 1) {
        int32_t v = (int32_t)st;
        dist_bcast(&v, sizeof v, 0);
        st = (outdir_status)v;
    }
    if (!first) {
        if (st == OUTDIR_OK || st == OUTDIR_KEPT_OLD)
            output_print(s, &res, chains, rc->shown_dir, wall);
        else
            free(res.facts);
        return st == OUTDIR_OK || st == OUTDIR_KEPT_OLD ? CLI_OK : CLI_FAILED;
    }
    if (st == OUTDIR_KEPT_OLD) {
        cli_error("run: warning: %s", err);
    } else if (st != OUTDIR_OK) {
        cli_error("run: %s", err);
        free(res.facts);
        return CLI_FAILED;
    }
    output_print(s, &res, chains, rc->shown_dir, wall);
    return CLI_OK;
}

/* Runs the engine to the scenario's end and writes the outputs, unless a
 * signal stopped it. Returns the exit status. */
static int run_and_finish(world *s, run_ctx *rc, const chainsel *chains)
{
    progress pr;
    progress_start(
        &pr, s,
        progress_choose(s->quiet || dist_rank() != 0, isatty(STDERR_FILENO), rc->progress_s),
        rc->progress_s);
    if (!s->quiet)
        printf("chainsim %s: %s, %u nodes, %s, seed %" PRIu64 "\n", CHAINSIM_VERSION,
               s->scn.name ? s->scn.name : "scenario", s->n, s->ops->title, s->seed);
    double t0 = wall_now();
    if (engine_run(s->eng, s->scn.duration_ns) != ENGINE_OK)
        abort(); /* a fresh engine starts at 0 */
    double wall = wall_now() - t0;
    progress_end(&pr);
    int interrupted = run_signals_engine_done(rc->signals) != 0;
    if (s->procs > 1) { /* every process takes the same way */
        interrupted = (int)dist_max_i64(interrupted);
        s->failed = (int)dist_max_i64(s->failed);
    }
    int first = dist_rank() == 0;
    int status;
    if (interrupted) {
        world_flush_lines(s);
        if (first)
            cli_error("run: interrupted at %.3f virtual seconds; no output written (%s/ is as "
                      "it was)",
                      (double)engine_now(s->eng) / (double)TIMEUNIT_NS_PER_S, rc->shown_dir);
        status = CLI_FAILED;
    } else if (s->failed) {
        if (first)
            cli_error("run: the run failed; nothing was written to %s/", rc->shown_dir);
        status = CLI_FAILED;
    } else {
        status = finish(s, rc, chains, wall);
    }
    if (rc->sv != NULL)
        status = run_serve_end(rc->sv, interrupted ? CLI_FAILED : status);
    return status;
}

/* The dashboard also answers to the --allow-host names (checked when the
 * options were read, so a refusal here is a bug's). The dashboard is
 * process 0's: its status is every process's. */
static int allow_hosts(run_serve *sv, const run_options *opts)
{
    char err[400];
    int32_t status = CLI_OK;
    for (size_t i = 0; sv->dash && i < opts->n_allow_hosts && status == CLI_OK; i++)
        if (rundash_allow_host(sv->dash, err, sizeof err, opts->allow_hosts[i]) != RUNDASH_OK) {
            cli_error("run: --allow-host: %s", err);
            status = CLI_BAD_INPUT;
        }
    dist_bcast(&status, sizeof status, 0);
    return status;
}

int run_main(const run_options *opts)
{
    world s;
    char err[1024];
    memset(&s, 0, sizeof s);
    run_ctx rc;
    memset(&rc, 0, sizeof rc);
    rc.shown_dir = opts->out_dir ? opts->out_dir : "data_blockchain";
    s.threads = opts->have_threads ? opts->threads : 0;
    s.realtime = opts->realtime;
    s.quiet = opts->quiet;
    s.hooks.error = report_error;
    if (progress_interval_from_env(&rc.progress_s, err, sizeof err) != 0) {
        cli_error("run: %s", err);
        return CLI_BAD_INPUT;
    }
    run_serve sv;
    memset(&sv, 0, sizeof sv);
    rc.signals = &sv.signals;
    /* Before any thread exists, so that all inherit the mask: a signal is
     * taken by the signal thread only, and stops the run cleanly. */
    run_signals_block(rc.signals);
    if (dist_start(err, sizeof err) != 0) {
        cli_error("run: %s", err);
        dist_abort(CLI_FAILED);
    }
    s.procs = dist_size();
    int saved_stderr = hide_output();
    int status = load(&s, &rc, opts);
    if (status != CLI_OK) {
        show_stderr(saved_stderr);
        outdir_free(rc.od);
        free(rc.staging);
        run_signals_restore(rc.signals);
        dist_stop();
        return status;
    }
    err[0] = '\0';
    status = world_setup(&s, err, sizeof err);
    if (s.procs > 1) /* the same everywhere, but for a process out of memory */
        status = (int)dist_max_i64(status);
    if (status != 0 && err[0] == '\0')
        snprintf(err, sizeof err, "out of memory in another process");
    show_stderr(saved_stderr);
    if (status != 0 && dist_rank() != 0) {
        /* process 0 reports it */
    } else if (status != 0) {
        cli_error("run: %s: %s", opts->scenario_path ? opts->scenario_path : "default scenario",
                  err);
    } else if (opts->serve_addr && ((status = run_serve_start(&sv, &s, opts->serve_addr,
                                                              opts->start_paused)) != CLI_OK ||
                                    (status = allow_hosts(&sv, opts)) != CLI_OK)) {
        status = run_serve_end(&sv, status);
    } else if (!opts->serve_addr && run_signals_start(rc.signals, s.eng) != 0) {
        cli_error("run: cannot start a thread");
        status = CLI_FAILED;
    } else {
        static const chainsel all = {CHAINSEL_ALL, NULL, 0};
        rc.sv = opts->serve_addr ? &sv : NULL;
        status = run_and_finish(&s, &rc, opts->chains ? opts->chains : &all);
    }
    if (!opts->serve_addr)
        run_signals_cancel(rc.signals);
    dist_barrier(); /* no process writes into the staging folder any more */
    world_teardown(&s);
    outdir_free(rc.od); /* removes the staging folder of a run that did not finish */
    free(rc.staging);
    run_signals_restore(rc.signals);
    dist_stop();
    return status;
}
