/* `chainsim run`: loads the scenario, builds the world (sim/model/world.h),
 * drives it through the engine in virtual time, and hands the finished run
 * to output.c, which writes every node's chain file, the metrics and the
 * summary. With --serve, the dashboard (run_serve.c) watches the run. */
#include "run.h"
#include "timeunit.h"

#include "chainsel.h"
#include "cli.h"
#include "fileout.h"
#include "output.h"
#include "run_serve.h"
#include "scenario.h"
#include "world.h"

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

/* Loads the scenario (with the --set overrides and --seed) into s, its JSON
 * form for summary.json, and creates the output folder. Returns CLI_OK or an
 * exit status with a line on stderr (s is then torn down). */
static int load(world *s, const run_options *opts)
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
    if (fileout_mkdirs(err, sizeof err, s->out_dir) != FILEOUT_OK) {
        cli_error("run: %s", err);
        world_teardown(s);
        return CLI_BAD_INPUT;
    }
    return CLI_OK;
}

/* Runs the engine to the scenario's end and writes the outputs, unless a
 * signal (--serve) stopped it. Returns the exit status. */
static int run_and_finish(world *s, const chainsel *chains, run_serve *sv)
{
    s->progress = !s->quiet && isatty(STDERR_FILENO);
    if (!s->quiet)
        printf("chainsim %s: %s, %u nodes, %s, seed %" PRIu64 "\n", CHAINSIM_VERSION,
               s->scn.name ? s->scn.name : "scenario", s->n,
               s->cons.type == CHAIN_POW ? "proof-of-work" : "proof-of-stake", s->seed);
    double t0 = wall_now();
    if (engine_run(s->eng, s->scn.duration_ns) != ENGINE_OK)
        abort(); /* a fresh engine starts at 0 */
    double wall = wall_now() - t0;
    if (s->progress)
        fputs("\r\033[K", stderr);
    int interrupted = sv != NULL && run_signals_engine_done(&sv->signals) != 0;
    int rc;
    if (interrupted) {
        world_flush_lines(s);
        cli_error("run: interrupted at %.3f virtual seconds; no output written",
                  (double)engine_now(s->eng) / (double)TIMEUNIT_NS_PER_S);
        rc = CLI_FAILED;
    } else {
        rc = s->failed ? CLI_FAILED : output_finish(s, chains, wall);
    }
    if (sv != NULL)
        rc = run_serve_end(sv, interrupted ? CLI_FAILED : rc);
    return rc;
}

/* The dashboard also answers to the --allow-host names (checked when the
 * options were read, so a refusal here is a bug's). */
static int allow_hosts(run_serve *sv, const run_options *opts)
{
    char err[400];
    for (size_t i = 0; i < opts->n_allow_hosts; i++)
        if (rundash_allow_host(sv->dash, err, sizeof err, opts->allow_hosts[i]) != RUNDASH_OK) {
            cli_error("run: --allow-host: %s", err);
            return CLI_BAD_INPUT;
        }
    return CLI_OK;
}

int run_main(const run_options *opts)
{
    world s;
    char err[1024];
    memset(&s, 0, sizeof s);
    s.out_dir = opts->out_dir ? opts->out_dir : "data_blockchain";
    s.threads = opts->have_threads ? opts->threads : 0;
    s.realtime = opts->realtime;
    s.quiet = opts->quiet;
    s.hooks.error = report_error;
    int rc = load(&s, opts);
    if (rc != CLI_OK)
        return rc;
    run_serve sv;
    memset(&sv, 0, sizeof sv);
    if (opts->serve_addr) /* before any thread exists, so that all inherit the mask */
        run_signals_block(&sv.signals);
    rc = world_setup(&s, err, sizeof err);
    if (rc != 0) {
        cli_error("run: %s: %s", opts->scenario_path ? opts->scenario_path : "default scenario",
                  err);
    } else if (opts->serve_addr && ((rc = run_serve_start(&sv, &s, opts->serve_addr)) != CLI_OK ||
                                    (rc = allow_hosts(&sv, opts)) != CLI_OK)) {
        rc = run_serve_end(&sv, rc);
    } else {
        static const chainsel all = {CHAINSEL_ALL, NULL, 0};
        rc = run_and_finish(&s, opts->chains ? opts->chains : &all, opts->serve_addr ? &sv : NULL);
    }
    world_teardown(&s);
    if (opts->serve_addr)
        run_signals_restore(&sv.signals);
    return rc;
}
