/* Tests of the input bounds (issue 11): the physical domain of shock parameters
 * (core/ensemble/shock_domain.c), truncate: true, the scenario limit, the YAML depth limit
 * (core/config/config_limits.c) and the CSV header bound (core/table/table_csv.c). */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ics_config.h"
#include "ics_model.h"
#include "ics_scenario.h"
#include "ics_shock_domain.h"
#include "ics_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A config with one shock line; NULL on a parse error (message in err). */
static ics_config *one_shock(const char *shock, ics_error *err)
{
    char text[1024];
    snprintf(text, sizeof text, "model: leontief\nscenarios: 4096\nshocks:\n  - %s\n", shock);
    ics_config *cfg = NULL;
    ics_error_clear(err);
    return ics_config_parse(text, "t.yaml", &cfg, err) == ICS_OK ? cfg : NULL;
}

/* The domain check of the config's only shock: ICS_OK or the error, with `frag` in its message. */
static void expect_domain(const char *shock, ics_status want, const char *frag)
{
    ics_error err;
    ics_config *cfg = one_shock(shock, &err);
    assert_non_null(cfg);
    ics_status st = ics_shock_check_domain(cfg->path, &cfg->shocks[0], &err);
    if (st != want || (frag && !strstr(err.msg, frag)))
        fail_msg("%s: status %d, message '%s' (expected %d, '%s')", shock, st, err.msg, want,
                 frag ? frag : "");
    ics_config_destroy(&cfg);
}

/* The CDF inverts the quantile function: F(Q(u)) = u for every law. */
static void test_cdf_inverts_quantile(void **state)
{
    (void)state;
    ics_dist d[6];
    memset(d, 0, sizeof d);
    d[0].kind = ICS_DIST_UNIFORM, d[0].min = -0.4, d[0].max = 0.2;
    d[1].kind = ICS_DIST_NORMAL, d[1].mean = -0.3, d[1].sd = 0.1;
    d[2].kind = ICS_DIST_TRUNCNORMAL, d[2].mean = -0.3, d[2].sd = 0.2, d[2].min = -0.6,
    d[2].max = 0.0;
    d[3].kind = ICS_DIST_LOGNORMAL, d[3].mu = -1.0, d[3].sigma = 0.5;
    d[4].kind = ICS_DIST_BETA, d[4].a = 2.0, d[4].b = 5.0, d[4].min = 0.0, d[4].max = 1.0;
    d[5].kind = ICS_DIST_TRIANGULAR, d[5].min = 0.0, d[5].mode = 0.1, d[5].max = 0.5;
    const double us[] = {0.001, 0.05, 0.3, 0.5, 0.8, 0.999};
    for (int k = 0; k < 6; ++k)
        for (int i = 0; i < 6; ++i) {
            const double q = ics_dist_quantile(&d[k], us[i]);
            assert_float_equal(ics_dist_cdf(&d[k], q), us[i], 1e-7);
        }
}

static void test_domain(void **state)
{
    (void)state;
    /* final demand: at most a 100 % cut */
    expect_domain("{name: d, type: final_demand, change: -1.0}", ICS_OK, NULL);
    expect_domain("{name: d, type: final_demand, change: -1.2}", ICS_EINPUT,
                  "t.yaml:4: shock 'd': key 'change' must lie in [-1, inf) (below -1 final demand "
                  "would be negative), got -1.2");
    expect_domain("{name: d, type: final_demand, change: {dist: uniform, min: -1.5, max: -0.5}}",
                  ICS_EINPUT, "got the range [-1.5, -0.5] (add truncate: true");
    expect_domain("{name: d, type: final_demand, change: {dist: uniform, min: -1.5, max: -0.5, "
                  "truncate: true}}", ICS_OK, NULL);
    /* an unbounded law: P(N(-0.3, 0.1) < -1) = P(Z < -7) = 1.3e-12 is accepted, P(Z < -1.67) is not */
    expect_domain("{name: d, type: final_demand, change: {dist: normal, mean: -0.3, sd: 0.1}}",
                  ICS_OK, NULL);
    expect_domain("{name: d, type: final_demand, change: {dist: normal, mean: -0.5, sd: 0.3}}",
                  ICS_EINPUT, "0.0478 of the law's draws fall outside");
    /* capacity loss: unbounded laws need truncate too */
    expect_domain("{name: c, type: capacity_loss, loss: {dist: normal, mean: 0.5, sd: 0.2}}",
                  ICS_EINPUT, "key 'loss' must lie in [0, 1]");
    expect_domain("{name: c, type: capacity_loss, loss: {dist: normal, mean: 0.5, sd: 0.2, "
                  "truncate: yes}}", ICS_OK, NULL);
    expect_domain("{name: v, type: value_added, change: {dist: triangular, min: -2, mode: -1, "
                  "max: 0}}", ICS_EINPUT, "below -1 value added would be negative");
    /* NaN-producing parameters, whatever truncate says */
    expect_domain("{name: d, type: final_demand, change: {dist: normal, mean: 0, sd: 1e308, "
                  "truncate: true}}", ICS_EINPUT, "non-finite");
    expect_domain("{name: d, type: final_demand, change: {dist: lognormal, mu: 1000, sigma: 1}}",
                  ICS_EINPUT, "non-finite");
}

