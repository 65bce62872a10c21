/* The sensitivity design of a config on a scenario plan (see ics_plan_design.h): factor names
 * from the plan's dimensions, groups from the config merged with the copula's sets. */
#include "ics_plan_design.h"
#include "ics_uncertainty.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SENS_MAX_FACTORS ICS_SENS_MAX_FACTORS

static int uf_find(int *parent, int x)
{
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
}

ics_status ics_sens_design_for_plan(const ics_config *cfg, const ics_plan *p,
                                    ics_sens_design **out, ics_error *err)
{
    ics_status st = ICS_OK;
    const char *cfgname = cfg->path ? cfg->path : "config";
    const int k = p->ndims;
    char **names = NULL, **gnames = NULL;
    int *ug = NULL, *parent = NULL, *gof = NULL, *compgroup = NULL;
    int G = 0;
    if (k == 0)
        ICS_FAIL(err, ICS_EINPUT, "%s:%d: sensitivity: the config has no random parameter (every "
                 "change/loss is a constant and every probability is 1): nothing to analyse",
                 cfgname, cfg->sens_line);
    if (k > SENS_MAX_FACTORS)
        ICS_FAIL(err, ICS_EINPUT, "%s:%d: sensitivity: %d factors; at most %d are supported",
                 cfgname, cfg->sens_line, k, SENS_MAX_FACTORS);
    ICS_ALLOC(names, k, err, "factor names");
    ICS_ALLOC(gnames, k, err, "group names");
    ICS_ALLOC(ug, k, err, "groups");
    ICS_ALLOC(parent, k, err, "groups");
    ICS_ALLOC(gof, k, err, "groups");
    ICS_ALLOC(compgroup, k, err, "groups");
    for (int s = 0; s < p->k; ++s) {
        char buf[512];
        if (p->dim_change[s] >= 0) {
            snprintf(buf, sizeof buf, "%s/%s", p->names[s],
                     cfg->shocks[s].type == ICS_SHOCK_CAPACITY_LOSS ? "loss" : "change");
            if (!(names[p->dim_change[s]] = ics_strdup(buf, err))) ICS_FAIL(err, ICS_ENOMEM, "oom");
        }
        if (p->dim_occ[s] >= 0) {
            snprintf(buf, sizeof buf, "%s/occurs", p->names[s]);
            if (!(names[p->dim_occ[s]] = ics_strdup(buf, err))) ICS_FAIL(err, ICS_ENOMEM, "oom");
        }
        if (p->dim_start[s] >= 0) {
            snprintf(buf, sizeof buf, "%s/start", p->names[s]);
            if (!(names[p->dim_start[s]] = ics_strdup(buf, err))) ICS_FAIL(err, ICS_ENOMEM, "oom");
        }
        if (p->dim_dur[s] >= 0) {
            snprintf(buf, sizeof buf, "%s/duration", p->names[s]);
            if (!(names[p->dim_dur[s]] = ics_strdup(buf, err))) ICS_FAIL(err, ICS_ENOMEM, "oom");
        }
    }
    for (int u = 0; u < p->nunc; ++u) /* calibration uncertainty (ics_uncertainty.h) */
        if (p->dim_unc[u] >= 0) {
            char buf[64];
            snprintf(buf, sizeof buf, "%s/%s", ICS_UNC_GROUP, ics_unc_name(p->unc_kind[u]));
            if (!(names[p->dim_unc[u]] = ics_strdup(buf, err))) ICS_FAIL(err, ICS_ENOMEM, "oom");
        }
    for (int i = 0; i < k; ++i) /* a dimension this file does not know yet keeps a usable name */
        if (!names[i]) {
            char buf[32];
            snprintf(buf, sizeof buf, "dimension%d", i);
            if (!(names[i] = ics_strdup(buf, err))) ICS_FAIL(err, ICS_ENOMEM, "oom");
        }
    for (int i = 0; i < k; ++i) ug[i] = -1, parent[i] = i;
    /* user groups: a factor name, or a shock name for all of that shock's factors */
    for (int q = 0; q < cfg->sens_ngfactors; ++q) {
        const char *f = cfg->sens_gfactors[q];
        int hit = 0;
        for (int i = 0; i < k; ++i) {
            const size_t len = strlen(f);
            if (!strcmp(names[i], f) || (!strncmp(names[i], f, len) && names[i][len] == '/')) {
                if (ug[i] >= 0 && ug[i] != cfg->sens_gfactor_group[q])
                    ICS_FAIL(err, ICS_EINPUT, "%s:%d: sensitivity: groups: factor '%s' is in "
                             "groups '%s' and '%s'", cfgname, cfg->sens_gfactor_line[q], names[i],
                             cfg->sens_group_names[ug[i]],
                             cfg->sens_group_names[cfg->sens_gfactor_group[q]]);
                ug[i] = cfg->sens_gfactor_group[q];
                hit = 1;
            }
        }
        if (!hit) {
            const char *near = ics_nearest(f, (const char *const *)names, k);
            char list[1024] = "";
            size_t used = 0;
            for (int i = 0; i < k && used + 2 < sizeof list; ++i)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? " " : "",
                                         names[i]);
            ICS_FAIL(err, ICS_EINPUT, "%s:%d: sensitivity: groups: '%s' names no random factor "
                     "of this config%s%s%s (factors: %s)", cfgname, cfg->sens_gfactor_line[q], f,
                     near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "", list);
        }
    }
    /* correlated factors: connected by a non-zero correlation */
    for (int a = 0; a < cfg->ncorr; ++a)
        for (int b = a + 1; b < cfg->ncorr; ++b)
            if (cfg->corr_matrix[(size_t)a * cfg->ncorr + b] != 0.0) {
                const int ra = uf_find(parent, p->corr_dims[a]), rb = uf_find(parent, p->corr_dims[b]);
                if (ra != rb) parent[ra < rb ? rb : ra] = ra < rb ? ra : rb;
            }
    for (int i = 0; i < k; ++i) {
        const int r = uf_find(parent, i);
        if (ug[i] != ug[r])
            ICS_FAIL(err, ICS_EINPUT, "%s:%d: sensitivity: factors '%s' and '%s' are correlated "
                     "(correlation section) but %s; Sobol' indices of dependent factors are "
                     "defined here for whole correlated sets only: put them in the same group",
                     cfgname, cfg->sens_line, names[r], names[i],
                     ug[i] < 0 || ug[r] < 0 ? "only one of them is in a group"
                                            : "they are in different groups");
    }
    /* groups in the order of their first factor: user group, correlated set, or the factor */
    for (int i = 0; i < k; ++i) compgroup[i] = -1;
    for (int i = 0; i < k; ++i) {
        const int r = uf_find(parent, i);
        int g = -1;
        for (int j = 0; j < i && g < 0; ++j)
            if ((ug[i] >= 0 && ug[j] == ug[i]) || (ug[i] < 0 && uf_find(parent, j) == r)) g = gof[j];
        if (g < 0) {
            g = G++;
            char buf[1024];
            if (ug[i] >= 0) {
                snprintf(buf, sizeof buf, "%s", cfg->sens_group_names[ug[i]]);
            } else {
                size_t used = 0;
                buf[0] = '\0';
                for (int j = i; j < k && used + 2 < sizeof buf; ++j)
                    if (uf_find(parent, j) == r)
                        used += (size_t)snprintf(buf + used, sizeof buf - used, "%s%s",
                                                 used ? "+" : "", names[j]);
            }
            if (!(gnames[g] = ics_strdup(buf, err))) ICS_FAIL(err, ICS_ENOMEM, "oom");
        }
        gof[i] = g;
    }
    {
        ics_sens_spec spec = {0};
        spec.method = cfg->sens_method && !strcmp(cfg->sens_method, "morris") ? ICS_SENS_MORRIS
                                                                              : ICS_SENS_SOBOL;
        spec.sampler = cfg->sens_sampler;
        spec.seed = cfg->seed;
        spec.k = k;
        spec.factor_names = (const char *const *)names;
        spec.ngroups = G;
        spec.group_of = gof;
        spec.group_names = (const char *const *)gnames;
        spec.second_order = cfg->sens_second_order;
        spec.levels = cfg->sens_levels;
        const int stride = spec.method == ICS_SENS_MORRIS ? G + 1
                           : spec.second_order             ? 2 * G + 2
                                                           : G + 2;
        spec.N = cfg->scenarios % stride == 0 ? cfg->scenarios / stride : cfg->sens_samples;
        st = ics_sens_design_create(&spec, out, err);
        if (st != ICS_OK) {
            char msg[ICS_ERRMSG_MAX];
            snprintf(msg, sizeof msg, "%s", err->msg);
            ics_error_clear(err);
            ICS_FAIL(err, st, "%s:%d: %s", cfgname, cfg->sens_line, msg);
        }
    }
done:
    if (names)
        for (int i = 0; i < k; ++i) free(names[i]);
    if (gnames)
        for (int i = 0; i < k; ++i) free(gnames[i]);
    free(names), free(gnames), free(ug), free(parent), free(gof), free(compgroup);
    return st;
}
