/* The `diim:` section of a config (INTERFACE.md: lambda, recovery_time), registered with
 * config/ as a model section (ics__diim_section): its defaults, parsing and owned lists. The
 * segment labels of recovery_time are checked against the table in diim_plan.c. */
#include "ics_config_section.h"
#include "ics_model_config_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const char *const diim_keys[] = {"lambda", "recovery_time", "coefficients",
                                        "repairable_share", "rebuild_time"};
/* indexed by cfg->diim_coefficients */
static const char *const diim_coef_names[] = {"discrete_exact", "lian_haimes"};

static void diim_defaults(ics_config *cfg)
{
    cfg->diim_lambda = 0.01;
    cfg->diim_recovery_default = 26;
}

static void diim_free(ics_config *cfg)
{
    free_list(cfg->diim_rt_segments, cfg->diim_nrt);
    free(cfg->diim_rt_values);
    cfg->diim_rt_segments = NULL;
    cfg->diim_rt_values = NULL;
    cfg->diim_nrt = 0;
    free_list(cfg->diim_repairable.segments, cfg->diim_repairable.n);
    free(cfg->diim_repairable.values);
    free_list(cfg->diim_rebuild.segments, cfg->diim_rebuild.n);
    free(cfg->diim_rebuild.values);
    memset(&cfg->diim_repairable, 0, sizeof cfg->diim_repairable);
    memset(&cfg->diim_rebuild, 0, sizeof cfg->diim_rebuild);
}

/* diim.repairable_share / diim.rebuild_time (issue 16): a number (every segment) or a mapping
 * {default: v, <segment>: v}; values in [lo, hi] (hi < 0: no upper bound). Segment labels are
 * checked against the table in diim_plan.c. */
static ics_status parse_diim_segmap(const pctx *c, yaml_node_t *v, const char *key, double lo,
                                    double hi, ics_diim_segmap *out)
{
    ics_status st = ICS_OK;
    char what[300];
    out->given = 1;
    if (v->type == YAML_SCALAR_NODE) {
        snprintf(what, sizeof what, "diim: key '%s'", key);
        ICS_TRY(get_double(c, v, what, &out->def));
        if (!(out->def >= lo && (hi < 0 || out->def <= hi)))
            return hi < 0 ? perr(c, line_of(v), "%s: must be >= %g, got %g", what, lo, out->def)
                          : perr(c, line_of(v), "%s: must be in [%g, %g], got %g", what, lo, hi,
                                 out->def);
        out->has_def = 1;
        return ICS_OK;
    }
    if (v->type != YAML_MAPPING_NODE)
        return perr(c, line_of(v), "diim: key '%s': expected a number or a mapping {default: v, "
                    "<segment>: v}, got %s", key, kind_name(v));
    snprintf(what, sizeof what, "in diim %s", key);
    ICS_TRY(check_keys(c, v, NULL, 0, "", what));
    int np = (int)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
    ICS_ALLOC(out->segments, np, c->err, "diim per-segment values");
    ICS_ALLOC(out->values, np, c->err, "diim per-segment values");
    for (int i = 0; i < np; ++i) {
        yaml_node_pair_t *p = v->data.mapping.pairs.start + i;
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *val = yaml_document_get_node(c->doc, p->value);
        double x = 0;
        snprintf(what, sizeof what, "diim: %s: key '%s'", key, sval(k));
        ICS_TRY(get_double(c, val, what, &x));
        if (!(x >= lo && (hi < 0 || x <= hi)))
            return hi < 0 ? perr(c, line_of(val), "%s: must be >= %g, got %g", what, lo, x)
                          : perr(c, line_of(val), "%s: must be in [%g, %g], got %g", what, lo, hi, x);
        if (!strcmp(sval(k), "default")) {
            out->def = x, out->has_def = 1;
            continue;
        }
        if (!(out->segments[out->n] = ics_strdup(sval(k), c->err))) return ICS_ENOMEM;
        out->values[out->n++] = x;
    }
done:
    return st;
}

