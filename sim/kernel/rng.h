/* The run's one family of random streams: xoshiro256** generators, each seeded
 * through splitmix64 from (run seed, node id, stream id), so every node and
 * purpose draws from its own reproducible stream and no draw depends on thread
 * timing. Same seed => same numbers, on every run and for every thread count. */
#ifndef CHAINSIM_RNG_H
#define CHAINSIM_RNG_H

#include <stdint.h>

/* One xoshiro256** stream. A plain value (copy it to fork a stream's state);
 * one owner: not safe to draw from several threads at once. */
typedef struct rng {
    uint64_t s[4];
} rng;

/* Advances the splitmix64 state *state and returns its next output (Steele,
 * Lea and Flood 2014; Vigna's splitmix64.c). Pure apart from *state. */
uint64_t rng_splitmix64(uint64_t *state);

/* Seeds r for stream `stream` of node `node` in the run seeded by `seed`:
 * the three values are mixed through splitmix64 into a 64-bit stream key, which
 * then seeds the four state words. Distinct triples give unrelated streams;
 * the state is never all zero. */
void rng_init(rng *r, uint64_t seed, uint64_t node, uint64_t stream);

/* Sets the raw state (for known-answer tests). s must not be all zero. */
void rng_init_state(rng *r, const uint64_t s[4]);

/* Next 64 random bits (xoshiro256**, Blackman and Vigna 2018). */
uint64_t rng_next(rng *r);

/* Uniform double in [0, 1), the 53 high bits of one draw. */
double rng_uniform(rng *r);

/* Uniform integer in [0, n) without modulo bias (Lemire's multiply-and-reject
 * method). n must be > 0 (asserted: a zero range is a bug in the caller). */
uint64_t rng_below(rng *r, uint64_t n);

/* Exponential variate with the given mean (> 0): -mean * ln(1 - U). */
double rng_exponential(rng *r, double mean);

/* Normal variate N(mean, stddev^2) by the Box-Muller transform. Uses two
 * uniform draws per call and keeps no spare, so each call consumes exactly
 * two draws whatever came before. */
double rng_normal(rng *r, double mean, double stddev);

/* Log-normal variate exp(N(mu, sigma^2)); mu and sigma are those of the
 * underlying normal. Two draws per call. */
double rng_lognormal(rng *r, double mu, double sigma);

#endif
