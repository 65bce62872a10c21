/* The static models' shock types beyond linear demand/supply shocks (docs/models.md): capacity
 * losses through the mixed exogenous/endogenous model (leontief, ghosh), trade restrictions
 * (leontief mixed model, iim inoperability, ghosh allocation change), coefficient shocks by
 * Sherman-Morrison-Woodbury and by dense solve, composition, properties and error paths. Every
 * result is checked against dense algebra written out here from the table's Z and x. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ics_config.h"
#include "ics_model.h"
#include "ics_scenario.h"
#include "ics_shocks.h"
#include "ics_table.h"

#include <cblas.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NR 2
#define NS 3
#define N (NR * NS)

static const char *REG[NR] = {"R1", "R2"};
static const char *SEG[NS] = {"a", "b", "c"};

static int node(int r, int s) { return r * NS + s; }

/* 2 regions x 3 segments; node R2/c sells nothing to other nodes (its row of Z is zero) and some
 * other flows are zero too. Rows and columns balance exactly by construction. */
static ics_table *make_table(void)
{
    ics_error err;
    ics_error_clear(&err);
    ics_table *t = ics_table_create(NR, NS, N, 1, &err);
    assert_non_null(t);
    for (int r = 0; r < NR; ++r) t->regions[r] = ics_strdup(REG[r], &err);
    for (int s = 0; s < NS; ++s) t->segments[s] = ics_strdup(SEG[s], &err);
    t->y_region[0] = ics_strdup("R1", &err);
    t->y_category[0] = ics_strdup("final", &err);
    t->source = ics_strdup("test", &err);
    for (int i = 0; i < N; ++i) {
        t->node_region[i] = i / NS;
        t->node_segment[i] = i % NS;
    }
    for (int j = 0; j < N; ++j)
        for (int i = 0; i < N; ++i) {
            double z = (double)(((i * 7 + j * 3) % 5) + 1) * 10.0 + 0.5 * i;
            if ((i + 2 * j) % 4 == 0 || i == node(1, 2)) z = 0.0;
            t->Z[i + (size_t)j * N] = z;
        }
    for (int i = 0; i < N; ++i) {
        double rs = 0.0;
        for (int j = 0; j < N; ++j) rs += t->Z[i + (size_t)j * N];
        t->Y[i] = 400.0 + 37.0 * i;
        t->x[i] = rs + t->Y[i];
    }
    for (int j = 0; j < N; ++j) {
        double cs = 0.0;
        for (int i = 0; i < N; ++i) cs += t->Z[i + (size_t)j * N];
        t->va[j] = t->x[j] - cs;
    }
    return t;
}

typedef struct fixture {
    ics_table *t;
    ics_model *m;
    double A[N * N], B[N * N]; /* independent coefficients, column-major */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    ics_error err;
    ics_error_clear(&err);
    f->t = make_table();
    ics_validate_opts o = ICS_VALIDATE_DEFAULTS;
    ics_validate_report rep;
    if (ics_table_validate(f->t, &o, &rep, &err) != ICS_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    if (ics_model_create(f->t, &f->m, &err) != ICS_OK) return -1;
    for (int j = 0; j < N; ++j)
        for (int i = 0; i < N; ++i) {
            const double z = f->t->Z[i + (size_t)j * N];
            f->A[i + j * N] = z / f->t->x[j];
            f->B[i + j * N] = z / f->t->x[i];
        }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ics_model_destroy(&f->m);
    ics_table_destroy(&f->t);
    free(f);
    return 0;
}

/* Solve M z = rhs (M n x n column-major, overwritten; rhs overwritten by z). */
static void dense_solve(int n, double *M, double *rhs)
{
    lapack_int ipiv[64];
    assert_int_equal(LAPACKE_dgesv(LAPACK_COL_MAJOR, n, 1, M, n, ipiv, rhs, n), 0);
}

static ics_status plan_from(const fixture *f, const char *yaml, ics_plan **p, ics_error *err)
{
    ics_config *cfg = NULL;
    ics_error_clear(err);
    ics_status st = ics_config_parse(yaml, "t.yaml", &cfg, err);
    if (st != ICS_OK) {
        fprintf(stderr, "config: %s\n", err->msg);
        return st;
    }
    st = ics_plan_create(cfg, f->t, f->m, p, err);
    /* the plan borrows the shock names from the config; the tests never read them */
    ics_config_destroy(&cfg);
    return st;
}

static ics_plan *plan_ok(const fixture *f, const char *yaml)
{
    ics_plan *p = NULL;
    ics_error err;
    ics_status st = plan_from(f, yaml, &p, &err);
    if (st != ICS_OK) fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(st, ICS_OK);
    return p;
}

/* The pipeline's static block: sample, U = P Theta, propagate. */
static void run_block(const ics_plan *p, const ics_model *m, int64_t first, int bb, double *Theta,
                      double *X, double *Q)
{
    const int n = p->n, k = p->k;
    double *U = calloc((size_t)n * bb, sizeof *U);
    void *work = malloc(ics_plan_workspace_bytes(p, bb) + 1);
    ics_plan_sample(p, first, bb, Theta, NULL, NULL);
    if (k > 0)
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, bb, k, 1.0, p->P, n, Theta, k,
                    0.0, U, n);
    ics_static_propagate(p, m, bb, Theta, U, X, Q, work);
    free(work);
    free(U);
}

