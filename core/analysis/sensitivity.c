/* Sensitivity estimators (see ics_sensitivity.h) on the outputs of a design (random/design.c):
 * streamed co-moments with delta-method intervals, bootstrap intervals, Morris elementary
 * effects, and the /sensitivity group of a result file. */
#include "ics_sensitivity.h"
#include "ics_h5.h"
#include "ics_scenario.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Philox purpose of the bootstrap. ics_rng.h numbers the engine's streams from 1 upwards; this
 * is far from that range so that a stream added there never collides with it (random/design.c's
 * Morris trajectories use 0x53454e01). */
#define SENS_RNG_BOOTSTRAP 0x53454e02u /* resample b: (b, draw) */

#define SENS_MAX_FACTORS ICS_SENS_MAX_FACTORS

static double z_of(double conf_level)
{
    return ics_norm_ppf(0.5 + 0.5 * conf_level);
}

/* ---------------------------------------------------------------------------------------- */
/* Sobol' estimators: means and co-moments of the per-row terms                             */

typedef struct sens_mom {
    int64_t n;
    double ma, mq, caa, caq, cqq;
    double *m1, *m2, *m3;                  /* [G], [G], [npair] means */
    double *ca1, *cq1, *c11, *ca2, *cq2, *c22; /* [G] co-moments */
} sens_mom;

struct ics_sobol_acc {
    int G, so, npair;
    sens_mom tot, blk;
    double *buf;                           /* one allocation behind both moment sets */
};

static void mom_bind(sens_mom *m, double *p, int G, int npair)
{
    m->m1 = p, p += G;
    m->m2 = p, p += G;
    m->m3 = p, p += npair;
    m->ca1 = p, p += G;
    m->cq1 = p, p += G;
    m->c11 = p, p += G;
    m->ca2 = p, p += G;
    m->cq2 = p, p += G;
    m->c22 = p;
}

static size_t mom_size(int G, int npair)
{
    return (size_t)8 * G + npair;
}

static void mom_zero(sens_mom *m, int G, int npair)
{
    m->n = 0;
    m->ma = m->mq = m->caa = m->caq = m->cqq = 0.0;
    memset(m->m1, 0, sizeof(double) * mom_size(G, npair));
}

ics_status ics_sobol_acc_create(int G, int second_order, ics_sobol_acc **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_sobol_acc *a = NULL;
    ICS_ALLOC(a, 1, err, "the Sobol' accumulator");
    a->G = G, a->so = second_order, a->npair = second_order ? G * (G - 1) / 2 : 0;
    const size_t sz = mom_size(G, a->npair);
    ICS_ALLOC(a->buf, 2 * sz, err, "the Sobol' accumulator");
    mom_bind(&a->tot, a->buf, G, a->npair);
    mom_bind(&a->blk, a->buf + sz, G, a->npair);
    *out = a;
    a = NULL;
done:
    ics_sobol_acc_destroy(&a);
    return st;
}

void ics_sobol_acc_destroy(ics_sobol_acc **ap)
{
    if (!ap || !*ap) return;
    free((*ap)->buf);
    free(*ap);
    *ap = NULL;
}

/* Chan, Golub & LeVeque: merge moments b (following) into a. */
static void mom_merge(sens_mom *a, const sens_mom *b, int G, int npair)
{
    if (b->n == 0) return;
    if (a->n == 0) {
        a->n = b->n;
        a->ma = b->ma, a->mq = b->mq, a->caa = b->caa, a->caq = b->caq, a->cqq = b->cqq;
        memcpy(a->m1, b->m1, sizeof(double) * mom_size(G, npair));
        return;
    }
    const double na = (double)a->n, nb = (double)b->n, n = na + nb, w = na * nb / n;
    const double da = b->ma - a->ma, dq = b->mq - a->mq;
    a->caa += b->caa + da * da * w;
    a->caq += b->caq + da * dq * w;
    a->cqq += b->cqq + dq * dq * w;
    for (int g = 0; g < G; ++g) {
        const double d1 = b->m1[g] - a->m1[g], d2 = b->m2[g] - a->m2[g];
        a->ca1[g] += b->ca1[g] + da * d1 * w;
        a->cq1[g] += b->cq1[g] + dq * d1 * w;
        a->c11[g] += b->c11[g] + d1 * d1 * w;
        a->ca2[g] += b->ca2[g] + da * d2 * w;
        a->cq2[g] += b->cq2[g] + dq * d2 * w;
        a->c22[g] += b->c22[g] + d2 * d2 * w;
        a->m1[g] += d1 * nb / n;
        a->m2[g] += d2 * nb / n;
    }
    for (int q = 0; q < npair; ++q) a->m3[q] += (b->m3[q] - a->m3[q]) * nb / n;
    a->ma += da * nb / n;
    a->mq += dq * nb / n;
    a->n += b->n;
}

