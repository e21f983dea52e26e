/* The signal thread of `chainsim run`: sigwait in one thread, so
 * that a signal never interrupts a worker or the HTTP server, and the only
 * thing it does is ask the engine to stop, under a mutex that the
 * controlling thread takes when the engine is done. */
#include "run_signals.h"

#include <stddef.h>

static void *signal_thread(void *arg)
{
    run_signals *ss = arg;
    int sig = 0;
    sigwait(&ss->set, &sig);
    pthread_mutex_lock(&ss->mu);
    ss->signalled = sig;
    if (ss->running)
        engine_request_stop(ss->running);
    pthread_mutex_unlock(&ss->mu);
    return NULL;
}

void run_signals_block(run_signals *ss)
{
    pthread_mutex_init(&ss->mu, NULL);
    sigemptyset(&ss->set);
    /* A signal the process was started ignoring stays ignored (nohup, a
     * background job of a script): blocked, Linux would queue it for
     * sigwait instead of discarding it. SIGTERM always ends the wait. */
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        if (sigs[i] == SIGTERM || sigaction(sigs[i], NULL, &sa) != 0 || sa.sa_handler != SIG_IGN)
            sigaddset(&ss->set, sigs[i]);
    }
    pthread_sigmask(SIG_BLOCK, &ss->set, &ss->old);
}

int run_signals_start(run_signals *ss, engine *eng)
{
    ss->running = eng;
    if (pthread_create(&ss->thread, NULL, signal_thread, ss) != 0)
        return -1;
    ss->started = 1;
    return 0;
}

int run_signals_engine_done(run_signals *ss)
{
    pthread_mutex_lock(&ss->mu);
    ss->running = NULL;
    int sig = ss->signalled;
    pthread_mutex_unlock(&ss->mu);
    return sig;
}

void run_signals_wait(run_signals *ss)
{
    if (ss->started)
        pthread_join(ss->thread, NULL);
}

void run_signals_cancel(run_signals *ss)
{
    if (!ss->started)
        return;
    pthread_kill(ss->thread, SIGTERM); /* taken by its sigwait */
    pthread_join(ss->thread, NULL);
}

void run_signals_restore(run_signals *ss)
{
    pthread_sigmask(SIG_SETMASK, &ss->old, NULL);
    pthread_mutex_destroy(&ss->mu);
}
