/* `icstress bench [--quick] [--json FILE] [--cases LIST]`: the benchmark suite of issue 7.
 *
 * Every case is timed on all ranks and all OpenMP threads at once, the way `icstress run` works
 * (each thread computes its own block with single-threaded BLAS), and set against a reference
 * measured in the same run on the same shape: a plain cblas_dgemm for the compute cases, the
 * propagation-only rate for the pipeline, the naive per-scenario LU for coefficient shocks, the
 * disk's own sequential write()+fsync speed for HDF5 output. Rates are summed over threads and
 * ranks; each figure is the best of 3 repeats with the two sides interleaved and their order
 * swapped, so a slow phase of a shared machine hits both. Rank 0 prints a table and appends one
 * JSON object per case (docs/performance.md lists the fields). */
#define _POSIX_C_SOURCE 200809L

#include "ics_bench_cmd.h"
#include "ics_options.h"
#include "ics_bench_large.h"
#include "ics_bench_whole.h"
#include "ics_bench_threads.h"
#include "ics_aggregate.h"
#include "ics_ario_internal.h"
#include "ics_config.h"
#include "ics_dynamic.h"
#include "ics_h5.h"
#include "ics_kernels.h"
#include "ics_model.h"
#include "ics_pipeline.h"
#include "ics_scenario.h"
#include "ics_shocks.h"
#include "ics_sysinfo.h"
#include "ics_table.h"

#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <mpi.h>
#include <stdarg.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

enum { C_PROP = 1, C_PIPE = 2, C_DIIM = 4, C_ARIO = 8, C_COEF = 16, C_H5 = 32, C_ALL = 63,
       C_LARGE = 64 /* only when asked for: minutes at n = 8,000 (drivers/bench_large.c) */ };
static const char *const case_names[] = {"propagate", "pipeline", "diim", "ario", "coefficient",
                                         "hdf5", "large"};
enum { REPEATS = 5, STEPS = 26 };

typedef struct bench {
    const ics_ctx *ctx;
    int quick, nth;
    double min_time;
    FILE *json;           /* rank 0 only */
    ics_sysinfo si;
    char blas[256], stamp[32], tmpdir[256];
    double prop136;       /* propagation-only scenarios/s, built-in table, b = 1024 (all workers) */
    int met, missed;
} bench;

/* One result row. Values < 0 are "not applicable" (JSON null). */
typedef struct rec {
    const char *name;
    int n, block;
    double sps, gflops, dgemm, ratio;
    const char *vs;       /* what `ratio` is measured against */
    double target;        /* the target for ratio (0: none) */
    char extra[1024];     /* further JSON members, each starting with ", " */
} rec;

static void xappend(rec *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void xappend(rec *r, const char *fmt, ...)
{
    const size_t len = strlen(r->extra);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->extra + len, sizeof r->extra - len, fmt, ap);
    va_end(ap);
}

static void json_str(FILE *f, const char *key, const char *s)
{
    fprintf(f, ", \"%s\": \"", key);
    for (; *s; ++s) {
        const unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
        else if (ch < 0x20) fprintf(f, "\\u%04x", ch);
        else fputc(ch, f);
    }
    fputc('"', f);
}

static void json_num(FILE *f, const char *key, double v)
{
    if (v >= 0.0 && isfinite(v)) fprintf(f, ", \"%s\": %.6g", key, v);
    else fprintf(f, ", \"%s\": null", key);
}

static double peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    long kb = ru.ru_maxrss, mx = 0;
    MPI_Allreduce(&kb, &mx, 1, MPI_LONG, MPI_MAX, MPI_COMM_WORLD);
    return (double)mx / 1024.0;
}

static void emit(bench *B, const rec *r)
{
    const double rss = peak_rss_mib();
    if (B->ctx->rank != 0) return;
    char tgt[16] = "", ok[16] = "";
    if (r->target > 0) {
        snprintf(tgt, sizeof tgt, ">= %g", r->target);
        const int met = r->ratio >= r->target;
        snprintf(ok, sizeof ok, "%s", met ? "met" : "MISSED");
        if (met) ++B->met;
        else ++B->missed;
    }
    char sps[16] = "-", gf[16] = "-", dg[16] = "-", ra[16] = "-";
    if (r->sps >= 0) snprintf(sps, sizeof sps, "%.4g", r->sps);
    if (r->gflops >= 0) snprintf(gf, sizeof gf, "%.2f", r->gflops);
    if (r->dgemm >= 0) snprintf(dg, sizeof dg, "%.2f", r->dgemm);
    if (r->ratio >= 0) snprintf(ra, sizeof ra, "%.3f", r->ratio);
    /* every compute case does at least its reference DGEMM's work, so a ratio well above 1 means
     * the reference was slowed by something else on the machine */
    const int noisy = (r->dgemm > 0 && r->gflops > 1.25 * r->dgemm) ||
                      (!strncmp(r->name, "propagate", 9) && r->ratio < 0.8); /* it IS the DGEMM */
    printf("%-22s %5d %5d %12s %8s %8s %7s %-12s %-6s %s%s\n", r->name, r->n, r->block, sps, gf, dg,
           ra, r->vs, tgt, ok, noisy ? " (noisy: machine busy, repeat the run)" : "");
    fflush(stdout);
    if (!B->json) return;
    FILE *f = B->json;
    fprintf(f, "{\"case\": \"%s\", \"n\": %d, \"block\": %d", r->name, r->n, r->block);
    json_num(f, "scenarios_per_s", r->sps);
    json_num(f, "gflops", r->gflops);
    json_num(f, "dgemm_gflops", r->dgemm);
    json_num(f, "ratio", r->ratio);
    json_str(f, "ratio_vs", r->vs);
    json_num(f, "target", r->target > 0 ? r->target : -1);
    if (r->target > 0) fprintf(f, ", \"target_met\": %s", r->ratio >= r->target ? "true" : "false");
    json_str(f, "blas_core", B->si.blas_core);
    json_str(f, "blas", B->blas);
    json_str(f, "openblas_coretype", B->si.coretype_env);
    fprintf(f, ", \"ranks\": %d, \"threads\": %d, \"blas_threads\": 1", B->ctx->size, B->nth);
    json_str(f, "machine", B->si.cpu_model);
    json_num(f, "peak_rss_mib", rss);
    json_str(f, "commit", ics_git_commit);
    json_str(f, "timestamp", B->stamp);
    fprintf(f, ", \"quick\": %s, \"noisy\": %s%s}\n", B->quick ? "true" : "false",
            noisy ? "true" : "false", r->extra);
    fflush(f);
}

