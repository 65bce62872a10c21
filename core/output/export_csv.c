/* CSV export of a result file (see ics_export.h). Column labels come from the dimension scales
 * of the file (ics_h5meta_describe); a file without them gets 0-based indices. */
#define _DEFAULT_SOURCE /* strdup */
#include "ics_export.h"
#include "ics_h5.h"

#include <errno.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NOT_A_VAR "This is a netCDF dimension but not a netCDF variable."

typedef struct lab {
    char **s;
    hsize_t n;
} lab;

static void lab_free(lab *l)
{
    for (hsize_t i = 0; l->s && i < l->n; ++i) free(l->s[i]);
    free(l->s);
    l->s = NULL;
    l->n = 0;
}

void ics_csv_put_field(FILE *f, const char *s)
{
    const size_t len = strlen(s);
    if (strpbrk(s, ",\"\t\n\r") == NULL && len > 0 && s[0] != ' ' && s[len - 1] != ' ') {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; ++s) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void put_num(FILE *f, double v)
{
    if (isnan(v)) fputs("nan", f);
    else if (isinf(v)) fputs(v > 0 ? "inf" : "-inf", f);
    else fprintf(f, "%.17g", v);
}

/* ---- reading ---------------------------------------------------------------------------- */

typedef struct scale_read {
    hsize_t n;
    lab *out;
    int ok;
} scale_read;

static herr_t read_scale(hid_t did, unsigned dim, hid_t sid, void *data)
{
    (void)did, (void)dim;
    scale_read *r = data;
    char name[128] = "";
    H5DSget_scale_name(sid, name, sizeof name);
    if (!strncmp(name, NOT_A_VAR, strlen(NOT_A_VAR))) return 1; /* an index: the default */
    hid_t t = H5Dget_type(sid), sp = H5Dget_space(sid);
    const hsize_t n = (hsize_t)H5Sget_simple_extent_npoints(sp);
    if (n != r->n) goto out;
    if (!(r->out->s = calloc(n ? n : 1, sizeof *r->out->s))) goto out;
    r->out->n = n;
    if (H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0) {
        char **v = calloc(n ? n : 1, sizeof *v);
        hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(t));
        if (v && H5Dread(sid, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0) {
            for (hsize_t i = 0; i < n; ++i) r->out->s[i] = strdup(v[i] ? v[i] : "");
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, v);
            r->ok = 1;
        }
        H5Tclose(mt);
        free(v);
    } else if (H5Tget_class(t) == H5T_FLOAT || H5Tget_class(t) == H5T_INTEGER) {
        double *v = calloc(n ? n : 1, sizeof *v);
        if (v && H5Dread(sid, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0) {
            for (hsize_t i = 0; i < n; ++i) {
                char b[40];
                snprintf(b, sizeof b, "%.17g", v[i]);
                r->out->s[i] = strdup(b);
            }
            r->ok = 1;
        }
        free(v);
    }
    for (hsize_t i = 0; r->ok && i < n; ++i)
        if (!r->out->s[i]) r->ok = 0;
out:
    H5Tclose(t), H5Sclose(sp);
    return 1;
}

/* Labels of axis `ax` (length n) of dataset d: its label or value scale, else "0", "1", ... */
static ics_status axis_labels(hid_t d, unsigned ax, hsize_t n, lab *out, ics_error *err)
{
    scale_read r = {n, out, 0};
    memset(out, 0, sizeof *out);
    if (H5DSget_num_scales(d, ax) > 0) H5DSiterate_scales(d, ax, NULL, read_scale, &r);
    if (r.ok) return ICS_OK;
    lab_free(out);
    if (!(out->s = calloc(n ? n : 1, sizeof *out->s)))
        return ics_error_set(err, ICS_ENOMEM, "out of memory");
    out->n = n;
    for (hsize_t i = 0; i < n; ++i) {
        char b[32];
        snprintf(b, sizeof b, "%llu", (unsigned long long)i);
        if (!(out->s[i] = strdup(b))) return ics_error_set(err, ICS_ENOMEM, "out of memory");
    }
    return ICS_OK;
}

/* A whole numeric dataset as doubles; dims[0..rank-1]. */
static ics_status read_numeric(hid_t loc, const char *name, double **v, int *rank, hsize_t *dims,
                               ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT), sp = H5I_INVALID_HID;
    *v = NULL;
    if (d < 0) ICS_FAIL(err, ICS_EIO, "cannot open dataset %s", name);
    sp = H5Dget_space(d);
    *rank = H5Sget_simple_extent_ndims(sp);
    if (*rank < 1 || *rank > 2) ICS_FAIL(err, ICS_EIO, "%s: unexpected rank %d", name, *rank);
    H5Sget_simple_extent_dims(sp, dims, NULL);
    const hssize_t np = H5Sget_simple_extent_npoints(sp);
    ICS_ALLOC(*v, np > 0 ? np : 1, err, name);
    if (np > 0 && H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *v) < 0)
        ICS_FAIL(err, ICS_EIO, "cannot read dataset %s", name);
