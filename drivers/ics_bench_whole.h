/* Whole-command cases of `icstress bench` (issue 17): `icstress run` end to end against the
 * same scenarios computed in process with no I/O and no statistics. */
#ifndef ICS_BENCH_WHOLE_H
#define ICS_BENCH_WHOLE_H

#include "ics_driver.h"
#include "ics_error.h"

#include <stdio.h>

/* Collective. Prints one table row per case (the format of ics_cmd_bench) on rank 0 and appends
 * one JSON object per case to json (rank 0, may be NULL); counts targets in *met / *missed.
 * Returns 0 or an exit code. */
int ics_bench_whole(const ics_ctx *ctx, int quick, const char *tmpdir, FILE *json, int *met,
                    int *missed, ics_error *err);

#endif
