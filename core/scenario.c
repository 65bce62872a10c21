/* Scenario plans: selectors to node masks, shocks to linear patterns, and per-scenario sampling
 * from the counter-based generator (see ics_scenario.h). */
#include "ics_scenario.h"

#include <fnmatch.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_glob(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

/* Mark in sel[count] the labels matching each selector; fail on a selector matching nothing. */
static ics_status match_labels(const ics_config *cfg, const ics_shock *s, const char *what,
                               char *const *sels, int nsel, char *const *labels, int nlab,
                               unsigned char *sel, ics_error *err)
{
    if (nsel == 0) {
        memset(sel, 1, (size_t)nlab);
        return ICS_OK;
    }
    memset(sel, 0, (size_t)nlab);
    for (int q = 0; q < nsel; ++q) {
        int hit = 0;
        for (int r = 0; r < nlab; ++r) {
            const int m = is_glob(sels[q]) ? fnmatch(sels[q], labels[r], 0) == 0
                                           : strcmp(sels[q], labels[r]) == 0;
            if (m) {
                sel[r] = 1;
                hit = 1;
            }
        }
        if (!hit) {
            const char *near = ics_nearest(sels[q], (const char *const *)labels, nlab);
            char list[512] = "";
            size_t used = 0;
            for (int r = 0; r < nlab && used + 2 < sizeof list; ++r)
                used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", r ? " " : "",
                                         labels[r]);
            return ics_error_set(err, ICS_EINPUT,
                                 "%s:%d: shock '%s': %s '%s' matches no %s of the table%s%s%s "
                                 "(valid: %s)",
                                 cfg->path ? cfg->path : "config", s->line, s->name, what, sels[q],
                                 what, near ? "; did you mean '" : "", near ? near : "",
                                 near ? "'?" : "", list);
        }
    }
    return ICS_OK;
}

ics_status ics_shock_select(const ics_config *cfg, const ics_shock *s, const ics_table *t,
                            unsigned char *mask, ics_error *err)
{
    ics_status st = ICS_OK;
    unsigned char *rsel = NULL, *ssel = NULL;
    ICS_ALLOC(rsel, t->nreg, err, "region selection");
    ICS_ALLOC(ssel, t->nseg, err, "segment selection");
    ICS_TRY(match_labels(cfg, s, "region", s->regions, s->nregions, t->regions, t->nreg, rsel, err));
    ICS_TRY(match_labels(cfg, s, "segment", s->segments, s->nsegments, t->segments, t->nseg, ssel,
                         err));
    for (int i = 0; i < t->n; ++i) mask[i] = rsel[t->node_region[i]] && ssel[t->node_segment[i]];
done:
    free(rsel);
    free(ssel);
    return st;
}

static const char *accepted_types(ics_model_kind m)
{
    switch (m) {
    case ICS_MODEL_LEONTIEF: return "final_demand";
    case ICS_MODEL_GHOSH: return "value_added";
    case ICS_MODEL_IIM: return "final_demand, capacity_loss";
    default: return "none yet";
    }
}

