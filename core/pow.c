/* Mining with the SHA-256 midstate, Bitcoin's retarget, and the target for a
 * chosen expected work.
 *
 * A header is 80 bytes: SHA-256 processes it as two 64-byte blocks, and the
 * first one (version, parent id, 28 bytes of merkle root) never changes while
 * a node mines on one tip. So its compression runs once (the midstate); each
 * attempt then costs one compression of the second block (merkle tail, time,
 * bits, nonce and the fixed padding) and one of the 32-byte first hash with
 * its fixed padding: two compressions, the minimum for double SHA-256.
 *
 * The hash is compared as Bitcoin does, as a little-endian 256-bit number.
 * Its most significant 32 bits are the last state word of the second
 * compression, byte-swapped, so almost every attempt is rejected by one
 * integer comparison before any byte is written. */

/* EVP, the supported OpenSSL interface, exposes no way to resume from a
 * saved SHA-256 state; the low-level SHA256_Transform does, and is still
 * shipped (deprecated) by OpenSSL 3. This file alone uses it. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "pow.h"

#include <assert.h>
#include <math.h>
#include <openssl/sha.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define POW_MSG(code, msg) [code] = msg,
static const char *const pow_messages[] = {POW_STATUS_MAP(POW_MSG)};
#undef POW_MSG

const char *pow_status_message(pow_status status)
{
    return pow_messages[status];
}

static const uint32_t sha256_iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* SHA-256 padding of a message of len_bytes bytes whose last block starts at
 * block (the message's bytes in it already written): 0x80, zeros, the bit
 * length big-endian in the last 8 bytes. */
static void pad_block(uint8_t block[64], unsigned used, uint64_t len_bytes)
{
    memset(block + used, 0, 64 - used);
    block[used] = 0x80;
    uint64_t bits = len_bytes * 8;
    for (int i = 0; i < 8; i++)
        block[63 - i] = (uint8_t)(bits >> (8 * i));
}

void pow_miner_init(pow_miner *m, const block_header *h)
{
    uint8_t bytes[HEADER_BYTES];
    SHA256_CTX ctx;
    header_serialize(bytes, h);
    memset(&ctx, 0, sizeof ctx);
    memcpy(ctx.h, sha256_iv, sizeof ctx.h);
    SHA256_Transform(&ctx, bytes);
    memcpy(m->midstate, ctx.h, sizeof m->midstate);
    memcpy(m->tail, bytes + 64, HEADER_BYTES - 64);
    pad_block(m->tail, HEADER_BYTES - 64, HEADER_BYTES);
    memset(m->second, 0, sizeof m->second);
    pad_block(m->second, 32, 32);
}

void pow_miner_set_time(pow_miner *m, uint32_t time)
{
    put_le32(m->tail + 4, time); /* header bytes 68..71 */
}

/* Writes the eight state words big-endian (SHA-256's output byte order).
 * With SSE2 this is two 16-byte stores, so that the compression reading the
 * block right after gets the bytes forwarded from the stores instead of
 * waiting for eight small stores to reach the cache. */
static inline void put_state_be(uint8_t out[32], const uint32_t h[8])
{
#if defined(__SSE2__)
    for (int i = 0; i < 2; i++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(h + 4 * i));
        v = _mm_or_si128(_mm_slli_epi16(v, 8), _mm_srli_epi16(v, 8));
        v = _mm_shufflehi_epi16(_mm_shufflelo_epi16(v, 0xb1), 0xb1);
        _mm_storeu_si128((__m128i *)(void *)(out + 16 * i), v);
    }
#else
    for (int i = 0; i < 8; i++)
        put_be32(out + 4 * i, h[i]);
#endif
}

/* The two compressions of one attempt. tail is the second header block with
 * the nonce written in; second is a private copy of the padding block; on
 * return ctx->h holds the final state words. */
static inline void attempt(SHA256_CTX *ctx, const uint32_t midstate[8], const uint8_t tail[64],
                           uint8_t second[64])
{
    memcpy(ctx->h, midstate, 8 * sizeof(uint32_t));
    SHA256_Transform(ctx, tail);
    put_state_be(second, ctx->h);
    memcpy(ctx->h, sha256_iv, sizeof sha256_iv);
    SHA256_Transform(ctx, second);
}

static void state_to_hash(hash256 *out, const SHA256_CTX *ctx)
{
    for (int i = 0; i < 8; i++)
        put_be32(out->b + 4 * i, ctx->h[i]);
}

void pow_attempt_hash(const pow_miner *m, hash256 *out, uint32_t nonce)
{
    SHA256_CTX ctx;
    uint8_t tail[64], second[64];
    memset(&ctx, 0, sizeof ctx);
    memcpy(tail, m->tail, sizeof tail);
    memcpy(second, m->second, sizeof second);
    put_le32(tail + 12, nonce); /* header bytes 76..79 */
    attempt(&ctx, m->midstate, tail, second);
    state_to_hash(out, &ctx);
}

