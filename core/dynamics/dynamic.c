/* The dynamic plan shared by every dynamic model: shock schedules, node masks and per-unit
 * patterns, the per-thread workspace and the recording of each step (see ics_dynamic.h). A model
 * is reached only through its operations (ics_dyn_ops, registry.c). */
#include "ics_dynamic.h"
#include "ics_simd.h"
#include "ics_shocks.h"
#include "ics_uncertainty.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Intensity of a shock at step t: 1 during start .. start+duration-1 (to the end without a
 * duration), then a linear ramp down to 0 over `recovery` steps. */
static double intensity(const ics_shock *sh, int t)
{
    if (t < sh->start) return 0.0;
    if (sh->duration < 0) return 1.0;
    const int end = sh->start + sh->duration; /* first step after full strength */
    if (t < end) return 1.0;
    if (sh->recovery > 0 && t < end + sh->recovery)
        return 1.0 - (double)(t - end + 1) / (double)(sh->recovery + 1);
    return 0.0;
}

/* The plan of the model on each table draw of the plan (each draw's own table, model and plan;
 * their plans have no draws, so this does not recurse). */
static ics_status dyn_draws_create(const ics_dyn_ops *ops, const ics_config *cfg,
                                   const ics_table_draws *D, ics_dyn *d, ics_error *err)
{
    ics_status st = ICS_OK;
    ICS_ALLOC(d->draws, D->K, err, "the plans of the table draws");
    d->ndraws = D->K;
    d->draw_row = D->row;
    for (int q = 0; q < D->K; ++q)
        ICS_TRY(ics_dyn_create_ops(ops, cfg, D->t[q], D->m[q], D->p[q], &d->draws[q], err));
done:
    return st;
}

ics_status ics_dyn_create(const ics_config *cfg, const ics_table *t, const ics_model *m,
                          const ics_plan *p, ics_dyn **out, ics_error *err)
{
    const ics_dyn_ops *ops = ics_dyn_ops_find(ics_model_name(cfg->model));
    if (!ops)
        return ics_error_set(err, ICS_EINTERNAL, "model '%s' is not a registered dynamic model",
                             ics_model_name(cfg->model));
    return ics_dyn_create_ops(ops, cfg, t, m, p, out, err);
}

