/* ics_rowstats with one process against direct in-memory computations (sort and the textbook
 * formulas, the same independent reference as test_finalstats.c): several segments, ties, a
 * constant column (every narrowing level down to a single key), zeros of both signs, values
 * over the whole double range; and the streamed-histogram path, which must give the same bits. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ics_finalstats.h"
#include "ics_h5.h"
#include "ics_rowstats.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char g_path[256];

static hid_t temp_file(void)
{
    static int serial = 0; /* a failed test leaves its file open: never reuse a name */
    snprintf(g_path, sizeof g_path, "/tmp/test_rowstats_%ld_%d.h5", (long)getpid(), serial++);
    hid_t f = H5Fcreate(g_path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    return f;
}

static void close_temp(hid_t f)
{
    H5Fclose(f);
    unlink(g_path);
}

/* Row-major (n, m) data; rank 1 when m == 0. Chunked by 4096 rows like a result file. */
static void put_data(hid_t f, const char *path, int64_t n, int64_t m, const double *data)
{
    ics_error err;
    ics_error_clear(&err);
    hid_t d;
    const int64_t dims[2] = {n, m ? m : 1};
    assert_int_equal(ics_h5_dataset(f, path, m ? 2 : 1, dims, n > 0 ? 4096 : 0, 0, &d, &err),
                     ICS_OK);
    assert_int_equal(ics_h5_write_rows(d, 0, n, m ? m : 1, data, H5P_DEFAULT, &err), ICS_OK);
    H5Dclose(d);
}

static uint64_t g_rng = 0x9E3779B97F4A7C15ULL;

