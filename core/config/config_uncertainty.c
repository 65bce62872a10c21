/* The `uncertainty:` section of a config (issue 16): laws of calibration parameters that a run
 * samples per scenario beside the shocks, so that every band includes calibration uncertainty
 * and the sensitivity analysis ranks them (docs/config.md, docs/sensitivity.md). Parsed here;
 * the plan (ensemble/uncertainty.c) checks the model and the segment labels. */
#include "ics_config_section.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const unc_keys[] = {"inventory", "inventory_segments", "table", "alpha_max",
                                       "build_lag", "requalification"};
static const char *const table_keys[] = {"coefficients", "draws"};

static void unc_free(ics_config *cfg)
{
    if (!cfg) return;
    free_list(cfg->unc_inv_segments, cfg->unc_ninv_segments);
    free(cfg->unc_inv_seg_lines);
    cfg->unc_inv_segments = NULL;
    cfg->unc_inv_seg_lines = NULL;
    cfg->unc_ninv_segments = 0;
}

/* A multiplier's law must stay above 0: a constant > 0, a bounded law with min > 0, or a
 * lognormal; a normal law (unbounded below) is refused. */
static ics_status check_positive(const pctx *c, int line, const char *what, const ics_dist *d)
{
    switch (d->kind) {
    case ICS_DIST_CONST:
        if (!(d->value > 0))
            return perr(c, line, "%s: a multiplier must be > 0, got %g", what, d->value);
        return ICS_OK;
    case ICS_DIST_LOGNORMAL: return ICS_OK;
    case ICS_DIST_NORMAL:
        return perr(c, line, "%s: a multiplier must be > 0, but a normal law reaches below 0; use "
                    "lognormal, truncnormal or uniform", what);
    default:
        if (!(d->min > 0))
            return perr(c, line, "%s: a multiplier must be > 0, but the law reaches %g", what,
                        d->min);
        return ICS_OK;
    }
}

