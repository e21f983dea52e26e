/* The dashboard's block records as they cross between processes (a run over
 * several, mpirun): each block some node's active chain holds, as much as
 * the dashboard's records keep of it (dashrec), and the bytes that carry
 * such records to process 0. A process other than 0 sends, at each sample,
 * the blocks that are new on its nodes' active chains since its last send
 * (once per process, within the dashboard's window of recent heights),
 * so that process 0's records hold every node's branch and can follow a
 * far node's chain from its tip. The bytes are little-endian and of fixed
 * size per record:
 *   "DFB1", count (u32), then per block: id (32), parent (32, zero when
 *   none), producer key (32, zero when unknown), height (u32), transactions
 *   (u32, the coinbase included), header time (s, i64), slot (u64),
 *   empty slots before (u64), flags (u8: 1 has a parent, 2 producer known,
 *   4 a PoS or PoA slot, 8 empty_before known). */
#ifndef CHAINSIM_DASHFAR_H
#define CHAINSIM_DASHFAR_H

#include "chain.h"
#include "hash.h"
#include "hmap.h"
#include "keys.h"

#include <stddef.h>
#include <stdint.h>

/* One block as the dashboard's records keep it. */
typedef struct dashfar_block {
    hash256 id;
    hash256 parent; /* zero when !has_parent (genesis) */
    uint8_t producer[KEYS_PUB_BYTES];
    int has_parent, has_producer;
    uint32_t height;
    uint32_t n_tx;       /* the coinbase included */
    int64_t header_time; /* the header's time, seconds */
    int has_slot;        /* PoS or PoA: the block's slot */
    uint64_t slot;
    int has_empty; /* PoS: slots between the parent's and its own without a block */
    uint64_t empty_before;
} dashfar_block;

enum { DASHFAR_RECORD_BYTES = 3 * 32 + 4 + 4 + 8 + 8 + 8 + 1, DASHFAR_HEADER_BYTES = 8 };

/* The record of e, a block of c's tree (its producer: the PoS/PoA proposer,
 * else the owner of the coinbase's first output). */
void dashfar_block_of(dashfar_block *out, const chain *c, const chain_entry *e);

/* Packs n records into *out (malloc'ed, *len bytes). Returns 0, or -1 when
 * out of memory (*out NULL). */
int dashfar_pack(unsigned char **out, size_t *len, const dashfar_block *b, size_t n)
    __attribute__((warn_unused_result));

/* Reads len bytes of dashfar_pack into *out (malloc'ed, *n records; NULL
 * when none). Returns 0, or -1 with err saying what is wrong (the magic, a
 * length that is not a whole number of records or disagrees with the count,
 * unknown flag bits, a parent without a height or a height without a
 * parent, empty slots without a slot, no memory); *out is then NULL. */
int dashfar_unpack(dashfar_block **out, size_t *n, const unsigned char *buf, size_t len, char *err,
                   size_t errlen) __attribute__((warn_unused_result));

/* What one process sent already: block ids with their heights. Zero it,
 * free with dashfar_sender_free. */
typedef struct dashfar_sender {
    hmap *sent; /* block id -> height */
    int seeded; /* process 0: the first records received were kept as a fuzzing seed */
} dashfar_sender;

/* The blocks new on the active chains of chains[0..n) (NULL entries: nodes
 * not started) since the last call, each once: walking back from each tip
 * while the height is at least the tip's minus window and the block was not
 * sent. Appends them to *out (malloc'ed, *n_out; the caller frees) in that
 * order, deterministic for the same chains. Forgets sent blocks more than
 * keep heights below the highest tip. Returns 0, or -1 when out of memory
 * (what was collected is kept, *out valid). */
int dashfar_collect(dashfar_sender *s, const chain *const *chains, size_t n, uint32_t window,
                    uint32_t keep, dashfar_block **out, size_t *n_out)
    __attribute__((warn_unused_result));

void dashfar_sender_free(dashfar_sender *s);

#endif
