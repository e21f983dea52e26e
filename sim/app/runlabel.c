/* Run labels: flatten each run's scenario into (path, value) leaves, keep
 * the paths whose values are not all equal, and name each run by its
 * values there. Arrays (events, node_overrides, edges) are one leaf each:
 * two runs differ in "events" as a whole, which is what a reader compares. */
#include "runlabel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One leaf of a flattened scenario. */
typedef struct leaf {
    char *path, *value;
} leaf;

typedef struct leaves {
    leaf *v;
    size_t n, cap;
    int nomem;
} leaves;

/* The text of a leaf value: a string as is, anything else as JSON. */
static char *value_text(const cJSON *x)
{
    if (cJSON_IsString(x))
        return strdup(x->valuestring);
    return cJSON_PrintUnformatted(x);
}

static void add_leaf(leaves *l, const char *path, const cJSON *x)
{
    if (l->nomem)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        leaf *grown = realloc(l->v, cap * sizeof *grown);
        if (!grown) {
            l->nomem = 1;
            return;
        }
        l->v = grown;
        l->cap = cap;
    }
    leaf *e = &l->v[l->n];
    e->path = strdup(path);
    e->value = value_text(x);
    if (!e->path || !e->value) {
        free(e->path);
        free(e->value);
        l->nomem = 1;
        return;
    }
    l->n++;
}

static void flatten(leaves *l, const char *prefix, const cJSON *obj)
{
    for (const cJSON *c = obj ? obj->child : NULL; c && !l->nomem; c = c->next) {
        size_t len = strlen(prefix) + strlen(c->string) + 2;
        char *path = malloc(len);
        if (!path) {
            l->nomem = 1;
            return;
        }
        snprintf(path, len, "%s%s%s", prefix, *prefix ? "." : "", c->string);
        if (cJSON_IsObject(c))
            flatten(l, path, c);
        else
            add_leaf(l, path, c);
        free(path);
    }
}

static void leaves_free(leaves *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].path);
        free(l->v[i].value);
    }
    free(l->v);
}

/* The value of path in l, or NULL. */
static const char *lookup(const leaves *l, const char *path)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].path, path) == 0)
            return l->v[i].value;
    return NULL;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* 1 when path's values are not the same in all n runs. */
static int differs(const leaves *runs, size_t n, const char *path)
{
    const char *first = lookup(&runs[0], path);
    for (size_t r = 1; r < n; r++) {
        const char *v = lookup(&runs[r], path);
        if ((v == NULL) != (first == NULL) || (v && strcmp(v, first) != 0))
            return 1;
    }
    return 0;
}

/* Appends "path=value" (the value cut at 32 characters) to the label f. */
static void put_pair(FILE *f, const char *path, const char *value)
{
    size_t len = strlen(value);
    if (len > 32)
        fprintf(f, "%s=%.29s...", path, value);
    else
        fprintf(f, "%s=%s", path, value);
}

