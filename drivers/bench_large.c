/* `icstress bench --cases large`: the large-table cases of issue 17, at n = 8,000 (2,000 with
 * --quick) on a generated random productive table:
 *   csv_parse     values/s of the pymrio-text reader against a plain fread of the same bytes
 *                 (ratio = fread time / parse time) and against strtod on every field;
 *   large_setup   the run's set-up (the blocked, threaded LU: ics_model_create_for, without A
 *                 as a run with final-demand shocks keeps it)
 *                 against one same-run threaded LAPACK dgetrf of I - A (ratio = dgetrf / set-up);
 *   large_solve   propagation by two triangular solves (ics_model_apply_inverse) against a DGEMM
 *                 of the same n x n by n x b shape, all threads at once with single-threaded BLAS;
 *   large_rss     peak RSS against the minimum a Leontief run needs: Z and the LU factors,
 *                 2 n^2 doubles, plus the block workspaces (ratio = minimum / peak RSS).
 * Rank 0 measures; the other ranks wait. */
#define _POSIX_C_SOURCE 200809L

#include "ics_bench_large.h"
#include "ics_model.h"
#include "ics_sysinfo.h"
#include "ics_table.h"

#include <cblas.h>
#include <lapacke.h>
#include <mpi.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static double unif(uint64_t *s) { return (double)(mix(s) >> 11) * 0x1p-53; }

/* The table of benchmarks/gen_pymrio_table.py's kind (not its numbers): column sums of A in
 * [0.1, 0.5], x in [300, 1000], one final-demand column = x - Z 1. */
static ics_table *random_table(int n, ics_error *err)
{
    const int R = 1;
    ics_table *t = ics_table_create(R, n, n, 1, err);
    if (!t) return NULL;
    uint64_t s = 17;
    t->regions[0] = ics_strdup("R", err);
    t->y_region[0] = ics_strdup("R", err);
    t->y_category[0] = ics_strdup("fd", err);
    t->source = ics_strdup("random", err);
    for (int j = 0; j < n; ++j) {
        char b[16];
        snprintf(b, sizeof b, "s%d", j);
        t->segments[j] = ics_strdup(b, err);
        t->node_region[j] = 0, t->node_segment[j] = j;
        t->x[j] = 300.0 + 700.0 * unif(&s);
    }
    for (int j = 0; j < n; ++j) {
        double *z = t->Z + (size_t)j * n, sum = 0;
        for (int i = 0; i < n; ++i) sum += z[i] = unif(&s);
        const double f = (0.1 + 0.4 * unif(&s)) * t->x[j] / sum;
        double cs = 0;
        for (int i = 0; i < n; ++i) cs += z[i] *= f;
        t->va[j] = t->x[j] - cs;
    }
    for (int i = 0; i < n; ++i) t->Y[i] = t->x[i];
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i) t->Y[i] -= t->Z[i + (size_t)j * n];
    return t;
}

static void line(FILE *json, const ics_bench_info *bi, const char *name, int n, int block,
                 double sps, double ratio, const char *vs, const char *extra)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%-22s %5d %5d %12.4g %8s %8s %7.3f %-12s\n", name, n, block, sps, "-", "-", ratio, vs);
    fflush(stdout);
    if (!json) return;
    fprintf(json, "{\"case\": \"%s\", \"n\": %d, \"block\": %d, \"scenarios_per_s\": %.6g, "
            "\"gflops\": null, \"dgemm_gflops\": null, \"ratio\": %.6g, \"ratio_vs\": \"%s\", "
            "\"blas_core\": \"%s\", \"ranks\": %d, \"threads\": %d, \"peak_rss_mib\": %.1f, "
            "\"commit\": \"%s\", \"quick\": %s%s}\n", name, n, block, sps, ratio, vs,
            bi->blas_core, bi->ranks, bi->threads, (double)ru.ru_maxrss / 1024.0, bi->commit,
            bi->quick ? "true" : "false", extra);
    fflush(json);
}

