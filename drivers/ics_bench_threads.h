/* `ario_threads` case of `icstress bench` (issue 17): do OpenMP threads speed up an ARIO run as
 * ranks do? */
#ifndef ICS_BENCH_THREADS_H
#define ICS_BENCH_THREADS_H

#include "ics_driver.h"
#include "ics_error.h"

#include <stdio.h>

/* Collective. Prints one table row (the format of ics_cmd_bench) on rank 0 and appends one JSON
 * object to json (rank 0, may be NULL); counts the target in *met / *missed. Needs at least 2
 * OpenMP threads (else prints that it was skipped). Returns 0 or an exit code. */
int ics_bench_ario_threads(const ics_ctx *ctx, int quick, const char *tmpdir, FILE *json,
                           int *met, int *missed, ics_error *err);

#endif
