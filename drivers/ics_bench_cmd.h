/* `icstress bench [--quick] [--json FILE] [--cases LIST]`: the benchmark suite (issue 7). */
#ifndef ICS_BENCH_CMD_H
#define ICS_BENCH_CMD_H

#include "ics_driver.h"
#include "ics_error.h"

/* Runs the suite on every rank (collective under mpirun); rank 0 prints the table and appends
 * one JSON object per case to FILE. Returns the exit code (0, 1 or 2). */
int ics_cmd_bench(ics_ctx *ctx, int argc, char **argv, ics_error *err);

#endif
