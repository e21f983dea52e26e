/* The progress reporter: it wraps the world's sample hooks, so it runs at
 * the sample barriers on the barrier thread, where the world is still and
 * the virtual time is exact, and it writes only to stderr. The bar of a
 * terminal is cleared before the sample's console lines go to stdout (the
 * same terminal, usually) and redrawn after them. */
#include "progress.h"
#include "timeunit.h"

#include "chain.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BAR_WIDTH 20
#define BAR_REDRAW_S 0.1 /* at most ten redraws a second when nothing cleared the bar */
#define ALIVE_FACTOR 6   /* --quiet reports every six intervals */

int progress_interval_from_env(double *interval_s, char *err, size_t errlen)
{
    const char *v = getenv("CHAINSIM_PROGRESS_INTERVAL");
    *interval_s = PROGRESS_INTERVAL_S;
    if (v == NULL || *v == '\0')
        return 0;
    char *end = NULL;
    errno = 0;
    double s = strtod(v, &end);
    if (errno != 0 || *end != '\0' || !isfinite(s) || s < 0 || s > 86400) {
        snprintf(err, errlen,
                 "CHAINSIM_PROGRESS_INTERVAL: expected seconds between progress lines, from 0 "
                 "(no progress) to 86400, not '%.40s'",
                 v);
        return -1;
    }
    *interval_s = s;
    return 0;
}

progress_mode progress_choose(int quiet, int on_terminal, double interval_s)
{
    if (interval_s <= 0)
        return PROGRESS_OFF;
    if (quiet)
        return PROGRESS_ALIVE;
    return on_terminal ? PROGRESS_BAR : PROGRESS_LINES;
}

/* A duration for people: "42s", "3m05s", "2h07m". */
static void fmt_duration(char *buf, size_t len, double s)
{
    if (!isfinite(s) || s < 0 || s > 1e8) {
        snprintf(buf, len, "?");
        return;
    }
    long t = lround(s);
    if (t < 60)
        snprintf(buf, len, "%lds", t);
    else if (t < 3600)
        snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, len, "%ldh%02ldm", t / 3600, t / 60 % 60);
}

char *progress_format(char *buf, size_t len, progress_mode mode, int64_t now_ns,
                      int64_t duration_ns, double elapsed_s, uint32_t height)
{
    double now_s = (double)now_ns / (double)TIMEUNIT_NS_PER_S;
    double total_s = (double)duration_ns / (double)TIMEUNIT_NS_PER_S;
    double frac = duration_ns > 0 ? (double)now_ns / (double)duration_ns : 1.0;
    if (frac < 0)
        frac = 0;
    if (frac > 1)
        frac = 1;
    double rate = elapsed_s > 0 ? now_s / elapsed_s : 0;
    char left[24], rate_txt[24];
    fmt_duration(left, sizeof left, rate > 0 ? (total_s - now_s) / rate : NAN);
    snprintf(rate_txt, sizeof rate_txt, rate >= 100 ? "%.0fx" : "%.3gx", rate);
    switch (mode) {
    case PROGRESS_BAR: {
        int bar = (int)(frac * BAR_WIDTH);
        snprintf(buf, len, "[%.*s%*s] %5.1f%%  %.0f of %.0f s  %s  height %u  ETA %s", bar,
                 "====================", BAR_WIDTH - bar, "", 100 * frac, now_s, total_s, rate_txt,
                 height, left);
        break;
    }
    case PROGRESS_LINES:
        snprintf(buf, len,
                 "chainsim: progress: %.0f of %.0f virtual s (%.1f%%), %s real time, height %u, "
                 "ETA %s",
                 now_s, total_s, 100 * frac, rate_txt, height, left);
        break;
    case PROGRESS_ALIVE:
        snprintf(buf, len, "chainsim: running: %.0f%% of %.0f virtual s, ETA %s", 100 * frac,
                 total_s, left);
        break;
    case PROGRESS_OFF:
    default:
        if (len > 0)
            buf[0] = '\0';
        break;
    }
    return buf;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / (double)TIMEUNIT_NS_PER_S;
}

static void clear_bar(progress *p)
{
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->drawn = 0;
    }
}

/* The highest chain of the run (barrier only). */
static uint32_t best_height(const world *w)
{
    uint32_t best = 0;
    for (uint32_t i = 0; i < w->n; i++)
        if (w->nodes[i].n != NULL && chain_height(node_chain(w->nodes[i].n)) > best)
            best = chain_height(node_chain(w->nodes[i].n));
    return best;
}

/* Console lines waiting for this sample (they print before the bar). */
static int lines_pending(const world *w)
{
    for (uint32_t i = 0; i <= w->n; i++)
        if (w->nodes[i].n_lines > 0)
            return 1;
    return 0;
}

static void on_error(void *ctx, const char *message)
{
    progress *p = ctx;
    clear_bar(p);
    p->inner.error(p->inner.ctx, message);
}

static void before_sample(void *ctx, engine_call *call)
{
    progress *p = ctx;
    if (p->inner.before_sample)
        p->inner.before_sample(p->inner.ctx, call);
    if (lines_pending(p->w))
        clear_bar(p);
}

static void after_sample(void *ctx, int64_t now_ns)
{
    progress *p = ctx;
    if (p->inner.after_sample)
        p->inner.after_sample(p->inner.ctx, now_ns);
    double now = wall_now();
    double every = p->mode == PROGRESS_BAR     ? BAR_REDRAW_S
                   : p->mode == PROGRESS_ALIVE ? ALIVE_FACTOR * p->interval_s
                                               : p->interval_s;
    if (p->drawn && now - p->last_s < every)
        return;
    if (p->mode != PROGRESS_BAR && now - p->last_s < every)
        return;
    char line[200];
    progress_format(line, sizeof line, p->mode, now_ns, p->w->scn.duration_ns, now - p->start_s,
                    best_height(p->w));
    if (p->mode == PROGRESS_BAR) {
        fprintf(stderr, "\r%s\033[K", line);
        p->drawn = 1;
    } else {
        fprintf(stderr, "%s\n", line);
    }
    fflush(stderr);
    p->last_s = now;
}

static void on_event(void *ctx, const world_feed_item *item)
{
    progress *p = ctx;
    p->inner.on_event(p->inner.ctx, item);
}

void progress_start(progress *p, world *w, progress_mode mode, double interval_s)
{
    memset(p, 0, sizeof *p);
    p->w = w;
    p->inner = w->hooks;
    p->mode = mode;
    p->interval_s = interval_s;
    p->start_s = p->last_s = wall_now();
    if (mode == PROGRESS_OFF)
        return;
    w->hooks.ctx = p;
    w->hooks.error = p->inner.error ? on_error : NULL;
    w->hooks.before_sample = before_sample;
    w->hooks.after_sample = after_sample;
    w->hooks.on_event = p->inner.on_event ? on_event : NULL;
}

void progress_end(progress *p)
{
    if (p->w == NULL)
        return;
    clear_bar(p);
    p->w->hooks = p->inner;
}
