/* Scenario plans: selectors to node masks, shocks to linear patterns, and per-scenario sampling
 * from the counter-based generator (see ics_scenario.h). */
#include "ics_scenario.h"
#include "ics_shock_domain.h"
#include "ics_plan_design.h"
#include "ics_uncertainty.h"

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
static ics_status match_labels(const char *cfgpath, int line, const char *owner, const char *what,
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
                                 "%s:%d: %s: %s '%s' matches no %s of the table%s%s%s "
                                 "(valid: %s)",
                                 cfgpath ? cfgpath : "config", line, owner, what, sels[q],
                                 what, near ? "; did you mean '" : "", near ? near : "",
                                 near ? "'?" : "", list);
        }
    }
    return ICS_OK;
}

ics_status ics_select_nodes(const char *cfgpath, int line, const char *owner, char *const *regions,
                            int nregions, char *const *segments, int nsegments, const ics_table *t,
                            unsigned char *mask, ics_error *err)
{
    ics_status st = ICS_OK;
    unsigned char *rsel = NULL, *ssel = NULL;
    ICS_ALLOC(rsel, t->nreg, err, "region selection");
    ICS_ALLOC(ssel, t->nseg, err, "segment selection");
    ICS_TRY(match_labels(cfgpath, line, owner, "region", regions, nregions, t->regions, t->nreg,
                         rsel, err));
    ICS_TRY(match_labels(cfgpath, line, owner, "segment", segments, nsegments, t->segments,
                         t->nseg, ssel, err));
    for (int i = 0; i < t->n; ++i) mask[i] = rsel[t->node_region[i]] && ssel[t->node_segment[i]];
done:
    free(rsel);
    free(ssel);
    return st;
}

ics_status ics_shock_select(const ics_config *cfg, const ics_shock *s, const ics_table *t,
                            unsigned char *mask, ics_error *err)
{
    char owner[300];
    snprintf(owner, sizeof owner, "shock '%s'", s->name);
    return ics_select_nodes(cfg->path, s->line, owner, s->regions, s->nregions, s->segments,
                            s->nsegments, t, mask, err);
}

static const char *accepted_types(ics_model_kind m)
{
    switch (m) {
    case ICS_MODEL_LEONTIEF: return "final_demand, capacity_loss, trade_restriction, coefficient";
    case ICS_MODEL_GHOSH: return "value_added, capacity_loss, trade_restriction, coefficient";
    case ICS_MODEL_IIM: return "final_demand, capacity_loss, trade_restriction, coefficient";
    case ICS_MODEL_DIIM:
    case ICS_MODEL_ARIO: return "final_demand, capacity_loss, trade_restriction";
    default: return "none yet";
    }
}

static int model_takes(ics_model_kind m, ics_shock_type t)
{
    switch (t) {
    case ICS_SHOCK_FINAL_DEMAND:
        return m == ICS_MODEL_LEONTIEF || m == ICS_MODEL_IIM || m == ICS_MODEL_DIIM ||
               m == ICS_MODEL_ARIO;
    case ICS_SHOCK_VALUE_ADDED: return m == ICS_MODEL_GHOSH;
    case ICS_SHOCK_CAPACITY_LOSS:
    case ICS_SHOCK_TRADE_RESTRICTION:
        return 1; /* every model */
    case ICS_SHOCK_COEFFICIENT:
        return m == ICS_MODEL_LEONTIEF || m == ICS_MODEL_GHOSH || m == ICS_MODEL_IIM;
    }
    return 0;
}

/* Support [lo, hi] of a law; *bounded = 0 for laws with an infinite side. */
static void dist_support(const ics_dist *d, double *lo, double *hi, int *bounded)
{
    *bounded = 1;
    switch (d->kind) {
    case ICS_DIST_CONST: *lo = *hi = d->value; return;
    case ICS_DIST_NORMAL: *lo = -INFINITY, *hi = INFINITY, *bounded = 0; return;
    case ICS_DIST_LOGNORMAL: *lo = 0.0, *hi = INFINITY, *bounded = 0; return;
    default: *lo = d->min, *hi = d->max; return;
    }
}

