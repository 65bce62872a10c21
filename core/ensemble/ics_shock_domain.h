/* The physical domain of a shock's parameter (`change` or `loss`) and the checks made on its law
 * before any computation: finite values, inside the domain (or `truncate: true`), and a size the
 * model's sums can hold. docs/config.md, "Physical domain of the parameters". */
#ifndef ICS_SHOCK_DOMAIN_H
#define ICS_SHOCK_DOMAIN_H

#include "ics_config.h"
#include "ics_error.h"

/* Domain [lo, hi] of a shock type's parameter and a phrase saying why (static strings). */
void ics_shock_domain(ics_shock_type t, double *lo, double *hi, const char **meaning);
/* P(X < x) for law d (pure; any kind). */
double ics_dist_cdf(const ics_dist *d, double x);
/* ICS_EINPUT ("FILE:LINE: shock 's': key 'change': ...") when the law's 1e-12 or 1-1e-12 quantile
 * is not finite, when a constant lies outside the domain, or, without truncate: true, when a
 * bounded law's range leaves the domain or an unbounded law leaves it with probability > 1e-9. */
ics_status ics_shock_check_domain(const char *cfgname, const ics_shock *sh, ics_error *err);
/* ICS_EINPUT when the law's extreme quantiles (clipped to [lo, hi]) times `magnitude` (the largest
 * entry of the shock's pattern, in table units) exceed 1e100. */
ics_status ics_shock_check_scale(const char *cfgname, const ics_shock *sh, double lo, double hi,
                                 double magnitude, ics_error *err);

#endif
