/* Sweep grid and CSV assembly. Grid order is fixed (first axis slowest,
 * repetition fastest) and seeds depend only on the base seed and the
 * repetition, so a repeated sweep writes the same sweep.csv whatever order
 * its child runs finish in. */
#include "sweep.h"

#include "hash.h"
#include "rng.h"
#include "summary.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sweep_axis_parse(sweep_axis *out, char *err, size_t errlen, const char *arg)
{
    memset(out, 0, sizeof *out);
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg) {
        snprintf(err, errlen, "--vary '%s': expected PATH=V1,V2,...", arg);
        return -1;
    }
    out->path = strndup(arg, (size_t)(eq - arg));
    size_t n = 1;
    for (const char *p = eq + 1; *p; p++)
        n += *p == ',';
    out->values = calloc(n, sizeof *out->values);
    if (!out->path || !out->values)
        goto nomem;
    const char *p = eq + 1;
    for (size_t i = 0; i < n; i++) {
        size_t len = strcspn(p, ",");
        if (len == 0) {
            snprintf(err, errlen, "--vary '%s': value %zu of %s is empty", arg, i + 1, out->path);
            sweep_axis_clear(out);
            return -1;
        }
        out->values[i] = strndup(p, len);
        if (!out->values[i])
            goto nomem;
        out->n_values++;
        p += len + (p[len] == ',');
    }
    return 0;
nomem:
    snprintf(err, errlen, "--vary '%s': out of memory", arg);
    sweep_axis_clear(out);
    return -1;
}

void sweep_axis_clear(sweep_axis *axis)
{
    if (!axis)
        return;
    for (size_t i = 0; i < axis->n_values; i++)
        free(axis->values[i]);
    free(axis->values);
    free(axis->path);
    memset(axis, 0, sizeof *axis);
}

int sweep_grid_size(size_t *out, const sweep_axis *axes, size_t n_axes, unsigned reps)
{
    *out = 0;
    if (reps == 0)
        return -1;
    size_t n = reps;
    for (size_t a = 0; a < n_axes; a++) {
        if (axes[a].n_values == 0 || n > SIZE_MAX / axes[a].n_values)
            return -1;
        n *= axes[a].n_values;
    }
    *out = n;
    return 0;
}

void sweep_grid_point(size_t *value_idx, unsigned *rep, const sweep_axis *axes, size_t n_axes,
                      unsigned reps, size_t index)
{
    *rep = (unsigned)(index % reps);
    index /= reps;
    for (size_t a = n_axes; a-- > 0;) {
        value_idx[a] = index % axes[a].n_values;
        index /= axes[a].n_values;
    }
}

uint64_t sweep_seed(uint64_t base_seed, unsigned rep)
{
    /* One splitmix64 step from base_seed + rep. */
    uint64_t state = base_seed + rep;
    return rng_splitmix64(&state);
}

void sweep_run_name(char *out, size_t outlen, size_t index, size_t n_runs)
{
    int width = 3;
    for (size_t n = n_runs; n >= 1000; n /= 10)
        width++;
    if (snprintf(out, outlen, "run-%0*zu", width, index + 1) >= (int)outlen && outlen > 0)
        out[outlen - 1] = '\0'; /* the caller's buffer fits every grid this size allows */
}

/* Writes one length-prefixed part of a sweep's definition to f. */
static void put_field(FILE *f, const char *tag, const void *data, size_t len)
{
    fprintf(f, "%s %zu\n", tag, len);
    fwrite(data, 1, len, f);
    fputc('\n', f);
}

void sweep_id(char out[SWEEP_ID_HEX + 1], const void *scenario, size_t scenario_len,
              const sweep_axis *axes, size_t n_axes, unsigned reps, uint64_t base_seed)
{
    /* The definition as one unambiguous text: every variable-length part is
     * preceded by its length, so no two definitions give the same bytes. */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    uint8_t digest[32];
    if (f == NULL)
        abort(); /* a few hundred bytes: only a broken allocator fails here */
    fputs("chainsim sweep 1\n", f);
    put_field(f, "scenario", scenario, scenario_len);
    fprintf(f, "reps %u\nbase_seed %" PRIu64 "\naxes %zu\n", reps, base_seed, n_axes);
    for (size_t a = 0; a < n_axes; a++) {
        put_field(f, "path", axes[a].path, strlen(axes[a].path));
        fprintf(f, "values %zu\n", axes[a].n_values);
        for (size_t v = 0; v < axes[a].n_values; v++)
            put_field(f, "value", axes[a].values[v], strlen(axes[a].values[v]));
    }
    if (fclose(f) != 0 || text == NULL)
        abort();
    hash_sha256(digest, text, len);
    free(text);
    hex_encode(out, digest, SWEEP_ID_HEX / 2);
    out[SWEEP_ID_HEX] = '\0';
}

