/* Static propagation kernels: one DGEMM per block, then elementwise clipping where the model
 * needs it. See ics_kernels.h for shapes and units. */
#include "ics_kernels.h"

#include <cblas.h>
#include <stddef.h>

void ics_kernel_leontief(int n, int b, const double *L, const double *dY, double *dX)
{
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, b, n, 1.0, L, n, dY, n, 0.0, dX, n);
}

void ics_kernel_ghosh(int n, int b, const double *G, const double *dV, double *dX)
{
    cblas_dgemm(CblasColMajor, CblasTrans, CblasNoTrans, n, b, n, 1.0, G, n, dV, n, 0.0, dX, n);
}

void ics_kernel_iim(int n, int b, const double *Sinv, const double *Cstar, double *Q)
{
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, b, n, 1.0, Sinv, n, Cstar, n, 0.0, Q,
                n);
    const long total = (long)n * b;
    for (long k = 0; k < total; ++k) {
        double q = Q[k];
        Q[k] = q < 0.0 ? 0.0 : q > 1.0 ? 1.0 : q;
    }
}

void ics_kernel_gather_rows(int nr, int b, const int *rows, const double *Src, int lds,
                            double *Dst)
{
    for (int j = 0; j < b; ++j) {
        const double *s = Src + (size_t)j * lds;
        double *d = Dst + (size_t)j * nr;
        for (int r = 0; r < nr; ++r) d[r] = s[rows[r]];
    }
}

void ics_kernel_aggregate(int m, int n, int b, const double *S, const double *X, double *Out)
{
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, m, b, n, 1.0, S, m, X, n, 0.0, Out, m);
}
