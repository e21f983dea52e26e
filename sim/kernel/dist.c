/* The processes of a run (dist.h): MPI when the build has it and mpirun
 * started this process, else one process and trivial collectives. The MPI
 * calls run from one thread at a time (MPI_THREAD_SERIALIZED): the engine
 * makes them at window barriers, the run between engine runs. */
#include "dist.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef CHAINSIM_HAVE_MPI
#include <mpi.h>
#endif

static uint32_t my_rank, n_procs = 1;
#ifdef CHAINSIM_HAVE_MPI
static int started;
#endif

int dist_built(void)
{
#ifdef CHAINSIM_HAVE_MPI
    return 1;
#else
    return 0;
#endif
}

int dist_start(char *err, size_t errlen)
{
    (void)err;
    (void)errlen;
#ifdef CHAINSIM_HAVE_MPI
    if (getenv("OMPI_COMM_WORLD_SIZE") == NULL && getenv("PMI_SIZE") == NULL &&
        getenv("PMIX_RANK") == NULL)
        return 0;
    int provided = 0, rank = 0, size = 1;
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
        snprintf(err, errlen, "MPI: cannot start");
        return -1;
    }
    started = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    my_rank = (uint32_t)rank;
    n_procs = (uint32_t)size;
    if (provided < MPI_THREAD_SERIALIZED) {
        snprintf(err, errlen, "MPI: this MPI cannot be called from several threads in turn");
        return -1;
    }
#else
    const char *world = getenv("OMPI_COMM_WORLD_SIZE");
    if (world != NULL && atoi(world) > 1) {
        snprintf(err, errlen,
                 "started by mpirun with %s processes, but this chainsim was built without MPI "
                 "(install libopenmpi-dev and build again)",
                 world);
        return -1;
    }
#endif
    return 0;
}

void dist_stop(void)
{
#ifdef CHAINSIM_HAVE_MPI
    if (started)
        MPI_Finalize();
    started = 0;
#endif
}

void dist_abort(int code)
{
    fflush(stdout);
    fflush(stderr);
#ifdef CHAINSIM_HAVE_MPI
    if (started && n_procs > 1)
        MPI_Abort(MPI_COMM_WORLD, code);
#endif
    exit(code);
}

uint32_t dist_rank(void)
{
    return my_rank;
}

uint32_t dist_size(void)
{
    return n_procs;
}

void dist_barrier(void)
{
#ifdef CHAINSIM_HAVE_MPI
    if (n_procs > 1)
        MPI_Barrier(MPI_COMM_WORLD);
#endif
}