/* csv_parse: a pymrio text table of n nodes written to dir, read back. */
static int case_csv(const ics_bench_info *bi, FILE *json, const char *dir, int n, ics_error *err)
{
    char zp[512], yp[512], ex[256];
    snprintf(zp, sizeof zp, "%s/Z.txt", dir);
    snprintf(yp, sizeof yp, "%s/Y.txt", dir);
    FILE *fz = fopen(zp, "w"), *fy = fopen(yp, "w");
    if (!fz || !fy) {
        if (fz) fclose(fz);
        if (fy) fclose(fy);
        ics_error_set(err, ICS_EIO, "bench: cannot write %s", zp);
        return 1;
    }
    uint64_t s = 5;
    fprintf(fz, "region\t");
    for (int j = 0; j < n; ++j) fprintf(fz, "\tR");
    fprintf(fz, "\nsector\t");
    for (int j = 0; j < n; ++j) fprintf(fz, "\ts%d", j);
    fprintf(fz, "\nregion\tsector");
    for (int j = 0; j < n; ++j) fputc('\t', fz);
    fputc('\n', fz);
    fprintf(fy, "region\t\tR\ncategory\t\tfd\nregion\tsector\t\n");
    for (int i = 0; i < n; ++i) {
        fprintf(fz, "R\ts%d", i);
        for (int j = 0; j < n; ++j) fprintf(fz, "\t%.12g", 1000.0 * unif(&s) / n);
        fputc('\n', fz);
        fprintf(fy, "R\ts%d\t%.12g\n", i, 1000.0 * unif(&s));
    }
    fclose(fz), fclose(fy);
    const size_t len = (size_t)n * (size_t)n * 24 + 4096;
    char *bytes = malloc(len);
    double tf = 1e30, tp = 1e30, ts = 1e30, sink = 0;
    size_t got = 0;
    for (int rep = 0; rep < 3 && bytes; ++rep) {
        double t0 = now();
        FILE *f = fopen(zp, "rb");
        got = f ? fread(bytes, 1, len - 1, f) : 0;
        if (f) fclose(f);
        double t1 = now();
        if (t1 - t0 < tf) tf = t1 - t0;
        ics_table *t = NULL;
        t0 = now();
        if (ics_table_load_dir(dir, &t, err) != ICS_OK) {
            free(bytes);
            return 1;
        }
        t1 = now();
        sink += t->Z[0];
        ics_table_destroy(&t);
        if (t1 - t0 < tp) tp = t1 - t0;
        /* strtod on every field of the bytes read (what the reader called before issue 17) */
        bytes[got] = '\0';
        t0 = now();
        for (char *p = bytes; *p;) {
            char *e;
            const double v = strtod(p, &e);
            if (e == p) ++p;
            else sink += v, p = e;
        }
        t1 = now();
        if (t1 - t0 < ts) ts = t1 - t0;
    }
    free(bytes);
    unlink(zp), unlink(yp);
    const double vals = (double)n * n;
    snprintf(ex, sizeof ex, ", \"bytes\": %zu, \"fread_s\": %.4g, \"parse_s\": %.4g, "
             "\"strtod_s\": %.4g, \"values_per_s\": %.4g, \"vs_strtod\": %.3f%s", got, tf, tp, ts,
             vals / tp, ts / tp, sink == 12345.678 ? " " : "");
    line(json, bi, "csv_parse", n, 0, vals / tp, tf / tp, "fread", ex);
    printf("%-22s %5s %5s   %.3g values/s parsed, fread %.3g MB/s, parse %.3g MB/s, strtod "
           "alone %.3g values/s (%.1fx slower)\n", "", "", "", vals / tp, got / tf / 1e6,
           got / tp / 1e6, vals / ts, ts / tp);
    return 0;
}

