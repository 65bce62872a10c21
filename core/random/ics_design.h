/* Global sensitivity designs: Saltelli pick-and-freeze rows for Sobol' indices and Morris
 * trajectories, every scenario addressable by its global index (docs/sensitivity.md). A design
 * only places points in the unit cube; the plan (ensemble/) maps them to parameters and the
 * estimators on the outputs are analysis/'s (ics_sensitivity.h). */
#ifndef ICS_DESIGN_H
#define ICS_DESIGN_H

#include "ics_error.h"
#include "ics_rng.h"
#include "ics_sampler.h"

#include <stdint.h>

/* At most this many factors: a Sobol' design uses 2k dimensions of the Sobol' sequence. */
#define ICS_SENS_MAX_FACTORS (ICS_SOBOL_MAX_DIMS / 2)

typedef enum ics_sens_method { ICS_SENS_SOBOL = 0, ICS_SENS_MORRIS = 1 } ics_sens_method;

/* What a design is made of (all arrays borrowed for the call). */
typedef struct ics_sens_spec {
    ics_sens_method method;
    ics_sampler_kind sampler;  /* sobol: kind of the 2k-dimensional base set (mc, lhs, sobol) */
    uint64_t seed;
    int k;                     /* factors (unit-cube dimensions), 1 .. ICS_SOBOL_MAX_DIMS / 2 */
    const char *const *factor_names; /* [k] or NULL (then "x1", "x2", ...) */
    int ngroups;               /* 0: every factor is its own group */
    const int *group_of;       /* [k] group of each factor, 0 .. ngroups-1, each group non-empty */
    const char *const *group_names; /* [ngroups] */
    int64_t N;                 /* sobol: base rows; morris: trajectories (r) */
    int second_order;          /* sobol: add the B_A^(g) rows for the closed second-order indices */
    int levels;                /* morris: p (even, >= 2; 0 -> 4) */
} ics_sens_spec;

/* A design. Scenario i of a Sobol' design is base row j = i / stride, position r = i % stride:
 * r = 0 is A_j, r = 1..G is A_B^(g) (A_j with group g's columns from B_j), r = G+1..2G is
 * B_A^(g) (second order only) and r = stride-1 is B_j, where (A_j, B_j) is point j of one
 * 2k-dimensional point set (A = dimensions 0..k-1, B = k..2k-1), so stride = G+2 (2G+2).
 * A Morris design has trajectories of stride = G+1 points: trajectory t, step s moves the
 * groups perm_t[0..s-1] by +-delta from the trajectory's base point on the p-level grid.
 * Base-row-major order means a design of 2N rows starts with the design of N (Sobol' and mc
 * base sets do not depend on N), so doubling N reuses every scenario already run. */
typedef struct ics_sens_design {
    ics_sens_method method;
    ics_sampler_kind sampler;
    uint64_t seed;
    int k, G;
    char **factor_names;       /* [k] owned */
    char **group_names;        /* [G] owned */
    int *group_of;             /* [k] */
    int *group_start, *group_members; /* CSR lists of each group's factors: [G+1], [k] */
    int64_t N;
    int second_order;
    int stride;
    int levels;                /* morris p */
    double delta;              /* morris: p / (2 (p - 1)) in the scaled factor space [0, 1] */
    ics_sampler *base;         /* sobol: the 2k-dimensional base set over N points */
    ics_rng_key key;           /* morris trajectories */
} ics_sens_design;

/* Create a design; *out owns it (ics_sens_design_destroy). Errors: ICS_EINPUT for an invalid
 * spec (k, groups, N < 2, odd levels, Sobol' limits), ICS_ENOMEM. Not collective. */
ics_status ics_sens_design_create(const ics_sens_spec *spec, ics_sens_design **out, ics_error *err);
void ics_sens_design_destroy(ics_sens_design **d);
/* Total number of scenarios: N * stride. */
int64_t ics_sens_design_scenarios(const ics_sens_design *d);

/* Uniforms of scenarios first .. first+b-1 into U (k x b, leading dimension ldu >= k), each in
 * (0, 1), before any copula. Depends only on the design and the global indices; allocation-free
 * and thread-safe. Requires first + b <= ics_sens_design_scenarios(d) (asserted). Morris points
 * are mapped from the grid x = l/(p-1) to u = (1 + 2 x (p-1)) / (2p), the centres of p equal
 * strata, so no factor is ever sent to 0 or 1 (unbounded laws stay finite). */
void ics_sens_design_fill(const ics_sens_design *d, int64_t first, int b, double *U, int ldu);

/* Morris: group moved at step s (1..G) of trajectory t, and the sign of its move (+1 / -1:
 * the direction of the first factor of the group). */
void ics_sens_morris_step(const ics_sens_design *d, int64_t t, int s, int *group, int *sign);

/* Morris trajectory t: base level of each factor (lev[k]), direction (dir[k]) and order of the
 * groups (perm[G]). Pure function of (seed, t); thread-safe. */
void ics_sens_morris_trajectory(const ics_sens_design *d, int64_t t, int *lev, int *dir, int *perm);

#endif