static double xmax(const fixture *f)
{
    double v = 0.0;
    for (int i = 0; i < N; ++i) v = fmax(v, f->t->x[i]);
    return v;
}

static void assert_close(const double *a, const double *b, int len, double tol)
{
    for (int i = 0; i < len; ++i) {
        if (!(fabs(a[i] - b[i]) <= tol))
            fail_msg("entry %d: %.17g vs %.17g (tolerance %g)", i, a[i], b[i], tol);
    }
}

/* Mixed model, demand side: dx_E given, dx_N = (I - A_NN)^-1 A_NE dx_E. */
static void dense_mixed_leontief(const fixture *f, const unsigned char *E, double *dx)
{
    int idx[N], nn = 0;
    for (int i = 0; i < N; ++i)
        if (!E[i]) idx[nn++] = i;
    double M[N * N], rhs[N];
    for (int a = 0; a < nn; ++a) {
        rhs[a] = 0.0;
        for (int e = 0; e < N; ++e)
            if (E[e]) rhs[a] += f->A[idx[a] + e * N] * dx[e];
        for (int b = 0; b < nn; ++b)
            M[a + b * nn] = (a == b) - f->A[idx[a] + idx[b] * N];
    }
    if (nn) dense_solve(nn, M, rhs);
    for (int a = 0; a < nn; ++a) dx[idx[a]] = rhs[a];
}

/* Mixed model, supply side: dx_N^T (I - B_NN) = dx_E^T B_EN. */
static void dense_mixed_ghosh(const fixture *f, const unsigned char *E, double *dx)
{
    int idx[N], nn = 0;
    for (int i = 0; i < N; ++i)
        if (!E[i]) idx[nn++] = i;
    double M[N * N], rhs[N];
    for (int c = 0; c < nn; ++c) {
        rhs[c] = 0.0;
        for (int e = 0; e < N; ++e)
            if (E[e]) rhs[c] += dx[e] * f->B[e + idx[c] * N];
        for (int a = 0; a < nn; ++a) M[c + a * nn] = (a == c) - f->B[idx[a] + idx[c] * N];
    }
    if (nn) dense_solve(nn, M, rhs);
    for (int a = 0; a < nn; ++a) dx[idx[a]] = rhs[a];
}

/* Lost-share ratio of buyer j: max over restricted segments of restricted / total purchases. */
static double dense_share(const fixture *f, int j, const int *from_reg, const int *segs)
{
    double best = 0.0;
    for (int s = 0; s < NS; ++s) {
        if (!segs[s]) continue;
        double num = 0.0, den = 0.0;
        for (int i = 0; i < N; ++i) {
            if (i % NS != s) continue;
            den += f->t->Z[i + (size_t)j * N];
            if (from_reg[i / NS]) num += f->t->Z[i + (size_t)j * N];
        }
        if (den > 0 && num / den > best) best = num / den;
    }
    return best;
}

static void test_capacity_loss_leontief(void **state)
{
    fixture *f = *state;
    ics_plan *p = plan_ok(f, "model: leontief\nshocks:\n"
                             "  - {name: cap, type: capacity_loss, regions: [R1], segments: [b, c], "
                             "loss: 0.3}\n");
    double X[N], Theta[1], dx[N] = {0};
    unsigned char E[N] = {0};
    run_block(p, f->m, 0, 1, Theta, X, NULL);
    E[node(0, 1)] = E[node(0, 2)] = 1;
    for (int i = 0; i < N; ++i)
        if (E[i]) dx[i] = -0.3 * f->t->x[i];
    dense_mixed_leontief(f, E, dx);
    assert_close(X, dx, N, 1e-12 * xmax(f));
    /* the constrained nodes lose exactly 30%; their suppliers lose sales */
    assert_true(fabs(X[node(0, 1)] + 0.3 * f->t->x[node(0, 1)]) < 1e-9);
    for (int i = 0; i < N; ++i) assert_true(X[i] <= 1e-9);
    ics_plan_destroy(&p);
}

