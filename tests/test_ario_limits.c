/* ARIO's physical limits (issue 16, acceptance 1) on the built-in table, checked every step of
 * random Taiwan-like events: no node produces more than its capacity alpha (1 - loss) xbar nor
 * more than its segment's alpha_max xbar; alpha stays exactly 1 (capacity at most the pre-shock
 * level) until the segment's build lag has passed since the node's first step with unmet demand,
 * and afterwards grows by at most (alpha_max - 1) / tau_alpha a step. The first unmet step is
 * found here from the step's demand and output, independently of the model's own record. Also:
 * with alpha_max and build_lag given as BoARIO's (1.25, 0) the limits do not bind; substitution
 * waits for the product's requalification lag; the keys' input errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ics_ario_internal.h"
#include "ics_builtin_dynamics.h"
#include "ics_dynamic.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    ics_table *t;
    ics_model *m;
    ics_config *cfg;
    ics_plan *p;
    ics_dyn *d;
    ics_dyn_ws *w;
    int b;
    double *xbar; /* [n] baseline output per step, internal order */
} fixture;

static ics_status try_setup(fixture *f, const char *yaml, int b, int probe, ics_error *err)
{
    memset(f, 0, sizeof *f);
    f->b = b;
    assert_int_equal(ics_table_builtin(&f->t, err), ICS_OK);
    assert_int_equal(ics_model_create(f->t, &f->m, err), ICS_OK);
    ics_status st = ics_config_parse(yaml, "t.yaml", &f->cfg, err);
    if (st != ICS_OK) return st;
    assert_int_equal(ics_plan_create(f->cfg, f->t, f->m, &f->p, err), ICS_OK);
    st = ics_dyn_create(f->cfg, f->t, f->m, f->p, &f->d, err);
    if (st != ICS_OK) return st;
    assert_int_equal(ics_dyn_ws_create(f->d, b, 1, &f->w, err), ICS_OK);
    if (probe) {
        free(f->w->model_ws);
        f->w->model_ws = calloc(1, ics__ario_probe_bytes(f->d, b));
    }
    const int n = f->t->n;
    const int *perm = ics__ario_perm(f->d);
    f->xbar = calloc(n, sizeof *f->xbar);
    for (int ii = 0; ii < n; ++ii) f->xbar[ii] = f->t->x[perm[ii]] / f->cfg->steps_per_year;
    ics_plan_sample(f->p, 0, b, f->w->Theta, f->w->Raw, f->w->Occ);
    ics_plan_timing(f->p, 0, b, f->w->Start, f->w->Dur);
    return ICS_OK;
}

static void setup(fixture *f, const char *yaml, int b, int probe)
{
    ics_error err;
    ics_error_clear(&err);
    if (try_setup(f, yaml, b, probe, &err) != ICS_OK) fail_msg("%s", err.msg);
}

static void teardown(fixture *f)
{
    free(f->xbar);
    ics_dyn_ws_destroy(&f->w);
    ics_dyn_destroy(&f->d);
    ics_plan_destroy(&f->p);
    ics_config_destroy(&f->cfg);
    ics_model_destroy(&f->m);
    ics_table_destroy(&f->t);
}

/* Taiwan-like events: Taiwan's fabs lose 20-100 % of capacity for 1-52 weeks from a random
 * week, half of the scenarios also with a blockade of Taiwan's chip exports (with
 * substitution) or a rise of end-market demand (which makes other nodes want to overproduce). */
static const char *const EVENTS =
    "shocks:\n"
    "  - {name: quake, type: capacity_loss, regions: [TW], segments: [fab_advanced, fab_mature],"
    " loss: {dist: uniform, min: 0.2, max: 1.0}, start: {dist: uniform, min: 0, max: 20},"
    " duration: {dist: uniform, min: 1, max: 52}, recovery: 8}\n"
    "  - {name: blockade, type: trade_restriction, from: [TW], to: [US, CN, KR, JP, EU, SEA, ROW],"
    " segments: [design_logic, memory, dao, fab_advanced, fab_mature, atp],"
    " change: {dist: uniform, min: -1.0, max: -0.3}, probability: 0.5,"
    " start: {dist: uniform, min: 0, max: 30}, duration: {dist: uniform, min: 4, max: 40}, recovery: 4}\n"
    "  - {name: demand, type: final_demand, segments: [\"end_*\"], change: {dist: uniform, min: 0.0,"
    " max: 0.3}, probability: 0.5, start: {dist: uniform, min: 0, max: 10}}\n";