static double urand(void) /* splitmix64 -> [0, 1) */
{
    uint64_t z = (g_rng += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

static double nrand(void)
{
    double u = urand();
    while (u == 0) u = urand();
    return sqrt(-2 * log(u)) * cos(6.283185307179586 * urand());
}

static int cmp_d(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* ---------------------------------------------------------------------------------------------
 * Reference: sort the column, then the definitions in ics_finalstats.h
 * ------------------------------------------------------------------------------------------- */

static double ref_quantile(const double *s, int64_t n, double p)
{
    const double h = (double)(n - 1) * p;
    const int64_t l = (int64_t)floor(h);
    const int64_t u = l + 1 < n ? l + 1 : n - 1;
    return s[l] + (h - (double)l) * (s[u] - s[l]);
}

/* Acerbi-Tasche: (1/(1-a)) * integral_a^1 of the empirical quantile function, summed over the
 * order statistics directly: x_(k) (0-based) covers u in (k/N, (k+1)/N]. */
static double ref_cvar(const double *s, int64_t n, double a)
{
    if (a >= 1) return s[n - 1];
    long double acc = 0;
    const long double na = (long double)((double)n * a);
    for (int64_t k = n - 1; k >= 0; --k) {
        const long double lo = (long double)k, hi = (long double)(k + 1);
        if (hi <= na) break;
        const long double w = lo >= na ? 1.0L : hi - na;
        acc += w * (long double)s[k];
    }
    return (double)(acc / ((long double)n * (long double)(1.0 - a)));
}

static void check_close(double got, double want, double rel, const char *what, int64_t col)
{
    const double tol = rel * fmax(fabs(want), 1e-300);
    if (!(fabs(got - want) <= tol)) {
        print_error("%s column %lld: got %.17g want %.17g\n", what, (long long)col, got, want);
        fail();
    }
}

static void check_equal(double got, double want, const char *what, int64_t col, int i)
{
    if (!(got == want)) {
        print_error("%s [%d] column %lld: got %.17g want %.17g\n", what, i, (long long)col, got,
                    want);
        fail();
    }
}

typedef struct ref_opts {
    int moments, cvar; /* check these (off for data whose sums overflow) */
} ref_opts;

/* Compare every statistic of every column of r with the reference computed from data. */
static void check_against_reference(const ics_column_stats_result *r, const double *data,
                                    int64_t n, int64_t m, const ics_stats_request *req,
                                    ref_opts o)
{
    assert_int_equal(r->count, n);
    assert_int_equal(r->ncols, m);
    double *s = malloc((size_t)n * sizeof *s);
    assert_non_null(s);
    for (int64_t c = 0; c < m; ++c) {
        for (int64_t i = 0; i < n; ++i) s[i] = data[i * m + c];
        if (o.moments) {
            long double sum = 0, ss = 0;
            for (int64_t i = 0; i < n; ++i) sum += s[i];
            const long double mean = sum / n;
            for (int64_t i = 0; i < n; ++i) ss += (s[i] - mean) * (s[i] - mean);
            const double sd = n > 1 ? (double)sqrtl(ss / (n - 1)) : 0.0;
            check_close(r->mean[c], (double)mean, 1e-12, "mean", c);
            if (sd == 0)
                assert_true(r->sd[c] == 0);
            else
                check_close(r->sd[c], sd, 1e-10, "sd", c);
        }
        qsort(s, (size_t)n, sizeof *s, cmp_d);
        check_equal(r->min[c], s[0], "min", c, 0);
        check_equal(r->max[c], s[n - 1], "max", c, 0);
        for (int i = 0; i < req->nquantiles; ++i)
            check_equal(r->quantiles[i * m + c], ref_quantile(s, n, req->quantile_levels[i]),
                        "quantile", c, i);
        for (int i = 0; i < req->nvar; ++i) {
            check_equal(r->var[i * m + c], ref_quantile(s, n, req->var_levels[i]), "VaR", c, i);
            if (o.cvar) check_close(r->cvar[i * m + c], ref_cvar(s, n, req->var_levels[i]),
                                    1e-12, "CVaR", c);
        }
        for (int i = 0; i < req->nexceed; ++i)
            check_equal(r->return_period_loss[i * m + c],
                        ref_quantile(s, n, 1.0 - req->exceedance_probs[i]), "return period", c,
                        i);
        /* EP curve: thresholds as documented, probabilities by counting */
        const int K = r->ep_points;
        for (int k = 0; k < K; ++k) {
            const double t = r->ep_threshold[(int64_t)k * m + c];
            if (req->ep_thresholds) {
                check_equal(t, req->ep_thresholds[k], "threshold", c, k);
            } else {
                const double want = k == K - 1 ? s[n - 1]
                                    : K == 1   ? s[0]
                                               : s[0] + (s[n - 1] - s[0]) * k / (K - 1);
                const double scale = fmax(fabs(s[0]), fabs(s[n - 1]));
                if (isfinite(s[n - 1] - s[0]) && !(fabs(t - want) <= 4e-16 * scale)) {
                    print_error("threshold %d column %lld: got %.17g want %.17g\n", k,
                                (long long)c, t, want);
                    fail();
                }
                if (k == 0) check_equal(t, s[0], "threshold", c, k);
                if (k > 0) assert_true(t >= r->ep_threshold[(int64_t)(k - 1) * m + c]);
            }
            int64_t cnt = 0;
            for (int64_t i = 0; i < n; ++i) cnt += s[i] > t;
            check_equal(r->ep_probability[(int64_t)k * m + c], (double)cnt / (double)n,
                        "exceedance probability", c, k);
        }
    }
    free(s);
}

static const double QLEV[] = {0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1};
static const double ALEV[] = {0, 0.25, 0.5, 0.9, 0.95, 0.99, 0.995, 0.999, 1};
static const double PEXC[] = {0.1, 0.01, 0.001};

static ics_stats_request full_request(void)
{
    ics_stats_request q;
    memset(&q, 0, sizeof q);
    q.quantile_levels = QLEV;
    q.nquantiles = (int)(sizeof QLEV / sizeof *QLEV);
    q.var_levels = ALEV;
    q.nvar = (int)(sizeof ALEV / sizeof *ALEV);
    q.exceedance_probs = PEXC;
    q.nexceed = (int)(sizeof PEXC / sizeof *PEXC);
    return q;
}

static ics_column_stats_result *rows_ok(hid_t f, const char *path, const ics_stats_request *q,
                                        const int64_t *hist)
{
    ics_error err;
    ics_error_clear(&err);
    ics_column_stats_result *r = NULL;
    int peer = 0;
    const ics_status st = ics_rowstats(f, path, q, hist, NULL, &r, &peer, &err);
    if (st != ICS_OK) print_error("%s\n", err.msg);
    assert_int_equal(st, ICS_OK);
    assert_int_equal(peer, 0);
    assert_non_null(r);
    return r;
}

static void assert_same(const ics_column_stats_result *a, const ics_column_stats_result *b)
{
    const int64_t m = a->ncols;
    assert_memory_equal(a->mean, b->mean, (size_t)m * sizeof(double));
    assert_memory_equal(a->sd, b->sd, (size_t)m * sizeof(double));
    assert_memory_equal(a->quantiles, b->quantiles, (size_t)(a->nquantiles * m) * sizeof(double));
    assert_memory_equal(a->cvar, b->cvar, (size_t)(a->nvar * m) * sizeof(double));
    assert_memory_equal(a->ep_probability, b->ep_probability, (size_t)(a->ep_points * m) * sizeof(double));
}

/* N = 300007: 37 segments of 8192 rows; lognormal, half zeros (+0 and -0) with heavy ties,
 * constant, and negative normal columns. */
static void test_segments_and_ties(void **state)
{
    (void)state;
    const int64_t n = 300007, m = 4;
    double *x = malloc((size_t)(n * m) * sizeof *x);
    assert_non_null(x);
    for (int64_t i = 0; i < n; ++i) {
        x[i * m + 0] = 1e6 * exp(0.5 * nrand());
        x[i * m + 1] = urand() < 0.5 ? (i % 2 ? 0.0 : -0.0) : floor(20 * urand()) * 0.25;
        x[i * m + 2] = 3.25;
        x[i * m + 3] = -1e3 + nrand();
    }
    hid_t f = temp_file();
    put_data(f, "/d", n, m, x);
    ics_stats_request q = full_request();
    ics_column_stats_result *r = rows_ok(f, "/d", &q, NULL);
    check_against_reference(r, x, n, m, &q, (ref_opts){1, 1});
    /* the histograms given (as a run streams them): the same bits */
    int64_t *h = calloc((size_t)m * ICS_KEYHIST_BINS, sizeof *h);
    assert_non_null(h);
    for (int64_t c = 0; c < m; ++c) ics_keyhist_add(h + c * ICS_KEYHIST_BINS, x + c, n, m);
    ics_column_stats_result *r2 = rows_ok(f, "/d", &q, h);
    assert_same(r, r2);
    ics_column_stats_free(&r2);
    /* a histogram that does not add up to N is refused */
    h[5] += 1;
    ics_error err;
    ics_error_clear(&err);
    assert_int_not_equal(ics_rowstats(f, "/d", &q, h, NULL, &r2, NULL, &err), ICS_OK);
    assert_null(r2);
    free(h);
    /* moments and the exceedance curve only (node outputs) */
    ics_stats_request q2;
    memset(&q2, 0, sizeof q2);
    r2 = rows_ok(f, "/d", &q2, NULL);
    check_against_reference(r2, x, n, m, &q2, (ref_opts){1, 0});
    assert_memory_equal(r->mean, r2->mean, (size_t)m * sizeof(double));
    ics_column_stats_free(&r2);
    ics_column_stats_free(&r);
    close_temp(f);
    free(x);
}

static void test_hard_distributions(void **state)
{
    (void)state;
    const int64_t n = 5003, m = 3;
    double *x = malloc((size_t)(n * m) * sizeof *x);
    assert_non_null(x);
    for (int64_t i = 0; i < n; ++i) {
        const double u = urand();
        x[i * m + 0] = u < 0.1 ? 1.5e308 : u < 0.2 ? -1.5e308 : (u - 0.5) * 1e-300;
        x[i * m + 1] = (urand() < 0.5 ? -1 : 1) * ldexp(1 + urand(), (int)(urand() * 2000) - 1000);
        x[i * m + 2] = i == 17 ? 1e300 : 1.0 + (double)(i % 997) * 0x1.0p-52;
    }
    hid_t f = temp_file();
    put_data(f, "/hard", n, m, x);
    ics_stats_request q = full_request();
    ics_column_stats_result *r = rows_ok(f, "/hard", &q, NULL);
    check_against_reference(r, x, n, m, &q, (ref_opts){0, 0});
    ics_column_stats_free(&r);
    const double thr[5] = {-1e300, -1, 0, 1.0 + 0x1.0p-50, 1e299};
    q.ep_thresholds = thr;
    q.ep_points = 5;
    r = rows_ok(f, "/hard", &q, NULL);
    check_against_reference(r, x, n, m, &q, (ref_opts){0, 0});
    ics_column_stats_free(&r);
    close_temp(f);
    free(x);
}

/* A non-finite value is named by its row and column; N = 1 and N = 2 work. */
static void test_bad_and_tiny(void **state)
{
    (void)state;
    double x[6] = {1, 2, 3, NAN, 5, 6};
    hid_t f = temp_file();
    put_data(f, "/bad", 3, 2, x);
    put_data(f, "/one", 1, 0, x);
    put_data(f, "/two", 2, 0, x);
    ics_stats_request q = full_request();
    ics_error err;
    ics_error_clear(&err);
    ics_column_stats_result *r = NULL;
    assert_int_equal(ics_rowstats(f, "/bad", &q, NULL, NULL, &r, NULL, &err), ICS_ENUMERIC);
    assert_non_null(strstr(err.msg, "row 1, column 1"));
    r = rows_ok(f, "/one", &q, NULL);
    check_against_reference(r, x, 1, 1, &q, (ref_opts){1, 1});
    ics_column_stats_free(&r);
    r = rows_ok(f, "/two", &q, NULL);
    check_against_reference(r, x, 2, 1, &q, (ref_opts){1, 1});
    ics_column_stats_free(&r);
    close_temp(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segments_and_ties),
        cmocka_unit_test(test_hard_distributions),
        cmocka_unit_test(test_bad_and_tiny),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
