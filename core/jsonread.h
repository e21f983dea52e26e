/* Strict JSON input: one parser for every JSON document chainsim reads
 * (scenarios, chain files, summary.json, --set values) and one set of typed
 * getters that name the full JSON path of what they refuse.
 *
 * jsonread_parse runs cJSON on a byte buffer and adds what cJSON lets pass:
 * bytes after the document, a key given twice in one object, nesting deeper
 * than JSONREAD_MAX_DEPTH, NUL and control bytes; each refusal says where
 * (line and column, or the JSON path of the repeated key). The getters take
 * a jsonread context (the document's root, the name of its source and the
 * caller's error buffer) and follow one argument order: context, output,
 * the object and key to read (key NULL: the object is itself the value),
 * then the allowed range, then flags. A refusal writes one line
 * "NAME: PATH: what was expected, got WHAT" into the error buffer, where
 * PATH is found from the root (`events[3].groups`, `network.latency.min`,
 * `(top level)`). Only the first refusal is kept.
 *
 * Argument order of the functions here and of the readers built on them
 * (chainfile, fileout, summary): context first, then outputs, then the
 * error buffer (err, errlen), then inputs, each length right after its
 * pointer. */
#ifndef CHAINSIM_JSONREAD_H
#define CHAINSIM_JSONREAD_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

/* Objects and arrays may nest this deep (the top-level value is depth 1).
 * chainsim's own documents nest at most 7 levels; the limit keeps every
 * walk over a document's tree, and cJSON's own recursion, short. */
#define JSONREAD_MAX_DEPTH 128

/* Reason codes and their messages. */
#define JSONREAD_STATUS_MAP(X)                                                                     \
    X(JSONREAD_OK, "ok")                                                                           \
    X(JSONREAD_E_SYNTAX, "not valid JSON")                                                         \
    X(JSONREAD_E_TRAILING, "bytes after the JSON document")                                        \
    X(JSONREAD_E_DEPTH, "nested too deeply")                                                       \
    X(JSONREAD_E_DUPLICATE, "key given twice")                                                     \
    X(JSONREAD_E_UNKNOWN_KEY, "unknown key")                                                       \
    X(JSONREAD_E_MISSING, "missing required key")                                                  \
    X(JSONREAD_E_TYPE, "wrong type")                                                               \
    X(JSONREAD_E_RANGE, "value out of range")                                                      \
    X(JSONREAD_E_NOMEM, "out of memory")

#define JSONREAD_ENUM(code, msg) code,
typedef enum jsonread_status { JSONREAD_STATUS_MAP(JSONREAD_ENUM) } jsonread_status;
#undef JSONREAD_ENUM

/* The static message of a status code ("unknown status" if out of range). */
const char *jsonread_status_message(jsonread_status status);

/* Parses the len bytes at text (need not be NUL-terminated) as one JSON
 * document. Refuses: text that is not JSON, bytes other than whitespace
 * (space, tab, CR, LF) after the document, a NUL byte anywhere, another
 * control byte outside a string, nesting deeper than JSONREAD_MAX_DEPTH, a
 * key given twice in one object. On success returns JSONREAD_OK and sets
 * *out (caller frees with cJSON_Delete). On failure *out = NULL and err
 * (errlen bytes, always NUL-terminated when errlen > 0) gets
 * "NAME: line L column C: what" (line and column count from 1, columns in
 * bytes) or, for a repeated key, "NAME: PATH: key given twice"; the prefix
 * "NAME: " is left out when name is NULL. A text that ends inside an
 * object, array or string gets "; the text ends inside an object, array or
 * string: truncated?". Not for concurrent use: cJSON writes its
 * last-error global when a parse fails (the getters below are reentrant). */
jsonread_status jsonread_parse(cJSON **out, char *err, size_t errlen, const char *text, size_t len,
                               const char *name) __attribute__((warn_unused_result));

/* A getter context: where refusals are written and how paths are found.
 * Fill it with jsonread_init; read its status field, never write it. */
typedef struct jsonread {
    const cJSON *root;      /* the document: paths are found from here */
    const char *name;       /* the source ("scenarios/x.json"), or NULL */
    char *err;              /* the caller's buffer */
    size_t errlen;          /* its size (0: no message) */
    jsonread_status status; /* the first refusal, JSONREAD_OK until then */
} jsonread;

/* Prepares jr for reading the tree at root; clears err. */
void jsonread_init(jsonread *jr, char *err, size_t errlen, const cJSON *root, const char *name);

/* The largest integer a JSON number (a double) carries exactly, with every
 * integer below it: 2^53 - 1. Both 2^53 and 2^53 + 1 read as 2^53. */
#define JSONREAD_MAX_EXACT UINT64_C(9007199254740991)

/* Flags of the getters. */
enum {
    JSONREAD_OPTIONAL = 0,    /* absent: *out untouched, JSONREAD_OK */
    JSONREAD_REQUIRED = 1,    /* absent: JSONREAD_E_MISSING */
    JSONREAD_DIGITS = 2,      /* integers: also a string of decimal digits (beyond 2^53 - 1) */
    JSONREAD_DIGITS_ONLY = 4, /* integers: only a string of decimal digits */
    JSONREAD_ABOVE_MIN = 8,   /* doubles: min itself is refused: (min, max] */
    JSONREAD_NONEMPTY = 16    /* strings: "" is refused */
};

