/* The planning phase of `icstress run` (see ics_prepare.h), shared with `icstress validate`, so
 * that validate refuses exactly what run refuses. It ends with the size estimate: a run whose
 * datasets do not fit on the output's file system, or whose workspaces do not fit in memory, is
 * refused before any file exists (docs/config.md, "Size limits"). */
#include "ics_prepare.h"
#include "ics_finalstats.h"
#include "ics_sysinfo.h"

#include <errno.h>
#include <libgen.h>
#include <mpi.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

const char *ics_fmt_bytes(double bytes, char *buf, unsigned len)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    int u = 0;
    while (bytes >= 1024.0 && u < 6) bytes /= 1024.0, ++u;
    snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", bytes, unit[u]);
    return buf;
}

void ics_run_setup_free(ics_run_setup *s)
{
    ics_dyn_destroy(&s->dyn);
    ics_aggset_destroy(&s->as);
    ics_plan_destroy(&s->plan);
    ics_model_destroy(&s->m);
    ics_table_destroy(&s->t);
    ics_config_destroy(&s->cfg);
}

/* Available memory of this node: MemAvailable from /proc/meminfo, else the free pages. */
static double mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    double kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1) break;
    if (f) fclose(f);
    if (kb >= 0) return kb * 1024.0;
    const long pages = sysconf(_SC_AVPHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    return pages > 0 && psz > 0 ? (double)pages * (double)psz : -1;
}

/* Free space for an unprivileged writer at the directory of `out`. */
static double disk_free(const char *out)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", out);
    struct statvfs sv;
    if (statvfs(dirname(buf), &sv) != 0) return -1;
    return (double)sv.f_bavail * (double)sv.f_frsize;
}

/* Static models on small tables keep the explicit inverses L and G: one DGEMM per block runs at
 * the roofline, while two triangular solves at n = 136 reach only 0.65-0.85 of it (issue 17,
 * docs/performance.md). Forming them costs about 2 n^3 flops and 16 n^2 bytes, nothing at
 * n <= 1,024; large tables solve with the LU factors. The choice depends on the table alone, so
 * results stay the same for any number of processes and threads. */
#define ICS_SMALL_TABLE_INVERSE_N 1024
static unsigned small_table_inverse(const ics_config *cfg, int n)
{
    const int is_static = cfg->model == ICS_MODEL_LEONTIEF || cfg->model == ICS_MODEL_GHOSH ||
                          cfg->model == ICS_MODEL_IIM;
    return is_static && n <= ICS_SMALL_TABLE_INVERSE_N ? ICS_MODEL_NEED_INV : 0u;
}

/* Bytes of every dataset of the result file, and the peak memory of one rank. Doubles: the
 * counts can exceed 2^64 for absurd inputs, and an estimate needs no exactness. */
static void estimate(const ics_run_setup *s, int nthreads, ics_run_estimate *e)
{
    const ics_config *cfg = s->cfg;
    const double N = (double)cfg->scenarios, b = cfg->block_size, n = s->t->n;
    const double k = s->plan->k, nblocks = (N + b - 1) / b;
    const int with_mom = cfg->block_size % ICS_STATS_WINDOW == 0;
    double row = 0, stat_cols = 0, maxw = 1;
    for (int q = 0; q < OUT_COUNT; ++q)
        if (s->store[q]) {
            row += (double)s->width[q];
            if (q != OUT_TRAJ) stat_cols += (double)s->width[q];
        }
    for (int a = 0; a < s->as->nout; ++a) {
        row += s->as->out[a].width;
        stat_cols += s->as->out[a].width;
        if (s->as->out[a].width > maxw) maxw = s->as->out[a].width;
    }
    double params = 0;
    for (int j = 0; j < s->plan->k; ++j)
        params += 1.0 + (s->plan->probability[j] < 1.0) + (s->plan->dim_start[j] >= 0) +
                  (s->plan->dim_dur[j] >= 0);
    const double windows = (N + ICS_STATS_WINDOW - 1) / ICS_STATS_WINDOW;
    /* per scenario rows, window moments, progress flags, statistics (a few hundred numbers per
     * column: moments, quantiles, risk measures, exceedance curve) and /table */
    e->output_bytes = 8.0 * N * (row + params) +
                      (with_mom ? 8.0 * windows * stat_cols * ICS_WINDOW_FIELDS : 0) + nblocks +
                      8.0 * 512 * stat_cols + 8.0 * (n * n + n * (s->t->ny + 4));
    /* memory: the table and its factors (Z, A, the LU factors, B when used), the workspaces,
     * window moments and the write buffer per slot, and the block lists */
    e->threads = nthreads;
    e->nws = 2 * nthreads - 1;
    double ws;
    if (s->dynamic) {
        ws = 8.0 * b * (5 * k + 6 * n + s->t->nreg + 1 + s->as->m) +
             (s->store[OUT_TRAJ] ? 8.0 * b * (double)s->width[OUT_TRAJ] : 0);
        if (s->dyn && s->dyn->ops->ws_bytes)
            ws += (double)s->dyn->ops->ws_bytes(s->dyn, cfg->block_size);
    } else {
        ws = 8.0 * b * (3 * k + n * (2 + s->store[OUT_INOPERABILITY]) + s->as->m) +
             (double)ics_plan_workspace_bytes(s->plan, cfg->block_size);
    }
    if (with_mom) ws += 8.0 * (b / ICS_STATS_WINDOW) * stat_cols * ICS_WINDOW_FIELDS;
    e->memory_bytes = 8.0 * (2 + (s->m->A != NULL) + (s->m->B != NULL) + 2 * (s->m->L != NULL)) * n * n +
                      e->nws * ws + 8.0 * maxw * b + 9.0 * nblocks;
}

