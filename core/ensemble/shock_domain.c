/* The physical domain of each shock's parameter, and the checks that a law stays inside it and
 * produces finite numbers (ics_shock_domain.h). A demand, value added or capacity cannot go below
 * zero: a law that reaches out of its domain is refused unless it says `truncate: true`, in which
 * case draws outside are clipped at the bound (and counted in the result file). */
#include "ics_shock_domain.h"
#include "ics_rng.h"
#include "ics_scenario.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>

/* Below this probability of leaving the domain, an unbounded law (normal, lognormal) is
 * accepted without truncate: true: at most one draw in 10^9 is clipped (and counted). A normal
 * law 6 standard deviations inside the domain leaves it with probability 1e-9. */
#define DOMAIN_TAIL 1e-9
/* Quantiles that must be finite, and the largest |parameter| x |pattern| accepted: outputs
 * beyond 1e100 overflow the statistics' sums of squares (1e200 x n x scenarios). */
#define FINITE_P 1e-12
#define MAX_SCALE 1e100

void ics_shock_domain(ics_shock_type t, double *lo, double *hi, const char **meaning)
{
    *lo = -1.0, *hi = INFINITY;
    *meaning = "";
    switch (t) {
    case ICS_SHOCK_FINAL_DEMAND:
        *meaning = "below -1 final demand would be negative";
        break;
    case ICS_SHOCK_VALUE_ADDED:
        *meaning = "below -1 value added would be negative";
        break;
    case ICS_SHOCK_CAPACITY_LOSS:
        *lo = 0.0, *hi = 1.0;
        *meaning = "a loss is a share of capacity";
        break;
    case ICS_SHOCK_TRADE_RESTRICTION:
        *hi = 0.0;
        *meaning = "minus the share of the flows that can no longer be delivered";
        break;
    case ICS_SHOCK_COEFFICIENT:
        *meaning = "below -1 a coefficient would be negative";
        break;
    }
}

double ics_dist_cdf(const ics_dist *d, double x)
{
    switch (d->kind) {
    case ICS_DIST_CONST: return d->value < x ? 1.0 : 0.0;
    case ICS_DIST_UNIFORM:
        return x <= d->min ? 0.0 : x >= d->max ? 1.0 : (x - d->min) / (d->max - d->min);
    case ICS_DIST_NORMAL: return ics_norm_cdf((x - d->mean) / d->sd);
    case ICS_DIST_TRUNCNORMAL: {
        if (x <= d->min) return 0.0;
        if (x >= d->max) return 1.0;
        const double fa = ics_norm_cdf((d->min - d->mean) / d->sd);
        const double fb = ics_norm_cdf((d->max - d->mean) / d->sd);
        return fb > fa ? (ics_norm_cdf((x - d->mean) / d->sd) - fa) / (fb - fa) : 0.5;
    }
    case ICS_DIST_LOGNORMAL: return x <= 0 ? 0.0 : ics_norm_cdf((log(x) - d->mu) / d->sigma);
    case ICS_DIST_BETA:
        return x <= d->min ? 0.0 : x >= d->max ? 1.0
                                               : gsl_cdf_beta_P((x - d->min) / (d->max - d->min),
                                                                d->a, d->b);
    case ICS_DIST_TRIANGULAR: {
        const double a = d->min, c = d->mode, b = d->max;
        if (x <= a) return 0.0;
        if (x >= b) return 1.0;
        return x <= c ? (x - a) * (x - a) / ((b - a) * (c - a))
                      : 1.0 - (b - x) * (b - x) / ((b - a) * (b - c));
    }
    }
    return NAN;
}

/* The probability that a draw of d falls outside [lo, hi]. */
static double mass_outside(const ics_dist *d, double lo, double hi)
{
    double m = 0.0;
    if (isfinite(lo)) m += ics_dist_cdf(d, lo);
    if (isfinite(hi)) m += 1.0 - ics_dist_cdf(d, hi);
    return m;
}

