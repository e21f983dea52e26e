/* The figures of a run. Each table is read once through csvtab; what gnuplot
 * can plot straight from a CSV file (the CDFs, a line per node) it reads
 * itself, and what needs grouping or joining is computed here and written
 * into the preamble as a datablock. */
#include "plotrun.h"

#include "cli.h"
#include "csvtab.h"
#include "fileout.h"
#include "jsonread.h"
#include "runlabel.h"
#include "summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A run's tables, as the figures need them. */
typedef struct run_tables {
    cJSON *summary;
    csvtab *nodes, *timeline, *partitions, *blocks, *reorgs, *transactions;
    csvtab *finality; /* BFT runs (summary.json has a "bft" section); else NULL */
} run_tables;

static void tables_free(run_tables *t)
{
    cJSON_Delete(t->summary);
    csvtab_free(t->nodes);
    csvtab_free(t->timeline);
    csvtab_free(t->partitions);
    csvtab_free(t->blocks);
    csvtab_free(t->reorgs);
    csvtab_free(t->transactions);
    csvtab_free(t->finality);
    memset(t, 0, sizeof *t);
}

/* Loads dir/name into *out and checks it has the columns cols (NULL-
 * terminated). Returns CLI_OK, or CLI_BAD_INPUT / CLI_FAILED (reported). */
static int load_table(csvtab **out, const char *dir, const char *name, const char *const *cols)
{
    char err[1024];
    char *path = fileout_join(dir, name);
    if (!path) {
        cli_error("plot: out of memory");
        return CLI_FAILED;
    }
    csvtab_status st = csvtab_load(out, err, sizeof err, path, CSVTAB_MAX_BYTES);
    if (st != CSVTAB_OK) {
        if (st == CSVTAB_E_MISSING)
            cli_error("plot: %s (is %s a run folder?)", err, dir);
        else
            cli_error("plot: %s", err);
        free(path);
        return st == CSVTAB_E_NOMEM ? CLI_FAILED : CLI_BAD_INPUT;
    }
    for (; *cols; cols++)
        if (csvtab_col(*out, *cols) == CSVTAB_NO_COL) {
            cli_error("plot: %s: no column %s (expected the format of data_blockchain/README.md)",
                      path, *cols);
            free(path);
            csvtab_free(*out);
            *out = NULL;
            return CLI_BAD_INPUT;
        }
    free(path);
    return CLI_OK;
}

static int load_run(run_tables *t, const char *dir)
{
    static const char *const c_nodes[] = {"node", NULL};
    static const char *const c_timeline[] = {"time", "node", "height", NULL};
    static const char *const c_partitions[] = {"start", "end", NULL};
    static const char *const c_blocks[] = {
        "id",         "height",      "parent",      "time_produced",
        "main_chain", "delay_50pct", "delay_90pct", NULL};
    static const char *const c_reorgs[] = {"depth", NULL};
    static const char *const c_transactions[] = {"latency", NULL};
    static const char *const c_finality[] = {"height", "rounds", "latency_first", "latency_median",
                                             NULL};
    char err[1024];
    memset(t, 0, sizeof *t);
    if (summary_load(&t->summary, err, sizeof err, dir) != 0) {
        cli_error("plot: %s", err);
        return CLI_BAD_INPUT;
    }
    int rc = load_table(&t->nodes, dir, "nodes.csv", c_nodes);
    if (rc == CLI_OK)
        rc = load_table(&t->timeline, dir, "timeline.csv", c_timeline);
    if (rc == CLI_OK)
        rc = load_table(&t->partitions, dir, "partitions.csv", c_partitions);
    if (rc == CLI_OK)
        rc = load_table(&t->blocks, dir, "blocks.csv", c_blocks);
    if (rc == CLI_OK)
        rc = load_table(&t->reorgs, dir, "reorgs.csv", c_reorgs);
    if (rc == CLI_OK)
        rc = load_table(&t->transactions, dir, "transactions.csv", c_transactions);
    if (rc == CLI_OK && jsonread_member(t->summary, "bft") != NULL)
        rc = load_table(&t->finality, dir, "finality.csv", c_finality);
    if (rc != CLI_OK)
        tables_free(t);
    return rc;
}