static int case_model(const ics_bench_info *bi, FILE *json, int n, int b, ics_error *err)
{
    ics_table *t = random_table(n, err);
    ics_model *m = NULL;
    double *lu = NULL;
    int *ipiv = NULL, code = 0;
    char ex[256];
    if (!t) return 1;
    const int nth = bi->threads;
    /* one threaded LAPACK dgetrf of I - A, as OpenBLAS threads it */
    lu = malloc(sizeof *lu * (size_t)n * n);
    ipiv = malloc(sizeof *ipiv * (size_t)n);
    if (!lu || !ipiv) {
        ics_error_set(err, ICS_ENOMEM, "bench: out of memory at n = %d", n);
        code = 1;
        goto done;
    }
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i)
            lu[i + (size_t)j * n] = (i == j) - t->Z[i + (size_t)j * n] / t->x[j];
    ics_blas_set_threads(nth);
    double t0 = now();
    LAPACKE_dgetrf(LAPACK_COL_MAJOR, n, n, lu, n, ipiv);
    const double tg = now() - t0;
    ics_blas_set_threads(1);
    free(lu), lu = NULL;
    t0 = now();
    if (ics_model_create_for(t, ICS_MODEL_NO_A, &m, err) != ICS_OK) {
        code = 1;
        goto done;
    }
    const double tm = now() - t0;
    snprintf(ex, sizeof ex, ", \"setup_s\": %.4g, \"dgetrf_s\": %.4g", tm, tg);
    line(json, bi, "large_setup", n, 0, -1, tg / tm, "dgetrf", ex);

    /* propagation: each thread solves its own block; the same block through DGEMM with an
     * n x n operand (the factors: the values do not matter for the time) */
    double *X = malloc(sizeof *X * (size_t)n * b * nth), *Y = malloc(sizeof *Y * (size_t)n * b * nth);
    if (!X || !Y) {
        free(X), free(Y);
        ics_error_set(err, ICS_ENOMEM, "bench: out of memory at n = %d", n);
        code = 1;
        goto done;
    }
    uint64_t s = 9;
    for (size_t k = 0; k < (size_t)n * b * nth; ++k) X[k] = unif(&s);
    double ts = 1e30, td = 1e30;
    for (int rep = 0; rep < 3; ++rep) {
        t0 = now();
#pragma omp parallel num_threads(nth)
        ics_model_apply_inverse(m, ICS_MODEL_LEONTIEF, b, X + (size_t)omp_get_thread_num() * n * b, n);
        double t1 = now();
        if (t1 - t0 < ts) ts = t1 - t0;
        t0 = now();
#pragma omp parallel num_threads(nth)
        {
            const size_t o = (size_t)omp_get_thread_num() * n * b;
            cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, b, n, 1.0, m->lu, n, X + o,
                        n, 0.0, Y + o, n);
        }
        t1 = now();
        if (t1 - t0 < td) td = t1 - t0;
    }
    free(X), free(Y);
    const double fl = 2.0 * n * (double)n * b * nth;
    snprintf(ex, sizeof ex, ", \"trsm_gflops\": %.4g, \"dgemm_gflops_ref\": %.4g", fl / ts / 1e9,
             fl / td / 1e9);
    line(json, bi, "large_solve", n, b, b * nth / ts, td / ts, "DGEMM", ex);
    printf("%-22s %5s %5s   solves %.2f GFLOP/s, DGEMM %.2f GFLOP/s (2 n^2 b flops each)\n", "",
           "", "", fl / ts / 1e9, fl / td / 1e9);
    {
        struct rusage ru;
        getrusage(RUSAGE_SELF, &ru);
        const double mib = (double)ru.ru_maxrss / 1024.0;
        /* minimum: Z and the LU factors (2 n^2), one block in and out per thread */
        const double minimum = (2.0 * n * (double)n + 2.0 * n * (double)b * nth) * 8.0 / 1048576.0;
        snprintf(ex, sizeof ex, ", \"minimum_mib\": %.1f, \"held\": \"Z, LU\"", minimum);
        line(json, bi, "large_rss", n, b, -1, minimum / mib, "peak RSS", ex);
        printf("%-22s %5s %5s   peak RSS %.0f MiB, minimum %.0f MiB (Z + LU + blocks)\n", "", "",
               "", mib, minimum);
    }
done:
    free(lu), free(ipiv);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
    return code;
}

int ics_bench_large(const ics_bench_info *bi, FILE *json, const char *tmpdir, ics_error *err)
{
    int code = 0, rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    if (rank == 0) {
        code = case_csv(bi, json, tmpdir, bi->quick ? 1000 : 2000, err);
        if (!code) code = case_model(bi, json, bi->quick ? 2000 : 8000, 256, err);
    }
    MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return code;
}
