/* Sensitivity designs and estimators by published values and algebraic properties: the Ishigami
 * function (a = 7, b = 0.1; Saltelli et al. 2008 / hpc-uq.md section 3) through the same estimator
 * code as the runs, within its intervals at N = 2^14; the Sobol' design rows are A, A_B^(g), B
 * of one 2k-dimensional set and nest when N doubles; block accumulators merged in block order
 * reproduce the whole-run result bitwise; Morris elementary effects of a linear function are its
 * coefficients exactly; the plan's design (factor names, groups, copula groups) and every input
 * error path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ics_config.h"
#include "ics_model.h"
#include "ics_scenario.h"
#include "ics_sensitivity.h"
#include "ics_table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const double PI = 3.14159265358979323846;

static double ishigami(const double *u)
{
    const double x1 = -PI + 2 * PI * u[0], x2 = -PI + 2 * PI * u[1], x3 = -PI + 2 * PI * u[2];
    return sin(x1) + 7.0 * sin(x2) * sin(x2) + 0.1 * pow(x3, 4) * sin(x1);
}

static ics_sens_design *make_design(ics_sens_method method, ics_sampler_kind sampler, int k,
                                    int64_t N, int second_order)
{
    ics_sens_spec spec = {0};
    spec.method = method;
    spec.sampler = sampler;
    spec.seed = 2024;
    spec.k = k;
    spec.N = N;
    spec.second_order = second_order;
    spec.levels = 4;
    ics_sens_design *d = NULL;
    ics_error err;
    ics_error_clear(&err);
    assert_int_equal(ics_sens_design_create(&spec, &d, &err), ICS_OK);
    return d;
}

/* Outputs of fn on every scenario of d (filled in uneven calls, as blocks would). */
static double *evaluate(const ics_sens_design *d, double (*fn)(const double *))
{
    const int64_t total = ics_sens_design_scenarios(d);
    double *f = malloc(sizeof *f * (size_t)total), U[16 * 37];
    for (int64_t i = 0; i < total;) {
        const int b = (int)(total - i < 37 ? total - i : 37);
        ics_sens_design_fill(d, i, b, U, 16);
        for (int j = 0; j < b; ++j) f[i + j] = fn(U + 16 * j);
        i += b;
    }
    return f;
}

static void test_ishigami(void **state)
{
    (void)state;
    const double S1[3] = {0.3139, 0.4424, 0.0}, ST[3] = {0.5576, 0.4424, 0.2437};
    for (int pass = 0; pass < 2; ++pass) {
        const ics_sampler_kind kind = pass == 0 ? ICS_SAMPLER_SOBOL : ICS_SAMPLER_MC;
        ics_sens_design *d = make_design(ICS_SENS_SOBOL, kind, 3, 1 << 14, 1);
        assert_int_equal(d->stride, 2 * 3 + 2);
        double *f = evaluate(d, ishigami);
        ics_sobol_acc *acc = NULL;
        ics_sobol_indices ix;
        ics_error err;
        ics_error_clear(&err);
        assert_int_equal(ics_sobol_acc_create(3, 1, &acc, &err), ICS_OK);
        assert_int_equal(ics_sobol_indices_alloc(3, 1, &ix, &err), ICS_OK);
        double mu = 0.0;
        for (int64_t j = 0; j < d->N; ++j) mu += f[j * d->stride] + f[j * d->stride + d->stride - 1];
        mu /= 2.0 * d->N;
        ics_sobol_acc_rows(acc, d->N, f, d->stride, mu);
        ics_sobol_acc_indices(acc, mu, 0.95, &ix);
        assert_int_equal(ics_sobol_bootstrap(d->N, f, d->stride, mu, 100, 5, 0.95, &ix, &err), ICS_OK);
        assert_true(fabs(ix.variance - 13.8446) < 0.05 * 13.8446);
        for (int g = 0; g < 3; ++g) {
            print_message("%s x%d: S1 %.4f +- %.4f (boot %.4f) [%.4f]  ST %.4f +- %.4f (boot %.4f) [%.4f]\n",
                          pass ? "mc" : "sobol", g + 1, ix.S1[g], ix.S1_conf[g], ix.S1_boot[g],
                          S1[g], ix.ST[g], ix.ST_conf[g], ix.ST_boot[g], ST[g]);
            assert_true(fabs(ix.S1[g] - S1[g]) <= ix.S1_conf[g]);
            assert_true(fabs(ix.ST[g] - ST[g]) <= ix.ST_conf[g]);
            /* asymptotic and bootstrap intervals estimate the same spread */
            assert_true(ix.S1_boot[g] > 0.5 * ix.S1_conf[g] && ix.S1_boot[g] < 2.0 * ix.S1_conf[g]);
            assert_true(ix.ST_boot[g] > 0.5 * ix.ST_conf[g] && ix.ST_boot[g] < 2.0 * ix.ST_conf[g]);
            assert_true(ix.S1_conf[g] < 0.05 && ix.ST_conf[g] < 0.05);
        }
        /* second order: S13 = ST1 - S1 = 0.2437, S12 = S23 = 0 */
        const double S2[3] = {0.0, 0.2437, 0.0}; /* (1,2), (1,3), (2,3) */
        const int gi[3] = {0, 0, 1}, hi[3] = {1, 2, 2};
        for (int q = 0; q < 3; ++q) {
            const double v = ix.S2[gi[q] * 3 + hi[q]], c = ix.S2_boot[gi[q] * 3 + hi[q]];
            print_message("  S2(%d,%d) %.4f +- %.4f [%.4f]\n", gi[q] + 1, hi[q] + 1, v, c, S2[q]);
            assert_true(fabs(v - S2[q]) <= 1.5 * c + 1e-3);
            assert_true(v == ix.S2[hi[q] * 3 + gi[q]]);
        }
        ics_sobol_indices_free(&ix);
        ics_sobol_acc_destroy(&acc);
        free(f);
        ics_sens_design_destroy(&d);
    }
}

