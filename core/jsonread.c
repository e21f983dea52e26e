/* Strict JSON on top of cJSON. cJSON parses; this file refuses what cJSON
 * accepts but a strict reader must not: one linear pre-scan of the bytes
 * finds NUL and control bytes and nesting beyond the limit (before cJSON's
 * own recursion would), the end of the parse must be followed by
 * whitespace only, and one walk over the tree checks that the keys of
 * each object are distinct (a hash set per object, so linear in the
 * document). Paths in messages are not carried through the getters: a
 * refusal finds the path of the refused value by a search from the root,
 * which costs time only when something is refused. */
#include "jsonread.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EXACT ((double)JSONREAD_MAX_EXACT) /* 2^53 - 1 */
#define PATH_LEN 400
#define PATH_KEY_MAX 64 /* a longer key is shown as its first and last PATH_KEY_END bytes */
#define PATH_KEY_END 30
#define PATH_SEARCH_DEPTH 4096 /* hand-built trees: deeper ones get "?" */

#define JSONREAD_MSG(code, msg) msg,
static const char *const status_messages[] = {JSONREAD_STATUS_MAP(JSONREAD_MSG)};
#undef JSONREAD_MSG

const char *jsonread_status_message(jsonread_status status)
{
    if ((size_t)status >= sizeof status_messages / sizeof status_messages[0])
        return "unknown status";
    return status_messages[status];
}

/* ---- paths ---------------------------------------------------------------- */

struct path {
    char buf[PATH_LEN];
    size_t len; /* saturates at PATH_LEN - 1 */
};

static void path_add(struct path *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void path_add(struct path *p, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(p->buf + p->len, PATH_LEN - p->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        p->len = p->len + (size_t)n < PATH_LEN ? p->len + (size_t)n : PATH_LEN - 1;
}

static int find(struct path *p, const cJSON *at, const cJSON *target, int depth)
{
    if (at == target)
        return 1;
    if (depth > PATH_SEARCH_DEPTH || !(cJSON_IsObject(at) || cJSON_IsArray(at)))
        return 0;
    size_t i = 0;
    for (const cJSON *c = at->child; c != NULL; c = c->next, i++) {
        size_t mark = p->len;
        const char *key = c->string ? c->string : "";
        size_t klen = strlen(key);
        /* A long key keeps its both ends, so the reason after the path
         * still fits in a message. */
        if (cJSON_IsObject(at) && klen > PATH_KEY_MAX)
            path_add(p, "%s%.*s...%s", mark > 0 ? "." : "", PATH_KEY_END, key,
                     key + klen - PATH_KEY_END);
        else if (cJSON_IsObject(at))
            path_add(p, "%s%s", mark > 0 ? "." : "", key);
        else
            path_add(p, "[%zu]", i);
        if (find(p, c, target, depth + 1))
            return 1;
        p->len = mark;
        p->buf[mark] = '\0';
    }
    return 0;
}

void jsonread_path(char *out, size_t outlen, const cJSON *root, const cJSON *node)
{
    struct path p;
    p.len = 0;
    p.buf[0] = '\0';
    if (outlen == 0)
        return;
    if (node == NULL || !find(&p, root, node, 0))
        snprintf(out, outlen, "?");
    else
        snprintf(out, outlen, "%s", p.buf);
}

const char *jsonread_got(char *buf, size_t buflen, const cJSON *v)
{
    if (v == NULL) {
        snprintf(buf, buflen, "nothing");
        return buf;
    }
    /* A number as it was read: a whole one below 1e21 in all its digits,
     * others in the fewest significant digits that read back as it. cJSON
     * stops at 15 digits when they come within an epsilon, which would show
     * 2^53 as 9.00719925474099e+15. */
    if (cJSON_IsNumber(v) && isfinite(v->valuedouble)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 1e21) {
            snprintf(buf, buflen, "%.0f", d);
            return buf;
        }
        for (int digits = 15; digits <= 17; digits++) {
            snprintf(buf, buflen, "%.*g", digits, d);
            if (strtod(buf, NULL) == d)
                break;
        }
        return buf;
    }
    char *s = cJSON_PrintUnformatted(v);
    if (s == NULL)
        snprintf(buf, buflen, "(unprintable)");
    else if (strlen(s) > 40)
        snprintf(buf, buflen, "%.37s...", s);
    else
        snprintf(buf, buflen, "%s", s);
    free(s);
    return buf;
}

/* ---- refusals --------------------------------------------------------------- */

void jsonread_init(jsonread *jr, char *err, size_t errlen, const cJSON *root, const char *name)
{
    jr->root = root;
    jr->name = name;
    jr->err = err;
    jr->errlen = errlen;
    jr->status = JSONREAD_OK;
    if (errlen > 0)
        err[0] = '\0';
}

static jsonread_status vfail(jsonread *jr, jsonread_status status, const char *path,
                             const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));

