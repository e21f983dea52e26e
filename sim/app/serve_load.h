/* The loader of `chainsim serve RUN_DIR`: reads a finished run's outputs
 * back into one dashboard snapshot (the document dash_publish takes, the
 * shape `run --serve` publishes). The chain files are read through the one
 * chain-file reader (core/chainfile); summary.json gives the scenario as
 * run, from which sim/model/rules.c derives the node keys (to name block
 * producers), the wallets and the network, as the run did.
 *
 * Memory is proportional to the distinct blocks of the run, not to nodes
 * times chain length: nodes on the same chain share one hard-linked file
 * (one inode), which is read once, and chains that share a prefix share
 * its blocks (each block is kept once, by id). Only one file's text and
 * parse tree exist at a time. */
#ifndef CHAINSIM_SERVE_LOAD_H
#define CHAINSIM_SERVE_LOAD_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* What the loader read, for the command's line and for tests. */
typedef struct serve_load_stats {
    size_t nodes;           /* nodes of the run (summary.json) */
    size_t chain_files;     /* nodeK_chain.json files present */
    size_t files_parsed;    /* distinct files (inodes) parsed */
    size_t blocks_read;     /* blocks in the parsed files */
    size_t blocks_distinct; /* distinct blocks kept */
} serve_load_stats;

/* Reads dir (summary.json, then node1_chain.json ... nodeN_chain.json for
 * the run's N nodes; a node without a file shows no chain; events.csv and
 * reorgs.csv, when present, for the feed) into *out, a new snapshot
 * document (caller owns it; dash_publish takes it). Returns 0; or 2 (bad
 * input: no or a bad summary.json, a malformed chain file, a file whose
 * blocks do not link up or whose block 0 is not the run's genesis, two
 * files that disagree on a block's height, a malformed events.csv or
 * reorgs.csv) or 1 (out of memory), with
 * *out NULL and one line in err naming the file, the JSON path or block,
 * and what was expected. stats may be NULL. Not thread-safe (the JSON
 * reader is not). */
int serve_load(cJSON **out, serve_load_stats *stats, char *err, size_t errlen, const char *dir)
    __attribute__((warn_unused_result));

#endif
