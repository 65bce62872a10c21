/* The scenario plan: shocks of a config resolved against a table (labels and globs to nodes,
 * relative changes to patterns), and the generation of a block of scenarios from the seed and
 * the global scenario indices alone.
 *
 * Every static shock supported here is linear in its sampled scalar theta_k: the model's input
 * block is U (n x b) = P (n x k) * Theta (k x b), with pattern columns
 *   leontief  final_demand  p = y on the selected nodes        (U = dY, table units)
 *   ghosh     value_added   p = va on the selected nodes       (U = dV, table units)
 *   iim       final_demand  p = -y / x on the selected nodes   (U = c*, shares)
 *   iim       capacity_loss p = 1 on the selected nodes        (U = c*, shares; theta = loss)
 * theta_k is the sampled `change` (or `loss`) times the occurrence indicator (probability). */
#ifndef ICS_SCENARIO_H
#define ICS_SCENARIO_H

#include "ics_config.h"
#include "ics_error.h"
#include "ics_model.h"
#include "ics_table.h"
#include "ics_rng.h"

#include <stdint.h>

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
} ics_plan;

/* Resolve a shock's region/segment selectors (labels or fnmatch globs) to a node mask[n] (1 =
 * selected). A label or glob matching nothing is ICS_EINPUT naming the config line, the shock and
 * the nearest valid label. */
ics_status ics_shock_select(const ics_config *cfg, const ics_shock *s, const ics_table *t,
                            unsigned char *mask, ics_error *err);

/* Build the plan for cfg on table t with model m. Rejects shock types the model does not take
 * (ICS_EINPUT naming the shock and what the model accepts). */
ics_status ics_plan_create(const ics_config *cfg, const ics_table *t, const ics_model *m,
                           ics_plan **out, ics_error *err);
void ics_plan_destroy(ics_plan **p);

/* Sample the k parameters of scenarios first .. first+b-1 into Theta (k x b, column-major), the
 * raw sampled values (before the occurrence indicator) into Raw and the occurrence indicators
 * (1 = the shock happens) into Occ (both k x b; each may be NULL).
 * Depends only on the seed and the global indices. Thread-safe, allocation-free. */
void ics_plan_sample(const ics_plan *p, int64_t first, int b, double *Theta, double *Raw,
                     double *Occ);

/* Inverse CDF of a distribution at u in (0,1). */
double ics_dist_quantile(const ics_dist *d, double u);

#endif