/* Per-block accumulators (as ranks would make them) merged in block order give the same bits as
 * one pass; the estimate does not depend on how the rows were handed out. */
static void test_block_merge_bitwise(void **state)
{
    (void)state;
    ics_sens_design *d = make_design(ICS_SENS_SOBOL, ICS_SAMPLER_SOBOL, 3, 5000, 0);
    double *f = evaluate(d, ishigami);
    ics_error err;
    ics_error_clear(&err);
    ics_sobol_acc *whole = NULL, *merged = NULL, *blk = NULL;
    ics_sobol_indices a, b;
    assert_int_equal(ics_sobol_acc_create(3, 0, &whole, &err), ICS_OK);
    assert_int_equal(ics_sobol_acc_create(3, 0, &merged, &err), ICS_OK);
    assert_int_equal(ics_sobol_indices_alloc(3, 0, &a, &err), ICS_OK);
    assert_int_equal(ics_sobol_indices_alloc(3, 0, &b, &err), ICS_OK);
    ics_sobol_acc_rows(whole, d->N, f, d->stride, 4.0);
    for (int64_t j = 0; j < d->N; j += ICS_SENS_BLOCK_ROWS) {
        const int64_t nb = d->N - j < ICS_SENS_BLOCK_ROWS ? d->N - j : ICS_SENS_BLOCK_ROWS;
        assert_int_equal(ics_sobol_acc_create(3, 0, &blk, &err), ICS_OK);
        ics_sobol_acc_block(blk, nb, f + j * d->stride, d->stride, 4.0);
        ics_sobol_acc_merge(merged, blk);
        ics_sobol_acc_destroy(&blk);
    }
    ics_sobol_acc_indices(whole, 4.0, 0.95, &a);
    ics_sobol_acc_indices(merged, 4.0, 0.95, &b);
    assert_memory_equal(a.S1, b.S1, 3 * sizeof(double));
    assert_memory_equal(a.ST, b.ST, 3 * sizeof(double));
    assert_memory_equal(a.S1_conf, b.S1_conf, 3 * sizeof(double));
    assert_memory_equal(a.ST_conf, b.ST_conf, 3 * sizeof(double));
    /* centring by another shift changes only rounding */
    ics_sobol_acc *other = NULL;
    assert_int_equal(ics_sobol_acc_create(3, 0, &other, &err), ICS_OK);
    ics_sobol_acc_rows(other, d->N, f, d->stride, 3.5);
    ics_sobol_acc_indices(other, 3.5, 0.95, &b);
    for (int g = 0; g < 3; ++g) assert_true(fabs(a.ST[g] - b.ST[g]) < 1e-12);
    ics_sobol_acc_destroy(&other);
    ics_sobol_indices_free(&a);
    ics_sobol_indices_free(&b);
    ics_sobol_acc_destroy(&whole);
    ics_sobol_acc_destroy(&merged);
    free(f);
    ics_sens_design_destroy(&d);
}

