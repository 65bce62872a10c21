/* Sampling designs (mc, lhs, scrambled Sobol') with every point addressable by its global index,
 * and the Gaussian copula; see ics_sampler.h. All randomness is Philox: mc uses ICS_RNG_SAMPLE
 * (the plain MC uniforms), lhs and Sobol' use ICS_RNG_SCRAMBLE with counters laid out below. */
#include "ics_sampler.h"

#include "ics_rng.h"

#include <assert.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Counters (scenario, draw) of the ICS_RNG_SCRAMBLE stream. Draws below 2^32 are per-point
 * (scenario = global point index); draws from 2^63 up are per-dimension set-up (scenario = d).
 * New uses take new ranges above these, so existing designs never change. */
#define CTR_LHS_JITTER(d) ((uint64_t)(d))                               /* (i, d) */
#define CTR_LHS_ROUNDS (UINT64_C(1) << 63)                              /* (d, +r/2) */
#define CTR_SOBOL_MATRIX ((UINT64_C(1) << 63) | (UINT64_C(1) << 32))    /* (d, +row/4) */
#define CTR_SOBOL_SHIFT ((UINT64_C(1) << 63) | (UINT64_C(2) << 32))     /* (d, +0) */

/* Feistel rounds of the lhs permutation: 4 make a strong pseudorandom permutation from a good
 * round function (Luby & Rackoff); 6 leave a margin for a cheap mixer. */
#define LHS_ROUNDS 6
#define SOBOL_BITS 32

struct ics_sampler {
    ics_sampler_kind kind;
    int64_t n;
    int dims;
    unsigned flags;
    ics_rng_key key;      /* mc: ICS_RNG_SAMPLE; lhs: ICS_RNG_SCRAMBLE (jitter) */
    /* lhs */
    int half_bits;        /* the permutation acts on 2*half_bits bits */
    uint64_t half_mask;
    int jitter_bits;      /* random bits of the jitter v */
    double jitter_scale;  /* 2^-jitter_bits */
    uint64_t *round_key;  /* dims x LHS_ROUNDS */
    /* sobol */
    uint32_t *dirs;       /* dims x SOBOL_BITS scrambled direction numbers, V_d[k] at [d*32 + k] */
    uint32_t *shift;      /* dims: digital shift */
};

/* ---------------------------------------------------------------------------------------- */
/* Latin hypercube: a keyed bijection per dimension                                          */

/* The finaliser of SplitMix64 (Steele, Lea & Flood 2014): a bijective 64-bit mixer with full
 * avalanche, used as the Feistel round function after keying. */
static inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

/* A balanced Feistel network on [0, 4^h): a permutation whatever the round function. */
static inline uint64_t feistel(const ics_sampler *s, const uint64_t *key, uint64_t x)
{
    const int h = s->half_bits;
    const uint64_t mask = s->half_mask;
    uint64_t L = x >> h, R = x & mask;
    for (int r = 0; r < LHS_ROUNDS; ++r) {
        const uint64_t t = L ^ (mix64(R ^ key[r]) & mask);
        L = R;
        R = t;
    }
    return (L << h) | R;
}

/* pi_d(i) on [0, n): cycle-walk the Feistel permutation of the larger power of two until the
 * value falls in range. Since the orbit of i (< n) under the permutation returns to i, the walk
 * ends, and restricting a permutation this way gives a permutation of [0, n). The domain is
 * less than 4n, so the expected number of steps is below 4. */
static inline uint64_t lhs_permute(const ics_sampler *s, int d, uint64_t i)
{
    if (s->half_bits == 0) return 0; /* n == 1 */
    const uint64_t *key = s->round_key + (size_t)d * LHS_ROUNDS;
    uint64_t x = i;
    do {
        x = feistel(s, key, x);
    } while (x >= (uint64_t)s->n);
    return x;
}

