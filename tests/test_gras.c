/* GRAS (core/table/gras.c): known solutions built by hand from chosen factors, algebraic properties
 * (margins, signs, zeros, fixed points, scale invariance), the RAS special case against an
 * independent RAS loop written here, and every error path.
 *
 * The GRAS solution X = r^ P s^ - r^-1 N s^-1 is unique for given margins (Junius & Oosterhaven
 * 2003; Lenzen, Wood & Gallego 2007, Economic Systems Research 19(4), section 2), so a matrix
 * generated from any factors (r*, s*) and its own margins must be returned exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ics_gras.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* column-major m x n */
#define AT(a, i, j, m) (a)[(size_t)(i) + (size_t)(j) * (size_t)(m)]

static void margins(int m, int n, const double *X, double *u, double *v)
{
    for (int i = 0; i < m; ++i) u[i] = 0;
    for (int j = 0; j < n; ++j) {
        v[j] = 0;
        for (int i = 0; i < m; ++i) {
            u[i] += AT(X, i, j, m);
            v[j] += AT(X, i, j, m);
        }
    }
}

/* GRAS image of A0 under factors r, s. */
static void apply_factors(int m, int n, const double *A0, const double *r, const double *s,
                          double *X)
{
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < m; ++i) {
            const double a = AT(A0, i, j, m);
            AT(X, i, j, m) = a > 0 ? r[i] * a * s[j] : a < 0 ? a / (r[i] * s[j]) : 0.0;
        }
}

static ics_status solve(int m, int n, const double *A0, const double *u, const double *v,
                        const ics_gras_opts *o, double *X, ics_gras_report *rep, ics_error *err)
{
    ics_error_clear(err);
    ics_gras *g = ics_gras_create(m, n, err);
    assert_non_null(g);
    ics_status st = ics_gras_solve(g, A0, m, u, v, o, X, m, NULL, NULL, rep, err);
    ics_gras_destroy(&g);
    assert_null(g);
    return st;
}

static void check_margins(int m, int n, const double *X, const double *u, const double *v,
                          double tol)
{
    double *cu = malloc(sizeof(double) * (size_t)m), *cv = malloc(sizeof(double) * (size_t)n);
    margins(m, n, X, cu, cv);
    for (int i = 0; i < m; ++i) assert_true(fabs(cu[i] - u[i]) <= tol * fmax(1.0, fabs(u[i])));
    for (int j = 0; j < n; ++j) assert_true(fabs(cv[j] - v[j]) <= tol * fmax(1.0, fabs(v[j])));
    free(cu);
    free(cv);
}

/* 2 x 2 by hand: A0 = [1 -1; 1 1], r* = (2, 1), s* = (1, 1/2) give
 *   X* = [2*1*1, -1/(2*1/2); 1*1*1, 1*1*1/2] = [2 -1; 1 0.5], u = (1, 1.5), v = (3, -0.5). */
static void test_hand_2x2(void **state)
{
    (void)state;
    const double A0[4] = {1, 1, -1, 1}; /* column-major */
    const double u[2] = {1, 1.5}, v[2] = {3, -0.5};
    const double want[4] = {2, 1, -1, 0.5};
    double X[4];
    ics_error err;
    ics_gras_report rep;
    assert_int_equal(solve(2, 2, A0, u, v, NULL, X, &rep, &err), ICS_OK);
    for (int k = 0; k < 4; ++k) assert_true(fabs(X[k] - want[k]) <= 1e-10);
    assert_true(rep.max_rel_error <= 1e-12);
    assert_true(rep.iterations >= 1);
}

/* Known solutions from random factors, mixed signs and zeros: margins to 1e-10, X = X*, signs
 * and zeros kept; the same for the prior scaled by 1000 (scale invariance). */
