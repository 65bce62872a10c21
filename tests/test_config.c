/* Tests of the YAML configuration (core/config/config.c): the INTERFACE.md example, defaults, every
 * input error on purpose (code, line number and wording), the edit distance behind the
 * "did you mean" hints, and loading from a file. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ics_aggregate.h"
#include "ics_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The example of INTERFACE.md, verbatim. */
static const char *const interface_example =
    "table: builtin            # or a table directory, or an .h5 file\n"
    "model: leontief           # leontief | ghosh | iim | diim | ario\n"
    "scenarios: 100000\n"
    "seed: 42\n"
    "sampler: sobol            # mc | lhs | sobol\n"
    "horizon: 104              # dynamic models: number of time steps\n"
    "shocks:\n"
    "  - name: litho_controls\n"
    "    type: trade_restriction   # final_demand | value_added | capacity_loss | "
    "trade_restriction | coefficient\n"
    "    from: [US, JP, EU]        # supplier regions (trade_restriction)\n"
    "    to: [CN]                  # buyer regions (trade_restriction)\n"
    "    regions: [CN]             # affected regions (other types); labels or globs; absent = all\n"
    "    segments: [\"equip_*\"]     # labels or globs; absent = all\n"
    "    change: {dist: uniform, min: -1.0, max: -0.3}\n"
    "    probability: 0.5          # optional: the shock happens in a scenario with this "
    "probability\n"
    "    start: 0                  # dynamic models: first step of the shock\n"
    "    duration: 13              # dynamic models: steps at full strength\n"
    "    recovery: 26              # dynamic models: steps to return to normal afterwards\n"
    "output:\n"
    "  file: results.h5\n"
    "  store: [output_change, total_output_loss]\n"
    "diim:                         # parameters of model: diim\n"
    "  lambda: 0.01                # recovery target\n"
    "  recovery_time: {default: 26, fab_advanced: 52}   # steps, by segment code\n"
    "sensitivity:                  # optional: the run becomes a sensitivity design\n"
    "  method: sobol               # sobol | morris\n"
    "  targets: [total_output_loss]\n"
    "  samples: 8192               # base samples N (sobol) or trajectories r (morris)\n";

static ics_config *parse_ok(const char *yaml)
{
    ics_config *cfg = NULL;
    ics_error err;
    ics_error_clear(&err);
    ics_status st = ics_config_parse(yaml, "t.yaml", &cfg, &err);
    if (st != ICS_OK) {
        print_error("unexpected error: %s\n--- yaml ---\n%s\n", err.msg, yaml);
        fail();
    }
    assert_non_null(cfg);
    return cfg;
}

/* The parse must fail with ICS_EINPUT, no config, and a message holding s1 (and s2). */
static void check_error_at(const char *yaml, const char *s1, const char *s2, int line)
{
    ics_config *cfg = NULL;
    ics_error err;
    ics_error_clear(&err);
    ics_status st = ics_config_parse(yaml, "t.yaml", &cfg, &err);
    if (st != ICS_EINPUT || !strstr(err.msg, s1) || (s2 && !strstr(err.msg, s2))) {
        print_error("test line %d: status %d, message: '%s'\nexpected '%s'%s%s%s\n--- yaml ---\n%s\n",
                    line, (int)st, err.msg, s1, s2 ? " and '" : "", s2 ? s2 : "", s2 ? "'" : "",
                    yaml);
        fail();
    }
    assert_null(cfg);
    assert_null(strchr(err.msg, '\n'));
}
#define check_error(yaml, s1, s2) check_error_at((yaml), (s1), (s2), __LINE__)

/* A one-shock config: `body` is the shock's mapping lines (indented 4), starting at line 3. */
#define SHOCK(body) "model: leontief\nshocks:\n  - name: s\n" body

