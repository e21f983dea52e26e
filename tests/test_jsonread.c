/* jsonread: every refusal of the strict parser (syntax, trailing bytes,
 * NUL and control bytes, nesting, repeated keys) with its line and column or
 * path and its code; the getters' types, ranges, optional and required
 * members, and the JSON paths they name. */
#include "jsonread.h"
#include "testutil.h"

#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static jsonread_status parse(cJSON **doc, char *err, size_t errlen, const char *text)
{
    return jsonread_parse(doc, err, errlen, text, strlen(text), "t.json");
}

START_TEST(parses_valid_documents)
{
    static const char *const good[] = {
        "{}",
        " [1, 2, {\"a\": null}] \n",
        "\"text\"",
        "{\"a\":{\"a\":{\"a\":1}}}",
        "0",
        "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6,\"g\":7,\"h\":8,\"i\":9,\"j\":10}",
        "\xEF\xBB\xBF{\"bom\": true}",
        "{\"tab\\tin\": \"a string\"}\r\n"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        cJSON *doc = NULL;
        char err[256];
        ck_assert_msg(parse(&doc, err, sizeof err, good[i]) == JSONREAD_OK, "%s: %s", good[i], err);
        ck_assert_ptr_nonnull(doc);
        ck_assert_str_eq(err, "");
        cJSON_Delete(doc);
    }
}
END_TEST

/* Each refusal: its code and the exact message. */
static const struct bad_doc {
    const char *text;
    size_t len; /* 0: strlen */
    jsonread_status status;
    const char *message;
} bad_docs[] = {
    {"", 0, JSONREAD_E_SYNTAX, "t.json: line 1 column 1: not valid JSON: the text is empty"},
    {" \n", 0, JSONREAD_E_SYNTAX, "t.json: line 1 column 2: not valid JSON: the text is empty"},
    {"{\"a\": 1,\n \"b\": tru}", 0, JSONREAD_E_SYNTAX,
     "t.json: line 2 column 7: not valid JSON: found 't'"},
    {"{\"a\": [1, 2", 0, JSONREAD_E_SYNTAX,
     "t.json: line 1 column 11: not valid JSON (the text ends inside an object, array or "
     "string: truncated?)"},
    {"{\"a\": \"unfinished", 0, JSONREAD_E_SYNTAX,
     "t.json: line 1 column 8: not valid JSON (the text ends inside an object, array or "
     "string: truncated?)"},
    {"{\"a\": 1} x", 0, JSONREAD_E_TRAILING,
     "t.json: line 1 column 10: not valid JSON: more after the end of the document"},
    {"{\"a\": 1}\n{\"b\": 2}\n", 0, JSONREAD_E_TRAILING,
     "t.json: line 2 column 1: not valid JSON: more after the end of the document"},
    {"[1]\n\n  ]", 0, JSONREAD_E_TRAILING,
     "t.json: line 3 column 3: not valid JSON: more after the end of the document"},
    {"{\"a\": \"x\0y\"}", 12, JSONREAD_E_SYNTAX,
     "t.json: line 1 column 9: not valid JSON (a NUL byte at offset 8: not a text file)"},
    {"\0\0\0\0", 4, JSONREAD_E_SYNTAX,
     "t.json: line 1 column 1: not valid JSON (a NUL byte at offset 0: not a text file)"},
    {"{\"a\":\x01 1}", 0, JSONREAD_E_SYNTAX,
     "t.json: line 1 column 6: not valid JSON (a control character outside a string: byte 0x01 at "
     "offset 5)"},
    /* Bytes that are not text: the byte and its offset, not just a column. */
    {"\x8f\x02\xc3", 0, JSONREAD_E_SYNTAX,
     "t.json: line 1 column 1: not valid JSON: found byte 0x8F at offset 0, which is not JSON "
     "text"},
    {"{\"a\": 1,\n \"b\": \xff}", 0, JSONREAD_E_SYNTAX,
     "t.json: line 2 column 7: not valid JSON: found byte 0xFF at offset 15, which is not JSON "
     "text"},
    {"{\"a\": x}", 0, JSONREAD_E_SYNTAX, "t.json: line 1 column 7: not valid JSON: found 'x'"},
    /* A syntax error before a NUL is reported as itself; a NUL before any
     * error, as the NUL. */
    {"[1, x\0", 6, JSONREAD_E_SYNTAX, "t.json: line 1 column 5: not valid JSON: found 'x'"},
    {"{\"a\": 1\0\0", 9, JSONREAD_E_SYNTAX,
     "t.json: line 1 column 8: not valid JSON (a NUL byte at offset 7: not a text file)"},
    {"{\"a\": 1, \"a\": 2}", 0, JSONREAD_E_DUPLICATE, "t.json: a: key given twice"},
    {"{\"x\": [{}, {\"b\": {\"c\": 1, \"c\": 1}}]}", 0, JSONREAD_E_DUPLICATE,
     "t.json: x[1].b.c: key given twice"},
    {"{\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,\"k9\":9,\"k3\":0}",
     0, JSONREAD_E_DUPLICATE, "t.json: k3: key given twice"},
};

