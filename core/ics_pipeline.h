/* One block of the static pipeline: sample -> shock block U = P*Theta -> propagate -> aggregates.
 * Plan-then-execute: ics_static_ws_create sizes the workspace once; ics_static_block allocates
 * nothing, changes only its workspace, and is safe to run on many threads at once (each with its
 * own workspace, with single-threaded BLAS). Its result depends only on the plan, the model and
 * the global scenario indices, not on which thread or process computes it. */
#ifndef ICS_PIPELINE_H
#define ICS_PIPELINE_H

#include "ics_error.h"
#include "ics_model.h"
#include "ics_scenario.h"
#include "ics_table.h"

#include <stdint.h>

typedef struct ics_static_ws {
    int n, k, R, b;        /* nodes, shocks, regions, block capacity */
    double *Theta, *Raw, *Occ; /* k x b: scalar applied, sampled value, occurrence (0/1) */
    double *U;             /* n x b: model input (dY, dV or c*) */
    double *X;             /* n x b: output change dx */
    double *Q;             /* n x b: inoperability (iim), else NULL */
    double *agg;           /* R x b: value-added loss by region */
    double *tot;           /* b: total output loss */
    void *work;            /* scratch of the low-rank (coefficient) shocks, or NULL */
} ics_static_ws;

/* The R x n value-added aggregation matrix of the model: -va_j/x_j (leontief, iim) or -1 (ghosh)
 * in row region(j). Owned by the caller (free). */
ics_status ics_static_va_matrix(const ics_table *t, const ics_model *m, ics_model_kind kind,
                                double **Sva, ics_error *err);
/* Workspace for blocks of up to b scenarios of plan p on a table with R regions. */
ics_status ics_static_ws_create(const ics_plan *p, int R, int b, ics_static_ws **ws,
                                ics_error *err);
void ics_static_ws_destroy(ics_static_ws **ws);
/* Aggregates straight from the sampled parameters (PERFORMANCE.md section 2): when no node-level
 * output is stored and the model is linear in the parameters (leontief or ghosh, no system-matrix
 * shocks), total and regional losses are (S L P) Theta, an (1+R) x k matrix times k x b, so a
 * scenario costs its random numbers, not an n x n product. */
typedef struct ics_static_agg {
    int k, R;
    double *M;             /* [(1+R) * k] column-major: row 0 total loss, rows 1..R value added */
} ics_static_agg;

/* NULL in *out (and ICS_OK) when the plan is not linear in this sense. */
ics_status ics_static_agg_create(const ics_plan *p, const ics_model *m, const double *Sva, int R,
                                 ics_static_agg **out, ics_error *err);
void ics_static_agg_destroy(ics_static_agg **a);

/* Compute scenarios first .. first+bb-1 (bb <= ws->b) into ws. With agg (non-NULL) only
 * ws->tot, ws->agg and the parameters are computed (ws->X, ws->Q are left untouched). */
void ics_static_block(const ics_plan *p, const ics_model *m, const double *Sva,
                      const ics_static_agg *agg, int64_t first, int bb, ics_static_ws *ws);

#endif
