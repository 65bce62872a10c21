/* Chokepoint analysis (ics_linkages.h): Rasmussen linkages, key sectors, hypothetical extraction
 * in closed form (Sherman-Morrison-Woodbury on L) and by explicit solves, the `chokepoints:`
 * config section, and the single-node disruption ensemble on the dynamic models. */
#define _POSIX_C_SOURCE 200809L

#include "ics_linkages.h"
#include "ics_dynamic.h"
#include "ics_scenario.h"

#include <lapacke.h>
#include <yaml.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------------------------------ */
/* Linkages                                                                                    */

ics_status ics_linkages(int n, const double *L, const double *G, double *bl, double *fl,
                        double *fl_leontief, ics_error *err)
{
    if (n < 1 || !L || !G) return ics_error_set(err, ICS_EINPUT, "linkages: empty model");
    double sumL = 0.0, sumG = 0.0;
    for (size_t e = 0; e < (size_t)n * n; ++e) sumL += L[e], sumG += G[e];
    if (!(sumL > 0.0) || !(sumG > 0.0))
        return ics_error_set(err, ICS_EINPUT, "linkages: the inverses sum to %g and %g (must be "
                             "positive)", sumL, sumG);
    for (int i = 0; i < n; ++i) {
        double col = 0.0, rowL = 0.0, rowG = 0.0;
        for (int k = 0; k < n; ++k) {
            col += L[k + (size_t)i * n];
            rowL += L[i + (size_t)k * n];
            rowG += G[i + (size_t)k * n];
        }
        if (bl) bl[i] = n * col / sumL;
        if (fl) fl[i] = n * rowG / sumG;
        if (fl_leontief) fl_leontief[i] = n * rowL / sumL;
    }
    return ICS_OK;
}

ics_key_class ics_key_classify(double bl, double fl)
{
    if (bl > 1.0 && fl > 1.0) return ICS_KEY_KEY;
    if (bl > 1.0) return ICS_KEY_BACKWARD;
    if (fl > 1.0) return ICS_KEY_FORWARD;
    return ICS_KEY_WEAK;
}