done:
    if (sp >= 0) H5Sclose(sp);
    if (d >= 0) H5Dclose(d);
    return st;
}

/* The `units` attribute of loc/name ("" when absent), into buf. */
static void units_of(hid_t loc, const char *name, char *buf, size_t len)
{
    ics_error e;
    char *u = NULL;
    buf[0] = '\0';
    hid_t d = H5Oopen(loc, name, H5P_DEFAULT);
    if (d < 0) return;
    if (H5Aexists(d, "units") > 0 && ics_h5_get_attr_str(d, "units", &u, &e) == ICS_OK)
        snprintf(buf, len, "%s", u);
    free(u);
    H5Oclose(d);
}

static int is_group(hid_t loc, const char *name)
{
    H5O_info_t info;
    return H5Oget_info_by_name(loc, name, &info, H5P_DEFAULT) >= 0 && info.type == H5O_TYPE_GROUP;
}

/* Names of the links of group g, in name order (owned). */
static ics_status children(hid_t g, lab *out, ics_error *err)
{
    H5G_info_t gi;
    memset(out, 0, sizeof *out);
    if (H5Gget_info(g, &gi) < 0) return ics_error_set(err, ICS_EIO, "cannot list a group");
    if (!(out->s = calloc(gi.nlinks ? gi.nlinks : 1, sizeof *out->s)))
        return ics_error_set(err, ICS_ENOMEM, "out of memory");
    out->n = gi.nlinks;
    for (hsize_t i = 0; i < gi.nlinks; ++i) {
        char name[512];
        if (H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name,
                               H5P_DEFAULT) < 0 || !(out->s[i] = strdup(name)))
            return ics_error_set(err, ICS_EIO, "cannot list a group");
    }
    return ICS_OK;
}

/* ---- statistics and EP curves ------------------------------------------------------------ */

static const char *const moment_stats[] = {"mean", "sd", "min", "max"};
static const char *const level_stats[][2] = {{"quantiles", "levels"}, {"var", "levels"},
                                             {"cvar", "levels"},
                                             {"return_period_loss", "exceedance_probability"}};

