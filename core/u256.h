/* Unsigned 256-bit integers for proof-of-work targets and chain work, with
 * Bitcoin's compact ("nBits") encoding. A hash read as a number is
 * little-endian, as in Bitcoin's arith_uint256. */
#ifndef CHAINSIM_U256_H
#define CHAINSIM_U256_H

#include "hash.h"

#include <stdint.h>

/* A 256-bit unsigned integer; w[0] is the least significant 64 bits. */
typedef struct u256 {
    uint64_t w[4];
} u256;

/* Sets *out to v. */
void u256_from_u64(u256 *out, uint64_t v);

/* Reads the 32 bytes of h as a little-endian number (Bitcoin's UintToArith256). */
void u256_from_hash(u256 *out, const hash256 *h);

/* Writes a as 32 little-endian bytes (the inverse of u256_from_hash). */
void u256_to_hash(hash256 *out, const u256 *a);

/* Returns -1, 0 or 1 as a <, ==, > b. */
int u256_cmp(const u256 *a, const u256 *b);

/* Returns 1 when a is zero. */
int u256_is_zero(const u256 *a);

/* out = a + b mod 2^256; returns the carry out (0 or 1). out may alias a or b. */
int u256_add(u256 *out, const u256 *a, const u256 *b);

/* out = a - b mod 2^256; returns the borrow (1 when b > a). out may alias. */
int u256_sub(u256 *out, const u256 *a, const u256 *b);

/* out = a << n (n in 0..255; bits shifted out are lost). out may alias a. */
void u256_shl(u256 *out, const u256 *a, unsigned n);

/* out = a >> n (n in 0..255). out may alias a. */
void u256_shr(u256 *out, const u256 *a, unsigned n);

/* out = a * m mod 2^256; returns 1 when the true product does not fit. */
int u256_mul_u64(u256 *out, const u256 *a, uint64_t m);

/* out = a / d (d must not be zero: asserted); returns a % d. out may alias a. */
uint64_t u256_div_u64(u256 *out, const u256 *a, uint64_t d);

/* out = a / b by long division (b must not be zero: asserted). out may alias. */
void u256_div(u256 *out, const u256 *a, const u256 *b);

/* Number of significant bits (0 for zero, 256 for 2^255 and above). */
unsigned u256_bits(const u256 *a);

/* The value as a double (rounded), for reports and statistics only. */
double u256_to_double(const u256 *a);

/* 64 hex digits, most significant first, and a NUL. */
void u256_to_hex(char out[65], const u256 *a);

/* Bitcoin's arith_uint256::SetCompact: decodes compact bits into *out and sets
 * *negative and *overflow (either pointer may be NULL) by Bitcoin's rules. */
void u256_set_compact(u256 *out, uint32_t bits, int *negative, int *overflow);

/* Bitcoin's arith_uint256::GetCompact(negative): the compact form of a. */
uint32_t u256_get_compact(const u256 *a, int negative);

#endif
