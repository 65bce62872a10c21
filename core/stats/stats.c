/* Streaming moments and R-7 quantiles (see ics_stats.h). */
#include "ics_stats.h"

#include <math.h>
#include <stdlib.h>

void ics_moments_init(ics_moments *m)
{
    m->count = 0;
    m->mean = m->m2 = 0.0;
    m->min = INFINITY;
    m->max = -INFINITY;
}

void ics_moments_add(ics_moments *m, double v)
{
    m->count += 1;
    const double d = v - m->mean;
    m->mean += d / (double)m->count;
    m->m2 += d * (v - m->mean);
    if (v < m->min) m->min = v;
    if (v > m->max) m->max = v;
}

void ics_moments_merge(ics_moments *a, const ics_moments *b)
{
    if (b->count == 0) return;
    if (a->count == 0) {
        *a = *b;
        return;
    }
    const double na = (double)a->count, nb = (double)b->count, n = na + nb;
    const double d = b->mean - a->mean;
    a->mean += d * (nb / n);
    a->m2 += b->m2 + d * d * (na * nb / n);
    a->count += b->count;
    if (b->min < a->min) a->min = b->min;
    if (b->max > a->max) a->max = b->max;
}

double ics_moments_sd(const ics_moments *m)
{
    return m->count > 1 ? sqrt(m->m2 / (double)(m->count - 1)) : 0.0;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void ics_quantiles_r7(double *v, int64_t count, const double *levels, int nlev, double *q)
{
    if (count <= 0) {
        for (int i = 0; i < nlev; ++i) q[i] = NAN;
        return;
    }
    qsort(v, (size_t)count, sizeof *v, cmp_double);
    for (int i = 0; i < nlev; ++i) {
        const double h = (double)(count - 1) * levels[i];
        const int64_t lo = (int64_t)floor(h);
        const int64_t hi = lo + 1 < count ? lo + 1 : count - 1;
        q[i] = v[lo] + (h - (double)lo) * (v[hi] - v[lo]);
    }
}
