/* Finalization of a result file (see ics_finalize.h). Statistics are exact and the same bits for
 * any decomposition: the rows of every dataset are shared out over the processes in fixed
 * segments (ics_rowstats.h), which merge integer histograms and segment-ordered sums through
 * the two collectives below; every rank gets every statistic, and rank 0 writes the file. */
#include "ics_finalize.h"
#include "ics_finalstats.h"
#include "ics_h5.h"
#include "ics_h5meta.h"
#include "ics_rowstats.h"

#include <errno.h>
#include <hdf5.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const double quantile_levels[] = {0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99};
static const double risk_levels[] = {0.9, 0.95, 0.99, 0.995};
static const double exceed_probs[] = {0.1, 0.04, 0.02, 0.01, 0.005, 0.002, 0.001};

/* Collective: ICS_OK when no process failed, else the status and message of the lowest rank
 * that did, on every rank. */
ics_status ics_agree(ics_status st, ics_error *err)
{
    int rank = 0, size = 1, first = 0, code = st;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int mine = st != ICS_OK ? rank : size;
    MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == size) return ICS_OK;
    MPI_Bcast(&code, 1, MPI_INT, first, MPI_COMM_WORLD);
    MPI_Bcast(err->msg, (int)sizeof err->msg, MPI_CHAR, first, MPI_COMM_WORLD);
    err->code = (ics_status)code;
    err->shared = 1;
    return (ics_status)code;
}

/* The per-column arrays of a result, each rows[i] x ncols (row-major). */
enum { NARRAYS = 10 };
static void result_arrays(ics_column_stats_result *r, double **a, int64_t *rows)
{
    double *const p[NARRAYS] = {r->mean, r->sd, r->min, r->max, r->quantiles, r->var, r->cvar,
                                r->return_period_loss, r->ep_threshold, r->ep_probability};
    const int64_t n[NARRAYS] = {1, 1, 1, 1, r->nquantiles, r->nvar, r->nvar, r->nexceed,
                                r->ep_points, r->ep_points};
    memcpy(a, p, sizeof p);
    memcpy(rows, n, sizeof n);
}

