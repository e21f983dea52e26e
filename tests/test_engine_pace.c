/* Wall-clock pacing of the engine (engine_pace.c): the range of realtime
 * factors (engine_new, engine_set_realtime), and engine_pace itself driven
 * directly on a fresh engine: a factor far below the range (forced past the
 * setter) waits instead of overflowing and giving up, and a stop, a new
 * factor or a pause arriving while it waits for a far window are honoured
 * at once. The timing assertions have wide margins: lower bounds are what
 * the code promises, upper bounds only catch a wait that ignores the event
 * (the old behaviour was a sleep of the whole distance: hours). */
#include "engine.h"
#include "engine_pace.h"
#include "testutil.h"
#include "timeunit.h"

#include <pthread.h>
#include <string.h>
#include <time.h>

static const int64_t MS = TIMEUNIT_NS_PER_S / 1000;

static void noop_event(void *ctx, engine_call *call, uint32_t dst, const engine_event *ev)
{
    (void)ctx;
    (void)call;
    (void)dst;
    (void)ev;
}

static engine *new_engine(void)
{
    engine_config cfg = {.nodes = 1, .lookahead_ns = MS, .model = {.on_event = noop_event}};
    engine *e;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_OK);
    return e;
}

/* Writes factor into e as engine_set_realtime would, without its check: what
 * engine_pace must survive if a caller ever got a bad factor through. */
static void force_factor(engine *e, double factor)
{
    uint64_t bits;
    memcpy(&bits, &factor, sizeof bits);
    atomic_store(&e->realtime_bits, bits);
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * MS};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* What a helper thread does to the engine after a delay. */
typedef struct later {
    engine *e;
    int64_t delay_ms;
    enum { LATER_STOP, LATER_FACTOR, LATER_PAUSE } what;
    double factor;     /* LATER_FACTOR */
    int64_t paused_ms; /* LATER_PAUSE: how long the pause lasts */
} later;

static void *later_main(void *arg)
{
    later *l = arg;
    sleep_ms(l->delay_ms);
    if (l->what == LATER_STOP) {
        engine_request_stop(l->e);
    } else if (l->what == LATER_FACTOR) {
        ck_assert_int_eq(engine_set_realtime(l->e, l->factor), ENGINE_OK);
    } else {
        engine_set_paused(l->e, 1);
        sleep_ms(l->paused_ms);
        engine_set_paused(l->e, 0);
    }
    return NULL;
}

/* Paces to window_ns from (now, 0) at the engine's factor while l acts;
 * returns the wall-clock seconds engine_pace took. */
static double pace_with(engine *e, later *l, int64_t window_ns)
{
    pthread_t t;
    pacing p = {.wall0_ns = engine_wall_ns(), .virt0_ns = 0, .factor = engine_realtime(e)};
    int64_t t0 = p.wall0_ns;
    ck_assert_int_eq(pthread_create(&t, NULL, later_main, l), 0);
    engine_pace(e, &p, window_ns);
    double secs = (double)(engine_wall_ns() - t0) / (double)TIMEUNIT_NS_PER_S;
    ck_assert_int_eq(pthread_join(t, NULL), 0);
    return secs;
}

START_TEST(factor_range)
{
    static const double good[] = {0, ENGINE_REALTIME_MIN, 1, 20, ENGINE_REALTIME_MAX};
    static const double bad[] = {1e-300, 5e-324, 9e-4, -1, 1.000001e6, 1e300};
    engine *e = new_engine();
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        ck_assert_msg(engine_realtime_valid(good[i]), "%g refused", good[i]);
        ck_assert_int_eq(engine_set_realtime(e, good[i]), ENGINE_OK);
        ck_assert(engine_realtime(e) == good[i]);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(!engine_realtime_valid(bad[i]), "%g accepted", bad[i]);
        ck_assert_int_eq(engine_set_realtime(e, bad[i]), ENGINE_E_REALTIME);
        ck_assert(engine_realtime(e) == ENGINE_REALTIME_MAX); /* unchanged */
    }
    ck_assert(!engine_realtime_valid(0.0 / 0.0));
    ck_assert(!engine_realtime_valid(1.0 / 0.0));
    ck_assert_int_eq(engine_set_realtime(e, 0.0 / 0.0), ENGINE_E_REALTIME);
    engine_free(e);
    engine_config cfg = {.nodes = 1,
                         .lookahead_ns = MS,
                         .realtime_factor = 1e-300,
                         .model = {.on_event = noop_event}};
    e = (engine *)&cfg;
    ck_assert_int_eq(engine_new(&e, &cfg), ENGINE_E_REALTIME);
    ck_assert_ptr_null(e);
    ck_assert_str_eq(engine_status_message(ENGINE_E_REALTIME),
                     "the realtime factor must be 0 (off) or a number from 0.001 to 1000000");
}
END_TEST

