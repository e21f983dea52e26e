/* Pacing of the window loop on the wall clock (rank 0 only): waiting while
 * paused, sleeping to a realtime factor, and the setters dashboards call
 * during a run. Pacing changes when windows start, never what they do.
 *
 * The wait for a window is cut into slices of PACE_SLICE_NS: after each, a
 * new factor, a pause or a stop request is honoured, so none of them waits
 * for a window that a slow factor put far ahead on the wall clock. Times are
 * compared as doubles, and only a wait shorter than one slice becomes an
 * integer, so no factor can overflow the clock arithmetic. */
#include "engine_pace.h"
#include "timeunit.h"

#include <string.h>
#include <time.h>

/* The longest single sleep of engine_pace (50 ms). */
enum { PACE_SLICE_NS = 50 * 1000 * 1000 };

int64_t engine_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * TIMEUNIT_NS_PER_S + ts.tv_nsec;
}

double engine_realtime_factor_load(engine *e)
{
    uint64_t bits = atomic_load_explicit(&e->realtime_bits, memory_order_relaxed);
    double f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

void engine_wait_while_paused(engine *e, pacing *p)
{
    if (atomic_load_explicit(&e->paused, memory_order_acquire)) {
        int64_t t0 = engine_wall_ns();
        lock(&e->pause_mu);
        while (atomic_load_explicit(&e->paused, memory_order_acquire) &&
               !atomic_load_explicit(&e->stop_requested, memory_order_acquire))
            check_pthread(pthread_cond_wait(&e->pause_cv, &e->pause_mu), "pthread_cond_wait");
        unlock(&e->pause_mu);
        p->wall0_ns += engine_wall_ns() - t0;
    }
}

/* Rebases p at the virtual time reached by now at its old factor (at most
 * window_ns), so that a new factor paces from there. */
static void rebase(pacing *p, int64_t now_ns, int64_t window_ns, double factor)
{
    double reached = (double)(now_ns - p->wall0_ns) * p->factor;
    double left = (double)window_ns - (double)p->virt0_ns;
    if (p->factor > 0 && reached > 0 && reached < left)
        p->virt0_ns += (int64_t)reached;
    else if (p->factor > 0 && reached >= left)
        p->virt0_ns = window_ns;
    p->wall0_ns = now_ns;
    p->factor = factor;
}

void engine_pace(engine *e, pacing *p, int64_t window_ns)
{
    double f = engine_realtime_factor_load(e);
    if (f != p->factor) { /* changed between windows: pace from this one at the new factor */
        p->wall0_ns = engine_wall_ns();
        p->virt0_ns = window_ns;
        p->factor = f;
    }
    for (;;) {
        if (!(f > 0) || atomic_load_explicit(&e->stop_requested, memory_order_acquire))
            return;
        int64_t now = engine_wall_ns();
        /* How long until the window is due, in doubles: a far window at a small
         * factor gives a huge number, which only means "not yet" (the product
         * is never converted to an integer unless it is below one slice). */
        double due_ns = (double)(p->wall0_ns - now) + ((double)window_ns - (double)p->virt0_ns) / f;
        if (!(due_ns >= 1))
            return;
        int64_t nap = due_ns < (double)PACE_SLICE_NS ? (int64_t)due_ns : PACE_SLICE_NS;
        struct timespec ts = {.tv_sec = nap / TIMEUNIT_NS_PER_S,
                              .tv_nsec = nap % TIMEUNIT_NS_PER_S};
        clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL); /* EINTR: the loop sleeps again */
        engine_wait_while_paused(e, p);
        double g = engine_realtime_factor_load(e);
        if (g != f) { /* engine_set_realtime while waiting: from here at the new factor */
            rebase(p, engine_wall_ns(), window_ns, g);
            f = g;
        }
    }
}

void engine_set_paused(engine *e, int paused)
{
    lock(&e->pause_mu);
    atomic_store(&e->paused, paused != 0);
    check_pthread(pthread_cond_broadcast(&e->pause_cv), "pthread_cond_broadcast");
    unlock(&e->pause_mu);
}

/* ---- realtime factor, changed during a run (dashboards) ---- */

int engine_realtime_valid(double factor)
{
    return factor == 0 || (factor >= ENGINE_REALTIME_MIN && factor <= ENGINE_REALTIME_MAX);
}

int engine_set_realtime(engine *e, double factor)
{
    if (!engine_realtime_valid(factor))
        return ENGINE_E_REALTIME;
    uint64_t bits;
    memcpy(&bits, &factor, sizeof bits);
    atomic_store_explicit(&e->realtime_bits, bits, memory_order_relaxed);
    return ENGINE_OK;
}

double engine_realtime(engine *e)
{
    return engine_realtime_factor_load(e);
}
