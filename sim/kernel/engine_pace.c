/* Pacing of the window loop on the wall clock (rank 0 only): waiting while
 * paused, sleeping to a realtime factor, and the setters dashboards call
 * during a run. Pacing changes when windows start, never what they do. */
#include "engine_pace.h"
#include "timeunit.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

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

void engine_pace(engine *e, pacing *p, int64_t window_ns)
{
    double f = engine_realtime_factor_load(e);
    if (f != p->factor) { /* engine_set_realtime: pace from here at the new factor */
        p->wall0_ns = engine_wall_ns();
        p->virt0_ns = window_ns;
        p->factor = f;
    }
    if (f <= 0)
        return;
    int64_t target = p->wall0_ns + (int64_t)((double)(window_ns - p->virt0_ns) / f);
    struct timespec ts = {.tv_sec = target / TIMEUNIT_NS_PER_S,
                          .tv_nsec = target % TIMEUNIT_NS_PER_S};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
        ;
}

void engine_set_paused(engine *e, int paused)
{
    lock(&e->pause_mu);
    atomic_store(&e->paused, paused != 0);
    check_pthread(pthread_cond_broadcast(&e->pause_cv), "pthread_cond_broadcast");
    unlock(&e->pause_mu);
}

/* ---- realtime factor, changed during a run (dashboards) ---- */

int engine_set_realtime(engine *e, double factor)
{
    if (!(factor == 0 || (isfinite(factor) && factor > 0)))
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
