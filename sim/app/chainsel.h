/* Which nodes' chain files `chainsim run --chains` writes: all (the
 * default), none, main (the nodes whose final chain is the run's main
 * chain) or a list of node numbers and ranges such as 1,5,10-20. */
#ifndef CHAINSIM_CHAINSEL_H
#define CHAINSIM_CHAINSEL_H

#include <stddef.h>
#include <stdint.h>

typedef enum chainsel_kind {
    CHAINSEL_ALL,
    CHAINSEL_NONE,
    CHAINSEL_MAIN,
    CHAINSEL_LIST
} chainsel_kind;

/* One range of node numbers, first..last (1-based, first <= last). */
typedef struct chainsel_range {
    uint32_t first, last;
} chainsel_range;

/* A parsed --chains value. Zeroed, it selects all. */
typedef struct chainsel {
    chainsel_kind kind;
    chainsel_range *ranges; /* CHAINSEL_LIST: n_ranges ranges, owned */
    size_t n_ranges;
} chainsel;

/* Parses text ("all", "none", "main", or node numbers and ranges separated
 * by commas: "1,5,10-20") into *out. Returns 0, or -1 with *out cleared and
 * a message in err naming the bad part (bad input, or out of memory). Free
 * with chainsel_clear. */
int chainsel_parse(chainsel *out, char *err, size_t errlen, const char *text)
    __attribute__((warn_unused_result));

/* Checks that every node number in sel is at most n_nodes. Returns 0, or -1
 * with a message in err naming the first number beyond it. */
int chainsel_check(const chainsel *sel, char *err, size_t errlen, uint32_t n_nodes)
    __attribute__((warn_unused_result));

/* True when sel selects node ni (0-based); on_main says whether its final
 * chain is the main chain (for CHAINSEL_MAIN). */
int chainsel_wants(const chainsel *sel, uint32_t ni, int on_main);

/* Frees the ranges; sel selects all afterwards. NULL is fine. */
void chainsel_clear(chainsel *sel);

#endif
