/* The window exchange between ranks, one thread per rank as the engine runs
 * it: every event posted reaches exactly its destination, once, with all its
 * fields, by the receiver's collect after the window it was posted in (and
 * never later than the window after); what a sender wrote before posting is
 * visible to the receiver (the ThreadSanitizer build checks that the hand-
 * over orders memory); every rank gets the same vote, the minimum next_ns
 * (counting the events posted in that window only) and global_ns and the or
 * of stop; the plain barrier orders plain writes. Each case runs with and
 * without spinning, and with more destinations than the sender's first
 * table holds. */
#include "exchange.h"
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOWS 24
#define MAX_RANKS 20
#define NO_POST_WINDOW(w) ((w) % 3 == 2) /* nobody posts in these windows */

/* Events rank `from` posts to rank `to` in window w (0 to 3). */
static uint32_t planned(uint32_t w, uint32_t from, uint32_t to)
{
    if (NO_POST_WINDOW(w))
        return 0;
    return (w + 3 * from + to) % 4;
}

/* The event's fields say who posted it where, when, and which one it was. */
static uint64_t key_of(uint32_t w, uint32_t from, uint32_t to, uint32_t i)
{
    return ((uint64_t)w << 32) | ((uint64_t)from << 24) | ((uint64_t)to << 16) | i;
}

static int64_t time_of(uint32_t w, uint32_t from, uint32_t to)
{
    return 1000 * (int64_t)w + 10 * (int64_t)from + to;
}

/* What rank r votes in window w; the posted events' times are lower. */
static exchange_vote vote_of(uint32_t w, uint32_t r, uint32_t ranks)
{
    exchange_vote v;
    v.next_ns = 1000 * (int64_t)w + 500 + (int64_t)((r * 7) % ranks);
    v.global_ns = 100000 - (int64_t)w - (int64_t)r;
    v.stop = w == WINDOWS - 1 && r == ranks / 2;
    return v;
}

static exchange_vote expected_vote(uint32_t w, uint32_t ranks)
{
    exchange_vote e = vote_of(w, 0, ranks);
    for (uint32_t r = 1; r < ranks; r++) {
        exchange_vote v = vote_of(w, r, ranks);
        e.next_ns = v.next_ns < e.next_ns ? v.next_ns : e.next_ns;
        e.global_ns = v.global_ns < e.global_ns ? v.global_ns : e.global_ns;
        e.stop |= v.stop;
    }
    for (uint32_t from = 0; from < ranks; from++)
        for (uint32_t to = 0; to < ranks; to++)
            if (from != to && planned(w, from, to) > 0 && time_of(w, from, to) < e.next_ns)
                e.next_ns = time_of(w, from, to);
    return e;
}

/* A payload: written by the sender before it posts, read by the receiver. */
typedef struct note {
    uint64_t key;
    uint32_t written;
} note;

typedef struct world {
    exchange *x;
    uint32_t ranks;
    note *notes;      /* one per planned event, indexed by note_index */
    uint8_t *seen;    /* how often each planned event was collected */
    uint32_t *seen_w; /* by receiver: window of its collect when it got it */
    exchange_vote votes[MAX_RANKS][WINDOWS];
    char error[MAX_RANKS][300];
} world;

static size_t note_index(uint32_t ranks, uint32_t w, uint32_t from, uint32_t to, uint32_t i)
{
    return (((size_t)w * ranks + from) * ranks + to) * 4 + i;
}

typedef struct rank_arg {
    world *wd;
    uint32_t rank;
    uint32_t window; /* the window whose collect is running */
} rank_arg;