/* Rows are A, A_B^(g), B_A^(g), B of one 2k-dimensional point set; doubling N keeps the rows. */
static void test_design_rows(void **state)
{
    (void)state;
    enum { K = 4 };
    ics_sens_design *d = make_design(ICS_SENS_SOBOL, ICS_SAMPLER_SOBOL, K, 256, 1);
    ics_sens_design *d2 = make_design(ICS_SENS_SOBOL, ICS_SAMPLER_SOBOL, K, 512, 1);
    ics_sampler *base = NULL;
    ics_error err;
    ics_error_clear(&err);
    assert_int_equal(ics_sampler_create(ICS_SAMPLER_SOBOL, 2024, 256, 2 * K, &base, &err), ICS_OK);
    const int stride = 2 * K + 2;
    assert_int_equal(d->stride, stride);
    assert_int_equal(ics_sens_design_scenarios(d), 256 * stride);
    double *U = malloc(sizeof *U * K * 256 * stride), *U2 = malloc(sizeof *U2 * K * 256 * stride);
    ics_sens_design_fill(d, 0, 256 * stride, U, K);
    ics_sens_design_fill(d2, 0, 256 * stride, U2, K);
    assert_memory_equal(U, U2, sizeof *U * K * 256 * stride);
    for (int j = 0; j < 256; ++j) {
        double ab[2 * K];
        ics_sampler_fill(base, j, 1, ab);
        const double *row = U + (size_t)j * stride * K;
        for (int i = 0; i < K; ++i) {
            assert_true(row[i] == ab[i]);                          /* A */
            assert_true(row[(stride - 1) * K + i] == ab[K + i]);   /* B */
            for (int g = 0; g < K; ++g) {
                assert_true(row[(1 + g) * K + i] == (i == g ? ab[K + i] : ab[i]));     /* A_B^(g) */
                assert_true(row[(1 + K + g) * K + i] == (i == g ? ab[i] : ab[K + i])); /* B_A^(g) */
            }
        }
    }
    free(U), free(U2);
    ics_sampler_destroy(&base);
    ics_sens_design_destroy(&d);
    ics_sens_design_destroy(&d2);
}

static const int lin_p = 4;
static double linear(const double *u)
{
    /* x = (2 p u - 1) / (2 (p - 1)) on the grid; f = 3 x1 - 2 x2 + 0.5 x3 */
    double x[3];
    for (int i = 0; i < 3; ++i) x[i] = (2.0 * lin_p * u[i] - 1.0) / (2.0 * (lin_p - 1));
    return 3.0 * x[0] - 2.0 * x[1] + 0.5 * x[2];
}

static void test_morris_linear(void **state)
{
    (void)state;
    ics_sens_design *d = make_design(ICS_SENS_MORRIS, ICS_SAMPLER_MC, 3, 50, 0);
    assert_int_equal(d->stride, 4);
    assert_true(fabs(d->delta - 4.0 / 6.0) < 1e-15);
    double *f = evaluate(d, linear);
    ics_morris_result r;
    ics_error err;
    ics_error_clear(&err);
    assert_int_equal(ics_morris_analyze(d, f, 50, 0.95, &r, &err), ICS_OK);
    const double c[3] = {3.0, -2.0, 0.5};
    for (int g = 0; g < 3; ++g) {
        assert_true(fabs(r.mu[g] - c[g]) < 1e-12);
        assert_true(fabs(r.mu_star[g] - fabs(c[g])) < 1e-12);
        assert_true(r.sigma[g] < 1e-12);
    }
    /* every point of a trajectory is on the grid, each step moves one factor by delta */
    double U[3 * 4];
    for (int t = 0; t < 50; ++t) {
        ics_sens_design_fill(d, (int64_t)t * 4, 4, U, 3);
        for (int s = 1; s <= 3; ++s) {
            int g, sign, changed = 0;
            ics_sens_morris_step(d, t, s, &g, &sign);
            for (int i = 0; i < 3; ++i) {
                const double dx = (U[s * 3 + i] - U[(s - 1) * 3 + i]) * 2.0 * lin_p / (2.0 * (lin_p - 1));
                if (i == g) {
                    assert_true(fabs(dx - sign * d->delta) < 1e-12);
                    ++changed;
                } else {
                    assert_true(dx == 0.0);
                }
            }
            assert_int_equal(changed, 1);
        }
    }
    ics_morris_result_free(&r);
    free(f);
    ics_sens_design_destroy(&d);
}

