/* A finished run's event feed from its CSV files (see serve_feed.h). Every
 * row is indexed first (time, file, row; a partition's rows, one per node,
 * as one entry), the index is sorted by time (events.csv before reorgs.csv
 * at the same time, file order kept), and only the newest SERVE_FEED_MAX
 * entries are turned into text, so a large run's thousands of
 * reorganisations cost an index, not a document. */
#include "serve_feed.h"
#include "timeunit.h"

#include "csvtab.h"
#include "fileout.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { FEED_NODES = 16 };

typedef struct entry {
    int64_t time_ns;
    int file;      /* 0: events.csv, 1: reorgs.csv */
    size_t row, n; /* first row and rows (a partition: one per node) */
} entry;

typedef struct feed {
    csvtab *ev, *rg;
    size_t ev_time, ev_event, ev_node, ev_group, ev_peer, ev_latency; /* columns */
    size_t rg_time, rg_node, rg_old, rg_new, rg_depth;
    entry *e;
    size_t n_e, cap_e;
    char *err;
    size_t errlen;
} feed;

static int entry_cmp(const void *x, const void *y)
{
    const entry *a = x, *b = y;
    if (a->time_ns != b->time_ns)
        return a->time_ns < b->time_ns ? -1 : 1;
    if (a->file != b->file)
        return a->file < b->file ? -1 : 1;
    return a->row < b->row ? -1 : a->row > b->row;
}

/* Loads DIR/name into *out, NULL when the file does not exist. */
static int load_table(feed *f, csvtab **out, const char *dir, const char *name)
{
    *out = NULL;
    char *path = fileout_join(dir, name);
    if (path == NULL)
        return 1;
    struct stat sb;
    int rc = 0;
    if (stat(path, &sb) == 0) {
        csvtab_status st = csvtab_load(out, f->err, f->errlen, path, CSVTAB_MAX_BYTES);
        rc = st == CSVTAB_OK ? 0 : st == CSVTAB_E_NOMEM ? 1 : 2;
    }
    free(path);
    return rc;
}

static int column(feed *f, size_t *out, const csvtab *t, const char *name, int required)
{
    *out = csvtab_col(t, name);
    if (*out == CSVTAB_NO_COL && required) {
        snprintf(f->err, f->errlen, "%s: no column \"%s\"", csvtab_name(t), name);
        return 2;
    }
    return 0;
}

/* A time (seconds) or a count as a number; empty is refused for required. */
static int number(feed *f, double *out, const csvtab *t, size_t row, size_t col, int required)
{
    *out = 0;
    if (col == CSVTAB_NO_COL)
        return 0;
    int rc = csvtab_number(out, f->err, f->errlen, t, row, col);
    if (rc < 0 || (rc == 1 && required) || !(*out >= 0) || *out > 1e12) {
        if (rc >= 0)
            snprintf(f->err, f->errlen, "%s: line %zu: %s: expected a number from 0 to 1e12",
                     csvtab_name(t), csvtab_line(t, row), csvtab_header(t, col));
        return 2;
    }
    return 0;
}

static int push(feed *f, double time_s, int file, size_t row, size_t n)
{
    if (f->n_e == f->cap_e) {
        size_t cap = f->cap_e ? 2 * f->cap_e : 64;
        entry *p = realloc(f->e, cap * sizeof *p);
        if (p == NULL)
            return 1;
        f->e = p;
        f->cap_e = cap;
    }
    f->e[f->n_e++] = (entry){llround(time_s * TIMEUNIT_NS_PER_S), file, row, n};
    return 0;
}

