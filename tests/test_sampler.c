/* Sampling designs by their defining properties: mc is exactly the Philox uniforms; every lhs
 * column is a permutation of the strata; Sobol' matches Joe & Kuo's published sequence (as
 * computed by SciPy) and its scrambled points keep the (t, m, s)-net stratification; points do
 * not depend on how the index range is split; the Gaussian copula gives the target correlation
 * and rejects matrices that are not positive definite. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ics_rng.h"
#include "ics_sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TWO32 4294967296.0

static ics_sampler *make(ics_sampler_kind kind, uint64_t seed, int64_t n, int dims, unsigned flags)
{
    ics_sampler *s = NULL;
    ics_error err;
    ics_error_clear(&err);
    const ics_status st = ics_sampler_create_ex(kind, seed, n, dims, flags, &s, &err);
    if (st != ICS_OK) fail_msg("ics_sampler_create_ex: %s", err.msg);
    assert_non_null(s);
    return s;
}

static double *fill_all(const ics_sampler *s, int64_t first, int b)
{
    double *U = malloc(sizeof *U * (size_t)ics_sampler_dims(s) * (size_t)b);
    assert_non_null(U);
    ics_sampler_fill(s, first, b, U);
    return U;
}

static void test_mc_is_philox(void **state)
{
    (void)state;
    const int N = 1000, D = 7;
    ics_sampler *s = make(ICS_SAMPLER_MC, 42, N, D, 0);
    double *U = fill_all(s, 0, N);
    const ics_rng_key key = ics_rng_key_make(42, ICS_RNG_SAMPLE);
    for (int i = 0; i < N; ++i)
        for (int d = 0; d < D; ++d)
            assert_true(U[d + (size_t)i * D] == ics_rng_uniform(key, (uint64_t)i, (uint64_t)d));
    free(U);
    ics_sampler_destroy(&s);
    assert_null(s);
}

/* Every column holds exactly one point in each stratum [k/N, (k+1)/N). */
static void check_lhs(int64_t N, int D, uint64_t seed)
{
    ics_sampler *s = make(ICS_SAMPLER_LHS, seed, N, D, 0);
    double *U = fill_all(s, 0, (int)N);
    int *hits = calloc((size_t)N, sizeof *hits);
    assert_non_null(hits);
    for (int d = 0; d < D; ++d) {
        memset(hits, 0, sizeof *hits * (size_t)N);
        int fixed = 0;
        for (int64_t i = 0; i < N; ++i) {
            const double u = U[d + (size_t)i * D];
            assert_true(u > 0.0 && u < 1.0);
            const int64_t k = (int64_t)floor(u * (double)N);
            assert_true(k >= 0 && k < N);
            /* the stratum's real bounds, not only the rounded product */
            assert_true((double)k / (double)N <= u && u < (double)(k + 1) / (double)N);
            hits[k]++;
            fixed += k == i;
        }
        for (int64_t k = 0; k < N; ++k) assert_int_equal(hits[k], 1);
        if (N >= 100) assert_true(fixed < 20); /* a random permutation has ~1 fixed point */
    }
    if (N >= 100 && D >= 2) {
        /* the dimensions are permuted independently */
        int same = 0;
        for (int64_t i = 0; i < N; ++i)
            same += floor(U[(size_t)i * D] * N) == floor(U[1 + (size_t)i * D] * N);
        assert_true(same < 20);
    }
    free(hits);
    free(U);
    ics_sampler_destroy(&s);
}

static void test_lhs_strata(void **state)
{
    (void)state;
    check_lhs(1000, 6, 42);
    check_lhs(1024, 6, 42);
    check_lhs(1024, 3, 7);
    check_lhs(1000, 1, 123456789);
    check_lhs(1, 3, 1);
    check_lhs(2, 3, 1);
    check_lhs(3, 3, 1);
    check_lhs(1025, 4, 5);
    check_lhs(77777, 2, 9);
}

