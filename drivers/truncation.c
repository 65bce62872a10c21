/* The draws clipped to their parameter's physical domain (`truncate: true`, or the rare tail of
 * an unbounded law; core/ensemble/ics_shock_domain.h), counted from the stored parameters of a finished
 * run: attribute `truncated` on each /scenarios/parameters/<shock>/<change|loss> and the root
 * attribute `truncated_draws`. A run that computes every block counts them as it writes each
 * block (ics_truncation_count); a resumed one, whose reused blocks it never saw, counts them
 * from the file. */
#include "ics_truncation.h"
#include "ics_h5.h"

#include <hdf5.h>
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

/* A clipped draw is stored as the bound itself, which a continuous law reaches with
 * probability zero. */
static int at_bound(double v, double lo, double hi)
{
    return (isfinite(lo) && v <= lo) || (isfinite(hi) && v >= hi);
}

void ics_truncation_count(const ics_plan *plan, const double *raw, int bb, int64_t *counts)
{
    const int k = plan->k;
    for (int s = 0; s < k; ++s) {
        if (plan->dim_change[s] < 0) continue;
        const double lo = plan->lo[s], hi = plan->hi[s];
        int64_t c = 0;
        for (int j = 0; j < bb; ++j) c += at_bound(raw[s + (size_t)j * k], lo, hi);
        counts[s] += c;
    }
}

/* Draws of dataset `ds` (N values) at a finite bound lo or hi. */
static ics_status count_at_bounds(hid_t ds, int64_t N, double lo, double hi, double *buf,
                                  int64_t chunk, int64_t *count, ics_error *err)
{
    *count = 0;
    hid_t fs = H5Dget_space(ds);
    if (fs < 0) return ics_error_set(err, ICS_EIO, "cannot read a parameter dataset's shape");
    ics_status st = ICS_OK;
    for (int64_t first = 0; first < N; first += chunk) {
        const hsize_t start = (hsize_t)first, cnt = (hsize_t)(N - first < chunk ? N - first : chunk);
        hid_t ms = H5Screate_simple(1, &cnt, NULL);
        H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &cnt, NULL);
        const herr_t rc = H5Dread(ds, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, buf);
        H5Sclose(ms);
        if (rc < 0) {
            st = ics_error_set(err, ICS_EIO, "cannot read the stored parameters");
            break;
        }
        for (hsize_t i = 0; i < cnt; ++i) *count += at_bound(buf[i], lo, hi);
    }
    H5Sclose(fs);
    return st;
}

static ics_status record(const char *partial, const ics_config *cfg, const ics_plan *plan,
                         int64_t N, const int64_t *counted, int64_t *total, ics_error *err)
{
    ics_status st = ICS_OK;
    enum { CHUNK = 1 << 16 };
    double *buf = NULL;
    hid_t f = H5I_INVALID_HID, ds = H5I_INVALID_HID;
    *total = 0;
    if (!counted) ICS_ALLOC(buf, CHUNK, err, "a read buffer");
    f = H5Fopen(partial, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0) ICS_FAIL(err, ICS_EIO, "%s: cannot reopen to count truncated draws", partial);
    for (int s = 0; s < plan->k; ++s) {
        if (plan->dim_change[s] < 0) continue; /* a constant: inside its domain (checked) */
        char path[512];
        snprintf(path, sizeof path, "/scenarios/parameters/%s/%s", plan->names[s],
                 cfg->shocks[s].type == ICS_SHOCK_CAPACITY_LOSS ? "loss" : "change");
        ds = H5Dopen2(f, path, H5P_DEFAULT);
        if (ds < 0) ICS_FAIL(err, ICS_EIO, "%s: cannot open %s", partial, path);
        int64_t c = counted ? counted[s] : 0;
        if (!counted) ICS_TRY(count_at_bounds(ds, N, plan->lo[s], plan->hi[s], buf, CHUNK, &c, err));
        ICS_TRY(ics_h5_set_attr_i64(ds, "truncated", c, err));
        H5Dclose(ds), ds = H5I_INVALID_HID;
        *total += c;
    }
    ICS_TRY(ics_h5_set_attr_i64(f, "truncated_draws", *total, err));
done:
    if (ds >= 0) H5Dclose(ds);
    if (f >= 0 && H5Fclose(f) < 0 && st == ICS_OK)
        st = ics_error_set(err, ICS_EIO, "%s: cannot close after counting truncated draws", partial);
    free(buf);
    return st;
}

ics_status ics_truncation_record(const char *out, const ics_config *cfg, const ics_plan *plan,
                                 int64_t N, const int64_t *counted, int64_t *total,
                                 ics_error *err)
{
    int rank = 0, code = ICS_OK;
    long long t = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
        char partial[4096];
        int64_t tot = 0;
        snprintf(partial, sizeof partial, "%s.partial", out);
        code = record(partial, cfg, plan, N, counted, &tot, err);
        t = tot;
    }
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Bcast(&t, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    if (code != ICS_OK) {
        MPI_Bcast(err->msg, (int)sizeof err->msg, MPI_CHAR, 0, MPI_COMM_WORLD);
        err->code = (ics_status)code;
    }
    *total = t;
    return (ics_status)code;
}