void ics_sobol_acc_block(ics_sobol_acc *a, int64_t nrows, const double *f, int64_t ld, double mu)
{
    const int G = a->G, so = a->so, stride = so ? 2 * G + 2 : G + 2;
    sens_mom *m = &a->blk;
    mom_zero(m, G, a->npair);
    if (nrows <= 0) return;
    /* pass 1: means */
    for (int64_t j = 0; j < nrows; ++j) {
        const double *row = f + j * ld;
        const double fa = row[0] - mu, fb = row[stride - 1] - mu;
        m->ma += 0.5 * (fa + fb);
        m->mq += 0.5 * (fa * fa + fb * fb);
        for (int g = 0; g < G; ++g) {
            const double fab = row[1 + g] - mu;
            m->m1[g] += fb * (fab - fa);
            m->m2[g] += (fa - fab) * (fa - fab);
        }
        for (int g = 0, q = 0; so && g < G; ++g)
            for (int h = g + 1; h < G; ++h, ++q)
                m->m3[q] += (row[1 + G + g] - mu) * (row[1 + h] - mu) - fa * fb;
    }
    const double inv = 1.0 / (double)nrows;
    m->ma *= inv, m->mq *= inv;
    for (int g = 0; g < G; ++g) m->m1[g] *= inv, m->m2[g] *= inv;
    for (int q = 0; q < a->npair; ++q) m->m3[q] *= inv;
    /* pass 2: co-moments about the block means */
    for (int64_t j = 0; j < nrows; ++j) {
        const double *row = f + j * ld;
        const double fa = row[0] - mu, fb = row[stride - 1] - mu;
        const double da = 0.5 * (fa + fb) - m->ma, dq = 0.5 * (fa * fa + fb * fb) - m->mq;
        m->caa += da * da, m->caq += da * dq, m->cqq += dq * dq;
        for (int g = 0; g < G; ++g) {
            const double fab = row[1 + g] - mu;
            const double d1 = fb * (fab - fa) - m->m1[g], d2 = (fa - fab) * (fa - fab) - m->m2[g];
            m->ca1[g] += da * d1, m->cq1[g] += dq * d1, m->c11[g] += d1 * d1;
            m->ca2[g] += da * d2, m->cq2[g] += dq * d2, m->c22[g] += d2 * d2;
        }
    }
    m->n = nrows;
    mom_merge(&a->tot, m, G, a->npair);
}

void ics_sobol_acc_merge(ics_sobol_acc *dst, const ics_sobol_acc *src)
{
    mom_merge(&dst->tot, &src->tot, dst->G, dst->npair);
}

void ics_sobol_acc_rows(ics_sobol_acc *a, int64_t nrows, const double *f, int64_t ld, double mu)
{
    for (int64_t j = 0; j < nrows; j += ICS_SENS_BLOCK_ROWS) {
        const int64_t nb = nrows - j < ICS_SENS_BLOCK_ROWS ? nrows - j : ICS_SENS_BLOCK_ROWS;
        ics_sobol_acc_block(a, nb, f + j * ld, ld, mu);
    }
}

ics_status ics_sobol_indices_alloc(int G, int second_order, ics_sobol_indices *r, ics_error *err)
{
    ics_status st = ICS_OK;
    memset(r, 0, sizeof *r);
    r->G = G, r->second_order = second_order;
    ICS_ALLOC(r->S1, G, err, "indices");
    ICS_ALLOC(r->ST, G, err, "indices");
    ICS_ALLOC(r->S1_conf, G, err, "indices");
    ICS_ALLOC(r->ST_conf, G, err, "indices");
    ICS_ALLOC(r->S1_boot, G, err, "indices");
    ICS_ALLOC(r->ST_boot, G, err, "indices");
    if (second_order) {
        ICS_ALLOC(r->S2, (size_t)G * G, err, "indices");
        ICS_ALLOC(r->S2_boot, (size_t)G * G, err, "indices");
        for (size_t q = 0; q < (size_t)G * G; ++q) r->S2[q] = r->S2_boot[q] = NAN;
    }
    for (int g = 0; g < G; ++g) r->S1_boot[g] = r->ST_boot[g] = NAN;
done:
    if (st != ICS_OK) ics_sobol_indices_free(r);
    return st;
}

void ics_sobol_indices_free(ics_sobol_indices *r)
{
    if (!r) return;
    free(r->S1), free(r->ST), free(r->S1_conf), free(r->ST_conf);
    free(r->S2), free(r->S1_boot), free(r->ST_boot), free(r->S2_boot);
    memset(r, 0, sizeof *r);
}

/* Delta-method variance of m_y / (c V), V = m_q - m_a^2, from the covariance (per row) of
 * (a, q, y). */
