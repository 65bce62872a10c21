/* Finalizing a run (after the parallel file is closed): exact statistics from the stored
 * per-scenario data, the `complete` mark, and the rename to the output name. */
#ifndef ICS_FINALIZE_H
#define ICS_FINALIZE_H

#include "ics_aggregate.h"
#include "ics_config.h"
#include "ics_error.h"
#include "ics_table.h"

#include <stdint.h>

typedef struct ics_finalize_info {
    const char *out;           /* final output name; the file is out + ".partial" */
    const ics_table *t;
    const ics_aggset *as;      /* the aggregates: full statistics for each */
    ics_model_kind model;
    const char *const *node_stats; int nnode;  /* /scenarios outputs that get moments per node */
    const char *const *full_stats; int nfull;  /* extra outputs that get full statistics */
    int window_moments;        /* 1: /progress/moments/<name> holds the window moments of
                                  every dataset above (ics_window_moments) */
    int64_t reused_blocks;     /* blocks taken over from an interrupted run */
    double compute_seconds;
    int quiet;
    int steps_per_year;        /* step length, for the units (ics_h5meta_describe) */
    int argc;                  /* the command line, for the provenance */
    char *const *argv;
    const int64_t *const *hist; /* NULL, or per dataset above (aggregates, full, node, in that
                                   order) NULL or this rank's share of its fixed-grid histograms
                                   streamed with the blocks (ics_keyhist_add), NULL on every
                                   rank or on none */
} ics_finalize_info;

/* Collective over MPI_COMM_WORLD: ICS_OK when no process failed, else on every rank the status
 * and message of the lowest rank that did, marked shared (reported once, no MPI_Abort). */
ics_status ics_agree(ics_status st, ics_error *err);

/* Collective (every rank of MPI_COMM_WORLD, after the parallel file is closed): every rank
 * reads its share of the rows of the file opened read-only and gets every statistic; rank 0
 * reopens the file, writes /statistics, sets `finished` and `complete` = 1,
 * closes and renames it, and prints the run summary on stdout unless quiet. Returns the same
 * status on every rank (with the message of the lowest rank that failed). */
int ics_finalize_run(const ics_finalize_info *fi, ics_error *err);

#endif