static void test_scale(void **state)
{
    (void)state;
    ics_error err;
    ics_config *cfg = one_shock("{name: d, type: final_demand, change: 1e308}", &err);
    ics_error_clear(&err);
    assert_non_null(cfg);
    assert_int_equal(ics_shock_check_scale("t.yaml", &cfg->shocks[0], -1, INFINITY, 1e5, &err),
                     ICS_EINPUT);
    assert_non_null(strstr(err.msg, "overflow"));
    cfg->shocks[0].change.value = 10.0;
    ics_error_clear(&err);
    assert_int_equal(ics_shock_check_scale("t.yaml", &cfg->shocks[0], -1, INFINITY, 1e5, &err),
                     ICS_OK);
    ics_config_destroy(&cfg);
}

static void test_truncate_key(void **state)
{
    (void)state;
    ics_error err;
    ics_config *cfg = one_shock("{name: d, type: final_demand, change: {dist: uniform, min: -0.5, "
                                "max: 0, truncate: true}}", &err);
    assert_non_null(cfg);
    assert_int_equal(cfg->shocks[0].change.truncate, 1);
    ics_config_destroy(&cfg);
    cfg = one_shock("{name: d, type: final_demand, change: {dist: uniform, min: -0.5, max: 0, "
                    "truncate: maybe}}", &err);
    assert_null(cfg);
    assert_non_null(strstr(err.msg, "key 'truncate': expected true or false"));
}

/* Sampled values of a truncated law lie in the domain, at the bound exactly when clipped. */
static void test_truncated_sampling(void **state)
{
    (void)state;
    ics_error err;
    ics_table *t = NULL;
    ics_model *m = NULL;
    ics_plan *p = NULL;
    ics_config *cfg = one_shock("{name: d, type: final_demand, regions: [CN], change: {dist: uniform, "
                                "min: -1.5, max: -0.5, truncate: true}}", &err);
    assert_non_null(cfg);
    ics_error_clear(&err);
    assert_int_equal(ics_table_load("builtin", &t, &err), ICS_OK);
    ics_error_clear(&err);
    assert_int_equal(ics_model_create(t, &m, &err), ICS_OK);
    ics_error_clear(&err);
    assert_int_equal(ics_plan_create(cfg, t, m, &p, &err), ICS_OK);
    enum { B = 2048 };
    static double Theta[B], Raw[B];
    ics_plan_sample(p, 0, B, Theta, Raw, NULL);
    int at = 0;
    for (int j = 0; j < B; ++j) {
        assert_true(Raw[j] >= -1.0 && Raw[j] <= -0.5);
        at += Raw[j] == -1.0;
    }
    /* P(U(-1.5, -0.5) < -1) = 1/2: within 5 binomial standard deviations */
    assert_true(fabs(at - B / 2.0) < 5.0 * sqrt(B * 0.25));
    ics_plan_destroy(&p);
    ics_model_destroy(&m);
    ics_table_destroy(&t);
    ics_config_destroy(&cfg);
}

