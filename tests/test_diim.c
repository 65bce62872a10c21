/* DIIM over a block (Haimes et al. 2005; Lian & Haimes 2006) checked against its own algebra:
 * no shock keeps the baseline; with c* = 0 the state is (I - K (I - A*))^t q(0) to 1e-12 (an
 * independent matrix power computed here); an isolated node reaches lambda times its initial
 * inoperability exactly at its recovery time T_i; and a block gives the same scenarios as
 * single-scenario blocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ics_dynamic.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* a 3-node table in one region with flows Z, outputs x and one final-demand column */
static ics_table *table3(const double *Zrow, const double *x)
{
    ics_error err;
    ics_error_clear(&err);
    ics_table *t = ics_table_create(1, 3, 3, 1, &err);
    t->regions[0] = ics_strdup("R", &err);
    t->y_region[0] = ics_strdup("R", &err);
    t->y_category[0] = ics_strdup("final", &err);
    t->source = ics_strdup("test", &err);
    const char *segs[3] = {"a", "b", "c"};
    for (int i = 0; i < 3; ++i) {
        t->segments[i] = ics_strdup(segs[i], &err);
        t->node_region[i] = 0;
        t->node_segment[i] = i;
        t->x[i] = x[i];
        double rs = 0, cs = 0;
        for (int j = 0; j < 3; ++j) {
            t->Z[i + 3 * j] = Zrow[i * 3 + j];
            rs += Zrow[i * 3 + j];
            cs += Zrow[j * 3 + i];
        }
        t->Y[i] = x[i] - rs;
        t->va[i] = x[i] - cs;
    }
    return t;
}

typedef struct fixture {
    ics_table *t;
    ics_model *m;
    ics_config *cfg;
    ics_plan *p;
    ics_dyn *d;
    ics_dyn_ws *w;
} fixture;

static void setup(fixture *f, const double *Z, const char *yaml)
{
    const double x[3] = {100, 200, 150};
    ics_error err;
    ics_error_clear(&err);
    f->t = table3(Z, x);
    assert_int_equal(ics_model_create(f->t, &f->m, &err), ICS_OK);
    assert_int_equal(ics_config_parse(yaml, "t.yaml", &f->cfg, &err), ICS_OK);
    if (ics_plan_create(f->cfg, f->t, f->m, &f->p, &err) != ICS_OK) fail_msg("%s", err.msg);
    if (ics_dyn_create(f->cfg, f->t, f->m, f->p, &f->d, &err) != ICS_OK) fail_msg("%s", err.msg);
    assert_int_equal(ics_dyn_ws_create(f->d, 4, 1, &f->w, &err), ICS_OK);
}

static void teardown(fixture *f)
{
    ics_dyn_ws_destroy(&f->w);
    ics_dyn_destroy(&f->d);
    ics_plan_destroy(&f->p);
    ics_config_destroy(&f->cfg);
    ics_model_destroy(&f->m);
    ics_table_destroy(&f->t);
}

static const double Zdense[9] = {10, 30, 20, 25, 15, 40, 5, 35, 10};
static const double Zzero[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};

static void test_no_shock_stays_at_baseline(void **state)
{
    (void)state;
    fixture f;
    setup(&f, Zdense, "model: diim\nhorizon: 50\nshocks:\n"
                      "  - {name: s, type: final_demand, change: 0.0}\n");
    ics_dyn_block(f.d, f.p, f.m, 0, 4, f.w);
    for (int j = 0; j < 4; ++j)
        for (int i = 0; i < 3; ++i) {
            assert_true(f.w->X[i + 3 * j] == 0.0 && !signbit(f.w->X[i + 3 * j])); /* exactly */
            assert_true(f.w->rec[i + 3 * j] == 0.0 && f.w->peak[i + 3 * j] == 0.0);
            for (int tt = 0; tt <= 50; ++tt) assert_true(f.w->traj[i + tt * 3 + j * 51 * 3] == 0.0);
        }
    teardown(&f);
}

/* Each shock type with probability 0.5: the scenarios in which it does not occur stay exactly
 * at baseline (q = 0 is a fixed point: A* 0 = 0), those in which it occurs lose output. */
static void test_unshocked_columns_exact(void **state)
{
    (void)state;
    static const char *const shocks[3] = {
        "  - {name: s, type: final_demand, segments: [a], change: {dist: uniform, min: -0.5, max: -0.1}, probability: 0.5, duration: 5}\n",
        "  - {name: s, type: capacity_loss, segments: [b], loss: {dist: uniform, min: 0.1, max: 0.6}, probability: 0.5, duration: 5}\n",
        "  - {name: s, type: trade_restriction, from: [R], segments: [c], to: [R], change: {dist: uniform, min: -0.9, max: -0.1}, probability: 0.5}\n"};
    for (int q = 0; q < 3; ++q) {
        char yaml[512];
        snprintf(yaml, sizeof yaml, "model: diim\nhorizon: 30\nshocks:\n%s", shocks[q]);
        fixture f;
        setup(&f, Zdense, yaml);
        int calm = 0, hit = 0;
        for (int first = 0; first < 64 && !(calm && hit); first += 4) {
            ics_dyn_block(f.d, f.p, f.m, first, 4, f.w);
            for (int j = 0; j < 4; ++j) {
                const int none = f.w->Occ[j] == 0.0;
                double loss = 0.0;
                for (int i = 0; i < 3; ++i) {
                    if (none) {
                        assert_true(f.w->X[i + 3 * j] == 0.0 && f.w->peak[i + 3 * j] == 0.0);
                        assert_true(f.w->rec[i + 3 * j] == 0.0);
                        for (int tt = 0; tt <= 30; ++tt)
                            assert_true(f.w->traj[i + tt * 3 + j * 31 * 3] == 0.0);
                    }
                    loss -= f.w->X[i + 3 * j];
                }
                calm += none;
                hit += !none && loss > 0.0;
            }
        }
        assert_true(calm > 0 && hit > 0);
        teardown(&f);
    }
}

