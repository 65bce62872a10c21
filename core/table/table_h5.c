/* The table as the /table group of an HDF5 file: written into result files (so a result carries
 * the table it was computed from) and read back as a table source. Labels are 1-D
 * variable-length UTF-8 strings, matrices row-major doubles. Serial HDF5 calls only. */
#define _POSIX_C_SOURCE 200809L

#include "ics_h5.h"
#include "ics_table_loader_internal.h"
#include "ics_h5.h"

#include <errno.h>
#include <omp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DUP(dst, src)                                                                          \
    do {                                                                                       \
        if (!((dst) = ics_strdup((src), err))) {                                               \
            st = ICS_ENOMEM;                                                                   \
            goto done;                                                                         \
        }                                                                                      \
    } while (0)

/* Library code never prints: silence HDF5's automatic error-stack printing for one call. */
typedef struct h5_quiet {
    H5E_auto2_t func;
    void *data;
} h5_quiet;

static void quiet_begin(h5_quiet *q)
{
    if (H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data) < 0) {
        q->func = NULL;
        q->data = NULL;
    }
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

static void quiet_end(const h5_quiet *q)
{
    H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

static hid_t vlstr_type(H5T_cset_t cset)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t < 0) return t;
    if (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, cset) < 0) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

/* Z moves between the file (row-major) and memory (column-major) in blocks of whole rows of
 * about this many bytes, transposed in tiles of TILE columns: no second n x n copy, and a block
 * stays in the last-level cache between the HDF5 call and the transposition. */
#define ZBLOCK_BYTES ((size_t)8 << 20)
#define TILE 8

/* Rows per block for an n-column matrix. */
static size_t zblock_rows(size_t n)
{
    const size_t r = n ? ZBLOCK_BYTES / (n * sizeof(double)) : 1;
    return r ? r : 1;
}

/* rows x n row-major buf <-> rows [i0, i0 + rows) of the n x n column-major a; to_rows = 1 fills
 * buf from a, else a from buf. Both threads share the columns (a copy: the same bits for any
 * number of threads). */
static void transpose_rows(double *a, size_t n, size_t i0, size_t rows, double *buf, int to_rows)
{
    const long ntile = (long)((n + TILE - 1) / TILE);
#pragma omp parallel for schedule(static) if (rows * n >= 65536 && !omp_in_parallel())
    for (long tj = 0; tj < ntile; ++tj) {
        const size_t j0 = (size_t)tj * TILE, j1 = j0 + TILE < n ? j0 + TILE : n;
        for (size_t r = 0; r < rows; ++r) {
            double *row = buf + r * n;
            if (to_rows)
                for (size_t j = j0; j < j1; ++j) row[j] = a[i0 + r + j * n];
            else
                for (size_t j = j0; j < j1; ++j) a[i0 + r + j * n] = row[j];
        }
    }
}

/* ---------------------------------------------------------------------------------------------
 * Writing
 * ------------------------------------------------------------------------------------------- */

