/* ARIO's link state (issue 17; core/dynamics/ario.c): ics_ario_block keeps inventories and
 * orders only for the (product, client) pairs with a flow and takes the two products over Z's
 * nonzeros. The sums are the dense kernels' without their zero terms, in the same order, so every
 * per-scenario output must be bit for bit the dense reference's (ics__ario_set_dense): on a random
 * table with whole segment pairs removed (trade restrictions with substitution, the three
 * calibration multipliers, both order types, chunks of 5, 8, 13 and the whole block), and on the
 * built-in table with rebuilding and with table draws (each draw its own plan and links). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ics_ario_internal.h"
#include "ics_dynamic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct result {
    double *X, *rec, *peak, *recr, *unmet, *traj;
    size_t nb, nrb, ntraj;
    int links, nnz;
    size_t wsb;
} result;

/* Zero the flows between the segment pairs (a, b) with (7a + 3b) mod 5 >= 2 and a != b (about
 * half of them), then let final demand and value added take the rest of each node's output. */
static void sparsify(ics_table *t)
{
    const int n = t->n;
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i) {
            const int a = t->node_segment[i], b = t->node_segment[j];
            if (a != b && (7 * a + 3 * b) % 5 >= 2) t->Z[i + (size_t)j * n] = 0.0;
        }
    for (int i = 0; i < n; ++i) {
        double rs = 0, cs = 0;
        for (int j = 0; j < n; ++j) rs += t->Z[i + (size_t)j * n], cs += t->Z[j + (size_t)i * n];
        t->Y[i] = t->x[i] - rs;
        t->va[i] = t->x[i] - cs;
    }
}

static void run(ics_table *t, const char *yaml, int b, int dense, int chunk, result *r)
{
    ics_error err;
    ics_error_clear(&err);
    ics_model *m = NULL;
    ics_config *cfg = NULL;
    ics_plan *p = NULL;
    ics_dyn *d = NULL;
    ics_dyn_ws *w = NULL;
    assert_int_equal(ics_model_create(t, &m, &err), ICS_OK);
    if (ics_config_parse(yaml, "t.yaml", &cfg, &err) || ics_plan_create(cfg, t, m, &p, &err) ||
        ics_dyn_create(cfg, t, m, p, &d, &err))
        fail_msg("%s", err.msg);
    ics__ario_set_dense(d, dense); /* before the workspace, which holds the mode's state */
    if (chunk >= 0) ics__ario_set_chunk(d, chunk);
    if (ics_dyn_ws_create(d, b, 1, &w, &err)) fail_msg("%s", err.msg);
    ics_plan_sample(p, 0, b, w->Theta, w->Raw, w->Occ);
    ics_plan_timing(p, 0, b, w->Start, w->Dur);
    ics_dyn_block(d, p, m, 0, b, w);
    const size_t n = (size_t)t->n;
    r->nb = n * b, r->nrb = (size_t)d->nreg * b, r->ntraj = n * (size_t)(d->T + 1) * b;
    r->links = ics__ario_links(d, &r->nnz);
    r->wsb = ics_ario_ws_bytes(d, b);
#define KEEP(dst, src, cnt)                                                                     \
    do {                                                                                       \
        dst = malloc((cnt) * sizeof(double));                                                  \
        memcpy(dst, src, (cnt) * sizeof(double));                                              \
    } while (0)
    KEEP(r->X, w->X, r->nb);
    KEEP(r->rec, w->rec, r->nb);
    KEEP(r->peak, w->peak, r->nb);
    KEEP(r->recr, w->rec_region, r->nrb);
    KEEP(r->unmet, w->unmet, (size_t)b);
    KEEP(r->traj, w->traj, r->ntraj);
#undef KEEP
    ics_dyn_ws_destroy(&w);
    ics_dyn_destroy(&d);
    ics_plan_destroy(&p);
    ics_ario_config_free(cfg);
    ics_config_destroy(&cfg);
    ics_model_destroy(&m);
}

static void result_free(result *r)
{
    free(r->X), free(r->rec), free(r->peak), free(r->recr), free(r->unmet), free(r->traj);
}

static void assert_same(const result *a, const result *b, int nscen)
{
    assert_memory_equal(a->X, b->X, a->nb * sizeof(double));
    assert_memory_equal(a->rec, b->rec, a->nb * sizeof(double));
    assert_memory_equal(a->peak, b->peak, a->nb * sizeof(double));
    assert_memory_equal(a->recr, b->recr, a->nrb * sizeof(double));
    assert_memory_equal(a->unmet, b->unmet, (size_t)nscen * sizeof(double));
    assert_memory_equal(a->traj, b->traj, a->ntraj * sizeof(double));
}

/* the shocks acted, and differently in the first and the last scenario */
static void assert_acted(const result *r, int n, int b)
{
    double l0 = 0, l1 = 0;
    for (int i = 0; i < n; ++i) l0 -= r->X[i], l1 -= r->X[i + (size_t)(b - 1) * n];
    assert_true(l0 > 0 && l1 > 0 && l0 != l1);
}

