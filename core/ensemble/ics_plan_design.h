/* The sensitivity design of a config on its scenario plan (random/'s ics_design.h builds it). */
#ifndef ICS_PLAN_DESIGN_H
#define ICS_PLAN_DESIGN_H

#include "ics_config.h"
#include "ics_design.h"
#include "ics_error.h"
#include "ics_scenario.h"

/* The design of a config (its `sensitivity:` section) on a plan: factor names, groups (the
 * config's `groups`, merged with every set of copula-correlated factors: a correlation group
 * that a user group would split is ICS_EINPUT), sampler, levels. N is cfg->scenarios / stride
 * when that divides evenly, else cfg->sens_samples. */
ics_status ics_sens_design_for_plan(const ics_config *cfg, const struct ics_plan *p,
                                    ics_sens_design **out, ics_error *err);

#endif
