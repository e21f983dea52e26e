/* Votes, proposals and commit certificates of Tendermint-style BFT
 * consensus: their canonical sign bytes (docs/chain-format.md, "BFT votes
 * and commit certificates"), Ed25519 signing and checking, the vote set of
 * one (height, round, type) that tallies voting power per block id and
 * catches equivocation, and the commit certificate (the precommits of more
 * than 2/3 of the power for one block) as bytes. Pure; one owner each. */
#ifndef CHAINSIM_BFTVOTE_H
#define CHAINSIM_BFTVOTE_H

#include "bftval.h"
#include "hash.h"
#include "keys.h"

#include <stddef.h>
#include <stdint.h>

/* Sizes of the sign bytes, and of a certificate with n precommits:
 * BFTVOTE_CERT_HEAD_BYTES + n * BFTVOTE_CERT_SIG_BYTES. */
#define BFTVOTE_VOTE_SIGN_BYTES 58
#define BFTVOTE_PROPOSAL_SIGN_BYTES 56
#define BFTVOTE_CERT_HEAD_BYTES 56
#define BFTVOTE_CERT_SIG_BYTES 68
/* The most precommits a certificate may hold (a bound for the decoder). */
#define BFTVOTE_CERT_MAX_SIGS 65536
/* Rounds are 0 .. BFTVOTE_MAX_ROUND; a proposal's valid round is -1 or a
 * round. */
#define BFTVOTE_MAX_ROUND INT32_MAX

#define BFTVOTE_STATUS_MAP(X)                                                                      \
    X(BFTVOTE_OK, "ok")                                                                            \
    X(BFTVOTE_NO_MEMORY, "out of memory")                                                          \
    X(BFTVOTE_MALFORMED, "vote is malformed (bad type, negative round, or nil with a block id)")   \
    X(BFTVOTE_WRONG_HEIGHT, "vote is for another height than the vote set's")                      \
    X(BFTVOTE_WRONG_ROUND, "vote is for another round than the vote set's")                        \
    X(BFTVOTE_WRONG_TYPE, "vote is of another type (prevote/precommit) than the vote set's")       \
    X(BFTVOTE_UNKNOWN_VALIDATOR, "validator index is not in the validator set")                    \
    X(BFTVOTE_BAD_SIGNATURE, "signature does not verify under the validator's key")                \
    X(BFTVOTE_DUPLICATE, "the same vote was already counted (ignored)")                            \
    X(BFTVOTE_CONFLICT,                                                                            \
      "validator signed two different votes for one height, round and type (equivocation)")        \
    X(BFTVOTE_CERT_MALFORMED, "commit certificate bytes do not parse")                             \
    X(BFTVOTE_CERT_UNSORTED,                                                                       \
      "commit certificate names a validator twice or out of ascending index order")                \
    X(BFTVOTE_CERT_NO_QUORUM, "commit certificate's precommits hold not more than 2/3 of the "     \
                              "power")

#define BFTVOTE_ENUM(code, msg) code,
typedef enum bftvote_status { BFTVOTE_STATUS_MAP(BFTVOTE_ENUM) } bftvote_status;
#undef BFTVOTE_ENUM

/* The message of a status (a static string); "unknown status" outside the
 * table. Thread-safe. */
const char *bftvote_status_message(bftvote_status status);

/* Message types, with CometBFT's numbers (the first byte after the tag of
 * the sign bytes). */
typedef enum bftvote_type {
    BFTVOTE_PREVOTE = 1,
    BFTVOTE_PRECOMMIT = 2,
} bftvote_type;

/* A vote: for block_id, or for nil (nil = 1 and block_id all zero). */
typedef struct bftvote {
    uint8_t type; /* bftvote_type */
    uint64_t height;
    int32_t round;
    uint8_t nil;
    hash256 block_id;
    uint32_t validator;
    uint8_t sig[KEYS_SIG_BYTES];
} bftvote;

