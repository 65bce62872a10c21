/* Global sensitivity analysis: the estimators on the per-scenario outputs of a design (Saltelli
 * pick-and-freeze for Sobol' indices, Morris trajectories: random/'s ics_design.h; a config's
 * design on its plan: ensemble/'s ics_plan_design.h) (streamed, mergeable co-moments with delta-method intervals; bootstrap
 * intervals over base rows). docs/sensitivity.md has the formulas and the reading of results.
 *
 * Factors are the dimensions of the plan's unit cube: one per random `change`/`loss` and one per
 * shock occurrence with probability < 1, named "<shock>/change|loss|occurs". Indices are
 * computed per group of factors (each factor alone unless grouped; Gaussian-copula-correlated
 * factors always share one group, so that the copula acts inside a group only). */
#ifndef ICS_SENSITIVITY_H
#define ICS_SENSITIVITY_H

#include "ics_config.h"
#include "ics_design.h"
#include "ics_error.h"
#include "ics_plan_design.h"
#include "ics_rng.h"
#include "ics_sampler.h"

#include <hdf5.h>
#include <stdint.h>

/* ---------------------------------------------------------------------------------------- */
/* Sobol' estimators on the outputs f of a Sobol' design, row j at f + j*ld (stride values in
 * the order of ics_design.h), centred by mu: fA = f_A - mu etc. Per base row
 *   a = (fA + fB)/2, q = (fA^2 + fB^2)/2,   V = mean(q) - mean(a)^2  (population var of [fA; fB])
 *   S1_g = mean(fB (fAB_g - fA)) / V                         Saltelli et al. (2010), Table 2 (b)
 *   ST_g = mean((fA - fAB_g)^2) / (2 V)                      Jansen (1999)
 *   S2_gh = mean(fBA_g fAB_h - fA fB) / V - S1_g - S1_h      Saltelli (2002), closed - firsts
 * The accumulator keeps the means and co-moments of (a, q, y1_g, y2_g[, y3_gh]); asymptotic
 * intervals follow by the delta method on the ratio of means (Janon et al. 2014):
 *   Var(S) ~ grad' Cov grad / N, grad = (dS/dmean(a), dS/dmean(q), dS/dmean(y)). */
typedef struct ics_sobol_acc ics_sobol_acc;

/* Base rows per accumulation block: merge blocks of this many consecutive rows (aligned to row
 * 0) in row order, and the result is bitwise the same however the rows were distributed. */
#define ICS_SENS_BLOCK_ROWS 1024

ics_status ics_sobol_acc_create(int G, int second_order, ics_sobol_acc **out, ics_error *err);
void ics_sobol_acc_destroy(ics_sobol_acc **a);
/* Moments of one block of nrows base rows (exact two-pass), merged into a (Chan et al.). */
void ics_sobol_acc_block(ics_sobol_acc *a, int64_t nrows, const double *f, int64_t ld, double mu);
/* dst += src (src's rows follow dst's). */
void ics_sobol_acc_merge(ics_sobol_acc *dst, const ics_sobol_acc *src);
/* Every row of f in fixed blocks of ICS_SENS_BLOCK_ROWS, merged in order (convenience). */
void ics_sobol_acc_rows(ics_sobol_acc *a, int64_t nrows, const double *f, int64_t ld, double mu);

typedef struct ics_sobol_indices {
    int G, second_order;
    int64_t N;
    double mean, variance;     /* of the outputs [f_A; f_B] (mean not centred) */
    double *S1, *ST;           /* [G] */
    double *S1_conf, *ST_conf; /* [G] asymptotic half-widths at conf_level */
    double *S2;                /* [G*G] row-major, NaN on and below the diagonal mirrored */
    double *S1_boot, *ST_boot, *S2_boot; /* bootstrap half-widths ([G], [G], [G*G]); NaN when
                                            not computed */
} ics_sobol_indices;

