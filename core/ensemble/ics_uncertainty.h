/* Calibration uncertainty of a run (config `uncertainty:`, issue 16): parameters of the models
 * (so far the ARIO inventory targets) sampled per scenario from stated laws. Each is one more
 * dimension of the plan's design, after every shock's, so that it is drawn exactly like a shock
 * parameter (the same sampler, the same sensitivity design), stored as
 * /scenarios/parameters/uncertainty/<name> and analysed as the factor uncertainty/<name>. */
#ifndef ICS_UNCERTAINTY_H
#define ICS_UNCERTAINTY_H

#include "ics_config.h"
#include "ics_error.h"
#include "ics_scenario.h"
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

#endif
