/*
 * rng.h - counter-based random numbers: splitmix64's finaliser (G. Steele, D. Lea, C. Flood,
 * OOPSLA 2014) as a hash of counters, so that a number depends on what it is for (seed, step,
 * particle, grid point, ...) and not on the order, threads or ranks that draw it.
 */
#ifndef NNQ_RNG_H
#define NNQ_RNG_H

#include <stdint.h>

static inline uint64_t nnq_rng_mix(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* In (0, 1), from 53 bits of h. */
static inline double nnq_rng_uniform(uint64_t h) { return ((double)(h >> 11) + 0.5) * 0x1p-53; }

#endif
