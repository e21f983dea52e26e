/* xoshiro256** seeded through splitmix64, as recommended by the generators'
 * authors (https://prng.di.unimi.it/). The stream key for (seed, node, stream)
 * is a chain of splitmix64 finalizers, so nearby node or stream numbers give
 * unrelated states. Floating-point variates go through libm only (log, sqrt,
 * cos), which is deterministic for a given build and machine. */
#include "rng.h"

#include <assert.h>
#include <math.h>

#define RNG_GOLDEN 0x9e3779b97f4a7c15ULL

uint64_t rng_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += RNG_GOLDEN);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rng_init(rng *r, uint64_t seed, uint64_t node, uint64_t stream)
{
    uint64_t key = seed;
    key = rng_splitmix64(&key) ^ node;
    key = rng_splitmix64(&key) ^ stream;
    key = rng_splitmix64(&key);
    for (int i = 0; i < 4; i++)
        r->s[i] = rng_splitmix64(&key);
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = RNG_GOLDEN; /* all zero is xoshiro's one fixed point */
}

void rng_init_state(rng *r, const uint64_t s[4])
{
    assert((s[0] | s[1] | s[2] | s[3]) != 0);
    for (int i = 0; i < 4; i++)
        r->s[i] = s[i];
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double rng_uniform(rng *r)
{
    return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t rng_below(rng *r, uint64_t n)
{
    assert(n > 0);
    unsigned __int128 m = (unsigned __int128)rng_next(r) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = (0 - n) % n; /* 2^64 mod n */
        while (low < threshold) {
            m = (unsigned __int128)rng_next(r) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double rng_exponential(rng *r, double mean)
{
    return -mean * log1p(-rng_uniform(r));
}

double rng_normal(rng *r, double mean, double stddev)
{
    double u1 = 1.0 - rng_uniform(r); /* (0, 1]: log(u1) is finite */
    double u2 = rng_uniform(r);
    double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
    return mean + stddev * z;
}

double rng_lognormal(rng *r, double mu, double sigma)
{
    return exp(rng_normal(r, mu, sigma));
}
