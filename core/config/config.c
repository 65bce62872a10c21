/* The run configuration: parse the YAML run description (INTERFACE.md, "Configuration") into an
 * ics_config, checking every key, type and range so that input errors surface before any
 * computation, each as one "FILE:LINE: ..." line. Uses libyaml's document API. */
#define _POSIX_C_SOURCE 200809L

#include "ics_config_internal.h"

#include <yaml.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Largest config file we read: configs are hand-written, so anything bigger is a wrong path. */
#define CONFIG_MAX_BYTES (16u << 20)

static const char *const top_keys[] = {"table",   "model",      "scenarios",         "seed",
                                       "sampler", "horizon",    "block_size",        "balance_tolerance",
                                       "shocks",  "output",     "diim",              "sensitivity",
                                       "correlation", "fast_aggregates", "aggregates",
                                       "recovery_level", "steps_per_year", "ario",
                                       "chokepoints", "uncertainty"};
static const char *const shock_keys[] = {"name",   "type",        "from",  "to",
                                         "regions", "segments",   "change", "loss",
                                         "probability", "start",  "duration", "recovery"};
static const char *const output_keys[] = {"file", "store", "store_only", "compression", "table"};
static const char *const corr_keys[] = {"factors", "matrix"};
static const char *const sens_keys[] = {"method", "targets", "samples", "groups", "sampler",
                                        "second_order", "levels", "bootstrap", "ci_target",
                                        "max_samples"};
/* outputs a sensitivity target may name (before an optional "/column" or "/name") */
static const char *const sens_outputs[] = {"total_output_loss", "va_loss_by_region",
                                           "output_loss_by_region", "output_loss_by_segment",
                                           "aggregates", "recovery_time_by_region",
                                           "unmet_final_demand"};

/* Indexed by the enums of ics_config.h. */
static const char *const model_names[] = {"leontief", "ghosh", "iim", "diim", "ario"};
static const char *const sampler_names[] = {"mc", "lhs", "sobol"};
static const char *const type_names[] = {"final_demand", "value_added", "capacity_loss",
                                         "trade_restriction", "coefficient"};
static const char *const store_names[] = {"output_change",     "total_output_loss", "inoperability",
                                          "va_loss_by_region", "trajectory",        "recovery_time",
                                          "output_loss_by_region", "output_loss_by_segment",
                                          "peak_loss", "gdp_loss_by_region",
                                          "va_loss_by_region_segment"};
static const char *const agg_keys[] = {"name", "regions", "segments", "quantity"};
static const char *const agg_quantities[] = {"output", "value_added"};
static const char *const sens_methods[] = {"sobol", "morris"};

/* Distributions: dist_names[k] is ics_dist_kind k + 1. dist_keys lists every key the mapping
 * may hold ("dist" first); the parameters are required except beta's optional scaling. */
static const char *const dist_names[] = {"uniform", "normal", "truncnormal",
                                         "lognormal", "beta", "triangular"};
static const char *const dist_keys[][6] = {
    {"dist", "min", "max"},
    {"dist", "mean", "sd"},
    {"dist", "mean", "sd", "min", "max"},
    {"dist", "mu", "sigma"},
    {"dist", "a", "b", "min", "max"},
    {"dist", "min", "mode", "max"},
};
static const int dist_nkeys[] = {3, 3, 5, 3, 5, 4};

/* Parsing context: the document, the name used in messages, the error record. */
typedef ics__cfg_ctx pctx;

/* ------------------------------------------------------------------------------------------ */
/* Small helpers                                                                               */

static int line_of(const yaml_node_t *n)
{
    return n ? (int)n->start_mark.line + 1 : 0;
}

static const char *sval(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* An input error "PATH:LINE: message" (line 0: no line known). */
static ics_status perr(const pctx *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static ics_status perr(const pctx *c, int line, const char *fmt, ...)
{
    char buf[ICS_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (line > 0) return ics_error_set(c->err, ICS_EINPUT, "%s:%d: %s", c->path, line, buf);
    return ics_error_set(c->err, ICS_EINPUT, "%s: %s", c->path, buf);
}

/* YAML's null: an empty plain value, `~` or `null`. */
static bool is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return false;
    const char *s = sval(n);
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

static const char *kind_name(const yaml_node_t *n)
{
    if (is_null(n)) return "nothing";
    switch (n->type) {
    case YAML_MAPPING_NODE: return "a mapping";
    case YAML_SEQUENCE_NODE: return "a list";
    default: return "a single value";
    }
}

/* "a, b, c" into buf (truncated if it must be). */
static const char *join(char *buf, size_t size, const char *const *names, int n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && used < size; ++i) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
        if (w < 0) break;
        used += (size_t)w;
    }
    return buf;
}

static int find_name(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; ++i)
        if (!strcmp(s, names[i])) return i;
    return -1;
}

static void free_list(char **list, int n)
{
    if (!list) return;
    for (int i = 0; i < n; ++i) free(list[i]);
    free(list);
}

/* The value of `key` in mapping `map`, or NULL. Keys are unique once check_keys has passed. */
static yaml_node_t *map_get(const pctx *c, yaml_node_t *map, const char *key)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; ++p) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        if (k && k->type == YAML_SCALAR_NODE && !strcmp(sval(k), key))
            return yaml_document_get_node(c->doc, p->value);
    }
    return NULL;
}

/* Every key of `map` must be a plain name, appear once, and (when valid != NULL) be one of
 * `valid`; an unknown key gets the nearest valid key as a hint, or the list of valid keys. */
static ics_status check_keys(const pctx *c, yaml_node_t *map, const char *const *valid, int nvalid,
                             const char *prefix, const char *where)
{
    yaml_node_pair_t *start = map->data.mapping.pairs.start;
    for (yaml_node_pair_t *p = start; p < map->data.mapping.pairs.top; ++p) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        if (k->type != YAML_SCALAR_NODE)
            return perr(c, line_of(k), "%sa key %s must be a name, got %s", prefix, where, kind_name(k));
        const char *ks = sval(k);
        if (valid && find_name(ks, valid, nvalid) < 0) {
            const char *hint = ics_nearest(ks, valid, nvalid);
            if (hint)
                return perr(c, line_of(k), "%sunknown key '%s' %s; did you mean '%s'?", prefix, ks, where,
                            hint);
            char list[512];
            return perr(c, line_of(k), "%sunknown key '%s' %s (valid keys: %s)", prefix, ks, where,
                        join(list, sizeof list, valid, nvalid));
        }
        for (yaml_node_pair_t *q = start; q < p; ++q) {
            yaml_node_t *k0 = yaml_document_get_node(c->doc, q->key);
            if (k0->type == YAML_SCALAR_NODE && !strcmp(sval(k0), ks))
                return perr(c, line_of(k), "%sduplicate key '%s' %s (first given at line %d)", prefix, ks,
                            where, line_of(k0));
        }
    }
    return ICS_OK;
}

static bool looks_nonfinite(const char *s)
{
    if (*s == '+' || *s == '-') ++s;
    if (*s == '.') ++s;
    return !strncasecmp(s, "nan", 3) || !strncasecmp(s, "inf", 3);
}

/* A finite number from a scalar. `what` names the place ("key 'x'", "shock 's': key 'y'"). */
static ics_status get_double(const pctx *c, const yaml_node_t *v, const char *what, double *out)
{
    if (v->type != YAML_SCALAR_NODE || is_null(v))
        return perr(c, line_of(v), "%s: expected a number, got %s", what, kind_name(v));
    const char *s = sval(v);
    if (looks_nonfinite(s))
        return perr(c, line_of(v), "%s: must be a finite number, got '%s'", what, s);
    char *end = NULL;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s || *end != '\0')
        return perr(c, line_of(v), "%s: expected a number, got '%s'", what, s);
    if (!isfinite(d))
        return perr(c, line_of(v), "%s: must be a finite number, got '%s'", what, s);
    *out = d;
    return ICS_OK;
}

static bool all_digits(const char *s, bool sign_ok)
{
    if (sign_ok && (*s == '+' || *s == '-')) ++s;
    if (!*s) return false;
    for (; *s; ++s)
        if (*s < '0' || *s > '9') return false;
    return true;
}

