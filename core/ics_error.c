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

void *ics_calloc(size_t count, size_t size, ics_error *err, const char *what)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
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
