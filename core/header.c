/* The Bitcoin block header, byte for byte: version (int32), previous block
 * id, merkle root, time, bits, nonce, all little-endian, 80 bytes. */
#include "header.h"

#include <string.h>

#define TARGET_MSG(code, msg) [code] = msg,
static const char *const target_messages[] = {TARGET_STATUS_MAP(TARGET_MSG)};
#undef TARGET_MSG

const char *target_status_message(target_status status)
{
    return target_messages[status];
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void header_serialize(uint8_t out[HEADER_BYTES], const block_header *h)
{
    put32(out, (uint32_t)h->version);
    memcpy(out + 4, h->prev_id.b, 32);
    memcpy(out + 36, h->merkle_root.b, 32);
    put32(out + 68, h->time);
    put32(out + 72, h->bits);
    put32(out + 76, h->nonce);
}

void header_parse(block_header *out, const uint8_t in[HEADER_BYTES])
{
    out->version = (int32_t)get32(in);
    memcpy(out->prev_id.b, in + 4, 32);
    memcpy(out->merkle_root.b, in + 36, 32);
    out->time = get32(in + 68);
    out->bits = get32(in + 72);
    out->nonce = get32(in + 76);
}

void header_id(hash256 *out, const block_header *h)
{
    uint8_t bytes[HEADER_BYTES];
    header_serialize(bytes, h);
    hash_sha256d(out, bytes, sizeof bytes);
}

target_status target_from_compact(u256 *out, uint32_t bits)
{
    int negative, overflow;
    u256_set_compact(out, bits, &negative, &overflow);
    target_status status = TARGET_OK;
    if (negative)
        status = TARGET_NEGATIVE;
    else if (overflow)
        status = TARGET_OVERFLOW;
    else if (u256_is_zero(out))
        status = TARGET_ZERO;
    if (status != TARGET_OK)
        u256_from_u64(out, 0);
    return status;
}

uint32_t target_to_compact(const u256 *target)
{
    return u256_get_compact(target, 0);
}

void target_work(u256 *work, const u256 *target)
{
    /* 2^256 / (target + 1) does not fit, but equals ~target / (target + 1) + 1. */
    u256 not_target, denom, one;
    u256_from_u64(&one, 1);
    for (int i = 0; i < 4; i++)
        not_target.w[i] = ~target->w[i];
    if (u256_add(&denom, target, &one)) { /* target = 2^256 - 1: work is 1 */
        *work = one;
        return;
    }
    u256_div(work, &not_target, &denom);
    u256_add(work, work, &one);
}

int header_check_pow(const block_header *h, const hash256 *id)
{
    u256 target, value;
    if (target_from_compact(&target, h->bits) != TARGET_OK)
        return 0;
    u256_from_hash(&value, id);
    return u256_cmp(&value, &target) <= 0;
}
