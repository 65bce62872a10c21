/* ARIO's rebuilding of destroyed capacity (issue 16; docs/models.md, "Rebuilding"), on the
 * built-in table: (a) without rebuilding, or with nothing destroyed, a run is bitwise the run of
 * the model without it; (b) the reconstruction delivered over a long run equals the destroyed
 * capital (capital_ratio x annual output x share x loss, computed here from the table), and
 * every step's output goes to clients, final demand and reconstruction; (c) the capacity a node
 * gets back in a step is the reconstruction delivered for it in the step before over its
 * capital; (d) a rebuilding sector that is itself short of capacity rebuilds more slowly; (e)
 * when the order is small beside the rebuilding sectors' output, the destroyed capacity is back
 * tau_rebuild steps after rebuilding starts, later when it is large; `origin: local` orders from
 * the damaged node's own region; the section's input errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ics_ario_internal.h"
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
    ics_dyn_ws_destroy(&f->w);
    ics_dyn_destroy(&f->d);
    ics_plan_destroy(&f->p);
    ics_config_destroy(&f->cfg);
    ics_model_destroy(&f->m);
    ics_table_destroy(&f->t);
}

/* internal index of node (region, segment) */
static int node(const fixture *f, const char *reg, const char *seg)
{
    const int *perm = ics__ario_perm(f->d);
    for (int ii = 0; ii < f->t->n; ++ii) {
        const int i = perm[ii];
        if (!strcmp(f->t->regions[f->t->node_region[i]], reg) &&
            !strcmp(f->t->segments[f->t->node_segment[i]], seg))
            return ii;
    }
    fail_msg("no node %s/%s", reg, seg);
    return -1;
}

/* annual output of internal node ii from the table's flows, Z 1 + Y 1 (the model's baseline) */
static double annual_output(const fixture *f, int ii)
{
    const int i = ics__ario_perm(f->d)[ii], n = f->t->n;
    double x = 0.0;
    for (int j = 0; j < n; ++j) x += f->t->Z[i + (size_t)j * n];
    for (int k = 0; k < f->t->ny; ++k) x += f->t->Y[i + (size_t)k * n];
    return x;
}

/* ---------------------------------------------------------------------------------------- */
/* (a) off = the model without rebuilding, bitwise                                            */

static const char *const MIXED =
    "shocks:\n"
    "  - {name: tw, type: capacity_loss, regions: [TW], segments: [fab_advanced, fab_mature],"
    " loss: {dist: uniform, min: 0.2, max: 0.9}, start: {dist: uniform, min: 0, max: 6},"
    " duration: {dist: uniform, min: 2, max: 10}, recovery: 6, probability: 0.5}\n"
    "  - {name: bl, type: trade_restriction, from: [TW], to: [CN, US], segments: [atp],"
    " change: -0.6, start: 3, duration: 8}\n"
    "  - {name: fd, type: final_demand, segments: [\"end_*\"], change: 0.1, start: 2}\n";

typedef struct run_out {
    double *X, *rec, *traj, *unmet;
} run_out;

static void run(const char *ario, int b, run_out *o)
{
    char yaml[4096];
    snprintf(yaml, sizeof yaml, "model: ario\nscenarios: %d\nseed: 7\nsampler: mc\nhorizon: 60\n"
             "%s%s", b, ario, MIXED);
    fixture f;
    setup(&f, yaml, b, 0);
    ics_dyn_block(f.d, f.p, f.m, 0, b, f.w);
    const size_t n = f.t->n, T = f.d->T;
    o->X = malloc(sizeof(double) * n * b);
    o->rec = malloc(sizeof(double) * n * b);
    o->traj = malloc(sizeof(double) * n * (T + 1) * b);
    o->unmet = malloc(sizeof(double) * b);
    memcpy(o->X, f.w->X, sizeof(double) * n * b);
    memcpy(o->rec, f.w->rec, sizeof(double) * n * b);
    memcpy(o->traj, f.w->traj, sizeof(double) * n * (T + 1) * b);
    memcpy(o->unmet, f.w->unmet, sizeof(double) * b);
    teardown(&f);
}

