/* HDF5 result-file helpers (see ics_h5.h). */
#include "ics_h5.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A file record for final_path with its ".partial" name; the HDF5 file itself is opened by the
 * caller (create = 1: truncate-create, else reopen read-write). */
static ics_status open_file(const char *final_path, hid_t fapl, int create, ics_h5file **out,
                            ics_error *err)
{
    ics_status st = ICS_OK;
    ics_h5file *f = NULL;
    ICS_ALLOC(f, 1, err, "an output file");
    f->file = H5I_INVALID_HID;
    f->final_path = ics_strdup(final_path, err);
    ICS_ALLOC(f->tmp_path, strlen(final_path) + 16, err, "a path");
    if (!f->final_path) ICS_FAIL(err, ICS_ENOMEM, "out of memory");
    sprintf(f->tmp_path, "%s.partial", final_path);
    if (create) {
        f->file = ics_h5_fault() ? H5I_INVALID_HID
                                 : H5Fcreate(f->tmp_path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
        if (f->file < 0) ICS_H5_FAIL(err, -1, f->tmp_path, "cannot create the output file");
    } else {
        H5E_BEGIN_TRY { f->file = H5Fopen(f->tmp_path, H5F_ACC_RDWR, fapl); }
        H5E_END_TRY;
        if (f->file < 0)
            ICS_FAIL(err, ICS_EIO, "%s: cannot reopen the partial result to resume (damaged?); "
                     "remove it and run without --resume", f->tmp_path);
    }
    *out = f;
    f = NULL;
done:
    ics_h5_abort(&f, 0);
    return st;
}

ics_status ics_h5_create(const char *final_path, hid_t fapl, ics_h5file **out, ics_error *err)
{
    return open_file(final_path, fapl, 1, out, err);
}

static void free_file(ics_h5file *f)
{
    free(f->final_path);
    free(f->tmp_path);
    free(f);
}

ics_status ics_h5_finish(ics_h5file **fp, int do_rename, ics_error *err)
{
    ics_status st = ICS_OK;
    ics_h5file *f = *fp;
    *fp = NULL;
    if (H5Fclose(f->file) < 0) {
        ics__h5_close_failed();
        st = ics_h5_fail(err, ICS_EIO, -1, f->tmp_path, "closing the output file failed");
        goto done;
    }
    if (do_rename && rename(f->tmp_path, f->final_path) != 0)
        ICS_FAIL(err, ICS_EIO, "%s: cannot rename to %s: %s", f->tmp_path, f->final_path,
                 strerror(errno));
done:
    if (st != ICS_OK && do_rename) unlink(f->tmp_path);
    free_file(f);
    return st;
}

void ics_h5_abort(ics_h5file **fp, int do_unlink)
{
    if (!fp || !*fp) return;
    ics_h5file *f = *fp;
    if (f->file >= 0 && H5Fclose(f->file) < 0) ics__h5_close_failed();
    if (do_unlink && f->tmp_path) unlink(f->tmp_path);
    free_file(f);
    *fp = NULL;
}

/* Create the attribute name of file type ftype on obj and write buf (memory type mtype) to it. */
static ics_status write_attr(hid_t obj, const char *name, hid_t ftype, hid_t mtype, hid_t space,
                             const void *buf, ics_error *err)
{
    ics_status st = ICS_OK;
    const hid_t attr = ics_h5_fault() ? H5I_INVALID_HID
                                      : H5Acreate2(obj, name, ftype, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0 || H5Awrite(attr, mtype, buf) < 0)
        ICS_H5_FAIL(err, obj, NULL, "cannot write the attribute '%s'", name);
done:
    if (attr >= 0) H5Aclose(attr);
    return st;
}

ics_status ics_h5_attr_str(hid_t obj, const char *name, const char *value, ics_error *err)
{
    hid_t type = H5Tcopy(H5T_C_S1), space = H5Screate(H5S_SCALAR);
    H5Tset_size(type, strlen(value) + 1);
    H5Tset_cset(type, H5T_CSET_UTF8);
    const ics_status st = write_attr(obj, name, type, type, space, value, err);
    H5Sclose(space);
    H5Tclose(type);
    return st;
}

ics_status ics_h5_attr_i64(hid_t obj, const char *name, int64_t value, ics_error *err)
{
    hid_t space = H5Screate(H5S_SCALAR);
    const ics_status st = write_attr(obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, space, &value, err);
    H5Sclose(space);
    return st;
}

ics_status ics_h5_attr_f64(hid_t obj, const char *name, const double *values, int count,
                           ics_error *err)
{
    hsize_t dim = (hsize_t)count;
    hid_t space = count == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dim, NULL);
    const ics_status st = write_attr(obj, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space, values, err);
    H5Sclose(space);
    return st;
}

