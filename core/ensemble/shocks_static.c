/* Static-model shocks: the mixed exogenous/endogenous model, trade-restriction shares, and the
 * low-rank system-matrix shocks (SMW or per-scenario dense solve). See ics_shocks.h and
 * docs/models.md. */
#include "ics_shocks.h"
#include "ics_kernels.h"
#include "ics_scenario.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

ics_status ics_mixed_pattern(ics_model_kind kind, const ics_model *m, const unsigned char *E,
                             const double *d, double *p, ics_error *err)
{
    ics_status st = ICS_OK;
    const int n = m->n;
    int ne = 0, *idx = NULL;
    double *M = NULL, *rhs = NULL, *cols = NULL;
    lapack_int *ipiv = NULL;
    memset(p, 0, sizeof *p * (size_t)n);
    ICS_ALLOC(idx, n, err, "the constrained nodes");
    for (int i = 0; i < n; ++i)
        if (E[i]) idx[ne++] = i;
    if (ne == 0) goto done;
    ICS_ALLOC(M, (size_t)ne * ne, err, "the mixed-model block");
    ICS_ALLOC(rhs, ne, err, "the mixed-model right-hand side");
    ICS_ALLOC(ipiv, ne, err, "pivots");
    /* the constrained columns of the model's inverse Cinv (L, G^T or G), by solves */
    ICS_ALLOC(cols, (size_t)n * ne, err, "the mixed-model columns");
    for (int b = 0; b < ne; ++b) cols[idx[b] + (size_t)b * n] = 1.0;
    ics_model_apply_inverse(m, kind, ne, cols, n);
    for (int b = 0; b < ne; ++b)
        for (int a = 0; a < ne; ++a) M[a + (size_t)b * ne] = cols[idx[a] + (size_t)b * n];
    for (int a = 0; a < ne; ++a) rhs[a] = d[idx[a]];
    if (LAPACKE_dgesv(LAPACK_COL_MAJOR, ne, 1, M, ne, ipiv, rhs, ne) != 0)
        ICS_FAIL(err, ICS_ENUMERIC, "the mixed model's block of the inverse for %d constrained "
                 "nodes is singular", ne);
    for (int a = 0; a < ne; ++a) p[idx[a]] = rhs[a];
done:
    free(idx), free(M), free(rhs), free(ipiv), free(cols);
    return st;
}

ics_status ics_trade_shares(const ics_table *t, const unsigned char *sup, const unsigned char *buy,
                            double *r, double *total, ics_error *err)
{
    ics_status st = ICS_OK;
    const int n = t->n, S = t->nseg;
    double *num = NULL, *den = NULL;
    ICS_ALLOC(num, S, err, "trade shares");
    ICS_ALLOC(den, S, err, "trade shares");
    *total = 0.0;
    for (int j = 0; j < n; ++j) {
        r[j] = 0.0;
        if (!buy[j]) continue;
        memset(num, 0, sizeof *num * (size_t)S);
        memset(den, 0, sizeof *den * (size_t)S);
        for (int i = 0; i < n; ++i) {
            const double z = t->Z[i + (size_t)j * n];
            const int s = t->node_segment[i];
            den[s] += z;
            if (sup[i]) num[s] += z;
        }
        for (int s = 0; s < S; ++s) {
            *total += num[s];
            if (num[s] > 0.0 && den[s] > 0.0 && num[s] / den[s] > r[j]) r[j] = num[s] / den[s];
        }
    }
done:
    free(num), free(den);
    return st;
}

void ics_lowrank_free(ics_lowrank *lr)
{
    free(lr->col_shock), free(lr->W), free(lr->Vt), free(lr->K), free(lr->vxb), free(lr->IC);
    free(lr->xb), free(lr->ub);
    free(lr->ei), free(lr->ej), free(lr->es), free(lr->ev);
    memset(lr, 0, sizeof *lr);
}

/* y = C x for the model's propagation matrix C (A, B^T or B). */
static void c_times(ics_model_kind kind, const ics_model *m, const double *x, double *y)
{
    const int n = m->n;
    const double *C = kind == ICS_MODEL_LEONTIEF ? m->A : m->B;
    cblas_dgemv(CblasColMajor, kind == ICS_MODEL_GHOSH ? CblasTrans : CblasNoTrans, n, n, 1.0, C, n,
                x, 1, 0.0, y, 1);
}

