/* Streaming moments: count, mean, M2 (Welford), min, max per column, mergeable with the
 * Chan et al. pairwise formula so partial results combine in a fixed order; and R-7 quantiles
 * of a sample (Hyndman & Fan 1996, type 7: position (N-1)p, linear interpolation). */
#ifndef ICS_STATS_H
#define ICS_STATS_H

#include <stdint.h>

typedef struct ics_moments {
    int64_t count;
    double mean, m2, min, max;
} ics_moments;

void ics_moments_init(ics_moments *m);
void ics_moments_add(ics_moments *m, double v);
/* a <- a merged with b (a first, then b: fixed order gives reproducible results). */
void ics_moments_merge(ics_moments *a, const ics_moments *b);
/* Sample standard deviation (N - 1 in the denominator; 0 for N < 2). */
double ics_moments_sd(const ics_moments *m);

/* Sort v[count] in place and write the R-7 quantiles at levels[nlev] into q[nlev]. */
void ics_quantiles_r7(double *v, int64_t count, const double *levels, int nlev, double *q);

#endif