static void test_lhs_depends_on_seed(void **state)
{
    (void)state;
    ics_sampler *a = make(ICS_SAMPLER_LHS, 1, 1000, 2, 0), *b = make(ICS_SAMPLER_LHS, 2, 1000, 2, 0);
    double *Ua = fill_all(a, 0, 1000), *Ub = fill_all(b, 0, 1000);
    int same = 0;
    for (int i = 0; i < 1000; ++i) same += floor(Ua[2 * i] * 1000) == floor(Ub[2 * i] * 1000);
    assert_true(same < 20);
    free(Ua);
    free(Ub);
    ics_sampler_destroy(&a);
    ics_sampler_destroy(&b);
}

/* One call over [0, N) and many calls of odd sizes (and single points in reverse order) give
 * identical doubles. */
static void check_split(ics_sampler_kind kind, unsigned flags)
{
    const int N = 5000, D = 5;
    ics_sampler *s = make(kind, 2024, N, D, flags);
    double *whole = fill_all(s, 0, N);
    double *parts = calloc((size_t)N * D, sizeof *parts);
    assert_non_null(parts);
    static const int sizes[] = {1, 7, 13, 101, 3, 999, 2, 511, 17};
    int64_t first = 0;
    for (int c = 0; first < N; ++c) {
        int b = sizes[c % 9];
        if (first + b > N) b = (int)(N - first);
        ics_sampler_fill(s, first, b, parts + (size_t)first * D);
        first += b;
    }
    assert_memory_equal(whole, parts, sizeof *parts * (size_t)N * D);
    memset(parts, 0, sizeof *parts * (size_t)N * D);
    for (int i = N - 1; i >= 0; --i) ics_sampler_fill(s, i, 1, parts + (size_t)i * D);
    assert_memory_equal(whole, parts, sizeof *parts * (size_t)N * D);
    /* a dimension's values do not depend on how many dimensions there are */
    ics_sampler *s2 = make(kind, 2024, N, 2, flags);
    double *two = fill_all(s2, 0, N);
    for (int i = 0; i < N; ++i)
        for (int d = 0; d < 2; ++d) assert_true(two[d + (size_t)i * 2] == whole[d + (size_t)i * D]);
    free(two);
    free(parts);
    free(whole);
    ics_sampler_destroy(&s2);
    ics_sampler_destroy(&s);
}

static void test_split_independent(void **state)
{
    (void)state;
    check_split(ICS_SAMPLER_MC, 0);
    check_split(ICS_SAMPLER_LHS, 0);
    check_split(ICS_SAMPLER_SOBOL, 0);
    check_split(ICS_SAMPLER_SOBOL, ICS_SAMPLER_UNSCRAMBLED);
}

/* Expected values: scipy.stats.qmc.Sobol(d, scramble=False, bits=32).random(n) (SciPy 1.10.1,
 * Debian python3-scipy), which implements Joe & Kuo's new-joe-kuo-6.21201 direction numbers in
 * the Gray-code order of their sobol.cc; points at 3e9 after .fast_forward(3000000000). Our
 * unscrambled values are those plus 2^-33 (the centring that keeps them off 0). */
