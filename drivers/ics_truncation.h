/* Counting the draws clipped to their physical domain in a finished run (drivers/truncation.c). */
#ifndef ICS_TRUNCATION_H
#define ICS_TRUNCATION_H

#include "ics_config.h"
#include "ics_error.h"
#include "ics_scenario.h"

#include <stdint.h>

/* Collective. Rank 0 reopens out.partial (closed by every rank), counts for each random shock
 * parameter the stored values at its domain's finite bounds (plan->lo, plan->hi), writes them as
 * attribute `truncated` of /scenarios/parameters/<shock>/<change|loss> and their sum as the root
 * attribute `truncated_draws`, and closes the file. *total and the status on every rank. */
ics_status ics_truncation_record(const char *out, const ics_config *cfg, const ics_plan *plan,
                                 int64_t N, int64_t *total, ics_error *err);

#endif
