/* Dimension scales, CF attributes and provenance for result files (see ics_h5meta.h).
 * The netCDF-4 data model on HDF5: a dimension is a dataset marked as a dimension scale
 * (H5DSset_scale); a dataset's axes are attached to scales (H5DSattach_scale); a scale whose
 * NAME starts with NOT_A_VAR is a dimension without a coordinate variable (netCDF-C and
 * h5netcdf both test that prefix). A dimension is visible in its group and the group's
 * descendants, but xarray shows as coordinates only the variables of the group it opens, so
 * every group gets its own label scales. */
#define _DEFAULT_SOURCE /* gethostname */
#include "ics_h5meta.h"
#include "ics_h5.h"
#include "ics_table.h"

#include <hdf5_hl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOT_A_VAR "This is a netCDF dimension but not a netCDF variable."

typedef struct strs {
    char **s;
    int n;
} strs;

typedef struct meta {
    hid_t file;
    strs regions, segments, nodes, fd, factors, dfactors, ens;
    char flow[320], stock[320]; /* money units: a flow per year; an amount (dynamic totals) */
    int dynamic;                /* the run's money outputs are sums over steps */
    int choke_dynamic;
    char step[96];              /* "1 step = 1/52 year" */
} meta;

enum { DK_INDEX, DK_LABELS, DK_VALUES };
typedef struct dimspec {
    char name[64];
    int kind;
    hsize_t len;
    char *const *labels; /* DK_LABELS, borrowed; NULL with len 1: `one` */
    char one[200];
    double *values;      /* DK_VALUES, owned */
    char units[64], long_name[200];
} dimspec;

typedef struct pathlist {
    char **p;
    int n, cap;
} pathlist;

static void strs_free(strs *s)
{
    for (int i = 0; s->s && i < s->n; ++i) free(s->s[i]);
    free(s->s);
    s->s = NULL;
    s->n = 0;
}

static void quiet(H5E_auto2_t *f, void **d, int on)
{
    if (on) {
        H5Eget_auto2(H5E_DEFAULT, f, d);
        H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    } else {
        H5Eset_auto2(H5E_DEFAULT, *f, *d);
    }
}

static int exists(hid_t loc, const char *path)
{
    /* every component must exist for H5Lexists on a path */
    char buf[1024];
    snprintf(buf, sizeof buf, "%.1000s", path);
    for (char *p = buf + 1; *p; ++p)
        if (*p == '/') {
            *p = '\0';
            if (H5Lexists(loc, buf, H5P_DEFAULT) <= 0) return 0;
            *p = '/';
        }
    return H5Lexists(loc, buf, H5P_DEFAULT) > 0;
}

/* A 1-D string dataset (fixed or variable length) into s; absent: s empty, ICS_OK. */
static ics_status read_strs(hid_t file, const char *path, strs *s, ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t d = H5I_INVALID_HID, ft = H5I_INVALID_HID, mt = H5I_INVALID_HID, sp = H5I_INVALID_HID;
    char *fixed = NULL, **vl = NULL;
    s->s = NULL;
    s->n = 0;
    if (!exists(file, path)) return ICS_OK;
    if ((d = H5Dopen2(file, path, H5P_DEFAULT)) < 0 || (ft = H5Dget_type(d)) < 0 ||
        H5Tget_class(ft) != H5T_STRING)
        ICS_FAIL(err, ICS_EIO, "%s: not a string dataset", path);
    sp = H5Dget_space(d);
    const int n = (int)H5Sget_simple_extent_npoints(sp);
    ICS_ALLOC(s->s, n ? n : 1, err, path);
    s->n = n;
    mt = H5Tcopy(H5T_C_S1);
    H5Tset_cset(mt, H5Tget_cset(ft));
    if (H5Tis_variable_str(ft) > 0) {
        ICS_ALLOC(vl, n ? n : 1, err, path);
        H5Tset_size(mt, H5T_VARIABLE);
        if (n && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, vl) < 0)
            ICS_FAIL(err, ICS_EIO, "%s: cannot read", path);
        for (int i = 0; i < n; ++i) s->s[i] = ics_strdup(vl[i] ? vl[i] : "", err);
        H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, vl);
    } else {
        const size_t w = H5Tget_size(ft) + 1;
        ICS_ALLOC(fixed, (size_t)(n ? n : 1) * w, err, path);
        H5Tset_size(mt, w);
        H5Tset_strpad(mt, H5T_STR_NULLTERM);
        if (n && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, fixed) < 0)
            ICS_FAIL(err, ICS_EIO, "%s: cannot read", path);
        for (int i = 0; i < n; ++i) s->s[i] = ics_strdup(fixed + (size_t)i * w, err);
    }
    for (int i = 0; i < n; ++i)
        if (!s->s[i]) ICS_FAIL(err, ICS_ENOMEM, "out of memory");
done:
    if (st != ICS_OK) strs_free(s);
    free(fixed), free(vl);
    if (mt >= 0) H5Tclose(mt);
    if (sp >= 0) H5Sclose(sp);
    if (ft >= 0) H5Tclose(ft);
    if (d >= 0) H5Dclose(d);
    return st;
}

static hid_t vlstr(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    H5Tset_cset(t, H5T_CSET_UTF8);
    return t;
}

