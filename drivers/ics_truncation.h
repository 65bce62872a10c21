/* Counting the draws clipped to their physical domain in a finished run (drivers/truncation.c). */
#ifndef ICS_TRUNCATION_H
#define ICS_TRUNCATION_H

#include "ics_config.h"
#include "ics_error.h"
#include "ics_scenario.h"

#include <stdint.h>

/* Add to counts[s] the draws of block `raw` (k x bb, the sampled parameters as stored: shock s
 * of scenario j at raw[s + j k]) at a finite bound of shock s's domain, for every random shock
 * parameter (plan->dim_change[s] >= 0); the same test as the count from the file. */
void ics_truncation_count(const ics_plan *plan, const double *raw, int bb, int64_t *counts);

/* Collective. Rank 0 reopens out.partial (closed by every rank), writes for each random shock
 * parameter the stored values at its domain's finite bounds (plan->lo, plan->hi) as attribute
 * `truncated` of /scenarios/parameters/<shock>/<change|loss> and their sum as the root
 * attribute `truncated_draws`, and closes the file. The counts are `counted` (k, the same on
 * every rank: ics_truncation_count over every block of the run, summed over the ranks) when
 * the run computed every block; NULL (a resumed run) counts them from the stored rows.
 * *total and the status on every rank. */
ics_status ics_truncation_record(const char *out, const ics_config *cfg, const ics_plan *plan,
                                 int64_t N, const int64_t *counted, int64_t *total,
                                 ics_error *err);

#endif