/* Morris on Ishigami ranks x1 and x2 above x3 by mu*, like the total indices (0.56, 0.44 vs
 * 0.24), and x3 has mu ~ 0 with a large sigma (pure interaction). */
static void test_morris_ishigami(void **state)
{
    (void)state;
    ics_sens_design *d = make_design(ICS_SENS_MORRIS, ICS_SAMPLER_MC, 3, 200, 0);
    double *f = evaluate(d, ishigami);
    ics_morris_result r;
    ics_error err;
    ics_error_clear(&err);
    assert_int_equal(ics_morris_analyze(d, f, 0, 0.95, &r, &err), ICS_OK);
    for (int g = 0; g < 3; ++g)
        print_message("x%d: mu* %.3f mu %.3f sigma %.3f\n", g + 1, r.mu_star[g], r.mu[g], r.sigma[g]);
    assert_true(r.mu_star[0] > r.mu_star[2]);
    assert_true(r.mu_star[2] > 0.0 && r.sigma[2] > fabs(r.mu[2]));
    assert_true(isnan(r.mu_star_conf[0]));
    ics_morris_result_free(&r);
    free(f);
    ics_sens_design_destroy(&d);
}

static void test_design_errors(void **state)
{
    (void)state;
    ics_sens_spec spec = {0};
    ics_sens_design *d = NULL;
    ics_error err;
    spec.method = ICS_SENS_SOBOL;
    spec.sampler = ICS_SAMPLER_SOBOL;
    spec.k = 0;
    spec.N = 16;
    ics_error_clear(&err);
    assert_int_equal(ics_sens_design_create(&spec, &d, &err), ICS_EINPUT);
    assert_non_null(strstr(err.msg, "factors"));
    spec.k = 600;
    ics_error_clear(&err);
    assert_int_equal(ics_sens_design_create(&spec, &d, &err), ICS_EINPUT);
    spec.k = 2;
    spec.N = 1;
    ics_error_clear(&err);
    assert_int_equal(ics_sens_design_create(&spec, &d, &err), ICS_EINPUT);
    assert_non_null(strstr(err.msg, "base samples"));
    spec.N = 16;
    spec.method = ICS_SENS_MORRIS;
    spec.levels = 5;
    ics_error_clear(&err);
    assert_int_equal(ics_sens_design_create(&spec, &d, &err), ICS_EINPUT);
    assert_non_null(strstr(err.msg, "even"));
    spec.levels = 4;
    const int gof[2] = {0, 2};
    const char *gn[2] = {"a", "b"};
    spec.ngroups = 2;
    spec.group_of = gof;
    spec.group_names = gn;
    ics_error_clear(&err);
    assert_int_equal(ics_sens_design_create(&spec, &d, &err), ICS_EINPUT);
    const int gof2[2] = {0, 0};
    spec.group_of = gof2;
    ics_error_clear(&err);
    assert_int_equal(ics_sens_design_create(&spec, &d, &err), ICS_EINPUT);
    assert_non_null(strstr(err.msg, "no factor"));
    assert_null(d);
}

