/* Hot compute on a block of b scenarios: pure functions on caller-owned arrays.
 * No allocation, no I/O, no global state; each call is one BLAS-3 product plus elementwise work.
 * Blocks are column-major n x b (scenario s is column s), which is exactly the row-major (b, n)
 * hyperslab of a (N, n) HDF5 dataset. Thread-safe: distinct outputs may be computed concurrently
 * (use single-threaded BLAS inside OpenMP regions). */
#ifndef ICS_KERNELS_H
#define ICS_KERNELS_H

/* Demand-driven: dX (n x b) = L (n x n) * dY (n x b).
 * L: Leontief inverse, column-major, leading dimension n; dY: final-demand changes (table units);
 * dX: output changes (table units). */
void ics_kernel_leontief(int n, int b, const double *L, const double *dY, double *dX);

/* Supply-driven: dX^T = dV^T * G  <=>  dX (n x b) = G^T * dV (n x b).
 * G: Ghosh inverse (I - B)^-1, column-major n x n; dV: value-added changes; dX: output changes. */
void ics_kernel_ghosh(int n, int b, const double *G, const double *dV, double *dX);

/* Inoperability: Q (n x b) = clip((I - A*)^-1 * Cstar, 0, 1).
 * Sinv: (I - A*)^-1 column-major n x n; Cstar: demand perturbations c*_i = -dy_i / x_i (shares);
 * Q: inoperability (shares of baseline output, 0 = normal, 1 = fully inoperable). */
void ics_kernel_iim(int n, int b, const double *Sinv, const double *Cstar, double *Q);

/* Aggregates: Out (m x b) = S (m x n) * X (n x b); S column-major with leading dimension m. */
void ics_kernel_aggregate(int m, int n, int b, const double *S, const double *X, double *Out);

/* Low-rank change of the system matrix (Sherman-Morrison-Woodbury), applied to a block.
 * The model is x = (I - C - U diag(th) V^T)^-1 u with Cinv = (I - C)^-1, W = Cinv U (n x r),
 * Vt = V^T (r x n, leading dimension r), K = V^T Cinv U (r x r) and vxb = V^T xb (r), where xb
 * is the baseline solution. X (n x b) holds on entry the linear solution relative to the baseline
 * (sgn = +1: X = Cinv du, the block is x - xb; sgn = -1: X = Cinv c*, the block is xb - x, as for
 * IIM inoperability) and on exit the exact solution of the shocked system in the same form:
 *   h_j = vxb + sgn Vt X_j,  (I - K diag(Th_j)) t_j = h_j,  X_j += sgn W (Th_j .* t_j).
 * Th (r x b): the scalar of each low-rank column in each scenario (columns of all-zero Th are
 * left unchanged without a solve). work: 2 r b + r r doubles; ipiv: r ints. A singular r x r
 * system makes that scenario's column NaN; returns the number of such scenarios. */
int ics_kernel_lowrank(int n, int r, int b, const double *W, const double *Vt, const double *K,
                       const double *vxb, double sgn, const double *Th, double *X, double *work,
                       int *ipiv);

#endif
