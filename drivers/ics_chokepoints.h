/* `icstress chokepoints CONFIG [-o OUT.h5]`: linkages, hypothetical extraction and the ensemble
 * ranking of nodes by disruption loss (docs/chokepoints.md). Collective over MPI_COMM_WORLD. */
#ifndef ICS_CHOKEPOINTS_H
#define ICS_CHOKEPOINTS_H

#include "ics_driver.h"
#include "ics_error.h"

/* Usage line for `icstress --help`. */
#define ICS_CHOKEPOINTS_USAGE                                                                  \
    "  chokepoints CONFIG [-o OUT.h5] [--scenarios-per-node N] [--seed S] [--top K] [--quiet]\n" \
    "                      linkages, hypothetical extraction and the ensemble ranking of nodes\n"

/* Returns the process exit code (0, 1, 2) with err set on failure, like ics_cmd_run. */
int ics_cmd_chokepoints(ics_ctx *ctx, int argc, char **argv, ics_error *err);

#endif
