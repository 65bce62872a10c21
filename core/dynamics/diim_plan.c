/* DIIM's side of the dynamic plan: its resilience coefficients k_i from the config's `diim:`
 * section (or the built-in table's recovery times), and its operations for the dynamic plan
 * (ics_dyn_ops; registered in registry.c). The block itself is diim.c. */
#include "ics_builtin_dynamics.h"
#include "ics_world_dynamics.h"
#include "ics_dynamic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static ics_status diim_create(const ics_config *cfg, const ics_table *t, const ics_model *m,
                              ics_dyn *d, ics_error *err)
{
    ics_status st = ICS_OK;
    const int n = t->n;
    const char *cfgname = cfg->path ? cfg->path : "config";
    /* k_i from recovery times T_i (steps, per segment): the discrete-time equivalent of
     * Lian & Haimes' -ln(lambda) / (T_i (1 - a*_ii)), so that an isolated node recovers to
     * lambda of its initial inoperability exactly at T_i: (1 - k_i (1 - a*_ii))^T_i = lambda;
     * `diim.coefficients: lian_haimes` takes the paper's form (ics_diim_coefficient). */
    ICS_ALLOC(d->kdiag, n, err, "resilience coefficients");
    ICS_ALLOC(d->trec, n, err, "recovery times");
    for (int q = 0; q < cfg->diim_nrt; ++q)
        if (ics_table_find_segment(t, cfg->diim_rt_segments[q]) < 0) {
            const char *near = ics_nearest(cfg->diim_rt_segments[q],
                                           (const char *const *)t->segments, t->nseg);
            ICS_FAIL(err, ICS_EINPUT, "%s: diim: recovery_time: '%s' is not a segment of the "
                     "table%s%s%s", cfgname, cfg->diim_rt_segments[q],
                     near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        }
    const int builtin = ics_table_has_builtin_dynamics(t) && !cfg->diim_rt_given;
    for (int i = 0; i < n; ++i) {
        double Ti = cfg->diim_recovery_default;
        if (builtin) { /* the table's own per-segment recovery times (docs/data.md) */
            const ics_builtin_dyn *bd = ics_builtin_dynamics(t->segments[t->node_segment[i]]);
            if (bd) Ti = fmax(1.0, bd->recovery_weeks * cfg->steps_per_year / 52.0);
        }
        for (int q = 0; q < cfg->diim_nrt; ++q)
            if (ics_table_find_segment(t, cfg->diim_rt_segments[q]) == t->node_segment[i])
                Ti = cfg->diim_rt_values[q];
        const double aii = m->B[i + (size_t)i * n];
        const double ki = ics_diim_coefficient(cfg->diim_coefficients, cfg->diim_lambda, Ti, aii);
        if (!(ki > 0.0 && ki <= 1.0))
            ICS_FAIL(err, ICS_EINPUT, "%s: diim: node %s/%s: recovery time %g steps gives "
                     "k = %g outside (0, 1]%s", cfgname, t->regions[t->node_region[i]],
                     t->segments[t->node_segment[i]], Ti, ki,
                     cfg->diim_coefficients ? " with coefficients: lian_haimes (its k needs a "
                     "recovery time of at least -ln(lambda)/(1 - a*_ii) steps: set a longer "
                     "diim.recovery_time for this segment, or coefficients: discrete_exact)" : "");
        d->kdiag[i] = ki;
        d->trec[i] = Ti;
    }
    ICS_TRY(ics_diim_rebuild_create(cfg, t, d, err));
done:
    return st;
}

static void diim_destroy(ics_dyn *d)
{
    free(d->kdiag), free(d->repairable), free(d->rebuild_hold), free(d->trec);
    d->kdiag = NULL, d->repairable = NULL, d->rebuild_hold = NULL, d->trec = NULL;
}

/* Demand shocks as c*_i = -dy_i / x_i per unit change (inoperability). */
const ics_dyn_ops ics_diim_ops = {"diim", 1, diim_create, NULL, ics_diim_block, diim_destroy};
