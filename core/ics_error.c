/* Error records and allocation helpers (see ics_error.h). */
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
    return st == ICS_OK ? 0 : st == ICS_EINPUT ? 2 : 1;
}

const char *ics_status_name(ics_status st)
{
    switch (st) {
    case ICS_OK: return "ok";
    case ICS_EINPUT: return "input error";
    case ICS_EIO: return "I/O error";
    case ICS_ENOMEM: return "out of memory";
    case ICS_ENUMERIC: return "numerical error";
    default: return "internal error";
    }
}

#ifdef ICS_FAULT_INJECTION
int ics__fault(ics_fault_kind kind)
{
    static const char *const env[ICS_FAULT_KINDS] = {"ICS_FAULT_ALLOC", "ICS_FAULT_H5WRITE"};
    static long calls[ICS_FAULT_KINDS];
    const char *v = getenv(env[kind]);
    if (!v || !*v) return 0;
    const long n = strtol(v, NULL, 10);
    return n > 0 && __atomic_add_fetch(&calls[kind], 1, __ATOMIC_SEQ_CST) == n;
}
#endif

void *ics_calloc(size_t count, size_t size, ics_error *err, const char *what)
{
    void *p = ics__fault(ICS_FAULT_ALLOC) ? NULL : calloc(count ? count : 1, size ? size : 1);
    if (!p)
        ics_error_set(err, ICS_ENOMEM, "out of memory allocating %zu x %zu bytes for %s", count,
                      size, what ? what : "?");
    return p;
}

char *ics_strdup(const char *s, ics_error *err)
{
    size_t len = strlen(s) + 1;
    char *p = ics_calloc(len, 1, err, "a string");
    if (p) memcpy(p, s, len);
    return p;
}
