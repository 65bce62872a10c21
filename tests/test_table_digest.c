/* Tests of ics_table_sha256 (core/table/table_digest.c): a known answer for a one-node table, whose
 * expected digest was computed independently of our code from the byte layout documented in
 * ics_table.h, with Python's hashlib:
 *   u64 = lambda v: struct.pack('<Q', v); lab = lambda s: u64(len(s)) + s.encode()
 *   dbl = lambda v: struct.pack('<d', v)
 *   hashlib.sha256(b"icstress-table-sha256-v1\n" + u64(1)*4 + lab("A") + lab("b") + u64(0)*2
 *                  + lab("A") + lab("f") + dbl(2) + dbl(3) + dbl(5) + dbl(3)).hexdigest()
 * and the properties the resume check relies on: the same numbers give the same digest whatever
 * they were read from (built in, or the HDF5 copy of a result file), whatever the source path;
 * one changed number or label changes it; -0.0 and +0.0 count as equal. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ics_table.h"

#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ics_table *one_node(void)
{
    ics_error err;
    ics_table *t = ics_table_create(1, 1, 1, 1, &err);
    assert_non_null(t);
    t->regions[0] = ics_strdup("A", &err);
    t->segments[0] = ics_strdup("b", &err);
    t->y_region[0] = ics_strdup("A", &err);
    t->y_category[0] = ics_strdup("f", &err);
    t->node_region[0] = 0, t->node_segment[0] = 0;
    t->Z[0] = 2.0, t->Y[0] = 3.0, t->x[0] = 5.0, t->va[0] = 3.0;
    return t;
}

static void test_known_answer(void **state)
{
    (void)state;
    ics_error err;
    char hex[65];
    ics_table *t = one_node();
    assert_int_equal(ics_table_sha256(t, hex, &err), ICS_OK);
    assert_string_equal(hex, "199f712507f1a0cf09c838fcfabe03e05c4b6071e8b78af01cb012857385d780");
    ics_table_destroy(&t);
}

static void test_changes(void **state)
{
    (void)state;
    ics_error err;
    char ref[65], hex[65];
    ics_table *t = one_node();
    assert_int_equal(ics_table_sha256(t, ref, &err), ICS_OK);
    /* the source path is not part of it */
    t->source = ics_strdup("/somewhere/else", &err);
    assert_int_equal(ics_table_sha256(t, hex, &err), ICS_OK);
    assert_string_equal(hex, ref);
    /* one number, by one unit in the last place */
    t->Z[0] = nextafter(2.0, 3.0);
    assert_int_equal(ics_table_sha256(t, hex, &err), ICS_OK);
    assert_string_not_equal(hex, ref);
    t->Z[0] = 2.0;
    t->va[0] = 3.0000000000000004;
    assert_int_equal(ics_table_sha256(t, hex, &err), ICS_OK);
    assert_string_not_equal(hex, ref);
    t->va[0] = 3.0;
    /* one label */
    t->y_category[0][0] = 'g';
    assert_int_equal(ics_table_sha256(t, hex, &err), ICS_OK);
    assert_string_not_equal(hex, ref);
    t->y_category[0][0] = 'f';
    assert_int_equal(ics_table_sha256(t, hex, &err), ICS_OK);
    assert_string_equal(hex, ref);
    ics_table_destroy(&t);
}

static void test_signed_zero(void **state)
{
    (void)state;
    ics_error err;
    char a[65], b[65];
    ics_table *t = one_node();
    t->Z[0] = 0.0;
    assert_int_equal(ics_table_sha256(t, a, &err), ICS_OK);
    t->Z[0] = -0.0;
    assert_int_equal(ics_table_sha256(t, b, &err), ICS_OK);
    assert_string_equal(a, b);
    ics_table_destroy(&t);
}

/* the built-in table and its copy written to and read back from HDF5 */
static void test_builtin_and_h5_copy(void **state)
{
    (void)state;
    ics_error err;
    char a[65], b[65], path[] = "/tmp/ics_digest_XXXXXX";
    ics_table *t = NULL, *u = NULL;
    assert_int_equal(ics_table_builtin(&t, &err), ICS_OK);
    assert_int_equal(ics_table_sha256(t, a, &err), ICS_OK);
    const int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    assert_int_equal(ics_table_write_h5(t, f, &err), ICS_OK);
    H5Fclose(f);
    assert_int_equal(ics_table_load_h5(path, &u, &err), ICS_OK);
    assert_int_equal(ics_table_sha256(u, b, &err), ICS_OK);
    assert_string_equal(a, b);
    /* and one changed number of the copy shows: a flow (the first non-zero one), by one ulp */
    size_t i = 0;
    while (u->Z[i] == 0.0) ++i;
    u->Z[i] = nextafter(u->Z[i], INFINITY);
    assert_int_equal(ics_table_sha256(u, b, &err), ICS_OK);
    assert_string_not_equal(a, b);
    unlink(path);
    ics_table_destroy(&t);
    ics_table_destroy(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_answer),
        cmocka_unit_test(test_changes),
        cmocka_unit_test(test_signed_zero),
        cmocka_unit_test(test_builtin_and_h5_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