/* ---- timing ---- */

typedef void (*task_fn)(void *arg, int tid);

/* Task calls per second summed over the threads of every rank: all threads of all ranks run fn
 * at once, repeatedly, until min_time has passed (at least once). */
static double par_rate(task_fn fn, void *arg, int nth, double min_time)
{
    MPI_Barrier(MPI_COMM_WORLD);
    long calls = 0;
    const double t0 = MPI_Wtime();
    double el;
    do {
#pragma omp parallel num_threads(nth)
        fn(arg, omp_get_thread_num());
        ++calls;
        el = MPI_Wtime() - t0;
    } while (el < min_time);
    double r = (double)calls * nth / el, sum = 0.0;
    MPI_Allreduce(&r, &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    return sum;
}

/* Best of REPEATS for two tasks, interleaved, order swapped each repeat. */
static void best_pair(const bench *B, task_fn fa, void *a, task_fn fb, void *b, double *ra,
                      double *rb)
{
    *ra = *rb = 0.0;
    for (int r = 0; r < REPEATS; ++r) {
        double x, y;
        if (r % 2 == 0) x = par_rate(fa, a, B->nth, B->min_time), y = par_rate(fb, b, B->nth, B->min_time);
        else y = par_rate(fb, b, B->nth, B->min_time), x = par_rate(fa, a, B->nth, B->min_time);
        if (x > *ra) *ra = x;
        if (y > *rb) *rb = y;
    }
}

static uint64_t sm64(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double u01(uint64_t *s) { return (double)(sm64(s) >> 11) * 0x1.0p-53; }

/* A plain DGEMM m x k times k x nc, one per thread. */
typedef struct gemm_task {
    int m, nc, k;
    const double *A;
    double **Bm, **Cm;
} gemm_task;
static void run_gemm(void *arg, int tid)
{
    const gemm_task *g = arg;
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, g->m, g->nc, g->k, 1.0, g->A, g->m,
                g->Bm[tid], g->k, 0.0, g->Cm[tid], g->m);
}

static double **per_thread(int nth, size_t count, uint64_t seed, double scale)
{
    double **v = calloc((size_t)nth, sizeof *v);
    if (!v) return NULL;
    for (int t = 0; t < nth; ++t) {
        v[t] = malloc(sizeof(double) * (count ? count : 1));
        if (!v[t]) return NULL; /* leaks on a failure we then report as out of memory */
        uint64_t s = seed + (uint64_t)t;
        for (size_t q = 0; q < count; ++q) v[t][q] = scale * (u01(&s) - 0.25);
    }
    return v;
}
static void free_pt(double **v, int nth)
{
    if (!v) return;
    for (int t = 0; t < nth; ++t) free(v[t]);
    free(v);
}

/* ---- static propagation ---- */

typedef struct prop_task {
    int n, b;
    const double *L;
    double **Y, **X;
} prop_task;
static void run_prop(void *arg, int tid)
{
    const prop_task *p = arg;
    ics_kernel_leontief(p->n, p->b, p->L, p->Y[tid], p->X[tid]);
}

/* Times ics_kernel_leontief (the propagation step of static runs on tables of n <= 1,024)
 * against the same DGEMM;
 * returns the kernel's scenarios/s (0 on allocation failure). */
static double prop_case(bench *B, const char *name, const char *table, const double *L, int n,
                        int b, int print)
{
    const size_t nb = (size_t)n * b;
    double **Y = per_thread(B->nth, nb, 11, 0.2), **X = per_thread(B->nth, nb, 0, 0.0),
           **Xd = per_thread(B->nth, nb, 0, 0.0);
    double out = 0.0;
    if (!Y || !X || !Xd) goto done;
    prop_task pt = {n, b, L, Y, X};
    gemm_task gt = {n, b, n, L, Y, Xd};
    /* the kernel must give DGEMM's answer */
    run_prop(&pt, 0), run_gemm(&gt, 0);
    double dev = 0.0;
    for (size_t q = 0; q < nb; ++q)
        if (!(fabs(X[0][q] - Xd[0][q]) <= dev)) dev = fabs(X[0][q] - Xd[0][q]);
    double rk, rd;
    best_pair(B, run_prop, &pt, run_gemm, &gt, &rk, &rd);
    const double fl = 2.0 * n * (double)n * b;
    rec r = {name, n, b, rk * b, rk * fl * 1e-9, rd * fl * 1e-9, rk / rd, "dgemm",
             b >= 1024 && n >= 128 ? 0.85 : 0, ""};
    xappend(&r, ", \"table\": \"%s\", \"max_abs_dev_vs_dgemm\": %.3g", table, dev);
    if (print) emit(B, &r);
    out = rk * b;
done:
    free_pt(Y, B->nth), free_pt(X, B->nth), free_pt(Xd, B->nth);
    return out;
}

static int cases_propagate(bench *B, int run_all, ics_error *err)
{
    ics_table *t = NULL;
    ics_model *m = NULL;
    if (ics_table_load("builtin", &t, err) || ics_model_create(t, &m, err)) {
        ics_table_destroy(&t);
        return 1;
    }
    const int bs_full[] = {1024, 4096};
    const int nbs = B->quick ? 1 : 2;
    for (int ib = 0; ib < nbs; ++ib) {
        const double r = prop_case(B, "propagate_builtin", "builtin", m->L, m->n, bs_full[ib], run_all);
        if (bs_full[ib] == 1024) B->prop136 = r;
    }
    ics_model_destroy(&m);
    ics_table_destroy(&t);
    if (!run_all) return 0;
    const int ns[] = {128, 512, 2048};
    for (int in = 0; in < 3; ++in)
        for (int ib = 0; ib < nbs; ++ib) {
            const int n = ns[in];
            double *L = malloc(sizeof(double) * (size_t)n * n);
            if (!L) return ics_error_set(err, ICS_ENOMEM, "bench: out of memory"), 1;
            uint64_t s = 0x1c5;
            for (size_t j = 0; j < (size_t)n; ++j)
                for (size_t i = 0; i < (size_t)n; ++i) L[j * n + i] = (i == j) + 2.0 / n * u01(&s);
            prop_case(B, "propagate_random", "random", L, n, bs_full[ib], 1);
            free(L);
        }
    return 0;
}

/* ---- the full static pipeline ---- */

static const char pipeline_yaml[] =
    "table: builtin\nmodel: leontief\nseed: 1\nscenarios: 1048576\nblock_size: 1024\nfast_aggregates: false\n"
    "shocks:\n"
    "  - {name: down, type: final_demand, segments: [\"end_*\"], change: {dist: uniform, min: -0.2, max: 0}}\n"
    "  - {name: cn, type: final_demand, regions: [CN], change: {dist: normal, mean: -0.2, sd: 0.1}, probability: 0.5}\n"
    "output:\n  store: [total_output_loss]\n";

typedef struct block_task {
    const ics_plan *p;
    const ics_model *m;
    const ics_aggset *as;
    ics_static_ws **ws;
    int b;
    int sample_only;
} block_task;
static void run_block(void *arg, int tid)
{
    const block_task *k = arg;
    ics_static_ws *w = k->ws[tid];
    const int64_t first = (int64_t)tid * k->b;
    if (k->sample_only) ics_plan_sample(k->p, first, k->b, w->Theta, w->Raw, w->Occ);
    else ics_static_block(k->p, k->m, k->as, NULL, first, k->b, w);
}

static int case_pipeline(bench *B, ics_error *err)
{
    int code = 0;
    const int workers = B->ctx->size * B->nth;
    const int64_t N = (int64_t)(B->quick ? 1000000 : 4000000) * workers;
    char cfgpath[320], outpath[320];
    snprintf(cfgpath, sizeof cfgpath, "%s/pipeline.yaml", B->tmpdir);
    snprintf(outpath, sizeof outpath, "%s/pipeline.h5", B->tmpdir);
    if (B->ctx->rank == 0) {
        FILE *f = fopen(cfgpath, "w");
        if (!f || fputs(pipeline_yaml, f) < 0 || fclose(f)) code = 1;
    }
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (code) return ics_error_set(err, ICS_EIO, "%s: cannot write the pipeline config", cfgpath), 1;

    /* in-process pieces: sampling alone, and sample + propagate + aggregates (no I/O) */
    ics_config *cfg = NULL;
    ics_table *t = NULL;
    ics_model *m = NULL;
    ics_plan *p = NULL;
    ics_aggset *as = NULL;
    ics_static_ws **ws = calloc((size_t)B->nth, sizeof *ws);
    double rs = 0, rb = 0;
    if (!ws || ics_config_parse(pipeline_yaml, "bench", &cfg, err) ||
        ics_table_load("builtin", &t, err) || ics_model_create(t, &m, err) ||
        ics_plan_create(cfg, t, m, &p, err) || ics_aggset_create(cfg, t, m, 0, 0, &as, err)) {
        code = 1;
        goto done;
    }
    for (int th = 0; th < B->nth; ++th)
        if (ics_static_ws_create(p, as, 1024, 1, &ws[th], err)) { code = 1; goto done; }
    block_task bt = {p, m, as, ws, 1024, 0}, st = {p, m, as, ws, 1024, 1};
    best_pair(B, run_block, &bt, run_block, &st, &rb, &rs);
    rb *= 1024, rs *= 1024;

    /* the run itself: the same code path as `icstress run CONFIG -o OUT --scenarios N --quiet`;
     * the faster of two runs (one with --quick), as the in-process figures are best of five */
    char nbuf[32];
    snprintf(nbuf, sizeof nbuf, "%lld", (long long)N);
    double el = INFINITY;
    const int runs = B->quick ? 1 : 2;
    for (int rep = 0; rep < runs && !code; ++rep) {
        char *argv[] = {"run", cfgpath, "-o", outpath, "--scenarios", nbuf, "--quiet", NULL};
        ics_ctx c2 = *B->ctx;
        MPI_Barrier(MPI_COMM_WORLD);
        const double t0 = MPI_Wtime();
        code = ics_cmd_run(&c2, 7, argv, err);
        MPI_Barrier(MPI_COMM_WORLD);
        const double e = MPI_Wtime() - t0;
        if (e < el) el = e;
        if (B->ctx->rank == 0) unlink(outpath);
    }
    if (code) goto done;
    const double rate = (double)N / el, fl = 2.0 * 136.0 * 136.0;
    rec r1 = {"pipeline_compute", 136, 1024, rb, rb * fl * 1e-9, -1, rb / B->prop136,
              "propagation", 0, ""};
    xappend(&r1, ", \"what\": \"sample + propagate + aggregates per block, no I/O\", "
            "\"sampling_scenarios_per_s\": %.6g, \"propagation_scenarios_per_s\": %.6g", rs,
            B->prop136);
    emit(B, &r1);
    rec r2 = {"pipeline_static", 136, 1024, rate, rate * fl * 1e-9, -1, rate / B->prop136,
              "propagation", 0.8, ""};
    xappend(&r2, ", \"what\": \"icstress run, builtin table, total_output_loss stored, exact "
            "statistics, fast_aggregates false (the faster of %d runs)\", \"scenarios\": %lld, \"wall_s\": %.4g, "
            "\"compute_scenarios_per_s\": %.6g, \"sampling_scenarios_per_s\": %.6g, "
            "\"propagation_scenarios_per_s\": %.6g, \"io_stats_s_est\": %.4g",
            runs, (long long)N, el, rb, rs, B->prop136, el - (double)N / rb);
    emit(B, &r2);
done:
    if (B->ctx->rank == 0) unlink(cfgpath);
    if (ws)
        for (int th = 0; th < B->nth; ++th) ics_static_ws_destroy(&ws[th]);
    free(ws);
    ics_aggset_destroy(&as);
    ics_plan_destroy(&p);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
    ics_config_destroy(&cfg);
    return code;
}

/* ---- table uncertainty (issue 16): K table draws against the fixed table, same run ---- */

/* The pipeline's blocks (sample, propagate, aggregates; no I/O) on the built-in table with
 * `uncertainty: table:` (K perturbed tables, one factorisation each, every block grouped by
 * draw) against the same config on the fixed table, interleaved; ratio = draws / fixed. */
static int case_uncertainty_table(bench *B, ics_error *err)
{
    int code = 0;
    const int K = B->quick ? 4 : 16;
    char yaml[sizeof pipeline_yaml + 128];
    snprintf(yaml, sizeof yaml, "%suncertainty:\n  table: {coefficients: 0.1, draws: %d}\n",
             pipeline_yaml, K);
    ics_config *cf = NULL, *cd = NULL;
    ics_table *t = NULL;
    ics_model *m = NULL;
    ics_plan *pf = NULL, *pd = NULL;
    ics_aggset *as = NULL;
    ics_static_ws **wf = calloc((size_t)B->nth, sizeof *wf), **wd = calloc((size_t)B->nth, sizeof *wd);
    double rf = 0, rd = 0;
    const double t0 = MPI_Wtime();
    if (!wf || !wd || ics_config_parse(pipeline_yaml, "bench", &cf, err) ||
        ics_config_parse(yaml, "bench", &cd, err) || ics_table_load("builtin", &t, err) ||
        ics_model_create(t, &m, err) || ics_plan_create(cf, t, m, &pf, err) ||
        ics_plan_create(cd, t, m, &pd, err) || ics_aggset_create(cf, t, m, 0, 0, &as, err)) {
        code = 1;
        goto done;
    }
    const double plan_s = MPI_Wtime() - t0;
    for (int th = 0; th < B->nth; ++th)
        if (ics_static_ws_create(pf, as, 1024, 1, &wf[th], err) ||
            ics_static_ws_create(pd, as, 1024, 1, &wd[th], err)) {
            code = 1;
            goto done;
        }
    block_task bd = {pd, m, as, wd, 1024, 0}, bf = {pf, m, as, wf, 1024, 0};
    best_pair(B, run_block, &bd, run_block, &bf, &rd, &rf);
    rd *= 1024, rf *= 1024;
    const double fl = 2.0 * 136.0 * 136.0;
    rec r = {"uncertainty_table", 136, 1024, rd, rd * fl * 1e-9, -1, rd / rf, "fixed_table", 0, ""};
    xappend(&r, ", \"what\": \"pipeline blocks (no I/O) with %d table draws, blocks grouped by "
            "draw, vs the fixed table\", \"draws\": %d, \"fixed_table_scenarios_per_s\": %.6g, "
            "\"plan_s\": %.4g", K, K, rf, plan_s);
    emit(B, &r);
done:
    for (int th = 0; th < B->nth; ++th) {
        if (wf) ics_static_ws_destroy(&wf[th]);
        if (wd) ics_static_ws_destroy(&wd[th]);
    }
    free(wf), free(wd);
    ics_aggset_destroy(&as);
    ics_plan_destroy(&pf), ics_plan_destroy(&pd);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
    ics_config_destroy(&cf), ics_config_destroy(&cd);
    return code;
}

/* ---- dynamic models ---- */

typedef struct dyn_task {
    const ics_dyn *d;
    const ics_plan *p;
    const ics_model *m;
    ics_dyn_ws **ws;
    int b;
} dyn_task;
static void run_dyn(void *arg, int tid)
{
    const dyn_task *k = arg;
    ics_dyn_block(k->d, k->p, k->m, (int64_t)tid * k->b, k->b, k->ws[tid]);
}

typedef struct triad_task {
    size_t len;
    double **x, **y, **z;
} triad_task;
static void run_triad(void *arg, int tid)
{
    const triad_task *k = arg;
    double *x = k->x[tid];
    const double *y = k->y[tid], *z = k->z[tid];
    for (size_t i = 0; i < k->len; ++i) x[i] = y[i] + 3.0 * z[i];
}
/* STREAM triad on every thread of every rank at once: GB/s summed (3 arrays of len doubles) */
static double triad_gbs(const bench *B, size_t len)
{
    triad_task k = {len, per_thread(B->nth, len, 1, 1.0), per_thread(B->nth, len, 2, 1.0),
                    per_thread(B->nth, len, 3, 1.0)};
    double best = 0.0;
    if (k.x && k.y && k.z)
        for (int r = 0; r < REPEATS; ++r) {
            const double v = par_rate(run_triad, &k, B->nth, B->min_time);
            if (v > best) best = v;
        }
    free_pt(k.x, B->nth), free_pt(k.y, B->nth), free_pt(k.z, B->nth);
    return best * 24.0 * (double)len * 1e-9;
}

/* Issue 17's ARIO target: the state (and flows) a step moves, ics__ario_bytes_per_step x steps/s,
 * at >= 0.8 of the STREAM triad measured in this run (bw). r: the ario_step record just emitted. */
static void ario_state_record(bench *B, const rec *r, double gbs, double bw, double bstep)
{
    rec s = {"ario_state_bw", r->n, r->block, r->sps, -1, -1, bw > 0 ? gbs / bw : -1,
             "stream_triad", 0.8, ""};
    xappend(&s, ", \"what\": \"bytes an ARIO step moves (ics__ario_bytes_per_step: its per-scenario "
            "state and the flows, each array once per pass that reads or writes it) times steps/s, "
            "over the STREAM triad (x = y + 3 z, 3 x 32 MiB per thread, all workers) of this run\", "
            "\"bytes_per_step\": %.6g, \"gbytes_per_s\": %.4g, \"stream_triad_gbs\": %.4g",
            bstep, gbs, bw);
    emit(B, &s);
}

static int dyn_case(bench *B, const char *model, int n, int b, double bw, double bw2, ics_error *err)
{
    const int nseg = n >= 16 ? 16 : n, nreg = n / nseg, ario = !strcmp(model, "ario");
    ics_table *t = ics_table_random(nreg, nseg, 7, err);
    ics_model *m = NULL;
    ics_config *cfg = NULL;
    ics_plan *p = NULL;
    ics_dyn *d = NULL;
    ics_dyn_ws **ws = calloc((size_t)B->nth, sizeof *ws);
    int code = 0;
    char yaml[512];
    snprintf(yaml, sizeof yaml, "model: %s\nhorizon: %d\nscenarios: %d\nshocks:\n"
             "  - {name: o, type: capacity_loss, segments: [s0, s1], loss: {dist: uniform, min: 0.1, max: 0.6}, duration: 4}\n",
             model, STEPS, b * B->nth); /* thread t samples scenarios t b .. (t + 1) b - 1 */
    if (!t || !ws || ics_model_create(t, &m, err) || ics_config_parse(yaml, "bench", &cfg, err) ||
        ics_plan_create(cfg, t, m, &p, err) || ics_dyn_create(cfg, t, m, p, &d, err)) {
        code = 1;
        goto done;
    }
    for (int th = 0; th < B->nth; ++th)
        if (ics_dyn_ws_create(d, b, 0, &ws[th], err)) { code = 1; goto done; }
    {
        const int gb = ario ? 2 * b : b; /* ARIO: 6 n^2 b GEMM flops = DGEMM n x n x 2b */
        double **Bm = per_thread(B->nth, (size_t)n * gb, 5, 0.01), **Cm = per_thread(B->nth, (size_t)n * gb, 0, 0);
        dyn_task dt = {d, p, m, ws, b};
        gemm_task gt = {n, gb, n, m->B, Bm, Cm};
        double rk = 0, rd = 0;
        if (Bm && Cm) best_pair(B, run_dyn, &dt, run_gemm, &gt, &rk, &rd);
        free_pt(Bm, B->nth), free_pt(Cm, B->nth);
        const double fstep = ario ? ics__ario_flops_per_step(d, b) : 2.0 * n * (double)n * b;
        const double gf = rk * STEPS * fstep * 1e-9, dg = rd * 2.0 * n * (double)n * gb * 1e-9;
        rec r = {ario ? "ario_step" : "diim_step", n, b, rk * b * STEPS, gf, dg, gf / dg, "dgemm",
                 0.5, ""};
        xappend(&r, ", \"steps\": %d, \"scenario_steps_per_s\": %.6g, \"flops_per_step\": %.6g, "
                "\"dgemm_shape\": [%d, %d, %d]", STEPS, rk * b * STEPS, fstep, n, gb, n);
        if (ario) {
            const double bstep = ics__ario_bytes_per_step(d, b), gbs = rk * STEPS * bstep * 1e-9;
            xappend(&r, ", \"bytes_per_step\": %.6g, \"gbytes_per_s\": %.4g, "
                    "\"stream_triad_gbs\": %.4g, \"stream_triad_l2_gbs\": %.4g, "
                    "\"bandwidth_ratio\": %.4g, \"flops_per_byte\": %.4g, \"machine_balance\": %.4g, "
                    "\"bound\": \"%s\", \"chunk\": %d", bstep, gbs, bw, bw2, gbs / bw,
                    fstep / bstep, dg / bw, fstep / bstep < dg / bw ? "memory" : "compute",
                    ics__ario_chunk(d) ? ics__ario_chunk(d) : b);
            emit(B, &r);
            ario_state_record(B, &r, gbs, bw, bstep);
            if (B->ctx->rank == 0)
                printf("%-22s %5s %5s %12s   moves %.1f GB/s = %.2f x STREAM triad (%.1f GB/s); "
                       "%.2f flop/byte vs balance %.2f: %s-bound\n", "", "", "", "", gbs, gbs / bw,
                       bw, fstep / bstep, dg / bw, fstep / bstep < dg / bw ? "memory" : "compute");
        } else {
            emit(B, &r);
        }
    }
done:
    if (ws)
        for (int th = 0; th < B->nth; ++th) ics_dyn_ws_destroy(&ws[th]);
    free(ws);
    ics_dyn_destroy(&d);
    ics_plan_destroy(&p);
    ics_config_destroy(&cfg);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
    return code;
}

/* ---- coefficient (A-matrix) shocks: batched SMW against the per-scenario LU ---- */

typedef struct coef_task {
    const ics_plan *p;
    const ics_model *m;
    int b;
    const double *Theta, *U;
    double **X;
    void **work;
} coef_task;
static void run_coef(void *arg, int tid)
{
    const coef_task *k = arg;
    ics_static_propagate(k->p, k->m, k->b, k->Theta, k->U, k->X[tid], NULL, k->work[tid]);
}

static int case_coefficient(bench *B, int n, int b, ics_error *err)
{
    ics_table *t = ics_table_random(n / 16, 16, 7, err);
    ics_model *m = NULL;
    ics_config *cfg = NULL;
    ics_plan *p = NULL;
    ics_aggset *as = NULL;
    ics_static_ws *w = NULL;
    double **Xs = NULL, **Xl = NULL;
    void **work = calloc((size_t)B->nth, sizeof *work);
    int code = 0;
    static const char yaml[] =
        "model: leontief\nscenarios: 1048576\nshocks:\n"
        "  - {name: fd, type: final_demand, change: {dist: uniform, min: -0.2, max: 0}}\n"
        "  - {name: coef, type: coefficient, regions: [r0], segments: [s0, s1, s2, s3], "
        "change: {dist: uniform, min: -0.5, max: 0.5}}\n";
    if (!t || !work || ics_model_create(t, &m, err) || ics_config_parse(yaml, "bench", &cfg, err) ||
        ics_plan_create(cfg, t, m, &p, err) || ics_aggset_create(cfg, t, m, 0, 0, &as, err) ||
        ics_plan_set_lowrank(p, m, ICS_LOWRANK_DENSE, err)) {
        code = 1;
        goto done;
    }
    const size_t wl = ics_plan_workspace_bytes(p, b);
    if (ics_plan_set_lowrank(p, m, ICS_LOWRANK_SMW, err)) { code = 1; goto done; }
    const size_t ws_bytes = wl > ics_plan_workspace_bytes(p, b) ? wl : ics_plan_workspace_bytes(p, b);
    const int r = p->lr.r;
    /* one sampled block: its Theta and U feed both methods */
    if (ics_static_ws_create(p, as, b, 1, &w, err)) { code = 1; goto done; }
    ics_static_block(p, m, as, NULL, 0, b, w);
    Xs = per_thread(B->nth, (size_t)n * b, 0, 0), Xl = per_thread(B->nth, (size_t)n * b, 0, 0);
    if (!Xs || !Xl) { code = 1; ics_error_set(err, ICS_ENOMEM, "bench: out of memory"); goto done; }
    for (int th = 0; th < B->nth; ++th)
        if (!(work[th] = malloc(ws_bytes))) { code = 1; ics_error_set(err, ICS_ENOMEM, "bench: out of memory"); goto done; }
    coef_task cs = {p, m, b, w->Theta, w->U, Xs, work}, cl = {p, m, b, w->Theta, w->U, Xl, work};
    /* check SMW against the direct (per-scenario LU) solve */
    run_coef(&cs, 0);
    ics_plan_set_lowrank(p, m, ICS_LOWRANK_DENSE, err);
    run_coef(&cl, 0);
    double dmax = 0, xmax = 0;
    for (size_t q = 0; q < (size_t)n * b; ++q) {
        const double dd = fabs(Xs[0][q] - Xl[0][q]);
        if (!(dd <= dmax)) dmax = dd;
        if (fabs(Xl[0][q]) > xmax) xmax = fabs(Xl[0][q]);
    }
    const double relerr = dmax / (xmax > 0 ? xmax : 1.0);
    /* time: the LU per scenario, then SMW (interleaved, best of 3; switching the plan's method
     * between the two is a rebuild of its low-rank part, outside the timed loops) */
    double rl = 0, rsm = 0;
    const double mt = B->min_time;
    for (int rep = 0; rep < REPEATS; ++rep) {
        ics_plan_set_lowrank(p, m, ICS_LOWRANK_DENSE, err);
        double v = par_rate(run_coef, &cl, B->nth, mt);
        if (v > rl) rl = v;
        ics_plan_set_lowrank(p, m, ICS_LOWRANK_SMW, err);
        v = par_rate(run_coef, &cs, B->nth, mt);
        if (v > rsm) rsm = v;
    }
    gemm_task gt = {n, b, n, m->L, Xl, Xs};
    double rd = 0;
    for (int rep = 0; rep < REPEATS; ++rep) {
        const double v = par_rate(run_gemm, &gt, B->nth, mt);
        if (v > rd) rd = v;
    }
    const double fl = 2.0 * n * (double)n * b + 4.0 * n * (double)r * b + (2.0 / 3.0) * r * r * (double)r * b;
    const double lufl = (2.0 / 3.0) * n * (double)n * n + 2.0 * n * (double)n;
    rec rc = {"coefficient_smw", n, b, rsm * b, rsm * fl * 1e-9, rd * 2.0 * n * (double)n * b * 1e-9,
              rsm / rl, "per-scenario LU", 20, ""};
    xappend(&rc, ", \"rank\": %d, \"lu_scenarios_per_s\": %.6g, \"lu_gflops\": %.4g, "
            "\"dgemm_ratio\": %.4g, \"max_rel_err_vs_direct\": %.3g, \"check_1e-10\": %s", r,
            rl * b, rl * b * lufl * 1e-9, rsm * fl / (rd * 2.0 * n * (double)n * b), relerr,
            relerr <= 1e-10 ? "true" : "false");
    emit(B, &rc);
    if (B->ctx->rank == 0)
        printf("%-22s %5s %5s %12s   rank %d; per-scenario LU %.4g scenarios/s; max relative "
               "difference to the direct solve %.2g (%s 1e-10)\n", "", "", "", "", r, rl * b,
               relerr, relerr <= 1e-10 ? "<=" : "ABOVE");
    if (relerr > 1e-10) {
        ics_error_set(err, ICS_EINTERNAL, "bench: SMW differs from the direct solve by %.3g", relerr);
        code = 1;
    }
done:
    if (work)
        for (int th = 0; th < B->nth; ++th) free(work[th]);
    free(work);
    free_pt(Xs, B->nth), free_pt(Xl, B->nth);
    ics_static_ws_destroy(&w);
    ics_aggset_destroy(&as);
    ics_plan_destroy(&p);
    ics_config_destroy(&cfg);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
    return code;
}

/* ---- HDF5 writes against the disk's own sequential write speed ---- */

static int fsync_path(const char *path)
{
    const int fd = open(path, O_WRONLY);
    if (fd < 0) return -1;
    const int rc = fsync(fd);
    return close(fd) | rc;
}

/* Rank 0 writes `bytes` with write() in 4 MiB pieces, then fsync: seconds (or < 0). */
static double disk_write(const char *path, size_t bytes, const double *buf, size_t piece)
{
    const double t0 = MPI_Wtime();
    const int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return -1;
    for (size_t done = 0; done < bytes;) {
        const size_t len = bytes - done < piece ? bytes - done : piece;
        const ssize_t w = write(fd, (const char *)buf + (done % piece), len);
        if (w <= 0) { close(fd); return -1; }
        done += (size_t)w;
    }
    if (fsync(fd) || close(fd)) return -1;
    return MPI_Wtime() - t0;
}

/* The icstress writer: MPI-IO file access, a (rows, width) dataset in chunks of whole blocks
 * of about 4 MiB, blocks of b rows written at their global offset (independent transfers as in
 * `icstress run`, or collective); then the file is closed and fsync'ed. Seconds (or < 0). */
static double h5_write(const char *final, int64_t nblocks, int b, int width, int collective,
                       const double *buf, ics_error *err)
{
    int me, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), dxpl = H5Pcreate(H5P_DATASET_XFER), ds = H5I_INVALID_HID;
    H5Pset_fapl_mpio(fapl, MPI_COMM_WORLD, MPI_INFO_NULL);
    H5Pset_dxpl_mpio(dxpl, collective ? H5FD_MPIO_COLLECTIVE : H5FD_MPIO_INDEPENDENT);
    ics_h5file *h5 = NULL;
    double el = -1;
    int ok = 1;
    MPI_Barrier(MPI_COMM_WORLD);
    const double t0 = MPI_Wtime();
    int64_t target = (4 << 20) / (8 * (int64_t)width), chunk = target < b ? target : (target / b) * b;
    const int64_t dims[2] = {nblocks * b, width};
    if (ics_h5_create(final, fapl, &h5, err) ||
        ics_h5_dataset(h5->file, "/scenarios/output_change", 2, dims, chunk, 0, &ds, err))
        ok = 0;
    for (int64_t bl = me; ok && bl < nblocks; bl += size)
        if (ics_h5_write_rows(ds, bl * b, b, width, buf, dxpl, err)) ok = 0;
    if (ds >= 0) H5Dclose(ds);
    char partial[400];
    snprintf(partial, sizeof partial, "%s.partial", final);
    if (ok && ics_h5_finish(&h5, 0, err)) ok = 0;
    if (!ok) ics_h5_abort(&h5, 0);
    MPI_Barrier(MPI_COMM_WORLD);
    if (me == 0 && ok && fsync_path(partial)) ok = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    el = MPI_Wtime() - t0;
    int all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (me == 0) unlink(partial);
    H5Pclose(fapl), H5Pclose(dxpl);
    return all ? el : -1;
}

