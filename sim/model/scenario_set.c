/* --set overrides (scenario_set): one PATH=VALUE assignment applied to a
 * scenario's JSON before it is read, walking keys and [N] indexes, creating
 * missing objects on the way. The value is JSON when it parses as one
 * document, else a string. */
#include "jsonread.h"
#include "scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One assignment being applied: its text, the value still to place (NULL
 * once placed) and where a refusal goes. */
struct set_walk {
    const char *assignment;
    cJSON *val;
    char *err;
    size_t errlen;
};

static scenario_status set_fail(struct set_walk *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The assignment as quoted in a message: a long one keeps its first and
 * last bytes around "...", so the reason after it is never cut. */
#define QUOTE_MAX 120
#define QUOTE_END 50

static scenario_status set_fail(struct set_walk *w, const char *fmt, ...)
{
    char what[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    size_t len = strlen(w->assignment);
    if (w->errlen > 0 && len > QUOTE_MAX)
        snprintf(w->err, w->errlen, "--set '%.*s...%s' (%zu bytes): %s", QUOTE_END, w->assignment,
                 w->assignment + len - QUOTE_END, len, what);
    else if (w->errlen > 0)
        snprintf(w->err, w->errlen, "--set '%s': %s", w->assignment, what);
    return SCENARIO_ERR_OVERRIDE;
}

/* The value: JSON when the whole text is one JSON document (so "5m" does
 * not become the number 5), else the text as a string. JSON that the strict
 * reader refuses for more than its syntax (a repeated key, deep nesting)
 * is an error, not a string. */
static scenario_status set_value(struct set_walk *w, const char *value)
{
    char why[300];
    jsonread_status js = jsonread_parse(&w->val, why, sizeof why, value, strlen(value), NULL);
    if (js == JSONREAD_E_SYNTAX || js == JSONREAD_E_TRAILING)
        w->val = cJSON_CreateString(value);
    else if (js != JSONREAD_OK && js != JSONREAD_E_NOMEM)
        return set_fail(w, "the value: %s", why);
    return w->val != NULL ? SCENARIO_OK : SCENARIO_ERR_NOMEM;
}

/* key as quoted in a message: a long one keeps both ends around "...". */
static const char *short_key(char *buf, size_t buflen, const char *key)
{
    size_t len = strlen(key);
    if (len > 60)
        snprintf(buf, buflen, "%.25s...%s", key, key + len - 25);
    else
        snprintf(buf, buflen, "%s", key);
    return buf;
}

/* The key step for key (cut from the path), followed in the path by sep. */
static scenario_status set_key_at(struct set_walk *w, cJSON **cur, const char *keybuf, char sep)
{
    char k[64];
    if (!cJSON_IsObject(*cur))
        return set_fail(w, "cannot set key \"%s\": its parent is not an object",
                        short_key(k, sizeof k, keybuf));
    cJSON *next = cJSON_GetObjectItemCaseSensitive(*cur, keybuf);
    if (sep == '\0') {
        if (next != NULL)
            cJSON_ReplaceItemInObjectCaseSensitive(*cur, keybuf, w->val);
        else
            cJSON_AddItemToObject(*cur, keybuf, w->val);
        w->val = NULL;
        return SCENARIO_OK;
    }
    if (next == NULL) {
        if (sep == '[')
            return set_fail(w, "\"%s\" does not exist, so it has no index",
                            short_key(k, sizeof k, keybuf));
        next = cJSON_AddObjectToObject(*cur, keybuf);
        if (next == NULL)
            return SCENARIO_ERR_NOMEM;
    }
    *cur = next;
    return SCENARIO_OK;
}

/* A key step at *p: the key up to '.', '[' or the end. The last key of the
 * path receives the value; a missing object on the way is created. */
static scenario_status set_key(struct set_walk *w, cJSON **cur, char **p)
{
    size_t klen = strcspn(*p, ".[");
    if (klen == 0)
        return set_fail(w, "empty key in the path");
    /* The key in place: the path is the caller's copy, and the byte after
     * the key is restored before the next step reads it. */
    char *keybuf = *p, sep = (*p)[klen];
    (*p)[klen] = '\0';
    *p += klen;
    scenario_status st = set_key_at(w, cur, keybuf, sep);
    **p = sep;
    return st;
}

/* Any number of [N] steps at *p. An index equal to the array's size
 * appends, when it ends the path. */
static scenario_status set_indexes(struct set_walk *w, cJSON **cur, char **p)
{
    while (**p == '[') {
        char *end;
        errno = 0;
        unsigned long idx = strtoul(*p + 1, &end, 10);
        if (end == *p + 1 || *end != ']' || (*p)[1] == '-' || (*p)[1] == '+')
            return set_fail(w, "expected [N] with N a non-negative index");
        *p = end + 1;
        if (!cJSON_IsArray(*cur))
            return set_fail(w, "index [%lu] used on something that is not an array", idx);
        size_t size = (size_t)cJSON_GetArraySize(*cur);
        if (idx > size || (idx == size && **p != '\0'))
            return set_fail(w, "index [%lu] is out of range (array has %zu items)", idx, size);
        if (**p == '\0') {
            if (idx == size)
                cJSON_AddItemToArray(*cur, w->val);
            else
                cJSON_ReplaceItemInArray(*cur, (int)idx, w->val);
            w->val = NULL;
            return SCENARIO_OK;
        }
        *cur = cJSON_GetArrayItem(*cur, (int)idx);
    }
    return SCENARIO_OK;
}

scenario_status scenario_set(cJSON *json, const char *assignment, char *err, size_t errlen)
{
    struct set_walk w = {assignment, NULL, err, errlen};
    const char *eq = strchr(assignment, '=');
    if (errlen > 0)
        err[0] = '\0';
    if (eq == NULL || eq == assignment)
        return set_fail(&w, "expected PATH=VALUE, like network.loss=0.01");
    if (!cJSON_IsObject(json))
        return set_fail(&w, "the scenario is not a JSON object");
    char *path = strndup(assignment, (size_t)(eq - assignment));
    if (path == NULL)
        return SCENARIO_ERR_NOMEM;
    scenario_status st = set_value(&w, eq + 1);
    cJSON *cur = json;
    /* Each step: a key, then any number of [N], until the value is placed. */
    for (char *p = path; st == SCENARIO_OK && w.val != NULL;) {
        st = set_key(&w, &cur, &p);
        if (st == SCENARIO_OK && w.val != NULL)
            st = set_indexes(&w, &cur, &p);
        if (st != SCENARIO_OK || w.val == NULL)
            break;
        if (*p == '.')
            p++;
        if (*p == '\0')
            st = set_fail(&w, "the path ends with '.'");
    }
    cJSON_Delete(w.val);
    free(path);
    return st;
}
