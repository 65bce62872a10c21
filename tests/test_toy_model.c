/* A toy dynamic model added without touching the library (issue 12, acceptance 3): it is
 * defined in this file, registered with one call (ics_dyn_register) and run through the
 * dynamic plan's machinery (schedules, masks, sampling, workspace, recording). The toy's output
 * is (1 - shock): the share a node loses at step t is the sum of its capacity_loss shocks'
 * loss times their intensity (1 while active, then the plan's linear recovery ramp), clipped to
 * [0, 1]. Checked by algebra: no shock gives no loss; the cumulative loss of a node is
 * -x/steps_per_year * loss * (duration + recovery/2), the ramp's closed form; it is linear in
 * the loss; and a second registration of the same name is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ics_dynamic.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- the toy model ---- */

typedef struct toy_plan {
    double *cap; /* [n] share of capacity a unit shock removes at each node (1 here) */
} toy_plan;

static ics_status toy_create(const ics_config *cfg, const ics_table *t, const ics_model *m,
                             ics_dyn *d, ics_error *err)
{
    ics_status st = ICS_OK;
    toy_plan *tp = NULL;
    ICS_ALLOC(tp, 1, err, "the toy plan");
    d->impl = tp;
    ICS_ALLOC(tp->cap, d->n, err, "the toy plan");
    for (int i = 0; i < d->n; ++i) tp->cap[i] = 1.0;
done:
    return st;
}

static void toy_destroy(ics_dyn *d)
{
    toy_plan *tp = d->impl;
    if (tp) free(tp->cap);
    free(tp);
    d->impl = NULL;
}

static size_t toy_ws_bytes(const ics_dyn *d, int b)
{
    return (size_t)d->n * b * sizeof(double); /* the state: share lost, n x b */
}

static void toy_block(const ics_dyn *d, const ics_plan *p, int64_t first, int bb, ics_dyn_ws *w)
{
    const toy_plan *tp = d->impl;
    const int n = d->n, k = d->k;
    double *Q = w->model_ws;
    ics_dyn_reset(d, bb, w);
    for (int t = 0; t <= d->T; ++t) {
        memset(Q, 0, (size_t)n * bb * sizeof *Q);
        for (int j = 0; j < bb; ++j) {
            double *q = Q + (size_t)j * n;
            for (int s = 0; s < k; ++s) {
                if (d->type[s] != ICS_SHOCK_CAPACITY_LOSS) continue;
                const size_t js = s + (size_t)j * k;
                const double a = ics_dyn_intensity(d, s, t, w->Start[js], w->Dur[js]) *
                                 w->Theta[js]; /* Theta is 0 when the shock does not occur */
                const unsigned char *mk = d->mask + (size_t)s * n;
                const double *pt = d->pattern + (size_t)s * n;
                for (int i = 0; i < n; ++i)
                    if (mk[i]) q[i] += a * pt[i] * tp->cap[i];
            }
            for (int i = 0; i < n; ++i) q[i] = q[i] < 0 ? 0 : q[i] > 1 ? 1 : q[i];
        }
        ics_dyn_record(d, t, bb, Q, w);
    }
}

static const ics_dyn_ops toy_ops = {"toy", 0, toy_create, toy_ws_bytes, toy_block, toy_destroy};

/* ---- the machinery around it ---- */

/* a 3-node table in one region: flows Z, outputs x, one final-demand column */
static ics_table *table3(void)
{
    static const double Z[9] = {10, 30, 20, 25, 15, 40, 5, 35, 10}, x[3] = {100, 200, 150};
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
            t->Z[i + 3 * j] = Z[i * 3 + j];
            rs += Z[i * 3 + j];
            cs += Z[j * 3 + i];
        }
        t->Y[i] = x[i] - rs;
        t->va[i] = x[i] - cs;
    }
    return t;
}

