/* A result file as a self-describing dataset: netCDF-4 dimension scales on every axis, CF
 * `units` and `long_name` on every dataset, and the provenance attributes of the root.
 * Everything is added to a finished file by one process (serial HDF5); no path or shape of the
 * layout changes. See docs/output-format.md for what is written and why. */
#ifndef ICS_H5META_H
#define ICS_H5META_H

#include "ics_error.h"

#include <hdf5.h>

/* Version of the result layout, root attribute `format_version` (history in
 * docs/output-format.md). */
#define ICS_FORMAT_VERSION 2

typedef struct ics_h5meta_opts {
    int steps_per_year;   /* length of a step of the dynamic models (0: not stated) */
    int argc;             /* the command line for the provenance (argc 0: not written) */
    char *const *argv;
} ics_h5meta_opts;

/* Describe every dataset of an open result file (read-write, serial, one process only):
 * - fixed-length string datasets become variable-length strings (same path, shape, values),
 *   because netCDF-C 4.9.0 cannot read fixed-length string data;
 * - every axis of every dataset gets a dimension scale in the dataset's own group (so that each
 *   group opened alone has its labelled coordinates): label scales of strings (node
 *   "REGION/segment", region, segment, final_demand, factor, ...), numeric scales (step,
 *   quantile, risk_level, return_period) and, for long index axes (scenario, ep_point,
 *   block, ...), netCDF dimensions without a coordinate variable (no data stored);
 * - `units` and `long_name` on every numeric dataset, `long_name` on the string ones;
 * - root: `format_version`, `Conventions`, and with opts->argc > 0 `command_line`, `host`,
 *   `slurm_job_id` (when SLURM_JOB_ID is set).
 * The table's labels and unit are read from the file's /table group. Idempotent: scales made
 * by an earlier call (or copied with the data) are removed first. Not thread-safe. */
ics_status ics_h5meta_describe(hid_t file, const ics_h5meta_opts *opts, ics_error *err);

/* 1 when the dataset at `path` (relative to loc) is a dimension scale (made by the function
 * above), 0 otherwise. */
int ics_h5meta_is_scale(hid_t loc, const char *path);

#endif
