/* The `ario:` section of a config: its parsing (registered with config/ as a model section,
 * ics__ario_section), defaults for the values a config left out, the inventory target of every
 * segment (labels checked against the table, with a nearest-label hint), and freeing the
 * section's owned lists. */
#include "ics_ario_internal.h"
#include "ics_builtin_dynamics.h"
#include "ics_config_section.h"
#include "ics_model_config_internal.h"
#include "ics_table.h"
#include "ics_world_dynamics.h"

#include <float.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
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
    segvals_free(&cfg->ario_essential);
    segvals_free(&cfg->ario_rb_share);
    segvals_free(&cfg->ario_rb_capital);
    segvals_free(&cfg->ario_rb_sectors);
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
 * derived from days (90 days, the built-in table's per-product days) are raised to one step.
 * On builtin_world the frame's non-stockable products (ics_world_dynamics.h) are INFINITY
 * unless the config names them. */
ics_status ics__ario_inventory(const ics_config *cfg, const ics_table *t, double *steps,
                               ics_error *err)
{
    const double spy = cfg->steps_per_year > 0 ? cfg->steps_per_year : 52;
    const double def = cfg->ario_inv_default > 0 ? cfg->ario_inv_default
                                                 : fmax(1.0, 90.0 * spy / 365.0);
    const char *cfgname = cfg->path ? cfg->path : "config";
    if (cfg->ario_inv_default > 0 && cfg->ario_inv_default < 1.0)
        return below_one_step(cfgname, cfg->ario_line, "default", cfg->ario_inv_default, err);
    const int builtin = ics_table_has_builtin_dynamics(t) && !(cfg->ario_inv_default > 0);
    for (int p = 0; p < t->nseg; ++p) {
        steps[p] = def;
        if (builtin) { /* the table's own per-product inventory targets (docs/data.md) */
            const ics_builtin_dyn *bd = ics_builtin_dynamics(t->segments[p]);
            if (bd) steps[p] = fmax(1.0, bd->inventory_days * spy / 365.0); /* at least a step */
        }
        /* builtin_world's frame industries: a product that cannot be stocked never constrains
         * production, whatever the config's default (a per-segment entry below still sets it);
         * goods take the config's default, else ICS_WORLD_GOODS_INVENTORY_DAYS */
        const double wd = ics_world_inventory_days(t, t->segments[p]);
        if (isinf(wd))
            steps[p] = INFINITY;
        else if (!isnan(wd) && !(cfg->ario_inv_default > 0))
            steps[p] = fmax(1.0, wd * spy / 365.0);
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
 * if it gives one, else on `table: builtin` and on builtin_world's chain segments the table's own
 * per-segment value (builtin(row), in weeks or a ratio, times scale), else def_all; then the
 * config's per-segment overrides. A label that is not a segment of the table is ICS_EINPUT with
 * its line and the nearest label. */
ics_status ics__ario_segment_values(const ics_config *cfg, const ics_table *t,
                                    const ics_segvals *sv, const char *key, double def_all,
                                    double (*builtin)(const ics_builtin_dyn *), double scale,
                                    double *out, ics_error *err)
{
    const char *cfgname = cfg->path ? cfg->path : "config";
    const int use_builtin = builtin && ics_table_has_builtin_dynamics(t) && !sv->has_default;
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

/* Which buyers a product's stock constrains (docs/models.md, "On the world table"). An entry
 * (product pattern, buyer pattern) says that the products it matches constrain the buyers it
 * matches; a product that no entry matches constrains every buyer (BoARIO). The default on
 * table: builtin_world: the chain's products and the frame's durable equipment (c13 machinery,
 * c15 transport equipment) constrain only the chain's segments and c13, c15, the industries that
 * build them into their products; for every other industry they are equipment whose delay does
 * not stop production within the horizon (Hallegatte 2014's non-essential inputs). */
static const char *const chain_and_equipment[] = {"eda_ip", "design_logic", "memory", "dao",
                                                  "fab_*", "atp", "equip_*", "mat_*", "end_*",
                                                  "c13", "c15"};

static int matches(const char *pattern, const char *label)
{
    return fnmatch(pattern, label, 0) == 0;
}

/* 1 when the stock of product label pl constrains the production of buyer label bl */
static int constrains(const ics_config *cfg, const ics_table *t, const char *pl, const char *bl)
{
    const ics_segvals *e = &cfg->ario_essential;
    int listed = 0, hit = 0;
    if (e->has_default) { /* the config's pairs replace the default */
        for (int q = 0; q + 1 < e->n; q += 2)
            if (matches(e->seg[q], pl)) {
                listed = 1;
                hit |= e->seg[q + 1][0] && matches(e->seg[q + 1], bl);
            }
        return !listed || hit;
    }
    if (!t->source || strcmp(t->source, "builtin_world")) return 1;
    const int nce = NELEM(chain_and_equipment);
    for (int q = 0; q < nce; ++q) listed |= matches(chain_and_equipment[q], pl);
    if (!listed) return 1;
    for (int q = 0; q < nce; ++q) hit |= matches(chain_and_equipment[q], bl);
    return hit;
}

ics_status ics__ario_nonessential(const ics_config *cfg, const ics_table *t, unsigned char *ne,
                                  ics_error *err)
{
    const ics_segvals *e = &cfg->ario_essential;
    const char *cfgname = cfg->path ? cfg->path : "config";
    const int s = t->nseg;
    for (int q = 0; q < e->n; ++q) { /* every pattern matches a segment of the table */
        int hit = !e->seg[q][0];
        for (int p = 0; p < s && !hit; ++p) hit = matches(e->seg[q], t->segments[p]);
        if (!hit) {
            const char *near = ics_nearest(e->seg[q], (const char *const *)t->segments, s);
            return ics_error_set(err, ICS_EINPUT, "%s:%d: ario: essential_for: '%s' matches no "
                                 "segment of the table%s%s%s", cfgname, e->line[q], e->seg[q],
                                 near ? "; did you mean '" : "", near ? near : "",
                                 near ? "'?" : "");
        }
    }
    for (int p = 0; p < s; ++p)
        for (int q = 0; q < s; ++q)
            ne[(size_t)p * s + q] = !constrains(cfg, t, t->segments[p], t->segments[q]);
    return ICS_OK;
}

double ics__ario_builtin_amax(const ics_builtin_dyn *bd) { return bd->alpha_max; }
double ics__ario_builtin_lag(const ics_builtin_dyn *bd) { return bd->build_lag_weeks; }
double ics__ario_builtin_requal(const ics_builtin_dyn *bd) { return bd->requalification_weeks; }

/* ario: a per-segment number `key`, given as a plain number (every segment) or a mapping
 * {default: v, <segment>: v}; each value finite and in [lo, hi]. Absent: out stays empty. */
static ics_status parse_segvals(const pctx *c, yaml_node_t *x, const char *key, double lo,
                                double hi, const char *rule, ics_segvals *out)
{
    ics_status st = ICS_OK;
    if (!x) return ICS_OK;
    if (x->type != YAML_SCALAR_NODE && x->type != YAML_MAPPING_NODE)
        return perr(c, line_of(x), "ario: key '%s': expected a number or a mapping {default: v, "
                    "<segment>: v}, got %s", key, kind_name(x));
    int np = 1;
    if (x->type == YAML_MAPPING_NODE) {
        char in[64];
        snprintf(in, sizeof in, "in %s", key);
        ICS_TRY(check_keys(c, x, NULL, 0, "ario: ", in));
        np = (int)(x->data.mapping.pairs.top - x->data.mapping.pairs.start);
        ICS_ALLOC(out->seg, np ? np : 1, c->err, "ario per-segment values");
        ICS_ALLOC(out->val, np ? np : 1, c->err, "ario per-segment values");
        ICS_ALLOC(out->line, np ? np : 1, c->err, "ario per-segment values");
    }
    for (int i = 0; i < np; ++i) {
        const char *seg = "default";
        yaml_node_t *val = x;
        if (x->type == YAML_MAPPING_NODE) {
            yaml_node_pair_t *pr = x->data.mapping.pairs.start + i;
            seg = sval(yaml_document_get_node(c->doc, pr->key));
            val = yaml_document_get_node(c->doc, pr->value);
        }
        char what[300];
        double d = 0;
        if (x->type == YAML_MAPPING_NODE)
            snprintf(what, sizeof what, "ario: %s: key '%s'", key, seg);
        else
            snprintf(what, sizeof what, "ario: key '%s'", key);
        ICS_TRY(get_double(c, val, what, &d));
        if (!(d >= lo && d <= hi && isfinite(d))) {
            st = perr(c, line_of(val), "%s: %s, got %g", what, rule, d);
            goto done;
        }
        if (!strcmp(seg, "default")) {
            out->has_default = 1;
            out->def = d;
            continue;
        }
        if (!(out->seg[out->n] = ics_strdup(seg, c->err))) {
            st = ICS_ENOMEM;
            goto done;
        }
        out->val[out->n] = d;
        out->line[out->n++] = line_of(val);
    }
done:
    return st;
}

/* ario: essential_for: a mapping {<product label or glob>: [<buyer label or glob>, ...]}, stored
 * as pairs (product, buyer) in out->seg (an empty list: the pair (product, "")); has_default = 1
 * when given, also when empty. Absent: out stays empty. */
static ics_status parse_pairs(const pctx *c, yaml_node_t *x, const char *key, ics_segvals *out)
{
    ics_status st = ICS_OK;
    if (!x) return ICS_OK;
    if (x->type != YAML_MAPPING_NODE)
        return perr(c, line_of(x), "ario: key '%s': expected a mapping {<product>: [<buyer>, ...]}"
                    ", e.g. {\"end_*\": [c15]}, got %s", key, kind_name(x));
    out->has_default = 1;
    int cap = 1;
    for (yaml_node_pair_t *pr = x->data.mapping.pairs.start; pr < x->data.mapping.pairs.top; ++pr) {
        yaml_node_t *v = yaml_document_get_node(c->doc, pr->value);
        if (!v || v->type != YAML_SEQUENCE_NODE)
            return perr(c, line_of(v ? v : x), "ario: %s: key '%s': expected a list of buyer "
                        "segments, got %s", key,
                        sval(yaml_document_get_node(c->doc, pr->key)),
                        v ? kind_name(v) : "nothing");
        const int m = (int)(v->data.sequence.items.top - v->data.sequence.items.start);
        cap += 2 * (m ? m : 1);
    }
    ICS_ALLOC(out->seg, cap, c->err, "ario essential_for");
    ICS_ALLOC(out->line, cap, c->err, "ario essential_for");
    for (yaml_node_pair_t *pr = x->data.mapping.pairs.start; pr < x->data.mapping.pairs.top; ++pr) {
        yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(c->doc, pr->value);
        const int m = (int)(v->data.sequence.items.top - v->data.sequence.items.start);
        for (int i = 0; i < (m ? m : 1); ++i) {
            yaml_node_t *it =
                m ? yaml_document_get_node(c->doc, v->data.sequence.items.start[i]) : NULL;
            if (m && (!it || it->type != YAML_SCALAR_NODE)) {
                st = perr(c, line_of(it ? it : v), "ario: %s: key '%s': item %d: expected a "
                          "segment label, got %s", key, sval(k), i + 1,
                          it ? kind_name(it) : "nothing");
                goto done;
            }
            if (!(out->seg[out->n] = ics_strdup(sval(k), c->err)) ||
                !(out->seg[out->n + 1] = ics_strdup(m ? sval(it) : "", c->err))) {
                st = ICS_ENOMEM;
                goto done;
            }
            out->line[out->n] = line_of(k);
            out->line[out->n + 1] = line_of(m ? it : v);
            out->n += 2;
        }
    }
done:
    return st;
}

/* ario: rebuilding: {share, sectors, capital_ratio, tau_rebuild, origin} (docs/models.md,
 * "Rebuilding"). share and sectors are required; segment labels and patterns are checked against
 * the table in ics_ario_create (ics__ario_rebuild_segments). */
static ics_status parse_rebuilding(const pctx *c, yaml_node_t *x, ics_config *cfg)
{
    static const char *const keys[] = {"share", "sectors", "capital_ratio", "tau_rebuild",
                                       "origin"};
    static const char *const origin_names[] = {"purchases", "local"};
    ics_status st = ICS_OK;
    if (x->type != YAML_MAPPING_NODE)
        return perr(c, line_of(x), "ario: key 'rebuilding': expected a mapping {share: 0.5, "
                    "sectors: {\"equip_*\": 1}, ...}, got %s", kind_name(x));
    ICS_TRY(check_keys(c, x, keys, NELEM(keys), "ario: ", "in rebuilding"));
    cfg->ario_rb_line = line_of(x);
    yaml_node_t *sh = map_get(c, x, "share"), *se = map_get(c, x, "sectors");
    if (!sh)
        return perr(c, line_of(x), "ario: rebuilding: key 'share' is missing: the share of a "
                    "capacity loss that is destroyed capital (0..1, or {default: v, <segment>: v})");
    if (!se)
        return perr(c, line_of(x), "ario: rebuilding: key 'sectors' is missing: the segments "
                    "that supply reconstruction with their weights, e.g. {\"equip_*\": 1}");
    ICS_TRY(parse_segvals(c, sh, "rebuilding.share", 0.0, 1.0, "must be in [0, 1]",
                          &cfg->ario_rb_share));
    ICS_TRY(parse_segvals(c, map_get(c, x, "capital_ratio"), "rebuilding.capital_ratio", DBL_MIN,
                          INFINITY, "must be > 0 (capital per unit of annual output)",
                          &cfg->ario_rb_capital));
    if (se->type != YAML_MAPPING_NODE)
        return perr(c, line_of(se), "ario: rebuilding: key 'sectors': expected a mapping "
                    "{<segment or glob>: weight}, e.g. {\"equip_*\": 1}, got %s", kind_name(se));
    const int np = (int)(se->data.mapping.pairs.top - se->data.mapping.pairs.start);
    if (np == 0)
        return perr(c, line_of(se), "ario: rebuilding: key 'sectors': empty; name at least one "
                    "segment that supplies reconstruction");
    ics_segvals *sv = &cfg->ario_rb_sectors;
    ICS_ALLOC(sv->seg, np, c->err, "ario rebuilding sectors");
    ICS_ALLOC(sv->val, np, c->err, "ario rebuilding sectors");
    ICS_ALLOC(sv->line, np, c->err, "ario rebuilding sectors");
    for (yaml_node_pair_t *pr = se->data.mapping.pairs.start; pr < se->data.mapping.pairs.top;
         ++pr) {
        yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
        yaml_node_t *val = yaml_document_get_node(c->doc, pr->value);
        char what[300];
        double d = 0;
        snprintf(what, sizeof what, "ario: rebuilding: sectors: key '%s'", sval(k));
        ICS_TRY(get_double(c, val, what, &d));
        if (!(d > 0 && isfinite(d)))
            return perr(c, line_of(val), "%s: the weight must be > 0, got %g", what, d);
        if (!(sv->seg[sv->n] = ics_strdup(sval(k), c->err))) return ICS_ENOMEM;
        sv->val[sv->n] = d;
        sv->line[sv->n++] = line_of(k);
    }
    yaml_node_t *tv = map_get(c, x, "tau_rebuild");
    if (tv) {
        ICS_TRY(get_double(c, tv, "ario: rebuilding: key 'tau_rebuild'", &cfg->ario_rb_tau));
        if (!(cfg->ario_rb_tau >= 1.0 && isfinite(cfg->ario_rb_tau)))
            return perr(c, line_of(tv), "ario: rebuilding: key 'tau_rebuild': must be >= 1 step, "
                        "got %g", cfg->ario_rb_tau);
    }
    yaml_node_t *ov = map_get(c, x, "origin");
    if (ov) ICS_TRY(get_enum(c, ov, "ario: rebuilding: key 'origin'", "origin", origin_names,
                             NELEM(origin_names), &cfg->ario_rb_origin));
done:
    return st;
}

/* ario: the parameters of the ARIO-type model (docs/models.md, "ARIO-type supply-constrained
 * model"), registered with config/ as the section `ario`. Values are checked here; segment
 * labels of `inventory` against the table in ics_ario_create. Durations are in steps; an inventory target may be `inf` (no constraint). */
static ics_status parse_ario(const pctx *c, yaml_node_t *v, ics_config *cfg)
{
    static const char *const keys[] = {"alpha_max",      "tau_alpha",  "psi",
                                       "tau_inventory",  "inventory",  "order_type",
                                       "recovery_curve", "substitution", "build_lag",
                                       "requalification", "essential_for", "rebuilding"};
    static const char *const order_names[] = {"alt", "base"};
    static const char *const curve_names[] = {"linear", "convex", "concave"};
    static const char *const subst_keys[] = {"share", "ramp"};
    ics_status st = ICS_OK;
    if (v->type != YAML_MAPPING_NODE)
        return perr(c, line_of(v), "key 'ario': expected a mapping of ARIO parameters, got %s",
                    kind_name(v));
    cfg->ario_line = line_of(v);
    ICS_TRY(check_keys(c, v, keys, NELEM(keys), "", "in ario"));
    /* plain numbers: key, lower bound (and whether it is excluded), upper bound */
    struct { const char *key; double *out; double lo; int open; double hi; const char *rule; } num[] = {
        {"tau_alpha", &cfg->ario_tau_alpha, 1.0, 0, INFINITY, "must be >= 1 step"},
        {"psi", &cfg->ario_psi, 0.0, 1, 1.0, "must be in (0, 1]"},
        {"tau_inventory", &cfg->ario_tau_inventory, 1.0, 0, INFINITY, "must be >= 1 step"},
    };
    for (int q = 0; q < NELEM(num); ++q) {
        yaml_node_t *x = map_get(c, v, num[q].key);
        if (!x) continue;
        char what[64];
        double d = 0;
        snprintf(what, sizeof what, "ario: key '%s'", num[q].key);
        ICS_TRY(get_double(c, x, what, &d));
        if (!((num[q].open ? d > num[q].lo : d >= num[q].lo) && d <= num[q].hi)) {
            st = perr(c, line_of(x), "%s: %s, got %g", what, num[q].rule, d);
            goto done;
        }
        *num[q].out = d;
    }
    /* per-segment limits: a number for every segment, or {default: v, <segment>: v} */
    ICS_TRY(parse_segvals(c, map_get(c, v, "alpha_max"), "alpha_max", 1.0, INFINITY,
                          "must be >= 1", &cfg->ario_amax));
    if (cfg->ario_amax.has_default) cfg->ario_alpha_max = cfg->ario_amax.def;
    ICS_TRY(parse_segvals(c, map_get(c, v, "build_lag"), "build_lag", 0.0, INFINITY,
                          "must be >= 0 steps", &cfg->ario_build_lag));
    ICS_TRY(parse_segvals(c, map_get(c, v, "requalification"), "requalification", 0.0,
                          INFINITY, "must be >= 0 steps", &cfg->ario_requal));
    ICS_TRY(parse_pairs(c, map_get(c, v, "essential_for"), "essential_for",
                        &cfg->ario_essential));
    if (map_get(c, v, "rebuilding"))
        ICS_TRY(parse_rebuilding(c, map_get(c, v, "rebuilding"), cfg));
    yaml_node_t *x = map_get(c, v, "order_type");
    if (x) ICS_TRY(get_enum(c, x, "ario: key 'order_type'", "order type", order_names,
                            NELEM(order_names), &cfg->ario_order_base));
    x = map_get(c, v, "recovery_curve");
    if (x) ICS_TRY(get_enum(c, x, "ario: key 'recovery_curve'", "recovery curve", curve_names,
                            NELEM(curve_names), &cfg->ario_recovery_curve));
    x = map_get(c, v, "substitution");
    if (x) {
        if (x->type != YAML_MAPPING_NODE) {
            st = perr(c, line_of(x), "ario: key 'substitution': expected a mapping {share: 0.5, "
                      "ramp: 13}, got %s", kind_name(x));
            goto done;
        }
        ICS_TRY(check_keys(c, x, subst_keys, NELEM(subst_keys), "ario: ", "in substitution"));
        yaml_node_t *sh = map_get(c, x, "share"), *rp = map_get(c, x, "ramp");
        if (sh) {
            ICS_TRY(get_double(c, sh, "ario: substitution: key 'share'", &cfg->ario_subst_share));
            if (!(cfg->ario_subst_share >= 0 && cfg->ario_subst_share <= 1)) {
                st = perr(c, line_of(sh), "ario: substitution: key 'share': must be in [0, 1], "
                          "got %g", cfg->ario_subst_share);
                goto done;
            }
        }
        if (rp) {
            ICS_TRY(get_double(c, rp, "ario: substitution: key 'ramp'", &cfg->ario_subst_ramp));
            if (!(cfg->ario_subst_ramp >= 0)) {
                st = perr(c, line_of(rp), "ario: substitution: key 'ramp': must be >= 0 steps, "
                          "got %g", cfg->ario_subst_ramp);
                goto done;
            }
        }
    }
    /* inventory: a number of steps for every product, or {default: n, <segment>: n}; `inf` */
    x = map_get(c, v, "inventory");
    if (!x) goto done;
    if (x->type != YAML_SCALAR_NODE && x->type != YAML_MAPPING_NODE) {
        st = perr(c, line_of(x), "ario: key 'inventory': expected a number of steps (or inf) or a "
                  "mapping {default: 13, <segment>: steps}, got %s", kind_name(x));
        goto done;
    }
    int np = 1;
    if (x->type == YAML_MAPPING_NODE) {
        ICS_TRY(check_keys(c, x, NULL, 0, "ario: ", "in inventory"));
        np = (int)(x->data.mapping.pairs.top - x->data.mapping.pairs.start);
        ICS_ALLOC(cfg->ario_inv_segments, np, c->err, "ario inventory targets");
        ICS_ALLOC(cfg->ario_inv_values, np, c->err, "ario inventory targets");
        ICS_ALLOC(cfg->ario_inv_lines, np, c->err, "ario inventory targets");
    }
    for (int i = 0; i < np; ++i) {
        const char *key = "default";
        yaml_node_t *val = x;
        if (x->type == YAML_MAPPING_NODE) {
            yaml_node_pair_t *pr = x->data.mapping.pairs.start + i;
            key = sval(yaml_document_get_node(c->doc, pr->key));
            val = yaml_document_get_node(c->doc, pr->value);
        }
        char what[300];
        double d = 0;
        snprintf(what, sizeof what, "ario: inventory: key '%s'", key);
        const char *txt = val->type == YAML_SCALAR_NODE ? sval(val) : "";
        if (!strcmp(txt, "inf") || !strcmp(txt, ".inf") || !strcmp(txt, "Inf") ||
            !strcmp(txt, ".Inf") || !strcmp(txt, "infinite")) {
            d = INFINITY;
        } else {
            ICS_TRY(get_double(c, val, what, &d));
            if (!(d > 0)) {
                st = perr(c, line_of(val), "%s: must be > 0 steps of use (or inf), got %g", what, d);
                goto done;
            }
        }
        if (!strcmp(key, "default")) {
            cfg->ario_inv_default = d;
            continue;
        }
        if (!(cfg->ario_inv_segments[cfg->ario_ninv] = ics_strdup(key, c->err))) {
            st = ICS_ENOMEM;
            goto done;
        }
        cfg->ario_inv_values[cfg->ario_ninv] = d;
        cfg->ario_inv_lines[cfg->ario_ninv++] = line_of(val);
    }
done:
    if (st != ICS_OK) ics_ario_config_free(cfg);
    return st;
}

const ics__cfg_section ics__ario_section = {"ario", NULL, parse_ario, ics_ario_config_free};