/* Runs the probe step by step and checks the invariants at every step; returns the number of
 * (node, scenario) pairs whose capacity rose above the pre-shock level after a lag > 0 (*late)
 * and of those held at alpha = 1 by the lag while demand was unmet (*held). */
static void check_limits(const char *ario, int horizon, int *late, int *held)
{
    char yaml[4096];
    snprintf(yaml, sizeof yaml, "model: ario\nscenarios: 50\nseed: 16\nsampler: mc\nhorizon: %d\n"
             "%s%s", horizon, ario, EVENTS);
    fixture f;
    const int b = 50;
    setup(&f, yaml, b, 1);
    const int n = f.t->n, T = f.d->T;
    const double tau = f.cfg->steps_per_year; /* tau_alpha's default: one year of steps */
    double *aprev = malloc(sizeof(double) * n * b), *t0 = malloc(sizeof(double) * n * b);
    unsigned char *was_held = calloc((size_t)n * b, 1), *was_late = calloc((size_t)n * b, 1);
    for (int e = 0; e < n * b; ++e) aprev[e] = 1.0, t0[e] = INFINITY;
    const double *amax = ics__ario_view(f.d, f.w, "amax"), *lag = ics__ario_view(f.d, f.w, "lag");
    ics__ario_begin(f.d, b, f.w, 1);
    for (int t = 0; t <= T; ++t) {
        ics__ario_step(f.d, t, f.w);
        const double *D = ics__ario_view(f.d, f.w, "D"), *xa = ics__ario_view(f.d, f.w, "xa");
        const double *al = ics__ario_view(f.d, f.w, "alpha"), *cf = ics__ario_view(f.d, f.w, "cf");
        for (int e = 0; e < n * b; ++e) {
            const int i = e % n;
            const double xb = f.xbar[i];
            /* output within this step's capacity and within the segment's cap */
            if (!(xa[e] <= aprev[e] * cf[e] * xb * (1 + 1e-12)))
                fail_msg("t %d node %d: output %.17g above capacity %.17g", t, i, xa[e],
                         aprev[e] * cf[e] * xb);
            if (!(xa[e] <= amax[i] * xb * (1 + 1e-12)))
                fail_msg("t %d node %d: output %.17g above alpha_max %g x baseline %.17g", t, i,
                         xa[e], amax[i], xb);
            if (t0[e] == INFINITY && D[e] > xa[e]) t0[e] = t; /* the investment decision */
            /* the capacity of step t + 1: the pre-shock level until the lag has passed */
            if (!(t - t0[e] >= lag[i])) {
                if (al[e] != 1.0)
                    fail_msg("t %d node %d: alpha %.17g > 1 before the build lag %g (decided at %g)",
                             t, i, al[e], lag[i], t0[e]);
                if (t0[e] <= t && lag[i] > 0) was_held[e] = 1;
            } else {
                assert_true(al[e] >= 1.0 && al[e] <= amax[i]);
                if (!(al[e] - aprev[e] <= (amax[i] - 1.0) / tau * (1 + 1e-12)))
                    fail_msg("t %d node %d: alpha grew by %.17g in a step, more than "
                             "(alpha_max - 1) / tau_alpha", t, i, al[e] - aprev[e]);
                if (lag[i] > 0 && al[e] > 1.0) was_late[e] = 1;
            }
            aprev[e] = al[e];
        }
    }
    *late = *held = 0;
    for (int e = 0; e < n * b; ++e) *late += was_late[e], *held += was_held[e];
    free(aprev), free(t0), free(was_held), free(was_late);
    teardown(&f);
}

static void test_limits_every_step(void **state)
{
    (void)state;
    int late, held;
    /* the built-in defaults: fabs 1.10 after 97 weeks, equipment after 61, ATP and materials
     * after 52 (core/table/builtin/data/dynamics.csv); three years, so that some lags expire */
    check_limits("ario: {substitution: {share: 0.5, ramp: 8}}\n", 156, &late, &held);
    assert_true(held > 0); /* the lag bound, not just alpha_max, was what held capacity */
    assert_true(late > 0); /* and capacity did grow once the lag had passed */
    /* short lags given per segment, with a segment's own cap */
    check_limits("ario: {build_lag: {default: 6, end_consumer: 0}, alpha_max: {default: 1.2, "
                 "fab_advanced: 1.05}, requalification: 3, substitution: {share: 1}}\n", 104,
                 &late, &held);
    assert_true(held > 0 && late > 0);
}

