/* HDF5 failures as one line of ours (ics_h5_fail), the write hook's errno contract, and the disk
 * reservation of the statistics phase (ics_h5_reserve): each error path triggered on purpose. */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ics_h5.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_path[256];

static hid_t temp_file(void)
{
    snprintf(g_path, sizeof g_path, "/tmp/test_h5_error_%ld.h5", (long)getpid());
    hid_t f = H5Fcreate(g_path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(f >= 0);
    return f;
}

/* A failed call on an object: the line names the file, the object, what failed and a reason,
 * in one line; the first error recorded wins. */
static void test_fail_names_file_and_object(void **state)
{
    (void)state;
    hid_t f = temp_file();
    hid_t g = H5Gcreate2(f, "grp", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    assert_true(g >= 0);
    ics_error err;
    ics_error_clear(&err);
    hid_t d = H5Dopen2(g, "missing", H5P_DEFAULT); /* fails: HDF5 leaves its error stack */
    assert_true(d < 0);
    assert_int_equal(ics_h5_fail(&err, ICS_EIO, g, NULL, "cannot open %s", "missing"), ICS_EIO);
    assert_int_equal(err.code, ICS_EIO);
    char want[400];
    snprintf(want, sizeof want, "%s: /grp: cannot open missing: ", g_path);
    assert_memory_equal(err.msg, want, strlen(want));
    assert_null(strchr(err.msg, '\n'));
    assert_true(strlen(err.msg) > strlen(want)); /* a reason follows */
    ics_h5_fail(&err, ICS_ENOMEM, f, NULL, "second");
    assert_int_equal(err.code, ICS_EIO);
    H5Gclose(g);
    H5Fclose(f);
    unlink(g_path);
}

/* errno of the failed call gives the reason in plain words; an explicit path replaces the
 * object's file; with no object and no path the file is unnamed but the line still reads. */
static void test_fail_reason_from_errno(void **state)
{
    (void)state;
    ics_error err;
    const int codes[] = {ENOSPC, EDQUOT, EFBIG, EIO};
    const char *words[] = {"no space left on device", "disk quota exceeded",
                           "file too large for the file system", "input/output error"};
    for (int i = 0; i < 4; ++i) {
        ics_error_clear(&err);
        errno = codes[i];
        ics_h5_fail(&err, ICS_EIO, -1, "/some/out.h5.partial", "writing rows 0..9 failed");
        assert_non_null(strstr(err.msg, "/some/out.h5.partial: writing rows 0..9 failed: "));
        assert_non_null(strstr(err.msg, words[i]));
    }
}

/* Without injection the hook clears errno (so a failure's errno is its own) and lets the write
 * go ahead. */
static void test_hook_clears_errno(void **state)
{
    (void)state;
    if (getenv("ICS_FAULT_H5WRITE")) skip();
    errno = ENOSPC;
    assert_int_equal(ics_h5_fault(), 0);
    assert_int_equal(errno, 0);
}

/* A reservation extends the file by the bytes asked for; HDF5 still opens it, and closing it
 * after a write truncates it back to what HDF5 uses. A file that is not there: one line. */
static void test_reserve(void **state)
{
    (void)state;
    hid_t f = temp_file();
    H5Fclose(f);
    struct stat a, b, c;
    assert_int_equal(stat(g_path, &a), 0);
    ics_error err;
    ics_error_clear(&err);
    assert_int_equal(ics_h5_reserve(g_path, 1 << 20, &err), ICS_OK);
    assert_int_equal(stat(g_path, &b), 0);
    assert_int_equal(b.st_size, a.st_size + (1 << 20));
    f = H5Fopen(g_path, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(f >= 0);
    const int64_t dims[1] = {100};
    double v[100] = {0};
    assert_int_equal(ics_h5_write_array(f, "/x", 1, dims, v, &err), ICS_OK);
    assert_int_equal(H5Fclose(f), 0);
    assert_int_equal(stat(g_path, &c), 0);
    assert_true(c.st_size < b.st_size);
    assert_true(c.st_size >= a.st_size + 800);
    unlink(g_path);

    ics_error_clear(&err);
    assert_int_equal(ics_h5_reserve("/nonexistent/dir/x.h5.partial", 10, &err), ICS_EIO);
    assert_non_null(strstr(err.msg, "/nonexistent/dir/x.h5.partial"));
}

int main(void)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fail_names_file_and_object),
        cmocka_unit_test(test_fail_reason_from_errno),
        cmocka_unit_test(test_hook_clears_errno),
        cmocka_unit_test(test_reserve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