/* Run scenarios 0..3 of a config through the toy; X (3 x 4) the cumulative output change. */
static void run_toy(const char *yaml, double *X, double *xstep)
{
    ics_error err;
    ics_error_clear(&err);
    ics_table *t = table3();
    ics_model *m = NULL;
    ics_config *cfg = NULL;
    ics_plan *p = NULL;
    ics_dyn *d = NULL;
    ics_dyn_ws *w = NULL;
    assert_int_equal(ics_model_create(t, &m, &err), ICS_OK);
    if (ics_config_parse(yaml, "toy.yaml", &cfg, &err) != ICS_OK) fail_msg("%s", err.msg);
    if (ics_plan_create(cfg, t, m, &p, &err) != ICS_OK) fail_msg("%s", err.msg);
    const ics_dyn_ops *ops = ics_dyn_ops_find("toy");
    assert_non_null(ops);
    if (ics_dyn_create_ops(ops, cfg, t, m, p, &d, &err) != ICS_OK) fail_msg("%s", err.msg);
    assert_ptr_equal(d->ops, &toy_ops);
    assert_int_equal(ics_dyn_ws_create(d, 4, 0, &w, &err), ICS_OK);
    assert_non_null(w->model_ws); /* toy_ws_bytes was asked */
    ics_dyn_block(d, p, m, 0, 4, w);
    memcpy(X, w->X, 12 * sizeof *X);
    memcpy(xstep, d->xstep, 3 * sizeof *xstep);
    ics_dyn_ws_destroy(&w);
    ics_dyn_destroy(&d);
    assert_null(d);
    ics_plan_destroy(&p);
    ics_config_destroy(&cfg);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
}

static void test_zero_shock_zero_loss(void **state)
{
    (void)state;
    double X[12], xs[3];
    run_toy("model: diim\nhorizon: 30\nshocks:\n"
            "  - {name: s, type: capacity_loss, segments: [a, b], loss: 0, duration: 4, recovery: 3}\n",
            X, xs);
    for (int i = 0; i < 12; ++i) assert_true(X[i] == 0.0);
}

/* loss L on nodes a and c for D steps, then a ramp of R steps (1 - r/(R+1), r = 1..R): the
 * lost output is xstep * L * (D + R/2) at those nodes and nothing at b */
static void test_closed_form(void **state)
{
    (void)state;
    double X[12], xs[3];
    const double L = 0.3, D = 5, R = 7;
    run_toy("model: diim\nhorizon: 40\nshocks:\n"
            "  - {name: s, type: capacity_loss, segments: [a, c], loss: 0.3, start: 2, duration: 5, recovery: 7}\n",
            X, xs);
    for (int j = 0; j < 4; ++j) {
        assert_true(fabs(X[0 + 3 * j] + xs[0] * L * (D + R / 2.0)) <= 1e-12 * xs[0]);
        assert_true(X[1 + 3 * j] == 0.0);
        assert_true(fabs(X[2 + 3 * j] + xs[2] * L * (D + R / 2.0)) <= 1e-12 * xs[2]);
    }
}

/* twice the loss, twice the lost output (no clipping below 1) */
static void test_linear_in_shock_size(void **state)
{
    (void)state;
    double X1[12], X2[12], xs[3];
    run_toy("model: diim\nhorizon: 20\nshocks:\n"
            "  - {name: s, type: capacity_loss, segments: [b], loss: 0.2, duration: 3, recovery: 4}\n"
            "  - {name: u, type: capacity_loss, segments: [c], loss: 0.1, start: 1, duration: 6}\n",
            X1, xs);
    run_toy("model: diim\nhorizon: 20\nshocks:\n"
            "  - {name: s, type: capacity_loss, segments: [b], loss: 0.4, duration: 3, recovery: 4}\n"
            "  - {name: u, type: capacity_loss, segments: [c], loss: 0.2, start: 1, duration: 6}\n",
            X2, xs);
    for (int i = 0; i < 12; ++i) assert_true(fabs(X2[i] - 2.0 * X1[i]) <= 1e-12 * fabs(X2[i]));
    assert_true(X1[1] < 0.0 && X1[2] < 0.0);
}

static void test_second_registration_refused(void **state)
{
    (void)state;
    ics_error err;
    ics_error_clear(&err);
    assert_int_equal(ics_dyn_register(&toy_ops, &err), ICS_EINPUT);
    assert_non_null(strstr(err.msg, "'toy' is already registered"));
}

int main(void)
{
    ics_error err;
    ics_error_clear(&err);
    if (ics_dyn_register(&toy_ops, &err) != ICS_OK) return 1; /* the one registration */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_shock_zero_loss),
        cmocka_unit_test(test_closed_form),
        cmocka_unit_test(test_linear_in_shock_size),
        cmocka_unit_test(test_second_registration_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
