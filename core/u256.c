/* 256-bit arithmetic on four 64-bit limbs. Everything here runs a few times
 * per block (targets, work, retargets), never per hash attempt, so clarity
 * wins over speed. The compact encoding follows Bitcoin Core's arith_uint256
 * to the bit, sign and overflow flags included. */
#include "u256.h"

#include <assert.h>
#include <string.h>

void u256_from_u64(u256 *out, uint64_t v)
{
    memset(out, 0, sizeof *out);
    out->w[0] = v;
}

void u256_from_hash(u256 *out, const hash256 *h)
{
    for (int i = 0; i < 4; i++) {
        uint64_t v = 0;
        for (int j = 7; j >= 0; j--)
            v = v << 8 | h->b[8 * i + j];
        out->w[i] = v;
    }
}

void u256_to_hash(hash256 *out, const u256 *a)
{
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 8; j++)
            out->b[8 * i + j] = (uint8_t)(a->w[i] >> (8 * j));
}

int u256_cmp(const u256 *a, const u256 *b)
{
    for (int i = 3; i >= 0; i--) {
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    }
    return 0;
}

int u256_is_zero(const u256 *a)
{
    return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

int u256_add(u256 *out, const u256 *a, const u256 *b)
{
    unsigned carry = 0;
    for (int i = 0; i < 4; i++) {
        unsigned __int128 s = (unsigned __int128)a->w[i] + b->w[i] + carry;
        out->w[i] = (uint64_t)s;
        carry = (unsigned)(s >> 64);
    }
    return (int)carry;
}

int u256_sub(u256 *out, const u256 *a, const u256 *b)
{
    unsigned borrow = 0;
    for (int i = 0; i < 4; i++) {
        uint64_t x = a->w[i], y = b->w[i];
        uint64_t d = x - y - borrow;
        borrow = (x < y) || (x == y && borrow) ? 1u : 0u;
        out->w[i] = d;
    }
    return (int)borrow;
}

void u256_shl(u256 *out, const u256 *a, unsigned n)
{
    u256 r = {{0, 0, 0, 0}};
    unsigned limbs = n / 64, bits = n % 64;
    assert(n < 256);
    for (int i = 3; i >= (int)limbs; i--) {
        r.w[i] = a->w[i - limbs] << bits;
        if (bits && i - (int)limbs - 1 >= 0)
            r.w[i] |= a->w[i - limbs - 1] >> (64 - bits);
    }
    *out = r;
}

void u256_shr(u256 *out, const u256 *a, unsigned n)
{
    u256 r = {{0, 0, 0, 0}};
    unsigned limbs = n / 64, bits = n % 64;
    assert(n < 256);
    for (unsigned i = 0; i + limbs < 4; i++) {
        r.w[i] = a->w[i + limbs] >> bits;
        if (bits && i + limbs + 1 < 4)
            r.w[i] |= a->w[i + limbs + 1] << (64 - bits);
    }
    *out = r;
}

int u256_mul_u64(u256 *out, const u256 *a, uint64_t m)
{
    uint64_t carry = 0;
    for (int i = 0; i < 4; i++) {
        unsigned __int128 p = (unsigned __int128)a->w[i] * m + carry;
        out->w[i] = (uint64_t)p;
        carry = (uint64_t)(p >> 64);
    }
    return carry != 0;
}

uint64_t u256_div_u64(u256 *out, const u256 *a, uint64_t d)
{
    unsigned __int128 rem = 0;
    assert(d != 0);
    for (int i = 3; i >= 0; i--) {
        unsigned __int128 cur = rem << 64 | a->w[i];
        out->w[i] = (uint64_t)(cur / d);
        rem = cur % d;
    }
    return (uint64_t)rem;
}

unsigned u256_bits(const u256 *a)
{
    for (int i = 3; i >= 0; i--)
        if (a->w[i])
            return (unsigned)(64 * i + 64 - __builtin_clzll(a->w[i]));
    return 0;
}

void u256_div(u256 *out, const u256 *a, const u256 *b)
{
    u256 num = *a, div = *b, q = {{0, 0, 0, 0}};
    assert(!u256_is_zero(b));
    unsigned nb = u256_bits(&num), db = u256_bits(&div);
    if (nb >= db) {
        unsigned shift = nb - db;
        u256_shl(&div, &div, shift);
        for (int s = (int)shift; s >= 0; s--) {
            if (u256_cmp(&num, &div) >= 0) {
                u256_sub(&num, &num, &div);
                q.w[s / 64] |= (uint64_t)1 << (s % 64);
            }
            u256_shr(&div, &div, 1);
        }
    }
    *out = q;
}

double u256_to_double(const u256 *a)
{
    double r = 0;
    for (int i = 3; i >= 0; i--)
        r = r * 18446744073709551616.0 + (double)a->w[i];
    return r;
}

void u256_to_hex(char out[65], const u256 *a)
{
    hash256 h;
    u256_to_hash(&h, a);
    hash_to_hex(out, &h); /* display order of a hash is most significant first */
}

void u256_set_compact(u256 *out, uint32_t bits, int *negative, int *overflow)
{
    unsigned size = bits >> 24;
    uint32_t word = bits & 0x007fffff;
    if (size <= 3) {
        word >>= 8 * (3 - size);
        u256_from_u64(out, word);
    } else {
        u256_from_u64(out, word);
        /* Bitcoin's operator<<= drops bits shifted past 256 (and a shift of
         * 256 or more leaves zero); the overflow flag below reports it. */
        if (8 * (size - 3) < 256)
            u256_shl(out, out, 8 * (size - 3));
        else
            u256_from_u64(out, 0);
    }
    if (negative)
        *negative = word != 0 && (bits & 0x00800000) != 0;
    if (overflow)
        *overflow = word != 0 &&
                    ((size > 34) || (word > 0xff && size > 33) || (word > 0xffff && size > 32));
}

uint32_t u256_get_compact(const u256 *a, int negative)
{
    unsigned size = (u256_bits(a) + 7) / 8;
    uint32_t compact;
    if (size <= 3) {
        compact = (uint32_t)(a->w[0] << 8 * (3 - size));
    } else {
        u256 shifted;
        u256_shr(&shifted, a, 8 * (size - 3));
        compact = (uint32_t)shifted.w[0];
    }
    if (compact & 0x00800000) {
        compact >>= 8;
        size++;
    }
    compact |= (uint32_t)size << 24;
    if (negative && (compact & 0x007fffff))
        compact |= 0x00800000;
    return compact;
}