/* Check that the law of shock sh's `change` can act within [amin, amax]: a bounded law must lie
 * inside; an unbounded one must reach inside (it is clipped when sampled). */
static ics_status check_change_range(const ics_config *cfg, const ics_shock *sh, double amin,
                                     double amax, const char *meaning, ics_error *err)
{
    double lo, hi;
    int bounded;
    dist_support(&sh->change, &lo, &hi, &bounded);
    const char *cfgname = cfg->path ? cfg->path : "config";
    char range[64];
    if (isinf(amax))
        snprintf(range, sizeof range, "[%g, inf)", amin);
    else
        snprintf(range, sizeof range, "[%g, %g]", amin, amax);
    if (sh->change.truncate) return ICS_OK; /* clipped to the domain (ics_shock_check_domain) */
    if (sh->change.kind == ICS_DIST_CONST && (lo < amin || lo > amax))
        return ics_error_set(err, ICS_EINPUT, "%s:%d: shock '%s': key 'change': %s and must lie "
                             "in %s, got %g", cfgname, sh->line, sh->name, meaning, range, lo);
    if (bounded && (lo < amin || hi > amax))
        return ics_error_set(err, ICS_EINPUT, "%s:%d: shock '%s': key 'change': %s and must lie "
                             "in %s, got the range [%g, %g]", cfgname, sh->line, sh->name,
                             meaning, range, lo, hi);
    if (!bounded && (lo >= amax || hi <= amin))
        return ics_error_set(err, ICS_EINPUT, "%s:%d: shock '%s': key 'change': %s and must lie "
                             "in %s, but its law has support [%g, %g]", cfgname, sh->line,
                             sh->name, meaning, range, lo, hi);
    return ICS_OK;
}

/* The law of a shock's parameter: finite, inside its physical domain (or truncated), and of a
 * size the model can hold once it multiplies the table's demand or value added. */
static ics_status check_domain_and_scale(const char *cfgname, const ics_shock *sh,
                                         const ics_model *m, ics_error *err)
{
    ics_status st = ics_shock_check_domain(cfgname, sh, err);
    if (st != ICS_OK) return st;
    if (sh->type != ICS_SHOCK_FINAL_DEMAND && sh->type != ICS_SHOCK_VALUE_ADDED) return ICS_OK;
    const double *v = sh->type == ICS_SHOCK_FINAL_DEMAND ? m->y : m->va;
    double mag = 0.0;
    for (int i = 0; i < m->n; ++i)
        if (fabs(v[i]) > mag) mag = fabs(v[i]);
    return ics_shock_check_scale(cfgname, sh, -1.0, INFINITY, mag, err);
}

/* Select nodes with the given region and segment selectors (instead of the shock's own). */
static ics_status select_with(const ics_config *cfg, const ics_shock *sh, const ics_table *t,
                              char **regs, int nregs, char **segs, int nsegs, unsigned char *mask,
                              ics_error *err)
{
    ics_shock tmp = *sh;
    tmp.regions = regs, tmp.nregions = nregs;
    tmp.segments = segs, tmp.nsegments = nsegs;
    return ics_shock_select(cfg, &tmp, t, mask, err);
}

static void join_list(char *buf, size_t len, char *const *items, int nitems, const char *none)
{
    size_t used = 0;
    buf[0] = '\0';
    if (nitems == 0) {
        snprintf(buf, len, "%s", none);
        return;
    }
    for (int q = 0; q < nitems && used + 2 < len; ++q)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", q ? " " : "", items[q]);
}

/* Growable triplet list of the low-rank part. */
typedef struct trip_buf {
    int cap;
} trip_buf;