const char *ics_key_class_name(int c)
{
    switch (c) {
    case ICS_KEY_KEY: return "key";
    case ICS_KEY_BACKWARD: return "backward";
    case ICS_KEY_FORWARD: return "forward";
    case ICS_KEY_WEAK: return "weak";
    default: return "?";
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Hypothetical extraction                                                                     */

ics_status ics_extraction(int n, const double *L, const double *x, const double *y, double *total,
                          double *backward, double *forward, double *forward_ghosh,
                          ics_error *err)
{
    if (n < 1 || !L || !x || !y) return ics_error_set(err, ICS_EINPUT, "extraction: empty model");
    for (int j = 0; j < n; ++j) {
        const double Ljj = L[j + (size_t)j * n];
        /* L = (I - A)^-1 with A >= 0 productive has L >= I, so L_jj >= 1 */
        if (!(Ljj > 0.0))
            return ics_error_set(err, ICS_ENUMERIC, "extraction: L_%d%d = %g is not positive", j, j,
                                 Ljj);
        double c = 0.0, r = 0.0;
        for (int i = 0; i < n; ++i) {
            c += L[i + (size_t)j * n];
            r += L[j + (size_t)i * n] * x[i];
        }
        if (total) total[j] = c * x[j] / Ljj;
        if (backward) backward[j] = (c - 1.0) * x[j] / Ljj;
        if (forward) forward[j] = c * (x[j] - y[j]) / Ljj;
        if (forward_ghosh) forward_ghosh[j] = (r - x[j]) / Ljj;
    }
    return ICS_OK;
}

/* Solve M z = rhs (m x m column-major, overwritten) and return 1'z in *sum. */
static ics_status solve_sum(int m, double *M, double *rhs, int *ipiv, double *sum, int node,
                            const char *what, ics_error *err)
{
    *sum = 0.0;
    if (m == 0) return ICS_OK;
    const lapack_int info = LAPACKE_dgesv(LAPACK_COL_MAJOR, m, 1, M, m, ipiv, rhs, m);
    if (info != 0)
        return ics_error_set(err, ICS_ENUMERIC, "extraction: the system without node %d (%s) is "
                             "singular (dgesv info %d)", node, what, (int)info);
    for (int i = 0; i < m; ++i) *sum += rhs[i];
    return ICS_OK;
}

ics_status ics_extraction_solve(int n, const double *A, const double *x, const double *y,
                                const double *v, double *total, double *backward, double *forward,
                                double *forward_ghosh, ics_error *err)
{
    ics_status st = ICS_OK;
    double *M = NULL, *rhs = NULL, *B = NULL;
    int *ipiv = NULL;
    if (n < 1 || !A || !x || !y || !v)
        return ics_error_set(err, ICS_EINPUT, "extraction: empty model");
    ICS_ALLOC(M, (size_t)n * n, err, "an extraction system");
    ICS_ALLOC(B, (size_t)n * n, err, "allocation coefficients");
    ICS_ALLOC(rhs, n, err, "an extraction right side");
    ICS_ALLOC(ipiv, n, err, "pivots");
    double sumx = 0.0;
    for (int i = 0; i < n; ++i) sumx += x[i];
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i)
            B[i + (size_t)j * n] = x[i] != 0.0 ? A[i + (size_t)j * n] * x[j] / x[i] : 0.0;
    for (int j = 0; j < n; ++j) {
        double s;
        const int m = n - 1;
        if (total) { /* the reduced system: rows and columns of every node but j */
            for (int c = 0, cc = 0; c < n; ++c) {
                if (c == j) continue;
                for (int r = 0, rr = 0; r < n; ++r) {
                    if (r == j) continue;
                    M[rr + (size_t)cc * m] = (r == c) - A[r + (size_t)c * n];
                    ++rr;
                }
                rhs[cc++] = y[c];
            }
            ICS_TRY(solve_sum(m, M, rhs, ipiv, &s, j, "total", err));
            total[j] = sumx - s;
        }
        for (int variant = 0; variant < 3; ++variant) {
            double *out = variant == 0 ? backward : variant == 1 ? forward : forward_ghosh;
            if (!out) continue;
            for (int c = 0; c < n; ++c) {
                for (int r = 0; r < n; ++r) {
                    double a;
                    if (variant == 0) a = c == j ? 0.0 : A[r + (size_t)c * n];
                    else if (variant == 1) a = r == j ? 0.0 : A[r + (size_t)c * n];
                    else a = c == j ? 0.0 : B[c + (size_t)r * n]; /* (I - B_bar)' with row j of B zero */
                    M[r + (size_t)c * n] = (r == c) - a;
                }
                rhs[c] = variant == 2 ? v[c] : y[c];
            }
            ICS_TRY(solve_sum(n, M, rhs, ipiv, &s, j, variant == 0 ? "backward" : "forward", err));
            out[j] = sumx - s;
        }
    }
done:
    free(M), free(B), free(rhs), free(ipiv);
    return st;
}

/* ------------------------------------------------------------------------------------------ */
/* The `chokepoints:` section                                                                  */

static ics_status check_loss_law(const ics_dist *d, const char *path, int line, ics_error *err);

typedef struct cctx {
    yaml_document_t *doc;
    const char *path;
    ics_error *err;
} cctx;

static int lineof(const yaml_node_t *nd)
{
    return nd ? (int)nd->start_mark.line + 1 : 0;
}

static const char *scal(const yaml_node_t *nd)
{
    return (const char *)nd->data.scalar.value;
}

static ics_status number(const cctx *c, const yaml_node_t *v, const char *what, double *out)
{
    if (v->type != YAML_SCALAR_NODE || !*scal(v))
        return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: %s: expected a number",
                             c->path, lineof(v), what);
    char *end = NULL;
    errno = 0;
    const double d = strtod(scal(v), &end);
    if (errno || *end || !isfinite(d))
        return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: %s: expected a finite number, "
                             "got '%s'", c->path, lineof(v), what, scal(v));
    *out = d;
    return ICS_OK;
}

static ics_status integer(const cctx *c, const yaml_node_t *v, const char *what, long long lo,
                          long long hi, long long *out)
{
    if (v->type != YAML_SCALAR_NODE || !*scal(v))
        return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: %s: expected an integer",
                             c->path, lineof(v), what);
    char *end = NULL;
    errno = 0;
    const long long x = strtoll(scal(v), &end, 10);
    if (errno || *end || x < lo || x > hi)
        return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: %s: expected an integer in "
                             "%lld .. %lld, got '%s'", c->path, lineof(v), what, lo, hi, scal(v));
    *out = x;
    return ICS_OK;
}