/* Without a practical upper bound, name only the side that was crossed. */
static ics_status range_error(const pctx *c, const yaml_node_t *v, const char *what, long long lo,
                              long long hi, bool below)
{
    bool unbounded = hi == LLONG_MAX || hi == INT_MAX;
    if (unbounded && below)
        return perr(c, line_of(v), "%s: must be an integer >= %lld, got %s", what, lo, sval(v));
    if (unbounded)
        return perr(c, line_of(v), "%s: too large (at most %lld), got %s", what, hi, sval(v));
    return perr(c, line_of(v), "%s: must be an integer in [%lld, %lld], got %s", what, lo, hi,
                sval(v));
}

/* An integer in [lo, hi]; written plainly (100000) or as an integral number (1e5). */
static ics_status get_int64(const pctx *c, const yaml_node_t *v, const char *what, int64_t lo,
                            int64_t hi, int64_t *out)
{
    ics_status st;
    long long x;
    if (v->type == YAML_SCALAR_NODE && all_digits(sval(v), true)) {
        char *end = NULL;
        errno = 0;
        x = strtoll(sval(v), &end, 10);
        if (errno == ERANGE) return range_error(c, v, what, lo, hi, x < 0);
    } else {
        double d = 0;
        if ((st = get_double(c, v, what, &d)) != ICS_OK) return st;
        if (d != floor(d)) return perr(c, line_of(v), "%s: must be an integer, got %s", what, sval(v));
        if (d < -9.2e18 || d > 9.2e18) return range_error(c, v, what, lo, hi, d < 0);
        x = (long long)d;
    }
    if (x < lo || x > hi) return range_error(c, v, what, lo, hi, x < lo);
    *out = x;
    return ICS_OK;
}

static ics_status get_bool(const pctx *c, const yaml_node_t *v, const char *what, int *out)
{
    const char *t = v->type == YAML_SCALAR_NODE ? sval(v) : "";
    if (!strcmp(t, "true") || !strcmp(t, "yes") || !strcmp(t, "on")) *out = 1;
    else if (!strcmp(t, "false") || !strcmp(t, "no") || !strcmp(t, "off")) *out = 0;
    else return perr(c, line_of(v), "%s: expected true or false, got '%s'", what, t);
    return ICS_OK;
}

static ics_status get_int(const pctx *c, const yaml_node_t *v, const char *what, int lo, int hi,
                          int *out)
{
    int64_t x = 0;
    ics_status st = get_int64(c, v, what, lo, hi, &x);
    if (st == ICS_OK) *out = (int)x;
    return st;
}

/* An unsigned 64-bit integer (the seed). */
static ics_status get_uint64(const pctx *c, const yaml_node_t *v, const char *what, uint64_t *out)
{
    ics_status st;
    if (v->type == YAML_SCALAR_NODE && all_digits(sval(v), false)) {
        char *end = NULL;
        errno = 0;
        unsigned long long x = strtoull(sval(v), &end, 10);
        if (errno == ERANGE)
            return perr(c, line_of(v), "%s: must be an unsigned 64-bit integer (at most %llu), got %s",
                        what, ULLONG_MAX, sval(v));
        *out = x;
        return ICS_OK;
    }
    double d = 0;
    if ((st = get_double(c, v, what, &d)) != ICS_OK) return st;
    if (d != floor(d) || d < 0 || d >= 18446744073709551616.0)
        return perr(c, line_of(v), "%s: must be an unsigned 64-bit integer, got %s", what, sval(v));
    *out = (uint64_t)d;
    return ICS_OK;
}

/* A non-empty string; replaces *out. */
static ics_status get_str(const pctx *c, const yaml_node_t *v, const char *what, char **out)
{
    if (v->type != YAML_SCALAR_NODE || is_null(v))
        return perr(c, line_of(v), "%s: expected a string, got %s", what, kind_name(v));
    if (!*sval(v)) return perr(c, line_of(v), "%s: must not be empty", what);
    char *s = ics_strdup(sval(v), c->err);
    if (!s) return ICS_ENOMEM;
    free(*out);
    *out = s;
    return ICS_OK;
}

/* A list of non-empty strings, or a single string; replaces *out / *n. */
static ics_status get_str_list(const pctx *c, const yaml_node_t *v, const char *what, char ***out,
                               int *n)
{
    ics_status st = ICS_OK;
    char **list = NULL;
    int count = 0, len = 0;
    if (v->type == YAML_SCALAR_NODE && !is_null(v)) {
        len = 1;
        ICS_ALLOC(list, 1, c->err, "a list of labels");
        if ((st = get_str(c, v, what, &list[0])) != ICS_OK) goto done;
        count = 1;
    } else if (v->type == YAML_SEQUENCE_NODE) {
        len = (int)(v->data.sequence.items.top - v->data.sequence.items.start);
        if (len == 0) {
            st = perr(c, line_of(v), "%s: empty list (leave the key out instead)", what);
            goto done;
        }
        ICS_ALLOC(list, len, c->err, "a list of labels");
        for (int i = 0; i < len; ++i) {
            yaml_node_t *item = yaml_document_get_node(c->doc, v->data.sequence.items.start[i]);
            if (item->type != YAML_SCALAR_NODE || is_null(item)) {
                st = perr(c, line_of(item), "%s: item %d: expected a string, got %s", what, i + 1,
                          kind_name(item));
                goto done;
            }
            if ((st = get_str(c, item, what, &list[i])) != ICS_OK) goto done;
            count = i + 1;
        }
    } else {
        st = perr(c, line_of(v), "%s: expected a string or a list of strings, got %s", what,
                  kind_name(v));
        goto done;
    }
    free_list(*out, *n);
    *out = list;
    *n = count;
    list = NULL;
done:
    free_list(list, count);
    return st;
}

/* One of `names` (index in *out); unknown values list the valid ones and the nearest. */
static ics_status get_enum(const pctx *c, const yaml_node_t *v, const char *what, const char *noun,
                           const char *const *names, int n, int *out)
{
    char list[512];
    join(list, sizeof list, names, n);
    if (v->type != YAML_SCALAR_NODE || is_null(v))
        return perr(c, line_of(v), "%s: expected one of %s, got %s", what, list, kind_name(v));
    int i = find_name(sval(v), names, n);
    if (i >= 0) {
        *out = i;
        return ICS_OK;
    }
    const char *hint = ics_nearest(sval(v), names, n);
    if (hint)
        return perr(c, line_of(v), "%s: unknown %s '%s' (valid: %s); did you mean '%s'?", what, noun,
                    sval(v), list, hint);
    return perr(c, line_of(v), "%s: unknown %s '%s' (valid: %s)", what, noun, sval(v), list);
}

