/* Sweep figures. sweep.csv is the source: its columns between `run` and
 * `rep` are the --vary paths, those after `seed` the headline figures. Rows
 * with the same --vary values are one grid point (its repetitions); the
 * first path's values are the x axis, the other paths' combinations the
 * lines. Everything gnuplot draws is computed here and handed over as
 * datablocks, so the figure and sweep_stats.csv show the same numbers. */
#include "plotsweep.h"

#include "cli.h"
#include "csvtab.h"
#include "fileout.h"
#include "jsonread.h"
#include "summary.h"
#include "sweep.h"
#include "units.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- statistics ---------------------------------------------------------- */

double plotsweep_t975(size_t df)
{
    static const double table[31] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365,
                                     2.306, 2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                                     2.120, 2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069,
                                     2.064, 2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
    if (df <= 30)
        return table[df ? df : 1];
    /* Cornish-Fisher expansion of Student's t around the normal quantile
     * (Abramowitz and Stegun 26.7.5). */
    double z = 1.959963984540054, n = (double)df;
    double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z;
    return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n) +
           (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * n * n * n);
}

void plotsweep_stat_of(plotsweep_stat *out, const double *v, size_t n)
{
    double sum = 0, ss = 0;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i])) {
            sum += v[i];
            k++;
        }
    out->n = k;
    out->mean = out->low = out->high = k ? sum / (double)k : NAN;
    if (k < 2)
        return;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]))
            ss += (v[i] - out->mean) * (v[i] - out->mean);
    double half = plotsweep_t975(k - 1) * sqrt(ss / (double)(k - 1)) / sqrt((double)k);
    out->low = out->mean - half;
    out->high = out->mean + half;
}

double plotsweep_stale_theory(double rate_per_s, double delay_s)
{
    if (isnan(rate_per_s) || isnan(delay_s))
        return NAN;
    return 1 - exp(-rate_per_s * delay_s);
}

/* A plain decimal number (digits, one point, an optional sign and
 * exponent), as a --vary value may be. */
