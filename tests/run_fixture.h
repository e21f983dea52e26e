/* Test helpers for the test programs that run the real `chainsim` binary
 * (header-only: each test program is one .c file plus testutil.c). The binary
 * comes from $CHAINSIM_BIN and the source tree from $CHAINSIM_SOURCE_DIR, both
 * set by CMakeLists.txt. A CSV reader for the run's metrics files (no quoting:
 * every field the runner writes is a number, an id or a word) and a JSON
 * loader (cJSON). Every helper fails the current Check test on error. */
#ifndef CHAINSIM_RUN_FIXTURE_H
#define CHAINSIM_RUN_FIXTURE_H

#include "testutil.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RF_MAX_ARGS 64

/* $CHAINSIM_BIN: the binary under test. */
static inline const char *rf_bin(void)
{
    const char *b = getenv("CHAINSIM_BIN");
    ck_assert_msg(b != NULL && *b, "CHAINSIM_BIN is not set");
    return b;
}

/* $CHAINSIM_SOURCE_DIR/rel, in a static buffer (valid until the next call). */
static inline const char *rf_src(const char *rel)
{
    static char path[1024];
    const char *s = getenv("CHAINSIM_SOURCE_DIR");
    ck_assert_msg(s != NULL && *s, "CHAINSIM_SOURCE_DIR is not set");
    snprintf(path, sizeof path, "%s/%s", s, rel);
    return path;
}

/* Runs the binary with args (NULL-terminated, without argv[0]); stdout goes to
 * out_path and stderr to err_path (NULL: /dev/null). Returns the exit status,
 * or 128 + signal when it was killed. */
