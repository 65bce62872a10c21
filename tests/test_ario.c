/* ARIO-type dynamics (core/dynamics/ario.c) checked against its own algebra (issue 4, acceptance 1 and 3):
 * no shock keeps every quantity at the baseline; with unlimited inventories and capacity shocks
 * production is min(demand, capacity); goods balance (produced = delivered to clients and final
 * demand, inventories change by receipts minus use) every step; losses grow with the size and
 * the duration of a one-node capacity loss; substitution reduces the loss of a trade
 * restriction; rationing gives every client the same share of its order; the ario section's
 * errors. The step-level hooks are ario.c's diagnostic entry points (core/dynamics/ics_ario_internal.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ics_dynamic.h"
#include "ics_ario_internal.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* A region-major table: nreg regions R1.. x nseg segments a, b, c..; Zrow row-major n x n
 * (row sells to column), final demand y; x = Z1 + y exactly. */
static ics_table *make_table(int nreg, int nseg, const double *Zrow, const double *y)
{
    ics_error err;
    ics_error_clear(&err);
    const int n = nreg * nseg;
    ics_table *t = ics_table_create(nreg, nseg, n, 1, &err);
    char buf[16];
    for (int r = 0; r < nreg; ++r) {
        snprintf(buf, sizeof buf, "R%d", r + 1);
        t->regions[r] = ics_strdup(buf, &err);
    }
    for (int s = 0; s < nseg; ++s) {
        snprintf(buf, sizeof buf, "%c", 'a' + s);
        t->segments[s] = ics_strdup(buf, &err);
    }
    t->y_region[0] = ics_strdup("R1", &err);
    t->y_category[0] = ics_strdup("final", &err);
    t->source = ics_strdup("test", &err);
    for (int i = 0; i < n; ++i) {
        t->node_region[i] = i / nseg;
        t->node_segment[i] = i % nseg;
        double rs = 0;
        for (int j = 0; j < n; ++j) {
            t->Z[i + (size_t)n * j] = Zrow[i * n + j];
            rs += Zrow[i * n + j];
        }
        t->Y[i] = y[i];
        t->x[i] = rs + y[i];
    }
    for (int j = 0; j < n; ++j) {
        double cs = 0;
        for (int i = 0; i < n; ++i) cs += Zrow[i * n + j];
        t->va[j] = t->x[j] - cs;
    }
    return t;
}

/* 2 regions x 2 segments: nodes R1/a, R1/b, R2/a, R2/b */
static const double Z4[16] = {10, 20, 5, 8, 15, 5, 10, 6, 4, 12, 8, 16, 6, 9, 14, 4};
static const double y4[4] = {60, 70, 50, 80};
/* 1 region x 3 segments: one supplier per product */
static const double Z3[9] = {10, 30, 20, 25, 15, 40, 5, 35, 10};
static const double y3[3] = {40, 120, 100};

typedef struct fixture {
    ics_table *t;
    ics_model *m;
    ics_config *cfg;
    ics_plan *p;
    ics_dyn *d;
    ics_dyn_ws *w;
    int b;
    double xbar[16]; /* baseline per step, internal order */
} fixture;

static ics_status try_setup(fixture *f, int three, const char *yaml, int b, ics_error *err)
{
    memset(f, 0, sizeof *f);
    f->b = b;
    f->t = three ? make_table(1, 3, Z3, y3) : make_table(2, 2, Z4, y4);
    assert_int_equal(ics_model_create(f->t, &f->m, err), ICS_OK);
    ics_status st = ics_config_parse(yaml, "t.yaml", &f->cfg, err);
    if (st != ICS_OK) return st;
    assert_int_equal(ics_plan_create(f->cfg, f->t, f->m, &f->p, err), ICS_OK);
    st = ics_dyn_create(f->cfg, f->t, f->m, f->p, &f->d, err);
    if (st != ICS_OK) return st;
    assert_int_equal(ics_dyn_ws_create(f->d, b, 1, &f->w, err), ICS_OK);
    /* the workspace's arrays start on cache lines (ICS_ALLOC_LINE): the kernels' 64-byte
     * vector loads must not straddle two */
    const void *arrays[] = {f->w->model_ws, f->w->Q, f->w->G, f->w->C, f->w->X, f->w->rec,
                            f->w->peak, f->w->traj, f->w->Theta};
    for (size_t i = 0; i < sizeof arrays / sizeof *arrays; ++i)
        assert_int_equal((uintptr_t)arrays[i] % 64, 0);
    free(f->w->model_ws); /* room for the probes */
    f->w->model_ws = calloc(1, ics__ario_probe_bytes(f->d, b));
    const int n = f->t->n;
    const int *perm = ics__ario_perm(f->d);
    for (int ii = 0; ii < n; ++ii) f->xbar[ii] = f->t->x[perm[ii]] / f->cfg->steps_per_year;
    return ICS_OK;
}