/* A list of names from a fixed set, each at most once. */
static ics_status get_name_list(const pctx *c, const yaml_node_t *v, const char *what,
                                const char *noun, const char *const *names, int nnames,
                                char ***out, int *n)
{
    ics_status st;
    char **list = NULL;
    int count = 0;
    if ((st = get_str_list(c, v, what, &list, &count)) != ICS_OK) return st;
    for (int i = 0; i < count && st == ICS_OK; ++i) {
        /* the items' own nodes carry the lines; a single string is the value node itself */
        const yaml_node_t *item =
            v->type == YAML_SEQUENCE_NODE
                ? yaml_document_get_node(c->doc, v->data.sequence.items.start[i])
                : v;
        int k = 0;
        st = get_enum(c, item, what, noun, names, nnames, &k);
        for (int j = 0; j < i && st == ICS_OK; ++j)
            if (!strcmp(list[i], list[j]))
                st = perr(c, line_of(item), "%s: '%s' is listed twice", what, list[i]);
    }
    if (st != ICS_OK) {
        free_list(list, count);
        return st;
    }
    free_list(*out, *n);
    *out = list;
    *n = count;
    return ICS_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Numeric parameters: a constant or {dist: ..., params}                                        */

static double *dist_field(ics_dist *d, const char *key)
{
    if (!strcmp(key, "min")) return &d->min;
    if (!strcmp(key, "max")) return &d->max;
    if (!strcmp(key, "mean")) return &d->mean;
    if (!strcmp(key, "sd")) return &d->sd;
    if (!strcmp(key, "mu")) return &d->mu;
    if (!strcmp(key, "sigma")) return &d->sigma;
    if (!strcmp(key, "a")) return &d->a;
    if (!strcmp(key, "b")) return &d->b;
    if (!strcmp(key, "mode")) return &d->mode;
    return NULL;
}

static ics_status get_dist(const pctx *c, yaml_node_t *v, const char *what, ics_dist *d)
{
    ics_status st;
    char list[256], where[64], pwhat[480];
    memset(d, 0, sizeof *d);
    d->kind = ICS_DIST_CONST;
    if (v->type == YAML_SCALAR_NODE) return get_double(c, v, what, &d->value);
    join(list, sizeof list, dist_names, NELEM(dist_names));
    if (v->type != YAML_MAPPING_NODE)
        return perr(c, line_of(v),
                    "%s: expected a number or a distribution such as {dist: uniform, min: -0.2, "
                    "max: -0.1}, got %s",
                    what, kind_name(v));
    yaml_node_t *dn = map_get(c, v, "dist");
    if (!dn)
        return perr(c, line_of(v), "%s: a distribution needs 'dist' (one of %s)", what, list);
    int k = 0;
    snprintf(pwhat, sizeof pwhat, "%s: key 'dist'", what);
    if ((st = get_enum(c, dn, pwhat, "distribution", dist_names, NELEM(dist_names), &k)) != ICS_OK)
        return st;
    d->kind = (ics_dist_kind)(k + 1);
    snprintf(pwhat, sizeof pwhat, "%s: ", what);
    snprintf(where, sizeof where, "for a %s distribution", dist_names[k]);
    {
        const char *valid[8];
        for (int i = 0; i < dist_nkeys[k]; ++i) valid[i] = dist_keys[k][i];
        valid[dist_nkeys[k]] = "truncate"; /* optional, every law */
        if ((st = check_keys(c, v, valid, dist_nkeys[k] + 1, pwhat, where)) != ICS_OK) return st;
        yaml_node_t *tr = map_get(c, v, "truncate");
        snprintf(pwhat, sizeof pwhat, "%s: key 'truncate'", what);
        if (tr && (st = get_bool(c, tr, pwhat, &d->truncate)) != ICS_OK) return st;
        snprintf(pwhat, sizeof pwhat, "%s: ", what);
    }

    /* nodes of the parameters, for the lines of range errors */
    const yaml_node_t *pnode[6] = {0};
    bool optional_scale = d->kind == ICS_DIST_BETA;
    for (int i = 1; i < dist_nkeys[k]; ++i) {
        const char *key = dist_keys[k][i];
        yaml_node_t *pv = map_get(c, v, key);
        bool is_scale = !strcmp(key, "min") || !strcmp(key, "max");
        if (!pv) {
            if (optional_scale && is_scale) continue;
            return perr(c, line_of(v), "%s: a %s distribution needs '%s' (it takes %s)", what,
                        dist_names[k], key, join(list, sizeof list, dist_keys[k] + 1, dist_nkeys[k] - 1));
        }
        snprintf(pwhat, sizeof pwhat, "%s: key '%s'", what, key);
        if ((st = get_double(c, pv, pwhat, dist_field(d, key))) != ICS_OK) return st;
        pnode[i] = pv;
    }
    const yaml_node_t *nmax = NULL, *nsd = NULL;
    for (int i = 1; i < dist_nkeys[k]; ++i) {
        if (!strcmp(dist_keys[k][i], "max")) nmax = pnode[i];
        if (!strcmp(dist_keys[k][i], "sd")) nsd = pnode[i];
    }
    int lmax = nmax ? line_of(nmax) : line_of(v);

    switch (d->kind) {
    case ICS_DIST_NORMAL:
    case ICS_DIST_TRUNCNORMAL:
        if (!(d->sd > 0)) return perr(c, line_of(nsd), "%s: sd must be > 0, got %g", what, d->sd);
        if (d->kind == ICS_DIST_TRUNCNORMAL && !(d->min < d->max))
            return perr(c, lmax, "%s: min must be < max, got min %g, max %g", what, d->min, d->max);
        if (d->kind == ICS_DIST_TRUNCNORMAL) {
            /* the interval's distance from the mean, in sd, on its near side: beyond ~37 sd the
             * normal CDF underflows and the law cannot be sampled (its mass sits within a
             * millionth of the near bound: a constant says the same) */
            const double za = (d->min - d->mean) / d->sd, zb = (d->max - d->mean) / d->sd;
            const double near = za > 0 ? za : zb < 0 ? -zb : 0.0;
            if (near > 37.0)
                return perr(c, lmax, "%s: truncnormal interval [%g, %g] lies %.3g sd from the "
                            "mean %g: its draws would all sit at the bound %g; use a constant or "
                            "a law whose mass is in the interval", what, d->min, d->max, near,
                            d->mean, za > 0 ? d->min : d->max);
        }
        break;
    case ICS_DIST_UNIFORM:
        if (!(d->min < d->max))
            return perr(c, lmax, "%s: min must be < max, got min %g, max %g", what, d->min, d->max);
        break;
    case ICS_DIST_LOGNORMAL:
        if (!(d->sigma > 0))
            return perr(c, line_of(pnode[2]), "%s: sigma must be > 0, got %g", what, d->sigma);
        break;
    case ICS_DIST_BETA:
        if (!(d->a > 0)) return perr(c, line_of(pnode[1]), "%s: a must be > 0, got %g", what, d->a);
        if (!(d->b > 0)) return perr(c, line_of(pnode[2]), "%s: b must be > 0, got %g", what, d->b);
        if (!pnode[3]) d->min = 0;
        if (!pnode[4]) d->max = 1;
        if (!(d->min < d->max))
            return perr(c, lmax, "%s: min must be < max, got min %g, max %g", what, d->min, d->max);
        break;
    case ICS_DIST_TRIANGULAR:
        if (!(d->min < d->max))
            return perr(c, lmax, "%s: min must be < max, got min %g, max %g", what, d->min, d->max);
        if (!(d->min <= d->mode && d->mode <= d->max))
            return perr(c, line_of(pnode[2]), "%s: mode must lie in [min, max] = [%g, %g], got %g",
                        what, d->min, d->max, d->mode);
        break;
    default:
        break;
    }
    return ICS_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Sections                                                                                    */

/* A random start or duration: a distribution whose draws are rounded to whole steps and
 * clipped below at `lo` (0 for a start, 1 for a duration); *least is that smallest value. Bounded
 * laws must lie above lo - 0.5. */
static ics_status get_timing(const pctx *c, yaml_node_t *v, const char *what, double lo,
                             ics_dist *d, int *least)
{
    ics_status st = get_dist(c, v, what, d);
    if (st != ICS_OK) return st;
    double mn = lo;
    switch (d->kind) {
    case ICS_DIST_UNIFORM:
    case ICS_DIST_TRUNCNORMAL:
    case ICS_DIST_TRIANGULAR:
    case ICS_DIST_BETA: mn = d->min; break;
    default: break;
    }
    if (mn < lo - 0.5)
        return perr(c, line_of(v), "%s: steps cannot be below %g, but the law reaches %g", what, lo,
                    mn);
    *least = (int)(mn + 0.5) > (int)lo ? (int)(mn + 0.5) : (int)lo;
    return ICS_OK;
}

static ics_status parse_shock(const pctx *c, yaml_node_t *m, int k, ics_shock *s)
{
    ics_status st;
    char where[300], what[400], list[256];
    s->probability = 1.0;
    s->start = 0;
    s->duration = -1;
    s->recovery = 0;
    s->line = line_of(m);
    if (m->type != YAML_MAPPING_NODE)
        return perr(c, line_of(m),
                    "shock %d: expected a mapping (name: ..., type: ..., change: ...), got %s", k,
                    kind_name(m));

    yaml_node_t *v = map_get(c, m, "name");
    if (v) {
        snprintf(what, sizeof what, "shock %d: key 'name'", k);
        if ((st = get_str(c, v, what, &s->name)) != ICS_OK) return st;
        /* names become HDF5 paths and factor names "<shock>/<parameter>" */
        for (const char *p = s->name; *p; ++p)
            if (*p == '/' || (unsigned char)*p < 0x20)
                return perr(c, line_of(v), "%s: must not contain '/' or control characters, got '%s'",
                            what, s->name);
    } else {
        char buf[32];
        snprintf(buf, sizeof buf, "shock%d", k);
        if (!(s->name = ics_strdup(buf, c->err))) return ICS_ENOMEM;
    }
    snprintf(where, sizeof where, "in shock '%s'", s->name);
    if ((st = check_keys(c, m, shock_keys, NELEM(shock_keys), "", where)) != ICS_OK) return st;
    snprintf(where, sizeof where, "shock '%s'", s->name);

    v = map_get(c, m, "type");
    if (!v)
        return perr(c, line_of(m), "%s: missing key 'type' (one of %s)", where,
                    join(list, sizeof list, type_names, NELEM(type_names)));
    int t = 0;
    snprintf(what, sizeof what, "%s: key 'type'", where);
    if ((st = get_enum(c, v, what, "shock type", type_names, NELEM(type_names), &t)) != ICS_OK)
        return st;
    s->type = (ics_shock_type)t;
    bool trade = s->type == ICS_SHOCK_TRADE_RESTRICTION;
    bool caploss = s->type == ICS_SHOCK_CAPACITY_LOSS;

    struct { const char *key; char ***list; int *n; } lists[] = {
        {"regions", &s->regions, &s->nregions},
        {"segments", &s->segments, &s->nsegments},
        {"from", &s->from, &s->nfrom},
        {"to", &s->to, &s->nto},
    };
    for (int i = 0; i < NELEM(lists); ++i) {
        v = map_get(c, m, lists[i].key);
        bool directional = i >= 2;
        if (directional && !trade && v)
            return perr(c, line_of(v),
                        "%s: key '%s' is only for trade_restriction shocks (this one is %s; use "
                        "'regions' for the affected regions)",
                        where, lists[i].key, type_names[t]);
        if (directional && trade && !v)
            return perr(c, line_of(m), "%s: a trade_restriction needs '%s' (the %s regions)", where,
                        lists[i].key, i == 2 ? "supplier" : "buyer");
        if (!v) continue;
        snprintf(what, sizeof what, "%s: key '%s'", where, lists[i].key);
        if ((st = get_str_list(c, v, what, lists[i].list, lists[i].n)) != ICS_OK) return st;
    }

    yaml_node_t *vchange = map_get(c, m, "change"), *vloss = map_get(c, m, "loss");
    if (caploss && vchange)
        return perr(c, line_of(vchange),
                    "%s: a capacity_loss shock takes 'loss' (the lost share of capacity, 0..1), "
                    "not 'change'",
                    where);
    if (!caploss && vloss)
        return perr(c, line_of(vloss),
                    "%s: 'loss' is only for capacity_loss shocks; a %s shock takes 'change'", where,
                    type_names[t]);
    const char *pkey = caploss ? "loss" : "change";
    v = caploss ? vloss : vchange;
    if (!v)
        return perr(c, line_of(m), "%s: missing key '%s' (a number or {dist: ...})", where, pkey);
    snprintf(what, sizeof what, "%s: key '%s'", where, pkey);
    if ((st = get_dist(c, v, what, &s->change)) != ICS_OK) return st;
    if (caploss) {
        /* a share of capacity: bounded laws must stay inside [0, 1] (unbounded ones are clipped
         * by the model) */
        const ics_dist *d = &s->change;
        double lo = 0, hi = 1;
        bool bounded = true;
        switch (d->kind) {
        case ICS_DIST_CONST: lo = hi = d->value; break;
        case ICS_DIST_UNIFORM:
        case ICS_DIST_TRUNCNORMAL:
        case ICS_DIST_BETA:
        case ICS_DIST_TRIANGULAR: lo = d->min; hi = d->max; break;
        default: bounded = false; break;
        }
        if (bounded && d->kind == ICS_DIST_CONST && (lo < 0 || hi > 1))
            return perr(c, line_of(v),
                        "%s: a loss is a share of capacity and must lie in [0, 1], got %g", what, lo);
        if (bounded && !d->truncate && (lo < 0 || hi > 1))
            return perr(c, line_of(v),
                        "%s: a loss is a share of capacity and must lie in [0, 1], got the range "
                        "[%g, %g]",
                        what, lo, hi);
    }

    if ((v = map_get(c, m, "probability"))) {
        snprintf(what, sizeof what, "%s: key 'probability'", where);
        if ((st = get_double(c, v, what, &s->probability)) != ICS_OK) return st;
        if (!(s->probability >= 0 && s->probability <= 1))
            return perr(c, line_of(v), "%s: must be in [0, 1], got %g", what, s->probability);
    }
    s->start_dist.kind = ICS_DIST_CONST;
    s->start_dist.value = 0;
    s->duration_dist.kind = ICS_DIST_CONST;
    s->duration_dist.value = -1;
    if ((v = map_get(c, m, "start"))) {
        snprintf(what, sizeof what, "%s: key 'start'", where);
        if (v->type == YAML_MAPPING_NODE) {
            if ((st = get_timing(c, v, what, 0.0, &s->start_dist, &s->start)) != ICS_OK) return st;
        } else {
            if ((st = get_int(c, v, what, 0, INT_MAX, &s->start)) != ICS_OK) return st;
            s->start_dist.value = s->start;
        }
    }
    if ((v = map_get(c, m, "duration"))) {
        snprintf(what, sizeof what, "%s: key 'duration'", where);
        if (v->type == YAML_MAPPING_NODE) {
            if ((st = get_timing(c, v, what, 1.0, &s->duration_dist, &s->duration)) != ICS_OK)
                return st;
        } else {
            if ((st = get_int(c, v, what, 1, INT_MAX, &s->duration)) != ICS_OK) return st;
            s->duration_dist.value = s->duration;
        }
    }
    if ((v = map_get(c, m, "recovery"))) {
        snprintf(what, sizeof what, "%s: key 'recovery'", where);
        if ((st = get_int(c, v, what, 0, INT_MAX, &s->recovery)) != ICS_OK) return st;
    }
    return ICS_OK;
}

static ics_status parse_shocks(const pctx *c, yaml_node_t *v, ics_config *cfg)
{
    ics_status st = ICS_OK;
    if (v->type != YAML_SEQUENCE_NODE)
        return perr(c, line_of(v), "key 'shocks': expected a list of shocks ('- name: ...'), got %s",
                    kind_name(v));
    int n = (int)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (n == 0) return ICS_OK;
    ICS_ALLOC(cfg->shocks, n, c->err, "the shocks");
    for (int i = 0; i < n; ++i) {
        yaml_node_t *m = yaml_document_get_node(c->doc, v->data.sequence.items.start[i]);
        cfg->nshocks = i + 1; /* so that destroy frees a partly filled shock */
        ICS_TRY(parse_shock(c, m, i + 1, &cfg->shocks[i]));
    }
    for (int j = 1; j < n; ++j)
        for (int i = 0; i < j; ++i)
            if (!strcmp(cfg->shocks[i].name, cfg->shocks[j].name)) {
                st = perr(c, cfg->shocks[j].line,
                          "duplicate shock name '%s' (shocks at lines %d and %d); names must be "
                          "unique",
                          cfg->shocks[j].name, cfg->shocks[i].line, cfg->shocks[j].line);
                goto done;
            }
done:
    return st;
}

static ics_status parse_output(const pctx *c, yaml_node_t *v, ics_config *cfg)
{
    ics_status st;
    if (v->type != YAML_MAPPING_NODE)
        return perr(c, line_of(v), "key 'output': expected a mapping (file: ..., store: [...]), got %s",
                    kind_name(v));
    if ((st = check_keys(c, v, output_keys, NELEM(output_keys), "", "in output")) != ICS_OK) return st;
    yaml_node_t *f = map_get(c, v, "file");
    if (f && (st = get_str(c, f, "output: key 'file'", &cfg->output_file)) != ICS_OK) return st;
    yaml_node_t *s = map_get(c, v, "store");
    if (s && (st = get_name_list(c, s, "output: key 'store'", "output", store_names,
                                 NELEM(store_names), &cfg->store, &cfg->nstore)) != ICS_OK)
        return st;
    yaml_node_t *so = map_get(c, v, "store_only");
    if (so && (st = get_bool(c, so, "output: key 'store_only'", &cfg->store_only)) != ICS_OK)
        return st;
    yaml_node_t *z = map_get(c, v, "compression");
    if (z && (st = get_int(c, z, "output: key 'compression' (gzip level)", 0, 9,
                           &cfg->compression)) != ICS_OK)
        return st;
    yaml_node_t *tb = map_get(c, v, "table");
    if (tb) {
        const char *val = tb->type == YAML_SCALAR_NODE ? (const char *)tb->data.scalar.value : "";
        if (strcmp(val, "copy") && strcmp(val, "reference"))
            return perr(c, line_of(tb), "output: key 'table': expected copy or reference, got "
                        "'%s'", val);
        cfg->table_reference = !strcmp(val, "reference");
    }
    return ICS_OK;
}

/* correlation: {factors: [shock, ...], matrix: [[...], ...]}: symmetric, unit diagonal,
 * entries in [-1, 1]; positive definiteness is checked when the copula is built. */
static ics_status parse_correlation(const pctx *c, yaml_node_t *v, ics_config *cfg)
{
    ics_status st = ICS_OK;
    if (v->type != YAML_MAPPING_NODE)
        return perr(c, line_of(v), "key 'correlation': expected a mapping (factors: [...], "
                    "matrix: [[...]]), got %s", kind_name(v));
    ICS_TRY(check_keys(c, v, corr_keys, NELEM(corr_keys), "", "in correlation"));
    cfg->corr_line = line_of(v);
    yaml_node_t *f = map_get(c, v, "factors"), *mx = map_get(c, v, "matrix");
    if (!f || !mx) {
        st = perr(c, line_of(v), "correlation: needs both 'factors' (shock names) and 'matrix'");
        goto done;
    }
    ICS_TRY(get_str_list(c, f, "correlation: key 'factors'", &cfg->corr_factors, &cfg->ncorr));
    const int m = cfg->ncorr;
    if (m < 2) {
        st = perr(c, line_of(f), "correlation: key 'factors': name at least two shocks");
        goto done;
    }
    if (mx->type != YAML_SEQUENCE_NODE ||
        (int)(mx->data.sequence.items.top - mx->data.sequence.items.start) != m) {
        st = perr(c, line_of(mx), "correlation: key 'matrix': expected %d rows (one per factor)", m);
        goto done;
    }
    ICS_ALLOC(cfg->corr_matrix, (size_t)m * m, c->err, "the correlation matrix");
    for (int i = 0; i < m; ++i) {
        yaml_node_t *row = yaml_document_get_node(c->doc, mx->data.sequence.items.start[i]);
        if (row->type != YAML_SEQUENCE_NODE ||
            (int)(row->data.sequence.items.top - row->data.sequence.items.start) != m) {
            st = perr(c, line_of(row), "correlation: matrix row %d: expected %d numbers", i + 1, m);
            goto done;
        }
        for (int j = 0; j < m; ++j) {
            yaml_node_t *e = yaml_document_get_node(c->doc, row->data.sequence.items.start[j]);
            char what[96];
            snprintf(what, sizeof what, "correlation: matrix[%d][%d]", i + 1, j + 1);
            ICS_TRY(get_double(c, e, what, &cfg->corr_matrix[i * m + j]));
            const double r = cfg->corr_matrix[i * m + j];
            if (i == j && r != 1.0) {
                st = perr(c, line_of(e), "%s: the diagonal of a correlation matrix is 1, got %g", what, r);
                goto done;
            }
            if (!(r >= -1.0 && r <= 1.0)) {
                st = perr(c, line_of(e), "%s: a correlation lies in [-1, 1], got %g", what, r);
                goto done;
            }
        }
    }
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < i; ++j)
            if (cfg->corr_matrix[i * m + j] != cfg->corr_matrix[j * m + i]) {
                st = perr(c, line_of(mx), "correlation: matrix is not symmetric: [%d][%d] = %g but "
                          "[%d][%d] = %g", i + 1, j + 1, cfg->corr_matrix[i * m + j], j + 1, i + 1,
                          cfg->corr_matrix[j * m + i]);
                goto done;
            }
done:
    return st;
}

/* aggregates: [{name, regions, segments, quantity: output|value_added}, ...] */
static ics_status parse_aggregates(const pctx *c, yaml_node_t *v, ics_config *cfg)
{
    ics_status st = ICS_OK;
    if (v->type != YAML_SEQUENCE_NODE)
        return perr(c, line_of(v), "key 'aggregates': expected a list ('- name: ...'), got %s",
                    kind_name(v));
    const int n = (int)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (n == 0) return ICS_OK;
    ICS_ALLOC(cfg->aggs, n, c->err, "the aggregates");
    for (int i = 0; i < n; ++i) {
        yaml_node_t *m = yaml_document_get_node(c->doc, v->data.sequence.items.start[i]);
        ics_aggdef *a = &cfg->aggs[i];
        cfg->naggs = i + 1;
        a->line = line_of(m);
        if (m->type != YAML_MAPPING_NODE) {
            st = perr(c, line_of(m), "aggregates: entry %d: expected a mapping (name: ..., regions: "
                      "[...], segments: [...], quantity: output|value_added)", i + 1);
            goto done;
        }
        ICS_TRY(check_keys(c, m, agg_keys, NELEM(agg_keys), "", "in an aggregate"));
        yaml_node_t *nm = map_get(c, m, "name");
        if (!nm) {
            st = perr(c, line_of(m), "aggregates: entry %d: missing key 'name'", i + 1);
            goto done;
        }
        ICS_TRY(get_str(c, nm, "aggregates: key 'name'", &a->name));
        if (!a->name[0] || strchr(a->name, '/')) {
            st = perr(c, line_of(nm), "aggregates: name '%s' must be non-empty and without '/'", a->name);
            goto done;
        }
        for (int j = 0; j < i; ++j)
            if (!strcmp(cfg->aggs[j].name, a->name)) {
                st = perr(c, line_of(nm), "aggregates: duplicate name '%s' (lines %d and %d)",
                          a->name, cfg->aggs[j].line, a->line);
                goto done;
            }
        yaml_node_t *r = map_get(c, m, "regions"), *sg = map_get(c, m, "segments");
        if (r) ICS_TRY(get_str_list(c, r, "aggregates: key 'regions'", &a->regions, &a->nregions));
        if (sg) ICS_TRY(get_str_list(c, sg, "aggregates: key 'segments'", &a->segments, &a->nsegments));
        yaml_node_t *q = map_get(c, m, "quantity");
        if (q) ICS_TRY(get_enum(c, q, "aggregates: key 'quantity'", "quantity", agg_quantities,
                                NELEM(agg_quantities), &a->value_added));
    }
done:
    return st;
}

/* The correlation factors name shocks of this config (checked once all keys are read). */
static ics_status check_correlation_factors(const pctx *c, ics_config *cfg)
{
    for (int q = 0; q < cfg->ncorr; ++q) {
        const char *f = cfg->corr_factors[q];
        int found = -1;
        for (int s = 0; s < cfg->nshocks; ++s) {
            const char *nm = cfg->shocks[s].name;
            const size_t len = strlen(nm);
            const char *par = cfg->shocks[s].type == ICS_SHOCK_CAPACITY_LOSS ? "loss" : "change";
            if (!strcmp(f, nm) || (!strncmp(f, nm, len) && f[len] == '/' && !strcmp(f + len + 1, par)))
                found = s;
        }
        if (found < 0)
            return perr(c, cfg->corr_line, "correlation: factor '%s' names no shock of this config "
                        "(use a shock name, or '<shock>/change')", f);
        if (cfg->shocks[found].change.kind == ICS_DIST_CONST)
            return perr(c, cfg->corr_line, "correlation: factor '%s' is a constant, not a random "
                        "parameter", f);
        for (int p = 0; p < q; ++p)
            if (!strcmp(cfg->corr_factors[p], f))
                return perr(c, cfg->corr_line, "correlation: factor '%s' is listed twice", f);
    }
    return ICS_OK;
}

static ics_status parse_sensitivity(const pctx *c, yaml_node_t *v, ics_config *cfg)
{
    ics_status st;
    if (v->type != YAML_MAPPING_NODE)
        return perr(c, line_of(v),
                    "key 'sensitivity': expected a mapping (method: ..., targets: [...], samples: "
                    "...), got %s",
                    kind_name(v));
    if ((st = check_keys(c, v, sens_keys, NELEM(sens_keys), "", "in sensitivity")) != ICS_OK) return st;
    cfg->has_sensitivity = 1;
    cfg->sens_line = line_of(v);
    cfg->sens_sampler = ICS_SAMPLER_SOBOL;
    cfg->sens_levels = 4;
    cfg->sens_bootstrap = 200;
    yaml_node_t *m = map_get(c, v, "method");
    if (m) {
        int k = 0;
        if ((st = get_enum(c, m, "sensitivity: key 'method'", "method", sens_methods,
                           NELEM(sens_methods), &k)) != ICS_OK)
            return st;
        free(cfg->sens_method);
        if (!(cfg->sens_method = ics_strdup(sens_methods[k], c->err))) return ICS_ENOMEM;
    }
    yaml_node_t *t = map_get(c, v, "targets");
    if (t) {
        /* "X", "X/COLUMN" or "aggregates/NAME"; columns and names are checked against the table
         * and the aggregates when the design is planned */
        if ((st = get_str_list(c, t, "sensitivity: key 'targets'", &cfg->sens_targets,
                               &cfg->sens_ntargets)) != ICS_OK)
            return st;
        for (int i = 0; i < cfg->sens_ntargets; ++i) {
            const char *name = cfg->sens_targets[i], *slash = strchr(name, '/');
            char head[128];
            snprintf(head, sizeof head, "%.*s", slash ? (int)(slash - name) : (int)strlen(name), name);
            if (find_name(head, sens_outputs, NELEM(sens_outputs)) < 0) {
                const char *hint = ics_nearest(head, sens_outputs, NELEM(sens_outputs));
                char list[512];
                return perr(c, line_of(t), "sensitivity: key 'targets': '%s' is not a per-scenario "
                            "scalar output or aggregate (valid: %s, each optionally '/COLUMN'; "
                            "aggregates/NAME)%s%s%s", name,
                            join(list, sizeof list, sens_outputs, NELEM(sens_outputs)),
                            hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
            }
            if (!strcmp(head, "aggregates") && (!slash || !slash[1]))
                return perr(c, line_of(t), "sensitivity: key 'targets': '%s': name the aggregate, "
                            "as aggregates/NAME", name);
            for (int j = 0; j < i; ++j)
                if (!strcmp(name, cfg->sens_targets[j]))
                    return perr(c, line_of(t), "sensitivity: key 'targets': '%s' is listed twice",
                                name);
        }
    }
    yaml_node_t *s = map_get(c, v, "samples");
    if (s && (st = get_int64(c, s, "sensitivity: key 'samples'", 2, INT64_MAX, &cfg->sens_samples)) !=
                 ICS_OK)
        return st;
    yaml_node_t *x;
    if ((x = map_get(c, v, "sampler"))) {
        int k = 0;
        if ((st = get_enum(c, x, "sensitivity: key 'sampler'", "sampler", sampler_names,
                           NELEM(sampler_names), &k)) != ICS_OK)
            return st;
        cfg->sens_sampler = (ics_sampler_kind)k;
    }
    if ((x = map_get(c, v, "second_order")) &&
        (st = get_bool(c, x, "sensitivity: key 'second_order'", &cfg->sens_second_order)) != ICS_OK)
        return st;
    if ((x = map_get(c, v, "levels"))) {
        if ((st = get_int(c, x, "sensitivity: key 'levels'", 2, 1000, &cfg->sens_levels)) != ICS_OK)
            return st;
        if (cfg->sens_levels % 2)
            return perr(c, line_of(x), "sensitivity: key 'levels': Morris levels p must be even "
                        "(delta = p / (2 (p - 1)) moves by p/2 levels), got %d", cfg->sens_levels);
    }
    if ((x = map_get(c, v, "bootstrap")) &&
        (st = get_int(c, x, "sensitivity: key 'bootstrap'", 0, 100000, &cfg->sens_bootstrap)) != ICS_OK)
        return st;
    if ((x = map_get(c, v, "ci_target"))) {
        if ((st = get_double(c, x, "sensitivity: key 'ci_target'", &cfg->sens_ci_target)) != ICS_OK)
            return st;
        if (!(cfg->sens_ci_target > 0 && cfg->sens_ci_target < 1))
            return perr(c, line_of(x), "sensitivity: key 'ci_target': the largest half-width of "
                        "the total indices' intervals, in (0, 1); got %g", cfg->sens_ci_target);
    }
    if ((x = map_get(c, v, "max_samples")) &&
        (st = get_int64(c, x, "sensitivity: key 'max_samples'", 2, INT64_MAX,
                        &cfg->sens_max_samples)) != ICS_OK)
        return st;
    if ((x = map_get(c, v, "groups"))) {
        if (x->type != YAML_MAPPING_NODE)
            return perr(c, line_of(x), "sensitivity: key 'groups': expected a mapping {name: "
                        "[factor, ...]}, got %s", kind_name(x));
        if ((st = check_keys(c, x, NULL, 0, "sensitivity: ", "in groups")) != ICS_OK) return st;
        const int ng = (int)(x->data.mapping.pairs.top - x->data.mapping.pairs.start);
        cfg->sens_group_names = ics_calloc(ng ? ng : 1, sizeof *cfg->sens_group_names, c->err, "groups");
        if (!cfg->sens_group_names) return ICS_ENOMEM;
        for (int g = 0; g < ng; ++g) {
            yaml_node_pair_t *p = x->data.mapping.pairs.start + g;
            yaml_node_t *key = yaml_document_get_node(c->doc, p->key);
            yaml_node_t *val = yaml_document_get_node(c->doc, p->value);
            char what[200], **list = NULL;
            int nl = 0;
            snprintf(what, sizeof what, "sensitivity: groups: '%s'", sval(key));
            if (!(cfg->sens_group_names[g] = ics_strdup(sval(key), c->err))) return ICS_ENOMEM;
            cfg->sens_ngroups = g + 1;
            if ((st = get_str_list(c, val, what, &list, &nl)) != ICS_OK) return st;
            char **nf = realloc(cfg->sens_gfactors, sizeof *nf * (size_t)(cfg->sens_ngfactors + nl));
            if (nf) cfg->sens_gfactors = nf;
            int *ng2 = realloc(cfg->sens_gfactor_group, sizeof *ng2 * (size_t)(cfg->sens_ngfactors + nl));
            if (ng2) cfg->sens_gfactor_group = ng2;
            int *nli = realloc(cfg->sens_gfactor_line, sizeof *nli * (size_t)(cfg->sens_ngfactors + nl));
            if (nli) cfg->sens_gfactor_line = nli;
            if (!nf || !ng2 || !nli) {
                free_list(list, nl);
                return ics_error_set(c->err, ICS_ENOMEM, "out of memory for the groups");
            }
            for (int i = 0; i < nl; ++i) {
                const int at = cfg->sens_ngfactors++;
                cfg->sens_gfactors[at] = list[i];
                cfg->sens_gfactor_group[at] = g;
                cfg->sens_gfactor_line[at] = line_of(val);
                for (int j = 0; j < at; ++j)
                    if (!strcmp(cfg->sens_gfactors[j], list[i])) {
                        for (int q = i + 1; q < nl; ++q) free(list[q]);
                        free(list);
                        return perr(c, line_of(val), "%s: factor '%s' is already in group '%s'",
                                    what, cfg->sens_gfactors[j],
                                    cfg->sens_group_names[cfg->sens_gfactor_group[j]]);
                    }
            }
            free(list);
        }
    }
    return ICS_OK;
}

/* Defaults of the sensitivity section, applied only when the section is present. */
static ics_status sensitivity_defaults(const pctx *c, ics_config *cfg)
{
    if (!cfg->sens_method && !(cfg->sens_method = ics_strdup("sobol", c->err))) return ICS_ENOMEM;
    if (!cfg->sens_targets) {
        cfg->sens_targets = ics_calloc(1, sizeof *cfg->sens_targets, c->err, "sensitivity targets");
        if (!cfg->sens_targets) return ICS_ENOMEM;
        if (!(cfg->sens_targets[0] = ics_strdup("total_output_loss", c->err))) return ICS_ENOMEM;
        cfg->sens_ntargets = 1;
    }
    if (cfg->sens_samples == 0) cfg->sens_samples = 1024;
    return ICS_OK;
}

/* The registered model section of a top-level key, or NULL. */
static const ics__cfg_section *section(const char *key)
{
    for (const ics__cfg_section *const *q = ics__cfg_sections; *q; ++q)
        if (!strcmp((*q)->key, key)) return *q;
    return NULL;
}

static ics_status parse_root(const pctx *c, yaml_node_t *root, ics_config *cfg)
{
    ics_status st = ICS_OK;
    int k = 0;
    ICS_TRY(check_keys(c, root, top_keys, NELEM(top_keys), "", "in the top level"));
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         ++p) {
        const char *key = sval(yaml_document_get_node(c->doc, p->key));
        yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
        char what[64];
        snprintf(what, sizeof what, "key '%s'", key);
        if (!strcmp(key, "table")) {
            ICS_TRY(get_str(c, v, what, &cfg->table));
        } else if (!strcmp(key, "model")) {
            ICS_TRY(get_enum(c, v, what, "model", model_names, NELEM(model_names), &k));
            cfg->model = (ics_model_kind)k;
        } else if (!strcmp(key, "scenarios")) {
            ICS_TRY(get_int64(c, v, what, 1, ICS_MAX_SCENARIOS, &cfg->scenarios));
        } else if (!strcmp(key, "seed")) {
            ICS_TRY(get_uint64(c, v, what, &cfg->seed));
        } else if (!strcmp(key, "sampler")) {
            ICS_TRY(get_enum(c, v, what, "sampler", sampler_names, NELEM(sampler_names), &k));
            cfg->sampler = (ics_sampler_kind)k;
        } else if (!strcmp(key, "horizon")) {
            ICS_TRY(get_int(c, v, what, 1, INT_MAX, &cfg->horizon));
        } else if (!strcmp(key, "block_size")) {
            ICS_TRY(get_int(c, v, what, 1, 1048576, &cfg->block_size));
        } else if (!strcmp(key, "balance_tolerance")) {
            ICS_TRY(get_double(c, v, what, &cfg->balance_rtol));
            if (!(cfg->balance_rtol > 0)) {
                st = perr(c, line_of(v), "%s: must be > 0, got %g", what, cfg->balance_rtol);
                goto done;
            }
        } else if (!strcmp(key, "shocks")) {
            ICS_TRY(parse_shocks(c, v, cfg));
        } else if (!strcmp(key, "output")) {
            ICS_TRY(parse_output(c, v, cfg));
        } else if (section(key)) { /* a model's own section (diim, ario) */
            ICS_TRY(section(key)->parse(c, v, cfg));
        } else if (!strcmp(key, "sensitivity")) {
            ICS_TRY(parse_sensitivity(c, v, cfg));
        } else if (!strcmp(key, "correlation")) {
            ICS_TRY(parse_correlation(c, v, cfg));
        } else if (!strcmp(key, "recovery_level")) {
            ICS_TRY(get_double(c, v, what, &cfg->recovery_level));
            if (!(cfg->recovery_level > 0 && cfg->recovery_level < 1)) {
                st = perr(c, line_of(v), "%s: must be in (0, 1), got %g", what, cfg->recovery_level);
                goto done;
            }
        } else if (!strcmp(key, "steps_per_year")) {
            ICS_TRY(get_int(c, v, what, 1, 100000, &cfg->steps_per_year));
        } else if (!strcmp(key, "chokepoints")) {
            /* read by `icstress chokepoints` (core/analysis/linkages.c); other commands ignore it */
        } else if (!strcmp(key, "aggregates")) {
            ICS_TRY(parse_aggregates(c, v, cfg));
        } else if (!strcmp(key, "fast_aggregates")) {
            ICS_TRY(get_bool(c, v, what, &cfg->fast_aggregates));
        }
    }
    if (cfg->ncorr) ICS_TRY(check_correlation_factors(c, cfg));
    if (cfg->has_sensitivity) ICS_TRY(sensitivity_defaults(c, cfg));
done:
    return st;
}

/* A relative table path is relative to the config file, so that a config and its table can be
 * moved together and run from anywhere. */
static ics_status resolve_table(const pctx *c, const char *path, ics_config *cfg)
{
    if (!path || !strcmp(cfg->table, "builtin") || !strcmp(cfg->table, "builtin_world") ||
        !strcmp(cfg->table, "builtin_physical") || cfg->table[0] == '/')
        return ICS_OK;
    const char *slash = strrchr(path, '/');
    if (!slash) return ICS_OK; /* the config is in the working directory */
    size_t dirlen = (size_t)(slash - path);
    if (dirlen == 0) dirlen = 1; /* "/cfg.yaml": the root directory */
    size_t tlen = strlen(cfg->table);
    char *full = ics_calloc(dirlen + tlen + 2, 1, c->err, "the table path");
    if (!full) return ICS_ENOMEM;
    memcpy(full, path, dirlen);
    if (full[dirlen - 1] != '/') full[dirlen++] = '/';
    memcpy(full + dirlen, cfg->table, tlen + 1);
    free(cfg->table);
    cfg->table = full;
    return ICS_OK;
}

static int line_at_offset(const char *text, size_t offset)
{
    int line = 1;
    for (size_t i = 0; i < offset && text[i]; ++i)
        if (text[i] == '\n') ++line;
    return line;
}

static ics_status syntax_error(const pctx *c, const yaml_parser_t *parser, const char *text)
{
    if (parser->error == YAML_MEMORY_ERROR)
        return ics_error_set(c->err, ICS_ENOMEM, "%s: out of memory while parsing YAML", c->path);
    int line = parser->error == YAML_READER_ERROR ? line_at_offset(text, parser->problem_offset)
                                                  : (int)parser->problem_mark.line + 1;
    const char *problem = parser->problem ? parser->problem : "unknown problem";
    if (parser->context)
        return perr(c, line, "YAML syntax error: %s (%s at line %d)", problem, parser->context,
                    (int)parser->context_mark.line + 1);
    return perr(c, line, "YAML syntax error: %s", problem);
}

static ics_status set_defaults(ics_config *cfg, ics_error *err)
{
    if (!(cfg->table = ics_strdup("builtin", err))) return ICS_ENOMEM;
    if (!(cfg->output_file = ics_strdup("results.h5", err))) return ICS_ENOMEM;
    if (!(cfg->store = ics_calloc(2, sizeof *cfg->store, err, "output.store"))) return ICS_ENOMEM;
    if (!(cfg->store[0] = ics_strdup("output_change", err))) return ICS_ENOMEM;
    cfg->nstore = 1;
    if (!(cfg->store[1] = ics_strdup("total_output_loss", err))) return ICS_ENOMEM;
    cfg->nstore = 2;
    cfg->model = ICS_MODEL_LEONTIEF;
    cfg->scenarios = 1000;
    cfg->seed = 42;
    cfg->sampler = ICS_SAMPLER_MC;
    cfg->horizon = 104;
    cfg->block_size = 1024;
    cfg->fast_aggregates = 1;
    cfg->recovery_level = 0.99;
    cfg->steps_per_year = 52;
    cfg->balance_rtol = 1e-6;
    for (const ics__cfg_section *const *q = ics__cfg_sections; *q; ++q)
        if ((*q)->defaults) (*q)->defaults(cfg);
    return ICS_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Public API                                                                                  */

ics_status ics_config_parse(const char *text, const char *path, ics_config **out, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_config *cfg = NULL;
    yaml_parser_t parser;
    yaml_document_t doc, extra;
    bool have_parser = false, have_doc = false;
    const char *name = path ? path : "<string>";
    pctx c = {&doc, name, err};

    if (!out) return ics_error_set(err, ICS_EINTERNAL, "ics_config_parse: out is NULL");
    *out = NULL;
    if (!text) return ics_error_set(err, ICS_EINTERNAL, "ics_config_parse: text is NULL");

    ICS_ALLOC(cfg, 1, err, "the configuration");
    if (!(cfg->path = ics_strdup(name, err)) || !(cfg->text = ics_strdup(text, err))) {
        st = ICS_ENOMEM;
        goto done;
    }
    ICS_TRY(set_defaults(cfg, err));

    ICS_TRY(ics__config_check_limits(text, name, err));
    if (!yaml_parser_initialize(&parser))
        ICS_FAIL(err, ICS_ENOMEM, "%s: out of memory initialising the YAML parser", name);
    have_parser = true;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
    if (!yaml_parser_load(&parser, &doc)) {
        st = syntax_error(&c, &parser, text);
        goto done;
    }
    have_doc = true;

    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root)
        ICS_FAIL(err, ICS_EINPUT,
                 "%s: the configuration is empty (expected a YAML mapping such as 'model: "
                 "leontief' and 'shocks: [...]')",
                 name);
    if (root->type != YAML_MAPPING_NODE || is_null(root)) {
        st = perr(&c, line_of(root),
                  "the configuration must be a YAML mapping of keys (model: ..., shocks: ...), got %s",
                  kind_name(root));
        goto done;
    }

    /* a second document ('---') would be silently ignored: refuse it */
    if (!yaml_parser_load(&parser, &extra)) {
        st = syntax_error(&c, &parser, text);
        goto done;
    }
    yaml_node_t *root2 = yaml_document_get_root_node(&extra);
    int line2 = (int)extra.start_mark.line + 1;
    yaml_document_delete(&extra);
    if (root2) {
        st = perr(&c, line2, "more than one YAML document ('---'); a configuration is one mapping");
        goto done;
    }

    ICS_TRY(parse_root(&c, root, cfg));
    ICS_TRY(resolve_table(&c, path, cfg));

done:
    if (have_doc) yaml_document_delete(&doc);
    if (have_parser) yaml_parser_delete(&parser);
    if (st != ICS_OK) ics_config_destroy(&cfg);
    *out = cfg;
    return st;
}

ics_status ics_config_load(const char *path, ics_config **out, ics_error *err)
{
    ics_status st = ICS_OK;
    FILE *f = NULL;
    char *text = NULL;
    size_t len = 0, cap = 0;

    if (!out) return ics_error_set(err, ICS_EINTERNAL, "ics_config_load: out is NULL");
    *out = NULL;
    if (!path) return ics_error_set(err, ICS_EINTERNAL, "ics_config_load: path is NULL");

    f = fopen(path, "rb");
    if (!f) ICS_FAIL(err, ICS_EINPUT, "%s: cannot open config: %s", path, strerror(errno));
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? 2 * cap : 8192;
            if (cap > CONFIG_MAX_BYTES + 8192u)
                ICS_FAIL(err, ICS_EINPUT, "%s: config file too large (more than %u bytes)", path,
                         CONFIG_MAX_BYTES);
            char *grown = realloc(text, cap);
            if (!grown)
                ICS_FAIL(err, ICS_ENOMEM, "out of memory reading config %s (%zu bytes)", path, cap);
            text = grown;
        }
        size_t got = fread(text + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0) break;
    }
    if (ferror(f)) ICS_FAIL(err, ICS_EINPUT, "%s: cannot read config: %s", path, strerror(errno));
    text[len] = '\0';
    if (memchr(text, '\0', len))
        ICS_FAIL(err, ICS_EINPUT, "%s: not a text file (it contains a NUL byte)", path);
    st = ics_config_parse(text, path, out, err);
