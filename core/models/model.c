/* Coefficients and factors of the MRIO table: one LU of I - A serves L, G and (I - A*)^-1, as
 * explicit inverses only when asked for, and otherwise through triangular solves. */
#include "ics_model.h"
#include "ics_mem.h"

#include <cblas.h>
#include <lapacke.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

/* Panel width and trailing-update column chunk of the blocked LU. The chunks are fixed column
 * ranges, not a share per thread: each chunk's BLAS calls are the same whatever thread runs
 * them, so the factors are bitwise the same for any number of threads. (OpenBLAS's own threaded
 * dgetrf partitions by thread count: its factors differ in the last bits between 1, 2, 3 and 4
 * threads, measured with OpenBLAS 0.3.21 at n = 1,000 and 3,000.) */
#define LU_PANEL 128
#define LU_CHUNK 256

/* Right-looking blocked LU with partial pivoting of the n x n column-major a (lda = n): the
 * dgetrf result convention (unit lower L below the diagonal, U on and above, 1-based ipiv).
 * Returns the LAPACK info (> 0: zero pivot at that 1-based position). With look-ahead: the
 * thread that updates the first trailing chunk, which holds the next panel (LU_PANEL <=
 * LU_CHUNK), factorises that panel at once, while the other threads update the other chunks;
 * every BLAS and LAPACK call is the one of the plain algorithm on the same numbers, so the
 * factors are the same bits, only the idle wait for each panel is gone. */
static lapack_int blocked_lu(int n, double *a, lapack_int *ipiv)
{
    const size_t ld = (size_t)n;
    lapack_int info = 0;
    if (n <= 0) return 0;
    lapack_int pinfo = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, n, n < LU_PANEL ? n : LU_PANEL, a, n,
                                           ipiv);
    for (int j = 0; j < n; j += LU_PANEL) {
        const int jb = n - j < LU_PANEL ? n - j : LU_PANEL;
        double *pj = a + j + (size_t)j * ld;
        /* the panel of columns [j, j + jb) is factorised; pinfo is its info */
        if (pinfo < 0) return pinfo;
        if (pinfo > 0 && info == 0) info = pinfo + j;
        for (int i = j; i < j + jb; ++i) ipiv[i] += j;
        /* swaps to the left of the panel, then the trailing columns chunk by chunk */
        if (j > 0) LAPACKE_dlaswp_work(LAPACK_COL_MAJOR, j, a, n, j + 1, j + jb, ipiv, 1);
        const int rest = n - j - jb;
        if (rest <= 0) continue;
        const int nchunk = (rest + LU_CHUNK - 1) / LU_CHUNK;
        const int jn = j + jb, jbn = n - jn < LU_PANEL ? n - jn : LU_PANEL; /* the next panel */
        lapack_int next = 0;
#pragma omp parallel for schedule(dynamic, 1) if (nchunk > 1 && !omp_in_parallel())
        for (int c = 0; c < nchunk; ++c) {
            const int c0 = j + jb + c * LU_CHUNK;
            const int nc = n - c0 < LU_CHUNK ? n - c0 : LU_CHUNK;
            double *col = a + (size_t)c0 * ld;
            LAPACKE_dlaswp_work(LAPACK_COL_MAJOR, nc, col, n, j + 1, j + jb, ipiv, 1);
            cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasUnit, jb, nc, 1.0,
                        pj, n, col + j, n);
            if (n - j - jb > 0)
                cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n - j - jb, nc, jb, -1.0,
                            pj + jb, n, col + j, n, 1.0, col + j + jb, n);
            if (c == 0) /* the next panel's columns are final now */
                next = LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, n - jn, jbn, a + jn + (size_t)jn * ld,
                                           n, ipiv + jn);
        }
        pinfo = next;
    }
    return info;
}

ics_status ics_model_create(const ics_table *t, ics_model **out, ics_error *err)
{
    return ics_model_create_for(t, ICS_MODEL_NEED_ALL, out, err);
}

ics_status ics_model_create_for(const ics_table *t, unsigned need, ics_model **out,
                                ics_error *err)
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
    ICS_ALLOC(m->sx, n, err, "x");
    if (!(need & ICS_MODEL_NO_A)) ICS_ALLOC(m->A, nn, err, "A");
    ics_mem_hugepages(m->A, nn * sizeof *m->A);
    if (need & ICS_MODEL_NEED_B) ICS_ALLOC(m->B, nn, err, "B");
    ics_mem_hugepages(m->B, nn * sizeof *m->A);
    ICS_ALLOC(m->lu, nn, err, "LU factors");
    ics_mem_hugepages(m->lu, nn * sizeof *m->lu);
    ICS_ALLOC(m->ipiv, n, err, "pivots");

    memcpy(m->x, t->x, (size_t)n * sizeof *m->x);
    memcpy(m->va, t->va, (size_t)n * sizeof *m->va);
    for (int i = 0; i < n; ++i) m->sx[i] = t->x[i] != 0.0 ? t->x[i] : 1.0;
    ics_table_final_demand(t, m->y);

    /* A, B and I - A in one pass over Z (by columns on the threads: the same bits for any
     * number of them) */
