/* A run-wide cache of signatures already found valid, so that a signature is
 * verified once per run however many nodes check it (the answer cannot differ
 * between nodes). One object per run, shared by every node thread: it is the
 * documented exception to "no shared mutable state". Bounded: a full stripe
 * is emptied and refilled. Only valid signatures are cached. The chain also
 * uses the cache as the tag of the run: blocks' connect results are shared
 * between the chains that use the same cache (see chain.h), so every chain
 * using one cache must have the same chain_params. */
#ifndef CHAINSIM_SIGCACHE_H
#define CHAINSIM_SIGCACHE_H

#include "hash.h"
#include "keys.h"

#include <stddef.h>
#include <stdint.h>

typedef struct sigcache sigcache;

/* Creates a cache holding up to about max_entries signatures (at least 16).
 * Returns 0 and sets *out (free with sigcache_free), or -1 when out of memory
 * or a mutex cannot be made (*out = NULL). */
int sigcache_new(sigcache **out, size_t max_entries) __attribute__((warn_unused_result));

/* Frees the cache. Accepts NULL. No thread may use it any more. */
void sigcache_free(sigcache *cache);

/* Returns 1 when sig is a valid Ed25519 signature of the 32-byte msg under
 * pub, else 0; answers from the cache when it can, and remembers valid
 * signatures. cache may be NULL (plain verification). Thread-safe. */
int sigcache_verify(sigcache *cache, const uint8_t pub[KEYS_PUB_BYTES],
                    const uint8_t sig[KEYS_SIG_BYTES], const hash256 *msg);

/* Number of verifications answered from the cache, and of real ones.
 * Thread-safe (the figures are a snapshot). */
void sigcache_stats(sigcache *cache, uint64_t *hits, uint64_t *misses);

#endif
