/* csvtab: a CSV file read back whole, as the plot and sweep commands need
 * it: a header row and rows of fields (RFC 4180: fields may be quoted, a
 * quote inside doubled), every row as many fields as the header, found by
 * column name. Read through fileout_read with a size cap, so a bad file is
 * refused with a message naming it and the line, never trusted. */
#ifndef CHAINSIM_CSVTAB_H
#define CHAINSIM_CSVTAB_H

#include <stddef.h>

/* Status codes and their messages. */
#define CSVTAB_STATUS_MAP(X)                                                                       \
    X(CSVTAB_OK, "ok")                                                                             \
    X(CSVTAB_E_MISSING, "cannot open")                                                             \
    X(CSVTAB_E_READ, "cannot read")                                                                \
    X(CSVTAB_E_FORMAT, "not a CSV table")                                                          \
    X(CSVTAB_E_NOMEM, "out of memory")

#define CSVTAB_ENUM(code, msg) code,
typedef enum csvtab_status { CSVTAB_STATUS_MAP(CSVTAB_ENUM) } csvtab_status;
#undef CSVTAB_ENUM

/* The static message of a status code ("unknown status" if out of range). */
const char *csvtab_status_message(csvtab_status status);

/* A loaded table (opaque). */
typedef struct csvtab csvtab;

/* No column of that name (csvtab_col). */
#define CSVTAB_NO_COL ((size_t)-1)

/* The largest file read (1 GiB). */
#define CSVTAB_MAX_BYTES ((size_t)1 << 30)

/* Reads path (at most max_bytes) into *out (free with csvtab_free).
 * Refuses, with *out NULL and "PATH: ..." in err (errlen bytes): a missing
 * file (CSVTAB_E_MISSING), one that cannot be read or is too large
 * (CSVTAB_E_READ), and (CSVTAB_E_FORMAT) an empty file, a NUL byte, a row
 * with another number of fields than the header ("PATH: line L: N fields,
 * the header has M"), a quote that is not closed or is followed by
 * something other than a separator, and a last line without its newline.
 * Thread-safe. */
csvtab_status csvtab_load(csvtab **out, char *err, size_t errlen, const char *path,
                          size_t max_bytes) __attribute__((warn_unused_result));

/* Parses the len bytes of text as csvtab_load parses a file, name standing
 * for the path in messages. */
csvtab_status csvtab_parse(csvtab **out, char *err, size_t errlen, const char *text, size_t len,
                           const char *name) __attribute__((warn_unused_result));

/* Frees t; NULL is fine. */
void csvtab_free(csvtab *t);

/* Data rows (the header excluded) and columns. */
size_t csvtab_rows(const csvtab *t);
size_t csvtab_cols(const csvtab *t);

/* The name of column col (< csvtab_cols), borrowed from t. */
const char *csvtab_header(const csvtab *t, size_t col);

/* The index of the first column called name, or CSVTAB_NO_COL. */
size_t csvtab_col(const csvtab *t, const char *name);

/* The field of row (< csvtab_rows) in column col (< csvtab_cols), unquoted,
 * borrowed from t ("" for an empty field). */
const char *csvtab_cell(const csvtab *t, size_t row, size_t col);

/* The line of the file (from 1) where row starts. */
size_t csvtab_line(const csvtab *t, size_t row);

/* The field as a finite decimal number: returns 0 and sets *out; 1 when the
 * field is empty ("does not exist" in chainsim's files; *out untouched);
 * -1 when it is not a number, with "NAME: line L, column COL: expected a
 * number, got 'X'" in err. */
int csvtab_number(double *out, char *err, size_t errlen, const csvtab *t, size_t row, size_t col)
    __attribute__((warn_unused_result));

/* The name the table was read under (the path), borrowed from t. */
const char *csvtab_name(const csvtab *t);

#endif
