/* `icstress run`: plan (config, table, model, shocks), then execute the ensemble block by block:
 * sample -> propagate (one GEMM per block) -> aggregates -> HDF5 rows at the block's global
 * offset. Ranks take blocks from a shared counter (dynamic balancing); every thread computes
 * blocks with single-threaded BLAS, and the master thread also writes each block as soon as it is
 * done, overlapping the others' computation (independent MPI-IO; only the master thread calls
 * HDF5 and MPI). Each finished block is flagged in /progress/block_done, so a killed run resumes
 * with --resume without recomputing it. The thread that computes a block also summarises its
 * 1024-row windows (ics_window_moments) for every dataset that gets statistics, stored under
 * /progress/moments/ with the block. At the end every rank computes the statistics of a share of
 * the columns from those summaries and the stored per-scenario data, in index order, so they
 * are identical for any decomposition; rank 0 writes them (drivers/finalize.c). */
#include "ics_driver.h"
#include "ics_options.h"
#include "ics_aggregate.h"
#include "ics_dynamic.h"
#include "ics_sched.h"
#include "ics_finalize.h"
#include "ics_finalstats.h"
#include "ics_config.h"
#include "ics_h5.h"
#include "ics_kernels.h"
#include "ics_model.h"
#include "ics_pipeline.h"
#include "ics_prepare.h"
#include "ics_truncation.h"
#include "ics_uncertainty.h"
#include "ics_scenario.h"
#include "ics_stats.h"
#include "ics_stop.h"
#include "ics_stream_hist.h"
#include "ics_sysinfo.h"
#include "ics_table.h"
#include "ics_table_cmd.h"

#include <cblas.h>
#include <errno.h>
#include <hdf5.h>
#include <libgen.h>
#include <mpi.h>
#include <omp.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* units of each output, for the attribute */
static const char *const out_units[OUT_COUNT] = {
    "table units (as Z; dynamic models: cumulative, per step)", "share of baseline output",
    "steps (horizon + 1 = not recovered within the horizon)", "share of baseline output",
    "share of baseline output lost", "steps (horizon + 1 = not recovered within the horizon)",
    "table units per step, cumulative"};

/* One computed block, whichever model made it: column-major arrays, one scenario per column. */
typedef struct blockview {
    const double *out[OUT_COUNT]; /* node and extra outputs (NULL when not made) */
    const double *agg;            /* m x bb aggregates */
    const double *par[4];         /* k x bb parameters: value, occurrence, start, duration */
    const double *unc;            /* nunc x bb calibration-uncertainty factors (ics_uncertainty.h) */
    int nunc;
} blockview;

/* The datasets that get statistics at finalization, numbered q: the stored outputs
 * (q < OUT_COUNT; all but trajectories) and the aggregates (q = OUT_COUNT + a). */
static int stats_on(const int *store, int q)
{
    return q >= OUT_COUNT || (store[q] && q != OUT_TRAJ);
}
static const char *stats_name(const ics_aggset *as, int q)
{
    return q < OUT_COUNT ? out_names[q] : as->out[q - OUT_COUNT].name;
}
static int64_t stats_width(const int64_t *width, const ics_aggset *as, int q)
{
    return q < OUT_COUNT ? width[q] : as->out[q - OUT_COUNT].width;
}

/* Window moments of one computed block for every dataset q that gets statistics, each a
 * (windows, width, ICS_WINDOW_FIELDS) array, one after the other in rec, in q order. The block
 * starts at a multiple of ICS_STATS_WINDOW. */
static void block_moments(const blockview *v, const int *store, const int64_t *width,
                          const ics_aggset *as, int bb, double *rec)
{
    const int nw = (bb + ICS_STATS_WINDOW - 1) / ICS_STATS_WINDOW;
    for (int q = 0; q < OUT_COUNT + as->nout; ++q) {
        if (!stats_on(store, q)) continue;
        const int64_t wd = stats_width(width, as, q);
        const double *x = q < OUT_COUNT ? v->out[q] : v->agg + as->out[q - OUT_COUNT].row;
        const int64_t stride = q < OUT_COUNT ? wd : as->m;
        for (int w = 0; w < nw; ++w) {
            const int r0 = w * ICS_STATS_WINDOW;
            const int rows = bb - r0 < ICS_STATS_WINDOW ? bb - r0 : ICS_STATS_WINDOW;
            ics_window_moments_cols(x + (size_t)r0 * stride, rows, stride, wd, rec);
            rec += (size_t)wd * ICS_WINDOW_FIELDS;
        }
    }
}

/* The per-scenario parameters of shock s: 0 its change (or loss), 1 whether it happened (when it
 * has a probability), 2 and 3 its start and duration (when random). */
enum { NPARAM = 4 };
static int param_on(const ics_plan *p, int s, int q)
{
    return q == 0 || (q == 1 && p->probability[s] < 1.0) || (q == 2 && p->dim_start[s] >= 0) ||
           (q == 3 && p->dim_dur[s] >= 0);
}
static const char *param_name(const ics_config *cfg, int s, int q)
{
    static const char *const names[NPARAM] = {"change", "occurs", "start", "duration"};
    return q == 0 && cfg->shocks[s].type == ICS_SHOCK_CAPACITY_LOSS ? "loss" : names[q];
}

typedef struct run_opts {
    const char *config, *out;
    int64_t scenarios;
    int have_seed, resume, quiet, force, no_space_check;
    uint64_t seed;
    double max_time;         /* --max-time in seconds, 0 = none */
    const char *table;       /* --table TABLE: replaces the config's table (issue 15) */
} run_opts;

