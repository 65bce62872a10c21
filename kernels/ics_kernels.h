/* Hot compute on a block of b scenarios: pure functions on caller-owned arrays.
 * No allocation, no I/O, no global state; each call is one BLAS-3 product plus elementwise work
 * (the segment products at the end: register-blocked loops, see there).
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

/* Dst (nr x b, leading dimension nr) = rows rows[0..nr-1] of Src (leading dimension lds). */
void ics_kernel_gather_rows(int nr, int b, const int *rows, const double *Src, int lds,
                            double *Dst);

/* Aggregates: Out (m x b) = S (m x n) * X (n x b); S column-major with leading dimension m, X
 * with n. Also the static propagation over a shock support (S = the support's n columns of the
 * inverse, X = the support's rows of the block). */
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

/* Segment products of the supply-constrained (ARIO) dynamics, where a product's suppliers are K
 * consecutive rows of the flow matrix Z (K = the regions making it, K >= 1; n >= 1).
 * Rows: D[k + c ldd] = sum_i Z[first + k, i] G[i + c ldg] (k < K, c < nc): the orders reaching
 * the product's suppliers; Z points at row `first` of Z (column-major, leading dimension ldz).
 * Cols: Out[i + c ldo] = sum_k Z[first + k, i] R[k + c ldr] (i < n): what each client receives
 * from, or may order of, the product's suppliers; ZT points at column `first` of Z^T (n x n,
 * leading dimension ldz), so ZT[i + k ldz] = Z[first + k, i]. The same products as DGEMM (K x n
 * by n x nc, and its transposed K-inner form); OpenBLAS spends as much on packing as on
 * arithmetic at K = a few regions, these stream their operands once. Every sum is taken in a
 * fixed order, the same on every CPU (see kernels/segment.c). */
void ics_kernel_segment_rows(int n, int K, int nc, const double *Z, int ldz, const double *G,
                             int ldg, double *D, int ldd);
void ics_kernel_segment_cols(int n, int K, int nc, const double *ZT, int ldz, const double *R,
                             int ldr, double *Out, int ldo);

/* The same two products over the nonzeros of Z only (issue 17: real tables are sparse), with
 * the scenarios as the vectorised dimension: a scenario's values of one link or node are lanes
 * c of a row, 8 lanes at a time (G, R rows must have >= nc rounded up to 8 readable, finite
 * lanes). Each sum runs over the row's nonzeros in the order of ptr, which is the order of the
 * dense kernels with the zero terms left out, so the values are those of the dense kernels
 * (an exact zero term z g adds nothing; at most the sign of a zero sum differs).
 * rows: D[i + c ldd] = sum_{e = ptr[i]}^{ptr[i+1]-1} val[e] G[idx[e] ldg + c], i < n, c < nc.
 * cols: O1[l 8 + c] = sum_e val[e] R1[idx[e] ldr + c] (and O2 from R2 unless R2 is NULL),
 * l < nl (ptr, idx, val from the first of the nl rows), c < 8. */
void ics_kernel_sparse_rows(int n, int nc, const int *ptr, const int *idx, const double *val,
                            const double *G, int ldg, double *D, int ldd);
/* rows, for the nr rows of one product as a dense block: D[r + c ldd] = sum_{l < nl} zb[l ldz +
 * r] G[l ldg + c], r < nr, c < nc, each sum in order of l (zb: ldz >= nr rounded up to 8, the
 * padding rows zero). With zb holding the product's rows over its links (0 where a row has no
 * nonzero), the values are those of ics_kernel_sparse_rows over these rows, up to the sign of a
 * zero sum. */
void ics_kernel_block_rows(int nr, int nl, int nc, const double *zb, int ldz, const double *G,
                           int ldg, double *D, int ldd);
/* cols, over the same block: O1[l 8 + c] = sum_{r < nr} zb[l ldz + r] R1[r ldr + c] (and O2 from
 * R2 unless NULL), l < nl, c < 8, each sum in order of r; R1, R2 point at the product's first row.
 * The values of ics_kernel_sparse_cols over the product's links, up to the sign of a zero sum. */
void ics_kernel_block_cols(int nr, int nl, const double *zb, int ldz, const double *R1,
                           const double *R2, int ldr, double *O1, double *O2);
void ics_kernel_sparse_cols(int nl, const int *ptr, const int *idx, const double *val,
                            const double *R1, const double *R2, int ldr, double *O1, double *O2);

#endif
