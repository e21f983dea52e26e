/* `chainsim run`: command-line options into run_options. */
#include "chainsel.h"
#include "cli.h"
#include "engine.h"
#include "http.h"
#include "run.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: chainsim run [SCENARIO] [options]\n\n"
            "Runs SCENARIO (a JSON file; the built-in default scenario when omitted: 4 nodes,\n"
            "proof-of-work, one partition and its heal) in virtual time, prints notable events,\n"
            "and writes every node's chain (DIR/nodeK_chain.json), CSV metrics, summary.json\n"
            "and run_info.json.\n\n"
            "options:\n"
            "  --seed N          run seed (overrides the scenario's)\n"
            "  --threads K       worker threads (default, and 0: one per CPU; never more than\n"
            "                    nodes); output is identical for every K\n"
            "  --out DIR         output folder (default data_blockchain), replaced as a whole\n"
            "                    when the run has finished; a folder holding files chainsim\n"
            "                    did not write is refused (data_blockchain/README.md)\n"
            "  --chains WHICH    whose chain files to write: all (default), none, main (the\n"
            "                    nodes whose chain is the main chain) or node numbers like\n"
            "                    1,5,10-20; nodes holding the same chain share one file\n"
            "                    (hard links)\n"
            "  --set PATH=VALUE  override a scenario key, e.g. --set network.latency=100ms\n"
            "                    (repeatable, applied in order)\n"
            "  --realtime F      pace virtual time at F x wall-clock speed, F from 0.001 to\n"
            "                    1000000 (changes nothing else)\n"
            "  --serve [ADDR:PORT]  serve the live dashboard (default 127.0.0.1:8080)\n"
            "  --start-paused    with --serve: hold the run at time 0 until the first\n"
            "                    browser opens the dashboard\n"
            "  --allow-host NAME also answer requests for NAME (a DNS name or an address by\n"
            "                    which the dashboard is reached; localhost, 127.0.0.1, [::1]\n"
            "                    and the --serve address always are); repeatable, at most 16\n"
            "  --quiet           print only errors, the closing summary and, in a long run,\n"
            "                    a short line on stderr every 30 s\n"
            "  -h, --help        this help\n\n"
            "Progress goes to stderr: a bar on a terminal, else a line every 5 s\n"
            "(CHAINSIM_PROGRESS_INTERVAL=SECONDS changes it; 0: none).\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (s == NULL || *s == '\0' || *s == '-')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

/* --seed N: a non-negative integer. Returns 0, or -1 with a message. */
static int parse_seed(run_options *o, const char *val)
{
    if (parse_u64(val, &o->seed) != 0) {
        cli_error("run: --seed expects a non-negative integer, not '%s'", val ? val : "");
        return -1;
    }
    o->have_seed = 1;
    return 0;
}

/* --serve [ADDR:PORT]: the next argument is the address when it looks like
 * one (not an option, has a colon, is not a scenario file). Returns how many
 * arguments it took besides --serve (0 or 1). */
static int take_serve(run_options *o, const char *val)
{
    if (val && val[0] != '-' && strchr(val, ':') && strstr(val, ".json") == NULL) {
        o->serve_addr = val;
        return 1;
    }
    o->serve_addr = "127.0.0.1:8080";
    return 0;
}

/* --realtime F: a factor in [ENGINE_REALTIME_MIN, ENGINE_REALTIME_MAX].
 * Returns 0, or -1 with a message. */
static int parse_realtime(run_options *o, const char *val)
{
    char *end = NULL;
    double f = val && *val ? strtod(val, &end) : NAN;
    if (val == NULL || *val == '\0' || *end || !(f > 0) || !engine_realtime_valid(f)) {
        cli_error("run: --realtime expects a factor from %.10g to %.10g (virtual seconds per "
                  "wall-clock second), not '%s'",
                  ENGINE_REALTIME_MIN, ENGINE_REALTIME_MAX, val ? val : "");
        return -1;
    }
    o->realtime = f;
    return 0;
}

/* --chains WHICH into sel. Returns 0, or -1 with a message. */
static int parse_chains(chainsel *sel, const char *val)
{
    char err[300];
    chainsel_clear(sel);
    if (chainsel_parse(sel, err, sizeof err, val) != 0) {
        cli_error("run: %s", err);
        return -1;
    }
    return 0;
}

int cmd_run(int argc, char **argv)
{
    run_options o;
    chainsel chains = {CHAINSEL_ALL, NULL, 0};
    const char **sets = calloc((size_t)argc, sizeof *sets);
    const char *hosts[HTTP_MAX_ALLOWED_HOSTS];
    size_t n_hosts = 0;
    int rc = CLI_BAD_INPUT;
    memset(&o, 0, sizeof o);
    if (sets == NULL) {
        cli_error("run: out of memory");
        return CLI_FAILED;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            rc = CLI_OK;
            goto out;
        } else if (strcmp(a, "--quiet") == 0) {
            o.quiet = 1;
        } else if (strcmp(a, "--seed") == 0) {
            if (parse_seed(&o, val) != 0)
                goto out;
            i++;
        } else if (strcmp(a, "--threads") == 0) {
            uint64_t k;
            if (parse_u64(val, &k) != 0 || k > 4096) {
                cli_error("run: --threads expects an integer from 0 to 4096, not '%s'",
                          val ? val : "");
                goto out;
            }
            o.threads = (uint32_t)k;
            o.have_threads = 1;
            i++;
        } else if (strcmp(a, "--out") == 0) {
            if (val == NULL || *val == '\0') {
                cli_error("run: --out expects a folder");
                goto out;
            }
            o.out_dir = val;
            i++;
        } else if (strcmp(a, "--set") == 0) {
            if (val == NULL || strchr(val, '=') == NULL) {
                cli_error("run: --set expects PATH=VALUE, not '%s'", val ? val : "");
                goto out;
            }
            sets[o.n_sets++] = val;
            i++;
        } else if (strcmp(a, "--realtime") == 0) {
            if (parse_realtime(&o, val) != 0)
                goto out;
            i++;
        } else if (strcmp(a, "--chains") == 0) {
            if (parse_chains(&chains, val) != 0)
                goto out;
            i++;
        } else if (strcmp(a, "--serve") == 0) {
            i += take_serve(&o, val);
        } else if (strcmp(a, "--start-paused") == 0) {
            o.start_paused = 1;
        } else if (strcmp(a, "--allow-host") == 0) {
            if (cli_allow_host("run", hosts, &n_hosts, val) != 0)
                goto out;
            i++;
        } else if (a[0] == '-' && a[1] != '\0') {
            cli_error("run: unknown option '%s' (see 'chainsim run --help')", a);
            goto out;
        } else if (o.scenario_path == NULL) {
            o.scenario_path = a;
        } else {
            cli_error("run: only one scenario file may be given ('%s' and '%s')", o.scenario_path,
                      a);
            goto out;
        }
    }
    if (o.start_paused && o.serve_addr == NULL) {
        cli_error("run: --start-paused holds the run until a browser opens the dashboard: it "
                  "needs --serve");
        goto out;
    }
    if (n_hosts > 0 && o.serve_addr == NULL) {
        cli_error("run: --allow-host names a host of the dashboard: it needs --serve");
        goto out;
    }
    o.sets = sets;
    o.allow_hosts = hosts;
    o.n_allow_hosts = n_hosts;
    o.chains = &chains;
    rc = run_main(&o);
out:
    chainsel_clear(&chains);
    free(sets);
    return rc;
}