ics_status ics_dyn_create_ops(const ics_dyn_ops *ops, const ics_config *cfg, const ics_table *t,
                              const ics_model *m, const ics_plan *p, ics_dyn **out,
                              ics_error *err)
{
    ics_status st = ICS_OK;
    ics_dyn *d = NULL;
    unsigned char *sup = NULL, *buy = NULL;
    double *r = NULL;
    const int n = t->n, k = cfg->nshocks, T = cfg->horizon;
    const char *cfgname = cfg->path ? cfg->path : "config";
    ICS_ALLOC(d, 1, err, "the dynamic plan");
    d->nunc = p ? p->nunc : 0;
    d->model = cfg->model;
    d->ops = ops;
    d->n = n, d->k = k, d->T = T;
    d->level = cfg->recovery_level;
    d->x = m->x;
    d->Astar = m->B;
    d->nreg = t->nreg;
    d->node_region = t->node_region;
    ICS_ALLOC(d->xstep, n, err, "output per step");
    ICS_ALLOC(d->xreg, t->nreg, err, "regional output");
    for (int i = 0; i < n; ++i) {
        d->xstep[i] = m->x[i] / cfg->steps_per_year;
        d->xreg[t->node_region[i]] += d->xstep[i];
    }
    ICS_ALLOC(d->sched, (size_t)T * (k ? k : 1), err, "shock schedules");
    ICS_ALLOC(d->type, k ? k : 1, err, "shock types");
    ICS_ALLOC(d->mask, (size_t)n * (k ? k : 1), err, "shock masks");
    ICS_ALLOC(d->pattern, (size_t)n * (k ? k : 1), err, "shock patterns");
    ICS_ALLOC(d->start, k ? k : 1, err, "shock starts");
    ICS_ALLOC(d->duration, k ? k : 1, err, "shock durations");
    ICS_ALLOC(d->recovery, k ? k : 1, err, "shock recoveries");
    ICS_ALLOC(sup, n, err, "a node mask");
    ICS_ALLOC(buy, n, err, "a node mask");
    ICS_ALLOC(r, n, err, "trade shares");
    for (int s = 0; s < k; ++s) {
        const ics_shock *sh = &cfg->shocks[s];
        if (sh->start >= T)
            ICS_FAIL(err, ICS_EINPUT, "%s:%d: shock '%s': start %d is beyond the horizon (%d steps)",
                     cfgname, sh->line, sh->name, sh->start, T);
        d->type[s] = sh->type;
        d->start[s] = sh->start;
        d->duration[s] = sh->duration;
        d->recovery[s] = sh->recovery;
        for (int tt = 0; tt < T; ++tt) d->sched[(size_t)tt * k + s] = intensity(sh, tt);
        unsigned char *mk = d->mask + (size_t)s * n;
        double *pt = d->pattern + (size_t)s * n;
        if (sh->type == ICS_SHOCK_TRADE_RESTRICTION) {
            double total = 0.0;
            char owner[300];
            snprintf(owner, sizeof owner, "shock '%s'", sh->name);
            ICS_TRY(ics_select_nodes(cfg->path, sh->line, owner, sh->from, sh->nfrom,
                                     sh->segments, sh->nsegments, t, sup, err));
            ICS_TRY(ics_select_nodes(cfg->path, sh->line, owner, sh->to, sh->nto, NULL, 0, t,
                                     buy, err));
            ICS_TRY(ics_trade_shares(t, sup, buy, r, &total, err));
            if (!(total > 0.0))
                ICS_FAIL(err, ICS_EINPUT, "%s:%d: shock '%s' restricts no flow of the table",
                         cfgname, sh->line, sh->name);
            for (int j = 0; j < n; ++j) {
                mk[j] = r[j] > 0.0;
                pt[j] = r[j]; /* lost share of the scarcest restricted input per unit of -change */
            }
        } else {
            ICS_TRY(ics_shock_select(cfg, sh, t, mk, err));
            for (int i = 0; i < n; ++i) {
                if (!mk[i]) continue;
                if (sh->type == ICS_SHOCK_CAPACITY_LOSS)
                    pt[i] = 1.0;
                else if (ops->demand_relative) /* c*_i = -dy_i / x_i per unit change */
                    pt[i] = m->x[i] != 0.0 ? -m->y[i] / m->x[i] : 0.0;
                else
                    pt[i] = m->y[i]; /* dy_i per unit change */
            }
        }
    }
    ICS_TRY(ops->create(cfg, t, m, d, err));
    if (p && p->draws) ICS_TRY(dyn_draws_create(ops, cfg, p->draws, d, err));
    *out = d;
    d = NULL;
done:
    free(sup), free(buy), free(r);
    ics_dyn_destroy(&d);
    return st;
}

void ics_dyn_destroy(ics_dyn **dp)
{
    if (!dp || !*dp) return;
    ics_dyn *d = *dp;
    free(d->sched), free(d->type), free(d->mask), free(d->pattern), free(d->start);
    free(d->duration), free(d->recovery), free(d->xstep), free(d->xreg);
    if (d->ops && d->ops->destroy) d->ops->destroy(d);
    for (int q = 0; d->draws && q < d->ndraws; ++q) ics_dyn_destroy(&d->draws[q]);
    free(d->draws);
    free(d);
    *dp = NULL;
}

