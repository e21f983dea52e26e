/* The registry of a run's random streams: each purpose draws from its own
 * stream, rng_init(r, run seed, node, RNG_STREAM_*), so adding a draw for one
 * purpose never shifts another's. The ids live in the model, not in rng.h,
 * because the kernel's generator knows nothing of what a blockchain run draws
 * for. An id, once used, keeps its number: changing it changes every run. */
#ifndef CHAINSIM_STREAMS_H
#define CHAINSIM_STREAMS_H

enum {
    RNG_STREAM_NET = 1,     /* per node: link latency jitter and loss of what it sends */
    RNG_STREAM_WORK = 2,    /* per node: its wallets' payment times, payees and amounts */
    RNG_STREAM_TOPOLOGY = 3 /* one (node UINT32_MAX): the random graph */
};

#endif