done:
    if (f) fclose(f);
    free(text);
    return st;
}

void ics_config_destroy(ics_config **pcfg)
{
    if (!pcfg || !*pcfg) return;
    ics_config *cfg = *pcfg;
    free(cfg->path);
    free(cfg->text);
    free(cfg->table);
    for (int i = 0; i < cfg->nshocks; ++i) {
        ics_shock *s = &cfg->shocks[i];
        free(s->name);
        free_list(s->regions, s->nregions);
        free_list(s->segments, s->nsegments);
        free_list(s->from, s->nfrom);
        free_list(s->to, s->nto);
    }
    free(cfg->shocks);
    free(cfg->output_file);
    free_list(cfg->store, cfg->nstore);
    free(cfg->sens_method);
    free_list(cfg->sens_targets, cfg->sens_ntargets);
    free_list(cfg->sens_group_names, cfg->sens_ngroups);
    free_list(cfg->sens_gfactors, cfg->sens_ngfactors);
    free(cfg->sens_gfactor_group);
    free(cfg->sens_gfactor_line);
    free_list(cfg->corr_factors, cfg->ncorr);
    for (int i = 0; i < cfg->naggs; ++i) {
        free(cfg->aggs[i].name);
        free_list(cfg->aggs[i].regions, cfg->aggs[i].nregions);
        free_list(cfg->aggs[i].segments, cfg->aggs[i].nsegments);
    }
    free(cfg->aggs);
    free(cfg->corr_matrix);
    for (const ics__cfg_section *const *q = ics__cfg_sections; *q; ++q)
        if ((*q)->free) (*q)->free(cfg); /* e.g. ario.inventory's targets (found by fuzz_config) */
    free(cfg);
    *pcfg = NULL;
}