START_TEST(refuses_bad_documents)
{
    const struct bad_doc *b = &bad_docs[_i];
    cJSON *doc = (cJSON *)1;
    char err[256];
    size_t len = b->len ? b->len : strlen(b->text);
    jsonread_status st = jsonread_parse(&doc, err, sizeof err, b->text, len, "t.json");
    ck_assert_msg(st == b->status, "case %d: got %s (%s)", _i, jsonread_status_message(st), err);
    ck_assert_ptr_null(doc);
    ck_assert_str_eq(err, b->message);
}
END_TEST

static char *nested(size_t depth)
{
    char *t = malloc(2 * depth + 1);
    ck_assert_ptr_nonnull(t);
    for (size_t i = 0; i < depth; i++) {
        t[i] = '[';
        t[2 * depth - 1 - i] = ']';
    }
    t[2 * depth] = '\0';
    return t;
}

START_TEST(nesting_has_its_own_limit_and_message)
{
    cJSON *doc;
    char err[256];
    char *ok = nested(JSONREAD_MAX_DEPTH);
    ck_assert_int_eq(parse(&doc, err, sizeof err, ok), JSONREAD_OK);
    cJSON_Delete(doc);
    free(ok);
    char *deep = nested(JSONREAD_MAX_DEPTH + 1);
    ck_assert_int_eq(parse(&doc, err, sizeof err, deep), JSONREAD_E_DEPTH);
    ck_assert_str_eq(err, "t.json: line 1 column 129: objects and arrays nested deeper than the "
                          "limit of 128 levels");
    free(deep);
    /* Far beyond cJSON's own limit (1000): still the depth message. */
    char *deeper = nested(5000);
    ck_assert_int_eq(parse(&doc, err, sizeof err, deeper), JSONREAD_E_DEPTH);
    ck_assert_ptr_nonnull(strstr(err, "nested deeper than the limit"));
    free(deeper);
    /* Brackets inside strings do not count; a syntax error before the
     * depth is exceeded is reported as what it is. */
    ck_assert_int_eq(parse(&doc, err, sizeof err, "[\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"]"),
                     JSONREAD_OK);
    cJSON_Delete(doc);
    char *late = nested(300);
    late[0] = 'x';
    ck_assert_int_eq(parse(&doc, err, sizeof err, late), JSONREAD_E_SYNTAX);
    ck_assert_ptr_nonnull(strstr(err, "line 1 column 1: not valid JSON"));
    free(late);
}
END_TEST

START_TEST(repeated_keys_in_a_large_object)
{
    /* 100,000 distinct keys, then one repeated: found, and fast. */
    size_t n = 100000, cap = n * 16 + 64, len = 0;
    char *t = malloc(cap);
    ck_assert_ptr_nonnull(t);
    t[len++] = '{';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(t + len, cap - len, "%s\"k%zu\":%zu", i ? "," : "", i, i);
    cJSON *doc;
    char err[256];
    memcpy(t + len, "}", 2);
    ck_assert_int_eq(jsonread_parse(&doc, err, sizeof err, t, len + 1, NULL), JSONREAD_OK);
    cJSON_Delete(doc);
    len += (size_t)snprintf(t + len, cap - len, ",\"k77777\":0}");
    ck_assert_int_eq(jsonread_parse(&doc, err, sizeof err, t, len, NULL), JSONREAD_E_DUPLICATE);
    ck_assert_str_eq(err, "k77777: key given twice"); /* no name: no prefix */
    free(t);
}
END_TEST

START_TEST(messages_fit_small_buffers)
{
    cJSON *doc;
    char err[8];
    ck_assert_int_eq(parse(&doc, err, sizeof err, "{\"a\":1,\"a\":1}"), JSONREAD_E_DUPLICATE);
    ck_assert_uint_eq(strlen(err), 7);
    ck_assert_int_eq(jsonread_parse(&doc, NULL, 0, "[", 1, "t"), JSONREAD_E_SYNTAX);
    ck_assert_str_eq(jsonread_status_message(JSONREAD_E_DEPTH), "nested too deeply");
    ck_assert_str_eq(jsonread_status_message((jsonread_status)99), "unknown status");
}
END_TEST

static const char doc_text[] =
    "{\"name\": \"x\", \"count\": 7, \"big\": 9007199254740994, \"neg\": -3, \"frac\": 1.5,"
    " \"seed\": \"18446744073709551615\", \"flag\": true, \"nil\": null,"
    " \"network\": {\"latency\": {\"min\": \"5ms\", \"max\": 0}},"
    " \"events\": [{}, {}, {}, {\"at\": 1, \"groups\": [[1, 2], [3, \"four\"]]}]}";

