/* Segment products of the supply-constrained dynamics (see ics_kernels.h): the two matrix-block
 * products whose short dimension is the number of regions supplying one product. Written with
 * GCC vector extensions over 8-double vectors, which the compiler lowers to whatever each clone
 * of ICS_SIMD_CLONES has (4 SSE2, 2 AVX2 or 1 AVX-512 register per vector): the arithmetic, and
 * the order of every sum, are the same in all clones, so the results do not depend on the CPU's
 * vector width. ISO C mode keeps contraction off: no multiply-add is fused in any clone. */
#include "ics_kernels.h"
#include "ics_simd.h"

#include <stddef.h>

typedef double v8 __attribute__((vector_size(64)));
/* the same vector at any double's address (unaligned loads and stores; may alias double) */
typedef double v8u __attribute__((vector_size(64), aligned(8), may_alias));

/* Macros, not functions: a function taking or returning a v8 would have a different calling
 * convention in the AVX-512 clone than in the others (and is not inlined at -O0). */
#define LD8(p) (*(const v8u *)(p))
#define ST8(p, v) (*(v8u *)(p) = (v))
/* lane sums of a v8 variable in a fixed tree order */
#define HSUM8(v) ((((v)[0] + (v)[1]) + ((v)[2] + (v)[3])) + (((v)[4] + (v)[5]) + ((v)[6] + (v)[7])))

/* D[k + c ldd] = sum_i ZT[i + k ldz] G[i + c ldg], k < K, c < nc. The sum over i: eight lane
 * partial sums over i = l mod 8 for i < n - n mod 8, added in a fixed tree, then the rest of i
 * in order. Blocked four rows of D at a time, so each vector of G is loaded once per four. */
ICS_SIMD_CLONES void ics_kernel_segment_rows(int n, int K, int nc, const double *ZT, int ldz,
                                             const double *G, int ldg, double *D, int ldd)
{
    const int n8 = n - n % 8;
    for (int c = 0; c < nc; ++c) {
        const double *g = G + (size_t)c * ldg;
        double *d = D + (size_t)c * ldd;
        int k = 0;
        for (; k + 4 <= K; k += 4) {
            const double *z0 = ZT + (size_t)k * ldz, *z1 = z0 + ldz, *z2 = z1 + ldz, *z3 = z2 + ldz;
            v8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
            for (int i = 0; i < n8; i += 8) {
                const v8 gv = LD8(g + i);
                a0 += LD8(z0 + i) * gv;
                a1 += LD8(z1 + i) * gv;
                a2 += LD8(z2 + i) * gv;
                a3 += LD8(z3 + i) * gv;
            }
            double s0 = HSUM8(a0), s1 = HSUM8(a1), s2 = HSUM8(a2), s3 = HSUM8(a3);
            for (int i = n8; i < n; ++i) {
                s0 += z0[i] * g[i];
                s1 += z1[i] * g[i];
                s2 += z2[i] * g[i];
                s3 += z3[i] * g[i];
            }
            d[k] = s0, d[k + 1] = s1, d[k + 2] = s2, d[k + 3] = s3;
        }
        for (; k < K; ++k) {
            const double *z0 = ZT + (size_t)k * ldz;
            v8 a0 = {0};
            for (int i = 0; i < n8; i += 8) a0 += LD8(z0 + i) * LD8(g + i);
            double s0 = HSUM8(a0);
            for (int i = n8; i < n; ++i) s0 += z0[i] * g[i];
            d[k] = s0;
        }
    }
}

/* Out[i + c ldo] = sum_k R[k + c ldr] ZT[i + k ldz], i < n, c < nc, the sum over k in order
 * from k = 0. Blocked four columns of Out at a time (four independent sums in flight, and each
 * vector of ZT loaded once per four); the rest of i (n mod 8) as scalars in the same order. */
ICS_SIMD_CLONES void ics_kernel_segment_cols(int n, int K, int nc, const double *ZT, int ldz,
                                             const double *R, int ldr, double *Out, int ldo)
{
    const int n8 = n - n % 8;
    int c = 0;
    for (; c + 4 <= nc; c += 4) {
        const double *r0 = R + (size_t)c * ldr, *r1 = r0 + ldr, *r2 = r1 + ldr, *r3 = r2 + ldr;
        double *o0 = Out + (size_t)c * ldo, *o1 = o0 + ldo, *o2 = o1 + ldo, *o3 = o2 + ldo;
        for (int i = 0; i < n8; i += 8) {
            const v8 z0 = LD8(ZT + i);
            v8 a0 = z0 * r0[0], a1 = z0 * r1[0], a2 = z0 * r2[0], a3 = z0 * r3[0];
            for (int k = 1; k < K; ++k) {
                const v8 z = LD8(ZT + (size_t)k * ldz + i);
                a0 += z * r0[k];
                a1 += z * r1[k];
                a2 += z * r2[k];
                a3 += z * r3[k];
            }
            ST8(o0 + i, a0), ST8(o1 + i, a1), ST8(o2 + i, a2), ST8(o3 + i, a3);
        }
        for (int i = n8; i < n; ++i) {
            double s0 = ZT[i] * r0[0], s1 = ZT[i] * r1[0], s2 = ZT[i] * r2[0], s3 = ZT[i] * r3[0];
            for (int k = 1; k < K; ++k) {
                const double z = ZT[(size_t)k * ldz + i];
                s0 += z * r0[k], s1 += z * r1[k], s2 += z * r2[k], s3 += z * r3[k];
            }
            o0[i] = s0, o1[i] = s1, o2[i] = s2, o3[i] = s3;
        }
    }
    for (; c < nc; ++c) {
        const double *r0 = R + (size_t)c * ldr;
        double *o0 = Out + (size_t)c * ldo;
        for (int i = 0; i < n8; i += 8) {
            v8 a0 = LD8(ZT + i) * r0[0];
            for (int k = 1; k < K; ++k) a0 += LD8(ZT + (size_t)k * ldz + i) * r0[k];
            ST8(o0 + i, a0);
        }
        for (int i = n8; i < n; ++i) {
            double s0 = ZT[i] * r0[0];
            for (int k = 1; k < K; ++k) s0 += ZT[(size_t)k * ldz + i] * r0[k];
            o0[i] = s0;
        }
    }
}
