/* Coefficients and inverses against published values: Miller & Blair (2009), "Input-Output
 * Analysis", 2nd ed., section 2.3 two-sector example (Z = [[150,500],[200,100]], x = [1000,2000]):
 * A = [[.15,.25],[.2,.05]], L = (1/.7575)[[.95,.25],[.2,.85]] (printed as 1.2541, 0.3300,
 * 0.2640, 1.1221; output multipliers 1.5182, 1.4521) and the Ghosh counterpart in section 12.1,
 * B = [[.15,.5],[.1,.05]], G = (1/.7575)[[.95,.5],[.1,.85]]. Haimes & Jiang (2001) IIM example:
 * A* = [[0,.8],[.2,0]], c* = [0,.6] gives q = [.571,.714] (exactly .48/.84, .6/.84). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ics_kernels.h"
#include "ics_model.h"
#include "ics_table.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A table of n nodes in one region with given Z (row-major nxn), x and one final-demand column
 * making the rows balance; va balances the columns. */
static ics_table *make_table(int n, const double *Zrow, const double *x)
{
    ics_error err;
    ics_error_clear(&err);
    ics_table *t = ics_table_create(1, n, n, 1, &err);
    assert_non_null(t);
    t->regions[0] = ics_strdup("R", &err);
    t->y_region[0] = ics_strdup("R", &err);
    t->y_category[0] = ics_strdup("final", &err);
    t->source = ics_strdup("test", &err);
    for (int i = 0; i < n; ++i) {
        char name[16];
        snprintf(name, sizeof name, "s%d", i + 1);
        t->segments[i] = ics_strdup(name, &err);
        t->node_region[i] = 0;
        t->node_segment[i] = i;
        t->x[i] = x[i];
    }
    for (int i = 0; i < n; ++i) {
        double rs = 0.0;
        for (int j = 0; j < n; ++j) {
            t->Z[i + (size_t)j * n] = Zrow[i * n + j];
            rs += Zrow[i * n + j];
        }
        t->Y[i] = x[i] - rs;
    }
    for (int j = 0; j < n; ++j) {
        double cs = 0.0;
        for (int i = 0; i < n; ++i) cs += Zrow[i * n + j];
        t->va[j] = x[j] - cs;
    }
    return t;
}

static void test_miller_blair_leontief_ghosh(void **state)
{
    (void)state;
    const double Z[4] = {150, 500, 200, 100}, x[2] = {1000, 2000};
    ics_table *t = make_table(2, Z, x);
    ics_error err;
    ics_error_clear(&err);
    ics_validate_opts o = ICS_VALIDATE_DEFAULTS;
    ics_validate_report rep;
    assert_int_equal(ics_table_validate(t, &o, &rep, &err), ICS_OK);
    ics_model *m = NULL;
    assert_int_equal(ics_model_create(t, &m, &err), ICS_OK);
    const double d = 0.7575;
    const double A[4] = {0.15, 0.2, 0.25, 0.05};              /* column-major */
    const double L[4] = {0.95 / d, 0.2 / d, 0.25 / d, 0.85 / d};
    const double B[4] = {0.15, 0.1, 0.5, 0.05};
    const double G[4] = {0.95 / d, 0.1 / d, 0.5 / d, 0.85 / d};
    for (int k = 0; k < 4; ++k) {
        assert_true(fabs(m->A[k] - A[k]) < 1e-15);
        assert_true(fabs(m->B[k] - B[k]) < 1e-15);
        assert_true(fabs(m->L[k] - L[k]) < 1e-12 * fabs(L[k]));
        assert_true(fabs(m->G[k] - G[k]) < 1e-12 * fabs(G[k]));
    }
    /* printed four-decimal values of the book */
    assert_true(fabs(m->L[0] - 1.2541) < 5e-5 && fabs(m->L[2] - 0.3300) < 5e-5);
    assert_true(fabs(m->L[0] + m->L[1] - 1.5182) < 5e-5 && fabs(m->L[2] + m->L[3] - 1.4521) < 5e-5);
    /* the demand-driven model reproduces x from y = (350, 1700) */
    double y[2] = {350, 1700}, xx[2];
    ics_kernel_leontief(2, 1, m->L, y, xx);
    assert_true(fabs(xx[0] - 1000) < 1e-9 && fabs(xx[1] - 2000) < 1e-9);
    /* the supply-driven model reproduces x from va = (650, 1400): x' = va' G */
    double v[2] = {650, 1400};
    ics_kernel_ghosh(2, 1, m->G, v, xx);
    assert_true(fabs(xx[0] - 1000) < 1e-9 && fabs(xx[1] - 2000) < 1e-9);
    ics_model_destroy(&m);
    assert_null(m);
    ics_table_destroy(&t);
}