static inline int rf_exec(const char *const *args, const char *out_path, const char *err_path)
{
    char *argv[RF_MAX_ARGS + 2];
    size_t n = 0;
    argv[n++] = strdup(rf_bin());
    for (; args[n - 1] != NULL; n++) {
        ck_assert(n <= RF_MAX_ARGS);
        argv[n] = strdup(args[n - 1]);
        ck_assert_ptr_nonnull(argv[n]);
    }
    argv[n] = NULL;
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int out = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = err_path && out_path && strcmp(err_path, out_path) == 0
                      ? out
                      : open(err_path ? err_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (out < 0 || err < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    for (size_t i = 0; i < n; i++)
        free(argv[i]);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

/* `chainsim run [scenario] --out dir --quiet ARGS...` (ARGS NULL-terminated);
 * scenario is absolute or relative to the source tree, NULL for the default.
 * Asserts exit status 0 and shows the run's stderr when it is not. */
static inline void rf_run(const char *dir, const char *scenario, ...)
{
    const char *args[RF_MAX_ARGS + 1];
    char scen[1024], err_path[1100];
    size_t n = 0;
    args[n++] = "run";
    if (scenario) {
        snprintf(scen, sizeof scen, "%s", scenario[0] == '/' ? scenario : rf_src(scenario));
        args[n++] = scen;
    }
    args[n++] = "--out";
    args[n++] = dir;
    args[n++] = "--quiet";
    va_list ap;
    va_start(ap, scenario);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL;) {
        ck_assert(n < RF_MAX_ARGS);
        args[n++] = a;
    }
    va_end(ap);
    args[n] = NULL;
    snprintf(err_path, sizeof err_path, "%s.stderr", dir);
    int rc = rf_exec(args, NULL, err_path);
    if (rc != 0) {
        char msg[600] = "";
        FILE *f = fopen(err_path, "r");
        if (f) {
            size_t got = fread(msg, 1, sizeof msg - 1, f);
            msg[got] = '\0';
            fclose(f);
        }
        ck_abort_msg("chainsim run %s --out %s: exit %d: %s", scenario ? scenario : "(default)",
                     dir, rc, msg);
    }
}

/* The whole file, NUL-terminated (caller frees), or NULL when it cannot be read. */
static inline char *rf_slurp(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    for (size_t got; (got = fread(buf + len, 1, cap - len - 1, f)) > 0;) {
        len += got;
        if (cap - len < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
    }
    fclose(f);
    buf[len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

/* dir/name parsed as JSON (caller frees with cJSON_Delete). */
static inline cJSON *rf_json(const char *dir, const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = rf_slurp(path, NULL);
    ck_assert_msg(text != NULL, "cannot read %s", path);
    cJSON *j = cJSON_Parse(text);
    free(text);
    ck_assert_msg(j != NULL, "%s: not valid JSON", path);
    return j;
}

/* The number at a dotted path ("blocks.stale") of a JSON object. */
static inline double rf_json_num(const cJSON *j, const char *path)
{
    char key[128];
    const char *p = path;
    while (*p) {
        size_t len = strcspn(p, ".");
        ck_assert(len < sizeof key);
        memcpy(key, p, len);
        key[len] = '\0';
        j = cJSON_GetObjectItemCaseSensitive(j, key);
        ck_assert_msg(j != NULL, "JSON path %s: no %s", path, key);
        p += len + (p[len] == '.');
    }
    ck_assert_msg(cJSON_IsNumber(j), "JSON path %s: not a number", path);
    return j->valuedouble;
}

/* A CSV file: a header row and rows of fields (no quoting). */
typedef struct rf_csv {
    char *text;
    size_t n_cols, n_rows; /* n_rows excludes the header */
    char **cells;          /* (n_rows + 1) * n_cols, header first */
} rf_csv;

/* dir/name read and split; asserts every row has as many fields as the header. */
static inline rf_csv *rf_csv_load(const char *dir, const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    rf_csv *c = calloc(1, sizeof *c);
    ck_assert_ptr_nonnull(c);
    c->text = rf_slurp(path, NULL);
    ck_assert_msg(c->text != NULL, "cannot read %s", path);
    size_t lines = 0, commas = 0;
    for (const char *p = c->text; *p; p++)
        lines += *p == '\n', commas += *p == ',';
    ck_assert_msg(lines >= 1, "%s: no header row", path);
    c->cells = malloc((lines + commas + 1) * sizeof *c->cells);
    ck_assert_ptr_nonnull(c->cells);
    size_t n = 0, row = 0, col = 0;
    char *p = c->text;
    while (*p) {
        char *end = p + strcspn(p, ",\n");
        char sep = *end;
        *end = '\0';
        c->cells[n++] = p;
        col++;
        if (sep == '\n' || sep == '\0') {
            if (row == 0)
                c->n_cols = col;
            ck_assert_msg(col == c->n_cols, "%s: row %zu has %zu fields, header %zu", path, row,
                          col, c->n_cols);
            row++;
            col = 0;
        }
        p = sep ? end + 1 : end;
    }
    ck_assert_msg(col == 0, "%s: last line lacks its newline", path);
    c->n_rows = row - 1;
    return c;
}

static inline void rf_csv_free(rf_csv *c)
{
    if (c == NULL)
        return;
    free(c->cells);
    free(c->text);
    free(c);
}

/* Index of the column called name; fails the test when there is none. */
static inline size_t rf_col(const rf_csv *c, const char *name)
{
    for (size_t i = 0; i < c->n_cols; i++)
        if (strcmp(c->cells[i], name) == 0)
            return i;
    ck_abort_msg("CSV has no column %s", name);
    return 0;
}

/* The field of row (from 0, header excluded) in column col. */
static inline const char *rf_cell(const rf_csv *c, size_t row, size_t col)
{
    ck_assert(row < c->n_rows && col < c->n_cols);
    return c->cells[(row + 1) * c->n_cols + col];
}

static inline double rf_num(const rf_csv *c, size_t row, size_t col)
{
    const char *s = rf_cell(c, row, col);
    char *end;
    double v = strtod(s, &end);
    ck_assert_msg(*s && *end == '\0', "CSV row %zu column %s: '%s' is not a number", row,
                  c->cells[col], s);
    return v;
}

/* A sorted array of strings for membership tests (the strings are borrowed). */
typedef struct rf_set {
    const char **keys;
    size_t *vals;
    size_t n;
} rf_set;

/* qsort comparator for an array of strings. */
static inline int rf_str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static inline int rf_set_cmp(const void *a, const void *b)
{
    return strcmp(**(const char *const *const *)a, **(const char *const *const *)b);
}

/* The rows of c keyed by column col (row index as the value). */
static inline rf_set rf_index(const rf_csv *c, size_t col)
{
    rf_set s = {malloc((c->n_rows + 1) * sizeof(char *)), malloc((c->n_rows + 1) * sizeof(size_t)),
                c->n_rows};
    const char ***order = malloc((c->n_rows + 1) * sizeof *order);
    const char **tmp = malloc((c->n_rows + 1) * sizeof *tmp);
    ck_assert(s.keys && s.vals && order && tmp);
    for (size_t i = 0; i < c->n_rows; i++) {
        tmp[i] = rf_cell(c, i, col);
        order[i] = &tmp[i];
    }
    qsort(order, c->n_rows, sizeof *order, rf_set_cmp);
    for (size_t i = 0; i < c->n_rows; i++) {
        s.keys[i] = *order[i];
        s.vals[i] = (size_t)(order[i] - tmp);
    }
    free(order);
    free(tmp);
    return s;
}

/* The value stored for key, or (size_t)-1 when it is absent. */
static inline size_t rf_find(const rf_set *s, const char *key)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(s->keys[mid], key);
        if (c == 0)
            return s->vals[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (size_t)-1;
}

static inline void rf_set_free(rf_set *s)
{
    free(s->keys);
    free(s->vals);
}

/* 1 when both files exist and have the same bytes. */
static inline int rf_same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = rf_slurp(a, &la), *y = rf_slurp(b, &lb);
    int same = x && y && la == lb && memcmp(x, y, la) == 0;
    free(x);
    free(y);
    return same;
}

/* Asserts dirs a and b hold the same files with the same bytes, run_info.json
 * aside; returns how many files were compared. */
static inline size_t rf_same_dirs(const char *a, const char *b)
{
    size_t count = 0;
    for (int pass = 0; pass < 2; pass++) {
        const char *from = pass ? b : a, *other = pass ? a : b;
        DIR *d = opendir(from);
        ck_assert_msg(d != NULL, "cannot open %s", from);
        for (struct dirent *e; (e = readdir(d)) != NULL;) {
            if (e->d_name[0] == '.' || strcmp(e->d_name, "run_info.json") == 0)
                continue;
            char pa[1200], pb[1200];
            snprintf(pa, sizeof pa, "%s/%s", from, e->d_name);
            snprintf(pb, sizeof pb, "%s/%s", other, e->d_name);
            ck_assert_msg(rf_same_file(pa, pb), "%s and %s differ (or one is missing)", pa, pb);
            count += pass == 0;
        }
        closedir(d);
    }
    return count;
}

/* Asserts `chainsim verify dir/node1_chain.json ... dir/nodeN_chain.json` exits 0. */
static inline void rf_verify_chains(const char *dir, size_t nodes)
{
    for (size_t first = 1; first <= nodes; first += RF_MAX_ARGS - 2) {
        static char paths[RF_MAX_ARGS][1100];
        const char *args[RF_MAX_ARGS + 1];
        size_t n = 0;
        args[n++] = "verify";
        for (size_t k = first; k <= nodes && n < RF_MAX_ARGS - 1; k++, n++) {
            snprintf(paths[n], sizeof paths[n], "%s/node%zu_chain.json", dir, k);
            args[n] = paths[n];
        }
        args[n] = NULL;
        char out[1200];
        snprintf(out, sizeof out, "%s.verify", dir);
        int rc = rf_exec(args, out, out);
        ck_assert_msg(rc == 0, "chainsim verify %s/node%zu..: exit %d (see %s)", dir, first, rc,
                      out);
    }
}

#endif
