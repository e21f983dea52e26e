/* Progress of a run on stderr: virtual time, the rate (virtual seconds per
 * wall second) and the time left. On a terminal a bar redrawn in place at
 * each sample; otherwise a line every few seconds (log files, CI); with
 * --quiet a short line every thirty seconds, so a long run still says it is
 * alive. Only stderr: stdout and the files do not change, and the wall
 * clock it reads touches nothing else. */
#ifndef CHAINSIM_PROGRESS_H
#define CHAINSIM_PROGRESS_H

#include "world.h"

#include <stddef.h>
#include <stdint.h>

/* How progress is shown. */
typedef enum progress_mode {
    PROGRESS_OFF,   /* nothing */
    PROGRESS_BAR,   /* a terminal: a bar redrawn in place */
    PROGRESS_LINES, /* not a terminal: a line every interval */
    PROGRESS_ALIVE, /* --quiet: a short line every six intervals */
} progress_mode;

/* The default seconds between progress lines. */
#define PROGRESS_INTERVAL_S 5.0

/* Reads the interval between progress lines from the environment variable
 * CHAINSIM_PROGRESS_INTERVAL (seconds, a decimal >= 0; 0 turns progress off)
 * into *interval_s, PROGRESS_INTERVAL_S when it is unset or empty. Returns
 * 0, or -1 with a message in err (errlen bytes) when it is not a number. */
int progress_interval_from_env(double *interval_s, char *err, size_t errlen)
    __attribute__((warn_unused_result));

/* The mode for a run: quiet (--quiet), stderr a terminal, the interval. */
progress_mode progress_choose(int quiet, int on_terminal, double interval_s);

/* Formats one report into buf (len bytes, NUL-terminated): the run is at
 * now_ns of duration_ns virtual time after elapsed_s wall seconds, the
 * highest chain at height. Without the bar's carriage return or a newline.
 * Returns buf. */
char *progress_format(char *buf, size_t len, progress_mode mode, int64_t now_ns,
                      int64_t duration_ns, double elapsed_s, uint32_t height);

/* The reporter of one run. Fields are private. */
typedef struct progress {
    world *w;
    world_hooks inner; /* the hooks it wraps (the dashboard's) */
    progress_mode mode;
    double interval_s;
    double start_s, last_s; /* wall clock: the run's start, the last report */
    int drawn;              /* the bar is on the terminal's line */
} progress;

/* Starts reporting w's run: wraps w's sample hooks (call after any other
 * hook is installed, before engine_run). Controlling thread. */
void progress_start(progress *p, world *w, progress_mode mode, double interval_s);

/* Clears the bar and gives w its hooks back (after engine_run). */
void progress_end(progress *p);

#endif
