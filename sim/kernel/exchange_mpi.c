/* The exchange between processes (exchange_link.h), over MPI collectives:
 * each local rank keeps the events it posts to each other process in its
 * own list (no lock); at the window's end the last rank to reach the
 * barrier packs them (a fixed header, then the payload's bytes from the
 * model's pack, after which the payload is let go with on_discard), and
 * the processes meet in one MPI_Alltoall that carries both the sizes and
 * the votes (each process reduces the votes itself), then, only when some
 * process has messages to send, one MPI_Alltoallv of the bytes. What
 * arrives is unpacked into per-rank lists that exchange_collect drains.
 * The order events travel in does not matter: the engine orders them by
 * key. Without MPI, xlink_new refuses and the rest is never called. */
#include "exchange_link.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef CHAINSIM_HAVE_MPI
#include <mpi.h>
#endif

/* A growing list of events. */
typedef struct evlist {
    engine_event *v;
    size_t len, cap;
} evlist;

struct xlink {
    uint32_t ranks, procs, proc;
    const uint32_t *owner;
    engine_model model;
    evlist *out; /* ranks * procs: [rank * procs + process] */
    evlist *in;  /* ranks */
    unsigned char *sendbuf, *recvbuf;
    size_t send_cap, recv_cap;
    int *send_n, *send_at, *recv_n, *recv_at; /* procs each */
    long long *head_out, *head_in;            /* procs * HEAD: sizes and votes */
    /* Counters, printed at the end with CHAINSIM_ENGINE_STATS set: windows
     * (steps), steps that moved bytes, events and bytes sent from here, the
     * most bytes sent from here in one step. */
    uint64_t steps, busy_steps, events_out, bytes_out, max_bytes_out;
};

/* Per pair of processes and window: bytes to it, bytes to all, the vote's
 * next_ns, global_ns and stop. */
#define HEAD 5

/* The fixed part of a packed event. */
typedef struct wire {
    int64_t time_ns;
    uint64_t seq, arg;
    uint32_t src, dst, type, len;
} wire;

static void die(const char *what)
{
    fprintf(stderr, "chainsim: exchange between processes: %s\n", what);
    abort();
}

static void push(evlist *l, const engine_event *ev)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        engine_event *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            die("out of memory");
        l->v = v;
        l->cap = cap;
    }
    l->v[l->len++] = *ev;
}

int exchange_linkable(void)
{
#ifdef CHAINSIM_HAVE_MPI
    return 1;
#else
    return 0;
#endif
}

void xlink_free(xlink *l)
{
    if (l == NULL)
        return;
    if (getenv("CHAINSIM_ENGINE_STATS") != NULL)
        fprintf(stderr,
                "exchange: process %u of %u: %llu windows, %llu with messages between "
                "processes; sent %llu events, %llu bytes, at most %llu bytes in one window\n",
                l->proc, l->procs, (unsigned long long)l->steps, (unsigned long long)l->busy_steps,
                (unsigned long long)l->events_out, (unsigned long long)l->bytes_out,
                (unsigned long long)l->max_bytes_out);
    for (size_t k = 0; l->out && k < (size_t)l->ranks * l->procs; k++) {
        for (size_t i = 0; l->model.on_discard && i < l->out[k].len; i++)
            l->model.on_discard(l->model.ctx, &l->out[k].v[i]);
        free(l->out[k].v);
    }
    for (uint32_t r = 0; l->in && r < l->ranks; r++) {
        for (size_t i = 0; l->model.on_discard && i < l->in[r].len; i++)
            l->model.on_discard(l->model.ctx, &l->in[r].v[i]);
        free(l->in[r].v);
    }
    free(l->out);
    free(l->in);
    free(l->sendbuf);
    free(l->recvbuf);
    free(l->send_n);
    free(l->send_at);
    free(l->recv_n);
    free(l->recv_at);
    free(l->head_out);
    free(l->head_in);
    free(l);
}

int xlink_new(xlink **out, uint32_t ranks, uint32_t procs, uint32_t proc, const uint32_t *owner,
              const engine_model *model)
{
    *out = NULL;
    if (!exchange_linkable())
        return ENGINE_E_PROCS;
    xlink *l = calloc(1, sizeof *l);
    if (l == NULL)
        return ENGINE_E_NOMEM;
    l->ranks = ranks;
    l->procs = procs;
    l->proc = proc;
    l->owner = owner;
    l->model = *model;
    l->out = calloc((size_t)ranks * procs, sizeof *l->out);
    l->in = calloc(ranks, sizeof *l->in);
    l->send_n = calloc(procs, sizeof(int));
    l->send_at = calloc(procs, sizeof(int));
    l->recv_n = calloc(procs, sizeof(int));
    l->recv_at = calloc(procs, sizeof(int));
    l->head_out = calloc((size_t)procs * HEAD, sizeof(long long));
    l->head_in = calloc((size_t)procs * HEAD, sizeof(long long));
    if (l->head_out == NULL || l->head_in == NULL || l->out == NULL || l->in == NULL ||
        l->send_n == NULL || l->send_at == NULL || l->recv_n == NULL || l->recv_at == NULL) {
        xlink_free(l);
        return ENGINE_E_NOMEM;
    }
    *out = l;
    return ENGINE_OK;
}

void xlink_post(xlink *l, uint32_t from, uint32_t proc, const engine_event *ev)
{
    push(&l->out[(size_t)from * l->procs + proc], ev);
}