ics_status ics_plan_set_lowrank(ics_plan *p, const ics_model *m, int method, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_lowrank *lr = &p->lr;
    const int n = p->n, k = p->k;
    const ics_model_kind kind = p->model;
    int *pos = NULL, *rowpos = NULL, *colpos = NULL, *userows = NULL, *nrank = NULL;
    double *Ud = NULL;

    free(lr->col_shock), free(lr->W), free(lr->Vt), free(lr->K), free(lr->vxb), free(lr->IC);
    free(lr->xb), free(lr->ub);
    lr->col_shock = NULL, lr->W = lr->Vt = lr->K = lr->vxb = lr->IC = lr->xb = lr->ub = NULL;
    lr->r = 0;
    lr->method = ICS_LOWRANK_SMW;
    lr->sgn = kind == ICS_MODEL_IIM ? -1.0 : 1.0;
    if (lr->nnz == 0) return ICS_OK;

    /* rank of each shock: its distinct C-frame rows or columns, whichever are fewer */
    ICS_ALLOC(rowpos, n, err, "low-rank rows");
    ICS_ALLOC(colpos, n, err, "low-rank columns");
    ICS_ALLOC(userows, k, err, "low-rank ranks");
    ICS_ALLOC(nrank, k, err, "low-rank ranks");
    ICS_ALLOC(pos, (size_t)k * 2, err, "low-rank offsets");
    int R = 0;
    for (int s = 0; s < k; ++s) {
        if (!p->lowrank[s]) continue;
        int nr = 0, nc = 0;
        for (int i = 0; i < n; ++i) rowpos[i] = colpos[i] = -1;
        for (int e = 0; e < lr->nnz; ++e) {
            if (lr->es[e] != s) continue;
            if (rowpos[lr->ei[e]] < 0) rowpos[lr->ei[e]] = nr++;
            if (colpos[lr->ej[e]] < 0) colpos[lr->ej[e]] = nc++;
        }
        userows[s] = nr <= nc;
        nrank[s] = nr <= nc ? nr : nc;
        pos[s] = R;
        R += nrank[s];
    }
    if (method == ICS_LOWRANK_AUTO) method = 2 * R <= n ? ICS_LOWRANK_SMW : ICS_LOWRANK_DENSE;
    lr->method = method;
    lr->r = R;

    ICS_ALLOC(lr->xb, n, err, "the baseline");
    ICS_ALLOC(lr->ub, n, err, "the baseline");
    for (int i = 0; i < n; ++i) lr->xb[i] = kind == ICS_MODEL_IIM ? 1.0 : m->x[i];
    c_times(kind, m, lr->xb, lr->ub);
    for (int i = 0; i < n; ++i) lr->ub[i] = lr->xb[i] - lr->ub[i];

    if (method == ICS_LOWRANK_DENSE) {
        ICS_ALLOC(lr->IC, (size_t)n * n, err, "the system matrix");
        const double *C = kind == ICS_MODEL_LEONTIEF ? m->A : m->B;
        for (int j = 0; j < n; ++j)
            for (int i = 0; i < n; ++i)
                lr->IC[i + (size_t)j * n] = (i == j ? 1.0 : 0.0) -
                    (kind == ICS_MODEL_GHOSH ? C[j + (size_t)i * n] : C[i + (size_t)j * n]);
        goto done;
    }

    /* SMW: U (n x R), V^T (R x n); C(theta) = C + U diag(theta) V^T */
    ICS_ALLOC(lr->col_shock, R, err, "low-rank columns");
    ICS_ALLOC(Ud, (size_t)n * R, err, "the low-rank factors");
    ICS_ALLOC(lr->Vt, (size_t)R * n, err, "the low-rank factors");
    ICS_ALLOC(lr->W, (size_t)n * R, err, "the low-rank factors");
    ICS_ALLOC(lr->K, (size_t)R * R, err, "the low-rank factors");
    ICS_ALLOC(lr->vxb, R, err, "the low-rank factors");
    for (int s = 0; s < k; ++s) {
        if (!p->lowrank[s]) continue;
        int nr = 0, nc = 0;
        for (int i = 0; i < n; ++i) rowpos[i] = colpos[i] = -1;
        for (int e = 0; e < lr->nnz; ++e) {
            if (lr->es[e] != s) continue;
            const int i = lr->ei[e], j = lr->ej[e];
            if (rowpos[i] < 0) rowpos[i] = nr++;
            if (colpos[j] < 0) colpos[j] = nc++;
            if (userows[s]) {
                const int c = pos[s] + rowpos[i];
                Ud[i + (size_t)c * n] = 1.0;
                lr->Vt[c + (size_t)j * R] += lr->ev[e];
            } else {
                const int c = pos[s] + colpos[j];
                Ud[i + (size_t)c * n] += lr->ev[e];
                lr->Vt[c + (size_t)j * R] = 1.0;
            }
        }
        for (int c = 0; c < nrank[s]; ++c) lr->col_shock[pos[s] + c] = s;
    }
    /* W = Cinv U by solves (Cinv = L, G^T or G) */
    memcpy(lr->W, Ud, sizeof *lr->W * (size_t)n * R);
    ics_model_apply_inverse(m, kind, R, lr->W, n);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, R, R, n, 1.0, lr->Vt, R, lr->W, n, 0.0,
                lr->K, R);
    cblas_dgemv(CblasColMajor, CblasNoTrans, R, n, 1.0, lr->Vt, R, lr->xb, 1, 0.0, lr->vxb, 1);