static uint32_t bswap32(uint32_t v)
{
    return __builtin_bswap32(v);
}

/* 1 when the final state ctx, read as Bitcoin reads a hash, is <= target.
 * The hash's last four bytes are its most significant and they are the last
 * state word, big-endian: one comparison rejects almost every attempt. */
static inline int state_meets(const SHA256_CTX *ctx, uint32_t target_top, const u256 *target)
{
    uint32_t top = bswap32(ctx->h[7]);
    if (__builtin_expect(top > target_top, 1))
        return 0;
    if (top < target_top)
        return 1;
    hash256 id; /* a tie on the top word: settle it on all 256 bits */
    u256 value;
    state_to_hash(&id, ctx);
    u256_from_hash(&value, &id);
    return u256_cmp(&value, target) <= 0;
}

/* Attempts run in pairs: within a pair the two hashes do not depend on each
 * other, so the core overlaps their compressions instead of waiting for each
 * one's latency. They cycle through TAILS copies of the second block, each
 * nonce written TAILS attempts ahead of its use: a 4-byte store followed at
 * once by the compression's 16-byte load of the same bytes could not be
 * forwarded and would stall until the store reached the cache. */
#define TAILS 4

int pow_miner_try(const pow_miner *m, uint32_t *found_nonce, uint64_t *attempts_done,
                  uint32_t nonce_start, uint64_t count, const u256 *target)
{
    SHA256_CTX ctx[2];
    uint8_t tails[TAILS][64], second[2][64];
    const uint32_t target_top = (uint32_t)(target->w[3] >> 32);
    if (count > (uint64_t)1 << 32)
        count = (uint64_t)1 << 32;
    memset(ctx, 0, sizeof ctx);
    for (uint32_t k = 0; k < TAILS; k++) {
        memcpy(tails[k], m->tail, 64);
        put_le32(tails[k] + 12, nonce_start + k); /* header bytes 76..79 */
    }
    memcpy(second[0], m->second, 64);
    memcpy(second[1], m->second, 64);
    uint64_t i = 0;
    uint32_t nonce = nonce_start;
    for (; i + 2 <= count; i += 2, nonce += 2) {
        uint8_t *tail0 = tails[i % TAILS], *tail1 = tails[(i + 1) % TAILS];
        memcpy(ctx[0].h, m->midstate, sizeof m->midstate);
        SHA256_Transform(&ctx[0], tail0);
        memcpy(ctx[1].h, m->midstate, sizeof m->midstate);
        SHA256_Transform(&ctx[1], tail1);
        put_state_be(second[0], ctx[0].h);
        memcpy(ctx[0].h, sha256_iv, sizeof sha256_iv);
        SHA256_Transform(&ctx[0], second[0]);
        put_state_be(second[1], ctx[1].h);
        memcpy(ctx[1].h, sha256_iv, sizeof sha256_iv);
        SHA256_Transform(&ctx[1], second[1]);
        put_le32(tail0 + 12, nonce + TAILS);
        put_le32(tail1 + 12, nonce + 1 + TAILS);
        if (state_meets(&ctx[0], target_top, target)) {
            *found_nonce = nonce;
            *attempts_done = i + 1;
            return 1;
        }
        if (state_meets(&ctx[1], target_top, target)) {
            *found_nonce = nonce + 1;
            *attempts_done = i + 2;
            return 1;
        }
    }
    if (i < count) { /* an odd count: one attempt left */
        attempt(&ctx[0], m->midstate, tails[i % TAILS], second[0]);
        if (state_meets(&ctx[0], target_top, target)) {
            *found_nonce = nonce;
            *attempts_done = count;
            return 1;
        }
    }
    *found_nonce = 0;
    *attempts_done = count;
    return 0;
}

/* floor(a * num / den) for num <= 4 * den, without overflow in the middle:
 * a = q * den + r, so a * num / den = q * num + r * num / den exactly.
 * Returns 1 when the result does not fit in 256 bits. */
static int mul_div(u256 *out, const u256 *a, uint64_t num, uint64_t den)
{
    u256 q, low;
    uint64_t r = u256_div_u64(&q, a, den);
    if (u256_mul_u64(&q, &q, num))
        return 1;
    u256_from_u64(&low, (uint64_t)((unsigned __int128)r * num / den));
    return u256_add(out, &q, &low);
}

