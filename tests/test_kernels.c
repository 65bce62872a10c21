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

/* The dense row blocks of the ARIO links (ics_kernel_block_rows, _cols) against the sparse forms
 * over the same nonzeros and against scalar loops in the documented order: equal bit for bit
 * (values are nonzero here, so no sum is a signed zero), with zeros in the block where a row
 * does not supply a link's client, for the register form (8 rows) and the general one. */
static void test_block_kernels(void **state)
{
    (void)state;
    unsigned long long seed = 29;
    const int nrs[] = {1, 5, 8, 11, 16}, nls[] = {1, 2, 9, 40}, ncs[] = {1, 7, 8, 13};
    for (int a = 0; a < 5; ++a)
        for (int b = 0; b < 4; ++b)
            for (int cc = 0; cc < 4; ++cc) {
                const int nr = nrs[a], nl = nls[b], nc = ncs[cc], ldz = (nr + 7) & ~7;
                const int P = (nc + 7) & ~7, nz_max = nr * nl;
                double *zb = calloc((size_t)ldz * nl, sizeof(double));
                double *G = malloc(sizeof(double) * nl * P), *R1 = malloc(sizeof(double) * nr * P);
                double *R2 = malloc(sizeof(double) * nr * P);
                double *D = malloc(sizeof(double) * nr * nc), *Ds = malloc(sizeof(double) * nr * nc);
                double *O1 = malloc(sizeof(double) * nl * 8), *O2 = malloc(sizeof(double) * nl * 8);
                double *S1 = malloc(sizeof(double) * nl * 8), *S2 = malloc(sizeof(double) * nl * 8);
                int *rptr = malloc(sizeof(int) * (nr + 1)), *ridx = malloc(sizeof(int) * nz_max);
                int *cptr = malloc(sizeof(int) * (nl + 1)), *cidx = malloc(sizeof(int) * nz_max);
                double *rval = malloc(sizeof(double) * nz_max), *cval = malloc(sizeof(double) * nz_max);
                /* about a quarter of the (row, link) pairs zero, but every link supplied */
                for (int l = 0; l < nl; ++l)
                    for (int r = 0; r < nr; ++r)
                        if (r == l % nr || frand(&seed) > -0.25)
                            zb[(size_t)l * ldz + r] = frand(&seed) + 0.75;
                for (int q = 0; q < nl * P; ++q) G[q] = frand(&seed);
                for (int q = 0; q < nr * P; ++q) R1[q] = frand(&seed), R2[q] = frand(&seed);
                int e = 0;
                for (int r = 0; r < nr; ++r) {
                    rptr[r] = e;
                    for (int l = 0; l < nl; ++l)
                        if (zb[(size_t)l * ldz + r] != 0.0) ridx[e] = l, rval[e++] = zb[(size_t)l * ldz + r];
                }
                rptr[nr] = e;
                e = 0;
                for (int l = 0; l < nl; ++l) {
                    cptr[l] = e;
                    for (int r = 0; r < nr; ++r)
                        if (zb[(size_t)l * ldz + r] != 0.0) cidx[e] = r, cval[e++] = zb[(size_t)l * ldz + r];
                }
                cptr[nl] = e;

                ics_kernel_block_rows(nr, nl, nc, zb, ldz, G, P, D, nr);
                ics_kernel_sparse_rows(nr, nc, rptr, ridx, rval, G, P, Ds, nr);
                for (int r = 0; r < nr; ++r)
                    for (int c = 0; c < nc; ++c) {
                        double ref = zb[r] * G[c];
                        for (int l = 1; l < nl; ++l) ref += zb[(size_t)l * ldz + r] * G[(size_t)l * P + c];
                        assert_true(D[r + (size_t)c * nr] == ref);
                        assert_true(D[r + (size_t)c * nr] == Ds[r + (size_t)c * nr]);
                    }
                for (int two = 0; two < 2; ++two) {
                    ics_kernel_block_cols(nr, nl, zb, ldz, R1, two ? R2 : NULL, P, O1, O2);
                    ics_kernel_sparse_cols(nl, cptr, cidx, cval, R1, two ? R2 : NULL, P, S1, S2);
                    for (int l = 0; l < nl; ++l)
                        for (int c = 0; c < 8; ++c) {
                            const double *z = zb + (size_t)l * ldz;
                            double r1 = z[0] * R1[c], r2 = z[0] * R2[c];
                            for (int r = 1; r < nr; ++r)
                                r1 += z[r] * R1[(size_t)r * P + c], r2 += z[r] * R2[(size_t)r * P + c];
                            assert_true(O1[l * 8 + c] == r1 && O1[l * 8 + c] == S1[l * 8 + c]);
                            if (two) assert_true(O2[l * 8 + c] == r2 && O2[l * 8 + c] == S2[l * 8 + c]);
                        }
                }
                free(zb), free(G), free(R1), free(R2), free(D), free(Ds), free(O1), free(O2);
                free(S1), free(S2), free(rptr), free(ridx), free(cptr), free(cidx), free(rval);
                free(cval);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_products_match_loops),
        cmocka_unit_test(test_linearity_and_clip),
        cmocka_unit_test(test_segment_kernels),
        cmocka_unit_test(test_block_kernels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
