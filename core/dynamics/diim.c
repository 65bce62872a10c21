/* Dynamic inoperability input-output model (Haimes et al. 2005; Lian & Haimes 2006) over a block
 * of scenarios: q(t+1) = clip(q(t) + K [A* q(t) + c*(t) - q(t)], 0, 1), one DGEMM (A* Q) per step
 * on the n x b state plus one fused elementwise pass.
 *
 * Shocks: final_demand gives c*_i(t) = -dy_i/x_i = -change y_i/x_i while active; a trade
 * restriction gives the buyers c*_j(t) = -change r_j (r_j its lost input share); a capacity_loss
 * sets the inoperability of its nodes to at least `loss` at its start (q(0) for start 0) and,
 * when it has a duration, holds that floor while the shock is active (then ramped over
 * `recovery`); after that the nodes recover through K. A capacity_loss without a duration (damage)
 * that destroys more than a node's repairable share leaves the excess lost until it is rebuilt
 * (severity-dependent recovery, docs/models.md). */
#include "ics_dynamic.h"
#include "ics_builtin_dynamics.h"
#include "ics_world_dynamics.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* Damage of share `loss` to the nodes of mask mk at step t in scenario j: the share beyond
 * what repair restores stays lost through step t + rebuild_hold (the larger floor and the later
 * end win when damages overlap). */
static void rebuild_start(const ics_dyn *d, const unsigned char *mk, double loss, int t,
                          ics_dyn_ws *w, int j)
{
    const int n = d->n;
    double *rb = w->Rb + (size_t)j * n, *rt = w->Rt + (size_t)j * n;
    for (int i = 0; i < n; ++i) {
        if (!mk[i] || d->rebuild_hold[i] <= 0.0) continue;
        const double excess = (loss > 1.0 ? 1.0 : loss) - d->repairable[i];
        if (excess <= 0.0) continue;
        const double end = t + d->rebuild_hold[i];
        if (rb[i] <= 0.0 || end > rt[i]) rt[i] = end;
        if (excess > rb[i]) rb[i] = excess;
    }
}

/* Hold each node's unrebuilt share as a floor on q at step t; release it after its end. */
static void rebuild_floors(const ics_dyn *d, int t, int bb, ics_dyn_ws *w)
{
    const size_t nb = (size_t)d->n * bb;
    double *Q = w->Q, *Rb = w->Rb;
    const double *Rt = w->Rt;
    for (size_t q = 0; q < nb; ++q) {
        if (Rb[q] <= 0.0) continue;
        if (t > Rt[q])
            Rb[q] = 0.0;
        else if (Q[q] < Rb[q])
            Q[q] = Rb[q];
    }
}

void ics_diim_block(const ics_dyn *d, const ics_plan *p, int64_t first, int bb, ics_dyn_ws *w)
{
    (void)p;
    (void)first;
    const int n = d->n, k = d->k, T = d->T;
    const size_t nb = (size_t)n * bb;
    double *Q = w->Q, *G = w->G, *C = w->C;
    memset(Q, 0, nb * sizeof *Q);
    if (d->rebuild) memset(w->Rb, 0, nb * sizeof *w->Rb);
    ics_dyn_reset(d, bb, w);

    for (int t = 0; t <= T; ++t) {
        if (ics_dyn_cancelled(w)) return;
        /* capacity floors at step t */
        for (int s = 0; s < k; ++s) {
            if (d->type[s] != ICS_SHOCK_CAPACITY_LOSS || t == T) continue;
            const unsigned char *mk = d->mask + (size_t)s * n;
            for (int j = 0; j < bb; ++j) {
                const double st = w->Start[s + (size_t)j * k], du = w->Dur[s + (size_t)j * k];
                double f;
                if (t == st)
                    f = 1.0;
                else if (du < 0 || t < st)
                    f = 0.0;
                else
                    f = ics_dyn_intensity(d, s, t, st, du);
                if (f == 0.0) continue;
                const double floor = f * w->Theta[s + (size_t)j * k];
                double *q = Q + (size_t)j * n;
                for (int i = 0; i < n; ++i)
                    if (mk[i] && q[i] < floor) q[i] = floor > 1.0 ? 1.0 : floor;
                if (d->rebuild && t == st && du < 0) rebuild_start(d, mk, floor, t, w, j);
            }
        }
        if (d->rebuild) rebuild_floors(d, t, bb, w);
        ics_dyn_record(d, t, bb, Q, w);
        if (t == T) break;
        /* c*(t) = sum over demand-side shocks of intensity * theta * pattern */
        memset(C, 0, nb * sizeof *C);
        for (int s = 0; s < k; ++s) {
            if (d->type[s] == ICS_SHOCK_CAPACITY_LOSS) continue;
            const double sign = d->type[s] == ICS_SHOCK_TRADE_RESTRICTION ? -1.0 : 1.0;
            const double *pt = d->pattern + (size_t)s * n;
            for (int j = 0; j < bb; ++j) {
                const double f = ics_dyn_intensity(d, s, t, w->Start[s + (size_t)j * k],
                                                   w->Dur[s + (size_t)j * k]);
                const double a = sign * f * w->Theta[s + (size_t)j * k];
                if (a == 0.0) continue;
                double *c = C + (size_t)j * n;
                for (int i = 0; i < n; ++i) c[i] += a * pt[i];
            }
        }
        /* G = A* Q, then q <- clip(q + k (g + c - q), 0, 1) in one pass */
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, bb, n, 1.0, d->Astar, n, Q, n,
                    0.0, G, n);
        for (int j = 0; j < bb; ++j) {
            double *q = Q + (size_t)j * n;
            const double *g = G + (size_t)j * n, *c = C + (size_t)j * n;
            for (int i = 0; i < n; ++i) {
                double v = q[i] + d->kdiag[i] * (g[i] + c[i] - q[i]);
                q[i] = v < 0.0 ? 0.0 : v > 1.0 ? 1.0 : v;
            }
        }
    }
}

