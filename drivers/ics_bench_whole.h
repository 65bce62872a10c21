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

/* The 1-minute load average (/proc/loadavg), -1 when unreadable: printed beside every timing. */
double ics_bench_loadavg(void);
/* CPU seconds (user + system) of this process so far, summed over the ranks (collective): on a
 * shared machine the work done, whatever the other jobs take of the cores. */
double ics_bench_cpu_all(void);

#endif
