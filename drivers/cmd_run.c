/* `icstress run`: plan (config, table, model, shocks), then execute the ensemble block by block:
 * sample -> propagate (one GEMM per block) -> aggregates -> HDF5 rows, with statistics merged in
 * block order so results do not depend on the number of processes. Blocks are dealt round-robin
 * to MPI ranks; each rank writes its own rows of the shared file (independent MPI-IO). */
#include "ics_driver.h"
#include "ics_config.h"
#include "ics_h5.h"
#include "ics_kernels.h"
#include "ics_model.h"
#include "ics_pipeline.h"
#include "ics_scenario.h"
#include "ics_stats.h"
#include "ics_sysinfo.h"
#include "ics_table.h"

#include <cblas.h>
#include <errno.h>
#include <hdf5.h>
#include <libgen.h>
#include <mpi.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { OUT_OUTPUT_CHANGE, OUT_TOTAL, OUT_INOPERABILITY, OUT_VA_REGION, OUT_COUNT };
static const char *const out_names[OUT_COUNT] = {"output_change", "total_output_loss",
                                                 "inoperability", "va_loss_by_region"};
static const double quantile_levels[] = {0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99};
#define NLEVELS ((int)(sizeof quantile_levels / sizeof quantile_levels[0]))

typedef struct run_opts {
    const char *config, *out;
    int64_t scenarios;
    int have_seed, resume, quiet;
    uint64_t seed;
} run_opts;

static int parse_i64(const char *s, int64_t *v)
{
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    if (errno || *end || end == s) return 0;
    *v = x;
    return 1;
}

static ics_status parse_args(int argc, char **argv, run_opts *o, ics_error *err)
{
    memset(o, 0, sizeof *o);
    o->scenarios = -1;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        const int has_val = i + 1 < argc;
        if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            if (!has_val) return ics_error_set(err, ICS_EINPUT, "run: %s needs a file name", a);
            o->out = argv[++i];
        } else if (!strcmp(a, "--scenarios")) {
            if (!has_val || !parse_i64(argv[i + 1], &o->scenarios) || o->scenarios < 1)
                return ics_error_set(err, ICS_EINPUT, "run: --scenarios needs an integer >= 1%s%s",
                                     has_val ? ", got " : "", has_val ? argv[i + 1] : "");
            ++i;
        } else if (!strcmp(a, "--seed")) {
            int64_t s;
            if (!has_val || !parse_i64(argv[i + 1], &s) || s < 0)
                return ics_error_set(err, ICS_EINPUT, "run: --seed needs an integer >= 0%s%s",
                                     has_val ? ", got " : "", has_val ? argv[i + 1] : "");
            o->seed = (uint64_t)s;
            o->have_seed = 1;
            ++i;
        } else if (!strcmp(a, "--resume")) {
            o->resume = 1;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o->quiet = 1;
        } else if (a[0] == '-') {
            return ics_error_set(err, ICS_EINPUT, "run: unknown option '%s' (options: -o OUT.h5, "
                                 "--scenarios N, --seed S, --resume, --quiet)", a);
        } else if (!o->config) {
            o->config = a;
        } else {
            return ics_error_set(err, ICS_EINPUT, "run: unexpected argument '%s'", a);
        }
    }
    if (!o->config)
        return ics_error_set(err, ICS_EINPUT, "usage: icstress run CONFIG [-o OUT.h5] "
                             "[--scenarios N] [--seed S] [--resume] [--quiet]");
    return ICS_OK;
}

static void iso_now(char *buf, size_t len)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The output directory must exist and be writable before anything is computed. */
static ics_status check_output_path(const char *out, ics_error *err)
{
    char *copy = ics_strdup(out, err);
    if (!copy) return ICS_ENOMEM;
    const char *dir = dirname(copy);
    ics_status st = ICS_OK;
    if (access(dir, W_OK) != 0)
        st = ics_error_set(err, ICS_EINPUT, "%s: cannot write the output here: directory '%s' %s",
                           out, dir, errno == ENOENT ? "does not exist" : "is not writable");
    free(copy);
    return st;
}

typedef struct progress {
    int enabled, tty;
    double t0, last;
    int64_t total;
} progress;