static void test_targets(void **state)
{
    (void)state;
    char *regs[3] = {"US", "CN", "TW"};
    ics_sens_output outs[3] = {{"total_output_loss", 1, NULL}, {"va_loss_by_region", 3, regs},
                               {"aggregates/fabs", 1, NULL}};
    char *names[3] = {"total_output_loss", "va_loss_by_region/CN", "aggregates/fabs"};
    ics_sens_target *t = NULL;
    int n = 0;
    ics_error err;
    ics_error_clear(&err);
    assert_int_equal(ics_sens_resolve_targets("c.yaml", names, 3, outs, 3, &t, &n, &err), ICS_OK);
    assert_int_equal(n, 3);
    assert_string_equal(t[1].name, "va_loss_by_region/CN");
    assert_string_equal(t[1].dataset, "/scenarios/va_loss_by_region");
    assert_int_equal(t[1].column, 1);
    assert_int_equal(t[0].column, -1);
    assert_string_equal(t[2].dataset, "/scenarios/aggregates/fabs");
    ics_sens_targets_free(&t, n);
    char *all[1] = {"va_loss_by_region"};
    assert_int_equal(ics_sens_resolve_targets("c.yaml", all, 1, outs, 3, &t, &n, &err), ICS_OK);
    assert_int_equal(n, 3);
    assert_string_equal(t[2].name, "va_loss_by_region/TW");
    ics_sens_targets_free(&t, n);
    char *bad[1] = {"va_loss_by_region/XX"};
    assert_int_equal(ics_sens_resolve_targets("c.yaml", bad, 1, outs, 3, &t, &n, &err), ICS_EINPUT);
    assert_non_null(strstr(err.msg, "no column 'XX'"));
    char *bad2[1] = {"aggregates/none"};
    ics_error_clear(&err);
    assert_int_equal(ics_sens_resolve_targets("c.yaml", bad2, 1, outs, 3, &t, &n, &err), ICS_EINPUT);
    assert_non_null(strstr(err.msg, "not an output of this run"));
    assert_null(t);
}

/* ---- the plan's design ---- */

typedef struct fixture {
    ics_table *t;
    ics_model *m;
    ics_config *cfg;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    ics_error err;
    ics_error_clear(&err);
    if (ics_table_load("builtin", &f->t, &err) != ICS_OK) return -1;
    if (ics_model_create(f->t, &f->m, &err) != ICS_OK) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    ics_config_destroy(&f->cfg);
    ics_model_destroy(&f->m);
    ics_table_destroy(&f->t);
    free(f);
    return 0;
}

static const char *const base_cfg =
    "table: builtin\n"
    "seed: 11\n"
    "shocks:\n"
    "  - {name: a, type: final_demand, regions: [CN], change: {dist: uniform, min: -0.3, max: 0}, probability: 0.4}\n"
    "  - {name: b, type: final_demand, regions: [US], change: -0.1, probability: 0.5}\n"
    "  - {name: c, type: capacity_loss, regions: [TW], segments: [fab_advanced], loss: {dist: uniform, min: 0, max: 0.5}}\n"
    "  - {name: d, type: final_demand, regions: [EU], change: {dist: normal, mean: -0.1, sd: 0.02}}\n";

/* Parse base_cfg + extra and plan it; the plan borrows the config's shock names, so the config
 * is kept in f->cfg until the next call. */
static ics_status plan_of(fixture *f, const char *extra, ics_plan **p, ics_error *err)
{
    char text[4096];
    snprintf(text, sizeof text, "%s%s", base_cfg, extra);
    ics_config_destroy(&f->cfg);
    ics_status st = ics_config_parse(text, "s.yaml", &f->cfg, err);
    if (st == ICS_OK) st = ics_plan_create(f->cfg, f->t, f->m, p, err);
    return st;
}