/* Compare the estimate with the free space and memory; ICS_EINPUT (or a warning) when it does
 * not fit. */
static ics_status check_space(const ics_ctx *ctx, const ics_run_request *rq, ics_run_setup *s,
                              ics_error *err)
{
    ics_run_estimate *e = &s->est;
    char b1[32], b2[32], b3[32];
    char partial[4096];
    struct stat sb;
    e->partial_bytes = 0;
    snprintf(partial, sizeof partial, "%s.partial", s->out);
    /* HDF5 allocates chunks as they are written: a partial's size is already used */
    if (rq->resume && stat(partial, &sb) == 0) e->partial_bytes = (double)sb.st_size;
    e->disk_free = disk_free(s->out);
    e->mem_available = mem_available();
    e->ranks_per_node = 1;
    {
        MPI_Comm node;
        if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) ==
            MPI_SUCCESS) {
            MPI_Comm_size(node, &e->ranks_per_node);
            MPI_Comm_free(&node);
        }
    }
    const double need_disk = e->output_bytes - e->partial_bytes;
    const double need_mem = e->memory_bytes * e->ranks_per_node;
    const char *what = NULL;
    char msg[512];
    if (e->disk_free >= 0 && need_disk > e->disk_free) {
        snprintf(msg, sizeof msg, "%s: %lld scenarios need about %s of output, but the file system of %s has %s free "
                 "(store fewer outputs in output.store, lower scenarios, free space, or pass "
                 "--no-space-check)", s->cfg->path, (long long)s->cfg->scenarios,
                 ics_fmt_bytes(need_disk, b1, sizeof b1), s->out,
                 ics_fmt_bytes(e->disk_free, b2, sizeof b2));
        what = msg;
    } else if (e->mem_available >= 0 && need_mem > e->mem_available) {
        snprintf(msg, sizeof msg, "%s: the run needs about %s of memory per rank (%d rank(s) on this "
                 "node, %d workspace(s) of block_size %d), but %s is available (lower block_size or "
                 "OMP_NUM_THREADS, lower scenarios, or pass --no-space-check)", s->cfg->path,
                 ics_fmt_bytes(e->memory_bytes, b1, sizeof b1), e->ranks_per_node, e->nws,
                 s->cfg->block_size, ics_fmt_bytes(e->mem_available, b3, sizeof b3));
        what = msg;
    }
    if (!what) return ICS_OK;
    if (!rq->no_space_check) return ics_error_set(err, ICS_EINPUT, "%s", what);
    if (ctx->rank == 0) fprintf(stderr, "icstress: warning: %s\n", what);
    return ICS_OK;
}

/* --table TABLE (issue 15): run the config on another table, e.g. builtin_world; the path is
 * taken as given (relative to the working directory, not to the config). */
static ics_status ics_run_override_table(ics_config *cfg, const char *table, ics_error *err)
{
    char *t = ics_strdup(table, err);
    if (!t) return ICS_ENOMEM;
    free(cfg->table);
    cfg->table = t;
    return ICS_OK;
}

/* Whether the run reads A (core/ensemble: the coefficient and trade-restriction shocks, the
 * dynamic models); without it the model keeps only the LU factors (ICS_MODEL_NO_A). */
static int ics_run_reads_a(const ics_config *cfg)
{
    if (cfg->model != ICS_MODEL_LEONTIEF && cfg->model != ICS_MODEL_GHOSH &&
        cfg->model != ICS_MODEL_IIM)
        return 1;
    for (int s = 0; s < cfg->nshocks; ++s)
        if (cfg->shocks[s].type == ICS_SHOCK_COEFFICIENT ||
            cfg->shocks[s].type == ICS_SHOCK_TRADE_RESTRICTION)
            return 1;
    return 0;
}

