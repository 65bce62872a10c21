/* DIIM over a block (Haimes et al. 2005; Lian & Haimes 2006) checked against its own algebra:
 * no shock keeps the baseline; with c* = 0 the state is (I - K (I - A*))^t q(0) to 1e-12 (an
 * independent matrix power computed here); an isolated node reaches lambda times its initial
 * inoperability exactly at its recovery time T_i; and a block gives the same scenarios as
 * single-scenario blocks. Lian & Haimes' two-sector example with their coefficient form, and
 * severity-dependent recovery (issue 16). */
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

/* Lian & Haimes (2006), the two-sector example of their DIIM paper: A* = [[0.15, 0.50],
 * [0.10, 0.05]], c* = [0, 0.1] held from t = 0; the printed equilibrium is q = [0.066, 0.112]
 * (as quoted in stigrs/diim's tests, /work/shared/research/peers-io.md §2.6). The paper's own
 * trajectory table is not available to us, so the path is checked against the closed form of the
 * published discrete equation instead: q(t) = q* - M^t q*, M = I - K (I - A*), with the paper's
 * k_i = -ln(lambda) / (T_i (1 - a*_ii)) (coefficients: lian_haimes). A 2-node table with x = 100
 * and Z = 100 A* gives that A*; a final-demand change of -10/85 on sector b gives c*_b = 0.1. */
static void test_lian_haimes_two_sector_example(void **state)
{
    (void)state;
    ics_error err;
    ics_error_clear(&err);
    ics_table *t = ics_table_create(1, 2, 2, 1, &err);
    t->regions[0] = ics_strdup("R", &err);
    t->y_region[0] = ics_strdup("R", &err);
    t->y_category[0] = ics_strdup("final", &err);
    t->source = ics_strdup("test", &err);
    t->segments[0] = ics_strdup("a", &err);
    t->segments[1] = ics_strdup("b", &err);
    const double As[4] = {0.15, 0.50, 0.10, 0.05}; /* row-major */
    for (int i = 0; i < 2; ++i) {
        t->node_region[i] = 0, t->node_segment[i] = i, t->x[i] = 100.0;
        double rs = 0, cs = 0;
        for (int j = 0; j < 2; ++j) {
            t->Z[i + 2 * j] = 100.0 * As[i * 2 + j];
            rs += 100.0 * As[i * 2 + j];
            cs += 100.0 * As[j * 2 + i];
        }
        t->Y[i] = 100.0 - rs;
        t->va[i] = 100.0 - cs;
    }
    ics_model *m = NULL;
    ics_config *cfg = NULL;
    ics_plan *p = NULL;
    ics_dyn *d = NULL;
    ics_dyn_ws *w = NULL;
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "model: diim\nhorizon: 400\ndiim: {coefficients: lian_haimes, lambda: 0.01, "
             "recovery_time: {default: 30, b: 20}}\nshocks:\n"
             "  - {name: d, type: final_demand, segments: [b], change: %.17g}\n", -10.0 / 85.0);
    assert_int_equal(ics_model_create(t, &m, &err), ICS_OK);
    assert_int_equal(ics_config_parse(yaml, "t.yaml", &cfg, &err), ICS_OK);
    if (ics_plan_create(cfg, t, m, &p, &err) != ICS_OK) fail_msg("%s", err.msg);
    if (ics_dyn_create(cfg, t, m, p, &d, &err) != ICS_OK) fail_msg("%s", err.msg);
    assert_int_equal(ics_dyn_ws_create(d, 1, 1, &w, &err), ICS_OK);
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) assert_true(fabs(m->B[i + 2 * j] - As[i * 2 + j]) <= 1e-15);
    /* the paper's k, and its continuous-time meaning: exp(-k (1 - a*_ii) T) = lambda */
    const double Tn[2] = {30, 20};
    for (int i = 0; i < 2; ++i) {
        const double aii = As[i * 3];
        assert_true(fabs(d->kdiag[i] - log(100.0) / (Tn[i] * (1 - aii))) <= 1e-15);
        assert_true(fabs(exp(-d->kdiag[i] * (1 - aii) * Tn[i]) - 0.01) <= 1e-15);
    }
    ics_dyn_block(d, p, m, 0, 1, w);
    /* q* = (I - A*)^-1 c* by Cramer's rule */
    const double det = (1 - As[0]) * (1 - As[3]) - As[1] * As[2];
    const double qs[2] = {As[1] * 0.1 / det, (1 - As[0]) * 0.1 / det};
    double M[4], P[4] = {1, 0, 0, 1}, NP[4];
    for (int i = 0; i < 2; ++i)
        for (int j = 0; j < 2; ++j) M[i * 2 + j] = (i == j) - d->kdiag[i] * ((i == j) - As[i * 2 + j]);
    for (int tt = 0; tt <= 400; ++tt) {
        for (int i = 0; i < 2; ++i) {
            const double q = qs[i] - (P[i * 2] * qs[0] + P[i * 2 + 1] * qs[1]);
            assert_true(fabs(w->traj[i + tt * 2] - q) <= 1e-12);
        }
        for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 2; ++j) NP[i * 2 + j] = M[i * 2] * P[j] + M[i * 2 + 1] * P[2 + j];
        memcpy(P, NP, sizeof P);
    }
    /* the printed digits: 0.066 and 0.112 */
    assert_true(fabs(w->traj[0 + 400 * 2] - 0.066) < 0.0005);
    assert_true(fabs(w->traj[1 + 400 * 2] - 0.112) < 0.0005);
    ics_dyn_ws_destroy(&w);
    ics_dyn_destroy(&d);
    ics_plan_destroy(&p);
    ics_config_destroy(&cfg);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
}

