/* Philox4x32-10 against Random123's published known-answer vectors (tests/kat_vectors in
 * Random123 1.14), and properties of the uniform and normal transforms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ics_rng.h"

#include <math.h>

static void test_philox_kat(void **state)
{
    (void)state;
    static const uint32_t v[3][10] = {
        {0, 0, 0, 0, 0, 0, 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
        {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0x408f276d,
         0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
        {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, 0xd16cfe09,
         0x94fdcceb, 0x5001e420, 0x24126ea1}};
    for (int c = 0; c < 3; ++c) {
        uint32_t out[4];
        ics_philox4x32_10(v[c], v[c] + 4, out);
        for (int w = 0; w < 4; ++w) assert_int_equal(out[w], v[c][6 + w]);
    }
}

static void test_uniform_range_and_mean(void **state)
{
    (void)state;
    ics_rng_key key = ics_rng_key_make(42, ICS_RNG_SAMPLE);
    const int N = 200000;
    double sum = 0.0, sum2 = 0.0;
    for (int i = 0; i < N; ++i) {
        const double u = ics_rng_uniform(key, (uint64_t)i, 3);
        assert_true(u > 0.0 && u < 1.0);
        sum += u;
        sum2 += u * u;
    }
    const double mean = sum / N, var = sum2 / N - mean * mean;
    /* standard error of the mean is sqrt(1/12/N) ~ 6.5e-4; 5 sigma */
    assert_true(fabs(mean - 0.5) < 5 * sqrt(1.0 / 12.0 / N));
    assert_true(fabs(var - 1.0 / 12.0) < 0.002);
    /* extremes of the open interval */
    assert_true(ics_u01_from_u64(0) > 0.0);
    assert_true(ics_u01_from_u64(UINT64_MAX) < 1.0);
}

static void test_keys_and_counters_independent(void **state)
{
    (void)state;
    ics_rng_key a = ics_rng_key_make(1, ICS_RNG_SAMPLE), b = ics_rng_key_make(1, ICS_RNG_OCCURRENCE),
                c = ics_rng_key_make(2, ICS_RNG_SAMPLE);
    assert_true(a.k[0] != b.k[0] || a.k[1] != b.k[1]);
    assert_true(a.k[0] != c.k[0] || a.k[1] != c.k[1]);
    /* the same (key, scenario, draw) gives the same number: no hidden state */
    assert_true(ics_rng_uniform(a, 123456789012ull, 7) == ics_rng_uniform(a, 123456789012ull, 7));
    assert_true(ics_rng_uniform(a, 5, 7) != ics_rng_uniform(a, 5, 8));
}

static void test_norm_ppf(void **state)
{
    (void)state;
    /* published quantiles of the standard normal */
    assert_true(fabs(ics_norm_ppf(0.975) - 1.959963984540054) < 1e-14);
    assert_true(fabs(ics_norm_ppf(0.5)) < 1e-16);
    assert_true(fabs(ics_norm_ppf(0.841344746068543) - 1.0) < 1e-12);
    /* inverse of the CDF across the range, including the tails (all three AS241 branches); the
     * lower tail is where p carries full precision, the upper follows by symmetry */
    const double zs[] = {-8.0, -5.5, -3.0, -1.0, -0.1, 0.3, 2.0};
    for (size_t i = 0; i < sizeof zs / sizeof *zs; ++i) {
        const double p = ics_norm_cdf(zs[i]);
        assert_true(fabs(ics_norm_ppf(p) - zs[i]) < 1e-9 * (1.0 + fabs(zs[i])));
    }
    /* symmetry */
    assert_true(fabs(ics_norm_ppf(0.01) + ics_norm_ppf(0.99)) < 1e-14);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_philox_kat),
        cmocka_unit_test(test_uniform_range_and_mean),
        cmocka_unit_test(test_keys_and_counters_independent),
        cmocka_unit_test(test_norm_ppf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
