/* Calibration uncertainty (core/ensemble/uncertainty.c, table_draws.c; issue 16): every table
 * draw keeps the table's row and column totals (x, y, va) to 1e-9 and its zeros, stays
 * productive, moves the coefficients by about the stated relative sd, and is a pure function of
 * (seed, draw); each draw's factorisation reproduces x from y; the draw index of a scenario is
 * uniform on 0..K-1; bad sections are input errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "ics_uncertainty.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ics_table *builtin(void)
{
    ics_error err = {0};
    ics_table *t = NULL;
    assert_int_equal(ics_table_builtin(&t, &err), ICS_OK);
    return t;
}

static void test_draw_balanced_productive(void **state)
{
    (void)state;
    ics_error err = {0};
    ics_table *t = builtin();
    const int n = t->n;
    const double cv = 0.2;
    double *Z = malloc(sizeof *Z * n * n), *Z2 = malloc(sizeof *Z * n * n);
    double *A = malloc(sizeof *A * n * n);
    for (int d = 0; d < 3; ++d) {
        assert_int_equal(ics_table_draw_flows(t, cv, 42, d, Z, &err), ICS_OK);
        double s1 = 0, s2 = 0, worst_row = 0, worst_col = 0, maxcol = 0;
        int cnt = 0;
        for (int i = 0; i < n; ++i) {
            double r0 = 0, r1 = 0, c0 = 0, c1 = 0;
            for (int j = 0; j < n; ++j) {
                r0 += t->Z[i + (size_t)j * n], r1 += Z[i + (size_t)j * n];
                c0 += t->Z[j + (size_t)i * n], c1 += Z[j + (size_t)i * n];
            }
            /* x = Z1 + y and x = 1'Z + va, with the table's x, y and va */
            if (t->x[i] > 0) {
                worst_row = fmax(worst_row, fabs(r1 - r0) / t->x[i]);
                worst_col = fmax(worst_col, fabs(c1 - c0) / t->x[i]);
                maxcol = fmax(maxcol, c1 / t->x[i]);
            }
        }
        for (size_t e = 0; e < (size_t)n * n; ++e) {
            const double z0 = t->Z[e];
            if (z0 == 0.0) {
                assert_true(Z[e] == 0.0); /* zeros stay zero */
                continue;
            }
            assert_true(Z[e] > 0.0);
            const double rel = Z[e] / z0 - 1.0;
            s1 += rel, s2 += rel * rel, ++cnt;
        }
        for (int j = 0; j < n; ++j)
            for (int i = 0; i < n; ++i)
                A[i + (size_t)j * n] = t->x[j] > 0 ? Z[i + (size_t)j * n] / t->x[j] : 0.0;
        double rho = 0;
        assert_int_equal(ics_table_spectral_radius(n, A, n, &rho, &err), ICS_OK);
        const double sd = sqrt(s2 / cnt - (s1 / cnt) * (s1 / cnt));
        printf("draw %d: rows %.2e cols %.2e, max column sum of A %.4f, rho %.4f, relative sd "
               "of the flows %.3f (cv %.2f)\n", d, worst_row, worst_col, maxcol, rho, sd, cv);
        assert_true(worst_row < 1e-9);
        assert_true(worst_col < 1e-9);
        assert_true(maxcol < 1.0);
        assert_true(rho < 1.0);
        /* RAS pulls the draw back towards the margins, so its spread is somewhat below cv */
        assert_true(sd > 0.5 * cv && sd < 1.5 * cv);
        /* a pure function of (seed, draw); other draws and seeds differ */
        assert_int_equal(ics_table_draw_flows(t, cv, 42, d, Z2, &err), ICS_OK);
        assert_memory_equal(Z, Z2, sizeof *Z * n * n);
        assert_int_equal(ics_table_draw_flows(t, cv, 42, d + 1, Z2, &err), ICS_OK);
        assert_memory_not_equal(Z, Z2, sizeof *Z * n * n);
    }
    /* cv = 0: the table itself, bitwise */
    assert_int_equal(ics_table_draw_flows(t, 0.0, 42, 5, Z, &err), ICS_OK);
    assert_memory_equal(Z, t->Z, sizeof *Z * n * n);
    free(Z), free(Z2), free(A);
    ics_table_destroy(&t);
}

