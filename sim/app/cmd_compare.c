/* `chainsim compare RUN_DIR... [--csv]`: the headline figures of several runs
 * side by side, read from each run's summary.json. */
#include "cli.h"
#include "summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, "usage: chainsim compare RUN_DIR... [--csv]\n\n"
                 "Reads RUN_DIR/summary.json of each run and prints its headline figures side by\n"
                 "side: one row per figure, one column per run. With --csv, prints CSV instead:\n"
                 "a header 'run,<figure>...' and one row per run. A figure a run does not have\n"
                 "(for example no heal, so no reconvergence) shows as '-' (empty in CSV).\n"
                 "The attack figures follow when a run has an attack, and the BFT figures\n"
                 "(finality latency, rounds per height, time halted, votes sent) when a run\n"
                 "is BFT; a PoW or PoS run shows them as '-' (its confirm_median_s compares).\n"
                 "Exit status: 0 success, 2 bad usage or a missing or malformed summary.json.\n");
}

/* CSV: a header 'run,<figure>...' and one row per run (idx: the nh
 * figures shown). */
static void print_csv(const char *const *runs, cJSON *const *sums, int n_runs, const size_t *idx,
                      size_t nh)
{
    char cell[64];
    fputs("run", stdout);
    for (size_t h = 0; h < nh; h++)
        printf(",%s", summary_headline_name(idx[h]));
    putchar('\n');
    for (int r = 0; r < n_runs; r++) {
        summary_csv_field(stdout, runs[r]);
        for (size_t h = 0; h < nh; h++) {
            (void)summary_headline_format(cell, sizeof cell, sums[r], idx[h]);
            printf(",%s", cell);
        }
        putchar('\n');
    }
}

/* Headline h of run r as shown in the table: '-' for a figure the run lacks. */
static void table_cell(char *cell, size_t len, cJSON *const *sums, int r, size_t h)
{
    if (summary_headline_format(cell, len, sums[r], h) != 0)
        snprintf(cell, len, "-");
}

/* The table: one row per figure (idx: the nh shown), one column per run,
 * each column as wide as its widest cell. Returns 0, or -1 when out of
 * memory. */
static int print_table(const char *const *runs, cJSON *const *sums, int n_runs, const size_t *idx,
                       size_t nh)
{
    char cell[64];
    int w0 = (int)strlen("figure");
    for (size_t h = 0; h < nh; h++)
        if ((int)strlen(summary_headline_name(idx[h])) > w0)
            w0 = (int)strlen(summary_headline_name(idx[h]));
    int *w = calloc((size_t)n_runs, sizeof *w);
    if (!w)
        return -1;
    printf("%-*s", w0, "figure");
    for (int r = 0; r < n_runs; r++) {
        w[r] = (int)strlen(runs[r]);
        for (size_t h = 0; h < nh; h++) {
            table_cell(cell, sizeof cell, sums, r, idx[h]);
            if ((int)strlen(cell) > w[r])
                w[r] = (int)strlen(cell);
        }
        printf("  %*s", w[r], runs[r]);
    }
    putchar('\n');
    for (size_t h = 0; h < nh; h++) {
        printf("%-*s", w0, summary_headline_name(idx[h]));
        for (int r = 0; r < n_runs; r++) {
            table_cell(cell, sizeof cell, sums, r, idx[h]);
            printf("  %*s", w[r], cell);
        }
        putchar('\n');
    }
    free(w);
    return 0;
}

int cmd_compare(int argc, char **argv)
{
    if (cli_wants_help(argc, argv)) {
        usage(stdout);
        return CLI_OK;
    }
    int csv = 0, n_runs = 0;
    size_t *idx = NULL;
    const char **runs = calloc((size_t)argc, sizeof *runs);
    cJSON **sums = calloc((size_t)argc, sizeof *sums);
    int status = CLI_BAD_INPUT;
    if (!runs || !sums) {
        cli_error("compare: out of memory");
        status = CLI_FAILED;
        goto done;
    }
    int only_runs = 0;
    for (int i = 1; i < argc; i++) {
        if (!only_runs && strcmp(argv[i], "--csv") == 0)
            csv = 1;
        else if (!only_runs && strcmp(argv[i], "--") == 0)
            only_runs = 1;
        else if (!only_runs && argv[i][0] == '-') {
            cli_error("compare: unknown option '%s' (see 'chainsim compare --help')", argv[i]);
            goto done;
        } else
            runs[n_runs++] = argv[i];
    }
    if (n_runs == 0) {
        cli_error("compare: give at least one RUN_DIR (see 'chainsim compare --help')");
        goto done;
    }
    for (int r = 0; r < n_runs; r++) {
        char err[1024];
        if (summary_load(&sums[r], err, sizeof err, runs[r]) != 0) {
            cli_error("compare: %s", err);
            goto done;
        }
    }
    idx = malloc(summary_n_figures() * sizeof *idx);
    if (idx == NULL) {
        cli_error("compare: out of memory");
        status = CLI_FAILED;
        goto done;
    }
    size_t nh = summary_headlines_of(idx, (const cJSON *const *)sums, (size_t)n_runs);
    if (csv) {
        print_csv(runs, sums, n_runs, idx, nh);
    } else if (print_table(runs, sums, n_runs, idx, nh) != 0) {
        cli_error("compare: out of memory");
        status = CLI_FAILED;
        goto done;
    }
    status = fflush(stdout) == 0 ? CLI_OK : CLI_FAILED;
done:
    if (sums)
        for (int r = 0; r < n_runs; r++)
            cJSON_Delete(sums[r]);
    free(sums);
    free(runs);
    free(idx);
    return status;
}
