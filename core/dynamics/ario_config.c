/* The `ario:` section after parsing: defaults for the values a config left out, the inventory
 * target of every segment (labels checked against the table, with a nearest-label hint), and
 * freeing the section's owned lists. Parsing itself is parse_ario in config.c. */
#include "ics_ario_internal.h"
#include "ics_builtin_dynamics.h"
#include "ics_config.h"
#include "ics_table.h"

#include <math.h>
#include <string.h>
#include <stdlib.h>

static void segvals_free(ics_segvals *v)
{
    if (v->seg)
        for (int i = 0; i < v->n; ++i) free(v->seg[i]);
    free(v->seg), free(v->val), free(v->line);
    memset(v, 0, sizeof *v);
}

void ics_ario_config_free(ics_config *cfg)
{
    if (!cfg) return;
    segvals_free(&cfg->ario_amax);
    segvals_free(&cfg->ario_build_lag);
    segvals_free(&cfg->ario_requal);
    if (cfg->ario_inv_segments)
        for (int i = 0; i < cfg->ario_ninv; ++i) free(cfg->ario_inv_segments[i]);
    free(cfg->ario_inv_segments);
    free(cfg->ario_inv_values);
    free(cfg->ario_inv_lines);
    cfg->ario_inv_segments = NULL;
    cfg->ario_inv_values = NULL;
    cfg->ario_inv_lines = NULL;
    cfg->ario_ninv = 0;
}

/* BoARIO's defaults (peers-io.md 2.2), converted from days to steps of 1/steps_per_year. */
void ics__ario_params_get(const ics_config *cfg, ics__ario_params *p)
{
    const double spy = cfg->steps_per_year > 0 ? cfg->steps_per_year : 52;
    p->alpha_max = cfg->ario_alpha_max > 0 ? cfg->ario_alpha_max : 1.25;
    p->tau_alpha = cfg->ario_tau_alpha > 0 ? cfg->ario_tau_alpha : spy;
    p->psi = cfg->ario_psi > 0 ? cfg->ario_psi : 0.8;
    p->tau_inventory = cfg->ario_tau_inventory > 0 ? cfg->ario_tau_inventory : fmax(1.0, 60.0 * spy / 365.0);
    p->subst_share = cfg->ario_subst_share;
    p->subst_ramp = cfg->ario_subst_ramp;
    p->order_base = cfg->ario_order_base;
    p->recovery_curve = cfg->ario_recovery_curve;
}

static ics_status below_one_step(const char *cfgname, int line, const char *key, double v,
                                 ics_error *err)
{
    return ics_error_set(err, ICS_EINPUT, "%s:%d: ario: inventory: key '%s': %g steps of use is "
                         "below the minimum: a target must be at least 1 step (a step's inputs "
                         "are taken from the stock held at its start)", cfgname, line, key, v);
}

/* steps[nseg]: the inventory target of each product (segment) in steps of use, INFINITY = none.
 * A label that is not a segment of the table is ICS_EINPUT with the line and nearest label.
 * A target is at least one step: a step's inputs must be in stock at its start (receipts arrive
 * at its end), so a smaller stock would bind production below baseline with no shock at all
 * (docs/models.md, item 6). A value the config gives below one step is ICS_EINPUT; the defaults
 * derived from days (90 days, the built-in table's per-product days) are raised to one step. */
