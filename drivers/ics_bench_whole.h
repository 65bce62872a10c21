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
/* Peak resident memory in KiB, the largest over the ranks (collective). */
long ics_bench_peak_rss_kb(void);
/* A JSON record of a case (rank 0; json may be NULL): ics_bench_json_open writes the fields
 * every record shares (INTERFACE.md: case, n, block, scenarios_per_s, gflops and dgemm_gflops as
 * null, ratio, ratio_vs, target, target_met, blas_core, openblas_coretype, blas, peak_rss_mib,
 * ranks, threads, blas_threads, scenarios), the caller appends its own as ", \"key\": value",
 * and ics_bench_json_close adds what (a literal string), machine, commit, timestamp and quick. */
void ics_bench_json_open(FILE *json, const char *name, int n, int b, double scenarios_per_s,
                         double ratio, const char *ratio_vs, double target, long rss_kb,
                         int ranks, int threads, long long scenarios);
void ics_bench_json_close(FILE *json, const char *what, int quick);

#endif