char **sweep_child_argv(const char *exe, const char *scenario, const sweep_axis *axes,
                        size_t n_axes, const size_t *value_idx, uint64_t seed, const char *out_dir)
{
    char seedtxt[24];
    snprintf(seedtxt, sizeof seedtxt, "%" PRIu64, seed);
    size_t argc = 3 + 2 * n_axes + 5;
    size_t bytes = (argc + 1) * sizeof(char *);
    bytes += strlen(exe) + strlen("run") + strlen(scenario) + 3;
    for (size_t a = 0; a < n_axes; a++)
        bytes += strlen("--set") + 1 + strlen(axes[a].path) + 1 +
                 strlen(axes[a].values[value_idx[a]]) + 1;
    bytes += strlen("--seed") + 1 + strlen(seedtxt) + 1 + strlen("--out") + 1 + strlen(out_dir) +
             1 + strlen("--quiet") + 1;
    char **argv = malloc(bytes);
    if (!argv)
        return NULL;
    char *p = (char *)(argv + argc + 1);
    size_t i = 0;
#define PUSH(...)                                                                                  \
    do {                                                                                           \
        argv[i++] = p;                                                                             \
        p += sprintf(p, __VA_ARGS__) + 1;                                                          \
    } while (0)
    PUSH("%s", exe);
    PUSH("run");
    PUSH("%s", scenario);
    for (size_t a = 0; a < n_axes; a++) {
        PUSH("--set");
        PUSH("%s=%s", axes[a].path, axes[a].values[value_idx[a]]);
    }
    PUSH("--seed");
    PUSH("%s", seedtxt);
    PUSH("--out");
    PUSH("%s", out_dir);
    PUSH("--quiet");
#undef PUSH
    argv[i] = NULL;
    return argv;
}

char *sweep_csv(const char *id, const sweep_axis *axes, size_t n_axes, unsigned reps,
                uint64_t base_seed, const cJSON *const *summaries, size_t n_runs)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    size_t *idx = calloc(n_axes ? n_axes : 1, sizeof *idx);
    if (!f || !idx) {
        if (f)
            fclose(f);
        free(text);
        free(idx);
        return NULL;
    }
    fputs("run_id,run", f);
    for (size_t a = 0; a < n_axes; a++) {
        fputc(',', f);
        summary_csv_field(f, axes[a].path);
    }
    fputs(",rep,seed", f);
    size_t heads[64]; /* summary_n_figures() */
    assert(summary_n_figures() <= sizeof heads / sizeof heads[0]);
    size_t n_heads = summary_headlines_of(heads, summaries, n_runs);
    for (size_t h = 0; h < n_heads; h++)
        fprintf(f, ",%s", summary_headline_name(heads[h]));
    fputc('\n', f);
    for (size_t r = 0; r < n_runs; r++) {
        unsigned rep;
        char name[32], cell[64];
        sweep_grid_point(idx, &rep, axes, n_axes, reps, r);
        sweep_run_name(name, sizeof name, r, n_runs);
        fprintf(f, "%s-%s,%s", id, name + strlen("run-"), name);
        for (size_t a = 0; a < n_axes; a++) {
            fputc(',', f);
            summary_csv_field(f, axes[a].values[idx[a]]);
        }
        fprintf(f, ",%u,%" PRIu64, rep, sweep_seed(base_seed, rep));
        for (size_t h = 0; h < n_heads; h++) {
            (void)summary_headline_format(cell, sizeof cell, summaries[r], heads[h]);
            fprintf(f, ",%s", cell);
        }
        fputc('\n', f);
    }
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    free(idx);
    if (bad) {
        free(text);
        return NULL;
    }
    return text;
}

char *sweep_json(const char *id, const char *scenario_path, const sweep_axis *axes, size_t n_axes,
                 unsigned reps, uint64_t base_seed, size_t n_runs)
{
    char seed[24];
    snprintf(seed, sizeof seed, "%" PRIu64, base_seed);
    cJSON *root = cJSON_CreateObject(), *vary = NULL;
    int ok = root && cJSON_AddStringToObject(root, "sweep_id", id) &&
             cJSON_AddStringToObject(root, "scenario", scenario_path) &&
             cJSON_AddRawToObject(root, "base_seed", seed) && /* exact above 2^53 */
             cJSON_AddNumberToObject(root, "reps", reps) &&
             (vary = cJSON_AddArrayToObject(root, "vary")) != NULL &&
             cJSON_AddNumberToObject(root, "runs", (double)n_runs);
    for (size_t a = 0; ok && a < n_axes; a++) {
        cJSON *axis = cJSON_CreateObject();
        if (axis == NULL || !cJSON_AddItemToArray(vary, axis)) {
            cJSON_Delete(axis);
            ok = 0;
            break;
        }
        cJSON *values =
            cJSON_CreateStringArray((const char *const *)axes[a].values, (int)axes[a].n_values);
        ok = cJSON_AddStringToObject(axis, "path", axes[a].path) != NULL && values != NULL &&
             cJSON_AddItemToObject(axis, "values", values);
        if (!ok)
            cJSON_Delete(values); /* not attached: still ours */
    }
    char *text = ok ? cJSON_Print(root) : NULL;
    cJSON_Delete(root);
    if (text == NULL)
        return NULL;
    size_t len = strlen(text);
    char *out = realloc(text, len + 2); /* a final newline, as every text output has */
    if (out == NULL) {
        free(text);
        return NULL;
    }
    out[len] = '\n';
    out[len + 1] = '\0';
    return out;
}