static ics_status trip_push(ics_lowrank *lr, trip_buf *tb, int i, int j, int s, double v,
                            ics_error *err)
{
    if (lr->nnz == tb->cap) {
        const int cap = tb->cap ? 2 * tb->cap : 256;
        int *ei = realloc(lr->ei, sizeof *ei * (size_t)cap);
        if (ei) lr->ei = ei;
        int *ej = realloc(lr->ej, sizeof *ej * (size_t)cap);
        if (ej) lr->ej = ej;
        int *es = realloc(lr->es, sizeof *es * (size_t)cap);
        if (es) lr->es = es;
        double *ev = realloc(lr->ev, sizeof *ev * (size_t)cap);
        if (ev) lr->ev = ev;
        if (!ei || !ej || !es || !ev)
            return ics_error_set(err, ICS_ENOMEM, "out of memory for the coefficient changes");
        tb->cap = cap;
    }
    lr->ei[lr->nnz] = i, lr->ej[lr->nnz] = j, lr->es[lr->nnz] = s, lr->ev[lr->nnz] = v;
    ++lr->nnz;
    return ICS_OK;
}

/* Record the entries a_ij (i in sup, j in buy, a_ij != 0) of shock s in the model's C-frame:
 * leontief C = A (i, j, a_ij); iim C = A* = B (i, j, b_ij); ghosh C = B^T (j, i, b_ij). The
 * relative change of a_ij is the relative change of b_ij, since b_ij = a_ij x_j / x_i. */
static ics_status collect_entries(const ics_plan *p, const ics_model *m, const unsigned char *sup,
                                  const unsigned char *buy, int s, ics_lowrank *lr, trip_buf *tb,
                                  int *count, ics_error *err)
{
    const int n = p->n;
    *count = 0;
    for (int j = 0; j < n; ++j) {
        if (!buy[j]) continue;
        for (int i = 0; i < n; ++i) {
            if (!sup[i]) continue;
            const size_t ij = i + (size_t)j * n;
            if (m->A[ij] == 0.0) continue;
            ics_status st;
            if (p->model == ICS_MODEL_LEONTIEF)
                st = trip_push(lr, tb, i, j, s, m->A[ij], err);
            else if (p->model == ICS_MODEL_IIM)
                st = trip_push(lr, tb, i, j, s, m->B[ij], err);
            else
                st = trip_push(lr, tb, j, i, s, m->B[ij], err);
            if (st != ICS_OK) return st;
            ++*count;
        }
    }
    return ICS_OK;
}

/* The spectral radius of C + sum_k thmax_k D_k must stay below 1 (the economy stays productive);
 * since the D_k are non-negative and theta <= thmax, Perron-Frobenius bounds every scenario by
 * this worst case. Checked when every coefficient shock's law is bounded above. */
static ics_status check_productive(const ics_config *cfg, const ics_plan *p, const ics_model *m,
                                   const double *thmax, ics_error *err)
{
    ics_status st = ICS_OK;
    const int n = p->n;
    double *C = NULL, rho = 0.0;
    const ics_lowrank *lr = &p->lr;
    int any = 0, worst = -1;
    for (int s = 0; s < p->k; ++s) {
        if (!p->lowrank[s]) continue;
        if (isinf(thmax[s])) return ICS_OK;
        if (thmax[s] > 0.0) {
            any = 1;
            if (worst < 0 || thmax[s] > thmax[worst]) worst = s;
        }
    }
    if (!any || n > 2000) return ICS_OK;
    ICS_ALLOC(C, (size_t)n * n, err, "the shocked coefficients");
    memcpy(C, p->model == ICS_MODEL_LEONTIEF ? m->A : m->B, sizeof *C * (size_t)n * n);
    for (int e = 0; e < lr->nnz; ++e) {
        /* C-frame (i, j) of ghosh is B^T: the transpose has the same spectral radius */
        const int i = p->model == ICS_MODEL_GHOSH ? lr->ej[e] : lr->ei[e];
        const int j = p->model == ICS_MODEL_GHOSH ? lr->ei[e] : lr->ej[e];
        C[i + (size_t)j * n] += thmax[lr->es[e]] * lr->ev[e];
    }
    ICS_TRY(ics_table_spectral_radius(n, C, n, &rho, err));
    if (!(rho < 1.0)) {
        const ics_shock *sh = &cfg->shocks[worst];
        ICS_FAIL(err, ICS_EINPUT, "%s:%d: shock '%s': key 'change': with the coefficient changes "
                 "at their upper bounds (up to %+g) the economy is no longer productive: the "
                 "spectral radius of A becomes %.6g >= 1", cfg->path ? cfg->path : "config",
                 sh->line, sh->name, thmax[worst], rho);
    }
done:
    free(C);
    return st;
}

