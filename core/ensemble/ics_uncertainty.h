/* Calibration uncertainty of a run (config `uncertainty:`, issue 16): parameters of the models
 * (ARIO's inventory targets, overproduction cap, build and requalification lags; the table
 * itself) sampled per scenario from stated laws. Each is one more
 * dimension of the plan's design, after every shock's, so that it is drawn exactly like a shock
 * parameter (the same sampler, the same sensitivity design), stored as
 * /scenarios/parameters/uncertainty/<name> and analysed as the factor uncertainty/<name>. */
#ifndef ICS_UNCERTAINTY_H
#define ICS_UNCERTAINTY_H

#include "ics_config.h"
#include "ics_error.h"
#include "ics_scenario.h"
#include "ics_model.h"
#include "ics_table.h"

#include <stdint.h>

/* The group of /scenarios/parameters and the prefix of the factor names. */
#define ICS_UNC_GROUP "uncertainty"

/* Name of a factor kind ("inventory"). */
const char *ics_unc_name(int kind);

/* Row of factor `kind` in a block of uncertainty values (ics_plan_uncertainty), or -1 when the
 * config does not set it. Depends on the config alone, so models can find their rows. */
int ics_unc_row(const ics_config *cfg, int kind);

/* Fill p->nunc, unc_kind, unc_dist from the config and check them against the table and the
 * model: a parameter the model does not have (inventory without ario), a segment label that is
 * not the table's, a shock named like the parameter group. ICS_EINPUT naming the config line. */
ics_status ics_plan_uncertainty_setup(const ics_config *cfg, const ics_table *t, ics_plan *p,
                                      ics_error *err);

/* Products whose inventory targets the multiplier scales: sel[t->nseg] (1 = scaled), all when
 * the config gives no inventory_segments. Labels were checked by the plan. */
void ics_unc_inventory_segments(const ics_config *cfg, const ics_table *t, unsigned char *sel);

/* The values of the uncertainty factors of scenarios first .. first+b-1 into V (nunc x b,
 * column-major): constants, or the quantiles of their design dimensions (the sensitivity
 * design's uniforms when the plan has one). Allocation-free and thread-safe. */
void ics_plan_uncertainty(const ics_plan *p, int64_t first, int b, double *V);

/* The inventory target, in steps of use, of a product with target s0 under multiplier m: m s0,
 * never below one step (ARIO's minimum; docs/models.md item 6); s0 itself when m is 1. */
static inline double ics_unc_scaled_target(double s0, double m)
{
    if (m == 1.0) return s0;
    const double s1 = m * s0;
    return s1 < 1.0 ? 1.0 : s1;
}

/* Table draws (`uncertainty: table: {coefficients: cv, draws: K}`, every model): K perturbed
 * copies of the table, made once when the plan is made. Draw d multiplies every flow z_ij > 0 by
 * exp(sigma g - sigma^2 / 2), g standard normal from Philox(seed, ICS_RNG_TABLE; d, i + j n),
 * sigma^2 = ln(1 + cv^2) (so the factor has mean 1 and relative sd cv), then rebalances the
 * result by RAS (core/table/gras.c) to the row and column sums of Z: gross output x, final
 * demand y and value added va stay those of the table, the input coefficients and market shares
 * move within the band, and the column sums of A (< 1) are kept, so every draw is productive.
 * cv = 0 gives the table itself. Each draw has its own model (the factorisation of I - A_d) and
 * its own plan of the config (patterns, low-rank parts); scenario i uses the draw given by its
 * factor uncertainty/table, and a block runs one GEMM and one solve per draw present in it (the
 * dynamic models build their plan on each draw, ics_dynamic.h, and run each draw's scenarios of
 * a block together). They read only x, y (and DIIM's A* = B) of a draw's model, so those
 * keep no A. */
typedef struct ics_table_draws {
    int K;
    int row;               /* row of the draw index in a block's uncertainty factors */
    ics_table **t;         /* [K] the base table with its own Z (labels, Y, x, va borrowed) */
    ics_model **m;         /* [K] */
    ics_plan **p;          /* [K] the config's plan on each draw (no draws of its own) */
} ics_table_draws;

/* The flows of draw d (n x n column-major into Z) of table t: see above. ICS_EINPUT when RAS
 * fails (it does not for a valid table). Thread-safe. */
ics_status ics_table_draw_flows(const ics_table *t, double cv, uint64_t seed, int d, double *Z,
                                ics_error *err);
/* Make the K draws of cfg on table t (called by ics_plan_create for a plan p with a table
 * factor); each draw is validated (balance to 1e-9, productive) and factorised. */
ics_status ics_table_draws_create(const ics_config *cfg, const ics_table *t, const ics_plan *p,
                                  ics_table_draws **out, ics_error *err);
void ics_table_draws_destroy(ics_table_draws **d);

/* ics_plan_create without table draws (the plans of the draws themselves). */
ics_status ics__plan_create_nodraws(const ics_config *cfg, const ics_table *t, const ics_model *m,
                                    ics_plan **out, ics_error *err);

#endif