done:
    free(pos), free(rowpos), free(colpos), free(userows), free(nrank), free(Ud);
    return st;
}

/* The shock support is used when it leaves out at least a quarter of the nodes, on tables small
 * enough to keep the explicit inverses (the only propagation it changes). */
static int support_used(const ics_plan *p)
{
    return p->sup && p->n <= ICS_SUPPORT_MAX_N && 4 * (int64_t)p->nsup <= 3 * (int64_t)p->n;
}

/* Workspace layout: doubles first, then ints. The low-rank part uses it after the product by
 * the inverse, the support's packed copies (n x nsup of the inverse, nsup x b of U) before, so
 * the two share it. */
static size_t ws_doubles(const ics_plan *p, int b)
{
    const size_t r = (size_t)p->lr.r, n = (size_t)p->n;
    if (r > 0 && p->lr.method == ICS_LOWRANK_DENSE) return n * n + n;
    const size_t lr = r ? 3 * r * (size_t)b + r * r : 0;
    const size_t sp = support_used(p) ? (size_t)p->nsup * (n + (size_t)b) : 0;
    return lr > sp ? lr : sp;
}

size_t ics_plan_workspace_bytes(const ics_plan *p, int b)
{
    const size_t d = ws_doubles(p, b);
    if (d == 0) return 0;
    const size_t ints = p->lr.r == 0 ? 0
                        : p->lr.method == ICS_LOWRANK_DENSE ? (size_t)p->n : (size_t)p->lr.r;
    return d * sizeof(double) + ints * sizeof(int);
}

/* The model's explicit inverse C for this plan (L, or G used as G^T for ghosh and G for iim),
 * or NULL when the model holds none. */
static const double *explicit_inverse(const ics_plan *p, const ics_model *m)
{
    return p->model == ICS_MODEL_LEONTIEF ? m->L : m->G;
}

/* Where the support's input Us (nsup x bb, the support's rows of U) sits in the workspace:
 * after the packed columns Cs (n x nsup). */
static double *support_input(const ics_plan *p, double *work)
{
    return work + (size_t)p->n * p->nsup;
}

/* Y = Cs Us: the support's columns of C (or for ghosh, of C^T = rows of G) packed into the
 * workspace, times Us (support_input). */
static void support_product(const ics_plan *p, const double *C, int bb, double *Y, double *work)
{
    const int n = p->n, ns = p->nsup, ghosh = p->model == ICS_MODEL_GHOSH;
    double *Cs = work, *Us = support_input(p, work);
    /* column c of Cs: column sup[c] of C, or for ghosh (C^T) row sup[c] of G */
    for (int c = 0; c < ns; ++c) {
        const int j = p->sup[c];
        double *dst = Cs + (size_t)c * n;
        if (ghosh)
            for (int i = 0; i < n; ++i) dst[i] = C[j + (size_t)i * n];
        else
            memcpy(dst, C + (size_t)j * n, sizeof *dst * (size_t)n);
    }
    ics_kernel_aggregate(n, ns, bb, Cs, Us, Y);
}

/* Y = C U with the model's explicit inverse C (L, G^T or G) when it holds it; 0 when not.
 * With a shock support (support_used) only the support's columns of C and rows of U enter: the
 * product without its zero terms, nsup/n of the flops (same results up to rounding: only the
 * order of the partial sums inside the GEMM can differ, and it depends on the plan alone). */
static int static_by_inverse(const ics_plan *p, const ics_model *m, const double *U, double *Y,
                             int bb, double *work)
{
    const int n = p->n;
    const double *C = explicit_inverse(p, m);
    if (!C) return 0;
    if (!work || !support_used(p)) {
        if (p->model == ICS_MODEL_GHOSH) ics_kernel_ghosh(n, bb, C, U, Y);
        else ics_kernel_leontief(n, bb, C, U, Y);
        return 1;
    }
    ics_kernel_gather_rows(p->nsup, bb, p->sup, U, n, support_input(p, work));
    support_product(p, C, bb, Y, work);
    return 1;
}

/* After Y = Cinv U: the exact change of the inverse under the coefficient shocks (the low-rank
 * part by SMW), when there is one. */