static double delta_var(double ma, double mq, double my, double c, double saa, double saq,
                        double sqq, double say, double sqy, double syy, double n)
{
    const double V = mq - ma * ma;
    const double ga = 2.0 * ma * my / (c * V * V), gq = -my / (c * V * V), gy = 1.0 / (c * V);
    const double v = ga * ga * saa + gq * gq * sqq + gy * gy * syy + 2.0 * ga * gq * saq +
                     2.0 * ga * gy * say + 2.0 * gq * gy * sqy;
    return v > 0.0 ? v / n : 0.0;
}

void ics_sobol_acc_indices(const ics_sobol_acc *a, double mu, double conf_level,
                           ics_sobol_indices *out)
{
    const sens_mom *m = &a->tot;
    const int G = a->G;
    const double n = (double)m->n, z = z_of(conf_level), dof = n > 1 ? n - 1.0 : 1.0;
    const double V = m->mq - m->ma * m->ma;
    out->N = m->n;
    out->mean = m->ma + mu;
    out->variance = V;
    const int ok = V > 0.0 && isfinite(V);
    for (int g = 0; g < G; ++g) {
        if (!ok) {
            out->S1[g] = out->ST[g] = out->S1_conf[g] = out->ST_conf[g] = NAN;
            continue;
        }
        out->S1[g] = m->m1[g] / V;
        out->ST[g] = m->m2[g] / (2.0 * V);
        out->S1_conf[g] = z * sqrt(delta_var(m->ma, m->mq, m->m1[g], 1.0, m->caa / dof,
                                             m->caq / dof, m->cqq / dof, m->ca1[g] / dof,
                                             m->cq1[g] / dof, m->c11[g] / dof, n));
        out->ST_conf[g] = z * sqrt(delta_var(m->ma, m->mq, m->m2[g], 2.0, m->caa / dof,
                                             m->caq / dof, m->cqq / dof, m->ca2[g] / dof,
                                             m->cq2[g] / dof, m->c22[g] / dof, n));
    }
    if (a->so && out->S2)
        for (int g = 0, q = 0; g < G; ++g)
            for (int h = g + 1; h < G; ++h, ++q) {
                const double s2 = ok ? m->m3[q] / V - out->S1[g] - out->S1[h] : NAN;
                out->S2[(size_t)g * G + h] = out->S2[(size_t)h * G + g] = s2;
            }
}

ics_status ics_sobol_bootstrap(int64_t N, const double *f, int64_t ld, double mu, int nboot,
                               uint64_t seed, double conf_level, ics_sobol_indices *out,
                               ics_error *err)
{
    ics_status st = ICS_OK;
    const int G = out->G, so = out->second_order, stride = so ? 2 * G + 2 : G + 2;
    const int npair = so ? G * (G - 1) / 2 : 0;
    double *s1 = NULL, *s2 = NULL, *s3 = NULL, *mean = NULL, *m2 = NULL;
    const int nidx = 2 * G + npair; /* S1[G], ST[G], S2 pairs */
    if (nboot < 2) return ICS_OK;
    ICS_ALLOC(s1, G, err, "bootstrap sums");
    ICS_ALLOC(s2, G, err, "bootstrap sums");
    ICS_ALLOC(s3, npair ? npair : 1, err, "bootstrap sums");
    ICS_ALLOC(mean, nidx, err, "bootstrap moments");
    ICS_ALLOC(m2, nidx, err, "bootstrap moments");
    const ics_rng_key key = ics_rng_key_make(seed, SENS_RNG_BOOTSTRAP);
    for (int b = 0; b < nboot; ++b) {
        double sa = 0.0, sq = 0.0;
        memset(s1, 0, sizeof *s1 * (size_t)G);
        memset(s2, 0, sizeof *s2 * (size_t)G);
        memset(s3, 0, sizeof *s3 * (size_t)(npair ? npair : 1));
        for (int64_t t = 0; t < N; ++t) {
            int64_t j = (int64_t)(ics_rng_uniform(key, (uint64_t)b, (uint64_t)t) * (double)N);
            if (j >= N) j = N - 1;
            const double *row = f + j * ld;
            const double fa = row[0] - mu, fb = row[stride - 1] - mu;
            sa += 0.5 * (fa + fb);
            sq += 0.5 * (fa * fa + fb * fb);
            for (int g = 0; g < G; ++g) {
                const double fab = row[1 + g] - mu;
                s1[g] += fb * (fab - fa);
                s2[g] += (fa - fab) * (fa - fab);
            }
            for (int g = 0, q = 0; so && g < G; ++g)
                for (int h = g + 1; h < G; ++h, ++q)
                    s3[q] += (row[1 + G + g] - mu) * (row[1 + h] - mu) - fa * fb;
        }
        const double inv = 1.0 / (double)N, ma = sa * inv, V = sq * inv - ma * ma;
        for (int x = 0; x < nidx; ++x) {
            double v;
            if (x < G)
                v = s1[x] * inv / V;
            else if (x < 2 * G)
                v = s2[x - G] * inv / (2.0 * V);
            else {
                int q = x - 2 * G, g = 0;
                while (q >= G - 1 - g) q -= G - 1 - g, ++g;
                const int h = g + 1 + q;
                v = s3[x - 2 * G] * inv / V - s1[g] * inv / V - s1[h] * inv / V;
            }
            const double d = v - mean[x];
            mean[x] += d / (b + 1);
            m2[x] += d * (v - mean[x]);
        }
    }
    {
        const double z = z_of(conf_level);
        for (int x = 0; x < nidx; ++x) {
            const double h = z * sqrt(m2[x] / (nboot - 1));
            if (x < G)
                out->S1_boot[x] = h;
            else if (x < 2 * G)
                out->ST_boot[x - G] = h;
            else {
                int q = x - 2 * G, g = 0;
                while (q >= G - 1 - g) q -= G - 1 - g, ++g;
                const int hh = g + 1 + q;
                out->S2_boot[(size_t)g * G + hh] = out->S2_boot[(size_t)hh * G + g] = h;
            }
        }
    }
done:
    free(s1), free(s2), free(s3), free(mean), free(m2);
    return st;
}

