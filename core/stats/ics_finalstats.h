/* Exact statistics of a stored per-scenario dataset: their definitions and request (below), the
 * result, window moments and writing. The engine is ics_rowstats (ics_rowstats.h): moments,
 * extremes, R-7 quantiles, VaR, CVaR (expected shortfall), the exceedance-probability curve and
 * return-period losses, computed by any number of processes each reading only its own rows,
 * with memory independent of the number of scenarios N. */
#ifndef ICS_FINALSTATS_H
#define ICS_FINALSTATS_H

#include "ics_error.h"

#include <hdf5.h>
#include <stdint.h>

/* What to compute. Zero-initialise and set what you need; zero/NULL fields take the defaults.
 * The arrays are borrowed for the duration of the call only.
 *
 * Definitions (x_(0) <= ... <= x_(N-1) are the sorted values of one column, 0-based):
 *  - quantile at level p in [0, 1] (R-7, Hyndman & Fan 1996 type 7, numpy's default):
 *      h = (N-1) p, l = floor(h), u = min(l+1, N-1),  Q(p) = x_(l) + (h - l) (x_(u) - x_(l)).
 *  - VaR at level a = Q(a).
 *  - CVaR (TVaR, expected shortfall) at level a: Acerbi & Tasche (2002) tail expectation of
 *    the empirical distribution, ES_a = 1/(1-a) * integral_a^1 F^-1(u) du, i.e. with
 *    j = ceil(N a) (1-based order statistic, 0-based x_(j-1)):
 *      ES_a = [ sum_{k=j}^{N-1} x_(k) + (j - N a) x_(j-1) ] / (N (1 - a))      for 0 < a < 1,
 *    (N a in double precision), so the boundary observation enters with its fractional weight
 *    (j - N a) in [0, 1); ES_0 = mean (as sum / N), ES_1 = max.
 *    It is coherent and continuous in a; it is >= the lower empirical quantile x_(j-1) but is
 *    not tied to the interpolated VaR above.
 *  - exceedance-probability curve: at each threshold t_k, P(X > t_k) = #{i : x_i > t_k} / N.
 *    Default thresholds: K evenly spaced from min (k = 0) to max (k = K-1).
 *  - return-period loss at exceedance probability p (return period 1/p scenarios): Q(1 - p),
 *    the level 1 - p computed in double precision.
 *  - mean and sd (N - 1 denominator, 0 when N < 2): exact-order two-pass moments of fixed
 *    1024-row windows aligned to the row index (ics_window_moments), windows merged pairwise
 *    (Chan et al.) in index order, so the result depends only on the data, never on the number
 *    of processes, on how the file was written, or on whether the window moments were computed while the
 *    data was produced (moments_dataset) or read back from the file. */
typedef struct ics_stats_request {
    const double *quantile_levels; /* [nquantiles], each in [0, 1] */
    int nquantiles;
    const double *var_levels;      /* [nvar]: levels a in [0, 1] for both VaR and CVaR */
    int nvar;
    const double *exceedance_probs; /* [nexceed]: p in [0, 1]; return-period losses Q(1-p) */
    int nexceed;
    const double *ep_thresholds;   /* optional [ep_points], finite, nondecreasing, shared by
                                      every column; NULL: evenly spaced per column */
    int ep_points;                 /* K; 0 -> 101; -1 -> no curve. With ep_thresholds it
                                      must be given. */
    const char *moments_dataset;   /* optional: a (W, m, ICS_WINDOW_FIELDS) dataset, W =
                                      ceil(N / ICS_STATS_WINDOW), whose row w is
                                      ics_window_moments of rows [1024 w, 1024 (w + 1)) of each
                                      column; then the moments come from it and the data are
                                      read only for the order statistics and the EP curve
                                      (not at all when none is requested) */
} ics_stats_request;

/* Window moments: the summary of ICS_STATS_WINDOW consecutive rows of one column (fewer in the
 * last window), which ics_rowstats merges in row order. ICS_WINDOW_FIELDS doubles:
 * [0] count, [1] sum, [2] m2 (sum of squared deviations from sum / count), [3] min, [4] max,
 * [5] -1 when every value is finite, else the offset of the first non-finite value in the
 * window, whose value is then in [1]. */
#define ICS_STATS_WINDOW 1024
#define ICS_WINDOW_FIELDS 6
/* Summarise x[0], x[stride], ..., x[(rows - 1) * stride] (1 <= rows <= ICS_STATS_WINDOW) into
 * rec[ICS_WINDOW_FIELDS]. Pure, allocation-free and thread-safe; the result depends only on the
 * values. */
void ics_window_moments(const double *x, int64_t rows, int64_t stride, double *rec);
/* The same for w adjacent columns at once (x[c], x[c + stride], ... for c < w) into rec[c *
 * ICS_WINDOW_FIELDS ...]: each column's record is bit for bit ics_window_moments' (its sums in
 * the same order), the columns taken side by side so that the loops run over contiguous values. */
void ics_window_moments_cols(const double *x, int64_t rows, int64_t stride, int64_t w,
                             double *rec);

/* Statistics of every column of a dataset; owned, free with ics_column_stats_free.
 * Per-level arrays are row-major (level, column): element [i * ncols + c], which is the
 * layout of the (L, m) datasets written by ics_write_column_stats. */
typedef struct ics_column_stats_result {
    char *source;             /* dataset path the statistics were computed from */
    int64_t count;            /* N (rows) */
    int64_t ncols;            /* m (1 for a 1-D dataset) */
    double *mean, *sd, *min, *max; /* [m]; NaN when N = 0 */
    int nquantiles;
    double *quantile_levels;  /* [nquantiles] */
    double *quantiles;        /* [nquantiles * m] */
    int nvar;
    double *var_levels;       /* [nvar] */
    double *var, *cvar;       /* [nvar * m] */
    int nexceed;
    double *exceedance_probs; /* [nexceed] */
    double *return_period_loss; /* [nexceed * m] */
    int ep_points;
    double *ep_threshold;     /* [ep_points * m] */
    double *ep_probability;   /* [ep_points * m] */
} ics_column_stats_result;

/* Free a result and clear the caller's pointer; accepts NULL and a pointer to NULL. */
void ics_column_stats_free(ics_column_stats_result **res);

/* Write res as a new group `group` (intermediate groups created), e.g.
 * "/statistics/total_output_loss", with H5P_DEFAULT properties (serial):
 *   attributes count (int64), source (string);
 *   mean, sd, min, max                     (m)
 *   quantiles                              (L, m)  attribute levels
 *   var, cvar                              (A, m)  attribute levels
 *   return_period_loss                     (P, m)  attribute exceedance_probability
 *   ep_curve/threshold, ep_curve/probability (K, m)
 * A dataset whose level list is empty is omitted. Each dataset carries a `definition` string
 * attribute. ICS_EIO if the group exists or a write fails. */
ics_status ics_write_column_stats(hid_t file, const char *group, const ics_column_stats_result *res,
                                  ics_error *err);

#endif