static const char *cfg_text =
    "table: builtin\nmodel: leontief\nscenarios: 4096\nseed: 3\n"
    "shocks:\n  - {name: d, type: final_demand, regions: [US], change: {dist: uniform, min: -0.2, "
    "max: 0}}\nuncertainty:\n  table: {coefficients: 0.1, draws: 4}\n";

static void test_plan_draws(void **state)
{
    (void)state;
    ics_error err = {0};
    ics_table *t = builtin();
    ics_config *cfg = NULL;
    ics_model *m = NULL;
    ics_plan *p = NULL;
    assert_int_equal(ics_config_parse(cfg_text, "t.yaml", &cfg, &err), ICS_OK);
    assert_int_equal(ics_model_create_for(t, 0u, &m, &err), ICS_OK);
    assert_int_equal(ics_plan_create(cfg, t, m, &p, &err), ICS_OK);
    assert_non_null(p->draws);
    assert_int_equal(p->draws->K, 4);
    assert_int_equal(p->nunc, 1);
    assert_int_equal(p->dim_unc[0], 1); /* after the shock's dimension */
    const int n = t->n;
    double *y = malloc(sizeof *y * n);
    ics_table_final_demand(t, y);
    for (int d = 0; d < 4; ++d) { /* each draw's factors solve (I - A_d) x = y for the same x */
        double *v = malloc(sizeof *v * n), worst = 0;
        memcpy(v, y, sizeof *v * n);
        ics_model_apply_inverse(p->draws->m[d], ICS_MODEL_LEONTIEF, 1, v, n);
        for (int i = 0; i < n; ++i)
            if (t->x[i] > 0) worst = fmax(worst, fabs(v[i] - t->x[i]) / t->x[i]);
        assert_true(worst < 1e-8);
        free(v);
    }
    const int N = 4096;
    double *V = malloc(sizeof *V * N);
    int cnt[4] = {0};
    ics_plan_uncertainty(p, 0, N, V);
    for (int j = 0; j < N; ++j) {
        assert_true(V[j] == floor(V[j]) && V[j] >= 0 && V[j] <= 3);
        cnt[(int)V[j]]++;
    }
    for (int d = 0; d < 4; ++d) assert_true(abs(cnt[d] - N / 4) < N / 20);
    free(V), free(y);
    ics_plan_destroy(&p);
    ics_model_destroy(&m);
    ics_config_destroy(&cfg);
    ics_table_destroy(&t);
}

static void expect_input_error(const char *section, const char *model, const char *what)
{
    char text[1024];
    ics_error err = {0};
    ics_config *cfg = NULL;
    snprintf(text, sizeof text,
             "table: builtin\nmodel: %s\nshocks:\n  - {name: d, type: final_demand, change: -0.1}"
             "\nuncertainty:\n%s\n", model, section);
    ics_status st = ics_config_parse(text, "t.yaml", &cfg, &err);
    if (st == ICS_OK) { /* checked by the plan */
        ics_table *t = builtin();
        ics_model *m = NULL;
        ics_plan *p = NULL;
        assert_int_equal(ics_model_create_for(t, ICS_MODEL_NEED_B, &m, &err), ICS_OK);
        st = ics_plan_create(cfg, t, m, &p, &err);
        ics_plan_destroy(&p);
        ics_model_destroy(&m);
        ics_table_destroy(&t);
    }
    ics_config_destroy(&cfg);
    assert_int_equal(st, ICS_EINPUT);
    if (!strstr(err.msg, what)) fail_msg("'%s' not in: %s", what, err.msg);
}

static void test_errors(void **state)
{
    (void)state;
    expect_input_error("  table: {coefficients: 0.1, draws: 0}", "leontief", "1 .. 1024");
    expect_input_error("  table: {coefficients: -0.1, draws: 4}", "leontief", "in [0, 1]");
    expect_input_error("  table: {coefficients: 0.1}", "leontief", "needs 'coefficients'");
    expect_input_error("  table: {coefficients: 0.1, draws: 4, sd: 1}", "leontief",
                       "unknown key 'sd'");
    expect_input_error("  table: {coefficients: 0.1, draws: 1025}", "ario", "1 .. 1024");
    expect_input_error("  inventory: 2", "diim", "model diim has no inventory");
    expect_input_error("  tabel: 1", "leontief", "did you mean 'table'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_draw_balanced_productive),
        cmocka_unit_test(test_plan_draws),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
