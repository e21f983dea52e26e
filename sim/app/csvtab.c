/* CSV tables read back. The text is copied once and unquoted in place (a
 * field never grows when its quotes go), each field NUL-terminated where
 * its separator was, so a table is one buffer and one array of pointers. */
#include "csvtab.h"

#include "fileout.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct csvtab {
    char *name;
    char *buf;
    char **cells;  /* (rows + 1) * cols, the header first */
    size_t *lines; /* rows + 1: the line each row starts on */
    size_t rows, cols;
};

static const char *const status_messages[] = {
#define CSVTAB_MSG(code, msg) msg,
    CSVTAB_STATUS_MAP(CSVTAB_MSG)
#undef CSVTAB_MSG
};

const char *csvtab_status_message(csvtab_status status)
{
    if ((size_t)status >= sizeof status_messages / sizeof status_messages[0])
        return "unknown status";
    return status_messages[status];
}

void csvtab_free(csvtab *t)
{
    if (t == NULL)
        return;
    free(t->name);
    free(t->buf);
    free(t->cells);
    free(t->lines);
    free(t);
}

csvtab_status csvtab_parse(csvtab **out, char *err, size_t errlen, const char *text, size_t len,
                           const char *name)
{
    *out = NULL;
    csvtab *t = calloc(1, sizeof *t);
    size_t cap = 64, n = 0, line_cap = 16, n_rows = 0; /* n_rows counts the header */
    if (t) {
        t->name = strdup(name);
        t->buf = malloc(len + 1);
        t->cells = malloc(cap * sizeof(char *));
        t->lines = malloc(line_cap * sizeof(size_t));
    }
    if (!t || !t->name || !t->buf || !t->cells || !t->lines) {
        snprintf(err, errlen, "%s: out of memory", name);
        csvtab_free(t);
        return CSVTAB_E_NOMEM;
    }
    if (len == 0) {
        snprintf(err, errlen, "%s: empty file: expected a header row", name);
        csvtab_free(t);
        return CSVTAB_E_FORMAT;
    }
    const char *nul = memchr(text, '\0', len);
    if (nul != NULL) {
        size_t at = 1;
        for (const char *p = text; p < nul; p++)
            at += *p == '\n';
        snprintf(err, errlen, "%s: line %zu: a NUL byte: not a text file", name, at);
        csvtab_free(t);
        return CSVTAB_E_FORMAT;
    }
    memcpy(t->buf, text, len);
    t->buf[len] = '\0';
    char *r = t->buf, *end = t->buf + len, *w = t->buf;
    size_t line = 1, fields = 0;
    csvtab_status st = CSVTAB_OK;
    while (r < end && st == CSVTAB_OK) {
        if (fields == 0) { /* a new row starts */
            if (n_rows == line_cap) {
                size_t *grown = realloc(t->lines, 2 * line_cap * sizeof(size_t));
                if (!grown) {
                    st = CSVTAB_E_NOMEM;
                    break;
                }
                t->lines = grown;
                line_cap *= 2;
            }
            t->lines[n_rows] = line;
        }
        char *cell = w;
        if (*r == '"') {
            size_t opened = line;
            r++;
            for (;;) {
                if (r == end) {
                    snprintf(err, errlen, "%s: line %zu: a quoted field is not closed", name,
                             opened);
                    st = CSVTAB_E_FORMAT;
                    break;
                }
                if (*r == '"' && r + 1 < end && r[1] == '"') {
                    *w++ = '"';
                    r += 2;
                } else if (*r == '"') {
                    r++;
                    break;
                } else {
                    line += *r == '\n';
                    *w++ = *r++;
                }
            }
            if (st != CSVTAB_OK)
                break;
            if (r < end && *r == '\r' && r + 1 < end && r[1] == '\n')
                r++;
            if (r < end && *r != ',' && *r != '\n') {
                snprintf(err, errlen,
                         "%s: line %zu: '%c' after a quoted field: expected ',' or "
                         "the end of the line",
                         name, line, *r);
                st = CSVTAB_E_FORMAT;
                break;
            }
        } else {
            while (r < end && *r != ',' && *r != '\n') {
                if (*r == '"') {
                    snprintf(err, errlen, "%s: line %zu: a quote inside an unquoted field", name,
                             line);
                    st = CSVTAB_E_FORMAT;
                    break;
                }
                *w++ = *r++;
            }
            if (st != CSVTAB_OK)
                break;
            if (w > cell && w[-1] == '\r' && r < end && *r == '\n')
                w--; /* CRLF line ends */
        }
        if (r == end) {
            snprintf(err, errlen, "%s: line %zu: the last line has no newline: truncated?", name,
                     line);
            st = CSVTAB_E_FORMAT;
            break;
        }
        char sep = *r++;
        *w++ = '\0';
        if (n == cap) {
            char **grown = realloc(t->cells, 2 * cap * sizeof(char *));
            if (!grown) {
                st = CSVTAB_E_NOMEM;
                break;
            }
            t->cells = grown;
            cap *= 2;
        }
        t->cells[n++] = cell;
        fields++;
        if (sep == '\n') {
            if (n_rows == 0) {
                t->cols = fields;
            } else if (fields != t->cols) {
                snprintf(err, errlen, "%s: line %zu: %zu fields, the header has %zu", name,
                         t->lines[n_rows], fields, t->cols);
                st = CSVTAB_E_FORMAT;
                break;
            }
            n_rows++;
            fields = 0;
            line++;
        }
    }
    if (st == CSVTAB_E_NOMEM)
        snprintf(err, errlen, "%s: out of memory", name);
    if (st != CSVTAB_OK) {
        csvtab_free(t);
        return st;
    }
    t->rows = n_rows - 1;
    *out = t;
    return CSVTAB_OK;
}

