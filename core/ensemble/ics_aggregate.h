/* The aggregates of a run: linear functions of each scenario's output change (and, for the
 * value added of the Ghosh model, of its exogenous input), as rows of two m x n matrices:
 * agg = Sx * dx + Su * u. Every aggregate is a loss (a positive number means less).
 *   total_output_loss          1 row   -sum_i dx_i
 *   va_loss_by_region          R rows  -sum_{j in r} (va_j/x_j) dx_j  (ghosh: -sum_{j in r} dv_j;
 *                                      always, unless output.store_only: ics_aggset_wants_va)
 *   output_loss_by_region      R rows  -sum_{j in r} dx_j            (when stored)
 *   output_loss_by_segment     S rows  -sum_{j in s} dx_j            (when stored)
 *   gdp_loss_by_region         R rows  as va_loss_by_region              (full-economy table)
 *   gdp_loss_share_by_region   R rows  the same / the region's sum of va (full-economy table)
 *   va_loss_by_region_segment  n rows  -(va_j/x_j) dx_j, one per node   (full-economy table)
 *   aggregates/<name>          1 row   a user sum over selected nodes of output or value added
 * Those built are stored per scenario, and their statistics are exact. */
#ifndef ICS_AGGREGATE_H
#define ICS_AGGREGATE_H

#include "ics_config.h"
#include "ics_error.h"
#include "ics_model.h"
#include "ics_table.h"

typedef struct ics_aggout {
    char *name;            /* dataset name under /scenarios and /statistics (owned) */
    int row, width;        /* rows row .. row+width-1 of the aggregate block */
} ics_aggout;

typedef struct ics_aggset {
    int m, n;
    double *Sx;            /* [m*n] column-major, applied to dx */
    double *Su;            /* [m*n] column-major, applied to the model input (ghosh va), or NULL */
    int nout;
    ics_aggout *out;
} ics_aggset;

/* Build the aggregates of cfg on table t for model m; by_region / by_segment add the optional
 * output-loss breakdowns. User selectors matching nothing are ICS_EINPUT. */
ics_status ics_aggset_create(const ics_config *cfg, const ics_table *t, const ics_model *m,
                             int by_region, int by_segment, ics_aggset **out, ics_error *err);
void ics_aggset_destroy(ics_aggset **a);
/* 1 when va_loss_by_region is built: always, unless output.store_only is set; then only when
 * output.store lists it or a sensitivity target names it. */
int ics_aggset_wants_va(const ics_config *cfg);
/* 1 when the GDP outputs are added: a full-economy table (ics_table_is_full_economy; not with
 * output.store_only) or output.store naming gdp_loss_by_region or va_loss_by_region_segment. */
int ics_aggset_wants_gdp(const ics_config *cfg, const ics_table *t);

#endif
