/* HDF5 helpers for the result file: a file is created under "<name>.partial" and renamed to its
 * final name only when complete, so a failed run leaves no file under the output name.
 * The caller passes the file-access property list (the driver sets MPI-IO on it); nothing here
 * calls MPI. Attribute and dataset-creation helpers are collective when the file is parallel. */
#ifndef ICS_H5_H
#define ICS_H5_H

#include "ics_error.h"

#include <hdf5.h>
#include <stdint.h>

typedef struct ics_h5file {
    hid_t file;
    char *final_path;  /* owned */
    char *tmp_path;    /* owned: final_path + ".partial" */
} ics_h5file;

/* Create (truncate) final_path.partial with the given fapl (H5P_DEFAULT for serial). */
ics_status ics_h5_create(const char *final_path, hid_t fapl, ics_h5file **out, ics_error *err);
/* Close the file; when do_rename, rename the partial file to its final name. */
ics_status ics_h5_finish(ics_h5file **f, int do_rename, ics_error *err);
/* Close the file; when do_unlink, remove the partial file. Accepts NULL. */
void ics_h5_abort(ics_h5file **f, int do_unlink);

ics_status ics_h5_attr_str(hid_t obj, const char *name, const char *value, ics_error *err);
ics_status ics_h5_attr_i64(hid_t obj, const char *name, int64_t value, ics_error *err);
ics_status ics_h5_attr_f64(hid_t obj, const char *name, const double *values, int count,
                           ics_error *err);
/* Create a double dataset at `path` (intermediate groups created) with rank 1, 2 or 3, chunked by
 * `chunk` rows when chunk > 0 (contiguous otherwise); optional gzip level (0 = none). */
ics_status ics_h5_dataset(hid_t file, const char *path, int rank, const int64_t *dims,
                          int64_t chunk_rows, int gzip, hid_t *dset, ics_error *err);
/* Write rows first .. first+count-1 of a (N), (N, width) or (N, a, c) dataset (width = a*c) from
 * a row-major buffer (count x width), i.e. a column-major width x count block. */
ics_status ics_h5_write_rows(hid_t dset, int64_t first, int64_t count, int64_t width,
                             const double *data, hid_t dxpl, ics_error *err);
/* Write a whole small double array to a new dataset (rank 1 or 2, row-major data). */
ics_status ics_h5_write_array(hid_t file, const char *path, int rank, const int64_t *dims,
                              const double *data, ics_error *err);
/* Write an array of strings as a 1-D variable-length string dataset. */
ics_status ics_h5_write_strings(hid_t file, const char *path, char *const *strs, int count,
                                ics_error *err);
/* Read a whole 1-D double dataset into a newly allocated buffer. */
ics_status ics_h5_read_doubles(hid_t file, const char *path, double **out, int64_t *count,
                               ics_error *err);

/* Open an existing partial result file (final_path.partial) read-write with the given fapl. */
ics_status ics_h5_open_partial(const char *final_path, hid_t fapl, ics_h5file **out,
                               ics_error *err);
/* A 1-D uint8 dataset of `count` zeros (progress flags); write one flag; read all flags. */
ics_status ics_h5_dataset_u8(hid_t file, const char *path, int64_t count, hid_t *dset,
                             ics_error *err);
ics_status ics_h5_write_u8(hid_t dset, int64_t index, unsigned char value, hid_t dxpl,
                           ics_error *err);
ics_status ics_h5_read_u8(hid_t file, const char *path, unsigned char **out, int64_t *count,
                          ics_error *err);
/* Read a scalar attribute (int64 / string; the string is newly allocated). */
ics_status ics_h5_get_attr_i64(hid_t obj, const char *name, int64_t *value, ics_error *err);
ics_status ics_h5_get_attr_str(hid_t obj, const char *name, char **value, ics_error *err);
/* Overwrite (or create) a scalar attribute. */
ics_status ics_h5_set_attr_i64(hid_t obj, const char *name, int64_t value, ics_error *err);
ics_status ics_h5_set_attr_str(hid_t obj, const char *name, const char *value, ics_error *err);

/* Failures (core/base/h5_error.c). Record an HDF5 failure as one line "FILE: WHAT: REASON": FILE is
 * path, or else the file holding obj; REASON comes from HDF5's error stack, errno or the free
 * space left (ENOSPC, EDQUOT, EFBIG, EIO become plain words). Call it right after the failed
 * call (it reads and clears the error stack). Returns code. */
ics_status ics_h5_fail(ics_error *err, ics_status code, hid_t obj, const char *path,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* ics_h5_fail with ICS_EIO, then jump to `done:` (as ICS_FAIL). */
#define ICS_H5_FAIL(err, obj, path, ...)                                                       \
    do {                                                                                       \
        st = ics_h5_fail((err), ICS_EIO, (obj), (path), __VA_ARGS__);                          \
        goto done;                                                                             \
    } while (0)
/* Call before each HDF5 write: 1 when fault injection fails this write (errno = ENOSPC); else
 * 0, with errno cleared so that a failure's errno is its own. */
int ics_h5_fault(void);
/* Extend the closed file `path` by `bytes` of allocated disk space (posix_fallocate), so that the
 * HDF5 writes that follow cannot run out of space half-way (HDF5 writes at its end-of-allocation,
 * inside the reserve; closing the file truncates it to what HDF5 used). On failure the file is
 * left as it was and the message says why (no space, quota...). */
ics_status ics_h5_reserve(const char *path, int64_t bytes, ics_error *err);
/* 1 once an H5Fclose failed in this process: HDF5 1.10 then keeps a dangling file id that makes
 * its own shutdown (at MPI_Finalize or exit) crash, so the driver must not shut it down. */
int ics_h5_close_failed(void);
void ics__h5_close_failed(void);

#endif