static jsonread_status vfail(jsonread *jr, jsonread_status status, const char *path,
                             const char *fmt, va_list ap)
{
    if (jr->status != JSONREAD_OK)
        return status;
    jr->status = status;
    if (jr->errlen == 0)
        return status;
    int n = snprintf(jr->err, jr->errlen, "%s%s%s: ", jr->name ? jr->name : "",
                     jr->name ? ": " : "", *path ? path : "(top level)");
    if (n >= 0 && (size_t)n < jr->errlen)
        vsnprintf(jr->err + n, jr->errlen - (size_t)n, fmt, ap);
    return status;
}

jsonread_status jsonread_fail_path(jsonread *jr, jsonread_status status, const char *path,
                                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(jr, status, path, fmt, ap);
    va_end(ap);
    return status;
}

jsonread_status jsonread_fail(jsonread *jr, jsonread_status status, const cJSON *obj,
                              const char *key, const char *fmt, ...)
{
    char path[PATH_LEN];
    if (jr->status != JSONREAD_OK)
        return status;
    if (obj == NULL) {
        snprintf(path, sizeof path, "%s", key ? key : "?");
    } else {
        jsonread_path(path, sizeof path, jr->root, obj);
        if (key != NULL) {
            size_t n = strlen(path);
            snprintf(path + n, sizeof path - n, "%s%s", n > 0 ? "." : "", key);
        }
    }
    va_list ap;
    va_start(ap, fmt);
    vfail(jr, status, path, fmt, ap);
    va_end(ap);
    return status;
}

/* ---- getters ------------------------------------------------------------------ */

const cJSON *jsonread_member(const cJSON *obj, const char *key)
{
    return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

static const cJSON *value_of(const cJSON *obj, const char *key)
{
    return key != NULL ? jsonread_member(obj, key) : obj;
}

static jsonread_status absent(jsonread *jr, const cJSON *obj, const char *key, unsigned flags,
                              const char *what)
{
    if (flags & JSONREAD_REQUIRED)
        return jsonread_fail(jr, JSONREAD_E_MISSING, obj, key, "missing, expected %s", what);
    return JSONREAD_OK;
}

/* The integer text of a string of decimal digits; -1 when it is not one or
 * overflows. */
static int parse_digits(uint64_t *out, const char *s)
{
    if (*s < '0' || *s > '9')
        return -1;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || errno == ERANGE)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

/* Why a whole number beyond 2^53 - 1 is refused when the field's range
 * reaches that far: the text may have named a neighbour (2^53 + 1 reads as
 * 2^53). Empty for any other value. */
static const char *inexact_note(const cJSON *v, double min, double max, unsigned flags)
{
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
        !(v->valuedouble > 0 ? v->valuedouble > MAX_EXACT && max >= MAX_EXACT
                             : v->valuedouble < -MAX_EXACT && min <= -MAX_EXACT))
        return "";
    return (flags & JSONREAD_DIGITS)
               ? " (a JSON number is exact only up to 2^53 - 1, 2^53 + 1 reads as 2^53: give a "
                 "larger integer as a string of digits)"
               : " (a JSON number is exact only up to 2^53 - 1, 2^53 + 1 reads as 2^53)";
}

/* What jsonread_u64 expects, for its messages (formatted only on a refusal:
 * the getters run once per field of every file read). */
static const char *u64_what(char *what, size_t len, const cJSON *v, uint64_t min, uint64_t max,
                            unsigned flags)
{
    uint64_t num_max = max < (uint64_t)MAX_EXACT ? max : (uint64_t)MAX_EXACT;
    if (flags & JSONREAD_DIGITS_ONLY)
        snprintf(what, len,
                 "a string of the decimal digits of an integer in [%" PRIu64 ", %" PRIu64 "]", min,
                 max);
    else if ((flags & JSONREAD_DIGITS) && !cJSON_IsNumber(v))
        snprintf(what, len,
                 "an integer in [%" PRIu64 ", %" PRIu64 "] (a number, or a string of digits)", min,
                 max);
    else
        snprintf(what, len, "an integer in [%" PRIu64 ", %" PRIu64 "]", min, num_max);
    return what;
}