static void test_interface_example(void **state)
{
    (void)state;
    ics_config *cfg = parse_ok(interface_example);
    assert_string_equal(cfg->path, "t.yaml");
    assert_string_equal(cfg->text, interface_example);
    assert_string_equal(cfg->table, "builtin");
    assert_int_equal(cfg->model, ICS_MODEL_LEONTIEF);
    assert_int_equal(cfg->scenarios, 100000);
    assert_true(cfg->seed == 42);
    assert_int_equal(cfg->sampler, ICS_SAMPLER_SOBOL);
    assert_int_equal(cfg->horizon, 104);
    assert_int_equal(cfg->block_size, 1024);
    assert_true(cfg->balance_rtol == 1e-6);

    assert_int_equal(cfg->nshocks, 1);
    const ics_shock *s = &cfg->shocks[0];
    assert_string_equal(s->name, "litho_controls");
    assert_int_equal(s->type, ICS_SHOCK_TRADE_RESTRICTION);
    assert_int_equal(s->nfrom, 3);
    assert_string_equal(s->from[0], "US");
    assert_string_equal(s->from[1], "JP");
    assert_string_equal(s->from[2], "EU");
    assert_int_equal(s->nto, 1);
    assert_string_equal(s->to[0], "CN");
    assert_int_equal(s->nregions, 1);
    assert_string_equal(s->regions[0], "CN");
    assert_int_equal(s->nsegments, 1);
    assert_string_equal(s->segments[0], "equip_*");
    assert_int_equal(s->change.kind, ICS_DIST_UNIFORM);
    assert_true(s->change.min == -1.0);
    assert_true(s->change.max == -0.3);
    assert_true(s->probability == 0.5);
    assert_int_equal(s->start, 0);
    assert_int_equal(s->duration, 13);
    assert_int_equal(s->recovery, 26);
    assert_int_equal(s->line, 8);

    assert_string_equal(cfg->output_file, "results.h5");
    assert_int_equal(cfg->nstore, 2);
    assert_string_equal(cfg->store[0], "output_change");
    assert_string_equal(cfg->store[1], "total_output_loss");

    assert_true(cfg->diim_lambda == 0.01);
    assert_true(cfg->diim_recovery_default == 26);
    assert_int_equal(cfg->diim_nrt, 1);
    assert_string_equal(cfg->diim_rt_segments[0], "fab_advanced");
    assert_true(cfg->diim_rt_values[0] == 52);

    assert_int_equal(cfg->has_sensitivity, 1);
    assert_string_equal(cfg->sens_method, "sobol");
    assert_int_equal(cfg->sens_ntargets, 1);
    assert_string_equal(cfg->sens_targets[0], "total_output_loss");
    assert_int_equal(cfg->sens_samples, 8192);
    ics_config_destroy(&cfg);
    assert_null(cfg);
}

static void test_defaults(void **state)
{
    (void)state;
    ics_config *cfg = parse_ok("shocks:\n  - type: final_demand\n    change: -0.1\n"
                               "  - type: capacity_loss\n    loss: 0.25\n");
    assert_string_equal(cfg->table, "builtin");
    assert_int_equal(cfg->model, ICS_MODEL_LEONTIEF);
    assert_int_equal(cfg->scenarios, 1000);
    assert_true(cfg->seed == 42);
    assert_int_equal(cfg->sampler, ICS_SAMPLER_MC);
    assert_int_equal(cfg->horizon, 104);
    assert_int_equal(cfg->block_size, 1024);
    assert_true(cfg->balance_rtol == 1e-6);
    assert_string_equal(cfg->output_file, "results.h5");
    assert_int_equal(cfg->nstore, 2);
    assert_string_equal(cfg->store[0], "output_change");
    assert_string_equal(cfg->store[1], "total_output_loss");
    assert_true(cfg->diim_lambda == 0.01);
    assert_true(cfg->diim_recovery_default == 26);
    assert_int_equal(cfg->diim_nrt, 0);
    assert_int_equal(cfg->has_sensitivity, 0);

    assert_int_equal(cfg->nshocks, 2);
    const ics_shock *s = &cfg->shocks[0];
    assert_string_equal(s->name, "shock1");
    assert_int_equal(s->type, ICS_SHOCK_FINAL_DEMAND);
    assert_int_equal(s->nregions, 0);
    assert_int_equal(s->nsegments, 0);
    assert_int_equal(s->nfrom, 0);
    assert_int_equal(s->nto, 0);
    assert_int_equal(s->change.kind, ICS_DIST_CONST);
    assert_true(s->change.value == -0.1);
    assert_true(s->probability == 1.0);
    assert_int_equal(s->start, 0);
    assert_int_equal(s->duration, -1);
    assert_int_equal(s->recovery, 0);
    assert_int_equal(s->line, 2);
    assert_string_equal(cfg->shocks[1].name, "shock2");
    assert_int_equal(cfg->shocks[1].type, ICS_SHOCK_CAPACITY_LOSS);
    assert_true(cfg->shocks[1].change.value == 0.25);
    assert_int_equal(cfg->shocks[1].line, 4);
    ics_config_destroy(&cfg);

    /* an empty mapping is a valid (if idle) configuration */
    cfg = parse_ok("{}\n");
    assert_int_equal(cfg->nshocks, 0);
    ics_config_destroy(&cfg);

    /* sensitivity defaults apply when the section is present */
    cfg = parse_ok("sensitivity: {method: morris}\n");
    assert_int_equal(cfg->has_sensitivity, 1);
    assert_string_equal(cfg->sens_method, "morris");
    assert_int_equal(cfg->sens_ntargets, 1);
    assert_string_equal(cfg->sens_targets[0], "total_output_loss");
    assert_true(cfg->sens_samples > 1);
    ics_config_destroy(&cfg);
}