#pragma omp parallel for schedule(static) if (nn >= 65536 && !omp_in_parallel())
    for (int j = 0; j < n; ++j) {
        const double xj = t->x[j];
        const double *zc = t->Z + (size_t)j * n;
        double *ac = m->A ? m->A + (size_t)j * n : NULL, *lc = m->lu + (size_t)j * n;
        if (ac)
            for (int i = 0; i < n; ++i) {
                ac[i] = xj != 0.0 ? zc[i] / xj : 0.0;
                lc[i] = -ac[i];
            }
        else
            for (int i = 0; i < n; ++i) lc[i] = -(xj != 0.0 ? zc[i] / xj : 0.0);
        lc[j] += 1.0;
        if (m->B) {
            double *bc = m->B + (size_t)j * n;
            for (int i = 0; i < n; ++i) bc[i] = t->x[i] != 0.0 ? zc[i] / t->x[i] : 0.0;
        }
    }

    lapack_int info = blocked_lu(n, m->lu, m->ipiv);
    if (info > 0)
        ICS_FAIL(err, ICS_EINPUT, "%s: I - A is singular (zero pivot %d): the table is not productive",
                 t->source ? t->source : "table", (int)info);
    if (info < 0) ICS_FAIL(err, ICS_EINTERNAL, "dgetrf: illegal argument %d", (int)-info);

    if (need & ICS_MODEL_NEED_INV) {
        ICS_ALLOC(m->L, nn, err, "L");
        ics_mem_hugepages(m->L, nn * sizeof *m->L);
        ICS_ALLOC(m->G, nn, err, "G");
        ics_mem_hugepages(m->G, nn * sizeof *m->G);
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
    }
    *out = m;
    m = NULL;
done:
    ics_model_destroy(&m);
    return st;
}

/* Row interchanges of the factorisation applied to the columns of X: forward (before solving
 * with L U) or backward (after solving with U^T L^T). */
static void swap_rows(const ics_model *m, int nrhs, double *X, int ldx, int backward)
{
    const int n = m->n;
    for (int c = 0; c < nrhs; ++c) {
        double *col = X + (size_t)c * ldx;
        for (int s = 0; s < n; ++s) {
            const int i = backward ? n - 1 - s : s, p = m->ipiv[i] - 1;
            if (p != i) {
                const double v = col[i];
                col[i] = col[p];
                col[p] = v;
            }
        }
    }
}

static void scale_rows(const ics_model *m, int nrhs, double *X, int ldx, int divide)
{
    const int n = m->n;
    for (int c = 0; c < nrhs; ++c) {
        double *col = X + (size_t)c * ldx;
        if (divide)
            for (int i = 0; i < n; ++i) col[i] /= m->sx[i];
        else
            for (int i = 0; i < n; ++i) col[i] *= m->sx[i];
    }
}

void ics_model_apply_inverse(const ics_model *m, ics_model_kind kind, int nrhs, double *X,
                             int ldx)
{
    const int n = m->n;
    if (n == 0 || nrhs <= 0) return;
    if (kind == ICS_MODEL_GHOSH) {
        /* G^T = diag(x) (I - A)^-T diag(x)^-1 */
        scale_rows(m, nrhs, X, ldx, 1);
        cblas_dtrsm(CblasColMajor, CblasLeft, CblasUpper, CblasTrans, CblasNonUnit, n, nrhs, 1.0,
                    m->lu, n, X, ldx);
        cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasTrans, CblasUnit, n, nrhs, 1.0,
                    m->lu, n, X, ldx);
        swap_rows(m, nrhs, X, ldx, 1);
        scale_rows(m, nrhs, X, ldx, 0);
        return;
    }
    /* L = (I - A)^-1; G = diag(x)^-1 L diag(x) */
    if (kind != ICS_MODEL_LEONTIEF) scale_rows(m, nrhs, X, ldx, 0);
    swap_rows(m, nrhs, X, ldx, 0);
    cblas_dtrsm(CblasColMajor, CblasLeft, CblasLower, CblasNoTrans, CblasUnit, n, nrhs, 1.0, m->lu,
                n, X, ldx);
    cblas_dtrsm(CblasColMajor, CblasLeft, CblasUpper, CblasNoTrans, CblasNonUnit, n, nrhs, 1.0,
                m->lu, n, X, ldx);
    if (kind != ICS_MODEL_LEONTIEF) scale_rows(m, nrhs, X, ldx, 1);
}

void ics_model_destroy(ics_model **mp)
{
    if (!mp || !*mp) return;
    ics_model *m = *mp;
    free(m->x);
    free(m->va);
    free(m->y);
    free(m->sx);
    free(m->A);
    free(m->B);
    free(m->L);
    free(m->G);
    free(m->lu);
    free(m->ipiv);
    free(m);
    *mp = NULL;
}