jsonread_status jsonread_u64(jsonread *jr, uint64_t *out, const cJSON *obj, const char *key,
                             uint64_t min, uint64_t max, unsigned flags)
{
    const cJSON *v = value_of(obj, key);
    char what[160], g[64];
    uint64_t num_max = max < (uint64_t)MAX_EXACT ? max : (uint64_t)MAX_EXACT;
    int digits = (flags & (JSONREAD_DIGITS | JSONREAD_DIGITS_ONLY)) != 0;
    jsonread_status bad = JSONREAD_E_TYPE;
    if (v == NULL)
        return (flags & JSONREAD_REQUIRED)
                   ? absent(jr, obj, key, flags, u64_what(what, sizeof what, v, min, max, flags))
                   : JSONREAD_OK;
    if (cJSON_IsString(v) && digits) {
        uint64_t x;
        if (parse_digits(&x, v->valuestring) == 0) {
            if (x >= min && x <= max) {
                *out = x;
                return JSONREAD_OK;
            }
            bad = JSONREAD_E_RANGE;
        }
    } else if (cJSON_IsNumber(v) && !(flags & JSONREAD_DIGITS_ONLY)) {
        double d = v->valuedouble;
        if (d == floor(d) && d >= (double)min && d <= (double)num_max) {
            *out = (uint64_t)d;
            return JSONREAD_OK;
        }
        bad = JSONREAD_E_RANGE;
    }
    return jsonread_fail(
        jr, bad, obj, key, "expected %s, got %s%s", u64_what(what, sizeof what, v, min, max, flags),
        jsonread_got(g, sizeof g, v), inexact_note(v, (double)min, (double)max, flags));
}

jsonread_status jsonread_u32(jsonread *jr, uint32_t *out, const cJSON *obj, const char *key,
                             uint32_t min, uint32_t max, unsigned flags)
{
    uint64_t v = *out;
    jsonread_status st = jsonread_u64(jr, &v, obj, key, min, max, flags);
    if (st == JSONREAD_OK)
        *out = (uint32_t)v;
    return st;
}

jsonread_status jsonread_i64(jsonread *jr, int64_t *out, const cJSON *obj, const char *key,
                             int64_t min, int64_t max, unsigned flags)
{
    const cJSON *v = value_of(obj, key);
    char what[128], g[64];
    int64_t lo = (double)min < -MAX_EXACT ? -(int64_t)MAX_EXACT : min;
    int64_t hi = (double)max > MAX_EXACT ? (int64_t)MAX_EXACT : max;
    if (v != NULL && cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && d >= (double)lo && d <= (double)hi) {
            *out = (int64_t)d;
            return JSONREAD_OK;
        }
    } else if (v == NULL && !(flags & JSONREAD_REQUIRED)) {
        return JSONREAD_OK;
    }
    snprintf(what, sizeof what, "an integer in [%" PRId64 ", %" PRId64 "]", lo, hi);
    if (v == NULL)
        return absent(jr, obj, key, flags, what);
    return jsonread_fail(jr, cJSON_IsNumber(v) ? JSONREAD_E_RANGE : JSONREAD_E_TYPE, obj, key,
                         "expected %s, got %s%s", what, jsonread_got(g, sizeof g, v),
                         inexact_note(v, (double)min, (double)max, 0));
}

jsonread_status jsonread_double(jsonread *jr, double *out, const cJSON *obj, const char *key,
                                double min, double max, unsigned flags)
{
    const cJSON *v = value_of(obj, key);
    char what[128], g[64];
    int open = (flags & JSONREAD_ABOVE_MIN) != 0;
    if (v != NULL && cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if ((open ? d > min : d >= min) && d <= max) {
            *out = d;
            return JSONREAD_OK;
        }
    } else if (v == NULL && !(flags & JSONREAD_REQUIRED)) {
        return JSONREAD_OK;
    }
    snprintf(what, sizeof what, "a number in %c%g, %g]", open ? '(' : '[', min, max);
    if (v == NULL)
        return absent(jr, obj, key, flags, what);
    return jsonread_fail(jr, cJSON_IsNumber(v) ? JSONREAD_E_RANGE : JSONREAD_E_TYPE, obj, key,
                         "expected %s, got %s", what, jsonread_got(g, sizeof g, v));
}