/* A proposal of block_id at (height, round); valid_round is -1 or the
 * round in which the proposer saw 2/3+ prevotes for it (its proof of
 * lock, paper lines 28-33). Signed by the proposer of (height, round). */
typedef struct bftvote_proposal {
    uint64_t height;
    int32_t round;
    int32_t valid_round;
    hash256 block_id;
    uint8_t sig[KEYS_SIG_BYTES];
} bftvote_proposal;

/* Two votes of one validator for one height, round and type that differ
 * (block id or nil): proof of equivocation; both signatures verify. */
typedef struct bftvote_evidence {
    bftvote first;
    bftvote second;
} bftvote_evidence;

/* Writes the 58 sign bytes of v (its signature excluded) to out. Pure. */
void bftvote_sign_bytes(uint8_t out[BFTVOTE_VOTE_SIGN_BYTES], const bftvote *v);

/* Signs v's sign bytes with pair into v->sig. Returns 0, or -1 when
 * OpenSSL fails (v->sig zeroed). */
int bftvote_sign(bftvote *v, const keys_pair *pair) __attribute__((warn_unused_result));

/* 1 when v->sig verifies under pub, else 0. Thread-safe. */
int bftvote_verify(const bftvote *v, const uint8_t pub[KEYS_PUB_BYTES])
    __attribute__((warn_unused_result));

/* The same three for a proposal (56 sign bytes). */
void bftvote_proposal_sign_bytes(uint8_t out[BFTVOTE_PROPOSAL_SIGN_BYTES],
                                 const bftvote_proposal *p);
int bftvote_proposal_sign(bftvote_proposal *p, const keys_pair *pair)
    __attribute__((warn_unused_result));
int bftvote_proposal_verify(const bftvote_proposal *p, const uint8_t pub[KEYS_PUB_BYTES])
    __attribute__((warn_unused_result));

/* 1 when a and b are the same vote (every field, signature included). */
int bftvote_eq(const bftvote *a, const bftvote *b);

/* The votes of one (height, round, type) under one validator set, at most
 * one per validator, with the power counted per block id and for nil. */
typedef struct bftvote_set bftvote_set;

/* A new, empty vote set (free with bftvote_set_free), or NULL when memory
 * runs out. vals is borrowed and must outlive the vote set. */
bftvote_set *bftvote_set_new(const bftval_set *vals, uint64_t height, int32_t round,
                             bftvote_type type);

/* Frees vs. Accepts NULL. */
void bftvote_set_free(bftvote_set *vs);

/* Checks vote and counts it. Returns BFTVOTE_OK when it was counted;
 * BFTVOTE_MALFORMED, BFTVOTE_WRONG_HEIGHT, BFTVOTE_WRONG_ROUND,
 * BFTVOTE_WRONG_TYPE, BFTVOTE_UNKNOWN_VALIDATOR, BFTVOTE_BAD_SIGNATURE
 * (checked in that order) when it is refused; BFTVOTE_DUPLICATE when the
 * same vote was counted already (nothing changes); BFTVOTE_CONFLICT when
 * the validator already has a different vote here: *evidence (when not
 * NULL) gets the counted vote and this one, and this one is not counted;
 * BFTVOTE_NO_MEMORY. *evidence is zeroed on any other outcome. */
bftvote_status bftvote_set_add(bftvote_set *vs, bftvote_evidence *evidence, const bftvote *vote)
    __attribute__((warn_unused_result));

/* The power of the counted votes for block_id (NULL: for nil), and of all
 * counted votes. */
int64_t bftvote_set_power_for(const bftvote_set *vs, const hash256 *block_id);
int64_t bftvote_set_power_any(const bftvote_set *vs);

/* 1 when the votes for block_id (NULL: nil) hold more than 2/3 of the
 * power, else 0. */
int bftvote_set_two_thirds_for(const bftvote_set *vs, const hash256 *block_id);

