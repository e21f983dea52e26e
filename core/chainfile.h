/* Chain files: a node's active chain as JSON (data_blockchain/nodeK_chain.json)
 * and back, and the re-verification of such a file from genesis with no
 * trust in anything it stores. The format is documented in
 * data_blockchain/README.md. Bytes only: the caller reads and writes the
 * file (sim/kernel/fileout). Parsing never crashes on a malformed,
 * truncated or tampered file: each problem is refused with a message naming
 * the file, the JSON path (or height) and what was expected. */
#ifndef CHAINSIM_CHAINFILE_H
#define CHAINSIM_CHAINFILE_H

#include "block.h"
#include "chain.h"
#include "consensus.h"
#include "reason.h"
#include "sigcache.h"

#include <stddef.h>
#include <stdint.h>

#define CHAINFILE_FORMAT "chainsim-chain"
#define CHAINFILE_VERSION 1
/* The largest chain file parsed (1 GiB): a reader caps its file read here. */
#define CHAINFILE_MAX_BYTES ((size_t)1 << 30)

typedef enum chainfile_status {
    CHAINFILE_OK = 0,
    CHAINFILE_MALFORMED, /* not JSON, or not a chain file of this format */
    CHAINFILE_NO_MEMORY
} chainfile_status;

/* The contents of a chain file, as parsed (nothing verified yet). */
typedef struct chainfile chainfile;

/* What a chain file of c depends on: a digest of c's tip id and of the
 * parameters the file records. Chains with equal identities render the same
 * bytes (chainfile_render), so a caller writing many chains renders each
 * identity once. Returns CHAINFILE_OK, or CHAINFILE_NO_MEMORY (*out
 * unchanged). Reads c only: safe concurrently with other readers of c. */
chainfile_status chainfile_identity(const chain *c, hash256 *out)
    __attribute__((warn_unused_result));

/* Renders c's active chain (genesis to tip) and its parameters as the text
 * of a chain file, final newline included. Two chains with the same tip and
 * parameters render the same bytes. A PoS chain's params include
 * params.pos (the rules and stake schedule of the consensus_ctx that
 * consensus_install put into its params), so that the file verifies on its
 * own; a PoS chain without such a context (or without a stake schedule in
 * it) is rendered without, and chainfile_parse refuses that text. Sets
 * *text (NUL-terminated, caller frees) and *len (without the NUL). Returns
 * CHAINFILE_OK or CHAINFILE_NO_MEMORY (*text = NULL, message in err).
 * Reads c only: safe concurrently with other readers of c. */
chainfile_status chainfile_render(const chain *c, char **text, size_t *len, char *err,
                                  size_t errlen) __attribute__((warn_unused_result));

/* The certificate bytes of a block at height (h >= 1) a BFT node holds, or
 * NULL (*len = 0); borrowed. */
typedef const uint8_t *(*chainfile_cert_fn)(const void *ctx, uint64_t height, size_t *len);

/* chainfile_render, with each block's commit certificate (certs(ctx, h))
 * as the block's "commit" (hex); certs NULL: none (chainfile_render). */
chainfile_status chainfile_render_certs(const chain *c, chainfile_cert_fn certs,
                                        const void *certs_ctx, char **text, size_t *len, char *err,
                                        size_t errlen) __attribute__((warn_unused_result));

/* Parses the len bytes at text (a chain file's contents, need not be
 * NUL-terminated) through the strict JSON reader; name (the file's path,
 * may be NULL) starts every message. Returns CHAINFILE_OK and sets *out
 * (free with chainfile_free); else *out = NULL and err (errlen bytes)
 * names the file, the line and column or JSON path, and what was expected
 * (CHAINFILE_MALFORMED: not JSON, more than CHAINFILE_MAX_BYTES, or bad
 * fields; CHAINFILE_NO_MEMORY). Not for concurrent use from several
 * threads (see jsonread_parse). */
chainfile_status chainfile_parse(chainfile **out, char *err, size_t errlen, const char *text,
                                 size_t len, const char *name) __attribute__((warn_unused_result));

/* Frees cf and its blocks. Accepts NULL. */
void chainfile_free(chainfile *cf);

/* The parameters the file carries (hooks NULL; genesis outputs are those of
 * the file's block 0 coinbase, valid as long as cf). */