csvtab_status csvtab_load(csvtab **out, char *err, size_t errlen, const char *path,
                          size_t max_bytes)
{
    char *text = NULL;
    size_t len = 0;
    *out = NULL;
    fileout_status fs = fileout_read(&text, &len, err, errlen, path, max_bytes);
    if (fs != FILEOUT_OK)
        return fs == FILEOUT_E_MISSING ? CSVTAB_E_MISSING
               : fs == FILEOUT_E_NOMEM ? CSVTAB_E_NOMEM
                                       : CSVTAB_E_READ;
    csvtab_status st = csvtab_parse(out, err, errlen, text, len, path);
    free(text);
    return st;
}

size_t csvtab_rows(const csvtab *t)
{
    return t->rows;
}

size_t csvtab_cols(const csvtab *t)
{
    return t->cols;
}

const char *csvtab_header(const csvtab *t, size_t col)
{
    return t->cells[col];
}

size_t csvtab_col(const csvtab *t, const char *name)
{
    for (size_t c = 0; c < t->cols; c++)
        if (strcmp(t->cells[c], name) == 0)
            return c;
    return CSVTAB_NO_COL;
}

const char *csvtab_cell(const csvtab *t, size_t row, size_t col)
{
    return t->cells[(row + 1) * t->cols + col];
}

size_t csvtab_line(const csvtab *t, size_t row)
{
    return t->lines[row + 1];
}

const char *csvtab_name(const csvtab *t)
{
    return t->name;
}

int csvtab_number(double *out, char *err, size_t errlen, const csvtab *t, size_t row, size_t col)
{
    const char *s = csvtab_cell(t, row, col);
    if (*s == '\0')
        return 1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    /* Decimal only: no leading space, no hex, no inf or nan. */
    int decimal = strspn(s, "+-0123456789.eE") == strlen(s);
    if (*end != '\0' || errno == ERANGE || !isfinite(v) || !decimal) {
        snprintf(err, errlen, "%s: line %zu, column %s: expected a number, got '%.40s'", t->name,
                 csvtab_line(t, row), csvtab_header(t, col), s);
        return -1;
    }
    *out = v;
    return 0;
}
