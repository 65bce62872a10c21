/* Scaling by region (ics_world_scale.h) and the WIOD 2011 frame scaled to 2022. */
#include "ics_gras.h"
#include "ics_nest.h"
#include "ics_world_scale.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* GDP (current US$), World Bank World Development Indicators (NY.GDP.MKTP.CD), USD bn, as
 * published in github datasets/gdp, data/gdp.csv (commit 822019c80142c162e4ca4eb1a63699ae36075078,
 * 2026-03-20; "sourced from the World Bank ... World Bank national accounts data, and OECD
 * National Accounts data files"). WDI has no separate Taiwan, but "Taiwan, China, is added to the
 * world aggregate" (World Bank Data Help Desk, "Where are your data on Taiwan?"), so TW and ROW
 * share the factor of the world residual. */
enum { WDI_USA, WDI_CHN, WDI_KOR, WDI_JPN, WDI_EUU, WDI_HRV, WDI_GBR, WDI_IDN, WDI_WLD, WDI_N };
static const double wdi_2011[WDI_N] = {15599.732, 7551.546, 1253.290, 6233.147, 15765.159,
                                       62.773,    2663.806, 892.969,  73957.793};
static const double wdi_2022[WDI_N] = {25744.108, 17881.783, 1673.917, 4256.411, 16761.497,
                                       71.997,    3088.840,  1319.076, 101225.060};

static const char *const world_regions[8] = {"US", "CN", "TW", "KR", "JP", "EU", "SEA", "ROW"};

/* The WIOD frame's regions from WDI: EU = EU27 - Croatia + United Kingdom (WIOD 2013's 26 EU
 * members and GBR), SEA = Indonesia (WIOD's only Southeast Asian country), TW and ROW = world -
 * the other six. */
void ics_world_scale_factors(double f[8], const char **regions)
{
    double g[2][8];
    for (int y = 0; y < 2; ++y) {
        const double *w = y ? wdi_2022 : wdi_2011;
        g[y][0] = w[WDI_USA];
        g[y][1] = w[WDI_CHN];
        g[y][3] = w[WDI_KOR];
        g[y][4] = w[WDI_JPN];
        g[y][5] = w[WDI_EUU] - w[WDI_HRV] + w[WDI_GBR];
        g[y][6] = w[WDI_IDN];
        g[y][2] = g[y][7] =
            w[WDI_WLD] - g[y][0] - g[y][1] - g[y][3] - g[y][4] - g[y][5] - g[y][6];
    }
    for (int r = 0; r < 8; ++r) {
        f[r] = g[1][r] / g[0][r];
        if (regions) regions[r] = world_regions[r];
    }
}

ics_status ics_table_scale_regions(ics_table *t, const char *const *regions, const double *factor,
                                   int nf, ics_error *err)
{
    ics_status st = ICS_OK;
    const int n = t->n, ny = t->ny, R = t->nreg, m = n + R, nc = n + ny;
    const char *src = t->source ? t->source : "table";
    double *fr = NULL, *A = NULL, *u = NULL, *v = NULL;
    ics_gras *g = NULL;
    ICS_ALLOC(fr, (size_t)R, err, "region factors");
    for (int r = 0; r < R; ++r) {
        int k = 0;
        while (k < nf && strcmp(regions[k], t->regions[r])) ++k;
        if (k == nf)
            ICS_FAIL(err, ICS_EINPUT, "%s: no scaling factor for region '%s'", src, t->regions[r]);
        if (!(factor[k] > 0) || !isfinite(factor[k]))
            ICS_FAIL(err, ICS_EINPUT, "%s: scaling factor %g of region '%s' is not positive", src,
                     factor[k], t->regions[r]);
        fr[r] = factor[k];
    }
    ICS_ALLOC(A, (size_t)m * nc, err, "scaling matrix");
    ICS_ALLOC(u, (size_t)m, err, "row targets");
    ICS_ALLOC(v, (size_t)nc, err, "column targets");
    double gdp = 0.0, fd = 0.0;
    for (int j = 0; j < n; ++j) {
        const int r = t->node_region[j];
        for (int i = 0; i < n; ++i) A[i + (size_t)j * m] = t->Z[i + (size_t)j * n];
        A[n + r + (size_t)j * m] = t->va[j];
        u[j] = v[j] = t->x[j] * fr[r];
        u[n + r] += t->va[j] * fr[r];
        gdp += t->va[j] * fr[r];
    }
    for (int k = 0; k < ny; ++k) {
        const int r = ics_table_find_region(t, t->y_region[k]);
        double s = 0.0;
        for (int i = 0; i < n; ++i) {
            A[i + (size_t)(n + k) * m] = t->Y[i + (size_t)k * n];
            s += t->Y[i + (size_t)k * n];
        }
        v[n + k] = s * (r >= 0 ? fr[r] : 1.0);
        fd += v[n + k];
    }
    if (!(fd > 0.0)) ICS_FAIL(err, ICS_EINPUT, "%s: no final demand to scale", src);
    for (int k = 0; k < ny; ++k) v[n + k] *= gdp / fd;
    if (!(g = ics_gras_create(m, nc, err))) {
        st = err && err->code != ICS_OK ? err->code : ICS_ENOMEM;
        goto done;
    }
    ics_gras_opts o = ICS_GRAS_DEFAULTS;
    ICS_TRY(ics_gras_solve(g, A, m, u, v, &o, A, m, NULL, NULL, NULL, err));
    for (int j = 0; j < n; ++j) {
        double col = 0.0;
        for (int i = 0; i < n; ++i) col += (t->Z[i + (size_t)j * n] = A[i + (size_t)j * m]);
        t->x[j] = u[j];
        t->va[j] = t->x[j] - col; /* the column balance exact; equals the fitted cell to 1e-12 */
    }
    for (int k = 0; k < ny; ++k)
        for (int i = 0; i < n; ++i) t->Y[i + (size_t)k * n] = A[i + (size_t)(n + k) * m];
    ICS_TRY(ics_table_close_rows_on_final_demand(t, NULL, err));
done:
    ics_gras_destroy(&g);
    free(fr);
    free(A);
    free(u);
    free(v);
    return st;
}

ics_status ics_table_world_frame_2022(ics_table **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_table *F = NULL;
    double f[8];
    const char *reg[8];
    *out = NULL;
    ICS_TRY(ics_table_world_frame(&F, err));
    ics_world_scale_factors(f, reg);
    ICS_TRY(ics_table_scale_regions(F, reg, f, 8, err));
    F->base_year = 2022;
    *out = F;
    F = NULL;
done:
    ics_table_destroy(&F);
    return st;
}