static void progress_show(progress *p, int64_t done, int final)
{
    if (!p->enabled) return;
    const double now = MPI_Wtime(), el = now - p->t0;
    if (!final && now - p->last < (p->tty ? 0.2 : 10.0)) return;
    p->last = now;
    const double rate = el > 0 ? (double)done / el : 0.0;
    const double eta = rate > 0 ? (double)(p->total - done) / rate : 0.0;
    const double frac = p->total ? (double)done / (double)p->total : 1.0;
    if (p->tty) {
        char bar[31];
        int fill = (int)(frac * 30.0);
        for (int i = 0; i < 30; ++i) bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        fprintf(stderr, "\r[%s] %5.1f%%  %lld/%lld scenarios  %.3g/s  ETA %.0fs   ", bar,
                100.0 * frac, (long long)done, (long long)p->total, rate, eta);
        if (final) fputc('\n', stderr);
    } else {
        fprintf(stderr, "icstress: %lld/%lld scenarios (%.1f%%), %.3g/s, ETA %.0fs\n",
                (long long)done, (long long)p->total, 100.0 * frac, rate, eta);
    }
    fflush(stderr);
}

/* Statistics columns: total (1), va by region (R), and node outputs when stored (n each). */
typedef struct stat_layout {
    int off[OUT_COUNT], width[OUT_COUNT], on[OUT_COUNT], total;
} stat_layout;

static ics_status write_stats(hid_t file, const char *name, const ics_moments *m, int width,
                              const double *quant /* NLEVELS x width row-major or NULL */,
                              int64_t nscen, ics_error *err)
{
    ics_status st = ICS_OK;
    double *buf = NULL;
    char path[256];
    ICS_ALLOC(buf, 4 * width, err, "statistics");
    for (int c = 0; c < width; ++c) {
        buf[c] = m[c].mean;
        buf[width + c] = ics_moments_sd(&m[c]);
        buf[2 * width + c] = m[c].min;
        buf[3 * width + c] = m[c].max;
    }
    const char *parts[4] = {"mean", "sd", "min", "max"};
    int64_t dims[2] = {width, 0};
    for (int q = 0; q < 4; ++q) {
        snprintf(path, sizeof path, "/statistics/%s/%s", name, parts[q]);
        ICS_TRY(ics_h5_write_array(file, path, 1, dims, buf + q * width, err));
    }
    snprintf(path, sizeof path, "/statistics/%s", name);
    hid_t g = H5Gopen2(file, path, H5P_DEFAULT);
    ics_h5_attr_i64(g, "count", nscen, err);
    H5Gclose(g);
    if (quant) {
        int64_t qd[2] = {NLEVELS, width};
        snprintf(path, sizeof path, "/statistics/%s/quantiles", name);
        ICS_TRY(ics_h5_write_array(file, path, width > 1 ? 2 : 1, width > 1 ? qd : qd, quant, err));
        hid_t d = H5Dopen2(file, path, H5P_DEFAULT);
        st = ics_h5_attr_f64(d, "levels", quantile_levels, NLEVELS, err);
        if (st == ICS_OK) st = ics_h5_attr_str(d, "method", "exact, R-7 (Hyndman & Fan type 7)", err);
        H5Dclose(d);
    }
done:
    free(buf);
    return st;
}

/* Write one computed block's rows: outputs chosen by output.store, then the sampled parameters. */
static ics_status write_block(const hid_t *dsets, const hid_t *pdsets, const int *store, int k,
                              int n, int R, int64_t first, int bb, const ics_static_ws *w,
                              double *pbuf, hid_t dxpl, ics_error *err)
{
    ics_status st = ICS_OK;
    if (store[OUT_OUTPUT_CHANGE]) ICS_TRY(ics_h5_write_rows(dsets[OUT_OUTPUT_CHANGE], first, bb, n, w->X, dxpl, err));
    if (store[OUT_INOPERABILITY]) ICS_TRY(ics_h5_write_rows(dsets[OUT_INOPERABILITY], first, bb, n, w->Q, dxpl, err));
    if (store[OUT_TOTAL]) ICS_TRY(ics_h5_write_rows(dsets[OUT_TOTAL], first, bb, 1, w->tot, dxpl, err));
    if (store[OUT_VA_REGION]) ICS_TRY(ics_h5_write_rows(dsets[OUT_VA_REGION], first, bb, R, w->agg, dxpl, err));
    for (int s = 0; s < k; ++s) {
        for (int j = 0; j < bb; ++j) pbuf[j] = w->Raw[s + (size_t)j * k];
        ICS_TRY(ics_h5_write_rows(pdsets[2 * s], first, bb, 1, pbuf, dxpl, err));
        if (pdsets[2 * s + 1] >= 0) {
            for (int j = 0; j < bb; ++j) pbuf[j] = w->Occ[s + (size_t)j * k];
            ICS_TRY(ics_h5_write_rows(pdsets[2 * s + 1], first, bb, 1, pbuf, dxpl, err));
        }
    }
done:
    return st;
}