/* A list of labels (or one label) into an owned array. */
static ics_status labels(const cctx *c, yaml_node_t *v, const char *what, char ***out, int *nout)
{
    ics_status st = ICS_OK;
    if (v->type == YAML_SCALAR_NODE) {
        ICS_ALLOC(*out, 1, c->err, "labels");
        if (!((*out)[0] = ics_strdup(scal(v), c->err))) return ICS_ENOMEM;
        *nout = 1;
        return ICS_OK;
    }
    if (v->type != YAML_SEQUENCE_NODE)
        return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: %s: expected a label or a "
                             "list of labels", c->path, lineof(v), what);
    const int cnt = (int)(v->data.sequence.items.top - v->data.sequence.items.start);
    ICS_ALLOC(*out, cnt ? cnt : 1, c->err, "labels");
    for (int i = 0; i < cnt; ++i) {
        yaml_node_t *it = yaml_document_get_node(c->doc, v->data.sequence.items.start[i]);
        if (it->type != YAML_SCALAR_NODE || !*scal(it))
            return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: %s: each entry must be "
                                 "a label", c->path, lineof(it), what);
        if (!((*out)[i] = ics_strdup(scal(it), c->err))) return ICS_ENOMEM;
        *nout = i + 1;
    }
done:
    return st;
}

static const char *const dist_names[] = {"uniform", "normal", "truncnormal", "lognormal", "beta",
                                         "triangular"};
/* Keys of each law after `dist`; beta's min and max are optional. */
static const char *const dist_keys[][4] = {{"min", "max"},
                                           {"mean", "sd"},
                                           {"mean", "sd", "min", "max"},
                                           {"mu", "sigma"},
                                           {"a", "b", "min", "max"},
                                           {"min", "mode", "max"}};
static const int dist_nkeys[] = {2, 2, 4, 2, 4, 3};

static yaml_node_t *get_key(const cctx *c, yaml_node_t *map, const char *key)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; ++p) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        if (k->type == YAML_SCALAR_NODE && !strcmp(scal(k), key))
            return yaml_document_get_node(c->doc, p->value);
    }
    return NULL;
}

/* A constant or {dist: NAME, ...} with the laws of INTERFACE.md. */
static ics_status parse_dist(const cctx *c, yaml_node_t *v, const char *what, ics_dist *d)
{
    ics_status st = ICS_OK;
    memset(d, 0, sizeof *d);
    if (v->type == YAML_SCALAR_NODE) {
        d->kind = ICS_DIST_CONST;
        return number(c, v, what, &d->value);
    }
    if (v->type != YAML_MAPPING_NODE)
        return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: %s: expected a number or "
                             "{dist: ...}", c->path, lineof(v), what);
    yaml_node_t *dn = get_key(c, v, "dist");
    if (!dn || dn->type != YAML_SCALAR_NODE)
        return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: %s: a distribution needs "
                             "'dist' (uniform, normal, truncnormal, lognormal, beta, triangular)",
                             c->path, lineof(v), what);
    int kind = -1;
    for (int q = 0; q < 6; ++q)
        if (!strcmp(scal(dn), dist_names[q])) kind = q;
    if (kind < 0)
        return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: %s: unknown dist '%s' (valid: "
                             "uniform, normal, truncnormal, lognormal, beta, triangular)", c->path,
                             lineof(dn), what, scal(dn));
    d->kind = (ics_dist_kind)(kind + 1);
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; ++p) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        const char *ks = k->type == YAML_SCALAR_NODE ? scal(k) : "?";
        int ok = !strcmp(ks, "dist");
        for (int q = 0; q < dist_nkeys[kind]; ++q) ok |= !strcmp(ks, dist_keys[kind][q]);
        if (!ok)
            return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: %s: unknown key '%s' for "
                                 "dist %s", c->path, lineof(k), what, ks, dist_names[kind]);
    }
    double val[4] = {0, 0, 0, 0};
    int have[4] = {0, 0, 0, 0};
    for (int q = 0; q < dist_nkeys[kind]; ++q) {
        yaml_node_t *pv = get_key(c, v, dist_keys[kind][q]);
        if (!pv) {
            if (kind == 4 && q >= 2) continue; /* beta's optional scaling */
            return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: %s: dist %s needs '%s'",
                                 c->path, lineof(v), what, dist_names[kind], dist_keys[kind][q]);
        }
        char sub[96];
        snprintf(sub, sizeof sub, "%s: %s", what, dist_keys[kind][q]);
        ICS_TRY(number(c, pv, sub, &val[q]));
        have[q] = 1;
    }
    int bad = 0;
    switch (d->kind) {
    case ICS_DIST_UNIFORM: d->min = val[0], d->max = val[1], bad = !(d->min <= d->max); break;
    case ICS_DIST_NORMAL: d->mean = val[0], d->sd = val[1], bad = !(d->sd > 0); break;
    case ICS_DIST_TRUNCNORMAL:
        d->mean = val[0], d->sd = val[1], d->min = val[2], d->max = val[3];
        bad = !(d->sd > 0 && d->min < d->max);
        break;
    case ICS_DIST_LOGNORMAL: d->mu = val[0], d->sigma = val[1], bad = !(d->sigma > 0); break;
    case ICS_DIST_BETA:
        d->a = val[0], d->b = val[1];
        d->min = have[2] ? val[2] : 0.0, d->max = have[3] ? val[3] : 1.0;
        bad = !(d->a > 0 && d->b > 0 && d->min < d->max);
        break;
    case ICS_DIST_TRIANGULAR:
        d->min = val[0], d->mode = val[1], d->max = val[2];
        bad = !(d->min <= d->mode && d->mode <= d->max && d->min < d->max);
        break;
    default: break;
    }
    if (bad)
        return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: %s: invalid parameters for "
                             "dist %s (need min <= max, sd, sigma, a, b > 0, min <= mode <= max)",
                             c->path, lineof(v), what, dist_names[kind]);