ics_status ics_dyn_ws_create(const ics_dyn *d, int b, int with_traj, ics_dyn_ws **out,
                             ics_error *err)
{
    ics_status st = ICS_OK;
    ics_dyn_ws *w = NULL;
    const int n = d->n, k = d->k ? d->k : 1;
    ICS_ALLOC(w, 1, err, "a dynamic workspace");
    /* its arrays start on a cache line: calloc's 16-byte alignment (16 past a page for a block
     * from mmap) made every 64-byte vector load of them straddle two lines (a one-thread ARIO
     * run 0.78 s where the same work on aligned arrays takes 0.62 s; docs/performance.md,
     * "Workspaces on cache lines") */
    w->n = n, w->k = d->k, w->b = b, w->T = d->T;
    ICS_ALLOC_LINE(w->Theta, (size_t)k * b, err, "parameters");
    ICS_ALLOC_LINE(w->Raw, (size_t)k * b, err, "parameters");
    ICS_ALLOC_LINE(w->Occ, (size_t)k * b, err, "parameters");
    ICS_ALLOC_LINE(w->Start, (size_t)k * b, err, "shock timing");
    ICS_ALLOC_LINE(w->Dur, (size_t)k * b, err, "shock timing");
    if (d->nunc) ICS_ALLOC_LINE(w->Unc, (size_t)d->nunc * b, err, "uncertainty factors");
    ICS_ALLOC_LINE(w->Q, (size_t)n * b, err, "the state");
    ICS_ALLOC_LINE(w->G, (size_t)n * b, err, "scratch");
    ICS_ALLOC_LINE(w->C, (size_t)n * b, err, "scratch");
    if (d->model == ICS_MODEL_DIIM) {
        ICS_ALLOC_LINE(w->Rb, (size_t)n * b, err, "rebuild floors");
        ICS_ALLOC_LINE(w->Rt, (size_t)n * b, err, "rebuild floors");
    }
    ICS_ALLOC_LINE(w->X, (size_t)n * b, err, "cumulative output change");
    ICS_ALLOC_LINE(w->rec, (size_t)n * b, err, "recovery times");
    ICS_ALLOC_LINE(w->peak, (size_t)n * b, err, "peak losses");
    ICS_ALLOC_LINE(w->rec_region, (size_t)(d->nreg ? d->nreg : 1) * b, err, "recovery times");
    ICS_ALLOC_LINE(w->regloss, 4 * (d->nreg ? d->nreg : 1), err, "regional losses");
    ICS_ALLOC_LINE(w->unmet, b, err, "unmet demand");
    if (with_traj) ICS_ALLOC_LINE(w->traj, (size_t)n * (d->T + 1) * b, err, "trajectories");
    if (d->ops->ws_bytes) {
        size_t bytes = d->ops->ws_bytes(d, b);
        for (int q = 0; q < d->ndraws; ++q) { /* any draw's group may be the whole block */
            const size_t bq = d->ops->ws_bytes(d->draws[q], b);
            if (bq > bytes) bytes = bq;
        }
        if (bytes) ICS_ALLOC_LINE(w->model_ws, bytes, err, "the model's workspace");
    }
    if (d->ndraws) {
        size_t len = (size_t)n * (with_traj ? d->T + 1 : 1);
        if ((size_t)k > len) len = (size_t)k;
        if ((size_t)d->nunc > len) len = (size_t)d->nunc;
        if ((size_t)d->nreg > len) len = (size_t)d->nreg;
        ICS_ALLOC_LINE(w->dord, b, err, "the draw order");
        ICS_ALLOC_LINE(w->dpos, b, err, "the draw order");
        ICS_ALLOC_LINE(w->dstart, d->ndraws + 1, err, "the draw order");
        ICS_ALLOC_LINE(w->dmark, b, err, "the draw order");
        ICS_ALLOC_LINE(w->dtmp, len, err, "the draw order");
        w->dtmp_len = len;
    }
    *out = w;
    w = NULL;
done:
    ics_dyn_ws_destroy(&w);
    return st;
}

void ics_dyn_ws_destroy(ics_dyn_ws **wp)
{
    if (!wp || !*wp) return;
    ics_dyn_ws *w = *wp;
    free(w->Theta), free(w->Raw), free(w->Occ), free(w->Q), free(w->G), free(w->C);
    free(w->Start), free(w->Dur), free(w->Rb), free(w->Rt), free(w->Unc);
    free(w->X), free(w->rec), free(w->peak), free(w->unmet), free(w->traj), free(w->model_ws);
    free(w->rec_region), free(w->regloss);
    free(w->dord), free(w->dpos), free(w->dstart), free(w->dmark), free(w->dtmp);
    free(w);
    *wp = NULL;
}

ics_dyn_ws ics_dyn_ws_cols(const ics_dyn *d, const ics_dyn_ws *w, int c0, int cb)
{
    ics_dyn_ws c = *w;
    const size_t j = (size_t)c0, n = (size_t)d->n, k = (size_t)d->k;
    c.b = cb;
    c.Theta += j * k, c.Raw += j * k, c.Occ += j * k, c.Start += j * k, c.Dur += j * k;
    if (c.Unc) c.Unc += j * (size_t)d->nunc;
    c.Q += j * n, c.X += j * n, c.rec += j * n, c.peak += j * n, c.unmet += j;
    c.rec_region += j * (size_t)d->nreg;
    if (c.traj) c.traj += j * (size_t)(d->T + 1) * n;
    return c;
}