jsonread_status jsonread_bool(jsonread *jr, int *out, const cJSON *obj, const char *key,
                              unsigned flags)
{
    const cJSON *v = value_of(obj, key);
    char g[64];
    if (v == NULL)
        return absent(jr, obj, key, flags, "true or false");
    if (!cJSON_IsBool(v))
        return jsonread_fail(jr, JSONREAD_E_TYPE, obj, key, "expected true or false, got %s",
                             jsonread_got(g, sizeof g, v));
    *out = cJSON_IsTrue(v);
    return JSONREAD_OK;
}

jsonread_status jsonread_string(jsonread *jr, const char **out, const cJSON *obj, const char *key,
                                unsigned flags)
{
    const cJSON *v = value_of(obj, key);
    const char *what = (flags & JSONREAD_NONEMPTY) ? "a non-empty string" : "a string";
    char g[64];
    if (v == NULL)
        return absent(jr, obj, key, flags, what);
    if (!cJSON_IsString(v) || v->valuestring == NULL ||
        ((flags & JSONREAD_NONEMPTY) && v->valuestring[0] == '\0'))
        return jsonread_fail(jr, JSONREAD_E_TYPE, obj, key, "expected %s, got %s", what,
                             jsonread_got(g, sizeof g, v));
    *out = v->valuestring;
    return JSONREAD_OK;
}

jsonread_status jsonread_object(jsonread *jr, const cJSON **out, const cJSON *obj, const char *key,
                                unsigned flags)
{
    const cJSON *v = value_of(obj, key);
    char g[64];
    if (v == NULL) {
        *out = NULL;
        return absent(jr, obj, key, flags, "an object");
    }
    if (!cJSON_IsObject(v))
        return jsonread_fail(jr, JSONREAD_E_TYPE, obj, key, "expected an object, got %s",
                             jsonread_got(g, sizeof g, v));
    *out = v;
    return JSONREAD_OK;
}

jsonread_status jsonread_array(jsonread *jr, const cJSON **out, size_t *n, const cJSON *obj,
                               const char *key, unsigned flags)
{
    const cJSON *v = value_of(obj, key);
    char g[64];
    if (v == NULL) {
        *out = NULL;
        *n = 0;
        return absent(jr, obj, key, flags, "an array");
    }
    if (!cJSON_IsArray(v))
        return jsonread_fail(jr, JSONREAD_E_TYPE, obj, key, "expected an array, got %s",
                             jsonread_got(g, sizeof g, v));
    size_t count = 0;
    for (const cJSON *c = v->child; c != NULL; c = c->next)
        count++;
    *out = v;
    *n = count;
    return JSONREAD_OK;
}

/* ---- allowed keys --------------------------------------------------------------- */

static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), prev[48], cur[48];
    if (la >= 47 || lb >= 47)
        return 99;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof cur);
    }
    return prev[lb];
}

/* The allowed key nearest to key (a typo, or the start of a valid key such
 * as "epoch" for "epoch_slots"), or NULL when none is close. */
static const char *nearest(const char *key, const char *const *allowed)
{
    const char *best = NULL;
    size_t best_d = 3;
    for (const char *const *k = allowed; *k != NULL; k++) {
        size_t d = edit_distance(key, *k);
        if (d != 0 && strncmp(*k, key, strlen(key)) == 0)
            d = 1;
        if (d < best_d) {
            best_d = d;
            best = *k;
        }
    }
    return best;
}

jsonread_status jsonread_only_keys(jsonread *jr, const cJSON *obj, const char *const *allowed)
{
    if (!cJSON_IsObject(obj))
        return JSONREAD_OK;
    /* A key before the first refused one is allowed and distinct, so at most
     * one more key than allowed has is ever compared with its elders. */
    for (const cJSON *it = obj->child; it != NULL; it = it->next) {
        const char *const *k = allowed;
        while (*k != NULL && strcmp(*k, it->string) != 0)
            k++;
        for (const cJSON *prev = obj->child; prev != it; prev = prev->next)
            if (strcmp(prev->string, it->string) == 0)
                return jsonread_fail(jr, JSONREAD_E_DUPLICATE, it, NULL, "key given twice");
        if (*k != NULL)
            continue;
        char list[400] = "";
        for (k = allowed; *k != NULL; k++) {
            size_t n = strlen(list);
            snprintf(list + n, sizeof list - n, "%s%s", n ? ", " : "", *k);
        }
        const char *best = nearest(it->string, allowed);
        if (best != NULL)
            return jsonread_fail(jr, JSONREAD_E_UNKNOWN_KEY, it, NULL,
                                 "unknown key (did you mean \"%s\"?); expected one of: %s", best,
                                 list);
        return jsonread_fail(jr, JSONREAD_E_UNKNOWN_KEY, it, NULL,
                             "unknown key; expected one of: %s", list);
    }
    return JSONREAD_OK;
}

