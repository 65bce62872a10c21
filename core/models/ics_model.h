/* Coefficients and inverses of a validated table, computed once ("plan") and then only read
 * by the kernels: A = Z diag(x)^-1, B = diag(x)^-1 Z = A* = diag(x)^-1 A diag(x),
 * L = (I - A)^-1 from one LU factorisation (dgetrf + dgetri), and G = diag(x)^-1 L diag(x), which
 * is both the Ghosh inverse (I - B)^-1 and the IIM inverse (I - A*)^-1 since B = A*.
 * Nodes with x = 0 are isolated (validation guarantees zero rows/columns): their A column and B
 * row are zero, and L, G act as the identity on them. */
#ifndef ICS_MODEL_H
#define ICS_MODEL_H

#include "ics_error.h"
#include "ics_table.h"

typedef struct ics_model {
    int n;
    double *x;      /* [n] gross output (copy) */
    double *va;     /* [n] value added (copy) */
    double *y;      /* [n] final demand, row sums of Y */
    double *A;      /* [n*n] column-major technical coefficients */
    double *B;      /* [n*n] allocation coefficients = A* (interdependency matrix) */
    double *L;      /* [n*n] Leontief inverse */
    double *G;      /* [n*n] Ghosh inverse = (I - A*)^-1 */
    double *lu;     /* [n*n] LU factors of I - A (dgetrf), kept for solves with many right sides */
    int *ipiv;      /* [n] pivots of lu */
} ics_model;

/* Build all coefficients from a validated table. Single-threaded or threaded BLAS as set by the
 * caller; not collective. A singular I - A is ICS_EINPUT naming the table. */
ics_status ics_model_create(const ics_table *t, ics_model **out, ics_error *err);
void ics_model_destroy(ics_model **m);

#endif