static void sink(void *ctx, const engine_event *ev)
{
    rank_arg *a = ctx;
    world *wd = a->wd;
    if (a->wd->error[a->rank][0] != '\0')
        return;
    uint32_t w = (uint32_t)(ev->seq >> 32), from = (uint32_t)(ev->seq >> 24) & 0xff,
             to = (uint32_t)(ev->seq >> 16) & 0xff, i = (uint32_t)ev->seq & 0xffff;
    const note *n = ev->payload;
    int ok = to == a->rank && from < wd->ranks && from != to && w < WINDOWS &&
             i < planned(w, from, to) && ev->src == from && ev->dst == to &&
             ev->time_ns == time_of(w, from, to) && ev->type == w && ev->arg == ~ev->seq &&
             n == &wd->notes[note_index(wd->ranks, w, from, to, i)] && n->key == ev->seq &&
             n->written == 1;
    if (!ok) {
        snprintf(wd->error[a->rank], sizeof wd->error[a->rank],
                 "rank %u got a wrong event in window %u: seq %llx src %u dst %u time %lld",
                 a->rank, a->window, (unsigned long long)ev->seq, ev->src, ev->dst,
                 (long long)ev->time_ns);
        return;
    }
    size_t at = note_index(wd->ranks, w, from, to, i);
    wd->seen[at]++; /* only the receiver `to` touches this entry */
    wd->seen_w[at] = a->window;
}

static void *rank_main(void *arg)
{
    rank_arg *a = arg;
    world *wd = a->wd;
    uint32_t r = a->rank;
    for (uint32_t w = 0; w < WINDOWS; w++) {
        /* Round-robin over the destinations, so that consecutive posts
         * rarely go to the same rank. */
        for (uint32_t i = 0; i < 4; i++)
            for (uint32_t d = 0; d < wd->ranks; d++) {
                if (d == r || i >= planned(w, r, d))
                    continue;
                note *n = &wd->notes[note_index(wd->ranks, w, r, d, i)];
                n->key = key_of(w, r, d, i);
                n->written = 1;
                engine_event ev = {.time_ns = time_of(w, r, d),
                                   .src = r,
                                   .dst = d,
                                   .seq = n->key,
                                   .type = w,
                                   .payload = n,
                                   .arg = ~n->key};
                exchange_post(wd->x, r, d, &ev);
            }
        exchange_vote mine = vote_of(w, r, wd->ranks), all;
        memset(&all, 0xa5, sizeof all);
        exchange_end_window(wd->x, r, &mine, &all);
        wd->votes[r][w] = all;
        a->window = w;
        exchange_collect(wd->x, r, sink, a);
    }
    return NULL;
}

/* Runs WINDOWS windows with `ranks` threads and checks everything. */
static void run_world(uint32_t ranks, int spin)
{
    world *wd = calloc(1, sizeof *wd);
    ck_assert_ptr_nonnull(wd);
    wd->ranks = ranks;
    size_t n_notes = note_index(ranks, WINDOWS, 0, 0, 0);
    wd->notes = calloc(n_notes, sizeof *wd->notes);
    wd->seen = calloc(n_notes, 1);
    wd->seen_w = calloc(n_notes, sizeof *wd->seen_w);
    ck_assert(wd->notes && wd->seen && wd->seen_w);
    ck_assert_int_eq(exchange_new(&wd->x, ranks, spin), ENGINE_OK);
    pthread_t th[MAX_RANKS];
    rank_arg args[MAX_RANKS];
    for (uint32_t r = 0; r < ranks; r++) {
        args[r] = (rank_arg){wd, r, 0};
        ck_assert_int_eq(pthread_create(&th[r], NULL, rank_main, &args[r]), 0);
    }
    for (uint32_t r = 0; r < ranks; r++)
        ck_assert_int_eq(pthread_join(th[r], NULL), 0);
    for (uint32_t r = 0; r < ranks; r++)
        ck_assert_msg(wd->error[r][0] == '\0', "%s", wd->error[r]);
    size_t total = 0;
    for (uint32_t w = 0; w < WINDOWS; w++) {
        exchange_vote e = expected_vote(w, ranks);
        for (uint32_t r = 0; r < ranks; r++) {
            const exchange_vote *v = &wd->votes[r][w];
            ck_assert_msg(v->next_ns == e.next_ns && v->global_ns == e.global_ns &&
                              v->stop == e.stop,
                          "window %u rank %u: vote (%lld, %lld, %u), want (%lld, %lld, %u)", w, r,
                          (long long)v->next_ns, (long long)v->global_ns, v->stop,
                          (long long)e.next_ns, (long long)e.global_ns, e.stop);
        }
        for (uint32_t from = 0; from < ranks; from++)
            for (uint32_t to = 0; to < ranks; to++)
                for (uint32_t i = 0; from != to && i < planned(w, from, to); i++) {
                    size_t at = note_index(ranks, w, from, to, i);
                    ck_assert_msg(wd->seen[at] == 1,
                                  "event %u of window %u from %u to %u collected %u times", i, w,
                                  from, to, wd->seen[at]);
                    /* By the collect after its window, at the earliest the
                     * one before (a fast sender's next window). */
                    ck_assert_msg(wd->seen_w[at] == w || wd->seen_w[at] + 1 == w,
                                  "event of window %u collected after window %u", w,
                                  wd->seen_w[at]);
                    total++;
                }
    }
    ck_assert_uint_gt(total, 0);
    exchange_free(wd->x);
    free(wd->notes);
    free(wd->seen);
    free(wd->seen_w);
    free(wd);
}