static void setup(fixture *f, int three, const char *yaml, int b)
{
    ics_error err;
    ics_error_clear(&err);
    if (try_setup(f, three, yaml, b, &err) != ICS_OK) fail_msg("%s", err.msg);
}

static void teardown(fixture *f)
{
    ics_dyn_ws_destroy(&f->w);
    ics_dyn_destroy(&f->d);
    ics_plan_destroy(&f->p);
    ics_ario_config_free(f->cfg);
    ics_config_destroy(&f->cfg);
    ics_model_destroy(&f->m);
    ics_table_destroy(&f->t);
}

/* sample the block's parameters, then optionally override theta of shock q with vals[b] */
static void sample(fixture *f, int q, const double *vals)
{
    ics_plan_sample(f->p, 0, f->b, f->w->Theta, f->w->Raw, f->w->Occ);
    ics_plan_timing(f->p, 0, f->b, f->w->Start, f->w->Dur);
    if (vals)
        for (int j = 0; j < f->b; ++j) f->w->Theta[q + (size_t)j * f->d->k] = vals[j];
}

static double rel(double a, double b)
{
    return fabs(a - b) / fmax(1.0, fmax(fabs(a), fabs(b)));
}

static double total_loss(const fixture *f, int j)
{
    double s = 0;
    for (int i = 0; i < f->t->n; ++i) s -= f->w->X[i + (size_t)j * f->t->n];
    return s;
}

/* ------------------------------------------------------------------------------------------ */

/* No shock: every quantity at the baseline, and bitwise so (the step computes deviations from
 * the baseline, which are 0 exactly: issue 11), with the segment kernels and with DGEMM. */
static void check_baseline_with(const char *yaml, int blas)
{
    fixture f;
    setup(&f, 0, yaml, 3);
    ics__ario_set_blas(f.d, blas);
    const int n = 4, b = 3, T = f.d->T, s = 2;
    sample(&f, 0, NULL);
    ics__ario_begin(f.d, b, f.w, 1);
    double om0[2 * 4 * 3], x0[4];
    memcpy(om0, ics__ario_view(f.d, f.w, "omega"), sizeof om0);
    for (int t = 0; t <= T; ++t) {
        ics__ario_step(f.d, t, f.w);
        const double *D = ics__ario_view(f.d, f.w, "D"), *xa = ics__ario_view(f.d, f.w, "xa");
        const double *al = ics__ario_view(f.d, f.w, "alpha"), *om = ics__ario_view(f.d, f.w, "omega");
        const double *sum = ics__ario_view(f.d, f.w, "sum");
        if (t == 0) memcpy(x0, xa, sizeof x0);
        for (int e = 0; e < n * b; ++e) {
            const double xb = f.xbar[e % n];
            assert_true(fabs(D[e] - xb) <= 1e-12 * xb);
            assert_true(xa[e] == D[e] && xa[e] == x0[e % n]); /* demand met, output unchanged */
            assert_true(al[e] == 1.0);
        }
        if (t < T) {
            for (int e = 0; e < s * n * b; ++e) assert_true(om[e] == om0[e]);
            for (int j = 0; j < b; ++j) assert_true(rel(sum[j], sum[b + j] + sum[2 * b + j]) <= 1e-12);
        }
    }
    for (int j = 0; j < b; ++j) {
        assert_true(f.w->unmet[j] == 0.0);
        for (int i = 0; i < n; ++i) {
            assert_true(f.w->X[i + n * j] == 0.0);
            assert_true(f.w->peak[i + n * j] == 0.0);
            assert_true(f.w->rec[i + n * j] == 0.0);
            for (int t = 0; t <= T; ++t) assert_true(f.w->traj[i + t * n + j * (T + 1) * n] == 0.0);
        }
    }
    teardown(&f);
}