/* The two forms of k side by side: discrete_exact (the default) puts an isolated node at lambda
 * q(0) exactly at T; lian_haimes at (1 - ln(1/lambda)/T)^T q(0), which is what the paper's k
 * gives in the explicit update (earlier than T). A k above 1 is refused with a hint. */
static void test_coefficient_forms(void **state)
{
    (void)state;
    for (int form = 0; form < 2; ++form) {
        fixture f;
        char yaml[400];
        snprintf(yaml, sizeof yaml, "model: diim\nhorizon: 30\ndiim: {%slambda: 0.01, "
                 "recovery_time: 26}\nshocks:\n  - {name: out, type: capacity_loss, segments: [b], "
                 "loss: 0.8}\n", form ? "coefficients: lian_haimes, " : "");
        setup(&f, Zzero, yaml);
        ics_dyn_block(f.d, f.p, f.m, 0, 1, f.w);
        const double q26 = f.w->traj[1 + 26 * 3];
        const double want = form ? 0.8 * pow(1 - log(100.0) / 26, 26) : 0.008;
        assert_true(fabs(q26 - want) <= 1e-12);
        if (form) assert_true(q26 < 0.008);
        teardown(&f);
    }
    ics_error err;
    ics_error_clear(&err);
    ics_config *cfg = NULL;
    assert_int_equal(ics_config_parse("model: diim\ndiim: {coefficients: lian_haime}\n", "t.yaml",
                                      &cfg, &err), ICS_EINPUT);
    assert_non_null(strstr(err.msg, "lian_haimes"));
    fixture f;
    const double x[3] = {100, 200, 150};
    f.t = table3(Zzero, x);
    assert_int_equal(ics_model_create(f.t, &f.m, &err), ICS_OK);
    assert_int_equal(ics_config_parse("model: diim\nhorizon: 10\ndiim: {coefficients: lian_haimes, "
                                      "recovery_time: 4}\nshocks:\n  - {name: o, type: capacity_loss, "
                                      "loss: 0.5}\n", "t.yaml", &f.cfg, &err), ICS_OK);
    assert_int_equal(ics_plan_create(f.cfg, f.t, f.m, &f.p, &err), ICS_OK);
    f.d = NULL;
    assert_int_equal(ics_dyn_create(f.cfg, f.t, f.m, f.p, &f.d, &err), ICS_EINPUT);
    assert_non_null(strstr(err.msg, "lian_haimes"));
    ics_plan_destroy(&f.p);
    ics_config_destroy(&f.cfg);
    ics_model_destroy(&f.m);
    ics_table_destroy(&f.t);
}

/* Severity-dependent recovery on isolated nodes (no flows): repair time 10 steps, rebuild time
 * 60, repairable share 0.5. A node destroyed outright is back to the recovery level (99 %) on
 * the rebuild time (between 60 - 10 and 60: the held unrepairable half, then the repair-time
 * ramp-up); a loss within the repairable share on the repair time; the recovery time never
 * falls and the cumulative loss rises with the destroyed share. */
static void rebuild_run(double loss, const char *extra, double *rec, double *lost, double *q60)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml, "model: diim\nhorizon: 100\ndiim: {recovery_time: 10, "
             "rebuild_time: {default: 60}, repairable_share: 0.5}\nshocks:\n"
             "  - {name: o, type: capacity_loss, segments: [b], loss: %.17g, start: 3%s}\n", loss, extra);
    fixture f;
    setup(&f, Zzero, yaml);
    ics_dyn_block(f.d, f.p, f.m, 0, 1, f.w);
    *rec = f.w->rec[1];
    *lost = -f.w->X[1];
    *q60 = f.w->traj[1 + 63 * 3];
    teardown(&f);
}

static void test_severity_dependent_recovery(void **state)
{
    (void)state;
    double rec, lost, q, prev_rec = 0, prev_lost = 0;
    rebuild_run(1.0, "", &rec, &lost, &q);
    assert_true(rec >= 3 + 60 - 10 && rec <= 3 + 60);
    assert_true(fabs(q - 0.5 * 0.01) <= 1e-12); /* lambda times the rebuilt half at start + 60 */
    rebuild_run(0.3, "", &rec, &lost, &q);
    assert_true(rec > 3 && rec <= 3 + 10);
    for (int s = 1; s <= 20; ++s) {
        rebuild_run(0.05 * s, "", &rec, &lost, &q);
        assert_true(rec >= prev_rec);
        assert_true(lost > prev_lost);
        if (0.05 * s - 0.5 > 0.01 + 1e-9) assert_true(rec > 3 + 60 - 10); /* beyond repair */
        if (0.05 * s <= 0.5) assert_true(rec <= 3 + 10);
        prev_rec = rec, prev_lost = lost;
    }
    /* an outage with a stated duration is not damage: it ends as stated and recovers on K */
    rebuild_run(1.0, ", duration: 5", &rec, &lost, &q);
    assert_true(rec <= 3 + 5 + 10);
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
        cmocka_unit_test(test_lian_haimes_two_sector_example),
        cmocka_unit_test(test_coefficient_forms),
        cmocka_unit_test(test_severity_dependent_recovery),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
