/* The static pipeline for one block of scenarios (see ics_pipeline.h). */
#include "ics_pipeline.h"
#include "ics_kernels.h"
#include "ics_uncertainty.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

ics_status ics_static_ws_create(const ics_plan *p, const ics_aggset *as, int b, int with_nodes,
                                ics_static_ws **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_static_ws *w = NULL;
    const int n = p->n, k = p->k, with_q = p->model == ICS_MODEL_IIM;
    size_t work = with_nodes ? ics_plan_workspace_bytes(p, b) : 0;
    const ics_table_draws *D = p->draws;
    for (int d = 0; D && with_nodes && d < D->K; ++d) {
        const size_t wd = ics_plan_workspace_bytes(D->p[d], b);
        if (wd > work) work = wd;
    }
    const size_t kb = (size_t)(k ? k : 1) * b;
    ICS_ALLOC(w, 1, err, "a block workspace"); /* its arrays on cache lines */
    w->n = n, w->k = k, w->m = as->m, w->b = b;
    ICS_ALLOC_LINE(w->Theta, kb, err, "parameters");
    ICS_ALLOC_LINE(w->Raw, kb, err, "parameters");
    ICS_ALLOC_LINE(w->Occ, kb, err, "occurrences");
    if (with_nodes) {
        ICS_ALLOC_LINE(w->U, (size_t)n * b, err, "the shock block");
        ICS_ALLOC_LINE(w->X, (size_t)n * b, err, "the output block");
        if (with_q) ICS_ALLOC_LINE(w->Q, (size_t)n * b, err, "the inoperability block");
    }
    ICS_ALLOC_LINE(w->agg, (size_t)as->m * b, err, "aggregates");
    if (work) ICS_ALLOC_LINE(w->work, work, err, "low-rank workspace");
    if (p->nunc) ICS_ALLOC_LINE(w->Unc, (size_t)p->nunc * b, err, "uncertainty factors");
    if (D && with_nodes) {
        ICS_ALLOC_LINE(w->ThetaP, kb, err, "the grouped parameters");
        ICS_ALLOC_LINE(w->Up, (size_t)n * b, err, "the grouped shock block");
        ICS_ALLOC_LINE(w->Xp, (size_t)n * b, err, "the grouped output block");
        if (with_q) ICS_ALLOC_LINE(w->Qp, (size_t)n * b, err, "the grouped inoperability block");
        ICS_ALLOC_LINE(w->dperm, b, err, "the draw order");
        ICS_ALLOC_LINE(w->dcnt, D->K, err, "the draw order");
    }
    *out = w;
    w = NULL;
done:
    ics_static_ws_destroy(&w);
    return st;
}

void ics_static_ws_destroy(ics_static_ws **wp)
{
    if (!wp || !*wp) return;
    ics_static_ws *w = *wp;
    free(w->Theta), free(w->Raw), free(w->Occ), free(w->U), free(w->X), free(w->Q);
    free(w->agg), free(w->work), free(w->Unc), free(w->ThetaP), free(w->Up), free(w->Xp);
    free(w->Qp), free(w->dperm), free(w->dcnt), free(w);
    *wp = NULL;
}

ics_status ics_static_agg_create(const ics_plan *p, const ics_model *m, const ics_aggset *as,
                                 ics_static_agg **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_static_agg *a = NULL;
    double *CP = NULL;
    const int n = p->n, k = p->k, rows = as->m;
    *out = NULL;
    if ((p->model != ICS_MODEL_LEONTIEF && p->model != ICS_MODEL_GHOSH) || p->lr.r > 0 || k == 0 ||
        p->draws) /* table draws: one inverse per draw, so node-level blocks */
        return ICS_OK;
    ICS_ALLOC(a, 1, err, "the aggregate plan");
    a->k = k, a->m = rows;
    ICS_ALLOC(a->M, (size_t)rows * k, err, "the aggregate plan");
    ICS_ALLOC(CP, (size_t)n * k, err, "the aggregate plan");
    /* CP = L P (leontief) or G^T P (ghosh): the output change per unit of each parameter, by k
     * solves with the LU factors */
    memcpy(CP, p->P, sizeof *CP * (size_t)n * k);
    ics_model_apply_inverse(m, p->model, k, CP, n);
    /* M = Sx (C P) + Su P */
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, rows, k, n, 1.0, as->Sx, rows, CP, n,
                0.0, a->M, rows);
    if (as->Su)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, rows, k, n, 1.0, as->Su, rows,
                    p->P, n, 1.0, a->M, rows);
    *out = a;
    a = NULL;
