/* Streaming moments (Welford + Chan merges) and R-7 quantiles against direct formulas. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ics_stats.h"

#include <math.h>

static void test_moments_two_pass(void **state)
{
    (void)state;
    double v[1000];
    for (int i = 0; i < 1000; ++i) v[i] = 1e6 + sin(i * 0.37) * 3.0 + (i % 7);
    ics_moments m;
    ics_moments_init(&m);
    for (int i = 0; i < 1000; ++i) ics_moments_add(&m, v[i]);
    double mean = 0, ss = 0, mn = v[0], mx = v[0];
    for (int i = 0; i < 1000; ++i) mean += v[i];
    mean /= 1000;
    for (int i = 0; i < 1000; ++i) {
        ss += (v[i] - mean) * (v[i] - mean);
        mn = fmin(mn, v[i]);
        mx = fmax(mx, v[i]);
    }
    assert_true(fabs(m.mean - mean) <= 1e-12 * fabs(mean));
    assert_true(fabs(ics_moments_sd(&m) - sqrt(ss / 999)) <= 1e-9 * sqrt(ss / 999));
    assert_true(m.min == mn && m.max == mx && m.count == 1000);
}

static void test_merge_equals_sequential(void **state)
{
    (void)state;
    ics_moments all, a, b, c;
    ics_moments_init(&all);
    ics_moments_init(&a);
    ics_moments_init(&b);
    ics_moments_init(&c);
    for (int i = 0; i < 300; ++i) {
        const double x = cos(i * 1.3) * 10 + i * 0.01;
        ics_moments_add(&all, x);
        ics_moments_add(i < 100 ? &a : i < 250 ? &b : &c, x);
    }
    ics_moments_merge(&a, &b);
    ics_moments_merge(&a, &c);
    assert_int_equal(a.count, all.count);
    assert_true(fabs(a.mean - all.mean) < 1e-13 * (1 + fabs(all.mean)));
    assert_true(fabs(a.m2 - all.m2) < 1e-10 * all.m2);
    assert_true(a.min == all.min && a.max == all.max);
    ics_moments empty;
    ics_moments_init(&empty);
    ics_moments before = a;
    ics_moments_merge(&a, &empty);
    assert_true(a.mean == before.mean && a.m2 == before.m2);
}

static void test_quantiles_r7(void **state)
{
    (void)state;
    /* R's quantile(1:10, c(0, .1, .25, .5, .9, 1), type = 7) = 1, 1.9, 3.25, 5.5, 9.1, 10 */
    double v[10] = {10, 3, 5, 1, 2, 4, 9, 8, 7, 6};
    const double lev[6] = {0, 0.1, 0.25, 0.5, 0.9, 1};
    const double want[6] = {1, 1.9, 3.25, 5.5, 9.1, 10};
    double q[6];
    ics_quantiles_r7(v, 10, lev, 6, q);
    for (int i = 0; i < 6; ++i) assert_true(fabs(q[i] - want[i]) < 1e-12);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_moments_two_pass),
        cmocka_unit_test(test_merge_equals_sequential),
        cmocka_unit_test(test_quantiles_r7),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