static void lhs_fill(const ics_sampler *s, int64_t first, int b, double *U)
{
    const int dims = s->dims;
    const double n = (double)s->n;
    for (int j = 0; j < b; ++j) {
        const uint64_t i = (uint64_t)(first + j);
        double *col = U + (size_t)j * (size_t)dims;
        for (int d = 0; d < dims; ++d) {
            const uint64_t k = lhs_permute(s, d, i);
            uint64_t w[2];
            ics_rng_u64x2(s->key, i, CTR_LHS_JITTER(d), w);
            const uint64_t r = s->jitter_bits > 0 ? w[0] >> (64 - s->jitter_bits) : 0;
            /* k + v is exact (k has ceil(log2 n) bits, v jitter_bits + 1), and (k + v) / n lies
             * at least 2^-52 inside the stratum [k/n, (k+1)/n), more than its rounding error */
            double u = ((double)k + ((double)r + 0.5) * s->jitter_scale) / n;
            if (u >= 1.0) u = 1.0 - DBL_EPSILON / 2; /* only reachable for n > 2^51 */
            col[d] = u;
        }
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Sobol'                                                                                    */

/* Unscrambled direction numbers V[k] = v_{k+1} * 2^32 of dimension d (bit k of the Gray-coded
 * index selects V[k]), by Joe & Kuo's recurrence from the primitive polynomial. */
static void sobol_directions(int d, uint32_t V[SOBOL_BITS])
{
    unsigned a;
    const uint16_t *m;
    const int deg = ics__sobol_jk_dim(d, &a, &m);
    if (deg == 0) {
        for (int k = 0; k < SOBOL_BITS; ++k) V[k] = UINT32_C(1) << (SOBOL_BITS - 1 - k);
        return;
    }
    for (int k = 0; k < SOBOL_BITS; ++k) {
        if (k < deg) {
            V[k] = (uint32_t)m[k] << (SOBOL_BITS - 1 - k);
        } else {
            uint32_t v = V[k - deg] ^ (V[k - deg] >> deg);
            for (int l = 1; l < deg; ++l)
                if ((a >> (deg - 1 - l)) & 1u) v ^= V[k - l];
            V[k] = v;
        }
    }
}

static inline uint32_t parity32(uint32_t x)
{
    x ^= x >> 16;
    x ^= x >> 8;
    x ^= x >> 4;
    x ^= x >> 2;
    x ^= x >> 1;
    return x & 1u;
}

/* Random linear matrix scramble (Matousek 1998; Owen 2003): digit j of the result (j = 0 the
 * most significant, bit 31) is digit j of x plus a random combination of the more significant
 * digits, i.e. y = M x over GF(2) with M unit lower triangular. M is nonsingular and keeps the
 * leading digits' order, so the t-value of every projection is preserved. Applied to the
 * direction numbers, it scrambles every point (the map is linear). */
static void sobol_scramble(ics_rng_key key, int d, uint32_t V[SOBOL_BITS])
{
    uint32_t row[SOBOL_BITS];
    for (int j = 0; j < SOBOL_BITS; j += 4) {
        uint64_t w[2];
        ics_rng_u64x2(key, (uint64_t)d, CTR_SOBOL_MATRIX + (uint64_t)(j / 4), w);
        const uint32_t r[4] = {(uint32_t)w[0], (uint32_t)(w[0] >> 32), (uint32_t)w[1],
                               (uint32_t)(w[1] >> 32)};
        for (int q = 0; q < 4; ++q) {
            const int jj = j + q;
            const uint32_t above = jj == 0 ? 0 : (r[q] & (UINT32_MAX << (SOBOL_BITS - jj)));
            row[jj] = above | (UINT32_C(1) << (SOBOL_BITS - 1 - jj));
        }
    }
    for (int k = 0; k < SOBOL_BITS; ++k) {
        uint32_t y = 0;
        for (int j = 0; j < SOBOL_BITS; ++j) y |= parity32(row[j] & V[k]) << (SOBOL_BITS - 1 - j);
        V[k] = y;
    }
}

static inline double sobol_u(uint32_t x)
{
    return ((double)x + 0.5) * (1.0 / 4294967296.0);
}

static void sobol_fill(const ics_sampler *s, int64_t first, int b, double *U)
{
    const int dims = s->dims;
    if (b <= 0 || dims == 0) return;
    /* The first point directly from its Gray code g = i ^ (i >> 1): x = shift ^ XOR of V[k]
     * over the set bits k of g. */
    const uint64_t i0 = (uint64_t)first;
    const uint64_t g = i0 ^ (i0 >> 1);
    for (int d = 0; d < dims; ++d) {
        const uint32_t *V = s->dirs + (size_t)d * SOBOL_BITS;
        uint32_t x = s->shift[d];
        for (int k = 0; k < SOBOL_BITS; ++k)
            if ((g >> k) & 1u) x ^= V[k];
        U[d] = sobol_u(x);
    }
    /* The next ones by Antonov & Saleev's update: gray(i) = gray(i-1) ^ 2^ctz(i). XOR is exact,
     * so this gives the same bits as the direct formula. The previous x is read back from U:
     * (x + 0.5) 2^-32 has 33 significant bits, so u 2^32 - 0.5 recovers x exactly. */
    for (int j = 1; j < b; ++j) {
        const uint64_t i = (uint64_t)(first + j);
        const int k = __builtin_ctzll(i);
        const double *prev = U + (size_t)(j - 1) * (size_t)dims;
        double *col = U + (size_t)j * (size_t)dims;
        for (int d = 0; d < dims; ++d) {
            const uint32_t x = (uint32_t)(prev[d] * 4294967296.0) ^ s->dirs[(size_t)d * SOBOL_BITS + k];
            col[d] = sobol_u(x);
        }
    }
}

/* ---------------------------------------------------------------------------------------- */

ics_status ics_sampler_create(ics_sampler_kind kind, uint64_t seed, int64_t n, int dims,
                              ics_sampler **out, ics_error *err)
{
    return ics_sampler_create_ex(kind, seed, n, dims, 0, out, err);
}

ics_status ics_sampler_create_ex(ics_sampler_kind kind, uint64_t seed, int64_t n, int dims,
                                 unsigned flags, ics_sampler **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_sampler *s = NULL;
    if (!out) return ics_error_set(err, ICS_EINTERNAL, "ics_sampler_create: out is NULL");
    *out = NULL;
    if (kind != ICS_SAMPLER_MC && kind != ICS_SAMPLER_LHS && kind != ICS_SAMPLER_SOBOL)
        ICS_FAIL(err, ICS_EINPUT, "sampler: unknown kind %d (expected mc, lhs or sobol)", (int)kind);
    if (n < 1) ICS_FAIL(err, ICS_EINPUT, "sampler: number of points is %lld, must be at least 1",
                        (long long)n);
    if (dims < 0) ICS_FAIL(err, ICS_EINPUT, "sampler: number of dimensions is %d, must be >= 0",
                           dims);
    if (flags & ~(unsigned)ICS_SAMPLER_UNSCRAMBLED)
        ICS_FAIL(err, ICS_EINPUT, "sampler: unknown flags 0x%x", flags);
    if ((flags & ICS_SAMPLER_UNSCRAMBLED) && kind != ICS_SAMPLER_SOBOL)
        ICS_FAIL(err, ICS_EINPUT, "sampler: the unscrambled option applies to sobol only");
    if (kind == ICS_SAMPLER_SOBOL) {
        if (n > ICS_SOBOL_MAX_POINTS)
            ICS_FAIL(err, ICS_EINPUT,
                     "sampler sobol: %lld scenarios requested, at most 2^32 = %lld are supported "
                     "(use sampler: mc or lhs)", (long long)n, (long long)ICS_SOBOL_MAX_POINTS);
        if (dims > ICS_SOBOL_MAX_DIMS || dims > ics__sobol_jk_ndim())
            ICS_FAIL(err, ICS_EINPUT,
                     "sampler sobol: %d random parameters, at most %d are supported "
                     "(use sampler: mc or lhs)", dims, ICS_SOBOL_MAX_DIMS);
    }

    ICS_ALLOC(s, 1, err, "sampler");
    s->kind = kind;
    s->n = n;
    s->dims = dims;
    s->flags = flags;

    if (kind == ICS_SAMPLER_MC) {
        s->key = ics_rng_key_make(seed, ICS_RNG_SAMPLE);
    } else if (kind == ICS_SAMPLER_LHS) {
        s->key = ics_rng_key_make(seed, ICS_RNG_SCRAMBLE);
        int bits = 0;
        while (bits < 63 && (INT64_C(1) << bits) < n) ++bits;
        s->half_bits = (bits + 1) / 2;
        s->half_mask = (UINT64_C(1) << s->half_bits) - 1; /* half_bits <= 32 */
        s->jitter_bits = bits < 51 ? 51 - bits : 0;
        s->jitter_scale = ldexp(1.0, -s->jitter_bits);
        if (dims > 0) {
            ICS_ALLOC(s->round_key, (size_t)dims * LHS_ROUNDS, err, "LHS permutation keys");
            for (int d = 0; d < dims; ++d)
                for (int r = 0; r < LHS_ROUNDS; r += 2) {
                    uint64_t w[2];
                    ics_rng_u64x2(s->key, (uint64_t)d, CTR_LHS_ROUNDS + (uint64_t)(r / 2), w);
                    s->round_key[(size_t)d * LHS_ROUNDS + r] = w[0];
                    if (r + 1 < LHS_ROUNDS) s->round_key[(size_t)d * LHS_ROUNDS + r + 1] = w[1];
                }
        }
    } else {
        const ics_rng_key key = ics_rng_key_make(seed, ICS_RNG_SCRAMBLE);
        if (dims > 0) {
            ICS_ALLOC(s->dirs, (size_t)dims * SOBOL_BITS, err, "Sobol' direction numbers");
            ICS_ALLOC(s->shift, (size_t)dims, err, "Sobol' digital shifts");
            for (int d = 0; d < dims; ++d) {
                uint32_t *V = s->dirs + (size_t)d * SOBOL_BITS;
                sobol_directions(d, V);
                if (!(flags & ICS_SAMPLER_UNSCRAMBLED)) {
                    sobol_scramble(key, d, V);
                    uint64_t w[2];
                    ics_rng_u64x2(key, (uint64_t)d, CTR_SOBOL_SHIFT, w);
                    s->shift[d] = (uint32_t)w[0];
                }
            }
        }
    }
    *out = s;
    s = NULL;
done:
    ics_sampler_destroy(&s);
    return st;
}

void ics_sampler_destroy(ics_sampler **s)
{
    if (!s || !*s) return;
    free((*s)->round_key);
    free((*s)->dirs);
    free((*s)->shift);
    free(*s);
    *s = NULL;
}

void ics_sampler_fill(const ics_sampler *s, int64_t first, int b, double *U)
{
    assert(s && first >= 0 && b >= 0 && first + b <= s->n);
    if (b <= 0 || s->dims == 0) return;
    switch (s->kind) {
    case ICS_SAMPLER_MC:
        for (int j = 0; j < b; ++j) {
            double *col = U + (size_t)j * (size_t)s->dims;
            for (int d = 0; d < s->dims; ++d)
                col[d] = ics_rng_uniform(s->key, (uint64_t)(first + j), (uint64_t)d);
        }
        break;
    case ICS_SAMPLER_LHS:
        lhs_fill(s, first, b, U);
        break;
    case ICS_SAMPLER_SOBOL:
        sobol_fill(s, first, b, U);
        break;
    }
}

int ics_sampler_dims(const ics_sampler *s)
{
    return s->dims;
}

int64_t ics_sampler_points(const ics_sampler *s)
{
    return s->n;
}

ics_sampler_kind ics_sampler_get_kind(const ics_sampler *s)
{
    return s->kind;
}

/* ---------------------------------------------------------------------------------------- */
/* Gaussian copula                                                                           */

struct ics_copula {
    int m;
    double *L; /* m x m column-major, lower triangle: corr = L L^T */
};

ics_status ics_copula_create(int m, const double *corr, ics_copula **c, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_copula *cp = NULL;
    if (!c) return ics_error_set(err, ICS_EINTERNAL, "ics_copula_create: c is NULL");
    *c = NULL;
    if (m < 1) ICS_FAIL(err, ICS_EINPUT, "correlation matrix: size %d, must be at least 1", m);
    if (!corr) ICS_FAIL(err, ICS_EINTERNAL, "ics_copula_create: corr is NULL");
    for (int j = 0; j < m; ++j)
        for (int i = 0; i < m; ++i) {
            const double v = corr[i + (size_t)j * m], vt = corr[j + (size_t)i * m];
            if (!isfinite(v))
                ICS_FAIL(err, ICS_EINPUT, "correlation matrix: entry (%d, %d) is %g, must be finite",
                         i + 1, j + 1, v);
            if (i == j && fabs(v - 1.0) > 1e-12)
                ICS_FAIL(err, ICS_EINPUT, "correlation matrix: diagonal entry (%d, %d) is %.17g, must be 1",
                         i + 1, j + 1, v);
            if (fabs(v) > 1.0 + 1e-12)
                ICS_FAIL(err, ICS_EINPUT,
                         "correlation matrix: entry (%d, %d) is %g, must be in [-1, 1]", i + 1, j + 1, v);
            if (fabs(v - vt) > 1e-12)
                ICS_FAIL(err, ICS_EINPUT,
                         "correlation matrix is not symmetric: entry (%d, %d) is %g but (%d, %d) is %g",
                         i + 1, j + 1, v, j + 1, i + 1, vt);
        }
    ICS_ALLOC(cp, 1, err, "copula");
    cp->m = m;
    ICS_ALLOC(cp->L, (size_t)m * m, err, "copula Cholesky factor");
    for (int j = 0; j < m; ++j) {
        cp->L[j + (size_t)j * m] = 1.0;
        for (int i = j + 1; i < m; ++i) cp->L[i + (size_t)j * m] = corr[i + (size_t)j * m];
    }
    const lapack_int info = LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', m, cp->L, m);
    if (info > 0)
        ICS_FAIL(err, ICS_EINPUT, "correlation matrix is not positive definite (leading minor %d)",
                 (int)info);
    if (info < 0) ICS_FAIL(err, ICS_EINTERNAL, "LAPACKE_dpotrf: argument %d invalid", (int)-info);
    *c = cp;
    cp = NULL;
done:
    ics_copula_destroy(&cp);
    return st;
}

void ics_copula_destroy(ics_copula **c)
{
    if (!c || !*c) return;
    free((*c)->L);
    free(*c);
    *c = NULL;
}

int ics_copula_size(const ics_copula *c)
{
    return c->m;
}

void ics_copula_apply(const ics_copula *c, int b, const int *dims, double *U, int ldu)
{
    const int m = c->m;
    const double *L = c->L;
#ifndef NDEBUG
    for (int k = 0; k < m; ++k) { /* rows in range and distinct (the update is in place) */
        assert(dims[k] >= 0 && dims[k] < ldu);
        for (int l = 0; l < k; ++l) assert(dims[k] != dims[l]);
    }
#endif
    for (int j = 0; j < b; ++j) {
        double *col = U + (size_t)j * (size_t)ldu;
        for (int k = 0; k < m; ++k) col[dims[k]] = ics_norm_ppf(col[dims[k]]);
        /* z' = L z in place from the last row up: row k needs z_0..z_k, which rows above k still
         * hold, so no workspace is needed */
        for (int k = m - 1; k >= 0; --k) {
            double z = 0.0;
            for (int l = 0; l <= k; ++l) z += L[k + (size_t)l * m] * col[dims[l]];
            double u = ics_norm_cdf(z);
            if (!(u > 0.0)) u = DBL_MIN;
            if (u >= 1.0) u = 1.0 - DBL_EPSILON / 2;
            col[dims[k]] = u;
        }
    }
}