static void test_capacity_loss_ghosh(void **state)
{
    fixture *f = *state;
    ics_plan *p = plan_ok(f, "model: ghosh\nshocks:\n"
                             "  - {name: cap, type: capacity_loss, regions: [R2], segments: [a], "
                             "loss: {dist: uniform, min: 0.1, max: 0.9}}\n");
    double X[N * 4], Theta[4];
    run_block(p, f->m, 10, 4, Theta, X, NULL);
    for (int j = 0; j < 4; ++j) {
        double dx[N] = {0};
        unsigned char E[N] = {0};
        E[node(1, 0)] = 1;
        dx[node(1, 0)] = -Theta[j] * f->t->x[node(1, 0)];
        dense_mixed_ghosh(f, E, dx);
        assert_close(X + j * N, dx, N, 1e-12 * xmax(f));
    }
    ics_plan_destroy(&p);
}

static void trade_expected_leontief(const fixture *f, double change, double *dx)
{
    const int from[NR] = {0, 1}, segs[NS] = {1, 1, 0};
    unsigned char E[N] = {0};
    for (int i = 0; i < N; ++i) dx[i] = 0.0;
    for (int j = 0; j < N; ++j) {
        if (j / NS != 0) continue; /* buyers: R1 */
        const double r = dense_share(f, j, from, segs);
        if (r > 0) E[j] = 1, dx[j] = change * r * f->t->x[j];
    }
    dense_mixed_leontief(f, E, dx);
}

static void test_trade_restriction_leontief(void **state)
{
    fixture *f = *state;
    ics_plan *p = plan_ok(f, "model: leontief\nshocks:\n"
                             "  - {name: ctl, type: trade_restriction, from: [R2], to: [R1], "
                             "segments: [a, b], change: -0.4}\n");
    double X[N], Theta[1], dx[N];
    run_block(p, f->m, 0, 1, Theta, X, NULL);
    trade_expected_leontief(f, -0.4, dx);
    assert_close(X, dx, N, 1e-12 * xmax(f));
    int affected = 0;
    for (int j = 0; j < NS; ++j) affected += dx[j] < 0;
    assert_true(affected > 0);
    /* upstream: R2 suppliers lose sales too */
    double up = 0.0;
    for (int i = NS; i < N; ++i) up += X[i];
    assert_true(up < 0.0);
    ics_plan_destroy(&p);
}

static void test_trade_restriction_iim(void **state)
{
    fixture *f = *state;
    ics_plan *p = plan_ok(f, "model: iim\nshocks:\n"
                             "  - {name: ctl, type: trade_restriction, from: [R2], to: [R1], "
                             "segments: [a, b], change: -0.4}\n");
    double X[N], Q[N], Theta[1], c[N] = {0}, M[N * N];
    const int from[NR] = {0, 1}, segs[NS] = {1, 1, 0};
    run_block(p, f->m, 0, 1, Theta, X, Q);
    for (int j = 0; j < NS; ++j) c[j] = 0.4 * dense_share(f, j, from, segs);
    /* (I - A*) q = c*, A* = diag(x)^-1 A diag(x) */
    for (int j = 0; j < N; ++j)
        for (int i = 0; i < N; ++i)
            M[i + j * N] = (i == j) - f->A[i + j * N] * f->t->x[j] / f->t->x[i];
    dense_solve(N, M, c);
    for (int i = 0; i < N; ++i) {
        const double q = fmin(1.0, fmax(0.0, c[i]));
        assert_true(fabs(Q[i] - q) < 1e-12);
        assert_true(fabs(X[i] + q * f->t->x[i]) < 1e-9);
    }
    ics_plan_destroy(&p);
}

/* Ghosh: b_ij <- (1 + change) b_ij on the restricted flows; x'^T = v^T (I - B')^-1. */
static void ghosh_trade_expected(const fixture *f, double change, double *dx)
{
    double M[N * N], rhs[N];
    for (int j = 0; j < N; ++j)
        for (int i = 0; i < N; ++i) {
            double b = f->B[i + j * N];
            if (i / NS == 1 && i % NS <= 1 && j / NS == 0) b *= 1.0 + change;
            M[j + i * N] = (i == j) - b; /* (I - B')^T */
        }
    for (int i = 0; i < N; ++i) rhs[i] = f->t->va[i];
    dense_solve(N, M, rhs);
    for (int i = 0; i < N; ++i) dx[i] = rhs[i] - f->t->x[i];
}