/* 1 when the counted votes, whatever they are for, hold more than 2/3. */
int bftvote_set_two_thirds_any(const bftvote_set *vs);

/* Returns 1 when one value holds more than 2/3 (at most one can): *nil is
 * 1 for nil, else 0 and *block_id is the block; else returns 0 (*nil = 0,
 * *block_id zeroed). */
int bftvote_set_majority(const bftvote_set *vs, int *nil, hash256 *block_id);

/* The counted vote of validator i, or NULL (valid until vs changes). */
const bftvote *bftvote_set_get(const bftvote_set *vs, size_t i);

/* A commit certificate: precommits for block_id at (height, round) by
 * distinct validators in ascending index order. Only the index and the
 * signature of each are stored; the rest of each vote is the
 * certificate's. Open value type; bftvote_cert_clear frees sigs. */
typedef struct bftvote_cert_sig {
    uint32_t validator;
    uint8_t sig[KEYS_SIG_BYTES];
} bftvote_cert_sig;

typedef struct bftvote_cert {
    uint64_t height;
    int32_t round;
    hash256 block_id;
    size_t n_sigs;
    bftvote_cert_sig *sigs; /* owned */
} bftvote_cert;

/* Frees cert->sigs and zeroes cert. Accepts NULL. */
void bftvote_cert_clear(bftvote_cert *cert);

/* The certificate of a precommit vote set in which a block holds more
 * than 2/3: its precommits for that block, ascending by index. Returns
 * BFTVOTE_OK (free with bftvote_cert_clear), BFTVOTE_WRONG_TYPE (a
 * prevote set), BFTVOTE_CERT_NO_QUORUM (no block holds 2/3+) or
 * BFTVOTE_NO_MEMORY; *cert is zeroed on failure. */
bftvote_status bftvote_cert_from_set(bftvote_cert *cert, const bftvote_set *vs)
    __attribute__((warn_unused_result));

/* The precommit vote that entry i of cert stands for. i must be in range. */
bftvote bftvote_cert_vote(const bftvote_cert *cert, size_t i);

/* The bytes of cert: BFTVOTE_CERT_HEAD_BYTES + n_sigs *
 * BFTVOTE_CERT_SIG_BYTES, malloc'd into *out (caller frees), length in
 * *len. Returns 0, or -1 when memory runs out (*out = NULL, *len = 0). */
int bftvote_cert_encode(uint8_t **out, size_t *len, const bftvote_cert *cert)
    __attribute__((warn_unused_result));

/* Parses certificate bytes. Returns BFTVOTE_OK (free with
 * bftvote_cert_clear), BFTVOTE_CERT_MALFORMED (wrong tag or length,
 * negative round, more than BFTVOTE_CERT_MAX_SIGS), BFTVOTE_CERT_UNSORTED
 * (indexes not strictly ascending) or BFTVOTE_NO_MEMORY; on failure
 * *cert is zeroed and err holds a message naming what was wrong.
 * Signatures and power are not checked here (bftvote_cert_verify). */
bftvote_status bftvote_cert_decode(bftvote_cert *cert, char *err, size_t errlen,
                                   const uint8_t *bytes, size_t len)
    __attribute__((warn_unused_result));

/* Checks cert under vals: indexes strictly ascending
 * (BFTVOTE_CERT_UNSORTED), each in the set (BFTVOTE_UNKNOWN_VALIDATOR),
 * each signature valid (BFTVOTE_BAD_SIGNATURE), and the signers' power
 * more than 2/3 of the total (BFTVOTE_CERT_NO_QUORUM). Returns BFTVOTE_OK
 * or the first failure, with err naming the entry. Thread-safe. */
bftvote_status bftvote_cert_verify(char *err, size_t errlen, const bftvote_cert *cert,
                                   const bftval_set *vals) __attribute__((warn_unused_result));

#endif