done:
    return st;
}

static const char *const section_keys[] = {"model",   "scenarios", "loss",    "duration",
                                           "duration_weights", "recovery", "start", "horizon",
                                           "cvar_level", "top", "regions", "segments"};

static ics_status parse_section(const cctx *c, yaml_node_t *sec, ics_chokepoint_opts *o)
{
    ics_status st = ICS_OK;
    long long iv = 0;
    yaml_node_t *wnode = NULL;
    if (sec->type == YAML_SCALAR_NODE && !*scal(sec)) return ICS_OK; /* `chokepoints:` alone */
    if (sec->type != YAML_MAPPING_NODE)
        return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: expected a mapping of "
                             "settings", c->path, lineof(sec));
    for (yaml_node_pair_t *p = sec->data.mapping.pairs.start; p < sec->data.mapping.pairs.top; ++p) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
        const char *ks = k->type == YAML_SCALAR_NODE ? scal(k) : "?";
        int found = -1;
        for (int q = 0; q < (int)(sizeof section_keys / sizeof *section_keys); ++q)
            if (!strcmp(ks, section_keys[q])) found = q;
        if (found < 0) {
            const char *hint = ics_nearest(ks, section_keys,
                                           (int)(sizeof section_keys / sizeof *section_keys));
            return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: unknown key '%s'%s%s%s",
                                 c->path, lineof(k), ks, hint ? "; did you mean '" : " (valid keys: "
                                 "model, scenarios, loss, duration, duration_weights, recovery, "
                                 "start, horizon, cvar_level, top, regions, segments)",
                                 hint ? hint : "", hint ? "'?" : "");
        }
        for (yaml_node_pair_t *q = sec->data.mapping.pairs.start; q < p; ++q) {
            yaml_node_t *k0 = yaml_document_get_node(c->doc, q->key);
            if (k0->type == YAML_SCALAR_NODE && !strcmp(scal(k0), ks))
                return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: duplicate key '%s'",
                                     c->path, lineof(k), ks);
        }
        if (!strcmp(ks, "model")) {
            if (v->type != YAML_SCALAR_NODE || (strcmp(scal(v), "diim") && strcmp(scal(v), "ario")))
                return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: model: must be diim or "
                                     "ario (the ensemble needs a dynamic model)", c->path, lineof(v));
            o->model = !strcmp(scal(v), "diim") ? ICS_MODEL_DIIM : ICS_MODEL_ARIO;
        } else if (!strcmp(ks, "scenarios")) {
            ICS_TRY(integer(c, v, "scenarios", 1, 100000000, &iv));
            o->scenarios = iv;
        } else if (!strcmp(ks, "loss")) {
            ICS_TRY(parse_dist(c, v, "loss", &o->loss));
            o->loss_line = lineof(v);
            ICS_TRY(check_loss_law(&o->loss, c->path, o->loss_line, c->err));
        } else if (!strcmp(ks, "duration")) {
            const int cnt = v->type == YAML_SEQUENCE_NODE
                                ? (int)(v->data.sequence.items.top - v->data.sequence.items.start)
                                : 1;
            if (cnt < 1)
                return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: duration: the list is "
                                     "empty", c->path, lineof(v));
            free(o->durations);
            o->durations = NULL;
            ICS_ALLOC(o->durations, cnt, c->err, "durations");
            o->ndur = cnt;
            for (int q = 0; q < cnt; ++q) {
                yaml_node_t *it = v->type == YAML_SEQUENCE_NODE
                                      ? yaml_document_get_node(c->doc, v->data.sequence.items.start[q])
                                      : v;
                ICS_TRY(integer(c, it, "duration", 1, INT_MAX, &iv));
                o->durations[q] = (int)iv;
            }
        } else if (!strcmp(ks, "duration_weights")) {
            wnode = v;
        } else if (!strcmp(ks, "recovery")) {
            ICS_TRY(integer(c, v, "recovery", 0, INT_MAX, &iv));
            o->recovery = (int)iv;
        } else if (!strcmp(ks, "start")) {
            ICS_TRY(integer(c, v, "start", 0, INT_MAX, &iv));
            o->start = (int)iv;
        } else if (!strcmp(ks, "horizon")) {
            ICS_TRY(integer(c, v, "horizon", 1, INT_MAX, &iv));
            o->horizon = (int)iv;
        } else if (!strcmp(ks, "top")) {
            ICS_TRY(integer(c, v, "top", 0, INT_MAX, &iv));
            o->top = (int)iv;
        } else if (!strcmp(ks, "cvar_level")) {
            ICS_TRY(number(c, v, "cvar_level", &o->cvar_level));
            if (!(o->cvar_level > 0.0 && o->cvar_level < 1.0))
                return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: cvar_level: must be "
                                     "in (0, 1), got %g", c->path, lineof(v), o->cvar_level);
        } else if (!strcmp(ks, "regions")) {
            ICS_TRY(labels(c, v, "regions", &o->regions, &o->nregions));
        } else if (!strcmp(ks, "segments")) {
            ICS_TRY(labels(c, v, "segments", &o->segments, &o->nsegments));
        }
    }
    /* weights after the durations, whatever the key order */
    free(o->dur_weights);
    o->dur_weights = NULL;
    ICS_ALLOC(o->dur_weights, o->ndur, c->err, "duration weights");
    if (wnode) {
        const int cnt = wnode->type == YAML_SEQUENCE_NODE
                            ? (int)(wnode->data.sequence.items.top - wnode->data.sequence.items.start)
                            : -1;
        if (cnt != o->ndur)
            return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: duration_weights: expected "
                                 "a list of %d weights, one per duration", c->path, lineof(wnode),
                                 o->ndur);
        double sum = 0.0;
        for (int q = 0; q < cnt; ++q) {
            yaml_node_t *it = yaml_document_get_node(c->doc, wnode->data.sequence.items.start[q]);
            ICS_TRY(number(c, it, "duration_weights", &o->dur_weights[q]));
            if (!(o->dur_weights[q] >= 0.0))
                return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: duration_weights: "
                                     "weights must be >= 0", c->path, lineof(it));
            sum += o->dur_weights[q];
        }
        if (!(sum > 0.0))
            return ics_error_set(c->err, ICS_EINPUT, "%s:%d: chokepoints: duration_weights: the "
                                 "weights sum to 0", c->path, lineof(wnode));
        for (int q = 0; q < cnt; ++q) o->dur_weights[q] /= sum;
    } else {
        for (int q = 0; q < o->ndur; ++q) o->dur_weights[q] = 1.0 / o->ndur;
    }
