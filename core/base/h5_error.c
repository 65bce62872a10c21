/* HDF5 failures turned into one line of ours (see ics_h5.h): the file, what failed, and the
 * reason, found in HDF5's error stack (the POSIX driver records errno there), in errno, or in the
 * file system's free space (the MPI-IO driver reports a short write and no errno). Also the
 * fault-injection hook of the write helpers, the disk reservation of the statistics phase, and
 * the record of a failed file close (after which HDF5 must not be shut down: see main.c). */
#define _POSIX_C_SOURCE 200809L
#include "ics_h5.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

/* Process-wide, like HDF5's own state: only one thread calls HDF5. */
static int close_failed;
static int injected;

int ics_h5_fault(void)
{
    if (ics__fault(ICS_FAULT_H5WRITE)) {
        injected = 1;
        errno = ENOSPC;
        return 1;
    }
    errno = 0;
    return 0;
}

void ics__h5_close_failed(void)
{
    close_failed = 1;
}

int ics_h5_close_failed(void)
{
    return close_failed;
}

/* The reason for an errno that the user can act on, or NULL. */
static const char *errno_reason(int e)
{
    switch (e) {
    case ENOSPC: return "no space left on device";
    case EDQUOT: return "disk quota exceeded";
    case EFBIG: return "file too large for the file system";
    case EIO: return "input/output error (a failing device or file system)";
    case EROFS: return "read-only file system";
    case EACCES: case EPERM: return "permission denied";
    default: return NULL;
    }
}

typedef struct walk {
    int err_no;        /* errno recorded by a driver ("errno = N"), or 0 */
    char text[256];    /* the driver's "error message = '...'", else the innermost description */
} walk;

static herr_t walk_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    walk *w = data;
    const char *d = e->desc ? e->desc : "";
    const char *p = strstr(d, "errno = ");
    if (p && !w->err_no) w->err_no = atoi(p + 8);
    const char *m = strstr(d, "error message = '");
    if (m) {
        m += 17;
        const char *q = strchr(m, '\'');
        const size_t len = q ? (size_t)(q - m) : strlen(m);
        snprintf(w->text, sizeof w->text, "%.*s", (int)(len < 200 ? len : 200), m);
    } else if (*d && !strstr(w->text, "error message")) {
        snprintf(w->text, sizeof w->text, "%s", d); /* walking down: the innermost wins */
    }
    (void)n;
    return 0;
}

/* Free bytes for unprivileged users on the file system holding path, or -1. */
static long long free_bytes(const char *path)
{
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", path);
    struct statvfs sv;
    const int rc = statvfs(dirname(copy), &sv);
    return rc == 0 ? (long long)sv.f_bavail * (long long)sv.f_frsize : -1;
}

ics_status ics_h5_fail(ics_error *err, ics_status code, hid_t obj, const char *path,
                       const char *fmt, ...)
{
    /* first what the failed call left: errno, then HDF5's stack (H5E calls do not clear it) */
    const int saved_errno = errno;
    walk w = {0, ""};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, walk_cb, &w);
    H5Eclear2(H5E_DEFAULT);
    const int was_injected = injected;
    injected = 0;

    char file[512] = "", where[300] = "";
    if (path) snprintf(file, sizeof file, "%s", path);
    else if (obj < 0 || H5Fget_name(obj, file, sizeof file) <= 0) snprintf(file, sizeof file, "HDF5 file");
    if (obj >= 0 && H5Iget_type(obj) != H5I_FILE && H5Iget_name(obj, where + 1, sizeof where - 3) > 0) {
        where[0] = ' ';
        strcat(where, ":");
    }
    H5Eclear2(H5E_DEFAULT);

    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);

    const char *reason = errno_reason(w.err_no);
    if (!reason) reason = errno_reason(saved_errno);
    char buf[320];
    if (!reason) {
        const long long fb = free_bytes(file);
        if (fb >= 0 && fb < (1LL << 20)) {
            snprintf(buf, sizeof buf, "no space left on device (%lld bytes free)", fb);
            reason = buf;
        } else if (w.text[0]) {
            snprintf(buf, sizeof buf, "HDF5: %s", w.text);
            reason = buf;
        } else {
            reason = "HDF5 gave no reason";
        }
    }
    return ics_error_set(err, code, "%s:%s %s: %s%s", file, where, what, reason,
                         was_injected ? " (injected fault)" : "");
}

ics_status ics_h5_reserve(const char *path, int64_t bytes, ics_error *err)
{
    ics_status st = ICS_OK;
    struct stat sb;
    int sized = 0, fd = open(path, O_WRONLY);
    if (fd < 0 || fstat(fd, &sb) != 0)
        ICS_FAIL(err, ICS_EIO, "%s: cannot open to reserve space: %s", path, strerror(errno));
    sized = 1;
    int rc = ics_h5_fault() ? ENOSPC : posix_fallocate(fd, sb.st_size, (off_t)bytes);
    if (rc == EINVAL || rc == EOPNOTSUPP) rc = 0; /* no reservation on this file system */
    if (rc != 0) {
        const int was_injected = injected;
        injected = 0;
        ICS_FAIL(err, ICS_EIO, "%s: cannot reserve %lld bytes to write the statistics: %s%s",
                 path, (long long)bytes, errno_reason(rc) ? errno_reason(rc) : strerror(rc),
                 was_injected ? " (injected fault)" : "");
    }
done:
    /* a failed reservation leaves the file as it was */
    if (sized && st != ICS_OK && ftruncate(fd, sb.st_size) != 0) st = ICS_EIO;
    if (fd >= 0) close(fd);
    return st;
}