/* Whether any row of column name is not empty. */
static int has_values(const csvtab *t, const char *name)
{
    size_t c = csvtab_col(t, name);
    for (size_t r = 0; r < csvtab_rows(t); r++)
        if (*csvtab_cell(t, r, c))
            return 1;
    return 0;
}

/* Reads the number at (row, col) into *out; CLI_OK, or CLI_BAD_INPUT
 * (reported) when the field is empty or not a number. */
static int number(double *out, const csvtab *t, size_t row, const char *col)
{
    char err[1024];
    size_t c = csvtab_col(t, col);
    int rc = csvtab_number(out, err, sizeof err, t, row, c);
    if (rc == 1)
        snprintf(err, sizeof err, "%s: line %zu, column %s: empty, expected a number",
                 csvtab_name(t), csvtab_line(t, row), col);
    if (rc != 0) {
        cli_error("plot: %s", err);
        return CLI_BAD_INPUT;
    }
    return CLI_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The datablock $name: one row per sample time of timeline.csv (its rows
 * come by time): time, lowest, median (nearest rank, the lower middle) and
 * highest height over the nodes. */
static int write_heights(FILE *f, const csvtab *tl, const char *name)
{
    size_t n = csvtab_rows(tl), c_time = csvtab_col(tl, "time");
    double *h = malloc((n ? n : 1) * sizeof *h);
    if (!h) {
        cli_error("plot: out of memory");
        return CLI_FAILED;
    }
    fprintf(f, "$%s << EOD\n# time,lowest,median,highest\n", name);
    for (size_t r = 0; r < n;) {
        size_t end = r, k = 0;
        while (end < n && strcmp(csvtab_cell(tl, end, c_time), csvtab_cell(tl, r, c_time)) == 0) {
            if (number(&h[k++], tl, end, "height") != CLI_OK) {
                free(h);
                return CLI_BAD_INPUT;
            }
            end++;
        }
        qsort(h, k, sizeof *h, cmp_double);
        fprintf(f, "%s,%.0f,%.0f,%.0f\n", csvtab_cell(tl, r, c_time), h[0], h[(k + 1) / 2 - 1],
                h[k - 1]);
        r = end;
    }
    fputs("EOD\n", f);
    free(h);
    return CLI_OK;
}

/* A block's id and its row in blocks.csv, to find parents by binary search. */
typedef struct id_row {
    const char *id;
    size_t row;
} id_row;

static int cmp_id_row(const void *a, const void *b)
{
    return strcmp(((const id_row *)a)->id, ((const id_row *)b)->id);
}

/* $tree: one row per block: its parent's time and height (genesis: 0, 0),
 * its own, main_chain. Also sets max_height. */
static int write_tree(FILE *f, const csvtab *bl)
{
    size_t n = csvtab_rows(bl), c_id = csvtab_col(bl, "id"), c_parent = csvtab_col(bl, "parent");
    size_t c_main = csvtab_col(bl, "main_chain");
    id_row *by_id = malloc((n ? n : 1) * sizeof *by_id);
    if (!by_id) {
        cli_error("plot: out of memory");
        return CLI_FAILED;
    }
    for (size_t r = 0; r < n; r++)
        by_id[r] = (id_row){csvtab_cell(bl, r, c_id), r};
    qsort(by_id, n, sizeof *by_id, cmp_id_row);
    double max_height = 0;
    fputs("$tree << EOD\n# parent_time,parent_height,time,height,main_chain\n", f);
    int rc = CLI_OK;
    for (size_t r = 0; r < n && rc == CLI_OK; r++) {
        double t, h, pt = 0, ph = 0;
        rc = number(&t, bl, r, "time_produced");
        if (rc == CLI_OK)
            rc = number(&h, bl, r, "height");
        /* The parent, by binary search over the rows sorted by id. */
        const char *parent = csvtab_cell(bl, r, c_parent);
        size_t lo = 0, hi = n;
        while (rc == CLI_OK && lo < hi) {
            size_t mid = (lo + hi) / 2;
            int c = strcmp(by_id[mid].id, parent);
            if (c == 0) {
                rc = number(&pt, bl, by_id[mid].row, "time_produced");
                if (rc == CLI_OK)
                    rc = number(&ph, bl, by_id[mid].row, "height");
                break;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (rc == CLI_OK) {
            fprintf(f, "%.9f,%.0f,%.9f,%.0f,%s\n", pt, ph, t, h,
                    strcmp(csvtab_cell(bl, r, c_main), "1") == 0 ? "1" : "0");
            if (h > max_height)
                max_height = h;
        }
    }
    fprintf(f, "EOD\nmax_height = %.0f\n", max_height);
    free(by_id);
    return rc;
}

/* $depths: reorganisations per depth, 1 to the deepest; max_depth, max_count. */
static int write_depths(FILE *f, const csvtab *rg)
{
    size_t n = csvtab_rows(rg), max_depth = 0, max_count = 0;
    size_t *depth = malloc((n ? n : 1) * sizeof *depth), *count = NULL;
    if (!depth) {
        cli_error("plot: out of memory");
        return CLI_FAILED;
    }
    for (size_t r = 0; r < n; r++) {
        double d;
        if (number(&d, rg, r, "depth") != CLI_OK) {
            free(depth);
            return CLI_BAD_INPUT;
        }
        if (d < 1 || d > 1e6 || d != floor(d)) {
            cli_error("plot: %s: line %zu, column depth: expected a whole number of blocks from "
                      "1 to 1000000, got %g",
                      csvtab_name(rg), csvtab_line(rg, r), d);
            free(depth);
            return CLI_BAD_INPUT;
        }
        depth[r] = (size_t)d;
        if (depth[r] > max_depth)
            max_depth = depth[r];
    }
    count = calloc(max_depth + 1, sizeof *count);
    if (!count) {
        free(depth);
        cli_error("plot: out of memory");
        return CLI_FAILED;
    }
    for (size_t r = 0; r < n; r++)
        count[depth[r]]++;
    fputs("$depths << EOD\n# depth,reorganisations\n", f);
    for (size_t d = 1; d <= max_depth; d++) {
        fprintf(f, "%zu,%zu\n", d, count[d]);
        if (count[d] > max_count)
            max_count = count[d];
    }
    fprintf(f, "EOD\nmax_depth = %zu\nmax_count = %zu\n", max_depth, max_count);
    free(count);
    free(depth);
    return CLI_OK;
}

/* Starts a figure of the run: out, dir and run_title set. */
static int begin(plot_figure *fig, const char *dir, const char *name, const char *title)
{
    if (plot_figure_begin(fig, dir, name) != 0)
        return CLI_FAILED;
    plot_var_string(fig->vars, "dir", dir);
    plot_var_string(fig->vars, "run_title", title);
    return CLI_OK;
}

static int draw(plot_figure *fig, const char *script, const plot_opts *opts)
{
    return plot_figure_draw(fig, script, opts) == 0 ? CLI_OK : CLI_FAILED;
}

static int figures(const char *dir, const run_tables *t, const char *title, const plot_opts *o)
{
    plot_figure fig;
    size_t n_nodes = csvtab_rows(t->nodes);
    int has_partitions = csvtab_rows(t->partitions) > 0;
    int has_timeline = n_nodes > 0 && csvtab_rows(t->timeline) > 0;
    int by_node = n_nodes <= PLOTRUN_MAX_NODE_LINES;

    int rc = begin(&fig, dir, "height", title);
    if (rc != CLI_OK)
        return rc;
    fprintf(fig.vars, "n_nodes = %zu\nhas_data = %d\nhas_partitions = %d\nby_node = %d\n", n_nodes,
            has_timeline, has_partitions, by_node);
    if (has_timeline && !by_node &&
        (rc = write_heights(fig.vars, t->timeline, "heights")) != CLI_OK) {
        plot_figure_drop(&fig);
        return rc;
    }
    if ((rc = draw(&fig, "height", o)) != CLI_OK)
        return rc;

    if ((rc = begin(&fig, dir, "block_tree", title)) != CLI_OK)
        return rc;
    int has_blocks = csvtab_rows(t->blocks) > 0;
    fprintf(fig.vars, "has_data = %d\nhas_partitions = %d\n", has_blocks, has_partitions);
    if (has_blocks && (rc = write_tree(fig.vars, t->blocks)) != CLI_OK) {
        plot_figure_drop(&fig);
        return rc;
    }
    if ((rc = draw(&fig, "block_tree", o)) != CLI_OK)
        return rc;

    if ((rc = begin(&fig, dir, "propagation", title)) != CLI_OK)
        return rc;
    fprintf(fig.vars, "has_data = %d\n", has_values(t->blocks, "delay_50pct"));
    if ((rc = draw(&fig, "propagation", o)) != CLI_OK)
        return rc;

    if ((rc = begin(&fig, dir, "reorgs", title)) != CLI_OK)
        return rc;
    int has_reorgs = csvtab_rows(t->reorgs) > 0;
    fprintf(fig.vars, "has_data = %d\n", has_reorgs);
    if (has_reorgs && (rc = write_depths(fig.vars, t->reorgs)) != CLI_OK) {
        plot_figure_drop(&fig);
        return rc;
    }
    if ((rc = draw(&fig, "reorgs", o)) != CLI_OK)
        return rc;

    if ((rc = begin(&fig, dir, "confirmation", title)) != CLI_OK)
        return rc;
    fprintf(fig.vars, "has_data = %d\n", has_values(t->transactions, "latency"));
    if ((rc = draw(&fig, "confirmation", o)) != CLI_OK || t->finality == NULL)
        return rc;

    if ((rc = begin(&fig, dir, "finality", title)) != CLI_OK)
        return rc;
    fprintf(fig.vars, "has_data = %d\n", has_values(t->finality, "latency_median"));
    return draw(&fig, "finality", o);
}

int plotrun_figures(const char *dir, const plot_opts *opts)
{
    run_tables t;
    int rc = load_run(&t, dir);
    if (rc != CLI_OK)
        return rc;
    const cJSON *s = t.summary;
    char *title = runlabel_title(&s, 1);
    if (!title) {
        cli_error("plot: out of memory");
        rc = CLI_FAILED;
    } else {
        rc = figures(dir, &t, title, opts);
    }
    free(title);
    tables_free(&t);
    return rc;
}

/* One overlay: every run whose file has a value in column col (only the
 * runs whose summary.json has section only, when only is not NULL). */
static int overlay(const char *out_dir, char *const *runs, int n, char **labels, const char *title,
                   const char *script, const char *file, const char *col, cJSON **sums,
                   const char *only, const plot_opts *opts)
{
    plot_figure fig;
    if (plot_figure_begin(&fig, out_dir, script) != 0)
        return CLI_FAILED;
    int used = 0, rc = CLI_OK;
    for (int r = 0; r < n && rc == CLI_OK; r++) {
        if (only != NULL && jsonread_member(sums[r], only) == NULL)
            continue;
        csvtab *t = NULL;
        static const char *const none[] = {NULL};
        const char *const cols[] = {col, NULL};
        rc = load_table(&t, runs[r], file, col ? cols : none);
        if (rc == CLI_OK && has_values(t, col)) {
            char var[32];
            used++;
            snprintf(var, sizeof var, "dir_%d", used);
            plot_var_string(fig.vars, var, runs[r]);
            snprintf(var, sizeof var, "label_%d", used);
            plot_var_string(fig.vars, var, labels[r]);
        }
        csvtab_free(t);
    }
    if (rc != CLI_OK) {
        plot_figure_drop(&fig);
        return rc;
    }
    plot_var_string(fig.vars, "compare_title", title);
    fprintf(fig.vars, "n = %d\n", used);
    if (used == 0) {
        fprintf(stderr, "chainsim: plot: no run has data for %s.png; not drawn\n", script);
        plot_figure_drop(&fig);
        return CLI_OK;
    }
    return draw(&fig, script, opts);
}

/* The headline figures of a run's summary.json as one line for a panel's
 * title: stale rate, reorganisations, confirmation latency, pending; for a
 * BFT run also the time halted and the median finality latency. */
static void summary_line(char *out, size_t len, const cJSON *s)
{
    double stale = 0, reorgs = 0, deepest = 0, conf = -1, pending = 0, reverted = 0;
    const cJSON *v;
    if ((v = summary_lookup(s, "blocks.stale_rate")) && cJSON_IsNumber(v))
        stale = v->valuedouble;
    if ((v = summary_lookup(s, "reorgs.count")) && cJSON_IsNumber(v))
        reorgs = v->valuedouble;
    if ((v = summary_lookup(s, "reorgs.deepest")) && cJSON_IsNumber(v))
        deepest = v->valuedouble;
    if ((v = summary_lookup(s, "transactions.confirmation_latency_s.median")) && cJSON_IsNumber(v))
        conf = v->valuedouble;
    if ((v = summary_lookup(s, "transactions.pending")) && cJSON_IsNumber(v))
        pending = v->valuedouble;
    if ((v = summary_lookup(s, "transactions.reverted")) && cJSON_IsNumber(v))
        reverted = v->valuedouble;
    int k = snprintf(out, len, "stale blocks %.0f%%, %.0f reorganisations (deepest %.0f)",
                     stale * 100, reorgs, deepest);
    if (k > 0 && (size_t)k < len) {
        if (conf >= 0)
            snprintf(out + k, len - (size_t)k,
                     ", median confirmation %.0f s, %.0f pending, %.0f reverted", conf, pending,
                     reverted);
        else
            snprintf(out + k, len - (size_t)k, ", no transaction confirmed");
    }
    /* a BFT run: how long it halted, its median finality latency */
    if ((v = summary_lookup(s, "bft.time_halted_s")) && cJSON_IsNumber(v)) {
        size_t used = strlen(out);
        const cJSON *f = summary_lookup(s, "bft.finality_latency_s.median");
        if (cJSON_IsNumber(f))
            snprintf(out + used, len - used, ", halted %.0f s, median finality %.2f s",
                     v->valuedouble, f->valuedouble);
        else
            snprintf(out + used, len - used, ", halted %.0f s", v->valuedouble);
    }
}

/* compare_heights.png: one panel per run, its nodes' heights over virtual
 * time with its partitions shaded and its reorganisations as impulses of
 * their depth, so forks, stalls and reorganisations of several protocols
 * under the same partitions stand side by side. */
static int heights_panels(const char *out_dir, char *const *runs, int n, char **labels,
                          cJSON **sums, const char *title, const plot_opts *opts)
{
    plot_figure fig;
    if (plot_figure_begin(&fig, out_dir, "compare_heights") != 0)
        return CLI_FAILED;
    int rc = CLI_OK;
    for (int r = 0; r < n && rc == CLI_OK; r++) {
        run_tables t;
        if ((rc = load_run(&t, runs[r])) != CLI_OK)
            break;
        size_t n_nodes = csvtab_rows(t.nodes);
        int by_node = n_nodes <= PLOTRUN_COMPARE_NODE_LINES;
        char var[48], line[512];
        snprintf(var, sizeof var, "dir_%d", r + 1);
        plot_var_string(fig.vars, var, runs[r]);
        snprintf(var, sizeof var, "label_%d", r + 1);
        plot_var_string(fig.vars, var, labels[r]);
        summary_line(line, sizeof line, sums[r]);
        snprintf(var, sizeof var, "stats_%d", r + 1);
        plot_var_string(fig.vars, var, line);
        fprintf(fig.vars, "nodes_%d = %zu\nby_node_%d = %d\nhas_data_%d = %d\n", r + 1, n_nodes,
                r + 1, by_node, r + 1, n_nodes > 0 && csvtab_rows(t.timeline) > 0);
        fprintf(fig.vars, "parts_%d = %d\nreorgs_%d = %d\n", r + 1, csvtab_rows(t.partitions) > 0,
                r + 1, csvtab_rows(t.reorgs) > 0);
        if (!by_node && csvtab_rows(t.timeline) > 0) {
            snprintf(var, sizeof var, "heights_%d", r + 1);
            rc = write_heights(fig.vars, t.timeline, var);
        }
        tables_free(&t);
    }
    if (rc != CLI_OK) {
        plot_figure_drop(&fig);
        return rc;
    }
    double xmax = 1;
    for (int r = 0; r < n; r++) {
        const cJSON *d = summary_lookup(sums[r], "duration_s");
        if (cJSON_IsNumber(d) && d->valuedouble > xmax)
            xmax = d->valuedouble;
    }
    plot_var_string(fig.vars, "compare_title", title);
    fprintf(fig.vars, "n = %d\nxmax = %.17g\n", n, xmax);
    return draw(&fig, "compare_heights", opts);
}

int plotrun_compare(const char *out_dir, char *const *runs, int n, const plot_opts *opts)
{
    char err[1024];
    cJSON **sums = calloc((size_t)n, sizeof *sums);
    char **labels = calloc((size_t)n, sizeof *labels);
    char *title = NULL;
    int rc = sums && labels ? CLI_OK : CLI_FAILED;
    for (int r = 0; r < n && rc == CLI_OK; r++)
        if (summary_load(&sums[r], err, sizeof err, runs[r]) != 0) {
            cli_error("plot: %s", err);
            rc = CLI_BAD_INPUT;
        }
    if (rc == CLI_OK) {
        if (runlabel_make(labels, (const cJSON *const *)sums, (const char *const *)runs,
                          (size_t)n) != 0 ||
            (title = runlabel_title((const cJSON *const *)sums, (size_t)n)) == NULL)
            rc = CLI_FAILED;
        if (rc == CLI_FAILED)
            cli_error("plot: out of memory");
    } else if (!sums || !labels) {
        cli_error("plot: out of memory");
    }
    if (rc == CLI_OK)
        rc = overlay(out_dir, runs, n, labels, title, "compare_propagation", "blocks.csv",
                     "delay_90pct", sums, NULL, opts);
    if (rc == CLI_OK)
        rc = overlay(out_dir, runs, n, labels, title, "compare_confirmation", "transactions.csv",
                     "latency", sums, NULL, opts);
    int any_bft = 0;
    for (int r = 0; r < n && rc == CLI_OK; r++)
        any_bft |= jsonread_member(sums[r], "bft") != NULL;
    if (rc == CLI_OK && any_bft) /* BFT runs: their finality latency per height */
        rc = overlay(out_dir, runs, n, labels, title, "compare_finality", "finality.csv",
                     "latency_median", sums, "bft", opts);
    if (rc == CLI_OK)
        rc = heights_panels(out_dir, runs, n, labels, sums, title, opts);
    for (int r = 0; r < n && sums; r++)
        cJSON_Delete(sums[r]);
    for (int r = 0; r < n && labels; r++)
        free(labels[r]);
    free(sums);
    free(labels);
    free(title);
    return rc;
}