/* Parses doc_text and prepares a context on it. */
static cJSON *open_doc(jsonread *jr, char *err, size_t errlen)
{
    cJSON *doc;
    ck_assert_int_eq(jsonread_parse(&doc, err, errlen, doc_text, strlen(doc_text), "t.json"),
                     JSONREAD_OK);
    jsonread_init(jr, err, errlen, doc, "t.json");
    return doc;
}

START_TEST(getters_read_values)
{
    jsonread jr;
    char err[300];
    cJSON *doc = open_doc(&jr, err, sizeof err);
    const char *s = NULL;
    uint64_t u = 0;
    uint32_t u32 = 0;
    int64_t i = 0;
    double d = 0;
    int b = 0;
    const cJSON *o = NULL, *a = NULL;
    size_t n = 0;
    ck_assert_int_eq(jsonread_string(&jr, &s, doc, "name", JSONREAD_REQUIRED), JSONREAD_OK);
    ck_assert_str_eq(s, "x");
    ck_assert_int_eq(jsonread_u64(&jr, &u, doc, "count", 0, 10, JSONREAD_REQUIRED), JSONREAD_OK);
    ck_assert_uint_eq(u, 7);
    ck_assert_int_eq(jsonread_u32(&jr, &u32, doc, "count", 7, 7, JSONREAD_REQUIRED), JSONREAD_OK);
    ck_assert_uint_eq(u32, 7);
    ck_assert_int_eq(jsonread_i64(&jr, &i, doc, "neg", -3, 0, JSONREAD_REQUIRED), JSONREAD_OK);
    ck_assert_int_eq(i, -3);
    ck_assert_int_eq(jsonread_double(&jr, &d, doc, "frac", 1, 2, JSONREAD_ABOVE_MIN), JSONREAD_OK);
    ck_assert(d == 1.5);
    ck_assert_int_eq(jsonread_bool(&jr, &b, doc, "flag", JSONREAD_REQUIRED), JSONREAD_OK);
    ck_assert_int_eq(b, 1);
    ck_assert_int_eq(jsonread_u64(&jr, &u, doc, "seed", 0, UINT64_MAX, JSONREAD_DIGITS),
                     JSONREAD_OK);
    ck_assert_uint_eq(u, UINT64_MAX);
    ck_assert_int_eq(jsonread_u64(&jr, &u, doc, "count", 0, UINT64_MAX, JSONREAD_DIGITS),
                     JSONREAD_OK);
    ck_assert_uint_eq(u, 7);
    ck_assert_int_eq(jsonread_object(&jr, &o, doc, "network", JSONREAD_REQUIRED), JSONREAD_OK);
    ck_assert_ptr_eq(o, jsonread_member(doc, "network"));
    ck_assert_int_eq(jsonread_array(&jr, &a, &n, doc, "events", JSONREAD_REQUIRED), JSONREAD_OK);
    ck_assert_uint_eq(n, 4);
    /* key NULL: the value itself. */
    ck_assert_int_eq(jsonread_u64(&jr, &u, cJSON_GetArrayItem(a, 3), "at", 1, 1, 0), JSONREAD_OK);
    const cJSON *groups = jsonread_member(cJSON_GetArrayItem(a, 3), "groups");
    ck_assert_int_eq(jsonread_u32(&jr, &u32, groups->child->child, NULL, 1, 9, 0), JSONREAD_OK);
    ck_assert_uint_eq(u32, 1);
    /* Absent and optional: the output is untouched (the default stays). */
    u = 42;
    s = "dflt";
    ck_assert_int_eq(jsonread_u64(&jr, &u, doc, "nope", 0, 9, JSONREAD_OPTIONAL), JSONREAD_OK);
    ck_assert_int_eq(jsonread_string(&jr, &s, NULL, "nope", JSONREAD_OPTIONAL), JSONREAD_OK);
    ck_assert_uint_eq(u, 42);
    ck_assert_str_eq(s, "dflt");
    o = doc;
    ck_assert_int_eq(jsonread_object(&jr, &o, doc, "nope", 0), JSONREAD_OK);
    ck_assert_ptr_null(o);
    ck_assert_ptr_null(jsonread_member(doc, "nope"));
    ck_assert_ptr_null(jsonread_member(a, "events"));
    ck_assert_ptr_nonnull(jsonread_member(doc, "nil")); /* null is a member */
    ck_assert_int_eq(jsonread_only_keys(&jr, o, NULL), JSONREAD_OK);
    static const char *const keys[] = {"latency", NULL};
    ck_assert_int_eq(jsonread_only_keys(&jr, jsonread_member(doc, "network"), keys), JSONREAD_OK);
    ck_assert_int_eq(jr.status, JSONREAD_OK);
    ck_assert_str_eq(err, "");
    cJSON_Delete(doc);
}
END_TEST

/* Numbers no double-to-integer conversion may see: every integer getter,
 * even with the widest range it takes, refuses them (JSONREAD_E_RANGE with
 * the value) and leaves its output as it was; the double getter refuses
 * what is outside its range, infinities included, and NaN (which a tree
 * built by hand can hold). */