static void check_baseline(const char *yaml)
{
    check_baseline_with(yaml, 0);
    check_baseline_with(yaml, 1);
}

static void test_no_shock_stays_at_baseline(void **state)
{
    (void)state;
    check_baseline("model: ario\nhorizon: 80\nshocks:\n  - {name: s, type: final_demand, change: 0.0}\n");
    check_baseline("model: ario\nhorizon: 60\nario: {order_type: base, inventory: {default: 2, b: inf}, psi: 0.5}\n"
                   "shocks:\n  - {name: s, type: capacity_loss, regions: R1, loss: 0.0}\n");
    check_baseline("model: ario\nhorizon: 60\nario: {substitution: {share: 1, ramp: 3}}\n"
                   "shocks:\n  - {name: s, type: trade_restriction, from: R1, to: R2, change: 0.0}\n");
    /* the smallest targets: one step (the bound equals baseline output), with psi 1 and 0.8 */
    check_baseline("model: ario\nhorizon: 60\nario: {inventory: 1, psi: 1}\n");
    check_baseline("model: ario\nhorizon: 60\nario: {inventory: {default: 1.25, a: 1}, order_type: base}\n");
    check_baseline("model: ario\nhorizon: 40\nsteps_per_year: 4\n"); /* 90 days < 1 step: raised */
}

/* An ensemble in which each shock occurs with probability 0.5: the scenarios where none occurs
 * are exactly at baseline although they share every GEMM and pass with shocked ones, for both
 * order types and both segment-product implementations; the others lose output. */
static void test_unshocked_columns_exact(void **state)
{
    (void)state;
    ics_error err;
    ics_error_clear(&err);
    const char *yamls[2] = {
        "model: ario\nhorizon: 40\nshocks:\n"
        "  - {name: c, type: capacity_loss, regions: r0, loss: {dist: uniform, min: 0.2, max: 0.9}, duration: 8, recovery: 10, probability: 0.5}\n"
        "  - {name: d, type: final_demand, segments: s3, change: {dist: uniform, min: -0.3, max: 0.3}, duration: 20, probability: 0.5}\n"
        "  - {name: tr, type: trade_restriction, from: r1, to: r2, segments: s2, change: {dist: uniform, min: -1, max: -0.5}, start: 2, duration: 30, probability: 0.5}\n",
        "model: ario\nhorizon: 40\nario: {order_type: base, substitution: {share: 0.5, ramp: 4}}\nshocks:\n"
        "  - {name: c, type: capacity_loss, regions: r0, loss: {dist: uniform, min: 0.2, max: 0.9}, duration: 8, recovery: 10, probability: 0.5}\n"
        "  - {name: tr, type: trade_restriction, from: r1, to: r2, segments: s2, change: {dist: uniform, min: -1, max: -0.5}, start: 2, duration: 30, probability: 0.5}\n"};
    for (int y = 0; y < 2; ++y)
        for (int blas = 0; blas < 2; ++blas) {
            ics_table *t = ics_table_random(3, 5, 3, &err);
            ics_model *m = NULL;
            ics_config *cfg = NULL;
            ics_plan *p = NULL;
            ics_dyn *d = NULL;
            ics_dyn_ws *w = NULL;
            const int b = 40;
            assert_non_null(t);
            assert_int_equal(ics_model_create(t, &m, &err), ICS_OK);
            if (ics_config_parse(yamls[y], "t.yaml", &cfg, &err) ||
                ics_plan_create(cfg, t, m, &p, &err) || ics_dyn_create(cfg, t, m, p, &d, &err) ||
                (ics__ario_set_blas(d, blas), 0) || ics_dyn_ws_create(d, b, 1, &w, &err))
                fail_msg("%s", err.msg);
            ics_dyn_block(d, p, m, 0, b, w);
            const int n = t->n, k = d->k, T = d->T;
            int calm = 0, hit = 0;
            for (int j = 0; j < b; ++j) {
                int none = 1;
                for (int q = 0; q < k; ++q) none &= w->Occ[q + (size_t)j * k] == 0.0;
                double loss = 0.0;
                for (int i = 0; i < n; ++i) {
                    const size_t e = i + (size_t)j * n;
                    if (none) {
                        assert_true(w->X[e] == 0.0 && w->peak[e] == 0.0 && w->rec[e] == 0.0);
                        for (int tt = 0; tt <= T; ++tt)
                            assert_true(w->traj[i + (size_t)tt * n + (size_t)j * (T + 1) * n] == 0.0);
                    }
                    loss -= w->X[e];
                }
                if (none) assert_true(w->unmet[j] == 0.0);
                calm += none;
                hit += !none && loss != 0.0;
            }
            assert_true(calm > 0 && hit > 0); /* both kinds are in the block */
            ics_dyn_ws_destroy(&w);
            ics_dyn_destroy(&d);
            ics_plan_destroy(&p);
            ics_ario_config_free(cfg);
            ics_config_destroy(&cfg);
            ics_model_destroy(&m);
            ics_table_destroy(&t);
        }
}