/* ---- parsing -------------------------------------------------------------------- */

/* What the byte scan found: the first NUL, control byte outside a string or
 * opening bracket beyond the depth limit (bad tells which: a NUL or
 * control byte is JSONREAD_E_SYNTAX, the bracket JSONREAD_E_DEPTH), and
 * whether the text ends inside a string, object or array. */
struct scan {
    size_t bad_at; /* SIZE_MAX: nothing */
    jsonread_status bad;
    int open_at_end;
    int in_string_at_end;
    size_t string_open_at; /* the last opening quote */
    int bad_in_string;     /* the problem is inside the string opened there */
};

static void scan_bytes(struct scan *s, const char *text, size_t len)
{
    size_t depth = 0;
    int in_string = 0, escaped = 0;
    s->bad_at = SIZE_MAX;
    s->open_at_end = 0;
    s->in_string_at_end = 0;
    s->string_open_at = 0;
    s->bad_in_string = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        jsonread_status bad = JSONREAD_OK;
        if (ch == 0) {
            bad = JSONREAD_E_SYNTAX;
        } else if (in_string) {
            if (escaped)
                escaped = 0;
            else if (ch == '\\')
                escaped = 1;
            else if (ch == '"')
                in_string = 0;
        } else if (ch == '"') {
            in_string = 1;
            s->string_open_at = i;
        } else if (ch == '{' || ch == '[') {
            if (++depth > JSONREAD_MAX_DEPTH)
                bad = JSONREAD_E_DEPTH;
        } else if (ch == '}' || ch == ']') {
            depth -= depth > 0;
        } else if (ch < 0x20 && ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r') {
            bad = JSONREAD_E_SYNTAX;
        }
        if (bad != JSONREAD_OK) {
            s->bad_at = i;
            s->bad = bad;
            s->bad_in_string = in_string;
            return;
        }
    }
    s->open_at_end = in_string || depth > 0;
    s->in_string_at_end = in_string;
}

static int is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static jsonread_status fail_at(char *err, size_t errlen, const char *name, const char *text,
                               size_t at, jsonread_status status, const char *what,
                               const char *hint)
{
    size_t line = 1, line_start = 0;
    for (size_t i = 0; i < at; i++)
        if (text[i] == '\n') {
            line++;
            line_start = i + 1;
        }
    if (errlen > 0)
        snprintf(err, errlen, "%s%sline %zu column %zu: %s%s", name ? name : "", name ? ": " : "",
                 line, at - line_start + 1, what, hint);
    return status;
}

/* What a refusal found at byte at of the len bytes at text, for the
 * message: a character, a byte that is not text (with its offset: lines
 * and columns mean little in a binary file), or the end of the text. */
static const char *found_at(char *buf, size_t buflen, const char *text, size_t len, size_t at)
{
    if (at >= len) {
        snprintf(buf, buflen, len == 0 ? ": the text is empty" : ": found the end of the text");
        return buf;
    }
    unsigned char ch = (unsigned char)text[at];
    if (ch > 0x20 && ch < 0x7f)
        snprintf(buf, buflen, ": found '%c'", ch);
    else
        snprintf(buf, buflen, ": found byte 0x%02X at offset %zu, which is not JSON text", ch, at);
    return buf;
}
/* Keys of one object seen so far: open addressing over a power-of-two
 * table, reused from object to object. */
struct keyset {
    const char **slot;
    size_t cap;
};

static uint64_t hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The first member of obj whose key an earlier member has, or NULL. */
static const cJSON *repeated_key(struct keyset *ks, const cJSON *obj, int *nomem)
{
    size_t n = 0;
    for (const cJSON *c = obj->child; c != NULL; c = c->next)
        n++;
    if (n <= 8) {
        for (const cJSON *c = obj->child; c != NULL; c = c->next)
            for (const cJSON *p = obj->child; p != c; p = p->next)
                if (strcmp(p->string, c->string) == 0)
                    return c;
        return NULL;
    }
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    if (cap > ks->cap) {
        free(ks->slot);
        ks->slot = malloc(cap * sizeof *ks->slot);
        ks->cap = ks->slot != NULL ? cap : 0;
        if (ks->slot == NULL) {
            *nomem = 1;
            return NULL;
        }
    }
    memset(ks->slot, 0, cap * sizeof *ks->slot);
    for (const cJSON *c = obj->child; c != NULL; c = c->next) {
        size_t i = (size_t)hash_key(c->string) & (cap - 1);
        while (ks->slot[i] != NULL) {
            if (strcmp(ks->slot[i], c->string) == 0)
                return c;
            i = (i + 1) & (cap - 1);
        }
        ks->slot[i] = c->string;
    }
    return NULL;
}