START_TEST(extreme_numbers_are_refused_not_converted)
{
    static const char *const texts[] = {
        "1e300", "-1e300", "-9223372036854775808", "9223372036854775808", "18446744073709551616",
        "1e999", "-1e999", "9007199254740994",     "-9007199254740994",   "0.5"};
    char err[300];
    jsonread jr;
    for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++) {
        char text[80];
        snprintf(text, sizeof text, "{\"height\": %s}", texts[k]);
        cJSON *doc = NULL;
        ck_assert_int_eq(jsonread_parse(&doc, err, sizeof err, text, strlen(text), "c.json"),
                         JSONREAD_OK);
        uint64_t u = 11;
        uint32_t u32 = 12;
        int64_t i = 13;
        double d = 14;
        jsonread_init(&jr, err, sizeof err, doc, "c.json");
        ck_assert_int_eq(jsonread_u64(&jr, &u, doc, "height", 0, UINT64_MAX, JSONREAD_DIGITS),
                         JSONREAD_E_RANGE);
        ck_assert_msg(strncmp(err, "c.json: height: expected an integer in [0, ", 43) == 0, "%s",
                      err);
        jsonread_init(&jr, err, sizeof err, doc, "c.json");
        ck_assert_int_eq(jsonread_u32(&jr, &u32, doc, "height", 0, UINT32_MAX, 0),
                         JSONREAD_E_RANGE);
        jsonread_init(&jr, err, sizeof err, doc, "c.json");
        ck_assert_int_eq(jsonread_i64(&jr, &i, doc, "height", INT64_MIN, INT64_MAX, 0),
                         JSONREAD_E_RANGE);
        ck_assert_msg(strstr(err, "c.json: height: expected an integer in [-9007199254740991, "
                                  "9007199254740991], got ") != NULL,
                      "%s", err);
        jsonread_init(&jr, err, sizeof err, doc, "c.json");
        if (strcmp(texts[k], "0.5") != 0)
            ck_assert_int_eq(jsonread_double(&jr, &d, doc, "height", -1e15, 1e15, 0),
                             JSONREAD_E_RANGE);
        ck_assert_uint_eq(u, 11);
        ck_assert_uint_eq(u32, 12);
        ck_assert_int_eq(i, 13);
        ck_assert(d == 14);
        cJSON_Delete(doc);
    }
    /* NaN in a hand-built tree: refused by every numeric getter. */
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "x", NAN);
    uint64_t u = 1;
    int64_t i = 1;
    double d = 1;
    jsonread_init(&jr, err, sizeof err, doc, NULL);
    ck_assert_int_eq(jsonread_u64(&jr, &u, doc, "x", 0, UINT64_MAX, 0), JSONREAD_E_RANGE);
    jsonread_init(&jr, err, sizeof err, doc, NULL);
    ck_assert_int_eq(jsonread_i64(&jr, &i, doc, "x", INT64_MIN, INT64_MAX, 0), JSONREAD_E_RANGE);
    jsonread_init(&jr, err, sizeof err, doc, NULL);
    ck_assert_int_eq(jsonread_double(&jr, &d, doc, "x", -INFINITY, INFINITY, 0), JSONREAD_E_RANGE);
    ck_assert_uint_eq(u, 1);
    ck_assert_int_eq(i, 1);
    ck_assert(d == 1);
    /* The edges that are exact: 2^53 - 1 and -(2^53 - 1) are read. */
    cJSON_Delete(doc);
    static const char edge[] = "{\"a\": 9007199254740991, \"b\": -9007199254740991}";
    ck_assert_int_eq(jsonread_parse(&doc, err, sizeof err, edge, strlen(edge), NULL), JSONREAD_OK);
    jsonread_init(&jr, err, sizeof err, doc, NULL);
    ck_assert_int_eq(jsonread_u64(&jr, &u, doc, "a", 0, UINT64_MAX, 0), JSONREAD_OK);
    ck_assert_uint_eq(u, JSONREAD_MAX_EXACT);
    ck_assert_int_eq(jsonread_i64(&jr, &i, doc, "b", INT64_MIN, INT64_MAX, 0), JSONREAD_OK);
    ck_assert_int_eq(i, -(int64_t)JSONREAD_MAX_EXACT);
    cJSON_Delete(doc);
}
END_TEST

/* 2^53 + 1 reads as 2^53, so from 2^53 on an integer is refused, not
 * taken as a neighbour: by every integer getter whose range reaches that
 * far, with a message that says why and shows the number in all its
 * digits; 2^53 - 1 is the last accepted. Within a smaller range the range
 * alone is the reason. */