/* Unlimited inventories, capacity shocks only: x^a = min(D, alpha (1 - loss) xbar) every step */
static void test_unlimited_inventories_min_demand_capacity(void **state)
{
    (void)state;
    fixture f;
    setup(&f, 0, "model: ario\nhorizon: 60\nario: {inventory: inf, recovery_curve: convex}\nshocks:\n"
                 "  - {name: c1, type: capacity_loss, regions: R1, segments: a, start: 2, duration: 6, recovery: 5,\n"
                 "     loss: {dist: uniform, min: 0.1, max: 0.7}}\n"
                 "  - {name: c2, type: capacity_loss, regions: R2, segments: b, start: 4, duration: 3, loss: 0.4}\n",
          4);
    const int n = 4, b = 4, T = f.d->T;
    sample(&f, 0, NULL);
    ics__ario_begin(f.d, b, f.w, 1);
    double al[16];
    int bound = 0;
    for (int t = 0; t <= T; ++t) {
        memcpy(al, ics__ario_view(f.d, f.w, "alpha"), sizeof al);
        ics__ario_step(f.d, t, f.w);
        const double *D = ics__ario_view(f.d, f.w, "D"), *xa = ics__ario_view(f.d, f.w, "xa");
        const double *cf = ics__ario_view(f.d, f.w, "cf");
        for (int e = 0; e < n * b; ++e) {
            const double cap = al[e] * cf[e] * f.xbar[e % n];
            assert_true(fabs(xa[e] - fmin(D[e], cap)) <= 1e-13 * f.xbar[e % n]);
            bound += cap < D[e];
        }
    }
    assert_true(bound > 0);
    for (int j = 0; j < b; ++j) assert_true(total_loss(&f, j) > 0.0);
    teardown(&f);
}

/* produced = final demand delivered + goods received by clients; finite inventories change by
 * receipts minus use, every step, under capacity, demand and trade shocks */
static void check_goods_balance(const char *yaml)
{
    fixture f;
    setup(&f, 0, yaml, 4);
    const int b = 4, T = f.d->T;
    sample(&f, 0, NULL);
    ics__ario_begin(f.d, b, f.w, 1);
    int short_steps = 0;
    for (int t = 0; t < T; ++t) {
        ics__ario_step(f.d, t, f.w);
        const double *sum = ics__ario_view(f.d, f.w, "sum"), *rho = ics__ario_view(f.d, f.w, "rho");
        for (int j = 0; j < b; ++j) {
            assert_true(rel(sum[j], sum[b + j] + sum[2 * b + j]) <= 1e-12 * fmax(1.0, sum[j]));
            assert_true(rel(sum[4 * b + j], sum[2 * b + j] - sum[3 * b + j]) <= 1e-12 * fmax(1.0, sum[j]));
        }
        for (int e = 0; e < 4 * b; ++e) short_steps += rho[e] < 1.0 - 1e-9;
    }
    assert_true(short_steps > 0);
    teardown(&f);
}

static void test_goods_balance(void **state)
{
    (void)state;
    const char *shocks =
        "shocks:\n"
        "  - {name: c1, type: capacity_loss, regions: R1, segments: a, start: 1, duration: 8, recovery: 6, loss: {dist: uniform, min: 0.2, max: 0.9}}\n"
        "  - {name: fd, type: final_demand, regions: R2, start: 3, duration: 10, change: 0.3}\n"
        "  - {name: tr, type: trade_restriction, from: R2, segments: b, to: R1, start: 5, duration: 7, recovery: 3, change: {dist: uniform, min: -1, max: -0.2}}\n";
    char yaml[2048];
    snprintf(yaml, sizeof yaml, "model: ario\nhorizon: 40\nario: {inventory: 1.5, substitution: {share: 0.7, ramp: 4}}\n%s", shocks);
    check_goods_balance(yaml);
    snprintf(yaml, sizeof yaml, "model: ario\nhorizon: 40\nario: {order_type: base, inventory: 3, substitution: {share: 1}}\n%s", shocks);
    check_goods_balance(yaml);
}