static void test_trade_restriction_ghosh(void **state)
{
    fixture *f = *state;
    const char *yaml = "model: ghosh\nshocks:\n"
                       "  - {name: ctl, type: trade_restriction, from: [R2], to: [R1], "
                       "segments: [a, b], change: -0.4}\n";
    for (int method = ICS_LOWRANK_SMW; method <= ICS_LOWRANK_DENSE; ++method) {
        ics_plan *p = plan_ok(f, yaml);
        ics_error err;
        assert_int_equal(ics_plan_set_lowrank(p, f->m, method, &err), ICS_OK);
        double X[N], Theta[1], dx[N];
        run_block(p, f->m, 0, 1, Theta, X, NULL);
        ghosh_trade_expected(f, -0.4, dx);
        assert_close(X, dx, N, 1e-10 * xmax(f));
        /* suppliers' own output is unchanged unless they are downstream of the buyers; buyers
         * lose */
        double tot = 0.0;
        for (int i = 0; i < N; ++i) tot += X[i];
        assert_true(tot < 0.0);
        ics_plan_destroy(&p);
    }
}

/* Direct dense solve of one scenario of the coefficient test: A(theta) from the table, the
 * final-demand change and the trade restriction's implied demand change. */
static void coef_expected_leontief(const fixture *f, const double *th, double *dx)
{
    double M[N * N], rhs[N], dtr[N];
    /* the trade restriction's implied demand change (I - A) dx_mixed, at baseline A */
    trade_expected_leontief(f, th[3], dtr);
    for (int i = 0; i < N; ++i) {
        double x0 = f->t->x[i], s = dtr[i];
        for (int j = 0; j < N; ++j) s -= f->A[i + j * N] * dtr[j];
        /* baseline demand y = (I - A) x */
        double y = x0;
        for (int j = 0; j < N; ++j) y -= f->A[i + j * N] * f->t->x[j];
        rhs[i] = y + s + (i / NS == 1 ? th[0] * (f->t->Y[i]) : 0.0);
    }
    for (int j = 0; j < N; ++j)
        for (int i = 0; i < N; ++i) {
            double a = f->A[i + j * N];
            double rel = 1.0;
            if (i == node(0, 0)) rel += th[1];
            if (i % NS == 2) rel += th[2];
            M[i + j * N] = (i == j) - a * rel;
        }
    dense_solve(N, M, rhs);
    for (int i = 0; i < N; ++i) dx[i] = rhs[i] - f->t->x[i];
}

static void test_coefficient_leontief_smw_dense(void **state)
{
    fixture *f = *state;
    /* trade restriction from R2 a,b to R1 (same as above) with a constant change, so that its
     * mixed-model pattern can be recomputed by trade_expected_leontief */
    const char *yaml =
        "model: leontief\nshocks:\n"
        "  - {name: dem, type: final_demand, regions: [R2], change: {dist: uniform, min: -0.3, "
        "max: 0.1}}\n"
        "  - {name: co1, type: coefficient, regions: [R1], segments: [a], change: {dist: uniform, "
        "min: -0.5, max: 0.3}}\n"
        "  - {name: co2, type: coefficient, segments: [c], change: {dist: uniform, min: -0.2, "
        "max: 0.4}, probability: 0.6}\n"
        "  - {name: tr, type: trade_restriction, from: [R2], to: [R1], segments: [a, b], "
        "change: -0.25}\n";
    enum { B = 9 };
    for (int method = ICS_LOWRANK_AUTO; method <= ICS_LOWRANK_DENSE; ++method) {
        ics_plan *p = plan_ok(f, yaml);
        ics_error err;
        if (method == ICS_LOWRANK_AUTO) {
            assert_int_equal(p->lr.method, ICS_LOWRANK_SMW);
            assert_int_equal(p->lr.r, 1 + 1); /* co1: row R1/a; co2: row R1/c (R2/c sells 0) */
        }
        assert_int_equal(ics_plan_set_lowrank(p, f->m, method, &err), ICS_OK);
        double X[N * B], Theta[4 * B], dx[N];
        run_block(p, f->m, 100, B, Theta, X, NULL);
        int zeros = 0;
        for (int j = 0; j < B; ++j) {
            zeros += Theta[2 + 4 * j] == 0.0;
            coef_expected_leontief(f, Theta + 4 * j, dx);
            assert_close(X + j * N, dx, N, 1e-10 * xmax(f));
        }
        assert_true(zeros > 0 && zeros < B); /* both occurrence states are exercised */
        ics_plan_destroy(&p);
    }
}