void dist_wait_all(void)
{
#ifdef CHAINSIM_HAVE_MPI
    if (n_procs <= 1)
        return;
    MPI_Request req;
    MPI_Ibarrier(MPI_COMM_WORLD, &req);
    for (;;) {
        int done = 0;
        MPI_Test(&req, &done, MPI_STATUS_IGNORE);
        if (done)
            return;
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
#endif
}

int64_t dist_max_i64(int64_t v)
{
#ifdef CHAINSIM_HAVE_MPI
    if (n_procs > 1) {
        long long in = v, out = 0;
        MPI_Allreduce(&in, &out, 1, MPI_LONG_LONG, MPI_MAX, MPI_COMM_WORLD);
        return (int64_t)out;
    }
#endif
    return v;
}

uint64_t dist_sum_u64(uint64_t v)
{
#ifdef CHAINSIM_HAVE_MPI
    if (n_procs > 1) {
        unsigned long long in = v, out = 0;
        MPI_Allreduce(&in, &out, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
        return (uint64_t)out;
    }
#endif
    return v;
}

#ifdef CHAINSIM_HAVE_MPI
/* MPI counts are ints: larger pieces go in chunks of CHUNK bytes. */
#define CHUNK ((size_t)1 << 30)
#endif

void dist_or_bytes(void *buf, size_t len)
{
#ifdef CHAINSIM_HAVE_MPI
    if (n_procs > 1)
        for (size_t at = 0; at < len; at += CHUNK) {
            size_t n = len - at < CHUNK ? len - at : CHUNK;
            MPI_Allreduce(MPI_IN_PLACE, (unsigned char *)buf + at, (int)n, MPI_BYTE, MPI_BOR,
                          MPI_COMM_WORLD);
        }
#else
    (void)buf;
    (void)len;
#endif
}

void dist_bcast(void *buf, size_t len, uint32_t root)
{
#ifdef CHAINSIM_HAVE_MPI
    if (n_procs > 1)
        for (size_t at = 0; at < len; at += CHUNK) {
            size_t n = len - at < CHUNK ? len - at : CHUNK;
            MPI_Bcast((unsigned char *)buf + at, (int)n, MPI_BYTE, (int)root, MPI_COMM_WORLD);
        }
#else
    (void)buf;
    (void)len;
    (void)root;
#endif
}

int dist_gather(unsigned char **out, size_t **lens, const void *mine, size_t len)
{
    *out = NULL;
    *lens = NULL;
    if (n_procs == 1) {
        *lens = malloc(sizeof **lens);
        *out = malloc(len ? len : 1);
        if (*lens == NULL || *out == NULL) {
            free(*lens);
            free(*out);
            *out = NULL;
            *lens = NULL;
            return -1;
        }
        (*lens)[0] = len;
        if (len)
            memcpy(*out, mine, len);
        return 0;
    }
#ifdef CHAINSIM_HAVE_MPI
    /* Lengths first, then each process's bytes in turn (point to point, in
     * chunks: a process may hold more than an int's worth). */
    unsigned long long my_len = len, *all = NULL;
    int ok = 1;
    if (my_rank == 0) {
        all = calloc(n_procs, sizeof *all);
        ok = all != NULL;
    }
    MPI_Gather(&my_len, 1, MPI_UNSIGNED_LONG_LONG, all, 1, MPI_UNSIGNED_LONG_LONG, 0,
               MPI_COMM_WORLD);
    size_t total = 0;
    if (my_rank == 0 && ok) {
        for (uint32_t p = 0; p < n_procs; p++)
            total += (size_t)all[p];
        *out = malloc(total ? total : 1);
        *lens = malloc(n_procs * sizeof **lens);
        ok = *out != NULL && *lens != NULL;
    }
    int all_ok = 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (!all_ok) {
        free(all);
        free(*out);
        free(*lens);
        *out = NULL;
        *lens = NULL;
        return -1;
    }
    if (my_rank == 0) {
        size_t at = 0;
        for (uint32_t p = 0; p < n_procs; p++) {
            (*lens)[p] = (size_t)all[p];
            if (p == 0) {
                if (len)
                    memcpy(*out, mine, len);
            } else {
                for (size_t off = 0; off < (*lens)[p]; off += CHUNK) {
                    size_t n = (*lens)[p] - off < CHUNK ? (*lens)[p] - off : CHUNK;
                    MPI_Recv(*out + at + off, (int)n, MPI_BYTE, (int)p, 7, MPI_COMM_WORLD,
                             MPI_STATUS_IGNORE);
                }
            }
            at += (*lens)[p];
        }
    } else {
        for (size_t off = 0; off < len; off += CHUNK) {
            size_t n = len - off < CHUNK ? len - off : CHUNK;
            MPI_Send((const unsigned char *)mine + off, (int)n, MPI_BYTE, 0, 7, MPI_COMM_WORLD);
        }
    }
    free(all);
    return 0;
#else
    return -1;
#endif
}

int dist_all_ok(int ok, char *msg, size_t cap)
{
    if (n_procs == 1)
        return ok;
#ifdef CHAINSIM_HAVE_MPI
    int in = ok ? INT_MAX : (int)my_rank, first = INT_MAX;
    MPI_Allreduce(&in, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == INT_MAX)
        return 1;
    MPI_Bcast(msg, (int)(cap < INT_MAX ? cap : INT_MAX), MPI_CHAR, first, MPI_COMM_WORLD);
    msg[cap - 1] = '\0';
    return 0;
#else
    (void)msg;
    (void)cap;
    return ok;
#endif
}