/* ---------------------------------------------------------------------------------------- */
/* Morris                                                                                     */

ics_status ics_morris_analyze(const ics_sens_design *d, const double *f, int nboot,
                              double conf_level, ics_morris_result *out, ics_error *err)
{
    ics_status st = ICS_OK;
    const int G = d->G;
    const int64_t r = d->N;
    double *ee = NULL;
    memset(out, 0, sizeof *out);
    out->G = G;
    ICS_ALLOC(out->mu, G, err, "Morris results");
    ICS_ALLOC(out->mu_star, G, err, "Morris results");
    ICS_ALLOC(out->sigma, G, err, "Morris results");
    ICS_ALLOC(out->mu_star_conf, G, err, "Morris results");
    ICS_ALLOC(ee, (size_t)r * G, err, "elementary effects");
    {
        int lev[SENS_MAX_FACTORS], dir[SENS_MAX_FACTORS], perm[SENS_MAX_FACTORS];
        for (int64_t t = 0; t < r; ++t) {
            ics_sens_morris_trajectory(d, t, lev, dir, perm);
            const double *y = f + t * d->stride;
            for (int s = 1; s <= G; ++s) {
                const int g = perm[s - 1], sign = dir[d->group_members[d->group_start[g]]];
                ee[(size_t)t * G + g] = sign * (y[s] - y[s - 1]) / d->delta;
            }
        }
    }
    for (int g = 0; g < G; ++g) {
        double m = 0.0, ma = 0.0, m2 = 0.0;
        for (int64_t t = 0; t < r; ++t) {
            const double e = ee[(size_t)t * G + g], dl = e - m;
            m += dl / (double)(t + 1);
            m2 += dl * (e - m);
            ma += fabs(e);
        }
        out->mu[g] = m;
        out->mu_star[g] = ma / (double)r;
        out->sigma[g] = r > 1 ? sqrt(m2 / (double)(r - 1)) : NAN;
        out->mu_star_conf[g] = NAN;
    }
    if (nboot >= 2) {
        const ics_rng_key key = ics_rng_key_make(d->seed, SENS_RNG_BOOTSTRAP);
        const double z = z_of(conf_level);
        for (int g = 0; g < G; ++g) {
            double m = 0.0, m2 = 0.0;
            for (int b = 0; b < nboot; ++b) {
                double s = 0.0;
                for (int64_t t = 0; t < r; ++t) {
                    int64_t j = (int64_t)(ics_rng_uniform(key, (uint64_t)b, (uint64_t)t) * (double)r);
                    if (j >= r) j = r - 1;
                    s += fabs(ee[(size_t)j * G + g]);
                }
                const double v = s / (double)r, dl = v - m;
                m += dl / (b + 1);
                m2 += dl * (v - m);
            }
            out->mu_star_conf[g] = z * sqrt(m2 / (nboot - 1));
        }
    }
done:
    free(ee);
    if (st != ICS_OK) ics_morris_result_free(out);
    return st;
}

void ics_morris_result_free(ics_morris_result *r)
{
    if (!r) return;
    free(r->mu), free(r->mu_star), free(r->sigma), free(r->mu_star_conf);
    memset(r, 0, sizeof *r);
}

/* ---------------------------------------------------------------------------------------- */
/* Targets                                                                                    */

void ics_sens_targets_free(ics_sens_target **tp, int n)
{
    if (!tp || !*tp) return;
    for (int i = 0; i < n; ++i) free((*tp)[i].name), free((*tp)[i].dataset);
    free(*tp);
    *tp = NULL;
}

