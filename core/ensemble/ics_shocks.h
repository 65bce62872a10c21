/* Static-model shocks beyond the plain linear patterns (docs/models.md, "Which shocks each model
 * takes"): the mixed exogenous/endogenous model for capacity losses and trade restrictions, the
 * trade-restriction lost shares, and the low-rank (Sherman-Morrison-Woodbury) coefficient shocks.
 *
 * Plan-then-execute: everything here that allocates runs inside ics_plan_create; the block
 * function ics_static_propagate allocates nothing, writes only its outputs and the caller's
 * workspace, and is thread-safe (one workspace per thread, single-threaded BLAS). */
#ifndef ICS_SHOCKS_H
#define ICS_SHOCKS_H

#include "ics_config.h"
#include "ics_error.h"
#include "ics_model.h"
#include "ics_table.h"

#include <stddef.h>

struct ics_plan;

/* Methods of the low-rank part. */
enum { ICS_LOWRANK_AUTO = 0, ICS_LOWRANK_SMW = 1, ICS_LOWRANK_DENSE = 2 };

/* The system-matrix shocks of a plan: C(theta) = C + sum_k theta_k D_k, where C is the model's
 * propagation matrix (leontief: A; ghosh: B^T; iim: A* = B) and D_k holds the entries of C that
 * shock k scales (C-frame triplets). The model's inverse is Cinv = (I - C)^-1 (L, G^T, G). */
typedef struct ics_lowrank {
    int r;                 /* total rank (0 = no low-rank shock) */
    int method;            /* ICS_LOWRANK_SMW or ICS_LOWRANK_DENSE */
    double sgn;            /* +1: the block holds dx (leontief, ghosh); -1: it holds q (iim) */
    int *col_shock;        /* [r] shock of each low-rank column */
    double *W;             /* [n*r] Cinv * U */
    double *Vt;            /* [r*n] V^T (leading dimension r) */
    double *K;             /* [r*r] V^T * Cinv * U */
    double *vxb;           /* [r] V^T * xb */
    double *IC;            /* [n*n] I - C (dense method only) */
    double *xb;            /* [n] baseline solution: x (leontief, ghosh) or 1 (iim) */
    double *ub;            /* [n] baseline right-hand side (I - C) xb */
    int nnz;               /* triplets of all D_k */
    int *ei, *ej, *es;     /* row, column (C-frame), shock */
    double *ev;            /* value C[ei, ej] */
} ics_lowrank;

/* The mixed model of one exogenous output change: given the constrained set E (mask[n]) and the
 * exogenous output changes d (n; used on E only), the input pattern p (n, zero outside E) such
 * that the model's own propagation gives (Cinv p)_E = d_E, where Cinv = L (leontief) or G^T
 * (ghosh). Then Cinv p is the mixed-model solution: (I - A_NN)^-1 A_NE d_E on the free nodes N
 * (leontief, backward linkages) or d_E^T B_EN (I - B_NN)^-1 (ghosh, forward linkages).
 * ICS_ENUMERIC if the |E| x |E| block is singular (it is not for a valid table). */
ics_status ics_mixed_pattern(ics_model_kind kind, const ics_model *m, const unsigned char *E,
                             const double *d, double *p, ics_error *err);

/* Lost-share ratios of a trade restriction on table t: for each buyer j (mask buy), r_j =
 * max over segments s of the supplier mask sup of (sum of z_ij over suppliers i of segment s)
 * / (sum of z_ij over all nodes i of segment s); 0 elsewhere. Returns the total restricted flow
 * sum_{i in sup, j in buy} z_ij in *total. */
ics_status ics_trade_shares(const ics_table *t, const unsigned char *sup, const unsigned char *buy,
                            double *r, double *total, ics_error *err);

/* (Re)build the low-rank part of a plan from its triplets (set by ics_plan_create) with the
 * given method: AUTO chooses SMW when 2 r <= n, else the per-scenario dense solve. */
ics_status ics_plan_set_lowrank(struct ics_plan *p, const ics_model *m, int method,
                                ics_error *err);
void ics_lowrank_free(ics_lowrank *lr);

/* Tables up to this size may propagate through the shock support (ics_plan.sup): the
 * explicit inverse's support columns are packed per block, n x nsup doubles of workspace. */
#define ICS_SUPPORT_MAX_N 1024

/* Bytes of workspace ics_static_propagate needs for blocks of up to b scenarios (0 when the
 * plan has no low-rank shock and no shock support narrower than the table; then work may be
 * NULL, and the product then runs over every node). Align: the buffer must be suitably aligned
 * for double (malloc is). */
size_t ics_plan_workspace_bytes(const struct ics_plan *p, int b);

/* Propagate one block through the static model of the plan (replaces the kernel call):
 *   U (n x bb)     the linear model input P * Theta (dY, dV or c*): zero outside the plan's
 *                  shock support (the rows of P with a nonzero)
 *   Theta (k x bb) the sampled scalars (ics_plan_sample)
 *   X (n x bb)     out: output change dx
 *   Q (n x bb)     out: inoperability (iim; may be NULL for the other models)
 *   work           ics_plan_workspace_bytes(p, b) bytes, b >= bb
 * leontief/ghosh: X = Cinv U plus the exact change of the inverse under the coefficient shocks;
 * iim: Q = clip(q, 0, 1) with q the same for A*, and X = -Q * x. Allocation-free, thread-safe.
 * A scenario whose shocked system is singular gets NaN outputs. */
void ics_static_propagate(const struct ics_plan *p, const ics_model *m, int bb,
                          const double *Theta, const double *U, double *X, double *Q, void *work);

/* The same from Theta alone, where the propagation runs through the shock support (a small
 * table's explicit inverse, a support that leaves out a quarter of the nodes, no per-scenario
 * dense solve): U is formed on the support only (Psup Theta, nsup x bb, in work), never as the
 * n x bb block, so the product P Theta and the gathering of its support's rows are saved.
 * Returns 1 with X (and Q) as U = P Theta followed by ics_static_propagate would give them up to
 * rounding (the product by Psup may round differently from P's; results still depend on the
 * plan alone); 0 with nothing done when the plan does not take this path (then form U and call
 * ics_static_propagate). */
int ics_static_propagate_theta(const struct ics_plan *p, const ics_model *m, int bb,
                               const double *Theta, double *X, double *Q, void *work);

#endif
