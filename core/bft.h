/* Tendermint-style BFT consensus as a pure state machine: Algorithm 1 of
 * Buchman, Kwon and Milosevic, "The latest gossip on BFT consensus" (2018).
 * One validator's state for one chain (height, round, step, locked and
 * valid value and round); events in (start, a proposal, a vote, a timeout
 * fired, the value the caller was asked to propose), actions out (broadcast
 * a proposal or a vote, schedule a timeout, ask for a value, commit a block
 * with its certificate, report equivocation). Values are block ids; the
 * caller says whether a proposed block is valid. No clock, no network: the
 * caller carries out the actions. One owner; not thread-safe. */
#ifndef CHAINSIM_BFT_H
#define CHAINSIM_BFT_H

#include "bftval.h"
#include "bftvote.h"
#include "hash.h"
#include "keys.h"

#include <stddef.h>
#include <stdint.h>

/* Rounds further than this past the current one are not tracked: their
 * messages are refused (BFT_ROUND_TOO_FAR), which bounds the memory a
 * faulty validator can make a node spend. */
#define BFT_ROUND_WINDOW 64

#define BFT_STATUS_MAP(X)                                                                          \
    X(BFT_OK, "ok")                                                                                \
    X(BFT_NO_MEMORY, "out of memory")                                                              \
    X(BFT_SIGN_FAILED, "signing failed")                                                           \
    X(BFT_BAD_CONFIG, "timeouts must be positive and the per-round delta not negative")            \
    X(BFT_NOT_A_VALIDATOR, "the signing key is not in the validator set")                          \
    X(BFT_WRONG_HEIGHT, "message is for another height than the current one")                      \
    X(BFT_ROUND_TOO_FAR, "message is for a round beyond the tracked window")                       \
    X(BFT_BAD_VALID_ROUND, "proposal's valid round is not -1 or an earlier round")                 \
    X(BFT_BAD_PROPOSAL_SIGNATURE,                                                                  \
      "proposal signature does not verify under the key of the round's proposer")                  \
    X(BFT_DUPLICATE_PROPOSAL, "the same proposal was already received (ignored)")                  \
    X(BFT_CONFLICTING_PROPOSAL, "the round's proposer already proposed another block")             \
    X(BFT_VOTE_REFUSED, "vote refused by the vote set (see the vote status)")                      \
    X(BFT_STALE, "event is for a past height, round or step: nothing to do")

#define BFT_ENUM(code, msg) code,
typedef enum bft_status { BFT_STATUS_MAP(BFT_ENUM) } bft_status;
#undef BFT_ENUM

/* The message of a status (a static string); "unknown status" outside the
 * table. Thread-safe. */
const char *bft_status_message(bft_status status);

/* Steps of a round, in order (the paper compares step >= prevote). */
typedef enum bft_step {
    BFT_STEP_PROPOSE = 0,
    BFT_STEP_PREVOTE = 1,
    BFT_STEP_PRECOMMIT = 2,
} bft_step;

typedef enum bft_timeout {
    BFT_TIMEOUT_PROPOSE,
    BFT_TIMEOUT_PREVOTE,
    BFT_TIMEOUT_PRECOMMIT,
} bft_timeout;

/* Timeouts grow per round, as the paper's timeoutX(r) = initTimeoutX +
 * r * timeoutDelta, and start again at round 0 of each height. */
typedef struct bft_config {
    int64_t timeout_propose_ns;
    int64_t timeout_prevote_ns;
    int64_t timeout_precommit_ns;
    int64_t timeout_delta_ns;
} bft_config;

typedef enum bft_action_kind {
    BFT_ACT_PROPOSAL,  /* broadcast .proposal (with its block) */
    BFT_ACT_VOTE,      /* broadcast .vote (a prevote or a precommit) */
    BFT_ACT_TIMEOUT,   /* call bft_on_timeout(.timeout, .height, .round) after .delay_ns */
    BFT_ACT_GET_VALUE, /* this validator proposes at (.height, .round): call bft_on_value */
    BFT_ACT_COMMIT,    /* .block_id is decided at .height (in .round), with .cert */
    BFT_ACT_EVIDENCE,  /* .evidence: a validator signed two different votes */
} bft_action_kind;

typedef struct bft_action {
    bft_action_kind kind;
    uint64_t height;
    int32_t round;
    bftvote_proposal proposal;
    bftvote vote;
    bft_timeout timeout;
    int64_t delay_ns;
    hash256 block_id;
    bftvote_cert cert; /* owned by the list */
    bftvote_evidence evidence;
} bft_action;