static ics_status parse_unc(const pctx *c, yaml_node_t *v, ics_config *cfg)
{
    ics_status st;
    if (v->type != YAML_MAPPING_NODE)
        return perr(c, line_of(v), "key 'uncertainty': expected a mapping such as {inventory: "
                    "{dist: uniform, min: 0.5, max: 2}}, got %s", kind_name(v));
    if ((st = check_keys(c, v, unc_keys, NELEM(unc_keys), "", "in uncertainty")) !=
        ICS_OK)
        return st;
    cfg->unc_line = line_of(v);
    yaml_node_t *iv = map_get(c, v, "inventory");
    if (iv) {
        const char *what = "uncertainty: key 'inventory'";
        if ((st = ics__cfg_get_dist(c, iv, what, &cfg->unc_inventory)) != ICS_OK) return st;
        if (cfg->unc_inventory.truncate)
            return perr(c, line_of(iv), "%s: 'truncate' is not supported here (a multiplier's law "
                        "must stay above 0)", what);
        if ((st = check_positive(c, line_of(iv), what, &cfg->unc_inventory)) != ICS_OK) return st;
        cfg->unc_has_inventory = 1;
        cfg->unc_inventory_line = line_of(iv);
    }
    yaml_node_t *sv = map_get(c, v, "inventory_segments");
    if (sv) {
        const char *what = "uncertainty: key 'inventory_segments'";
        if (!iv)
            return perr(c, line_of(sv), "%s: needs 'inventory' (the multiplier it restricts)",
                        what);
        yaml_node_item_t *b = NULL, *e = NULL;
        yaml_node_t *one = NULL;
        if (sv->type == YAML_SCALAR_NODE) {
            one = sv;
        } else if (sv->type == YAML_SEQUENCE_NODE) {
            b = sv->data.sequence.items.start, e = sv->data.sequence.items.top;
        } else {
            return perr(c, line_of(sv), "%s: expected a list of segment labels, got %s", what,
                        kind_name(sv));
        }
        const int cnt = one ? 1 : (int)(e - b);
        if (cnt == 0) return perr(c, line_of(sv), "%s: must not be empty", what);
        unc_free(cfg);
        cfg->unc_inv_segments = ics_calloc((size_t)cnt, sizeof *cfg->unc_inv_segments, c->err,
                                           "uncertainty segments");
        cfg->unc_inv_seg_lines = ics_calloc((size_t)cnt, sizeof *cfg->unc_inv_seg_lines, c->err,
                                            "uncertainty segments");
        if (!cfg->unc_inv_segments || !cfg->unc_inv_seg_lines) return ICS_ENOMEM;
        for (int q = 0; q < cnt; ++q) {
            yaml_node_t *it = one ? one : yaml_document_get_node(c->doc, b[q]);
            if (it->type != YAML_SCALAR_NODE || !*sval(it))
                return perr(c, line_of(it), "%s: expected a segment label, got %s", what,
                            kind_name(it));
            if (!(cfg->unc_inv_segments[q] = ics_strdup(sval(it), c->err))) return ICS_ENOMEM;
            cfg->unc_inv_seg_lines[q] = line_of(it);
            cfg->unc_ninv_segments = q + 1;
        }
    }
    const char *const mkeys[3] = {"alpha_max", "build_lag", "requalification"};
    ics_dist *const mdist[3] = {&cfg->unc_amax, &cfg->unc_lag, &cfg->unc_requal};
    int *const mhas[3] = {&cfg->unc_has_amax, &cfg->unc_has_lag, &cfg->unc_has_requal};
    int *const mline[3] = {&cfg->unc_amax_line, &cfg->unc_lag_line, &cfg->unc_requal_line};
    for (int q = 0; q < 3; ++q) { /* multipliers of the ARIO physical limits and lags */
        yaml_node_t *mv = map_get(c, v, mkeys[q]);
        if (!mv) continue;
        char what[64];
        ics_dist *d = mdist[q];
        snprintf(what, sizeof what, "uncertainty: key '%s'", mkeys[q]);
        if ((st = ics__cfg_get_dist(c, mv, what, d)) != ICS_OK) return st;
        if (d->truncate)
            return perr(c, line_of(mv), "%s: 'truncate' is not supported here (a multiplier's law "
                        "must stay above 0)", what);
        if ((st = check_positive(c, line_of(mv), what, d)) != ICS_OK) return st;
        *mhas[q] = 1;
        *mline[q] = line_of(mv);
    }
    yaml_node_t *tv = map_get(c, v, "table");
    if (tv) {
        const char *what = "uncertainty: key 'table'";
        if (tv->type != YAML_MAPPING_NODE)
            return perr(c, line_of(tv), "%s: expected a mapping such as {coefficients: 0.1, "
                        "draws: 16}, got %s", what, kind_name(tv));
        if ((st = check_keys(c, tv, table_keys, NELEM(table_keys), "uncertainty: ",
                             "in table")) != ICS_OK)
            return st;
        yaml_node_t *cv = map_get(c, tv, "coefficients"), *dv = map_get(c, tv, "draws");
        if (!cv || !dv)
            return perr(c, line_of(tv), "%s: needs 'coefficients' (relative sd of the input "
                        "coefficients) and 'draws' (number of perturbed tables)", what);
        if ((st = get_double(c, cv, "uncertainty: table: key 'coefficients'",
                             &cfg->unc_table_cv)) != ICS_OK)
            return st;
        if (!(cfg->unc_table_cv >= 0 && cfg->unc_table_cv <= 1))
            return perr(c, line_of(cv), "uncertainty: table: key 'coefficients': a relative sd "
                        "in [0, 1], got %g", cfg->unc_table_cv);
        double k = 0;
        if ((st = get_double(c, dv, "uncertainty: table: key 'draws'", &k)) != ICS_OK) return st;
        if (!(k >= 1 && k <= 1024 && k == (int)k))
            return perr(c, line_of(dv), "uncertainty: table: key 'draws': a whole number of "
                        "tables in 1 .. 1024, got %g", k);
        cfg->unc_table_draws = (int)k;
        cfg->unc_has_table = 1;
        cfg->unc_table_line = line_of(tv);
    }
    return ICS_OK;
}

const ics__cfg_section ics__unc_section = {"uncertainty", NULL, parse_unc, unc_free};
