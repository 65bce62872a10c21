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
/* D[k + c ldd] = sum_i Z[k + i ldz] G[i + c ldg], k < K, c < nc, each sum in order from i = 0.
 * Vectorised over k (a column of Z holds the product's K suppliers contiguously), blocked four
 * columns of D at a time: four independent sums in flight, each vector of Z loaded once per
 * four. The rows beyond the last multiple of 8 as scalars, in the same order. */
ICS_SIMD_CLONES void ics_kernel_segment_rows(int n, int K, int nc, const double *Z, int ldz,
                                             const double *G, int ldg, double *D, int ldd)
{
    const int K8 = K - K % 8;
    for (int kc = 0; kc < K8; kc += 8) {
        const double *z = Z + kc;
        int c = 0;
        for (; c + 4 <= nc; c += 4) {
            const double *g0 = G + (size_t)c * ldg, *g1 = g0 + ldg, *g2 = g1 + ldg, *g3 = g2 + ldg;
            const v8 z0 = LD8(z);
            v8 a0 = z0 * g0[0], a1 = z0 * g1[0], a2 = z0 * g2[0], a3 = z0 * g3[0];
            for (int i = 1; i < n; ++i) {
                const v8 zi = LD8(z + (size_t)i * ldz);
                a0 += zi * g0[i];
                a1 += zi * g1[i];
                a2 += zi * g2[i];
                a3 += zi * g3[i];
            }
            double *d = D + kc + (size_t)c * ldd;
            ST8(d, a0), ST8(d + ldd, a1);
            ST8(d + 2 * (size_t)ldd, a2), ST8(d + 3 * (size_t)ldd, a3);
        }
        for (; c < nc; ++c) {
            const double *g0 = G + (size_t)c * ldg;
            v8 a0 = LD8(z) * g0[0];
            for (int i = 1; i < n; ++i) a0 += LD8(z + (size_t)i * ldz) * g0[i];
            ST8(D + kc + (size_t)c * ldd, a0);
        }
    }
    /* the last K mod 8 rows: four columns at a time as well (each z loaded once per four, up
     * to 28 independent sums in flight; one column at a time they were latency-bound, and at
     * K = 10, 10 regions per product, half of the step) */
    const int K4 = K8 < K ? nc - nc % 4 : 0;
    for (int c = 0; c < K4; c += 4) {
        const double *g0 = G + (size_t)c * ldg, *g1 = g0 + ldg, *g2 = g1 + ldg, *g3 = g2 + ldg;
        const double *z = Z + K8;
        const int r = K - K8;
        double a0[8], a1[8], a2[8], a3[8];
        for (int k = 0; k < r; ++k)
            a0[k] = z[k] * g0[0], a1[k] = z[k] * g1[0], a2[k] = z[k] * g2[0], a3[k] = z[k] * g3[0];
        for (int i = 1; i < n; ++i) {
            const double *zi = z + (size_t)i * ldz, b0 = g0[i], b1 = g1[i], b2 = g2[i], b3 = g3[i];
            for (int k = 0; k < r; ++k) {
                const double zk = zi[k];
                a0[k] += zk * b0, a1[k] += zk * b1, a2[k] += zk * b2, a3[k] += zk * b3;
            }
        }
        double *d = D + K8 + (size_t)c * ldd;
        for (int k = 0; k < r; ++k) {
            d[k] = a0[k], d[k + ldd] = a1[k];
            d[k + 2 * (size_t)ldd] = a2[k], d[k + 3 * (size_t)ldd] = a3[k];
        }
    }
    for (int c = K4; c < nc && K8 < K; ++c) {
        const double *g0 = G + (size_t)c * ldg;
        double acc[8];
        for (int k = K8; k < K; ++k) acc[k - K8] = Z[k] * g0[0];
        for (int i = 1; i < n; ++i)
            for (int k = K8; k < K; ++k) acc[k - K8] += Z[k + (size_t)i * ldz] * g0[i];
        for (int k = K8; k < K; ++k) D[k + (size_t)c * ldd] = acc[k - K8];
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

/* Sparse forms (see ics_kernels.h). Lanes are scenarios: each v8 holds 8 scenarios' values of
 * one row of G or R (contiguous), so every nonzero is one broadcast and one vector load, and
 * every lane's sum runs over the nonzeros in order, from the first (no reassociation). */
ICS_SIMD_CLONES void ics_kernel_sparse_rows(int n, int nc, const int *ptr, const int *idx,
                                            const double *val, const double *G, int ldg,
                                            double *D, int ldd)
{
    const int nc8 = (nc + 7) & ~7;
    double tmp[32];
    for (int i = 0; i < n; ++i) {
        const int e0 = ptr[i], e1 = ptr[i + 1];
        int c0 = 0;
        for (; c0 + 32 <= nc8; c0 += 32) { /* four independent sums in flight */
            v8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
            if (e0 < e1) {
                const double *g = G + (size_t)idx[e0] * ldg + c0, z = val[e0];
                a0 = LD8(g) * z, a1 = LD8(g + 8) * z, a2 = LD8(g + 16) * z, a3 = LD8(g + 24) * z;
            }
            for (int e = e0 + 1; e < e1; ++e) {
                const double *g = G + (size_t)idx[e] * ldg + c0, z = val[e];
                a0 += LD8(g) * z, a1 += LD8(g + 8) * z, a2 += LD8(g + 16) * z;
                a3 += LD8(g + 24) * z;
            }
            ST8(tmp, a0), ST8(tmp + 8, a1), ST8(tmp + 16, a2), ST8(tmp + 24, a3);
            const int m = nc - c0 < 32 ? nc - c0 : 32;
            for (int c = 0; c < m; ++c) D[i + (size_t)(c0 + c) * ldd] = tmp[c];
        }
        for (; c0 < nc8; c0 += 8) {
            v8 a0 = {0};
            if (e0 < e1) a0 = LD8(G + (size_t)idx[e0] * ldg + c0) * val[e0];
            for (int e = e0 + 1; e < e1; ++e) a0 += LD8(G + (size_t)idx[e] * ldg + c0) * val[e];
            ST8(tmp, a0);
            const int m = nc - c0 < 8 ? nc - c0 : 8;
            for (int c = 0; c < m; ++c) D[i + (size_t)(c0 + c) * ldd] = tmp[c];
        }
    }
}

/* The rows of one product whose links are (nearly) all supplied by each of its nr rows: a dense
 * nr x nl block, link-major, zero where a row does not supply the link's client. Eight rows at
 * a time share each loaded vector of G (the sparse form loads it once per nonzero); each row's
 * sum runs over the links in order, the sparse form's order with zero terms added. */
ICS_SIMD_CLONES void ics_kernel_block_rows(int nr, int nl, int nc, const double *zb, int ldz,
                                           const double *G, int ldg, double *D, int ldd)
{
    const int nc8 = (nc + 7) & ~7;
    double tmp[64];
    for (int r0 = 0; r0 < nr; r0 += 8) {
        const int rr = nr - r0 < 8 ? nr - r0 : 8;
        for (int c0 = 0; c0 < nc8; c0 += 8) {
            v8 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
            if (nl > 0) {
                const v8 g = LD8(G + c0);
                const double *z = zb + r0;
                a0 = g * z[0], a1 = g * z[1], a2 = g * z[2], a3 = g * z[3];
                a4 = g * z[4], a5 = g * z[5], a6 = g * z[6], a7 = g * z[7];
            }
            for (int l = 1; l < nl; ++l) {
                const v8 g = LD8(G + (size_t)l * ldg + c0);
                const double *z = zb + (size_t)l * ldz + r0;
                a0 += g * z[0], a1 += g * z[1], a2 += g * z[2], a3 += g * z[3];
                a4 += g * z[4], a5 += g * z[5], a6 += g * z[6], a7 += g * z[7];
            }
            ST8(tmp, a0), ST8(tmp + 8, a1), ST8(tmp + 16, a2), ST8(tmp + 24, a3);
            ST8(tmp + 32, a4), ST8(tmp + 40, a5), ST8(tmp + 48, a6), ST8(tmp + 56, a7);
            const int m = nc - c0 < 8 ? nc - c0 : 8;
            for (int r = 0; r < rr; ++r)
                for (int c = 0; c < m; ++c) D[r0 + r + (size_t)(c0 + c) * ldd] = tmp[8 * r + c];
        }
    }
}

/* The columns over one product's dense row block (ics_kernel_block_rows' zb): each link's sum
 * over the nr rows in order, the sparse form's order with zero terms added. With the usual 8
 * rows (one per region), the 8 (16 with R2) row vectors stay in registers for all the links. */
ICS_SIMD_CLONES void ics_kernel_block_cols(int nr, int nl, const double *zb, int ldz,
                                           const double *R1, const double *R2, int ldr,
                                           double *O1, double *O2)
{
    if (nr == 8) {
        const size_t d = (size_t)ldr;
        const v8 p0 = LD8(R1), p1 = LD8(R1 + d), p2 = LD8(R1 + 2 * d), p3 = LD8(R1 + 3 * d);
        const v8 p4 = LD8(R1 + 4 * d), p5 = LD8(R1 + 5 * d), p6 = LD8(R1 + 6 * d);
        const v8 p7 = LD8(R1 + 7 * d);
        if (R2) {
            const v8 q0 = LD8(R2), q1 = LD8(R2 + d), q2 = LD8(R2 + 2 * d), q3 = LD8(R2 + 3 * d);
            const v8 q4 = LD8(R2 + 4 * d), q5 = LD8(R2 + 5 * d), q6 = LD8(R2 + 6 * d);
            const v8 q7 = LD8(R2 + 7 * d);
            for (int l = 0; l < nl; ++l) {
                const double *z = zb + (size_t)l * ldz;
                v8 a1 = p0 * z[0], a2 = q0 * z[0];
                a1 += p1 * z[1], a2 += q1 * z[1];
                a1 += p2 * z[2], a2 += q2 * z[2];
                a1 += p3 * z[3], a2 += q3 * z[3];
                a1 += p4 * z[4], a2 += q4 * z[4];
                a1 += p5 * z[5], a2 += q5 * z[5];
                a1 += p6 * z[6], a2 += q6 * z[6];
                a1 += p7 * z[7], a2 += q7 * z[7];
                ST8(O1 + (size_t)l * 8, a1), ST8(O2 + (size_t)l * 8, a2);
            }
        } else {
            for (int l = 0; l < nl; ++l) {
                const double *z = zb + (size_t)l * ldz;
                v8 a1 = p0 * z[0];
                a1 += p1 * z[1], a1 += p2 * z[2], a1 += p3 * z[3], a1 += p4 * z[4];
                a1 += p5 * z[5], a1 += p6 * z[6], a1 += p7 * z[7];
                ST8(O1 + (size_t)l * 8, a1);
            }
        }
        return;
    }
    for (int l = 0; l < nl; ++l) {
        const double *z = zb + (size_t)l * ldz;
        v8 a1 = LD8(R1) * z[0], a2 = {0};
        if (R2) a2 = LD8(R2) * z[0];
        for (int r = 1; r < nr; ++r) {
            a1 += LD8(R1 + (size_t)r * ldr) * z[r];
            if (R2) a2 += LD8(R2 + (size_t)r * ldr) * z[r];
        }
        ST8(O1 + (size_t)l * 8, a1);
        if (R2) ST8(O2 + (size_t)l * 8, a2);
    }
}

ICS_SIMD_CLONES void ics_kernel_sparse_cols(int nl, const int *ptr, const int *idx,
                                            const double *val, const double *R1, const double *R2,
                                            int ldr, double *O1, double *O2)
{
    int l = 0;
    if (R2) /* two links at a time: four independent sums in flight (each in its own order) */
        for (; l + 2 <= nl; l += 2) {
            const int e0 = ptr[l], e1 = ptr[l + 1], f1 = ptr[l + 2];
            const int m = e1 - e0 < f1 - e1 ? e1 - e0 : f1 - e1;
            v8 a1 = {0}, a2 = {0}, b1 = {0}, b2 = {0};
            if (m > 0) {
                const size_t o = (size_t)idx[e0] * ldr, u = (size_t)idx[e1] * ldr;
                a1 = LD8(R1 + o) * val[e0], a2 = LD8(R2 + o) * val[e0];
                b1 = LD8(R1 + u) * val[e1], b2 = LD8(R2 + u) * val[e1];
            }
            for (int k = 1; k < m; ++k) {
                const size_t o = (size_t)idx[e0 + k] * ldr, u = (size_t)idx[e1 + k] * ldr;
                a1 += LD8(R1 + o) * val[e0 + k], a2 += LD8(R2 + o) * val[e0 + k];
                b1 += LD8(R1 + u) * val[e1 + k], b2 += LD8(R2 + u) * val[e1 + k];
            }
            for (int e = e0 + (m > 0 ? m : 0); e < e1; ++e) {
                const size_t o = (size_t)idx[e] * ldr;
                if (e == e0) a1 = LD8(R1 + o) * val[e], a2 = LD8(R2 + o) * val[e];
                else a1 += LD8(R1 + o) * val[e], a2 += LD8(R2 + o) * val[e];
            }
            for (int e = e1 + (m > 0 ? m : 0); e < f1; ++e) {
                const size_t u = (size_t)idx[e] * ldr;
                if (e == e1) b1 = LD8(R1 + u) * val[e], b2 = LD8(R2 + u) * val[e];
                else b1 += LD8(R1 + u) * val[e], b2 += LD8(R2 + u) * val[e];
            }
            ST8(O1 + (size_t)l * 8, a1), ST8(O2 + (size_t)l * 8, a2);
            ST8(O1 + (size_t)l * 8 + 8, b1), ST8(O2 + (size_t)l * 8 + 8, b2);
        }
    for (; l < nl; ++l) {
        const int e0 = ptr[l], e1 = ptr[l + 1];
        v8 a1 = {0}, a2 = {0};
        if (R2) {
            if (e0 < e1) {
                const size_t o = (size_t)idx[e0] * ldr;
                a1 = LD8(R1 + o) * val[e0], a2 = LD8(R2 + o) * val[e0];
            }
            for (int e = e0 + 1; e < e1; ++e) {
                const size_t o = (size_t)idx[e] * ldr;
                a1 += LD8(R1 + o) * val[e], a2 += LD8(R2 + o) * val[e];
            }
            ST8(O2 + (size_t)l * 8, a2);
        } else {
            if (e0 < e1) a1 = LD8(R1 + (size_t)idx[e0] * ldr) * val[e0];
            for (int e = e0 + 1; e < e1; ++e) a1 += LD8(R1 + (size_t)idx[e] * ldr) * val[e];
        }
        ST8(O1 + (size_t)l * 8, a1);
    }
}