static void test_known_solution_random(void **state)
{
    (void)state;
    const int m = 5, n = 7;
    double A0[35], Xs[35], X[35], A1[35], r[5], s[7], u[5], v[7];
    unsigned seed = 12345u;
#define RND() ((seed = seed * 1103515245u + 12345u) >> 8 & 0xffff) / 65536.0
    for (int trial = 0; trial < 20; ++trial) {
        for (int k = 0; k < m * n; ++k) {
            const double z = RND();
            A0[k] = z < 0.2 ? 0.0 : z < 0.45 ? -(0.1 + RND()) : 0.1 + 10 * RND();
        }
        for (int i = 0; i < m; ++i) r[i] = 0.3 + 3 * RND();
        for (int j = 0; j < n; ++j) s[j] = 0.3 + 3 * RND();
        apply_factors(m, n, A0, r, s, Xs);
        margins(m, n, Xs, u, v);
        ics_error err;
        ics_gras_report rep;
        assert_int_equal(solve(m, n, A0, u, v, NULL, X, &rep, &err), ICS_OK);
        check_margins(m, n, X, u, v, 1e-10);
        for (int k = 0; k < m * n; ++k) {
            assert_true(fabs(X[k] - Xs[k]) <= 1e-8 * fmax(1.0, fabs(Xs[k])));
            assert_true((A0[k] > 0) == (X[k] > 0));
            assert_true((A0[k] < 0) == (X[k] < 0));
        }
        /* Scaling a mixed-sign prior by c changes the problem (c r P s and c N / (r s) cannot
         * both be absorbed by the factors), but the prior c P - N / c has the same solution:
         * r -> r / c absorbs both parts. Check X(c P - N / c) = X(P - N) for c = 1000. */
        for (int k = 0; k < m * n; ++k) A1[k] = A0[k] > 0 ? 1000.0 * A0[k] : A0[k] / 1000.0;
        double X1[35];
        assert_int_equal(solve(m, n, A1, u, v, NULL, X1, &rep, &err), ICS_OK);
        for (int k = 0; k < m * n; ++k)
            assert_true(fabs(X1[k] - X[k]) <= 1e-8 * fmax(1.0, fabs(X[k])));
    }
#undef RND
}

/* A prior that already has the target margins is returned unchanged (fixed point). */
static void test_fixed_point(void **state)
{
    (void)state;
    const double A0[6] = {4, -1, 0, 2, 3, -2}; /* 2 x 3 */
    double u[2], v[3], X[6];
    margins(2, 3, A0, u, v);
    ics_error err;
    ics_gras_report rep;
    assert_int_equal(solve(2, 3, A0, u, v, NULL, X, &rep, &err), ICS_OK);
    for (int k = 0; k < 6; ++k) assert_true(fabs(X[k] - A0[k]) <= 1e-12 * fabs(A0[k]) + 1e-300);
    assert_int_equal(rep.iterations, 1);
}

/* Reference RAS, written independently: alternate X <- diag(u / X1) X, X <- X diag(v / 1'X)
 * until both margins are within 1e-14. */
static void ras_reference(int m, int n, const double *A0, const double *u, const double *v,
                          double *X)
{
    memcpy(X, A0, sizeof(double) * (size_t)m * (size_t)n);
    for (int it = 0; it < 100000; ++it) {
        double dev = 0;
        for (int i = 0; i < m; ++i) {
            double rs = 0;
            for (int j = 0; j < n; ++j) rs += AT(X, i, j, m);
            for (int j = 0; j < n; ++j) AT(X, i, j, m) *= u[i] / rs;
        }
        for (int j = 0; j < n; ++j) {
            double cs = 0;
            for (int i = 0; i < m; ++i) cs += AT(X, i, j, m);
            for (int i = 0; i < m; ++i) AT(X, i, j, m) *= v[j] / cs;
        }
        for (int i = 0; i < m; ++i) {
            double rs = 0;
            for (int j = 0; j < n; ++j) rs += AT(X, i, j, m);
            dev = fmax(dev, fabs(rs / u[i] - 1));
        }
        if (dev < 1e-14) return;
    }
    fail_msg("reference RAS did not converge");
}