static int plain_number(double *out, const char *s)
{
    if (*s == '\0' || strspn(s, "+-0123456789.eE") != strlen(s))
        return 0;
    char *end;
    double v = strtod(s, &end);
    if (*end != '\0' || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

/* A duration, bare or as a JSON string ("\"250ms\""), in seconds. */
static int duration_s(double *out, const char *s)
{
    char buf[64];
    size_t len = strlen(s);
    if (len >= 2 && s[0] == '"' && s[len - 1] == '"' && len - 2 < sizeof buf) {
        memcpy(buf, s + 1, len - 2);
        buf[len - 2] = '\0';
        s = buf;
    }
    int64_t ns;
    if (units_parse_duration_ns(&ns, s) != UNITS_OK)
        return 0;
    *out = (double)ns / 1e9;
    return 1;
}

plotsweep_axis_kind plotsweep_axis_of(double *x, const char *const *values, size_t n)
{
    int numbers = n > 0, durations = n > 0;
    for (size_t i = 0; i < n; i++) {
        double v;
        numbers &= plain_number(&v, values[i]);
        durations &= duration_s(&v, values[i]);
    }
    for (size_t i = 0; i < n; i++)
        if (numbers)
            (void)plain_number(&x[i], values[i]);
        else if (durations)
            (void)duration_s(&x[i], values[i]);
        else
            x[i] = (double)(i + 1);
    return numbers ? PLOTSWEEP_X_NUMBER : durations ? PLOTSWEEP_X_SECONDS : PLOTSWEEP_X_CATEGORY;
}

/* ---- the sweep's table --------------------------------------------------- */

/* What the y axis of each headline figure says. */
static const struct {
    const char *name, *label;
} y_labels[] = {
    {"blocks", "blocks produced"},
    {"stale_rate", "stale rate (stale / produced)"},
    {"prop50_median_s", "median delay to reach 50% of nodes (s)"},
    {"prop50_p90_s", "90th percentile delay to reach 50% of nodes (s)"},
    {"prop90_median_s", "median delay to reach 90% of nodes (s)"},
    {"prop90_p90_s", "90th percentile delay to reach 90% of nodes (s)"},
    {"reorgs", "reorganisations (all nodes)"},
    {"deepest_reorg", "deepest reorganisation (blocks)"},
    {"reconverge_max_s", "longest reconvergence after a heal (s)"},
    {"tx_per_s", "confirmed transactions per second"},
    {"confirm_median_s", "median confirmation latency (s)"},
    {"confirm_p90_s", "90th percentile confirmation latency (s)"},
    {"hashes", "hashes computed"},
    {"messages_sent", "messages sent"},
    {"bytes_sent", "bytes sent"},
    {"events", "events processed"},
    {"attacker_revenue", "attacker's share of the main chain (relative revenue)"},
    {"attacker_revenue_theory", "relative revenue, Eyal and Sirer's closed form"},
    {"attacker_hash_share", "attacker's share of the hash power"},
    {"gamma_measured", "gamma: honest share on the attacker's block in races"},
    {"honest_stale_rate", "honest nodes' stale rate"},
    {"finality_median_s", "median finality latency, proposal to commit (s)"},
    {"finality_p90_s", "90th percentile finality latency, proposal to commit (s)"},
    {"rounds_per_height", "rounds per committed height (mean)"},
    {"time_halted_s", "time halted: no height committed after a failed round (s)"},
    {"votes_sent", "votes sent (prevotes and precommits)"},
};

static const char *y_label(const char *name)
{
    for (size_t i = 0; i < sizeof y_labels / sizeof y_labels[0]; i++)
        if (strcmp(y_labels[i].name, name) == 0)
            return y_labels[i].label;
    return name;
}

/* The theory's figures, after the headlines in sweep_stats.csv. */
enum { TH_RATE, TH_DELAY, TH_STALE, N_THEORY };
static const char *const theory_names[N_THEORY] = {"block_rate_per_s", "mean_delay_s",
                                                   "stale_rate_theory"};

/* A sweep, read back. */
typedef struct sweep_table {
    const char *dir;
    csvtab *csv;
    size_t c_run, c_rep, first_axis, n_axes, first_fig, n_figs;
    size_t n_runs;
    size_t *point_of; /* n_runs: the grid point of each run */
    size_t n_points;
    size_t *point_row; /* n_points: a run of each point (its first) */
    size_t n_x;        /* distinct values of the first axis */
    size_t *x_of;      /* n_points: index of the point's first-axis value */
    const char **x_values;
    double *x; /* n_x */
    plotsweep_axis_kind kind;
    size_t n_series;
    size_t *series_of; /* n_points */
    size_t *series_row;
    double *values;        /* n_runs * (n_figs + N_THEORY), NaN when absent */
    plotsweep_stat *stats; /* n_points * (n_figs + N_THEORY) */
    char id[32];
    char scenario[128];
    char seeds[160];
    size_t max_reps;
} sweep_table;

static void table_free(sweep_table *t)
{
    csvtab_free(t->csv);
    free(t->point_of);
    free(t->point_row);
    free(t->x_of);
    free(t->x_values);
    free(t->x);
    free(t->series_of);
    free(t->series_row);
    free(t->values);
    free(t->stats);
    memset(t, 0, sizeof *t);
}

/* Whether rows a and b have the same values in columns [from, from + n). */
static int same_cols(const csvtab *c, size_t a, size_t b, size_t from, size_t n)
{
    for (size_t k = from; k < from + n; k++)
        if (strcmp(csvtab_cell(c, a, k), csvtab_cell(c, b, k)) != 0)
            return 0;
    return 1;
}

static size_t n_cols_all(const sweep_table *t)
{
    return t->n_figs + N_THEORY;
}

/* Groups the runs into grid points, x values and series. */
static int group(sweep_table *t)
{
    const csvtab *c = t->csv;
    size_t n = t->n_runs ? t->n_runs : 1;
    t->point_of = calloc(n, sizeof *t->point_of);
    t->point_row = calloc(n, sizeof *t->point_row);
    t->x_of = calloc(n, sizeof *t->x_of);
    t->x_values = calloc(n, sizeof *t->x_values);
    t->x = calloc(n, sizeof *t->x);
    t->series_of = calloc(n, sizeof *t->series_of);
    t->series_row = calloc(n, sizeof *t->series_row);
    if (!t->point_of || !t->point_row || !t->x_of || !t->x_values || !t->x || !t->series_of ||
        !t->series_row)
        return -1;
    for (size_t r = 0; r < t->n_runs; r++) {
        size_t p = 0;
        while (p < t->n_points && !same_cols(c, t->point_row[p], r, t->first_axis, t->n_axes))
            p++;
        t->point_of[r] = p;
        if (p < t->n_points)
            continue;
        t->point_row[t->n_points++] = r;
        /* The point's first-axis value and the combination of the others. */
        size_t xi = 0;
        while (t->n_axes > 0 && xi < t->n_x &&
               strcmp(t->x_values[xi], csvtab_cell(c, r, t->first_axis)) != 0)
            xi++;
        if (xi == t->n_x)
            t->x_values[t->n_x++] = t->n_axes > 0 ? csvtab_cell(c, r, t->first_axis) : "as given";
        t->x_of[p] = xi;
        size_t s = 0;
        while (s < t->n_series &&
               !same_cols(c, t->series_row[s], r, t->first_axis + 1, t->n_axes ? t->n_axes - 1 : 0))
            s++;
        if (s == t->n_series)
            t->series_row[t->n_series++] = r;
        t->series_of[p] = s;
    }
    t->kind = plotsweep_axis_of(t->x, t->x_values, t->n_x);
    return 0;
}

/* The mean delay over dir/run/block_arrivals.csv (every node that had a
 * block, its producer at 0). CLI_OK, or CLI_BAD_INPUT / CLI_FAILED. */
static int mean_delay(double *out, const char *run_dir)
{
    char err[1024];
    char *path = fileout_join(run_dir, "block_arrivals.csv");
    csvtab *a = NULL;
    if (!path) {
        cli_error("plot: out of memory");
        return CLI_FAILED;
    }
    csvtab_status st = csvtab_load(&a, err, sizeof err, path, CSVTAB_MAX_BYTES);
    size_t col = st == CSVTAB_OK ? csvtab_col(a, "delay") : CSVTAB_NO_COL;
    int rc = CLI_OK;
    if (st != CSVTAB_OK) {
        cli_error("plot: %s", err);
        rc = st == CSVTAB_E_NOMEM ? CLI_FAILED : CLI_BAD_INPUT;
    } else if (col == CSVTAB_NO_COL) {
        cli_error("plot: %s: no column delay", path);
        rc = CLI_BAD_INPUT;
    }
    double sum = 0;
    size_t k = 0;
    for (size_t r = 0; rc == CLI_OK && r < csvtab_rows(a); r++) {
        double d;
        int got = csvtab_number(&d, err, sizeof err, a, r, col);
        if (got < 0) {
            cli_error("plot: %s", err);
            rc = CLI_BAD_INPUT;
        } else if (got == 0) {
            sum += d;
            k++;
        }
    }
    *out = k ? sum / (double)k : NAN;
    csvtab_free(a);
    free(path);
    return rc;
}

/* The block rate of a run (blocks produced / duration) from its summary. */
static int block_rate(double *out, const cJSON *summary, const char *run_dir)
{
    const cJSON *blocks = summary_lookup(summary, "blocks.produced");
    const cJSON *dur = summary_lookup(summary, "duration_s");
    if (!cJSON_IsNumber(blocks) || !cJSON_IsNumber(dur) || dur->valuedouble <= 0) {
        cli_error("plot: %s/summary.json: blocks.produced and duration_s: expected numbers, the "
                  "duration above 0",
                  run_dir);
        return CLI_BAD_INPUT;
    }
    *out = blocks->valuedouble / dur->valuedouble;
    return CLI_OK;
}

/* Reads each run's figures (and with theory its rate and delay). */
static int read_values(sweep_table *t, const plot_opts *opts)
{
    size_t w = n_cols_all(t);
    t->values = malloc((t->n_runs ? t->n_runs : 1) * w * sizeof *t->values);
    if (!t->values) {
        cli_error("plot: out of memory");
        return CLI_FAILED;
    }
    char err[1024];
    for (size_t r = 0; r < t->n_runs; r++) {
        double *v = &t->values[r * w];
        for (size_t f = 0; f < w; f++)
            v[f] = NAN;
        for (size_t f = 0; f < t->n_figs; f++) {
            int got = csvtab_number(&v[f], err, sizeof err, t->csv, r, t->first_fig + f);
            if (got < 0) {
                cli_error("plot: %s", err);
                return CLI_BAD_INPUT;
            }
        }
        if (!opts->theory)
            continue;
        char *run_dir = fileout_join(t->dir, csvtab_cell(t->csv, r, t->c_run));
        cJSON *summary = NULL;
        int rc = run_dir ? CLI_OK : CLI_FAILED;
        if (rc == CLI_OK && summary_load(&summary, err, sizeof err, run_dir) != 0) {
            cli_error("plot: %s", err);
            rc = CLI_BAD_INPUT;
        }
        if (rc == CLI_OK)
            rc = block_rate(&v[t->n_figs + TH_RATE], summary, run_dir);
        if (rc == CLI_OK)
            rc = mean_delay(&v[t->n_figs + TH_DELAY], run_dir);
        cJSON_Delete(summary);
        free(run_dir);
        if (rc != CLI_OK)
            return rc;
    }
    return CLI_OK;
}

/* The statistics of every point and figure; the theory from the means. */
static int compute_stats(sweep_table *t)
{
    size_t w = n_cols_all(t);
    t->stats = calloc((t->n_points ? t->n_points : 1) * w, sizeof *t->stats);
    double *v = malloc((t->n_runs ? t->n_runs : 1) * sizeof *v);
    if (!t->stats || !v) {
        free(v);
        cli_error("plot: out of memory");
        return CLI_FAILED;
    }
    for (size_t p = 0; p < t->n_points; p++) {
        size_t runs = 0;
        for (size_t r = 0; r < t->n_runs; r++)
            runs += t->point_of[r] == p;
        if (runs > t->max_reps)
            t->max_reps = runs;
        for (size_t f = 0; f < w; f++) {
            size_t k = 0;
            for (size_t r = 0; r < t->n_runs; r++)
                if (t->point_of[r] == p)
                    v[k++] = t->values[r * w + f];
            plotsweep_stat_of(&t->stats[p * w + f], v, k);
        }
        plotsweep_stat *th = &t->stats[p * w + t->n_figs];
        double pred = plotsweep_stale_theory(th[TH_RATE].mean, th[TH_DELAY].mean);
        th[TH_STALE] = (plotsweep_stat){isnan(pred) ? 0 : th[TH_RATE].n, pred, pred, pred};
    }
    free(v);
    return CLI_OK;
}

/* Title parts: the scenario (from the first run's summary.json), the seeds
 * and the sweep id (from sweep.json, else from the table). */
static int read_context(sweep_table *t)
{
    char err[1024];
    cJSON *summary = NULL;
    char *run_dir = t->n_runs ? fileout_join(t->dir, csvtab_cell(t->csv, 0, t->c_run)) : NULL;
    if (t->n_runs && !run_dir) {
        cli_error("plot: out of memory");
        return CLI_FAILED;
    }
    if (run_dir && summary_load(&summary, err, sizeof err, run_dir) != 0) {
        cli_error("plot: %s", err);
        free(run_dir);
        return CLI_BAD_INPUT;
    }
    free(run_dir);
    const cJSON *name = summary_lookup(summary, "scenario.name");
    snprintf(t->scenario, sizeof t->scenario, "%s", cJSON_IsString(name) ? name->valuestring : "?");
    cJSON_Delete(summary);

    size_t c_id = csvtab_col(t->csv, "run_id");
    snprintf(t->id, sizeof t->id, "%.*s", SWEEP_ID_HEX,
             c_id != CSVTAB_NO_COL && t->n_runs ? csvtab_cell(t->csv, 0, c_id) : "?");
    size_t c_seed = csvtab_col(t->csv, "seed");
    snprintf(t->seeds, sizeof t->seeds, "seeds per repetition unknown");
    char *path = fileout_join(t->dir, "sweep.json"), *text = NULL;
    size_t len = 0;
    cJSON *def = NULL;
    if (path && fileout_read(&text, &len, err, sizeof err, path, SUMMARY_MAX_BYTES) == FILEOUT_OK &&
        jsonread_parse(&def, err, sizeof err, text, len, path) == JSONREAD_OK) {
        jsonread jr;
        uint64_t base = 0;
        jsonread_init(&jr, err, sizeof err, def, path);
        if (jsonread_u64(&jr, &base, def, "base_seed", 0, UINT64_MAX, JSONREAD_REQUIRED) ==
            JSONREAD_OK)
            snprintf(t->seeds, sizeof t->seeds, "seeds from base seed %llu",
                     (unsigned long long)base);
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(def, "sweep_id");
        if (cJSON_IsString(id))
            snprintf(t->id, sizeof t->id, "%.24s", id->valuestring);
    } else if (c_seed != CSVTAB_NO_COL && t->n_runs) {
        snprintf(t->seeds, sizeof t->seeds, "seed of rep 0: %s", csvtab_cell(t->csv, 0, c_seed));
    }
    cJSON_Delete(def);
    free(text);
    free(path);
    return CLI_OK;
}

static int load_sweep(sweep_table *t, const char *dir, const plot_opts *opts)
{
    char err[1024];
    memset(t, 0, sizeof *t);
    t->dir = dir;
    char *path = fileout_join(dir, "sweep.csv");
    if (!path) {
        cli_error("plot: out of memory");
        return CLI_FAILED;
    }
    csvtab_status st = csvtab_load(&t->csv, err, sizeof err, path, CSVTAB_MAX_BYTES);
    if (st != CSVTAB_OK) {
        cli_error("plot: %s", err);
        free(path);
        return st == CSVTAB_E_NOMEM ? CLI_FAILED : CLI_BAD_INPUT;
    }
    t->c_run = csvtab_col(t->csv, "run");
    t->c_rep = csvtab_col(t->csv, "rep");
    size_t c_seed = csvtab_col(t->csv, "seed");
    if (t->c_run == CSVTAB_NO_COL || t->c_rep == CSVTAB_NO_COL || t->c_rep < t->c_run ||
        c_seed != t->c_rep + 1 || c_seed + 1 >= csvtab_cols(t->csv)) {
        cli_error("plot: %s: expected the columns run, the --vary paths, rep, seed and the "
                  "headline figures (see data_blockchain/README.md)",
                  path);
        free(path);
        return CLI_BAD_INPUT;
    }
    free(path);
    t->first_axis = t->c_run + 1;
    t->n_axes = t->c_rep - t->first_axis;
    t->first_fig = c_seed + 1;
    t->n_figs = csvtab_cols(t->csv) - t->first_fig;
    t->n_runs = csvtab_rows(t->csv);
    if (group(t) != 0) {
        cli_error("plot: out of memory");
        return CLI_FAILED;
    }
    int rc = read_values(t, opts);
    if (rc == CLI_OK)
        rc = read_context(t);
    if (rc == CLI_OK)
        rc = compute_stats(t);
    return rc;
}

/* ---- outputs --------------------------------------------------------------- */

static void put_num(FILE *f, double v)
{
    if (!isnan(v))
        fprintf(f, "%.9g", v);
}

/* Writes a CSV field (quoted when needed). */
static void put_field(FILE *f, const char *s)
{
    summary_csv_field(f, s);
}

/* sweep_stats.csv: one row per figure and grid point. */
static int write_stats_csv(const sweep_table *t, const char *out_dir, const plot_opts *opts)
{
    char *text = NULL, err[1024];
    size_t len = 0, w = n_cols_all(t);
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        cli_error("plot: out of memory");
        return CLI_FAILED;
    }
    fputs("sweep_id", f);
    for (size_t a = 0; a < t->n_axes; a++) {
        fputc(',', f);
        put_field(f, csvtab_header(t->csv, t->first_axis + a));
    }
    fputs(",figure,n,mean,ci95_low,ci95_high\n", f);
    size_t n_out = opts->theory ? w : t->n_figs;
    for (size_t fig = 0; fig < n_out; fig++)
        for (size_t p = 0; p < t->n_points; p++) {
            const plotsweep_stat *s = &t->stats[p * w + fig];
            put_field(f, t->id);
            for (size_t a = 0; a < t->n_axes; a++) {
                fputc(',', f);
                put_field(f, csvtab_cell(t->csv, t->point_row[p], t->first_axis + a));
            }
            fputc(',', f);
            put_field(f, fig < t->n_figs ? csvtab_header(t->csv, t->first_fig + fig)
                                         : theory_names[fig - t->n_figs]);
            fprintf(f, ",%zu,", s->n);
            put_num(f, s->mean);
            fputc(',', f);
            put_num(f, s->low);
            fputc(',', f);
            put_num(f, s->high);
            fputc('\n', f);
        }
    int bad = fclose(f) != 0 || !text;
    char *path = bad ? NULL : fileout_join(out_dir, "sweep_stats.csv");
    int rc = CLI_OK;
    if (!path) {
        cli_error("plot: out of memory");
        rc = CLI_FAILED;
    } else if (fileout_write(err, sizeof err, path, text, len) != FILEOUT_OK) {
        cli_error("plot: %s", err);
        rc = CLI_FAILED;
    } else {
        printf("%s\n", path);
    }
    free(path);
    free(text);
    return rc;
}

/* A label of the series s: its values of the --vary paths after the first. */
static void series_title(FILE *f, const sweep_table *t, size_t s)
{
    for (size_t a = 1; a < t->n_axes; a++)
        fprintf(f, "%s%s=%s", a > 1 ? ", " : "", csvtab_header(t->csv, t->first_axis + a),
                csvtab_cell(t->csv, t->series_row[s], t->first_axis + a));
}

static int cmp_x(const void *a, const void *b, void *ctx)
{
    const double *x = ctx;
    double u = x[*(const size_t *)a], v = x[*(const size_t *)b];
    return (u > v) - (u < v);
}

/* A datablock of column fig, one index per series, rows by x: x, mean,
 * low, high, the x value's name (quoted). A series without a value gets a
 * row of NaN so that the indexes stay aligned. */
static void put_block(FILE *f, const sweep_table *t, const char *name, size_t fig,
                      const size_t *order)
{
    size_t w = n_cols_all(t);
    fprintf(f, "%s << EOD\n# x,mean,ci95_low,ci95_high,value\n", name);
    for (size_t s = 0; s < t->n_series; s++) {
        if (s > 0)
            fputs("\n\n", f);
        size_t rows = 0;
        for (size_t i = 0; i < t->n_x; i++) {
            size_t xi = order[i];
            for (size_t p = 0; p < t->n_points; p++) {
                const plotsweep_stat *st = &t->stats[p * w + fig];
                if (t->x_of[p] != xi || t->series_of[p] != s || st->n == 0)
                    continue;
                fprintf(f, "%.9g,%.9g,%.9g,%.9g,\"", t->x[xi], st->mean, st->low, st->high);
                for (const char *c = t->x_values[xi]; *c; c++)
                    fputc(*c == '"' ? '\'' : *c, f);
                fputs("\"\n", f);
                rows++;
            }
        }
        if (rows == 0)
            fputs("NaN,NaN,NaN,NaN,\"\"\n", f);
    }
    fputs("EOD\n", f);
}

static int draw_figure(const sweep_table *t, const char *out_dir, size_t fig, const size_t *order,
                       const plot_opts *opts)
{
    size_t w = n_cols_all(t);
    const char *name = csvtab_header(t->csv, t->first_fig + fig);
    int any = 0;
    for (size_t p = 0; p < t->n_points; p++)
        any |= t->stats[p * w + fig].n > 0;
    char file[128];
    snprintf(file, sizeof file, "sweep_%.100s", name);
    if (!any) {
        fprintf(stderr, "chainsim: plot: no run of the sweep has %s; %s.png not drawn\n", name,
                file);
        return CLI_OK;
    }
    plot_figure pf;
    if (plot_figure_begin(&pf, out_dir, file) != 0)
        return CLI_FAILED;
    FILE *v = pf.vars;
    const char *xpath = t->n_axes ? csvtab_header(t->csv, t->first_axis) : "(nothing varied)";
    char xlabel[300];
    snprintf(xlabel, sizeof xlabel, "%s%s", xpath, t->kind == PLOTSWEEP_X_SECONDS ? " (s)" : "");
    plot_var_string(v, "figure", name);
    plot_var_string(v, "ylabel", y_label(name));
    plot_var_string(v, "xlabel", xlabel);
    char title[768], reps[96];
    if (t->max_reps > 1)
        snprintf(reps, sizeof reps, "mean and 95%% confidence interval over %zu repetitions",
                 t->max_reps);
    else
        snprintf(reps, sizeof reps, "one run per point");
    snprintf(title, sizeof title, "%s against %s: %s\nscenario %s, %s (sweep %s)", y_label(name),
             xpath, reps, t->scenario, t->seeds, t->id);
    plot_var_string(v, "sweep_title", title);
    double x_min = t->n_x ? t->x[order[0]] : 0, x_max = t->n_x ? t->x[order[t->n_x - 1]] : 0;
    if (t->kind == PLOTSWEEP_X_CATEGORY) {
        x_min = 1;
        x_max = (double)t->n_x;
    }
    fprintf(v, "categorical = %d\nn_x = %zu\nx_min = %.9g\nx_max = %.9g\nn_series = %zu\n",
            t->kind == PLOTSWEEP_X_CATEGORY, t->n_x, x_min, x_max, t->n_series);
    for (size_t s = 0; s < t->n_series; s++) {
        char *text = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&text, &len);
        if (m) {
            series_title(m, t, s);
            fclose(m);
        }
        char var[32];
        snprintf(var, sizeof var, "series_%zu", s + 1);
        plot_var_string(v, var,
                        text && *text     ? text
                        : t->max_reps > 1 ? "measured: mean and 95% interval"
                                          : "measured");
        free(text);
    }
    put_block(v, t, "$stats", fig, order);
    int theory = opts->theory && strcmp(name, "stale_rate") == 0;
    fprintf(v, "has_theory = %d\n", theory);
    if (theory)
        put_block(v, t, "$theory", t->n_figs + TH_STALE, order);
    return plot_figure_draw(&pf, "sweep", opts) == 0 ? CLI_OK : CLI_FAILED;
}

int plotsweep_figures(const char *dir, const char *out_dir, const plot_opts *opts)
{
    sweep_table t;
    int rc = load_sweep(&t, dir, opts);
    size_t *order = rc == CLI_OK ? malloc((t.n_x ? t.n_x : 1) * sizeof *order) : NULL;
    if (rc == CLI_OK && !order) {
        cli_error("plot: out of memory");
        rc = CLI_FAILED;
    }
    if (rc == CLI_OK) {
        /* Numbers and durations in increasing order; categories as given. */
        for (size_t i = 0; i < t.n_x; i++)
            order[i] = i;
        if (t.kind != PLOTSWEEP_X_CATEGORY)
            qsort_r(order, t.n_x, sizeof *order, cmp_x, t.x);
        rc = write_stats_csv(&t, out_dir, opts);
    }
    for (size_t fig = 0; rc == CLI_OK && fig < t.n_figs; fig++)
        rc = draw_figure(&t, out_dir, fig, order, opts);
    free(order);
    table_free(&t);
    return rc;
}