static void run_free(run_out *o)
{
    free(o->X), free(o->rec), free(o->traj), free(o->unmet);
}

/* scenario j of two runs, bitwise */
static int same(const run_out *a, const run_out *c, int j, size_t n, size_t T)
{
    return !memcmp(a->X + j * n, c->X + j * n, n * sizeof(double)) &&
           !memcmp(a->rec + j * n, c->rec + j * n, n * sizeof(double)) &&
           !memcmp(a->traj + j * n * (T + 1), c->traj + j * n * (T + 1),
                   n * (T + 1) * sizeof(double)) &&
           !memcmp(a->unmet + j, c->unmet + j, sizeof(double));
}

static void test_off_is_bitwise(void **state)
{
    (void)state;
    const int b = 12;
    const size_t n = 136, T = 60;
    run_out off, zero, other, on;
    run("", b, &off);
    /* share 0: nothing is destroyed */
    run("ario: {rebuilding: {share: 0, sectors: {\"equip_*\": 1}}}\n", b, &zero);
    /* destroyed capital only in segments no capacity loss touches */
    run("ario: {rebuilding: {share: {default: 0, memory: 1}, sectors: {\"equip_*\": 1}}}\n", b,
        &other);
    /* on, with scenarios in which the destroying shock does not happen (probability 0.5) */
    run("ario: {rebuilding: {share: 0.7, sectors: {\"equip_*\": 1}, tau_rebuild: 8}}\n", b, &on);
    int happened = 0, missed = 0;
    fixture f;
    char yaml[4096];
    snprintf(yaml, sizeof yaml, "model: ario\nscenarios: %d\nseed: 7\nsampler: mc\nhorizon: 60\n%s",
             b, MIXED);
    setup(&f, yaml, b, 0);
    assert_int_equal(f.t->n, (int)n);
    for (int j = 0; j < b; ++j) {
        assert_true(same(&off, &zero, j, n, T));
        assert_true(same(&off, &other, j, n, T));
        if (f.w->Occ[0 + (size_t)j * f.d->k] == 0.0) { /* shock `tw` did not happen */
            assert_true(same(&off, &on, j, n, T));
            ++missed;
        } else {
            assert_false(same(&off, &on, j, n, T)); /* and where it did, rebuilding acts */
            ++happened;
        }
    }
    teardown(&f);
    assert_true(happened > 0 && missed > 0);
    run_free(&off), run_free(&zero), run_free(&other), run_free(&on);
}

/* ---------------------------------------------------------------------------------------- */
/* (b), (c): conservation and the capacity-demand link, step by step                           */

/* One scenario: Taiwan's advanced fabs lose `loss` for `dur` steps, all of it destroyed
 * (share 1), rebuilt by the three equipment segments. Runs the probe for `horizon` steps and
 * returns the destroyed share of the damaged node at each step in d[0..T] (if not NULL) and the
 * first step from which it is below `eps` (T + 1 if never). */
typedef struct rb_run {
    double K;          /* destroyed capital, computed here from the config and the table */
    double delivered;  /* sum over steps of sum_u rho_u rbd_u */
    double last;       /* the delivery of the last step, T */
    int done;          /* first step with destroyed share < eps */
} rb_run;

