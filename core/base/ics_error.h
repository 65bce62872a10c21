/* Errors for the whole library: one status enum, one context-carrying error record, and the
 * macros every fallible call goes through (break on ics_error_set to catch every failure).
 * Library code fills an ics_error and returns its status; only drivers/ print and exit. */
#ifndef ICS_ERROR_H
#define ICS_ERROR_H

#include <stddef.h>

typedef enum ics_status {
    ICS_OK = 0,
    ICS_EINPUT,    /* bad user input: config, table, label, number -> exit 2 */
    ICS_EIO,       /* file system or HDF5 failure                      -> exit 1 */
    ICS_ENOMEM,    /* allocation failed                                -> exit 1 */
    ICS_ENUMERIC,  /* numerical failure not caused by input (LAPACK)   -> exit 1 */
    ICS_EINTERNAL, /* anything else                                    -> exit 1 */
    ICS_EINTERRUPTED /* stopped early by a signal or --max-time; resumable -> exit 3 */
} ics_status;

#define ICS_ERRMSG_MAX 1024

typedef struct ics_error {
    ics_status code;
    char msg[ICS_ERRMSG_MAX]; /* one line, no trailing newline: "FILE: place: what was wrong" */
    int shared;               /* drivers: 1 when every MPI rank holds this same error (agreed
                                 collectively), so rank 0 reports it and no rank aborts */
} ics_error;

/* Record an error (first one wins: later calls do not overwrite an earlier message) and return
 * its code. err may be NULL. Thread-safe as long as threads use distinct ics_error records. */
ics_status ics_error_set(ics_error *err, ics_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void ics_error_clear(ics_error *err);
/* Process exit code for a status as in INTERFACE.md: 0 ok, 2 input, 3 interrupted (resumable),
 * 1 anything else. */
int ics_status_exit_code(ics_status st);
const char *ics_status_name(ics_status st);

/* Allocation helpers that record ICS_ENOMEM with the caller's purpose. */
void *ics_calloc(size_t count, size_t size, ics_error *err, const char *what);
/* ics_calloc's zeroed memory at an address that is a multiple of align (a power of two, a
 * multiple of sizeof(void *)): for workspaces that kernels read in whole cache lines. calloc
 * gives 16 bytes; a large block comes from mmap at 16 past a page, so every 64-byte vector
 * load of it would straddle two lines. Freed with free. The same fault injection. */
void *ics_calloc_aligned(size_t count, size_t size, size_t align, ics_error *err,
                         const char *what);
char *ics_strdup(const char *s, ics_error *err);

/* Fault injection (CMake option ICS_ENABLE_FAULT_INJECTION, for tests): with ICS_FAULT_ALLOC=N
 * in the environment the Nth call of ics_calloc (ICS_ALLOC, ics_strdup) fails as out of memory,
 * with ICS_FAULT_H5WRITE=N the Nth HDF5 write through core/base/h5.c's helpers (datasets, rows,
 * arrays, strings, attributes) fails as if the disk were full. Counting is per process and
 * thread-safe. Without the option ics__fault is the constant 0: no cost. */
typedef enum ics_fault_kind { ICS_FAULT_ALLOC, ICS_FAULT_H5WRITE, ICS_FAULT_KINDS } ics_fault_kind;
#ifdef ICS_FAULT_INJECTION
int ics__fault(ics_fault_kind kind); /* 1 when this call is the one to fail */
#else
#define ics__fault(kind) 0
#endif

/* ICS_TRY(expr): evaluate a status-returning call; on failure jump to the function's `done:`
 * label with `st` holding the status. Functions using it declare `ics_status st = ICS_OK;`. */
#define ICS_TRY(expr)                                                                          \
    do {                                                                                       \
        st = (expr);                                                                           \
        if (st != ICS_OK) goto done;                                                           \
    } while (0)

/* ICS_FAIL(err, code, ...): record an error and jump to `done:`. */
#define ICS_FAIL(err, code, ...)                                                               \
    do {                                                                                       \
        st = ics_error_set((err), (code), __VA_ARGS__);                                        \
        goto done;                                                                             \
    } while (0)

/* (ptr) = call, or jump to `done:` with st = ICS_ENOMEM */
#define ICS__ALLOC_OR_FAIL(ptr, call)                                                          \
    do {                                                                                       \
        (ptr) = (call);                                                                        \
        if (!(ptr)) { st = ICS_ENOMEM; goto done; }                                            \
    } while (0)

/* ICS_ALLOC(ptr, count, err, what): calloc or fail with ICS_ENOMEM. */
#define ICS_ALLOC(ptr, count, err, what)                                                       \
    ICS__ALLOC_OR_FAIL(ptr, ics_calloc((size_t)(count), sizeof *(ptr), (err), (what)))
/* ICS_ALLOC_LINE: the same on a cache line (ics_calloc_aligned, 64 bytes), for the arrays of
 * block workspaces, which the kernels read in whole 64-byte vectors. */
#define ICS_ALLOC_LINE(ptr, count, err, what)                                                  \
    ICS__ALLOC_OR_FAIL(ptr, ics_calloc_aligned((size_t)(count), sizeof *(ptr), 64, (err), (what)))

#endif