static ics_status stats_group(hid_t g, const char *out, FILE *fs, FILE *fe, ics_error *err)
{
    ics_status st = ICS_OK;
    double *v = NULL, *lev = NULL, *pr = NULL;
    lab cols = {0};
    char units[320];
    int rank = 0;
    hsize_t dims[2];
    for (size_t k = 0; k < sizeof moment_stats / sizeof *moment_stats; ++k) {
        if (H5Lexists(g, moment_stats[k], H5P_DEFAULT) <= 0) continue;
        ICS_TRY(read_numeric(g, moment_stats[k], &v, &rank, dims, err));
        hid_t d = H5Dopen2(g, moment_stats[k], H5P_DEFAULT);
        st = axis_labels(d, 0, dims[0], &cols, err);
        H5Dclose(d);
        if (st != ICS_OK) goto done;
        units_of(g, moment_stats[k], units, sizeof units);
        for (hsize_t c = 0; c < dims[0]; ++c) {
            ics_csv_put_field(fs, out), fputc(',', fs), ics_csv_put_field(fs, cols.s[c]);
            fprintf(fs, ",%s,,", moment_stats[k]);
            put_num(fs, v[c]), fputc(',', fs), ics_csv_put_field(fs, units), fputc('\n', fs);
        }
        free(v), v = NULL;
        lab_free(&cols);
    }
    for (size_t k = 0; k < sizeof level_stats / sizeof *level_stats; ++k) {
        const char *name = level_stats[k][0];
        if (H5Lexists(g, name, H5P_DEFAULT) <= 0) continue;
        ICS_TRY(read_numeric(g, name, &v, &rank, dims, err));
        if (rank != 2) ICS_FAIL(err, ICS_EIO, "%s/%s: expected 2 dimensions", out, name);
        hid_t d = H5Dopen2(g, name, H5P_DEFAULT);
        hid_t a = H5Aopen(d, level_stats[k][1], H5P_DEFAULT);
        lev = calloc(dims[0] ? dims[0] : 1, sizeof *lev);
        herr_t rc = a >= 0 && lev ? H5Aread(a, H5T_NATIVE_DOUBLE, lev) : -1;
        if (a >= 0) H5Aclose(a);
        st = rc < 0 ? ics_error_set(err, ICS_EIO, "%s/%s: no attribute %s", out, name,
                                    level_stats[k][1])
                    : axis_labels(d, 1, dims[1], &cols, err);
        H5Dclose(d);
        if (st != ICS_OK) goto done;
        units_of(g, name, units, sizeof units);
        for (hsize_t c = 0; c < dims[1]; ++c)
            for (hsize_t l = 0; l < dims[0]; ++l) {
                ics_csv_put_field(fs, out), fputc(',', fs), ics_csv_put_field(fs, cols.s[c]);
                fprintf(fs, ",%s,", name);
                put_num(fs, lev[l]), fputc(',', fs);
                put_num(fs, v[l * dims[1] + c]), fputc(',', fs), ics_csv_put_field(fs, units);
                fputc('\n', fs);
            }
        free(v), v = NULL;
        free(lev), lev = NULL;
        lab_free(&cols);
    }
    if (H5Lexists(g, "ep_curve", H5P_DEFAULT) > 0) {
        hid_t e = H5Gopen2(g, "ep_curve", H5P_DEFAULT);
        hsize_t d2[2];
        st = read_numeric(e, "threshold", &v, &rank, dims, err);
        if (st == ICS_OK) st = read_numeric(e, "probability", &pr, &rank, d2, err);
        if (st == ICS_OK && (rank != 2 || d2[0] != dims[0] || d2[1] != dims[1]))
            st = ics_error_set(err, ICS_EIO, "%s/ep_curve: threshold and probability differ", out);
        if (st == ICS_OK) {
            hid_t d = H5Dopen2(e, "threshold", H5P_DEFAULT);
            st = axis_labels(d, 1, dims[1], &cols, err);
            H5Dclose(d);
            units_of(e, "threshold", units, sizeof units);
        }
        H5Gclose(e);
        if (st != ICS_OK) goto done;
        for (hsize_t c = 0; c < dims[1]; ++c)
            for (hsize_t p = 0; p < dims[0]; ++p) {
                ics_csv_put_field(fe, out), fputc(',', fe), ics_csv_put_field(fe, cols.s[c]);
                fprintf(fe, ",%llu,", (unsigned long long)p);
                put_num(fe, v[p * dims[1] + c]), fputc(',', fe);
                put_num(fe, pr[p * dims[1] + c]), fputc(',', fe);
                ics_csv_put_field(fe, units), fputc('\n', fe);
            }
    }
done:
    free(v), free(lev), free(pr);
    lab_free(&cols);
    return st;
}

/* Every statistics group under g (path `rel` relative to /statistics), in name order. */
static ics_status walk_stats(hid_t g, const char *rel, FILE *fs, FILE *fe, ics_error *err)
{
    ics_status st = ICS_OK;
    lab kids = {0};
    if (*rel && H5Lexists(g, "mean", H5P_DEFAULT) > 0) ICS_TRY(stats_group(g, rel, fs, fe, err));
    ICS_TRY(children(g, &kids, err));
    for (hsize_t i = 0; i < kids.n; ++i) {
        if (!strcmp(kids.s[i], "ep_curve") || !is_group(g, kids.s[i])) continue;
        char sub[1024];
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", kids.s[i]);
        hid_t c = H5Gopen2(g, kids.s[i], H5P_DEFAULT);
        st = walk_stats(c, sub, fs, fe, err);
        H5Gclose(c);
        if (st != ICS_OK) goto done;
    }
done:
    lab_free(&kids);
    return st;
}

/* ---- sensitivity ------------------------------------------------------------------------- */