/* losses grow with the loss share (one block) and with the duration (separate runs) */
static void test_losses_monotone(void **state)
{
    (void)state;
    fixture f;
    setup(&f, 0, "model: ario\nhorizon: 80\nshocks:\n"
                 "  - {name: c, type: capacity_loss, regions: R1, segments: a, start: 2, duration: 6, recovery: 4, loss: 0.1}\n",
          8);
    const double th[8] = {0.05, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 1.0};
    sample(&f, 0, th);
    ics_ario_block(f.d, f.p, 0, 8, f.w);
    for (int j = 1; j < 8; ++j) {
        assert_true(total_loss(&f, j) > total_loss(&f, j - 1));
        assert_true(-f.w->X[0 + 4 * j] > -f.w->X[0 + 4 * (j - 1)]); /* the node itself (R1/a) */
        assert_true(f.w->peak[4 * j] > f.w->peak[4 * (j - 1)]);
    }
    teardown(&f);
    double prev = 0.0;
    const int durs[5] = {1, 2, 4, 8, 16};
    for (int q = 0; q < 5; ++q) {
        char yaml[512];
        snprintf(yaml, sizeof yaml, "model: ario\nhorizon: 100\nshocks:\n"
                 "  - {name: c, type: capacity_loss, regions: R1, segments: a, start: 2, duration: %d, loss: 0.4}\n",
                 durs[q]);
        setup(&f, 0, yaml, 1);
        sample(&f, 0, NULL);
        ics_ario_block(f.d, f.p, 0, 1, f.w);
        const double L = total_loss(&f, 0);
        assert_true(L > prev);
        prev = L;
        teardown(&f);
    }
}

/* a restriction of R1's supplies of a to R2: substitution by R2/a cuts the loss */
static void test_substitution_reduces_trade_loss(void **state)
{
    (void)state;
    const char *subst[3] = {"{share: 0}", "{share: 1, ramp: 8}", "{share: 1}"};
    double loss[3], unmet[3];
    for (int q = 0; q < 3; ++q) {
        char yaml[512];
        fixture f;
        snprintf(yaml, sizeof yaml, "model: ario\nhorizon: 60\nario: {substitution: %s}\nshocks:\n"
                 "  - {name: tr, type: trade_restriction, from: R1, segments: a, to: R2, start: 2, duration: 12, change: -0.9}\n",
                 subst[q]);
        setup(&f, 0, yaml, 1);
        sample(&f, 0, NULL);
        ics_ario_block(f.d, f.p, 0, 1, f.w);
        loss[q] = total_loss(&f, 0);
        unmet[q] = f.w->unmet[0];
        teardown(&f);
    }
    assert_true(loss[0] > 0.0);
    assert_true(loss[1] < loss[0] && loss[2] < loss[1]);
    assert_true(unmet[2] < unmet[0]);
}

/* one supplier per product: each client receives rho_i times the order it placed the step before,
 * and final demand receives rho_i y_i (proportional rationing) */
static void test_rationing_proportional(void **state)
{
    (void)state;
    fixture f;
    setup(&f, 1, "model: ario\nhorizon: 30\nario: {inventory: 2}\nshocks:\n"
                 "  - {name: c, type: capacity_loss, segments: a, start: 1, duration: 10, loss: 0.5}\n"
                 "  - {name: d, type: final_demand, segments: c, start: 3, duration: 5, change: 0.4}\n",
          2);
    const int n = 3, b = 2, T = f.d->T;
    sample(&f, 0, NULL);
    ics__ario_begin(f.d, b, f.w, 1);
    double ord[3 * 3 * 2];
    int rationed = 0;
    for (int t = 0; t < T; ++t) {
        ics__ario_step(f.d, t, f.w);
        const double *rho = ics__ario_view(f.d, f.w, "rho"), *rc = ics__ario_view(f.d, f.w, "recv");
        const double *D = ics__ario_view(f.d, f.w, "D"), *xa = ics__ario_view(f.d, f.w, "xa");
        const double *sum = ics__ario_view(f.d, f.w, "sum"), *yt = ics__ario_view(f.d, f.w, "yt");
        for (int j = 0; j < b; ++j) {
            double fin = 0;
            for (int i = 0; i < n; ++i) {
                const double r = rho[i + j * n];
                assert_true(rel(r, xa[i + j * n] / D[i + j * n]) <= 1e-15);
                rationed += r < 1.0 - 1e-9;
                fin += r * yt[i + j * n];
                /* product p is made by internal node p only */
                for (int c = 0; c < n && t > 0; ++c) {
                    const size_t e = (size_t)i * n * b + c + (size_t)j * n;
                    assert_true(fabs(rc[e] - r * ord[e]) <= 1e-12 * fmax(1.0, ord[e]));
                }
            }
            assert_true(rel(fin, sum[b + j]) <= 1e-13);
        }
        memcpy(ord, ics__ario_view(f.d, f.w, "ord"), sizeof ord);
    }
    assert_true(rationed > 0);
    teardown(&f);
}

