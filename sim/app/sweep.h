/* Parameter sweeps: the pure parts of `chainsim sweep`: parsing --vary axes,
 * enumerating the grid in a fixed order, deriving each repetition's seed and
 * the sweep's id, building each child run's command line and assembling
 * sweep.csv and sweep.json. Kept free of processes and files so every rule
 * is unit-testable. */
#ifndef CHAINSIM_SWEEP_H
#define CHAINSIM_SWEEP_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* One --vary axis: a scenario path and its values, in the order given. */
typedef struct sweep_axis {
    char *path;
    char **values;
    size_t n_values;
} sweep_axis;

/* Parses "path=v1,v2,..." into *out (freed with sweep_axis_clear). Returns
 * 0, or -1 with *out empty and a message in err naming the argument and what
 * was expected (a path before '=', at least one value, no empty value). */
int sweep_axis_parse(sweep_axis *out, char *err, size_t errlen, const char *arg)
    __attribute__((warn_unused_result));

/* Frees what *axis holds and empties it. NULL is fine. */
void sweep_axis_clear(sweep_axis *axis);

/* Writes the number of runs (product of the axes' value counts, times reps)
 * to *out. Returns 0, or -1 when reps is 0 or the count overflows size_t. */
int sweep_grid_size(size_t *out, const sweep_axis *axes, size_t n_axes, unsigned reps)
    __attribute__((warn_unused_result));

/* Run index (0 .. grid size - 1) to its grid point, in grid order: the first
 * axis varies slowest, the repetition fastest. Writes value_idx[a] for each
 * axis a and *rep (0-based). */
void sweep_grid_point(size_t *value_idx, unsigned *rep, const sweep_axis *axes, size_t n_axes,
                      unsigned reps, size_t index);

/* The seed of repetition rep: splitmix64(base_seed + rep), so repetitions get
 * unrelated seeds and the same sweep always gets the same ones. */
uint64_t sweep_seed(uint64_t base_seed, unsigned rep);

/* The folder name of run index (0-based) among n_runs: "run-001" ..., zero
 * padded to at least 3 digits and to the width of n_runs. Writes out. */
void sweep_run_name(char *out, size_t outlen, size_t index, size_t n_runs);

/* Hex digits of a sweep id. */
#define SWEEP_ID_HEX 12

/* The id of a sweep: the first SWEEP_ID_HEX hex digits of the SHA-256 of
 * its definition (the scenario file's bytes, every --vary path and its
 * values in order, the repetitions and the base seed), written to out
 * (NUL-terminated). The same definition always gets the same id, so a
 * repeated sweep writes the same files; a different one (almost surely) a
 * different id, so the rows of concatenated sweeps stay apart. */
void sweep_id(char out[SWEEP_ID_HEX + 1], const void *scenario, size_t scenario_len,
              const sweep_axis *axes, size_t n_axes, unsigned reps, uint64_t base_seed);

/* The command line of one run: exe run SCENARIO --set path=v ... --seed S
 * --out DIR --quiet, NULL-terminated. Returns a newly allocated argv whose
 * strings live in the same allocation (free with free()), or NULL when out of
 * memory. */
char **sweep_child_argv(const char *exe, const char *scenario, const sweep_axis *axes,
                        size_t n_axes, const size_t *value_idx, uint64_t seed, const char *out_dir);

/* sweep.csv: header "run_id,run,<axis path>...,rep,seed,<headline>..."
 * then one row per run in grid order: run_id is "<id>-<number>" (id the
 * sweep's id, number as in run i's folder name), run the folder name from
 * sweep_run_name, rep counts from 0, seed is sweep_seed(base_seed, rep), and
 * the headlines of summaries[i], run i's summary.json, as
 * summary_headline_format prints them. Returns a newly allocated
 * NUL-terminated text (caller frees), or NULL when out of memory. */
char *sweep_csv(const char *id, const sweep_axis *axes, size_t n_axes, unsigned reps,
                uint64_t base_seed, const cJSON *const *summaries, size_t n_runs);

/* sweep.json: the sweep's definition, {"sweep_id", "scenario" (the path as
 * given), "base_seed" (exact), "reps", "vary": [{"path", "values"}...],
 * "runs"}, printed by cJSON with a final newline. Returns a newly allocated NUL-terminated text
 * (caller frees), or NULL when out of memory. */
char *sweep_json(const char *id, const char *scenario_path, const sweep_axis *axes, size_t n_axes,
                 unsigned reps, uint64_t base_seed, size_t n_runs);

#endif