ics_status ics__ario_inventory(const ics_config *cfg, const ics_table *t, double *steps,
                               ics_error *err)
{
    const double spy = cfg->steps_per_year > 0 ? cfg->steps_per_year : 52;
    const double def = cfg->ario_inv_default > 0 ? cfg->ario_inv_default
                                                 : fmax(1.0, 90.0 * spy / 365.0);
    const char *cfgname = cfg->path ? cfg->path : "config";
    if (cfg->ario_inv_default > 0 && cfg->ario_inv_default < 1.0)
        return below_one_step(cfgname, cfg->ario_line, "default", cfg->ario_inv_default, err);
    const int builtin = t->source && !strcmp(t->source, "builtin") && !(cfg->ario_inv_default > 0);
    for (int p = 0; p < t->nseg; ++p) {
        steps[p] = def;
        if (builtin) { /* the table's own per-product inventory targets (docs/data.md) */
            const ics_builtin_dyn *bd = ics_builtin_dynamics(t->segments[p]);
            if (bd) steps[p] = fmax(1.0, bd->inventory_days * spy / 365.0); /* at least a step */
        }
    }
    for (int q = 0; q < cfg->ario_ninv; ++q) {
        const int p = ics_table_find_segment(t, cfg->ario_inv_segments[q]);
        if (p < 0) {
            const char *hint = ics_nearest(cfg->ario_inv_segments[q],
                                           (const char *const *)t->segments, t->nseg);
            if (hint)
                return ics_error_set(err, ICS_EINPUT, "%s:%d: ario: inventory: '%s' is not a "
                                     "segment of the table; did you mean '%s'?", cfgname,
                                     cfg->ario_inv_lines[q], cfg->ario_inv_segments[q], hint);
            return ics_error_set(err, ICS_EINPUT, "%s:%d: ario: inventory: '%s' is not a segment "
                                 "of the table (%d segments, e.g. '%s')", cfgname,
                                 cfg->ario_inv_lines[q], cfg->ario_inv_segments[q], t->nseg,
                                 t->nseg ? t->segments[0] : "");
        }
        if (cfg->ario_inv_values[q] < 1.0)
            return below_one_step(cfgname, cfg->ario_inv_lines[q], cfg->ario_inv_segments[q],
                                  cfg->ario_inv_values[q], err);
        steps[p] = cfg->ario_inv_values[q];
    }
    return ICS_OK;
}

/* The value of a per-segment parameter for every segment of t (out[nseg]): the config's default
 * if it gives one, else on `table: builtin` the table's own per-segment value (builtin(row),
 * in weeks or a ratio, times scale), else def_all; then the config's per-segment overrides. A
 * label that is not a segment of the table is ICS_EINPUT with its line and the nearest label. */
ics_status ics__ario_segment_values(const ics_config *cfg, const ics_table *t,
                                    const ics_segvals *sv, const char *key, double def_all,
                                    double (*builtin)(const ics_builtin_dyn *), double scale,
                                    double *out, ics_error *err)
{
    const char *cfgname = cfg->path ? cfg->path : "config";
    const int use_builtin = builtin && t->source && !strcmp(t->source, "builtin") &&
                            !sv->has_default;
    for (int p = 0; p < t->nseg; ++p) {
        out[p] = sv->has_default ? sv->def : def_all;
        if (use_builtin) {
            const ics_builtin_dyn *bd = ics_builtin_dynamics(t->segments[p]);
            if (bd) out[p] = builtin(bd) * scale;
        }
    }
    for (int q = 0; q < sv->n; ++q) {
        const int p = ics_table_find_segment(t, sv->seg[q]);
        if (p < 0) {
            const char *hint = ics_nearest(sv->seg[q], (const char *const *)t->segments, t->nseg);
            return ics_error_set(err, ICS_EINPUT, "%s:%d: ario: %s: '%s' is not a segment of the "
                                 "table%s%s%s", cfgname, sv->line[q], key, sv->seg[q],
                                 hint ? "; did you mean '" : "", hint ? hint : "",
                                 hint ? "'?" : "");
        }
        out[p] = sv->val[q];
    }
    return ICS_OK;
}

double ics__ario_builtin_amax(const ics_builtin_dyn *bd) { return bd->alpha_max; }
double ics__ario_builtin_lag(const ics_builtin_dyn *bd) { return bd->build_lag_weeks; }
double ics__ario_builtin_requal(const ics_builtin_dyn *bd) { return bd->requalification_weeks; }