done:
    free(CP);
    ics_static_agg_destroy(&a);
    return st;
}

void ics_static_agg_destroy(ics_static_agg **ap)
{
    if (!ap || !*ap) return;
    free((*ap)->M);
    free(*ap);
    *ap = NULL;
}

/* Table draws: order the block's columns by draw (a stable counting sort), run one GEMM
 * U = P_d Theta and one propagation with draw d's plan and factors per draw present, and put
 * the columns back in scenario order (U, X, Q). */
static void draws_propagate(const ics_plan *p, int bb, ics_static_ws *w)
{
    const ics_table_draws *D = p->draws;
    const int n = w->n, k = w->k, K = D->K, nu = p->nunc;
    int *end = w->dcnt, *pos = w->dperm;
    memset(end, 0, (size_t)K * sizeof *end);
    for (int j = 0; j < bb; ++j) end[(int)w->Unc[D->row + (size_t)j * nu]]++;
    for (int d = 1; d < K; ++d) end[d] += end[d - 1];
    for (int j = bb - 1; j >= 0; --j) pos[j] = --end[(int)w->Unc[D->row + (size_t)j * nu]];
    /* end[d] is now the first grouped column of draw d */
    for (int j = 0; j < bb; ++j)
        memcpy(w->ThetaP + (size_t)pos[j] * k, w->Theta + (size_t)j * k, sizeof(double) * k);
    for (int d = 0; d < K; ++d) {
        const int o = end[d], c = (d + 1 < K ? end[d + 1] : bb) - o;
        if (c == 0) continue;
        const ics_plan *pd = D->p[d];
        double *Up = w->Up + (size_t)o * n;
        if (k > 0)
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, c, k, 1.0, pd->P, n,
                        w->ThetaP + (size_t)o * k, k, 0.0, Up, n);
        else
            memset(Up, 0, sizeof *Up * (size_t)n * c);
        ics_static_propagate(pd, D->m[d], c, w->ThetaP + (size_t)o * k, Up,
                             w->Xp + (size_t)o * n, w->Qp ? w->Qp + (size_t)o * n : NULL, w->work);
    }
    for (int j = 0; j < bb; ++j) {
        const size_t src = (size_t)pos[j] * n, dst = (size_t)j * n;
        memcpy(w->U + dst, w->Up + src, sizeof(double) * n);
        memcpy(w->X + dst, w->Xp + src, sizeof(double) * n);
        if (w->Q) memcpy(w->Q + dst, w->Qp + src, sizeof(double) * n);
    }
}

void ics_static_block(const ics_plan *p, const ics_model *m, const ics_aggset *as,
                      const ics_static_agg *fast, int64_t first, int bb, ics_static_ws *w)
{
    const int n = w->n, k = w->k, rows = w->m;
    ics_plan_sample(p, first, bb, w->Theta, w->Raw, w->Occ);
    if (p->nunc) ics_plan_uncertainty(p, first, bb, w->Unc);
    if (fast) {
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, rows, bb, k, 1.0, fast->M, rows,
                    w->Theta, k, 0.0, w->agg, rows);
        return;
    }
    if (p->draws) {
        draws_propagate(p, bb, w);
    } else if (as->Su || !ics_static_propagate_theta(p, m, bb, w->Theta, w->X, w->Q, w->work)) {
        /* (U is needed whole for Su U, the ghosh value-added aggregate, or where the
         * propagation does not run through the shock support) */
        if (k > 0)
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, bb, k, 1.0, p->P, n,
                        w->Theta, k, 0.0, w->U, n);
        else
            memset(w->U, 0, sizeof *w->U * (size_t)n * bb);
        ics_static_propagate(p, m, bb, w->Theta, w->U, w->X, w->Q, w->work);
    }
    ics_kernel_aggregate(rows, n, bb, as->Sx, w->X, w->agg);
    if (as->Su)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, rows, bb, n, 1.0, as->Su, rows,
                    w->U, n, 1.0, w->agg, rows);
}
