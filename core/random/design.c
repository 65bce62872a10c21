/* Sensitivity designs (see ics_design.h): Saltelli pick-and-freeze rows from one 2k-dimensional
 * point set and Morris trajectories on a p-level grid, every scenario addressable by its global
 * index. The estimators on the outputs are analysis/sensitivity.c's. */
#include "ics_design.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Philox purpose of the Morris trajectories. ics_rng.h numbers the engine's streams from 1
 * upwards; this is far from that range so that a stream added there never collides with it
 * (analysis/sensitivity.c's bootstrap uses 0x53454e02). */
#define SENS_RNG_MORRIS 0x53454e01u    /* trajectories: (t, factor) base levels, (t, k+q) order */

#define SENS_MAX_FACTORS ICS_SENS_MAX_FACTORS

ics_status ics_sens_design_create(const ics_sens_spec *spec, ics_sens_design **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_sens_design *d = NULL;
    const int k = spec->k;
    if (k < 1 || k > SENS_MAX_FACTORS)
        ICS_FAIL(err, ICS_EINPUT, "sensitivity: %d factors; between 1 and %d are supported (the "
                 "design uses 2k dimensions)", k, SENS_MAX_FACTORS);
    if (spec->N < 2)
        ICS_FAIL(err, ICS_EINPUT, "sensitivity: %lld %s; at least 2 are needed", (long long)spec->N,
                 spec->method == ICS_SENS_MORRIS ? "trajectories" : "base samples");
    const int levels = spec->levels ? spec->levels : 4;
    if (spec->method == ICS_SENS_MORRIS && (levels < 2 || levels % 2))
        ICS_FAIL(err, ICS_EINPUT, "sensitivity: Morris levels must be even and >= 2, got %d", levels);
    ICS_ALLOC(d, 1, err, "the sensitivity design");
    d->method = spec->method;
    d->sampler = spec->sampler;
    d->seed = spec->seed;
    d->k = k;
    d->N = spec->N;
    d->second_order = spec->method == ICS_SENS_SOBOL && spec->second_order;
    d->levels = levels;
    d->delta = (double)levels / (2.0 * (levels - 1));
    d->G = spec->ngroups > 0 ? spec->ngroups : k;
    ICS_ALLOC(d->factor_names, k, err, "factor names");
    ICS_ALLOC(d->group_of, k, err, "groups");
    ICS_ALLOC(d->group_names, d->G, err, "group names");
    ICS_ALLOC(d->group_start, d->G + 1, err, "groups");
    ICS_ALLOC(d->group_members, k, err, "groups");
    for (int i = 0; i < k; ++i) {
        char buf[32];
        snprintf(buf, sizeof buf, "x%d", i + 1);
        const char *nm = spec->factor_names ? spec->factor_names[i] : buf;
        if (!(d->factor_names[i] = ics_strdup(nm, err))) ICS_FAIL(err, ICS_ENOMEM, "out of memory");
        const int g = spec->ngroups > 0 ? spec->group_of[i] : i;
        if (g < 0 || g >= d->G)
            ICS_FAIL(err, ICS_EINPUT, "sensitivity: factor %d is in group %d of %d", i, g, d->G);
        d->group_of[i] = g;
        d->group_start[g + 1]++;
    }
    for (int g = 0; g < d->G; ++g) {
        if (d->group_start[g + 1] == 0)
            ICS_FAIL(err, ICS_EINPUT, "sensitivity: group %d has no factor", g);
        d->group_start[g + 1] += d->group_start[g];
        const char *nm = spec->ngroups > 0 ? spec->group_names[g] : d->factor_names[g];
        if (!(d->group_names[g] = ics_strdup(nm, err))) ICS_FAIL(err, ICS_ENOMEM, "out of memory");
    }
    {
        int fill[SENS_MAX_FACTORS];
        for (int g = 0; g < d->G; ++g) fill[g] = d->group_start[g];
        for (int i = 0; i < k; ++i) d->group_members[fill[d->group_of[i]]++] = i;
    }
    if (d->method == ICS_SENS_SOBOL) {
        d->stride = d->second_order ? 2 * d->G + 2 : d->G + 2;
        ICS_TRY(ics_sampler_create(spec->sampler, spec->seed, spec->N, 2 * k, &d->base, err));
    } else {
        d->stride = d->G + 1;
        d->key = ics_rng_key_make(spec->seed, SENS_RNG_MORRIS);
    }
    if (spec->N > INT64_MAX / d->stride)
        ICS_FAIL(err, ICS_EINPUT, "sensitivity: %lld base samples x %d runs each overflow",
                 (long long)spec->N, d->stride);
    *out = d;
    d = NULL;
done:
    ics_sens_design_destroy(&d);
    return st;
}

void ics_sens_design_destroy(ics_sens_design **dp)
{
    if (!dp || !*dp) return;
    ics_sens_design *d = *dp;
    if (d->factor_names)
        for (int i = 0; i < d->k; ++i) free(d->factor_names[i]);
    if (d->group_names)
        for (int g = 0; g < d->G; ++g) free(d->group_names[g]);
    free(d->factor_names), free(d->group_names), free(d->group_of);
    free(d->group_start), free(d->group_members);
    ics_sampler_destroy(&d->base);
    free(d);
    *dp = NULL;
}

int64_t ics_sens_design_scenarios(const ics_sens_design *d)
{
    return d->N * d->stride;
}

void ics_sens_morris_trajectory(const ics_sens_design *d, int64_t t, int *lev, int *dir, int *perm)
{
    const int p = d->levels;
    for (int i = 0; i < d->k; ++i) {
        int l = (int)(ics_rng_uniform(d->key, (uint64_t)t, (uint64_t)i) * p);
        if (l > p - 1) l = p - 1;
        lev[i] = l;
        dir[i] = l < p / 2 ? 1 : -1;
    }
    for (int g = 0; g < d->G; ++g) perm[g] = g;
    for (int g = d->G - 1; g > 0; --g) { /* Fisher-Yates */
        const double u = ics_rng_uniform(d->key, (uint64_t)t, (uint64_t)(d->k + g));
        int j = (int)(u * (g + 1));
        if (j > g) j = g;
        const int tmp = perm[g];
        perm[g] = perm[j];
        perm[j] = tmp;
    }
}

void ics_sens_morris_step(const ics_sens_design *d, int64_t t, int s, int *group, int *sign)
{
    int lev[SENS_MAX_FACTORS], dir[SENS_MAX_FACTORS], perm[SENS_MAX_FACTORS];
    ics_sens_morris_trajectory(d, t, lev, dir, perm);
    *group = perm[s - 1];
    *sign = dir[d->group_members[d->group_start[*group]]];
}

void ics_sens_design_fill(const ics_sens_design *d, int64_t first, int b, double *U, int ldu)
{
    const int k = d->k, G = d->G;
    assert(first >= 0 && first + b <= ics_sens_design_scenarios(d));
    if (d->method == ICS_SENS_SOBOL) {
        double ab[2 * SENS_MAX_FACTORS];
        int64_t cached = -1;
        for (int c = 0; c < b; ++c) {
            const int64_t i = first + c, j = i / d->stride;
            const int r = (int)(i % d->stride);
            if (j != cached) {
                ics_sampler_fill(d->base, j, 1, ab);
                cached = j;
            }
            const double *A = ab, *B = ab + k;
            double *u = U + (size_t)c * ldu;
            if (r == d->stride - 1) {
                memcpy(u, B, sizeof *u * (size_t)k);
            } else if (r <= G) { /* A (r = 0) or A_B^(r-1) */
                memcpy(u, A, sizeof *u * (size_t)k);
                if (r > 0) {
                    const int g = r - 1;
                    for (int q = d->group_start[g]; q < d->group_start[g + 1]; ++q)
                        u[d->group_members[q]] = B[d->group_members[q]];
                }
            } else { /* B_A^(g) */
                const int g = r - 1 - G;
                memcpy(u, B, sizeof *u * (size_t)k);
                for (int q = d->group_start[g]; q < d->group_start[g + 1]; ++q)
                    u[d->group_members[q]] = A[d->group_members[q]];
            }
        }
        return;
    }
    int lev[SENS_MAX_FACTORS], dir[SENS_MAX_FACTORS], perm[SENS_MAX_FACTORS];
    unsigned char moved[SENS_MAX_FACTORS];
    int64_t cached = -1;
    const int p = d->levels;
    for (int c = 0; c < b; ++c) {
        const int64_t i = first + c, t = i / d->stride;
        const int s = (int)(i % d->stride);
        if (t != cached) {
            ics_sens_morris_trajectory(d, t, lev, dir, perm);
            cached = t;
        }
        memset(moved, 0, (size_t)G);
        for (int q = 0; q < s; ++q) moved[perm[q]] = 1;
        double *u = U + (size_t)c * ldu;
        for (int f = 0; f < k; ++f) {
            const int l = lev[f] + (moved[d->group_of[f]] ? dir[f] * (p / 2) : 0);
            u[f] = (2.0 * l + 1.0) / (2.0 * p); /* grid x = l/(p-1) to the stratum centre */
        }
    }
}
