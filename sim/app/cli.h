/* The chainsim command line: the table of subcommands and the helpers every
 * subcommand shares, so that all of them report errors and exit the same way.
 * Exit status everywhere: 0 success, 1 the work itself failed (for example
 * `verify` found a bad block), 2 bad usage or bad input. */
#ifndef CHAINSIM_CLI_H
#define CHAINSIM_CLI_H

#include <stddef.h>

enum {
    CLI_OK = 0,       /* success */
    CLI_FAILED = 1,   /* the work itself failed */
    CLI_BAD_INPUT = 2 /* bad usage or bad input */
};

/* One subcommand: NAME, C function, one-line summary. Each function takes the
 * arguments after the subcommand name (argv[0] is the subcommand) and returns
 * an exit status above. */
#define CLI_COMMAND_MAP(X)                                                                         \
    X("run", cmd_run, "run a scenario and write every node's chain and metrics")                   \
    X("verify", cmd_verify, "re-validate chain files from genesis")                                \
    X("pow-check", cmd_pow_check, "decode an 80-byte block header and check its proof of work")    \
    X("plot", cmd_plot, "draw the figures (PNG) of runs or sweeps with gnuplot")                   \
    X("compare", cmd_compare, "print the headline figures of several runs side by side")           \
    X("sweep", cmd_sweep, "run a scenario over a grid of parameter values and repetitions")        \
    X("serve", cmd_serve, "serve the web dashboard for a finished run (read-only)")

#define CLI_DECLARE(name, fn, summary) int fn(int argc, char **argv);
CLI_COMMAND_MAP(CLI_DECLARE)
#undef CLI_DECLARE

/* Prints "chainsim: <message>" and a newline on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True when argv[i] is -h or --help for some i in [1, argc). */
int cli_wants_help(int argc, char **argv);

/* The value of `cmd --allow-host NAME` (NULL when missing): checks it is a
 * host name the dashboard can answer to (http_check_host_name) and appends
 * it to hosts, which has room for HTTP_MAX_ALLOWED_HOSTS and holds *n so
 * far. Returns 0, or -1 after printing why with cli_error. */
int cli_allow_host(const char *cmd, const char **hosts, size_t *n, const char *val);

#endif
