/* The CSV reader's number parser (core/table/table_csv.c) against the C library: every number
 * of a table must be bitwise what strtod gives for its text. Y holds a million values in every
 * form a table writer produces (%g with 1-19 digits as pymrio's '%.12g' and pandas' repr, %e,
 * %f, signs, leading zeros, exponents) and the hard cases of decimal-to-binary rounding
 * (decimal strings of exact halfway points between doubles, e.g. 2^53 + 1 = 9007199254740993,
 * where a double rounding would be off by one unit). */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ics_table.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NROW 4
#define NCOL 250000

static uint64_t next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* One number's text, of kind k. */
static void number_text(uint64_t *s, int k, char *buf, size_t len)
{
    const uint64_t u = next(s);
    const int digits = 1 + (int)(next(s) % 19);
    double v;
    switch (k % 6) {
    case 0: /* any finite double, shortest-ish and full forms */
        do {
            memcpy(&v, &(uint64_t){next(s)}, sizeof v);
        } while (!isfinite(v));
        snprintf(buf, len, "%.*g", digits, v);
        break;
    case 1: /* table-like magnitudes with 1..19 significant digits */
        v = ldexp((double)(u >> 11), -53) * pow(10.0, (double)(next(s) % 40) - 20.0);
        snprintf(buf, len, "%.*g", digits, (u & 1) ? -v : v);
        break;
    case 2: /* exponent form */
        v = ldexp((double)(u >> 11), -53) * pow(10.0, (double)(next(s) % 60) - 30.0);
        snprintf(buf, len, "%.*e", digits - 1, v);
        break;
    case 3: /* fixed form, leading zeros */
        v = ldexp((double)(u >> 11), -53) * pow(10.0, (double)(next(s) % 8) - 4.0);
        snprintf(buf, len, "%0*.*f", digits + 2, digits, v);
        break;
    case 4: { /* exact halfway points between neighbouring doubles in [2^53, 2^64) */
        const uint64_t m = (u >> 11) | (1ull << 52);
        const int sh = 1 + (int)(next(s) % 11);
        snprintf(buf, len, "%llu", (unsigned long long)(((m << sh) | (1ull << (sh - 1)))));
        break;
    }
    default: { /* random digit strings with a point and an exponent */
        int p = 0;
        for (int i = 0; i < digits; ++i) {
            if (i == (int)(u % (unsigned)(digits + 1))) buf[p++] = '.';
            buf[p++] = (char)('0' + next(s) % 10);
        }
        snprintf(buf + p, len - (size_t)p, "e%d", (int)(next(s) % 70) - 35);
    }
    }
}

static void test_numbers_equal_strtod(void **state)
{
    (void)state;
    char dir[] = "/tmp/ics_numbers_XXXXXX", path[256], buf[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/Z.csv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "region,,R,R,R,R\nsector,,a,b,c,d\nregion,sector,,,,\n");
    for (int i = 0; i < NROW; ++i)
        fprintf(f, "R,%c,1,2,3,4\n", 'a' + i);
    fclose(f);
    snprintf(path, sizeof path, "%s/Y.csv", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "region,");
    for (int j = 0; j < NCOL; ++j) fprintf(f, ",R");
    fprintf(f, "\ncategory,");
    for (int j = 0; j < NCOL; ++j) fprintf(f, ",c%d", j);
    fprintf(f, "\nregion,sector");
    for (int j = 0; j < NCOL; ++j) fprintf(f, ",");
    fprintf(f, "\n");
    double *want = malloc(sizeof *want * NROW * NCOL);
    assert_non_null(want);
    uint64_t s = 17;
    for (int i = 0; i < NROW; ++i) {
        fprintf(f, "R,%c", 'a' + i);
        for (int j = 0; j < NCOL; ++j) {
            number_text(&s, j + i, buf, sizeof buf);
            want[i + (size_t)j * NROW] = strtod(buf, NULL);
            fprintf(f, ",%s", buf);
        }
        fprintf(f, "\n");
    }
    fclose(f);
    ics_table *t = NULL;
    ics_error err;
    ics_error_clear(&err);
    assert_int_equal(ics_table_load_dir(dir, &t, &err), ICS_OK);
    size_t bad = 0;
    for (size_t k = 0; k < (size_t)NROW * NCOL; ++k)
        if (memcmp(&t->Y[k], &want[k], sizeof want[k]) != 0 && bad++ < 5)
            print_error("value %zu: read %.17g, strtod %.17g\n", k, t->Y[k], want[k]);
    assert_int_equal(bad, 0);
    ics_table_destroy(&t);
    free(want);
    snprintf(path, sizeof path, "%s/Z.csv", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/Y.csv", dir);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_numbers_equal_strtod)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
