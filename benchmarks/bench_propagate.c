/* Speed of the static propagation kernels (ics_kernel_leontief, ics_kernel_iim) against a plain
 * cblas_dgemm of the same shape timed in the same run, so the ratio means something whichever
 * OpenBLAS core the machine ended up with. Prints a table; --json appends one record per case. */
#define _POSIX_C_SOURCE 200809L

#include "ics_kernels.h"
#include "ics_sysinfo.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef ICS_GIT_COMMIT
#define ICS_GIT_COMMIT "unknown"
#endif

#define MAX_LIST 32
#define REPEATS 3

static const char *prog = "bench_propagate";

typedef struct options {
    int n[MAX_LIST], nn;
    int b[MAX_LIST], nb;
    double min_time;
    const char *json;
    int threads; /* 0: leave OpenBLAS's own choice (OPENBLAS_NUM_THREADS / all cores) */
} options;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: %s [--n LIST] [--b LIST] [--min-time SEC] [--threads N] [--json FILE]\n"
            "                       [--quick] [--help]\n"
            "Times the propagation kernels (cases leontief, iim) against a same-shape DGEMM\n"
            "(n x n times n x b) in the same run; best of %d repeats, alternating kernel and DGEMM.\n"
            "  --n LIST        model sizes, comma-separated (default 136,512,2048)\n"
            "  --b LIST        scenarios per block (default 256,1024,4096)\n"
            "  --min-time SEC  repeat each measurement until SEC seconds elapsed (default 0.3)\n"
            "  --threads N     BLAS threads (default: OpenBLAS's choice)\n"
            "  --json FILE     append one JSON object per line per case to FILE\n"
            "  --quick         n=136,512, b=1024, min-time 0.1 (explicit options still win)\n"
            "Set OPENBLAS_CORETYPE=SKYLAKEX (AVX-512) or HASWELL (AVX2) when the core is generic.\n",
            prog, REPEATS);
}

static int bad_option(const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, " (try --help)\n");
    return 2;
}

/* "136,512,2048" -> {136, 512, 2048}; 0 on success. */
static int parse_int_list(const char *s, int *out, int *count, int maxval)
{
    int k = 0;
    const char *p = s;
    if (!*p) return -1;
    for (;;) {
        char *end;
        errno = 0;
        long v = strtol(p, &end, 10);
        if (end == p || errno || v < 1 || v > maxval || k == MAX_LIST) return -1;
        out[k++] = (int)v;
        if (*end == '\0') break;
        if (*end != ',') return -1;
        p = end + 1;
    }
    *count = k;
    return 0;
}

/* Returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, options *o)
{
    int quick = 0, have_n = 0, have_b = 0, have_t = 0;
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--quick") == 0) {
            quick = 1;
            continue;
        }
        int takes_value = strcmp(a, "--n") == 0 || strcmp(a, "--b") == 0 ||
                          strcmp(a, "--min-time") == 0 || strcmp(a, "--json") == 0 ||
                          strcmp(a, "--threads") == 0;
        if (!takes_value) return bad_option("unknown option '%s'%s", a, "");
        if (i + 1 >= argc) return bad_option("%s needs a value%s", a, "");
        const char *v = argv[++i];
        if (strcmp(a, "--n") == 0) {
            if (parse_int_list(v, o->n, &o->nn, 100000))
                return bad_option("--n: '%s' is not a list of positive integers%s", v,
                                  ", e.g. --n 136,512,2048");
            have_n = 1;
        } else if (strcmp(a, "--b") == 0) {
            if (parse_int_list(v, o->b, &o->nb, 10000000))
                return bad_option("--b: '%s' is not a list of positive integers%s", v,
                                  ", e.g. --b 256,1024,4096");
            have_b = 1;
        } else if (strcmp(a, "--min-time") == 0) {
            char *end;
            errno = 0;
            double t = strtod(v, &end);
            if (end == v || *end || errno || !(t > 0.0) || t > 3600.0)
                return bad_option("--min-time: '%s' is not a number of seconds in (0, 3600]%s",
                                  v, "");
            o->min_time = t;
            have_t = 1;
        } else if (strcmp(a, "--threads") == 0) {
            int t, k;
            if (parse_int_list(v, &t, &k, 4096) || k != 1)
                return bad_option("--threads: '%s' is not a positive integer%s", v, "");
            o->threads = t;
        } else {
            o->json = v;
        }
    }
    if (!have_n) {
        static const int full[] = {136, 512, 2048}, small[] = {136, 512};
        o->nn = quick ? 2 : 3;
        memcpy(o->n, quick ? small : full, (size_t)o->nn * sizeof(int));
    }
    if (!have_b) {
        static const int full[] = {256, 1024, 4096};
        o->nb = quick ? 1 : 3;
        if (quick) o->b[0] = 1024;
        else memcpy(o->b, full, sizeof full);
    }
    if (!have_t) o->min_time = quick ? 0.1 : 0.3;
    if (o->json) { /* fail now rather than after minutes of timing */
        FILE *f = fopen(o->json, "a");
        if (!f) return bad_option("--json: cannot open '%s' for appending: %s", o->json,
                                  strerror(errno));
        fclose(f);
    }
    return -1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* splitmix64: a deterministic filler; the values only need to be reproducible, not good. */