static void test_coefficient_ghosh_iim(void **state)
{
    fixture *f = *state;
    enum { B = 6 };
    for (int model = 0; model < 2; ++model) {
        char yaml[512];
        snprintf(yaml, sizeof yaml,
                 "model: %s\nshocks:\n"
                 "  - {name: in, type: %s, regions: [R1], change: {dist: uniform, min: -0.4, "
                 "max: 0.0}}\n"
                 "  - {name: co, type: coefficient, regions: [R2], segments: [a, b], "
                 "change: {dist: uniform, min: -0.6, max: 0.5}}\n",
                 model ? "iim" : "ghosh", model ? "final_demand" : "value_added");
        for (int method = ICS_LOWRANK_SMW; method <= ICS_LOWRANK_DENSE; ++method) {
            ics_plan *p = plan_ok(f, yaml);
            ics_error err;
            assert_int_equal(ics_plan_set_lowrank(p, f->m, method, &err), ICS_OK);
            double X[N * B], Q[N * B], Theta[2 * B];
            run_block(p, f->m, 7, B, Theta, X, model ? Q : NULL);
            for (int j = 0; j < B; ++j) {
                const double t0 = Theta[2 * j], t1 = Theta[2 * j + 1];
                double M[N * N], rhs[N];
                for (int c = 0; c < N; ++c)
                    for (int i = 0; i < N; ++i) {
                        const double rel = (i / NS == 1 && i % NS <= 1) ? 1.0 + t1 : 1.0;
                        const double a = f->A[i + c * N] * rel; /* a_ic(theta) */
                        if (model == 0) /* ghosh: (I - B(theta))^T, b_ic = a_ic x_c / x_i */
                            M[c + i * N] = (i == c) - a * f->t->x[c] / f->t->x[i];
                        else /* iim: I - A*(theta) */
                            M[i + c * N] = (i == c) - a * f->t->x[c] / f->t->x[i];
                    }
                if (model == 0) {
                    /* v + dv, dv = change * v on R1 */
                    for (int i = 0; i < N; ++i)
                        rhs[i] = f->t->va[i] * (1.0 + (i / NS == 0 ? t0 : 0.0));
                    dense_solve(N, M, rhs);
                    for (int i = 0; i < N; ++i) rhs[i] -= f->t->x[i];
                    assert_close(X + j * N, rhs, N, 1e-10 * xmax(f));
                } else {
                    /* xt = (I - A*(theta))^-1 ((I - A*) 1 - c*), q = 1 - xt; c* = -dy/x */
                    for (int i = 0; i < N; ++i) {
                        double s = 1.0;
                        for (int c = 0; c < N; ++c) s -= f->B[i + c * N];
                        const double cs = i / NS == 0 ? -t0 * f->t->Y[i] / f->t->x[i] : 0.0;
                        rhs[i] = s - cs;
                    }
                    dense_solve(N, M, rhs);
                    for (int i = 0; i < N; ++i) {
                        const double q = fmin(1.0, fmax(0.0, 1.0 - rhs[i]));
                        assert_true(fabs(Q[i + j * N] - q) < 1e-10);
                        assert_true(fabs(X[i + j * N] + q * f->t->x[i]) < 1e-10 * xmax(f));
                    }
                }
            }
            ics_plan_destroy(&p);
        }
    }
}

/* A scenario in which no shock occurs is the baseline: its output change (and inoperability) is
 * exactly +0.0 in leontief, ghosh and iim, with the low-rank shocks solved by SMW and by the
 * dense per-scenario solve, which works on the deviation from baseline (issue 11); the other
 * scenarios of the block do change. */
