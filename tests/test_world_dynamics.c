/* Issue 15: the dynamic models' defaults on table: builtin_world (core/dynamics/builtin/
 * world_dynamics.c, ario_config.c; docs/models.md, "On the world table"). ARIO's inventory target
 * of every product: the frame's goods (WIOD c1..c16) 90 days of use, its non-stockable products
 * (c17 utilities, c18 construction, c19..c35 services) infinite, the nested chain's segments the
 * built-in table's own (dynamics.csv); a config's default replaces the goods' and the chain's but
 * not the non-stockable ones, which only a per-segment entry sets; the mapping applies to
 * builtin_world only (a table with the same labels from elsewhere gets the plain defaults). The
 * chain keeps its overproduction caps and lags; the frame gets BoARIO's (1.25, no lag). Which
 * buyers a product constrains (ario.essential_for and its builtin_world default). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ics_ario_internal.h"
#include "ics_builtin_dynamics.h"
#include "ics_nest.h"
#include "ics_world_dynamics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ics_table *W; /* builtin_world, loaded once */

static int setup_world(void **state)
{
    (void)state;
    ics_error err;
    ics_error_clear(&err);
    return ics_table_builtin_world(&W, &err) == ICS_OK ? 0 : -1;
}

static int teardown_world(void **state)
{
    (void)state;
    ics_table_destroy(&W);
    return 0;
}

/* the inventory targets (steps) of config text `yaml` on table t, into steps[t->nseg] */
static void targets(const ics_table *t, const char *yaml, double *steps)
{
    ics_error err;
    ics_error_clear(&err);
    ics_config *cfg = NULL;
    if (ics_config_parse(yaml, "t.yaml", &cfg, &err) != ICS_OK) fail_msg("%s", err.msg);
    if (ics__ario_inventory(cfg, t, steps, &err) != ICS_OK) fail_msg("%s", err.msg);
    ics_config_destroy(&cfg);
}

static int seg(const ics_table *t, const char *label)
{
    const int p = ics_table_find_segment(t, label);
    if (p < 0) fail_msg("no segment %s", label);
    return p;
}

static int industry(const char *label)
{
    return label[0] == 'c' ? atoi(label + 1) : 0; /* chain segments have no 'c<k>' label */
}

static const double spy = 52.0;

static void test_default_targets(void **state)
{
    (void)state;
    assert_int_equal(W->nseg, 34 + 17);
    double *s = calloc((size_t)W->nseg, sizeof *s);
    targets(W, "model: ario\n", s);
    int goods = 0, nonstock = 0, chain = 0;
    for (int p = 0; p < W->nseg; ++p) {
        const char *l = W->segments[p];
        const int k = industry(l);
        const ics_builtin_dyn *bd = ics_builtin_dynamics(l);
        if (k >= 17) { /* utilities, construction, services: never a constraint */
            assert_true(isinf(s[p]));
            assert_true(ics_world_nonstockable(W, l));
            ++nonstock;
        } else if (k >= 1) {
            assert_true(fabs(s[p] - 90.0 * spy / 365.0) < 1e-12);
            assert_false(ics_world_nonstockable(W, l));
            ++goods;
        } else {
            assert_non_null(bd); /* a chain segment: the built-in table's own target */
            assert_true(fabs(s[p] - fmax(1.0, bd->inventory_days * spy / 365.0)) < 1e-12);
            assert_true(isnan(ics_world_inventory_days(W, l)));
            ++chain;
        }
    }
    assert_int_equal(goods, 15);     /* c1..c16 without c14 */
    assert_int_equal(nonstock, 19);  /* c17..c35 */
    assert_int_equal(chain, 17);
    /* e.g. the chips' target at their users (design_logic: 90 days) and the fabs' (30 days) */
    assert_true(fabs(s[seg(W, "fab_advanced")] - 30.0 * spy / 365.0) < 1e-12);
    free(s);
}