const char *ics_model_name(ics_model_kind m)
{
    return (unsigned)m < (unsigned)NELEM(model_names) ? model_names[m] : "unknown";
}

const char *ics_sampler_name(ics_sampler_kind s)
{
    return (unsigned)s < (unsigned)NELEM(sampler_names) ? sampler_names[s] : "unknown";
}

const char *ics_shock_type_name(ics_shock_type t)
{
    return (unsigned)t < (unsigned)NELEM(type_names) ? type_names[t] : "unknown";
}

int ics_levenshtein(const char *a, const char *b)
{
    if (!a) a = "";
    if (!b) b = "";
    size_t la = strlen(a), lb = strlen(b);
    int stack_row[128];
    int *row = stack_row;
    if (lb + 1 > (size_t)NELEM(stack_row)) {
        row = malloc((lb + 1) * sizeof *row);
        if (!row) return INT_MAX; /* only hints depend on it: "no hint" is the safe answer */
    }
    for (size_t j = 0; j <= lb; ++j) row[j] = (int)j;
    for (size_t i = 1; i <= la; ++i) {
        int diag = row[0]; /* d[i-1][j-1] */
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; ++j) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    int d = row[lb];
    if (row != stack_row) free(row);
    return d;
}

/* Within max(2, len/2) edits, and sharing at least one character position with the candidate
 * (a two-letter word is otherwise "near" every other two-letter word). Ties: the first. */