done:
    return st;
}

void ics_chokepoint_opts_destroy(ics_chokepoint_opts **op)
{
    if (!op || !*op) return;
    ics_chokepoint_opts *o = *op;
    free(o->durations), free(o->dur_weights);
    for (int i = 0; i < o->nregions; ++i) free(o->regions[i]);
    for (int i = 0; i < o->nsegments; ++i) free(o->segments[i]);
    free(o->regions), free(o->segments);
    free(o);
    *op = NULL;
}

static ics_status read_file(const char *path, char **out, ics_error *err)
{
    ics_status st = ICS_OK;
    char *text = NULL;
    size_t len = 0, cap = 0;
    FILE *f = fopen(path, "rb");
    if (!f) ICS_FAIL(err, ICS_EINPUT, "%s: cannot open config: %s", path, strerror(errno));
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? 2 * cap : 8192;
            if (cap > (16u << 20) + 8192u)
                ICS_FAIL(err, ICS_EINPUT, "%s: config file too large", path);
            char *grown = realloc(text, cap);
            if (!grown) ICS_FAIL(err, ICS_ENOMEM, "out of memory reading config %s", path);
            text = grown;
        }
        const size_t got = fread(text + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0) break;
    }
    if (ferror(f)) ICS_FAIL(err, ICS_EINPUT, "%s: cannot read config: %s", path, strerror(errno));
    text[len] = '\0';
    *out = text;
    text = NULL;