/* The actions of one or more events, in the order they were taken. Start
 * zeroed; bft_actions_clear frees them (certificates included). */
typedef struct bft_actions {
    bft_action *items;
    size_t n;
    size_t cap;
} bft_actions;

void bft_actions_clear(bft_actions *out);

typedef struct bft bft;

/* A validator's state machine at height (round 0 not started yet: call
 * bft_start). vals is copied: its priorities must be those of this
 * height's round-0 proposer (bftval_proposer), and the copy advances by
 * one selection per round and per height. self signs this validator's
 * messages and is borrowed (it must outlive m); NULL makes an observer
 * that only follows and commits. Returns BFT_OK and *out (free with
 * bft_free), else *out = NULL and BFT_BAD_CONFIG, BFT_NOT_A_VALIDATOR or
 * BFT_NO_MEMORY. */
bft_status bft_new(bft **out, const bftval_set *vals, const keys_pair *self,
                   const bft_config *config, uint64_t height) __attribute__((warn_unused_result));

/* Frees m. Accepts NULL. */
void bft_free(bft *m);

/* Each event appends its actions to *out and returns BFT_OK, a refusal of
 * its input (nothing changed, nothing appended but evidence), or
 * BFT_NO_MEMORY / BFT_SIGN_FAILED (the state is then undefined: drop m). */

/* "upon start do StartRound(0)" (line 10). */
bft_status bft_start(bft *m, bft_actions *out) __attribute__((warn_unused_result));

/* A proposal received; valid says whether its block is valid (the paper's
 * valid(v)). Refusals: BFT_WRONG_HEIGHT, BFT_ROUND_TOO_FAR (also a
 * negative round), BFT_BAD_VALID_ROUND, BFT_BAD_PROPOSAL_SIGNATURE,
 * BFT_DUPLICATE_PROPOSAL, BFT_CONFLICTING_PROPOSAL. */
bft_status bft_on_proposal(bft *m, bft_actions *out, const bftvote_proposal *proposal, int valid)
    __attribute__((warn_unused_result));

/* A vote received. Refusals: BFT_WRONG_HEIGHT, BFT_ROUND_TOO_FAR,
 * BFT_VOTE_REFUSED with *vote_status (when not NULL) saying why; a
 * BFTVOTE_CONFLICT also appends a BFT_ACT_EVIDENCE. *vote_status is
 * BFTVOTE_OK when the vote was counted. */
bft_status bft_on_vote(bft *m, bft_actions *out, bftvote_status *vote_status, const bftvote *vote)
    __attribute__((warn_unused_result));

/* A timeout fired that an action scheduled (lines 57-67). BFT_STALE when
 * the height, round or step has moved on. */
bft_status bft_on_timeout(bft *m, bft_actions *out, bft_timeout kind, uint64_t height,
                          int32_t round) __attribute__((warn_unused_result));

/* The value asked for by BFT_ACT_GET_VALUE (the paper's getValue(),
 * line 18): broadcast as this round's proposal. BFT_STALE when the height,
 * round or step has moved on or the round has its proposal already. */
bft_status bft_on_value(bft *m, bft_actions *out, uint64_t height, int32_t round,
                        const hash256 *block_id) __attribute__((warn_unused_result));

/* The state: current height, round and step; the locked and valid value
 * (return 1 and the block id and round, or 0 when nil, round -1). */
uint64_t bft_height(const bft *m);
int32_t bft_round(const bft *m);
bft_step bft_current_step(const bft *m);
int bft_locked(const bft *m, hash256 *block_id, int32_t *round);
int bft_valid(const bft *m, hash256 *block_id, int32_t *round);

/* What this state machine has seen of its current round, for display:
 * the round's proposer (an index of bft_validators; SIZE_MAX before
 * bft_start), whether its proposal arrived, and the voting power of the
 * prevotes and of the precommits received (for a block or nil). Reads
 * only. */
typedef struct bft_round_view {
    size_t proposer;
    int has_proposal;
    int64_t prevote_power;
    int64_t precommit_power;
} bft_round_view;
void bft_current_round_view(const bft *m, bft_round_view *out);

/* The validator set (keys and powers; its priorities are internal).
 * Borrowed from m. */
const bftval_set *bft_validators(const bft *m);

/* The proposer's index of round at the current height (the selection run
 * round times past the height's round 0). Returns SIZE_MAX when memory
 * runs out. */
size_t bft_proposer(bft *m, int32_t round);

/* The timeout's duration in round: base + round * delta. */
int64_t bft_timeout_ns(const bft_config *config, bft_timeout kind, int32_t round);

#endif