/* The first repeated key in document order (depth first), or NULL. The
 * depth of the tree is at most JSONREAD_MAX_DEPTH (the scan checked). */
static const cJSON *find_repeated(struct keyset *ks, const cJSON *v, int *nomem)
{
    if (cJSON_IsObject(v)) {
        const cJSON *r = repeated_key(ks, v, nomem);
        if (r != NULL || *nomem)
            return r;
    }
    if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
        return NULL;
    for (const cJSON *c = v->child; c != NULL; c = c->next) {
        const cJSON *r = find_repeated(ks, c, nomem);
        if (r != NULL || *nomem)
            return r;
    }
    return NULL;
}

jsonread_status jsonread_parse(cJSON **out, char *err, size_t errlen, const char *text, size_t len,
                               const char *name)
{
    struct scan s;
    const char *end = NULL;
    char what[160];
    *out = NULL;
    if (errlen > 0)
        err[0] = '\0';
    scan_bytes(&s, text, len);
    /* cJSON stops at its own nesting limit (1000), so its recursion stays
     * bounded. It reads the bytes up to and including a problem the scan
     * found, no further: it skips NUL and control bytes as whitespace, so a
     * file of zeros would be read to its end. A text cut short fails in
     * cJSON at its last byte, or just after the quote of a string left
     * open: the scan's problem counts unless cJSON failed before it. */
    size_t parse_len = s.bad_at != SIZE_MAX ? s.bad_at + 1 : len;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, parse_len, &end, 0);
    size_t at =
        end != NULL && end >= text && end <= text + parse_len ? (size_t)(end - text) : parse_len;
    if (s.bad_at != SIZE_MAX &&
        (doc != NULL || s.bad_at <= at || (s.bad_in_string && at == s.string_open_at + 1))) {
        cJSON_Delete(doc);
        if (s.bad == JSONREAD_E_DEPTH)
            snprintf(what, sizeof what,
                     "objects and arrays nested deeper than the limit of %d levels",
                     JSONREAD_MAX_DEPTH);
        else if (text[s.bad_at] == '\0')
            snprintf(what, sizeof what,
                     "not valid JSON (a NUL byte at offset %zu: not a text file)", s.bad_at);
        else
            snprintf(what, sizeof what,
                     "not valid JSON (a control character outside a string: byte 0x%02X at "
                     "offset %zu)",
                     (unsigned char)text[s.bad_at], s.bad_at);
        return fail_at(err, errlen, name, text, s.bad_at, s.bad, what, "");
    }
    if (doc == NULL) {
        size_t trimmed = len;
        while (trimmed > 0 && is_space(text[trimmed - 1]))
            trimmed--;
        /* cJSON fails an unterminated string just after its quote, and
         * anything else that ends too early at the last byte. */
        int truncated = (s.in_string_at_end && at <= s.string_open_at + 1) ||
                        (s.open_at_end && at + 1 >= trimmed);
        if (truncated)
            return fail_at(err, errlen, name, text, at, JSONREAD_E_SYNTAX, "not valid JSON",
                           " (the text ends inside an object, array or string: truncated?)");
        return fail_at(err, errlen, name, text, at, JSONREAD_E_SYNTAX, "not valid JSON",
                       found_at(what, sizeof what, text, trimmed, at));
    }
    while (at < len && is_space(text[at]))
        at++;
    if (at < len) {
        cJSON_Delete(doc);
        return fail_at(err, errlen, name, text, at, JSONREAD_E_TRAILING,
                       "not valid JSON: more after the end of the document", "");
    }
    struct keyset ks = {NULL, 0};
    int nomem = 0;
    const cJSON *rep = find_repeated(&ks, doc, &nomem);
    free(ks.slot);
    if (rep != NULL || nomem) {
        jsonread jr;
        jsonread_init(&jr, err, errlen, doc, name);
        if (nomem)
            jsonread_fail_path(&jr, JSONREAD_E_NOMEM, "", "out of memory");
        else
            jsonread_fail(&jr, JSONREAD_E_DUPLICATE, rep, NULL, "key given twice");
        cJSON_Delete(doc);
        return jr.status;
    }
    *out = doc;
    return JSONREAD_OK;
}
