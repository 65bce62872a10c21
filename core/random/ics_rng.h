/* Counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror & Shaw, SC'11), keyed by
 * (seed, purpose) and counted by (global scenario index, draw index), so scenario i's numbers
 * depend on the seed and i only: never on ranks, threads or block sizes. Uniform and normal
 * transforms are our own (53-bit open-interval uniforms; Wichura's AS241 inverse normal). */
#ifndef ICS_RNG_H
#define ICS_RNG_H

#include <stdint.h>

/* One Philox4x32 block with 10 rounds: out = philox(ctr, key). Pure; thread-safe. */
void ics_philox4x32_10(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);

/* Streams of randomness used by the engine; new purposes are appended, never renumbered. */
enum ics_rng_purpose {
    ICS_RNG_SAMPLE = 1,      /* the uniforms that drive parameter sampling (mc) */
    ICS_RNG_OCCURRENCE = 2,  /* whether a shock with probability < 1 happens */
    ICS_RNG_SCRAMBLE = 3,    /* LHS permutations, Sobol' scrambling */
    ICS_RNG_TABLE = 4        /* perturbed tables of `uncertainty: table:` (ics_uncertainty.h) */
};

typedef struct ics_rng_key {
    uint32_t k[2];
} ics_rng_key;

/* Key for (seed, purpose): the first two words of philox({purpose,0,0,0}, seed). */
ics_rng_key ics_rng_key_make(uint64_t seed, uint32_t purpose);
/* Two 64-bit words for (scenario, draw): philox({scen lo, scen hi, draw lo, draw hi}, key). */
void ics_rng_u64x2(ics_rng_key key, uint64_t scenario, uint64_t draw, uint64_t out[2]);
/* A uniform in the open interval (0, 1) with 52 random bits: ((w >> 12) + 0.5) * 2^-52, so the
 * largest value is 1 - 2^-53 (representable; 53 bits would round up to exactly 1.0). */
double ics_rng_uniform(ics_rng_key key, uint64_t scenario, uint64_t draw);
/* u64 -> open-interval uniform (0, 1). */
static inline double ics_u01_from_u64(uint64_t w)
{
    return ((double)(w >> 12) + 0.5) * (1.0 / 4503599627370496.0);
}
/* Standard normal quantile Phi^-1(p) for p in (0, 1) (AS241, relative accuracy ~1e-16). */
double ics_norm_ppf(double p);
/* Standard normal CDF Phi(z) (via erfc). */
double ics_norm_cdf(double z);

#endif