static double uniform01(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

typedef enum { CASE_LEONTIEF, CASE_IIM } bench_case;
static const char *const case_name[] = {"leontief", "iim"};

typedef struct buffers {
    int n, b;
    double *L, *Y, *Xk, *Xd; /* L n x n; Y, Xk (kernel), Xd (DGEMM) n x b, column-major */
} buffers;

/* L = I + off-diagonal entries in [0, 2/n): diagonally dominant, like a Leontief inverse.
 * Y in [-0.05, 0.15): for iim some entries of Q fall below 0, so clipping has work to do. */
static void fill(buffers *w)
{
    uint64_t s = 0x1c5;
    const int n = w->n;
    for (long j = 0; j < n; ++j)
        for (long i = 0; i < n; ++i) w->L[j * n + i] = (i == j) + 2.0 / n * uniform01(&s);
    const long nb = (long)n * w->b;
    for (long k = 0; k < nb; ++k) w->Y[k] = -0.05 + 0.2 * uniform01(&s);
}

static void run_kernel(bench_case c, const buffers *w)
{
    if (c == CASE_LEONTIEF) ics_kernel_leontief(w->n, w->b, w->L, w->Y, w->Xk);
    else ics_kernel_iim(w->n, w->b, w->L, w->Y, w->Xk);
}

static void run_dgemm(const buffers *w)
{
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, w->n, w->b, w->n, 1.0, w->L, w->n,
                w->Y, w->n, 0.0, w->Xd, w->n);
}

/* Calls per second, calling until min_time has elapsed (at least one call). */
static double calls_per_s(bench_case c, int dgemm, const buffers *w, double min_time)
{
    long calls = 0;
    double t0 = now(), t;
    do {
        if (dgemm) run_dgemm(w);
        else run_kernel(c, w);
        ++calls;
        t = now() - t0;
    } while (t < min_time);
    return (double)calls / t;
}

/* The kernel must give DGEMM's answer (clipped to [0, 1] for iim): a benchmark of a wrong
 * kernel is worthless. Returns the largest deviation. */
static double check(bench_case c, const buffers *w)
{
    run_kernel(c, w);
    run_dgemm(w);
    const long nb = (long)w->n * w->b;
    double dev = 0.0;
    for (long k = 0; k < nb; ++k) {
        double ref = w->Xd[k];
        if (c == CASE_IIM) ref = ref < 0.0 ? 0.0 : ref > 1.0 ? 1.0 : ref;
        double d = fabs(w->Xk[k] - ref);
        if (!(d <= dev)) dev = d; /* also catches NaN */
    }
    return dev;
}

static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; ++s) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
        else if (ch < 0x20) fprintf(f, "\\u%04x", ch);
        else fputc(ch, f);
    }
    fputc('"', f);
}

typedef struct result {
    bench_case c;
    int n, b;
    double scen_per_s, gflops, dgemm_gflops, ratio;
} result;