static rb_run rebuild_run(const char *rb, const char *extra_shock, double loss, int dur,
                          int horizon, double cr, double eps, double *d, int check)
{
    char yaml[4096];
    snprintf(yaml, sizeof yaml, "model: ario\nscenarios: 1\nhorizon: %d\n"
             "ario:\n  essential_for: {\"equip_*\": []}\n  rebuilding: %s\n"
             "shocks:\n  - {name: q, type: capacity_loss, regions: [TW], segments: [fab_advanced],"
             " loss: %.17g, start: 2, duration: %d}\n%s", horizon, rb, loss, dur,
             extra_shock ? extra_shock : "");
    fixture f;
    setup(&f, yaml, 1, 1);
    const int n = f.t->n, T = f.d->T, tw = node(&f, "TW", "fab_advanced");
    rb_run r = {0};
    const double kcap = cr * annual_output(&f, tw); /* capital of the damaged node */
    r.K = loss * kcap;
    r.done = T + 1;
    const double *kc = ics__ario_view(f.d, f.w, "kcap");
    assert_non_null(kc);
    assert_true(fabs(kc[tw] - kcap) <= 1e-12 * kcap);
    double dprev = 0.0, delprev = 0.0;
    ics__ario_begin(f.d, 1, f.w, 1);
    for (int t = 0; t <= T; ++t) {
        ics__ario_step(f.d, t, f.w);
        const double *cf = ics__ario_view(f.d, f.w, "cf"), *rho = ics__ario_view(f.d, f.w, "rho");
        const double *rbd = ics__ario_view(f.d, f.w, "rbd"), *sum = ics__ario_view(f.d, f.w, "sum");
        const double dt = 1.0 - cf[tw];
        if (d) d[t] = dt;
        if (dt < eps && r.done > T && t > 2) r.done = t;
        double del = 0.0;
        for (int i = 0; i < n; ++i) del += rho[i] * rbd[i];
        if (check) {
            /* before the destruction nothing is lost; until rebuilding starts, all of it */
            if (t < 2) assert_true(dt == 0.0 && del == 0.0);
            else if (t < 2 + dur) assert_true(fabs(dt - loss) <= 1e-15 && del == 0.0);
            /* (c) the capacity back at step t is what was delivered at t - 1 over the capital */
            if (t > 2)
                if (!(fabs(kcap * (dprev - dt) - delprev) <= 1e-12 * r.K))
                    fail_msg("t %d: capacity back %.17g x capital %.17g = %.17g, delivered %.17g",
                             t, dprev - dt, kcap, kcap * (dprev - dt), delprev);
            assert_true(dt <= dprev + 1e-15 || t <= 2); /* it never comes back destroyed */
            /* goods balance: output = receipts of clients + final demand + reconstruction */
            if (t < T && !(fabs(sum[0] - (sum[1] + sum[2] + del)) <= 1e-12 * sum[0]))
                fail_msg("t %d: produced %.17g, delivered %.17g + %.17g + %.17g", t, sum[0],
                         sum[2], sum[1], del);
        }
        r.delivered += del;
        r.last = del;
        dprev = dt, delprev = del;
    }
    teardown(&f);
    return r;
}

static void test_conservation_and_link(void **state)
{
    (void)state;
    char rb[512];
    /* constrained: 0.5 x 1.5 x 49 bn USD of tools over 13 weeks is about 1.4 weeks of the
     * world's tool output a week, so deliveries are rationed for months */
    snprintf(rb, sizeof rb, "{share: {default: 0, fab_advanced: 1}, capital_ratio: 1.5, "
             "tau_rebuild: 13, sectors: {equip_litho: 0.35, equip_depetch: 0.40, "
             "equip_other: 0.25}}");
    rb_run r = rebuild_run(rb, NULL, 0.5, 4, 260, 1.5, 1e-12, NULL, 1);
    print_message("destroyed %.6g, delivered %.6g (rel. diff %.3g), rebuilt at step %d\n", r.K,
                  r.delivered, fabs(r.delivered - r.K) / r.K, r.done);
    assert_true(fabs(r.delivered - r.K) <= 1e-9 * r.K);
    assert_true(r.done > 2 + 4 + 13 + 5); /* rationed: well beyond tau_rebuild */
    /* origin local (Taiwan's own tool makers, whose output is small) and a weight split by a
     * glob keep the same totals */
    snprintf(rb, sizeof rb, "{share: {default: 0, fab_advanced: 1}, capital_ratio: 0.01, "
             "tau_rebuild: 20, origin: local, sectors: {\"equip_*\": 2}}");
    r = rebuild_run(rb, NULL, 0.9, 1, 200, 0.01, 1e-12, NULL, 1);
    print_message("local: destroyed %.6g, delivered %.6g, rebuilt at step %d\n", r.K, r.delivered,
                  r.done);
    assert_true(fabs(r.delivered - r.K) <= 1e-9 * r.K);
    /* a run cut short has delivered less than was destroyed, and the rest is still missing */
    snprintf(rb, sizeof rb, "{share: {default: 0, fab_advanced: 1}, capital_ratio: 1.5, "
             "tau_rebuild: 13, sectors: {\"equip_*\": 1}}");
    double d[31];
    r = rebuild_run(rb, NULL, 0.5, 4, 30, 1.5, 1e-12, d, 1);
    assert_true(r.delivered < r.K * (1 - 1e-3));
    /* destroyed at step 30 (capital d x K / loss) + delivered at steps 0..29 = destroyed */
    assert_true(fabs(d[30] * r.K / 0.5 + (r.delivered - r.last) - r.K) <= 1e-9 * r.K);
}