static void test_unshocked_exact_zero(void **state)
{
    fixture *f = *state;
    enum { B = 24 };
    static const char *const models[3] = {"leontief", "ghosh", "iim"};
    for (int model = 0; model < 3; ++model) {
        char yaml[768];
        snprintf(yaml, sizeof yaml,
                 "model: %s\nshocks:\n"
                 "  - {name: in, type: %s, regions: [R1], change: {dist: uniform, min: -0.4, "
                 "max: -0.1}, probability: 0.5}\n"
                 "  - {name: co, type: coefficient, regions: [R2], segments: [a, b], "
                 "change: {dist: uniform, min: -0.6, max: 0.5}, probability: 0.5}\n"
                 "  - {name: tr, type: trade_restriction, from: [R2], to: [R1], segments: [a], "
                 "change: {dist: uniform, min: -0.9, max: -0.1}, probability: 0.5}\n",
                 models[model], model == 1 ? "value_added" : "final_demand");
        for (int method = ICS_LOWRANK_SMW; method <= ICS_LOWRANK_DENSE; ++method) {
            ics_plan *p = plan_ok(f, yaml);
            ics_error err;
            assert_int_equal(ics_plan_set_lowrank(p, f->m, method, &err), ICS_OK);
            double X[N * B], Q[N * B], Theta[3 * B];
            run_block(p, f->m, 11, B, Theta, X, model == 2 ? Q : NULL);
            int calm = 0, moved = 0;
            for (int j = 0; j < B; ++j) {
                const int none = Theta[3 * j] == 0.0 && Theta[3 * j + 1] == 0.0 &&
                                 Theta[3 * j + 2] == 0.0;
                int nz = 0;
                for (int i = 0; i < N; ++i) {
                    const double v = X[i + j * N];
                    nz += v != 0.0 || signbit(v);
                    if (model == 2) nz += Q[i + j * N] != 0.0 || signbit(Q[i + j * N]);
                }
                if (none) assert_int_equal(nz, 0);
                calm += none;
                moved += !none && nz > 0;
            }
            assert_true(calm > 0 && moved > 0);
            ics_plan_destroy(&p);
        }
    }
}

/* Issue 17: a static block propagates through the shock support only (the rows of P with a
 * nonzero) when that leaves out a quarter of the nodes. The result must be the full product by
 * the inverse, checked against dense solves with (I - A), (I - B)^T and (I - A*) written out here,
 * for leontief, ghosh and iim; the support must be exactly the shocked nodes, and the path must
 * really be taken (nsup <= 3n/4). A support that missed a shocked node, or gathered the wrong
 * rows, changes X far beyond the tolerance. */
static void test_shock_support(void **state)
{
    fixture *f = *state;
    enum { B = 16 };
    static const char *const models[3] = {"leontief", "ghosh", "iim"};
    for (int model = 0; model < 3; ++model) {
        char yaml[512];
        snprintf(yaml, sizeof yaml,
                 "model: %s\nshocks:\n"
                 "  - {name: d1, type: %s, segments: [a], change: {dist: uniform, min: -0.4, "
                 "max: 0.2}}\n"
                 "  - {name: d2, type: %s, regions: [R2], segments: [c], change: {dist: normal, "
                 "mean: -0.1, sd: 0.1}, probability: 0.5}\n",
                 models[model], model == 1 ? "value_added" : "final_demand",
                 model == 1 ? "value_added" : "final_demand");
        ics_plan *p = plan_ok(f, yaml);
        /* the support: R1/a, R2/a, R2/c, ascending */
        assert_int_equal(p->nsup, 3);
        assert_int_equal(p->sup[0], node(0, 0));
        assert_int_equal(p->sup[1], node(1, 0));
        assert_int_equal(p->sup[2], node(1, 2));
        assert_true(4 * p->nsup <= 3 * N && N <= ICS_SUPPORT_MAX_N && f->m->L && f->m->G);
        assert_true(ics_plan_workspace_bytes(p, B) >= sizeof(double) * 3 * (N + B));
        double X[N * B], Q[N * B], Theta[2 * B], Xt[N * B], Qt[N * B];
        run_block(p, f->m, 5, B, Theta, X, model == 2 ? Q : NULL);
        /* the same block from Theta alone (U formed on the support only) must take that path
         * and agree with the product through U to rounding */
        void *work = malloc(ics_plan_workspace_bytes(p, B));
        assert_non_null(work);
        assert_int_equal(ics_static_propagate_theta(p, f->m, B, Theta, Xt, model == 2 ? Qt : NULL,
                                                    work), 1);
        assert_close(Xt, X, N * B, 1e-14 * xmax(f));
        if (model == 2) assert_close(Qt, Q, N * B, 1e-14);
        /* ... and decline (doing nothing) without a workspace */
        Xt[0] = 12345.0;
        assert_int_equal(ics_static_propagate_theta(p, f->m, B, Theta, Xt, Qt, NULL), 0);
        assert_true(Xt[0] == 12345.0);
        free(work);
        int moved = 0;
        for (int j = 0; j < B; ++j) {
            double u[N], M[N * N];
            for (int i = 0; i < N; ++i)
                u[i] = p->P[i] * Theta[2 * j] + p->P[i + N] * Theta[2 * j + 1];
            for (int c = 0; c < N; ++c)
                for (int r = 0; r < N; ++r) {
                    /* leontief (I - A) dx = dy; ghosh (I - B)^T dx = dv; iim (I - A*) q = c*,
                     * A* = diag(x)^-1 A diag(x) = B */
                    const double a = model == 0 ? f->A[r + c * N]
                                     : model == 1 ? f->B[c + r * N] : f->B[r + c * N];
                    M[r + c * N] = (r == c) - a;
                }
            dense_solve(N, M, u);
            if (model == 2) {
                for (int i = 0; i < N; ++i) {
                    const double q = u[i] < 0.0 ? 0.0 : u[i] > 1.0 ? 1.0 : u[i];
                    assert_close(&Q[i + j * N], &q, 1, 1e-13);
                    u[i] = -q * f->t->x[i];
                }
            }
            assert_close(X + j * N, u, N, 1e-12 * xmax(f));
            for (int i = 0; i < N; ++i) moved += X[i + j * N] != 0.0;
        }
        assert_true(moved > B);
        ics_plan_destroy(&p);
    }
    /* a shock on every node: no support to run through, so the Theta path declines */
    ics_plan *p = plan_ok(f, "model: leontief\nshocks:\n"
                             "  - {name: all, type: final_demand, change: -0.1}\n");
    assert_int_equal(p->nsup, N);
    double X[N * B], Theta[B];
    void *work = malloc(ics_plan_workspace_bytes(p, B) + 1);
    assert_non_null(work);
    ics_plan_sample(p, 0, B, Theta, NULL, NULL);
    assert_int_equal(ics_static_propagate_theta(p, f->m, B, Theta, X, NULL, work), 0);
    free(work);
    ics_plan_destroy(&p);
}