START_TEST(integers_beyond_exact_doubles_are_refused)
{
    static const char text[] = "{\"p\": 9007199254740993, \"q\": 9007199254740992, \"n\": "
                               "-9007199254740993, \"ok\": 9007199254740991}";
    static const char why[] =
        "(a JSON number is exact only up to 2^53 - 1, 2^53 + 1 reads as 2^53)";
    char err[400], want[400];
    cJSON *doc = NULL;
    ck_assert_int_eq(jsonread_parse(&doc, err, sizeof err, text, strlen(text), "b.json"),
                     JSONREAD_OK);
    jsonread jr;
    uint64_t u = 5;
    int64_t i = 6;
    static const char *const big[] = {"p", "q"};
    for (size_t k = 0; k < 2; k++) {
        jsonread_init(&jr, err, sizeof err, doc, "b.json");
        ck_assert_int_eq(jsonread_u64(&jr, &u, doc, big[k], 0, UINT64_MAX, 0), JSONREAD_E_RANGE);
        snprintf(
            want, sizeof want,
            "b.json: %s: expected an integer in [0, 9007199254740991], got 9007199254740992 %s",
            big[k], why);
        ck_assert_str_eq(err, want);
        jsonread_init(&jr, err, sizeof err, doc, "b.json");
        ck_assert_int_eq(jsonread_i64(&jr, &i, doc, big[k], INT64_MIN, INT64_MAX, 0),
                         JSONREAD_E_RANGE);
        ck_assert_msg(strstr(err, why) != NULL, "%s", err);
    }
    jsonread_init(&jr, err, sizeof err, doc, "b.json");
    ck_assert_int_eq(jsonread_i64(&jr, &i, doc, "n", INT64_MIN, 0, 0), JSONREAD_E_RANGE);
    ck_assert_str_eq(err, "b.json: n: expected an integer in [-9007199254740991, 0], got "
                          "-9007199254740992 (a JSON number is exact only up to 2^53 - 1, 2^53 + "
                          "1 reads as 2^53)");
    /* A range that ends below 2^53 - 1 is reason enough: no note. */
    jsonread_init(&jr, err, sizeof err, doc, "b.json");
    ck_assert_int_eq(jsonread_u64(&jr, &u, doc, "p", 0, 1000, 0), JSONREAD_E_RANGE);
    ck_assert_str_eq(err, "b.json: p: expected an integer in [0, 1000], got 9007199254740992");
    jsonread_init(&jr, err, sizeof err, doc, "b.json");
    ck_assert_int_eq(jsonread_i64(&jr, &i, doc, "n", 0, INT64_MAX, 0), JSONREAD_E_RANGE);
    ck_assert_msg(strstr(err, "2^53 + 1") == NULL, "%s", err);
    ck_assert_uint_eq(u, 5);
    ck_assert_int_eq(i, 6);
    jsonread_init(&jr, err, sizeof err, doc, "b.json");
    ck_assert_int_eq(jsonread_u64(&jr, &u, doc, "ok", 0, UINT64_MAX, 0), JSONREAD_OK);
    ck_assert_uint_eq(u, UINT64_C(9007199254740991));
    cJSON_Delete(doc);
}
END_TEST

/* "got" shows a number as it was read, not cJSON's 15-digit rounding. */
START_TEST(got_prints_numbers_exactly)
{
    static const struct {
        double d;
        const char *want;
    } cases[] = {{9007199254740992.0, "9007199254740992"},
                 {-9223372036854775808.0, "-9223372036854775808"},
                 {0.1, "0.1"},
                 {1.5, "1.5"},
                 {1e300, "1e+300"},
                 {0.30000000000000004, "0.30000000000000004"},
                 {-7, "-7"}};
    char g[64];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        cJSON *n = cJSON_CreateNumber(cases[k].d);
        ck_assert_str_eq(jsonread_got(g, sizeof g, n), cases[k].want);
        cJSON_Delete(n);
    }
}
END_TEST

enum getter {
    G_U64,
    G_U64_DIGITS,
    G_U64_DIGITS_ONLY,
    G_U32,
    G_I64,
    G_DOUBLE,
    G_DOUBLE_OPEN,
    G_BOOL,
    G_STRING,
    G_NONEMPTY,
    G_OBJECT,
    G_ARRAY
};

