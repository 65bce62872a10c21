/* Sampling designs on the unit cube: plain Monte Carlo, Latin hypercube and scrambled Sobol'.
 * Every design gives the uniform u(i, d) in (0, 1) of global point i and dimension d directly,
 * from (seed, N, dims, i, d) alone, so any rank or thread can compute any block of scenarios and
 * get the same doubles whatever the decomposition. A Gaussian copula then correlates chosen
 * dimensions. */
#ifndef ICS_SAMPLER_H
#define ICS_SAMPLER_H

#include "ics_config.h"
#include "ics_error.h"

#include <stdint.h>

typedef struct ics_sampler ics_sampler;

/* Flags for ics_sampler_create_ex. */
enum {
    /* Sobol' only: no matrix scramble and no digital shift, so the points are Joe & Kuo's
     * sequence itself (for tests against published values). ICS_EINPUT with mc and lhs. */
    ICS_SAMPLER_UNSCRAMBLED = 1u << 0
};

/* Largest N and dims accepted by the Sobol' design. */
#define ICS_SOBOL_MAX_POINTS 4294967296LL /* 2^32 */
#define ICS_SOBOL_MAX_DIMS 1024

/* Plan a design of n points (n >= 1: the run's total number of scenarios, the same on every rank)
 * in dims dimensions (dims >= 0; one per random parameter) with randomness from seed.
 *
 *  mc     u(i, d) = ics_rng_uniform(ics_rng_key_make(seed, ICS_RNG_SAMPLE), i, d), exactly the
 *         uniforms of plain Monte Carlo sampling.
 *  lhs    u(i, d) = (pi_d(i) + v(i, d)) / n, where pi_d is a pseudorandom permutation of
 *         {0..n-1} (a keyed Feistel network on the next even power of two, cycle-walking into
 *         range; one key per dimension) and v an independent jitter in (0, 1). Every dimension
 *         then holds exactly one point in each stratum [k/n, (k+1)/n), for the n points together;
 *         the jitter keeps 51 - ceil(log2 n) bits so that (pi + v) / n is exact enough never to
 *         leave its stratum (n up to 2^51).
 *  sobol  Sobol' points with Joe & Kuo's (2008) "new-joe-kuo-6.21201" direction numbers
 *         (dimension 0 is van der Corput), in Gray-code order as in Joe & Kuo's sobol.cc and
 *         SciPy, 32 bits, with an Owen-type random linear matrix scramble (a random unit
 *         lower-triangular binary matrix per dimension) and a random digital shift;
 *         u = (x + 0.5) / 2^32, so no point is 0 or 1. n <= 2^32 and dims <= 1024, else
 *         ICS_EINPUT. No points are skipped: point 0 is included (with scrambling it is a random
 *         point like any other). The net property holds for blocks of 2^m consecutive points
 *         starting at a multiple of 2^m, so take N (and ideally block sizes) as powers of two:
 *         each such block is a (t, m, s)-net, e.g. t = 0 in dimensions (0, 1).
 *
 * The design depends on (kind, seed, n, dims): a different n gives a different lhs permutation.
 * Dimensions are numbered from 0 and a dimension's values do not depend on dims (adding a
 * parameter does not change the others' values). On success *out owns a new sampler (free with
 * ics_sampler_destroy). Errors: ICS_EINPUT for an unknown kind, n < 1, dims < 0 or the Sobol'
 * limits; ICS_ENOMEM. Not collective; thread-safe (no shared state). */
ics_status ics_sampler_create(ics_sampler_kind kind, uint64_t seed, int64_t n, int dims,
                              ics_sampler **out, ics_error *err);
/* As ics_sampler_create, with ICS_SAMPLER_* flags (0 gives ics_sampler_create). */
ics_status ics_sampler_create_ex(ics_sampler_kind kind, uint64_t seed, int64_t n, int dims,
                                 unsigned flags, ics_sampler **out, ics_error *err);
/* Free the sampler and set *s to NULL; accepts NULL and a pointer to NULL. */
void ics_sampler_destroy(ics_sampler **s);

/* Points first .. first+b-1 into U, dims x b column-major (U[d + j*dims] = u(first+j, d)), each in
 * the open interval (0, 1). Requires 0 <= first and first + b <= n (asserted). The values do not
 * depend on how [0, n) is split into calls. Allocation-free; reads s only, so any number of
 * threads may fill from one sampler at once. U is owned by the caller. */
void ics_sampler_fill(const ics_sampler *s, int64_t first, int b, double *U);

int ics_sampler_dims(const ics_sampler *s);
int64_t ics_sampler_points(const ics_sampler *s);
ics_sampler_kind ics_sampler_get_kind(const ics_sampler *s);

/* A Gaussian copula: correlates m rows of a block of uniforms through normal scores. */
typedef struct ics_copula ics_copula;

/* corr: m x m correlation matrix (column-major; borrowed, copied). Checks that it is finite,
 * symmetric (to 1e-12), has a unit diagonal (to 1e-12) and entries in [-1, 1], and that it is
 * positive definite (LAPACK dpotrf); stores its Cholesky factor L (corr = L L^T). Errors:
 * ICS_EINPUT with the offending entry, or "correlation matrix is not positive definite
 * (leading minor k)" (k from 1); ICS_ENOMEM. *c owns the result (ics_copula_destroy). */
ics_status ics_copula_create(int m, const double *corr, ics_copula **c, ics_error *err);
void ics_copula_destroy(ics_copula **c);
int ics_copula_size(const ics_copula *c);

/* In place on b columns of U (leading dimension ldu): for the m rows dims[0..m-1] (distinct,
 * borrowed), z = Phi^-1(u), z' = L z, u = Phi(z'), so the normal scores of those rows have
 * correlation corr (row dims[k] plays variable k) while each stays uniform on (0, 1); results
 * are clamped into the open interval. Other rows are untouched. Column j depends only on
 * column j. Allocation-free; thread-safe on distinct U. */
void ics_copula_apply(const ics_copula *c, int b, const int *dims, double *U, int ldu);

/* Internal (core/random/sobol/sobol_joe_kuo.c, generated): number of tabulated Sobol' dimensions, and for
 * dimension d its degree s (0 for van der Corput), inner polynomial coefficients a and the
 * initial direction integers m_1..m_s (*m points into a static table). */
int ics__sobol_jk_ndim(void);
int ics__sobol_jk_dim(int d, unsigned *a, const uint16_t **m);

#endif