static hid_t lcpl_intermediate(void)
{
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    return lcpl;
}

ics_status ics_h5_dataset(hid_t file, const char *path, int rank, const int64_t *dims,
                          int64_t chunk_rows, int gzip, hid_t *dset, ics_error *err)
{
    ics_status st = ICS_OK;
    hsize_t d[3] = {(hsize_t)dims[0], rank > 1 ? (hsize_t)dims[1] : 1,
                    rank > 2 ? (hsize_t)dims[2] : 1};
    hid_t space = H5Screate_simple(rank, d, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t lcpl = lcpl_intermediate();
    /* Space for raw data is allocated at creation, so writing rows never changes the file's
     * metadata: a run killed mid-way leaves a readable file to resume from. */
    if (gzip <= 0) H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
    /* every row is written by the run, so no fill pass over the (large) datasets */
    H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
    if (chunk_rows > 0 && d[0] > 0) {
        hsize_t c[3] = {(hsize_t)(chunk_rows < dims[0] ? chunk_rows : dims[0]), d[1], d[2]};
        H5Pset_chunk(dcpl, rank, c);
        if (gzip > 0) {
            H5Pset_shuffle(dcpl);
            H5Pset_deflate(dcpl, (unsigned)gzip);
        }
    }
    *dset = ics_h5_fault() ? H5I_INVALID_HID
                           : H5Dcreate2(file, path, H5T_IEEE_F64LE, space, lcpl, dcpl, H5P_DEFAULT);
    if (*dset < 0) ICS_H5_FAIL(err, file, NULL, "cannot create the dataset %s", path);
done:
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Sclose(space);
    return st;
}

ics_status ics_h5_write_rows(hid_t dset, int64_t first, int64_t count, int64_t width,
                             const double *data, hid_t dxpl, ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t fspace = H5Dget_space(dset);
    const int rank = H5Sget_simple_extent_ndims(fspace);
    hsize_t ext[3] = {0, 0, 0};
    H5Sget_simple_extent_dims(fspace, ext, NULL);
    /* rank 3: rows are (ext[1] x ext[2]) slabs, and width must be their product */
    hsize_t start[3] = {(hsize_t)first, 0, 0},
            cnt[3] = {(hsize_t)count, rank > 2 ? ext[1] : (hsize_t)width, ext[2]};
    (void)width;
    hid_t mspace = H5Screate_simple(rank, cnt, NULL);
    if (count == 0) {
        H5Sselect_none(fspace);
        H5Sselect_none(mspace);
    } else {
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, cnt, NULL);
    }
    if (ics_h5_fault() || H5Dwrite(dset, H5T_NATIVE_DOUBLE, mspace, fspace, dxpl, data) < 0)
        ICS_H5_FAIL(err, dset, NULL, "writing rows %lld..%lld failed",
                         (long long)first, (long long)(first + count - 1));
done:
    H5Sclose(mspace);
    H5Sclose(fspace);
    return st;
}

