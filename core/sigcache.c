/* Mutex-striped hash set of sha256(pub || sig || msg): the stripe is chosen
 * by the key's first byte, so threads checking different signatures rarely
 * wait on each other. A stripe that reaches its share of the bound is
 * cleared (simple and bounded; the next checks just verify again). Lock
 * order: one stripe lock at a time, never held while verifying. */
#include "sigcache.h"

#include "hmap.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define STRIPES 16

struct stripe {
    pthread_mutex_t lock;
    hmap *set;
};

struct sigcache {
    size_t per_stripe;
    atomic_uint_fast64_t hits, misses;
    int n_init;
    struct stripe stripes[STRIPES];
};

int sigcache_new(sigcache **out, size_t max_entries)
{
    sigcache *cache = calloc(1, sizeof *cache);
    *out = NULL;
    if (cache == NULL)
        return -1;
    cache->per_stripe = max_entries / STRIPES ? max_entries / STRIPES : 1;
    atomic_init(&cache->hits, 0);
    atomic_init(&cache->misses, 0);
    for (int i = 0; i < STRIPES; i++) {
        if (hmap_new(&cache->stripes[i].set, 32, 0) != 0)
            goto fail;
        if (pthread_mutex_init(&cache->stripes[i].lock, NULL) != 0) {
            hmap_free(cache->stripes[i].set);
            goto fail;
        }
        cache->n_init++;
    }
    *out = cache;
    return 0;
fail:
    sigcache_free(cache);
    return -1;
}

void sigcache_free(sigcache *cache)
{
    if (cache == NULL)
        return;
    for (int i = 0; i < cache->n_init; i++) {
        pthread_mutex_destroy(&cache->stripes[i].lock);
        hmap_free(cache->stripes[i].set);
    }
    free(cache);
}

static void lock(pthread_mutex_t *m)
{
    if (pthread_mutex_lock(m) != 0)
        abort();
}

static void unlock(pthread_mutex_t *m)
{
    if (pthread_mutex_unlock(m) != 0)
        abort();
}

int sigcache_verify(sigcache *cache, const uint8_t pub[KEYS_PUB_BYTES],
                    const uint8_t sig[KEYS_SIG_BYTES], const hash256 *msg)
{
    if (cache == NULL)
        return keys_verify(pub, sig, msg->b, 32);
    uint8_t buf[KEYS_PUB_BYTES + KEYS_SIG_BYTES + 32], key[32];
    memcpy(buf, pub, KEYS_PUB_BYTES);
    memcpy(buf + KEYS_PUB_BYTES, sig, KEYS_SIG_BYTES);
    memcpy(buf + KEYS_PUB_BYTES + KEYS_SIG_BYTES, msg->b, 32);
    hash_sha256(key, buf, sizeof buf);
    struct stripe *s = &cache->stripes[key[0] % STRIPES];
    lock(&s->lock);
    int known = hmap_get(s->set, key) != NULL;
    unlock(&s->lock);
    if (known) {
        atomic_fetch_add_explicit(&cache->hits, 1, memory_order_relaxed);
        return 1;
    }
    atomic_fetch_add_explicit(&cache->misses, 1, memory_order_relaxed);
    if (!keys_verify(pub, sig, msg->b, 32))
        return 0;
    lock(&s->lock);
    if (hmap_count(s->set) >= cache->per_stripe)
        hmap_clear(s->set);
    if (hmap_put(s->set, key, NULL) < 0) {
        /* Out of memory only costs a future re-verification. */
    }
    unlock(&s->lock);
    return 1;
}

void sigcache_stats(sigcache *cache, uint64_t *hits, uint64_t *misses)
{
    *hits = cache ? atomic_load(&cache->hits) : 0;
    *misses = cache ? atomic_load(&cache->misses) : 0;
}