const chain_params *chainfile_params(const chainfile *cf);
/* For a PoS file, the consensus rules its params.pos give (slot length,
 * f, epoch length, k, genesis seed and the stake schedule; borrowed, valid
 * as long as cf); NULL for a PoW file. */
const consensus_ctx *chainfile_consensus(const chainfile *cf);
size_t chainfile_n_blocks(const chainfile *cf);
/* Block i as rebuilt from its fields (borrowed), and what the file claims. */
block *chainfile_block(const chainfile *cf, size_t i);
const hash256 *chainfile_stored_id(const chainfile *cf, size_t i);

/* What chainfile_rebuild found. */
typedef struct chainfile_report {
    int ok;
    uint32_t height; /* the first bad block's, or the tip's when ok */
    hash256 id;      /* recomputed id of that block */
    reason code;     /* REASON_OK when ok */
    char message[480];
    size_t n_blocks, n_txs; /* blocks and transactions checked */
} chainfile_report;

/* Replays cf from genesis through a fresh chain under the file's own
 * params: recomputes every id and txid (and compares them with the stored
 * ones, and the top-level height, tip and transaction count with what the
 * blocks give), checks every link, merkle root, proof, timestamp and
 * signature, and every transaction against the UTXO set. hooks (may be
 * NULL) supplies the consensus hooks, hook_ctx and max_rollback to use with
 * the file's parameters; without it a PoW file uses the chain's default
 * rules (Bitcoin's retarget with the file's retarget_blocks,
 * target_spacing_s and pow_limit_bits) and a PoS file the rules of
 * chainfile_consensus (every block's slot, lottery win, leader proof and
 * proposer signature are checked). Each block is offered at its own time,
 * so the future-time rule never refuses one: this trusts the file's params
 * and suits re-reading a file the caller wrote itself (a node's restart);
 * to check a file from outside, compare its params with the rules
 * (chainfile_compare_params) and use chainfile_verify. cache may be NULL.
 * When out is not NULL and the file is valid, *out receives the rebuilt
 * chain (free with chain_free, before cf when hooks is NULL: a PoS chain
 * then uses cf's consensus), else NULL. Returns REASON_OK or the reason of
 * the first bad block, also in *rep. */
reason chainfile_rebuild(chain **out, const chainfile *cf, const chain_params *hooks,
                         sigcache *cache, chainfile_report *rep)
    __attribute__((warn_unused_result));

/* The rules cf's own params give: its params with, for PoS, the consensus
 * of chainfile_consensus installed. Written to *out; valid as long as cf. */
void chainfile_own_rules(const chainfile *cf, chain_params *out);

/* Replays cf as chainfile_rebuild does, but under rules (complete chain
 * params with their consensus hooks, as consensus_install leaves them),
 * never under what the file says of itself: block 0 must be the genesis
 * block rules give (seed, time, bits and allocations), and every block must
 * follow rules' reward, size limit, difficulty or slot lottery. now_s is the
 * verifier's clock in header seconds (a run's end: its genesis time plus
 * its duration): a block whose time is more than rules->max_future_s after
 * it is refused (REASON_BLOCK_TIME_TOO_NEW). The file's params are not
 * read; compare them first with chainfile_compare_params. out, cache and
 * rep as for chainfile_rebuild (the chain uses rules: keep its consensus
 * alive while the chain lives). */
reason chainfile_verify(chain **out, const chainfile *cf, const chain_params *rules,
                        sigcache *cache, int64_t now_s, chainfile_report *rep)
    __attribute__((warn_unused_result));

/* One parameter whose value in a chain file differs from a reference. */
typedef struct chainfile_param_diff {
    const char *name; /* as under params: "block_reward", "pos.stakes" (static) */
    char file[72];    /* the file's value, as text */
    char want[72];    /* the reference's value */
} chainfile_param_diff;

/* Compares every parameter cf records (params and, for PoS, params.pos)
 * with ref (chain params as consensus_install leaves them: for PoS,
 * consensus_of(ref) gives the slot rules and the stake schedule; pos.* is
 * compared only when both are PoS). Writes the first max differences to
 * out (may be NULL when max is 0), in the order the file lists the keys,
 * the stake schedule as its first differing key or step; returns the
 * number of differences (0: the file's params are ref's). Reads only. */
size_t chainfile_compare_params(const chainfile *cf, const chain_params *ref,
                                chainfile_param_diff *out, size_t max);

#endif