done:
    if (f) fclose(f);
    free(text);
    return st;
}

ics_status ics_chokepoint_load(const char *path, ics_config **cfgp, ics_chokepoint_opts **out,
                               ics_error *err)
{
    ics_status st = ICS_OK;
    char *text = NULL, *blanked = NULL;
    ics_config *cfg = NULL;
    ics_chokepoint_opts *o = NULL;
    yaml_parser_t parser;
    yaml_document_t doc;
    int have_parser = 0, have_doc = 0;
    cctx c = {&doc, path, err};
    *cfgp = NULL;
    *out = NULL;

    ICS_ALLOC(o, 1, err, "chokepoint options");
    o->model = ICS_MODEL_DIIM;
    o->scenarios = 256;
    o->loss.kind = ICS_DIST_UNIFORM, o->loss.min = 0.2, o->loss.max = 0.8;
    o->ndur = 1;
    ICS_ALLOC(o->durations, 1, err, "durations");
    o->durations[0] = 13;
    o->cvar_level = 0.95;
    o->top = 20;
    o->horizon = -1;
    int explicit_model = 0;

    ICS_TRY(read_file(path, &text, err));
    if (!(blanked = ics_strdup(text, err))) ICS_FAIL(err, ICS_ENOMEM, "out of memory");
    if (!yaml_parser_initialize(&parser)) ICS_FAIL(err, ICS_ENOMEM, "cannot initialise libyaml");
    have_parser = 1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    /* a file libyaml cannot read is left to ics_config_parse, which reports it properly */
    if (yaml_parser_load(&parser, &doc)) {
        have_doc = 1;
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        if (root && root->type == YAML_MAPPING_NODE) {
            for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
                 p < root->data.mapping.pairs.top; ++p) {
                yaml_node_t *k = yaml_document_get_node(&doc, p->key);
                yaml_node_t *v = yaml_document_get_node(&doc, p->value);
                if (k->type != YAML_SCALAR_NODE || strcmp(scal(k), "chokepoints")) continue;
                if (root->data.mapping.style == YAML_FLOW_MAPPING_STYLE)
                    ICS_FAIL(err, ICS_EINPUT, "%s:%d: chokepoints: write the config's top level as a "
                             "block mapping (one key per line)", path, lineof(k));
                o->line = lineof(k);
                if (v->type == YAML_MAPPING_NODE && get_key(&c, v, "model")) explicit_model = 1;
                ICS_TRY(parse_section(&c, v, o));
                /* blank the section's lines (key line to the value's end) so the line numbers
                 * of everything else stay those of the file */
                const size_t first = k->start_mark.line;
                size_t last = v->end_mark.line; /* exclusive when the value ends at column 0 */
                if (v->end_mark.column > 0) ++last;
                size_t line = 0;
                for (char *ch = blanked; *ch; ++ch) {
                    if (*ch == '\n') {
                        ++line;
                        continue;
                    }
                    if (line >= first && line < last) *ch = ' ';
                }
            }
        }
    }
    if (!o->loss_line) o->loss_line = o->line;
    if (!o->dur_weights) {
        ICS_ALLOC(o->dur_weights, o->ndur, err, "duration weights");
        for (int q = 0; q < o->ndur; ++q) o->dur_weights[q] = 1.0 / o->ndur;
    }
    ICS_TRY(ics_config_parse(blanked, path, &cfg, err));
    free(cfg->text);
    cfg->text = text; /* the whole file, section included, for the `config` attribute */
    text = NULL;
    if (!explicit_model && (cfg->model == ICS_MODEL_DIIM || cfg->model == ICS_MODEL_ARIO))
        o->model = cfg->model;
    if (o->horizon < 0) o->horizon = cfg->horizon;
    cfg->model = o->model;
    cfg->horizon = o->horizon;
    if (o->start >= o->horizon)
        ICS_FAIL(err, ICS_EINPUT, "%s:%d: chokepoints: start %d is beyond the horizon (%d steps)",
                 path, o->line, o->start, o->horizon);
    *cfgp = cfg;
    cfg = NULL;
    *out = o;
    o = NULL;
