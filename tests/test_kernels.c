/* Kernels against plain loops (an independent evaluation of the same products), linearity,
 * and the clipping bounds of the inoperability kernel; the segment kernels against DGEMM and,
 * bit for bit, against scalar loops taking each sum in the order kernels/segment.c documents
 * (which is what makes their results independent of the CPU's vector width). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ics_kernels.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

/* The documented order: every sum in order, from the first term (rows: over i; cols: over k). */
static double rows_ref(int n, const double *z, int ldz, const double *g)
{
    double s = z[0] * g[0];
    for (int i = 1; i < n; ++i) s += z[(size_t)i * ldz] * g[i];
    return s;
}

static void test_segment_kernels(void **state)
{
    (void)state;
    unsigned long long seed = 11;
    const int ns[] = {1, 5, 8, 37, 64}, Ks[] = {1, 3, 4, 5, 8, 9, 16, 21}, ncs[] = {1, 3, 4, 7};
    for (int a = 0; a < 5; ++a)
        for (int bk = 0; bk < 8; ++bk)
            for (int cc = 0; cc < 4; ++cc) {
                const int n = ns[a], K = Ks[bk], nc = ncs[cc], off = 2, ld = off + K + 1;
                /* Z (ld x n, rows off .. off+K-1 are the product's suppliers) and its transpose (n x ld) */
                double *Z = malloc(sizeof(double) * ld * n), *ZT = malloc(sizeof(double) * n * ld);
                double *G = malloc(sizeof(double) * n * nc), *R = malloc(sizeof(double) * ld * nc);
                double *D = malloc(sizeof(double) * ld * nc), *Dr = malloc(sizeof(double) * ld * nc);
                double *O = malloc(sizeof(double) * n * nc), *Or = malloc(sizeof(double) * n * nc);
                for (int q = 0; q < ld * n; ++q) Z[q] = frand(&seed) + 0.5;
                for (int r = 0; r < ld; ++r)
                    for (int i = 0; i < n; ++i) ZT[i + (size_t)r * n] = Z[r + (size_t)i * ld];
                for (int q = 0; q < n * nc; ++q) G[q] = frand(&seed) + 0.5;
                for (int q = 0; q < ld * nc; ++q) R[q] = frand(&seed) + 0.5;
                const double *ZTp = ZT + (size_t)off * n;

                /* rows: D[k, c] = sum_i Z[off+k, i] G[i, c]; D has leading dimension ld */
                ics_kernel_segment_rows(n, K, nc, Z + off, ld, G, n, D, ld);
                cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, K, nc, n, 1.0, Z + off, ld,
                            G, n, 0.0, Dr, ld);
                for (int c = 0; c < nc; ++c)
                    for (int k = 0; k < K; ++k) {
                        const double v = D[k + (size_t)c * ld], r = Dr[k + (size_t)c * ld];
                        assert_true(fabs(v - r) <= 1e-13 * n * fmax(1.0, fabs(r)));
                        assert_true(v == rows_ref(n, Z + off + k, ld, G + (size_t)c * n));
                    }

                /* cols: O[i, c] = sum_k Z[off+k, i] R[off+k, c] */
                ics_kernel_segment_cols(n, K, nc, ZTp, n, R + off, ld, O, n);
                cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, n, nc, K, 1.0, Z + off, ld,
                            R + off, ld, 0.0, Or, n);
                for (int c = 0; c < nc; ++c)
                    for (int i = 0; i < n; ++i) {
                        double sref = ZTp[i] * R[off + (size_t)c * ld];
                        for (int k = 1; k < K; ++k)
                            sref += ZTp[i + (size_t)k * n] * R[off + k + (size_t)c * ld];
                        const double v = O[i + (size_t)c * n], r = Or[i + (size_t)c * n];
                        assert_true(fabs(v - r) <= 1e-13 * K * fmax(1.0, fabs(r)));
                        assert_true(v == sref);
                    }
                free(Z), free(ZT), free(G), free(R), free(D), free(Dr), free(O), free(Or);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_products_match_loops),
        cmocka_unit_test(test_linearity_and_clip),
        cmocka_unit_test(test_segment_kernels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
