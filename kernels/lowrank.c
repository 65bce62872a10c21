/* Sherman-Morrison-Woodbury correction of a block (see ics_kernels.h): two GEMMs shared by the
 * block and one small r x r LU per scenario. Allocation-free (LAPACKE column-major _work calls do
 * not allocate). */
#include "ics_kernels.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

_Static_assert(sizeof(lapack_int) == sizeof(int), "lapack_int must be int (LP64 LAPACK)");

int ics_kernel_lowrank(int n, int r, int b, const double *W, const double *Vt, const double *K,
                       const double *vxb, double sgn, const double *Th, double *X, double *work,
                       int *ipiv)
{
    if (r <= 0 || b <= 0) return 0;
    double *H = work;                       /* r x b: V^T X, then t_j scaled by th */
    double *M = work + (size_t)r * b;       /* r x r */
    int bad = 0;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, r, b, n, 1.0, Vt, r, X, n, 0.0, H, r);
    for (int j = 0; j < b; ++j) {
        const double *th = Th + (size_t)j * r;
        double *h = H + (size_t)j * r;
        int any = 0;
        for (int c = 0; c < r; ++c) any |= th[c] != 0.0;
        if (!any) {
            memset(h, 0, sizeof *h * (size_t)r);
            continue;
        }
        for (int a = 0; a < r; ++a) h[a] = vxb[a] + sgn * h[a];
        for (int c = 0; c < r; ++c)
            for (int a = 0; a < r; ++a)
                M[a + (size_t)c * r] = (a == c ? 1.0 : 0.0) - K[a + (size_t)c * r] * th[c];
        const lapack_int info =
            LAPACKE_dgesv_work(LAPACK_COL_MAJOR, r, 1, M, r, (lapack_int *)ipiv, h, r);
        if (info != 0) {
            for (int a = 0; a < r; ++a) h[a] = NAN;
            ++bad;
            continue;
        }
        for (int c = 0; c < r; ++c) h[c] *= th[c];
    }
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, b, r, sgn, W, n, H, r, 1.0, X, n);
    return bad;
}