static void test_config_overrides(void **state)
{
    (void)state;
    double *s = calloc((size_t)W->nseg, sizeof *s);
    /* a chain-oriented default (the scenario library's): goods and unnamed chain segments take it,
     * the non-stockable products stay unconstrained */
    targets(W, "model: ario\nario: {inventory: {default: 4.3, fab_advanced: 12.9}}\n", s);
    assert_true(s[seg(W, "fab_advanced")] == 12.9);
    assert_true(s[seg(W, "mat_wafer")] == 4.3);
    assert_true(s[seg(W, "c15")] == 4.3);
    assert_true(s[seg(W, "c1")] == 4.3);
    assert_true(isinf(s[seg(W, "c17")]) && isinf(s[seg(W, "c28")]) && isinf(s[seg(W, "c35")]));
    /* a plain number is the same default */
    targets(W, "model: ario\nario: {inventory: 6}\n", s);
    assert_true(s[seg(W, "c9")] == 6 && s[seg(W, "atp")] == 6 && isinf(s[seg(W, "c20")]));
    /* a per-segment entry sets a non-stockable product too (a user's choice) */
    targets(W, "model: ario\nario: {inventory: {c28: 2, c17: 5}}\n", s);
    assert_true(s[seg(W, "c28")] == 2 && s[seg(W, "c17")] == 5);
    assert_true(isinf(s[seg(W, "c29")]));
    assert_true(fabs(s[seg(W, "c12")] - 90.0 * spy / 365.0) < 1e-12);
    /* everything unconstrained */
    targets(W, "model: ario\nario: {inventory: inf}\n", s);
    for (int p = 0; p < W->nseg; ++p) assert_true(isinf(s[p]));
    /* daily steps: 90 days are 90 steps */
    targets(W, "model: ario\nsteps_per_year: 365\n", s);
    assert_true(fabs(s[seg(W, "c3")] - 90.0) < 1e-12);
    free(s);
}

/* The same labels on another table (here the frame alone, source builtin_world_frame) get the
 * plain default for every product. */
static void test_only_builtin_world(void **state)
{
    (void)state;
    ics_error err;
    ics_error_clear(&err);
    ics_table *F = NULL;
    assert_int_equal(ics_table_world_frame(&F, &err), ICS_OK);
    double *s = calloc((size_t)F->nseg, sizeof *s);
    targets(F, "model: ario\n", s);
    for (int p = 0; p < F->nseg; ++p) assert_true(fabs(s[p] - 90.0 * spy / 365.0) < 1e-12);
    assert_true(isnan(ics_world_inventory_days(F, "c28")));
    assert_false(ics_table_has_builtin_dynamics(F));
    assert_true(ics_table_has_builtin_dynamics(W));
    free(s);
    ics_table_destroy(&F);
    /* label parsing: only c1..c35 are frame industries */
    assert_true(isnan(ics_world_inventory_days(W, "c0")));
    assert_true(isnan(ics_world_inventory_days(W, "c36")));
    assert_true(isnan(ics_world_inventory_days(W, "c17x")));
    assert_true(isnan(ics_world_inventory_days(W, "c")));
    assert_true(isinf(ics_world_inventory_days(W, "c35")));
}

/* Overproduction caps and build lags: the chain's per segment, the frame's BoARIO's. */
static void test_limits(void **state)
{
    (void)state;
    ics_error err;
    ics_error_clear(&err);
    ics_config *cfg = NULL;
    assert_int_equal(ics_config_parse("model: ario\n", "t.yaml", &cfg, &err), ICS_OK);
    double *amax = calloc((size_t)W->nseg, sizeof *amax);
    double *lag = calloc((size_t)W->nseg, sizeof *lag);
    assert_int_equal(ics__ario_segment_values(cfg, W, &cfg->ario_amax, "alpha_max", 1.25,
                                              ics__ario_builtin_amax, 1.0, amax, &err), ICS_OK);
    assert_int_equal(ics__ario_segment_values(cfg, W, &cfg->ario_build_lag, "build_lag", 0.0,
                                              ics__ario_builtin_lag, 1.0, lag, &err), ICS_OK);
    for (int p = 0; p < W->nseg; ++p) {
        const ics_builtin_dyn *bd = ics_builtin_dynamics(W->segments[p]);
        assert_true(amax[p] == (bd ? bd->alpha_max : 1.25));
        assert_true(lag[p] == (bd ? bd->build_lag_weeks : 0.0));
    }
    assert_true(amax[seg(W, "fab_advanced")] == 1.1 && lag[seg(W, "fab_advanced")] == 97.0);
    free(amax);
    free(lag);
    ics_config_destroy(&cfg);
}

