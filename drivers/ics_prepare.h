/* The planning phase of `icstress run`, shared with `icstress validate CONFIG`: every check of
 * the inputs (config, table, model, plan, dynamic plan, aggregates, stored outputs, output path)
 * and the estimate of the run's output size and memory, compared with the free disk space and
 * the available memory. Nothing is written; a refused input is ICS_EINPUT with one line. */
#ifndef ICS_PREPARE_H
#define ICS_PREPARE_H

#include "ics_aggregate.h"
#include "ics_config.h"
#include "ics_driver.h"
#include "ics_dynamic.h"
#include "ics_model.h"
#include "ics_scenario.h"
#include "ics_table.h"

#include <stdint.h>

/* node-level outputs (optional, n values per scenario); the aggregates are in ics_aggset */
enum { OUT_OUTPUT_CHANGE, OUT_INOPERABILITY, OUT_RECOVERY, OUT_PEAK, OUT_TRAJ, OUT_RECREG,
       OUT_UNMET, OUT_COUNT };
static const char *const out_names[OUT_COUNT] = {"output_change", "inoperability", "recovery_time",
                                                 "peak_loss", "trajectory",
                                                 "recovery_time_by_region", "unmet_final_demand"};

/* What the command line asked for (borrowed strings). */
typedef struct ics_run_request {
    const char *config;        /* the config file */
    const char *out;           /* -o, or NULL for the config's output.file */
    int64_t scenarios;         /* --scenarios, or -1 */
    int have_seed;
    uint64_t seed;             /* --seed when have_seed */
    int resume;                /* --resume: an existing partial's size counts as already on disk */
    int no_space_check;        /* --no-space-check: a run larger than the free space or memory
                                  only warns */
    int force;                 /* --force: an existing result at the output may be replaced */
    const char *table;         /* --table: replaces the config's table: (issue 15), or NULL */
} ics_run_request;

/* The size of a run, in bytes. */
typedef struct ics_run_estimate {
    double output_bytes;       /* every dataset of the result file, uncompressed */
    double memory_bytes;       /* peak memory of one rank (table, factors, workspaces, lists) */
    double disk_free;          /* free space at the output's directory (-1 = unknown) */
    double partial_bytes;      /* an existing OUT.partial taken over by --resume */
    double mem_available;      /* MemAvailable (or free pages) of this node (-1 = unknown) */
    int ranks_per_node;        /* ranks of this run sharing the node's memory */
    int threads, nws;          /* threads per rank and workspaces per rank */
} ics_run_estimate;

/* Everything the plan made. On success the caller owns the objects (and frees them with the
 * usual destroy functions, or ics_run_setup_free); on failure they are freed and cleared. */
typedef struct ics_run_setup {
    ics_config *cfg;
    ics_table *t;
    ics_model *m;
    ics_plan *plan;
    ics_dyn *dyn;              /* dynamic models only */
    ics_aggset *as;
    const char *out;           /* the output file (the request's, or the config's) */
    int dynamic;
    int by_region, by_segment;
    int store[OUT_COUNT];
    int64_t width[OUT_COUNT];
    ics_run_estimate est;
} ics_run_setup;

/* Collective only in the sense that every rank calls it with the same request (no MPI inside
 * but for the node-local rank count). Loads, checks and plans; compares the estimate with the
 * disk and memory (ICS_EINPUT naming the numbers, or a warning on rank 0 with no_space_check). */
ics_status ics_run_prepare(const ics_ctx *ctx, const ics_run_request *rq, ics_run_setup *s,
                           ics_error *err);
void ics_run_setup_free(ics_run_setup *s);

/* "1.2 GiB" style size. */
const char *ics_fmt_bytes(double bytes, char *buf, unsigned len);

#endif
