/* Error records and allocation helpers (see ics_error.h). */
#define _POSIX_C_SOURCE 200809L /* posix_memalign */
#include "ics_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ics_status ics_error_set(ics_error *err, ics_status code, const char *fmt, ...)
{
    if (err && err->code == ICS_OK) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        /* keep the promise of one line */
        for (char *p = err->msg; *p; ++p)
            if (*p == '\n' || *p == '\r') *p = ' ';
        err->code = code;
    }
    return code;
}

void ics_error_clear(ics_error *err)
{
    if (err) {
        err->code = ICS_OK;
        err->msg[0] = '\0';
        err->shared = 0;
    }
}

int ics_status_exit_code(ics_status st)
{
    return st == ICS_OK ? 0 : st == ICS_EINPUT ? 2 : st == ICS_EINTERRUPTED ? 3 : 1;
}

const char *ics_status_name(ics_status st)
{
    switch (st) {
    case ICS_OK: return "ok";
    case ICS_EINPUT: return "input error";
    case ICS_EIO: return "I/O error";
    case ICS_ENOMEM: return "out of memory";
    case ICS_ENUMERIC: return "numerical error";
    case ICS_EINTERRUPTED: return "interrupted";
    default: return "internal error";
    }
}

#ifdef ICS_FAULT_INJECTION
static const char *const fault_env[ICS_FAULT_KINDS] = {"ICS_FAULT_ALLOC", "ICS_FAULT_H5WRITE"};
static long fault_calls[ICS_FAULT_KINDS];

/* ICS_FAULT_REPORT=FILE: the number of calls of each kind, appended to FILE at exit (a test
 * learns how far to sweep N from one clean run). */
static void fault_report(void)
{
    FILE *f = fopen(getenv("ICS_FAULT_REPORT"), "a");
    if (!f) return;
    for (int k = 0; k < ICS_FAULT_KINDS; ++k) fprintf(f, "%s %ld\n", fault_env[k], fault_calls[k]);
    fclose(f);
}

int ics__fault(ics_fault_kind kind)
{
    static int once;
    if (!__atomic_exchange_n(&once, 1, __ATOMIC_SEQ_CST) && getenv("ICS_FAULT_REPORT"))
        atexit(fault_report);
    const long calls = __atomic_add_fetch(&fault_calls[kind], 1, __ATOMIC_SEQ_CST);
    const char *v = getenv(fault_env[kind]);
    return v && *v && calls == strtol(v, NULL, 10);
}
#endif

static void *alloc_failed(size_t count, size_t size, ics_error *err, const char *what)
{
    ics_error_set(err, ICS_ENOMEM, "out of memory allocating %zu x %zu bytes for %s", count, size,
                  what ? what : "?");
    return NULL;
}

void *ics_calloc(size_t count, size_t size, ics_error *err, const char *what)
{
    void *p = ics__fault(ICS_FAULT_ALLOC) ? NULL : calloc(count ? count : 1, size ? size : 1);
    return p ? p : alloc_failed(count, size, err, what);
}

void *ics_calloc_aligned(size_t count, size_t size, size_t align, ics_error *err, const char *what)
{
    const size_t c = count ? count : 1, z = size ? size : 1;
    void *p = NULL;
    if (c > (size_t)-1 / z || ics__fault(ICS_FAULT_ALLOC) || posix_memalign(&p, align, c * z))
        return alloc_failed(count, size, err, what);
    return memset(p, 0, c * z);
}

char *ics_strdup(const char *s, ics_error *err)
{
    size_t len = strlen(s) + 1;
    char *p = ics_calloc(len, 1, err, "a string");
    if (p) memcpy(p, s, len);
    return p;
}
