/* SHA-256 and Bitcoin's double SHA-256 (through OpenSSL), and the 32-byte
 * hash value type used for every id in chainsim (blocks, transactions). */
#ifndef CHAINSIM_HASH_H
#define CHAINSIM_HASH_H

#include <stddef.h>
#include <stdint.h>

/* A 256-bit hash in the byte order SHA-256 produces it (Bitcoin's internal
 * order). Shown to people reversed, as Bitcoin does (hash_to_hex). */
typedef struct hash256 {
    uint8_t b[32];
} hash256;

/* Writes SHA-256(data) to out. data may be NULL when len is 0. Thread-safe. */
void hash_sha256(uint8_t out[32], const void *data, size_t len);

/* Writes SHA-256(SHA-256(data)) to out. Thread-safe. */
void hash_sha256d(hash256 *out, const void *data, size_t len);

/* Writes the 64 hex digits of h in Bitcoin's display order (byte 31 first)
 * and a terminating NUL to out. */
void hash_to_hex(char out[65], const hash256 *h);

/* Parses 64 hex digits in display order (as hash_to_hex writes them).
 * Returns 0 on success; -1 when hex is not exactly 64 hex digits, and then
 * *out is zeroed. */
int hash_from_hex(hash256 *out, const char *hex) __attribute__((warn_unused_result));

/* Returns 1 when a and b are the same bytes, else 0. */
int hash_eq(const hash256 *a, const hash256 *b);

/* Returns 1 when every byte of h is zero (Bitcoin's "null" hash). */
int hash_is_zero(const hash256 *h);

/* Hex helpers for raw bytes in their own order (not reversed). hex_encode
 * writes 2*len digits and a NUL; hex_decode returns 0 on success, -1 when hex
 * is not exactly 2*len hex digits (out is then zeroed). */
void hex_encode(char *out, const uint8_t *in, size_t len);
int hex_decode(uint8_t *out, size_t len, const char *hex) __attribute__((warn_unused_result));

#endif
