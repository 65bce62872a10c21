/* The scenario plan: shocks of a config resolved against a table (labels and globs to nodes,
 * relative changes to patterns), and the generation of a block of scenarios from the seed and
 * the global scenario indices alone.
 *
 * Linear shocks enter the model's input block U (n x b) = P (n x k) * Theta (k x b), with pattern
 * columns (docs/models.md, "Which shocks each model takes"):
 *   leontief  final_demand      p = y on the selected nodes               (U = dY)
 *   leontief  capacity_loss     p = mixed-model demand equivalent of dx_E = -x_E   (theta = loss)
 *   leontief  trade_restriction p = mixed-model demand equivalent of dx_E = r_E x_E (theta = change)
 *   ghosh     value_added       p = va on the selected nodes              (U = dV)
 *   ghosh     capacity_loss     p = mixed-model supply equivalent of dx_E = -x_E   (theta = loss)
 *   iim       final_demand      p = -y / x on the selected nodes          (U = c*, shares)
 *   iim       capacity_loss     p = 1 on the selected nodes               (theta = loss)
 *   iim       trade_restriction p = -r on the affected buyers             (theta = change)
 * Low-rank shocks (coefficient in every static model, trade_restriction in ghosh) change the
 * system matrix; their P column is zero and ics_static_propagate (ics_shocks.h) applies them.
 * theta_k is the sampled `change` (or `loss`), clipped to the shock type's range, times the
 * occurrence indicator (probability). */
#ifndef ICS_SCENARIO_H
#define ICS_SCENARIO_H

#include "ics_config.h"
#include "ics_error.h"
#include "ics_model.h"
#include "ics_table.h"
#include "ics_rng.h"
#include "ics_sampler.h"
#include "ics_shocks.h"

#include <stdint.h>

/* Kinds of calibration-uncertainty factors (ics_uncertainty.h). */
enum { ICS_UNC_INVENTORY = 0, ICS_UNC_TABLE, ICS_UNC_ALPHA_MAX, ICS_UNC_BUILD_LAG,
       ICS_UNC_REQUAL, ICS_UNC_MAX };

typedef struct ics_plan {
    int n;                 /* nodes */
    int k;                 /* shocks */
    ics_model_kind model;
    uint64_t seed;
    double *P;             /* [n*k] column-major pattern matrix */
    ics_dist *dist;        /* [k] distribution of each shock's scalar (borrowed copy) */
    double *probability;   /* [k] */
    char **names;          /* [k] shock names (borrowed from the config) */
    int *nselected;        /* [k] number of nodes each shock touches */
    ics_rng_key key_sample, key_occur;
    double *lo, *hi;       /* [k] range a sampled value is clipped to (-inf/inf = none) */
    unsigned char *lowrank;/* [k] 1 = the shock changes the system matrix (not in P) */
    ics_lowrank lr;        /* the low-rank part (lr.r = 0 when there is none) */
    /* the shock support: the nsup rows of P with a nonzero, ascending. U = P Theta is zero on
     * every other row, so a propagation by an explicit inverse needs only those columns of it
     * (ics_static_propagate) */
    int nsup;
    int *sup;              /* [nsup] */
    double *Psup;          /* [nsup*k] column-major: those rows of P (U on the support = Psup Theta) */
    /* the design: one dimension per random `change`/`loss` and per shock with probability < 1 */
    ics_sampler *sampler;  /* mc, lhs or sobol over ndims dimensions and N points */
    int ndims;
    int *dim_change;       /* [k] dimension of shock s's parameter, -1 when it is a constant */
    int *dim_occ;          /* [k] dimension of shock s's occurrence, -1 when probability = 1 */
    int *dim_start;        /* [k] dimension of a random start, -1 when constant */
    int *dim_dur;          /* [k] dimension of a random duration, -1 when constant */
    ics_dist *start_dist, *dur_dist; /* [k] copies of the shocks' timing laws */
    ics_copula *copula;    /* Gaussian copula over the correlated parameters, or NULL */
    int *corr_dims;        /* [ncorr] their dimensions */
    /* a sensitivity design (config with a `sensitivity:` section; core/random/ics_design.h), or
     * NULL: when set, scenario i takes the design's uniforms instead of the sampler's */
    struct ics_sens_design *design;
    /* calibration uncertainty (config `uncertainty:`, ics_uncertainty.h): nunc factors, each a
     * multiplier sampled per scenario like a shock parameter; their dimensions come after every
     * shock's, so adding the section does not move the shocks' draws */
    int nunc;
    int unc_kind[ICS_UNC_MAX]; /* ICS_UNC_* of each factor, in the order of ics_unc_row */
    ics_dist unc_dist[ICS_UNC_MAX];
    int dim_unc[ICS_UNC_MAX];  /* its dimension, -1 when a constant */
    /* table draws (`uncertainty: table:`; every model): K perturbed tables, each with its
     * own model (factorisation) and plan (and, in dynamic models, its own ics_dyn); NULL when
     * none */
    struct ics_table_draws *draws;
} ics_plan;