const char *ics_nearest(const char *word, const char *const *candidates, int ncand)
{
    if (!word || !candidates) return NULL;
    int len = (int)strlen(word);
    int limit = len / 2 > 2 ? len / 2 : 2;
    const char *best = NULL;
    int bestd = INT_MAX;
    for (int i = 0; i < ncand; ++i) {
        if (!candidates[i]) continue;
        int d = ics_levenshtein(word, candidates[i]);
        if (d < bestd) {
            bestd = d;
            best = candidates[i];
        }
    }
    if (!best || bestd > limit) return NULL;
    int clen = (int)strlen(best);
    if (bestd >= (len > clen ? len : clen)) return NULL;
    return best;
}

const char *ics_dist_describe(const ics_dist *d, char *buf, size_t len)
{
    switch (d->kind) {
    case ICS_DIST_CONST: snprintf(buf, len, "%g", d->value); break;
    case ICS_DIST_UNIFORM: snprintf(buf, len, "uniform(%g, %g)", d->min, d->max); break;
    case ICS_DIST_NORMAL: snprintf(buf, len, "normal(mean %g, sd %g)", d->mean, d->sd); break;
    case ICS_DIST_TRUNCNORMAL:
        snprintf(buf, len, "truncnormal(mean %g, sd %g, %g, %g)", d->mean, d->sd, d->min, d->max);
        break;
    case ICS_DIST_LOGNORMAL: snprintf(buf, len, "lognormal(mu %g, sigma %g)", d->mu, d->sigma); break;
    case ICS_DIST_BETA:
        snprintf(buf, len, "beta(%g, %g) on [%g, %g]", d->a, d->b, d->min, d->max);
        break;
    case ICS_DIST_TRIANGULAR:
        snprintf(buf, len, "triangular(%g, %g, %g)", d->min, d->mode, d->max);
        break;
    }
    return buf;
}