START_TEST(two_ranks_sleeping)
{
    run_world(2, 0);
}
END_TEST

START_TEST(five_ranks_spinning)
{
    run_world(5, 1);
}
END_TEST

/* 19 destinations per sender: more than its first table's 16 slots. */
START_TEST(twenty_ranks)
{
    run_world(20, 0);
}
END_TEST

START_TEST(one_rank_votes_alone)
{
    exchange *x;
    ck_assert_int_eq(exchange_new(&x, 1, _i), ENGINE_OK);
    for (int w = 0; w < 3; w++) {
        exchange_vote mine = {.next_ns = 42 + w, .global_ns = INT64_MAX, .stop = (uint32_t)w == 2};
        exchange_vote all;
        memset(&all, 0xa5, sizeof all);
        exchange_end_window(x, 0, &mine, &all);
        ck_assert_int_eq(all.next_ns, 42 + w);
        ck_assert_int_eq(all.global_ns, INT64_MAX);
        ck_assert_uint_eq(all.stop, (uint32_t)w == 2);
        exchange_barrier(x, 0);
    }
    exchange_free(x);
    exchange_free(NULL);
}
END_TEST

/* ---- the plain barrier ------------------------------------------------ */

#define BARRIER_RANKS 4
#define ROUNDS 200

typedef struct barrier_world {
    exchange *x;
    uint32_t slot[BARRIER_RANKS]; /* plain memory: the barrier must order it */
    int bad[BARRIER_RANKS];
} barrier_world;

typedef struct barrier_arg {
    barrier_world *bw;
    uint32_t rank;
} barrier_arg;

static void *barrier_main(void *arg)
{
    barrier_arg *a = arg;
    barrier_world *bw = a->bw;
    for (uint32_t round = 1; round <= ROUNDS; round++) {
        bw->slot[a->rank] = round;
        exchange_barrier(bw->x, a->rank);
        for (uint32_t r = 0; r < BARRIER_RANKS; r++)
            if (bw->slot[r] != round)
                bw->bad[a->rank]++;
        exchange_barrier(bw->x, a->rank); /* nobody writes before all have read */
    }
    return NULL;
}

START_TEST(barrier_orders_plain_writes)
{
    barrier_world bw;
    memset(&bw, 0, sizeof bw);
    ck_assert_int_eq(exchange_new(&bw.x, BARRIER_RANKS, _i), ENGINE_OK);
    pthread_t th[BARRIER_RANKS];
    barrier_arg args[BARRIER_RANKS];
    for (uint32_t r = 0; r < BARRIER_RANKS; r++) {
        args[r] = (barrier_arg){&bw, r};
        ck_assert_int_eq(pthread_create(&th[r], NULL, barrier_main, &args[r]), 0);
    }
    for (uint32_t r = 0; r < BARRIER_RANKS; r++)
        ck_assert_int_eq(pthread_join(th[r], NULL), 0);
    for (uint32_t r = 0; r < BARRIER_RANKS; r++)
        ck_assert_msg(bw.bad[r] == 0, "rank %u saw %d stale slots", r, bw.bad[r]);
    exchange_free(bw.x);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("exchange");
    TCase *tc = tcase_create("exchange");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, two_ranks_sleeping);
    tcase_add_test(tc, five_ranks_spinning);
    tcase_add_test(tc, twenty_ranks);
    tcase_add_loop_test(tc, one_rank_votes_alone, 0, 2);        /* spin off, on */
    tcase_add_loop_test(tc, barrier_orders_plain_writes, 0, 2); /* spin off, on */
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return testutil_run(suite());
}