static ics_status set_str(hid_t obj, const char *name, const char *v, ics_error *err)
{
    return ics_h5_set_attr_str(obj, name, v, err);
}

static herr_t copy_attr(hid_t loc, const char *name, const H5A_info_t *info, void *dst_)
{
    (void)info;
    const hid_t dst = *(hid_t *)dst_;
    herr_t rc = -1;
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT), type = H5Aget_type(a), space = H5Aget_space(a);
    const hssize_t np = H5Sget_simple_extent_npoints(space);
    void *buf = H5Tis_variable_str(type) > 0 ? NULL
                                              : calloc((size_t)(np > 0 ? np : 1), H5Tget_size(type));
    if (buf && H5Aread(a, type, buf) >= 0) {
        hid_t b = H5Acreate2(dst, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
        if (b >= 0) rc = H5Awrite(b, type, buf) < 0 ? -1 : 0;
        if (b >= 0) H5Aclose(b);
    } else if (!buf) {
        rc = 0; /* variable-length string attributes: none are written by icstress */
    }
    free(buf);
    H5Sclose(space), H5Tclose(type), H5Aclose(a);
    return rc;
}

/* Rewrite a fixed-length string dataset as variable-length strings, same values and
 * attributes. */
static ics_status to_vlen(hid_t file, const char *path, ics_error *err)
{
    ics_status st = ICS_OK;
    strs s = {0};
    hid_t old = H5I_INVALID_HID, nd = H5I_INVALID_HID, t = vlstr(), sp = H5I_INVALID_HID;
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.vlen", path);
    ICS_TRY(read_strs(file, path, &s, err));
    hsize_t n = (hsize_t)s.n;
    sp = H5Screate_simple(1, &n, NULL);
    if ((nd = H5Dcreate2(file, tmp, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        (n && H5Dwrite(nd, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, s.s) < 0))
        ICS_FAIL(err, ICS_EIO, "%s: cannot rewrite as variable-length strings", path);
    if ((old = H5Dopen2(file, path, H5P_DEFAULT)) < 0 ||
        H5Aiterate2(old, H5_INDEX_NAME, H5_ITER_NATIVE, NULL, copy_attr, &nd) < 0)
        ICS_FAIL(err, ICS_EIO, "%s: cannot copy its attributes", path);
    H5Dclose(old), old = H5I_INVALID_HID;
    H5Dclose(nd), nd = H5I_INVALID_HID;
    if (H5Ldelete(file, path, H5P_DEFAULT) < 0 ||
        H5Lmove(file, tmp, file, path, H5P_DEFAULT, H5P_DEFAULT) < 0)
        ICS_FAIL(err, ICS_EIO, "%s: cannot replace the dataset", path);
done:
    if (old >= 0) H5Dclose(old);
    if (nd >= 0) H5Dclose(nd);
    if (sp >= 0) H5Sclose(sp);
    H5Tclose(t);
    strs_free(&s);
    return st;
}

static herr_t collect(hid_t obj, const char *name, const H5O_info_t *info, void *pl_)
{
    (void)obj;
    pathlist *pl = pl_;
    if (info->type != H5O_TYPE_DATASET) return 0;
    if (pl->n == pl->cap) {
        int cap = pl->cap ? 2 * pl->cap : 64;
        char **p = realloc(pl->p, (size_t)cap * sizeof *p);
        if (!p) return -1;
        pl->p = p, pl->cap = cap;
    }
    const size_t len = strlen(name) + 2;
    if (!(pl->p[pl->n] = malloc(len))) return -1;
    snprintf(pl->p[pl->n++], len, "/%s", name);
    return 0;
}

static void paths_free(pathlist *pl)
{
    for (int i = 0; i < pl->n; ++i) free(pl->p[i]);
    free(pl->p);
    memset(pl, 0, sizeof *pl);
}

static ics_status list_datasets(hid_t file, pathlist *pl, ics_error *err)
{
    paths_free(pl);
    if (H5Ovisit(file, H5_INDEX_NAME, H5_ITER_INC, collect, pl) < 0)
        return ics_error_set(err, ICS_EIO, "cannot list the datasets of the result file");
    return ICS_OK;
}

/* ---- what each dataset is ------------------------------------------------------------- */

static int ends_with(const char *s, const char *suf)
{
    const size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

static void dim_index(dimspec *d, const char *name, hsize_t len)
{
    snprintf(d->name, sizeof d->name, "%s", name);
    d->kind = DK_INDEX;
    d->len = len;
}

static void dim_labels(dimspec *d, const char *name, const strs *s, const char *long_name)
{
    snprintf(d->name, sizeof d->name, "%s", name);
    d->kind = DK_LABELS;
    d->len = (hsize_t)s->n;
    d->labels = s->s;
    snprintf(d->long_name, sizeof d->long_name, "%s", long_name);
}

/* The column axis of an output with w values per scenario. */
static void col_dim(const meta *m, const char *name, hsize_t w, dimspec *d)
{
    if (ends_with(name, "_by_region") && w == (hsize_t)m->regions.n)
        dim_labels(d, "region", &m->regions, "region");
    else if (ends_with(name, "_by_segment") && w == (hsize_t)m->segments.n)
        dim_labels(d, "segment", &m->segments, "segment (sector)");
    else if (w == (hsize_t)m->nodes.n)
        dim_labels(d, "node", &m->nodes, "node REGION/segment");
    else if (w == (hsize_t)m->regions.n)
        dim_labels(d, "region", &m->regions, "region");
    else if (w == (hsize_t)m->segments.n)
        dim_labels(d, "segment", &m->segments, "segment (sector)");
    else
        dim_index(d, "column", w);
}

/* units and long_name of a run output (a /scenarios dataset or an aggregate). */
static void output_meta(const meta *m, const char *name, int aggregate, char *units, size_t ul,
                        char *ln, size_t ll)
{
    const char *money = m->dynamic ? m->stock : m->flow;
    const char *sum = m->dynamic ? ", summed over the steps of the horizon" : "";
    if (aggregate) {
        snprintf(units, ul, "%s", money);
        snprintf(ln, ll, "output loss of aggregate %s (positive = less)%s", name, sum);
    } else if (!strcmp(name, "output_change")) {
        snprintf(units, ul, "%s", money);
        snprintf(ln, ll, "change of gross output by node%s",
                 m->dynamic ? " (minus the output loss summed over the steps)" : "");
    } else if (!strcmp(name, "total_output_loss")) {
        snprintf(units, ul, "%s", money);
        snprintf(ln, ll, "total output loss over all nodes (positive = less)%s", sum);
    } else if (!strcmp(name, "va_loss_by_region")) {
        snprintf(units, ul, "%s", money);
        snprintf(ln, ll, "value-added loss by region (positive = less)%s", sum);
    } else if (!strcmp(name, "gdp_loss_by_region")) {
        snprintf(units, ul, "%s", money);
        snprintf(ln, ll, "GDP loss by region: value-added loss at basic prices on a full-economy "
                 "table (positive = less)%s", sum);
    } else if (!strcmp(name, "gdp_loss_share_by_region")) {
        snprintf(units, ul, "1");
        snprintf(ln, ll, "GDP loss by region as a share of the region's GDP (its value added in "
                 "the table, per year)%s", sum);
    } else if (!strcmp(name, "va_loss_by_region_segment")) {
        snprintf(units, ul, "%s", money);
        snprintf(ln, ll, "value-added loss by node (region x segment; positive = less)%s", sum);
    } else if (!strcmp(name, "output_loss_by_region") || !strcmp(name, "output_loss_by_segment")) {
        snprintf(units, ul, "%s", money);
        snprintf(ln, ll, "output loss by %s (positive = less)%s",
                 ends_with(name, "region") ? "region" : "segment", sum);
    } else if (!strcmp(name, "unmet_final_demand")) {
        snprintf(units, ul, "%s", money);
        snprintf(ln, ll, "final demand not delivered%s", sum);
    } else if (!strcmp(name, "inoperability")) {
        snprintf(units, ul, "1");
        snprintf(ln, ll, "inoperability q: share of baseline output lost, by node");
    } else if (!strcmp(name, "peak_loss")) {
        snprintf(units, ul, "1");
        snprintf(ln, ll, "largest share of baseline output lost over the horizon, by node");
    } else if (!strcmp(name, "trajectory")) {
        snprintf(units, ul, "1");
        snprintf(ln, ll, "share of baseline output lost at each step, by node (0 = normal)");
    } else if (!strcmp(name, "recovery_time") || !strcmp(name, "recovery_time_by_region")) {
        snprintf(units, ul, "steps");
        snprintf(ln, ll, "steps until recovered, by %s (%s; horizon + 1 = not recovered within "
                 "the horizon)", ends_with(name, "region") ? "region" : "node", m->step);
    } else {
        snprintf(units, ul, "1");
        snprintf(ln, ll, "%s", name);
    }
}

/* The units of the output a sensitivity target or a statistic refers to. */
static void source_meta(const meta *m, const char *src, char *units, size_t ul, char *ln,
                        size_t ll)
{
    const char *base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
    output_meta(m, base, strstr(src, "aggregates/") != NULL, units, ul, ln, ll);
}

static ics_status values_attr(hid_t d, const char *attr, dimspec *ds, int invert, ics_error *err)
{
    hid_t a = H5Aopen(d, attr, H5P_DEFAULT);
    if (a < 0) return ics_error_set(err, ICS_EIO, "missing attribute '%s'", attr);
    hid_t sp = H5Aget_space(a);
    const hssize_t np = H5Sget_simple_extent_npoints(sp);
    ds->values = calloc((size_t)(np > 0 ? np : 1), sizeof *ds->values);
    herr_t rc = ds->values ? H5Aread(a, H5T_NATIVE_DOUBLE, ds->values) : -1;
    H5Sclose(sp), H5Aclose(a);
    if (rc < 0) return ics_error_set(err, ICS_EIO, "cannot read attribute '%s'", attr);
    if (invert)
        for (hssize_t i = 0; i < np; ++i) ds->values[i] = 1.0 / ds->values[i];
    ds->kind = DK_VALUES;
    return ICS_OK;
}

static const char *stat_desc(const char *base)
{
    static const char *const names[][2] = {
        {"mean", "mean"}, {"sd", "standard deviation"}, {"min", "minimum"}, {"max", "maximum"},
        {"quantiles", "quantiles"}, {"var", "value at risk"}, {"cvar", "expected shortfall (CVaR)"},
        {"return_period_loss", "value exceeded with probability 1/return_period"},
        {"threshold", "exceedance-curve thresholds"}, {"probability", "exceedance probability"}};
    for (size_t i = 0; i < sizeof names / sizeof *names; ++i)
        if (!strcmp(base, names[i][0])) return names[i][1];
    return base;
}

/* The dimensions, units and long name of the dataset at `path`. */
static ics_status plan(meta *m, const char *path, const char *group, const char *base, hid_t d,
                       int rank, const hsize_t *dims, dimspec *ds, char *units, char *ln,
                       ics_error *err)
{
    ics_status st = ICS_OK;
    const size_t UL = 320, LL = 512;
    char top[64] = "";
    sscanf(path, "/%63[^/]", top);
    const int n = m->nodes.n;
    for (int i = 0; i < rank; ++i) { /* fallback: an axis of its own */
        char nm[64];
        snprintf(nm, sizeof nm, "%.40s_dim%d", base, i % 10);
        dim_index(&ds[i], nm, dims[i]);
    }
    if (!strcmp(top, "table")) {
        const char *money = m->flow;
        if (!strcmp(base, "Z") && rank == 2 && dims[0] == (hsize_t)n && dims[1] == (hsize_t)n) {
            dim_labels(&ds[0], "node", &m->nodes, "selling node REGION/segment");
            dim_labels(&ds[1], "buying_node", &m->nodes, "buying node REGION/segment");
            snprintf(units, UL, "%s", money);
            snprintf(ln, LL, "intermediate flows Z (row: selling node, column: buying node)");
        } else if (!strcmp(base, "Y") && rank == 2 && dims[1] == (hsize_t)m->fd.n) {
            dim_labels(&ds[0], "node", &m->nodes, "node REGION/segment");
            dim_labels(&ds[1], "final_demand", &m->fd, "final-demand column REGION/category");
            snprintf(units, UL, "%s", money);
            snprintf(ln, LL, "final demand Y (row: selling node, column: final-demand column)");
        } else if ((!strcmp(base, "x") || !strcmp(base, "va")) && dims[0] == (hsize_t)n) {
            dim_labels(&ds[0], "node", &m->nodes, "node REGION/segment");
            snprintf(units, UL, "%s", money);
            snprintf(ln, LL, "%s", base[0] == 'x' ? "gross output x" : "value added va");
        } else if (!strcmp(base, "regions")) {
            dim_labels(&ds[0], "region", &m->regions, "region");
            snprintf(ln, LL, "region codes");
        } else if (!strcmp(base, "segments")) {
            dim_labels(&ds[0], "segment", &m->segments, "segment (sector)");
            snprintf(ln, LL, "segment (sector) codes");
        } else if ((!strcmp(base, "node_region") || !strcmp(base, "node_segment")) &&
                   dims[0] == (hsize_t)n) {
            dim_labels(&ds[0], "node", &m->nodes, "node REGION/segment");
            snprintf(units, UL, "1");
            snprintf(ln, LL, "%s of each node", base + 5);
        } else if (!strcmp(base, "y_region") || !strcmp(base, "y_category")) {
            dim_labels(&ds[0], "final_demand", &m->fd, "final-demand column REGION/category");
            snprintf(ln, LL, "%s of each final-demand column", base + 2);
        }
    } else if (!strcmp(top, "scenarios")) {
        dim_index(&ds[0], "scenario", dims[0]);
        if (!strncmp(path, "/scenarios/parameters/", 22)) {
            const int steps = !strcmp(base, "start") || !strcmp(base, "duration") ||
                              !strcmp(base, "recovery");
            snprintf(units, UL, "%s", steps ? "steps" : "1");
            char shock[200] = "";
            sscanf(path + 22, "%199[^/]", shock);
            snprintf(ln, LL, "%s of shock %s in each scenario%s", base, shock,
                     !strcmp(base, "occurs") ? " (1 = the shock happens)" : "");
        } else {
            output_meta(m, base, !strncmp(path, "/scenarios/aggregates/", 22), units, UL, ln, LL);
            if (rank == 2) col_dim(m, base, dims[1], &ds[1]);
            if (rank == 3) {
                dim_labels(&ds[2], "node", &m->nodes, "node REGION/segment");
                snprintf(ds[1].name, sizeof ds[1].name, "step");
                ds[1].kind = DK_VALUES;
                ds[1].len = dims[1];
                if (!(ds[1].values = calloc(dims[1] ? dims[1] : 1, sizeof(double))))
                    ICS_FAIL(err, ICS_ENOMEM, "out of memory");
                for (hsize_t t = 0; t < dims[1]; ++t) ds[1].values[t] = (double)t;
                snprintf(ds[1].units, sizeof ds[1].units, "steps");
                snprintf(ds[1].long_name, sizeof ds[1].long_name,
                         "time step (0 = before the first step; %s)", m->step);
            }
        }
    } else if (!strcmp(top, "statistics") && rank >= 1) {
        /* /statistics/<rest>[/ep_curve]/<stat>: the statistics of /scenarios/<rest> */
        char sgroup[1024], src[1100], su[320], sl[512];
        snprintf(sgroup, sizeof sgroup, "%s", group);
        if (ends_with(sgroup, "/ep_curve")) sgroup[strlen(sgroup) - 9] = '\0';
        snprintf(src, sizeof src, "/scenarios%s", sgroup + 11);
        const char *oname = strrchr(sgroup, '/') + 1;
        source_meta(m, src, su, sizeof su, sl, sizeof sl);
        int srank = 0;
        if (exists(m->file, src)) {
            hid_t sd = H5Dopen2(m->file, src, H5P_DEFAULT), sp = H5Dget_space(sd);
            srank = H5Sget_simple_extent_ndims(sp);
            H5Sclose(sp), H5Dclose(sd);
        }
        dimspec *col = &ds[rank - 1];
        const hsize_t w = dims[rank - 1];
        if (w == 1 && srank <= 1) {
            snprintf(col->name, sizeof col->name, "output");
            col->kind = DK_LABELS, col->len = 1, col->labels = NULL;
            snprintf(col->one, sizeof col->one, "%.190s", oname);
            snprintf(col->long_name, sizeof col->long_name, "the output of these statistics");
        } else {
            col_dim(m, oname, w, col);
        }
        const int prob = !strcmp(base, "probability");
        snprintf(units, UL, "%s", prob ? "1" : su);
        snprintf(ln, LL, "%s of %.400s", stat_desc(base), sl);
        if (rank == 2) {
            dimspec *row = &ds[0];
            row->len = dims[0];
            if (!strcmp(base, "quantiles")) {
                snprintf(row->name, sizeof row->name, "quantile");
                ICS_TRY(values_attr(d, "levels", row, 0, err));
                snprintf(row->units, sizeof row->units, "1");
                snprintf(row->long_name, sizeof row->long_name, "quantile level (probability)");
            } else if (!strcmp(base, "var") || !strcmp(base, "cvar")) {
                snprintf(row->name, sizeof row->name, "risk_level");
                ICS_TRY(values_attr(d, "levels", row, 0, err));
                snprintf(row->units, sizeof row->units, "1");
                snprintf(row->long_name, sizeof row->long_name, "confidence level a of VaR and CVaR");
            } else if (!strcmp(base, "return_period_loss")) {
                snprintf(row->name, sizeof row->name, "return_period");
                ICS_TRY(values_attr(d, "exceedance_probability", row, 1, err));
                snprintf(row->units, sizeof row->units, "1");
                snprintf(row->long_name, sizeof row->long_name,
                         "return period 1/p in scenarios (p = exceedance probability per scenario)");
            } else if (ends_with(group, "/ep_curve")) {
                dim_index(row, "ep_point", dims[0]);
            }
        }
    } else if (!strcmp(top, "sensitivity")) {
        const int design = !strncmp(base, "design_factor", 13);
        const strs *lab = design ? &m->dfactors : &m->factors;
        const char *dn = design ? "design_factor" : "factor";
        if (dims[0] == (hsize_t)lab->n)
            dim_labels(&ds[0], dn, lab, design ? "factor of the design (shock/parameter)"
                                               : "factor or group of factors");
        if (rank == 2 && dims[1] == (hsize_t)lab->n)
            dim_labels(&ds[1], "factor_j", lab, "second factor of the pair");
        if (!strcmp(base, "factors") || !strcmp(base, "design_factors")) {
            snprintf(ln, LL, "names of the %s", design ? "design factors" : "factors (groups)");
        } else if (!strcmp(base, "design_factor_group")) {
            snprintf(units, UL, "1");
            snprintf(ln, LL, "index in factors of the group of each design factor");
        } else if (base[0] == 'S') {
            snprintf(units, UL, "1");
            snprintf(ln, LL, "Sobol' index %s", base);
        } else {
            /* Morris statistics: in the units of the target's output */
            char *dsrc = NULL, su[320], sl[512];
            hid_t g = H5Gopen2(m->file, group, H5P_DEFAULT);
            ics_error e2;
            if (g >= 0 && H5Aexists(g, "dataset") > 0 &&
                ics_h5_get_attr_str(g, "dataset", &dsrc, &e2) == ICS_OK) {
                source_meta(m, dsrc, su, sizeof su, sl, sizeof sl);
                snprintf(units, UL, "%s", !strcmp(base, "mu_star_conf") || !strncmp(base, "mu", 2) ||
                                          !strncmp(base, "sigma", 5) ? su : "1");
            } else {
                snprintf(units, UL, "1");
            }
            free(dsrc);
            if (g >= 0) H5Gclose(g);
            snprintf(ln, LL, "Morris elementary-effect statistic %s", base);
        }
    } else if (!strcmp(top, "chokepoints")) {
        const char *money = m->choke_dynamic ? m->stock : m->flow;
        if (!strcmp(base, "ensemble_nodes") || !strcmp(base, "scenario_loss")) {
            if (dims[0] == (hsize_t)m->ens.n)
                dim_labels(&ds[0], "ensemble_node", &m->ens, "node shocked in the ensemble");
            if (rank == 2) dim_index(&ds[1], "draw", dims[1]);
        } else if (dims[0] == (hsize_t)n) {
            dim_labels(&ds[0], "node", &m->nodes, "node REGION/segment");
        }
        if (!strcmp(base, "node_region") || !strcmp(base, "node_segment")) {
            snprintf(ln, LL, "%s of each node", base + 5);
        } else if (strstr(base, "linkage")) {
            snprintf(units, UL, "1");
            snprintf(ln, LL, "%s (normalised: 1 = average)", base);
        } else if (!strncmp(base, "extraction", 10)) {
            snprintf(units, UL, "%s", ends_with(base, "_share") ? "1" : m->flow);
            snprintf(ln, LL, "hypothetical extraction: %s", base + 11);
        } else if (strstr(base, "loss")) {
            snprintf(units, UL, "%s", money);
            snprintf(ln, LL, "%s of the total output loss when the node is shocked%s", base,
                     m->choke_dynamic ? ", summed over the steps of the horizon" : "");
        } else {
            snprintf(units, UL, "1");
            snprintf(ln, LL, "%s", !strcmp(base, "ensemble_nodes") ? "node index of each ensemble"
                                   : !strcmp(base, "key_class") ? "key-sector class (0 weak, 1 "
                                     "backward, 2 forward, 3 key)" : base);
        }
    } else if (!strcmp(top, "progress")) {
        snprintf(units, UL, "1");
        if (!strcmp(base, "block_done")) {
            dim_index(&ds[0], "block", dims[0]);
            snprintf(ln, LL, "1 when the block of scenarios is in the file (resume)");
        } else if (rank == 3) {
            dim_index(&ds[0], "window", dims[0]);
            col_dim(m, base, dims[1], &ds[1]);
            dim_index(&ds[2], "moment_field", dims[2]);
            snprintf(ln, LL, "running moments of %s by window of scenarios (internal)", base);
        }
    }
    if (!*ln) snprintf(ln, LL, "%s", base);
done:
    return st;
}

/* The scale for d in `group`, created when missing; a name taken by another length or by a data
 * variable gets the length appended. Returns the open scale or a negative id. */
static hid_t get_scale(meta *m, const char *group, const dimspec *d, ics_error *err)
{
    char nm[96], path[1200];
    snprintf(nm, sizeof nm, "%.63s", d->name);
    for (int attempt = 0; attempt < 3; ++attempt) {
        snprintf(path, sizeof path, "%s/%s", strcmp(group, "/") ? group : "", nm);
        if (H5Lexists(m->file, path, H5P_DEFAULT) > 0) {
            hid_t s = H5Dopen2(m->file, path, H5P_DEFAULT);
            hid_t sp = H5Dget_space(s);
            hsize_t len = 0;
            const int r = H5Sget_simple_extent_ndims(sp);
            if (r == 1) H5Sget_simple_extent_dims(sp, &len, NULL);
            H5Sclose(sp);
            if (H5DSis_scale(s) > 0 && r == 1 && len == d->len)
                return s;
            H5Dclose(s);
            snprintf(nm, sizeof nm, "%.63s_%llu%s", d->name, (unsigned long long)d->len,
                     attempt ? "x" : "");
            continue;
        }
        hsize_t len = d->len;
        hid_t sp = H5Screate_simple(1, &len, NULL), s = H5I_INVALID_HID, t = H5I_INVALID_HID;
        herr_t rc = 0;
        char scale_name[128];
        snprintf(scale_name, sizeof scale_name, "%s", nm);
        if (d->kind == DK_LABELS) {
            t = vlstr();
            s = H5Dcreate2(m->file, path, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            const char *one[1] = {d->one};
            if (s >= 0 && len) rc = H5Dwrite(s, t, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                            d->labels ? (const void *)d->labels : (const void *)one);
        } else if (d->kind == DK_VALUES) {
            s = H5Dcreate2(m->file, path, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            if (s >= 0 && len) rc = H5Dwrite(s, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                            d->values);
        } else {
            /* no coordinate variable: nothing stored (late allocation, never written) */
            s = H5Dcreate2(m->file, path, H5T_IEEE_F32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
            snprintf(scale_name, sizeof scale_name, "%s%10llu", NOT_A_VAR, (unsigned long long)len);
        }
        if (t >= 0) H5Tclose(t);
        H5Sclose(sp);
        if (s < 0 || rc < 0 || H5DSset_scale(s, scale_name) < 0) {
            if (s >= 0) H5Dclose(s);
            ics_error_set(err, ICS_EIO, "%s: cannot create the dimension scale", path);
            return H5I_INVALID_HID;
        }
        if (d->kind != DK_INDEX) {
            ics_status st = ICS_OK;
            if (d->units[0]) st = set_str(s, "units", d->units, err);
            if (st == ICS_OK && d->long_name[0]) st = set_str(s, "long_name", d->long_name, err);
            if (st != ICS_OK) {
                H5Dclose(s);
                return H5I_INVALID_HID;
            }
        }
        return s;
    }
    ics_error_set(err, ICS_EIO, "%s: no free name for a dimension scale", path);
    return H5I_INVALID_HID;
}

static ics_status describe_dataset(meta *m, const char *path, ics_error *err)
{
    ics_status st = ICS_OK;
    dimspec ds[3];
    memset(ds, 0, sizeof ds);
    char units[320] = "", ln[512] = "", group[1024];
    hid_t d = H5Dopen2(m->file, path, H5P_DEFAULT), sp = H5I_INVALID_HID, t = H5I_INVALID_HID;
    if (d < 0) ICS_FAIL(err, ICS_EIO, "cannot open %s", path);
    if (H5DSis_scale(d) > 0) goto done;
    sp = H5Dget_space(d);
    t = H5Dget_type(d);
    const int rank = H5Sget_simple_extent_ndims(sp);
    hsize_t dims[3] = {0, 0, 0};
    if (rank < 0 || rank > 3) goto done; /* scalars need no dimension; icstress writes no rank > 3 */
    H5Sget_simple_extent_dims(sp, dims, NULL);
    snprintf(group, sizeof group, "%s", path);
    char *slash = strrchr(group, '/');
    const char *base = path + (slash - group) + 1;
    if (slash == group) strcpy(group, "/");
    else *slash = '\0';
    ICS_TRY(plan(m, path, group, base, d, rank, dims, ds, units, ln, err));
    for (int i = 0; i < rank; ++i) {
        hid_t s = get_scale(m, group, &ds[i], err);
        if (s < 0) {
            st = err->code;
            goto done;
        }
        herr_t rc = H5DSattach_scale(d, s, (unsigned)i);
        H5Dclose(s);
        if (rc < 0) ICS_FAIL(err, ICS_EIO, "%s: cannot attach dimension %d", path, i);
    }
    if (H5Tget_class(t) != H5T_STRING && !units[0]) snprintf(units, sizeof units, "1");
    if (units[0]) ICS_TRY(set_str(d, "units", units, err));
    ICS_TRY(set_str(d, "long_name", ln, err));
done:
    for (int i = 0; i < 3; ++i) free(ds[i].values);
    if (t >= 0) H5Tclose(t);
    if (sp >= 0) H5Sclose(sp);
    if (d >= 0) H5Dclose(d);
    return st;
}

static ics_status provenance(hid_t file, const ics_h5meta_opts *o, ics_error *err)
{
    ics_status st = ICS_OK;
    char *cmd = NULL;
    ICS_TRY(ics_h5_set_attr_i64(file, "format_version", ICS_FORMAT_VERSION, err));
    ICS_TRY(set_str(file, "Conventions", "CF-1.8", err));
    if (o->argc <= 0) goto done;
    size_t len = 1;
    for (int i = 0; i < o->argc; ++i) len += 3 * strlen(o->argv[i]) + 3;
    ICS_ALLOC(cmd, len, err, "the command line");
    for (int i = 0; i < o->argc; ++i) {
        /* shell-quoted where needed, so that the line can be run again */
        const char *a = o->argv[i];
        const int plain = *a && strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789-_./=:,+@%") == strlen(a);
        if (i) strcat(cmd, " ");
        if (plain) {
            strcat(cmd, a);
            continue;
        }
        strcat(cmd, "'");
        for (const char *p = a; *p; ++p) strcat(cmd, *p == '\'' ? "'\\''" : (char[]){*p, 0});
        strcat(cmd, "'");
    }
    ICS_TRY(set_str(file, "command_line", cmd, err));
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0) snprintf(host, sizeof host, "unknown");
    ICS_TRY(set_str(file, "host", host, err));
    const char *job = getenv("SLURM_JOB_ID");
    if (job && *job) ICS_TRY(set_str(file, "slurm_job_id", job, err));
done:
    free(cmd);
    return st;
}

static ics_status load_meta(meta *m, const ics_h5meta_opts *o, ics_error *err)
{
    ics_status st = ICS_OK;
    strs nr = {0}, ns = {0}, yr = {0}, yc = {0};
    char *model = NULL;
    ics_error e2;
    ICS_TRY(read_strs(m->file, "/table/regions", &m->regions, err));
    ICS_TRY(read_strs(m->file, "/table/segments", &m->segments, err));
    ICS_TRY(read_strs(m->file, "/table/node_region", &nr, err));
    ICS_TRY(read_strs(m->file, "/table/node_segment", &ns, err));
    ICS_TRY(read_strs(m->file, "/table/y_region", &yr, err));
    ICS_TRY(read_strs(m->file, "/table/y_category", &yc, err));
    ICS_TRY(read_strs(m->file, "/sensitivity/factors", &m->factors, err));
    ICS_TRY(read_strs(m->file, "/sensitivity/design_factors", &m->dfactors, err));
    if (nr.n == ns.n && nr.n) {
        ICS_ALLOC(m->nodes.s, nr.n, err, "node labels");
        m->nodes.n = nr.n;
        for (int i = 0; i < nr.n; ++i) {
            const size_t l = strlen(nr.s[i]) + strlen(ns.s[i]) + 2;
            ICS_ALLOC(m->nodes.s[i], l, err, "node labels");
            snprintf(m->nodes.s[i], l, "%s/%s", nr.s[i], ns.s[i]);
        }
    }
    if (yr.n == yc.n && yr.n) {
        ICS_ALLOC(m->fd.s, yr.n, err, "final-demand labels");
        m->fd.n = yr.n;
        for (int i = 0; i < yr.n; ++i) {
            const size_t l = strlen(yr.s[i]) + strlen(yc.s[i]) + 2;
            ICS_ALLOC(m->fd.s[i], l, err, "final-demand labels");
            snprintf(m->fd.s[i], l, "%s/%s", yr.s[i], yc.s[i]);
        }
    }
    if (exists(m->file, "/chokepoints/ensemble_nodes") && m->nodes.n) {
        hid_t d = H5Dopen2(m->file, "/chokepoints/ensemble_nodes", H5P_DEFAULT);
        hid_t sp = H5Dget_space(d);
        const int k = (int)H5Sget_simple_extent_npoints(sp);
        int *idx = calloc((size_t)(k ? k : 1), sizeof *idx);
        herr_t rc = idx ? H5Dread(d, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, idx) : -1;
        H5Sclose(sp), H5Dclose(d);
        m->ens.s = calloc((size_t)(k ? k : 1), sizeof *m->ens.s);
        if (rc < 0 || !m->ens.s) {
            free(idx);
            ICS_FAIL(err, ICS_EIO, "cannot read /chokepoints/ensemble_nodes");
        }
        m->ens.n = k;
        for (int i = 0; i < k; ++i)
            m->ens.s[i] = ics_strdup(idx[i] >= 0 && idx[i] < m->nodes.n ? m->nodes.s[idx[i]] : "?", err);
        free(idx);
    }
    {
        /* the table's unit, from /table (ics_table_write_h5) */
        ics_table tu;
        memset(&tu, 0, sizeof tu);
        hid_t g = exists(m->file, "/table") ? H5Gopen2(m->file, "/table", H5P_DEFAULT) : -1;
        int64_t y = 0;
        if (g >= 0 && H5Aexists(g, "units") > 0) ics_h5_get_attr_str(g, "units", &tu.unit, &e2);
        if (g >= 0 && H5Aexists(g, "base_year") > 0 && ics_h5_get_attr_i64(g, "base_year", &y, &e2) == ICS_OK)
            tu.base_year = (int)y;
        if (g >= 0) H5Gclose(g);
        ics_table_unit(&tu, 0, m->flow, sizeof m->flow);
        ics_table_unit(&tu, 1, m->stock, sizeof m->stock);
        free(tu.unit);
    }
    if (H5Aexists(m->file, "model") > 0 && ics_h5_get_attr_str(m->file, "model", &model, &e2) == ICS_OK)
        m->dynamic = !strcmp(model, "diim") || !strcmp(model, "ario");
    free(model), model = NULL;
    if (exists(m->file, "/chokepoints")) {
        hid_t g = H5Gopen2(m->file, "/chokepoints", H5P_DEFAULT);
        if (H5Aexists(g, "model") > 0 && ics_h5_get_attr_str(g, "model", &model, &e2) == ICS_OK)
            m->choke_dynamic = !strcmp(model, "diim") || !strcmp(model, "ario");
        H5Gclose(g);
    }
    if (o->steps_per_year > 0)
        snprintf(m->step, sizeof m->step, "1 step = 1/%d year", o->steps_per_year);
    else
        snprintf(m->step, sizeof m->step, "step length as in the config");
done:
    free(model);
    strs_free(&nr), strs_free(&ns), strs_free(&yr), strs_free(&yc);
    return st;
}

ics_status ics_h5meta_describe(hid_t file, const ics_h5meta_opts *opts, ics_error *err)
{
    ics_status st = ICS_OK;
    meta m;
    memset(&m, 0, sizeof m);
    m.file = file;
    pathlist pl = {0};
    H5E_auto2_t ef = NULL;
    void *ed = NULL;
    quiet(&ef, &ed, 1);

    /* 1. remove what an earlier pass or a copy left: scales and attachments */
    ICS_TRY(list_datasets(file, &pl, err));
    for (int i = 0; i < pl.n; ++i) {
        hid_t d = H5Dopen2(file, pl.p[i], H5P_DEFAULT);
        if (d < 0) continue;
        const int scale = H5Aexists(d, "CLASS") > 0 && H5DSis_scale(d) > 0;
        if (!scale && H5Aexists(d, "DIMENSION_LIST") > 0) H5Adelete(d, "DIMENSION_LIST");
        H5Dclose(d);
        if (scale && H5Ldelete(file, pl.p[i], H5P_DEFAULT) < 0)
            ICS_FAIL(err, ICS_EIO, "%s: cannot remove an old dimension scale", pl.p[i]);
    }
    /* 2. fixed-length strings to variable-length ones */
    ICS_TRY(list_datasets(file, &pl, err));
    for (int i = 0; i < pl.n; ++i) {
        hid_t d = H5Dopen2(file, pl.p[i], H5P_DEFAULT), t = H5Dget_type(d);
        const int fixed = H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) <= 0;
        H5Tclose(t), H5Dclose(d);
        if (fixed) ICS_TRY(to_vlen(file, pl.p[i], err));
    }
    /* 3. scales, units, names */
    ICS_TRY(load_meta(&m, opts, err));
    ICS_TRY(list_datasets(file, &pl, err));
    for (int i = 0; i < pl.n; ++i) ICS_TRY(describe_dataset(&m, pl.p[i], err));
    ICS_TRY(provenance(file, opts, err));
done:
    quiet(&ef, &ed, 0);
    paths_free(&pl);
    strs_free(&m.regions), strs_free(&m.segments), strs_free(&m.nodes), strs_free(&m.fd);
    strs_free(&m.factors), strs_free(&m.dfactors), strs_free(&m.ens);
    return st;
}

int ics_h5meta_is_scale(hid_t loc, const char *path)
{
    H5E_auto2_t ef = NULL;
    void *ed = NULL;
    quiet(&ef, &ed, 1);
    hid_t d = H5Dopen2(loc, path, H5P_DEFAULT);
    const int r = d >= 0 && H5Aexists(d, "CLASS") > 0 && H5DSis_scale(d) > 0;
    if (d >= 0) H5Dclose(d);
    quiet(&ef, &ed, 0);
    return r;
}
