/* Neumaier-compensated summation, shared by the final-statistics engines (finalstats.c,
 * rowstats.c): tail sums of many values stay accurate to a few ulps, and the result depends
 * only on the order of the additions. Internal to stats/. */
#ifndef ICS_KSUM_H
#define ICS_KSUM_H

#include <math.h>

typedef struct ksum {
    double s, c;
} ksum;

static inline void ks_add(ksum *k, double x)
{
    const double t = k->s + x;
    if (fabs(k->s) >= fabs(x))
        k->c += (k->s - t) + x;
    else
        k->c += (x - t) + k->s;
    k->s = t;
}

static inline void ks_addk(ksum *k, const ksum *o)
{
    ks_add(k, o->s);
    ks_add(k, o->c);
}

static inline double ks_val(const ksum *k) { return k->s + k->c; }

#endif