static ics_status walk_sens(hid_t g, const char *rel, FILE *f, ics_error *err)
{
    ics_status st = ICS_OK;
    lab kids = {0}, fac = {0};
    double *v = NULL;
    char units[320];
    ICS_TRY(children(g, &kids, err));
    for (hsize_t i = 0; i < kids.n; ++i) {
        const char *k = kids.s[i];
        if (is_group(g, k)) {
            char sub[1024];
            snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", k);
            hid_t c = H5Gopen2(g, k, H5P_DEFAULT);
            st = walk_sens(c, sub, f, err);
            H5Gclose(c);
            if (st != ICS_OK) goto done;
            continue;
        }
        if (!*rel) continue; /* /sensitivity/factors and the design: not indices */
        hid_t d = H5Dopen2(g, k, H5P_DEFAULT), t = H5Dget_type(d);
        const int numeric = H5Tget_class(t) == H5T_FLOAT && H5DSis_scale(d) <= 0;
        H5Tclose(t), H5Dclose(d);
        if (!numeric) continue;
        int rank = 0;
        hsize_t dims[2];
        ICS_TRY(read_numeric(g, k, &v, &rank, dims, err));
        if (rank == 1) {
            d = H5Dopen2(g, k, H5P_DEFAULT);
            st = axis_labels(d, 0, dims[0], &fac, err);
            H5Dclose(d);
            if (st != ICS_OK) goto done;
            units_of(g, k, units, sizeof units);
            for (hsize_t j = 0; j < dims[0]; ++j) {
                ics_csv_put_field(f, rel), fputc(',', f), ics_csv_put_field(f, fac.s[j]), fputc(',', f);
                ics_csv_put_field(f, k), fputc(',', f), put_num(f, v[j]), fputc(',', f);
                ics_csv_put_field(f, units), fputc('\n', f);
            }
            lab_free(&fac);
        }
        free(v), v = NULL;
    }
done:
    free(v);
    lab_free(&kids), lab_free(&fac);
    return st;
}

/* ---- chokepoints: one row per node, one column per per-node dataset ---------------------- */

static ics_status chokepoints(hid_t g, FILE *f, ics_error *err)
{
    ics_status st = ICS_OK;
    lab kids = {0}, nodes = {0};
    double **cols = NULL;
    char **heads = NULL;
    int ncol = 0;
    hsize_t n = 0;
    ICS_TRY(children(g, &kids, err));
    ICS_ALLOC(cols, kids.n ? kids.n : 1, err, "columns");
    ICS_ALLOC(heads, kids.n ? kids.n : 1, err, "columns");
    /* the node count: that of expected_loss (every ranking dataset is per node) */
    {
        double *v = NULL;
        int rank = 0;
        hsize_t dims[2];
        ICS_TRY(read_numeric(g, "expected_loss", &v, &rank, dims, err));
        free(v);
        n = dims[0];
        hid_t d = H5Dopen2(g, "expected_loss", H5P_DEFAULT);
        st = axis_labels(d, 0, n, &nodes, err);
        H5Dclose(d);
        if (st != ICS_OK) goto done;
    }
    for (hsize_t i = 0; i < kids.n; ++i) {
        if (is_group(g, kids.s[i])) continue;
        hid_t d = H5Dopen2(g, kids.s[i], H5P_DEFAULT), t = H5Dget_type(d), sp = H5Dget_space(d);
        hsize_t dims[2] = {0, 0};
        const int rank = H5Sget_simple_extent_ndims(sp);
        H5Sget_simple_extent_dims(sp, dims, NULL);
        const int numeric = H5Tget_class(t) == H5T_FLOAT || H5Tget_class(t) == H5T_INTEGER;
        const int scale = H5DSis_scale(d) > 0;
        H5Sclose(sp), H5Tclose(t), H5Dclose(d);
        /* ensemble_nodes is per ensemble item, not per node, even when all nodes are in it */
        if (!numeric || scale || rank != 1 || dims[0] != n || !strcmp(kids.s[i], "ensemble_nodes"))
            continue;
        int r = 0;
        hsize_t dd[2];
        ICS_TRY(read_numeric(g, kids.s[i], &cols[ncol], &r, dd, err));
        char units[320], h[1024];
        units_of(g, kids.s[i], units, sizeof units);
        snprintf(h, sizeof h, "%s [%s]", kids.s[i], units[0] ? units : "1");
        if (!(heads[ncol++] = strdup(h))) ICS_FAIL(err, ICS_ENOMEM, "out of memory");
    }
    fputs("node", f);
    for (int c = 0; c < ncol; ++c) fputc(',', f), ics_csv_put_field(f, heads[c]);
    fputc('\n', f);
    for (hsize_t i = 0; i < n; ++i) {
        ics_csv_put_field(f, nodes.s[i]);
        for (int c = 0; c < ncol; ++c) fputc(',', f), put_num(f, cols[c][i]);
        fputc('\n', f);
    }
done:
    for (int c = 0; c < ncol; ++c) free(cols[c]), free(heads[c]);
    free(cols), free(heads);
    lab_free(&kids), lab_free(&nodes);
    return st;
}

/* ---- driver -------------------------------------------------------------------------------- */