static int index_rows(feed *f)
{
    int rc;
    double t, prev_t = -1;
    if (f->ev) {
        if ((rc = column(f, &f->ev_time, f->ev, "time", 1)) ||
            (rc = column(f, &f->ev_event, f->ev, "event", 1)) ||
            (rc = column(f, &f->ev_node, f->ev, "node", 1)) ||
            (rc = column(f, &f->ev_group, f->ev, "group", 1)) ||
            (rc = column(f, &f->ev_peer, f->ev, "peer", 0)) ||
            (rc = column(f, &f->ev_latency, f->ev, "latency", 0)))
            return rc;
        for (size_t r = 0; r < csvtab_rows(f->ev); r++) {
            double node, group;
            if ((rc = number(f, &t, f->ev, r, f->ev_time, 1)) ||
                (rc = number(f, &node, f->ev, r, f->ev_node, 0)) ||
                (rc = number(f, &group, f->ev, r, f->ev_group, 0)))
                return rc;
            int partition = strcmp(csvtab_cell(f->ev, r, f->ev_event), "partition") == 0;
            entry *last = f->n_e ? &f->e[f->n_e - 1] : NULL;
            if (partition && last && last->file == 0 && t == prev_t &&
                strcmp(csvtab_cell(f->ev, last->row, f->ev_event), "partition") == 0) {
                last->n++; /* one more node of the same partition */
            } else if ((rc = push(f, t, 0, r, 1)) != 0) {
                return rc;
            }
            prev_t = t;
        }
    }
    if (f->rg) {
        if ((rc = column(f, &f->rg_time, f->rg, "time", 1)) ||
            (rc = column(f, &f->rg_node, f->rg, "node", 1)) ||
            (rc = column(f, &f->rg_old, f->rg, "old_tip", 1)) ||
            (rc = column(f, &f->rg_new, f->rg, "new_tip", 1)) ||
            (rc = column(f, &f->rg_depth, f->rg, "depth", 1)))
            return rc;
        for (size_t r = 0; r < csvtab_rows(f->rg); r++) {
            double node, depth;
            if ((rc = number(f, &t, f->rg, r, f->rg_time, 1)) ||
                (rc = number(f, &node, f->rg, r, f->rg_node, 1)) ||
                (rc = number(f, &depth, f->rg, r, f->rg_depth, 1)) ||
                (rc = push(f, t, 1, r, 1)) != 0)
                return rc;
        }
    }
    return 0;
}

/* Appends text to buf (size len, at *at), keeping room for an ellipsis. */
static void put(char *buf, size_t len, size_t *at, const char *text)
{
    size_t n = strlen(text);
    if (*at + n + 4 >= len) {
        if (*at + 4 < len && strcmp(buf + (*at >= 3 ? *at - 3 : 0), "...") != 0) {
            memcpy(buf + *at, "...", 4);
            *at += 3;
        }
        return;
    }
    memcpy(buf + *at, text, n + 1);
    *at += n;
}

/* One partition entry: its groups in order, as the console prints them. */
static void partition_text(const feed *f, const entry *e, char *text, size_t len, cJSON *nodes,
                           uint32_t *more)
{
    size_t at = 0;
    double max_group = 0, g, v;
    char num[32];
    for (size_t r = e->row; r < e->row + e->n; r++)
        if (csvtab_number(&g, NULL, 0, f->ev, r, f->ev_group) == 0 && g > max_group)
            max_group = g;
    put(text, len, &at, "partition: ");
    for (uint32_t k = 1; k <= (uint32_t)max_group && k <= 1000; k++) {
        put(text, len, &at, k > 1 ? " | {" : "{");
        int first = 1;
        for (size_t r = e->row; r < e->row + e->n; r++) {
            if (csvtab_number(&g, NULL, 0, f->ev, r, f->ev_group) != 0 || g != k ||
                csvtab_number(&v, NULL, 0, f->ev, r, f->ev_node) != 0)
                continue;
            snprintf(num, sizeof num, first ? "%.0f" : ",%.0f", v);
            put(text, len, &at, num);
            first = 0;
            if (k == 1) {
                if (cJSON_GetArraySize(nodes) < FEED_NODES)
                    cJSON_AddItemToArray(nodes, cJSON_CreateNumber(v));
                else
                    (*more)++;
            }
        }
        put(text, len, &at, "}");
    }
}

/* A field already checked by index_rows, or 0 when empty or absent. */
static double field(const csvtab *t, size_t row, size_t col)
{
    double v = 0;
    if (col == CSVTAB_NO_COL || csvtab_number(&v, NULL, 0, t, row, col) != 0)
        return 0;
    return v;
}

