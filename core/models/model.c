/* Coefficients and inverses of the MRIO table: one LU of I - A serves L, G and (I - A*)^-1. */
#include "ics_model.h"

#include <lapacke.h>
#include <stdlib.h>
#include <string.h>

ics_status ics_model_create(const ics_table *t, ics_model **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_model *m = NULL;
    const int n = t->n;
    const size_t nn = (size_t)n * n;

    ICS_ALLOC(m, 1, err, "the model");
    m->n = n;
    ICS_ALLOC(m->x, n, err, "x");
    ICS_ALLOC(m->va, n, err, "va");
    ICS_ALLOC(m->y, n, err, "y");
    ICS_ALLOC(m->A, nn, err, "A");
    ICS_ALLOC(m->B, nn, err, "B");
    ICS_ALLOC(m->L, nn, err, "L");
    ICS_ALLOC(m->G, nn, err, "G");
    ICS_ALLOC(m->lu, nn, err, "LU factors");
    ICS_ALLOC(m->ipiv, n, err, "pivots");

    memcpy(m->x, t->x, (size_t)n * sizeof *m->x);
    memcpy(m->va, t->va, (size_t)n * sizeof *m->va);
    ics_table_final_demand(t, m->y);

    for (int j = 0; j < n; ++j) {
        const double xj = t->x[j];
        for (int i = 0; i < n; ++i) {
            const double z = t->Z[i + (size_t)j * n];
            const double xi = t->x[i];
            m->A[i + (size_t)j * n] = xj != 0.0 ? z / xj : 0.0;
            m->B[i + (size_t)j * n] = xi != 0.0 ? z / xi : 0.0;
        }
    }

    /* I - A, factor once; L = (I - A)^-1 from the same factors. */
    for (size_t k = 0; k < nn; ++k) m->lu[k] = -m->A[k];
    for (int i = 0; i < n; ++i) m->lu[i + (size_t)i * n] += 1.0;
    lapack_int info = LAPACKE_dgetrf(LAPACK_COL_MAJOR, n, n, m->lu, n, m->ipiv);
    if (info > 0)
        ICS_FAIL(err, ICS_EINPUT, "%s: I - A is singular (zero pivot %d): the table is not productive",
                 t->source ? t->source : "table", (int)info);
    if (info < 0) ICS_FAIL(err, ICS_EINTERNAL, "dgetrf: illegal argument %d", (int)-info);
    memcpy(m->L, m->lu, nn * sizeof *m->L);
    info = LAPACKE_dgetri(LAPACK_COL_MAJOR, n, m->L, n, m->ipiv);
    if (info != 0) ICS_FAIL(err, ICS_ENUMERIC, "dgetri failed (info %d)", (int)info);

    /* G = diag(x)^-1 L diag(x); identity on isolated x = 0 nodes. */
    for (int j = 0; j < n; ++j) {
        const double xj = t->x[j];
        for (int i = 0; i < n; ++i) {
            const double xi = t->x[i];
            double g;
            if (xi == 0.0 || xj == 0.0)
                g = i == j ? 1.0 : 0.0;
            else
                g = m->L[i + (size_t)j * n] * (xj / xi);
            m->G[i + (size_t)j * n] = g;
        }
    }
    *out = m;
    m = NULL;
done:
    ics_model_destroy(&m);
    return st;
}

void ics_model_destroy(ics_model **mp)
{
    if (!mp || !*mp) return;
    ics_model *m = *mp;
    free(m->x);
    free(m->va);
    free(m->y);
    free(m->A);
    free(m->B);
    free(m->L);
    free(m->G);
    free(m->lu);
    free(m->ipiv);
    free(m);
    *mp = NULL;
}