static void test_sobol_published(void **state)
{
    (void)state;
    static const double first8[8][4] = {
        {0, 0, 0, 0},
        {0.5, 0.5, 0.5, 0.5},
        {0.75, 0.25, 0.25, 0.25},
        {0.25, 0.75, 0.75, 0.75},
        {0.375, 0.375, 0.625, 0.875},
        {0.875, 0.875, 0.125, 0.375},
        {0.625, 0.125, 0.875, 0.625},
        {0.125, 0.625, 0.375, 0.125}};
    static const double last8[8][3] = { /* dimensions 1021, 1022, 1023 */
        {0, 0, 0},
        {0.5, 0.5, 0.5},
        {0.75, 0.25, 0.75},
        {0.25, 0.75, 0.25},
        {0.375, 0.875, 0.875},
        {0.875, 0.375, 0.375},
        {0.625, 0.625, 0.125},
        {0.125, 0.125, 0.625}};
    static const int dims1000[6] = {1, 2, 3, 100, 500, 1023};
    static const double at1000[6] = {0.0966796875, 0.5185546875, 0.6767578125,
                                     0.7685546875, 0.7255859375, 0.7138671875};
    static const double at4095[3] = {2.44140625e-04, 9.41162109375e-01, 3.54736328125e-01};
    static const double at3e9[4][4] = {
        {0.002168526640161872, 0.04796422482468188, 0.9205889680888504, 0.29816444707103074},
        {0.5021685266401619, 0.5479642248246819, 0.4205889680888504, 0.7981644470710307},
        {0.7521685266401619, 0.2979642248246819, 0.6705889680888504, 0.048164447071030736},
        {0.25216852664016187, 0.7979642248246819, 0.17058896808885038, 0.5481644470710307}};
    const double c = 0.5 / TWO32;

    ics_sampler *s = make(ICS_SAMPLER_SOBOL, 99, 4096, 1024, ICS_SAMPLER_UNSCRAMBLED);
    double *U = fill_all(s, 0, 4096);
    for (int i = 0; i < 8; ++i) {
        for (int d = 0; d < 4; ++d) assert_true(U[d + (size_t)i * 1024] - c == first8[i][d]);
        for (int d = 0; d < 3; ++d) assert_true(U[1021 + d + (size_t)i * 1024] - c == last8[i][d]);
    }
    for (int k = 0; k < 6; ++k) assert_true(U[dims1000[k] + (size_t)1000 * 1024] - c == at1000[k]);
    assert_true(U[0 + (size_t)4095 * 1024] - c == at4095[0]);
    assert_true(U[1 + (size_t)4095 * 1024] - c == at4095[1]);
    assert_true(U[1023 + (size_t)4095 * 1024] - c == at4095[2]);
    free(U);
    ics_sampler_destroy(&s);

    s = make(ICS_SAMPLER_SOBOL, 99, (int64_t)1 << 32, 4, ICS_SAMPLER_UNSCRAMBLED);
    double V[16];
    ics_sampler_fill(s, 3000000000LL, 4, V);
    for (int i = 0; i < 4; ++i)
        for (int d = 0; d < 4; ++d) assert_true(V[d + 4 * i] - c == at3e9[i][d]);
    ics_sampler_fill(s, ((int64_t)1 << 32) - 1, 1, V); /* the last point exists and is in range */
    for (int d = 0; d < 4; ++d) assert_true(V[d] > 0.0 && V[d] < 1.0);
    ics_sampler_destroy(&s);
}

/* The integer digits x of a Sobol' value u = (x + 0.5) 2^-32 (exact). */
static uint32_t digits(double u)
{
    return (uint32_t)(u * TWO32);
}

/* Smallest t such that every elementary interval 2^-a x 2^-(m-t-a) of dimensions (d1, d2)
 * holds exactly 2^t of the 2^m points starting at point `first` (U: dims x npoints). */
static int net_t(const double *U, int dims, int64_t first, int m, int d1, int d2)
{
    const int n = 1 << m;
    int *count = calloc((size_t)n, sizeof *count);
    assert_non_null(count);
    int t = 0;
    for (; t <= m; ++t) {
        int ok = 1;
        for (int a = 0; a <= m - t && ok; ++a) {
            const int bb = m - t - a;
            memset(count, 0, sizeof *count * (size_t)n);
            for (int j = 0; j < n; ++j) {
                const double *p = U + (size_t)(first + j) * dims;
                const uint32_t x = a ? digits(p[d1]) >> (32 - a) : 0;
                const uint32_t y = bb ? digits(p[d2]) >> (32 - bb) : 0;
                count[(x << bb) | y]++;
            }
            for (int k = 0; k < (1 << (m - t)); ++k)
                if (count[k] != (1 << t)) ok = 0;
        }
        if (ok) break;
    }
    free(count);
    return t;
}