/* The sampling design: dimensions for the random parameters and the occurrences, the sampler
 * over them, and the copula of the correlated parameters. */
static ics_status plan_design(const ics_config *cfg, ics_plan *p, ics_error *err)
{
    ics_status st = ICS_OK;
    const int k = p->k;
    ICS_ALLOC(p->dim_change, k ? k : 1, err, "dimensions");
    ICS_ALLOC(p->dim_occ, k ? k : 1, err, "dimensions");
    for (int s = 0; s < k; ++s)
        p->dim_change[s] = p->dist[s].kind == ICS_DIST_CONST ? -1 : p->ndims++;
    for (int s = 0; s < k; ++s) p->dim_occ[s] = p->probability[s] < 1.0 ? p->ndims++ : -1;
    /* timing dimensions come last, so the other dimensions do not move when they are added */
    ICS_ALLOC(p->dim_start, k ? k : 1, err, "dimensions");
    ICS_ALLOC(p->dim_dur, k ? k : 1, err, "dimensions");
    ICS_ALLOC(p->start_dist, k ? k : 1, err, "timing laws");
    ICS_ALLOC(p->dur_dist, k ? k : 1, err, "timing laws");
    for (int s = 0; s < k; ++s) {
        p->start_dist[s] = cfg->shocks[s].start_dist;
        p->dur_dist[s] = cfg->shocks[s].duration_dist;
        p->dim_start[s] = p->start_dist[s].kind == ICS_DIST_CONST ? -1 : p->ndims++;
        p->dim_dur[s] = p->dur_dist[s].kind == ICS_DIST_CONST ? -1 : p->ndims++;
    }
    /* calibration uncertainty last of all (ics_uncertainty.h) */
    for (int u = 0; u < p->nunc; ++u)
        p->dim_unc[u] = p->unc_dist[u].kind == ICS_DIST_CONST ? -1 : p->ndims++;
    if (p->ndims > 4096)
        ICS_FAIL(err, ICS_EINPUT, "%s: %d random dimensions (random parameters plus shocks with a "
                 "probability); at most 4096 are supported", cfg->path ? cfg->path : "config",
                 p->ndims);
    ICS_TRY(ics_sampler_create(cfg->sampler, cfg->seed, cfg->scenarios, p->ndims, &p->sampler, err));
    if (cfg->ncorr > 0) {
        ICS_ALLOC(p->corr_dims, cfg->ncorr, err, "correlated dimensions");
        for (int q = 0; q < cfg->ncorr; ++q) {
            const char *f = cfg->corr_factors[q];
            for (int s = 0; s < k; ++s) {
                const size_t len = strlen(p->names[s]);
                if (!strcmp(f, p->names[s]) || (!strncmp(f, p->names[s], len) && f[len] == '/'))
                    p->corr_dims[q] = p->dim_change[s];
            }
        }
        st = ics_copula_create(cfg->ncorr, cfg->corr_matrix, &p->copula, err);
        if (st != ICS_OK) {
            /* name the config section in the message */
            char msg[ICS_ERRMSG_MAX];
            snprintf(msg, sizeof msg, "%s", err->msg);
            ics_error_clear(err);
            ICS_FAIL(err, st, "%s:%d: correlation: %s", cfg->path ? cfg->path : "config",
                     cfg->corr_line, msg);
        }
    }
done:
    return st;
}

/* with_draws = 0: the plan of one table draw (ics_table_draws_create) */
static ics_status plan_create(const ics_config *cfg, const ics_table *t, const ics_model *m,
                              int with_draws, ics_plan **out, ics_error *err);

ics_status ics_plan_create(const ics_config *cfg, const ics_table *t, const ics_model *m,
                           ics_plan **out, ics_error *err)
{
    return plan_create(cfg, t, m, 1, out, err);
}

