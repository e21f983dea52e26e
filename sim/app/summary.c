/* summary.json readers shared by `compare` and `sweep`, through fileout_read
 * and the strict JSON reader. The headline table is one X-macro so a figure
 * can never have a name without a path. */
#include "summary.h"

#include "fileout.h"
#include "jsonread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUMMARY_NAME(name, path) name,
#define SUMMARY_PATH(name, path) path,
static const char *const headline_names[] = {SUMMARY_HEADLINE_MAP(SUMMARY_NAME) SUMMARY_ATTACK_MAP(
    SUMMARY_NAME) SUMMARY_BFT_MAP(SUMMARY_NAME)};
static const char *const headline_paths[] = {SUMMARY_HEADLINE_MAP(SUMMARY_PATH) SUMMARY_ATTACK_MAP(
    SUMMARY_PATH) SUMMARY_BFT_MAP(SUMMARY_PATH)};
#define N_ALL (sizeof headline_names / sizeof headline_names[0])
#undef SUMMARY_NAME
#undef SUMMARY_PATH

#define SUMMARY_ONE(name, path) +1
enum {
    N_BASE = 0 SUMMARY_HEADLINE_MAP(SUMMARY_ONE),
    N_ATTACK = 0 SUMMARY_ATTACK_MAP(SUMMARY_ONE),
};
#undef SUMMARY_ONE

size_t summary_n_headlines(void)
{
    return N_BASE;
}

size_t summary_n_figures(void)
{
    return N_ALL;
}

/* The section figure i belongs to ("attack", "bft"), or NULL for a
 * headline every run has. */
static const char *section_of(size_t i)
{
    return i < N_BASE ? NULL : i < N_BASE + N_ATTACK ? "attack" : "bft";
}

size_t summary_headlines_of(size_t *idx, const cJSON *const *sums, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < N_ALL; i++) {
        const char *sec = section_of(i);
        int shown = sec == NULL;
        for (size_t r = 0; r < n && !shown; r++)
            shown = sums[r] != NULL && jsonread_member(sums[r], sec) != NULL;
        if (!shown)
            continue;
        if (idx != NULL)
            idx[k] = i;
        k++;
    }
    return k;
}

size_t summary_n_headlines_of(const cJSON *const *sums, size_t n)
{
    return summary_headlines_of(NULL, sums, n);
}

const char *summary_headline_name(size_t i)
{
    return i < N_ALL ? headline_names[i] : NULL;
}

const char *summary_headline_path(size_t i)
{
    return i < N_ALL ? headline_paths[i] : NULL;
}

const cJSON *summary_lookup(const cJSON *root, const char *path)
{
    char key[128];
    const cJSON *x = root;
    while (x && *path) {
        size_t n = strcspn(path, ".");
        if (n >= sizeof key)
            return NULL;
        memcpy(key, path, n);
        key[n] = '\0';
        x = jsonread_member(x, key);
        path += n + (path[n] == '.');
    }
    return x;
}

int summary_headline_format(char *out, size_t outlen, const cJSON *summary, size_t i)
{
    if (outlen > 0)
        out[0] = '\0';
    const cJSON *x = i < N_ALL ? summary_lookup(summary, headline_paths[i]) : NULL;
    if (cJSON_IsNull(x) || (x == NULL && i < N_ALL && section_of(i) != NULL &&
                            jsonread_member(summary, section_of(i)) == NULL))
        return 1; /* null, or an attack or BFT figure of a run without that section */
    if (!cJSON_IsNumber(x))
        return -1;
    snprintf(out, outlen, "%.9g", x->valuedouble);
    return 0;
}

int summary_load(cJSON **out, char *err, size_t errlen, const char *run_dir)
{
    char *path = fileout_join(run_dir, "summary.json"), *text = NULL;
    size_t len = 0;
    cJSON *json = NULL;
    jsonread jr;
    *out = NULL;
    if (!path) {
        snprintf(err, errlen, "%s/summary.json: out of memory", run_dir);
        return -1;
    }
    if (fileout_read(&text, &len, err, errlen, path, SUMMARY_MAX_BYTES) != FILEOUT_OK ||
        jsonread_parse(&json, err, errlen, text, len, path) != JSONREAD_OK)
        goto fail;
    jsonread_init(&jr, err, errlen, json, path);
    if (!cJSON_IsObject(json)) {
        char g[64];
        jsonread_fail(&jr, JSONREAD_E_TYPE, json, NULL, "expected a JSON object, got %s",
                      jsonread_got(g, sizeof g, json));
        goto fail;
    }
    for (size_t i = 0; i < N_ALL; i++) {
        char tmp[64];
        if (summary_headline_format(tmp, sizeof tmp, json, i) < 0) {
            jsonread_fail_path(&jr, JSONREAD_E_TYPE, headline_paths[i],
                               "expected a number or null");
            goto fail;
        }
    }
    free(text);
    free(path);
    *out = json;
    return 0;
fail:
    cJSON_Delete(json);
    free(text);
    free(path);
    return -1;
}

void summary_csv_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}