/* A getter call on a value found by a path of keys and indexes. */
static const struct refusal {
    enum getter g;
    const char *parent; /* "" root, "network.latency", "events[3].groups[1]" */
    const char *key;    /* NULL: the value at parent */
    unsigned flags;
    jsonread_status status;
    const char *message;
} refusals[] = {
    {G_U64, "", "missing", JSONREAD_REQUIRED, JSONREAD_E_MISSING,
     "t.json: missing: missing, expected an integer in [0, 5]"},
    {G_U64, "", "count", 0, JSONREAD_E_RANGE,
     "t.json: count: expected an integer in [0, 5], got 7"},
    {G_U64, "", "frac", 0, JSONREAD_E_RANGE,
     "t.json: frac: expected an integer in [0, 5], got 1.5"},
    {G_U64, "", "neg", 0, JSONREAD_E_RANGE, "t.json: neg: expected an integer in [0, 5], got -3"},
    {G_U64, "", "name", 0, JSONREAD_E_TYPE,
     "t.json: name: expected an integer in [0, 5], got \"x\""},
    {G_U64, "", "nil", 0, JSONREAD_E_TYPE, "t.json: nil: expected an integer in [0, 5], got null"},
    {G_U64_DIGITS, "", "big", 0, JSONREAD_E_RANGE,
     "t.json: big: expected an integer in [0, 9007199254740991], got 9007199254740994 (a JSON "
     "number is exact only up to 2^53 - 1, 2^53 + 1 reads as 2^53: give a larger integer as a "
     "string of digits)"},
    {G_U64_DIGITS, "", "name", 0, JSONREAD_E_TYPE,
     "t.json: name: expected an integer in [0, 18446744073709551615] (a number, or a string of "
     "digits), got \"x\""},
    {G_U64_DIGITS_ONLY, "", "count", 0, JSONREAD_E_TYPE,
     "t.json: count: expected a string of the decimal digits of an integer in [0, "
     "18446744073709551615], got 7"},
    {G_U32, "events[3].groups[1]", NULL, 0, JSONREAD_E_TYPE,
     "t.json: events[3].groups[1]: expected an integer in [1, 4], got [3,\"four\"]"},
    {G_U32, "events[3].groups[1][1]", NULL, 0, JSONREAD_E_TYPE,
     "t.json: events[3].groups[1][1]: expected an integer in [1, 4], got \"four\""},
    {G_I64, "events[3]", "at", 0, JSONREAD_E_RANGE,
     "t.json: events[3].at: expected an integer in [-5, -2], got 1"},
    {G_I64, "events[3]", "groups", JSONREAD_REQUIRED, JSONREAD_E_TYPE,
     "t.json: events[3].groups: expected an integer in [-5, -2], got [[1,2],[3,\"four\"]]"},
    {G_DOUBLE, "network.latency", "max", 0, JSONREAD_E_RANGE,
     "t.json: network.latency.max: expected a number in [0.5, 1], got 0"},
    {G_DOUBLE_OPEN, "network.latency", "max", 0, JSONREAD_E_RANGE,
     "t.json: network.latency.max: expected a number in (0, 1], got 0"},
    {G_DOUBLE, "network.latency", "min", 0, JSONREAD_E_TYPE,
     "t.json: network.latency.min: expected a number in [0.5, 1], got \"5ms\""},
    {G_DOUBLE, "network.latency", "mean", JSONREAD_REQUIRED, JSONREAD_E_MISSING,
     "t.json: network.latency.mean: missing, expected a number in [0.5, 1]"},
    {G_BOOL, "", "count", 0, JSONREAD_E_TYPE, "t.json: count: expected true or false, got 7"},
    {G_STRING, "events[0]", "name", JSONREAD_REQUIRED, JSONREAD_E_MISSING,
     "t.json: events[0].name: missing, expected a string"},
    {G_STRING, "", NULL, 0, JSONREAD_E_TYPE,
     "t.json: (top level): expected a string, got "
     "{\"name\":\"x\",\"count\":7,\"big\":900719925..."},
    {G_NONEMPTY, "events[3]", "at", 0, JSONREAD_E_TYPE,
     "t.json: events[3].at: expected a non-empty string, got 1"},
    {G_OBJECT, "events", NULL, 0, JSONREAD_E_TYPE,
     "t.json: events: expected an object, got [{},{},{},{\"at\":1,\"groups\":[[1,2],[3,..."},
    {G_ARRAY, "network", "latency", 0, JSONREAD_E_TYPE,
     "t.json: network.latency: expected an array, got {\"min\":\"5ms\",\"max\":0}"},
    {G_ARRAY, "network", "topology", JSONREAD_REQUIRED, JSONREAD_E_MISSING,
     "t.json: network.topology: missing, expected an array"},
};

/* The value at a path like "events[3].groups[1]" ("" is root). */
static const cJSON *walk(const cJSON *root, const char *path)
{
    const cJSON *v = root;
    char key[64];
    while (*path) {
        if (*path == '.')
            path++;
        if (*path == '[') {
            char *end;
            long i = strtol(path + 1, &end, 10);
            v = cJSON_GetArrayItem(v, (int)i);
            path = end + 1;
            continue;
        }
        size_t n = strcspn(path, ".[");
        memcpy(key, path, n);
        key[n] = '\0';
        v = jsonread_member(v, key);
        path += n;
    }
    ck_assert_ptr_nonnull(v);
    return v;
}

