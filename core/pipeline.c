/* The static pipeline for one block of scenarios (see ics_pipeline.h). */
#include "ics_pipeline.h"
#include "ics_kernels.h"

#include <cblas.h>
#include <stdlib.h>
#include <string.h>

ics_status ics_static_va_matrix(const ics_table *t, const ics_model *m, ics_model_kind kind,
                                double **Sva, ics_error *err)
{
    ics_status st = ICS_OK;
    double *S = NULL;
    const int R = t->nreg, n = t->n;
    ICS_ALLOC(S, (size_t)R * n, err, "the aggregation matrix");
    for (int i = 0; i < n; ++i)
        S[t->node_region[i] + (size_t)i * R] =
            kind == ICS_MODEL_GHOSH ? -1.0 : (m->x[i] != 0.0 ? -m->va[i] / m->x[i] : 0.0);
    *Sva = S;
done:
    return st;
}

ics_status ics_static_ws_create(const ics_plan *p, int R, int b, ics_static_ws **out,
                                ics_error *err)
{
    ics_status st = ICS_OK;
    ics_static_ws *w = NULL;
    const int n = p->n, k = p->k, with_q = p->model == ICS_MODEL_IIM;
    const size_t work = ics_plan_workspace_bytes(p, b);
    const size_t kb = (size_t)(k ? k : 1) * b;
    ICS_ALLOC(w, 1, err, "a block workspace");
    w->n = n, w->k = k, w->R = R, w->b = b;
    ICS_ALLOC(w->Theta, kb, err, "parameters");
    ICS_ALLOC(w->Raw, kb, err, "parameters");
    ICS_ALLOC(w->Occ, kb, err, "occurrences");
    ICS_ALLOC(w->U, (size_t)n * b, err, "the shock block");
    ICS_ALLOC(w->X, (size_t)n * b, err, "the output block");
    if (with_q) ICS_ALLOC(w->Q, (size_t)n * b, err, "the inoperability block");
    ICS_ALLOC(w->agg, (size_t)R * b, err, "aggregates");
    ICS_ALLOC(w->tot, b, err, "totals");
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
    free(w->agg), free(w->tot), free(w->work), free(w);
    *wp = NULL;
}

ics_status ics_static_agg_create(const ics_plan *p, const ics_model *m, const double *Sva, int R,
                                 ics_static_agg **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_static_agg *a = NULL;
    double *CP = NULL;
    const int n = p->n, k = p->k;
    *out = NULL;
    if ((p->model != ICS_MODEL_LEONTIEF && p->model != ICS_MODEL_GHOSH) || p->lr.r > 0 || k == 0)
        return ICS_OK;
    ICS_ALLOC(a, 1, err, "the aggregate plan");
    a->k = k, a->R = R;
    ICS_ALLOC(a->M, (size_t)(1 + R) * k, err, "the aggregate plan");
    ICS_ALLOC(CP, (size_t)n * k, err, "the aggregate plan");
    /* CP = L P (leontief) or G^T P (ghosh): the output change per unit of each parameter */
    cblas_dgemm(CblasColMajor, p->model == ICS_MODEL_GHOSH ? CblasTrans : CblasNoTrans,
                CblasNoTrans, n, k, n, 1.0, p->model == ICS_MODEL_GHOSH ? m->G : m->L, n, p->P,
                n, 0.0, CP, n);
    for (int s = 0; s < k; ++s) {
        double sum = 0.0;
        for (int i = 0; i < n; ++i) sum += CP[i + (size_t)s * n];
        a->M[(size_t)s * (1 + R)] = -sum;
    }
    /* value added: Sva applied to dx (leontief) or to dv = P theta (ghosh) */
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, R, k, n, 1.0, Sva, R,
                p->model == ICS_MODEL_GHOSH ? p->P : CP, n, 0.0, a->M + 1, 1 + R);
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

void ics_static_block(const ics_plan *p, const ics_model *m, const double *Sva,
                      const ics_static_agg *agg, int64_t first, int bb, ics_static_ws *w)
{
    const int n = w->n, k = w->k, R = w->R;
    ics_plan_sample(p, first, bb, w->Theta, w->Raw, w->Occ);
    if (agg) {
        /* [tot; agg] = M Theta, written straight into the two output arrays */
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, 1, bb, k, 1.0, agg->M, 1 + R,
                    w->Theta, k, 0.0, w->tot, 1);
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, R, bb, k, 1.0, agg->M + 1, 1 + R,
                    w->Theta, k, 0.0, w->agg, R);
        return;
    }
    if (k > 0)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, bb, k, 1.0, p->P, n, w->Theta,
                    k, 0.0, w->U, n);
    else
        memset(w->U, 0, sizeof *w->U * (size_t)n * bb);
    ics_static_propagate(p, m, bb, w->Theta, w->U, w->X, w->Q, w->work);
    ics_kernel_aggregate(R, n, bb, Sva, p->model == ICS_MODEL_GHOSH ? w->U : w->X, w->agg);
    for (int j = 0; j < bb; ++j) {
        double s = 0.0;
        for (int i = 0; i < n; ++i) s += w->X[i + (size_t)j * n];
        w->tot[j] = -s;
    }
}
