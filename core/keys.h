/* Ed25519 keys and signatures through OpenSSL (RFC 8032, deterministic
 * signatures), and the derivation of private keys from a run's seed so that
 * the same run always has the same keys and the same signature bytes. */
#ifndef CHAINSIM_KEYS_H
#define CHAINSIM_KEYS_H

#include <stddef.h>
#include <stdint.h>

#define KEYS_SEED_BYTES 32
#define KEYS_PUB_BYTES 32
#define KEYS_SIG_BYTES 64

/* A private key with its public key. Opaque; one owner. */
typedef struct keys_pair keys_pair;

/* Creates the key pair whose RFC 8032 private key is seed. Returns 0 and sets
 * *out (free with keys_pair_free), or -1 when OpenSSL fails (*out = NULL).
 * The caller should OPENSSL_cleanse its copy of seed when done. */
int keys_pair_new(keys_pair **out, const uint8_t seed[KEYS_SEED_BYTES])
    __attribute__((warn_unused_result));

/* Frees pair and wipes its private key. Accepts NULL. */
void keys_pair_free(keys_pair *pair);

/* The 32-byte public key, valid as long as pair. */
const uint8_t *keys_pair_public(const keys_pair *pair);

/* Writes the Ed25519 signature of msg under pair to sig. Returns 0, or -1 when
 * OpenSSL fails (sig is then zeroed). Thread-safe for distinct pairs; the
 * same pair may sign from several threads (OpenSSL contexts are per call). */
int keys_sign(const keys_pair *pair, uint8_t sig[KEYS_SIG_BYTES], const uint8_t *msg,
              size_t msg_len) __attribute__((warn_unused_result));

/* Returns 1 when sig is a valid Ed25519 signature of msg under pub, 0 when it
 * is not (including a public key that does not decode). Thread-safe. */
int keys_verify(const uint8_t pub[KEYS_PUB_BYTES], const uint8_t sig[KEYS_SIG_BYTES],
                const uint8_t *msg, size_t msg_len) __attribute__((warn_unused_result));

/* Derives a private-key seed from the run seed, a purpose label (for example
 * "wallet" or "node") and an index: SHA-256("chainsim-key" 0x00 purpose 0x00
 * run_seed(8 bytes LE) index(8 bytes LE)). Pure; thread-safe. */
void keys_derive_seed(uint8_t seed[KEYS_SEED_BYTES], uint64_t run_seed, const char *purpose,
                      uint64_t index);

#endif
