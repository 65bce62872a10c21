/* ics_rowstats with one process against direct in-memory computations (sort and the textbook
 * formulas, written here independently), R's published type-7 quantiles and hand-computed
 * expected shortfalls: several segments, ties, a constant column (every narrowing level down to
 * a single key), zeros of both signs, values over the whole double range; the streamed-histogram
 * path, which must give the same bits; window moments stored by a run; writing; every error
 * path. */
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

/* Issue 17: the narrow passes read unfiltered native-double datasets straight from the file's
 * bytes (pread, one segment per thread). The same numbers stored contiguous, in chunks of 4096
 * rows (a result file's) and of 1000 rows (chunks straddling the segments), gzip-compressed and
 * as float64 big-endian (both through HDF5) give bit-identical statistics, which match the
 * sorted reference; the first three are read directly, the last two not. */
static void test_direct_reads(void **state)
{
    (void)state;
    const int64_t n = 150011, m = 3;
    double *x = malloc((size_t)(n * m) * sizeof *x);
    assert_non_null(x);
    for (int64_t i = 0; i < n; ++i) {
        x[i * m + 0] = 1e6 * exp(0.5 * nrand());
        x[i * m + 1] = floor(20 * urand()) * 0.25 - 2.0;
        x[i * m + 2] = -1e3 + nrand();
    }
    hid_t f = temp_file();
    ics_error err;
    ics_error_clear(&err);
    static const char *const names[5] = {"/contig", "/chunk4096", "/chunk1000", "/gzip", "/be"};
    const int64_t chunk[4] = {0, 4096, 1000, 4096}, dims[2] = {n, m};
    for (int k = 0; k < 4; ++k) {
        hid_t d;
        assert_int_equal(ics_h5_dataset(f, names[k], 2, dims, chunk[k], k == 3 ? 1 : 0, &d, &err),
                         ICS_OK);
        assert_int_equal(ics_h5_write_rows(d, 0, n, m, x, H5P_DEFAULT, &err), ICS_OK);
        H5Dclose(d);
    }
    {
        const hsize_t hd[2] = {(hsize_t)n, (hsize_t)m};
        hid_t sp = H5Screate_simple(2, hd, NULL);
        hid_t d = H5Dcreate2(f, names[4], H5T_IEEE_F64BE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        assert_true(d >= 0);
        assert_true(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) >= 0);
        H5Dclose(d);
        H5Sclose(sp);
    }
    assert_true(H5Fflush(f, H5F_SCOPE_GLOBAL) >= 0);
    ics_stats_request q = full_request();
    ics_column_stats_result *r[5];
    for (int k = 0; k < 5; ++k) {
        const int64_t before = ics__rowstats_direct();
        r[k] = rows_ok(f, names[k], &q, NULL);
        assert_int_equal(ics__rowstats_direct() - before, k < 3 ? 1 : 0);
        if (k) assert_same(r[0], r[k]);
    }
    check_against_reference(r[0], x, n, m, &q, (ref_opts){1, 1});
    for (int k = 0; k < 5; ++k) ics_column_stats_free(&r[k]);
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


/* one process, no streamed histograms */
static ics_column_stats_result *rows_ok1(hid_t f, const char *path, const ics_stats_request *q)
{
    return rows_ok(f, path, q, NULL);
}

/* R: quantile(1:10, c(0, .1, .25, .5, .9, 1), type = 7) = 1, 1.9, 3.25, 5.5, 9.1, 10.
 * Expected shortfall of 1..10 by hand: a = .5 -> mean of 6..10 = 8; a = .75 -> the top 2.5
 * values (10, 9 and half of 8) / 2.5 = 9.2; a = 0 -> mean 5.5; a = 1 -> 10. */
static void test_r7_published_and_es_by_hand(void **state)
{
    (void)state;
    const double v[10] = {10, 3, 5, 1, 2, 4, 9, 8, 7, 6};
    const double lev[6] = {0, 0.1, 0.25, 0.5, 0.9, 1};
    const double want[6] = {1, 1.9, 3.25, 5.5, 9.1, 10};
    const double al[4] = {0, 0.5, 0.75, 1};
    const double es[4] = {5.5, 8, 9.2, 10};
    hid_t f = temp_file();
    put_data(f, "/x", 10, 0, v);
    ics_stats_request q;
    memset(&q, 0, sizeof q);
    q.quantile_levels = lev;
    q.nquantiles = 6;
    q.var_levels = al;
    q.nvar = 4;
    ics_column_stats_result *r = rows_ok1(f, "/x", &q);
    for (int i = 0; i < 6; ++i) assert_true(fabs(r->quantiles[i] - want[i]) < 1e-12);
    for (int i = 0; i < 4; ++i) assert_true(fabs(r->cvar[i] - es[i]) < 1e-12 * es[i]);
    assert_true(r->mean[0] == 5.5);
    assert_true(fabs(r->sd[0] - sqrt(55.0 / 6.0)) < 1e-14);
    /* default EP curve: 101 thresholds from 1 to 10; P(X > 1) = 0.9, P(X > 10) = 0 */
    assert_int_equal(r->ep_points, 101);
    assert_true(r->ep_threshold[0] == 1 && r->ep_threshold[100] == 10);
    assert_true(r->ep_probability[0] == 0.9 && r->ep_probability[100] == 0);
    check_against_reference(r, v, 10, 1, &q, (ref_opts){1, 1});
    ics_column_stats_free(&r);
    q.ep_points = 1; /* a one-point curve sits at the minimum */
    r = rows_ok1(f, "/x", &q);
    assert_true(r->ep_threshold[0] == 1 && r->ep_probability[0] == 0.9);
    ics_column_stats_free(&r);
    close_temp(f);
}

static void test_tiny_n(void **state)
{
    (void)state;
    hid_t f = temp_file();
    const double one[1] = {7.5}, two[2] = {3, -1};
    put_data(f, "/one", 1, 0, one);
    put_data(f, "/two", 2, 0, two);
    put_data(f, "/none", 0, 0, one);
    ics_stats_request q = full_request();
    ics_column_stats_result *r = rows_ok1(f, "/one", &q);
    check_against_reference(r, one, 1, 1, &q, (ref_opts){1, 1});
    assert_true(r->sd[0] == 0 && r->cvar[0] == 7.5 && r->ep_probability[0] == 0);
    ics_column_stats_free(&r);

    r = rows_ok1(f, "/two", &q);
    check_against_reference(r, two, 2, 1, &q, (ref_opts){1, 1});
    assert_true(r->quantiles[5] == 1.0); /* median of {-1, 3} */
    /* ES at .25 by hand: (3 + 0.5 * -1) / 1.5 */
    assert_true(fabs(r->cvar[1] - 2.5 / 1.5) < 1e-15);
    ics_column_stats_free(&r);

    r = rows_ok1(f, "/none", &q);
    assert_int_equal(r->count, 0);
    assert_true(isnan(r->mean[0]) && isnan(r->quantiles[0]) && isnan(r->cvar[0]));
    ics_column_stats_free(&r);
    close_temp(f);
}

static int64_t read_i64_attr(hid_t obj, const char *name)
{
    int64_t v = -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    assert_true(a >= 0);
    assert_true(H5Aread(a, H5T_NATIVE_INT64, &v) >= 0);
    H5Aclose(a);
    return v;
}

static void read_dset(hid_t f, const char *path, int want_rank, const hsize_t *want_dims,
                      double *buf, const char *attr, double *attr_buf)
{
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    assert_true(d >= 0);
    hid_t sp = H5Dget_space(d);
    hsize_t dims[2] = {0, 0};
    assert_int_equal(H5Sget_simple_extent_dims(sp, dims, NULL), want_rank);
    for (int i = 0; i < want_rank; ++i) assert_true(dims[i] == want_dims[i]);
    assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    if (attr) {
        hid_t a = H5Aopen(d, attr, H5P_DEFAULT);
        assert_true(a >= 0);
        assert_true(H5Aread(a, H5T_NATIVE_DOUBLE, attr_buf) >= 0);
        H5Aclose(a);
    }
    assert_true(H5Aexists(d, "definition") > 0);
    H5Sclose(sp);
    H5Dclose(d);
}

static void test_write_layout(void **state)
{
    (void)state;
    const int64_t n = 2000, m = 3;
    double *x = malloc((size_t)(n * m) * sizeof *x);
    assert_non_null(x);
    for (int64_t i = 0; i < n * m; ++i) x[i] = urand() * 100;
    hid_t f = temp_file();
    put_data(f, "/scenarios/va_loss_by_region", n, m, x);
    ics_stats_request q = full_request();
    q.ep_points = 11;
    ics_column_stats_result *r = rows_ok1(f, "/scenarios/va_loss_by_region", &q);
    ics_error err;
    ics_error_clear(&err);
    assert_int_equal(ics_write_column_stats(f, "/statistics/va_loss_by_region", r, &err), ICS_OK);

    double buf[64], lev[16];
    hid_t g = H5Gopen2(f, "/statistics/va_loss_by_region", H5P_DEFAULT);
    assert_true(g >= 0);
    assert_int_equal(read_i64_attr(g, "count"), n);
    H5Gclose(g);
    const hsize_t dm[1] = {3};
    read_dset(f, "/statistics/va_loss_by_region/mean", 1, dm, buf, NULL, NULL);
    for (int c = 0; c < 3; ++c) assert_true(buf[c] == r->mean[c]);
    read_dset(f, "/statistics/va_loss_by_region/max", 1, dm, buf, NULL, NULL);
    for (int c = 0; c < 3; ++c) assert_true(buf[c] == r->max[c]);
    const hsize_t dq[2] = {11, 3};
    read_dset(f, "/statistics/va_loss_by_region/quantiles", 2, dq, buf, "levels", lev);
    for (int i = 0; i < 11 * 3; ++i) assert_true(buf[i] == r->quantiles[i]);
    for (int i = 0; i < 11; ++i) assert_true(lev[i] == QLEV[i]);
    const hsize_t da[2] = {9, 3};
    read_dset(f, "/statistics/va_loss_by_region/cvar", 2, da, buf, "levels", lev);
    for (int i = 0; i < 9 * 3; ++i) assert_true(buf[i] == r->cvar[i]);
    for (int i = 0; i < 9; ++i) assert_true(lev[i] == ALEV[i]);
    read_dset(f, "/statistics/va_loss_by_region/var", 2, da, buf, "levels", lev);
    const hsize_t dp[2] = {3, 3};
    read_dset(f, "/statistics/va_loss_by_region/return_period_loss", 2, dp, buf,
              "exceedance_probability", lev);
    for (int i = 0; i < 3; ++i) assert_true(lev[i] == PEXC[i]);
    const hsize_t de[2] = {11, 3};
    read_dset(f, "/statistics/va_loss_by_region/ep_curve/threshold", 2, de, buf, NULL, NULL);
    for (int i = 0; i < 11 * 3; ++i) assert_true(buf[i] == r->ep_threshold[i]);
    read_dset(f, "/statistics/va_loss_by_region/ep_curve/probability", 2, de, buf, NULL, NULL);
    for (int i = 0; i < 11 * 3; ++i) assert_true(buf[i] == r->ep_probability[i]);

    /* writing the same group twice is an error, not an overwrite */
    assert_int_equal(ics_write_column_stats(f, "/statistics/va_loss_by_region", r, &err),
                     ICS_EIO);
    assert_non_null(strstr(err.msg, "/statistics/va_loss_by_region"));
    ics_column_stats_free(&r);
    close_temp(f);
    free(x);
}

static void expect_error(hid_t f, const char *path, const ics_stats_request *q, ics_status want,
                         const char *needle)
{
    ics_error err;
    ics_error_clear(&err);
    ics_column_stats_result *r = NULL;
    assert_int_equal(ics_rowstats(f, path, q, NULL, NULL, &r, NULL, &err), want);
    assert_null(r);
    if (!strstr(err.msg, needle)) {
        print_error("message '%s' lacks '%s'\n", err.msg, needle);
        fail();
    }
}

static void test_errors(void **state)
{
    (void)state;
    const int64_t n = 300;
    double x[600];
    for (int i = 0; i < 600; ++i) x[i] = i;
    hid_t f = temp_file();
    put_data(f, "/ok", n, 2, x);
    x[123 * 2 + 1] = NAN;
    put_data(f, "/nan", n, 2, x);
    x[123 * 2 + 1] = 1;
    x[7] = -INFINITY;
    put_data(f, "/inf", n, 2, x);
    {
        hsize_t d3[3] = {2, 2, 2};
        hid_t sp = H5Screate_simple(3, d3, NULL);
        hid_t d = H5Dcreate2(f, "/cube", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT,
                             H5P_DEFAULT);
        H5Dclose(d);
        H5Sclose(sp);
        hsize_t d1 = 4;
        sp = H5Screate_simple(1, &d1, NULL);
        hid_t st = H5Tcopy(H5T_C_S1);
        H5Tset_size(st, 4);
        d = H5Dcreate2(f, "/text", st, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
        H5Dclose(d);
        H5Tclose(st);
        H5Sclose(sp);
    }
    ics_stats_request q = full_request();
    expect_error(f, "/nan", &q, ICS_ENUMERIC, "/nan: row 123, column 1: value is NaN");
    expect_error(f, "/inf", &q, ICS_ENUMERIC, "/inf: row 3, column 1: value is infinite");
    expect_error(f, "/missing/data", &q, ICS_EIO, "/missing/data: cannot open");
    expect_error(f, "/cube", &q, ICS_EINPUT, "rank 3");
    expect_error(f, "/text", &q, ICS_EINPUT, "numeric dataset");

    const double bad_level[2] = {0.5, 1.5};
    ics_stats_request b = q;
    b.quantile_levels = bad_level;
    b.nquantiles = 2;
    expect_error(f, "/ok", &b, ICS_EINPUT, "quantile level 1.5 is outside [0, 1]");
    b = q;
    b.var_levels = bad_level;
    b.nvar = 2;
    expect_error(f, "/ok", &b, ICS_EINPUT, "VaR/CVaR level 1.5");
    const double nan_level[1] = {NAN};
    b = q;
    b.exceedance_probs = nan_level;
    b.nexceed = 1;
    expect_error(f, "/ok", &b, ICS_EINPUT, "exceedance probability");
    const double thr[3] = {0, 2, 1};
    b = q;
    b.ep_thresholds = thr;
    b.ep_points = 3;
    expect_error(f, "/ok", &b, ICS_EINPUT, "nondecreasing");
    b.ep_points = 0;
    expect_error(f, "/ok", &b, ICS_EINPUT, "ep_points");
    b = q;
    b.nquantiles = 3;
    b.quantile_levels = NULL;
    expect_error(f, "/ok", &b, ICS_EINPUT, "without values");

    /* the good dataset still works, with only the defaults */
    ics_stats_request d;
    memset(&d, 0, sizeof d);
    ics_column_stats_result *r = rows_ok1(f, "/ok", &d);
    assert_int_equal(r->nquantiles, 0);
    assert_int_equal(r->ep_points, 101);
    ics_error err;
    ics_error_clear(&err);
    /* a result without levels omits those datasets */
    assert_int_equal(ics_write_column_stats(f, "/statistics/ok", r, &err), ICS_OK);
    assert_true(H5Lexists(f, "/statistics/ok/mean", H5P_DEFAULT) > 0);
    assert_true(H5Lexists(f, "/statistics/ok/quantiles", H5P_DEFAULT) == 0);
    ics_column_stats_free(&r);
    close_temp(f);
}

/* The (W, m, ICS_WINDOW_FIELDS) window moments of row-major (n, m) data, as a run stores them. */
static void put_window_moments(hid_t f, const char *path, int64_t n, int64_t m, const double *x)
{
    const int64_t nw = (n + ICS_STATS_WINDOW - 1) / ICS_STATS_WINDOW;
    double *rec = malloc((size_t)(nw * m * ICS_WINDOW_FIELDS) * sizeof *rec);
    assert_non_null(rec);
    for (int64_t w = 0; w < nw; ++w) {
        const int64_t r0 = w * ICS_STATS_WINDOW;
        const int64_t rows = n - r0 < ICS_STATS_WINDOW ? n - r0 : ICS_STATS_WINDOW;
        for (int64_t c = 0; c < m; ++c)
            ics_window_moments(x + r0 * m + c, rows, m, rec + (w * m + c) * ICS_WINDOW_FIELDS);
    }
    ics_error err;
    ics_error_clear(&err);
    hid_t d;
    const int64_t dims[3] = {nw, m, ICS_WINDOW_FIELDS};
    assert_int_equal(ics_h5_dataset(f, path, 3, dims, 16, 0, &d, &err), ICS_OK);
    assert_int_equal(ics_h5_write_rows(d, 0, nw, m * ICS_WINDOW_FIELDS, rec, H5P_DEFAULT, &err),
                     ICS_OK);
    H5Dclose(d);
    free(rec);
}

/* every statistic of column c of a equals (bitwise) that of b; NaN == NaN */
static void assert_same_column(const ics_column_stats_result *a, const ics_column_stats_result *b,
                               int64_t c)
{
    const int64_t m = a->ncols;
    assert_int_equal(a->ncols, b->ncols);
    assert_int_equal(a->count, b->count);
#define SAME(arr, rows)                                                                            \
    for (int64_t i = 0; i < (rows); ++i)                                                          \
        assert_memory_equal(&a->arr[i * m + c], &b->arr[i * m + c], sizeof(double));
    SAME(mean, 1) SAME(sd, 1) SAME(min, 1) SAME(max, 1)
    SAME(quantiles, a->nquantiles) SAME(var, a->nvar) SAME(cvar, a->nvar)
    SAME(return_period_loss, a->nexceed) SAME(ep_threshold, a->ep_points)
    SAME(ep_probability, a->ep_points)
#undef SAME
}

/* ics_window_moments against long-double sums, its finiteness flag, and a partial window. */
static void test_window_moments(void **state)
{
    (void)state;
    double x[3 * 1000], rec[ICS_WINDOW_FIELDS];
    for (int i = 0; i < 3000; ++i) x[i] = 1e6 + 1e3 * nrand();
    for (int rows = 1; rows <= 1000; rows += 333) { /* stride 3: the middle column */
        ics_window_moments(x + 1, rows, 3, rec);
        long double s = 0, ss = 0;
        double lo = INFINITY, hi = -INFINITY;
        for (int r = 0; r < rows; ++r) s += x[1 + 3 * r];
        for (int r = 0; r < rows; ++r) {
            const double v = x[1 + 3 * r];
            ss += (v - s / rows) * (v - s / rows);
            lo = fmin(lo, v), hi = fmax(hi, v);
        }
        assert_true(rec[0] == rows && rec[5] == -1 && rec[3] == lo && rec[4] == hi);
        check_close(rec[1], (double)s, 1e-15, "window sum", rows);
        if (rows > 1) check_close(rec[2], (double)ss, 1e-10, "window m2", rows);
        else assert_true(rec[2] == 0);
    }
    x[1 + 3 * 500] = NAN, x[1 + 3 * 700] = INFINITY;
    ics_window_moments(x + 1, 1000, 3, rec);
    assert_true(rec[5] == 500 && isnan(rec[1]));
    ics_window_moments(x + 1 + 3 * 600, 400, 3, rec);
    assert_true(rec[5] == 100 && isinf(rec[1]));
    /* huge finite values overflow the sum but are not reported as non-finite */
    const double big[2] = {1.5e308, 1.5e308};
    ics_window_moments(big, 2, 1, rec);
    assert_true(rec[5] == -1 && rec[3] == 1.5e308 && rec[4] == 1.5e308);
}

/* ics_window_moments_cols: each column's record the same bits as ics_window_moments', for widths
 * below, at and above its column block (16), rows with and without a remainder of 4, and
 * columns holding a NaN, an infinity, -0 and values whose sum overflows. */
static void test_window_moments_cols(void **state)
{
    (void)state;
    enum { R = 1024, W = 20 };
    static double x[R * W];
    double one[ICS_WINDOW_FIELDS], cols[W * ICS_WINDOW_FIELDS];
    const int widths[] = {1, 3, 8, 9, 16, 17, 20}, rowss[] = {1, 3, 4, 5, 999, 1024};
    for (size_t wi = 0; wi < sizeof widths / sizeof *widths; ++wi) {
        const int w = widths[wi];
        for (int i = 0; i < R * W; ++i) x[i] = (i % 7 ? 1e5 : -3e4) + 1e4 * nrand();
        x[2 * W + 0] = -0.0;
        if (w > 2) x[600 * W + 2] = NAN;
        if (w > 5) x[3 * W + 5] = INFINITY, x[900 * W + 5] = -INFINITY;
        if (w > 16) x[10 * W + 16] = 1.7e308, x[11 * W + 16] = 1.7e308;
        for (size_t ri = 0; ri < sizeof rowss / sizeof *rowss; ++ri) {
            const int rows = rowss[ri];
            for (int off = 0; off < 2; ++off) { /* the window's first row and a later one */
                const double *xw = x + (size_t)off * 5 * W;
                if (off && rows > R - 5) continue;
                ics_window_moments_cols(xw, rows, W, w, cols);
                for (int c = 0; c < w; ++c) {
                    ics_window_moments(xw + c, rows, W, one);
                    if (memcmp(one, cols + c * ICS_WINDOW_FIELDS, sizeof one))
                        fail_msg("width %d, rows %d, offset %d: column %d differs", w, rows, off, c);
                }
            }
        }
    }
    /* the columns' records really are the ones asked for (not a neighbour's) */
    ics_window_moments_cols(x, 10, W, 3, cols);
    assert_true(cols[0 * ICS_WINDOW_FIELDS + 3] != cols[1 * ICS_WINDOW_FIELDS + 3] ||
                cols[0 * ICS_WINDOW_FIELDS + 4] != cols[1 * ICS_WINDOW_FIELDS + 4]);
}

/* Statistics from stored window moments equal, bit for bit, those computed from the data; a
 * moments-only request then never reads the data; column shares reassemble the full result. */
static void test_stored_window_moments(void **state)
{
    (void)state;
    const int64_t n = 5 * ICS_STATS_WINDOW + 77, m = 3; /* a partial last window */
    double *x = malloc((size_t)(n * m) * sizeof *x), *zero = calloc((size_t)(n * m), sizeof *x);
    assert_non_null(x);
    assert_non_null(zero);
    for (int64_t i = 0; i < n; ++i) {
        x[i * m + 0] = 1e6 * exp(0.5 * nrand());
        x[i * m + 1] = urand() < 0.5 ? 0.0 : -3 + urand();
        x[i * m + 2] = 7.5;
    }
    hid_t f = temp_file();
    put_data(f, "/scenarios/loss", n, m, x);
    put_window_moments(f, "/progress/moments/loss", n, m, x);
    ics_stats_request q = full_request();
    ics_column_stats_result *file = rows_ok1(f, "/scenarios/loss", &q);
    check_against_reference(file, x, n, m, &q, (ref_opts){1, 1});
    q.moments_dataset = "/progress/moments/loss";
    ics_column_stats_result *stored = rows_ok1(f, "/scenarios/loss", &q);
    for (int64_t c = 0; c < m; ++c) assert_same_column(stored, file, c);
    assert_true(stored->mean[2] == 7.5 && stored->sd[2] == 0);

    /* moments only: from the window moments alone, although the data here are all zero */
    put_data(f, "/scenarios/zero", n, m, zero);
    ics_stats_request mo;
    memset(&mo, 0, sizeof mo);
    mo.ep_points = -1;
    mo.moments_dataset = "/progress/moments/loss";
    ics_column_stats_result *only = rows_ok1(f, "/scenarios/zero", &mo);
    for (int64_t c = 0; c < m; ++c)
        assert_true(only->mean[c] == file->mean[c] && only->sd[c] == file->sd[c] &&
                    only->min[c] == file->min[c] && only->max[c] == file->max[c]);
    ics_column_stats_free(&only);
    ics_column_stats_free(&stored);
    ics_column_stats_free(&file);

    /* errors: a window never written (a block that did not finish), a non-finite value, a
     * dataset of the wrong shape, a bad column share */
    {
        ics_error err;
        ics_error_clear(&err);
        hid_t d = H5Dopen2(f, "/progress/moments/loss", H5P_DEFAULT);
        double blank[3 * ICS_WINDOW_FIELDS] = {0};
        assert_int_equal(ics_h5_write_rows(d, 2, 1, m * ICS_WINDOW_FIELDS, blank, H5P_DEFAULT,
                                           &err), ICS_OK);
        H5Dclose(d);
    }
    expect_error(f, "/scenarios/loss", &q, ICS_EIO, "moments of rows 2048..3071 are missing");
    x[(3 * ICS_STATS_WINDOW + 5) * m + 1] = NAN;
    put_window_moments(f, "/progress/moments/nan", n, m, x);
    q.moments_dataset = "/progress/moments/nan";
    expect_error(f, "/scenarios/loss", &q, ICS_ENUMERIC, "row 3077, column 1: value is NaN");
    put_window_moments(f, "/progress/moments/short", n - ICS_STATS_WINDOW, m, x);
    q.moments_dataset = "/progress/moments/short";
    expect_error(f, "/scenarios/loss", &q, ICS_EINPUT, "are not (6, 3, 6)");
    close_temp(f);
    free(x);
    free(zero);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segments_and_ties),
        cmocka_unit_test(test_direct_reads),
        cmocka_unit_test(test_hard_distributions),
        cmocka_unit_test(test_bad_and_tiny),
        cmocka_unit_test(test_r7_published_and_es_by_hand),
        cmocka_unit_test(test_tiny_n),
        cmocka_unit_test(test_write_layout),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_window_moments),
        cmocka_unit_test(test_window_moments_cols),
        cmocka_unit_test(test_stored_window_moments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
