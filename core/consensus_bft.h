/* Tendermint-style BFT as a consensus protocol (core/consensus_bft.c): what
 * the rest of the simulator reads of a node's BFT state (the commit
 * certificates it holds, its figures) and the validator set of a run. */
#ifndef CHAINSIM_CONSENSUS_BFT_H
#define CHAINSIM_CONSENSUS_BFT_H

#include "bftval.h"
#include "bftvote.h"
#include "consensus.h"
#include "hash.h"
#include "keys.h"
#include "node.h"

#include <stddef.h>
#include <stdint.h>

/* A node's BFT figures since it started. */
typedef struct consensus_bft_stats {
    uint64_t commits;        /* heights this node committed (decided or caught up) */
    uint64_t decided;        /* of those, decided by its own vote counting */
    int64_t finality_ns_sum; /* over decided heights: height start to commit */
    uint64_t rounds_sum;     /* over decided heights: rounds taken (round + 1) */
    uint64_t max_rounds;     /* most rounds one height took (or has taken so far) */
    uint64_t votes_sent;     /* prevotes and precommits signed and sent */
    uint64_t proposals_sent; /* proposals signed and sent */
    uint64_t round_timeouts; /* precommit timeouts fired: rounds that ended undecided */
    uint64_t equivocations;  /* votes refused as a second, different vote of a validator */
    uint64_t certs_refused;  /* commit messages whose certificate did not verify */
    uint64_t caught_up;      /* heights taken from a peer's commit message */
    uint64_t relayed;        /* proposals and votes of others forwarded, once per peer */
    hash256 last_proposed;   /* the last block this node proposed */
} consensus_bft_stats;

/* One height a node committed, as it saw it (consensus_bft_commits). */
typedef struct consensus_bft_commit {
    uint64_t height;
    hash256 block;            /* the block committed */
    int64_t time_ns;          /* when the node committed it */
    int64_t first_timeout_ns; /* its first timeout at this height that took effect (a propose,
                               * prevote or precommit timeout the round was still waiting
                               * on), -1: none */
    uint32_t rounds;          /* rounds it took the node to decide; 0: taken from a peer's
                               * commit message (certificate) */
} consensus_bft_commit;

/* The validator set of ctx: the keys of ctx->stakes with stake at slot 0,
 * in the schedule's key order, voting power = stake. Returns 0 and *out
 * (free with bftval_set_free), or -1 (no stakes, no validator, too much
 * power, out of memory; *out = NULL). */
int consensus_bft_validators(bftval_set **out, const consensus_ctx *ctx);

/* The certificate bytes of committed height held by a node's BFT state
 * (its protocol state, node's cstate), or NULL (*len = 0). Borrowed. */
const uint8_t *consensus_bft_cert(const void *state, uint64_t height, size_t *len);

/* The BFT context bft's install put into p, or NULL when p has other
 * rules. Borrowed. */
const consensus_ctx *consensus_bft_of(const chain_params *p);

/* The equivocations a node's BFT state caught, in the order caught: each
 * the two different votes one validator signed for one height, round and
 * type (*n of them; NULL when none). Borrowed. */
const bftvote_evidence *consensus_bft_evidence(const void *state, size_t *n);

/* A byzantine validator's double signing (the adversary kind equivocate),
 * after an event of the BFT node n: each proposal and vote n just sent (in
 * fx) to a peer not listed in side is replaced by a twin that n signs too,
 * for the same height, round and type: a proposal of n's by a proposal of
 * its block's twin (the same block with its time one second later: another
 * valid block), sent with the twin; a vote for a block proposed in that
 * round by a validator whose key is in allies (n's own included) by a vote
 * for that block's twin. Votes for blocks of other proposers, and nil
 * votes, go out unchanged. Each twin block made is noted as produced by n.
 * Adds the twin proposals and votes signed to *proposals and *votes. */
void consensus_bft_equivocate(node *n, node_effects *fx, int64_t now_ns, const uint32_t *side,
                              size_t n_side, const uint8_t (*allies)[KEYS_PUB_BYTES],
                              size_t n_allies, uint64_t *proposals, uint64_t *votes);

/* The figures of a node's BFT state (NULL for NULL). */
const consensus_bft_stats *consensus_bft_stats_of(const void *state);

/* The state machine of a node's BFT state (core/bft.h), for reading only;
 * NULL for NULL, before the node starts, or without validators. */
struct bft;
const struct bft *consensus_bft_machine(const void *state);
/* The heights a node's BFT state committed into its chain, in height
 * order (*n of them; NULL and 0 for NULL). Borrowed, valid until the
 * state's next event. */
const consensus_bft_commit *consensus_bft_commits(const void *state, size_t *n);

/* The height a node's BFT state is deciding (0: none, as for NULL) and,
 * in *first_timeout_ns, its first timeout there that took effect (-1: none). */
uint64_t consensus_bft_pending(const void *state, int64_t *first_timeout_ns);

#endif