pow_status pow_next_bits(uint32_t *bits, uint64_t height, uint32_t parent_bits, int64_t first_time,
                         int64_t parent_time, uint32_t interval_blocks, int64_t spacing_s,
                         const u256 *pow_limit)
{
    u256 target;
    *bits = 0;
    /* T * 4 must fit in 64 bits with room for the clamp. */
    if (interval_blocks == 0 || spacing_s <= 0 || spacing_s > (INT64_MAX / 8) / interval_blocks)
        return POW_BAD_RETARGET_PARAMS;
    if (u256_is_zero(pow_limit))
        return POW_BAD_POW_LIMIT;
    if (target_from_compact(&target, parent_bits) != TARGET_OK)
        return POW_BAD_PARENT_BITS;
    if (height % interval_blocks != 0) {
        *bits = parent_bits;
        return POW_OK;
    }
    const int64_t timespan = (int64_t)interval_blocks * spacing_s;
    int64_t actual = parent_time - first_time;
    if (actual < timespan / 4)
        actual = timespan / 4;
    if (actual > timespan * 4)
        actual = timespan * 4;
    if (actual == 0) /* only when T < 4; keeps the target from reaching zero */
        actual = 1;
    if (mul_div(&target, &target, (uint64_t)actual, (uint64_t)timespan) ||
        u256_cmp(&target, pow_limit) > 0)
        target = *pow_limit;
    *bits = target_to_compact(&target);
    return POW_OK;
}

pow_status pow_next_bits_ms(uint32_t *bits, uint64_t height, uint32_t parent_bits,
                            int64_t first_time, int64_t parent_time, uint32_t interval_blocks,
                            int64_t spacing_ms, const u256 *pow_limit)
{
    u256 target;
    *bits = 0;
    /* T_ms * 4 must fit in 64 bits with room for the clamp. */
    if (interval_blocks == 0 || spacing_ms <= 0 || spacing_ms > (INT64_MAX / 8) / interval_blocks)
        return POW_BAD_RETARGET_PARAMS;
    if (u256_is_zero(pow_limit))
        return POW_BAD_POW_LIMIT;
    if (target_from_compact(&target, parent_bits) != TARGET_OK)
        return POW_BAD_PARENT_BITS;
    if (height % interval_blocks != 0) {
        *bits = parent_bits;
        return POW_OK;
    }
    /* Header times are whole seconds: the actual timespan is clamped to
     * [floor(T/4), floor(4T)] in whole seconds (T = R * spacing_ms / 1000),
     * which for a whole-second spacing are pow_next_bits' bounds, and the
     * ratio actual * 1000 / T_ms is then pow_next_bits' actual / T. */
    const int64_t timespan_ms = (int64_t)interval_blocks * spacing_ms;
    const int64_t lo_s = timespan_ms / 4000, hi_s = timespan_ms * 4 / 1000;
    int64_t actual = parent_time - first_time;
    if (actual < lo_s)
        actual = lo_s;
    if (actual > hi_s)
        actual = hi_s;
    if (actual == 0) /* only when T < 4 s; keeps the target from reaching zero */
        actual = 1;
    if (mul_div(&target, &target, (uint64_t)actual * 1000, (uint64_t)timespan_ms) ||
        u256_cmp(&target, pow_limit) > 0)
        target = *pow_limit;
    *bits = target_to_compact(&target);
    return POW_OK;
}

pow_status pow_bits_for_expected_hashes(uint32_t *bits, double expected_hashes)
{
    u256 plus_one, one, target;
    int exp;
    *bits = 0;
    if (!isfinite(expected_hashes) || expected_hashes < 1.0)
        return POW_BAD_EXPECTED_HASHES;
    /* target + 1 = 2^256 / E. With E = m * 2^exp, m in [0.5, 1):
     * 2^256 / E = (2^52 / m) * 2^(256 - exp - 52), and 2^52 / m is an integer
     * in (2^52, 2^53] after rounding. */
    double m = frexp(expected_hashes, &exp);
    uint64_t mant = (uint64_t)llround(ldexp(1.0 / m, 52));
    int shift = 256 - exp - 52;
    u256_from_u64(&one, 1);
    if (shift + 53 >= 256 && mant == (uint64_t)1 << 53) {
        /* E rounds to 1: every hash wins, target = 2^256 - 1 */
        memset(&target, 0xff, sizeof target);
    } else {
        u256_from_u64(&plus_one, mant);
        if (shift >= 0)
            u256_shl(&plus_one, &plus_one, (unsigned)shift);
        else if (shift > -256)
            u256_shr(&plus_one, &plus_one, (unsigned)-shift);
        else
            u256_from_u64(&plus_one, 0);
        if (u256_is_zero(&plus_one)) /* E above 2^256: no target is that hard */
            u256_from_u64(&plus_one, 1);
        u256_sub(&target, &plus_one, &one);
        if (u256_is_zero(&target)) /* the hardest target the encoding allows */
            u256_from_u64(&target, 1);
    }
    *bits = target_to_compact(&target);
    return POW_OK;
}
