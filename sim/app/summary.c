/* summary.json readers shared by `compare` and `sweep`. The headline table is
 * one X-macro so a figure can never have a name without a path. */
#include "summary.h"

#include "fileout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUMMARY_NAME(name, path) name,
#define SUMMARY_PATH(name, path) path,
static const char *const headline_names[] = {SUMMARY_HEADLINE_MAP(SUMMARY_NAME)};
static const char *const headline_paths[] = {SUMMARY_HEADLINE_MAP(SUMMARY_PATH)};
#undef SUMMARY_NAME
#undef SUMMARY_PATH

size_t summary_n_headlines(void)
{
    return sizeof headline_names / sizeof headline_names[0];
}

const char *summary_headline_name(size_t i)
{
    return i < summary_n_headlines() ? headline_names[i] : NULL;
}

const char *summary_headline_path(size_t i)
{
    return i < summary_n_headlines() ? headline_paths[i] : NULL;
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
        x = cJSON_IsObject(x) ? cJSON_GetObjectItemCaseSensitive(x, key) : NULL;
        path += n + (path[n] == '.');
    }
    return x;
}

int summary_headline_format(char *out, size_t outlen, const cJSON *summary, size_t i)
{
    if (outlen > 0)
        out[0] = '\0';
    const cJSON *x = i < summary_n_headlines() ? summary_lookup(summary, headline_paths[i]) : NULL;
    if (cJSON_IsNull(x))
        return 1;
    if (!cJSON_IsNumber(x))
        return -1;
    snprintf(out, outlen, "%.9g", x->valuedouble);
    return 0;
}

static char *read_all(const char *path, int *errnum)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *errnum = errno;
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len - 1, f);
        if (ferror(f)) {
            *errnum = errno ? errno : EIO;
            free(buf);
            buf = NULL;
            break;
        }
        if (feof(f)) {
            buf[len] = '\0';
            break;
        }
        if (len + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                *errnum = ENOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    if (!buf && *errnum == 0)
        *errnum = ENOMEM;
    fclose(f);
    return buf;
}

int summary_load(cJSON **out, char *err, size_t errlen, const char *run_dir)
{
    *out = NULL;
    char *path = fileout_join(run_dir, "summary.json");
    char *text = NULL;
    cJSON *json = NULL;
    int errnum = 0;
    if (!path) {
        snprintf(err, errlen, "%s/summary.json: out of memory", run_dir);
        goto fail;
    }
    text = read_all(path, &errnum);
    if (!text) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errnum));
        goto fail;
    }
    json = cJSON_Parse(text);
    if (!json) {
        const char *at = cJSON_GetErrorPtr();
        size_t offset = at && at >= text && at <= text + strlen(text) ? (size_t)(at - text) : 0;
        snprintf(err, errlen, "%s: not valid JSON (near byte %zu)", path, offset);
        goto fail;
    }
    if (!cJSON_IsObject(json)) {
        snprintf(err, errlen, "%s: expected a JSON object at the top level", path);
        goto fail;
    }
    for (size_t i = 0; i < summary_n_headlines(); i++) {
        char tmp[64];
        if (summary_headline_format(tmp, sizeof tmp, json, i) < 0) {
            snprintf(err, errlen, "%s: %s: expected a number or null", path, headline_paths[i]);
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