done:
    if (have_doc) yaml_document_delete(&doc);
    if (have_parser) yaml_parser_delete(&parser);
    free(text);
    free(blanked);
    ics_config_destroy(&cfg);
    ics_chokepoint_opts_destroy(&o);
    return st;
}

ics_status ics_chokepoint_select(const ics_config *cfg, const ics_chokepoint_opts *o,
                                 const ics_table *t, unsigned char *mask, ics_error *err)
{
    return ics_select_nodes(cfg->path, o->line, "chokepoints", o->regions, o->nregions,
                            o->segments, o->nsegments, t, mask, err);
}

/* ------------------------------------------------------------------------------------------ */
/* The ensemble of one node                                                                    */

/* A capacity loss is a share in [0, 1]: a bounded law must lie inside (unbounded laws are
 * clipped when sampled, as in `icstress run`). */
static ics_status check_loss_law(const ics_dist *d, const char *path, int line, ics_error *err)
{
    double lo = 0.0, hi = 1.0;
    switch (d->kind) {
    case ICS_DIST_CONST: lo = hi = d->value; break;
    case ICS_DIST_NORMAL:
    case ICS_DIST_LOGNORMAL: return ICS_OK;
    default: lo = d->min, hi = d->max; break;
    }
    if (lo < 0.0 || hi > 1.0)
        return ics_error_set(err, ICS_EINPUT, "%s:%d: chokepoints: loss: a capacity loss is a share "
                             "in [0, 1]; this law reaches [%g, %g]", path, line, lo, hi);
    return ICS_OK;
}

/* Scenarios of each duration alternative: S * w_g rounded by largest remainder (ties to the
 * earlier alternative), so the counts sum to S and follow the weights as closely as possible. */
static void apportion(int64_t S, int m, const double *w, int64_t *cnt)
{
    int64_t used = 0;
    for (int g = 0; g < m; ++g) {
        cnt[g] = (int64_t)floor((double)S * w[g]);
        used += cnt[g];
    }
    while (used < S) {
        int best = 0;
        double bestr = -1.0;
        for (int g = 0; g < m; ++g) {
            const double r = (double)S * w[g] - (double)cnt[g];
            if (r > bestr) best = g, bestr = r;
        }
        ++cnt[best];
        ++used;
    }
}

/* loss NULL: only build the plans (ics_chokepoint_check). */
static ics_status node_ensemble(const ics_config *cfg, const ics_chokepoint_opts *o,
                                const ics_table *t, const ics_model *m, int node, double *loss,
                                double *own, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_plan *plan = NULL;
    ics_dyn *dyn = NULL;
    ics_dyn_ws *ws = NULL;
    int64_t *cnt = NULL;
    if (node < 0 || node >= t->n)
        return ics_error_set(err, ICS_EINTERNAL, "chokepoints: node %d out of range", node);
    ICS_TRY(check_loss_law(&o->loss, cfg->path ? cfg->path : "config", o->loss_line, err));
    char *reg = t->regions[t->node_region[node]], *seg = t->segments[t->node_segment[node]];
    char name[] = "disruption";
    ics_shock sh;
    memset(&sh, 0, sizeof sh);
    sh.name = name;
    sh.type = ICS_SHOCK_CAPACITY_LOSS;
    sh.regions = &reg, sh.nregions = 1;
    sh.segments = &seg, sh.nsegments = 1;
    sh.change = o->loss;
    sh.probability = 1.0;
    sh.start = o->start;
    sh.start_dist.kind = ICS_DIST_CONST, sh.start_dist.value = o->start;
    sh.duration_dist.kind = ICS_DIST_CONST;
    sh.recovery = o->recovery;
    sh.line = o->loss_line;
    /* a shallow copy of the user's config with this one shock: nothing of cfg is modified */
    ics_config local = *cfg;
    local.shocks = &sh, local.nshocks = 1;
    local.ncorr = 0, local.corr_factors = NULL, local.corr_matrix = NULL;
    local.has_sensitivity = 0;
    local.naggs = 0, local.aggs = NULL;
    local.model = o->model;
    local.horizon = o->horizon;
    local.scenarios = o->scenarios;
    const int n = t->n;
    const int b = (int)(o->scenarios < cfg->block_size ? o->scenarios : cfg->block_size);
    ICS_ALLOC(cnt, o->ndur, err, "scenario counts");
    apportion(o->scenarios, o->ndur, o->dur_weights, cnt);
    int64_t off = 0;
    for (int g = 0; g < o->ndur; ++g) {
        if (cnt[g] == 0) continue;
        sh.duration = o->durations[g];
        sh.duration_dist.value = o->durations[g];
        ICS_TRY(ics_plan_create(&local, t, m, &plan, err));
        ICS_TRY(ics_dyn_create(&local, t, m, plan, &dyn, err));
        if (!ws) ICS_TRY(ics_dyn_ws_create(dyn, b, 0, &ws, err));
        for (int64_t first = off; loss && first < off + cnt[g]; first += b) {
            const int bb = (int)(first + b <= off + cnt[g] ? b : off + cnt[g] - first);
            ics_dyn_block(dyn, plan, m, first, bb, ws);
            for (int j = 0; j < bb; ++j) {
                double s = 0.0;
                const double *X = ws->X + (size_t)j * n;
                for (int i = 0; i < n; ++i) s -= X[i];
                loss[first + j] = s;
                if (own) own[first + j] = -X[node];
            }
        }
        off += cnt[g];
        ics_dyn_destroy(&dyn);
        ics_plan_destroy(&plan);
    }
done:
    ics_dyn_ws_destroy(&ws);
    ics_dyn_destroy(&dyn);
    ics_plan_destroy(&plan);
    free(cnt);
    return st;
}