/* In place, column j of A (bb columns of len values) := old column src[j] (a permutation), by
 * following its cycles with one column of scratch. */
static void permute_cols(double *A, size_t len, int bb, const int *src, unsigned char *mark,
                         double *tmp)
{
    if (!A || !len) return;
    const size_t bytes = len * sizeof *A;
    memset(mark, 0, (size_t)bb);
    for (int j = 0; j < bb; ++j) {
        if (mark[j]) continue;
        mark[j] = 1;
        if (src[j] == j) continue;
        memcpy(tmp, A + (size_t)j * len, bytes);
        int cur = j;
        while (src[cur] != j) {
            memcpy(A + (size_t)cur * len, A + (size_t)src[cur] * len, bytes);
            cur = src[cur];
            mark[cur] = 1;
        }
        memcpy(A + (size_t)cur * len, tmp, bytes);
    }
}

/* Every per-scenario array of ws: column j := old column src[j]. */
static void permute_ws(const ics_dyn *d, int bb, const int *src, ics_dyn_ws *w)
{
    const size_t n = (size_t)d->n, k = (size_t)d->k;
    double *const byk[5] = {w->Theta, w->Raw, w->Occ, w->Start, w->Dur};
    for (int a = 0; a < 5; ++a) permute_cols(byk[a], k, bb, src, w->dmark, w->dtmp);
    permute_cols(w->Unc, (size_t)d->nunc, bb, src, w->dmark, w->dtmp);
    double *const byn[3] = {w->X, w->rec, w->peak};
    for (int a = 0; a < 3; ++a) permute_cols(byn[a], n, bb, src, w->dmark, w->dtmp);
    permute_cols(w->rec_region, (size_t)d->nreg, bb, src, w->dmark, w->dtmp);
    permute_cols(w->unmet, 1, bb, src, w->dmark, w->dtmp);
    permute_cols(w->traj, n * (size_t)(d->T + 1), bb, src, w->dmark, w->dtmp);
}

/* Table draws: order the block's scenarios by draw (a stable counting sort), run each draw's
 * group with that draw's plan on a view of ws at the group's columns, then restore the scenario
 * order of every array (inputs and results). */
static void draws_block(const ics_dyn *d, const ics_plan *p, int64_t first, int bb,
                        ics_dyn_ws *w)
{
    const int K = d->ndraws, nu = d->nunc;
    int *st = w->dstart;
    memset(st, 0, sizeof *st * (size_t)(K + 1));
    for (int j = 0; j < bb; ++j) st[(int)w->Unc[d->draw_row + (size_t)j * nu] + 1]++;
    for (int q = 0; q < K; ++q) st[q + 1] += st[q];
    for (int j = 0; j < bb; ++j) { /* st[q] ends as the first column of draw q + 1 */
        const int g = st[(int)w->Unc[d->draw_row + (size_t)j * nu]]++;
        w->dord[g] = j, w->dpos[j] = g;
    }
    permute_ws(d, bb, w->dord, w); /* grouped: column g holds scenario dord[g] */
    for (int q = 0, o = 0; q < K; o = st[q++]) {
        const int c = st[q] - o;
        if (c == 0) continue;
        ics_dyn_ws v = ics_dyn_ws_cols(d, w, o, c); /* the group's columns */
        const ics_dyn *dq = d->draws[q];
        dq->ops->block(dq, p->draws->p[q], first, c, &v);
    }
    permute_ws(d, bb, w->dpos, w); /* back: column j holds scenario j */
}

void ics_dyn_block(const ics_dyn *d, const ics_plan *p, const ics_model *m, int64_t first, int bb,
                   ics_dyn_ws *ws)
{
    (void)m;
    ics_plan_sample(p, first, bb, ws->Theta, ws->Raw, ws->Occ);
    ics_plan_timing(p, first, bb, ws->Start, ws->Dur);
    if (p->nunc) ics_plan_uncertainty(p, first, bb, ws->Unc);
    if (d->ndraws && p->draws)
        draws_block(d, p, first, bb, ws);
    else
        d->ops->block(d, p, first, bb, ws);
}