/* ---------------------------------------------------------------------------------------- */
/* (d) a constrained rebuilding sector rebuilds more slowly                                    */

static void test_constrained_sector_is_slower(void **state)
{
    (void)state;
    const char *rb = "{share: {default: 0, fab_advanced: 1}, capital_ratio: 0.4, "
                     "tau_rebuild: 26, sectors: {equip_litho: 1}}";
    enum { H = 160 };
    double da[H + 1], dc[H + 1];
    rb_run a = rebuild_run(rb, NULL, 0.6, 2, H, 0.4, 1e-6, da, 1);
    rb_run c = rebuild_run(rb, "  - {name: litho_cut, type: capacity_loss, segments: [equip_litho],"
                           " loss: 0.5, start: 0}\n", 0.6, 2, H, 0.4, 1e-6, dc, 1);
    print_message("rebuilt at step %d with full tool capacity, %d with half (destroyed share "
                  "%.3g at step %d)\n", a.done, c.done, dc[H], H);
    assert_true(a.done <= H - 20 && c.done > a.done + 10);
    assert_true(dc[H] < 0.5 * dc[4]); /* slower, but under way */
    int slower = 0;
    for (int t = 0; t <= H; ++t) {
        assert_true(dc[t] >= da[t] - 1e-12); /* never ahead */
        slower += dc[t] > da[t] + 1e-6;
    }
    assert_true(slower > 10);
}

/* ---------------------------------------------------------------------------------------- */
/* (e) unlimited rebuilding capacity: back tau_rebuild steps after rebuilding starts             */

static void test_unconstrained_takes_tau(void **state)
{
    (void)state;
    const int tau = 10, start = 2, dur = 3, from = start + dur;
    int prev = 0;
    const double crs[] = {1e-10, 1e-3, 0.3, 2.0};
    for (int q = 0; q < 4; ++q) {
        char rb[512];
        snprintf(rb, sizeof rb, "{share: {default: 0, fab_advanced: 1}, capital_ratio: %g, "
                 "tau_rebuild: %d, sectors: {\"equip_*\": 1}}", crs[q], tau);
        double d[101];
        rb_run r = rebuild_run(rb, NULL, 0.8, dur, 100, crs[q], 1e-9, d, q == 0);
        print_message("capital ratio %g: destroyed capacity back at step %d (rebuilding from "
                      "step %d, tau %d)\n", crs[q], r.done, from, tau);
        if (q == 0) {
            /* tiny order: 1/tau of it delivered each step (to 1e-9), gone after tau steps */
            for (int t = from; t < from + tau; ++t)
                assert_true(fabs(d[t] - 0.8 * (1.0 - (double)(t - from) / tau)) <= 1e-9);
            assert_int_equal(r.done, from + tau);
        }
        assert_true(r.done >= prev);
        prev = r.done;
    }
    assert_true(prev > from + tau + 5); /* a large order waits for the tool makers */
}

/* `origin: local`: the order goes to the damaged node's own region; `purchases` (default): to
 * the regions it buys the product from, in those shares. */
