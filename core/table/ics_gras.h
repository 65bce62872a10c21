/* GRAS: biproportional balancing of a matrix with entries of any sign to given row and column
 * sums (Junius & Oosterhaven 2003, "The solution of updating or regionalizing a matrix with both
 * positive and negative entries", Economic Systems Research 15(1); Lenzen, Wood & Gallego 2007,
 * "Some comments on the GRAS method", Economic Systems Research 19(4)).
 *
 * Given a prior A0 (m x n) with positive part P and negative part N (A0 = P - N), GRAS finds
 *     X = diag(r) P diag(s) - diag(r)^-1 N diag(s)^-1,   r, s > 0 (r_i = 0 / s_j = 0 allowed for
 * a row / column without negative entries whose target is 0)
 * with X 1 = u and 1'X = v. Every entry keeps its sign (zeros stay zero). For a non-negative
 * prior this is RAS. The iteration alternates exact row and column updates: each factor solves
 * the quadratic r_i p_i - n_i / r_i = u_i (p_i = sum_j P_ij s_j, n_i = sum_j N_ij / s_j), and
 * the loop stops when, after a column update, every row sum is within `tol` (relative) of its
 * target.
 *
 * Plan, then execute: ics_gras_create sizes the workspace (the only allocation); ics_gras_solve
 * allocates nothing and may be called many times, but not concurrently on the same handle. */
#ifndef ICS_GRAS_H
#define ICS_GRAS_H

#include "ics_error.h"

typedef struct ics_gras ics_gras; /* opaque workspace for one m x n shape */

typedef struct ics_gras_opts {
    double tol;                     /* max relative margin error at convergence (default 1e-12) */
    int max_iter;                   /* row+column sweeps before giving up (default 10000) */
    const char *const *row_labels;  /* optional [m] names used in error messages (borrowed) */
    const char *const *col_labels;  /* optional [n] names used in error messages (borrowed) */
} ics_gras_opts;
#define ICS_GRAS_DEFAULTS {1e-12, 10000, NULL, NULL}

typedef struct ics_gras_report {
    int iterations;          /* sweeps done (one sweep = a row update and a column update) */
    double max_rel_error;    /* final max over rows and columns of |sum - target| / scale_k,
                                scale_k = |target_k|, or the largest |target| when target_k = 0 */
    int worst_index;         /* row or column where max_rel_error is attained */
    int worst_is_column;     /* 1 when worst_index is a column */
} ics_gras_report;

/* Workspace for an m x n problem (m, n >= 1). NULL with err set on failure. */
ics_gras *ics_gras_create(int m, int n, ics_error *err);
/* Free the workspace; accepts NULL and clears the caller's pointer. */
void ics_gras_destroy(ics_gras **g);

/* Balance A0 (column-major, leading dimension lda >= m; read only) to row sums u[m] and column
 * sums v[n]; write the result to X (column-major, ldx >= m; may be the same array as A0 with
 * ldx == lda). r[m] and s[n] (may be NULL) receive the factors. rep (may be NULL) receives the
 * iterations and the final error, also on failure as far as the solver got.
 * Errors, all ICS_EINPUT and naming the row or column, its target and the prior's sums:
 *   - non-finite prior entries or targets; tol <= 0 or max_iter < 1;
 *   - sum(u) != sum(v) beyond tol (no matrix can have both margins);
 *   - a row/column of zeros with a non-zero target;
 *   - a row/column with only non-negative entries and a negative target, or only non-positive
 *     entries and a non-negative target (its sign pattern cannot reach the target);
 *   - a target that becomes unreachable because the entries that could carry it were scaled to
 *     zero by other margins (e.g. all of a row's positive entries are in zero-target columns);
 *   - no convergence within max_iter sweeps (names the worst margin; usually the targets are
 *     infeasible for the prior's zero/sign pattern).
 * Thread-safe for distinct handles. */
ics_status ics_gras_solve(ics_gras *g, const double *A0, int lda, const double *u,
                          const double *v, const ics_gras_opts *opts, double *X, int ldx,
                          double *r, double *s, ics_gras_report *rep, ics_error *err);

#endif