/* At 1e-300 one virtual second is 1e309 ns of wall clock: beyond int64 (and
 * beyond double: infinity). engine_pace must wait (the window is not due)
 * until the stop, not overflow into a time in the past and return. */
START_TEST(tiny_factor_waits_until_stopped)
{
    engine *e = new_engine();
    force_factor(e, 1e-300);
    later l = {.e = e, .delay_ms = 300, .what = LATER_STOP};
    double secs = pace_with(e, &l, TIMEUNIT_NS_PER_S);
    ck_assert_msg(secs >= 0.25, "engine_pace returned after %.3f s, before the stop", secs);
    ck_assert_msg(secs < 5, "engine_pace took %.3f s after a stop at 0.3 s", secs);
    engine_free(e);
}
END_TEST

/* A run that reaches the pace with a stop already requested does not wait. */
START_TEST(stop_requested_before_returns_at_once)
{
    engine *e = new_engine();
    ck_assert_int_eq(engine_set_realtime(e, ENGINE_REALTIME_MIN), ENGINE_OK);
    engine_request_stop(e);
    pacing p = {.wall0_ns = engine_wall_ns(), .virt0_ns = 0, .factor = ENGINE_REALTIME_MIN};
    int64_t t0 = engine_wall_ns();
    engine_pace(e, &p, 3600 * TIMEUNIT_NS_PER_S);
    ck_assert_int_lt(engine_wall_ns() - t0, 2 * TIMEUNIT_NS_PER_S);
    engine_free(e);
}
END_TEST

/* At the slowest factor the next window (1 virtual s) is 1,000 s away; the
 * page then asks for full speed: the wait ends within a slice, not after
 * 1,000 s. */
START_TEST(new_factor_ends_a_long_wait)
{
    engine *e = new_engine();
    ck_assert_int_eq(engine_set_realtime(e, ENGINE_REALTIME_MIN), ENGINE_OK);
    later l = {.e = e, .delay_ms = 300, .what = LATER_FACTOR, .factor = ENGINE_REALTIME_MAX};
    double secs = pace_with(e, &l, TIMEUNIT_NS_PER_S);
    ck_assert_msg(secs >= 0.25, "engine_pace returned after %.3f s, before the change", secs);
    ck_assert_msg(secs < 5, "engine_pace took %.3f s after the factor changed at 0.3 s", secs);
    engine_free(e);
}
END_TEST

/* A pause in the middle of a wait is not counted as pacing time: a window
 * due 0.4 s after the start, with 0.6 s of pause in between, starts no
 * earlier than 1 s after the start. */
START_TEST(pause_during_a_wait_holds_the_window)
{
    engine *e = new_engine();
    ck_assert_int_eq(engine_set_realtime(e, 1), ENGINE_OK);
    later l = {.e = e, .delay_ms = 100, .what = LATER_PAUSE, .paused_ms = 600};
    double secs = pace_with(e, &l, 400 * MS);
    ck_assert_msg(secs >= 0.95, "the window started %.3f s after the start, within the pause",
                  secs);
    ck_assert_msg(secs < 5, "engine_pace took %.3f s", secs);
    engine_free(e);
}
END_TEST

/* Without a change, pacing keeps its promise: a window 0.3 virtual s ahead at
 * factor 1 starts 0.3 s later, not before. */
START_TEST(plain_pacing_waits_for_the_window)
{
    engine *e = new_engine();
    ck_assert_int_eq(engine_set_realtime(e, 1), ENGINE_OK);
    pacing p = {.wall0_ns = engine_wall_ns(), .virt0_ns = 0, .factor = 1};
    int64_t t0 = p.wall0_ns;
    engine_pace(e, &p, 300 * MS);
    int64_t took = engine_wall_ns() - t0;
    ck_assert_int_ge(took, 300 * MS);
    ck_assert_int_lt(took, 5 * TIMEUNIT_NS_PER_S);
    engine_free(e);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("engine_pace");
    TCase *tc = tcase_create("pace");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, factor_range);
    tcase_add_test(tc, tiny_factor_waits_until_stopped);
    tcase_add_test(tc, stop_requested_before_returns_at_once);
    tcase_add_test(tc, new_factor_ends_a_long_wait);
    tcase_add_test(tc, pause_during_a_wait_holds_the_window);
    tcase_add_test(tc, plain_pacing_waits_for_the_window);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