/* a block gives the same scenarios as single-scenario blocks */
static void test_block_equals_singles(void **state)
{
    (void)state;
    fixture f, g;
    const char *yaml = "model: ario\nhorizon: 30\nshocks:\n"
                       "  - {name: c, type: capacity_loss, regions: R1, loss: {dist: uniform, min: 0, max: 0.8}, duration: 5, recovery: 5}\n"
                       "  - {name: tr, type: trade_restriction, from: R2, to: R1, change: {dist: uniform, min: -1, max: 0}, start: 3}\n";
    setup(&f, 0, yaml, 4);
    setup(&g, 0, yaml, 1);
    ics_dyn_block(f.d, f.p, f.m, 0, 4, f.w);
    for (int j = 0; j < 4; ++j) {
        ics_dyn_block(g.d, g.p, g.m, j, 1, g.w);
        for (int i = 0; i < 4; ++i) {
            assert_true(rel(f.w->X[i + 4 * j], g.w->X[i]) <= 1e-12);
            assert_true(f.w->rec[i + 4 * j] == g.w->rec[i]);
        }
        assert_true(rel(f.w->unmet[j], g.w->unmet[0]) <= 1e-12);
    }
    teardown(&f);
    teardown(&g);
}

/* The segment products by kernels/segment.c and by DGEMM are the same sums in another order:
 * a run with each agrees to rounding, on a random 3-region x 5-segment table (n = 15: the
 * kernels' vector part and their remainder both act) with capacity, demand and trade shocks
 * and capacity-weighted orders, over a horizon long enough for inventories to run down. */
static void test_segment_kernels_match_blas(void **state)
{
    (void)state;
    ics_error err;
    ics_error_clear(&err);
    const char *yaml = "model: ario\nhorizon: 60\nscenarios: 6\nshocks:\n"
                       "  - {name: c, type: capacity_loss, regions: r0, segments: [s0, s1], loss: {dist: uniform, min: 0.2, max: 0.9}, duration: 8, recovery: 10}\n"
                       "  - {name: d, type: final_demand, segments: s3, change: {dist: uniform, min: -0.3, max: 0.3}, duration: 20}\n"
                       "  - {name: tr, type: trade_restriction, from: r1, to: r2, segments: s2, change: {dist: uniform, min: -1, max: -0.5}, start: 2, duration: 30}\n";
    ics_table *t = ics_table_random(3, 5, 3, &err);
    ics_model *m = NULL;
    ics_config *cfg = NULL;
    ics_plan *p = NULL;
    ics_dyn *d[2] = {NULL, NULL};
    ics_dyn_ws *w[2] = {NULL, NULL};
    const int b = 6;
    assert_non_null(t);
    assert_int_equal(ics_model_create(t, &m, &err), ICS_OK);
    if (ics_config_parse(yaml, "t.yaml", &cfg, &err) || ics_plan_create(cfg, t, m, &p, &err))
        fail_msg("%s", err.msg);
    for (int v = 0; v < 2; ++v) {
        if (ics_dyn_create(cfg, t, m, p, &d[v], &err)) fail_msg("%s", err.msg);
        ics__ario_set_blas(d[v], v); /* before the workspace, which holds the mode's state */
        if (ics_dyn_ws_create(d[v], b, 0, &w[v], &err)) fail_msg("%s", err.msg);
        ics_plan_sample(p, 0, b, w[v]->Theta, w[v]->Raw, w[v]->Occ);
        ics_plan_timing(p, 0, b, w[v]->Start, w[v]->Dur);
        ics_dyn_block(d[v], p, m, 0, b, w[v]);
    }
    const int n = t->n;
    double lost = 0;
    for (int e = 0; e < n * b; ++e) {
        assert_true(rel(w[0]->X[e], w[1]->X[e]) <= 1e-11);
        assert_true(fabs(w[0]->peak[e] - w[1]->peak[e]) <= 1e-12);
        lost += -w[0]->X[e];
    }
    for (int j = 0; j < b; ++j) assert_true(rel(w[0]->unmet[j], w[1]->unmet[j]) <= 1e-11);
    assert_true(lost > 0); /* the shocks did act */
    for (int v = 0; v < 2; ++v) {
        ics_dyn_ws_destroy(&w[v]);
        ics_dyn_destroy(&d[v]);
    }
    ics_plan_destroy(&p);
    ics_ario_config_free(cfg);
    ics_config_destroy(&cfg);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
}