double ics_diim_coefficient(int form, double lambda, double T, double aii)
{
    if (form == 1) /* Lian & Haimes (2006): k = ln(q(0)/q(T)) / (T (1 - a*_ii)), q(T)/q(0) = lambda */
        return -log(lambda) / (T * (1.0 - aii));
    /* discrete_exact: (1 - k (1 - a*_ii))^T = lambda, so the explicit update reaches lambda q(0)
     * exactly at T for an isolated node */
    return (1.0 - pow(lambda, 1.0 / T)) / (1.0 - aii);
}

/* The value of a per-segment DIIM parameter for segment `seg`: the config's per-segment value,
 * else its default, else `fallback`. */
static double segmap_value(const ics_diim_segmap *m, const ics_table *t, int seg, double fallback)
{
    for (int q = 0; q < m->n; ++q)
        if (ics_table_find_segment(t, m->segments[q]) == seg) return m->values[q];
    return m->has_def ? m->def : fallback;
}

static ics_status segmap_check(const ics_config *cfg, const ics_table *t, const ics_diim_segmap *m,
                               const char *key, ics_error *err)
{
    ics_status st = ICS_OK;
    for (int q = 0; q < m->n; ++q)
        if (ics_table_find_segment(t, m->segments[q]) < 0) {
            const char *near = ics_nearest(m->segments[q], (const char *const *)t->segments, t->nseg);
            ICS_FAIL(err, ICS_EINPUT, "%s: diim: %s: '%s' is not a segment of the table%s%s%s",
                     cfg->path ? cfg->path : "config", key, m->segments[q],
                     near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        }
done:
    return st;
}

ics_status ics_diim_rebuild_create(const ics_config *cfg, const ics_table *t, ics_dyn *d,
                                   ics_error *err)
{
    ics_status st = ICS_OK;
    const int n = d->n;
    const int builtin = ics_table_has_builtin_dynamics(t);
    ICS_TRY(segmap_check(cfg, t, &cfg->diim_repairable, "repairable_share", err));
    ICS_TRY(segmap_check(cfg, t, &cfg->diim_rebuild, "rebuild_time", err));
    ICS_ALLOC(d->repairable, n, err, "repairable shares");
    ICS_ALLOC(d->rebuild_hold, n, err, "rebuild holds");
    d->rebuild = 0;
    for (int i = 0; i < n; ++i) {
        const int seg = t->node_segment[i];
        /* rebuild time: the config's, else the built-in table's time to build new capacity
         * (fabs: the 97-week construction time, docs/data.md), else none */
        double tb = 0.0;
        if (builtin) {
            const ics_builtin_dyn *bd = ics_builtin_dynamics(t->segments[seg]);
            if (bd) tb = bd->ramp_weeks * cfg->steps_per_year / 52.0;
        }
        tb = segmap_value(&cfg->diim_rebuild, t, seg, tb);
        d->repairable[i] = segmap_value(&cfg->diim_repairable, t, seg, ICS_DIIM_REPAIRABLE_SHARE);
        /* the unrepairable share comes back after the rebuild; the last T_i steps of it are the
         * ordinary DIIM recovery of a node (ramp-up), so it is held for tb - T_i steps */
        d->rebuild_hold[i] = tb > d->trec[i] ? tb - d->trec[i] : 0.0;
        if (d->rebuild_hold[i] > 0.0 && d->repairable[i] < 1.0) d->rebuild = 1;
    }
done:
    return st;
}