static int bounded_law(const ics_dist *d)
{
    return d->kind != ICS_DIST_NORMAL && d->kind != ICS_DIST_LOGNORMAL;
}

ics_status ics_shock_check_domain(const char *cfgname, const ics_shock *sh, ics_error *err)
{
    const ics_dist *d = &sh->change;
    const char *key = sh->type == ICS_SHOCK_CAPACITY_LOSS ? "loss" : "change";
    double lo, hi;
    const char *meaning;
    ics_shock_domain(sh->type, &lo, &hi, &meaning);
    char range[64];
    snprintf(range, sizeof range, isinf(hi) ? "[%g, inf)" : "[%g, %g]", lo, hi);
    /* NaN-producing parameters first: a law must give finite values over its whole body */
    const double q0 = ics_dist_quantile(d, FINITE_P), q1 = ics_dist_quantile(d, 1.0 - FINITE_P);
    if (!isfinite(q0) || !isfinite(q1)) {
        char law[160];
        return ics_error_set(err, ICS_EINPUT, "%s:%d: shock '%s': key '%s': the law %s gives "
                             "non-finite values (its 1e-12 and 1-1e-12 quantiles are %g and %g); "
                             "use parameters of a sensible size", cfgname, sh->line, sh->name, key,
                             ics_dist_describe(d, law, sizeof law), q0, q1);
    }
    if (d->kind == ICS_DIST_CONST) {
        if (d->value < lo || d->value > hi)
            return ics_error_set(err, ICS_EINPUT, "%s:%d: shock '%s': key '%s' must lie in %s (%s), "
                                 "got %g", cfgname, sh->line, sh->name, key, range, meaning,
                                 d->value);
        return ICS_OK;
    }
    if (d->truncate) return ICS_OK; /* clipped at the bounds when sampled, and counted */
    const double out = mass_outside(d, lo, hi);
    if (bounded_law(d) && (d->min < lo || d->max > hi))
        return ics_error_set(err, ICS_EINPUT, "%s:%d: shock '%s': key '%s' must lie in %s (%s), "
                             "got the range [%g, %g] (add truncate: true to the distribution to "
                             "clip draws at the bound and count them)", cfgname, sh->line,
                             sh->name, key, range, meaning, d->min, d->max);
    if (!bounded_law(d) && out > DOMAIN_TAIL)
        return ics_error_set(err, ICS_EINPUT, "%s:%d: shock '%s': key '%s' must lie in %s (%s), "
                             "but %.3g of the law's draws fall outside (add truncate: true to the "
                             "distribution to clip them at the bound and count them, or use a "
                             "bounded law)", cfgname, sh->line, sh->name, key, range, meaning, out);
    return ICS_OK;
}

ics_status ics_shock_check_scale(const char *cfgname, const ics_shock *sh, double lo, double hi,
                                 double magnitude, ics_error *err)
{
    const ics_dist *d = &sh->change;
    double q0 = ics_dist_quantile(d, FINITE_P), q1 = ics_dist_quantile(d, 1.0 - FINITE_P);
    q0 = q0 < lo ? lo : q0 > hi ? hi : q0;
    q1 = q1 < lo ? lo : q1 > hi ? hi : q1;
    const double v = fabs(q0) > fabs(q1) ? fabs(q0) : fabs(q1);
    if (!(v * magnitude <= MAX_SCALE))
        return ics_error_set(err, ICS_EINPUT, "%s:%d: shock '%s': key '%s': values up to %g on "
                             "flows up to %g give changes of %g, beyond %g where the model's sums "
                             "and the statistics overflow", cfgname, sh->line, sh->name,
                             sh->type == ICS_SHOCK_CAPACITY_LOSS ? "loss" : "change", v, magnitude,
                             v * magnitude, MAX_SCALE);
    return ICS_OK;
}