static void test_haimes_jiang_iim(void **state)
{
    (void)state;
    /* x = 1 makes A* = B = Z: A* = [[0,.8],[.2,0]] */
    const double Z[4] = {0, 0.8, 0.2, 0}, x[2] = {1, 1};
    ics_table *t = make_table(2, Z, x);
    ics_error err;
    ics_error_clear(&err);
    ics_model *m = NULL;
    assert_int_equal(ics_model_create(t, &m, &err), ICS_OK);
    double c[2] = {0, 0.6}, q[2];
    ics_kernel_iim(2, 1, m->G, c, q);
    assert_true(fabs(q[0] - 0.48 / 0.84) < 1e-14 && fabs(q[1] - 0.6 / 0.84) < 1e-14);
    assert_true(fabs(q[0] - 0.571) < 5e-4 && fabs(q[1] - 0.714) < 5e-4);
    /* clipping: a perturbation that would exceed full inoperability stays at 1 */
    double c2[2] = {0, 2.0}, q2[2];
    ics_kernel_iim(2, 1, m->G, c2, q2);
    assert_true(q2[0] == 1.0 && q2[1] == 1.0);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
}

/* Random productive table: inverses satisfy L (I - A) = I and G (I - B) = I, and G = x^-1 L x. */
static void test_random_inverse_identities(void **state)
{
    (void)state;
    const int n = 40;
    double *Z = calloc((size_t)n * n, sizeof *Z), *x = calloc(n, sizeof *x);
    unsigned long long s = 12345;
    for (int i = 0; i < n; ++i) x[i] = 100.0 + (double)(i * 37 % 11) * 50.0;
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            Z[i * n + j] = (double)(s >> 11) / 9007199254740992.0 * x[j] * 0.9 / n;
        }
    ics_table *t = make_table(n, Z, x);
    ics_error err;
    ics_error_clear(&err);
    ics_model *m = NULL;
    assert_int_equal(ics_model_create(t, &m, &err), ICS_OK);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
            double l = 0.0, g = 0.0;
            for (int k = 0; k < n; ++k) {
                l += m->L[i + (size_t)k * n] * ((k == j) - m->A[k + (size_t)j * n]);
                g += m->G[i + (size_t)k * n] * ((k == j) - m->B[k + (size_t)j * n]);
            }
            assert_true(fabs(l - (i == j)) < 1e-12);
            assert_true(fabs(g - (i == j)) < 1e-12);
        }
    ics_model_destroy(&m);
    ics_table_destroy(&t);
    free(Z);
    free(x);
}

/* A node with x = 0 and no flows is isolated: L and G are the identity on it. */
static void test_zero_output_node(void **state)
{
    (void)state;
    const double Z[9] = {150, 0, 500, 0, 0, 0, 200, 0, 100}, x[3] = {1000, 0, 2000};
    ics_table *t = make_table(3, Z, x);
    ics_error err;
    ics_error_clear(&err);
    ics_validate_opts o = ICS_VALIDATE_DEFAULTS;
    ics_validate_report rep;
    assert_int_equal(ics_table_validate(t, &o, &rep, &err), ICS_OK);
    assert_int_equal(rep.zero_output_nodes, 1);
    ics_model *m = NULL;
    assert_int_equal(ics_model_create(t, &m, &err), ICS_OK);
    for (int i = 0; i < 3; ++i) {
        assert_true(m->L[1 + (size_t)i * 3] == (i == 1));
        assert_true(m->G[i + 3] == (i == 1));
        assert_true(isfinite(m->G[i]) && isfinite(m->G[i + 6]));
    }
    assert_true(fabs(m->L[0] - 0.95 / 0.7575) < 1e-12);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
}

