/* `chainsim run`: builds a run from a scenario (network, genesis, nodes,
 * wallets), drives it through the engine in virtual time, prints notable
 * events, and writes every node's chain file, the metrics and the summary. */
#ifndef CHAINSIM_RUN_H
#define CHAINSIM_RUN_H

#include <stddef.h>
#include <stdint.h>

typedef struct run_options {
    const char *scenario_path; /* NULL: the built-in default scenario */
    const char *const *sets;   /* "path=value" overrides, in order */
    size_t n_sets;
    int have_seed;
    uint64_t seed; /* overrides the scenario's seed when have_seed */
    int have_threads;
    uint32_t threads;               /* worker threads; 0 = one per CPU (the default) */
    const char *out_dir;            /* NULL: data_blockchain */
    double realtime;                /* 0: as fast as possible; F: F x wall-clock speed */
    int quiet;                      /* no event lines: errors, the summary, a short progress line */
    const char *serve_addr;         /* NULL: no dashboard; else ADDR:PORT */
    int start_paused;               /* with serve_addr: hold the run until the page connects */
    const char *const *allow_hosts; /* more Host names the dashboard answers to */
    size_t n_allow_hosts;
    /* Whose chain files to write (--chains); NULL: all. */
    const struct chainsel *chains;
} run_options;

/* Runs the scenario. Returns a CLI exit status: 0 success, 1 the run failed
 * (an output could not be written, out of memory, a signal stopped it), 2 bad
 * input (scenario, options, an output folder it cannot use), each with one
 * line on stderr. */
int run_main(const run_options *opts);

#endif