static void test_origin(void **state)
{
    (void)state;
    for (int local = 0; local < 2; ++local) {
        char yaml[1024];
        snprintf(yaml, sizeof yaml, "model: ario\nscenarios: 1\nhorizon: 6\n"
                 "ario: {rebuilding: {share: 1, sectors: {equip_litho: 1}, origin: %s}}\n"
                 "shocks:\n  - {name: q, type: capacity_loss, regions: [TW], segments: "
                 "[fab_advanced], loss: 0.5}\n", local ? "local" : "purchases");
        fixture f;
        setup(&f, yaml, 1, 0);
        ics__ario_begin(f.d, 1, f.w, 0);
        ics__ario_step(f.d, 0, f.w);
        const double *rbd = ics__ario_view(f.d, f.w, "rbd");
        const int n = f.t->n, *perm = ics__ario_perm(f.d), tw = node(&f, "TW", "fab_advanced");
        double tot = 0.0, zs = 0.0;
        for (int ii = 0; ii < n; ++ii) {
            const int i = perm[ii];
            if (strcmp(f.t->segments[f.t->node_segment[i]], "equip_litho")) {
                assert_true(rbd[ii] == 0.0);
                continue;
            }
            tot += rbd[ii];
            zs += f.t->Z[i + (size_t)perm[tw] * n];
        }
        assert_true(tot > 0.0);
        for (int ii = 0; ii < n; ++ii) {
            const int i = perm[ii];
            if (strcmp(f.t->segments[f.t->node_segment[i]], "equip_litho")) continue;
            const int home = !strcmp(f.t->regions[f.t->node_region[i]], "TW");
            const double want = local ? (home ? tot : 0.0)
                                      : tot * f.t->Z[i + (size_t)perm[tw] * n] / zs;
            assert_true(fabs(rbd[ii] - want) <= 1e-12 * tot);
        }
        teardown(&f);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Input errors                                                                                */

static void expect_error(const char *ario, const char *fragment)
{
    char yaml[2048];
    snprintf(yaml, sizeof yaml, "model: ario\nscenarios: 1\nhorizon: 4\nario:\n  rebuilding: %s\n"
             "shocks:\n  - {name: q, type: capacity_loss, regions: [TW], loss: 0.5}\n", ario);
    fixture f;
    ics_error err;
    ics_error_clear(&err);
    const ics_status st = try_setup(&f, yaml, 1, 0, &err);
    if (st != ICS_EINPUT) fail_msg("'%s': status %d, want an input error", ario, (int)st);
    if (!strstr(err.msg, fragment)) fail_msg("'%s': '%s' lacks '%s'", ario, err.msg, fragment);
    assert_null(strchr(err.msg, '\n'));
    teardown(&f);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("{share: 1.5, sectors: {equip_litho: 1}}", "must be in [0, 1]");
    expect_error("{share: {default: 0, fab_advanced: -0.1}, sectors: {equip_litho: 1}}",
                 "rebuilding.share: key 'fab_advanced'");
    expect_error("{sectors: {equip_litho: 1}}", "key 'share' is missing");
    expect_error("{share: 0.5}", "key 'sectors' is missing");
    expect_error("{share: 0.5, sectors: {}}", "sectors': empty");
    expect_error("{share: 0.5, sectors: [equip_litho]}", "expected a mapping");
    expect_error("{share: 0.5, sectors: {equip_litho: 0}}", "weight must be > 0");
    expect_error("{share: 0.5, sectors: {equip_lito: 1}}", "did you mean 'equip_litho'");
    expect_error("{share: 0.5, sectors: {\"equip_*\": 1, equip_litho: 2}}",
                 "matched by 'equip_*' and by 'equip_litho'");
    expect_error("{share: 0.5, sectors: {equip_litho: 1}, capital_ratio: 0}", "must be > 0");
    expect_error("{share: 0.5, sectors: {equip_litho: 1}, capital_ratio: {fab_advansed: 1}}",
                 "did you mean 'fab_advanced'");
    expect_error("{share: {memroy: 0.5}, sectors: {equip_litho: 1}}", "rebuilding.share");
    expect_error("{share: 0.5, sectors: {equip_litho: 1}, tau_rebuild: 0.5}", "tau_rebuild");
    expect_error("{share: 0.5, sectors: {equip_litho: 1}, origin: nearby}", "origin");
    expect_error("{share: 0.5, sectors: {equip_litho: 1}, tau: 4}", "tau");
    expect_error("0.5", "expected a mapping");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_off_is_bitwise),
        cmocka_unit_test(test_conservation_and_link),
        cmocka_unit_test(test_constrained_sector_is_slower),
        cmocka_unit_test(test_unconstrained_takes_tau),
        cmocka_unit_test(test_origin),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
