/* Coefficients of a validated table, computed once ("plan") and then only read by the kernels:
 * A = Z diag(x)^-1, B = diag(x)^-1 Z = A* = diag(x)^-1 A diag(x), and the LU factors of I - A.
 * Propagation solves with the factors (ics_model_apply_inverse): L = (I - A)^-1 and
 * G = diag(x)^-1 L diag(x), which is both the Ghosh inverse (I - B)^-1 and the IIM inverse
 * (I - A*)^-1 since B = A*, are formed explicitly only when asked for (ICS_MODEL_NEED_INV: the
 * linkage measures use their entries). Nodes with x = 0 are isolated (validation guarantees zero
 * rows/columns): their A column and B row are zero, and L, G act as the identity on them. */
#ifndef ICS_MODEL_H
#define ICS_MODEL_H

#include "ics_config.h"
#include "ics_error.h"
#include "ics_table.h"

typedef struct ics_model {
    int n;
    double *x;      /* [n] gross output (copy) */
    double *va;     /* [n] value added (copy) */
    double *y;      /* [n] final demand, row sums of Y */
    double *sx;     /* [n] x where x > 0, else 1: the diagonal scaling between A and B */
    double *A;      /* [n*n] column-major technical coefficients (NULL with ICS_MODEL_NO_A) */
    double *B;      /* [n*n] allocation coefficients = A* (interdependency matrix), or NULL */
    double *L;      /* [n*n] Leontief inverse, or NULL */
    double *G;      /* [n*n] Ghosh inverse = (I - A*)^-1, or NULL */
    double *lu;     /* [n*n] LU factors of I - A (dgetrf convention, unit lower L) */
    int *ipiv;      /* [n] pivots of lu (1-based, as LAPACK) */
} ics_model;

/* What a model holds besides x, va, y, A and the LU factors. */
#define ICS_MODEL_NEED_B 1u   /* B (ghosh/iim system-matrix shocks, the dynamic models) */
#define ICS_MODEL_NEED_INV 2u /* explicit L and G (linkages, hypothetical extraction) */
#define ICS_MODEL_NEED_ALL 3u
/* A is not kept (m->A is NULL): for runs none of whose shocks reads it (a Leontief, Ghosh or IIM
 * run without coefficient or trade-restriction shocks); saves n^2 doubles and their first touch. */
#define ICS_MODEL_NO_A 4u

/* Build the coefficients from a validated table: everything (ics_model_create) or what `need`
 * asks for. The factorisation runs on the OpenMP threads of the caller (call it outside any
 * parallel region, with single-threaded BLAS); its result is bitwise the same for any number of
 * threads (a fixed column partition, see model.c). Not collective. A singular I - A is
 * ICS_EINPUT naming the table. */
ics_status ics_model_create(const ics_table *t, ics_model **out, ics_error *err);
ics_status ics_model_create_for(const ics_table *t, unsigned need, ics_model **out,
                                ics_error *err);
void ics_model_destroy(ics_model **m);

/* In place, X (n x nrhs, leading dimension ldx) := C X with C = L (leontief), G^T (ghosh) or
 * G (iim, diim, ario), by two blocked triangular solves with the LU factors (BLAS-3 dtrsm; the
 * same 2 n^2 flops per column as a product with an explicit inverse). Allocates nothing,
 * changes only X; thread-safe (single-threaded BLAS inside parallel regions). Each column's
 * result depends only on that column. */
void ics_model_apply_inverse(const ics_model *m, ics_model_kind kind, int nrhs, double *X,
                             int ldx);

#endif