/* A random productive table of n nodes (column sums of A between 0.1 and 0.6). */
static ics_table *random_table(int n, unsigned long long seed)
{
    double *Z = calloc((size_t)n * n, sizeof *Z), *x = calloc(n, sizeof *x);
    for (int i = 0; i < n; ++i) x[i] = 100.0 + (double)(i * 37 % 11) * 50.0;
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            Z[i * n + j] = (double)(seed >> 11) / 9007199254740992.0 * x[j] * (0.2 + 0.8 * (j % 3)) / n / 2;
        }
    ics_table *t = make_table(n, Z, x);
    free(Z);
    free(x);
    return t;
}

/* The blocked LU (several 128-column panels and 256-column chunks, with look-ahead) gives the
 * same bits for 1, 2 and 3 threads and with or without A kept, factorises P (I - A) = L U (the
 * solves invert I - A), and keeps no A with ICS_MODEL_NO_A. */
static void test_lu_threads_and_no_a(void **state)
{
    (void)state;
    const int n = 700;
    ics_table *t = random_table(n, 99);
    ics_error err;
    ics_error_clear(&err);
    ics_model *ref = NULL;
    omp_set_num_threads(1);
    assert_int_equal(ics_model_create_for(t, 0, &ref, &err), ICS_OK);
    assert_non_null(ref->A);
    for (int th = 1; th <= 3; ++th) {
        omp_set_num_threads(th);
        ics_model *m = NULL;
        assert_int_equal(ics_model_create_for(t, ICS_MODEL_NO_A, &m, &err), ICS_OK);
        assert_null(m->A);
        assert_memory_equal(m->lu, ref->lu, sizeof *m->lu * (size_t)n * n);
        assert_memory_equal(m->ipiv, ref->ipiv, sizeof *m->ipiv * (size_t)n);
        ics_model_destroy(&m);
    }
    /* (I - A)^-1 (I - A) = I by the solves */
    double *X = calloc((size_t)n * n, sizeof *X);
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i) X[i + (size_t)j * n] = (i == j) - ref->A[i + (size_t)j * n];
    ics_model_apply_inverse(ref, ICS_MODEL_LEONTIEF, n, X, n);
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i) assert_true(fabs(X[i + (size_t)j * n] - (i == j)) < 1e-12);
    free(X);
    omp_set_num_threads(2);
    ics_model_destroy(&ref);
    ics_table_destroy(&t);
}

/* A closed pair of nodes (each buys the other's whole output) makes I - A singular: the zero
 * pivot, found in a later panel than the first, is an input error naming the table. */
static void test_singular_late_panel(void **state)
{
    (void)state;
    const int n = 300;
    ics_table *t = random_table(n, 7);
    const int a = 250, b = 251;
    for (int i = 0; i < n; ++i) {
        t->Z[i + (size_t)a * n] = t->Z[i + (size_t)b * n] = 0.0;
        t->Z[a + (size_t)i * n] = t->Z[b + (size_t)i * n] = 0.0;
    }
    t->Z[a + (size_t)b * n] = t->x[b];
    t->Z[b + (size_t)a * n] = t->x[a];
    ics_error err;
    ics_error_clear(&err);
    ics_model *m = NULL;
    assert_int_equal(ics_model_create_for(t, ICS_MODEL_NO_A, &m, &err), ICS_EINPUT);
    assert_null(m);
    assert_non_null(strstr(err.msg, "singular"));
    ics_table_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_miller_blair_leontief_ghosh),
        cmocka_unit_test(test_haimes_jiang_iim),
        cmocka_unit_test(test_random_inverse_identities),
        cmocka_unit_test(test_zero_output_node),
        cmocka_unit_test(test_lu_threads_and_no_a),
        cmocka_unit_test(test_singular_late_panel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
