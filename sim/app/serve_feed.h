/* The event feed of a finished run, for `chainsim serve`: what events.csv
 * and reorgs.csv of the run folder record (partitions, heals, crashes,
 * restarts, joins, latency changes, reorganisations), as the "feed"
 * document the live dashboard publishes (sim/app/dash.h), oldest first, the
 * newest SERVE_FEED_MAX entries. */
#ifndef CHAINSIM_SERVE_FEED_H
#define CHAINSIM_SERVE_FEED_H

#include <cjson/cJSON.h>
#include <stddef.h>

enum { SERVE_FEED_MAX = 200 };

/* Reads DIR/events.csv and DIR/reorgs.csv (a missing file adds nothing) into
 * *out, {"events": [{"seq", "time_ns", "kind", "nodes", "more_nodes", "text",
 * "depth"}]} (caller frees). Returns 0; 2 when a file is not a CSV table,
 * lacks a column, or holds a time, node or depth that is not a number
 * (err names the file, line and column); 1 when out of memory. *out is NULL
 * on failure. */
int serve_feed_doc(cJSON **out, char *err, size_t errlen, const char *dir)
    __attribute__((warn_unused_result));

#endif