/* The collectives of ics_rowstats over MPI_COMM_WORLD. */
static int comm_sum(void *ctx, int64_t *v, int64_t n)
{
    (void)ctx;
    for (; n > 0;) {
        const int c = n > (1 << 28) ? 1 << 28 : (int)n;
        if (MPI_Allreduce(MPI_IN_PLACE, v, c, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
            return 1;
        v += c, n -= c;
    }
    return 0;
}

static int comm_gather(void *ctx, const double *mine, int64_t n, double **all, int64_t *total)
{
    (void)ctx;
    int size = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int cnt = (int)n, *counts = malloc((size_t)size * sizeof *counts),
        *displs = malloc((size_t)size * sizeof *displs);
    if (!counts || !displs) MPI_Abort(MPI_COMM_WORLD, 1); /* a few KiB */
    MPI_Allgather(&cnt, 1, MPI_INT, counts, 1, MPI_INT, MPI_COMM_WORLD);
    int64_t t = 0;
    for (int p = 0; p < size; ++p) displs[p] = (int)t, t += counts[p];
    if (t > INT32_MAX) MPI_Abort(MPI_COMM_WORLD, 1); /* bounded by GATHER_BUDGET and the segments */
    *all = malloc((size_t)(t ? t : 1) * sizeof **all);
    if (!*all) MPI_Abort(MPI_COMM_WORLD, 1);
    const int rc = MPI_Allgatherv(mine, cnt, MPI_DOUBLE, *all, counts, displs, MPI_DOUBLE,
                                  MPI_COMM_WORLD);
    *total = t;
    free(counts);
    free(displs);
    return rc != MPI_SUCCESS;
}

/* Disk space for writing the statistics: their values twice over, plus room for the metadata of
 * every group and dataset, so that reserving it first (ics_h5_reserve) leaves nothing to fail
 * half-way for want of space. */
static int64_t stats_bytes(ics_column_stats_result *const *res, int nres)
{
    int64_t bytes = 1 << 20;
    for (int i = 0; i < nres; ++i) {
        double *a[NARRAYS];
        int64_t rows[NARRAYS];
        result_arrays(res[i], a, rows);
        for (int j = 0; j < NARRAYS; ++j) bytes += 2 * rows[j] * res[i]->ncols * 8;
        bytes += 64 << 10;
    }
    return bytes;
}

/* Open the partial file for the statistics, with a fresh /statistics: an earlier attempt that
 * failed half-way (disk full, killed) may have left part of one, and all of it is redone. */
static ics_status open_for_stats(const ics_finalize_info *fi, int64_t reserve, ics_h5file **h5,
                                 ics_error *err)
{
    ics_status st = ICS_OK;
    char partial[4096];
    snprintf(partial, sizeof partial, "%s.partial", fi->out);
    ICS_TRY(ics_h5_reserve(partial, reserve, err));
    ICS_TRY(ics_h5_open_partial(fi->out, H5P_DEFAULT, h5, err));
    if (H5Lexists((*h5)->file, "/statistics", H5P_DEFAULT) > 0 &&
        H5Ldelete((*h5)->file, "/statistics", H5P_DEFAULT) < 0)
        ICS_H5_FAIL(err, (*h5)->file, NULL, "cannot remove the statistics of an earlier attempt");
    ICS_TRY(ics_h5_set_attr_i64((*h5)->file, "complete", 0, err));
done:
    return st;
}

/* The statistics of /scenarios/<name>, every rank reading its share of the rows (hist: this
 * rank's share of the histograms streamed while computing, or NULL). Collective. */
static ics_status stats_for(hid_t f, const char *name, int full, int window_moments,
                            const int64_t *hist, ics_column_stats_result **res, ics_error *err)
{
    ics_status st = ICS_OK;
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    char path[256], mpath[256];
    ics_stats_request req;
    memset(&req, 0, sizeof req);
    if (full) {
        req.quantile_levels = quantile_levels;
        req.nquantiles = (int)(sizeof quantile_levels / sizeof *quantile_levels);
        req.var_levels = risk_levels;
        req.nvar = (int)(sizeof risk_levels / sizeof *risk_levels);
        req.exceedance_probs = exceed_probs;
        req.nexceed = (int)(sizeof exceed_probs / sizeof *exceed_probs);
    } else {
        /* node outputs: moments only */
    }
    snprintf(mpath, sizeof mpath, "/progress/moments/%s", name);
    if (window_moments) req.moments_dataset = mpath;
    snprintf(path, sizeof path, "/scenarios/%s", name);
    const ics_stats_comm cm = {NULL, size, rank, comm_sum, comm_gather};
    int peer_failed = 0;
    st = ics_rowstats(f, path, &req, hist, &cm, res, &peer_failed, err);
    /* a rank that only learnt of another's failure lets that rank's message through */
    st = ics_agree(peer_failed ? ICS_OK : st, err);
    if (st != ICS_OK) ics_column_stats_free(res);
    return st;
}

/* Issue 15: GDP loss by region in the table's unit and as a share of the region's GDP; for
 * Ghosh, what its value-added figure is. */
static void ics_print_gdp_summary(const ics_table *t, int model, const char *unit,
                                  const ics_column_stats_result *gdp,
                                  const ics_column_stats_result *gdps)
{
    if (gdp && gdps) {
        printf("  GDP loss by region (mean, %s; %% of the region's GDP):", unit);
        for (int r = 0; r < t->nreg; ++r)
            printf(" %s %.4g (%.3g%%)", t->regions[r], gdp->mean[r], 100.0 * gdps->mean[r]);
        printf("\n");
    }
    if (model == ICS_MODEL_GHOSH)
        printf("  note: ghosh's value-added loss is the value added removed at the shocked nodes "
               "(its exogenous input), by construction; downstream nodes' value added does not "
               "change in the supply-driven model (docs/models.md)\n");
}

int ics_finalize_run(const ics_finalize_info *fi, ics_error *err)
{
    ics_status st = ICS_OK;
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const int nagg = fi->as->nout, nres = nagg + fi->nfull + fi->nnode;
    const char **names = calloc((size_t)nres, sizeof *names);
    ics_column_stats_result **res = calloc((size_t)nres, sizeof *res);
    ics_column_stats_result *tot = NULL, *va = NULL, *gdp = NULL, *gdps = NULL;
    ics_h5file *h5 = NULL;
    hid_t f = H5I_INVALID_HID;
    char partial[4096];
    snprintf(partial, sizeof partial, "%s.partial", fi->out);
    st = ics_agree(names && res ? ICS_OK : ics_error_set(err, ICS_ENOMEM, "out of memory"), err);
    if (st != ICS_OK) goto done;

    /* every rank reads its columns (read-only, serial HDF5) */
    {
        H5E_BEGIN_TRY { f = H5Fopen(partial, H5F_ACC_RDONLY, H5P_DEFAULT); }
        H5E_END_TRY;
        st = ics_agree(f >= 0 ? ICS_OK : ics_error_set(err, ICS_EIO, "%s: cannot reopen the result "
                                                   "file to compute its statistics", partial),
                   err);
        if (st != ICS_OK) goto done;
        for (int i = 0; i < nres && st == ICS_OK; ++i) {
            const int full = i < nagg + fi->nfull;
            names[i] = i < nagg ? fi->as->out[i].name
                       : full  ? fi->full_stats[i - nagg] : fi->node_stats[i - nagg - fi->nfull];
            st = stats_for(f, names[i], full, fi->window_moments, fi->hist ? fi->hist[i] : NULL,
                           &res[i], err);
        }
        H5Fclose(f);
        MPI_Barrier(MPI_COMM_WORLD); /* every read-only handle closed before rank 0 writes */
        if (st != ICS_OK) goto done;
    }

    /* rank 0 writes */
    if (rank == 0) {
        ICS_TRY(open_for_stats(fi, stats_bytes(res, nres), &h5, err));
        for (int i = 0; i < nres; ++i) {
            char path[256];
            snprintf(path, sizeof path, "/statistics/%s", names[i]);
            ICS_TRY(ics_write_column_stats(h5->file, path, res[i], err));
            if (!strcmp(names[i], "total_output_loss") && i < nagg) tot = res[i];
            if (!strcmp(names[i], "va_loss_by_region") && i < nagg) va = res[i];
            if (!strcmp(names[i], "gdp_loss_by_region") && i < nagg) gdp = res[i];
            if (!strcmp(names[i], "gdp_loss_share_by_region") && i < nagg) gdps = res[i];
        }
        const ics_h5meta_opts mo = {fi->steps_per_year, fi->argc, fi->argv};
        ICS_TRY(ics_h5meta_describe(h5->file, &mo, err));
        char now[32];
        time_t tt = time(NULL);
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
        ICS_TRY(ics_h5_set_attr_str(h5->file, "finished", now, err));
        ICS_TRY(ics_h5_set_attr_i64(h5->file, "resumed_blocks", fi->reused_blocks, err));
        ICS_TRY(ics_h5_set_attr_i64(h5->file, "complete", 1, err));
        ICS_TRY(ics_h5_finish(&h5, 1, err));

        if (!fi->quiet && tot) {
            const ics_table *t = fi->t;
            printf("icstress: %lld scenarios, model %s, table %s\n", (long long)tot->count,
                   ics_model_name(fi->model), t->source);
            char unit[300];
            ics_table_unit(t, fi->model >= ICS_MODEL_DIIM, unit, sizeof unit);
            printf("  total output loss: mean %.6g, sd %.6g, min %.6g, max %.6g, 5%%..95%% [%.6g, "
                   "%.6g], CVaR95 %.6g (%s)\n", tot->mean[0], tot->sd[0], tot->min[0],
                   tot->max[0], tot->quantiles[1], tot->quantiles[7], tot->cvar[1], unit);
            if (va) {
                printf("  value-added loss by region (mean):");
                for (int r = 0; r < t->nreg; ++r) printf(" %s %.4g", t->regions[r], va->mean[r]);
                printf("\n");
            }
            ics_print_gdp_summary(t, fi->model, unit, gdp, gdps);
            printf("  wrote %s\n", fi->out);
        }
    }
done:
    ics_h5_abort(&h5, 0);
    st = ics_agree(st, err);
    if (res)
        for (int i = 0; i < nres; ++i) ics_column_stats_free(&res[i]);
    free(res);
    free(names);
    return st;
}