#ifdef CHAINSIM_HAVE_MPI
/* Makes room for need more bytes at sendbuf + at. */
static void send_room(xlink *l, size_t at, size_t need)
{
    if (at + need <= l->send_cap)
        return;
    size_t cap = l->send_cap ? l->send_cap : 4096;
    while (cap < at + need)
        cap *= 2;
    unsigned char *b = realloc(l->sendbuf, cap);
    if (b == NULL)
        die("out of memory");
    l->sendbuf = b;
    l->send_cap = cap;
}

/* Packs every event posted to process p at sendbuf + at; returns the new end. */
static size_t pack_for(xlink *l, uint32_t p, size_t at)
{
    for (uint32_t r = 0; r < l->ranks; r++) {
        evlist *list = &l->out[(size_t)r * l->procs + p];
        for (size_t i = 0; i < list->len; i++) {
            const engine_event *ev = &list->v[i];
            send_room(l, at, sizeof(wire));
            size_t room = l->send_cap - at - sizeof(wire);
            size_t n = l->model.pack(l->model.ctx, ev, l->sendbuf + at + sizeof(wire), room);
            if (n > room) {
                send_room(l, at, sizeof(wire) + n);
                room = l->send_cap - at - sizeof(wire);
                if (l->model.pack(l->model.ctx, ev, l->sendbuf + at + sizeof(wire), room) != n)
                    die("a payload packed to two sizes");
            }
            if (n > UINT32_MAX)
                die("a payload of more than 4 GiB");
            wire w = {ev->time_ns, ev->seq, ev->arg, ev->src, ev->dst, ev->type, (uint32_t)n};
            memcpy(l->sendbuf + at, &w, sizeof w);
            at += sizeof w + n;
            l->events_out++;
            if (l->model.on_discard)
                l->model.on_discard(l->model.ctx, ev);
        }
        list->len = 0;
    }
    return at;
}

/* Unpacks len received bytes into the local ranks' lists. */
static void unpack_all(xlink *l, const unsigned char *buf, size_t len)
{
    size_t at = 0;
    while (at < len) {
        wire w;
        if (len - at < sizeof w)
            die("a truncated event");
        memcpy(&w, buf + at, sizeof w);
        at += sizeof w;
        if (w.len > len - at)
            die("a truncated payload");
        engine_event ev = {.time_ns = w.time_ns,
                           .src = w.src,
                           .dst = w.dst,
                           .seq = w.seq,
                           .type = w.type,
                           .payload = NULL,
                           .arg = w.arg};
        if (l->owner[ev.dst] >= l->ranks)
            die("an event for a node of another process");
        if (l->model.unpack(l->model.ctx, &ev, buf + at, w.len) != 0)
            die("a payload that does not unpack");
        at += w.len;
        push(&l->in[l->owner[ev.dst]], &ev);
    }
}

#endif

void xlink_step(xlink *l, exchange_vote *vote)
{
#ifdef CHAINSIM_HAVE_MPI
    size_t at = 0;
    for (uint32_t p = 0; p < l->procs; p++) {
        size_t start = at;
        if (p != l->proc)
            at = pack_for(l, p, at);
        if (at - start > INT_MAX || at > INT_MAX)
            die("more than 2 GiB of messages in one window");
        l->send_at[p] = (int)start;
        l->send_n[p] = (int)(at - start);
    }
    /* One all-to-all carries the sizes and the vote: each process tells
     * every other how many bytes it sends it, how many it sends in all, and
     * its vote, which every process then reduces itself. The bytes follow
     * in an all-to-all of their own only when some process sends any. */
    for (uint32_t p = 0; p < l->procs; p++) {
        long long *row = &l->head_out[(size_t)p * HEAD];
        row[0] = l->send_n[p];
        row[1] = (long long)at;
        row[2] = vote->next_ns;
        row[3] = vote->global_ns;
        row[4] = vote->stop != 0;
    }
    MPI_Alltoall(l->head_out, HEAD, MPI_LONG_LONG, l->head_in, HEAD, MPI_LONG_LONG, MPI_COMM_WORLD);
    l->steps++;
    l->bytes_out += at;
    if (at > l->max_bytes_out)
        l->max_bytes_out = at;
    size_t total = 0, sent_anywhere = 0;
    for (uint32_t p = 0; p < l->procs; p++) {
        const long long *row = &l->head_in[(size_t)p * HEAD];
        if (total > INT_MAX)
            die("more than 2 GiB of messages in one window");
        l->recv_at[p] = (int)total;
        l->recv_n[p] = (int)row[0];
        total += (size_t)row[0];
        sent_anywhere += (size_t)row[1];
        if (row[2] < vote->next_ns)
            vote->next_ns = row[2];
        if (row[3] < vote->global_ns)
            vote->global_ns = row[3];
        vote->stop |= row[4] != 0;
    }
    if (sent_anywhere == 0)
        return;
    l->busy_steps++;
    if (total > l->recv_cap) {
        unsigned char *b = realloc(l->recvbuf, total);
        if (b == NULL)
            die("out of memory");
        l->recvbuf = b;
        l->recv_cap = total;
    }
    MPI_Alltoallv(l->sendbuf, l->send_n, l->send_at, MPI_BYTE, l->recvbuf, l->recv_n, l->recv_at,
                  MPI_BYTE, MPI_COMM_WORLD);
    unpack_all(l, l->recvbuf, total);
#else
    (void)l;
    (void)vote;
    die("not an MPI build");
#endif
}

void xlink_collect(xlink *l, uint32_t rank, void (*sink)(void *ctx, const engine_event *ev),
                   void *ctx)
{
    evlist *list = &l->in[rank];
    for (size_t i = 0; i < list->len; i++)
        sink(ctx, &list->v[i]);
    list->len = 0;
}
