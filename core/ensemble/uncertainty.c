/* Calibration-uncertainty factors of a plan (see ics_uncertainty.h). */
#include "ics_uncertainty.h"
#include "ics_design.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const unc_names[ICS_UNC_MAX] = {"inventory", "table", "alpha_max",
                                                   "build_lag", "requalification"};

const char *ics_unc_name(int kind)
{
    return kind >= 0 && kind < ICS_UNC_MAX ? unc_names[kind] : "unknown";
}

static int unc_given(const ics_config *cfg, int kind)
{
    switch (kind) {
    case ICS_UNC_INVENTORY: return cfg->unc_has_inventory;
    case ICS_UNC_TABLE: return cfg->unc_has_table;
    case ICS_UNC_ALPHA_MAX: return cfg->unc_has_amax;
    case ICS_UNC_BUILD_LAG: return cfg->unc_has_lag;
    case ICS_UNC_REQUAL: return cfg->unc_has_requal;
    default: return 0;
    }
}

int ics_unc_row(const ics_config *cfg, int kind)
{
    if (!unc_given(cfg, kind)) return -1;
    int row = 0;
    for (int q = 0; q < kind; ++q) row += unc_given(cfg, q);
    return row;
}

void ics_unc_inventory_segments(const ics_config *cfg, const ics_table *t, unsigned char *sel)
{
    memset(sel, cfg->unc_ninv_segments ? 0 : 1, (size_t)t->nseg);
    for (int q = 0; q < cfg->unc_ninv_segments; ++q) {
        const int s = ics_table_find_segment(t, cfg->unc_inv_segments[q]);
        if (s >= 0) sel[s] = 1;
    }
}

ics_status ics_plan_uncertainty_setup(const ics_config *cfg, const ics_table *t, ics_plan *p,
                                      ics_error *err)
{
    const char *cfgname = cfg->path ? cfg->path : "config";
    p->nunc = 0;
    if (!cfg->unc_line) return ICS_OK;
    for (int s = 0; s < cfg->nshocks; ++s)
        if (!strcmp(cfg->shocks[s].name, ICS_UNC_GROUP))
            return ics_error_set(err, ICS_EINPUT, "%s:%d: shock '%s': the name is taken by the "
                                 "uncertainty section's parameters (/scenarios/parameters/%s); "
                                 "rename the shock", cfgname, cfg->shocks[s].line,
                                 cfg->shocks[s].name, ICS_UNC_GROUP);
    if (cfg->unc_has_inventory) {
        if (cfg->model != ICS_MODEL_ARIO)
            return ics_error_set(err, ICS_EINPUT, "%s:%d: uncertainty: key 'inventory': model %s "
                                 "has no inventory targets (they belong to model: ario)", cfgname,
                                 cfg->unc_inventory_line, ics_model_name(cfg->model));
        for (int q = 0; q < cfg->unc_ninv_segments; ++q)
            if (ics_table_find_segment(t, cfg->unc_inv_segments[q]) < 0) {
                const char *hint = ics_nearest(cfg->unc_inv_segments[q],
                                               (const char *const *)t->segments, t->nseg);
                return ics_error_set(err, ICS_EINPUT, "%s:%d: uncertainty: inventory_segments: "
                                     "'%s' is not a segment of the table%s%s%s", cfgname,
                                     cfg->unc_inv_seg_lines[q], cfg->unc_inv_segments[q],
                                     hint ? "; did you mean '" : "", hint ? hint : "",
                                     hint ? "'?" : "");
            }
        p->unc_kind[p->nunc] = ICS_UNC_INVENTORY;
        p->unc_dist[p->nunc] = cfg->unc_inventory;
        p->dim_unc[p->nunc] = -1;
        ++p->nunc;
    }
    if (cfg->unc_has_table) {
        /* the draw index: uniform on {0 .. K-1}, floor(u K) of the dimension's uniform u */
        ics_dist d = {0};
        d.kind = cfg->unc_table_draws > 1 ? ICS_DIST_UNIFORM : ICS_DIST_CONST;
        d.value = 0.0, d.min = 0.0, d.max = cfg->unc_table_draws;
        p->unc_kind[p->nunc] = ICS_UNC_TABLE;
        p->unc_dist[p->nunc] = d;
        p->dim_unc[p->nunc] = -1;
        ++p->nunc;
    }
    /* ARIO's overproduction cap, build lag and requalification lag */
    const int mkind[3] = {ICS_UNC_ALPHA_MAX, ICS_UNC_BUILD_LAG, ICS_UNC_REQUAL};
    const int mgiven[3] = {cfg->unc_has_amax, cfg->unc_has_lag, cfg->unc_has_requal};
    const int mline[3] = {cfg->unc_amax_line, cfg->unc_lag_line, cfg->unc_requal_line};
    const ics_dist *const mdist[3] = {&cfg->unc_amax, &cfg->unc_lag, &cfg->unc_requal};
    const char *const mwhat[3] = {"overproduction cap", "build lag", "requalification lag"};
    for (int q = 0; q < 3; ++q) {
        if (!mgiven[q]) continue;
        if (cfg->model != ICS_MODEL_ARIO)
            return ics_error_set(err, ICS_EINPUT, "%s:%d: uncertainty: key '%s': model %s has no "
                                 "%s (it belongs to model: ario)", cfgname, mline[q],
                                 ics_unc_name(mkind[q]), ics_model_name(cfg->model), mwhat[q]);
        p->unc_kind[p->nunc] = mkind[q];
        p->unc_dist[p->nunc] = *mdist[q];
        p->dim_unc[p->nunc] = -1;
        ++p->nunc;
    }
    return ICS_OK;
}

void ics_plan_uncertainty(const ics_plan *p, int64_t first, int b, double *V)
{
    enum { STACK_VALUES = 4096 };
    double U[STACK_VALUES];
    const int nd = p->ndims > 0 ? p->ndims : 1, nu = p->nunc;
    const int chunk = STACK_VALUES / nd > 0 ? STACK_VALUES / nd : 1;
    int random = 0;
    for (int u = 0; u < nu; ++u) random |= p->dim_unc[u] >= 0;
    for (int j0 = 0; j0 < b; j0 += chunk) {
        const int c = b - j0 < chunk ? b - j0 : chunk;
        if (random) { /* no copula: the uncertainty dimensions are never correlated */
            if (p->design)
                ics_sens_design_fill(p->design, first + j0, c, U, p->ndims);
            else
                ics_sampler_fill(p->sampler, first + j0, c, U);
        }
        for (int j = 0; j < c; ++j) {
            const double *uj = U + (size_t)j * p->ndims;
            for (int u = 0; u < nu; ++u) {
                double v = p->dim_unc[u] < 0 ? p->unc_dist[u].value
                                             : ics_dist_quantile(&p->unc_dist[u], uj[p->dim_unc[u]]);
                if (p->unc_kind[u] == ICS_UNC_TABLE) { /* a whole draw index below K */
                    v = floor(v);
                    if (v > p->unc_dist[u].max - 1.0) v = p->unc_dist[u].max - 1.0;
                    if (v < 0.0) v = 0.0;
                }
                V[u + (size_t)(j0 + j) * nu] = v;
            }
        }
    }
}