static ics_status write_strings(hid_t g, const char *fname, const char *name,
                                const char *const *s, int count, ics_error *err)
{
    /* Fixed-length UTF-8 strings (the longest label plus NUL): parallel HDF5 cannot write
     * variable-length data through MPI-IO, and the result file is written in parallel. */
    ics_status st = ICS_OK;
    hid_t type = -1, space = -1, dset = -1;
    hsize_t dims[1] = {(hsize_t)count};
    size_t width = 1;
    char *buf = NULL;
    for (int i = 0; i < count; ++i)
        if (s[i] && strlen(s[i]) + 1 > width) width = strlen(s[i]) + 1;
    ICS_ALLOC(buf, (size_t)(count ? count : 1) * width, err, "label strings");
    for (int i = 0; i < count; ++i)
        if (s[i]) memcpy(buf + (size_t)i * width, s[i], strlen(s[i]));
    if ((type = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(type, width) < 0 ||
        H5Tset_strpad(type, H5T_STR_NULLTERM) < 0 || H5Tset_cset(type, H5T_CSET_UTF8) < 0 ||
        (space = H5Screate_simple(1, dims, NULL)) < 0 ||
        ics_h5_fault() ||
        (dset = H5Dcreate2(g, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0 ||
        (count > 0 && H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0))
        ICS_H5_FAIL(err, -1, fname, "cannot write dataset /table/%s", name);
done:
    free(buf);
    if (dset >= 0) H5Dclose(dset);
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    return st;
}

static ics_status write_doubles(hid_t g, const char *fname, const char *name, int rank,
                                const hsize_t *dims, const double *data, ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t space = -1, dset = -1;
    hsize_t count = 1;
    for (int r = 0; r < rank; ++r) count *= dims[r];
    if ((space = H5Screate_simple(rank, dims, NULL)) < 0 || ics_h5_fault() ||
        (dset = H5Dcreate2(g, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT,
                           H5P_DEFAULT)) < 0 ||
        (count > 0 && H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0))
        ICS_H5_FAIL(err, -1, fname, "cannot write dataset /table/%s", name);
done:
    if (dset >= 0) H5Dclose(dset);
    if (space >= 0) H5Sclose(space);
    return st;
}

/* The column-major n x n a as the row-major dataset `name`, a block of rows at a time. */
static ics_status write_matrix_rows(hid_t g, const char *fname, const char *name, size_t n,
                                    const double *a, ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t fspace = -1, mspace = -1, dset = -1;
    double *buf = NULL;
    const hsize_t dims[2] = {(hsize_t)n, (hsize_t)n};
    const size_t rb = zblock_rows(n);
    if ((fspace = H5Screate_simple(2, dims, NULL)) < 0 || ics_h5_fault() ||
        (dset = H5Dcreate2(g, name, H5T_IEEE_F64LE, fspace, H5P_DEFAULT, H5P_DEFAULT,
                           H5P_DEFAULT)) < 0)
        ICS_H5_FAIL(err, -1, fname, "cannot write dataset /table/%s", name);
    if (n > 0) ICS_ALLOC(buf, (rb < n ? rb : n) * n, err, "a block of rows");
    for (size_t i0 = 0; i0 < n; i0 += rb) {
        const size_t rows = n - i0 < rb ? n - i0 : rb;
        const hsize_t start[2] = {(hsize_t)i0, 0}, count[2] = {(hsize_t)rows, (hsize_t)n};
        transpose_rows((double *)a, n, i0, rows, buf, 1);
        if (mspace >= 0) H5Sclose(mspace);
        if ((mspace = H5Screate_simple(2, count, NULL)) < 0 ||
            H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
            H5Dwrite(dset, H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT, buf) < 0)
            ICS_H5_FAIL(err, -1, fname, "cannot write dataset /table/%s", name);
    }
done:
    free(buf);
    if (dset >= 0) H5Dclose(dset);
    if (mspace >= 0) H5Sclose(mspace);
    if (fspace >= 0) H5Sclose(fspace);
    return st;
}

ics_status ics_table_write_h5(const ics_table *t, hid_t file, ics_error *err)
{
    return ics_table_write_h5_ref(t, file, NULL, NULL, err);
}

ics_status ics_table_write_h5_ref(const ics_table *t, hid_t file, const char *ref_path,
                                  const char *ref_sha256, ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t g = -1;
    const char **nreg = NULL, **nseg = NULL;
    double *buf = NULL;
    char fname[512] = "HDF5 file";
    h5_quiet q;
    quiet_begin(&q);
    if (H5Fget_name(file, fname, sizeof fname) < 0) strcpy(fname, "HDF5 file");
    const int n = t->n, ny = t->ny;

    if (H5Lexists(file, "table", H5P_DEFAULT) > 0)
        ICS_FAIL(err, ICS_EIO, "%s: /table already exists", fname);
    if (ics_h5_fault() || (g = H5Gcreate2(file, "table", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        ICS_H5_FAIL(err, -1, fname, "cannot create group /table");

    ICS_TRY(write_strings(g, fname, "regions", (const char *const *)t->regions, t->nreg, err));
    ICS_TRY(write_strings(g, fname, "segments", (const char *const *)t->segments, t->nseg, err));
    ICS_ALLOC(nreg, n, err, "node labels");
    ICS_ALLOC(nseg, n, err, "node labels");
    for (int i = 0; i < n; ++i) {
        nreg[i] = t->regions[t->node_region[i]];
        nseg[i] = t->segments[t->node_segment[i]];
    }
    ICS_TRY(write_strings(g, fname, "node_region", nreg, n, err));
    ICS_TRY(write_strings(g, fname, "node_segment", nseg, n, err));
    ICS_TRY(write_strings(g, fname, "y_region", (const char *const *)t->y_region, ny, err));
    ICS_TRY(write_strings(g, fname, "y_category", (const char *const *)t->y_category, ny, err));

    /* the file holds row-major Z[i][j] = flow i -> j; memory is column-major */
    ICS_ALLOC(buf, (size_t)n * (size_t)ny, err, "a transposition buffer");
    if (ref_path) {
        /* output.table: reference: Z stays in the table it was read from */
        ICS_TRY(ics_h5_attr_str(g, "Z_reference", ref_path, err));
        ICS_TRY(ics_h5_attr_str(g, "Z_reference_sha256", ref_sha256, err));
    } else {
        ICS_TRY(write_matrix_rows(g, fname, "Z", (size_t)n, t->Z, err));
    }
    for (size_t k = 0; k < (size_t)ny; ++k)
        for (size_t i = 0; i < (size_t)n; ++i) buf[i * (size_t)ny + k] = t->Y[i + k * (size_t)n];
    hsize_t dy[2] = {(hsize_t)n, (hsize_t)ny};
    ICS_TRY(write_doubles(g, fname, "Y", 2, dy, buf, err));
    hsize_t dn[1] = {(hsize_t)n};
    ICS_TRY(write_doubles(g, fname, "x", 1, dn, t->x, err));
    ICS_TRY(write_doubles(g, fname, "va", 1, dn, t->va, err));
    if (t->unit) ICS_TRY(ics_h5_attr_str(g, "units", t->unit, err));
    if (t->base_year > 0) ICS_TRY(ics_h5_attr_i64(g, "base_year", t->base_year, err));

done:
    if (g >= 0) H5Gclose(g);
    free(nreg);
    free(nseg);
    free(buf);
    quiet_end(&q);
    return st;
}

/* ---------------------------------------------------------------------------------------------
 * Reading
 * ------------------------------------------------------------------------------------------- */

/* Open /table/<name>, check its rank, return its dimensions. */
static ics_status open_dset(hid_t g, const char *file, const char *name, int rank, hsize_t *dims,
                            hid_t *dset, ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t space = -1;
    *dset = -1;
    if (H5Lexists(g, name, H5P_DEFAULT) <= 0)
        ICS_FAIL(err, ICS_EINPUT, "%s: missing dataset /table/%s (not a table written by icstress?)",
                 file, name);
    if ((*dset = H5Dopen2(g, name, H5P_DEFAULT)) < 0 || (space = H5Dget_space(*dset)) < 0)
        ICS_FAIL(err, ICS_EINPUT, "%s: cannot open dataset /table/%s", file, name);
    int nd = H5Sget_simple_extent_ndims(space);
    if (nd != rank)
        ICS_FAIL(err, ICS_EINPUT, "%s: dataset /table/%s has %d dimensions, expected %d", file,
                 name, nd, rank);
    H5Sget_simple_extent_dims(space, dims, NULL);
    for (int r = 0; r < rank; ++r)
        if (dims[r] > (hsize_t)INT_MAX)
            ICS_FAIL(err, ICS_EINPUT, "%s: dataset /table/%s is too large", file, name);
done:
    if (space >= 0) H5Sclose(space);
    if (st != ICS_OK && *dset >= 0) {
        H5Dclose(*dset);
        *dset = -1;
    }
    return st;
}

/* Read a 1-D string dataset (variable or fixed length) into count newly allocated strings.
 * want < 0: any length; otherwise the length must be want. */
static ics_status read_strings(hid_t g, const char *file, const char *name, int want,
                               char ***out, int *count, ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t dset = -1, ftype = -1, mtype = -1, space = -1;
    char **vl = NULL, *fixed = NULL, **res = NULL;
    hsize_t dims[1];
    int c = 0, vl_read = 0;
    *out = NULL;
    ICS_TRY(open_dset(g, file, name, 1, dims, &dset, err));
    c = (int)dims[0];
    if (want >= 0 && c != want)
        ICS_FAIL(err, ICS_EINPUT, "%s: dataset /table/%s has %d entries, expected %d", file, name,
                 c, want);
    if ((ftype = H5Dget_type(dset)) < 0 || H5Tget_class(ftype) != H5T_STRING)
        ICS_FAIL(err, ICS_EINPUT, "%s: dataset /table/%s should hold strings", file, name);
    ICS_ALLOC(res, c, err, "labels");
    if (c > 0) {
        H5T_cset_t cset = H5Tget_cset(ftype);
        if (H5Tis_variable_str(ftype) > 0) {
            ICS_ALLOC(vl, c, err, "labels");
            if ((mtype = vlstr_type(cset)) < 0 ||
                H5Dread(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, vl) < 0)
                ICS_FAIL(err, ICS_EIO, "%s: cannot read dataset /table/%s", file, name);
            vl_read = 1;
            for (int i = 0; i < c; ++i) DUP(res[i], vl[i] ? vl[i] : "");
        } else {
            size_t sz = H5Tget_size(ftype) + 1;
            ICS_ALLOC(fixed, (size_t)c * sz, err, "labels");
            if ((mtype = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(mtype, sz) < 0 ||
                H5Tset_strpad(mtype, H5T_STR_NULLTERM) < 0 || H5Tset_cset(mtype, cset) < 0 ||
                H5Dread(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, fixed) < 0)
                ICS_FAIL(err, ICS_EIO, "%s: cannot read dataset /table/%s", file, name);
            for (int i = 0; i < c; ++i) {
                fixed[(size_t)i * sz + sz - 1] = '\0';
                DUP(res[i], fixed + (size_t)i * sz);
            }
        }
    }
done:
    if (vl_read) {
        if ((space = H5Dget_space(dset)) >= 0) {
            H5Dvlen_reclaim(mtype, space, H5P_DEFAULT, vl);
            H5Sclose(space);
        }
    }
    free(vl);
    free(fixed);
    if (mtype >= 0) H5Tclose(mtype);
    if (ftype >= 0) H5Tclose(ftype);
    if (dset >= 0) H5Dclose(dset);
    if (st != ICS_OK) {
        for (int i = 0; res && i < c; ++i) free(res[i]);
        free(res);
        res = NULL;
        c = 0;
    }
    *out = res;
    if (count) *count = c;
    return st;
}

/* Open a numeric dataset of exactly the given shape. */
static ics_status open_numbers(hid_t g, const char *file, const char *name, int rank,
                               const hsize_t *want, hid_t *dsetp, ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t dset = -1, ftype = -1;
    hsize_t dims[2] = {0, 0};
    ICS_TRY(open_dset(g, file, name, rank, dims, &dset, err));
    for (int r = 0; r < rank; ++r)
        if (dims[r] != want[r]) {
            if (rank == 1)
                ICS_FAIL(err, ICS_EINPUT, "%s: dataset /table/%s has %llu entries, expected %llu",
                         file, name, (unsigned long long)dims[0], (unsigned long long)want[0]);
            ICS_FAIL(err, ICS_EINPUT,
                     "%s: dataset /table/%s has shape (%llu, %llu), expected (%llu, %llu)", file,
                     name, (unsigned long long)dims[0], (unsigned long long)dims[1],
                     (unsigned long long)want[0], (unsigned long long)want[1]);
        }
    H5T_class_t cls = (ftype = H5Dget_type(dset)) < 0 ? H5T_NO_CLASS : H5Tget_class(ftype);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER)
        ICS_FAIL(err, ICS_EINPUT, "%s: dataset /table/%s should hold numbers", file, name);
    *dsetp = dset;
    dset = -1;
done:
    if (ftype >= 0) H5Tclose(ftype);
    if (dset >= 0) H5Dclose(dset);
    return st;
}

/* Read a double dataset of exactly the given shape (row-major) into buf. */
static ics_status read_doubles(hid_t g, const char *file, const char *name, int rank,
                               const hsize_t *want, double *buf, ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t dset = -1;
    ICS_TRY(open_numbers(g, file, name, rank, want, &dset, err));
    hsize_t count = 1;
    for (int r = 0; r < rank; ++r) count *= want[r];
    if (count > 0 && H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        ICS_FAIL(err, ICS_EIO, "%s: cannot read dataset /table/%s", file, name);
done:
    if (dset >= 0) H5Dclose(dset);
    return st;
}

/* The n x n row-major dataset `name` into the column-major a, a block of rows at a time. */
static ics_status read_matrix_rows(hid_t g, const char *file, const char *name, size_t n,
                                   double *a, ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t dset = -1, fspace = -1, mspace = -1;
    double *buf = NULL;
    const hsize_t want[2] = {(hsize_t)n, (hsize_t)n};
    const size_t rb = zblock_rows(n);
    ICS_TRY(open_numbers(g, file, name, 2, want, &dset, err));
    if (n == 0) goto done;
    ICS_ALLOC(buf, (rb < n ? rb : n) * n, err, "a block of rows");
    if ((fspace = H5Dget_space(dset)) < 0)
        ICS_FAIL(err, ICS_EIO, "%s: cannot read dataset /table/%s", file, name);
    for (size_t i0 = 0; i0 < n; i0 += rb) {
        const size_t rows = n - i0 < rb ? n - i0 : rb;
        const hsize_t start[2] = {(hsize_t)i0, 0}, count[2] = {(hsize_t)rows, (hsize_t)n};
        if (mspace >= 0) H5Sclose(mspace);
        if ((mspace = H5Screate_simple(2, count, NULL)) < 0 ||
            H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0 ||
            H5Dread(dset, H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT, buf) < 0)
            ICS_FAIL(err, ICS_EIO, "%s: cannot read dataset /table/%s", file, name);
        transpose_rows(a, n, i0, rows, buf, 0);
    }
done:
    free(buf);
    if (mspace >= 0) H5Sclose(mspace);
    if (fspace >= 0) H5Sclose(fspace);
    if (dset >= 0) H5Dclose(dset);
    return st;
}

/* node_region / node_segment: a label per node (as icstress writes) or a 0-based index. */
static ics_status read_node_index(hid_t g, const char *file, const char *name, int n,
                                  char *const *labels, int nlabels, const char *labels_name,
                                  int *idx, ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t dset = -1, ftype = -1;
    char **s = NULL;
    hsize_t dims[1];
    ICS_TRY(open_dset(g, file, name, 1, dims, &dset, err));
    if ((int)dims[0] != n)
        ICS_FAIL(err, ICS_EINPUT, "%s: dataset /table/%s has %d entries, expected %d (one per node)",
                 file, name, (int)dims[0], n);
    H5T_class_t cls = (ftype = H5Dget_type(dset)) < 0 ? H5T_NO_CLASS : H5Tget_class(ftype);
    if (cls == H5T_INTEGER) {
        if (n > 0 && H5Dread(dset, H5T_NATIVE_INT, H5S_ALL, H5S_ALL, H5P_DEFAULT, idx) < 0)
            ICS_FAIL(err, ICS_EIO, "%s: cannot read dataset /table/%s", file, name);
        for (int i = 0; i < n; ++i)
            if (idx[i] < 0 || idx[i] >= nlabels)
                ICS_FAIL(err, ICS_EINPUT, "%s: /table/%s[%d] = %d is not an index into /table/%s",
                         file, name, i, idx[i], labels_name);
    } else if (cls == H5T_STRING) {
        ICS_TRY(read_strings(g, file, name, n, &s, NULL, err));
        for (int i = 0; i < n; ++i) {
            idx[i] = -1;
            for (int k = 0; k < nlabels; ++k)
                if (strcmp(s[i], labels[k]) == 0) {
                    idx[i] = k;
                    break;
                }
            if (idx[i] < 0)
                ICS_FAIL(err, ICS_EINPUT, "%s: /table/%s[%d] = '%s' is not one of /table/%s",
                         file, name, i, s[i], labels_name);
        }
    } else {
        ICS_FAIL(err, ICS_EINPUT, "%s: dataset /table/%s should hold strings or indices", file,
                 name);
    }
done:
    for (int i = 0; s && i < n; ++i) free(s[i]);
    free(s);
    if (ftype >= 0) H5Tclose(ftype);
    if (dset >= 0) H5Dclose(dset);
    return st;
}

/* A scalar string attribute, fixed or variable length (h5py writes the latter), newly
 * allocated; NULL when it is not a string. */
static char *attr_text(hid_t obj, const char *name)
{
    char *out = NULL;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT), ft = a >= 0 ? H5Aget_type(a) : -1, mt = -1;
    if (ft < 0 || H5Tget_class(ft) != H5T_STRING) goto done;
    mt = H5Tcopy(H5T_C_S1);
    H5Tset_cset(mt, H5Tget_cset(ft));
    if (H5Tis_variable_str(ft) > 0) {
        char *v = NULL;
        H5Tset_size(mt, H5T_VARIABLE);
        if (H5Aread(a, mt, &v) >= 0 && v) {
            out = strdup(v);
            H5free_memory(v);
        }
    } else {
        const size_t w = H5Tget_size(ft) + 1;
        H5Tset_size(mt, w);
        H5Tset_strpad(mt, H5T_STR_NULLTERM);
        if ((out = calloc(w, 1)) && H5Aread(a, mt, out) < 0) free(out), out = NULL;
    }
done:
    if (mt >= 0) H5Tclose(mt);
    if (ft >= 0) H5Tclose(ft);
    if (a >= 0) H5Aclose(a);
    return out;
}

ics_status ics_table_load_h5(const char *file, ics_table **out, ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t f = -1, g = -1, dset = -1;
    char **regs = NULL, **segs = NULL, **yreg = NULL, **ycat = NULL;
    int nreg = 0, nseg = 0, ny = 0, n = 0;
    double *buf = NULL;
    ics_table *t = NULL;
    h5_quiet q;
    quiet_begin(&q);
    if (!out) ICS_FAIL(err, ICS_EINTERNAL, "ics_table_load_h5: out is NULL");
    *out = NULL;

    struct stat sb;
    if (stat(file, &sb) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            ICS_FAIL(err, ICS_EINPUT, "%s: no such file or directory", file);
        ICS_FAIL(err, ICS_EIO, "%s: %s", file, strerror(errno));
    }
    if ((f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0)
        ICS_FAIL(err, ICS_EINPUT, "%s: cannot open as an HDF5 file", file);
    if (H5Lexists(f, "table", H5P_DEFAULT) <= 0 || (g = H5Gopen2(f, "table", H5P_DEFAULT)) < 0)
        ICS_FAIL(err, ICS_EINPUT, "%s: no group /table (not a table written by icstress?)", file);

    ICS_TRY(read_strings(g, file, "regions", -1, &regs, &nreg, err));
    ICS_TRY(read_strings(g, file, "segments", -1, &segs, &nseg, err));
    hsize_t dims[2];
    /* the node count is Z's (then node_region and node_segment are each checked against it) */
    ICS_TRY(open_dset(g, file, "Z", 2, dims, &dset, err));
    n = (int)dims[0];
    H5Dclose(dset);
    dset = -1;
    ICS_TRY(read_strings(g, file, "y_region", -1, &yreg, &ny, err));
    ICS_TRY(read_strings(g, file, "y_category", ny, &ycat, NULL, err));

    t = ics_table_create(nreg, nseg, n, ny, err);
    if (!t) {
        st = err && err->code != ICS_OK ? err->code : ICS_ENOMEM;
        goto done;
    }
    /* hand the label arrays to the table */
    for (int i = 0; i < nreg; ++i) t->regions[i] = regs[i], regs[i] = NULL;
    for (int i = 0; i < nseg; ++i) t->segments[i] = segs[i], segs[i] = NULL;
    for (int i = 0; i < ny; ++i) {
        t->y_region[i] = yreg[i], yreg[i] = NULL;
        t->y_category[i] = ycat[i], ycat[i] = NULL;
    }
    DUP(t->source, file);
    ICS_TRY(read_node_index(g, file, "node_region", n, t->regions, nreg, "regions", t->node_region,
                            err));
    ICS_TRY(read_node_index(g, file, "node_segment", n, t->segments, nseg, "segments",
                            t->node_segment, err));

    ICS_TRY(read_matrix_rows(g, file, "Z", (size_t)n, t->Z, err));
    ICS_ALLOC(buf, (size_t)n * (size_t)ny, err, "a transposition buffer");
    hsize_t dy[2] = {(hsize_t)n, (hsize_t)ny};
    ICS_TRY(read_doubles(g, file, "Y", 2, dy, buf, err));
    for (size_t k = 0; k < (size_t)ny; ++k)
        for (size_t i = 0; i < (size_t)n; ++i) t->Y[i + k * (size_t)n] = buf[i * (size_t)ny + k];
    hsize_t dn[1] = {(hsize_t)n};
    ICS_TRY(read_doubles(g, file, "x", 1, dn, t->x, err));
    ICS_TRY(read_doubles(g, file, "va", 1, dn, t->va, err));
    if (H5Aexists(g, "units") > 0 && !(t->unit = attr_text(g, "units")))
        ICS_FAIL(err, ICS_EINPUT, "%s: /table attribute 'units' must be a string", file);
    if (H5Aexists(g, "base_year") > 0) {
        int64_t y = 0;
        if (ics_h5_get_attr_i64(g, "base_year", &y, err) != ICS_OK || y < 0 || y > 9999)
            ICS_FAIL(err, ICS_EINPUT, "%s: /table attribute 'base_year' must be a year", file);
        t->base_year = (int)y;
    }

done:
    for (int i = 0; regs && i < nreg; ++i) free(regs[i]);
    for (int i = 0; segs && i < nseg; ++i) free(segs[i]);
    for (int i = 0; yreg && i < ny; ++i) free(yreg[i]);
    for (int i = 0; ycat && i < ny; ++i) free(ycat[i]);
    free(regs);
    free(segs);
    free(yreg);
    free(ycat);
    free(buf);
    if (dset >= 0) H5Dclose(dset);
    if (g >= 0) H5Gclose(g);
    if (f >= 0) H5Fclose(f);
    quiet_end(&q);
    if (st != ICS_OK) ics_table_destroy(&t);
    if (out) *out = t;
    return st;
}

/* A file named *.h5 or *.hdf5 (any case) is an icstress HDF5 table (registered in
 * table_loaders.c). */
static int ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    if (lx > ls) return 0;
    const char *a = s + ls - lx;
    for (size_t i = 0; i < lx; ++i) {
        char c = a[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != suffix[i]) return 0;
    }
    return 1;
}

static int claims_h5(const char *path, int is_dir)
{
    return !is_dir && (ends_with(path, ".h5") || ends_with(path, ".hdf5"));
}

const ics__table_loader ics__table_loader_h5 = {"hdf5", 1, claims_h5, ics_table_load_h5};