/* Which buyers a product's stock constrains: by default on builtin_world the chain's products and
 * c13, c15 constrain only the chain, c13 and c15; every other product constrains everyone; a
 * config's essential_for replaces the default ({} = every input essential, BoARIO). */
static void nonessential(const ics_table *t, const char *yaml, unsigned char *ne, ics_status want,
                         const char *needle)
{
    ics_error err;
    ics_error_clear(&err);
    ics_config *cfg = NULL;
    if (ics_config_parse(yaml, "t.yaml", &cfg, &err) != ICS_OK) fail_msg("%s", err.msg);
    const ics_status st = ics__ario_nonessential(cfg, t, ne, &err);
    assert_int_equal(st, want);
    if (needle && !strstr(err.msg, needle)) fail_msg("'%s' not in '%s'", needle, err.msg);
    ics_config_destroy(&cfg);
}

static void test_essential(void **state)
{
    (void)state;
    const int s = W->nseg;
    unsigned char *ne = calloc((size_t)s * s, 1);
#define NE(p, q) ne[(size_t)seg(W, p) * s + seg(W, q)]
    nonessential(W, "model: ario\n", ne, ICS_OK, NULL);
    assert_true(NE("design_logic", "c28") && NE("end_comms", "c27") && NE("c13", "c20"));
    assert_true(NE("c15", "c1") && NE("fab_advanced", "c9"));
    assert_false(NE("design_logic", "c15") || NE("design_logic", "c13"));
    assert_false(NE("fab_advanced", "design_logic") || NE("c13", "equip_litho"));
    assert_false(NE("c9", "c28") || NE("c12", "c15") || NE("c28", "c1") || NE("c17", "c28"));
    nonessential(W, "model: ario\nario: {essential_for: {}}\n", ne, ICS_OK, NULL);
    for (size_t e = 0; e < (size_t)s * s; ++e) assert_int_equal(ne[e], 0);
    nonessential(W, "model: ario\nario: {essential_for: {\"end_*\": [c15, \"c2?\"], c9: []}}\n", ne,
                 ICS_OK, NULL);
    assert_false(NE("end_auto_industrial", "c15") || NE("end_comms", "c27"));
    assert_true(NE("end_auto_industrial", "c13") && NE("end_comms", "c31"));
    assert_true(NE("c9", "c9") && NE("c9", "fab_advanced"));
    assert_false(NE("design_logic", "c28")); /* not listed: constrains everyone */
    nonessential(W, "model: ario\nario: {essential_for: {c99: [c15]}}\n", ne, ICS_EINPUT,
                 "essential_for: 'c99' matches no segment");
    nonessential(W, "model: ario\nario: {essential_for: {c9: [fab_advancd]}}\n", ne, ICS_EINPUT,
                 "did you mean 'fab_advanced'");
    /* the section's form: a mapping of lists */
    const char *bad[][2] = {{"model: ario\nario: {essential_for: [c1]}\n", "expected a mapping"},
                            {"model: ario\nario: {essential_for: {c9: c1}}\n", "expected a list"},
                            {"model: ario\nario: {essential_for: {c9: [[c1]]}}\n",
                             "item 1: expected a segment label"}};
    for (int b = 0; b < 3; ++b) {
        ics_error e2;
        ics_error_clear(&e2);
        ics_config *cfg = NULL;
        assert_int_equal(ics_config_parse(bad[b][0], "t.yaml", &cfg, &e2), ICS_EINPUT);
        if (!strstr(e2.msg, bad[b][1])) fail_msg("'%s' not in '%s'", bad[b][1], e2.msg);
        ics_config_destroy(&cfg);
    }
    /* the default applies to builtin_world only */
    ics_error err;
    ics_error_clear(&err);
    ics_table *F = NULL;
    assert_int_equal(ics_table_world_frame(&F, &err), ICS_OK);
    unsigned char *nf = calloc((size_t)F->nseg * F->nseg, 1);
    nonessential(F, "model: ario\n", nf, ICS_OK, NULL);
    for (size_t e = 0; e < (size_t)F->nseg * F->nseg; ++e) assert_int_equal(nf[e], 0);
    free(nf);
    ics_table_destroy(&F);
#undef NE
    free(ne);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_targets),
        cmocka_unit_test(test_config_overrides),
        cmocka_unit_test(test_only_builtin_world),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_essential),
    };
    return cmocka_run_group_tests(tests, setup_world, teardown_world);
}
