/* Fixed-grid histograms of the full-statistics outputs (aggregates, regional recovery times,
 * unmet demand), accumulated with each computed block so that the finalization does not read
 * the data for them (ics_rowstats.h). Each workspace slot has its own histograms; counts are
 * integers, so summing the slots and the ranks gives the same histogram in any order. */
#ifndef ICS_STREAM_HIST_H
#define ICS_STREAM_HIST_H

#include "ics_aggregate.h"
#include "ics_error.h"

#include <stdint.h>

typedef struct ics_stream_hist ics_stream_hist;

/* For a run storing store[OUT_COUNT] with widths width[OUT_COUNT] and aggregates as, with
 * nslots workspace slots: *h is NULL (not an error) when the histograms would take more than
 * a fixed memory budget; then the finalization histograms the stored data instead. */
ics_status ics_stream_hist_create(const ics_aggset *as, const int *store, const int64_t *width,
                                  int nslots, ics_stream_hist **h, ics_error *err);
/* Add block rows 0..bb-1 to slot s: out[OUT_COUNT] and agg as in the run's block view (node
 * outputs scenario-major, aggregates as->m x bb column-major). Thread-safe for distinct s. */
void ics_stream_hist_block(ics_stream_hist *h, int s, const double *const *out, const double *agg,
                           int bb);
/* Sum the slots; the histograms of every dataset of ics_finalize_run in its order (aggregates,
 * then recovery_time_by_region and unmet_demand when stored, then NULL for the node outputs),
 * owned by h. */
const int64_t *const *ics_stream_hist_finish(ics_stream_hist *h, int nres);
void ics_stream_hist_destroy(ics_stream_hist **h);

#endif