ics_status ics_sobol_indices_alloc(int G, int second_order, ics_sobol_indices *out, ics_error *err);
void ics_sobol_indices_free(ics_sobol_indices *r);
/* Indices and asymptotic half-widths (z = Phi^-1((1 + conf_level)/2)); mu is the centring the
 * accumulator was fed with. A zero variance gives NaN indices. */
void ics_sobol_acc_indices(const ics_sobol_acc *a, double mu, double conf_level,
                           ics_sobol_indices *out);
/* Bootstrap half-widths z * sd over nboot resamples of the N base rows (with replacement, from
 * Philox keyed by seed), into out->S1_boot, ST_boot and S2_boot. Serial and deterministic. */
ics_status ics_sobol_bootstrap(int64_t N, const double *f, int64_t ld, double mu, int nboot,
                               uint64_t seed, double conf_level, ics_sobol_indices *out,
                               ics_error *err);

/* ---------------------------------------------------------------------------------------- */
/* Morris: elementary effects EE = sign * (f(step s) - f(step s-1)) / delta of the group moved at
 * each step, over the r trajectories of f (r * (G+1) values, scenario order). mu = mean EE,
 * mu_star = mean |EE|, sigma = sd EE (r - 1 denominator; NaN when r < 2), mu_star_conf =
 * z * bootstrap sd of mu_star over nboot resamples of the trajectories. Arrays are [G]. */
typedef struct ics_morris_result {
    int G;
    double *mu, *mu_star, *sigma, *mu_star_conf;
} ics_morris_result;

ics_status ics_morris_analyze(const ics_sens_design *d, const double *f, int nboot,
                              double conf_level, ics_morris_result *out, ics_error *err);
void ics_morris_result_free(ics_morris_result *r);

/* ---------------------------------------------------------------------------------------- */
/* Targets: per-scenario scalars named as in the config. A stored output is either 1-D (one
 * target) or 2-D with labelled columns; "X" means every column of a 2-D output X, "X/LABEL" one
 * column, "aggregates/NAME" a user aggregate. */
typedef struct ics_sens_output {
    const char *name;          /* dataset name under /scenarios, e.g. "va_loss_by_region" */
    int width;                 /* columns; 1 = a 1-D dataset */
    char *const *labels;       /* [width] column labels, or NULL (1-D) */
} ics_sens_output;

typedef struct ics_sens_target {
    char *name;                /* e.g. "va_loss_by_region/US" (owned) */
    char *dataset;             /* "/scenarios/va_loss_by_region" (owned) */
    int column;                /* -1 for a 1-D dataset */
} ics_sens_target;

/* Resolve the config's target names against the available outputs; ICS_EINPUT names the target
 * and lists what is available. *out owns an array of *nout targets (ics_sens_targets_free). */
ics_status ics_sens_resolve_targets(const char *cfgpath, char *const *names, int nnames,
                                    const ics_sens_output *outs, int nouts,
                                    ics_sens_target **out, int *nout, ics_error *err);
void ics_sens_targets_free(ics_sens_target **t, int n);

/* ---------------------------------------------------------------------------------------- */
/* The analysis of a finished result file (serial HDF5, one process): for each target read its
 * column, compute the indices (Sobol': asymptotic and bootstrap intervals; Morris: mu, mu_star,
 * sigma), and write /sensitivity (replacing an earlier one). The provenance attributes hold the
 * method, sampler, seed, N, k, G, stride, estimators and interval methods. When `report` is
 * non-NULL a ranked table is appended to it (malloc'd text; the caller frees). *max_st_half
 * receives the largest asymptotic ST half-width over targets and groups (Sobol'; NaN for
 * Morris), for the stopping rule. */
typedef struct ics_sens_analysis_opts {
    int nboot;                 /* bootstrap resamples; 0 -> 200; < 0 -> none */
    double conf_level;         /* 0 -> 0.95 */
} ics_sens_analysis_opts;

ics_status ics_sens_analyze_file(hid_t file, const ics_sens_design *d,
                                 const ics_sens_target *targets, int ntargets,
                                 const ics_sens_analysis_opts *opts, char **report,
                                 double *max_st_half, ics_error *err);

#endif
