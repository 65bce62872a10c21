/* Tests of the scalar attribute readers of core/base/h5.c that `run --resume` uses on a partial file:
 * an attribute of the wrong shape or class is refused (ICS_EIO) instead of overflowing the
 * caller's value or buffer (found by tests/fuzz/fuzz_table_h5). */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ics_h5.h"

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put_attr(hid_t f, const char *name, hid_t type, int n, const void *data)
{
    hsize_t d = (hsize_t)n;
    hid_t space = n == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &d, NULL);
    hid_t a = H5Acreate2(f, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(a >= 0);
    assert_true(H5Awrite(a, type, data) >= 0);
    H5Aclose(a);
    H5Sclose(space);
}

static void test_attr_shapes(void **state)
{
    (void)state;
    char path[] = "/tmp/ics_test_h5_attr_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    const int64_t one = 7, three[3] = {1, 2, 3};
    const float floats[6] = {1, 2, 3, 4, 5, 6};
    put_attr(f, "good_int", H5T_STD_I64LE, 0, &one);
    put_attr(f, "int_array", H5T_STD_I64LE, 3, three);
    put_attr(f, "float_array", H5T_IEEE_F32LE, 6, floats);
    hid_t s5 = H5Tcopy(H5T_C_S1);
    H5Tset_size(s5, 5);
    put_attr(f, "good_str", s5, 0, "hello");
    put_attr(f, "str_array", s5, 2, "abcdefghij");
    H5Tclose(s5);

    ics_error err = {0};
    int64_t v = 0;
    char *s = NULL;
    assert_int_equal(ics_h5_get_attr_i64(f, "good_int", &v, &err), ICS_OK);
    assert_int_equal(v, 7);
    assert_int_equal(ics_h5_get_attr_str(f, "good_str", &s, &err), ICS_OK);
    assert_string_equal(s, "hello");
    free(s);
    s = NULL;
    assert_int_equal(ics_h5_get_attr_i64(f, "int_array", &v, &err), ICS_EIO);
    assert_non_null(strstr(err.msg, "int_array"));
    assert_int_equal(ics_h5_get_attr_i64(f, "good_str", &v, &err), ICS_EIO);
    assert_int_equal(ics_h5_get_attr_str(f, "float_array", &s, &err), ICS_EIO);
    assert_int_equal(ics_h5_get_attr_str(f, "str_array", &s, &err), ICS_EIO);
    assert_int_equal(ics_h5_get_attr_str(f, "good_int", &s, &err), ICS_EIO);
    assert_null(s);
    assert_int_equal(ics_h5_get_attr_i64(f, "absent", &v, &err), ICS_EIO);
    H5Fclose(f);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attr_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
