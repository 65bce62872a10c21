/* One block of the static pipeline: sample -> shock block U = P*Theta -> propagate -> aggregates.
 * Plan-then-execute: ics_static_ws_create sizes the workspace once; ics_static_block allocates
 * nothing, changes only its workspace, and is safe to run on many threads at once (each with its
 * own workspace, with single-threaded BLAS). Its result depends only on the plan, the model and
 * the global scenario indices, not on which thread or process computes it. */
#ifndef ICS_PIPELINE_H
#define ICS_PIPELINE_H

#include "ics_aggregate.h"
#include "ics_error.h"
#include "ics_model.h"
#include "ics_scenario.h"
#include "ics_table.h"

#include <stdint.h>

typedef struct ics_static_ws {
    int n, k, m, b;        /* nodes, shocks, aggregate rows, block capacity */
    double *Theta, *Raw, *Occ; /* k x b: scalar applied, sampled value, occurrence (0/1) */
    double *U;             /* n x b: model input (dY, dV or c*) */
    double *X;             /* n x b: output change dx */
    double *Q;             /* n x b: inoperability (iim), else NULL */
    double *agg;           /* m x b: the aggregates (ics_aggset rows; row 0 = total loss) */
    void *work;            /* scratch of the low-rank (coefficient) shocks, or NULL */
    double *Unc;           /* nunc x b calibration-uncertainty factors (ics_uncertainty.h) */
    /* table draws (plan->draws): the block's columns grouped by draw */
    double *ThetaP, *Up, *Xp, *Qp; /* k x b, n x b, n x b, n x b (iim) */
    int *dperm, *dcnt;     /* [b] column of each scenario in the grouped order, [K] ends */
} ics_static_ws;

/* Workspace for blocks of up to b scenarios of plan p with aggregates as.
 * with_nodes = 0: no node-level block is needed (the aggregate shortcut is used). */
ics_status ics_static_ws_create(const ics_plan *p, const ics_aggset *as, int b, int with_nodes,
                                ics_static_ws **ws, ics_error *err);
void ics_static_ws_destroy(ics_static_ws **ws);
/* Aggregates straight from the sampled parameters (PERFORMANCE.md section 2): when no node-level
 * output is stored and the model is linear in the parameters (leontief or ghosh, no system-matrix
 * shocks), total and regional losses are (S L P) Theta, an (1+R) x k matrix times k x b, so a
 * scenario costs its random numbers, not an n x n product. */
typedef struct ics_static_agg {
    int k, m;
    double *M;             /* [m * k] column-major: (Sx C + Su) P, C = L (leontief) or G^T (ghosh) */
} ics_static_agg;

/* NULL in *out (and ICS_OK) when the plan is not linear in this sense. */
ics_status ics_static_agg_create(const ics_plan *p, const ics_model *m, const ics_aggset *as,
                                 ics_static_agg **out, ics_error *err);
void ics_static_agg_destroy(ics_static_agg **a);

/* Compute scenarios first .. first+bb-1 (bb <= ws->b) into ws. With fast (non-NULL) only
 * ws->agg and the parameters are computed (ws->X, ws->Q are not touched). */
void ics_static_block(const ics_plan *p, const ics_model *m, const ics_aggset *as,
                      const ics_static_agg *fast, int64_t first, int bb, ics_static_ws *ws);

#endif