static ics_status push_target(ics_sens_target **list, int *n, int *cap, const char *name,
                              const char *dsname, int column, ics_error *err)
{
    if (*n == *cap) {
        const int nc = *cap ? 2 * *cap : 8;
        ics_sens_target *t = realloc(*list, sizeof *t * (size_t)nc);
        if (!t) return ics_error_set(err, ICS_ENOMEM, "out of memory for the targets");
        *list = t, *cap = nc;
    }
    ics_sens_target *t = &(*list)[*n];
    char ds[512];
    snprintf(ds, sizeof ds, "/scenarios/%s", dsname);
    t->name = ics_strdup(name, err);
    t->dataset = ics_strdup(ds, err);
    t->column = column;
    ++*n;
    if (!t->name || !t->dataset) return ICS_ENOMEM;
    return ICS_OK;
}

ics_status ics_sens_resolve_targets(const char *cfgpath, char *const *names, int nnames,
                                    const ics_sens_output *outs, int nouts,
                                    ics_sens_target **out, int *nout, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_sens_target *list = NULL;
    int n = 0, cap = 0;
    const char *cfgname = cfgpath ? cfgpath : "config";
    for (int i = 0; i < nnames; ++i) {
        const char *nm = names[i];
        int found = 0;
        for (int o = 0; o < nouts && !found; ++o) {
            const ics_sens_output *x = &outs[o];
            const size_t len = strlen(x->name);
            if (!strcmp(nm, x->name)) {
                found = 1;
                if (x->width == 1 && !x->labels) {
                    ICS_TRY(push_target(&list, &n, &cap, nm, x->name, -1, err));
                } else {
                    for (int c = 0; c < x->width; ++c) {
                        char full[512];
                        snprintf(full, sizeof full, "%s/%s", x->name, x->labels[c]);
                        ICS_TRY(push_target(&list, &n, &cap, full, x->name, c, err));
                    }
                }
            } else if (!strncmp(nm, x->name, len) && nm[len] == '/' && x->labels) {
                for (int c = 0; c < x->width; ++c)
                    if (!strcmp(nm + len + 1, x->labels[c])) {
                        found = 1;
                        ICS_TRY(push_target(&list, &n, &cap, nm, x->name, c, err));
                    }
                if (!found) {
                    const char *near = ics_nearest(nm + len + 1, (const char *const *)x->labels,
                                                   x->width);
                    ICS_FAIL(err, ICS_EINPUT, "%s: sensitivity: target '%s': '%s' has no column "
                             "'%s'%s%s%s", cfgname, nm, x->name, nm + len + 1,
                             near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
                }
            }
        }
        if (!found) {
            char list_s[1024] = "";
            size_t used = 0;
            for (int o = 0; o < nouts && used + 2 < sizeof list_s; ++o)
                used += (size_t)snprintf(list_s + used, sizeof list_s - used, "%s%s", o ? ", " : "",
                                         outs[o].name);
            ICS_FAIL(err, ICS_EINPUT, "%s: sensitivity: target '%s' is not an output of this run "
                     "(per-scenario outputs: %s; output_loss_by_region/segment need "
                     "output.store)", cfgname, nm, list_s);
        }
    }
    *out = list, *nout = n;
    list = NULL;
done:
    ics_sens_targets_free(&list, n);
    return st;
}

/* ---------------------------------------------------------------------------------------- */
/* Analysis of a result file                                                                  */

static ics_status read_column(hid_t file, const ics_sens_target *t, int64_t expect, double *f,
                              ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t ds = H5I_INVALID_HID, fs = H5I_INVALID_HID, ms = H5I_INVALID_HID;
    hsize_t dims[2] = {0, 1};
    if ((ds = H5Dopen2(file, t->dataset, H5P_DEFAULT)) < 0)
        ICS_FAIL(err, ICS_EIO, "sensitivity: cannot open %s", t->dataset);
    fs = H5Dget_space(ds);
    const int rank = H5Sget_simple_extent_ndims(fs);
    H5Sget_simple_extent_dims(fs, dims, NULL);
    if ((int64_t)dims[0] != expect || rank < 1 || rank > 2 || (t->column >= 0) != (rank == 2) ||
        (rank == 2 && (hsize_t)t->column >= dims[1]))
        ICS_FAIL(err, ICS_EINPUT, "sensitivity: %s has %llu rows (rank %d); the design has %lld "
                 "scenarios", t->dataset, (unsigned long long)dims[0], rank, (long long)expect);
    hsize_t start[2] = {0, (hsize_t)(t->column > 0 ? t->column : 0)}, count[2] = {dims[0], 1};
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL);
    ms = H5Screate_simple(1, count, NULL);
    if (H5Dread(ds, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, f) < 0)
        ICS_FAIL(err, ICS_EIO, "sensitivity: cannot read %s", t->dataset);
    for (int64_t i = 0; i < expect; ++i)
        if (!isfinite(f[i]))
            ICS_FAIL(err, ICS_ENUMERIC, "sensitivity: %s: scenario %lld is not finite (%g)",
                     t->name, (long long)i, f[i]);
done:
    if (ms >= 0) H5Sclose(ms);
    if (fs >= 0) H5Sclose(fs);
    if (ds >= 0) H5Dclose(ds);
    return st;
}