int ics_cmd_run(ics_ctx *ctx, int argc, char **argv, ics_error *err)
{
    ics_status st = ICS_OK;
    run_opts o;
    ics_config *cfg = NULL;
    ics_table *t = NULL;
    ics_model *m = NULL;
    ics_plan *plan = NULL;
    ics_h5file *h5 = NULL;
    hid_t fapl = H5I_INVALID_HID, dxpl = H5I_INVALID_HID;
    hid_t dsets[OUT_COUNT], *pdsets = NULL;
    double *Sva = NULL;
    ics_static_ws **ws = NULL;
    int nthreads = 0;
    double *pbuf = NULL, *scal_local = NULL, *scal_all = NULL;
    double *mom_local = NULL, *mom_all = NULL, *quant = NULL, *col = NULL;
    ics_moments *merged = NULL, *blk = NULL;
    int *counts = NULL, *displs = NULL;
    int store[OUT_COUNT] = {0};
    int n = 0, k = 0, R = 0, b = 0, is_iim = 0;
    int64_t N = 0, nblocks = 0, nlocal = 0;
    for (int i = 0; i < OUT_COUNT; ++i) dsets[i] = H5I_INVALID_HID;

    ICS_TRY(parse_args(argc, argv, &o, err));
    ctx->quiet = o.quiet;
    ICS_TRY(ics_config_load(o.config, &cfg, err));
    if (o.scenarios > 0) cfg->scenarios = o.scenarios;
    if (o.have_seed) cfg->seed = o.seed;
    const char *out = o.out ? o.out : cfg->output_file;
    if (o.resume)
        ICS_FAIL(err, ICS_EINPUT, "run: --resume is not available yet in this version of icstress");

    /* ---- plan: everything that can fail on input fails here, before any file exists ----
     * BLAS runs single-threaded from here on: the factorisation too, so that L is bitwise the
     * same whatever the number of threads or processes (threaded LU changes the last bits). */
    ics_blas_set_threads(1);
    ICS_TRY(ics_table_load(cfg->table, &t, err));
    ics_validate_opts vopts = ICS_VALIDATE_DEFAULTS;
    vopts.balance_rtol = cfg->balance_rtol;
    ics_validate_report rep;
    ICS_TRY(ics_table_validate(t, &vopts, &rep, err));
    ICS_TRY(ics_model_create(t, &m, err));
    ICS_TRY(ics_plan_create(cfg, t, m, &plan, err));
    for (int s = 0; s < cfg->nstore; ++s) {
        int found = -1;
        for (int q = 0; q < OUT_COUNT; ++q)
            if (!strcmp(cfg->store[s], out_names[q])) found = q;
        if (found < 0)
            ICS_FAIL(err, ICS_EINPUT, "%s: output.store: '%s' is only produced by the dynamic "
                     "models (diim, ario)", cfg->path, cfg->store[s]);
        if (found == OUT_INOPERABILITY && cfg->model != ICS_MODEL_IIM)
            ICS_FAIL(err, ICS_EINPUT, "%s: output.store: 'inoperability' needs model iim (this "
                     "config uses %s)", cfg->path, ics_model_name(cfg->model));
        store[found] = 1;
    }
    ICS_TRY(check_output_path(out, err));

    n = t->n, k = plan->k, R = t->nreg;
    b = cfg->block_size;
    N = cfg->scenarios;
    nblocks = (N + b - 1) / b;
    nlocal = nblocks > ctx->rank ? (nblocks - ctx->rank + ctx->size - 1) / ctx->size : 0;
    is_iim = cfg->model == ICS_MODEL_IIM;

    ics_warn_blas_core(ctx);
    ics_sysinfo si;
    ics_sysinfo_get(&si);
    char created[32], blas[256], textbuf[64];
    iso_now(created, sizeof created);
    MPI_Bcast(created, sizeof created, MPI_CHAR, 0, MPI_COMM_WORLD);
    ics_sysinfo_blas_string(&si, blas, sizeof blas);
    if (ctx->rank == 0 && !o.quiet)
        fprintf(stderr, "icstress: %s model, table %s (%d nodes), %lld scenarios in %lld blocks of %d, "
                "%d rank(s) x %d thread(s), %s\n", ics_model_name(cfg->model), t->source, n,
                (long long)N, (long long)nblocks, b, ctx->size, si.omp_threads, blas);

    /* ---- the output file (collective) ---- */
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
    dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_INDEPENDENT);
    ICS_TRY(ics_h5_create(out, fapl, &h5, err));
    const hid_t f = h5->file;
    ICS_TRY(ics_h5_attr_str(f, "icstress_version", ICS_VERSION, err));
    ICS_TRY(ics_h5_attr_str(f, "git_commit", ICS_GIT_COMMIT, err));
    ICS_TRY(ics_h5_attr_str(f, "config", cfg->text, err));
    ICS_TRY(ics_h5_attr_str(f, "config_file", cfg->path, err));
    ICS_TRY(ics_h5_attr_str(f, "model", ics_model_name(cfg->model), err));
    ICS_TRY(ics_h5_attr_i64(f, "seed", (int64_t)cfg->seed, err));
    ICS_TRY(ics_h5_attr_str(f, "sampler", ics_sampler_name(cfg->sampler), err));
    ICS_TRY(ics_h5_attr_i64(f, "scenarios", N, err));
    ICS_TRY(ics_h5_attr_i64(f, "block_size", b, err));
    ICS_TRY(ics_h5_attr_i64(f, "mpi_ranks", ctx->size, err));
    ICS_TRY(ics_h5_attr_i64(f, "omp_threads", si.omp_threads, err));
    ICS_TRY(ics_h5_attr_str(f, "blas", blas, err));
    ICS_TRY(ics_h5_attr_str(f, "created", created, err));
    ICS_TRY(ics_h5_attr_str(f, "table_source", t->source, err));
    {
        unsigned a1, a2, a3;
        H5get_libversion(&a1, &a2, &a3);
        snprintf(textbuf, sizeof textbuf, "%u.%u.%u", a1, a2, a3);
        ICS_TRY(ics_h5_attr_str(f, "hdf5_version", textbuf, err));
    }
    ICS_TRY(ics_table_write_h5(t, f, err));

    for (int q = 0; q < OUT_COUNT; ++q) {
        if (!store[q]) continue;
        char path[128];
        snprintf(path, sizeof path, "/scenarios/%s", out_names[q]);
        const int64_t width = q == OUT_TOTAL ? 1 : q == OUT_VA_REGION ? R : n;
        const int64_t dims[2] = {N, width};
        int64_t chunk = (4 << 20) / (8 * width);
        if (chunk > b) chunk = b;
        if (chunk < 1) chunk = 1;
        ICS_TRY(ics_h5_dataset(f, path, q == OUT_TOTAL ? 1 : 2, dims, chunk, 0, &dsets[q], err));
        ICS_TRY(ics_h5_attr_str(dsets[q], "units", q == OUT_INOPERABILITY ? "share of baseline output"
                                : "table units (as Z)", err));
    }
    ICS_ALLOC(pdsets, 2 * (k ? k : 1), err, "parameter datasets");
    for (int s = 0; s < 2 * k; ++s) pdsets[s] = H5I_INVALID_HID;
    for (int s = 0; s < k; ++s) {
        char path[256];
        const int64_t dims[2] = {N, 0};
        snprintf(path, sizeof path, "/scenarios/parameters/%s/%s", plan->names[s],
                 cfg->shocks[s].type == ICS_SHOCK_CAPACITY_LOSS ? "loss" : "change");
        ICS_TRY(ics_h5_dataset(f, path, 1, dims, b, 0, &pdsets[2 * s], err));
        if (plan->probability[s] < 1.0) {
            snprintf(path, sizeof path, "/scenarios/parameters/%s/occurs", plan->names[s]);
            ICS_TRY(ics_h5_dataset(f, path, 1, dims, b, 0, &pdsets[2 * s + 1], err));
        }
    }

    /* ---- workspaces, sized by the block (memory does not grow with N except the scalar
     *      outputs gathered for exact quantiles) ---- */
    stat_layout sl = {{0}, {0}, {0}, 0};
    sl.on[OUT_TOTAL] = 1, sl.width[OUT_TOTAL] = 1;
    sl.on[OUT_VA_REGION] = 1, sl.width[OUT_VA_REGION] = R;
    sl.on[OUT_OUTPUT_CHANGE] = store[OUT_OUTPUT_CHANGE], sl.width[OUT_OUTPUT_CHANGE] = n;
    sl.on[OUT_INOPERABILITY] = store[OUT_INOPERABILITY], sl.width[OUT_INOPERABILITY] = n;
    for (int q = 0; q < OUT_COUNT; ++q)
        if (sl.on[q]) sl.off[q] = sl.total, sl.total += sl.width[q];
    const int nscal = 1 + R; /* total and va by region, gathered for quantiles */

    nthreads = omp_get_max_threads();
    ICS_ALLOC(ws, nthreads, err, "workspaces");
    for (int th = 0; th < nthreads; ++th)
        ICS_TRY(ics_static_ws_create(n, k, R, b, is_iim, &ws[th], err));
    ICS_TRY(ics_static_va_matrix(t, m, cfg->model, &Sva, err));
    ICS_ALLOC(pbuf, b, err, "a parameter row");
    ICS_ALLOC(blk, sl.total, err, "block moments");
    ICS_ALLOC(mom_local, (size_t)(nlocal ? nlocal : 1) * sl.total * 5, err, "block moments");
    ICS_ALLOC(scal_local, (size_t)(nlocal ? nlocal : 1) * b * nscal, err, "scalar outputs");

    progress pr = {ctx->rank == 0 && !o.quiet, isatty(2), MPI_Wtime(), MPI_Wtime(), N};
    int64_t local_scen = 0;
    /* Threading policy: T OpenMP threads each compute one block with single-threaded BLAS;
     * then the calling thread alone writes the T blocks and folds their statistics. */
    for (int64_t lb0 = 0; lb0 < nlocal; lb0 += nthreads) {
        const int nb = (int)(nlocal - lb0 < nthreads ? nlocal - lb0 : nthreads);
#pragma omp parallel for num_threads(nthreads) schedule(static, 1)
        for (int slot = 0; slot < nb; ++slot) {
            const int64_t first = (ctx->rank + (lb0 + slot) * ctx->size) * b;
            const int bb = (int)(first + b <= N ? b : N - first);
            ics_static_block(plan, m, Sva, first, bb, ws[slot]);
        }
        for (int slot = 0; slot < nb; ++slot) {
            const int64_t lb = lb0 + slot;
            const int64_t first = (ctx->rank + lb * ctx->size) * b;
            const int bb = (int)(first + b <= N ? b : N - first);
            const ics_static_ws *w = ws[slot];
            ICS_TRY(write_block(dsets, pdsets, store, k, n, R, first, bb, w, pbuf, dxpl, err));
            /* block statistics, merged later in global block order */
            for (int c = 0; c < sl.total; ++c) ics_moments_init(&blk[c]);
            for (int j = 0; j < bb; ++j) {
                ics_moments_add(&blk[sl.off[OUT_TOTAL]], w->tot[j]);
                for (int r = 0; r < R; ++r)
                    ics_moments_add(&blk[sl.off[OUT_VA_REGION] + r], w->agg[r + (size_t)j * R]);
                if (sl.on[OUT_OUTPUT_CHANGE])
                    for (int i = 0; i < n; ++i)
                        ics_moments_add(&blk[sl.off[OUT_OUTPUT_CHANGE] + i], w->X[i + (size_t)j * n]);
                if (sl.on[OUT_INOPERABILITY])
                    for (int i = 0; i < n; ++i)
                        ics_moments_add(&blk[sl.off[OUT_INOPERABILITY] + i], w->Q[i + (size_t)j * n]);
            }
            double *mrow = mom_local + (size_t)lb * sl.total * 5;
            for (int c = 0; c < sl.total; ++c) {
                mrow[5 * c] = (double)blk[c].count;
                mrow[5 * c + 1] = blk[c].mean;
                mrow[5 * c + 2] = blk[c].m2;
                mrow[5 * c + 3] = blk[c].min;
                mrow[5 * c + 4] = blk[c].max;
            }
            double *srow = scal_local + (size_t)local_scen * nscal;
            for (int j = 0; j < bb; ++j) {
                srow[(size_t)j * nscal] = w->tot[j];
                for (int r = 0; r < R; ++r) srow[(size_t)j * nscal + 1 + r] = w->agg[r + (size_t)j * R];
            }
            local_scen += bb;
        }
        progress_show(&pr, local_scen * ctx->size < N ? local_scen * ctx->size : N, 0);
    }

    /* ---- statistics: block moments merged in global block order on rank 0 ---- */
    ICS_ALLOC(counts, ctx->size, err, "counts");
    ICS_ALLOC(displs, ctx->size, err, "displacements");
    ICS_ALLOC(merged, sl.total, err, "statistics");
    for (int c = 0; c < sl.total; ++c) ics_moments_init(&merged[c]);
    {
        const int mine = (int)(nlocal * sl.total * 5);
        MPI_Gather(&mine, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (ctx->rank == 0) {
            for (int r = 0, d = 0; r < ctx->size; ++r) displs[r] = d, d += counts[r];
            ICS_ALLOC(mom_all, (size_t)nblocks * sl.total * 5, err, "block moments");
        }
        MPI_Gatherv(mom_local, mine, MPI_DOUBLE, mom_all, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (ctx->rank == 0) {
            for (int64_t blockid = 0; blockid < nblocks; ++blockid) {
                const int owner = (int)(blockid % ctx->size);
                const int64_t lb = blockid / ctx->size;
                const double *mrow = mom_all + displs[owner] + (size_t)lb * sl.total * 5;
                for (int c = 0; c < sl.total; ++c) {
                    ics_moments bm = {(int64_t)mrow[5 * c], mrow[5 * c + 1], mrow[5 * c + 2],
                                      mrow[5 * c + 3], mrow[5 * c + 4]};
                    ics_moments_merge(&merged[c], &bm);
                }
            }
        }
        MPI_Bcast(merged, (int)(sizeof *merged * (size_t)sl.total), MPI_BYTE, 0, MPI_COMM_WORLD);
    }
    /* exact quantiles of the scalar outputs (order-free, so gathered in any order) */
    ICS_ALLOC(quant, (size_t)NLEVELS * nscal, err, "quantiles");
    {
        const int mine = (int)(local_scen * nscal);
        MPI_Gather(&mine, 1, MPI_INT, counts, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (ctx->rank == 0) {
            for (int r = 0, d = 0; r < ctx->size; ++r) displs[r] = d, d += counts[r];
            ICS_ALLOC(scal_all, (size_t)N * nscal, err, "scalar outputs");
        }
        MPI_Gatherv(scal_local, mine, MPI_DOUBLE, scal_all, counts, displs, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (ctx->rank == 0) {
            ICS_ALLOC(col, N, err, "a column");
            double qq[NLEVELS];
            for (int c = 0; c < nscal; ++c) {
                for (int64_t j = 0; j < N; ++j) col[j] = scal_all[(size_t)j * nscal + c];
                ics_quantiles_r7(col, N, quantile_levels, NLEVELS, qq);
                for (int l = 0; l < NLEVELS; ++l) quant[(size_t)l * nscal + c] = qq[l];
            }
        }
        MPI_Bcast(quant, NLEVELS * nscal, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    }
    {
        double *qva = NULL;
        ICS_ALLOC(qva, (size_t)NLEVELS * R, err, "quantiles");
        double qtot[NLEVELS];
        for (int l = 0; l < NLEVELS; ++l) {
            qtot[l] = quant[(size_t)l * nscal];
            for (int r = 0; r < R; ++r) qva[(size_t)l * R + r] = quant[(size_t)l * nscal + 1 + r];
        }
        st = write_stats(f, out_names[OUT_TOTAL], &merged[sl.off[OUT_TOTAL]], 1, qtot, N, err);
        if (st == ICS_OK)
            st = write_stats(f, out_names[OUT_VA_REGION], &merged[sl.off[OUT_VA_REGION]], R, qva, N, err);
        free(qva);
        if (st != ICS_OK) goto done;
    }
    for (int q = OUT_OUTPUT_CHANGE; q <= OUT_INOPERABILITY; q += OUT_INOPERABILITY - OUT_OUTPUT_CHANGE)
        if (sl.on[q]) ICS_TRY(write_stats(f, out_names[q], &merged[sl.off[q]], n, NULL, N, err));

    progress_show(&pr, N, 1);
    iso_now(created, sizeof created);
    MPI_Bcast(created, sizeof created, MPI_CHAR, 0, MPI_COMM_WORLD);
    ICS_TRY(ics_h5_attr_str(f, "finished", created, err));
    ICS_TRY(ics_h5_attr_i64(f, "complete", 1, err));
    for (int q = 0; q < OUT_COUNT; ++q)
        if (dsets[q] >= 0) H5Dclose(dsets[q]), dsets[q] = H5I_INVALID_HID;
    for (int s = 0; s < 2 * k; ++s)
        if (pdsets[s] >= 0) H5Dclose(pdsets[s]), pdsets[s] = H5I_INVALID_HID;
    MPI_Barrier(MPI_COMM_WORLD);
    {
        ics_status fst = ics_h5_finish(&h5, 0, err);
        MPI_Barrier(MPI_COMM_WORLD);
        if (fst == ICS_OK && ctx->rank == 0) {
            char tmp[4096];
            snprintf(tmp, sizeof tmp, "%s.partial", out);
            if (rename(tmp, out) != 0)
                fst = ics_error_set(err, ICS_EIO, "%s: cannot rename to %s: %s", tmp, out, strerror(errno));
        }
        ICS_TRY(fst);
    }
    if (ctx->rank == 0 && !o.quiet) {
        const ics_moments *mt = &merged[sl.off[OUT_TOTAL]];
        printf("icstress: %lld scenarios, model %s, table %s\n", (long long)N,
               ics_model_name(cfg->model), t->source);
        printf("  total output loss: mean %.6g, sd %.6g, min %.6g, max %.6g, 5%%..95%% [%.6g, %.6g]"
               " (table units)\n", mt->mean, ics_moments_sd(mt), mt->min, mt->max,
               quant[(size_t)1 * nscal], quant[(size_t)7 * nscal]);
        printf("  value-added loss by region (mean):");
        for (int r = 0; r < R; ++r) printf(" %s %.4g", t->regions[r], merged[sl.off[OUT_VA_REGION] + r].mean);
        printf("\n  wrote %s\n", out);
    }
done:
    for (int q = 0; q < OUT_COUNT; ++q)
        if (dsets[q] >= 0) H5Dclose(dsets[q]);
    if (pdsets)
        for (int s = 0; s < 2 * k; ++s)
            if (pdsets[s] >= 0) H5Dclose(pdsets[s]);
    ics_h5_abort(&h5, ctx->rank == 0);
    if (fapl >= 0) H5Pclose(fapl);
    if (dxpl >= 0) H5Pclose(dxpl);
    if (ws)
        for (int th = 0; th < nthreads; ++th) ics_static_ws_destroy(&ws[th]);
    free(ws);
    free(pdsets); free(Sva); free(pbuf); free(scal_local); free(scal_all); free(mom_local); free(mom_all);
    free(quant); free(col); free(merged); free(blk); free(counts); free(displs);
    ics_plan_destroy(&plan);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
    ics_config_destroy(&cfg);
    return ics_status_exit_code(st);
}