/* Scenarios never interact, so the chunking of a block cannot change a result: a block of 21
 * run in chunks of 8 (two full chunks and one of 5, each from column 0 of a one-chunk workspace)
 * and as one chunk of 21 give the same bits in every per-scenario output, trajectories included,
 * with trade restrictions and the three calibration multipliers (per-scenario arrays that the
 * chunks see offset to their first scenario). */
static void test_chunks_equal_whole_block(void **state)
{
    (void)state;
    ics_error err;
    ics_error_clear(&err);
    const char *yaml = "model: ario\nhorizon: 40\nscenarios: 21\nshocks:\n"
                       "  - {name: c, type: capacity_loss, regions: r0, segments: [s0, s1], loss: {dist: uniform, min: 0.2, max: 0.9}, duration: {dist: uniform, min: 2, max: 9}, recovery: 10}\n"
                       "  - {name: d, type: final_demand, segments: s3, change: {dist: uniform, min: -0.3, max: 0.3}, duration: 20}\n"
                       "  - {name: tr, type: trade_restriction, from: r1, to: r2, segments: s2, change: {dist: uniform, min: -1, max: -0.5}, start: 2, duration: 30}\n"
                       "uncertainty:\n"
                       "  inventory: {dist: uniform, min: 0.25, max: 2.0}\n"
                       "  alpha_max: {dist: uniform, min: 0.5, max: 1.5}\n"
                       "  build_lag: {dist: uniform, min: 0.5, max: 1.5}\n";
    ics_table *t = ics_table_random(3, 5, 11, &err);
    ics_model *m = NULL;
    ics_config *cfg = NULL;
    ics_plan *p = NULL;
    ics_dyn *d[2] = {NULL, NULL};
    ics_dyn_ws *w[2] = {NULL, NULL};
    const int b = 21, chunk[2] = {8, 0};
    assert_non_null(t);
    assert_int_equal(ics_model_create(t, &m, &err), ICS_OK);
    if (ics_config_parse(yaml, "t.yaml", &cfg, &err) || ics_plan_create(cfg, t, m, &p, &err))
        fail_msg("%s", err.msg);
    for (int v = 0; v < 2; ++v) {
        if (ics_dyn_create(cfg, t, m, p, &d[v], &err)) fail_msg("%s", err.msg);
        ics__ario_set_chunk(d[v], chunk[v]); /* before the workspace, which holds one chunk */
        if (ics_dyn_ws_create(d[v], b, 1, &w[v], &err)) fail_msg("%s", err.msg);
        assert_int_equal(ics__ario_chunk(d[v]), chunk[v]);
        ics_dyn_block(d[v], p, m, 0, b, w[v]);
    }
    assert_true(ics_ario_ws_bytes(d[0], b) < ics_ario_ws_bytes(d[1], b));
    const size_t n = (size_t)t->n, nb = n * b, T1 = (size_t)d[0]->T + 1;
    assert_memory_equal(w[0]->X, w[1]->X, nb * sizeof(double));
    assert_memory_equal(w[0]->rec, w[1]->rec, nb * sizeof(double));
    assert_memory_equal(w[0]->peak, w[1]->peak, nb * sizeof(double));
    assert_memory_equal(w[0]->rec_region, w[1]->rec_region, (size_t)d[0]->nreg * b * sizeof(double));
    assert_memory_equal(w[0]->unmet, w[1]->unmet, (size_t)b * sizeof(double));
    assert_memory_equal(w[0]->traj, w[1]->traj, nb * T1 * sizeof(double));
    /* the shocks acted, and differently per scenario (so a column mix-up would show) */
    double l0 = 0, l20 = 0;
    for (size_t i = 0; i < n; ++i) l0 -= w[0]->X[i], l20 -= w[0]->X[i + 20 * n];
    assert_true(l0 > 0 && l20 > 0 && l0 != l20);
    for (int v = 0; v < 2; ++v) {
        ics_dyn_ws_destroy(&w[v]);
        ics_dyn_destroy(&d[v]);
    }
    ics_plan_destroy(&p);
    ics_ario_config_free(cfg);
    ics_config_destroy(&cfg);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
}