ics_status ics__plan_create_nodraws(const ics_config *cfg, const ics_table *t, const ics_model *m,
                                    ics_plan **out, ics_error *err)
{
    return plan_create(cfg, t, m, 0, out, err);
}

static ics_status plan_create(const ics_config *cfg, const ics_table *t, const ics_model *m,
                              int with_draws, ics_plan **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_plan *p = NULL;
    unsigned char *mask = NULL, *buy = NULL;
    double *r = NULL, *d = NULL, *thmax = NULL;
    trip_buf tb = {0};
    const int n = t->n, k = cfg->nshocks;
    const char *cfgname = cfg->path ? cfg->path : "config";

    const int dynamic = cfg->model == ICS_MODEL_DIIM || cfg->model == ICS_MODEL_ARIO;

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
    ICS_ALLOC(p->lo, k ? k : 1, err, "parameter ranges");
    ICS_ALLOC(p->hi, k ? k : 1, err, "parameter ranges");
    ICS_ALLOC(p->lowrank, k ? k : 1, err, "shock classes");
    ICS_ALLOC(thmax, k ? k : 1, err, "parameter ranges");
    ICS_ALLOC(mask, n, err, "node mask");
    ICS_ALLOC(buy, n, err, "node mask");
    ICS_ALLOC(r, n, err, "trade shares");
    ICS_ALLOC(d, n, err, "output changes");

    /* all checks first, in config order: types, selectors, ranges, flows */
    for (int s = 0; s < k; ++s) {
        const ics_shock *sh = &cfg->shocks[s];
        if (!model_takes(cfg->model, sh->type))
            ICS_FAIL(err, ICS_EINPUT, "%s:%d: shock '%s': type %s is not supported with model %s "
                     "(it takes: %s)", cfgname, sh->line, sh->name, ics_shock_type_name(sh->type),
                     ics_model_name(cfg->model), accepted_types(cfg->model));
        if (sh->type == ICS_SHOCK_TRADE_RESTRICTION && sh->nregions > 0)
            ICS_FAIL(err, ICS_EINPUT, "%s:%d: shock '%s': a trade_restriction selects its "
                     "suppliers with 'from' and 'segments' and its buyers with 'to'; remove "
                     "'regions'", cfgname, sh->line, sh->name);
        if (sh->type == ICS_SHOCK_TRADE_RESTRICTION)
            ICS_TRY(check_change_range(cfg, sh, -1.0, 0.0, "a trade restriction's change is minus "
                                       "the share of the flows that can no longer be delivered",
                                       err));
        if (sh->type == ICS_SHOCK_COEFFICIENT)
            ICS_TRY(check_change_range(cfg, sh, -1.0, INFINITY, "a coefficient's relative change "
                                       "cannot remove more than the whole coefficient", err));
        ICS_TRY(check_domain_and_scale(cfgname, sh, m, err));
    }

    for (int s = 0; s < k && !dynamic; ++s)
        if (cfg->shocks[s].start_dist.kind != ICS_DIST_CONST ||
            cfg->shocks[s].duration_dist.kind != ICS_DIST_CONST)
            ICS_FAIL(err, ICS_EINPUT, "%s:%d: shock '%s': a random start or duration needs a "
                     "dynamic model (diim or ario); model %s has no time", cfgname,
                     cfg->shocks[s].line, cfg->shocks[s].name, ics_model_name(cfg->model));
    for (int s = 0; s < k && dynamic; ++s) {
        /* dynamic models: the plan samples; ics_dyn_create turns shocks into schedules */
        const ics_shock *sh = &cfg->shocks[s];
        p->lo[s] = -INFINITY;
        p->hi[s] = INFINITY;
        if (sh->type == ICS_SHOCK_CAPACITY_LOSS) p->lo[s] = 0.0, p->hi[s] = 1.0;
        if (sh->type == ICS_SHOCK_TRADE_RESTRICTION) {
            p->lo[s] = -1.0, p->hi[s] = 0.0;
            ICS_TRY(select_with(cfg, sh, t, sh->from, sh->nfrom, sh->segments, sh->nsegments, mask,
                                err));
            ICS_TRY(select_with(cfg, sh, t, sh->to, sh->nto, NULL, 0, buy, err));
        } else {
            ICS_TRY(ics_shock_select(cfg, sh, t, mask, err));
        }
        int count = 0;
        for (int i = 0; i < n; ++i) count += mask[i];
        p->dist[s] = sh->change;
        p->probability[s] = sh->probability;
        p->names[s] = sh->name;
        p->nselected[s] = count;
    }
    for (int s = 0; s < k && !dynamic; ++s) {
        const ics_shock *sh = &cfg->shocks[s];
        double *col = p->P + (size_t)s * n;
        int count = 0;
        p->lo[s] = -INFINITY;
        p->hi[s] = INFINITY;
        if (sh->type == ICS_SHOCK_TRADE_RESTRICTION) {
            char fl[256], sl[256], tl[256];
            double total = 0.0;
            p->lo[s] = -1.0, p->hi[s] = 0.0;
            ICS_TRY(select_with(cfg, sh, t, sh->from, sh->nfrom, sh->segments, sh->nsegments, mask,
                                err));
            ICS_TRY(select_with(cfg, sh, t, sh->to, sh->nto, NULL, 0, buy, err));
            ICS_TRY(ics_trade_shares(t, mask, buy, r, &total, err));
            if (!(total > 0.0)) {
                join_list(fl, sizeof fl, sh->from, sh->nfrom, "all regions");
                join_list(sl, sizeof sl, sh->segments, sh->nsegments, "any segment");
                join_list(tl, sizeof tl, sh->to, sh->nto, "all regions");
                ICS_FAIL(err, ICS_EINPUT, "%s:%d: shock '%s' restricts no flow: the table has no "
                         "flows from [%s] in segments [%s] to [%s]", cfgname, sh->line, sh->name,
                         fl, sl, tl);
            }
            if (cfg->model == ICS_MODEL_GHOSH) {
                int nentries = 0;
                p->lowrank[s] = 1;
                ICS_TRY(collect_entries(p, m, mask, buy, s, &p->lr, &tb, &nentries, err));
                for (int j = 0; j < n; ++j) count += r[j] > 0.0;
                thmax[s] = 0.0;
            } else {
                for (int j = 0; j < n; ++j) {
                    buy[j] = r[j] > 0.0;
                    count += buy[j];
                    d[j] = r[j] * m->x[j]; /* dx_j = change * r_j * x_j */
                    if (cfg->model == ICS_MODEL_IIM) col[j] = -r[j]; /* c*_j = -change * r_j */
                }
                if (cfg->model == ICS_MODEL_LEONTIEF)
                    ICS_TRY(ics_mixed_pattern(cfg->model, m, buy, d, col, err));
            }
        } else if (sh->type == ICS_SHOCK_COEFFICIENT) {
            double lo, hi;
            int bounded;
            p->lo[s] = -1.0;
            p->lowrank[s] = 1;
            ICS_TRY(ics_shock_select(cfg, sh, t, mask, err));
            if (sh->nto > 0)
                ICS_TRY(select_with(cfg, sh, t, sh->to, sh->nto, NULL, 0, buy, err));
            else
                memset(buy, 1, (size_t)n);
            int nentries = 0;
            ICS_TRY(collect_entries(p, m, mask, buy, s, &p->lr, &tb, &nentries, err));
            if (nentries == 0)
                ICS_FAIL(err, ICS_EINPUT, "%s:%d: shock '%s' changes no coefficient: the table "
                         "has no flows from the selected nodes", cfgname, sh->line, sh->name);
            for (int i = 0; i < n; ++i) count += mask[i]; /* the selected supplier nodes */
            dist_support(&sh->change, &lo, &hi, &bounded);
            thmax[s] = hi > 0.0 ? hi : 0.0;
        } else {
            ICS_TRY(ics_shock_select(cfg, sh, t, mask, err));
            if (sh->type == ICS_SHOCK_CAPACITY_LOSS) p->lo[s] = 0.0, p->hi[s] = 1.0;
            for (int i = 0; i < n; ++i) d[i] = 0.0;
            for (int i = 0; i < n; ++i) {
                if (!mask[i]) continue;
                ++count;
                if (sh->type == ICS_SHOCK_CAPACITY_LOSS) {
                    if (cfg->model == ICS_MODEL_IIM)
                        col[i] = 1.0;
                    else
                        d[i] = -m->x[i]; /* dx_i = -loss * x_i */
                } else if (sh->type == ICS_SHOCK_VALUE_ADDED) {
                    col[i] = m->va[i];
                } else if (cfg->model == ICS_MODEL_LEONTIEF) {
                    col[i] = m->y[i];
                } else {
                    col[i] = m->x[i] != 0.0 ? -m->y[i] / m->x[i] : 0.0;
                }
            }
            if (sh->type == ICS_SHOCK_CAPACITY_LOSS && cfg->model != ICS_MODEL_IIM)
                ICS_TRY(ics_mixed_pattern(cfg->model, m, mask, d, col, err));
        }
        p->dist[s] = sh->change;
        p->probability[s] = sh->probability;
        p->names[s] = sh->name;
        p->nselected[s] = count;
    }
    /* every draw is clipped to its physical domain (counted in the result file) */
    for (int s = 0; s < k; ++s) {
        const char *why;
        ics_shock_domain(cfg->shocks[s].type, &p->lo[s], &p->hi[s], &why);
    }
    ICS_ALLOC(p->sup, n, err, "the shock support");
    for (int i = 0; i < n; ++i)
        for (int s = 0; s < k; ++s)
            if (p->P[i + (size_t)s * n] != 0.0) {
                p->sup[p->nsup++] = i;
                break;
            }
    ICS_ALLOC(p->Psup, (size_t)(p->nsup ? p->nsup : 1) * (size_t)(k ? k : 1), err,
              "the shock support");
    for (int s = 0; s < k; ++s)
        for (int c = 0; c < p->nsup; ++c)
            p->Psup[c + (size_t)s * p->nsup] = p->P[p->sup[c] + (size_t)s * n];
    if (!dynamic) {
        ICS_TRY(check_productive(cfg, p, m, thmax, err));
        ICS_TRY(ics_plan_set_lowrank(p, m, ICS_LOWRANK_AUTO, err));
    }
    ICS_TRY(ics_plan_uncertainty_setup(cfg, t, p, err));
    ICS_TRY(plan_design(cfg, p, err));
    if (cfg->has_sensitivity) ICS_TRY(ics_sens_design_for_plan(cfg, p, &p->design, err));
    if (with_draws && cfg->unc_has_table) ICS_TRY(ics_table_draws_create(cfg, t, p, &p->draws, err));
    *out = p;
    p = NULL;
done:
    free(mask), free(buy), free(r), free(d), free(thmax);
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
    free(p->lo);
    free(p->hi);
    free(p->lowrank);
    free(p->sup);
    free(p->Psup);
    ics_lowrank_free(&p->lr);
    ics_sampler_destroy(&p->sampler);
    ics_copula_destroy(&p->copula);
    free(p->dim_change);
    free(p->dim_occ);
    free(p->dim_start);
    free(p->dim_dur);
    free(p->start_dist);
    free(p->dur_dist);
    free(p->corr_dims);
    ics_sens_design_destroy(&p->design);
    ics_table_draws_destroy(&p->draws);
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
        /* An interval above the mean is sampled as its mirror image below it: Phi is accurate
         * (relative to its value) in the lower tail, while 1 - Phi loses every digit beyond
         * about 8 sd, which put every draw on one bound. The map stays increasing in u. */
        double a = (d->min - d->mean) / d->sd, b = (d->max - d->mean) / d->sd, sign = 1.0;
        if (a > 0.0) {
            const double t = a;
            a = -b, b = -t, sign = -1.0, u = 1.0 - u;
        }
        const double fa = ics_norm_cdf(a), fb = ics_norm_cdf(b);
        double v = d->mean + sign * d->sd * ics_norm_ppf(fa + u * (fb - fa));
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

/* Map the uniforms of c scenarios (U, ndims x c, leading dimension ldu) to columns j0 .. j0+c-1
 * of Theta, Raw and Occ. */
static void map_uniforms(const ics_plan *p, int c, const double *U, int ldu, int j0,
                         double *Theta, double *Raw, double *Occ)
{
    for (int j = 0; j < c; ++j) {
        const double *u = U + (size_t)j * ldu;
        for (int s = 0; s < p->k; ++s) {
            const double v = p->dim_change[s] < 0 ? p->dist[s].value
                                                  : ics_dist_quantile(&p->dist[s], u[p->dim_change[s]]);
            const double occurs = p->dim_occ[s] < 0 ? 1.0 : u[p->dim_occ[s]] < p->probability[s];
            const size_t at = (size_t)s + (size_t)(j0 + j) * p->k;
            Theta[at] = ics_plan_theta(p, s, v, occurs);
            if (Raw) Raw[at] = ics_plan_theta(p, s, v, 1.0);
            if (Occ) Occ[at] = occurs;
        }
    }
}

void ics_plan_sample_uniforms(const ics_plan *p, int b, double *U, int ldu, double *Theta,
                              double *Raw, double *Occ)
{
    if (p->copula && p->ndims > 0) ics_copula_apply(p->copula, b, p->corr_dims, U, ldu);
    map_uniforms(p, b, U, ldu, 0, Theta, Raw, Occ);
}

void ics_plan_sample(const ics_plan *p, int64_t first, int b, double *Theta, double *Raw,
                     double *Occ)
{
    /* uniforms of the design in small chunks on the stack: allocation-free and thread-safe */
    enum { STACK_VALUES = 4096 };
    double U[STACK_VALUES];
    const int nd = p->ndims > 0 ? p->ndims : 1;
    const int chunk = STACK_VALUES / nd > 0 ? STACK_VALUES / nd : 1;
    for (int j0 = 0; j0 < b; j0 += chunk) {
        const int c = b - j0 < chunk ? b - j0 : chunk;
        if (p->ndims > 0) {
            if (p->design)
                ics_sens_design_fill(p->design, first + j0, c, U, p->ndims);
            else
                ics_sampler_fill(p->sampler, first + j0, c, U);
            if (p->copula) ics_copula_apply(p->copula, c, p->corr_dims, U, p->ndims);
        }
        map_uniforms(p, c, U, p->ndims, j0, Theta, Raw, Occ);
    }
}

void ics_plan_timing(const ics_plan *p, int64_t first, int b, double *Start, double *Dur)
{
    enum { STACK_VALUES = 4096 };
    double U[STACK_VALUES];
    const int nd = p->ndims > 0 ? p->ndims : 1;
    const int chunk = STACK_VALUES / nd > 0 ? STACK_VALUES / nd : 1;
    int random = 0;
    for (int s = 0; s < p->k; ++s) random |= p->dim_start[s] >= 0 || p->dim_dur[s] >= 0;
    for (int j0 = 0; j0 < b; j0 += chunk) {
        const int c = b - j0 < chunk ? b - j0 : chunk;
        if (random) {
            if (p->design)
                ics_sens_design_fill(p->design, first + j0, c, U, p->ndims);
            else
                ics_sampler_fill(p->sampler, first + j0, c, U);
            if (p->copula) ics_copula_apply(p->copula, c, p->corr_dims, U, p->ndims);
        }
        for (int j = 0; j < c; ++j) {
            const double *u = U + (size_t)j * p->ndims;
            for (int s = 0; s < p->k; ++s) {
                const size_t at = (size_t)s + (size_t)(j0 + j) * p->k;
                double st = p->start_dist[s].value, du = p->dur_dist[s].value;
                if (p->dim_start[s] >= 0) {
                    st = floor(ics_dist_quantile(&p->start_dist[s], u[p->dim_start[s]]) + 0.5);
                    if (st < 0) st = 0;
                }
                if (p->dim_dur[s] >= 0) {
                    du = floor(ics_dist_quantile(&p->dur_dist[s], u[p->dim_dur[s]]) + 0.5);
                    if (du < 1) du = 1;
                }
                Start[at] = st;
                Dur[at] = du;
            }
        }
    }
}