/* Append printf output to a growing string. */
static void rep_add(char **rep, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void rep_add(char **rep, size_t *len, size_t *cap, const char *fmt, ...)
{
    if (!rep) return;
    va_list ap;
    va_start(ap, fmt);
    char line[1024];
    int w = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (w < 0) return;
    if ((size_t)w >= sizeof line) w = (int)sizeof line - 1;
    if (*len + (size_t)w + 1 > *cap) {
        size_t nc = *cap ? *cap * 2 : 4096;
        while (nc < *len + (size_t)w + 1) nc *= 2;
        char *p = realloc(*rep, nc);
        if (!p) return;
        *rep = p, *cap = nc;
    }
    memcpy(*rep + *len, line, (size_t)w + 1);
    *len += (size_t)w;
}

static void rank_desc(const double *v, int n, int *order)
{
    /* insertion sort, NaN last; stable for ties (factor order) */
    for (int i = 0; i < n; ++i) {
        int j = i;
        while (j > 0 && (isnan(v[order[j - 1]]) ? !isnan(v[i]) : (!isnan(v[i]) && v[i] > v[order[j - 1]]))) {
            order[j] = order[j - 1];
            --j;
        }
        order[j] = i;
    }
}

static ics_status write_vec(hid_t file, const char *grp, const char *name, const double *v,
                            int n, const char *definition, ics_error *err)
{
    ics_status st = ICS_OK;
    char path[768];
    const int64_t dims[1] = {n};
    snprintf(path, sizeof path, "%s/%s", grp, name);
    ICS_TRY(ics_h5_write_array(file, path, 1, dims, v, err));
    if (definition) {
        hid_t ds = H5Dopen2(file, path, H5P_DEFAULT);
        st = ics_h5_attr_str(ds, "definition", definition, err);
        H5Dclose(ds);
    }
done:
    return st;
}

ics_status ics_sens_analyze_file(hid_t file, const ics_sens_design *d,
                                 const ics_sens_target *targets, int ntargets,
                                 const ics_sens_analysis_opts *opts, char **report,
                                 double *max_st_half, ics_error *err)
{
    ics_status st = ICS_OK;
    const int64_t total = ics_sens_design_scenarios(d);
    const int G = d->G;
    const int nboot = !opts || opts->nboot == 0 ? 200 : opts->nboot < 0 ? 0 : opts->nboot;
    const double conf = opts && opts->conf_level > 0 ? opts->conf_level : 0.95;
    double *f = NULL, *tmp = NULL;
    int *order = NULL;
    ics_sobol_acc *acc = NULL;
    ics_sobol_indices ix;
    ics_morris_result mr;
    hid_t grp = H5I_INVALID_HID;
    size_t rlen = 0, rcap = 0;
    memset(&ix, 0, sizeof ix);
    memset(&mr, 0, sizeof mr);
    if (report) *report = NULL;
    if (max_st_half) *max_st_half = d->method == ICS_SENS_SOBOL ? 0.0 : NAN;
    ICS_ALLOC(f, total, err, "the target's outputs");
    ICS_ALLOC(tmp, (size_t)G * G, err, "indices");
    ICS_ALLOC(order, G, err, "ranking");
    if (d->method == ICS_SENS_SOBOL) {
        ICS_TRY(ics_sobol_acc_create(G, d->second_order, &acc, err));
        ICS_TRY(ics_sobol_indices_alloc(G, d->second_order, &ix, err));
    }
    if (H5Lexists(file, "/sensitivity", H5P_DEFAULT) > 0) H5Ldelete(file, "/sensitivity", H5P_DEFAULT);
    ICS_TRY(ics_h5_write_strings(file, "/sensitivity/factors", d->group_names, G, err));
    ICS_TRY(ics_h5_write_strings(file, "/sensitivity/design_factors", d->factor_names, d->k, err));
    for (int i = 0; i < d->k; ++i) tmp[i] = d->group_of[i];
    {
        const int64_t dims[1] = {d->k};
        ICS_TRY(ics_h5_write_array(file, "/sensitivity/design_factor_group", 1, dims, tmp, err));
    }
    for (int it = 0; it < ntargets; ++it) {
        const ics_sens_target *t = &targets[it];
        char gp[600];
        snprintf(gp, sizeof gp, "/sensitivity/%s", t->name);
        ICS_TRY(read_column(file, t, total, f, err));
        if (d->method == ICS_SENS_SOBOL) {
            /* centring: the mean of the A and B outputs, summed in row order */
            double s = 0.0;
            for (int64_t j = 0; j < d->N; ++j) s += f[j * d->stride] + f[j * d->stride + d->stride - 1];
            const double mu = s / (2.0 * (double)d->N);
            mom_zero(&acc->tot, G, acc->npair);
            ics_sobol_acc_rows(acc, d->N, f, d->stride, mu);
            ics_sobol_acc_indices(acc, mu, conf, &ix);
            ICS_TRY(ics_sobol_bootstrap(d->N, f, d->stride, mu, nboot, d->seed, conf, &ix, err));
            ICS_TRY(write_vec(file, gp, "S1", ix.S1, G, "first-order index, Saltelli et al. (2010): "
                              "mean(fB (fAB_i - fA)) / V on outputs centred by mean([fA; fB])", err));
            ICS_TRY(write_vec(file, gp, "ST", ix.ST, G, "total index, Jansen (1999): "
                              "mean((fA - fAB_i)^2) / (2 V)", err));
            ICS_TRY(write_vec(file, gp, "S1_conf", ix.S1_conf, G, "half-width of the asymptotic "
                              "interval (delta method on the streamed co-moments, Janon et al. 2014)",
                              err));
            ICS_TRY(write_vec(file, gp, "ST_conf", ix.ST_conf, G, "half-width of the asymptotic "
                              "interval (delta method on the streamed co-moments, Janon et al. 2014)",
                              err));
            if (nboot >= 2) {
                ICS_TRY(write_vec(file, gp, "S1_conf_bootstrap", ix.S1_boot, G, "z * bootstrap "
                                  "sd over resamples of the base rows", err));
                ICS_TRY(write_vec(file, gp, "ST_conf_bootstrap", ix.ST_boot, G, "z * bootstrap "
                                  "sd over resamples of the base rows", err));
            }
            if (d->second_order) {
                const int64_t dims[2] = {G, G};
                char path[700];
                snprintf(path, sizeof path, "%s/S2", gp);
                ICS_TRY(ics_h5_write_array(file, path, 2, dims, ix.S2, err));
                snprintf(path, sizeof path, "%s/S2_conf", gp);
                ICS_TRY(ics_h5_write_array(file, path, 2, dims, ix.S2_boot, err));
            }
            if ((grp = H5Gopen2(file, gp, H5P_DEFAULT)) < 0)
                ICS_FAIL(err, ICS_EIO, "cannot open %s", gp);
            ICS_TRY(ics_h5_attr_f64(grp, "mean", &ix.mean, 1, err));
            ICS_TRY(ics_h5_attr_f64(grp, "variance", &ix.variance, 1, err));
            ICS_TRY(ics_h5_attr_str(grp, "dataset", t->dataset, err));
            ICS_TRY(ics_h5_attr_i64(grp, "column", t->column, err));
            H5Gclose(grp), grp = H5I_INVALID_HID;
            for (int g = 0; g < G && max_st_half; ++g)
                if (!(ix.ST_conf[g] <= *max_st_half)) *max_st_half = ix.ST_conf[g];
            /* the ranked table */
            double s1sum = 0.0, stsum = 0.0;
            for (int g = 0; g < G; ++g) s1sum += ix.S1[g], stsum += ix.ST[g];
            rank_desc(ix.ST, G, order);
            rep_add(report, &rlen, &rcap, "\nSobol' indices of %s (N = %lld base samples, %lld "
                    "scenarios; mean %.6g, variance %.6g; +- %g%% half-widths, asymptotic%s)\n",
                    t->name, (long long)d->N, (long long)total, ix.mean, ix.variance, 100 * conf,
                    nboot >= 2 ? " / bootstrap" : "");
            rep_add(report, &rlen, &rcap, "  %4s  %-40s %8s %8s %8s %8s%s\n", "rank", "factor", "S1",
                    "+-", "ST", "+-", nboot >= 2 ? "   (bootstrap S1, ST)" : "");
            for (int q = 0; q < G; ++q) {
                const int g = order[q];
                rep_add(report, &rlen, &rcap, "  %4d  %-40s %8.4f %8.4f %8.4f %8.4f", q + 1,
                        d->group_names[g], ix.S1[g], ix.S1_conf[g], ix.ST[g], ix.ST_conf[g]);
                if (nboot >= 2)
                    rep_add(report, &rlen, &rcap, "   (%.4f, %.4f)", ix.S1_boot[g], ix.ST_boot[g]);
                rep_add(report, &rlen, &rcap, "\n");
            }
            rep_add(report, &rlen, &rcap, "  sum S1 = %.4f (1 - sum S1 = %.4f is the share of "
                    "interactions), sum ST = %.4f\n", s1sum, 1.0 - s1sum, stsum);
        } else {
            ICS_TRY(ics_morris_analyze(d, f, nboot, conf, &mr, err));
            ICS_TRY(write_vec(file, gp, "mu", mr.mu, G, "mean elementary effect (per unit of the "
                              "scaled factor, x in [0, 1])", err));
            ICS_TRY(write_vec(file, gp, "mu_star", mr.mu_star, G, "mean absolute elementary "
                              "effect (Campolongo et al. 2007)", err));
            ICS_TRY(write_vec(file, gp, "sigma", mr.sigma, G, "sd of the elementary effects "
                              "(r - 1 denominator)", err));
            ICS_TRY(write_vec(file, gp, "mu_star_conf", mr.mu_star_conf, G, "z * bootstrap sd of "
                              "mu_star over resamples of the trajectories", err));
            if ((grp = H5Gopen2(file, gp, H5P_DEFAULT)) < 0)
                ICS_FAIL(err, ICS_EIO, "cannot open %s", gp);
            ICS_TRY(ics_h5_attr_str(grp, "dataset", t->dataset, err));
            ICS_TRY(ics_h5_attr_i64(grp, "column", t->column, err));
            H5Gclose(grp), grp = H5I_INVALID_HID;
            rank_desc(mr.mu_star, G, order);
            rep_add(report, &rlen, &rcap, "\nMorris elementary effects of %s (r = %lld "
                    "trajectories, %d levels, delta %.4g, %lld scenarios)\n", t->name,
                    (long long)d->N, d->levels, d->delta, (long long)total);
            rep_add(report, &rlen, &rcap, "  %4s  %-40s %11s %11s %11s %11s\n", "rank", "factor",
                    "mu*", "+-", "mu", "sigma");
            for (int q = 0; q < G; ++q) {
                const int g = order[q];
                rep_add(report, &rlen, &rcap, "  %4d  %-40s %11.4g %11.4g %11.4g %11.4g\n", q + 1,
                        d->group_names[g], mr.mu_star[g], mr.mu_star_conf[g], mr.mu[g], mr.sigma[g]);
            }
            ics_morris_result_free(&mr);
        }
    }
    if ((grp = H5Gopen2(file, "/sensitivity", H5P_DEFAULT)) < 0)
        ICS_FAIL(err, ICS_EIO, "cannot open /sensitivity");
    {
        char layout[256];
        if (d->method == ICS_SENS_SOBOL)
            snprintf(layout, sizeof layout, "scenario j*%d + r of base row j: r = 0 A, 1..%d A_B(g)%s, "
                     "%d B", d->stride, G, d->second_order ? ", then B_A(g)" : "", d->stride - 1);
        else
            snprintf(layout, sizeof layout, "scenario t*%d + s: step s of trajectory t (s = 0 its "
                     "base point)", d->stride);
        ICS_TRY(ics_h5_attr_str(grp, "method", d->method == ICS_SENS_SOBOL ? "sobol" : "morris", err));
        ICS_TRY(ics_h5_attr_str(grp, "sampler", d->method == ICS_SENS_SOBOL
                                                    ? ics_sampler_name(d->sampler)
                                                    : "morris trajectories (philox)", err));
        ICS_TRY(ics_h5_attr_i64(grp, "seed", (int64_t)d->seed, err));
        ICS_TRY(ics_h5_attr_i64(grp, "N", d->N, err));
        ICS_TRY(ics_h5_attr_i64(grp, "k", d->k, err));
        ICS_TRY(ics_h5_attr_i64(grp, "groups", G, err));
        ICS_TRY(ics_h5_attr_i64(grp, "stride", d->stride, err));
        ICS_TRY(ics_h5_attr_i64(grp, "scenarios", total, err));
        ICS_TRY(ics_h5_attr_str(grp, "layout", layout, err));
        ICS_TRY(ics_h5_attr_f64(grp, "conf_level", &conf, 1, err));
        ICS_TRY(ics_h5_attr_i64(grp, "bootstrap_resamples", nboot, err));
        if (d->method == ICS_SENS_SOBOL) {
            ICS_TRY(ics_h5_attr_i64(grp, "second_order", d->second_order, err));
            ICS_TRY(ics_h5_attr_str(grp, "estimators", "S1: Saltelli et al. (2010); ST: Jansen "
                                    "(1999); S2: Saltelli (2002); outputs centred; A, B from one "
                                    "2k-dimensional point set", err));
            ICS_TRY(ics_h5_attr_str(grp, "conf_method", "S1_conf, ST_conf: asymptotic (delta "
                                    "method, Janon et al. 2014); *_conf_bootstrap, S2_conf: "
                                    "bootstrap over base rows", err));
        } else {
            ICS_TRY(ics_h5_attr_i64(grp, "levels", d->levels, err));
            ICS_TRY(ics_h5_attr_f64(grp, "delta", &d->delta, 1, err));
            ICS_TRY(ics_h5_attr_str(grp, "estimators", "Morris (1991) elementary effects; mu* of "
                                    "Campolongo et al. (2007)", err));
        }
    }
done:
    if (grp >= 0) H5Gclose(grp);
    ics_sobol_acc_destroy(&acc);
    ics_sobol_indices_free(&ix);
    ics_morris_result_free(&mr);
    free(f), free(tmp), free(order);
    if (st != ICS_OK && report) free(*report), *report = NULL;
    return st;
}