static void test_plan_design(void **state)
{
    fixture *f = *state;
    ics_plan *p = NULL;
    ics_error err;
    ics_error_clear(&err);
    assert_int_equal(plan_of(f, "sensitivity: {samples: 64}\n", &p, &err), ICS_OK);
    const ics_sens_design *d = p->design;
    assert_non_null(d);
    /* dimensions: changes of a, c, d then occurrences of a, b */
    assert_int_equal(d->k, 5);
    assert_int_equal(d->G, 5);
    const char *want[5] = {"a/change", "c/loss", "d/change", "a/occurs", "b/occurs"};
    for (int i = 0; i < 5; ++i) assert_string_equal(d->factor_names[i], want[i]);
    assert_int_equal(d->N, 64);
    assert_int_equal(d->stride, 7);
    assert_int_equal(d->sampler, ICS_SAMPLER_SOBOL);
    /* the plan samples the design: scenario 0 is A_0, whose uniforms map through the laws */
    double U[5], Theta[4], Raw[4], Occ[4], Theta2[4];
    ics_sens_design_fill(d, 3, 1, U, 5);
    ics_plan_sample(p, 3, 1, Theta, Raw, Occ);
    ics_plan_sample_uniforms(p, 1, U, 5, Theta2, NULL, NULL);
    assert_memory_equal(Theta, Theta2, sizeof Theta);
    ics_plan_destroy(&p);

    /* groups: by factor or shock name; copula-correlated factors form one group */
    assert_int_equal(plan_of(f, "sensitivity: {samples: 64, groups: {demand: [a, d/change]}}\n"
                                "correlation: {factors: [c, d], matrix: [[1, 0.5], [0.5, 1]]}\n",
                             &p, &err), ICS_EINPUT);
    assert_non_null(strstr(err.msg, "correlated"));
    ics_error_clear(&err);
    assert_int_equal(plan_of(f, "sensitivity: {samples: 64, groups: {supply: [c, d]}}\n"
                                "correlation: {factors: [c, d], matrix: [[1, 0.5], [0.5, 1]]}\n",
                             &p, &err), ICS_OK);
    assert_int_equal(p->design->G, 4);
    assert_string_equal(p->design->group_names[1], "supply");
    ics_plan_destroy(&p);
    assert_int_equal(plan_of(f, "sensitivity: {samples: 64, method: morris}\n"
                                "correlation: {factors: [c, d], matrix: [[1, 0.5], [0.5, 1]]}\n",
                             &p, &err), ICS_OK);
    assert_int_equal(p->design->G, 4);
    assert_string_equal(p->design->group_names[1], "c/loss+d/change");
    assert_int_equal(p->design->stride, 5);
    ics_plan_destroy(&p);
    assert_int_equal(plan_of(f, "sensitivity: {samples: 64, groups: {g: [zz]}}\n", &p, &err),
                     ICS_EINPUT);
    assert_non_null(strstr(err.msg, "names no random factor"));
    ics_error_clear(&err);
    /* the run's size: N = scenarios / stride when it divides */
    assert_int_equal(plan_of(f, "scenarios: 700\nsensitivity: {samples: 64}\n", &p, &err), ICS_OK);
    assert_int_equal(p->design->N, 100);
    ics_plan_destroy(&p);
}

static void test_config_errors(void **state)
{
    (void)state;
    const char *bad[][2] = {
        {"sensitivity: {targets: [output_change]}\n", "not a per-scenario scalar"},
        {"sensitivity: {targets: [aggregates]}\n", "aggregates/NAME"},
        {"sensitivity: {levels: 3}\n", "must be even"},
        {"sensitivity: {ci_target: 2}\n", "in (0, 1)"},
        {"sensitivity: {groups: [a]}\n", "expected a mapping"},
        {"sensitivity: {groups: {g: [a], h: [a]}}\n", "already in group"},
        {"sensitivity: {sampler: halton}\n", "unknown sampler"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; ++i) {
        ics_config *cfg = NULL;
        ics_error err;
        ics_error_clear(&err);
        assert_int_equal(ics_config_parse(bad[i][0], "s.yaml", &cfg, &err), ICS_EINPUT);
        if (!strstr(err.msg, bad[i][1])) print_error("%s -> %s\n", bad[i][0], err.msg);
        assert_non_null(strstr(err.msg, bad[i][1]));
    }
    ics_config *cfg = NULL;
    ics_error err;
    ics_error_clear(&err);
    assert_int_equal(ics_config_parse("sensitivity: {method: morris, levels: 6, second_order: true, "
                                      "sampler: mc, bootstrap: 0, ci_target: 0.02, max_samples: 4096, "
                                      "targets: [va_loss_by_region/US, aggregates/x]}\n",
                                      "s.yaml", &cfg, &err), ICS_OK);
    assert_int_equal(cfg->sens_levels, 6);
    assert_int_equal(cfg->sens_second_order, 1);
    assert_int_equal(cfg->sens_sampler, ICS_SAMPLER_MC);
    assert_int_equal(cfg->sens_bootstrap, 0);
    assert_true(cfg->sens_ci_target == 0.02);
    assert_int_equal(cfg->sens_max_samples, 4096);
    assert_int_equal(cfg->sens_ntargets, 2);
    ics_config_destroy(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ishigami),
        cmocka_unit_test(test_block_merge_bitwise),
        cmocka_unit_test(test_design_rows),
        cmocka_unit_test(test_morris_linear),
        cmocka_unit_test(test_morris_ishigami),
        cmocka_unit_test(test_design_errors),
        cmocka_unit_test(test_targets),
        cmocka_unit_test_setup_teardown(test_plan_design, setup, teardown),
        cmocka_unit_test(test_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
