/* The pieces of exact statistics shared by every engine (see ics_finalstats.h): window moments,
 * which a run computes while it writes the data, and the result's release and writing. The
 * statistics themselves are computed by ics_rowstats (rowstats.c). */
#include "ics_finalstats.h"

#include "ics_h5.h"
#include "ics_simd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ics_window_moments(const double *x, int64_t rows, int64_t stride, double *rec)
{
    /* four independent partial sums (no dependency chain), min, max and a finiteness test
     * (v - v is 0 exactly when v is finite) in one sweep, then the deviations */
    double s[4] = {0, 0, 0, 0}, lo = INFINITY, hi = -INFINITY;
    int finite = 1;
    int64_t r = 0;
    for (; r + 4 <= rows; r += 4)
        for (int q = 0; q < 4; ++q) {
            const double v = x[(r + q) * stride];
            s[q] += v;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
            finite &= v - v == 0.0;
        }
    for (; r < rows; ++r) {
        const double v = x[r * stride];
        s[0] += v;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
        finite &= v - v == 0.0;
    }
    rec[0] = (double)rows;
    rec[5] = -1.0;
    if (!finite) {
        for (r = 0; isfinite(x[r * stride]); ++r) {}
        rec[1] = x[r * stride];
        rec[2] = rec[3] = rec[4] = 0.0;
        rec[5] = (double)r;
        return;
    }
    const double sum = (s[0] + s[1]) + (s[2] + s[3]), mean = sum / (double)rows;
    double d = 0.0, dd = 0.0;
    for (r = 0; r < rows; ++r) {
        const double e = x[r * stride] - mean;
        d += e;
        dd += e * e;
    }
    rec[1] = sum;
    rec[2] = dd - d * d / (double)rows; /* the corrected two-pass formula */
    if (!(rec[2] > 0.0)) rec[2] = 0.0;
    rec[3] = lo;
    rec[4] = hi;
}

/* Cloned per vector width (kernels/ics_simd.h): the loops over the columns are elementwise and
 * ISO C mode keeps contraction off, so every clone gives the same bits. */
ICS_SIMD_CLONES void ics_window_moments_cols(const double *x, int64_t rows, int64_t stride,
                                             int64_t w, double *rec)
{
    enum { MAXW = 16 };
    for (int64_t c0 = 0; c0 < w; c0 += MAXW) {
        const int wc = (int)(w - c0 < MAXW ? w - c0 : MAXW);
        const double *xc = x + c0;
        /* per column exactly ics_window_moments' operations, in its order; the loops over the
         * columns are elementwise (no sum is reassociated), so they may be vectorised */
        double s[4][MAXW], lo[MAXW], hi[MAXW], bad[MAXW], mean[MAXW], d[MAXW], dd[MAXW];
        for (int c = 0; c < wc; ++c) {
            s[0][c] = s[1][c] = s[2][c] = s[3][c] = 0.0;
            lo[c] = INFINITY, hi[c] = -INFINITY, bad[c] = 0.0, d[c] = dd[c] = 0.0;
        }
        int64_t r = 0;
        for (; r + 4 <= rows; r += 4)
            for (int q = 0; q < 4; ++q) {
                const double *xr = xc + (r + q) * stride;
                for (int c = 0; c < wc; ++c) {
                    const double v = xr[c];
                    s[q][c] += v;
                    lo[c] = v < lo[c] ? v : lo[c];
                    hi[c] = v > hi[c] ? v : hi[c];
                    bad[c] += v - v; /* 0 while every value is finite, else NaN */
                }
            }
        for (; r < rows; ++r) {
            const double *xr = xc + r * stride;
            for (int c = 0; c < wc; ++c) {
                const double v = xr[c];
                s[0][c] += v;
                lo[c] = v < lo[c] ? v : lo[c];
                hi[c] = v > hi[c] ? v : hi[c];
                bad[c] += v - v;
            }
        }
        for (int c = 0; c < wc; ++c)
            mean[c] = ((s[0][c] + s[1][c]) + (s[2][c] + s[3][c])) / (double)rows;
        for (r = 0; r < rows; ++r) {
            const double *xr = xc + r * stride;
            for (int c = 0; c < wc; ++c) {
                const double e = xr[c] - mean[c];
                d[c] += e;
                dd[c] += e * e;
            }
        }
        for (int c = 0; c < wc; ++c) {
            double *rc = rec + (c0 + c) * ICS_WINDOW_FIELDS;
            if (bad[c] != 0.0) { /* a non-finite value: the single-column form reports it */
                ics_window_moments(xc + c, rows, stride, rc);
                continue;
            }
            rc[0] = (double)rows;
            rc[1] = (s[0][c] + s[1][c]) + (s[2][c] + s[3][c]);
            rc[2] = dd[c] - d[c] * d[c] / (double)rows;
            if (!(rc[2] > 0.0)) rc[2] = 0.0;
            rc[3] = lo[c];
            rc[4] = hi[c];
            rc[5] = -1.0;
        }
    }
}


void ics_column_stats_free(ics_column_stats_result **res)
{
    if (!res || !*res) return;
    ics_column_stats_result *r = *res;
    free(r->source);
    free(r->mean);
    free(r->sd);
    free(r->min);
    free(r->max);
    free(r->quantile_levels);
    free(r->quantiles);
    free(r->var_levels);
    free(r->var);
    free(r->cvar);
    free(r->exceedance_probs);
    free(r->return_period_loss);
    free(r->ep_threshold);
    free(r->ep_probability);
    free(r);
    *res = NULL;
}