/* With BoARIO's values given (alpha_max 1.25 everywhere, no lags) capacity rises from the first
 * unmet step on: the limits are what stops the other regions' fabs from catching up. */
static void test_boario_values_do_not_bind(void **state)
{
    (void)state;
    const char *ev = "shocks:\n  - {name: tw, type: capacity_loss, regions: [TW], segments: "
                     "[fab_advanced, fab_mature], loss: 1.0, duration: 52}\n";
    double peak[2];
    for (int v = 0; v < 2; ++v) {
        char yaml[2048];
        snprintf(yaml, sizeof yaml, "model: ario\nscenarios: 1\nhorizon: 60\n%s%s",
                 v ? "ario: {alpha_max: 1.25, build_lag: 0, requalification: 0}\n" : "", ev);
        fixture f;
        setup(&f, yaml, 1, 0);
        ics_dyn_block(f.d, f.p, f.m, 0, 1, f.w);
        const int n = f.t->n, T = f.d->T;
        peak[v] = 0.0; /* largest output of a fab outside Taiwan, relative to its baseline */
        for (int i = 0; i < n; ++i) {
            const char *sg = f.t->segments[f.t->node_segment[i]];
            if (strncmp(sg, "fab_", 4) || !strcmp(f.t->regions[f.t->node_region[i]], "TW")) continue;
            for (int t = 0; t <= T; ++t) peak[v] = fmax(peak[v], 1.0 - f.w->traj[i + (size_t)t * n]);
        }
        teardown(&f);
    }
    assert_true(peak[0] <= 1.0);          /* built-in lags: no fab above its pre-shock output */
    assert_true(peak[1] > 1.0 + 1e-3);    /* BoARIO's values: they overproduce */
}

/* Substitution of a blocked supplier starts only after the product's requalification lag: with
 * full substitution and a lag of L steps the run equals the one without substitution up to the
 * state the orders of step L shape (step L + 1), and differs later; with no lag it differs
 * from the first orders on. */
static void traj_of(const char *ario, double *out, size_t len)
{
    char yaml[2048];
    snprintf(yaml, sizeof yaml, "model: ario\nscenarios: 1\nhorizon: 40\n%s"
             "shocks:\n  - {name: b, type: trade_restriction, from: [TW], to: [US, CN, KR, JP, EU,"
             " SEA, ROW], segments: [fab_advanced, fab_mature], change: -1.0, start: 2,"
             " duration: 30}\n", ario);
    fixture f;
    setup(&f, yaml, 1, 0);
    ics_dyn_block(f.d, f.p, f.m, 0, 1, f.w);
    assert_true(len == (size_t)f.t->n * (f.d->T + 1));
    memcpy(out, f.w->traj, len * sizeof *out);
    teardown(&f);
}

static int first_difference(const double *a, const double *b, int n, int T)
{
    for (int t = 0; t <= T; ++t)
        for (int i = 0; i < n; ++i)
            if (a[i + (size_t)t * n] != b[i + (size_t)t * n]) return t;
    return T + 1;
}

static void test_requalification_delays_substitution(void **state)
{
    (void)state;
    const int n = 136, T = 40, L = 10;
    const size_t len = (size_t)n * (T + 1);
    double *none = malloc(len * sizeof *none), *lag = malloc(len * sizeof *lag);
    double *now = malloc(len * sizeof *now);
    traj_of("ario: {requalification: 0}\n", none, len);
    traj_of("ario: {requalification: {default: 0, fab_advanced: 10, fab_mature: 10}, "
            "substitution: {share: 1}}\n", lag, len);
    traj_of("ario: {requalification: 0, substitution: {share: 1}}\n", now, len);
    /* the restriction starts at step 2: in force for el = t - 1 steps at step t */
    const int d_lag = first_difference(none, lag, n, T), d_now = first_difference(none, now, n, T);
    assert_true(d_now <= 4);
    assert_true(d_lag >= 2 + L + 1 && d_lag <= 2 + L + 3);
    free(none), free(lag), free(now);
}

