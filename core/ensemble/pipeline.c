/* The static pipeline for one block of scenarios (see ics_pipeline.h). */
#include "ics_pipeline.h"
#include "ics_kernels.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

ics_status ics_static_ws_create(const ics_plan *p, const ics_aggset *as, int b, int with_nodes,
                                ics_static_ws **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_static_ws *w = NULL;
    const int n = p->n, k = p->k, with_q = p->model == ICS_MODEL_IIM;
    const size_t work = with_nodes ? ics_plan_workspace_bytes(p, b) : 0;
    const size_t kb = (size_t)(k ? k : 1) * b;
    ICS_ALLOC(w, 1, err, "a block workspace");
    w->n = n, w->k = k, w->m = as->m, w->b = b;
    ICS_ALLOC(w->Theta, kb, err, "parameters");
    ICS_ALLOC(w->Raw, kb, err, "parameters");
    ICS_ALLOC(w->Occ, kb, err, "occurrences");
    if (with_nodes) {
        ICS_ALLOC(w->U, (size_t)n * b, err, "the shock block");
        ICS_ALLOC(w->X, (size_t)n * b, err, "the output block");
        if (with_q) ICS_ALLOC(w->Q, (size_t)n * b, err, "the inoperability block");
    }
    ICS_ALLOC(w->agg, (size_t)as->m * b, err, "aggregates");
    if (work) ICS_ALLOC(w->work, work, err, "low-rank workspace");
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
    free(w->agg), free(w->work), free(w);
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
    if ((p->model != ICS_MODEL_LEONTIEF && p->model != ICS_MODEL_GHOSH) || p->lr.r > 0 || k == 0)
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

void ics_static_block(const ics_plan *p, const ics_model *m, const ics_aggset *as,
                      const ics_static_agg *fast, int64_t first, int bb, ics_static_ws *w)
{
    const int n = w->n, k = w->k, rows = w->m;
    ics_plan_sample(p, first, bb, w->Theta, w->Raw, w->Occ);
    if (fast) {
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, rows, bb, k, 1.0, fast->M, rows,
                    w->Theta, k, 0.0, w->agg, rows);
        return;
    }
    if (k > 0)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, bb, k, 1.0, p->P, n, w->Theta,
                    k, 0.0, w->U, n);
    else
        memset(w->U, 0, sizeof *w->U * (size_t)n * bb);
    ics_static_propagate(p, m, bb, w->Theta, w->U, w->X, w->Q, w->work);
    ics_kernel_aggregate(rows, n, bb, as->Sx, w->X, w->agg);
    if (as->Su)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, rows, bb, n, 1.0, as->Su, rows,
                    w->U, n, 1.0, w->agg, rows);
}