static void test_composition(void **state)
{
    fixture *f = *state;
    const char *one[3] = {
        "  - {name: c1, type: capacity_loss, regions: [R1], segments: [a], loss: 0.2}\n",
        "  - {name: c2, type: capacity_loss, regions: [R2], segments: [a, b], loss: 0.5}\n",
        "  - {name: d, type: final_demand, regions: [R1], change: -0.1}\n"};
    char yaml[1024];
    double Xs[N] = {0}, X[N], Theta[3];
    for (int s = 0; s < 3; ++s) {
        snprintf(yaml, sizeof yaml, "model: leontief\nshocks:\n%s", one[s]);
        ics_plan *p = plan_ok(f, yaml);
        run_block(p, f->m, 0, 1, Theta, X, NULL);
        for (int i = 0; i < N; ++i) Xs[i] += X[i];
        ics_plan_destroy(&p);
    }
    snprintf(yaml, sizeof yaml, "model: leontief\nshocks:\n%s%s%s", one[0], one[1], one[2]);
    ics_plan *p = plan_ok(f, yaml);
    run_block(p, f->m, 0, 1, Theta, X, NULL);
    assert_close(X, Xs, N, 1e-12 * xmax(f));
    /* disjoint sets: each set keeps its own loss plus the other shocks' backward effects, and
     * the single shock c2 alone is the mixed model with E = {R2/a, R2/b} */
    double dx[N] = {0};
    unsigned char E[N] = {0};
    E[node(1, 0)] = E[node(1, 1)] = 1;
    dx[node(1, 0)] = -0.5 * f->t->x[node(1, 0)];
    dx[node(1, 1)] = -0.5 * f->t->x[node(1, 1)];
    dense_mixed_leontief(f, E, dx);
    ics_plan_destroy(&p);
    snprintf(yaml, sizeof yaml, "model: leontief\nshocks:\n%s", one[1]);
    p = plan_ok(f, yaml);
    run_block(p, f->m, 0, 1, Theta, X, NULL);
    assert_close(X, dx, N, 1e-12 * xmax(f));
    ics_plan_destroy(&p);
}

static void test_trade_properties(void **state)
{
    fixture *f = *state;
    const char *models[3] = {"leontief", "ghosh", "iim"};
    for (int mo = 0; mo < 3; ++mo) {
        double prev = -1.0;
        for (int step = 0; step <= 10; ++step) {
            char yaml[512];
            snprintf(yaml, sizeof yaml,
                     "model: %s\nshocks:\n"
                     "  - {name: ctl, type: trade_restriction, from: [R2], to: [R1], "
                     "segments: [a, b], change: %g}\n",
                     models[mo], -0.1 * step);
            ics_plan *p = plan_ok(f, yaml);
            double X[N], Q[N], Theta[1], loss = 0.0;
            run_block(p, f->m, 0, 1, Theta, X, Q);
            for (int i = 0; i < N; ++i) loss -= X[i];
            if (step == 0)
                for (int i = 0; i < N; ++i) assert_true(X[i] == 0.0);
            else
                assert_true(loss > prev);
            prev = loss;
            ics_plan_destroy(&p);
        }
    }
}