ics_status ics_chokepoint_node(const ics_config *cfg, const ics_chokepoint_opts *o,
                               const ics_table *t, const ics_model *m, int node, double *loss,
                               double *own, ics_error *err)
{
    if (!loss) return ics_error_set(err, ICS_EINTERNAL, "chokepoints: no loss buffer");
    return node_ensemble(cfg, o, t, m, node, loss, own, err);
}

ics_status ics_chokepoint_check(const ics_config *cfg, const ics_chokepoint_opts *o,
                                const ics_table *t, const ics_model *m, int node, ics_error *err)
{
    return node_ensemble(cfg, o, t, m, node, NULL, NULL, err);
}

/* ------------------------------------------------------------------------------------------ */
/* Summaries and ranking                                                                       */

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* R-7 quantile of sorted s[N]. */
static double quantile7(const double *s, int64_t N, double p)
{
    const double h = (double)(N - 1) * p;
    const int64_t l = (int64_t)floor(h);
    const int64_t u = l + 1 < N ? l + 1 : N - 1;
    return s[l] + (h - (double)l) * (s[u] - s[l]);
}

void ics_loss_summarize(const double *v, int64_t N, double level, double *s, ics_loss_summary *o)
{
    memset(o, 0, sizeof *o);
    if (N < 1) {
        o->mean = o->sd = o->se = o->cvar = o->q05 = o->q50 = o->q95 = o->min = o->max = NAN;
        return;
    }
    double sum = 0.0;
    for (int64_t i = 0; i < N; ++i) sum += v[i];
    o->mean = sum / (double)N;
    double ss = 0.0;
    for (int64_t i = 0; i < N; ++i) ss += (v[i] - o->mean) * (v[i] - o->mean);
    o->sd = N > 1 ? sqrt(ss / (double)(N - 1)) : 0.0;
    o->se = o->sd / sqrt((double)N);
    memcpy(s, v, (size_t)N * sizeof *s);
    qsort(s, (size_t)N, sizeof *s, cmp_double);
    o->min = s[0], o->max = s[N - 1];
    o->q05 = quantile7(s, N, 0.05);
    o->q50 = quantile7(s, N, 0.50);
    o->q95 = quantile7(s, N, 0.95);
    /* ES_a = [sum_{k=j}^{N-1} x_(k) + (j - N a) x_(j-1)] / (N (1 - a)), j = ceil(N a) */
    const double Na = (double)N * level;
    int64_t j = (int64_t)ceil(Na);
    if (j < 1) j = 1;
    if (j > N) j = N;
    double tail = ((double)j - Na) * s[j - 1];
    for (int64_t k = j; k < N; ++k) tail += s[k];
    o->cvar = tail / ((double)N * (1.0 - level));
}

void ics_rank_desc(int n, const double *v, const unsigned char *sel, int *rank)
{
    for (int i = 0; i < n; ++i) {
        rank[i] = 0;
        if ((sel && !sel[i]) || isnan(v[i])) continue;
        int r = 1;
        for (int k = 0; k < n; ++k) {
            if (k == i || (sel && !sel[k]) || isnan(v[k])) continue;
            if (v[k] > v[i] || (v[k] == v[i] && k < i)) ++r;
        }
        rank[i] = r;
    }
}
