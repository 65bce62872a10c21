#define _POSIX_C_SOURCE 200809L
/* Nesting (core/table/nest.c, docs/nesting.md): algebraic properties on synthetic tables.
 * The identity case (a frame that already has the chain's structure) is tested on hand-built
 * fixtures in tests/integration/table_nest.sh. Here: aggregation back to the frame is exact for
 * random frames and chains, chain nodes balance, the result validates, regional value added is
 * the frame's; closing rows on final demand; builtin_world; the input errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ics_nest.h"
#include "ics_world_scale.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void relabel_segments(ics_table *t, const char *prefix)
{
    for (int s = 0; s < t->nseg; ++s) {
        char b[32];
        snprintf(b, sizeof b, "%s%d", prefix, s);
        free(t->segments[s]);
        t->segments[s] = strdup(b);
    }
}

static double rel(double a, double b, double tiny)
{
    return fabs(a - b) / fmax(fabs(b), tiny);
}

static void check_nested(const ics_table *F, const ics_table *C, const ics_table *N,
                         const char *sector)
{
    ics_error err;
    ics_error_clear(&err);
    const char *segs[64];
    for (int k = 0; k < C->nseg; ++k) segs[k] = C->segments[k];
    ics_table *A = NULL;
    assert_int_equal(ics_table_aggregate_segments(N, segs, C->nseg, sector, &A, &err), ICS_OK);
    assert_int_equal(A->n, F->n);
    double xmax = 0;
    for (int i = 0; i < F->n; ++i) xmax = fmax(xmax, F->x[i]);
    const double tiny = 1e-12 * xmax;
    double worst = 0;
    for (size_t a = 0; a < (size_t)F->n * F->n; ++a) worst = fmax(worst, rel(A->Z[a], F->Z[a], tiny));
    for (size_t a = 0; a < (size_t)F->n * F->ny; ++a) worst = fmax(worst, rel(A->Y[a], F->Y[a], tiny));
    for (int i = 0; i < F->n; ++i) {
        worst = fmax(worst, rel(A->x[i], F->x[i], tiny));
        worst = fmax(worst, rel(A->va[i], F->va[i], tiny));
        assert_int_equal(A->node_region[i], F->node_region[i]);
        assert_string_equal(A->segments[A->node_segment[i]], F->segments[F->node_segment[i]]);
    }
    assert_true(worst <= 1e-12);
    ics_table_destroy(&A);
    /* balance of every node and validity */
    ics_validate_opts vo = ICS_VALIDATE_DEFAULTS;
    vo.balance_rtol = 1e-9;
    ics_validate_report vr;
    assert_int_equal(ics_table_validate(N, &vo, &vr, &err), ICS_OK);
    /* regional value added and final demand are the frame's */
    for (int r = 0; r < F->nreg; ++r) {
        double vf = 0, vn = 0;
        for (int i = 0; i < F->n; ++i) vf += F->node_region[i] == r ? F->va[i] : 0;
        for (int i = 0; i < N->n; ++i) vn += N->node_region[i] == r ? N->va[i] : 0;
        assert_true(fabs(vf - vn) <= 1e-12 * vf);
    }
}

static void test_random_frames(void **state)
{
    (void)state;
    ics_error err;
    ics_error_clear(&err);
    const double mixes[3] = {0.05, 0.2, 0.6};
    for (int c = 0; c < 3; ++c) {
        ics_table *F = ics_table_random(3, 4, 11 + (uint64_t)c, &err);
        ics_table *C = ics_table_random(3, 5, 101 + (uint64_t)c, &err);
        assert_non_null(F);
        assert_non_null(C);
        relabel_segments(C, "k");
        ics_nest_opts o = ICS_NEST_DEFAULTS;
        o.mix = mixes[c];
        ics_nest_report rep;
        ics_table *N = NULL;
        assert_int_equal(ics_table_nest(F, C, "s2", &o, &N, &rep, &err), ICS_OK);
        assert_int_equal(N->n, 3 * (4 - 1 + 5));
        assert_int_equal(N->nseg, 8);
        assert_string_equal(N->segments[2], "k0");
        assert_string_equal(N->segments[7], "s3");
        assert_true(rep.max_rel_balance <= o.tol);
        assert_true(rep.max_rel_aggregate <= 1e-12);
        check_nested(F, C, N, "s2");
        ics_table_destroy(&N);
        ics_table_destroy(&F);
        ics_table_destroy(&C);
    }
}

static void test_errors(void **state)
{
    (void)state;
    ics_error err;
    ics_table *F = ics_table_random(3, 4, 1, &err);
    ics_table *C = ics_table_random(3, 5, 2, &err);
    ics_table *C2 = ics_table_random(2, 5, 3, &err);
    ics_table *N = NULL;
    ics_nest_opts o = ICS_NEST_DEFAULTS;
    o.mix = 0.1;
    /* chain segments s0..s4 clash with frame sectors */
    ics_error_clear(&err);
    assert_int_equal(ics_table_nest(F, C, "s2", &o, &N, NULL, &err), ICS_EINPUT);
    assert_non_null(strstr(err.msg, "also a sector"));
    relabel_segments(C, "k");
    relabel_segments(C2, "k");
    ics_error_clear(&err);
    assert_int_equal(ics_table_nest(F, C, "c26", &o, &N, NULL, &err), ICS_EINPUT);
    assert_non_null(strstr(err.msg, "no sector 'c26'"));
    ics_error_clear(&err);
    assert_int_equal(ics_table_nest(F, C2, "s2", &o, &N, NULL, &err), ICS_EINPUT);
    assert_non_null(strstr(err.msg, "regions"));
    ics_error_clear(&err);
    o.mix = 1.0;
    assert_int_equal(ics_table_nest(F, C, "s2", &o, &N, NULL, &err), ICS_EINPUT);
    /* an unbalanced frame */
    o.mix = 0.1;
    F->Y[0] += 50.0;
    ics_error_clear(&err);
    assert_int_equal(ics_table_nest(F, C, "s2", &o, &N, NULL, &err), ICS_EINPUT);
    assert_null(N);
    ics_table_destroy(&F);
    ics_table_destroy(&C);
    ics_table_destroy(&C2);
}