static void test_free_recovery_is_matrix_power(void **state)
{
    (void)state;
    fixture f;
    setup(&f, Zdense, "model: diim\nhorizon: 40\ndiim: {lambda: 0.01, recovery_time: {default: 20, b: 30}}\n"
                      "shocks:\n  - {name: out, type: capacity_loss, segments: [a, c], loss: {dist: uniform, min: 0.2, max: 0.9}}\n");
    ics_dyn_block(f.d, f.p, f.m, 0, 4, f.w);
    /* M = I - K (I - A*), q(t) = M^t q(0), computed here by repeated products */
    double M[9];
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j)
            M[i * 3 + j] = (i == j) - f.d->kdiag[i] * ((i == j) - f.m->B[i + 3 * j]);
    for (int j = 0; j < 4; ++j) {
        const double th = f.w->Theta[j];
        double q[3] = {th, 0, th}, nq[3];
        for (int tt = 0; tt <= 40; ++tt) {
            for (int i = 0; i < 3; ++i)
                assert_true(fabs(f.w->traj[i + tt * 3 + j * 41 * 3] - q[i]) <= 1e-12);
            for (int i = 0; i < 3; ++i) nq[i] = M[i * 3] * q[0] + M[i * 3 + 1] * q[1] + M[i * 3 + 2] * q[2];
            memcpy(q, nq, sizeof q);
        }
    }
    teardown(&f);
}

static void test_isolated_node_reaches_lambda_at_T(void **state)
{
    (void)state;
    fixture f;
    setup(&f, Zzero, "model: diim\nhorizon: 60\ndiim: {lambda: 0.01, recovery_time: {default: 26}}\n"
                     "shocks:\n  - {name: out, type: capacity_loss, segments: [b], loss: 0.8}\n");
    ics_dyn_block(f.d, f.p, f.m, 0, 1, f.w);
    /* q_b(26) = 0.01 * 0.8 exactly (to rounding), and q_b(25) above it */
    const double q26 = f.w->traj[1 + 26 * 3], q25 = f.w->traj[1 + 25 * 3];
    assert_true(fabs(q26 - 0.008) <= 1e-12);
    assert_true(q25 > 0.008);
    /* cumulative loss = x_b/52 * sum_{t<60} 0.8 (1-k)^t, and recovery to 99% within the horizon */
    const double k = f.d->kdiag[1];
    double sum = 0;
    for (int tt = 0; tt < 60; ++tt) sum += 0.8 * pow(1 - k, tt);
    assert_true(fabs(-f.w->X[1] - 200.0 / 52 * sum) <= 1e-9);
    assert_true(f.w->rec[1] > 0 && f.w->rec[1] <= 60);
    teardown(&f);
}

static void test_block_equals_single_scenarios(void **state)
{
    (void)state;
    fixture f;
    setup(&f, Zdense, "model: diim\nhorizon: 30\nshocks:\n"
                      "  - {name: d, type: final_demand, segments: [c], change: {dist: uniform, min: -0.5, max: 0}, start: 3, duration: 5, recovery: 4}\n"
                      "  - {name: o, type: capacity_loss, segments: [a], loss: {dist: uniform, min: 0, max: 0.5}, start: 2, duration: 3, probability: 0.5}\n");
    ics_dyn_block(f.d, f.p, f.m, 0, 4, f.w);
    double X4[12], T4[12 * 31];
    memcpy(X4, f.w->X, sizeof X4);
    memcpy(T4, f.w->traj, sizeof T4);
    for (int j = 0; j < 4; ++j) {
        ics_dyn_block(f.d, f.p, f.m, j, 1, f.w);
        for (int i = 0; i < 3; ++i) assert_true(f.w->X[i] == X4[i + 3 * j]);
        for (int q = 0; q < 3 * 31; ++q) assert_true(f.w->traj[q] == T4[q + j * 93]);
    }
    teardown(&f);
}

/* A random duration: whole steps within the law's range, and the capacity floor holds the node's
 * inoperability at the loss exactly during start .. start+duration-1 of each scenario. */
static void test_random_duration_holds_floor(void **state)
{
    (void)state;
    fixture f;
    setup(&f, Zzero, "model: diim\nhorizon: 40\nshocks:\n"
                     "  - {name: o, type: capacity_loss, segments: [a], loss: 0.5, start: {dist: uniform, min: 1, max: 4}, duration: {dist: uniform, min: 2, max: 9}}\n");
    ics_dyn_block(f.d, f.p, f.m, 0, 4, f.w);
    for (int j = 0; j < 4; ++j) {
        const double st = f.w->Start[j], du = f.w->Dur[j];
        assert_true(st == floor(st) && st >= 1 && st <= 4);
        assert_true(du == floor(du) && du >= 2 && du <= 9);
        for (int tt = 0; tt <= 40; ++tt) {
            const double q = f.w->traj[0 + tt * 3 + j * 41 * 3];
            if (tt < st) assert_true(q == 0.0);
            else if (tt < st + du) assert_true(q == 0.5);
            else assert_true(q < 0.5);
        }
    }
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_shock_stays_at_baseline),
        cmocka_unit_test(test_unshocked_columns_exact),
        cmocka_unit_test(test_free_recovery_is_matrix_power),
        cmocka_unit_test(test_isolated_node_reaches_lambda_at_T),
        cmocka_unit_test(test_block_equals_single_scenarios),
        cmocka_unit_test(test_random_duration_holds_floor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
