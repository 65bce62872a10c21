/* The large-table cases of `icstress bench` (drivers/bench_large.c, issue 17). */
#ifndef ICS_BENCH_LARGE_H
#define ICS_BENCH_LARGE_H

#include "ics_error.h"

#include <stdio.h>

typedef struct ics_bench_info {
    int quick, ranks, threads;
    const char *blas_core, *commit;
} ics_bench_info;

/* Collective: rank 0 runs the cases (printing table rows, appending JSON to json when not
 * NULL, temporary files in tmpdir); returns 0 or an exit code with err set. */
int ics_bench_large(const ics_bench_info *bi, FILE *json, const char *tmpdir, ics_error *err);

#endif