static void test_ras_special_case(void **state)
{
    (void)state;
    /* a 3 x 4 non-negative prior with a zero, margins not proportional to it */
    const double A0[12] = {10, 3, 5, 2, 8, 1, 0, 4, 6, 7, 1, 9};
    const double u[3] = {30, 20, 25}, v[4] = {20, 10, 15, 30};
    double X[12], R[12];
    ics_error err;
    ics_gras_report rep;
    assert_int_equal(solve(3, 4, A0, u, v, NULL, X, &rep, &err), ICS_OK);
    ras_reference(3, 4, A0, u, v, R);
    for (int k = 0; k < 12; ++k) assert_true(fabs(X[k] - R[k]) <= 1e-10 * fmax(1.0, R[k]));
    assert_true(X[6] == 0.0);
    check_margins(3, 4, X, u, v, 1e-10);
    /* for a non-negative prior the result does not depend on the prior's scale */
    double A1[12], X1[12];
    for (int k = 0; k < 12; ++k) A1[k] = 1e-3 * A0[k];
    assert_int_equal(solve(3, 4, A1, u, v, NULL, X1, &rep, &err), ICS_OK);
    for (int k = 0; k < 12; ++k) assert_true(fabs(X1[k] - X[k]) <= 1e-10 * fmax(1.0, X[k]));
}

/* Zero lines with zero targets, and a positive-only row with target 0 (r = 0). */
static void test_zero_lines(void **state)
{
    (void)state;
    /* 3 x 3: row 1 and column 2 are empty; targets there are 0. A sign-preserving matrix with
     * these margins exists: [0.5 0.5 0; 0 0 0; -0.5 3.5 0]. */
    const double A0[9] = {2, 0, -1, 1, 0, 3, 0, 0, 0};
    const double u[3] = {1, 0, 3}, v[3] = {0, 4, 0};
    double X[9];
    ics_error err;
    ics_gras_report rep;
    assert_int_equal(solve(3, 3, A0, u, v, NULL, X, &rep, &err), ICS_OK);
    check_margins(3, 3, X, u, v, 1e-10);
    for (int k = 0; k < 9; ++k)
        if (A0[k] == 0) assert_true(X[k] == 0.0);
    /* row with positive entries only and target 0 becomes zero */
    const double B0[4] = {1, 1, 1, 1};
    const double ub[2] = {0, 2}, vb[2] = {1, 1};
    double Xb[4];
    assert_int_equal(solve(2, 2, B0, ub, vb, NULL, Xb, &rep, &err), ICS_OK);
    assert_true(Xb[0] == 0.0 && Xb[2] == 0.0);
    assert_true(fabs(Xb[1] - 1) < 1e-12 && fabs(Xb[3] - 1) < 1e-12);
}

static void expect_error(int m, int n, const double *A0, const double *u, const double *v,
                         const ics_gras_opts *o, const char *w1, const char *w2)
{
    double X[64];
    ics_error err;
    ics_gras_report rep;
    assert_int_equal(solve(m, n, A0, u, v, o, X, &rep, &err), ICS_EINPUT);
    if (!strstr(err.msg, w1) || (w2 && !strstr(err.msg, w2)))
        fail_msg("message '%s' lacks '%s' / '%s'", err.msg, w1, w2 ? w2 : "");
}