static FILE *open_csv(const char *dir, const char *name, const char *header, char *written,
                      size_t len, ics_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        ics_error_set(err, ICS_EIO, "%s: cannot write: %s", path, strerror(errno));
        return NULL;
    }
    if (header) fputs(header, f);
    const size_t used = strlen(written);
    snprintf(written + used, len - used, "%s%s", used ? ", " : "", name);
    return f;
}

static ics_status close_csv(FILE **f, const char *dir, const char *name, ics_error *err)
{
    if (!*f) return ICS_OK;
    const int bad = ferror(*f) | (fclose(*f) != 0);
    *f = NULL;
    return bad ? ics_error_set(err, ICS_EIO, "%s/%s: write error", dir, name) : ICS_OK;
}

ics_status ics_export_csv(const char *h5path, const char *dir, char *written, size_t len,
                          ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t file = H5I_INVALID_HID, g = H5I_INVALID_HID;
    FILE *fs = NULL, *fe = NULL, *fv = NULL, *fc = NULL;
    H5E_auto2_t ef = NULL;
    void *ed = NULL;
    H5Eget_auto2(H5E_DEFAULT, &ef, &ed);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    written[0] = '\0';
    struct stat sb;
    if (stat(h5path, &sb) != 0) ICS_FAIL(err, ICS_EINPUT, "%s: no such file", h5path);
    if ((file = H5Fopen(h5path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0)
        ICS_FAIL(err, ICS_EINPUT, "%s: not an HDF5 file", h5path);
    if (H5Aexists(file, "icstress_version") <= 0)
        ICS_FAIL(err, ICS_EINPUT, "%s: not an icstress result (no root attribute icstress_version)",
                 h5path);
    {
        int64_t complete = 1;
        ics_error e2;
        if (H5Aexists(file, "complete") > 0) ics_h5_get_attr_i64(file, "complete", &complete, &e2);
        if (!complete)
            ICS_FAIL(err, ICS_EINPUT, "%s: the run is not complete (attribute complete = 0)", h5path);
    }
    if (stat(dir, &sb) != 0) {
        if (mkdir(dir, 0777) != 0)
            ICS_FAIL(err, ICS_EINPUT, "%s: cannot create the directory: %s", dir, strerror(errno));
    } else if (!S_ISDIR(sb.st_mode)) {
        ICS_FAIL(err, ICS_EINPUT, "%s: exists and is not a directory", dir);
    }
    if (H5Lexists(file, "statistics", H5P_DEFAULT) > 0) {
        g = H5Gopen2(file, "statistics", H5P_DEFAULT);
        if (!(fs = open_csv(dir, "statistics.csv", "output,column,statistic,level,value,units\n",
                            written, len, err)) ||
            !(fe = open_csv(dir, "ep_curves.csv",
                            "output,column,point,threshold,exceedance_probability,units\n", written,
                            len, err))) {
            st = err->code;
            goto done;
        }
        ICS_TRY(walk_stats(g, "", fs, fe, err));
        H5Gclose(g), g = H5I_INVALID_HID;
    }
    if (H5Lexists(file, "sensitivity", H5P_DEFAULT) > 0) {
        g = H5Gopen2(file, "sensitivity", H5P_DEFAULT);
        if (!(fv = open_csv(dir, "sensitivity.csv", "target,factor,index,value,units\n", written,
                            len, err))) {
            st = err->code;
            goto done;
        }
        ICS_TRY(walk_sens(g, "", fv, err));
        H5Gclose(g), g = H5I_INVALID_HID;
    }
    if (H5Lexists(file, "chokepoints", H5P_DEFAULT) > 0) {
        g = H5Gopen2(file, "chokepoints", H5P_DEFAULT);
        if (!(fc = open_csv(dir, "chokepoints.csv", NULL, written, len, err))) {
            st = err->code;
            goto done;
        }
        ICS_TRY(chokepoints(g, fc, err));
        H5Gclose(g), g = H5I_INVALID_HID;
    }
    ICS_TRY(close_csv(&fs, dir, "statistics.csv", err));
    ICS_TRY(close_csv(&fe, dir, "ep_curves.csv", err));
    ICS_TRY(close_csv(&fv, dir, "sensitivity.csv", err));
    ICS_TRY(close_csv(&fc, dir, "chokepoints.csv", err));
done:
    if (fs) fclose(fs);
    if (fe) fclose(fe);
    if (fv) fclose(fv);
    if (fc) fclose(fc);
    if (g >= 0) H5Gclose(g);
    if (file >= 0) H5Fclose(file);
    H5Eset_auto2(H5E_DEFAULT, ef, ed);
    return st;
}