static int case_hdf5(bench *B, ics_error *err)
{
    const int b = 1024, width = 136, size = B->ctx->size;
    const size_t mib = B->quick ? 256 : 1024;
    int64_t nblocks = (int64_t)(mib << 20) / ((int64_t)b * width * 8);
    nblocks -= nblocks % size;
    const size_t bytes = (size_t)nblocks * b * width * 8, piece = (size_t)b * width * 8;
    double *buf = malloc(piece);
    if (!buf) return ics_error_set(err, ICS_ENOMEM, "bench: out of memory"), 1;
    uint64_t s = 99 + (uint64_t)B->ctx->rank;
    for (size_t q = 0; q < piece / 8; ++q) buf[q] = u01(&s);
    char raw[320], h5p[320];
    snprintf(raw, sizeof raw, "%s/disk.bin", B->tmpdir);
    snprintf(h5p, sizeof h5p, "%s/write.h5", B->tmpdir);
    double tdisk = 1e30, tind = 1e30, tcol = 1e30;
    int fail = 0;
    const int reps = B->quick ? 1 : 2;
    for (int rep = 0; rep < reps && !fail; ++rep) {
        double v = 0;
        MPI_Barrier(MPI_COMM_WORLD);
        if (B->ctx->rank == 0) {
            v = disk_write(raw, bytes, buf, piece);
            unlink(raw);
        }
        MPI_Bcast(&v, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (v < 0) { fail = 1; break; }
        if (v < tdisk) tdisk = v;
        v = h5_write(h5p, nblocks, b, width, 0, buf, err);
        if (v < 0) { fail = 1; break; }
        if (v < tind) tind = v;
        v = h5_write(h5p, nblocks, b, width, 1, buf, err);
        if (v < 0) { fail = 1; break; }
        if (v < tcol) tcol = v;
    }
    free(buf);
    if (fail) {
        if (err->code == ICS_OK) ics_error_set(err, ICS_EIO, "%s: cannot write the benchmark files", B->tmpdir);
        return 1;
    }
    const double gb = (double)bytes * 1e-9, dsk = gb / tdisk;
    const char *names[2] = {"hdf5_write_independent", "hdf5_write_collective"};
    const double ts[2] = {tind, tcol};
    for (int q = 0; q < 2; ++q) {
        rec r = {names[q], width, b, (double)nblocks * b / ts[q], -1, -1, gb / ts[q] / dsk,
                 "disk write+fsync", 0.5, ""};
        xappend(&r, ", \"bytes\": %zu, \"h5_gbytes_per_s\": %.4g, \"disk_gbytes_per_s\": %.4g, "
                "\"dir\": \"%s\", \"what\": \"rows of %d doubles, blocks of %d rows, 4 MiB chunks, "
                "MPI-IO, %s transfers, then close + fsync; disk: write() 4 MiB pieces + fsync "
                "from rank 0\"", bytes, gb / ts[q], dsk, B->tmpdir, width, b,
                q ? "collective" : "independent");
        emit(B, &r);
    }
    if (B->ctx->rank == 0)
        printf("%-22s %5s %5s %12s   %.0f MiB: disk %.3g GB/s, HDF5 %.3g GB/s (independent), "
               "%.3g GB/s (collective)\n", "", "", "", "", (double)bytes / (1 << 20), dsk, gb / tind,
               gb / tcol);
    return 0;
}

/* ---- the command ---- */

static int parse_cases(const char *s)
{
    int mask = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int found = 0;
        for (int c = 0; c < 7; ++c)
            if (!strcmp(tok, case_names[c])) mask |= 1 << c, found = 1;
        if (!strcmp(tok, "all")) mask |= C_ALL, found = 1;
        if (!found) return -1;
    }
    return mask;
}