static void test_errors(void **state)
{
    (void)state;
    const char *rl[2] = {"alpha", "beta"}, *cl[2] = {"gamma", "delta"};
    ics_gras_opts o = ICS_GRAS_DEFAULTS;
    o.row_labels = rl;
    o.col_labels = cl;
    /* zero row / column with a non-zero target, naming the label and the value */
    const double Zr[4] = {0, 1, 0, 1};
    expect_error(2, 2, Zr, (double[]){1, 1}, (double[]){1, 1}, &o, "row 0 'alpha'",
                 "all prior entries are zero but its target is 1");
    const double Zc[4] = {1, 1, 0, 0};
    expect_error(2, 2, Zc, (double[]){1, 1}, (double[]){1, 1}, &o, "column 1 'delta'",
                 "all prior entries are zero");
    /* sign patterns: only negative entries with a positive target; only positive with negative */
    const double Nr[4] = {-1, 1, -2, 1};
    expect_error(2, 2, Nr, (double[]){1, 2}, (double[]){1.5, 1.5}, &o, "row 0 'alpha'",
                 "all <= 0");
    const double Pr[4] = {1, 1, 2, -1};
    expect_error(2, 2, Pr, (double[]){-1, 1}, (double[]){1, -1}, &o, "row 0 'alpha'",
                 "all >= 0");
    const double Nc[4] = {-1, -1, 1, 1};
    expect_error(2, 2, Nc, (double[]){1, 1}, (double[]){1, 1}, NULL, "column 0", "all <= 0");
    /* inconsistent totals */
    const double P4[4] = {1, 1, 1, 1};
    expect_error(2, 2, P4, (double[]){1, 1}, (double[]){1, 2}, NULL, "must be equal", NULL);
    /* non-finite inputs */
    const double Nan[4] = {1, NAN, 1, 1};
    expect_error(2, 2, Nan, (double[]){2, 2}, (double[]){2, 2}, NULL, "prior entry (1, 0)",
                 "finite");
    expect_error(2, 2, P4, (double[]){INFINITY, 2}, (double[]){2, 2}, NULL, "row 0",
                 "not a finite");
    expect_error(2, 2, P4, (double[]){2, 2}, (double[]){2, NAN}, NULL, "column 1",
                 "not a finite");
    /* a target that other margins make unreachable: row 0's only entry is in column 0, whose
     * target 0 forces it to zero */
    const double Dy[4] = {1, 1, 0, 1};
    expect_error(2, 2, Dy, (double[]){1, 1}, (double[]){0, 2}, &o, "row 0 'alpha'",
                 "cannot be reached");
    /* no convergence: a zero pattern that makes the margins infeasible ([a 0; b c] with
     * row 0 = 1, column 0 = 1 forces b = 0 while b > 0), or too few iterations */
    const double In[4] = {1, 1, 0, 1};
    ics_gras_opts few = ICS_GRAS_DEFAULTS;
    few.max_iter = 200;
    expect_error(2, 2, In, (double[]){1, 2}, (double[]){1, 2}, &few, "no convergence", NULL);
    const double A0[6] = {4, -1, 0, 2, 3, -2};
    few.max_iter = 1;
    expect_error(2, 3, A0, (double[]){10, 1}, (double[]){2, 5, 4}, &few, "no convergence in 1",
                 NULL);
    /* options */
    ics_gras_opts bad = ICS_GRAS_DEFAULTS;
    bad.tol = 0;
    expect_error(2, 2, P4, (double[]){2, 2}, (double[]){2, 2}, &bad, "tolerance", NULL);
    bad = (ics_gras_opts)ICS_GRAS_DEFAULTS;
    bad.max_iter = 0;
    expect_error(2, 2, P4, (double[]){2, 2}, (double[]){2, 2}, &bad, "max_iter", NULL);
    /* shapes and NULLs */
    ics_error err;
    ics_error_clear(&err);
    assert_null(ics_gras_create(0, 3, &err));
    assert_int_equal(err.code, ICS_EINPUT);
    ics_gras *g = ics_gras_create(2, 2, &err);
    double X[4];
    ics_error_clear(&err);
    assert_int_equal(ics_gras_solve(g, NULL, 2, P4, P4, NULL, X, 2, NULL, NULL, NULL, &err),
                     ICS_EINTERNAL);
    ics_error_clear(&err);
    assert_int_equal(ics_gras_solve(g, P4, 1, P4, P4, NULL, X, 2, NULL, NULL, NULL, &err),
                     ICS_EINTERNAL);
    ics_gras_destroy(&g);
    ics_gras_destroy(&g); /* NULL is fine */
    ics_gras_destroy(NULL);
}

/* Factors are returned; X may overwrite A0 (in place) with the same leading dimension. */
static void test_factors_and_in_place(void **state)
{
    (void)state;
    double A[4] = {1, 1, -1, 1};
    const double u[2] = {1, 1.5}, v[2] = {3, -0.5};
    double r[2], s[2];
    ics_error err;
    ics_error_clear(&err);
    ics_gras *g = ics_gras_create(2, 2, &err);
    assert_int_equal(ics_gras_solve(g, A, 2, u, v, NULL, A, 2, r, s, NULL, &err), ICS_OK);
    /* factors are unique up to r -> c r, s -> s / c */
    assert_true(fabs(r[0] / r[1] - 2.0) < 1e-10);
    assert_true(fabs(r[0] * s[0] - 2.0) < 1e-10 && fabs(r[1] * s[1] - 0.5) < 1e-10);
    assert_true(fabs(A[0] - 2) < 1e-10 && fabs(A[2] + 1) < 1e-10);
    ics_gras_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_2x2),
        cmocka_unit_test(test_known_solution_random),
        cmocka_unit_test(test_fixed_point),
        cmocka_unit_test(test_ras_special_case),
        cmocka_unit_test(test_zero_lines),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_factors_and_in_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
