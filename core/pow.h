/* Proof-of-work: the mining loop (double SHA-256 of an 80-byte header with the
 * SHA-256 midstate of its first 64 bytes computed once, two compressions per
 * attempt), Bitcoin's difficulty retarget, and the target that gives a chosen
 * expected number of hashes per block. Pure and deterministic. */
#ifndef CHAINSIM_POW_H
#define CHAINSIM_POW_H

#include "hash.h"
#include "header.h"
#include "u256.h"

#include <stdint.h>

/* Reasons a proof-of-work computation refuses its arguments. */
#define POW_STATUS_MAP(X)                                                                          \
    X(POW_OK, "ok")                                                                                \
    X(POW_BAD_PARENT_BITS, "parent bits do not decode to a valid target")                          \
    X(POW_BAD_RETARGET_PARAMS, "retarget interval and block spacing must be positive")             \
    X(POW_BAD_POW_LIMIT, "proof-of-work limit must not be zero")                                   \
    X(POW_BAD_EXPECTED_HASHES, "expected hashes per block must be a finite number >= 1")

#define POW_ENUM(code, msg) code,
typedef enum pow_status { POW_STATUS_MAP(POW_ENUM) } pow_status;
#undef POW_ENUM

/* The message for a pow_status (a static string). */
const char *pow_status_message(pow_status status);

/* Mining state for one header. A value type so that a node can keep it inline
 * and restart it on every new tip without allocating; the fields are private
 * to pow.c. Initialise with pow_miner_init before any other use. */
typedef struct pow_miner {
    uint32_t midstate[8]; /* SHA-256 state after the header's first 64 bytes */
    uint8_t tail[64];     /* header bytes 64..79 followed by the SHA-256 padding */
    uint8_t second[64];   /* the 32-byte first hash followed by its padding */
} pow_miner;

/* Prepares m to mine h: hashes h's first 64 bytes once and precomputes both
 * padding blocks. h's nonce is ignored (each attempt supplies its own). Pure;
 * m is owned by the caller and used by one thread at a time. */
void pow_miner_init(pow_miner *m, const block_header *h);

/* Changes the header time that later attempts use (the time lies in the last
 * 16 bytes, so the midstate stays valid). */
void pow_miner_set_time(pow_miner *m, uint32_t time);

/* Writes the id (double SHA-256) of the header with this nonce: exactly
 * header_id() of the same header. */
void pow_attempt_hash(const pow_miner *m, hash256 *out, uint32_t nonce);

/* Tries nonces nonce_start, nonce_start + 1, ... (wrapping modulo 2^32) until
 * one gives an id that, read as a number, is <= *target, or count attempts
 * were made (a count above 2^32 is treated as 2^32: every nonce once).
 * Returns 1 and sets *found_nonce when found, else 0 (*found_nonce is then
 * 0). *attempts_done is the number of hashes computed, the winning one
 * included. Reads m; several threads may use the same m at once. */
int pow_miner_try(const pow_miner *m, uint32_t *found_nonce, uint64_t *attempts_done,
                  uint32_t nonce_start, uint64_t count, const u256 *target)
    __attribute__((warn_unused_result));

/* Bitcoin's retarget (pow.cpp, GetNextWorkRequired/CalculateNextWorkRequired)
 * with R = interval_blocks and the target block spacing spacing_s. When the
 * new block's height is not a multiple of R, *bits = parent_bits. Otherwise
 * the actual timespan, parent_time - first_time where first_time is the time
 * of the block R-1 blocks before the parent (Bitcoin's off-by-one kept), is
 * clamped to [T/4, 4T] with T = R * spacing_s, and the new target is
 * parent_target * actual / T (computed exactly, without Bitcoin's 256-bit
 * wrap-around, which mainnet values never reach), capped at *pow_limit.
 * Returns POW_OK and sets *bits; or POW_BAD_PARENT_BITS (a parent target that
 * is negative, overflowing or zero), POW_BAD_RETARGET_PARAMS or
 * POW_BAD_POW_LIMIT, and then *bits = 0. Pure; thread-safe. */
pow_status pow_next_bits(uint32_t *bits, uint64_t height, uint32_t parent_bits, int64_t first_time,
                         int64_t parent_time, uint32_t interval_blocks, int64_t spacing_s,
                         const u256 *pow_limit) __attribute__((warn_unused_result));

/* pow_next_bits with the target spacing in milliseconds (header times stay
 * whole seconds): the actual timespan, in whole seconds, is clamped to
 * [floor(T_ms / 4000), floor(4 * T_ms / 1000)] with T_ms = R * spacing_ms
 * (at least 1 s), and the new target is parent_target * actual * 1000 /
 * T_ms, capped at *pow_limit. For spacing_ms = 1000 * s it gives exactly
 * pow_next_bits' bits with spacing s. Returns as pow_next_bits
 * (POW_BAD_RETARGET_PARAMS when spacing_ms <= 0 or R * spacing_ms * 8
 * overflows). Pure; thread-safe. */
pow_status pow_next_bits_ms(uint32_t *bits, uint64_t height, uint32_t parent_bits,
                            int64_t first_time, int64_t parent_time, uint32_t interval_blocks,
                            int64_t spacing_ms, const u256 *pow_limit)
    __attribute__((warn_unused_result));

/* The compact bits of the target at which a block needs expected_hashes
 * attempts on average (2^256 / (target + 1) = expected_hashes), rounded as
 * the compact encoding rounds (target truncated to its top 16 to 23 bits, so
 * the expected work is at most 2^-15 above the request). Returns POW_OK and
 * sets *bits, or POW_BAD_EXPECTED_HASHES when expected_hashes is not finite
 * or below 1 (*bits = 0). Pure; thread-safe. */
pow_status pow_bits_for_expected_hashes(uint32_t *bits, double expected_hashes)
    __attribute__((warn_unused_result));

#endif