static void expect_error(const char *yaml, const char *needle)
{
    fixture f;
    ics_error err;
    ics_error_clear(&err);
    char full[1024];
    snprintf(full, sizeof full, "model: ario\nhorizon: 10\n%s", yaml);
    const ics_status st = try_setup(&f, full, 1, 0, &err);
    assert_int_equal(st, ICS_EINPUT);
    if (!strstr(err.msg, needle)) fail_msg("'%s' not in: %s", needle, err.msg);
    teardown(&f);
}

static void test_limit_errors(void **state)
{
    (void)state;
    expect_error("ario: {build_lag: -1}\n", "build_lag': must be >= 0");
    expect_error("ario: {build_lag: [1]}\n", "expected a number or a mapping");
    expect_error("ario: {alpha_max: {default: 0.5}}\n", "alpha_max: key 'default': must be >= 1");
    expect_error("ario: {alpha_max: {fab_advanced: nan}}\n", "alpha_max");
    expect_error("ario: {requalification: {fab_advance: 3}}\n", "did you mean 'fab_advanced'");
    expect_error("ario: {requalification: {fab_advanced: -2}}\n", "must be >= 0 steps");
    expect_error("ario: {build_lagg: 3}\n", "did you mean 'build_lag'");
}

/* The built-in defaults are the CSV's: fabs get the sourced 97-week build time. */
static void test_builtin_defaults(void **state)
{
    (void)state;
    const ics_builtin_dyn *fa = ics_builtin_dynamics("fab_advanced");
    assert_non_null(fa);
    assert_true(fa->build_lag_weeks == 97.0);
    assert_true(fa->alpha_max > 1.0 && fa->alpha_max < 1.25);
    fixture f;
    setup(&f, "model: ario\nhorizon: 10\nsteps_per_year: 365\n", 1, 0);
    const double *lag = ics__ario_view(f.d, f.w, "lag");
    const int *perm = ics__ario_perm(f.d);
    for (int ii = 0; ii < f.t->n; ++ii) {
        const ics_builtin_dyn *bd = ics_builtin_dynamics(f.t->segments[f.t->node_segment[perm[ii]]]);
        assert_true(fabs(lag[ii] - bd->build_lag_weeks * 7.0 * 365.0 / 364.0) <= 1e-9 * (1 + lag[ii]));
    }
    teardown(&f);
}

/* ------------------------------------------------------------------------------------------ */
/* Acceptance 5: the outage length from which the end markets lose output follows from the
 * inventory targets. */

/* The end markets' cumulative lost output, in steps of their baseline output, after Taiwan's
 * fabs are down for L steps from step 0 (daily steps: spy 364, 7 a week). */
static double end_loss(const char *ario, int L)
{
    char yaml[2048];
    snprintf(yaml, sizeof yaml, "model: ario\nscenarios: 1\nsteps_per_year: 364\nhorizon: 728\n%s"
             "shocks:\n  - {name: tw, type: capacity_loss, regions: [TW], segments: [fab_advanced,"
             " fab_mature], loss: 1.0, start: 0, duration: %d, recovery: 0}\n", ario, L);
    fixture f;
    setup(&f, yaml, 1, 0);
    ics_dyn_block(f.d, f.p, f.m, 0, 1, f.w);
    double loss = 0.0, xe = 0.0;
    for (int i = 0; i < f.t->n; ++i)
        if (!strncmp(f.t->segments[f.t->node_segment[i]], "end_", 4))
            loss -= f.w->X[i], xe += f.t->x[i] / 364.0;
    teardown(&f);
    return loss / xe;
}

/* The shortest outage (steps) whose end-market loss exceeds 1e-6 steps of their output, by
 * bisection (the loss grows with L: a longer outage removes more wafers). */
static int threshold(const char *ario)
{
    int lo = 0, hi = 364;
    assert_true(end_loss(ario, hi) > 1e-6);
    while (hi - lo > 1) {
        const int mid = (lo + hi) / 2;
        if (end_loss(ario, mid) > 1e-6) hi = mid;
        else lo = mid;
    }
    return hi;
}