static void test_close_rows(void **state)
{
    (void)state;
    ics_error err;
    ics_error_clear(&err);
    ics_table *t = ics_table_random(2, 3, 5, &err);
    ics_table *u = ics_table_random(2, 3, 5, &err);
    /* open gaps of both signs; one negative final-demand entry */
    t->x[0] *= 1.02;
    t->x[3] *= 0.99;
    t->va[0] += t->x[0] - u->x[0];
    t->va[3] += t->x[3] - u->x[3];
    double worst = 0;
    assert_int_equal(ics_table_close_rows_on_final_demand(t, &worst, &err), ICS_OK);
    assert_true(worst > 0.009 && worst < 0.03);
    for (int i = 0; i < t->n; ++i) {
        double rs = t->Y[i];
        for (int j = 0; j < t->n; ++j) rs += t->Z[i + (size_t)j * t->n];
        assert_true(fabs(rs - t->x[i]) <= 1e-12 * t->x[i]);
        for (int j = 0; j < t->n; ++j)
            assert_true(t->Z[i + (size_t)j * t->n] == u->Z[i + (size_t)j * u->n]);
        if (i != 0 && i != 3) assert_true(t->Y[i] == u->Y[i]);
    }
    ics_table_destroy(&t);
    ics_table_destroy(&u);
}

static void test_builtin_world(void **state)
{
    (void)state;
    ics_error err;
    ics_error_clear(&err);
    ics_table *W = NULL, *F = NULL, *C = NULL;
    assert_int_equal(ics_table_builtin_world(&W, &err), ICS_OK);
    assert_int_equal(ics_table_world_frame_2022(&F, &err), ICS_OK);
    assert_int_equal(ics_table_builtin(&C, &err), ICS_OK);
    assert_int_equal(W->n, 8 * (35 - 1 + 17));
    assert_int_equal(W->base_year, 2022);
    assert_string_equal(W->source, "builtin_world");
    assert_true(ics_table_is_full_economy(W));
    assert_false(ics_table_is_full_economy(C));
    /* GDP of the US: the sum of VA_residual of WIOD 2011, 15,162,486 million USD, scaled to 2022
     * by the US GDP in current USD of 2022 / 2011 in WDI (25,744.108 / 15,599.732 bn) */
    double us = 0;
    for (int i = 0; i < W->n; ++i) us += W->node_region[i] == 0 ? W->va[i] : 0;
    assert_true(fabs(us / (15162486.0 * 25744.108 / 15599.732) - 1.0) < 1e-9);
    check_nested(F, C, W, "c14");
    ics_table_destroy(&W);
    ics_table_destroy(&F);
    ics_table_destroy(&C);
}

/* ics_table_scale_regions: every node's output and every region's value added grow by its
 * region's factor, the table balances; an unlisted region is an input error. */
static void test_scale_regions(void **state)
{
    (void)state;
    ics_error err;
    ics_error_clear(&err);
    ics_table *F = NULL, *G = NULL;
    assert_int_equal(ics_table_world_frame(&F, &err), ICS_OK);
    assert_int_equal(ics_table_world_frame_2022(&G, &err), ICS_OK);
    double f[8];
    const char *reg[8];
    ics_world_scale_factors(f, reg);
    /* Japan: WDI 4,256.411 / 6,233.147 bn; TW and ROW share the world residual's factor */
    assert_true(fabs(f[4] - 4256.411 / 6233.147) < 1e-12);
    assert_true(f[2] == f[7]);
    assert_int_equal(G->base_year, 2022);
    for (int r = 0; r < 8; ++r) {
        const int q = ics_table_find_region(F, reg[r]);
        double a = 0, b = 0;
        for (int i = 0; i < F->n; ++i)
            if (F->node_region[i] == q) {
                a += F->va[i];
                b += G->va[i];
                assert_true(fabs(G->x[i] - f[r] * F->x[i]) <= 1e-12 * fabs(F->x[i]));
            }
        assert_true(fabs(b / (f[r] * a) - 1.0) < 1e-9);
    }
    ics_validate_report rep;
    assert_int_equal(ics_table_validate(G, NULL, &rep, &err), ICS_OK);
    assert_true(rep.worst_row_balance < 1e-10 && rep.worst_col_balance < 1e-10);
    ics_error_clear(&err);
    assert_int_equal(ics_table_scale_regions(F, reg, f, 7, &err), ICS_EINPUT);
    assert_non_null(strstr(err.msg, "no scaling factor for region 'ROW'"));
    ics_table_destroy(&F);
    ics_table_destroy(&G);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_frames),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_close_rows),
        cmocka_unit_test(test_builtin_world),
        cmocka_unit_test(test_scale_regions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