/* Resolve a shock's region/segment selectors (labels or fnmatch globs) to a node mask[n] (1 =
 * selected). A label or glob matching nothing is ICS_EINPUT naming the config line, the shock and
 * the nearest valid label. */
ics_status ics_shock_select(const ics_config *cfg, const ics_shock *s, const ics_table *t,
                            unsigned char *mask, ics_error *err);
/* The same for any selector pair; `owner` names it in messages ("aggregate 'x'"). */
ics_status ics_select_nodes(const char *cfgpath, int line, const char *owner, char *const *regions,
                            int nregions, char *const *segments, int nsegments, const ics_table *t,
                            unsigned char *mask, ics_error *err);

/* Build the plan for cfg on table t with model m. Rejects shock types the model does not take
 * and invalid shocks (ranges, restrictions of no flow, non-productive coefficient changes) with
 * ICS_EINPUT naming the config file, line and shock, before any computation. */
ics_status ics_plan_create(const ics_config *cfg, const ics_table *t, const ics_model *m,
                           ics_plan **out, ics_error *err);
void ics_plan_destroy(ics_plan **p);

/* The scalar shock s applies for a sampled value v and occurrence indicator occurs (0/1): v
 * clipped to [lo_s, hi_s] times occurs. */
static inline double ics_plan_theta(const ics_plan *p, int s, double v, double occurs)
{
    if (v < p->lo[s]) v = p->lo[s];
    if (v > p->hi[s]) v = p->hi[s];
    return v * occurs;
}

/* Sample the k parameters of scenarios first .. first+b-1 into Theta (k x b, column-major), the
 * sampled values (clipped to the shock type's range, before the occurrence indicator) into Raw and the occurrence indicators
 * (1 = the shock happens) into Occ (both k x b; each may be NULL).
 * Depends only on the seed and the global indices. Thread-safe, allocation-free. */
void ics_plan_sample(const ics_plan *p, int64_t first, int b, double *Theta, double *Raw,
                     double *Occ);

/* The same mapping as ics_plan_sample from given uniforms: U (ndims x b, leading dimension
 * ldu >= ndims, each in (0, 1)) holds the design's uniforms of b scenarios; the copula (if any)
 * is applied to U in place, then each parameter goes through its quantile function, clipping
 * and occurrence exactly as in ics_plan_sample. Theta, Raw, Occ as there (k x b; Raw, Occ may
 * be NULL). Allocation-free; thread-safe on distinct U. */
void ics_plan_sample_uniforms(const ics_plan *p, int b, double *U, int ldu, double *Theta,
                              double *Raw, double *Occ);

/* The timing of scenarios first .. first+b-1: Start and Dur (k x b; whole steps, a duration of
 * -1 meaning to the end of the horizon), constants or draws from the shocks' timing laws (their
 * own design dimensions). Allocation-free and thread-safe. */
void ics_plan_timing(const ics_plan *p, int64_t first, int b, double *Start, double *Dur);

/* Inverse CDF of a distribution at u in (0,1). */
double ics_dist_quantile(const ics_dist *d, double u);

#endif