/* The physics (docs/models.md, "Loss against outage length"): with no spare fab capacity
 * anywhere (the build lag), an outage of L days removes Phi L days of the chip vendors' wafer
 * use, Phi the share of their advanced wafers that came from Taiwan. Orders move to the other
 * fabs by capacity and those ration all their clients alike, so Phi lies between Taiwan's share
 * of the world's advanced-fab output (Phi_lo, fully pooled) and the largest Taiwan share of any
 * chip vendor's purchases (Phi_hi, not pooled at all). The vendors' stock of wafers (s_f days of
 * use) absorbs at least the part (1 - psi) s_f that they never refill (output is cut only below
 * psi of the target, and nobody can produce above the baseline to refill more) and at most all
 * of it; the end markets' chip stock (s_c days) absorbs (1 - psi) s_c before they cut output.
 * Hence (1 - psi)(s_f + s_c) / Phi_hi <= L* <= (s_f + (1 - psi) s_c) / Phi_lo; doubling s_f moves
 * L* later by between (1 - psi) s_f / Phi_hi and s_f / Phi_lo days, doubling s_c by between
 * (1 - psi) s_c / Phi_hi and s_c / Phi_lo. Phi and the targets come from the table and
 * dynamics.csv, not from a run. */
static void test_threshold_moves_with_inventory(void **state)
{
    (void)state;
    ics_error err;
    ics_error_clear(&err);
    ics_table *t = NULL;
    assert_int_equal(ics_table_builtin(&t, &err), ICS_OK);
    const int n = t->n;
    double tw = 0.0, all = 0.0, hi = 0.0;
    for (int i = 0; i < n; ++i)
        if (!strcmp(t->segments[t->node_segment[i]], "fab_advanced")) {
            all += t->x[i];
            if (!strcmp(t->regions[t->node_region[i]], "TW")) tw += t->x[i];
        }
    for (int j = 0; j < n; ++j) { /* each chip vendor's Taiwan share of its advanced wafers */
        const char *sj = t->segments[t->node_segment[j]];
        if (strcmp(sj, "design_logic") && strcmp(sj, "memory") && strcmp(sj, "dao")) continue;
        double w = 0.0, wt = 0.0;
        for (int i = 0; i < n; ++i)
            if (!strcmp(t->segments[t->node_segment[i]], "fab_advanced")) {
                w += t->Z[i + (size_t)j * n];
                if (!strcmp(t->regions[t->node_region[i]], "TW")) wt += t->Z[i + (size_t)j * n];
            }
        if (w > 0.0 && wt / w > hi) hi = wt / w;
    }
    ics_table_destroy(&t);
    const double lo = tw / all, psi = 0.8; /* psi: BoARIO's default, ours */
    const double sf = ics_builtin_dynamics("fab_advanced")->inventory_days; /* days = steps */
    const double sc = ics_builtin_dynamics("design_logic")->inventory_days;
    assert_true(lo > 0.3 && hi < 1.0 && lo < hi && sf == 30.0 && sc == 90.0);
    const int base = threshold("");
    const int fab2 = threshold("ario: {inventory: {fab_advanced: 60, fab_mature: 60}}\n");
    const int chip2 = threshold("ario: {inventory: {design_logic: 180, memory: 180, dao: 180}}\n");
    print_message("Phi in [%.3f, %.3f]; thresholds (days): base %d in [%.1f, %.1f]; fab targets x2 "
                  "%d (shift in [%.1f, %.1f]); chip targets x2 %d (shift in [%.1f, %.1f])\n", lo,
                  hi, base, (1 - psi) * (sf + sc) / hi, (sf + (1 - psi) * sc) / lo, fab2,
                  (1 - psi) * sf / hi, sf / lo, chip2, (1 - psi) * sc / hi, sc / lo);
    /* one step of slack each side: the threshold is a whole number of steps */
    assert_true(base >= (1 - psi) * (sf + sc) / hi - 1 && base <= (sf + (1 - psi) * sc) / lo + 1);
    assert_true(fab2 - base >= (1 - psi) * sf / hi - 1 && fab2 - base <= sf / lo + 1);
    assert_true(chip2 - base >= (1 - psi) * sc / hi - 1 && chip2 - base <= sc / lo + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_every_step),
        cmocka_unit_test(test_boario_values_do_not_bind),
        cmocka_unit_test(test_requalification_delays_substitution),
        cmocka_unit_test(test_limit_errors),
        cmocka_unit_test(test_builtin_defaults),
        cmocka_unit_test(test_threshold_moves_with_inventory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