static void test_sobol_nets(void **state)
{
    (void)state;
    const int m = 10, n = 1 << m, D = 1024;
    ics_sampler *s = make(ICS_SAMPLER_SOBOL, 31337, 4 * n, D, 0);
    ics_sampler *plain = make(ICS_SAMPLER_SOBOL, 31337, 4 * n, D, ICS_SAMPLER_UNSCRAMBLED);
    double *U = fill_all(s, 0, 4 * n), *P = fill_all(plain, 0, 4 * n);
    int *hits = calloc((size_t)n, sizeof *hits);
    assert_non_null(hits);

    for (int blk = 0; blk < 4; ++blk) {
        const int64_t first = (int64_t)blk * n;
        /* dimensions (0, 1): a (0, m, 2)-net, every 2^-a x 2^-(m-a) box holds one point */
        assert_int_equal(net_t(U, D, first, m, 0, 1), 0);
        /* every single dimension: each interval of length 2^-m holds exactly one point */
        for (int d = 0; d < D; ++d) {
            memset(hits, 0, sizeof *hits * (size_t)n);
            for (int j = 0; j < n; ++j) {
                const double u = U[d + (size_t)(first + j) * D];
                assert_true(u > 0.0 && u < 1.0);
                hits[digits(u) >> (32 - m)]++;
            }
            for (int k = 0; k < n; ++k) assert_int_equal(hits[k], 1);
        }
    }
    /* the matrix scramble and the shift preserve each pair's t-value */
    static const int pairs[][2] = {{1, 2}, {2, 3}, {3, 4}, {5, 17}, {100, 1023}, {511, 512}};
    for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; ++p)
        assert_int_equal(net_t(U, D, 0, m, pairs[p][0], pairs[p][1]),
                         net_t(P, D, 0, m, pairs[p][0], pairs[p][1]));
    /* scrambling is random: point 0 is not the origin, and seeds differ */
    assert_true(U[0] != P[0] && U[1] != P[1]);
    ics_sampler *s2 = make(ICS_SAMPLER_SOBOL, 31338, 4 * n, 2, 0);
    double *U2 = fill_all(s2, 0, 4);
    assert_true(U2[0] != U[0] && U2[1] != U[1]);
    free(U2);
    ics_sampler_destroy(&s2);
    free(hits);
    free(U);
    free(P);
    ics_sampler_destroy(&s);
    ics_sampler_destroy(&plain);
}