static void expect_error(const char *yaml, const char *needle)
{
    fixture f;
    ics_error err;
    ics_error_clear(&err);
    ics_status st = try_setup(&f, 0, yaml, 1, &err);
    if (st == ICS_OK) fail_msg("accepted: %s", yaml);
    assert_int_equal(st, ICS_EINPUT);
    if (!strstr(err.msg, needle)) fail_msg("message '%s' lacks '%s'", err.msg, needle);
    teardown(&f);
}

static void test_config_errors(void **state)
{
    (void)state;
    const char *sh = "shocks:\n  - {name: s, type: capacity_loss, loss: 0.1}\n";
    char y[1024];
#define E(sect, needle)                                                                         \
    do {                                                                                       \
        snprintf(y, sizeof y, "model: ario\nario: %s\n%s", sect, sh);                          \
        expect_error(y, needle);                                                               \
    } while (0)
    E("{alpha_mx: 1.3}", "did you mean 'alpha_max'");
    E("{order_type: bse}", "did you mean 'base'");
    E("{recovery_curve: convx}", "did you mean 'convex'");
    E("{psi: 1.5}", "psi");
    E("{alpha_max: 0.9}", "alpha_max");
    E("{tau_inventory: 0.5}", "tau_inventory");
    E("{inventory: -1}", "inventory");
    E("{inventory: {b: 0}}", "inventory");
    E("{substitution: {shar: 1}}", "did you mean 'share'");
    E("{substitution: {share: 2}}", "share");
    E("[1, 2]", "ario");
    E("{inventory: {zz: 3}}", "'zz' is not a segment");
    E("{inventory: {bb: 3}}", "did you mean 'b'");
    /* below one step the baseline is infeasible (a step's inputs come from the stock at its
     * start): refused with the key, the value and the minimum */
    E("{inventory: 0.7}", "key 'default': 0.7 steps of use is below the minimum: a target must be at least 1 step");
    E("{inventory: {default: 13, b: 0.7}}", "key 'b': 0.7 steps");
#undef E
    expect_error("model: ario\nshocks:\n"
                 "  - {name: t1, type: trade_restriction, from: R1, to: R2, change: -0.5}\n"
                 "  - {name: t2, type: trade_restriction, from: R1, segments: a, to: R2, change: -0.2}\n",
                 "restrict the same flow");
    /* accepted forms */
    fixture f;
    setup(&f, 0, "model: ario\nario: {inventory: {default: inf, b: 4}, tau_alpha: 26, order_type: base}\n"
                 "shocks:\n  - {name: s, type: capacity_loss, loss: 0.1}\n", 1);
    assert_true(isinf(f.cfg->ario_inv_default));
    assert_int_equal(f.cfg->ario_ninv, 1);
    assert_string_equal(f.cfg->ario_inv_segments[0], "b");
    assert_true(f.cfg->ario_inv_values[0] == 4.0 && f.cfg->ario_order_base == 1);
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_shock_stays_at_baseline),
        cmocka_unit_test(test_unshocked_columns_exact),
        cmocka_unit_test(test_unlimited_inventories_min_demand_capacity),
        cmocka_unit_test(test_goods_balance),
        cmocka_unit_test(test_losses_monotone),
        cmocka_unit_test(test_substitution_reduces_trade_loss),
        cmocka_unit_test(test_rationing_proportional),
        cmocka_unit_test(test_block_equals_singles),
        cmocka_unit_test(test_segment_kernels_match_blas),
        cmocka_unit_test(test_chunks_equal_whole_block),
        cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