ics_status ics_run_prepare(const ics_ctx *ctx, const ics_run_request *rq, ics_run_setup *s,
                           ics_error *err)
{
    ics_status st = ICS_OK;
    memset(s, 0, sizeof *s);
    ICS_TRY(ics_config_load(rq->config, &s->cfg, err));
    ics_config *cfg = s->cfg;
    if (rq->scenarios > 0) cfg->scenarios = rq->scenarios;
    if (rq->have_seed) cfg->seed = rq->seed;
    if (rq->table) ICS_TRY(ics_run_override_table(cfg, rq->table, err));
    s->out = rq->out ? rq->out : cfg->output_file;
    /* the output checked before any computation (drivers/output_guard.c): not an input, a
     * usable path, no result there unless --force */
    ICS_TRY(ics_output_guard(ctx, s->out, cfg->path, cfg->table, rq->force, err));

    /* ---- plan: everything that can fail on input fails here, before any file exists ----
     * BLAS runs single-threaded from here on; the factorisation is threaded by OpenMP over
     * fixed column chunks (core/models/model.c), so that it is bitwise the same whatever the
     * number of threads or processes (OpenBLAS's threaded LU changes the last bits). */
    ics_blas_set_threads(1);
    ICS_TRY(ics_table_load(cfg->table, &s->t, err));
    ics_validate_opts vopts = ICS_VALIDATE_DEFAULTS;
    vopts.balance_rtol = cfg->balance_rtol;
    ics_validate_report rep;
    ICS_TRY(ics_table_validate(s->t, &vopts, &rep, err));
    /* the LU factors, not the inverses (the run solves); B only for the models that use it.
     * The factorisation runs on this process's OpenMP threads, bitwise the same for any count */
    ICS_TRY(ics_model_create_for(s->t, (cfg->model == ICS_MODEL_LEONTIEF ? 0u : ICS_MODEL_NEED_B) |
                                           small_table_inverse(cfg, s->t->n) |
                                           (ics_run_reads_a(cfg) ? 0u : ICS_MODEL_NO_A),
                                 &s->m, err));
    ICS_TRY(ics_plan_create(cfg, s->t, s->m, &s->plan, err));
    /* The aggregates are always stored: statistics are computed exactly from them. */
    s->dynamic = cfg->model == ICS_MODEL_DIIM || cfg->model == ICS_MODEL_ARIO;
    for (int j = 0; j < cfg->nstore; ++j) {
        int found = -1;
        for (int q = 0; q < OUT_COUNT; ++q)
            if (!strcmp(cfg->store[j], out_names[q])) found = q;
        if (!strcmp(cfg->store[j], "output_loss_by_region")) s->by_region = 1;
        if (!strcmp(cfg->store[j], "output_loss_by_segment")) s->by_segment = 1;
        if (found < 0) continue; /* the aggregates */
        if (found == OUT_INOPERABILITY && cfg->model != ICS_MODEL_IIM)
            ICS_FAIL(err, ICS_EINPUT, "%s: output.store: 'inoperability' needs model iim (this "
                     "config uses %s; the dynamic models store 'trajectory')", cfg->path,
                     ics_model_name(cfg->model));
        if (!s->dynamic && (found == OUT_RECOVERY || found == OUT_PEAK || found == OUT_TRAJ))
            ICS_FAIL(err, ICS_EINPUT, "%s: output.store: '%s' is only produced by the dynamic "
                     "models (diim, ario)", cfg->path, cfg->store[j]);
        s->store[found] = 1;
    }
    if (s->dynamic) {
        s->store[OUT_RECREG] = 1;
        s->store[OUT_UNMET] = cfg->model == ICS_MODEL_ARIO;
        ICS_TRY(ics_dyn_create(cfg, s->t, s->m, s->plan, &s->dyn, err));
    }
    s->width[OUT_OUTPUT_CHANGE] = s->width[OUT_INOPERABILITY] = s->width[OUT_RECOVERY] = s->t->n;
    s->width[OUT_PEAK] = s->t->n;
    s->width[OUT_TRAJ] = (int64_t)s->t->n * (cfg->horizon + 1);
    s->width[OUT_RECREG] = s->t->nreg;
    s->width[OUT_UNMET] = 1;
    ICS_TRY(ics_aggset_create(cfg, s->t, s->m, s->by_region, s->by_segment, &s->as, err));
    ICS_TRY(ics_cli_check_output_path(s->out, err));
    if (cfg->compression > 0 && ctx->size > 1)
        ICS_FAIL(err, ICS_EINPUT, "%s: output.compression needs a single process: parallel HDF5 "
                 "1.10 writes compressed datasets only collectively, and icstress ranks write their "
                 "blocks independently (run without mpirun, or set compression: 0)", cfg->path);
    /* ---- size: the output on disk and the workspaces in memory ---- */
    estimate(s, omp_get_max_threads(), &s->est);
    ICS_TRY(check_space(ctx, rq, s, err));
done:
    if (st != ICS_OK) ics_run_setup_free(s);
    return st;
}