ics_status ics_h5_write_array(hid_t file, const char *path, int rank, const int64_t *dims,
                              const double *data, ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t dset = H5I_INVALID_HID;
    ICS_TRY(ics_h5_dataset(file, path, rank, dims, 0, 0, &dset, err));
    if (ics_h5_fault() || H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        ICS_H5_FAIL(err, dset, NULL, "cannot write the dataset");
done:
    if (dset >= 0) H5Dclose(dset);
    return st;
}

ics_status ics_h5_write_strings(hid_t file, const char *path, char *const *strs, int count,
                                ics_error *err)
{
    /* Fixed-length strings: parallel HDF5 cannot write variable-length data through MPI-IO. */
    ics_status st = ICS_OK;
    size_t width = 1;
    char *buf = NULL;
    for (int i = 0; i < count; ++i)
        if (strs[i] && strlen(strs[i]) + 1 > width) width = strlen(strs[i]) + 1;
    ICS_ALLOC(buf, (size_t)(count ? count : 1) * width, err, "strings");
    for (int i = 0; i < count; ++i)
        if (strs[i]) memcpy(buf + (size_t)i * width, strs[i], strlen(strs[i]));
    hsize_t dim = (hsize_t)count;
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, width);
    H5Tset_strpad(type, H5T_STR_NULLTERM);
    H5Tset_cset(type, H5T_CSET_UTF8);
    hid_t space = H5Screate_simple(1, &dim, NULL);
    hid_t lcpl = lcpl_intermediate();
    hid_t dset = ics_h5_fault() ? H5I_INVALID_HID
                                : H5Dcreate2(file, path, type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (dset < 0 || H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        st = ics_h5_fail(err, ICS_EIO, file, NULL, "cannot write the dataset %s", path);
    if (dset >= 0) H5Dclose(dset);
    H5Pclose(lcpl);
    H5Sclose(space);
    H5Tclose(type);
done:
    free(buf);
    return st;
}

/* Read a whole dataset of `size`-byte elements (memory type mtype) into a new buffer. */
static ics_status read_all(hid_t file, const char *path, hid_t mtype, size_t size, void **out,
                           int64_t *count, ics_error *err)
{
    ics_status st = ICS_OK;
    void *buf = NULL;
    hid_t dset, space = H5I_INVALID_HID;
    H5E_BEGIN_TRY { dset = H5Dopen2(file, path, H5P_DEFAULT); }
    H5E_END_TRY;
    if (dset < 0) ICS_FAIL(err, ICS_EIO, "cannot open HDF5 dataset '%s'", path);
    space = H5Dget_space(dset);
    const hssize_t np = H5Sget_simple_extent_npoints(space);
    if (!(buf = ics_calloc((size_t)(np > 0 ? np : 1), size, err, path))) {
        st = ICS_ENOMEM;
        goto done;
    }
    if (np > 0 && H5Dread(dset, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        ICS_FAIL(err, ICS_EIO, "cannot read HDF5 dataset '%s'", path);
    *out = buf;
    *count = (int64_t)np;
    buf = NULL;
done:
    free(buf);
    if (space >= 0) H5Sclose(space);
    if (dset >= 0) H5Dclose(dset);
    return st;
}

ics_status ics_h5_read_doubles(hid_t file, const char *path, double **out, int64_t *count,
                               ics_error *err)
{
    return read_all(file, path, H5T_NATIVE_DOUBLE, sizeof **out, (void **)out, count, err);
}

ics_status ics_h5_open_partial(const char *final_path, hid_t fapl, ics_h5file **out,
                               ics_error *err)
{
    return open_file(final_path, fapl, 0, out, err);
}

ics_status ics_h5_dataset_u8(hid_t file, const char *path, int64_t count, hid_t *dset,
                             ics_error *err)
{
    ics_status st = ICS_OK;
    hsize_t d = (hsize_t)count;
    hid_t space = H5Screate_simple(1, &d, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE), lcpl = lcpl_intermediate();
    const unsigned char zero = 0;
    H5Pset_fill_value(dcpl, H5T_NATIVE_UINT8, &zero);
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
    H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC);
    *dset = ics_h5_fault() ? H5I_INVALID_HID
                           : H5Dcreate2(file, path, H5T_STD_U8LE, space, lcpl, dcpl, H5P_DEFAULT);
    if (*dset < 0) ICS_H5_FAIL(err, file, NULL, "cannot create the dataset %s", path);
done:
    H5Pclose(lcpl);
    H5Pclose(dcpl);
    H5Sclose(space);
    return st;
}

ics_status ics_h5_write_u8(hid_t dset, int64_t index, unsigned char value, hid_t dxpl,
                           ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t fspace = H5Dget_space(dset);
    hsize_t start = (hsize_t)index, one = 1;
    hid_t mspace = H5Screate_simple(1, &one, NULL);
    H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &one, NULL);
    if (ics_h5_fault() || H5Dwrite(dset, H5T_NATIVE_UINT8, mspace, fspace, dxpl, &value) < 0)
        ICS_H5_FAIL(err, dset, NULL, "writing progress flag %lld failed",
                         (long long)index);
done:
    H5Sclose(mspace);
    H5Sclose(fspace);
    return st;
}

ics_status ics_h5_read_u8(hid_t file, const char *path, unsigned char **out, int64_t *count,
                          ics_error *err)
{
    return read_all(file, path, H5T_NATIVE_UINT8, sizeof **out, (void **)out, count, err);
}

/* An attribute read into one value must hold exactly one element of the given class: H5Aread
 * fills as many elements as the attribute has (a hostile partial file overflowed the buffer;
 * found by tests/fuzz/fuzz_table_h5). */
static int attr_is_one(hid_t a, H5T_class_t cls)
{
    hid_t space = H5Aget_space(a), type = H5Aget_type(a);
    const int ok = space >= 0 && type >= 0 && H5Sget_simple_extent_npoints(space) == 1 &&
                   H5Tget_class(type) == cls;
    if (space >= 0) H5Sclose(space);
    if (type >= 0) H5Tclose(type);
    return ok;
}

ics_status ics_h5_get_attr_i64(hid_t obj, const char *name, int64_t *value, ics_error *err)
{
    hid_t a;
    H5E_BEGIN_TRY { a = H5Aopen(obj, name, H5P_DEFAULT); }
    H5E_END_TRY;
    if (a < 0) return ics_error_set(err, ICS_EIO, "missing HDF5 attribute '%s'", name);
    if (!attr_is_one(a, H5T_INTEGER)) {
        H5Aclose(a);
        return ics_error_set(err, ICS_EIO, "HDF5 attribute '%s' is not one integer", name);
    }
    herr_t rc = H5Aread(a, H5T_NATIVE_INT64, value);
    H5Aclose(a);
    return rc < 0 ? ics_error_set(err, ICS_EIO, "cannot read HDF5 attribute '%s'", name) : ICS_OK;
}

ics_status ics_h5_get_attr_str(hid_t obj, const char *name, char **value, ics_error *err)
{
    ics_status st = ICS_OK;
    hid_t a, ftype = H5I_INVALID_HID, mtype = H5I_INVALID_HID;
    char *buf = NULL;
    H5E_BEGIN_TRY { a = H5Aopen(obj, name, H5P_DEFAULT); }
    H5E_END_TRY;
    if (a < 0) return ics_error_set(err, ICS_EIO, "missing HDF5 attribute '%s'", name);
    if (!attr_is_one(a, H5T_STRING)) ICS_FAIL(err, ICS_EIO, "attribute '%s': unexpected type", name);
    ftype = H5Aget_type(a);
    if (H5Tis_variable_str(ftype) > 0) ICS_FAIL(err, ICS_EIO, "attribute '%s': unexpected type", name);
    size_t len = H5Tget_size(ftype);
    ICS_ALLOC(buf, len + 1, err, name);
    mtype = H5Tcopy(ftype); /* same character set; one more byte for the NUL */
    H5Tset_size(mtype, len + 1);
    H5Tset_strpad(mtype, H5T_STR_NULLTERM);
    if (H5Aread(a, mtype, buf) < 0) ICS_FAIL(err, ICS_EIO, "cannot read HDF5 attribute '%s'", name);
    *value = buf;
    buf = NULL;
done:
    free(buf);
    if (mtype >= 0) H5Tclose(mtype);
    if (ftype >= 0) H5Tclose(ftype);
    H5Aclose(a);
    return st;
}

ics_status ics_h5_set_attr_i64(hid_t obj, const char *name, int64_t value, ics_error *err)
{
    if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
    return ics_h5_attr_i64(obj, name, value, err);
}

ics_status ics_h5_set_attr_str(hid_t obj, const char *name, const char *value, ics_error *err)
{
    if (H5Aexists(obj, name) > 0) H5Adelete(obj, name);
    return ics_h5_attr_str(obj, name, value, err);
}
