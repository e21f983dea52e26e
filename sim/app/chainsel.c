/* Parsing and applying `--chains`. A list keeps its ranges as given (in any
 * order, overlaps allowed); a lookup scans them, which is cheap next to
 * writing a chain file. */
#include "chainsel.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads a node number (1..UINT32_MAX, digits only) at *p; advances *p. */
static int read_node(const char **p, uint32_t *out)
{
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || v == 0 || v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    *p = end;
    return 0;
}

/* Parses "N" or "N-M" from s up to the next comma or the end. */
static int parse_range(chainsel_range *r, const char **p)
{
    if (read_node(p, &r->first) != 0)
        return -1;
    r->last = r->first;
    if (**p == '-') {
        (*p)++;
        if (read_node(p, &r->last) != 0 || r->last < r->first)
            return -1;
    }
    return **p == ',' || **p == '\0' ? 0 : -1;
}

static int parse_list(chainsel *out, char *err, size_t errlen, const char *text)
{
    size_t n = 1;
    for (const char *c = text; *c; c++)
        n += *c == ',';
    out->ranges = calloc(n, sizeof *out->ranges);
    if (out->ranges == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    out->kind = CHAINSEL_LIST;
    const char *p = text;
    for (size_t i = 0; i < n; i++) {
        const char *start = p;
        if (parse_range(&out->ranges[i], &p) != 0) {
            size_t len = strcspn(start, ",");
            snprintf(err, errlen,
                     "--chains expects all, none, main or node numbers like 1,5,10-20 "
                     "(from 1, ranges low-high), not '%.*s' in '%s'",
                     (int)(len < 40 ? len : 40), start, text);
            chainsel_clear(out);
            return -1;
        }
        out->n_ranges++;
        if (*p == ',')
            p++;
    }
    return 0;
}

int chainsel_parse(chainsel *out, char *err, size_t errlen, const char *text)
{
    memset(out, 0, sizeof *out);
    if (text == NULL || *text == '\0') {
        snprintf(err, errlen, "--chains expects all, none, main or node numbers like 1,5,10-20");
        return -1;
    }
    if (strcmp(text, "all") == 0)
        out->kind = CHAINSEL_ALL;
    else if (strcmp(text, "none") == 0)
        out->kind = CHAINSEL_NONE;
    else if (strcmp(text, "main") == 0)
        out->kind = CHAINSEL_MAIN;
    else
        return parse_list(out, err, errlen, text);
    return 0;
}

int chainsel_check(const chainsel *sel, char *err, size_t errlen, uint32_t n_nodes)
{
    for (size_t i = 0; sel->kind == CHAINSEL_LIST && i < sel->n_ranges; i++)
        if (sel->ranges[i].last > n_nodes) {
            snprintf(err, errlen, "--chains: node %u is beyond the scenario's %u nodes",
                     sel->ranges[i].last, n_nodes);
            return -1;
        }
    return 0;
}

int chainsel_wants(const chainsel *sel, uint32_t ni, int on_main)
{
    switch (sel->kind) {
    case CHAINSEL_ALL:
        return 1;
    case CHAINSEL_NONE:
        return 0;
    case CHAINSEL_MAIN:
        return on_main;
    case CHAINSEL_LIST:
        for (size_t i = 0; i < sel->n_ranges; i++)
            if (ni + 1 >= sel->ranges[i].first && ni + 1 <= sel->ranges[i].last)
                return 1;
        return 0;
    }
    return 0;
}

void chainsel_clear(chainsel *sel)
{
    if (sel == NULL)
        return;
    free(sel->ranges);
    memset(sel, 0, sizeof *sel);
}
