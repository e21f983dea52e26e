/* Bitcoin's 80-byte block header: its exact serialization, its id (double
 * SHA-256), the compact target encoding of `bits`, and the work a header
 * proves. Real mainnet headers hash to their published ids with this code. */
#ifndef CHAINSIM_HEADER_H
#define CHAINSIM_HEADER_H

#include "hash.h"
#include "u256.h"

#include <stdint.h>

#define HEADER_BYTES 80

/* The header fields, in serialization order. Serialized little-endian. */
typedef struct block_header {
    int32_t version;
    hash256 prev_id;     /* id of the parent block, internal byte order */
    hash256 merkle_root; /* internal byte order */
    uint32_t time;       /* seconds */
    uint32_t bits;       /* compact target */
    uint32_t nonce;
} block_header;

/* Why a compact target is unusable (Bitcoin's CheckProofOfWork rules). */
#define TARGET_STATUS_MAP(X)                                                                       \
    X(TARGET_OK, "valid target")                                                                   \
    X(TARGET_NEGATIVE, "compact target has its sign bit set")                                      \
    X(TARGET_OVERFLOW, "compact target does not fit in 256 bits")                                  \
    X(TARGET_ZERO, "compact target is zero")

#define TARGET_ENUM(code, msg) code,
typedef enum target_status { TARGET_STATUS_MAP(TARGET_ENUM) } target_status;
#undef TARGET_ENUM

/* The message for a target_status (a static string). */
const char *target_status_message(target_status status);

/* Writes the 80 serialized bytes of h. */
void header_serialize(uint8_t out[HEADER_BYTES], const block_header *h);

/* Reads 80 serialized bytes (every byte string is a header). */
void header_parse(block_header *out, const uint8_t in[HEADER_BYTES]);

/* The block id: double SHA-256 of the 80 serialized bytes. */
void header_id(hash256 *out, const block_header *h);

/* Decodes compact bits into the target. Returns TARGET_OK, or the reason the
 * bits are unusable (then *out is zero). */
target_status target_from_compact(u256 *out, uint32_t bits) __attribute__((warn_unused_result));

/* The compact encoding of a (non-negative) target. */
uint32_t target_to_compact(const u256 *target);

/* Expected number of hashes to find a block at this target, as Bitcoin's
 * GetBlockProof: 2^256 / (target + 1). */
void target_work(u256 *work, const u256 *target);

/* Returns 1 when bits decode to a valid target and id, read as a number, is
 * at most that target; else 0. Does not check the target against any limit
 * or expected value: that is the chain's job. */
int header_check_pow(const block_header *h, const hash256 *id);

#endif
