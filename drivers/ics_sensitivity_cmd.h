/* `icstress sensitivity CONFIG`: a sensitivity design run through the ensemble machinery, then
 * the indices under /sensitivity and a ranked table (drivers/cmd_sensitivity.c). */
#ifndef ICS_SENSITIVITY_CMD_H
#define ICS_SENSITIVITY_CMD_H

#include "ics_driver.h"

/* Collective over MPI_COMM_WORLD (every rank calls it with the same arguments). Returns the
 * process exit code (0, 1 or 2) with err set on failure, like ics_cmd_run. */
int ics_cmd_sensitivity(ics_ctx *ctx, int argc, char **argv, ics_error *err);

/* For the `run` redirection: 1 when the CONFIG of a `run` command line (argv[0] = "run") is a
 * readable config with a `sensitivity:` section, else 0 (errors are left to `run` to report).
 * Every rank reads the same file, so every rank gets the same answer. */
int ics_sensitivity_requested(int argc, char **argv);

#endif