static void expect_error(const fixture *f, const char *model, const char *shock,
                         const char *needle)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "model: %s\nshocks:\n  - {name: bad, %s}\n", model, shock);
    ics_plan *p = NULL;
    ics_error err;
    ics_status st = plan_from(f, yaml, &p, &err);
    if (st != ICS_EINPUT || !strstr(err.msg, needle) || !strstr(err.msg, "t.yaml:3: shock 'bad'"))
        fail_msg("expected an input error with '%s', got status %d: %s", needle, (int)st, err.msg);
    assert_null(p);
}

static void test_errors(void **state)
{
    fixture *f = *state;
    expect_error(f, "leontief",
                 "type: trade_restriction, from: [R2], to: [R1], segments: [c], change: -0.5",
                 "restricts no flow: the table has no flows from [R2] in segments [c] to [R1]");
    expect_error(f, "ghosh",
                 "type: trade_restriction, from: [R2], to: [R1], segments: [c], change: -0.5",
                 "restricts no flow");
    expect_error(f, "leontief", "type: trade_restriction, from: [R2], to: [R1], change: 0.2",
                 "must lie in [-1, 0], got 0.2");
    expect_error(f, "iim",
                 "type: trade_restriction, from: [R2], to: [R1], change: {dist: uniform, "
                 "min: -1.2, max: -0.5}",
                 "got the range [-1.2, -0.5]");
    expect_error(f, "leontief",
                 "type: trade_restriction, from: [R2], to: [R1], change: {dist: lognormal, "
                 "mu: 0, sigma: 1}",
                 "must lie in [-1, 0]");
    expect_error(f, "leontief",
                 "type: trade_restriction, from: [R2], to: [R1], regions: [R1], change: -0.5",
                 "remove 'regions'");
    expect_error(f, "leontief", "type: trade_restriction, from: [XX], to: [R1], change: -0.5",
                 "region 'XX' matches no region");
    expect_error(f, "leontief", "type: coefficient, regions: [R1], change: -1.5",
                 "must lie in [-1, inf), got -1.5");
    expect_error(f, "ghosh",
                 "type: coefficient, regions: [R1], change: {dist: uniform, min: -2, max: 0}",
                 "got the range [-2, 0]");
    expect_error(f, "iim", "type: coefficient, regions: [R2], segments: [c], change: 0.1",
                 "changes no coefficient");
    expect_error(f, "leontief", "type: coefficient, change: 5.0", "no longer productive");
    expect_error(f, "leontief", "type: value_added, change: -0.1",
                 "type value_added is not supported with model leontief");
    expect_error(f, "ghosh", "type: final_demand, change: -0.1",
                 "(it takes: value_added, capacity_loss, trade_restriction, coefficient)");
}

/* Clipping: sampled values outside a shock type's range act at the bound. */
static void test_clipping(void **state)
{
    fixture *f = *state;
    ics_plan *p = plan_ok(f, "model: leontief\nshocks:\n"
                             "  - {name: t, type: trade_restriction, from: [R2], to: [R1], "
                             "change: {dist: normal, mean: -0.5, sd: 3, truncate: true}}\n"
                             "  - {name: c, type: coefficient, regions: [R1], "
                             "change: {dist: normal, mean: 0, sd: 5, truncate: true}}\n");
    enum { B = 64 };
    double Theta[2 * B], Raw[2 * B];
    ics_plan_sample(p, 0, B, Theta, Raw, NULL);
    for (int j = 0; j < B; ++j) {
        assert_true(Theta[2 * j] >= -1.0 && Theta[2 * j] <= 0.0);
        assert_true(Theta[2 * j + 1] >= -1.0);
        assert_true(Raw[2 * j] == Theta[2 * j]);
    }
    ics_plan_destroy(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_capacity_loss_leontief, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capacity_loss_ghosh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trade_restriction_leontief, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trade_restriction_iim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trade_restriction_ghosh, setup, teardown),
        cmocka_unit_test_setup_teardown(test_coefficient_leontief_smw_dense, setup, teardown),
        cmocka_unit_test_setup_teardown(test_coefficient_ghosh_iim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unshocked_exact_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shock_support, setup, teardown),
        cmocka_unit_test_setup_teardown(test_composition, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trade_properties, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clipping, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