/* The member key of obj, or NULL when obj is NULL, not an object, or has
 * no such member (null is a member). Borrowed. */
const cJSON *jsonread_member(const cJSON *obj, const char *key);

/* The getters. The value read is obj's member key, or obj itself when key
 * is NULL. An absent value (obj NULL, or no such member) leaves *out as it
 * was and returns JSONREAD_OK, or JSONREAD_E_MISSING with
 * JSONREAD_REQUIRED. A value of the wrong type gives JSONREAD_E_TYPE, a
 * value of the right type outside the range JSONREAD_E_RANGE; *out is then
 * unchanged. Each writes its refusal into jr (see the top of this file).
 * JSON numbers are doubles: an integer is accepted from a number only when
 * it is whole and at most JSONREAD_MAX_EXACT (2^53 - 1) in magnitude; from
 * 2^53 on the text may have been rounded (2^53 + 1 reads as 2^53), so such
 * a number is refused (JSONREAD_E_RANGE), never taken as another integer;
 * JSONREAD_DIGITS also accepts a string of decimal digits, so any uint64
 * can be given. Reentrant for distinct contexts. */
jsonread_status jsonread_u64(jsonread *jr, uint64_t *out, const cJSON *obj, const char *key,
                             uint64_t min, uint64_t max, unsigned flags)
    __attribute__((warn_unused_result));
jsonread_status jsonread_u32(jsonread *jr, uint32_t *out, const cJSON *obj, const char *key,
                             uint32_t min, uint32_t max, unsigned flags)
    __attribute__((warn_unused_result));
jsonread_status jsonread_i64(jsonread *jr, int64_t *out, const cJSON *obj, const char *key,
                             int64_t min, int64_t max, unsigned flags)
    __attribute__((warn_unused_result));
/* A number in [min, max], or (min, max] with JSONREAD_ABOVE_MIN. */
jsonread_status jsonread_double(jsonread *jr, double *out, const cJSON *obj, const char *key,
                                double min, double max, unsigned flags)
    __attribute__((warn_unused_result));
/* true or false, as 1 or 0. */
jsonread_status jsonread_bool(jsonread *jr, int *out, const cJSON *obj, const char *key,
                              unsigned flags) __attribute__((warn_unused_result));
/* A string (borrowed from the tree, NUL-terminated). */
jsonread_status jsonread_string(jsonread *jr, const char **out, const cJSON *obj, const char *key,
                                unsigned flags) __attribute__((warn_unused_result));
/* An object; absent and optional: *out = NULL. */
jsonread_status jsonread_object(jsonread *jr, const cJSON **out, const cJSON *obj, const char *key,
                                unsigned flags) __attribute__((warn_unused_result));
/* An array and its length (counted once; iterate with cJSON_ArrayForEach);
 * absent and optional: *out = NULL, *n = 0. */
jsonread_status jsonread_array(jsonread *jr, const cJSON **out, size_t *n, const cJSON *obj,
                               const char *key, unsigned flags) __attribute__((warn_unused_result));

/* Refuses any member of obj whose key is not in allowed (NULL-terminated)
 * with JSONREAD_E_UNKNOWN_KEY, naming the nearest allowed key when one is
 * close ("did you mean ...") and listing them all, and a key given twice
 * (possible in a tree built by hand) with JSONREAD_E_DUPLICATE. obj NULL
 * passes. Time linear in obj's keys times allowed's length. */
jsonread_status jsonread_only_keys(jsonread *jr, const cJSON *obj, const char *const *allowed)
    __attribute__((warn_unused_result));

/* Writes a refusal of obj's member key (or of obj when key is NULL; the
 * member need not exist) into jr: "NAME: PATH: " then fmt. Returns status
 * (as a convenience for `return jsonread_fail(...)`). */
jsonread_status jsonread_fail(jsonread *jr, jsonread_status status, const cJSON *obj,
                              const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* As jsonread_fail, for a value that is not in the tree: path is written
 * as given ("network.topology.edges" when topology is only a name). */
jsonread_status jsonread_fail_path(jsonread *jr, jsonread_status status, const char *path,
                                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Writes the JSON path of node inside root into out (outlen bytes, cut when
 * longer, always NUL-terminated): keys joined with '.', array indexes as
 * [N], "" for root itself, "?" when node is not in the tree; a key longer
 * than 64 bytes is written as its first and last 30 bytes around "...".
 * Time linear in the size of the tree. */
void jsonread_path(char *out, size_t outlen, const cJSON *root, const cJSON *node);

/* A short rendering of v for "got ..." in messages: its JSON text, cut to
 * about 40 characters (a number as read: a whole one below 1e21 in all its
 * digits, others in the fewest digits that read back exactly); "nothing"
 * for NULL. Returns buf. */
const char *jsonread_got(char *buf, size_t buflen, const cJSON *v);

#endif