/* ------------------------------------------------------------------------------------------ */
/* The helpers above for the model sections' parsers (ics_config_internal.h)                   */

int ics__cfg_line(const yaml_node_t *n) { return line_of(n); }
const char *ics__cfg_sval(const yaml_node_t *n) { return sval(n); }
const char *ics__cfg_kind_name(const yaml_node_t *n) { return kind_name(n); }
void ics__cfg_free_list(char **list, int n) { free_list(list, n); }

ics_status ics__cfg_perr(const pctx *c, int line, const char *fmt, ...)
{
    char buf[ICS_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return perr(c, line, "%s", buf);
}

yaml_node_t *ics__cfg_map_get(const pctx *c, yaml_node_t *map, const char *key)
{
    return map_get(c, map, key);
}

ics_status ics__cfg_check_keys(const pctx *c, yaml_node_t *map, const char *const *valid,
                               int nvalid, const char *prefix, const char *where)
{
    return check_keys(c, map, valid, nvalid, prefix, where);
}

ics_status ics__cfg_get_double(const pctx *c, const yaml_node_t *v, const char *what, double *out)
{
    return get_double(c, v, what, out);
}

ics_status ics__cfg_get_enum(const pctx *c, const yaml_node_t *v, const char *what,
                             const char *noun, const char *const *names, int n, int *out)
{
    return get_enum(c, v, what, noun, names, n, out);
}

ics_status ics__cfg_get_dist(const pctx *c, yaml_node_t *v, const char *what, ics_dist *d)
{
    return get_dist(c, v, what, d);
}