START_TEST(getters_name_the_path)
{
    const struct refusal *r = &refusals[_i];
    jsonread jr;
    char err[300];
    cJSON *doc = open_doc(&jr, err, sizeof err);
    const cJSON *at = walk(doc, r->parent);
    uint64_t u = 99;
    uint32_t u32 = 99;
    int64_t i = 99;
    double d = 99;
    int b = 99;
    const char *s = "untouched";
    const cJSON *o = doc;
    size_t n = 99;
    unsigned f = r->flags;
    jsonread_status st = JSONREAD_OK;
    switch (r->g) {
    case G_U64:
        st = jsonread_u64(&jr, &u, at, r->key, 0, 5, f);
        break;
    case G_U64_DIGITS:
        st = jsonread_u64(&jr, &u, at, r->key, 0, UINT64_MAX, f | JSONREAD_DIGITS);
        break;
    case G_U64_DIGITS_ONLY:
        st = jsonread_u64(&jr, &u, at, r->key, 0, UINT64_MAX, f | JSONREAD_DIGITS_ONLY);
        break;
    case G_U32:
        st = jsonread_u32(&jr, &u32, at, r->key, 1, 4, f);
        break;
    case G_I64:
        st = jsonread_i64(&jr, &i, at, r->key, -5, -2, f);
        break;
    case G_DOUBLE:
        st = jsonread_double(&jr, &d, at, r->key, 0.5, 1, f);
        break;
    case G_DOUBLE_OPEN:
        st = jsonread_double(&jr, &d, at, r->key, 0, 1, f | JSONREAD_ABOVE_MIN);
        break;
    case G_BOOL:
        st = jsonread_bool(&jr, &b, at, r->key, f);
        break;
    case G_STRING:
        st = jsonread_string(&jr, &s, at, r->key, f);
        break;
    case G_NONEMPTY:
        st = jsonread_string(&jr, &s, at, r->key, f | JSONREAD_NONEMPTY);
        break;
    case G_OBJECT:
        st = jsonread_object(&jr, &o, at, r->key, f);
        break;
    case G_ARRAY:
        st = jsonread_array(&jr, &o, &n, at, r->key, f);
        break;
    }
    ck_assert_msg(st == r->status, "case %d: got %s (%s)", _i, jsonread_status_message(st), err);
    ck_assert_int_eq(jr.status, r->status);
    ck_assert_str_eq(err, r->message);
    if (st != JSONREAD_OK) { /* outputs unchanged on a refusal */
        ck_assert_uint_eq(u, 99);
        ck_assert_uint_eq(u32, 99);
        ck_assert_int_eq(i, 99);
        ck_assert(d == 99);
        ck_assert_int_eq(b, 99);
        ck_assert_str_eq(s, "untouched");
    }
    cJSON_Delete(doc);
}
END_TEST

START_TEST(first_refusal_wins_and_custom_failures)
{
    jsonread jr;
    char err[300];
    cJSON *doc = open_doc(&jr, err, sizeof err);
    const cJSON *ev = cJSON_GetArrayItem(jsonread_member(doc, "events"), 3);
    ck_assert_int_eq(jsonread_fail(&jr, JSONREAD_E_RANGE, ev, "groups", "node %d twice", 3),
                     JSONREAD_E_RANGE);
    ck_assert_str_eq(err, "t.json: events[3].groups: node 3 twice");
    uint64_t u;
    ck_assert_int_eq(jsonread_u64(&jr, &u, doc, "name", 0, 1, 0), JSONREAD_E_TYPE);
    ck_assert_str_eq(err, "t.json: events[3].groups: node 3 twice");
    ck_assert_int_eq(jr.status, JSONREAD_E_RANGE);
    jsonread_init(&jr, err, sizeof err, doc, NULL);
    ck_assert_int_eq(jsonread_fail_path(&jr, JSONREAD_E_MISSING, "network.topology.edges",
                                        "missing, expected %s", "pairs"),
                     JSONREAD_E_MISSING);
    ck_assert_str_eq(err, "network.topology.edges: missing, expected pairs");
    jsonread_init(&jr, err, sizeof err, doc, "t.json");
    ck_assert_int_eq(jsonread_fail(&jr, JSONREAD_E_TYPE, NULL, "seed", "bad"), JSONREAD_E_TYPE);
    ck_assert_str_eq(err, "t.json: seed: bad");
    /* A string of digits outside the range, and one beyond 64 bits. */
    jsonread_init(&jr, err, sizeof err, doc, "t.json");
    ck_assert_int_eq(jsonread_u64(&jr, &u, doc, "seed", 0, 5, JSONREAD_DIGITS), JSONREAD_E_RANGE);
    ck_assert_str_eq(err, "t.json: seed: expected an integer in [0, 5] (a number, or a string of "
                          "digits), got \"18446744073709551615\"");
    cJSON *big = cJSON_CreateString("18446744073709551616");
    jsonread_init(&jr, err, sizeof err, big, "t.json");
    ck_assert_int_eq(jsonread_u64(&jr, &u, big, NULL, 0, UINT64_MAX, JSONREAD_DIGITS),
                     JSONREAD_E_TYPE);
    cJSON_Delete(big);
    char path[64];
    jsonread_path(path, sizeof path, doc, walk(doc, "events[3].groups[1][1]"));
    ck_assert_str_eq(path, "events[3].groups[1][1]");
    jsonread_path(path, sizeof path, doc, doc);
    ck_assert_str_eq(path, "");
    jsonread_path(path, sizeof path, doc, NULL);
    ck_assert_str_eq(path, "?");
    jsonread_path(path, 8, doc, walk(doc, "network.latency.min"));
    ck_assert_str_eq(path, "network");
    /* A key of 5,000 bytes: the path keeps both its ends, and a refusal's
     * reason still follows it in full in a 300-byte buffer. */
    char *text = malloc(6000);
    ck_assert_ptr_nonnull(text);
    int n = snprintf(text, 6000, "{\"a\": {\"");
    memset(text + n, 'k', 5000);
    snprintf(text + n + 4999, 6000 - (size_t)n - 4999, "z\": 1}}");
    cJSON *longdoc;
    ck_assert_int_eq(parse(&longdoc, err, sizeof err, text), JSONREAD_OK);
    free(text);
    char lpath[128];
    jsonread_path(lpath, sizeof lpath, longdoc, longdoc->child->child);
    ck_assert_str_eq(lpath, "a.kkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...kkkkkkkkkkkkkkkkkkkkkkkkkkkkkz");
    static const char *const only_b[] = {"b", NULL};
    jsonread_init(&jr, err, sizeof err, longdoc, "t.json");
    ck_assert_int_eq(jsonread_only_keys(&jr, longdoc->child, only_b), JSONREAD_E_UNKNOWN_KEY);
    ck_assert_str_eq(err,
                     "t.json: a.kkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...kkkkkkkkkkkkkkkkkkkkkkkkkkkkkz: "
                     "unknown key; expected one of: b");
    cJSON_Delete(longdoc);
    char g[64];
    ck_assert_str_eq(jsonread_got(g, sizeof g, NULL), "nothing");
    cJSON_Delete(doc);
}
END_TEST