void ics_dyn_reset(const ics_dyn *d, int bb, ics_dyn_ws *w)
{
    const size_t nb = (size_t)d->n * bb;
    memset(w->X, 0, nb * sizeof *w->X);
    memset(w->rec, 0, nb * sizeof *w->rec);
    memset(w->peak, 0, nb * sizeof *w->peak);
    memset(w->rec_region, 0, (size_t)d->nreg * bb * sizeof *w->rec_region);
    memset(w->unmet, 0, (size_t)bb * sizeof *w->unmet);
}

/* The elementwise part of recording one scenario's step: branch-free with restrict-qualified
 * arguments so that it vectorises (kernels/ics_simd.h clones); the values are the plain loop's. */
ICS_SIMD_CLONES static void record_nodes(int n, int cum, double tnext, double thr,
                                         const double *restrict xstep, const double *restrict q,
                                         double *restrict X, double *restrict pk,
                                         double *restrict rc)
{
    for (int i = 0; i < n; ++i) {
        const double qi = q[i], li = xstep[i] * qi, x = X[i], p = pk[i], r = rc[i];
        X[i] = cum ? x - li : x;
        pk[i] = qi > p ? qi : p;
        rc[i] = qi > thr ? tnext : r;
    }
}

/* lr[u R + r] = sum over the nodes i of region r, in ascending i, of xs[i] q[u n + i], for the
 * nj <= 4 scenarios u: each sum in a register while the nodes stay in one region (the order of
 * lr[reg[i]] += ..., without its store and reload per node), four scenarios' sums in flight. */
static void region_losses(int n, int R, const int *restrict reg, const double *restrict xs,
                          const double *restrict q, int nj, double *restrict lr)
{
    memset(lr, 0, (size_t)4 * R * sizeof *lr);
    if (n == 0) return;
    const double *q1 = q + (size_t)(nj > 1) * n, *q2 = q + (size_t)(nj > 2) * 2 * n,
                 *q3 = q + (size_t)(nj > 3) * 3 * n; /* (unused rows repeat the first) */
    double a0 = 0.0, a1 = 0.0, a2 = 0.0, a3 = 0.0;
    int rc = reg[0];
    for (int i = 0; i < n; ++i) {
        const int r = reg[i];
        if (r != rc) {
            lr[rc] = a0, lr[R + rc] = a1, lr[2 * R + rc] = a2, lr[3 * R + rc] = a3;
            rc = r;
            a0 = lr[r], a1 = lr[R + r], a2 = lr[2 * R + r], a3 = lr[3 * R + r];
        }
        const double x = xs[i];
        a0 += x * q[i], a1 += x * q1[i], a2 += x * q2[i], a3 += x * q3[i];
    }
    lr[rc] = a0, lr[R + rc] = a1, lr[2 * R + rc] = a2, lr[3 * R + rc] = a3;
}

void ics_dyn_record(const ics_dyn *d, int t, int bb, const double *share, ics_dyn_ws *w)
{
    const int n = d->n, T = d->T, R = d->nreg;
    const double thr = 1.0 - d->level;
    double *lr = w->regloss; /* 4 x R: the rows beyond nj are scratch */
    /* a share lost above 1 - level is "not recovered" */
    for (int j0 = 0; j0 < bb; j0 += 4) {
        const int nj = bb - j0 < 4 ? bb - j0 : 4;
        region_losses(n, R, d->node_region, d->xstep, share + (size_t)j0 * n, nj, lr);
        for (int u = 0; u < nj; ++u) {
            const int j = j0 + u;
            const double *q = share + (size_t)j * n, *lu = lr + (size_t)u * R;
            double *rr = w->rec_region + (size_t)j * R;
            record_nodes(n, t < T, t + 1, thr, d->xstep, q, w->X + (size_t)j * n,
                         w->peak + (size_t)j * n, w->rec + (size_t)j * n);
            for (int r = 0; r < R; ++r)
                if (d->xreg[r] > 0.0 && lu[r] > thr * d->xreg[r]) rr[r] = t + 1;
            if (w->traj) memcpy(w->traj + (size_t)j * (T + 1) * n + (size_t)t * n, q, n * sizeof *q);
        }
    }
}