int ics_cmd_bench(ics_ctx *ctx, int argc, char **argv, ics_error *err)
{
    bench B;
    memset(&B, 0, sizeof B);
    B.ctx = ctx;
    const char *json = NULL;
    int cases = C_ALL;
    ics_args opt; /* the options of `bench` are in its table (drivers/commands.c) */
    if (ics_args_parse(ics_cmdspec_find("bench"), argc, argv, &opt, err) != ICS_OK) return 2;
    if (ics_args_operands(&opt, 0, 0, err) != ICS_OK) return 2;
    B.quick = ics_args_flag(&opt, "quick");
    json = ics_args_str(&opt, "json");
    if (ics_args_flag(&opt, "cases") && (cases = parse_cases(ics_args_str(&opt, "cases"))) <= 0)
        return ics_error_set(err, ICS_EINPUT, "bench: --cases: '%s' is not a list of "
                             "propagate,pipeline,diim,ario,coefficient,hdf5",
                             ics_args_str(&opt, "cases")), 2;
    int code = 0;
    if (ctx->rank == 0 && json && !(B.json = fopen(json, "a")))
        code = 2;
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (code)
        return ics_error_set(err, ICS_EINPUT, "bench: --json: cannot open '%s' for appending: %s",
                             json, strerror(errno)), 2;
    B.nth = omp_get_max_threads();
    B.min_time = B.quick ? 0.1 : 0.3;
    ics_blas_set_threads(1); /* as in a run: one block per thread, single-threaded BLAS */
    ics_sysinfo_get(&B.si);
    ics_sysinfo_blas_string(&B.si, B.blas, sizeof B.blas);
    {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(B.stamp, sizeof B.stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    if (ctx->rank == 0) {
        const char *tdir = getenv("TMPDIR");
        snprintf(B.tmpdir, sizeof B.tmpdir, "%s/icstress-bench.XXXXXX", tdir && *tdir ? tdir : "/tmp");
        if (!mkdtemp(B.tmpdir)) code = 1;
    }
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Bcast(B.tmpdir, sizeof B.tmpdir, MPI_CHAR, 0, MPI_COMM_WORLD);
    if (code) {
        if (B.json) fclose(B.json);
        return ics_error_set(err, ICS_EIO, "bench: cannot create a temporary directory under "
                             "$TMPDIR or /tmp"), 1;
    }
    if (ctx->rank == 0) {
        char warn[256];
        printf("icstress bench%s: commit %s, %s\n", B.quick ? " --quick" : "", ics_git_commit, B.stamp);
        printf("CPU:        %s (AVX2 %s, AVX-512F %s)\n", B.si.cpu_model, B.si.cpu_avx2 ? "yes" : "no",
               B.si.cpu_avx512 ? "yes" : "no");
        printf("BLAS:       %s\nBLAS core:  %s (OPENBLAS_CORETYPE=%s)\n", B.si.blas_config,
               B.si.blas_core, B.si.coretype_env[0] ? B.si.coretype_env : "unset");
        printf("workers:    %d rank(s) x %d thread(s), single-threaded BLAS per thread; rates "
               "summed over all workers\n", ctx->size, B.nth);
        if (B.si.generic_core) printf("%s\n", ics_sysinfo_warning(&B.si, warn, sizeof warn));
        printf("timing:     best of %d, each >= %.2g s, case and reference interleaved\n\n",
               REPEATS, B.min_time);
        printf("%-22s %5s %5s %12s %8s %8s %7s %-12s %-6s %s\n", "case", "n", "b", "scenarios/s",
               "GFLOP/s", "DGEMM", "ratio", "vs", "target", "");
        fflush(stdout);
    }
    if (cases & (C_PROP | C_PIPE)) code = cases_propagate(&B, (cases & C_PROP) != 0, err);
    if (!code && (cases & C_PIPE)) code = case_pipeline(&B, err);
    if (!code && (cases & C_PIPE)) code = case_uncertainty_table(&B, err);
    if (!code && (cases & C_PIPE)) code = ics_bench_whole(ctx, B.quick, B.tmpdir, B.json, &B.met, &B.missed, err);
    if (cases & (C_DIIM | C_ARIO)) {
        double bw = 0, bw2 = 0;
        if (cases & C_ARIO) bw = triad_gbs(&B, (size_t)4 << 20), bw2 = triad_gbs(&B, (size_t)16 << 10);
        const int ns[] = {128, 512}, bs[] = {256, 1024};
        const int nn = B.quick ? 1 : 2, nb = B.quick ? 1 : 2;
        for (int model = 0; model < 2 && !code; ++model) {
            if (!(cases & (model ? C_ARIO : C_DIIM))) continue;
            for (int a = 0; a < nn && !code; ++a)
                for (int c = 0; c < nb && !code; ++c)
                    code = dyn_case(&B, model ? "ario" : "diim", ns[a], bs[c], bw, bw2, err);
        }
        if (!code && (cases & C_ARIO))
            code = ics_bench_ario_threads(ctx, B.quick, B.tmpdir, B.json, &B.met, &B.missed, err);
    }
    if (!code && (cases & C_COEF)) code = case_coefficient(&B, 128, 1024, err);
    if (!code && (cases & C_H5)) code = case_hdf5(&B, err);
    if (!code && (cases & C_LARGE)) code = ics_bench_large(&(ics_bench_info){B.quick, ctx->size, B.nth, B.si.blas_core, ics_git_commit}, B.json, B.tmpdir, err);
    MPI_Barrier(MPI_COMM_WORLD);
    if (ctx->rank == 0) {
        rmdir(B.tmpdir);
        printf("\ntargets: %d met, %d missed%s%s\n", B.met, B.missed, json ? "; JSON appended to " : "",
               json ? json : "");
        if (B.json) fclose(B.json);
    }
    if (code && err->code == ICS_OK) ics_error_set(err, ICS_EINTERNAL, "bench failed");
    return code ? ics_status_exit_code(err->code) : 0;
}