/* the options of `run` are in its table (drivers/commands.c) */
static ics_status parse_args(int argc, char **argv, run_opts *o, ics_error *err)
{
    memset(o, 0, sizeof *o);
    o->scenarios = -1;
    ics_args a;
    const ics_status st = ics_args_parse(ics_cmdspec_find("run"), argc, argv, &a, err);
    if (st != ICS_OK) return st;
    o->config = a.operand[0];
    o->out = ics_args_str(&a, "output");
    if (ics_args_flag(&a, "scenarios")) o->scenarios = ics_args_get(&a, "scenarios")->i;
    o->have_seed = ics_args_flag(&a, "seed");
    o->seed = ics_args_get(&a, "seed")->u;
    o->resume = ics_args_flag(&a, "resume");
    o->max_time = ics_args_get(&a, "max-time")->d;
    o->force = ics_args_flag(&a, "force");
    o->quiet = ics_args_flag(&a, "quiet");
    o->no_space_check = ics_args_flag(&a, "no-space-check");
    o->table = ics_args_str(&a, "table");
    return ics_args_operands(&a, 1, 1, err);
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

/* Write one computed block's rows: node outputs chosen by output.store, every aggregate, then
 * the sampled parameters. buf holds max(aggregate width) x b doubles. */
static ics_status write_block(const hid_t *dsets, const hid_t *adsets, const hid_t *pdsets,
                              const hid_t *mdsets, const int *store, const int64_t *width,
                              const ics_aggset *as, int k, int64_t first, int bb,
                              const blockview *w, const double *mom, double *buf, hid_t dxpl,
                              ics_error *err)
{
    ics_status st = ICS_OK;
    if (mom) { /* window moments: stored outputs, then aggregates (as block_moments) */
        const int nw = (bb + ICS_STATS_WINDOW - 1) / ICS_STATS_WINDOW;
        for (int q = 0; q < OUT_COUNT + as->nout; ++q) {
            if (mdsets[q] < 0) continue;
            const int64_t wd = stats_width(width, as, q);
            ICS_TRY(ics_h5_write_rows(mdsets[q], first / ICS_STATS_WINDOW, nw,
                                      wd * ICS_WINDOW_FIELDS, mom, dxpl, err));
            mom += (size_t)nw * wd * ICS_WINDOW_FIELDS;
        }
    }
    for (int q = 0; q < OUT_COUNT; ++q)
        if (store[q]) ICS_TRY(ics_h5_write_rows(dsets[q], first, bb, width[q], w->out[q], dxpl, err));
    for (int a = 0; a < as->nout; ++a) {
        const ics_aggout *o = &as->out[a];
        for (int j = 0; j < bb; ++j)
            for (int c = 0; c < o->width; ++c)
                buf[c + (size_t)j * o->width] = w->agg[o->row + c + (size_t)j * as->m];
        ICS_TRY(ics_h5_write_rows(adsets[a], first, bb, o->width, buf, dxpl, err));
    }
    for (int s = 0; s < k; ++s)
        for (int q = 0; q < NPARAM; ++q) {
            if (pdsets[NPARAM * s + q] < 0) continue;
            for (int j = 0; j < bb; ++j) buf[j] = w->par[q][s + (size_t)j * k];
            ICS_TRY(ics_h5_write_rows(pdsets[NPARAM * s + q], first, bb, 1, buf, dxpl, err));
        }
    for (int u = 0; u < w->nunc; ++u) { /* after the shocks' datasets (unc_dataset) */
        for (int j = 0; j < bb; ++j) buf[j] = w->unc[u + (size_t)j * w->nunc];
        ICS_TRY(ics_h5_write_rows(pdsets[NPARAM * k + u], first, bb, 1, buf, dxpl, err));
    }
done:
    return st;
}

/* The dataset of uncertainty factor u, /scenarios/parameters/uncertainty/<name>, created
 * (create = 1) or opened, into pdsets[NPARAM k + u] (after the shocks' parameters). */
static ics_status unc_dataset(hid_t f, const ics_plan *plan, int u, int create, int64_t N, int b,
                              int compression, hid_t *pdsets, ics_error *err);

/* Chunks of whole blocks, about 4 MiB: few chunks keep HDF5's index (and its cache) small
 * however many scenarios there are. */
static int64_t chunk_rows(int64_t width, int b)
{
    const int64_t target = (4 << 20) / (8 * width); /* rows in about 4 MiB */
    if (target < b) return target > 0 ? target : 1;  /* wide rows (trajectories) */
    return (target / b) * b;
}

/* Create the layout of a fresh result file (collective): attributes, /table, every dataset. */
static ics_status create_layout(const ics_ctx *ctx, hid_t f, const ics_config *cfg,
                                const ics_table *t, const ics_plan *plan, const ics_aggset *as,
                                const int *store, const int64_t *width, int64_t N, int b,
                                int64_t nblocks,
                                const char *blas, const char *created, hid_t *dsets, hid_t *adsets,
                                hid_t *pdsets, hid_t *mdsets, hid_t *done_ds, ics_error *err)
{
    ics_status st = ICS_OK;
    const int n = t->n, k = plan->k;
    char textbuf[64];
    ICS_TRY(ics_h5_attr_str(f, "icstress_version", ICS_VERSION, err));
    ICS_TRY(ics_h5_attr_str(f, "git_commit", ics_git_commit, err));
    ICS_TRY(ics_h5_attr_str(f, "config", cfg->text, err));
    ICS_TRY(ics_h5_attr_str(f, "config_file", cfg->path, err));
    ICS_TRY(ics_h5_attr_str(f, "model", ics_model_name(cfg->model), err));
    ICS_TRY(ics_h5_attr_i64(f, "seed", (int64_t)cfg->seed, err));
    ICS_TRY(ics_h5_attr_str(f, "sampler", ics_sampler_name(cfg->sampler), err));
    ICS_TRY(ics_h5_attr_i64(f, "scenarios", N, err));
    ICS_TRY(ics_h5_attr_i64(f, "block_size", b, err));
    ICS_TRY(ics_h5_attr_i64(f, "mpi_ranks", ctx->size, err));
    ICS_TRY(ics_h5_attr_i64(f, "omp_threads", omp_get_max_threads(), err));
    ICS_TRY(ics_h5_attr_str(f, "blas", blas, err));
    ICS_TRY(ics_h5_attr_str(f, "created", created, err));
    ICS_TRY(ics_h5_attr_str(f, "table_source", t->source, err));
    {
        unsigned a1, a2, a3;
        H5get_libversion(&a1, &a2, &a3);
        snprintf(textbuf, sizeof textbuf, "%u.%u.%u", a1, a2, a3);
        ICS_TRY(ics_h5_attr_str(f, "hdf5_version", textbuf, err));
        char mpiver[MPI_MAX_LIBRARY_VERSION_STRING] = "";
        int len = 0;
        MPI_Get_library_version(mpiver, &len);
        for (int i = 0; mpiver[i]; ++i)
            if (mpiver[i] == '\n' || mpiver[i] == ',') mpiver[i] = '\0';
        ICS_TRY(ics_h5_attr_str(f, "mpi_version", mpiver, err));
    }
    ICS_TRY(ics_h5_attr_i64(f, "complete", 0, err));
    ICS_TRY(ics_run_write_table(cfg, t, f, err));
    for (int q = 0; q < OUT_COUNT; ++q) {
        if (!store[q]) continue;
        char path[128];
        snprintf(path, sizeof path, "/scenarios/%s", out_names[q]);
        const int64_t dims[3] = {N, q == OUT_TRAJ ? cfg->horizon + 1 : width[q], n};
        const int rank = q == OUT_TRAJ ? 3 : q == OUT_UNMET ? 1 : 2;
        ICS_TRY(ics_h5_dataset(f, path, rank, dims, chunk_rows(width[q], b), cfg->compression,
                               &dsets[q], err));
        ICS_TRY(ics_h5_attr_str(dsets[q], "units", out_units[q], err));
    }
    for (int a = 0; a < as->nout; ++a) {
        char path[320];
        const ics_aggout *o = &as->out[a];
        snprintf(path, sizeof path, "/scenarios/%s", o->name);
        const int64_t dims[2] = {N, o->width};
        ICS_TRY(ics_h5_dataset(f, path, o->width > 1 ? 2 : 1,
                               dims, chunk_rows(o->width, b), cfg->compression, &adsets[a], err));
        ICS_TRY(ics_h5_attr_str(adsets[a], "units", "table units (as Z); a loss: positive = less",
                                err));
    }
    for (int s = 0; s < k; ++s)
        for (int q = 0; q < NPARAM; ++q) {
            if (!param_on(plan, s, q)) continue;
            char path[256];
            const int64_t dims[2] = {N, 0};
            snprintf(path, sizeof path, "/scenarios/parameters/%s/%s", plan->names[s],
                     param_name(cfg, s, q));
            ICS_TRY(ics_h5_dataset(f, path, 1, dims, chunk_rows(1, b), cfg->compression,
                                   &pdsets[NPARAM * s + q], err));
        }
    for (int u = 0; u < plan->nunc; ++u)
        ICS_TRY(unc_dataset(f, plan, u, 1, N, b, cfg->compression, pdsets, err));
    ICS_TRY(ics_h5_dataset_u8(f, "/progress/block_done", nblocks, done_ds, err));
    for (int q = 0; mdsets && q < OUT_COUNT + as->nout; ++q) {
        if (!stats_on(store, q)) continue;
        char path[320];
        snprintf(path, sizeof path, "/progress/moments/%s", stats_name(as, q));
        const int64_t wpb = b / ICS_STATS_WINDOW;
        const int64_t dims[3] = {(N + ICS_STATS_WINDOW - 1) / ICS_STATS_WINDOW,
                                 stats_width(width, as, q), ICS_WINDOW_FIELDS};
        ICS_TRY(ics_h5_dataset(f, path, 3, dims, chunk_rows(dims[1] * ICS_WINDOW_FIELDS, (int)wpb),
                               0, &mdsets[q], err));
    }
done:
    return st;
}

/* Reopen the datasets of a partial file after checking that it belongs to this very run. */
static ics_status open_layout(hid_t f, const char *path, const ics_config *cfg,
                              const ics_plan *plan, const ics_aggset *as, const int *store,
                              int64_t N, int b, hid_t *dsets, hid_t *adsets, hid_t *pdsets,
                              hid_t *mdsets, hid_t *done_ds, ics_error *err)
{
    ics_status st = ICS_OK;
    char *text = NULL;
    int64_t v = 0;
    ICS_TRY(ics_h5_get_attr_str(f, "config", &text, err));
    if (strcmp(text, cfg->text) != 0)
        ICS_FAIL(err, ICS_EINPUT, "%s.partial: cannot resume: it was written with a different "
                 "config; remove it or run without --resume", path);
    ICS_TRY(ics_h5_get_attr_i64(f, "scenarios", &v, err));
    if (v != N) ICS_FAIL(err, ICS_EINPUT, "%s.partial: cannot resume: it holds %lld scenarios, this run asks for %lld", path, (long long)v, (long long)N);
    ICS_TRY(ics_h5_get_attr_i64(f, "seed", &v, err));
    if ((uint64_t)v != cfg->seed) ICS_FAIL(err, ICS_EINPUT, "%s.partial: cannot resume: it was run with seed %lld, this run uses %llu", path, (long long)v, (unsigned long long)cfg->seed);
    ICS_TRY(ics_h5_get_attr_i64(f, "block_size", &v, err));
    if (v != b) ICS_FAIL(err, ICS_EINPUT, "%s.partial: cannot resume: block size %lld differs", path, (long long)v);
    for (int q = 0; q < OUT_COUNT; ++q) {
        if (!store[q]) continue;
        char p[128];
        snprintf(p, sizeof p, "/scenarios/%s", out_names[q]);
        if ((dsets[q] = H5Dopen2(f, p, H5P_DEFAULT)) < 0) ICS_FAIL(err, ICS_EIO, "%s.partial: missing %s", path, p);
    }
    for (int a = 0; a < as->nout; ++a) {
        char p[320];
        snprintf(p, sizeof p, "/scenarios/%s", as->out[a].name);
        if ((adsets[a] = H5Dopen2(f, p, H5P_DEFAULT)) < 0) ICS_FAIL(err, ICS_EIO, "%s.partial: missing %s", path, p);
    }
    for (int s = 0; s < plan->k; ++s)
        for (int q = 0; q < NPARAM; ++q) {
            if (!param_on(plan, s, q)) continue;
            char p[256];
            snprintf(p, sizeof p, "/scenarios/parameters/%s/%s", plan->names[s],
                     param_name(cfg, s, q));
            if ((pdsets[NPARAM * s + q] = H5Dopen2(f, p, H5P_DEFAULT)) < 0)
                ICS_FAIL(err, ICS_EIO, "%s.partial: missing %s", path, p);
        }
    for (int u = 0; u < plan->nunc; ++u)
        if (unc_dataset(f, plan, u, 0, N, b, 0, pdsets, err) != ICS_OK)
            ICS_FAIL(err, ICS_EIO, "%s.partial: missing /scenarios/parameters/%s/%s", path,
                     ICS_UNC_GROUP, ics_unc_name(plan->unc_kind[u]));
    if ((*done_ds = H5Dopen2(f, "/progress/block_done", H5P_DEFAULT)) < 0)
        ICS_FAIL(err, ICS_EIO, "%s.partial: missing /progress/block_done", path);
    for (int q = 0; mdsets && q < OUT_COUNT + as->nout; ++q) {
        if (!stats_on(store, q)) continue;
        char p[320];
        snprintf(p, sizeof p, "/progress/moments/%s", stats_name(as, q));
        if ((mdsets[q] = H5Dopen2(f, p, H5P_DEFAULT)) < 0)
            ICS_FAIL(err, ICS_EIO, "%s.partial: missing %s", path, p);
    }
done:
    free(text);
    return st;
}

static ics_status unc_dataset(hid_t f, const ics_plan *plan, int u, int create, int64_t N, int b,
                              int compression, hid_t *pdsets, ics_error *err)
{
    char path[256];
    hid_t *ds = &pdsets[NPARAM * plan->k + u];
    snprintf(path, sizeof path, "/scenarios/parameters/%s/%s", ICS_UNC_GROUP,
             ics_unc_name(plan->unc_kind[u]));
    if (create) {
        const int64_t dims[2] = {N, 0};
        return ics_h5_dataset(f, path, 1, dims, chunk_rows(1, b), compression, ds, err);
    }
    if ((*ds = H5Dopen2(f, path, H5P_DEFAULT)) < 0)
        return ics_error_set(err, ICS_EIO, "missing %s", path);
    return ICS_OK;
}

/* Everything the block loop needs. */
typedef struct run_loop {
    const ics_plan *plan;
    const ics_model *m;
    const ics_aggset *as;
    const ics_static_agg *fast;
    const ics_dyn *dyn;
    ics_static_ws **ws;     /* [nslots] static workspaces, or NULL */
    ics_dyn_ws **dws;       /* [nslots] dynamic workspaces, or NULL */
    double **dagg;          /* [nslots] dynamic aggregates */
    double **mom;           /* [nslots] window moments, or NULL when not computed while running */
    const int64_t *pending; /* block ids still to compute */
    const int *store;
    const int64_t *width;
    const hid_t *dsets, *adsets, *pdsets, *mdsets;
    hid_t done_ds, dxpl;
    double *pbuf;
    int64_t N;
    int b, n, k, nthreads, nslots, dynamic;
    ics_stream_hist *sh;    /* histograms streamed with the blocks, or NULL */
    int64_t *trunc;         /* [k] draws at their domain's bounds in the blocks written (master
                               thread), or NULL when the run does not compute every block */
} run_loop;

static blockview view_of(const run_loop *L, int s)
{
    blockview v;
    memset(&v, 0, sizeof v);
    if (L->dynamic) {
        const ics_dyn_ws *w = L->dws[s];
        v.out[OUT_OUTPUT_CHANGE] = w->X, v.out[OUT_RECOVERY] = w->rec;
        v.out[OUT_PEAK] = w->peak, v.out[OUT_TRAJ] = w->traj;
        v.out[OUT_RECREG] = w->rec_region, v.out[OUT_UNMET] = w->unmet;
        v.agg = L->dagg[s], v.par[0] = w->Raw, v.par[1] = w->Occ;
        v.par[2] = w->Start, v.par[3] = w->Dur;
        v.unc = w->Unc, v.nunc = L->plan->nunc;
    } else {
        const ics_static_ws *w = L->ws[s];
        v.out[OUT_OUTPUT_CHANGE] = w->X, v.out[OUT_INOPERABILITY] = w->Q;
        v.agg = w->agg, v.par[0] = w->Raw, v.par[1] = w->Occ;
        v.unc = w->Unc, v.nunc = L->plan->nunc;
    }
    return v;
}

/* Compute block `blockid` into workspace slot s (any thread). */
static void compute_block(const run_loop *L, int64_t blockid, int s)
{
    const int64_t first = blockid * L->b;
    const int bb = (int)(first + L->b <= L->N ? L->b : L->N - first);
    if (L->dynamic) {
        ics_dyn_block(L->dyn, L->plan, L->m, first, bb, L->dws[s]);
        ics_kernel_aggregate(L->as->m, L->n, bb, L->as->Sx, L->dws[s]->X, L->dagg[s]);
    } else {
        ics_static_block(L->plan, L->m, L->as, L->fast, first, bb, L->ws[s]);
    }
    if (L->mom) {
        const blockview v = view_of(L, s);
        block_moments(&v, L->store, L->width, L->as, bb, L->mom[s]);
    }
    if (L->sh) {
        const blockview v = view_of(L, s);
        ics_stream_hist_block(L->sh, s, v.out, v.agg, bb);
    }
}

/* Write block `blockid` from workspace slot s (master thread). */
static ics_status write_slot(const run_loop *L, int64_t blockid, int s, ics_error *err)
{
    ics_status st = ICS_OK;
    const int64_t first = blockid * L->b;
    const int bb = (int)(first + L->b <= L->N ? L->b : L->N - first);
    const blockview v = view_of(L, s);
    ICS_TRY(write_block(L->dsets, L->adsets, L->pdsets, L->mdsets, L->store, L->width, L->as, L->k,
                        first, bb, &v, L->mom ? L->mom[s] : NULL, L->pbuf, L->dxpl, err));
    /* the flag goes last: a flagged block has all its rows on disk */
    ICS_TRY(ics_h5_write_u8(L->done_ds, blockid, 1, L->dxpl, err));
    if (L->trunc) ics_truncation_count(L->plan, v.par[0], bb, L->trunc);
done:
    return st;
}

/* The block loop of one rank: the scheduler (sched.c, ics_sched_run) keeps the workspace slots,
 * hands blocks to threads and calls these back. */
typedef struct run_cb {
    const run_loop *L;
    progress *pr;
    int64_t pending_scen;
} run_cb;

static void cb_compute(void *ctx, int64_t blockid, int slot)
{
    compute_block(((const run_cb *)ctx)->L, blockid, slot);
}

static ics_status cb_write(void *ctx, int64_t blockid, int slot, ics_error *err)
{
    return write_slot(((const run_cb *)ctx)->L, blockid, slot, err);
}

static void cb_progress(void *ctx, int64_t handed_blocks)
{
    const run_cb *c = ctx;
    const int64_t handed = handed_blocks * (int64_t)c->L->b;
    progress_show(c->pr, handed < c->pending_scen ? handed : c->pending_scen, 0);
}

static ics_status run_blocks(const run_loop *L, ics_sched *sched, progress *pr,
                             int64_t pending_scen, int64_t *nwritten, ics_error *err)
{
    run_cb c = {L, pr, pending_scen};
    const ics_sched_ops ops = {cb_compute, cb_write, pr->enabled ? cb_progress : NULL};
    return ics_sched_run(sched, L->nthreads, L->nslots, L->pending, &ops, &c, nwritten, err);
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
    hid_t fapl = H5I_INVALID_HID, dxpl = H5I_INVALID_HID, done_ds = H5I_INVALID_HID;
    hid_t dsets[OUT_COUNT], *pdsets = NULL, *adsets = NULL, *mdsets = NULL;
    double *pbuf = NULL, **mom = NULL;
    int64_t *trunc = NULL;
    ics_aggset *as = NULL;
    ics_static_ws **ws = NULL;
    ics_static_agg *fast = NULL;
    ics_dyn *dyn = NULL;
    ics_dyn_ws **dws = NULL;
    double **dagg = NULL;
    int64_t width[OUT_COUNT] = {0};
    int dynamic = 0;
    unsigned char *done_flags = NULL;
    int64_t *pending = NULL;
    int nthreads = 0, nws = 0, sched_live = 0, resuming = 0, with_mom = 0, layout_ok = 0;
    int64_t nwritten = 0;
    ics_sched sched;
    ics_out_lock *lock = NULL;
    ics_run_identity id;
    ics_stream_hist *sh = NULL;
    int store[OUT_COUNT] = {0};
    int n = 0, k = 0, b = 0;
    int64_t N = 0, nblocks = 0, npending = 0, truncated = 0;
    for (int i = 0; i < OUT_COUNT; ++i) dsets[i] = H5I_INVALID_HID;

    ICS_TRY(parse_args(argc, argv, &o, err));
    ctx->quiet = o.quiet;
    ics_stop_install(o.max_time);
    {
        /* ---- plan: everything that can fail on input fails here, before any file exists
         * (drivers/prepare.c, shared with validate) ---- */
        const ics_run_request rq = {o.config, o.out, o.scenarios, o.have_seed, o.seed, o.resume,
                                    o.no_space_check, o.force, o.table};
        ics_run_setup S;
        ICS_TRY(ics_run_prepare(ctx, &rq, &S, err));
        cfg = S.cfg, t = S.t, m = S.m, plan = S.plan, dyn = S.dyn, as = S.as;
        dynamic = S.dynamic;
        memcpy(store, S.store, sizeof store);
        memcpy(width, S.width, sizeof width);
    }
    const char *out = o.out ? o.out : cfg->output_file;
    {
        char partial[4096];
        snprintf(partial, sizeof partial, "%s.partial", out);
        if (o.resume) {
            resuming = access(partial, F_OK) == 0;
            if (!resuming && ctx->rank == 0 && !o.quiet)
                fprintf(stderr, "icstress: no partial result %s to resume; starting a new run\n", partial);
        }
    }

    n = t->n, k = plan->k;
    b = cfg->block_size;
    N = cfg->scenarios;
    nblocks = (N + b - 1) / b;
    /* the inputs are good: a partial of another run is refused before anything is touched
     * (not even a lock file), then this run becomes the output's only writer and checks the
     * partial again under the lock */
    ICS_TRY(ics_cli_run_identity(ctx, cfg->text, t, cfg->seed, N, b, &id, err));
    if (resuming) {
        int pre = resuming;
        ICS_TRY(ics_cli_resume_check(ctx, out, &id, 2, &pre, err));
    }
    ICS_TRY(ics_output_lock(ctx, out, o.force, &lock, err));
    ICS_TRY(ics_cli_resume_check(ctx, out, &id, o.quiet, &resuming, err));

    ics_warn_blas_core(ctx);
    ics_sysinfo si;
    ics_sysinfo_get(&si);
    char created[32], blas[256];
    ics_iso_now(created, sizeof created);
    MPI_Bcast(created, sizeof created, MPI_CHAR, 0, MPI_COMM_WORLD);
    ics_sysinfo_blas_string(&si, blas, sizeof blas);
    nthreads = omp_get_max_threads();
    if (ctx->rank == 0 && !o.quiet)
        fprintf(stderr, "icstress: %s model, table %s (%d nodes), %lld scenarios in %lld blocks of %d, "
                "%d rank(s) x %d thread(s), %s\n", ics_model_name(cfg->model), t->source, n,
                (long long)N, (long long)nblocks, b, ctx->size, nthreads, blas);

    /* ---- the output file (collective) ---- */
    fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
    dxpl = H5Pcreate(H5P_DATASET_XFER);
    /* one process: collective is trivially possible, and compressed datasets need it */
    H5Pset_dxpl_mpio(dxpl, cfg->compression > 0 ? H5FD_MPIO_COLLECTIVE : H5FD_MPIO_INDEPENDENT);
    ICS_ALLOC(pdsets, NPARAM * (k ? k : 1) + ICS_UNC_MAX, err, "parameter datasets");
    for (int s = 0; s < NPARAM * (k ? k : 1) + ICS_UNC_MAX; ++s) pdsets[s] = H5I_INVALID_HID;
    ICS_ALLOC(adsets, as->nout, err, "aggregate datasets");
    for (int a = 0; a < as->nout; ++a) adsets[a] = H5I_INVALID_HID;
    /* window moments while computing, when blocks are made of whole windows */
    with_mom = b % ICS_STATS_WINDOW == 0;
    ICS_ALLOC(mdsets, OUT_COUNT + as->nout, err, "moment datasets");
    for (int q = 0; q < OUT_COUNT + as->nout; ++q) mdsets[q] = H5I_INVALID_HID;
    if (resuming && ics_h5_open_partial(out, fapl, &h5, err) != ICS_OK) {
        /* killed before its layout reached the disk: it holds no finished block */
        if (ctx->rank == 0 && !o.quiet)
            fprintf(stderr, "icstress: warning: %s.partial is unreadable (killed before its first "
                    "flush?); it holds no finished block, starting a new run\n", out);
        ics_error_clear(err);
        resuming = 0;
    }
    if (resuming) {
        ICS_TRY(open_layout(h5->file, out, cfg, plan, as, store, N, b, dsets, adsets, pdsets,
                            with_mom ? mdsets : NULL, &done_ds, err));
        int64_t cnt = 0;
        ICS_TRY(ics_h5_read_u8(h5->file, "/progress/block_done", &done_flags, &cnt, err));
        if (cnt != nblocks) ICS_FAIL(err, ICS_EINPUT, "%s.partial: cannot resume: %lld blocks recorded, %lld expected", out, (long long)cnt, (long long)nblocks);
    } else {
        ICS_TRY(ics_agree(ics_h5_create(out, fapl, &h5, err), err));
        ICS_TRY(ics_agree(create_layout(ctx, h5->file, cfg, t, plan, as, store, width, N, b,
                                        nblocks, blas, created, dsets, adsets, pdsets,
                                        with_mom ? mdsets : NULL, &done_ds, err), err));
        ICS_TRY(ics_agree(ics_run_identity_write(h5->file, &id, err), err));
        ICS_ALLOC(done_flags, nblocks, err, "progress flags");
    }
    /* metadata on disk before any block is written: a kill from here on leaves a resumable file */
    ICS_TRY(ics_agree(H5Fflush(h5->file, H5F_SCOPE_GLOBAL) < 0
                          ? ics_h5_fail(err, ICS_EIO, h5->file, NULL, "cannot write the layout")
                          : ICS_OK, err));
    layout_ok = 1;

    ICS_ALLOC(pending, nblocks ? nblocks : 1, err, "the block list");
    int64_t pending_scen = 0;
    for (int64_t bl = 0; bl < nblocks; ++bl)
        if (!done_flags[bl]) {
            pending[npending++] = bl;
            pending_scen += (bl + 1) * b <= N ? b : N - bl * b;
        }
    if (resuming && ctx->rank == 0 && !o.quiet)
        fprintf(stderr, "icstress: resuming %s.partial: %lld of %lld blocks already done and reused, "
                "%lld to compute\n", out, (long long)(nblocks - npending), (long long)nblocks,
                (long long)npending);

    if (!dynamic && cfg->fast_aggregates && !store[OUT_OUTPUT_CHANGE] && !store[OUT_INOPERABILITY])
        ICS_TRY(ics_static_agg_create(plan, m, as, &fast, err));
    /* 2T - 1 workspace slots (see run_blocks): 2 (T - 1) blocks with the other threads, one
     * with the master thread */
    nws = 2 * nthreads - 1;
    if (dynamic) {
        ICS_ALLOC(dws, nws, err, "workspaces");
        ICS_ALLOC(dagg, nws, err, "workspaces");
        for (int th = 0; th < nws; ++th) {
            ICS_TRY(ics_dyn_ws_create(dyn, b, store[OUT_TRAJ], &dws[th], err));
            dws[th]->cancel = ics_stop_cancel_flag();
            ICS_ALLOC(dagg[th], (size_t)as->m * b, err, "aggregates");
        }
    } else {
        ICS_ALLOC(ws, nws, err, "workspaces");
        for (int th = 0; th < nws; ++th)
            ICS_TRY(ics_static_ws_create(plan, as, b, fast == NULL, &ws[th], err));
    }
    if (with_mom) {
        size_t len = 0;
        for (int q = 0; q < OUT_COUNT + as->nout; ++q)
            if (stats_on(store, q))
                len += (size_t)(b / ICS_STATS_WINDOW) * stats_width(width, as, q) *
                       ICS_WINDOW_FIELDS;
        ICS_ALLOC(mom, nws, err, "window moments");
        for (int th = 0; th < nws; ++th) ICS_ALLOC(mom[th], len ? len : 1, err, "window moments");
    }
    {
        int maxw = 1;
        for (int a = 0; a < as->nout; ++a)
            if (as->out[a].width > maxw) maxw = as->out[a].width;
        ICS_ALLOC(pbuf, (size_t)maxw * b, err, "a write buffer");
    }

    /* a resumed run has blocks it did not compute: the finalization histograms the file, and
     * the truncated draws are counted from it */
    if (npending == nblocks) {
        ICS_TRY(ics_stream_hist_create(as, store, width, nws, &sh, err));
        ICS_ALLOC(trunc, k ? k : 1, err, "truncation counts");
    }
    if (ics_sched_create(&sched, npending, MPI_COMM_WORLD) != MPI_SUCCESS)
        ICS_FAIL(err, ICS_EINTERNAL, "cannot create the MPI block counter");
    sched_live = 1;
    progress pr = {ctx->rank == 0 && !o.quiet, isatty(2), MPI_Wtime(), MPI_Wtime(), pending_scen};
    const double t0 = MPI_Wtime();
    /* Threading policy: every thread computes blocks (single-threaded BLAS), the others as
     * OpenMP tasks; the master thread also writes each block once it is done (only the master
     * calls HDF5 and MPI: MPI_THREAD_FUNNELED). See run_blocks. */
    {
        const run_loop L = {plan, m, as, fast, dyn, ws, dws, dagg, mom, pending, store, width,
                            dsets, adsets, pdsets, mdsets, done_ds, dxpl, pbuf, N, b, n, k,
                            nthreads, nws, dynamic, sh, trunc};
        ICS_TRY(ics_agree(run_blocks(&L, &sched, &pr, pending_scen, &nwritten, err), err));
    }
    MPI_Allreduce(MPI_IN_PLACE, &nwritten, 1, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    const double compute_s = MPI_Wtime() - t0;
    ctx->run_compute_s = compute_s;
    ctx->run_loop_cpu_s = sched.cpu_busiest_s;
    ics_sched_destroy(&sched);
    sched_live = 0;

    /* ---- close the parallel file, then finalize it (statistics shared out over the ranks) ---- */
    for (int q = 0; q < OUT_COUNT; ++q)
        if (dsets[q] >= 0) H5Dclose(dsets[q]), dsets[q] = H5I_INVALID_HID;
    for (int s = 0; s < NPARAM * k + ICS_UNC_MAX; ++s)
        if (pdsets[s] >= 0) H5Dclose(pdsets[s]), pdsets[s] = H5I_INVALID_HID;
    for (int a = 0; a < as->nout; ++a)
        if (adsets[a] >= 0) H5Dclose(adsets[a]), adsets[a] = H5I_INVALID_HID;
    for (int q = 0; q < OUT_COUNT + as->nout; ++q)
        if (mdsets[q] >= 0) H5Dclose(mdsets[q]), mdsets[q] = H5I_INVALID_HID;
    H5Dclose(done_ds), done_ds = H5I_INVALID_HID;
    ICS_TRY(ics_h5_finish(&h5, 0, err));
    MPI_Barrier(MPI_COMM_WORLD);
    if (nwritten < npending) { /* stopped early on some rank: the partial keeps what is done */
        char why[32];
        if (pr.enabled && pr.tty) fputc('\n', stderr);
        ICS_FAIL(err, ICS_EINTERRUPTED, "run stopped by %s with %lld of %lld blocks done; "
                 "%s.partial keeps them: continue with icstress run %s -o %s --resume",
                 ics_stop_reason(why, sizeof why), (long long)(nblocks - npending + nwritten),
                 (long long)nblocks, out, o.config, out);
    }
    if (trunc) MPI_Allreduce(MPI_IN_PLACE, trunc, k, MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD);
    ICS_TRY(ics_truncation_record(out, cfg, plan, N, trunc, &truncated, err));
    if (pr.enabled) progress_show(&pr, pending_scen, 1);
    {
        /* node outputs get moments; the regional recovery times and unmet demand, full
         * statistics like the aggregates; trajectories none */
        const char *node_names[4], *full_names[2];
        int nnode = 0, nfull = 0;
        const int node_outs[4] = {OUT_OUTPUT_CHANGE, OUT_INOPERABILITY, OUT_RECOVERY, OUT_PEAK};
        for (int q = 0; q < 4; ++q)
            if (store[node_outs[q]]) node_names[nnode++] = out_names[node_outs[q]];
        if (store[OUT_RECREG]) full_names[nfull++] = out_names[OUT_RECREG];
        if (store[OUT_UNMET]) full_names[nfull++] = out_names[OUT_UNMET];
        ics_finalize_info fi = {out, t, as, cfg->model, node_names, nnode, full_names, nfull,
                                with_mom, nblocks - npending, compute_s,
                                ctx->rank != 0 || ctx->quiet, cfg->steps_per_year, ctx->argc,
                                ctx->argv, NULL};
        if (sh) fi.hist = ics_stream_hist_finish(sh, as->nout + nfull + nnode);
        ICS_TRY((ics_status)ics_finalize_run(&fi, err));
    }
    if (ctx->rank == 0 && !o.quiet && truncated > 0)
        printf("  truncated: %lld draws clipped to their parameter's physical domain (attributes "
               "truncated_draws, /scenarios/parameters/<shock>/<parameter>.truncated)\n",
               (long long)truncated);
    {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        long rss_kb = ru.ru_maxrss, rss_max = 0;
        MPI_Reduce(&rss_kb, &rss_max, 1, MPI_LONG, MPI_MAX, 0, MPI_COMM_WORLD);
        if (ctx->rank == 0 && !o.quiet)
            fprintf(stderr, "icstress: %lld scenarios computed in %.3g s (%.4g scenarios/s, %d rank(s) x "
                    "%d thread(s)); peak RSS %.1f MiB per rank\n", (long long)pending_scen, compute_s,
                    compute_s > 0 ? (double)pending_scen / compute_s : 0.0, ctx->size, nthreads,
                    (double)rss_max / 1024.0);
    }
done:
    if (sched_live) ics_sched_destroy(&sched);
    for (int q = 0; q < OUT_COUNT; ++q)
        if (dsets[q] >= 0) H5Dclose(dsets[q]);
    if (pdsets)
        for (int s = 0; s < NPARAM * k + ICS_UNC_MAX; ++s)
            if (pdsets[s] >= 0) H5Dclose(pdsets[s]);
    if (adsets)
        for (int a = 0; a < as->nout; ++a)
            if (adsets[a] >= 0) H5Dclose(adsets[a]);
    if (mdsets)
        for (int q = 0; q < OUT_COUNT + as->nout; ++q)
            if (mdsets[q] >= 0) H5Dclose(mdsets[q]);
    free(mdsets);
    if (done_ds >= 0) H5Dclose(done_ds);
    /* A failed fresh run removes its partial file when the input was wrong or its layout is not
     * complete (no block to keep); otherwise, and after a failed resume, it stays to resume. */
    ics_h5_abort(&h5, ctx->rank == 0 && !resuming && (st == ICS_EINPUT || !layout_ok));
    ics_output_unlock(&lock);
    if (fapl >= 0) H5Pclose(fapl);
    if (dxpl >= 0) H5Pclose(dxpl);
    if (ws)
        for (int th = 0; th < nws; ++th) ics_static_ws_destroy(&ws[th]);
    free(ws);
    if (dws)
        for (int th = 0; th < nws; ++th) ics_dyn_ws_destroy(&dws[th]);
    if (dagg)
        for (int th = 0; th < nws; ++th) free(dagg[th]);
    if (mom)
        for (int th = 0; th < nws; ++th) free(mom[th]);
    free(mom);
    free(dws);
    free(dagg);
    ics_dyn_destroy(&dyn);
    ics_static_agg_destroy(&fast);
    ics_stream_hist_destroy(&sh);
    free(adsets);
    ics_aggset_destroy(&as);
    free(pdsets); free(pbuf); free(done_flags); free(pending); free(trunc);
    ics_plan_destroy(&plan);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
    ics_config_destroy(&cfg);
    ics_stop_uninstall(st == ICS_EINTERRUPTED);
    return ics_status_exit_code(st);
}