static void test_links_equal_dense_random(void **state)
{
    (void)state;
    ics_error err;
    ics_error_clear(&err);
    const char *yamls[2] = {
        "model: ario\nhorizon: 50\nscenarios: 21\n"
        "ario: {substitution: {share: 0.6, ramp: 3}}\nshocks:\n"
        "  - {name: c, type: capacity_loss, regions: r0, segments: [s0, s2], loss: {dist: uniform, min: 0.2, max: 0.9}, duration: {dist: uniform, min: 2, max: 9}, recovery: 10}\n"
        "  - {name: d, type: final_demand, segments: s3, change: {dist: uniform, min: -0.3, max: 0.3}, duration: 20}\n"
        "  - {name: tr, type: trade_restriction, from: r1, to: r2, segments: s2, change: {dist: uniform, min: -1, max: -0.5}, start: 2, duration: 30}\n"
        "uncertainty:\n"
        "  inventory: {dist: uniform, min: 0.25, max: 2.0}\n"
        "  alpha_max: {dist: uniform, min: 0.5, max: 1.5}\n"
        "  build_lag: {dist: uniform, min: 0.5, max: 1.5}\n"
        "  requalification: {dist: uniform, min: 0.5, max: 1.5}\n",
        "model: ario\nhorizon: 50\nscenarios: 21\n"
        "ario: {order_type: base, inventory: {default: 3, s1: inf}, substitution: {share: 0.5}}\nshocks:\n"
        "  - {name: c, type: capacity_loss, regions: r0, segments: [s0, s2], loss: {dist: uniform, min: 0.2, max: 0.9}, duration: 6, recovery: 10}\n"
        "  - {name: tr, type: trade_restriction, from: [r0, r1], to: r2, segments: s2, change: {dist: uniform, min: -1, max: -0.5}, start: 2, duration: 30}\n"};
    ics_table *t = ics_table_random(3, 5, 11, &err);
    assert_non_null(t);
    sparsify(t);
    const int b = 21, n = t->n, chunks[4] = {0, 8, 5, 13};
    for (int y = 0; y < 2; ++y) {
        result ref, r;
        run(t, yamls[y], b, 1, 0, &ref); /* the dense reference, one chunk */
        assert_acted(&ref, n, b);
        for (int c = 0; c < 4; ++c) {
            run(t, yamls[y], b, 0, chunks[c], &r);
            /* the table is sparse, and the link state smaller than the dense one */
            assert_true(r.links > 0 && r.links < t->nseg * n);
            assert_true(r.nnz < n * n);
            if (c == 0) assert_true(r.wsb < ref.wsb);
            assert_same(&ref, &r, b);
            result_free(&r);
        }
        result_free(&ref);
    }
    ics_table_destroy(&t);
}

/* The built-in table (20.1 % of its (product, client) pairs are links) with rebuilding, the
 * essential_for defaults and a trade restriction; then with table draws. */
static void test_links_equal_dense_builtin(void **state)
{
    (void)state;
    ics_error err;
    ics_error_clear(&err);
    ics_table *t = NULL;
    assert_int_equal(ics_table_builtin(&t, &err), ICS_OK);
    const char *yamls[2] = {
        "model: ario\nhorizon: 30\nscenarios: 12\nseed: 5\n"
        "ario: {rebuilding: {share: 0.7, sectors: {\"equip_*\": 1}, tau_rebuild: 8}}\nshocks:\n"
        "  - {name: q, type: capacity_loss, regions: [TW], segments: [fab_advanced], loss: {dist: uniform, min: 0.2, max: 0.8}, start: 2, duration: 4}\n"
        "  - {name: tr, type: trade_restriction, from: [CN], to: [US], change: {dist: uniform, min: -1, max: -0.5}, start: 1, duration: 20}\n",
        "model: ario\nhorizon: 30\nscenarios: 12\nseed: 5\nshocks:\n"
        "  - {name: q, type: capacity_loss, regions: [TW], segments: [fab_advanced], loss: {dist: uniform, min: 0.2, max: 0.8}, start: 2, duration: 4}\n"
        "uncertainty:\n  table: {coefficients: 0.1, draws: 3}\n"};
    const int b = 12;
    for (int y = 0; y < 2; ++y) {
        result ref, r;
        run(t, yamls[y], b, 1, -1, &ref);
        run(t, yamls[y], b, 0, -1, &r);
        assert_int_equal(r.links, 464); /* docs/performance.md, "Density of the built-in table" */
        assert_int_equal(r.nnz, 3712);
        assert_acted(&ref, t->n, b);
        assert_same(&ref, &r, b);
        result_free(&ref);
        result_free(&r);
    }
    /* `icstress validate`'s count (ics_table_density, on the table's own order) is the plan's */
    int64_t nnz = 0, links = 0;
    assert_int_equal(ics_table_density(t, &nnz, &links, &err), ICS_OK);
    assert_int_equal(links, 464);
    assert_int_equal(nnz, 3712);
    ics_table_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_links_equal_dense_random),
        cmocka_unit_test(test_links_equal_dense_builtin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