int runlabel_make(char **labels, const cJSON *const *summaries, const char *const *dirs, size_t n)
{
    leaves *runs = calloc(n ? n : 1, sizeof *runs);
    const char **keys = NULL;
    size_t n_keys = 0;
    int nomem = runs == NULL;
    for (size_t i = 0; i < n; i++)
        labels[i] = NULL;
    for (size_t r = 0; r < n && !nomem; r++) {
        flatten(&runs[r], "", cJSON_GetObjectItemCaseSensitive(summaries[r], "scenario"));
        nomem = runs[r].nomem;
    }
    /* The differing paths, in the order of their first appearance. */
    size_t total = 0;
    for (size_t r = 0; r < n && !nomem; r++)
        total += runs[r].n;
    keys = nomem ? NULL : calloc(total ? total : 1, sizeof *keys);
    nomem |= keys == NULL;
    for (size_t r = 0; r < n && !nomem; r++)
        for (size_t i = 0; i < runs[r].n; i++) {
            const char *path = runs[r].v[i].path;
            int seen = 0;
            for (size_t k = 0; k < n_keys && !seen; k++)
                seen = strcmp(keys[k], path) == 0;
            if (!seen && strcmp(path, "description") != 0 && differs(runs, n, path))
                keys[n_keys++] = runs[r].v[i].path;
        }
    /* A protocol's own section means nothing in a run of the other protocol. */
    int type_differs = 0, by_name = 0;
    for (size_t k = 0; k < n_keys; k++)
        type_differs |= strcmp(keys[k], "consensus.type") == 0;
    size_t kept = 0;
    for (size_t k = 0; k < n_keys; k++)
        if (!(type_differs &&
              (starts_with(keys[k], "consensus.pow.") || starts_with(keys[k], "consensus.pos."))))
            keys[kept++] = keys[k];
    n_keys = kept;
    /* Different scenarios (names differ, and much else): named by name. */
    int name_differs = 0;
    for (size_t k = 0; k < n_keys; k++)
        name_differs |= strcmp(keys[k], "name") == 0;
    kept = 0;
    for (size_t k = 0; k < n_keys; k++)
        if (strcmp(keys[k], "name") != 0)
            keys[kept++] = keys[k];
    n_keys = kept;
    if (name_differs && (n_keys == 0 || n_keys > RUNLABEL_MAX_KEYS)) {
        static const char name_key[] = "name";
        keys[0] = name_key;
        n_keys = 1;
        by_name = 1;
    }
    for (size_t r = 0; r < n && !nomem; r++) {
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        if (!f) {
            nomem = 1;
            break;
        }
        for (size_t k = 0; k < n_keys && k < RUNLABEL_MAX_KEYS; k++) {
            const char *v = lookup(&runs[r], keys[k]);
            if (k > 0)
                fputs(", ", f);
            if (by_name)
                fputs(v ? v : "(unnamed)", f);
            else
                put_pair(f, keys[k], v ? v : "(none)");
        }
        if (n_keys > RUNLABEL_MAX_KEYS)
            fprintf(f, " (+%zu more)", n_keys - RUNLABEL_MAX_KEYS);
        if (fclose(f) != 0 || !text) {
            free(text);
            nomem = 1;
            break;
        }
        labels[r] = text;
    }
    /* An empty label, or one two runs share, names the folder instead. */
    char *clash = nomem ? NULL : calloc(n ? n : 1, 1);
    nomem |= clash == NULL;
    for (size_t r = 0; r < n && !nomem; r++) {
        clash[r] = labels[r][0] == '\0';
        for (size_t q = 0; q < n && !clash[r]; q++)
            clash[r] = q != r && strcmp(labels[q], labels[r]) == 0;
    }
    for (size_t r = 0; r < n && !nomem; r++)
        if (clash[r]) {
            char *dir = strdup(dirs[r]);
            nomem |= dir == NULL;
            if (dir) {
                free(labels[r]);
                labels[r] = dir;
            }
        }
    free(clash);
    for (size_t r = 0; r < n && runs; r++)
        leaves_free(&runs[r]);
    free(runs);
    free(keys);
    if (nomem) {
        for (size_t i = 0; i < n; i++) {
            free(labels[i]);
            labels[i] = NULL;
        }
        return -1;
    }
    return 0;
}

/* The seed of a scenario as run: a string of digits above 2^53, else a number. */
static void seed_text(char *out, size_t len, const cJSON *scn)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(scn, "seed");
    if (cJSON_IsString(s))
        snprintf(out, len, "%s", s->valuestring);
    else if (cJSON_IsNumber(s))
        snprintf(out, len, "%.0f", s->valuedouble);
    else
        snprintf(out, len, "?");
}

static const char *name_of(const cJSON *scn)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(scn, "name");
    return cJSON_IsString(name) ? name->valuestring : "?";
}

char *runlabel_title(const cJSON *const *summaries, size_t n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    int same = 1;
    char seed0[32], seed[32];
    const cJSON *scn0 = n ? cJSON_GetObjectItemCaseSensitive(summaries[0], "scenario") : NULL;
    seed_text(seed0, sizeof seed0, scn0);
    for (size_t r = 1; r < n && same; r++) {
        const cJSON *scn = cJSON_GetObjectItemCaseSensitive(summaries[r], "scenario");
        seed_text(seed, sizeof seed, scn);
        same = strcmp(name_of(scn), name_of(scn0)) == 0 && strcmp(seed, seed0) == 0;
    }
    if (same) {
        fprintf(f, "scenario %s, seed %s", name_of(scn0), seed0);
    } else {
        for (size_t r = 0; r < n && r < 4; r++) {
            const cJSON *scn = cJSON_GetObjectItemCaseSensitive(summaries[r], "scenario");
            seed_text(seed, sizeof seed, scn);
            fprintf(f, "%s%s (seed %s)", r ? ", " : "", name_of(scn), seed);
        }
        if (n > 4)
            fprintf(f, " and %zu more", n - 4);
    }
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