static int json_append(const char *path, const result *r, const ics_sysinfo *si)
{
    FILE *f = fopen(path, "a");
    if (!f) return -1;
    char stamp[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(f, "{\"case\":\"%s\",\"n\":%d,\"block\":%d,", case_name[r->c], r->n, r->b);
    fprintf(f, "\"scenarios_per_s\":%.6g,\"gflops\":%.4f,\"dgemm_gflops\":%.4f,\"ratio\":%.4f,",
            r->scen_per_s, r->gflops, r->dgemm_gflops, r->ratio);
    fputs("\"blas_core\":", f);
    json_string(f, si->blas_core);
    fputs(",\"blas_config\":", f);
    json_string(f, si->blas_config);
    fprintf(f, ",\"ranks\":1,\"threads\":%d,\"cpu\":", si->blas_threads);
    json_string(f, si->cpu_model);
    fputs(",\"commit\":", f);
    json_string(f, ICS_GIT_COMMIT);
    fprintf(f, ",\"timestamp\":\"%s\"}\n", stamp);
    return fclose(f) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    options o = {.nn = 0};
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0) return rc;
    if (o.threads > 0) ics_blas_set_threads(o.threads);

    ics_sysinfo si;
    ics_sysinfo_get(&si);
    char line[512];
    printf("BLAS config: %s\n", si.blas_config);
    printf("BLAS core:   %s (OPENBLAS_CORETYPE=%s)\n", si.blas_core,
           si.coretype_env[0] ? si.coretype_env : "unset");
    printf("CPU:         %s (AVX2 %s, AVX-512F %s)\n", si.cpu_model, si.cpu_avx2 ? "yes" : "no",
           si.cpu_avx512 ? "yes" : "no");
    printf("threads:     BLAS %d, OpenMP %d\n", si.blas_threads, si.omp_threads);
    if (si.generic_core) printf("%s\n", ics_sysinfo_warning(&si, line, sizeof line));
    printf("timing:      best of %d, each >= %.2g s, kernel and DGEMM interleaved; "
           "GFLOP/s = 2 n^2 b / time\n\n",
           REPEATS, o.min_time);
    printf("%-9s %6s %6s %14s %10s %14s %7s\n", "case", "n", "b", "scenarios/s", "GFLOP/s",
           "DGEMM GFLOP/s", "ratio");
    fflush(stdout);

    int status = 0;
    for (int in = 0; in < o.nn; ++in) {
        for (int ib = 0; ib < o.nb; ++ib) {
            buffers w = {.n = o.n[in], .b = o.b[ib]};
            const size_t nn = (size_t)w.n * (size_t)w.n, nb = (size_t)w.n * (size_t)w.b;
            w.L = malloc(nn * sizeof(double));
            w.Y = malloc(nb * sizeof(double));
            w.Xk = malloc(nb * sizeof(double));
            w.Xd = malloc(nb * sizeof(double));
            if (!w.L || !w.Y || !w.Xk || !w.Xd) {
                fprintf(stderr, "%s: out of memory for n=%d, b=%d (%.1f GiB)\n", prog, w.n, w.b,
                        (double)(nn + 3 * nb) * sizeof(double) / (1 << 30));
                status = 1;
            } else {
                fill(&w);
                for (int c = CASE_LEONTIEF; c <= CASE_IIM && status == 0; ++c) {
                    double dev = check((bench_case)c, &w); /* also warms up caches and threads */
                    if (dev > 1e-12 * w.n) {
                        fprintf(stderr, "%s: %s kernel differs from DGEMM by %g at n=%d, b=%d\n",
                                prog, case_name[c], dev, w.n, w.b);
                        status = 1;
                        break;
                    }
                    double best_k = 0.0, best_d = 0.0;
                    for (int r = 0; r < REPEATS; ++r) {
                        /* swap the order each repeat: neither side always runs first after a
                         * frequency or scheduling change */
                        double k, d;
                        if (r % 2 == 0) {
                            k = calls_per_s((bench_case)c, 0, &w, o.min_time);
                            d = calls_per_s((bench_case)c, 1, &w, o.min_time);
                        } else {
                            d = calls_per_s((bench_case)c, 1, &w, o.min_time);
                            k = calls_per_s((bench_case)c, 0, &w, o.min_time);
                        }
                        if (k > best_k) best_k = k;
                        if (d > best_d) best_d = d;
                    }
                    const double flops = 2.0 * (double)w.n * (double)w.n * (double)w.b;
                    result res = {(bench_case)c, w.n, w.b, best_k * w.b, best_k * flops * 1e-9,
                                  best_d * flops * 1e-9, best_k / best_d};
                    printf("%-9s %6d %6d %14.4g %10.2f %14.2f %7.3f\n", case_name[c], w.n, w.b,
                           res.scen_per_s, res.gflops, res.dgemm_gflops, res.ratio);
                    fflush(stdout);
                    if (o.json && json_append(o.json, &res, &si)) {
                        fprintf(stderr, "%s: cannot append to '%s': %s\n", prog, o.json,
                                strerror(errno));
                        status = 1;
                    }
                }
            }
            free(w.L);
            free(w.Y);
            free(w.Xk);
            free(w.Xd);
            if (status) return status;
        }
    }
    return 0;
}