/* output.store_only: va_loss_by_region (always built otherwise) only when store lists it or a
 * sensitivity target names it. */
static void test_store_only(void **state)
{
    (void)state;
    static const struct {
        const char *yaml;
        int only, va;
    } cases[] = {
        {"output: {store: [total_output_loss]}\n", 0, 1},
        {"output: {store: [total_output_loss], store_only: false}\n", 0, 1},
        {"output: {store: [total_output_loss], store_only: true}\n", 1, 0},
        {"output: {store: [output_change], store_only: yes}\n", 1, 0},
        {"output: {store: [total_output_loss, va_loss_by_region], store_only: true}\n", 1, 1},
        {"output: {store: va_loss_by_region, store_only: true}\n", 1, 1},
        {"output: {store: [va_loss_by_region_segment], store_only: true}\n", 1, 0},
        {"output: {store: [total_output_loss], store_only: true}\n"
         "sensitivity: {method: morris, targets: [total_output_loss, va_loss_by_region/TW]}\n", 1, 1},
        {"output: {store: [total_output_loss], store_only: true}\n"
         "sensitivity: {method: morris, targets: [va_loss_by_region]}\n", 1, 1},
        {"output: {store: [total_output_loss], store_only: true}\n"
         "sensitivity: {method: morris, targets: [output_loss_by_region/TW]}\n", 1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
        ics_config *cfg = parse_ok(cases[i].yaml);
        if (cfg->store_only != cases[i].only || ics_aggset_wants_va(cfg) != cases[i].va)
            fail_msg("case %zu: %s: store_only %d, wants_va %d", i, cases[i].yaml, cfg->store_only,
                     ics_aggset_wants_va(cfg));
        ics_config_destroy(&cfg);
    }
    check_error("output: {store_only: maybe}\n",
                "t.yaml:1: output: key 'store_only': expected true or false, got 'maybe'", NULL);
}

static void test_forms(void **state)
{
    (void)state;
    ics_config *cfg = parse_ok("model: diim\nscenarios: 1e5\nseed: 18446744073709551615\n"
                               "sampler: lhs\nhorizon: 52\nblock_size: 1048576\n"
                               "balance_tolerance: 1e-3\n"
                               "diim: {recovery_time: 13}\n"
                               "output: {file: out/run.h5, store: trajectory}\n"
                               "shocks:\n"
                               "  - type: value_added\n    regions: TW\n    segments: fab_advanced\n"
                               "    change: {dist: normal, mean: -0.3, sd: 0.1}\n"
                               "  - type: final_demand\n    change: {dist: truncnormal, mean: 0, sd: 1,"
                               " min: -0.5, max: 0.5}\n"
                               "  - type: final_demand\n    change: {dist: lognormal, mu: 0, sigma: 0.5}\n"
                               "  - type: capacity_loss\n    loss: {dist: beta, a: 2, b: 5}\n"
                               "  - type: coefficient\n    change: {dist: beta, a: 2, b: 5, min: -1, max: 0}\n"
                               "  - type: final_demand\n    change: {dist: triangular, min: -1, mode: -1,"
                               " max: 0}\n    probability: 0\n    start: 4\n    duration: 1\n"
                               "    recovery: 0\n");
    assert_int_equal(cfg->model, ICS_MODEL_DIIM);
    assert_int_equal(cfg->scenarios, 100000);
    assert_true(cfg->seed == UINT64_MAX);
    assert_int_equal(cfg->sampler, ICS_SAMPLER_LHS);
    assert_int_equal(cfg->horizon, 52);
    assert_int_equal(cfg->block_size, 1048576);
    assert_true(cfg->balance_rtol == 1e-3);
    assert_true(cfg->diim_recovery_default == 13);
    assert_string_equal(cfg->output_file, "out/run.h5");
    assert_int_equal(cfg->nstore, 1);
    assert_string_equal(cfg->store[0], "trajectory");
    assert_int_equal(cfg->nshocks, 6);
    const ics_shock *s = cfg->shocks;
    assert_int_equal(s[0].nregions, 1);
    assert_string_equal(s[0].regions[0], "TW");
    assert_string_equal(s[0].segments[0], "fab_advanced");
    assert_int_equal(s[0].change.kind, ICS_DIST_NORMAL);
    assert_true(s[0].change.mean == -0.3 && s[0].change.sd == 0.1);
    assert_int_equal(s[1].change.kind, ICS_DIST_TRUNCNORMAL);
    assert_true(s[1].change.min == -0.5 && s[1].change.max == 0.5 && s[1].change.sd == 1);
    assert_int_equal(s[2].change.kind, ICS_DIST_LOGNORMAL);
    assert_true(s[2].change.mu == 0 && s[2].change.sigma == 0.5);
    assert_int_equal(s[3].change.kind, ICS_DIST_BETA);
    assert_true(s[3].change.a == 2 && s[3].change.b == 5);
    assert_true(s[3].change.min == 0 && s[3].change.max == 1); /* default scaling */
    assert_true(s[4].change.min == -1 && s[4].change.max == 0);
    assert_int_equal(s[5].change.kind, ICS_DIST_TRIANGULAR);
    assert_true(s[5].change.mode == -1);
    assert_true(s[5].probability == 0);
    assert_int_equal(s[5].start, 4);
    assert_int_equal(s[5].duration, 1);
    ics_config_destroy(&cfg);
}

static void test_table_path(void **state)
{
    (void)state;
    ics_config *cfg = NULL;
    ics_error err;
    ics_error_clear(&err);
    assert_int_equal(ics_config_parse("table: tables/ic\n", "runs/a/cfg.yaml", &cfg, &err), ICS_OK);
    assert_string_equal(cfg->table, "runs/a/tables/ic");
    ics_config_destroy(&cfg);
    assert_int_equal(ics_config_parse("table: /data/t.h5\n", "runs/cfg.yaml", &cfg, &err), ICS_OK);
    assert_string_equal(cfg->table, "/data/t.h5");
    ics_config_destroy(&cfg);
    assert_int_equal(ics_config_parse("table: builtin\n", "runs/cfg.yaml", &cfg, &err), ICS_OK);
    assert_string_equal(cfg->table, "builtin");
    ics_config_destroy(&cfg);
    assert_int_equal(ics_config_parse("table: t\n", "cfg.yaml", &cfg, &err), ICS_OK);
    assert_string_equal(cfg->table, "t");
    ics_config_destroy(&cfg);
    assert_int_equal(ics_config_parse("table: t\n", "/cfg.yaml", &cfg, &err), ICS_OK);
    assert_string_equal(cfg->table, "/t");
    /* output.file is stored as written */
    assert_string_equal(cfg->output_file, "results.h5");
    ics_config_destroy(&cfg);
}

static void test_errors_keys(void **state)
{
    (void)state;
    check_error("model: leontief\nseed: 1\nsecnarios: 10\n",
                "t.yaml:3: unknown key 'secnarios' in the top level; did you mean 'scenarios'?", NULL);
    check_error("zzzzzzzz: 1\n", "t.yaml:1: unknown key 'zzzzzzzz' in the top level (valid keys: table,",
                NULL);
    check_error(SHOCK("    type: final_demand\n    chnage: -0.1\n"),
                "t.yaml:5: unknown key 'chnage' in shock 's'; did you mean 'change'?", NULL);
    check_error(SHOCK("    type: final_demand\n    change: {dist: normal, mean: 0, sdd: 1}\n"),
                "t.yaml:5: shock 's': key 'change': unknown key 'sdd' for a normal distribution",
                "did you mean 'sd'?");
    check_error(SHOCK("    type: final_demand\n    change: {dist: uniform, min: 0, max: 1, mode: 0.5}\n"),
                "t.yaml:5: shock 's': key 'change': unknown key 'mode' for a uniform distribution (valid keys: dist, min, max, truncate)", NULL);
    check_error("output:\n  file: a.h5\n  stroe: [output_change]\n",
                "t.yaml:3: unknown key 'stroe' in output; did you mean 'store'?", NULL);
    check_error("diim:\n  lamda: 0.1\n", "t.yaml:2: unknown key 'lamda' in diim; did you mean 'lambda'?",
                NULL);
    check_error("sensitivity:\n  method: sobol\n  sample: 10\n",
                "t.yaml:3: unknown key 'sample' in sensitivity; did you mean 'samples'?", NULL);
    check_error("seed: 1\nmodel: ghosh\nseed: 2\n",
                "t.yaml:3: duplicate key 'seed' in the top level (first given at line 1)", NULL);
}

static void test_errors_values(void **state)
{
    (void)state;
    check_error("scenarios: 10\nmodel: leontif\n",
                "t.yaml:2: key 'model': unknown model 'leontif' (valid: leontief, ghosh, iim, diim, ario)",
                "did you mean 'leontief'?");
    check_error("sampler: halton\n", "t.yaml:1: key 'sampler': unknown sampler 'halton'", "mc, lhs, sobol");
    check_error("scenarios: 0\n", "t.yaml:1: key 'scenarios': must be an integer in [1, 9007199254740992], got 0", NULL);
    check_error("\nscenarios: 1.5\n", "t.yaml:2: key 'scenarios': must be an integer, got 1.5", NULL);
    check_error("scenarios: many\n", "t.yaml:1: key 'scenarios': expected a number, got 'many'", NULL);
    check_error("seed: -1\n", "t.yaml:1: key 'seed': must be an unsigned 64-bit integer", NULL);
    check_error("seed: 18446744073709551616\n", "t.yaml:1: key 'seed': must be an unsigned 64-bit", NULL);
    check_error("horizon: 0\n", "t.yaml:1: key 'horizon': must be an integer >= 1, got 0", NULL);
    check_error("block_size: 2000000\n",
                "t.yaml:1: key 'block_size': must be an integer in [1, 1048576], got 2000000", NULL);
    check_error("balance_tolerance: 0\n", "t.yaml:1: key 'balance_tolerance': must be > 0, got 0", NULL);
    check_error("balance_tolerance: .nan\n", "t.yaml:1: key 'balance_tolerance': must be a finite number",
                NULL);
    check_error("diim: {lambda: 1.5}\n", "t.yaml:1: diim: key 'lambda': must be in (0, 1), got 1.5", NULL);
    check_error("diim:\n  recovery_time: {default: 0}\n", "t.yaml:2: diim: recovery_time: key 'default': "
                "must be > 0 steps, got 0", NULL);
    check_error("output: {store: [output_change, inoperabilty]}\n",
                "t.yaml:1: output: key 'store': unknown output 'inoperabilty'",
                "did you mean 'inoperability'?");
    check_error("output:\n  store: [output_change, output_change]\n",
                "t.yaml:2: output: key 'store': 'output_change' is listed twice", NULL);
    check_error("output:\n  file: [a, b]\n", "t.yaml:2: output: key 'file': expected a string, got a list",
                NULL);
    check_error("sensitivity: {method: fast}\n", "t.yaml:1: sensitivity: key 'method': unknown method 'fast'",
                "sobol, morris");
    check_error("shocks: {type: final_demand}\n", "t.yaml:1: key 'shocks': expected a list of shocks", NULL);
}

static void test_errors_shocks(void **state)
{
    (void)state;
    check_error(SHOCK("    type: final_demand\n    change: -0.1\n    probability: 1.5\n"),
                "t.yaml:6: shock 's': key 'probability': must be in [0, 1], got 1.5", NULL);
    check_error(SHOCK("    type: final_demand\n    change: -0.1\n    probability: -0.1\n"),
                "t.yaml:6: shock 's': key 'probability': must be in [0, 1], got -0.1", NULL);
    check_error(SHOCK("    type: final_demand\n    change: -0.1\n    probability: {dist: uniform}\n"),
                "t.yaml:6: shock 's': key 'probability': expected a number, got a mapping", NULL);
    check_error(SHOCK("    type: final_demand\n    change: abc\n"),
                "t.yaml:5: shock 's': key 'change': expected a number, got 'abc'", NULL);
    check_error(SHOCK("    type: final_demand\n    change: .inf\n"),
                "t.yaml:5: shock 's': key 'change': must be a finite number, got '.inf'", NULL);
    check_error(SHOCK("    type: final_demand\n    change: [1, 2]\n"),
                "t.yaml:5: shock 's': key 'change': expected a number or a distribution", NULL);
    check_error(SHOCK("    change: -0.1\n"), "t.yaml:3: shock 's': missing key 'type' (one of final_demand,",
                NULL);
    check_error(SHOCK("    type: finaldemand\n    change: -0.1\n"),
                "t.yaml:4: shock 's': key 'type': unknown shock type 'finaldemand'",
                "did you mean 'final_demand'?");
    check_error(SHOCK("    type: final_demand\n"), "t.yaml:3: shock 's': missing key 'change'", NULL);
    check_error(SHOCK("    type: capacity_loss\n"), "t.yaml:3: shock 's': missing key 'loss'", NULL);
    check_error(SHOCK("    type: trade_restriction\n    to: [CN]\n    change: -0.5\n"),
                "t.yaml:3: shock 's': a trade_restriction needs 'from'", NULL);
    check_error(SHOCK("    type: trade_restriction\n    from: [US]\n    change: -0.5\n"),
                "t.yaml:3: shock 's': a trade_restriction needs 'to'", NULL);
    check_error(SHOCK("    type: final_demand\n    from: [US]\n    change: -0.5\n"),
                "t.yaml:5: shock 's': key 'from' is only for trade_restriction shocks", NULL);
    check_error(SHOCK("    type: capacity_loss\n    change: 0.5\n"),
                "t.yaml:5: shock 's': a capacity_loss shock takes 'loss'", "not 'change'");
    check_error(SHOCK("    type: value_added\n    loss: 0.5\n"),
                "t.yaml:5: shock 's': 'loss' is only for capacity_loss shocks; a value_added shock "
                "takes 'change'", NULL);
    check_error(SHOCK("    type: capacity_loss\n    loss: 1.5\n"),
                "t.yaml:5: shock 's': key 'loss': a loss is a share of capacity and must lie in [0, 1]",
                NULL);
    check_error(SHOCK("    type: final_demand\n    change: -0.1\n    duration: 0\n"),
                "t.yaml:6: shock 's': key 'duration': must be an integer >= 1, got 0", NULL);
    check_error(SHOCK("    type: final_demand\n    change: -0.1\n    start: -1\n"),
                "t.yaml:6: shock 's': key 'start': must be an integer >= 0, got -1", NULL);
    check_error(SHOCK("    type: final_demand\n    change: -0.1\n    recovery: -2\n"),
                "t.yaml:6: shock 's': key 'recovery': must be an integer >= 0, got -2", NULL);
    check_error(SHOCK("    type: final_demand\n    change: -0.1\n    regions: []\n"),
                "t.yaml:6: shock 's': key 'regions': empty list", NULL);
    check_error(SHOCK("    type: final_demand\n    change: -0.1\n    segments: [fab, [x]]\n"),
                "t.yaml:6: shock 's': key 'segments': item 2: expected a string, got a list", NULL);
    check_error("shocks:\n  - name: a/b\n    type: final_demand\n    change: 1\n",
                "t.yaml:2: shock 1: key 'name': must not contain '/'", NULL);
    check_error("shocks:\n  - 5\n", "t.yaml:2: shock 1: expected a mapping", NULL);
    check_error("shocks:\n"
                "  - name: cut\n    type: final_demand\n    change: -0.1\n"
                "  - type: final_demand\n    change: -0.2\n"
                "  - name: cut\n    type: value_added\n    change: -0.3\n",
                "t.yaml:7: duplicate shock name 'cut' (shocks at lines 2 and 7)", NULL);
    /* an explicit name may collide with a default one */
    check_error("shocks:\n  - type: final_demand\n    change: -0.1\n"
                "  - name: shock1\n    type: final_demand\n    change: -0.2\n",
                "t.yaml:4: duplicate shock name 'shock1' (shocks at lines 2 and 4)", NULL);
}

static void test_errors_dists(void **state)
{
    (void)state;
    check_error(SHOCK("    type: final_demand\n    change: {dist: normal, mean: 0, sd: -1}\n"),
                "t.yaml:5: shock 's': key 'change': sd must be > 0, got -1", NULL);
    check_error(SHOCK("    type: final_demand\n    change:\n      dist: normal\n      mean: 0\n      sd: 0\n"),
                "t.yaml:8: shock 's': key 'change': sd must be > 0, got 0", NULL);
    check_error(SHOCK("    type: final_demand\n    change: {dist: truncnormal, mean: 0, sd: 0, min: 0, max: 1}\n"),
                "sd must be > 0, got 0", NULL);
    check_error(SHOCK("    type: final_demand\n    change: {dist: truncnormal, mean: 0, sd: 1, min: 1, max: 1}\n"),
                "t.yaml:5: shock 's': key 'change': min must be < max, got min 1, max 1", NULL);
    check_error(SHOCK("    type: final_demand\n    change: {dist: uniform, min: 0.5, max: 0.1}\n"),
                "t.yaml:5: shock 's': key 'change': min must be < max, got min 0.5, max 0.1", NULL);
    check_error(SHOCK("    type: final_demand\n    change: {dist: uniform, min: 0.5, max: 0.5}\n"),
                "min must be < max", NULL);
    check_error(SHOCK("    type: final_demand\n    change: {dist: triangular, min: 0, mode: 2, max: 1}\n"),
                "t.yaml:5: shock 's': key 'change': mode must lie in [min, max] = [0, 1], got 2", NULL);
    check_error(SHOCK("    type: final_demand\n    change: {dist: triangular, min: 0, mode: 0, max: 0}\n"),
                "min must be < max", NULL);
    check_error(SHOCK("    type: final_demand\n    change: {dist: beta, a: 0, b: 2}\n"),
                "t.yaml:5: shock 's': key 'change': a must be > 0, got 0", NULL);
    check_error(SHOCK("    type: final_demand\n    change: {dist: beta, a: 1, b: -2}\n"),
                "b must be > 0, got -2", NULL);
    check_error(SHOCK("    type: final_demand\n    change: {dist: beta, a: 1, b: 2, min: 3}\n"),
                "min must be < max, got min 3, max 1", NULL);
    check_error(SHOCK("    type: final_demand\n    change: {dist: lognormal, mu: 0, sigma: 0}\n"),
                "sigma must be > 0, got 0", NULL);
    check_error(SHOCK("    type: final_demand\n    change: {dist: normal, mean: 0}\n"),
                "t.yaml:5: shock 's': key 'change': a normal distribution needs 'sd'", NULL);
    check_error(SHOCK("    type: final_demand\n    change: {dist: triangular, min: 0, max: 1}\n"),
                "a triangular distribution needs 'mode'", NULL);
    check_error(SHOCK("    type: final_demand\n    change: {min: 0, max: 1}\n"),
                "t.yaml:5: shock 's': key 'change': a distribution needs 'dist'", NULL);
    check_error(SHOCK("    type: final_demand\n    change: {dist: unifrom, min: 0, max: 1}\n"),
                "unknown distribution 'unifrom'", "did you mean 'uniform'?");
    check_error(SHOCK("    type: final_demand\n    change: {dist: normal, mean: nan, sd: 1}\n"),
                "t.yaml:5: shock 's': key 'change': key 'mean': must be a finite number, got 'nan'", NULL);
    check_error(SHOCK("    type: final_demand\n    change: {dist: normal, mean: 1e999, sd: 1}\n"),
                "must be a finite number", NULL);
    check_error(SHOCK("    type: capacity_loss\n    loss: {dist: uniform, min: 0.5, max: 1.5}\n"),
                "must lie in [0, 1], got the range [0.5, 1.5]", NULL);
}

static void test_errors_document(void **state)
{
    (void)state;
    check_error("model: leontief\nshocks: [a, b\n", "t.yaml:", "YAML syntax error: ");
    check_error("model: leontief\n  bad: indent: here\n", "t.yaml:2: YAML syntax error: ", NULL);
    check_error("", "t.yaml: the configuration is empty", NULL);
    check_error("# only a comment\n\n", "t.yaml: the configuration is empty", NULL);
    check_error("- a\n- b\n", "t.yaml:1: the configuration must be a YAML mapping", "got a list");
    check_error("just text\n", "t.yaml:1: the configuration must be a YAML mapping", NULL);
    check_error("model: ghosh\n---\nmodel: iim\n", "t.yaml:2: more than one YAML document", NULL);
    check_error("? [a, b]\n: 1\n", "t.yaml:1: a key in the top level must be a name, got a list", NULL);
}

static void test_levenshtein(void **state)
{
    (void)state;
    assert_int_equal(ics_levenshtein("kitten", "sitting"), 3);
    assert_int_equal(ics_levenshtein("", "abc"), 3);
    assert_int_equal(ics_levenshtein("abc", ""), 3);
    assert_int_equal(ics_levenshtein("", ""), 0);
    assert_int_equal(ics_levenshtein("flaw", "lawn"), 2);
    assert_int_equal(ics_levenshtein("scenarios", "scenarios"), 0);
    assert_int_equal(ics_levenshtein("secnarios", "scenarios"), 2);
    /* symmetric, and a long word (heap row) agrees with the definition */
    assert_int_equal(ics_levenshtein("sitting", "kitten"), 3);
    char a[301], b[301];
    memset(a, 'x', 300);
    a[300] = '\0';
    memcpy(b, a, sizeof b);
    b[0] = 'y';
    b[299] = 'z';
    assert_int_equal(ics_levenshtein(a, b), 2);
    assert_int_equal(ics_levenshtein(a, "x"), 299);

    static const char *const keys[] = {"table", "model", "scenarios", "seed", "sampler"};
    assert_string_equal(ics_nearest("secnarios", keys, 5), "scenarios");
    assert_string_equal(ics_nearest("modle", keys, 5), "model");
    assert_null(ics_nearest("zzzzzzzz", keys, 5));  /* too far: no hint */
    assert_null(ics_nearest("xy", keys, 5));
    assert_null(ics_nearest("seed", NULL, 0));
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(ics_model_name(ICS_MODEL_LEONTIEF), "leontief");
    assert_string_equal(ics_model_name(ICS_MODEL_ARIO), "ario");
    assert_string_equal(ics_sampler_name(ICS_SAMPLER_SOBOL), "sobol");
    assert_string_equal(ics_shock_type_name(ICS_SHOCK_TRADE_RESTRICTION), "trade_restriction");
    assert_string_equal(ics_shock_type_name(ICS_SHOCK_COEFFICIENT), "coefficient");
    ics_config *cfg = NULL;
    ics_config_destroy(&cfg);
    ics_config_destroy(NULL);
}

static void test_load_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/ics_test_config_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/run.yaml", dir);
    const char *text = "table: tables/ic\nmodel: iim\nshocks:\n  - name: cut\n    type: final_demand\n"
                       "    change: {dist: uniform, min: -0.2, max: -0.1}\n";
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);

    ics_config *cfg = NULL;
    ics_error err;
    ics_error_clear(&err);
    assert_int_equal(ics_config_load(path, &cfg, &err), ICS_OK);
    assert_string_equal(cfg->path, path);
    assert_string_equal(cfg->text, text);
    assert_int_equal(cfg->model, ICS_MODEL_IIM);
    char table[300];
    snprintf(table, sizeof table, "%s/tables/ic", dir);
    assert_string_equal(cfg->table, table);
    assert_string_equal(cfg->shocks[0].name, "cut");
    ics_config_destroy(&cfg);

    /* errors in a file name the file */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("model: leontief\nsecnarios: 5\n", f);
    fclose(f);
    assert_int_equal(ics_config_load(path, &cfg, &err), ICS_EINPUT);
    assert_null(cfg);
    char expect[400];
    snprintf(expect, sizeof expect, "%s:2: unknown key 'secnarios'", path);
    assert_non_null(strstr(err.msg, expect));
    remove(path);

    /* a missing file */
    ics_error_clear(&err);
    assert_int_equal(ics_config_load(path, &cfg, &err), ICS_EINPUT);
    assert_null(cfg);
    snprintf(expect, sizeof expect, "%s: cannot open config: No such file or directory", path);
    assert_string_equal(err.msg, expect);

    /* a directory is not a config */
    ics_error_clear(&err);
    assert_int_equal(ics_config_load(dir, &cfg, &err), ICS_EINPUT);
    assert_null(cfg);
    assert_non_null(strstr(err.msg, dir));
    rmdir(dir);
}

/* Per-segment ARIO inventory targets belong to the config and are freed by ics_config_destroy
 * (they leaked before; found by tests/fuzz/fuzz_config; LeakSanitizer checks it in build-asan). */
static void test_ario_inventory_owned(void **state)
{
    (void)state;
    ics_config *cfg = NULL;
    ics_error err = {0};
    assert_int_equal(ics_config_parse("model: ario\nario: {inventory: {default: 2, fab: 5, osat: inf}}\n",
                                      "t.yaml", &cfg, &err),
                     ICS_OK);
    assert_int_equal(cfg->ario_ninv, 2);
    assert_string_equal(cfg->ario_inv_segments[0], "fab");
    assert_true(cfg->ario_inv_values[0] == 5.0);
    assert_true(cfg->ario_inv_default == 2.0);
    ics_config_destroy(&cfg);
    assert_null(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interface_example),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_store_only),
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_table_path),
        cmocka_unit_test(test_errors_keys),
        cmocka_unit_test(test_errors_values),
        cmocka_unit_test(test_errors_shocks),
        cmocka_unit_test(test_errors_dists),
        cmocka_unit_test(test_errors_document),
        cmocka_unit_test(test_levenshtein),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_ario_inventory_owned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
