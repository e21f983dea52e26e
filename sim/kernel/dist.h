/* One run over several processes (MPI ranks started by mpirun): who this
 * process is, and the few collective steps the run needs besides the
 * engine's exchange. In a build without MPI, or when not started by mpirun,
 * there is one process and every call is the trivial one (a gather returns
 * the caller's own bytes), so callers need no special case.
 *
 * Every collective must be called by every process, in the same order, from
 * one thread at a time. A failure of MPI itself ends the whole job (MPI's
 * default error handler), never a hang. */
#ifndef CHAINSIM_DIST_H
#define CHAINSIM_DIST_H

#include <stddef.h>
#include <stdint.h>

/* Starts MPI when this process was started by mpirun (OMPI_COMM_WORLD_SIZE
 * or PMI_SIZE in the environment) and the build has MPI; else does nothing.
 * Returns 0, or -1 with a message in err (MPI could not start, or it cannot
 * be used from several threads one at a time, or mpirun started several
 * processes of a build without MPI). Call once, before any thread. */
int dist_start(char *err, size_t errlen);

/* Ends MPI if dist_start started it. Call once, after every collective. */
void dist_stop(void);

/* Ends every process of the job now with exit status code (MPI_Abort), or
 * this one alone with one process. Never returns. */
void dist_abort(int code) __attribute__((noreturn));

/* This process's index (0 = the one that prints and writes the shared
 * files) and the number of processes (1 without MPI). */
uint32_t dist_rank(void);
uint32_t dist_size(void);

/* 1 when this build has MPI. */
int dist_built(void);

/* Waits for every process. */
void dist_barrier(void);

/* Waits for every process like dist_barrier, but sleeps between looks
 * (every few milliseconds) instead of spinning: for a wait that may last
 * minutes, such as processes idle while process 0 serves a finished run's
 * dashboard. */
void dist_wait_all(void);

/* The largest v over all processes (every process gets it). */
int64_t dist_max_i64(int64_t v);

/* The sum of v over all processes (every process gets it). */
uint64_t dist_sum_u64(uint64_t v);

/* Byte-wise OR of buf (len bytes) over all processes, into every process's
 * buf: each fills what it knows and leaves the rest zero. */
void dist_or_bytes(void *buf, size_t len);

/* Copies root's len bytes of buf into every process's buf. */
void dist_bcast(void *buf, size_t len, uint32_t root);

/* Gathers every process's bytes at process 0: there *out (malloc'ed, caller
 * frees) holds them one process after the other and lens[p] (dist_size()
 * entries, caller frees) their lengths; elsewhere *out = NULL, *lens = NULL.
 * Returns 0, or -1 when out of memory at any process (then at every
 * process, nothing allocated). */
int dist_gather(unsigned char **out, size_t **lens, const void *mine, size_t len)
    __attribute__((warn_unused_result));

/* The message of the lowest-numbered process whose ok is 0, at every
 * process (msg: that process's text, cap bytes, NUL-terminated), and 1 if
 * every process was ok. For errors one process meets alone (a write that
 * failed): process 0 then prints the one message. */
int dist_all_ok(int ok, char *msg, size_t cap);

#endif