static void expect_input_error(ics_sampler_kind kind, int64_t n, int dims, unsigned flags,
                               const char *needle)
{
    ics_sampler *s = (ics_sampler *)&s; /* must be reset to NULL */
    ics_error err;
    ics_error_clear(&err);
    assert_int_equal(ics_sampler_create_ex(kind, 1, n, dims, flags, &s, &err), ICS_EINPUT);
    assert_null(s);
    if (!strstr(err.msg, needle)) fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

static void test_sampler_errors(void **state)
{
    (void)state;
    expect_input_error(ICS_SAMPLER_SOBOL, ((int64_t)1 << 32) + 1, 2, 0, "at most 2^32");
    expect_input_error(ICS_SAMPLER_SOBOL, 100, 1025, 0, "at most 1024");
    expect_input_error(ICS_SAMPLER_MC, 0, 2, 0, "at least 1");
    expect_input_error(ICS_SAMPLER_LHS, 10, -1, 0, "dimensions");
    expect_input_error((ics_sampler_kind)7, 10, 1, 0, "unknown kind");
    expect_input_error(ICS_SAMPLER_LHS, 10, 1, ICS_SAMPLER_UNSCRAMBLED, "sobol only");
    expect_input_error(ICS_SAMPLER_MC, 10, 1, 0x80, "unknown flags");
    /* the limits themselves are accepted; zero dimensions is a valid (empty) design */
    ics_sampler *s = make(ICS_SAMPLER_SOBOL, 1, (int64_t)1 << 32, 1024, 0);
    assert_int_equal(ics_sampler_dims(s), 1024);
    assert_true(ics_sampler_points(s) == ((int64_t)1 << 32));
    assert_int_equal(ics_sampler_get_kind(s), ICS_SAMPLER_SOBOL);
    ics_sampler_destroy(&s);
    s = make(ICS_SAMPLER_LHS, 1, 10, 0, 0);
    ics_sampler_fill(s, 0, 10, NULL);
    ics_sampler_destroy(&s);
    ics_sampler_destroy(&s);
    ics_sampler_destroy(NULL);
}

static void test_copula_correlation(void **state)
{
    (void)state;
    const int N = 20000, D = 3;
    ics_sampler *s = make(ICS_SAMPLER_MC, 5, N, D, 0);
    double *U = fill_all(s, 0, N);
    double *orig = malloc(sizeof *orig * (size_t)N * D);
    assert_non_null(orig);
    memcpy(orig, U, sizeof *orig * (size_t)N * D);
    const double corr[4] = {1.0, 0.7, 0.7, 1.0};
    ics_copula *c = NULL;
    ics_error err;
    ics_error_clear(&err);
    assert_int_equal(ics_copula_create(2, corr, &c, &err), ICS_OK);
    assert_int_equal(ics_copula_size(c), 2);
    const int rows[2] = {2, 0}; /* row 1 stays independent */
    ics_copula_apply(c, N, rows, U, D);

    double sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0, su = 0;
    for (int i = 0; i < N; ++i) {
        const double *col = U + (size_t)i * D;
        for (int d = 0; d < D; ++d) assert_true(col[d] > 0.0 && col[d] < 1.0);
        assert_true(col[1] == orig[1 + (size_t)i * D]);
        const double x = ics_norm_ppf(col[2]), y = ics_norm_ppf(col[0]);
        sx += x; sy += y; sxx += x * x; syy += y * y; sxy += x * y;
        su += col[0];
    }
    const double cov = sxy / N - (sx / N) * (sy / N);
    const double r = cov / sqrt((sxx / N - (sx / N) * (sx / N)) * (syy / N - (sy / N) * (sy / N)));
    assert_true(fabs(r - 0.7) < 0.02);
    /* the correlated rows stay uniform: mean 1/2 within 5 standard errors */
    assert_true(fabs(su / N - 0.5) < 5 * sqrt(1.0 / 12.0 / N));
    ics_copula_destroy(&c);
    assert_null(c);

    /* the identity correlation changes nothing beyond rounding */
    const double eye[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    assert_int_equal(ics_copula_create(3, eye, &c, &err), ICS_OK);
    memcpy(U, orig, sizeof *orig * (size_t)N * D);
    const int all[3] = {0, 1, 2};
    ics_copula_apply(c, N, all, U, D);
    for (size_t k = 0; k < (size_t)N * D; ++k) assert_true(fabs(U[k] - orig[k]) < 1e-13);
    ics_copula_destroy(&c);
    ics_copula_destroy(NULL);
    free(orig);
    free(U);
    ics_sampler_destroy(&s);
}

static void expect_copula_error(int m, const double *corr, const char *needle)
{
    ics_copula *c = (ics_copula *)&c;
    ics_error err;
    ics_error_clear(&err);
    assert_int_equal(ics_copula_create(m, corr, &c, &err), ICS_EINPUT);
    assert_null(c);
    if (!strstr(err.msg, needle)) fail_msg("message '%s' lacks '%s'", err.msg, needle);
}

static void test_copula_errors(void **state)
{
    (void)state;
    const double notpd[9] = {1, .9, .9, .9, 1, -.9, .9, -.9, 1};
    expect_copula_error(3, notpd, "correlation matrix is not positive definite (leading minor 3)");
    const double asym[4] = {1, .5, .4, 1};
    expect_copula_error(2, asym, "not symmetric");
    const double diag[4] = {0.9, .5, .5, 1};
    expect_copula_error(2, diag, "must be 1");
    const double big[4] = {1, 1.5, 1.5, 1};
    expect_copula_error(2, big, "[-1, 1]");
    const double nan_[4] = {1, NAN, NAN, 1};
    expect_copula_error(2, nan_, "finite");
    const double one[4] = {1, 1, 1, 1}; /* perfectly correlated: singular */
    expect_copula_error(2, one, "leading minor 2");
    expect_copula_error(0, one, "at least 1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mc_is_philox),
        cmocka_unit_test(test_lhs_strata),
        cmocka_unit_test(test_lhs_depends_on_seed),
        cmocka_unit_test(test_split_independent),
        cmocka_unit_test(test_sobol_published),
        cmocka_unit_test(test_sobol_nets),
        cmocka_unit_test(test_sampler_errors),
        cmocka_unit_test(test_copula_correlation),
        cmocka_unit_test(test_copula_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