static void lowrank_update(const ics_plan *p, int bb, const double *Theta, double *Y, void *work)
{
    const ics_lowrank *lr = &p->lr;
    if (lr->r <= 0) return;
    const int r = lr->r, k = p->k;
    double *Th = work, *kw = Th + (size_t)r * bb;
    int *ipiv = (int *)((double *)work + ws_doubles(p, bb));
    for (int j = 0; j < bb; ++j)
        for (int c = 0; c < r; ++c) Th[c + (size_t)j * r] = Theta[lr->col_shock[c] + (size_t)j * k];
    ics_kernel_lowrank(p->n, r, bb, lr->W, lr->Vt, lr->K, lr->vxb, lr->sgn, Th, Y, kw, ipiv);
}

/* iim: Q = clip(q, 0, 1) in place and X = -Q x. */
static void iim_clip(const ics_model *m, int n, int bb, double *X, double *Q)
{
    const size_t total = (size_t)n * bb;
    for (size_t e = 0; e < total; ++e) {
        const double q = Q[e];
        Q[e] = q < 0.0 ? 0.0 : q > 1.0 ? 1.0 : q; /* NaN stays NaN */
        X[e] = 0.0 - Q[e] * m->x[e % (size_t)n]; /* 0.0, not -0.0, where q = 0 */
    }
}

int ics_static_propagate_theta(const ics_plan *p, const ics_model *m, int bb,
                               const double *Theta, double *X, double *Q, void *work)
{
    const double *C = explicit_inverse(p, m);
    if (!C || !work || p->k <= 0 || p->nsup <= 0 || !support_used(p) ||
        (p->lr.r > 0 && p->lr.method == ICS_LOWRANK_DENSE) || (p->model == ICS_MODEL_IIM && !Q))
        return 0;
    double *Y = p->model == ICS_MODEL_IIM ? Q : X;
    double *Us = support_input(p, work);
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, p->nsup, bb, p->k, 1.0, p->Psup,
                p->nsup, Theta, p->k, 0.0, Us, p->nsup);
    support_product(p, C, bb, Y, work);
    lowrank_update(p, bb, Theta, Y, work);
    if (p->model == ICS_MODEL_IIM) iim_clip(m, p->n, bb, X, Q);
    return 1;
}

void ics_static_propagate(const ics_plan *p, const ics_model *m, int bb, const double *Theta,
                          const double *U, double *X, double *Q, void *work)
{
    const int n = p->n, k = p->k, iim = p->model == ICS_MODEL_IIM;
    const ics_lowrank *lr = &p->lr;
    double *Y = iim ? Q : X;

    if (lr->r > 0 && lr->method == ICS_LOWRANK_DENSE) {
        double *M = work, *rhs = M + (size_t)n * n;
        lapack_int *ipiv = (lapack_int *)(rhs + n);
        /* Solved for the deviation from the baseline, (I - C(theta)) dx = dC(theta) xb + sgn U
         * (as (I - C) xb = ub), not for the level x = xb + dx: no difference of large numbers,
         * and a scenario with theta = 0 and U = 0 has a zero right-hand side, so dx = 0 exactly
         * (+ 0.0 turns the -0.0 a back substitution can give into 0.0). */
        for (int j = 0; j < bb; ++j) {
            memcpy(M, lr->IC, sizeof *M * (size_t)n * n);
            for (int i = 0; i < n; ++i) rhs[i] = lr->sgn * U[i + (size_t)j * n];
            for (int e = 0; e < lr->nnz; ++e) {
                const double th = Theta[lr->es[e] + (size_t)j * k];
                if (th == 0.0) continue;
                M[lr->ei[e] + (size_t)lr->ej[e] * n] -= th * lr->ev[e];
                rhs[lr->ei[e]] += th * lr->ev[e] * lr->xb[lr->ej[e]];
            }
            const lapack_int info = LAPACKE_dgesv_work(LAPACK_COL_MAJOR, n, 1, M, n, ipiv, rhs, n);
            for (int i = 0; i < n; ++i)
                Y[i + (size_t)j * n] = info ? NAN : lr->sgn * rhs[i] + 0.0;
        }
    } else {
        /* leontief: L U; ghosh: G^T U; iim: the unclipped G c* (clipped below); by a product
         * with the explicit inverse when the model holds it (small tables: one DGEMM runs at
         * the roofline, two dtrsm at n = 136 reach 0.65-0.85 of it), else by solves */
        if (!static_by_inverse(p, m, U, Y, bb, work)) {
            memcpy(Y, U, sizeof *Y * (size_t)n * bb);
            ics_model_apply_inverse(m, p->model, bb, Y, n);
        }
        lowrank_update(p, bb, Theta, Y, work);
    }
    if (iim) iim_clip(m, n, bb, X, Q);
}