/* The kind, nodes, text and depth of entry e into o. */
static void describe(const feed *f, const entry *e, cJSON *o)
{
    char text[240];
    cJSON *nodes = cJSON_CreateArray();
    uint32_t more = 0;
    double node = 0, peer = 0, lat = 0, depth = 0;
    const char *kind;
    if (e->file == 1) {
        kind = "reorg";
        node = field(f->rg, e->row, f->rg_node);
        depth = field(f->rg, e->row, f->rg_depth);
        cJSON_AddItemToArray(nodes, cJSON_CreateNumber(node));
        snprintf(text, sizeof text, "node %.0f reorganised: depth %.0f, tip %.16s -> %.16s", node,
                 depth, csvtab_cell(f->rg, e->row, f->rg_old),
                 csvtab_cell(f->rg, e->row, f->rg_new));
    } else {
        kind = csvtab_cell(f->ev, e->row, f->ev_event);
        node = field(f->ev, e->row, f->ev_node);
        if (strcmp(kind, "partition") == 0) {
            partition_text(f, e, text, sizeof text, nodes, &more);
        } else if (strcmp(kind, "heal") == 0) {
            snprintf(text, sizeof text, "heal: every link is back");
        } else if (strcmp(kind, "latency") == 0) {
            peer = field(f->ev, e->row, f->ev_peer);
            lat = field(f->ev, e->row, f->ev_latency);
            int restored = lat == 0;
            cJSON_AddItemToArray(nodes, cJSON_CreateNumber(node));
            cJSON_AddItemToArray(nodes, cJSON_CreateNumber(peer));
            if (restored)
                snprintf(text, sizeof text, "link %.0f-%.0f: latency back to the scenario's", node,
                         peer);
            else
                snprintf(text, sizeof text, "link %.0f-%.0f: latency is now %g s", node, peer, lat);
        } else {
            static const char *const verbs[][2] = {
                {"crash", "crashed"}, {"restart", "restarted"}, {"join", "joined"}};
            const char *verb = kind;
            for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
                if (strcmp(kind, verbs[i][0]) == 0)
                    verb = verbs[i][1];
            cJSON_AddItemToArray(nodes, cJSON_CreateNumber(node));
            snprintf(text, sizeof text, "node %.0f %s", node, verb);
        }
    }
    cJSON_AddStringToObject(o, "kind", kind);
    cJSON_AddItemToObject(o, "nodes", nodes);
    cJSON_AddNumberToObject(o, "more_nodes", more);
    if (e->file == 1)
        cJSON_AddNumberToObject(o, "depth", depth);
    cJSON_AddStringToObject(o, "text", text);
}

int serve_feed_doc(cJSON **out, char *err, size_t errlen, const char *dir)
{
    feed f;
    memset(&f, 0, sizeof f);
    f.err = err;
    f.errlen = errlen;
    *out = NULL;
    int rc = load_table(&f, &f.ev, dir, "events.csv");
    if (rc == 0)
        rc = load_table(&f, &f.rg, dir, "reorgs.csv");
    if (rc == 0)
        rc = index_rows(&f);
    cJSON *doc = NULL, *arr = NULL;
    if (rc == 0) {
        if (f.n_e > 1)
            qsort(f.e, f.n_e, sizeof *f.e, entry_cmp);
        doc = cJSON_CreateObject();
        arr = doc ? cJSON_AddArrayToObject(doc, "events") : NULL;
        rc = arr ? 0 : 1;
    }
    size_t first = f.n_e > SERVE_FEED_MAX ? f.n_e - SERVE_FEED_MAX : 0;
    for (size_t i = first; rc == 0 && i < f.n_e; i++) {
        cJSON *o = cJSON_CreateObject();
        if (o == NULL || !cJSON_AddItemToArray(arr, o)) {
            cJSON_Delete(o);
            rc = 1;
            break;
        }
        cJSON_AddNumberToObject(o, "seq", (double)i + 1);
        cJSON_AddNumberToObject(o, "time_ns", (double)f.e[i].time_ns);
        describe(&f, &f.e[i], o);
    }
    if (rc == 1)
        snprintf(err, errlen, "%s: out of memory while reading its events", dir);
    if (rc != 0)
        cJSON_Delete(doc);
    else
        *out = doc;
    csvtab_free(f.ev);
    csvtab_free(f.rg);
    free(f.e);
    return rc;
}