static ics_status parse_diim(const pctx *c, yaml_node_t *v, ics_config *cfg)
{
    ics_status st = ICS_OK;
    if (v->type != YAML_MAPPING_NODE)
        return perr(c, line_of(v), "key 'diim': expected a mapping (lambda: ..., recovery_time: ...), "
                    "got %s", kind_name(v));
    ICS_TRY(check_keys(c, v, diim_keys, NELEM(diim_keys), "", "in diim"));
    yaml_node_t *l = map_get(c, v, "lambda");
    if (l) {
        ICS_TRY(get_double(c, l, "diim: key 'lambda'", &cfg->diim_lambda));
        if (!(cfg->diim_lambda > 0 && cfg->diim_lambda < 1)) {
            st = perr(c, line_of(l), "diim: key 'lambda': must be in (0, 1), got %g",
                      cfg->diim_lambda);
            goto done;
        }
    }
    yaml_node_t *cf = map_get(c, v, "coefficients");
    if (cf)
        ICS_TRY(get_enum(c, cf, "diim: key 'coefficients'", "form", diim_coef_names,
                         NELEM(diim_coef_names), &cfg->diim_coefficients));
    yaml_node_t *rs = map_get(c, v, "repairable_share");
    if (rs) ICS_TRY(parse_diim_segmap(c, rs, "repairable_share", 0.0, 1.0, &cfg->diim_repairable));
    yaml_node_t *rb = map_get(c, v, "rebuild_time");
    if (rb) ICS_TRY(parse_diim_segmap(c, rb, "rebuild_time", 0.0, -1.0, &cfg->diim_rebuild));
    yaml_node_t *rt = map_get(c, v, "recovery_time");
    if (!rt) goto done;
    cfg->diim_rt_given = 1;
    if (rt->type == YAML_SCALAR_NODE) { /* shorthand: the default for every segment */
        ICS_TRY(get_double(c, rt, "diim: key 'recovery_time'", &cfg->diim_recovery_default));
        if (!(cfg->diim_recovery_default > 0)) {
            st = perr(c, line_of(rt), "diim: key 'recovery_time': must be > 0, got %g",
                      cfg->diim_recovery_default);
            goto done;
        }
        goto done;
    }
    if (rt->type != YAML_MAPPING_NODE) {
        st = perr(c, line_of(rt),
                  "diim: key 'recovery_time': expected a number or a mapping {default: 26, "
                  "<segment>: steps}, got %s",
                  kind_name(rt));
        goto done;
    }
    ICS_TRY(check_keys(c, rt, NULL, 0, "", "in diim recovery_time"));
    int np = (int)(rt->data.mapping.pairs.top - rt->data.mapping.pairs.start);
    ICS_ALLOC(cfg->diim_rt_segments, np, c->err, "diim recovery times");
    ICS_ALLOC(cfg->diim_rt_values, np, c->err, "diim recovery times");
    for (int i = 0; i < np; ++i) {
        yaml_node_pair_t *p = rt->data.mapping.pairs.start + i;
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *val = yaml_document_get_node(c->doc, p->value);
        char what[300];
        double x = 0;
        snprintf(what, sizeof what, "diim: recovery_time: key '%s'", sval(k));
        ICS_TRY(get_double(c, val, what, &x));
        if (!(x > 0)) {
            st = perr(c, line_of(val), "%s: must be > 0 steps, got %g", what, x);
            goto done;
        }
        if (!strcmp(sval(k), "default")) {
            cfg->diim_recovery_default = x;
            continue;
        }
        if (!(cfg->diim_rt_segments[cfg->diim_nrt] = ics_strdup(sval(k), c->err))) {
            st = ICS_ENOMEM;
            goto done;
        }
        cfg->diim_rt_values[cfg->diim_nrt++] = x;
    }
done:
    return st;
}

const ics__cfg_section ics__diim_section = {"diim", diim_defaults, parse_diim, diim_free};