/* ---------------------------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------------------------- */

static ics_status attr_vec(hid_t obj, const char *name, const double *v, int n, ics_error *err)
{
    ics_status st = ICS_OK;
    hsize_t dim = (hsize_t)n;
    hid_t space = H5Screate_simple(1, &dim, NULL);
    hid_t attr = ics_h5_fault() ? H5I_INVALID_HID
                                : H5Acreate2(obj, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0 || H5Awrite(attr, H5T_NATIVE_DOUBLE, v) < 0)
        st = ics_h5_fail(err, ICS_EIO, obj, NULL, "cannot write the attribute '%s'", name);
    if (attr >= 0) H5Aclose(attr);
    H5Sclose(space);
    return st;
}

/* Dataset `name` under loc: shape (m) when rows == 0, else (rows, m); with a definition and
 * optionally a level attribute. */
static ics_status put(hid_t loc, const char *group, const char *name, int64_t rows, int64_t m,
                      const double *data, const char *attr, const double *attr_v,
                      const char *definition, ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t dset = H5I_INVALID_HID;
    const int64_t dims[2] = {rows ? rows : m, m};
    ICS_TRY(ics_h5_dataset(loc, name, rows ? 2 : 1, dims, 0, 0, &dset, err));
    if (ics_h5_fault() || H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        ICS_H5_FAIL(err, dset, NULL, "cannot write the dataset");
    if (attr) ICS_TRY(attr_vec(dset, attr, attr_v, (int)rows, err));
    ICS_TRY(ics_h5_attr_str(dset, "definition", definition, err));
done:
    if (dset >= 0) H5Dclose(dset);
    return st;
}

ics_status ics_write_column_stats(hid_t file, const char *group, const ics_column_stats_result *res,
                                  ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t g = H5I_INVALID_HID, ep = H5I_INVALID_HID;
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    {
        H5E_auto2_t efunc = NULL;
        void *edata = NULL;
        H5Eget_auto2(H5E_DEFAULT, &efunc, &edata);
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
        g = ics_h5_fault() ? H5I_INVALID_HID : H5Gcreate2(file, group, lcpl, H5P_DEFAULT, H5P_DEFAULT);
        H5Eset_auto2(H5E_DEFAULT, efunc, edata);
    }
    if (g < 0)
        ICS_H5_FAIL(err, file, NULL, "cannot create the statistics group %s", group);
    const int64_t m = res->ncols;
    ICS_TRY(ics_h5_attr_i64(g, "count", res->count, err));
    ICS_TRY(ics_h5_attr_str(g, "source", res->source ? res->source : "", err));
    ICS_TRY(put(g, group, "mean", 0, m, res->mean, NULL, NULL,
                "arithmetic mean (Welford in 1024-row blocks, pairwise Chan merges in row order)",
                err));
    ICS_TRY(put(g, group, "sd", 0, m, res->sd, NULL, NULL,
                "sample standard deviation, N - 1 denominator (0 when N < 2)", err));
    ICS_TRY(put(g, group, "min", 0, m, res->min, NULL, NULL, "smallest value", err));
    ICS_TRY(put(g, group, "max", 0, m, res->max, NULL, NULL, "largest value", err));
    if (res->nquantiles > 0)
        ICS_TRY(put(g, group, "quantiles", res->nquantiles, m, res->quantiles, "levels",
                    res->quantile_levels,
                    "exact R-7 quantile (Hyndman-Fan type 7, numpy default): h = (N-1)p, "
                    "x(floor h) + (h - floor h)(x(floor h + 1) - x(floor h)), x sorted, 0-based",
                    err));
    if (res->nvar > 0) {
        ICS_TRY(put(g, group, "var", res->nvar, m, res->var, "levels", res->var_levels,
                    "value at risk: exact R-7 quantile at level a", err));
        ICS_TRY(put(g, group, "cvar", res->nvar, m, res->cvar, "levels", res->var_levels,
                    "expected shortfall (Acerbi-Tasche) of the empirical distribution: "
                    "1/(1-a) int_a^1 F^-1(u) du = [sum_{k>=j} x(k) + (j - N a) x(j-1)] / "
                    "(N (1-a)), j = ceil(N a), x sorted, 0-based; mean at a = 0, max at a = 1",
                    err));
    }
    if (res->nexceed > 0)
        ICS_TRY(put(g, group, "return_period_loss", res->nexceed, m, res->return_period_loss,
                    "exceedance_probability", res->exceedance_probs,
                    "exact R-7 quantile at level 1 - p for exceedance probability p "
                    "(return period 1/p scenarios)",
                    err));
    if (res->ep_points > 0) {
        ep = ics_h5_fault() ? H5I_INVALID_HID
                            : H5Gcreate2(g, "ep_curve", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        if (ep < 0) ICS_H5_FAIL(err, g, NULL, "cannot create the group ep_curve");
        ICS_TRY(put(ep, group, "threshold", res->ep_points, m, res->ep_threshold, NULL, NULL,
                    "thresholds t_k of the exceedance-probability curve", err));
        ICS_TRY(put(ep, group, "probability", res->ep_points, m, res->ep_probability, NULL,
                    NULL, "exceedance probability: fraction of scenarios with value > t_k", err));
    }
done:
    if (ep >= 0) H5Gclose(ep);
    if (g >= 0) H5Gclose(g);
    H5Pclose(lcpl);
    return st;
}