static void test_scenario_limit(void **state)
{
    (void)state;
    ics_config *cfg = NULL;
    ics_error err;
    ics_error_clear(&err);
    assert_int_equal(ics_config_parse("scenarios: 9007199254740992\n", "t.yaml", &cfg, &err), ICS_OK);
    assert_int_equal(cfg->scenarios, ICS_MAX_SCENARIOS);
    ics_config_destroy(&cfg);
    ics_error_clear(&err);
    assert_int_equal(ics_config_parse("scenarios: 9007199254740993\n", "t.yaml", &cfg, &err),
                     ICS_EINPUT);
    ics_error_clear(&err);
    assert_int_equal(ics_config_parse("scenarios: 1e19\n", "t.yaml", &cfg, &err), ICS_EINPUT);
    ics_error_clear(&err);
    assert_int_equal(ics_config_parse("seed: 18446744073709551615\n", "t.yaml", &cfg, &err), ICS_OK);
    ics_config_destroy(&cfg);
}

/* "x: [[[...]]]" nested `depth` levels below the root mapping */
static char *nested(int depth)
{
    char *s = malloc((size_t)2 * depth + 16);
    strcpy(s, "x: ");
    char *p = s + 3;
    for (int i = 0; i < depth; ++i) *p++ = '[';
    for (int i = 0; i < depth; ++i) *p++ = ']';
    strcpy(p, "\n");
    return s;
}

static void test_yaml_depth(void **state)
{
    (void)state;
    ics_config *cfg = NULL;
    ics_error err;
    char *s = nested(ICS_CONFIG_MAX_DEPTH - 1); /* with the root: exactly the limit */
    ics_error_clear(&err);
    assert_int_equal(ics_config_parse(s, "t.yaml", &cfg, &err), ICS_EINPUT);
    assert_null(strstr(err.msg, "nested")); /* refused for its unknown key, not its depth */
    free(s);
    s = nested(ICS_CONFIG_MAX_DEPTH);
    ics_error_clear(&err);
    assert_int_equal(ics_config_parse(s, "t.yaml", &cfg, &err), ICS_EINPUT);
    assert_string_equal(err.msg, "t.yaml:1: nested more than 64 levels deep (a configuration "
                                 "needs fewer than 10)");
    free(s);
    /* 10^5 levels: refused at once (libyaml alone takes minutes) */
    s = nested(100000);
    const clock_t c0 = clock();
    ics_error_clear(&err);
    assert_int_equal(ics_config_parse(s, "t.yaml", &cfg, &err), ICS_EINPUT);
    assert_true((double)(clock() - c0) / CLOCKS_PER_SEC < 1.0);
    assert_non_null(strstr(err.msg, "nested more than 64"));
    free(s);
}

/* A Z header of many labels and no rows fails on the file's size, naming it, before allocating */
static void test_csv_header_bound(void **state)
{
    (void)state;
    char dir[] = "/tmp/ics_bounds_XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/Z.csv", dir);
    FILE *f = fopen(path, "w");
    fputs("region", f);
    for (int i = 0; i < 20000; ++i) fprintf(f, ",R%d", i);
    fputs("\nsector", f);
    for (int i = 0; i < 20000; ++i) fprintf(f, ",S%d", i);
    fputs("\nregion,sector\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/Y.csv", dir);
    f = fopen(path, "w");
    fputs("region,R0\ncategory,c\nregion,sector\n", f);
    fclose(f);
    ics_table *t = NULL;
    ics_error err;
    ics_error_clear(&err);
    assert_int_equal(ics_table_load(dir, &t, &err), ICS_EINPUT);
    snprintf(path, sizeof path, "%s/Z.csv:3: the header names 20000 columns", dir);
    assert_non_null(strstr(err.msg, path));
    snprintf(path, sizeof path, "%s/Z.csv", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/Y.csv", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cdf_inverts_quantile),
        cmocka_unit_test(test_domain),
        cmocka_unit_test(test_scale),
        cmocka_unit_test(test_truncate_key),
        cmocka_unit_test(test_truncated_sampling),
        cmocka_unit_test(test_scenario_limit),
        cmocka_unit_test(test_yaml_depth),
        cmocka_unit_test(test_csv_header_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
