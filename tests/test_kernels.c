/* Kernels against plain loops (an independent evaluation of the same products), linearity,
 * and the clipping bounds of the inoperability kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ics_kernels.h"

#include <math.h>
#include <stdlib.h>

static double frand(unsigned long long *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(*s >> 11) / 9007199254740992.0 - 0.5;
}

static void test_products_match_loops(void **state)
{
    (void)state;
    const int n = 37, b = 53, m = 5;
    unsigned long long s = 7;
    double *M = malloc(sizeof(double) * n * n), *Y = malloc(sizeof(double) * n * b),
           *X = malloc(sizeof(double) * n * b), *S = malloc(sizeof(double) * m * n),
           *O = malloc(sizeof(double) * m * b);
    for (int i = 0; i < n * n; ++i) M[i] = frand(&s);
    for (int i = 0; i < n * b; ++i) Y[i] = frand(&s) * 100;
    for (int i = 0; i < m * n; ++i) S[i] = frand(&s);
    ics_kernel_leontief(n, b, M, Y, X);
    for (int j = 0; j < b; ++j)
        for (int i = 0; i < n; ++i) {
            double acc = 0;
            for (int k = 0; k < n; ++k) acc += M[i + k * n] * Y[k + j * n];
            assert_true(fabs(X[i + j * n] - acc) < 1e-12 * (1 + fabs(acc)));
        }
    ics_kernel_ghosh(n, b, M, Y, X);
    for (int j = 0; j < b; ++j)
        for (int i = 0; i < n; ++i) {
            double acc = 0;
            for (int k = 0; k < n; ++k) acc += M[k + i * n] * Y[k + j * n];
            assert_true(fabs(X[i + j * n] - acc) < 1e-12 * (1 + fabs(acc)));
        }
    ics_kernel_aggregate(m, n, b, S, Y, O);
    for (int j = 0; j < b; ++j)
        for (int r = 0; r < m; ++r) {
            double acc = 0;
            for (int k = 0; k < n; ++k) acc += S[r + k * m] * Y[k + j * n];
            assert_true(fabs(O[r + j * m] - acc) < 1e-12 * (1 + fabs(acc)));
        }
    free(M), free(Y), free(X), free(S), free(O);
}

static void test_linearity_and_clip(void **state)
{
    (void)state;
    const int n = 20, b = 3;
    unsigned long long s = 99;
    double M[400], Y[60], X[60], Q[60];
    for (int i = 0; i < 400; ++i) M[i] = frand(&s) * 0.1 + (i % 21 == 0);
    for (int i = 0; i < 20; ++i) {
        Y[i] = frand(&s);
        Y[20 + i] = frand(&s);
        Y[40 + i] = 2.5 * Y[i] - 0.75 * Y[20 + i];
    }
    ics_kernel_leontief(n, b, M, Y, X);
    for (int i = 0; i < n; ++i)
        assert_true(fabs(X[40 + i] - (2.5 * X[i] - 0.75 * X[20 + i])) < 1e-13);
    for (int i = 0; i < 60; ++i) Y[i] *= 10;
    ics_kernel_iim(n, b, M, Y, Q);
    int low = 0, high = 0;
    for (int i = 0; i < 60; ++i) {
        assert_true(Q[i] >= 0.0 && Q[i] <= 1.0);
        low += Q[i] == 0.0;
        high += Q[i] == 1.0;
    }
    assert_true(low > 0 && high > 0); /* both bounds were active */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_products_match_loops),
        cmocka_unit_test(test_linearity_and_clip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