START_TEST(only_keys_suggests_and_finds_repeats)
{
    static const char *const allowed[] = {"min", "max", "mean", "stddev", "dist", NULL};
    static const struct {
        const char *text;
        jsonread_status status;
        const char *message;
    } cases[] = {
        {"{\"a\": {\"min\": 1, \"max\": 2}}", JSONREAD_OK, ""},
        {"{\"a\": {\"min\": 1, \"mni\": 2}}", JSONREAD_E_UNKNOWN_KEY,
         "t.json: a.mni: unknown key (did you mean \"min\"?); expected one of: min, max, mean, "
         "stddev, dist"},
        {"{\"a\": {\"std\": 1}}", JSONREAD_E_UNKNOWN_KEY,
         "t.json: a.std: unknown key (did you mean \"stddev\"?); expected one of: min, max, "
         "mean, stddev, dist"},
        {"{\"a\": {\"zzzzzz\": 1}}", JSONREAD_E_UNKNOWN_KEY,
         "t.json: a.zzzzzz: unknown key; expected one of: min, max, mean, stddev, dist"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cJSON *doc;
        char err[300];
        jsonread jr;
        ck_assert_int_eq(parse(&doc, err, sizeof err, cases[i].text), JSONREAD_OK);
        jsonread_init(&jr, err, sizeof err, doc, "t.json");
        ck_assert_int_eq(jsonread_only_keys(&jr, jsonread_member(doc, "a"), allowed),
                         cases[i].status);
        ck_assert_str_eq(err, cases[i].message);
        cJSON_Delete(doc);
    }
    /* A tree built by hand can repeat a key; only_keys refuses it. */
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddNumberToObject(doc, "min", 1);
    cJSON_AddNumberToObject(doc, "min", 2);
    char err[300];
    jsonread jr;
    jsonread_init(&jr, err, sizeof err, doc, "t.json");
    ck_assert_int_eq(jsonread_only_keys(&jr, doc, allowed), JSONREAD_E_DUPLICATE);
    ck_assert_str_eq(err, "t.json: min: key given twice");
    cJSON_Delete(doc);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("jsonread");
    TCase *tc = tcase_create("jsonread");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, parses_valid_documents);
    tcase_add_loop_test(tc, refuses_bad_documents, 0, (int)(sizeof bad_docs / sizeof bad_docs[0]));
    tcase_add_test(tc, nesting_has_its_own_limit_and_message);
    tcase_add_test(tc, repeated_keys_in_a_large_object);
    tcase_add_test(tc, messages_fit_small_buffers);
    tcase_add_test(tc, getters_read_values);
    tcase_add_test(tc, extreme_numbers_are_refused_not_converted);
    tcase_add_test(tc, integers_beyond_exact_doubles_are_refused);
    tcase_add_test(tc, got_prints_numbers_exactly);
    tcase_add_loop_test(tc, getters_name_the_path, 0, (int)(sizeof refusals / sizeof refusals[0]));
    tcase_add_test(tc, first_refusal_wins_and_custom_failures);
    tcase_add_test(tc, only_keys_suggests_and_finds_repeats);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
