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

#endif