ics_status ics_plan_create(const ics_config *cfg, const ics_table *t, const ics_model *m,
                           ics_plan **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_plan *p = NULL;
    unsigned char *mask = NULL;
    const int n = t->n, k = cfg->nshocks;
    const char *cfgname = cfg->path ? cfg->path : "config";

    if (cfg->model != ICS_MODEL_LEONTIEF && cfg->model != ICS_MODEL_GHOSH &&
        cfg->model != ICS_MODEL_IIM)
        ICS_FAIL(err, ICS_EINPUT, "%s: model '%s' is not available in this version of icstress "
                 "(available: leontief, ghosh, iim)", cfgname, ics_model_name(cfg->model));

    if (cfg->sampler != ICS_SAMPLER_MC)
        ICS_FAIL(err, ICS_EINPUT, "%s: sampler '%s' is not available in this version of icstress "
                 "(available: mc)", cfgname, ics_sampler_name(cfg->sampler));
    if (cfg->has_sensitivity)
        ICS_FAIL(err, ICS_EINPUT, "%s: the 'sensitivity' section is not available in this version "
                 "of icstress", cfgname);

    ICS_ALLOC(p, 1, err, "the scenario plan");
    p->n = n;
    p->k = k;
    p->model = cfg->model;
    p->seed = cfg->seed;
    p->key_sample = ics_rng_key_make(cfg->seed, ICS_RNG_SAMPLE);
    p->key_occur = ics_rng_key_make(cfg->seed, ICS_RNG_OCCURRENCE);
    ICS_ALLOC(p->P, (size_t)n * (k ? k : 1), err, "the shock patterns");
    ICS_ALLOC(p->dist, k ? k : 1, err, "distributions");
    ICS_ALLOC(p->probability, k ? k : 1, err, "probabilities");
    ICS_ALLOC(p->names, k ? k : 1, err, "shock names");
    ICS_ALLOC(p->nselected, k ? k : 1, err, "selection counts");
    ICS_ALLOC(mask, n, err, "node mask");

    for (int s = 0; s < k; ++s) {
        const ics_shock *sh = &cfg->shocks[s];
        const int ok = (cfg->model == ICS_MODEL_LEONTIEF && sh->type == ICS_SHOCK_FINAL_DEMAND) ||
                       (cfg->model == ICS_MODEL_GHOSH && sh->type == ICS_SHOCK_VALUE_ADDED) ||
                       (cfg->model == ICS_MODEL_IIM && (sh->type == ICS_SHOCK_FINAL_DEMAND ||
                                                        sh->type == ICS_SHOCK_CAPACITY_LOSS));
        if (!ok)
            ICS_FAIL(err, ICS_EINPUT, "%s:%d: shock '%s': type %s is not supported with model %s "
                     "(it takes: %s)", cfgname, sh->line, sh->name, ics_shock_type_name(sh->type),
                     ics_model_name(cfg->model), accepted_types(cfg->model));
        ICS_TRY(ics_shock_select(cfg, sh, t, mask, err));
        double *col = p->P + (size_t)s * n;
        int count = 0;
        for (int i = 0; i < n; ++i) {
            if (!mask[i]) continue;
            ++count;
            switch (cfg->model) {
            case ICS_MODEL_LEONTIEF: col[i] = m->y[i]; break;
            case ICS_MODEL_GHOSH: col[i] = m->va[i]; break;
            default:
                if (sh->type == ICS_SHOCK_CAPACITY_LOSS)
                    col[i] = 1.0;
                else
                    col[i] = m->x[i] != 0.0 ? -m->y[i] / m->x[i] : 0.0;
                break;
            }
        }
        p->dist[s] = sh->change;
        p->probability[s] = sh->probability;
        p->names[s] = sh->name;
        p->nselected[s] = count;
    }
    *out = p;
    p = NULL;
done:
    free(mask);
    ics_plan_destroy(&p);
    return st;
}

void ics_plan_destroy(ics_plan **pp)
{
    if (!pp || !*pp) return;
    ics_plan *p = *pp;
    free(p->P);
    free(p->dist);
    free(p->probability);
    free(p->names);
    free(p->nselected);
    free(p);
    *pp = NULL;
}

double ics_dist_quantile(const ics_dist *d, double u)
{
    switch (d->kind) {
    case ICS_DIST_CONST: return d->value;
    case ICS_DIST_UNIFORM: return d->min + u * (d->max - d->min);
    case ICS_DIST_NORMAL: return d->mean + d->sd * ics_norm_ppf(u);
    case ICS_DIST_TRUNCNORMAL: {
        const double fa = ics_norm_cdf((d->min - d->mean) / d->sd);
        const double fb = ics_norm_cdf((d->max - d->mean) / d->sd);
        double v = d->mean + d->sd * ics_norm_ppf(fa + u * (fb - fa));
        return v < d->min ? d->min : v > d->max ? d->max : v;
    }
    case ICS_DIST_LOGNORMAL: return exp(d->mu + d->sigma * ics_norm_ppf(u));
    case ICS_DIST_BETA: return d->min + (d->max - d->min) * gsl_cdf_beta_Pinv(u, d->a, d->b);
    case ICS_DIST_TRIANGULAR: {
        const double w = d->max - d->min, c = (d->mode - d->min) / w;
        return u < c ? d->min + sqrt(u * w * (d->mode - d->min))
                     : d->max - sqrt((1.0 - u) * w * (d->max - d->mode));
    }
    }
    return NAN;
}

void ics_plan_sample(const ics_plan *p, int64_t first, int b, double *Theta, double *Raw,
                     double *Occ)
{
    for (int j = 0; j < b; ++j) {
        const uint64_t scen = (uint64_t)(first + j);
        for (int s = 0; s < p->k; ++s) {
            const double u = ics_rng_uniform(p->key_sample, scen, (uint64_t)s);
            const double v = ics_dist_quantile(&p->dist[s], u);
            double occurs = 1.0;
            if (p->probability[s] < 1.0)
                occurs = ics_rng_uniform(p->key_occur, scen, (uint64_t)s) < p->probability[s];
            Theta[s + (size_t)j * p->k] = v * occurs;
            if (Raw) Raw[s + (size_t)j * p->k] = v;
            if (Occ) Occ[s + (size_t)j * p->k] = occurs;
        }
    }
}
